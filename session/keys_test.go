package session

import (
	"errors"
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
