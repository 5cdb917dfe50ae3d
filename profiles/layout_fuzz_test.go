package profiles

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse holds the loader to its promises on any input: no panic, one-line errors, and a
// layout that parses renders (or refuses) without panicking and never writes a broken section.
func FuzzParse(f *testing.F) {
	examples, _ := filepath.Glob("../docs/examples/*.yaml")
	for _, e := range examples {
		if data, err := os.ReadFile(e); err == nil {
			f.Add(data)
		}
	}
	for _, c := range layoutBadCases {
		f.Add([]byte(c.yaml))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("fuzz.yaml", data)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		for _, o := range []RenderOptions{{}, {User: "alice"}, {User: "bob", Style: CredentialProcess}} {
			ps, err := Render(l, o)
			if err != nil {
				if strings.ContainsAny(err.Error(), "\r\n") {
					t.Fatalf("render error spans lines: %q", err)
				}
				continue
			}
			seen := map[string]bool{}
			for _, p := range ps {
				if seen[p.Name] || !layoutProfileRE.MatchString(p.Name) {
					t.Fatalf("bad or repeated profile name %q", p.Name)
				}
				seen[p.Name] = true
				for _, k := range p.Keys {
					if k.Name == "" || strings.ContainsAny(k.Name+k.Value, "\r\n") {
						t.Fatalf("profile %s has unsafe key %q=%q", p.Name, k.Name, k.Value)
					}
				}
			}
		}
	})
}
