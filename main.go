// Command acct turns a team's AWS account layout into profiles, holds keys in the OS keyring,
// and hands temporary credentials to programs and per-stage shells.
package main

import (
	"os"

	"github.com/acct-cli/acct/command"
)

func main() {
	os.Exit(command.Main(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
