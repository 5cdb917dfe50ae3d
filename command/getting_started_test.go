package command_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acct-cli/acct/internal/testtool"
	"github.com/acct-cli/acct/session/ststest"
)

// fence is one fenced code block of a Markdown file.
type fence struct {
	lang, body string
	line       int
}

var fenceRE = regexp.MustCompile("(?ms)^```([a-z]*)\n(.*?)^```")

func fences(t *testing.T, path string) []fence {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []fence
	for _, m := range fenceRE.FindAllSubmatchIndex(data, -1) {
		out = append(out, fence{
			lang: string(data[m[2]:m[3]]),
			body: string(data[m[4]:m[5]]),
			line: bytes.Count(data[:m[0]], []byte("\n")) + 1,
		})
	}
	return out
}

// Every command in a ```sh block of docs/getting-started.md runs, in order, against the fake STS,
// with the ```yaml block as the team's acct.yaml. What the test does instead of a command, and why:
//
//	go install github.com/acct-cli/acct@latest   the acct TestMain built from this tree (the same main package)
//	brew install ..., sudo apt install ./...deb  not run: the formula and packages are checked by
//	                                             goreleaser check / goreleaser build in .ci/run
//	acct add cpco                                run on a terminal (a pty): the test types the fake
//	                                             user's access key ID and secret at the two prompts
//	acct shell staging                           run on a terminal with SHELL=/bin/bash: the test
//	                                             types aws sts get-caller-identity and exit
//	... aws <args>                               aws <args> --endpoint-url <fake STS>: the Debian AWS
//	                                             CLI (2.9) ignores AWS_ENDPOINT_URL_STS, real users
//	                                             talk to AWS itself
//
// The MFA code comes from ACCT_MFA_TOKEN, as in a script; a command that is none of the above and
// does not start with acct fails the test, so the page cannot grow commands nobody runs.
func TestGettingStarted(t *testing.T) {
	t.Parallel()
	aws := testtool.AWSCLI(t)
	blocks := fences(t, filepath.Join("..", "docs", "getting-started.md"))
	w := newWorld(t)
	team := t.TempDir() // a clone of the team's infrastructure repository
	var layout string
	for _, b := range blocks {
		if b.lang == "yaml" {
			layout = b.body
		}
	}
	if layout == "" {
		t.Fatal("docs/getting-started.md has no yaml block with the team's acct.yaml")
	}
	if err := os.WriteFile(filepath.Join(team, "acct.yaml"), []byte(layout), 0o644); err != nil {
		t.Fatal(err)
	}

	alice := w.sts.AddUser("323330167063", "alice")
	for _, acct := range []string{"111111111111", "222222222222", "444444444444"} {
		w.sts.AddRole("arn:aws:iam::"+acct+":role/OrganizationAccountAccessRole", ststest.RoleOptions{RequireMFA: true})
	}
	w.sts.AddRole("arn:aws:iam::222222222222:role/cpco-staging-readonly", ststest.RoleOptions{RequireMFA: true})
	w.vars["ACCT_MFA_TOKEN"] = w.sts.Code(alice, time.Now())
	w.vars["PATH"] = filepath.Dir(acctBin) + string(os.PathListSeparator) + filepath.Dir(aws) + string(os.PathListSeparator) + os.Getenv("PATH")
	w.vars["SHELL"] = "/bin/bash"

	withEndpoint := func(cmd string) string {
		if regexp.MustCompile(`(^|\s)aws\s`).MatchString(cmd) {
			return cmd + " --endpoint-url " + w.sts.URL
		}
		return cmd
	}
	staging := "arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/"
	ran := map[string]bool{}
	var outputs []string
	for _, b := range blocks {
		if b.lang != "sh" {
			continue
		}
		for _, line := range strings.Split(b.body, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			cmd := line
			switch {
			case line == "go install github.com/acct-cli/acct@latest":
				if _, err := os.Stat(acctBin); err != nil {
					t.Fatal(err)
				}
				ran[line] = true
				continue
			case strings.HasPrefix(line, "brew install "), strings.HasPrefix(line, "sudo apt install "):
				continue
			case line == "acct add cpco":
				p := startTTY(t, w.ttyEnv(), team, acctBin, "add", "cpco")
				p.expect("Access key ID")
				p.line(alice.AccessKeyID)
				p.expect("Secret access key")
				p.line(alice.SecretAccessKey)
				if code := p.wait(); code != 0 {
					t.Fatalf("docs/getting-started.md:%d: %s on a terminal: exit %d\n%s", b.line, line, code, p.screen())
				}
				outputs = append(outputs, p.screen()) // the secret is typed at a masked prompt: noLeaks checks it never shows
				ran[line] = true
				continue
			case line == "acct shell staging":
				p := startTTY(t, w.ttyEnv(), team, acctBin, "shell", "staging")
				p.expect("staging")
				p.line(withEndpoint("aws sts get-caller-identity --query Arn --output text"))
				p.expect(staging)
				p.line("exit")
				if code := p.wait(); code != 0 {
					t.Fatalf("docs/getting-started.md:%d: %s on a terminal: exit %d\n%s", b.line, line, code, p.screen())
				}
				outputs = append(outputs, p.screen())
				ran[line] = true
				continue
			case strings.HasPrefix(line, "acct "):
				cmd = withEndpoint(line)
			default:
				t.Fatalf("docs/getting-started.md:%d: %q is neither an acct command nor one this test knows how to stand in for", b.line, line)
			}
			out, errOut, err := w.shellLine(team, cmd)
			if err != nil {
				t.Fatalf("docs/getting-started.md:%d: %s (run as %q): %v\nstdout: %s\nstderr: %s", b.line, line, cmd, err, out, errOut)
			}
			outputs = append(outputs, out, errOut)
			ran[line] = true
			switch {
			case strings.Contains(line, "aws sts get-caller-identity"):
				if !strings.Contains(out, staging) {
					t.Errorf("%s: the AWS CLI was not staging's admin role:\n%s\nstderr: %s", line, out, errOut)
				}
			case line == "acct list":
				if !strings.Contains(out, "cpco-staging-admin") {
					t.Errorf("acct list does not show cpco-staging-admin:\n%s", out)
				}
			case line == "acct version":
				if !strings.Contains(out, "keyring:") {
					t.Errorf("acct version does not name the keyring:\n%s", out)
				}
			}
		}
	}
	for _, must := range []string{
		"go install github.com/acct-cli/acct@latest",
		"acct generate --layout acct.yaml --user alice",
		"acct add cpco",
		"acct exec cpco-staging-admin -- aws sts get-caller-identity",
		"acct shell staging",
		"acct list",
		"acct doctor",
	} {
		if !ran[must] {
			t.Errorf("docs/getting-started.md no longer has `%s` in a sh block", must)
		}
	}
	if n := w.sts.Calls("GetSessionToken"); n != 1 {
		t.Errorf("the walk-through made %d MFA sessions, want 1 (one code a day)", n)
	}
	w.noLeaks(outputs...)
}

// shellLine runs one documented command line with sh in dir, acct first on PATH, no terminal.
func (w *world) shellLine(dir, line string) (string, string, error) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", line)
	cmd.Dir = dir
	cmd.Env = w.env()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}
