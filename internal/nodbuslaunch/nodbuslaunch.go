// Package nodbuslaunch keeps 99designs/keyring's init from reaching for D-Bus when acct has no use
// for it.
//
// keyring's init functions (Secret Service, KWallet) call dbus.SessionBus(). With no
// DBUS_SESSION_BUS_ADDRESS and no $XDG_RUNTIME_DIR/bus socket (SSH sessions, containers, CI),
// godbus then runs `dbus-launch --autolaunch`: 40 to 140 ms on every acct run, and a bus daemon
// that may stay behind. A bus started that way has no unlocked keyring on it anyway. With a bus
// (a desktop), the init connects and authenticates: about 3 ms of every run, paid for nothing when
// ACCT_KEYRING_BACKEND names a backend that never talks to D-Bus (file, pass, keyctl). acct then
// opens no other backend: aws-vault's keys are imported from its file keyring only.
//
// Go initialises packages in import-path order among those whose imports are ready (Go 1.21
// spec), so this package, importing only the standard library and sorting before
// github.com/godbus and github.com/dvsekhvalnov, runs before keyring's init. It points
// DBUS_SESSION_BUS_ADDRESS at a socket that cannot exist; Restore (called from an init of package
// session, which runs after keyring's) puts the environment back as it was, so nothing acct
// starts ever sees the placeholder.
package nodbuslaunch

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const variable = "DBUS_SESSION_BUS_ADDRESS"

// placeholder is an address godbus fails to dial at once (ENOENT), without autolaunch.
const placeholder = "unix:path=/nonexistent/acct-no-session-bus"

var (
	set      bool
	original string
	had      bool
)

func init() {
	if !needless() {
		return
	}
	original, had = os.LookupEnv(variable)
	set = os.Setenv(variable, placeholder) == nil
}

// needless says whether keyring's init should be kept off the session bus.
func needless() bool {
	switch strings.TrimSpace(os.Getenv("ACCT_KEYRING_BACKEND")) {
	case "file", "pass", "keyctl":
		return true
	}
	if a := os.Getenv(variable); a != "" && a != "autolaunch:" {
		return false
	}
	// godbus looks for these sockets before autolaunching; leave them to it.
	for _, dir := range []string{os.Getenv("XDG_RUNTIME_DIR"), "/run/user/" + strconv.Itoa(os.Getuid())} {
		if dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "bus")); err == nil {
			return false
		}
	}
	return os.Getenv("ACCT_DBUS_AUTOLAUNCH") != "1"
}

// Restore puts DBUS_SESSION_BUS_ADDRESS back as it was before this package's init.
func Restore() {
	if set && os.Getenv(variable) == placeholder {
		if had {
			os.Setenv(variable, original)
		} else {
			os.Unsetenv(variable)
		}
	}
	set = false
}
