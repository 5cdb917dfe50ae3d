package session

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/session/ssotest"
	"github.com/acct-cli/acct/session/ststest"
)

const (
	ssoAccount = "111111111111"
	ssoRole    = "AdministratorAccess"
)

type ssoFixture struct {
	t     *testing.T
	home  string
	fake  *ssotest.Server
	sts   *ststest.Server
	kr    keyring.Keyring
	debug strings.Builder

	mu       sync.Mutex
	prompts  []string // user codes shown
	answers  int      // CreateToken answers the client has logged
	decideAt int      // decide runs once answers reaches it
	decide   func()
}

// newSSOFixture's fake lives on a clock of its own that only the client's waits move (see
// options), so whether a poll is early is the client's doing, not the machine's load.
func newSSOFixture(t *testing.T) *ssoFixture {
	t.Helper()
	f := &ssoFixture{t: t, home: isolate(t), kr: keyring.NewArrayKeyring(nil)}
	f.sts = ststest.New()
	t.Cleanup(f.sts.Close)
	f.fake = ssotest.New()
	t.Cleanup(f.fake.Close)
	start := time.Now()
	f.fake.SetNow(func() time.Time { return start })
	f.fake.STS = f.sts
	f.fake.AddAccount(ssoAccount, "Production", ssoRole, "ReadOnly")
	return f
}

func (f *ssoFixture) chain() *profiles.Chain {
	return &profiles.Chain{
		Profile: "cpco-prod-admin", Region: "us-west-2", SSOProfile: "cpco-prod-admin",
		SSOSession: "cpco", SSOStartURL: "https://d-1234567890.awsapps.com/start", SSORegion: "eu-west-1",
		SSOAccountID: ssoAccount, SSORoleName: ssoRole,
	}
}

// options approve (or deny) the device code once the client has logged `pending` CreateToken
// answers without approval. The decision is made while the client logs the answer, before it
// waits to poll again, so it lands before the next poll however slow the machine is. The
// client's waits move the fake's clock instead of sleeping.
func (f *ssoFixture) options(pending int, approve bool) Options {
	o := Options{Debug: writerFunc(f.log)}
	o.Env = f.env()
	o.SSO.wait = func(_ context.Context, d time.Duration) error { f.fake.Advance(d); return nil }
	o.SSO.Home = f.home
	o.SSO.Prompt = func(uri, code string) {
		if !strings.Contains(uri, code) || !strings.HasPrefix(uri, f.fake.URL) {
			f.t.Errorf("verification URI %q does not carry code %q", uri, code)
		}
		decide := func() {
			decide := f.fake.Deny
			if approve {
				decide = f.fake.Approve
			}
			if err := decide(code); err != nil {
				f.t.Errorf("deciding on %s: %v", code, err)
			}
		}
		f.mu.Lock()
		f.prompts = append(f.prompts, code)
		f.decideAt, f.decide = f.answers+pending, decide
		f.mu.Unlock()
		f.log(nil)
	}
	return o
}

// log keeps the client's debug output and runs a pending decision once its answer has come.
func (f *ssoFixture) log(p []byte) {
	f.mu.Lock()
	f.debug.Write(p)
	f.answers += strings.Count(string(p), "sso-oidc CreateToken: ")
	decide := f.decide
	if decide != nil && f.answers >= f.decideAt {
		f.decide = nil
	} else {
		decide = nil
	}
	f.mu.Unlock()
	if decide != nil {
		decide()
	}
}

type writerFunc func([]byte)

func (w writerFunc) Write(p []byte) (int, error) { w(p); return len(p), nil }

// env points every client at the fakes, as AWS_ENDPOINT_URL_* would.
func (f *ssoFixture) env() awsconfig.Env {
	return awsconfig.Env{Endpoints: map[string]string{awsconfig.SSOOIDC: f.fake.URL, awsconfig.SSO: f.fake.URL, awsconfig.STS: f.sts.URL}}
}

// retrieve builds a provider for the fixture's chain and retrieves once; o always reaches the fakes.
func (f *ssoFixture) retrieve(o Options) (aws.Credentials, error) {
	f.t.Helper()
	o.Env = f.env()
	p, err := NewProvider(context.Background(), f.chain(), f.kr, o)
	if err != nil {
		return aws.Credentials{}, err
	}
	return p.Retrieve(context.Background())
}

// noSecrets fails when a token or credential the fakes issued is in the debug output.
func (f *ssoFixture) noSecrets(errs ...error) {
	f.t.Helper()
	for _, s := range append(f.fake.Issued(), f.sts.Issued()...) {
		if strings.Contains(f.debug.String(), s) {
			f.t.Errorf("debug output holds a secret")
		}
		for _, err := range errs {
			if err != nil && strings.Contains(err.Error(), s) {
				f.t.Errorf("error holds a secret: %v", err)
			}
		}
	}
}

func TestSSODeviceFlowPendingThenApproved(t *testing.T) {
	f := newSSOFixture(t)
	creds, err := f.retrieve(f.options(2, true))
	if err != nil {
		t.Fatal(err)
	}
	// Two authorization_pending answers, then the token; a client polling faster than the
	// interval would have met slow_down and made more calls.
	if got := f.fake.Calls("CreateToken"); got != 3 {
		t.Errorf("CreateToken calls = %d, want 3 (2 pending + 1)\n%s", got, f.debug.String())
	}
	if f.fake.Calls("RegisterClient") != 1 || f.fake.Calls("StartDeviceAuthorization") != 1 || f.fake.Calls("GetRoleCredentials") != 1 {
		t.Errorf("calls: register %d, device %d, role credentials %d; want 1 each",
			f.fake.Calls("RegisterClient"), f.fake.Calls("StartDeviceAuthorization"), f.fake.Calls("GetRoleCredentials"))
	}
	// The credentials are the portal's, and they work against STS.
	client := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.sts.URL), Credentials: aws.NewCredentialsCache(credentialsOf(creds))})
	id, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if arn := aws.ToString(id.Arn); !strings.Contains(arn, ":assumed-role/AWSReservedSSO_"+ssoRole+"_") || aws.ToString(id.Account) != ssoAccount {
		t.Errorf("caller identity %s in %s", arn, aws.ToString(id.Account))
	}
	// Token cached in the keyring, not in the AWS CLI's cache unless asked.
	if _, err := f.kr.Get(SSOTokenItem(SSOSessionOf(f.chain()))); err != nil {
		t.Errorf("token not in the keyring: %v", err)
	}
	if _, err := os.Stat(f.home + "/.aws/sso/cache"); err == nil {
		t.Errorf("~/.aws/sso/cache was written without AWSCLICache")
	}
	f.noSecrets()
}

func TestSSOSlowDownHonoured(t *testing.T) {
	f := newSSOFixture(t)
	f.fake.MinInterval = 3 // the fake advertises 1 but wants 3: the first poll is too early
	_, err := f.retrieve(f.options(2, true))
	if err != nil {
		t.Fatal(err)
	}
	// Poll 1: slow_down (interval now 6 s, enforced 6). Poll 2: pending. Poll 3: token.
	// Without the +5 the client would keep meeting slow_down.
	if got := f.fake.Calls("CreateToken"); got != 3 {
		t.Errorf("CreateToken calls = %d, want 3 (slow_down, pending, token)\n%s", got, f.debug.String())
	}
	if !strings.Contains(f.debug.String(), "slow down, polling every 6s") {
		t.Errorf("debug does not show the longer interval:\n%s", f.debug.String())
	}
}

func TestSSOExpiredAndDenied(t *testing.T) {
	f := newSSOFixture(t)
	f.fake.FailWith("CreateToken", "AuthorizationPendingException", "ExpiredTokenException")
	o := f.options(0, false)
	o.SSO.Prompt = func(string, string) {}
	_, err := f.retrieve(o)
	if err == nil || !strings.Contains(err.Error(), "the code expired before it was approved") || strings.Contains(err.Error(), "\n") {
		t.Errorf("expired: %v", err)
	}
	_, err = f.retrieve(f.options(1, false))
	if err == nil || !strings.Contains(err.Error(), "denied in the browser") {
		t.Errorf("denied: %v", err)
	}
	if f.fake.Calls("RegisterClient") != 1 {
		t.Errorf("the client registration was not reused: %d RegisterClient calls", f.fake.Calls("RegisterClient"))
	}
	f.noSecrets(err)
}

func TestSSOTokenAndCredentialsCached(t *testing.T) {
	f := newSSOFixture(t)
	if _, err := f.retrieve(f.options(0, true)); err != nil {
		t.Fatal(err)
	}
	oidcCalls := f.fake.Calls("RegisterClient") + f.fake.Calls("StartDeviceAuthorization") + f.fake.Calls("CreateToken")

	// Second run: role credentials from the keyring; no portal, no OIDC call, no prompt needed.
	script := Options{}
	c2, err := f.retrieve(script)
	if err != nil {
		t.Fatal(err)
	}
	if f.fake.Calls("GetRoleCredentials") != 1 {
		t.Errorf("GetRoleCredentials calls = %d, want 1 (cached)", f.fake.Calls("GetRoleCredentials"))
	}
	if c2.Source != "acct cache" {
		t.Errorf("second retrieve came from %q", c2.Source)
	}

	// Role credentials dropped: the cached token gets new ones without signing in again.
	if err := Clear(f.kr, "cpco-prod-admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.retrieve(script); err != nil {
		t.Fatal(err)
	}
	if f.fake.Calls("GetRoleCredentials") != 2 {
		t.Errorf("GetRoleCredentials calls = %d, want 2", f.fake.Calls("GetRoleCredentials"))
	}
	if got := f.fake.Calls("RegisterClient") + f.fake.Calls("StartDeviceAuthorization") + f.fake.Calls("CreateToken"); got != oidcCalls {
		t.Errorf("OIDC calls went from %d to %d with a cached token", oidcCalls, got)
	}
}

func TestSSOScriptWithoutToken(t *testing.T) {
	f := newSSOFixture(t)
	_, err := f.retrieve(Options{})
	if !errors.Is(err, ErrSSOLoginNeeded) || fault.Of(err) != fault.Auth || !strings.Contains(err.Error(), "run acct login --sso cpco-prod-admin") || strings.Contains(err.Error(), "\n") {
		t.Errorf("err = %v", err)
	}
	if f.fake.Calls("") != 0 {
		t.Errorf("%d calls to the fake without a token", f.fake.Calls(""))
	}

	// A token the portal no longer accepts is dropped, and the script is told to sign in.
	if _, err := SSOLogin(context.Background(), f.kr, SSOSessionOf(f.chain()), f.options(0, true)); err != nil {
		t.Fatal(err)
	}
	f.fake.RevokeTokens()
	_, err = f.retrieve(Options{})
	if !errors.Is(err, ErrSSOLoginNeeded) {
		t.Errorf("after revocation: %v", err)
	}
	if _, ok := CachedSSOToken(f.kr, SSOSessionOf(f.chain()), time.Now()); ok {
		t.Errorf("the refused token is still cached")
	}
}

func TestSSOLoginAWSCLICache(t *testing.T) {
	f := newSSOFixture(t)
	o := f.options(0, true)
	o.SSO.AWSCLICache = true
	s := SSOSessionOf(f.chain())
	tok, err := SSOLogin(context.Background(), f.kr, s, o)
	if err != nil {
		t.Fatal(err)
	}
	path, _ := AWSCLICachePath(f.home, s)
	sum := sha1.Sum([]byte("cpco")) // the AWS CLI names the file after the session name
	if want := f.home + "/.aws/sso/cache/" + hex.EncodeToString(sum[:]) + ".json"; path != want {
		t.Errorf("cache path %s, want %s", path, want)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	var doc map[string]string
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["accessToken"] != tok.AccessToken || doc["startUrl"] != s.StartURL || doc["region"] != "eu-west-1" || doc["clientId"] == "" || doc["refreshToken"] == "" {
		t.Errorf("cache file %v", doc)
	}
	if _, err := time.Parse("2006-01-02T15:04:05Z", doc["expiresAt"]); err != nil {
		t.Errorf("expiresAt %q: %v", doc["expiresAt"], err)
	}
	// A second login reuses the client registration.
	if _, err := SSOLogin(context.Background(), f.kr, s, o); err != nil {
		t.Fatal(err)
	}
	if f.fake.Calls("RegisterClient") != 1 || f.fake.Calls("StartDeviceAuthorization") != 2 {
		t.Errorf("register %d, device %d", f.fake.Calls("RegisterClient"), f.fake.Calls("StartDeviceAuthorization"))
	}
}

func TestSSOAssignmentsPaginated(t *testing.T) {
	f := newSSOFixture(t)
	f.fake.AddAccount("222222222222", "Staging", "AdministratorAccess", "ReadOnly", "Billing")
	f.fake.AddAccount("333333333333", "Dev Shared", "PowerUser")
	s := SSOSessionOf(f.chain())
	if _, err := SSOAssignments(context.Background(), f.kr, s, Options{Env: f.env()}); !errors.Is(err, ErrSSOLoginNeeded) {
		t.Fatalf("without a token: %v", err)
	}
	got, err := SSOAssignments(context.Background(), f.kr, s, f.options(0, true))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, a := range got {
		names = append(names, a.AccountID+"/"+a.AccountName+"/"+a.RoleName)
	}
	want := "111111111111/Production/AdministratorAccess 111111111111/Production/ReadOnly 222222222222/Staging/AdministratorAccess 222222222222/Staging/ReadOnly 222222222222/Staging/Billing 333333333333/Dev Shared/PowerUser"
	if strings.Join(names, " ") != want {
		t.Errorf("assignments\n got %s\nwant %s", strings.Join(names, " "), want)
	}
	if f.fake.Calls("ListAccounts") != 2 || f.fake.Calls("ListAccountRoles") != 4 {
		t.Errorf("ListAccounts %d (want 2 pages), ListAccountRoles %d (want 4)", f.fake.Calls("ListAccounts"), f.fake.Calls("ListAccountRoles"))
	}
}

func credentialsOf(c aws.Credentials) aws.CredentialsProviderFunc {
	return func(context.Context) (aws.Credentials, error) { return c, nil }
}

func TestSSORoleOnTop(t *testing.T) {
	f := newSSOFixture(t)
	arn := "arn:aws:iam::" + ssoAccount + ":role/deployer"
	f.sts.AddRole(arn, ststest.RoleOptions{})
	ch := f.chain()
	ch.Profile = "deploy"
	ch.Roles = []profiles.ChainRole{{Profile: "deploy", ARN: arn}}
	o := f.options(0, true)
	p, err := NewProvider(context.Background(), ch, f.kr, o)
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tmp, ok := f.sts.Lookup(c.AccessKeyID)
	if !ok || tmp.RoleARN != arn || f.fake.Calls("GetRoleCredentials") != 1 || f.sts.Calls("AssumeRole") != 1 {
		t.Errorf("role on top of SSO: %+v, GetRoleCredentials %d, AssumeRole %d", tmp, f.fake.Calls("GetRoleCredentials"), f.sts.Calls("AssumeRole"))
	}
	// Both hops are cached: the SSO profile's and the role's.
	for _, item := range []string{RoleItem("cpco-prod-admin"), RoleItem("deploy")} {
		if _, err := f.kr.Get(item); err != nil {
			t.Errorf("%s not cached: %v", item, err)
		}
	}
}

func TestSSOTokenRenewedWithRefreshToken(t *testing.T) {
	f := newSSOFixture(t)
	f.fake.TokenLifetime = 10 * time.Second // an access token that lasts seconds
	f.fake.CredentialLifetime = 15 * time.Minute
	if _, err := f.retrieve(f.options(0, true)); err != nil {
		t.Fatal(err)
	}
	s := SSOSessionOf(f.chain())
	first, _ := storedSSOToken(f.kr, s)
	if first.RefreshToken == "" {
		t.Fatal("an [sso-session] sign-in kept no refresh token")
	}
	f.fake.Advance(time.Hour) // token and role credentials have expired
	later := func() time.Time { return time.Now().Add(time.Hour) }
	devices := f.fake.Calls("StartDeviceAuthorization")

	// A script (no prompt) gets credentials: one CreateToken with the refresh token, no device flow.
	creds, err := f.retrieve(Options{Now: later})
	if err != nil {
		t.Fatal(err)
	}
	if f.fake.Refreshes() != 1 || f.fake.Calls("StartDeviceAuthorization") != devices || f.fake.Calls("GetRoleCredentials") != 2 {
		t.Errorf("refreshes %d, device authorizations %d (was %d), role credentials %d",
			f.fake.Refreshes(), f.fake.Calls("StartDeviceAuthorization"), devices, f.fake.Calls("GetRoleCredentials"))
	}
	if _, ok := f.sts.Lookup(creds.AccessKeyID); !ok {
		t.Errorf("the credentials after the refresh are not the portal's")
	}
	second, _ := storedSSOToken(f.kr, s)
	if second.AccessToken == first.AccessToken || second.RefreshToken == first.RefreshToken || !second.ExpiresAt.After(first.ExpiresAt) {
		t.Errorf("the renewed token was not stored with its new refresh token")
	}

	// The sign-in service down while the access token has expired: its own error, not "sign in
	// again" (the refresh token is still good, and a new sign-in would not get through either).
	f.fake.Advance(time.Hour)
	f.fake.Fail("CreateToken", "InternalServerException", 10)
	if err := Clear(f.kr, "cpco-prod-admin"); err != nil {
		t.Fatal(err)
	}
	_, err = f.retrieve(Options{Now: func() time.Time { return time.Now().Add(90 * time.Minute) }})
	if errors.Is(err, ErrSSOLoginNeeded) || fault.Of(err) != fault.Unavailable || !strings.Contains(err.Error(), "InternalServerException") {
		t.Errorf("refresh during an outage: %v (kind %s)", err, fault.Of(err))
	}
	f.fake.Fail("CreateToken", "", 0)
	refreshes := f.fake.Refreshes()

	// A spent or revoked refresh token: the script is told to sign in, nothing hangs.
	f.fake.RevokeTokens()
	f.fake.Advance(time.Hour)
	if err := Clear(f.kr, "cpco-prod-admin"); err != nil {
		t.Fatal(err)
	}
	_, err = f.retrieve(Options{Now: func() time.Time { return time.Now().Add(2 * time.Hour) }})
	if !errors.Is(err, ErrSSOLoginNeeded) || f.fake.Refreshes() != refreshes+1 {
		t.Errorf("after revocation: %v (refreshes %d, was %d)", err, f.fake.Refreshes(), refreshes)
	}
	f.noSecrets(err)
}
