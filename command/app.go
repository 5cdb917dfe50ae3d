// Package command wires acct's commands to urfave/cli: each command's flags are parsed here and a
// plain function in profiles, session or shellenv does the work. Errors are returned, never printed:
// main turns them into the user's one line and an exit status.
package command

import (
	"context"
	"io"
	"os"

	"github.com/urfave/cli/v2"
)

// IO is the outside world a command sees: its streams and its environment. Tests give their own.
type IO struct {
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  func(string) string
	Environ func() []string

	ui *uiState // shared by every command of one App: --debug and the spinner; nil outside App
}

// OS returns the process's own streams and environment.
func OS() IO {
	return IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, Environ: os.Environ}
}

// Version information, set by the release build through -ldflags.
var (
	Version = "dev"
	Commit  = "none"
	Date    = "unknown"
)

// App builds acct's command tree.
func App(sys IO) *cli.App {
	if sys.ui == nil {
		sys.ui = &uiState{}
	}
	app := &cli.App{
		Name:                 "acct",
		Usage:                "AWS profiles from a team layout, MFA sessions in the OS keyring, per-stage shells",
		Version:              Version,
		HideVersion:          true,
		EnableBashCompletion: true,
		Reader:               sys.Stdin,
		Writer:               sys.Stdout,
		ErrWriter:            sys.Stderr,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "debug", Usage: "log STS calls, cache hits and misses, keyring backend and timings to stderr (secrets redacted)", EnvVars: []string{"ACCT_DEBUG"}},
		},
		// urfave/cli prints its own errors and exits; acct returns them so main decides the status.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError{err}
		},
		Commands: commands(sys),
	}
	everyCommandTakesDebug(sys, app)
	return app
}

func commands(sys IO) []*cli.Command {
	return []*cli.Command{
		generateCommand(sys),
		initCommand(sys),
		listCommand(sys),
		doctorCommand(sys),
		addCommand(sys),
		removeCommand(sys),
		execCommand(sys),
		shellCommand(sys),
		exportCommand(sys),
		credentialProcessCommand(sys),
		clearCommand(sys),
		loginCommand(sys),
		completionCommand(sys),
		versionCommand(sys),
		docsCommand(sys),
		importCommand(sys),
		rotateCommand(sys),
		lockCommand(sys),
		mfaCommand(sys),
		whoamiCommand(sys),
		eksTokenCommand(sys),
		kubeconfigCommand(sys),
	}
}

// Run runs acct with args (args[0] is the program name).
func Run(ctx context.Context, sys IO, args []string) error {
	return App(sys).RunContext(ctx, args)
}
