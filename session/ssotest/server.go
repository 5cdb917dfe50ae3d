// Package ssotest is a fake IAM Identity Center for tests: the OIDC service (device
// authorization, RFC 8628) and the access portal (accounts, roles, role credentials).
//
// Both speak REST-JSON as aws-sdk-go-v2's ssooidc and sso clients do, on one httptest server on
// 127.0.0.1. Point clients at it with AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO (or
// BaseEndpoint). It is strict where real Identity Center is: CreateToken answers
// authorization_pending until the test approves the user code (Approve), slow_down when polled
// sooner than the interval (which then grows by 5), expired_token once the device code is too
// old; the portal wants a live bearer token in x-amz-sso_bearer_token and an assignment for
// the account and permission set. Errors carry the service's JSON shapes and statuses.
package ssotest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/acct-cli/acct/internal/fakeaws"
	"github.com/acct-cli/acct/session/ststest"
)

// Server is a running fake. Set the exported fields before the first request. Calls counts
// requests per operation ("RegisterClient", "StartDeviceAuthorization", "CreateToken" (Refreshes
// counts those with the refresh token grant),
// "GetRoleCredentials", "ListAccounts", "ListAccountRoles"; "" counts all); FailWith makes the next
// calls of an operation fail with the given error types, one per call; its clock (Advance) ages
// clients, device codes and tokens.
type Server struct {
	fakeaws.Service

	// Unit is the length of one "second" of the polling interval, so unit tests can poll fast;
	// default time.Second. Interval is what StartDeviceAuthorization advertises (default 1).
	Unit     time.Duration
	Interval int
	// MinInterval, when above Interval, is the polling interval the server really enforces, so
	// a client that believes the advertised one meets slow_down (the enforced interval then
	// becomes Interval + 5, as for any slow_down).
	MinInterval int
	// DeviceLifetime is how long a device code can be approved (default 10m); TokenLifetime
	// how long access tokens live (default 8h); ClientLifetime how long a client
	// registration lives (default 90 days); CredentialLifetime how long role credentials
	// live (default 1h).
	// RefreshLifetime is how long a refresh token can be traded for a new access token
	// (default 90 days).
	DeviceLifetime, TokenLifetime, ClientLifetime, CredentialLifetime, RefreshLifetime time.Duration
	// STS, when set, issues the role credentials, so they work against that fake STS.
	STS *ststest.Server
	// PageSize is the portal's page size for ListAccounts and ListAccountRoles (default 2, so
	// pagination is always exercised).
	PageSize int

	mu        sync.Mutex
	clients   map[string]*client // by client id
	devices   map[string]*device // by device code
	tokens    map[string]*token  // by access token
	refresh   map[string]*token  // by refresh token; clientID says whose
	refreshes int
	accounts  []account
	issued    []string
}

type client struct {
	id, secret string
	expires    time.Time
	scoped     bool // registered with scopes: its tokens come with a refresh token
}

type device struct {
	code, userCode, clientID, startURL string
	expires                            time.Time
	interval                           time.Duration
	lastPoll                           time.Time
	approved, denied, used             bool
}

type token struct {
	startURL, clientID string
	expires            time.Time
}

type account struct {
	id, name string
	roles    []string
}

// New starts a fake on 127.0.0.1. Close it when done.
func New() *Server {
	s := &Server{
		clients: map[string]*client{},
		devices: map[string]*device{},
		tokens:  map[string]*token{},
		refresh: map[string]*token{},
	}
	s.Start(http.HandlerFunc(s.serve))
	return s
}

// AddAccount assigns the user permission sets (role names) in an account.
func (s *Server) AddAccount(id, name string, roles ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts = append(s.accounts, account{id: id, name: name, roles: roles})
}

// Approve approves a pending user code, as the user does in the browser.
func (s *Server) Approve(userCode string) error { return s.decide(userCode, true) }

// Deny refuses a pending user code.
func (s *Server) Deny(userCode string) error { return s.decide(userCode, false) }

func (s *Server) decide(userCode string, ok bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.devices {
		if d.userCode == userCode && !d.used {
			d.approved, d.denied = ok, !ok
			return nil
		}
	}
	return fmt.Errorf("ssotest: no pending device authorization with user code %q", userCode)
}

// UserCodes lists the user codes waiting for approval.
func (s *Server) UserCodes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, d := range s.devices {
		if !d.approved && !d.denied && !d.used {
			out = append(out, d.userCode)
		}
	}
	sort.Strings(out)
	return out
}

// RevokeTokens invalidates every access and refresh token, as signing out of the portal does.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]*token{}
	s.refresh = map[string]*token{}
}

// Refreshes is the number of CreateToken calls with the refresh token grant.
func (s *Server) Refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshes
}

// Issued lists every secret handed out (client secrets, access and refresh tokens, role
// credentials), for leak checks.
func (s *Server) Issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

func (s *Server) unit() time.Duration {
	if s.Unit > 0 {
		return s.Unit
	}
	return time.Second
}

func orDur(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// apiError is an error answer: OIDC uses error/error_description, the portal message.
type apiError struct {
	status int
	typ    string
	oidc   string // the OAuth error code, for OIDC errors
	msg    string
}

func oidcErr(status int, typ, code, msg string) *apiError {
	return &apiError{status: status, typ: typ, oidc: code, msg: msg}
}

func portalErr(status int, typ, msg string) *apiError {
	return &apiError{status: status, typ: typ, msg: msg}
}

// injectedErrs are the real status and OAuth code of the error types a test injects; the portal's
// errors have no OAuth code but a message.
var injectedErrs = map[string]apiError{
	"AuthorizationPendingException": {status: 400, oidc: "authorization_pending"},
	"SlowDownException":             {status: 400, oidc: "slow_down"},
	"ExpiredTokenException":         {status: 400, oidc: "expired_token"},
	"AccessDeniedException":         {status: 400, oidc: "access_denied"},
	"InvalidClientException":        {status: 401, oidc: "invalid_client"},
	"InternalServerException":       {status: 500, oidc: "server_error"},
	"UnauthorizedException":         {status: 401, msg: "Session token not found or invalid"},
	"TooManyRequestsException":      {status: 429, msg: "Rate exceeded"},
}

// injectedErr is the answer to an injected error type; a type the table lacks is a 400.
func injectedErr(typ string) *apiError {
	e, ok := injectedErrs[typ]
	if !ok {
		return portalErr(400, typ, "injected "+typ)
	}
	e.typ = typ
	return &e
}

func writeErr(w http.ResponseWriter, e *apiError) {
	body := map[string]string{"__type": e.typ}
	if e.oidc != "" {
		body["error"] = e.oidc
		if e.msg != "" {
			body["error_description"] = e.msg
		}
	} else {
		body["message"] = e.msg
	}
	fakeaws.WriteJSON(w, e.status, "application/json", e.typ, body)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	type route struct {
		method, op string
		fn         func(*http.Request) (any, *apiError)
	}
	routes := map[string]route{
		"/client/register":        {http.MethodPost, "RegisterClient", s.registerClient},
		"/device_authorization":   {http.MethodPost, "StartDeviceAuthorization", s.startDevice},
		"/token":                  {http.MethodPost, "CreateToken", s.createToken},
		"/federation/credentials": {http.MethodGet, "GetRoleCredentials", s.getRoleCredentials},
		"/assignment/accounts":    {http.MethodGet, "ListAccounts", s.listAccounts},
		"/assignment/roles":       {http.MethodGet, "ListAccountRoles", s.listAccountRoles},
	}
	rt, ok := routes[r.URL.Path]
	if !ok || r.Method != rt.method {
		writeErr(w, portalErr(404, "UnknownOperationException", "no operation "+r.Method+" "+r.URL.Path))
		return
	}
	// Counted once answered, so a test that waits for the Nth poll and then approves the
	// device code knows that poll has seen the code still pending.
	defer s.Count(rt.op)
	if inj := s.Injected(rt.op); inj != "" {
		writeErr(w, injectedErr(inj))
		return
	}
	if rt.method == http.MethodPost && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		writeErr(w, oidcErr(400, "InvalidRequestException", "invalid_request", "Content-Type must be application/json"))
		return
	}
	out, e := rt.fn(r)
	if e != nil {
		writeErr(w, e)
		return
	}
	fakeaws.WriteJSON(w, http.StatusOK, "application/json", "", out)
}

func decode(r *http.Request, v any) *apiError {
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		return oidcErr(400, "InvalidRequestException", "invalid_request", "malformed JSON body")
	}
	return nil
}

func (s *Server) secret(prefix string, n int) string {
	v := prefix + base64.RawURLEncoding.EncodeToString(fakeaws.RandomBytes(n))
	s.issued = append(s.issued, v)
	return v
}

func (s *Server) registerClient(r *http.Request) (any, *apiError) {
	var in struct {
		ClientName string   `json:"clientName"`
		ClientType string   `json:"clientType"`
		Scopes     []string `json:"scopes"`
	}
	if e := decode(r, &in); e != nil {
		return nil, e
	}
	if in.ClientName == "" || in.ClientType != "public" {
		return nil, oidcErr(400, "InvalidRequestException", "invalid_request", "clientName is required and clientType must be public")
	}
	for _, sc := range in.Scopes {
		if !strings.HasPrefix(sc, "sso:") && !strings.HasPrefix(sc, "codewhisperer:") {
			return nil, oidcErr(400, "InvalidScopeException", "invalid_scope", "unknown scope "+sc)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	c := &client{id: "cid-" + randText(12), secret: s.secret("csec-", 48), expires: now.Add(orDur(s.ClientLifetime, 90*24*time.Hour)).Truncate(time.Second), scoped: len(in.Scopes) > 0}
	s.clients[c.id] = c
	return map[string]any{
		"clientId": c.id, "clientSecret": c.secret,
		"clientIdIssuedAt": now.Unix(), "clientSecretExpiresAt": c.expires.Unix(),
	}, nil
}

// clientAuth is how a registered client names itself in an OIDC request.
type clientAuth struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

// decodeAuthed decodes r's body into in, whose clientAuth is auth, and checks that client. On
// success it returns holding s.mu, for the caller to unlock.
func (s *Server) decodeAuthed(r *http.Request, in any, auth *clientAuth) *apiError {
	if e := decode(r, in); e != nil {
		return e
	}
	s.mu.Lock()
	if e := s.checkClient(auth.ClientID, auth.ClientSecret); e != nil {
		s.mu.Unlock()
		return e
	}
	return nil
}

func (s *Server) checkClient(id, secret string) *apiError {
	c := s.clients[id]
	if c == nil || c.secret != secret {
		return oidcErr(401, "InvalidClientException", "invalid_client", "Invalid client provided")
	}
	if !s.Now().Before(c.expires) {
		return oidcErr(401, "InvalidClientException", "invalid_client", "Client credentials have expired")
	}
	return nil
}

func (s *Server) startDevice(r *http.Request) (any, *apiError) {
	var in struct {
		clientAuth
		StartURL string `json:"startUrl"`
	}
	if e := s.decodeAuthed(r, &in, &in.clientAuth); e != nil {
		return nil, e
	}
	defer s.mu.Unlock()
	if !strings.HasPrefix(in.StartURL, "https://") {
		return nil, oidcErr(400, "InvalidRequestException", "invalid_request", "startUrl must be an https URL")
	}
	interval := s.Interval
	if interval <= 0 {
		interval = 1
	}
	life := orDur(s.DeviceLifetime, 10*time.Minute)
	d := &device{
		code: s.secret("dev-", 32), userCode: randText(4) + "-" + randText(4), clientID: in.ClientID,
		startURL: in.StartURL, expires: s.Now().Add(life), interval: time.Duration(interval) * s.unit(),
		lastPoll: s.Now(),
	}
	s.devices[d.code] = d
	uri := s.URL + "/device"
	return map[string]any{
		"deviceCode": d.code, "userCode": d.userCode, "verificationUri": uri,
		"verificationUriComplete": uri + "?user_code=" + d.userCode,
		"expiresIn":               int(life / time.Second), "interval": interval,
	}, nil
}

// createToken answers the device code grant (polled until approved) and the refresh token
// grant, which trades a refresh token for a new access token and a new refresh token (the old one
// is spent), as IAM Identity Center does for clients registered with scopes.
func (s *Server) createToken(r *http.Request) (any, *apiError) {
	var in struct {
		clientAuth
		GrantType    string `json:"grantType"`
		DeviceCode   string `json:"deviceCode"`
		RefreshToken string `json:"refreshToken"`
	}
	if e := s.decodeAuthed(r, &in, &in.clientAuth); e != nil {
		return nil, e
	}
	defer s.mu.Unlock()
	switch in.GrantType {
	case "urn:ietf:params:oauth:grant-type:device_code":
		return s.deviceToken(in.ClientID, in.DeviceCode)
	case "refresh_token":
		s.refreshes++
		t := s.refresh[in.RefreshToken]
		if t == nil || t.clientID != in.ClientID || !s.Now().Before(t.expires) {
			return nil, oidcErr(400, "InvalidGrantException", "invalid_grant", "Invalid refresh token provided")
		}
		delete(s.refresh, in.RefreshToken)
		return s.newToken(t.clientID, t.startURL), nil
	}
	return nil, oidcErr(400, "UnsupportedGrantTypeException", "unsupported_grant_type", "Unsupported grant type: "+in.GrantType)
}

// deviceToken is the device code grant; s.mu is held.
func (s *Server) deviceToken(clientID, code string) (any, *apiError) {
	d := s.devices[code]
	if d == nil || d.clientID != clientID || d.used {
		return nil, oidcErr(400, "InvalidGrantException", "invalid_grant", "Invalid grant provided")
	}
	now := s.Now()
	if !now.Before(d.expires) {
		return nil, oidcErr(400, "ExpiredTokenException", "expired_token", "Device code has expired")
	}
	need := max(d.interval, time.Duration(s.MinInterval)*s.unit())
	early := now.Sub(d.lastPoll) < need
	d.lastPoll = now
	if early {
		d.interval += 5 * s.unit()
		return nil, oidcErr(400, "SlowDownException", "slow_down", "")
	}
	switch {
	case d.denied:
		d.used = true
		return nil, oidcErr(400, "AccessDeniedException", "access_denied", "")
	case !d.approved:
		return nil, oidcErr(400, "AuthorizationPendingException", "authorization_pending", "")
	}
	d.used = true
	return s.newToken(clientID, d.startURL), nil
}

// newToken issues an access token (TokenLifetime) and, to a client registered with scopes, a
// refresh token that lives as long as the sign-in (RefreshLifetime); s.mu is held.
func (s *Server) newToken(clientID, startURL string) map[string]any {
	now := s.Now()
	life := orDur(s.TokenLifetime, 8*time.Hour)
	at := s.secret("aoa", 96)
	s.tokens[at] = &token{startURL: startURL, clientID: clientID, expires: now.Add(life)}
	out := map[string]any{"accessToken": at, "tokenType": "Bearer", "expiresIn": int(life / time.Second)}
	if c := s.clients[clientID]; c != nil && c.scoped {
		rt := s.secret("aor", 96)
		s.refresh[rt] = &token{startURL: startURL, clientID: clientID, expires: now.Add(orDur(s.RefreshLifetime, 90*24*time.Hour))}
		out["refreshToken"] = rt
	}
	return out
}

// bearer checks the portal's x-amz-sso_bearer_token header.
func (s *Server) bearer(r *http.Request) *apiError {
	t := s.tokens[r.Header.Get("x-amz-sso_bearer_token")]
	if t == nil || !s.Now().Before(t.expires) {
		return portalErr(401, "UnauthorizedException", "Session token not found or invalid")
	}
	return nil
}

func (s *Server) getRoleCredentials(r *http.Request) (any, *apiError) {
	q := r.URL.Query()
	acct, role := q.Get("account_id"), q.Get("role_name")
	s.mu.Lock()
	if e := s.bearer(r); e != nil {
		s.mu.Unlock()
		return nil, e
	}
	if acct == "" || role == "" {
		s.mu.Unlock()
		return nil, portalErr(400, "InvalidRequestException", "account_id and role_name are required")
	}
	allowed := false
	for _, a := range s.accounts {
		if a.id == acct {
			for _, r := range a.roles {
				allowed = allowed || r == role
			}
		}
	}
	life := orDur(s.CredentialLifetime, time.Hour)
	sts := s.STS
	s.mu.Unlock()
	if !allowed {
		return nil, portalErr(403, "ForbiddenException", "No access")
	}
	var id, secret, tok string
	var exp time.Time
	if sts != nil {
		t := sts.AddTemporary(acct, role, life)
		id, secret, tok, exp = t.AccessKeyID, t.SecretAccessKey, t.SessionToken, t.Expires
	} else {
		s.mu.Lock()
		id, secret, tok = fakeaws.AccessKeyID("ASIA"), s.secret("", 30), s.secret("IQoJ", 120)
		s.mu.Unlock()
		exp = s.Now().Add(life).Truncate(time.Second)
	}
	s.mu.Lock()
	s.issued = append(s.issued, secret, tok)
	s.mu.Unlock()
	return map[string]any{"roleCredentials": map[string]any{
		"accessKeyId": id, "secretAccessKey": secret, "sessionToken": tok, "expiration": exp.UnixMilli(),
	}}, nil
}

// page cuts items at next_token (an index) for max_result or PageSize.
func (s *Server) page(r *http.Request, n int) (from, to int, next string, e *apiError) {
	q := r.URL.Query()
	size := s.PageSize
	if size <= 0 {
		size = 2
	}
	if m := q.Get("max_result"); m != "" {
		v, err := strconv.Atoi(m)
		if err != nil || v < 1 {
			return 0, 0, "", portalErr(400, "InvalidRequestException", "bad max_result")
		}
		size = min(size, v)
	}
	if t := q.Get("next_token"); t != "" {
		v, err := strconv.Atoi(strings.TrimPrefix(t, "page-"))
		if err != nil || v < 0 || v > n {
			return 0, 0, "", portalErr(400, "InvalidRequestException", "bad next_token")
		}
		from = v
	}
	to = min(n, from+size)
	if to < n {
		next = "page-" + strconv.Itoa(to)
	}
	return from, to, next, nil
}

func (s *Server) listAccounts(r *http.Request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.bearer(r); e != nil {
		return nil, e
	}
	from, to, next, e := s.page(r, len(s.accounts))
	if e != nil {
		return nil, e
	}
	list := []map[string]string{}
	for _, a := range s.accounts[from:to] {
		list = append(list, map[string]string{"accountId": a.id, "accountName": a.name, "emailAddress": "aws+" + a.id + "@example.com"})
	}
	out := map[string]any{"accountList": list}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

func (s *Server) listAccountRoles(r *http.Request) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.bearer(r); e != nil {
		return nil, e
	}
	id := r.URL.Query().Get("account_id")
	var roles []string
	found := false
	for _, a := range s.accounts {
		if a.id == id {
			roles, found = a.roles, true
		}
	}
	if !found {
		return nil, portalErr(404, "ResourceNotFoundException", "Account not found")
	}
	from, to, next, e := s.page(r, len(roles))
	if e != nil {
		return nil, e
	}
	list := []map[string]string{}
	for _, rn := range roles[from:to] {
		list = append(list, map[string]string{"accountId": id, "roleName": rn})
	}
	out := map[string]any{"roleList": list}
	if next != "" {
		out["nextToken"] = next
	}
	return out, nil
}

const codeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

func randText(n int) string { return fakeaws.RandomText(codeAlphabet, n) }
