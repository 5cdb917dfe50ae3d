package shellenv

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

var stagingTarget = Target{
	Profile: "cpco-staging-admin", Stage: "staging", Namespace: "cpco",
	Region: "us-west-2", Account: "323330167063",
}

func TestBanner(t *testing.T) {
	t.Parallel()
	tg := stagingTarget
	tg.Identity = "arn:aws:iam::323330167063:role/cpco-root-admin"
	berlin := time.FixedZone("CET", 3600)
	c := aws.Credentials{CanExpire: true, Expires: time.Date(2030, 1, 1, 15, 4, 0, 0, time.UTC)}
	got := Banner(tg, c, berlin)
	want := "acct: cpco-staging-admin as arn:aws:iam::323330167063:role/cpco-root-admin in account 323330167063; credentials expire 4:04PM, refreshed automatically; exit to leave"
	if got != want {
		t.Errorf("Banner =\n%q, want\n%q", got, want)
	}
	tg.Account = ""
	got = Banner(tg, aws.Credentials{AccessKeyID: "AKIA"}, berlin)
	want = "acct: cpco-staging-admin as arn:aws:iam::323330167063:role/cpco-root-admin in account ?; credentials refreshed automatically; exit to leave"
	if got != want {
		t.Errorf("Banner =\n%q, want\n%q", got, want)
	}
}
