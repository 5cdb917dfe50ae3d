package history

import (
	"github.com/acct-cli/acct/internal/testtool"

	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestAddAndOrder(t *testing.T) {
	h := File{Path: filepath.Join(t.TempDir(), "state", "recent")}
	if got := h.Order([]string{"a", "b", "c"}); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("no history: %v", got)
	}
	h.Add("c")
	h.Add("b")
	h.Add("b")
	if got := h.Names(); !slices.Equal(got, []string{"b", "c"}) {
		t.Errorf("names %v, want [b c]", got)
	}
	if got := h.Order([]string{"a", "c", "x"}); !slices.Equal(got, []string{"c", "a", "x"}) {
		t.Errorf("order %v, want [c a x]", got)
	}
	st, err := os.Stat(h.Path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("history file: %v, mode %v", err, st.Mode())
	}
	for i := 0; i < Max+10; i++ {
		h.Add(string(rune('A' + i)))
	}
	if n := len(h.Names()); n != Max {
		t.Errorf("%d names kept, want %d", n, Max)
	}
}

func TestMain(m *testing.M) { testtool.Main(m) }
