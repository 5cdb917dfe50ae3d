package command

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/acct-cli/acct/shellenv"
)

// selfCommand is how acct names itself in files other programs run it from (credential_process,
// a kubeconfig's exec plugin): "acct" when the acct on PATH is this very binary, else the path the
// user ran it by, symlinks kept, so that an upgrade behind a symlink (Homebrew, ~/bin/acct ->
// versions/1.2/acct) keeps every such file working. A binary that `go run` left in a go-build
// directory is gone the moment it exits, so it is refused.
func selfCommand(sys *system) (string, error) {
	exe, arg0 := sys.Executable, sys.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return "", err
		}
		arg0 = os.Args[0]
	}
	if onPath, err := shellenv.LookPath("acct", sys.Environ()); err == nil && sameFile(onPath, exe) {
		return "acct", nil
	}
	reached := exe
	if strings.ContainsRune(arg0, filepath.Separator) {
		if abs, err := filepath.Abs(arg0); err == nil && sameFile(abs, exe) {
			reached = abs
		}
	}
	if isGoBuildTemp(reached) {
		return "", usagef("this acct runs from a temporary go build directory (%s), which other programs cannot run later; install acct first (go install, or a release) and run that", filepath.Dir(reached))
	}
	return reached, nil
}

func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// isGoBuildTemp reports a path inside go's temporary build directories ($TMPDIR/go-buildNNN).
func isGoBuildTemp(p string) bool {
	for _, part := range strings.Split(filepath.ToSlash(p), "/") {
		if digits, ok := strings.CutPrefix(part, "go-build"); ok && digits != "" && strings.Trim(digits, "0123456789") == "" {
			return true
		}
	}
	return false
}
