//go:build race

package testtool

// Race says this binary was built with -race.
const Race = true
