package command

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"
)

func versionCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print acct's version, commit, build date, Go version, and which keyring backend is used and whether it answers",
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			v, commit, date := buildInfo()
			fmt.Fprintf(sys.Console.Out, "acct %s\ncommit:  %s\nbuilt:   %s\ngo:      %s %s/%s\nkeyring: %s\n",
				v, commit, date, runtime.Version(), runtime.GOOS, runtime.GOARCH,
				sys.keyringStatus())
			return nil
		},
	}
}

// buildInfo is what the release build set through -ldflags (-X github.com/acct-cli/acct/command.Version=...,
// .Commit, .Date); a `go install github.com/acct-cli/acct@v1.2.3` build has none of those, so the
// module version and the VCS stamp Go records in the binary fill the gaps.
func buildInfo() (version, commit, date string) {
	version, commit, date = Version, Commit, Date
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	if version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		version = strings.TrimPrefix(bi.Main.Version, "v")
	}
	fromVCS, modified := false, false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if commit == "none" {
				commit, fromVCS = s.Value, true
			}
		case "vcs.time":
			if date == "unknown" {
				date = s.Value
			}
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	// Only Go's own stamp says whether the tree was modified; a release's -ldflags commit is taken
	// as it is (its build adds untracked completion scripts, which Go counts as a modification).
	if fromVCS && modified {
		commit += " (modified)"
	}
	return
}
