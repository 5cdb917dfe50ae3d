package console

import (
	"bytes"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/acct-cli/acct/internal/testtool"
)

// patience bounds waits for output that should come at once, so that only a hang ends one,
// never a slow machine.
const patience = 30 * time.Second

// screen is what has been written to a pseudo-terminal, read as it arrives.
type screen struct {
	tty *os.File
	mu  sync.Mutex
	buf bytes.Buffer
}

// ptyStderr gives a terminal as stderr and collects what is written to it.
func ptyStderr(t *testing.T) (*os.File, *screen) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		testtool.Missing(t, "a pseudo-terminal ("+err.Error()+")", "")
	}
	scr := &screen{tty: tty}
	done := make(chan struct{})
	go func() {
		defer close(done)
		b := make([]byte, 4096)
		for {
			n, err := ptmx.Read(b)
			scr.mu.Lock()
			scr.buf.Write(b[:n])
			scr.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { tty.Close(); ptmx.Close(); <-done })
	return tty, scr
}

// waitFor returns the output once it contains want.
func (scr *screen) waitFor(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		scr.mu.Lock()
		out := scr.buf.String()
		scr.mu.Unlock()
		if strings.Contains(out, want) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q: %q", want, out)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// flush returns everything written to the terminal so far: it writes a mark of its own, which
// the terminal passes on after all earlier output, waits for it and takes it out again.
func (scr *screen) flush(t *testing.T) string {
	t.Helper()
	const mark = "<flushed>"
	if _, err := scr.tty.WriteString(mark); err != nil {
		t.Fatal(err)
	}
	scr.waitFor(t, mark)
	scr.mu.Lock()
	defer scr.mu.Unlock()
	before, after, _ := strings.Cut(scr.buf.String(), mark)
	scr.buf.Reset()
	scr.buf.WriteString(before + after)
	return before
}

// handClock is a spinner ticker the test moves: tick returns once the spinner has taken the
// tick, so the frame it draws for it is either on its way or withheld.
type handClock struct {
	t       *testing.T
	c       chan time.Time
	mu      sync.Mutex
	periods []time.Duration
}

func newHandClock(t *testing.T) *handClock { return &handClock{t: t, c: make(chan time.Time)} }

func (h *handClock) ticker(d time.Duration) (<-chan time.Time, func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.periods = append(h.periods, d)
	return h.c, func() {}
}

func (h *handClock) tick() {
	h.t.Helper()
	select {
	case h.c <- time.Now():
	case <-time.After(patience):
		h.t.Fatal("the spinner never waited for a tick")
	}
}

// asked returns the periods of the tickers the spinner started.
func (h *handClock) asked() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.periods)
}

// spinStreams is stderr alone, with colour as a user's environment would ask; the spinner's
// ticks come from clock, or from the wall clock when it is nil.
func spinStreams(stderr io.Writer, colour bool, clock *handClock) *Streams {
	s := New(nil, nil, stderr)
	s.SetColour(colour)
	if clock != nil {
		s.ticker = clock.ticker
	}
	return s
}

func TestSpinnerOnTerminalOnlyWhenSlow(t *testing.T) {
	tty, scr := ptyStderr(t)
	clock := newHandClock(t)
	sys := spinStreams(tty, true, clock)

	stop := sys.Spin("quick")
	stop()
	stop() // twice is fine
	if out := scr.flush(t); strings.Contains(out, "quick") {
		t.Errorf("a spinner showed for something faster than %s: %q", SpinnerDelay, out)
	}
	if got := clock.asked(); len(got) == 0 || got[0] != SpinnerDelay {
		t.Errorf("the spinner waited for tickers of %v, want %s first", got, SpinnerDelay)
	}

	stop = sys.Spin("contacting STS")
	clock.tick() // SpinnerDelay has passed
	scr.waitFor(t, "contacting STS")
	stop()
	out := scr.flush(t)
	if !strings.Contains(out, "\x1b[36m") {
		t.Errorf("no colour on a colour terminal: %q", out)
	}
	if !strings.HasSuffix(out, "\r"+strings.Repeat(" ", len([]rune("⠋ contacting STS")))+"\r") {
		t.Errorf("the spinner's line was not cleared: %q", out)
	}
}

// On the wall clock, as the program runs it.
func TestSpinnerNoColour(t *testing.T) {
	tty, scr := ptyStderr(t)
	sys := spinStreams(tty, false, nil)
	stop := sys.Spin("unlocking the keyring")
	scr.waitFor(t, "unlocking the keyring")
	stop()
	if out := scr.flush(t); strings.Contains(out, "\x1b[") {
		t.Errorf("with NO_COLOR: %q", out)
	}
}

func TestSpinnerSilentInPipes(t *testing.T) {
	r, w, _ := os.Pipe()
	defer r.Close()
	clock := newHandClock(t)
	sys := spinStreams(w, true, clock)
	stop := sys.Spin("contacting STS")
	stop()
	w.Close()
	if b, _ := io.ReadAll(r); len(b) != 0 {
		t.Errorf("a spinner in a pipe: %q", b)
	}
	if got := clock.asked(); len(got) != 0 {
		t.Errorf("a spinner in a pipe waited for tickers of %v", got)
	}
}

// A prompt pauses the spinner: nothing is drawn while it waits for the user.
func TestSpinnerPausedByPrompt(t *testing.T) {
	tty, scr := ptyStderr(t)
	clock := newHandClock(t)
	sys := spinStreams(tty, false, clock)
	stop := sys.Spin("contacting STS")
	defer stop()
	clock.tick() // SpinnerDelay has passed
	scr.waitFor(t, "contacting STS")

	resume := sys.Pause()
	before := scr.flush(t)
	if !strings.HasSuffix(before, "\r"+strings.Repeat(" ", len([]rune("⠋ contacting STS")))+"\r") {
		t.Errorf("pausing did not clear the line: %q", before)
	}
	clock.tick()
	clock.tick() // returns once the spinner is done with the frame before
	if after := scr.flush(t); after != before {
		t.Errorf("the spinner drew while paused: %q", strings.TrimPrefix(after, before))
	}

	resume()
	clock.tick()
	scr.waitFor(t, before+"\r⠙ contacting STS")
}

func TestMain(m *testing.M) { testtool.Main(m) }
