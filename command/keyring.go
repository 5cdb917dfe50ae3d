package command

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/99designs/keyring"

	"github.com/acct-cli/acct/internal/console"
	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/session"
)

// keyringConfig is the keyring the environment picks. Without ACCT_FILE_PASSPHRASE the file
// backend's passphrase is asked on the terminal, once per run.
func (sys *system) keyringConfig() session.KeyringConfig {
	cfg := session.KeyringConfigFromEnv(sys.Getenv)
	cfg.Logf = sys.debugf
	if cfg.FilePassphrase == nil {
		cfg.PassphraseTTL, _ = passphraseTTL(sys) // openKeyring refuses a bad value first
		cfg.FilePassphrase = func(prompt string) (string, error) {
			if sys.passphrase != "" {
				return sys.passphrase, nil
			}
			var p string
			var err error
			if sys.Console.Interactive() {
				p, err = sys.prompter.Password(prompt)
			} else if p, err = sys.Console.AskTTY(prompt, true); errors.Is(err, console.ErrNoTTY) {
				// credential_process under the AWS CLI has the person at the controlling terminal;
				// a script has nobody.
				return "", badInputf("the file keyring needs a passphrase; set ACCT_FILE_PASSPHRASE or run acct on a terminal")
			}
			sys.passphrase = p
			return p, err
		}
	}
	return cfg
}

// passphraseTTL is how long a typed file keyring passphrase is kept in the kernel keyring:
// ACCT_PASSPHRASE_TTL (a Go duration; 0 keeps nothing), else a working day.
func passphraseTTL(sys *system) (time.Duration, error) {
	v := sys.Getenv("ACCT_PASSPHRASE_TTL")
	if v == "" {
		return session.DefaultPassphraseTTL, nil
	}
	d, err := time.ParseDuration(v)
	if v == "0" {
		d, err = 0, nil
	}
	if err != nil || d < 0 {
		return session.DefaultPassphraseTTL, usagef("ACCT_PASSPHRASE_TTL=%s is not a duration such as 8h (0 keeps nothing)", v)
	}
	return d, nil
}

// openKeyring opens the keyring and, with --debug, says which backend it is and how long opening took.
func (sys *system) openKeyring() (keyring.Keyring, error) {
	if _, err := passphraseTTL(sys); err != nil {
		return nil, err
	}
	start := time.Now()
	kr, err := sys.OpenKeyring(sys.keyringConfig())
	took := time.Since(start).Round(time.Millisecond)
	switch err {
	case nil:
		sys.debugf("keyring backend %s opened in %s", backendName(kr), took)
	default:
		sys.debugf("keyring open failed after %s", took)
	}
	if errors.Is(err, session.ErrUnknownBackend) {
		return nil, fault.Wrap(fault.BadInput, err)
	}
	return kr, fault.Wrap(fault.Unavailable, err)
}

// unlockKeyring opens the keyring and reads from it, so that a backend that cannot work, or a
// wrong file passphrase, is found before the user types anything else.
func (sys *system) unlockKeyring() (keyring.Keyring, error) {
	kr, err := sys.openKeyring()
	if err != nil {
		return nil, err
	}
	if cfg := session.KeyringConfigFromEnv(sys.Getenv); cfg.Backend == "file" {
		if err := sys.newPassphrase(kr, cfg); err != nil {
			return nil, err
		}
		// An empty file keyring asks nothing until the first write: ask now.
		if _, err := sys.keyringConfig().AskPassphrase("Passphrase of acct's file keyring"); err != nil {
			return nil, err
		}
	}
	return kr, session.CheckKeyring(kr)
}

// newPassphrase asks twice for the passphrase of a file keyring that holds no item yet, at a
// terminal: the first item fixes it, and a typo would lock its owner out once the passphrase
// kept in the kernel keyring ends.
func (sys *system) newPassphrase(kr keyring.Keyring, cfg session.KeyringConfig) error {
	if cfg.FilePassphrase != nil || !sys.Console.Interactive() {
		return nil // from ACCT_FILE_PASSPHRASE, or nobody to ask twice
	}
	if keys, err := kr.Keys(); err != nil || len(keys) > 0 {
		return nil
	}
	p, err := sys.prompter.Password("New passphrase for acct's file keyring")
	if err != nil {
		return err
	}
	again, err := sys.prompter.Password("The same passphrase again")
	if err != nil {
		return err
	}
	if p != again {
		return badInputf("the two passphrases differ; nothing was stored, run the command again")
	}
	sys.passphrase = p
	return nil
}

func backendName(kr keyring.Keyring) string {
	if k, ok := kr.(*session.Keyring); ok {
		return k.Backend()
	}
	return fmt.Sprintf("%T", kr)
}

// keyringStatus says which keyring backend acct uses and whether it answers, without asking for
// anything (a file keyring is listed, not decrypted).
func (sys *system) keyringStatus() string {
	cfg := session.KeyringConfigFromEnv(sys.Getenv)
	chosen := "the OS keyring"
	if cfg.Backend != "" {
		chosen = cfg.Backend + " (ACCT_KEYRING_BACKEND)"
	}
	if cfg.FilePassphrase == nil {
		cfg.FilePassphrase = func(string) (string, error) { return "", errors.New("not asked") }
	}
	var avail []string
	for _, b := range keyring.AvailableBackends() {
		avail = append(avail, string(b))
	}
	kr, err := sys.OpenKeyring(cfg)
	if err == nil {
		_, err = kr.Keys()
	}
	if err != nil {
		return fmt.Sprintf("%s, not reachable: %s", chosen, strings.Join(strings.Fields(err.Error()), " "))
	}
	if cfg.Backend == "" {
		chosen = backendName(kr) + " (the OS keyring)"
	}
	return fmt.Sprintf("%s, reachable (available here: %s)", chosen, strings.Join(avail, ", "))
}
