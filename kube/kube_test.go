package kube_test

import (
	"github.com/acct-cli/acct/internal/testtool"

	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"go.yaml.in/yaml/v3"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/kube"
	"github.com/acct-cli/acct/kube/ekstest"
	"github.com/acct-cli/acct/kube/kubetest"
	"github.com/acct-cli/acct/session/ststest"
)

type world struct {
	sts  *ststest.Server
	eks  *ekstest.Server
	kube *kubetest.Server
	user ststest.User
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{sts: ststest.New()}
	t.Cleanup(w.sts.Close)
	w.user = w.sts.AddUser("111111111111", "alice")
	w.eks = ekstest.New(w.sts.SigningKey)
	t.Cleanup(w.eks.Close)
	var err error
	w.kube, err = kubetest.New("main", w.sts.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.kube.Close)
	w.eks.AddCluster(ekstest.Cluster{Name: "main", Region: "us-west-2", Account: "111111111111", Endpoint: w.kube.URL, CA: w.kube.CA})
	return w
}

func (w *world) config(endpoint, region string) aws.Config {
	return aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: w.user.AccessKeyID, SecretAccessKey: w.user.SecretAccessKey}, nil
		}),
	}
}

func TestTokenAuthenticatesAtTheAPIServer(t *testing.T) {
	w := newWorld(t)
	now := time.Now()
	tok, err := kube.NewToken(context.Background(), w.config(w.sts.URL, "us-west-2"), "main", now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.Value, "k8s-aws-v1.") || strings.ContainsAny(tok.Value, "=+/") {
		t.Errorf("token %q is not k8s-aws-v1. + unpadded base64url", tok.Value)
	}
	if want := now.Add(14 * time.Minute); tok.Expires.Sub(want).Abs() > time.Second {
		t.Errorf("token expires %s, want %s", tok.Expires, want)
	}
	arn, err := w.kube.Authenticate(tok.Value)
	if err != nil || arn != w.user.ARN {
		t.Fatalf("Authenticate = %q, %v; want %s", arn, err, w.user.ARN)
	}
	if n := w.sts.Calls("GetCallerIdentity"); n != 1 {
		t.Errorf("%d GetCallerIdentity calls, want 1 (made by the API server, none by NewToken)", n)
	}

	other, err := kubetest.New("other", w.sts.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Authenticate(tok.Value); err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Errorf("another cluster accepted the token: %v", err)
	}
	tampered := tok.Value[:len(tok.Value)-3] + flip(tok.Value[len(tok.Value)-3:])
	if _, err := w.kube.Authenticate(tampered); err == nil {
		t.Error("a tampered token was accepted")
	}
	old, err := kube.NewToken(context.Background(), w.config(w.sts.URL, "us-west-2"), "main", now.Add(-kube.TokenLifetime-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.kube.Authenticate(old.Value); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired token: %v, want refused as expired", err)
	}
}

func flip(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
	}
	return string(b)
}

func TestTokenExpiresWithTheCredentials(t *testing.T) {
	w := newWorld(t)
	now := time.Now()
	cfg := w.config(w.sts.URL, "us-west-2")
	cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "ASIAX", SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: now.Add(3 * time.Minute)}, nil
	})
	tok, err := kube.NewToken(context.Background(), cfg, "main", now)
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Expires.Equal(now.Add(3 * time.Minute).UTC()) {
		t.Errorf("token expires %s, want the credentials' %s", tok.Expires, now.Add(3*time.Minute))
	}
}

func TestDescribeCluster(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	c, err := kube.DescribeCluster(ctx, w.config(w.eks.URL, "us-west-2"), "main")
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint != w.kube.URL || string(c.CA) != string(w.kube.CA) || c.Region != "us-west-2" {
		t.Errorf("DescribeCluster = %+v", c)
	}
	_, err = kube.DescribeCluster(ctx, w.config(w.eks.URL, "us-east-1"), "main")
	if fault.Of(err) != fault.BadInput || !strings.Contains(err.Error(), "not found in us-east-1") {
		t.Errorf("another region: %v (kind %s), want a bad-input not found", err, fault.Of(err))
	}
	w.eks.Deny(w.user.ARN)
	_, err = kube.DescribeCluster(ctx, w.config(w.eks.URL, "us-west-2"), "main")
	if fault.Of(err) != fault.Auth || !strings.Contains(err.Error(), "AccessDeniedException") {
		t.Errorf("denied: %v (kind %s)", err, fault.Of(err))
	}
	if n := w.eks.Calls("DescribeCluster"); n != 3 {
		t.Errorf("%d DescribeCluster calls, want 3", n)
	}
}

func TestKubeconfigFile(t *testing.T) {
	k := kube.Kubeconfig{Command: "acct", Contexts: []kube.Context{
		{Name: "cpco-staging-main", Stage: "staging", Profile: "cpco-staging-admin", Cluster: kube.Cluster{Name: "main", Region: "us-west-2", Endpoint: "https://127.0.0.1:1", CA: []byte("PEM")}},
	}}
	data, err := k.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		CurrentContext string `yaml:"current-context"`
		Users          []struct {
			Name string
			User struct {
				Exec struct {
					APIVersion string `yaml:"apiVersion"`
					Command    string
					Args       []string
				}
			}
		}
	}
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if f.CurrentContext != "cpco-staging-main" || len(f.Users) != 1 {
		t.Fatalf("kubeconfig:\n%s", data)
	}
	e := f.Users[0].User.Exec
	if e.APIVersion != "client.authentication.k8s.io/v1beta1" || e.Command != "acct" ||
		strings.Join(e.Args, " ") != "eks-token --profile cpco-staging-admin --cluster main --region us-west-2" {
		t.Errorf("exec = %+v", e)
	}
}

func TestMain(m *testing.M) { testtool.Main(m) }
