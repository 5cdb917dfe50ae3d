package shellenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Shell kinds acct knows how to give a prompt prefix.
const (
	kindBash  = "bash"
	kindZsh   = "zsh"
	kindFish  = "fish"
	kindOther = ""
)

const (
	ansiRed   = "\x1b[31m"
	ansiReset = "\x1b[0m"
)

// shellKind guesses the shell from its file name; versioned names such as
// bash5 or zsh-5.9 (Homebrew, Nix) count too.
func shellKind(path string) string {
	base := strings.TrimPrefix(filepath.Base(path), "-")
	for _, k := range []string{kindBash, kindZsh, kindFish} {
		if base == k || (strings.HasPrefix(base, k) && strings.IndexFunc(base[len(k):], isNameChar) != 0) {
			return k
		}
	}
	return kindOther
}

// isNameChar reports letters: "bashful" is not bash, "bash5" is.
func isNameChar(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// PromptLabel is the text the subshell prompt shows, e.g. "[cpco:staging]".
// Characters a prompt language could interpret ($, `, %, \, quotes, …) are
// replaced, since layouts are shared files and the label ends up inside
// shell code.
func PromptLabel(t Target) string {
	var s string
	switch {
	case t.Namespace != "" && t.Stage != "":
		s = t.Namespace + ":" + t.Stage
	case t.Stage != "":
		s = t.Stage
	default:
		s = t.Profile
	}
	return "[" + sanitize(s) + "]"
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		case strings.ContainsRune("-_.:@+=,/", r):
			return r
		}
		return '_'
	}, s)
}

// colorPrompt decides whether the prefix is red: only protected stages, and
// never when the caller or the shell's environment asks for no color
// (https://no-color.org: any non-empty NO_COLOR).
func colorPrompt(o ShellOptions, env []string) bool {
	return o.Target.Protected && !o.NoColor && lookup(env, "NO_COLOR") == ""
}

// Quote quotes s as one word for sh, bash and zsh (and for fish when s holds no \): inside
// single quotes only ' is special. Labels and temp paths contain neither after sanitizing but are
// quoted defensively anyway; what `acct export` prints comes from the config and from
// credential_process programs, and must never run when a user evals it.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

func fishQuote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return "'" + strings.ReplaceAll(s, "'", `\'`) + "'"
}

// VarMFAEndFile names the file that says when the shell's MFA session ends (Unix seconds).
// acct sets it for a shell whose credentials start from an MFA session and `acct mfa` rewrites
// the file; the prompt reads it before every prompt (no process is started for it in bash and
// zsh) to show the minutes left once under 30 and to print one warning once under 15.
const VarMFAEndFile = "ACCT_MFA_EXPIRES_FILE"

// bashRC is read by `bash --rcfile` instead of ~/.bashrc. bash still reads
// the system file (/etc/bash.bashrc on Debian) itself. The prefix is added
// from PROMPT_COMMAND, after everything else that runs there, so prompts
// that frameworks (starship, powerline-go) rebuild before each prompt are
// prefixed too, and a static PS1 from ~/.bashrc keeps one prefix: the one
// shown last is taken off before the current one is put on.
func bashRC(label string, red bool) string {
	color := ""
	if red {
		color = "1"
	}
	return `# Written by acct for one shell; deleted when the shell exits.
if [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi
__acct_label=` + Quote(label) + `
__acct_red=` + color + `
__acct_shown=
__acct_warned=
__acct_prompt() {
	local __acct_status=$? __acct_l=$__acct_label __acct_end __acct_now __acct_left __acct_p
	if [ -n "${` + VarMFAEndFile + `-}" ] && { read -r __acct_end <"$` + VarMFAEndFile + `"; } 2>/dev/null && [ -n "$__acct_end" ]; then
		printf -v __acct_now '%(%s)T' -1
		__acct_left=$(( (__acct_end - __acct_now + 59) / 60 ))
		(( __acct_left < 0 )) && __acct_left=0
		(( __acct_left < 30 )) && __acct_l="${__acct_label%]} ${__acct_left}m]"
		if (( __acct_left < 15 )) && [ "$__acct_warned" != "$__acct_end" ]; then
			__acct_warned=$__acct_end
			printf 'MFA session ends at %(%H:%M)T; run acct mfa to renew\n' "$__acct_end" >&2
		fi
	fi
	__acct_p="$__acct_l "
	[ -n "$__acct_red" ] && __acct_p="\[\e[31m\]$__acct_l\[\e[0m\] "
	[ -n "$__acct_shown" ] && [[ "$PS1" == "$__acct_shown"* ]] && PS1=${PS1#"$__acct_shown"}
	PS1="$__acct_p$PS1"
	__acct_shown=$__acct_p
	return $__acct_status
}
case "$(declare -p PROMPT_COMMAND 2>/dev/null)" in
"declare -a"*) PROMPT_COMMAND+=(__acct_prompt) ;;
*) PROMPT_COMMAND="${PROMPT_COMMAND:+$PROMPT_COMMAND$'\n'}__acct_prompt" ;;
esac
`
}

// zshFiles returns the .zshenv and .zshrc for the temporary ZDOTDIR. zsh
// reads .zshenv and then .zshrc from whatever ZDOTDIR is at that moment, so
// .zshenv restores the user's ZDOTDIR for their own .zshenv (which may set
// ZDOTDIR itself, the XDG convention), then points back to the temp dir so
// that our .zshrc runs; .zshrc restores the user's ZDOTDIR for good and
// sources their .zshrc.
func zshFiles(dir, userZDOTDIR string, userSet bool, label string, red bool) (zshenv, zshrc string) {
	restore := "unset ZDOTDIR"
	if userSet {
		restore = "ZDOTDIR=" + Quote(userZDOTDIR)
	}
	zshenv = `# Written by acct for one shell; deleted when the shell exits.
` + restore + `
if [[ -f "${ZDOTDIR:-$HOME}/.zshenv" ]]; then source "${ZDOTDIR:-$HOME}/.zshenv"; fi
__acct_user_zdotdir_set=${+ZDOTDIR}
__acct_user_zdotdir=${ZDOTDIR-}
ZDOTDIR=` + Quote(dir) + `
`
	color := ""
	if red {
		color = "1"
	}
	zshrc = `# Written by acct for one shell; deleted when the shell exits.
if (( __acct_user_zdotdir_set )); then ZDOTDIR=$__acct_user_zdotdir; else unset ZDOTDIR; fi
unset __acct_user_zdotdir __acct_user_zdotdir_set
if [[ -f "${ZDOTDIR:-$HOME}/.zshrc" ]]; then source "${ZDOTDIR:-$HOME}/.zshrc"; fi
zmodload zsh/datetime 2>/dev/null
__acct_label=` + Quote(label) + `
__acct_red=` + color + `
__acct_shown=
__acct_warned=
__acct_precmd() {
	local l=$__acct_label end left p
	if [[ -n ${` + VarMFAEndFile + `-} ]] && { read -r end <$` + VarMFAEndFile + ` } 2>/dev/null && [[ -n $end ]]; then
		left=$(( (end - EPOCHSECONDS + 59) / 60 ))
		(( left < 0 )) && left=0
		(( left < 30 )) && l="${__acct_label%]} ${left}m]"
		if (( left < 15 )) && [[ $__acct_warned != $end ]]; then
			__acct_warned=$end
			print -u2 "MFA session ends at $(strftime %H:%M $end); run acct mfa to renew"
		fi
	fi
	p="$l "
	[[ -n $__acct_red ]] && p=$'%{\e[31m%}'"$l"$'%{\e[0m%} '
	[[ -n $__acct_shown && $PROMPT == "$__acct_shown"* ]] && PROMPT=${PROMPT#"$__acct_shown"}
	PROMPT="$p$PROMPT"
	__acct_shown=$p
}
autoload -Uz add-zsh-hook && add-zsh-hook precmd __acct_precmd
`
	return zshenv, zshrc
}

// fishInit is sourced through `fish --init-command`. Instead of relying on
// when that runs relative to config.fish and autoloaded functions, it wraps
// fish_prompt just before each prompt whenever the current fish_prompt is not
// already the wrapper, so a prompt the user (or a theme) defines later is
// wrapped too. The original prompt sees the previous command's $status.
func fishInit(label string, red bool) string {
	color := ""
	if red {
		color = "1"
	}
	return `# Written by acct for one shell; deleted when the shell exits.
set -g __acct_label ` + fishQuote(label) + `
set -g __acct_red ` + color + `
set -g __acct_warned ''
function __acct_return
    return $argv[1]
end
function __acct_label_now
    set -l l $__acct_label
    if set -q ` + VarMFAEndFile + `; and test -r "$` + VarMFAEndFile + `"; and read -l end <$` + VarMFAEndFile + `; and test -n "$end"
        set -l now (date +%s)
        set -l left (math "max(0, floor(($end - $now + 59) / 60))")
        if test $left -lt 30
            set l (string replace -r '\]$' " $left"'m]' -- $__acct_label)
        end
        if test $left -lt 15; and test "$__acct_warned" != "$end"
            set -g __acct_warned $end
            printf 'MFA session ends at %s; run acct mfa to renew\n' (date -d @$end +%H:%M) >&2
        end
    end
    if test -n "$__acct_red"
        printf '` + ansiRed + `%s` + ansiReset + ` ' $l
    else
        printf '%s ' $l
    end
end
function __acct_wrap_prompt --on-event fish_prompt
    if functions fish_prompt 2>/dev/null | string match -q '*__acct_orig_prompt*'
        return
    end
    functions -e __acct_orig_prompt
    if functions -q fish_prompt
        functions --copy fish_prompt __acct_orig_prompt
    else
        function __acct_orig_prompt
            printf '> '
        end
    end
    function fish_prompt
        set -l __acct_status $status
        __acct_label_now
        __acct_return $__acct_status
        __acct_orig_prompt
    end
end
`
}

// prepareShell writes the startup files for kind into dir and returns the
// arguments and environment changes that make the shell use them.
func prepareShell(kind, dir string, env []string, label string, red bool) (args, outEnv []string, err error) {
	write := func(name, content string) error {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			return fmt.Errorf("write shell startup file: %w", err)
		}
		return nil
	}
	switch kind {
	case kindBash:
		rc := filepath.Join(dir, "bashrc")
		if err := write("bashrc", bashRC(label, red)); err != nil {
			return nil, nil, err
		}
		return []string{"--rcfile", rc}, env, nil
	case kindZsh:
		user, set := "", false
		for i := len(env) - 1; i >= 0; i-- {
			if k, v, ok := strings.Cut(env[i], "="); ok && k == "ZDOTDIR" {
				user, set = v, true
				break
			}
		}
		zshenv, zshrc := zshFiles(dir, user, set, label, red)
		if err := write(".zshenv", zshenv); err != nil {
			return nil, nil, err
		}
		if err := write(".zshrc", zshrc); err != nil {
			return nil, nil, err
		}
		return nil, setVar(env, "ZDOTDIR", dir), nil
	case kindFish:
		init := filepath.Join(dir, "init.fish")
		if err := write("init.fish", fishInit(label, red)); err != nil {
			return nil, nil, err
		}
		return []string{"--init-command", "source " + fishQuote(init)}, env, nil
	}
	return nil, env, nil
}
