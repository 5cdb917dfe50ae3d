package profiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func findWrite(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(layoutHead), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	home := filepath.Join(root, "home")
	repo := filepath.Join(root, "repo")
	deep := filepath.Join(repo, "a", "b")
	if err := os.MkdirAll(deep, 0o700); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": home}
	getenv := func(k string) string { return env[k] }
	wd := deep
	find := func(flag string) (string, error) { return Find(flag, wd, getenv) }

	if _, err := find(""); err == nil || !strings.Contains(err.Error(), "acct init") || !strings.Contains(err.Error(), filepath.Join(home, ".config", "acct", "layout.yaml")) {
		t.Errorf("nothing there: %v", err)
	}

	user := filepath.Join(home, ".config", "acct", "layout.yaml")
	findWrite(t, user)
	if got, err := find(""); err != nil || got != user {
		t.Errorf("user layout: %q %v", got, err)
	}

	xdg := filepath.Join(root, "xdg")
	env["XDG_CONFIG_HOME"] = xdg
	if _, err := find(""); err == nil {
		t.Errorf("XDG_CONFIG_HOME must replace ~/.config")
	}
	findWrite(t, filepath.Join(xdg, "acct", "layout.yaml"))
	if got, err := find(""); err != nil || got != filepath.Join(xdg, "acct", "layout.yaml") {
		t.Errorf("xdg layout: %q %v", got, err)
	}

	inRepo := filepath.Join(repo, "acct.yaml")
	findWrite(t, inRepo)
	if got, err := find(""); err != nil || got != inRepo {
		t.Errorf("parent acct.yaml: %q %v", got, err)
	}

	fromEnv := filepath.Join(root, "env.yaml")
	findWrite(t, fromEnv)
	env["ACCT_LAYOUT"] = fromEnv
	if got, err := find(""); err != nil || got != fromEnv {
		t.Errorf("ACCT_LAYOUT: %q %v", got, err)
	}

	flag := filepath.Join(root, "flag.yaml")
	if _, err := find(flag); err == nil || err.Error() != "layout "+flag+" (from --layout) does not exist; check the path, or run `acct init` to create it" {
		t.Errorf("missing flag file: %v", err)
	}
	findWrite(t, flag)
	if got, err := find(flag); err != nil || got != flag {
		t.Errorf("--layout: %q %v", got, err)
	}
	if _, err := find(root); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	wd = root
	if got, err := find("flag.yaml"); err != nil || got != flag {
		t.Errorf("relative --layout must come back absolute: %q %v", got, err)
	}
}
