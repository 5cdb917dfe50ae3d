package console

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// ErrNoTTY is a process with no controlling terminal it may read (none at all, or acct is not in
// the terminal's foreground process group, where reading would get it stopped by the kernel).
var ErrNoTTY = errors.New("no controlling terminal in the foreground")

// AskTTY asks one question on the controlling terminal, for when acct's own stdin or stderr is
// not a terminal: the AWS CLI, Terraform and kubectl run credential_process with stderr captured,
// but the person is at the terminal they started them from. The terminal is put in raw mode for
// x/term's line editor and restored whatever happens; Ctrl-C (or Ctrl-D) is ErrInterrupted.
// Streams that are not the process's own (tests, acct run in process) have no controlling
// terminal to reach.
func (s *Streams) AskTTY(question string, mask bool) (string, error) {
	if !s.Process() {
		return "", ErrNoTTY
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", ErrNoTTY
	}
	defer tty.Close()
	fd := int(tty.Fd())
	if !foreground(fd) {
		return "", ErrNoTTY
	}
	state, err := term.MakeRaw(fd)
	if err != nil {
		return "", ErrNoTTY
	}
	defer term.Restore(fd, state)
	// The spinner draws on stderr, which is this terminal when only stdin is not (kubectl apply -f -
	// < file): it would draw over the question.
	defer s.Pause()()
	t := term.NewTerminal(tty, question+": ")
	var line string
	if mask {
		line, err = t.ReadPassword(question + ": ")
	} else {
		line, err = t.ReadLine()
	}
	if errors.Is(err, io.EOF) {
		fmt.Fprint(tty, "\r\n")
		return "", ErrInterrupted
	}
	if err != nil {
		return "", fmt.Errorf("read the answer on the terminal: %w", err)
	}
	return strings.TrimSpace(line), nil
}
