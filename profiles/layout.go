// Package profiles turns a team's account layout into AWS config profiles and reads them back.
package profiles

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/internal/lazyregexp"
	"go.yaml.in/yaml/v3"
)

// Modes of a layout (SPEC §1, seed 002 cases 1–3).
const (
	ModeOrganization = "organization"
	ModeAccounts     = "accounts"
	ModeVirtualRoot  = "virtual-root"
)

// DefaultProfilePattern is the Cloud Posse label pattern.
const DefaultProfilePattern = "{namespace}-{stage}-{role}"

// RootStage is the stage name the root: section renders under.
const RootStage = "root"

// Protection says how hard acct makes it to act on a stage.
type Protection int

const (
	// Unprotected stages run without asking.
	Unprotected Protection = iota
	// Protected stages ask for the stage name on a terminal and print a notice in scripts.
	Protected
	// Always-protected stages also make scripts pass --yes.
	Always
)

// String gives the spelling used in the layout and in the managed block's `# acct:` comments.
func (p Protection) String() string {
	switch p {
	case Unprotected:
		return "false"
	case Protected:
		return "true"
	case Always:
		return "always"
	}
	return "Protection(" + strconv.Itoa(int(p)) + ")"
}

// ParseProtection reads "false", "true" or "always".
func ParseProtection(s string) (Protection, error) {
	switch s {
	case "false":
		return Unprotected, nil
	case "true":
		return Protected, nil
	case "always":
		return Always, nil
	}
	return Unprotected, fault.Errorf(fault.BadInput, "protected %q is not one of true, false, always; use one of those", s)
}

// Layout is a parsed acct.yaml with every default filled in.
type Layout struct {
	File           string // path it was loaded from
	Namespace      string
	Mode           string // "organization" | "accounts" | "virtual-root"
	Region         string
	SourceProfile  string // defaults to Namespace
	MFASerial      string // may contain {user}
	ProfilePattern string // default "{namespace}-{stage}-{role}"
	Root           Stage  // Name "root"
	Stages         []Stage
	SSO            *SSO     // IAM Identity Center; nil when the layout has no sso: key
	Env            []EnvVar // variables of every stage, as written (placeholders unfilled)

	// Render reports problems with these keys at their lines, which Stage.Line cannot give.
	mfaLine, patternLine int
}

// Stage is one account (or, in virtual-root mode, one virtual account) of the layout.
type Stage struct {
	Name      string
	Account   string
	OU        string
	Protected Protection
	Roles     []Role // in file order
	Region    string
	Duration  time.Duration
	PerUser   map[string]string // user -> account, for name patterns with {user}
	Extra     []Key             // extra profile keys
	Line      int               // line in the layout file, for messages

	// The stage's environment as written (placeholders unfilled): its variables, which win over
	// the layout's, the directory its shell starts in (absolute, or ~/...), its EKS clusters.
	Env      []EnvVar
	Dir      string
	Clusters []ClusterRef
}

// SSO is the layout's IAM Identity Center portal. With it, every stage's roles are permission-set
// names, and profiles get their credentials from the portal instead of an IAM user's keys.
type SSO struct {
	StartURL string // https://d-1234567890.awsapps.com/start
	Region   string // the Identity Center region
	Session  string // name of the [sso-session NAME] section; default the namespace
	Line     int
}

// Role is a label (the {role} of profile names) and the IAM role it assumes.
type Role struct{ Label, Name string }

// Key is one key=value line of a profile.
type Key struct{ Name, Value string }

// Load reads a layout file and parses it.
func Load(path string) (*Layout, error) {
	data, err := ReadLayout(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// ReadLayout reads a layout file without parsing it (Parse does), with Load's errors.
func ReadLayout(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fault.Errorf(fault.BadInput, "layout %s: file does not exist; check the path, or run `acct init` to create one", path)
		}
		return nil, fault.Errorf(fault.BadInput, "layout %s: cannot read it: %v; check its permissions", path, err)
	}
	return data, nil
}

// Parse parses the YAML of a layout; name is the file name used in error messages.
// Every error is one line naming the file, the line and the fix.
func Parse(name string, data []byte) (*Layout, error) {
	p := &layoutParser{file: name}
	doc, err := p.document(data)
	if err != nil {
		return nil, err
	}
	l, err := p.layout(doc)
	if err != nil {
		return nil, err
	}
	l.File = name
	return l, nil
}

type layoutParser struct {
	file string
}

func (p *layoutParser) errf(line int, format string, args ...any) error {
	if line < 1 {
		line = 1
	}
	return fault.Errorf(fault.BadInput, "layout %s line %d: %s", p.file, line, layoutOneLine(fmt.Sprintf(format, args...)))
}

// layoutOneLine keeps messages on one line even when they quote a YAML parser message.
func layoutOneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

var layoutYAMLLine = lazyregexp.New(`^yaml: line (\d+): (.*)$`)

func (p *layoutParser) document(data []byte) (*yaml.Node, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, p.errf(1, "the file is empty; start from one of docs/examples/*.yaml or run `acct init`")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, p.errf(1, "the file holds no YAML document; start from one of docs/examples/*.yaml or run `acct init`")
		}
		return nil, p.yamlErr(err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, p.yamlErr(err)
	default:
		return nil, p.errf(extra.Line, "a second YAML document starts here; a layout is one document, remove the `---` and what follows or move it to its own file")
	}
	n := &doc
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil, p.errf(1, "the file holds no YAML document; start from one of docs/examples/*.yaml or run `acct init`")
		}
		n = n.Content[0]
	}
	return n, nil
}

func (p *layoutParser) yamlErr(err error) error {
	msg := strings.TrimSpace(err.Error())
	if m := layoutYAMLLine().FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return p.errf(line, "invalid YAML: %s; fix the syntax (indentation, quoting, a missing colon)", m[2])
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	return p.errf(1, "invalid YAML: %s; fix the syntax (indentation, quoting, a missing colon)", msg)
}

// layoutDeref follows aliases so anchors can share, say, a role map between stages.
func layoutDeref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		n = n.Alias
	}
	return n
}

// layoutKind names YAML node kinds the way a user writing the file thinks of them.
func layoutKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return "a single value"
	}
	return "not a plain value"
}

// layoutFields walks a mapping, rejecting unknown and repeated keys before fn sees them,
// so a typo can never be silently ignored.
func (p *layoutParser) layoutFields(n *yaml.Node, where string, allowed []string, fn func(key string, k, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return p.errf(n.Line, "%s is %s but must be a map of keys (%s); indent its keys below it", where, layoutKind(n), strings.Join(allowed, ", "))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], layoutDeref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			return p.errf(k.Line, "%s has a key that is not a plain name (merge keys `<<` and complex keys are not supported); write the keys out", where)
		}
		key := k.Value
		if !layoutContains(allowed, key) {
			hint := ""
			if s := layoutSuggest(key, allowed); s != "" {
				hint = fmt.Sprintf("did you mean %q? ", s)
			}
			return p.errf(k.Line, "unknown key %q in %s; %sallowed keys: %s", key, where, hint, strings.Join(allowed, ", "))
		}
		if first, dup := seen[key]; dup {
			return p.errf(k.Line, "key %q appears twice in %s (first on line %d); remove one", key, where, first)
		}
		seen[key] = k.Line
		if v == nil {
			return p.errf(k.Line, "%s: %s has no value; give it one or remove the key", where, key)
		}
		if err := fn(key, k, v); err != nil {
			return err
		}
	}
	return nil
}

func layoutContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// layoutSuggest finds the allowed key a typo most likely meant.
func layoutSuggest(key string, allowed []string) string {
	best, bestD := "", 3
	if len(key) > 64 { // the distance is quadratic, and no allowed key is near a long one
		return ""
	}
	for _, a := range allowed {
		if d := editDistance(strings.ToLower(key), a); d < bestD {
			best, bestD = a, d
		}
	}
	return best
}

// layoutText reads a non-empty single value; numbers and booleans are taken as written.
func (p *layoutParser) layoutText(v *yaml.Node, where string) (string, error) {
	if v.Kind != yaml.ScalarNode {
		return "", p.errf(v.Line, "%s is %s but must be a single value; write it on one line after the colon", where, layoutKind(v))
	}
	if v.Tag == "!!null" || strings.TrimSpace(v.Value) == "" {
		return "", p.errf(v.Line, "%s is empty; give it a value or remove the key", where)
	}
	if strings.ContainsAny(v.Value, "\r\n") {
		return "", p.errf(v.Line, "%s spans several lines; write it on one line", where)
	}
	if strings.TrimSpace(v.Value) != v.Value {
		return "", p.errf(v.Line, "%s %q has leading or trailing spaces; remove them", where, v.Value)
	}
	return v.Value, nil
}

var (
	layoutLabelRE  = lazyregexp.New(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	layoutRegionRE = lazyregexp.New(`^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$`)
	layoutKeyRE    = lazyregexp.New(`^[a-z][a-z0-9_]*$`)
	layoutRoleRE   = layoutCharset{punct: "+=,.@_-", max: 64}
	layoutUserRE   = layoutRoleRE
	// Profile names end up between brackets in an INI file: no spaces, brackets, # or ;.
	layoutProfileRE = layoutCharset{punct: "_.@+,=-", alnumFirst: true}
	layoutDigitsRE  = layoutCharset{digitsOnly: true}
)

// layoutCharset checks names character by character; Render checks thousands of names and
// regexp matching dominated its profile.
type layoutCharset struct {
	punct      string
	max        int
	alnumFirst bool
	digitsOnly bool
}

func (c layoutCharset) MatchString(s string) bool {
	if s == "" || (c.max > 0 && len(s) > c.max) {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		digit := '0' <= b && b <= '9'
		alnum := digit || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z')
		switch {
		case c.digitsOnly:
			if !digit {
				return false
			}
		case alnum:
		case i == 0 && c.alnumFirst:
			return false
		case strings.IndexByte(c.punct, b) < 0:
			return false
		}
	}
	return true
}

var (
	layoutTopKeys     = []string{"namespace", "mode", "region", "source_profile", "mfa_serial", "profile_pattern", "root", "stages", "sso", "env"}
	layoutRootKeys    = []string{"account", "roles", "region", "protected", "duration", "profile", "env"}
	layoutStageKeys   = []string{"name", "account", "ou", "protected", "roles", "region", "duration", "per_user", "profile", "env", "dir", "clusters"}
	layoutModes       = []string{ModeOrganization, ModeAccounts, ModeVirtualRoot}
	layoutSSOKeys     = []string{"start_url", "region", "session"}
	layoutPatternVars = []string{"namespace", "stage", "role", "user", "account", "ou"}
)

// layoutReservedKeys are written by acct itself; letting `profile:` set them would produce a
// section whose meaning differs from what acct list, doctor and the protected check believe.
var layoutReservedKeys = []string{"role_arn", "source_profile", "mfa_serial", "region", "duration_seconds", "credential_process"}

// layoutNodes are the top-level values read after the scalar keys: the root and the stages.
type layoutNodes struct {
	root, stages *yaml.Node
	rootKeyLine  int
}

func (p *layoutParser) layout(top *yaml.Node) (*Layout, error) {
	l := &Layout{}
	var nodes layoutNodes
	err := p.layoutFields(top, "the layout", layoutTopKeys, func(key string, k, v *yaml.Node) error {
		return p.layoutTopKey(l, &nodes, key, k, v)
	})
	if err != nil {
		return nil, err
	}
	if l.Namespace == "" {
		return nil, p.errf(top.Line, "namespace is missing; add e.g. `namespace: cpco` (the label prefix of every profile)")
	}
	if l.Mode == "" {
		return nil, p.errf(top.Line, "mode is missing; add `mode: organization`, `mode: accounts` or `mode: virtual-root`")
	}
	if l.SourceProfile == "" {
		l.SourceProfile = l.Namespace
	}
	if l.SSO != nil && l.SSO.Session == "" {
		l.SSO.Session = l.Namespace
	}
	if l.ProfilePattern == "" {
		l.ProfilePattern = DefaultProfilePattern
	}
	if nodes.root == nil {
		return nil, p.errf(top.Line, "root is missing; add `root: {account: \"123456789012\"}` naming the account that holds the IAM users")
	}
	if l.Root, err = p.layoutStage(l, nodes.root, true); err != nil {
		return nil, err
	}
	l.Root.Line = nodes.rootKeyLine
	if nodes.stages != nil {
		if l.Stages, err = p.layoutStages(l, nodes.stages); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// layoutTopKey reads one top-level key into l, or keeps root and stages for later: they are read
// once every global setting is known.
func (p *layoutParser) layoutTopKey(l *Layout, nodes *layoutNodes, key string, k, v *yaml.Node) error {
	var err error
	switch key {
	case "namespace":
		if l.Namespace, err = p.layoutText(v, "namespace"); err != nil {
			return err
		}
		if !layoutLabelRE().MatchString(l.Namespace) {
			return p.errf(v.Line, "namespace %q is not a label; use lowercase letters, digits and single hyphens, e.g. cpco", l.Namespace)
		}
	case "mode":
		if l.Mode, err = p.layoutText(v, "mode"); err != nil {
			return err
		}
		if !layoutContains(layoutModes, l.Mode) {
			return p.errf(v.Line, "mode %q is unknown; use organization, accounts or virtual-root", l.Mode)
		}
	case "region":
		l.Region, err = p.layoutRegion(v, "region")
	case "source_profile":
		if l.SourceProfile, err = p.layoutText(v, "source_profile"); err != nil {
			return err
		}
		if !layoutProfileRE.MatchString(l.SourceProfile) {
			return p.errf(v.Line, "source_profile %q is not a usable profile name; use letters, digits and - _ . @ + , =", l.SourceProfile)
		}
	case "mfa_serial":
		if l.MFASerial, err = p.layoutText(v, "mfa_serial"); err != nil {
			return err
		}
		l.mfaLine = v.Line
		return p.layoutMFA(v, l.MFASerial)
	case "profile_pattern":
		if l.ProfilePattern, err = p.layoutText(v, "profile_pattern"); err != nil {
			return err
		}
		if err := layoutCheckPattern(l.ProfilePattern); err != nil {
			return p.errf(v.Line, "profile_pattern %q: %v", l.ProfilePattern, err)
		}
		l.patternLine = v.Line
	case "root":
		nodes.root, nodes.rootKeyLine = v, k.Line
	case "stages":
		nodes.stages = v
	case "sso":
		if l.SSO, err = p.layoutSSO(v); err != nil {
			return err
		}
		l.SSO.Line = k.Line
	case "env":
		l.Env, err = p.layoutEnv(v, "env")
	}
	return err
}

// layoutStages reads the stages: list; a stage name may appear once.
func (p *layoutParser) layoutStages(l *Layout, stagesNode *yaml.Node) ([]Stage, error) {
	if stagesNode.Kind != yaml.SequenceNode {
		return nil, p.errf(stagesNode.Line, "stages is %s but must be a list; start each stage with `- name: ...`", layoutKind(stagesNode))
	}
	var out []Stage
	seen := map[string]int{}
	for _, sn := range stagesNode.Content {
		sn = layoutDeref(sn)
		if sn == nil {
			continue
		}
		st, err := p.layoutStage(l, sn, false)
		if err != nil {
			return nil, err
		}
		if first, dup := seen[st.Name]; dup {
			return nil, p.errf(st.Line, "stage %q is defined twice (first on line %d); rename or remove one", st.Name, first)
		}
		seen[st.Name] = st.Line
		out = append(out, st)
	}
	return out, nil
}

// layoutSSO reads `sso: {start_url, region, session}`.
func (p *layoutParser) layoutSSO(v *yaml.Node) (*SSO, error) {
	o := &SSO{}
	err := p.layoutFields(v, "sso", layoutSSOKeys, func(key string, k, v *yaml.Node) error {
		var err error
		switch key {
		case "start_url":
			if o.StartURL, err = p.layoutText(v, "sso start_url"); err != nil {
				return err
			}
			if u, perr := url.Parse(o.StartURL); perr != nil || u.Scheme != "https" || u.Host == "" || strings.ContainsAny(o.StartURL, " \t") {
				return p.errf(v.Line, "sso start_url %q is not an https URL; use the AWS access portal URL, e.g. https://d-1234567890.awsapps.com/start", o.StartURL)
			}
		case "region":
			if o.Region, err = p.layoutRegion(v, "sso region"); err != nil {
				return err
			}
		case "session":
			if o.Session, err = p.layoutText(v, "sso session"); err != nil {
				return err
			}
			if !layoutProfileRE.MatchString(o.Session) {
				return p.errf(v.Line, "sso session %q is not a usable section name; use letters, digits and - _ . @ + , =", o.Session)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case o.StartURL == "":
		return nil, p.errf(v.Line, "sso has no start_url; add e.g. `start_url: https://d-1234567890.awsapps.com/start` (the AWS access portal URL)")
	case o.Region == "":
		return nil, p.errf(v.Line, "sso has no region; add the IAM Identity Center region, e.g. `region: us-east-1`")
	}
	return o, nil
}

func (p *layoutParser) layoutRegion(v *yaml.Node, where string) (string, error) {
	r, err := p.layoutText(v, where)
	if err != nil {
		return "", err
	}
	if !layoutRegionRE().MatchString(r) {
		return "", p.errf(v.Line, "%s %q is not an AWS region; use a region code such as us-east-1 or eu-west-2", where, r)
	}
	return r, nil
}

func (p *layoutParser) layoutMFA(v *yaml.Node, s string) error {
	if strings.ContainsAny(s, " \t") {
		return p.errf(v.Line, "mfa_serial %q contains spaces; use the device ARN, e.g. arn:aws:iam::123456789012:mfa/{user}", s)
	}
	if rest := strings.ReplaceAll(s, "{user}", ""); strings.ContainsAny(rest, "{}") {
		return p.errf(v.Line, "mfa_serial %q has a placeholder other than {user}; only {user} is filled in", s)
	}
	if strings.HasPrefix(s, "arn:") && !strings.Contains(s, ":mfa/") {
		return p.errf(v.Line, "mfa_serial %q is not an MFA device ARN; use arn:aws:iam::ACCOUNT:mfa/NAME", s)
	}
	return nil
}

// layoutCheckPattern rejects patterns whose names could not be profile names.
func layoutCheckPattern(pat string) error {
	if err := layoutCheckVars(pat, layoutPatternVars); err != nil {
		return err
	}
	lit := pat
	for _, v := range layoutPatternVars {
		lit = strings.ReplaceAll(lit, "{"+v+"}", "x")
	}
	if !layoutProfileRE.MatchString(lit) {
		return fault.Errorf(fault.BadInput, "would make names that are not usable profile names; use variables joined by letters, digits or - _ . @ + , =")
	}
	if !strings.Contains(pat, "{stage}") && !strings.Contains(pat, "{account}") {
		return fault.Errorf(fault.BadInput, "names no stage; include {stage}, e.g. %q", DefaultProfilePattern)
	}
	return nil
}

// layoutStageRead is one stage as it is read: what its keys set, and where, for the checks that
// follow.
type layoutStageRead struct {
	st                       Stage
	where                    string // "root", `stage "prod"` or "a stage", for messages
	nameHasUser              bool
	protectedSet             bool
	accountLine, perUserLine int
}

// layoutStage parses a stage, or the root when isRoot, and fills in the defaults of its mode.
func (p *layoutParser) layoutStage(l *Layout, n *yaml.Node, isRoot bool) (Stage, error) {
	r := &layoutStageRead{st: Stage{Line: n.Line}, where: "root"}
	allowed := layoutStageKeys
	if isRoot {
		r.st.Name = RootStage
		allowed = layoutRootKeys
	} else {
		r.where, r.nameHasUser = layoutStageWhere(n)
	}
	err := p.layoutFields(n, r.where, allowed, func(key string, k, v *yaml.Node) error {
		return p.layoutStageKey(r, key, k, v)
	})
	if err != nil {
		return r.st, err
	}
	if err := p.layoutStageCheck(l, n, r, isRoot); err != nil {
		return r.st, err
	}
	st := r.st
	if !isRoot && l.Mode == ModeVirtualRoot {
		// SPEC §1: a virtual stage lives in the root account whatever the file says.
		st.Account = l.Root.Account
	}
	if !r.protectedSet && st.Name == "prod" {
		st.Protected = Protected
	}
	if st.Roles == nil {
		st.Roles = layoutDefaultRoles(l, &st, isRoot)
	}
	if err := layoutCheckRoleNames(st.Roles); err != nil {
		return st, p.errf(n.Line, "%s: default %v; set roles explicitly", r.where, err)
	}
	return st, nil
}

// layoutStageWhere finds a stage's name first, so every later message can say which stage it is
// about.
func layoutStageWhere(n *yaml.Node) (where string, nameHasUser bool) {
	where = "a stage"
	if n.Kind != yaml.MappingNode {
		return where, false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "name" {
			if v := layoutDeref(n.Content[i+1]); v != nil && v.Kind == yaml.ScalarNode {
				where = fmt.Sprintf("stage %q", v.Value)
				nameHasUser = strings.Contains(v.Value, "{user}")
			}
		}
	}
	return where, nameHasUser
}

// layoutStageKey reads one key of a stage.
func (p *layoutParser) layoutStageKey(r *layoutStageRead, key string, k, v *yaml.Node) error {
	st, where := &r.st, r.where
	var err error
	switch key {
	case "name":
		if st.Name, err = p.layoutText(v, "stage name"); err != nil {
			return err
		}
		if st.Name == RootStage {
			return p.errf(v.Line, "stage name root is reserved for the root: section; move its settings there or rename the stage")
		}
		if !layoutLabelRE().MatchString(strings.ReplaceAll(st.Name, "{user}", "u")) {
			return p.errf(v.Line, "stage name %q is not a label; use lowercase letters, digits and single hyphens, optionally {user}, e.g. sandbox-{user}", st.Name)
		}
	case "account":
		st.Account, err = p.layoutAccount(v, where+" account")
		r.accountLine = v.Line
	case "ou":
		if st.OU, err = p.layoutText(v, where+" ou"); err != nil {
			return err
		}
		if !layoutLabelRE().MatchString(st.OU) {
			return p.errf(v.Line, "%s ou %q is not a label; use lowercase letters, digits and single hyphens, e.g. workloads", where, st.OU)
		}
	case "protected":
		if v.Kind != yaml.ScalarNode {
			return p.errf(v.Line, "%s protected is %s; use true, false or always", where, layoutKind(v))
		}
		if st.Protected, err = ParseProtection(v.Value); err != nil {
			return p.errf(v.Line, "%s protected %q is not true, false or always; use one of those", where, v.Value)
		}
		r.protectedSet = true
	case "roles":
		st.Roles, err = p.layoutRoles(v, where, r.nameHasUser)
	case "region":
		st.Region, err = p.layoutRegion(v, where+" region")
	case "duration":
		st.Duration, err = p.layoutDuration(v, where)
	case "per_user":
		st.PerUser, err = p.layoutPerUser(v, where)
		r.perUserLine = k.Line
	case "profile":
		st.Extra, err = p.layoutExtra(v, where)
	case "env":
		st.Env, err = p.layoutEnv(v, where+" env")
	case "dir":
		st.Dir, err = p.layoutDir(v, where)
	case "clusters":
		st.Clusters, err = p.layoutClusters(v, where)
	}
	return err
}

// layoutStageCheck refuses a stage whose keys do not fit together: no name, per_user without
// {user}, no account where the mode needs one.
func (p *layoutParser) layoutStageCheck(l *Layout, n *yaml.Node, r *layoutStageRead, isRoot bool) error {
	st, where := &r.st, r.where
	if st.Name == "" {
		return p.errf(n.Line, "a stage has no name; add `name: <stage>` (e.g. prod) to it")
	}
	perUserName := strings.Contains(st.Name, "{user}")
	if st.PerUser != nil && !perUserName {
		return p.errf(r.perUserLine, "%s has per_user but its name has no {user}; rename it, e.g. %q", where, st.Name+"-{user}")
	}
	if isRoot && st.Account == "" {
		return p.errf(n.Line, "root has no account; add `account: \"123456789012\"` (the account that holds the IAM users)")
	}
	if isRoot || l.Mode == ModeVirtualRoot {
		return nil
	}
	switch {
	case st.Account != "" && st.PerUser != nil:
		return p.errf(r.accountLine, "%s has both account and per_user; keep per_user for one account per user, or account for one shared account", where)
	case st.Account == "" && st.PerUser == nil && perUserName:
		return p.errf(n.Line, "%s has no account; add `account:` for one shared account, or `per_user: {alice: \"123456789012\"}` for one account per user", where)
	case st.Account == "" && st.PerUser == nil:
		return p.errf(n.Line, "%s has no account; add `account: \"123456789012\"` (or use mode: virtual-root for a single account)", where)
	}
	return nil
}

// layoutDefaultRoles applies SPEC §1's per-mode defaults.
func layoutDefaultRoles(l *Layout, st *Stage, isRoot bool) []Role {
	switch {
	case isRoot:
		return []Role{{Label: "admin", Name: l.Namespace + "-root-admin"}}
	case l.Mode == ModeVirtualRoot:
		return append([]Role(nil), l.Root.Roles...)
	case l.Mode == ModeAccounts:
		return []Role{{Label: "admin", Name: l.Namespace + "-" + st.Name + "-admin"}}
	}
	return []Role{{Label: "admin", Name: "OrganizationAccountAccessRole"}}
}

// layoutCheckRoleNames checks role names as they will be once {user} is filled in, catching
// defaults built from long namespaces and stage names.
func layoutCheckRoleNames(roles []Role) error {
	for _, r := range roles {
		// A role with an IAM path is written path/name; each part follows the name rules.
		for _, part := range strings.Split(strings.ReplaceAll(r.Name, "{user}", "u"), "/") {
			if !layoutRoleRE.MatchString(part) {
				return fault.Errorf(fault.BadInput, "role %s name %q is not a valid IAM role name (1-64 of letters, digits, + = , . @ _ -, optionally after a path like team/)", r.Label, r.Name)
			}
		}
	}
	return nil
}

func (p *layoutParser) layoutAccount(v *yaml.Node, where string) (string, error) {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return "", p.errf(v.Line, "%s is %s; write the 12-digit account ID in quotes, e.g. \"123456789012\"", where, layoutKind(v))
	}
	s := v.Value
	quoted := v.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0
	if !layoutDigitsRE.MatchString(s) {
		if !quoted && v.Tag != "!!str" {
			return "", p.errf(v.Line, "%s %s is a YAML number, not a 12-digit account ID; write the ID in quotes, e.g. \"123456789012\"", where, s)
		}
		return "", p.errf(v.Line, "%s %q is not a 12-digit account ID; use only the 12 digits, e.g. \"123456789012\"", where, s)
	}
	if len(s) == 12 {
		return s, nil
	}
	if !quoted && len(s) < 12 {
		return "", p.errf(v.Line, "%s %s has %d digits; if the ID starts with zeros YAML dropped them: write all 12 digits in quotes, e.g. \"%012s\"", where, s, len(s), s)
	}
	return "", p.errf(v.Line, "%s %q has %d digits; AWS account IDs have exactly 12", where, s, len(s))
}

func (p *layoutParser) layoutRoles(v *yaml.Node, where string, perUser bool) ([]Role, error) {
	if v.Kind == yaml.MappingNode && len(v.Content) == 0 {
		return nil, p.errf(v.Line, "%s roles is empty; list at least one, e.g. {admin: OrganizationAccountAccessRole}, or remove roles for the default", where)
	}
	var roles []Role
	err := p.layoutAnyFields(v, where+" roles", "a map of label to IAM role name, e.g. {admin: OrganizationAccountAccessRole}", func(k, rv *yaml.Node) error {
		if !layoutLabelRE().MatchString(k.Value) {
			return p.errf(k.Line, "%s role label %q is not a label; use lowercase letters, digits and single hyphens, e.g. admin or readonly", where, k.Value)
		}
		name, err := p.layoutText(rv, fmt.Sprintf("%s role %s", where, k.Value))
		if err != nil {
			return err
		}
		if err := layoutCheckRoleNames([]Role{{Label: k.Value, Name: name}}); err != nil {
			return p.errf(rv.Line, "%s: %v; use the role name IAM shows", where, err)
		}
		if strings.Contains(name, "{user}") && !perUser {
			return p.errf(rv.Line, "%s role %s uses {user} but the stage name has none; remove {user} or add it to the stage name", where, k.Value)
		}
		roles = append(roles, Role{Label: k.Value, Name: name})
		return nil
	})
	return roles, err
}

// layoutAnyFields walks a mapping with free-form keys (roles, per_user, profile), still refusing
// repeats, which YAML itself leaves to the application.
func (p *layoutParser) layoutAnyFields(v *yaml.Node, where, want string, fn func(k, v *yaml.Node) error) error {
	if v.Kind != yaml.MappingNode {
		return p.errf(v.Line, "%s is %s but must be %s", where, layoutKind(v), want)
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], layoutDeref(v.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" || val == nil {
			return p.errf(k.Line, "%s has a key that is not a plain name (merge keys `<<` and complex keys are not supported); write the keys out", where)
		}
		if first, dup := seen[k.Value]; dup {
			return p.errf(k.Line, "%s lists %q twice (first on line %d); remove one", where, k.Value, first)
		}
		seen[k.Value] = k.Line
		if err := fn(k, val); err != nil {
			return err
		}
	}
	return nil
}

func (p *layoutParser) layoutDuration(v *yaml.Node, where string) (time.Duration, error) {
	s, err := p.layoutText(v, where+" duration")
	if err != nil {
		return 0, err
	}
	d, perr := time.ParseDuration(s)
	if perr != nil {
		return 0, p.errf(v.Line, "%s duration %q is not a duration; write it like 1h or 90m", where, s)
	}
	if d < 15*time.Minute || d > 12*time.Hour {
		return 0, p.errf(v.Line, "%s duration %s is outside what AWS allows; use between 15m and 12h", where, s)
	}
	if d%time.Second != 0 {
		return 0, p.errf(v.Line, "%s duration %s is not a whole number of seconds; round it, e.g. 1h", where, s)
	}
	return d, nil
}

func (p *layoutParser) layoutPerUser(v *yaml.Node, where string) (map[string]string, error) {
	if v.Kind == yaml.MappingNode && len(v.Content) == 0 {
		return nil, p.errf(v.Line, "%s per_user is empty; list users, e.g. {alice: \"123456789012\"}, or remove it", where)
	}
	m := map[string]string{}
	err := p.layoutAnyFields(v, where+" per_user", "a map of user to account ID, e.g. {alice: \"123456789012\"}", func(k, av *yaml.Node) error {
		if !layoutUserRE.MatchString(k.Value) {
			return p.errf(k.Line, "%s per_user user %q is not an IAM user name; use 1-64 of letters, digits, + = , . @ _ -", where, k.Value)
		}
		acct, err := p.layoutAccount(av, fmt.Sprintf("%s per_user %s", where, k.Value))
		if err != nil {
			return err
		}
		m[k.Value] = acct
		return nil
	})
	return m, err
}

func (p *layoutParser) layoutExtra(v *yaml.Node, where string) ([]Key, error) {
	var keys []Key
	err := p.layoutAnyFields(v, where+" profile", "a map of extra profile keys, e.g. {output: json}", func(k, kv *yaml.Node) error {
		if layoutContains(layoutReservedKeys, k.Value) {
			return p.errf(k.Line, "%s profile sets %s, which acct writes itself; use the layout's own keys (account, roles, region, duration, mfa_serial, source_profile) instead", where, k.Value)
		}
		if strings.HasPrefix(k.Value, "acct_") {
			return p.errf(k.Line, "%s profile key %q uses the acct_ prefix reserved for acct; rename it", where, k.Value)
		}
		if !layoutKeyRE().MatchString(k.Value) {
			return p.errf(k.Line, "%s profile key %q is not a config key name; use lowercase letters, digits and _, e.g. output", where, k.Value)
		}
		val, err := p.layoutText(kv, fmt.Sprintf("%s profile %s", where, k.Value))
		if err != nil {
			return err
		}
		keys = append(keys, Key{Name: k.Value, Value: val})
		return nil
	})
	return keys, err
}

// layoutSortedUsers gives per_user expansion a stable order; Go maps have none.
func layoutSortedUsers(m map[string]string) []string {
	users := make([]string, 0, len(m))
	for u := range m {
		users = append(users, u)
	}
	sort.Strings(users)
	return users
}
