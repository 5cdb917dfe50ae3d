package profiles

import "strings"

// StageEnv is what a stage brings besides credentials, from the layout's env:, dir: and
// clusters:. Generate writes it into the `# acct:` comment of each of the stage's profiles, so
// acct exec and acct shell find it from any directory, in scripts too, without the layout.
type StageEnv struct {
	Env      []EnvVar     // in layout order, the stage's after the top level's; placeholders filled
	Dir      string       // absolute; "" when the stage names none
	Clusters []ClusterRef // EKS clusters, for acct kubeconfig
}

// EnvVar is one variable. A Value starting with ~/ is relative to the home directory of whoever
// runs acct, filled in when the environment is made.
type EnvVar struct{ Name, Value string }

// ClusterRef names an EKS cluster and its region.
type ClusterRef struct{ Name, Region string }

// Metadata field names of StageEnv in the `# acct:` comment; env and cluster repeat.
const (
	metaEnv     = "env"
	metaDir     = "dir"
	metaCluster = "cluster"
)

// String is the spelling in metadata: NAME@REGION.
func (c ClusterRef) String() string { return c.Name + "@" + c.Region }

// set records one metadata field of StageEnv; it says whether key was one.
func (s *StageEnv) set(key, val string) bool {
	switch key {
	case metaEnv:
		name, value, ok := strings.Cut(val, "=")
		if ok && name != "" {
			s.Env = append(s.Env, EnvVar{name, value})
		}
	case metaDir:
		s.Dir = val
	case metaCluster:
		name, region, _ := strings.Cut(val, "@")
		if name != "" {
			s.Clusters = append(s.Clusters, ClusterRef{name, region})
		}
	default:
		return false
	}
	return true
}

// meta is the metadata comment's text for s: ` env="A=b" dir=/x cluster=main@us-west-2`.
func (s StageEnv) meta() string {
	var b strings.Builder
	for _, v := range s.Env {
		b.WriteString(" " + metaEnv + "=" + blockMetaValue(v.Name+"="+v.Value))
	}
	if s.Dir != "" {
		b.WriteString(" " + metaDir + "=" + blockMetaValue(s.Dir))
	}
	for _, c := range s.Clusters {
		b.WriteString(" " + metaCluster + "=" + blockMetaValue(c.String()))
	}
	return b.String()
}
