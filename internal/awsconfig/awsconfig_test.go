package awsconfig

import (
	"github.com/acct-cli/acct/internal/testtool"

	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

func TestEndpointPrecedence(t *testing.T) {
	env := func(vars map[string]string) Env { return FromEnv(func(k string) string { return vars[k] }) }
	cases := []struct {
		name       string
		vars       map[string]string
		configured string
		want       string
	}{
		{"nothing", nil, "", ""},
		{"profile", nil, "http://profile", "http://profile"},
		{"generic beats profile", map[string]string{"AWS_ENDPOINT_URL": "http://all"}, "http://profile", "http://all"},
		{"service beats generic", map[string]string{"AWS_ENDPOINT_URL": "http://all", "AWS_ENDPOINT_URL_STS": "http://sts"}, "http://profile", "http://sts"},
		{"other service's variable", map[string]string{"AWS_ENDPOINT_URL_IAM": "http://iam"}, "", ""},
		{"ignored", map[string]string{"AWS_ENDPOINT_URL_STS": "http://sts", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "True"}, "http://profile", ""},
	}
	for _, c := range cases {
		if got := env(c.vars).Endpoint(STS, c.configured); got != c.want {
			t.Errorf("%s: Endpoint = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestNew(t *testing.T) {
	cfg, err := New(Env{}, Client{Region: "eu-west-1", Endpoint: "http://127.0.0.1:9"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-1" || cfg.BaseEndpoint == nil || *cfg.BaseEndpoint != "http://127.0.0.1:9" || cfg.Credentials == nil {
		t.Errorf("config %+v", cfg)
	}
	if r := cfg.Retryer(); r.MaxAttempts() != MaxAttempts {
		t.Errorf("MaxAttempts = %d", r.MaxAttempts())
	}

	bad := filepath.Join(t.TempDir(), "bundle.pem")
	if err := os.WriteFile(bad, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{bad, filepath.Join(t.TempDir(), "missing.pem")} {
		if _, err := New(Env{CABundle: path}, Client{}); err == nil || !strings.HasPrefix(err.Error(), "AWS_CA_BUNDLE: ") {
			t.Errorf("CA bundle %s: err = %v", path, err)
		}
	}
}

// Waits grow to the cap and stay between half and all of it, so throttled clients spread out.
func TestBackoff(t *testing.T) {
	for attempt, want := range map[int]time.Duration{1: 250 * time.Millisecond, 2: 500 * time.Millisecond, 3: time.Second, 4: 2 * time.Second, 9: 2 * time.Second} {
		for range 20 {
			d, _ := jitterBackoff{}.BackoffDelay(attempt, nil)
			if d < want/2 || d > want {
				t.Errorf("attempt %d: wait %s, want %s to %s", attempt, d, want/2, want)
			}
		}
	}
}

// AWS_CA_BUNDLE makes the clients trust a private CA (a company's TLS proxy) and only that.
func TestCABundle(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "bundle.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	get := func(env Env) error {
		cfg, err := New(env, Client{})
		if err != nil {
			return err
		}
		hc := cfg.HTTPClient
		if hc == nil {
			hc = awshttp.NewBuildableClient()
		}
		req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(Env{CABundle: path}); err != nil {
		t.Errorf("with the bundle: %v", err)
	}
	if err := get(Env{}); err == nil {
		t.Error("without the bundle the test server's certificate was trusted")
	}
}

func TestMain(m *testing.M) { testtool.Main(m) }
