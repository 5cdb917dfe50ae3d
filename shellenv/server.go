package shellenv

import (
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

// staticLifetime is the Expiration given for credentials that never expire:
// botocore's container provider fails on a response without one.
const staticLifetime = time.Hour

// Server is a local container-credentials endpoint (the protocol of
// AWS_CONTAINER_CREDENTIALS_FULL_URI): every AWS SDK and the CLI fetch and
// refresh credentials from it on their own. It asks its provider on every
// request and keeps no copy: the provider is expected to cache (session's
// providers do, and replace credentials before they expire).
type Server struct {
	URL   string // http://127.0.0.1:PORT/
	Token string // the Authorization header value clients must send

	creds aws.CredentialsProvider
	ln    net.Listener
	srv   *http.Server
	done  chan struct{}
	once  sync.Once
	err   error
}

// Serve starts a credential endpoint for p on a random loopback port with a
// fresh random token.
func Serve(p aws.CredentialsProvider) (*Server, error) {
	if p == nil {
		return nil, errors.New("credential server: no credentials provider")
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
		creds: p,
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
	c, err := s.creds.Retrieve(r.Context())
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
