// Package shellenv hands credentials to a program or to a per-stage subshell.
//
// It knows nothing of how credentials are obtained: it takes aws.Credentials
// (for a one-shot command) or an aws.CredentialsProvider (for the local
// container-credentials endpoint that long-lived shells use).
package shellenv

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Target says where a child environment points: which profile, which stage of
// which namespace, in which region. Account and Identity are informational
// (banners, prompts); Protected makes the prompt red.
type Target struct {
	Profile   string
	Stage     string
	Namespace string
	Region    string
	Protected bool
	Account   string
	Identity  string // caller ARN, when known
	// Vars are the stage's own variables (NAME=value, the layout's env:), set after everything
	// else; the caller has kept credential variables out of them.
	Vars []string
}

// Variables set by Env and ServerEnv for users' own prompts and scripts.
const (
	VarProfile   = "ACCT_PROFILE"
	VarStage     = "ACCT_STAGE"
	VarNamespace = "ACCT_NAMESPACE"
	VarAccount   = "ACCT_ACCOUNT"
	VarProtected = "ACCT_PROTECTED"
	// VarShell marks an environment that lives inside an acct shell;
	// VarShellDepth counts how deep shells are nested.
	VarShell      = "ACCT_SHELL"
	VarShellDepth = "ACCT_SHELL_DEPTH"
)

// credentialVars are every variable through which an AWS SDK or the CLI would
// pick credentials or a profile ahead of (or instead of) what acct sets.
// AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE are deliberately absent:
// they do not select credentials by themselves, and tools in the child still
// need them to find regions and other settings.
var credentialVars = []string{
	"AWS_PROFILE",
	"AWS_DEFAULT_PROFILE",
	"AWS_ACCESS_KEY_ID",
	"AWS_ACCESS_KEY", // older SDKs
	"AWS_SECRET_ACCESS_KEY",
	"AWS_SECRET_KEY", // older SDKs
	"AWS_SESSION_TOKEN",
	"AWS_SECURITY_TOKEN", // boto2 and friends
	"AWS_CREDENTIAL_EXPIRATION",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_WEB_IDENTITY_TOKEN_FILE",
	"AWS_ROLE_ARN",
	"AWS_ROLE_SESSION_NAME",
}

// markerVars are what other tools set beside the credentials they put in the environment, to
// say whose they are and until when (aws-vault's AWS_VAULT and AWS_SESSION_EXPIRATION, awsume's).
// acct replaces those credentials, so in its child these would describe the wrong ones: a prompt
// reading AWS_VAULT would name the outer shell's profile.
var markerVars = []string{"AWS_VAULT", "AWS_SESSION_EXPIRATION", "AWSUME_PROFILE", "AWSUME_EXPIRATION"}

// acctVars are replaced rather than inherited, so a nested or re-targeted
// environment never shows the parent's stage.
var acctVars = []string{VarProfile, VarStage, VarNamespace, VarAccount, VarProtected}

// brokers are the prefixes of the variables of other tools that, like acct, unlock a store of
// AWS credentials: aws-vault (whose file keyring acct imports from), saml2aws, aws-okta, Granted,
// Leapp. What such a tool reads to unlock its store is meant for it, not for whatever acct runs.
var brokers = []string{"AWS_VAULT_", "SAML2AWS_", "AWS_OKTA_", "GRANTED_", "LEAPP_"}

// isSecretVar reports variables that hold acct's own secrets (ACCT_FILE_PASSPHRASE,
// ACCT_MFA_TOKEN) or another credential tool's (AWS_VAULT_FILE_PASSPHRASE, SAML2AWS_PASSWORD,
// ...). acct's settings stay, for an acct the child runs; so do the secrets of tools that use
// AWS credentials rather than hold them (RESTIC_PASSWORD, ...): they are the child's business.
func isSecretVar(name string) bool {
	if name == "ACCT_MFA_TOKEN" || strings.HasPrefix(name, "ACCT_") && strings.Contains(name, "PASSPHRASE") {
		return true
	}
	for _, p := range brokers {
		if rest, ok := strings.CutPrefix(name, p); ok {
			for _, w := range []string{"PASSPHRASE", "PASSWORD", "SECRET", "TOKEN"} {
				if strings.Contains(rest, w) {
					return true
				}
			}
		}
	}
	return false
}

func dropped(name string) bool {
	return slices.Contains(credentialVars, name) || slices.Contains(markerVars, name) ||
		slices.Contains(acctVars, name) || isSecretVar(name)
}

// Env returns base without any variable that could select other credentials
// or leak acct's secrets, plus c as static keys and t as ACCT_* variables.
// base is not modified.
func Env(base []string, c aws.Credentials, t Target) []string {
	env := clean(base, t)
	env = append(env,
		"AWS_ACCESS_KEY_ID="+c.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+c.SecretAccessKey,
	)
	if c.SessionToken != "" {
		env = append(env, "AWS_SESSION_TOKEN="+c.SessionToken)
	}
	if c.CanExpire && !c.Expires.IsZero() {
		env = append(env, "AWS_CREDENTIAL_EXPIRATION="+c.Expires.UTC().Format(time.RFC3339))
	}
	return env
}

// ServerEnv is Env for a child that fetches (and refreshes) its credentials
// from s through the container-credentials protocol instead of holding static
// keys.
func ServerEnv(base []string, s *Server, t Target) []string {
	env := clean(base, t)
	return append(env,
		"AWS_CONTAINER_CREDENTIALS_FULL_URI="+s.URL,
		"AWS_CONTAINER_AUTHORIZATION_TOKEN="+s.Token,
	)
}

// clean drops what Env replaces and adds region and ACCT_* variables.
func clean(base []string, t Target) []string {
	env := make([]string, 0, len(base)+12)
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if dropped(name) {
			continue
		}
		if t.Region != "" && (name == "AWS_REGION" || name == "AWS_DEFAULT_REGION") {
			continue
		}
		env = append(env, kv)
	}
	if t.Region != "" {
		env = append(env, "AWS_REGION="+t.Region, "AWS_DEFAULT_REGION="+t.Region)
	}
	add := func(name, value string) {
		if value != "" {
			env = append(env, name+"="+value)
		}
	}
	add(VarProfile, t.Profile)
	add(VarStage, t.Stage)
	add(VarNamespace, t.Namespace)
	add(VarAccount, t.Account)
	if t.Protected {
		add(VarProtected, "1")
	}
	for _, kv := range t.Vars {
		name, value, _ := strings.Cut(kv, "=")
		env = setVar(env, name, value)
	}
	return env
}

// Nested reports whether env belongs to a process running inside an acct
// shell, so the caller can refuse to start another one without --nest.
func Nested(env []string) bool {
	if v := lookup(env, VarShell); v != "" && v != "0" {
		return true
	}
	n, _ := strconv.Atoi(lookup(env, VarShellDepth))
	return n > 0
}

// lookup returns the last value of name in env: os/exec keeps the last of
// duplicate entries, so that is what a child started by it sees.
func lookup(env []string, name string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == name {
			return v
		}
	}
	return ""
}

// setVar returns env with name set to value, replacing any earlier value.
func setVar(env []string, name, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == name {
			continue
		}
		out = append(out, kv)
	}
	return append(out, name+"="+value)
}

// unsetVar returns env without name.
func unsetVar(env []string, name string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == name {
			continue
		}
		out = append(out, kv)
	}
	return out
}
