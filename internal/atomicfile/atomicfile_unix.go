//go:build !windows

package atomicfile

import (
	"os"

	"github.com/google/renameio/v2"
)

func write(path, dir string, data []byte, perm os.FileMode) error {
	// Not renameio.WriteFile: it would keep an existing file's mode, and callers choose the mode.
	t, err := renameio.NewPendingFile(path, renameio.WithTempDir(dir), renameio.WithPermissions(perm), renameio.WithStaticPermissions(perm))
	if err != nil {
		return err
	}
	defer t.Cleanup()
	if _, err := t.Write(data); err != nil {
		return err
	}
	return t.CloseAtomicallyReplace()
}
