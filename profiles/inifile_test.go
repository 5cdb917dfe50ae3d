package profiles

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestINIFileReadAndRemove(t *testing.T) {
	t.Parallel()
	text := "# my keys\r\n[default]\r\naws_access_key_id = AKIADEFAULT\r\n\r\n" +
		"; the ci user\n[ci]\nAWS_Access_Key_ID=AKIACI\naws_secret_access_key = s1 ; not a comment to the CLI\naws_secret_access_key = s2\n\n" +
		"[profile other]\nregion = eu-west-1\n"
	path := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(path, []byte(text), 0o640); err != nil {
		t.Fatal(err)
	}
	f, err := ReadINI(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Sections(); !reflect.DeepEqual(got, []string{"default", "ci", "other"}) {
		t.Errorf("sections %q", got)
	}
	keys, ok := f.Section("ci")
	want := []Key{{"aws_access_key_id", "AKIACI"}, {"aws_secret_access_key", "s2"}}
	if !ok || !reflect.DeepEqual(keys, want) {
		t.Errorf("ci keys %v %v, want %v", keys, ok, want)
	}
	if _, ok := f.Section("nope"); ok {
		t.Error("a missing section was found")
	}
	if !f.Remove("ci") || f.Remove("nope") {
		t.Fatal("Remove reports the wrong thing")
	}
	if err := f.Write(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	wantText := "# my keys\r\n[default]\r\naws_access_key_id = AKIADEFAULT\r\n\r\n; the ci user\n\n[profile other]\nregion = eu-west-1\n"
	if string(got) != wantText {
		t.Errorf("after Remove:\n%q\nwant\n%q", got, wantText)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	if _, err := ReadINI(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
