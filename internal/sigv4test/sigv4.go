// Package sigv4test checks AWS Signature Version 4 on requests that reach the project's fake AWS
// services (test-only): it signs the request again with the SDK's own signer and compares, so the
// fakes are as strict as AWS without a hand-written SigV4.
package sigv4test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// KeyFunc finds the secret (and, for temporary credentials, the session token) of an access key
// ID, and who it belongs to; ok is false for a key the fake does not know.
type KeyFunc func(accessKeyID string) (secret, token, principal string, ok bool)

// Error is why a request was refused: an HTTP status and an AWS error code and message, in the
// JSON protocols' spelling; query-protocol fakes map the codes to theirs.
type Error struct {
	Status        int
	Code, Message string
}

// AmzDate is the layout of X-Amz-Date.
const AmzDate = "20060102T150405Z"

// Verify checks the Authorization header of r as AWS does and returns the signer's principal.
func Verify(r *http.Request, body []byte, service string, keys KeyFunc) (string, *Error) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return "", &Error{400, "MissingAuthenticationTokenException", "Missing Authentication Token"}
	}
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(auth, algo) {
		return "", &Error{400, "IncompleteSignatureException", "Unsupported AWS 'algorithm'"}
	}
	fields := map[string]string{}
	for _, p := range strings.Split(auth[len(algo):], ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		fields[k] = v
	}
	cred, signedHeaders, sig := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || signedHeaders == "" || sig == "" || scope[4] != "aws4_request" {
		return "", &Error{400, "IncompleteSignatureException", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters."}
	}
	keyID, day, region, svc := scope[0], scope[1], scope[2], scope[3]
	secret, token, who, ok := "", "", "", false
	if keys != nil {
		secret, token, who, ok = keys(keyID)
	}
	if !ok || r.Header.Get("X-Amz-Security-Token") != token {
		return "", &Error{400, "UnrecognizedClientException", "The security token included in the request is invalid."}
	}
	if svc != service {
		return "", &Error{400, "InvalidSignatureException", fmt.Sprintf("Credential should be scoped to correct service: '%s'.", service)}
	}
	dateStr := r.Header.Get("X-Amz-Date")
	signed, err := time.Parse(AmzDate, dateStr)
	if err != nil || day != dateStr[:8] {
		return "", &Error{400, "IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."}
	}
	if d := time.Since(signed); d > 15*time.Minute || d < -15*time.Minute {
		return "", &Error{400, "InvalidSignatureException", "Signature expired: " + dateStr}
	}
	want, err := Resign(r, body, aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret, SessionToken: token}, signedHeaders, service, region, signed)
	if err != nil || !hmac.Equal([]byte(want), []byte(sig)) {
		return "", &Error{400, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
	}
	return who, nil
}

// Resign rebuilds the request from only what the client said it signed, signs it again with the
// SDK's signer and returns the signature.
func Resign(r *http.Request, body []byte, creds aws.Credentials, signedHeaders, service, region string, at time.Time) (string, error) {
	req, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), nil)
	if err != nil {
		return "", err
	}
	req.Host = r.Host
	for _, h := range strings.Split(signedHeaders, ";") {
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
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, at); err != nil {
		return "", err
	}
	auth := req.Header.Get("Authorization")
	if !strings.Contains(auth, "SignedHeaders="+signedHeaders+",") {
		return "", fmt.Errorf("signed headers differ")
	}
	_, got, _ := strings.Cut(auth, "Signature=")
	return got, nil
}

// Represign rebuilds a presigned request (signature in the query string) from only what the
// client said it signed, presigns it again with the SDK's signer and returns the signature.
func Represign(r *http.Request, creds aws.Credentials, signedHeaders, service, region string, at time.Time) (string, error) {
	q := r.URL.Query()
	q.Del("X-Amz-Signature")
	u := *r.URL
	u.RawQuery = q.Encode()
	req, err := http.NewRequest(r.Method, "http://"+r.Host+u.RequestURI(), nil)
	if err != nil {
		return "", err
	}
	req.Host = r.Host
	for _, h := range strings.Split(signedHeaders, ";") {
		if h == "host" {
			continue
		}
		v := r.Header.Values(h)
		if v == nil {
			return "", fmt.Errorf("signed header %s missing", h)
		}
		req.Header[textproto.CanonicalMIMEHeaderKey(h)] = v
	}
	sum := sha256.Sum256(nil)
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, at)
	if err != nil {
		return "", err
	}
	p, err := url.Parse(signed)
	if err != nil {
		return "", err
	}
	if p.Query().Get("X-Amz-SignedHeaders") != signedHeaders {
		return "", fmt.Errorf("signed headers differ")
	}
	return p.Query().Get("X-Amz-Signature"), nil
}
