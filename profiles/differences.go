package profiles

import (
	"fmt"
	"sort"
	"strings"
)

// What the AWS CLI (botocore, which reads the files with Python's configparser) takes differently
// from acct, found so that acct doctor can say so, and acct exec and shell can warn where it
// bites. docs/config.md explains each rule.

// differencesInFile are the findings about how the config file is written: inline comments,
// [DEFAULT], duplicate keys, and the two headers of the default profile.
func differencesInFile(c *Config) []Finding {
	lines := iniSplit([]byte(c.raw))
	if iniClassify(lines) != nil {
		return nil
	}
	var out []Finding
	if strings.HasPrefix(c.raw, "\uFEFF") {
		// An editor's byte order mark: ini.v1 skips it, Python's configparser (the AWS CLI) does
		// not, and refuses the file before its first section.
		out = append(out, Finding{Severity: SeverityError, Line: 1,
			Message: "the file starts with a UTF-8 byte order mark: acct reads past it, the AWS CLI refuses the whole file",
			Fix:     "save the file as UTF-8 without a BOM"})
	}
	section, profile := "", ""
	seen := map[string]int{} // key -> line, in the section being read
	for _, l := range lines {
		switch l.kind {
		case iniSection:
			section, profile = l.section, configProfileName(l.section)
			seen = map[string]int{}
			if section == "DEFAULT" {
				out = append(out, Finding{Severity: SeverityWarning, Line: l.num,
					Message: "[DEFAULT] is not a profile to acct, but the AWS CLI adds its keys to every profile",
					Fix:     "copy its keys into the profiles that need them and delete [DEFAULT]"})
			}
		case iniKey:
			key := strings.ToLower(l.key)
			if first, dup := seen[key]; dup {
				out = append(out, Finding{Severity: SeverityError, Line: l.num, Profile: profile,
					Message: fmt.Sprintf("[%s] sets %s again (first at line %d): acct takes the last value, the AWS CLI refuses the whole file", section, key, first),
					Fix:     "keep one of the two lines"})
			}
			seen[key] = l.num
			if i := inlineComment(l.value); i >= 0 {
				out = append(out, Finding{Severity: SeverityWarning, Line: l.num, Profile: profile,
					Message: fmt.Sprintf("%s = %q: acct and the Go SDK read %q after it as a comment, the AWS CLI as part of the value", key, l.value, l.value[i+1:]),
					Fix:     "put the comment on a line of its own"})
			}
		}
	}
	return out
}

// inlineComment is where a value's inline comment starts (the space before ` #` or ` ;`, as
// ini.v1 and the Go SDK find it), or -1.
func inlineComment(v string) int {
	i := strings.Index(v, " #")
	if j := strings.Index(v, " ;"); j >= 0 && (i < 0 || j < i) {
		i = j
	}
	return i
}

// differencesInDups are the findings about repeated sections: the AWS CLI refuses a file with a
// section twice, and of [default] and [profile default] it takes the later one (as acct does).
func differencesInDups(c *Config) []Finding {
	var out []Finding
	for _, d := range c.dups {
		name := configProfileName(d.Section)
		if name == "default" && d.Section != c.dupFirstHeader(d) {
			out = append(out, Finding{Severity: SeverityWarning, Line: d.Line, Profile: name,
				Message: fmt.Sprintf("[%s] and the section at line %d both define profile default; the AWS CLI and acct use only the later one, whole", d.Section, d.First),
				Fix:     "delete one of them"})
			continue
		}
		out = append(out, Finding{Severity: SeverityError, Line: d.Line, Profile: name,
			Message: fmt.Sprintf("section [%s] at line %d repeats line %d; the AWS CLI refuses the whole file", d.Section, d.Line, d.First),
			Fix:     "merge the two sections into one"})
	}
	return out
}

// dupFirstHeader is the header, as written, of the first section d repeats.
func (c *Config) dupFirstHeader(d configDup) string {
	for _, l := range iniSplit([]byte(c.raw)) {
		if l.num == d.First {
			if t := strings.TrimSpace(l.text); strings.HasPrefix(t, "[") && strings.Contains(t, "]") {
				return strings.TrimSpace(t[1:strings.LastIndexByte(t, ']')])
			}
		}
	}
	return ""
}

// Surprises are the findings about profile name that make the AWS CLI reach another account, or
// fail, where acct works: a credential_source, and a section of the same name in the credentials
// file creds (nil when there is none) for any profile of its chain. acct exec and shell print them.
func (c *Config) Surprises(name string, creds *INIFile) []Finding {
	var out []Finding
	chain := map[string]bool{}
	for cur := name; cur != "" && !chain[cur]; {
		chain[cur] = true
		if _, ok := c.lookup(cur); !ok {
			break // a source without a section: its name still counts
		}
		keys, err := c.resolveKeys(cur)
		if err != nil {
			break
		}
		if f, ok := c.credentialSource(cur, keys); ok {
			out = append(out, f)
		}
		if keys["role_arn"] == "" {
			break
		}
		cur = keys["source_profile"]
	}
	return append(out, c.credentialsShadows(chain, creds)...)
}

// differencesInProfiles are the Surprises of every profile, each reported once.
func differencesInProfiles(c *Config, creds *INIFile) []Finding {
	var out []Finding
	names := map[string]bool{}
	for _, n := range c.names {
		names[n] = true
		keys, err := c.resolveKeys(n)
		if err != nil {
			continue
		}
		if f, ok := c.credentialSource(n, keys); ok {
			out = append(out, f)
		}
		if src := keys["source_profile"]; src != "" {
			names[src] = true
		}
	}
	return append(out, c.credentialsShadows(names, creds)...)
}

// credentialSource is the finding for a profile with credential_source.
func (c *Config) credentialSource(name string, keys map[string]string) (Finding, bool) {
	cs := keys["credential_source"]
	if cs == "" {
		return Finding{}, false
	}
	e, _ := c.lookup(name)
	return Finding{Severity: SeverityError, Profile: name, Line: e.Line,
		Message: fmt.Sprintf("credential_source = %s is not supported by acct", cs),
		Fix:     CredentialSourceFix}, true
}

// credentialsShadows are the findings for sections of creds named like one of names that carry
// keys, role_arn or region: the AWS CLI merges them over the config's profile (its keys win over
// a role), while acct reads only ~/.aws/config and its keyring.
func (c *Config) credentialsShadows(names map[string]bool, creds *INIFile) []Finding {
	var out []Finding
	for _, n := range creds.Sections() {
		if !names[n] {
			continue
		}
		keys, _ := creds.Section(n)
		var set []string
		for _, k := range keys {
			switch k.Name {
			case "aws_access_key_id", "role_arn", "region":
				set = append(set, k.Name)
			}
		}
		if len(set) == 0 {
			continue
		}
		sort.Strings(set)
		fix := fmt.Sprintf("move %s into [profile %s] of %s and delete %s from %s", strings.Join(set, ", "), n, c.Path, map[bool]string{true: "it", false: "them"}[len(set) == 1], creds.Path)
		if set[0] == "aws_access_key_id" {
			fix = fmt.Sprintf("acct add %s --from-credentials (the keys go to the keyring and leave the file)", n)
			if len(set) > 1 {
				fix += fmt.Sprintf(", then move %s into [profile %s] of %s", strings.Join(set[1:], ", "), n, c.Path)
			}
		}
		out = append(out, Finding{Severity: SeverityWarning, Profile: n,
			Message: fmt.Sprintf("[%s] in %s sets %s: the AWS CLI uses it before %s, acct does not, so the two can reach different accounts", n, creds.Path, strings.Join(set, ", "), c.Path),
			Fix:     fix})
	}
	return out
}
