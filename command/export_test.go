package command_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// What `acct export` prints is evaluated by a shell (`eval "$(acct export P)"`), and its values come
// from the config and from credential_process programs: sh must only ever set the variables, to
// exactly those values, whatever they hold.
func TestExportEnvIsQuotedForSh(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dir := t.TempDir()
	secret := `s3cr'et$(touch ` + dir + `/from-secret)"x`
	script := filepath.Join(dir, "creds.sh")
	body := "#!/bin/sh\nprintf '%s' '{\"Version\": 1, \"AccessKeyId\": \"ASIAQUOTEDTEST00001\", \"SecretAccessKey\": \"" +
		strings.ReplaceAll(secret, `'`, `'\''`) + "\"}'\n"
	body = strings.Replace(body, `)"x`, `)\"x`, 1)
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	region := "us-east-1 $(touch " + dir + "/from-region) `touch " + dir + "/from-backquote`"
	config := "[profile evil]\ncredential_process = " + script + "\nregion = " + region + "\n"
	if err := os.MkdirAll(filepath.Dir(w.config), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.config, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	out := w.must("export", "evil").stdout
	got, err := exec.Command("sh", "-c", `eval "$1" && printf '%s\n%s\n%s' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_REGION"`, "sh", out).CombinedOutput()
	if err != nil {
		t.Fatalf("sh could not eval acct export's output: %v: %s\n%s", err, got, out)
	}
	if want := "ASIAQUOTEDTEST00001\n" + secret + "\n" + region; string(got) != want {
		t.Errorf("after eval:\n%s\nwant\n%s", got, want)
	}
	for _, f := range []string{"from-secret", "from-region", "from-backquote"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("eval of acct export ran a command hidden in a value (%s)", f)
		}
	}
}
