package profiles

import (
	"hash/maphash"
	"iter"
	"strings"
	"unicode/utf8"
)

// What a Config keeps of the file's layout: its section headers. A warm `acct exec` on the config
// of a large organisation (10,000 profiles, 70,000 lines) needs 2 to 4 of its sections; keeping a
// record of every line, or an Entry for every profile, cost it more than everything else it does.

// configHeader is a section header of the file and the extent of its section. It holds no
// pointer, so that the garbage collector has nothing to follow in 10,000 of them: the header
// line is read again from the file's text when needed (Config.header), and the profile it
// defines is kept as a hash, to find the headers worth reading again.
type configHeader struct {
	num      int    // 1-based line
	from, to int    // byte offsets of the header line and of the next header line (or the end)
	profile  uint64 // maphash of the profile it defines (configProfileName); 0 for none
}

// configKey is the hash of profile name in configHeader.profile: never 0.
func configKey(seed maphash.Seed, name string) uint64 {
	return max(maphash.String(seed, name), 1)
}

// configScanned is what configScan keeps of the file.
type configScanned struct {
	headers []configHeader
	markers []iniLine // the acct block markers (number and text), for blockFind
	// crosses: a line on which ini.v1 may fail or read past the end of its section, a quoted key
	// name or a value opened by """ or a backquote (ini.v1 reads it up to its closing quote,
	// lines later). Read loads a file with one in batches, and its values can depend on the
	// batches, so ReadOnDemand then loads it the same way. Hand-written configs seldom have one;
	// generated ones never do.
	crosses bool
}

// configScan checks every line of text as iniClassify does, one line at a time without keeping
// it, and returns the section headers, the block markers and whether a line crosses sections.
func configScan(text string, seed maphash.Seed) (configScanned, error) {
	out := configScanned{headers: make([]configHeader, 0, len(text)/256+1)} // a generated section is about 250 bytes
	// Without a carriage return but in line ends, no line needs looking for one.
	cr := strings.Count(text, "\r")
	st := iniState{noCR: cr == 0 || cr == strings.Count(text, "\r\n")}
	for at, n := 0, 1; at < len(text); n++ {
		// iniCut's line without its raw text and line end, cut here: iniCut's whole line makes
		// this loop about a quarter slower over the 70,000 lines of a large organisation's file.
		t, next := text[at:], len(text)
		if i := strings.IndexByte(t, '\n'); i >= 0 {
			t, next = strings.TrimSuffix(t[:i], "\r"), at+i+1
		}
		l := iniLine{num: n, text: t}
		if !configQuick(&st, &l) {
			if err := st.classify(&l); err != nil {
				return out, err
			}
		}
		switch l.kind {
		case iniSection:
			if k := len(out.headers); k > 0 {
				out.headers[k-1].to = at
			}
			h := configHeader{num: n, from: at, to: len(text)}
			if name := configProfileName(l.section); name != "" {
				h.profile = configKey(seed, name)
			}
			out.headers = append(out.headers, h)
		case iniKey:
			out.crosses = out.crosses || strings.HasPrefix(l.key, `"`) || strings.HasPrefix(l.key, "`") ||
				strings.HasPrefix(l.value, `"""`) || strings.HasPrefix(l.value, "`")
		case iniComment:
			if _, _, marker := blockMarker(t); marker {
				out.markers = append(out.markers, l)
			}
		}
		at = next
	}
	return out, nil
}

// configQuick gives l the kind classify would give it when l is one of the lines most of a config
// is made of, at a fraction of the cost (configScan reads the 70,000 lines of a large
// organisation's file on every exec): after the first line, a blank line, a comment, or a
// key=value at column 0 in a section whose key and value start with no quote. It leaves out the
// key and the value (which then cannot make the file cross sections). For any other line it
// returns false: classify must read it.
func configQuick(st *iniState, l *iniLine) bool {
	t := l.text
	switch {
	case l.num == 1 || !st.noCR:
		return false
	case t == "":
		l.kind = iniBlank
		return true
	case t[0] == '#' || t[0] == ';':
		l.kind = iniComment
		return true
	case !st.inSection || !configPlain(t[0]) || t[0] == '[' || t[0] == '=' || t[0] == ':':
		return false
	}
	d := iniDelimiter(t)
	if d < 0 {
		return false
	}
	v := t[d+1:]
	for len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
		v = v[1:]
	}
	if v != "" && !configPlain(v[0]) {
		return false // a quote, or perhaps a space TrimSpace knows
	}
	l.kind = iniKey
	st.inKey, st.keyIndent = true, 0
	return true
}

// configPlain tells whether b, the first byte of a key or a value, is neither a quote nor a
// space nor the start of a character TrimSpace may take for a space.
func configPlain(b byte) bool {
	return b > ' ' && b < utf8.RuneSelf && b != '"' && b != '`'
}

// configLines yields the lines of text[from:to], a section whose header is on line num, classified.
func configLines(text string, from, to, num int) iter.Seq[iniLine] {
	return func(yield func(iniLine) bool) {
		var st iniState // a header starts afresh
		for at := from; at < to; num++ {
			l, _ := iniCut(text[at:to], num)
			_ = st.classify(&l) // configScan checked every line
			if !yield(l) {
				return
			}
			at += len(l.raw)
		}
	}
}

// configProfile is what the sections of one profile, added in file order, make of it.
type configProfile struct {
	entry    *Entry
	form     string          // the header form its sections use
	sections []configSection // those whose values count
}

// add takes one more section of the profile. A section repeated under the same header merges,
// later values winning, as ini.v1 and the Go SDK do. [default] and [profile default] are two
// headers for one profile: the AWS CLI uses the later of them whole, and so does acct.
func (p *configProfile) add(c *Config, h *configHeader, name string) {
	header := c.header(h)
	form := strings.Join(resolveFields(header.section), " ")
	switch {
	case p.entry == nil:
		p.entry = &Entry{Name: name, Line: h.num}
	case p.form != form:
		p.sections = nil
		*p.entry = Entry{Name: name, Line: h.num}
	}
	p.form = form
	inBlock := c.inBlock(h.num)
	if meta, ok := strings.CutPrefix(configLineBefore(c.raw, h.from), blockMetaPrefix); ok {
		p.entry.Meta = configParseMeta(meta)
		p.entry.Meta.Managed = inBlock
	} else if inBlock {
		p.entry.Meta.Managed = true
	}
	p.sections = append(p.sections, configSection{entry: p.entry, from: h.from, to: h.to, line: h.num, sectionRaw: header.sectionRaw})
}

// header is h's line as classify reads it: its section, trimmed inside the brackets and as
// ini.v1 names it.
func (c *Config) header(h *configHeader) iniLine {
	l := iniLine{num: h.num, text: configLineAt(c.raw, h.from)}
	_ = new(iniState).classify(&l) // configScan read it as a header
	return l
}

// profileOf is the profile h defines, or "".
func (c *Config) profileOf(h *configHeader) string {
	if h.profile == 0 {
		return ""
	}
	return configProfileName(c.header(h).section)
}

// configLineAt is the text of the line that starts at offset at, without its line end.
func configLineAt(text string, at int) string {
	t := text[at:]
	if i := strings.IndexByte(t, '\n'); i >= 0 {
		t = strings.TrimSuffix(t[:i], "\r")
	}
	return t
}

// configLineBefore is the text of the line before the one that starts at offset at ("" for the
// first line).
func configLineBefore(text string, at int) string {
	if at == 0 {
		return ""
	}
	return configLineAt(text, strings.LastIndexByte(text[:at-1], '\n')+1)
}

// inBlock tells whether line num is inside an acct block.
func (c *Config) inBlock(num int) bool {
	for _, b := range c.blocks {
		if num > b.Begin && num < b.End {
			return true
		}
	}
	return false
}

// stageProfiles lists the managed profiles of stage in the order of Names, reading only the
// profiles whose `# acct:` lines may name it: such a line holds the stage as it is written,
// unless a quoted value escapes a character.
func (c *Config) stageProfiles(stage string) []*Entry {
	may := map[uint64]bool{} // profiles by hash; lookup tells them apart
	for _, h := range c.headers {
		if meta, ok := strings.CutPrefix(configLineBefore(c.raw, h.from), blockMetaPrefix); ok && h.profile != 0 &&
			(strings.Contains(meta, stage) || strings.IndexByte(meta, '\\') >= 0) {
			may[h.profile] = true
		}
	}
	var out []*Entry
	seen := map[string]bool{}
	for i := range c.headers {
		h := &c.headers[i]
		if !may[h.profile] {
			continue
		}
		name := c.profileOf(h)
		if seen[name] {
			continue // in the order of its first section
		}
		seen[name] = true
		if e, _ := c.lookup(name); e.Meta.Managed && e.Meta.Stage == stage {
			out = append(out, e)
		}
	}
	return out
}

// lookup returns the profile called name, its values perhaps not read yet (entry reads them).
// Before index, it is made from the profile's sections when first asked for.
func (c *Config) lookup(name string) (*Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[name]; ok || c.indexed || name == "" {
		return e, ok
	}
	var p configProfile
	key := configKey(c.seed, name)
	for i := range c.headers {
		if h := &c.headers[i]; h.profile == key && c.profileOf(h) == name {
			p.add(c, h, name)
		}
	}
	if p.entry == nil {
		return nil, false
	}
	c.entries[name] = p.entry
	c.unloaded[p.entry] = p.sections
	return p.entry, true
}

// listNames makes names list every profile once, in the order of their first sections, once;
// c.mu is held.
func (c *Config) listNames() {
	if c.named {
		return
	}
	c.named = true
	seen := make(map[string]bool, len(c.headers))
	for i := range c.headers {
		if name := c.profileOf(&c.headers[i]); name != "" && !seen[name] {
			seen[name] = true
			c.names = append(c.names, name)
		}
	}
}

// index makes names, entries and dups hold every profile and repeated section of the file, as
// Doctor needs them. A profile looked up already keeps its entry.
func (c *Config) index() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.indexed {
		return
	}
	c.indexed = true
	c.listNames()
	first := make(map[string]int, len(c.headers))
	profiles := make(map[string]*configProfile, len(c.names))
	for i := range c.headers {
		h := &c.headers[i]
		section := c.header(h).section
		key := iniSectionKey(section)
		if at, dup := first[key]; dup {
			c.dups = append(c.dups, configDup{Section: section, First: at, Line: h.num})
		} else {
			first[key] = h.num
		}
		name := configProfileName(section)
		if name == "" {
			continue
		}
		p, seen := profiles[name]
		if !seen {
			if _, looked := c.entries[name]; !looked {
				p = &configProfile{}
			}
			profiles[name] = p // nil for a profile looked up already
		}
		if p != nil {
			p.add(c, h, name)
		}
	}
	for name, p := range profiles {
		if p != nil {
			c.entries[name] = p.entry
			c.unloaded[p.entry] = p.sections
		}
	}
}
