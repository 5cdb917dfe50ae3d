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
	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
)

// Durations, as SPEC §3 fixes them. STS would give a GetSessionToken session up to 36 h; acct caps
// it at 12 h so an MFA code is asked at least once a working day. A role assumed with role
// credentials (every hop after the first) is capped by AWS at 1 h.
const (
	DefaultSessionDuration = 8 * time.Hour
	MaxSessionDuration     = 12 * time.Hour
	DefaultRoleDuration    = time.Hour
	MaxRoleDuration        = 12 * time.Hour
	MaxChainedRoleDuration = time.Hour
	minDuration            = 15 * time.Minute // STS's floor for both calls
)

// Options tune NewProvider. The zero value is the product's defaults.
type Options struct {
	SessionDuration time.Duration // GetSessionToken; default 8h, at most 12h
	RoleDuration    time.Duration // AssumeRole when the profile sets no duration_seconds; default 1h
	// NoSession skips GetSessionToken: the first role is assumed with the long-lived keys, and
	// each role sends its own profile's mfa_serial, as the AWS CLI does. With no role at all, the
	// long-lived keys are returned as they are (the caller asked for exactly that).
	NoSession bool
	// MFA codes come, in this order, from MFAToken (--mfa-token), EnvMFAToken (ACCT_MFA_TOKEN),
	// the chain's mfa_process, then MFA, which asks the person (nil when nobody can be asked:
	// needing a code is then an error saying how to give one).
	MFAToken, EnvMFAToken string
	MFA                   MFA
	Now                   func() time.Time // default time.Now; the caches' clock
	// MinRemaining is how long before they expire cached credentials are replaced; default
	// DefaultMinRemaining.
	MinRemaining time.Duration
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

func (o *Options) minRemaining() time.Duration {
	if o.MinRemaining > 0 {
		return o.MinRemaining
	}
	return DefaultMinRemaining
}

// CheckDurations is the rule for the lifetimes a caller asks for: an MFA session of 15m to 12h
// (STS would give 36 h; acct asks for a code at least once a working day), role credentials of
// 15m to 12h (0: the profile's duration_seconds, else 1h).
func CheckDurations(session, role time.Duration) error {
	if session != 0 && (session < minDuration || session > MaxSessionDuration) {
		return fault.Errorf(fault.Usage, "MFA session duration %s is out of range; give 15m to %s (--session-duration)", session, MaxSessionDuration)
	}
	if role != 0 && (role < minDuration || role > MaxRoleDuration) {
		return fault.Errorf(fault.Usage, "role duration %s is out of range; give 15m to %s (--duration)", role, MaxRoleDuration)
	}
	return nil
}

// NewProvider returns the credentials for chain: the source's long-lived keys (keyring) or its
// credential_process, then a GetSessionToken session (with MFA when mfa_serial is set; cached in
// the keyring per source and device), then each role in turn (each cached in the keyring under its
// profile). Roles[0] is assumed with the session, every later role with the one before it. Every
// hop is cached in memory too (Cache), the last one included: a caller keeping the provider (a
// shell's credential endpoint) gets new credentials before the old ones expire, without a cache
// of its own.
//
// Without a role and without MFA, a GetSessionToken session without MFA is still made, so the
// long-lived keys never reach a child process. Without MFA but with roles, the first role is
// assumed with the keys directly (a session would add a call and protect nothing more). A
// credential_process source is used as it is: its credentials are usually temporary already, and
// GetSessionToken refuses those; MFA then goes with the first AssumeRole.
//
// No STS call is made here; the first Retrieve makes them, and a cache hit makes none.
func NewProvider(ctx context.Context, chain *profiles.Chain, kr keyring.Keyring, o Options) (aws.CredentialsProvider, error) {
	if err := checkChain(chain, kr); err != nil {
		return nil, err
	}
	chain = keysFirst(chain, kr)
	if err := CheckDurations(o.SessionDuration, o.RoleDuration); err != nil {
		return nil, err
	}
	if o.SessionDuration == 0 {
		o.SessionDuration = DefaultSessionDuration
	}
	if o.RoleDuration == 0 {
		o.RoleDuration = DefaultRoleDuration
	}
	if k, ok := kr.(*Keyring); ok {
		o.logf("keyring backend %s", k.Backend())
	}
	b := &chainBuilder{chain: chain, kr: kr, o: &o, mfa: chooseMFA(o.MFAToken, o.EnvMFAToken, chain.MFAProcess, o.MFA)}
	region := chain.Region
	if region == "" {
		region = DefaultRegion
	}
	b.cfg = sync.OnceValues(func() (aws.Config, error) { return b.o.clientConfig(awsconfig.STS, region, chain.EndpointURL) })
	if err := b.source(ctx); err != nil {
		return nil, err
	}
	b.session()
	for i, r := range chain.Roles {
		b.role(i, r)
	}
	return b.cur, nil
}

// checkChain refuses a chain NewProvider cannot start.
func checkChain(chain *profiles.Chain, kr keyring.Keyring) error {
	if chain == nil {
		return errors.New("credentials: no profile")
	}
	if chain.Source == "" && chain.SourceProcess == "" && chain.SSOAccountID == "" {
		return fault.Errorf(fault.BadInput, "credentials for %q: no source profile with keys and no credential_process; run acct add <source-profile>", chain.Profile)
	}
	if (chain.Source != "" || chain.SSOAccountID != "") && kr == nil {
		return fmt.Errorf("credentials for %q: no keyring", chain.Profile)
	}
	for i, r := range chain.Roles {
		if r.ARN == "" {
			return fault.Errorf(fault.BadInput, "credentials for %q: role %d in the chain (%s) has no role_arn", chain.Profile, i+1, r.Profile)
		}
	}
	return nil
}

// keysFirst starts the chain at the highest source profile that has keys in the keyring: the AWS
// CLI uses a source's keys before its role_arn (the profile asked for still assumes its role).
// Only chains of two roles or more ask the keyring.
func keysFirst(chain *profiles.Chain, kr keyring.Keyring) *profiles.Chain {
	if kr == nil || chain.SSOAccountID != "" {
		return chain
	}
	for i := len(chain.Roles) - 2; i >= 0; i-- {
		if (Store{Keyring: kr}).HasKeys(chain.Roles[i].Profile) {
			return chain.SourcedAt(i)
		}
	}
	return chain
}

// chainBuilder puts a chain's providers together, hop by hop: cur is the last so far.
type chainBuilder struct {
	chain *profiles.Chain
	kr    keyring.Keyring
	o     *Options
	mfa   mfaSource
	cfg   func() (aws.Config, error) // the STS clients' configuration, made at the first STS call

	cur        aws.CredentialsProvider
	prev       *Cache // cur when it is a hop cached in the keyring, else nil
	from       string // what cur is, for the cache's record of what role credentials were made from
	useSession bool
}

// serial is the MFA device of the chain: the profile's, else the first role's.
func (b *chainBuilder) serial() string { return sessionSerial(b.chain) }

// source starts the chain: IAM Identity Center's role credentials, the keys in the keyring or
// the source's credential_process.
func (b *chainBuilder) source(ctx context.Context) error {
	switch {
	case b.chain.SSOAccountID != "":
		sp, err := newSSOProvider(ctx, b.chain, b.kr, b.o)
		if err != nil {
			return err
		}
		b.from, b.cur, b.prev = "sso "+b.chain.SSOProfile, sp, sp
	case b.chain.Source != "":
		b.from = b.chain.Source
		b.cur = NewCache(&keysProvider{store: Store{Keyring: b.kr}, profile: b.chain.Source, o: b.o}, b.o.now, b.o.minRemaining())
	default:
		b.from = "credential_process"
		b.cur = NewCache(&processProvider{p: processcreds.NewProvider(b.chain.SourceProcess), o: b.o}, b.o.now, b.o.minRemaining())
	}
	return nil
}

// session adds the GetSessionToken hop where the chain takes one: keys with MFA, or keys alone
// with no role (so the long-lived keys never reach a child process).
func (b *chainBuilder) session() {
	serial := b.serial()
	b.useSession = b.chain.Source != "" && !b.o.NoSession && (serial != "" || len(b.chain.Roles) == 0)
	if !b.useSession {
		return
	}
	b.prev = b.o.cachedHop(b.kr, SessionItem(b.chain.Source, serial), "", &sessionTokenProvider{
		client: &lazyClient{cfg: b.cfg, creds: b.cur}, creds: b.cur, source: b.chain.Source, serial: serial,
		duration: b.o.SessionDuration, mfa: b.mfa, o: b.o,
	})
	b.cur = b.prev
}

// role adds the hop that assumes chain role i. Role chaining (every hop after the first) caps
// the duration at 1h.
func (b *chainBuilder) role(i int, r profiles.ChainRole) {
	d := r.Duration
	if d == 0 {
		d = b.o.RoleDuration
	}
	if i > 0 && d > MaxChainedRoleDuration {
		b.o.logf("role %s: duration %s capped at %s (role chaining)", r.ARN, d, MaxChainedRoleDuration)
		d = MaxChainedRoleDuration
	}
	serial := b.serial()
	rp := &roleProvider{
		client: &lazyClient{cfg: b.cfg, creds: b.cur}, creds: b.cur, arn: r.ARN, externalID: r.ExternalID, duration: d,
		sessionName: r.SessionName, mfa: b.mfa, o: b.o, prev: b.prev,
	}
	if rp.sessionName == "" {
		rp.sessionName = defaultSessionName(b.o.User, serial, b.o.now())
	}
	if !b.useSession {
		// No MFA session: each role sends its own profile's device, as the AWS CLI does.
		rp.serial = r.MFASerial
	}
	name := r.Profile
	if name == "" {
		name = r.ARN
	}
	b.prev = b.o.cachedHop(b.kr, RoleItem(name), r.ARN+" from "+b.from, rp)
	b.cur = b.prev
	b.from = name
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
