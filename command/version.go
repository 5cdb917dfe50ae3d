package command

import (
	"fmt"
	"github.com/99designs/keyring"
	"runtime"
	"strings"

	"github.com/acct-cli/acct/session"
	"github.com/urfave/cli/v2"
)

func versionCommand(sys IO) *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print acct's version, commit, build date, Go version and keyring backend",
		Action: func(c *cli.Context) error {
			fmt.Fprintf(sys.Stdout, "acct %s\ncommit:  %s\nbuilt:   %s\ngo:      %s %s/%s\nkeyring: %s\n",
				Version, Commit, Date, runtime.Version(), runtime.GOOS, runtime.GOARCH,
				keyringBackend(sys))
			return nil
		},
	}
}

// keyringBackend names the backend acct would use, without opening it (which could prompt).
func keyringBackend(sys IO) string {
	if b := session.KeyringConfigFromEnv(sys.Getenv).Backend; b != "" {
		return b + " (ACCT_KEYRING_BACKEND)"
	}
	var names []string
	for _, b := range keyring.AvailableBackends() {
		names = append(names, string(b))
	}
	return "the OS keyring; available here: " + strings.Join(names, ", ")
}
