package profiles

import (
	"errors"
	"hash/maphash"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/acct-cli/acct/internal/fault"
	"gopkg.in/ini.v1"
)

// ConfigPath is where the AWS CLI looks for its config: AWS_CONFIG_FILE, else ~/.aws/config.
// getenv is the caller's environment (AWS_CONFIG_FILE, HOME; USERPROFILE on Windows).
func ConfigPath(getenv func(string) string) string {
	return configAWSFile(getenv, "AWS_CONFIG_FILE", "config")
}

// CredentialsPath is where the AWS CLI finds the shared credentials file:
// AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials.
func CredentialsPath(getenv func(string) string) string {
	return configAWSFile(getenv, "AWS_SHARED_CREDENTIALS_FILE", "credentials")
}

// configAWSFile is the file the variable names (a leading ~/ expanded), else ~/.aws/name.
func configAWSFile(getenv func(string) string, variable, name string) string {
	home := HomeDir(getenv)
	if p := getenv(variable); p != "" {
		return ExpandHome(p, home)
	}
	if home == "" {
		home = "~"
	}
	return filepath.Join(home, ".aws", name)
}

// HomeDir is the home directory as os.UserHomeDir finds it, from the caller's environment.
func HomeDir(getenv func(string) string) string {
	if runtime.GOOS == "windows" {
		if h := getenv("USERPROFILE"); h != "" {
			return h
		}
	}
	return getenv("HOME")
}

// ExpandHome expands a leading ~/ as the AWS CLI does for AWS_CONFIG_FILE.
func ExpandHome(p, home string) string {
	if home != "" && (p == "~" || strings.HasPrefix(p, "~/")) {
		return filepath.Join(home, p[1:])
	}
	return p
}

// Meta is what the `# acct:` comment before a generated section says about it.
type Meta struct {
	Namespace, Stage, Role, OU, Account string
	Protected                           Protection
	Managed                             bool // the section is inside an acct block
	StageEnv
}

// Entry is one profile of the config file.
type Entry struct {
	Name string
	Keys []Key // in file order; a key given twice keeps its last value at its first place
	Meta Meta
	Line int // line of the section header (the first one when the section is duplicated)
}

// Get returns the value of key in the entry.
func (e Entry) Get(key string) (string, bool) {
	for _, k := range e.Keys {
		if k.Name == key {
			return k.Value, true
		}
	}
	return "", false
}

// Block is one acct block found in the file (1-based lines of its markers).
type Block struct {
	Origin
	Begin, End int
}

// configDup is a section that appears more than once.
type configDup struct {
	Section     string
	First, Line int
}

// Config is ~/.aws/config as read. It never changes the file.
type Config struct {
	Path string
	// ParseErr is the reason the file could not be read as ini; Read returns it too. A Config
	// with ParseErr set holds no profiles, and exists so that Doctor can report it.
	ParseErr error
	// BlockErr is a broken acct block (half-deleted, nested or duplicated); reading still works.
	BlockErr error

	raw     string // the file as read: the sections' text, and Doctor's comparison with a fresh Merge
	headers []configHeader
	seed    maphash.Seed // of the headers' profile hashes
	blocks  []Block

	// A Config from ReadOnDemand finds a profile's sections and reads their values with ini.v1
	// when first asked for it, lists the profiles' names when first asked for them (listNames),
	// and makes every profile's entry only for Doctor (index).
	mu       sync.Mutex
	named    bool              // names lists every profile of the file
	indexed  bool              // names, entries and dups hold every profile of the file
	names    []string          // once named
	entries  map[string]*Entry // every profile once indexed; before, those looked up
	dups     []configDup       // once indexed
	unloaded map[*Entry][]configSection
}

// Read reads the config file at path. A missing file is an empty Config. A file that is not
// ini is an error naming the line, returned together with a Config holding it (for Doctor).
// Duplicate sections and broken acct blocks do not fail Read: the AWS SDKs merge duplicates,
// and Doctor reports both.
func Read(path string) (*Config, error) {
	return configRead(path, false)
}

// ReadOnDemand reads the config file at path as Read does, except that a profile's sections are
// found, and their values read (by ini.v1, as Read reads them), only when something asks for
// that profile: a warm `acct exec` needs the 2 to 4 sections of one chain, not all 10,000 of a
// large organisation's file. Every line is still checked, so a file that is not ini fails here
// as it fails Read, but only the section headers are kept (configScan).
func ReadOnDemand(path string) (*Config, error) {
	return configRead(path, true)
}

func configRead(path string, onDemand bool) (*Config, error) {
	c := &Config{Path: path, entries: map[string]*Entry{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		c.named, c.indexed = true, true
		return c, nil
	}
	if err != nil {
		c.ParseErr = fault.Errorf(fault.BadInput, "config %s: cannot read it; check its permissions: %w", path, err)
		return c, c.ParseErr
	}
	// The bytes become the text without a copy (of a 3 MB file, for a warm exec): nothing
	// writes them again.
	if err := c.parse(unsafe.String(unsafe.SliceData(data), len(data)), onDemand); err != nil {
		c.ParseErr = configWithPath(err, path)
		return c, c.ParseErr
	}
	return c, nil
}

// ParseConfig reads config text as Read reads the file at path holding it: text read already
// (`acct list` keys its cache by the bytes), tests, benchmarks.
func ParseConfig(path string, data []byte) (*Config, error) {
	c := &Config{Path: path, entries: map[string]*Entry{}}
	if err := c.parse(string(data), false); err != nil {
		c.ParseErr = configWithPath(err, path)
		return c, c.ParseErr
	}
	return c, nil
}

func (c *Config) parse(text string, onDemand bool) error {
	c.raw = text
	c.seed = maphash.MakeSeed()
	scan, err := configScan(text, c.seed)
	if err != nil {
		return err
	}
	c.headers = scan.headers
	blocks, err := blockFind(scan.markers)
	if err != nil {
		c.BlockErr = configWithPath(err, c.Path)
	}
	for _, b := range blocks {
		c.blocks = append(c.blocks, Block{Origin: b.origin, Begin: b.begin + 1, End: b.end + 1})
	}
	c.unloaded = map[*Entry][]configSection{}
	if onDemand && !scan.crosses {
		return nil
	}
	// ini.v1 reads the values, a batch of sections at a time: it finds sections by a linear scan,
	// so loading a 10000-profile file in one piece is quadratic, and one load per section pays
	// its set-up 10000 times.
	c.index()
	sections := c.pending()
	c.unloaded = nil
	const batch = 64
	for b := 0; b < len(sections); b += batch {
		if err := configLoadBatch(text, sections[b:min(b+batch, len(sections))]); err != nil {
			return err
		}
	}
	return nil
}

// pending lists the sections whose values are still to be read, in file order.
func (c *Config) pending() []configSection {
	var out []configSection
	for _, secs := range c.unloaded {
		out = append(out, secs...)
	}
	slices.SortFunc(out, func(a, b configSection) int { return a.from - b.from })
	return out
}

// configLoadBatch is configLoad with the error a user can act on: the section to blame.
func configLoadBatch(text string, group []configSection) error {
	err := configLoad(text, group)
	if err == nil {
		return nil
	}
	// Find the section to blame by reading each alone.
	for _, sec := range group {
		if err := configLoad(text, []configSection{sec}); err != nil {
			return &ConfigError{Line: sec.line, What: "section cannot be read as ini (" + strings.ReplaceAll(err.Error(), "\n", " ") + ")", Fix: "fix the section by hand", Err: ErrNotINI}
		}
	}
	return &ConfigError{Line: group[0].line, What: "sections cannot be read as ini (" + strings.ReplaceAll(err.Error(), "\n", " ") + ")", Fix: "fix the sections by hand", Err: ErrNotINI}
}

// entry returns the profile called name with its values read.
func (c *Config) entry(name string) (*Entry, bool, error) {
	e, ok := c.lookup(name)
	if !ok {
		return nil, false, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	secs, pending := c.unloaded[e]
	if !pending {
		return e, true, nil
	}
	delete(c.unloaded, e)
	if err := configLoadBatch(c.raw, secs); err != nil {
		return e, true, configWithPath(err, c.Path)
	}
	return e, true, nil
}

// configSection is one profile section of the file: text[from:to] of the file, from its header
// line (line) to the next header line, for entry.
type configSection struct {
	entry      *Entry
	from, to   int
	line       int
	sectionRaw string
}

// configLoad reads the values of sections (each a profile) with ini.v1 in one load.
func configLoad(text string, sections []configSection) error {
	chunk, cont := configChunk(text, sections)
	opts := iniOptions()
	// With python multi-line values, ini.v1 looks ahead for a continuation after every value,
	// copying the rest of its buffer each time (a 10,000-profile read spent half its time
	// there). Where no line of the batch continues a value there is nothing to find.
	opts.AllowPythonMultilineValues = cont
	return configLoadChunk(chunk, sections, opts)
}

// configChunk is the sections' lines as ini.v1 must see them (iniLine.normal), and whether one of
// them continues a value.
func configChunk(text string, sections []configSection) (string, bool) {
	var chunk strings.Builder
	cont := false
	for _, sec := range sections {
		for l := range configLines(text, sec.from, sec.to, sec.line) {
			chunk.WriteString(l.normal())
			cont = cont || l.kind == iniCont
		}
	}
	return chunk.String(), cont
}

// configLoadChunk reads chunk, the text of sections, with ini.v1 into their entries.
func configLoadChunk(chunk string, sections []configSection, opts ini.LoadOptions) error {
	opts.ReaderBufferSize = len(chunk) + 64 // the default 4 KiB buffer dominates otherwise
	f, err := ini.LoadSources(opts, []byte(chunk))
	if err != nil {
		return err
	}
	for _, sec := range sections {
		s, err := f.GetSection(sec.sectionRaw)
		if err != nil {
			continue
		}
		for _, k := range s.Keys() {
			configSet(sec.entry, k.Name(), k.Value())
		}
	}
	return nil
}

// configSet sets a key, replacing an earlier value in place.
func configSet(e *Entry, name, value string) {
	for i := range e.Keys {
		if e.Keys[i].Name == name {
			e.Keys[i].Value = value
			return
		}
	}
	e.Keys = append(e.Keys, Key{Name: name, Value: value})
}

// configProfileName is the profile a config-file section defines, as the AWS CLI reads it:
// [default] and [profile NAME], where NAME may be quoted ([profile "a b"]: botocore splits the
// header as a shell would); any other section is not a profile.
func configProfileName(section string) string {
	if section == "default" {
		return "default"
	}
	// The usual header, "profile" and a word without quotes, is read in one pass, without
	// splitting: configScan asks this of each of the 10,000 headers of a large organisation's file.
	if name, ok := strings.CutPrefix(section, "profile"); ok && name != "" && (name[0] == ' ' || name[0] == '\t') {
		for name != "" && (name[0] == ' ' || name[0] == '\t') {
			name = name[1:]
		}
		if configWord(name) {
			return name
		}
	}
	if strings.IndexByte(section, '"') < 0 && strings.IndexByte(section, '\'') < 0 {
		return "" // without quotes, the words are those of the usual header or no profile's
	}
	f := resolveFields(section)
	if len(f) == 2 && f[0] == "profile" {
		return f[1]
	}
	return ""
}

// configWord tells whether s is one word without quotes.
func configWord(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '"', '\'':
			return false
		}
	}
	return s != ""
}

// configParseMeta reads `namespace=cpco stage=prod ... protected=true`; values may be quoted.
// Unknown fields are ignored so that a newer acct's block reads in an older one.
func configParseMeta(s string) Meta {
	var m Meta
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return m
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return m
		}
		key := s[:eq]
		s = s[eq+1:]
		var val string
		if strings.HasPrefix(s, `"`) {
			q, err := strconv.QuotedPrefix(s)
			if err != nil {
				return m
			}
			val, _ = strconv.Unquote(q)
			s = s[len(q):]
		} else {
			end := strings.IndexAny(s, " \t")
			if end < 0 {
				end = len(s)
			}
			val, s = s[:end], s[end:]
		}
		if m.StageEnv.set(key, val) {
			continue
		}
		switch key {
		case "namespace":
			m.Namespace = val
		case "stage":
			m.Stage = val
		case "role":
			m.Role = val
		case "ou":
			m.OU = val
		case "account":
			m.Account = val
		case "protected":
			// An unreadable value errs on the safe side.
			p, err := ParseProtection(val)
			if err != nil {
				p = Protected
			}
			m.Protected = p
		}
	}
}

// Names returns the profile names ([default] and [profile NAME]) in file order.
func (c *Config) Names() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.listNames()
	return append([]string(nil), c.names...)
}

// Entry returns the profile called name.
// A section ini.v1 cannot read (on demand) has no entry, as it would have no Config from Read.
func (c *Config) Entry(name string) (Entry, bool) {
	e, ok, err := c.entry(name)
	if !ok || err != nil {
		return Entry{}, false
	}
	return *e, true
}

// Blocks returns the acct blocks in the file, in file order (one per layout namespace).
func (c *Config) Blocks() []Block {
	return append([]Block(nil), c.blocks...)
}

// Namespaces returns the namespaces whose blocks are in the file, in file order.
func (c *Config) Namespaces() []string {
	out := make([]string, 0, len(c.blocks))
	for _, b := range c.blocks {
		out = append(out, b.Namespace)
	}
	return out
}
