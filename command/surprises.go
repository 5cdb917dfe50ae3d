package command

import (
	"errors"
	"fmt"

	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/session"
)

// credentialsFile is ~/.aws/credentials as the AWS CLI finds it; nil when it is missing or not
// ini (acct never needs it, it only explains).
func (sys *system) credentialsFile() *profiles.INIFile {
	f, _ := profiles.ReadINI(profiles.CredentialsPath(sys.Getenv))
	return f
}

// warnSurprises prints one line for each setting that makes the AWS CLI take t's profile
// somewhere else than acct does (a credential_source, a section of the same name in
// ~/.aws/credentials; profiles.Surprises).
func (sys *system) warnSurprises(t *target) {
	for _, f := range t.Surprises {
		fmt.Fprintf(sys.Console.Err, "acct: warning: %s; %s\n", f.Message, f.Fix)
	}
}

// keysElsewhere names acct add --from-credentials when the keys acct lacks are in
// ~/.aws/credentials; other errors pass unchanged.
func (sys *system) keysElsewhere(err error) error {
	var nk *session.NoKeysError
	if !errors.As(err, &nk) {
		return err
	}
	creds := sys.credentialsFile()
	if !creds.HasKeys(nk.Profile) {
		return err
	}
	return fault.Wrap(fault.BadInput, fmt.Errorf("no keys stored for %q in acct's keyring, but [%s] in %s has them; run acct add %s --from-credentials", nk.Profile, nk.Profile, creds.Path, nk.Profile))
}
