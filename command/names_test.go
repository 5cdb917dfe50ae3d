package command_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/acct-cli/acct/internal/console/consoletest"
)

// Names (SPEC §4, issue 9): an exact profile or stage runs without a question; anything else never
// runs silently. In a script it is exit status 2 and one line naming up to five candidates; on a
// terminal the picker offers the candidates (Enter confirms, even one), and a candidate in a
// protected stage asks for the stage's name, --yes or not.
func TestNames(t *testing.T) {
	t.Parallel()
	sw := newSessionWorld(t, false, nil)
	enter := consoletest.Answer{Label: "is not a profile or stage name"}
	cases := []struct {
		name    string
		yes     bool
		runs    string   // the profile it runs as; "" when it must not run
		pipe    string   // the script's one line when it does not run there
		offered []string // the picker's candidates on a terminal
		answers []consoletest.Answer
		ttyCode int
	}{
		{name: "cpco-dev-admin", runs: "cpco-dev-admin"},
		{name: "staging", runs: "cpco-staging-admin"},
		{name: "cpco-stagin-admin", runs: "cpco-staging-admin", // a typo
			pipe: `did you mean cpco-staging-admin?`, offered: []string{"cpco-staging-admin"}, answers: []consoletest.Answer{enter}},
		{name: "stag", runs: "cpco-staging-admin", // a prefix
			pipe: `did you mean cpco-staging-admin?`, offered: []string{"cpco-staging-admin"}, answers: []consoletest.Answer{enter}},
		{name: "stgadm", runs: "cpco-staging-admin", // a subsequence
			pipe: `did you mean cpco-staging-admin?`, offered: []string{"cpco-staging-admin"}, answers: []consoletest.Answer{enter}},
		{name: "pro", yes: true, runs: "cpco-prod-admin", // ambiguous, and protected: typed even with --yes
			pipe:    `did you mean cpco-prod-admin or cpco-prod-readonly?`,
			offered: []string{"cpco-prod-admin", "cpco-prod-readonly"},
			answers: []consoletest.Answer{enter, {Label: `type "prod"`, Value: "prod"}}},
		{name: "pro", yes: true, // the stage name mistyped: nothing runs
			pipe:    `did you mean cpco-prod-admin or cpco-prod-readonly?`,
			offered: []string{"cpco-prod-admin", "cpco-prod-readonly"},
			answers: []consoletest.Answer{enter, {Label: `type "prod"`, Value: "pord"}}, ttyCode: 2},
		{name: "stag", pipe: `did you mean cpco-staging-admin?`, offered: []string{"cpco-staging-admin"}, // Ctrl-C
			answers: []consoletest.Answer{{Label: "is not a profile or stage name", Interrupt: true}}, ttyCode: 130},
		{name: "nope", pipe: `no profile or stage matches "nope"`, ttyCode: 2},
	}
	for _, tc := range cases {
		args := []string{"exec", tc.name}
		if tc.yes {
			args = append(args, "--yes")
		}
		args = append(args, "--", "sh", "-c", echoProfile)
		what := "acct " + strings.Join(args[:len(args)-3], " ")
		calls := sw.calls()
		// In a script.
		r := sw.with(sw.mfa(0), args...)
		if tc.pipe == "" {
			if r.code != 0 || r.stdout != "P="+tc.runs+"\n" {
				t.Errorf("%s in a script: exit %d, stdout %q, stderr %q; want P=%s", what, r.code, r.stdout, r.stderr, tc.runs)
			}
		} else if r.code != 2 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.pipe) {
			t.Errorf("%s in a script: exit %d, stdout %q, stderr %q; want 2 and one line with %q", what, r.code, r.stdout, r.stderr, tc.pipe)
		}
		if tc.pipe != "" && sw.calls() != calls {
			t.Errorf("%s in a script called STS", what)
		}
		// On a terminal.
		p := consoletest.NewPrompter(t, tc.answers...)
		restore := sw.set(sw.mfa(1))
		r = sw.runOn(true, p, args...)
		restore()
		wantOut := ""
		if tc.runs != "" && tc.ttyCode == 0 {
			wantOut = "P=" + tc.runs + "\n"
		}
		if r.code != tc.ttyCode || r.stdout != wantOut {
			t.Errorf("%s on a terminal: exit %d, stdout %q, stderr %q; want %d and %q", what, r.code, r.stdout, r.stderr, tc.ttyCode, wantOut)
		}
		if tc.offered != nil {
			asked := p.Asked()
			if len(asked) == 0 || asked[0].Kind != "select" || !slices.Equal(asked[0].Items, tc.offered) {
				t.Errorf("%s on a terminal: asked %+v, want the picker with %v", what, asked, tc.offered)
			}
		}
	}
}
