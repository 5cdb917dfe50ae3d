package command

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/acct-cli/acct/internal/awsconfig"
	"github.com/acct-cli/acct/internal/fault"
	"github.com/acct-cli/acct/profiles"
	"github.com/acct-cli/acct/session"
	"github.com/acct-cli/acct/shellenv"
)

func whoamiCommand(sys *system) *cli.Command {
	return &cli.Command{
		Name:      "whoami",
		Usage:     "show who a profile's credentials are (STS GetCallerIdentity), where, and how long they last",
		UsageText: "acct whoami [--json] [profile|stage]   (inside an acct shell: that shell's profile)",
		Description: "Asks STS GetCallerIdentity with the profile's cached credentials, and shows the account, stage,\n" +
			"OU, the time left on the role credentials and on the MFA session, and the keyring backend.",
		Flags: append(sessionFlags(),
			&cli.BoolFlag{Name: "json", Usage: "print one JSON object"},
		),
		BashComplete: completeTargets(sys),
		Action: func(c *cli.Context) error {
			name, err := nameArg(c)
			if err != nil {
				return err
			}
			return runWhoami(c.Context, sys, name, c.Bool("json"), sessionInputFrom(c))
		},
	}
}

// whoami is what acct whoami shows; its JSON field names are the --json output.
type whoami struct {
	Profile    string     `json:"profile"`
	ARN        string     `json:"arn"`
	UserID     string     `json:"user_id"`
	Account    string     `json:"account"`
	Namespace  string     `json:"namespace,omitempty"`
	Stage      string     `json:"stage,omitempty"`
	OU         string     `json:"ou,omitempty"`
	Region     string     `json:"region,omitempty"`
	Expires    *time.Time `json:"credentials_expire,omitempty"`
	MFASession *time.Time `json:"mfa_session_expires,omitempty"`
	Keyring    string     `json:"keyring"`
}

func runWhoami(ctx context.Context, sys *system, name string, asJSON bool, in sessionInput) error {
	chain, err := sys.whoamiChain(name)
	if err != nil {
		return err
	}
	provider, creds, err := sys.ownCredentials(ctx, chain, in)
	if err != nil {
		return err
	}
	awsCfg, err := sys.serviceConfig(chain, provider, awsconfig.STS, "")
	if err != nil {
		return err
	}
	id, err := session.CallerIdentity(ctx, awsCfg)
	if err != nil {
		return fmt.Errorf("%s: %w", chain.Profile, err)
	}
	w := whoami{
		Profile: chain.Profile, ARN: id.ARN, UserID: id.UserID, Account: id.Account,
		Namespace: chain.Namespace, Stage: chain.Stage, OU: chain.OU, Region: chain.Region,
	}
	if creds.CanExpire {
		t := creds.Expires.UTC()
		w.Expires = &t
	}
	kr, err := sys.openKeyring()
	if err != nil {
		return err
	}
	if k, ok := kr.(*session.Keyring); ok {
		w.Keyring = k.Backend()
	}
	if sys.inShellOf(chain.Profile) {
		// The shell knows its MFA session's end (its prompt shows it); reading the keyring's item
		// would ask the file keyring's passphrase, which the shell's children never get.
		w.MFASession = shellMFAEnd(sys.Getenv(shellenv.VarMFAEndFile))
	} else if item, ok := session.ChainSessionItem(chain); ok && !in.NoSession {
		exp, ok, err := session.Expiry(kr, item)
		if err != nil {
			return err
		}
		if ok {
			exp = exp.UTC()
			w.MFASession = &exp
		}
	}
	if asJSON {
		out, err := json.MarshalIndent(w, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(sys.Console.Out, "%s\n", out)
		return err
	}
	return w.print(sys, time.Now())
}

// whoamiChain is the profile whoami is about: the one named, else the acct shell's.
func (sys *system) whoamiChain(name string) (*profiles.Chain, error) {
	if name != "" {
		t, err := sys.resolveTarget(name)
		if err != nil {
			return nil, err
		}
		return t.Chain, nil
	}
	own := sys.Getenv(shellenv.VarProfile)
	if own == "" {
		return nil, usagef("name a profile or stage (acct whoami STAGE), or run it inside an acct shell")
	}
	cfg, err := profiles.Read(sys.configPath())
	if err != nil {
		return nil, fault.Wrap(fault.BadInput, err)
	}
	chain, err := cfg.Resolve(own)
	if err != nil {
		return nil, fault.Wrap(fault.BadInput, fmt.Errorf("this shell's profile (%s=%s): %w", shellenv.VarProfile, own, err))
	}
	return chain, nil
}

func (w whoami) print(sys *system, now time.Time) error {
	tw := tabwriter.NewWriter(sys.Console.Out, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("profile", w.Profile)
	row("identity", w.ARN)
	row("account", w.Account)
	row("namespace", w.Namespace)
	row("stage", w.Stage)
	row("ou", w.OU)
	row("region", w.Region)
	row("credentials", timeLeft(w.Expires, now))
	row("mfa session", timeLeft(w.MFASession, now))
	row("keyring", w.Keyring)
	return tw.Flush()
}

func timeLeft(t *time.Time, now time.Time) string {
	if t == nil {
		return ""
	}
	left := t.Sub(now).Round(time.Minute)
	if left <= 0 {
		return "expired " + t.Local().Format(time.Kitchen)
	}
	return fmt.Sprintf("until %s (%s left)", t.Local().Format(time.Kitchen), strings.TrimSuffix(left.String(), "0s"))
}
