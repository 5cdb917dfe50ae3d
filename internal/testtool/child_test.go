package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// TestChildOutcome is what TestRunChildNeedsAPass runs in a child: it passes, fails or skips as
// the parent asks, and does nothing when run on its own.
func TestChildOutcome(t *testing.T) {
	MarkPassed(t)
	switch os.Getenv("ACCT_TEST_CHILD_OUTCOME") {
	case "fail":
		t.Fatal("asked to fail")
	case "skip":
		t.Skip("asked to skip")
	}
}

// RunChild counts only a child whose test ran and passed: not a failure, a skip, or a pattern
// that matched no test (which go test reports with exit status 0).
func TestRunChildNeedsAPass(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ outcome, run string }{
		{"pass", "^TestChildOutcome$"}, {"fail", "^TestChildOutcome$"}, {"skip", "^TestChildOutcome$"}, {"pass", "^TestNoSuchTest$"},
	} {
		t.Run(c.outcome+c.run, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run="+c.run, "-test.count=1")
			cmd.Env = append(os.Environ(), "ACCT_TEST_CHILD_OUTCOME="+c.outcome)
			ft := &fakeT{TB: t}
			func() {
				defer func() { _ = recover() }()
				RunChild(ft, cmd)
			}()
			if want := c.outcome != "pass" || c.run != "^TestChildOutcome$"; ft.failed != want {
				t.Errorf("RunChild failed %v, want %v", ft.failed, want)
			}
		})
	}
}

// fakeT records a Fatal instead of ending the test; RunChild's caller recovers the panic that
// stands for runtime.Goexit.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Fatalf(string, ...any) { f.failed = true; panic("fatal") }
func (f *fakeT) Fatal(...any)          { f.failed = true; panic("fatal") }
