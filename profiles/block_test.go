package profiles

import (
	"github.com/acct-cli/acct/internal/testtool"

	"bytes"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var blockUpdate = flag.Bool("update-configs", false, "rewrite testdata/configs/*.golden")

func blockProfile(name, stage, role, account, arn string, prot Protection) Profile {
	return Profile{
		Name: name, Namespace: "cpco", Stage: stage, Role: role, Account: account, Protected: prot,
		Keys: []Key{
			{"region", "us-west-2"},
			{"role_arn", arn},
			{"mfa_serial", "arn:aws:iam::323330167063:mfa/alice"},
			{"source_profile", "cpco"},
		},
	}
}

// blockLayoutA is seed 002 case 3 (virtual root).
func blockLayoutA() []Profile {
	return []Profile{
		blockProfile("cpco-testing-admin", "testing", "admin", "323330167063", "arn:aws:iam::323330167063:role/cpco-root-admin", Unprotected),
		blockProfile("cpco-root-admin", "root", "admin", "323330167063", "arn:aws:iam::323330167063:role/cpco-root-admin", Protected),
	}
}

// blockLayoutB is the organization layout with a prod stage added and testing moved.
func blockLayoutB() []Profile {
	p := blockProfile("cpco-prod-admin", "prod", "admin", "111111111111", "arn:aws:iam::111111111111:role/OrganizationAccountAccessRole", Always)
	p.OU = "workloads"
	return []Profile{
		blockProfile("cpco-testing-admin", "testing", "admin", "126450723953", "arn:aws:iam::126450723953:role/OrganizationAccountAccessRole", Unprotected),
		p,
		blockProfile("cpco-root-admin", "root", "admin", "323330167063", "arn:aws:iam::323330167063:role/cpco-root-admin", Protected),
	}
}

const blockTestLayoutFile = "/home/alice/team/acct.yaml"

// The block of the architecture document, byte for byte.
func TestMergeArchitectureBlock(t *testing.T) {
	t.Parallel()
	got, err := Merge(nil, Origin{Namespace: "cpco", LayoutFile: blockTestLayoutFile}, blockLayoutA()[:1])
	if err != nil {
		t.Fatal(err)
	}
	want := "# >>> acct: cpco (generated from /home/alice/team/acct.yaml by `acct generate`; edit the layout, not this block)\n" +
		"# acct: namespace=cpco stage=testing role=admin account=323330167063 protected=false\n" +
		"[profile cpco-testing-admin]\n" +
		"region=us-west-2\n" +
		"role_arn=arn:aws:iam::323330167063:role/cpco-root-admin\n" +
		"mfa_serial=arn:aws:iam::323330167063:mfa/alice\n" +
		"source_profile=cpco\n" +
		"\n" +
		"# <<< acct: cpco\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// Golden files: testdata/configs/NAME.in merged with layout A (NAME.a.golden), then that
// merged with layout B (NAME.b.golden).
func TestMergeGolden(t *testing.T) {
	t.Parallel()
	ins, err := filepath.Glob("testdata/configs/*.in")
	if err != nil || len(ins) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			a, err := Merge(src, Origin{Namespace: "cpco", LayoutFile: blockTestLayoutFile}, blockLayoutA())
			if err != nil {
				t.Fatal(err)
			}
			b, err := Merge(a, Origin{Namespace: "cpco", LayoutFile: blockTestLayoutFile}, blockLayoutB())
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range []struct {
				suffix string
				got    []byte
			}{{".a.golden", a}, {".b.golden", b}} {
				path := strings.TrimSuffix(in, ".in") + g.suffix
				if *blockUpdate {
					if err := os.WriteFile(path, g.got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test -run TestMergeGolden -update-configs)", err)
				}
				if !bytes.Equal(g.got, want) {
					t.Errorf("%s differs:\n--- got\n%q\n--- want\n%q", path, g.got, want)
				}
			}
			// Outside the block nothing moved, and a second merge is a fixed point.
			if got, want := blockTestOutside(b, "cpco"), blockTestOutside(a, "cpco"); got != want {
				t.Errorf("outside text changed:\n%q\n%q", got, want)
			}
			again, err := Merge(b, Origin{Namespace: "cpco", LayoutFile: blockTestLayoutFile}, blockLayoutB())
			if err != nil || !bytes.Equal(again, b) {
				t.Errorf("second merge is not a fixed point (err %v)", err)
			}
			if _, err := ParseConfig("x", b); err != nil {
				t.Errorf("merged text does not read back: %v", err)
			}
		})
	}
}

// blockTestOutside removes the block for ns (begin to end line, inclusive) with a plain scan
// independent of block.go's, so the test does not trust the code it checks.
func blockTestOutside(text []byte, ns string) string {
	var out strings.Builder
	in := false
	for _, line := range strings.SplitAfter(string(text), "\n") {
		t := strings.TrimRight(line, "\r\n")
		switch {
		case !in && (t == "# >>> acct: "+ns || strings.HasPrefix(t, "# >>> acct: "+ns+" ")):
			in = true
		case in && (t == "# <<< acct: "+ns || strings.HasPrefix(t, "# <<< acct: "+ns+" ")):
			in = false
		case !in:
			out.WriteString(line)
		}
	}
	return out.String()
}

func TestMergeCRLFAndNoFinalNewline(t *testing.T) {
	t.Parallel()
	src := "[default]\r\nregion = eu-west-1\r\n\r\n[profile me]   \r\noutput=json"
	got, err := Merge([]byte(src), Origin{Namespace: "cpco", LayoutFile: blockTestLayoutFile}, blockLayoutA())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(got), src+"\r\n\r\n# >>> acct: cpco") {
		t.Fatalf("user text not kept, or no blank line before the block:\n%q", got)
	}
	if strings.Count(string(got), "\n") != strings.Count(string(got), "\r\n") {
		t.Fatalf("block not written with CRLF:\n%q", got)
	}
	// Block in the middle, end line without newline: replacing it keeps that.
	mid := "# >>> acct: cpco (x)\n[profile cpco-old]\nregion=x\n# <<< acct: cpco"
	got, err = Merge([]byte("[default]\nregion=a\n"+mid), Origin{Namespace: "cpco"}, blockLayoutA())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(got), "\n# <<< acct: cpco") || strings.Contains(string(got), "cpco-old") {
		t.Fatalf("end line lost its missing newline or old profile kept:\n%q", got)
	}
}

func TestMergeOtherNamespacesKept(t *testing.T) {
	t.Parallel()
	other := []Profile{{Name: "acme-dev-admin", Namespace: "acme", Stage: "dev", Role: "admin", Account: "222222222222",
		Keys: []Key{{"role_arn", "arn:aws:iam::222222222222:role/x"}, {"source_profile", "acme"}}}}
	a, err := Merge([]byte("[default]\nregion=a\n"), Origin{Namespace: "acme", LayoutFile: "acme.yaml"}, other)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Merge(a, Origin{Namespace: "cpco", LayoutFile: "cpco.yaml"}, blockLayoutA())
	if err != nil {
		t.Fatal(err)
	}
	c, err := Merge(b, Origin{Namespace: "cpco", LayoutFile: "cpco.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(c), string(a)) || strings.Contains(string(c), "cpco-root-admin") {
		t.Fatalf("acme block not kept or cpco not pruned:\n%s", c)
	}
	cfg, err := ParseConfig("x", b)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.Namespaces(), ","); got != "acme,cpco" {
		t.Fatalf("namespaces %q", got)
	}
}

// Broken files: one exact line of error, and Write leaves the bytes alone.
func TestWriteRefusesBrokenConfigs(t *testing.T) {
	t.Parallel()
	blockA := string(blockTestMust(Merge(nil, Origin{Namespace: "cpco"}, blockLayoutA())))
	beginOnly := strings.SplitAfter(blockA, "\n")[0]
	cases := []struct {
		name, text, want string
		kind             error
	}{
		{"not ini", "[default]\nregion=us-east-1\nthis is not ini\n",
			`line 3: "this is not ini" is not a key=value line, a [section] or a comment; fix or comment out the line: not an ini file`, ErrNotINI},
		{"unclosed section", "[profile a\nregion=x\n",
			`line 1: section header "[profile a" has no closing ]; close the bracket: not an ini file`, ErrNotINI},
		{"key before section", "region=x\n[default]\n",
			`line 1: key "region" comes before any [section]; move it under a [profile NAME] header: not an ini file`, ErrNotINI},
		{"text after header", "[default] x\n",
			`line 1: text "x" after the section header; put it on its own line as a key=value or a comment: not an ini file`, ErrNotINI},
		{"empty header", "[ ]\n",
			`line 1: bad section header "[ ]"; write [profile NAME]: not an ini file`, ErrNotINI},
		{"lone CR", "[default]\rregion=x\n",
			`line 1: carriage return inside a line; use \n or \r\n line endings: not an ini file`, ErrNotINI},
		{"duplicate section", "[profile a]\nregion=x\n\n[profile a]\noutput=json\n",
			`line 4: section [profile a] is also at line 1; merge the two sections into one: duplicate section`, ErrDuplicateSection},
		{"duplicate default", "[default]\nregion=x\n[default]\n",
			`line 3: section [default] is also at line 1; merge the two sections into one: duplicate section`, ErrDuplicateSection},
		{"half-deleted begin", "[default]\nregion=x\n" + beginOnly + "[profile cpco-root-admin]\nregion=x\n",
			"line 3: begin marker for cpco has no end marker; restore the line \"# <<< acct: cpco\" after the block, or delete the block from line 3, then run acct generate: broken acct block", ErrBrokenBlock},
		{"half-deleted end", "[default]\nregion=x\n[profile cpco-root-admin]\nregion=x\n# <<< acct: cpco\n",
			"line 5: end marker for cpco without a begin marker; delete line 5 and the rest of the old block, or restore its begin line, then run acct generate: broken acct block", ErrBrokenBlock},
		{"two blocks", blockA + "\n" + blockA,
			"line 18: second block for cpco (the first starts at line 1); delete one of the two blocks, then run acct generate: broken acct block", ErrBrokenBlock},
		{"nested block", "# >>> acct: acme (x)\n# >>> acct: cpco (x)\n# <<< acct: cpco\n# <<< acct: acme\n",
			"line 2: begin marker for cpco inside the block for acme that starts at line 1; restore the line \"# <<< acct: acme\" before line 2, or delete the half-deleted block: broken acct block", ErrBrokenBlock},
		{"crossed end", "# >>> acct: acme (x)\n# <<< acct: cpco\n",
			"line 2: end marker for cpco closes the block for acme that starts at line 1; restore the matching end line \"# <<< acct: acme\": broken acct block", ErrBrokenBlock},
		{"marker without namespace", "# >>> acct: \n",
			"line 1: acct marker without a namespace; restore the marker's namespace or delete the line: broken acct block", ErrBrokenBlock},
		{"conflict with hand-written profile", "[profile cpco-root-admin]\nregion=eu-west-1\n",
			"line 1: profile cpco-root-admin is written by hand at line 1 and generated by acct for cpco at line 13; rename or delete the profile at line 1, or drop it from the layout: profile conflict", ErrConflict},
		{"conflict with bare section", "[default]\nregion=x\n\n# >>> acct: cpco (x)\n# <<< acct: cpco\n\n[cpco-testing-admin]\nregion=x\n",
			"line 7: profile cpco-testing-admin is written by hand at line 7 and generated by acct for cpco at line 6; rename or delete the profile at line 7, or drop it from the layout: profile conflict", ErrConflict},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "config")
			if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Write(path, Origin{Namespace: "cpco"}, blockLayoutA(), WriteOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			want := "config " + path + " " + tc.want
			if err.Error() != want {
				t.Errorf("error\n got %s\nwant %s", err, want)
			}
			if !errors.Is(err, tc.kind) {
				t.Errorf("error is not %v", tc.kind)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error has several lines")
			}
			got, _ := os.ReadFile(path)
			if string(got) != tc.text {
				t.Errorf("file changed")
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if e.Name() != "config" && e.Name() != "config.lock" {
					t.Errorf("debris %s", e.Name())
				}
			}
		})
	}
}

func TestMergeRefusesBadProfiles(t *testing.T) {
	t.Parallel()
	for _, ps := range [][]Profile{
		{{Name: "a b"}},
		{{Name: "a"}, {Name: "a"}},
		{{Name: "a", Keys: []Key{{"k", "v\nx=y"}}}},
		{{Name: "a", Keys: []Key{{"k=", "v"}}}},
	} {
		if _, err := Merge(nil, Origin{Namespace: "cpco"}, ps); !errors.Is(err, ErrBadProfile) {
			t.Errorf("%v: err %v", ps, err)
		}
	}
	if _, err := Merge(nil, Origin{Namespace: "bad ns"}, nil); !errors.Is(err, ErrBadProfile) {
		t.Errorf("namespace with a space accepted: %v", err)
	}
}

func blockTestMust(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// blockRandomUserText builds a user's config: comments, profiles, sso-session sections, odd
// spacing, multi-line values, CRLF or not, final newline or not.
func blockRandomUserText(r *rand.Rand, i int) string {
	eol := "\n"
	if r.Intn(3) == 0 {
		eol = "\r\n"
	}
	var b strings.Builder
	n := r.Intn(6)
	for j := 0; j < n; j++ {
		switch r.Intn(6) {
		case 0:
			fmt.Fprintf(&b, "# comment %d ; with = signs%s", j, eol)
		case 1:
			b.WriteString(eol)
		case 2:
			fmt.Fprintf(&b, "[sso-session s%d_%d]%ssso_start_url = https://x.awsapps.com/start%s", i, j, eol, eol)
		case 3:
			fmt.Fprintf(&b, "[profile user%d_%d]   %sregion   =  eu-west-1 ; inline%s", i, j, eol, eol)
		case 4:
			fmt.Fprintf(&b, "[profile nested%d_%d]%ss3 =%s  max_concurrent_requests = 20%s\tsignature_version=s3v4%s", i, j, eol, eol, eol, eol)
		case 5:
			fmt.Fprintf(&b, "  ;indented comment %d%s", j, eol)
		}
	}
	s := b.String()
	if r.Intn(3) == 0 {
		s = strings.TrimSuffix(s, eol)
	}
	return s
}

// Merge A, B, A over random user files: the user's bytes never change, A twice is a fixed point.
func TestMergeProperty(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(2))
	for i := 0; i < 200; i++ {
		user := blockRandomUserText(r, i)
		// Sometimes the block goes in the middle: put an empty one there first.
		if r.Intn(2) == 0 && user != "" {
			lines := strings.SplitAfter(user, "\n")
			k := r.Intn(len(lines))
			if strings.HasSuffix(lines[k], "\n") && !strings.HasSuffix(strings.TrimRight(lines[k], "\r\n"), "=") {
				user = strings.Join(lines[:k+1], "") + "# >>> acct: cpco (old)\n# <<< acct: cpco\n" + strings.Join(lines[k+1:], "")
			}
		}
		a1, err := Merge([]byte(user), Origin{Namespace: "cpco", LayoutFile: "a.yaml"}, blockLayoutA())
		if err != nil {
			t.Fatalf("case %d: %v\n%q", i, err, user)
		}
		outside := blockTestOutside(a1, "cpco")
		if !strings.HasPrefix(outside, blockTestOutside([]byte(user), "cpco")) {
			t.Fatalf("case %d: user text changed:\n%q\n%q", i, user, outside)
		}
		b, err := Merge(a1, Origin{Namespace: "cpco", LayoutFile: "b.yaml"}, blockLayoutB())
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		a2, err := Merge(b, Origin{Namespace: "cpco", LayoutFile: "a.yaml"}, blockLayoutA())
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if got := blockTestOutside(b, "cpco"); got != outside {
			t.Fatalf("case %d: B changed the user text:\n%q\n%q", i, got, outside)
		}
		if !bytes.Equal(a1, a2) {
			t.Fatalf("case %d: A, B, A differs from A:\n%q\n%q", i, a1, a2)
		}
		a3, err := Merge(a2, Origin{Namespace: "cpco", LayoutFile: "a.yaml"}, blockLayoutA())
		if err != nil || !bytes.Equal(a3, a2) {
			t.Fatalf("case %d: not a fixed point (%v)", i, err)
		}
		cfg, err := ParseConfig("x", a2)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if _, ok := cfg.Entry("cpco-root-admin"); !ok || len(cfg.Blocks()) != 1 {
			t.Fatalf("case %d: block not read back", i)
		}
	}
}

func BenchmarkMerge1000(b *testing.B) {
	ps := make([]Profile, 1000)
	for i := range ps {
		ps[i] = blockProfile(fmt.Sprintf("cpco-stage%d-admin", i), fmt.Sprintf("stage%d", i), "admin", "111111111111", "arn:aws:iam::111111111111:role/x", Protected)
	}
	user := []byte(strings.Repeat("[profile mine]\nregion=x\n", 1) + "# hand-written\n")
	existing, err := Merge(user, Origin{Namespace: "cpco", LayoutFile: "a.yaml"}, ps)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Merge(existing, Origin{Namespace: "cpco", LayoutFile: "a.yaml"}, ps); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMain(m *testing.M) { testtool.Main(m) }

// [default] beside [profile default] is read by the AWS CLI (the later one wins; doctor warns), so
// a block is written beside them, their bytes kept.
func TestWriteKeepsDefaultTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	user := "[default]\nregion=x\n[profile default]\nregion=y\n"
	if err := os.WriteFile(path, []byte(user), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(path, Origin{Namespace: "cpco"}, blockLayoutA(), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); !strings.HasPrefix(string(data), user) {
		t.Errorf("the user's sections changed:\n%s", data)
	}
}
