package command

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/urfave/cli/v2"
)

// debugState is whether --debug is on, shared by the commands of one run.
type debugState struct {
	mu  sync.Mutex
	on  bool
	cmd *cli.Context // the running command's, for --debug given after its arguments
}

func debugFlag() cli.Flag {
	return &cli.BoolFlag{Name: "debug", Usage: "log STS calls, cache hits and misses, keyring backend and timings to stderr (secrets redacted)", EnvVars: []string{"ACCT_DEBUG"}}
}

// everyCommand gives every command what acct adds to all of them: the --debug flag (so
// `acct list --debug` works like `acct --debug list`, and with it each command logs how long it
// took), a --help flag of its own (see App) and acct's own usage errors.
func everyCommand(sys *system, app *cli.App) {
	var walk func([]*cli.Command)
	walk = func(cmds []*cli.Command) {
		for _, cmd := range cmds {
			cmd := cmd
			cmd.HideHelp, cmd.HideHelpCommand = true, true
			if cmd.Name == "help" {
				continue
			}
			cmd.Flags = append(cmd.Flags, helpFlag())
			if len(cmd.Subcommands) > 0 {
				cmd.Subcommands = append(cmd.Subcommands, helpCommand())
				if cmd.Action == nil {
					// Without one, urfave/cli answers an unknown subcommand with its help topic
					// lookup ("No help topic for 'x'", exit 1).
					cmd.Action = func(c *cli.Context) error {
						if c.NArg() > 0 {
							return fault.Errorf(fault.Usage, "%q is not an acct %s command; acct %s --help lists them", c.Args().First(), c.Command.Name, c.Command.Name)
						}
						return cli.ShowSubcommandHelp(c)
					}
				}
			}
			if !hasFlag(cmd.Flags, "debug") {
				cmd.Flags = append(cmd.Flags, debugFlag())
			}
			cmd.OnUsageError = usageError
			before, after := cmd.Before, cmd.After
			var start time.Time
			cmd.Before = func(c *cli.Context) error {
				start = time.Now()
				if err := flagsFromEnv(sys, c); err != nil {
					return err
				}
				sys.debug.mu.Lock()
				sys.debug.cmd = c
				sys.debug.mu.Unlock()
				if debugRequested(c) {
					_ = c.Set("debug", "true")
					sys.setDebug(true)
				}
				if before != nil {
					return before(c)
				}
				return nil
			}
			cmd.After = func(c *cli.Context) error {
				var err error
				if after != nil {
					err = after(c)
				}
				if !start.IsZero() {
					sys.debugf("acct %s took %s", cmd.Name, time.Since(start).Round(time.Millisecond))
				}
				return err
			}
			walk(cmd.Subcommands)
		}
	}
	walk(app.Commands)
}

// flagsFromEnv sets each flag not given on the command line from its variable (ACCT_DEBUG,
// ACCT_USER, ...) as sys's environment has it: urfave/cli would read the process's own.
func flagsFromEnv(sys *system, c *cli.Context) error {
	for _, l := range c.Lineage() {
		if l.Command == nil {
			continue
		}
		for _, f := range l.Command.Flags {
			d, ok := f.(cli.DocGenerationFlag)
			if !ok || l.IsSet(flagName(f)) {
				continue
			}
			for _, env := range d.GetEnvVars() {
				if v := sys.Getenv(env); v != "" {
					if err := l.Set(flagName(f), v); err != nil {
						return usagef("%s=%s: %v", env, v, err)
					}
					break
				}
			}
		}
	}
	return nil
}

func hasFlag(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		if flagName(f) == name {
			return true
		}
	}
	return false
}

// flagName is f's name. urfave/cli's Names runs a regular expression over every name on each call
// (about a microsecond), and every run asks for every flag of every command: a third of a
// millisecond of each acct start.
func flagName(f cli.Flag) string {
	switch f := f.(type) {
	case *cli.BoolFlag:
		return f.Name
	case *cli.StringFlag:
		return f.Name
	case *cli.DurationFlag:
		return f.Name
	case *cli.StringSliceFlag:
		return f.Name
	}
	return f.Names()[0]
}

// debugRequested reports whether --debug (or ACCT_DEBUG) was given at any level.
func debugRequested(c *cli.Context) bool {
	for _, l := range c.Lineage() {
		if l.Bool("debug") {
			return true
		}
	}
	return false
}

func (sys *system) setDebug(on bool) {
	sys.debug.mu.Lock()
	sys.debug.on = on
	sys.debug.mu.Unlock()
}

func (sys *system) debugOn() bool {
	sys.debug.mu.Lock()
	on, c := sys.debug.on, sys.debug.cmd
	sys.debug.mu.Unlock()
	// `acct exec prod --debug -- cmd`: flags after the arguments are set while the command runs.
	return on || (c != nil && debugRequested(c))
}

// debugf writes one --debug line to stderr. Callers pass names, durations and counts, never secrets.
func (sys *system) debugf(format string, args ...any) {
	if !sys.debugOn() {
		return
	}
	defer sys.Console.Pause()()
	fmt.Fprintf(sys.Console.Err, "debug: "+format+"\n", args...)
}

// debugWriter is where session and orgs write their --debug lines: stderr, or nowhere.
func (sys *system) debugWriter(on bool) io.Writer {
	if on {
		return sys.Console.Err
	}
	return nil
}

// spin shows the console's spinner unless --debug is on, whose lines it would tear.
func (sys *system) spin(msg string) (stop func()) {
	if sys.debugOn() {
		return func() {}
	}
	return sys.Console.Spin(msg)
}
