package kube

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/acct-cli/acct/internal/atomicfile"
)

// Context is one kubeconfig context acct writes: a cluster of a stage, reached with a profile.
type Context struct {
	Name    string // {namespace}-{stage}-{cluster}
	Stage   string
	Profile string
	Cluster Cluster
}

// Kubeconfig is a file of contexts whose users run `Command eks-token --profile P --cluster C`.
type Kubeconfig struct {
	Command  string // how acct names itself: "acct", or the path the user reached it by
	Contexts []Context
}

// The kubeconfig file format, only the fields acct writes.
type (
	file struct {
		APIVersion     string         `yaml:"apiVersion"`
		Kind           string         `yaml:"kind"`
		Clusters       []namedCluster `yaml:"clusters,omitempty"`
		Contexts       []namedContext `yaml:"contexts,omitempty"`
		Users          []namedUser    `yaml:"users,omitempty"`
		CurrentContext string         `yaml:"current-context,omitempty"`
	}
	namedCluster struct {
		Name    string `yaml:"name"`
		Cluster struct {
			Server string `yaml:"server"`
			CAData string `yaml:"certificate-authority-data"`
		} `yaml:"cluster"`
	}
	namedContext struct {
		Name    string `yaml:"name"`
		Context struct {
			Cluster string `yaml:"cluster"`
			User    string `yaml:"user"`
		} `yaml:"context"`
	}
	namedUser struct {
		Name string `yaml:"name"`
		User struct {
			Exec execConfig `yaml:"exec"`
		} `yaml:"user"`
	}
	execConfig struct {
		APIVersion      string   `yaml:"apiVersion"`
		Command         string   `yaml:"command"`
		Args            []string `yaml:"args"`
		InteractiveMode string   `yaml:"interactiveMode"`
	}
)

// Marshal renders k as a kubeconfig file; its current context is the first one.
func (k Kubeconfig) Marshal() ([]byte, error) {
	f := file{APIVersion: "v1", Kind: "Config"}
	for _, c := range k.Contexts {
		var cl namedCluster
		cl.Name = c.Name
		cl.Cluster.Server = c.Cluster.Endpoint
		cl.Cluster.CAData = base64.StdEncoding.EncodeToString(c.Cluster.CA)
		f.Clusters = append(f.Clusters, cl)
		var cx namedContext
		cx.Name = c.Name
		cx.Context.Cluster, cx.Context.User = c.Name, c.Name
		f.Contexts = append(f.Contexts, cx)
		var u namedUser
		u.Name = c.Name
		u.User.Exec = execConfig{
			APIVersion: ExecAPIVersion,
			Command:    k.Command,
			Args:       TokenArgs(c.Profile, c.Cluster.Name, c.Cluster.Region),
			// An MFA prompt, when the MFA session has ended, needs the terminal kubectl runs on.
			InteractiveMode: "IfAvailable",
		}
		f.Users = append(f.Users, u)
	}
	if len(k.Contexts) > 0 {
		f.CurrentContext = k.Contexts[0].Name
	}
	return yaml.Marshal(f)
}

// Written tells whether data, a file's content, is a kubeconfig acct wrote, or holds no contexts:
// every user in it runs acct's eks-token. Anything else is someone's own kubeconfig, which
// acct's whole-file writes must never replace.
func Written(data []byte) bool {
	var f file
	if err := yaml.Unmarshal(data, &f); err != nil {
		return false
	}
	for _, u := range f.Users {
		if len(u.User.Exec.Args) == 0 || u.User.Exec.Args[0] != "eks-token" {
			return false
		}
	}
	return len(f.Users) > 0 || len(f.Contexts) == 0 && len(f.Clusters) == 0
}

// Keep merges k into old, a kubeconfig acct wrote: k's contexts replace those of the same name,
// and old's others stay, in old's order, so that a run for some stages leaves the others' as
// they were. The contexts kept have no Stage: their stage files are already there.
func (k *Kubeconfig) Keep(old []byte) error {
	var f file
	if err := yaml.Unmarshal(old, &f); err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	fresh := map[string]Context{}
	for _, c := range k.Contexts {
		fresh[c.Name] = c
	}
	var merged []Context
	for _, cx := range f.Contexts {
		if c, ok := fresh[cx.Name]; ok {
			merged = append(merged, c)
			delete(fresh, cx.Name)
		} else if c, ok := f.context(cx); ok {
			merged = append(merged, c)
		}
	}
	for _, c := range k.Contexts {
		if _, left := fresh[c.Name]; left {
			merged = append(merged, c)
		}
	}
	k.Contexts = merged
	return nil
}

// context reads back the Context behind cx, as Marshal wrote it; ok is false when its cluster or
// user is missing or not acct's.
func (f file) context(cx namedContext) (c Context, ok bool) {
	c.Name = cx.Name
	for _, cl := range f.Clusters {
		if cl.Name == cx.Context.Cluster {
			c.Cluster.Endpoint = cl.Cluster.Server
			ca, err := base64.StdEncoding.DecodeString(cl.Cluster.CAData)
			if err != nil {
				return c, false
			}
			c.Cluster.CA, ok = ca, true
		}
	}
	for _, u := range f.Users {
		if u.Name != cx.Context.User {
			continue
		}
		args := u.User.Exec.Args
		for i := 1; i+1 < len(args); i += 2 {
			switch args[i] {
			case "--profile":
				c.Profile = args[i+1]
			case "--cluster":
				c.Cluster.Name = args[i+1]
			case "--region":
				c.Cluster.Region = args[i+1]
			}
		}
	}
	return c, ok && c.Profile != "" && c.Cluster.Name != ""
}

// TokenArgs are the arguments of the exec plugin after acct's own name.
func TokenArgs(profile, cluster, region string) []string {
	args := []string{"eks-token", "--profile", profile, "--cluster", cluster}
	if region != "" {
		args = append(args, "--region", region)
	}
	return args
}

// StagePath is the file that makes stage's first context current when it comes first in
// KUBECONFIG, next to the kubeconfig at path: kubectl takes current-context from the first file
// that sets one, so a shell per stage can share one kubeconfig.
func StagePath(path, stage string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + "." + stage + ".yaml"
}

// Write writes k to path (mode 0600, atomically) and, for each stage, the file StagePath names.
// It returns the paths written.
func (k Kubeconfig) Write(path string) ([]string, error) {
	data, err := k.Marshal()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	written := []string{path}
	seen := map[string]bool{}
	for _, c := range k.Contexts {
		if c.Stage == "" || seen[c.Stage] {
			continue
		}
		seen[c.Stage] = true
		sel, err := yaml.Marshal(file{APIVersion: "v1", Kind: "Config", CurrentContext: c.Name})
		if err != nil {
			return nil, err
		}
		p := StagePath(path, c.Stage)
		if err := atomicfile.Write(p, sel, 0o600); err != nil {
			return nil, fmt.Errorf("kubeconfig: %w", err)
		}
		written = append(written, p)
	}
	return written, nil
}
