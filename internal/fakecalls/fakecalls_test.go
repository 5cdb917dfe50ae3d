package fakecalls

import (
	"sync"
	"testing"
)

func TestRecorder(t *testing.T) {
	var r Recorder
	r.Fail("AssumeRole", "Throttling", 2)
	r.Fail("", "InternalFailure", 1)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); r.Count("GetCallerIdentity") }()
	}
	wg.Wait()
	r.Count("")
	if r.Calls("GetCallerIdentity") != 50 || r.Calls("") != 51 {
		t.Fatalf("calls %d, total %d; want 50, 51", r.Calls("GetCallerIdentity"), r.Calls(""))
	}
	got := []string{r.Injected("AssumeRole"), r.Injected("AssumeRole"), r.Injected("AssumeRole"), r.Injected("AssumeRole")}
	want := []string{"Throttling", "Throttling", "InternalFailure", ""}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("injected %v, want %v", got, want)
		}
	}
	r.Fail("X", "AccessDenied", 1)
	r.Fail("X", "AccessDenied", 0)
	if c := r.Injected("X"); c != "" {
		t.Errorf("a cancelled failure was injected: %s", c)
	}
	r.Reset()
	if r.Calls("") != 0 {
		t.Errorf("Reset left %d calls", r.Calls(""))
	}
}
