//go:build bench

package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acct-cli/acct/command"
	"github.com/acct-cli/acct/internal/console"
)

// layout10k is an organization of 3,333 stages with 3 roles each, plus the root's admin: 10,000
// profiles.
func layout10k() string {
	var b strings.Builder
	b.WriteString("namespace: big\nmode: organization\nregion: us-east-1\nroot: {account: \"100000000000\"}\nstages:\n")
	for i := 1; i <= 3333; i++ {
		fmt.Fprintf(&b, "  - {name: s%d, account: \"%012d\", roles: {admin: Admin, readonly: ReadOnly, deploy: Deploy}}\n", i, 200000000000+i)
	}
	return b.String()
}

// run10k runs acct in process with HOME and the config in dir; cache is its XDG_CACHE_HOME
// (a path that cannot be a directory keeps nothing).
func run10k(b *testing.B, dir, cache string, args ...string) {
	b.Helper()
	env := map[string]string{
		"HOME": dir, "AWS_CONFIG_FILE": filepath.Join(dir, "config"), "XDG_CONFIG_HOME": filepath.Join(dir, ".config"),
		"XDG_STATE_HOME": filepath.Join(dir, ".state"), "XDG_CACHE_HOME": cache, "NO_COLOR": "1",
	}
	var errb strings.Builder
	sys := command.IO{Console: console.New(strings.NewReader(""), io.Discard, &errb),
		Getenv: func(k string) string { return env[k] }, Environ: func() []string { return nil }}
	if err := command.Run(context.Background(), sys, append([]string{"acct"}, args...)); err != nil {
		b.Fatalf("acct %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
}

// caches are the two ways list and generate run: answered from what an earlier run with the same
// inputs remembered, and without a cache (the first run after any change).
func caches(dir string) [][2]string {
	return [][2]string{{"remembered", filepath.Join(dir, ".cache")}, {"nocache", "/dev/null/cache"}}
}

// BenchmarkGenerate10000 is `acct generate` of a layout of 10,000 profiles into a config that
// already holds them: load, render, merge, and the no-change check (or the cache's answer).
func BenchmarkGenerate10000(b *testing.B) {
	dir := b.TempDir()
	layout := filepath.Join(dir, "acct.yaml")
	if err := os.WriteFile(layout, []byte(layout10k()), 0o600); err != nil {
		b.Fatal(err)
	}
	for _, c := range caches(dir) {
		cache := c[1]
		b.Run(c[0], func(b *testing.B) {
			run10k(b, dir, cache, "generate", "--layout", layout)
			run10k(b, dir, cache, "generate", "--layout", layout)
			b.ReportAllocs()
			for b.Loop() {
				run10k(b, dir, cache, "generate", "--layout", layout)
			}
		})
	}
}

// BenchmarkList10000 is `acct list --no-keyring` of a config of 10,000 profiles.
func BenchmarkList10000(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(configText(10000)), 0o600); err != nil {
		b.Fatal(err)
	}
	for _, c := range caches(dir) {
		cache := c[1]
		b.Run(c[0], func(b *testing.B) {
			run10k(b, dir, cache, "list", "--no-keyring")
			b.ReportAllocs()
			for b.Loop() {
				run10k(b, dir, cache, "list", "--no-keyring")
			}
		})
	}
}
