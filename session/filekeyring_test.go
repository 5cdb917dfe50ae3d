package session

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acct-cli/acct/internal/fault"
)

const testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

func mustReadDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// Items an earlier version left empty (a full disk) are a cache miss that is replaced, with a
// --debug line; empty keys are one line naming acct add.
func TestFileKeyringDamagedItems(t *testing.T) {
	isolate(t)
	dir := filepath.Join(t.TempDir(), "keyring")
	kr := fileKeyring(t, dir, "pass")
	st := Store{Keyring: kr}
	if err := st.SetKeys("cpco", aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: testSecret}); err != nil {
		t.Fatal(err)
	}
	files := &fileItems{dir: dir}
	for _, item := range []string{RoleItem("cpco-testing-admin"), KeysItem("broken")} {
		if err := os.WriteFile(files.path(item), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := CheckKeyring(fileKeyring(t, dir, "pass")); err != nil {
		t.Errorf("CheckKeyring with a damaged item first: %v", err)
	}
	var debug strings.Builder
	c := cacheIn(kr, RoleItem("cpco-testing-admin"), staticCreds(aws.Credentials{AccessKeyID: "ASIANEW", CanExpire: true, Expires: time.Now().Add(time.Hour)}))
	c.logf = func(f string, a ...any) { debug.WriteString(fmt.Sprintf(f, a...) + "\n") }
	if got, err := c.Retrieve(t.Context()); err != nil || got.AccessKeyID != "ASIANEW" {
		t.Fatalf("damaged role item: %v, %v", got.AccessKeyID, err)
	}
	if !strings.Contains(debug.String(), "cache role:cpco-testing-admin: unreadable item") {
		t.Errorf("no debug line for the damaged item:\n%s", debug.String())
	}
	if _, err := fileKeyring(t, dir, "pass").Get(RoleItem("cpco-testing-admin")); err != nil {
		t.Errorf("damaged item not replaced: %v", err)
	}
	entries, err := Cached(kr)
	if err != nil || len(entries) != 1 {
		t.Errorf("Cached = %+v, %v", entries, err)
	}

	_, err = st.Keys("broken")
	if err == nil || err.Error() != `keys for "broken" in the keyring are damaged; run acct add broken again` || fault.Of(err) != fault.BadInput {
		t.Errorf("damaged keys: %v (%v)", err, fault.Of(err))
	}
}

// A wrong passphrase writes nothing into a keyring whose items it cannot open.
func TestFileKeyringRefusesSecondPassphrase(t *testing.T) {
	isolate(t)
	dir := filepath.Join(t.TempDir(), "keyring")
	if err := (Store{Keyring: fileKeyring(t, dir, "right")}).SetKeys("cpco", aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: testSecret}); err != nil {
		t.Fatal(err)
	}
	before := mustReadDir(t, dir)
	err := Store{Keyring: fileKeyring(t, dir, "wrong")}.SetKeys("other", aws.Credentials{AccessKeyID: "AKIAI44QH8DHBEXAMPLE", SecretAccessKey: testSecret})
	if err == nil || fault.Of(err) != fault.Auth || !strings.Contains(err.Error(), "so nothing was written") || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("second passphrase: %v (%v)", err, fault.Of(err))
	}
	if after := mustReadDir(t, dir); len(after) != len(before) {
		t.Errorf("items %v, want %v", after, before)
	}
	// The right passphrase, and an empty keyring, write as before.
	if err := (Store{Keyring: fileKeyring(t, dir, "right")}).SetKeys("other", aws.Credentials{AccessKeyID: "AKIAI44QH8DHBEXAMPLE", SecretAccessKey: testSecret}); err != nil {
		t.Fatal(err)
	}
	if err := (Store{Keyring: fileKeyring(t, filepath.Join(t.TempDir(), "new"), "any")}).SetKeys("cpco", aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: testSecret}); err != nil {
		t.Fatal(err)
	}
}
