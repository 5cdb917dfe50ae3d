package command_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The init wizard on a terminal: answers typed at its prompts make a layout, and "y" generates it.
func TestInitWizard(t *testing.T) {
	w := newWorld(t)
	out := filepath.Join(w.home, "acct.yaml")
	p := w.acctTTY(nil, "init", "--output", out, "--user", "alice")
	// Each question has its own label: waiting for it means the previous answer was taken and the
	// next keys go to the new question, as a person's would.
	answer := func(question, text string) {
		t.Helper()
		p.expect(question)
		p.line(text)
	}
	answer("Namespace", "cpco")
	p.expect("Layout mode")
	p.send("virtual")
	p.expect("virtual-root")
	p.send("\r")
	answer("Default region", "us-west-2")
	answer("Root account ID", "32333016706") // 11 digits: the prompt refuses it and keeps asking
	p.expect("12 digits")
	p.send("3\r")
	answer("MFA device ARN", "arn:aws:iam::323330167063:mfa/{user}")
	for i, stage := range []string{"prod", "staging", "testing", ""} {
		answer(fmt.Sprintf("Stage %d name", i+1), stage)
	}
	answer("Write the profiles", "y")
	if code := p.wait(); code != 0 {
		t.Fatalf("init exited %d; the screen:\n%s", code, p.screen())
	}
	layout, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"namespace: cpco", "mode: virtual-root", `account: "323330167063"`, "name: testing"} {
		if !strings.Contains(string(layout), want) {
			t.Errorf("layout lacks %q:\n%s", want, layout)
		}
	}
	cfg, _ := os.ReadFile(w.config)
	want := "[profile cpco-testing-admin]\nregion=us-west-2\nrole_arn=arn:aws:iam::323330167063:role/cpco-root-admin\nmfa_serial=arn:aws:iam::323330167063:mfa/alice\nsource_profile=cpco\n"
	if !strings.Contains(string(cfg), want) {
		t.Errorf("the wizard's generate did not write the seed 002 profile:\n%s", cfg)
	}
}

// Ctrl-C in the wizard leaves with status 130 and writes nothing.
func TestInitWizardInterrupted(t *testing.T) {
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
