package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/acct-cli/acct/internal/fault"
)

// Console sign-in defaults. The federation URL is overridden by tests (the command layer passes
// ACCT_FEDERATION_URL); session itself reads no environment.
const (
	DefaultFederationURL = "https://signin.aws.amazon.com/federation"
	DefaultDestination   = "https://console.aws.amazon.com/"
)

// LoginOptions tune LoginURL.
type LoginOptions struct {
	FederationURL string        // default DefaultFederationURL
	Destination   string        // console page to land on; default DefaultDestination
	Issuer        string        // shown by the console on session end; optional
	Duration      time.Duration // console session length, 15m..12h; 0 lets the federation endpoint choose
	// Chained says the credentials come from role chaining (a role assumed with role credentials):
	// the federation endpoint refuses SessionDuration for those, so it is left out and the
	// console session lasts as long as the credentials.
	Chained    bool
	HTTPClient *http.Client // default: a client with a 30s timeout
}

// LoginURL turns temporary credentials into a console sign-in URL through the federation
// endpoint (getSigninToken, then a login URL carrying the token). Long-lived keys are refused:
// the console needs a role or federation session, and acct always has one for a role profile;
// converting keys with GetFederationToken would hand out an unrestricted user session, which is
// exactly what acct avoids. The returned URL is a bearer credential for the session's lifetime:
// print or open it, never log it.
func LoginURL(ctx context.Context, c aws.Credentials, o LoginOptions) (string, error) {
	if c.SessionToken == "" {
		return "", fault.New(fault.BadInput, "console sign-in needs temporary role credentials, not long-lived keys; use a profile with a role")
	}
	fed := o.FederationURL
	if fed == "" {
		fed = DefaultFederationURL
	}
	dest := o.Destination
	if dest == "" {
		dest = DefaultDestination
	}
	base, err := url.Parse(fed)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return "", fault.Errorf(fault.BadInput, "console sign-in: federation URL %q is not an absolute URL", fed)
	}
	if o.Duration != 0 && (o.Duration < 15*time.Minute || o.Duration > 12*time.Hour) {
		return "", fault.Errorf(fault.Usage, "console sign-in: session duration %s is outside 15m to 12h", o.Duration)
	}

	tok, err := signinToken(ctx, c, base, o)
	if err != nil {
		return "", err
	}
	login := *base
	lq := url.Values{"Action": {"login"}, "Destination": {dest}, "SigninToken": {tok}}
	if o.Issuer != "" {
		lq.Set("Issuer", o.Issuer)
	}
	login.RawQuery = lq.Encode()
	return login.String(), nil
}

// signinToken asks the federation endpoint at base (getSigninToken) for a token for c.
func signinToken(ctx context.Context, c aws.Credentials, base *url.URL, o LoginOptions) (string, error) {
	sess, err := json.Marshal(map[string]string{
		"sessionId": c.AccessKeyID, "sessionKey": c.SecretAccessKey, "sessionToken": c.SessionToken,
	})
	if err != nil {
		return "", fmt.Errorf("console sign-in: %w", err)
	}
	q := url.Values{"Action": {"getSigninToken"}, "Session": {string(sess)}}
	if o.Duration != 0 && !o.Chained {
		q.Set("SessionDuration", strconv.Itoa(int(o.Duration/time.Second)))
	}
	tokURL := *base
	tokURL.RawQuery = q.Encode()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, tokURL.String(), nil)
	if err != nil {
		return "", fmt.Errorf("console sign-in: %w", err)
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		// The *url.Error would quote the request URL, secret included: name the endpoint only.
		why := "request failed"
		var ue *url.Error
		if errors.As(err, &ue) {
			why = oneLine(ue.Err.Error())
		}
		return "", fault.Errorf(fault.Unavailable, "console sign-in: cannot reach %s (%s)", endpointName(base), why)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("console sign-in: read the answer of %s: %s", endpointName(base), oneLine(err.Error()))
	}
	if resp.StatusCode != http.StatusOK {
		msg := oneLine(string(body))
		if len(msg) > 200 {
			msg = msg[:200] + "..."
		}
		kind := fault.Auth
		if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
			kind = fault.Unavailable
		}
		return "", fault.Errorf(kind, "console sign-in: %s refused the credentials (%s): %s", endpointName(base), resp.Status, msg)
	}
	var tok struct{ SigninToken string }
	if err := json.Unmarshal(body, &tok); err != nil || tok.SigninToken == "" {
		return "", fmt.Errorf("console sign-in: %s gave no sign-in token", endpointName(base))
	}
	return tok.SigninToken, nil
}

func endpointName(u *url.URL) string {
	return u.Scheme + "://" + u.Host + strings.TrimSuffix(u.Path, "/")
}
