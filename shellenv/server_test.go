//go:build unix

package shellenv

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
)

// countingProvider hands out new credentials on every call, numbered, so a
// test can tell a refresh from a cached answer.
type countingProvider struct {
	calls    atomic.Int64
	lifetime time.Duration
	err      error
}

func (p *countingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	n := p.calls.Add(1)
	if p.err != nil {
		return aws.Credentials{}, p.err
	}
	return aws.Credentials{
		AccessKeyID:     "ASIAKEY" + strconv.FormatInt(n, 10),
		SecretAccessKey: "secret-" + strconv.FormatInt(n, 10),
		SessionToken:    "token-" + strconv.FormatInt(n, 10),
		CanExpire:       true,
		Expires:         time.Now().Add(p.lifetime).Truncate(time.Second),
		AccountID:       "323330167063",
	}, nil
}

func serve(t testing.TB, p aws.CredentialsProvider) *Server {
	t.Helper()
	s, err := Serve(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// getJSON asks s for credentials with its token and decodes the answer.
func getJSON(t *testing.T, s *Server) (status int, body map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL, nil)
	req.Header.Set("Authorization", s.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

// sdkClient is the SDK's own container-credentials client, as every Go tool
// in the shell would build it from AWS_CONTAINER_CREDENTIALS_FULL_URI.
func sdkClient(s *Server, token string) aws.CredentialsProvider {
	return endpointcreds.New(s.URL, func(o *endpointcreds.Options) {
		o.AuthorizationToken = token
		o.Retryer = aws.NopRetryer{}
	})
}

func TestServerServesSDKClient(t *testing.T) {
	t.Parallel()
	p := &countingProvider{lifetime: time.Hour}
	s := serve(t, p)
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Errorf("URL %q is not on 127.0.0.1", s.URL)
	}
	if len(s.Token) != 64 {
		t.Errorf("token %q is not 32 bytes in hex", s.Token)
	}
	c, err := sdkClient(s, s.Token).Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != "ASIAKEY1" || c.SecretAccessKey != "secret-1" || c.SessionToken != "token-1" || !c.CanExpire {
		t.Errorf("got %+v", c)
	}
	if d := time.Until(c.Expires); d < 59*time.Minute || d > time.Hour {
		t.Errorf("expires in %s, want about 1h", d)
	}
}

func TestServerTokenFreshPerServer(t *testing.T) {
	t.Parallel()
	p := &countingProvider{lifetime: time.Hour}
	a, b := serve(t, p), serve(t, p)
	if a.Token == b.Token || a.URL == b.URL {
		t.Fatalf("two servers share token or URL: %s %s", a.URL, b.URL)
	}
	if _, err := sdkClient(b, a.Token).Retrieve(context.Background()); err == nil {
		t.Fatal("server b accepted server a's token")
	}
}

func TestServerConcurrentClients(t *testing.T) {
	t.Parallel()
	p := &countingProvider{lifetime: time.Hour}
	s := serve(t, p)
	const clients = 100
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := sdkClient(s, s.Token).Retrieve(ctx)
			if err == nil && !strings.HasPrefix(c.AccessKeyID, "ASIAKEY") {
				err = errors.New("unexpected key " + c.AccessKeyID)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	// The server keeps no copy: collapsing a burst into one STS call is the
	// provider's cache's job (session.Cache).
	if n := p.calls.Load(); n != clients {
		t.Errorf("provider called %d times, want %d", n, clients)
	}
}

func TestServerRefusesWrongOrMissingToken(t *testing.T) {
	t.Parallel()
	p := &countingProvider{lifetime: time.Hour}
	s := serve(t, p)
	for name, tok := range map[string]string{"wrong": strings.Repeat("0", 64), "missing": "", "prefix": s.Token[:10]} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodGet, s.URL, nil)
			if tok != "" {
				req.Header.Set("Authorization", tok)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("status %d, want 403", resp.StatusCode)
			}
			if _, err := sdkClient(s, tok).Retrieve(context.Background()); err == nil {
				t.Error("SDK client got credentials")
			}
		})
	}
	if n := p.calls.Load(); n != 0 {
		t.Errorf("provider called %d times for refused requests", n)
	}
}

func TestServerRefusesNonLoopback(t *testing.T) {
	t.Parallel()
	p := &countingProvider{lifetime: time.Hour}
	s := serve(t, p)
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "192.0.2.7:40000"
	req.Header.Set("Authorization", s.Token)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusForbidden {
		t.Errorf("status %d, want 403", w.Code)
	}
	if strings.Contains(w.Body.String(), "secret") {
		t.Errorf("body leaks credentials: %s", w.Body)
	}
}

func TestServerProviderError(t *testing.T) {
	t.Parallel()
	p := &countingProvider{err: errors.New("MFA session expired: run acct exec again")}
	s := serve(t, p)
	status, body := getJSON(t, s)
	if status != http.StatusInternalServerError || body["code"] == "" || !strings.Contains(body["message"], "MFA session expired") {
		t.Errorf("status %d body %v", status, body)
	}
	_, err := sdkClient(s, s.Token).Retrieve(context.Background())
	if err == nil || !strings.Contains(err.Error(), "MFA session expired") {
		t.Errorf("SDK client error %v", err)
	}
}

func TestServerClosedRefusesConnections(t *testing.T) {
	t.Parallel()
	p := &countingProvider{lifetime: time.Hour}
	s, err := Serve(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdkClient(s, s.Token).Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	// Refused, as a rule; but a parallel test's new server may have taken the port by now, which
	// answers otherwise. Whatever answers, it is not this server: its provider is not asked again.
	asked := p.calls.Load()
	req, _ := http.NewRequest(http.MethodGet, s.URL, nil)
	req.Header.Set("Authorization", s.Token)
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("the closed server's address still hands out credentials")
		}
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Logf("not refused (the port taken again?): %v", err)
	}
	if _, err := sdkClient(s, s.Token).Retrieve(context.Background()); err == nil {
		t.Error("SDK client got credentials from a closed server")
	}
	if p.calls.Load() != asked {
		t.Error("the closed server asked its provider again")
	}
}

// Whatever the provider hands out next reaches the next request: once the
// provider's cache has replaced credentials near their expiry, clients get the
// new ones at once, with no copy in the server to outlive them.
func TestServerHandsOutWhatTheProviderHas(t *testing.T) {
	t.Parallel()
	p := &countingProvider{lifetime: time.Hour}
	s := serve(t, p)
	client := sdkClient(s, s.Token)
	for _, want := range []string{"ASIAKEY1", "ASIAKEY2"} {
		c, err := client.Retrieve(context.Background())
		if err != nil || c.AccessKeyID != want {
			t.Fatalf("got %s, %v; want %s", c.AccessKeyID, err, want)
		}
	}
}

func TestServerStaticCredentialsGetExpiration(t *testing.T) {
	t.Parallel()
	s := serve(t, aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIASTATIC", SecretAccessKey: "s"}, nil
	}))
	status, body := getJSON(t, s)
	if _, err := time.Parse(time.RFC3339, body["Expiration"]); err != nil || status != http.StatusOK || body["AccessKeyId"] != "AKIASTATIC" {
		t.Errorf("status %d body %v (%v)", status, body, err)
	}
	// botocore reads body["Token"] unconditionally.
	if tok, ok := body["Token"]; !ok || tok != "" {
		t.Errorf("want an empty Token field: %v", body)
	}
}
