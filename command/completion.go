package command

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/profiles"
)

// The scripts ask acct itself (urfave/cli's --generate-bash-completion) so profiles and stages are
// always those of the current config.
const bashCompletion = `# acct completion for bash: eval "$(acct completion bash)"
_acct_complete() {
	local cur="${COMP_WORDS[COMP_CWORD]}"
	local IFS=$'\n'
	local -a args=("${COMP_WORDS[@]:0:COMP_CWORD}")
	[[ $cur == -* ]] && args+=("$cur")
	COMPREPLY=($(compgen -W "$("${args[@]}" --generate-bash-completion 2>/dev/null)" -- "$cur"))
}
complete -o default -F _acct_complete acct
`

const zshCompletion = `#compdef acct
# acct completion for zsh: eval "$(acct completion zsh)" (after compinit)
_acct() {
	local -a args opts
	args=("${(@)words[1,CURRENT-1]}")
	[[ ${words[CURRENT]} == -* ]] && args+=("${words[CURRENT]}")
	opts=("${(@f)$("${args[@]}" --generate-bash-completion 2>/dev/null)}")
	compadd -a opts
}
compdef _acct acct
`

const fishCompletion = `# acct completion for fish: acct completion fish | source
function __acct_complete
	set -l tokens (commandline -opc)
	set -l cur (commandline -ct)
	if string match -q -- '-*' $cur
		set -a tokens $cur
	end
	$tokens --generate-bash-completion 2>/dev/null
end
complete -c acct -f -a '(__acct_complete)'
`

func completionCommand(sys *system) *cli.Command {
	scripts := map[string]string{"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}
	return &cli.Command{
		Name:      "completion",
		Usage:     "print the shell completion script for bash, zsh or fish",
		UsageText: "acct completion bash|zsh|fish",
		BashComplete: func(c *cli.Context) {
			for _, s := range []string{"bash", "fish", "zsh"} {
				fmt.Fprintln(sys.Console.Out, s)
			}
		},
		Action: func(c *cli.Context) error {
			s, ok := scripts[c.Args().First()]
			if !ok {
				return usagef("name a shell: acct completion bash|zsh|fish")
			}
			fmt.Fprint(sys.Console.Out, s)
			return nil
		},
	}
}

// completeTargets lists the profiles and stages a command taking a name accepts.
func completeTargets(sys *system) cli.BashCompleteFunc {
	return func(c *cli.Context) {
		// The scripts pass the word being completed only when it starts with "-": then it is a
		// flag of this command.
		if n := len(os.Args); n > 2 && os.Args[n-1] == "--generate-bash-completion" && strings.HasPrefix(os.Args[n-2], "-") {
			cli.DefaultCompleteWithFlags(c.Command)(c)
			return
		}
		if c.NArg() > 0 {
			return
		}
		cfg, err := profiles.Read(sys.configPath())
		if err != nil {
			return
		}
		for _, n := range targetNames(cfg) {
			fmt.Fprintln(sys.Console.Out, n)
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
