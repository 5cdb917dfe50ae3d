package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// RotateOptions tune Rotate. The zero value is the product's defaults.
type RotateOptions struct {
	// Region picks the partition of IAM and STS; default DefaultRegion.
	Region string
	// IAMEndpoint and STSEndpoint override the SDK's endpoint resolution (AWS_ENDPOINT_URL_IAM,
	// AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, endpoint_url), which applies when they are empty.
	IAMEndpoint, STSEndpoint string
	// VerifyAttempts is how often the new key is tried against STS before giving up (IAM is
	// eventually consistent: a new key may take a few seconds to work); default 6.
	VerifyAttempts int
	// VerifyDelay is the first wait between attempts, doubled each time up to 4 s; default 1 s.
	VerifyDelay time.Duration
	// Sleep waits between attempts; default a timer that honours ctx. Tests pass a no-op.
	Sleep func(ctx context.Context, d time.Duration) error
	// Debug gets one line per call, never secrets.
	Debug io.Writer
}

// RotateResult says what Rotate did.
type RotateResult struct {
	User     string // the IAM user's ARN
	Old, New string // access key IDs
}

// RotateError is a failed rotation as one line that says the state of both keys and what to do.
type RotateError struct {
	Msg string
	Err error
}

func (e *RotateError) Error() string { return e.Msg }
func (e *RotateError) Unwrap() error { return e.Err }

// Rotate replaces the long-lived access key of source: IAM CreateAccessKey (signed with the old
// key), store the new key in the keyring, GetCallerIdentity with the new key (retried: IAM is
// eventually consistent), IAM DeleteAccessKey of the old key (signed with the new one), then drop
// the sessions cached for source. At every failure the keyring holds a key that works: a new key
// that did not verify is replaced by the old one again and deleted when possible.
func Rotate(ctx context.Context, kr keyring.Keyring, source string, o RotateOptions) (*RotateResult, error) {
	store := Store{Keyring: kr}
	old, err := store.Keys(source)
	if err != nil {
		return nil, err
	}
	if old.SessionToken != "" || !strings.HasPrefix(old.AccessKeyID, "AKIA") {
		return nil, fmt.Errorf("the keys of %s are temporary credentials (%s), not an IAM user's access key; only AKIA keys can be rotated", source, redact(old.AccessKeyID))
	}
	opts := &Options{Debug: o.Debug}
	region := o.Region
	if region == "" {
		region = DefaultRegion
	}
	cfg, err := loadAWSConfig(ctx, "", region, opts)
	if err != nil {
		return nil, err
	}
	r := &rotation{o: o, cfg: cfg, logf: opts.logf}
	oldID, newID := redact(old.AccessKeyID), ""

	who, err := r.identity(ctx, old)
	if err != nil {
		return nil, &RotateError{Err: err, Msg: fmt.Sprintf("rotate %s: the stored key %s does not work (%v); nothing was changed", source, oldID, err)}
	}
	if !strings.Contains(who, ":user/") {
		return nil, fmt.Errorf("rotate %s: the stored key belongs to %s, not an IAM user; nothing was changed", source, who)
	}
	res := &RotateResult{User: who, Old: old.AccessKeyID}

	// 1. A new key, made with the old one. Never retried by the SDK: a retry after a lost answer
	// would make a second key and meet the two-keys limit.
	out, err := r.iam(old).CreateAccessKey(ctx, &iam.CreateAccessKeyInput{}, func(op *iam.Options) { op.RetryMaxAttempts = 1 })
	r.logf("iam CreateAccessKey user=%s err=%v", who, err)
	if err != nil || out.AccessKey == nil {
		if code(err) == "LimitExceeded" {
			others := r.otherKeys(ctx, old)
			return nil, &RotateError{Err: err, Msg: fmt.Sprintf("rotate %s: %s already has two access keys (%s stored here%s); delete the one not in use in IAM (aws iam delete-access-key --access-key-id ID) and run acct rotate %s again; nothing was changed",
				source, who, oldID, others, source)}
		}
		return nil, &RotateError{Err: err, Msg: fmt.Sprintf("rotate %s: could not create a new access key (%s); nothing was changed, the old key %s is still stored and active", source, apiLine(err), oldID)}
	}
	nk := aws.Credentials{AccessKeyID: aws.ToString(out.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(out.AccessKey.SecretAccessKey), Source: "acct keyring"}
	res.New = nk.AccessKeyID
	newID = redact(nk.AccessKeyID)

	// undo deletes the new key with the old one and describes the outcome.
	undo := func() string {
		_, derr := r.iam(old).DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(nk.AccessKeyID)})
		r.logf("iam DeleteAccessKey (undo) key=%s err=%v", newID, derr)
		if derr != nil {
			return fmt.Sprintf("the new key %s is still active in IAM (deleting it failed: %s): delete it in IAM (aws iam delete-access-key --access-key-id %s) or run acct rotate again", newID, apiLine(derr), nk.AccessKeyID)
		}
		return fmt.Sprintf("the new key %s was deleted again", newID)
	}

	// 2. Store it. SetKeys also drops the sessions of source; when only that failed, the new key
	// is stored and the rotation goes on (the sessions are dropped again at the end).
	if err := store.SetKeys(source, nk); err != nil {
		if cur, kerr := store.Keys(source); kerr != nil || cur.AccessKeyID != nk.AccessKeyID {
			return nil, &RotateError{Err: err, Msg: fmt.Sprintf("rotate %s: created %s but could not store it (%v); the old key %s is still stored and active; %s", source, newID, oneLine(err.Error()), oldID, undo())}
		}
	}

	// 3. Verify the new key.
	if err := r.verify(ctx, nk, who); err != nil {
		msg := fmt.Sprintf("rotate %s: created %s but it did not verify (%v); ", source, newID, err)
		if rerr := store.SetKeys(source, old); rerr != nil {
			if cur, kerr := store.Keys(source); kerr != nil || cur.AccessKeyID != old.AccessKeyID {
				return nil, &RotateError{Err: err, Msg: msg + fmt.Sprintf("putting the old key %s back in the keyring failed too (%v); both keys are still active in IAM; run acct add %s with the old key", oldID, oneLine(rerr.Error()), source)}
			}
		}
		return nil, &RotateError{Err: err, Msg: msg + fmt.Sprintf("the old key %s is still stored and active; %s", oldID, undo())}
	}

	// 4. Delete the old key, signed with the new one (retried a little: IAM may lag STS).
	var derr error
	for try := 1; try <= 3; try++ {
		_, derr = r.iam(nk).DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(old.AccessKeyID)})
		r.logf("iam DeleteAccessKey key=%s try=%d err=%v", oldID, try, derr)
		if derr == nil || code(derr) == "NoSuchEntity" || (code(derr) != "InvalidClientTokenId" && code(derr) != "SignatureDoesNotMatch") {
			break
		}
		if err := r.sleep(ctx, r.delay(try)); err != nil {
			break
		}
	}
	if derr != nil && code(derr) != "NoSuchEntity" {
		return res, &RotateError{Err: derr, Msg: fmt.Sprintf("rotate %s: the new key %s is stored and works, but deleting the old key %s failed (%s); it is still active: delete it in IAM (aws iam delete-access-key --access-key-id %s) or run acct rotate again", source, newID, oldID, apiLine(derr), old.AccessKeyID)}
	}

	// 5. Sessions made with the old key belong to a deleted key now.
	if err := Clear(kr, source); err != nil {
		return res, &RotateError{Err: err, Msg: fmt.Sprintf("rotate %s: rotated %s → %s (the old key is deleted), but dropping the cached sessions failed (%v); run acct clear %s", source, oldID, newID, oneLine(err.Error()), source)}
	}
	return res, nil
}

type rotation struct {
	o    RotateOptions
	cfg  aws.Config
	logf func(string, ...any)
}

func (r *rotation) iam(c aws.Credentials) *iam.Client {
	return iam.NewFromConfig(r.cfg, func(op *iam.Options) {
		op.Credentials = credentials.StaticCredentialsProvider{Value: c}
		if r.o.IAMEndpoint != "" {
			op.BaseEndpoint = aws.String(r.o.IAMEndpoint)
		}
	})
}

func (r *rotation) identity(ctx context.Context, c aws.Credentials) (string, error) {
	cl := sts.NewFromConfig(r.cfg, func(so *sts.Options) {
		so.Credentials = credentials.StaticCredentialsProvider{Value: c}
		so.RetryMaxAttempts = 1 // verify retries itself, with waits long enough for IAM
		if r.o.STSEndpoint != "" {
			so.BaseEndpoint = aws.String(r.o.STSEndpoint)
		}
	})
	out, err := cl.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	r.logf("sts GetCallerIdentity key=%s err=%v", redact(c.AccessKeyID), err)
	if err != nil {
		return "", errors.New(apiLine(err))
	}
	return aws.ToString(out.Arn), nil
}

// verify waits until the new key works for the same user.
func (r *rotation) verify(ctx context.Context, c aws.Credentials, who string) error {
	attempts := r.o.VerifyAttempts
	if attempts <= 0 {
		attempts = 6
	}
	var err error
	for try := 1; try <= attempts; try++ {
		var got string
		got, err = r.identity(ctx, c)
		if err == nil && got != who {
			return fmt.Errorf("it belongs to %s, not %s", got, who)
		}
		if err == nil {
			return nil
		}
		if try < attempts {
			if serr := r.sleep(ctx, r.delay(try)); serr != nil {
				return serr
			}
		}
	}
	return fmt.Errorf("GetCallerIdentity %d times: %w", attempts, err)
}

func (r *rotation) delay(try int) time.Duration {
	d := r.o.VerifyDelay
	if d <= 0 {
		d = time.Second
	}
	for i := 1; i < try && d < 4*time.Second; i++ {
		d *= 2
	}
	return min(d, 4*time.Second)
}

func (r *rotation) sleep(ctx context.Context, d time.Duration) error {
	if r.o.Sleep != nil {
		return r.o.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// otherKeys names the user's keys other than old, as ", and AKIA…" for the LimitExceeded message.
func (r *rotation) otherKeys(ctx context.Context, old aws.Credentials) string {
	out, err := r.iam(old).ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil {
		return ""
	}
	var ids []string
	for _, k := range out.AccessKeyMetadata {
		if id := aws.ToString(k.AccessKeyId); id != old.AccessKeyID {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return ""
	}
	return " and " + strings.Join(ids, ", ")
}

func code(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// apiLine is an AWS error as "Code: message", or the error's one line.
func apiLine(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode() + ": " + oneLine(api.ErrorMessage())
	}
	return oneLine(err.Error())
}

// redact keeps enough of an access key ID to recognise it.
func redact(id string) string {
	if len(id) <= 8 {
		return "****"
	}
	return id[:4] + "…" + id[len(id)-4:]
}
