package command_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The init wizard on a terminal: each answer is checked at its prompt (12 digits, a stage named
// twice), {user} in the MFA device asks for the user (default $USER), a layout that does not load
// is shown with its error and the answer to change is picked, and "y" generates it.
func TestInitWizard(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	out := filepath.Join(w.home, "acct.yaml")
	p := w.acctTTY([]string{"USER=alice"}, "init", "--output", out)
	// Each question has its own label: waiting for it means the previous answer was taken and the
	// next keys go to the new question, as a person's would.
	answer := func(question, text string) {
		t.Helper()
		p.expect(question)
		p.line(text)
	}
	answer("Namespace", "my team") // not a label: the loader says so at the end
	p.expect("Layout mode")
	p.send("virtual")
	p.expect("virtual-root")
	p.send("\r")
	answer("Default region", "us-west-2")
	answer("Root account ID", "32333016706") // 11 digits: the prompt refuses it and keeps asking
	p.expect("12 digits")
	p.send("3\r")
	answer("MFA device ARN", "arn:aws:iam::323330167063:mfa/{user}")
	answer("Your user name", "") // $USER is the default
	answer("Stage 1 name", "prod")
	answer("Stage 2 name", "prod")
	p.expect("already a stage")
	p.send(strings.Repeat("\x7f", 4) + "staging\r")
	answer("Stage 3 name", "testing")
	answer("Stage 4 name", "")
	p.expect(`line 2: namespace "my team" is not a label`)
	p.expect("change the namespace")
	p.send("\r")
	answer("Namespace", "cpco")
	answer("Write the profiles", "y")
	if code := p.wait(); code != 0 {
		t.Fatalf("init exited %d; the screen:\n%s", code, p.screen())
	}
	layout, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"namespace: cpco", "mode: virtual-root", `account: "323330167063"`, "name: staging", "name: testing"} {
		if !strings.Contains(string(layout), want) {
			t.Errorf("layout lacks %q:\n%s", want, layout)
		}
	}
	if strings.Count(string(layout), "name: prod") != 1 {
		t.Errorf("the stage typed twice is in the layout twice:\n%s", layout)
	}
	cfg, _ := os.ReadFile(w.config)
	want := "[profile cpco-testing-admin]\nregion=us-west-2\nrole_arn=arn:aws:iam::323330167063:role/cpco-root-admin\nmfa_serial=arn:aws:iam::323330167063:mfa/alice\nsource_profile=cpco\n"
	if !strings.Contains(string(cfg), want) {
		t.Errorf("the wizard's generate did not write the seed 002 profile:\n%s", cfg)
	}
	// The block remembers the wizard's user: the next generate needs no --user.
	if r := w.must("generate", "--layout", out); !strings.Contains(r.stdout, ": no change (") {
		t.Errorf("generate after the wizard: %q, want no change", r.stdout)
	}
}

// Ctrl-C in the wizard leaves with status 130 and writes nothing.
func TestInitWizardInterrupted(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	out := filepath.Join(w.home, "acct.yaml")
	p := w.acctTTY(nil, "init", "--output", out)
	p.expect("Namespace")
	p.send("\x03")
	if code := p.wait(); code != 130 {
		t.Errorf("exit %d after Ctrl-C, want 130", code)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("an interrupted wizard wrote %s", out)
	}
}
