package command

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/session"
)

func addCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "add",
		Usage:     "store an IAM user's access key in the OS keyring",
		UsageText: "acct add <source-profile> [--env]",
		Description: "The secret is read without echo on a terminal, or from AWS_ACCESS_KEY_ID and\n" +
			"AWS_SECRET_ACCESS_KEY with --env. Keys are never written to ~/.aws/credentials.",
		Flags: append([]cli.Flag{
			&cli.BoolFlag{Name: "env", Usage: "read the key from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"},
		}, importFlags()...), // migrate.go
		Action: func(c *cli.Context) error {
			name, err := nameArg(c)
			if err != nil {
				return err
			}
			if name == "" {
				return usagef("name the source profile whose keys these are: acct add <source-profile>")
			}
			if importRequested(c) { // --from-credentials, --from-aws-vault: migrate.go
				return sys.importKeys(c, name)
			}
			var creds aws.Credentials
			switch {
			case c.Bool("env"):
				creds.AccessKeyID, creds.SecretAccessKey = sys.Getenv("AWS_ACCESS_KEY_ID"), sys.Getenv("AWS_SECRET_ACCESS_KEY")
				if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
					return usagef("--env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set")
				}
			case sys.Console.Interactive():
				var err error
				if creds.AccessKeyID, err = sys.prompter.Input("Access key ID", "", nil); err != nil {
					return err
				}
				if creds.SecretAccessKey, err = sys.prompter.Password("Secret access key"); err != nil {
					return err
				}
			default:
				return usagef("no terminal to ask for the key; pass --env with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set")
			}
			kr, err := sys.openKeyring()
			if err != nil {
				return err
			}
			store := session.Store{Keyring: kr}
			if err := store.SetKeys(name, creds); err != nil {
				return fault.Wrap(fault.BadInput, err)
			}
			// New keys make every session made from the old ones stale.
			if err := session.Clear(kr, name); err != nil {
				return err
			}
			fmt.Fprintf(sys.Console.Out, "stored keys %s for %s in the keyring\n", redactKeyID(creds.AccessKeyID), name)
			return nil
		},
	}
}

// redactKeyID keeps enough of an access key ID to recognise it.
func redactKeyID(id string) string {
	if len(id) <= 8 {
		return "****"
	}
	return id[:4] + "…" + id[len(id)-4:]
}

func removeCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "remove",
		Usage:     "delete a source profile's keys and its sessions from the keyring",
		UsageText: "acct remove <source-profile>",
		Action: func(c *cli.Context) error {
			name, err := nameArg(c)
			if err != nil {
				return err
			}
			if name == "" {
				return usagef("name the source profile: acct remove <source-profile>")
			}
			kr, err := sys.openKeyring()
			if err != nil {
				return err
			}
			if err := (session.Store{Keyring: kr}).RemoveKeys(name); err != nil {
				return err
			}
			if err := session.Clear(kr, name); err != nil {
				return err
			}
			fmt.Fprintf(sys.Console.Out, "removed the keys and sessions of %s\n", name)
			return nil
		},
	}
}

func clearCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:         "clear",
		Usage:        "drop cached sessions and role credentials (all, or one profile's); keys stay",
		UsageText:    "acct clear [profile]",
		BashComplete: completeTargets(sys),
		Action: func(c *cli.Context) error {
			kr, err := sys.openKeyring()
			if err != nil {
				return err
			}
			name, err := nameArg(c)
			if err != nil {
				return err
			}
			if err := session.Clear(kr, name); err != nil {
				return err
			}
			if name == "" {
				name = "every profile"
			}
			fmt.Fprintf(sys.Console.Out, "cleared cached credentials of %s\n", name)
			return nil
		},
	}
}
