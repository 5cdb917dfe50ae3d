package session

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/99designs/keyring"
	jose "github.com/dvsekhvalnov/jose2go"
	"github.com/dvsekhvalnov/jose2go/base64url"
	"github.com/dvsekhvalnov/jose2go/kdf"
)

// testdata/file-keyring-item was written by 99designs/keyring with jose2go's own PBES2.
func TestFileKeyringReadsItemsJose2goWrote(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("testdata", "file-keyring-item"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "role:golden"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	it, err := fileKeyring(t, dir, "golden passphrase").Get("role:golden")
	if err != nil || string(it.Data) != `{"AccessKeyID":"ASIAGOLDEN","Expires":"2099-01-01T00:00:00Z"}` {
		t.Fatalf("got %q, %v", it.Data, err)
	}
	_, err = fileKeyring(t, dir, "golden passphrase!").Get("role:golden")
	if err == nil || !strings.Contains(err.Error(), "wrong passphrase") {
		t.Fatalf("wrong passphrase: %v", err)
	}
}

// Items acct writes keep jose2go's parameters, so the passphrase costs a guesser what it did.
func TestFileKeyringItemStrength(t *testing.T) {
	dir := t.TempDir()
	kr := fileKeyring(t, dir, "s3cret")
	if err := kr.Set(keyring.Item{Key: "role:p", Data: []byte("secret data")}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "role:p"))
	if err != nil {
		t.Fatal(err)
	}
	head, err := base64url.Decode(string(bytes.SplitN(raw, []byte("."), 2)[0]))
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Alg, Enc, P2s string
		P2c           int
	}
	if err := json.Unmarshal(head, &h); err != nil {
		t.Fatal(err)
	}
	salt, _ := base64url.Decode(h.P2s)
	if h.Alg != jose.PBES2_HS256_A128KW || h.Enc != jose.A256GCM || h.P2c != 8192 || len(salt) != 12 {
		t.Fatalf("header %s", head)
	}
	if it, err := fileKeyring(t, dir, "s3cret").Get("role:p"); err != nil || string(it.Data) != "secret data" {
		t.Fatalf("read back %q, %v", it.Data, err)
	}
}

// The key-wrapping key is jose2go's, bit for bit, so either implementation reads the other's items.
func TestPBES2KeyIsJose2gos(t *testing.T) {
	for _, c := range []struct {
		pass string
		salt string
		n    int
	}{{"s3cret", "0123456789ab", 8192}, {"", "x", 1}, {"pässphrase with spaces", strings.Repeat("s", 40), 1000}} {
		got, err := pbes2Key(c.pass, []byte(c.salt), c.n)
		if err != nil {
			t.Fatal(err)
		}
		want := kdf.DerivePBKDF2([]byte(c.pass), append([]byte("PBES2-HS256+A128KW\x00"), c.salt...), c.n, 128, sha256.New)
		if !bytes.Equal(got, want) {
			t.Errorf("%q/%q/%d: %x, jose2go %x", c.pass, c.salt, c.n, got, want)
		}
	}
}
