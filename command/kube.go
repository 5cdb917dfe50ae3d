package command

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/kube"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/shellenv"
)

func eksTokenCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "eks-token",
		Usage:     "print an EKS bearer token as kubectl's exec credential (the kubeconfig acct writes runs it)",
		UsageText: "acct eks-token --profile <profile> --cluster <name> [--region <region>]",
		Description: "Prints a client.authentication.k8s.io/v1beta1 ExecCredential whose token is a presigned STS\n" +
			"GetCallerIdentity for the cluster, made from acct's cached credentials: no MFA prompt while the MFA\n" +
			"session lives, no STS call while the role credentials are fresh.",
		Flags: append(sessionFlags(),
			&cli.StringFlag{Name: "profile", Aliases: []string{"p"}, Usage: "profile whose credentials reach the cluster (exact name)"},
			&cli.StringFlag{Name: "cluster", Aliases: []string{"c"}, Usage: "EKS cluster name"},
			&cli.StringFlag{Name: "region", Usage: "the cluster's region (default: the profile's)"},
		),
		Action: func(c *cli.Context) error {
			if names, _, err := commandArgs(c, -1); err != nil {
				return err
			} else if len(names) > 0 {
				return usagef("acct eks-token takes no arguments, got %q; use --profile and --cluster", names[0])
			}
			if c.String("profile") == "" || c.String("cluster") == "" {
				return usagef("acct eks-token needs --profile and --cluster")
			}
			return runEKSToken(c.Context, sys, c.String("profile"), c.String("cluster"), c.String("region"), sessionInputFrom(c))
		},
	}
}

// runEKSToken prints the exec credential. The profile must be named exactly: kubectl runs this
// without a person to pick among candidates or confirm a protected stage (the kubeconfig's
// contexts were written for exactly these profiles).
func runEKSToken(ctx context.Context, sys *system, profile, cluster, region string, in sessionInput) error {
	cfg, err := profiles.Read(sys.configPath())
	if err != nil {
		return fault.Wrap(fault.BadInput, err)
	}
	chain, err := cfg.Resolve(profile)
	if err != nil {
		return fault.Wrap(fault.BadInput, err)
	}
	provider, _, err := sys.ownCredentials(ctx, chain, in)
	if err != nil {
		return err
	}
	awsCfg, err := sys.serviceConfig(chain, provider, awsconfig.STS, region)
	if err != nil {
		return err
	}
	tok, err := kube.NewToken(ctx, awsCfg, cluster, time.Now())
	if err != nil {
		return err
	}
	out, err := kube.ExecCredential(tok)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(sys.Console.Out, "%s\n", out)
	return err
}

// ownCredentials are chain's credentials: inside an acct shell for chain's very profile they come
// from the shell's credential endpoint, which already holds them, and no keyring is opened
// (kubectl's eks-token and whoami in the shell: the file backend would ask its passphrase on every
// call, since the shell's children never get it); under an acct exec for that profile they are the
// ones exec gave (execCredsOf); else as sys.credentials gets them.
func (sys *system) ownCredentials(ctx context.Context, chain *profiles.Chain, in sessionInput) (aws.CredentialsProvider, aws.Credentials, error) {
	if c, ok := sys.execCredsOf(chain.Profile); ok {
		return credentials.StaticCredentialsProvider{Value: c}, c, nil
	}
	if !sys.inShellOf(chain.Profile) {
		return sys.credentials(ctx, chain, in)
	}
	p := aws.NewCredentialsCache(endpointcreds.New(sys.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI"), func(o *endpointcreds.Options) {
		o.AuthorizationToken = sys.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN")
	}))
	creds, err := p.Retrieve(ctx)
	if err != nil {
		return nil, aws.Credentials{}, fmt.Errorf("%s: the acct shell's credential endpoint: %w", chain.Profile, err)
	}
	return p, creds, nil
}

// execCredsOf are the credentials `acct exec` gave this process for profile, when it runs under
// such an exec and they last at least as long as an EKS token: kubectl's eks-token under
// `acct exec STAGE -- kubectl` must not open the keyring, whose passphrase exec's children never
// get.
func (sys *system) execCredsOf(profile string) (aws.Credentials, bool) {
	exp, err := time.Parse(time.RFC3339, sys.Getenv("AWS_CREDENTIAL_EXPIRATION"))
	if sys.Getenv(shellenv.VarProfile) != profile || err != nil || time.Until(exp) < kube.TokenLifetime {
		return aws.Credentials{}, false
	}
	c := aws.Credentials{
		AccessKeyID: sys.Getenv("AWS_ACCESS_KEY_ID"), SecretAccessKey: sys.Getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken: sys.Getenv("AWS_SESSION_TOKEN"), CanExpire: true, Expires: exp, Source: "acct exec",
	}
	return c, c.AccessKeyID != "" && c.SecretAccessKey != ""
}

// inShellOf says whether this runs inside an acct shell for profile, with its credential endpoint.
func (sys *system) inShellOf(profile string) bool {
	return sys.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI") != "" && sys.Getenv(shellenv.VarShell) != "" &&
		sys.Getenv(shellenv.VarProfile) == profile
}

type kubeconfigInput struct {
	Stages  []string
	Output  string
	Session sessionInput
}

func kubeconfigCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "kubeconfig",
		Usage:     "write a kubeconfig with a context per stage and EKS cluster, authenticated through acct",
		UsageText: "acct kubeconfig [--stage S]... [--output FILE]",
		Description: "For each stage with clusters: in the layout, asks EKS DescribeCluster (with the stage's profile)\n" +
			"for the endpoint and CA and writes a context {namespace}-{stage}-{cluster} whose user runs\n" +
			"acct eks-token. The file is ~/.kube/acct/{namespace}.yaml unless --output names one; ~/.kube/config\n" +
			"is never touched. Next to it, {namespace}.{stage}.yaml makes the stage's first context current:\n" +
			"acct shell puts both in KUBECONFIG.",
		Flags: append(sessionFlags(),
			&cli.StringSliceFlag{Name: "stage", Aliases: []string{"s"}, Usage: "only this stage (repeat for more; default: every stage with clusters)"},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "the kubeconfig file to write (default ~/.kube/acct/{namespace}.yaml)"},
		),
		Action: func(c *cli.Context) error {
			if names, _, err := commandArgs(c, -1); err != nil {
				return err
			} else if len(names) > 0 {
				return usagef("acct kubeconfig takes no arguments, got %q; name stages with --stage", names[0])
			}
			return runKubeconfig(c.Context, sys, kubeconfigInput{Stages: c.StringSlice("stage"), Output: c.String("output"), Session: sessionInputFrom(c)})
		},
	}
}

func runKubeconfig(ctx context.Context, sys *system, in kubeconfigInput) error {
	cfg, err := profiles.Read(sys.configPath())
	if err != nil {
		return fault.Wrap(fault.BadInput, err)
	}
	chains, err := clusterChains(cfg, in.Stages)
	if err != nil {
		return err
	}
	self, err := selfCommand(sys)
	if err != nil {
		return err
	}
	byNamespace := map[string]*kube.Kubeconfig{}
	var order []string
	for _, ch := range chains {
		contexts, err := sys.stageContexts(ctx, ch, in.Session)
		if err != nil {
			return err
		}
		k := byNamespace[ch.Namespace]
		if k == nil {
			k = &kube.Kubeconfig{Command: self}
			byNamespace[ch.Namespace] = k
			order = append(order, ch.Namespace)
		}
		k.Contexts = append(k.Contexts, contexts...)
	}
	if in.Output != "" && len(order) > 1 {
		return usagef("--output names one file, but the stages are in %d namespaces (%s); pick stages of one with --stage", len(order), strings.Join(order, ", "))
	}
	for _, ns := range order {
		path := in.Output
		if path == "" {
			path = kubeconfigPath(sys, ns)
		}
		if err := keepOthers(byNamespace[ns], path, len(in.Stages) > 0); err != nil {
			return err
		}
		written, err := byNamespace[ns].Write(path)
		if err != nil {
			return err
		}
		n := len(byNamespace[ns].Contexts)
		noun := "contexts"
		if n == 1 {
			noun = "context"
		}
		fmt.Fprintf(sys.Console.Out, "%s: %d %s of %s (current-context files: %s)\n", path, n, noun, ns, strings.Join(written[1:], ", "))
	}
	return nil
}

// keepOthers checks that the kubeconfig at path, if there is one, is acct's to replace, and with
// some stages named keeps the contexts of the others in k.
func keepOthers(k *kube.Kubeconfig, path string, some bool) error {
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fault.Errorf(fault.Failed, "kubeconfig %s: %w", path, err)
	case !kube.Written(old):
		return fault.Errorf(fault.BadInput, "kubeconfig %s has contexts acct did not write, and acct kubeconfig replaces the whole file;"+
			" name a file of acct's own with --output and list both in KUBECONFIG", path)
	case some:
		return k.Keep(old)
	}
	return nil
}

// clusterChains are the profiles kubectl uses for each stage with clusters: the stage's default
// profile (what `acct exec STAGE` runs as). Stages named but without clusters are an error.
func clusterChains(cfg *profiles.Config, stages []string) ([]*profiles.Chain, error) {
	var chains []*profiles.Chain
	seen := map[string]bool{}
	for _, name := range cfg.Names() {
		e, _ := cfg.Entry(name)
		key := e.Meta.Namespace + "/" + e.Meta.Stage
		if !e.Meta.Managed || e.Meta.Stage == "" || len(e.Meta.Clusters) == 0 || seen[key] {
			continue
		}
		if len(stages) > 0 && !contains(stages, e.Meta.Stage) {
			continue
		}
		seen[key] = true
		// A stage's first profile is its first role, the one `acct exec STAGE` uses.
		ch, err := cfg.Resolve(name)
		if err != nil {
			return nil, fault.Wrap(fault.BadInput, err)
		}
		chains = append(chains, ch)
	}
	for _, s := range stages {
		found := false
		for _, ch := range chains {
			found = found || ch.Stage == s
		}
		if !found && !hasStage(cfg, s) {
			return nil, usagef("no stage is named %s in %s; acct list shows the stages", s, cfg.Path)
		}
		if !found {
			return nil, usagef("stage %s has no clusters in %s; add clusters: to the stage in the layout and run acct generate", s, cfg.Path)
		}
	}
	if len(chains) == 0 {
		return nil, usagef("no stage in %s has clusters; add clusters: to a stage in the layout and run acct generate", cfg.Path)
	}
	return chains, nil
}

// hasStage tells whether any generated profile in cfg is of stage.
func hasStage(cfg *profiles.Config, stage string) bool {
	for _, name := range cfg.Names() {
		if e, _ := cfg.Entry(name); e.Meta.Managed && e.Meta.Stage == stage {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// stageContexts asks EKS about each cluster of ch's stage, with ch's credentials.
func (sys *system) stageContexts(ctx context.Context, ch *profiles.Chain, in sessionInput) ([]kube.Context, error) {
	provider, _, err := sys.credentials(ctx, ch, in)
	if err != nil {
		return nil, err
	}
	var out []kube.Context
	for _, cl := range ch.Clusters {
		awsCfg, err := sys.serviceConfig(ch, provider, awsconfig.EKS, cl.Region)
		if err != nil {
			return nil, err
		}
		stop := sys.spin("EKS DescribeCluster " + cl.Name)
		c, err := kube.DescribeCluster(ctx, awsCfg, cl.Name)
		stop()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ch.Profile, err)
		}
		out = append(out, kube.Context{Name: ch.Namespace + "-" + ch.Stage + "-" + cl.Name, Stage: ch.Stage, Profile: ch.Profile, Cluster: c})
	}
	return out, nil
}

// kubeconfigPath is acct's kubeconfig for namespace: ~/.kube/acct/{namespace}.yaml.
func kubeconfigPath(sys *system, namespace string) string {
	return filepath.Join(homeDir(sys), ".kube", "acct", namespace+".yaml")
}

func homeDir(sys *system) string {
	if h := sys.Getenv("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}
