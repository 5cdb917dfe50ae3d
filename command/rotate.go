package command

import (
	"fmt"
	"slices"

	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/session"
)

func rotateCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "rotate",
		Usage:     "replace a source profile's IAM access key with a new one",
		UsageText: "acct rotate [--mfa-token CODE] <source-profile>",
		Description: "Creates a new access key with the stored one (IAM CreateAccessKey), stores it, checks it\n" +
			"with STS GetCallerIdentity, deletes the old key with the new one and drops the sessions and role credentials made from the old key.\n" +
			"On any failure the keyring keeps a key that works and the message says where each key is.\n" +
			"When the source profile (or every profile using it) has mfa_serial, the IAM calls are signed\n" +
			"with an MFA session, for policies that demand MFA: one code is asked.",
		Flags: []cli.Flag{
			mfaTokenFlag(),
		},
		Action: func(c *cli.Context) error {
			name, err := sourceArg(c, "name the source profile whose key to rotate: acct rotate <source-profile>")
			if err != nil {
				return err
			}
			if err := sys.roleProfileKeys(name, "rotate"); err != nil {
				return err
			}
			kr, err := sys.openKeyring()
			if err != nil {
				return err
			}
			o := session.RotateOptions{Env: awsconfig.FromEnv(sys.Getenv), Debug: sys.debugWriter(c.Bool("debug")),
				MFAToken: c.String("mfa-token"), EnvMFAToken: sys.Getenv("ACCT_MFA_TOKEN"), MFA: terminalMFA{sys, name}}
			o.MFASerial, o.MFAProcess = rotateMFA(sys.configPath(), name)
			res, err := session.Rotate(c.Context, kr, name, o)
			if err != nil {
				return err
			}
			fmt.Fprintf(sys.Console.Out, "rotated the key of %s (%s): %s → %s; the old key is deleted\n", name, res.User, redactKeyID(res.Old), redactKeyID(res.New))
			return nil
		},
	}
}

// rotateMFA is the MFA device (and mfa_process) the IAM user of source signs in with: the source
// profile's own mfa_serial, else the one every profile built on source names (a generated
// layout puts mfa_serial on the role profiles, and the source may have no section at all). Two
// different devices, or none, mean no MFA.
func rotateMFA(configPath, source string) (serial, process string) {
	cfg, err := profiles.Read(configPath)
	if err != nil {
		return "", ""
	}
	if ch, err := cfg.Resolve(source); err == nil && ch.Source == source && len(ch.Roles) == 0 && ch.MFASerial != "" {
		return ch.MFASerial, ch.MFAProcess
	}
	var serials []string
	for _, n := range cfg.Names() {
		ch, err := cfg.Resolve(n)
		if err != nil || ch.Source != source || ch.MFASerial == "" {
			continue
		}
		if !slices.Contains(serials, ch.MFASerial) {
			serials = append(serials, ch.MFASerial)
			process = ch.MFAProcess
		}
	}
	if len(serials) != 1 {
		return "", ""
	}
	return serials[0], process
}
