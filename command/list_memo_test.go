package command

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acct-cli/acct/internal/memo"
	"github.com/acct-cli/acct/profiles"
)

// listWorld is a config file and a cache directory under one temporary HOME.
type listWorld struct {
	t      *testing.T
	config string
	sys    *system
}

func newListWorld(t *testing.T) *listWorld {
	t.Helper()
	home := t.TempDir()
	env := map[string]string{
		"HOME": home, "AWS_CONFIG_FILE": filepath.Join(home, ".aws", "config"),
		"XDG_CACHE_HOME": filepath.Join(home, ".cache"),
	}
	if err := os.MkdirAll(filepath.Dir(env["AWS_CONFIG_FILE"]), 0o700); err != nil {
		t.Fatal(err)
	}
	return &listWorld{t: t, config: env["AWS_CONFIG_FILE"], sys: newSystem(IO{Getenv: func(k string) string { return env[k] }})}
}

// full is what a full ini.v1 read of the config gives `acct list`, without the cache.
func (w *listWorld) full() ([]listRow, string) {
	cfg, err := w.sys.readConfig()
	if err != nil {
		return nil, err.Error()
	}
	return listRows(cfg), ""
}

// check fails unless listProfiles gives what a full read gives.
func (w *listWorld) check(what string) []listRow {
	w.t.Helper()
	want, wantErr := w.full()
	got, err := w.sys.listProfiles()
	gotErr := ""
	if err != nil {
		gotErr = err.Error()
	}
	if gotErr != wantErr || !reflect.DeepEqual(got, want) {
		w.t.Fatalf("%s: listProfiles gave %v (error %q), a full read %v (error %q)", what, got, gotErr, want, wantErr)
	}
	return got
}

func (w *listWorld) write(data []byte) {
	w.t.Helper()
	if err := os.WriteFile(w.config, data, 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// rewrite replaces the config's bytes in place and puts its modification time back: the file
// keeps its inode, and with a same-size change, its size and times as a stat sees them too.
func (w *listWorld) rewrite(data []byte) {
	w.t.Helper()
	st, err := os.Stat(w.config)
	if err != nil {
		w.t.Fatal(err)
	}
	f, err := os.OpenFile(w.config, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		w.t.Fatal(err)
	}
	f.Close()
	if err := os.Chtimes(w.config, st.ModTime(), st.ModTime()); err != nil {
		w.t.Fatal(err)
	}
}

// poison replaces the remembered rows with one row naming "poison", under the same key: any
// listing that shows it came from the cache.
func (w *listWorld) poison() {
	w.t.Helper()
	f := w.sys.memoFile("list")
	e, ok := f.Load()
	if !ok {
		w.t.Fatal("nothing remembered to poison")
	}
	e.Value = listEncode([]listRow{{Profile: "poison"}})
	if err := f.Store(e); err != nil {
		w.t.Fatal(err)
	}
}

func (w *listWorld) poisoned() bool {
	w.t.Helper()
	rows, err := w.sys.listProfiles()
	return err == nil && len(rows) == 1 && rows[0].Profile == "poison"
}

const listMemoConfig = `# hand-written
[profile base]
aws_access_key_id = AKIAEXAMPLEKEYID0001
aws_secret_access_key = do-not-remember-this-secret
[profile dev]
role_arn = arn:aws:iam::111111111111:role/Dev
source_profile = base
# >>> acct: cpco (generated from /l/acct.yaml by ` + "`acct generate`" + `; edit the layout, not this block)
# acct: namespace=cpco stage=prod role=admin account=222222222222 ou=workloads protected=always
[profile cpco-prod-admin]
role_arn=arn:aws:iam::222222222222:role/Admin
source_profile=base

# <<< acct: cpco
`

// A stale answer is never used: every change to the config's bytes, even one that keeps its
// inode, size and modification time, gives what a full read of the new bytes gives.
func TestListMemoNeverStale(t *testing.T) {
	t.Parallel()
	w := newListWorld(t)
	w.write([]byte(listMemoConfig))
	w.check("first run")
	if _, ok := w.sys.memoFile("list").Load(); !ok {
		t.Fatal("the first run remembered nothing")
	}
	w.check("remembered")
	w.poison()
	if !w.poisoned() {
		t.Fatal("the remembered rows were not used")
	}
	same := strings.Replace(listMemoConfig, "222222222222:role/Admin", "333333333333:role/Admin", 1)
	changes := []struct {
		name   string
		change func()
	}{
		{"one byte, same size and mtime", func() { w.rewrite([]byte(same)) }},
		{"a byte appended", func() { w.rewrite([]byte(same + "\n")) }},
		{"a section deleted", func() { w.rewrite([]byte(listMemoConfig[:strings.Index(listMemoConfig, "[profile dev]")])) }},
		{"renamed over by another file", func() {
			other := w.config + ".new"
			if err := os.WriteFile(other, []byte(same), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(other, w.config); err != nil {
				t.Fatal(err)
			}
		}},
		{"not ini any more", func() { w.rewrite([]byte("[profile broken\n")) }},
		{"emptied", func() { w.rewrite(nil) }},
		{"removed", func() { os.Remove(w.config) }},
	}
	for _, c := range changes {
		os.Remove(w.sys.memoFile("list").Path)
		w.write([]byte(listMemoConfig))
		w.check(c.name + ": before")
		w.poison()
		c.change()
		if w.poisoned() {
			t.Fatalf("%s: the remembered rows were used", c.name)
		}
		w.check(c.name)
	}
	// What keeps the bytes keeps the answer, and the answer is still right.
	for name, change := range map[string]func(){
		"touched":    func() { os.Chtimes(w.config, time.Now(), time.Now()) },
		"chmod 0400": func() { os.Chmod(w.config, 0o400) },
	} {
		os.Remove(w.sys.memoFile("list").Path)
		w.write([]byte(listMemoConfig))
		w.check(name + ": before")
		change()
		w.check(name)
	}
}

// The cache file is private, holds no secret, and a damaged or unwritable one is only ignored.
func TestListMemoFile(t *testing.T) {
	t.Parallel()
	w := newListWorld(t)
	w.write([]byte(listMemoConfig))
	w.check("first run")
	f := w.sys.memoFile("list")
	for path, want := range map[string]os.FileMode{f.Path: 0o600, filepath.Dir(f.Path): 0o700 | os.ModeDir} {
		st, err := os.Stat(path)
		if err != nil || st.Mode() != want {
			t.Errorf("%s: mode %v (%v), want %v", path, st.Mode(), err, want)
		}
	}
	data, err := os.ReadFile(f.Path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("do-not-remember-this-secret")) || bytes.Contains(data, []byte("AKIAEXAMPLEKEYID0001")) {
		t.Fatal("the cache holds the config's keys")
	}
	for i := 0; i < len(data); i += 97 {
		damaged := bytes.Clone(data)
		damaged[i] ^= 0x20
		if err := os.WriteFile(f.Path, damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		w.check("damaged at byte " + strconv.Itoa(i))
	}
	if err := os.WriteFile(f.Path, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	w.check("cut in half")

	// A cache directory that cannot be made: every run reads the config.
	blocked := newListWorld(t)
	blocked.write([]byte(listMemoConfig))
	os.WriteFile(filepath.Dir(blocked.sys.memoFile("list").Path), []byte("a file"), 0o600)
	blocked.check("first run")
	blocked.check("second run")
}

// FuzzListMemo: for any config text, listing through the cache (remembering, then remembered)
// gives what a full ini.v1 read gives, and after any byte of it changes (same size, same
// modification time) it gives what a full read of the new text gives.
func FuzzListMemo(f *testing.F) {
	f.Add([]byte(listMemoConfig), uint16(300), byte('9'))
	f.Add([]byte("[default]\nregion = eu-west-1\n"), uint16(3), byte('x'))
	f.Add([]byte("[profile a]\nrole_arn=arn:aws:iam::111111111111:role/x\nsource_profile=b\n[profile b]\nrole_arn=arn:aws:iam::111111111111:role/y\nsource_profile=a\n"), uint16(40), byte('2'))
	f.Add([]byte("[profile s]\nsso_session=corp\nsso_account_id=111111111111\nsso_role_name=Admin\n[sso-session corp]\nsso_start_url=https://x.awsapps.com/start\nsso_region=us-east-1\n"), uint16(30), byte('3'))
	f.Add([]byte("[profile a]\ninclude_profile=b\n[profile b]\ncredential_process=acct credential-process b\nacct_role_arn=arn:aws:iam::111111111111:role/x\nacct_source_profile=c\n"), uint16(20), byte('c'))
	f.Add([]byte("[profile \"a b\"]\nregion=x\n  nested = y\n[profile a b]\nregion=z\n"), uint16(10), byte(' '))
	f.Fuzz(func(t *testing.T, data []byte, at uint16, b byte) {
		w := newListWorld(t)
		w.write(data)
		w.check("remembering")
		w.check("remembered")
		if _, err := profiles.ParseConfig(w.config, data); err == nil {
			e, ok := w.sys.memoFile("list").Load()
			rows, decoded := listDecode(e.Value)
			want, _ := w.full()
			if !ok || !decoded || !reflect.DeepEqual(rows, want) {
				t.Fatalf("remembered rows %v (stored %v, decoded %v), a full read %v", rows, ok, decoded, want)
			}
		}
		changed := append([]byte(nil), data...)
		if len(changed) == 0 || changed[int(at)%len(changed)] == b {
			changed = append(changed, b)
		} else {
			changed[int(at)%len(changed)] = b
		}
		w.rewrite(changed)
		w.check("changed")
		w.check("changed, remembered")
	})
}

// Rows of every kind of field, with every byte a name can hold, decode as they were encoded; a
// value cut short or with bytes left over does not decode.
func TestListEncodeDecode(t *testing.T) {
	t.Parallel()
	rows := []listRow{
		{Profile: "a", Layout: "cpco", OU: "workloads", Stage: "prod", Role: "admin", Account: "222222222222",
			RoleARN: "arn:aws:iam::222222222222:role/Admin", Protected: "always", Source: "base"},
		{Profile: "\x00\xff\n\t é", Source: strings.Repeat("x", 300)},
		{},
	}
	enc := listEncode(rows)
	got, ok := listDecode(enc)
	if !ok || !reflect.DeepEqual(got, rows) {
		t.Fatalf("decoded %v (%v), want %v", got, ok, rows)
	}
	if got, ok := listDecode(listEncode(nil)); !ok || got == nil || len(got) != 0 {
		t.Fatalf("no rows decoded as %#v (%v), want an empty list", got, ok)
	}
	for _, bad := range [][]byte{enc[:len(enc)-1], append(bytes.Clone(enc), 0), enc[:1], nil, memo.AppendString(nil, "x")} {
		if _, ok := listDecode(bad); ok {
			t.Errorf("%q decoded", bad)
		}
	}
}
