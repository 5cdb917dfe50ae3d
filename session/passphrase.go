package session

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"time"
)

// DefaultPassphraseTTL is how long a typed file keyring passphrase is kept: a working day.
const DefaultPassphraseTTL = 8 * time.Hour

// errNoKernelKeyring is a system without the kernel key retention service (another OS, or a
// container whose seccomp profile refuses the keyctl calls).
var errNoKernelKeyring = errors.New("no kernel keyring here")

// passphraseCache keeps the file keyring's typed passphrase in the Linux kernel keyring (the
// user keyring, readable only by processes possessing it, with a kernel-enforced timeout) so a
// person types it once a working day, never in a file. A passphrase is kept only once it has
// opened an item (proven): a typo is never remembered.
type passphraseCache struct {
	name string // the kernel key's description, one per keyring directory
	ttl  time.Duration
	logf func(format string, args ...any)

	mu    sync.Mutex
	typed string // typed in this process, not yet proven
}

// passphraseKeyName is the kernel key of the file keyring in dir.
func passphraseKeyName(dir string) string {
	sum := sha256.Sum256([]byte(dir))
	return "acct:file-passphrase:" + hex.EncodeToString(sum[:8])
}

// newPassphraseCache is the cache for c, nil when c keeps nothing (TTL 0, another backend).
func newPassphraseCache(c KeyringConfig) *passphraseCache {
	if c.PassphraseTTL <= 0 || c.FilePassphrase == nil {
		return nil
	}
	logf := c.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &passphraseCache{name: passphraseKeyName(c.FileDir), ttl: c.PassphraseTTL, logf: logf}
}

// ask wraps the passphrase prompt: the kernel keyring's copy when there is one, else the prompt.
func (c *passphraseCache) ask(prompt func(string) (string, error)) func(string) (string, error) {
	if c == nil {
		return prompt
	}
	return func(text string) (string, error) {
		p, err := kernelKeyRead(c.name)
		switch {
		case err == nil:
			c.logf("file keyring passphrase: from the kernel keyring")
			return p, nil
		case errors.Is(err, errNoKernelKeyring):
			c.logf("file keyring passphrase: no kernel keyring here (%v); asking every time", err)
		default:
			c.logf("file keyring passphrase: not in the kernel keyring, asking")
		}
		p, err = prompt(text)
		if err == nil {
			c.mu.Lock()
			c.typed = p
			c.mu.Unlock()
		}
		return p, err
	}
}

// proven keeps a typed passphrase that has just opened the keyring.
func (c *passphraseCache) proven() {
	if c == nil {
		return
	}
	c.mu.Lock()
	p := c.typed
	c.typed = ""
	c.mu.Unlock()
	if p == "" {
		return
	}
	if err := kernelKeyAdd(c.name, p, c.ttl); err != nil {
		c.logf("file keyring passphrase: not kept (%v); it will be asked again", err)
		return
	}
	c.logf("file keyring passphrase: kept in the kernel keyring for %s", c.ttl)
}

// refused forgets the kept passphrase when the keyring refused it (it was changed meanwhile).
func (c *passphraseCache) refused() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.typed = ""
	c.mu.Unlock()
	_ = kernelKeyForget(c.name)
}

// AskPassphrase is the file keyring's passphrase as OpenKeyring would get it: the one kept in the
// kernel keyring, else FilePassphrase's; for asking before the first write to an empty keyring.
func (c KeyringConfig) AskPassphrase(prompt string) (string, error) {
	return passphraseFunc(newPassphraseCache(c).ask(c.FilePassphrase))(prompt)
}

// ForgetPassphrase removes the file keyring's passphrase for dir from the kernel keyring (acct
// lock); forgetting one that is not kept is no error.
func ForgetPassphrase(dir string) error {
	if err := kernelKeyForget(passphraseKeyName(dir)); err != nil && !errors.Is(err, errNoKernelKeyring) {
		return err
	}
	return nil
}
