//go:build unix

package shellenv

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
)

var staticProvider = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "ASIASTATIC", SecretAccessKey: "s", SessionToken: "t",
		CanExpire: true, Expires: time.Now().Add(time.Hour)}, nil
})

// get sends one request for the endpoint's credentials with Host host and says the status and
// whether the server closed the connection after answering.
func get(t *testing.T, s *Server, host, token string) (status int, closed bool) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(s.URL, "http://"), "/"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\n\r\n", host, token)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	// A closed connection reads EOF at once; an open one times out.
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	_, err = r.ReadByte()
	return resp.StatusCode, err == io.EOF
}

func TestServerChecksHost(t *testing.T) {
	t.Parallel()
	s := serve(t, staticProvider)
	_, port, _ := net.SplitHostPort(strings.TrimSuffix(strings.TrimPrefix(s.URL, "http://"), "/"))
	for host, want := range map[string]int{
		"127.0.0.1:" + port:         200,
		"localhost:" + port:         200,
		"LocalHost:" + port:         200,
		"evil.example:" + port:      403, // a DNS-rebinding page
		"evil.example":              403,
		"127.0.0.1":                 403,
		"127.0.0.1:1" + port:        403,
		"localhost.evil.example:80": 403,
		"[::1]:" + port:             403,
	} {
		status, closed := get(t, s, host, s.Token)
		if status != want {
			t.Errorf("Host %q: status %d, want %d", host, status, want)
		}
		if want == 403 && !closed {
			t.Errorf("Host %q: the connection stayed open after the refusal", host)
		}
	}
}

func TestServerClosesRefusedConnections(t *testing.T) {
	t.Parallel()
	s := serve(t, staticProvider)
	host := strings.TrimSuffix(strings.TrimPrefix(s.URL, "http://"), "/")
	if status, closed := get(t, s, host, "wrong"); status != 403 || !closed {
		t.Errorf("wrong token: status %d, closed %v; want 403 and closed", status, closed)
	}
	if status, closed := get(t, s, host, s.Token); status != 200 || closed {
		t.Errorf("right token: status %d, closed %v; want 200 and kept alive", status, closed)
	}
}

// closeCounter is a connection that says whether it was closed.
type closeCounter struct {
	net.Conn
	closed atomic.Bool
}

func (c *closeCounter) Close() error { c.closed.Store(true); return c.Conn.Close() }

// A flood faster than the guard's limit per quietGrace (every connection here is younger than
// it): past twice the limit the oldest quiet connections are closed anyway, so the connections
// acct holds stay bounded and it keeps descriptors for its own calls.
func TestConnGuardBoundsAFastFlood(t *testing.T) {
	t.Parallel()
	const limit = 4
	g := newConnGuard(limit)
	var conns []*closeCounter
	reported := map[*closeCounter]bool{}
	for i := range 50 {
		a, b := net.Pipe()
		t.Cleanup(func() { a.Close(); b.Close() })
		c := &closeCounter{Conn: a}
		conns = append(conns, c)
		g.track(c, http.StateNew)
		for _, o := range conns {
			if o.closed.Load() && !reported[o] { // as net/http reports a connection the guard closed
				reported[o] = true
				g.track(o, http.StateClosed)
			}
		}
		if g.open > 2*limit {
			t.Fatalf("after %d connections the guard holds %d, over twice its limit of %d", i+1, g.open, limit)
		}
	}
	for i, c := range conns {
		if want := i < len(conns)-2*limit; c.closed.Load() != want {
			t.Errorf("connection %d of %d: closed %v, want %v (the oldest go first)", i+1, len(conns), c.closed.Load(), want)
		}
	}
}

// TestServerSurvivesConnectionFlood is the attack of issue 11: other processes (another local
// user) open 20,000 connections, most of them kept alive after a refused request, some silent,
// and hold them; meanwhile and afterwards the shell's own SDK client, on a new connection
// each time, gets its credentials within a second.
func TestServerSurvivesConnectionFlood(t *testing.T) {
	t.Parallel()
	const hostile, attackers = 20000, 2
	lowerFileLimit(t, 4096)
	s := serve(t, staticProvider)
	addr := strings.TrimSuffix(strings.TrimPrefix(s.URL, "http://"), "/")
	_, _, env := shellHome(t)

	var opened atomic.Int64
	var wg sync.WaitGroup
	for range attackers {
		cmd := helperCmd(t, helperRequest{Mode: "flood", Argv: []string{addr, strconv.Itoa(hostile / attackers)}}, env)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		hold, err := cmd.StdinPipe() // the attacker holds its connections until this closes
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { hold.Close(); _ = cmd.Wait() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			lines := bufio.NewScanner(out)
			for lines.Scan() {
				if n, ok := strings.CutPrefix(lines.Text(), "opened "); ok {
					k, _ := strconv.Atoi(n)
					opened.Add(int64(k))
				}
				if strings.HasPrefix(lines.Text(), "done") {
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for during := 0; ; during++ {
		select {
		case <-done:
			t.Logf("%d hostile connections opened; %d fetches during the flood", opened.Load(), during)
			if opened.Load() < hostile*9/10 {
				t.Fatalf("the attack opened only %d connections", opened.Load())
			}
			if err := fetch(s); err != nil {
				t.Fatalf("with %d hostile connections held: %v", opened.Load(), err)
			}
			return
		case <-time.After(200 * time.Millisecond):
			if err := fetch(s); err != nil {
				t.Fatalf("during the flood (%d connections open): %v", opened.Load(), err)
			}
		}
	}
}

// flood is one attacker: it opens n connections to addr, one after the other (one in four sends a
// refused request, reads the answer and keeps the connection; the others stay silent), says
// "opened K" as it goes and "done" at the end, and holds them until its stdin closes. It stops
// by itself after a minute. It works with plain system calls: it runs as a copy of the test
// binary, race-instrumented under -race, where the net package's poller would cost it more CPU
// than the endpoint it attacks.
func flood(addr string, n int) {
	stop := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stop) }()
	deadline := time.Now().Add(time.Minute)
	_, p, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(p)
	request := []byte("GET / HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: wrong\r\nConnection: keep-alive\r\n\r\n")
	answer := make([]byte, 512)
	held := 0
	for i := 0; i < n && time.Now().Before(deadline); i++ {
		select {
		case <-stop:
			return
		default:
		}
		fd, err := dialRaw(port)
		if err != nil {
			continue
		}
		if i%4 == 0 {
			// Like a client keeping its connection alive: ask, read the answer, hold on.
			if _, err := syscall.Write(fd, request); err == nil {
				_, _ = retryEINTR(func() (int, error) { return syscall.Read(fd, answer) })
			}
		}
		held++
		if held%1000 == 0 {
			fmt.Println("opened 1000")
		}
	}
	fmt.Printf("opened %d\ndone\n", held%1000)
	select {
	case <-stop:
	case <-time.After(time.Until(deadline)):
	}
}

// dialRaw connects a TCP socket to 127.0.0.1:port; its connect and reads give up after a second.
func dialRaw(port int) (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return -1, err
	}
	second := syscall.Timeval{Sec: 1}
	_ = syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &second)
	_ = syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_SNDTIMEO, &second)
	if err := syscall.Connect(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		syscall.Close(fd)
		return -1, err
	}
	return fd, nil
}

func retryEINTR(f func() (int, error)) (int, error) {
	for {
		n, err := f()
		if err != syscall.EINTR {
			return n, err
		}
	}
}

// fetch is the shell's own AWS SDK client getting credentials from s on a new connection; it
// has one second.
func fetch(s *Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c, err := endpointcreds.New(s.URL, func(o *endpointcreds.Options) {
		o.AuthorizationToken = s.Token
		o.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	}).Retrieve(ctx)
	if err == nil && c.AccessKeyID != "ASIASTATIC" {
		err = fmt.Errorf("got key %s", c.AccessKeyID)
	}
	return err
}

// lowerFileLimit gives the test process (the endpoint's) a descriptor limit far below the
// attack's 20,000 connections, as most users' shells have, for the rest of the test.
func lowerFileLimit(t *testing.T, n uint64) {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	lim := old
	lim.Cur = min(n, old.Cur)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old) })
}
