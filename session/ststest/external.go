package ststest

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/acct-cli/acct/internal/fakeaws"
)

// AddTemporary issues temporary credentials as if another AWS service had assumed roleName in
// account for someone (IAM Identity Center's GetRoleCredentials does exactly that), lasting d
// (or the forced lifetime). The credentials sign requests to this server like AssumeRole's:
// GetCallerIdentity answers with the assumed-role ARN
// arn:aws:sts::ACCOUNT:assumed-role/AWSReservedSSO_<roleName>_<hash>/acct-sso.
// The identity behind them is an IAM user nobody has keys for.
func (s *Server) AddTemporary(account, roleName string, d time.Duration) Temporary {
	sum := sha256.Sum256([]byte(account + "/" + roleName))
	reserved := "AWSReservedSSO_" + roleName + "_" + hex.EncodeToString(sum[:8])
	owner := &User{
		Name:            "sso-" + roleName,
		Account:         account,
		ARN:             "arn:aws:iam::" + account + ":user/acct-sso-" + hex.EncodeToString(sum[8:14]),
		AccessKeyID:     fakeaws.AccessKeyID("AKIA"),
		SecretAccessKey: fakeaws.SecretKey(),
		UserID:          "AIDA" + fakeaws.RandomText(fakeaws.KeyAlphabet, 17),
	}
	s.mu.Lock()
	if u := s.userNamed(owner.ARN); u == nil {
		s.users[owner.AccessKeyID] = owner
	}
	s.mu.Unlock()
	const sessionName = "acct-sso"
	t := s.issue(&Temporary{
		Action:  "GetRoleCredentials",
		ARN:     "arn:aws:sts::" + account + ":assumed-role/" + reserved + "/" + sessionName,
		UserID:  "AROA" + fakeaws.RandomText(fakeaws.KeyAlphabet, 17) + ":" + sessionName,
		Account: account,
		RoleARN: "arn:aws:iam::" + account + ":role/aws-reserved/sso.amazonaws.com/" + reserved,
		MFA:     true,
		UserARN: owner.ARN,
	}, d)
	return *t
}
