package session

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestSecretService runs against a real Secret Service daemon (gnome-keyring in CI):
//
//	dbus-run-session -- sh -c 'echo -n pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null; ACCT_TEST_SECRET_SERVICE=1 go test ./session -run SecretService'
func TestSecretService(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" || os.Getenv("ACCT_TEST_SECRET_SERVICE") != "1" {
		t.Skip("needs a D-Bus session with a Secret Service and ACCT_TEST_SECRET_SERVICE=1")
	}
	isolate(t)
	kr, err := OpenKeyring(KeyringConfig{Backend: "secret-service", Collection: DefaultCollection})
	if err != nil {
		t.Fatal(err)
	}
	// Names unique to this run: the login collection is shared with everything else.
	profile := "acct-test-" + time.Now().Format("150405.000000000")
	st := Store{Keyring: kr}
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	t.Cleanup(func() { st.RemoveKeys(profile); Clear(kr, profile) })

	if err := st.SetKeys(profile, aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: secret}); err != nil {
		t.Fatal(err)
	}
	got, err := st.Keys(profile)
	if err != nil || got.SecretAccessKey != secret {
		t.Fatalf("Keys: %v", err)
	}
	if !st.HasKeys(profile) {
		t.Error("HasKeys false after SetKeys")
	}
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	cp := &CachedProvider{Keyring: kr, Item: RoleItem(profile), Provider: staticCreds(aws.Credentials{
		AccessKeyID: "ASIAXXXXXXXXXXXXXXXX", SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: exp})}
	if _, err := cp.Retrieve(t.Context()); err != nil {
		t.Fatal(err)
	}
	entries, err := Cached(kr)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		found = found || (e.Kind == "role" && e.Name == profile && e.Expires.Equal(exp))
	}
	if !found {
		t.Errorf("Cached lacks role %s: %+v", profile, entries)
	}
	if err := Clear(kr, profile); err != nil {
		t.Fatal(err)
	}
	if err := st.RemoveKeys(profile); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Keys(profile); !errors.Is(err, ErrNoKeys) {
		t.Errorf("after remove: %v", err)
	}
}

// A collection other than login has to be created, which gnome-keyring only does through a
// graphical prompt; without a display that fails with "Object does not exist at path /".
func TestSecretServiceMissingCollection(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" || os.Getenv("ACCT_TEST_SECRET_SERVICE") != "1" {
		t.Skip("needs a D-Bus session with a Secret Service and ACCT_TEST_SECRET_SERVICE=1")
	}
	isolate(t)
	kr, err := OpenKeyring(KeyringConfig{Backend: "secret-service", Collection: "acct-test-missing"})
	if err != nil {
		t.Fatal(err)
	}
	err = Store{Keyring: kr}.SetKeys("cpco", aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "x"})
	if err == nil {
		t.Skip("the daemon created the collection without a prompt")
	}
	t.Logf("error: %v", err)
	if !strings.Contains(err.Error(), `"login"`) || strings.Contains(err.Error(), "\n") {
		t.Errorf("got %q, want one line pointing at the login collection", err)
	}
}
