//go:build unix

package shellenv

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/acct-cli/acct/session/ststest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// BenchmarkServerConcurrentClients is the endpoint under honest load (issue 12's target): each
// round is 1,000 requests from 100 concurrent clients, each client on its own kept-alive
// connection, as the tools in a busy shell make them. It reports the 99th percentile latency
// over all rounds, and fails on any error or on any call reaching the fake STS once the
// credentials are cached.
//
//	go test -run '^$' -bench ServerConcurrentClients -benchtime 20x ./shellenv/
func BenchmarkServerConcurrentClients(b *testing.B) {
	fake := ststest.New()
	defer fake.Close()
	u := fake.AddUser("323330167063", "alice")
	client := sts.New(sts.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(fake.URL),
		Credentials: credentials.NewStaticCredentialsProvider(u.AccessKeyID, u.SecretAccessKey, ""),
	})
	provider := aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		out, err := client.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
		if err != nil {
			return aws.Credentials{}, err
		}
		c := out.Credentials
		return aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey,
			SessionToken: *c.SessionToken, CanExpire: true, Expires: *c.Expiration}, nil
	}))
	s := serve(b, provider)
	if _, err := getOnce(s.URL, s.Token); err != nil { // the one STS call, before the clock runs
		b.Fatal(err)
	}
	fake.Reset()
	loadEndpoint(b, s.URL, s.Token)
	if n := fake.Calls(""); n != 0 {
		b.Fatalf("%d calls reached STS; the credentials were cached", n)
	}
}

// BenchmarkBareServerConcurrentClients is the floor under the endpoint's figures: the same
// clients and load against a plain net/http server whose handler writes an answer of the same
// size and checks nothing. What BenchmarkServerConcurrentClients reports beyond this is acct's;
// the rest is the machine, Go's scheduler and the kernel's loopback TCP.
//
//	go test -run '^$' -bench 'ServerConcurrentClients' -benchtime 20x -count 5 ./shellenv/
func BenchmarkBareServerConcurrentClients(b *testing.B) {
	body := []byte(`{"AccessKeyId":"ASIA0000000000000000","SecretAccessKey":"` + strings.Repeat("s", 40) +
		`","Token":"` + strings.Repeat("t", 300) + `","Expiration":"2026-11-30T12:00:00Z"}` + "\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	loadEndpoint(b, srv.URL+"/", "token")
}

// getOnce asks the endpoint once, outside the clock.
func getOnce(endpoint, token string) (int, error) {
	req, err := http.NewRequest(http.MethodGet, endpoint, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, &statusError{resp.StatusCode}
	}
	return resp.StatusCode, nil
}

// loadEndpoint runs b.N rounds of 1,000 requests from 100 concurrent clients against the
// endpoint and reports the latencies' median and 99th percentile over all rounds; any error
// fails the benchmark.
//
// The clients are lean: one kept-alive connection each, a request written as prepared bytes and
// the answer read by net/http's own response reader. The tools in a shell run in other
// processes; here the 100 clients share the two cores with the endpoint, and Go's http.Transport
// costs about as much per request as the endpoint itself, so a heavier client would mostly
// measure itself.
func loadEndpoint(b *testing.B, endpoint, token string) {
	const clients, perClient = 100, 10
	u, err := url.Parse(endpoint)
	if err != nil {
		b.Fatal(err)
	}
	request := []byte("GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\nAuthorization: " + token + "\r\n\r\n")
	type conn struct {
		conn net.Conn
		in   *bufio.Reader
	}
	get := func(c *conn) (time.Duration, error) {
		start := time.Now()
		if _, err := c.conn.Write(request); err != nil {
			return 0, err
		}
		resp, err := http.ReadResponse(c.in, nil)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body) // read whole, so the connection is kept alive
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Close {
			return 0, &statusError{resp.StatusCode}
		}
		return time.Since(start), nil
	}
	conns := make([]*conn, clients)
	for i := range conns {
		c, err := net.Dial("tcp", u.Host)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		conns[i] = &conn{c, bufio.NewReader(c)}
	}
	var mu sync.Mutex
	latencies := make([]time.Duration, 0, b.N*clients*perClient)
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		for _, c := range conns {
			wg.Go(func() {
				var mine [perClient]time.Duration
				for i := range mine {
					d, err := get(c)
					if err != nil {
						b.Error(err)
						return
					}
					mine[i] = d
				}
				mu.Lock()
				latencies = append(latencies, mine[:]...)
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	b.StopTimer()
	if b.Failed() {
		return
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
}

type statusError struct{ status int }

func (e *statusError) Error() string { return http.StatusText(e.status) }
