//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package shellenv

import "os"

func sentByTerminal(os.Signal) bool { return false }

type foreground struct{}

func captureForeground() foreground { return foreground{} }
func (foreground) restore()         {}
