//go:build urfave_cli_no_docs

package command

import (
	"errors"

	"github.com/urfave/cli/v2"
)

// manPage: a release build has no man page renderer (see docs_man.go); the documentation is
// written by a development build (DocsRefresh).
func manPage(*cli.App) (string, error) {
	return "", errors.New("this acct is built without the man page renderer; run " + DocsRefresh + " from the source")
}
