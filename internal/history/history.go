// Package history keeps the profiles a person used last, most recent first, so the picker can
// offer them first. Losing the file is harmless: every error is ignored.
package history

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// Max is how many names the file keeps.
const Max = 50

// File is the history kept at Path, one name a line; an empty Path keeps nothing.
type File struct{ Path string }

// Names returns the names in the file, most recent first.
func (h File) Names() []string {
	if h.Path == "" {
		return nil
	}
	f, err := os.Open(h.Path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if n := strings.TrimSpace(sc.Text()); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// Add puts name first.
func (h File) Add(name string) {
	if h.Path == "" {
		return
	}
	recent := h.Names()
	if len(recent) > 0 && recent[0] == name {
		return // already first: no write on the path every repeated exec takes
	}
	names := []string{name}
	for _, n := range recent {
		if n != name && len(names) < Max {
			names = append(names, n)
		}
	}
	if os.MkdirAll(filepath.Dir(h.Path), 0o700) != nil {
		return
	}
	_ = os.WriteFile(h.Path, []byte(strings.Join(names, "\n")+"\n"), 0o600)
}

// Order returns names with the recently used ones first, the rest as given.
func (h File) Order(names []string) []string {
	in := map[string]bool{}
	for _, n := range names {
		in[n] = true
	}
	var out []string
	seen := map[string]bool{}
	for _, n := range h.Names() {
		if in[n] && !seen[n] {
			out = append(out, n)
			seen[n] = true
		}
	}
	for _, n := range names {
		if !seen[n] {
			out = append(out, n)
		}
	}
	return out
}
