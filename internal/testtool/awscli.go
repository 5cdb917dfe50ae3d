package testtool

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// AWSResult is what one AWS CLI command printed (stdout and stderr together) and its exit status.
type AWSResult struct {
	Out  string
	Code int
}

// driverLoop runs each command read from stdin (a JSON list of argument lists) through the AWS CLI's
// own entry point, awscli.clidriver.main, with a fresh driver per command, so each command reads
// the config files again as a new aws process would.
const driverLoop = `
import contextlib, io, json, sys
import awscli.clidriver
results = []
for args in json.load(sys.stdin):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = awscli.clidriver.create_clidriver().main(args)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
    results.append({"Out": out.getvalue(), "Code": code or 0})
json.dump(results, sys.__stdout__)
`

// AWSCLIRuns runs several AWS CLI commands with env in dir and returns their results in order.
// A Python start costs the AWS CLI most of its second per command, so when the AWS CLI is a
// Python script (Debian's is) the commands run one after another in one interpreter through the
// same entry point the script calls; otherwise each runs as its own process.
func AWSCLIRuns(t testing.TB, env []string, dir string, cmds ...[]string) []AWSResult {
	t.Helper()
	aws := AWSCLI(t)
	if py := pythonOf(aws); py != "" {
		in, err := json.Marshal(cmds)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(py, "-c", driverLoop)
		cmd.Env, cmd.Dir, cmd.Stdin = env, dir, bytes.NewReader(in)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var res []AWSResult
		if err != nil || json.Unmarshal(out, &res) != nil || len(res) != len(cmds) {
			t.Fatalf("the AWS CLI's driver (%s) on %d commands: %v\n%s%s", py, len(cmds), err, out, stderr.Bytes())
		}
		return res
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
