package fault

import (
	"github.com/acct-cli/acct/internal/testtool"

	"context"
	"errors"
	"fmt"
	"testing"
)

func TestOf(t *testing.T) {
	base := errors.New("no keys stored for cpco")
	cases := []struct {
		name string
		err  error
		want Kind
	}{
		{"plain", base, Failed},
		{"new", New(Auth, "refused"), Auth},
		{"wrapped by fmt", fmt.Errorf("exec: %w", Errorf(BadInput, "profile %q: %w", "x", base)), BadInput},
		{"nearest kind wins", Wrap(Unavailable, Errorf(BadInput, "bad")), BadInput},
		{"wrap plain", Wrap(Unavailable, context.DeadlineExceeded), Unavailable},
	}
	for _, c := range cases {
		if got := Of(c.err); got != c.want {
			t.Errorf("%s: Of = %v, want %v", c.name, got, c.want)
		}
	}
	if Wrap(Auth, nil) != nil {
		t.Error("Wrap(nil) is not nil")
	}
	if e := Errorf(BadInput, "x: %w", base); !errors.Is(e, base) || e.Error() != "x: no keys stored for cpco" {
		t.Errorf("Errorf lost its cause or text: %v", e)
	}
}

func TestMain(m *testing.M) { testtool.Main(m) }
