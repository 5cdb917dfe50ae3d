// Package bench holds acct's benchmarks, in its test files; bench/*.sh time the built binary with
// hyperfine. The benchmarks build only with the tag bench (go test -tags bench -run '^$' -bench .
// ./bench): a plain go test ./... would otherwise link this package's test binary, the whole SDK,
// to run no test.
package bench
