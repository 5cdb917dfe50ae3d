package ststest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/acct-cli/acct/internal/testtool"
	"github.com/acct-cli/acct/session/ststest"
)

const (
	account = "111122223333"
	roleARN = "arn:aws:iam::111122223333:role/admin"
)

// loadConfig keeps the SDK away from the developer's ~/.aws and makes retries fast.
func loadConfig(t *testing.T, c aws.Credentials) aws.Config {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion("eu-west-1"),
		config.WithSharedConfigFiles([]string{filepath.Join(dir, "config")}),
		config.WithSharedCredentialsFiles([]string{filepath.Join(dir, "credentials")}),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)),
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxBackoff = 5 * time.Millisecond })
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func client(t *testing.T, s *ststest.Server, c aws.Credentials) *sts.Client {
	cfg := loadConfig(t, c)
	return sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(s.URL) })
}

// withAlice starts a fake STS, closed when the test ends, that knows the IAM user alice.
func withAlice(t *testing.T) (*ststest.Server, ststest.User) {
	s := ststest.New()
	t.Cleanup(s.Close)
	return s, s.AddUser(account, "alice")
}

func userCreds(u ststest.User) aws.Credentials {
	return aws.Credentials{AccessKeyID: u.AccessKeyID, SecretAccessKey: u.SecretAccessKey}
}

func fromSTS(t *testing.T, out any) aws.Credentials {
	t.Helper()
	switch o := out.(type) {
	case *sts.GetSessionTokenOutput:
		return aws.Credentials{AccessKeyID: *o.Credentials.AccessKeyId, SecretAccessKey: *o.Credentials.SecretAccessKey, SessionToken: *o.Credentials.SessionToken}
	case *sts.AssumeRoleOutput:
		return aws.Credentials{AccessKeyID: *o.Credentials.AccessKeyId, SecretAccessKey: *o.Credentials.SecretAccessKey, SessionToken: *o.Credentials.SessionToken}
	}
	t.Fatalf("no credentials in %T", out)
	return aws.Credentials{}
}

// wantAPIError checks the STS error code and, when msg is not empty, that the message contains it.
func wantAPIError(t *testing.T, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("want %s %q, got %s %q", code, msg, ae.ErrorCode(), ae.ErrorMessage())
	}
}

func mfaSession(t *testing.T, s *ststest.Server, u ststest.User) aws.Credentials {
	t.Helper()
	out, err := client(t, s, userCreds(u)).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{
		SerialNumber: aws.String(u.MFASerial), TokenCode: aws.String(s.Code(u, time.Now())), DurationSeconds: aws.Int32(8 * 3600),
	})
	if err != nil {
		t.Fatal(err)
	}
	return fromSTS(t, out)
}

func TestGetSessionTokenWithMFAThenRole(t *testing.T) {
	s, u := withAlice(t)
	s.AddRole(roleARN, ststest.RoleOptions{RequireMFA: true})
	ctx := context.Background()

	before := time.Now()
	out, err := client(t, s, userCreds(u)).GetSessionToken(ctx, &sts.GetSessionTokenInput{
		SerialNumber: aws.String(u.MFASerial), TokenCode: aws.String(s.Code(u, time.Now())), DurationSeconds: aws.Int32(8 * 3600),
	})
	if err != nil {
		t.Fatal(err)
	}
	sess := fromSTS(t, out)
	if !strings.HasPrefix(sess.AccessKeyID, "ASIA") || sess.SessionToken == "" {
		t.Fatalf("bad session credentials %+v", sess)
	}
	if exp := *out.Credentials.Expiration; exp.Before(before.Add(8*time.Hour-2*time.Second)) || exp.After(time.Now().Add(8*time.Hour)) {
		t.Fatalf("expiration %v, want 8h from now", exp)
	}
	if tmp, ok := s.Lookup(sess.AccessKeyID); !ok || !tmp.MFA || tmp.Action != "GetSessionToken" {
		t.Fatalf("lookup = %+v %v", tmp, ok)
	}

	id, err := client(t, s, sess).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *id.Arn != u.ARN || *id.Account != account || *id.UserId != u.UserID {
		t.Fatalf("identity %s %s %s", *id.Arn, *id.Account, *id.UserId)
	}

	// The MFA session satisfies the role's MFA condition without a new code.
	ar, err := client(t, s, sess).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if got := *ar.AssumedRoleUser.Arn; got != "arn:aws:sts::111122223333:assumed-role/admin/alice" {
		t.Fatalf("assumed role arn %s", got)
	}
	if !strings.HasSuffix(*ar.AssumedRoleUser.AssumedRoleId, ":alice") {
		t.Fatalf("assumed role id %s", *ar.AssumedRoleUser.AssumedRoleId)
	}
	id, err = client(t, s, fromSTS(t, ar)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *id.Arn != *ar.AssumedRoleUser.Arn || *id.UserId != *ar.AssumedRoleUser.AssumedRoleId {
		t.Fatalf("role identity %s %s", *id.Arn, *id.UserId)
	}

	issued := s.Issued()
	for _, secret := range []string{u.SecretAccessKey, sess.SecretAccessKey, sess.SessionToken, *ar.Credentials.SessionToken} {
		if !contains(issued, secret) {
			t.Errorf("Issued() misses a secret")
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestMFAFailures(t *testing.T) {
	s, u := withAlice(t)
	c := client(t, s, userCreds(u))
	ctx := context.Background()
	good := s.Code(u, time.Now())
	wrong := fmt.Sprintf("%06d", (atoi(good)+1)%1000000)

	_, err := c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(u.MFASerial), TokenCode: aws.String(wrong)})
	wantAPIError(t, err, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")

	_, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String("arn:aws:iam::111122223333:mfa/bob"), TokenCode: aws.String(good)})
	wantAPIError(t, err, "AccessDenied", "MultiFactorAuthentication failed")

	if _, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(u.MFASerial), TokenCode: aws.String(good)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(u.MFASerial), TokenCode: aws.String(good)})
	wantAPIError(t, err, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")

	// The next window's code is still fresh.
	if _, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(u.MFASerial), TokenCode: aws.String(s.Code(u, time.Now().Add(30*time.Second)))}); err != nil {
		t.Fatal(err)
	}
	// A code from long ago is not.
	_, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(u.MFASerial), TokenCode: aws.String(s.Code(u, time.Now().Add(-5*time.Minute)))})
	wantAPIError(t, err, "AccessDenied", "invalid MFA one time pass code")
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestAuthentication(t *testing.T) {
	s, u := withAlice(t)
	ctx := context.Background()

	bad := userCreds(u)
	// Change the first character to another one (a random secret may already start with "x").
	first := "x"
	if bad.SecretAccessKey[0] == 'x' {
		first = "y"
	}
	bad.SecretAccessKey = first + bad.SecretAccessKey[1:]
	_, err := client(t, s, bad).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "SignatureDoesNotMatch", "signature")

	_, err = client(t, s, aws.Credentials{AccessKeyID: "AKIAUNKNOWNUNKNOWN00", SecretAccessKey: "secret"}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "InvalidClientTokenId", "The security token included in the request is invalid")

	sess := mfaSession(t, s, u)
	noToken := sess
	noToken.SessionToken = ""
	_, err = client(t, s, noToken).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "InvalidClientTokenId", "")

	withToken := userCreds(u)
	withToken.SessionToken = sess.SessionToken
	_, err = client(t, s, withToken).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "InvalidClientTokenId", "")

	_, err = client(t, s, sess).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	wantAPIError(t, err, "AccessDenied", "Cannot call GetSessionToken with session credentials")
}

func TestEndpointFromEnvironment(t *testing.T) {
	s, u := withAlice(t)
	t.Setenv("AWS_ENDPOINT_URL_STS", s.URL)
	out, err := sts.NewFromConfig(loadConfig(t, userCreds(u))).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Arn != u.ARN {
		t.Fatalf("arn %s", *out.Arn)
	}
}

func TestAssumeRoleRules(t *testing.T) {
	s, u := withAlice(t)
	s.AddRole(roleARN, ststest.RoleOptions{MaxSession: 12 * time.Hour})
	s.AddRole("arn:aws:iam::444455556666:role/path/deploy", ststest.RoleOptions{MaxSession: 4 * time.Hour})
	s.AddRole("arn:aws:iam::444455556666:role/mfa", ststest.RoleOptions{RequireMFA: true})
	s.AddRole("arn:aws:iam::444455556666:role/closed", ststest.RoleOptions{Deny: true})
	s.AddRole("arn:aws:iam::444455556666:role/vendor", ststest.RoleOptions{ExternalID: "xyz"})
	ctx := context.Background()
	c := client(t, s, userCreds(u))
	assume := func(c *sts.Client, arn string, secs int32) (*sts.AssumeRoleOutput, error) {
		in := &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("alice@example.com")}
		if secs != 0 {
			in.DurationSeconds = aws.Int32(secs)
		}
		return c.AssumeRole(ctx, in)
	}

	first, err := assume(c, roleARN, 6*3600)
	if err != nil {
		t.Fatal(err)
	}
	chained := client(t, s, fromSTS(t, first))
	_, err = assume(chained, "arn:aws:iam::444455556666:role/path/deploy", 7200)
	wantAPIError(t, err, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	out, err := assume(chained, "arn:aws:iam::444455556666:role/path/deploy", 0)
	if err != nil {
		t.Fatal(err)
	}
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::444455556666:assumed-role/deploy/alice@example.com" {
		t.Fatalf("arn %s", *out.AssumedRoleUser.Arn)
	}

	_, err = assume(c, "arn:aws:iam::444455556666:role/path/deploy", 5*3600)
	wantAPIError(t, err, "ValidationError", "MaxSessionDuration")
	_, err = assume(c, roleARN, 600)
	wantAPIError(t, err, "ValidationError", "greater than or equal to 900")

	denied := "User: " + u.ARN + " is not authorized to perform: sts:AssumeRole on resource: "
	_, err = assume(c, "arn:aws:iam::444455556666:role/nosuch", 0)
	wantAPIError(t, err, "AccessDenied", denied+"arn:aws:iam::444455556666:role/nosuch")
	_, err = assume(c, "arn:aws:iam::444455556666:role/closed", 0)
	wantAPIError(t, err, "AccessDenied", denied)
	_, err = assume(c, "arn:aws:iam::444455556666:role/mfa", 0)
	wantAPIError(t, err, "AccessDenied", denied)
	_, err = assume(chained, "arn:aws:iam::444455556666:role/nosuch", 0)
	wantAPIError(t, err, "AccessDenied", "User: arn:aws:sts::111122223333:assumed-role/admin/alice@example.com is not")
	_, err = assume(c, "arn:aws:iam::444455556666:role/vendor", 0)
	wantAPIError(t, err, "AccessDenied", denied)
	if _, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::444455556666:role/vendor"), RoleSessionName: aws.String("ci"), ExternalId: aws.String("xyz")}); err != nil {
		t.Fatal(err)
	}

	// MFA given with the request itself.
	if _, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::444455556666:role/mfa"), RoleSessionName: aws.String("alice"),
		SerialNumber: aws.String(u.MFASerial), TokenCode: aws.String(s.Code(u, time.Now())),
	}); err != nil {
		t.Fatal(err)
	}

	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("bad name")})
	wantAPIError(t, err, "ValidationError", "roleSessionName")
	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("a")})
	wantAPIError(t, err, "ValidationError", "roleSessionName")

	_, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(129601)})
	wantAPIError(t, err, "ValidationError", "less than or equal to 129600")
	if _, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(129600)}); err != nil {
		t.Fatal(err)
	}
}

func TestExpiry(t *testing.T) {
	s, u := withAlice(t)
	s.AddRole(roleARN, ststest.RoleOptions{})
	ctx := context.Background()

	s.SetLifetime(2 * time.Minute)
	out, err := client(t, s, userCreds(u)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	if left := time.Until(*out.Credentials.Expiration); left > 2*time.Minute || left < time.Minute {
		t.Fatalf("expiration in %v, want 2m", left)
	}
	rc := client(t, s, fromSTS(t, out))
	if _, err := rc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	s.Advance(3 * time.Minute)
	_, err = rc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "ExpiredToken", "The security token included in the request is expired")
	// Long-lived keys keep working when the server clock moves.
	if _, err := client(t, s, userCreds(u)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}

	// A clock of the test's own (SetNow) works the same way.
	s2 := ststest.New()
	defer s2.Close()
	var mu sync.Mutex
	clock := time.Now()
	s2.SetNow(func() time.Time { mu.Lock(); defer mu.Unlock(); return clock })
	u2 := s2.AddUser(account, "bob")
	sess, err := client(t, s2, userCreds(u2)).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	clock = clock.Add(901 * time.Second)
	mu.Unlock()
	_, err = client(t, s2, fromSTS(t, sess)).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "ExpiredToken", "")
}

func TestFailInjectionAndCounters(t *testing.T) {
	s, u := withAlice(t)
	ctx := context.Background()
	c := client(t, s, userCreds(u))

	s.Fail("GetSessionToken", "Throttling", 2)
	if _, err := c.GetSessionToken(ctx, &sts.GetSessionTokenInput{}); err != nil {
		t.Fatalf("throttling was not retried: %v", err)
	}
	if n := s.Calls("GetSessionToken"); n != 3 {
		t.Fatalf("GetSessionToken calls = %d, want 3", n)
	}

	s.Fail("GetCallerIdentity", "AccessDenied", 1)
	_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantAPIError(t, err, "AccessDenied", "")
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != 403 {
		t.Fatalf("AccessDenied status: %v", err)
	}
	if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}

	s.Fail("GetCallerIdentity", "ServiceUnavailable", 1)
	if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("503 was not retried: %v", err)
	}
	if s.Calls("GetCallerIdentity") != 4 || s.Calls("AssumeRole") != 0 || s.Calls("") != 7 {
		t.Fatalf("counters %d %d %d", s.Calls("GetCallerIdentity"), s.Calls("AssumeRole"), s.Calls(""))
	}
	s.Reset()
	if s.Calls("") != 0 || s.Calls("GetSessionToken") != 0 {
		t.Fatal("Reset left counts")
	}
}

func TestConcurrentClients(t *testing.T) {
	s := ststest.New()
	defer s.Close()
	s.AddRole(roleARN, ststest.RoleOptions{})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	base := loadConfig(t, aws.Credentials{})
	for i := range 100 {
		u := s.AddUser(account, fmt.Sprintf("user%d", i))
		cfg := base.Copy()
		cfg.Credentials = credentials.NewStaticCredentialsProvider(u.AccessKeyID, u.SecretAccessKey, "")
		c := sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(s.URL) })
		wg.Go(func() {
			out, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String(u.Name)})
			if err == nil {
				_, err = sts.New(sts.Options{
					Region: "us-east-1", BaseEndpoint: aws.String(s.URL),
					Credentials: credentials.NewStaticCredentialsProvider(*out.Credentials.AccessKeyId, *out.Credentials.SecretAccessKey, *out.Credentials.SessionToken),
				}).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if s.Calls("AssumeRole") != 100 || s.Calls("GetCallerIdentity") != 100 || len(s.Temporaries()) != 100 {
		t.Fatalf("counts %d %d %d", s.Calls("AssumeRole"), s.Calls("GetCallerIdentity"), len(s.Temporaries()))
	}
}

// rawCall signs a form POST itself, so the test can use a stale date.
func rawCall(t *testing.T, s *ststest.Server, c aws.Credentials, form url.Values, at time.Time) (*http.Response, string) {
	t.Helper()
	body := form.Encode()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, sha256hex(body), "sts", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestWireFormat(t *testing.T) {
	s, u := withAlice(t)
	form := url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}

	resp, body := rawCall(t, s, userCreds(u), form, time.Now())
	if resp.StatusCode != 200 || !strings.Contains(body, "<GetCallerIdentityResult>") || !strings.Contains(body, "<Arn>"+u.ARN+"</Arn>") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}

	resp, body = rawCall(t, s, userCreds(u), form, time.Now().Add(-20*time.Minute))
	if resp.StatusCode != 403 || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") || !strings.Contains(body, "Signature expired") {
		t.Fatalf("stale date: %d %s", resp.StatusCode, body)
	}
	if !strings.HasPrefix(body, "<ErrorResponse") || !strings.Contains(body, "<Type>Sender</Type>") || !strings.Contains(body, "<RequestId>"+resp.Header.Get("X-Amzn-Requestid")+"</RequestId>") || resp.Header.Get("X-Amzn-Requestid") == "" {
		t.Fatalf("error shape: %v %s", resp.Header, body)
	}

	resp, body = rawCall(t, s, userCreds(u), form, time.Now().Add(20*time.Minute))
	if resp.StatusCode != 403 || !strings.Contains(body, "Signature not yet current") {
		t.Fatalf("future date: %d %s", resp.StatusCode, body)
	}

	jreq, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader("{}"))
	jreq.Header.Set("Content-Type", "application/x-amz-json-1.0")
	jreq.Header.Set("X-Amz-Target", "AWSSecurityTokenServiceV20110615.GetCallerIdentity")
	jresp, err := http.DefaultClient.Do(jreq)
	if err != nil {
		t.Fatal(err)
	}
	jresp.Body.Close()
	if jresp.StatusCode != 400 {
		t.Fatalf("JSON protocol: %d", jresp.StatusCode)
	}

	resp, body = rawCall(t, s, userCreds(u), url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}, "Extra": {"x"}}, time.Now())
	if resp.StatusCode != 200 {
		t.Fatalf("extra parameter: %d %s", resp.StatusCode, body)
	}

	resp, body = rawCall(t, s, userCreds(u), url.Values{"Action": {"DoSomething"}, "Version": {"2011-06-15"}}, time.Now())
	if resp.StatusCode != 400 || !strings.Contains(body, "InvalidAction") {
		t.Fatalf("unknown action: %d %s", resp.StatusCode, body)
	}

	// Tampering with the body after signing must break the signature.
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := v4.NewSigner().SignHTTP(context.Background(), userCreds(u), req, sha256hex("Action=GetSessionToken&Version=2011-06-15"), "sts", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("tampered body: %d", resp.StatusCode)
	}
}

func TestFederation(t *testing.T) {
	s, u := withAlice(t)
	s.AddRole(roleARN, ststest.RoleOptions{})
	ctx := context.Background()
	out, err := client(t, s, userCreds(u)).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("alice")})
	if err != nil {
		t.Fatal(err)
	}
	sess := mfaSession(t, s, u)

	get := func(c aws.Credentials) (int, string) {
		j, _ := json.Marshal(map[string]string{"sessionId": c.AccessKeyID, "sessionKey": c.SecretAccessKey, "sessionToken": c.SessionToken})
		resp, err := http.Get(s.FederationURL + "?" + url.Values{"Action": {"getSigninToken"}, "Session": {string(j)}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r struct{ SigninToken string }
		json.NewDecoder(resp.Body).Decode(&r)
		return resp.StatusCode, r.SigninToken
	}
	code, tok := get(fromSTS(t, out))
	if code != 200 || tok == "" {
		t.Fatalf("getSigninToken: %d %q", code, tok)
	}
	if tmp, ok := s.SigninSession(tok); !ok || tmp.RoleARN != roleARN {
		t.Fatalf("SigninSession = %+v", tmp)
	}
	forged := fromSTS(t, out)
	forged.SecretAccessKey = "x"
	if code, _ := get(forged); code != 400 {
		t.Fatalf("forged: %d", code)
	}
	if code, _ := get(sess); code != 400 {
		t.Fatalf("GetSessionToken credentials: %d", code)
	}
	if s.Calls("getSigninToken") != 3 {
		t.Fatalf("getSigninToken calls %d", s.Calls("getSigninToken"))
	}
}

func TestAWSCLI(t *testing.T) {
	// The Debian CLI always; another aws first on PATH (a pip v1) too, when there is one.
	clis := []string{testtool.AWSCLI(t)}
	if p, err := exec.LookPath("aws"); err == nil && p != clis[0] {
		clis = append(clis, p)
	}
	s, u := withAlice(t)
	for _, cli := range clis {
		t.Run(cli, func(t *testing.T) {
			home := t.TempDir()
			env := []string{
				"PATH=" + os.Getenv("PATH"),
				"HOME=" + home,
				"AWS_CONFIG_FILE=" + filepath.Join(home, "config"),
				"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "credentials"),
				"AWS_ACCESS_KEY_ID=" + u.AccessKeyID,
				"AWS_SECRET_ACCESS_KEY=" + u.SecretAccessKey,
				"AWS_PAGER=",
			}
			// pyenv shims find their interpreter through PYENV_ROOT, which defaults under the real HOME.
			if root := os.Getenv("PYENV_ROOT"); root != "" {
				env = append(env, "PYENV_ROOT="+root)
			} else if h, err := os.UserHomeDir(); err == nil {
				env = append(env, "PYENV_ROOT="+filepath.Join(h, ".pyenv"))
			}
			// The Debian CLI answers from the test binary's one interpreter (testtool.AWSCLIRuns).
			run := func(env []string, args ...string) (string, int) {
				if cli == clis[0] {
					r := testtool.AWSCLIRuns(t, env, home, args)[0]
					return r.Out, r.Code
				}
				cmd := exec.Command(cli, args...)
				cmd.Env = env
				out, err := cmd.CombinedOutput()
				if ee, ok := err.(*exec.ExitError); ok {
					return string(out), ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				return string(out), 0
			}
			out, code := run(env, "sts", "get-caller-identity", "--endpoint-url", s.URL, "--region", "us-east-1", "--output", "json")
			if code != 0 {
				t.Fatalf("%s: exit %d\n%s", cli, code, out)
			}
			var id struct{ Arn, Account, UserId string }
			if err := json.Unmarshal([]byte(out), &id); err != nil {
				t.Fatalf("%s output: %v\n%s", cli, err, out)
			}
			if id.Arn != u.ARN || id.Account != account || id.UserId != u.UserID {
				t.Fatalf("%s identity %+v", cli, id)
			}

			out, code = run(append(env[:len(env):len(env)], "AWS_SECRET_ACCESS_KEY=wrong"+u.SecretAccessKey[5:]),
				"sts", "get-caller-identity", "--endpoint-url", s.URL, "--region", "us-east-1")
			if code == 0 || !strings.Contains(out, "SignatureDoesNotMatch") {
				t.Fatalf("%s with a wrong secret: exit %d\n%s", cli, code, out)
			}
		})
	}
}

// TestPresignedGetCallerIdentity: a presigned GetCallerIdentity URL (what an EKS token carries)
// is accepted as AWS accepts it, with a session token too, and refused once tampered with.
func TestPresignedGetCallerIdentity(t *testing.T) {
	s, u := withAlice(t)
	for name, creds := range map[string]aws.Credentials{"keys": userCreds(u), "session": mfaSession(t, s, u)} {
		t.Run(name, func(t *testing.T) {
			pc := sts.NewPresignClient(client(t, s, creds))
			req, err := pc.PresignGetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if err != nil {
				t.Fatal(err)
			}
			get := func(u string) (int, string) {
				resp, err := http.Get(u)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			if code, body := get(req.URL); code != 200 || !strings.Contains(body, "<Arn>"+u.ARN+"</Arn>") {
				t.Fatalf("presigned URL: %d %s", code, body)
			}
			if code, body := get(strings.Replace(req.URL, "GetCallerIdentity", "GetSessionToken", 1)); code != 403 || !strings.Contains(body, "SignatureDoesNotMatch") {
				t.Fatalf("tampered URL: %d %s", code, body)
			}
		})
	}
}

func TestMain(m *testing.M) { testtool.Main(m) }
