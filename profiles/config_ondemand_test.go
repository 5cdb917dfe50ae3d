package profiles

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// FuzzReadOnDemand: a Config read on demand answers for every profile exactly what Read's (every
// section read by ini.v1) answers: the same entry, the same chain or the same error, and the file
// fails to read in both or in neither. Each profile is asked for before the list of all of them
// is made (a warm exec), and the list, the blocks, the sso-sessions and Doctor's findings are
// the same after.
func FuzzReadOnDemand(f *testing.F) {
	f.Add([]byte("[default]\nregion = eu-west-1\n"))
	f.Add([]byte("[profile a]\nrole_arn=arn:aws:iam::111111111111:role/x\nsource_profile=b\n[profile b]\nrole_arn=arn:aws:iam::111111111111:role/y\nsource_profile=a\n"))
	f.Add([]byte("[profile a]\nregion=x\n[profile b]\nregion = y\n  continued\n[profile a]\nregion=z\nmfa_serial=arn:aws:iam::1:mfa/u\n"))
	f.Add([]byte("# >>> acct: cpco (x)\n# acct: namespace=cpco stage=prod role=admin protected=always\n[profile cpco-prod-admin]\nregion=x\nsource_profile=cpco\n# <<< acct: cpco\n[profile cpco]\nregion=y\n"))
	f.Add([]byte("[profile s]\nsso_session=corp\nsso_account_id=111111111111\nsso_role_name=Admin\n[sso-session corp]\nsso_start_url=https://x.awsapps.com/start\nsso_region=us-east-1\n"))
	f.Add([]byte("[profile a]\ninclude_profile=b\ncredential_process=acct credential-process a\nacct_role_arn=arn:aws:iam::111111111111:role/x\n[profile b]\nregion=\"quoted\" ; c\n"))
	f.Add([]byte(configBenchText(20)))
	f.Add([]byte("# >>> acct: a (x)\n# acct: namespace=a stage=\"p\\x72od\" role=ro\n[profile a-prod-ro]\n# acct: namespace=a stage=prod role=admin\n[profile a-prod-admin]\n[profile x]\n# <<< acct: a\n# acct: namespace=b stage=prod\n[profile b-prod]\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		path := filepath.Join(t.TempDir(), "config")
		if err := os.WriteFile(path, in, 0o600); err != nil {
			t.Fatal(err)
		}
		full, ferr := Read(path)
		lazy, lerr := ReadOnDemand(path)
		if (ferr == nil) != (lerr == nil) || ferr != nil && ferr.Error() != lerr.Error() {
			t.Fatalf("Read: %v\nReadOnDemand: %v", ferr, lerr)
		}
		if ferr != nil {
			return
		}
		names := full.Names()
		// Matching names before anything else lists the profiles: exec's order.
		first, err := ReadOnDemand(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			e, _ := full.Entry(n)
			for _, q := range []string{e.Meta.Stage, n[:len(n)/2], strings.ToUpper(n)} {
				want, werr := full.Match(q)
				got, gerr := first.Match(q)
				if want != got || errText(werr) != errText(gerr) {
					t.Fatalf("match %q: %+v, %v\non demand: %+v, %v", q, want, werr, got, gerr)
				}
			}
		}
		// Resolve first, in reverse order, so that the on-demand Config loads in another order.
		for i := len(names) - 1; i >= 0; i-- {
			n := names[i]
			want, werr := full.Resolve(n)
			got, gerr := lazy.Resolve(n)
			if !reflect.DeepEqual(want, got) || errText(werr) != errText(gerr) {
				t.Fatalf("resolve %s: %+v, %v\non demand: %+v, %v", n, want, werr, got, gerr)
			}
		}
		if !reflect.DeepEqual(names, lazy.Names()) {
			t.Fatalf("names %q, on demand %q", names, lazy.Names())
		}
		if !reflect.DeepEqual(full.Blocks(), lazy.Blocks()) || !reflect.DeepEqual(full.SSOSessions(), lazy.SSOSessions()) {
			t.Fatalf("blocks %+v, sso-sessions %+v\non demand: %+v, %+v", full.Blocks(), full.SSOSessions(), lazy.Blocks(), lazy.SSOSessions())
		}
		if want, got := Doctor(full, nil, nil), Doctor(lazy, nil, nil); !reflect.DeepEqual(want, got) {
			t.Fatalf("doctor %+v\non demand: %+v", want, got)
		}
		for _, n := range append(names, "missing") {
			want, wok := full.Entry(n)
			got, gok := lazy.Entry(n)
			if !reflect.DeepEqual(want, got) || wok != gok {
				t.Fatalf("entry %s: %+v\non demand: %+v", n, want, got)
			}
		}
	})
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// configBenchText is n generated profiles in an acct block, each from the source profile cpco.
func configBenchText(n int) string {
	var b strings.Builder
	b.WriteString("[profile cpco]\nregion = us-west-2\n\n# >>> acct: cpco (generated)\n")
	for i := 0; i < n; i++ {
		b.WriteString("# acct: namespace=cpco stage=s" + strconv.Itoa(i) + " role=admin account=222222222222 protected=false\n")
		b.WriteString("[profile cpco-s" + strconv.Itoa(i) + "-admin]\nregion=us-west-2\nrole_arn=arn:aws:iam::222222222222:role/Admin\nmfa_serial=arn:aws:iam::323330167063:mfa/alice\nsource_profile=cpco\n\n")
	}
	b.WriteString("# <<< acct: cpco\n")
	return b.String()
}
