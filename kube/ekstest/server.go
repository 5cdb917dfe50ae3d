// Package ekstest is a fake Amazon EKS endpoint for tests: DescribeCluster only.
//
// It speaks the REST-JSON protocol aws-sdk-go-v2 uses for EKS (GET /clusters/NAME), checks SigV4
// signatures with the SDK's own signer against the keys its KeyFunc knows, serves each cluster in
// its own region only (as each region is its own endpoint on AWS), counts calls, and answers
// errors with the status, x-amzn-ErrorType and JSON body real EKS sends
// (ResourceNotFoundException, AccessDeniedException, ...).
//
// Point the SDK (and so the acct binary) at it with AWS_ENDPOINT_URL_EKS=s.URL.
package ekstest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/acct-cli/acct/internal/fakecalls"
	"github.com/acct-cli/acct/internal/sigv4test"
)

// Server is a running fake EKS; every method is safe for concurrent use.
type Server struct {
	URL string

	// Keys validates access keys (ststest.Server.LookupKey, adapted); nil refuses every request.
	Keys sigv4test.KeyFunc

	srv *httptest.Server
	rec fakecalls.Recorder

	mu       sync.Mutex
	clusters map[string]Cluster // by region + "/" + name
	deny     map[string]bool    // principals refused with AccessDeniedException
}

// Cluster is an EKS cluster as DescribeCluster shows it.
type Cluster struct {
	Name, Region, Account string
	Endpoint              string // https://...
	CA                    []byte // PEM
	Status                string // default ACTIVE
}

// New starts a fake EKS with no clusters.
func New(keys sigv4test.KeyFunc) *Server {
	s := &Server{Keys: keys, clusters: map[string]Cluster{}, deny: map[string]bool{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// AddCluster creates (or replaces) a cluster.
func (s *Server) AddCluster(c Cluster) {
	if c.Status == "" {
		c.Status = "ACTIVE"
	}
	s.mu.Lock()
	s.clusters[c.Region+"/"+c.Name] = c
	s.mu.Unlock()
}

// Deny refuses every call signed by principal (what Keys returns) with AccessDeniedException.
func (s *Server) Deny(principal string) {
	s.mu.Lock()
	s.deny[principal] = true
	s.mu.Unlock()
}

// Calls counts requests for an operation ("DescribeCluster"), failed ones included; "" counts all.
func (s *Server) Calls(op string) int { return s.rec.Calls(op) }

// Fail makes the next n calls of op ("" for any) fail with the EKS error code.
func (s *Server) Fail(op, code string, n int) { s.rec.Fail(op, code, n) }

type eksError struct {
	status        int
	code, message string
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	name, ok := strings.CutPrefix(r.URL.Path, "/clusters/")
	if !ok || r.Method != http.MethodGet || name == "" || strings.Contains(name, "/") {
		s.rec.Count("")
		writeError(w, &eksError{404, "UnknownOperationException", "ekstest serves only DescribeCluster (GET /clusters/NAME)"})
		return
	}
	name, _ = url.PathUnescape(name)
	s.rec.Count("DescribeCluster")
	out, err := s.describe(r, body, name)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-RequestId", requestID())
	json.NewEncoder(w).Encode(out)
}

func (s *Server) describe(r *http.Request, body []byte, name string) (any, *eksError) {
	if code := s.rec.Injected("DescribeCluster"); code != "" {
		return nil, codeError(code)
	}
	who, verr := sigv4test.Verify(r, body, "eks", s.Keys)
	if verr != nil {
		code := verr.Code
		if code == "UnrecognizedClientException" {
			return nil, &eksError{403, code, verr.Message}
		}
		return nil, &eksError{verr.Status, code, verr.Message}
	}
	region := regionOf(r.Header.Get("Authorization"))
	s.mu.Lock()
	c, found := s.clusters[region+"/"+name]
	denied := s.deny[who]
	s.mu.Unlock()
	if denied {
		return nil, &eksError{403, "AccessDeniedException", fmt.Sprintf("User: %s is not authorized to perform: eks:DescribeCluster on resource: arn:aws:eks:%s:%s:cluster/%s", who, region, c.Account, name)}
	}
	if !found {
		return nil, &eksError{404, "ResourceNotFoundException", fmt.Sprintf("No cluster found for name: %s.", name)}
	}
	arn := fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", c.Region, c.Account, c.Name)
	return map[string]any{"cluster": map[string]any{
		"name": c.Name, "arn": arn, "endpoint": c.Endpoint, "status": c.Status, "version": "1.31",
		"createdAt":            float64(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix()),
		"certificateAuthority": map[string]string{"data": base64.StdEncoding.EncodeToString(c.CA)},
		"platformVersion":      "eks.1",
	}}, nil
}

// regionOf reads the region from the signature's credential scope (key/day/region/service/...).
func regionOf(auth string) string {
	_, cred, _ := strings.Cut(auth, "Credential=")
	parts := strings.Split(strings.SplitN(cred, ",", 2)[0], "/")
	if len(parts) < 3 {
		return ""
	}
	return parts[2]
}

func codeError(code string) *eksError {
	switch code {
	case "ServiceUnavailableException":
		return &eksError{503, code, "Service is unavailable. Please try again later."}
	case "ServerException":
		return &eksError{500, code, "An internal error occurred."}
	case "AccessDeniedException":
		return &eksError{403, code, "User is not authorized to perform this action"}
	case "ThrottlingException":
		return &eksError{429, code, "Rate exceeded"}
	}
	return &eksError{400, code, "injected " + code}
}

func writeError(w http.ResponseWriter, e *eksError) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-ErrorType", e.code)
	w.Header().Set("x-amzn-RequestId", requestID())
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(map[string]string{"message": e.message})
}

func requestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
