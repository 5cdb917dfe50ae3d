package orgs_test

import (
	"github.com/acct-cli/acct/internal/testtool"

	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/orgs"
	"github.com/acct-cli/acct/orgs/orgstest"
	"github.com/acct-cli/acct/profiles"
)

const mgmt = "323330167063"

func client(t testing.TB, s *orgstest.Server) *organizations.Client {
	t.Helper()
	id, secret := s.AddKey()
	return organizations.New(organizations.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, ""),
	})
}

func walk(t testing.TB, c *organizations.Client) *orgs.Org {
	t.Helper()
	org, err := orgs.Walk(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return org
}

// changed is the +/- lines of a unified diff, headers left out.
func changed(diff string) []string {
	var out []string
	for _, l := range strings.Split(diff, "\n") {
		if strings.HasPrefix(l, "+++") || strings.HasPrefix(l, "---") {
			continue
		}
		if strings.HasPrefix(l, "+") || strings.HasPrefix(l, "-") {
			out = append(out, l)
		}
	}
	return out
}

func same(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got:\n%s\nwant:\n%s", what, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

const handLayout = `# our accounts
namespace: cpco
mode: organization
region: us-west-2
root:
  account: "323330167063"        # the management account holds the IAM users
stages:
  - name: prod                   # hand-written: never pruned
    account: "%s"
    protected: always
    roles: {admin: OrganizationAccountAccessRole, readonly: cpco-prod-readonly}
    duration: 1h
`

func TestImportThenReimport(t *testing.T) {
	s := orgstest.New(mgmt)
	defer s.Close()
	s.SetPageSize(2)
	c := client(t, s)
	workloads := s.AddOU(s.Root(), "Workloads")
	prodOU := s.AddOU(workloads, "Prod")
	security := s.AddOU(s.Root(), "Security")
	prod := s.AddAccount(prodOU, "cpco-prod")
	staging := s.AddAccount(workloads, "CPCO Staging")
	audit := s.AddAccount(security, "cpco-audit")
	logs := s.AddAccount(security, "cpco-log-archive")
	sandbox := s.AddAccount(s.Root(), "Sandbox_Bob")

	name := filepath.Join(t.TempDir(), "acct.yaml")
	old := []byte(fmt.Sprintf(handLayout, prod))
	res, err := orgs.Merge(name, old, walk(t, c), orgs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "first import", changed(orgs.Diff(name, old, res.Data)), []string{
		"+    ou: prod",
		`+  - name: sandbox-bob`,
		`+    account: "` + sandbox + `" # imported from AWS Organizations`,
		`+  - name: audit`,
		`+    account: "` + audit + `" # imported from AWS Organizations`,
		`+    ou: security`,
		`+  - name: log-archive`,
		`+    account: "` + logs + `" # imported from AWS Organizations`,
		`+    ou: security`,
		`+  - name: staging`,
		`+    account: "` + staging + `" # imported from AWS Organizations`,
		`+    ou: workloads`,
	})
	if err := orgs.Write(name, res.Data); err != nil {
		t.Fatal(err)
	}
	// Hand-set keys survive, and a second import changes nothing.
	l, err := profiles.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	if st := l.Stages[0]; st.Name != "prod" || st.Protected != profiles.Always || len(st.Roles) != 2 || st.OU != "prod" {
		t.Errorf("prod stage changed: %+v", st)
	}
	again, err := orgs.Merge(name, res.Data, walk(t, c), orgs.Options{})
	if err != nil || again.Changed {
		t.Fatalf("second import: changed=%v err=%v\n%s", again != nil && again.Changed, err, orgs.Diff(name, res.Data, again.Data))
	}

	// The organisation changes: an account added, one renamed, one moved, one suspended, one
	// closed and gone; the hand-written prod is suspended too.
	dev := s.AddAccount(workloads, "cpco-dev")
	s.Rename(staging, "cpco-staging-eu")
	s.Move(audit, workloads)
	s.SetState(logs, "SUSPENDED")
	s.Remove(sandbox)
	s.SetState(prod, "SUSPENDED")
	next, err := orgs.Merge(name, res.Data, walk(t, c), orgs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	same(t, "re-import", changed(orgs.Diff(name, res.Data, next.Data)), []string{
		`-  - name: sandbox-bob`,
		`-    account: "` + sandbox + `" # imported from AWS Organizations`,
		`-    ou: security`,
		`-  - name: log-archive`,
		`-    account: "` + logs + `" # imported from AWS Organizations`,
		`-    ou: security`,
		`+    ou: workloads`,
		`+  - name: dev`,
		`+    account: "` + dev + `" # imported from AWS Organizations`,
		`+    ou: workloads`,
	})
	if len(next.Notices) != 1 || !strings.Contains(next.Notices[0], "stage prod") {
		t.Errorf("notices = %q, want one about the hand-written prod", next.Notices)
	}
	var kinds []string
	for _, ch := range next.Changes {
		kinds = append(kinds, ch.Kind+" "+ch.Stage)
	}
	same(t, "changes", kinds, []string{"remove sandbox-bob", "move audit", "remove log-archive", "add dev"})
}

func TestNewLayoutAndOptions(t *testing.T) {
	s := orgstest.New(mgmt)
	defer s.Close()
	c := client(t, s)
	workloads := s.AddOU(s.Root(), "Workloads")
	prodOU := s.AddOU(workloads, "Prod")
	devOU := s.AddOU(workloads, "Dev")
	s.AddAccount(prodOU, "acme-payments-prod")
	second := s.AddAccount(prodOU, "cpco-payments-prod") // same stage name once prefixes are stripped
	s.AddAccount(devOU, "cpco-dev")
	skip := s.AddAccount(prodOU, "cpco-legacy")
	org := walk(t, c)

	if _, err := orgs.Merge("acct.yaml", nil, org, orgs.Options{}); err == nil || !strings.Contains(err.Error(), "--namespace") {
		t.Fatalf("new layout without namespace: %v", err)
	}
	res, err := orgs.Merge("acct.yaml", nil, org, orgs.Options{Namespace: "cpco", OU: "workloads/prod", Exclude: []string{skip}, StripPrefixes: []string{"acme"},
		MFASerial: "arn:aws:iam::" + mgmt + ":mfa/{user}"})
	if err != nil {
		t.Fatal(err)
	}
	l := res.Layout
	if l.Root.Account != mgmt || l.Mode != "organization" || l.MFASerial != "arn:aws:iam::"+mgmt+":mfa/{user}" {
		t.Errorf("root %s mode %s mfa_serial %s", l.Root.Account, l.Mode, l.MFASerial)
	}
	var got []string
	for _, st := range l.Stages {
		got = append(got, st.Name+"/"+st.OU)
	}
	// The management account is the root, so no management stage; dev is outside the subtree.
	same(t, "stages", got, []string{"payments-prod/prod", "payments-prod-" + second[8:] + "/prod"})

	if _, err := orgs.Merge("acct.yaml", nil, org, orgs.Options{Namespace: "cpco", OU: "nope"}); err == nil {
		t.Error("--ou nope: no error")
	}
	// A layout whose root is another account gets the management account as a stage.
	other := "namespace: cpco\nmode: organization\nroot: {account: \"999999999999\"}\n"
	res, err = orgs.Merge("acct.yaml", []byte(other), org, orgs.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Layout.Stages[0].Name != "management" || res.Layout.Stages[0].Account != mgmt {
		t.Errorf("first stage %+v, want management", res.Layout.Stages[0])
	}
	if _, err := os.Stat("acct.yaml"); err == nil {
		t.Error("Merge wrote a file")
	}
}

func TestStageName(t *testing.T) {
	for in, want := range map[string]string{
		"cpco-prod":          "prod",
		"CPCO Prod":          "prod",
		"Workloads (Prod)!!": "workloads-prod",
		"cpco":               "cpco",
		"acme--data__lake":   "data-lake",
	} {
		if got := orgs.StageName(in, "cpco", "acme"); got != want {
			t.Errorf("StageName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestErrors(t *testing.T) {
	s := orgstest.New(mgmt)
	defer s.Close()
	c := client(t, s)
	s.Fail("DescribeOrganization", "AccessDeniedException", 1)
	_, err := orgs.Walk(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), "AccessDeniedException") || !strings.Contains(err.Error(), "management account") {
		t.Errorf("access denied: %v", err)
	}
	s.SetNotInUse(true)
	_, err = orgs.Walk(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), "not in an AWS Organization") || strings.Contains(err.Error(), ".;") {
		t.Errorf("not in use: %v", err)
	}
	s.SetNotInUse(false)
	// Throttling is retried.
	s.Fail("ListAccountsForParent", "TooManyRequestsException", 2)
	if _, err := orgs.Walk(context.Background(), c); err != nil {
		t.Errorf("after throttling: %v", err)
	}
	// A key the fake does not know.
	bad := organizations.New(organizations.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIAAAAAAAAAAAAAAAAA", "x", "")})
	if _, err := orgs.Walk(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "UnrecognizedClientException") {
		t.Errorf("unknown key: %v", err)
	}
}

// BenchmarkImport1000 walks an organisation of 1,000 accounts in 30 OUs with pages of 20 and
// merges it into a new layout.
func BenchmarkImport1000(b *testing.B) {
	s := orgstest.New(mgmt)
	defer s.Close()
	s.Generate("cpco", 1000, 30)
	c := client(b, s)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		org, err := orgs.Walk(context.Background(), c)
		if err != nil {
			b.Fatal(err)
		}
		res, err := orgs.Merge("acct.yaml", nil, org, orgs.Options{Namespace: "cpco"})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Layout.Stages) != 1000 {
			b.Fatalf("%d stages", len(res.Layout.Stages))
		}
	}
	b.ReportMetric(float64(s.Calls(""))/float64(b.N), "calls/op")
}

func TestMFASerialTemplate(t *testing.T) {
	for _, c := range []struct{ in, tmpl, user string }{
		{"arn:aws:iam::323330167063:mfa/alice", "arn:aws:iam::323330167063:mfa/{user}", "alice"},
		{"arn:aws-us-gov:iam::323330167063:mfa/team/bob.smith", "arn:aws-us-gov:iam::323330167063:mfa/team/{user}", "bob.smith"},
		{"arn:aws:iam::323330167063:mfa/{user}", "", ""},
		{"GAHT12345678", "", ""},
		{"arn:aws:iam::323330167063:user/alice", "", ""},
	} {
		tmpl, user, ok := orgs.MFASerialTemplate(c.in)
		if tmpl != c.tmpl || user != c.user || ok != (c.tmpl != "") {
			t.Errorf("MFASerialTemplate(%q) = %q, %q, %v; want %q, %q", c.in, tmpl, user, ok, c.tmpl, c.user)
		}
	}
}

// Organizations is called in the partition of the profile's region: its one endpoint there.
func TestNewClientRegion(t *testing.T) {
	for region, want := range map[string]string{
		"eu-central-1": "us-east-1", "": "us-east-1", "cn-north-1": "cn-northwest-1", "us-gov-east-1": "us-gov-west-1",
	} {
		c, err := orgs.NewClient(awsconfig.Env{}, nil, region, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Options().Region; got != want {
			t.Errorf("region %q: Organizations in %q, want %q", region, got, want)
		}
	}
}

func TestMain(m *testing.M) { testtool.Main(m) }
