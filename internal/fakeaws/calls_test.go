package fakeaws

import (
	"github.com/acct-cli/acct/internal/testtool"

	"sync"
	"testing"
	"time"
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

func TestRecorderFailWithQueues(t *testing.T) {
	var r Recorder
	r.FailWith("CreateToken", "AuthorizationPendingException")
	r.FailWith("CreateToken", "SlowDownException", "ExpiredTokenException")
	var got []string
	for range 4 {
		got = append(got, r.Injected("CreateToken"))
	}
	want := []string{"AuthorizationPendingException", "SlowDownException", "ExpiredTokenException", ""}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("injected %v, want %v", got, want)
		}
	}
}

func TestClock(t *testing.T) {
	var c Clock
	if d := time.Since(c.Now()); d < 0 || d > time.Minute {
		t.Fatalf("zero Clock is %s away from the wall clock", d)
	}
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	c.SetNow(func() time.Time { return at })
	c.Advance(90 * time.Second)
	if got := c.Now(); !got.Equal(at.Add(90 * time.Second)) {
		t.Fatalf("Now = %s", got)
	}
}

func TestMain(m *testing.M) { testtool.Main(m) }
