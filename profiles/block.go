package profiles

// The managed block: acct owns exactly the lines between `# >>> acct: NS (...)` and
// `# <<< acct: NS` in ~/.aws/config and treats every other byte as the user's. The file is
// handled as lines of text, never saved through an ini library, because re-serialising would
// re-align `=` signs, move comments and lose the user's formatting.

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// Marker prefixes of the managed block. They start at column 0 so that a user's indented text
// (for example a multi-line value) can never be mistaken for a marker.
const (
	blockBeginPrefix = "# >>> acct: "
	blockEndPrefix   = "# <<< acct: "
	blockMetaPrefix  = "# acct: "
)

// Origin is what a block's begin line records: whose block it is and how it was generated.
type Origin struct {
	Namespace  string
	LayoutFile string // the layout file the block was generated from ("" when not recorded)
	User       string // the --user it was generated with; later runs without --user reuse it
	Style      Style  // the --style it was generated with; later runs without --style reuse it
}

// blockRegion is one managed block: lines [begin, end] (0-based indexes, inclusive).
type blockRegion struct {
	origin     Origin
	begin, end int
}

// contains tells whether line index i is in the block; a nil block contains nothing.
func (r *blockRegion) contains(i int) bool { return r != nil && i >= r.begin && i <= r.end }

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
	if c, ok := strings.CutSuffix(cmd, " --style "+CredentialProcess.String()); ok {
		o.Style, cmd = CredentialProcess, c
	}
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
func blockFind(lines []iniLine) ([]blockRegion, error) {
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
		out = append(out, blockRegion{origin: blockOrigin(lines[open].text), begin: lines[open].num - 1, end: l.num - 1})
		open = -1
	}
	if open >= 0 {
		ns := lines[open].blockNS()
		return nil, &ConfigError{Line: lines[open].num, What: fmt.Sprintf("begin marker for %s has no end marker", ns),
			Fix: fmt.Sprintf("restore the line %q after the block, or delete the block from line %d, then run acct generate", blockEndPrefix+ns, lines[open].num), Err: ErrBrokenBlock}
	}
	return out, nil
}

func (l iniLine) blockNS() string {
	_, ns, _ := blockMarker(l.text)
	return ns
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
// The begin line names the layout file and the --user and --style given, so that a later run
// can tell a block generated from another layout and reuse the user and the style.
func blockRender(o Origin, ps []Profile, eol string) string {
	var b strings.Builder
	from, flags := "", ""
	if lf := strings.Join(strings.Fields(o.LayoutFile), " "); lf != "" {
		from = "from " + lf + " "
	}
	if o.User != "" {
		flags = " --user " + blockMetaValue(o.User)
	}
	if o.Style != Native {
		flags += " --style " + o.Style.String()
	}
	fmt.Fprintf(&b, "%s%s (generated %sby `acct generate%s`; edit the layout, not this block)%s", blockBeginPrefix, o.Namespace, from, flags, eol)
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
		b.WriteString(p.StageEnv.meta())
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
	lines := iniSplit(existing)
	if err := iniClassify(lines); err != nil {
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
	out, blockStart := blockReplace(existing, lines, own, blockRender(o, ps, iniEOL(lines, own.contains)))
	if err := blockConflicts(namespace, ps, firstSeen, blockStart); err != nil {
		return nil, err
	}
	return out, nil
}

// blockOutside checks everything that is not own, the block being replaced: it is the user's
// (other layouts' blocks included), must hold no duplicate section and must read as ini. It
// returns the line of each section there.
func blockOutside(lines []iniLine, own *blockRegion) (map[string]int, error) {
	var outside bytes.Buffer
	firstSeen, seenExact := map[string]int{}, map[string]int{}
	for i, l := range lines {
		if own.contains(i) {
			continue
		}
		outside.WriteString(l.raw)
		if l.kind != iniSection {
			continue
		}
		// A section the AWS CLI refuses the whole file for: one of the very same name (its
		// configparser compares names as written). [default] beside [profile default] it reads,
		// the later winning (doctor warns); both still conflict with a generated profile, below.
		if first, dup := seenExact[l.section]; dup {
			return nil, &ConfigError{Line: l.num, What: fmt.Sprintf("section [%s] is also at line %d", l.section, first),
				Fix: "merge the two sections into one", Err: ErrDuplicateSection}
		}
		seenExact[l.section] = l.num
		if key := iniSectionKey(l.section); firstSeen[key] == 0 {
			firstSeen[key] = l.num
		}
	}
	// A line inside our old block can still close a multi-line value of the user's section just
	// before it: checking the text without our block keeps that case honest.
	return firstSeen, iniCheck(outside.Bytes())
}

// blockPrevious is the origin and the profile names of namespace's block in existing; ok is
// false when there is none, or when the file is too broken to tell (Merge then says why).
func blockPrevious(existing []byte, namespace string) (o Origin, names []string, ok bool) {
	lines := iniSplit(existing)
	if iniClassify(lines) != nil {
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
			if n := iniProfileName(l.section); l.kind == iniSection && n != "" {
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
func blockReplace(existing []byte, lines []iniLine, own *blockRegion, block string) ([]byte, int) {
	eol := iniEOL(lines, own.contains)
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
