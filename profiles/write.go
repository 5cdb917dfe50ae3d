package profiles

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/acct-cli/acct/internal/atomicfile"
	"github.com/acct-cli/acct/internal/fault"
	"github.com/gofrs/flock"
)

// WriteOptions change what Write does.
type WriteOptions struct {
	DryRun  bool // compute the diff and touch nothing: no directory, no lock, no file
	Force   bool // replace a read-only file (its mode is kept)
	Replace bool // replace a block that was generated from another layout file
}

// WriteResult says what Write did.
type WriteResult struct {
	Changed bool // the new content differs from the old one
	// Diff is the unified diff old -> new, computed only when it is to be shown: on a dry run,
	// and when the block of another layout file or another --user is replaced.
	Diff   string
	Backup string // path of the backup of the previous content; empty when none was written
	Path   string // the config path as the user has it (maybe a symlink)
	Target string // the file written: Path with its symlinks followed
	// Old is the content compared with (read under the lock); nil when there was no file.
	Old []byte
	// Removed are the profiles the old block held that the new one does not, when it changed: a
	// stage taken out of the layout, or a profile someone wrote inside the block.
	Removed []string
	// Settled is set when the file already held exactly this block and Write found so from Old,
	// the origin and the profiles alone (not from whether two spellings of the layout path name
	// one file): the same three give the same result again, so acct may remember it.
	Settled bool
}

// writeLockWait bounds how long a second `acct generate` waits for the first one.
var writeLockWait = 10 * time.Second

// Write merges the managed block for o.Namespace into the config file at path (see Merge).
//
// It writes the file as the user keeps it: through a symlink (a dangling one gets its target
// created), keeping the file's mode (a new file gets 0600), refusing a read-only file unless
// o.Force. The lock (path+".lock") and the backup of the previous content (path+".acct.bak")
// are beside path, never inside a dotfiles repository the symlink points into. The lock is held
// for the whole read-merge-write, so two concurrent runs cannot interleave; an unchanged file is
// not touched at all (bytes and mtime); the new content replaces the file atomically. Temporary
// files that a killed run left are removed. A block generated from another layout file is
// refused unless o.Replace: the other layout's profiles would go without a word.
func Write(path string, o Origin, ps []Profile, opt WriteOptions) (WriteResult, error) {
	w, err := OpenWriter(path, opt)
	if err != nil {
		return WriteResult{Path: path, Target: w.Target}, err
	}
	defer w.Close()
	return w.Write(o, ps)
}

// Writer is a Write begun: the symlinks followed, the lock taken (not on a dry run), the debris of
// killed runs removed and the file read. `acct generate` looks at Old before it renders
// anything: a run with the same inputs as one that found nothing to change has nothing to do.
type Writer struct {
	Path, Target string
	Old          []byte // nil when the file does not exist
	opt          WriteOptions
	existed      bool
	unlock       func()
}

// OpenWriter begins a Write of the config file at path; Close ends it. On an error the Writer
// holds nothing but Target (path, or where its symlinks lead).
func OpenWriter(path string, opt WriteOptions) (*Writer, error) {
	w := &Writer{Path: path, Target: path, opt: opt, unlock: func() {}}
	target, err := writeTarget(path)
	if err != nil {
		return w, err
	}
	w.Target = target
	if !opt.DryRun {
		if w.unlock, err = writePrepare(path, target); err != nil {
			w.unlock = func() {}
			return w, err
		}
	}
	old, err := os.ReadFile(target)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		w.Close()
		return w, fault.Errorf(fault.Failed, "config %s: cannot read it: %s", path, writeCause(err, target))
	}
	w.Old, w.existed = old, err == nil
	return w, nil
}

// Close releases the lock.
func (w *Writer) Close() { w.unlock() }

// Write merges the block for o.Namespace into the content read and writes the result, as Write.
func (w *Writer) Write(o Origin, ps []Profile) (WriteResult, error) {
	path, old, opt := w.Path, w.Old, w.opt
	res := WriteResult{Path: path, Target: w.Target, Old: old}
	merged, err := Merge(old, o, ps)
	if err != nil {
		return res, configWithPath(err, path)
	}
	prev, prevNames, hadBlock := blockPrevious(old, o.Namespace)
	if hadBlock && !opt.Replace && writeOtherLayout(prev, o) {
		return res, fault.Errorf(fault.BadInput, "config %s: the %s block was generated from %s, not %s; generating it from %s would remove %d of its %d profiles; pass --replace to replace it, or give this layout another namespace",
			path, o.Namespace, prev.LayoutFile, o.LayoutFile, o.LayoutFile, len(writeRemoved(prevNames, ps)), len(prevNames))
	}
	if bytes.Equal(old, merged) && w.existed {
		// Unchanged, the block's begin line is o's own: it names o's layout path unless the line
		// cannot spell that path exactly, and only then does writeOtherLayout (here, and in
		// Remembered) ask the file system.
		res.Settled = prev.LayoutFile == o.LayoutFile
		return res, nil
	}
	res.Changed = true
	res.Removed = writeRemoved(prevNames, ps)
	if opt.DryRun || hadBlock && (writeOtherLayout(prev, o) || prev.User != "" && prev.User != o.User) {
		res.Diff = UnifiedDiff(path, path+" (acct generate)", old, merged)
	}
	if opt.DryRun {
		return res, nil
	}
	mode := os.FileMode(0o600)
	if st, err := os.Stat(w.Target); err == nil {
		mode = st.Mode().Perm()
		if mode&0o200 == 0 && !opt.Force {
			return res, fault.Errorf(fault.BadInput, "config %s is read-only (mode %04o); make it writable (chmod u+w %s) or pass --force to replace it with its mode kept", path, mode, w.Target)
		}
	}
	if w.existed {
		backup := path + ".acct.bak"
		if err := atomicfile.Write(backup, old, 0o600); err != nil {
			return res, fault.Errorf(fault.Failed, "config %s: cannot write the backup %s (the config is untouched): %s", path, backup, writeCause(err, filepath.Dir(backup)))
		}
		res.Backup = backup
	}
	if err := atomicfile.Write(w.Target, merged, mode); err != nil {
		return res, fault.Errorf(fault.Failed, "config %s: cannot replace it (the old file is untouched): %s", path, writeCause(err, filepath.Dir(w.Target)))
	}
	return res, nil
}

// Remembered is how the block for o.Namespace in config (the file's content) was last generated
// (its --user and --style), when it was generated from the same layout file; else o as it is.
func Remembered(config []byte, o Origin) Origin {
	prev, _, ok := blockPrevious(config, o.Namespace)
	if !ok || writeOtherLayout(prev, o) {
		return o
	}
	return prev
}

// writeTarget follows path's symlinks, relative ones and chains included, to the file to write;
// a dangling link gives the missing file it names.
func writeTarget(path string) (string, error) {
	p := path
	for hops := 0; ; hops++ {
		st, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) || err == nil && st.Mode()&fs.ModeSymlink == 0 {
			return p, nil
		}
		if err != nil {
			return "", fault.Errorf(fault.Failed, "config %s: cannot look at %s: %s", path, p, writeCause(err, filepath.Dir(p)))
		}
		if hops == 40 {
			return "", fault.Errorf(fault.BadInput, "config %s: too many symbolic links (a loop?); point it at a file", path)
		}
		link, err := os.Readlink(p)
		if err != nil {
			return "", fault.Errorf(fault.Failed, "config %s: cannot read the symbolic link %s: %s", path, p, writeCause(err, filepath.Dir(p)))
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(p), link)
		}
		p = link
	}
}

// writePrepare creates the directories of path and target, takes the lock beside path, and
// removes what killed runs left; unlock releases the lock.
func writePrepare(path, target string) (unlock func(), err error) {
	for _, dir := range []string{filepath.Dir(path), filepath.Dir(target)} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fault.Errorf(fault.Failed, "config %s: cannot create the directory %s: %s", path, dir, writeCause(err, dir))
		}
	}
	lockPath := path + ".lock"
	lock := flock.New(lockPath, flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(context.Background(), writeLockWait)
	locked, err := lock.TryLockContext(ctx, 25*time.Millisecond)
	cancel()
	switch {
	case err != nil && !errors.Is(err, context.DeadlineExceeded):
		return nil, fault.Errorf(fault.Failed, "config %s: cannot take the lock %s: %s", path, lockPath, writeCause(err, filepath.Dir(lockPath)))
	case !locked:
		return nil, fault.Errorf(fault.Unavailable, "config %s: another acct is writing it (lock %s held for %s); wait and run again, or delete the lock file if no acct is running", path, lockPath, writeLockWait)
	}
	// Under the lock no other run is between creating and renaming a temporary file: any there
	// is debris of a killed one.
	for _, p := range []string{target, path + ".acct.bak"} {
		if err := atomicfile.Clean(p); err != nil {
			lock.Unlock()
			return nil, fault.Errorf(fault.Failed, "config %s: cannot remove the temporary files of an earlier run: %s", path, writeCause(err, filepath.Dir(p)))
		}
	}
	return func() { lock.Unlock() }, nil
}

// writeCause says what went wrong with a file operation in dir, and what to do, in words.
func writeCause(err error, dir string) string {
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return "the disk holding " + dir + " is full (no space left on device); free some space and run again"
	case errors.Is(err, syscall.EDQUOT):
		return "your disk quota on " + dir + " is used up; free some space and run again"
	case errors.Is(err, syscall.EROFS):
		return dir + " is on a read-only file system"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied; check the permissions of " + dir
	}
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg = pe.Op + " " + pe.Path + ": " + pe.Err.Error()
	}
	return msg
}

// writeOtherLayout tells whether the block was generated from a layout file other than o's.
// A moved checkout reached through another path is still the same file.
func writeOtherLayout(prev, o Origin) bool {
	if prev.LayoutFile == "" || o.LayoutFile == "" || prev.LayoutFile == o.LayoutFile {
		return false
	}
	a, errA := os.Stat(prev.LayoutFile)
	b, errB := os.Stat(o.LayoutFile)
	return errA != nil || errB != nil || !os.SameFile(a, b)
}

// writeRemoved lists the names that are not generated any more.
func writeRemoved(names []string, ps []Profile) []string {
	keep := make(map[string]bool, len(ps))
	for _, p := range ps {
		if p.Section == "" {
			keep[p.Name] = true
		}
	}
	var out []string
	for _, n := range names {
		if !keep[n] {
			out = append(out, n)
		}
	}
	return out
}
