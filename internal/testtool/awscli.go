package testtool

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// AWSResult is what one AWS CLI command printed (stdout and stderr together) and its exit status.
type AWSResult struct {
	Out  string
	Code int
}

// driverLoop answers requests read from stdin, one JSON line each (an environment, a directory and
// a list of argument lists), with one JSON line of results. It runs each command through the AWS
// CLI's own entry point, awscli.clidriver.main, with a fresh driver per command in the request's
// environment, so each command reads the config files again as a new aws process would.
const driverLoop = `
import contextlib, io, json, os, sys
import awscli.clidriver
data_path = os.environ["AWS_DATA_PATH"]  # set by awscli's import, which runs once here
for line in sys.stdin:
    req = json.loads(line)
    os.environ.clear()
    os.environ.update(req["Env"])
    os.environ["AWS_DATA_PATH"] = data_path
    os.chdir(req["Dir"])
    results = []
    for args in req["Cmds"]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                code = awscli.clidriver.create_clidriver().main(args)
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else 1
        results.append({"Out": out.getvalue(), "Code": code or 0})
    sys.__stdout__.write(json.dumps(results) + "\n")
    sys.__stdout__.flush()
`

// driver is the one interpreter running driverLoop for this test binary: a Python start with
// awscli imported is most of a second of CPU, paid once instead of once per test. It ends when the
// test binary does (its stdin closes).
var driver struct {
	sync.Mutex
	in  io.WriteCloser
	out *bufio.Reader
}

// AWSCLIRuns runs several AWS CLI commands with env in dir and returns their results in order.
// When the AWS CLI is a Python script (Debian's is) the commands run one after another in one
// interpreter shared by the test binary, through the same entry point the script calls; otherwise
// each runs as its own process.
func AWSCLIRuns(t testing.TB, env []string, dir string, cmds ...[]string) []AWSResult {
	t.Helper()
	aws := AWSCLI(t)
	if py := pythonOf(aws); py != "" {
		return driverRuns(t, py, env, dir, cmds)
	}
	res := make([]AWSResult, len(cmds))
	for i, args := range cmds {
		cmd := exec.Command(aws, args...)
		cmd.Env, cmd.Dir = env, dir
		out, err := cmd.CombinedOutput()
		res[i].Out = string(out)
		if ee, ok := err.(*exec.ExitError); ok {
			res[i].Code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
		}
	}
	return res
}

func driverRuns(t testing.TB, py string, env []string, dir string, cmds [][]string) []AWSResult {
	t.Helper()
	if dir == "" {
		dir, _ = os.Getwd()
	}
	vars := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			vars[k] = v
		}
	}
	req, err := json.Marshal(map[string]any{"Env": vars, "Dir": dir, "Cmds": cmds})
	if err != nil {
		t.Fatal(err)
	}
	driver.Lock()
	defer driver.Unlock()
	if driver.in == nil {
		cmd := exec.Command(py, "-c", driverLoop)
		cmd.Stderr = os.Stderr
		in, err1 := cmd.StdinPipe()
		out, err2 := cmd.StdoutPipe()
		if err := errors.Join(err1, err2, cmd.Start()); err != nil {
			t.Fatalf("start the AWS CLI's driver (%s): %v", py, err)
		}
		driver.in, driver.out = in, bufio.NewReader(out)
	}
	var res []AWSResult
	_, err = driver.in.Write(append(req, '\n'))
	line, rerr := driver.out.ReadBytes('\n')
	if err != nil || rerr != nil || json.Unmarshal(line, &res) != nil || len(res) != len(cmds) {
		driver.in.Close() // a broken driver ends; the next test starts another
		driver.in = nil
		t.Fatalf("the AWS CLI's driver (%s) on %d commands: %v %v\n%s", py, len(cmds), err, rerr, line)
	}
	return res
}

// pythonOf returns the interpreter of the Python script aws whose entry point is
// awscli.clidriver, or "" when aws is something else (a bundled binary, another wrapper).
func pythonOf(aws string) string {
	f, err := os.Open(aws)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "#!") {
		return ""
	}
	py := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "#!"))
	if strings.ContainsAny(py, " \t") || !strings.Contains(py, "python") {
		return ""
	}
	for sc.Scan() {
		if strings.Contains(sc.Text(), "awscli.clidriver.main()") {
			return py
		}
	}
	return ""
}
