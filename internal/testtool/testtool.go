// Package testtool is how a test asks for a program outside Go: the Debian AWS CLI, a shell, tmux,
// kubectl, dbus-run-session. A missing one fails the test when CI is set, so a green CI always
// means tested; elsewhere the test is skipped and recorded in the file ACCT_TEST_SKIPS names, and
// test.sh ends the run with one line listing what was not tested and what to install.
package testtool

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Debian packages that bring each program, for the skip line.
var packages = map[string]string{
	"aws":                  "awscli",
	"tmux":                 "tmux",
	"zsh":                  "zsh",
	"fish":                 "fish",
	"bash":                 "bash",
	"dbus-run-session":     "dbus",
	"gnome-keyring-daemon": "gnome-keyring",
	"kubectl":              "kubernetes-client",
	"python3":              "python3",
	"unshare":              "util-linux",
}

// Need returns the path of program name on PATH, or fails or skips t as the package doc says.
func Need(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, packages[name])
	}
	return p
}

// AWSCLI returns the Debian AWS CLI (version 2, /usr/bin/aws, or ACCT_TEST_AWS_CLI): our
// independent reader of the files acct writes. A pip-installed v1 aws earlier on PATH is another
// program, so it is never picked up.
func AWSCLI(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("ACCT_TEST_AWS_CLI"), "/usr/bin/aws"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	Missing(t, "the Debian AWS CLI (/usr/bin/aws)", "awscli")
	return ""
}

// Missing reports that what the test needs (a program, a Python module, a pty) is not here: a
// failure when CI is set, else a recorded skip. pkg is the Debian package that brings it, or "".
func Missing(t testing.TB, what, pkg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing and CI is set: install %s", what, orUnknown(pkg))
	}
	record(t.Name(), what, pkg)
	t.Skipf("%s is missing (apt-get install %s)", what, orUnknown(pkg))
}

func orUnknown(pkg string) string {
	if pkg == "" {
		return "it"
	}
	return pkg
}

// record appends one tab-separated line (test, what, package) to the ACCT_TEST_SKIPS file.
// Tests of several packages run in parallel processes; O_APPEND keeps their short lines whole.
func record(test, what, pkg string) {
	path := os.Getenv("ACCT_TEST_SKIPS")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	defer f.Close()
	clean := func(s string) string { return strings.NewReplacer("\t", " ", "\n", " ").Replace(s) }
	fmt.Fprintf(f, "%s\t%s\t%s\n", clean(test), clean(what), clean(pkg))
}
