package fakeaws

import "sync"

// Recorder counts the calls a fake receives and injects failures into them, the same way for
// every fake, so that a test can prove a cached session made no call and see what acct does when
// AWS answers with an error. It is safe for concurrent use; its zero value is ready.
type Recorder struct {
	mu    sync.Mutex
	calls map[string]int
	total int
	fails map[string][]string // action ("" for any) -> error codes, next first
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

// Call counts one call of action and returns the error code injected into it, "" for none.
func (r *Recorder) Call(action string) string {
	r.Count(action)
	return r.Injected(action)
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

// Fail makes the next n calls of action ("" for any action) fail with the error code, in place
// of any failure pending for action; n <= 0 cancels a pending failure.
func (r *Recorder) Fail(action, code string, n int) {
	codes := make([]string, max(n, 0))
	for i := range codes {
		codes[i] = code
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fails == nil {
		r.fails = map[string][]string{}
	}
	r.fails[action] = codes
}

// FailWith makes the next calls of action fail with codes, one call each, after the failures
// already pending for action.
func (r *Recorder) FailWith(action string, codes ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fails == nil {
		r.fails = map[string][]string{}
	}
	r.fails[action] = append(r.fails[action], codes...)
}

// Injected consumes one pending failure for action (or for any action) and returns its error
// code, or "" when none is pending.
func (r *Recorder) Injected(action string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range []string{action, ""} {
		if f := r.fails[k]; len(f) > 0 {
			r.fails[k] = f[1:]
			return f[0]
		}
	}
	return ""
}
