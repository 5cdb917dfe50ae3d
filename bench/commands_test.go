//go:build bench

package bench

import (
	"github.com/acct-cli/acct/internal/testtool"

	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acct-cli/acct/command"
	"github.com/acct-cli/acct/internal/console"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/session/ststest"
)

// benchLayout is a layout of n profiles: the root's admin, and n-1 stages with staging in the
// middle.
func benchLayout(n int) string {
	var b strings.Builder
	b.WriteString("namespace: cpco\nmode: organization\nregion: us-west-2\nsource_profile: cpco\n")
	b.WriteString("mfa_serial: arn:aws:iam::323330167063:mfa/{user}\nroot:\n  account: \"323330167063\"\nstages:\n")
	for i := 1; i < n; i++ {
		if i == n/2 {
			b.WriteString("  - name: staging\n    account: \"222222222222\"\n")
			continue
		}
		fmt.Fprintf(&b, "  - name: s%d\n    account: \"%012d\"\n", i, 500000000000+i)
	}
	return b.String()
}

// BenchmarkCredentialProcessCached is `acct credential-process cpco-staging-admin` in process,
// with the role's credentials cached in the file keyring: the work every command does before it
// runs anything, without the process start, on a config of 2 and of 10,000 profiles. Profile it
// with
//
//	go test -tags bench ./bench -run '^$' -bench CredentialProcessCached/10000 -cpuprofile /tmp/cpu.out
func BenchmarkCredentialProcessCached(b *testing.B) {
	for _, n := range []int{2, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) { benchCredentialProcessCached(b, n) })
	}
}

func benchCredentialProcessCached(b *testing.B, n int) {
	home := b.TempDir()
	s := ststest.New()
	defer s.Close()
	u := s.AddUser("323330167063", "alice")
	s.AddRole("arn:aws:iam::222222222222:role/OrganizationAccountAccessRole", ststest.RoleOptions{RequireMFA: true})
	vars := map[string]string{
		"HOME":                 home,
		"AWS_CONFIG_FILE":      filepath.Join(home, ".aws", "config"),
		"XDG_CONFIG_HOME":      filepath.Join(home, ".config"),
		"XDG_STATE_HOME":       filepath.Join(home, ".state"),
		"XDG_DATA_HOME":        filepath.Join(home, ".local", "share"),
		"ACCT_KEYRING_BACKEND": "file",
		"ACCT_FILE_PASSPHRASE": "bench passphrase",
		"AWS_ENDPOINT_URL_STS": s.URL,
		"NO_COLOR":             "1",
	}
	for k, v := range vars {
		b.Setenv(k, v)
	}
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "ACCT_MFA_TOKEN"} {
		b.Setenv(k, "")
		os.Unsetenv(k)
	}
	layout := filepath.Join(home, "acct.yaml")
	if err := os.WriteFile(layout, []byte(benchLayout(n)), 0o600); err != nil {
		b.Fatal(err)
	}
	run := func(extra map[string]string, args ...string) string {
		var out, errb bytes.Buffer
		sys := command.IO{
			Console: console.New(strings.NewReader(""), &out, &errb),
			Getenv: func(k string) string {
				if v, ok := extra[k]; ok {
					return v
				}
				return os.Getenv(k)
			},
			Environ: os.Environ,
		}
		if err := command.Run(context.Background(), sys, append([]string{"acct"}, args...)); err != nil {
			b.Fatalf("acct %s: %v: %s", strings.Join(args, " "), err, errb.String())
		}
		return out.String()
	}
	run(nil, "generate", "--layout", layout, "--user", "alice")
	run(map[string]string{"AWS_ACCESS_KEY_ID": u.AccessKeyID, "AWS_SECRET_ACCESS_KEY": u.SecretAccessKey}, "add", "cpco", "--env")
	run(map[string]string{"ACCT_MFA_TOKEN": s.Code(u, time.Now())}, "credential-process", "cpco-staging-admin")
	if cfg, err := profiles.Read(vars["AWS_CONFIG_FILE"]); err != nil || len(cfg.Names()) != n {
		b.Fatalf("the config holds %d profiles, not %d: %v", len(cfg.Names()), n, err)
	}
	calls := s.Calls("")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var sys = command.IO{Console: console.New(strings.NewReader(""), io.Discard, io.Discard), Getenv: os.Getenv, Environ: os.Environ}
		if err := command.Run(context.Background(), sys, []string{"acct", "credential-process", "cpco-staging-admin"}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if s.Calls("") != calls {
		b.Fatalf("the cached runs called STS %d times", s.Calls("")-calls)
	}
}

func TestMain(m *testing.M) { testtool.Main(m) }
