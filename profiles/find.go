package profiles

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/acct-cli/acct/internal/fault"
)

// Find locates the layout file: the --layout flag, else ACCT_LAYOUT, else acct.yaml in the
// working directory or the nearest parent (the team's repository), else
// $XDG_CONFIG_HOME/acct/layout.yaml (XDG_CONFIG_HOME defaults to ~/.config). wd is the working
// directory ("" looks at no directory); getenv is the caller's environment.
func Find(flag, wd string, getenv func(string) string) (string, error) {
	if flag != "" {
		return findExisting(findAbs(flag, wd), "--layout")
	}
	if env := getenv("ACCT_LAYOUT"); env != "" {
		return findExisting(findAbs(env, wd), "ACCT_LAYOUT")
	}
	var looked []string
	if wd != "" {
		for dir := wd; ; {
			p := filepath.Join(dir, "acct.yaml")
			if findIsFile(p) {
				return p, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
		looked = append(looked, "acct.yaml in "+wd+" and its parents")
	}
	if p := findUserLayout(getenv); p != "" {
		if findIsFile(p) {
			return p, nil
		}
		looked = append(looked, p)
	}
	return "", fault.Errorf(fault.BadInput, "no layout found (looked at --layout, ACCT_LAYOUT, %s); run `acct init` to create one, or pass --layout FILE", strings.Join(looked, ", "))
}

func findExisting(path, from string) (string, error) {
	st, err := os.Stat(path)
	switch {
	case err != nil && os.IsNotExist(err):
		return "", fault.Errorf(fault.BadInput, "layout %s (from %s) does not exist; check the path, or run `acct init` to create it", path, from)
	case err != nil:
		return "", fault.Errorf(fault.BadInput, "layout %s (from %s) cannot be read: %v; check its permissions", path, from, err)
	case st.IsDir():
		return "", fault.Errorf(fault.BadInput, "layout %s (from %s) is a directory; name the YAML file, e.g. %s", path, from, filepath.Join(path, "acct.yaml"))
	}
	return path, nil
}

// findAbs makes a path absolute against the working directory: the managed block records where
// the layout came from, and a relative path would mean nothing when acct runs elsewhere.
func findAbs(path, wd string) string {
	if filepath.IsAbs(path) || wd == "" {
		return path
	}
	return filepath.Join(wd, path)
}

func findIsFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// findUserLayout follows the XDG base directory rule, which ignores relative values.
func findUserLayout(getenv func(string) string) string {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home := HomeDir(getenv)
		if home == "" {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "acct", "layout.yaml")
}
