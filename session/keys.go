package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/internal/lazyregexp"
)

// ErrNoKeys is matched (errors.Is) by the error Keys returns when a profile has no stored keys.
var ErrNoKeys = errors.New("no keys stored")

// NoKeysError says which profile has no keys and how to add them.
type NoKeysError struct{ Profile string }

func (e *NoKeysError) Error() string {
	return fmt.Sprintf("no keys stored for %q; run acct add %s", e.Profile, e.Profile)
}

// Is makes errors.Is(err, ErrNoKeys) true.
func (e *NoKeysError) Is(target error) bool { return target == ErrNoKeys }

// Unwrap gives the error kind BadInput: the user runs acct add.
func (e *NoKeysError) Unwrap() error {
	return &fault.Error{Kind: fault.BadInput, Err: errors.New(e.Error())}
}

// Store keeps long-lived IAM user keys in a keyring, one item per source profile.
type Store struct{ Keyring keyring.Keyring }

const keysPrefix = "keys:"

// KeysItem is the keyring item name holding profile's long-lived keys.
func KeysItem(profile string) string { return keysPrefix + profile }

// storedKeys is the JSON inside a "keys:" item. SessionToken is only there for ASIA keys, which
// are useless without it.
type storedKeys struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string `json:",omitempty"`
}

// accessKeyRE is the shape of an access key ID: AKIA or ASIA, then 12 to 124 upper-case letters or
// digits (the length is checked apart: a counted repetition compiles to one program step per
// repeat, 1,100 allocations in the init of every acct run).
var accessKeyRE = lazyregexp.New(`^(AKIA|ASIA)[A-Z0-9]+$`)

// ValidateKeys checks the shape of a key pair before it is stored, so a paste of the wrong field
// is caught at `acct add` rather than at the first STS call. The message never quotes the secret
// and only the first four characters of the key ID, in case the secret was pasted there.
func ValidateKeys(c aws.Credentials) error {
	id := strings.TrimSpace(c.AccessKeyID)
	if len(id) < 16 || len(id) > 128 || !accessKeyRE().MatchString(id) {
		start := id
		if len(start) > 4 {
			start = start[:4]
		}
		return fmt.Errorf("access key ID must be AKIA or ASIA followed by letters and digits, 16 to 128 characters (got %d characters starting %q)", len(id), start)
	}
	if c.SecretAccessKey == "" {
		return errors.New("secret access key is empty")
	}
	if strings.ContainsAny(c.SecretAccessKey, " \t\r\n") {
		return errors.New("secret access key contains white space")
	}
	if strings.HasPrefix(id, "ASIA") && c.SessionToken == "" {
		return errors.New("access key ID starts with ASIA (temporary credentials) but no session token was given")
	}
	return nil
}

// SetKeys validates and stores profile's keys, replacing any there, and drops the sessions cached
// for profile: they belong to the old keys (maybe another user).
func (s Store) SetKeys(profile string, c aws.Credentials) error {
	if profile == "" {
		return fault.New(fault.BadInput, "store keys: no profile name")
	}
	c.AccessKeyID = strings.TrimSpace(c.AccessKeyID)
	if err := ValidateKeys(c); err != nil {
		return fault.Errorf(fault.BadInput, "store keys for %q: %w", profile, err)
	}
	data, err := json.Marshal(storedKeys{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken})
	if err != nil {
		return fmt.Errorf("store keys for %q: %w", profile, err)
	}
	err = s.Keyring.Set(keyring.Item{
		Key:         KeysItem(profile),
		Data:        data,
		Label:       "acct keys for " + profile,
		Description: "AWS access key " + c.AccessKeyID,
	})
	if err != nil {
		return fmt.Errorf("store keys for %q: %w", profile, err)
	}
	if err := clearSessions(s.Keyring, profile); err != nil {
		return fmt.Errorf("stored keys for %q, but could not drop its old sessions: %w", profile, err)
	}
	return nil
}

// Keys returns profile's long-lived keys. A missing item gives *NoKeysError (errors.Is ErrNoKeys).
func (s Store) Keys(profile string) (aws.Credentials, error) {
	it, err := s.Keyring.Get(KeysItem(profile))
	if errors.Is(err, keyring.ErrKeyNotFound) {
		return aws.Credentials{}, &NoKeysError{Profile: profile}
	}
	if err != nil && !errors.Is(err, ErrUnreadableItem) {
		return aws.Credentials{}, fmt.Errorf("read keys for %q: %w", profile, err)
	}
	var k storedKeys
	if err != nil || json.Unmarshal(it.Data, &k) != nil || k.AccessKeyID == "" || k.SecretAccessKey == "" {
		// The decoder's message could quote the item, secret included: say only what to do.
		return aws.Credentials{}, fault.Errorf(fault.BadInput, "keys for %q in the keyring are damaged; run acct add %s again", profile, profile)
	}
	return aws.Credentials{
		AccessKeyID:     k.AccessKeyID,
		SecretAccessKey: k.SecretAccessKey,
		SessionToken:    k.SessionToken,
		Source:          "acct keyring",
	}, nil
}

// HasKeys says whether profile has keys stored. A keyring that cannot be read counts as no.
func (s Store) HasKeys(profile string) bool {
	has, err := hasItem(s.Keyring, KeysItem(profile))
	return err == nil && has
}

// RemoveKeys deletes profile's keys and the sessions made from them. Removing keys that are not
// there is a *NoKeysError, so `acct remove typo` says so.
func (s Store) RemoveKeys(profile string) error {
	// Some backends (Secret Service) report success when deleting nothing: look first.
	has, err := hasItem(s.Keyring, KeysItem(profile))
	if err != nil {
		return fmt.Errorf("remove keys for %q: %w", profile, err)
	}
	if !has {
		return &NoKeysError{Profile: profile}
	}
	err = s.Keyring.Remove(KeysItem(profile))
	if errors.Is(err, keyring.ErrKeyNotFound) || isNotExist(err) {
		return &NoKeysError{Profile: profile}
	}
	if err != nil {
		return fmt.Errorf("remove keys for %q: %w", profile, err)
	}
	if err := clearSessions(s.Keyring, profile); err != nil {
		return fmt.Errorf("removed keys for %q, but could not drop its sessions: %w", profile, err)
	}
	return nil
}
