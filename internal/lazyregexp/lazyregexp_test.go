package lazyregexp

import (
	"testing"

	"github.com/acct-cli/acct/internal/testtool"
)

func TestNewCompilesOnce(t *testing.T) {
	re := New(`^a+$`)
	if !re().MatchString("aaa") || re().MatchString("b") {
		t.Fatal("wrong match")
	}
	if re() != re() {
		t.Fatal("compiled twice")
	}
}

func TestMain(m *testing.M) { testtool.Main(m) }
