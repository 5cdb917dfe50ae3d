//go:build unix

package shellenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/acct-cli/acct/internal/testtool"
	"github.com/aws/aws-sdk-go-v2/aws"
)

const ptyTimeout = 10 * time.Second

var testCreds = aws.Credentials{
	AccessKeyID: "ASIATESTACCESSKEY", SecretAccessKey: "test-secret", SessionToken: "test-token",
	CanExpire: true, Expires: time.Now().Add(time.Hour),
}

// shellHome makes a HOME (and XDG dirs, TMPDIR) under t.TempDir and the
// minimal environment a login session would give the helper.
func shellHome(t *testing.T) (home, tmp string, env []string) {
	t.Helper()
	root := t.TempDir()
	home = filepath.Join(root, "home")
	tmp = filepath.Join(root, "tmp")
	// fish scans man pages into generated_completions in the background on its first start when
	// that directory is missing, racing the test's cleanup; a present directory stops it.
	fishGen := filepath.Join(home, ".local", "share", "fish", "generated_completions")
	for _, d := range []string{home, tmp, fishGen} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"TERM=xterm",
		"LANG=C.UTF-8",
		"TMPDIR=" + tmp,
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"XDG_STATE_HOME=" + filepath.Join(home, ".local", "state"),
		// A credential variable that must not survive into the shell.
		"AWS_PROFILE=someone-else",
		"ACCT_FILE_PASSPHRASE=hunter2",
		// Another credential tool's secret, which must not reach the child either.
		"AWS_VAULT_FILE_PASSPHRASE=vaultpass",
	}
	return home, tmp, env
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

type shellCase struct {
	name string
	// rc writes the user's own startup files into home; it must set
	// MYVAR=from-user-rc and a prompt ending in userPrompt.
	rc         func(t *testing.T, home string, env []string) []string
	userPrompt string
}

var shellCases = []shellCase{
	{
		name: "bash",
		rc: func(t *testing.T, home string, env []string) []string {
			// The prompt is rebuilt before every prompt, as starship and
			// powerline-go do; the prefix must survive that.
			writeFile(t, filepath.Join(home, ".bashrc"),
				"MYVAR=from-user-rc\nPROMPT_COMMAND='PS1=\"userprompt> \"'\n")
			return env
		},
		userPrompt: "userprompt> ",
	},
	{
		name: "zsh",
		rc: func(t *testing.T, home string, env []string) []string {
			// The XDG convention: ~/.zshenv moves ZDOTDIR, the rest lives there.
			writeFile(t, filepath.Join(home, ".zshenv"), "export ZDOTDIR=$HOME/.config/zsh\n")
			writeFile(t, filepath.Join(home, ".config", "zsh", ".zshrc"),
				"MYVAR=from-user-rc\nPROMPT='userprompt> '\n")
			return env
		},
		userPrompt: "userprompt> ",
	},
	{
		name: "fish",
		rc: func(t *testing.T, home string, env []string) []string {
			writeFile(t, filepath.Join(home, ".config", "fish", "config.fish"),
				"set -g MYVAR from-user-rc\nfunction fish_prompt\n    printf 'userprompt> '\nend\n")
			return env
		},
		userPrompt: "userprompt> ",
	},
}

func TestShellPromptRCAndExitStatus(t *testing.T) {
	t.Parallel()
	for _, sc := range shellCases {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			shell := testtool.Need(t, sc.name)
			home, tmp, env := shellHome(t)
			env = sc.rc(t, home, env)
			p := startPTY(t, helperCmd(t, helperRequest{
				Mode: "shell", Shell: shell, Target: stagingTarget, Creds: testCreds,
				Banner: "acct: test banner",
			}, env))

			at := p.screen.waitFor(t, 0, "acct: test banner", ptyTimeout)
			at = p.screen.waitFor(t, at, "[cpco:staging] "+sc.userPrompt, ptyTimeout)

			p.send(`echo "rc:$MYVAR"` + "\r")
			at = p.screen.waitFor(t, at, "rc:from-user-rc", ptyTimeout)

			p.send(`echo "p:$ACCT_PROFILE s:$ACCT_STAGE n:$ACCT_NAMESPACE d:$ACCT_SHELL_DEPTH k:$AWS_ACCESS_KEY_ID x:$AWS_PROFILE$ACCT_FILE_PASSPHRASE$AWS_VAULT_FILE_PASSPHRASE:x"` + "\r")
			at = p.screen.waitFor(t, at, "p:cpco-staging-admin s:staging n:cpco d:1 k:ASIATESTACCESSKEY x::x", ptyTimeout)
			// The prompt after a command is prefixed too.
			at = p.screen.waitFor(t, at, "[cpco:staging] "+sc.userPrompt, ptyTimeout)

			if sc.name == "zsh" {
				// The user's ZDOTDIR (set by their .zshenv) is back in place.
				p.send(`echo "z:$ZDOTDIR"` + "\r")
				p.screen.waitFor(t, at, "z:"+filepath.Join(home, ".config", "zsh"), ptyTimeout)
			}

			p.send("exit 3\r")
			if code := p.wait(ptyTimeout); code != 3 {
				t.Fatalf("exit status %d, want 3; screen:\n%q", code, p.screen.String())
			}
			// Only acct's own files count: fish keeps a runtime dir in TMPDIR.
			if left, err := filepath.Glob(filepath.Join(tmp, "acct-shell-*")); err != nil || len(left) != 0 {
				t.Errorf("temp files left behind: %v %v", left, err)
			}
		})
	}
}

func TestShellProtectedPromptColor(t *testing.T) {
	t.Parallel()
	prod := stagingTarget
	prod.Stage, prod.Profile, prod.Protected = "prod", "cpco-prod-admin", true
	for _, sc := range shellCases {
		for _, noColor := range []string{"", "flag", "env"} {
			t.Run(sc.name+"/nocolor="+noColor, func(t *testing.T) {
				t.Parallel()
				shell := testtool.Need(t, sc.name)
				home, _, env := shellHome(t)
				env = sc.rc(t, home, env)
				if noColor == "env" {
					env = append(env, "NO_COLOR=1")
				}
				p := startPTY(t, helperCmd(t, helperRequest{
					Mode: "shell", Shell: shell, Target: prod, Creds: testCreds, NoColor: noColor == "flag",
				}, env))
				p.screen.waitFor(t, 0, "[cpco:prod]", ptyTimeout)
				p.screen.waitFor(t, 0, sc.userPrompt, ptyTimeout)
				red := strings.Contains(p.screen.String(), ansiRed+"[cpco:prod]"+ansiReset)
				if want := noColor == ""; red != want {
					t.Errorf("red prefix %v, want %v; screen:\n%q", red, want, p.screen.String())
				}
				p.send("exit\r")
				if code := p.wait(ptyTimeout); code != 0 {
					t.Fatalf("exit status %d, want 0", code)
				}
			})
		}
	}
}

// TestShellOtherShellFromSHELL: a shell acct has no prompt trick for still
// gets the environment; $SHELL picks it; depth counts up from a parent shell.
func TestShellOtherShellFromSHELL(t *testing.T) {
	t.Parallel()
	// A shell by a name acct does not know, whatever /bin/sh is here.
	_, tmp, env := shellHome(t)
	sh := filepath.Join(tmp, "plainsh")
	writeFile(t, sh, "#!/bin/sh\nexec "+testtool.Need(t, "sh")+` "$@"`+"\n")
	if err := os.Chmod(sh, 0o700); err != nil {
		t.Fatal(err)
	}
	env = append(env, "SHELL="+sh, "PS1=plainsh$ ", "ACCT_SHELL=1", "ACCT_SHELL_DEPTH=1")
	p := startPTY(t, helperCmd(t, helperRequest{Mode: "shell", Target: stagingTarget, Creds: testCreds}, env))
	at := p.screen.waitFor(t, 0, "plainsh$ ", ptyTimeout)
	p.send(`echo "p:$ACCT_PROFILE d:$ACCT_SHELL_DEPTH s:$ACCT_SHELL"` + "\r")
	p.screen.waitFor(t, at, "p:cpco-staging-admin d:2 s:1", ptyTimeout)
	p.send("exit 5\r")
	if code := p.wait(ptyTimeout); code != 5 {
		t.Fatalf("exit %d, want 5", code)
	}
	if strings.Contains(p.screen.String(), "[cpco:staging]") {
		t.Errorf("prompt changed for an unknown shell")
	}
}

func TestShellNoPrompt(t *testing.T) {
	t.Parallel()
	bash := testtool.Need(t, "bash")
	home, _, env := shellHome(t)
	writeFile(t, filepath.Join(home, ".bashrc"), "MYVAR=from-user-rc\nPS1='userprompt> '\n")
	env = append(env, "ACCT_NO_PROMPT=1")
	p := startPTY(t, helperCmd(t, helperRequest{Mode: "shell", Shell: bash, Target: stagingTarget, Creds: testCreds}, env))
	at := p.screen.waitFor(t, 0, "userprompt> ", ptyTimeout)
	p.send(`echo "rc:$MYVAR"` + "\r")
	p.screen.waitFor(t, at, "rc:from-user-rc", ptyTimeout)
	p.send("exit\r")
	p.wait(ptyTimeout)
	if strings.Contains(p.screen.String(), "[cpco:staging]") {
		t.Errorf("prompt prefixed despite ACCT_NO_PROMPT")
	}
}

// TestShellWithoutUserFiles: a user with no startup files at all gets the
// shell's default prompt, prefixed (fish's autoloaded fish_prompt included).
func TestShellWithoutUserFiles(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"bash", "zsh", "fish"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			shell := testtool.Need(t, name)
			_, _, env := shellHome(t)
			p := startPTY(t, helperCmd(t, helperRequest{Mode: "shell", Shell: shell, Target: stagingTarget, Creds: testCreds}, env))
			at := p.screen.waitFor(t, 0, "[cpco:staging] ", ptyTimeout)
			p.send(`echo "p:$ACCT_PROFILE"` + "\r")
			p.screen.waitFor(t, at, "p:cpco-staging-admin", ptyTimeout)
			p.send("exit\r")
			if code := p.wait(ptyTimeout); code != 0 {
				t.Fatalf("exit %d; screen:\n%q", code, p.screen.String())
			}
		})
	}
}

// TestShellFishPromptSeesStatus: the wrapper must not reset $status before
// the user's prompt reads it.
func TestShellFishPromptSeesStatus(t *testing.T) {
	t.Parallel()
	fish := testtool.Need(t, "fish")
	home, _, env := shellHome(t)
	writeFile(t, filepath.Join(home, ".config", "fish", "config.fish"),
		"function fish_prompt\n    printf 'st%s> ' $status\nend\n")
	p := startPTY(t, helperCmd(t, helperRequest{Mode: "shell", Shell: fish, Target: stagingTarget, Creds: testCreds}, env))
	at := p.screen.waitFor(t, 0, "[cpco:staging] st0> ", ptyTimeout)
	p.send("false\r")
	p.screen.waitFor(t, at, "[cpco:staging] st1> ", ptyTimeout)
	p.send("exit\r")
	p.wait(ptyTimeout)
}
