package command_test

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acct-cli/acct/internal/testtool"
	"github.com/acct-cli/acct/profiles"
)

// copyLayout copies an example layout to dir/acct.yaml and returns that path.
func copyLayout(t *testing.T, example, dir string) string {
	t.Helper()
	data, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "acct.yaml")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// rendered is the layout file at path and the profiles it generates for user: what acct generate
// must have written.
func rendered(t *testing.T, path, user string) (*profiles.Layout, []profiles.Profile) {
	t.Helper()
	l, err := profiles.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := profiles.Render(l, profiles.RenderOptions{User: user})
	if err != nil {
		t.Fatal(err)
	}
	return l, ps
}

// renderedNames are the profile names a layout file generates for user.
func renderedNames(t *testing.T, path, user string) []string {
	t.Helper()
	_, ps := rendered(t, path, user)
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// fileState is a file's bytes and mode, for "unchanged" checks.
func fileState(t *testing.T, path string) string {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	return st.Mode().String() + "\n" + string(data)
}

// A block generated from one layout file is not silently replaced by another layout with the
// same namespace: exit 2, one line naming both files and the count, the config untouched; with
// --replace it goes through and the diff names every profile that goes. The same file, removals
// included, regenerates as before.
func TestGenerateTwoLayoutsOneNamespace(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := copyLayout(t, example("organization.yaml"), filepath.Join(w.home, "team-a"))
	b := copyLayout(t, example("virtual-root.yaml"), filepath.Join(w.home, "team-b"))
	r := w.must("generate", "--layout", a, "--user", "alice")
	if strings.Contains(r.stdout, "backup") || r.stdout != w.config+": wrote "+strconv.Itoa(len(renderedNames(t, a, "alice")))+" profiles of cpco\n" {
		t.Errorf("first generate printed %q: want one line, no backup named", r.stdout)
	}
	before := fileState(t, w.config)

	inB := map[string]bool{}
	for _, n := range renderedNames(t, b, "alice") {
		inB[n] = true
	}
	var gone []string
	for _, n := range renderedNames(t, a, "alice") {
		if !inB[n] {
			gone = append(gone, n)
		}
	}
	if len(gone) == 0 {
		t.Fatal("the two example layouts generate the same names: no test")
	}
	r = w.run("", "generate", "--layout", b, "--user", "alice")
	want := "acct: config " + w.config + ": the cpco block was generated from " + a + ", not " + b + "; generating it from " + b +
		" would remove " + strconv.Itoa(len(gone)) + " of its " + strconv.Itoa(len(renderedNames(t, a, "alice"))) + " profiles; pass --replace to replace it, or give this layout another namespace\n"
	if r.code != 2 || r.stderr != want || r.stdout != "" {
		t.Errorf("second layout: exit %d, stdout %q, stderr\n%q\nwant exit 2 and\n%q", r.code, r.stdout, r.stderr, want)
	}
	if after := fileState(t, w.config); after != before {
		t.Errorf("the refused generate changed the config")
	}
	if r := w.run("", "doctor", "--layout", b); r.code != 1 || !strings.Contains(r.stdout, "the acct block for cpco was generated from "+a+", not from layout "+b+"; fix: ") {
		t.Errorf("doctor with the other layout: exit %d\n%s", r.code, r.stdout)
	}

	r = w.must("generate", "--layout", b, "--user", "alice", "--replace")
	for _, n := range gone {
		if !strings.Contains(r.stdout, "\n-[profile "+n+"]\n") {
			t.Errorf("the --replace diff does not name the removed profile %s:\n%s", n, r.stdout)
		}
	}
	if !strings.HasSuffix(r.stdout, ": wrote "+strconv.Itoa(len(inB))+" profiles of cpco (the previous file is in "+w.config+".acct.bak)\n"+
		w.config+": the layout no longer generates, so acct removed from the cpco block: "+strings.Join(gone, ", ")+"\n") {
		t.Errorf("--replace output ends %q", r.stdout)
	}

	// The same file with a stage removed: no question, no diff printed.
	data, _ := os.ReadFile(b)
	text, n := cutStage(string(data), "dev")
	if n == 0 {
		t.Fatalf("no dev stage in %s", b)
	}
	if err := os.WriteFile(b, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	r = w.must("generate", "--layout", b, "--user", "alice")
	if strings.Contains(r.stdout, "@@") || !strings.Contains(r.stdout, ": wrote ") {
		t.Errorf("regenerating from the same file printed %q", r.stdout)
	}
	if cfg, _ := os.ReadFile(w.config); strings.Contains(string(cfg), "[profile cpco-dev-admin]") {
		t.Errorf("the removed stage's profile is still there")
	}
}

// cutStage removes the stage named name (its list item) from a layout's text.
func cutStage(text, name string) (string, int) {
	lines := strings.SplitAfter(text, "\n")
	var out []string
	cut := 0
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(strings.SplitN(lines[i], "#", 2)[0]) == "- name: "+name {
			cut++
			for i+1 < len(lines) && strings.HasPrefix(lines[i+1], "    ") {
				i++
			}
			continue
		}
		out = append(out, lines[i])
	}
	return strings.Join(out, ""), cut
}

// --user is remembered in the block: later generates and doctor need no --user; another user
// replaces it, with the diff shown.
func TestGenerateRemembersUser(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	layout := copyLayout(t, example("organization.yaml"), filepath.Join(w.home, "team"))
	w.must("generate", "--layout", layout, "--user", "alice")
	cfg, _ := os.ReadFile(w.config)
	if !strings.Contains(string(cfg), "by `acct generate --user alice`") {
		t.Fatalf("the block does not record the user:\n%s", cfg)
	}
	if r := w.must("generate", "--layout", layout); r.stdout != w.config+": no change ("+strconv.Itoa(len(renderedNames(t, layout, "alice")))+" profiles of cpco)\n" {
		t.Errorf("generate without --user: %q, want no change", r.stdout)
	}
	if r := w.run("", "doctor", "--layout", layout); r.code != 0 || !strings.HasSuffix(r.stdout, "no problems found\n") {
		t.Errorf("doctor without --user: exit %d\n%s", r.code, r.stdout)
	}

	r := w.must("generate", "--layout", layout, "--user", "bob")
	if !strings.Contains(r.stdout, "\n-mfa_serial=arn:aws:iam::323330167063:mfa/alice\n") || !strings.Contains(r.stdout, "\n+mfa_serial=arn:aws:iam::323330167063:mfa/bob\n") ||
		!strings.Contains(r.stdout, ": wrote ") {
		t.Errorf("another --user: want the diff and the summary, got\n%s", r.stdout)
	}
	if r := w.must("generate", "--layout", layout); !strings.Contains(r.stdout, ": no change (") {
		t.Errorf("generate after --user bob: %q, want no change", r.stdout)
	}
	if r := w.must("generate", "--layout", layout, "--dry-run"); !strings.Contains(r.stdout, ": no change (") {
		t.Errorf("dry run after --user bob: %q, want no change", r.stdout)
	}
}

// --style is remembered like --user: a run without --style keeps credential-process profiles
// credential-process, also when the layout changed; doctor agrees; --style native switches back.
func TestGenerateRemembersStyle(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	layout := copyLayout(t, example("organization.yaml"), filepath.Join(w.home, "team"))
	if r := w.runBinary("", "generate", "--layout", layout, "--user", "alice", "--style", "credential-process"); r.code != 0 {
		t.Fatalf("generate --style credential-process: exit %d: %s", r.code, r.stderr)
	}
	style := func() (through, native int) {
		t.Helper()
		cfg, err := os.ReadFile(w.config)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Count(string(cfg), "\ncredential_process="), strings.Count(string(cfg), "\nrole_arn=")
	}
	n, _ := style()
	if cfg, _ := os.ReadFile(w.config); !strings.Contains(string(cfg), "by `acct generate --user alice --style credential-process`") {
		t.Errorf("the block does not record the style:\n%s", cfg)
	}
	f, err := os.OpenFile(layout, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("  - name: qa\n    account: \"555555555555\"\n")
	f.Close()
	if r := w.runBinary("", "generate", "--layout", layout); r.code != 0 {
		t.Fatalf("generate without flags: exit %d: %s", r.code, r.stderr)
	}
	if through, native := style(); through != n+1 || native != 0 {
		t.Errorf("generate without --style after a layout change: %d credential_process and %d role_arn lines, want %d and 0", through, native, n+1)
	}
	if r := w.runBinary("", "doctor", "--layout", layout); r.code != 0 || !strings.HasSuffix(r.stdout, "no problems found\n") {
		t.Errorf("doctor: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	w.must("generate", "--layout", layout, "--style", "native")
	if through, native := style(); through != 0 || native != n+1 {
		t.Errorf("--style native: %d credential_process and %d role_arn lines, want 0 and %d", through, native, n+1)
	}
	if cfg, _ := os.ReadFile(w.config); strings.Contains(string(cfg), "--style") {
		t.Errorf("a native block records a style")
	}
}

// A profile written inside the block, or a stage taken out of the layout, goes at the next
// generate: acct names what it removes (the diff shows it only with --dry-run).
func TestGenerateNamesWhatItRemoves(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	layout := copyLayout(t, example("organization.yaml"), filepath.Join(w.home, "team"))
	w.must("generate", "--layout", layout, "--user", "alice")
	cfg, _ := os.ReadFile(w.config)
	end := "# <<< acct: cpco"
	os.WriteFile(w.config, []byte(strings.Replace(string(cfg), end, "[profile my-own]\nregion=eu-west-1\n"+end, 1)), 0o600)
	r := w.must("generate", "--layout", layout, "--dry-run")
	if !strings.Contains(r.stdout, ": the layout no longer generates, so acct removes from the cpco block: my-own\n") {
		t.Errorf("dry run:\n%s", r.stdout)
	}
	r = w.must("generate", "--layout", layout)
	if !strings.Contains(r.stdout, ": the layout no longer generates, so acct removed from the cpco block: my-own\n") {
		t.Errorf("generate:\n%s", r.stdout)
	}
	if r := w.must("generate", "--layout", layout); strings.Contains(r.stdout, "removed") {
		t.Errorf("a run with nothing to remove names something:\n%s", r.stdout)
	}
}

// runAs runs the program at path under the name arg0 (as a shell would), with the world's
// environment and PATH set to path.
func (w *world) runAs(prog, arg0, pathVar string, args ...string) result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Args[0] = arg0
	for _, kv := range w.env() {
		if !strings.HasPrefix(kv, "PATH=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PATH="+pathVar)
	cmd.Dir = w.home
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatalf("%s: %v", prog, err)
	}
	return r
}

// credential_process names acct as the user reaches it: through the symlink of a versioned
// install (never the version directory an upgrade removes), `acct` when it is first on PATH;
// doctor reports a program that is gone or cannot run.
func TestGenerateCredentialProcessProgram(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	layout := copyLayout(t, example("organization.yaml"), filepath.Join(w.home, "team"))
	inst := filepath.Join(w.home, "opt")
	real := filepath.Join(inst, "versions", "1.0", "acct")
	link := filepath.Join(inst, "bin", "acct")
	if err := os.MkdirAll(filepath.Dir(real), 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, acctBin, real, 0o755)
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../versions/1.0/acct", link); err != nil {
		t.Fatal(err)
	}
	sysPath := "/usr/bin:/bin"
	gen := []string{"generate", "--layout", layout, "--user", "alice", "--style", "credential-process"}

	// Run by its path: the config names the symlink.
	if r := w.runAs(link, link, sysPath, gen...); r.code != 0 {
		t.Fatalf("generate through %s: exit %d: %s", link, r.code, r.stderr)
	}
	cfg, _ := os.ReadFile(w.config)
	if !strings.Contains(string(cfg), "\ncredential_process="+link+" credential-process cpco-prod-admin\n") || strings.Contains(string(cfg), "versions") {
		t.Fatalf("credential_process does not name %s:\n%s", link, cfg)
	}
	// Run as `acct` found first on PATH: the config says acct.
	if r := w.runAs(link, "acct", filepath.Dir(link)+":"+sysPath, gen...); r.code != 0 {
		t.Fatalf("generate as acct on PATH: exit %d: %s", r.code, r.stderr)
	}
	cfg, _ = os.ReadFile(w.config)
	if !strings.Contains(string(cfg), "\ncredential_process=acct credential-process cpco-prod-admin\n") {
		t.Fatalf("credential_process does not call acct from PATH:\n%s", cfg)
	}
	// acct not on doctor's PATH any more.
	if r := w.runAs(acctBin, "acct", sysPath, "doctor", "--layout", layout); r.code != 1 ||
		!strings.Contains(r.stdout, "profile cpco-root-admin: credential_process program acct (and ") || !strings.Contains(r.stdout, "not found on PATH") {
		t.Errorf("doctor with acct off PATH: exit %d\n%s", r.code, r.stdout)
	}

	// Back to the symlink; then the upgrade removes version 1.0.
	w.runAs(link, link, sysPath, gen...)
	if r := w.runAs(acctBin, "acct", sysPath, "doctor", "--layout", layout); r.code != 0 {
		t.Fatalf("doctor with the program in place: exit %d\n%s", r.code, r.stdout)
	}
	if err := os.Remove(real); err != nil {
		t.Fatal(err)
	}
	r := w.runAs(acctBin, "acct", sysPath, "doctor", "--layout", layout)
	wantFirst := "checking " + w.config + " with layout " + layout + "\n"
	if r.code != 1 || !strings.HasPrefix(r.stdout, wantFirst) || !strings.Contains(r.stdout, "credential_process program "+link+" (and ") ||
		!strings.Contains(r.stdout, ": does not exist; fix: run acct generate --style credential-process with the acct you use now\n") {
		t.Errorf("doctor after the binary went: exit %d\n%s\nwant exit 1, first line %q and the program named", r.code, r.stdout, wantFirst)
	}
	// Not executable.
	copyFile(t, acctBin, real, 0o644)
	if r := w.runAs(acctBin, "acct", sysPath, "doctor", "--layout", layout); r.code != 1 || !strings.Contains(r.stdout, "is not executable") {
		t.Errorf("doctor with a program that is not executable: exit %d\n%s", r.code, r.stdout)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	// A hard link when the mode is the same: a copy's write descriptor, inherited for a moment by
	// a child another test forks, makes running the copy fail with "text file busy". Whatever was
	// at to goes first, so that writing a copy never truncates a link to from.
	os.Remove(to)
	if st, err := os.Stat(from); err == nil && st.Mode().Perm() == mode && os.Link(from, to) == nil {
		return
	}
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	os.Chmod(to, mode)
}

// bigLayout writes an organization layout of n stages whose accounts start with digit.
func bigLayout(t *testing.T, dir string, n int, digit string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("namespace: cpco\nmode: organization\nregion: us-west-2\nroot:\n  account: \"323330167063\"\nstages:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - name: s%d\n    account: \"%s%011d\"\n", i, digit, i)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "acct.yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// kill -9 at random moments of 200 generates never leaves a config the AWS CLI cannot read, and
// the next successful generate leaves nothing but the config, its lock and its backup.
func TestGenerateKilledLeavesNoDebris(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	layouts := []string{bigLayout(t, filepath.Join(w.home, "a"), 100, "1"), bigLayout(t, filepath.Join(w.home, "b"), 100, "2")}
	gen := func(i int) *exec.Cmd {
		cmd := exec.Command(acctBin, "generate", "--layout", layouts[i%2], "--replace")
		cmd.Env = w.env()
		return cmd
	}
	// The two configs whole runs leave: b's, then a's over it. Every run below writes one of them
	// (or leaves the one there); a kill may leave either, never anything between.
	complete := map[string]bool{}
	full := time.Hour
	for _, i := range []int{1, 0} {
		start := time.Now()
		if out, err := gen(i).CombinedOutput(); err != nil {
			t.Fatalf("generate: %v\n%s", err, out)
		}
		full = min(full, time.Since(start))
		data, err := os.ReadFile(w.config)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := profiles.Read(w.config); err != nil {
			t.Fatalf("generate wrote a config that does not read: %v", err)
		}
		complete[string(data)] = true
	}
	if len(complete) != 2 {
		t.Fatal("the two layouts gave the same config: the test proves nothing")
	}
	r := rand.New(rand.NewSource(1))
	killed, debrisSeen := 0, 0
	deadline := time.Now().Add(time.Minute) // bounded on a slow machine
	for i := 1; i <= 200 && time.Now().Before(deadline); i++ {
		cmd := gen(i)
		start := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// The file is written at the end of a run: most kills land in its last part. How long a
		// run takes follows the machine's load: every tenth run is left to end, and sets it.
		if i%10 == 0 {
			if err := cmd.Wait(); err != nil {
				t.Fatalf("generate: %v", err)
			}
			full = time.Since(start)
		} else {
			time.Sleep(full/2 + time.Duration(r.Int63n(int64(full)/2+1)))
			cmd.Process.Kill()
			if err := cmd.Wait(); err != nil {
				killed++
			}
		}
		if data, err := os.ReadFile(w.config); err != nil || !complete[string(data)] {
			t.Fatalf("after kill %d the config is not one a whole run writes (%v)", i, err)
		}
		entries, _ := os.ReadDir(filepath.Dir(w.config))
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				debrisSeen++
			}
		}
	}
	t.Logf("%d of the runs killed before they ended; %d temporary files seen between runs", killed, debrisSeen)
	if killed == 0 {
		t.Fatal("no run was killed while running: the test proves nothing")
	}
	w.must("generate", "--layout", layouts[0], "--replace")
	noDebris(t, w.config)
}

// noDebris fails t when the config's directory holds anything but the config, its lock and its
// backup.
func noDebris(t *testing.T, config string) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Dir(config))
	for _, e := range entries {
		switch e.Name() {
		case "config", "config.lock", "config.acct.bak":
		default:
			t.Errorf("debris left beside the config: %s", e.Name())
		}
	}
}

// Bad input and failures of generate's writing: each its one line, its status, and the config's
// bytes and mode unchanged.
func TestGenerateWriteFailures(t *testing.T) {
	t.Parallel()
	layout := example("virtual-root.yaml")
	cases := []struct {
		name  string
		setup func(t *testing.T, w *world) // makes w.config (and may move it)
		args  []string
		code  int
		line  func(w *world) string
	}{
		{"read-only config", func(t *testing.T, w *world) {
			os.MkdirAll(filepath.Dir(w.config), 0o700)
			os.WriteFile(w.config, []byte("[default]\nregion = eu-west-1\n"), 0o400)
		}, nil, 2, func(w *world) string {
			return "acct: config " + w.config + " is read-only (mode 0400); make it writable (chmod u+w " + w.config + ") or pass --force to replace it with its mode kept"
		}},
		{"symlink loop", func(t *testing.T, w *world) {
			os.MkdirAll(filepath.Dir(w.config), 0o700)
			os.Symlink("config", w.config)
		}, nil, 2, func(w *world) string {
			return "acct: config " + w.config + ": too many symbolic links (a loop?); point it at a file"
		}},
		{"full disk", func(t *testing.T, w *world) {
			disk := testtool.SmallDisk(t, 256<<10)
			w.config = filepath.Join(disk, "config")
			w.vars["AWS_CONFIG_FILE"] = w.config
			os.WriteFile(w.config, []byte("[default]\nregion = eu-west-1\n"), 0o600)
			testtool.Fill(t, disk)
		}, nil, 1, func(w *world) string {
			dir := filepath.Dir(w.config)
			return "acct: config " + w.config + ": cannot write the backup " + w.config + ".acct.bak (the config is untouched): the disk holding " + dir + " is full (no space left on device); free some space and run again"
		}},
		{"go-build program", func(t *testing.T, w *world) {
			os.MkdirAll(filepath.Dir(w.config), 0o700)
			os.WriteFile(w.config, []byte("[default]\nregion = eu-west-1\n"), 0o600)
		}, []string{"--style", "credential-process"}, 2, func(w *world) string {
			return "acct: this acct runs from a temporary go build directory (" + filepath.Dir(w.vars["ACCT_TEST_GOBUILD"]) + "), which other programs cannot run later; install acct first (go install, or a release) and run that"
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			c.setup(t, w)
			st, _ := os.Lstat(w.config)
			before, _ := os.ReadFile(w.config)
			prog := acctBin
			if c.name == "go-build program" {
				// As `go run` leaves it: a temporary go-build directory.
				prog = filepath.Join(w.home, "tmp", "go-build123", "b001", "exe", "acct")
				os.MkdirAll(filepath.Dir(prog), 0o700)
				copyFile(t, acctBin, prog, 0o755)
				w.vars["ACCT_TEST_GOBUILD"] = prog
			}
			r := w.runAs(prog, prog, "/usr/bin:/bin", append([]string{"generate", "--layout", layout, "--user", "alice"}, c.args...)...)
			if want := c.line(w); r.code != c.code || r.stderr != want+"\n" {
				t.Errorf("exit %d, stderr\n%q\nwant exit %d and\n%q", r.code, r.stderr, c.code, want)
			}
			after, _ := os.Lstat(w.config)
			now, _ := os.ReadFile(w.config)
			if string(now) != string(before) || after.Mode() != st.Mode() {
				t.Errorf("the config changed: mode %v -> %v, %q -> %q", st.Mode(), after.Mode(), before, now)
			}
		})
	}
}
