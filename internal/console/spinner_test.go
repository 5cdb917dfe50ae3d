package console

import (
	"bytes"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/acct-cli/acct/internal/testtool"
)

// ptyStderr gives a terminal as stderr and collects what is written to it.
func ptyStderr(t *testing.T) (*os.File, func() string) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		testtool.Missing(t, "a pseudo-terminal ("+err.Error()+")", "")
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

// spinStreams is stderr alone, with colour as a user's environment would ask.
func spinStreams(stderr io.Writer, colour bool) *Streams {
	s := New(nil, nil, stderr)
	s.SetColour(colour)
	return s
}

func TestSpinnerOnTerminalOnlyWhenSlow(t *testing.T) {
	tty, output := ptyStderr(t)
	sys := spinStreams(tty, true)

	stop := sys.Spin("quick")
	stop()
	stop() // twice is fine
	if out := output(); strings.Contains(out, "quick") {
		t.Errorf("a spinner showed for something faster than %s: %q", SpinnerDelay, out)
	}

	stop = sys.Spin("contacting STS")
	time.Sleep(SpinnerDelay + 250*time.Millisecond)
	stop()
	out := output()
	if !strings.Contains(out, "contacting STS") {
		t.Fatalf("no spinner after %s on a terminal: %q", SpinnerDelay+250*time.Millisecond, out)
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
	sys := spinStreams(tty, false)
	stop := sys.Spin("unlocking the keyring")
	time.Sleep(SpinnerDelay + 150*time.Millisecond)
	stop()
	out := output()
	if !strings.Contains(out, "unlocking the keyring") || strings.Contains(out, "\x1b[") {
		t.Errorf("with NO_COLOR: %q", out)
	}
}

func TestSpinnerSilentInPipes(t *testing.T) {
	r, w, _ := os.Pipe()
	defer r.Close()
	sys := spinStreams(w, true)
	stop := sys.Spin("contacting STS")
	time.Sleep(SpinnerDelay + 150*time.Millisecond)
	stop()
	w.Close()
	if b, _ := io.ReadAll(r); len(b) != 0 {
		t.Errorf("a spinner in a pipe: %q", b)
	}
}

// A prompt pauses the spinner: nothing is drawn while it waits for the user.
func TestSpinnerPausedByPrompt(t *testing.T) {
	tty, output := ptyStderr(t)
	sys := spinStreams(tty, false)
	stop := sys.Spin("contacting STS")
	defer stop()
	time.Sleep(SpinnerDelay + 150*time.Millisecond)
	resume := sys.Pause()
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
