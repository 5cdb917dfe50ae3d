package command

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/acct-cli/acct/profiles"
)

// target is what a user named on the command line, resolved against the config.
type target struct {
	Config *profiles.Config
	Chain  *profiles.Chain
}

// resolveTarget turns NAME into a profile (SPEC §4): exact profile, stage, unique fuzzy match, the
// picker on a terminal, else an error listing the candidates.
func (sys IO) resolveTarget(name string) (*target, error) {
	// On demand: the chain's sections are read, not the other thousands of a large config.
	cfg, err := profiles.ReadOnDemand(sys.configPath())
	if err != nil {
		return nil, badInput(err)
	}
	profile := name
	if name == "" && !sys.interactive() {
		return nil, usagef("name a profile or stage; acct list shows them")
	}
	if name != "" {
		m, err := cfg.Match(name)
		var amb *profiles.AmbiguousError
		switch {
		case errors.As(err, &amb) && sys.interactive() && len(amb.Candidates) > 0:
			profile, err = sys.pick(fmt.Sprintf("%q matches several profiles", name), sys.recentFirst(amb.Candidates))
			if err != nil {
				return nil, err
			}
		case err != nil:
			return nil, badInput(err)
		default:
			profile = m.Profile
		}
	} else {
		profile, err = sys.pick("profile", sys.recentFirst(cfg.Names()))
		if err != nil {
			return nil, err
		}
	}
	chain, err := cfg.Resolve(profile)
	if err != nil {
		return nil, badInput(err)
	}
	sys.remember(profile)
	return &target{Config: cfg, Chain: chain}, nil
}

// confirmProtected guards protected stages (SPEC §4): a person types the stage name; a script goes
// on with a notice, unless the stage is protected "always".
func (sys IO) confirmProtected(chain *profiles.Chain, yes bool) error {
	if yes || chain.Protected == profiles.Unprotected {
		return nil
	}
	stage := chain.Stage
	if stage == "" {
		stage = chain.Profile
	}
	if !sys.interactive() {
		if chain.Protected == profiles.Always {
			return usagef("%s is a protected stage (protected: always); pass --yes to run in it from a script", stage)
		}
		fmt.Fprintf(sys.Stderr, "acct: %s is a protected stage; going on without a terminal to confirm\n", stage)
		return nil
	}
	got, err := sys.prompt(fmt.Sprintf("%s is protected; type %q to go on", stage, stage), false, nil)
	if err != nil {
		return err
	}
	if got != stage {
		return usagef("you typed %q, not %q; nothing was run", got, stage)
	}
	return nil
}

// recentPath is where the most recently used profiles are kept for the picker's order.
func (sys IO) recentPath() string {
	dir := sys.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "acct", "recent")
}

const recentMax = 50

func (sys IO) recent() []string {
	path := sys.recentPath()
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if n := strings.TrimSpace(sc.Text()); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// remember puts profile first in the recent list; losing it is harmless, so errors are ignored.
func (sys IO) remember(profile string) {
	path := sys.recentPath()
	if path == "" {
		return
	}
	recent := sys.recent()
	if len(recent) > 0 && recent[0] == profile {
		return // already first: no write on the path every repeated exec takes
	}
	names := []string{profile}
	for _, n := range recent {
		if n != profile && len(names) < recentMax {
			names = append(names, n)
		}
	}
	if os.MkdirAll(filepath.Dir(path), 0o700) != nil {
		return
	}
	_ = os.WriteFile(path, []byte(strings.Join(names, "\n")+"\n"), 0o600)
}

// recentFirst orders names with the recently used ones first, the rest as given.
func (sys IO) recentFirst(names []string) []string {
	in := map[string]bool{}
	for _, n := range names {
		in[n] = true
	}
	var out []string
	seen := map[string]bool{}
	for _, n := range sys.recent() {
		if in[n] && !seen[n] {
			out = append(out, n)
			seen[n] = true
		}
	}
	for _, n := range names {
		if !seen[n] {
			out = append(out, n)
		}
	}
	return out
}
