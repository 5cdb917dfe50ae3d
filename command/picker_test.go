package command_test

import (
	"strings"
	"testing"
)

const echoProfile = `echo "P=$ACCT_PROFILE"`

// Names (SPEC §4) without a terminal: an exact profile or stage runs; anything else is exit
// status 2 and one line naming the candidates, even when there is only one.
func TestPickerNamesWithoutTerminal(t *testing.T) {
	t.Parallel()
	w, _ := orgWorld(t, example("organization.yaml"), true)
	for name, want := range map[string]string{
		"cpco-dev-admin": "cpco-dev-admin",     // exact
		"staging":        "cpco-staging-admin", // stage: its admin role
	} {
		r := w.run("", "exec", name, "--", "sh", "-c", echoProfile)
		if r.code != 0 || strings.TrimSpace(r.stdout) != "P="+want {
			t.Errorf("acct exec %s: exit %d, %q, want P=%s\n%s", name, r.code, r.stdout, want, r.stderr)
		}
	}
	for name, want := range map[string]string{
		"testing-ad": "cpco-testing-admin",    // the only profile containing it
		"stgread":    "cpco-staging-readonly", // the only one with these letters in order
	} {
		r := w.run("", "exec", name, "--", "sh", "-c", echoProfile)
		if r.code != 2 || r.stdout != "" || r.stderr != "acct: no profile or stage is named \""+name+"\"; did you mean "+want+"?\n" {
			t.Errorf("acct exec %s: exit %d, stdout %q, stderr %q; want 2 and did you mean %s", name, r.code, r.stdout, r.stderr, want)
		}
	}
	r := w.run("", "exec", "stag", "--", "sh", "-c", echoProfile)
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if r.code != 2 || r.stdout != "" || len(lines) != 1 ||
		!strings.Contains(r.stderr, "cpco-staging-admin") || !strings.Contains(r.stderr, "cpco-staging-readonly") {
		t.Errorf("ambiguous name without a terminal: exit %d, stdout %q, stderr %q; want 2 and one line naming both profiles", r.code, r.stdout, r.stderr)
	}
}

// On a terminal an ambiguous name opens the picker: most recently used first, type to filter,
// Enter picks, Ctrl-C starts nothing and exits 130.
func TestPickerOnTerminal(t *testing.T) {
	t.Parallel()
	w, _ := orgWorld(t, example("organization.yaml"), true)
	w.must("exec", "cpco-staging-readonly", "--", "true") // now the most recently used

	p := w.acctTTY(nil, "exec", "stag", "--", "sh", "-c", `echo "PICKED=$ACCT_PROFILE"`)
	p.expect(`"stag" is not a profile or stage name`)
	p.send("\r")
	p.expect("PICKED=cpco-staging-readonly")
	if code := p.wait(); code != 0 {
		t.Errorf("Enter at the picker: exit %d", code)
	}

	p = w.acctTTY(nil, "exec", "stag", "--", "sh", "-c", `echo "PICKED=$ACCT_PROFILE"`)
	p.expect(`"stag" is not a profile or stage name`)
	p.send("adm")
	p.send("\r")
	p.expect("PICKED=cpco-staging-admin")
	if code := p.wait(); code != 0 {
		t.Errorf("filter and Enter at the picker: exit %d", code)
	}

	// A candidate in a protected stage: its name is typed, --yes or not.
	p = w.acctTTY(nil, "exec", "pro", "--yes", "--", "sh", "-c", `echo "PICKED=$ACCT_PROFILE"`)
	p.expect(`"pro" is not a profile or stage name`)
	p.expect("cpco-prod-readonly")
	p.send("\r")
	p.expect(`type "prod" to go on`)
	p.line("prod")
	p.expect("PICKED=cpco-prod-admin")
	if code := p.wait(); code != 0 {
		t.Errorf("a protected candidate confirmed: exit %d", code)
	}

	calls := w.sts.Calls("")
	p = w.acctTTY(nil, "exec", "stag", "--", "sh", "-c", `echo "PICKED=$ACCT_PROFILE"`)
	p.expect(`"stag" is not a profile or stage name`)
	p.send("\x03")
	if code := p.wait(); code != 130 {
		t.Errorf("Ctrl-C at the picker: exit %d, want 130", code)
	}
	if s := p.screen(); strings.Contains(s, "PICKED") {
		t.Errorf("Ctrl-C at the picker still ran the command:\n%s", s)
	}
	if n := w.sts.Calls(""); n != calls {
		t.Errorf("Ctrl-C at the picker: %d STS calls made", n-calls)
	}
}
