package fakeaws

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// AmzDate is the layout of X-Amz-Date.
const AmzDate = "20060102T150405Z"

// maxSkew is how far from AWS's clock a signature may be dated.
const maxSkew = 15 * time.Minute

// Key is what a fake knows of an access key ID: its secret, the session token that goes with it
// (temporary credentials only), who it belongs to, and whether it has expired on the fake's clock.
type Key struct {
	Secret, Token, Principal string
	Expired                  bool
}

// KeyFunc finds an access key ID; ok is false for a key the fake does not know.
type KeyFunc func(accessKeyID string) (k Key, ok bool)

// Dialect is the protocol family whose error codes a refused signature gets.
type Dialect int

const (
	Query Dialect = iota // STS, IAM: InvalidClientTokenId, SignatureDoesNotMatch, ...
	JSON                 // JSON 1.1 services: UnrecognizedClientException, InvalidSignatureException, ...
)

// failure is one way a signature is refused.
type failure int

const (
	missingAuth failure = iota
	incomplete
	unknownKey
	expiredKey
	mismatch
)

var codes = map[Dialect]map[failure]Error{
	Query: {
		missingAuth: {403, "MissingAuthenticationToken", ""}, incomplete: {400, "IncompleteSignature", ""},
		unknownKey: {403, "InvalidClientTokenId", ""}, expiredKey: {400, "ExpiredToken", ""},
		mismatch: {403, "SignatureDoesNotMatch", ""},
	},
	JSON: {
		missingAuth: {400, "MissingAuthenticationTokenException", ""}, incomplete: {400, "IncompleteSignatureException", ""},
		unknownKey: {400, "UnrecognizedClientException", ""}, expiredKey: {400, "ExpiredTokenException", ""},
		mismatch: {400, "InvalidSignatureException", ""},
	},
}

func (d Dialect) err(f failure, format string, a ...any) *Error {
	e := codes[d][f]
	return Errorf(e.Status, e.Code, format, a...)
}

// Refusals whose message AWS words the same everywhere.
const (
	msgInvalidToken = "The security token included in the request is invalid."
	msgExpiredToken = "The security token included in the request is expired"
	msgMismatch     = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// signature is what a request says about its signature, from the Authorization header or from a
// presigned URL's query.
type signature struct {
	keyID, day, region, service string
	signedHeaders, sig, date    string
	token                       string
	expires                     time.Duration // presigned URLs only
	presigned                   bool
}

// Verify checks the SigV4 signature of r (in the Authorization header, or in the query of a
// presigned URL) as AWS does, in AWS's order, and returns the signer's principal. The date checks
// use the wall clock, since clients sign with theirs.
func Verify(r *http.Request, body []byte, service string, keys KeyFunc, d Dialect) (string, *Error) {
	s, e := parse(r, d)
	if e != nil {
		return "", e
	}
	k, ok := Key{}, false
	if keys != nil {
		k, ok = keys(s.keyID)
	}
	// A token goes with exactly the key it was issued with, and long-lived keys have none.
	if !ok || s.token != k.Token {
		return "", d.err(unknownKey, msgInvalidToken)
	}
	if k.Expired {
		return "", d.err(expiredKey, msgExpiredToken)
	}
	if s.service != service {
		return "", d.err(mismatch, "Credential should be scoped to correct service: '%s'. ", service)
	}
	signed, err := time.Parse(AmzDate, s.date)
	if err != nil {
		return "", d.err(incomplete, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if s.day != s.date[:8] {
		return "", d.err(mismatch, "Credential should be scoped to a valid region, not '%s'. ", s.region)
	}
	if e := checkTime(s, signed, d); e != nil {
		return "", e
	}
	creds := aws.Credentials{AccessKeyID: s.keyID, SecretAccessKey: k.Secret, SessionToken: k.Token}
	want, err := resign(r, body, creds, s, signed)
	if err != nil || !hmac.Equal([]byte(want), []byte(s.sig)) {
		return "", d.err(mismatch, msgMismatch)
	}
	return k.Principal, nil
}

// SignedRegion is the region of r's credential scope: for a fake whose answer depends on it, as
// a regional service's does. It is "" when r carries no signature.
func SignedRegion(r *http.Request) string {
	s, _ := parse(r, Query)
	return s.region
}

func checkTime(s signature, signed time.Time, d Dialect) *Error {
	wall := time.Now().UTC()
	if s.presigned {
		// STS, the one presigning service faked here, honours a presigned request for 15 minutes
		// after signing even when X-Amz-Expires says less: EKS tokens carry X-Amz-Expires=60 and
		// work for 15 minutes, which aws-iam-authenticator and every kubectl plugin rely on.
		if wall.After(signed.Add(max(s.expires, maxSkew))) {
			return d.err(mismatch, "Request has expired")
		}
		return nil
	}
	if signed.Before(wall.Add(-maxSkew)) {
		return d.err(mismatch, "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			s.date, wall.Add(-maxSkew).Format(AmzDate), wall.Format(AmzDate))
	}
	if signed.After(wall.Add(maxSkew)) {
		return d.err(mismatch, "Signature not yet current: %s is still later than %s (%s + 15 min.)",
			s.date, wall.Add(maxSkew).Format(AmzDate), wall.Format(AmzDate))
	}
	return nil
}

const algorithm = "AWS4-HMAC-SHA256"

// parse reads the signature's parts from the Authorization header or, without one, from a
// presigned URL's X-Amz-* parameters.
func parse(r *http.Request, d Dialect) (signature, *Error) {
	auth := r.Header.Get("Authorization")
	q := r.URL.Query()
	var s signature
	var cred string
	switch {
	case auth != "":
		if !strings.HasPrefix(auth, algorithm+" ") {
			return s, d.err(incomplete, "Unsupported AWS 'algorithm': '%s'", strings.Fields(auth)[0])
		}
		fields := map[string]string{}
		for _, p := range strings.Split(auth[len(algorithm)+1:], ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			fields[k] = v
		}
		cred, s.signedHeaders, s.sig = fields["Credential"], fields["SignedHeaders"], fields["Signature"]
		s.date, s.token = r.Header.Get("X-Amz-Date"), r.Header.Get("X-Amz-Security-Token")
	case q.Has("X-Amz-Signature"):
		if q.Get("X-Amz-Algorithm") != algorithm {
			return s, d.err(incomplete, "Unsupported AWS 'algorithm': '%s'", q.Get("X-Amz-Algorithm"))
		}
		cred, s.signedHeaders, s.sig = q.Get("X-Amz-Credential"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature")
		s.date, s.token, s.presigned = q.Get("X-Amz-Date"), q.Get("X-Amz-Security-Token"), true
		// Without X-Amz-Expires (the SDK's STS presigner sets none) AWS allows its usual skew.
		s.expires = maxSkew
		if v := q.Get("X-Amz-Expires"); v != "" {
			secs, err := strconv.Atoi(v)
			if err != nil || secs < 1 || secs > 7*24*3600 {
				return s, d.err(incomplete, "X-Amz-Expires must be a number of seconds from 1 to 604800")
			}
			s.expires = time.Duration(secs) * time.Second
		}
	default:
		return s, d.err(missingAuth, "Request is missing Authentication Token")
	}
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || s.signedHeaders == "" || s.sig == "" || scope[4] != "aws4_request" {
		return s, d.err(incomplete, "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.")
	}
	s.keyID, s.day, s.region, s.service = scope[0], scope[1], scope[2], scope[3]
	return s, nil
}

// presignParams are the query parameters the signer adds to a presigned URL.
var presignParams = []string{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token"}

// resign rebuilds the request from only what the client said it signed, signs it again with the
// SDK's signer and returns the signature.
func resign(r *http.Request, body []byte, creds aws.Credentials, s signature, at time.Time) (string, error) {
	u := *r.URL
	if s.presigned {
		q := u.Query()
		for _, p := range presignParams {
			q.Del(p)
		}
		u.RawQuery = q.Encode()
	}
	req, err := http.NewRequest(r.Method, "http://"+r.Host+u.RequestURI(), nil)
	if err != nil {
		return "", err
	}
	req.Host = r.Host
	for _, h := range strings.Split(s.signedHeaders, ";") {
		switch h {
		case "host":
		case "content-length":
			req.ContentLength = r.ContentLength
		default:
			v := r.Header.Values(h)
			if v == nil {
				return "", fmt.Errorf("signed header %s missing", h)
			}
			req.Header[textproto.CanonicalMIMEHeaderKey(h)] = v
		}
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	signer := v4.NewSigner()
	if s.presigned {
		signedURL, _, err := signer.PresignHTTP(context.Background(), creds, req, hash, s.service, s.region, at)
		if err != nil {
			return "", err
		}
		pu, err := url.Parse(signedURL)
		if err != nil || pu.Query().Get("X-Amz-SignedHeaders") != s.signedHeaders {
			return "", fmt.Errorf("signed headers differ")
		}
		return pu.Query().Get("X-Amz-Signature"), nil
	}
	if err := signer.SignHTTP(context.Background(), creds, req, hash, s.service, s.region, at); err != nil {
		return "", err
	}
	auth := req.Header.Get("Authorization")
	if !strings.Contains(auth, "SignedHeaders="+s.signedHeaders+",") {
		return "", fmt.Errorf("signed headers differ")
	}
	_, got, _ := strings.Cut(auth, "Signature=")
	return got, nil
}
