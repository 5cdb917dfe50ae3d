package fault

import (
	"net"
	"net/url"

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

func TestUnreachable(t *testing.T) {
	err := fmt.Errorf("operation error EKS: DescribeCluster, exceeded maximum number of attempts, 5: %w",
		&url.Error{Op: "Get", URL: "http://127.0.0.1:1/clusters/main", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}})
	line, ok := Unreachable("EKS", "EKS", err)
	if want := "cannot reach EKS at http://127.0.0.1:1 (connect: connection refused); check the network or AWS_ENDPOINT_URL_EKS / AWS_ENDPOINT_URL"; !ok || line != want {
		t.Errorf("Unreachable = %q, %v; want %q", line, ok, want)
	}
	if _, ok := Unreachable("EKS", "EKS", errors.New("AccessDeniedException")); ok {
		t.Error("an error with no URL in it is unreachable")
	}
}
