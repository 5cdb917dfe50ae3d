package command

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/acct-cli/acct/internal/atomicfile"
	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/session"
	"github.com/acct-cli/acct/shellenv"
	"github.com/urfave/cli/v2"
)

func mfaCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "mfa",
		Usage:     "start a new MFA session now; every acct shell using it picks it up",
		UsageText: "acct mfa [--mfa-token CODE] [--session-duration 8h] [profile|stage]",
		Description: "Asks for the MFA code in the foreground, starts a new MFA session (GetSessionToken) and\n" +
			"stores it in the keyring, whatever was cached. Inside an acct shell the profile defaults to the\n" +
			"shell's own. Running shells and `acct exec --server` endpoints use the new session at their next\n" +
			"request, with no restart: run it when a shell says \"MFA session ended; run `acct mfa` in this shell\"\n" +
			"or warns that it ends soon.",
		Flags: []cli.Flag{
			mfaTokenFlag(),
			&cli.DurationFlag{Name: "session-duration", Usage: "lifetime of the MFA session (up to 12h)", Value: session.DefaultSessionDuration},
		},
		BashComplete: completeTargets(sys),
		Action: func(c *cli.Context) error {
			name, err := nameArg(c)
			if err != nil {
				return err
			}
			if name == "" {
				name = sys.Getenv("ACCT_PROFILE") // inside an acct shell: that shell's profile
			}
			if name == "" && !sys.Console.Interactive() {
				return usagef("name a profile or stage: acct mfa <profile|stage>")
			}
			// A source profile (cpco) often has no section of its own, and its MFA session is what
			// every profile using it shares: acct rotate's hint names it.
			if ch := sys.sourceChain(name); ch != nil {
				return runMFA(c.Context, sys, ch, sessionInputFrom(c))
			}
			t, err := sys.resolveTarget(name)
			if err != nil {
				return err
			}
			return runMFA(c.Context, sys, t.Chain, sessionInputFrom(c))
		},
	}
}

// sourceChain is the chain of the first profile whose source profile is name, when name is no
// profile of its own; else nil.
func (sys *system) sourceChain(name string) *profiles.Chain {
	if name == "" {
		return nil
	}
	cfg, err := sys.readConfig()
	if err != nil {
		return nil
	}
	if _, ok := cfg.Entry(name); ok {
		return nil
	}
	for _, n := range cfg.Names() {
		if ch, err := cfg.Resolve(n); err == nil && ch.Source == name {
			return ch
		}
	}
	return nil
}

// runMFA starts the new session, notes its end for the shells' prompts and says until when it lasts.
func runMFA(ctx context.Context, sys *system, chain *profiles.Chain, in sessionInput) error {
	item, ok := session.MFASessionItem(chain)
	if !ok {
		return fault.Wrap(fault.BadInput, fmt.Errorf("%s starts from no MFA session (no mfa_serial, or SSO or credential_process credentials); nothing to renew", chain.Profile))
	}
	o, err := sys.sessionOptions(chain, in)
	if err != nil {
		return err
	}
	kr, err := sys.openKeyring()
	if err != nil {
		return err
	}
	var exp time.Time
	err = sys.retryTypos(chain.Profile, func() error {
		exp, err = session.StartMFASession(ctx, chain, kr, o)
		return err
	})
	if err != nil {
		return err
	}
	sys.noteMFAEnd(item, exp)
	fmt.Fprintf(sys.Console.Err, "acct: new MFA session for %s until %s; acct shells use it at their next AWS call\n",
		chain.Source, exp.Local().Format("15:04"))
	return nil
}

// retryTypos runs f, which may ask for an MFA code, again after a code a person typed was
// refused, up to three tries: at acct's terminal, or at the controlling terminal when acct's
// stdin is a pipe (kubectl apply -f - < file) or its stderr is captured. A code from a flag, a
// variable or mfa_process gets STS's words and exit status 1.
func (sys *system) retryTypos(profile string, f func() error) error {
	for try := 1; ; try++ {
		err := f()
		var mfaErr *session.MFAError
		if err == nil {
			return nil
		}
		if !errors.As(err, &mfaErr) || !mfaErr.Prompted || try == 3 {
			err = fmt.Errorf("%s: %w", profile, sys.keysElsewhere(err))
			if errors.Is(err, session.ErrNoKeys) {
				// A missing keyring item is bad input (SPEC §5): the user runs acct add.
				err = fault.Wrap(fault.BadInput, err)
			}
			return err
		}
		// STS's own words end with a period ("... one time pass code."): no ".;" before ours.
		fmt.Fprintf(sys.Console.Err, "acct: %s; try again\n", strings.TrimSuffix(err.Error(), "."))
	}
}

// mfaEndPath is the small file that says when the MFA session in keyring item ends (Unix
// seconds), which acct shells' prompts read: $XDG_RUNTIME_DIR/acct/mfa/<hash>, else under
// $XDG_STATE_HOME (~/.local/state). It holds no secret; one file per session, shared by every
// shell using it, so one `acct mfa` updates them all.
func (sys *system) mfaEndPath(item string) string {
	dir := sys.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = sys.Getenv("XDG_STATE_HOME")
	}
	if dir == "" {
		dir = filepath.Join(sys.Getenv("HOME"), ".local", "state")
	}
	sum := sha256.Sum256([]byte(item))
	return filepath.Join(dir, "acct", "mfa", hex.EncodeToString(sum[:8]))
}

// noteMFAEnd writes when the session ends for the prompts; failing to is only a --debug line:
// the prompt then shows no minutes, nothing else changes.
func (sys *system) noteMFAEnd(item string, end time.Time) {
	path := sys.mfaEndPath(item)
	err := os.MkdirAll(filepath.Dir(path), 0o700)
	if err == nil {
		err = atomicfile.Write(path, []byte(strconv.FormatInt(end.Unix(), 10)+"\n"), 0o600)
	}
	if err != nil {
		sys.debugf("MFA session end not noted for the prompt: %v", err)
	}
}

// shellMFAEnd reads what noteMFAEnd wrote to path, the file an acct shell names in its
// environment: when its MFA session ends; nil without one.
func shellMFAEnd(path string) *time.Time {
	if path == "" {
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		return nil
	}
	end := time.Unix(secs, 0).UTC()
	return &end
}

// mfaEndEnv adds to a shell's environment the file its prompt reads the end of chain's MFA
// session from, noting the end the keyring has now; env is unchanged when the chain takes no
// MFA session.
func (sys *system) mfaEndEnv(env []string, chain *profiles.Chain) []string {
	item, ok := session.MFASessionItem(chain)
	if !ok {
		return env
	}
	kr, err := sys.openKeyring()
	if err != nil {
		return env
	}
	if end, err := session.Expires(kr, item); err == nil && !end.IsZero() {
		sys.noteMFAEnd(item, end)
	}
	return append(env, shellenv.VarMFAEndFile+"="+sys.mfaEndPath(item))
}
