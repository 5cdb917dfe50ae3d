package testtool

import (
	"os"
	"strings"
	"syscall"
	"testing"
)

// Main runs a package's tests and exits with their status; see QuietRace.
func Main(m *testing.M) {
	QuietRace()
	os.Exit(m.Run())
}

// QuietRace starts a test binary built with -race again in its place with the race detector's
// exit sleep turned off, unless GORACE already sets it. The detector otherwise sleeps a second
// (atexit_sleep_ms) before every passing race-built process exits: each package's test binary,
// and each helper process a test starts from it, while it holds one of go test's -p slots. The
// environment carries the setting to those helpers. Everything else the detector does is kept:
// reports, and exit status 66 when it found a race. Where a process cannot be replaced
// (Windows), the tests run as they are.
func QuietRace() {
	gorace := os.Getenv("GORACE")
	if !Race || strings.Contains(gorace, "atexit_sleep_ms") {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	env := []string{"GORACE=" + strings.TrimSpace(gorace+" atexit_sleep_ms=0")}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GORACE=") {
			env = append(env, kv)
		}
	}
	syscall.Exec(exe, os.Args, env) // returns only when it failed
}
