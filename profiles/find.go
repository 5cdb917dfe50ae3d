package profiles

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Find locates the layout file: the --layout flag, else ACCT_LAYOUT, else acct.yaml in the
// working directory or the nearest parent (the team's repository), else
// $XDG_CONFIG_HOME/acct/layout.yaml (XDG_CONFIG_HOME defaults to ~/.config).
func Find(flag string) (string, error) {
	if flag != "" {
		return findExisting(flag, "--layout")
	}
	if env := os.Getenv("ACCT_LAYOUT"); env != "" {
		return findExisting(env, "ACCT_LAYOUT")
	}
	var looked []string
	if wd, err := os.Getwd(); err == nil {
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
	if p := findUserLayout(); p != "" {
		if findIsFile(p) {
			return p, nil
		}
		looked = append(looked, p)
	}
	return "", fmt.Errorf("no layout found (looked at --layout, ACCT_LAYOUT, %s); run `acct init` to create one, or pass --layout FILE", strings.Join(looked, ", "))
}

func findExisting(path, from string) (string, error) {
	st, err := os.Stat(path)
	switch {
	case err != nil && os.IsNotExist(err):
		return "", fmt.Errorf("layout %s (from %s) does not exist; check the path, or run `acct init` to create it", path, from)
	case err != nil:
		return "", fmt.Errorf("layout %s (from %s) cannot be read: %v; check its permissions", path, from, err)
	case st.IsDir():
		return "", fmt.Errorf("layout %s (from %s) is a directory; name the YAML file, e.g. %s", path, from, filepath.Join(path, "acct.yaml"))
	}
	// The managed block records where it came from; a relative path would mean nothing
	// when acct runs from another directory.
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	return path, nil
}

func findIsFile(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// findUserLayout follows the XDG base directory rule, which ignores relative values.
func findUserLayout() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "acct", "layout.yaml")
}
