package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// passedVar names the file a test run again in a child process creates when it passes there.
const passedVar = "ACCT_TEST_PASSED_FILE"

// RunChild runs cmd, the test binary running t's test again (as another user, in a namespace),
// and fails t unless the test ran there and passed: a child that matched no test, or whose test
// failed or was skipped, creates no file. Its output is shown when it did not pass.
func RunChild(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	dir, err := os.MkdirTemp("", "acct-child-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	// The child may run as another user: the directory is the only thing it must be able to write.
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(dir, "passed")
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, passedVar+"="+marker)
	out, err := cmd.CombinedOutput()
	if _, serr := os.Stat(marker); err != nil || serr != nil {
		t.Fatalf("%s in a child process did not pass (%v):\n%s", t.Name(), err, out)
	}
}

// MarkPassed, called by the test in the child process RunChild started, creates RunChild's file
// when the test ends without failing or being skipped. Elsewhere it does nothing.
func MarkPassed(t testing.TB) {
	p := os.Getenv(passedVar)
	if p == "" {
		return
	}
	t.Cleanup(func() {
		if !t.Failed() && !t.Skipped() {
			os.WriteFile(p, nil, 0o644)
		}
	})
}
