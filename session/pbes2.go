package session

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"errors"

	jose "github.com/dvsekhvalnov/jose2go"
	"github.com/dvsekhvalnov/jose2go/aes"
	"github.com/dvsekhvalnov/jose2go/base64url"
)

// The file keyring encrypts each item as a JWE with PBES2-HS256+A128KW: a key-wrapping key
// derived from the passphrase by PBKDF2-HMAC-SHA256 over 8192 iterations (the p2c the item
// records), which is what makes a stolen keyring file expensive to guess. jose2go derives it with
// an allocation per iteration, half of every warm acct command; the same derivation, by the
// standard library, takes half the time. Same algorithm, iterations, salt and key wrap (jose2go's
// own AES key wrap): items stay readable both ways, and guessing costs an attacker what it did.
func init() { jose.RegisterJwa(pbes2{}) }

// pbes2Iterations is jose2go's count for new items.
const pbes2Iterations = 8192

type pbes2 struct{}

func (pbes2) Name() string { return jose.PBES2_HS256_A128KW }

func (pbes2) WrapNewKey(cekSizeBits int, key any, header map[string]any) (cek, encryptedCek []byte, err error) {
	passphrase, ok := key.(string)
	if !ok {
		return nil, nil, errors.New("jose: PBES2 needs a passphrase")
	}
	salt := make([]byte, 12)
	cek = make([]byte, cekSizeBits/8)
	if _, err := rand.Read(salt); err != nil {
		return nil, nil, err
	}
	if _, err := rand.Read(cek); err != nil {
		return nil, nil, err
	}
	header["p2c"] = pbes2Iterations
	header["p2s"] = base64url.Encode(salt)
	kek, err := pbes2Key(passphrase, salt, pbes2Iterations)
	if err != nil {
		return nil, nil, err
	}
	encryptedCek, err = aes.KeyWrap(cek, kek)
	return cek, encryptedCek, err
}

func (pbes2) Unwrap(encryptedCek []byte, key any, cekSizeBits int, header map[string]any) ([]byte, error) {
	passphrase, ok := key.(string)
	if !ok {
		return nil, errors.New("jose: PBES2 needs a passphrase")
	}
	p2c, ok := header["p2c"].(float64)
	if !ok || p2c < 1 || p2c != float64(int(p2c)) {
		return nil, errors.New("jose: PBES2 item without a valid p2c")
	}
	p2s, ok := header["p2s"].(string)
	if !ok {
		return nil, errors.New("jose: PBES2 item without p2s")
	}
	salt, err := base64url.Decode(p2s)
	if err != nil {
		return nil, err
	}
	kek, err := pbes2Key(passphrase, salt, int(p2c))
	if err != nil {
		return nil, err
	}
	return aes.KeyUnwrap(encryptedCek, kek)
}

// pbes2Key is RFC 7518's PBES2 key for A128KW: PBKDF2 over the algorithm name, a zero byte and
// the item's salt.
func pbes2Key(passphrase string, salt []byte, iterations int) ([]byte, error) {
	full := append([]byte(jose.PBES2_HS256_A128KW+"\x00"), salt...)
	return pbkdf2.Key(sha256.New, passphrase, full, iterations, 16)
}
