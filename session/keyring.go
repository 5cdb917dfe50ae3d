// Package session holds long-lived AWS keys in the OS keyring, turns them into temporary
// credentials through STS (MFA once, then one AssumeRole per hop) and caches those credentials in
// the same keyring. It knows nothing of terminals or shells: MFA codes come through the MFA
// interface and errors are returned as one readable line for main to print.
package session

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/99designs/keyring"
	libsecret "github.com/gsterjov/go-libsecret"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/internal/nodbuslaunch"
)

// keyring's init has run by now (session imports it): drop the placeholder D-Bus address that
// kept it from autolaunching a bus, so no program acct starts inherits it.
func init() { nodbuslaunch.Restore() }

// ServiceName is the keyring service (Keychain service, KWallet folder, kernel keyring name) acct
// uses, so its items are easy to find and never mixed with another tool's.
const ServiceName = "acct"

// DefaultCollection is the Secret Service collection acct uses unless told otherwise. "login"
// exists and is unlocked on every desktop session; any other collection has to be created first,
// which needs a graphical prompt (SPEC §3).
const DefaultCollection = "login"

// KeyringConfig says which keyring backend to open and how.
type KeyringConfig struct {
	// Backend is one of the names keyring.AvailableBackends reports ("secret-service", "kwallet",
	// "keychain", "wincred", "pass", "file", "keyctl"); empty picks the OS keyring.
	Backend string
	// FileDir is where the encrypted file backend keeps its files.
	FileDir string
	// FilePassphrase returns the file backend's passphrase; prompt is the text to show.
	FilePassphrase func(prompt string) (string, error)
	// Collection is the Secret Service collection.
	Collection string
	// PassphraseHint ends the wrong-passphrase line: where the passphrase came from and what to
	// check ("check ACCT_FILE_PASSPHRASE"; empty for a typed one, which is simply typed again).
	PassphraseHint string
	// PassphraseTTL is how long a passphrase FilePassphrase gave is kept in the Linux kernel
	// keyring once it has opened the file keyring (0: never kept; DefaultPassphraseTTL is the
	// product's default). Only for a typed passphrase: leave it 0 for ACCT_FILE_PASSPHRASE.
	PassphraseTTL time.Duration
	// Logf gets --debug lines (never secrets); nil for none.
	Logf func(format string, args ...any)
}

// KeyringConfigFromEnv reads ACCT_KEYRING_BACKEND, ACCT_FILE_PASSPHRASE, ACCT_KEYRING_FILE_DIR and
// ACCT_SECRET_SERVICE_COLLECTION through getenv. The file keyring lives in
// $XDG_DATA_HOME/acct/keyring, else ~/.local/share/acct/keyring: it is data, not configuration,
// and must not sit next to ~/.aws where people copy files around. FilePassphrase is nil when
// ACCT_FILE_PASSPHRASE is unset: the command layer installs its terminal prompt there.
func KeyringConfigFromEnv(getenv func(string) string) KeyringConfig {
	c := KeyringConfig{
		Backend:    strings.TrimSpace(getenv("ACCT_KEYRING_BACKEND")),
		FileDir:    getenv("ACCT_KEYRING_FILE_DIR"),
		Collection: getenv("ACCT_SECRET_SERVICE_COLLECTION"),
	}
	if c.Collection == "" {
		c.Collection = DefaultCollection
	}
	if c.FileDir == "" {
		if x := getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
			c.FileDir = filepath.Join(x, "acct", "keyring")
		} else if h := getenv("HOME"); h != "" {
			c.FileDir = filepath.Join(h, ".local", "share", "acct", "keyring")
		} else {
			c.FileDir = "~/.local/share/acct/keyring"
		}
	}
	if p, ok := lookup(getenv, "ACCT_FILE_PASSPHRASE"); ok {
		c.FilePassphrase = func(string) (string, error) { return p, nil }
		c.PassphraseHint = "check ACCT_FILE_PASSPHRASE"
	}
	return c
}

func lookup(getenv func(string) string, name string) (string, bool) {
	v := getenv(name)
	return v, v != ""
}

// nativeBackends are tried, in this order, when no backend is named. keyctl (lost on reboot),
// pass (needs a GPG setup) and file (needs a passphrase) are only used when asked for by name, so
// acct never silently keeps keys somewhere the user did not expect.
var nativeBackends = []keyring.BackendType{
	keyring.WinCredBackend, keyring.KeychainBackend, keyring.SecretServiceBackend, keyring.KWalletBackend,
}

// allBackends is every backend name 99designs/keyring knows, available here or not, so an
// unavailable one gets "not available here" rather than "unknown".
var allBackends = []keyring.BackendType{
	keyring.SecretServiceBackend, keyring.KWalletBackend, keyring.KeychainBackend, keyring.WinCredBackend,
	keyring.PassBackend, keyring.FileBackend, keyring.KeyCtlBackend,
}

// OpenKeyring opens the backend c names (or the OS keyring) and returns a keyring whose errors are
// one line saying what to do. Nothing in c.FilePassphrase's result ever reaches an error.
func OpenKeyring(c KeyringConfig) (keyring.Keyring, error) {
	available := keyring.AvailableBackends()
	cfg := keyring.Config{
		ServiceName:              ServiceName,
		LibSecretCollectionName:  c.Collection,
		FileDir:                  c.FileDir,
		KeychainTrustApplication: true,
		KWalletAppID:             ServiceName,
		KWalletFolder:            ServiceName,
		KeyCtlScope:              "user",
		PassPrefix:               ServiceName,
		WinCredPrefix:            ServiceName,
	}
	if cfg.LibSecretCollectionName == "" {
		cfg.LibSecretCollectionName = DefaultCollection
	}
	var pc *passphraseCache
	if c.Backend == string(keyring.FileBackend) {
		pc = newPassphraseCache(c)
	}
	cfg.FilePasswordFunc = passphraseFunc(pc.ask(c.FilePassphrase))

	if c.Backend == "" {
		var problems []string
		for _, b := range nativeBackends {
			if !slices.Contains(available, b) {
				continue
			}
			kr, err := openOne(cfg, b, c.PassphraseHint, nil)
			if err == nil {
				return kr, nil
			}
			problems = append(problems, err.Error())
		}
		why := "no OS keyring found"
		if len(problems) > 0 {
			why = strings.Join(problems, "; ")
		} else if slices.Contains(allBackends, keyring.SecretServiceBackend) {
			why = noDBus
		}
		return nil, fault.Errorf(fault.Unavailable, "%s; set ACCT_KEYRING_BACKEND=file to use the encrypted file keyring (available here: %s)",
			why, names(available))
	}

	b := keyring.BackendType(c.Backend)
	if !slices.Contains(allBackends, b) {
		return nil, fault.Errorf(fault.BadInput, "%w %q in ACCT_KEYRING_BACKEND; available here: %s", ErrUnknownBackend, c.Backend, names(available))
	}
	if !slices.Contains(available, b) {
		why := "not available on this system"
		if b == keyring.SecretServiceBackend || b == keyring.KWalletBackend {
			why = "no D-Bus session (is a keyring daemon running?)"
		}
		return nil, fault.Errorf(fault.Unavailable, "%s: %s; set ACCT_KEYRING_BACKEND to one of: %s", b, why, names(available))
	}
	kr, err := openOne(cfg, b, c.PassphraseHint, pc)
	if err != nil {
		return nil, fmt.Errorf("%w; set ACCT_KEYRING_BACKEND to another of: %s", err, names(without(available, b)))
	}
	return kr, nil
}

// ErrUnknownBackend is matched (errors.Is) when ACCT_KEYRING_BACKEND names no backend
// 99designs/keyring has: a typo the user fixes, where an unavailable backend is the system's doing.
var ErrUnknownBackend = errors.New("unknown keyring backend")

const noDBus = "secret-service: no D-Bus session (is a keyring daemon running?)"

func openOne(cfg keyring.Config, b keyring.BackendType, passHint string, pc *passphraseCache) (keyring.Keyring, error) {
	cfg.AllowedBackends = []keyring.BackendType{b}
	k := &Keyring{backend: b, collection: cfg.LibSecretCollectionName, passHint: passHint, passphrase: pc}
	if b == keyring.FileBackend {
		// Resolved here as the backend resolves it, so both name the same files.
		dir, err := keyring.ExpandTilde(cfg.FileDir)
		if err != nil {
			return nil, k.explain(err)
		}
		cfg.FileDir, k.files = dir, &fileItems{dir: dir, hint: passHint}
	}
	kr, err := openBackend(cfg, b)
	if err != nil {
		return nil, k.explain(err)
	}
	k.inner = kr
	return k, nil
}

// openBackend opens one backend. keyring.Open only says "not available" when a backend's opener
// fails, which tells the user nothing, so for the Secret Service the reason is found by asking the
// daemon the same questions the opener asks.
func openBackend(cfg keyring.Config, b keyring.BackendType) (keyring.Keyring, error) {
	kr, err := keyring.Open(cfg)
	if err == nil {
		return kr, nil
	}
	if errors.Is(err, keyring.ErrNoAvailImpl) {
		if b == keyring.SecretServiceBackend {
			if perr := probeSecretService(); perr != nil {
				return nil, perr
			}
		}
		return nil, errors.New("could not be opened")
	}
	return nil, err
}

func probeSecretService() error {
	svc, err := libsecret.NewService()
	if err != nil {
		return err
	}
	if _, err := svc.Open(); err != nil {
		return err
	}
	_, err = svc.Collections()
	return err
}

// passphraseFunc keeps the file backend from calling a nil function and keeps whatever the
// passphrase source says out of error text (a prompt library may echo input in its errors).
func passphraseFunc(f func(string) (string, error)) keyring.PromptFunc {
	return func(prompt string) (string, error) {
		if f == nil {
			return "", errors.New("the file keyring needs a passphrase: set ACCT_FILE_PASSPHRASE or run acct on a terminal")
		}
		p, err := f(prompt)
		if err != nil {
			return "", fmt.Errorf("read the file keyring passphrase: %w", err)
		}
		if p == "" {
			return "", errors.New("the file keyring passphrase is empty")
		}
		return p, nil
	}
}

func names(bs []keyring.BackendType) string {
	if len(bs) == 0 {
		return "none"
	}
	s := make([]string, len(bs))
	for i, b := range bs {
		s[i] = string(b)
	}
	return strings.Join(s, ", ")
}

func without(bs []keyring.BackendType, b keyring.BackendType) []keyring.BackendType {
	return slices.DeleteFunc(slices.Clone(bs), func(x keyring.BackendType) bool { return x == b })
}

// Keyring is the keyring OpenKeyring returns: the backend's own, with every error turned into a
// line that names the backend and what to do about it.
type Keyring struct {
	inner      keyring.Keyring
	backend    keyring.BackendType
	collection string
	passHint   string
	files      *fileItems       // the file backend's, nil for the others
	passphrase *passphraseCache // the file backend's typed passphrase, kept once it opened an item
}

// Backend names the backend in use, for --debug output.
func (k *Keyring) Backend() string { return string(k.backend) }

// Get returns the item stored under key, or an error wrapping keyring.ErrKeyNotFound.
func (k *Keyring) Get(key string) (keyring.Item, error) {
	var it keyring.Item
	var err error
	if k.files != nil {
		it, err = k.files.get(k.inner, key)
	} else {
		it, err = k.inner.Get(key)
	}
	if err == nil {
		k.passphrase.proven() // the item decrypted: the passphrase is right
	}
	return it, k.explain(err)
}

// GetMetadata returns the non-secret parts of an item where the backend supports it.
func (k *Keyring) GetMetadata(key string) (keyring.Metadata, error) {
	m, err := k.inner.GetMetadata(key)
	return m, k.explain(err)
}

// Set stores an item, replacing one with the same key. With the file backend a failed write
// leaves the previous item (filekeyring.go).
func (k *Keyring) Set(it keyring.Item) error {
	var err error
	if k.files != nil {
		err = k.files.set(k.inner, it)
	} else {
		err = k.inner.Set(it)
	}
	if err == nil && k.onlyItem(it.Key) {
		k.passphrase.proven() // the first item: its passphrase is the keyring's from now on
	}
	return k.explain(err)
}

// onlyItem says whether key is the one item in the keyring: a Set cannot prove a passphrase
// right (the file backend encrypts each item on its own), except for a keyring's first item.
func (k *Keyring) onlyItem(key string) bool {
	if k.passphrase == nil {
		return false
	}
	keys, err := k.inner.Keys()
	return err == nil && len(keys) == 1 && keys[0] == key
}

// Remove deletes an item.
func (k *Keyring) Remove(key string) error { return k.explain(k.inner.Remove(key)) }

// Keys lists the keys of all items.
func (k *Keyring) Keys() ([]string, error) {
	ks, err := k.inner.Keys()
	if k.files != nil {
		ks = slices.DeleteFunc(ks, func(key string) bool { return strings.HasPrefix(key, tmpPrefix) })
	}
	return ks, k.explain(err)
}

func (k *Keyring) explain(err error) error {
	if err == nil || errors.Is(err, keyring.ErrKeyNotFound) || errors.Is(err, ErrUnreadableItem) ||
		errors.Is(err, keyring.ErrMetadataNeedsCredentials) || errors.Is(err, keyring.ErrMetadataNotSupported) {
		return err
	}
	err = explainKeyringError(k.backend, k.collection, k.passHint, err)
	if fault.Of(err) == fault.Auth {
		k.passphrase.refused()
	}
	return err
}

// KeyringError is a backend failure with the advice for it. Err is kept for errors.Is/As.
// explainKeyringError gives it a kind: a refused or missing passphrase is Auth, a backend that
// cannot be reached or used is Unavailable.
type KeyringError struct {
	Backend string
	Advice  string
	Err     error
}

func (e *KeyringError) Error() string { return e.Advice }
func (e *KeyringError) Unwrap() error { return e.Err }

// explainKeyringError turns what a backend says into one line. The backends' messages are
// reproduced only when they are known not to carry data (D-Bus and OS errors, never a passphrase:
// the file backend's jose errors are replaced entirely).
func explainKeyringError(b keyring.BackendType, collection, passHint string, err error) error {
	var ke *KeyringError
	if errors.As(err, &ke) {
		return err
	}
	msg := oneLine(err.Error())
	advice, kind := "", fault.Unavailable
	switch b {
	case keyring.SecretServiceBackend:
		switch {
		case strings.Contains(msg, "Object does not exist at path") && collection == DefaultCollection:
			advice = "secret-service: the \"login\" collection does not exist or is locked, and creating or unlocking it needs the desktop's graphical prompt; " +
				"log in to the desktop once (or unlock it with gnome-keyring-daemon --unlock), or set ACCT_KEYRING_BACKEND=file to use the encrypted file keyring"
		case strings.Contains(msg, "Object does not exist at path"):
			advice = fmt.Sprintf("secret-service: collection %q does not exist or is locked, and creating or unlocking it needs the desktop's graphical prompt; "+
				"use the default collection (unset ACCT_SECRET_SERVICE_COLLECTION, it is %q) or create and unlock %q in the desktop keyring (Seahorse)",
				collection, DefaultCollection, collection)
		case strings.Contains(msg, "org.freedesktop.secrets") || strings.Contains(msg, "ServiceUnknown") || strings.Contains(msg, "was not provided by any"):
			advice = "secret-service: no keyring daemon answers on D-Bus (start gnome-keyring-daemon or KeePassXC's Secret Service); set ACCT_KEYRING_BACKEND=file to use the encrypted file keyring"
		case strings.Contains(msg, "DBUS_SESSION_BUS_ADDRESS") || strings.Contains(msg, "dbus"):
			advice = noDBus + "; set ACCT_KEYRING_BACKEND=file to use the encrypted file keyring"
		case strings.Contains(strings.ToLower(msg), "dismissed") || strings.Contains(strings.ToLower(msg), "locked"):
			advice = fmt.Sprintf("secret-service: collection %q is locked and the unlock prompt could not be shown; unlock it in the desktop keyring (or with gnome-keyring-daemon --unlock), or set ACCT_KEYRING_BACKEND=file to use the encrypted file keyring", collection)
		default:
			advice = "secret-service: " + msg + "; set ACCT_KEYRING_BACKEND=file to use the encrypted file keyring"
		}
	case keyring.FileBackend:
		switch {
		case strings.Contains(msg, "needs a passphrase") || strings.Contains(msg, "passphrase is empty") || strings.Contains(msg, "read the file keyring passphrase"):
			advice, kind = "file keyring: "+msg, fault.Auth
		case strings.Contains(msg, "aes") || strings.Contains(msg, "jose") || strings.Contains(msg, "decrypt") ||
			strings.Contains(msg, "authentication failed") || strings.Contains(msg, "Compact") || strings.Contains(msg, "unwrap"):
			advice, kind = "file keyring: wrong passphrase (or a damaged file)", fault.Auth
			if passHint != "" {
				advice += "; " + passHint
			}
		default:
			advice = "file keyring: " + msg
		}
	default:
		advice = string(b) + ": " + msg
	}
	return fault.Wrap(kind, &KeyringError{Backend: string(b), Advice: advice, Err: err})
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// CheckKeyring reads one item of kr, if it holds any, so that a locked keyring is unlocked (the
// file backend asks its passphrase) and a wrong passphrase is found before the user types more.
func CheckKeyring(kr keyring.Keyring) error {
	keys, err := kr.Keys()
	if err != nil {
		return err
	}
	// A damaged item (cut short by a full disk) says nothing of the passphrase: try the next.
	for _, key := range keys {
		_, err := kr.Get(key)
		if errors.Is(err, keyring.ErrKeyNotFound) || errors.Is(err, ErrUnreadableItem) {
			continue
		}
		return err
	}
	return nil
}
