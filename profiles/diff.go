package profiles

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// diffContext is the number of unchanged lines around each change, as diff -u shows them.
const diffContext = 3

// UnifiedDiff is a unified diff of a file's old and new text, labelled from and to; CRLF files
// diff line by line too, and a missing or empty file has no lines.
//
// difflib's matcher alone is quadratic on a big config whose every profile changed (28 s for
// 4,000 accounts): its longest-match search splits the text one short match at a time. Lines
// that occur once in each text (profile headers, their metadata) are matched first, in order,
// as patience diff does; difflib only diffs the short gaps between them, and the hunks are
// grouped and printed here the way difflib's unified writer prints them.
func UnifiedDiff(from, to string, old, new []byte) string {
	a, b := diffLines(old), diffLines(new)
	groups := diffGroups(diffOpCodes(a, b), diffContext)
	if len(groups) == 0 {
		return ""
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", from, to)
	for _, g := range groups {
		first, last := g[0], g[len(g)-1]
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", diffRange(first.I1, last.I2), diffRange(first.J1, last.J2))
		for _, c := range g {
			if c.Tag == 'e' {
				diffWrite(&out, " ", a[c.I1:c.I2])
				continue
			}
			diffWrite(&out, "-", a[c.I1:c.I2])
			diffWrite(&out, "+", b[c.J1:c.J2])
		}
	}
	return out.String()
}

func diffWrite(out *strings.Builder, prefix string, lines []string) {
	for _, l := range lines {
		out.WriteString(prefix + diffHideSecret(l))
	}
}

// diffSecretKeys are the settings whose values a diff never shows: keys written by hand in the
// config can be context lines around the block, and a diff is pasted into reviews and CI logs.
var diffSecretKeys = []string{"aws_secret_access_key", "aws_session_token", "aws_security_token"}

// diffHideSecret is line with the value of a secret setting replaced.
func diffHideSecret(line string) string {
	i := iniDelimiter(line)
	if i < 0 || !slices.Contains(diffSecretKeys, strings.ToLower(strings.TrimSpace(line[:i]))) {
		return line
	}
	eol := line[len(strings.TrimRight(line, "\r\n")):]
	return line[:i+1] + " (not shown)" + eol
}

// diffRange is a hunk's line range as diff -u writes it: "start,length", "start" for one line,
// and the line before for an empty range.
func diffRange(start, stop int) string {
	n := stop - start
	switch n {
	case 1:
		return fmt.Sprint(start + 1)
	case 0:
		return fmt.Sprintf("%d,0", start)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// diffLines splits text after each newline. difflib.SplitLines would add an empty last line, and
// for a missing file show one line that is not there.
func diffLines(text []byte) []string {
	lines := strings.SplitAfter(string(text), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += "\n\\ No newline at end of file\n"
	}
	return lines
}

// diffOpCodes are the edits from a to b (difflib's tags: e, r, d, i), adjacent equal runs joined.
func diffOpCodes(a, b []string) []difflib.OpCode {
	var ops []difflib.OpCode
	add := func(c difflib.OpCode) {
		if c.I1 == c.I2 && c.J1 == c.J2 {
			return
		}
		if n := len(ops); n > 0 && ops[n-1].Tag == 'e' && c.Tag == 'e' {
			ops[n-1].I2, ops[n-1].J2 = c.I2, c.J2
			return
		}
		ops = append(ops, c)
	}
	i, j := 0, 0
	for _, m := range append(diffAnchors(a, b), [2]int{len(a), len(b)}) {
		for _, c := range difflib.NewMatcher(a[i:m[0]], b[j:m[1]]).GetOpCodes() {
			add(difflib.OpCode{Tag: c.Tag, I1: c.I1 + i, I2: c.I2 + i, J1: c.J1 + j, J2: c.J2 + j})
		}
		if m[0] < len(a) {
			add(difflib.OpCode{Tag: 'e', I1: m[0], I2: m[0] + 1, J1: m[1], J2: m[1] + 1})
		}
		i, j = m[0]+1, m[1]+1
	}
	return ops
}

// diffAnchors pairs the lines that occur exactly once in a and once in b, keeping the longest
// run of pairs that is in the same order in both (patience sorting, n log n).
func diffAnchors(a, b []string) [][2]int {
	type seen struct{ na, nb, ib int }
	count := make(map[string]*seen, len(a))
	for _, l := range a {
		if s := count[l]; s != nil {
			s.na++
		} else {
			count[l] = &seen{na: 1}
		}
	}
	for j, l := range b {
		if s := count[l]; s != nil {
			s.nb++
			s.ib = j
		}
	}
	var pairs [][2]int
	for i, l := range a {
		if s := count[l]; s.na == 1 && s.nb == 1 {
			pairs = append(pairs, [2]int{i, s.ib})
		}
	}
	// Longest increasing subsequence of the b indexes: tails[k] ends the best run of length k+1.
	var tails []int
	prev := make([]int, len(pairs))
	for p := range pairs {
		k := sort.Search(len(tails), func(k int) bool { return pairs[tails[k]][1] >= pairs[p][1] })
		prev[p] = -1
		if k > 0 {
			prev[p] = tails[k-1]
		}
		if k == len(tails) {
			tails = append(tails, p)
		} else {
			tails[k] = p
		}
	}
	out := make([][2]int, len(tails))
	for k, p := len(tails)-1, -1; k >= 0; k-- {
		if p < 0 {
			p = tails[k]
		} else {
			p = prev[p]
		}
		out[k] = pairs[p]
	}
	return out
}

// diffGroups cuts the edits into hunks with n lines of context, as difflib's grouping does.
func diffGroups(ops []difflib.OpCode, n int) [][]difflib.OpCode {
	if len(ops) == 0 || (len(ops) == 1 && ops[0].Tag == 'e') {
		return nil
	}
	ops = append([]difflib.OpCode(nil), ops...)
	if c := &ops[0]; c.Tag == 'e' {
		c.I1, c.J1 = max(c.I1, c.I2-n), max(c.J1, c.J2-n)
	}
	if c := &ops[len(ops)-1]; c.Tag == 'e' {
		c.I2, c.J2 = min(c.I2, c.I1+n), min(c.J2, c.J1+n)
	}
	var groups [][]difflib.OpCode
	var g []difflib.OpCode
	for _, c := range ops {
		if c.Tag == 'e' && c.I2-c.I1 > 2*n {
			g = append(g, difflib.OpCode{Tag: 'e', I1: c.I1, I2: c.I1 + n, J1: c.J1, J2: c.J1 + n})
			groups = append(groups, g)
			g = nil
			c.I1, c.J1 = c.I2-n, c.J2-n
		}
		g = append(g, c)
	}
	if len(g) > 0 && !(len(g) == 1 && g[0].Tag == 'e') {
		groups = append(groups, g)
	}
	return groups
}
