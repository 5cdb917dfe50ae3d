package profiles

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// Severity of a doctor finding.
type Severity string

const (
	SeverityError   Severity = "error"   // something will fail
	SeverityWarning Severity = "warning" // works for acct, may surprise other tools
)

// Finding is one problem Doctor found.
type Finding struct {
	Severity Severity
	Profile  string // empty for file-wide problems
	Line     int    // 0 when there is no single line
	Message  string
	Fix      string
}

// Doctor checks a config read by Read and, when l is not nil, whether the block for l is up to
// date. creds is ~/.aws/credentials, nil when there is none. Checks: the file parses (c.ParseErr;
// nothing else is checked then), no duplicate sections (the AWS CLI refuses the whole file:
// botocore raises ConfigParseError), acct blocks intact, every profile resolves (cycles,
// role_arn without source_profile, bad role_arn or duration_seconds, include_profile), and
// source_profile targets; and what the AWS CLI reads differently (differences.go): inline
// comments, [DEFAULT], duplicate keys, credential_source, sections of the same name in creds.
//
// Rule for a source_profile that names no section: that is how a chain ends in acct, whose
// keys for the name are in the keyring (acct add NAME), so it is fine for generated profiles
// and for the layout's source_profile. For a hand-written profile it is a warning, since the
// AWS CLI and SDKs cannot find those keys. It is an error only when the missing name is a
// profile the layout generates: then an intermediate role profile (which must have role_arn)
// is gone, and the chain would wrongly end there.
func Doctor(c *Config, creds *INIFile, l *Layout) []Finding {
	out := doctorFindings(c, creds, l)
	// Names and values quoted from the file may hold line breaks; a finding is one line.
	for i := range out {
		out[i].Message = configOneLine.Replace(out[i].Message)
		out[i].Fix = configOneLine.Replace(out[i].Fix)
	}
	return out
}

func doctorFindings(c *Config, creds *INIFile, l *Layout) []Finding {
	var out []Finding
	if c == nil {
		return nil
	}
	if c.ParseErr != nil {
		return append(out, doctorFromErr("", c.ParseErr, "fix the line by hand, or restore "+c.Path+".acct.bak"))
	}
	c.index()
	if c.BlockErr != nil {
		out = append(out, doctorFromErr("", c.BlockErr, "run acct generate after fixing the markers"))
	}
	out = append(out, differencesInDups(c)...)
	out = append(out, differencesInFile(c)...)
	out = append(out, differencesInProfiles(c, creds)...)

	var generated map[string]bool
	var rendered []Profile
	var renderErr error
	if l != nil {
		rendered, renderErr = doctorRender(c, l)
		generated = map[string]bool{}
		for _, p := range rendered {
			generated[p.Name] = true
		}
	}
	layoutSource := ""
	if l != nil {
		layoutSource = l.SourceProfile
		if layoutSource == "" {
			layoutSource = l.Namespace
		}
	}

	r := c.Resolver()
	for _, name := range c.names {
		e := c.entries[name]
		if _, err := r.Outline(name); err != nil {
			if !errors.Is(err, ErrUnsupported) { // credential_source: differencesInProfiles says it
				out = append(out, doctorFromErr(name, err, ""))
			}
			continue
		}
		keys, err := c.resolveKeys(name)
		if err != nil {
			continue
		}
		src := keys["source_profile"]
		if src == "" || src == name {
			continue
		}
		if _, ok := c.entries[src]; ok {
			continue
		}
		switch {
		case generated[src]:
			out = append(out, Finding{Severity: SeverityError, Profile: name, Line: e.Line,
				Message: fmt.Sprintf("source_profile %s is a profile of layout %s that is missing from the config", src, l.Namespace),
				Fix:     "run acct generate"})
		case e.Meta.Managed || src == layoutSource || doctorAcctProcess(keys):
			// The chain's end: keys in the keyring. With acct's credential_process the AWS
			// tools never look at source_profile either.
		default:
			out = append(out, Finding{Severity: SeverityWarning, Profile: name, Line: e.Line,
				Message: fmt.Sprintf("source_profile %s has no section: acct uses the keys stored by acct add %s, but the AWS CLI and SDKs cannot find them", src, src),
				Fix:     fmt.Sprintf("run acct add %s, or add [profile %s]", src, src)})
		}
	}

	if l != nil {
		out = append(out, doctorLayout(c, l, rendered, renderErr)...)
	}
	return out
}

// doctorFromErr turns an error into a finding, keeping the line of a ConfigError.
func doctorFromErr(profile string, err error, fix string) Finding {
	f := Finding{Severity: SeverityError, Profile: profile, Message: err.Error(), Fix: fix}
	var ce *ConfigError
	if errors.As(err, &ce) {
		f.Line = ce.Line
		f.Message = ce.What
		if ce.Fix != "" {
			f.Fix = ce.Fix
		}
	}
	return f
}

// doctorRender renders l the way the block in c was generated: the style, the executable and
// the user are read back from the block, since Doctor has no flags. A block written before its
// begin line recorded the user gives it away in its mfa_serial.
func doctorRender(c *Config, l *Layout) ([]Profile, error) {
	o := RenderOptions{}
	for _, b := range c.blocks {
		if b.Namespace == l.Namespace {
			o.User = b.User
		}
	}
	for _, n := range c.names {
		e, _, _ := c.entry(n)
		if !e.Meta.Managed || e.Meta.Namespace != l.Namespace {
			continue
		}
		if cp, ok := e.Get("credential_process"); ok {
			if isAcct, _ := resolveAcctProcess(cp); isAcct {
				o.Style = CredentialProcess
				if f := resolveFields(cp); len(f) > 0 {
					o.Executable = f[0]
				}
			}
		}
		if o.User == "" && strings.Contains(l.MFASerial, "{user}") {
			mfa, ok := e.Get("mfa_serial")
			if !ok {
				mfa, _ = e.Get(resolveAcctPrefix + "mfa_serial")
			}
			pre, suf, _ := strings.Cut(l.MFASerial, "{user}")
			if strings.HasPrefix(mfa, pre) && strings.HasSuffix(mfa, suf) && len(mfa) > len(pre)+len(suf) {
				o.User = mfa[len(pre) : len(mfa)-len(suf)]
			}
		}
	}
	return Render(l, o)
}

// doctorLayout compares the block for l with what the layout renders now.
func doctorLayout(c *Config, l *Layout, ps []Profile, renderErr error) []Finding {
	var own *Block
	for i := range c.blocks {
		if c.blocks[i].Namespace == l.Namespace {
			own = &c.blocks[i]
		}
	}
	if own == nil {
		return []Finding{{Severity: SeverityError, Message: fmt.Sprintf("no acct block for layout %s in %s", l.Namespace, c.Path), Fix: "run acct generate"}}
	}
	if writeOtherLayout(own.Origin, Origin{Namespace: l.Namespace, LayoutFile: l.File}) {
		return []Finding{{Severity: SeverityError, Line: own.Begin,
			Message: fmt.Sprintf("the acct block for %s was generated from %s, not from layout %s", l.Namespace, own.LayoutFile, l.File),
			Fix:     fmt.Sprintf("run acct doctor --layout %s, or acct generate --layout %s --replace to make this layout's block", own.LayoutFile, l.File)}}
	}
	if renderErr != nil {
		return []Finding{{Severity: SeverityError, Message: renderErr.Error(), Fix: "fix the layout, then run acct generate"}}
	}
	data := []byte(c.raw)
	// Keep the origin recorded in the block: only the profiles decide "out of date".
	merged, err := Merge(data, own.Origin, ps)
	if err != nil {
		return []Finding{doctorFromErr("", configWithPath(err, c.Path), "")}
	}
	if !bytes.Equal(merged, data) {
		return []Finding{{Severity: SeverityError, Line: own.Begin,
			Message: fmt.Sprintf("the acct block for %s differs from what layout %s renders now", l.Namespace, l.File),
			Fix:     "run acct generate (acct generate --dry-run shows the change)"}}
	}
	return nil
}

// doctorAcctProcess tells whether the AWS tools get this profile's credentials from acct.
func doctorAcctProcess(keys map[string]string) bool {
	ok, _ := resolveAcctProcess(keys["credential_process"])
	return ok
}

// DoctorPrograms checks the program of every credential_process in c: the AWS CLI fails with
// "No such file" when an upgrade or an uninstall removed it. look says why a program (a name
// looked up on the PATH, or a path) cannot run, or nil when it can; it is the caller's, which
// knows the PATH. One finding per program, naming the first profile and how many use it.
func DoctorPrograms(c *Config, look func(program string) error) []Finding {
	if c == nil {
		return nil
	}
	type use struct {
		first *Entry
		cp    string
		n     int
	}
	uses := map[string]*use{}
	var order []string
	c.index()
	for _, name := range c.names {
		e := c.entries[name]
		cp, ok := e.Get("credential_process")
		if f := resolveFields(cp); ok && len(f) > 0 {
			if u := uses[f[0]]; u != nil {
				u.n++
				continue
			}
			uses[f[0]] = &use{first: e, cp: cp, n: 1}
			order = append(order, f[0])
		}
	}
	var out []Finding
	for _, prog := range order {
		err := look(prog)
		if err == nil {
			continue
		}
		u := uses[prog]
		others := ""
		if u.n > 1 {
			others = fmt.Sprintf(" (and %d more profiles)", u.n-1)
		}
		fix := "install it again, or point credential_process at a program that exists"
		if ok, _ := resolveAcctProcess(u.cp); ok {
			fix = "run acct generate --style credential-process with the acct you use now"
		}
		out = append(out, Finding{Severity: SeverityError, Profile: u.first.Name, Line: u.first.Line,
			Message: fmt.Sprintf("credential_process program %s%s: %v", prog, others, err), Fix: fix})
	}
	return out
}
