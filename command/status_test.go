package command_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acct-cli/acct/internal/console/consoletest"
)

// Every command, each class of failure: the exit status of its kind (SPEC §5) and one line that
// says what is wrong, in process, with no terminal unless the class needs one.
func TestStatusOfEveryFailure(t *testing.T) {
	t.Parallel()
	const (
		usage       = "usage"
		badInput    = "bad input"
		missingKeys = "missing keys"
		auth        = "auth refusal"
		unavailable = "unavailable"
		interrupted = "interrupted"
	)
	status := map[string]int{usage: 2, badInput: 2, missingKeys: 2, auth: 1, unavailable: 1, interrupted: 130}
	unreachable := func(sw *sessionWorld) map[string]string {
		vars := sw.mfa(0)
		vars["AWS_ENDPOINT_URL_STS"], vars["AWS_ENDPOINT_URL_IAM"] = "http://127.0.0.1:1", "http://127.0.0.1:1"
		return vars
	}
	noKeyring := map[string]string{"ACCT_KEYRING_BACKEND": "kwallet"}
	cases := []struct {
		class string
		args  []string
		vars  func(sw *sessionWorld) map[string]string
		keys  bool                 // cpco's keys stored
		asks  []consoletest.Answer // a terminal and these answers
	}{
		// usage: unknown commands and flags, extra arguments, flag values of the wrong form
		{class: usage, args: []string{"nope"}},
		{class: usage, args: []string{"rotate", "cpco", "extra", "--bogus"}},
		{class: usage, args: []string{"exec", "--duration", "abc", "cpco-dev-admin", "--", "true"}},
		{class: usage, args: []string{"exec", "--session-duration", "20h", "cpco-dev-admin", "--", "true"}},
		{class: usage, args: []string{"export", "cpco-dev-admin", "--format", "yaml"}},
		{class: usage, args: []string{"generate", "--bogus"}},
		{class: usage, args: []string{"list", "extra", "--bogus"}},
		{class: usage, args: []string{"doctor", "--bogus"}},
		{class: usage, args: []string{"init", "--bogus"}},
		{class: usage, args: []string{"version", "--bogus"}},
		{class: usage, args: []string{"completion", "tcsh"}},
		{class: usage, args: []string{"import", "organizations"}},
		{class: usage, args: []string{"add"}},
		{class: usage, args: []string{"add", "cpco", "extra"}},
		{class: usage, args: []string{"remove", "cpco", "extra"}},
		{class: usage, args: []string{"clear", "cpco-dev-admin", "extra"}},
		{class: usage, args: []string{"login", "cpco-dev-admin", "extra"}},
		{class: usage, args: []string{"credential-process", "a", "b"}},
		{class: usage, args: []string{"shell", "a", "b"}},
		// bad input: names, files and values the user must fix
		{class: badInput, args: []string{"exec", "nope", "--", "true"}, keys: true},
		{class: badInput, args: []string{"exec", "stag", "--", "true"}, keys: true},
		{class: badInput, args: []string{"shell", "nope"}, keys: true},
		{class: badInput, args: []string{"export", "nope"}, keys: true},
		{class: badInput, args: []string{"credential-process", "nope"}, keys: true},
		{class: badInput, args: []string{"login", "nope", "--print"}, keys: true},
		{class: badInput, args: []string{"clear", "nope"}, keys: true},
		{class: badInput, args: []string{"generate", "--layout", "missing.yaml"}},
		{class: badInput, args: []string{"import", "organizations", "--profile", "nope", "--namespace", "x"}},
		{class: badInput, args: []string{"remove", "cpco-staging-admin"}, keys: true},
		{class: badInput, args: []string{"exec", "vault", "--", "true"}, keys: true}, // protected: always, no --yes
		{class: badInput, args: []string{"list"}, vars: func(sw *sessionWorld) map[string]string {
			return map[string]string{"AWS_CONFIG_FILE": brokenConfig(sw)}
		}},
		{class: badInput, args: []string{"exec", "cpco-dev-admin", "--", "true"}, keys: true, vars: func(*sessionWorld) map[string]string {
			return map[string]string{"ACCT_KEYRING_BACKEND": "vault"}
		}},
		// missing keys: the user must run acct add
		{class: missingKeys, args: []string{"exec", "cpco-dev-admin", "--", "true"}, vars: mfaOK},
		{class: missingKeys, args: []string{"export", "cpco-dev-admin"}, vars: mfaOK},
		{class: missingKeys, args: []string{"credential-process", "cpco-dev-admin"}, vars: mfaOK},
		{class: missingKeys, args: []string{"login", "cpco-dev-admin", "--print"}, vars: mfaOK},
		{class: missingKeys, args: []string{"rotate", "cpco"}},
		{class: missingKeys, args: []string{"remove", "cpco"}},
		// auth refusal: STS says no
		{class: auth, args: []string{"exec", "cpco-dev-admin", "--", "true"}, keys: true, vars: mfaWrong},
		{class: auth, args: []string{"export", "cpco-dev-admin"}, keys: true, vars: mfaWrong},
		{class: auth, args: []string{"credential-process", "cpco-dev-admin"}, keys: true, vars: mfaWrong},
		{class: auth, args: []string{"login", "cpco-dev-admin", "--print"}, keys: true, vars: mfaWrong},
		// unavailable: STS or the keyring cannot be reached
		{class: unavailable, args: []string{"exec", "cpco-dev-admin", "--", "true"}, keys: true, vars: unreachable},
		{class: unavailable, args: []string{"export", "cpco-dev-admin"}, keys: true, vars: unreachable},
		{class: unavailable, args: []string{"rotate", "cpco"}, keys: true, vars: unreachable},
		{class: unavailable, args: []string{"add", "cpco", "--env"}, vars: fixed(map[string]string{
			"ACCT_KEYRING_BACKEND": "kwallet", "AWS_ACCESS_KEY_ID": "AKIAEXAMPLEEXAMPLE12", "AWS_SECRET_ACCESS_KEY": "x"})},
		{class: unavailable, args: []string{"remove", "cpco"}, vars: fixed(noKeyring)},
		{class: unavailable, args: []string{"clear"}, vars: fixed(noKeyring)},
		{class: unavailable, args: []string{"exec", "cpco-dev-admin", "--", "true"}, vars: fixed(noKeyring)},
		// interrupted: Ctrl-C at a prompt starts nothing
		{class: interrupted, args: []string{"exec", "cpco-dev-admin", "--", "true"}, keys: true,
			asks: []consoletest.Answer{{Label: "MFA code", Interrupt: true}}},
		{class: interrupted, args: []string{"exec", "stag", "--", "true"}, keys: true,
			asks: []consoletest.Answer{{Label: `"stag"`, Interrupt: true}}},
		{class: interrupted, args: []string{"exec", "prod", "--", "true"}, keys: true,
			asks: []consoletest.Answer{{Label: `type "prod"`, Interrupt: true}}},
		{class: interrupted, args: []string{"add", "cpco"},
			asks: []consoletest.Answer{{Label: "Access key ID", Interrupt: true}}},
		{class: interrupted, args: []string{"init", "--output", "new.yaml"},
			asks: []consoletest.Answer{{Label: "Namespace", Interrupt: true}}},
		{class: interrupted, args: []string{"shell"}, keys: true,
			asks: []consoletest.Answer{{Label: "profile", Interrupt: true}}},
	}
	withKeys := newSessionWorld(t, false, nil)
	noKeys := newSessionWorld(t, true, nil)
	for _, tc := range cases {
		sw := noKeys
		if tc.keys {
			sw = withKeys
		}
		name := tc.class + ": acct " + strings.Join(tc.args, " ")
		before := configBytes(t, sw.world)
		var extra map[string]string
		if tc.vars != nil {
			extra = tc.vars(sw)
		}
		restore := sw.set(extra)
		var r result
		if tc.asks != nil {
			r = sw.runOn(true, consoletest.NewPrompter(t, tc.asks...), tc.args...)
		} else {
			r = sw.run("", tc.args...)
		}
		restore()
		want := status[tc.class]
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		switch {
		case r.code != want:
			t.Errorf("%s: exit %d, want %d; stderr %q", name, r.code, want, r.stderr)
		case tc.class == interrupted && strings.Contains(r.stderr, "acct:"):
			t.Errorf("%s: %q, want no message (the terminal shows ^C)", name, r.stderr)
		case tc.class != interrupted && (len(lines) != 1 || !strings.HasPrefix(lines[0], "acct: ")):
			t.Errorf("%s: want one line, got %q", name, r.stderr)
		}
		if after := configBytes(t, sw.world); after != before {
			t.Errorf("%s changed ~/.aws/config", name)
		}
	}
}

func mfaOK(sw *sessionWorld) map[string]string { return sw.mfa(0) }

func mfaWrong(sw *sessionWorld) map[string]string {
	return map[string]string{"ACCT_MFA_TOKEN": wrongCode(sw)}
}

func fixed(vars map[string]string) func(*sessionWorld) map[string]string {
	return func(*sessionWorld) map[string]string { return vars }
}

// brokenConfig is a config file acct cannot read: a section that never closes.
func brokenConfig(sw *sessionWorld) string {
	p := filepath.Join(sw.home, "broken-config")
	if err := os.WriteFile(p, []byte("[profile x\nregion=us-east-1\n"), 0o600); err != nil {
		sw.t.Fatal(err)
	}
	return p
}

// configBytes is ~/.aws/config with its mode, to check a failure left it alone.
func configBytes(t *testing.T, w *world) string {
	t.Helper()
	st, err := os.Stat(w.config)
	if err != nil {
		return "missing"
	}
	data, err := os.ReadFile(w.config)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().String() + "\n" + string(data)
}

// A flag acct does not know names the help to read: the command's, or acct's own at the top.
func TestUnknownFlagLine(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for args, want := range map[string]string{
		"--version":                    "acct: flag provided but not defined: -version; see acct --help\n",
		"list --bogus":                 "acct: flag provided but not defined: -bogus; see acct list --help\n",
		"import organizations --bogus": "acct: flag provided but not defined: -bogus; see acct import organizations --help\n",
		"import foo":                   "acct: \"foo\" is not an acct import command; acct import --help lists them\n",
	} {
		if r := w.run("", strings.Fields(args)...); r.code != 2 || r.stderr != want {
			t.Errorf("acct %s: exit %d, stderr %q; want 2, %q", args, r.code, r.stderr, want)
		}
	}
}
