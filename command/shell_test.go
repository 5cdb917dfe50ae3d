package command_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acct-cli/acct/internal/testtool"
)

// shellSyntax is what differs between the shells for the few lines the tests type.
type shellSyntax struct {
	status string // the last command's exit status
}

var testShells = map[string]shellSyntax{
	"bash": {"$?"},
	"zsh":  {"$?"},
	"fish": {"$status"},
}

// shellPath is the shell name on PATH; a missing one fails under CI, else is a recorded skip.
func shellPath(t *testing.T, name string) string {
	t.Helper()
	return testtool.Need(t, name)
}

var (
	assumedStagingRE = regexp.MustCompile(`arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/[\w+=,.@-]+`)
	shellVarsRE      = regexp.MustCompile(`k=\[([^\]$]*)\] u=\[([^\]$]*)\] t=\[([^\]$]*)\]`) // not the typed line
)

// getCreds asks a credential endpoint as an SDK would, with the Authorization header when
// token is not empty.
func getCreds(url, token string) (int, map[string]string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	c := http.Client{Timeout: screenWait}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var body map[string]string
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body, nil
}

// acct shell in bash, zsh and fish on a real terminal: banner, prompt, credentials from the local
// endpoint (no keys in the environment), the endpoint's token check, and the shell's exit status.
func TestShellOnTerminal(t *testing.T) {
	t.Parallel()
	aws := testtool.AWSCLI(t)
	for _, name := range []string{"bash", "zsh", "fish"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := shellPath(t, name)
			w, _ := orgWorld(t, example("organization.yaml"), true)
			p := w.acctTTY([]string{"SHELL=" + path}, "shell", "staging")

			b := p.expectRE(regexp.MustCompile(`acct: cpco-staging-admin as (\S+) in account (\d+); credentials expire (\S+), refreshed automatically; exit to leave`))
			if b[1] != "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole" || b[2] != "222222222222" {
				t.Errorf("banner says %q as %s in %s", b[0], b[1], b[2])
			}
			if _, err := time.Parse(time.Kitchen, b[3]); err != nil {
				t.Errorf("banner expiry %q is not a time: %v", b[3], err)
			}
			p.expect("[cpco:staging]")

			p.line(`echo "k=[$AWS_ACCESS_KEY_ID] u=[$AWS_CONTAINER_CREDENTIALS_FULL_URI] t=[$AWS_CONTAINER_AUTHORIZATION_TOKEN]"`)
			v := p.expectRE(shellVarsRE)
			if v[1] != "" {
				t.Errorf("AWS_ACCESS_KEY_ID is set inside the shell")
			}
			url, token := v[2], v[3]
			if !strings.HasPrefix(url, "http://127.0.0.1:") || len(token) < 32 {
				t.Fatalf("credential endpoint %q, token of %d characters", url, len(token))
			}

			// The AWS CLI reads the endpoint the same way whatever the shell (an AWS CLI start is
			// most of this test's CPU): bash runs it, every shell checks the endpoint below.
			if name == "bash" {
				p.line(aws + " sts get-caller-identity --output text --query Arn --endpoint-url " + w.sts.URL + " --region us-east-1")
				p.expectRE(assumedStagingRE)
			}

			// The endpoint answers its token only.
			for _, tok := range []string{"", "wrong", token[:len(token)-1]} {
				code, _, err := getCreds(url, tok)
				if err != nil || code != http.StatusForbidden {
					t.Errorf("token %q: status %d (%v), want 403", tok, code, err)
				}
			}
			code, body, err := getCreds(url, token)
			tmp, ok := w.sts.Lookup(body["AccessKeyId"])
			if err != nil || code != http.StatusOK || !ok || tmp.RoleARN != "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole" {
				t.Errorf("the shell's own token: status %d (%v), key %q of %q", code, err, body["AccessKeyId"], tmp.RoleARN)
			}

			p.line("exit 3")
			if code := p.wait(); code != 3 {
				t.Errorf("acct exited %d after exit 3 in %s, want 3\n%s", code, name, p.screen())
			}
			// Gone with the shell.
			if code, _, err := getCreds(url, token); err == nil {
				t.Errorf("the endpoint still answers (%d) after the shell ended", code)
			}
			w.noLeaks(p.screen())
		})
	}
}

// Inside an acct shell, acct shell is refused with one line; --nest allows it.
func TestShellNesting(t *testing.T) {
	t.Parallel()
	w, _ := orgWorld(t, example("organization.yaml"), true)
	p := w.acctTTY([]string{"SHELL=" + shellPath(t, "bash")}, "shell", "staging")
	p.expect("[cpco:staging]")

	p.line(`acct shell staging; echo "st=[$?]"`)
	got := p.expectRE(regexp.MustCompile(`(?s)\n([^\n]*)\nst=\[(\d+)\]`))
	if got[2] != "2" || !strings.Contains(got[1], "already in an acct shell for cpco-staging-admin") || !strings.Contains(got[1], "--nest") {
		t.Errorf("nested acct shell: status %s, message %q", got[2], got[1])
	}

	// The keyring passphrase is not handed down to the shell; a nested acct asks or is given it.
	p.line(`ACCT_FILE_PASSPHRASE="` + w.vars["ACCT_FILE_PASSPHRASE"] + `" acct shell dev --nest`)
	p.expect("[cpco:dev]")
	p.line(`echo "d=[$ACCT_SHELL_DEPTH] p=[$ACCT_PROFILE]"`)
	p.expect("d=[2] p=[cpco-dev-admin]")
	p.line("exit 4")
	p.line(`echo "st=[$?] p=[$ACCT_PROFILE]"`)
	p.expect("st=[4] p=[cpco-staging-admin]")
	p.line("exit")
	if code := p.wait(); code != 0 {
		t.Errorf("acct exited %d, want 0", code)
	}
}

// acct exec NAME without a command starts the subshell.
func TestShellFromExec(t *testing.T) {
	t.Parallel()
	w, _ := orgWorld(t, example("organization.yaml"), true)
	p := w.acctTTY([]string{"SHELL=" + shellPath(t, "bash")}, "exec", "staging")
	p.expect("acct: cpco-staging-admin as ")
	p.expect("[cpco:staging]")
	p.line(`echo "s=[$ACCT_SHELL] p=[$ACCT_PROFILE]"`)
	p.expect("s=[1] p=[cpco-staging-admin]")
	p.line("exit 5")
	if code := p.wait(); code != 5 {
		t.Errorf("acct exec staging exited %d after exit 5, want 5", code)
	}
}

// Credentials that expire while the shell runs are replaced through the endpoint without asking
// for MFA while the MFA session is valid.
func TestShellRefreshesExpiredCredentials(t *testing.T) {
	t.Parallel()
	aws := testtool.AWSCLI(t)
	w, _ := orgWorld(t, example("organization.yaml"), true)
	w.sts.SetLifetime(5 * time.Second)
	p := w.acctTTY([]string{"SHELL=" + shellPath(t, "bash"), "ACCT_REFRESH_WINDOW=2s"}, "shell", "staging")
	p.expect("[cpco:staging]")
	temps := w.sts.Temporaries()
	first := temps[len(temps)-1]
	if first.RoleARN != "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole" {
		t.Fatalf("the last credentials issued are for %s", first.RoleARN)
	}
	// Wait (bounded by the 5 s lifetime) until the shell's first credentials have expired.
	for time.Now().Before(first.Expires.Add(100 * time.Millisecond)) {
		time.Sleep(time.Until(first.Expires.Add(100 * time.Millisecond)))
	}
	p.line(aws + " sts get-caller-identity --output text --query Arn --endpoint-url " + w.sts.URL + " --region us-east-1")
	p.expectRE(assumedStagingRE)
	p.line(`echo "DO""NE"`)
	p.expect("\nDONE")
	if n := w.sts.Calls("GetSessionToken"); n != 1 {
		t.Errorf("%d GetSessionToken calls, want 1 (the MFA session was still valid)", n)
	}
	if n := w.sts.Calls("AssumeRole"); n != 3 {
		t.Errorf("%d AssumeRole calls, want 3 (warm-up, shell start, refresh)", n)
	}
	if s := p.screen(); strings.Contains(s, "MFA") {
		t.Errorf("asked for MFA:\n%s", s)
	}
	p.line("exit")
	if code := p.wait(); code != 0 {
		t.Errorf("acct exited %d", code)
	}
}
