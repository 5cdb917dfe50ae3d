//go:build bench

package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acct-cli/acct/profiles"
)

// configText is a config of n profiles shaped like bench/compare.sh's: the source profile cpco
// by hand, then an acct block of n-1 generated profiles with cpco-staging-admin in its middle.
func configText(n int) string {
	var b strings.Builder
	b.WriteString("[profile cpco]\nregion = us-west-2\n\n")
	b.WriteString("# >>> acct: cpco (generated from acct.yaml by `acct generate`; edit the layout, not this block)\n")
	for i := 1; i < n; i++ {
		name, account, role := fmt.Sprintf("cpco-s%d-admin", i), fmt.Sprintf("%012d", 500000000000+i), "OrganizationAccountAccessRole"
		if i == n/2 {
			name, account = "cpco-staging-admin", "222222222222"
		}
		fmt.Fprintf(&b, "# acct: namespace=cpco stage=%s role=admin account=%s protected=false\n", strings.TrimSuffix(strings.TrimPrefix(name, "cpco-"), "-admin"), account)
		fmt.Fprintf(&b, "[profile %s]\nregion=us-west-2\nrole_arn=arn:aws:iam::%s:role/%s\nmfa_serial=arn:aws:iam::323330167063:mfa/alice\nsource_profile=cpco\n\n", name, account, role)
	}
	b.WriteString("# <<< acct: cpco\n")
	return b.String()
}

// BenchmarkConfigRead is the config work of a warm `acct exec cpco-staging-admin`: read the
// file and resolve the profile's chain, at 6, 3,000 and 10,000 profiles, reading every section
// (Read) or the chain's (ReadOnDemand, what exec and credential-process do).
func BenchmarkConfigRead(b *testing.B) {
	for _, read := range []struct {
		name string
		f    func(string) (*profiles.Config, error)
	}{{"all", profiles.Read}, {"ondemand", profiles.ReadOnDemand}} {
		for _, n := range []int{6, 3000, 10000} {
			b.Run(fmt.Sprintf("%s/%d", read.name, n), func(b *testing.B) { benchConfigRead(b, read.f, n) })
		}
	}
}

func benchConfigRead(b *testing.B, read func(string) (*profiles.Config, error), n int) {
	path := filepath.Join(b.TempDir(), "config")
	if err := os.WriteFile(path, []byte(configText(n)), 0o600); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := read(path)
		if err != nil {
			b.Fatal(err)
		}
		ch, err := c.Resolve("cpco-staging-admin")
		if err != nil {
			b.Fatal(err)
		}
		if ch.Source != "cpco" || len(ch.Roles) != 1 || ch.Roles[0].ARN != "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole" {
			b.Fatalf("resolved %+v", ch)
		}
	}
}

// BenchmarkConfigNames is the config work of `acct list`: every profile's name and keys.
func BenchmarkConfigNames(b *testing.B) {
	path := filepath.Join(b.TempDir(), "config")
	if err := os.WriteFile(path, []byte(configText(10000)), 0o600); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := profiles.Read(path)
		if err != nil {
			b.Fatal(err)
		}
		names := c.Names()
		if len(names) != 10000 {
			b.Fatalf("%d names", len(names))
		}
		for _, n := range names {
			if e, _ := c.Entry(n); len(e.Keys) == 0 {
				b.Fatalf("%s has no keys", n)
			}
		}
	}
}
