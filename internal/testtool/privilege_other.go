//go:build !linux

package testtool

import (
	"os"
	"testing"
)

// Unprivileged: see privilege_unix.go. Elsewhere tests never run as root in CI.
func Unprivileged(t *testing.T) bool {
	t.Helper()
	if os.Geteuid() == 0 {
		Missing(t, "a Linux machine (to drop root for a permission test)", "")
	}
	return true
}

// SmallDisk: see privilege_unix.go; it needs Linux's tmpfs.
func SmallDisk(t *testing.T, size int) string {
	t.Helper()
	Missing(t, "a Linux tmpfs (to fill a small disk)", "")
	return ""
}

// Fill: see privilege_unix.go.
func Fill(t *testing.T, dir string) string { return "" }
