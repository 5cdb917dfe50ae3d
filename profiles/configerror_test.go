package profiles

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/acct-cli/acct/internal/fault"
)

// Every error profiles returns carries the kind command maps to an exit status.
// Not parallel: it shortens the package's lock wait, which the parallel tests' writes read.
func TestErrorKinds(t *testing.T) {
	dir := t.TempDir()
	cfg, _ := ParseConfig("config", []byte("[profile a]\nrole_arn = arn:aws:iam::111111111111:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::111111111111:role/b\nsource_profile = a\n[profile ab]\n"))
	kindOf := func(_ any, err error) fault.Kind { return fault.Of(err) }
	held := filepath.Join(dir, "config")
	lock := flock.New(held + ".lock")
	if ok, err := lock.TryLock(); !ok || err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock()
	saved := writeLockWait
	writeLockWait = 50 * time.Millisecond
	defer func() { writeLockWait = saved }()
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("namespace: x\nmode: nope\n"), 0o600)

	for _, c := range []struct {
		what string
		got  fault.Kind
		want fault.Kind
	}{
		{"layout", kindOf(Load(filepath.Join(dir, "bad.yaml"))), fault.BadInput},
		{"missing layout", kindOf(Find(filepath.Join(dir, "none.yaml"), dir, func(string) string { return "" })), fault.BadInput},
		{"config not ini", kindOf(ParseConfig("config", []byte("[profile a\n"))), fault.BadInput},
		{"profile not found", kindOf(cfg.Resolve("zzz")), fault.BadInput},
		{"cycle", kindOf(cfg.Resolve("a")), fault.BadInput},
		{"no match", kindOf(cfg.Match("zzz")), fault.BadInput},
		{"merge conflict", kindOf(Merge([]byte("[profile cpco-prod-admin]\n"), Origin{Namespace: "cpco"}, blockLayoutB())), fault.BadInput},
		{"lock held", kindOf(Write(held, Origin{Namespace: "cpco"}, blockLayoutB(), WriteOptions{})), fault.Unavailable},
	} {
		if c.got != c.want {
			t.Errorf("%s: kind %v, want %v", c.what, c.got, c.want)
		}
	}
}
