package session

// The encrypted file backend writes an item with os.WriteFile: on a full disk that leaves the
// item truncated, empty or half-written, and every later read of it fails. Writes here go to a
// temporary item renamed over the real one, so a failed write leaves the previous item. A write
// with a passphrase that opens none of the items already there is refused: it would leave a
// keyring that no single passphrase opens.

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/99designs/keyring"
	"github.com/mtibben/percent"

	"github.com/acct-cli/acct/internal/fault"
)

// ErrUnreadableItem is matched (errors.Is) by the error of reading an item that is not an
// encrypted item at all (empty or cut short by a full disk): a cache treats it as a miss and
// overwrites it; damaged keys are re-added with acct add.
var ErrUnreadableItem = errors.New("unreadable keyring item")

// tmpPrefix names the temporary item a write goes to first. Keys() lists it while a write is
// under way or after a crash; nothing acct reads has that prefix, and the next write of the
// same item replaces it.
const tmpPrefix = "acct-tmp:"

// fileItems are the file backend's files, in dir (absolute, as keyring.Config.FileDir).
type fileItems struct {
	dir     string
	hint    string // where the passphrase came from and what to do (KeyringConfig.PassphraseHint)
	checked bool   // the passphrase has opened an item there, or there was none to open
}

// path is the file holding key: the backend's name for it (percent-encoded slashes).
func (f *fileItems) path(key string) string {
	return filepath.Join(f.dir, percent.Encode(key, "/"))
}

// damaged says whether key's file is not a compact JWE (five dot-separated parts): not
// written whole, rather than encrypted with another passphrase.
func (f *fileItems) damaged(key string) bool {
	b, err := os.ReadFile(f.path(key))
	return err == nil && strings.Count(strings.TrimSpace(string(b)), ".") != 4
}

// set writes it through inner to a temporary item and renames that over it.Key.
func (f *fileItems) set(inner keyring.Keyring, it keyring.Item) error {
	if err := f.checkPassphrase(inner); err != nil {
		return err
	}
	tmp := it
	tmp.Key = tmpPrefix + it.Key
	if err := inner.Set(tmp); err != nil {
		os.Remove(f.path(tmp.Key))
		return err
	}
	if err := os.Rename(f.path(tmp.Key), f.path(it.Key)); err != nil {
		os.Remove(f.path(tmp.Key))
		return err
	}
	return nil
}

// checkPassphrase refuses to write when items are there and the passphrase opens none of them
// (damaged ones aside).
func (f *fileItems) checkPassphrase(inner keyring.Keyring) error {
	if f.checked {
		return nil
	}
	keys, err := inner.Keys()
	if err != nil {
		return err
	}
	locked := false
	for _, k := range keys {
		if strings.HasPrefix(k, tmpPrefix) || f.damaged(k) {
			continue
		}
		_, err := inner.Get(k)
		if err == nil {
			f.checked = true
			return nil
		}
		if errors.Is(err, keyring.ErrKeyNotFound) {
			continue
		}
		locked = true
	}
	if locked {
		msg := "the passphrase does not open the items already in " + f.dir + ", so nothing was written"
		if f.hint != "" {
			msg += "; " + f.hint
		}
		return fault.New(fault.Auth, msg)
	}
	f.checked = true
	return nil
}

// get reads key through inner; an item that is not an encrypted item at all is ErrUnreadableItem.
func (f *fileItems) get(inner keyring.Keyring, key string) (keyring.Item, error) {
	it, err := inner.Get(key)
	if err != nil && !errors.Is(err, keyring.ErrKeyNotFound) && f.damaged(key) {
		return keyring.Item{}, fault.Errorf(fault.BadInput, "file keyring: item %s is damaged (empty or cut short): %w", key, ErrUnreadableItem)
	}
	if err == nil {
		f.checked = true
	}
	return it, err
}
