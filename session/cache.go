package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"
)

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

// keyringCache hands out credentials kept in the keyring under item and asks p for new ones
// once fewer than minRemaining are left before they expire. It keeps nothing in memory: a Cache
// in front of it does.
type keyringCache struct {
	kr           keyring.Keyring
	item         string
	forWhat      string // identity of what is cached; a stored value for something else is a miss
	p            aws.CredentialsProvider
	now          func() time.Time
	minRemaining time.Duration
	logf         func(format string, args ...any)
}

// cachedHop is a hop of a chain cached in the keyring and, in front of it, in memory.
func (o *Options) cachedHop(kr keyring.Keyring, item, forWhat string, p aws.CredentialsProvider) *Cache {
	kc := &keyringCache{kr: kr, item: item, forWhat: forWhat, p: p, now: o.now, minRemaining: o.minRemaining(), logf: o.logf}
	return NewCache(kc, o.now, o.minRemaining())
}

// Retrieve implements aws.CredentialsProvider.
func (p *keyringCache) Retrieve(ctx context.Context) (aws.Credentials, error) {
	creds, ok, err := p.stored()
	if ok || err != nil {
		return creds, err
	}
	creds, err = p.p.Retrieve(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	data, err := json.Marshal(cachedCreds{
		AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken,
		Expires: creds.Expires.UTC(), For: p.forWhat,
	})
	if err == nil {
		err = p.kr.Set(keyring.Item{
			Key:         p.item,
			Data:        data,
			Label:       "acct " + p.item,
			Description: "expires " + creds.Expires.UTC().Format(time.RFC3339),
		})
	}
	if err != nil {
		// The credentials are good and an MFA code may have been spent on them: hand them out
		// and only note that the next run will have to ask again.
		p.logf("cache %s: could not store: %v", p.item, err)
	}
	return creds, nil
}

// stored is the item's credentials when they are fresh; ok is false for a miss.
func (p *keyringCache) stored() (creds aws.Credentials, ok bool, err error) {
	it, err := p.kr.Get(p.item)
	if errors.Is(err, keyring.ErrKeyNotFound) {
		p.logf("cache %s: miss, nothing cached", p.item)
		return aws.Credentials{}, false, nil
	}
	if errors.Is(err, ErrUnreadableItem) {
		p.logf("cache %s: unreadable item (a write cut short), replacing it", p.item)
		return aws.Credentials{}, false, nil
	}
	if err != nil {
		return aws.Credentials{}, false, fmt.Errorf("read cached credentials %s: %w", p.item, err)
	}
	var c cachedCreds
	creds = aws.Credentials{CanExpire: true, Source: "acct cache"}
	if jerr := json.Unmarshal(it.Data, &c); jerr != nil || c.AccessKeyID == "" {
		p.logf("cache %s: damaged item, refreshing", p.item)
		return aws.Credentials{}, false, nil
	}
	creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken, creds.Expires = c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.Expires
	switch {
	case c.For != p.forWhat:
		p.logf("cache %s: made for %s, now needed for %s, refreshing", p.item, c.For, p.forWhat)
	case !fresh(creds, p.now(), p.minRemaining):
		p.logf("cache %s: miss, expires %s (less than %s left)", p.item, c.Expires.Format(time.RFC3339), p.minRemaining)
	default:
		p.logf("cache %s: hit, expires %s", p.item, c.Expires.Format(time.RFC3339))
		return creds, true, nil
	}
	return aws.Credentials{}, false, nil
}

// Invalidate removes the item, so the next Retrieve asks p.
func (p *keyringCache) Invalidate() error {
	p.logf("cache %s: dropped, STS no longer accepts it", p.item)
	return removeItem(p.kr, p.item)
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
	if errors.Is(err, ErrUnreadableItem) {
		return time.Time{}, nil // shown as expired; the next run replaces it
	}
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

// clearSessions drops what was made from source's keys: its GetSessionToken sessions and the
// role credentials assumed from them, directly or through other roles. Keys that were replaced,
// removed or rotated must not go on being served as the roles they opened.
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
	for _, name := range madeFrom(kr, keys, source) {
		if err := removeItem(kr, RoleItem(name)); err != nil {
			return err
		}
	}
	return nil
}

// madeFrom are the profiles among keys' role items whose credentials come from source's keys: a
// role item records what it was assumed from (cachedCreds.For, "ARN from NAME"), a source or
// another role. An item that cannot be read is not followed: a damaged one is replaced anyway.
func madeFrom(kr keyring.Keyring, keys []string, source string) []string {
	from := map[string]string{}
	for _, k := range keys {
		name, ok := strings.CutPrefix(k, rolePrefix)
		if !ok {
			continue
		}
		it, err := kr.Get(k)
		var c cachedCreds
		if err != nil || json.Unmarshal(it.Data, &c) != nil {
			continue
		}
		if _, f, ok := strings.Cut(c.For, " from "); ok {
			from[name] = f
		}
	}
	dropped := map[string]bool{source: true}
	for more := true; more; {
		more = false
		for name, f := range from {
			if dropped[f] && !dropped[name] {
				dropped[name], more = true, true
			}
		}
	}
	delete(dropped, source)
	return slices.Sorted(maps.Keys(dropped))
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
