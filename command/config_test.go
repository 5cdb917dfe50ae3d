package command_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acct-cli/acct/profiles"
)

// Broken configs: generate refuses with one line and exit status 2, and the user's file is
// byte for byte what it was (never "repaired").
func TestGenerateBrokenConfigs(t *testing.T) {
	t.Parallel()
	begin := "# >>> acct: cpco (generated from x.yaml by `acct generate`; edit the layout, not this block)\n"
	end := "# <<< acct: cpco\n"
	cases := map[string]string{
		"not ini":                    "this is not ini\n",
		"key before any section":     "region = us-east-1\n[profile a]\nregion = us-east-1\n",
		"unclosed header":            "[profile a\nregion = us-east-1\n",
		"text after header":          "[profile a] oops\nregion = us-east-1\n",
		"duplicate sections":         "[profile a]\nregion = us-east-1\n[profile a]\nregion = eu-west-1\n",
		"default twice":              "[default]\nregion = us-east-1\n[default]\nregion = eu-west-1\n",
		"half-deleted begin":         begin + "[profile cpco-root-admin]\nregion=us-west-2\n",
		"half-deleted end":           "[profile a]\nregion = us-east-1\n" + end,
		"second block":               begin + end + begin + end,
		"nested begin":               begin + "# >>> acct: other (x)\n" + end,
		"conflict with hand-written": "[profile cpco-prod-admin]\nregion = eu-west-1\n",
		"conflict after block":       begin + end + "[profile cpco-dev-admin]\nregion = eu-west-1\n",
		"carriage return in line":    "[profile a]\nregion = us-east-1\rextra\n",
		"crlf conflict":              "[profile cpco-testing-admin]\r\nregion = eu-west-1\r\n",
		"other layout half-deleted":  "# >>> acct: other (x)\n[profile a]\nregion=x\n",
	}
	layout := example("virtual-root.yaml")
	l, ps := rendered(t, layout, "alice")
	for name, text := range cases {
		name, text := name, text
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			os.MkdirAll(filepath.Dir(w.config), 0o700)
			os.WriteFile(w.config, []byte(text), 0o600)
			_, want := profiles.Write(w.config, profiles.Origin{Namespace: l.Namespace, LayoutFile: l.File}, ps, profiles.WriteOptions{DryRun: true})
			if want == nil {
				t.Fatalf("the config is accepted; the case is not broken")
			}
			r := w.run("", "generate", "--layout", layout, "--user", "alice")
			if r.code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", r.code, r.stderr)
			}
			if r.stderr != "acct: "+want.Error()+"\n" || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr %q, want the one line %q", r.stderr, "acct: "+want.Error())
			}
			if after, _ := os.ReadFile(w.config); string(after) != text {
				t.Errorf("config changed:\n%q", after)
			}
			if _, err := os.Stat(w.config + ".acct.bak"); !os.IsNotExist(err) {
				t.Errorf("a refused run left a backup")
			}
		})
	}
}

// doctor reports each problem on one line with its fix, exit status 1; a clean config exits 0.
func TestDoctor(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	layout := example("virtual-root.yaml")
	w.must("generate", "--layout", layout, "--user", "alice")
	r := w.must("doctor", "--layout", layout)
	if !strings.Contains(r.stdout, "no problems") {
		t.Errorf("clean config: %q", r.stdout)
	}
	data, _ := os.ReadFile(w.config)
	broken := string(data) + "\n[profile loop-a]\nrole_arn=arn:aws:iam::111111111111:role/x\nsource_profile=loop-b\n" +
		"[profile loop-b]\nrole_arn=arn:aws:iam::111111111111:role/y\nsource_profile=loop-a\n" +
		"[profile dup]\nregion=x\n[profile dup]\nregion=y\n"
	os.WriteFile(w.config, []byte(broken), 0o600)
	r = w.run("", "doctor", "--layout", layout)
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	for _, want := range []string{"loop-a", "dup", "fix:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, r.stdout)
		}
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if want := "checking " + w.config + " with layout " + layout; lines[0] != want {
		t.Errorf("first line %q, want %q", lines[0], want)
	}
	for _, line := range lines[1:] {
		if !strings.HasPrefix(line, "error: ") && !strings.HasPrefix(line, "warning: ") {
			t.Errorf("finding is not one line with its severity: %q", line)
		}
	}
	if after, _ := os.ReadFile(w.config); string(after) != broken {
		t.Errorf("doctor changed the config")
	}
}

// init with flags writes a layout that generates; a second init refuses to overwrite it.
func TestInitFlags(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	out := filepath.Join(w.home, "acct.yaml")
	w.must("init", "--namespace", "cpco", "--mode", "virtual-root", "--account", "323330167063",
		"--region", "us-west-2", "--mfa-serial", "arn:aws:iam::323330167063:mfa/{user}",
		"--stage", "prod", "--stage", "staging", "--stage", "testing", "--output", out, "--generate", "--user", "alice")
	data, _ := os.ReadFile(w.config)
	want := "[profile cpco-testing-admin]\nregion=us-west-2\nrole_arn=arn:aws:iam::323330167063:role/cpco-root-admin\nmfa_serial=arn:aws:iam::323330167063:mfa/alice\nsource_profile=cpco\n"
	if !strings.Contains(string(data), want) {
		t.Errorf("init --generate did not write the seed 002 profile:\n%s", data)
	}
	r := w.run("", "init", "--namespace", "cpco", "--mode", "virtual-root", "--account", "323330167063", "--output", out)
	if r.code != 2 || !strings.Contains(r.stderr, "--force") {
		t.Errorf("second init: exit %d %q, want 2 and a hint about --force", r.code, r.stderr)
	}
	r = w.run("", "init", "--namespace", "cpco", "--mode", "organization", "--account", "32333", "--output", filepath.Join(w.home, "b.yaml"))
	if r.code != 2 || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("bad account: exit %d %q, want 2 and one line", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(w.home, "b.yaml")); !os.IsNotExist(err) {
		t.Errorf("a refused init wrote its layout")
	}
	r = w.run("", "init")
	if r.code != 2 {
		t.Errorf("init without a terminal or flags: exit %d, want 2", r.code)
	}
}

// list groups by layout, OU and stage and has a JSON form for scripts.
func TestList(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	os.MkdirAll(filepath.Dir(w.config), 0o700)
	os.WriteFile(w.config, []byte("[profile personal]\nregion = eu-west-1\n"), 0o600)
	w.must("generate", "--layout", example("management-ous.yaml"), "--user", "alice")
	r := w.must("list", "--no-keyring")
	if !strings.HasPrefix(r.stdout, "LAYOUT") || !strings.Contains(r.stdout, "personal") {
		t.Errorf("list:\n%s", r.stdout)
	}
	r = w.must("list", "--json", "--no-keyring")
	if !strings.Contains(r.stdout, `"ou":`) || !strings.Contains(r.stdout, `"stage":`) {
		t.Errorf("list --json lacks ou/stage:\n%s", r.stdout)
	}
	if r.stderr != "" {
		t.Errorf("list --no-keyring said: %s", r.stderr)
	}
	// A keyring that does not open leaves the columns unknown ("-"), and list says why instead of
	// letting "-" pass for "no keys".
	w.vars["ACCT_KEYRING_BACKEND"] = "nope"
	r = w.must("list")
	want := "acct: warning: keys and sessions not shown: unknown keyring backend \"nope\""
	if !strings.HasPrefix(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stdout, "personal") {
		t.Errorf("list with a keyring that does not open:\nstdout %s\nstderr %q, want one line starting %q", r.stdout, r.stderr, want)
	}
}
