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

// run10k runs acct in process with HOME and the config in dir.
func run10k(b *testing.B, dir string, args ...string) {
	b.Helper()
	env := map[string]string{
		"HOME": dir, "AWS_CONFIG_FILE": filepath.Join(dir, "config"), "XDG_CONFIG_HOME": filepath.Join(dir, ".config"),
		"XDG_STATE_HOME": filepath.Join(dir, ".state"), "NO_COLOR": "1",
	}
	var errb strings.Builder
	sys := command.IO{Console: console.New(strings.NewReader(""), io.Discard, &errb),
		Getenv: func(k string) string { return env[k] }, Environ: func() []string { return nil }}
	if err := command.Run(context.Background(), sys, append([]string{"acct"}, args...)); err != nil {
		b.Fatalf("acct %s: %v: %s", strings.Join(args, " "), err, errb.String())
	}
}

// BenchmarkGenerate10000 is `acct generate` of a layout of 10,000 profiles into a config that
// already holds them: load, render, merge, and the no-change check.
func BenchmarkGenerate10000(b *testing.B) {
	dir := b.TempDir()
	layout := filepath.Join(dir, "acct.yaml")
	if err := os.WriteFile(layout, []byte(layout10k()), 0o600); err != nil {
		b.Fatal(err)
	}
	run10k(b, dir, "generate", "--layout", layout)
	b.ReportAllocs()
	for b.Loop() {
		run10k(b, dir, "generate", "--layout", layout)
	}
}

// BenchmarkList10000 is `acct list --no-keyring` of a config of 10,000 profiles.
func BenchmarkList10000(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(configText(10000)), 0o600); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		run10k(b, dir, "list", "--no-keyring")
	}
}
