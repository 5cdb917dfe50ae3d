// Package iamtest is a fake AWS IAM for tests: the access-key actions acct rotate uses
// (CreateAccessKey, DeleteAccessKey, ListAccessKeys), in the AWS Query protocol with XML answers,
// SigV4 checked with the SDK's signer, the two-keys-per-user limit and failure injection.
//
// IAM and STS share users on AWS, so the fake keeps no users of its own: it works on a Backend,
// which *ststest.Server is. A key created here works at once against that fake STS, and a key
// deleted here stops working there. Point the SDK at it with AWS_ENDPOINT_URL_IAM=s.URL.
package iamtest

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/acct-cli/acct/internal/fakeaws"
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
	SigningKey(id string) (fakeaws.Key, bool)
	AddAccessKey(userARN string) (id, secret string, ok bool)
	AddAccessKeyWith(userARN, id, secret string) bool
	RemoveAccessKey(id string) bool
	AccessKeys(userARN string) []string
}

// Server is a running fake IAM. Calls counts requests by action, failed ones included; Fail makes
// the next calls of an action fail with an IAM error code (LimitExceeded, NoSuchEntity,
// AccessDenied, ServiceFailure, Throttling, ...) before anything is done; its clock dates the keys
// it creates.
type Server struct {
	fakeaws.Service

	backend Backend

	mu      sync.Mutex
	created map[string]time.Time // key -> creation time, for keys made here
	lag     atomic.Bool
	mfa     atomic.Bool           // SetRequireMFA
	pending map[string]pendingKey // created here but not yet usable (eventual consistency)
}

type pendingKey struct{ userARN, secret string }

// New starts a fake IAM on 127.0.0.1 over backend.
func New(backend Backend) *Server {
	s := &Server{backend: backend, created: map[string]time.Time{}, pending: map[string]pendingKey{}}
	s.Start(http.HandlerFunc(s.serveHTTP))
	return s
}

// SetLag makes keys created from now on unusable (at STS and here) until Propagate, as IAM's
// eventual consistency does for a few seconds on AWS. They still count towards the limit and can
// be deleted.
func (s *Server) SetLag(on bool) { s.lag.Store(on) }

// SetRequireMFA puts the policy many accounts attach to their users in place: every action is
// denied unless aws:MultiFactorAuthPresent, i.e. unless signed with temporary credentials made
// with an MFA code.
func (s *Server) SetRequireMFA(on bool) { s.mfa.Store(on) }

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

type iamError = fakeaws.Error

// codeErrors are the statuses and messages real IAM sends with the codes a test injects.
var codeErrors = fakeaws.Errors{
	"LimitExceeded":  {Status: 409, Message: fmt.Sprintf("Cannot exceed quota for AccessKeysPerUser: %d", KeysPerUser)},
	"AccessDenied":   {Status: 403, Message: "User is not authorized to perform this action"},
	"ServiceFailure": {Status: 500, Message: "The request processing has failed because of an unknown error, exception or failure."},
	"Throttling":     {Status: 400, Message: "Rate exceeded"},
	"NoSuchEntity":   {Status: 404, Message: "The entity cannot be found."},
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := fakeaws.Body(r)
	form, _ := url.ParseQuery(string(body))
	action := form.Get("Action")
	if code := s.Call(action); code != "" {
		writeError(w, codeErrors.For(code))
		return
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		writeError(w, fakeaws.Errorf(400, "InvalidAction", "iamtest speaks only the AWS Query protocol (POST, form encoded)"))
		return
	}
	if form.Get("Version") != apiVersion {
		writeError(w, fakeaws.Errorf(400, "InvalidAction", "Could not find operation %s for version %s", action, form.Get("Version")))
		return
	}
	var signer string
	userARN, aerr := fakeaws.Verify(r, body, "iam", func(id string) (fakeaws.Key, bool) {
		signer = id
		return s.backend.SigningKey(id)
	}, fakeaws.Query)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	user := userARN[strings.LastIndex(userARN, "/")+1:]
	if k, _ := s.backend.LookupKey(signer); s.mfa.Load() && !k.MFA {
		writeError(w, fakeaws.Errorf(403, "AccessDenied", "User: %s is not authorized to perform: iam:%s on resource: user %s with an explicit deny in an identity-based policy", userARN, action, user))
		return
	}
	// A UserName other than the caller's own needs rights this fake grants nobody.
	if n := form.Get("UserName"); n != "" && n != user {
		writeError(w, fakeaws.Errorf(403, "AccessDenied", "User: %s is not authorized to perform: iam:%s on resource: user %s", userARN, action, n))
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
		err = fakeaws.Errorf(400, "InvalidAction", "iamtest does not implement %s", action)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	fakeaws.WriteQueryResult(w, xmlNS, action, out)
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
		return "", codeErrors.For("LimitExceeded")
	}
	id, secret, ok := s.backend.AddAccessKey(userARN)
	if !ok {
		return "", fakeaws.Errorf(404, "NoSuchEntity", "The user with name %s cannot be found.", user)
	}
	now := s.Now()
	s.mu.Lock()
	s.created[id] = now
	if s.lag.Load() {
		s.backend.RemoveAccessKey(id)
		s.pending[id] = pendingKey{userARN: userARN, secret: secret}
	}
	s.mu.Unlock()
	return fmt.Sprintf("    <AccessKey>\n      <UserName>%s</UserName>\n      <AccessKeyId>%s</AccessKeyId>\n      <Status>Active</Status>\n      <SecretAccessKey>%s</SecretAccessKey>\n      <CreateDate>%s</CreateDate>\n    </AccessKey>\n",
		fakeaws.XMLEscape(user), id, fakeaws.XMLEscape(secret), now.Format(time.RFC3339)), nil
}

func (s *Server) delete(userARN, id string) *iamError {
	if id == "" {
		return fakeaws.Errorf(400, "ValidationError", "1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null")
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
		return fakeaws.Errorf(404, "NoSuchEntity", "The Access Key with id %s cannot be found.", id)
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
			fakeaws.XMLEscape(user), id, c.Format(time.RFC3339))
	}
	s.mu.Unlock()
	b.WriteString("    </AccessKeyMetadata>\n    <IsTruncated>false</IsTruncated>\n")
	return b.String()
}

func writeError(w http.ResponseWriter, e *iamError) { fakeaws.WriteQueryError(w, xmlNS, e) }
