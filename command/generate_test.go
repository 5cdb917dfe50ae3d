package command_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/acct-cli/acct/internal/testtool"
	"github.com/acct-cli/acct/profiles"
)

// Every example layout generates a config the Debian AWS CLI reads back as acct meant it.
func TestGenerateExamplesReadByAWSCLI(t *testing.T) {
	t.Parallel()
	testtool.AWSCLI(t)
	files, err := filepath.Glob(filepath.Join("..", "docs", "examples", "*.yaml"))
	if err != nil || len(files) < 5 {
		t.Fatalf("want the five example layouts, got %v (%v)", files, err)
	}
	for _, f := range files {
		f := f
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			// A hand-written profile must survive and stay visible to the CLI.
			hand := "# mine\n[profile personal]\nregion = eu-west-1  ; my own\n"
			os.MkdirAll(filepath.Dir(w.config), 0o700)
			os.WriteFile(w.config, []byte(hand), 0o600)

			abs, _ := filepath.Abs(f)
			w.must("generate", "--layout", abs, "--user", "alice")
			_, want := rendered(t, abs, "alice")
			// Every key of the first, middle and last profiles is read back, and list-profiles covers
			// every name; the commands share one AWS CLI start (see testtool.AWSCLIRuns).
			cmds := [][]string{{"configure", "list-profiles"}}
			type check struct{ profile, key, want string }
			var checks []check
			for _, i := range []int{0, len(want) / 2, len(want) - 1} {
				for _, k := range want[i].Keys {
					checks = append(checks, check{want[i].Name, k.Name, k.Value})
					cmds = append(cmds, []string{"configure", "get", k.Name, "--profile", want[i].Name})
				}
			}
			res := testtool.AWSCLIRuns(t, w.env(), w.home, cmds...)
			if res[0].Code != 0 {
				t.Fatalf("aws configure list-profiles: exit %d\n%s", res[0].Code, res[0].Out)
			}
			got := strings.Fields(res[0].Out)
			names := []string{"personal"}
			for _, p := range want {
				names = append(names, p.Name)
			}
			sort.Strings(got)
			sort.Strings(names)
			if strings.Join(got, " ") != strings.Join(names, " ") {
				t.Fatalf("aws configure list-profiles:\n got %v\nwant %v", got, names)
			}
			for i, c := range checks {
				if r := res[i+1]; r.Code != 0 || strings.TrimSpace(r.Out) != c.want {
					t.Errorf("aws configure get %s --profile %s = %q (exit %d), want %q", c.key, c.profile, strings.TrimSpace(r.Out), r.Code, c.want)
				}
			}
			data, _ := os.ReadFile(w.config)
			if !bytes.HasPrefix(data, []byte(hand)) {
				t.Errorf("the hand-written part changed:\n%s", data)
			}
		})
	}
}

// A second generate reports no change and leaves bytes and mtime alone; --dry-run writes nothing.
func TestGenerateIdempotentAndDryRun(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	layout := example("organization.yaml")
	r := w.must("generate", "--layout", layout, "--dry-run", "--user", "alice")
	if !strings.Contains(r.stdout, "+[profile cpco-testing-admin]") {
		t.Fatalf("dry run shows no diff:\n%s", r.stdout)
	}
	if _, err := os.Stat(w.config); !os.IsNotExist(err) {
		t.Fatalf("--dry-run wrote %s", w.config)
	}
	w.must("generate", "--layout", layout, "--user", "alice")
	st1, _ := os.Stat(w.config)
	data1, _ := os.ReadFile(w.config)
	if st1.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v, want 0600", st1.Mode().Perm())
	}
	r = w.must("generate", "--layout", layout, "--user", "alice")
	if !strings.Contains(r.stdout, "no change") {
		t.Errorf("second run: %q, want it to say no change", r.stdout)
	}
	st2, _ := os.Stat(w.config)
	data2, _ := os.ReadFile(w.config)
	if !bytes.Equal(data1, data2) || !st1.ModTime().Equal(st2.ModTime()) {
		t.Errorf("second run touched the file")
	}
	if !strings.Contains(string(data1), "[profile cpco-testing-admin]\nregion=us-west-2\nrole_arn=arn:aws:iam::126450723953:role/OrganizationAccountAccessRole\nmfa_serial=arn:aws:iam::323330167063:mfa/alice\nsource_profile=cpco\n") {
		t.Errorf("seed 002 organization profile not written byte for byte:\n%s", data1)
	}
}

// Broken layouts: exit status 2, exactly one line naming the problem, the config untouched.
func TestGenerateBrokenLayouts(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"unknown key":       "namespace: cpco\nmode: organization\nregoin: us-east-1\nroot: {account: \"323330167063\"}\nstages: [{name: prod, account: \"111111111111\"}]\n",
		"short account":     "namespace: cpco\nmode: organization\nroot: {account: \"32333016706\"}\nstages: [{name: prod, account: \"111111111111\"}]\n",
		"duplicate stage":   "namespace: cpco\nmode: organization\nroot: {account: \"323330167063\"}\nstages:\n  - {name: prod, account: \"111111111111\"}\n  - {name: prod, account: \"222222222222\"}\n",
		"no namespace":      "mode: organization\nroot: {account: \"323330167063\"}\nstages: [{name: prod, account: \"111111111111\"}]\n",
		"bad mode":          "namespace: cpco\nmode: galaxy\nroot: {account: \"323330167063\"}\nstages: [{name: prod, account: \"111111111111\"}]\n",
		"user without user": "namespace: cpco\nmode: organization\nmfa_serial: arn:aws:iam::323330167063:mfa/{user}\nroot: {account: \"323330167063\"}\nstages: [{name: prod, account: \"111111111111\"}]\n",
		"colliding names":   "namespace: cpco\nmode: organization\nprofile_pattern: \"{namespace}-{role}\"\nroot: {account: \"323330167063\"}\nstages: [{name: prod, account: \"111111111111\"}]\n",
		"not yaml":          "namespace: [cpco\n",
		"bad protected":     "namespace: cpco\nmode: organization\nroot: {account: \"323330167063\"}\nstages: [{name: prod, account: \"111111111111\", protected: maybe}]\n",
		"bad duration":      "namespace: cpco\nmode: organization\nroot: {account: \"323330167063\"}\nstages: [{name: prod, account: \"111111111111\", duration: 13h}]\n",
	}
	for name, text := range cases {
		name, text := name, text
		t.Run(name, func(t *testing.T) {
			w := newWorld(t)
			before := "[profile mine]\r\nregion = eu-west-1\r\n"
			os.MkdirAll(filepath.Dir(w.config), 0o700)
			os.WriteFile(w.config, []byte(before), 0o600)
			path := filepath.Join(w.home, "acct.yaml")
			os.WriteFile(path, []byte(text), 0o644)

			r := w.run("", "generate", "--layout", path)
			_, loadErr := profiles.Load(path)
			var want error = loadErr
			if loadErr == nil {
				l, _ := profiles.Load(path)
				_, want = profiles.Render(l, profiles.RenderOptions{})
			}
			if want == nil {
				t.Fatalf("layout loads and renders; the case is not broken")
			}
			if r.code != 2 {
				t.Errorf("exit %d, want 2", r.code)
			}
			if r.stderr != "acct: "+want.Error()+"\n" {
				t.Errorf("stderr %q, want the one line %q", r.stderr, "acct: "+want.Error())
			}
			if !strings.Contains(r.stderr, path) {
				t.Errorf("message does not name the file: %q", r.stderr)
			}
			after, _ := os.ReadFile(w.config)
			if string(after) != before {
				t.Errorf("config changed:\n%q", after)
			}
		})
	}
}

// Twenty concurrent generate processes, taking the block from each other's layout file, leave
// one valid file and no temporary debris.
func TestGenerateConcurrent(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	layouts := []string{example("organization.yaml"), example("virtual-root.yaml")}
	var wg sync.WaitGroup
	results := make([]result, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = w.run("", "generate", "--layout", layouts[i%2], "--user", "alice", "--replace")
		}(i)
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 {
			t.Errorf("run %d: exit %d: %s", i, r.code, r.stderr)
		}
	}
	cfg, err := profiles.Read(w.config)
	if err != nil {
		t.Fatalf("config unreadable after concurrent runs: %v", err)
	}
	if got := cfg.Namespaces(); len(got) != 1 || got[0] != "cpco" {
		t.Errorf("blocks %v, want one cpco block", got)
	}
	noDebris(t, w.config)
	if findings := profiles.Doctor(cfg, nil, nil); len(findings) != 0 {
		t.Errorf("doctor after concurrent runs: %v", findings)
	}
	_ = fmt.Sprint
}
