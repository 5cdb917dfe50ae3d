//go:build unix

package memo

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A file is settled only when both its modification and its change time are older than the
// settle time; setting the modification time back is not enough, and every write changes the
// identity.
func TestIdentitySettles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	if id, settled := Identity(path, time.Now(), time.Second); id != "absent" || !settled {
		t.Fatalf("a missing file: %q %v", id, settled)
	}
	os.WriteFile(path, []byte("[a]\n"), 0o600)
	now := time.Now()
	id, settled := Identity(path, now, time.Second)
	if id == "" || id == "absent" || settled {
		t.Fatalf("a file written just now: %q settled %v", id, settled)
	}
	if _, settled := Identity(path, now.Add(2*time.Second), time.Second); !settled {
		t.Fatal("not settled a second after its last change")
	}
	old := now.Add(-time.Hour)
	os.Chtimes(path, old, old)
	if again, settled := Identity(path, time.Now(), time.Second); settled || again == id {
		t.Fatalf("modification time set back: %q settled %v (was %q)", again, settled, id)
	}
	os.WriteFile(path, []byte("[b]\n"), 0o600) // the same size
	if again, _ := Identity(path, time.Now(), time.Second); again == id {
		t.Fatalf("a write of the same size left the identity %q", again)
	}
	if id, _ := Identity(filepath.Join(path, "x"), time.Now(), time.Second); id != "" {
		t.Fatalf("a path through a file: %q, want none", id)
	}
}
