package session

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"
)

// TestSecretServiceDaemon runs the Secret Service tests above against a real gnome-keyring, in a
// D-Bus session of their own, so `go test ./...` exercises the backend wherever Debian's
// gnome-keyring and dbus packages are installed (.ci/run installs them).
func TestSecretServiceDaemon(t *testing.T) {
	if os.Getenv("ACCT_TEST_SECRET_SERVICE") == "1" {
		t.Skip("already inside the D-Bus session")
	}
	for _, bin := range []string{"dbus-run-session", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s not installed (apt-get install dbus gnome-keyring)", bin)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The daemon reads the login collection's password on stdin and unlocks it, as a desktop
	// login would; the test binary then runs again with only the Secret Service tests.
	script := `printf pass | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$0" -test.run '^TestSecretService(MissingCollection)?$' -test.v -test.count=1`
	cmd := exec.CommandContext(ctx, "dbus-run-session", "--", "sh", "-c", script, os.Args[0])
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "ACCT_TEST_SECRET_SERVICE=1", "HOME="+home, "XDG_DATA_HOME="+home+"/.local/share",
		"XDG_CONFIG_HOME="+home+"/.config", "XDG_RUNTIME_DIR="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("Secret Service tests under dbus-run-session: %v\n%s", err, out)
	}
	if !regexpPass.Match(out) {
		t.Fatalf("Secret Service tests did not run:\n%s", out)
	}
	t.Logf("%s", out)
}

var regexpPass = regexp.MustCompile(`(?m)^--- PASS: TestSecretService \(`)
