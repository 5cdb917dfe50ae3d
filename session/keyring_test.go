package session

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestKeyringConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	c := KeyringConfigFromEnv(env(map[string]string{"HOME": "/home/alice"}))
	if c.Backend != "" || c.Collection != "login" || c.FileDir != "/home/alice/.local/share/acct/keyring" || c.FilePassphrase != nil {
		t.Errorf("defaults: %+v", c)
	}

	c = KeyringConfigFromEnv(env(map[string]string{
		"HOME": "/home/alice", "XDG_DATA_HOME": "/data", "ACCT_KEYRING_BACKEND": "file",
		"ACCT_FILE_PASSPHRASE": "s3cret", "ACCT_SECRET_SERVICE_COLLECTION": "work",
	}))
	if c.Backend != "file" || c.Collection != "work" || c.FileDir != "/data/acct/keyring" || c.FilePassphrase == nil {
		t.Fatalf("from env: %+v", c)
	}
	if p, err := c.FilePassphrase("x"); p != "s3cret" || err != nil {
		t.Errorf("passphrase = %q, %v", p, err)
	}
	if c := KeyringConfigFromEnv(env(map[string]string{"ACCT_KEYRING_FILE_DIR": "/k"})); c.FileDir != "/k" {
		t.Errorf("ACCT_KEYRING_FILE_DIR ignored: %s", c.FileDir)
	}
}

func TestOpenKeyringUnknownBackend(t *testing.T) {
	_, err := OpenKeyring(KeyringConfig{Backend: "vault"})
	if err == nil || !strings.Contains(err.Error(), `unknown keyring backend "vault"`) || !strings.Contains(err.Error(), "file") {
		t.Fatalf("got %v", err)
	}
}

func TestOpenKeyringSecretServiceWithoutDBus(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		t.Skip("a D-Bus session is present")
	}
	for _, b := range keyring.AvailableBackends() {
		if b == keyring.SecretServiceBackend {
			t.Skip("secret-service is available")
		}
	}
	_, err := OpenKeyring(KeyringConfig{Backend: "secret-service"})
	want := "secret-service: no D-Bus session (is a keyring daemon running?); set ACCT_KEYRING_BACKEND to one of:"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v, want %q...", err, want)
	}
}

func fileKeyring(t *testing.T, dir, pass string) keyring.Keyring {
	t.Helper()
	kr, err := OpenKeyring(KeyringConfig{Backend: "file", FileDir: dir, FilePassphrase: func(string) (string, error) { return pass, nil }})
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// The encrypted file backend end to end: keys and a cached session survive reopening, the files
// hold no plain-text secret, and a wrong passphrase is one line without the passphrase.
func TestFileKeyring(t *testing.T) {
	isolate(t)
	dir := filepath.Join(t.TempDir(), "keyring")
	const pass = "correct horse battery staple"
	kr := fileKeyring(t, dir, pass)
	if k, ok := kr.(*Keyring); !ok || k.Backend() != "file" {
		t.Fatalf("got %T", kr)
	}
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	st := Store{Keyring: kr}
	if err := st.SetKeys("cpco", aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: secret}); err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	cp := cacheIn(kr, RoleItem("cpco-testing-admin"), staticCreds(aws.Credentials{
		AccessKeyID: "ASIAXXXXXXXXXXXXXXXX", SecretAccessKey: "tmpsecret", SessionToken: "tmptoken", CanExpire: true, Expires: exp}))
	if _, err := cp.Retrieve(t.Context()); err != nil {
		t.Fatal(err)
	}

	files, _ := os.ReadDir(dir)
	if len(files) != 2 {
		t.Errorf("%d files in the keyring dir, want 2", len(files))
	}
	for _, f := range files {
		b, _ := os.ReadFile(filepath.Join(dir, f.Name()))
		for _, s := range []string{secret, "tmpsecret", "tmptoken", "AKIAIOSFODNN7EXAMPLE"} {
			if strings.Contains(string(b), s) {
				t.Errorf("%s holds %q in plain text", f.Name(), s)
			}
		}
		if fi, _ := f.Info(); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", f.Name(), fi.Mode().Perm())
		}
	}

	again := fileKeyring(t, dir, pass)
	got, err := Store{Keyring: again}.Keys("cpco")
	if err != nil || got.SecretAccessKey != secret {
		t.Fatalf("reopened: %v", err)
	}
	entries, err := Cached(again)
	if err != nil || len(entries) != 1 || entries[0].Kind != "role" || !entries[0].Expires.Equal(exp) {
		t.Fatalf("Cached = %+v, %v", entries, err)
	}

	const wrongPass = "hunter2-not-it"
	wrong := fileKeyring(t, dir, wrongPass)
	_, err = Store{Keyring: wrong}.Keys("cpco")
	var ke *KeyringError
	if !errors.As(err, &ke) || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Fatalf("wrong passphrase: %v", err)
	}
	for _, s := range []string{pass, wrongPass, secret} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains %q", err, s)
		}
	}

	none, err := OpenKeyring(KeyringConfig{Backend: "file", FileDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Store{Keyring: none}.Keys("cpco")
	if err == nil || !strings.Contains(err.Error(), "set ACCT_FILE_PASSPHRASE") {
		t.Fatalf("no passphrase source: %v", err)
	}

	if err := Clear(again, ""); err != nil {
		t.Fatal(err)
	}
	if err := st.RemoveKeys("cpco"); err != nil {
		t.Fatal(err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("%d files left after clear and remove", len(files))
	}
	if err := st.RemoveKeys("cpco"); !errors.Is(err, ErrNoKeys) {
		t.Errorf("removing absent keys: %v", err)
	}
}

func TestExplainSecretServiceErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Object does not exist at path “/”", `collection "work" does not exist or is locked`},
		{"The name org.freedesktop.secrets was not provided by any .service files", "no keyring daemon answers on D-Bus"},
	} {
		err := explainKeyringError(keyring.SecretServiceBackend, "work", "", errors.New(tc.in))
		if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q -> %q, want %q", tc.in, err, tc.want)
		}
	}
	err := explainKeyringError(keyring.SecretServiceBackend, "work", "", errors.New("Object does not exist at path “/”"))
	if !strings.Contains(err.Error(), `"login"`) {
		t.Errorf("advice does not name the default collection: %v", err)
	}
	err = explainKeyringError(keyring.SecretServiceBackend, "login", "", errors.New("Object does not exist at path “/”"))
	if !strings.Contains(err.Error(), "ACCT_KEYRING_BACKEND=file") || strings.Contains(err.Error(), "unset ACCT_SECRET_SERVICE_COLLECTION") {
		t.Errorf("login collection missing: %v", err)
	}
}
