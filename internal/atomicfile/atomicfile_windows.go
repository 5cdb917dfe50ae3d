//go:build windows

package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// renameio has no Windows support; os.Rename replaces an existing file there (MoveFileEx).
func write(path, dir string, data []byte, perm os.FileMode) error {
	// The same name as renameio's (see Write), so that Clean finds it.
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, perm)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}
