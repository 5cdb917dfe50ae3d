package command_test

// End-to-end tests of a stage's environment (issue 13): env:, dir: and clusters: in the layout
// reach acct exec in a script and acct shell on a terminal alike, from any directory.

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// stageLayout is sessionLayout with variables at the top level and for staging, staging's
// directory and its EKS cluster.
const stageLayout = `namespace: cpco
mode: organization
region: us-west-2
source_profile: cpco
mfa_serial: arn:aws:iam::323330167063:mfa/{user}
env:
  TF_VAR_namespace: "{namespace}"
  STAGE_HINT: "{stage} in {account}"
root:
  account: "323330167063"
stages:
  - name: prod
    account: "111111111111"
    region: us-east-1
    roles: {admin: OrganizationAccountAccessRole, readonly: cpco-prod-readonly}
  - name: staging
    account: "222222222222"
    env:
      STAGE_HINT: "{stage} as {role} by {user} in {region}"
      TF_DATA_DIR: ~/.terraform/{stage}
    dir: stacks/staging
    clusters: [main]
  - name: dev
    account: "444444444444"
    clusters: [tools]
  - name: vault
    account: "555555555555"
    protected: always
`

// stageWant is what staging's shell and exec must both see, for alice's world w.
func stageWant(w *sessionWorld) map[string]string {
	kube := filepath.Join(w.home, ".kube", "acct")
	return map[string]string{
		"TF_VAR_namespace": "cpco",
		"STAGE_HINT":       "staging as admin by alice in us-west-2",
		"TF_DATA_DIR":      filepath.Join(w.home, ".terraform", "staging"),
		"KUBECONFIG":       filepath.Join(kube, "cpco.staging.yaml") + ":" + filepath.Join(kube, "cpco.yaml"),
	}
}

func TestStageEnvInExec(t *testing.T) {
	t.Parallel()
	sw := newLayoutWorld(t, stageLayout, false, nil)
	elsewhere := t.TempDir() // no acct.yaml here or above: the block carries the variables
	r := sw.withIn(elsewhere, sw.mfa(0), "exec", "staging", "--", "env")
	if r.code != 0 {
		t.Fatalf("acct exec staging -- env: exit %d\n%s", r.code, r.stderr)
	}
	env := envOf(r.stdout)
	for k, v := range stageWant(sw) {
		if env[k] != v {
			t.Errorf("exec staging: %s=%q, want %q", k, env[k], v)
		}
	}
	if env["AWS_ACCESS_KEY_ID"] == "" || env["ACCT_STAGE"] != "staging" {
		t.Errorf("exec staging lost acct's own variables: %v", env)
	}
	// prod has no env: of its own and no clusters: the top level's values, no KUBECONFIG.
	r = sw.withIn(elsewhere, nil, "exec", "prod", "--", "env")
	env = envOf(r.stdout)
	if r.code != 0 || env["STAGE_HINT"] != "prod in 111111111111" || env["TF_VAR_namespace"] != "cpco" || env["KUBECONFIG"] != "" || env["TF_DATA_DIR"] != "" {
		t.Errorf("exec prod: exit %d, STAGE_HINT=%q TF_VAR_namespace=%q KUBECONFIG=%q TF_DATA_DIR=%q\n%s",
			r.code, env["STAGE_HINT"], env["TF_VAR_namespace"], env["KUBECONFIG"], env["TF_DATA_DIR"], r.stderr)
	}
}

// On a terminal, acct shell staging has the same variables and starts in the stage's directory.
func TestStageEnvInShell(t *testing.T) {
	t.Parallel()
	sw := newLayoutWorld(t, stageLayout, false, nil)
	dir := filepath.Join(sw.home, "team", "stacks", "staging")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := startTTY(t, sw.ttyEnv("SHELL="+shellPath(t, "bash"), "ACCT_MFA_TOKEN="+sw.code(0)), t.TempDir(), acctBin, "shell", "staging")
	p.expect("[cpco:staging]")
	p.line(`printf 'V %s=[%s]\n' PWD "$PWD" TF_VAR_namespace "$TF_VAR_namespace" STAGE_HINT "$STAGE_HINT" TF_DATA_DIR "$TF_DATA_DIR" KUBECONFIG "$KUBECONFIG"; echo END`)
	got := p.expectRE(regexp.MustCompile(`(?s)\n(V PWD=.*)\nEND`))
	want := stageWant(sw)
	want["PWD"] = dir
	for k, v := range want {
		if line := "V " + k + "=[" + v + "]"; !strings.Contains(got[1], line) {
			t.Errorf("shell lacks %q:\n%s", line, got[1])
		}
	}
	p.line("exit")
	p.wait()
}
