//go:build unix

package shellenv

import (
	"strings"
	"testing"

	"github.com/acct-cli/acct/internal/testtool"
	"github.com/acct-cli/acct/session/ststest"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// TestShellAWSCLIUsesCredentialServer runs the real AWS CLI inside an acct
// shell whose only credentials are the local container endpoint, against the
// fake STS: the CLI must find, fetch and use them.
func TestShellAWSCLIUsesCredentialServer(t *testing.T) {
	t.Parallel()
	shell := testtool.Need(t, "bash")
	aws_ := testtool.AWSCLI(t)
	sts := ststest.New()
	defer sts.Close()
	user := sts.AddUser("323330167063", "alice")

	home, _, env := shellHome(t)
	writeFile(t, home+"/.bashrc", "PS1='userprompt> '\n")
	p := startPTY(t, helperCmd(t, helperRequest{
		Mode: "shell", Shell: shell, Target: stagingTarget,
		ServerCreds: &aws.Credentials{AccessKeyID: user.AccessKeyID, SecretAccessKey: user.SecretAccessKey},
	}, env))
	at := p.screen.waitFor(t, 0, "[cpco:staging] userprompt> ", ptyTimeout)

	p.send(`echo "k:${AWS_SECRET_ACCESS_KEY-unset} u:${AWS_CONTAINER_CREDENTIALS_FULL_URI%%:*}"` + "\r")
	at = p.screen.waitFor(t, at, "k:unset u:http", ptyTimeout)

	// AWS_PAGER= : on a terminal the CLI would page its output through less.
	p.send("AWS_PAGER= " + aws_ + " sts get-caller-identity --endpoint-url " + sts.URL +
		" --region us-east-1 --query Arn --output text; echo \"r\"\"c=$?\"\r")
	// The CLI starts slowly; give it more than the usual bound.
	// The typed line reads "r""c=", so only the output matches "rc=".
	at = p.screen.waitFor(t, at, "rc=", 3*ptyTimeout)
	out := p.screen.String()
	if !strings.Contains(out[:at], user.ARN) || !strings.HasPrefix(out[at:], "0") {
		t.Fatalf("aws sts get-caller-identity did not print %s; screen:\n%q", user.ARN, out)
	}
	if sts.Calls("GetCallerIdentity") != 1 {
		t.Errorf("fake STS saw %d GetCallerIdentity calls", sts.Calls("GetCallerIdentity"))
	}
	for _, secret := range sts.Issued() {
		if strings.Contains(out, secret) {
			t.Errorf("a secret reached the terminal")
		}
	}
	p.send("exit\r")
	if code := p.wait(ptyTimeout); code != 0 {
		t.Fatalf("exit %d", code)
	}
}
