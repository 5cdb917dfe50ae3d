package command

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/shellenv"
)

type execInput struct {
	Name    string
	Argv    []string
	Session sessionInput
	Yes     bool
	Server  bool
	Nest    bool
}

func execCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "exec",
		Usage:     "run a command with a profile's temporary credentials",
		UsageText: "acct exec [options] <profile|stage> -- <command> [args...]\n   acct exec <profile|stage>   (no command: a subshell, like acct shell)",
		Description: "Sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION,\n" +
			"AWS_REGION, AWS_DEFAULT_REGION, ACCT_PROFILE and ACCT_STAGE, unsets AWS_PROFILE and every other\n" +
			"credential variable, sets the stage's own variables (env: in the layout; KUBECONFIG for a stage with\n" +
			"clusters:), and replaces acct with the command: its exit status is acct's.\n" +
			"A command not on the PATH is reported before any credentials are asked for, with exit status 2.",
		Flags: append(sessionFlags(),
			&cli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask before using a protected stage"},
			&cli.BoolFlag{Name: "server", Usage: "serve refreshing credentials on 127.0.0.1 instead of fixed keys (long-running commands)"},
			&cli.BoolFlag{Name: "nest", Usage: "allow a subshell inside an acct shell"},
		),
		BashComplete: completeTargets(sys),
		Action: func(c *cli.Context) error {
			names, argv, err := commandArgs(c, 1)
			if err != nil {
				return err
			}
			if len(names) == 0 {
				return usagef("name a profile or stage: acct exec <profile|stage> -- <command>")
			}
			return runExec(c.Context, sys, execInput{
				Name: names[0], Argv: argv, Session: sessionInputFrom(c),
				Yes: c.Bool("yes"), Server: c.Bool("server"), Nest: c.Bool("nest"),
			})
		},
	}
}

func runExec(ctx context.Context, sys *system, in execInput) error {
	if len(in.Argv) == 0 {
		return runShell(ctx, sys, shellInput{Name: in.Name, Session: in.Session, Yes: in.Yes, Nest: in.Nest})
	}
	// A mistyped command must not cost an MFA code: it is looked up, on the PATH the child gets,
	// before any credentials are asked for.
	if _, err := shellenv.LookPath(in.Argv[0], sys.Environ()); err != nil {
		return err
	}
	t, creds, err := sys.enter(ctx, in.Name, in.Session, in.Yes)
	if err != nil {
		return err
	}
	tgt := sys.shellTarget(t.Chain, creds)
	var env []string
	if in.Server {
		srv, err := sys.serveEndpoint(ctx, t.Chain, in.Session)
		if err != nil {
			return err
		}
		defer srv.Close()
		env = shellenv.ServerEnv(sys.Environ(), srv, tgt)
	} else {
		env = shellenv.Env(sys.Environ(), creds, tgt)
		if sys.Console.Process() {
			return shellenv.Exec(in.Argv, env)
		}
	}
	// With --server acct stays to serve; streams that are not the process's own (acct run in
	// process) cannot be handed over by replacing the process. Either way the command is a child.
	stdio := shellenv.Stdio{In: sys.Console.In, Out: sys.Console.Out, Err: sys.Console.Err}
	code, err := shellenv.Run(ctx, in.Argv, env, stdio)
	if err != nil {
		return err
	}
	return exitStatus(code)
}

// enter is what exec and shell do before they run anything: resolve the name, guard a protected
// stage, obtain the credentials.
func (sys *system) enter(ctx context.Context, name string, in sessionInput, yes bool) (*target, aws.Credentials, error) {
	t, err := sys.resolveTarget(name)
	if err != nil {
		return nil, aws.Credentials{}, err
	}
	if err := sys.confirmProtected(t, yes); err != nil {
		return nil, aws.Credentials{}, err
	}
	_, creds, err := sys.credentials(ctx, t.Chain, in)
	if err != nil {
		return nil, aws.Credentials{}, err // one line: it names the fix where a warning would
	}
	sys.warnSurprises(t)
	return t, creds, nil
}

func exitStatus(code int) error {
	if code == 0 {
		return nil
	}
	return ExitStatus(code)
}

// shellTarget describes where credentials lead, for the child's environment, prompt and banner.
func (sys *system) shellTarget(ch *profiles.Chain, creds aws.Credentials) shellenv.Target {
	t := shellenv.Target{
		Profile: ch.Profile, Stage: ch.Stage, Namespace: ch.Namespace, Region: ch.Region,
		Protected: ch.Protected != profiles.Unprotected, Account: ch.Account, Vars: sys.stageVars(ch),
	}
	if n := len(ch.Roles); n > 0 {
		arn := ch.Roles[n-1].ARN
		t.Identity = arn
		if parts := strings.Split(arn, ":"); len(parts) > 4 && t.Account == "" {
			t.Account = parts[4]
		}
	} else if ch.SSORoleName != "" {
		t.Identity = "permission set " + ch.SSORoleName
		if t.Account == "" {
			t.Account = ch.SSOAccountID
		}
	} else {
		t.Identity = "source keys of " + ch.Source
	}
	if t.Stage == "" {
		t.Stage = ch.Profile
	}
	return t
}
