package command_test

import (
	"crypto/sha1"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/acct-cli/acct/internal/testtool"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/session/ssotest"
)

const ssoLayout = `namespace: cpco
mode: organization
region: us-west-2
profile_pattern: "{namespace}-{stage}-{role}"
sso:
  start_url: https://d-1234567890.awsapps.com/start
  region: eu-west-1
  session: cpco
root:
  account: "323330167063"
  roles: {admin: AdministratorAccess}
stages:
  - name: prod
    account: "111111111111"
    roles: {admin: AdministratorAccess, readonly: ReadOnlyAccess}
  - name: staging
    account: "222222222222"
    roles: {admin: AdministratorAccess}
    region: eu-central-1
`

// ssoWorld is a machine with the SSO layout generated and a fake Identity Center whose
// credentials work against the world's fake STS.
func ssoWorld(t *testing.T) (*world, *ssotest.Server, string) {
	t.Helper()
	w := newWorld(t)
	fake := ssotest.New()
	t.Cleanup(fake.Close)
	fake.STS = w.sts
	fake.AddAccount("111111111111", "Production", "AdministratorAccess", "ReadOnlyAccess")
	fake.AddAccount("222222222222", "Staging", "AdministratorAccess")
	fake.AddAccount("333333333333", "Data Lake (shared)", "DataEngineer", "ReadOnlyAccess")
	w.vars["AWS_ENDPOINT_URL_SSO_OIDC"] = fake.URL
	w.vars["AWS_ENDPOINT_URL_SSO"] = fake.URL
	layout := filepath.Join(w.home, "acct.yaml")
	if err := os.WriteFile(layout, []byte(ssoLayout), 0o600); err != nil {
		t.Fatal(err)
	}
	w.must("generate", "--layout", layout)
	return w, fake, layout
}

var codeRE = regexp.MustCompile(`Open (\S+) and enter code ([A-Z]{4}-[A-Z]{4})`)

// login runs acct login --sso on a terminal and approves the code the terminal shows once the
// client has polled at least once.
func (w *world) ssoLogin(fake *ssotest.Server, args ...string) (*tty, string) {
	w.t.Helper()
	p := w.acctTTY(nil, append([]string{"login", "--sso"}, args...)...)
	m := p.expectRE(codeRE)
	before := fake.Calls("CreateToken")
	for fake.Calls("CreateToken") == before {
		time.Sleep(20 * time.Millisecond)
	}
	if err := fake.Approve(m[2]); err != nil {
		w.t.Fatal(err)
	}
	p.expect("signed in to SSO session cpco")
	if code := p.wait(); code != 0 {
		w.t.Fatalf("acct login --sso: exit %d\n%s", code, p.screen())
	}
	return p, m[2]
}

func TestSSOGenerateReadBack(t *testing.T) {
	t.Parallel()
	w, _, layout := ssoWorld(t)
	data, err := os.ReadFile(w.config)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, want := range []string{
		"[sso-session cpco]\nsso_start_url=https://d-1234567890.awsapps.com/start\nsso_region=eu-west-1\nsso_registration_scopes=sso:account:access\n",
		"[profile cpco-prod-readonly]\nregion=us-west-2\nsso_session=cpco\nsso_account_id=111111111111\nsso_role_name=ReadOnlyAccess\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("config lacks\n%s\nin\n%s", want, text)
		}
	}
	if strings.Contains(text, "role_arn") || strings.Contains(text, "source_profile") {
		t.Errorf("SSO profiles carry role_arn/source_profile:\n%s", text)
	}
	begin, end := strings.Index(text, "# >>> acct: cpco"), strings.Index(text, "# <<< acct: cpco")
	if s := strings.Index(text, "[sso-session cpco]"); s < begin || s > end {
		t.Errorf("[sso-session] is outside the managed block")
	}
	// A second run changes nothing.
	if r := w.must("generate", "--layout", layout); !strings.Contains(r.stdout, "no change") {
		t.Errorf("second generate: %s", r.stdout)
	}

	// acct's reader resolves the profile through its [sso-session].
	cfg, err := profiles.Read(w.config)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := cfg.Resolve("cpco-staging-admin")
	if err != nil {
		t.Fatal(err)
	}
	if ch.SSOSession != "cpco" || ch.SSOStartURL != "https://d-1234567890.awsapps.com/start" || ch.SSORegion != "eu-west-1" ||
		ch.SSOAccountID != "222222222222" || ch.SSORoleName != "AdministratorAccess" || ch.Region != "eu-central-1" || ch.Account != "222222222222" || ch.Stage != "staging" {
		t.Errorf("chain %+v", ch)
	}

	// The Debian AWS CLI reads the same thing (the commands share one AWS CLI start).
	checks := []struct{ key, profile, want string }{
		{"sso_account_id", "cpco-prod-admin", "111111111111"},
		{"sso_role_name", "cpco-prod-readonly", "ReadOnlyAccess"},
		{"sso_session", "cpco-root-admin", "cpco"},
		{"sso_account_id", "cpco-root-admin", "323330167063"},
		{"region", "cpco-staging-admin", "eu-central-1"},
	}
	cmds := [][]string{{"configure", "list-profiles"}}
	for _, c := range checks {
		cmds = append(cmds, []string{"configure", "get", c.key, "--profile", c.profile})
	}
	res := testtool.AWSCLIRuns(t, w.env(), w.home, cmds...)
	for i, c := range checks {
		if r := res[i+1]; r.Code != 0 || strings.TrimSpace(r.Out) != c.want {
			t.Errorf("aws configure get %s --profile %s = %q (exit %d), want %q", c.key, c.profile, strings.TrimSpace(r.Out), r.Code, c.want)
		}
	}
	if r := res[0]; r.Code != 0 || strings.Join(strings.Fields(r.Out), " ") != "cpco-root-admin cpco-prod-admin cpco-prod-readonly cpco-staging-admin" {
		t.Errorf("aws configure list-profiles = %q (exit %d)", r.Out, r.Code)
	}
}

func TestSSOLayoutErrors(t *testing.T) {
	t.Parallel()
	head := "namespace: cpco\nmode: organization\nroot: {account: \"323330167063\"}\n"
	for _, c := range []struct{ yaml, want string }{
		{"sso: {region: us-east-1}\n", "layout acct.yaml line 4: sso has no start_url; add e.g. `start_url: https://d-1234567890.awsapps.com/start` (the AWS access portal URL)"},
		{"sso:\n  start_url: http://x\n  region: us-east-1\n", `layout acct.yaml line 5: sso start_url "http://x" is not an https URL; use the AWS access portal URL, e.g. https://d-1234567890.awsapps.com/start`},
		{"sso:\n  start_url: https://x/start\n  regoin: us-east-1\n", `layout acct.yaml line 6: unknown key "regoin" in sso; did you mean "region"? allowed keys: start_url, region, session`},
		{"sso: {start_url: https://x/start}\n", "layout acct.yaml line 4: sso has no region; add the IAM Identity Center region, e.g. `region: us-east-1`"},
		{"sso: {start_url: https://x/start, region: us-east-1, session: a b}\n", `layout acct.yaml line 4: sso session "a b" is not a usable section name; use letters, digits and - _ . @ + , =`},
	} {
		_, err := profiles.Parse("acct.yaml", []byte(head+c.yaml))
		if err == nil || err.Error() != c.want {
			t.Errorf("%q:\n got %v\nwant %s", c.yaml, err, c.want)
		}
	}
}

func TestSSOLoginThenExec(t *testing.T) {
	t.Parallel()
	testtool.AWSCLI(t)
	w, fake, _ := ssoWorld(t)

	// A script without a sign-in is told what to run, and nothing reaches the portal.
	r := w.run("", "exec", "cpco-prod-admin", "--", "true")
	if r.code == 0 || !strings.Contains(r.stderr, "run acct login --sso cpco-prod-admin") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 {
		t.Errorf("exec without sign-in: exit %d, stderr %q", r.code, r.stderr)
	}
	if fake.Calls("") != 0 {
		t.Errorf("%d calls to the portal without a sign-in", fake.Calls(""))
	}

	// acct login --sso on a terminal: the code is shown, approved, the token polled.
	p, code := w.ssoLogin(fake, "cpco-prod-admin", "--print")
	if !strings.Contains(p.screen(), "?user_code="+code) {
		t.Errorf("the verification URL does not carry the code:\n%s", p.screen())
	}
	if fake.Calls("RegisterClient") != 1 || fake.Calls("StartDeviceAuthorization") != 1 || fake.Calls("CreateToken") < 2 {
		t.Errorf("OIDC calls: register %d, device %d, token %d", fake.Calls("RegisterClient"), fake.Calls("StartDeviceAuthorization"), fake.Calls("CreateToken"))
	}
	oidc := fake.Calls("")

	// exec: the AWS CLI sees the permission set's credentials; a second exec gets the same ones.
	r = w.run("", "exec", "cpco-prod-admin", "--", testtool.AWSCLI(t), "sts", "get-caller-identity",
		"--endpoint-url", w.sts.URL, "--region", "us-east-1", "--output", "text", "--query", "Arn")
	if r.code != 0 || !regexp.MustCompile(`^arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_AdministratorAccess_[0-9a-f]+/acct-sso\n$`).MatchString(r.stdout) {
		t.Fatalf("exec: exit %d\nstdout %q\nstderr %s", r.code, r.stdout, r.stderr)
	}
	keys := map[string]bool{}
	for i := 0; i < 2; i++ {
		r = w.run("", "exec", "cpco-prod-admin", "--", "sh", "-c", "echo $AWS_ACCESS_KEY_ID")
		key := strings.TrimSpace(r.stdout)
		keys[key] = true
		tmp, ok := w.sts.Lookup(key)
		if r.code != 0 || !ok || !strings.Contains(tmp.RoleARN, "111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_") {
			t.Fatalf("exec %d: exit %d, not the permission set's credentials (%s)\nstdout %q\nstderr %s", i, r.code, tmp.RoleARN, r.stdout, r.stderr)
		}
	}
	if len(keys) != 1 {
		t.Errorf("two execs got different keys: %v", keys)
	}
	// One GetRoleCredentials: the second exec used the keyring cache; no OIDC call either.
	if fake.Calls("GetRoleCredentials") != 1 || fake.Calls("") != oidc+1 {
		t.Errorf("GetRoleCredentials %d, all calls %d (after login %d)", fake.Calls("GetRoleCredentials"), fake.Calls(""), oidc)
	}
	// acct list shows the permission set as the role, and until when its credentials are cached.
	r = w.must("list")
	for _, l := range strings.Split(r.stdout, "\n") {
		if f := strings.Fields(l); len(f) > 3 && f[3] == "cpco-prod-admin" && (f[5] != "AdministratorAccess" || f[len(f)-1] == "-") {
			t.Errorf("acct list, SSO profile with cached credentials: %q", l)
		}
	}
	// Another permission set of the same session needs no new sign-in.
	r = w.run("", "exec", "cpco-prod-readonly", "--", "sh", "-c", "echo $AWS_ACCESS_KEY_ID")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ASIA") {
		t.Errorf("exec readonly: exit %d %q %s", r.code, r.stdout, r.stderr)
	}

	// Neither the token nor the credentials are in any file: the keyring is encrypted and the
	// AWS CLI's cache was not asked for.
	w.noLeaks(r.stdout[:0], r.stderr)
	for _, s := range fake.Issued() {
		filepath.Walk(w.home, func(path string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				if data, _ := os.ReadFile(path); strings.Contains(string(data), s) {
					t.Errorf("a secret of the fake portal is in %s", path)
				}
			}
			return nil
		})
	}
	if _, err := os.Stat(filepath.Join(w.home, ".aws", "sso")); err == nil {
		t.Errorf("~/.aws/sso was written without --aws-cli-cache")
	}
}

func TestSSOLoginDiscoverAndAWSCLICache(t *testing.T) {
	t.Parallel()
	w, fake, layout := ssoWorld(t)
	w.ssoLogin(fake, "cpco", "--print", "--aws-cli-cache", "--sso-discover", "--layout", layout)

	// The session name's SHA-1 names the AWS CLI's cache file.
	files, _ := filepath.Glob(filepath.Join(w.home, ".aws", "sso", "cache", "*.json"))
	sum := sha1.Sum([]byte("cpco"))
	if len(files) != 1 || filepath.Base(files[0]) != hex.EncodeToString(sum[:])+".json" {
		t.Errorf("cache files %v", files)
	}
	if len(files) == 1 {
		if st, _ := os.Stat(files[0]); st.Mode().Perm() != 0o600 {
			t.Errorf("cache file mode %v", st.Mode().Perm())
		}
	}

	data, _ := os.ReadFile(w.config)
	text := string(data)
	for _, want := range []string{
		// an account the layout does not know: its name, label-safe
		"[profile cpco-data-lake-shared-dataengineer]\nregion=us-west-2\nsso_session=cpco\nsso_account_id=333333333333\nsso_role_name=DataEngineer\n",
		"[profile cpco-data-lake-shared-readonlyaccess]\n",
		// the layout's profiles are still there, once
		"[profile cpco-prod-readonly]\n",
	} {
		if strings.Count(text, want) != 1 {
			t.Errorf("config should hold once:\n%s\n---\n%s", want, text)
		}
	}
	if fake.Calls("ListAccounts") != 2 {
		t.Errorf("ListAccounts pages: %d", fake.Calls("ListAccounts"))
	}

	// The discovered profile works.
	r := w.run("", "exec", "cpco-data-lake-shared-dataengineer", "--", "sh", "-c", "echo $ACCT_PROFILE $AWS_REGION")
	if r.code != 0 || r.stdout != "cpco-data-lake-shared-dataengineer us-west-2\n" {
		t.Errorf("exec discovered: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
}
