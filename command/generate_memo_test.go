package command_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acct-cli/acct/internal/memo"
)

// A generate with the same inputs as one that found nothing to change prints what that run
// printed, and a change to any input (the layout's bytes, the config's bytes, a flag, a variable,
// a path) gives exactly what a run without the cache gives.
func TestGenerateMemo(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	layout := filepath.Join(w.home, "team", "acct.yaml")
	layoutText, err := os.ReadFile(example("organization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(layout), 0o700)
	os.MkdirAll(filepath.Dir(w.config), 0o700)
	os.WriteFile(layout, layoutText, 0o600)
	os.WriteFile(w.config, []byte("[profile mine]\nregion = eu-west-1\n"), 0o600)
	w.must("generate", "--layout", layout, "--user", "alice")
	generated, _ := os.ReadFile(w.config)
	cache := memo.File{Path: filepath.Join(w.home, ".cache", "acct", "generate")}
	args := []string{"generate", "--layout", layout} // the user is the one the block remembers

	// fresh puts the world back as generated and remembers a run with args.
	fresh := func() result {
		t.Helper()
		os.WriteFile(layout, layoutText, 0o600)
		os.WriteFile(w.config, generated, 0o600)
		os.Remove(cache.Path)
		w.must(args...)
		if _, ok := cache.Load(); !ok {
			t.Fatal("a run that found nothing to change remembered nothing")
		}
		return w.must(args...)
	}
	poison := func() {
		t.Helper()
		e, ok := cache.Load()
		if !ok {
			t.Fatal("nothing remembered")
		}
		e.Value = []byte("POISON\n")
		if err := cache.Store(e); err != nil {
			t.Fatal(err)
		}
	}

	remembered := fresh()
	if want := w.config + ": no change (8 profiles of cpco)\n"; remembered.stdout != want || remembered.stderr != "" {
		t.Fatalf("remembered run: %+v, want %q", remembered, want)
	}
	poison()
	if r := w.must(args...); r.stdout != "POISON\n" {
		t.Fatalf("the remembered answer was not used: %+v", r)
	}

	edit := func(path, old, new string) func() {
		return func() {
			data, _ := os.ReadFile(path)
			st, _ := os.Stat(path)
			os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o600)
			os.Chtimes(path, st.ModTime(), st.ModTime()) // a stat sees no change when the size stays
		}
	}
	env := func(k, v string) func() { return func() { w.vars[k] = v } }
	copied := filepath.Join(w.home, "elsewhere", "config")
	cases := []struct {
		name   string
		change func()
		args   []string
	}{
		{"a comment in the layout", edit(layout, "namespace:", "# ours\nnamespace:"), nil},
		{"the layout's region, same size", edit(layout, "us-west-2", "us-east-2"), nil},
		{"the config outside the block, same size", edit(w.config, "eu-west-1", "eu-west-2"), nil},
		{"a hand-written profile the layout generates", func() {
			f, _ := os.OpenFile(w.config, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("[profile cpco-testing-admin]\nregion = x\n")
			f.Close()
		}, nil},
		{"the block edited by hand, same size", edit(w.config, "mfa/alice", "mfa/alicf"), nil},
		{"--user given", nil, []string{"--user", "alice"}},
		{"--user of another", nil, []string{"--user", "bob"}},
		{"ACCT_USER", env("ACCT_USER", "bob"), nil},
		{"--style credential-process", nil, []string{"--style", "credential-process"}},
		{"--dry-run", nil, []string{"--dry-run"}},
		{"--replace", nil, []string{"--replace"}},
		{"--force", nil, []string{"--force"}},
		{"another AWS_CONFIG_FILE with the same bytes", func() {
			os.MkdirAll(filepath.Dir(copied), 0o700)
			os.WriteFile(copied, generated, 0o600)
			w.vars["AWS_CONFIG_FILE"] = copied
		}, nil},
		{"the layout by another path", func() {
			os.Symlink(layout, filepath.Join(w.home, "link.yaml"))
		}, []string{"--layout", filepath.Join(w.home, "link.yaml")}},
	}
	for _, c := range cases {
		fresh()
		poison()
		if c.change != nil {
			c.change()
		}
		config := w.vars["AWS_CONFIG_FILE"]
		before, _ := os.ReadFile(config)
		got := w.run("", append(append([]string(nil), args...), c.args...)...)
		os.WriteFile(config, before, 0o600)
		os.Remove(cache.Path)
		want := w.run("", append(append([]string(nil), args...), c.args...)...)
		if strings.Contains(got.stdout, "POISON") || got != want {
			t.Errorf("%s: gave %+v, a run without the cache %+v", c.name, got, want)
		}
		w.vars["AWS_CONFIG_FILE"] = w.config
		delete(w.vars, "ACCT_USER")
	}
}

// A remembered answer still takes the lock and removes what killed runs left beside the config.
func TestGenerateMemoRemovesDebris(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	layout := example("organization.yaml")
	w.must("generate", "--layout", layout, "--user", "alice")
	w.must("generate", "--layout", layout)
	debris := filepath.Join(filepath.Dir(w.config), ".config4242")
	if err := os.WriteFile(debris, []byte("half a config"), 0o600); err != nil {
		t.Fatal(err)
	}
	cache := memo.File{Path: filepath.Join(w.home, ".cache", "acct", "generate")}
	e, ok := cache.Load()
	if !ok {
		t.Fatal("nothing remembered")
	}
	e.Value = []byte("POISON\n")
	cache.Store(e)
	if r := w.must("generate", "--layout", layout); r.stdout != "POISON\n" {
		t.Fatalf("third run was not answered from the cache: %+v", r)
	}
	noDebris(t, w.config)
}
