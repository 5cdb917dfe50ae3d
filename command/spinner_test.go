package command

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptyStderr gives a terminal as stderr and collects what is written to it.
func ptyStderr(t *testing.T) (*os.File, func() string) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pty here: %v", err)
	}
	var mu sync.Mutex
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		b := make([]byte, 4096)
		for {
			n, err := ptmx.Read(b)
			mu.Lock()
			buf.Write(b[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { tty.Close(); ptmx.Close(); <-done })
	return tty, func() string {
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		return buf.String()
	}
}

func spinIO(stderr io.Writer, env map[string]string) IO {
	return IO{Stderr: stderr, Getenv: func(k string) string { return env[k] }, ui: &uiState{}}
}

func TestSpinnerOnTerminalOnlyWhenSlow(t *testing.T) {
	tty, output := ptyStderr(t)
	sys := spinIO(tty, map[string]string{"TERM": "xterm"})

	stop := sys.spin("quick")
	stop()
	stop() // twice is fine
	if out := output(); strings.Contains(out, "quick") {
		t.Errorf("a spinner showed for something faster than %s: %q", spinnerDelay, out)
	}

	stop = sys.spin("contacting STS")
	time.Sleep(spinnerDelay + 250*time.Millisecond)
	stop()
	out := output()
	if !strings.Contains(out, "contacting STS") {
		t.Fatalf("no spinner after %s on a terminal: %q", spinnerDelay+250*time.Millisecond, out)
	}
	if !strings.Contains(out, "\x1b[36m") {
		t.Errorf("no colour on a colour terminal: %q", out)
	}
	if !strings.HasSuffix(out, "\r") || !strings.Contains(out, "\r"+strings.Repeat(" ", len([]rune("⠋ contacting STS")))+"\r") {
		t.Errorf("the spinner's line was not cleared: %q", out)
	}
}

func TestSpinnerNoColour(t *testing.T) {
	tty, output := ptyStderr(t)
	sys := spinIO(tty, map[string]string{"TERM": "xterm", "NO_COLOR": "1"})
	stop := sys.spin("unlocking the keyring")
	time.Sleep(spinnerDelay + 150*time.Millisecond)
	stop()
	out := output()
	if !strings.Contains(out, "unlocking the keyring") || strings.Contains(out, "\x1b[") {
		t.Errorf("with NO_COLOR: %q", out)
	}
}

func TestSpinnerSilentInPipesAndWithDebug(t *testing.T) {
	r, w, _ := os.Pipe()
	defer r.Close()
	sys := spinIO(w, nil)
	stop := sys.spin("contacting STS")
	time.Sleep(spinnerDelay + 150*time.Millisecond)
	stop()
	w.Close()
	if b, _ := io.ReadAll(r); len(b) != 0 {
		t.Errorf("a spinner in a pipe: %q", b)
	}

	tty, output := ptyStderr(t)
	sys = spinIO(tty, map[string]string{"TERM": "xterm"})
	sys.setDebug(true)
	stop = sys.spin("contacting STS")
	time.Sleep(spinnerDelay + 150*time.Millisecond)
	stop()
	if out := output(); strings.Contains(out, "contacting STS") {
		t.Errorf("a spinner tearing --debug lines: %q", out)
	}
}

// A prompt pauses the spinner: nothing is drawn while it waits for the user.
func TestSpinnerPausedByPrompt(t *testing.T) {
	tty, output := ptyStderr(t)
	sys := spinIO(tty, map[string]string{"TERM": "dumb"})
	stop := sys.spin("contacting STS")
	defer stop()
	time.Sleep(spinnerDelay + 150*time.Millisecond)
	resume := sys.pauseSpinner()
	before := output()
	time.Sleep(300 * time.Millisecond)
	if after := output(); after != before {
		t.Errorf("the spinner drew while paused: %q", strings.TrimPrefix(after, before))
	}
	if !strings.HasSuffix(before, "\r") {
		t.Errorf("pausing did not clear the line: %q", before)
	}
	resume()
	time.Sleep(250 * time.Millisecond)
	if after := output(); len(after) == len(before) {
		t.Error("the spinner did not come back after the prompt")
	}
}
