package profiles

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// layoutHead is a valid start that broken cases build on, so each case breaks one thing.
const layoutHead = "namespace: cpco\nmode: organization\nroot:\n  account: \"323330167063\"\n"

var layoutBadCases = []struct {
	name, yaml, want string
}{
	{"empty", "", `layout bad.yaml line 1: the file is empty; start from one of docs/examples/*.yaml or run ` + "`acct init`"},
	{"syntax", "namespace: cpco\nmode: [organization\n", "layout bad.yaml line 1: invalid YAML: did not find expected ',' or ']'; fix the syntax (indentation, quoting, a missing colon)"},
	{"tabs", "namespace: cpco\n\tmode: organization\n", "layout bad.yaml line 2: invalid YAML: found a tab character that violates indentation; fix the syntax (indentation, quoting, a missing colon)"},
	{"not a map", "- cpco\n", "layout bad.yaml line 1: the layout is a list but must be a map of keys (namespace, mode, region, source_profile, mfa_serial, profile_pattern, root, stages, sso, env); indent its keys below it"},
	{"unknown top key", layoutHead + "regoin: us-east-1\n", "layout bad.yaml line 5: unknown key \"regoin\" in the layout; did you mean \"region\"? allowed keys: namespace, mode, region, source_profile, mfa_serial, profile_pattern, root, stages, sso, env"},
	{"sso start_url not https", layoutHead + "sso: {start_url: x}\n", "layout bad.yaml line 5: sso start_url \"x\" is not an https URL; use the AWS access portal URL, e.g. https://d-1234567890.awsapps.com/start"},
	{"unknown stage key", layoutHead + "stages:\n  - name: prod\n    account: \"111111111111\"\n    acount: \"111111111111\"\n", "layout bad.yaml line 8: unknown key \"acount\" in stage \"prod\"; did you mean \"account\"? allowed keys: name, account, ou, protected, roles, region, duration, per_user, profile, env, dir, clusters"},
	{"unknown root key", layoutHead + "  ou: x\n", "layout bad.yaml line 5: unknown key \"ou\" in root; allowed keys: account, roles, region, protected, duration, profile, env"},
	{"duplicate key", layoutHead + "region: us-east-1\nregion: us-west-2\n", "layout bad.yaml line 6: key \"region\" appears twice in the layout (first on line 5); remove one"},
	{"missing namespace", "mode: organization\nroot: {account: \"323330167063\"}\n", "layout bad.yaml line 1: namespace is missing; add e.g. `namespace: cpco` (the label prefix of every profile)"},
	{"bad namespace", "namespace: CPCO\nmode: organization\nroot: {account: \"323330167063\"}\n", "layout bad.yaml line 1: namespace \"CPCO\" is not a label; use lowercase letters, digits and single hyphens, e.g. cpco"},
	{"missing mode", "namespace: cpco\nroot: {account: \"323330167063\"}\n", "layout bad.yaml line 1: mode is missing; add `mode: organization`, `mode: accounts` or `mode: virtual-root`"},
	{"bad mode", "namespace: cpco\nmode: org\nroot: {account: \"323330167063\"}\n", "layout bad.yaml line 2: mode \"org\" is unknown; use organization, accounts or virtual-root"},
	{"missing root", "namespace: cpco\nmode: organization\n", "layout bad.yaml line 1: root is missing; add `root: {account: \"123456789012\"}` naming the account that holds the IAM users"},
	{"root without account", "namespace: cpco\nmode: organization\nroot:\n  region: us-east-1\n", "layout bad.yaml line 4: root has no account; add `account: \"123456789012\"` (the account that holds the IAM users)"},
	{"account 11 digits int", "namespace: cpco\nmode: organization\nroot:\n  account: 23330167063\n", "layout bad.yaml line 4: root account 23330167063 has 11 digits; if the ID starts with zeros YAML dropped them: write all 12 digits in quotes, e.g. \"023330167063\""},
	{"account 11 digits quoted", "namespace: cpco\nmode: organization\nroot:\n  account: \"23330167063\"\n", "layout bad.yaml line 4: root account \"23330167063\" has 11 digits; AWS account IDs have exactly 12"},
	{"account 13 digits", "namespace: cpco\nmode: organization\nroot:\n  account: 3233301670631\n", "layout bad.yaml line 4: root account \"3233301670631\" has 13 digits; AWS account IDs have exactly 12"},
	{"account letters", "namespace: cpco\nmode: organization\nroot:\n  account: \"32333016706x\"\n", "layout bad.yaml line 4: root account \"32333016706x\" is not a 12-digit account ID; use only the 12 digits, e.g. \"123456789012\""},
	{"account float", "namespace: cpco\nmode: organization\nroot:\n  account: 3.2e11\n", "layout bad.yaml line 4: root account 3.2e11 is a YAML number, not a 12-digit account ID; write the ID in quotes, e.g. \"123456789012\""},
	{"account list", "namespace: cpco\nmode: organization\nroot:\n  account: [\"323330167063\"]\n", "layout bad.yaml line 4: root account is a list; write the 12-digit account ID in quotes, e.g. \"123456789012\""},
	{"stage without account", layoutHead + "stages:\n  - name: prod\n", "layout bad.yaml line 6: stage \"prod\" has no account; add `account: \"123456789012\"` (or use mode: virtual-root for a single account)"},
	{"stage without name", layoutHead + "stages:\n  - account: \"111111111111\"\n", "layout bad.yaml line 6: a stage has no name; add `name: <stage>` (e.g. prod) to it"},
	{"stage named root", layoutHead + "stages:\n  - name: root\n    account: \"111111111111\"\n", "layout bad.yaml line 6: stage name root is reserved for the root: section; move its settings there or rename the stage"},
	{"stage name uppercase", layoutHead + "stages:\n  - name: Prod\n    account: \"111111111111\"\n", "layout bad.yaml line 6: stage name \"Prod\" is not a label; use lowercase letters, digits and single hyphens, optionally {user}, e.g. sandbox-{user}"},
	{"duplicate stage", layoutHead + "stages:\n  - name: prod\n    account: \"111111111111\"\n  - name: prod\n    account: \"222222222222\"\n", "layout bad.yaml line 8: stage \"prod\" is defined twice (first on line 6); rename or remove one"},
	{"stages not a list", layoutHead + "stages:\n  prod: {account: \"111111111111\"}\n", "layout bad.yaml line 6: stages is a map but must be a list; start each stage with `- name: ...`"},
	{"bad protected", layoutHead + "stages:\n  - name: prod\n    account: \"111111111111\"\n    protected: yes\n", "layout bad.yaml line 8: stage \"prod\" protected \"yes\" is not true, false or always; use one of those"},
	{"duration too short", layoutHead + "stages:\n  - name: prod\n    account: \"111111111111\"\n    duration: 5m\n", "layout bad.yaml line 8: stage \"prod\" duration 5m is outside what AWS allows; use between 15m and 12h"},
	{"duration too long", layoutHead + "stages:\n  - name: prod\n    account: \"111111111111\"\n    duration: 13h\n", "layout bad.yaml line 8: stage \"prod\" duration 13h is outside what AWS allows; use between 15m and 12h"},
	{"duration number", layoutHead + "stages:\n  - name: prod\n    account: \"111111111111\"\n    duration: 3600\n", "layout bad.yaml line 8: stage \"prod\" duration \"3600\" is not a duration; write it like 1h or 90m"},
	{"bad region", layoutHead + "region: US-East-1\n", "layout bad.yaml line 5: region \"US-East-1\" is not an AWS region; use a region code such as us-east-1 or eu-west-2"},
	{"bad role name", layoutHead + "stages:\n  - name: prod\n    account: \"111111111111\"\n    roles: {admin: \"Org Access\"}\n", "layout bad.yaml line 8: stage \"prod\": role admin name \"Org Access\" is not a valid IAM role name (1-64 of letters, digits, + = , . @ _ -, optionally after a path like team/); use the role name IAM shows"},
	{"bad role label", layoutHead + "stages:\n  - name: prod\n    account: \"111111111111\"\n    roles: {Admin: OrganizationAccountAccessRole}\n", "layout bad.yaml line 8: stage \"prod\" role label \"Admin\" is not a label; use lowercase letters, digits and single hyphens, e.g. admin or readonly"},
	{"empty roles", layoutHead + "stages:\n  - name: prod\n    account: \"111111111111\"\n    roles: {}\n", "layout bad.yaml line 8: stage \"prod\" roles is empty; list at least one, e.g. {admin: OrganizationAccountAccessRole}, or remove roles for the default"},
	{"roles as list", layoutHead + "stages:\n  - name: prod\n    account: \"111111111111\"\n    roles: [admin]\n", "layout bad.yaml line 8: stage \"prod\" roles is a list but must be a map of label to IAM role name, e.g. {admin: OrganizationAccountAccessRole}"},
	{"duplicate role", layoutHead + "stages:\n  - name: prod\n    account: \"111111111111\"\n    roles:\n      admin: A\n      admin: B\n", "layout bad.yaml line 10: stage \"prod\" roles lists \"admin\" twice (first on line 9); remove one"},
	{"per_user without {user}", layoutHead + "stages:\n  - name: sandbox\n    per_user: {alice: \"444444444444\"}\n", "layout bad.yaml line 7: stage \"sandbox\" has per_user but its name has no {user}; rename it, e.g. \"sandbox-{user}\""},
	{"{user} without account", layoutHead + "stages:\n  - name: sandbox-{user}\n", "layout bad.yaml line 6: stage \"sandbox-{user}\" has no account; add `account:` for one shared account, or `per_user: {alice: \"123456789012\"}` for one account per user"},
	{"per_user and account", layoutHead + "stages:\n  - name: sandbox-{user}\n    account: \"444444444444\"\n    per_user: {alice: \"444444444444\"}\n", "layout bad.yaml line 7: stage \"sandbox-{user}\" has both account and per_user; keep per_user for one account per user, or account for one shared account"},
	{"per_user bad account", layoutHead + "stages:\n  - name: sandbox-{user}\n    per_user:\n      alice: 4444\n", "layout bad.yaml line 8: stage \"sandbox-{user}\" per_user alice 4444 has 4 digits; if the ID starts with zeros YAML dropped them: write all 12 digits in quotes, e.g. \"000000004444\""},
	{"profile overrides role_arn", layoutHead + "stages:\n  - name: prod\n    account: \"111111111111\"\n    profile: {role_arn: x}\n", "layout bad.yaml line 8: stage \"prod\" profile sets role_arn, which acct writes itself; use the layout's own keys (account, roles, region, duration, mfa_serial, source_profile) instead"},
	{"profile acct_ key", layoutHead + "stages:\n  - name: prod\n    account: \"111111111111\"\n    profile: {acct_x: y}\n", "layout bad.yaml line 8: stage \"prod\" profile key \"acct_x\" uses the acct_ prefix reserved for acct; rename it"},
	{"pattern unknown var", layoutHead + "profile_pattern: \"{namespace}-{env}\"\n", "layout bad.yaml line 5: profile_pattern \"{namespace}-{env}\": unknown variable {env}; use {namespace}, {stage}, {role}, {user}, {account} or {ou}"},
	{"pattern without stage", layoutHead + "profile_pattern: \"{namespace}-{role}\"\n", "layout bad.yaml line 5: profile_pattern \"{namespace}-{role}\": names no stage; include {stage}, e.g. \"{namespace}-{stage}-{role}\""},
	{"mfa other placeholder", layoutHead + "mfa_serial: \"arn:aws:iam::323330167063:mfa/{name}\"\n", "layout bad.yaml line 5: mfa_serial \"arn:aws:iam::323330167063:mfa/{name}\" has a placeholder other than {user}; only {user} is filled in"},
	{"two documents", layoutHead + "---\nnamespace: x\n", "layout bad.yaml line 5: a second YAML document starts here; a layout is one document, remove the `---` and what follows or move it to its own file"},
	{"merge key", layoutHead + "stages:\n  - &p {name: prod, account: \"111111111111\"}\n  - <<: *p\n    name: qa\n", "layout bad.yaml line 7: stage \"qa\" has a key that is not a plain name (merge keys `<<` and complex keys are not supported); write the keys out"},
	{"bad source_profile", layoutHead + "source_profile: \"my profile\"\n", "layout bad.yaml line 5: source_profile \"my profile\" is not a usable profile name; use letters, digits and - _ . @ + , ="},
	{"role path empty part", layoutHead + "stages:\n  - name: prod\n    account: \"111111111111\"\n    roles: {admin: /x}\n", "layout bad.yaml line 8: stage \"prod\": role admin name \"/x\" is not a valid IAM role name (1-64 of letters, digits, + = , . @ _ -, optionally after a path like team/); use the role name IAM shows"},
	{"default role too long", "namespace: a-very-long-namespace-for-a-team\nmode: accounts\nroot: {account: \"323330167063\"}\nstages:\n  - name: an-even-longer-stage-name-to-overflow\n    account: \"111111111111\"\n", "layout bad.yaml line 5: stage \"an-even-longer-stage-name-to-overflow\": default role admin name \"a-very-long-namespace-for-a-team-an-even-longer-stage-name-to-overflow-admin\" is not a valid IAM role name (1-64 of letters, digits, + = , . @ _ -, optionally after a path like team/); set roles explicitly"},
	{"ou not a label", layoutHead + "stages:\n  - name: prod\n    account: \"111111111111\"\n    ou: Security OU\n", "layout bad.yaml line 8: stage \"prod\" ou \"Security OU\" is not a label; use lowercase letters, digits and single hyphens, e.g. workloads"},
}

func TestParseBadLayouts(t *testing.T) {
	t.Parallel()
	for _, c := range layoutBadCases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(c.yaml))
			if err == nil {
				t.Fatalf("Parse succeeded, want error %q", c.want)
			}
			got := err.Error()
			if strings.ContainsAny(got, "\r\n") {
				t.Errorf("error spans lines: %q", got)
			}
			if got != c.want {
				t.Errorf("error\n got: %s\nwant: %s", got, c.want)
			}
		})
	}
}

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	const src = `# comment
namespace: cpco
mode: organization
root:
  account: 323330167063
stages:
  - name: prod
    account: "111111111111"
    roles:
      readonly: cpco-prod-readonly
      admin: OrganizationAccountAccessRole
      deploy: path/to/cpco-deploy
  - name: staging
    account: "012345678901"
    protected: always
  - name: dev
    account: 012345678902
    protected: false
    region: eu-west-1
    duration: 90m
    profile: {output: json, cli_pager: ""}
`
	l, err := Parse("acct.yaml", []byte(src))
	if err == nil {
		t.Fatalf("an empty profile value must be refused")
	}
	l, err = Parse("acct.yaml", []byte(strings.Replace(src, `, cli_pager: ""`, `, cli_read_timeout: 30`, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if l.File != "acct.yaml" || l.SourceProfile != "cpco" || l.ProfilePattern != DefaultProfilePattern {
		t.Errorf("globals: %+v", l)
	}
	if l.Root.Name != "root" || l.Root.Account != "323330167063" || l.Root.Line != 4 || len(l.Root.Roles) != 1 || l.Root.Roles[0] != (Role{"admin", "cpco-root-admin"}) {
		t.Errorf("root: %+v", l.Root)
	}
	prod, staging, dev := l.Stages[0], l.Stages[1], l.Stages[2]
	if prod.Protected != Protected || prod.Line != 7 {
		t.Errorf("prod: %+v", prod)
	}
	wantRoles := []Role{{"readonly", "cpco-prod-readonly"}, {"admin", "OrganizationAccountAccessRole"}, {"deploy", "path/to/cpco-deploy"}}
	if fmt.Sprint(prod.Roles) != fmt.Sprint(wantRoles) {
		t.Errorf("roles must keep file order: %v", prod.Roles)
	}
	if staging.Protected != Always || staging.Account != "012345678901" || staging.Roles[0].Name != "OrganizationAccountAccessRole" {
		t.Errorf("staging: %+v", staging)
	}
	if dev.Protected != Unprotected || dev.Account != "012345678902" || dev.Duration != 90*time.Minute || dev.Region != "eu-west-1" {
		t.Errorf("dev: %+v", dev)
	}
	if fmt.Sprint(dev.Extra) != "[{output json} {cli_read_timeout 30}]" {
		t.Errorf("extra: %v", dev.Extra)
	}
}

func TestParseAliasesAndModes(t *testing.T) {
	t.Parallel()
	const src = `namespace: eg
mode: virtual-root
root:
  account: "100000000000"
  roles: &roles {admin: eg-admin, readonly: eg-readonly}
stages:
  - name: dev
    roles: *roles
  - name: prod
    protected: false
  - name: sandbox-{user}
`
	l, err := Parse("acct.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range l.Stages {
		if st.Account != "100000000000" || len(st.Roles) != 2 {
			t.Errorf("virtual stage %s: %+v", st.Name, st)
		}
	}
	if l.Stages[1].Protected != Unprotected {
		t.Error("protected: false must win over the prod default")
	}
	l, err = Parse("acct.yaml", []byte("namespace: eg\nmode: accounts\nroot: {account: \"100000000000\"}\nstages:\n  - {name: qa, account: \"100000000001\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Stages[0].Roles[0] != (Role{"admin", "eg-qa-admin"}) {
		t.Errorf("accounts-mode default role: %v", l.Stages[0].Roles)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("got %v", err)
	}
	p := filepath.Join(dir, "acct.yaml")
	if err := os.WriteFile(p, []byte(layoutHead+"stages:\n  - name: prod\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	want := "layout " + p + " line 6: stage \"prod\" has no account; add `account: \"123456789012\"` (or use mode: virtual-root for a single account)"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

func TestParseRoleUserPlaceholder(t *testing.T) {
	t.Parallel()
	_, err := Parse("bad.yaml", []byte(layoutHead+"stages:\n  - name: dev\n    account: \"111111111111\"\n    roles: {admin: \"dev-{user}\"}\n"))
	want := `layout bad.yaml line 8: stage "dev" role admin uses {user} but the stage name has none; remove {user} or add it to the stage name`
	if err == nil || err.Error() != want {
		t.Errorf("got %v", err)
	}
	if _, err := Parse("ok.yaml", []byte(layoutHead+"stages:\n  - roles: {admin: \"dev-{user}\"}\n    name: dev-{user}\n    account: \"111111111111\"\n")); err != nil {
		t.Errorf("roles before name: %v", err)
	}
}
