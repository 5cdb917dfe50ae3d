package profiles

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acct-cli/acct/internal/testtool"
)

// writeTestEnv is where a test's config lives: ~/.aws/config of a home of its own.
func writeTestEnv(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), ".aws", "config")
}

func TestConfigPath(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := map[string]string{"HOME": home}
	getenv := func(k string) string { return env[k] }
	if got := ConfigPath(getenv); got != filepath.Join(home, ".aws", "config") {
		t.Errorf("default %s", got)
	}
	env["AWS_CONFIG_FILE"] = "/x/y"
	if got := ConfigPath(getenv); got != "/x/y" {
		t.Errorf("AWS_CONFIG_FILE %s", got)
	}
	env["AWS_CONFIG_FILE"] = "~/cfg"
	if got := ConfigPath(getenv); got != filepath.Join(home, "cfg") {
		t.Errorf("AWS_CONFIG_FILE with ~ %s", got)
	}
	env["AWS_SHARED_CREDENTIALS_FILE"] = "~/creds"
	if got := CredentialsPath(getenv); got != filepath.Join(home, "creds") {
		t.Errorf("AWS_SHARED_CREDENTIALS_FILE with ~ %s", got)
	}
}

func TestWriteCreatesBacksUpAndIsIdempotent(t *testing.T) {
	t.Parallel()
	path := writeTestEnv(t)
	// Dry run on a missing directory creates nothing.
	res, err := Write(path, Origin{Namespace: "cpco", LayoutFile: "a.yaml"}, blockLayoutA(), WriteOptions{DryRun: true})
	if err != nil || !res.Changed || !strings.Contains(res.Diff, "+[profile cpco-root-admin]") {
		t.Fatalf("dry run: %+v %v", res, err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
		t.Fatalf("dry run created the directory")
	}
	res, err = Write(path, Origin{Namespace: "cpco", LayoutFile: "a.yaml"}, blockLayoutA(), WriteOptions{})
	if err != nil || !res.Changed || res.Backup != "" {
		t.Fatalf("first write: %+v %v", res, err)
	}
	for p, mode := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700 | os.ModeDir} {
		if st, err := os.Stat(p); err != nil || st.Mode() != mode {
			t.Errorf("%s: mode %v, want %v (%v)", p, st.Mode(), mode, err)
		}
	}
	first, _ := os.ReadFile(path)

	// Unchanged: nothing touched, not even the mtime.
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	res, err = Write(path, Origin{Namespace: "cpco", LayoutFile: "a.yaml"}, blockLayoutA(), WriteOptions{})
	if err != nil || res.Changed || res.Diff != "" {
		t.Fatalf("second write: %+v %v", res, err)
	}
	if st, _ := os.Stat(path); !st.ModTime().Equal(old) {
		t.Fatalf("unchanged write moved mtime to %v", st.ModTime())
	}

	// A dry run of a change shows the diff (pruned profile included) and writes nothing.
	res, err = Write(path, Origin{Namespace: "cpco", LayoutFile: "a.yaml"}, blockLayoutB()[1:], WriteOptions{DryRun: true})
	if err != nil || !res.Changed || !strings.Contains(res.Diff, "-[profile cpco-testing-admin]") || !strings.Contains(res.Diff, "--- "+path) {
		t.Fatalf("dry run diff: %+v %v", res, err)
	}
	if now, _ := os.ReadFile(path); string(now) != string(first) {
		t.Fatal("dry run wrote")
	}
	res, err = Write(path, Origin{Namespace: "cpco", LayoutFile: "a.yaml"}, blockLayoutB()[1:], WriteOptions{})
	if err != nil || res.Backup != path+".acct.bak" {
		t.Fatalf("third write: %+v %v", res, err)
	}
	if bak, _ := os.ReadFile(res.Backup); string(bak) != string(first) {
		t.Fatal("backup is not the previous content")
	}
	if st, _ := os.Stat(res.Backup); st.Mode() != 0o600 {
		t.Fatalf("backup mode %v", st.Mode())
	}
}

// TestHelperWrite is run by TestWriteConcurrentProcesses in child processes.
func TestHelperWrite(t *testing.T) {
	t.Parallel()
	path := os.Getenv("ACCT_TEST_HELPER_WRITE")
	if path == "" {
		t.Skip("helper process only")
	}
	n, _ := strconv.Atoi(os.Getenv("ACCT_TEST_HELPER_SET"))
	var ps []Profile
	for k := 0; k <= n%5; k++ {
		ps = append(ps, blockProfile(fmt.Sprintf("cpco-s%d-%d-admin", n, k), fmt.Sprintf("s%d", k), "admin", "111111111111", "arn:aws:iam::111111111111:role/x", Protected))
	}
	if _, err := Write(path, Origin{Namespace: "cpco"}, ps, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestWriteConcurrentProcesses(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts 20 processes")
	}
	path := writeTestEnv(t)
	user := "# mine\r\n[default]\r\nregion = eu-west-1\r\n"
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(user), 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 20)
	outs := make([][]byte, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWrite$", "-test.count=1")
			cmd.Env = append(os.Environ(), "ACCT_TEST_HELPER_WRITE="+path, "ACCT_TEST_HELPER_SET="+strconv.Itoa(i))
			outs[i], errs[i] = cmd.CombinedOutput()
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("process %d: %v\n%s", i, err, outs[i])
		}
	}
	data, _ := os.ReadFile(path)
	c, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Blocks()) != 1 || strings.Count(string(data), "# >>> acct:") != 1 || !strings.HasPrefix(string(data), user) {
		t.Fatalf("not exactly one block after the user text:\n%s", data)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		switch e.Name() {
		case "config", "config.lock", "config.acct.bak":
		default:
			t.Errorf("debris %s", e.Name())
		}
	}
}

// The Debian AWS CLI v2 reads what Write wrote.
func TestWriteReadByAWSCLI(t *testing.T) {
	t.Parallel()
	path := writeTestEnv(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("[default]\nregion = eu-west-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(path, Origin{Namespace: "cpco", LayoutFile: blockTestLayoutFile}, blockLayoutB(), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "HOME="+filepath.Dir(filepath.Dir(path)), "AWS_CONFIG_FILE="+path, "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(filepath.Dir(path), "credentials"), "AWS_PAGER=")
	res := testtool.AWSCLIRuns(t, env, "",
		[]string{"configure", "get", "role_arn", "--profile", "cpco-prod-admin"},
		[]string{"configure", "get", "region", "--profile", "cpco-root-admin"},
		[]string{"configure", "list-profiles"})
	for i, want := range []string{"arn:aws:iam::111111111111:role/OrganizationAccountAccessRole", "us-west-2"} {
		if got := strings.TrimSpace(res[i].Out); res[i].Code != 0 || got != want {
			t.Errorf("aws configure get #%d = %q (exit %d), want %q", i, got, res[i].Code, want)
		}
	}
	if res[2].Code != 0 {
		t.Fatalf("aws configure list-profiles: exit %d\n%s", res[2].Code, res[2].Out)
	}
	out := res[2].Out
	list := strings.Fields(string(out))
	want := map[string]bool{"default": true, "cpco-testing-admin": true, "cpco-prod-admin": true, "cpco-root-admin": true}
	for _, p := range list {
		delete(want, p)
	}
	if len(want) != 0 {
		t.Errorf("list-profiles %v misses %v", list, want)
	}
}

// Settled is set only when an unchanged result follows from the content, the origin and the
// profiles alone; Old is the content compared with.
func TestWriteSettled(t *testing.T) {
	t.Parallel()
	path := writeTestEnv(t)
	for _, c := range []struct {
		layout  string
		settled bool
	}{
		{"/team/acct.yaml", true},
		// The begin line writes runs of blanks as one: the block then names another path, and
		// whether it is this layout is a question for the file system (here it is not: without
		// --replace such a block is refused).
		{"/team/my  layouts/acct.yaml", false},
	} {
		o := Origin{Namespace: "cpco", LayoutFile: c.layout}
		if _, err := Write(path, o, blockLayoutA(), WriteOptions{Replace: true}); err != nil {
			t.Fatal(err)
		}
		content, _ := os.ReadFile(path)
		for _, opt := range []WriteOptions{{Replace: true}, {Replace: true, DryRun: true}, {}, {DryRun: true}} {
			if !c.settled && !opt.Replace {
				continue
			}
			res, err := Write(path, o, blockLayoutA(), opt)
			if err != nil || res.Changed || res.Settled != c.settled || string(res.Old) != string(content) {
				t.Errorf("%s %+v: %v, changed %v, settled %v (want %v), old is the content: %v", c.layout, opt, err, res.Changed, res.Settled, c.settled, string(res.Old) == string(content))
			}
		}
		res, err := Write(path, o, blockLayoutB(), WriteOptions{DryRun: true, Replace: true})
		if err != nil || !res.Changed || res.Settled {
			t.Errorf("%s, a change: %v, changed %v, settled %v", c.layout, err, res.Changed, res.Settled)
		}
	}
}
