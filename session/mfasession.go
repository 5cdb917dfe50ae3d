package session

import (
	"context"
	"time"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
)

// MFASessionItem is the keyring item of the MFA session chain's credentials start from, and
// false when the chain takes none (no MFA device, SSO, a credential_process source).
func MFASessionItem(chain *profiles.Chain) (string, bool) {
	b := chainBuilder{chain: chain}
	serial := b.serial()
	if chain.Source == "" || serial == "" {
		return "", false
	}
	return SessionItem(chain.Source, serial), true
}

// ChainSessionItem is the keyring item of the session chain's credentials start from: the MFA
// session of MFASessionItem or, for a chain that assumes no role, the session its source's keys
// are turned into without a device; false when the chain takes none.
func ChainSessionItem(chain *profiles.Chain) (string, bool) {
	if item, ok := MFASessionItem(chain); ok || chain.Source == "" || len(chain.Roles) > 0 {
		return item, ok
	}
	return SessionItem(chain.Source, ""), true
}

// StartMFASession makes a new MFA session for chain's source and device whatever is cached (the
// person asked for one: `acct mfa`), and stores it in the keyring, where every provider of a
// running shell finds it the next time its own copy is stale. The code comes from o's sources as
// for any command. It returns the session's expiry.
func StartMFASession(ctx context.Context, chain *profiles.Chain, kr keyring.Keyring, o Options) (time.Time, error) {
	b := chainBuilder{chain: chain}
	serial := b.serial()
	if _, ok := MFASessionItem(chain); !ok {
		return time.Time{}, fault.Errorf(fault.BadInput, "%s starts from no MFA session (it has no mfa_serial, or its credentials come from SSO or a credential_process); nothing to renew", chain.Profile)
	}
	src := *chain
	src.MFASerial, src.Roles = serial, nil
	o.NoSession = false
	// Whatever is cached counts as stale: no session outlives the longest one STS gives.
	o.MinRemaining = MaxSessionDuration + time.Hour
	p, err := NewProvider(ctx, &src, kr, o)
	if err != nil {
		return time.Time{}, err
	}
	var c aws.Credentials
	if c, err = p.Retrieve(ctx); err != nil {
		return time.Time{}, err
	}
	return c.Expires, nil
}

// Expires is when the credentials kept in item expire, read without handing out the secret
// where the backend allows it.
func Expires(kr keyring.Keyring, item string) (time.Time, error) { return expiresOf(kr, item) }
