//go:build !unix

package console

import (
	"os"
	"time"
)

// waitReadable cannot wait without reading here; the read blocks as it would without acct.
func waitReadable(*os.File, time.Duration) (bool, error) { return true, nil }

// foreground: no controlling terminal to open here (/dev/tty is Unix's).
func foreground(int) bool { return false }
