package command

import (
	"fmt"
	"os/exec"
	"runtime"

	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/session"
)

func loginCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "login",
		Usage:     "open the AWS console signed in as a profile",
		UsageText: "acct login <profile|stage> [--print]\n   acct login --sso <sso-profile|sso-session> [--print] [--aws-cli-cache] [--sso-discover]",
		Flags: append(append(sessionFlags(),
			&cli.BoolFlag{Name: "print", Usage: "print the sign-in URL instead of opening a browser"},
			&cli.StringFlag{Name: "destination", Usage: "console page to land on", Value: "https://console.aws.amazon.com/"},
		), ssoLoginFlags()...),
		BashComplete: completeTargets(sys),
		Action: func(c *cli.Context) error {
			name, err := nameArg(c)
			if err != nil {
				return err
			}
			if c.Bool("sso") {
				return runSSOLogin(c.Context, sys, ssoLoginInputFrom(c, name))
			}
			if name == "" {
				return usagef("name a profile: acct login <profile>")
			}
			_, creds, err := sys.targetCredentials(c, name)
			if err != nil {
				return err
			}
			url, err := session.LoginURL(c.Context, creds, session.LoginOptions{
				FederationURL: sys.Getenv("ACCT_FEDERATION_URL"),
				Destination:   c.String("destination"),
				Issuer:        "acct",
			})
			if err != nil {
				return err
			}
			if c.Bool("print") {
				fmt.Fprintln(sys.Console.Out, url)
				return nil
			}
			return openBrowser(url)
		},
	}
}

func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open a browser: %w; use acct login --print and open the URL yourself", err)
	}
	return nil
}
