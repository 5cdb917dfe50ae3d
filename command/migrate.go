package command

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/99designs/keyring"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/session"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/urfave/cli/v2"
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
func (sys IO) importKeys(c *cli.Context, profile string) error {
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
		return badInput(err)
	}
	if err := session.Clear(kr, profile); err != nil {
		return err
	}
	fmt.Fprintf(sys.Stdout, "stored keys %s for %s in the keyring (from %s)\n", redactKeyID(creds.AccessKeyID), profile, from)
	if cf == nil {
		fmt.Fprintf(sys.Stdout, "aws-vault still has them; once acct works for you: aws-vault remove %s\n", section)
		return nil
	}

	remove := c.Bool("delete-plaintext")
	if !remove && sys.interactive() {
		answer, err := sys.prompt(fmt.Sprintf("Delete the plain-text copy, [%s] in %s? [y/N]", section, cf.Path), false, nil)
		if err != nil {
			return err
		}
		remove = strings.EqualFold(answer, "y") || strings.EqualFold(answer, "yes")
	}
	if !remove {
		fmt.Fprintf(sys.Stderr, "acct: the key is still in plain text in [%s] of %s; remove it with acct add %s --from-credentials --delete-plaintext\n", section, cf.Path, profile)
		return nil
	}
	if cf.Remove(section) {
		if err := cf.Write(); err != nil {
			return err
		}
	}
	fmt.Fprintf(sys.Stdout, "removed [%s] from %s; everything else in it is unchanged\n", section, cf.Path)
	return nil
}

// credentialsPath is where the AWS CLI finds the shared credentials file.
func (sys IO) credentialsPath() string { return profiles.CredentialsPath(sys.getenv) }

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

// awsVaultKeys reads profile's keys from aws-vault's encrypted file keyring: service "aws-vault",
// one item per profile whose key is the profile name and whose data is the JSON of the AWS SDK's
// credentials value ({"AccessKeyID", "SecretAccessKey", "SessionToken", ...}), in
// AWS_VAULT_FILE_DIR, else ~/.awsvault/keys, unlocked with AWS_VAULT_FILE_PASSPHRASE or a prompt.
// aws-vault's other backends (Keychain, Secret Service, ...) are read by aws-vault itself:
// aws-vault exec --no-session NAME -- acct add NAME --env.
func (sys IO) awsVaultKeys(name string) (aws.Credentials, error) {
	dir := sys.getenv("AWS_VAULT_FILE_DIR")
	if dir == "" {
		home := sys.getenv("HOME")
		if home == "" {
			home, _ = os.UserHomeDir()
		}
		dir = filepath.Join(home, ".awsvault", "keys")
	}
	dir = profiles.ExpandHome(dir, sys.getenv("HOME"))
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return aws.Credentials{}, usagef("no aws-vault file keyring in %s; for aws-vault's other backends run: aws-vault exec --no-session %s -- acct add %s --env", dir, name, name)
	}
	kr, err := keyring.Open(keyring.Config{
		ServiceName:     "aws-vault",
		AllowedBackends: []keyring.BackendType{keyring.FileBackend},
		FileDir:         dir,
		FilePasswordFunc: func(prompt string) (string, error) {
			if p := sys.getenv("AWS_VAULT_FILE_PASSPHRASE"); p != "" {
				return p, nil
			}
			if !sys.interactive() {
				return "", usagef("aws-vault's file keyring needs its passphrase; set AWS_VAULT_FILE_PASSPHRASE")
			}
			return sys.prompt("aws-vault file keyring passphrase", true, nil)
		},
	})
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("open aws-vault's keyring in %s: %w", dir, err)
	}
	sys.debugf("aws-vault file keyring opened in %s", dir)
	stop := sys.spin("reading aws-vault's keyring")
	it, err := kr.Get(name)
	stop()
	switch {
	case errors.Is(err, keyring.ErrKeyNotFound):
		keys, _ := kr.Keys()
		var profiles []string
		for _, k := range keys {
			if !strings.Contains(k, ",") && !strings.HasPrefix(k, "oidc:") { // sessions and SSO tokens
				profiles = append(profiles, k)
			}
		}
		return aws.Credentials{}, usagef("aws-vault has no keys named %s (it has: %s); name one with --section", name, strings.Join(profiles, ", "))
	case err != nil:
		// A wrong passphrase surfaces from the JWE decryption; say it plainly, quoting nothing.
		if strings.Contains(err.Error(), "aes") || strings.Contains(err.Error(), "decrypt") || strings.Contains(err.Error(), "jose") {
			return aws.Credentials{}, usagef("could not decrypt aws-vault's keyring in %s: wrong AWS_VAULT_FILE_PASSPHRASE?", dir)
		}
		return aws.Credentials{}, fmt.Errorf("read %s from aws-vault's keyring: %w", name, err)
	}
	var v struct{ AccessKeyID, SecretAccessKey, SessionToken string }
	if err := json.Unmarshal(it.Data, &v); err != nil || v.AccessKeyID == "" || v.SecretAccessKey == "" {
		return aws.Credentials{}, usagef("aws-vault's item %s is not an access key (unexpected format)", name)
	}
	return aws.Credentials{AccessKeyID: v.AccessKeyID, SecretAccessKey: v.SecretAccessKey, SessionToken: v.SessionToken}, nil
}
