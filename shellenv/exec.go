package shellenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/acct-cli/acct/internal/fault"
)

// NotFoundError is returned when a command is not on the child's PATH.
type NotFoundError struct{ Name string }

func (e *NotFoundError) Error() string { return "command not found: " + e.Name }

// notFound is a NotFoundError of kind bad input: the user named the command (SPEC §5: exit 2).
func notFound(name string) error { return fault.Wrap(fault.BadInput, &NotFoundError{Name: name}) }

// forwarded are the signals a supervising acct passes on to its child, so
// that stopping acct (a terminal hangup, `kill`, a CI runner's SIGTERM) stops
// the command too instead of orphaning it.
var forwarded = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// waitDelay bounds how long Run waits for a child to go after ctx is done.
const waitDelay = 5 * time.Second

// Stdio are a child's standard streams, taken as os/exec.Cmd takes them: a nil one is the null
// device, and an *os.File (a terminal) is handed to the child as it is, so that the child owns
// the terminal; any other reader or writer is copied through a pipe.
type Stdio struct {
	In       io.Reader
	Out, Err io.Writer
}

// LookPath resolves name the way the child would: through the PATH in env,
// not acct's own PATH, since the child's PATH is the one the user prepared.
func LookPath(name string, env []string) (string, error) {
	if name == "" {
		return "", notFound(name)
	}
	if strings.ContainsRune(name, filepath.Separator) || strings.ContainsRune(name, '/') {
		p, err := exec.LookPath(name)
		if err != nil {
			return "", notFound(name)
		}
		return p, nil
	}
	for _, dir := range filepath.SplitList(lookup(env, "PATH")) {
		// Relative PATH entries (including the empty one, meaning ".") make
		// the result depend on the current directory; os/exec refuses them
		// for the same reason, so we skip them.
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		if p, err := exec.LookPath(filepath.Join(dir, name)); err == nil {
			return p, nil
		}
	}
	return "", notFound(name)
}

// Run starts argv with env and the streams in stdio, waits for it, and
// returns its exit status (128+N when signal N killed it, as shells report
// it). It is for when acct must stay alive next to the command, e.g. to
// serve credentials; otherwise use Exec.
//
// SIGINT, SIGTERM, SIGHUP and SIGQUIT sent to acct are forwarded to the
// child; while Run waits, they do not kill acct. When ctx is done the child
// gets SIGTERM, then SIGKILL after a grace period. err is non-nil only when
// the command could not be started or ctx ended it; exitCode is -1 when it
// never ran.
func Run(ctx context.Context, argv, env []string, stdio Stdio) (exitCode int, err error) {
	if len(argv) == 0 {
		return -1, errors.New("run: no command given")
	}
	path, err := LookPath(argv[0], env)
	if err != nil {
		return -1, err
	}
	cmd := exec.CommandContext(ctx, path, argv[1:]...)
	cmd.Args = argv // keep argv[0] as the user typed it
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio.In, stdio.Out, stdio.Err
	return supervise(ctx, cmd)
}

// supervise starts cmd, forwards signals to it and waits for it.
func supervise(ctx context.Context, cmd *exec.Cmd) (int, error) {
	cmd.Cancel = func() error {
		// A polite stop first: the command may need to release locks
		// (terraform state) before it goes.
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = waitDelay

	// Subscribe before Start so a Ctrl-C in between cannot kill acct and
	// orphan the child.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwarded...)
	defer signal.Stop(sigs)

	tty := captureForeground()
	defer tty.restore()

	if err := cmd.Start(); err != nil {
		return -1, fmt.Errorf("start %s: %w", cmd.Args[0], err)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case s := <-sigs:
				if sentByTerminal(s) {
					// The terminal signalled our whole foreground process
					// group, child included; a second copy would make
					// programs like terraform abort instead of stopping
					// gracefully.
					continue
				}
				_ = cmd.Process.Signal(s)
			}
		}
	}()
	werr := cmd.Wait()
	close(done)

	if cmd.ProcessState == nil {
		return -1, fmt.Errorf("wait for %s: %w", cmd.Args[0], werr)
	}
	code := exitStatus(cmd.ProcessState)
	if ctx.Err() != nil {
		return code, fmt.Errorf("%s stopped: %w", cmd.Args[0], ctx.Err())
	}
	return code, nil
}

// exitStatus turns a process state into the number a shell would show in $?.
func exitStatus(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}
