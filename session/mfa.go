package session

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/acct-cli/acct/internal/fault"
)

// MFA gives the current code of the MFA device serial. The terminal prompt lives in package
// command; session only sees this interface, and asks it only when STS actually needs a code
// (a cache miss).
type MFA interface {
	Code(ctx context.Context, serial string) (string, error)
}

// MFAFunc adapts a function to MFA.
type MFAFunc func(ctx context.Context, serial string) (string, error)

// Code calls f.
func (f MFAFunc) Code(ctx context.Context, serial string) (string, error) { return f(ctx, serial) }

// staticMFA is a code given up front (--mfa-token, ACCT_MFA_TOKEN). A code can be used once, so
// a script that needs two MFA calls needs two runs.
func staticMFA(code string) MFA {
	return MFAFunc(func(context.Context, string) (string, error) { return strings.TrimSpace(code), nil })
}

// processMFA runs command with sh -c (a profile's mfa_process) and uses its trimmed stdout. The
// command's stderr goes nowhere: it may print the code or a seed there.
func processMFA(command string) MFA {
	return MFAFunc(func(ctx context.Context, serial string) (string, error) {
		cmd := exec.CommandContext(ctx, "sh", "-c", command)
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("mfa_process %q for %s: %w", command, serial, err)
		}
		code := strings.TrimSpace(out.String())
		if code == "" {
			return "", fmt.Errorf("mfa_process %q for %s printed nothing", command, serial)
		}
		return code, nil
	})
}

// mfaSource is where a chain's MFA codes come from; prompted says it is a person, who can be
// asked again after a typo.
type mfaSource struct {
	m        MFA
	prompted bool
}

// chooseMFA is the one rule for where a code comes from, most explicit first: token (the
// --mfa-token flag), envToken (ACCT_MFA_TOKEN), the profile's mfa_process, then prompt (nil when
// nobody can be asked; asking for a code then gives an error saying how to provide one).
func chooseMFA(token, envToken, mfaProcess string, prompt MFA) mfaSource {
	switch {
	case strings.TrimSpace(token) != "":
		return mfaSource{m: staticMFA(token)}
	case strings.TrimSpace(envToken) != "":
		return mfaSource{m: staticMFA(envToken)}
	case strings.TrimSpace(mfaProcess) != "":
		return mfaSource{m: processMFA(mfaProcess)}
	}
	return mfaSource{m: prompt, prompted: prompt != nil}
}

// MFAError is a rejected MFA code: STS said "MultiFactorAuthentication failed" (or the code had
// the wrong shape and STS was not asked). Retrieve on the same provider again asks for a new
// code, so when Prompted (the person typed it) a terminal can say the line and ask again (SPEC:
// three tries); a script prints it and exits 1.
type MFAError struct {
	Serial   string
	Message  string // STS's code and message, e.g. "AccessDenied: MultiFactorAuthentication failed with invalid MFA one time pass code."
	Prompted bool
	Err      error
}

func (e *MFAError) Error() string {
	return fmt.Sprintf("MFA code for %s rejected: %s", e.Serial, e.Message)
}

func (e *MFAError) Unwrap() error { return e.Err }

// ErrNoMFA is matched by the error given when a code is needed and no MFA source was configured.
var ErrNoMFA = errors.New("no MFA code source")

// mfaCode asks m for serial's code and checks its shape (six digits) before STS sees it, so a
// typo costs neither an STS call nor a rate-limit slot.
func mfaCode(ctx context.Context, src mfaSource, serial string) (string, error) {
	if src.m == nil {
		return "", fault.Errorf(fault.Auth, "an MFA code is needed for %s: pass --mfa-token, set ACCT_MFA_TOKEN, set mfa_process in the profile or run acct on a terminal: %w", serial, ErrNoMFA)
	}
	code, err := src.m.Code(ctx, serial)
	if err != nil {
		return "", fmt.Errorf("MFA code for %s: %w", serial, interrupted(err))
	}
	code = strings.TrimSpace(code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return "", fault.Wrap(fault.Auth, &MFAError{Serial: serial, Message: "an MFA code is 6 digits", Prompted: src.prompted})
	}
	return code, nil
}

// interrupted gives a cancelled context (Ctrl-C while acct waited) the kind Interrupted.
func interrupted(err error) error {
	if errors.Is(err, context.Canceled) {
		return fault.Wrap(fault.Interrupted, err)
	}
	return err
}
