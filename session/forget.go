package session

import (
	"github.com/99designs/keyring"

	"github.com/acct-cli/acct/profiles"
)

// ChainItems names the keyring items where NewProvider caches chain's credentials: the role
// credentials of its profile and, with mfaSession, the MFA session of its source, which every
// profile of that source shares. A chain without roles caches nothing but that session, so it is
// always named then.
func ChainItems(chain *profiles.Chain, mfaSession bool) []string {
	items := []string{RoleItem(chain.Profile)}
	if n := len(chain.Roles); n > 0 && chain.Roles[n-1].Profile != "" && chain.Roles[n-1].Profile != chain.Profile {
		items = append(items, RoleItem(chain.Roles[n-1].Profile))
	}
	if chain.Source != "" && (mfaSession || len(chain.Roles) == 0) {
		items = append(items, SessionItem(chain.Source, sessionSerial(chain)))
	}
	return items
}

// sessionSerial is the MFA device of chain's session: its own mfa_serial, else its first role's.
func sessionSerial(chain *profiles.Chain) string {
	if chain.MFASerial != "" || len(chain.Roles) == 0 {
		return chain.MFASerial
	}
	return chain.Roles[0].MFASerial
}

// Forget removes those of items that kr holds and returns the ones it removed.
func Forget(kr keyring.Keyring, items []string) ([]string, error) {
	var removed []string
	for _, it := range items {
		ok, err := hasItem(kr, it)
		if err != nil {
			return removed, err
		}
		if !ok {
			continue
		}
		if err := removeItem(kr, it); err != nil {
			return removed, err
		}
		removed = append(removed, it)
	}
	return removed, nil
}
