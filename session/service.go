package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/99designs/keyring"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/acct-cli/acct/profiles"
)

// ServiceConfig is the SDK configuration for calling AWS services other than the chain's own STS
// hops (EKS DescribeCluster, a presigned GetCallerIdentity) as chain: signed with p, in region
// (the chain's when ""), with endpoints (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL,
// endpoint_url) resolved as for the chain's STS calls.
func ServiceConfig(ctx context.Context, chain *profiles.Chain, p aws.CredentialsProvider, region string, o Options) (aws.Config, error) {
	if region == "" {
		region = chain.Region
	}
	if region == "" {
		region = DefaultRegion
	}
	cfg, err := loadAWSConfig(ctx, chain.Profile, region, &o)
	if err != nil {
		return aws.Config{}, err
	}
	cfg.Region = region
	cfg.Credentials = signingCreds{p}
	return cfg, nil
}

// Identity is what STS GetCallerIdentity says about the credentials that signed it.
type Identity struct {
	Account string `json:"account"`
	ARN     string `json:"arn"`
	UserID  string `json:"user_id"`
}

// CallerIdentity asks STS who cfg's credentials belong to.
func CallerIdentity(ctx context.Context, cfg aws.Config) (Identity, error) {
	client := sts.NewFromConfig(cfg)
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, stsError("GetCallerIdentity", "", endpointOf(client), err)
	}
	return Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}, nil
}

// Expiry says when the credentials cached under item (SessionItem, RoleItem) expire; ok is false
// when nothing is cached there.
func Expiry(kr keyring.Keyring, item string) (expires time.Time, ok bool, err error) {
	t, err := expiresOf(kr, item)
	if errors.Is(err, keyring.ErrKeyNotFound) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read cached credentials %s: %w", item, err)
	}
	return t, true, nil
}
