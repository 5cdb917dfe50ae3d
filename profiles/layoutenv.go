package profiles

import (
	"fmt"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/internal/lazyregexp"
)

// The layout keys that give a stage its environment, as a Geodesic or Atmos stage has one:
// env: (top level, root and stages), dir: and clusters: (stages).

// layoutEnvVars are the placeholders env: values and dir: may use.
var layoutEnvVars = []string{"namespace", "stage", "account", "region", "role", "ou", "user"}

var (
	layoutEnvNameRE = lazyregexp.New(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// EKS cluster names: letters, digits, - and _, starting with a letter or digit, up to 100
	// (the length is checked apart: a counted repetition compiles to a step per repeat, 1,700
	// allocations in the init of every acct run).
	layoutClusterRE = lazyregexp.New(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
)

// layoutCredentialVar reports names that would override the credentials, profile or identity
// acct hands to the stage: a variable from the layout must never redirect them.
func layoutCredentialVar(name string) bool {
	switch strings.ToUpper(name) {
	case "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
		"AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_CREDENTIAL_EXPIRATION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME":
		return true
	}
	up := strings.ToUpper(name)
	return strings.HasPrefix(up, "AWS_CONTAINER_") || strings.HasPrefix(up, "ACCT_")
}

// layoutEnv reads an env: map of variable name to value.
func (p *layoutParser) layoutEnv(v *yaml.Node, where string) ([]EnvVar, error) {
	var vars []EnvVar
	err := p.layoutAnyFields(v, where, `a map of variables to values, e.g. {TF_VAR_stage: "{stage}"}`, func(k, kv *yaml.Node) error {
		name := k.Value
		if !layoutEnvNameRE().MatchString(name) {
			return p.errf(k.Line, "%s variable %q is not a variable name; use letters, digits and _, not starting with a digit", where, name)
		}
		if layoutCredentialVar(name) {
			return p.errf(k.Line, "%s sets %s, which would override the credentials acct gives the stage; remove it (acct sets the AWS credential variables and ACCT_* itself)", where, name)
		}
		if kv.Kind != yaml.ScalarNode || strings.ContainsAny(kv.Value, "\r\n") {
			return p.errf(kv.Line, "%s %s must be one value on one line", where, name)
		}
		value := kv.Value
		if kv.Tag == "!!null" {
			value = ""
		}
		if err := layoutCheckVars(value, layoutEnvVars); err != nil {
			return p.errf(kv.Line, "%s %s %q: %v", where, name, value, err)
		}
		vars = append(vars, EnvVar{Name: name, Value: value})
		return nil
	})
	return vars, err
}

// layoutDir reads a stage's dir:, made absolute against the layout file's directory unless it
// starts with ~/ (the home of whoever runs acct).
func (p *layoutParser) layoutDir(v *yaml.Node, where string) (string, error) {
	dir, err := p.layoutText(v, where+" dir")
	if err != nil {
		return "", err
	}
	if err := layoutCheckVars(dir, layoutEnvVars); err != nil {
		return "", p.errf(v.Line, "%s dir %q: %v", where, dir, err)
	}
	if strings.HasPrefix(dir, "~/") || filepath.IsAbs(dir) {
		return filepath.Clean(dir), nil
	}
	base, err := filepath.Abs(filepath.Dir(p.file))
	if err != nil {
		return "", p.errf(v.Line, "%s dir %q: %v; give an absolute path", where, dir, err)
	}
	return filepath.Join(base, dir), nil
}

// layoutClusters reads clusters: a list of EKS cluster names, or {name, region} for a cluster
// outside the stage's region.
func (p *layoutParser) layoutClusters(v *yaml.Node, where string) ([]ClusterRef, error) {
	if v.Kind != yaml.SequenceNode {
		return nil, p.errf(v.Line, "%s clusters is %s but must be a list of EKS cluster names, e.g. [main]", where, layoutKind(v))
	}
	var out []ClusterRef
	seen := map[string]int{}
	for _, n := range v.Content {
		n = layoutDeref(n)
		if n == nil {
			continue
		}
		var c ClusterRef
		var err error
		if n.Kind == yaml.MappingNode {
			err = p.layoutFields(n, where+" cluster", []string{"name", "region"}, func(key string, _, cv *yaml.Node) error {
				var err error
				if key == "name" {
					c.Name, err = p.layoutText(cv, where+" cluster name")
				} else {
					c.Region, err = p.layoutRegion(cv, where+" cluster region")
				}
				return err
			})
		} else {
			c.Name, err = p.layoutText(n, where+" cluster")
		}
		if err != nil {
			return nil, err
		}
		if len(c.Name) > 100 || !layoutClusterRE().MatchString(c.Name) {
			return nil, p.errf(n.Line, "%s cluster %q is not an EKS cluster name; use letters, digits, - and _", where, c.Name)
		}
		// By name alone: a kubeconfig context is named by stage and cluster, so the same name in
		// two regions would make two contexts of one name, and kubectl refuses the whole file.
		if first, dup := seen[c.Name]; dup {
			return nil, p.errf(n.Line, "%s lists cluster %s twice (first on line %d); remove one", where, c.Name, first)
		}
		seen[c.Name] = n.Line
		out = append(out, c)
	}
	return out, nil
}

// layoutCheckVars refuses unbalanced braces and variables outside allowed.
func layoutCheckVars(s string, allowed []string) error {
	for rest := s; rest != ""; {
		i := strings.IndexAny(rest, "{}")
		if i < 0 {
			break
		}
		if rest[i] == '}' {
			return fault.Errorf(fault.BadInput, "has a `}` without `{`; write variables as {stage}")
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return fault.Errorf(fault.BadInput, "has a `{` without `}`; write variables as {stage}")
		}
		if name := rest[i+1 : i+j]; !layoutContains(allowed, name) {
			return fault.Errorf(fault.BadInput, "unknown variable {%s}; use %s", name, layoutVarList(allowed))
		}
		rest = rest[i+j+1:]
	}
	return nil
}

// layoutVarList spells allowed as "{a}, {b} or {c}".
func layoutVarList(allowed []string) string {
	var b strings.Builder
	for i, v := range allowed {
		switch {
		case i == len(allowed)-1 && i > 0:
			b.WriteString(" or ")
		case i > 0:
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "{%s}", v)
	}
	return b.String()
}

// renderStageEnv is the stage environment of one profile: the top level's env: overlaid with the
// stage's (a stage's value wins, in the place the top level gave the name), placeholders filled.
func renderStageEnv(l *Layout, st *Stage, vars renderVars) (StageEnv, error) {
	env := StageEnv{Clusters: make([]ClusterRef, 0, len(st.Clusters))}
	merged := append([]EnvVar(nil), l.Env...)
	for _, v := range st.Env {
		found := false
		for i := range merged {
			if merged[i].Name == v.Name {
				merged[i].Value, found = v.Value, true
			}
		}
		if !found {
			merged = append(merged, v)
		}
	}
	for _, v := range merged {
		value, _, err := renderFill(v.Value, vars)
		if err != nil {
			return StageEnv{}, fault.Errorf(fault.BadInput, "env %s: %v", v.Name, err)
		}
		env.Env = append(env.Env, EnvVar{Name: v.Name, Value: value})
	}
	dir, _, err := renderFill(st.Dir, vars)
	if err != nil {
		return StageEnv{}, fault.Errorf(fault.BadInput, "dir: %v", err)
	}
	env.Dir = dir
	for _, c := range st.Clusters {
		if c.Region == "" {
			c.Region = vars.region
		}
		env.Clusters = append(env.Clusters, c)
	}
	if len(env.Clusters) == 0 {
		env.Clusters = nil
	}
	return env, nil
}
