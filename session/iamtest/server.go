// Package iamtest is a fake AWS IAM for tests: the access-key actions acct rotate uses
// (CreateAccessKey, DeleteAccessKey, ListAccessKeys), in the AWS Query protocol with XML answers,
// SigV4 checked with the SDK's signer, the two-keys-per-user limit and failure injection.
//
// IAM and STS share users on AWS, so the fake keeps no users of its own: it works on a Backend,
// which *ststest.Server is. A key created here works at once against that fake STS, and a key
// deleted here stops working there. Point the SDK at it with AWS_ENDPOINT_URL_IAM=s.URL.
package iamtest

import (
	"bytes"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"github.com/acct-cli/acct/internal/fakecalls"
	"github.com/acct-cli/acct/internal/sigv4test"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/acct-cli/acct/session/ststest"
)

const (
	apiVersion = "2010-05-08"
	xmlNS      = "https://iam.amazonaws.com/doc/2010-05-08/"
	// KeysPerUser is IAM's quota of access keys per user.
	KeysPerUser = 2
)

// Backend holds the users and their keys; *ststest.Server is one.
type Backend interface {
	LookupKey(id string) (ststest.Key, bool)
	AddAccessKey(userARN string) (id, secret string, ok bool)
	AddAccessKeyWith(userARN, id, secret string) bool
	RemoveAccessKey(id string) bool
	AccessKeys(userARN string) []string
}

// Server is a running fake IAM.
type Server struct {
	URL string

	backend Backend
	srv     *httptest.Server

	mu      sync.Mutex
	created map[string]time.Time // key -> creation time, for keys made here
	lag     bool
	pending map[string]pendingKey // created here but not yet usable (eventual consistency)
	rec     fakecalls.Recorder
}

type pendingKey struct{ userARN, secret string }

// New starts a fake IAM on 127.0.0.1 over backend.
func New(backend Backend) *Server {
	s := &Server{backend: backend, created: map[string]time.Time{}, pending: map[string]pendingKey{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// SetLag makes keys created from now on unusable (at STS and here) until Propagate, as IAM's
// eventual consistency does for a few seconds on AWS. They still count towards the limit and can
// be deleted.
func (s *Server) SetLag(on bool) {
	s.mu.Lock()
	s.lag = on
	s.mu.Unlock()
}

// Propagate makes every pending key usable.
func (s *Server) Propagate() {
	s.mu.Lock()
	p := s.pending
	s.pending = map[string]pendingKey{}
	s.mu.Unlock()
	for id, k := range p {
		s.backend.AddAccessKeyWith(k.userARN, id, k.secret)
	}
}

// Pending lists the access key IDs created but not yet usable.
func (s *Server) Pending() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.pending {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Calls counts requests for an action, failed ones included.
func (s *Server) Calls(action string) int { return s.rec.Calls(action) }

// Fail makes the next n calls of action fail with the IAM error code (LimitExceeded,
// NoSuchEntity, AccessDenied, ServiceFailure, Throttling, ...) before anything is done.
func (s *Server) Fail(action, code string, n int) { s.rec.Fail(action, code, n) }

type iamError struct {
	status        int
	code, message string
}

func codeError(code string) *iamError {
	switch code {
	case "LimitExceeded":
		return &iamError{409, code, fmt.Sprintf("Cannot exceed quota for AccessKeysPerUser: %d", KeysPerUser)}
	case "AccessDenied":
		return &iamError{403, code, "User is not authorized to perform this action"}
	case "ServiceFailure":
		return &iamError{500, code, "The request processing has failed because of an unknown error, exception or failure."}
	case "Throttling":
		return &iamError{400, code, "Rate exceeded"}
	case "NoSuchEntity":
		return &iamError{404, code, "The entity cannot be found."}
	}
	return &iamError{400, code, "injected " + code}
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	form, _ := url.ParseQuery(string(body))
	action := form.Get("Action")
	s.rec.Count(action)
	if code := s.rec.Injected(action); code != "" {
		writeError(w, codeError(code))
		return
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		writeError(w, &iamError{400, "InvalidAction", "iamtest speaks only the AWS Query protocol (POST, form encoded)"})
		return
	}
	if form.Get("Version") != apiVersion {
		writeError(w, &iamError{400, "InvalidAction", "Could not find operation " + action + " for version " + form.Get("Version")})
		return
	}
	userARN, aerr := sigv4test.Verify(r, body, "iam", func(id string) (string, string, string, bool) {
		k, ok := s.backend.LookupKey(id)
		return k.SecretAccessKey, k.SessionToken, k.UserARN, ok
	})
	if aerr != nil {
		code := aerr.Code
		switch code {
		case "UnrecognizedClientException":
			code = "InvalidClientTokenId"
		case "InvalidSignatureException":
			code = "SignatureDoesNotMatch"
		}
		writeError(w, &iamError{403, code, aerr.Message})
		return
	}
	// A UserName other than the caller's own needs rights this fake grants nobody.
	user := userARN[strings.LastIndex(userARN, "/")+1:]
	if n := form.Get("UserName"); n != "" && n != user {
		writeError(w, &iamError{403, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: iam:%s on resource: user %s", userARN, action, n)})
		return
	}
	var out string
	var err *iamError
	switch action {
	case "CreateAccessKey":
		out, err = s.create(userARN, user)
	case "DeleteAccessKey":
		err = s.delete(userARN, form.Get("AccessKeyId"))
	case "ListAccessKeys":
		out = s.list(userARN, user)
	default:
		err = &iamError{400, "InvalidAction", "iamtest does not implement " + action}
	}
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	res := ""
	if out != "" || action != "DeleteAccessKey" {
		res = fmt.Sprintf("  <%sResult>\n%s  </%sResult>\n", action, out, action)
	}
	fmt.Fprintf(w, "<%sResponse xmlns=\"%s\">\n%s  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n</%sResponse>\n",
		action, xmlNS, res, requestID(), action)
}

func (s *Server) create(userARN, user string) (string, *iamError) {
	s.mu.Lock()
	n := 0
	for _, p := range s.pending {
		if p.userARN == userARN {
			n++
		}
	}
	s.mu.Unlock()
	if n+len(s.backend.AccessKeys(userARN)) >= KeysPerUser {
		return "", codeError("LimitExceeded")
	}
	id, secret, ok := s.backend.AddAccessKey(userARN)
	if !ok {
		return "", &iamError{404, "NoSuchEntity", "The user with name " + user + " cannot be found."}
	}
	now := time.Now().UTC()
	s.mu.Lock()
	s.created[id] = now
	if s.lag {
		s.backend.RemoveAccessKey(id)
		s.pending[id] = pendingKey{userARN: userARN, secret: secret}
	}
	s.mu.Unlock()
	return fmt.Sprintf("    <AccessKey>\n      <UserName>%s</UserName>\n      <AccessKeyId>%s</AccessKeyId>\n      <Status>Active</Status>\n      <SecretAccessKey>%s</SecretAccessKey>\n      <CreateDate>%s</CreateDate>\n    </AccessKey>\n",
		esc(user), id, esc(secret), now.Format(time.RFC3339)), nil
}

func (s *Server) delete(userARN, id string) *iamError {
	if id == "" {
		return &iamError{400, "ValidationError", "1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null"}
	}
	s.mu.Lock()
	p, pending := s.pending[id]
	if pending && p.userARN == userARN {
		delete(s.pending, id)
	}
	s.mu.Unlock()
	if pending && p.userARN == userARN {
		return nil
	}
	if k, ok := s.backend.LookupKey(id); !ok || k.Temporary || k.UserARN != userARN {
		return &iamError{404, "NoSuchEntity", "The Access Key with id " + id + " cannot be found."}
	}
	s.backend.RemoveAccessKey(id)
	return nil
}

func (s *Server) list(userARN, user string) string {
	ids := s.backend.AccessKeys(userARN)
	sort.Strings(ids)
	var b strings.Builder
	b.WriteString("    <AccessKeyMetadata>\n")
	s.mu.Lock()
	for _, id := range ids {
		c, ok := s.created[id]
		if !ok {
			c = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
		}
		fmt.Fprintf(&b, "      <member>\n        <UserName>%s</UserName>\n        <AccessKeyId>%s</AccessKeyId>\n        <Status>Active</Status>\n        <CreateDate>%s</CreateDate>\n      </member>\n",
			esc(user), id, c.Format(time.RFC3339))
	}
	s.mu.Unlock()
	b.WriteString("    </AccessKeyMetadata>\n    <IsTruncated>false</IsTruncated>\n")
	return b.String()
}

func writeError(w http.ResponseWriter, e *iamError) {
	typ := "Sender"
	if e.status >= 500 {
		typ = "Receiver"
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.status)
	fmt.Fprintf(w, "<ErrorResponse xmlns=\"%s\">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n",
		xmlNS, typ, esc(e.code), esc(e.message), requestID())
}

func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func requestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
