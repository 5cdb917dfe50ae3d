package session

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/99designs/keyring"
	"github.com/acct-cli/acct/internal/testtool"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestFileKeyringFullDisk writes the file keyring on a tiny tmpfs that is full: every write
// fails and leaves the previous item (or none), never an empty or half-written one, so once space
// is back the cached credentials and the keys work with no acct clear. The test binary runs itself
// again in a mount namespace of its own (unshare), where it may mount the tmpfs.
func TestFileKeyringFullDisk(t *testing.T) {
	if os.Getenv(fullDiskDir) == "" {
		unshare := testtool.Need(t, "unshare")
		dir := t.TempDir()
		cmd := exec.Command(unshare, "--user", "--map-root-user", "--mount", os.Args[0], "-test.run", "^TestFileKeyringFullDisk$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), fullDiskDir+"="+dir)
		testtool.RunChild(t, cmd)
		return
	}
	testtool.MarkPassed(t)
	isolate(t)
	dir := os.Getenv(fullDiskDir)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k,mode=0700"); err != nil {
		t.Fatalf("mount a tmpfs on %s: %v", dir, err)
	}
	defer syscall.Unmount(dir, 0)
	items := filepath.Join(dir, "keyring")
	kr := fileKeyring(t, items, "pass")
	st := Store{Keyring: kr}
	if err := st.SetKeys("cpco", aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: testSecret}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	now := t0
	cached := func(kr keyring.Keyring, id string, debug *strings.Builder) (aws.Credentials, error) {
		c := cacheIn(kr, RoleItem("cpco-testing-admin"), staticCreds(aws.Credentials{AccessKeyID: id, SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: now.Add(time.Hour)}))
		c.now = func() time.Time { return now }
		c.logf = func(f string, a ...any) { debug.WriteString(strings.TrimSpace(fmt.Sprintf(f, a...)) + "\n") }
		return c.Retrieve(t.Context())
	}
	var debug strings.Builder
	if _, err := cached(kr, "ASIAFIRST", &debug); err != nil {
		t.Fatal(err)
	}

	filler := testtool.Fill(t, dir)
	now = t0.Add(2 * time.Hour) // the role credentials need replacing: a write on a full disk
	if c, err := cached(kr, "ASIASECOND", &debug); err != nil || c.AccessKeyID != "ASIASECOND" {
		t.Fatalf("full disk: %v, %v; want the new credentials handed out anyway", c.AccessKeyID, err)
	}
	if !strings.Contains(debug.String(), "could not store") {
		t.Errorf("no debug line for the failed store:\n%s", debug.String())
	}
	err := st.SetKeys("cpco", aws.Credentials{AccessKeyID: "AKIAI44QH8DHBEXAMPLE", SecretAccessKey: testSecret})
	if err == nil {
		t.Fatal("storing keys on a full disk succeeded")
	}
	for _, f := range mustReadDir(t, items) {
		if b, _ := os.ReadFile(filepath.Join(items, f)); strings.Count(string(b), ".") != 4 {
			t.Errorf("item %s is not whole after the failed writes (%d bytes)", f, len(b))
		}
	}

	os.Remove(filler) // space is back; a new run, with no acct clear
	again := fileKeyring(t, items, "pass")
	if k, err := (Store{Keyring: again}).Keys("cpco"); err != nil || k.AccessKeyID != "AKIAIOSFODNN7EXAMPLE" {
		t.Fatalf("keys after the failed replacement: %v, %v; want the previous ones", k.AccessKeyID, err)
	}
	debug.Reset()
	if c, err := cached(again, "ASIATHIRD", &debug); err != nil || c.AccessKeyID != "ASIATHIRD" {
		t.Fatalf("after space returned: %v, %v\n%s", c.AccessKeyID, err, debug.String())
	}
	if names := mustReadDir(t, items); len(names) != 2 {
		t.Errorf("items left: %v, want the keys and the role", names)
	}
}

// fullDiskDir names, in the run inside the mount namespace, the directory to mount the tmpfs on.
const fullDiskDir = "ACCT_TEST_FULL_DISK_DIR"
