//go:build bench

package bench

import (
	"testing"

	"github.com/99designs/keyring"

	"github.com/acct-cli/acct/session"
)

// BenchmarkKeyringRead is the keyring work of a warm exec: open the encrypted file keyring and
// read one cached role item (one key derivation from the passphrase, then AES-GCM).
func BenchmarkKeyringRead(b *testing.B) {
	cfg := session.KeyringConfig{
		Backend:        "file",
		FileDir:        b.TempDir(),
		FilePassphrase: func(string) (string, error) { return "bench passphrase", nil },
	}
	kr, err := session.OpenKeyring(cfg)
	if err != nil {
		b.Fatal(err)
	}
	item := session.RoleItem("cpco-staging-admin")
	data := `{"AccessKeyID":"ASIAEXAMPLE","SecretAccessKey":"secret","SessionToken":"token","Expires":"2099-01-01T00:00:00Z","For":"bench"}`
	if err := kr.Set(keyring.Item{Key: item, Data: []byte(data)}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		kr, err := session.OpenKeyring(cfg)
		if err != nil {
			b.Fatal(err)
		}
		it, err := kr.Get(item)
		if err != nil || string(it.Data) != data {
			b.Fatalf("read %q: %v", it.Data, err)
		}
	}
}
