package command_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The file keyring's passphrase is typed once a working day: kept in the kernel keyring for
// ACCT_PASSPHRASE_TTL, dropped by acct lock, never written to a file.
func TestFilePassphraseOncePerDay(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.sts.AddUser("323330167063", "alice")
	w.vars["AWS_ACCESS_KEY_ID"], w.vars["AWS_SECRET_ACCESS_KEY"] = u.AccessKeyID, u.SecretAccessKey
	// Made at run time, so that no compiled test binary under /tmp holds it.
	pass := "pass-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.Itoa(os.Getpid())
	w.vars["ACCT_FILE_PASSPHRASE"] = pass
	w.must("add", "--env", "cpco")
	if err := os.MkdirAll(filepath.Dir(w.config), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.config, []byte("[profile cpco]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ACCT_FILE_PASSPHRASE"} {
		delete(w.vars, k)
	}
	t.Cleanup(func() { w.run("", "lock") })

	// export runs one command that needs the keyring; asked says whether it asked for the passphrase.
	export := func(extra ...string) (asked bool) {
		t.Helper()
		p := w.acctTTY(append(extra, "ACCT_DEBUG=1"), "export", "cpco")
		re := regexpMust(`(Enter passphrase|AWS_SECRET_ACCESS_KEY=)`)
		if m := p.expectRE(re); m[1] == "Enter passphrase" {
			asked = true
			p.line(pass)
		}
		if code := p.wait(); code != 0 {
			t.Fatalf("acct export cpco: exit %d\n%s", code, p.screen())
		}
		if strings.Contains(p.screen(), "no kernel keyring here") {
			t.Fatalf("this system has no kernel keyring: %s", p.screen())
		}
		return asked
	}
	if !export() {
		t.Fatal("the first command did not ask for the passphrase")
	}
	for i := 0; i < 10; i++ {
		if export() {
			t.Fatalf("command %d after the first asked for the passphrase again", i+2)
		}
	}
	// list never asks, but opens the keyring with the kept passphrase: cpco's keys are shown.
	keysShown := func() bool {
		t.Helper()
		r := w.must("list")
		for _, l := range strings.Split(r.stdout, "\n") {
			if f := strings.Fields(l); len(f) > 6 && f[3] == "cpco" {
				return f[6] == "yes" && r.stderr == ""
			}
		}
		t.Fatalf("acct list shows no cpco:\n%s", r.stdout)
		return false
	}
	if !keysShown() {
		t.Error("acct list did not use the kept passphrase")
	}
	w.must("lock")
	if keysShown() {
		t.Error("acct list read the keyring after acct lock")
	}
	if !export() {
		t.Error("after acct lock the passphrase was not asked")
	}
	// ACCT_PASSPHRASE_TTL=0 keeps nothing; a TTL of seconds ends.
	w.must("lock")
	if !export("ACCT_PASSPHRASE_TTL=0") || !export("ACCT_PASSPHRASE_TTL=0") {
		t.Error("with ACCT_PASSPHRASE_TTL=0 the passphrase was kept")
	}
	// Long enough for a second acct, race-checked, on a loaded machine.
	const ttl = "ACCT_PASSPHRASE_TTL=6s"
	if !export(ttl) {
		t.Fatal("a 6s TTL: the passphrase was not asked")
	}
	kept := time.Now() // the key was stored before this
	if export(ttl) {
		t.Fatal("a 6s TTL: asked again at once")
	}
	time.Sleep(time.Until(kept.Add(6500 * time.Millisecond))) // the kernel ends the key, no clock of ours to move
	if !export(ttl) {
		t.Error("the passphrase was not asked again once its TTL had passed")
	}
	// Nowhere on disk: not under HOME, not under /tmp.
	for _, root := range []string{w.home, os.TempDir()} {
		filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() || !info.Mode().IsRegular() || info.Size() > 4<<20 {
				return nil
			}
			if data, err := os.ReadFile(path); err == nil && bytes.Contains(data, []byte(pass)) {
				t.Errorf("%s holds the passphrase", path)
			}
			return nil
		})
	}
}
