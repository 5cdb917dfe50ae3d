// Package consoletest gives command tests a terminal without a terminal: Streams whose output is
// kept in buffers and that say they are (or are not) terminals, and a Prompter that answers from
// a script and records every question, so a test can check what was asked.
package consoletest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/acct-cli/acct/internal/console"
)

// Streams returns console streams reading in, writing to the returned buffers, and reporting
// every stream as a terminal when tty is true.
func Streams(in string, tty bool) (s *console.Streams, stdout, stderr *Buffer) {
	stdout, stderr = &Buffer{}, &Buffer{}
	s = console.New(strings.NewReader(in), stdout, stderr)
	s.SetTTY(tty, tty, tty)
	return s, stdout, stderr
}

// Buffer is a bytes.Buffer safe for the spinner's goroutine and the test to share.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Answer is what the person types at one prompt whose label contains Label.
type Answer struct {
	Label     string
	Value     string // typed text, the item chosen, or "y"/"n" for Confirm; "" takes the default
	Interrupt bool   // Ctrl-C instead of an answer
}

// Question is one prompt as it was shown.
type Question struct {
	Kind     string // input, password, select, confirm
	Label    string
	Items    []string // what a Select offered
	Rejected []string // answers its validation refused (the prompt was asked again)
}

// Prompter answers prompts in the order of its script and fails the test on a prompt the script
// does not expect, or, when the test ends, on answers never asked for.
type Prompter struct {
	t       testing.TB
	mu      sync.Mutex
	answers []Answer
	asked   []Question
}

// NewPrompter returns a Prompter that gives answers in order.
func NewPrompter(t testing.TB, answers ...Answer) *Prompter {
	p := &Prompter{t: t, answers: answers}
	t.Cleanup(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if len(p.answers) > 0 {
			t.Errorf("prompts never asked: %+v (asked: %+v)", p.answers, p.asked)
		}
	})
	return p
}

// Asked returns the questions shown so far.
func (p *Prompter) Asked() []Question {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.asked)
}

// ask records q and returns the script's answer to it.
func (p *Prompter) ask(q Question) (Answer, error) {
	p.mu.Lock()
	p.asked = append(p.asked, q)
	p.mu.Unlock()
	return p.take(q)
}

// take returns the script's next answer, for q.
func (p *Prompter) take(q Question) (Answer, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.answers) == 0 {
		p.t.Errorf("unexpected %s prompt %q", q.Kind, q.Label)
		return Answer{}, console.ErrInterrupted
	}
	a := p.answers[0]
	p.answers = p.answers[1:]
	if !strings.Contains(q.Label, a.Label) {
		p.t.Errorf("%s prompt %q, want one about %q", q.Kind, q.Label, a.Label)
	}
	if a.Interrupt {
		return a, console.ErrInterrupted
	}
	return a, nil
}

// Input takes answers until one passes validate, as a person retypes after the prompt's hint;
// each refused one is in the question's Rejected.
func (p *Prompter) Input(label, def string, validate func(string) error) (string, error) {
	q := Question{Kind: "input", Label: label}
	a, err := p.ask(q)
	for ; err == nil; a, err = p.take(q) {
		v := a.Value
		if v == "" {
			v = def
		}
		if validate == nil || validate(v) == nil {
			return v, nil
		}
		p.mu.Lock()
		last := &p.asked[len(p.asked)-1]
		last.Rejected = append(last.Rejected, v)
		p.mu.Unlock()
	}
	return "", err
}

func (p *Prompter) Password(label string) (string, error) {
	a, err := p.ask(Question{Kind: "password", Label: label})
	return a.Value, err
}

func (p *Prompter) Select(label string, items []string) (string, error) {
	a, err := p.ask(Question{Kind: "select", Label: label, Items: slices.Clone(items)})
	if err != nil {
		return "", err
	}
	v := a.Value
	if v == "" && len(items) > 0 {
		v = items[0] // Enter takes the first item
	}
	if !slices.Contains(items, v) {
		p.t.Errorf("select %q: %q is not among %v", label, v, items)
		return "", fmt.Errorf("%q not offered", v)
	}
	return v, nil
}

func (p *Prompter) Confirm(label string, def bool) (bool, error) {
	a, err := p.ask(Question{Kind: "confirm", Label: label})
	if err != nil {
		return false, err
	}
	switch strings.ToLower(a.Value) {
	case "":
		return def, nil
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
