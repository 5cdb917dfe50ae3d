// Package command wires acct's commands to urfave/cli and turns errors into one line and an exit status.
package command

import (
	"fmt"
	"io"
	"os"
)

// Main runs acct with args and returns the process exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	_ = stdin
	_ = stdout
	fmt.Fprintln(stderr, "acct: not yet")
	_ = os.Getenv
	return 1
}
