package command_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// On a terminal, a protected stage asks for its name: a wrong word runs nothing (exit 2), the
// right one runs the command, --yes does not ask.
func TestProtectedOnTerminal(t *testing.T) {
	t.Parallel()
	w, _ := orgWorld(t, example("organization.yaml"), true)

	p := w.acctTTY(nil, "exec", "prod", "--", "echo", "RAN")
	p.expect(`type "prod" to go on`)
	p.line("prd")
	if code := p.wait(); code != 2 {
		t.Errorf("wrong word: exit %d, want 2", code)
	}
	if s := p.screen(); strings.Contains(s, "RAN") || !strings.Contains(s, "nothing was run") {
		t.Errorf("wrong word:\n%s", s)
	}

	p = w.acctTTY(nil, "exec", "prod", "--", "echo", "RAN")
	p.expect(`type "prod" to go on`)
	p.line("prod")
	p.expect("RAN")
	if code := p.wait(); code != 0 {
		t.Errorf("right word: exit %d", code)
	}

	p = w.acctTTY(nil, "exec", "prod", "--yes", "--", "echo", "RAN")
	p.expect("RAN")
	if code := p.wait(); code != 0 || strings.Contains(p.screen(), "protected") {
		t.Errorf("--yes: exit %d\n%s", code, p.screen())
	}

	// acct shell asks the same; a wrong word starts no shell.
	p = w.acctTTY([]string{"SHELL=/bin/sh"}, "shell", "prod")
	p.expect(`type "prod" to go on`)
	p.line("staging")
	if code := p.wait(); code != 2 {
		t.Errorf("acct shell prod, wrong word: exit %d, want 2", code)
	}
}

// In a script, protected: true goes on with a one-line notice; protected: always refuses
// without --yes.
func TestProtectedWithoutTerminal(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(example("organization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// audit is protected: true; prod becomes protected: always.
	layout := strings.Replace(string(data), "  - name: prod ", "  - name: prod\n    protected: always\n    #", 1)
	if layout == string(data) {
		t.Fatal("organization.yaml has no prod stage to change")
	}
	path := filepath.Join(t.TempDir(), "acct.yaml")
	if err := os.WriteFile(path, []byte(layout), 0o600); err != nil {
		t.Fatal(err)
	}
	w, _ := orgWorld(t, path, true)

	r := w.run("", "exec", "audit", "--", "echo", "RAN")
	if r.code != 0 || r.stdout != "RAN\n" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "audit is a protected stage") {
		t.Errorf("protected: true in a script: exit %d, stdout %q, stderr %q; want RAN and a one-line notice", r.code, r.stdout, r.stderr)
	}

	calls := w.sts.Calls("")
	r = w.run("", "exec", "prod", "--", "echo", "RAN")
	if r.code != 2 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "--yes") {
		t.Errorf("protected: always in a script: exit %d, stdout %q, stderr %q; want 2 and one line", r.code, r.stdout, r.stderr)
	}
	if n := w.sts.Calls(""); n != calls {
		t.Errorf("protected: always refused but made %d STS calls", n-calls)
	}
	for _, args := range [][]string{
		{"exec", "--yes", "prod", "--", "echo", "RAN"},
		{"exec", "prod", "--yes", "--", "echo", "RAN"},
	} {
		r = w.run("", args...)
		if r.code != 0 || r.stdout != "RAN\n" {
			t.Errorf("acct %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
}
