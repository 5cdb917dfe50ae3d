package atomicfile

import (
	"github.com/acct-cli/acct/internal/testtool"

	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesAndLeavesNoDebris(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	if string(data) != "new" || st.Mode().Perm() != 0o600 {
		t.Errorf("got %q mode %v, want %q mode 0600", data, st.Mode().Perm(), "new")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("debris left: %v", entries)
	}
	if err := Write(filepath.Join(dir, "missing", "config"), []byte("x"), 0o600); err == nil {
		t.Errorf("writing into a missing directory succeeded")
	}
}

func TestMain(m *testing.M) { testtool.Main(m) }
