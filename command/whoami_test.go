package command_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// acct whoami from a script: --json parsed; the identity comes from STS through acct's cache.
func TestWhoamiJSON(t *testing.T) {
	t.Parallel()
	sw := newSessionWorld(t, false, nil)
	start := time.Now()
	before := sw.calls()
	r := sw.with(sw.mfa(0), "whoami", "staging", "--json")
	if r.code != 0 {
		t.Fatalf("acct whoami staging --json: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var got struct {
		Profile, ARN, Account, Namespace, Stage, Region, Keyring string
		Credentials                                              time.Time `json:"credentials_expire"`
		MFASession                                               time.Time `json:"mfa_session_expires"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("whoami --json printed %q: %v", r.stdout, err)
	}
	if got.Profile != "cpco-staging-admin" || !assumedStagingRE.MatchString(got.ARN) || got.Account != "222222222222" ||
		got.Namespace != "cpco" || got.Stage != "staging" || got.Region != "us-west-2" || got.Keyring != "file" {
		t.Errorf("whoami = %+v", got)
	}
	if d := got.Credentials.Sub(start.Add(time.Hour)); d < -time.Minute || d > time.Minute {
		t.Errorf("credentials expire %s, want in an hour", got.Credentials)
	}
	if d := got.MFASession.Sub(start.Add(8 * time.Hour)); d < -time.Minute || d > time.Minute {
		t.Errorf("MFA session expires %s, want in 8 hours", got.MFASession)
	}
	if d := sw.calls().minus(before); d != (calls{1, 1, 1, 3}) {
		t.Errorf("first whoami: STS calls %+v, want a session, a role and GetCallerIdentity", d)
	}
	before = sw.calls()
	if r := sw.run("", "whoami", "cpco-staging-admin", "--json"); r.code != 0 {
		t.Fatalf("second whoami: exit %d: %s", r.code, r.stderr)
	}
	if d := sw.calls().minus(before); d != (calls{0, 0, 1, 1}) {
		t.Errorf("second whoami: STS calls %+v, want GetCallerIdentity only (credentials cached)", d)
	}

	r = sw.run("", "whoami")
	oneLine(t, "whoami without a name outside a shell", r.stderr, "acct: name a profile or stage (acct whoami STAGE), or run it inside an acct shell")
	if r.code != 2 {
		t.Errorf("whoami without a name: exit %d, want 2", r.code)
	}
}

// Inside an acct shell, acct whoami is about the shell's own profile.
func TestWhoamiInShell(t *testing.T) {
	t.Parallel()
	w, _ := orgWorld(t, example("organization.yaml"), true)
	p := w.acctTTY([]string{"SHELL=" + shellPath(t, "bash")}, "shell", "staging")
	p.expect("[cpco:staging]")
	// The keyring passphrase is not handed down to the shell's children, and whoami needs none:
	// the credentials come from the shell's endpoint, the MFA session's end from the shell's record.
	before := w.sts.Calls("")
	p.line(`acct whoami; echo "st=[$?]"`)
	got := p.expectRE(regexp.MustCompile(`(?s)\n(profile .*)\nst=\[(\d+)\]`))
	if got[2] != "0" {
		t.Fatalf("whoami in the shell: status %s\n%s", got[2], got[1])
	}
	for _, want := range []string{"profile      cpco-staging-admin", "account      222222222222", "stage        staging",
		"keyring      file", "credentials  until ", "mfa session  until "} {
		if !strings.Contains(got[1], want) {
			t.Errorf("whoami in the shell lacks %q:\n%s", want, got[1])
		}
	}
	if !assumedStagingRE.MatchString(got[1]) {
		t.Errorf("whoami in the shell shows no staging role identity:\n%s", got[1])
	}
	if d := w.sts.Calls("") - before; d != 1 {
		t.Errorf("%d STS calls, want GetCallerIdentity only", d)
	}
	if s := p.screen(); strings.Contains(s, "passphrase") {
		t.Errorf("whoami asked for the passphrase:\n%s", s)
	}
	p.line("exit")
	p.wait()
}
