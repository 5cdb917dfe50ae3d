// Package ekstest is a fake Amazon EKS endpoint for tests: DescribeCluster only.
//
// It speaks the REST-JSON protocol aws-sdk-go-v2 uses for EKS (GET /clusters/NAME), checks SigV4
// signatures with the SDK's own signer against the keys its KeyFunc knows, serves each cluster in
// its own region only (each region is its own endpoint on AWS), counts calls, and answers errors
// with the status, X-Amzn-ErrorType and JSON body real EKS sends (ResourceNotFoundException,
// AccessDeniedException, ...).
//
// Point the SDK (and so the acct binary) at it with AWS_ENDPOINT_URL_EKS=s.URL.
package ekstest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/acct-cli/acct/internal/fakeaws"
)

// Server is a running fake EKS; every method is safe for concurrent use. Calls counts
// "DescribeCluster" requests, failed ones included; Fail injects error codes.
type Server struct {
	fakeaws.Service

	// Keys validates access keys (ststest.Server.SigningKey); nil refuses every request.
	Keys fakeaws.KeyFunc

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

// New starts a fake EKS with no clusters that accepts the keys keys knows.
func New(keys fakeaws.KeyFunc) *Server {
	s := &Server{Keys: keys, clusters: map[string]Cluster{}, deny: map[string]bool{}}
	s.Start(http.HandlerFunc(s.serveHTTP))
	return s
}

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

// codeErrors are the statuses and messages real EKS sends with the codes a test injects.
var codeErrors = fakeaws.Errors{
	"ServiceUnavailableException": {Status: 503, Message: "Service is unavailable. Please try again later."},
	"ServerException":             {Status: 500, Message: "An internal error occurred."},
	"AccessDeniedException":       {Status: 403, Message: "User is not authorized to perform this action"},
	"ThrottlingException":         {Status: 429, Message: "Rate exceeded"},
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := fakeaws.Body(r)
	name, ok := strings.CutPrefix(r.URL.Path, "/clusters/")
	if !ok || r.Method != http.MethodGet || name == "" || strings.Contains(name, "/") {
		s.Count("")
		writeError(w, fakeaws.Errorf(404, "UnknownOperationException", "ekstest serves only DescribeCluster (GET /clusters/NAME)"))
		return
	}
	if code := s.Call("DescribeCluster"); code != "" {
		writeError(w, codeErrors.For(code))
		return
	}
	name, _ = url.PathUnescape(name)
	out, err := s.describe(r, body, name)
	if err != nil {
		writeError(w, err)
		return
	}
	fakeaws.WriteJSON(w, 200, "application/json", "", out)
}

func (s *Server) describe(r *http.Request, body []byte, name string) (any, *fakeaws.Error) {
	who, err := fakeaws.Verify(r, body, "eks", s.Keys, fakeaws.JSON)
	if err != nil {
		if err.Code == "UnrecognizedClientException" || err.Code == "InvalidSignatureException" {
			err.Status = 403 // EKS, a REST service, refuses signatures with 403
		}
		return nil, err
	}
	region := fakeaws.SignedRegion(r)
	s.mu.Lock()
	c, found := s.clusters[region+"/"+name]
	denied := s.deny[who]
	s.mu.Unlock()
	if denied {
		return nil, fakeaws.Errorf(403, "AccessDeniedException", "User: %s is not authorized to perform: eks:DescribeCluster on resource: arn:aws:eks:%s:%s:cluster/%s", who, region, c.Account, name)
	}
	if !found {
		return nil, fakeaws.Errorf(404, "ResourceNotFoundException", "No cluster found for name: %s.", name)
	}
	return map[string]any{"cluster": map[string]any{
		"name": c.Name, "arn": fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", c.Region, c.Account, c.Name),
		"endpoint": c.Endpoint, "status": c.Status, "version": "1.31", "platformVersion": "eks.1",
		"createdAt":            float64(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Unix()),
		"certificateAuthority": map[string]string{"data": base64.StdEncoding.EncodeToString(c.CA)},
	}}, nil
}

func writeError(w http.ResponseWriter, e *fakeaws.Error) {
	fakeaws.WriteJSON(w, e.Status, "application/json", e.Code, map[string]string{"message": e.Message})
}
