//go:build unix

package shellenv

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/acct-cli/acct/internal/testtool"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/creack/pty"
)

// helperVar makes the test binary act as acct itself (calling Shell, Exec or
// Run on its own stdio) instead of running tests, so those functions can be
// exercised as a real process: in a pseudo-terminal, receiving signals,
// replacing itself.
const helperVar = "ACCT_SHELLENV_TEST_HELPER"

type helperRequest struct {
	Mode    string // "shell", "exec", "run"
	Argv    []string
	Shell   string
	Target  Target
	NoColor bool
	Banner  string
	Creds   aws.Credentials
	// ServerCreds, when set, makes the shell use a credential server
	// handing these out instead of static keys.
	ServerCreds *aws.Credentials
}

func TestMain(m *testing.M) {
	testtool.QuietRace()
	if req := os.Getenv(helperVar); req != "" {
		os.Exit(runHelper(req))
	}
	os.Exit(m.Run())
}

func runHelper(raw string) int {
	var req helperRequest
	if err := json.Unmarshal([]byte(raw), &req); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 100
	}
	base := unsetVar(os.Environ(), helperVar)
	switch req.Mode {
	case "fg":
		fmt.Printf("fg:%v,%v\n", sentByTerminal(syscall.SIGINT), sentByTerminal(syscall.SIGTERM))
		return 0
	case "flood":
		n, _ := strconv.Atoi(req.Argv[1])
		flood(req.Argv[0], n)
		return 0
	case "exec":
		err := Exec(req.Argv, Env(base, req.Creds, req.Target))
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 101
	case "run":
		code, err := Run(context.Background(), req.Argv, Env(base, req.Creds, req.Target), ownStdio)
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			return 102
		}
		return code
	case "shell":
		env := Env(base, req.Creds, req.Target)
		if req.ServerCreds != nil {
			c := *req.ServerCreds
			srv, err := Serve(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil }))
			if err != nil {
				fmt.Fprintln(os.Stderr, "helper:", err)
				return 103
			}
			defer srv.Close()
			env = ServerEnv(base, srv, req.Target)
		}
		code, err := Shell(context.Background(), ShellOptions{
			Shell: req.Shell, Env: env, Target: req.Target, Banner: req.Banner, NoColor: req.NoColor,
			Stdio: ownStdio,
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			return 104
		}
		return code
	}
	fmt.Fprintln(os.Stderr, "helper: unknown mode", req.Mode)
	return 105
}

// ownStdio are the helper's own streams, which acct hands its children.
var ownStdio = Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}

// helperCmd returns a command that runs the test binary as the helper.
func helperCmd(t *testing.T, req helperRequest, env []string) *exec.Cmd {
	t.Helper()
	raw, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(env, helperVar+"="+string(raw))
	return cmd
}

// screen collects everything a pseudo-terminal shows.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// waitFor waits until the screen, from offset from on, contains want and
// returns the offset just past it.
func (s *screen) waitFor(t *testing.T, from int, want string, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out := s.String()
		if from < len(out) {
			if i := strings.Index(out[from:], want); i >= 0 {
				return from + i + len(want)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %q; screen:\n%q", timeout, want, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ptySession is a helper process attached to a pseudo-terminal.
type ptySession struct {
	t      *testing.T
	cmd    *exec.Cmd
	tty    *os.File
	screen *screen
	done   chan struct{}
}

func startPTY(t *testing.T, cmd *exec.Cmd) *ptySession {
	t.Helper()
	// Wide, so no prompt or output line wraps and splits what we look for.
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 250})
	if err != nil {
		t.Fatalf("start in pty: %v", err)
	}
	p := &ptySession{t: t, cmd: cmd, tty: f, screen: &screen{}, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		b := make([]byte, 4096)
		for {
			n, err := f.Read(b)
			if n > 0 {
				p.screen.mu.Lock()
				p.screen.buf.Write(b[:n])
				p.screen.mu.Unlock()
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_, _ = cmd.Process.Wait()
		}
		f.Close()
	})
	return p
}

func (p *ptySession) send(s string) {
	p.t.Helper()
	if _, err := p.tty.Write([]byte(s)); err != nil {
		p.t.Fatalf("write to pty: %v", err)
	}
}

// wait waits (bounded) for the helper to exit and returns its exit status.
func (p *ptySession) wait(timeout time.Duration) int {
	p.t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- p.cmd.Wait() }()
	select {
	case <-errc:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-errc
		p.t.Fatalf("helper did not exit within %s; screen:\n%q", timeout, p.screen.String())
	}
	return p.cmd.ProcessState.ExitCode()
}
