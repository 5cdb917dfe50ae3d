package shellenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// VarNoPrompt, set to 1 in the environment, turns the prompt prefix off.
const VarNoPrompt = "ACCT_NO_PROMPT"

// DefaultShell is started when neither ShellOptions.Shell nor $SHELL names one.
const DefaultShell = "/bin/bash"

// ShellOptions describe a per-stage subshell.
type ShellOptions struct {
	// Shell is the shell to start (a path or a name looked up on the
	// child's PATH); default $SHELL from Env, else DefaultShell.
	Shell string
	// Env is the shell's environment, normally from Env or ServerEnv.
	// The shell's startup files go to a temporary directory in its TMPDIR.
	Env    []string
	Target Target
	// Dir is the directory the shell starts in; "" is the current one.
	Dir string
	// Banner is printed as one line to Err before the shell starts.
	Banner string
	// NoColor keeps the prompt prefix plain (the caller's choice: NO_COLOR,
	// no terminal); so does NO_COLOR in Env.
	NoColor bool
	// NoPrompt leaves the prompt alone, for users whose own prompt shows
	// ACCT_* already; so does ACCT_NO_PROMPT=1 in Env.
	NoPrompt bool
	Stdio
}

// Shell starts an interactive shell whose prompt is prefixed with
// PromptLabel(o.Target) (red for protected targets) while the user's own rc
// files are still read, waits for it and returns its exit status. bash, zsh
// and fish get the prefix; any other shell just gets the environment, where
// ACCT_PROFILE, ACCT_STAGE and ACCT_NAMESPACE let the user's prompt show it.
// ACCT_SHELL=1 and ACCT_SHELL_DEPTH (one more than in Env) mark the
// environment, see Nested.
//
// Like Run, it forwards SIGINT, SIGTERM, SIGHUP and SIGQUIT to the shell and
// returns 128+N when signal N killed it. err is non-nil when the shell could
// not be started (exitCode -1) or ctx ended it.
func Shell(ctx context.Context, o ShellOptions) (exitCode int, err error) {
	env := o.Env
	shell := o.Shell
	if shell == "" {
		shell = lookup(env, "SHELL")
	}
	if shell == "" {
		shell = DefaultShell
	}
	path, err := LookPath(shell, env)
	if err != nil {
		return -1, fmt.Errorf("start shell: %w", err)
	}

	depth, _ := strconv.Atoi(lookup(env, VarShellDepth))
	if depth < 0 {
		depth = 0
	}
	env = setVar(env, VarShell, "1")
	env = setVar(env, VarShellDepth, strconv.Itoa(depth+1))

	dir, err := os.MkdirTemp(lookup(env, "TMPDIR"), "acct-shell-")
	if err != nil {
		return -1, fmt.Errorf("start shell: make temp dir: %w", err)
	}
	defer os.RemoveAll(dir)

	kind := shellKind(path)
	if o.NoPrompt || truthy(lookup(env, VarNoPrompt)) {
		kind = kindOther
	}
	args, env, err := prepareShell(kind, dir, env, PromptLabel(o.Target), colorPrompt(o, env))
	if err != nil {
		return -1, fmt.Errorf("start shell %s: %w", path, err)
	}

	if b := strings.TrimRight(o.Banner, "\n"); b != "" && o.Err != nil {
		if _, err := fmt.Fprintln(o.Err, b); err != nil {
			return -1, fmt.Errorf("print banner: %w", err)
		}
	}

	cmd := exec.CommandContext(ctx, path, args...)
	// argv[0] as a terminal would give it (without the login dash): some
	// rc files test $0.
	cmd.Args[0] = filepath.Base(path)
	cmd.Env = env
	cmd.Dir = o.Dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.In, o.Out, o.Err
	return supervise(ctx, cmd)
}

func truthy(v string) bool {
	switch v {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}
