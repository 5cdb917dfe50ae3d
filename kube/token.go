// Package kube gives kubectl access to EKS clusters with acct's credentials: the bearer token EKS
// accepts (a presigned STS GetCallerIdentity, as aws-iam-authenticator makes it), the
// ExecCredential kubectl's exec plugin protocol reads, the cluster's endpoint from EKS, and
// kubeconfig files whose users run `acct eks-token`.
package kube

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

const (
	// TokenPrefix starts every EKS bearer token; the rest is the presigned URL, base64url.
	TokenPrefix = "k8s-aws-v1."
	// ClusterHeader names the cluster a token is for. It is signed, so a token made for one
	// cluster is refused by every other.
	ClusterHeader = "x-k8s-aws-id"
	// TokenLifetime is how long EKS accepts a token after it was signed: STS honours a presigned
	// GetCallerIdentity for 15 minutes whatever X-Amz-Expires says.
	TokenLifetime = 15 * time.Minute
	// expiresParam is what aws-iam-authenticator writes into X-Amz-Expires; old EKS
	// authenticators refuse anything above 60.
	expiresParam = "60"
	// refreshEarly makes kubectl ask for a new token a minute before the old one stops working,
	// so a request in flight never carries a token that expires on its way.
	refreshEarly = time.Minute
)

// Token is an EKS bearer token and when kubectl should stop using it.
type Token struct {
	Value   string
	Expires time.Time
}

// NewToken presigns STS GetCallerIdentity for cluster with cfg's credentials, signed at now. The
// token expires with the credentials if they expire first.
func NewToken(ctx context.Context, cfg aws.Config, cluster string, now time.Time) (Token, error) {
	if cluster == "" {
		return Token{}, fmt.Errorf("EKS token: no cluster name")
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return Token{}, err
	}
	client := sts.NewPresignClient(sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil })
	}))
	req, err := client.PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(po *sts.PresignOptions) {
		po.Presigner = signerAt{v4.NewSigner(), now}
		po.ClientOptions = append(po.ClientOptions, func(o *sts.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue(ClusterHeader, cluster), addExpires)
		})
	})
	if err != nil {
		return Token{}, fmt.Errorf("EKS token for %s: presign GetCallerIdentity: %w", cluster, err)
	}
	exp := now.Add(TokenLifetime - refreshEarly)
	if creds.CanExpire && creds.Expires.Before(exp) {
		exp = creds.Expires
	}
	return Token{Value: TokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(req.URL)), Expires: exp.UTC()}, nil
}

// signerAt presigns at a given time rather than the SDK's clock, so that the token's signing
// time and the expiry told to kubectl come from the same instant.
type signerAt struct {
	s  *v4.Signer
	at time.Time
}

func (p signerAt) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) (string, http.Header, error) {
	return p.s.PresignHTTP(ctx, creds, r, payloadHash, service, region, p.at, optFns...)
}

// addExpires puts X-Amz-Expires into the query before the presigner signs it.
func addExpires(stack *middleware.Stack) error {
	return stack.Build.Add(middleware.BuildMiddlewareFunc("acctAmzExpires",
		func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
			if req, ok := in.Request.(*smithyhttp.Request); ok {
				q := req.URL.Query()
				q.Set("X-Amz-Expires", expiresParam)
				req.URL.RawQuery = q.Encode()
			}
			return next.HandleBuild(ctx, in)
		}), middleware.After)
}

// ExecCredential is the client.authentication.k8s.io/v1beta1 object an exec plugin prints.
func ExecCredential(t Token) ([]byte, error) {
	type status struct {
		ExpirationTimestamp string `json:"expirationTimestamp"`
		Token               string `json:"token"`
	}
	return json.Marshal(struct {
		Kind       string            `json:"kind"`
		APIVersion string            `json:"apiVersion"`
		Spec       map[string]string `json:"spec"`
		Status     status            `json:"status"`
	}{"ExecCredential", ExecAPIVersion, map[string]string{}, status{t.Expires.Format(time.RFC3339), t.Value}})
}

// ExecAPIVersion is the exec plugin protocol acct speaks (kubectl 1.11 and later).
const ExecAPIVersion = "client.authentication.k8s.io/v1beta1"
