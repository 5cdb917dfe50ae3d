package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"golang.org/x/term"

	"github.com/acct-cli/acct/internal/fault"
)

// errNoTTY is a process with no controlling terminal it may read (none at all, or acct is not in
// the terminal's foreground process group, where reading would get it stopped by the kernel).
var errNoTTY = errors.New("no controlling terminal in the foreground")

// ttyAsk asks one question on the controlling terminal, for when acct's own stdin or stderr is
// not a terminal: the AWS CLI, Terraform and kubectl run credential_process with stderr captured,
// but the person is at the terminal they started them from. The terminal is put in raw mode for
// x/term's line editor and restored whatever happens; Ctrl-C (or Ctrl-D) is errInterrupted.
func ttyAsk(question string, mask bool) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", errNoTTY
	}
	defer tty.Close()
	fd := int(tty.Fd())
	if !foreground(fd) {
		return "", errNoTTY
	}
	state, err := term.MakeRaw(fd)
	if err != nil {
		return "", errNoTTY
	}
	defer term.Restore(fd, state)
	t := term.NewTerminal(tty, question+": ")
	var line string
	if mask {
		line, err = t.ReadPassword(question + ": ")
	} else {
		line, err = t.ReadLine()
	}
	if errors.Is(err, io.EOF) {
		fmt.Fprint(tty, "\r\n")
		return "", errInterrupted
	}
	if err != nil {
		return "", fmt.Errorf("read the answer on the terminal: %w", err)
	}
	return strings.TrimSpace(line), nil
}

// mfaPromptModes are the values of ACCT_MFA_PROMPT: how a person is asked for an MFA code.
var mfaPromptModes = []string{"terminal", "zenity", "kdialog", "osascript", "none"}

// mfaPromptMode is ACCT_MFA_PROMPT, checked; "" is "terminal".
func (sys IO) mfaPromptMode() (string, error) {
	m := strings.TrimSpace(sys.Getenv("ACCT_MFA_PROMPT"))
	if m == "" {
		return "terminal", nil
	}
	for _, ok := range mfaPromptModes {
		if m == ok {
			return m, nil
		}
	}
	return "", usagef("ACCT_MFA_PROMPT=%s: use one of %s", m, strings.Join(mfaPromptModes, ", "))
}

// dialogAsk asks in a desktop dialog; Cancel is errInterrupted.
func dialogAsk(ctx context.Context, mode, question string) (string, error) {
	var cmd *exec.Cmd
	switch mode {
	case "zenity":
		cmd = exec.CommandContext(ctx, "zenity", "--entry", "--title=acct", "--text="+question)
	case "kdialog":
		cmd = exec.CommandContext(ctx, "kdialog", "--title", "acct", "--inputbox", question)
	case "osascript":
		script := fmt.Sprintf("text returned of (display dialog %q default answer \"\" with title \"acct\")", question)
		cmd = exec.CommandContext(ctx, "osascript", "-e", script)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return "", errInterrupted // the dialog was cancelled
	case err != nil:
		return "", fault.Errorf(fault.Unavailable, "ACCT_MFA_PROMPT=%s: %v; install it or choose another way to be asked", mode, err)
	}
	return strings.TrimSpace(out.String()), nil
}
