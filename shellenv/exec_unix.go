//go:build unix

package shellenv

import (
	"errors"
	"fmt"
	"syscall"
)

// Exec replaces the current process with argv, run with env. argv[0] is
// resolved through the PATH in env. On success it does not return: signals,
// stdin/stdout and the exit status become the command's own.
func Exec(argv, env []string) error {
	if len(argv) == 0 {
		return errors.New("exec: no command given")
	}
	path, err := LookPath(argv[0], env)
	if err != nil {
		return err
	}
	if err := syscall.Exec(path, argv, env); err != nil {
		return fmt.Errorf("exec %s: %w", argv[0], err)
	}
	return nil
}
