// Package awsconfig makes the aws.Config every AWS client of acct starts from (STS, IAM, IAM
// Identity Center, Organizations, EKS): the region, the credentials to sign with, one retry policy and
// the endpoint. It reads neither the environment nor ~/.aws/config: the command layer reads the
// environment once (FromEnv) and profiles.Resolve puts the profile's endpoint_url on the chain.
// The SDK's own loader is not used because it reads both, behind the caller's back.
package awsconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// Services, named as in AWS_ENDPOINT_URL_<SERVICE>.
const (
	STS           = "STS"
	IAM           = "IAM"
	SSO           = "SSO"
	SSOOIDC       = "SSO_OIDC"
	Organizations = "ORGANIZATIONS"
	EKS           = "EKS"
)

var services = []string{STS, IAM, SSO, SSOOIDC, Organizations, EKS}

// Env is what the environment says about AWS clients, read once by the command layer.
type Env struct {
	// Endpoints holds AWS_ENDPOINT_URL_<SERVICE> by service; All is AWS_ENDPOINT_URL.
	Endpoints map[string]string
	All       string
	// IgnoreConfigured is AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true: every endpoint setting,
	// the environment's and the profile's, is ignored.
	IgnoreConfigured bool
	// CABundle is AWS_CA_BUNDLE: a PEM file of the CAs to trust instead of the system's.
	CABundle string
}

// FromEnv reads the variables Env describes through getenv.
func FromEnv(getenv func(string) string) Env {
	e := Env{
		All:              strings.TrimSpace(getenv("AWS_ENDPOINT_URL")),
		IgnoreConfigured: strings.EqualFold(strings.TrimSpace(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")), "true"),
		CABundle:         getenv("AWS_CA_BUNDLE"),
	}
	for _, s := range services {
		if v := strings.TrimSpace(getenv("AWS_ENDPOINT_URL_" + s)); v != "" {
			if e.Endpoints == nil {
				e.Endpoints = map[string]string{}
			}
			e.Endpoints[s] = v
		}
	}
	return e
}

// Endpoint is the URL a client of service uses, by the SDKs' rule: AWS_ENDPOINT_URL_<SERVICE>,
// else AWS_ENDPOINT_URL, else configured (the profile's endpoint_url). "" means AWS's own endpoint.
func (e Env) Endpoint(service, configured string) string {
	switch {
	case e.IgnoreConfigured:
		return ""
	case e.Endpoints[service] != "":
		return e.Endpoints[service]
	case e.All != "":
		return e.All
	}
	return strings.TrimSpace(configured)
}

// Client says what one client needs.
type Client struct {
	Region      string
	Credentials aws.CredentialsProvider // nil: anonymous (IAM Identity Center's OIDC and portal calls)
	Endpoint    string                  // "" for AWS's own
	// Backoff replaces the wait between attempts; tests retry without waiting.
	Backoff retry.BackoffDelayer
}

// MaxAttempts is how often a call is tried: throttling and network errors are retried with
// backoff (SPEC §3). The SDK's default of 3 gives up too early on a throttled org-wide login
// morning or an Organizations walk.
const MaxAttempts = 5

// maxBackoff caps the wait between two attempts. The SDK's 20 s suits a server; a person at a
// terminal whose STS is unreachable should hear about it in seconds, not a minute.
const maxBackoff = 2 * time.Second

// New is the configuration of one client: c's region, credentials and endpoint, env's CA bundle,
// and the one retry policy.
func New(env Env, c Client) (aws.Config, error) {
	cfg := aws.Config{
		Region:      c.Region,
		Credentials: c.Credentials,
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = MaxAttempts
				so.MaxBackoff = maxBackoff
				so.Backoff = jitterBackoff{}
				if c.Backoff != nil {
					so.Backoff = c.Backoff
				}
			})
		},
	}
	if cfg.Credentials == nil {
		cfg.Credentials = aws.AnonymousCredentials{}
	}
	if c.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(c.Endpoint)
	}
	if env.CABundle != "" {
		hc, err := caBundleClient(env.CABundle)
		if err != nil {
			return aws.Config{}, err
		}
		cfg.HTTPClient = hc
	}
	return cfg, nil
}

func caBundleClient(path string) (aws.HTTPClient, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("AWS_CA_BUNDLE: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("AWS_CA_BUNDLE: " + path + " holds no PEM certificate")
	}
	return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		tr.TLSClientConfig.RootCAs = pool
	}), nil
}

// jitterBackoff waits 250 ms, 500 ms, 1 s, 2 s (capped at maxBackoff) before attempts 2 to 5,
// each between half and all of that at random, so many throttled clients spread out: at most
// 3.75 s in all. The SDK's own backoff reaches its cap after the first attempt.
type jitterBackoff struct{}

func (jitterBackoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	d := maxBackoff
	if attempt >= 1 && attempt < 8 {
		d = min(250*time.Millisecond<<(attempt-1), maxBackoff)
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1)), nil
}
