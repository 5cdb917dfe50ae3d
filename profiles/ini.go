package profiles

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/ini.v1"
)

// ~/.aws/config and ~/.aws/credentials as lines of text. acct reads them with ini.v1 but never
// saves them through it, because re-serialising would re-align `=` signs, move comments and lose
// the user's formatting: changes are made by cutting and inserting whole lines.

// Line kinds of the scanner.
const (
	iniBlank = iota
	iniComment
	iniSection
	iniKey
	iniCont // an indented continuation of the previous key's value
)

// iniLine is one physical line of the file.
type iniLine struct {
	num        int    // 1-based
	raw        string // with its terminator
	text       string // without "\n" / "\r\n"
	eol        string // "", "\n" or "\r\n"
	kind       int
	section    string // header, trimmed inside the brackets (kind section)
	sectionRaw string // header as ini.v1 names it: untrimmed inside the brackets
	key        string // kind key
	value      string // kind key, trimmed
}

// iniSplit cuts text into lines, each keeping its own terminator so that joining them gives
// the input back byte for byte.
func iniSplit(data []byte) []iniLine {
	out := make([]iniLine, 0, bytes.Count(data, []byte{'\n'})+1)
	s := string(data)
	for n := 1; len(s) > 0; n++ {
		var l iniLine
		l, s = iniCut(s, n)
		out = append(out, l)
	}
	return out
}

// iniCut is the first line of s, numbered n, and the text after it.
func iniCut(s string, n int) (iniLine, string) {
	raw, rest := s, ""
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		raw, rest = s[:i+1], s[i+1:]
	}
	l := iniLine{num: n, raw: raw, text: raw}
	switch {
	case strings.HasSuffix(raw, "\r\n"):
		l.text, l.eol = raw[:len(raw)-2], "\r\n"
	case strings.HasSuffix(raw, "\n"):
		l.text, l.eol = raw[:len(raw)-1], "\n"
	}
	return l, rest
}

// iniClassify gives every line a kind, the way the AWS CLI's configparser reads the file, and
// returns an ErrNotINI ConfigError for the first line that is neither a section header, a
// key/value, a comment, a blank line nor a continuation (iniState.classify).
func iniClassify(lines []iniLine) error {
	var st iniState
	for i := range lines {
		if err := st.classify(&lines[i]); err != nil {
			return err
		}
	}
	return nil
}

// iniState is what the kind of a line depends on: the lines before it, back to the section header
// (a header starts afresh).
type iniState struct {
	inSection, inKey bool
	keyIndent        int
	noCR             bool // the text holds no carriage return: no line needs looking for one
}

// classify gives l, the line after those st has seen, its kind, or returns the ErrNotINI
// ConfigError that names it. As in configparser, a line continues the value before it only when
// it is indented deeper than that value's key, and a comment line, even indented, is never part
// of a value.
func (st *iniState) classify(l *iniLine) error {
	t := l.text
	if l.num == 1 {
		t = strings.TrimPrefix(t, "\ufeff")
	}
	if !st.noCR && strings.IndexByte(t, '\r') >= 0 {
		return &ConfigError{Line: l.num, What: "carriage return inside a line", Fix: "use \\n or \\r\\n line endings", Err: ErrNotINI}
	}
	trimmed := strings.TrimSpace(t)
	indent := 0 // of spaces and tabs, as configparser counts it
	for indent < len(t) && (t[indent] == ' ' || t[indent] == '\t') {
		indent++
	}
	switch {
	case trimmed == "":
		l.kind = iniBlank
		return nil
	case trimmed[0] == '#' || trimmed[0] == ';':
		l.kind = iniComment
		return nil
	case st.inKey && indent > st.keyIndent:
		l.kind = iniCont
		return nil
	case trimmed[0] == '[':
		// Like configparser: the header ends at the last ']'; only a comment may follow.
		end := strings.LastIndexByte(trimmed, ']')
		if end < 0 {
			return &ConfigError{Line: l.num, What: fmt.Sprintf("section header %q has no closing ]", iniShorten(trimmed)), Fix: "close the bracket", Err: ErrNotINI}
		}
		if rest := strings.TrimSpace(trimmed[end+1:]); rest != "" && rest[0] != '#' && rest[0] != ';' {
			return &ConfigError{Line: l.num, What: fmt.Sprintf("text %q after the section header", iniShorten(rest)), Fix: "put it on its own line as a key=value or a comment", Err: ErrNotINI}
		}
		name := strings.TrimSpace(trimmed[1:end])
		if name == "" || strings.IndexByte(name, '[') >= 0 || strings.IndexByte(name, ']') >= 0 {
			return &ConfigError{Line: l.num, What: fmt.Sprintf("bad section header %q", iniShorten(trimmed)), Fix: "write [profile NAME]", Err: ErrNotINI}
		}
		l.kind, l.section, l.sectionRaw = iniSection, name, trimmed[1:end]
		st.inSection, st.inKey, st.keyIndent = true, false, indent
		return nil
	}
	d := iniDelimiter(trimmed)
	if d <= 0 {
		return &ConfigError{Line: l.num, What: fmt.Sprintf("%q is not a key=value line, a [section] or a comment", iniShorten(trimmed)), Fix: "fix or comment out the line", Err: ErrNotINI}
	}
	if !st.inSection {
		return &ConfigError{Line: l.num, What: fmt.Sprintf("key %q comes before any [section]", strings.TrimSpace(trimmed[:d])), Fix: "move it under a [profile NAME] header", Err: ErrNotINI}
	}
	l.kind = iniKey
	l.key = strings.TrimSpace(trimmed[:d])
	l.value = strings.TrimSpace(trimmed[d+1:])
	st.inKey, st.keyIndent = true, indent
	return nil
}

// iniDelimiter is the index of the first '=' or ':' in s, or -1: strings.IndexAny without
// building its set of bytes for each of the 70,000 lines of a large organisation's config (the
// delimiter comes after a short key).
func iniDelimiter(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '=' || s[i] == ':' {
			return i
		}
	}
	return -1
}

// normal is the line as ini.v1 must see it to read the value the AWS CLI reads: comments and
// blank lines left out (ini.v1 would add an indented comment to the value before it), headers and
// keys at column 0 (ini.v1 continues a value with any indented line, configparser only with one
// indented deeper than its key), continuation lines as they are.
func (l iniLine) normal() string {
	switch l.kind {
	case iniSection:
		return "[" + l.sectionRaw + "]\n"
	case iniKey:
		return strings.TrimLeft(strings.TrimPrefix(l.text, "\ufeff"), " \t") + "\n"
	case iniCont:
		return l.text + "\n"
	}
	return ""
}

func iniShorten(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// iniCheck asks ini.v1 for a second opinion on text that passed iniClassify; it is only
// used to validate, never to save.
func iniCheck(data []byte) error {
	if _, err := ini.LoadSources(iniOptions(), data); err != nil {
		return &ConfigError{What: "cannot be read as ini (" + strings.ReplaceAll(err.Error(), "\n", " ") + ")", Fix: "fix the file by hand or restore ~/.aws/config.acct.bak", Err: ErrNotINI}
	}
	return nil
}

// iniOptions matches what the AWS CLI accepts: `#` and `;` comments, case-sensitive section
// names, lower-cased keys, indented continuation lines (nested s3 = settings; iniLine.normal
// decides which lines are continuations), no backslash continuations, quotes kept. An inline
// comment needs a space before it, as the Go SDK reads it; the AWS CLI keeps it in the value, and
// acct doctor says so.
func iniOptions() ini.LoadOptions {
	return ini.LoadOptions{
		Insensitive:                false,
		InsensitiveKeys:            true, // Role_Arn is role_arn, as configparser and the Go SDK read it
		IgnoreContinuation:         true,
		AllowPythonMultilineValues: true,
		SpaceBeforeInlineComment:   true,
		PreserveSurroundedQuote:    true,
		AllowBooleanKeys:           false,
		KeyValueDelimiters:         "=:",
	}
}

// iniProfileName is the profile a section header defines for conflict and duplicate checks:
// `default`, `profile X` -> X, and a bare `[X]` -> X (the AWS CLI ignores bare sections in the
// config file, but the user most likely meant a profile, so acct will not generate one over it).
// Other typed sections (sso-session, services, plugins) return "".
func iniProfileName(section string) string {
	if section == "default" {
		return "default"
	}
	f := resolveFields(section)
	switch {
	case len(f) == 2 && f[0] == "profile":
		return f[1]
	case len(f) == 1:
		return f[0]
	}
	return ""
}

// iniSectionKey identifies a section for duplicate detection.
func iniSectionKey(section string) string {
	if p := iniProfileName(section); p != "" {
		return "profile " + p
	}
	return strings.Join(strings.Fields(section), " ")
}

// iniEOL is the file's dominant line ending, counted outside the lines skipped (acct's own
// block, so that the choice never flips between runs). Ties and files without any newline get "\n".
func iniEOL(lines []iniLine, skip func(i int) bool) string {
	crlf, lf := 0, 0
	for i, l := range lines {
		if skip(i) {
			continue
		}
		switch l.eol {
		case "\r\n":
			crlf++
		case "\n":
			lf++
		}
	}
	if crlf > lf {
		return "\r\n"
	}
	return "\n"
}
