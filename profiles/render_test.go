package profiles

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// renderINI formats profiles the way the managed block holds them, without the comments.
func renderINI(ps []Profile, names ...string) string {
	var b strings.Builder
	for _, n := range names {
		for _, p := range ps {
			if p.Name != n {
				continue
			}
			fmt.Fprintf(&b, "[profile %s]\n", p.Name)
			for _, k := range p.Keys {
				fmt.Fprintf(&b, "%s=%s\n", k.Name, k.Value)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func renderMust(t *testing.T, yamlText string, o RenderOptions) []Profile {
	t.Helper()
	l, err := Parse("acct.yaml", []byte(yamlText))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	ps, err := Render(l, o)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return ps
}

// SPEC §1 "Seed 002, case 3, byte for byte", and the organization layout of the same seed, whose
// testing stage is a member account: only its role differs.
func TestRenderSeed002Bytes(t *testing.T) {
	t.Parallel()
	const root = "[profile cpco-root-admin]\nregion=us-west-2\nrole_arn=arn:aws:iam::323330167063:role/cpco-root-admin\n" +
		"mfa_serial=arn:aws:iam::323330167063:mfa/alice\nsource_profile=cpco\n\n"
	for _, c := range []struct{ name, layout, testingRole string }{
		{"virtual-root", "namespace: cpco\nmode: virtual-root\nregion: us-west-2\nsource_profile: cpco\nmfa_serial: arn:aws:iam::323330167063:mfa/{user}\n" +
			"root:\n  account: \"323330167063\"\nstages:\n  - name: testing\n",
			"arn:aws:iam::323330167063:role/cpco-root-admin"},
		// source_profile left out: it defaults to the namespace.
		{"organization", "namespace: cpco\nmode: organization\nregion: us-west-2\nmfa_serial: arn:aws:iam::323330167063:mfa/{user}\n" +
			"root:\n  account: \"323330167063\"\nstages:\n  - name: testing\n    account: \"126450723953\"\n",
			"arn:aws:iam::126450723953:role/OrganizationAccountAccessRole"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			want := "[profile cpco-testing-admin]\nregion=us-west-2\nrole_arn=" + c.testingRole + "\n" +
				"mfa_serial=arn:aws:iam::323330167063:mfa/alice\nsource_profile=cpco\n\n" + root
			ps := renderMust(t, c.layout, RenderOptions{User: "alice"})
			if got := renderINI(ps, "cpco-testing-admin", "cpco-root-admin"); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
			if len(ps) != 2 || ps[0].Name != "cpco-root-admin" || ps[0].Stage != "root" {
				t.Errorf("want root first then testing, got %+v", ps)
			}
		})
	}
}

func TestRenderExamples(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../docs/examples/*.yaml")
	if err != nil || len(files) < 5 {
		t.Fatalf("want at least 5 examples, got %v (%v)", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			l, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range []RenderOptions{{User: "alice"}, {User: "alice", Style: CredentialProcess}} {
				ps, err := Render(l, o)
				if err != nil {
					t.Fatal(err)
				}
				if len(ps) < 3 || ps[0].Stage != RootStage {
					t.Fatalf("want root first and several profiles, got %d", len(ps))
				}
			}
		})
	}
}

func TestRenderExampleDetails(t *testing.T) {
	t.Parallel()
	l, err := Load("../docs/examples/per-user.yaml")
	if err != nil {
		t.Fatal(err)
	}
	all, err := Render(l, RenderOptions{})
	if err == nil {
		t.Fatalf("per-user.yaml has mfa_serial with {user}; Render without a user must fail, got %d profiles", len(all))
	}
	alice, err := Render(l, RenderOptions{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range alice {
		names = append(names, p.Name)
	}
	want := "acme-root-admin acme-prod-admin acme-prod-readonly acme-preprod-admin acme-preprod-readonly acme-qa-admin acme-uat-admin acme-dev-admin acme-sandbox-alice-admin"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("names\n got: %s\nwant: %s", got, want)
	}
	sb := alice[len(alice)-1]
	if sb.Account != "700000000101" || sb.Stage != "sandbox-alice" || sb.Protected != Unprotected {
		t.Errorf("sandbox profile %+v", sb)
	}
	if got := renderINI(alice, "acme-prod-admin"); got != "[profile acme-prod-admin]\nregion=us-east-1\nrole_arn=arn:aws:iam::700000000001:role/OrganizationAccountAccessRole\nmfa_serial=arn:aws:iam::700000000000:mfa/alice\nsource_profile=acme\nduration_seconds=3600\n\n" {
		t.Errorf("prod:\n%s", got)
	}
	if alice[1].Protected != Always || alice[0].Protected != Protected {
		t.Errorf("protection: root %v prod %v", alice[0].Protected, alice[1].Protected)
	}

	l, err = Load("../docs/examples/management-ous.yaml")
	if err != nil {
		t.Fatal(err)
	}
	l.MFASerial = "arn:aws:iam::900000000001:mfa/admin"
	ps, err := Render(l, RenderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ous := map[string]string{}
	for _, p := range ps {
		ous[p.Stage] = p.OU
	}
	if ous["audit"] != "security" || ous["sandbox-dana"] != "sandbox" || ous["sandbox-erik"] != "sandbox" || ous["management"] != "" {
		t.Errorf("OUs: %v", ous)
	}
}

func TestRenderAccountsModeDefaults(t *testing.T) {
	t.Parallel()
	ps := renderMust(t, "namespace: eg\nmode: accounts\nroot: {account: \"100000000000\"}\nstages:\n  - name: staging\n    account: \"100000000001\"\n", RenderOptions{})
	want := "[profile eg-root-admin]\nrole_arn=arn:aws:iam::100000000000:role/eg-root-admin\nsource_profile=eg\n\n[profile eg-staging-admin]\nrole_arn=arn:aws:iam::100000000001:role/eg-staging-admin\nsource_profile=eg\n\n"
	if got := renderINI(ps, "eg-root-admin", "eg-staging-admin"); got != want {
		t.Errorf("got\n%s", got)
	}
}

func TestRenderCredentialProcess(t *testing.T) {
	t.Parallel()
	const layout = "namespace: eg\nmode: organization\nregion: eu-west-1\nmfa_serial: arn:aws:iam::100000000000:mfa/{user}\nroot: {account: \"100000000000\"}\nstages:\n  - name: prod\n    account: \"100000000001\"\n    duration: 2h\n    profile: {output: json}\n"
	ps := renderMust(t, layout, RenderOptions{User: "bob", Style: CredentialProcess, Executable: "/opt/my tools/acct"})
	want := `[profile eg-prod-admin]
region=eu-west-1
credential_process="/opt/my tools/acct" credential-process eg-prod-admin
acct_role_arn=arn:aws:iam::100000000001:role/OrganizationAccountAccessRole
acct_mfa_serial=arn:aws:iam::100000000000:mfa/bob
acct_source_profile=eg
acct_duration_seconds=7200
output=json

`
	if got := renderINI(ps, "eg-prod-admin"); got != want {
		t.Errorf("got\n%s", got)
	}
	if ps[1].Protected != Protected {
		t.Errorf("prod must be protected by default")
	}
	ps = renderMust(t, layout, RenderOptions{User: "bob"})
	if got := renderINI(ps, "eg-prod-admin"); !strings.Contains(got, "source_profile=eg\nduration_seconds=7200\noutput=json\n") {
		t.Errorf("native order:\n%s", got)
	}
}

func TestRenderVirtualRootStageRoles(t *testing.T) {
	t.Parallel()
	const layout = "namespace: eg\nmode: virtual-root\nregion: us-gov-west-1\nroot:\n  account: \"100000000000\"\n  roles: {admin: eg-root-admin, readonly: eg-root-readonly}\nstages:\n  - name: dev\n    account: \"999999999999\"\n  - name: qa\n    roles: {deploy: eg-qa-deploy}\n"
	ps := renderMust(t, layout, RenderOptions{})
	var got []string
	for _, p := range ps {
		got = append(got, p.Name+"="+p.Keys[1].Value)
	}
	want := []string{
		"eg-root-admin=arn:aws-us-gov:iam::100000000000:role/eg-root-admin",
		"eg-root-readonly=arn:aws-us-gov:iam::100000000000:role/eg-root-readonly",
		"eg-dev-admin=arn:aws-us-gov:iam::100000000000:role/eg-root-admin",
		"eg-dev-readonly=arn:aws-us-gov:iam::100000000000:role/eg-root-readonly",
		"eg-qa-deploy=arn:aws-us-gov:iam::100000000000:role/eg-qa-deploy",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s", strings.Join(got, "\n"))
	}
}

func TestRenderPerUser(t *testing.T) {
	t.Parallel()
	const layout = "namespace: eg\nmode: accounts\nroot: {account: \"100000000000\"}\nstages:\n  - name: sandbox-{user}\n    per_user: {carol: \"100000000003\", alice: \"100000000001\"}\n  - name: dev-{user}\n    account: \"100000000009\"\n"
	l, err := Parse("acct.yaml", []byte(layout))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Render(l, RenderOptions{}); err == nil || err.Error() != `layout acct.yaml line 7: stage "dev-{user}" is named per user but lists no users in per_user; pass --user NAME` {
		t.Errorf("got %v", err)
	}
	ps, err := Render(l, RenderOptions{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if got := renderINI(ps, "eg-sandbox-alice-admin", "eg-dev-alice-admin"); got != "[profile eg-sandbox-alice-admin]\nrole_arn=arn:aws:iam::100000000001:role/eg-sandbox-alice-admin\nsource_profile=eg\n\n[profile eg-dev-alice-admin]\nrole_arn=arn:aws:iam::100000000009:role/eg-dev-alice-admin\nsource_profile=eg\n\n" {
		t.Errorf("got\n%s", got)
	}
	ps, err = Render(l, RenderOptions{User: "dave"})
	if err != nil || len(ps) != 2 || ps[1].Name != "eg-dev-dave-admin" {
		t.Errorf("a user without a sandbox gets none: %v %+v", err, ps)
	}
	l.Stages = l.Stages[:1]
	ps, err = Render(l, RenderOptions{})
	if err != nil || len(ps) != 3 || ps[1].Stage != "sandbox-alice" || ps[2].Stage != "sandbox-carol" {
		t.Errorf("every listed user, sorted: %v %+v", err, ps)
	}
}

func TestRenderPatternVariables(t *testing.T) {
	t.Parallel()
	const layout = "namespace: eg\nmode: organization\nprofile_pattern: \"{ou}-{stage}.{role}@{account}\"\nroot: {account: \"100000000000\"}\nstages:\n  - name: prod\n    ou: workloads\n    account: \"100000000001\"\n"
	ps := renderMust(t, layout, RenderOptions{})
	if ps[0].Name != "root.admin@100000000000" || ps[1].Name != "workloads-prod.admin@100000000001" {
		t.Errorf("names %q %q", ps[0].Name, ps[1].Name)
	}
	ps = renderMust(t, "namespace: eg\nmode: organization\nprofile_pattern: \"{ou}-{stage}-{role}\"\nroot: {account: \"100000000000\"}\nstages:\n  - name: dev\n    account: \"100000000001\"\n", RenderOptions{})
	if ps[1].Name != "dev-admin" {
		t.Errorf("an empty {ou} must not leave a leading hyphen: %q", ps[1].Name)
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, yaml string
		o          RenderOptions
		want       string
	}{
		{"mfa needs user", "namespace: eg\nmode: virtual-root\nmfa_serial: arn:aws:iam::100000000000:mfa/{user}\nroot: {account: \"100000000000\"}\n", RenderOptions{},
			`layout acct.yaml line 3: mfa_serial "arn:aws:iam::100000000000:mfa/{user}" needs a user name; pass --user NAME (your IAM user)`},
		{"pattern without role", "namespace: eg\nmode: organization\nprofile_pattern: \"{namespace}-{stage}\"\nroot: {account: \"100000000000\"}\nstages:\n  - name: prod\n    account: \"100000000001\"\n    roles: {admin: A, readonly: B}\n", RenderOptions{},
			`layout acct.yaml line 6: stage "prod" roles admin and readonly both make profile "eg-prod"; add {role} to profile_pattern, e.g. "{namespace}-{stage}-{role}"`},
		{"stages collide", "namespace: eg\nmode: organization\nprofile_pattern: \"{namespace}-{account}\"\nroot: {account: \"100000000000\"}\nstages:\n  - name: prod\n    account: \"100000000001\"\n  - name: prod2\n    account: \"100000000001\"\n", RenderOptions{},
			`layout acct.yaml line 8: stages "prod" (line 6) and "prod2" (line 8) both make profile "eg-100000000001"; include {stage} and {role} in profile_pattern, e.g. "{namespace}-{stage}-{role}", or rename a stage`},
		{"per-user collides", "namespace: eg\nmode: organization\nroot: {account: \"100000000000\"}\nstages:\n  - name: sandbox-alice\n    account: \"100000000001\"\n  - name: sandbox-{user}\n    per_user: {alice: \"100000000002\"}\n", RenderOptions{},
			`layout acct.yaml line 7: stages "sandbox-alice" (line 5) and "sandbox-{user}" (line 7) both make profile "eg-sandbox-alice-admin"; include {stage} and {role} in profile_pattern, e.g. "{namespace}-{stage}-{role}", or rename a stage`},
		{"same as source", "namespace: eg\nmode: organization\nsource_profile: eg-prod-admin\nroot: {account: \"100000000000\"}\nstages:\n  - name: prod\n    account: \"100000000001\"\n", RenderOptions{},
			`layout acct.yaml line 6: stage "prod" role admin makes profile "eg-prod-admin", the same as source_profile, so it would assume a role with its own credentials; change profile_pattern or source_profile`},
		{"pattern user", "namespace: eg\nmode: organization\nprofile_pattern: \"{user}-{stage}-{role}\"\nroot: {account: \"100000000000\"}\n", RenderOptions{},
			`layout acct.yaml line 3: profile_pattern "{user}-{stage}-{role}" for stage "root" role admin: {user} needs a user name; pass --user NAME`},
		{"bad user", "namespace: eg\nmode: organization\nroot: {account: \"100000000000\"}\n", RenderOptions{User: "a b"},
			`layout acct.yaml: --user "a b" is not an IAM user name; use 1-64 of letters, digits, + = , . @ _ -`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := Parse("acct.yaml", []byte(c.yaml))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Render(l, c.o)
			if err == nil || err.Error() != c.want {
				t.Errorf("error\n got: %v\nwant: %s", err, c.want)
			}
		})
	}
}

func TestRenderCodeBuiltLayout(t *testing.T) {
	t.Parallel()
	// A layout built in code, without Parse's defaults, must still render or fail cleanly.
	if _, err := Render(nil, RenderOptions{}); err == nil {
		t.Error("nil layout must fail")
	}
	l := &Layout{Namespace: "eg", Mode: ModeOrganization, Root: Stage{Account: "100000000000"}, Stages: []Stage{{Name: "dev", Account: "100000000001"}}}
	ps, err := Render(l, RenderOptions{})
	if err != nil || len(ps) != 2 || ps[1].Keys[0].Value != "arn:aws:iam::100000000001:role/OrganizationAccountAccessRole" {
		t.Errorf("%v %+v", err, ps)
	}
	l.Stages[0].Account = "1"
	if _, err := Render(l, RenderOptions{}); err == nil || !strings.Contains(err.Error(), "not a 12-digit account ID") {
		t.Errorf("got %v", err)
	}
}

func TestStyleAndProtectionStrings(t *testing.T) {
	t.Parallel()
	for _, s := range []Style{Native, CredentialProcess} {
		if got, err := ParseStyle(s.String()); err != nil || got != s {
			t.Errorf("style %v round trip: %v %v", s, got, err)
		}
	}
	if _, err := ParseStyle("ini"); err == nil {
		t.Error("unknown style must fail")
	}
	for _, p := range []Protection{Unprotected, Protected, Always} {
		if got, err := ParseProtection(p.String()); err != nil || got != p {
			t.Errorf("protection %v round trip: %v %v", p, got, err)
		}
	}
}

func benchLayoutYAML(n int) []byte {
	var b strings.Builder
	b.WriteString("namespace: bench\nmode: organization\nregion: us-east-1\nmfa_serial: arn:aws:iam::100000000000:mfa/{user}\nroot:\n  account: \"100000000000\"\nstages:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - name: stage%d\n    account: \"%012d\"\n    ou: ou%d\n    duration: 1h\n    roles: {admin: OrganizationAccountAccessRole, readonly: bench-readonly, deploy: bench-deploy}\n", i, 200000000000+i, i%7)
	}
	return []byte(b.String())
}

func BenchmarkRender1000Accounts(b *testing.B) {
	l, err := Parse("bench.yaml", benchLayoutYAML(1000))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ps, err := Render(l, RenderOptions{User: "alice"})
		if err != nil || len(ps) != 3001 {
			b.Fatal(err, len(ps))
		}
	}
}

func BenchmarkLoad1000Accounts(b *testing.B) {
	data := benchLayoutYAML(1000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		l, err := Parse("bench.yaml", data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Render(l, RenderOptions{User: "alice"}); err != nil {
			b.Fatal(err)
		}
	}
}
