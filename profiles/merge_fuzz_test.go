package profiles

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzMerge: for any existing text, Merge errors or keeps every byte outside the block (the
// input is a prefix of an appended result, or equal outside the replaced block), and merging
// again is a fixed point.
func FuzzMerge(f *testing.F) {
	f.Add([]byte("[default]\nregion = eu-west-1\n"))
	f.Add([]byte("[default]\r\nregion=x"))
	f.Add([]byte("# >>> acct: cpco (x)\n[profile cpco-a]\nregion=x\n# <<< acct: cpco"))
	f.Add([]byte("[profile a]\ns3 =\n  max = 1\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Merge(in, Origin{Namespace: "cpco", LayoutFile: "a.yaml"}, blockLayoutA())
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error with several lines: %q", err)
			}
			return
		}
		before, after := blockTestOutside(in, "cpco"), blockTestOutside(out, "cpco")
		if !strings.HasPrefix(after, before) || strings.Trim(after[len(before):], "\r\n") != "" {
			t.Fatalf("outside text changed:\n%q\n%q", before, after)
		}
		again, err := Merge(out, Origin{Namespace: "cpco", LayoutFile: "a.yaml"}, blockLayoutA())
		if err != nil {
			t.Fatalf("second merge: %v\n%q", err, out)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("not a fixed point:\n%q\n%q", out, again)
		}
		if _, err := ParseConfig("x", out); err != nil {
			t.Fatalf("result does not read back: %v\n%q", err, out)
		}
	})
}
