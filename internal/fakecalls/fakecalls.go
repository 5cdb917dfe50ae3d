// Package fakecalls counts the calls a test-only fake AWS service receives and injects failures
// into them, the same way for every fake (STS, IAM, Organizations), so that a test can prove a
// cached session made no call and see what acct does when AWS answers with an error.
package fakecalls

import "sync"

// Recorder is safe for concurrent use; its zero value is ready.
type Recorder struct {
	mu    sync.Mutex
	calls map[string]int
	total int
	fails map[string]*failure
}

type failure struct {
	code string
	n    int
}

// Count records one call of action; "" counts a request whose action could not be read, which
// only the total includes.
func (r *Recorder) Count(action string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls == nil {
		r.calls = map[string]int{}
	}
	r.total++
	if action != "" {
		r.calls[action]++
	}
}

// Calls is the number of calls of action, failed ones included; "" counts all.
func (r *Recorder) Calls(action string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if action == "" {
		return r.total
	}
	return r.calls[action]
}

// Reset zeroes the counters; pending failures stay.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls, r.total = nil, 0
}

// Fail makes the next n calls of action ("" for any action) fail with the error code; n <= 0
// cancels a pending failure.
func (r *Recorder) Fail(action, code string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n <= 0 {
		delete(r.fails, action)
		return
	}
	if r.fails == nil {
		r.fails = map[string]*failure{}
	}
	r.fails[action] = &failure{code: code, n: n}
}

// Injected consumes one pending failure for action (or for any action) and returns its error
// code, or "" when none is pending.
func (r *Recorder) Injected(action string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range []string{action, ""} {
		if f := r.fails[k]; f != nil {
			if f.n--; f.n <= 0 {
				delete(r.fails, k)
			}
			return f.code
		}
	}
	return ""
}
