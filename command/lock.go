package command

import (
	"fmt"

	"github.com/acct-cli/acct/session"
	"github.com/urfave/cli/v2"
)

func lockCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "lock",
		Usage:     "forget the file keyring's passphrase now (it is kept for ACCT_PASSPHRASE_TTL)",
		UsageText: "acct lock",
		Description: "With ACCT_KEYRING_BACKEND=file, a typed passphrase is kept in the Linux kernel keyring for\n" +
			"ACCT_PASSPHRASE_TTL (default 8h) so it is asked once a working day. acct lock drops it: the\n" +
			"next command asks again. Cached sessions stay in the (encrypted) keyring.",
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("acct lock takes no arguments")
			}
			cfg := session.KeyringConfigFromEnv(sys.Getenv)
			if err := session.ForgetPassphrase(cfg.FileDir); err != nil {
				return fmt.Errorf("forget the file keyring passphrase: %w", err)
			}
			fmt.Fprintln(sys.Console.Err, "acct: the file keyring passphrase is forgotten; the next command asks for it")
			return nil
		},
	}
}
