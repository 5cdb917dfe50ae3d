// Package console is the terminal a command talks to: its three streams, whether each is a
// terminal (which tests can say for themselves), whether colour is wanted, the spinner, and the
// prompts (Prompter). It reads no environment: the command layer decides colour from NO_COLOR and
// TERM and passes it in, so that every other package stays free of the process's state.
//
// A caller that must reach the person even when stdin or stderr is redirected opens the
// controlling terminal and builds Streams on it (New(tty, tty, tty)); prompts then go there.
package console

import (
	"io"
	"os"
	"sync"

	"golang.org/x/term"
)

// Streams is one program's view of its terminal.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer

	// TTY overrides, set by tests: nil asks the stream itself.
	inTTY, outTTY, errTTY *bool
	colour                bool
	// ticker paces the spinner; nil is the wall clock. Tests in this package drive it by hand.
	ticker ticker

	mu      sync.Mutex
	spinner *Spinner
}

// System is the process's own stdin, stdout and stderr.
func System() *Streams { return New(os.Stdin, os.Stdout, os.Stderr) }

// New returns Streams on the given reader and writers, colour off until SetColour.
func New(in io.Reader, out, errOut io.Writer) *Streams {
	return &Streams{In: in, Out: out, Err: errOut}
}

// Process reports whether the streams are the process's own stdin, stdout and stderr, which a
// program it replaces itself with (exec) would inherit.
func (s *Streams) Process() bool {
	return s.In == io.Reader(os.Stdin) && s.Out == io.Writer(os.Stdout) && s.Err == io.Writer(os.Stderr)
}

// SetTTY says which streams are terminals, for tests whose streams are buffers.
func (s *Streams) SetTTY(in, out, errOut bool) {
	s.inTTY, s.outTTY, s.errTTY = &in, &out, &errOut
}

// SetColour says whether the user wants colour (NO_COLOR unset, TERM not dumb); it is used only
// where the stream written to is a terminal.
func (s *Streams) SetColour(wanted bool) { s.colour = wanted }

// InTTY reports whether stdin is a terminal.
func (s *Streams) InTTY() bool { return isTTY(s.inTTY, s.In) }

// OutTTY reports whether stdout is a terminal.
func (s *Streams) OutTTY() bool { return isTTY(s.outTTY, s.Out) }

// ErrTTY reports whether stderr, where prompts and the spinner go, is a terminal.
func (s *Streams) ErrTTY() bool { return isTTY(s.errTTY, s.Err) }

// Interactive reports whether a person can answer a prompt: stdin and stderr are both terminals,
// so `acct exec prod -- cmd | tee log` still asks but `echo | acct ...` does not.
func (s *Streams) Interactive() bool { return s.InTTY() && s.ErrTTY() }

// ColourErr reports whether what is written to stderr may be coloured.
func (s *Streams) ColourErr() bool { return s.colour && s.ErrTTY() }

// ColourOut reports whether what is written to stdout may be coloured.
func (s *Streams) ColourOut() bool { return s.colour && s.OutTTY() }

func isTTY(override *bool, v any) bool {
	if override != nil {
		return *override
	}
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
