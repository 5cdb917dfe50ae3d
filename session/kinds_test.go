package session

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/session/ststest"
)

// The one rule for where an MFA code comes from: --mfa-token, ACCT_MFA_TOKEN, mfa_process, then
// the prompt; only a prompted code may be asked again.
func TestMFASourceOrder(t *testing.T) {
	prompt := MFAFunc(func(context.Context, string) (string, error) { return "444444", nil })
	cases := []struct {
		token, env, process string
		prompt              MFA
		want                string
		prompted            bool
	}{
		{"111111", "222222", "echo 333333", prompt, "111111", false},
		{"", "222222", "echo 333333", prompt, "222222", false},
		{" ", "", "echo 333333", prompt, "333333", false},
		{"", "", "", prompt, "444444", true},
	}
	for _, c := range cases {
		src := chooseMFA(c.token, c.env, c.process, c.prompt)
		got, err := mfaCode(t.Context(), src, "arn:aws:iam::1:mfa/alice")
		if err != nil || got != c.want || src.prompted != c.prompted {
			t.Errorf("%+v: code %q (%v), prompted %v; want %q, %v", c, got, err, src.prompted, c.want, c.prompted)
		}
	}
	if _, err := mfaCode(t.Context(), chooseMFA("", "", "", nil), "arn:aws:iam::1:mfa/alice"); !errors.Is(err, ErrNoMFA) {
		t.Errorf("no source: %v", err)
	}
}

// Errors from session carry the kind the command layer maps to a status and a line.
func TestErrorKinds(t *testing.T) {
	kind := func(name string, err error, want fault.Kind) {
		t.Helper()
		if err == nil || fault.Of(err) != want {
			t.Errorf("%s: %v has kind %v, want %v", name, err, fault.Of(err), want)
		}
	}

	f := newFixture(t)
	f.srv.AddRole(roleA, ststest.RoleOptions{RequireMFA: true})
	f.srv.AddRole(roleB, ststest.RoleOptions{Deny: true})
	noKeys := f.chain("other-admin", roleA)
	noKeys.Source = "other"
	_, err := f.retrieve(noKeys, f.options())
	kind("no keys", err, fault.BadInput)

	o := f.options()
	o.MFA = MFAFunc(func(context.Context, string) (string, error) { return wrongCode(f), nil })
	_, err = f.retrieve(f.chain("cpco-testing-admin", roleA), o)
	var me *MFAError
	if !errors.As(err, &me) || !me.Prompted {
		t.Errorf("wrong typed code: %v, want a prompted *MFAError", err)
	}
	kind("wrong MFA code", err, fault.Auth)
	o.MFAToken = wrongCode(f)
	_, err = f.retrieve(f.chain("cpco-testing-admin", roleA), o)
	if !errors.As(err, &me) || me.Prompted {
		t.Errorf("wrong --mfa-token: %v, want an *MFAError that is not prompted", err)
	}

	_, err = f.retrieve(f.chain("cpco-staging-admin", roleB), f.options())
	kind("STS refusal", err, fault.Auth)

	f.srv.Fail("AssumeRole", "Throttling", 10)
	_, err = f.retrieve(f.chain("cpco-testing-admin", roleA), f.options())
	kind("STS throttling", err, fault.Unavailable)

	o = f.options()
	o.Env = awsconfig.Env{All: "http://127.0.0.1:1"}
	if err := Clear(f.kr, ""); err != nil {
		t.Fatal(err)
	}
	_, err = f.retrieve(f.chain("cpco-testing-admin", roleA), o)
	kind("STS unreachable", err, fault.Unavailable)

	ctx, cancel := context.WithCancel(t.Context())
	o = f.options()
	o.MFA = MFAFunc(func(ctx context.Context, _ string) (string, error) { cancel(); return "", ctx.Err() })
	p, err := NewProvider(ctx, f.chain("cpco-testing-admin", roleA), f.kr, o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Retrieve(ctx)
	kind("Ctrl-C at the MFA prompt", err, fault.Interrupted)

	broken := &Keyring{inner: failingKeyring{errors.New("org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files")}, backend: keyring.SecretServiceBackend}
	_, err = Store{Keyring: broken}.Keys("cpco")
	kind("keyring daemon unreachable", err, fault.Unavailable)

	_, err = OpenKeyring(KeyringConfig{Backend: "vault-of-doom"})
	kind("unknown keyring backend", err, fault.BadInput)

	_, err = NewProvider(t.Context(), f.chain("x", roleA), f.kr, Options{SessionDuration: 13 * time.Hour})
	kind("session duration", err, fault.Usage)
}

// failingKeyring fails every call with err, as a backend whose daemon is gone does.
type failingKeyring struct{ err error }

func (k failingKeyring) Get(string) (keyring.Item, error) { return keyring.Item{}, k.err }
func (k failingKeyring) GetMetadata(string) (keyring.Metadata, error) {
	return keyring.Metadata{}, k.err
}
func (k failingKeyring) Set(keyring.Item) error  { return k.err }
func (k failingKeyring) Remove(string) error     { return k.err }
func (k failingKeyring) Keys() ([]string, error) { return nil, k.err }
