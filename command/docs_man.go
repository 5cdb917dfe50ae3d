//go:build !urfave_cli_no_docs

package command

import "github.com/urfave/cli/v2"

// manPage is acct's man page, section 1. urfave/cli renders it with go-md2man and blackfriday,
// whose package init (a map of 2,000 HTML entities) every run of acct would pay: releases are
// built with the tag urfave_cli_no_docs, without them (docs_noman.go); docs/acct.1 is committed.
func manPage(app *cli.App) (string, error) { return app.ToManWithSection(1) }
