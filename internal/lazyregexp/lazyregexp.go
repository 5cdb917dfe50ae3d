// Package lazyregexp compiles a regular expression when it is first used rather than when acct
// starts. Every AWS call made through `acct credential-process` pays acct's start, and compiling
// the expressions of every command at start cost each run about 0.2 ms (perf, 30 November); the
// go command does the same for its own start.
package lazyregexp

import (
	"regexp"
	"sync"
)

// New returns a function giving expr compiled, compiling it on the first call; expr must compile
// (regexp.MustCompile panics on the first call otherwise, and every expression is used by a test).
func New(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
