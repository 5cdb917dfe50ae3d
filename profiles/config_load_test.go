package profiles

import (
	"reflect"
	"testing"
)

// FuzzConfigLoad: reading a batch of sections without python multi-line values when none of its
// lines continues a value gives the values ini.v1 reads with them (iniOptions, always on).
func FuzzConfigLoad(f *testing.F) {
	f.Add([]byte("[profile a]\nregion = x\ns3 =\n  max_concurrent_requests = 20\n[profile b]\nregion=\nrole_arn = y ; c\n"))
	f.Add([]byte("[default]\nregion=\"q\"\n[profile a]\nk = `v`\nk2 = \"\"\"x\"\"\"\n"))
	f.Add([]byte(configBenchText(3)))
	f.Fuzz(func(t *testing.T, in []byte) {
		c := &Config{entries: map[string]*Entry{}}
		if c.parse(string(in), true) != nil {
			return
		}
		c.index()
		sections := c.pending()
		want := map[string]*Entry{}
		for _, sec := range sections {
			if want[sec.entry.Name] == nil {
				want[sec.entry.Name] = &Entry{Name: sec.entry.Name}
			}
		}
		for b := 0; b < len(sections); b += 2 {
			group := sections[b:min(b+2, len(sections))]
			chunk, _ := configChunk(c.raw, group)
			werr := configLoadChunk(chunk, configSectionsFor(group, want), iniOptions())
			gerr := configLoad(c.raw, group)
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("with python multi-line values: %v; without: %v", werr, gerr)
			}
		}
		for name, w := range want {
			if got := c.entries[name]; !reflect.DeepEqual(w.Keys, got.Keys) {
				t.Fatalf("profile %s: %+v, without python multi-line values %+v", name, w.Keys, got.Keys)
			}
		}
	})
}

// configSectionsFor is group with its entries replaced by those of to, by name.
func configSectionsFor(group []configSection, to map[string]*Entry) []configSection {
	out := make([]configSection, len(group))
	for i, sec := range group {
		out[i] = sec
		out[i].entry = to[sec.entry.Name]
	}
	return out
}
