package command_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acct-cli/acct/session/ststest"
)

// --debug works before or after the command name, says which keyring backend was opened, times
// the STS calls and the command, and never shows a secret the fake STS issued.
func TestDebugOutput(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.sts.AddUser("323330167063", "alice")
	w.sts.AddRole("arn:aws:iam::222222222222:role/OrganizationAccountAccessRole", ststest.RoleOptions{RequireMFA: true})
	os.MkdirAll(filepath.Dir(w.config), 0o700)
	os.WriteFile(w.config, []byte("[profile cpco]\nregion = us-west-2\n\n[profile cpco-staging-admin]\nregion = us-west-2\n"+
		"role_arn = arn:aws:iam::222222222222:role/OrganizationAccountAccessRole\nmfa_serial = "+u.MFASerial+"\nsource_profile = cpco\n"), 0o600)
	w.vars["AWS_ACCESS_KEY_ID"], w.vars["AWS_SECRET_ACCESS_KEY"] = u.AccessKeyID, u.SecretAccessKey
	r := w.must("--debug", "add", "cpco", "--env")
	delete(w.vars, "AWS_ACCESS_KEY_ID")
	delete(w.vars, "AWS_SECRET_ACCESS_KEY")
	for _, want := range []string{"debug: keyring backend file opened in", "debug: acct add took"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("acct --debug add: no %q in\n%s", want, r.stderr)
		}
	}
	outputs := []string{r.stdout, r.stderr}

	w.vars["ACCT_MFA_TOKEN"] = w.sts.Code(u, time.Now())
	r = w.must("exec", "--debug", "cpco-staging-admin", "--", "sh", "-c", "test -n \"$AWS_SESSION_TOKEN\"")
	outputs = append(outputs, r.stdout, r.stderr)
	for _, want := range []string{"debug: keyring backend file", "sts GetSessionToken", "sts AssumeRole", "took", "cache "} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("acct exec --debug: no %q in\n%s", want, r.stderr)
		}
	}
	// After the profile name too: the keyring line comes from acct itself, not only the session.
	r = w.must("exec", "cpco-staging-admin", "--debug", "--", "true")
	outputs = append(outputs, r.stdout, r.stderr)
	if !strings.Contains(r.stderr, "keyring backend file opened in") {
		t.Errorf("acct exec NAME --debug: no keyring line in\n%s", r.stderr)
	}
	// ACCT_DEBUG does the same; the second run is served from the cache.
	w.vars["ACCT_DEBUG"] = "1"
	r = w.must("export", "cpco-staging-admin", "--format", "json")
	outputs = append(outputs, r.stderr) // stdout holds the credentials, by design
	if !strings.Contains(r.stderr, "hit") || !strings.Contains(r.stderr, "debug: acct export took") {
		t.Errorf("ACCT_DEBUG=1 acct export: no cache hit or timing in\n%s", r.stderr)
	}
	delete(w.vars, "ACCT_DEBUG")
	r = w.must("list", "--debug")
	outputs = append(outputs, r.stdout, r.stderr)
	if !strings.Contains(r.stderr, "debug: acct list took") {
		t.Errorf("acct list --debug:\n%s", r.stderr)
	}
	// Without --debug, not a line.
	r = w.must("exec", "cpco-staging-admin", "--", "true")
	if strings.Contains(r.stderr, "debug:") {
		t.Errorf("debug lines without --debug:\n%s", r.stderr)
	}
	if len(w.sts.Issued()) < 3 {
		t.Fatalf("the fake STS issued %d secrets; the scan would prove nothing", len(w.sts.Issued()))
	}
	w.noLeaks(outputs...)
}

// --debug prints one `sts ... took` line per call the fake STS received, none for a call never
// sent: a three-role chain makes one GetSessionToken and three AssumeRole calls.
func TestDebugTimesOnlySentCalls(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.sts.AddUser("323330167063", "alice")
	var cfg strings.Builder
	cfg.WriteString("[profile cpco]\nregion = us-west-2\n")
	src := "cpco"
	for i, acct := range []string{"111111111111", "222222222222", "333333333333"} {
		arn := "arn:aws:iam::" + acct + ":role/hop"
		w.sts.AddRole(arn, ststest.RoleOptions{RequireMFA: i == 0})
		name := "hop" + acct[:1]
		cfg.WriteString("\n[profile " + name + "]\nrole_arn = " + arn + "\nsource_profile = " + src + "\n")
		if i == 0 {
			cfg.WriteString("mfa_serial = " + u.MFASerial + "\n")
		}
		src = name
	}
	os.MkdirAll(filepath.Dir(w.config), 0o700)
	os.WriteFile(w.config, []byte(cfg.String()), 0o600)

	// No keys stored: nothing is sent, nothing is timed.
	r := w.run("", "--debug", "export", "hop3")
	if r.code == 0 || strings.Contains(r.stderr, "sts ") {
		t.Errorf("export without keys: exit %d, STS lines in\n%s", r.code, r.stderr)
	}
	w.vars["AWS_ACCESS_KEY_ID"], w.vars["AWS_SECRET_ACCESS_KEY"] = u.AccessKeyID, u.SecretAccessKey
	w.must("add", "cpco", "--env")
	delete(w.vars, "AWS_ACCESS_KEY_ID")
	delete(w.vars, "AWS_SECRET_ACCESS_KEY")
	w.vars["ACCT_MFA_TOKEN"] = w.sts.Code(u, time.Now())
	before := map[string]int{"GetSessionToken": w.sts.Calls("GetSessionToken"), "AssumeRole": w.sts.Calls("AssumeRole")}
	r = w.must("--debug", "export", "hop3")
	for op, n := range before {
		sent := w.sts.Calls(op) - n
		lines := 0
		for _, l := range strings.Split(r.stderr, "\n") {
			if strings.Contains(l, "sts "+op+" ") && strings.Contains(l, " took ") {
				lines++
			}
		}
		if lines != sent || sent == 0 {
			t.Errorf("%s: %d calls sent, %d lines timing it in\n%s", op, sent, lines, r.stderr)
		}
	}
}
