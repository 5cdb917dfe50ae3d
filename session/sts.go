package session

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/internal/fault"
)

// DefaultRegion is used for STS when the profile names none; STS is global and every partition's
// commercial default is us-east-1.
const DefaultRegion = "us-east-1"

// clientConfig is the configuration of a client of service in region: the endpoint the
// environment names (o.Env), else configured (the profile's endpoint_url). Clients set their
// own credentials.
func (o *Options) clientConfig(service, region, configured string) (aws.Config, error) {
	cfg, err := awsconfig.New(o.Env, awsconfig.Client{Region: region, Endpoint: o.Env.Endpoint(service, configured), Backoff: o.backoff})
	if err != nil {
		return aws.Config{}, fault.Wrap(fault.BadInput, err)
	}
	return cfg, nil
}

// lazyClient is an STS client that signs with creds, made when first used: a run served from
// the cache, the common case, never needs one (with AWS_CA_BUNDLE, making one parses the bundle).
type lazyClient struct {
	cfg    func() (aws.Config, error) // shared by the chain's clients, made once
	creds  aws.CredentialsProvider
	mu     sync.Mutex
	client *sts.Client
}

func (c *lazyClient) get(context.Context) (*sts.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.client == nil {
		cfg, err := c.cfg()
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
	mfa      mfaSource
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
		return aws.Credentials{}, stsError(op, p.serial, p.mfa.prompted, err)
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
	mfa         mfaSource
	o           *Options
	prev        *Cache // the cached hop client signs with; nil for long-lived keys
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
	// The hop below signs this call: fetched first, so that its own STS calls are not timed as
	// part of this one, and a failure there (the call never sent) logs no AssumeRole line.
	if _, err := p.creds.Retrieve(ctx); err != nil {
		return aws.Credentials{}, err
	}
	start := time.Now()
	c, err := arp.Retrieve(ctx)
	p.o.logf("sts AssumeRole role=%s session=%s mfa=%s duration=%s took %s", p.arn, p.sessionName, orNone(p.serial), p.duration, time.Since(start).Round(time.Millisecond))
	if err != nil {
		return aws.Credentials{}, stsError(op, p.serial, p.mfa.prompted, err)
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

// stsError turns what the SDK returns into one line of the right kind: the STS code and message
// (a refusal, Auth; throttling or an STS fault, Unavailable), a rejected MFA code as *MFAError
// (Auth; prompted says the person typed it), an unreachable endpoint with its URL (Unavailable).
// SDK and STS messages carry no secrets (requests are signed, never echoed).
func stsError(op, serial string, prompted bool, err error) error {
	var hop *hopError
	if errors.As(err, &hop) {
		return hop.err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fault.Errorf(awsKind(err), "%s: %w", op, err)
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		code, msg := api.ErrorCode(), oneLine(api.ErrorMessage())
		if serial != "" && isMFAFailure(code, msg) {
			return fault.Errorf(fault.Auth, "%s: %w", op, &MFAError{Serial: serial, Message: code + ": " + msg, Prompted: prompted, Err: err})
		}
		return fault.Wrap(awsKind(err), &STSError{Op: op, Code: code, Message: msg, Err: err})
	}
	if line, ok := fault.Unreachable("STS", "STS", err); ok {
		return fault.Wrap(fault.Unavailable, &lineError{err: err, msg: op + ": " + line})
	}
	return &lineError{err: err, msg: op + ": " + oneLine(err.Error())}
}

// awsKind is the kind of an error from an AWS call: the user stopping acct is Interrupted; a
// refusal (denied, expired, invalid) is Auth; throttling, a fault of the service, a timeout or
// an endpoint that cannot be reached is Unavailable.
func awsKind(err error) fault.Kind {
	var api smithy.APIError
	var ue *url.Error
	switch {
	case errors.Is(err, context.Canceled):
		return fault.Interrupted
	case errors.Is(err, context.DeadlineExceeded):
		return fault.Unavailable
	case errors.As(err, &api):
		if api.ErrorFault() == smithy.FaultServer || retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool() {
			return fault.Unavailable
		}
		return fault.Auth
	case errors.As(err, &ue):
		return fault.Unavailable
	}
	return fault.Failed
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

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
