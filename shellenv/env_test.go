//go:build unix

package shellenv

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func envMap(t *testing.T, env []string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := m[k]; dup {
			t.Errorf("%s set twice", k)
		}
		m[k] = v
	}
	return m
}

var dirtyBase = []string{
	"PATH=/usr/bin:/bin",
	"HOME=/home/alice",
	"AWS_PROFILE=other",
	"AWS_DEFAULT_PROFILE=other",
	"AWS_ACCESS_KEY_ID=AKIAOLD",
	"AWS_SECRET_ACCESS_KEY=oldsecret",
	"AWS_SESSION_TOKEN=oldtoken",
	"AWS_SECURITY_TOKEN=oldtoken",
	"AWS_CREDENTIAL_EXPIRATION=2000-01-01T00:00:00Z",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/creds",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN=oldauth",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/var/run/token",
	"AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/wi",
	"AWS_ROLE_ARN=arn:aws:iam::1:role/x",
	"AWS_ROLE_SESSION_NAME=x",
	"AWS_SHARED_CREDENTIALS_FILE=/home/alice/.aws/credentials",
	"AWS_CONFIG_FILE=/home/alice/.aws/config",
	"AWS_REGION=eu-west-1",
	"AWS_DEFAULT_REGION=eu-west-1",
	"ACCT_FILE_PASSPHRASE=hunter2",
	"ACCT_KEYRING_PASSPHRASE_X=hunter3",
	"ACCT_MFA_TOKEN=123456",
	"ACCT_KEYRING_BACKEND=file",
	"ACCT_PROFILE=cpco-prod-admin",
	"ACCT_STAGE=prod",
	"ACCT_PROTECTED=1",
	"ACCT_SECRET_SERVICE_COLLECTION=login",
	"AWS_VAULT_FILE_PASSPHRASE=vaultpass",
	"AWS_VAULT_PASS_PASSWORD_STORE_DIR=/home/alice/.password-store",
	"AWS_VAULT_BACKEND=file",
	"SAML2AWS_PASSWORD=samlpass",
	"SAML2AWS_MFA_TOKEN=654321",
	"AWS_OKTA_KEYRING_PASSWORD=oktapass",
	"AWS_VAULT=outer-profile",
	"AWS_SESSION_EXPIRATION=2000-01-01T00:00:00Z",
	"AWSUME_PROFILE=outer-profile",
	"AWSUME_EXPIRATION=2000-01-01T00:00:00",
	"RESTIC_PASSWORD=for-the-child",
}

func TestEnv(t *testing.T) {
	t.Parallel()
	base := slices.Clone(dirtyBase)
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	env := Env(base, aws.Credentials{
		AccessKeyID: "ASIANEW", SecretAccessKey: "newsecret", SessionToken: "newtoken",
		CanExpire: true, Expires: exp,
	}, stagingTarget)
	if !slices.Equal(base, dirtyBase) {
		t.Fatal("Env modified base")
	}
	m := envMap(t, env)
	want := map[string]string{
		"PATH":                        "/usr/bin:/bin",
		"HOME":                        "/home/alice",
		"AWS_SHARED_CREDENTIALS_FILE": "/home/alice/.aws/credentials",
		"AWS_CONFIG_FILE":             "/home/alice/.aws/config",
		"AWS_ACCESS_KEY_ID":           "ASIANEW",
		"AWS_SECRET_ACCESS_KEY":       "newsecret",
		"AWS_SESSION_TOKEN":           "newtoken",
		"AWS_CREDENTIAL_EXPIRATION":   "2030-01-02T02:04:05Z",
		"AWS_REGION":                  "us-west-2",
		"AWS_DEFAULT_REGION":          "us-west-2",
		"ACCT_PROFILE":                "cpco-staging-admin",
		"ACCT_STAGE":                  "staging",
		"ACCT_NAMESPACE":              "cpco",
		"ACCT_ACCOUNT":                "323330167063",
		"ACCT_KEYRING_BACKEND":        "file",
		// Settings stay; other credential tools' secrets go; a child's own secrets stay.
		"ACCT_SECRET_SERVICE_COLLECTION": "login",
		"AWS_VAULT_BACKEND":              "file",
		"RESTIC_PASSWORD":                "for-the-child",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s=%q, want %q", k, m[k], v)
		}
	}
	for k := range m {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected %s=%s", k, m[k])
		}
	}
}

func TestEnvStaticKeysNoRegion(t *testing.T) {
	t.Parallel()
	m := envMap(t, Env(dirtyBase, aws.Credentials{AccessKeyID: "AKIA", SecretAccessKey: "s"}, Target{Profile: "p", Protected: true}))
	for _, k := range []string{"AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "ACCT_STAGE", "ACCT_NAMESPACE"} {
		if v, ok := m[k]; ok {
			t.Errorf("%s=%q set, want unset", k, v)
		}
	}
	// Without a target region the user's own region stays.
	if m["AWS_REGION"] != "eu-west-1" || m["AWS_DEFAULT_REGION"] != "eu-west-1" {
		t.Errorf("region changed: %q %q", m["AWS_REGION"], m["AWS_DEFAULT_REGION"])
	}
	if m["ACCT_PROFILE"] != "p" || m["ACCT_PROTECTED"] != "1" {
		t.Errorf("ACCT_PROFILE=%q ACCT_PROTECTED=%q", m["ACCT_PROFILE"], m["ACCT_PROTECTED"])
	}
}

func TestServerEnv(t *testing.T) {
	t.Parallel()
	s := &Server{URL: "http://127.0.0.1:1234/", Token: "tok"}
	m := envMap(t, ServerEnv(dirtyBase, s, stagingTarget))
	if m["AWS_CONTAINER_CREDENTIALS_FULL_URI"] != s.URL || m["AWS_CONTAINER_AUTHORIZATION_TOKEN"] != "tok" {
		t.Errorf("container variables: %q %q", m["AWS_CONTAINER_CREDENTIALS_FULL_URI"], m["AWS_CONTAINER_AUTHORIZATION_TOKEN"])
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_PROFILE", "ACCT_MFA_TOKEN", "ACCT_FILE_PASSPHRASE"} {
		if v, ok := m[k]; ok {
			t.Errorf("%s=%q set, want unset", k, v)
		}
	}
	if m["ACCT_PROFILE"] != "cpco-staging-admin" || m["AWS_REGION"] != "us-west-2" {
		t.Errorf("target variables missing: %v", m)
	}
}

func TestNested(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		env  []string
		want bool
	}{
		{nil, false},
		{[]string{"ACCT_SHELL=1"}, true},
		{[]string{"ACCT_SHELL=0"}, false},
		{[]string{"ACCT_SHELL_DEPTH=2"}, true},
		{[]string{"ACCT_SHELL=1", "ACCT_SHELL="}, false},
	} {
		if got := Nested(c.env); got != c.want {
			t.Errorf("Nested(%q) = %v, want %v", c.env, got, c.want)
		}
	}
}
