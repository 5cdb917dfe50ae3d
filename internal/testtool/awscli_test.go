package testtool

import (
	"os"
	"path/filepath"
	"testing"
)

// The commands run in one interpreter answer as separate aws processes do: each its own output
// and status, each reading the config file again, each request in its own environment.
func TestAWSCLIRunsAnswersAsProcesses(t *testing.T) {
	aws := AWSCLI(t)
	if pythonOf(aws) == "" {
		t.Fatalf("%s is not the Python script calling awscli.clidriver that Debian ships", aws)
	}
	home := t.TempDir()
	config := filepath.Join(home, "config")
	os.WriteFile(config, []byte("[profile a]\nregion = eu-west-1\n[profile b]\nregion = us-east-2\n"), 0o600)
	env := []string{"HOME=" + home, "AWS_CONFIG_FILE=" + config, "AWS_PAGER=", "PATH=" + os.Getenv("PATH")}
	cmds := [][]string{
		{"configure", "get", "region", "--profile", "a"},
		{"configure", "get", "role_arn", "--profile", "a"},
		{"configure", "get", "region", "--profile", "nosuch"},
		{"configure", "list-profiles"},
		{"configure", "get", "region", "--profile", "b"},
	}
	got := AWSCLIRuns(t, env, home, cmds...)
	want := []AWSResult{{"eu-west-1\n", 0}, {"", 1}, {"", 255}, {"a\nb\n", 0}, {"us-east-2\n", 0}}
	for i := range want {
		if got[i].Code != want[i].Code || (want[i].Code != 255 && got[i].Out != want[i].Out) {
			t.Errorf("aws %v = %+v, want %+v", cmds[i], got[i], want[i])
		}
	}
	// The interpreter is shared by the test binary: the next request reads its own environment.
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "config"), []byte("[profile a]\nregion = ap-south-1\n"), 0o600)
	if r := AWSCLIRuns(t, []string{"HOME=" + other, "AWS_CONFIG_FILE=" + filepath.Join(other, "config")}, other, cmds[0]); r[0] != (AWSResult{"ap-south-1\n", 0}) {
		t.Errorf("a second request with another config: %+v", r[0])
	}
	// The one-process-per-command path (an aws that is no Python script) gives the same answers:
	// a value, and a missing profile's status (each process costs a Python start).
	t.Setenv("ACCT_TEST_AWS_CLI", writeWrapper(t, aws))
	for _, i := range []int{0, 2} {
		if sep := AWSCLIRuns(t, env, home, cmds[i])[0]; sep != got[i] {
			t.Errorf("aws %v: %+v as its own process, %+v in one interpreter", cmds[i], sep, got[i])
		}
	}
}

func writeWrapper(t *testing.T, aws string) string {
	p := filepath.Join(t.TempDir(), "aws")
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexec "+aws+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}
