package session

import (
	"context"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// DefaultMinRemaining is how long cached credentials must still be valid to be handed out: a
// program started now should not have its credentials expire under it in the first minutes.
const DefaultMinRemaining = 5 * time.Minute

// Cache is the one in-memory credential cache: a decorator that hands out its provider's
// credentials until minRemaining before they expire, by the clock now. It serialises Retrieve,
// so a burst of callers (every SDK in a shell asking the credential endpoint at once) makes one
// call below, one STS request and at most one MFA prompt. aws.CredentialsCache is not used: it
// moves Expires earlier by its window, so a credential endpoint would announce an earlier expiry
// than the real one, and it prefixes errors with "failed to refresh cached credentials".
type Cache struct {
	p            aws.CredentialsProvider
	now          func() time.Time
	minRemaining time.Duration

	mu    sync.Mutex
	creds aws.Credentials
	have  bool
}

// NewCache caches p's credentials in memory. now is the clock (nil: time.Now); minRemaining 0
// means DefaultMinRemaining.
func NewCache(p aws.CredentialsProvider, now func() time.Time, minRemaining time.Duration) *Cache {
	if now == nil {
		now = time.Now
	}
	if minRemaining <= 0 {
		minRemaining = DefaultMinRemaining
	}
	return &Cache{p: p, now: now, minRemaining: minRemaining}
}

// Retrieve implements aws.CredentialsProvider.
func (c *Cache) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.have && fresh(c.creds, now, c.minRemaining) {
		return c.creds, nil
	}
	creds, err := c.p.Retrieve(ctx)
	if err != nil {
		// An early refresh failed (STS unreachable for a moment): what is held still works
		// until it really expires.
		if c.have && now.Before(c.creds.Expires) {
			return c.creds, nil
		}
		return aws.Credentials{}, err
	}
	c.creds, c.have = creds, true
	return creds, nil
}

// Invalidate forgets the credentials held, and makes the provider below forget its own when it
// keeps some (the keyring): used when STS refuses credentials the cache still thought valid.
func (c *Cache) Invalidate() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.have = false
	if inv, ok := c.p.(interface{ Invalidate() error }); ok {
		return inv.Invalidate()
	}
	return nil
}

// fresh is the one expiry rule: credentials are handed out until minRemaining before they
// expire; credentials that cannot expire (long-lived keys) always.
func fresh(c aws.Credentials, now time.Time, minRemaining time.Duration) bool {
	return !c.CanExpire || lasts(c.Expires, now, minRemaining)
}

// lasts says whether what expires at expires still has more than minRemaining left at now (SSO
// tokens and client registrations follow the rule too).
func lasts(expires, now time.Time, minRemaining time.Duration) bool {
	return now.Add(minRemaining).Before(expires)
}
