//go:build unix

package shellenv

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
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
	const clients, perClient = 100, 10
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
	// The clients are lean: one kept-alive connection each, a request written as prepared bytes
	// and the answer read by net/http's own response reader. The tools in a shell run in other
	// processes; here the 100 clients share the two cores with the endpoint, and Go's
	// http.Transport costs about as much per request as the endpoint itself, so a heavier client
	// would mostly measure itself.
	endpoint, err := url.Parse(s.URL)
	if err != nil {
		b.Fatal(err)
	}
	request := []byte("GET " + endpoint.RequestURI() + " HTTP/1.1\r\nHost: " + endpoint.Host + "\r\nAuthorization: " + s.Token + "\r\n\r\n")
	type conn struct {
		conn net.Conn
		in   *bufio.Reader
	}
	dial := func() (*conn, error) {
		c, err := net.Dial("tcp", endpoint.Host)
		if err != nil {
			return nil, err
		}
		return &conn{c, bufio.NewReader(c)}, nil
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
		if conns[i], err = dial(); err != nil {
			b.Fatal(err)
		}
		defer conns[i].conn.Close()
	}
	if _, err := get(conns[0]); err != nil { // the one STS call, before the clock runs
		b.Fatal(err)
	}
	fake.Reset()

	var mu sync.Mutex
	var latencies []time.Duration
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		for _, c := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range perClient {
					d, err := get(c)
					if err != nil {
						b.Error(err)
						return
					}
					mu.Lock()
					latencies = append(latencies, d)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	b.StopTimer()
	if n := fake.Calls(""); n != 0 {
		b.Fatalf("%d calls reached STS; the credentials were cached", n)
	}
	slices.Sort(latencies)
	p99 := latencies[len(latencies)*99/100]
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
}

type statusError struct{ status int }

func (e *statusError) Error() string { return http.StatusText(e.status) }
