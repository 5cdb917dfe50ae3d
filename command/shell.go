package command

import (
	"context"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/shellenv"
)

type shellInput struct {
	Name    string
	Session sessionInput
	Yes     bool
	Nest    bool
}

func shellCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "shell",
		Usage:     "start your shell with a stage's credentials and a prompt that shows the stage",
		UsageText: "acct shell [options] [stage|profile]",
		Description: "The shell is your $SHELL (bash, zsh, fish, ...) with your own rc files. Credentials come from a\n" +
			"local endpoint acct serves for the shell's lifetime, so they refresh by themselves all day. The shell\n" +
			"has the stage's variables (env: in the layout, KUBECONFIG for a stage with clusters:) and starts in\n" +
			"the stage's dir:.",
		Flags: append(sessionFlags(),
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask before using a protected stage"},
			&cli.BoolFlag{Name: "nest", Usage: "allow a shell inside an acct shell"},
		),
		BashComplete: completeTargets(sys),
		Action: func(c *cli.Context) error {
			// Flags may follow the name too: acct shell prod --yes.
			names, _, err := commandArgs(c, -1)
			if err != nil {
				return err
			}
			if len(names) > 1 {
				return usagef("acct shell takes one profile or stage, not %d; run commands inside the shell, or use acct exec", len(names))
			}
			name := ""
			if len(names) == 1 {
				name = names[0]
			}
			return runShell(c.Context, sys, shellInput{
				Name: name, Session: sessionInputFrom(c), Yes: c.Bool("yes"), Nest: c.Bool("nest"),
			})
		},
	}
}

func runShell(ctx context.Context, sys *system, in shellInput) error {
	if shellenv.Nested(sys.Environ()) && !in.Nest {
		return usagef("already in an acct shell for %s; exit it first, or pass --nest", sys.Getenv("ACCT_PROFILE"))
	}
	t, creds, err := sys.enter(ctx, in.Name, in.Session, in.Yes)
	if err != nil {
		return err
	}
	srv, err := sys.serveEndpoint(ctx, t.Chain, in.Session)
	if err != nil {
		return err
	}
	defer srv.Close()
	tgt := sys.shellTarget(t.Chain, creds)
	done, err := sys.shellKubeconfig(&tgt, t.Chain)
	if err != nil {
		return err
	}
	defer done()
	code, err := shellenv.Shell(ctx, shellenv.ShellOptions{
		Shell:   sys.Getenv("SHELL"),
		Env:     sys.mfaEndEnv(shellenv.ServerEnv(sys.Environ(), srv, tgt), t.Chain),
		Target:  tgt,
		Dir:     sys.stageDir(t.Chain),
		Banner:  shellenv.Banner(tgt, creds, time.Local),
		NoColor: !sys.Console.ColourOut(),
		Stdio:   shellenv.Stdio{In: sys.Console.In, Out: sys.Console.Out, Err: sys.Console.Err},
	})
	if err != nil {
		return err
	}
	return exitStatus(code)
}

// refreshWindow is how long before cached credentials expire acct gets new ones (a shell's
// credential endpoint too): ACCT_REFRESH_WINDOW (a Go duration such as 2m), else session's
// default. Tests shorten it to watch credentials expire and be replaced within seconds.
func refreshWindow(sys *system) (time.Duration, error) {
	v := sys.Getenv("ACCT_REFRESH_WINDOW")
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, usagef("ACCT_REFRESH_WINDOW=%s is not a duration such as 5m", v)
	}
	return d, nil
}
