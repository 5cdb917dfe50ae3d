package orgs

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/acct-cli/acct/internal/atomicfile"
	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/internal/lazyregexp"
	"go.yaml.in/yaml/v3"

	"github.com/acct-cli/acct/profiles"
)

// ImportedComment marks, on its account line, a stage that an import added. Only such stages are
// removed by a later import when their account is suspended, closed or gone; a stage without it
// was written by hand and is never removed.
const ImportedComment = "# imported from AWS Organizations"

// ManagementStage is the stage name of the management account when the layout's root is another
// account (the usual case: the IAM users live in a member account).
const ManagementStage = "management"

// Options tune Merge.
type Options struct {
	// Namespace of a new layout (required then); with an existing one it must match or be empty.
	Namespace string
	// Mode of a new layout; default organization.
	Mode string
	// Region of a new layout; default none.
	Region string
	// MFASerial is the mfa_serial of a new layout, usually with {user} (see MFASerialTemplate);
	// none when empty.
	MFASerial string
	// OU selects a subtree, "workloads/prod": only accounts under it are added or moved. Each
	// segment matches an OU's name case-insensitively or as a label (Label).
	OU string
	// Exclude lists account IDs, account names or stage names to leave alone.
	Exclude []string
	// StripPrefixes are label prefixes removed from account names to make stage names, besides
	// the namespace, which is always stripped ("cpco-prod" → "prod").
	StripPrefixes []string
}

// Change is one difference the merge made.
type Change struct {
	Kind    string // "add", "move", "remove", "root"
	Stage   string
	Account string
	Detail  string // e.g. "ou workloads → security", "SUSPENDED"
}

func (c Change) String() string {
	s := fmt.Sprintf("%-6s %s (%s)", c.Kind, c.Stage, c.Account)
	if c.Detail != "" {
		s += ": " + c.Detail
	}
	return s
}

// Result is the merged layout.
type Result struct {
	Data    []byte // the new file
	Changed bool
	Changes []Change
	Notices []string // things left for a person: hand-written stages of suspended accounts, ...
	Layout  *profiles.Layout
}

var nonLabel = lazyregexp.New(`[^a-z0-9]+`)

// Label makes a label of a name: lowercase, every run of characters other than a-z and 0-9
// becomes one '-', no '-' at either end. "Workloads (Prod)" → "workloads-prod".
func Label(name string) string {
	return strings.Trim(nonLabel().ReplaceAllString(strings.ToLower(name), "-"), "-")
}

// StageName is the stage name of an account named name: Label(name), then the first of prefixes
// that it starts with (as prefix + "-") removed. "CPCO-Prod" with prefix cpco → "prod".
func StageName(name string, prefixes ...string) string {
	n := Label(name)
	for _, p := range prefixes {
		p = Label(p)
		if p != "" && strings.HasPrefix(n, p+"-") {
			return n[len(p)+1:]
		}
	}
	return n
}

// MFASerialTemplate turns one person's MFA device ARN into the layout's, for everyone: the device
// name becomes {user} ("arn:aws:iam::323330167063:mfa/alice" -> ".../mfa/{user}"), since an IAM
// user's virtual MFA device is usually named after the user. ok is false for what is not an IAM
// MFA device ARN (a hardware token's serial number): that is one person's and is not a template.
func MFASerialTemplate(serial string) (template, user string, ok bool) {
	m := mfaDevice().FindStringSubmatch(serial)
	if m == nil {
		return "", "", false
	}
	return m[1] + "{user}", m[2], true
}

var mfaDevice = lazyregexp.New(`^(arn:[a-z-]+:iam::\d{12}:mfa/(?:[^/]+/)*)([^/{}]+)$`)

// Merge merges org into the layout file old (nil: a new layout) named name and returns the new
// text. It never writes; see Write and Diff.
func Merge(name string, old []byte, org *Org, opt Options) (*Result, error) {
	var doc *yaml.Node
	var prev *profiles.Layout
	if old != nil {
		l, err := profiles.Parse(name, old)
		if err != nil {
			return nil, err
		}
		prev = l
		if opt.Namespace != "" && opt.Namespace != l.Namespace {
			return nil, fault.Errorf(fault.BadInput, "--namespace %s differs from the layout's namespace %s; leave it out to import into %s", opt.Namespace, l.Namespace, name)
		}
		if l.Mode == profiles.ModeVirtualRoot {
			return nil, fault.Errorf(fault.BadInput, "%s is a virtual-root layout (every stage in one account); importing an organization needs mode: organization or accounts", name)
		}
		var d yaml.Node
		if err := yaml.Unmarshal(old, &d); err != nil {
			return nil, fault.Errorf(fault.BadInput, "%s: %v", name, err)
		}
		doc = &d
	} else {
		if opt.Namespace == "" {
			return nil, fault.New(fault.BadInput, "a new layout needs a namespace; pass --namespace (e.g. --namespace cpco)")
		}
		if Label(opt.Namespace) != opt.Namespace {
			return nil, fault.Errorf(fault.BadInput, "--namespace %q is not a label; use lowercase letters, digits and single hyphens", opt.Namespace)
		}
		if org.Management == "" {
			return nil, fault.New(fault.BadInput, "the organization did not name its management account; write root: by hand")
		}
		doc = newDocument(org, opt)
	}
	top := doc
	if top.Kind == yaml.DocumentNode && len(top.Content) == 1 {
		top = top.Content[0]
	}
	if top.Kind != yaml.MappingNode {
		return nil, fault.Errorf(fault.BadInput, "%s: the layout is not a map", name)
	}
	ns := opt.Namespace
	rootAccount := org.Management
	if prev != nil {
		ns, rootAccount = prev.Namespace, prev.Root.Account
	}
	m := &merger{org: org, opt: opt, top: top, ns: ns, res: &Result{}}
	if err := m.run(rootAccount, prev); err != nil {
		return nil, err
	}
	out, err := encode(doc, old)
	if err != nil {
		return nil, fault.Errorf(fault.Failed, "%s: %v", name, err)
	}
	l, err := profiles.Parse(name, out)
	if err != nil {
		// A bug of the merge, or a file acct cannot rewrite: never write something acct cannot load.
		return nil, fault.Errorf(fault.Failed, "the imported layout does not load (%v); nothing was written", err)
	}
	m.res.Data, m.res.Layout = out, l
	m.res.Changed = old == nil || !bytes.Equal(old, out)
	return m.res, nil
}

type merger struct {
	org *Org
	opt Options
	top *yaml.Node
	ns  string
	res *Result
}

// stageRef is an existing stage of the file.
type stageRef struct {
	node     *yaml.Node // the stage's mapping node
	name     string
	account  string
	imported bool
}

func (m *merger) run(rootAccount string, prev *profiles.Layout) error {
	stagesNode, err := m.stagesList()
	if err != nil {
		return err
	}
	refs, byAccount := existingStages(stagesNode)
	sel, err := m.selector()
	if err != nil {
		return err
	}
	m.updateExisting(stagesNode, refs, rootAccount, prev != nil, sel)
	names, known := takenNames(rootAccount, prev)
	for _, a := range m.freshAccounts(known, byAccount, sel) {
		name := m.uniqueName(a, names)
		stagesNode.Content = append(stagesNode.Content, newStage(name, a))
		detail := ""
		if ou := ouLabel(a); ou != "" {
			detail = "ou " + ou
		}
		if a.ID == m.org.Management {
			detail = strings.TrimPrefix(detail+", management account", ", ")
		}
		m.res.Changes = append(m.res.Changes, Change{Kind: "add", Stage: name, Account: a.ID, Detail: detail})
	}
	if len(stagesNode.Content) == 0 {
		// An empty block sequence does not encode; leave no stages key rather than `stages: []`.
		for i := 0; i+1 < len(m.top.Content); i += 2 {
			if m.top.Content[i].Value == "stages" {
				m.top.Content = append(m.top.Content[:i], m.top.Content[i+2:]...)
				break
			}
		}
	}
	return nil
}

// stagesList is the layout's stages: sequence, added when the file has none.
func (m *merger) stagesList() (*yaml.Node, error) {
	stagesNode := mapGet(m.top, "stages")
	if stagesNode == nil {
		stagesNode = &yaml.Node{Kind: yaml.SequenceNode}
		m.top.Content = append(m.top.Content, scalar("stages"), stagesNode)
	}
	if stagesNode.Kind != yaml.SequenceNode {
		return nil, fault.New(fault.BadInput, "stages is not a list")
	}
	if stagesNode.Style == yaml.FlowStyle {
		stagesNode.Style = 0
	}
	return stagesNode, nil
}

// existingStages reads the stages already in the file, and the first stage of each account
// (per-user stages name no single account).
func existingStages(stagesNode *yaml.Node) ([]*stageRef, map[string]*stageRef) {
	byAccount := map[string]*stageRef{}
	var refs []*stageRef
	for _, sn := range stagesNode.Content {
		if sn.Kind != yaml.MappingNode {
			continue
		}
		r := &stageRef{node: sn}
		if v := mapGet(sn, "name"); v != nil {
			r.name = v.Value
		}
		if v := mapGet(sn, "account"); v != nil && v.Kind == yaml.ScalarNode {
			r.account = v.Value
			r.imported = strings.Contains(v.LineComment, ImportedComment)
		}
		refs = append(refs, r)
		if r.account != "" && !strings.Contains(r.name, "{user}") {
			if _, dup := byAccount[r.account]; !dup {
				byAccount[r.account] = r
			}
		}
	}
	return refs, byAccount
}

// updateExisting brings the stages already in the file up to date: moved accounts get their new
// ou; imported stages of accounts that are no longer active go; hand-written ones stay, with a
// notice.
func (m *merger) updateExisting(stagesNode *yaml.Node, refs []*stageRef, rootAccount string, hadLayout bool, sel func(Account) bool) {
	inOrg := map[string]Account{}
	for _, a := range m.org.Accounts {
		inOrg[a.ID] = a
	}
	remove := map[*yaml.Node]bool{}
	for _, r := range refs {
		if r.account == "" || r.account == rootAccount {
			continue
		}
		a, ok := inOrg[r.account]
		if !ok || !a.Active() {
			why := "no longer in the organization"
			if ok {
				why = a.State
			}
			if m.excluded(a, r.name) {
				continue
			}
			if r.imported {
				remove[r.node] = true
				m.res.Changes = append(m.res.Changes, Change{Kind: "remove", Stage: r.name, Account: r.account, Detail: why})
			} else if ok || hadLayout {
				m.res.Notices = append(m.res.Notices, fmt.Sprintf("stage %s: account %s is %s; it was written by hand, so remove it yourself if it should go", r.name, r.account, why))
			}
			continue
		}
		if !sel(a) || m.excluded(a, r.name) {
			continue
		}
		want := ouLabel(a)
		cur := ""
		if v := mapGet(r.node, "ou"); v != nil {
			cur = v.Value
		}
		if want != cur {
			setOU(r.node, want)
			m.res.Changes = append(m.res.Changes, Change{Kind: "move", Stage: r.name, Account: r.account, Detail: fmt.Sprintf("ou %s → %s", orNone(cur), orNone(want))})
		}
	}
	if len(remove) > 0 {
		kept := stagesNode.Content[:0]
		for _, sn := range stagesNode.Content {
			if !remove[sn] {
				kept = append(kept, sn)
			}
		}
		stagesNode.Content = kept
	}
}

// takenNames are the stage names and accounts the layout already has, so an import adds neither
// again.
func takenNames(rootAccount string, prev *profiles.Layout) (names, known map[string]bool) {
	names = map[string]bool{profiles.RootStage: true}
	known = map[string]bool{rootAccount: true}
	if prev != nil {
		for _, st := range prev.Stages {
			names[st.Name] = true
			for _, a := range st.PerUser {
				known[a] = true
			}
		}
	}
	return names, known
}

// freshAccounts are the active selected accounts the layout lacks, in OU order then by name, so
// the file reads like the organisation.
func (m *merger) freshAccounts(known map[string]bool, byAccount map[string]*stageRef, sel func(Account) bool) []Account {
	var fresh []Account
	for _, a := range m.org.Accounts {
		if known[a.ID] || byAccount[a.ID] != nil || !a.Active() || !sel(a) {
			continue
		}
		if m.excluded(a, m.nameFor(a)) {
			continue
		}
		fresh = append(fresh, a)
	}
	sort.SliceStable(fresh, func(i, j int) bool {
		pi, pj := strings.Join(fresh[i].OUPath, "/"), strings.Join(fresh[j].OUPath, "/")
		if pi != pj {
			return pi < pj
		}
		return m.nameFor(fresh[i]) < m.nameFor(fresh[j])
	})
	return fresh
}

// uniqueName is a's stage name, with the end of its account ID added when the name is taken.
func (m *merger) uniqueName(a Account, names map[string]bool) string {
	name := m.nameFor(a)
	if name == "" || names[name] {
		base := name
		if base == "" {
			base = "account"
		}
		name = base + "-" + a.ID[len(a.ID)-4:]
		if names[name] {
			name = base + "-" + a.ID
		}
	}
	names[name] = true
	return name
}

// nameFor is an account's stage name: "management" for the management account, else
// StageName with the namespace and the extra prefixes stripped.
func (m *merger) nameFor(a Account) string {
	if a.ID == m.org.Management {
		return ManagementStage
	}
	return StageName(a.Name, append([]string{m.ns}, m.opt.StripPrefixes...)...)
}

func (m *merger) excluded(a Account, stage string) bool {
	for _, x := range m.opt.Exclude {
		if x == "" {
			continue
		}
		if x == a.ID || (a.Name != "" && strings.EqualFold(x, a.Name)) || (stage != "" && x == stage) {
			return true
		}
	}
	return false
}

// selector returns the test for --ou: is the account in the subtree?
func (m *merger) selector() (func(Account) bool, error) {
	want := splitPath(m.opt.OU)
	if len(want) == 0 {
		return func(Account) bool { return true }, nil
	}
	match := func(a Account) bool {
		if len(a.OUPath) < len(want) {
			return false
		}
		for i, w := range want {
			if !strings.EqualFold(a.OUPath[i], w) && Label(a.OUPath[i]) != Label(w) {
				return false
			}
		}
		return true
	}
	for _, a := range m.org.Accounts {
		if match(a) {
			return match, nil
		}
	}
	return nil, fault.Errorf(fault.BadInput, "--ou %s: no account of the organization is under that OU path; give OU names from the root down, e.g. workloads/prod", m.opt.OU)
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// ouLabel is the ou an account's stage gets: its leaf OU's name as a label, "" at the root.
func ouLabel(a Account) string {
	if len(a.OUPath) == 0 {
		return ""
	}
	return Label(a.OUPath[len(a.OUPath)-1])
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func newDocument(org *Org, opt Options) *yaml.Node {
	mode := opt.Mode
	if mode == "" {
		mode = profiles.ModeOrganization
	}
	top := &yaml.Node{Kind: yaml.MappingNode}
	top.HeadComment = "# Imported from AWS Organizations " + org.ID + " by `acct import organizations`.\n# Edit freely: a later import keeps stage names and hand-set keys (docs/import.md)."
	top.Content = append(top.Content, scalar("namespace"), scalar(opt.Namespace), scalar("mode"), scalar(mode))
	if opt.Region != "" {
		top.Content = append(top.Content, scalar("region"), scalar(opt.Region))
	}
	if opt.MFASerial != "" {
		top.Content = append(top.Content, scalar("mfa_serial"), scalar(opt.MFASerial))
	}
	acct := quoted(org.Management)
	acct.LineComment = "# the management account"
	root := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("account"), acct}}
	top.Content = append(top.Content, scalar("root"), root)
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{top}}
}

func newStage(name string, a Account) *yaml.Node {
	acct := quoted(a.ID)
	acct.LineComment = ImportedComment
	n := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{scalar("name"), scalar(name), scalar("account"), acct}}
	if ou := ouLabel(a); ou != "" {
		n.Content = append(n.Content, scalar("ou"), scalar(ou))
	}
	return n
}

// setOU sets (or, for "", removes) a stage's ou, adding the key after account when missing.
func setOU(stage *yaml.Node, ou string) {
	for i := 0; i+1 < len(stage.Content); i += 2 {
		if stage.Content[i].Value == "ou" {
			if ou == "" {
				stage.Content = append(stage.Content[:i], stage.Content[i+2:]...)
				return
			}
			v := stage.Content[i+1]
			v.Value, v.Tag, v.Style, v.Kind = ou, "!!str", 0, yaml.ScalarNode
			return
		}
	}
	if ou == "" {
		return
	}
	at := len(stage.Content)
	for i := 0; i+1 < len(stage.Content); i += 2 {
		if stage.Content[i].Value == "account" {
			at = i + 2
		}
	}
	kv := []*yaml.Node{scalar("ou"), scalar(ou)}
	stage.Content = append(stage.Content[:at], append(kv, stage.Content[at:]...)...)
}

func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }

func quoted(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle}
}

// encode writes doc as YAML with two-space indentation. Lines the encoder only re-spaced (the
// blanks before an aligned comment) are put back as they were in old, so a diff shows only what
// the import changed.
func encode(doc *yaml.Node, old []byte) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	if old == nil {
		return b.Bytes(), nil
	}
	orig := map[string]string{}
	dup := map[string]bool{}
	for _, l := range strings.Split(string(old), "\n") {
		k := squeeze(l)
		if o, ok := orig[k]; ok && o != l {
			dup[k] = true
		}
		orig[k] = l
	}
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		if o, ok := orig[squeeze(l)]; ok && !dup[squeeze(l)] {
			lines[i] = o
		}
	}
	return []byte(strings.Join(lines, "\n")), nil
}

var spaceBeforeComment = lazyregexp.New(`[ \t]+#`)

// squeeze is a line with trailing blanks dropped and the blanks before a comment made one space.
func squeeze(l string) string {
	return spaceBeforeComment().ReplaceAllString(strings.TrimRight(l, " \t"), " #")
}

// Diff is the unified diff from old to new, labelled with name.
func Diff(name string, old, new []byte) string {
	return profiles.UnifiedDiff(name, name+" (imported)", old, new)
}

// Write replaces path with data atomically (temp file and rename in the same directory), keeping
// an existing file's mode; a new file gets 0644 (a layout is shared, not secret).
func Write(path string, data []byte) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	return atomicfile.Write(path, data, mode)
}
