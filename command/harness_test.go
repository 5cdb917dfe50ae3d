package command_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acct-cli/acct/command"
	"github.com/acct-cli/acct/internal/console"
	"github.com/acct-cli/acct/internal/console/consoletest"
	"github.com/acct-cli/acct/internal/testtool"
	"github.com/acct-cli/acct/session/ststest"
)

// acctBin is acct built once for the end-to-end tests, which run it as a user would. It is built
// before any test starts: tests draw MFA codes and deadlines before they run it. Under -race it is
// built with -race too, so that it reuses the packages compiled for the tests (from a cold build
// cache a second, plain compile of every dependency took a minute) and acct's own processes are
// checked for races: raceEnv sends their reports to files TestMain reads at the end.
var acctBin, raceEnv string

func TestMain(m *testing.M) {
	testtool.QuietRace()
	// Most of these tests wait (on a pty, a shell, the AWS CLI, a credential lifetime) rather than
	// compute: with go test's default of GOMAXPROCS tests at a time, two waiting tests hold both
	// slots of a 2-core machine while its CPUs idle. An explicit -parallel still wins.
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		flag.Set("test.parallel", strconv.Itoa(16*runtime.GOMAXPROCS(0)))
	}
	dir, err := os.MkdirTemp("", "acct-e2e-")
	if err != nil {
		panic(err)
	}
	acctBin = filepath.Join(dir, "acct")
	args := []string{"build", "-o", acctBin}
	racePrefix := filepath.Join(dir, "race")
	if testtool.Race {
		args = append(args, "-race")
		raceEnv = testtool.RaceEnv(racePrefix)
	}
	build := exec.Command("go", append(args, "..")...)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		panic("build acct: " + err.Error())
	}
	code := m.Run()
	if testtool.Race {
		races, err := testtool.UnexpectedRaces(racePrefix)
		if err != nil || len(races) > 0 {
			fmt.Fprintf(os.Stderr, "acct processes the tests ran reported %d data races (%v):\n%s", len(races), err, strings.Join(races, "\n"))
			code = 1
		}
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// world is one user's machine: a HOME of its own, a config, a file keyring and a fake STS.
type world struct {
	t      *testing.T
	home   string
	config string
	sts    *ststest.Server
	vars   map[string]string
	// bin runs the acct binary for every command, as end-to-end tests of process-wide behaviour
	// (exec replacing itself, signals, the layout found from the working directory) need.
	bin bool
}

func newWorld(t *testing.T) *world {
	t.Helper()
	home := t.TempDir()
	// fish scans man pages into generated_completions in the background on its first start when
	// that directory is missing, racing the test's cleanup; a present directory stops it.
	if err := os.MkdirAll(filepath.Join(home, ".local", "share", "fish", "generated_completions"), 0o700); err != nil {
		t.Fatal(err)
	}
	s := ststest.New()
	t.Cleanup(s.Close)
	w := &world{t: t, home: home, config: filepath.Join(home, ".aws", "config"), sts: s}
	w.vars = map[string]string{
		"HOME":                        home,
		"PATH":                        os.Getenv("PATH"),
		"AWS_CONFIG_FILE":             w.config,
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, ".aws", "credentials"),
		"XDG_CONFIG_HOME":             filepath.Join(home, ".config"),
		"XDG_STATE_HOME":              filepath.Join(home, ".local", "state"),
		"XDG_DATA_HOME":               filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME":              filepath.Join(home, ".cache"),
		"ACCT_KEYRING_BACKEND":        "file",
		"ACCT_FILE_PASSPHRASE":        "correct horse battery staple",
		"AWS_ENDPOINT_URL_STS":        s.URL,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"NO_COLOR":                    "1",
		"TERM":                        "dumb",
		"LANG":                        "C.UTF-8",
	}
	if raceEnv != "" {
		w.vars["GORACE"] = raceEnv
	}
	return w
}

func (w *world) env() []string {
	var env []string
	for k, v := range w.vars {
		env = append(env, k+"="+v)
	}
	return env
}

type result struct {
	stdout, stderr string
	code           int
}

// run runs acct with args in dir (the home when empty) without a terminal: in process, as main
// would, unless the world asks for the binary (bin) or a directory of its own.
func (w *world) run(dir string, args ...string) result {
	w.t.Helper()
	if w.bin || dir != "" {
		return w.runBinary(dir, args...)
	}
	return w.runOn(false, nil, args...)
}

// runOn runs acct in process on a fake terminal (tty) or buffers, answering prompts with p (nil:
// none expected).
func (w *world) runOn(tty bool, p console.Prompter, args ...string) result {
	w.t.Helper()
	if p == nil {
		p = consoletest.NewPrompter(w.t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	streams, stdout, stderr := consoletest.Streams("", tty)
	err := command.Run(ctx, command.IO{
		Console:    streams,
		Prompter:   p,
		Getenv:     func(k string) string { return w.vars[k] },
		Environ:    w.env,
		Executable: acctBin,
	}, append([]string{"acct"}, args...))
	if msg := command.Message(err); msg != "" {
		fmt.Fprintln(stderr, msg)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: command.Status(err)}
}

// runBinary runs the acct binary with args in dir (the home when empty), no terminal, and a 60 s bound.
func (w *world) runBinary(dir string, args ...string) result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, acctBin, args...)
	cmd.Env = w.env()
	cmd.Dir = dir
	if dir == "" {
		cmd.Dir = w.home
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		w.t.Fatalf("acct %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// must runs acct and fails the test unless it exits 0.
func (w *world) must(args ...string) result {
	w.t.Helper()
	r := w.run("", args...)
	if r.code != 0 {
		w.t.Fatalf("acct %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// aws runs one Debian AWS CLI command with the world's environment plus extra variables, through
// the test binary's one interpreter (testtool.AWSCLIRuns): what it printed and its status.
func (w *world) aws(extra []string, args ...string) (string, int) {
	w.t.Helper()
	r := testtool.AWSCLIRuns(w.t, append(w.env(), extra...), w.home, args)[0]
	return r.Out, r.Code
}

// example is the path of a layout shipped in docs/examples.
func example(name string) string {
	p, err := filepath.Abs(filepath.Join("..", "docs", "examples", name))
	if err != nil {
		panic(err)
	}
	return p
}

// noLeaks fails when any secret the fake STS issued appears in a file under HOME or in text.
func (w *world) noLeaks(texts ...string) {
	w.t.Helper()
	secrets := w.sts.Issued()
	check := func(where, s string) {
		for _, sec := range secrets {
			if sec != "" && strings.Contains(s, sec) {
				w.t.Errorf("a secret the fake STS issued leaked into %s", where)
			}
		}
	}
	for i, s := range texts {
		check("output "+string(rune('0'+i)), s)
	}
	filepath.Walk(w.home, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err == nil {
			check(path, string(data))
		}
		return nil
	})
}
