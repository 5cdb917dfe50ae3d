package command

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/internal/history"
	"github.com/acct-cli/acct/internal/memo"
	"github.com/acct-cli/acct/profiles"
)

// target is what a user named on the command line, resolved against the config.
type target struct {
	Chain *profiles.Chain
	// Picked says the name was not a profile or stage: the person chose Chain's profile among
	// candidates, and confirmed it at the protected-stage question if it needed one.
	Picked bool
	// Surprises are the settings that make the AWS CLI take Chain's profile somewhere else than
	// acct does (profiles.Config.Surprises).
	Surprises []profiles.Finding
}

// readConfig reads ~/.aws/config; what acct cannot read there is the user's to fix.
func (sys *system) readConfig() (*profiles.Config, error) {
	cfg, err := profiles.Read(sys.configPath())
	return cfg, fault.Wrap(fault.BadInput, err)
}

// history is the list of recently used profiles, for the picker's order.
func (sys *system) history() history.File {
	dir := sys.Getenv("XDG_STATE_HOME")
	if dir == "" {
		dir = filepath.Join(sys.home(), ".local", "state")
	}
	return history.File{Path: filepath.Join(dir, "acct", "recent")}
}

// resolveTarget turns NAME into a profile (SPEC §4). An exact profile or stage name is taken as it
// is; anything else is never run silently: a person picks among the candidates (and types the
// stage name of a protected one), a script gets exit status 2 and the candidates.
func (sys *system) resolveTarget(name string) (*target, error) {
	layout := sys.currentLayout()
	remembered := sys.targetMemo(name, layout)
	if t, ok := remembered.load(); ok {
		sys.debugf("%s: as resolved before (%s); the config is unchanged", name, remembered.file.Path)
		sys.history().Add(t.Chain.Profile)
		return t, nil
	}
	// On demand: the chain's sections are read, not the other thousands of a large config.
	cfg, err := profiles.ReadOnDemand(sys.configPath())
	if err != nil {
		return nil, fault.Wrap(fault.BadInput, err)
	}
	profile, picked, err := sys.chooseProfile(cfg, name, layout)
	if err != nil {
		return nil, err
	}
	chain, err := cfg.Resolve(profile)
	if err != nil {
		return nil, fault.Wrap(fault.BadInput, err)
	}
	t := &target{Chain: chain, Picked: picked, Surprises: cfg.Surprises(profile, sys.credentialsFile())}
	if picked && chain.Protected != profiles.Unprotected {
		// A name that only resembled a protected stage's: --yes does not cover what was not typed.
		if err := sys.typeStageName(chain); err != nil {
			return nil, err
		}
	}
	if !picked {
		remembered.store(t)
	}
	sys.history().Add(profile)
	return t, nil
}

// targetSettle is how long the config and credentials files must be unchanged before what a name
// resolved to in them is remembered (memo.Identity).
const targetSettle = 3 * time.Second

// targetMemo remembers what an exact profile or stage name resolved to, keyed by the identities
// of the config and credentials files (memo.Identity) and by acct's build: a warm `acct exec` of a
// 10,000-profile config then reads neither file. What a person picked is never remembered.
type targetMemo struct {
	file    memo.File
	key     memo.Key
	settled bool
}

func (sys *system) targetMemo(name, layout string) targetMemo {
	if name == "" {
		return targetMemo{} // the picker, a person's choice each time
	}
	config, now := sys.configPath(), time.Now()
	h := memo.NewHash("target")
	// A stage name means the current layout's stage (SPEC §4), which depends on where acct runs.
	h.Add(name, layout)
	settled := true
	for _, path := range []string{config, profiles.CredentialsPath(sys.Getenv)} {
		id, ok := memo.Identity(path, now, targetSettle)
		if id == "" {
			return targetMemo{}
		}
		h.Add(path, id)
		settled = settled && ok
	}
	// One file per config and name: a day alternates between a few profiles.
	sum := sha256.Sum256([]byte(config + "\x00" + name))
	return targetMemo{file: sys.memoFile("target-" + hex.EncodeToString(sum[:8])), key: h.Key(), settled: settled}
}

func (m targetMemo) load() (*target, bool) {
	if m.file.Path == "" {
		return nil, false
	}
	e, ok := m.file.Load()
	if !ok || len(e.Keys) != 1 || e.Keys[0] != m.key {
		return nil, false
	}
	var t target
	if json.Unmarshal(e.Value, &t) != nil || t.Chain == nil || t.Picked {
		return nil, false
	}
	return &t, true
}

// store remembers t, when both files are settled and t reads back exactly (JSON would replace
// bytes that are not UTF-8 in a hand-written name); a cache that cannot be written only makes the
// next run slower.
func (m targetMemo) store(t *target) {
	if m.file.Path == "" || !m.settled {
		return
	}
	data, err := json.Marshal(t)
	var back target
	if err != nil || json.Unmarshal(data, &back) != nil || !reflect.DeepEqual(&back, t) {
		return
	}
	_ = m.file.Store(memo.Entry{Keys: []memo.Key{m.key}, Value: data})
}

// currentLayout is the layout file of where acct runs (profiles.Find: ACCT_LAYOUT, acct.yaml
// here or in a parent, the user's own), "" when there is none.
func (sys *system) currentLayout() string {
	path, err := sys.findLayout("")
	if err != nil {
		return ""
	}
	return path
}

// chooseProfile is the profile name stands for, from the current layout (a stage of its own is
// meant), and whether the person picked it among candidates.
func (sys *system) chooseProfile(cfg *profiles.Config, name, layout string) (string, bool, error) {
	if name == "" {
		if !sys.Console.Interactive() {
			return "", false, usagef("name a profile or stage; acct list shows them")
		}
		p, err := sys.prompter.Select("profile", sys.history().Order(cfg.Names()))
		return p, false, err
	}
	m, err := cfg.MatchFrom(name, layout)
	var amb *profiles.AmbiguousError
	var candidates []string
	switch {
	case err == nil && m.Kind != profiles.MatchFuzzy:
		return m.Profile, false, nil
	case err == nil:
		candidates = []string{m.Profile}
	case errors.As(err, &amb) && !amb.NoMatch():
		candidates = amb.Candidates
	default:
		return "", false, fault.Wrap(fault.BadInput, err)
	}
	if !sys.Console.Interactive() {
		return "", false, didYouMean(name, candidates)
	}
	p, err := sys.prompter.Select(fmt.Sprintf("%q is not a profile or stage name; Enter to use", name), sys.history().Order(candidates))
	return p, true, err
}

// didYouMean is a name that is not a profile or stage, in a script: one line with up to five of
// the profiles it resembles.
func didYouMean(name string, candidates []string) error {
	const show = 5
	list, more := candidates, ""
	if len(list) > show {
		list, more = list[:show], fmt.Sprintf(" (and %d more; acct list shows them)", len(candidates)-show)
	}
	guess := list[0]
	if n := len(list); n > 1 {
		guess = strings.Join(list[:n-1], ", ") + " or " + list[n-1]
	}
	return badInputf("no profile or stage is named %q; did you mean %s?%s", name, guess, more)
}

// confirmProtected guards protected stages (SPEC §4): a person types the stage name; a script goes
// on with a notice, unless the stage is protected "always". A picked target was confirmed already.
func (sys *system) confirmProtected(t *target, yes bool) error {
	chain := t.Chain
	if yes || t.Picked || chain.Protected == profiles.Unprotected {
		return nil
	}
	if !sys.Console.Interactive() {
		if chain.Protected == profiles.Always {
			return usagef("%s is a protected stage (protected: always); pass --yes to run in it from a script", stageOf(chain))
		}
		fmt.Fprintf(sys.Console.Err, "acct: %s is a protected stage; going on without a terminal to confirm\n", stageOf(chain))
		return nil
	}
	return sys.typeStageName(chain)
}

// typeStageName asks the person to type the protected stage's name.
func (sys *system) typeStageName(chain *profiles.Chain) error {
	stage := stageOf(chain)
	got, err := sys.prompter.Input(fmt.Sprintf("%s is protected; type %q to go on", stage, stage), "", nil)
	if err != nil {
		return err
	}
	if got != stage {
		return badInputf("you typed %q, not %q; nothing was run", got, stage)
	}
	return nil
}

func stageOf(chain *profiles.Chain) string {
	if chain.Stage != "" {
		return chain.Stage
	}
	return chain.Profile
}
