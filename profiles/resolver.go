package profiles

import (
	"cmp"
	"fmt"
	"strings"
)

// Resolver resolves profiles of one config by the rules of Config.Resolve, remembering what each
// profile gives the chains that pass through it as a source: `acct list` and `acct doctor` resolve
// every profile, and a chain of n hops walked anew from each of its profiles costs n*n/2 steps
// (a 5,000-hop chain took seconds). With a Resolver every profile is walked once as a source and
// once as the profile asked for.
type Resolver struct {
	c     *Config
	tails map[string]*resolveTail
}

// Resolver returns an empty Resolver for c; c must not change while it is used.
func (c *Config) Resolver() *Resolver {
	return &Resolver{c: c, tails: map[string]*resolveTail{}}
}

// Resolve is Config.Resolve(name).
func (r *Resolver) Resolve(name string) (*Chain, error) {
	return r.chain(name, true)
}

// Outline is Resolve(name) without Roles (nil): every other field, Account included, is as Resolve
// gives it. A profile at the top of an n-hop chain has n roles, so the Roles of every profile of
// one chain take n*n/2 of them; a listing of profiles needs none.
func (r *Resolver) Outline(name string) (*Chain, error) {
	return r.chain(name, false)
}

// resolveStep is what profile cur gives a chain that passes through it.
type resolveStep struct {
	line   int
	keys   map[string]string
	role   *ChainRole        // the role cur assumes; nil where the credentials start
	next   string            // the source_profile the chain goes on to; "" where it ends
	end    *Chain            // where the credentials start, when at cur: Source or SourceProcess, or the SSO fields
	source map[string]string // keys of the profile whose long-lived credentials start the chain, if cur is it
	err    error
}

// resolveTail is a chain from a profile down, as a source of the profiles above it: the first
// region, mfa_process and mfa_serial down from it, its roles (its own first), and where the
// credentials start; or the error that walk meets, or the source_profile cycle it runs into.
type resolveTail struct {
	region, mfaProcess, mfaSerial string
	roles                         *resolveRoles
	hops                          int
	end                           *Chain
	err                           error
	cycle                         *resolveCycle
}

// resolveRoles is a list of roles shared by every chain that ends with it.
type resolveRoles struct {
	role ChainRole
	next *resolveRoles
}

// resolveCycle is the source_profile loop a walk down runs into: entry is the profile where the
// walk enters it, line the line of the profile that closes it.
type resolveCycle struct {
	entry, loop string
	line        int
}

// resolveStep reads what profile cur (which has a section) gives a chain: head is whether cur is the
// profile asked for, which assumes its own role when its source_profile is itself.
func (c *Config) resolveStep(cur string, head bool) resolveStep {
	if resolveStepHook != nil {
		resolveStepHook()
	}
	keys, err := c.resolveKeys(cur)
	if err != nil {
		return resolveStep{err: err}
	}
	e, _ := c.lookup(cur)
	s := resolveStep{line: e.Line, keys: keys, end: &Chain{}}
	arn := keys["role_arn"]
	if arn == "" && (keys["sso_session"] != "" || keys["sso_start_url"] != "" || keys["sso_account_id"] != "") {
		s.err = c.resolveSSO(s.end, cur, s.line, keys)
		return s
	}
	if arn == "" || (!head && keys["source_profile"] == cur) {
		s.source = keys
		s.end.setSource(cur, keys)
		return s
	}
	role, err := c.resolveRole(cur, s.line, keys)
	if err != nil {
		return resolveStep{err: err}
	}
	s.role = &role
	src, err := c.resolveSourceProfile(cur, s.line, keys)
	if err != nil {
		return resolveStep{err: err}
	}
	if src == cur {
		s.end.setSource(cur, keys)
		return s
	}
	s.end, s.next = nil, src
	return s
}

// tail is the chain from profile x down, as a source. The walk stops at the first profile
// already known, so each profile is read once as a source whatever the order of the questions.
func (r *Resolver) tail(x string) *resolveTail {
	var names []string
	var steps []resolveStep
	at := map[string]int{}
	var below *resolveTail
	for cur := x; ; {
		if t, ok := r.tails[cur]; ok {
			below = t
			break
		}
		if _, ok := r.c.lookup(cur); !ok {
			// No section: the keys live in the keyring under this name (acct add NAME).
			below = &resolveTail{end: &Chain{Source: cur}}
			r.tails[cur] = below
			break
		}
		if i, ok := at[cur]; ok {
			r.loop(names[i:], steps[i:])
			names, steps, below = names[:i], steps[:i], r.tails[cur]
			break
		}
		s := r.c.resolveStep(cur, false)
		at[cur] = len(names)
		names, steps = append(names, cur), append(steps, s)
		if s.next == "" {
			break
		}
		cur = s.next
	}
	for i := len(names) - 1; i >= 0; i-- {
		below = resolveOn(steps[i], below)
		r.tails[names[i]] = below
	}
	return r.tails[x]
}

// loop records the profiles of a source_profile loop: each one's walk comes back to itself.
func (r *Resolver) loop(names []string, steps []resolveStep) {
	m := len(names)
	for j, n := range names {
		r.tails[n] = &resolveTail{cycle: &resolveCycle{entry: n, loop: resolveLoopText(names, j), line: steps[(j+m-1)%m].line}}
	}
}

// resolveLoopText is the loop entered at names[j], "a -> b -> a"; a long one is cut in the middle
// so that each of its profiles' errors stays one short line.
func resolveLoopText(names []string, j int) string {
	const most = 10
	m := len(names)
	at := func(k int) string { return names[(j+k)%m] }
	var b strings.Builder
	for k := 0; k < m; k++ {
		if m > most && k == most/2 {
			fmt.Fprintf(&b, "(%d more) -> ", m-most)
			k = m - most/2
		}
		b.WriteString(at(k) + " -> ")
	}
	b.WriteString(at(0))
	return b.String()
}

// resolveOn is the tail that step s makes on top of below (nil when s ends the chain).
func resolveOn(s resolveStep, below *resolveTail) *resolveTail {
	if s.err != nil {
		return &resolveTail{err: s.err}
	}
	if below != nil && (below.err != nil || below.cycle != nil) {
		return below
	}
	t := &resolveTail{region: s.keys["region"], mfaProcess: s.keys["mfa_process"], mfaSerial: s.source["mfa_serial"], end: s.end}
	if s.role != nil {
		t.mfaSerial = s.role.MFASerial
		t.roles, t.hops = &resolveRoles{role: *s.role}, 1
	}
	if below == nil {
		return t
	}
	t.roles.next, t.hops, t.end = below.roles, t.hops+below.hops, below.end
	t.region = cmp.Or(t.region, below.region)
	t.mfaProcess = cmp.Or(t.mfaProcess, below.mfaProcess)
	t.mfaSerial = cmp.Or(t.mfaSerial, below.mfaSerial)
	return t
}

// chain resolves the profile asked for: its own step, then the tail of its source_profile.
func (r *Resolver) chain(name string, withRoles bool) (*Chain, error) {
	c := r.c
	e, ok := c.lookup(name)
	if !ok {
		return nil, &NotFoundError{Name: name, Path: c.Path, Suggestions: resolveSuggest(name, c.Names(), 3)}
	}
	s := c.resolveStep(name, true)
	var below *resolveTail
	if s.next != "" {
		below = r.tail(s.next)
	}
	t := resolveOn(s, below)
	if own := r.tails[name]; own != nil && own.cycle != nil && own.cycle.entry == name {
		t = own // name is on the loop: its walk comes back to it
	}
	if t.err != nil {
		return nil, t.err
	}
	if t.cycle != nil {
		return nil, c.resolveErr(t.cycle.line, fmt.Sprintf("profile %s: source_profile cycle %s", name, t.cycle.loop),
			"point one of them at the profile whose keys acct keeps", ErrCycle)
	}
	ch := &Chain{
		Profile: name, Namespace: e.Meta.Namespace, Stage: e.Meta.Stage, OU: e.Meta.OU,
		Account: e.Meta.Account, Protected: e.Meta.Protected, StageEnv: e.Meta.StageEnv,
		Region: t.region, EndpointURL: s.keys["endpoint_url"], MFASerial: t.mfaSerial, MFAProcess: t.mfaProcess,
		Source: t.end.Source, SourceProcess: t.end.SourceProcess,
		SSOProfile: t.end.SSOProfile, SSOSession: t.end.SSOSession, SSOStartURL: t.end.SSOStartURL,
		SSORegion: t.end.SSORegion, SSOAccountID: t.end.SSOAccountID, SSORoleName: t.end.SSORoleName,
	}
	switch {
	case ch.Account != "":
	case t.roles == nil:
		ch.Account = ch.SSOAccountID
	default:
		// arn:PARTITION:iam::ACCOUNT:role/NAME of the role the profile itself assumes
		if f := strings.SplitN(t.roles.role.ARN, ":", 6); len(f) == 6 {
			ch.Account = f[4]
		}
	}
	if withRoles && t.hops > 0 {
		// Roles[0] is assumed first: the deepest role, the last of the list.
		ch.Roles = make([]ChainRole, t.hops)
		i := t.hops - 1
		for l := t.roles; l != nil; l = l.next {
			ch.Roles[i] = l.role
			i--
		}
	}
	return ch, nil
}
