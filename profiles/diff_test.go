package profiles

import (
	"fmt"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A missing file diffs as no lines; a file without a final newline says so, as diff(1) does.
func TestUnifiedDiff(t *testing.T) {
	t.Parallel()
	d := UnifiedDiff("config", "config (new)", nil, []byte("[profile a]\nregion=x\n"))
	if !strings.Contains(d, "@@ -0,0 +1,2 @@\n+[profile a]\n+region=x\n") || strings.Contains(d, "\n \n") {
		t.Errorf("diff of a new file:\n%s", d)
	}
	d = UnifiedDiff("config", "config (new)", []byte("[profile a]\nregion=x"), []byte("[profile a]\nregion=x\n"))
	if !strings.Contains(d, "-region=x\n\\ No newline at end of file\n+region=x\n") {
		t.Errorf("diff adding the final newline:\n%s", d)
	}
	if d := UnifiedDiff("config", "config", []byte("same\n"), []byte("same\n")); d != "" {
		t.Errorf("diff of equal texts: %q", d)
	}
}

// Keys written by hand around the block are context lines: the diff shows the setting, never its
// secret value, whatever the spacing, case or line ending.
func TestUnifiedDiffHidesSecrets(t *testing.T) {
	t.Parallel()
	old := "[default]\naws_access_key_id=AKIAIOSFODNN7EXAMPLE\naws_secret_access_key=wJalrXUtnFEMI/K7MDENG\r\n" +
		"AWS_Session_Token : FQoGZXIvYXdzEXAMPLE\n\taws_security_token=old\n"
	d := UnifiedDiff("config", "config (new)", []byte(old), []byte(old+"[profile a]\nregion=x\n"))
	for _, secret := range []string{"wJalrXUtnFEMI", "FQoGZXIvYXdz", "=old"} {
		if strings.Contains(d, secret) {
			t.Errorf("the diff shows a secret (%s):\n%s", secret, d)
		}
	}
	for _, l := range []string{" aws_secret_access_key= (not shown)\r\n",
		" AWS_Session_Token : (not shown)\n", " \taws_security_token= (not shown)\n", "+region=x\n"} {
		if !strings.Contains(d, l) {
			t.Errorf("the diff has no line %q:\n%s", l, d)
		}
	}
}

var diffHunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@\n$`)

// diffApply applies a unified diff to old, checking every hunk header against its lines.
func diffApply(t *testing.T, old []string, d string) []string {
	t.Helper()
	lines := strings.SplitAfter(d, "\n")
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "--- ") || !strings.HasPrefix(lines[1], "+++ ") {
		t.Fatalf("no diff header:\n%s", d)
	}
	var out []string
	at := 0 // next line of old to copy
	for i := 2; i < len(lines) && lines[i] != ""; {
		h := lines[i]
		m := diffHunkHeader.FindStringSubmatch(h)
		if m == nil {
			t.Fatalf("bad hunk header %q", h)
		}
		num := func(s string) int {
			if s == "" {
				return 1
			}
			n, _ := strconv.Atoi(s)
			return n
		}
		a, al, b, bl := num(m[1]), num(m[2]), num(m[3]), num(m[4])
		start := a - 1
		if al == 0 {
			start = a
		}
		if start < at || b-1 != len(out)+start-at && !(bl == 0 && b == len(out)+start-at) {
			t.Fatalf("hunk %q out of place (old line %d, new line %d)", h, at, len(out))
		}
		out = append(out, old[at:start]...)
		at = start
		i++
		for ; i < len(lines) && lines[i] != "" && !strings.HasPrefix(lines[i], "@@"); i++ {
			l := lines[i]
			if strings.HasPrefix(l, `\ `) {
				continue
			}
			switch l[0] {
			case ' ':
				out = append(out, old[at])
				at, al, bl = at+1, al-1, bl-1
			case '-':
				at, al = at+1, al-1
			case '+':
				out, bl = append(out, l[1:]), bl-1
			}
		}
		if al != 0 || bl != 0 {
			t.Fatalf("hunk %q: line counts off by %d and %d", h, al, bl)
		}
	}
	return append(out, old[at:]...)
}

// Diffs of random texts (few distinct lines, so that many repeat) apply back to the new text.
func TestUnifiedDiffApplies(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(1))
	words := []string{"[profile a]\n", "[profile b]\n", "region=x\n", "\n", "role_arn=1\n", "role_arn=2\n", "# c\n"}
	text := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = words[r.Intn(len(words))]
			if r.Intn(3) == 0 {
				out[i] = fmt.Sprintf("unique %d\n", r.Intn(40))
			}
		}
		return out
	}
	for i := 0; i < 2000; i++ {
		a, b := text(r.Intn(30)), text(r.Intn(30))
		if r.Intn(2) == 0 { // a small edit of a
			b = append(append(append([]string(nil), a[:len(a)/2]...), b[:min(len(b), r.Intn(3))]...), a[len(a)/2:]...)
		}
		d := UnifiedDiff("a", "b", []byte(strings.Join(a, "")), []byte(strings.Join(b, "")))
		if strings.Join(a, "") == strings.Join(b, "") {
			if d != "" {
				t.Fatalf("diff of equal texts: %q", d)
			}
			continue
		}
		if got := diffApply(t, a, d); strings.Join(got, "") != strings.Join(b, "") {
			t.Fatalf("diff does not apply:\nold %q\nnew %q\ndiff\n%s\ngives %q", a, b, d, got)
		}
	}
}

// diffBlocks is a config block of n profiles whose accounts start with prefix.
func diffBlocks(n int, prefix string) []byte {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "# acct: namespace=cpco stage=s%d role=admin account=%s%06d protected=false\n[profile cpco-s%d-admin]\nregion=us-west-2\nrole_arn=arn:aws:iam::%s%06d:role/OrganizationAccountAccessRole\nmfa_serial=arn:aws:iam::323330167063:mfa/alice\nsource_profile=cpco\n\n", i, prefix, i, i, prefix, i)
	}
	return []byte(b.String())
}

// Every account of a 10,000-profile block changed: the whole diff, under 1 s (0.4 s on this machine;
// difflib alone took minutes).
//
//	go test ./profiles -run '^$' -bench UnifiedDiff10000 -benchtime 3x
func BenchmarkUnifiedDiff10000(b *testing.B) {
	old, new := diffBlocks(10000, "111111"), diffBlocks(10000, "222222")
	for i := 0; i < b.N; i++ {
		if d := UnifiedDiff("a", "b", old, new); strings.Count(d, "\n-role_arn=") != 10000 {
			b.Fatal("not every account in the diff")
		}
	}
}
