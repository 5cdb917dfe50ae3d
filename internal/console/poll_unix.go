//go:build unix

package console

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// waitReadable reports whether f has input within d.
func waitReadable(f *os.File, d time.Duration) (bool, error) {
	fds := []unix.PollFd{{Fd: int32(f.Fd()), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, int(d/time.Millisecond))
	if errors.Is(err, unix.EINTR) {
		return false, nil
	}
	return n > 0, err
}

// foreground reports whether this process is in the foreground process group of the terminal
// fd: only then may it read it without being stopped (SIGTTIN).
func foreground(fd int) bool {
	pgrp, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	return err == nil && pgrp == unix.Getpgrp()
}
