package shellenv

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// DefaultExpiryWindow is how long before expiry the server fetches new
// credentials when ServeOptions does not say.
const DefaultExpiryWindow = 5 * time.Minute

// staticLifetime is the Expiration given for credentials that never expire:
// botocore's container provider fails on a response without one.
const staticLifetime = time.Hour

// ServeOptions tune Serve.
type ServeOptions struct {
	// ExpiryWindow makes the server fetch new credentials from the provider
	// this long before the current ones expire, so clients never get
	// credentials about to lapse. Zero means DefaultExpiryWindow.
	ExpiryWindow time.Duration
}

// Server is a local container-credentials endpoint (the protocol of
// AWS_CONTAINER_CREDENTIALS_FULL_URI): every AWS SDK and the CLI fetch and
// refresh credentials from it on their own.
type Server struct {
	URL   string // http://127.0.0.1:PORT/
	Token string // the Authorization header value clients must send

	creds *refreshCache
	ln    net.Listener
	srv   *http.Server
	done  chan struct{}
	once  sync.Once
	err   error
}

// Serve starts a credential endpoint for p on a random loopback port with a
// fresh random token, using default options.
func Serve(p aws.CredentialsProvider) (*Server, error) {
	return ServeWith(p, ServeOptions{})
}

// ServeWith is Serve with options.
func ServeWith(p aws.CredentialsProvider, o ServeOptions) (*Server, error) {
	if p == nil {
		return nil, errors.New("credential server: no credentials provider")
	}
	window := o.ExpiryWindow
	if window <= 0 {
		window = DefaultExpiryWindow
	}
	tok := make([]byte, 32)
	if _, err := rand.Read(tok); err != nil {
		return nil, fmt.Errorf("credential server: make token: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("credential server: listen on 127.0.0.1: %w", err)
	}
	s := &Server{
		URL:   "http://" + ln.Addr().String() + "/",
		Token: hex.EncodeToString(tok),
		creds: &refreshCache{p: p, window: window},
		ln:    ln,
		done:  make(chan struct{}),
	}
	s.srv = endpointServer(s)
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.err = err
		}
	}()
	return s, nil
}

// Close stops the endpoint: the listener is closed, so clients that still
// hold the URL and token get "connection refused".
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		err = s.srv.Close()
		<-s.done
		if err == nil && s.err != nil {
			err = s.err
		}
		if err != nil {
			err = fmt.Errorf("credential server: close: %w", err)
		}
	})
	return err
}

// credentialsResponse is the body the container-credentials clients parse.
type credentialsResponse struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	// Always present, even empty for long-lived keys: botocore's container
	// provider fails with KeyError 'Token' without it.
	Token      string `json:"Token"`
	Expiration string `json:"Expiration"`
	AccountID  string `json:"AccountId,omitempty"`
}

type errorResponse struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ServeHTTP answers credential requests. Exported through http.Handler only
// so tests and embedders can drive it; it checks everything itself.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !loopback(r.RemoteAddr) {
		writeError(w, http.StatusForbidden, "AccessDenied", "requests are accepted from this machine only")
		return
	}
	if _, port, _ := net.SplitHostPort(s.ln.Addr().String()); !hostAllowed(r.Host, port) {
		writeError(w, http.StatusForbidden, "AccessDenied", "requests must name this endpoint as 127.0.0.1 or localhost")
		return
	}
	if !s.authorized(r.Header.Get("Authorization")) {
		writeError(w, http.StatusForbidden, "AccessDenied", "missing or wrong authorization token")
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "use GET")
		return
	}
	c, err := s.creds.get(r.Context())
	if err != nil {
		// The provider's messages are written for the user (session keeps
		// secrets out of error text); the client shows this one to them.
		writeError(w, http.StatusInternalServerError, "CredentialsUnavailable",
			"acct could not get credentials: "+err.Error())
		return
	}
	exp := c.Expires
	if !c.CanExpire || exp.IsZero() {
		exp = time.Now().Add(staticLifetime)
	}
	writeJSON(w, http.StatusOK, credentialsResponse{
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		Token:           c.SessionToken,
		Expiration:      exp.UTC().Format(time.RFC3339),
		AccountID:       c.AccountID,
	})
}

// authorized compares in constant time so the token cannot be guessed byte
// by byte from response timings.
func (s *Server) authorized(got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.Token)) == 1
}

func loopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// writeError answers a refusal and closes the connection, so a refused client cannot keep it.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Connection", "close")
	writeJSON(w, status, errorResponse{Code: code, Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	// Credentials must not be kept by any cache between client and server.
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var _ http.Handler = (*Server)(nil)

// refreshCache keeps the provider's credentials until window before they
// expire. aws.CredentialsCache is not used because it moves Expires earlier
// by its window: the endpoint would then announce an earlier expiry than the
// real one, and once truncated to RFC 3339 seconds it could hand out
// credentials whose announced expiry has already passed. Clients' own caches
// (the Go SDK's 5 minutes, botocore's 10-15) would also come back on every
// call during that gap.
type refreshCache struct {
	p      aws.CredentialsProvider
	window time.Duration

	// mu is held across the provider call so that a burst of clients makes
	// one call (one STS request, at most one MFA prompt), not one each.
	mu    sync.Mutex
	creds aws.Credentials
	have  bool
}

func (c *refreshCache) get(ctx context.Context) (aws.Credentials, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.have && (!c.creds.CanExpire || now.Add(c.window).Before(c.creds.Expires)) {
		return c.creds, nil
	}
	fresh, err := c.p.Retrieve(ctx)
	if err != nil {
		// Early refresh failed (e.g. STS unreachable for a moment): the
		// credentials we have are still good until they really expire.
		if c.have && now.Before(c.creds.Expires) {
			return c.creds, nil
		}
		return aws.Credentials{}, err
	}
	c.creds, c.have = fresh, true
	return fresh, nil
}
