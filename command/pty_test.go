package command_test

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/acct-cli/acct/session/ststest"
)

// screenWait bounds every wait for text on a terminal; generous, since a loaded machine may take
// seconds to start Python (aws) or a shell, and only failures wait this long.
const screenWait = 30 * time.Second

// ansiRE matches terminal escape sequences (CSI, OSC, charset and keypad switches) and the
// carriage returns line editors use to redraw.
var ansiRE = regexp.MustCompile(`\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHMNOPZc]|\r|\x07`)

// stripANSI returns what a person would read: the text without escape sequences.
func stripANSI(s string) string { return ansiRE.ReplaceAllString(s, "") }

// tty is a program running on a pseudo-terminal of its own, as if a person had started it.
type tty struct {
	t    *testing.T
	name string
	pty  *os.File
	cmd  *exec.Cmd

	mu      sync.Mutex
	out     []byte
	plain   string // out stripped of escape sequences, as of plainOf bytes of it
	plainOf int
	pos     int           // in the stripped screen text: where the next expect starts looking
	more    chan struct{} // closed and replaced when output arrives or the reader ends
	eof     bool

	exited chan struct{}
	code   int
}

// startTTY runs prog with args and env on a new 50x250 terminal (wide, so line editors never wrap
// or scroll a typed line) in dir. It is killed when the test ends.
func startTTY(t *testing.T, env []string, dir, prog string, args ...string) *tty {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Env = env
	cmd.Dir = dir
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 250})
	if err != nil {
		t.Fatalf("start %s on a terminal: %v", prog, err)
	}
	p := &tty{t: t, name: filepath.Base(prog) + " " + strings.Join(args, " "), pty: f, cmd: cmd,
		more: make(chan struct{}), exited: make(chan struct{})}
	go p.read()
	go func() {
		err := cmd.Wait()
		var ee *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee):
			p.code = ee.ExitCode()
		default:
			p.code = -1
		}
		close(p.exited)
	}()
	t.Cleanup(func() {
		// Hanging up the terminal sends SIGHUP to acct and the shell's foreground job, as closing
		// a terminal window does; whatever still runs after that is killed.
		f.Close()
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

func (p *tty) read() {
	buf := make([]byte, 4096)
	for {
		n, err := p.pty.Read(buf)
		p.mu.Lock()
		p.out = append(p.out, buf[:n]...)
		if err != nil {
			p.eof = true
		}
		close(p.more)
		p.more = make(chan struct{})
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// screen is everything shown so far, escape sequences removed.
func (p *tty) screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stripped()
}

// stripped is screen with p.mu held. A test polls the screen while it waits: the text is stripped
// again only when output has arrived since.
func (p *tty) stripped() string {
	if p.plainOf != len(p.out) {
		p.plain, p.plainOf = stripANSI(string(p.out)), len(p.out)
	}
	return p.plain
}

// expect waits until the screen shows text after the previous match and returns the screen from
// there up to and including it. It fails the test after screenWait.
func (p *tty) expect(text string) string {
	p.t.Helper()
	m := p.expectRE(regexp.MustCompile(regexp.QuoteMeta(text)))
	return m[0]
}

// expectRE is expect for a regular expression; it returns the text before the match and the
// submatches.
func (p *tty) expectRE(re *regexp.Regexp) []string {
	p.t.Helper()
	deadline := time.NewTimer(screenWait)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		s := p.stripped()
		more, eof := p.more, p.eof
		start := min(p.pos, len(s))
		if loc := re.FindStringSubmatchIndex(s[start:]); loc != nil {
			p.pos = start + loc[1]
			p.mu.Unlock()
			subs := []string{s[start : start+loc[1]]}
			for i := 2; i < len(loc); i += 2 {
				if loc[i] < 0 {
					subs = append(subs, "")
				} else {
					subs = append(subs, s[start+loc[i]:start+loc[i+1]])
				}
			}
			return subs
		}
		p.mu.Unlock()
		if eof {
			p.t.Fatalf("%s: ended without showing %q; the screen after the last match:\n%s", p.name, re, s[start:])
		}
		select {
		case <-more:
		case <-deadline.C:
			p.t.Fatalf("%s: %q not shown within %s; the screen after the last match:\n%s", p.name, re, screenWait, s[start:])
		}
	}
}

// send types keys as they are.
func (p *tty) send(keys string) {
	p.t.Helper()
	if _, err := io.WriteString(p.pty, keys); err != nil {
		p.t.Fatalf("%s: type %q: %v", p.name, keys, err)
	}
}

// line types a line and Enter.
func (p *tty) line(s string) { p.t.Helper(); p.send(s + "\r") }

// wait waits for the program to exit and returns its exit status.
func (p *tty) wait() int {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(screenWait):
		p.t.Fatalf("%s: still running after %s; the screen:\n%s", p.name, screenWait, p.screen())
	}
	// What the program wrote last may still be on its way through the terminal: read on until
	// the terminal reports its end (no process holds it open any more), for a few seconds at most.
	giveUp := time.After(5 * time.Second)
	for {
		p.mu.Lock()
		more, eof := p.more, p.eof
		p.mu.Unlock()
		if eof {
			return p.code
		}
		select {
		case <-more:
		case <-giveUp:
			return p.code
		}
	}
}

// ttyEnv is the world's environment for programs on a terminal: acct first on PATH, so shells and
// completion scripts find the binary under test, and the given extra variables.
func (w *world) ttyEnv(extra ...string) []string {
	vars := map[string]string{}
	for k, v := range w.vars {
		vars[k] = v
	}
	vars["AWS_PAGER"] = "" // the AWS CLI would page its output through less on a terminal
	vars["PATH"] = filepath.Dir(acctBin) + string(os.PathListSeparator) + w.vars["PATH"]
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	var env []string
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// acctTTY runs acct on a terminal in the world's home.
func (w *world) acctTTY(extra []string, args ...string) *tty {
	w.t.Helper()
	return startTTY(w.t, w.ttyEnv(extra...), w.home, acctBin, args...)
}

// The roles of docs/examples/organization.yaml that the tests assume, all behind MFA.
var orgRoles = []string{
	"arn:aws:iam::323330167063:role/cpco-root-admin",
	"arn:aws:iam::111111111111:role/OrganizationAccountAccessRole",
	"arn:aws:iam::111111111111:role/cpco-prod-readonly",
	"arn:aws:iam::222222222222:role/OrganizationAccountAccessRole",
	"arn:aws:iam::222222222222:role/cpco-staging-readonly",
	"arn:aws:iam::333333333333:role/cpco-audit-readonly",
	"arn:aws:iam::444444444444:role/OrganizationAccountAccessRole",
	"arn:aws:iam::126450723953:role/OrganizationAccountAccessRole",
}

// orgWorld is alice's machine with the cpco organization generated from layout (a path), her
// keys stored for source profile cpco, and, when warm, an MFA session already cached in the
// keyring, so that later commands need no MFA code. ACCT_MFA_TOKEN is left unset either way.
func orgWorld(t *testing.T, layout string, warm bool) (*world, ststest.User) {
	t.Helper()
	w := newWorld(t)
	w.must("generate", "--layout", layout, "--user", "alice")
	u := w.sts.AddUser("323330167063", "alice")
	for _, arn := range orgRoles {
		w.sts.AddRole(arn, ststest.RoleOptions{RequireMFA: true})
	}
	w.vars["AWS_ACCESS_KEY_ID"], w.vars["AWS_SECRET_ACCESS_KEY"] = u.AccessKeyID, u.SecretAccessKey
	w.must("add", "--env", "cpco")
	delete(w.vars, "AWS_ACCESS_KEY_ID")
	delete(w.vars, "AWS_SECRET_ACCESS_KEY")
	if warm {
		w.vars["ACCT_MFA_TOKEN"] = w.sts.Code(u, time.Now())
		w.must("exec", "cpco-testing-admin", "true")
		delete(w.vars, "ACCT_MFA_TOKEN")
		if n := w.sts.Calls("GetSessionToken"); n != 1 {
			t.Fatalf("warming up: %d GetSessionToken calls, want 1", n)
		}
	}
	return w, u
}

func regexpMust(s string) *regexp.Regexp { return regexp.MustCompile(s) }
