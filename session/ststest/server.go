// Package ststest is a fake AWS Security Token Service for tests.
//
// It speaks the AWS Query protocol that aws-sdk-go-v2 and the AWS CLI use for
// STS, checks SigV4 signatures with the SDK's own signer, validates TOTP MFA
// codes, enforces the documented duration limits and answers with the XML
// error documents real STS sends, so code that works against it has a good
// chance of working against AWS.
//
// Pointing clients at it:
//   - aws-sdk-go-v2 (and so the acct binary): AWS_ENDPOINT_URL_STS=s.URL, or
//     sts.Options.BaseEndpoint. Any region is accepted in the signature.
//   - AWS CLI 2.9 (Debian) ignores AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL and
//     endpoint_url; only --endpoint-url reaches the fake, and the CLI's own
//     role_arn/source_profile handling always talks to real STS. Use
//     credential_process for CLI end-to-end tests.
//
// MFA codes are single use, as on AWS: a second call in the same 30-second
// window needs Code(u, time.Now().Add(30*time.Second)) or Advance.
package ststest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"github.com/acct-cli/acct/internal/fakecalls"
	"github.com/acct-cli/acct/internal/sigv4test"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

const (
	apiVersion = "2011-06-15"
	xmlNS      = "https://sts.amazonaws.com/doc/2011-06-15/"
	amzDate    = "20060102T150405Z"

	// Real STS refuses requests signed more than 15 minutes away from its clock.
	maxSkew = 15 * time.Minute

	minDuration        = 900 * time.Second
	maxUserSession     = 129600 * time.Second
	defaultUserSession = 43200 * time.Second
	defaultRoleSession = time.Hour
	chainedRoleLimit   = time.Hour
)

var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Server is a running fake STS. The zero value is not usable; call New.
type Server struct {
	URL           string // e.g. http://127.0.0.1:PORT; give it to the SDK as AWS_ENDPOINT_URL_STS
	FederationURL string // URL + "/federation", the console sign-in federation endpoint

	// Now drives credential lifetimes, expiry checks and the TOTP window.
	// Set it before making requests; nil means time.Now. The 15-minute
	// X-Amz-Date check uses the wall clock instead, because clients sign
	// with the wall clock and a test cannot move theirs.
	Now func() time.Time

	srv *httptest.Server

	mu       sync.Mutex
	offset   time.Duration
	lifetime time.Duration
	users    map[string]*User      // by access key id
	roles    map[string]*role      // by ARN
	temps    map[string]*Temporary // by access key id
	order    []*Temporary
	issued   []string
	rec      fakecalls.Recorder
	usedMFA  map[string]map[int64]bool // serial -> TOTP counters already used
	signins  map[string]*Temporary     // sign-in token -> credentials it was made from
}

// User is an IAM user with long-lived keys and one virtual MFA device.
type User struct {
	Name, Account, ARN, AccessKeyID, SecretAccessKey, MFASerial, MFASecret string
	UserID                                                                 string // AIDA..., what GetCallerIdentity says as UserId
}

// RoleOptions describe the trust policy and limits of a role.
type RoleOptions struct {
	RequireMFA bool          // trust policy demands aws:MultiFactorAuthPresent
	MaxSession time.Duration // the role's MaxSessionDuration; default 1h
	Deny       bool          // trust policy lets nobody in
	ExternalID string        // sts:ExternalId condition, when not empty
}

type role struct {
	arn, account, name, id string
	opts                   RoleOptions
}

// Temporary describes credentials the server issued.
type Temporary struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Action                                     string // "GetSessionToken" or "AssumeRole"
	ARN                                        string // user ARN for session tokens, assumed-role ARN for roles
	UserID                                     string
	Account                                    string
	RoleARN                                    string // "" for session tokens
	Expires                                    time.Time
	MFA                                        bool   // MFA-authenticated (directly or inherited)
	UserARN                                    string // the IAM user at the origin of the chain
}

// stsError is an STS error document plus its HTTP status.
type stsError struct {
	status        int
	code, message string
}

func (e *stsError) Error() string { return e.code + ": " + e.message }

func newErr(status int, code, format string, a ...any) *stsError {
	return &stsError{status: status, code: code, message: fmt.Sprintf(format, a...)}
}

// New starts a fake STS on 127.0.0.1. Close it when done.
func New() *Server {
	s := &Server{
		users:   map[string]*User{},
		roles:   map[string]*role{},
		temps:   map[string]*Temporary{},
		usedMFA: map[string]map[int64]bool{},
		signins: map[string]*Temporary{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	s.FederationURL = s.srv.URL + "/federation"
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

func (s *Server) now() time.Time {
	s.mu.Lock()
	off := s.offset
	s.mu.Unlock()
	f := s.Now
	if f == nil {
		f = time.Now
	}
	return f().Add(off).UTC()
}

// Advance moves the server clock forward by d on top of Now, so tests can
// expire credentials without replacing Now.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	s.offset += d
	s.mu.Unlock()
}

// AddUser creates an IAM user with long-lived keys and a virtual MFA device
// arn:aws:iam::ACCOUNT:mfa/NAME.
func (s *Server) AddUser(account, name string) User {
	u := &User{
		Name:            name,
		Account:         account,
		ARN:             "arn:aws:iam::" + account + ":user/" + name,
		AccessKeyID:     "AKIA" + randID(16),
		SecretAccessKey: randSecret(),
		MFASerial:       "arn:aws:iam::" + account + ":mfa/" + name,
		MFASecret:       base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(randBytes(20)),
		UserID:          "AIDA" + randID(17),
	}
	s.mu.Lock()
	s.users[u.AccessKeyID] = u
	s.issued = append(s.issued, u.SecretAccessKey)
	s.mu.Unlock()
	return *u
}

// Code returns a valid TOTP code for u's MFA device at t.
func (s *Server) Code(u User, t time.Time) string {
	c, err := totp.GenerateCodeCustom(u.MFASecret, t, totpOpts)
	if err != nil {
		// Only a malformed secret fails, and AddUser makes them.
		panic("ststest: " + err.Error())
	}
	return c
}

// AddRole creates (or replaces) a role that AssumeRole can assume. The ARN must
// look like arn:aws:iam::ACCOUNT:role/[PATH/]NAME.
func (s *Server) AddRole(arn string, o RoleOptions) {
	account, name := "", ""
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 {
		account = parts[4]
		res := parts[5]
		name = res[strings.LastIndex(res, "/")+1:]
	}
	if o.MaxSession == 0 {
		o.MaxSession = defaultRoleSession
	}
	s.mu.Lock()
	s.roles[arn] = &role{arn: arn, account: account, name: name, id: "AROA" + randID(17), opts: o}
	s.mu.Unlock()
}

// Calls counts requests for an action ("GetSessionToken", "AssumeRole",
// "GetCallerIdentity", "getSigninToken", ...), failed ones included; "" counts all.
func (s *Server) Calls(action string) int { return s.rec.Calls(action) }

// Reset zeroes the call counters.
func (s *Server) Reset() { s.rec.Reset() }

// Fail makes the next n calls of action ("" for any) fail with the STS error code, before
// any authentication. n <= 0 cancels a pending injection.
func (s *Server) Fail(action, code string, n int) { s.rec.Fail(action, code, n) }

// SetLifetime makes every credential issued from now on expire after d,
// whatever duration was asked for; 0 restores normal lifetimes.
func (s *Server) SetLifetime(d time.Duration) {
	s.mu.Lock()
	s.lifetime = d
	s.mu.Unlock()
}

// Issued lists every secret: users' secret access keys, and the secret keys
// and session tokens of every temporary credential, in issue order.
func (s *Server) Issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// Temporaries lists the temporary credentials issued so far, oldest first.
func (s *Server) Temporaries() []Temporary {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Temporary, len(s.order))
	for i, t := range s.order {
		out[i] = *t
	}
	return out
}

// Lookup finds temporary credentials by access key id.
func (s *Server) Lookup(accessKeyID string) (Temporary, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.temps[accessKeyID]
	if !ok {
		return Temporary{}, false
	}
	return *t, true
}

// caller is whoever signed the request.
type caller struct {
	user *User
	temp *Temporary // nil for long-lived keys
}

func (c caller) arn() string {
	if c.temp != nil {
		return c.temp.ARN
	}
	return c.user.ARN
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/federation" {
		s.serveFederation(w, r)
		return
	}
	reqID := newRequestID()
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		s.count("")
		writeError(w, reqID, newErr(400, "MalformedInput", "cannot read body"))
		return
	}
	form := r.URL.Query()
	if r.Method == http.MethodPost {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			// Newer SDKs may speak JSON to STS one day; say so loudly rather than misparse.
			s.count("")
			writeError(w, reqID, newErr(400, "InvalidAction", "ststest speaks only the AWS Query protocol, got Content-Type %q", ct))
			return
		}
		bf, err := url.ParseQuery(string(body))
		if err != nil {
			s.count("")
			writeError(w, reqID, newErr(400, "MalformedQueryString", "%v", err))
			return
		}
		for k, v := range bf {
			form[k] = append(form[k], v...)
		}
	}
	action := form.Get("Action")
	s.count(action)
	out, serr := s.handle(r, body, action, form)
	if serr != nil {
		writeError(w, reqID, serr)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header()["x-amzn-RequestId"] = []string{reqID}
	fmt.Fprintf(w, `<%sResponse xmlns="%s">`+"\n  <%sResult>\n%s  </%sResult>\n  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n</%sResponse>\n",
		action, xmlNS, action, out, action, reqID, action)
}

func (s *Server) count(action string) { s.rec.Count(action) }

// injected consumes one pending Fail for action.
func (s *Server) injected(action string) *stsError {
	if code := s.rec.Injected(action); code != "" {
		return codeError(code)
	}
	return nil
}

// codeError gives a code the status and message real STS uses with it.
func codeError(code string) *stsError {
	switch code {
	case "Throttling":
		return newErr(400, code, "Rate exceeded")
	case "AccessDenied":
		return newErr(403, code, "User is not authorized to perform this action")
	case "ExpiredToken":
		return newErr(400, code, "The security token included in the request is expired")
	case "InvalidClientTokenId":
		return newErr(403, code, "The security token included in the request is invalid.")
	case "SignatureDoesNotMatch":
		return newErr(403, code, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	case "ServiceUnavailable":
		return newErr(503, code, "Service is unavailable. Please try again later.")
	case "InternalFailure", "InternalError":
		return newErr(500, code, "An internal error occurred.")
	case "RegionDisabledException":
		return newErr(403, code, "STS is not activated in this region for account. Your account administrator can activate STS in this region using the IAM Console.")
	default:
		return newErr(400, code, "injected %s", code)
	}
}

func (s *Server) handle(r *http.Request, body []byte, action string, form url.Values) (string, *stsError) {
	if err := s.injected(action); err != nil {
		return "", err
	}
	if action == "" {
		return "", newErr(400, "MissingAction", "Missing Action")
	}
	var run func(caller, url.Values) (string, *stsError)
	switch action {
	case "GetSessionToken":
		run = s.getSessionToken
	case "AssumeRole":
		run = s.assumeRole
	case "GetCallerIdentity":
		run = s.getCallerIdentity
	}
	if run == nil || form.Get("Version") != apiVersion {
		return "", newErr(400, "InvalidAction", "Could not find operation %s for version %s", action, form.Get("Version"))
	}
	c, err := s.authenticate(r, body)
	if err != nil {
		return "", err
	}
	return run(c, form)
}

var (
	signatureMismatch = codeError("SignatureDoesNotMatch")
	invalidToken      = codeError("InvalidClientTokenId")
	expiredToken      = codeError("ExpiredToken")
)

// authenticate checks the SigV4 signature, in the Authorization header or in the query string
// of a presigned URL, and says who signed.
func (s *Server) authenticate(r *http.Request, body []byte) (caller, *stsError) {
	if r.URL.Query().Has("X-Amz-Signature") {
		return s.authenticatePresigned(r)
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return caller{}, newErr(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
	}
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(auth, algo) {
		return caller{}, newErr(400, "IncompleteSignature", "Unsupported AWS 'algorithm': '%s'", strings.Fields(auth)[0])
	}
	fields := map[string]string{}
	for _, p := range strings.Split(auth[len(algo):], ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		fields[k] = v
	}
	cred, signedHeaders, sig := fields["Credential"], fields["SignedHeaders"], fields["Signature"]
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || signedHeaders == "" || sig == "" || scope[4] != "aws4_request" {
		return caller{}, newErr(400, "IncompleteSignature", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters. Authorization=%s", auth)
	}
	c, creds, signed, serr := s.signer(scope, r.Header.Get("X-Amz-Security-Token"), r.Header.Get("X-Amz-Date"))
	if serr != nil {
		if serr.code == "IncompleteSignature" {
			serr.message += " Authorization=" + auth
		}
		return caller{}, serr
	}
	wall := time.Now().UTC()
	if signed.Before(wall.Add(-maxSkew)) {
		return caller{}, newErr(403, "SignatureDoesNotMatch", "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			signed.Format(amzDate), wall.Add(-maxSkew).Format(amzDate), wall.Format(amzDate))
	}
	if signed.After(wall.Add(maxSkew)) {
		return caller{}, newErr(403, "SignatureDoesNotMatch", "Signature not yet current: %s is still later than %s (%s + 15 min.)",
			signed.Format(amzDate), wall.Add(maxSkew).Format(amzDate), wall.Format(amzDate))
	}
	want, err := sigv4test.Resign(r, body, creds, signedHeaders, "sts", scope[2], signed)
	if err != nil || !hmac.Equal([]byte(want), []byte(sig)) {
		return caller{}, signatureMismatch
	}
	return c, nil
}

// PresignedLifetime is how long STS honours a presigned GetCallerIdentity after X-Amz-Date,
// whatever X-Amz-Expires says (EKS tokens rely on it: they carry X-Amz-Expires=60 and live 15
// minutes). Unlike header signatures it is measured on the server's clock (Now, Advance), so a
// test can let a token expire.
const PresignedLifetime = 15 * time.Minute

// authenticatePresigned checks a presigned URL: the query-string form of SigV4, with the signed
// headers (an EKS token's x-k8s-aws-id) taken from the request.
func (s *Server) authenticatePresigned(r *http.Request) (caller, *stsError) {
	q := r.URL.Query()
	if a := q.Get("X-Amz-Algorithm"); a != "AWS4-HMAC-SHA256" {
		return caller{}, newErr(400, "AuthorizationQueryParametersError", "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\", not %q", a)
	}
	signedHeaders, sig := q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature")
	scope := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || signedHeaders == "" || sig == "" {
		return caller{}, newErr(400, "AuthorizationQueryParametersError", "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
	}
	if n, err := strconv.Atoi(q.Get("X-Amz-Expires")); err != nil || n < 1 || n > 604800 {
		return caller{}, newErr(400, "AuthorizationQueryParametersError", "X-Amz-Expires must be a number of seconds from 1 to 604800, not %q", q.Get("X-Amz-Expires"))
	}
	c, creds, signed, serr := s.signer(scope, q.Get("X-Amz-Security-Token"), q.Get("X-Amz-Date"))
	if serr != nil {
		return caller{}, serr
	}
	if now := s.now(); !now.Before(signed.Add(PresignedLifetime)) {
		return caller{}, newErr(403, "SignatureDoesNotMatch", "Signature expired: %s is now earlier than %s (%s - 15 min.)",
			signed.Format(amzDate), now.Add(-PresignedLifetime).Format(amzDate), now.Format(amzDate))
	}
	want, err := sigv4test.Represign(r, creds, signedHeaders, "sts", scope[2], signed)
	if err != nil || !hmac.Equal([]byte(want), []byte(sig)) {
		return caller{}, signatureMismatch
	}
	return c, nil
}

// signer finds whoever a credential scope (key/day/region/service/aws4_request) names, checks the
// session token that came with it and the scope's service and day, and parses X-Amz-Date.
func (s *Server) signer(scope []string, token, dateStr string) (caller, aws.Credentials, time.Time, *stsError) {
	keyID, day, region, service := scope[0], scope[1], scope[2], scope[3]
	var c caller
	var creds aws.Credentials
	s.mu.Lock()
	if u := s.users[keyID]; u != nil {
		c.user = u
		creds = aws.Credentials{AccessKeyID: keyID, SecretAccessKey: u.SecretAccessKey}
	} else if t := s.temps[keyID]; t != nil {
		c.temp = t
		c.user = s.userNamed(t.UserARN)
		creds = aws.Credentials{AccessKeyID: keyID, SecretAccessKey: t.SecretAccessKey, SessionToken: t.SessionToken}
	}
	s.mu.Unlock()
	if c.user == nil {
		return caller{}, creds, time.Time{}, invalidToken
	}
	// A token must go with exactly the key it was issued with, and long-lived keys have none.
	if creds.SessionToken != token {
		return caller{}, creds, time.Time{}, invalidToken
	}
	if c.temp != nil && !s.now().Before(c.temp.Expires) {
		return caller{}, creds, time.Time{}, expiredToken
	}
	if service != "sts" {
		return caller{}, creds, time.Time{}, newErr(403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'. ")
	}
	signed, err := time.Parse(amzDate, dateStr)
	if err != nil {
		return caller{}, creds, time.Time{}, newErr(400, "IncompleteSignature", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if day != dateStr[:8] {
		return caller{}, creds, time.Time{}, newErr(403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region, not '%s'. ", region)
	}
	return c, creds, signed, nil
}

// userNamed finds a user by ARN; s.mu must be held.
func (s *Server) userNamed(arn string) *User {
	for _, u := range s.users {
		if u.ARN == arn {
			return u
		}
	}
	return nil
}

// duration parses DurationSeconds with the model's bounds.
func duration(form url.Values, def, max time.Duration) (time.Duration, *stsError) {
	v := form.Get("DurationSeconds")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, newErr(400, "ValidationError", "Invalid value '%s' for DurationSeconds", v)
	}
	d := time.Duration(n) * time.Second
	if d < minDuration {
		return 0, newErr(400, "ValidationError", "1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", n)
	}
	if d > max {
		return 0, newErr(400, "ValidationError", "1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to %d", n, int(max/time.Second))
	}
	return d, nil
}

var mfaFailed = newErr(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")

// checkMFA validates serial and code for u and burns the code so it cannot be replayed.
func (s *Server) checkMFA(u *User, serial, code string) *stsError {
	if u == nil || serial != u.MFASerial {
		return newErr(403, "AccessDenied", "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.")
	}
	if code == "" {
		return newErr(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")
	}
	now := s.now()
	step := now.Unix() / 30
	for _, d := range []int64{0, -1, 1} {
		want, err := totp.GenerateCodeCustom(u.MFASecret, time.Unix((step+d)*30, 0), totpOpts)
		if err != nil || want != code {
			continue
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		used := s.usedMFA[serial]
		if used == nil {
			used = map[int64]bool{}
			s.usedMFA[serial] = used
		}
		if used[step+d] {
			return mfaFailed
		}
		used[step+d] = true
		return nil
	}
	return mfaFailed
}

// issue mints temporary credentials lasting d (or the forced lifetime).
func (s *Server) issue(t *Temporary, d time.Duration) *Temporary {
	t.AccessKeyID = "ASIA" + randID(16)
	t.SecretAccessKey = randSecret()
	t.SessionToken = "IQoJb3JpZ2luX2VjE" + base64.StdEncoding.EncodeToString(randBytes(180))
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lifetime != 0 {
		d = s.lifetime
	}
	t.Expires = now.Add(d).Truncate(time.Second)
	s.temps[t.AccessKeyID] = t
	s.order = append(s.order, t)
	s.issued = append(s.issued, t.SecretAccessKey, t.SessionToken)
	return t
}

func credentialsXML(t *Temporary) string {
	return fmt.Sprintf("    <Credentials>\n      <AccessKeyId>%s</AccessKeyId>\n      <SecretAccessKey>%s</SecretAccessKey>\n      <SessionToken>%s</SessionToken>\n      <Expiration>%s</Expiration>\n    </Credentials>\n",
		t.AccessKeyID, t.SecretAccessKey, t.SessionToken, t.Expires.UTC().Format(time.RFC3339))
}

func (s *Server) getSessionToken(c caller, form url.Values) (string, *stsError) {
	if c.temp != nil {
		return "", newErr(403, "AccessDenied", "Cannot call GetSessionToken with session credentials")
	}
	d, err := duration(form, defaultUserSession, maxUserSession)
	if err != nil {
		return "", err
	}
	serial, code := form.Get("SerialNumber"), form.Get("TokenCode")
	mfa := serial != "" || code != ""
	if mfa {
		if err := s.checkMFA(c.user, serial, code); err != nil {
			return "", err
		}
	}
	t := s.issue(&Temporary{
		Action: "GetSessionToken", ARN: c.user.ARN, UserID: c.user.UserID,
		Account: c.user.Account, MFA: mfa, UserARN: c.user.ARN,
	}, d)
	return credentialsXML(t), nil
}

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]*$`)

func (s *Server) assumeRole(c caller, form url.Values) (string, *stsError) {
	arn := form.Get("RoleArn")
	name, hasName := form["RoleSessionName"]
	switch {
	case arn == "":
		return "", newErr(400, "ValidationError", "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null")
	case len(arn) < 20:
		return "", newErr(400, "ValidationError", "1 validation error detected: Value '%s' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20", arn)
	case !hasName:
		return "", newErr(400, "ValidationError", "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null")
	case len(name[0]) < 2:
		return "", newErr(400, "ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2", name[0])
	case len(name[0]) > 64:
		return "", newErr(400, "ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64", name[0])
	case !sessionNameRE.MatchString(name[0]):
		return "", newErr(400, "ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", name[0])
	}
	session := name[0]
	s.mu.Lock()
	ro := s.roles[arn]
	s.mu.Unlock()
	denied := newErr(403, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.arn(), arn)
	if ro == nil || ro.opts.Deny {
		return "", denied
	}
	if ro.opts.ExternalID != "" && form.Get("ExternalId") != ro.opts.ExternalID {
		return "", denied
	}
	chained := c.temp != nil && c.temp.RoleARN != ""
	max := ro.opts.MaxSession
	d, err := duration(form, defaultRoleSession, 43200*time.Second)
	if err != nil {
		return "", err
	}
	if chained && d > chainedRoleLimit {
		return "", newErr(400, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if d > max {
		return "", newErr(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	mfa := c.temp != nil && c.temp.MFA
	serial, code := form.Get("SerialNumber"), form.Get("TokenCode")
	if serial != "" || code != "" {
		if err := s.checkMFA(c.user, serial, code); err != nil {
			return "", err
		}
		mfa = true
	}
	if ro.opts.RequireMFA && !mfa {
		return "", denied
	}
	t := s.issue(&Temporary{
		Action:  "AssumeRole",
		ARN:     "arn:aws:sts::" + ro.account + ":assumed-role/" + ro.name + "/" + session,
		UserID:  ro.id + ":" + session,
		Account: ro.account, RoleARN: arn, MFA: mfa, UserARN: c.user.ARN,
	}, d)
	return fmt.Sprintf("    <AssumedRoleUser>\n      <AssumedRoleId>%s</AssumedRoleId>\n      <Arn>%s</Arn>\n    </AssumedRoleUser>\n%s    <PackedPolicySize>0</PackedPolicySize>\n",
		esc(t.UserID), esc(t.ARN), credentialsXML(t)), nil
}

func (s *Server) getCallerIdentity(c caller, _ url.Values) (string, *stsError) {
	acct, arn, id := c.user.Account, c.user.ARN, c.user.UserID
	if c.temp != nil {
		acct, arn, id = c.temp.Account, c.temp.ARN, c.temp.UserID
	}
	return fmt.Sprintf("    <Arn>%s</Arn>\n    <UserId>%s</UserId>\n    <Account>%s</Account>\n", esc(arn), esc(id), esc(acct)), nil
}

// serveFederation imitates https://signin.aws.amazon.com/federation.
func (s *Server) serveFederation(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	action := q.Get("Action")
	s.count(action)
	if f := s.injected(action); f != nil {
		http.Error(w, f.message, f.status)
		return
	}
	switch action {
	case "getSigninToken":
		var sess struct {
			ID    string `json:"sessionId"`
			Key   string `json:"sessionKey"`
			Token string `json:"sessionToken"`
		}
		if err := json.Unmarshal([]byte(q.Get("Session")), &sess); err != nil {
			http.Error(w, "bad Session parameter", http.StatusBadRequest)
			return
		}
		if d := q.Get("SessionDuration"); d != "" {
			n, err := strconv.Atoi(d)
			if err != nil || n < 900 || n > 43200 {
				http.Error(w, "bad SessionDuration", http.StatusBadRequest)
				return
			}
		}
		s.mu.Lock()
		t := s.temps[sess.ID]
		s.mu.Unlock()
		// The console only takes role or federation sessions, never GetSessionToken ones.
		if t == nil || t.SecretAccessKey != sess.Key || t.SessionToken != sess.Token ||
			t.Action == "GetSessionToken" || !s.now().Before(t.Expires) {
			http.Error(w, "invalid credentials", http.StatusBadRequest)
			return
		}
		tok := base64.RawURLEncoding.EncodeToString(randBytes(96))
		s.mu.Lock()
		s.signins[tok] = t
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"SigninToken": tok})
	case "login":
		s.mu.Lock()
		t := s.signins[q.Get("SigninToken")]
		s.mu.Unlock()
		dest := q.Get("Destination")
		if t == nil || dest == "" {
			http.Error(w, "invalid sign-in token", http.StatusBadRequest)
			return
		}
		http.Redirect(w, r, dest, http.StatusFound)
	default:
		http.Error(w, "unknown Action", http.StatusBadRequest)
	}
}

// SigninSession says which temporary credentials a sign-in token from the
// federation endpoint was made from.
func (s *Server) SigninSession(token string) (Temporary, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.signins[token]
	if !ok {
		return Temporary{}, false
	}
	return *t, true
}

func writeError(w http.ResponseWriter, reqID string, e *stsError) {
	typ := "Sender"
	if e.status >= 500 {
		typ = "Receiver"
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header()["x-amzn-RequestId"] = []string{reqID}
	w.WriteHeader(e.status)
	fmt.Fprintf(w, "<ErrorResponse xmlns=\"%s\">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n",
		xmlNS, typ, esc(e.code), esc(e.message), reqID)
}

func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func randID(n int) string {
	b := randBytes(n)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b)
}

func randSecret() string {
	return base64.StdEncoding.EncodeToString(randBytes(30)) // 40 characters, like AWS
}

func newRequestID() string {
	b := randBytes(16)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
