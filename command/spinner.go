package command

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/99designs/keyring"
	"github.com/acct-cli/acct/session"
	"github.com/urfave/cli/v2"
)

// uiState is what the commands of one App share while it runs: whether --debug is on and the
// spinner on screen, so that a prompt can hide it.
type uiState struct {
	mu      sync.Mutex
	debug   bool
	cmd     *cli.Context // the running command's, for --debug given after its arguments
	spinner *spinner
	keyring keyring.Keyring // opened once per run (openKeyring)
}

// spinnerDelay is how long something may take before a spinner shows: quick keyring reads and
// cache hits never flicker one.
const spinnerDelay = 200 * time.Millisecond

func debugFlag() cli.Flag {
	return &cli.BoolFlag{Name: "debug", Usage: "log STS calls, cache hits and misses, keyring backend and timings to stderr (secrets redacted)", EnvVars: []string{"ACCT_DEBUG"}}
}

// everyCommandTakesDebug gives every command the --debug flag, so `acct list --debug` works like
// `acct --debug list`; either one sets it in the command's own flags (where sessionInputFrom reads
// it) and in sys.ui. With --debug each command also logs how long it took.
func everyCommandTakesDebug(sys IO, app *cli.App) {
	var walk func([]*cli.Command)
	walk = func(cmds []*cli.Command) {
		for _, cmd := range cmds {
			cmd := cmd
			if !hasFlag(cmd.Flags, "debug") {
				cmd.Flags = append(cmd.Flags, debugFlag())
			}
			before, after := cmd.Before, cmd.After
			var start time.Time
			cmd.Before = func(c *cli.Context) error {
				start = time.Now()
				sys.ui.mu.Lock()
				sys.ui.cmd = c
				sys.ui.mu.Unlock()
				if debugRequested(c) {
					_ = c.Set("debug", "true")
					sys.setDebug(true)
				}
				if before != nil {
					return before(c)
				}
				return nil
			}
			cmd.After = func(c *cli.Context) error {
				var err error
				if after != nil {
					err = after(c)
				}
				if !start.IsZero() {
					sys.debugf("acct %s took %s", cmd.Name, time.Since(start).Round(time.Millisecond))
				}
				return err
			}
			walk(cmd.Subcommands)
		}
	}
	walk(app.Commands)
}

func hasFlag(flags []cli.Flag, name string) bool {
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

// debugRequested reports whether --debug (or ACCT_DEBUG) was given at any level.
func debugRequested(c *cli.Context) bool {
	for _, l := range c.Lineage() {
		if l.Bool("debug") {
			return true
		}
	}
	return false
}

func (sys IO) setDebug(on bool) {
	if sys.ui == nil {
		return
	}
	sys.ui.mu.Lock()
	sys.ui.debug = on
	sys.ui.mu.Unlock()
}

func (sys IO) debugOn() bool {
	if sys.ui == nil {
		return false
	}
	sys.ui.mu.Lock()
	on, c := sys.ui.debug, sys.ui.cmd
	sys.ui.mu.Unlock()
	// `acct exec prod --debug -- cmd`: flags after the arguments are set while the command runs.
	return on || (c != nil && debugRequested(c))
}

// debugf writes one --debug line to stderr. Callers pass names, durations and counts, never secrets.
func (sys IO) debugf(format string, args ...any) {
	if !sys.debugOn() {
		return
	}
	resume := sys.pauseSpinner()
	defer resume()
	fmt.Fprintf(sys.Stderr, "debug: "+format+"\n", args...)
}

// openKeyringTimed opens the keyring and, with --debug, says which backend it is and how long opening took.
func (sys IO) openKeyringTimed(cfg session.KeyringConfig) (keyring.Keyring, error) {
	start := time.Now()
	kr, err := session.OpenKeyring(cfg)
	took := time.Since(start).Round(time.Millisecond)
	switch k, ok := kr.(*session.Keyring); {
	case err != nil:
		sys.debugf("keyring open failed after %s", took)
	case ok:
		sys.debugf("keyring backend %s opened in %s", k.Backend(), took)
	default:
		sys.debugf("keyring opened in %s", took)
	}
	return kr, err
}

// colour reports whether acct may colour what it writes to stderr: a terminal, NO_COLOR unset and
// a terminal that knows colours.
func (sys IO) colour() bool {
	return isTerminal(sys.Stderr) && sys.getenv("NO_COLOR") == "" && sys.getenv("TERM") != "dumb"
}

func (sys IO) getenv(k string) string {
	if sys.Getenv == nil {
		return ""
	}
	return sys.Getenv(k)
}

// spin shows msg with a spinner on stderr while something slow runs (an STS call, a keyring
// unlock), and returns the function that removes it. Nothing shows in a pipe, with --debug (whose
// lines would be torn), or when the work takes less than spinnerDelay. stop may be called twice.
func (sys IO) spin(msg string) (stop func()) {
	if sys.ui == nil || !isTerminal(sys.Stderr) || sys.debugOn() {
		return func() {}
	}
	s := &spinner{w: sys.Stderr, msg: msg, colour: sys.colour(), done: make(chan struct{})}
	sys.ui.mu.Lock()
	if sys.ui.spinner != nil { // one at a time: the outer one keeps the screen
		sys.ui.mu.Unlock()
		return func() {}
	}
	sys.ui.spinner = s
	sys.ui.mu.Unlock()
	s.wg.Add(1)
	go s.run(spinnerDelay, 100*time.Millisecond)
	var once sync.Once
	return func() {
		once.Do(func() {
			close(s.done)
			s.wg.Wait()
			sys.ui.mu.Lock()
			sys.ui.spinner = nil
			sys.ui.mu.Unlock()
		})
	}
}

// pauseSpinner hides the spinner while a prompt or a message is written, and returns the function
// that lets it draw again. Every prompt calls it, so an MFA or passphrase prompt never fights the
// spinner for the line.
func (sys IO) pauseSpinner() (resume func()) {
	if sys.ui == nil {
		return func() {}
	}
	sys.ui.mu.Lock()
	s := sys.ui.spinner
	sys.ui.mu.Unlock()
	if s == nil {
		return func() {}
	}
	s.setPaused(true)
	return func() { s.setPaused(false) }
}

type spinner struct {
	w      interface{ Write([]byte) (int, error) }
	msg    string
	colour bool
	done   chan struct{}
	wg     sync.WaitGroup

	mu     sync.Mutex
	paused int
	shown  int // width of what is on the line now, 0 when nothing is
	frame  int
}

var spinnerFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func (s *spinner) run(delay, tick time.Duration) {
	defer s.wg.Done()
	select {
	case <-s.done:
		return
	case <-time.After(delay):
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		s.draw()
		select {
		case <-s.done:
			s.mu.Lock()
			s.clear()
			s.mu.Unlock()
			return
		case <-t.C:
		}
	}
}

func (s *spinner) draw() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.paused > 0 {
		return
	}
	f := spinnerFrames[s.frame%len(spinnerFrames)]
	s.frame++
	line := f + " " + s.msg
	if s.colour {
		line = "\x1b[36m" + f + "\x1b[0m " + s.msg
	}
	fmt.Fprint(s.w, "\r"+line)
	s.shown = len([]rune(f + " " + s.msg))
}

// clear blanks the line with spaces (no escape sequences, so TERM=dumb is fine too). Callers hold s.mu.
func (s *spinner) clear() {
	if s.shown == 0 {
		return
	}
	fmt.Fprint(s.w, "\r"+strings.Repeat(" ", s.shown)+"\r")
	s.shown = 0
}

func (s *spinner) setPaused(p bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p {
		s.paused++
		s.clear()
	} else if s.paused > 0 {
		s.paused--
	}
}
