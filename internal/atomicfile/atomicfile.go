// Package atomicfile replaces a file's contents so that readers see either the old bytes or the
// new ones, never a mix: a temporary file in the same directory, synced, then renamed over it.
package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
)

// Write replaces the file at path with data, mode perm (whatever the old file's was). When the
// write fails, the old file is untouched and no temporary file is left behind. The temporary
// file is named "." + the file's name + digits, in the file's directory.
func Write(path string, data []byte, perm os.FileMode) error {
	return write(path, filepath.Dir(path), data, perm)
}

// Clean removes the temporary files that writes to path left behind when their process was
// killed between creating and renaming them. Call it only while no other write to path can be
// running (under the caller's lock).
func Clean(path string) error {
	dir, prefix := filepath.Dir(path), "."+filepath.Base(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		digits, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}
