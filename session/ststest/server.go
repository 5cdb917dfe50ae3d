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
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acct-cli/acct/internal/fakeaws"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

const (
	apiVersion = "2011-06-15"
	xmlNS      = "https://sts.amazonaws.com/doc/2011-06-15/"

	minDuration        = 900 * time.Second
	maxUserSession     = 129600 * time.Second
	defaultUserSession = 43200 * time.Second
	defaultRoleSession = time.Hour
	chainedRoleLimit   = time.Hour
)

var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Server is a running fake STS. The zero value is not usable; call New.
//
// Its clock (Now, Advance, SetNow) drives credential lifetimes, expiry checks and the TOTP
// window; the 15-minute X-Amz-Date check uses the wall clock instead, because clients sign with
// the wall clock and a test cannot move theirs. Calls counts requests by action
// ("GetSessionToken", "AssumeRole", "GetCallerIdentity", "getSigninToken", ...), failed ones
// included; Fail makes the next calls of an action fail with an STS error code before any
// authentication.
type Server struct {
	fakeaws.Service
	FederationURL string // URL + "/federation", the console sign-in federation endpoint

	mu       sync.Mutex
	lifetime time.Duration
	users    map[string]*User      // by access key id
	roles    map[string]*role      // by ARN
	temps    map[string]*Temporary // by access key id
	order    []*Temporary
	issued   []string
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

type stsError = fakeaws.Error

var newErr = fakeaws.Errorf

// New starts a fake STS on 127.0.0.1. Close it when done.
func New() *Server {
	s := &Server{
		users:   map[string]*User{},
		roles:   map[string]*role{},
		temps:   map[string]*Temporary{},
		usedMFA: map[string]map[int64]bool{},
		signins: map[string]*Temporary{},
	}
	s.Start(http.HandlerFunc(s.serveHTTP))
	s.FederationURL = s.URL + "/federation"
	return s
}

// AddUser creates an IAM user with long-lived keys and a virtual MFA device
// arn:aws:iam::ACCOUNT:mfa/NAME.
func (s *Server) AddUser(account, name string) User {
	u := &User{
		Name:            name,
		Account:         account,
		ARN:             "arn:aws:iam::" + account + ":user/" + name,
		AccessKeyID:     fakeaws.AccessKeyID("AKIA"),
		SecretAccessKey: fakeaws.SecretKey(),
		MFASerial:       "arn:aws:iam::" + account + ":mfa/" + name,
		MFASecret:       base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(fakeaws.RandomBytes(20)),
		UserID:          "AIDA" + fakeaws.RandomText(fakeaws.KeyAlphabet, 17),
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
	s.roles[arn] = &role{arn: arn, account: account, name: name, id: "AROA" + fakeaws.RandomText(fakeaws.KeyAlphabet, 17), opts: o}
	s.mu.Unlock()
}

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
func (s *Server) Lookup(accessKeyID string) (Temporary, bool) { return s.find(s.temps, accessKeyID) }

// find copies m[key] out under s.mu.
func (s *Server) find(m map[string]*Temporary, key string) (Temporary, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := m[key]; ok {
		return *t, true
	}
	return Temporary{}, false
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
	body, err := fakeaws.Body(r)
	if err != nil {
		s.Count("")
		writeError(w, newErr(400, "MalformedInput", "cannot read body"))
		return
	}
	form := r.URL.Query()
	if r.Method == http.MethodPost {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			// Newer SDKs may speak JSON to STS one day; say so loudly rather than misparse.
			s.Count("")
			writeError(w, newErr(400, "InvalidAction", "ststest speaks only the AWS Query protocol, got Content-Type %q", ct))
			return
		}
		bf, err := url.ParseQuery(string(body))
		if err != nil {
			s.Count("")
			writeError(w, newErr(400, "MalformedQueryString", "%v", err))
			return
		}
		for k, v := range bf {
			form[k] = append(form[k], v...)
		}
	}
	action := form.Get("Action")
	s.Count(action)
	out, serr := s.handle(r, body, action, form)
	if serr != nil {
		writeError(w, serr)
		return
	}
	fakeaws.WriteQueryResult(w, xmlNS, action, out)
}

// injected consumes one pending Fail for action.
func (s *Server) injected(action string) *stsError {
	if code := s.Injected(action); code != "" {
		return codeErrors.For(code)
	}
	return nil
}

// codeErrors are the statuses and messages real STS sends with the codes a test injects.
var codeErrors = fakeaws.Errors{
	"Throttling":              {Status: 400, Message: "Rate exceeded"},
	"AccessDenied":            {Status: 403, Message: "User is not authorized to perform this action"},
	"ExpiredToken":            {Status: 400, Message: "The security token included in the request is expired"},
	"InvalidClientTokenId":    {Status: 403, Message: "The security token included in the request is invalid."},
	"SignatureDoesNotMatch":   {Status: 403, Message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
	"ServiceUnavailable":      {Status: 503, Message: "Service is unavailable. Please try again later."},
	"InternalFailure":         {Status: 500, Message: "An internal error occurred."},
	"InternalError":           {Status: 500, Message: "An internal error occurred."},
	"RegionDisabledException": {Status: 403, Message: "STS is not activated in this region for account. Your account administrator can activate STS in this region using the IAM Console."},
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

// authenticate checks the request's SigV4 signature and says who signed.
func (s *Server) authenticate(r *http.Request, body []byte) (caller, *stsError) {
	var c caller
	_, err := fakeaws.Verify(r, body, "sts", func(id string) (fakeaws.Key, bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		c = caller{}
		if u := s.users[id]; u != nil {
			c.user = u
			return fakeaws.Key{Secret: u.SecretAccessKey, Principal: u.ARN}, true
		}
		if t := s.temps[id]; t != nil {
			c.temp, c.user = t, s.userNamed(t.UserARN)
			return fakeaws.Key{Secret: t.SecretAccessKey, Token: t.SessionToken, Principal: t.ARN,
				Expired: !s.Now().Before(t.Expires)}, c.user != nil
		}
		return fakeaws.Key{}, false
	}, fakeaws.Query)
	return c, err
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
	now := s.Now()
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
	t.AccessKeyID = fakeaws.AccessKeyID("ASIA")
	t.SecretAccessKey = fakeaws.SecretKey()
	t.SessionToken = "IQoJb3JpZ2luX2VjE" + base64.StdEncoding.EncodeToString(fakeaws.RandomBytes(180))
	now := s.Now()
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
		fakeaws.XMLEscape(t.UserID), fakeaws.XMLEscape(t.ARN), credentialsXML(t)), nil
}

func (s *Server) getCallerIdentity(c caller, _ url.Values) (string, *stsError) {
	acct, arn, id := c.user.Account, c.user.ARN, c.user.UserID
	if c.temp != nil {
		acct, arn, id = c.temp.Account, c.temp.ARN, c.temp.UserID
	}
	return fmt.Sprintf("    <Arn>%s</Arn>\n    <UserId>%s</UserId>\n    <Account>%s</Account>\n", fakeaws.XMLEscape(arn), fakeaws.XMLEscape(id), fakeaws.XMLEscape(acct)), nil
}

// serveFederation imitates https://signin.aws.amazon.com/federation.
func (s *Server) serveFederation(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	action := q.Get("Action")
	s.Count(action)
	if f := s.injected(action); f != nil {
		http.Error(w, f.Message, f.Status)
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
			t.Action == "GetSessionToken" || !s.Now().Before(t.Expires) {
			http.Error(w, "invalid credentials", http.StatusBadRequest)
			return
		}
		tok := base64.RawURLEncoding.EncodeToString(fakeaws.RandomBytes(96))
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
func (s *Server) SigninSession(token string) (Temporary, bool) { return s.find(s.signins, token) }

func writeError(w http.ResponseWriter, e *stsError) { fakeaws.WriteQueryError(w, xmlNS, e) }
