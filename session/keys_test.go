package session

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestStore(t *testing.T) {
	kr := keyring.NewArrayKeyring(nil)
	st := Store{Keyring: kr}
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	if st.HasKeys("cpco") {
		t.Fatal("HasKeys on empty keyring")
	}
	_, err := st.Keys("cpco")
	if !errors.Is(err, ErrNoKeys) || err.Error() != `no keys stored for "cpco"; run acct add cpco` {
		t.Fatalf("missing keys: %v", err)
	}
	// A session cached for the old keys goes when new keys are stored.
	cacheIn(kr, SessionItem("cpco", ""), staticCreds(aws.Credentials{AccessKeyID: "ASIA", CanExpire: true, Expires: time.Now().Add(time.Hour)})).Retrieve(t.Context())

	if err := st.SetKeys("cpco", aws.Credentials{AccessKeyID: " AKIAIOSFODNN7EXAMPLE\n", SecretAccessKey: secret}); err != nil {
		t.Fatal(err)
	}
	if _, err := kr.Get(SessionItem("cpco", "")); !errors.Is(err, keyring.ErrKeyNotFound) {
		t.Error("old session kept after new keys")
	}
	got, err := st.Keys("cpco")
	if err != nil || got.AccessKeyID != "AKIAIOSFODNN7EXAMPLE" || got.SecretAccessKey != secret || got.SessionToken != "" || got.CanExpire {
		t.Fatalf("Keys = %+v, %v", got, err)
	}
	if !st.HasKeys("cpco") || st.HasKeys("cpc") {
		t.Error("HasKeys")
	}
	if err := st.RemoveKeys("cpco"); err != nil {
		t.Fatal(err)
	}
	if err := st.RemoveKeys("cpco"); !errors.Is(err, ErrNoKeys) {
		t.Errorf("second remove: %v", err)
	}
}

func TestValidateKeys(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	for _, tc := range []struct {
		c    aws.Credentials
		want string
	}{
		{aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: secret}, ""},
		{aws.Credentials{AccessKeyID: "ASIAIOSFODNN7EXAMPLE", SecretAccessKey: secret, SessionToken: "tok"}, ""},
		{aws.Credentials{AccessKeyID: "ASIAIOSFODNN7EXAMPLE", SecretAccessKey: secret}, "no session token"},
		{aws.Credentials{AccessKeyID: "AKIA123", SecretAccessKey: secret}, "16 to 128"},
		{aws.Credentials{AccessKeyID: secret, SecretAccessKey: "AKIAIOSFODNN7EXAMPLE"}, `starting "wJal"`},
		{aws.Credentials{AccessKeyID: "akiaiosfodnn7example", SecretAccessKey: secret}, "AKIA or ASIA"},
		{aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE"}, "secret access key is empty"},
		{aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "a b"}, "white space"},
	} {
		err := ValidateKeys(tc.c)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.c.AccessKeyID, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.c.AccessKeyID, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("secret in %q", err)
		}
	}
	if err := (Store{Keyring: keyring.NewArrayKeyring(nil)}).SetKeys("cpco", aws.Credentials{AccessKeyID: "nope", SecretAccessKey: secret}); err == nil || !strings.HasPrefix(err.Error(), `store keys for "cpco": `) {
		t.Errorf("SetKeys with bad key: %v", err)
	}
}

// New, removed or rotated keys take with them every role credential made from the old ones,
// directly or through another role; roles from another source stay.
func TestStoreDropsRolesMadeFromOldKeys(t *testing.T) {
	kr := keyring.NewArrayKeyring(nil)
	st := Store{Keyring: kr}
	creds := staticCreds(aws.Credentials{AccessKeyID: "ASIA", SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: time.Now().Add(time.Hour)})
	cache := func(profile, forWhat string) {
		c := cacheIn(kr, RoleItem(profile), creds)
		c.forWhat = forWhat
		if _, err := c.Retrieve(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	cache("cpco-dev-admin", "arn:aws:iam::444444444444:role/OrganizationAccountAccessRole from cpco")
	cache("cpco-dev-deploy", "arn:aws:iam::444444444444:role/Deploy from cpco-dev-admin")
	cache("other-admin", "arn:aws:iam::555555555555:role/Admin from other")
	cache("sso-admin", "sso 555555555555/Admin via https://x.awsapps.com/start")
	left := func(what string) {
		t.Helper()
		keys, _ := kr.Keys()
		if want := []string{RoleItem("other-admin"), RoleItem("sso-admin")}; strings.Join(withPrefix(keys, rolePrefix), " ") != strings.Join(want, " ") {
			t.Errorf("after %s: role items %v, want %v", what, withPrefix(keys, rolePrefix), want)
		}
	}
	if err := st.SetKeys("cpco", aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}); err != nil {
		t.Fatal(err)
	}
	left("new keys")
	cache("cpco-dev-admin", "arn:aws:iam::444444444444:role/OrganizationAccountAccessRole from cpco")
	cache("cpco-dev-deploy", "arn:aws:iam::444444444444:role/Deploy from cpco-dev-admin")
	if err := st.RemoveKeys("cpco"); err != nil {
		t.Fatal(err)
	}
	left("remove")
}

func withPrefix(keys []string, prefix string) (out []string) {
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}
