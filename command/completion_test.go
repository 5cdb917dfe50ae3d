package command_test

import (
	"strings"
	"testing"
)

// The completion scripts, loaded in bash, zsh and fish on a terminal, complete a stage name after
// acct shell from the current config.
func TestCompletionInShells(t *testing.T) {
	t.Parallel()
	cases := []struct {
		shell string
		args  []string
		load  string
	}{
		{"bash", []string{"--norc", "--noprofile", "-i"}, `source <(acct completion bash)`},
		{"zsh", []string{"-f", "-i"}, `autoload -U compinit; compinit -u; source <(acct completion zsh)`},
		{"fish", []string{"--no-config", "-i"}, `acct completion fish | source`},
	}
	for _, c := range cases {
		t.Run(c.shell, func(t *testing.T) {
			t.Parallel()
			path := shellPath(t, c.shell)
			w := newWorld(t)
			w.must("generate", "--layout", example("organization.yaml"), "--user", "alice")
			p := startTTY(t, w.ttyEnv("SHELL="+path, "PS1=READY> "), w.home, path, c.args...)
			p.line(c.load + `; echo "LOA""DED"`)
			p.expect("\nLOADED")
			// Each line is completed, then printed word by word from the start of the line.
			for typed, want := range map[string]string{
				"acct shell sta":  "acct|shell|staging|", // a stage from the config
				"acct shell --ne": "acct|shell|--nest|",  // a flag of the command
			} {
				p.send(typed + "\t")
				p.send("\x01printf '%s|' \r")
				got := p.expectRE(regexpMust(`acct\|shell\|[^|]*\|`))
				if !strings.HasSuffix(got[0], want) {
					t.Errorf("%s<TAB> in %s became %q, want %q\n%s", typed, c.shell, got[0], want, p.screen())
				}
			}
			p.line("exit")
			p.wait()
		})
	}
}
