package console

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// SpinnerDelay is how long something may take before a spinner shows: quick keyring reads and
// cache hits never flicker one.
const SpinnerDelay = 200 * time.Millisecond

// Spin shows msg with a spinner on stderr while something slow runs (an STS call, a keyring
// unlock) and returns the function that removes it. Nothing shows when stderr is not a terminal
// or the work takes less than SpinnerDelay; one spinner at a time (the outer one keeps the
// line). stop may be called twice.
func (s *Streams) Spin(msg string) (stop func()) {
	if !s.ErrTTY() {
		return func() {}
	}
	sp := &Spinner{w: s.Err, msg: msg, colour: s.ColourErr(), ticker: s.ticker, done: make(chan struct{})}
	if sp.ticker == nil {
		sp.ticker = wallTicker
	}
	s.mu.Lock()
	if s.spinner != nil {
		s.mu.Unlock()
		return func() {}
	}
	s.spinner = sp
	s.mu.Unlock()
	sp.wg.Add(1)
	go sp.run(SpinnerDelay, 100*time.Millisecond)
	var once sync.Once
	return func() {
		once.Do(func() {
			close(sp.done)
			sp.wg.Wait()
			s.mu.Lock()
			s.spinner = nil
			s.mu.Unlock()
		})
	}
}

// Pause hides the spinner while a prompt or a message is written and returns the function that
// lets it draw again. Every prompt calls it, so a prompt never fights the spinner for the line.
func (s *Streams) Pause() (resume func()) {
	s.mu.Lock()
	sp := s.spinner
	s.mu.Unlock()
	if sp == nil {
		return func() {}
	}
	sp.setPaused(true)
	return func() { sp.setPaused(false) }
}

// Spinner is one spinner on the screen; Streams.Spin starts it.
type Spinner struct {
	w      io.Writer
	msg    string
	colour bool
	ticker ticker
	done   chan struct{}
	wg     sync.WaitGroup

	mu     sync.Mutex
	paused int
	shown  int // width of what is on the line now, 0 when nothing is
	frame  int
}

// ticker starts a ticker of period d and returns its channel and the function that stops it.
type ticker func(d time.Duration) (c <-chan time.Time, stop func())

func wallTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func (sp *Spinner) run(delay, tick time.Duration) {
	defer sp.wg.Done()
	wait, stopWait := sp.ticker(delay)
	select {
	case <-sp.done:
		stopWait()
		return
	case <-wait:
	}
	stopWait()
	frames, stopFrames := sp.ticker(tick)
	defer stopFrames()
	for {
		sp.draw()
		select {
		case <-sp.done:
			sp.mu.Lock()
			sp.clear()
			sp.mu.Unlock()
			return
		case <-frames:
		}
	}
}

func (sp *Spinner) draw() {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.paused > 0 {
		return
	}
	f := spinnerFrames[sp.frame%len(spinnerFrames)]
	sp.frame++
	line := f + " " + sp.msg
	if sp.colour {
		line = "\x1b[36m" + f + "\x1b[0m " + sp.msg
	}
	fmt.Fprint(sp.w, "\r"+line)
	sp.shown = len([]rune(f + " " + sp.msg))
}

// clear blanks the line with spaces (no escape sequences, so TERM=dumb is fine too). Callers hold sp.mu.
func (sp *Spinner) clear() {
	if sp.shown == 0 {
		return
	}
	fmt.Fprint(sp.w, "\r"+strings.Repeat(" ", sp.shown)+"\r")
	sp.shown = 0
}

func (sp *Spinner) setPaused(p bool) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if p {
		sp.paused++
		sp.clear()
	} else if sp.paused > 0 {
		sp.paused--
	}
}
