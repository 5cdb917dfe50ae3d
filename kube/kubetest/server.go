// Package kubetest is a fake Kubernetes API server of an EKS cluster, for tests: HTTPS on
// 127.0.0.1 with a certificate from its own CA, and every request authenticated as EKS does it
// (aws-iam-authenticator): the bearer token is decoded into a presigned STS GetCallerIdentity URL,
// which the server checks and then executes against the fake STS with the cluster's name in the
// signed x-k8s-aws-id header. STS answers with the caller's ARN, or refuses a tampered, expired or
// other cluster's token. It serves just enough of the API for `kubectl get namespaces`.
package kubetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/acct-cli/acct/internal/fakeaws"
	"github.com/acct-cli/acct/kube"
)

// Server is a running fake API server. Close it when done.
type Server struct {
	URL     string // https://127.0.0.1:PORT
	CA      []byte // PEM of the CA that signed the server's certificate
	Cluster string // the cluster name tokens must be made for

	sts    *url.URL
	client *http.Client
	srv    *httptest.Server
	rec    fakeaws.Recorder

	mu      sync.Mutex
	callers []string // ARN of every authenticated request, in order
	refusal string   // why the last refused token was refused
}

// New starts the API server of cluster, which trusts tokens presigned for the STS at stsURL.
func New(cluster, stsURL string) (*Server, error) {
	u, err := url.Parse(stsURL)
	if err != nil {
		return nil, err
	}
	s := &Server{Cluster: cluster, sts: u, client: &http.Client{Timeout: 10 * time.Second}}
	caPEM, cert, err := certificates()
	if err != nil {
		return nil, err
	}
	s.CA = caPEM
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.srv.StartTLS()
	s.URL = s.srv.URL
	return s, nil
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Calls counts requests: "authenticated", "refused", or "" for all.
func (s *Server) Calls(what string) int { return s.rec.Calls(what) }

// Callers lists the ARN behind every authenticated request, oldest first.
func (s *Server) Callers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.callers...)
}

// Refusal says why the last refused request was refused ("" if none was).
func (s *Server) Refusal() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refusal
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	arn, err := s.Authenticate(token)
	if err != nil {
		s.rec.Count("refused")
		s.mu.Lock()
		s.refusal = err.Error()
		s.mu.Unlock()
		writeJSON(w, http.StatusUnauthorized, status(401, "Unauthorized", "Unauthorized"))
		return
	}
	s.rec.Count("authenticated")
	s.mu.Lock()
	s.callers = append(s.callers, arn)
	s.mu.Unlock()
	switch r.URL.Path {
	case "/api":
		writeJSON(w, 200, map[string]any{"kind": "APIVersions", "versions": []string{"v1"},
			"serverAddressByClientCIDRs": []map[string]string{{"clientCIDR": "0.0.0.0/0", "serverAddress": r.Host}}})
	case "/apis":
		writeJSON(w, 200, map[string]any{"kind": "APIGroupList", "apiVersion": "v1", "groups": []any{}})
	case "/api/v1":
		writeJSON(w, 200, map[string]any{"kind": "APIResourceList", "groupVersion": "v1", "resources": []map[string]any{{
			"name": "namespaces", "singularName": "namespace", "namespaced": false, "kind": "Namespace",
			"verbs": []string{"get", "list"}, "shortNames": []string{"ns"},
		}}})
	case "/api/v1/namespaces":
		writeJSON(w, 200, namespaces())
	default:
		writeJSON(w, http.StatusNotFound, status(404, "NotFound", "the server could not find the requested resource"))
	}
}

// Authenticate does what EKS does with a bearer token and returns the caller's ARN.
func (s *Server) Authenticate(token string) (string, error) {
	raw, ok := strings.CutPrefix(token, kube.TokenPrefix)
	if !ok {
		return "", fmt.Errorf("token does not start with %s", kube.TokenPrefix)
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return "", fmt.Errorf("token is not base64url: %v", err)
	}
	u, err := url.Parse(string(b))
	if err != nil {
		return "", fmt.Errorf("token is no URL: %v", err)
	}
	// The authenticator calls only STS itself: a token pointing anywhere else is refused before
	// any request is made.
	q := u.Query()
	switch {
	case u.Scheme != s.sts.Scheme || u.Host != s.sts.Host || (u.Path != "/" && u.Path != ""):
		return "", fmt.Errorf("token URL %s://%s%s is not STS", u.Scheme, u.Host, u.Path)
	case q.Get("Action") != "GetCallerIdentity":
		return "", fmt.Errorf("token action %q is not GetCallerIdentity", q.Get("Action"))
	case !signs(q.Get("X-Amz-SignedHeaders"), kube.ClusterHeader):
		return "", fmt.Errorf("token does not sign %s", kube.ClusterHeader)
	}
	req, err := http.NewRequest(http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set(kube.ClusterHeader, s.Cluster)
	resp, err := s.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("STS: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != 200 {
		var e struct {
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
		}
		xml.Unmarshal(body, &e)
		return "", fmt.Errorf("STS %d %s: %s", resp.StatusCode, e.Code, e.Message)
	}
	var out struct {
		ARN string `xml:"GetCallerIdentityResult>Arn"`
	}
	if err := xml.Unmarshal(body, &out); err != nil || out.ARN == "" {
		return "", fmt.Errorf("STS answer without an ARN: %q", body)
	}
	return out.ARN, nil
}

func signs(signedHeaders, header string) bool {
	for _, h := range strings.Split(signedHeaders, ";") {
		if h == header {
			return true
		}
	}
	return false
}

func status(code int, reason, msg string) map[string]any {
	return map[string]any{"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": msg, "reason": reason, "code": code}
}

func namespaces() map[string]any {
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
	var items []map[string]any
	for _, n := range []string{"default", "kube-system"} {
		items = append(items, map[string]any{
			"metadata": map[string]any{"name": n, "uid": n, "creationTimestamp": created},
			"status":   map[string]any{"phase": "Active"},
		})
	}
	return map[string]any{"kind": "NamespaceList", "apiVersion": "v1", "metadata": map[string]any{"resourceVersion": "1"}, "items": items}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// certificates makes a CA and a server certificate it signs for 127.0.0.1, as an EKS cluster has
// its own CA that kubeconfig's certificate-authority-data carries.
func certificates() (caPEM []byte, cert tls.Certificate, err error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, cert, err
	}
	now := time.Now()
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kubernetes"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, cert, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, cert, err
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kube-apiserver"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, cert, err
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, cert, err
	}
	cert = tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), cert, nil
}
