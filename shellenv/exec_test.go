//go:build unix

package shellenv

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acct-cli/acct/internal/testtool"
)

func TestLookPathUsesChildPATH(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tool := filepath.Join(dir, "only-here")
	writeFile(t, tool, "#!/bin/sh\nexit 0\n")
	if err := os.Chmod(tool, 0o700); err != nil {
		t.Fatal(err)
	}
	got, err := LookPath("only-here", []string{"PATH=relative:" + dir})
	if err != nil || got != tool {
		t.Fatalf("LookPath = %q, %v; want %q", got, err, tool)
	}
	_, err = LookPath("only-here", []string{"PATH=/usr/bin"})
	var nf *NotFoundError
	if !errors.As(err, &nf) || err.Error() != "command not found: only-here" {
		t.Fatalf("err = %v", err)
	}
}

func TestExecReplacesProcess(t *testing.T) {
	t.Parallel()
	_, _, env := shellHome(t)
	cmd := helperCmd(t, helperRequest{
		Mode:   "exec",
		Argv:   []string{"sh", "-c", `test "$ACCT_PROFILE" = cpco-staging-admin && test -z "$AWS_PROFILE$ACCT_FILE_PASSPHRASE$AWS_VAULT_FILE_PASSPHRASE" && exec kill -TERM $$; exit 9`},
		Target: stagingTarget, Creds: testCreds,
	}, env)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("err = %v, output %s", err, out)
	}
	// Killed by SIGTERM itself: only possible if the helper became sh (a
	// Go parent would have reported an exit status instead).
	ws := ee.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Fatalf("status %v, want killed by SIGTERM; output %s", ee, out)
	}
}

func TestExecExitStatusAndNotFound(t *testing.T) {
	t.Parallel()
	_, _, env := shellHome(t)
	cmd := helperCmd(t, helperRequest{Mode: "exec", Argv: []string{"sh", "-c", "exit 7"}, Creds: testCreds}, env)
	if err := cmd.Run(); cmd.ProcessState.ExitCode() != 7 {
		t.Fatalf("exit %d (%v), want 7", cmd.ProcessState.ExitCode(), err)
	}
	cmd = helperCmd(t, helperRequest{Mode: "exec", Argv: []string{"no-such-command-acct"}, Creds: testCreds}, env)
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "command not found: no-such-command-acct") {
		t.Fatalf("output %q", out)
	}
}

func TestRunExitStatus(t *testing.T) {
	t.Parallel()
	env := []string{"PATH=" + os.Getenv("PATH")}
	ctx := context.Background()
	if code, err := Run(ctx, []string{"sh", "-c", "exit 4"}, env, Stdio{}); code != 4 || err != nil {
		t.Errorf("Run = %d, %v; want 4", code, err)
	}
	if code, err := Run(ctx, []string{"sh", "-c", "kill -KILL $$"}, env, Stdio{}); code != 128+9 || err != nil {
		t.Errorf("Run = %d, %v; want 137", code, err)
	}
	var nf *NotFoundError
	if code, err := Run(ctx, []string{"no-such-command-acct"}, env, Stdio{}); code != -1 || !errors.As(err, &nf) {
		t.Errorf("Run = %d, %v; want not found", code, err)
	}
}

func TestRunContextStopsChild(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	code, err := Run(ctx, []string{"sleep", "30"}, []string{"PATH=" + os.Getenv("PATH")}, Stdio{})
	if err == nil || code != 128+int(syscall.SIGTERM) {
		t.Errorf("Run = %d, %v; want 143 and an error", code, err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %s", time.Since(start))
	}
}

// TestRunForwardsSignals sends each signal to a helper acct process (no
// terminal, so nothing else delivers it) and checks the child saw it.
func TestRunForwardsSignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			_, _, env := shellHome(t)
			script := `trap 'echo got; exit 42' INT TERM HUP QUIT; echo ready; while :; do sleep 0.05; done`
			cmd := helperCmd(t, helperRequest{Mode: "run", Argv: []string{"sh", "-c", script}, Creds: testCreds}, env)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = cmd.Process.Kill() }()
			lines := bufio.NewScanner(stdout)
			ready := make(chan bool, 1)
			go func() { ready <- lines.Scan() && lines.Text() == "ready" }()
			select {
			case ok := <-ready:
				if !ok {
					t.Fatal("child did not start")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("timed out waiting for the child")
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				for lines.Scan() {
				}
				done <- cmd.Wait()
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("helper did not exit after the signal")
			}
			if code := cmd.ProcessState.ExitCode(); code != 42 {
				t.Fatalf("exit %d, want 42 (child's trap)", code)
			}
		})
	}
}

// TestRunCtrlCNotDoubled presses Ctrl-C in a terminal where acct runs a
// command: the terminal already signals the command, so acct must not send a
// second SIGINT (terraform takes two as "abort now"). Signals that arrive
// close together can merge in the child, so a regression is not always
// caught here; TestSentByTerminal checks the decision itself.
func TestRunCtrlCNotDoubled(t *testing.T) {
	t.Parallel()
	bash := testtool.Need(t, "bash")
	_, _, env := shellHome(t)
	// read -t is a builtin, so traps run between short waits and no
	// grandchild takes the signal instead.
	script := `n=0; trap 'n=$((n+1))' INT; echo ready; i=0
while [ $i -lt 150 ]; do read -t 0.01 x </dev/zero 2>/dev/null; i=$((i+1)); done
echo "ints:$n"; exit $n`
	p := startPTY(t, helperCmd(t, helperRequest{
		Mode: "run", Argv: []string{bash, "-c", script}, Creds: testCreds,
	}, env))
	p.screen.waitFor(t, 0, "ready", ptyTimeout)
	p.send("\x03")
	p.screen.waitFor(t, 0, "ints:", ptyTimeout)
	if code := p.wait(ptyTimeout); code != 1 {
		t.Fatalf("child saw %d SIGINTs, want 1; screen:\n%q", code, p.screen.String())
	}
}

// TestSentByTerminal checks how acct tells a terminal's Ctrl-C (which the
// child got too) from a kill aimed at acct alone.
func TestSentByTerminal(t *testing.T) {
	t.Parallel()
	_, _, env := shellHome(t)
	p := startPTY(t, helperCmd(t, helperRequest{Mode: "fg"}, env))
	p.screen.waitFor(t, 0, "fg:true,false", ptyTimeout)
	p.wait(ptyTimeout)

	// Without a controlling terminal every signal is someone's kill.
	cmd := helperCmd(t, helperRequest{Mode: "fg"}, env)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "fg:false,false") {
		t.Fatalf("without a terminal: %q, %v", out, err)
	}
}
