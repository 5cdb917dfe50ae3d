package profiles

import (
	"strings"
	"testing"
)

// FuzzRead: any text reads as a config or fails with one line, and every profile it holds
// resolves, matches and goes through Doctor without a panic and with one-line errors.
func FuzzRead(f *testing.F) {
	f.Add([]byte("[default]\nregion = eu-west-1\n"))
	f.Add([]byte("[profile a]\nrole_arn=arn:aws:iam::111111111111:role/x\nsource_profile=b\n[profile b]\nrole_arn=arn:aws:iam::111111111111:role/y\nsource_profile=a\n"))
	f.Add([]byte("# >>> acct: cpco (x)\n# acct: namespace=cpco stage=prod role=admin protected=always\n[profile cpco-prod-admin]\nregion=x\n# <<< acct: cpco\n"))
	f.Add([]byte("[profile s]\nsso_session=corp\nsso_account_id=111111111111\nsso_role_name=Admin\n[sso-session corp]\nsso_start_url=https://x.awsapps.com/start\nsso_region=us-east-1\n"))
	f.Add([]byte("[profile a]\ninclude_profile=a\ncredential_process=acct credential-process a\nacct_role_arn=arn:aws:iam::1:role/x\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		oneLine := func(what string, err error) {
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Fatalf("%s: error with several lines: %q", what, err)
			}
		}
		c, err := ParseConfig("config", in)
		oneLine("read", err)
		if err != nil {
			return
		}
		for _, n := range c.Names() {
			_, err := c.Resolve(n)
			oneLine("resolve "+n, err)
			_, err = c.Match(n)
			oneLine("match "+n, err)
		}
		for _, f := range Doctor(c, nil, nil) {
			if strings.Contains(f.Message, "\n") {
				t.Fatalf("doctor finding with several lines: %q", f.Message)
			}
		}
	})
}
