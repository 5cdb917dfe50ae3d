// Package orgstest is a fake AWS Organizations endpoint for tests.
//
// It speaks the AWS JSON 1.1 protocol aws-sdk-go-v2 uses for Organizations (POST /, X-Amz-Target
// AWSOrganizationsV20161128.<Action>), checks SigV4 signatures with the SDK's own signer against
// the keys its KeyFunc knows, pages every list with a small page size (MaxResults / NextToken) and
// answers errors with the JSON documents and codes real Organizations sends
// (AccessDeniedException, AWSOrganizationsNotInUseException, TooManyRequestsException, ...).
//
// Point the SDK (and so the acct binary) at it with AWS_ENDPOINT_URL_ORGANIZATIONS=s.URL.
package orgstest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/acct-cli/acct/internal/fakeaws"
)

const targetPrefix = "AWSOrganizationsV20161128."

// DefaultPageSize is how many items a page holds when the request asks for more (or nothing).
const DefaultPageSize = 20

// Server is a running fake Organizations. Build the organisation with AddOU and AddAccount (or
// Generate) before or between requests; every method is safe for concurrent use. Calls counts
// requests by action ("ListAccountsForParent", ...), failed ones included; Fail makes the next
// calls of an action fail with an error code before authentication.
type Server struct {
	fakeaws.Service

	// Keys validates access keys; nil accepts only keys added with AddKey.
	Keys fakeaws.KeyFunc

	mu         sync.Mutex
	orgID      string
	management string
	rootID     string
	ous        map[string]*OU      // by ID
	accounts   map[string]*Account // by ID
	pageSize   int
	notInUse   atomic.Bool
	deny       map[string]bool // principals refused with AccessDeniedException
	ownKeys    map[string]string
	seq        int
}

// OU is an organisational unit.
type OU struct {
	ID, Name, Parent string
}

// Account is a member account.
type Account struct {
	ID, Name, Email, State, Parent string
}

// New starts a fake organisation whose management account is management, sitting under the root.
func New(management string) *Server {
	s := &Server{
		orgID:      "o-" + randLower(10),
		management: management,
		rootID:     "r-" + randLower(4),
		ous:        map[string]*OU{},
		accounts:   map[string]*Account{},
		pageSize:   DefaultPageSize,
		deny:       map[string]bool{},
		ownKeys:    map[string]string{},
	}
	s.accounts[management] = &Account{ID: management, Name: "management", Email: "aws+management@example.com", State: "ACTIVE", Parent: s.rootID}
	s.Start(http.HandlerFunc(s.serveHTTP))
	return s
}

// OrgID is the organisation's ID, o-....
func (s *Server) OrgID() string { return s.orgID }

// Root is the ID of the organisation's root, r-....
func (s *Server) Root() string { return s.rootID }

// SetPageSize sets the largest page the server returns; n <= 0 restores DefaultPageSize.
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		n = DefaultPageSize
	}
	s.pageSize = n
}

// SetNotInUse makes every call fail with AWSOrganizationsNotInUseException, as for an account
// that belongs to no organisation.
func (s *Server) SetNotInUse(on bool) { s.notInUse.Store(on) }

// Deny refuses every call signed by principal (what KeyFunc returns) with AccessDeniedException.
func (s *Server) Deny(principal string) {
	s.mu.Lock()
	s.deny[principal] = true
	s.mu.Unlock()
}

// AddKey makes a key pair the server accepts besides what Keys accepts.
func (s *Server) AddKey() (id, secret string) {
	id, secret = fakeaws.AccessKeyID("AKIA"), fakeaws.SecretKey()
	s.mu.Lock()
	s.ownKeys[id] = secret
	s.mu.Unlock()
	return id, secret
}

// AddOU creates an OU named name under parent (the root or an OU) and returns its ID.
func (s *Server) AddOU(parent, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := fmt.Sprintf("ou-%s-%08d", s.rootID[2:], s.seq)
	s.ous[id] = &OU{ID: id, Name: name, Parent: parent}
	return id
}

// AddAccount creates an ACTIVE account named name under parent and returns its 12-digit ID.
func (s *Server) AddAccount(parent, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	id := fmt.Sprintf("%012d", 100000000000+s.seq*7919)
	for s.accounts[id] != nil {
		s.seq++
		id = fmt.Sprintf("%012d", 100000000000+s.seq*7919)
	}
	s.accounts[id] = &Account{ID: id, Name: name, Email: "aws+" + strings.ToLower(name) + "@example.com", State: "ACTIVE", Parent: parent}
	return id
}

// Rename renames an account.
func (s *Server) Rename(id, name string) { s.edit(id, func(a *Account) { a.Name = name }) }

// Move moves an account under another parent.
func (s *Server) Move(id, parent string) { s.edit(id, func(a *Account) { a.Parent = parent }) }

// SetState sets an account's state: ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED.
func (s *Server) SetState(id, state string) { s.edit(id, func(a *Account) { a.State = state }) }

// Remove removes an account from the organisation (it left, or was closed long ago).
func (s *Server) Remove(id string) {
	s.mu.Lock()
	delete(s.accounts, id)
	s.mu.Unlock()
}

func (s *Server) edit(id string, f func(*Account)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.accounts[id]; a != nil {
		f(a)
	}
}

// Generate adds m OUs (a quarter of them top level, the rest nested one level under those) and n
// accounts spread over them round robin, named <prefix>-<ou>-<i>. It returns the account IDs.
func (s *Server) Generate(prefix string, n, m int) []string {
	var ous []string
	top := max(1, m/4)
	for i := 0; i < m; i++ {
		parent := s.rootID
		if i >= top {
			parent = ous[i%top]
		}
		ous = append(ous, s.AddOU(parent, fmt.Sprintf("OU %d", i+1)))
	}
	var ids []string
	for i := 0; i < n; i++ {
		parent := s.rootID
		if len(ous) > 0 {
			parent = ous[i%len(ous)]
		}
		ids = append(ids, s.AddAccount(parent, fmt.Sprintf("%s-app-%04d", prefix, i+1)))
	}
	return ids
}

type apiError = fakeaws.Error

// codeErrors are the statuses and messages real Organizations sends with the codes a test injects.
var codeErrors = fakeaws.Errors{
	"AccessDeniedException":             {Status: 400, Message: "You don't have permissions to access this resource."},
	"AWSOrganizationsNotInUseException": {Status: 400, Message: "Your account is not a member of an organization."},
	"TooManyRequestsException":          {Status: 400, Message: "AWS Organizations can't complete your request because another request is already in progress. Try again later."},
	"ServiceException":                  {Status: 500, Message: "AWS Organizations can't complete your request because of an internal service error. Try again later."},
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := fakeaws.Body(r)
	action := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if code := s.Call(action); code != "" {
		writeError(w, codeErrors.For(code))
		return
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("X-Amz-Target"), targetPrefix) {
		writeError(w, fakeaws.Errorf(400, "UnknownOperationException", "expected POST with X-Amz-Target %s<Action>", targetPrefix))
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != contentType {
		writeError(w, fakeaws.Errorf(400, "SerializationException", "Content-Type must be %s, got %s", contentType, ct))
		return
	}
	who, aerr := fakeaws.Verify(r, body, "organizations", s.lookup, fakeaws.JSON)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	var in listInput
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			writeError(w, fakeaws.Errorf(400, "SerializationException", "%s", err.Error()))
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deny[who] {
		writeError(w, fakeaws.Errorf(400, "AccessDeniedException", "You don't have permissions to access this resource."))
		return
	}
	if s.notInUse.Load() {
		writeError(w, codeErrors.For("AWSOrganizationsNotInUseException"))
		return
	}
	out, err := s.answer(action, in)
	if err != nil {
		writeError(w, err)
		return
	}
	fakeaws.WriteJSON(w, http.StatusOK, contentType, "", out)
}

// answer runs action; s.mu is held.
func (s *Server) answer(action string, in listInput) (out any, err *apiError) {
	switch action {
	case "DescribeOrganization":
		out = map[string]any{"Organization": map[string]any{
			"Id": s.orgID, "Arn": "arn:aws:organizations::" + s.management + ":organization/" + s.orgID,
			"FeatureSet": "ALL", "MasterAccountId": s.management,
			"MasterAccountArn":   "arn:aws:organizations::" + s.management + ":account/" + s.orgID + "/" + s.management,
			"MasterAccountEmail": "aws+management@example.com",
		}}
	case "ListRoots":
		out, err = s.page(action, in.MaxResults, in.NextToken, "Roots", []any{map[string]any{
			"Id": s.rootID, "Name": "Root", "Arn": "arn:aws:organizations::" + s.management + ":root/" + s.orgID + "/" + s.rootID,
			"PolicyTypes": []any{},
		}})
	case "ListOrganizationalUnitsForParent":
		if err = s.checkParent(in.ParentId); err != nil {
			break
		}
		var items []any
		for _, ou := range sorted(s.ous) {
			if ou.Parent == in.ParentId {
				items = append(items, map[string]any{"Id": ou.ID, "Name": ou.Name,
					"Arn": "arn:aws:organizations::" + s.management + ":ou/" + s.orgID + "/" + ou.ID})
			}
		}
		out, err = s.page(action+in.ParentId, in.MaxResults, in.NextToken, "OrganizationalUnits", items)
	case "ListAccountsForParent", "ListAccounts":
		if action == "ListAccountsForParent" {
			if err = s.checkParent(in.ParentId); err != nil {
				break
			}
		}
		var items []any
		for _, a := range sorted(s.accounts) {
			if action == "ListAccounts" || a.Parent == in.ParentId {
				items = append(items, s.accountJSON(a))
			}
		}
		out, err = s.page(action+in.ParentId, in.MaxResults, in.NextToken, "Accounts", items)
	default:
		err = fakeaws.Errorf(400, "UnknownOperationException", "orgstest does not implement %s", action)
	}
	return out, err
}

// listInput is what the list actions take.
type listInput struct {
	ParentId   string
	MaxResults *int
	NextToken  string
}

func (s *Server) lookup(id string) (fakeaws.Key, bool) {
	s.mu.Lock()
	sec, own := s.ownKeys[id]
	keys := s.Keys
	s.mu.Unlock()
	if own {
		return fakeaws.Key{Secret: sec, Principal: id}, true
	}
	if keys != nil {
		return keys(id)
	}
	return fakeaws.Key{}, false
}

func (s *Server) checkParent(id string) *apiError {
	if id == "" {
		return fakeaws.Errorf(400, "InvalidInputException", "You provided a value that does not match the required pattern.")
	}
	if id != s.rootID && s.ous[id] == nil {
		return fakeaws.Errorf(400, "ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
	}
	return nil
}

func (s *Server) accountJSON(a *Account) map[string]any {
	status := a.State
	if status != "ACTIVE" && status != "SUSPENDED" {
		status = "SUSPENDED" // the deprecated Status knows only these (and PENDING_CLOSURE)
	}
	return map[string]any{
		"Id": a.ID, "Name": a.Name, "Email": a.Email, "State": a.State, "Status": status,
		"Arn":          "arn:aws:organizations::" + s.management + ":account/" + s.orgID + "/" + a.ID,
		"JoinedMethod": "CREATED", "JoinedTimestamp": float64(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC).Unix()),
	}
}

// page cuts items into pages; the token says which list and where, so a token of another list
// is refused as on AWS.
func (s *Server) page(list string, maxResults *int, token, field string, items []any) (any, *apiError) {
	size := s.pageSize
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > 20 {
			return nil, fakeaws.Errorf(400, "InvalidInputException", "MaxResults must be between 1 and 20.")
		}
		size = min(size, *maxResults)
	}
	start := 0
	if token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(token)
		l, off, ok := strings.Cut(string(raw), "|")
		n, aerr := strconv.Atoi(off)
		if err != nil || !ok || l != list || aerr != nil || n < 0 || n > len(items) {
			return nil, fakeaws.Errorf(400, "InvalidInputException", "The NextToken is not valid.")
		}
		start = n
	}
	end := min(start+size, len(items))
	page := items[start:end]
	if page == nil {
		page = []any{}
	}
	out := map[string]any{field: page}
	if end < len(items) {
		out["NextToken"] = base64.RawURLEncoding.EncodeToString([]byte(list + "|" + strconv.Itoa(end)))
	}
	return out, nil
}

func sorted[T any](m map[string]*T) []*T {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*T, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

const contentType = "application/x-amz-json-1.1"

func writeError(w http.ResponseWriter, e *apiError) {
	fakeaws.WriteJSON(w, e.Status, contentType,
		e.Code+":http://internal.amazon.com/coral/com.amazonaws.awsorganizations.v20161128/",
		map[string]string{"__type": e.Code, "Message": e.Message})
}

const lowerAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func randLower(n int) string { return fakeaws.RandomText(lowerAlphabet, n) }
