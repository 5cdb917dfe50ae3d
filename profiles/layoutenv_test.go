package profiles

import (
	"path/filepath"
	"reflect"
	"testing"
)

const envLayout = `namespace: cpco
mode: organization
region: us-west-2
env:
  TF_VAR_namespace: "{namespace}"
  STAGE_LABEL: "{namespace}-{stage}-{role} in {account}/{region} ({ou})"
  KUBE_EDITOR: vim
  CACHE: ~/.cache/{stage}
root:
  account: "323330167063"
  env: {KUBE_EDITOR: nano}
stages:
  - name: staging
    account: "222222222222"
    ou: workloads
    region: us-east-1
    roles: {admin: OrganizationAccountAccessRole, readonly: cpco-staging-readonly}
    env:
      KUBE_EDITOR: code --wait
      WHO: "{user} says \"hi\""
    dir: stacks/{stage}
    clusters: [main, {name: logs, region: eu-west-1}]
  - name: dev
    account: "444444444444"
    dir: ~/dev
`

// env: values fill their placeholders per profile; a stage's (or the root's) value wins over the
// top level's in the top level's place; dir: is made absolute against the layout file; a
// cluster's region defaults to its stage's.
func TestLayoutStageEnv(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "team", "acct.yaml")
	l, err := Parse(file, []byte(envLayout))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := Render(l, RenderOptions{User: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Profile{}
	for _, p := range ps {
		byName[p.Name] = p
	}
	want := map[string]StageEnv{
		"cpco-root-admin": {Env: []EnvVar{
			{"TF_VAR_namespace", "cpco"}, {"STAGE_LABEL", "cpco-root-admin in 323330167063/us-west-2 ()"},
			{"KUBE_EDITOR", "nano"}, {"CACHE", "~/.cache/root"},
		}},
		"cpco-staging-readonly": {
			Env: []EnvVar{
				{"TF_VAR_namespace", "cpco"}, {"STAGE_LABEL", "cpco-staging-readonly in 222222222222/us-east-1 (workloads)"},
				{"KUBE_EDITOR", "code --wait"}, {"CACHE", "~/.cache/staging"}, {"WHO", `alice says "hi"`},
			},
			Dir:      filepath.Join(filepath.Dir(file), "stacks", "staging"),
			Clusters: []ClusterRef{{"main", "us-east-1"}, {"logs", "eu-west-1"}},
		},
		"cpco-dev-admin": {
			Env: []EnvVar{
				{"TF_VAR_namespace", "cpco"}, {"STAGE_LABEL", "cpco-dev-admin in 444444444444/us-west-2 ()"},
				{"KUBE_EDITOR", "vim"}, {"CACHE", "~/.cache/dev"},
			},
			Dir: "~/dev",
		},
	}
	for name, w := range want {
		if got := byName[name].StageEnv; !reflect.DeepEqual(got, w) {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, w)
		}
	}

	// Written into the block's comments and read back by Resolve, quotes and spaces intact.
	text, err := Merge(nil, Origin{Namespace: l.Namespace, LayoutFile: file}, ps)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("config", text)
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range want {
		ch, err := cfg.Resolve(name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ch.StageEnv, w) {
			t.Errorf("%s read back:\n got %+v\nwant %+v\n%s", name, ch.StageEnv, w, text)
		}
	}
}

func TestLayoutStageEnvErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ name, yaml, want string }{
		{"credentials", layoutHead + "env: {AWS_SECRET_ACCESS_KEY: x}\n",
			"layout bad.yaml line 5: env sets AWS_SECRET_ACCESS_KEY, which would override the credentials acct gives the stage; remove it (acct sets the AWS credential variables and ACCT_* itself)"},
		{"profile", layoutHead + "  env: {AWS_PROFILE: x}\n",
			"layout bad.yaml line 5: root env sets AWS_PROFILE, which would override the credentials acct gives the stage; remove it (acct sets the AWS credential variables and ACCT_* itself)"},
		{"container", layoutHead + "stages:\n  - name: dev\n    account: \"444444444444\"\n    env:\n      AWS_CONTAINER_CREDENTIALS_FULL_URI: http://x\n",
			"layout bad.yaml line 9: stage \"dev\" env sets AWS_CONTAINER_CREDENTIALS_FULL_URI, which would override the credentials acct gives the stage; remove it (acct sets the AWS credential variables and ACCT_* itself)"},
		{"acct", layoutHead + "env: {ACCT_PROFILE: x}\n",
			"layout bad.yaml line 5: env sets ACCT_PROFILE, which would override the credentials acct gives the stage; remove it (acct sets the AWS credential variables and ACCT_* itself)"},
		{"session token", layoutHead + "env: {AWS_SESSION_TOKEN: x}\n",
			"layout bad.yaml line 5: env sets AWS_SESSION_TOKEN, which would override the credentials acct gives the stage; remove it (acct sets the AWS credential variables and ACCT_* itself)"},
		{"access key", layoutHead + "env: {AWS_ACCESS_KEY_ID: x}\n",
			"layout bad.yaml line 5: env sets AWS_ACCESS_KEY_ID, which would override the credentials acct gives the stage; remove it (acct sets the AWS credential variables and ACCT_* itself)"},
		{"bad name", layoutHead + "env: {1X: y}\n",
			"layout bad.yaml line 5: env variable \"1X\" is not a variable name; use letters, digits and _, not starting with a digit"},
		{"unknown placeholder", layoutHead + "env:\n  X: \"{stgae}\"\n",
			"layout bad.yaml line 6: env X \"{stgae}\": unknown variable {stgae}; use {namespace}, {stage}, {account}, {region}, {role}, {ou} or {user}"},
		{"open brace", layoutHead + "env:\n  X: \"{stage\"\n",
			"layout bad.yaml line 6: env X \"{stage\": has a `{` without `}`; write variables as {stage}"},
		{"env list", layoutHead + "env: [A]\n",
			"layout bad.yaml line 5: env is a list but must be a map of variables to values, e.g. {TF_VAR_stage: \"{stage}\"}"},
		{"dir placeholder", layoutHead + "stages:\n  - name: dev\n    account: \"444444444444\"\n    dir: \"x/{nope}\"\n",
			"layout bad.yaml line 8: stage \"dev\" dir \"x/{nope}\": unknown variable {nope}; use {namespace}, {stage}, {account}, {region}, {role}, {ou} or {user}"},
		{"dir on root", layoutHead + "  dir: x\n",
			"layout bad.yaml line 5: unknown key \"dir\" in root; allowed keys: account, roles, region, protected, duration, profile, env"},
		{"clusters map", layoutHead + "stages:\n  - name: dev\n    account: \"444444444444\"\n    clusters: {main: x}\n",
			"layout bad.yaml line 8: stage \"dev\" clusters is a map but must be a list of EKS cluster names, e.g. [main]"},
		{"cluster name", layoutHead + "stages:\n  - name: dev\n    account: \"444444444444\"\n    clusters: [\"my cluster\"]\n",
			"layout bad.yaml line 8: stage \"dev\" cluster \"my cluster\" is not an EKS cluster name; use letters, digits, - and _"},
		{"cluster twice", layoutHead + "stages:\n  - name: dev\n    account: \"444444444444\"\n    clusters: [main, main]\n",
			"layout bad.yaml line 8: stage \"dev\" lists cluster main twice (first on line 8); remove one"},
		{"cluster twice, two regions", layoutHead + "stages:\n  - name: dev\n    account: \"444444444444\"\n    clusters:\n      - main\n      - {name: main, region: us-west-2}\n",
			"layout bad.yaml line 10: stage \"dev\" lists cluster main twice (first on line 9); remove one"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(c.yaml))
			if err == nil || err.Error() != c.want {
				t.Errorf("error\n got: %v\nwant: %s", err, c.want)
			}
		})
	}
}
