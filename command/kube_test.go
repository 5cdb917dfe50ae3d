package command_test

// End-to-end tests of issue 13's Kubernetes half: acct kubeconfig asks the fake EKS for the
// cluster, kubectl runs acct eks-token through the kubeconfig, and the fake API server
// authenticates every request the way EKS does, against the fake STS.

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"go.yaml.in/yaml/v3"

	"github.com/acct-cli/acct/internal/testtool"
	"github.com/acct-cli/acct/kube"
	"github.com/acct-cli/acct/kube/ekstest"
	"github.com/acct-cli/acct/kube/kubetest"
	"github.com/acct-cli/acct/session/ststest"
)

// kubeWorld is alice's machine with stageLayout generated, her keys stored, a fake EKS holding
// staging's cluster main and dev's cluster tools in us-west-2, and their API servers.
type kubeWorld struct {
	*sessionWorld
	eks   *ekstest.Server
	kube  *kubetest.Server // staging's cluster main
	tools *kubetest.Server // dev's cluster tools
}

func newKubeWorld(t *testing.T) *kubeWorld {
	t.Helper()
	sw := newLayoutWorld(t, stageLayout, false, nil)
	kw := &kubeWorld{sessionWorld: sw}
	kw.eks = ekstest.New(sw.sts.SigningKey)
	t.Cleanup(kw.eks.Close)
	var err error
	if kw.kube, err = kubetest.New("main", sw.sts.URL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kw.kube.Close)
	kw.eks.AddCluster(ekstest.Cluster{Name: "main", Region: "us-west-2", Account: "222222222222", Endpoint: kw.kube.URL, CA: kw.kube.CA})
	if kw.tools, err = kubetest.New("tools", sw.sts.URL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kw.tools.Close)
	kw.eks.AddCluster(ekstest.Cluster{Name: "tools", Region: "us-west-2", Account: "444444444444", Endpoint: kw.tools.URL, CA: kw.tools.CA})
	sw.vars["AWS_ENDPOINT_URL_EKS"] = kw.eks.URL
	return kw
}

// kubeconfig runs acct kubeconfig with an MFA code, which must succeed.
func (kw *kubeWorld) kubeconfig() result {
	kw.t.Helper()
	r := kw.with(kw.mfa(0), "kubeconfig")
	if r.code != 0 {
		kw.t.Fatalf("acct kubeconfig: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return r
}

// kubectl runs kubectl with the world's environment; it returns combined output and exit status.
func (kw *kubeWorld) kubectl(args ...string) (string, int) {
	kw.t.Helper()
	cmd := exec.Command(testtool.Need(kw.t, "kubectl"), args...)
	cmd.Env = kw.env()
	cmd.Dir = kw.home
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		kw.t.Fatalf("kubectl: %v", err)
	}
	return string(out), code
}

func TestKubectlThroughAcctKubeconfig(t *testing.T) {
	testtool.Need(t, "kubectl")
	t.Parallel()
	kw := newKubeWorld(t)

	r := kw.kubeconfig()
	if !strings.Contains(r.stdout, "cpco.yaml: 2 contexts of cpco") {
		t.Errorf("acct kubeconfig said %q", r.stdout)
	}
	file := filepath.Join(kw.home, ".kube", "acct", "cpco.yaml")
	if _, err := os.Stat(filepath.Join(kw.home, ".kube", "config")); !os.IsNotExist(err) {
		t.Errorf("~/.kube/config was touched: %v", err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"name: cpco-staging-main", "server: " + kw.kube.URL, "command: " + acctBin,
		"- eks-token\n", "- cpco-staging-admin\n", "current-context: cpco-staging-main"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("kubeconfig lacks %q:\n%s", want, data)
		}
	}
	if n := kw.eks.Calls("DescribeCluster"); n != 2 {
		t.Errorf("%d DescribeCluster calls, want 2 (staging's main, dev's tools)", n)
	}

	// Twenty kubectl calls with no MFA code anywhere and no terminal: the MFA session and role
	// credentials cached by acct kubeconfig serve all of them.
	before := kw.calls()
	for i := 0; i < 20; i++ {
		out, code := kw.kubectl("--kubeconfig", file, "get", "namespaces")
		if code != 0 || !strings.Contains(out, "kube-system") {
			t.Fatalf("kubectl get namespaces #%d: exit %d\n%s\nAPI server: %s", i+1, code, out, kw.kube.Refusal())
		}
	}
	d := kw.calls().minus(before)
	if d.session != 0 || d.assume != 0 {
		t.Errorf("twenty kubectl calls: %d GetSessionToken, %d AssumeRole; want none (cached)", d.session, d.assume)
	}
	if got := kw.kube.Calls("authenticated"); got < 20 || d.identity != got {
		t.Errorf("%d authenticated API requests and %d GetCallerIdentity; want at least 20, one each", got, d.identity)
	}
	for _, arn := range kw.kube.Callers() {
		if !strings.HasPrefix(arn, "arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/acct-alice-") {
			t.Fatalf("the API server saw %s, want alice's staging role", arn)
		}
	}
}

// acct kubeconfig --stage refreshes those stages and keeps the others' contexts; a file acct did
// not write (the user's own kubeconfig) is never replaced, bytes and mode unchanged.
func TestKubeconfigKeepsWhatItDidNotWrite(t *testing.T) {
	t.Parallel()
	kw := newKubeWorld(t)
	kw.kubeconfig()
	file := filepath.Join(kw.home, ".kube", "acct", "cpco.yaml")
	names := func() []string {
		t.Helper()
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Contexts []struct{ Name string }
			Current  string `yaml:"current-context"`
		}
		if err := yaml.Unmarshal(data, &f); err != nil {
			t.Fatal(err)
		}
		out := []string{"current " + f.Current}
		for _, c := range f.Contexts {
			out = append(out, c.Name)
		}
		return out
	}
	want := strings.Join(names(), " ")
	if r := kw.with(nil, "kubeconfig", "--stage", "dev"); r.code != 0 {
		t.Fatalf("kubeconfig --stage dev: exit %d: %s", r.code, r.stderr)
	}
	if got := strings.Join(names(), " "); got != want {
		t.Errorf("after --stage dev the kubeconfig has %s, want %s", got, want)
	}
	if data, err := os.ReadFile(file); err != nil || !kube.Written(data) {
		t.Errorf("acct's own file is not recognised as written by acct (%v)", err)
	}

	own := filepath.Join(kw.home, ".kube", "config")
	mine := "apiVersion: v1\nkind: Config\nclusters:\n- name: minikube\n  cluster: {server: https://192.168.49.2:8443}\n" +
		"contexts:\n- name: minikube\n  context: {cluster: minikube, user: minikube}\ncurrent-context: minikube\n" +
		"users:\n- name: minikube\n  user: {client-certificate: /home/alice/.minikube/client.crt}\n"
	if err := os.WriteFile(own, []byte(mine), 0o640); err != nil {
		t.Fatal(err)
	}
	r := kw.with(nil, "kubeconfig", "--output", own)
	if r.code != 2 {
		t.Errorf("kubeconfig --output over the user's own file: exit %d, want 2", r.code)
	}
	oneLine(t, "kubeconfig --output", r.stderr, "acct: kubeconfig "+own+" has contexts acct did not write, and acct kubeconfig replaces the whole file;"+
		" name a file of acct's own with --output and list both in KUBECONFIG")
	if data, _ := os.ReadFile(own); string(data) != mine {
		t.Errorf("the user's kubeconfig changed:\n%s", data)
	}
	if st, _ := os.Stat(own); st.Mode().Perm() != 0o640 {
		t.Errorf("the user's kubeconfig is mode %v, want 0640", st.Mode().Perm())
	}
	if _, err := os.Stat(kube.StagePath(own, "staging")); !os.IsNotExist(err) {
		t.Errorf("a stage file was written beside the user's kubeconfig: %v", err)
	}
}

// EKS out of reach: one line naming the endpoint and what chooses it, exit 1.
func TestKubeconfigEKSUnreachable(t *testing.T) {
	t.Parallel()
	kw := newKubeWorld(t)
	r := kw.with(map[string]string{"ACCT_MFA_TOKEN": kw.code(0), "AWS_ENDPOINT_URL_EKS": "http://127.0.0.1:1"}, "kubeconfig", "--stage", "staging")
	if r.code != 1 {
		t.Errorf("exit %d, want 1", r.code)
	}
	oneLine(t, "kubeconfig", r.stderr, "acct: cpco-staging-admin: EKS DescribeCluster main in us-west-2: cannot reach EKS at http://127.0.0.1:1"+
		" (connect: connection refused); check the network or AWS_ENDPOINT_URL_EKS / AWS_ENDPOINT_URL")
}

func TestKubectlRefusesBadTokens(t *testing.T) {
	testtool.Need(t, "kubectl")
	t.Parallel()
	kw := newKubeWorld(t)
	ca := filepath.Join(kw.home, "ca.pem")
	if err := os.WriteFile(ca, kw.kube.CA, 0o600); err != nil {
		t.Fatal(err)
	}
	token := func(cluster string) string {
		r := kw.with(kw.mfa(0), "eks-token", "--profile", "cpco-staging-admin", "--cluster", cluster)
		if r.code != 0 {
			t.Fatalf("acct eks-token: exit %d: %s", r.code, r.stderr)
		}
		var ec struct {
			Kind, APIVersion string
			Status           struct{ Token, ExpirationTimestamp string }
		}
		if err := json.Unmarshal([]byte(r.stdout), &ec); err != nil {
			t.Fatalf("eks-token printed %q: %v", r.stdout, err)
		}
		exp, err := time.Parse(time.RFC3339, ec.Status.ExpirationTimestamp)
		if ec.Kind != "ExecCredential" || ec.APIVersion != "client.authentication.k8s.io/v1beta1" || err != nil ||
			exp.Before(time.Now().Add(13*time.Minute)) || exp.After(time.Now().Add(15*time.Minute)) {
			t.Errorf("exec credential %+v: want an ExecCredential v1beta1 expiring in 14 minutes", ec)
		}
		return ec.Status.Token
	}
	get := func(tok string) (string, int) {
		return kw.kubectl("--server", kw.kube.URL, "--certificate-authority", ca, "--token", tok, "get", "namespaces")
	}
	good := token("main")
	if out, code := get(good); code != 0 {
		t.Fatalf("a good token: exit %d\n%s", code, out)
	}
	tampered := good[:len(good)-6] + strings.Map(func(r rune) rune {
		if r == 'A' {
			return 'B'
		}
		return 'A'
	}, good[len(good)-6:])
	for name, tok := range map[string]string{"tampered": tampered, "other cluster": token("other")} {
		if out, code := get(tok); code == 0 || !strings.Contains(out, "Unauthorized") {
			t.Errorf("%s token: exit %d\n%s", name, code, out)
		}
	}
	// A token signed 16 minutes ago with the very role credentials acct cached.
	var role ststest.Temporary
	for _, tmp := range kw.sts.Temporaries() {
		if tmp.RoleARN == kw.roles["cpco-staging-admin"] {
			role = tmp
		}
	}
	cfg := aws.Config{Region: "us-west-2", BaseEndpoint: aws.String(kw.sts.URL), Credentials: credentials.NewStaticCredentialsProvider(role.AccessKeyID, role.SecretAccessKey, role.SessionToken)}
	old, err := kube.NewToken(context.Background(), cfg, "main", time.Now().Add(-16*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if out, code := get(old.Value); code == 0 || !strings.Contains(out, "Unauthorized") || !strings.Contains(kw.kube.Refusal(), "expired") {
		t.Errorf("expired token: exit %d\n%s\nAPI server: %s", code, out, kw.kube.Refusal())
	}
}

// On a terminal, twenty kubectl calls after acct clear cost one MFA prompt: the first call's
// acct eks-token asks (kubectl hands it the terminal), the rest are served by the cache.
func TestKubectlOneMFAPrompt(t *testing.T) {
	testtool.Need(t, "kubectl")
	t.Parallel()
	kw := newKubeWorld(t)
	kw.kubeconfig()
	kw.must("clear")
	before := kw.calls()
	file := filepath.Join(kw.home, ".kube", "acct", "cpco.yaml")
	p := startTTY(t, kw.ttyEnv("PS1=READY> ", "KUBECONFIG="+file), kw.home, shellPath(t, "bash"), "--norc", "--noprofile", "-i")
	p.expect("READY> ")
	p.line(`for i in $(seq 20); do kubectl get namespaces >/dev/null || echo "CALL""-FAILED $i"; done; echo "LOOP""-DONE"`)
	p.expect("MFA code")
	p.line(kw.code(1))
	p.expect("LOOP-DONE")
	// promptui redraws its line on every key; a prompt starts with an empty answer.
	screen := p.screen()
	if n := len(regexp.MustCompile(`MFA code for \S+: █`).FindAllString(screen, -1)); n != 1 || strings.Contains(screen, "CALL-FAILED") {
		t.Errorf("%d MFA prompts, want 1; a kubectl call failed: %v\n%s", n, strings.Contains(screen, "CALL-FAILED"), screen)
	}
	if d := kw.calls().minus(before); d.session != 1 || d.assume != 1 {
		t.Errorf("twenty kubectl calls: %d GetSessionToken and %d AssumeRole, want one each", d.session, d.assume)
	}
	p.line("exit")
	p.wait()
}

// Inside acct shell dev, kubectl needs no flag: KUBECONFIG holds acct's file with dev's context
// current, while the file's own current context is staging's; the token is made from the shell's
// credentials, without opening the keyring.
// kubectl under `acct exec STAGE --` (a script, no terminal): the exec plugin takes the
// credentials exec gave it instead of opening the keyring, whose passphrase exec's children never
// get.
func TestKubectlUnderExec(t *testing.T) {
	testtool.Need(t, "kubectl")
	t.Parallel()
	kw := newKubeWorld(t)
	kw.kubeconfig()
	kubeconfig := filepath.Join(kw.home, ".kube", "acct", "cpco.yaml")
	before := kw.calls()
	r := kw.runBinary("", "exec", "dev", "--", "kubectl", "--kubeconfig", kubeconfig, "--context", "cpco-dev-tools", "get", "namespaces")
	if r.code != 0 || !strings.Contains(r.stdout, "kube-system") {
		t.Fatalf("acct exec dev -- kubectl get namespaces: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if d := kw.calls().minus(before); d.session != 0 || d.assume != 0 {
		t.Errorf("%d GetSessionToken, %d AssumeRole; want none (dev's role was cached by acct kubeconfig)", d.session, d.assume)
	}
	for _, arn := range kw.tools.Callers() {
		if !strings.Contains(arn, ":444444444444:assumed-role/") {
			t.Errorf("dev's cluster saw %s, want dev's role", arn)
		}
	}
}

func TestKubectlInStageShell(t *testing.T) {
	testtool.Need(t, "kubectl")
	t.Parallel()
	kw := newKubeWorld(t)
	kw.kubeconfig()
	p := kw.acctTTY([]string{"SHELL=" + shellPath(t, "bash")}, "shell", "dev")
	p.expect("[cpco:dev]")
	// The file keyring's passphrase is not handed down to the shell's children: acct eks-token
	// takes the shell's own credentials from its endpoint, and asks nothing.
	p.line(`kubectl config current-context; kubectl get namespaces; echo "st=[$?]"`)
	got := p.expectRE(regexp.MustCompile(`(?s)\n(cpco-[a-z]+-[a-z]+)\r?\n(.*)st=\[(\d+)\]`))
	if got[1] != "cpco-dev-tools" || got[3] != "0" || !strings.Contains(got[2], "kube-system") {
		t.Errorf("in acct shell dev: context %q, status %s\n%s", got[1], got[3], got[2])
	}
	if n := kw.tools.Calls("authenticated"); n == 0 || kw.kube.Calls("") != 0 {
		t.Errorf("dev's cluster saw %d requests, staging's %d; want dev's only", n, kw.kube.Calls(""))
	}
	// use-context switches this shell only: the next shell of the stage starts on its own context.
	// (kubectl config current-context runs the exec plugin of the context it names, so the file is
	// read instead.)
	p.line(`kubectl config use-context cpco-staging-main; echo "own=[${KUBECONFIG%%:*}]"; grep current-context "${KUBECONFIG%%:*}"`)
	own := p.expectRE(regexp.MustCompile(`own=\[([^\]]*)\]`))[1]
	p.expect("current-context: cpco-staging-main")
	p.line("exit")
	p.wait()
	if _, err := os.Stat(own); !os.IsNotExist(err) {
		t.Errorf("the shell's kubeconfig copy %s is left behind (%v)", own, err)
	}
	p = kw.acctTTY([]string{"SHELL=" + shellPath(t, "bash")}, "shell", "dev")
	p.expect("[cpco:dev]")
	p.line(`grep current-context "${KUBECONFIG%%:*}"; echo end`)
	if got := p.expectRE(regexp.MustCompile(`current-context: (\S*)`)); got[1] != "cpco-dev-tools" {
		t.Errorf("the next shell of dev starts on context %q, want cpco-dev-tools (use-context in another shell leaked)", got[1])
	}
	p.line("exit")
	p.wait()
}

func TestKubeBadInput(t *testing.T) {
	t.Parallel()
	kw := newKubeWorld(t)
	before, err := os.ReadFile(kw.config)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"kubeconfig", "--stage", "prod"}, "acct: stage prod has no clusters in " + kw.config + "; add clusters: to the stage in the layout and run acct generate"},
		{[]string{"kubeconfig", "staging"}, `acct: acct kubeconfig takes no arguments, got "staging"; name stages with --stage`},
		{[]string{"kubeconfig", "--stage", "nope"}, "acct: no stage is named nope in " + kw.config + "; acct list shows the stages"},
		{[]string{"eks-token", "--cluster", "main"}, "acct: acct eks-token needs --profile and --cluster"},
		{[]string{"eks-token", "--profile", "cpco-stagin-admin", "--cluster", "main"}, `acct: profile "cpco-stagin-admin" not found; did you mean cpco-staging-admin, cpco-vault-admin?`},
		{[]string{"whoami", "nope", "extra"}, "acct: name one profile, not 2: acct whoami <profile>"},
	} {
		r := kw.run("", c.args...)
		if r.code != 2 {
			t.Errorf("acct %s: exit %d, want 2", strings.Join(c.args, " "), r.code)
		}
		oneLine(t, "acct "+strings.Join(c.args, " "), r.stderr, c.want)
	}
	after, err := os.ReadFile(kw.config)
	fi, _ := os.Stat(kw.config)
	if err != nil || string(after) != string(before) || fi.Mode().Perm() != 0o600 {
		t.Errorf("~/.aws/config changed (mode %v)", fi.Mode())
	}
	if _, err := os.Stat(filepath.Join(kw.home, ".kube")); !os.IsNotExist(err) {
		t.Errorf("a failed acct kubeconfig left ~/.kube behind: %v", err)
	}
}

// The kubeconfig names acct as credential_process does: `acct` when the acct on PATH is this
// binary, else the path it was run by, a symlink kept as it is.
func TestKubeconfigNamesAcct(t *testing.T) {
	t.Parallel()
	kw := newKubeWorld(t)
	file := filepath.Join(kw.home, ".kube", "acct", "cpco.yaml")
	command := func() string {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`command: (\S+)`).FindSubmatch(data)
		if m == nil {
			t.Fatalf("no command in\n%s", data)
		}
		return string(m[1])
	}
	path := kw.vars["PATH"]
	kw.vars["PATH"] = filepath.Dir(acctBin) + string(os.PathListSeparator) + path
	kw.kubeconfig()
	if got := command(); got != "acct" {
		t.Errorf("with this acct first on PATH the kubeconfig runs %q, want acct", got)
	}
	kw.vars["PATH"] = path
	link := filepath.Join(kw.home, "bin", "acct")
	if err := os.MkdirAll(filepath.Dir(link), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(acctBin, link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(link, "kubeconfig")
	cmd.Env = kw.env()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s kubeconfig: %v\n%s", link, err, out)
	}
	if got := command(); got != link {
		t.Errorf("run through %s, the kubeconfig runs %q", link, got)
	}
}
