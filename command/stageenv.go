package command

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/acct-cli/acct/kube"
	"github.com/acct-cli/acct/profiles"
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
