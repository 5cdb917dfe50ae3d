package command

// IAM Identity Center: `acct login --sso <profile|session>` (the device authorization flow) and
// the discovery of account assignments into the managed block.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/session"
)

// ssoLoginFlags are the flags `acct login` takes for --sso.
func ssoLoginFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "sso", Usage: "sign in to IAM Identity Center for an SSO profile or [sso-session] (device code in the browser)"},
		&cli.BoolFlag{Name: "aws-cli-cache", Usage: "with --sso: also write the token to ~/.aws/sso/cache for the AWS CLI"},
		&cli.BoolFlag{Name: "sso-discover", Usage: "with --sso: then add a profile for every account and permission set the portal offers (like acct generate --sso-discover)"},
		layoutFlag(),
	}
}

type ssoLoginInput struct {
	Name        string
	Print       bool
	AWSCLICache bool
	Discover    bool
	Layout      string
	Debug       bool
}

func ssoLoginInputFrom(c *cli.Context, name string) ssoLoginInput {
	return ssoLoginInput{
		Name: name, Print: c.Bool("print"), AWSCLICache: c.Bool("aws-cli-cache"),
		Discover: c.Bool("sso-discover"), Layout: c.String("layout"), Debug: c.Bool("debug"),
	}
}

// ssoSessionNamed finds the SSO session behind name: an SSO profile (its sso_session or legacy
// sso_start_url) or an [sso-session NAME] section.
func (sys *system) ssoSessionNamed(name string) (session.SSOSession, string, error) {
	cfg, err := profiles.Read(sys.configPath())
	if err != nil {
		return session.SSOSession{}, "", fault.Wrap(fault.BadInput, err)
	}
	if _, ok := cfg.Entry(name); ok {
		ch, err := cfg.Resolve(name)
		if err != nil {
			return session.SSOSession{}, "", fault.Wrap(fault.BadInput, err)
		}
		if ch.SSOStartURL == "" {
			return session.SSOSession{}, "", usagef("profile %s does not use IAM Identity Center (no sso_session or sso_start_url); use acct login %s without --sso", name, name)
		}
		return session.SSOSessionOf(ch), "profile " + name, nil
	}
	if s, ok := cfg.SSOSession(name); ok {
		if s.StartURL == "" || s.Region == "" {
			return session.SSOSession{}, "", usagef("[sso-session %s] at line %d of %s needs sso_start_url and sso_region", name, s.Line, cfg.Path)
		}
		return session.SSOSession{Name: s.Name, StartURL: s.StartURL, Region: s.Region}, "sso-session " + name, nil
	}
	return session.SSOSession{}, "", usagef("no profile or [sso-session] named %s in %s; add sso: to the layout and run acct generate", name, cfg.Path)
}

// ssoPrompt shows the verification URL and code on stderr and opens the browser unless print.
func (sys *system) ssoPrompt(print bool) func(uri, code string) {
	return func(uri, code string) {
		fmt.Fprintf(sys.Console.Err, "Open %s and enter code %s\n", uri, code)
		if !print {
			if err := openBrowser(uri); err != nil {
				fmt.Fprintf(sys.Console.Err, "acct: could not open a browser (%v); open the URL yourself\n", err)
			}
		}
		fmt.Fprintln(sys.Console.Err, "Waiting for the sign-in to be approved...")
	}
}

// ssoOptions are the session.SSOOptions for commands that obtain credentials: on a terminal a
// missing or expired sign-in runs the device flow; in a script it is an error naming
// `acct login --sso`. (For sys.credentials: Options.SSO.)
func (sys *system) ssoOptions(print, awsCLICache bool) session.SSOOptions {
	o := session.SSOOptions{AWSCLICache: awsCLICache, Home: sys.Getenv("HOME")}
	if sys.Console.Interactive() {
		o.Prompt = sys.ssoPrompt(print)
	}
	return o
}

// runSSOLogin is `acct login --sso <profile|session>`.
func runSSOLogin(ctx context.Context, sys *system, in ssoLoginInput) error {
	if in.Name == "" {
		return usagef("name an SSO profile or sso-session: acct login --sso <profile|session>")
	}
	s, what, err := sys.ssoSessionNamed(in.Name)
	if err != nil {
		return err
	}
	kr, err := sys.openKeyring()
	if err != nil {
		return err
	}
	o := session.Options{Env: awsconfig.FromEnv(sys.Getenv), Debug: sys.debugWriter(in.Debug)}
	o.SSO = session.SSOOptions{Prompt: sys.ssoPrompt(in.Print), AWSCLICache: in.AWSCLICache, Home: sys.Getenv("HOME")}
	tok, err := session.SSOLogin(ctx, kr, s, o)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	fmt.Fprintf(sys.Console.Err, "acct: signed in to %s; the sign-in lasts until %s\n", s, tok.ExpiresAt.Local().Format(time.Kitchen))
	if in.AWSCLICache {
		if p, err := session.AWSCLICachePath(sys.Getenv("HOME"), s); err == nil {
			fmt.Fprintf(sys.Console.Err, "acct: the AWS CLI's copy is in %s\n", p)
		}
	}
	if in.Discover {
		return runSSODiscover(ctx, sys, ssoDiscoverInput{Layout: in.Layout, User: sys.Getenv("ACCT_USER"), Print: in.Print, Debug: in.Debug})
	}
	return nil
}

// ssoDiscoverInput is `acct generate --sso-discover` (and `acct login --sso X --sso-discover`).
type ssoDiscoverInput struct {
	Layout, User, Style string
	Write               profiles.WriteOptions
	Print               bool
	AWSCLICache, Debug  bool
}

// runSSODiscover renders the layout plus a profile for every account and permission set the
// portal lists for the layout's sso: session, and writes them like acct generate. It needs a
// cached sign-in, or a terminal to sign in on.
func runSSODiscover(ctx context.Context, sys *system, in ssoDiscoverInput) error {
	l, err := sys.loadLayout(in.Layout)
	if err != nil {
		return err
	}
	if l.SSO == nil {
		return usagef("layout %s has no sso: section; add `sso: {start_url: ..., region: ...}` to discover accounts", l.File)
	}
	ro, err := sys.renderOptions(l, in.Style, in.User)
	if err != nil {
		return err
	}
	kr, err := sys.openKeyring()
	if err != nil {
		return err
	}
	s := session.SSOSession{Name: l.SSO.Session, StartURL: l.SSO.StartURL, Region: l.SSO.Region}
	o := session.Options{Env: awsconfig.FromEnv(sys.Getenv), Debug: sys.debugWriter(in.Debug)}
	o.SSO = sys.ssoOptions(in.Print, in.AWSCLICache)
	o.SSO.LoginHint = "acct login --sso " + l.SSO.Session
	found, err := session.SSOAssignments(ctx, kr, s, o)
	if err != nil {
		if errors.Is(err, session.ErrSSOLoginNeeded) {
			return fault.Wrap(fault.BadInput, err)
		}
		return err
	}
	ps, err := profiles.RenderSSODiscovered(l, ro, found)
	if err != nil {
		return fault.Wrap(fault.BadInput, err)
	}
	_, _, err = writeProfiles(sys, l, ro, ps, in.Write, fmt.Sprintf(", %d assignments found in the portal", len(found)))
	return err
}
