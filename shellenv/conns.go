package shellenv

import (
	"container/list"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Limits of the credential endpoint. Any local user can connect to it (only the token keeps
// them from credentials), so none of them may stall it for the shell it serves: connections are
// bounded (connGuard), slow or silent ones time out, refused ones are closed.
const (
	maxConns       = 256
	headerTimeout  = 2 * time.Second
	readTimeout    = 5 * time.Second
	idleTimeout    = 30 * time.Second
	maxHeaderBytes = 8 << 10
	// quietGrace is how long a connection may wait without a whole request before it can be
	// closed to make room: even a client slowed down by a busy machine sends its request sooner.
	quietGrace = 250 * time.Millisecond
)

// endpointServer is the http.Server of the credential endpoint with those limits. There is no
// write timeout: a request waits for the provider (an STS call with retries), and the answer is
// small enough to fit any socket buffer, so a client that does not read cannot hold a handler.
func endpointServer(h http.Handler) *http.Server {
	g := newConnGuard(maxConns)
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: headerTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnState:         g.track,
		// The default logger would write to the stderr of the shell the user is typing in;
		// nothing net/http says there is actionable.
		ErrorLog: log.New(io.Discard, "", 0),
	}
}

// connGuard bounds the endpoint's open connections. When a new one makes them more than limit,
// the connection that has waited longest (at least quietGrace) without a request being served
// (accepted but silent or sending slowly, or idle between requests) is closed. The listener
// keeps accepting at full speed, so a crowd of silent or kept-alive connections can neither
// exhaust acct's descriptors nor keep the shell's own client waiting behind them in the kernel's
// accept queue (a listener that stops accepting at the bound would). Open connections stay under
// limit plus those accepted within quietGrace, and never above twice the limit. A connection
// whose request waits to be read is never chosen: it is about to be served, and a refused one
// closed.
type connGuard struct {
	mu    sync.Mutex
	limit int
	open  int
	quiet *list.List // of quietConn, oldest first
	where map[net.Conn]*list.Element
	gone  map[net.Conn]bool // closed here, no longer counted in open
}

func newConnGuard(limit int) *connGuard {
	return &connGuard{limit: limit, quiet: list.New(), where: map[net.Conn]*list.Element{}, gone: map[net.Conn]bool{}}
}

type quietConn struct {
	net.Conn
	since time.Time
}

func (g *connGuard) track(c net.Conn, st http.ConnState) {
	g.mu.Lock()
	if e := g.where[c]; e != nil {
		g.quiet.Remove(e)
		delete(g.where, c)
	}
	var evict net.Conn
	switch st {
	case http.StateNew, http.StateIdle:
		if st == http.StateNew {
			g.open++
		}
		g.where[c] = g.quiet.PushBack(quietConn{c, time.Now()})
		if g.open > g.limit {
			evict = g.victim(g.open > 2*g.limit)
		}
	case http.StateClosed, http.StateHijacked:
		if g.gone[c] {
			delete(g.gone, c)
		} else {
			g.open--
		}
	}
	g.mu.Unlock()
	if evict != nil {
		_ = evict.Close()
	}
}

// victim takes the connection to close out of the guard, nil when none may be. Past twice the
// limit (force) the oldest quiet connection goes even when it is younger than quietGrace: a flood
// faster than limit connections per quietGrace would otherwise run acct out of descriptors, and
// then its own STS calls and the shell's requests fail.
func (g *connGuard) victim(force bool) net.Conn {
	old := time.Now().Add(-quietGrace)
	if force {
		old = time.Now().Add(time.Second)
	}
	for e := g.quiet.Front(); e != nil && e.Value.(quietConn).since.Before(old); e = e.Next() {
		if c := e.Value.(quietConn).Conn; !hasInput(c) {
			g.quiet.Remove(e)
			delete(g.where, c)
			g.gone[c] = true
			g.open--
			return c
		}
	}
	return nil
}

// hostAllowed reports whether a request's Host names the endpoint itself: a page in a browser
// that rebinds its own DNS name to 127.0.0.1 sends that name, not one of these.
func hostAllowed(host string, port string) bool {
	h, p, err := net.SplitHostPort(host)
	return err == nil && p == port && (h == "127.0.0.1" || strings.EqualFold(h, "localhost"))
}
