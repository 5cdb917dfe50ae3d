package profiles

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/acct-cli/acct/internal/lazyregexp"
)

// ChainRole is one role assumption of a Chain.
type ChainRole struct {
	Profile     string // the profile whose role_arn this is
	ARN         string
	SessionName string // role_session_name; empty lets the caller choose
	ExternalID  string
	MFASerial   string // this profile's own mfa_serial, if any
	Duration    time.Duration
}

// Chain is a profile resolved by the AWS shared-config rules: long-lived credentials of Source
// (keyring, or SourceProcess), an optional MFA session, then Roles in order.
type Chain struct {
	Profile                       string // the name asked for
	Region                        string
	EndpointURL                   string // endpoint_url of the profile asked for; AWS_ENDPOINT_URL* override it
	Namespace, Stage, OU, Account string
	Protected                     Protection
	Source                        string // profile whose long-lived keys are in the keyring (end of source_profile chain)
	SourceProcess                 string // credential_process of the source, when it is not acct itself
	MFASerial                     string
	MFAProcess                    string
	Roles                         []ChainRole // Roles[0] is assumed with the source's credentials, Roles[i] with Roles[i-1]'s

	// IAM Identity Center: set when the chain starts at a profile with sso_account_id (the
	// credentials come from the portal's GetRoleCredentials, not from keys; Source is then "").
	SSOProfile   string // the profile holding sso_account_id / sso_role_name
	SSOSession   string // sso_session, "" for a legacy profile with sso_start_url
	SSOStartURL  string // from the [sso-session] section, or the legacy profile's sso_start_url
	SSORegion    string
	SSOAccountID string
	SSORoleName  string

	StageEnv // the profile's stage's variables, directory and clusters
}

// NotFoundError is a profile name that is not in the config.
type NotFoundError struct {
	Name        string
	Path        string
	Suggestions []string // up to 3 close names
}

func (e *NotFoundError) Error() string {
	if len(e.Suggestions) > 0 {
		return fmt.Sprintf("profile %q not found; did you mean %s?", e.Name, strings.Join(e.Suggestions, ", "))
	}
	return fmt.Sprintf("profile %q not found in %s; run acct list to see the profiles, or acct generate to create them", e.Name, e.Path)
}

func (e *NotFoundError) Is(target error) bool { return target == ErrProfileNotFound }

// Unwrap gives the error ErrProfileNotFound's kind (bad input) for fault.Of.
func (e *NotFoundError) Unwrap() error { return ErrProfileNotFound }

// resolveRoleARN accepts IAM role ARNs of every partition, with paths.
var resolveRoleARN = lazyregexp.New(`^arn:aws(-[a-z]+)*:iam::[0-9]{12}:role/[\w+=,.@/-]+$`)

// resolveAcctKeys are the keys credential-process profiles carry as acct_NAME (render.go), so
// that AWS tools do not act on them; acct reads them as NAME.
const resolveAcctPrefix = "acct_"

// Resolve follows the AWS shared-config rules from the profile called name down to the profile
// whose long-lived credentials start the chain:
//   - a profile with role_arn assumes that role with the credentials of its source_profile;
//     source_profile may itself have role_arn (A -> B -> C), each hop being one role;
//   - a profile with role_arn whose source_profile is itself uses its own keys or
//     credential_process as the source (the AWS rule for that case). Only the profile asked for
//     assumes its own role that way: as the source of another profile, it is just its keys (the
//     AWS CLI's static keys win over role_arn in a source);
//   - the chain ends at a profile without role_arn, or at a source_profile that has no section:
//     acct keeps that profile's keys in the keyring under its name;
//   - a source's credential_process becomes SourceProcess (and Source stays empty: the keyring is
//     not asked), unless it is acct's own `credential-process` for that same profile (which would
//     call itself);
//   - region comes from the profile asked for, else the first hop down the chain that has one;
//     mfa_serial from the first role profile down the chain that has one, else the source;
//     mfa_process (acct's extension) likewise; endpoint_url from the profile asked for only, as
//     the SDKs read it;
//   - include_profile (acct's extension) copies the keys a profile does not set from the named one;
//   - with a credential_process that runs `acct credential-process`, acct_role_arn,
//     acct_source_profile, acct_mfa_serial, acct_duration_seconds (any acct_ key) read as the
//     plain key when the plain one is absent.
func (c *Config) Resolve(name string) (*Chain, error) {
	return c.Resolver().Resolve(name)
}

// setSource makes profile name, with keys, the start of the chain: its credential_process when it
// has one of its own, else its keys in the keyring.
func (ch *Chain) setSource(name string, keys map[string]string) {
	if ch.SourceProcess = resolveSourceProcess(name, keys["credential_process"]); ch.SourceProcess == "" {
		ch.Source = name
	}
}

// SourcedAt is the chain started by the keys of Roles[i]'s own profile instead of its role: the
// AWS CLI takes a source profile's keys before its role_arn, and which profiles hold keys is known
// only to the keyring (session.NewProvider asks it). The roles up to i go; the MFA device is the
// first one left down from the top, else that profile's own.
func (ch *Chain) SourcedAt(i int) *Chain {
	c := *ch
	p := ch.Roles[i]
	c.Source, c.SourceProcess = p.Profile, ""
	c.Roles = append([]ChainRole(nil), ch.Roles[i+1:]...)
	c.MFASerial = p.MFASerial
	for j := len(c.Roles) - 1; j >= 0; j-- {
		if c.Roles[j].MFASerial != "" {
			c.MFASerial = c.Roles[j].MFASerial
			break
		}
	}
	return &c
}

// resolveRole is the role profile cur assumes, as its keys describe it.
func (c *Config) resolveRole(cur string, line int, keys map[string]string) (ChainRole, error) {
	arn := keys["role_arn"]
	if !resolveRoleARN().MatchString(arn) {
		return ChainRole{}, c.resolveErr(line, fmt.Sprintf("profile %s: role_arn %q is not an IAM role ARN", cur, arn),
			"write arn:aws:iam::ACCOUNT:role/NAME", ErrBadRoleARN)
	}
	r := ChainRole{Profile: cur, ARN: arn, SessionName: keys["role_session_name"], ExternalID: keys["external_id"], MFASerial: keys["mfa_serial"]}
	if d := keys["duration_seconds"]; d != "" {
		n, err := strconv.Atoi(strings.TrimSpace(d))
		if err != nil || n < 900 || n > 43200 {
			return ChainRole{}, c.resolveErr(line, fmt.Sprintf("profile %s: duration_seconds %q is not a number of seconds from 900 to 43200", cur, d),
				"write e.g. duration_seconds=3600", ErrBadDuration)
		}
		r.Duration = time.Duration(n) * time.Second
	}
	return r, nil
}

// resolveSourceProfile is the source_profile of role profile cur, refused when it is missing
// (credential_source is not supported). Cycles are the walk's to find (resolver.go).
func (c *Config) resolveSourceProfile(cur string, line int, keys map[string]string) (string, error) {
	src := keys["source_profile"]
	if src == "" {
		if cs := keys["credential_source"]; cs != "" {
			return "", c.resolveErr(line, fmt.Sprintf("profile %s: credential_source=%s is not supported by acct", cur, cs),
				CredentialSourceFix, ErrUnsupported)
		}
		return "", c.resolveErr(line, fmt.Sprintf("profile %s has role_arn but no source_profile", cur),
			"add source_profile=NAME, the profile whose keys acct keeps (acct add NAME)", ErrMissingSource)
	}
	return src, nil
}

// resolvePath is the profiles a walk down an include_profile chain has visited, in order, with
// their places for the cycle check: a chain of n hops costs n steps, not n*n/2.
type resolvePath struct {
	order []string
	at    map[string]int
}

// resolveStepHook, when set by a test, is called at every step of a walk: a test counts the
// steps to keep resolution linear.
var resolveStepHook func()

func newResolvePath(first string) *resolvePath {
	p := &resolvePath{at: map[string]int{}}
	p.add(first)
	return p
}

func (p *resolvePath) add(name string) {
	if resolveStepHook != nil {
		resolveStepHook()
	}
	p.at[name] = len(p.order)
	p.order = append(p.order, name)
}

// cycle is the loop "a -> b -> a" that going on to name would close, if it would.
func (p *resolvePath) cycle(name string) (string, bool) {
	i, ok := p.at[name]
	if !ok {
		return "", false
	}
	return strings.Join(append(append([]string(nil), p.order[i:]...), name), " -> "), true
}

// CredentialSourceFix is what to do instead of credential_source, which acct does not support:
// the EC2 metadata, ECS container and environment sources it names are for code running on AWS,
// not for a person at a terminal.
const CredentialSourceFix = "use source_profile=NAME with keys stored by acct add NAME (or credential_process), instead of credential_source"

// resolveSSO fills the SSO fields of ch from profile cur, following sso_session to its
// [sso-session NAME] section (keys on the profile itself win, as in the AWS CLI).
func (c *Config) resolveSSO(ch *Chain, cur string, line int, keys map[string]string) error {
	ch.SSOProfile = cur
	ch.SSOSession = keys["sso_session"]
	ch.SSOAccountID = keys["sso_account_id"]
	ch.SSORoleName = keys["sso_role_name"]
	ch.SSOStartURL = keys["sso_start_url"]
	ch.SSORegion = keys["sso_region"]
	if ch.SSOSession != "" {
		sec, ok := c.SSOSession(ch.SSOSession)
		if !ok {
			return c.resolveErr(line, fmt.Sprintf("profile %s: sso_session %s has no [sso-session %s] section", cur, ch.SSOSession, ch.SSOSession),
				"add the section (acct generate writes it from the layout's sso:) or fix the name", ErrBadSSO)
		}
		if sec.StartURL != "" {
			ch.SSOStartURL = sec.StartURL
		}
		if sec.Region != "" {
			ch.SSORegion = sec.Region
		}
	}
	switch {
	case ch.SSOStartURL == "":
		return c.resolveErr(line, fmt.Sprintf("profile %s has SSO keys but no sso_start_url", cur), "add sso_session=NAME with an [sso-session NAME] section", ErrBadSSO)
	case ch.SSORegion == "":
		return c.resolveErr(line, fmt.Sprintf("profile %s has SSO keys but no sso_region", cur), "add sso_region to its [sso-session] section", ErrBadSSO)
	case ch.SSOAccountID == "" || ch.SSORoleName == "":
		return c.resolveErr(line, fmt.Sprintf("profile %s has SSO keys but no sso_account_id and sso_role_name", cur), "add both (the account and the permission set to use)", ErrBadSSO)
	}
	return nil
}

// SSOSessionInfo is an [sso-session NAME] section of the config.
type SSOSessionInfo struct {
	Name, StartURL, Region, Scopes string
	Line                           int
}

// SSOSession finds the [sso-session NAME] section.
func (c *Config) SSOSession(name string) (SSOSessionInfo, bool) {
	for _, s := range c.SSOSessions() {
		if s.Name == name {
			return s, true
		}
	}
	return SSOSessionInfo{}, false
}

// SSOSessions lists the [sso-session NAME] sections in file order.
func (c *Config) SSOSessions() []SSOSessionInfo {
	var out []SSOSessionInfo
	for i := range c.headers {
		h := &c.headers[i]
		if h.profile != 0 || !strings.Contains(configLineAt(c.raw, h.from), "sso-session") {
			continue // most headers: not read again
		}
		f := strings.Fields(c.header(h).section)
		if len(f) != 2 || f[0] != "sso-session" {
			continue
		}
		info := SSOSessionInfo{Name: f[1], Line: h.num}
		for kl := range configLines(c.raw, h.from, h.to, h.num) {
			if kl.kind != iniKey {
				continue
			}
			v := kl.value
			if i := inlineComment(v); i >= 0 {
				v = strings.TrimSpace(v[:i])
			}
			switch strings.ToLower(kl.key) {
			case "sso_start_url":
				info.StartURL = v
			case "sso_region":
				info.Region = v
			case "sso_registration_scopes":
				info.Scopes = v
			}
		}
		// A repeated section merges, later values winning, as for profiles.
		merged := false
		for j := range out {
			if out[j].Name == info.Name {
				if info.StartURL != "" {
					out[j].StartURL = info.StartURL
				}
				if info.Region != "" {
					out[j].Region = info.Region
				}
				if info.Scopes != "" {
					out[j].Scopes = info.Scopes
				}
				merged = true
			}
		}
		if !merged {
			out = append(out, info)
		}
	}
	return out
}

func (c *Config) resolveErr(line int, what, fix string, kind error) error {
	return &ConfigError{Path: c.Path, Line: line, What: what, Fix: fix, Err: kind}
}

// resolveKeys is the profile's keys after include_profile and the acct_ key names.
func (c *Config) resolveKeys(name string) (map[string]string, error) {
	keys := map[string]string{}
	var seen *resolvePath // made at the first include_profile: most profiles have none
	prev := ""
	for cur := name; cur != ""; {
		e, ok, err := c.entry(cur)
		if err != nil {
			return nil, err
		}
		if !ok {
			p, _ := c.lookup(prev)
			return nil, c.resolveErr(p.Line, fmt.Sprintf("profile %s: include_profile %s does not exist", p.Name, cur),
				"fix the name or add [profile "+cur+"]", ErrMissingSource)
		}
		if prev != "" {
			if seen == nil {
				seen = newResolvePath(name)
			}
			if cycle, loop := seen.cycle(cur); loop {
				return nil, c.resolveErr(e.Line, fmt.Sprintf("profile %s: include_profile cycle %s", name, cycle),
					"remove one include_profile", ErrCycle)
			}
			seen.add(cur)
		}
		prev = cur
		for _, k := range e.Keys {
			if _, set := keys[k.Name]; !set {
				keys[k.Name] = k.Value
			}
		}
		cur, _ = e.Get("include_profile")
	}
	if ok, _ := resolveAcctProcess(keys["credential_process"]); ok {
		for k, v := range keys {
			if plain, found := strings.CutPrefix(k, resolveAcctPrefix); found && plain != "" {
				if _, set := keys[plain]; !set {
					keys[plain] = v
				}
			}
		}
	}
	return keys, nil
}

// resolveAcctProcess tells whether a credential_process runs `acct credential-process PROFILE`,
// and for which profile.
func resolveAcctProcess(cp string) (bool, string) {
	f := resolveFields(cp)
	if len(f) < 2 {
		return false, ""
	}
	base := strings.TrimSuffix(filepath.Base(strings.ReplaceAll(f[0], `\`, "/")), ".exe")
	if !strings.HasPrefix(base, "acct") || f[1] != "credential-process" {
		return false, ""
	}
	profile := ""
	for _, a := range f[2:] {
		if !strings.HasPrefix(a, "-") {
			profile = a
		}
	}
	return true, profile
}

// resolveSourceProcess is the source's credential_process unless it is acct's own for the same
// profile, which would only call itself.
func resolveSourceProcess(name, cp string) string {
	if cp == "" {
		return ""
	}
	if ok, p := resolveAcctProcess(cp); ok && p == name {
		return ""
	}
	return cp
}

// resolveFields splits a command line on blanks, honouring single and double quotes.
func resolveFields(s string) []string {
	if !strings.ContainsAny(s, `"'`) {
		// Without quotes, the words themselves: every section header of a 10,000-profile config
		// is split three times on each read.
		return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' })
	}
	var out []string
	var cur strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0 && ch == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(ch)
		case ch == '"' || ch == '\'':
			quote, in = ch, true
		case ch == ' ' || ch == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(ch)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// resolveSuggest returns up to n names close to name by edit distance, closest first.
func resolveSuggest(name string, names []string, n int) []string {
	type cand struct {
		name string
		d    int
	}
	limit := len(name) / 3
	if limit < 2 {
		limit = 2
	}
	var cs []cand
	for _, s := range names {
		if d := editDistance(name, s); d <= limit {
			cs = append(cs, cand{s, d})
		}
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].name < cs[j].name
	})
	var out []string
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].name)
	}
	return out
}

// resolveDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
