package command

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/session"
)

func rotateCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "rotate",
		Usage:     "replace a source profile's IAM access key with a new one",
		UsageText: "acct rotate <source-profile>",
		Description: "Creates a new access key with the stored one (IAM CreateAccessKey), stores it, checks it\n" +
			"with STS GetCallerIdentity, deletes the old key with the new one and drops cached sessions.\n" +
			"On any failure the keyring keeps a key that works and the message says where each key is.",
		Action: func(c *cli.Context) error {
			name, err := nameArg(c)
			if err != nil {
				return err
			}
			if name == "" {
				return usagef("name the source profile whose key to rotate: acct rotate <source-profile>")
			}
			kr, err := sys.openKeyring()
			if err != nil {
				return err
			}
			res, err := session.Rotate(c.Context, kr, name, session.RotateOptions{Env: awsconfig.FromEnv(sys.Getenv), Debug: sys.debugWriter(c.Bool("debug"))})
			if err != nil {
				return err
			}
			fmt.Fprintf(sys.Console.Out, "rotated the key of %s (%s): %s → %s; the old key is deleted\n", name, res.User, redactKeyID(res.Old), redactKeyID(res.New))
			return nil
		},
	}
}
