//go:build !unix

package memo

import "time"

// Identity: without a change time that no program can set, no identity is trusted here.
func Identity(path string, now time.Time, settle time.Duration) (id string, settled bool) {
	return "", false
}
