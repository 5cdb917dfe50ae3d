package command

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/internal/atomicfile"
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
		cf    *credentialsFile
	)
	if c.Bool("from-credentials") {
		if cf, err = readCredentialsFile(profiles.CredentialsPath(sys.Getenv)); err != nil {
			return err
		}
		if creds, err = cf.keys(section); err != nil {
			return err
		}
		from = fmt.Sprintf("[%s] of %s", section, cf.path)
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
		if remove, err = sys.prompter.Confirm(fmt.Sprintf("Delete the plain-text copy, [%s] in %s?", section, cf.path), false); err != nil {
			return err
		}
	}
	if !remove {
		fmt.Fprintf(sys.Console.Err, "acct: the key is still in plain text in [%s] of %s; remove it with acct add %s --from-credentials --delete-plaintext\n", section, cf.path, profile)
		return nil
	}
	if err := cf.removeSection(section); err != nil {
		return err
	}
	fmt.Fprintf(sys.Console.Out, "removed [%s] from %s; everything else in it is unchanged\n", section, cf.path)
	return nil
}

// home is $HOME, else the OS's idea of it.
func (sys *system) home() string {
	if h := sys.Getenv("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

func expandHome(p, home string) string {
	if home != "" && (p == "~" || strings.HasPrefix(p, "~/")) {
		return filepath.Join(home, p[1:])
	}
	return p
}

// credentialsFile is ~/.aws/credentials as text: like acct's block in ~/.aws/config, it is changed
// by cutting lines, never by re-serialising, so comments, spacing and other sections stay byte for
// byte.
type credentialsFile struct {
	path  string
	mode  os.FileMode
	lines []string // each with its line ending
}

var sectionRE = regexp.MustCompile(`^\s*\[\s*([^\]]*?)\s*\]\s*([;#].*)?$`)

func readCredentialsFile(path string) (*credentialsFile, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, usagef("%s does not exist; nothing to import (AWS_SHARED_CREDENTIALS_FILE names another file)", path)
	}
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	cf := &credentialsFile{path: path, mode: st.Mode().Perm()}
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			cf.lines = append(cf.lines, string(data))
			break
		}
		cf.lines = append(cf.lines, string(data[:i+1]))
		data = data[i+1:]
	}
	return cf, nil
}

// sectionName returns the name of the section line i opens, if it opens one.
func (cf *credentialsFile) sectionName(i int) (string, bool) {
	m := sectionRE.FindStringSubmatch(strings.TrimRight(cf.lines[i], "\r\n"))
	if m == nil {
		return "", false
	}
	return strings.TrimSpace(strings.TrimPrefix(m[1], "profile ")), true
}

// spans lists each [start, end) line range of section name: its header and key lines, without the
// comments and blank lines that precede the next section (they usually describe that one).
func (cf *credentialsFile) spans(name string) [][2]int {
	var out [][2]int
	for i := 0; i < len(cf.lines); i++ {
		if n, ok := cf.sectionName(i); !ok || n != name {
			continue
		}
		end := i + 1
		for j := i + 1; j < len(cf.lines); j++ {
			if _, ok := cf.sectionName(j); ok {
				break
			}
			t := strings.TrimSpace(cf.lines[j])
			if t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, ";") {
				end = j + 1
			}
		}
		out = append(out, [2]int{i, end})
		i = end - 1
	}
	return out
}

func (cf *credentialsFile) sections() []string {
	var names []string
	for i := range cf.lines {
		if n, ok := cf.sectionName(i); ok {
			names = append(names, n)
		}
	}
	return names
}

// keys reads the key of section name (later lines win, as in the AWS CLI).
func (cf *credentialsFile) keys(name string) (aws.Credentials, error) {
	spans := cf.spans(name)
	if len(spans) == 0 {
		return aws.Credentials{}, usagef("%s has no [%s] section (it has: %s); name one with --section", cf.path, name, strings.Join(cf.sections(), ", "))
	}
	var c aws.Credentials
	for _, sp := range spans {
		for _, l := range cf.lines[sp[0]+1 : sp[1]] {
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				continue
			}
			v = strings.TrimSpace(v)
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "aws_access_key_id":
				c.AccessKeyID = v
			case "aws_secret_access_key":
				c.SecretAccessKey = v
			case "aws_session_token":
				c.SessionToken = v
			}
		}
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return aws.Credentials{}, usagef("[%s] in %s has no aws_access_key_id and aws_secret_access_key", name, cf.path)
	}
	return c, nil
}

// removeSection cuts every [name] section out and writes the file back atomically with its mode.
// One blank line after a removed section goes too when the line before it is blank as well, so no
// gap of two blank lines is left behind.
func (cf *credentialsFile) removeSection(name string) error {
	spans := cf.spans(name)
	if len(spans) == 0 {
		return nil
	}
	drop := map[int]bool{}
	for _, sp := range spans {
		for i := sp[0]; i < sp[1]; i++ {
			drop[i] = true
		}
		blankBefore := sp[0] == 0 || strings.TrimSpace(cf.lines[sp[0]-1]) == ""
		if blankBefore && sp[1] < len(cf.lines) && strings.TrimSpace(cf.lines[sp[1]]) == "" {
			drop[sp[1]] = true
		}
	}
	var b strings.Builder
	for i, l := range cf.lines {
		if !drop[i] {
			b.WriteString(l)
		}
	}
	mode := cf.mode
	if mode == 0 {
		mode = 0o600
	}
	if err := atomicfile.Write(cf.path, []byte(b.String()), mode); err != nil {
		return fmt.Errorf("rewrite %s: %w", cf.path, err)
	}
	return nil
}

// awsVaultKeys reads name's keys from aws-vault's file keyring in AWS_VAULT_FILE_DIR, else
// ~/.awsvault/keys, unlocked with AWS_VAULT_FILE_PASSPHRASE or a prompt.
func (sys *system) awsVaultKeys(name string) (aws.Credentials, error) {
	dir := sys.Getenv("AWS_VAULT_FILE_DIR")
	if dir == "" {
		dir = filepath.Join(sys.home(), ".awsvault", "keys")
	}
	dir = expandHome(dir, sys.Getenv("HOME"))
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
