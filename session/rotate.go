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

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/internal/fault"
)

// RotateOptions tune Rotate. The zero value is the product's defaults.
type RotateOptions struct {
	// Region picks the partition of IAM and STS; default DefaultRegion.
	Region string
	// Env is what the environment says about endpoints (AWS_ENDPOINT_URL_IAM,
	// AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL) and the CA bundle.
	Env awsconfig.Env
	// VerifyAttempts is how often the new key is tried against STS before giving up (IAM is
	// eventually consistent: a new key may take a few seconds to work); default 6.
	VerifyAttempts int
	// VerifyDelay is the first wait between attempts, doubled each time up to 4 s; default 1 s.
	VerifyDelay time.Duration
	// Sleep waits between attempts; default a timer that honours ctx. Tests pass a no-op.
	Sleep func(ctx context.Context, d time.Duration) error
	// Debug gets one line per call, never secrets.
	Debug io.Writer
	// MFASerial is the source profile's MFA device. With it, every IAM call is signed with one
	// MFA session (GetSessionToken with a code, made from the old key), as policies demanding
	// aws:MultiFactorAuthPresent for iam:CreateAccessKey require. The code comes from MFAToken
	// (--mfa-token), EnvMFAToken (ACCT_MFA_TOKEN), MFAProcess (the profile's mfa_process) or MFA,
	// in that order, as for every other command.
	MFASerial                         string
	MFAToken, EnvMFAToken, MFAProcess string
	MFA                               MFA
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
// the sessions cached for source. With o.MFASerial the IAM calls are all signed with one MFA
// session made from the old key instead (the new key has no MFA). At every failure the keyring holds a key that works: a new key
// that did not verify is replaced by the old one again and deleted when possible.
func Rotate(ctx context.Context, kr keyring.Keyring, source string, o RotateOptions) (*RotateResult, error) {
	r, err := startRotation(ctx, kr, source, o)
	if err != nil {
		return nil, err
	}
	if err := r.create(ctx); err != nil {
		return nil, err
	}
	if err := r.keep(ctx); err != nil {
		return nil, err
	}
	if err := r.verifyNew(ctx); err != nil {
		return nil, err
	}
	res := &RotateResult{User: r.who, Old: r.old.AccessKeyID, New: r.nk.AccessKeyID}
	if err := r.deleteOld(ctx); err != nil {
		return res, err
	}
	// Sessions and role credentials made with the old key belong to a deleted key now.
	if err := clearSessions(kr, source); err != nil {
		return res, &RotateError{Err: err, Msg: fmt.Sprintf("rotate %s: rotated %s → %s (the old key is deleted), but dropping the cached sessions failed (%v); run acct clear", source, r.oldID, r.newID, oneLine(err.Error()))}
	}
	return res, nil
}

// rotation is one Rotate under way: the old key, the user it belongs to and, once made, the new key.
type rotation struct {
	o              RotateOptions
	iamCfg, stsCfg aws.Config
	logf           func(string, ...any)
	store          Store
	source         string
	old, nk        aws.Credentials
	mfa            *aws.Credentials // the MFA session every IAM call is signed with, when there is one
	oldID, newID   string           // redacted, for messages
	who            string           // the IAM user's ARN
}

// startRotation reads the stored key and checks that it works and is an IAM user's.
func startRotation(ctx context.Context, kr keyring.Keyring, source string, o RotateOptions) (*rotation, error) {
	store := Store{Keyring: kr}
	old, err := store.Keys(source)
	if err != nil {
		return nil, err
	}
	if old.SessionToken != "" || !strings.HasPrefix(old.AccessKeyID, "AKIA") {
		return nil, fault.Errorf(fault.BadInput, "the keys of %s are temporary credentials (%s), not an IAM user's access key; only AKIA keys can be rotated", source, redact(old.AccessKeyID))
	}
	opts := &Options{Debug: o.Debug, Env: o.Env}
	region := o.Region
	if region == "" {
		region = DefaultRegion
	}
	r := &rotation{o: o, logf: opts.logf, store: store, source: source, old: old, oldID: redact(old.AccessKeyID)}
	if r.iamCfg, err = opts.clientConfig(awsconfig.IAM, region, ""); err != nil {
		return nil, err
	}
	if r.stsCfg, err = opts.clientConfig(awsconfig.STS, region, ""); err != nil {
		return nil, err
	}
	who, err := r.identity(ctx, old)
	if err != nil {
		return nil, &RotateError{Err: err, Msg: fmt.Sprintf("rotate %s: the stored key %s does not work (%v); nothing was changed", source, r.oldID, err)}
	}
	if !strings.Contains(who, ":user/") {
		return nil, fault.Errorf(fault.BadInput, "rotate %s: the stored key belongs to %s, not an IAM user; nothing was changed", source, who)
	}
	r.who = who
	if o.MFASerial != "" {
		if err := r.mfaSession(ctx, opts); err != nil {
			return nil, &RotateError{Err: err, Msg: fmt.Sprintf("rotate %s: %s; nothing was changed", source, oneLine(err.Error()))}
		}
	}
	return r, nil
}

// mfaSession is the MFA session the IAM calls are signed with: the one cached for the source and
// device (`acct mfa` made it, or any command did), else a short new one (STS's 15-minute minimum).
func (r *rotation) mfaSession(ctx context.Context, opts *Options) error {
	cached := keyringCache{kr: r.store.Keyring, item: SessionItem(r.source, r.o.MFASerial), now: opts.now, minRemaining: DefaultMinRemaining, logf: opts.logf}
	if c, ok, _ := cached.stored(); ok {
		r.mfa = &c
		return nil
	}
	old := credentials.StaticCredentialsProvider{Value: r.old}
	p := &sessionTokenProvider{
		client: &lazyClient{cfg: func() (aws.Config, error) { return r.stsCfg, nil }, creds: old}, creds: old,
		source: r.source, serial: r.o.MFASerial, duration: minDuration, o: opts,
		mfa: chooseMFA(r.o.MFAToken, r.o.EnvMFAToken, r.o.MFAProcess, r.o.MFA),
	}
	c, err := p.Retrieve(ctx)
	if err != nil {
		return err
	}
	r.mfa = &c
	return nil
}

// signer is what IAM calls are signed with: the MFA session when there is one, else c.
func (r *rotation) signer(c aws.Credentials) aws.Credentials {
	if r.mfa != nil {
		return *r.mfa
	}
	return c
}

// create makes the new key with the old one. It is never retried by the SDK: a retry after a
// lost answer would make a second key and meet the two-keys limit.
func (r *rotation) create(ctx context.Context) error {
	out, err := r.iam(r.old).CreateAccessKey(ctx, &iam.CreateAccessKeyInput{}, func(op *iam.Options) { op.RetryMaxAttempts = 1 })
	r.logf("iam CreateAccessKey user=%s err=%v", r.who, err)
	if err != nil || out.AccessKey == nil {
		if code(err) == "LimitExceeded" {
			others := r.otherKeys(ctx, r.old)
			return &RotateError{Err: fault.Wrap(fault.BadInput, err), Msg: fmt.Sprintf("rotate %s: %s already has two access keys (%s stored here%s); delete the one not in use in IAM (aws iam delete-access-key --access-key-id ID) and run acct rotate %s again; nothing was changed",
				r.source, r.who, r.oldID, others, r.source)}
		}
		return &RotateError{Err: fault.Wrap(awsKind(err), err), Msg: fmt.Sprintf("rotate %s: could not create a new access key (%s); nothing was changed, the old key %s is still stored and active", r.source, apiLine(err), r.oldID)}
	}
	r.nk = aws.Credentials{AccessKeyID: aws.ToString(out.AccessKey.AccessKeyId), SecretAccessKey: aws.ToString(out.AccessKey.SecretAccessKey), Source: "acct keyring"}
	r.newID = redact(r.nk.AccessKeyID)
	return nil
}

// undo deletes the new key with the old one and describes the outcome.
func (r *rotation) undo(ctx context.Context) string {
	_, err := r.iam(r.old).DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(r.nk.AccessKeyID)})
	r.logf("iam DeleteAccessKey (undo) key=%s err=%v", r.newID, err)
	if err != nil {
		return fmt.Sprintf("the new key %s is still active in IAM (deleting it failed: %s): delete it in IAM (aws iam delete-access-key --access-key-id %s); IAM allows a user two keys, so acct rotate works again once it is gone", r.newID, apiLine(err), r.nk.AccessKeyID)
	}
	return fmt.Sprintf("the new key %s was deleted again", r.newID)
}

// keep stores the new key in the keyring. SetKeys also drops the sessions of source; when only
// that failed, the new key is stored and the rotation goes on (Rotate drops them at the end).
func (r *rotation) keep(ctx context.Context) error {
	err := r.store.SetKeys(r.source, r.nk)
	if err == nil || r.holds(r.nk) {
		return nil
	}
	return &RotateError{Err: err, Msg: fmt.Sprintf("rotate %s: created %s but could not store it (%v); the old key %s is still stored and active; %s", r.source, r.newID, oneLine(err.Error()), r.oldID, r.undo(ctx))}
}

// holds says whether the keyring has c as source's key.
func (r *rotation) holds(c aws.Credentials) bool {
	cur, err := r.store.Keys(r.source)
	return err == nil && cur.AccessKeyID == c.AccessKeyID
}

// verifyNew checks the new key works; when it does not, the old key goes back in the keyring.
func (r *rotation) verifyNew(ctx context.Context) error {
	err := r.verify(ctx, r.nk, r.who)
	if err == nil {
		return nil
	}
	msg := fmt.Sprintf("rotate %s: created %s but it did not verify (%v); ", r.source, r.newID, err)
	if rerr := r.store.SetKeys(r.source, r.old); rerr != nil && !r.holds(r.old) {
		return &RotateError{Err: err, Msg: msg + fmt.Sprintf("putting the old key %s back in the keyring failed too (%v); both keys are still active in IAM; run acct add %s with the old key", r.oldID, oneLine(rerr.Error()), r.source)}
	}
	return &RotateError{Err: err, Msg: msg + fmt.Sprintf("the old key %s is still stored and active; %s", r.oldID, r.undo(ctx))}
}

// deleteOld deletes the old key, signed with the new one (retried a little: IAM may lag STS).
func (r *rotation) deleteOld(ctx context.Context) error {
	var err error
	for try := 1; try <= 3; try++ {
		_, err = r.iam(r.nk).DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(r.old.AccessKeyID)})
		r.logf("iam DeleteAccessKey key=%s try=%d err=%v", r.oldID, try, err)
		if err == nil || code(err) == "NoSuchEntity" || (code(err) != "InvalidClientTokenId" && code(err) != "SignatureDoesNotMatch") {
			break
		}
		if serr := r.sleep(ctx, r.delay(try)); serr != nil {
			break
		}
	}
	if err == nil || code(err) == "NoSuchEntity" {
		return nil
	}
	return &RotateError{Err: fault.Wrap(awsKind(err), err), Msg: fmt.Sprintf("rotate %s: the new key %s is stored and works, but deleting the old key %s failed (%s); it is still active: delete it in IAM (aws iam delete-access-key --access-key-id %s); IAM allows a user two keys, so acct rotate works again once it is gone", r.source, r.newID, r.oldID, apiLine(err), r.old.AccessKeyID)}
}

func (r *rotation) iam(c aws.Credentials) *iam.Client {
	return iam.NewFromConfig(r.iamCfg, func(op *iam.Options) {
		op.Credentials = credentials.StaticCredentialsProvider{Value: r.signer(c)}
	})
}

func (r *rotation) identity(ctx context.Context, c aws.Credentials) (string, error) {
	cl := sts.NewFromConfig(r.stsCfg, func(so *sts.Options) {
		so.Credentials = credentials.StaticCredentialsProvider{Value: c}
		so.RetryMaxAttempts = 1 // verify retries itself, with waits long enough for IAM
	})
	out, err := cl.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	r.logf("sts GetCallerIdentity key=%s err=%v", redact(c.AccessKeyID), err)
	if err != nil {
		return "", fault.New(awsKind(err), apiLine(err))
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
	return sleep(ctx, d)
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
