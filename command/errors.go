package command

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// usageError marks bad input: a flag, an argument, a layout or a config the user must fix. Exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func badInput(err error) error {
	if err == nil {
		return nil
	}
	return usageError{err}
}

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// ExitStatus is the exit status of a program acct ran (exec, shell): acct exits with it, silently.
type ExitStatus int

func (s ExitStatus) Error() string { return fmt.Sprintf("exit status %d", int(s)) }

// Status maps an error returned by Run to acct's exit status: the command's own for exec and shell,
// 2 for bad input or usage, 1 for every other failure.
func Status(err error) int {
	if err == nil {
		return 0
	}
	var st ExitStatus
	if errors.As(err, &st) {
		return int(st)
	}
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	var ce cli.ExitCoder
	if errors.As(err, &ce) {
		return ce.ExitCode()
	}
	if strings.HasPrefix(err.Error(), "flag provided but not defined") {
		return 2
	}
	return 1
}

// Message is the one line the user sees for err, or "" when acct should exit silently.
func Message(err error) string {
	var st ExitStatus
	if err == nil || errors.As(err, &st) {
		return ""
	}
	msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", " ")), " ")
	return "acct: " + msg
}
