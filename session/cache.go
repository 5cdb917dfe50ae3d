package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// DefaultMinRemaining is how long cached credentials must still be valid to be handed out: a
// program started now should not have its credentials expire under it in the first minutes.
const DefaultMinRemaining = 5 * time.Minute

const (
	sessionPrefix = "session:"
	rolePrefix    = "role:"
)

// SessionItem is the keyring item name of the GetSessionToken session made from source's keys with
// the MFA device serial ("" means no MFA).
func SessionItem(source, serial string) string {
	if serial == "" {
		serial = "none"
	}
	return sessionPrefix + source + ":" + serial
}

// RoleItem is the keyring item name of the role credentials cached for profile.
func RoleItem(profile string) string { return rolePrefix + profile }

// cachedCreds is the JSON inside "session:" and "role:" items. For records what the credentials
// were made for (role ARN and where it was assumed from), so a profile whose role_arn changed
// does not get the old role's credentials.
type cachedCreds struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expires         time.Time
	For             string `json:",omitempty"`
}

// CachedProvider hands out credentials kept in the keyring under Item and asks Provider for new
// ones once fewer than MinRemaining are left before they expire. It also keeps the last value in
// memory, so a long-lived credential endpoint does not read the keyring on every request, and it
// serialises Retrieve, so two concurrent callers cause one STS call (and one MFA prompt).
type CachedProvider struct {
	Keyring      keyring.Keyring
	Item         string
	For          string // identity of what is cached; a stored value for something else is a miss
	Provider     aws.CredentialsProvider
	Now          func() time.Time // default time.Now
	MinRemaining time.Duration    // default DefaultMinRemaining
	Log          func(format string, args ...any)

	mu   sync.Mutex
	last *aws.Credentials
}

// Retrieve implements aws.CredentialsProvider.
func (p *CachedProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now, minLeft := p.now(), p.minRemaining()
	if p.last != nil && now.Before(p.last.Expires.Add(-minLeft)) {
		return *p.last, nil
	}
	it, err := p.Keyring.Get(p.Item)
	switch {
	case err == nil:
		var c cachedCreds
		if jerr := json.Unmarshal(it.Data, &c); jerr != nil || c.AccessKeyID == "" {
			p.logf("cache %s: damaged item, refreshing", p.Item)
		} else if c.For != p.For {
			p.logf("cache %s: made for %s, now needed for %s, refreshing", p.Item, c.For, p.For)
		} else if !now.Before(c.Expires.Add(-minLeft)) {
			p.logf("cache %s: miss, expires %s (less than %s left)", p.Item, c.Expires.Format(time.RFC3339), minLeft)
		} else {
			p.logf("cache %s: hit, expires %s", p.Item, c.Expires.Format(time.RFC3339))
			creds := aws.Credentials{
				AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
				CanExpire: true, Expires: c.Expires, Source: "acct cache",
			}
			p.last = &creds
			return creds, nil
		}
	case errors.Is(err, keyring.ErrKeyNotFound):
		p.logf("cache %s: miss, nothing cached", p.Item)
	default:
		return aws.Credentials{}, fmt.Errorf("read cached credentials %s: %w", p.Item, err)
	}

	creds, err := p.Provider.Retrieve(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	data, err := json.Marshal(cachedCreds{
		AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken,
		Expires: creds.Expires.UTC(), For: p.For,
	})
	if err == nil {
		err = p.Keyring.Set(keyring.Item{
			Key:         p.Item,
			Data:        data,
			Label:       "acct " + p.Item,
			Description: "expires " + creds.Expires.UTC().Format(time.RFC3339),
		})
	}
	if err != nil {
		// The credentials are good and an MFA code may have been spent on them: hand them out
		// and only note that the next run will have to ask again.
		p.logf("cache %s: could not store: %v", p.Item, err)
	}
	p.last = &creds
	return creds, nil
}

// Invalidate forgets the cached credentials, in memory and in the keyring, so the next Retrieve
// asks Provider. Used when STS says credentials the cache still thought valid are expired or
// revoked (clock skew, a revoked session).
func (p *CachedProvider) Invalidate() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last = nil
	p.logf("cache %s: dropped, STS no longer accepts it", p.Item)
	return removeItem(p.Keyring, p.Item)
}

func (p *CachedProvider) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *CachedProvider) minRemaining() time.Duration {
	if p.MinRemaining > 0 {
		return p.MinRemaining
	}
	return DefaultMinRemaining
}

func (p *CachedProvider) logf(format string, args ...any) {
	if p.Log != nil {
		p.Log(format, args...)
	}
}

// CacheEntry describes one cached credential for `acct list`.
type CacheEntry struct {
	Kind    string // "session", "role" or "sso"
	Name    string // "<source>:<mfa serial or none>" for sessions, the profile for roles, the sso-session for sso
	Expires time.Time
}

// Cached lists the cached sessions and role credentials, sorted by kind and name. It reads the
// expiry from the item's description where the backend gives it without the secret (Keychain),
// else from the item itself; nothing but Expires is kept. Long-lived keys are never read.
func Cached(kr keyring.Keyring) ([]CacheEntry, error) {
	keys, err := kr.Keys()
	if err != nil {
		return nil, fmt.Errorf("list cached credentials: %w", err)
	}
	var out []CacheEntry
	for _, k := range keys {
		kind, name, ok := cacheKind(k)
		if !ok {
			continue
		}
		exp, err := expiresOf(kr, k)
		if errors.Is(err, keyring.ErrKeyNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("list cached credentials: %w", err)
		}
		out = append(out, CacheEntry{Kind: kind, Name: name, Expires: exp})
	}
	slices.SortFunc(out, func(a, b CacheEntry) int {
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

func cacheKind(key string) (kind, name string, ok bool) {
	switch {
	case strings.HasPrefix(key, sessionPrefix):
		return "session", strings.TrimPrefix(key, sessionPrefix), true
	case strings.HasPrefix(key, rolePrefix):
		return "role", strings.TrimPrefix(key, rolePrefix), true
	case strings.HasPrefix(key, ssoTokenPrefix):
		return "sso", strings.TrimPrefix(key, ssoTokenPrefix), true
	}
	return "", "", false
}

func expiresOf(kr keyring.Keyring, key string) (time.Time, error) {
	if md, err := kr.GetMetadata(key); err == nil && md.Item != nil {
		if t, err := time.Parse(time.RFC3339, strings.TrimPrefix(md.Description, "expires ")); err == nil {
			return t, nil
		}
	}
	it, err := kr.Get(key)
	if err != nil {
		return time.Time{}, err
	}
	var c struct{ Expires, ExpiresAt time.Time } // ExpiresAt: SSO tokens
	if err := json.Unmarshal(it.Data, &c); err != nil {
		return time.Time{}, nil // damaged: shown as expired, `acct clear` removes it
	}
	if c.Expires.IsZero() {
		return c.ExpiresAt, nil
	}
	return c.Expires, nil
}

// Clear removes cached credentials: for profile "" every session, role and SSO token item;
// otherwise the role credentials cached for profile, the SSO token of an sso-session of that name
// and, if profile is a source profile, its sessions. Long-lived keys and SSO client registrations
// (which are not credentials) are never touched.
func Clear(kr keyring.Keyring, profile string) error {
	keys, err := kr.Keys()
	if err != nil {
		return fmt.Errorf("clear cached credentials: %w", err)
	}
	for _, k := range keys {
		kind, name, ok := cacheKind(k)
		if !ok {
			continue
		}
		if profile != "" && !(kind != "session" && name == profile) && !(kind == "session" && strings.HasPrefix(name, profile+":")) {
			continue
		}
		if err := removeItem(kr, k); err != nil {
			return fmt.Errorf("clear cached credentials %s: %w", k, err)
		}
	}
	return nil
}

// clearSessions drops the GetSessionToken sessions made from source's keys.
func clearSessions(kr keyring.Keyring, source string) error {
	keys, err := kr.Keys()
	if err != nil {
		return err
	}
	for _, k := range keys {
		if strings.HasPrefix(k, sessionPrefix+source+":") {
			if err := removeItem(kr, k); err != nil {
				return err
			}
		}
	}
	return nil
}

func removeItem(kr keyring.Keyring, key string) error {
	err := kr.Remove(key)
	if errors.Is(err, keyring.ErrKeyNotFound) || isNotExist(err) {
		return nil
	}
	return err
}

func hasItem(kr keyring.Keyring, key string) (bool, error) {
	keys, err := kr.Keys()
	if err != nil {
		return false, err
	}
	return slices.Contains(keys, key), nil
}

// isNotExist catches the file backend, which reports a missing item as the os.Remove error.
func isNotExist(err error) bool { return err != nil && errors.Is(err, fs.ErrNotExist) }

// Expiry says when the credentials cached under item (SessionItem, RoleItem) expire; ok is false
// when nothing is cached there.
func Expiry(kr keyring.Keyring, item string) (expires time.Time, ok bool, err error) {
	t, err := expiresOf(kr, item)
	if errors.Is(err, keyring.ErrKeyNotFound) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read cached credentials %s: %w", item, err)
	}
	return t, true, nil
}
