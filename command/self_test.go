package command

import "testing"

func TestIsGoBuildTemp(t *testing.T) {
	t.Parallel()
	for p, want := range map[string]bool{
		"/tmp/go-build3791/b001/exe/acct":      true,
		"/var/folders/x/T/go-build12/exe/acct": true,
		"/usr/local/bin/acct":                  false,
		"/home/alice/go-builder/acct":          false,
	} {
		if got := isGoBuildTemp(p); got != want {
			t.Errorf("isGoBuildTemp(%s) = %v, want %v", p, got, want)
		}
	}
}
