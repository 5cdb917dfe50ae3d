package command_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acct-cli/acct/session"
)

// storedKeys reads the keys acct stored for profile from the world's file keyring.
func (w *world) storedKeys(profile string) (aws.Credentials, error) {
	w.t.Helper()
	kr, err := session.OpenKeyring(session.KeyringConfigFromEnv(func(k string) string { return w.vars[k] }))
	if err != nil {
		w.t.Fatal(err)
	}
	return session.Store{Keyring: kr}.Keys(profile)
}

const credentialsBefore = "# my keys\r\n[default]\r\naws_access_key_id = AKIADEFAULT000000001\r\naws_secret_access_key = defaultsecret\r\n\r\n" +
	"[cpco]\r\n; the team's IAM user\r\naws_access_key_id=%s\r\naws_secret_access_key=%s\r\nregion = us-west-2\r\n\r\n" +
	"# personal, keep\r\n[personal]   \r\naws_access_key_id   =   AKIAPERSONAL00000001\r\naws_secret_access_key=personalsecret\r\n"

const credentialsAfter = "# my keys\r\n[default]\r\naws_access_key_id = AKIADEFAULT000000001\r\naws_secret_access_key = defaultsecret\r\n\r\n" +
	"# personal, keep\r\n[personal]   \r\naws_access_key_id   =   AKIAPERSONAL00000001\r\naws_secret_access_key=personalsecret\r\n"

func TestMigrateFromCredentials(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.sts.AddUser("323330167063", "alice")
	before := strings.ReplaceAll(strings.Replace(strings.Replace(credentialsBefore, "%s", u.AccessKeyID, 1), "%s", u.SecretAccessKey, 1), "%%", "%")
	path := w.writeCredentials(before, 0o640)

	// In a script without --delete-plaintext the file is left alone, and acct says so.
	r := w.must("add", "cpco", "--from-credentials")
	if data, _ := os.ReadFile(path); string(data) != before {
		t.Fatalf("~/.aws/credentials changed without --delete-plaintext:\n%q", data)
	}
	if !strings.Contains(r.stderr, "--delete-plaintext") {
		t.Errorf("no hint that the plain-text copy is still there:\n%s", r.stderr)
	}
	got, err := w.storedKeys("cpco")
	if err != nil || got.AccessKeyID != u.AccessKeyID || got.SecretAccessKey != u.SecretAccessKey {
		t.Fatalf("keys not stored (%v)", err)
	}

	// --delete-plaintext cuts exactly that section; every other byte stays, the mode too.
	r = w.must("add", "cpco", "--from-credentials", "--delete-plaintext")
	data, _ := os.ReadFile(path)
	if string(data) != credentialsAfter {
		t.Fatalf("~/.aws/credentials after --delete-plaintext:\n got %q\nwant %q", data, credentialsAfter)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("mode changed to %v", st.Mode().Perm())
	}
	if !strings.Contains(r.stdout, "removed [cpco]") {
		t.Errorf("stdout: %s", r.stdout)
	}
	for _, out := range []string{r.stdout, r.stderr} {
		if strings.Contains(out, u.SecretAccessKey) {
			t.Error("the secret key was printed")
		}
	}

	// The imported key works: an exec through STS with it.
	w.vars["ACCT_MFA_TOKEN"] = ""
	os.WriteFile(w.config, []byte("[profile cpco]\nregion = us-west-2\n"), 0o600)
	r = w.must("exec", "cpco", "--", "sh", "-c", "echo $AWS_ACCESS_KEY_ID")
	if !strings.HasPrefix(strings.TrimSpace(r.stdout), "ASIA") {
		t.Errorf("exec with the imported keys gave %q", r.stdout)
	}

	// --section picks another section; a missing one names those there are.
	r = w.run("", "add", "mine", "--from-credentials", "--section", "nope")
	if r.code != 2 || !strings.Contains(r.stderr, "no [nope] section (it has: default, personal)") {
		t.Errorf("missing section: exit %d, %s", r.code, r.stderr)
	}
	w.must("add", "mine", "--from-credentials", "--section", "personal", "--delete-plaintext")
	if k, err := w.storedKeys("mine"); err != nil || k.AccessKeyID != "AKIAPERSONAL00000001" {
		t.Errorf("--section personal stored %v (%v)", k.AccessKeyID, err)
	}
	data, _ = os.ReadFile(path)
	if want := "# my keys\r\n[default]\r\naws_access_key_id = AKIADEFAULT000000001\r\naws_secret_access_key = defaultsecret\r\n\r\n# personal, keep\r\n"; string(data) != want {
		t.Errorf("after removing [personal]:\n got %q\nwant %q", data, want)
	}
}

// awsVaultItem is what aws-vault stores per profile: the JSON of the SDK's credentials value.
type awsVaultItem struct {
	AccessKeyID, SecretAccessKey, SessionToken, ProviderName string
}

func TestMigrateFromAWSVault(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.sts.AddUser("323330167063", "alice")
	dir := filepath.Join(w.home, ".awsvault", "keys")
	kr, err := keyring.Open(keyring.Config{
		ServiceName:      "aws-vault",
		AllowedBackends:  []keyring.BackendType{keyring.FileBackend},
		FileDir:          dir,
		FilePasswordFunc: keyring.FixedStringPrompt("vault pass"),
	})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(awsVaultItem{AccessKeyID: u.AccessKeyID, SecretAccessKey: u.SecretAccessKey, ProviderName: "SharedConfigCredentials"})
	if err := kr.Set(keyring.Item{Key: "cpco", Label: "aws-vault (cpco)", Data: data}); err != nil {
		t.Fatal(err)
	}
	kr.Set(keyring.Item{Key: "session,Y3Bjbw,,1700000000", Data: []byte(`{}`)}) // a cached aws-vault session

	// No passphrase in a script: one line saying which variable.
	r := w.run("", "add", "cpco", "--from-aws-vault")
	if r.code == 0 || !strings.Contains(r.stderr, "AWS_VAULT_FILE_PASSPHRASE") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Errorf("without a passphrase: exit %d, %q", r.code, r.stderr)
	}
	w.vars["AWS_VAULT_FILE_PASSPHRASE"] = "wrong"
	r = w.run("", "add", "cpco", "--from-aws-vault")
	if r.code != 1 || !strings.Contains(r.stderr, "wrong passphrase") || !strings.Contains(r.stderr, "check AWS_VAULT_FILE_PASSPHRASE") {
		t.Errorf("wrong passphrase: exit %d, %q", r.code, r.stderr)
	}

	w.vars["AWS_VAULT_FILE_PASSPHRASE"] = "vault pass"
	r = w.must("add", "cpco", "--from-aws-vault")
	if got, err := w.storedKeys("cpco"); err != nil || got.AccessKeyID != u.AccessKeyID || got.SecretAccessKey != u.SecretAccessKey {
		t.Fatalf("keys not stored from aws-vault (%v)", err)
	}
	if !strings.Contains(r.stdout, "aws-vault remove cpco") {
		t.Errorf("no hint about aws-vault's copy:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, u.SecretAccessKey) {
		t.Error("the secret key was printed")
	}
	// aws-vault's keyring is untouched.
	if it, err := kr.Get("cpco"); err != nil || string(it.Data) != string(data) {
		t.Errorf("aws-vault's item changed (%v)", err)
	}
	r = w.run("", "add", "other", "--from-aws-vault")
	if r.code != 2 || !strings.Contains(r.stderr, "(it has: cpco)") {
		t.Errorf("missing item: exit %d, %q", r.code, r.stderr)
	}
	r = w.run("", "add", "cpco", "--from-aws-vault", "--delete-plaintext")
	if r.code != 2 {
		t.Errorf("--delete-plaintext with --from-aws-vault: exit %d, %q", r.code, r.stderr)
	}
}

// writeCredentials writes text as the world's ~/.aws/credentials with mode and returns its path.
func (w *world) writeCredentials(text string, mode os.FileMode) string {
	w.t.Helper()
	path := w.vars["AWS_SHARED_CREDENTIALS_FILE"]
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		w.t.Fatal(err)
	}
	return path
}

// On a terminal, acct asks before deleting the plain-text copy; "n" keeps it, "y" deletes it.
func TestMigrateFromCredentialsAsks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.sts.AddUser("323330167063", "alice")
	before := "[cpco]\naws_access_key_id = " + u.AccessKeyID + "\naws_secret_access_key = " + u.SecretAccessKey + "\n\n[other]\nregion = eu-west-1\n"
	path := w.writeCredentials(before, 0o600)

	p := w.acctTTY(nil, "add", "cpco", "--from-credentials")
	p.expect("Delete the plain-text copy, [cpco] in " + path)
	p.line("n")
	if code := p.wait(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.screen())
	}
	if data, _ := os.ReadFile(path); string(data) != before {
		t.Fatalf("answering n changed the file:\n%q", data)
	}

	p = w.acctTTY(nil, "add", "cpco", "--from-credentials")
	p.expect("Delete the plain-text copy")
	p.line("y")
	if code := p.wait(); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.screen())
	}
	if data, _ := os.ReadFile(path); string(data) != "[other]\nregion = eu-west-1\n" {
		t.Errorf("after y:\n%q", data)
	}
	if strings.Contains(p.screen(), u.SecretAccessKey) {
		t.Error("the secret key was shown")
	}
}
