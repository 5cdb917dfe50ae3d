package command

import (
	"fmt"
	"sort"

	"github.com/acct-cli/acct/profiles"
	"github.com/urfave/cli/v2"
)

// The scripts ask acct itself (urfave/cli's --generate-bash-completion) so profiles and stages are
// always those of the current config.
const bashCompletion = `# acct completion for bash: eval "$(acct completion bash)"
_acct_complete() {
	local cur="${COMP_WORDS[COMP_CWORD]}"
	local IFS=$'\n'
	COMPREPLY=($(compgen -W "$("${COMP_WORDS[@]:0:COMP_CWORD}" --generate-bash-completion 2>/dev/null)" -- "$cur"))
}
complete -o default -F _acct_complete acct
`

const zshCompletion = `#compdef acct
# acct completion for zsh: eval "$(acct completion zsh)" (after compinit)
_acct() {
	local -a opts
	opts=("${(@f)$("${words[@]:0:$((CURRENT-1))}" --generate-bash-completion 2>/dev/null)}")
	compadd -a opts
}
compdef _acct acct
`

const fishCompletion = `# acct completion for fish: acct completion fish | source
function __acct_complete
	set -l tokens (commandline -opc)
	$tokens --generate-bash-completion 2>/dev/null
end
complete -c acct -f -a '(__acct_complete)'
`

func completionCommand(sys IO) *cli.Command {
	scripts := map[string]string{"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}
	return &cli.Command{
		Name:      "completion",
		Usage:     "print the shell completion script for bash, zsh or fish",
		UsageText: "acct completion bash|zsh|fish",
		BashComplete: func(c *cli.Context) {
			for _, s := range []string{"bash", "fish", "zsh"} {
				fmt.Fprintln(sys.Stdout, s)
			}
		},
		Action: func(c *cli.Context) error {
			s, ok := scripts[c.Args().First()]
			if !ok {
				return usagef("name a shell: acct completion bash|zsh|fish")
			}
			fmt.Fprint(sys.Stdout, s)
			return nil
		},
	}
}

// completeTargets lists the profiles and stages a command taking a name accepts.
func completeTargets(sys IO) cli.BashCompleteFunc {
	return func(c *cli.Context) {
		if c.NArg() > 0 {
			return
		}
		cfg, err := profiles.Read(profiles.ConfigPath())
		if err != nil {
			return
		}
		for _, n := range targetNames(cfg) {
			fmt.Fprintln(sys.Stdout, n)
		}
	}
}

func targetNames(cfg *profiles.Config) []string {
	seen := map[string]bool{}
	var names []string
	for _, n := range cfg.Names() {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
		if e, ok := cfg.Entry(n); ok && e.Meta.Stage != "" && !seen[e.Meta.Stage] {
			seen[e.Meta.Stage] = true
			names = append(names, e.Meta.Stage)
		}
	}
	sort.Strings(names)
	return names
}
