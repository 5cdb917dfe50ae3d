// Package atomicfile replaces a file's contents so that readers see either the old bytes or the
// new ones, never a mix: a temporary file in the same directory, synced, then renamed over it.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write replaces the file at path with data, mode perm (whatever the old file's was). When the write fails, the old file is
// untouched and no temporary file is left behind.
func Write(path string, data []byte, perm os.FileMode) error {
	return write(path, filepath.Dir(path), data, perm)
}
