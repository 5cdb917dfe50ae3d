package command

import (
	"fmt"
	"os"
	"strings"

	"github.com/acct-cli/acct/internal/memo"

	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
)

type generateInput struct {
	Layout string
	User   string
	Style  string
	Write  profiles.WriteOptions
}

func generateCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "generate",
		Usage:     "write the layout's profiles into the managed block of ~/.aws/config",
		UsageText: "acct generate [--layout FILE] [--user NAME] [--dry-run] [--style native|credential-process] [--replace] [--force]",
		Description: "Everything outside acct's block is kept byte for byte. A second run with the same layout\n" +
			"changes nothing. The config file is AWS_CONFIG_FILE, else ~/.aws/config; a symlink is written\n" +
			"through and the file keeps its mode. The block remembers the layout file and --user it was\n" +
			"generated with: later runs reuse the user, and a block of another layout file is replaced only\n" +
			"with --replace.",
		Flags: []cli.Flag{
			layoutFlag(),
			&cli.StringFlag{Name: "user", Usage: "fill {user} in the layout (MFA device, personal accounts); remembered in the block for later runs", EnvVars: []string{"ACCT_USER"}},
			&cli.BoolFlag{Name: "dry-run", Usage: "print the unified diff and write nothing (not even the lock)"},
			&cli.BoolFlag{Name: "replace", Usage: "replace the namespace's block even when another layout file generated it (the diff shows what goes)"},
			&cli.BoolFlag{Name: "force", Usage: "replace a read-only config file (its mode is kept)"},
			&cli.StringFlag{Name: "style", Usage: "native (role_arn, source_profile, mfa_serial) or credential-process (every tool goes through acct's cache); default: the style the layout's block has, else native"},
			&cli.BoolFlag{Name: "sso-discover", Usage: "with an sso: layout, add a profile for every account and permission set the SSO portal lists (signs in when needed)"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			if c.Bool("sso-discover") {
				return runSSODiscover(c.Context, sys, ssoDiscoverInput{
					Layout: c.String("layout"), User: c.String("user"), Style: c.String("style"),
					Write: writeOptions(c), Debug: c.Bool("debug"),
				})
			}
			return runGenerate(sys, generateInput{
				Layout: c.String("layout"), User: c.String("user"), Style: c.String("style"), Write: writeOptions(c),
			})
		},
	}
}

func layoutFlag() cli.Flag {
	return &cli.StringFlag{Name: "layout", Usage: "layout file (default: ACCT_LAYOUT, ./acct.yaml here or above, $XDG_CONFIG_HOME/acct/layout.yaml)"}
}

// findLayout is profiles.Find from acct's working directory and environment.
func (sys *system) findLayout(flag string) (string, error) {
	wd, _ := os.Getwd()
	return profiles.Find(flag, wd, sys.Getenv)
}

// configPath is the ~/.aws/config acct reads and writes, as the AWS CLI finds it.
func (sys *system) configPath() string { return profiles.ConfigPath(sys.Getenv) }

// loadLayout finds and loads the layout; every failure is bad input.
func (sys *system) loadLayout(flag string) (*profiles.Layout, error) {
	path, err := sys.findLayout(flag)
	if err != nil {
		return nil, fault.Wrap(fault.BadInput, err)
	}
	l, err := profiles.Load(path)
	if err != nil {
		return nil, fault.Wrap(fault.BadInput, err)
	}
	return l, nil
}

func writeOptions(c *cli.Context) profiles.WriteOptions {
	return profiles.WriteOptions{DryRun: c.Bool("dry-run"), Replace: c.Bool("replace"), Force: c.Bool("force")}
}

// runGenerate renders the layout and writes its block. A run with the same inputs as one that
// found nothing to change (generateMemo) prints what that run printed without parsing or
// rendering: 10,000 profiles take about 200 ms of CPU to do so.
func runGenerate(sys *system, in generateInput) error {
	path, err := sys.findLayout(in.Layout)
	if err != nil {
		return fault.Wrap(fault.BadInput, err)
	}
	data, err := profiles.ReadLayout(path)
	if err != nil {
		return err
	}
	m := sys.generateMemo(path, data, in)
	if m.hit() {
		return nil
	}
	l, err := profiles.Parse(path, data)
	if err != nil {
		return fault.Wrap(fault.BadInput, err)
	}
	o, err := sys.renderOptions(l, in.Style, in.User)
	if err != nil {
		return err
	}
	ps, err := profiles.Render(l, o)
	if err != nil {
		return fault.Wrap(fault.BadInput, err)
	}
	res, report, err := writeProfiles(sys, l, o, ps, in.Write, "")
	// The user and style came from the config read before the lock; they must be the ones the
	// content compared with gives, or the answer is not that content's.
	if err == nil && res.Settled && sameOrigin(o, profiles.Remembered(res.Old, origin(l, profiles.RenderOptions{}))) {
		m.store(res, report)
	}
	return err
}

// generateMemo is what acct remembers of `acct generate`: the output of a run that found the
// config's block as it would write it. Its first key is of everything but the config (the
// layout's path and bytes, the flags, the executable a credential-process profile names, acct's
// build), the second of that key and the config's bytes as read under the lock.
type generateMemo struct {
	sys    *system
	file   memo.File
	layout memo.Key
	write  profiles.WriteOptions
	ok     bool // false: a style or executable that the whole run must report on
}

func (sys *system) generateMemo(path string, data []byte, in generateInput) generateMemo {
	m := generateMemo{sys: sys, file: sys.memoFile("generate"), write: in.Write}
	st, exe, err := sys.renderStyle(in.Style)
	if err != nil {
		return m
	}
	h := memo.NewHash("generate")
	h.Add(path, in.User, st.String(), exe, sys.configPath(), fmt.Sprint(in.Write.DryRun, in.Write.Replace, in.Write.Force))
	h.AddBytes(data)
	m.layout, m.ok = h.Key(), true
	return m
}

// configKey is the second key: the first, and the config as read from target.
func (m generateMemo) configKey(target string, config []byte) memo.Key {
	h := memo.NewHash("generate config")
	h.AddBytes(m.layout[:])
	h.Add(target)
	h.AddBytes(config)
	return h.Key()
}

// hit prints the remembered output when both keys match. The config is read as Write reads it,
// under the lock (taken only once the layout's key matches, that is when the whole run would get
// that far): the lock's wait and the removal of a killed run's temporary files stay as they are.
func (m generateMemo) hit() bool {
	if !m.ok {
		return false
	}
	e, ok := m.file.Load()
	if !ok || len(e.Keys) != 2 || e.Keys[0] != m.layout {
		return false
	}
	w, err := profiles.OpenWriter(m.sys.configPath(), m.write)
	if err != nil {
		return false // the whole run meets it again, and says it in its own order
	}
	defer w.Close()
	if m.configKey(w.Target, w.Old) != e.Keys[1] {
		return false
	}
	fmt.Fprint(m.sys.Console.Out, string(e.Value))
	return true
}

// store remembers report, the output of a run whose Write found res.Old settled.
func (m generateMemo) store(res profiles.WriteResult, report string) {
	if !m.ok {
		return
	}
	// A cache that cannot be written only makes the next run slower.
	_ = m.file.Store(memo.Entry{Keys: []memo.Key{m.layout, m.configKey(res.Target, res.Old)}, Value: []byte(report)})
}

// renderStyle parses --style; a credential-process profile names the executable to run.
func (sys *system) renderStyle(style string) (profiles.Style, string, error) {
	st, err := profiles.ParseStyle(style)
	if err != nil {
		return st, "", fault.Wrap(fault.BadInput, err)
	}
	exe := "acct"
	if st == profiles.CredentialProcess {
		if exe, err = selfCommand(sys); err != nil {
			return st, "", err
		}
	}
	return st, exe, nil
}

// renderOptions parses --style and --user into what profiles.Render takes. Without --user or
// --style, the user or style the layout's block was last generated with is used, so that a run
// with no flags never turns credential-process profiles back into native ones.
func (sys *system) renderOptions(l *profiles.Layout, style, user string) (profiles.RenderOptions, error) {
	if user == "" || style == "" {
		// A config that cannot be read has no block to remember; Write says why.
		config, _ := os.ReadFile(sys.configPath())
		prev := profiles.Remembered(config, origin(l, profiles.RenderOptions{}))
		if user == "" {
			user = prev.User
		}
		if style == "" {
			style = prev.Style.String()
		}
	}
	st, exe, err := sys.renderStyle(style)
	if err != nil {
		return profiles.RenderOptions{}, err
	}
	return profiles.RenderOptions{User: user, Style: st, Executable: exe}, nil
}

// origin is the layout's block as rendered with o.
func origin(l *profiles.Layout, o profiles.RenderOptions) profiles.Origin {
	return profiles.Origin{Namespace: l.Namespace, LayoutFile: l.File, User: o.User, Style: o.Style}
}

// sameOrigin tells whether the block o renders is the one prev recorded, user and style alike.
func sameOrigin(o profiles.RenderOptions, prev profiles.Origin) bool {
	return o.User == prev.User && o.Style == prev.Style
}

// writeProfiles writes the layout's block and says what happened; note adds to the summary. It
// returns what Write did and what it printed.
func writeProfiles(sys *system, l *profiles.Layout, o profiles.RenderOptions, ps []profiles.Profile, w profiles.WriteOptions, note string) (profiles.WriteResult, string, error) {
	path := sys.configPath()
	res, err := profiles.Write(path, origin(l, o), ps, w)
	if err != nil {
		// Write's errors carry their kind: a file acct refuses to touch is bad input.
		return res, "", err
	}
	n := 0
	for _, p := range ps {
		if p.Section == "" { // an [sso-session] is not a profile
			n++
		}
	}
	summary := fmt.Sprintf("%d profiles of %s%s", n, l.Namespace, note)
	// The diff is there only when it is to be shown: a dry run, another layout's block replaced,
	// another user.
	report := res.Diff
	switch {
	case !res.Changed:
		report += fmt.Sprintf("%s: no change (%s)\n", path, summary)
	case w.DryRun:
	case res.Backup != "":
		report += fmt.Sprintf("%s: wrote %s (the previous file is in %s)\n", path, summary, res.Backup)
	default:
		report += fmt.Sprintf("%s: wrote %s\n", path, summary)
	}
	if gone := res.Removed; len(gone) > 0 {
		verb := "removes"
		if !w.DryRun {
			verb = "removed"
		}
		report += fmt.Sprintf("%s: the layout no longer generates, so acct %s from the %s block: %s\n", path, verb, l.Namespace, strings.Join(gone, ", "))
	}
	fmt.Fprint(sys.Console.Out, report)
	return res, report, nil
}
