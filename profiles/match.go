package profiles

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// MatchKind says how a name was matched.
type MatchKind int

const (
	MatchExact MatchKind = iota // the profile name itself
	MatchStage                  // a stage of a managed layout, its default role
	MatchFuzzy                  // the only profile containing the name (substring, else subsequence)
)

// Match is the profile a name given to `acct exec` / `acct shell` stands for.
type Match struct {
	Profile string
	Kind    MatchKind
}

// AmbiguousError is a name that matches several profiles, or none. Candidates feed the
// terminal picker: the matching profiles, or every profile when nothing matched.
type AmbiguousError struct {
	Name       string
	Candidates []string
	none       bool // nothing matched; Candidates are all profiles
}

// NoMatch tells that nothing matched at all (Candidates then lists every profile).
func (e *AmbiguousError) NoMatch() bool { return e.none }

// Unwrap gives the error its kind: a name the user must make precise is bad input.
func (e *AmbiguousError) Unwrap() error { return ErrAmbiguous }

func (e *AmbiguousError) Error() string {
	if e.none || len(e.Candidates) == 0 {
		if s := resolveSuggest(e.Name, e.Candidates, 3); len(s) > 0 {
			return fmt.Sprintf("no profile or stage matches %q; did you mean %s?", e.Name, strings.Join(s, ", "))
		}
		return fmt.Sprintf("no profile or stage matches %q; run acct list to see them", e.Name)
	}
	list := e.Candidates
	more := ""
	if len(list) > 8 {
		list, more = list[:8], fmt.Sprintf(" and %d more", len(e.Candidates)-8)
	}
	return fmt.Sprintf("%q matches %d profiles: %s%s; give the full profile name", e.Name, len(e.Candidates), strings.Join(list, ", "), more)
}

// Match is MatchFrom with no current layout.
func (c *Config) Match(name string) (Match, error) { return c.MatchFrom(name, "") }

// MatchFrom finds the profile for a name (SPEC §4): an exact profile name wins; else a stage
// name of the current layout (the block generated from the layout file layout), meaning that
// stage's admin role (else its first role in the file); else the only profile whose name
// contains the name, else the only one that contains it as a subsequence (case-insensitive).
// Anything else is an *AmbiguousError. Without a current layout in the file (layout "", or a
// layout never generated into it) a stage name of any layout is exact, and one present in several
// layouts is ambiguous between their default profiles.
func (c *Config) MatchFrom(name, layout string) (Match, error) {
	if _, ok := c.lookup(name); ok {
		return Match{Profile: name, Kind: MatchExact}, nil
	}

	// Stage: one default profile per namespace that has the stage.
	type pick struct {
		profile string
		admin   bool
	}
	byNS := map[string]pick{}
	var nsOrder []string
	for _, e := range c.stageProfiles(name) {
		m := e.Meta
		p, seen := byNS[m.Namespace]
		if !seen {
			nsOrder = append(nsOrder, m.Namespace)
			byNS[m.Namespace] = pick{e.Name, m.Role == "admin"}
			continue
		}
		if !p.admin && m.Role == "admin" {
			byNS[m.Namespace] = pick{e.Name, true}
		}
	}
	var stageCands []string
	for _, ns := range nsOrder {
		stageCands = append(stageCands, byNS[ns].profile)
	}
	cur := c.layoutNamespace(layout)
	switch p, ok := byNS[cur]; {
	case ok:
		return Match{Profile: p.profile, Kind: MatchStage}, nil
	case cur != "" && len(stageCands) == 1:
		// Another layout's stage of that name is only a candidate, like a fuzzy match.
		return Match{Profile: stageCands[0], Kind: MatchFuzzy}, nil
	case len(stageCands) == 1:
		return Match{Profile: stageCands[0], Kind: MatchStage}, nil
	case len(stageCands) > 1:
		return Match{}, &AmbiguousError{Name: name, Candidates: stageCands}
	}

	lower := strings.ToLower(name)
	var sub, seq []string
	names := c.Names()
	for _, n := range names {
		ln := strings.ToLower(n)
		switch {
		case strings.Contains(ln, lower):
			sub = append(sub, n)
		case Subsequence(lower, ln):
			seq = append(seq, n)
		}
	}
	cands := sub
	if len(cands) == 0 {
		cands = seq
	}
	if len(cands) == 1 {
		return Match{Profile: cands[0], Kind: MatchFuzzy}, nil
	}
	if len(cands) == 0 {
		all := names
		sort.Strings(all)
		return Match{}, &AmbiguousError{Name: name, Candidates: all, none: true}
	}
	return Match{}, &AmbiguousError{Name: name, Candidates: cands}
}

// layoutNamespace is the namespace of the block generated from the layout file layout, "" when
// none was.
func (c *Config) layoutNamespace(layout string) string {
	if layout == "" {
		return ""
	}
	for _, b := range c.blocks {
		if b.LayoutFile != "" && filepath.Clean(b.LayoutFile) == filepath.Clean(layout) {
			return b.Namespace
		}
	}
	return ""
}

// Subsequence tells whether every byte of needle appears in hay in order (an empty needle does
// not: it would match every name). Name matching and the terminal picker's filter both use it.
func Subsequence(needle, hay string) bool {
	if needle == "" {
		return false
	}
	i := 0
	for j := 0; j < len(hay) && i < len(needle); j++ {
		if hay[j] == needle[i] {
			i++
		}
	}
	return i == len(needle)
}
