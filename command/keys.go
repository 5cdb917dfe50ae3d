package command

import (
	"errors"
	"fmt"
	"strings"

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
			name, err := sourceArg(c, "name the source profile whose keys these are: acct add <source-profile>")
			if err != nil {
				return err
			}
			if err := sys.roleProfileKeys(name, "add"); err != nil {
				return err
			}
			if importRequested(c) { // --from-credentials, --from-aws-vault: migrate.go
				return sys.importKeys(c, name)
			}
			var creds aws.Credentials
			if c.Bool("env") {
				creds.AccessKeyID, creds.SecretAccessKey = sys.Getenv("AWS_ACCESS_KEY_ID"), sys.Getenv("AWS_SECRET_ACCESS_KEY")
				if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
					return usagef("--env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set")
				}
			} else if !sys.Console.Interactive() {
				return usagef("no terminal to ask for the key; pass --env with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set")
			}
			// A keyring that cannot work (or a wrong passphrase) is said before the secrets are typed.
			kr, err := sys.unlockKeyring()
			if err != nil {
				return err
			}
			if !c.Bool("env") {
				if creds.AccessKeyID, err = sys.prompter.Input("Access key ID", "", nil); err != nil {
					return err
				}
				if creds.SecretAccessKey, err = sys.prompter.Password("Secret access key"); err != nil {
					return err
				}
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
		Usage:     "delete a source profile's keys, and the sessions and role credentials made from them, from the keyring",
		UsageText: "acct remove <source-profile>",
		Action: func(c *cli.Context) error {
			name, err := sourceArg(c, "name the source profile: acct remove <source-profile>")
			if err != nil {
				return err
			}
			kr, err := sys.openKeyring()
			if err != nil {
				return err
			}
			err = (session.Store{Keyring: kr}).RemoveKeys(name)
			if errors.Is(err, session.ErrNoKeys) {
				return sys.noKeysToRemove(name)
			}
			if err != nil {
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

// noKeysToRemove says why name has no keys: a role profile's are its source's, which acct remove
// takes instead; else there is simply nothing to remove.
func (sys *system) noKeysToRemove(name string) error {
	if err := sys.roleProfileKeys(name, "remove"); err != nil {
		return err
	}
	return badInputf("no keys stored for %s; nothing to remove (acct list shows which profiles have keys)", name)
}

// roleProfileKeys refuses name when it is a role profile: keys stored, rotated or removed under
// it would be used by nothing, since its keys are its source profile's, whose name acct verb takes.
func (sys *system) roleProfileKeys(name, verb string) error {
	cfg, err := sys.readConfig()
	if err != nil {
		return nil // a config acct cannot read is for the command's own checks to report
	}
	if ch, err := cfg.Resolve(name); err == nil && ch.Source != "" && ch.Source != name {
		return badInputf("%s is a role profile; its keys are those of its source profile: acct %s %s", name, verb, ch.Source)
	}
	return nil
}

func clearCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "clear",
		Usage:     "drop cached role credentials and MFA sessions (all, or one profile's); keys stay",
		UsageText: "acct clear [profile|stage] [--session]",
		Description: "With a name, drops what that profile's credentials left in the keyring: its role credentials,\n" +
			"and with --session the MFA session of its source profile too (which every profile of that source\n" +
			"shares). Without a name, every cached credential and SSO sign-in.",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "session", Usage: "also drop the MFA session of the profile's source, so the next command asks for a code"},
		},
		BashComplete: completeTargets(sys),
		Action: func(c *cli.Context) error {
			name, err := nameArg(c)
			if err != nil {
				return err
			}
			if name == "" {
				return sys.clearAll()
			}
			return sys.clearChain(name, c.Bool("session"))
		},
	}
}

func (sys *system) clearAll() error {
	kr, err := sys.openKeyring()
	if err != nil {
		return err
	}
	if err := session.Clear(kr, ""); err != nil {
		return err
	}
	fmt.Fprintln(sys.Console.Out, "cleared the cached credentials of every profile")
	return nil
}

// clearChain drops what name's chain cached; the name must be a profile or stage (a script gets
// the candidates, a person the picker), so nothing is cleared for a typo.
func (sys *system) clearChain(name string, mfaSession bool) error {
	cfg, err := sys.readConfig()
	if err != nil {
		return err
	}
	profile, _, err := sys.chooseProfile(cfg, name, sys.currentLayout())
	if err != nil {
		return err
	}
	chain, err := cfg.Resolve(profile)
	if err != nil {
		return fault.Wrap(fault.BadInput, err)
	}
	kr, err := sys.openKeyring()
	if err != nil {
		return err
	}
	removed, err := session.Forget(kr, session.ChainItems(chain, mfaSession))
	if err != nil {
		return err
	}
	if len(removed) == 0 {
		fmt.Fprintf(sys.Console.Out, "nothing cached for %s\n", profile)
		return nil
	}
	fmt.Fprintf(sys.Console.Out, "cleared %s from the keyring\n", strings.Join(removed, ", "))
	return nil
}
