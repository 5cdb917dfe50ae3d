package profiles

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/internal/testtool"
)

// writeTree is every file, directory and link under root with its mode, bytes or link text.
func writeTree(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(root, func(p string, st os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case st.Mode()&os.ModeSymlink != 0:
			link, _ := os.Readlink(p)
			out[rel] = "-> " + link
		case st.IsDir():
			out[rel] = fmt.Sprintf("dir %v", st.Mode())
		default:
			data, _ := os.ReadFile(p)
			out[rel] = fmt.Sprintf("%v %q", st.Mode(), data)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func writeSameTree(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	var diffs []string
	for k, v := range before {
		if after[k] != v {
			diffs = append(diffs, fmt.Sprintf("%s: %s -> %s", k, v, after[k]))
		}
	}
	for k, v := range after {
		if _, ok := before[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: new %s", k, v))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		t.Errorf("%s changed the disk:\n%s", what, strings.Join(diffs, "\n"))
	}
}

// Config writes follow the file as the user keeps it: through symlinks (absolute, relative,
// two levels, dangling), with its mode; a read-only file only with Force; the lock and backup
// beside the path the user has, never in the dotfiles directory; a dry run touches nothing.
func TestWriteKeepsTheUsersFile(t *testing.T) {
	t.Parallel()
	const before = "[default]\nregion = eu-west-1\n"
	o := Origin{Namespace: "cpco", LayoutFile: "a.yaml"}
	cases := []struct {
		name string
		// setup makes ~/.aws/config in home and returns the file it stands for.
		setup    func(t *testing.T, home string) string
		opt      WriteOptions
		wantErr  string // "" for success
		wantMode os.FileMode
	}{
		{"new file", func(t *testing.T, home string) string {
			return filepath.Join(home, ".aws", "config")
		}, WriteOptions{}, "", 0o600},
		{"0644 file", func(t *testing.T, home string) string {
			return writeFile(t, filepath.Join(home, ".aws", "config"), before, 0o644)
		}, WriteOptions{}, "", 0o644},
		{"0400 file", func(t *testing.T, home string) string {
			return writeFile(t, filepath.Join(home, ".aws", "config"), before, 0o400)
		}, WriteOptions{}, "is read-only (mode 0400); make it writable (chmod u+w ", 0o400},
		{"0400 file with force", func(t *testing.T, home string) string {
			return writeFile(t, filepath.Join(home, ".aws", "config"), before, 0o400)
		}, WriteOptions{Force: true}, "", 0o400},
		{"absolute symlink", func(t *testing.T, home string) string {
			target := writeFile(t, filepath.Join(home, "dotfiles", "aws", "config"), before, 0o640)
			writeLink(t, target, filepath.Join(home, ".aws", "config"))
			return target
		}, WriteOptions{}, "", 0o640},
		{"relative symlink", func(t *testing.T, home string) string {
			target := writeFile(t, filepath.Join(home, "dotfiles", "aws", "config"), before, 0o600)
			writeLink(t, "../dotfiles/aws/config", filepath.Join(home, ".aws", "config"))
			return target
		}, WriteOptions{}, "", 0o600},
		{"two-level symlink", func(t *testing.T, home string) string {
			target := writeFile(t, filepath.Join(home, "dotfiles", "aws", "config"), before, 0o644)
			writeLink(t, "aws/config", filepath.Join(home, "dotfiles", "config-link"))
			writeLink(t, filepath.Join(home, "dotfiles", "config-link"), filepath.Join(home, ".aws", "config"))
			return target
		}, WriteOptions{}, "", 0o644},
		{"dangling symlink", func(t *testing.T, home string) string {
			// The dotfiles repository is not checked out yet.
			writeLink(t, "../dotfiles/aws/config", filepath.Join(home, ".aws", "config"))
			return filepath.Join(home, "dotfiles", "aws", "config")
		}, WriteOptions{}, "", 0o600},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			home := t.TempDir()
			path := filepath.Join(home, ".aws", "config")
			target := c.setup(t, home)
			old, _ := os.ReadFile(target)
			start := writeTree(t, home)

			res, err := Write(path, o, blockLayoutA(), WriteOptions{DryRun: true, Force: c.opt.Force})
			if err != nil || !res.Changed || !strings.Contains(res.Diff, "+[profile cpco-root-admin]") {
				t.Fatalf("dry run: %+v %v", res, err)
			}
			writeSameTree(t, "a dry run", start, writeTree(t, home))

			res, err = Write(path, o, blockLayoutA(), c.opt)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || fault.Of(err) != fault.BadInput || strings.Contains(err.Error(), "\n") {
					t.Fatalf("got %v (kind %v), want one bad-input line with %q", err, fault.Of(err), c.wantErr)
				}
				after := writeTree(t, home)
				delete(after, ".aws/config.lock")
				writeSameTree(t, "a refused write", start, after)
				return
			}
			if err != nil || res.Target != target || res.Path != path || res.Diff != "" {
				t.Fatalf("write: %+v %v; want target %s and no diff computed", res, err, target)
			}
			want, _ := Merge(old, o, blockLayoutA())
			got, _ := os.ReadFile(target)
			st, _ := os.Stat(target)
			if string(got) != string(want) || st.Mode() != c.wantMode {
				t.Errorf("%s: mode %v, bytes\n%s\nwant mode %v, bytes\n%s", target, st.Mode(), got, c.wantMode, want)
			}
			if link, lerr := os.Lstat(path); target != path && (lerr != nil || link.Mode()&os.ModeSymlink == 0) {
				t.Errorf("the symlink %s was replaced", path)
			}
			// Lock and backup beside the user's path; nothing else anywhere.
			wantBeside := map[string]bool{"config": true, "config.lock": true, "config.acct.bak": len(old) > 0}
			entries, _ := os.ReadDir(filepath.Dir(path))
			for _, e := range entries {
				if !wantBeside[e.Name()] {
					t.Errorf("unexpected %s beside the config", e.Name())
				}
				delete(wantBeside, e.Name())
			}
			if wantBeside["config.acct.bak"] || (len(old) > 0) != (res.Backup == path+".acct.bak") {
				t.Errorf("backup %q, want %s.acct.bak when there was a file", res.Backup, path)
			}
			if bak, _ := os.ReadFile(res.Backup); len(old) > 0 && string(bak) != string(old) {
				t.Errorf("backup holds %q, want %q", bak, old)
			}
			if target != path {
				entries, _ := os.ReadDir(filepath.Dir(target))
				for _, e := range entries {
					if e.Name() != filepath.Base(target) {
						t.Errorf("%s written into the dotfiles directory %s", e.Name(), filepath.Dir(target))
					}
				}
			}
		})
	}
}

func writeFile(t *testing.T, path, text string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeLink(t *testing.T, to, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(to, link); err != nil {
		t.Fatal(err)
	}
}

// In a directory acct may not write, the lock's permission error says so (not "another acct
// holds it"), the file is untouched, and a dry run still works.
func TestWriteReadOnlyDirectory(t *testing.T) {
	t.Parallel()
	if !testtool.Unprivileged(t) {
		return
	}
	home := t.TempDir()
	path := writeFile(t, filepath.Join(home, ".aws", "config"), "[default]\nregion = eu-west-1\n", 0o600)
	dir := filepath.Dir(path)
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	start := writeTree(t, home)
	o := Origin{Namespace: "cpco", LayoutFile: "a.yaml"}

	res, err := Write(path, o, blockLayoutA(), WriteOptions{DryRun: true})
	if err != nil || !strings.Contains(res.Diff, "+[profile cpco-root-admin]") {
		t.Fatalf("dry run in a read-only directory: %+v %v", res, err)
	}
	_, err = Write(path, o, blockLayoutA(), WriteOptions{})
	want := fmt.Sprintf("config %s: cannot take the lock %s.lock: permission denied; check the permissions of %s", path, path, dir)
	if err == nil || err.Error() != want {
		t.Errorf("write in a read-only directory:\n got %v\nwant %s", err, want)
	}
	writeSameTree(t, "writes in a read-only directory", start, writeTree(t, home))
}

// A full disk is reported as a full disk; the config is untouched and nothing is left behind.
func TestWriteFullDisk(t *testing.T) {
	t.Parallel()
	disk := testtool.SmallDisk(t, 256<<10)
	path := filepath.Join(disk, ".aws", "config")
	o := Origin{Namespace: "cpco", LayoutFile: "a.yaml"}
	if _, err := Write(path, o, blockLayoutA(), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	testtool.Fill(t, disk)
	start := writeTree(t, disk)
	_, err := Write(path, o, blockLayoutB(), WriteOptions{})
	if err == nil || !strings.Contains(err.Error(), "is full (no space left on device); free some space and run again") || strings.Contains(err.Error(), "permission") {
		t.Errorf("write on a full disk: %v", err)
	}
	writeSameTree(t, "a write on a full disk", start, writeTree(t, disk))
}

// Temporary files of killed runs (beside the target and beside the backup) go with the next
// successful run, even one that changes nothing; the user's look-alike files stay.
func TestWriteRemovesDebris(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	target := filepath.Join(home, "dotfiles", "config")
	path := filepath.Join(home, ".aws", "config")
	writeLink(t, target, path)
	o := Origin{Namespace: "cpco", LayoutFile: "a.yaml"}
	if _, err := Write(path, o, blockLayoutA(), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	debris := []string{filepath.Join(home, "dotfiles", ".config8412345"), filepath.Join(home, ".aws", ".config.acct.bak77")}
	kept := []string{filepath.Join(home, "dotfiles", ".config-notes"), filepath.Join(home, ".aws", ".config.acct.bak7x"), filepath.Join(home, ".aws", ".config12")}
	for _, p := range append(debris, kept...) {
		writeFile(t, p, "x", 0o600)
	}
	res, err := Write(path, o, blockLayoutA(), WriteOptions{})
	if err != nil || res.Changed {
		t.Fatalf("%+v %v", res, err)
	}
	for _, p := range debris {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("debris %s is still there", p)
		}
	}
	for _, p := range kept {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("%s, not acct's, was removed", p)
		}
	}
}
