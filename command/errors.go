package command

import (
	"errors"
	"fmt"
	"strings"

	"github.com/acct-cli/acct/internal/fault"
)

// ExitStatus is the exit status of a program acct ran (exec, shell): acct exits with it, silently.
type ExitStatus int

func (s ExitStatus) Error() string { return fmt.Sprintf("exit status %d", int(s)) }

// usagef is a command line acct cannot take: a missing or extra argument, flags that do not go together.
func usagef(format string, a ...any) error { return fault.Errorf(fault.Usage, format, a...) }

// badInputf is a value, file or name the user must fix.
func badInputf(format string, a ...any) error { return fault.Errorf(fault.BadInput, format, a...) }

// Status maps an error returned by Run to acct's exit status (SPEC §5): the command's own for exec
// and shell, 2 for bad input or usage, 130 when the user interrupted, 1 for every other failure.
func Status(err error) int {
	if err == nil {
		return 0
	}
	var st ExitStatus
	if errors.As(err, &st) {
		return int(st)
	}
	switch fault.Of(err) {
	case fault.Usage, fault.BadInput:
		return 2
	case fault.Interrupted:
		return 130
	}
	return 1
}

// Message is the one line the user sees for err, or "" when acct exits silently: after a program
// it ran (whose own output said what happened) or a Ctrl-C (which the terminal shows).
func Message(err error) string {
	var st ExitStatus
	if err == nil || errors.As(err, &st) || fault.Of(err) == fault.Interrupted {
		return ""
	}
	return "acct: " + strings.Join(strings.Fields(err.Error()), " ")
}
