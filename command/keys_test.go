package command_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acct-cli/acct/internal/console/consoletest"
)

// acct add opens the keyring before asking for the key: a backend that cannot work, or a wrong
// file passphrase, is said before any secret is typed; a typed passphrase's error does not send
// the user to ACCT_FILE_PASSPHRASE.
func TestAddOpensKeyringFirst(t *testing.T) {
	t.Parallel()
	sw := newSessionWorld(t, false, nil) // a file keyring holding cpco's keys
	delete(sw.vars, "ACCT_FILE_PASSPHRASE")

	r := sw.runOn(true, consoletest.NewPrompter(t, consoletest.Answer{Label: "Passphrase", Value: "not it"}), "add", "cpco")
	if r.code != 1 || !strings.Contains(r.stderr, "wrong passphrase") || strings.Contains(r.stderr, "ACCT_FILE_PASSPHRASE") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("add with a wrong typed passphrase: exit %d, %q; want 1 and one line without ACCT_FILE_PASSPHRASE", r.code, r.stderr)
	}

	sw.vars["ACCT_KEYRING_BACKEND"] = "kwallet" // not on this machine
	r = sw.runOn(true, nil, "add", "cpco")      // nil: any prompt fails the test
	if r.code != 1 || !strings.Contains(r.stderr, "kwallet") {
		t.Errorf("add with a keyring that cannot open: exit %d, %q", r.code, r.stderr)
	}
	sw.vars["ACCT_KEYRING_BACKEND"] = "file"

	p := consoletest.NewPrompter(t,
		consoletest.Answer{Label: "Passphrase", Value: "correct horse battery staple"},
		consoletest.Answer{Label: "Access key ID", Value: sw.user.AccessKeyID},
		consoletest.Answer{Label: "Secret access key", Value: sw.user.SecretAccessKey})
	if r := sw.runOn(true, p, "add", "cpco"); r.code != 0 || !strings.Contains(r.stdout, "stored keys") {
		t.Errorf("add with the right passphrase: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

// Smaller surprises of issue 9: remove on a role profile, version's keyring line, list --json on
// an empty config.
func TestRemoveVersionList(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	if r := w.must("list", "--json"); r.stdout != "[]\n" {
		t.Errorf("list --json on an empty config: %q, want []", r.stdout)
	}
	if r := w.must("version"); !strings.Contains(r.stdout, "keyring: file (ACCT_KEYRING_BACKEND), reachable") {
		t.Errorf("version:\n%s", r.stdout)
	}
	w.vars["ACCT_KEYRING_BACKEND"] = "kwallet"
	if r := w.must("version"); !strings.Contains(r.stdout, "keyring: kwallet (ACCT_KEYRING_BACKEND), not reachable: ") {
		t.Errorf("version with an unavailable backend:\n%s", r.stdout)
	}
	w.vars["ACCT_KEYRING_BACKEND"] = "file"

	sw := newSessionWorld(t, false, nil)
	r := sw.run("", "remove", "cpco-staging-admin")
	if r.code != 2 || strings.Contains(r.stderr, "acct add") || !strings.Contains(r.stderr, "acct remove cpco\n") {
		t.Errorf("remove of a role profile: exit %d, %q; want 2 naming acct remove cpco", r.code, r.stderr)
	}
	// add and rotate of a role profile: the same line, naming the source, and nothing stored.
	sw.vars["AWS_ACCESS_KEY_ID"], sw.vars["AWS_SECRET_ACCESS_KEY"] = sw.user.AccessKeyID, sw.user.SecretAccessKey
	for _, args := range [][]string{{"add", "cpco-staging-admin", "--env"}, {"rotate", "cpco-staging-admin"}} {
		r := sw.run("", args...)
		want := "acct: cpco-staging-admin is a role profile; its keys are those of its source profile: acct " + args[0] + " cpco\n"
		if r.code != 2 || r.stderr != want {
			t.Errorf("acct %s: exit %d, %q; want 2, %q", strings.Join(args, " "), r.code, r.stderr, want)
		}
	}
}

// A new file keyring's passphrase is typed twice: the first item fixes it, and a typo would lock
// its owner out once the kept one ends. Two that differ store nothing.
func TestNewKeyringPassphraseTwice(t *testing.T) {
	t.Parallel()
	sw := newSessionWorld(t, true, nil) // a file keyring holding nothing
	delete(sw.vars, "ACCT_FILE_PASSPHRASE")
	sw.vars["ACCT_PASSPHRASE_TTL"] = "0" // nothing kept: the passphrase is typed every time
	sw.vars["AWS_ACCESS_KEY_ID"], sw.vars["AWS_SECRET_ACCESS_KEY"] = sw.user.AccessKeyID, sw.user.SecretAccessKey

	r := sw.runOn(true, consoletest.NewPrompter(t,
		consoletest.Answer{Label: "New passphrase", Value: "correct horse"},
		consoletest.Answer{Label: "same passphrase again", Value: "correct hose"}), "add", "cpco", "--env")
	if r.code != 2 || r.stderr != "acct: the two passphrases differ; nothing was stored, run the command again\n" {
		t.Errorf("two different passphrases: exit %d, %q", r.code, r.stderr)
	}
	if items, _ := os.ReadDir(filepath.Join(sw.vars["XDG_DATA_HOME"], "acct", "keyring")); len(items) != 0 {
		t.Errorf("two different passphrases left %d keyring items", len(items))
	}
	r = sw.runOn(true, consoletest.NewPrompter(t,
		consoletest.Answer{Label: "New passphrase", Value: "correct horse"},
		consoletest.Answer{Label: "same passphrase again", Value: "correct horse"}), "add", "cpco", "--env")
	if r.code != 0 || !strings.Contains(r.stdout, "stored keys") {
		t.Fatalf("the same passphrase twice: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	// Now the keyring holds an item: one question, as for every later command.
	r = sw.runOn(true, consoletest.NewPrompter(t, consoletest.Answer{Label: "Passphrase", Value: "correct horse"}), "add", "cpco", "--env")
	if r.code != 0 {
		t.Errorf("add to a keyring with an item: exit %d, %q", r.code, r.stderr)
	}
}
