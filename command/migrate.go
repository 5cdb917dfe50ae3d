package command

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/session"
)

// importFlags are acct add's ways to take keys a user already has (docs/migration.md).
func importFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "from-credentials", Usage: "import the key from a section of ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE), then offer to delete that plain-text copy"},
		&cli.BoolFlag{Name: "from-aws-vault", Usage: "import the key from aws-vault's encrypted file keyring (~/.awsvault/keys, AWS_VAULT_FILE_PASSPHRASE)"},
		&cli.StringFlag{Name: "section", Usage: "the credentials section or aws-vault profile to import (default: the source profile's name)"},
		&cli.BoolFlag{Name: "delete-plaintext", Usage: "with --from-credentials: remove the section from ~/.aws/credentials without asking"},
	}
}

// importRequested reports whether acct add was asked to import keys rather than read them.
func importRequested(c *cli.Context) bool {
	return c.Bool("from-credentials") || c.Bool("from-aws-vault")
}

// importKeys is acct add --from-credentials / --from-aws-vault: it reads profile's keys from where
// they are, stores them in acct's keyring exactly as acct add does, and then deals with the old
// copy: a ~/.aws/credentials section is removed with --delete-plaintext, after a yes on a terminal,
// or left alone with a line saying how to remove it. aws-vault's keyring is encrypted and is never
// changed (aws-vault remove does that).
func (sys *system) importKeys(c *cli.Context, profile string) error {
	if c.Bool("from-credentials") && c.Bool("from-aws-vault") {
		return usagef("give --from-credentials or --from-aws-vault, not both")
	}
	if c.Bool("delete-plaintext") && !c.Bool("from-credentials") {
		return usagef("--delete-plaintext goes with --from-credentials (aws-vault's keyring is not plain text)")
	}
	if c.Bool("env") {
		return usagef("--env and --from-%s both say where the key is; give one", map[bool]string{true: "credentials", false: "aws-vault"}[c.Bool("from-credentials")])
	}
	section := c.String("section")
	if section == "" {
		section = profile
	}
	var (
		creds aws.Credentials
		from  string
		err   error
		cf    *profiles.INIFile
	)
	if c.Bool("from-credentials") {
		if cf, err = readCredentialsFile(sys.credentialsPath()); err != nil {
			return err
		}
		if creds, err = credentialsKeys(cf, section); err != nil {
			return err
		}
		from = fmt.Sprintf("[%s] of %s", section, cf.Path)
	} else {
		if creds, err = sys.awsVaultKeys(section); err != nil {
			return err
		}
		from = fmt.Sprintf("aws-vault's %s", section)
	}

	kr, err := sys.openKeyring()
	if err != nil {
		return err
	}
	if err := (session.Store{Keyring: kr}).SetKeys(profile, creds); err != nil {
		return fault.Wrap(fault.BadInput, err)
	}
	if err := session.Clear(kr, profile); err != nil {
		return err
	}
	fmt.Fprintf(sys.Console.Out, "stored keys %s for %s in the keyring (from %s)\n", redactKeyID(creds.AccessKeyID), profile, from)
	if cf == nil {
		fmt.Fprintf(sys.Console.Out, "aws-vault still has them; once acct works for you: aws-vault remove %s\n", section)
		return nil
	}

	remove := c.Bool("delete-plaintext")
	if !remove && sys.Console.Interactive() {
		var err error
		if remove, err = sys.prompter.Confirm(fmt.Sprintf("Delete the plain-text copy, [%s] in %s?", section, cf.Path), false); err != nil {
			return err
		}
	}
	if !remove {
		fmt.Fprintf(sys.Console.Err, "acct: the key is still in plain text in [%s] of %s; remove it with acct add %s --from-credentials --delete-plaintext\n", section, cf.Path, profile)
		return nil
	}
	if cf.Remove(section) {
		if err := cf.Write(); err != nil {
			return err
		}
	}
	fmt.Fprintf(sys.Console.Out, "removed [%s] from %s; everything else in it is unchanged\n", section, cf.Path)
	return nil
}

// credentialsPath is where the AWS CLI finds the shared credentials file.
func (sys *system) credentialsPath() string { return profiles.CredentialsPath(sys.Getenv) }

// readCredentialsFile reads ~/.aws/credentials; a missing one has nothing to import.
func readCredentialsFile(path string) (*profiles.INIFile, error) {
	cf, err := profiles.ReadINI(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, usagef("%s does not exist; nothing to import (AWS_SHARED_CREDENTIALS_FILE names another file)", path)
	}
	return cf, err
}

// credentialsKeys reads the key of section name (later lines win, as in the AWS CLI).
func credentialsKeys(cf *profiles.INIFile, name string) (aws.Credentials, error) {
	keys, ok := cf.Section(name)
	if !ok {
		return aws.Credentials{}, usagef("%s has no [%s] section (it has: %s); name one with --section", cf.Path, name, strings.Join(cf.Sections(), ", "))
	}
	var c aws.Credentials
	for _, k := range keys {
		switch k.Name {
		case "aws_access_key_id":
			c.AccessKeyID = k.Value
		case "aws_secret_access_key":
			c.SecretAccessKey = k.Value
		case "aws_session_token":
			c.SessionToken = k.Value
		}
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return aws.Credentials{}, usagef("[%s] in %s has no aws_access_key_id and aws_secret_access_key", name, cf.Path)
	}
	return c, nil
}

// awsVaultKeys reads name's keys from aws-vault's file keyring in AWS_VAULT_FILE_DIR, else
// ~/.awsvault/keys, unlocked with AWS_VAULT_FILE_PASSPHRASE or a prompt.
func (sys *system) awsVaultKeys(name string) (aws.Credentials, error) {
	dir := sys.Getenv("AWS_VAULT_FILE_DIR")
	if dir == "" {
		dir = filepath.Join(sys.home(), ".awsvault", "keys")
	}
	dir = profiles.ExpandHome(dir, sys.Getenv("HOME"))
	hint := ""
	if sys.Getenv("AWS_VAULT_FILE_PASSPHRASE") != "" {
		hint = "check AWS_VAULT_FILE_PASSPHRASE"
	}
	passphrase := func(string) (string, error) {
		if p := sys.Getenv("AWS_VAULT_FILE_PASSPHRASE"); p != "" {
			return p, nil
		}
		if !sys.Console.Interactive() {
			return "", usagef("aws-vault's file keyring needs its passphrase; set AWS_VAULT_FILE_PASSPHRASE")
		}
		return sys.prompter.Password("aws-vault file keyring passphrase")
	}
	sys.debugf("reading aws-vault's file keyring in %s", dir)
	stop := sys.spin("reading aws-vault's keyring")
	defer stop()
	return session.AWSVaultKeys(dir, name, passphrase, hint)
}

// home is $HOME, else the OS's idea of it.
func (sys *system) home() string {
	if h := sys.Getenv("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}
