package command

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/profiles"
)

func doctorCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "doctor",
		Usage:     "check the layout and ~/.aws/config; one line per finding with its fix",
		UsageText: "acct doctor [--layout FILE]",
		Flags:     []cli.Flag{layoutFlag()},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			var findings []string
			var layout *profiles.Layout
			// No layout at all is fine for doctor (a hand-written config); a broken one is a finding.
			if path, err := sys.findLayout(c.String("layout")); err == nil {
				if layout, err = profiles.Load(path); err != nil {
					findings = append(findings, err.Error())
				}
			} else if c.String("layout") != "" {
				findings = append(findings, err.Error())
			}
			cfg, _ := profiles.Read(sys.configPath())
			creds, _ := profiles.ReadINI(profiles.CredentialsPath(sys.Getenv)) // nil when there is none
			for _, f := range profiles.Doctor(cfg, creds, layout) {
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
