package command

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/acct-cli/acct/internal/console"
	"github.com/acct-cli/acct/internal/fault"
)

// mfaPromptModes are the values of ACCT_MFA_PROMPT: how a person is asked for an MFA code.
var mfaPromptModes = []string{"terminal", "zenity", "kdialog", "osascript", "none"}

// mfaPromptMode is ACCT_MFA_PROMPT, checked; "" is "terminal".
func (sys *system) mfaPromptMode() (string, error) {
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
		return "", console.ErrInterrupted // the dialog was cancelled
	case err != nil:
		return "", fault.Errorf(fault.Unavailable, "ACCT_MFA_PROMPT=%s: %v; install it or choose another way to be asked", mode, err)
	}
	return strings.TrimSpace(out.String()), nil
}
