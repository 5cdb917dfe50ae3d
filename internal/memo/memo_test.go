package memo

import (
	"github.com/acct-cli/acct/internal/testtool"

	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// Inputs are framed: moving a byte from one input to the next, or adding an empty input, gives
// another key.
func TestHashFraming(t *testing.T) {
	key := func(add func(h *Hash)) Key {
		h := NewHash("test")
		add(h)
		return h.Key()
	}
	keys := map[Key]string{}
	for name, add := range map[string]func(*Hash){
		"ab,c": func(h *Hash) { h.Add("ab", "c") },
		"a,bc": func(h *Hash) { h.Add("a", "bc") },
		"abc":  func(h *Hash) { h.Add("abc") },
		"abc,": func(h *Hash) { h.Add("abc", "") },
		"none": func(h *Hash) {},
	} {
		k := key(add)
		if other, dup := keys[k]; dup {
			t.Errorf("%s and %s give one key", name, other)
		}
		keys[k] = name
	}
	if key(func(h *Hash) { h.AddBytes([]byte("ab")); h.Add("c") }) != key(func(h *Hash) { h.Add("ab", "c") }) {
		t.Error("AddBytes and Add frame an input differently")
	}
	if NewHash("a").Key() == NewHash("b").Key() {
		t.Error("two kinds give one key")
	}
}

func TestStoreLoad(t *testing.T) {
	f := File{Path: filepath.Join(t.TempDir(), "cache", "acct", "x")}
	if _, ok := f.Load(); ok {
		t.Fatal("a missing file loaded")
	}
	want := Entry{Keys: []Key{NewHash("a").Key(), NewHash("b").Key()}, Value: []byte("value\x00\xff")}
	if err := f.Store(want); err != nil {
		t.Fatal(err)
	}
	got, ok := f.Load()
	if !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("loaded %v (%v), want %v", got, ok, want)
	}
	for path, mode := range map[string]os.FileMode{f.Path: 0o600, filepath.Dir(f.Path): 0o700 | os.ModeDir} {
		if st, err := os.Stat(path); err != nil || st.Mode() != mode {
			t.Errorf("%s: %v %v, want mode %v", path, st.Mode(), err, mode)
		}
	}
	data, _ := os.ReadFile(f.Path)
	for i := range data {
		damaged := bytes.Clone(data)
		damaged[i] ^= 1
		os.WriteFile(f.Path, damaged, 0o600)
		if _, ok := f.Load(); ok {
			t.Fatalf("a file with byte %d changed loaded", i)
		}
	}
	for n := range len(data) {
		os.WriteFile(f.Path, data[:n], 0o600)
		if _, ok := f.Load(); ok {
			t.Fatalf("the first %d bytes of the file loaded", n)
		}
	}
	if err := (File{}).Store(want); err == nil {
		t.Error("a File without a path stored")
	}
}

func TestReader(t *testing.T) {
	var b []byte
	strs := []string{"", "a", string(bytes.Repeat([]byte{0xff}, 200)), "\n"}
	for _, s := range strs {
		b = AppendString(b, s)
	}
	r := NewReader(b)
	for _, want := range strs {
		if got := r.String(); got != want {
			t.Fatalf("read %q, want %q", got, want)
		}
	}
	if !r.Done() {
		t.Fatal("not done after every string")
	}
	if _ = r.String(); r.Done() {
		t.Fatal("done after reading past the end")
	}
	r = NewReader(b[:len(b)-1])
	for range strs {
		_ = r.String()
	}
	if r.Done() {
		t.Fatal("a value cut short is done")
	}
	r = NewReader(append(bytes.Clone(b), 0))
	for range strs {
		_ = r.String()
	}
	if r.Done() {
		t.Fatal("a value with bytes left over is done")
	}
}

// A new build of acct is a new executable file: its path, size and modification time are part
// of every key, so what another build remembered is never used.
func TestBuildNamesTheExecutable(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(exe)
	if err != nil {
		t.Fatal(err)
	}
	b := Build()
	for _, want := range []string{exe, strconv.FormatInt(st.Size(), 10), strconv.FormatInt(st.ModTime().UnixNano(), 10)} {
		if !strings.Contains(b, want) {
			t.Errorf("Build() = %q does not hold %q", b, want)
		}
	}
}

func TestMain(m *testing.M) { testtool.Main(m) }
