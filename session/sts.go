package session

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"gopkg.in/ini.v1"

	"github.com/acct-cli/acct/internal/fault"
)

// DefaultRegion is used for STS when the profile names none; STS is global and every partition's
// commercial default is us-east-1.
const DefaultRegion = "us-east-1"

// maxAttempts is the SDK retryer's limit: throttling and network errors are retried with backoff
// (SPEC §3), and the SDK's default of 3 gives up too early on a throttled org-wide login morning.
const maxAttempts = 5

// maxBackoff caps the wait between two attempts. The SDK's 20 s suits a server; a person at a
// terminal whose STS is unreachable should hear about it in seconds, not a minute.
const maxBackoff = 2 * time.Second

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

// loadAWSConfig builds the configuration every STS client of a chain shares. It goes through the
// SDK's own loader so AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL and endpoint_url in the profile are
// resolved exactly as the AWS CLI would. The profile is read for endpoint_url only; credentials
// are always set per client, so the loader's own credential chain is never used.
func loadAWSConfig(ctx context.Context, profile, region string, o *Options) (aws.Config, error) {
	if o.AWSConfig != nil {
		cfg := o.AWSConfig.Copy()
		if cfg.Region == "" {
			cfg.Region = region
		}
		return cfg, nil
	}
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithCredentialsProvider(aws.AnonymousCredentials{}),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = maxAttempts
				so.MaxBackoff = maxBackoff
				so.Backoff = jitterBackoff{}
				if o.backoff != nil {
					so.Backoff = o.backoff
				}
			})
		}),
	}
	if profile != "" {
		cfg, err := config.LoadDefaultConfig(ctx, append(opts, config.WithSharedConfigProfile(profile))...)
		if err == nil {
			return cfg, nil
		}
		// The SDK also validates the profile's source_profile chain, which fails when the source's
		// keys live only in acct's keyring. The environment still applies then, and the profile's
		// own endpoint_url is read directly below.
		o.logf("aws config: SDK could not load profile %q (%v); reading its endpoint_url directly", profile, err)
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil && profile != "" {
		// AWS_PROFILE in acct's own environment (another tool's profile, or a profile that does
		// not exist) makes the SDK load that profile and fail; acct resolves profile itself and
		// needs only the environment's endpoint settings here.
		o.logf("aws config: SDK could not load the environment's profile (%v); using the environment only", err)
		cfg, err = envOnlyConfig(region, opts)
	}
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration for STS: %w", err)
	}
	// Only reached with a profile when the SDK could not load it (see above).
	if profile != "" && cfg.BaseEndpoint == nil && os.Getenv("AWS_ENDPOINT_URL_STS") == "" && os.Getenv("AWS_ENDPOINT_URL") == "" &&
		!strings.EqualFold(os.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		if u := profileEndpointURL(profile); u != "" {
			cfg.BaseEndpoint = aws.String(u)
		}
	}
	return cfg, nil
}

// envOnlyConfig is the SDK configuration from the environment alone (AWS_ENDPOINT_URL_STS,
// AWS_ENDPOINT_URL, ...), with the shared config files and AWS_PROFILE left out.
func envOnlyConfig(region string, opts []func(*config.LoadOptions) error) (aws.Config, error) {
	env, err := config.NewEnvConfig()
	if err != nil {
		return aws.Config{}, err
	}
	var lo config.LoadOptions
	for _, f := range opts {
		if err := f(&lo); err != nil {
			return aws.Config{}, err
		}
	}
	env.SharedConfigProfile = ""
	cfg := aws.Config{
		Region:        region,
		Credentials:   lo.Credentials,
		ConfigSources: []interface{}{env},
	}
	if lo.Retryer != nil {
		cfg.Retryer = lo.Retryer
	}
	if env.BaseEndpoint != "" && (env.IgnoreConfiguredEndpoints == nil || !*env.IgnoreConfiguredEndpoints) {
		cfg.BaseEndpoint = aws.String(env.BaseEndpoint)
	}
	return cfg, nil
}

// profileEndpointURL is the endpoint_url of profile in the shared config file, "" if none or
// unreadable (the SDK would have reported a broken file already).
func profileEndpointURL(profile string) string {
	path := os.Getenv("AWS_CONFIG_FILE")
	if path == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		path = filepath.Join(home, ".aws", "config")
	}
	f, err := ini.Load(path)
	if err != nil {
		return ""
	}
	name := "profile " + profile
	if profile == "default" && !f.HasSection(name) {
		name = "default"
	}
	if !f.HasSection(name) {
		return ""
	}
	return strings.TrimSpace(f.Section(name).Key("endpoint_url").String())
}

// lazyConfig loads the SDK configuration once, when the first STS client is needed.
type lazyConfig struct {
	load func(context.Context) (aws.Config, error)
	mu   sync.Mutex
	done bool
	cfg  aws.Config
	err  error
}

func (l *lazyConfig) get(ctx context.Context) (aws.Config, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.cfg, l.err = l.load(ctx)
		l.done = true
	}
	return l.cfg, l.err
}

// lazyClient is an STS client for cfg that signs with creds, made when first used.
type lazyClient struct {
	cfg    *lazyConfig
	creds  aws.CredentialsProvider
	mu     sync.Mutex
	client *sts.Client
}

// stsClient is a client for cfg that signs with creds.
func stsClient(cfg *lazyConfig, creds aws.CredentialsProvider) *lazyClient {
	return &lazyClient{cfg: cfg, creds: creds}
}

func (c *lazyClient) get(ctx context.Context) (*sts.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client == nil {
		cfg, err := c.cfg.get(ctx)
		if err != nil {
			return nil, err
		}
		c.client = sts.NewFromConfig(cfg, func(so *sts.Options) { so.Credentials = signingCreds{c.creds} })
	}
	return c.client, nil
}

// signingCreds marks errors of the provider an STS client signs with, so that when an earlier
// hop fails (no keys, wrong MFA, a denied role) the user sees that hop's own line and not the
// SDK's "operation error STS: AssumeRole, failed to sign request: failed to retrieve credentials:"
// wrapped around it.
type signingCreds struct{ p aws.CredentialsProvider }

func (s signingCreds) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := s.p.Retrieve(ctx)
	if err != nil {
		return c, &hopError{err}
	}
	return c, nil
}

type hopError struct{ err error }

func (e *hopError) Error() string { return e.err.Error() }
func (e *hopError) Unwrap() error { return e.err }

// RetryableError tells the SDK's retryer not to retry a call whose signing credentials could not
// be had: the hop that failed has already retried its own STS call, and retrying here too would
// multiply the attempts (5 x 5 against an unreachable endpoint).
func (e *hopError) RetryableError() bool { return false }

// sessionTokenProvider calls GetSessionToken with the source's keys, with MFA when serial is set.
type sessionTokenProvider struct {
	client   *lazyClient
	creds    aws.CredentialsProvider // what client signs with
	source   string
	serial   string
	duration time.Duration
	mfa      MFA
	o        *Options
}

func (p *sessionTokenProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	in := &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(int32(p.duration / time.Second))}
	op := fmt.Sprintf("get session token for %s", p.source)
	// Missing keys are found before anyone types an MFA code for nothing.
	if _, err := p.creds.Retrieve(ctx); err != nil {
		return aws.Credentials{}, err
	}
	if p.serial != "" {
		code, err := mfaCode(ctx, p.mfa, p.serial)
		if err != nil {
			return aws.Credentials{}, fmt.Errorf("%s: %w", op, err)
		}
		in.SerialNumber, in.TokenCode = aws.String(p.serial), aws.String(code)
	}
	client, err := p.client.get(ctx)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("%s: %w", op, err)
	}
	start := time.Now()
	out, err := client.GetSessionToken(ctx, in)
	p.o.logf("sts GetSessionToken source=%s mfa=%s duration=%s took %s", p.source, orNone(p.serial), p.duration, time.Since(start).Round(time.Millisecond))
	if err != nil {
		return aws.Credentials{}, stsError(op, p.serial, endpointOf(client), err)
	}
	if out.Credentials == nil {
		return aws.Credentials{}, fmt.Errorf("%s: STS returned no credentials", op)
	}
	return aws.Credentials{
		AccessKeyID:     aws.ToString(out.Credentials.AccessKeyId),
		SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey),
		SessionToken:    aws.ToString(out.Credentials.SessionToken),
		CanExpire:       true,
		Expires:         aws.ToTime(out.Credentials.Expiration),
		Source:          "acct GetSessionToken",
	}, nil
}

// roleProvider assumes one role through stscreds. A fresh stscreds provider per Retrieve lets the
// MFA token function use Retrieve's context and lets the error be turned into one line.
type roleProvider struct {
	client      *lazyClient
	creds       aws.CredentialsProvider // what client signs with
	arn         string
	sessionName string
	externalID  string
	duration    time.Duration
	serial      string // set only on the first hop of a NoSession chain
	mfa         MFA
	o           *Options
	prev        *CachedProvider // the cached hop client signs with; nil for long-lived keys
}

func (p *roleProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	op := "assume role " + p.arn
	var code string
	if p.serial != "" {
		if _, err := p.creds.Retrieve(ctx); err != nil {
			return aws.Credentials{}, err
		}
		// Asked here rather than in stscreds' TokenProvider so a bad code never reaches STS.
		c, err := mfaCode(ctx, p.mfa, p.serial)
		if err != nil {
			return aws.Credentials{}, fmt.Errorf("%s: %w", op, err)
		}
		code = c
	}
	c, err := p.assume(ctx, code)
	var se *STSError
	if err != nil && p.prev != nil && errors.As(err, &se) && se.Op == op && (se.Code == "ExpiredToken" || se.Code == "InvalidClientTokenId") {
		// The previous hop's cached credentials are dead although their expiry says otherwise:
		// drop them and go once more, which makes that hop fetch new ones.
		if ierr := p.prev.Invalidate(); ierr != nil {
			return aws.Credentials{}, fmt.Errorf("%w (and dropping the cached credentials failed: %v)", err, ierr)
		}
		c, err = p.assume(ctx, code)
	}
	return c, err
}

func (p *roleProvider) assume(ctx context.Context, code string) (aws.Credentials, error) {
	op := "assume role " + p.arn
	client, err := p.client.get(ctx)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("%s: %w", op, err)
	}
	arp := stscreds.NewAssumeRoleProvider(client, p.arn, func(ao *stscreds.AssumeRoleOptions) {
		ao.RoleSessionName = p.sessionName
		ao.Duration = p.duration
		if p.externalID != "" {
			ao.ExternalID = aws.String(p.externalID)
		}
		if p.serial != "" {
			ao.SerialNumber = aws.String(p.serial)
			ao.TokenProvider = func() (string, error) { return code, nil }
		}
	})
	start := time.Now()
	c, err := arp.Retrieve(ctx)
	p.o.logf("sts AssumeRole role=%s session=%s mfa=%s duration=%s took %s", p.arn, p.sessionName, orNone(p.serial), p.duration, time.Since(start).Round(time.Millisecond))
	if err != nil {
		return aws.Credentials{}, stsError(op, p.serial, endpointOf(client), err)
	}
	return c, nil
}

// STSError is an STS error code and message as one line, with what acct was doing. Err keeps the
// SDK error for errors.As (smithy.APIError, *retry.MaxAttemptsError, ...).
type STSError struct {
	Op      string
	Code    string
	Message string
	Err     error
}

func (e *STSError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s: %s", e.Op, e.Code)
	}
	return fmt.Sprintf("%s: %s: %s", e.Op, e.Code, e.Message)
}

func (e *STSError) Unwrap() error { return e.Err }

// stsError turns what the SDK returns into one line: the STS code and message, a rejected MFA
// code as *MFAError, an unreachable endpoint with its URL. SDK and STS messages carry no secrets
// (requests are signed, never echoed).
func stsError(op, serial, endpoint string, err error) error {
	var hop *hopError
	if errors.As(err, &hop) {
		return hop.err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", op, err)
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		code, msg := api.ErrorCode(), oneLine(api.ErrorMessage())
		if serial != "" && isMFAFailure(code, msg) {
			return fault.Errorf(fault.Auth, "%s: %w", op, &MFAError{Serial: serial, Message: code + ": " + msg, Err: err})
		}
		return fault.Wrap(stsKind(code), &STSError{Op: op, Code: code, Message: msg, Err: err})
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		why := ue.Err.Error()
		var oe *net.OpError
		if errors.As(ue.Err, &oe) && oe.Err != nil {
			why = oe.Err.Error()
		}
		return fault.Wrap(fault.Unavailable, &lineError{err: err, msg: fmt.Sprintf("%s: cannot reach STS at %s (%s); check the network or AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL",
			op, hostOf(ue.URL, endpoint), oneLine(why))})
	}
	return &lineError{err: err, msg: op + ": " + oneLine(err.Error())}
}

// stsKind is what an STS error code means for the user: a refusal of who they are or what they
// may do, or a service that cannot answer now.
func stsKind(code string) fault.Kind {
	switch code {
	case "Throttling", "ThrottlingException", "RequestLimitExceeded", "ServiceUnavailable", "InternalFailure", "InternalError":
		return fault.Unavailable
	}
	return fault.Auth
}

// lineError is a one-line message that keeps the error it replaces reachable through errors.Is/As
// without repeating the SDK's long text.
type lineError struct {
	msg string
	err error
}

func (e *lineError) Error() string { return e.msg }
func (e *lineError) Unwrap() error { return e.err }

func isMFAFailure(code, msg string) bool {
	return strings.Contains(msg, "MultiFactorAuthentication failed") ||
		strings.Contains(msg, "MFA one time pass code") ||
		(code == "ValidationError" && strings.Contains(msg, "tokenCode"))
}

func hostOf(u, fallback string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Scheme + "://" + p.Host
	}
	if fallback != "" {
		return fallback
	}
	return u
}

func endpointOf(c *sts.Client) string {
	if be := c.Options().BaseEndpoint; be != nil {
		return *be
	}
	return "the AWS STS endpoint"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
