package profiles

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func resolveTestConfig(t testing.TB, text string) *Config {
	t.Helper()
	c, err := ParseConfig("config", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const resolveTestText = `[default]
region = eu-west-1

[profile plain]
region = ap-south-1
mfa_serial = arn:aws:iam::323330167063:mfa/plain

[profile a]
role_arn = arn:aws:iam::111111111111:role/A
source_profile = b
role_session_name = alice
external_id = ext-1
duration_seconds = 3600
mfa_serial = arn:aws:iam::323330167063:mfa/a

[profile b]
role_arn = arn:aws-us-gov:iam::222222222222:role/path/B
source_profile = c
region = us-gov-west-1

[profile c]
aws_access_key_id = AKIAEXAMPLE
mfa_serial = arn:aws:iam::323330167063:mfa/c
mfa_process = pass otp aws

[profile proc]
credential_process = /usr/bin/get-creds --json

[profile viaproc]
role_arn = arn:aws:iam::333333333333:role/P
source_profile = proc

[profile self]
role_arn = arn:aws:iam::444444444444:role/S
source_profile = self
credential_process = other-tool

[profile keyring]
role_arn = arn:aws:iam::555555555555:role/K
source_profile = cpco

[profile cp]
region = us-west-2
credential_process = acct credential-process cp
acct_role_arn = arn:aws:iam::666666666666:role/CP
acct_mfa_serial = arn:aws:iam::323330167063:mfa/alice
acct_source_profile = cpco
acct_duration_seconds = 7200

[profile ownsource]
credential_process = "/opt/my tools/acct" credential-process ownsource

[profile base]
region = eu-central-1
mfa_serial = arn:aws:iam::323330167063:mfa/base
source_profile = cpco

[profile inc]
include_profile = base
role_arn = arn:aws:iam::777777777777:role/I

[profile nosource]
role_arn = arn:aws:iam::888888888888:role/N

[profile ec2]
role_arn = arn:aws:iam::888888888888:role/N
credential_source = Ec2InstanceMetadata

[profile badarn]
role_arn = arn:aws:iam::12345:user/bob
source_profile = cpco

[profile baddur]
role_arn = arn:aws:iam::888888888888:role/N
source_profile = cpco
duration_seconds = 1h

[profile x]
role_arn = arn:aws:iam::888888888888:role/X
source_profile = y

[profile y]
role_arn = arn:aws:iam::888888888888:role/Y
source_profile = x

[profile cpco-prod-admin]
role_arn = arn:aws:iam::999999999999:role/OrganizationAccountAccessRole
source_profile = cpco
`

func TestResolve(t *testing.T) {
	t.Parallel()
	c := resolveTestConfig(t, resolveTestText)
	cases := map[string]Chain{
		"plain": {Profile: "plain", Region: "ap-south-1", Source: "plain", MFASerial: "arn:aws:iam::323330167063:mfa/plain"},
		"a": {Profile: "a", Region: "us-gov-west-1", Account: "111111111111", Source: "c",
			MFASerial: "arn:aws:iam::323330167063:mfa/a", MFAProcess: "pass otp aws",
			Roles: []ChainRole{
				{Profile: "b", ARN: "arn:aws-us-gov:iam::222222222222:role/path/B"},
				{Profile: "a", ARN: "arn:aws:iam::111111111111:role/A", SessionName: "alice", ExternalID: "ext-1",
					MFASerial: "arn:aws:iam::323330167063:mfa/a", Duration: time.Hour},
			}},
		"b": {Profile: "b", Region: "us-gov-west-1", Account: "222222222222", Source: "c", MFASerial: "arn:aws:iam::323330167063:mfa/c", MFAProcess: "pass otp aws",
			Roles: []ChainRole{{Profile: "b", ARN: "arn:aws-us-gov:iam::222222222222:role/path/B"}}},
		"viaproc": {Profile: "viaproc", Account: "333333333333", SourceProcess: "/usr/bin/get-creds --json",
			Roles: []ChainRole{{Profile: "viaproc", ARN: "arn:aws:iam::333333333333:role/P"}}},
		"self": {Profile: "self", Account: "444444444444", SourceProcess: "other-tool",
			Roles: []ChainRole{{Profile: "self", ARN: "arn:aws:iam::444444444444:role/S"}}},
		"keyring": {Profile: "keyring", Account: "555555555555", Source: "cpco",
			Roles: []ChainRole{{Profile: "keyring", ARN: "arn:aws:iam::555555555555:role/K"}}},
		"cp": {Profile: "cp", Region: "us-west-2", Account: "666666666666", Source: "cpco", MFASerial: "arn:aws:iam::323330167063:mfa/alice",
			Roles: []ChainRole{{Profile: "cp", ARN: "arn:aws:iam::666666666666:role/CP", MFASerial: "arn:aws:iam::323330167063:mfa/alice", Duration: 2 * time.Hour}}},
		"ownsource": {Profile: "ownsource", Source: "ownsource"},
		"inc": {Profile: "inc", Region: "eu-central-1", Account: "777777777777", Source: "cpco", MFASerial: "arn:aws:iam::323330167063:mfa/base",
			Roles: []ChainRole{{Profile: "inc", ARN: "arn:aws:iam::777777777777:role/I", MFASerial: "arn:aws:iam::323330167063:mfa/base"}}},
	}
	for name, want := range cases {
		got, err := c.Resolve(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(*got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, *got, want)
		}
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	c := resolveTestConfig(t, resolveTestText)
	cases := []struct {
		name, want string
		kind       error
	}{
		{"cpco-prd-admin", `profile "cpco-prd-admin" not found; did you mean cpco-prod-admin?`, ErrProfileNotFound},
		{"zzzzzzzzzzzzzz", `profile "zzzzzzzzzzzzzz" not found in config; run acct list to see the profiles, or acct generate to create them`, ErrProfileNotFound},
		{"nosource", "config config line 62: profile nosource has role_arn but no source_profile; add source_profile=NAME, the profile whose keys acct keeps (acct add NAME): missing source_profile", ErrMissingSource},
		{"ec2", "config config line 65: profile ec2: credential_source=Ec2InstanceMetadata is not supported by acct; use source_profile=NAME with keys stored by acct add NAME (or credential_process), instead of credential_source: unsupported setting", ErrUnsupported},
		{"badarn", `config config line 69: profile badarn: role_arn "arn:aws:iam::12345:user/bob" is not an IAM role ARN; write arn:aws:iam::ACCOUNT:role/NAME: bad role_arn`, ErrBadRoleARN},
		{"baddur", `config config line 73: profile baddur: duration_seconds "1h" is not a number of seconds from 900 to 43200; write e.g. duration_seconds=3600: bad duration_seconds`, ErrBadDuration},
		{"x", "config config line 82: profile x: source_profile cycle x -> y -> x; point one of them at the profile whose keys acct keeps: source_profile cycle", ErrCycle},
	}
	for _, tc := range cases {
		_, err := c.Resolve(tc.name)
		if err == nil || err.Error() != tc.want || !errors.Is(err, tc.kind) {
			t.Errorf("%s:\n got %v\nwant %s", tc.name, err, tc.want)
		}
	}
}

func TestReadEntriesAndMeta(t *testing.T) {
	t.Parallel()
	path := writeTestEnv(t)
	if c, err := Read(path); err != nil || len(c.Names()) != 0 {
		t.Fatalf("missing file: %v %v", c, err)
	}
	if _, err := Write(path, Origin{Namespace: "cpco", LayoutFile: "a.yaml"}, blockLayoutB(), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if err := os.WriteFile(path, append([]byte("[profile mine]\nregion = x # inline\n\n"), data...), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Names(), ","); got != "mine,cpco-testing-admin,cpco-prod-admin,cpco-root-admin" {
		t.Fatalf("names %s", got)
	}
	e, ok := c.Entry("cpco-prod-admin")
	want := Meta{Namespace: "cpco", Stage: "prod", Role: "admin", OU: "workloads", Account: "111111111111", Protected: Always, Managed: true}
	if !ok || !reflect.DeepEqual(e.Meta, want) || e.Line != 13 {
		t.Fatalf("entry %+v", e)
	}
	if v, _ := e.Get("role_arn"); v != "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole" {
		t.Fatalf("role_arn %q", v)
	}
	if m, _ := c.Entry("mine"); m.Meta.Managed || m.Keys[0] != (Key{"region", "x"}) {
		t.Fatalf("mine %+v", m)
	}
	if b := c.Blocks(); len(b) != 1 || b[0].LayoutFile != "a.yaml" || b[0].Begin != 4 {
		t.Fatalf("blocks %+v", b)
	}
	ch, err := c.Resolve("cpco-prod-admin")
	if err != nil || ch.Protected != Always || ch.Stage != "prod" || ch.OU != "workloads" || ch.Source != "cpco" {
		t.Fatalf("chain %+v %v", ch, err)
	}

	// Not ini: an error with the line, and a Config for Doctor.
	if err := os.WriteFile(path, []byte("[default]\nnonsense\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Read(path)
	if err == nil || c == nil || c.ParseErr == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("not ini: %v", err)
	}
	if f := Doctor(c, nil, nil); len(f) != 1 || f[0].Line != 2 {
		t.Fatalf("doctor on unparseable: %+v", f)
	}
}

func TestMatch(t *testing.T) {
	t.Parallel()
	ps := append(blockLayoutB(), Profile{Name: "cpco-staging-admin", Namespace: "cpco", Stage: "staging", Role: "admin", Account: "121212121212",
		Keys: []Key{{"role_arn", "arn:aws:iam::121212121212:role/x"}, {"source_profile", "cpco"}}},
		Profile{Name: "cpco-prod-readonly", Namespace: "cpco", Stage: "prod", Role: "readonly", Account: "111111111111",
			Keys: []Key{{"role_arn", "arn:aws:iam::111111111111:role/ro"}, {"source_profile", "cpco"}}})
	// readonly listed before admin for staging2: admin still wins; stage3 has no admin: first role.
	ps = append(ps,
		Profile{Name: "cpco-stage2-readonly", Namespace: "cpco", Stage: "stage2", Role: "readonly"},
		Profile{Name: "cpco-stage2-admin", Namespace: "cpco", Stage: "stage2", Role: "admin"},
		Profile{Name: "cpco-stage3-ops", Namespace: "cpco", Stage: "stage3", Role: "ops"},
		Profile{Name: "cpco-stage3-view", Namespace: "cpco", Stage: "stage3", Role: "view"},
	)
	text, err := Merge([]byte("[profile personal]\nregion=x\n"), Origin{Namespace: "cpco"}, ps)
	if err != nil {
		t.Fatal(err)
	}
	acme := []Profile{{Name: "acme-dev-admin", Namespace: "acme", Stage: "dev", Role: "admin"}, {Name: "acme-staging-admin", Namespace: "acme", Stage: "shared", Role: "admin"}}
	text, err = Merge(text, Origin{Namespace: "acme", LayoutFile: "/src/acme/acct.yaml"}, acme)
	if err != nil {
		t.Fatal(err)
	}
	text, err = Merge(text, Origin{Namespace: "zeta", LayoutFile: "/src/zeta/acct.yaml"}, []Profile{{Name: "zeta-dev-admin", Namespace: "zeta", Stage: "dev", Role: "admin"}})
	if err != nil {
		t.Fatal(err)
	}
	c := resolveTestConfig(t, string(text))
	ok := map[string]Match{
		"personal":        {"personal", MatchExact},
		"cpco-prod-admin": {"cpco-prod-admin", MatchExact},
		"prod":            {"cpco-prod-admin", MatchStage},
		"staging":         {"cpco-staging-admin", MatchStage},
		"stage2":          {"cpco-stage2-admin", MatchStage},
		"stage3":          {"cpco-stage3-ops", MatchStage},
		"pers":            {"personal", MatchFuzzy},
		"PROD-READ":       {"cpco-prod-readonly", MatchFuzzy},
		"cpcoroot":        {"cpco-root-admin", MatchFuzzy},
	}
	for name, want := range ok {
		got, err := c.Match(name)
		if err != nil || got != want {
			t.Errorf("%s: got %+v %v, want %+v", name, got, err, want)
		}
	}
	var amb *AmbiguousError
	_, err = c.Match("dev")
	if !errors.As(err, &amb) || !reflect.DeepEqual(amb.Candidates, []string{"acme-dev-admin", "zeta-dev-admin"}) {
		t.Errorf("dev in two layouts: %v", err)
	}
	// From a layout's directory, its stage is meant; another layout's stage is only a candidate.
	for layout, want := range map[string]Match{"/src/zeta/acct.yaml": {"zeta-dev-admin", MatchStage}, "/src/acme/./acct.yaml": {"acme-dev-admin", MatchStage}} {
		if got, err := c.MatchFrom("dev", layout); err != nil || got != want {
			t.Errorf("dev from %s: got %+v %v, want %+v", layout, got, err, want)
		}
	}
	if got, err := c.MatchFrom("shared", "/src/zeta/acct.yaml"); err != nil || got != (Match{"acme-staging-admin", MatchFuzzy}) {
		t.Errorf("acme's stage shared from zeta's layout: got %+v %v, want a fuzzy candidate", got, err)
	}
	if got, err := c.MatchFrom("shared", "/src/other/acct.yaml"); err != nil || got != (Match{"acme-staging-admin", MatchStage}) {
		t.Errorf("shared from a layout with no block here: got %+v %v, want acme's stage", got, err)
	}
	_, err = c.Match("readonly")
	if !errors.As(err, &amb) || len(amb.Candidates) != 2 || err.Error() != `"readonly" matches 2 profiles: cpco-prod-readonly, cpco-stage2-readonly; give the full profile name` {
		t.Errorf("readonly: %v", err)
	}
	_, err = c.Match("qqq")
	if !errors.As(err, &amb) || !amb.NoMatch() || len(amb.Candidates) != len(c.Names()) {
		t.Errorf("no match: %v", err)
	}
}

func TestDoctor(t *testing.T) {
	t.Parallel()
	text := resolveTestText + `
[profile hand]
role_arn = arn:aws:iam::888888888888:role/H
source_profile = nowhere

[profile x]
region = dup
`
	c := resolveTestConfig(t, text)
	got := map[string]bool{}
	for _, f := range Doctor(c, nil, nil) {
		got[fmt.Sprintf("%s %s %d", f.Severity, f.Profile, f.Line)] = true
		if f.Message == "" || strings.Contains(f.Message, "\n") {
			t.Errorf("finding %+v", f)
		}
	}
	for _, want := range []string{
		"error x 94", "error nosource 62", "error ec2 65", "error badarn 69", "error baddur 73",
		"error x 82", "error y 78", "warning hand 90",
		// Hand-written profiles whose source has no section: fine for acct, not for the AWS CLI.
		"warning keyring 38", "warning base 53", "warning inc 58", "warning cpco-prod-admin 86",
	} {
		if !got[want] {
			t.Errorf("missing finding %q in %v", want, got)
		}
	}
	if len(got) != 12 {
		t.Errorf("unexpected findings %v", got)
	}

	broken := resolveTestConfig(t, "# >>> acct: cpco (x)\n[profile q]\nregion=x\n")
	if f := Doctor(broken, nil, nil); len(f) != 1 || f[0].Line != 1 || !strings.Contains(f[0].Message, "no end marker") {
		t.Errorf("half-deleted: %+v", f)
	}
}

func TestDoctorLayoutOutOfDate(t *testing.T) {
	t.Parallel()
	path := writeTestEnv(t)
	dir := t.TempDir()
	layoutPath := filepath.Join(dir, "acct.yaml")
	yaml := "namespace: cpco\nmode: virtual-root\nregion: us-west-2\nmfa_serial: arn:aws:iam::323330167063:mfa/{user}\nroot:\n  account: \"323330167063\"\nstages:\n  - name: testing\n"
	if err := os.WriteFile(layoutPath, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Load(layoutPath)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := Render(l, RenderOptions{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := Read(path)
	if f := Doctor(c, nil, l); len(f) != 1 || !strings.Contains(f[0].Message, "no acct block") {
		t.Fatalf("no block: %+v", f)
	}
	if _, err := Write(path, Origin{Namespace: l.Namespace, LayoutFile: l.File}, ps, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	c, _ = Read(path)
	if f := Doctor(c, nil, l); len(f) != 0 {
		t.Fatalf("fresh block: %+v", f)
	}
	if err := os.WriteFile(layoutPath, []byte(yaml+"  - name: prod\n    account: \"323330167063\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if l, err = Load(layoutPath); err != nil {
		t.Fatal(err)
	}
	if f := Doctor(c, nil, l); len(f) != 1 || f[0].Fix != "run acct generate (acct generate --dry-run shows the change)" {
		t.Fatalf("stale block: %+v", f)
	}
}

func BenchmarkRead10000Profiles(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[default]\nregion = eu-west-1\n\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&sb, "[profile p%d]\nregion = us-west-2\nrole_arn = arn:aws:iam::111111111111:role/r%d\nmfa_serial = arn:aws:iam::323330167063:mfa/alice\nsource_profile = cpco\n\n", i, i)
	}
	path := filepath.Join(b.TempDir(), "config")
	if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c, err := Read(path)
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Names()) != 10001 {
			b.Fatal("names")
		}
		if _, err := c.Resolve("p9999"); err != nil {
			b.Fatal(err)
		}
	}
}

// resolveLongChain is a config with a chain p<n> -> ... -> p1 -> p0 by source_profile (or by
// include_profile), p0 holding the keys; loop points p0 back at p<n>.
func resolveLongChain(n int, key string, loop bool) []byte {
	var b strings.Builder
	b.WriteString("[profile p0]\nregion=us-east-1\n")
	if loop {
		fmt.Fprintf(&b, "role_arn=arn:aws:iam::111111111111:role/r0\n%s=p%d\n", key, n)
	}
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "\n[profile p%d]\nrole_arn=arn:aws:iam::111111111111:role/r%d\n%s=p%d\n", i, i, key, i-1)
	}
	return []byte(b.String())
}

// A 5,000-hop chain, by source_profile or include_profile, resolves in one step per hop, and a
// cycle at its end is found in as many: counted, not timed (the cycle check was a scan of the
// path at every hop, n*n/2 steps).
func TestResolveLongChainIsLinear(t *testing.T) {
	const n = 5000
	steps := 0
	resolveStepHook = func() { steps++ }
	defer func() { resolveStepHook = nil }()
	for _, key := range []string{"source_profile", "include_profile"} {
		for _, loop := range []bool{false, true} {
			c, err := ParseConfig("config", resolveLongChain(n, key, loop))
			if err != nil {
				t.Fatal(err)
			}
			steps = 0
			top := fmt.Sprintf("p%d", n)
			if key == "include_profile" {
				keys, err := c.resolveKeys(top)
				if loop && !errors.Is(err, ErrCycle) || !loop && (err != nil || keys["region"] != "us-east-1") {
					t.Errorf("%s chain (loop %v): %v", key, loop, err)
				}
			} else {
				ch, err := c.Resolve(top)
				if loop && !errors.Is(err, ErrCycle) || !loop && (err != nil || len(ch.Roles) != n || ch.Source != "p0") {
					t.Errorf("%s chain (loop %v): %v", key, loop, err)
				}
			}
			if steps > n+2 {
				t.Errorf("%s chain of %d hops (loop %v): %d steps, want at most %d", key, n, loop, steps, n+2)
			}
		}
	}
}

// go test ./profiles -run '^$' -bench ResolveLongChain
func BenchmarkResolveLongChain(b *testing.B) {
	c, err := ParseConfig("config", resolveLongChain(5000, "source_profile", false))
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if _, err := c.Resolve("p5000"); err != nil {
			b.Fatal(err)
		}
	}
}
