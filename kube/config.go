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
		if seen[c.Stage] {
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
