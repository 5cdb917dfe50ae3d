// Package fakeaws is what the project's fake AWS services (test-only: session/ststest, iamtest,
// ssotest, orgs/orgstest, and any fake added later) have in common, so that each of them adds
// only its own handlers: a server on 127.0.0.1, a clock a test can move, a call counter and
// failure injector, the SigV4 check (header and presigned URL, re-signed with the SDK's signer),
// AWS's error documents and request ids.
package fakeaws

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Service is the part of a fake every service shares; a fake embeds it and calls Start with its
// handler. Its methods (Now, Advance, SetNow, Calls, Reset, Fail, FailWith) become the fake's.
type Service struct {
	URL string // http://127.0.0.1:PORT; give it to the SDK as AWS_ENDPOINT_URL_<SERVICE>

	Clock
	Recorder

	srv *httptest.Server
}

// Start serves h on a random port of 127.0.0.1.
func (s *Service) Start(h http.Handler) {
	s.srv = httptest.NewServer(h)
	s.URL = s.srv.URL
}

// Close shuts the server down.
func (s *Service) Close() { s.srv.Close() }

// Body reads a request body as AWS does, up to 1 MiB.
func Body(r *http.Request) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r.Body, 1<<20))
}

// Clock is the time a fake lives in: the wall clock, or a test's own (SetNow), moved forward by
// Advance, so a test can expire credentials, tokens and codes without sleeping. Its zero value
// is the wall clock.
type Clock struct {
	mu     sync.Mutex
	now    func() time.Time
	offset time.Duration
}

// Now is the fake's time, in UTC.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	f, off := c.now, c.offset
	c.mu.Unlock()
	if f == nil {
		f = time.Now
	}
	return f().Add(off).UTC()
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// SetNow makes f the clock's source (nil: the wall clock); Advance still adds to it.
func (c *Clock) SetNow(f func() time.Time) {
	c.mu.Lock()
	c.now = f
	c.mu.Unlock()
}
