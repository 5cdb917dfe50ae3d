package command_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acct-cli/acct/internal/memo"
)

// What an exact name resolved to is remembered once the config and credentials files have been
// unchanged for a few seconds, and used by the next runs without reading them; any change to
// either file, even one that keeps its size, is seen at once.
func TestTargetRemembered(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.sts.AddUser("323330167063", "alice")
	w.vars["AWS_ACCESS_KEY_ID"], w.vars["AWS_SECRET_ACCESS_KEY"] = u.AccessKeyID, u.SecretAccessKey
	w.must("add", "--env", "cpco")
	delete(w.vars, "AWS_ACCESS_KEY_ID")
	delete(w.vars, "AWS_SECRET_ACCESS_KEY")
	write := func(region string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(w.config), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(w.config, []byte("[profile cpco]\nregion = "+region+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	region := func() string {
		t.Helper()
		out := w.must("export", "cpco").stdout
		_, after, _ := strings.Cut(out, "export AWS_REGION=")
		line, _, _ := strings.Cut(after, "\n")
		return strings.Trim(line, "'")
	}
	remembered := func() []string {
		files, _ := filepath.Glob(filepath.Join(w.vars["XDG_CACHE_HOME"], "acct", "target-*"))
		return files
	}

	write("us-east-1")
	if got := region(); got != "us-east-1" || len(remembered()) != 0 {
		t.Fatalf("a config written just now: region %q, remembered %q (want us-east-1, nothing)", got, remembered())
	}
	time.Sleep(3100 * time.Millisecond) // the files settle (no clock of ours: the file system's)
	if got := region(); got != "us-east-1" || len(remembered()) != 1 {
		t.Fatalf("a settled config: region %q, remembered %q (want us-east-1, one target)", got, remembered())
	}
	// The next run takes the remembered target without reading the config: an entry changed
	// behind acct's back (its key kept) is what it gives.
	f := memo.File{Path: remembered()[0]}
	e, ok := f.Load()
	if !ok || !bytes.Contains(e.Value, []byte(`"us-east-1"`)) {
		t.Fatalf("the remembered target: %v %s", ok, e.Value)
	}
	e.Value = bytes.ReplaceAll(e.Value, []byte(`"us-east-1"`), []byte(`"eu-north-9"`))
	if err := f.Store(e); err != nil {
		t.Fatal(err)
	}
	if got := region(); got != "eu-north-9" {
		t.Fatalf("the run after: region %q, want the remembered eu-north-9", got)
	}
	// A credentials file appearing is a change (a section there can shadow the profile).
	if err := os.WriteFile(w.vars["AWS_SHARED_CREDENTIALS_FILE"], []byte("[other]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := region(); got != "us-east-1" {
		t.Fatalf("after the credentials file appeared: region %q, want us-east-1", got)
	}
	// So is a change of the config that keeps its size, right after the last run.
	write("us-east-2")
	if got := region(); got != "us-east-2" {
		t.Fatalf("after the config changed: region %q, want us-east-2", got)
	}
}
