package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/user"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/profiles"
)

// Durations, as SPEC §3 fixes them. STS would give a GetSessionToken session up to 36 h; acct caps
// it at 12 h so an MFA code is asked at least once a working day. A role assumed with role
// credentials (every hop after the first) is capped by AWS at 1 h.
const (
	DefaultSessionDuration = 8 * time.Hour
	MaxSessionDuration     = 12 * time.Hour
	DefaultRoleDuration    = time.Hour
	MaxChainedRoleDuration = time.Hour
	minDuration            = 15 * time.Minute // STS's floor for both calls
)

// Options tune NewProvider. The zero value is the product's defaults.
type Options struct {
	SessionDuration time.Duration // GetSessionToken; default 8h, at most 12h
	RoleDuration    time.Duration // AssumeRole when the profile sets no duration_seconds; default 1h
	// NoSession skips GetSessionToken: the first role is assumed with the long-lived keys, with
	// MFA if the profile has mfa_serial. With no role at all, the long-lived keys are returned
	// as they are (the caller asked for exactly that).
	NoSession bool
	// MFA gives codes; nil falls back to the chain's mfa_process, else asking fails with a line
	// saying how to give one. See ChooseMFA for the rule the command layer applies.
	MFA          MFA
	Now          func() time.Time // default time.Now; the cache's clock
	MinRemaining time.Duration    // default DefaultMinRemaining
	// Env is what the environment says about AWS endpoints and the CA bundle (the command layer
	// reads it with awsconfig.FromEnv); the chain's EndpointURL applies where it names none.
	Env awsconfig.Env
	// User names the person in default role session names ("acct-<user>-<unix>"); default: the
	// MFA device's name, else the OS user.
	User string
	// Debug, when set, gets one line per STS call (with timing), cache hit or miss and the keyring
	// backend. Never secrets.
	Debug io.Writer
	// SSO tunes IAM Identity Center sign-in for chains with SSO fields (sso.go).
	SSO SSOOptions

	backoff retry.BackoffDelayer // tests: retry without waiting
}

func (o *Options) logf(format string, args ...any) {
	if o.Debug != nil {
		fmt.Fprintf(o.Debug, "debug: "+format+"\n", args...)
	}
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// NewProvider returns the credentials for chain: the source's long-lived keys (keyring) or its
// credential_process, then a GetSessionToken session (with MFA when mfa_serial is set; cached in
// the keyring per source and device), then each role in turn (each cached in the keyring under its
// profile). Roles[0] is assumed with the session, every later role with the one before it.
//
// Without a role and without MFA, a GetSessionToken session without MFA is still made, so the
// long-lived keys never reach a child process. Without MFA but with roles, the first role is
// assumed with the keys directly (a session would add a call and protect nothing more). A
// credential_process source is used as it is: its credentials are usually temporary already, and
// GetSessionToken refuses those; MFA then goes with the first AssumeRole.
//
// No STS call is made here; the first Retrieve makes them, and a cache hit makes none.
func NewProvider(ctx context.Context, chain *profiles.Chain, kr keyring.Keyring, o Options) (aws.CredentialsProvider, error) {
	if chain == nil {
		return nil, errors.New("credentials: no profile")
	}
	if chain.Source == "" && chain.SourceProcess == "" && chain.SSOAccountID == "" {
		return nil, fmt.Errorf("credentials for %q: no source profile with keys and no credential_process; run acct add <source-profile>", chain.Profile)
	}
	if chain.Source != "" && kr == nil {
		return nil, fmt.Errorf("credentials for %q: no keyring", chain.Profile)
	}
	for i, r := range chain.Roles {
		if r.ARN == "" {
			return nil, fmt.Errorf("credentials for %q: role %d in the chain (%s) has no role_arn", chain.Profile, i+1, r.Profile)
		}
	}
	if o.SessionDuration == 0 {
		o.SessionDuration = DefaultSessionDuration
	}
	if o.SessionDuration < minDuration || o.SessionDuration > MaxSessionDuration {
		return nil, fmt.Errorf("session duration %s is outside 15m to %s", o.SessionDuration, MaxSessionDuration)
	}
	if o.RoleDuration == 0 {
		o.RoleDuration = DefaultRoleDuration
	}
	if o.RoleDuration < minDuration {
		return nil, fmt.Errorf("role duration %s is under STS's minimum of 15m", o.RoleDuration)
	}
	if o.MFA == nil && chain.MFAProcess != "" {
		o.MFA = ProcessMFA(chain.MFAProcess)
	}
	if k, ok := kr.(*Keyring); ok {
		o.logf("keyring backend %s", k.Backend())
	}
	region := chain.Region
	if region == "" {
		region = DefaultRegion
	}
	po := &o
	cfg := sync.OnceValues(func() (aws.Config, error) { return po.clientConfig(awsconfig.STS, region, chain.EndpointURL) })
	cache := func(item, forWhat string, p aws.CredentialsProvider) *CachedProvider {
		return &CachedProvider{Keyring: kr, Item: item, For: forWhat, Provider: p, Now: o.Now, MinRemaining: o.MinRemaining, Log: o.logf}
	}

	var cur aws.CredentialsProvider
	var prev *CachedProvider // the cached hop cur is, if any
	from := chain.Source
	if chain.SSOAccountID != "" {
		// IAM Identity Center: the portal's role credentials start the chain (sso.go).
		sp, err := newSSOProvider(ctx, chain, kr, po)
		if err != nil {
			return nil, err
		}
		from, cur, prev = "sso "+chain.SSOProfile, sp, sp
	} else if chain.Source != "" {
		cur = &memo{p: &keysProvider{store: Store{Keyring: kr}, profile: chain.Source, o: po}}
	} else {
		from = "credential_process"
		cur = &memo{p: &processProvider{p: processcreds.NewProvider(chain.SourceProcess), o: po}}
	}

	serial := sessionSerial(chain)
	useSession := chain.Source != "" && !o.NoSession && (serial != "" || len(chain.Roles) == 0)
	if useSession {
		prev = cache(SessionItem(chain.Source, serial), "", &sessionTokenProvider{
			client: &lazyClient{cfg: cfg, creds: cur}, creds: cur, source: chain.Source, serial: serial,
			duration: o.SessionDuration, mfa: o.MFA, o: po,
		})
		cur = prev
	}

	for i, r := range chain.Roles {
		d := r.Duration
		if d == 0 {
			d = o.RoleDuration
		}
		chained := i > 0
		if chained && d > MaxChainedRoleDuration {
			o.logf("role %s: duration %s capped at %s (role chaining)", r.ARN, d, MaxChainedRoleDuration)
			d = MaxChainedRoleDuration
		}
		rp := &roleProvider{
			client: &lazyClient{cfg: cfg, creds: cur}, creds: cur, arn: r.ARN, externalID: r.ExternalID, duration: d,
			sessionName: r.SessionName, mfa: o.MFA, o: po, prev: prev,
		}
		if rp.sessionName == "" {
			rp.sessionName = defaultSessionName(o.User, serial, o.now())
		}
		if i == 0 && !useSession && serial != "" {
			rp.serial = serial
		}
		name := r.Profile
		if name == "" {
			name = r.ARN
		}
		prev = cache(RoleItem(name), r.ARN+" from "+from, rp)
		cur = prev
		from = name
	}
	return cur, nil
}

// memo keeps the source credentials in memory while they are valid, so retries and several hops
// read the keyring (or run credential_process) once. aws.CredentialsCache would do the same but
// prefixes its errors with "failed to refresh cached credentials", which is noise to the user.
type memo struct {
	p    aws.CredentialsProvider
	mu   sync.Mutex
	last *aws.Credentials
}

func (m *memo) Retrieve(ctx context.Context) (aws.Credentials, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.last != nil && !m.last.Expired() {
		return *m.last, nil
	}
	c, err := m.p.Retrieve(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	m.last = &c
	return c, nil
}

// keysProvider reads the long-lived keys from the keyring when first needed, so a chain whose
// role credentials are cached never touches them.
type keysProvider struct {
	store   Store
	profile string
	o       *Options
}

func (p *keysProvider) Retrieve(context.Context) (aws.Credentials, error) {
	start := time.Now()
	c, err := p.store.Keys(p.profile)
	p.o.logf("keyring read %s took %s", KeysItem(p.profile), time.Since(start).Round(time.Millisecond))
	return c, err
}

// processProvider runs the source's credential_process, with its error as one line.
type processProvider struct {
	p *processcreds.Provider
	o *Options
}

func (p *processProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	start := time.Now()
	c, err := p.p.Retrieve(ctx)
	p.o.logf("credential_process took %s", time.Since(start).Round(time.Millisecond))
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("source credential_process: %s", oneLine(err.Error()))
	}
	return c, nil
}

// defaultSessionName is "acct-<user>-<unix>": CloudTrail then shows who assumed the role, with
// which tool, when. user is, in order, the given name, the MFA device's name (by convention the
// IAM user), the OS user.
func defaultSessionName(who, serial string, now time.Time) string {
	if who == "" && serial != "" {
		who = path.Base(serial)
	}
	if who == "" {
		if u, err := user.Current(); err == nil {
			who = u.Username
		}
	}
	who = sanitizeSessionName(who)
	if who == "" {
		who = "user"
	}
	suffix := fmt.Sprintf("-%d", now.Unix())
	if max := 64 - len("acct-") - len(suffix); len(who) > max {
		who = who[:max]
	}
	return "acct-" + who + suffix
}

// sanitizeSessionName keeps the characters STS accepts in a role session name ([\w+=,.@-]).
func sanitizeSessionName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', strings.ContainsRune("_+=,.@-", r):
			b.WriteRune(r)
		case r == '\\' || r == '/' || r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}
