//go:build unix

package shellenv

import "testing"

func TestPromptLabel(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		t    Target
		want string
	}{
		{stagingTarget, "[cpco:staging]"},
		{Target{Stage: "prod"}, "[prod]"},
		{Target{Profile: "hand-written"}, "[hand-written]"},
		{Target{Namespace: "a$(rm -rf ~)", Stage: "b`x`%F\\'\""}, "[a__rm_-rf___:b_x__F___]"},
	} {
		if got := PromptLabel(c.t); got != c.want {
			t.Errorf("PromptLabel(%+v) = %q, want %q", c.t, got, c.want)
		}
	}
}

func TestShellKind(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"/bin/bash": kindBash, "/usr/local/bin/bash5": kindBash, "-zsh": kindZsh,
		"/nix/store/x/bin/zsh-5.9": kindZsh, "/usr/bin/fish": kindFish,
		"/bin/sh": kindOther, "/usr/bin/bashful": kindOther, "/bin/dash": kindOther, "/usr/bin/nu": kindOther,
	} {
		if got := shellKind(path); got != want {
			t.Errorf("shellKind(%q) = %q, want %q", path, got, want)
		}
	}
}
