// Package command wires acct's commands to urfave/cli: each command's flags are parsed here and a
// plain function in profiles, session or shellenv does the work. Errors are returned, never printed:
// main turns them into the user's one line and an exit status (Status, Message).
package command

import (
	"context"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/99designs/keyring"
	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/internal/console"
	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/session"
)

// IO is the outside world a command sees: the terminal, the prompts, the environment and the
// keyring. main passes the process's own (OS); tests pass buffers, a scripted Prompter and an
// in-memory keyring, and run commands in process.
type IO struct {
	Console  *console.Streams
	Prompter console.Prompter // nil: promptui on Console
	Getenv   func(string) string
	Environ  func() []string
	// OpenKeyring opens the keyring cfg names; nil: session.OpenKeyring.
	OpenKeyring func(cfg session.KeyringConfig) (keyring.Keyring, error)
	// Executable is the acct binary as the user reached it, for files other programs run it from
	// (a kubeconfig); empty: os.Executable and os.Args[0]. Tests running acct in process name the
	// binary they built.
	Executable string
}

// OS returns the process's own terminal, environment and keyring.
func OS() IO {
	return IO{Console: console.System(), Getenv: os.Getenv, Environ: os.Environ}
}

// system is IO as the commands of one run use it, with what they share: the prompter and --debug.
type system struct {
	IO
	prompter   console.Prompter
	debug      debugState
	passphrase string // the file keyring's, once typed
}

func newSystem(sys IO) *system {
	if sys.Console == nil {
		sys.Console = console.New(strings.NewReader(""), io.Discard, io.Discard)
	}
	if sys.Getenv == nil {
		sys.Getenv = func(string) string { return "" }
	}
	if sys.Environ == nil {
		sys.Environ = func() []string { return nil }
	}
	if sys.OpenKeyring == nil {
		sys.OpenKeyring = session.OpenKeyring
	}
	// NO_COLOR (https://no-color.org) and a terminal that knows no colours turn colour off.
	sys.Console.SetColour(sys.Getenv("NO_COLOR") == "" && sys.Getenv("TERM") != "dumb")
	s := &system{IO: sys, prompter: sys.Prompter}
	if s.prompter == nil {
		s.prompter = console.NewPrompter(sys.Console, func(item, typed string) bool {
			return profiles.Subsequence(strings.ToLower(typed), strings.ToLower(item))
		})
	}
	return s
}

// Version information, set by the release build through -ldflags.
var (
	Version = "dev"
	Commit  = "none"
	Date    = "unknown"
)

// App builds acct's command tree.
func App(io IO) *cli.App {
	sys := newSystem(io)
	app := &cli.App{
		Name:                 "acct",
		Usage:                "AWS profiles from a team layout, MFA sessions in the OS keyring, per-stage shells",
		Version:              Version,
		HideVersion:          true,
		EnableBashCompletion: true,
		Reader:               sys.Console.In,
		Writer:               sys.Console.Out,
		ErrWriter:            sys.Console.Err,
		Flags:                []cli.Flag{debugFlag(), helpFlag()},
		// urfave/cli's own help flag is one package-level value that every run writes to; acct
		// gives each app its own, so that runs in one process (the tests) do not share it.
		HideHelp: true,
		// urfave/cli prints its own errors and exits; acct returns them so main decides the status.
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError:   usageError,
		// Without an Action, an unknown command would run urfave/cli's help ("No help topic", exit 3).
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fault.Errorf(fault.Usage, "%q is not an acct command; acct --help lists them", c.Args().First())
			}
			return cli.ShowAppHelp(c)
		},
		Commands: append(commands(sys), helpCommand()),
	}
	everyCommand(sys, app)
	return app
}

// usageError is what urfave/cli's parser refused (an unknown flag, a flag value of the wrong
// form), as one line with where to look.
func usageError(c *cli.Context, err error, _ bool) error {
	// The command's path from acct down (acct import organizations); at the top level urfave/cli's
	// command is the app itself, named acct too.
	path := []string{"acct"}
	for _, l := range slices.Backward(c.Lineage()) {
		if l.Command != nil && l.Command.Name != "" && l.Command.Name != c.App.Name && l.Command.Name != path[len(path)-1] {
			path = append(path, l.Command.Name)
		}
	}
	return fault.Errorf(fault.Usage, "%v; see %s --help", err, strings.Join(path, " "))
}

func helpFlag() cli.Flag {
	return &cli.BoolFlag{Name: "help", Aliases: []string{"h"}, Usage: "show help", DisableDefaultText: true}
}

// helpCommand is `acct help [command]` (and `acct import help`), which urfave/cli adds only with
// its own help flag.
func helpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Aliases:   []string{"h"},
		Usage:     "Shows a list of commands or help for one command",
		ArgsUsage: "[command]",
		Action: func(c *cli.Context) error {
			parent := c.Lineage()[1]
			switch {
			case c.Args().Present():
				return cli.ShowCommandHelp(parent, c.Args().First())
			case parent.Command != nil && parent.Command.Name != "":
				return cli.ShowSubcommandHelp(parent)
			}
			return cli.ShowAppHelp(c)
		},
	}
}

func commands(sys *system) []*cli.Command {
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
