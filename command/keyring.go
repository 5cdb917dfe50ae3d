package command

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/99designs/keyring"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/session"
)

// keyringConfig is the keyring the environment picks. Without ACCT_FILE_PASSPHRASE the file
// backend's passphrase is asked on the terminal, once per run.
func (sys *system) keyringConfig() session.KeyringConfig {
	cfg := session.KeyringConfigFromEnv(sys.Getenv)
	if cfg.FilePassphrase == nil {
		cfg.FilePassphrase = func(prompt string) (string, error) {
			if sys.passphrase != "" {
				return sys.passphrase, nil
			}
			if !sys.Console.Interactive() {
				return "", badInputf("the file keyring needs a passphrase; set ACCT_FILE_PASSPHRASE or run acct on a terminal")
			}
			p, err := sys.prompter.Password(prompt)
			sys.passphrase = p
			return p, err
		}
	}
	return cfg
}

// openKeyring opens the keyring and, with --debug, says which backend it is and how long opening took.
func (sys *system) openKeyring() (keyring.Keyring, error) {
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
	if session.KeyringConfigFromEnv(sys.Getenv).Backend == "file" {
		// An empty file keyring asks nothing until the first write: ask now.
		if _, err := sys.keyringConfig().FilePassphrase("Passphrase of acct's file keyring"); err != nil {
			return nil, err
		}
	}
	return kr, session.CheckKeyring(kr)
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
