package session_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/session"
	"github.com/acct-cli/acct/session/iamtest"
	"github.com/acct-cli/acct/session/ststest"
)

// faultyKeyring fails Set, or removing cached sessions, on demand.
type faultyKeyring struct {
	keyring.Keyring
	failSet, failRemove bool
}

func (k *faultyKeyring) Set(it keyring.Item) error {
	if k.failSet {
		return errors.New("keyring locked")
	}
	return k.Keyring.Set(it)
}

func (k *faultyKeyring) Remove(key string) error {
	if k.failRemove && strings.HasPrefix(key, "session:") {
		return errors.New("keyring locked")
	}
	return k.Keyring.Remove(key)
}

type rotateWorld struct {
	t    *testing.T
	sts  *ststest.Server
	iam  *iamtest.Server
	user ststest.User
	kr   *faultyKeyring
	opts session.RotateOptions
}

func newRotateWorld(t *testing.T) *rotateWorld {
	s := ststest.New()
	t.Cleanup(s.Close)
	i := iamtest.New(s)
	t.Cleanup(i.Close)
	u := s.AddUser("323330167063", "alice")
	w := &rotateWorld{t: t, sts: s, iam: i, user: u, kr: &faultyKeyring{Keyring: keyring.NewArrayKeyring(nil)}}
	w.opts = session.RotateOptions{Env: awsconfig.Env{Endpoints: map[string]string{awsconfig.IAM: i.URL, awsconfig.STS: s.URL}}, VerifyAttempts: 3,
		Sleep: func(context.Context, time.Duration) error { return nil }}
	if err := (session.Store{Keyring: w.kr}).SetKeys("cpco", aws.Credentials{AccessKeyID: u.AccessKeyID, SecretAccessKey: u.SecretAccessKey}); err != nil {
		t.Fatal(err)
	}
	// A cached session of the old key, which a rotation drops.
	w.kr.Keyring.Set(keyring.Item{Key: session.SessionItem("cpco", ""), Data: []byte(`{"AccessKeyID":"ASIAX","SecretAccessKey":"x","SessionToken":"y","Expires":"2099-01-01T00:00:00Z"}`)})
	return w
}

func (w *rotateWorld) stored() string {
	c, err := (session.Store{Keyring: w.kr}).Keys("cpco")
	if err != nil {
		w.t.Fatal(err)
	}
	return c.AccessKeyID
}

// works: whatever key is stored authenticates as alice.
func (w *rotateWorld) works() {
	w.t.Helper()
	c, err := (session.Store{Keyring: w.kr}).Keys("cpco")
	if err != nil {
		w.t.Fatal(err)
	}
	cl := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(w.sts.URL), Credentials: credentials.StaticCredentialsProvider{Value: c}})
	out, err := cl.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(out.Arn) != w.user.ARN {
		w.t.Fatalf("the stored key %s does not authenticate: %v", c.AccessKeyID, err)
	}
}

func (w *rotateWorld) keys() int { return len(w.sts.AccessKeys(w.user.ARN)) + len(w.iam.Pending()) }

func (w *rotateWorld) hasSession() bool {
	keys, _ := w.kr.Keys()
	for _, k := range keys {
		if strings.HasPrefix(k, "session:") {
			return true
		}
	}
	return false
}

func TestRotate(t *testing.T) {
	w := newRotateWorld(t)
	// IAM lags: the new key works only after the second wait.
	w.iam.SetLag(true)
	waits := 0
	w.opts.Sleep = func(context.Context, time.Duration) error {
		if waits++; waits == 2 {
			w.iam.Propagate()
		}
		return nil
	}
	res, err := session.Rotate(context.Background(), w.kr, "cpco", w.opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Old != w.user.AccessKeyID || res.New == res.Old || w.stored() != res.New {
		t.Errorf("result %+v, stored %s", res, w.stored())
	}
	if _, ok := w.sts.LookupKey(res.Old); ok {
		t.Error("the old key still works")
	}
	if w.keys() != 1 || w.hasSession() {
		t.Errorf("keys %d, session left %v", w.keys(), w.hasSession())
	}
	w.works()
	// And again, from the new key.
	w.iam.SetLag(false)
	if _, err := session.Rotate(context.Background(), w.kr, "cpco", w.opts); err != nil {
		t.Fatal(err)
	}
	w.works()
}

// withMFA puts the world under a policy that denies every IAM action without MFA, and gives
// Rotate the user's MFA device and a person who types codes (counted in *asked).
func (w *rotateWorld) withMFA(asked *int) {
	w.iam.SetRequireMFA(true)
	w.opts.MFASerial = w.user.MFASerial
	w.opts.MFA = session.MFAFunc(func(context.Context, string) (string, error) {
		*asked++
		return w.sts.Code(w.user, time.Now().Add(time.Duration(*asked-1)*30*time.Second)), nil
	})
}

func TestRotateUnderMFAPolicy(t *testing.T) {
	w := newRotateWorld(t)
	asked := 0
	w.withMFA(&asked)
	// Without the MFA device, IAM refuses and nothing changes.
	plain := w.opts
	plain.MFASerial = ""
	_, err := session.Rotate(context.Background(), w.kr, "cpco", plain)
	if err == nil || !strings.Contains(err.Error(), "AccessDenied") || !strings.Contains(err.Error(), "nothing was changed") || asked != 0 {
		t.Fatalf("without MFA: %v (asked %d)", err, asked)
	}
	res, err := session.Rotate(context.Background(), w.kr, "cpco", w.opts)
	if err != nil {
		t.Fatal(err)
	}
	if asked != 1 || w.sts.Calls("GetSessionToken") != 1 || w.stored() != res.New || w.keys() != 1 {
		t.Errorf("codes asked %d, GetSessionToken %d, stored %s (new %s), keys %d", asked, w.sts.Calls("GetSessionToken"), w.stored(), res.New, w.keys())
	}
	if _, ok := w.sts.LookupKey(res.Old); ok {
		t.Error("the old key still works")
	}
	w.works()

	// A wrong code: one line, nothing changed.
	w.opts.MFA = session.MFAFunc(func(context.Context, string) (string, error) { return "000000", nil })
	before := w.stored()
	_, err = session.Rotate(context.Background(), w.kr, "cpco", w.opts)
	if err == nil || !strings.Contains(err.Error(), "MFA code") || !strings.Contains(err.Error(), "nothing was changed") || w.stored() != before || w.keys() != 1 {
		t.Errorf("wrong code: %v", err)
	}
}

// A failure at any step leaves a stored key that works and a message that says where each key is,
// with or without an MFA policy.
func TestRotateFailures(t *testing.T) {
	for _, mfa := range []bool{false, true} {
		t.Run(map[bool]string{false: "keys", true: "mfa"}[mfa], func(t *testing.T) { testRotateFailures(t, mfa) })
	}
}

func testRotateFailures(t *testing.T, mfa bool) {
	for _, tc := range []struct {
		name    string
		inject  func(w *rotateWorld)
		want    []string
		stored  string // "old" or "new"
		keys    int    // access keys of the user afterwards
		session bool   // the cached session is still there
	}{
		{"create", func(w *rotateWorld) { w.iam.Fail("CreateAccessKey", "ServiceFailure", 1) },
			[]string{"could not create a new access key", "ServiceFailure", "nothing was changed", "still stored and active"}, "old", 1, true},
		{"limit", func(w *rotateWorld) { w.sts.AddAccessKey(w.user.ARN) },
			[]string{"already has two access keys", "delete the one not in use"}, "old", 2, true},
		{"store", func(w *rotateWorld) { w.kr.failSet = true },
			[]string{"could not store it", "keyring locked", "old key AKIA", "still stored and active", "was deleted again"}, "old", 1, true},
		{"verify", func(w *rotateWorld) { w.iam.SetLag(true) },
			[]string{"did not verify", "InvalidClientTokenId", "still stored and active", "was deleted again"}, "old", 1, false},
		{"verify and undo", func(w *rotateWorld) { w.iam.SetLag(true); w.iam.Fail("DeleteAccessKey", "AccessDenied", 1) },
			[]string{"did not verify", "still stored and active", "is still active in IAM", "delete it in IAM"}, "old", 2, false},
		{"delete", func(w *rotateWorld) { w.iam.Fail("DeleteAccessKey", "AccessDenied", 1) },
			[]string{"is stored and works", "deleting the old key", "AccessDenied", "still active: delete it in IAM", "acct rotate works again once it is gone"}, "new", 2, false},
		{"clear", func(w *rotateWorld) { w.kr.failRemove = true },
			[]string{"rotated", "dropping the cached sessions failed", "run acct clear"}, "new", 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newRotateWorld(t)
			asked := 0
			if mfa {
				w.withMFA(&asked)
			}
			old := w.user.AccessKeyID
			tc.inject(w)
			_, err := session.Rotate(context.Background(), w.kr, "cpco", w.opts)
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
			w.kr.failSet, w.kr.failRemove = false, false
			if got := w.stored() == old; got != (tc.stored == "old") {
				t.Errorf("stored %s, want the %s key", w.stored(), tc.stored)
			}
			if w.keys() != tc.keys || w.hasSession() != tc.session {
				t.Errorf("keys %d (want %d), session %v (want %v)", w.keys(), tc.keys, w.hasSession(), tc.session)
			}
			w.works()
			if mfa && asked != 1 {
				t.Errorf("MFA codes asked: %d, want 1", asked)
			}
			for _, sec := range w.sts.Issued() {
				if strings.Contains(err.Error(), sec) {
					t.Error("a secret is in the message")
				}
			}
		})
	}
}

func TestRotateRefusesTemporaryKeys(t *testing.T) {
	kr := keyring.NewArrayKeyring(nil)
	(session.Store{Keyring: kr}).SetKeys("cpco", aws.Credentials{AccessKeyID: "ASIAAAAAAAAAAAAAAAAA", SecretAccessKey: "x", SessionToken: "y"})
	if _, err := session.Rotate(context.Background(), kr, "cpco", session.RotateOptions{}); err == nil || !strings.Contains(err.Error(), "temporary") {
		t.Errorf("err = %v", err)
	}
	if _, err := session.Rotate(context.Background(), kr, "nope", session.RotateOptions{}); !errors.Is(err, session.ErrNoKeys) {
		t.Errorf("err = %v", err)
	}
}
