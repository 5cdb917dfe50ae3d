//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package shellenv

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// foregroundPgrp returns the foreground process group of the controlling
// terminal, or -1 when there is none.
func foregroundPgrp() (int, *os.File) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return -1, nil
	}
	pg, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCGPGRP)
	if err != nil {
		f.Close()
		return -1, nil
	}
	return pg, f
}

// sentByTerminal reports whether s most likely came from the terminal's line
// discipline (Ctrl-C, Ctrl-\): that happens only while our process group is
// the terminal's foreground group, and then the child got its own copy.
func sentByTerminal(s os.Signal) bool {
	if s != syscall.SIGINT && s != syscall.SIGQUIT {
		return false
	}
	pg, f := foregroundPgrp()
	if f == nil {
		return false
	}
	f.Close()
	return pg == unix.Getpgrp()
}

type foreground struct {
	tty *os.File
}

// captureForeground remembers whether acct owns the terminal before a child
// starts. Interactive shells move themselves into their own process group and
// take the terminal; if one dies without handing it back (SIGKILL), acct
// would be stopped by SIGTTOU/SIGTTIN on its next terminal access.
func captureForeground() foreground {
	pg, f := foregroundPgrp()
	if f == nil {
		return foreground{}
	}
	if pg != unix.Getpgrp() {
		f.Close()
		return foreground{}
	}
	return foreground{tty: f}
}

func (fg foreground) restore() {
	if fg.tty == nil {
		return
	}
	defer fg.tty.Close()
	fd := int(fg.tty.Fd())
	mine := unix.Getpgrp()
	if pg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); err != nil || pg == mine {
		return
	}
	// A background process that sets the foreground group gets SIGTTOU
	// unless it ignores it.
	signal.Ignore(syscall.SIGTTOU)
	defer signal.Reset(syscall.SIGTTOU)
	_ = unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, mine)
}
