package command_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// acct doctor names, one line each with its fix and exit status 1, what the AWS CLI reads
// differently from acct; the config is left as it was.
func TestDoctorAWSCLIDifferences(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	layout := example("virtual-root.yaml")
	w.must("generate", "--layout", layout, "--user", "alice")
	generated, _ := os.ReadFile(w.config)
	base := strings.Count(string(generated), "\n")
	creds := filepath.Join(w.home, ".aws", "credentials")
	cases := []struct {
		name, config, credentials string
		want                      func(first int) string // the finding; first is the first line of the added text
	}{
		{"inline comment", "[profile app]\nregion = eu-west-1 # Ireland\n", "", func(n int) string {
			return lineAt("warning: line %d: profile app: region = \"eu-west-1 # Ireland\": acct and the Go SDK read \"# Ireland\" after it as a comment, the AWS CLI as part of the value; fix: put the comment on a line of its own", n+1)
		}},
		{"DEFAULT section", "[DEFAULT]\nregion = eu-west-1\n", "", func(n int) string {
			return lineAt("warning: line %d: [DEFAULT] is not a profile to acct, but the AWS CLI adds its keys to every profile; fix: copy its keys into the profiles that need them and delete [DEFAULT]", n)
		}},
		{"duplicate key", "[profile app]\nregion = eu-west-1\nRegion = us-east-1\n", "", func(n int) string {
			return lineAt("error: line %d: profile app: [profile app] sets region again (first at line %d): acct takes the last value, the AWS CLI refuses the whole file; fix: keep one of the two lines", n+2, n+1)
		}},
		{"duplicate section", "[profile app]\nregion = eu-west-1\n[profile app]\nregion = us-east-1\n", "", func(n int) string {
			return lineAt("error: line %d: profile app: section [profile app] at line %d repeats line %d; the AWS CLI refuses the whole file; fix: merge the two sections into one", n+2, n+2, n)
		}},
		{"credential_source", "[profile ec2]\nrole_arn = arn:aws:iam::111111111111:role/x\ncredential_source = Ec2InstanceMetadata\n", "", func(n int) string {
			return lineAt("error: line %d: profile ec2: credential_source = Ec2InstanceMetadata is not supported by acct; fix: use source_profile=NAME with keys stored by acct add NAME (or credential_process), instead of credential_source", n)
		}},
		{"same name in credentials", "[profile app]\nrole_arn = arn:aws:iam::111111111111:role/x\nsource_profile = cpco\n", "[app]\nregion = eu-west-1\nrole_arn = arn:aws:iam::222222222222:role/y\n", func(int) string {
			return "warning: profile app: [app] in " + creds + " sets region, role_arn: the AWS CLI uses it before " + w.config + ", acct does not, so the two can reach different accounts; fix: move region, role_arn into [profile app] of " + w.config + " and delete them from " + creds
		}},
		{"keys in credentials", "", "[cpco]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", func(int) string {
			return "warning: profile cpco: [cpco] in " + creds + " sets aws_access_key_id: the AWS CLI uses it before " + w.config + ", acct does not, so the two can reach different accounts; fix: acct add cpco --from-credentials (the keys go to the keyring and leave the file)"
		}},
	}
	for _, c := range cases {
		text := string(generated) + "\n" + c.config
		if err := os.WriteFile(w.config, []byte(text), 0o640); err != nil || os.Chmod(w.config, 0o640) != nil {
			t.Fatal(err)
		}
		os.Remove(creds)
		if c.credentials != "" {
			if err := os.WriteFile(creds, []byte(c.credentials), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		r := w.run("", "doctor", "--layout", layout)
		want := c.want(base + 2)
		if r.code != 1 || !containsLine(r.stdout, want) {
			t.Errorf("%s: exit %d, want 1 and the line\n%s\ngot:\n%s%s", c.name, r.code, want, r.stdout, r.stderr)
		}
		if after, _ := os.ReadFile(w.config); string(after) != text {
			t.Errorf("%s: doctor changed the config", c.name)
		}
		if st, _ := os.Stat(w.config); st.Mode().Perm() != 0o640 {
			t.Errorf("%s: doctor changed the config's mode to %v", c.name, st.Mode().Perm())
		}
	}
}

func lineAt(format string, a ...any) string { return fmt.Sprintf(format, a...) }

func containsLine(out, line string) bool {
	for _, l := range strings.Split(out, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

// acct exec (and shell, through the same step) warns in one line when ~/.aws/credentials would
// make the AWS CLI take the profile elsewhere, and still runs.
func TestExecWarnsWhereTheAWSCLIDiffers(t *testing.T) {
	t.Parallel()
	sw := newSessionWorld(t, false, nil)
	creds := sw.writeCredentials("[cpco-staging-admin]\nregion = eu-west-1\n", 0o600)
	r := sw.with(sw.mfa(0), "exec", "cpco-staging-admin", "--", "true")
	want := "acct: warning: [cpco-staging-admin] in " + creds + " sets region: the AWS CLI uses it before " + sw.config +
		", acct does not, so the two can reach different accounts; move region into [profile cpco-staging-admin] of " + sw.config + " and delete it from " + creds
	if r.code != 0 || r.stderr != want+"\n" {
		t.Errorf("exit %d, stderr\n%q\nwant\n%q", r.code, r.stderr, want+"\n")
	}
}

// Keys that are only in ~/.aws/credentials: the error names acct add NAME --from-credentials.
func TestExecKeysOnlyInCredentialsFile(t *testing.T) {
	t.Parallel()
	sw := newSessionWorld(t, true, nil)
	creds := sw.writeCredentials("[cpco]\naws_access_key_id = "+sw.user.AccessKeyID+"\naws_secret_access_key = "+sw.user.SecretAccessKey+"\n", 0o600)
	r := sw.with(sw.mfa(0), "exec", "cpco-staging-admin", "--", "true")
	want := "acct: cpco-staging-admin: no keys stored for \"cpco\" in acct's keyring, but [cpco] in " + creds + " has them; run acct add cpco --from-credentials"
	if r.code != 2 || strings.TrimSpace(r.stderr) != want {
		t.Errorf("exit %d, stderr\n%s\nwant exit 2 and the one line\n%s", r.code, r.stderr, want)
	}
	// The fix works: the keys move to the keyring, and exec runs.
	sw.must("add", "cpco", "--from-credentials", "--delete-plaintext")
	if r := sw.with(sw.mfa(1), "exec", "cpco-staging-admin", "--", "true"); r.code != 0 {
		t.Errorf("after acct add --from-credentials: exit %d: %s", r.code, r.stderr)
	}
}
