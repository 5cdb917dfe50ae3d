package command_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/acct-cli/acct/command"
)

// The command reference and the man page are generated from the command tree; the committed
// copies must be exactly what the tree generates now.
func TestDocsAreFresh(t *testing.T) {
	t.Parallel()
	files, err := command.GenerateDocs()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("..", "docs", filepath.FromSlash(name)))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("docs/%s is stale (%v); run `%s` and commit the result", name, err, command.DocsRefresh)
		}
	}
	pages, _ := filepath.Glob(filepath.Join("..", "docs", "commands", "*.md"))
	for _, p := range pages {
		if _, ok := files["commands/"+filepath.Base(p)]; !ok {
			t.Errorf("docs/commands/%s documents no command; run `%s`", filepath.Base(p), command.DocsRefresh)
		}
	}
	// Every visible command has its page, and the hidden docs command has none.
	for _, want := range []string{"exec", "shell", "add", "generate", "version", "login"} {
		if _, ok := files["commands/"+want+".md"]; !ok {
			t.Errorf("no page for acct %s", want)
		}
	}
	if _, ok := files["commands/docs.md"]; ok {
		t.Error("the hidden docs command got a page")
	}
	if !strings.Contains(string(files["acct.1"]), ".TH acct 1") {
		t.Errorf("the man page is not section 1:\n%.200s", files["acct.1"])
	}
}

// The docs command writes what GenerateDocs returns and removes pages of commands that are gone.
func TestDocsCommandWrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "commands"), 0o755)
	os.WriteFile(filepath.Join(dir, "commands", "gone.md"), []byte("old"), 0o644)
	os.WriteFile(filepath.Join(dir, "layout.md"), []byte("mine"), 0o644)
	w := newWorld(t)
	w.must("docs", "--dir", dir)
	files, _ := command.GenerateDocs()
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s not written as generated (%v)", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "commands", "gone.md")); !os.IsNotExist(err) {
		t.Error("a page of a removed command survived")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "layout.md")); string(b) != "mine" {
		t.Error("a hand-written doc was touched")
	}
}

// acct version names the version, commit, date, Go version and keyring backend.
func TestVersion(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	out := w.must("version").stdout
	// Built by go build, not the release: the version and commit come from Go's VCS stamp (or
	// "dev" and "none" outside a git checkout); the release sets them with -ldflags.
	if !regexp.MustCompile(`^acct (dev|\d+\.\d+\.\d+\S*)\ncommit:  (none|[0-9a-f]{40}( \(modified\))?)\n`).MatchString(out) {
		t.Errorf("acct version's first lines:\n%s", out)
	}
	for _, want := range []string{"built:", "go:      go1.", "keyring: file (ACCT_KEYRING_BACKEND)"} {
		if !strings.Contains(out, want) {
			t.Errorf("acct version lacks %q:\n%s", want, out)
		}
	}
}
