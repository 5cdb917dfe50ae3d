package command

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/orgs"
	"github.com/acct-cli/acct/profiles"
)

func importCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "import",
		Usage:     "add accounts to the layout from another source of truth",
		UsageText: "acct import organizations --profile <management profile> [flags]",
		Subcommands: []*cli.Command{{
			Name:  "organizations",
			Usage: "merge the accounts and OUs of an AWS Organization into the layout",
			UsageText: "acct import organizations --profile PROFILE [--layout FILE] [--ou PATH] [--exclude NAME-or-ID ...]\n" +
				"   [--strip-prefix PREFIX ...] [--namespace N] [--region R] [--dry-run]",
			Description: "Walks AWS Organizations with the profile's credentials (acct's keyring and MFA session) and\n" +
				"adds a stage per active account, records each account's OU in ou, and removes stages an\n" +
				"earlier import added whose accounts are suspended, closed or gone. Stage names and hand-set\n" +
				"keys of stages already in the layout are kept. See docs/import.md.",
			Flags: append([]cli.Flag{
				&cli.StringFlag{Name: "profile", Aliases: []string{"p"}, Usage: "profile (or stage) with organizations:List*/Describe* rights, usually the management account's"},
				layoutFlag(),
				&cli.StringFlag{Name: "ou", Usage: "only accounts under this OU path, e.g. workloads/prod"},
				&cli.StringSliceFlag{Name: "exclude", Usage: "account ID, account name or stage name to leave alone (repeatable)"},
				&cli.StringSliceFlag{Name: "strip-prefix", Usage: "prefix to strip from account names besides the namespace (repeatable)"},
				&cli.StringFlag{Name: "namespace", Usage: "namespace of a new layout"},
				&cli.StringFlag{Name: "region", Usage: "default region of a new layout"},
				&cli.StringFlag{Name: "mfa-serial", Usage: "mfa_serial of a new layout, {user} for the user name (default: the --profile's MFA device, its name made {user})"},
				&cli.BoolFlag{Name: "dry-run", Usage: "print the unified diff of the layout and write nothing"},
			}, sessionFlags()...),
			Action: func(c *cli.Context) error {
				if err := noArgs(c); err != nil {
					return err
				}
				if c.String("profile") == "" {
					return usagef("name the management account's profile: acct import organizations --profile <profile>")
				}
				return runImport(c, sys)
			},
		}},
	}
}

func runImport(c *cli.Context, sys *system) error {
	path, err := sys.importLayoutPath(c.String("layout"))
	if err != nil {
		return err
	}
	old, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		old = nil
	} else if err != nil {
		return fault.Wrap(fault.BadInput, fmt.Errorf("layout %s: %v", path, err))
	}
	// A bad layout is reported before anyone types an MFA code.
	if old != nil {
		if _, err := profiles.Parse(path, old); err != nil {
			return fault.Wrap(fault.BadInput, err)
		}
	} else if c.String("namespace") == "" {
		return usagef("%s does not exist; pass --namespace to create it (e.g. --namespace cpco)", path)
	}
	t, err := sys.resolveTarget(c.String("profile"))
	if err != nil {
		return err
	}
	p, _, err := sys.credentials(c.Context, t.Chain, sessionInputFrom(c))
	if err != nil {
		return err
	}
	client, err := orgs.NewClient(awsconfig.FromEnv(sys.Getenv), p, t.Chain.Region, t.Chain.EndpointURL)
	if err != nil {
		return err
	}
	org, err := orgs.Walk(c.Context, client)
	if err != nil {
		return err
	}
	mfa := c.String("mfa-serial")
	if old == nil && mfa == "" {
		mfa = importMFASerial(sys, t.Chain.MFASerial, t.Chain.Profile)
	}
	res, err := orgs.Merge(path, old, org, orgs.Options{
		Namespace: c.String("namespace"), Region: c.String("region"), OU: c.String("ou"), MFASerial: mfa,
		Exclude: c.StringSlice("exclude"), StripPrefixes: c.StringSlice("strip-prefix"),
	})
	if err != nil {
		return fault.Wrap(fault.BadInput, err)
	}
	for _, n := range res.Notices {
		fmt.Fprintf(sys.Console.Err, "acct: %s\n", n)
	}
	if !res.Changed {
		fmt.Fprintf(sys.Console.Out, "%s: no change (%d accounts in %s)\n", path, len(org.Accounts), org.ID)
		return nil
	}
	if c.Bool("dry-run") {
		fmt.Fprint(sys.Console.Out, orgs.Diff(path, old, res.Data))
		return nil
	}
	if err := orgs.Write(path, res.Data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	for _, ch := range res.Changes {
		fmt.Fprintf(sys.Console.Out, "  %s\n", ch)
	}
	fmt.Fprintf(sys.Console.Out, "%s: %d changes from %s (%d accounts); run acct generate to update the profiles\n", path, len(res.Changes), org.ID, len(org.Accounts))
	return nil
}

// importMFASerial is the mfa_serial of a new layout when --mfa-serial is not given: the importing
// profile's MFA device with its name made {user}, said in a notice so it can be checked; none,
// with a notice, when that profile has no MFA device.
func importMFASerial(sys *system, serial, profile string) string {
	if serial == "" {
		fmt.Fprintf(sys.Console.Err, "acct: the new layout has no mfa_serial (profile %s has none); add one, e.g. mfa_serial: arn:aws:iam::ACCOUNT:mfa/{user}, or import again with --mfa-serial\n", profile)
		return ""
	}
	tmpl, user, ok := orgs.MFASerialTemplate(serial)
	if !ok {
		fmt.Fprintf(sys.Console.Err, "acct: mfa_serial %s is profile %s's own device; every user of the layout needs theirs: edit mfa_serial (it may contain {user})\n", serial, profile)
		return serial
	}
	fmt.Fprintf(sys.Console.Err, "acct: mfa_serial %s, from profile %s's device %s: each user's device is taken to be named after them (acct generate --user %s)\n", tmpl, profile, serial, user)
	return tmpl
}

// importLayoutPath is the layout to merge into: --layout (which may not exist yet), else the
// layout acct would find, else acct.yaml here.
func (sys *system) importLayoutPath(flag string) (string, error) {
	if flag != "" {
		return filepath.Abs(flag)
	}
	if p, err := sys.findLayout(""); err == nil {
		return p, nil
	}
	return filepath.Abs("acct.yaml")
}
