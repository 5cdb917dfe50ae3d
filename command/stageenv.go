package command

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/acct-cli/acct/kube"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/shellenv"
)

// stageVars are the variables of ch's stage (the layout's env:, read from the config's block, so
// scripts get them from any directory), each ~/ filled with the home directory; a stage with
// clusters gets KUBECONFIG with its own context current, unless env: sets KUBECONFIG.
func (sys *system) stageVars(ch *profiles.Chain) []string {
	home := homeDir(sys)
	var vars []string
	kubeSet := false
	for _, v := range ch.Env {
		vars = append(vars, v.Name+"="+expandHome(v.Value, home))
		kubeSet = kubeSet || v.Name == "KUBECONFIG"
	}
	if len(ch.Clusters) > 0 && !kubeSet && ch.Namespace != "" && ch.Stage != "" {
		file := kubeconfigPath(sys, ch.Namespace)
		vars = append(vars, "KUBECONFIG="+kube.StagePath(file, ch.Stage)+string(os.PathListSeparator)+file)
	}
	return vars
}

// shellKubeconfig gives a shell its own copy of its stage's current-context file, first in the
// KUBECONFIG of t.Vars: kubectl writes `kubectl config use-context` into that first file, and in
// the shared one it would switch every shell of the stage, open and to come (a staging prompt
// over prod's cluster). done removes the copy once the shell has ended. Without the stage file
// (no acct kubeconfig yet) KUBECONFIG stays as it is.
func (sys *system) shellKubeconfig(t *shellenv.Target, ch *profiles.Chain) (done func(), err error) {
	shared := kube.StagePath(kubeconfigPath(sys, ch.Namespace), ch.Stage)
	for i, v := range t.Vars {
		rest, ok := strings.CutPrefix(v, "KUBECONFIG="+shared+string(os.PathListSeparator))
		if !ok {
			continue
		}
		data, err := os.ReadFile(shared)
		if err != nil {
			return func() {}, nil
		}
		f, err := os.CreateTemp(sys.Getenv("TMPDIR"), "acct-kube-"+ch.Stage+"-*.yaml")
		if err != nil {
			return nil, fmt.Errorf("kubeconfig for the shell: %w", err)
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(f.Name())
			return nil, fmt.Errorf("kubeconfig for the shell: %w", err)
		}
		t.Vars[i] = "KUBECONFIG=" + f.Name() + string(os.PathListSeparator) + rest
		return func() { os.Remove(f.Name()) }, nil
	}
	return func() {}, nil
}

// expandHome replaces ~/ at the start of value and of each element of a PATH-like list, as
// shells do in assignments.
func expandHome(value, home string) string {
	if home == "" || !strings.Contains(value, "~/") {
		return value
	}
	parts := strings.Split(value, string(os.PathListSeparator))
	for i, p := range parts {
		if strings.HasPrefix(p, "~/") {
			parts[i] = filepath.Join(home, p[2:])
		}
	}
	return strings.Join(parts, string(os.PathListSeparator))
}

// stageDir is the directory a shell for ch starts in (the layout's dir:), "" for the current
// one. A directory that does not exist (not checked out on this machine yet) is a notice, not a
// reason to refuse the shell.
func (sys *system) stageDir(ch *profiles.Chain) string {
	if ch.Dir == "" {
		return ""
	}
	dir := expandHome(ch.Dir, homeDir(sys))
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		fmt.Fprintf(sys.Console.Err, "acct: %s's dir %s is not a directory here; starting in the current one (see dir: in the layout)\n", ch.Stage, dir)
		return ""
	}
	return dir
}
