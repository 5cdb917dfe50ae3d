package command_test

// End-to-end tests of issue 3 (keyring, STS with MFA, cached sessions): the built acct binary,
// a file keyring under the test's HOME and the fake STS of session/ststest.

import (
	"encoding/json"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/keyring"

	"github.com/acct-cli/acct/internal/testtool"
	"github.com/acct-cli/acct/session/ststest"
)

// sessionLayout is an organization: prod is protected (the default for a stage named prod),
// vault is protected "always", dev is an ordinary stage whose role the fake may deny.
const sessionLayout = `namespace: cpco
mode: organization
region: us-west-2
source_profile: cpco
mfa_serial: arn:aws:iam::323330167063:mfa/{user}
root:
  account: "323330167063"
stages:
  - name: prod
    account: "111111111111"
    region: us-east-1
    roles: {admin: OrganizationAccountAccessRole, readonly: cpco-prod-readonly}
  - name: staging
    account: "222222222222"
  - name: dev
    account: "444444444444"
  - name: vault
    account: "555555555555"
    protected: always
`

// sessionWorld is a world with alice's profiles generated, alice known to the fake STS with
// every role of the layout (MFA required), and, unless noKeys, her keys in acct's file keyring.
type sessionWorld struct {
	*world
	user   ststest.User
	layout string
	roles  map[string]string // profile -> role ARN
}

func newSessionWorld(t *testing.T, noKeys bool, opts map[string]ststest.RoleOptions) *sessionWorld {
	t.Helper()
	return newLayoutWorld(t, sessionLayout, noKeys, opts)
}

// newLayoutWorld is newSessionWorld with another layout (its file is ~/team/acct.yaml).
func newLayoutWorld(t *testing.T, layoutText string, noKeys bool, opts map[string]ststest.RoleOptions) *sessionWorld {
	t.Helper()
	w := newWorld(t)
	layout := filepath.Join(w.home, "team", "acct.yaml")
	if err := os.MkdirAll(filepath.Dir(layout), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(layout, []byte(layoutText), 0o600); err != nil {
		t.Fatal(err)
	}
	w.must("generate", "--layout", layout, "--user", "alice")
	_, ps := rendered(t, layout, "alice")
	sw := &sessionWorld{world: w, layout: layout, roles: map[string]string{}}
	sw.user = w.sts.AddUser("323330167063", "alice")
	for _, p := range ps {
		for _, k := range p.Keys {
			if k.Name == "role_arn" {
				sw.roles[p.Name] = k.Value
				o, ok := opts[p.Name]
				if !ok {
					o = ststest.RoleOptions{RequireMFA: true}
				}
				w.sts.AddRole(k.Value, o)
			}
		}
	}
	if !noKeys {
		r := sw.with(map[string]string{"AWS_ACCESS_KEY_ID": sw.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY": sw.user.SecretAccessKey},
			"add", "cpco", "--env")
		if r.code != 0 {
			t.Fatalf("acct add cpco --env: exit %d: %s", r.code, r.stderr)
		}
	}
	return sw
}

// with runs acct with extra variables for this run only; an empty value unsets the variable.
func (w *world) with(extra map[string]string, args ...string) result {
	w.t.Helper()
	return w.withIn("", extra, args...)
}

// withIn is with, run in dir (the home when empty).
func (w *world) withIn(dir string, extra map[string]string, args ...string) result {
	w.t.Helper()
	defer w.set(extra)()
	return w.run(dir, args...)
}

// set sets extra variables (an empty value unsets one) and returns the function that restores them.
func (w *world) set(extra map[string]string) (restore func()) {
	saved := map[string]string{}
	had := map[string]bool{}
	for k, v := range extra {
		saved[k], had[k] = w.vars[k]
		if v == "" {
			delete(w.vars, k)
		} else {
			w.vars[k] = v
		}
	}
	return func() {
		for k := range extra {
			if had[k] {
				w.vars[k] = saved[k]
			} else {
				delete(w.vars, k)
			}
		}
	}
}

// code is a fresh MFA code for alice: the fake burns each code, so every call moves 30 s on
// from the last one it handed out (the fake accepts one step either side of its clock).
func (sw *sessionWorld) code(step int) string {
	return sw.sts.Code(sw.user, time.Now().Add(time.Duration(step)*30*time.Second))
}

// mfa is the variables for a run that may use an MFA code.
func (sw *sessionWorld) mfa(step int) map[string]string {
	return map[string]string{"ACCT_MFA_TOKEN": sw.code(step)}
}

// envOf parses `env` output.
func envOf(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			m[k] = v
		}
	}
	return m
}

// calls is the fake's call counters at one moment.
type calls struct{ session, assume, identity, total int }

func (sw *sessionWorld) calls() calls {
	return calls{sw.sts.Calls("GetSessionToken"), sw.sts.Calls("AssumeRole"), sw.sts.Calls("GetCallerIdentity"), sw.sts.Calls("")}
}

func (c calls) minus(d calls) calls {
	return calls{c.session - d.session, c.assume - d.assume, c.identity - d.identity, c.total - d.total}
}

// oneLine checks that stderr is exactly want, one line ending in a newline.
func oneLine(t *testing.T, what, stderr, want string) {
	t.Helper()
	if stderr != want+"\n" {
		t.Errorf("%s: stderr\n got %q\nwant %q", what, stderr, want+"\n")
	}
}

// MFA once, many roles: the first exec asks STS for a session (with the MFA code) and a role; a
// second role comes from the cached session with one AssumeRole and no code; the first role
// again costs nothing.
func TestExecMFAOnceManyRoles(t *testing.T) {
	testtool.AWSCLI(t)
	t.Parallel()
	sw := newSessionWorld(t, false, nil)
	var outs []string

	before := sw.calls()
	r := sw.with(sw.mfa(0), "exec", "cpco-prod-admin", "--",
		testtool.AWSCLI(t), "sts", "get-caller-identity", "--endpoint-url", sw.sts.URL, "--region", "us-east-1", "--output", "json")
	outs = append(outs, r.stdout, r.stderr)
	if r.code != 0 {
		t.Fatalf("exec cpco-prod-admin: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var id struct{ Arn, Account string }
	if err := json.Unmarshal([]byte(r.stdout), &id); err != nil {
		t.Fatalf("get-caller-identity printed %q: %v", r.stdout, err)
	}
	if !strings.HasPrefix(id.Arn, "arn:aws:sts::111111111111:assumed-role/OrganizationAccountAccessRole/acct-alice-") || id.Account != "111111111111" {
		t.Errorf("caller identity %+v, want alice's session in OrganizationAccountAccessRole of 111111111111", id)
	}
	oneLine(t, "protected notice", r.stderr, "acct: prod is a protected stage; going on without a terminal to confirm")
	if d := sw.calls().minus(before); d != (calls{1, 1, 1, 3}) {
		t.Errorf("first exec: STS calls %+v, want one GetSessionToken, one AssumeRole and the CLI's GetCallerIdentity", d)
	}
	prodKey := ""
	for _, tmp := range sw.sts.Temporaries() {
		if tmp.RoleARN == sw.roles["cpco-prod-admin"] {
			prodKey = tmp.AccessKeyID
			if !tmp.MFA {
				t.Errorf("prod role credentials are not MFA-authenticated")
			}
		}
	}

	// Another role of the layout: the cached MFA session assumes it; no code is given or asked.
	before = sw.calls()
	r = sw.run("", "exec", "cpco-staging-admin", "--", "env")
	outs = append(outs, r.stderr) // stdout is the child's environment: credentials, by design
	if r.code != 0 {
		t.Fatalf("exec cpco-staging-admin without an MFA code: exit %d: %s", r.code, r.stderr)
	}
	if d := sw.calls().minus(before); d != (calls{0, 1, 0, 1}) {
		t.Errorf("second role: STS calls %+v, want exactly one AssumeRole", d)
	}
	if r.stderr != "" {
		t.Errorf("second role: stderr %q, want nothing", r.stderr)
	}
	env := envOf(r.stdout)
	tmp, ok := sw.sts.Lookup(env["AWS_ACCESS_KEY_ID"])
	if !ok || tmp.RoleARN != sw.roles["cpco-staging-admin"] || !tmp.MFA {
		t.Errorf("second role: AWS_ACCESS_KEY_ID is %+v, want MFA-authenticated credentials of %s", tmp, sw.roles["cpco-staging-admin"])
	}

	// The first role again: from the cache, no STS call at all.
	before = sw.calls()
	r = sw.run("", "exec", "cpco-prod-admin", "--", "sh", "-c", `echo "$AWS_ACCESS_KEY_ID"`)
	outs = append(outs, r.stdout, r.stderr)
	if r.code != 0 {
		t.Fatalf("exec cpco-prod-admin again: exit %d: %s", r.code, r.stderr)
	}
	if d := sw.calls().minus(before); d.total != 0 {
		t.Errorf("first role again: STS calls %+v, want none", d)
	}
	if got := strings.TrimSpace(r.stdout); got != prodKey || prodKey == "" {
		t.Errorf("first role again: key %q, want the cached %q", got, prodKey)
	}
	sw.noLeaks(outs...)
}

// The child's environment (SPEC §4) and its exit status.
func TestExecEnvironmentAndStatus(t *testing.T) {
	t.Parallel()
	sw := newSessionWorld(t, false, nil)
	var outs []string
	r := sw.with(map[string]string{
		"ACCT_MFA_TOKEN":      sw.code(0),
		"AWS_PROFILE":         "someone-else",
		"AWS_DEFAULT_PROFILE": "someone-else",
		"AWS_SESSION_TOKEN":   "stale",
		"AWS_REGION":          "ap-south-1",
	}, "exec", "cpco-prod-readonly", "--", "env")
	outs = append(outs, r.stderr) // stdout is the child's environment: credentials, by design
	if r.code != 0 {
		t.Fatalf("exec: exit %d: %s", r.code, r.stderr)
	}
	env := envOf(r.stdout)
	// DBUS_SESSION_BUS_ADDRESS: acct's placeholder that stops the keyring library autolaunching
	// a bus must not reach the command (the world sets no bus).
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "ACCT_FILE_PASSPHRASE", "ACCT_MFA_TOKEN", "DBUS_SESSION_BUS_ADDRESS"} {
		if v, ok := env[k]; ok {
			t.Errorf("%s=%q reached the command", k, v)
		}
	}
	want := map[string]string{
		"ACCT_PROFILE":       "cpco-prod-readonly",
		"ACCT_STAGE":         "prod",
		"AWS_REGION":         "us-east-1",
		"AWS_DEFAULT_REGION": "us-east-1",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s=%q, want %q", k, env[k], v)
		}
	}
	exp, err := time.Parse(time.RFC3339, env["AWS_CREDENTIAL_EXPIRATION"])
	if err != nil || exp.Before(time.Now().Add(50*time.Minute)) {
		t.Errorf("AWS_CREDENTIAL_EXPIRATION=%q (%v), want an RFC 3339 time about an hour ahead", env["AWS_CREDENTIAL_EXPIRATION"], err)
	}
	tmp, ok := sw.sts.Lookup(env["AWS_ACCESS_KEY_ID"])
	if !ok || tmp.RoleARN != sw.roles["cpco-prod-readonly"] || env["AWS_SESSION_TOKEN"] != tmp.SessionToken || env["AWS_SECRET_ACCESS_KEY"] != tmp.SecretAccessKey {
		t.Errorf("the child's credentials are not the role's")
	}

	r = sw.run("", "exec", "cpco-prod-readonly", "--yes", "--", "sh", "-c", "exit 7")
	outs = append(outs, r.stdout, r.stderr)
	if r.code != 7 || r.stderr != "" {
		t.Errorf("exec -- sh -c 'exit 7': exit %d, stderr %q; want 7 and nothing", r.code, r.stderr)
	}
	sw.noLeaks(outs...)
}

// export in its three formats, credential-process, the credential-process style config read by
// the plain AWS CLI, and login --print.
func TestExportCredentialProcessLogin(t *testing.T) {
	testtool.AWSCLI(t)
	t.Parallel()
	sw := newSessionWorld(t, false, nil)
	var outs []string // acct output without credentials in it, for noLeaks

	r := sw.with(sw.mfa(0), "export", "cpco-staging-admin")
	outs = append(outs, r.stderr)
	if r.code != 0 {
		t.Fatalf("export: exit %d: %s", r.code, r.stderr)
	}
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if !strings.HasPrefix(l, "export AWS_") {
			t.Fatalf("export --format env printed %q, want export lines", l)
		}
	}
	// Read as the user's shell reads it.
	env, err := exec.Command("sh", "-c", `eval "$1" && env`, "sh", r.stdout).Output()
	if err != nil {
		t.Fatalf("sh could not eval acct export's output: %v", err)
	}
	exported := envOf(string(env))
	tmp, ok := sw.sts.Lookup(exported["AWS_ACCESS_KEY_ID"])
	if !ok || tmp.RoleARN != sw.roles["cpco-staging-admin"] || exported["AWS_SECRET_ACCESS_KEY"] != tmp.SecretAccessKey ||
		exported["AWS_SESSION_TOKEN"] != tmp.SessionToken || exported["AWS_REGION"] != "us-west-2" || exported["AWS_CREDENTIAL_EXPIRATION"] == "" {
		t.Errorf("export --format env: %v does not describe the staging role's credentials", keysOf(exported))
	}

	before := sw.calls()
	type processJSON struct {
		Version                                                        int
		AccessKeyId, SecretAccessKey, SessionToken, Expiration, Region string
	}
	for _, args := range [][]string{
		{"export", "cpco-staging-admin", "--format", "json"},
		{"export", "--format", "credential-process", "cpco-staging-admin"},
		{"credential-process", "cpco-staging-admin"},
	} {
		r := sw.run("", args...)
		outs = append(outs, r.stderr)
		var p processJSON
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &p) != nil {
			t.Fatalf("acct %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
		exp, err := time.Parse(time.RFC3339, p.Expiration)
		if p.Version != 1 || p.AccessKeyId != tmp.AccessKeyID || p.SecretAccessKey != tmp.SecretAccessKey ||
			p.SessionToken != tmp.SessionToken || err != nil || !exp.Equal(tmp.Expires) {
			t.Errorf("acct %s: Version %d, Expiration %q (%v): not the cached role credentials", strings.Join(args, " "), p.Version, p.Expiration, err)
		}
		if wantRegion := map[bool]string{true: "us-west-2"}[args[len(args)-1] == "json"]; p.Region != wantRegion {
			t.Errorf("acct %s: Region %q, want %q", strings.Join(args, " "), p.Region, wantRegion)
		}
	}
	if d := sw.calls().minus(before); d.total != 0 {
		t.Errorf("export and credential-process from the cache made STS calls: %+v", d)
	}

	// The credential-process style: the plain AWS CLI runs acct for credentials.
	// The config names the running acct: the binary, not this test process.
	sw.bin = true
	r = sw.must("generate", "--layout", sw.layout, "--user", "alice", "--style", "credential-process")
	sw.bin = false
	outs = append(outs, r.stdout, r.stderr)
	before = sw.calls()
	out, code := sw.aws(nil, "sts", "get-caller-identity", "--profile", "cpco-staging-admin", "--endpoint-url", sw.sts.URL, "--output", "json")
	if code != 0 {
		t.Fatalf("aws sts get-caller-identity --profile cpco-staging-admin: exit %d\n%s", code, out)
	}
	outs = append(outs, out)
	var id struct{ Arn string }
	if json.Unmarshal([]byte(out), &id) != nil || !strings.HasPrefix(id.Arn, "arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/acct-alice-") {
		t.Errorf("the AWS CLI through credential_process is %q, want the staging role", out)
	}
	if d := sw.calls().minus(before); d != (calls{0, 0, 1, 1}) {
		t.Errorf("AWS CLI through acct's cache: STS calls %+v, want only the CLI's GetCallerIdentity", d)
	}

	// Console sign-in from the same cached role credentials.
	r = sw.with(map[string]string{"ACCT_FEDERATION_URL": sw.sts.FederationURL}, "login", "cpco-staging-admin", "--print")
	outs = append(outs, r.stdout, r.stderr)
	if r.code != 0 {
		t.Fatalf("login --print: exit %d: %s", r.code, r.stderr)
	}
	u, err := url.Parse(strings.TrimSpace(r.stdout))
	if err != nil || !strings.HasPrefix(r.stdout, sw.sts.FederationURL+"?") {
		t.Fatalf("login --print printed %q, want a URL of %s", r.stdout, sw.sts.FederationURL)
	}
	tok := u.Query().Get("SigninToken")
	if s, ok := sw.sts.SigninSession(tok); !ok || s.RoleARN != sw.roles["cpco-staging-admin"] || u.Query().Get("Action") != "login" {
		t.Errorf("login URL %q: SigninToken is not one the federation endpoint made for the staging role", r.stdout)
	}
	sw.noLeaks(outs...)
}

func keysOf(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

// Bad input: one line starting "acct: ", the exit status SPEC §5 gives it, the config untouched.
// Exit 2 is what the user typed or set up wrongly (a name, a variable, keys never added, no MFA
// code where one is needed, protected: always without --yes); exit 1 is what a check refused at
// run time (STS said no to a code or a role, STS unreachable, the keyring passphrase is wrong).
func TestSessionBadInput(t *testing.T) {
	t.Parallel()
	const serial = "arn:aws:iam::323330167063:mfa/alice"
	dev := "arn:aws:iam::444444444444:role/OrganizationAccountAccessRole"
	cases := []struct {
		name   string
		noKeys bool
		vars   func(sw *sessionWorld) map[string]string
		args   []string
		code   int
		want   func(sw *sessionWorld) string
	}{{
		name: "no keys stored", noKeys: true,
		vars: func(sw *sessionWorld) map[string]string { return sw.mfa(0) },
		args: []string{"exec", "cpco-staging-admin", "--", "true"}, code: 2,
		want: func(*sessionWorld) string {
			return `acct: cpco-staging-admin: no keys stored for "cpco"; run acct add cpco`
		},
	}, {
		name: "wrong MFA code in a script",
		vars: func(sw *sessionWorld) map[string]string { return map[string]string{"ACCT_MFA_TOKEN": wrongCode(sw)} },
		args: []string{"exec", "cpco-staging-admin", "--", "true"}, code: 1,
		want: func(*sessionWorld) string {
			return "acct: cpco-staging-admin: get session token for cpco: MFA code for " + serial +
				" rejected: AccessDenied: MultiFactorAuthentication failed with invalid MFA one time pass code."
		},
	}, {
		name: "no MFA code in a script",
		args: []string{"exec", "cpco-staging-admin", "--", "true"}, code: 1,
		want: func(*sessionWorld) string {
			return "acct: cpco-staging-admin: get session token for cpco: MFA code for " + serial +
				": no terminal to ask for it; run acct mfa cpco-staging-admin at a terminal, or pass --mfa-token or set ACCT_MFA_TOKEN"
		},
	}, {
		name: "role denied",
		vars: func(sw *sessionWorld) map[string]string { return sw.mfa(0) },
		args: []string{"exec", "cpco-dev-admin", "--", "true"}, code: 1,
		want: func(*sessionWorld) string {
			return "acct: cpco-dev-admin: assume role " + dev + ": AccessDenied: User: arn:aws:iam::323330167063:user/alice" +
				" is not authorized to perform: sts:AssumeRole on resource: " + dev
		},
	}, {
		name: "STS unreachable",
		vars: func(sw *sessionWorld) map[string]string {
			return map[string]string{"ACCT_MFA_TOKEN": sw.code(0), "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1"}
		},
		args: []string{"exec", "cpco-staging-admin", "--", "true"}, code: 1,
		want: func(*sessionWorld) string {
			return "acct: cpco-staging-admin: get session token for cpco: cannot reach STS at http://127.0.0.1:1 (connect: connection refused);" +
				" check the network or AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL"
		},
	}, {
		name: "wrong keyring passphrase",
		vars: func(sw *sessionWorld) map[string]string {
			return map[string]string{"ACCT_MFA_TOKEN": sw.code(0), "ACCT_FILE_PASSPHRASE": "Tr0ub4dor&3"}
		},
		args: []string{"exec", "cpco-staging-admin", "--", "true"}, code: 1,
		want: func(*sessionWorld) string {
			return `acct: cpco-staging-admin: read keys for "cpco": file keyring: wrong passphrase (or a damaged file); check ACCT_FILE_PASSPHRASE`
		},
	}, {
		name: "unknown keyring backend",
		vars: func(sw *sessionWorld) map[string]string { return map[string]string{"ACCT_KEYRING_BACKEND": "vault"} },
		args: []string{"export", "cpco-staging-admin"}, code: 2,
		want: func(*sessionWorld) string {
			return `acct: unknown keyring backend "vault" in ACCT_KEYRING_BACKEND; available here: ` + availableBackends()
		},
	}, {
		name: "profile not found",
		args: []string{"exec", "cpco-prod-admim", "--", "true"}, code: 2,
		want: func(*sessionWorld) string {
			return `acct: no profile or stage matches "cpco-prod-admim"; did you mean cpco-prod-admin, cpco-root-admin, cpco-dev-admin?`
		},
	}, {
		// Looked up before any credentials: with no MFA code at hand, the line is about the command.
		name: "command not on PATH",
		args: []string{"exec", "cpco-staging-admin", "--", "terrafrom-acct", "plan"}, code: 2,
		want: func(*sessionWorld) string { return "acct: command not found: terrafrom-acct" },
	}, {
		name: "protected always in a script",
		vars: func(sw *sessionWorld) map[string]string { return sw.mfa(0) },
		args: []string{"exec", "vault", "--", "true"}, code: 2,
		want: func(*sessionWorld) string {
			return "acct: vault is a protected stage (protected: always); pass --yes to run in it from a script"
		},
	}}
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			sw := newSessionWorld(t, c.noKeys, map[string]ststest.RoleOptions{"cpco-dev-admin": {Deny: true}})
			before, err := os.ReadFile(sw.config)
			if err != nil {
				t.Fatal(err)
			}
			var vars map[string]string
			if c.vars != nil {
				vars = c.vars(sw)
			}
			r := sw.with(vars, c.args...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, c.code, r.stderr)
			}
			oneLine(t, strings.Join(c.args, " "), r.stderr, c.want(sw))
			if after, _ := os.ReadFile(sw.config); string(after) != string(before) {
				t.Errorf("the config changed")
			}
			sw.noLeaks(r.stdout, r.stderr)
		})
	}
}

// wrongCode is a six-digit code that is none of the codes the fake accepts now.
func wrongCode(sw *sessionWorld) string { return unusedCode(sw.sts, sw.user) }

// unusedCode is a six-digit code that is none of the codes s accepts now for u.
func unusedCode(s *ststest.Server, u ststest.User) string {
	valid := map[string]bool{}
	for d := -1; d <= 1; d++ {
		valid[s.Code(u, time.Now().Add(time.Duration(d)*30*time.Second))] = true
	}
	for i := 0; ; i++ {
		c := strings.Repeat(string(rune('0'+i%10)), 6)
		if !valid[c] {
			return c
		}
	}
}

func availableBackends() string {
	var s []string
	for _, b := range keyring.AvailableBackends() {
		s = append(s, string(b))
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// Credentials that run out: role credentials with under 5 minutes left are replaced from the
// cached session without a code; a session STS no longer takes is dropped and asks for a code.
func TestExpiredCredentials(t *testing.T) {
	t.Parallel()
	sw := newSessionWorld(t, false, nil)
	var outs []string
	r := sw.with(sw.mfa(0), "exec", "cpco-prod-admin", "--", "true")
	outs = append(outs, r.stderr)
	if r.code != 0 {
		t.Fatalf("first exec: exit %d: %s", r.code, r.stderr)
	}

	// Role credentials issued with 5 minutes to live are stale at once for acct.
	sw.sts.SetLifetime(5 * time.Minute)
	r = sw.run("", "exec", "cpco-staging-admin", "--", "sh", "-c", `echo "$AWS_ACCESS_KEY_ID"`)
	sw.sts.SetLifetime(0)
	outs = append(outs, r.stderr)
	short := strings.TrimSpace(r.stdout)
	before := sw.calls()
	r = sw.run("", "exec", "cpco-staging-admin", "--", "sh", "-c", `echo "$AWS_ACCESS_KEY_ID"`)
	outs = append(outs, r.stderr)
	if r.code != 0 || strings.TrimSpace(r.stdout) == short {
		t.Fatalf("exec with stale role credentials: exit %d, key %q (stale %q): %s", r.code, r.stdout, short, r.stderr)
	}
	if d := sw.calls().minus(before); d != (calls{0, 1, 0, 1}) {
		t.Errorf("stale role credentials: STS calls %+v, want one AssumeRole from the cached session", d)
	}

	// Nine hours on, STS has expired the 8-hour session acct still holds.
	sw.sts.Advance(9 * time.Hour)
	before = sw.calls()
	r = sw.run("", "exec", "cpco-dev-admin", "--", "true")
	outs = append(outs, r.stderr)
	if r.code != 1 {
		t.Errorf("expired session in a script: exit %d, want 1", r.code)
	}
	oneLine(t, "expired session in a script", r.stderr, "acct: cpco-dev-admin: get session token for cpco: MFA code for arn:aws:iam::323330167063:mfa/alice: no terminal to ask for it; run acct mfa cpco-dev-admin at a terminal, or pass --mfa-token or set ACCT_MFA_TOKEN")
	if d := sw.calls().minus(before); d != (calls{0, 1, 0, 1}) {
		t.Errorf("expired session: STS calls %+v, want the one refused AssumeRole", d)
	}
	before = sw.calls()
	r = sw.with(map[string]string{"ACCT_MFA_TOKEN": sw.sts.Code(sw.user, time.Now().Add(9*time.Hour))}, "exec", "cpco-dev-admin", "--", "true")
	outs = append(outs, r.stderr)
	if r.code != 0 || r.stderr != "" {
		t.Errorf("new session after expiry: exit %d: %s", r.code, r.stderr)
	}
	if d := sw.calls().minus(before); d != (calls{1, 1, 0, 2}) {
		t.Errorf("new session after expiry: STS calls %+v, want GetSessionToken and AssumeRole", d)
	}
	sw.noLeaks(outs...)
}

// acct list shows stored keys and cached sessions; --debug logs STS calls and cache use without
// secrets; acct clear makes the next exec ask for an MFA code again.
func TestListDebugClear(t *testing.T) {
	t.Parallel()
	sw := newSessionWorld(t, false, nil)
	var outs []string

	r := sw.with(sw.mfa(0), "--debug", "exec", "cpco-staging-admin", "--", "true")
	outs = append(outs, r.stdout, r.stderr)
	if r.code != 0 {
		t.Fatalf("exec --debug: exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"GetSessionToken", "AssumeRole", "cache"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("--debug log does not mention %s:\n%s", want, r.stderr)
		}
	}
	r = sw.run("", "--debug", "exec", "cpco-staging-admin", "--", "true")
	outs = append(outs, r.stdout, r.stderr)
	if r.code != 0 || !strings.Contains(r.stderr, "hit") || strings.Contains(r.stderr, "sts AssumeRole") {
		t.Errorf("second exec --debug: exit %d, want a cache hit and no STS call logged:\n%s", r.code, r.stderr)
	}

	r = sw.must("list")
	outs = append(outs, r.stdout, r.stderr)
	rows := map[string][]string{}
	for _, l := range strings.Split(r.stdout, "\n") {
		f := strings.Fields(l)
		if len(f) > 3 {
			rows[f[3]] = f
		}
	}
	staging, dev := rows["cpco-staging-admin"], rows["cpco-dev-admin"]
	if len(staging) < 9 || staging[6] != "yes" || !strings.HasPrefix(staging[7], time.Now().Format("2006-")) {
		t.Errorf("acct list row of the profile used: %v, want keys stored yes and a cached-until time\n%s", staging, r.stdout)
	}
	if len(dev) < 8 || dev[6] != "yes" || dev[7] != "-" {
		t.Errorf("acct list row of an unused profile: %v, want keys stored yes and no session", dev)
	}

	r = sw.must("list", "--json")
	outs = append(outs, r.stdout, r.stderr)
	var js []struct {
		Profile     string     `json:"profile"`
		KeysStored  *bool      `json:"keys_stored"`
		CachedUntil *time.Time `json:"session_cached_until"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &js); err != nil {
		t.Fatalf("acct list --json: %v\n%s", err, r.stdout)
	}
	seen := 0
	for _, row := range js {
		if !strings.HasPrefix(row.Profile, "cpco-") {
			continue
		}
		seen++
		if row.KeysStored == nil || !*row.KeysStored {
			t.Errorf("list --json: %s has keys_stored %v, want true", row.Profile, row.KeysStored)
		}
		if used := row.Profile == "cpco-staging-admin"; used != (row.CachedUntil != nil) || (used && !row.CachedUntil.After(time.Now().Add(50*time.Minute))) {
			t.Errorf("list --json: %s session_cached_until %v", row.Profile, row.CachedUntil)
		}
	}
	if seen != 6 {
		t.Errorf("list --json shows %d cpco profiles, want 6", seen)
	}

	r = sw.must("clear")
	outs = append(outs, r.stdout, r.stderr)
	r = sw.run("", "exec", "cpco-staging-admin", "--", "true")
	outs = append(outs, r.stdout, r.stderr)
	if r.code != 1 {
		t.Errorf("exec after clear without a code: exit %d, want 1", r.code)
	}
	oneLine(t, "exec after clear", r.stderr, "acct: cpco-staging-admin: get session token for cpco: MFA code for arn:aws:iam::323330167063:mfa/alice: no terminal to ask for it; run acct mfa cpco-staging-admin at a terminal, or pass --mfa-token or set ACCT_MFA_TOKEN")
	sw.noLeaks(outs...)
}

// exec --server: a long-running command gets refreshing credentials from acct's local endpoint
// instead of fixed keys; the Debian AWS CLI reads them there, and the exit status is the command's.
func TestExecServer(t *testing.T) {
	t.Parallel()
	sw := newSessionWorld(t, false, nil)
	aws := testtool.AWSCLI(t)
	r := sw.with(sw.mfa(0), "exec", "--server", "cpco-staging-admin", "--", "sh", "-c",
		`echo "key=[$AWS_ACCESS_KEY_ID] uri=$AWS_CONTAINER_CREDENTIALS_FULL_URI"; `+
			aws+` sts get-caller-identity --endpoint-url "$1" --region us-east-1 --query Arn --output text; exit 4`,
		"sh", sw.sts.URL)
	if r.code != 4 {
		t.Fatalf("exit %d, want the command's 4; stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "key=[] uri=http://127.0.0.1:") {
		t.Errorf("the command got fixed keys or no endpoint:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "assumed-role/OrganizationAccountAccessRole/") {
		t.Errorf("aws sts get-caller-identity through the endpoint:\n%s", r.stdout)
	}
	sw.noLeaks(r.stdout, r.stderr)
}

// With the file keyring named, acct never connects to the desktop's D-Bus session (a few ms of
// every run, for nothing), and the command still gets the user's bus address unchanged.
func TestFileBackendStaysOffDBus(t *testing.T) {
	t.Parallel()
	sw := newSessionWorld(t, false, nil)
	sock := filepath.Join(sw.home, "bus")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			c.Close()
		}
	}()
	addr := "unix:path=" + sock
	sw.bin = true // the bus is reached, if at all, by package inits: only a new process shows it
	r := sw.with(map[string]string{"ACCT_MFA_TOKEN": sw.code(0), "DBUS_SESSION_BUS_ADDRESS": addr}, "exec", "cpco-prod-readonly", "--", "env")
	l.Close()
	if r.code != 0 {
		t.Fatalf("exec: exit %d: %s", r.code, r.stderr)
	}
	if n := accepted.Load(); n != 0 {
		t.Errorf("acct connected to the session bus %d times with ACCT_KEYRING_BACKEND=file", n)
	}
	if got := envOf(r.stdout)["DBUS_SESSION_BUS_ADDRESS"]; got != addr {
		t.Errorf("the command got DBUS_SESSION_BUS_ADDRESS=%q, want the user's %q", got, addr)
	}
}
