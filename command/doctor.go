package command

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/shellenv"
)

func doctorCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "doctor",
		Usage:     "check the layout and ~/.aws/config; one line per finding with its fix",
		UsageText: "acct doctor [--layout FILE]",
		Description: "The first line names the config and the layout checked. Checks: the config parses as the AWS\n" +
			"CLI reads it, acct's blocks are intact and up to date with the layout (with the --user they\n" +
			"were generated with), every profile resolves, and every credential_process program exists.",
		Flags: []cli.Flag{layoutFlag()},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			var findings []string
			var layout *profiles.Layout
			checked := "no layout"
			// No layout at all is fine for doctor (a hand-written config); a broken one is a finding.
			if path, err := sys.findLayout(c.String("layout")); err == nil {
				checked = "layout " + path
				if layout, err = profiles.Load(path); err != nil {
					findings = append(findings, err.Error())
				}
			} else if c.String("layout") != "" {
				findings = append(findings, err.Error())
			}
			fmt.Fprintf(sys.Console.Out, "checking %s with %s\n", sys.configPath(), checked)
			cfg, _ := profiles.Read(sys.configPath())
			creds, _ := profiles.ReadINI(profiles.CredentialsPath(sys.Getenv)) // nil when there is none
			found := append(profiles.Doctor(cfg, creds, layout), profiles.DoctorPrograms(cfg, sys.lookProgram)...)
			for _, f := range found {
				findings = append(findings, findingLine(f))
			}
			for _, f := range findings {
				fmt.Fprintln(sys.Console.Out, f)
			}
			if len(findings) > 0 {
				return ExitStatus(1)
			}
			fmt.Fprintf(sys.Console.Out, "%s: no problems found\n", sys.configPath())
			return nil
		},
	}
}

// lookProgram says why a credential_process program cannot be run: a bare name is looked up on
// acct's PATH, as the AWS CLI would; a path must be an executable file.
func (sys *system) lookProgram(program string) error {
	if strings.ContainsAny(program, `/\`) {
		return programRuns(program)
	}
	if _, err := shellenv.LookPath(program, sys.Environ()); err != nil {
		return fmt.Errorf("not found on PATH")
	}
	return nil
}

// programRuns says why the file at path cannot be run, or nil.
func programRuns(path string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("does not exist")
	case err != nil:
		return err
	case st.IsDir() || st.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("is not executable (mode %v)", st.Mode())
	}
	return nil
}

// findingLine is one finding as the user reads it: where, what, and the fix.
func findingLine(f profiles.Finding) string {
	where := ""
	if f.Profile != "" {
		where = "profile " + f.Profile + ": "
	}
	if f.Line > 0 {
		where = fmt.Sprintf("line %d: %s", f.Line, where)
	}
	line := fmt.Sprintf("%s: %s%s", f.Severity, where, f.Message)
	if f.Fix != "" {
		line += "; fix: " + f.Fix
	}
	return line
}
