package profiles

import (
	"errors"
	"io/fs"
	"os"
	"strings"

	"gopkg.in/ini.v1"

	"github.com/acct-cli/acct/internal/atomicfile"
	"github.com/acct-cli/acct/internal/fault"
)

// INIFile is an AWS ini file (~/.aws/credentials above all) held as its lines: its sections can be
// read, and cut out without touching any other byte, comments and spacing included.
type INIFile struct {
	Path  string
	Mode  fs.FileMode // the file's permissions, kept when it is written back
	lines []iniLine
}

// ReadINI reads the file at path; a missing file is an error for which errors.Is(err,
// fs.ErrNotExist) holds, a file that is not ini a *ConfigError.
func ReadINI(path string) (*INIFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fault.Wrap(fault.BadInput, err)
		}
		return nil, fault.Errorf(fault.BadInput, "%s: cannot read it; check its permissions: %w", path, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fault.Errorf(fault.BadInput, "%s: %w", path, err)
	}
	f := &INIFile{Path: path, Mode: st.Mode().Perm(), lines: iniSplit(data)}
	if err := iniClassify(f.lines); err != nil {
		return nil, configWithPath(err, path)
	}
	return f, nil
}

// Sections lists the profile names of the file's sections in file order: [default], [profile X]
// and a bare [X] (the credentials file's form) each name a profile. A nil file has none.
func (f *INIFile) Sections() []string {
	if f == nil {
		return nil
	}
	var names []string
	for _, l := range f.lines {
		if l.kind == iniSection {
			if n := iniProfileName(l.section); n != "" {
				names = append(names, n)
			}
		}
	}
	return names
}

// Section returns the keys of profile name (lower-cased, as the AWS CLI reads them; a key given
// again, or in a repeated section, keeps its last value), read by ini.v1; false when the file (or
// a nil one) has no such section.
func (f *INIFile) Section(name string) ([]Key, bool) {
	if f == nil {
		return nil, false
	}
	spans := f.spans(name)
	if len(spans) == 0 {
		return nil, false
	}
	var e Entry
	for _, sp := range spans {
		var text strings.Builder
		text.WriteString("[s]\n")
		for _, l := range f.lines[sp[0]+1 : sp[1]] {
			text.WriteString(l.normal())
		}
		opts := iniOptions()
		opts.InsensitiveKeys = true
		file, err := ini.LoadSources(opts, []byte(text.String()))
		if err != nil {
			continue // iniClassify accepted the lines; ini.v1 has nothing more to refuse
		}
		for _, k := range file.Section("s").Keys() {
			configSet(&e, k.Name(), k.Value())
		}
	}
	return e.Keys, true
}

// HasKeys tells whether the section of profile name holds an access key: what the AWS CLI would
// sign with, where acct reads its keyring.
func (f *INIFile) HasKeys(name string) bool {
	keys, _ := f.Section(name)
	for _, k := range keys {
		if k.Name == "aws_access_key_id" && k.Value != "" {
			return true
		}
	}
	return false
}

// spans lists the [start, end) line ranges of every section of profile name: its header and key
// lines, without the comments and blank lines that precede the next section (they usually
// describe that one).
func (f *INIFile) spans(name string) [][2]int {
	var out [][2]int
	for i := 0; i < len(f.lines); i++ {
		if f.lines[i].kind != iniSection || iniProfileName(f.lines[i].section) != name {
			continue
		}
		end := i + 1
		for j := i + 1; j < len(f.lines) && f.lines[j].kind != iniSection; j++ {
			if k := f.lines[j].kind; k == iniKey || k == iniCont {
				end = j + 1
			}
		}
		out = append(out, [2]int{i, end})
		i = end - 1
	}
	return out
}

// Remove cuts every section of profile name out, and reports whether there was one. A blank line
// after a removed section goes too when the line before it is blank as well, so no gap of two
// blank lines is left behind.
func (f *INIFile) Remove(name string) bool {
	spans := f.spans(name)
	if len(spans) == 0 {
		return false
	}
	blank := func(i int) bool { return f.lines[i].kind == iniBlank }
	drop := map[int]bool{}
	for _, sp := range spans {
		for i := sp[0]; i < sp[1]; i++ {
			drop[i] = true
		}
		if (sp[0] == 0 || blank(sp[0]-1)) && sp[1] < len(f.lines) && blank(sp[1]) {
			drop[sp[1]] = true
		}
	}
	kept := f.lines[:0]
	for i, l := range f.lines {
		if !drop[i] {
			kept = append(kept, l)
		}
	}
	f.lines = kept
	return true
}

// Bytes is the file's text as it stands.
func (f *INIFile) Bytes() []byte {
	var b strings.Builder
	for _, l := range f.lines {
		b.WriteString(l.raw)
	}
	return []byte(b.String())
}

// Write replaces the file atomically with its text as it stands, keeping its permissions.
func (f *INIFile) Write() error {
	mode := f.Mode
	if mode == 0 {
		mode = 0o600
	}
	if err := atomicfile.Write(f.Path, f.Bytes(), mode); err != nil {
		return fault.Errorf(fault.Failed, "rewrite %s: %w", f.Path, err)
	}
	return nil
}
