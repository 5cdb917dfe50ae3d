package command

import (
	"errors"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
)

type generateInput struct {
	Layout string
	User   string
	DryRun bool
	Style  string
}

func generateCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "generate",
		Usage:     "write the layout's profiles into the managed block of ~/.aws/config",
		UsageText: "acct generate [--layout FILE] [--user NAME] [--dry-run] [--style native|credential-process]",
		Description: "Everything outside acct's block is kept byte for byte. A second run with the same layout\n" +
			"changes nothing. The config file is AWS_CONFIG_FILE, else ~/.aws/config.",
		Flags: []cli.Flag{
			layoutFlag(),
			&cli.StringFlag{Name: "user", Usage: "fill {user} in the layout (MFA device, personal accounts)", EnvVars: []string{"ACCT_USER"}},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the unified diff and write nothing"},
			&cli.StringFlag{Name: "style", Value: "native", Usage: "native (role_arn, source_profile, mfa_serial) or credential-process (every tool goes through acct's cache)"},
			&cli.BoolFlag{Name: "sso-discover", Usage: "with an sso: layout, add a profile for every account and permission set the SSO portal lists (signs in when needed)"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			if c.Bool("sso-discover") {
				return runSSODiscover(c.Context, sys, ssoDiscoverInput{
					Layout: c.String("layout"), User: c.String("user"), Style: c.String("style"),
					DryRun: c.Bool("dry-run"), Debug: c.Bool("debug"),
				})
			}
			return runGenerate(sys, generateInput{
				Layout: c.String("layout"), User: c.String("user"), DryRun: c.Bool("dry-run"), Style: c.String("style"),
			})
		},
	}
}

func layoutFlag() cli.Flag {
	return &cli.StringFlag{Name: "layout", Usage: "layout file (default: ACCT_LAYOUT, ./acct.yaml here or above, $XDG_CONFIG_HOME/acct/layout.yaml)"}
}

// findLayout is profiles.Find from acct's working directory and environment.
func (sys *system) findLayout(flag string) (string, error) {
	wd, _ := os.Getwd()
	return profiles.Find(flag, wd, sys.Getenv)
}

// configPath is the ~/.aws/config acct reads and writes, as the AWS CLI finds it.
func (sys *system) configPath() string { return profiles.ConfigPath(sys.Getenv) }

// loadLayout finds and loads the layout; every failure is bad input.
func (sys *system) loadLayout(flag string) (*profiles.Layout, error) {
	path, err := sys.findLayout(flag)
	if err != nil {
		return nil, fault.Wrap(fault.BadInput, err)
	}
	l, err := profiles.Load(path)
	if err != nil {
		return nil, fault.Wrap(fault.BadInput, err)
	}
	return l, nil
}

func runGenerate(sys *system, in generateInput) error {
	l, err := sys.loadLayout(in.Layout)
	if err != nil {
		return err
	}
	o, err := renderOptions(in.Style, in.User)
	if err != nil {
		return err
	}
	ps, err := profiles.Render(l, o)
	if err != nil {
		return fault.Wrap(fault.BadInput, err)
	}
	return writeProfiles(sys, l, ps, in.DryRun, "")
}

// renderOptions parses --style and --user into what profiles.Render takes.
func renderOptions(style, user string) (profiles.RenderOptions, error) {
	st, err := profiles.ParseStyle(style)
	if err != nil {
		return profiles.RenderOptions{}, fault.Wrap(fault.BadInput, err)
	}
	o := profiles.RenderOptions{User: user, Style: st, Executable: "acct"}
	if st == profiles.CredentialProcess {
		// The config must call this very binary, wherever it is installed.
		if p, err := os.Executable(); err == nil {
			o.Executable = p
		}
	}
	return o, nil
}

// writeProfiles writes the layout's block and says what happened; note adds to the summary.
func writeProfiles(sys *system, l *profiles.Layout, ps []profiles.Profile, dryRun bool, note string) error {
	path := sys.configPath()
	res, err := profiles.Write(path, l.Namespace, l.File, ps, profiles.WriteOptions{DryRun: dryRun})
	var cfgErr *profiles.ConfigError
	if errors.As(err, &cfgErr) {
		// The user's file is in a state acct refuses to touch: bad input, never repaired.
		return fault.Wrap(fault.BadInput, err)
	}
	if err != nil {
		return err
	}
	n := 0
	for _, p := range ps {
		if p.Section == "" { // an [sso-session] is not a profile
			n++
		}
	}
	summary := fmt.Sprintf("%d profiles of %s%s", n, l.Namespace, note)
	switch {
	case dryRun && res.Changed:
		fmt.Fprint(sys.Console.Out, res.Diff)
	case res.Changed:
		fmt.Fprintf(sys.Console.Out, "%s: wrote %s (backup %s)\n", path, summary, res.Backup)
	default:
		fmt.Fprintf(sys.Console.Out, "%s: no change (%s)\n", path, summary)
	}
	return nil
}
