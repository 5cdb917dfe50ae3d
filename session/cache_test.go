package session

import (
	"github.com/acct-cli/acct/internal/testtool"

	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
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

// cacheIn is the keyring cache of item in kr, on the real clock.
func cacheIn(kr keyring.Keyring, item string, p aws.CredentialsProvider) *keyringCache {
	return &keyringCache{kr: kr, item: item, p: p, now: time.Now, minRemaining: DefaultMinRemaining, logf: func(string, ...any) {}}
}

func TestKeyringCacheWindow(t *testing.T) {
	kr := keyring.NewArrayKeyring(nil)
	t0 := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	inner := staticCreds(aws.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: t0.Add(time.Hour)})
	now := t0
	mk := func() *keyringCache {
		c := cacheIn(kr, RoleItem("p"), inner)
		c.forWhat, c.now = "arn:a", func() time.Time { return now }
		return c
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
	got, _ := mk().Retrieve(t.Context())
	if inner.n != 2 || !got.Expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("not refreshed with 4 minutes left (inner %d)", inner.n)
	}

	// Configurable window.
	q := mk()
	q.minRemaining = 2 * time.Hour
	q.Retrieve(t.Context())
	q.Retrieve(t.Context())
	if inner.n != 4 {
		t.Errorf("minRemaining 2h: inner %d, want 4", inner.n)
	}

	// Cached for another role ARN is a miss.
	r := mk()
	r.forWhat = "arn:b"
	r.Retrieve(t.Context())
	if inner.n != 5 {
		t.Errorf("other role's credentials used")
	}
}

// The in-memory cache: the same expiry rule on an injected clock, one call for a burst of
// callers, the credentials it holds kept while an early refresh fails, and Invalidate reaching
// the keyring below.
func TestCache(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	now := t0
	inner := staticCreds(aws.Credentials{AccessKeyID: "ASIA1", CanExpire: true, Expires: t0.Add(time.Hour)})
	c := NewCache(inner, func() time.Time { return now }, 0)
	for range 3 {
		if _, err := c.Retrieve(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if inner.n != 1 {
		t.Fatalf("inner called %d times, want 1", inner.n)
	}
	now = t0.Add(54 * time.Minute)
	c.Retrieve(t.Context())
	if inner.n != 1 {
		t.Fatal("refreshed with 6 minutes left")
	}
	now = t0.Add(56 * time.Minute)
	inner.err = errors.New("sts unreachable")
	got, err := c.Retrieve(t.Context())
	if err != nil || got.AccessKeyID != "ASIA1" || inner.n != 2 {
		t.Fatalf("early refresh failing: %v, %v after %d calls; want the held credentials after a try", got.AccessKeyID, err, inner.n)
	}
	now = t0.Add(time.Hour)
	if _, err := c.Retrieve(t.Context()); err == nil {
		t.Fatal("expired credentials handed out while refreshing fails")
	}
	inner.err = nil
	inner.c = aws.Credentials{AccessKeyID: "ASIA2", CanExpire: true, Expires: now.Add(time.Hour)}
	if got, _ := c.Retrieve(t.Context()); got.AccessKeyID != "ASIA2" {
		t.Fatalf("after expiry: %s", got.AccessKeyID)
	}

	// Long-lived keys never expire.
	keys := staticCreds(aws.Credentials{AccessKeyID: "AKIA1"})
	kc := NewCache(keys, func() time.Time { return now }, 0)
	kc.Retrieve(t.Context())
	now = now.Add(1000 * time.Hour)
	kc.Retrieve(t.Context())
	if keys.n != 1 {
		t.Errorf("long-lived keys fetched %d times", keys.n)
	}

	// A burst of callers makes one call below.
	slow := &blockingProvider{release: make(chan struct{}), c: aws.Credentials{AccessKeyID: "ASIA3", CanExpire: true, Expires: now.Add(time.Hour)}}
	bc := NewCache(slow, func() time.Time { return now }, 0)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); bc.Retrieve(t.Context()) }()
	}
	close(slow.release)
	wg.Wait()
	if n := slow.n.Load(); n != 1 {
		t.Errorf("20 concurrent callers made %d calls", n)
	}

	// Invalidate drops the memory and the keyring item below.
	kr := keyring.NewArrayKeyring(nil)
	stored := staticCreds(aws.Credentials{AccessKeyID: "ASIA4", CanExpire: true, Expires: time.Now().Add(time.Hour)})
	hop := NewCache(cacheIn(kr, RoleItem("p"), stored), nil, 0)
	hop.Retrieve(t.Context())
	if err := hop.Invalidate(); err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Get(RoleItem("p")); !errors.Is(err, keyring.ErrKeyNotFound) {
		t.Errorf("item still there after Invalidate: %v", err)
	}
	hop.Retrieve(t.Context())
	if stored.n != 2 {
		t.Errorf("provider called %d times, want 2", stored.n)
	}
}

type blockingProvider struct {
	release chan struct{}
	c       aws.Credentials
	n       atomic.Int64
}

func (p *blockingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	p.n.Add(1)
	<-p.release
	return p.c, nil
}

func TestKeyringCacheErrors(t *testing.T) {
	kr := keyring.NewArrayKeyring(nil)
	inner := &countingProvider{err: errors.New("assume role x: AccessDenied: no")}
	p := cacheIn(kr, RoleItem("p"), inner)
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
		p := cacheIn(kr, item, staticCreds(aws.Credentials{AccessKeyID: "ASIA", CanExpire: true, Expires: exp}))
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

func TestMain(m *testing.M) { testtool.Main(m) }
