package profiles

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/acct-cli/acct/internal/fault"
)

// Style is how a rendered profile gets its credentials.
type Style int

const (
	// Native profiles use role_arn, source_profile and mfa_serial, read by every AWS tool.
	Native Style = iota
	// CredentialProcess profiles call `acct credential-process`, so all tools share acct's cache
	// and its single MFA prompt.
	CredentialProcess
)

// String gives the spelling of the --style flag.
func (s Style) String() string {
	switch s {
	case Native:
		return "native"
	case CredentialProcess:
		return "credential-process"
	}
	return "Style(" + strconv.Itoa(int(s)) + ")"
}

// ParseStyle reads "native" or "credential-process".
func ParseStyle(s string) (Style, error) {
	switch s {
	case "native", "":
		return Native, nil
	case "credential-process":
		return CredentialProcess, nil
	}
	return Native, fault.Errorf(fault.BadInput, "style %q is unknown; use native or credential-process", s)
}

// RenderOptions choose whose profiles are rendered and how.
type RenderOptions struct {
	User       string // fills {user}; empty renders every per_user entry
	Style      Style
	Executable string // command used in credential_process, default "acct"
}

// A Profile is one [profile NAME] section acct writes, with what acct knows about it. With
// Section set it is another kind of section instead: "sso-session" writes [sso-session NAME]
// (no `# acct:` comment; it is not a profile, so callers listing profiles skip it).
type Profile struct {
	Name                                string
	Section                             string // "" for a profile; SectionSSOSession
	Namespace, Stage, OU, Role, Account string
	Protected                           Protection
	Keys                                []Key // in write order: region, role_arn, mfa_serial, source_profile, ...
	StageEnv                                  // written into the `# acct:` comment, read back by Resolve
}

// SectionSSOSession is Profile.Section of the [sso-session NAME] section of a layout with sso:.
const SectionSSOSession = "sso-session"

// SSORegistrationScopes is what acct's [sso-session] asks the portal for: listing and using the
// user's account assignments, nothing more.
const SSORegistrationScopes = "sso:account:access"

// Credential-process profiles carry their role keys as acct_NAME (resolveAcctPrefix) for acct's
// own config reader: AWS tools ignore unknown keys, and plain role_arn/source_profile would make
// them bypass credential_process.

// renderTarget is one stage as rendered: a per_user stage becomes one target per user.
type renderTarget struct {
	st      *Stage
	name    string // stage name with {user} filled
	user    string
	account string
}

type renderOwner struct {
	st          *Stage
	stage, role string
}

// renderRun is what every profile of one Render shares.
type renderRun struct {
	l       *Layout
	o       RenderOptions
	errf    func(line int, format string, args ...any) error
	exe     string // the acct executable credential_process calls
	pattern string // profile_pattern, or the default
	source  string // source_profile of every role profile
	mfa     string // mfa_serial with {user} filled; "" with SSO
	owners  map[string]renderOwner
}

// Render turns a layout into profiles: the root first, then the stages in file order, each
// stage's roles in file order. It fails, writing nothing, on names that collide.
func Render(l *Layout, o RenderOptions) ([]Profile, error) {
	r, err := newRenderRun(l, o)
	if err != nil {
		return nil, err
	}
	targets, err := renderTargets(l, o.User, r.errf)
	if err != nil {
		return nil, err
	}
	out := make([]Profile, 0, len(targets)*2+1)
	r.owners = make(map[string]renderOwner, len(targets)*2)
	if l.SSO != nil {
		out = append(out, renderSSOSession(l))
	}
	for _, t := range targets {
		if out, err = r.stage(out, t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// newRenderRun checks the options and settles what every profile shares.
func newRenderRun(l *Layout, o RenderOptions) (*renderRun, error) {
	if l == nil {
		return nil, fault.Errorf(fault.BadInput, "layout: nothing loaded; load a layout file first")
	}
	file := l.File
	if file == "" {
		file = "(unnamed)"
	}
	r := &renderRun{l: l, o: o, exe: o.Executable, pattern: l.ProfilePattern, source: l.SourceProfile, mfa: l.MFASerial}
	r.errf = func(line int, format string, args ...any) error {
		return fault.Errorf(fault.BadInput, "layout %s line %d: %s", file, max(line, 1), fmt.Sprintf(format, args...))
	}
	if o.User != "" && !layoutUserRE.MatchString(o.User) {
		return nil, fault.Errorf(fault.BadInput, "layout %s: --user %q is not an IAM user name; use 1-64 of letters, digits, + = , . @ _ -", file, o.User)
	}
	if o.Style != Native && o.Style != CredentialProcess {
		return nil, fault.Errorf(fault.BadInput, "layout %s: style %v is unknown; use native or credential-process", file, o.Style)
	}
	if r.exe == "" {
		r.exe = "acct"
	}
	if r.pattern == "" {
		r.pattern = DefaultProfilePattern
	} else if err := layoutCheckPattern(r.pattern); err != nil {
		return nil, r.errf(l.patternLine, "profile_pattern %q: %v", r.pattern, err)
	}
	if r.source == "" {
		r.source = l.Namespace
	}
	if l.SSO != nil {
		// SSO profiles get their credentials from the portal: no IAM user, no MFA device.
		r.mfa = ""
	} else if strings.Contains(r.mfa, "{user}") {
		if o.User == "" {
			return nil, r.errf(l.mfaLine, "mfa_serial %q needs a user name; pass --user NAME (your IAM user)", r.mfa)
		}
		r.mfa = strings.ReplaceAll(r.mfa, "{user}", o.User)
	}
	return r, nil
}

// stage appends the profiles of one target, one per role.
func (r *renderRun) stage(out []Profile, t renderTarget) ([]Profile, error) {
	l, st := r.l, t.st
	roles := st.Roles
	if len(roles) == 0 {
		roles = layoutDefaultRoles(l, st, st == &l.Root)
	}
	region := st.Region
	if region == "" {
		region = l.Region
	}
	for _, role := range roles {
		if role.Label == "" || role.Name == "" {
			return nil, r.errf(st.Line, "stage %q has a role without a label or name; give both, e.g. {admin: OrganizationAccountAccessRole}", t.name)
		}
		roleName := strings.ReplaceAll(role.Name, "{user}", t.user)
		if err := layoutCheckRoleNames([]Role{{Label: role.Label, Name: roleName}}); err != nil {
			return nil, r.errf(st.Line, "stage %q: %v; fix the stage's roles", t.name, err)
		}
		name, err := r.name(t, role.Label)
		if err != nil {
			return nil, err
		}
		keys := make([]Key, 0, 6+len(st.Extra))
		if region != "" {
			keys = append(keys, Key{"region", region})
		}
		keys = r.credentialKeys(keys, t, region, roleName, name)
		keys = append(keys, st.Extra...)
		env, err := renderStageEnv(l, st, renderVars{
			namespace: l.Namespace, stage: t.name, role: role.Label, user: r.user(t),
			account: t.account, ou: st.OU, region: region,
		})
		if err != nil {
			return nil, r.errf(st.Line, "stage %q: %v", t.name, err)
		}
		out = append(out, Profile{
			Name: name, Namespace: l.Namespace, Stage: t.name, OU: st.OU, Role: role.Label,
			Account: t.account, Protected: st.Protected, Keys: keys, StageEnv: env,
		})
	}
	return out, nil
}

// name is the profile name of one role of a target, refused when the config cannot hold it or
// another role or stage already makes it.
func (r *renderRun) name(t renderTarget, label string) (string, error) {
	l, st := r.l, t.st
	name, err := renderName(r.pattern, renderVars{
		namespace: l.Namespace, stage: t.name, role: label,
		user: r.user(t), account: t.account, ou: st.OU,
	})
	if err != nil {
		return "", r.errf(l.patternLine, "profile_pattern %q for stage %q role %s: %v", r.pattern, t.name, label, err)
	}
	if !layoutProfileRE.MatchString(name) {
		return "", r.errf(st.Line, "stage %q role %s makes profile name %q, which the AWS config cannot hold; change the names or profile_pattern", t.name, label, name)
	}
	if prev, dup := r.owners[name]; dup {
		if prev.st == st && prev.stage == t.name {
			return "", r.errf(st.Line, "stage %q roles %s and %s both make profile %q; add {role} to profile_pattern, e.g. %q", t.name, prev.role, label, name, DefaultProfilePattern)
		}
		return "", r.errf(st.Line, "stages %q (line %d) and %q (line %d) both make profile %q; include {stage} and {role} in profile_pattern, e.g. %q, or rename a stage", prev.st.Name, prev.st.Line, st.Name, st.Line, name, DefaultProfilePattern)
	}
	if name == r.source && l.SSO == nil {
		return "", r.errf(st.Line, "stage %q role %s makes profile %q, the same as source_profile, so it would assume a role with its own credentials; change profile_pattern or source_profile", t.name, label, name)
	}
	r.owners[name] = renderOwner{st: st, stage: t.name, role: label}
	return name, nil
}

// user is {user} for a target: its own for a per-user stage, else --user.
func (r *renderRun) user(t renderTarget) string {
	if t.user != "" {
		return t.user
	}
	return r.o.User
}

// credentialKeys appends the keys that say how profile name gets its credentials: the SSO
// permission set, acct credential-process with acct_ keys, or the native role keys.
func (r *renderRun) credentialKeys(keys []Key, t renderTarget, region, roleName, name string) []Key {
	if r.l.SSO != nil {
		return renderSSOKeys(keys, r.l.SSO.Session, t.account, roleName, name, r.exe, r.o.Style)
	}
	prefix := ""
	if r.o.Style == CredentialProcess {
		keys = append(keys, Key{"credential_process", renderCommand(r.exe) + " credential-process " + name})
		prefix = resolveAcctPrefix
	}
	keys = append(keys, Key{prefix + "role_arn", "arn:" + Partition(region) + ":iam::" + t.account + ":role/" + roleName})
	if r.mfa != "" {
		keys = append(keys, Key{prefix + "mfa_serial", r.mfa})
	}
	keys = append(keys, Key{prefix + "source_profile", r.source})
	if d := t.st.Duration; d > 0 {
		keys = append(keys, Key{prefix + "duration_seconds", strconv.FormatInt(int64(d.Seconds()), 10)})
	}
	return keys
}

// renderTargets expands per-user stages and settles each stage's account.
func renderTargets(l *Layout, user string, errf func(int, string, ...any) error) ([]renderTarget, error) {
	if !layoutAccountOK(l.Root.Account) {
		return nil, errf(l.Root.Line, "root account %q is not a 12-digit account ID; fix root.account", l.Root.Account)
	}
	ts := make([]renderTarget, 0, len(l.Stages)+1)
	ts = append(ts, renderTarget{st: &l.Root, name: RootStage, account: l.Root.Account})
	virtual := l.Mode == ModeVirtualRoot
	for i := range l.Stages {
		st := &l.Stages[i]
		account := st.Account
		if virtual {
			account = l.Root.Account
		}
		if !strings.Contains(st.Name, "{user}") {
			if !layoutAccountOK(account) {
				return nil, errf(st.Line, "stage %q account %q is not a 12-digit account ID; fix its account", st.Name, account)
			}
			ts = append(ts, renderTarget{st: st, name: st.Name, account: account})
			continue
		}
		var users []string
		switch {
		case len(st.PerUser) > 0 && user != "":
			if _, ok := st.PerUser[user]; ok {
				users = []string{user}
			}
			// A user without an entry simply has no such account yet; that is not an error.
		case len(st.PerUser) > 0:
			users = layoutSortedUsers(st.PerUser)
		case user != "":
			users = []string{user}
		default:
			return nil, errf(st.Line, "stage %q is named per user but lists no users in per_user; pass --user NAME", st.Name)
		}
		for _, u := range users {
			acc := account
			if !virtual && len(st.PerUser) > 0 {
				acc = st.PerUser[u]
			}
			if !layoutAccountOK(acc) {
				return nil, errf(st.Line, "stage %q account %q for user %s is not a 12-digit account ID; fix it", st.Name, acc, u)
			}
			ts = append(ts, renderTarget{st: st, name: strings.ReplaceAll(st.Name, "{user}", u), user: u, account: acc})
		}
	}
	return ts, nil
}

func layoutAccountOK(s string) bool {
	return len(s) == 12 && layoutDigitsRE.MatchString(s)
}

// renderVars are the values of the variables of profile_pattern, env: and dir: for one profile.
type renderVars struct{ namespace, stage, role, user, account, ou, region string }

func (v renderVars) get(name string) (string, bool) {
	switch name {
	case "namespace":
		return v.namespace, true
	case "stage":
		return v.stage, true
	case "role":
		return v.role, true
	case "user":
		return v.user, true
	case "account":
		return v.account, true
	case "ou":
		return v.ou, true
	case "region":
		return v.region, true
	}
	return "", false
}

// renderName fills the pattern. When a variable is empty (a stage without an OU) the
// separators around it would double up, so runs of '-' are folded; labels never hold "--".
func renderName(pattern string, vars renderVars) (string, error) {
	s, empty, err := renderFill(pattern, vars)
	if err != nil {
		return "", err
	}
	if empty {
		for strings.Contains(s, "--") {
			s = strings.ReplaceAll(s, "--", "-")
		}
		s = strings.Trim(s, "-")
	}
	return s, nil
}

// renderFill replaces the {variables} of s with their values; empty says whether one of them
// had none. {user} without a user is an error: the result would name nobody.
func renderFill(s string, vars renderVars) (filled string, empty bool, err error) {
	var b strings.Builder
	rest := s
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return "", false, fault.Errorf(fault.BadInput, "has a `{` without `}`; write variables as {stage}")
		}
		b.WriteString(rest[:i])
		name := rest[i+1 : i+j]
		v, ok := vars.get(name)
		if !ok {
			return "", false, fault.Errorf(fault.BadInput, "unknown variable {%s}; use {namespace}, {stage}, {role}, {user}, {account} or {ou}", name)
		}
		if v == "" {
			if name == "user" {
				return "", false, fault.Errorf(fault.BadInput, "{user} needs a user name; pass --user NAME")
			}
			empty = true
		}
		b.WriteString(v)
		rest = rest[i+j+1:]
	}
	return b.String(), empty, nil
}

// Partition is the AWS partition of region: GovCloud and China layouts get role ARNs their STS
// accepts, and their Organizations calls go to their partition's endpoint.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// renderCommand quotes the executable the way the AWS CLI and SDKs split credential_process.
func renderCommand(exe string) string {
	if !strings.ContainsAny(exe, " \t\"'\\") {
		return exe
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(exe) + `"`
}

// renderSSOSession is the [sso-session NAME] section of a layout with sso:, in the form the AWS
// CLI v2 and the SDKs read (token refresh through the registration scopes).
func renderSSOSession(l *Layout) Profile {
	return Profile{
		Name: l.SSO.Session, Section: SectionSSOSession, Namespace: l.Namespace,
		Keys: []Key{
			{"sso_start_url", l.SSO.StartURL},
			{"sso_region", l.SSO.Region},
			{"sso_registration_scopes", SSORegistrationScopes},
		},
	}
}

// renderSSOKeys appends the keys of an SSO profile: sso_session, sso_account_id, sso_role_name
// (the permission set); with --style credential-process they go under acct_ names after
// credential_process, as the role keys do.
func renderSSOKeys(keys []Key, session, account, role, name, exe string, style Style) []Key {
	prefix := ""
	if style == CredentialProcess {
		keys = append(keys, Key{"credential_process", renderCommand(exe) + " credential-process " + name})
		prefix = resolveAcctPrefix
	}
	return append(keys,
		Key{prefix + "sso_session", session},
		Key{prefix + "sso_account_id", account},
		Key{prefix + "sso_role_name", role},
	)
}

// SSOAssignment is one account and permission set the SSO portal lets the user use
// (ListAccounts + ListAccountRoles).
type SSOAssignment struct {
	AccountID, AccountName, RoleName string
}

// RenderSSODiscovered renders l (which must have sso:) and adds a profile for every assignment
// the layout does not already render. Its name follows profile_pattern: {stage} is the layout's
// stage for that account, else the account name made label-safe; {role} is the layout's label for
// that permission set, else the permission set name made label-safe.
func RenderSSODiscovered(l *Layout, o RenderOptions, found []SSOAssignment) ([]Profile, error) {
	if l == nil || l.SSO == nil {
		return nil, fault.Errorf(fault.BadInput, "layout: no sso: section; add `sso: {start_url: ..., region: ...}` to use --sso-discover")
	}
	ps, err := Render(l, o)
	if err != nil {
		return nil, err
	}
	r, err := newRenderRun(l, o)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}  // account/role already rendered
	names := map[string]bool{} // profile and section names in use
	for _, p := range ps {
		names[p.Section+" "+p.Name] = true
		if p.Section == "" {
			for _, k := range p.Keys {
				if strings.HasSuffix(k.Name, "sso_role_name") {
					have[p.Account+"/"+k.Value] = true
				}
			}
		}
	}
	byAccount := renderStagesByAccount(l)
	for _, a := range found {
		if have[a.AccountID+"/"+a.RoleName] || !layoutAccountOK(a.AccountID) {
			continue
		}
		have[a.AccountID+"/"+a.RoleName] = true
		if p, ok := r.discovered(a, byAccount[a.AccountID], names); ok {
			ps = append(ps, p)
		}
	}
	return ps, nil
}

// renderStagesByAccount is the first stage of each account; per-user stages name no one account.
func renderStagesByAccount(l *Layout) map[string]*Stage {
	byAccount := map[string]*Stage{}
	stages := []*Stage{&l.Root}
	for i := range l.Stages {
		stages = append(stages, &l.Stages[i])
	}
	for _, st := range stages {
		if st.Account != "" && !strings.Contains(st.Name, "{user}") {
			if _, ok := byAccount[st.Account]; !ok {
				byAccount[st.Account] = st
			}
		}
	}
	return byAccount
}

// discovered is the profile of an assignment the layout does not render, named after its stage
// st (nil when the layout has no stage for the account); false when no free name is left.
func (r *renderRun) discovered(a SSOAssignment, st *Stage, names map[string]bool) (Profile, bool) {
	l := r.l
	stage, ou, region, prot := RenderLabel(a.AccountName), "", l.Region, Unprotected
	label := RenderLabel(a.RoleName)
	var extra []Key
	if st != nil {
		stage, ou, prot, extra = st.Name, st.OU, st.Protected, st.Extra
		if st.Region != "" {
			region = st.Region
		}
		for _, role := range st.Roles {
			if role.Name == a.RoleName {
				label = role.Label
			}
		}
	}
	if stage == "" {
		stage = a.AccountID
	}
	name, err := renderName(r.pattern, renderVars{namespace: l.Namespace, stage: stage, role: label, user: r.o.User, account: a.AccountID, ou: ou})
	if err != nil || !layoutProfileRE.MatchString(name) {
		// {user} without --user, or a name the config cannot hold: fall back to a plain one.
		name = l.Namespace + "-" + stage + "-" + label
	}
	if names[" "+name] {
		name += "-" + a.AccountID
	}
	if names[" "+name] {
		return Profile{}, false
	}
	names[" "+name] = true
	keys := []Key{}
	if region != "" {
		keys = append(keys, Key{"region", region})
	}
	keys = renderSSOKeys(keys, l.SSO.Session, a.AccountID, a.RoleName, name, r.exe, r.o.Style)
	keys = append(keys, extra...)
	return Profile{Name: name, Namespace: l.Namespace, Stage: stage, OU: ou, Role: label,
		Account: a.AccountID, Protected: prot, Keys: keys}, true
}

// RenderLabel makes a label of free text (an account name, a permission set): lowercase letters,
// digits and single hyphens.
func RenderLabel(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}
