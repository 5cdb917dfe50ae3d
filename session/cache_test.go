package session

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// countingProvider is an inner provider that counts its calls.
type countingProvider struct {
	c   aws.Credentials
	err error
	n   int
}

func (p *countingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	p.n++
	return p.c, p.err
}

func staticCreds(c aws.Credentials) *countingProvider { return &countingProvider{c: c} }

func TestCachedProviderWindow(t *testing.T) {
	kr := keyring.NewArrayKeyring(nil)
	t0 := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	inner := staticCreds(aws.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: t0.Add(time.Hour)})
	now := t0
	mk := func() *CachedProvider {
		return &CachedProvider{Keyring: kr, Item: RoleItem("p"), For: "arn:a", Provider: inner, Now: func() time.Time { return now }}
	}
	for i := 0; i < 3; i++ {
		if _, err := mk().Retrieve(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if inner.n != 1 {
		t.Fatalf("inner called %d times, want 1", inner.n)
	}
	now = t0.Add(54 * time.Minute) // 6 min left
	mk().Retrieve(t.Context())
	if inner.n != 1 {
		t.Fatal("refreshed with 6 minutes left")
	}
	now = t0.Add(56 * time.Minute) // 4 min left
	inner.c.Expires = now.Add(time.Hour)
	p := mk()
	got, _ := p.Retrieve(t.Context())
	if inner.n != 2 || !got.Expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("not refreshed with 4 minutes left (inner %d)", inner.n)
	}
	// In memory afterwards: no keyring read even if the item goes away.
	kr.Remove(RoleItem("p"))
	p.Retrieve(t.Context())
	if inner.n != 2 {
		t.Error("memory copy not used")
	}

	// Configurable window.
	q := mk()
	q.MinRemaining = 2 * time.Hour
	q.Retrieve(t.Context())
	q.Retrieve(t.Context())
	if inner.n != 4 {
		t.Errorf("MinRemaining 2h: inner %d, want 4", inner.n)
	}

	// Cached for another role ARN is a miss.
	r := mk()
	r.For = "arn:b"
	r.Retrieve(t.Context())
	if inner.n != 5 {
		t.Errorf("other role's credentials used")
	}
}

func TestCachedProviderErrors(t *testing.T) {
	kr := keyring.NewArrayKeyring(nil)
	inner := &countingProvider{err: errors.New("assume role x: AccessDenied: no")}
	p := &CachedProvider{Keyring: kr, Item: RoleItem("p"), Provider: inner}
	if _, err := p.Retrieve(t.Context()); err == nil || err.Error() != "assume role x: AccessDenied: no" {
		t.Fatalf("got %v", err)
	}
	if ks, _ := kr.Keys(); len(ks) != 0 {
		t.Error("failure cached")
	}
	// A damaged item is a miss, not an error.
	kr.Set(keyring.Item{Key: RoleItem("p"), Data: []byte("{")})
	inner.err = nil
	inner.c = aws.Credentials{AccessKeyID: "ASIA2", CanExpire: true, Expires: time.Now().Add(time.Hour)}
	if c, err := p.Retrieve(t.Context()); err != nil || c.AccessKeyID != "ASIA2" {
		t.Fatalf("damaged item: %v", err)
	}
}

func TestClearAndCached(t *testing.T) {
	kr := keyring.NewArrayKeyring(nil)
	st := Store{Keyring: kr}
	if err := st.SetKeys("cpco", aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "x"}); err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour)
	for _, item := range []string{SessionItem("cpco", "arn:aws:iam::1:mfa/alice"), SessionItem("cpco", ""), SessionItem("cpcox", ""),
		RoleItem("cpco-testing-admin"), RoleItem("cpco-prod-admin")} {
		p := &CachedProvider{Keyring: kr, Item: item, Provider: staticCreds(aws.Credentials{AccessKeyID: "ASIA", CanExpire: true, Expires: exp})}
		if _, err := p.Retrieve(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	list := func() string {
		es, err := Cached(kr)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, e := range es {
			s = append(s, e.Kind+":"+e.Name)
		}
		return strings.Join(s, " ")
	}
	if got := list(); got != "role:cpco-prod-admin role:cpco-testing-admin session:cpco:arn:aws:iam::1:mfa/alice session:cpco:none session:cpcox:none" {
		t.Fatalf("Cached = %s", got)
	}
	if err := Clear(kr, "cpco-testing-admin"); err != nil {
		t.Fatal(err)
	}
	if err := Clear(kr, "cpco"); err != nil {
		t.Fatal(err)
	}
	if got := list(); got != "role:cpco-prod-admin session:cpcox:none" {
		t.Fatalf("after clearing cpco-testing-admin and cpco: %s", got)
	}
	if err := Clear(kr, ""); err != nil {
		t.Fatal(err)
	}
	if got := list(); got != "" {
		t.Fatalf("after clearing all: %s", got)
	}
	if !st.HasKeys("cpco") {
		t.Error("Clear removed long-lived keys")
	}
}

// SSO sign-ins are cached credentials too: clear drops them by sso-session name or with
// everything, and keeps the client registration, which is not a credential.
func TestClearSSOTokens(t *testing.T) {
	kr := keyring.NewArrayKeyring(nil)
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	for _, s := range []SSOSession{{Name: "cpco"}, {Name: "other"}} {
		data, _ := json.Marshal(SSOToken{AccessToken: "t", ExpiresAt: exp})
		if err := kr.Set(keyring.Item{Key: SSOTokenItem(s), Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	client := ssoClientItem(SSOSession{Name: "cpco", Region: "us-east-1"})
	if err := kr.Set(keyring.Item{Key: client, Data: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	es, err := Cached(kr)
	if err != nil || len(es) != 2 || es[0].Kind != "sso" || !es[0].Expires.Equal(exp) {
		t.Fatalf("Cached = %+v, %v; want the two SSO tokens expiring %s", es, err, exp)
	}
	if err := Clear(kr, "cpco"); err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Get(SSOTokenItem(SSOSession{Name: "cpco"})); err == nil {
		t.Error("clear cpco kept its SSO token")
	}
	if _, err := kr.Get(SSOTokenItem(SSOSession{Name: "other"})); err != nil {
		t.Error("clear cpco removed another session's token")
	}
	if err := Clear(kr, ""); err != nil {
		t.Fatal(err)
	}
	keys, _ := kr.Keys()
	if len(keys) != 1 || keys[0] != client {
		t.Errorf("after clearing all: %v, want only the client registration", keys)
	}
}
