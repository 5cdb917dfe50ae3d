package session

// IAM Identity Center (SSO): the OAuth device authorization flow through the SSO OIDC service,
// the access token kept in the keyring and renewed with its refresh token (so a user signs in
// once per SSO session, not once per access token), and role credentials from the portal's
// GetRoleCredentials, cached like assumed-role credentials.

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/smithy-go"

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
)

// SSOOptions tune IAM Identity Center sign-in; they are Options.SSO.
type SSOOptions struct {
	// Prompt shows the verification URL and the user code of a device authorization. With it, a
	// missing or expired token starts the device flow and waits for the user to approve it;
	// without it (a script), that is an error saying to run `acct login --sso`.
	Prompt func(uri, code string)
	// AWSCLICache also writes the token where the AWS CLI v2 looks for it
	// (~/.aws/sso/cache/<sha1 of the session name>.json, mode 0600), so `aws --profile X` works
	// with the same sign-in. Off by default: the token is a bearer secret.
	AWSCLICache bool
	// Home holds .aws/sso/cache for AWSCLICache (the command layer passes $HOME).
	Home string
	// ClientName is the OIDC client name shown to administrators; default "acct".
	ClientName string
	// LoginHint ends the error for a missing token, e.g. "acct login --sso prod-admin"; the
	// default names the session.
	LoginHint string

	// wait sleeps between two polls; tests move the fake's clock instead, so what the fake sees
	// is the wait the client chose, whatever the machine's load.
	wait func(ctx context.Context, d time.Duration) error
}

// SSOSession names an IAM Identity Center sign-in: an [sso-session NAME] section, or a legacy
// profile's sso_start_url (Name "").
type SSOSession struct {
	Name, StartURL, Region string
}

// SSOSessionOf is the session a resolved SSO profile signs in with.
func SSOSessionOf(ch *profiles.Chain) SSOSession {
	return SSOSession{Name: ch.SSOSession, StartURL: ch.SSOStartURL, Region: ch.SSORegion}
}

func (s SSOSession) id() string {
	if s.Name != "" {
		return s.Name
	}
	return s.StartURL
}

func (s SSOSession) String() string {
	if s.Name != "" {
		return "SSO session " + s.Name
	}
	return "SSO start URL " + s.StartURL
}

const (
	ssoTokenPrefix  = "sso:"
	ssoClientPrefix = "sso-client:"
	deviceGrantType = "urn:ietf:params:oauth:grant-type:device_code"
)

// SSOTokenItem is the keyring item holding the access token of session s.
func SSOTokenItem(s SSOSession) string { return ssoTokenPrefix + s.id() }

// ssoClientItem holds the OIDC client registration used for s.
func ssoClientItem(s SSOSession) string { return ssoClientPrefix + s.Region + ":" + s.id() }

// SSOToken is a cached IAM Identity Center access token.
type SSOToken struct {
	AccessToken  string
	RefreshToken string `json:",omitempty"`
	ExpiresAt    time.Time
	StartURL     string
	Region       string
}

type ssoClientReg struct {
	ClientID, ClientSecret string
	ExpiresAt              time.Time
}

// ErrSSOLoginNeeded is returned, wrapped in a one-line message, when no usable token is cached
// and no Prompt was given.
var ErrSSOLoginNeeded = errors.New("sso login needed")

type ssoLoginNeeded struct{ msg string }

func (e *ssoLoginNeeded) Error() string   { return e.msg }
func (e *ssoLoginNeeded) Is(t error) bool { return t == ErrSSOLoginNeeded }

// Unwrap gives the error kind Auth: the sign-in is missing or has ended.
func (e *ssoLoginNeeded) Unwrap() error {
	return &fault.Error{Kind: fault.Auth, Err: errors.New(e.msg)}
}

func (s SSOSession) validate() error {
	if s.StartURL == "" || s.Region == "" {
		return fault.Errorf(fault.BadInput, "%s: no sso_start_url or sso_region; check its [sso-session] section", s)
	}
	return nil
}

// ssoClients builds the OIDC and portal clients in the session's region, at the endpoints
// AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL name (o.Env). Their calls
// are not signed.
func ssoClients(s SSOSession, o *Options) (*ssooidc.Client, *sso.Client, error) {
	oidcCfg, err := o.clientConfig(awsconfig.SSOOIDC, s.Region, "")
	if err != nil {
		return nil, nil, err
	}
	portalCfg, err := o.clientConfig(awsconfig.SSO, s.Region, "")
	if err != nil {
		return nil, nil, err
	}
	return ssooidc.NewFromConfig(oidcCfg), sso.NewFromConfig(portalCfg), nil
}

// CachedSSOToken returns the token kept for s when it has more than a few minutes left.
func CachedSSOToken(kr keyring.Keyring, s SSOSession, now time.Time) (SSOToken, bool) {
	t, ok := storedSSOToken(kr, s)
	if !ok || !lasts(t.ExpiresAt, now, DefaultMinRemaining) {
		return SSOToken{}, false
	}
	return t, true
}

// storedSSOToken is the token kept for s, expired or not: an expired one may still carry a
// refresh token.
func storedSSOToken(kr keyring.Keyring, s SSOSession) (SSOToken, bool) {
	it, err := kr.Get(SSOTokenItem(s))
	if err != nil {
		return SSOToken{}, false
	}
	var t SSOToken
	if json.Unmarshal(it.Data, &t) != nil || t.AccessToken == "" || t.StartURL != s.StartURL {
		return SSOToken{}, false
	}
	return t, true
}

// SSOLogin runs the device authorization flow for s, whatever is cached, and keeps the new
// token in the keyring (and in the AWS CLI's cache with o.SSO.AWSCLICache). o.SSO.Prompt must
// be set: it is how the user learns the URL and code.
func SSOLogin(ctx context.Context, kr keyring.Keyring, s SSOSession, o Options) (SSOToken, error) {
	if err := s.validate(); err != nil {
		return SSOToken{}, err
	}
	if o.SSO.Prompt == nil {
		return SSOToken{}, errors.New("sso login: nothing to show the verification code with")
	}
	oidc, _, err := ssoClients(s, &o)
	if err != nil {
		return SSOToken{}, err
	}
	return ssoDeviceFlow(ctx, kr, oidc, s, &o)
}

// ssoAccessToken is the cached token, else one renewed with its refresh token, else (with a
// Prompt) a new one from the device flow.
func ssoAccessToken(ctx context.Context, kr keyring.Keyring, oidc *ssooidc.Client, s SSOSession, o *Options) (SSOToken, error) {
	if t, ok := CachedSSOToken(kr, s, o.now()); ok {
		o.logf("sso token %s: hit, expires %s", SSOTokenItem(s), t.ExpiresAt.Format(time.RFC3339))
		return t, nil
	}
	if t, ok := storedSSOToken(kr, s); ok && t.RefreshToken != "" {
		nt, err := ssoRefresh(ctx, kr, oidc, s, t, o)
		if err == nil {
			return nt, nil
		}
		if k := fault.Of(err); k == fault.Unavailable || k == fault.Interrupted {
			// The service did not answer (down, throttling, no network): the sign-in may well be
			// good, and signing in again would not help.
			return SSOToken{}, err
		}
		o.logf("sso token %s: refresh refused (%v)", SSOTokenItem(s), err)
	}
	if _, err := kr.Get(SSOTokenItem(s)); errors.Is(err, ErrUnreadableItem) {
		o.logf("sso token %s: unreadable item (a write cut short), replacing it", SSOTokenItem(s))
	} else {
		o.logf("sso token %s: miss", SSOTokenItem(s))
	}
	if o.SSO.Prompt == nil {
		hint := o.SSO.LoginHint
		if hint == "" {
			hint = "acct login --sso " + s.id()
		}
		return SSOToken{}, &ssoLoginNeeded{fmt.Sprintf("%s: not signed in, or the sign-in expired; run %s", s, hint)}
	}
	return ssoDeviceFlow(ctx, kr, oidc, s, o)
}

// ssoRefresh trades t's refresh token for a new access token (CreateToken with the refresh_token
// grant, as the AWS CLI does for an [sso-session]), with the client registration the refresh
// token was issued to; no browser, no prompt. The refresh token is single use: the new one (or,
// when none comes back, the old one) is kept with the new access token.
func ssoRefresh(ctx context.Context, kr keyring.Keyring, oidc *ssooidc.Client, s SSOSession, t SSOToken, o *Options) (SSOToken, error) {
	reg, ok := cachedRegistration(kr, s, o)
	if !ok {
		return SSOToken{}, errors.New("no client registration for the refresh token")
	}
	start := time.Now()
	out, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: aws.String(reg.ClientID), ClientSecret: aws.String(reg.ClientSecret),
		GrantType: aws.String("refresh_token"), RefreshToken: aws.String(t.RefreshToken),
	})
	o.logf("sso-oidc CreateToken (refresh token) took %s", time.Since(start).Round(time.Millisecond))
	if err != nil {
		return SSOToken{}, ssoError("CreateToken", s, err)
	}
	nt, err := ssoTokenFrom(out, s, o)
	if err != nil {
		return SSOToken{}, err
	}
	if nt.RefreshToken == "" {
		nt.RefreshToken = t.RefreshToken
	}
	return nt, ssoStoreToken(kr, s, nt, reg, o)
}

// ssoTokenFrom is the token CreateToken gave.
func ssoTokenFrom(out *ssooidc.CreateTokenOutput, s SSOSession, o *Options) (SSOToken, error) {
	t := SSOToken{
		AccessToken: aws.ToString(out.AccessToken), RefreshToken: aws.ToString(out.RefreshToken),
		ExpiresAt: o.now().Add(time.Duration(out.ExpiresIn) * time.Second).UTC().Truncate(time.Second),
		StartURL:  s.StartURL, Region: s.Region,
	}
	if t.AccessToken == "" {
		return SSOToken{}, fmt.Errorf("%s: CreateToken returned no access token", s)
	}
	return t, nil
}

// cachedRegistration is the client registration kept for s while it has more than an hour left.
func cachedRegistration(kr keyring.Keyring, s SSOSession, o *Options) (ssoClientReg, bool) {
	it, err := kr.Get(ssoClientItem(s))
	if err != nil {
		return ssoClientReg{}, false
	}
	var r ssoClientReg
	if json.Unmarshal(it.Data, &r) != nil || r.ClientID == "" || !lasts(r.ExpiresAt, o.now(), time.Hour) {
		return ssoClientReg{}, false
	}
	return r, true
}

// ssoRegistration is the cached OIDC client registration, else a new one (cached until it expires).
func ssoRegistration(ctx context.Context, kr keyring.Keyring, oidc *ssooidc.Client, s SSOSession, o *Options) (ssoClientReg, error) {
	item := ssoClientItem(s)
	if r, ok := cachedRegistration(kr, s, o); ok {
		o.logf("sso client registration %s: hit, expires %s", item, r.ExpiresAt.Format(time.RFC3339))
		return r, nil
	}
	name := o.SSO.ClientName
	if name == "" {
		name = "acct"
	}
	in := &ssooidc.RegisterClientInput{ClientName: aws.String(name), ClientType: aws.String("public")}
	if s.Name != "" {
		// The modern [sso-session] form: a registration with scopes, whose tokens can be refreshed.
		in.Scopes = []string{profiles.SSORegistrationScopes}
	}
	start := time.Now()
	out, err := oidc.RegisterClient(ctx, in)
	o.logf("sso-oidc RegisterClient took %s", time.Since(start).Round(time.Millisecond))
	if err != nil {
		return ssoClientReg{}, ssoError("RegisterClient", s, err)
	}
	r := ssoClientReg{ClientID: aws.ToString(out.ClientId), ClientSecret: aws.ToString(out.ClientSecret), ExpiresAt: time.Unix(out.ClientSecretExpiresAt, 0).UTC()}
	if out.ClientSecretExpiresAt == 0 {
		r.ExpiresAt = o.now().Add(24 * time.Hour).UTC()
	}
	if data, err := json.Marshal(r); err == nil {
		if err := kr.Set(keyring.Item{Key: item, Data: data, Label: "acct " + item, Description: "expires " + r.ExpiresAt.Format(time.RFC3339)}); err != nil {
			o.logf("sso client registration %s: could not store: %v", item, err)
		}
	}
	return r, nil
}

// ssoDeviceFlow registers (or reuses) a client, starts a device authorization, shows the code
// and polls CreateToken until the user approves.
func ssoDeviceFlow(ctx context.Context, kr keyring.Keyring, oidc *ssooidc.Client, s SSOSession, o *Options) (SSOToken, error) {
	reg, dev, err := ssoStartDevice(ctx, kr, oidc, s, o)
	if err != nil {
		return SSOToken{}, err
	}
	uri := aws.ToString(dev.VerificationUriComplete)
	if uri == "" {
		uri = aws.ToString(dev.VerificationUri)
	}
	o.SSO.Prompt(uri, aws.ToString(dev.UserCode))
	return ssoPollToken(ctx, kr, oidc, s, reg, dev, o)
}

// ssoStartDevice starts a device authorization with the cached client registration, or a new
// one when the cached one was revoked or expired early.
func ssoStartDevice(ctx context.Context, kr keyring.Keyring, oidc *ssooidc.Client, s SSOSession, o *Options) (ssoClientReg, *ssooidc.StartDeviceAuthorizationOutput, error) {
	start := func(reg ssoClientReg) (*ssooidc.StartDeviceAuthorizationOutput, error) {
		return oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
			ClientId: aws.String(reg.ClientID), ClientSecret: aws.String(reg.ClientSecret), StartUrl: aws.String(s.StartURL),
		})
	}
	reg, err := ssoRegistration(ctx, kr, oidc, s, o)
	if err != nil {
		return reg, nil, err
	}
	dev, err := start(reg)
	var invalid *oidctypes.InvalidClientException
	if errors.As(err, &invalid) {
		o.logf("sso client registration rejected, registering again")
		_ = removeItem(kr, ssoClientItem(s))
		if reg, err = ssoRegistration(ctx, kr, oidc, s, o); err != nil {
			return reg, nil, err
		}
		dev, err = start(reg)
	}
	if err != nil {
		return reg, nil, ssoError("StartDeviceAuthorization", s, err)
	}
	return reg, dev, nil
}

// ssoPollToken polls CreateToken until the user approves the device code, honouring
// authorization_pending (same interval) and slow_down (interval + 5 s), as RFC 8628 asks, and
// keeps the token.
func ssoPollToken(ctx context.Context, kr keyring.Keyring, oidc *ssooidc.Client, s SSOSession, reg ssoClientReg, dev *ssooidc.StartDeviceAuthorizationOutput, o *Options) (SSOToken, error) {
	wait := o.SSO.wait
	if wait == nil {
		wait = sleep
	}
	interval := time.Duration(dev.Interval) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second
	}
	deadline := time.Now().Add(time.Duration(dev.ExpiresIn) * time.Second)
	if dev.ExpiresIn <= 0 {
		deadline = time.Now().Add(10 * time.Minute)
	}
	for {
		if err := wait(ctx, interval); err != nil {
			return SSOToken{}, fault.Errorf(awsKind(err), "%s: sign-in interrupted: %w", s, err)
		}
		out, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{
			ClientId: aws.String(reg.ClientID), ClientSecret: aws.String(reg.ClientSecret),
			GrantType: aws.String(deviceGrantType), DeviceCode: dev.DeviceCode,
		})
		var pending *oidctypes.AuthorizationPendingException
		var slow *oidctypes.SlowDownException
		var expired *oidctypes.ExpiredTokenException
		var denied *oidctypes.AccessDeniedException
		switch {
		case err == nil:
			t, err := ssoTokenFrom(out, s, o)
			if err != nil {
				return SSOToken{}, err
			}
			if err := ssoStoreToken(kr, s, t, reg, o); err != nil {
				return SSOToken{}, err
			}
			return t, nil
		case errors.As(err, &pending):
			o.logf("sso-oidc CreateToken: authorization pending, polling again in %s", interval)
		case errors.As(err, &slow):
			interval += 5 * time.Second
			o.logf("sso-oidc CreateToken: slow down, polling every %s", interval)
		case errors.As(err, &expired):
			return SSOToken{}, fault.Errorf(fault.Auth, "%s: the code expired before it was approved; run the sign-in again and approve it in the browser", s)
		case errors.As(err, &denied):
			return SSOToken{}, fault.Errorf(fault.Auth, "%s: the sign-in was denied in the browser; run it again and choose Allow", s)
		default:
			return SSOToken{}, ssoError("CreateToken", s, err)
		}
		if time.Now().Add(interval).After(deadline) {
			return SSOToken{}, fault.Errorf(fault.Auth, "%s: the code expired before it was approved; run the sign-in again and approve it in the browser", s)
		}
	}
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// ssoStoreToken keeps t in the keyring and, when asked, in the AWS CLI's cache.
func ssoStoreToken(kr keyring.Keyring, s SSOSession, t SSOToken, reg ssoClientReg, o *Options) error {
	data, err := json.Marshal(t)
	if err != nil {
		return err
	}
	item := SSOTokenItem(s)
	if err := kr.Set(keyring.Item{Key: item, Data: data, Label: "acct " + item, Description: "expires " + t.ExpiresAt.Format(time.RFC3339)}); err != nil {
		return fmt.Errorf("%s: store the token in the keyring: %w", s, err)
	}
	o.logf("sso token %s: stored, expires %s", item, t.ExpiresAt.Format(time.RFC3339))
	if o.SSO.AWSCLICache {
		path, err := writeAWSCLICache(o.SSO.Home, s, t, reg)
		if err != nil {
			return fmt.Errorf("%s: write the AWS CLI's SSO cache: %w", s, err)
		}
		o.logf("sso token also written to %s", path)
	}
	return nil
}

// AWSCLICachePath is the file the AWS CLI v2 reads the token of s from: the SHA-1 of the
// session name ([sso-session]) or of the start URL (legacy profiles).
func AWSCLICachePath(home string, s SSOSession) (string, error) {
	if home == "" {
		return "", errors.New("no home directory for the AWS CLI's SSO cache; set HOME")
	}
	sum := sha1.Sum([]byte(s.id()))
	return filepath.Join(home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json"), nil
}

// writeAWSCLICache writes the token in the AWS CLI's format, atomically, mode 0600.
func writeAWSCLICache(home string, s SSOSession, t SSOToken, reg ssoClientReg) (string, error) {
	path, err := AWSCLICachePath(home, s)
	if err != nil {
		return "", err
	}
	const layout = "2006-01-02T15:04:05Z"
	doc := map[string]string{
		"startUrl": t.StartURL, "region": t.Region, "accessToken": t.AccessToken,
		"expiresAt": t.ExpiresAt.UTC().Format(layout),
	}
	if s.Name != "" {
		// With a registration and refresh token the CLI can refresh the token on its own.
		doc["clientId"], doc["clientSecret"] = reg.ClientID, reg.ClientSecret
		doc["registrationExpiresAt"] = reg.ExpiresAt.UTC().Format(layout)
		if t.RefreshToken != "" {
			doc["refreshToken"] = t.RefreshToken
		}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return "", err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, ".acct-*.json")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return "", err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(f.Name(), path)
}

// ssoRoleProvider gets role credentials from the portal with the session's token.
type ssoRoleProvider struct {
	kr            keyring.Keyring
	sess          SSOSession
	account, role string
	oidc          *ssooidc.Client
	portal        *sso.Client
	o             *Options
}

func (p *ssoRoleProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	for try := 0; ; try++ {
		tok, err := ssoAccessToken(ctx, p.kr, p.oidc, p.sess, p.o)
		if err != nil {
			return aws.Credentials{}, err
		}
		start := time.Now()
		out, err := p.portal.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{
			AccessToken: aws.String(tok.AccessToken), AccountId: aws.String(p.account), RoleName: aws.String(p.role),
		})
		p.o.logf("sso GetRoleCredentials %s/%s took %s", p.account, p.role, time.Since(start).Round(time.Millisecond))
		var ae smithy.APIError
		if err != nil && errors.As(err, &ae) && ae.ErrorCode() == "UnauthorizedException" && try == 0 {
			// The portal no longer takes the token (signed out, revoked): forget it and sign in
			// again, or say so.
			p.o.logf("sso token %s: refused by the portal, dropped", SSOTokenItem(p.sess))
			_ = removeItem(p.kr, SSOTokenItem(p.sess))
			continue
		}
		if err != nil {
			return aws.Credentials{}, ssoError("GetRoleCredentials", p.sess, err)
		}
		rc := out.RoleCredentials
		if rc == nil || aws.ToString(rc.AccessKeyId) == "" {
			return aws.Credentials{}, fmt.Errorf("%s: GetRoleCredentials returned no credentials", p.sess)
		}
		return aws.Credentials{
			AccessKeyID: aws.ToString(rc.AccessKeyId), SecretAccessKey: aws.ToString(rc.SecretAccessKey),
			SessionToken: aws.ToString(rc.SessionToken), CanExpire: true,
			Expires: time.UnixMilli(rc.Expiration).UTC(), Source: "acct sso",
		}, nil
	}
}

// newSSOProvider is the provider of an SSO chain's base credentials, cached in the keyring
// under the SSO profile's role item like any assumed role.
func newSSOProvider(ctx context.Context, chain *profiles.Chain, kr keyring.Keyring, o *Options) (*Cache, error) {
	s := SSOSessionOf(chain)
	if kr == nil {
		return nil, fmt.Errorf("credentials for %q: no keyring", chain.Profile)
	}
	if err := s.validate(); err != nil {
		return nil, fmt.Errorf("credentials for %q: %w", chain.Profile, err)
	}
	if o.SSO.LoginHint == "" {
		o.SSO.LoginHint = "acct login --sso " + chain.Profile
	}
	oidc, portal, err := ssoClients(s, o)
	if err != nil {
		return nil, fmt.Errorf("credentials for %q: %w", chain.Profile, err)
	}
	p := &ssoRoleProvider{kr: kr, sess: s, account: chain.SSOAccountID, role: chain.SSORoleName, oidc: oidc, portal: portal, o: o}
	name := chain.SSOProfile
	if name == "" {
		name = chain.Profile
	}
	return o.cachedHop(kr, RoleItem(name), "sso "+chain.SSOAccountID+"/"+chain.SSORoleName+" via "+s.StartURL, p), nil
}

// SSOAssignments lists every account and permission set the session's user may use
// (ListAccounts, then ListAccountRoles per account, every page). It needs a cached token,
// or o.SSO.Prompt to sign in.
func SSOAssignments(ctx context.Context, kr keyring.Keyring, s SSOSession, o Options) ([]profiles.SSOAssignment, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	oidc, portal, err := ssoClients(s, &o)
	if err != nil {
		return nil, err
	}
	tok, err := ssoAccessToken(ctx, kr, oidc, s, &o)
	if err != nil {
		return nil, err
	}
	var out []profiles.SSOAssignment
	accounts := sso.NewListAccountsPaginator(portal, &sso.ListAccountsInput{AccessToken: aws.String(tok.AccessToken)})
	for accounts.HasMorePages() {
		page, err := accounts.NextPage(ctx)
		if err != nil {
			return nil, ssoError("ListAccounts", s, err)
		}
		for _, a := range page.AccountList {
			roles := sso.NewListAccountRolesPaginator(portal, &sso.ListAccountRolesInput{AccessToken: aws.String(tok.AccessToken), AccountId: a.AccountId})
			for roles.HasMorePages() {
				rp, err := roles.NextPage(ctx)
				if err != nil {
					return nil, ssoError("ListAccountRoles", s, err)
				}
				for _, r := range rp.RoleList {
					out = append(out, profiles.SSOAssignment{AccountID: aws.ToString(a.AccountId), AccountName: aws.ToString(a.AccountName), RoleName: aws.ToString(r.RoleName)})
				}
			}
		}
	}
	return out, nil
}

// ssoError is one line for an OIDC or portal failure, never with a token in it, of the kind
// awsKind gives.
func ssoError(op string, s SSOSession, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		msg := ae.ErrorMessage()
		switch ae.ErrorCode() {
		case "UnauthorizedException":
			return &ssoLoginNeeded{fmt.Sprintf("%s: the portal refused the sign-in (%s); run acct login --sso %s", s, op, s.id())}
		case "ForbiddenException":
			return fault.Errorf(fault.Auth, "%s: %s: not allowed (%s); check sso_account_id and sso_role_name, or ask for the assignment", s, op, oneLine(msg))
		}
		if msg == "" {
			msg = ae.ErrorCode()
		} else {
			msg = ae.ErrorCode() + ": " + msg
		}
		return fault.Errorf(awsKind(err), "%s: IAM Identity Center %s: %s", s, op, oneLine(msg))
	}
	// The portal (GetRoleCredentials, ListAccounts...) and the sign-in service (SSO OIDC) have
	// endpoints of their own.
	env := "SSO"
	if op == "CreateToken" || op == "RegisterClient" || op == "StartDeviceAuthorization" {
		env = "SSO_OIDC"
	}
	if line, ok := fault.Unreachable("IAM Identity Center", env, err); ok {
		return fault.Errorf(fault.Unavailable, "%s: %s %s", s, op, line)
	}
	return fault.Errorf(awsKind(err), "%s: IAM Identity Center %s: %s", s, op, oneLine(err.Error()))
}
