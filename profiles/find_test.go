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
	root := t.TempDir()
	home := filepath.Join(root, "home")
	repo := filepath.Join(root, "repo")
	deep := filepath.Join(repo, "a", "b")
	if err := os.MkdirAll(deep, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("ACCT_LAYOUT", "")
	t.Chdir(deep)

	if _, err := Find(""); err == nil || !strings.Contains(err.Error(), "acct init") || !strings.Contains(err.Error(), filepath.Join(home, ".config", "acct", "layout.yaml")) {
		t.Errorf("nothing there: %v", err)
	}

	user := filepath.Join(home, ".config", "acct", "layout.yaml")
	findWrite(t, user)
	if got, err := Find(""); err != nil || got != user {
		t.Errorf("user layout: %q %v", got, err)
	}

	xdg := filepath.Join(root, "xdg")
	t.Setenv("XDG_CONFIG_HOME", xdg)
	if _, err := Find(""); err == nil {
		t.Errorf("XDG_CONFIG_HOME must replace ~/.config")
	}
	findWrite(t, filepath.Join(xdg, "acct", "layout.yaml"))
	if got, err := Find(""); err != nil || got != filepath.Join(xdg, "acct", "layout.yaml") {
		t.Errorf("xdg layout: %q %v", got, err)
	}

	inRepo := filepath.Join(repo, "acct.yaml")
	findWrite(t, inRepo)
	if got, err := Find(""); err != nil || got != inRepo {
		t.Errorf("parent acct.yaml: %q %v", got, err)
	}

	env := filepath.Join(root, "env.yaml")
	findWrite(t, env)
	t.Setenv("ACCT_LAYOUT", env)
	if got, err := Find(""); err != nil || got != env {
		t.Errorf("ACCT_LAYOUT: %q %v", got, err)
	}

	flag := filepath.Join(root, "flag.yaml")
	if _, err := Find(flag); err == nil || err.Error() != "layout "+flag+" (from --layout) does not exist; check the path, or run `acct init` to create it" {
		t.Errorf("missing flag file: %v", err)
	}
	findWrite(t, flag)
	if got, err := Find(flag); err != nil || got != flag {
		t.Errorf("--layout: %q %v", got, err)
	}
	if _, err := Find(root); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	t.Chdir(root)
	if got, err := Find("flag.yaml"); err != nil || got != flag {
		t.Errorf("relative --layout must come back absolute: %q %v", got, err)
	}
}
