package session

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acct-cli/acct/internal/testtool"
)

// TestSecretService runs the Secret Service tests against a real gnome-keyring: the test binary
// runs itself again inside a D-Bus session of its own (dbus-run-session), where the daemon
// unlocks the login collection as a desktop login would, so `go test ./...` exercises the
// backend. Without dbus-run-session or gnome-keyring-daemon the test fails under CI and is a
// recorded skip elsewhere (internal/testtool).
func TestSecretService(t *testing.T) {
	if os.Getenv(secretServiceDone) != "" {
		t.Run("keys and cache", testSecretServiceItems)
		t.Run("missing collection", testSecretServiceMissingCollection)
		t.Cleanup(func() {
			if !t.Failed() {
				os.WriteFile(os.Getenv(secretServiceDone), []byte("ok"), 0o600)
			}
		})
		return
	}
	dbus := testtool.Need(t, "dbus-run-session")
	testtool.Need(t, "gnome-keyring-daemon")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	script := `printf pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 && exec "$0" -test.run '^TestSecretService$' -test.v -test.count=1`
	cmd := exec.CommandContext(ctx, dbus, "--", "sh", "-c", script, os.Args[0])
	home, done := t.TempDir(), filepath.Join(t.TempDir(), "done")
	cmd.Env = append(os.Environ(), secretServiceDone+"="+done, "HOME="+home, "XDG_DATA_HOME="+home+"/.local/share",
		"XDG_CONFIG_HOME="+home+"/.config", "XDG_RUNTIME_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("Secret Service tests under dbus-run-session: %v\n%s", err, out)
	}
	if ok, _ := os.ReadFile(done); string(ok) != "ok" {
		t.Fatalf("Secret Service tests did not run:\n%s", out)
	}
	t.Logf("%s", out)
}

// secretServiceDone names the file the run inside the D-Bus session writes "ok" to when every
// Secret Service test passed; set only there.
const secretServiceDone = "ACCT_TEST_SECRET_SERVICE_DONE"

func testSecretServiceItems(t *testing.T) {
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
	cp := cacheIn(kr, RoleItem(profile), staticCreds(aws.Credentials{
		AccessKeyID: "ASIAXXXXXXXXXXXXXXXX", SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: exp}))
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
func testSecretServiceMissingCollection(t *testing.T) {
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
