package command

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/internal/console"
	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/session"
	"github.com/acct-cli/acct/shellenv"
)

// mfaTokenFlag is --mfa-token, the first of the MFA code sources.
func mfaTokenFlag() cli.Flag {
	return &cli.StringFlag{Name: "mfa-token", Aliases: []string{"t"}, Usage: "MFA code (else ACCT_MFA_TOKEN, mfa_process, or a prompt)"}
}

// sessionFlags are the flags of every command that obtains credentials.
func sessionFlags() []cli.Flag {
	return []cli.Flag{
		mfaTokenFlag(),
		&cli.DurationFlag{Name: "session-duration", Usage: "lifetime of the MFA session (up to 12h)", Value: 8 * time.Hour},
		&cli.DurationFlag{Name: "duration", Aliases: []string{"d"}, Usage: "lifetime of role credentials (default the profile's duration_seconds, else 1h)"},
		&cli.BoolFlag{Name: "no-session", Usage: "skip the MFA session: pass the MFA code to AssumeRole itself"},
	}
}

type sessionInput struct {
	MFAToken        string
	SessionDuration time.Duration
	RoleDuration    time.Duration
	NoSession       bool
	Debug           bool
}

func sessionInputFrom(c *cli.Context) sessionInput {
	return sessionInput{
		MFAToken:        c.String("mfa-token"),
		SessionDuration: c.Duration("session-duration"),
		RoleDuration:    c.Duration("duration"),
		NoSession:       c.Bool("no-session"),
		Debug:           c.Bool("debug"),
	}
}

// terminalMFA asks the person for a code (SPEC §4: wherever acct runs): on acct's own terminal,
// else on the controlling terminal (credential_process under the AWS CLI or Terraform), or in the
// dialog ACCT_MFA_PROMPT names. With no way to ask it says how to give a code instead:
// `acct mfa <profile>` at a terminal starts the MFA session the command then uses.
type terminalMFA struct {
	sys     *system
	profile string
}

func (t terminalMFA) Code(ctx context.Context, serial string) (string, error) {
	mode, err := t.sys.mfaPromptMode()
	if err != nil {
		return "", err
	}
	question := "MFA code for " + serial
	switch {
	case mode == "terminal" && t.sys.Console.Interactive():
		return t.sys.prompter.Input(question, "", func(s string) error {
			if len(s) != 6 || strings.Trim(s, "0123456789") != "" {
				return errors.New("six digits")
			}
			return nil
		})
	case mode == "terminal":
		code, err := t.sys.Console.AskTTY(question, false)
		if !errors.Is(err, console.ErrNoTTY) {
			return code, err
		}
	case mode != "none":
		return dialogAsk(ctx, mode, question)
	}
	return "", fault.Errorf(fault.Auth, "no terminal to ask for it; run acct mfa %s at a terminal, or pass --mfa-token or set ACCT_MFA_TOKEN", t.profile)
}

// sessionOptions are the provider options of a command run by a person (or a script) in the
// foreground: every MFA source, the terminal prompt, the SSO sign-in on a terminal.
func (sys *system) sessionOptions(chain *profiles.Chain, in sessionInput) (session.Options, error) {
	if err := session.CheckDurations(in.SessionDuration, in.RoleDuration); err != nil {
		return session.Options{}, fault.Wrap(fault.BadInput, err)
	}
	window, err := refreshWindow(sys)
	if err != nil {
		return session.Options{}, err
	}
	return session.Options{
		SessionDuration: in.SessionDuration,
		RoleDuration:    in.RoleDuration,
		NoSession:       in.NoSession,
		MFAToken:        in.MFAToken,
		EnvMFAToken:     sys.Getenv("ACCT_MFA_TOKEN"),
		MFA:             terminalMFA{sys, chain.Profile},
		MinRemaining:    window,
		Env:             awsconfig.FromEnv(sys.Getenv),
		Debug:           sys.debugWriter(in.Debug),
		SSO:             sys.ssoOptions(false, false), // on a terminal, sign in when the SSO token is missing
	}, nil
}

// targetCredentials resolves name and obtains its credentials, for the commands that hand them
// out rather than run something with them (export, login).
func (sys *system) targetCredentials(c *cli.Context, name string) (*target, aws.Credentials, error) {
	t, err := sys.resolveTarget(name)
	if err != nil {
		return nil, aws.Credentials{}, err
	}
	_, creds, err := sys.credentials(c.Context, t.Chain, sessionInputFrom(c))
	return t, creds, err
}

// credentials resolves chain into working credentials. A wrong MFA code typed at a terminal is
// asked again, up to three tries; a script gets STS's words and exit status 1.
func (sys *system) credentials(ctx context.Context, chain *profiles.Chain, in sessionInput) (aws.CredentialsProvider, aws.Credentials, error) {
	o, err := sys.sessionOptions(chain, in)
	if err != nil {
		return nil, aws.Credentials{}, err
	}
	kr, err := sys.openKeyring()
	if err != nil {
		return nil, aws.Credentials{}, err
	}
	p, err := session.NewProvider(ctx, chain, kr, o)
	if err != nil {
		return nil, aws.Credentials{}, err
	}
	var creds aws.Credentials
	err = sys.retryTypos(chain.Profile, func() error {
		stop := sys.spin("getting credentials for " + chain.Profile) // prompts pause it
		defer stop()
		creds, err = p.Retrieve(ctx)
		return err
	})
	if err != nil {
		return nil, aws.Credentials{}, err
	}
	return p, creds, nil
}

// errMFASessionEnded is what a credential endpoint answers when only a new MFA code would help:
// it runs behind the user's shell and must never read the terminal (the kernel would stop acct,
// and the SDK asking would hang), so it names the command that asks in the foreground.
var errMFASessionEnded = fault.New(fault.Auth, "MFA session ended; run `acct mfa` in this shell")

// serveEndpoint starts the credential endpoint of acct shell and acct exec --server. Its provider has
// the same chain and keyring as the foreground's, but no prompt of any kind. A code given up
// front was spent on the first session, so only mfa_process still gives codes; an SSO token is
// renewed with its refresh token or the endpoint says to sign in. Every hop reads the keyring
// again once its in-memory copy is stale, so a session `acct mfa` stores is used at the next
// request.
func (sys *system) serveEndpoint(ctx context.Context, chain *profiles.Chain, in sessionInput) (*shellenv.Server, error) {
	o, err := sys.sessionOptions(chain, in)
	if err != nil {
		return nil, err
	}
	kr, err := sys.openKeyring()
	if err != nil {
		return nil, err
	}
	o.MFAToken, o.EnvMFAToken = "", ""
	o.MFA = session.MFAFunc(func(context.Context, string) (string, error) { return "", errMFASessionEnded })
	o.SSO.Prompt = nil
	provider, err := session.NewProvider(ctx, chain, kr, o)
	if err != nil {
		return nil, err
	}
	return shellenv.Serve(provider)
}

// noArgs refuses arguments to a command that takes none (and finds flags given after them).
func noArgs(c *cli.Context) error {
	names, _, err := commandArgs(c, -1)
	if err == nil && len(names) > 0 {
		err = usagef("acct %s takes no arguments, not %q; see acct %s --help", c.Command.Name, names[0], c.Command.Name)
	}
	return err
}

// nameArg is the one profile (or stage) a command takes, "" when none was given; flags may stand
// before or after it.
func nameArg(c *cli.Context) (string, error) {
	names, _, err := commandArgs(c, -1)
	switch {
	case err != nil:
		return "", err
	case len(names) > 1:
		return "", usagef("name one profile, not %d: acct %s <profile>", len(names), c.Command.Name)
	case len(names) == 1:
		return names[0], nil
	}
	return "", nil
}

// sourceArg is the source profile that add, remove and rotate need: a missing one is a usage error
// whose line shows the command's form.
func sourceArg(c *cli.Context, usage string) (string, error) {
	name, err := nameArg(c)
	if err == nil && name == "" {
		err = fault.New(fault.Usage, usage)
	}
	return name, err
}

// commandArgs parses flags that follow positional arguments (`acct add cpco --env`,
// `acct exec prod --yes -- cmd`): urfave/cli v2 stops at the first positional argument and would
// hand them on as arguments. It sets each flag it finds on c and returns the positional arguments
// and, after "--" (or, when names >= 0, after the first names positional arguments, so that
// `acct exec prod ls -la` keeps -la for ls), the rest untouched.
func commandArgs(c *cli.Context, names int) (positional, rest []string, err error) {
	args := c.Args().Slice()
	byName := map[string]cli.Flag{}
	for _, f := range c.Command.Flags {
		for _, n := range f.Names() {
			byName[n] = f
		}
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return positional, args[i+1:], nil
		}
		if a == "-" || !strings.HasPrefix(a, "-") {
			if names >= 0 && len(positional) == names {
				return positional, args[i:], nil
			}
			positional = append(positional, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f, ok := byName[name]
		if !ok {
			return nil, nil, usagef("flag provided but not defined: %s; see acct %s --help", a, c.Command.Name)
		}
		primary := f.Names()[0]
		if _, isBool := f.(*cli.BoolFlag); isBool {
			if !hasValue {
				value = "true"
			}
		} else if !hasValue {
			if i+1 >= len(args) {
				return nil, nil, usagef("flag needs an argument: %s", a)
			}
			i++
			value = args[i]
		}
		if err := c.Set(primary, value); err != nil {
			return nil, nil, usagef("invalid value %q for flag %s: %v", value, a, err)
		}
	}
	return positional, nil, nil
}

// serviceConfig is the configuration of a client of service (awsconfig.STS, awsconfig.EKS) that
// acts as chain with p's credentials, in region (the chain's when ""), at the endpoint the
// environment or the profile's endpoint_url names.
func (sys *system) serviceConfig(chain *profiles.Chain, p aws.CredentialsProvider, service, region string) (aws.Config, error) {
	if region == "" {
		region = chain.Region
	}
	if region == "" {
		region = session.DefaultRegion
	}
	env := awsconfig.FromEnv(sys.Getenv)
	cfg, err := awsconfig.New(env, awsconfig.Client{Region: region, Credentials: p, Endpoint: env.Endpoint(service, chain.EndpointURL)})
	if err != nil {
		return aws.Config{}, fault.Wrap(fault.BadInput, err)
	}
	return cfg, nil
}
