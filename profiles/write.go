package profiles

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/acct-cli/acct/internal/atomicfile"
	"github.com/acct-cli/acct/internal/fault"
	"github.com/gofrs/flock"
	"github.com/pmezard/go-difflib/difflib"
)

// WriteOptions change what Write does.
type WriteOptions struct {
	DryRun bool // compute the diff, touch nothing
}

// WriteResult says what Write did.
type WriteResult struct {
	Changed bool   // the new content differs from the old one
	Diff    string // unified diff old -> new; empty when unchanged
	Backup  string // path of the backup of the previous content; empty when none was written
	Path    string // the file written (symlinks resolved)
}

// writeLockWait bounds how long a second `acct generate` waits for the first one.
var writeLockWait = 10 * time.Second

// Write merges the managed block for namespace into the config file at path (see Merge).
// It holds an exclusive lock on path+".lock" for the whole read-merge-write, so two concurrent
// runs cannot interleave; an unchanged file is not touched at all (bytes and mtime); otherwise
// the previous content is kept in path+".acct.bak" and the new content replaces the file
// atomically (temp file in the same directory, fsync, rename) with mode 0600.
func Write(path string, namespace, layoutFile string, ps []Profile, o WriteOptions) (WriteResult, error) {
	res := WriteResult{Path: path}
	// A dotfiles manager often makes ~/.aws/config a symlink: write through it, not over it.
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
		res.Path = target
	}
	dir := filepath.Dir(path)

	dirExists := true
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		dirExists = false
	}
	if !o.DryRun && !dirExists {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return res, fault.Errorf(fault.Failed, "config %s: cannot create its directory; check the permissions of %s: %w", path, dir, err)
		}
		dirExists = true
	}
	if dirExists {
		lock := flock.New(path+".lock", flock.SetPermissions(0o600))
		ctx, cancel := context.WithTimeout(context.Background(), writeLockWait)
		locked, err := lock.TryLockContext(ctx, 25*time.Millisecond)
		cancel()
		if err != nil || !locked {
			if err == nil {
				err = context.DeadlineExceeded
			}
			return res, fault.Errorf(fault.Unavailable, "config %s: another acct is writing it (lock %s held for %s); wait and run again, or delete the lock file if no acct is running: %w", path, path+".lock", writeLockWait, err)
		}
		defer lock.Unlock()
	}

	old, err := os.ReadFile(path)
	existed := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, fault.Errorf(fault.Failed, "config %s: cannot read it; check its permissions: %w", path, err)
	}
	merged, err := Merge(old, namespace, layoutFile, ps)
	if err != nil {
		return res, configWithPath(err, path)
	}
	if bytes.Equal(old, merged) && existed {
		return res, nil
	}
	res.Changed = true
	res.Diff = UnifiedDiff(path, path+" (acct generate)", old, merged)
	if o.DryRun {
		return res, nil
	}
	if existed {
		backup := path + ".acct.bak"
		if err := atomicfile.Write(backup, old, 0o600); err != nil {
			return res, fault.Errorf(fault.Failed, "config %s: cannot write the backup %s; check the directory's permissions: %w", path, backup, err)
		}
		res.Backup = backup
	}
	if err := atomicfile.Write(path, merged, 0o600); err != nil {
		return res, fault.Errorf(fault.Failed, "config %s: cannot replace it (the old file is untouched); check the directory's permissions: %w", path, err)
	}
	return res, nil
}

// UnifiedDiff is a unified diff of a file's old and new text, labelled from and to; CRLF files
// diff line by line too, and a missing or empty file has no lines.
func UnifiedDiff(from, to string, old, new []byte) string {
	s, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: diffLines(old), B: diffLines(new), FromFile: from, ToFile: to, Context: 3,
	})
	if err != nil {
		return ""
	}
	return s
}

// diffLines splits text after each newline. difflib.SplitLines would add an empty last line, and
// for a missing file show one line that is not there.
func diffLines(text []byte) []string {
	lines := strings.SplitAfter(string(text), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += "\n\\ No newline at end of file\n"
	}
	return lines
}
