package profiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Surprises names what makes the AWS CLI take a profile elsewhere, for every profile of its
// chain and only those.
func TestSurprises(t *testing.T) {
	t.Parallel()
	c, err := ParseConfig("config", []byte(`[profile top]
role_arn = arn:aws:iam::111111111111:role/top
source_profile = mid
[profile mid]
role_arn = arn:aws:iam::111111111111:role/mid
source_profile = base
credential_source = Environment
[profile other]
region = eu-west-1
`))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "credentials")
	text := "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n[other]\nregion = us-east-1\n[top]\noutput = json\n"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	creds, err := ReadINI(path)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Surprises("top", creds)
	if len(got) != 2 || got[0].Profile != "mid" || !strings.Contains(got[0].Message, "credential_source = Environment") ||
		got[1].Profile != "base" || got[1].Fix != "acct add base --from-credentials (the keys go to the keyring and leave the file)" {
		t.Errorf("Surprises(top) = %+v", got)
	}
	if got := c.Surprises("other", nil); len(got) != 0 {
		t.Errorf("no credentials file: %+v", got)
	}
}

// [default] and [profile default] are one profile whose later section wins whole: a warning,
// not the "refuses the whole file" of a section written twice.
func TestDoctorTwoDefaults(t *testing.T) {
	t.Parallel()
	c, err := ParseConfig("config", []byte("[default]\nregion = eu-west-1\nexternal_id = x\n[profile default]\nregion = us-east-1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := c.Entry("default"); len(e.Keys) != 1 || e.Keys[0] != (Key{"region", "us-east-1"}) || e.Line != 4 {
		t.Errorf("default = %+v", e)
	}
	f := Doctor(c, nil, nil)
	if len(f) != 1 || f[0].Severity != SeverityWarning || f[0].Line != 4 || !strings.Contains(f[0].Message, "use only the later one") {
		t.Errorf("findings %+v", f)
	}
}

// A byte order mark: acct reads past it, the AWS CLI refuses the file (checked against the Debian
// AWS CLI by hand: "Unable to parse config file").
func TestDoctorByteOrderMark(t *testing.T) {
	t.Parallel()
	c, err := ParseConfig("config", []byte("\uFEFF[profile a]\nregion = eu-west-1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Entry("a"); !ok {
		t.Errorf("acct does not read the profile after the byte order mark")
	}
	f := Doctor(c, nil, nil)
	if len(f) != 1 || f[0].Severity != SeverityError || f[0].Line != 1 || !strings.Contains(f[0].Message, "byte order mark") {
		t.Errorf("findings %+v", f)
	}
}
