// Package orgs reads an AWS Organization (accounts, organisational units, the management account)
// and merges it into an acct layout file, keeping what people wrote by hand.
package orgs

import (
	"context"
	"errors"
	"net/url"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/smithy-go"

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
)

// API is the part of *organizations.Client the walk uses.
type API interface {
	DescribeOrganization(context.Context, *organizations.DescribeOrganizationInput, ...func(*organizations.Options)) (*organizations.DescribeOrganizationOutput, error)
	organizations.ListRootsAPIClient
	organizations.ListOrganizationalUnitsForParentAPIClient
	organizations.ListAccountsForParentAPIClient
}

// Account is one member account of the organisation.
type Account struct {
	ID, Name, Email string
	State           string   // ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, PENDING_ACTIVATION
	OUPath          []string // OU names from the root down; empty directly under the root
}

// Active says whether the account can be used.
func (a Account) Active() bool { return a.State == "ACTIVE" }

// Org is what Walk found.
type Org struct {
	ID         string
	Management string    // the management account's ID
	Accounts   []Account // every account, sorted by ID
}

// NewClient is an Organizations client signing with creds, at the endpoint env names
// (AWS_ENDPOINT_URL_ORGANIZATIONS, AWS_ENDPOINT_URL), else at endpointURL (the profile's
// endpoint_url), else at AWS's own, with acct's one retry policy: a walk of a large organisation
// meets TooManyRequestsException.
func NewClient(env awsconfig.Env, creds aws.CredentialsProvider, region, endpointURL string) (*organizations.Client, error) {
	cfg, err := awsconfig.New(env, awsconfig.Client{Region: apiRegions[profiles.Partition(region)], Credentials: creds, Endpoint: env.Endpoint(awsconfig.Organizations, endpointURL)})
	if err != nil {
		return nil, fault.Wrap(fault.BadInput, err)
	}
	return organizations.NewFromConfig(cfg), nil
}

// apiRegions is where Organizations lives in each partition.
var apiRegions = map[string]string{"aws": "us-east-1", "aws-cn": "cn-northwest-1", "aws-us-gov": "us-gov-west-1"}

// Walk reads the whole organisation: DescribeOrganization, the roots, then every OU and its
// accounts, depth first, with the SDK's paginators.
func Walk(ctx context.Context, api API) (*Org, error) {
	d, err := api.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return nil, apiError("describe the organization", err)
	}
	org := &Org{}
	if d.Organization != nil {
		org.ID = aws.ToString(d.Organization.Id)
		org.Management = aws.ToString(d.Organization.MasterAccountId)
	}
	var roots []string
	rp := organizations.NewListRootsPaginator(api, &organizations.ListRootsInput{})
	for rp.HasMorePages() {
		page, err := rp.NextPage(ctx)
		if err != nil {
			return nil, apiError("list the organization's roots", err)
		}
		for _, r := range page.Roots {
			roots = append(roots, aws.ToString(r.Id))
		}
	}
	seen := map[string]bool{}
	var walk func(parent string, path []string) error
	walk = func(parent string, path []string) error {
		ap := organizations.NewListAccountsForParentPaginator(api, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent)})
		for ap.HasMorePages() {
			page, err := ap.NextPage(ctx)
			if err != nil {
				return apiError("list the accounts of "+where(parent, path), err)
			}
			for _, a := range page.Accounts {
				id := aws.ToString(a.Id)
				if seen[id] {
					continue
				}
				seen[id] = true
				state := string(a.State)
				if state == "" {
					state = string(a.Status)
				}
				org.Accounts = append(org.Accounts, Account{
					ID: id, Name: aws.ToString(a.Name), Email: aws.ToString(a.Email), State: state,
					OUPath: append([]string(nil), path...),
				})
			}
		}
		op := organizations.NewListOrganizationalUnitsForParentPaginator(api, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
		var children [][2]string
		for op.HasMorePages() {
			page, err := op.NextPage(ctx)
			if err != nil {
				return apiError("list the organizational units of "+where(parent, path), err)
			}
			for _, ou := range page.OrganizationalUnits {
				children = append(children, [2]string{aws.ToString(ou.Id), aws.ToString(ou.Name)})
			}
		}
		for _, c := range children {
			if err := walk(c[0], append(path[:len(path):len(path)], c[1])); err != nil {
				return err
			}
		}
		return nil
	}
	for _, r := range roots {
		if err := walk(r, nil); err != nil {
			return nil, err
		}
	}
	sort.Slice(org.Accounts, func(i, j int) bool { return org.Accounts[i].ID < org.Accounts[j].ID })
	return org, nil
}

func where(parent string, path []string) string {
	if len(path) == 0 {
		return "the root " + parent
	}
	return "OU " + strings.Join(path, "/") + " (" + parent + ")"
}

// Error is an Organizations error as one line, with what acct was doing and what to do.
type Error struct {
	Op, Code, Message, Advice string
	Err                       error
}

func (e *Error) Error() string {
	s := "organizations: " + e.Op + ": "
	if e.Code != "" {
		s += e.Code + ": "
	}
	if e.Advice == "" {
		return s + e.Message
	}
	// AWS's messages end with a period; no ".;" before the advice.
	return s + strings.TrimSuffix(e.Message, ".") + "; " + e.Advice
}

func (e *Error) Unwrap() error { return e.Err }

// apiError makes err one line naming the operation, with the fault kind of its cause.
func apiError(op string, err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return fault.Errorf(fault.Interrupted, "organizations: %s: %w", op, err)
	case errors.Is(err, context.DeadlineExceeded):
		return fault.Errorf(fault.Unavailable, "organizations: %s: %w", op, err)
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		e := &Error{Op: op, Code: api.ErrorCode(), Message: oneLine(api.ErrorMessage()), Err: err}
		kind := fault.Failed
		switch e.Code {
		case "AccessDeniedException":
			kind = fault.Auth
			e.Advice = "use a profile of the management account (or of a delegated administrator) allowed organizations:Describe* and organizations:List*"
		case "AWSOrganizationsNotInUseException":
			kind = fault.BadInput
			e.Advice = "this account is not in an AWS Organization; write the layout by hand (mode: accounts)"
		case "TooManyRequestsException":
			kind = fault.Unavailable
			e.Advice = "AWS throttled the walk even after retries; run the import again in a minute"
		}
		return fault.Wrap(kind, e)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fault.Wrap(fault.Unavailable, &Error{Op: op, Message: "cannot reach " + ue.URL + " (" + oneLine(ue.Err.Error()) + ")",
			Advice: "check the network or AWS_ENDPOINT_URL_ORGANIZATIONS", Err: err})
	}
	return &Error{Op: op, Message: oneLine(err.Error()), Err: err}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
