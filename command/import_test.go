package command_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acct-cli/acct/orgs/orgstest"
	"github.com/acct-cli/acct/session/ststest"
)

const importLayout = `# the cpco organization
namespace: cpco
mode: organization
region: us-west-2
mfa_serial: arn:aws:iam::323330167063:mfa/{user}
root:
  account: "323330167063"
stages:
  - name: prod
    account: "%PROD%"
    protected: always
`

// importWorld is alice's machine with the root profile generated, her keys stored, an MFA code in
// ACCT_MFA_TOKEN and a fake Organizations that accepts what the fake STS issued.
func importWorld(t *testing.T) (*world, *orgstest.Server, string, map[string]string) {
	t.Helper()
	w := newWorld(t)
	o := orgstest.New("323330167063")
	t.Cleanup(o.Close)
	o.Keys = w.sts.SigningKey
	w.vars["AWS_ENDPOINT_URL_ORGANIZATIONS"] = o.URL
	workloads := o.AddOU(o.Root(), "Workloads")
	ids := map[string]string{
		"prod":     o.AddAccount(workloads, "cpco-prod"),
		"payments": o.AddAccount(workloads, "cpco-payments"),
		"audit":    o.AddAccount(o.AddOU(o.Root(), "Security"), "CPCO Audit"),
	}
	layout := filepath.Join(t.TempDir(), "acct.yaml")
	if err := os.WriteFile(layout, []byte(strings.ReplaceAll(importLayout, "%PROD%", ids["prod"])), 0o644); err != nil {
		t.Fatal(err)
	}
	w.must("generate", "--layout", layout, "--user", "alice")
	u := w.sts.AddUser("323330167063", "alice")
	w.sts.AddRole("arn:aws:iam::323330167063:role/cpco-root-admin", ststest.RoleOptions{RequireMFA: true})
	w.vars["AWS_ACCESS_KEY_ID"], w.vars["AWS_SECRET_ACCESS_KEY"] = u.AccessKeyID, u.SecretAccessKey
	w.must("add", "--env", "cpco")
	delete(w.vars, "AWS_ACCESS_KEY_ID")
	delete(w.vars, "AWS_SECRET_ACCESS_KEY")
	w.vars["ACCT_MFA_TOKEN"] = w.sts.Code(u, time.Now())
	return w, o, layout, ids
}

func TestImportOrganizations(t *testing.T) {
	t.Parallel()
	w, o, layout, ids := importWorld(t)
	before, _ := os.ReadFile(layout)

	r := w.must("import", "organizations", "--profile", "cpco-root-admin", "--layout", layout, "--dry-run")
	for _, want := range []string{"+    ou: workloads", "+  - name: payments", "+  - name: audit", `+    account: "` + ids["audit"] + `" # imported from AWS Organizations`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run does not show %q:\n%s", want, r.stdout)
		}
	}
	if after, _ := os.ReadFile(layout); string(after) != string(before) {
		t.Fatal("--dry-run changed the layout")
	}
	if o.Calls("DescribeOrganization") != 1 || o.Calls("ListAccountsForParent") < 3 {
		t.Errorf("calls: describe %d, accounts %d", o.Calls("DescribeOrganization"), o.Calls("ListAccountsForParent"))
	}

	// The MFA session and role credentials are cached: no new code is needed from here on.
	delete(w.vars, "ACCT_MFA_TOKEN")
	r = w.must("import", "organizations", "--profile", "cpco-root-admin", "--layout", layout)
	if !strings.Contains(r.stdout, "run acct generate") {
		t.Errorf("stdout: %s", r.stdout)
	}
	w.must("generate", "--layout", layout, "--user", "alice")
	cfg, _ := os.ReadFile(w.config)
	for _, want := range []string{"[profile cpco-payments-admin]", "[profile cpco-audit-admin]", "role_arn=arn:aws:iam::" + ids["audit"] + ":role/OrganizationAccountAccessRole"} {
		if !strings.Contains(string(cfg), want) {
			t.Errorf("config lacks %q", want)
		}
	}
	if r := w.must("import", "organizations", "--profile", "cpco-root-admin", "--layout", layout); !strings.Contains(r.stdout, "no change") {
		t.Errorf("second import: %s", r.stdout)
	}

	// Suspended: the imported stage goes, and generate prunes its profile.
	o.SetState(ids["payments"], "SUSPENDED")
	w.must("import", "organizations", "--profile", "cpco-root-admin", "--layout", layout)
	w.must("generate", "--layout", layout, "--user", "alice")
	cfg, _ = os.ReadFile(w.config)
	if strings.Contains(string(cfg), "cpco-payments-admin") || !strings.Contains(string(cfg), "cpco-prod-admin") {
		t.Errorf("after suspending payments:\n%s", cfg)
	}
	w.noLeaks(r.stdout, r.stderr)
}

func TestImportOrganizationsErrors(t *testing.T) {
	t.Parallel()
	w, o, layout, _ := importWorld(t)
	o.Deny("arn:aws:iam::323330167063:user/alice")
	r := w.run("", "import", "organizations", "--profile", "cpco-root-admin", "--layout", layout)
	if r.code == 0 || !strings.Contains(r.stderr, "AccessDeniedException") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("denied: exit %d\n%s", r.code, r.stderr)
	}
	// A new layout needs a namespace, asked before any MFA code is used.
	r = w.run("", "import", "organizations", "--profile", "cpco-root-admin", "--layout", filepath.Join(t.TempDir(), "new.yaml"))
	if r.code == 0 || !strings.Contains(r.stderr, "--namespace") {
		t.Errorf("new layout without namespace: exit %d\n%s", r.code, r.stderr)
	}
}

// A new layout gets an mfa_serial: --mfa-serial, else the importing profile's device made {user},
// said on stderr; generate then fills it for the user.
func TestImportOrganizationsNewLayoutMFASerial(t *testing.T) {
	t.Parallel()
	w, _, _, _ := importWorld(t)
	fresh := filepath.Join(t.TempDir(), "acme.yaml")
	r := w.must("import", "organizations", "--profile", "cpco-root-admin", "--layout", fresh, "--namespace", "acme")
	if !strings.Contains(r.stderr, "mfa_serial arn:aws:iam::323330167063:mfa/{user}, from profile cpco-root-admin's device arn:aws:iam::323330167063:mfa/alice") {
		t.Errorf("no notice of the derived mfa_serial: %q", r.stderr)
	}
	data, _ := os.ReadFile(fresh)
	if !strings.Contains(string(data), "\nmfa_serial: arn:aws:iam::323330167063:mfa/{user}\n") {
		t.Fatalf("the new layout has no mfa_serial with {user}:\n%s", data)
	}
	w.must("generate", "--layout", fresh, "--user", "bob")
	if cfg, _ := os.ReadFile(w.config); !strings.Contains(string(cfg), "\nmfa_serial=arn:aws:iam::323330167063:mfa/bob\n") {
		t.Errorf("generate --user bob did not fill the new layout's mfa_serial:\n%s", cfg)
	}

	other := filepath.Join(t.TempDir(), "zeta.yaml")
	w.must("import", "organizations", "--profile", "cpco-root-admin", "--layout", other, "--namespace", "zeta", "--mfa-serial", "arn:aws:iam::323330167063:mfa/team/{user}")
	if data, _ := os.ReadFile(other); !strings.Contains(string(data), "\nmfa_serial: arn:aws:iam::323330167063:mfa/team/{user}\n") {
		t.Errorf("--mfa-serial not written:\n%s", data)
	}
}
