package command

import (
	"errors"
	"fmt"
	"github.com/acct-cli/acct/profiles"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/manifoldco/promptui"
	"golang.org/x/term"
)

// errInterrupted is Ctrl-C at one of acct's prompts: nothing was started, exit status 130.
var errInterrupted = ExitStatus(130)

// interactive reports whether a person is at a terminal: both stdin and stderr (where prompts go)
// must be terminals, so `acct exec prod -- cmd | tee log` still asks but `echo | acct ...` does not.
func (sys IO) interactive() bool {
	return isTerminal(sys.Stdin) && isTerminal(sys.Stderr)
}

func isTerminal(v any) bool {
	f, ok := v.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// promptInput is the terminal as one prompt reads it. promptui's line editor reads from a
// goroutine that outlives the prompt; once the prompt is answered and this input closed, that
// goroutine's pending read ends with EOF instead of swallowing the next keys typed, whether at the
// next prompt or in the shell acct starts afterwards.
type promptInput struct {
	f      *os.File
	closed atomic.Bool
}

func (sys IO) promptInput() io.ReadCloser {
	f, ok := sys.Stdin.(*os.File)
	if !ok {
		return io.NopCloser(sys.Stdin)
	}
	return &promptInput{f: f}
}

func (in *promptInput) Read(b []byte) (int, error) {
	for {
		if in.closed.Load() {
			return 0, io.EOF
		}
		ready, err := waitReadable(in.f, 50*time.Millisecond)
		if err != nil {
			return 0, err
		}
		if ready && !in.closed.Load() {
			return in.f.Read(b)
		}
	}
}

func (in *promptInput) Close() error {
	in.closed.Store(true)
	return nil
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// prompt asks one question on the terminal; prompts are written to stderr so stdout stays the
// command's output.
func (sys IO) prompt(label string, mask bool, validate func(string) error) (string, error) {
	defer sys.pauseSpinner()() // a prompt never fights the spinner for the line
	in := sys.promptInput()
	defer in.Close()
	p := promptui.Prompt{
		Label:    label,
		Validate: validate,
		Stdin:    in,
		Stdout:   nopWriteCloser{sys.Stderr},
	}
	if mask {
		p.Mask = '*'
	}
	v, err := p.Run()
	if errors.Is(err, promptui.ErrInterrupt) || errors.Is(err, promptui.ErrEOF) {
		return "", errInterrupted
	}
	if err != nil {
		return "", fmt.Errorf("prompt %q: %w", label, err)
	}
	return strings.TrimSpace(v), nil
}

// pick shows a filterable list (type to filter, Enter to choose) and returns the chosen item.
func (sys IO) pick(label string, items []string) (string, error) {
	in := sys.promptInput()
	defer in.Close()
	s := promptui.Select{
		Label:             label,
		Items:             items,
		Size:              12,
		StartInSearchMode: true,
		Searcher: func(input string, i int) bool {
			return fuzzyContains(items[i], input)
		},
		Stdin:  in,
		Stdout: nopWriteCloser{sys.Stderr},
	}
	_, v, err := s.Run()
	if errors.Is(err, promptui.ErrInterrupt) || errors.Is(err, promptui.ErrEOF) {
		return "", errInterrupted
	}
	if err != nil {
		return "", fmt.Errorf("picker: %w", err)
	}
	return v, nil
}

// fuzzyContains reports whether the letters of pattern appear in s in order, ignoring case; an
// empty filter shows every item.
func fuzzyContains(s, pattern string) bool {
	pattern = strings.ToLower(strings.TrimSpace(pattern))
	return pattern == "" || profiles.Subsequence(pattern, strings.ToLower(s))
}
