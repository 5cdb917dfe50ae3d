package command

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/internal/memo"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/session"
)

// listRow is one profile as `acct list` shows it; its JSON form is for scripts.
type listRow struct {
	Profile     string     `json:"profile"`
	Layout      string     `json:"layout,omitempty"`
	OU          string     `json:"ou,omitempty"`
	Stage       string     `json:"stage,omitempty"`
	Role        string     `json:"role,omitempty"`
	Account     string     `json:"account,omitempty"`
	RoleARN     string     `json:"role_arn,omitempty"`
	SSORole     string     `json:"sso_role_name,omitempty"` // the permission set of an SSO profile
	Protected   string     `json:"protected,omitempty"`
	Source      string     `json:"source_profile,omitempty"`
	KeysStored  *bool      `json:"keys_stored,omitempty"`
	CachedUntil *time.Time `json:"session_cached_until,omitempty"`
}

func listCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "list",
		Usage:     "list the config's profiles, grouped by layout, OU and stage, with keys and sessions",
		UsageText: "acct list [--json] [--no-keyring]",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "print JSON for scripts"},
			&cli.BoolFlag{Name: "no-keyring", Usage: "do not open the keyring (no keys/session columns)"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			rows, err := sys.listProfiles()
			if err != nil {
				return err
			}
			if !c.Bool("no-keyring") {
				if err := sys.addKeyringColumns(rows); err != nil {
					// The listing is still right; only its keyring columns are unknown ("-"), which
					// must not pass for "no keys".
					fmt.Fprintf(sys.Console.Err, "acct: warning: keys and sessions not shown: %s; pass --no-keyring to skip the keyring\n", strings.Join(strings.Fields(err.Error()), " "))
				}
			}
			if c.Bool("json") {
				enc := json.NewEncoder(sys.Console.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			printList(sys, rows)
			return nil
		},
	}
}

// listProfiles is listRows of the config file. The rows are remembered (memoFile "list") under a
// digest of the file's bytes and acct's build: reading and resolving 10,000 profiles takes about
// 150 ms of CPU, loading their rows about 1 ms.
func (sys *system) listProfiles() ([]listRow, error) {
	path := sys.configPath()
	data, err := os.ReadFile(path)
	if err != nil {
		// Missing (no profiles) or unreadable (an error): nothing worth remembering.
		cfg, err := sys.readConfig()
		if err != nil {
			return nil, err
		}
		return listRows(cfg), nil
	}
	h := memo.NewHash("list")
	h.Add(path)
	h.AddBytes(data)
	key := h.Key()
	f := sys.memoFile("list")
	if e, ok := f.Load(); ok && len(e.Keys) == 1 && e.Keys[0] == key {
		if rows, ok := listDecode(e.Value); ok {
			return rows, nil
		}
	}
	cfg, err := profiles.ParseConfig(path, data)
	if err != nil {
		return nil, fault.Wrap(fault.BadInput, err)
	}
	rows := listRows(cfg)
	// A cache that cannot be written only makes the next run slower.
	_ = f.Store(memo.Entry{Keys: []memo.Key{key}, Value: listEncode(rows)})
	return rows, nil
}

// listEncode is what acct remembers of rows: every field read from the config (the keyring's
// columns are read anew each time). It holds no secret: names, ARNs, account numbers.
func listEncode(rows []listRow) []byte {
	b := binary.AppendUvarint(nil, uint64(len(rows)))
	for _, r := range rows {
		for _, s := range [...]string{r.Profile, r.Layout, r.OU, r.Stage, r.Role, r.Account, r.RoleARN, r.SSORole, r.Protected, r.Source} {
			b = memo.AppendString(b, s)
		}
	}
	return b
}

// listDecode reads what listEncode wrote; ok is false for anything else.
func listDecode(b []byte) (rows []listRow, ok bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)) { // a row takes at least one byte a field
		return nil, false
	}
	r := memo.NewReader(b[w:])
	rows = make([]listRow, n)
	for i := range rows {
		rows[i] = listRow{Profile: r.String(), Layout: r.String(), OU: r.String(), Stage: r.String(), Role: r.String(),
			Account: r.String(), RoleARN: r.String(), SSORole: r.String(), Protected: r.String(), Source: r.String()}
	}
	return rows, r.Done()
}

func listRows(cfg *profiles.Config) []listRow {
	rows := []listRow{} // JSON [] when the config has no profiles
	res := cfg.Resolver()
	for _, n := range cfg.Names() {
		e, _ := cfg.Entry(n)
		r := listRow{Profile: n, Layout: e.Meta.Namespace, OU: e.Meta.OU, Stage: e.Meta.Stage, Role: e.Meta.Role, Account: e.Meta.Account}
		r.RoleARN, _ = e.Get("role_arn")
		if r.RoleARN == "" {
			r.RoleARN, _ = e.Get("acct_role_arn")
		}
		if r.SSORole, _ = e.Get("sso_role_name"); r.SSORole == "" {
			r.SSORole, _ = e.Get("acct_sso_role_name")
		}
		if e.Meta.Managed {
			r.Protected = e.Meta.Protected.String()
		}
		if ch, err := res.Outline(n); err == nil {
			r.Source = ch.Source
			if r.Account == "" {
				r.Account = ch.Account
			}
		}
		rows = append(rows, r)
	}
	// Hand-written profiles (no layout) first, then each layout by OU and stage; file order within.
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.Layout != b.Layout {
			return a.Layout < b.Layout
		}
		if a.OU != b.OU {
			return a.OU < b.OU
		}
		return false
	})
	return rows
}

// addKeyringColumns fills "keys stored" and "session cached until" when the keyring opens without
// asking: with ACCT_FILE_PASSPHRASE, or the passphrase typed earlier and kept in the kernel
// keyring. list never prompts for one. The error says why the columns stay empty.
func (sys *system) addKeyringColumns(rows []listRow) error {
	kcfg := session.KeyringConfigFromEnv(sys.Getenv)
	kcfg.Logf = sys.debugf
	if kcfg.FilePassphrase == nil {
		kcfg.PassphraseTTL, _ = passphraseTTL(sys)
		kcfg.FilePassphrase = func(string) (string, error) {
			return "", fmt.Errorf("no passphrase (none kept from an earlier command, and list does not ask)")
		}
	}
	kr, err := session.OpenKeyring(kcfg)
	if err != nil {
		return err
	}
	store := session.Store{Keyring: kr}
	entries, err := session.Cached(kr)
	if err != nil {
		return err
	}
	until := map[string]time.Time{}
	for _, e := range entries {
		if e.Kind == "role" && e.Expires.After(until[e.Name]) {
			until[e.Name] = e.Expires
		}
	}
	keys := map[string]bool{}
	for i := range rows {
		// Every profile's cached credentials: SSO ones (and roles on top of them) have no source.
		if t, ok := until[rows[i].Profile]; ok && t.After(time.Now()) {
			rows[i].CachedUntil = &t
		}
		src := rows[i].Source
		if src == "" {
			continue
		}
		has, ok := keys[src]
		if !ok {
			has = store.HasKeys(src)
			keys[src] = has
		}
		rows[i].KeysStored = &has
	}
	return nil
}

func printList(sys *system, rows []listRow) {
	// tabwriter writes cell by cell: unbuffered, 10,000 profiles would be 80,000 write calls.
	out := bufio.NewWriter(sys.Console.Out)
	defer out.Flush()
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "LAYOUT\tOU\tSTAGE\tPROFILE\tACCOUNT\tROLE\tKEYS STORED\tSESSION CACHED UNTIL")
	// One line at a time, without fmt: boxing 80,000 strings for Fprintf cost more than the rest
	// of a remembered listing.
	var line []byte
	for _, r := range rows {
		keys := "-"
		if r.KeysStored != nil {
			keys = "no"
			if *r.KeysStored {
				keys = "yes"
			}
		}
		until := "-"
		if r.CachedUntil != nil {
			until = r.CachedUntil.Local().Format("2006-01-02 15:04")
		}
		role := r.RoleARN
		if i := strings.LastIndex(role, "/"); i >= 0 {
			role = role[i+1:]
		}
		if role == "" {
			role = r.SSORole
		}
		line = line[:0]
		for _, cell := range [...]string{dash(r.Layout), dash(r.OU), dash(r.Stage), r.Profile, dash(r.Account), dash(role), keys} {
			line = append(append(line, cell...), '\t')
		}
		line = append(append(line, until...), '\n')
		w.Write(line)
	}
	w.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
