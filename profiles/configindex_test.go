package profiles

import (
	"hash/maphash"
	"reflect"
	"strings"
	"testing"
)

// FuzzConfigScan: configScan, which keeps only the section headers, fails on the same line as
// iniClassify of every line, finds the same headers, sections and block markers, and names each
// header's profile as resolveFields splits it.
func FuzzConfigScan(f *testing.F) {
	f.Add("[default]\nregion = eu-west-1\n")
	f.Add("\ufeff[profile a]\r\nk = v\r\n  [profile x]\r\n [profile  b ] ; c\n\tk:v\n# acct: stage=s\n[profile \"c d\"]\n")
	f.Add("[profile a]\nregion=x\n[sso-session s]\n[ profile\tb]\n[profile]\n[profilex y]\n[profile a b]\n[profile 'a'b]\n")
	f.Add("[profile a]\nk=\"\"\"x\n[profile b]\nk2 = `v\n")
	f.Add("k=v\n")
	f.Add("[a]\nx\r\n")
	f.Add(configBenchText(3))
	f.Fuzz(func(t *testing.T, text string) {
		lines := iniSplit([]byte(text))
		werr := iniClassify(lines)
		seed := maphash.MakeSeed()
		got, gerr := configScan(text, seed)
		if errText(werr) != errText(gerr) {
			t.Fatalf("iniClassify: %v\nconfigScan: %v", werr, gerr)
		}
		if werr != nil {
			return
		}
		var want configScanned
		at := 0
		for _, l := range lines {
			switch l.kind {
			case iniSection:
				if k := len(want.headers); k > 0 {
					want.headers[k-1].to = at
				}
				h := configHeader{num: l.num, from: at, to: len(text)}
				if name := profileByFields(l.section); name != "" {
					h.profile = configKey(seed, name)
				}
				want.headers = append(want.headers, h)
			case iniKey:
				want.crosses = want.crosses || strings.HasPrefix(l.key, `"`) || strings.HasPrefix(l.key, "`") ||
					strings.HasPrefix(l.value, `"""`) || strings.HasPrefix(l.value, "`")
			}
			if _, _, ok := blockMarker(l.text); ok {
				want.markers = append(want.markers, iniLine{num: l.num, text: l.text, kind: l.kind})
			}
			at += len(l.raw)
		}
		want.headers = append(got.headers[:0:0], want.headers...)
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("classified lines: %+v\nscan: %+v", want, got)
		}
		c := &Config{raw: text}
		for _, h := range got.headers {
			if w := lines[h.num-1]; !reflect.DeepEqual(c.header(&h), iniLine{num: w.num, text: w.text, kind: w.kind, section: w.section, sectionRaw: w.sectionRaw}) {
				t.Fatalf("header at line %d read again: %+v, in the file %+v", h.num, c.header(&h), w)
			}
			if name := profileByFields(lines[h.num-1].section); c.profileOf(&h) != name {
				t.Fatalf("header at line %d: profile %q, as botocore splits it %q", h.num, c.profileOf(&h), name)
			}
			j := h.num - 1
			for l := range configLines(text, h.from, h.to, h.num) {
				if w := lines[j]; !reflect.DeepEqual(w, l) {
					t.Fatalf("line %d of the section at line %d: %+v, in the file %+v", j+1, h.num, l, w)
				}
				j++
			}
			if w := lines[h.num-1]; configLineBefore(text, h.from) != lines[max(h.num-2, 0)].text && h.num > 1 || configLineAt(text, h.from) != w.text {
				t.Fatalf("header at line %d: the line before or the line itself read wrong", h.num)
			}
		}
	})
}

// profileByFields is the profile a header defines, as botocore splits it.
func profileByFields(section string) string {
	if section == "default" {
		return "default"
	}
	if f := resolveFields(section); len(f) == 2 && f[0] == "profile" {
		return f[1]
	}
	return ""
}
