package testtool

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// unprivilegedVar marks the child process that Unprivileged starts.
const unprivilegedVar = "ACCT_TEST_UNPRIVILEGED"

// nobody is the user the child runs as (Debian's nobody/nogroup).
const nobody = 65534

// Unprivileged makes the calling test run without root's powers, since root passes every
// permission check and CI runs as root. Run as root, it runs the test again as nobody in a child
// process (a copy of the test binary nobody can execute), reports its result, and returns false:
// the caller returns at once. In that child, or when not root, it returns true: go on.
func Unprivileged(t *testing.T) bool {
	t.Helper()
	if os.Getenv(unprivilegedVar) != "" {
		MarkPassed(t)
		return true
	}
	if os.Geteuid() != 0 {
		return true
	}
	dir, err := os.MkdirTemp("", "acct-unprivileged-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, filepath.Base(os.Args[0]))
	if err := copyExecutable(os.Args[0], bin); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^"+strings.ReplaceAll(t.Name(), "/", "$/^")+"$", "-test.count=1", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), unprivilegedVar+"=1", "HOME="+dir, "GOCOVERDIR=")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	RunChild(t, cmd)
	return false
}

func copyExecutable(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// SmallDisk mounts a tmpfs of size bytes on a new directory under t.TempDir() and returns that
// directory, unmounted when the test ends: a disk a test can fill. Mounting needs root: elsewhere
// the test is skipped as Missing says.
func SmallDisk(t *testing.T, size int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "root (to mount a small tmpfs)", "")
	}
	dir := filepath.Join(t.TempDir(), "small-disk")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, fmt.Sprintf("size=%d,mode=0755", size)); err != nil {
		Missing(t, "a tmpfs mount ("+err.Error()+")", "")
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// Fill writes a file into dir until its disk is full and returns the file's path; removing it
// gives the space back.
func Fill(t *testing.T, dir string) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "filler-")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Single bytes use up the last partial page.
	for _, chunk := range [][]byte{make([]byte, 4096), {0}} {
		for err == nil {
			_, err = f.Write(chunk)
		}
		if !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("filling the disk: %v", err)
		}
		err = nil
	}
	return f.Name()
}
