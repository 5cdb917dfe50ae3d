package session

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/session/ststest"
)

const (
	acctID   = "323330167063"
	roleA    = "arn:aws:iam::" + acctID + ":role/cpco-testing-admin"
	roleB    = "arn:aws:iam::" + acctID + ":role/cpco-staging-admin"
	roleNext = "arn:aws:iam::" + acctID + ":role/cpco-next-hop"
)

// fixture is a fake STS with one user whose keys are in an in-memory keyring, an MFA that
// counts how often it is asked, and everything the test wrote kept under t.TempDir().
type fixture struct {
	t     *testing.T
	srv   *ststest.Server
	kr    keyring.Keyring
	user  ststest.User
	mfa   *countingMFA
	debug *bytes.Buffer
	env   awsconfig.Env // what the command layer would read from the environment
	errs  []error
}

func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "aws-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "aws-credentials"))
	for _, v := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(v, "")
	}
	return dir
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	isolate(t)
	srv := ststest.New()
	t.Cleanup(srv.Close)
	f := &fixture{t: t, srv: srv, kr: keyring.NewArrayKeyring(nil), debug: &bytes.Buffer{}}
	f.env = awsconfig.FromEnv(func(k string) string { return map[string]string{"AWS_ENDPOINT_URL_STS": srv.URL}[k] })
	f.user = srv.AddUser(acctID, "alice")
	f.mfa = &countingMFA{srv: srv, user: f.user}
	if err := (Store{Keyring: f.kr}).SetKeys("cpco", aws.Credentials{AccessKeyID: f.user.AccessKeyID, SecretAccessKey: f.user.SecretAccessKey}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) options() Options {
	return Options{
		MFA:     f.mfa,
		Env:     f.env,
		Debug:   f.debug,
		backoff: retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return time.Millisecond, nil }),
	}
}

func (f *fixture) chain(profile string, roles ...string) *profiles.Chain {
	c := &profiles.Chain{Profile: profile, Region: "us-west-2", Source: "cpco", MFASerial: f.user.MFASerial}
	for _, r := range roles {
		c.Roles = append(c.Roles, profiles.ChainRole{Profile: profile, ARN: r})
	}
	return c
}

// retrieve builds a provider and retrieves once, remembering any error for the secrets scan.
func (f *fixture) retrieve(c *profiles.Chain, o Options) (aws.Credentials, error) {
	f.t.Helper()
	p, err := NewProvider(context.Background(), c, f.kr, o)
	if err != nil {
		f.errs = append(f.errs, err)
		return aws.Credentials{}, err
	}
	creds, err := p.Retrieve(context.Background())
	if err != nil {
		f.errs = append(f.errs, err)
	}
	return creds, err
}

// noSecrets fails if any secret the fake STS ever issued (users' secret keys, temporary secret
// keys and session tokens) shows up in an error or in the debug output.
func (f *fixture) noSecrets() {
	f.t.Helper()
	for _, s := range f.srv.Issued() {
		for _, err := range f.errs {
			if strings.Contains(err.Error(), s) {
				f.t.Errorf("error contains a secret: %v", err)
			}
		}
		if strings.Contains(f.debug.String(), s) {
			f.t.Errorf("debug output contains a secret")
		}
	}
	for _, err := range f.errs {
		if strings.Contains(err.Error(), "\n") {
			f.t.Errorf("error is not one line: %q", err)
		}
	}
}

// countingMFA gives valid codes from three neighbouring TOTP windows (the fake accepts one step
// either side and burns each code), counting calls.
type countingMFA struct {
	srv  *ststest.Server
	user ststest.User
	mu   sync.Mutex
	n    int
}

func (m *countingMFA) Code(_ context.Context, serial string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	offsets := []time.Duration{0, 30 * time.Second, -30 * time.Second}
	c := m.srv.Code(m.user, time.Now().Add(offsets[m.n%3]))
	m.n++
	return c, nil
}

func (m *countingMFA) calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.n
}

func TestMFAOnceManyRoles(t *testing.T) {
	f := newFixture(t)
	f.srv.AddRole(roleA, ststest.RoleOptions{RequireMFA: true})
	f.srv.AddRole(roleB, ststest.RoleOptions{RequireMFA: true})

	a, err := f.retrieve(f.chain("cpco-testing-admin", roleA), f.options())
	if err != nil {
		t.Fatal(err)
	}
	if got := [3]int{f.srv.Calls("GetSessionToken"), f.srv.Calls("AssumeRole"), f.mfa.calls()}; got != [3]int{1, 1, 1} {
		t.Fatalf("first role: GetSessionToken, AssumeRole, MFA = %v, want 1 1 1", got)
	}
	tmp, ok := f.srv.Lookup(a.AccessKeyID)
	if !ok || tmp.RoleARN != roleA || !tmp.MFA {
		t.Fatalf("first role: got %+v, want MFA credentials of %s", tmp, roleA)
	}
	if !a.CanExpire || a.Expires.IsZero() {
		t.Errorf("credentials carry no expiry: %+v", a.Expires)
	}

	f.srv.Reset()
	if _, err := f.retrieve(f.chain("cpco-staging-admin", roleB), f.options()); err != nil {
		t.Fatal(err)
	}
	if got := [3]int{f.srv.Calls("GetSessionToken"), f.srv.Calls("AssumeRole"), f.mfa.calls()}; got != [3]int{0, 1, 1} {
		t.Fatalf("second role: GetSessionToken, AssumeRole, MFA total = %v, want 0 1 1", got)
	}

	f.srv.Reset()
	again, err := f.retrieve(f.chain("cpco-testing-admin", roleA), f.options())
	if err != nil {
		t.Fatal(err)
	}
	if n := f.srv.Calls(""); n != 0 || f.mfa.calls() != 1 {
		t.Fatalf("first role again: %d STS calls, %d MFA codes; want 0 and 1", n, f.mfa.calls())
	}
	if again.AccessKeyID != a.AccessKeyID || !again.Expires.Equal(a.Expires) {
		t.Errorf("cache gave %s (expires %s), want %s (expires %s)", again.AccessKeyID, again.Expires, a.AccessKeyID, a.Expires)
	}

	entries, err := Cached(f.kr)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Kind+" "+e.Name)
	}
	want := "role cpco-staging-admin,role cpco-testing-admin,session cpco:" + f.user.MFASerial
	if strings.Join(names, ",") != want {
		t.Errorf("Cached = %v, want %s", names, want)
	}
	for _, s := range []string{"GetSessionToken", "AssumeRole", "cache role:cpco-testing-admin: hit", "keyring read keys:cpco"} {
		if !strings.Contains(f.debug.String(), s) {
			t.Errorf("debug output lacks %q:\n%s", s, f.debug)
		}
	}
	f.noSecrets()
}

func TestChainedRoleUsesPreviousHop(t *testing.T) {
	f := newFixture(t)
	f.srv.AddRole(roleA, ststest.RoleOptions{RequireMFA: true, MaxSession: 4 * time.Hour})
	f.srv.AddRole(roleNext, ststest.RoleOptions{})
	c := f.chain("cpco-next", roleA, roleNext)
	c.Roles[0].Profile = "cpco-testing-admin"
	c.Roles[1].Duration = 3 * time.Hour // capped at 1h for a chained hop, or STS refuses
	got, err := f.retrieve(c, f.options())
	if err != nil {
		t.Fatal(err)
	}
	tmp, _ := f.srv.Lookup(got.AccessKeyID)
	if tmp.RoleARN != roleNext || f.srv.Calls("AssumeRole") != 2 || f.srv.Calls("GetSessionToken") != 1 {
		t.Fatalf("got %s after %d AssumeRole, %d GetSessionToken", tmp.RoleARN, f.srv.Calls("AssumeRole"), f.srv.Calls("GetSessionToken"))
	}
	f.noSecrets()
}

func TestCacheRefreshedInsideMinRemaining(t *testing.T) {
	f := newFixture(t)
	f.srv.AddRole(roleA, ststest.RoleOptions{RequireMFA: true})
	first, err := f.retrieve(f.chain("cpco-testing-admin", roleA), f.options())
	if err != nil {
		t.Fatal(err)
	}

	f.srv.Reset()
	o := f.options()
	o.Now = func() time.Time { return first.Expires.Add(-6 * time.Minute) }
	if _, err := f.retrieve(f.chain("cpco-testing-admin", roleA), o); err != nil {
		t.Fatal(err)
	}
	if n := f.srv.Calls(""); n != 0 {
		t.Fatalf("6 minutes before expiry: %d STS calls, want 0 (cache)", n)
	}

	o.Now = func() time.Time { return first.Expires.Add(-4 * time.Minute) }
	second, err := f.retrieve(f.chain("cpco-testing-admin", roleA), o)
	if err != nil {
		t.Fatal(err)
	}
	// The role is refreshed with the 8h session, still cached: one AssumeRole, no new MFA.
	if f.srv.Calls("AssumeRole") != 1 || f.srv.Calls("GetSessionToken") != 0 || f.mfa.calls() != 1 {
		t.Fatalf("4 minutes before expiry: AssumeRole %d, GetSessionToken %d, MFA %d; want 1 0 1",
			f.srv.Calls("AssumeRole"), f.srv.Calls("GetSessionToken"), f.mfa.calls())
	}
	if second.AccessKeyID == first.AccessKeyID {
		t.Error("refresh returned the old credentials")
	}
	f.noSecrets()
}

func TestNoSessionMFAOnFirstRole(t *testing.T) {
	f := newFixture(t)
	f.srv.AddRole(roleA, ststest.RoleOptions{RequireMFA: true, ExternalID: "team-x"})
	c := f.chain("cpco-testing-admin", roleA)
	c.Roles[0].ExternalID = "team-x"
	c.Roles[0].SessionName = "alice-laptop"
	c.Roles[0].MFASerial = f.user.MFASerial // --no-session sends the role profile's own device
	o := f.options()
	o.NoSession = true
	got, err := f.retrieve(c, o)
	if err != nil {
		t.Fatal(err)
	}
	tmp, _ := f.srv.Lookup(got.AccessKeyID)
	if f.srv.Calls("GetSessionToken") != 0 || f.srv.Calls("AssumeRole") != 1 || !tmp.MFA || f.mfa.calls() != 1 {
		t.Fatalf("GetSessionToken %d, AssumeRole %d, MFA %v, codes %d", f.srv.Calls("GetSessionToken"), f.srv.Calls("AssumeRole"), tmp.MFA, f.mfa.calls())
	}
	if !strings.HasSuffix(tmp.ARN, "/alice-laptop") {
		t.Errorf("session name not used: %s", tmp.ARN)
	}
	f.noSecrets()
}

func TestSourceAloneGetsSessionNotKeys(t *testing.T) {
	f := newFixture(t)
	c := &profiles.Chain{Profile: "cpco", Source: "cpco"}
	got, err := f.retrieve(c, f.options())
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessKeyID == f.user.AccessKeyID || got.SessionToken == "" || f.mfa.calls() != 0 {
		t.Fatalf("source profile gave its long-lived keys (or asked MFA %d times)", f.mfa.calls())
	}
	if _, err := f.kr.Get(SessionItem("cpco", "")); err != nil {
		t.Errorf("session without MFA not cached as session:cpco:none: %v", err)
	}
	f.noSecrets()
}

func TestWrongMFAThenRetry(t *testing.T) {
	f := newFixture(t)
	f.srv.AddRole(roleA, ststest.RoleOptions{RequireMFA: true})
	asked := 0
	good := f.mfa
	o := f.options()
	o.MFA = MFAFunc(func(ctx context.Context, serial string) (string, error) {
		asked++
		if asked == 1 {
			return wrongCode(f), nil
		}
		return good.Code(ctx, serial)
	})
	p, err := NewProvider(context.Background(), f.chain("cpco-testing-admin", roleA), f.kr, o)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Retrieve(context.Background())
	var me *MFAError
	if !errors.As(err, &me) {
		t.Fatalf("wrong code: got %v, want *MFAError", err)
	}
	f.errs = append(f.errs, err)
	if !strings.Contains(err.Error(), "MultiFactorAuthentication failed") || me.Serial != f.user.MFASerial {
		t.Errorf("MFA error lacks STS's message or the serial: %v", err)
	}
	// The terminal layer asks again by retrieving again.
	if _, err := p.Retrieve(context.Background()); err != nil {
		t.Fatalf("second try: %v", err)
	}
	if asked != 2 {
		t.Errorf("MFA asked %d times, want 2", asked)
	}

	// A code of the wrong shape never reaches STS.
	f.srv.Reset()
	if err := Clear(f.kr, ""); err != nil {
		t.Fatal(err)
	}
	o.MFA = staticMFA("12345")
	_, err = f.retrieve(f.chain("cpco-testing-admin", roleA), o)
	if !errors.As(err, &me) || f.srv.Calls("") != 0 {
		t.Errorf("5-digit code: %v after %d STS calls", err, f.srv.Calls(""))
	}
	f.noSecrets()
}

func wrongCode(f *fixture) string {
	valid := map[string]bool{}
	for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		valid[f.srv.Code(f.user, time.Now().Add(d))] = true
	}
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		if !valid[c] {
			return c
		}
	}
	return "444444"
}

func TestNoMFASource(t *testing.T) {
	f := newFixture(t)
	f.srv.AddRole(roleA, ststest.RoleOptions{RequireMFA: true})
	o := f.options()
	o.MFA = nil
	_, err := f.retrieve(f.chain("cpco-testing-admin", roleA), o)
	if !errors.Is(err, ErrNoMFA) || !strings.Contains(err.Error(), "--mfa-token") {
		t.Fatalf("got %v, want ErrNoMFA naming the ways to give a code", err)
	}
	if f.srv.Calls("") != 0 {
		t.Error("STS called without an MFA code")
	}
	f.noSecrets()
}

func TestMFAProcessFromChain(t *testing.T) {
	f := newFixture(t)
	f.srv.AddRole(roleA, ststest.RoleOptions{RequireMFA: true})
	c := f.chain("cpco-testing-admin", roleA)
	c.MFAProcess = "echo " + f.srv.Code(f.user, time.Now())
	o := f.options()
	o.MFA = nil
	if _, err := f.retrieve(c, o); err != nil {
		t.Fatal(err)
	}
	f.noSecrets()
}

func TestAccessDeniedOneLine(t *testing.T) {
	f := newFixture(t)
	f.srv.AddRole(roleA, ststest.RoleOptions{Deny: true})
	_, err := f.retrieve(f.chain("cpco-testing-admin", roleA), f.options())
	var se *STSError
	if !errors.As(err, &se) || se.Code != "AccessDenied" {
		t.Fatalf("got %v, want *STSError AccessDenied", err)
	}
	want := "assume role " + roleA + ": AccessDenied: User: "
	if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "is not authorized to perform: sts:AssumeRole") {
		t.Errorf("error = %q, want it to start %q", err, want)
	}
	// The session was made before the denial and stays cached: the next try asks no MFA.
	f.retrieve(f.chain("cpco-testing-admin", roleA), f.options())
	if f.mfa.calls() != 1 {
		t.Errorf("MFA asked %d times, want 1", f.mfa.calls())
	}
	f.noSecrets()
}

func TestThrottlingRetried(t *testing.T) {
	f := newFixture(t)
	f.srv.AddRole(roleA, ststest.RoleOptions{RequireMFA: true})
	f.srv.Fail("GetSessionToken", "Throttling", 2)
	f.srv.Fail("AssumeRole", "Throttling", 3)
	if _, err := f.retrieve(f.chain("cpco-testing-admin", roleA), f.options()); err != nil {
		t.Fatal(err)
	}
	if f.srv.Calls("GetSessionToken") != 3 || f.srv.Calls("AssumeRole") != 4 {
		t.Errorf("calls: GetSessionToken %d, AssumeRole %d; want 3 and 4", f.srv.Calls("GetSessionToken"), f.srv.Calls("AssumeRole"))
	}
	// A retried request carries the same MFA code and the fake saw it only once (the failures
	// are injected before MFA is checked), so one code served all tries.
	if f.mfa.calls() != 1 {
		t.Errorf("MFA asked %d times, want 1", f.mfa.calls())
	}

	f.srv.Fail("AssumeRole", "Throttling", 10)
	if err := Clear(f.kr, "cpco-testing-admin"); err != nil {
		t.Fatal(err)
	}
	_, err := f.retrieve(f.chain("cpco-testing-admin", roleA), f.options())
	if err == nil || !strings.Contains(err.Error(), "Throttling: Rate exceeded") {
		t.Errorf("endless throttling: got %v", err)
	}
	f.noSecrets()
}

func TestSTSUnreachable(t *testing.T) {
	f := newFixture(t)
	f.env.Endpoints[awsconfig.STS] = "http://127.0.0.1:1"
	_, err := f.retrieve(f.chain("cpco-testing-admin", roleA), f.options())
	if err == nil || !strings.Contains(err.Error(), "cannot reach STS at http://127.0.0.1:1") {
		t.Fatalf("got %v", err)
	}
	f.noSecrets()
}

func TestEndpointFromGenericVariable(t *testing.T) {
	f := newFixture(t)
	f.env = awsconfig.Env{All: f.srv.URL}
	if _, err := f.retrieve(&profiles.Chain{Profile: "cpco", Source: "cpco"}, f.options()); err != nil {
		t.Fatal(err)
	}
	if f.srv.Calls("GetSessionToken") != 1 {
		t.Error("AWS_ENDPOINT_URL not honoured")
	}
}

func TestNoKeys(t *testing.T) {
	f := newFixture(t)
	f.srv.AddRole(roleA, ststest.RoleOptions{RequireMFA: true})
	c := f.chain("other-admin", roleA)
	c.Source = "other"
	_, err := f.retrieve(c, f.options())
	if !errors.Is(err, ErrNoKeys) || err.Error() != `no keys stored for "other"; run acct add other` {
		t.Fatalf("got %q", err)
	}
	if f.mfa.calls() != 0 || f.srv.Calls("") != 0 {
		t.Errorf("MFA %d, STS %d before noticing the keys are missing", f.mfa.calls(), f.srv.Calls(""))
	}
}

func TestBadOptions(t *testing.T) {
	f := newFixture(t)
	for _, o := range []Options{{SessionDuration: 13 * time.Hour}, {SessionDuration: time.Minute}, {RoleDuration: time.Minute}} {
		if _, err := NewProvider(context.Background(), f.chain("x", roleA), f.kr, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if _, err := NewProvider(context.Background(), &profiles.Chain{Profile: "x"}, f.kr, Options{}); err == nil {
		t.Error("chain without a source accepted")
	}
}

func TestDefaultSessionName(t *testing.T) {
	now := time.Unix(1700000000, 0)
	for _, tc := range []struct{ who, serial, want string }{
		{"bob", "", "acct-bob-1700000000"},
		{"", "arn:aws:iam::1:mfa/alice", "acct-alice-1700000000"},
		{"DOMAIN\\carol smith", "", "acct-DOMAIN-carol-smith-1700000000"},
		{strings.Repeat("x", 80), "", "acct-" + strings.Repeat("x", 48) + "-1700000000"},
	} {
		if got := defaultSessionName(tc.who, tc.serial, now); got != tc.want || len(got) > 64 {
			t.Errorf("defaultSessionName(%q, %q) = %q, want %q", tc.who, tc.serial, got, tc.want)
		}
	}
}

// STS refusing a session the cache still thinks valid (revoked, or clocks apart) drops it and
// makes a new one, instead of failing until it expires.
func TestStaleCachedSessionDropped(t *testing.T) {
	f := newFixture(t)
	f.srv.AddRole(roleA, ststest.RoleOptions{RequireMFA: true})
	f.srv.AddRole(roleB, ststest.RoleOptions{RequireMFA: true})
	if _, err := f.retrieve(f.chain("cpco-testing-admin", roleA), f.options()); err != nil {
		t.Fatal(err)
	}
	f.srv.Advance(9 * time.Hour) // the 8h session is dead for STS, not for acct's clock
	f.srv.Reset()
	o := f.options()
	o.MFA = MFAFunc(func(ctx context.Context, serial string) (string, error) {
		return f.srv.Code(f.user, time.Now().Add(9*time.Hour)), nil
	})
	if _, err := f.retrieve(f.chain("cpco-staging-admin", roleB), o); err != nil {
		t.Fatal(err)
	}
	if f.srv.Calls("AssumeRole") != 2 || f.srv.Calls("GetSessionToken") != 1 {
		t.Errorf("AssumeRole %d, GetSessionToken %d; want 2 and 1", f.srv.Calls("AssumeRole"), f.srv.Calls("GetSessionToken"))
	}
	f.noSecrets()
}

// endpoint_url in the profile's own section reaches STS on the chain profiles.Resolve makes,
// though the source's keys live only in the keyring; AWS_ENDPOINT_URL_STS overrides it.
func TestEndpointFromProfile(t *testing.T) {
	f := newFixture(t)
	f.env = awsconfig.Env{}
	f.srv.AddRole(roleA, ststest.RoleOptions{RequireMFA: true})
	path := filepath.Join(t.TempDir(), "config")
	cfg := "[profile cpco-testing-admin]\nregion = us-west-2\nrole_arn = " + roleA +
		"\nsource_profile = cpco\nmfa_serial = " + f.user.MFASerial + "\nendpoint_url = " + f.srv.URL + "\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := profiles.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := c.Resolve("cpco-testing-admin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.retrieve(chain, f.options()); err != nil {
		t.Fatalf("%v\n%s", err, f.debug.String())
	}
	if f.srv.Calls("AssumeRole") != 1 {
		t.Error("endpoint_url not honoured")
	}

	f.env = awsconfig.Env{Endpoints: map[string]string{awsconfig.STS: "http://127.0.0.1:1"}}
	if err := Clear(f.kr, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.retrieve(chain, f.options()); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("AWS_ENDPOINT_URL_STS did not win over endpoint_url: %v", err)
	}
}
