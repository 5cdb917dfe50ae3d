package profiles

// The managed block: acct owns exactly the lines between `# >>> acct: NS (...)` and
// `# <<< acct: NS` in ~/.aws/config and treats every other byte as the user's. The file is
// handled as lines of text, never saved through an ini library, because re-serialising would
// re-align `=` signs, move comments and lose the user's formatting.

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/acct-cli/acct/internal/fault"
	"gopkg.in/ini.v1"
)

// Marker prefixes of the managed block. They start at column 0 so that a user's indented text
// (for example a multi-line value) can never be mistaken for a marker.
const (
	blockBeginPrefix = "# >>> acct: "
	blockEndPrefix   = "# <<< acct: "
	blockMetaPrefix  = "# acct: "
)

// Kinds of configuration errors, for errors.Is. They end every ConfigError's text, and give it
// its fault kind: every one is the user's file or layout to fix.
var (
	ErrNotINI           = fault.New(fault.BadInput, "not an ini file")
	ErrBrokenBlock      = fault.New(fault.BadInput, "broken acct block")
	ErrConflict         = fault.New(fault.BadInput, "profile conflict")
	ErrDuplicateSection = fault.New(fault.BadInput, "duplicate section")
	ErrBadProfile       = fault.New(fault.BadInput, "bad generated profile")
)

// ConfigError is a problem in a config file at a line. Its text is one line:
// "config PATH line N: what; fix: kind".
type ConfigError struct {
	Path string // empty when the text did not come from a file (Merge)
	Line int    // 1-based; 0 when the problem has no single line
	What string
	Fix  string
	Err  error // one of the Err* kinds above
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("config")
	if e.Path != "" {
		b.WriteString(" " + e.Path)
	}
	if e.Line > 0 {
		b.WriteString(" line " + strconv.Itoa(e.Line))
	}
	b.WriteString(": " + e.What)
	if e.Fix != "" {
		b.WriteString("; " + e.Fix)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	// Values quoted from the file may hold line breaks (ini continuation lines); the message
	// stays one line.
	return configOneLine.Replace(b.String())
}

var configOneLine = strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\r`)

func (e *ConfigError) Unwrap() error { return e.Err }

// blockWithPath sets the path on a ConfigError coming from text-only code.
func blockWithPath(err error, path string) error {
	var ce *ConfigError
	if errors.As(err, &ce) && ce.Path == "" {
		c := *ce
		c.Path = path
		return &c
	}
	return err
}

// Line kinds of the scanner.
const (
	blockLineBlank = iota
	blockLineComment
	blockLineSection
	blockLineKey
	blockLineCont // an indented continuation of the previous key's value
)

// blockLine is one physical line of the file.
type blockLine struct {
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

// blockSplit cuts text into lines, each keeping its own terminator so that joining them gives
// the input back byte for byte.
func blockSplit(data []byte) []blockLine {
	out := make([]blockLine, 0, bytes.Count(data, []byte{'\n'})+1)
	s := string(data)
	for n := 1; len(s) > 0; n++ {
		i := strings.IndexByte(s, '\n')
		var raw string
		if i < 0 {
			raw, s = s, ""
		} else {
			raw, s = s[:i+1], s[i+1:]
		}
		l := blockLine{num: n, raw: raw, text: raw}
		switch {
		case strings.HasSuffix(raw, "\r\n"):
			l.text, l.eol = raw[:len(raw)-2], "\r\n"
		case strings.HasSuffix(raw, "\n"):
			l.text, l.eol = raw[:len(raw)-1], "\n"
		}
		out = append(out, l)
	}
	return out
}

// blockClassify gives every line a kind, the way the AWS CLI's configparser reads the file, and
// returns an ErrNotINI ConfigError for the first line that is neither a section header, a
// key/value, a comment, a blank line nor a continuation.
func blockClassify(lines []blockLine) error {
	inSection, inKey := false, false
	for i := range lines {
		l := &lines[i]
		t := l.text
		if i == 0 {
			t = strings.TrimPrefix(t, "\ufeff")
		}
		if strings.ContainsRune(t, '\r') {
			return &ConfigError{Line: l.num, What: "carriage return inside a line", Fix: "use \\n or \\r\\n line endings", Err: ErrNotINI}
		}
		trimmed := strings.TrimSpace(t)
		switch {
		case trimmed == "":
			l.kind = blockLineBlank
			continue
		case trimmed[0] == '#' || trimmed[0] == ';':
			l.kind = blockLineComment
			continue
		case (t[0] == ' ' || t[0] == '\t') && inKey:
			l.kind = blockLineCont
			continue
		case trimmed[0] == '[':
			// Like configparser: the header ends at the last ']'; only a comment may follow.
			end := strings.LastIndexByte(trimmed, ']')
			if end < 0 {
				return &ConfigError{Line: l.num, What: fmt.Sprintf("section header %q has no closing ]", blockShorten(trimmed)), Fix: "close the bracket", Err: ErrNotINI}
			}
			if rest := strings.TrimSpace(trimmed[end+1:]); rest != "" && rest[0] != '#' && rest[0] != ';' {
				return &ConfigError{Line: l.num, What: fmt.Sprintf("text %q after the section header", blockShorten(rest)), Fix: "put it on its own line as a key=value or a comment", Err: ErrNotINI}
			}
			name := strings.TrimSpace(trimmed[1:end])
			if name == "" || strings.ContainsAny(name, "[]") {
				return &ConfigError{Line: l.num, What: fmt.Sprintf("bad section header %q", blockShorten(trimmed)), Fix: "write [profile NAME]", Err: ErrNotINI}
			}
			l.kind, l.section, l.sectionRaw = blockLineSection, name, trimmed[1:end]
			inSection, inKey = true, false
			continue
		}
		d := strings.IndexAny(trimmed, "=:")
		if d <= 0 {
			return &ConfigError{Line: l.num, What: fmt.Sprintf("%q is not a key=value line, a [section] or a comment", blockShorten(trimmed)), Fix: "fix or comment out the line", Err: ErrNotINI}
		}
		if !inSection {
			return &ConfigError{Line: l.num, What: fmt.Sprintf("key %q comes before any [section]", strings.TrimSpace(trimmed[:d])), Fix: "move it under a [profile NAME] header", Err: ErrNotINI}
		}
		l.kind = blockLineKey
		l.key = strings.TrimSpace(trimmed[:d])
		l.value = strings.TrimSpace(trimmed[d+1:])
		inKey = true
	}
	return nil
}

func blockShorten(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}

// blockIniCheck asks ini.v1 for a second opinion on text that passed blockClassify; it is only
// used to validate, never to save.
func blockIniCheck(data []byte) error {
	if _, err := ini.LoadSources(blockIniOptions(), data); err != nil {
		return &ConfigError{What: "cannot be read as ini (" + strings.ReplaceAll(err.Error(), "\n", " ") + ")", Fix: "fix the file by hand or restore ~/.aws/config.acct.bak", Err: ErrNotINI}
	}
	return nil
}

// blockIniOptions matches what the AWS CLI accepts: `#` and `;` comments, case-sensitive names,
// indented continuation lines (nested s3 = settings), no backslash continuations, quotes kept.
// An inline comment needs a space before it, like the Go SDK reads it.
func blockIniOptions() ini.LoadOptions {
	return ini.LoadOptions{
		Insensitive:                false,
		IgnoreContinuation:         true,
		AllowPythonMultilineValues: true,
		SpaceBeforeInlineComment:   true,
		PreserveSurroundedQuote:    true,
		AllowBooleanKeys:           false,
		KeyValueDelimiters:         "=:",
	}
}

// Origin is what a block's begin line records: whose block it is and how it was generated.
type Origin struct {
	Namespace  string
	LayoutFile string // the layout file the block was generated from ("" when not recorded)
	User       string // the --user it was generated with; later runs without --user reuse it
}

// blockRegion is one managed block: lines [begin, end] (0-based indexes, inclusive).
type blockRegion struct {
	origin     Origin
	begin, end int
}

// blockMarker tells whether a line is a begin or end marker and for which namespace.
func blockMarker(text string) (begin bool, ns string, ok bool) {
	var rest string
	switch {
	case strings.HasPrefix(text, blockBeginPrefix):
		begin, rest = true, text[len(blockBeginPrefix):]
	case strings.HasPrefix(text, blockEndPrefix):
		rest = text[len(blockEndPrefix):]
	default:
		return false, "", false
	}
	f := strings.Fields(rest)
	if len(f) == 0 {
		return begin, "", true
	}
	return begin, f[0], true
}

// blockOrigin reads a begin line back (see blockRender).
func blockOrigin(text string) Origin {
	_, ns, _ := blockMarker(text)
	o := Origin{Namespace: ns}
	const from, by = "(generated from ", " by `acct generate"
	i := strings.Index(text, from)
	if i < 0 {
		return o
	}
	rest := text[i+len(from):]
	j := strings.Index(rest, by)
	if j < 0 {
		return o
	}
	o.LayoutFile = rest[:j]
	cmd, _, _ := strings.Cut(rest[j+len(by):], "`")
	if user, ok := strings.CutPrefix(cmd, " --user "); ok {
		if u, err := strconv.Unquote(user); err == nil {
			user = u
		}
		o.User = user
	}
	return o
}

// blockFind returns the blocks of the file, or a ConfigError for a half-deleted, nested or
// duplicated block.
func blockFind(lines []blockLine) ([]blockRegion, error) {
	var out []blockRegion
	open := -1
	seen := map[string]int{} // namespace -> begin line number
	for i, l := range lines {
		begin, ns, ok := blockMarker(l.text)
		if !ok {
			continue
		}
		if ns == "" {
			return nil, &ConfigError{Line: l.num, What: "acct marker without a namespace", Fix: "restore the marker's namespace or delete the line", Err: ErrBrokenBlock}
		}
		if begin {
			if open >= 0 {
				return nil, &ConfigError{Line: l.num, What: fmt.Sprintf("begin marker for %s inside the block for %s that starts at line %d", ns, lines[open].blockNS(), lines[open].num),
					Fix: fmt.Sprintf("restore the line %q before line %d, or delete the half-deleted block", blockEndPrefix+lines[open].blockNS(), l.num), Err: ErrBrokenBlock}
			}
			if first, dup := seen[ns]; dup {
				return nil, &ConfigError{Line: l.num, What: fmt.Sprintf("second block for %s (the first starts at line %d)", ns, first),
					Fix: "delete one of the two blocks, then run acct generate", Err: ErrBrokenBlock}
			}
			seen[ns] = l.num
			open = i
			continue
		}
		if open < 0 {
			return nil, &ConfigError{Line: l.num, What: fmt.Sprintf("end marker for %s without a begin marker", ns),
				Fix: fmt.Sprintf("delete line %d and the rest of the old block, or restore its begin line, then run acct generate", l.num), Err: ErrBrokenBlock}
		}
		if openNS := lines[open].blockNS(); openNS != ns {
			return nil, &ConfigError{Line: l.num, What: fmt.Sprintf("end marker for %s closes the block for %s that starts at line %d", ns, openNS, lines[open].num),
				Fix: "restore the matching end line " + strconv.Quote(blockEndPrefix+openNS), Err: ErrBrokenBlock}
		}
		out = append(out, blockRegion{origin: blockOrigin(lines[open].text), begin: open, end: i})
		open = -1
	}
	if open >= 0 {
		ns := lines[open].blockNS()
		return nil, &ConfigError{Line: lines[open].num, What: fmt.Sprintf("begin marker for %s has no end marker", ns),
			Fix: fmt.Sprintf("restore the line %q after the block, or delete the block from line %d, then run acct generate", blockEndPrefix+ns, lines[open].num), Err: ErrBrokenBlock}
	}
	return out, nil
}

func (l blockLine) blockNS() string {
	_, ns, _ := blockMarker(l.text)
	return ns
}

// blockProfileName is the profile a section header defines for conflict and duplicate checks:
// `default`, `profile X` -> X, and a bare `[X]` -> X (the AWS CLI ignores bare sections in the
// config file, but the user most likely meant a profile, so acct will not generate one over it).
// Other typed sections (sso-session, services, plugins) return "".
func blockProfileName(section string) string {
	if section == "default" {
		return "default"
	}
	f := strings.Fields(section)
	switch {
	case len(f) == 2 && f[0] == "profile":
		return f[1]
	case len(f) == 1:
		return f[0]
	}
	return ""
}

// blockSectionKey identifies a section for duplicate detection.
func blockSectionKey(section string) string {
	if p := blockProfileName(section); p != "" {
		return "profile " + p
	}
	return strings.Join(strings.Fields(section), " ")
}

// blockEOL is the file's dominant line ending, counted outside acct's own block so that the
// choice never flips between runs. Ties and files without any newline get "\n".
func blockEOL(lines []blockLine, skip *blockRegion) string {
	crlf, lf := 0, 0
	for i, l := range lines {
		if skip != nil && i >= skip.begin && i <= skip.end {
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

// blockMetaValue quotes a metadata value only when it needs it, so the usual line stays readable.
func blockMetaValue(v string) string {
	if v == "" || strings.ContainsAny(v, " \t\"=\\") || !strconv.CanBackquote(v) {
		return strconv.Quote(v)
	}
	return v
}

// String gives the value written in the metadata comment: false, true or always.
func blockProtection(p Protection) string {
	switch p {
	case Protected:
		return "true"
	case Always:
		return "always"
	}
	return "false"
}

// blockSectionHeader is the header acct writes for a profile name.
func blockSectionHeader(name string) string {
	if name == "default" {
		return "[default]"
	}
	return "[profile " + name + "]"
}

// blockCheckProfiles refuses generated profiles that would not read back as written.
func blockCheckProfiles(namespace string, ps []Profile) error {
	if namespace == "" || strings.ContainsAny(namespace, " \t\r\n#;[]") {
		return &ConfigError{What: fmt.Sprintf("namespace %q cannot name an acct block", namespace), Fix: "use letters, digits and dashes in the layout's namespace", Err: ErrBadProfile}
	}
	seen := map[string]bool{}
	for _, p := range ps {
		if p.Name == "" || strings.ContainsAny(p.Name, " \t\r\n[]#;=") {
			return &ConfigError{What: fmt.Sprintf("profile name %q cannot be written to the config", p.Name), Fix: "change the layout's profile_pattern or stage names", Err: ErrBadProfile}
		}
		if p.Section != "" && p.Section != SectionSSOSession {
			return &ConfigError{What: fmt.Sprintf("section kind %q of %s is not one acct writes", p.Section, p.Name), Fix: "report this as a bug", Err: ErrBadProfile}
		}
		if seen[p.Section+" "+p.Name] {
			return &ConfigError{What: fmt.Sprintf("profile %s is generated twice", p.Name), Fix: "make the layout's profile names unique", Err: ErrBadProfile}
		}
		seen[p.Section+" "+p.Name] = true
		for _, k := range p.Keys {
			if k.Name == "" || strings.ContainsAny(k.Name, " \t\r\n=:[]#;") || strings.ContainsAny(k.Value, "\r\n") {
				return &ConfigError{What: fmt.Sprintf("profile %s: key %q=%q cannot be written on one line", p.Name, k.Name, k.Value), Fix: "fix the key in the layout", Err: ErrBadProfile}
			}
		}
	}
	return nil
}

// blockRender writes the block with eol endings, without an ending after the end marker line.
// The begin line names the layout file and the --user given, so that a later run can tell a
// block generated from another layout and reuse the user.
func blockRender(o Origin, ps []Profile, eol string) string {
	var b strings.Builder
	from, user := "", ""
	if lf := strings.Join(strings.Fields(o.LayoutFile), " "); lf != "" {
		from = "from " + lf + " "
	}
	if o.User != "" {
		user = " --user " + blockMetaValue(o.User)
	}
	fmt.Fprintf(&b, "%s%s (generated %sby `acct generate%s`; edit the layout, not this block)%s", blockBeginPrefix, o.Namespace, from, user, eol)
	for _, p := range ps {
		if p.Section != "" {
			// A typed section ([sso-session NAME]) carries no `# acct:` comment: it is not a profile.
			b.WriteString("[" + p.Section + " " + p.Name + "]" + eol)
			for _, k := range p.Keys {
				b.WriteString(k.Name + "=" + k.Value + eol)
			}
			b.WriteString(eol)
			continue
		}
		b.WriteString(blockMetaPrefix)
		b.WriteString("namespace=" + blockMetaValue(p.Namespace))
		b.WriteString(" stage=" + blockMetaValue(p.Stage))
		b.WriteString(" role=" + blockMetaValue(p.Role))
		b.WriteString(" account=" + blockMetaValue(p.Account))
		if p.OU != "" {
			b.WriteString(" ou=" + blockMetaValue(p.OU))
		}
		b.WriteString(" protected=" + blockProtection(p.Protected))
		b.WriteString(eol)
		b.WriteString(blockSectionHeader(p.Name) + eol)
		for _, k := range p.Keys {
			b.WriteString(k.Name + "=" + k.Value + eol)
		}
		b.WriteString(eol)
	}
	b.WriteString(blockEndPrefix + o.Namespace)
	return b.String()
}

// Merge returns existing with the managed block for o.Namespace replaced by one holding ps, or
// with that block appended (after a blank line) when there is none. Every byte outside the block
// is kept; the block uses the file's dominant line ending. It refuses, returning a *ConfigError
// and no text, a file that is not ini, has duplicate sections or a broken block, and a generated
// profile that also exists outside the block.
func Merge(existing []byte, o Origin, ps []Profile) ([]byte, error) {
	namespace := o.Namespace
	if err := blockCheckProfiles(namespace, ps); err != nil {
		return nil, err
	}
	lines := blockSplit(existing)
	if err := blockClassify(lines); err != nil {
		return nil, err
	}
	blocks, err := blockFind(lines)
	if err != nil {
		return nil, err
	}
	var own *blockRegion
	for i := range blocks {
		if blocks[i].origin.Namespace == namespace {
			own = &blocks[i]
		}
	}
	firstSeen, err := blockOutside(lines, own)
	if err != nil {
		return nil, err
	}
	out, blockStart := blockReplace(existing, lines, own, blockRender(o, ps, blockEOL(lines, own)))
	if err := blockConflicts(namespace, ps, firstSeen, blockStart); err != nil {
		return nil, err
	}
	return out, nil
}

// blockOutside checks everything that is not own, the block being replaced: it is the user's
// (other layouts' blocks included), must hold no duplicate section and must read as ini. It
// returns the line of each section there.
func blockOutside(lines []blockLine, own *blockRegion) (map[string]int, error) {
	var outside bytes.Buffer
	firstSeen := map[string]int{}
	for i, l := range lines {
		if own != nil && i >= own.begin && i <= own.end {
			continue
		}
		outside.WriteString(l.raw)
		if l.kind != blockLineSection {
			continue
		}
		key := blockSectionKey(l.section)
		if first, dup := firstSeen[key]; dup {
			return nil, &ConfigError{Line: l.num, What: fmt.Sprintf("section [%s] is also at line %d", l.section, first),
				Fix: "merge the two sections into one", Err: ErrDuplicateSection}
		}
		firstSeen[key] = l.num
	}
	// A line inside our old block can still close a multi-line value of the user's section just
	// before it: checking the text without our block keeps that case honest.
	return firstSeen, blockIniCheck(outside.Bytes())
}

// blockPrevious is the origin and the profile names of namespace's block in existing; ok is
// false when there is none, or when the file is too broken to tell (Merge then says why).
func blockPrevious(existing []byte, namespace string) (o Origin, names []string, ok bool) {
	lines := blockSplit(existing)
	if blockClassify(lines) != nil {
		return o, nil, false
	}
	blocks, err := blockFind(lines)
	if err != nil {
		return o, nil, false
	}
	for _, b := range blocks {
		if b.origin.Namespace != namespace {
			continue
		}
		for _, l := range lines[b.begin:b.end] {
			if n := blockProfileName(l.section); l.kind == blockLineSection && n != "" {
				names = append(names, n)
			}
		}
		return b.origin, names, true
	}
	return o, nil, false
}

// blockReplace puts block (rendered without its last line ending) in place of own, or appends it
// after a blank line when own is nil, and returns the text with the 1-based line where the
// block begins.
func blockReplace(existing []byte, lines []blockLine, own *blockRegion, block string) ([]byte, int) {
	eol := blockEOL(lines, own)
	var out strings.Builder
	if own != nil {
		for _, l := range lines[:own.begin] {
			out.WriteString(l.raw)
		}
		out.WriteString(block + lines[own.end].eol)
		for _, l := range lines[own.end+1:] {
			out.WriteString(l.raw)
		}
		return []byte(out.String()), own.begin + 1
	}
	out.Write(existing)
	blockStart := len(lines) + 1
	if len(lines) > 0 {
		last := lines[len(lines)-1]
		if last.eol == "" {
			out.WriteString(eol)
		}
		if strings.TrimSpace(last.text) != "" {
			out.WriteString(eol)
			blockStart++
		}
	}
	out.WriteString(block + eol)
	return []byte(out.String()), blockStart
}

// blockConflicts refuses a generated name that the user (or another layout) already defines.
func blockConflicts(namespace string, ps []Profile, firstSeen map[string]int, blockStart int) error {
	line := blockStart + 1
	for _, p := range ps {
		if p.Section != "" {
			if first, ok := firstSeen[p.Section+" "+p.Name]; ok {
				return &ConfigError{Line: first, What: fmt.Sprintf("section [%s %s] is written by hand at line %d and generated by acct for %s at line %d", p.Section, p.Name, first, namespace, line),
					Fix: fmt.Sprintf("delete the section at line %d (the layout's sso: now writes it), or set sso: session: to another name", first), Err: ErrConflict}
			}
			line += 1 + len(p.Keys) + 1
			continue
		}
		line++ // metadata comment
		if first, ok := firstSeen["profile "+p.Name]; ok {
			return &ConfigError{Line: first, What: fmt.Sprintf("profile %s is written by hand at line %d and generated by acct for %s at line %d", p.Name, first, namespace, line),
				Fix: fmt.Sprintf("rename or delete the profile at line %d, or drop it from the layout", first), Err: ErrConflict}
		}
		line += 1 + len(p.Keys) + 1
	}
	return nil
}
