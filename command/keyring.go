package command

import (
	"errors"
	"time"

	"github.com/99designs/keyring"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/session"
)

// keyringConfig is the keyring the environment picks, asking for the file passphrase on a terminal.
func (sys *system) keyringConfig() session.KeyringConfig {
	cfg := session.KeyringConfigFromEnv(sys.Getenv)
	if cfg.FilePassphrase == nil {
		cfg.FilePassphrase = func(prompt string) (string, error) {
			if !sys.Console.Interactive() {
				return "", fault.New(fault.BadInput, "the file keyring needs a passphrase; set ACCT_FILE_PASSPHRASE or run acct on a terminal")
			}
			return sys.prompter.Password(prompt)
		}
	}
	return cfg
}

// openKeyring opens the keyring and, with --debug, says which backend it is and how long opening took.
func (sys *system) openKeyring() (keyring.Keyring, error) {
	start := time.Now()
	kr, err := sys.OpenKeyring(sys.keyringConfig())
	took := time.Since(start).Round(time.Millisecond)
	switch k, ok := kr.(*session.Keyring); {
	case err != nil:
		sys.debugf("keyring open failed after %s", took)
	case ok:
		sys.debugf("keyring backend %s opened in %s", k.Backend(), took)
	default:
		sys.debugf("keyring opened in %s", took)
	}
	if errors.Is(err, session.ErrUnknownBackend) {
		return nil, fault.Wrap(fault.BadInput, err)
	}
	return kr, fault.Wrap(fault.Unavailable, err)
}
