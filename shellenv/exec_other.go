//go:build !unix

package shellenv

import (
	"context"
	"os"
)

// Exec runs argv with env and exits with its status: this OS cannot replace
// a process, so exiting with the child's status is the closest equivalent and
// keeps the promise that Exec does not return once the command has started.
func Exec(argv, env []string) error {
	code, err := Run(context.Background(), argv, env, Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	if err != nil && code < 0 {
		return err
	}
	os.Exit(code)
	return nil
}
