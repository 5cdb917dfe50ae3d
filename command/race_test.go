//go:build race

package command_test

// raceBuild says the tests run under -race, so acctBin is built with it too.
const raceBuild = true
