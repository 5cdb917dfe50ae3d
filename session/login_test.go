package session

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/session/ststest"
)

func TestLoginURL(t *testing.T) {
	f := newFixture(t)
	f.srv.AddRole(roleA, ststest.RoleOptions{RequireMFA: true})
	creds, err := f.retrieve(f.chain("cpco-testing-admin", roleA), f.options())
	if err != nil {
		t.Fatal(err)
	}
	u, err := LoginURL(t.Context(), creds, LoginOptions{FederationURL: f.srv.FederationURL, Issuer: "acct", Duration: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := p.Query()
	if q.Get("Action") != "login" || q.Get("Issuer") != "acct" || q.Get("Destination") != DefaultDestination || q.Get("SigninToken") == "" {
		t.Fatalf("login URL query %v", q)
	}
	if tmp, ok := f.srv.SigninSession(q.Get("SigninToken")); !ok || tmp.AccessKeyID != creds.AccessKeyID {
		t.Fatal("sign-in token not made from the role credentials")
	}
	for _, s := range f.srv.Issued() {
		if strings.Contains(u, s) {
			t.Error("login URL carries a secret key or session token")
		}
	}
	// The fake's login step redirects to the destination.
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != DefaultDestination {
		t.Errorf("login: %s -> %s", resp.Status, resp.Header.Get("Location"))
	}

	// GetSessionToken credentials are refused by the federation endpoint: one line, no secrets.
	sess, err := f.retrieve(&profiles.Chain{Profile: "cpco", Source: "cpco"}, f.options())
	if err != nil {
		t.Fatal(err)
	}
	_, err = LoginURL(t.Context(), sess, LoginOptions{FederationURL: f.srv.FederationURL})
	if err == nil || !strings.Contains(err.Error(), "refused the credentials (400 Bad Request)") || fault.Of(err) != fault.Auth {
		t.Fatalf("session credentials: %v", err)
	}
	f.errs = append(f.errs, err)

	_, err = LoginURL(t.Context(), aws.Credentials{AccessKeyID: f.user.AccessKeyID, SecretAccessKey: f.user.SecretAccessKey}, LoginOptions{FederationURL: f.srv.FederationURL})
	if err == nil || !strings.Contains(err.Error(), "temporary role credentials") || fault.Of(err) != fault.BadInput {
		t.Fatalf("long-lived keys: %v", err)
	}
	f.errs = append(f.errs, err)

	_, err = LoginURL(t.Context(), creds, LoginOptions{FederationURL: "http://127.0.0.1:1/federation"})
	if err == nil || !strings.Contains(err.Error(), "cannot reach http://127.0.0.1:1/federation") || fault.Of(err) != fault.Unavailable {
		t.Fatalf("unreachable: %v", err)
	}
	f.errs = append(f.errs, err)
	f.noSecrets()
}

func TestLoginURLSessionDuration(t *testing.T) {
	var got []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Query().Get("SessionDuration"))
		w.Write([]byte(`{"SigninToken":"tok"}`))
	})
	ts := newHTTPTest(t, h)
	creds := aws.Credentials{AccessKeyID: "ASIA", SecretAccessKey: "s", SessionToken: "t"}
	for _, o := range []LoginOptions{{Duration: time.Hour}, {Duration: time.Hour, Chained: true}, {}} {
		o.FederationURL = ts
		if _, err := LoginURL(t.Context(), creds, o); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(got, ",") != "3600,," {
		t.Errorf("SessionDuration sent: %q", got)
	}
}

func newHTTPTest(t *testing.T, h http.Handler) string {
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL + "/federation"
}
