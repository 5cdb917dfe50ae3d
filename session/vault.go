package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acct-cli/acct/internal/fault"
)

// AWSVaultKeys reads name's keys from aws-vault's encrypted file keyring in dir: service
// "aws-vault", one item per profile whose key is the profile name and whose data is the JSON of
// the AWS SDK's credentials value ({"AccessKeyID", "SecretAccessKey", "SessionToken", ...}),
// unlocked with passphrase; passHint ends the wrong-passphrase line (see KeyringConfig). aws-vault's other backends (Keychain, Secret Service, ...) are read
// by aws-vault itself: aws-vault exec --no-session NAME -- acct add NAME --env.
func AWSVaultKeys(dir, name string, passphrase func(prompt string) (string, error), passHint string) (aws.Credentials, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return aws.Credentials{}, fault.Errorf(fault.BadInput, "no aws-vault file keyring in %s; for aws-vault's other backends run: aws-vault exec --no-session %s -- acct add %s --env", dir, name, name)
	}
	kr, err := keyring.Open(keyring.Config{
		ServiceName:      "aws-vault",
		AllowedBackends:  []keyring.BackendType{keyring.FileBackend},
		FileDir:          dir,
		FilePasswordFunc: passphrase,
	})
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("open aws-vault's keyring in %s: %w", dir, err)
	}
	it, err := kr.Get(name)
	if errors.Is(err, keyring.ErrKeyNotFound) {
		keys, _ := kr.Keys()
		var profiles []string
		for _, k := range keys {
			if !strings.Contains(k, ",") && !strings.HasPrefix(k, "oidc:") { // sessions and SSO tokens
				profiles = append(profiles, k)
			}
		}
		return aws.Credentials{}, fault.Errorf(fault.BadInput, "aws-vault has no keys named %s (it has: %s); name one with --section", name, strings.Join(profiles, ", "))
	}
	if err != nil {
		return aws.Credentials{}, vaultReadError(dir, name, passHint, err)
	}
	var v struct{ AccessKeyID, SecretAccessKey, SessionToken string }
	if err := json.Unmarshal(it.Data, &v); err != nil || v.AccessKeyID == "" || v.SecretAccessKey == "" {
		return aws.Credentials{}, fault.Errorf(fault.BadInput, "aws-vault's item %s is not an access key (unexpected format)", name)
	}
	return aws.Credentials{AccessKeyID: v.AccessKeyID, SecretAccessKey: v.SecretAccessKey, SessionToken: v.SessionToken}, nil
}

// vaultReadError says why an item that exists could not be read. The file backend reads the file
// (an *fs.PathError when it cannot), asks the passphrase (its own error, kind and all), decrypts
// and unmarshals JSON. Its decryption library reports a wrong key only as untyped text, so a
// failure that is none of the typed ones is the decryption: a wrong passphrase or a damaged file.
// Its text is never quoted.
func vaultReadError(dir, name, passHint string, err error) error {
	var pathErr *fs.PathError
	var syntaxErr *json.SyntaxError
	var kinded *fault.Error
	switch {
	case errors.As(err, &kinded):
		return err
	case errors.As(err, &pathErr) || errors.As(err, &syntaxErr):
		return fmt.Errorf("read %s from aws-vault's keyring: %w", name, err)
	}
	msg := fmt.Sprintf("could not decrypt aws-vault's keyring in %s: wrong passphrase (or a damaged file)", dir)
	if passHint != "" {
		msg += "; " + passHint
	}
	return fault.New(fault.Auth, msg)
}
