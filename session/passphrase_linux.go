package session

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// The kernel keys live in the user keyring (@u), which the kernel links into every login
// session of this user. Their permission is possessor-only: a process of the same user that does
// not possess the user keyring (another login namespace, a container sharing the uid) cannot read
// them, and root is the kernel's business. The kernel drops a key when its timeout ends.
// (x/sys/unix has no names for the permission bits: these are <linux/keyctl.h>'s KEY_POS_*.)
const passphraseKeyPerm = 0x01000000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x20000000 // view, read, write, search, setattr

func kernelKeyFind(name string) (int, error) {
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", name, 0)
	return id, kernelErr(err)
}

func kernelKeyRead(name string) (string, error) {
	id, err := kernelKeyFind(name)
	if err != nil {
		return "", err
	}
	buf := make([]byte, 4096)
	n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf, 0)
	if err != nil {
		return "", kernelErr(err)
	}
	if n > len(buf) {
		return "", fmt.Errorf("kernel key %s: too long", name)
	}
	return string(buf[:n]), nil
}

func kernelKeyAdd(name, secret string, ttl time.Duration) error {
	id, err := unix.AddKey("user", name, []byte(secret), unix.KEY_SPEC_USER_KEYRING)
	if err != nil {
		return kernelErr(err)
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_SETPERM, id, passphraseKeyPerm, 0, 0); err != nil {
		_, _ = unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0)
		return kernelErr(err)
	}
	secs := int(ttl.Round(time.Second) / time.Second)
	if _, err := unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, id, max(secs, 1), 0, 0); err != nil {
		_, _ = unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0)
		return kernelErr(err)
	}
	return nil
}

// kernelKeyForget invalidates every key of that name (a second process may have added one too).
func kernelKeyForget(name string) error {
	for range 16 {
		id, err := kernelKeyFind(name)
		if errors.Is(err, unix.ENOKEY) || errors.Is(err, unix.EKEYEXPIRED) || errors.Is(err, unix.EKEYREVOKED) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0); err != nil {
			return kernelErr(err)
		}
	}
	return fmt.Errorf("kernel key %s: still there after invalidating it", name)
}

// kernelErr marks the errors of a system without the keyctl calls: a kernel without them
// (ENOSYS) or a container's seccomp profile refusing them (EPERM; a key this process may not use
// is EACCES instead).
func kernelErr(err error) error {
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
		return fmt.Errorf("%w: %v", errNoKernelKeyring, err)
	}
	return err
}
