package command

import (
	"path/filepath"

	"github.com/acct-cli/acct/internal/memo"
)

// memoFile is where acct remembers one kind of answer (internal/memo): $XDG_CACHE_HOME/acct/NAME,
// else ~/.cache/acct/NAME. Without a home there is none, and every run does the whole work.
func (sys *system) memoFile(name string) memo.File {
	dir := sys.Getenv("XDG_CACHE_HOME")
	if !filepath.IsAbs(dir) { // the XDG rule: a relative value is ignored
		home := sys.home()
		if home == "" {
			return memo.File{}
		}
		dir = filepath.Join(home, ".cache")
	}
	return memo.File{Path: filepath.Join(dir, "acct", name)}
}
