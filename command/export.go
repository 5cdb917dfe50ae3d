package command

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/acct-cli/acct/shellenv"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/urfave/cli/v2"
)

func exportCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "export",
		Usage:     "print a profile's temporary credentials",
		UsageText: "acct export <profile|stage> [--format env|json|credential-process]",
		Flags: append(sessionFlags(),
			&cli.StringFlag{Name: "format", Value: "env", Usage: "env (export lines for sh), json, or credential-process (Version 1 JSON)"},
		),
		BashComplete: completeTargets(sys),
		Action: func(c *cli.Context) error {
			names, _, err := commandArgs(c, -1)
			if err != nil {
				return err
			}
			return runExport(c, sys, names, c.String("format"))
		},
	}
}

func credentialProcessCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:         "credential-process",
		Usage:        "print credentials as the AWS credential_process JSON (for credential_process = acct credential-process NAME)",
		UsageText:    "acct credential-process <profile>",
		Flags:        sessionFlags(),
		BashComplete: completeTargets(sys),
		Action: func(c *cli.Context) error {
			names, _, err := commandArgs(c, -1)
			if err != nil {
				return err
			}
			return runExport(c, sys, names, "credential-process")
		},
	}
}

func runExport(c *cli.Context, sys *system, names []string, format string) error {
	if len(names) != 1 {
		return usagef("name one profile: acct %s <profile>", c.Command.Name)
	}
	name := names[0]
	switch format {
	case "env", "json", "credential-process":
	default:
		return usagef("--format %q is not known; use env, json or credential-process", format)
	}
	t, creds, err := sys.targetCredentials(c, name)
	if err != nil {
		return err
	}
	return writeCredentials(sys.Console.Out, format, creds, t.Chain.Region)
}

// processOutput is the credential_process output, Version 1, that every AWS SDK reads.
type processOutput struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
	Region          string `json:"Region,omitempty"`
}

func writeCredentials(w io.Writer, format string, creds aws.Credentials, region string) error {
	out := processOutput{Version: 1, AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken}
	if creds.CanExpire {
		out.Expiration = creds.Expires.UTC().Format(time.RFC3339)
	}
	switch format {
	case "env":
		// Every value is quoted: the region comes from the config and the keys may come from a
		// credential_process program, and `eval "$(acct export P)"` must only ever set variables.
		for _, kv := range [][2]string{
			{"AWS_ACCESS_KEY_ID", out.AccessKeyID}, {"AWS_SECRET_ACCESS_KEY", out.SecretAccessKey},
			{"AWS_SESSION_TOKEN", out.SessionToken}, {"AWS_CREDENTIAL_EXPIRATION", out.Expiration},
			{"AWS_REGION", region}, {"AWS_DEFAULT_REGION", region},
		} {
			if kv[1] != "" {
				fmt.Fprintf(w, "export %s=%s\n", kv[0], shellenv.Quote(kv[1]))
			}
		}
		return nil
	case "json":
		out.Region = region
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
