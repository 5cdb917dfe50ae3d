package kube

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/smithy-go"

	"github.com/acct-cli/acct/internal/fault"
)

// Cluster is what a kubeconfig needs to reach an EKS cluster.
type Cluster struct {
	Name     string
	Region   string
	Endpoint string // https://...
	CA       []byte // PEM of the cluster's certificate authority
}

// DescribeCluster asks EKS, with cfg's credentials and region, where cluster name is.
func DescribeCluster(ctx context.Context, cfg aws.Config, name string) (Cluster, error) {
	out, err := eks.NewFromConfig(cfg).DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
	if err != nil {
		var api smithy.APIError
		if line, ok := fault.Unreachable("EKS", "EKS", err); ok {
			return Cluster{}, fault.Errorf(fault.Unavailable, "EKS DescribeCluster %s in %s: %s", name, cfg.Region, line)
		}
		if !errors.As(err, &api) {
			return Cluster{}, fault.Errorf(fault.Unavailable, "EKS DescribeCluster %s in %s: %w", name, cfg.Region, err)
		}
		kind := fault.Failed
		switch api.ErrorCode() {
		case "ResourceNotFoundException":
			return Cluster{}, fault.Errorf(fault.BadInput, "EKS cluster %s not found in %s; check the stage's clusters: in the layout (name and region)", name, cfg.Region)
		case "AccessDeniedException", "UnrecognizedClientException", "ExpiredTokenException", "InvalidSignatureException":
			kind = fault.Auth
		case "ServiceUnavailableException", "ServerException", "ThrottlingException":
			kind = fault.Unavailable
		}
		return Cluster{}, fault.Errorf(kind, "EKS DescribeCluster %s in %s: %s: %s", name, cfg.Region, api.ErrorCode(), api.ErrorMessage())
	}
	c := out.Cluster
	if c == nil || aws.ToString(c.Endpoint) == "" || c.CertificateAuthority == nil {
		status := "unknown"
		if c != nil {
			status = string(c.Status)
		}
		return Cluster{}, fmt.Errorf("EKS cluster %s in %s has no endpoint yet (status %s); run acct kubeconfig again when it is ACTIVE", name, cfg.Region, status)
	}
	ca, err := base64.StdEncoding.DecodeString(aws.ToString(c.CertificateAuthority.Data))
	if err != nil {
		return Cluster{}, fmt.Errorf("EKS cluster %s: certificate authority is not base64: %w", name, err)
	}
	return Cluster{Name: name, Region: cfg.Region, Endpoint: aws.ToString(c.Endpoint), CA: ca}, nil
}
