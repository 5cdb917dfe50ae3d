package ststest

import "github.com/acct-cli/acct/internal/fakeaws"

// Keys an IAM user can have besides the one AddUser made, so a fake IAM (session/iamtest) can
// create and delete access keys that this server then accepts or refuses, as IAM and STS share
// users on AWS.

// Key is what the server knows about an access key ID: its secret, the session token that goes
// with it (temporary credentials only) and the IAM user at its origin.
type Key struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	UserARN                                    string
	Temporary                                  bool
	MFA                                        bool // temporary credentials made with an MFA code
}

// AddAccessKey gives the user with ARN userARN one more long-lived access key and returns it;
// ok is false when there is no such user.
func (s *Server) AddAccessKey(userARN string) (id, secret string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userNamed(userARN)
	if u == nil {
		return "", "", false
	}
	nu := *u
	nu.AccessKeyID = fakeaws.AccessKeyID("AKIA")
	nu.SecretAccessKey = fakeaws.SecretKey()
	s.users[nu.AccessKeyID] = &nu
	s.issued = append(s.issued, nu.SecretAccessKey)
	return nu.AccessKeyID, nu.SecretAccessKey, true
}

// RemoveAccessKey deletes a long-lived access key; requests signed with it fail from then on as
// on AWS (InvalidClientTokenId). It says whether the key existed.
func (s *Server) RemoveAccessKey(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[id]; !ok {
		return false
	}
	delete(s.users, id)
	return true
}

// AccessKeys lists the long-lived access key IDs of the user with ARN userARN, in no order.
func (s *Server) AccessKeys(userARN string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, u := range s.users {
		if u.ARN == userARN {
			ids = append(ids, id)
		}
	}
	return ids
}

// LookupKey finds any access key the server accepts, long-lived or temporary, so other fakes can
// check signatures made with credentials this server issued.
func (s *Server) LookupKey(id string) (Key, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[id]; u != nil {
		return Key{AccessKeyID: id, SecretAccessKey: u.SecretAccessKey, UserARN: u.ARN}, true
	}
	if t := s.temps[id]; t != nil {
		if !s.Now().Before(t.Expires) {
			return Key{}, false
		}
		return Key{AccessKeyID: id, SecretAccessKey: t.SecretAccessKey, SessionToken: t.SessionToken, UserARN: t.UserARN, Temporary: true, MFA: t.MFA}, true
	}
	return Key{}, false
}

// AddAccessKeyWith gives the user with ARN userARN the access key id with secret, as made
// elsewhere (a fake IAM that lets a key appear late); false when there is no such user or the ID
// is taken.
func (s *Server) AddAccessKeyWith(userARN, id, secret string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userNamed(userARN)
	if u == nil || s.users[id] != nil {
		return false
	}
	nu := *u
	nu.AccessKeyID, nu.SecretAccessKey = id, secret
	s.users[id] = &nu
	s.issued = append(s.issued, secret)
	return true
}

// SigningKey is LookupKey as the SigV4 check of another fake wants it (orgstest.Server.Keys,
// iamtest), so those fakes accept exactly what this server would.
func (s *Server) SigningKey(id string) (fakeaws.Key, bool) {
	k, ok := s.LookupKey(id)
	return fakeaws.Key{Secret: k.SecretAccessKey, Token: k.SessionToken, Principal: k.UserARN}, ok
}
