package profiles

import (
	"errors"
	"strconv"
	"strings"

	"github.com/acct-cli/acct/internal/fault"
)

// Kinds of configuration errors, for errors.Is. They end every ConfigError's text, and give it
// its fault kind: every one is the user's file or layout to fix.
var (
	// Reading and writing the file.
	ErrNotINI           = fault.New(fault.BadInput, "not an ini file")
	ErrBrokenBlock      = fault.New(fault.BadInput, "broken acct block")
	ErrConflict         = fault.New(fault.BadInput, "profile conflict")
	ErrDuplicateSection = fault.New(fault.BadInput, "duplicate section")
	ErrBadProfile       = fault.New(fault.BadInput, "bad generated profile")

	// Resolving a profile.
	ErrProfileNotFound = fault.New(fault.BadInput, "profile not found")
	ErrAmbiguous       = fault.New(fault.BadInput, "ambiguous profile name") // a name matching several profiles, or none
	ErrMissingSource   = fault.New(fault.BadInput, "missing source_profile")
	ErrCycle           = fault.New(fault.BadInput, "source_profile cycle")
	ErrBadRoleARN      = fault.New(fault.BadInput, "bad role_arn")
	ErrBadDuration     = fault.New(fault.BadInput, "bad duration_seconds")
	ErrUnsupported     = fault.New(fault.BadInput, "unsupported setting")
	ErrBadSSO          = fault.New(fault.BadInput, "bad sso setting") // an SSO profile that cannot be used as written
)

// ConfigError is a problem in a config file at a line. Its text is one line:
// "config PATH line N: what; fix: kind".
type ConfigError struct {
	Path string // empty when the text did not come from a file (Merge)
	Line int    // 1-based; 0 when the problem has no single line
	What string
	Fix  string
	Err  error // one of the Err* kinds above
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("config")
	if e.Path != "" {
		b.WriteString(" " + e.Path)
	}
	if e.Line > 0 {
		b.WriteString(" line " + strconv.Itoa(e.Line))
	}
	b.WriteString(": " + e.What)
	if e.Fix != "" {
		b.WriteString("; " + e.Fix)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	// Values quoted from the file may hold line breaks (ini continuation lines); the message
	// stays one line.
	return configOneLine.Replace(b.String())
}

var configOneLine = strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\r`)

func (e *ConfigError) Unwrap() error { return e.Err }

// configWithPath sets the path on a ConfigError coming from text-only code.
func configWithPath(err error, path string) error {
	var ce *ConfigError
	if errors.As(err, &ce) && ce.Path == "" {
		c := *ce
		c.Path = path
		return &c
	}
	return err
}
