package command_test

// End-to-end tests of issue 3 (keyring, STS with MFA, cached sessions): the built acct binary,
// a file keyring under the test's HOME and the fake STS of session/ststest.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acct-cli/acct/profiles"
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
	w := newWorld(t)
	layout := filepath.Join(w.home, "team", "acct.yaml")
	if err := os.MkdirAll(filepath.Dir(layout), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(layout, []byte(sessionLayout), 0o600); err != nil {
		t.Fatal(err)
	}
	w.must("generate", "--layout", layout, "--user", "alice")
	l, err := profiles.Load(layout)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := profiles.Render(l, profiles.RenderOptions{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
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
	defer func() {
		for k := range extra {
			if had[k] {
				w.vars[k] = saved[k]
			} else {
				delete(w.vars, k)
			}
		}
	}()
	return w.run("", args...)
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
	awsCLI(t)
	t.Parallel()
	sw := newSessionWorld(t, false, nil)
	var outs []string

	before := sw.calls()
	r := sw.with(sw.mfa(0), "exec", "cpco-prod-admin", "--",
		awsCLI(t), "sts", "get-caller-identity", "--endpoint-url", sw.sts.URL, "--region", "us-east-1", "--output", "json")
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
	for _, k := range []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "ACCT_FILE_PASSPHRASE", "ACCT_MFA_TOKEN"} {
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
