package command

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
)

type generateInput struct {
	Layout string
	User   string
	Style  string
	Write  profiles.WriteOptions
}

func generateCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "generate",
		Usage:     "write the layout's profiles into the managed block of ~/.aws/config",
		UsageText: "acct generate [--layout FILE] [--user NAME] [--dry-run] [--style native|credential-process] [--replace] [--force]",
		Description: "Everything outside acct's block is kept byte for byte. A second run with the same layout\n" +
			"changes nothing. The config file is AWS_CONFIG_FILE, else ~/.aws/config; a symlink is written\n" +
			"through and the file keeps its mode. The block remembers the layout file and --user it was\n" +
			"generated with: later runs reuse the user, and a block of another layout file is replaced only\n" +
			"with --replace.",
		Flags: []cli.Flag{
			layoutFlag(),
			&cli.StringFlag{Name: "user", Usage: "fill {user} in the layout (MFA device, personal accounts); remembered in the block for later runs", EnvVars: []string{"ACCT_USER"}},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the unified diff and write nothing (not even the lock)"},
			&cli.BoolFlag{Name: "replace", Usage: "replace the namespace's block even when another layout file generated it (the diff shows what goes)"},
			&cli.BoolFlag{Name: "force", Usage: "replace a read-only config file (its mode is kept)"},
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
					Write: writeOptions(c), Debug: c.Bool("debug"),
				})
			}
			return runGenerate(sys, generateInput{
				Layout: c.String("layout"), User: c.String("user"), Style: c.String("style"), Write: writeOptions(c),
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

func writeOptions(c *cli.Context) profiles.WriteOptions {
	return profiles.WriteOptions{DryRun: c.Bool("dry-run"), Replace: c.Bool("replace"), Force: c.Bool("force")}
}

func runGenerate(sys *system, in generateInput) error {
	l, err := sys.loadLayout(in.Layout)
	if err != nil {
		return err
	}
	o, err := sys.renderOptions(l, in.Style, in.User)
	if err != nil {
		return err
	}
	ps, err := profiles.Render(l, o)
	if err != nil {
		return fault.Wrap(fault.BadInput, err)
	}
	return writeProfiles(sys, l, o.User, ps, in.Write, "")
}

// renderOptions parses --style and --user into what profiles.Render takes. Without --user, the
// user the layout's block was last generated with is used.
func (sys *system) renderOptions(l *profiles.Layout, style, user string) (profiles.RenderOptions, error) {
	st, err := profiles.ParseStyle(style)
	if err != nil {
		return profiles.RenderOptions{}, fault.Wrap(fault.BadInput, err)
	}
	if user == "" {
		user = profiles.RememberedUser(sys.configPath(), profiles.Origin{Namespace: l.Namespace, LayoutFile: l.File})
	}
	o := profiles.RenderOptions{User: user, Style: st, Executable: "acct"}
	if st == profiles.CredentialProcess {
		if o.Executable, err = selfCommand(sys); err != nil {
			return o, err
		}
	}
	return o, nil
}

// writeProfiles writes the layout's block and says what happened; note adds to the summary.
func writeProfiles(sys *system, l *profiles.Layout, user string, ps []profiles.Profile, w profiles.WriteOptions, note string) error {
	path := sys.configPath()
	res, err := profiles.Write(path, profiles.Origin{Namespace: l.Namespace, LayoutFile: l.File, User: user}, ps, w)
	if err != nil {
		// Write's errors carry their kind: a file acct refuses to touch is bad input.
		return err
	}
	n := 0
	for _, p := range ps {
		if p.Section == "" { // an [sso-session] is not a profile
			n++
		}
	}
	summary := fmt.Sprintf("%d profiles of %s%s", n, l.Namespace, note)
	// The diff is there only when it is to be shown: a dry run, another layout's block replaced,
	// another user.
	fmt.Fprint(sys.Console.Out, res.Diff)
	switch {
	case !res.Changed:
		fmt.Fprintf(sys.Console.Out, "%s: no change (%s)\n", path, summary)
	case w.DryRun:
	case res.Backup != "":
		fmt.Fprintf(sys.Console.Out, "%s: wrote %s (the previous file is in %s)\n", path, summary, res.Backup)
	default:
		fmt.Fprintf(sys.Console.Out, "%s: wrote %s\n", path, summary)
	}
	return nil
}
