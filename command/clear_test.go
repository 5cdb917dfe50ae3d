package command_test

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/acct-cli/acct/session"
)

// keyringItems lists the items of the world's file keyring (names only; nothing is decrypted).
func (w *world) keyringItems() []string {
	w.t.Helper()
	kr, err := session.OpenKeyring(session.KeyringConfigFromEnv(func(k string) string { return w.vars[k] }))
	if err != nil {
		w.t.Fatal(err)
	}
	keys, err := kr.Keys()
	if err != nil {
		w.t.Fatal(err)
	}
	sort.Strings(keys)
	return keys
}

// acct clear NAME drops exactly what NAME's chain cached and says so; --session its source's MFA
// session too; an unknown name is exit status 2 and clears nothing.
func TestClearOneChain(t *testing.T) {
	t.Parallel()
	sw := newSessionWorld(t, false, nil)
	sw.with(sw.mfa(0), "exec", "cpco-staging-admin", "--", "true")
	sw.must("exec", "cpco-dev-admin", "--", "true")
	const session = "session:cpco:arn:aws:iam::323330167063:mfa/alice"
	all := []string{"keys:cpco", "role:cpco-dev-admin", "role:cpco-staging-admin", session}
	if got := sw.keyringItems(); !slices.Equal(got, all) {
		t.Fatalf("keyring after two execs: %v, want %v", got, all)
	}

	for _, name := range []string{"nope", "stagin"} {
		r := sw.run("", "clear", name)
		if r.code != 2 || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("acct clear %s: exit %d, stdout %q, stderr %q; want 2 and one line", name, r.code, r.stdout, r.stderr)
		}
	}
	if got := sw.keyringItems(); !slices.Equal(got, all) {
		t.Errorf("a refused clear changed the keyring: %v", got)
	}

	r := sw.must("clear", "staging")
	if r.stdout != "cleared role:cpco-staging-admin from the keyring\n" {
		t.Errorf("acct clear staging said %q", r.stdout)
	}
	if got, want := sw.keyringItems(), []string{"keys:cpco", "role:cpco-dev-admin", session}; !slices.Equal(got, want) {
		t.Errorf("keyring after acct clear staging: %v, want %v", got, want)
	}
	if r := sw.must("clear", "staging"); r.stdout != "nothing cached for cpco-staging-admin\n" {
		t.Errorf("acct clear staging again said %q", r.stdout)
	}

	r = sw.must("clear", "cpco-dev-admin", "--session")
	if r.stdout != "cleared role:cpco-dev-admin, "+session+" from the keyring\n" {
		t.Errorf("acct clear cpco-dev-admin --session said %q", r.stdout)
	}
	if got, want := sw.keyringItems(), []string{"keys:cpco"}; !slices.Equal(got, want) {
		t.Errorf("keyring after acct clear cpco-dev-admin --session: %v, want %v", got, want)
	}
}
