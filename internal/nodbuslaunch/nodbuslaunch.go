// Package nodbuslaunch keeps 99designs/keyring from starting a D-Bus daemon every time acct runs.
//
// keyring's init functions (Secret Service, KWallet) call dbus.SessionBus(). With no
// DBUS_SESSION_BUS_ADDRESS and no $XDG_RUNTIME_DIR/bus socket (SSH sessions, containers, CI),
// godbus then runs `dbus-launch --autolaunch`: 40 to 140 ms on every acct run, and a bus daemon
// that may stay behind. A bus started that way has no unlocked keyring on it anyway.
//
// Go initialises packages in import-path order among those whose imports are ready (Go 1.21
// spec), so this package, importing only the standard library and sorting before
// github.com/godbus and github.com/dvsekhvalnov, runs before keyring's init. When no session bus
// exists it points DBUS_SESSION_BUS_ADDRESS at a socket that cannot exist; Restore (called from
// an init of package session, which runs after keyring's) puts the environment back, so nothing
// acct starts ever sees the placeholder.
package nodbuslaunch

import (
	"os"
	"path/filepath"
	"strconv"
)

const variable = "DBUS_SESSION_BUS_ADDRESS"

// placeholder is an address godbus fails to dial at once (ENOENT), without autolaunch.
const placeholder = "unix:path=/nonexistent/acct-no-session-bus"

var set bool

func init() {
	if a := os.Getenv(variable); a != "" && a != "autolaunch:" {
		return
	}
	// godbus looks for these sockets before autolaunching; leave them to it.
	for _, dir := range []string{os.Getenv("XDG_RUNTIME_DIR"), "/run/user/" + strconv.Itoa(os.Getuid())} {
		if dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "bus")); err == nil {
			return
		}
	}
	if os.Getenv("ACCT_DBUS_AUTOLAUNCH") == "1" {
		return
	}
	set = os.Setenv(variable, placeholder) == nil
}

// Restore removes the placeholder address, if this package set one.
func Restore() {
	if set && os.Getenv(variable) == placeholder {
		os.Unsetenv(variable)
	}
	set = false
}
