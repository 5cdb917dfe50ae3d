package console

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/manifoldco/promptui"

	"github.com/acct-cli/acct/internal/fault"
)

// ErrInterrupted is Ctrl-C (or the end of input) at a prompt: nothing was started.
var ErrInterrupted = fault.New(fault.Interrupted, "interrupted at a prompt; nothing was run")

// Prompter asks the person at the terminal. Every method returns ErrInterrupted on Ctrl-C.
type Prompter interface {
	// Input asks for one line. def is taken on a bare Enter; validate (nil for none) is checked
	// as the person types, and Enter does nothing until it passes.
	Input(label, def string, validate func(string) error) (string, error)
	// Password asks for a secret; what is typed is masked.
	Password(label string) (string, error)
	// Select shows items, filtered as the person types, and returns the one chosen with Enter.
	Select(label string, items []string) (string, error)
	// Confirm asks a yes/no question; def is the answer to a bare Enter.
	Confirm(label string, def bool) (bool, error)
}

// NewPrompter returns the promptui prompts on s: questions are written to s.Err, so stdout stays
// the command's output, and each pauses s's spinner. filter decides which items Select keeps for
// what was typed (nil: a case-insensitive substring).
func NewPrompter(s *Streams, filter func(item, typed string) bool) Prompter {
	if filter == nil {
		filter = func(item, typed string) bool {
			return strings.Contains(strings.ToLower(item), strings.ToLower(typed))
		}
	}
	return &uiPrompter{s: s, filter: filter}
}

type uiPrompter struct {
	s      *Streams
	filter func(item, typed string) bool
}

func (p *uiPrompter) Input(label, def string, validate func(string) error) (string, error) {
	return p.run(promptui.Prompt{Label: label, Default: def, Validate: validate})
}

func (p *uiPrompter) Password(label string) (string, error) {
	return p.run(promptui.Prompt{Label: label, Mask: '*'})
}

func (p *uiPrompter) Confirm(label string, def bool) (bool, error) {
	hint := map[bool]string{true: "Y/n", false: "y/N"}[def]
	v, err := p.run(promptui.Prompt{Label: fmt.Sprintf("%s [%s]", label, hint)})
	if err != nil {
		return false, err
	}
	switch strings.ToLower(v) {
	case "":
		return def, nil
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

func (p *uiPrompter) run(q promptui.Prompt) (string, error) {
	defer p.s.Pause()()
	in := p.input()
	defer in.Close()
	q.Stdin, q.Stdout = in, nopWriteCloser{p.s.Err}
	v, err := q.Run()
	if err := interrupted(err); err != nil {
		return "", fmt.Errorf("prompt %q: %w", q.Label, err)
	}
	return strings.TrimSpace(v), nil
}

func (p *uiPrompter) Select(label string, items []string) (string, error) {
	defer p.s.Pause()()
	in := p.input()
	defer in.Close()
	sel := promptui.Select{
		Label:             label,
		Items:             items,
		Size:              12,
		StartInSearchMode: true,
		Searcher: func(typed string, i int) bool {
			typed = strings.TrimSpace(typed)
			return typed == "" || p.filter(items[i], typed)
		},
		Stdin:  in,
		Stdout: nopWriteCloser{p.s.Err},
	}
	_, v, err := sel.Run()
	if err := interrupted(err); err != nil {
		return "", fmt.Errorf("picker: %w", err)
	}
	return v, nil
}

// interrupted turns promptui's Ctrl-C and end of input into ErrInterrupted.
func interrupted(err error) error {
	if errors.Is(err, promptui.ErrInterrupt) || errors.Is(err, promptui.ErrEOF) || errors.Is(err, io.EOF) {
		return ErrInterrupted
	}
	return err
}

// input is the terminal as one prompt reads it. promptui's line editor reads from a goroutine
// that outlives the prompt; once the prompt is answered and this input closed, that goroutine's
// pending read ends with EOF instead of swallowing the next keys typed, whether at the next
// prompt or in the shell acct starts afterwards.
func (p *uiPrompter) input() io.ReadCloser {
	f, ok := p.s.In.(*os.File)
	if !ok {
		return io.NopCloser(p.s.In)
	}
	return &pollInput{f: f}
}

type pollInput struct {
	f      *os.File
	closed atomic.Bool
}

func (in *pollInput) Read(b []byte) (int, error) {
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

func (in *pollInput) Close() error {
	in.closed.Store(true)
	return nil
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
