//go:build !race

package command_test

const raceBuild = false
