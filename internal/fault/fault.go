// Package fault gives an error a kind where it arises (bad input, refused credentials, an
// unreachable service...), so that one function in command/ can turn any error, however deeply
// wrapped, into the user's one line and acct's exit status.
package fault

import (
	"errors"
	"fmt"
)

// Kind says what sort of failure an error is; command.Status maps each to an exit status.
type Kind int

const (
	// Failed is every failure with no more precise kind: exit status 1.
	Failed Kind = iota
	// Usage is a command line acct cannot parse: an unknown command or flag, a missing or extra
	// argument, a flag value of the wrong form. Exit status 2.
	Usage
	// BadInput is a file or value the user must fix: a layout, ~/.aws/config, a name that matches
	// no profile, keys that were never stored. Exit status 2.
	BadInput
	// Auth is a credential, MFA code or passphrase that was refused, or a session that ended.
	// Exit status 1.
	Auth
	// Unavailable is something outside acct that cannot be reached right now: a keyring backend, an
	// AWS endpoint, a lock another acct holds. Exit status 1.
	Unavailable
	// Interrupted is the user stopping acct (Ctrl-C at a prompt). Exit status 130.
	Interrupted
)

func (k Kind) String() string {
	switch k {
	case Usage:
		return "usage"
	case BadInput:
		return "bad input"
	case Auth:
		return "auth"
	case Unavailable:
		return "unavailable"
	case Interrupted:
		return "interrupted"
	}
	return "failed"
}

// Error is an error with a kind. The kind nearest the cause wins: wrapping a kinded error in
// another kind does not change what Of reports.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// New returns an error of kind k with the text msg.
func New(k Kind, msg string) error { return &Error{Kind: k, Err: errors.New(msg)} }

// Errorf formats like fmt.Errorf (%w included) and gives the result kind k.
func Errorf(k Kind, format string, a ...any) error {
	return &Error{Kind: k, Err: fmt.Errorf(format, a...)}
}

// Wrap gives err kind k unless it already has one; a nil err stays nil.
func Wrap(k Kind, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Kind: k, Err: err}
}

// Of returns the kind of err: the first kind found along its chain, Failed when there is none.
func Of(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Failed
}
