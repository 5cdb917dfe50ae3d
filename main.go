// Command acct turns a team's AWS account layout into profiles, holds keys in the OS keyring,
// and hands temporary credentials to programs and per-stage shells.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/acct-cli/acct/command"
)

func main() {
	// No signal context here: exec and shell hand Ctrl-C to the program they run, which decides.
	err := command.Run(context.Background(), command.OS(), os.Args)
	// The one place errors become the user's line and an exit status.
	if msg := command.Message(err); msg != "" {
		fmt.Fprintln(os.Stderr, msg)
	}
	os.Exit(command.Status(err))
}
