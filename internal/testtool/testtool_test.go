package testtool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRecordAppendsOneLine(t *testing.T) {
	file := filepath.Join(t.TempDir(), "skips")
	t.Setenv("ACCT_TEST_SKIPS", file)
	record("TestA", "zsh", "zsh")
	record("TestB/sub", "a\tpython module", "python3-botocore")
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := "TestA\tzsh\tzsh\nTestB/sub\ta python module\tpython3-botocore\n"
	if string(b) != want {
		t.Fatalf("skips file = %q, want %q", b, want)
	}
}

func TestNeedFindsAProgram(t *testing.T) {
	if p := Need(t, "go"); !strings.HasSuffix(p, "go") {
		t.Fatalf("Need(go) = %q", p)
	}
}

func TestMain(m *testing.M) { Main(m) }
