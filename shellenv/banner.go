package shellenv

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Banner is the one line a shell starts with (ShellOptions.Banner): who, which account, and
// when the credentials c expire, as a clock time in loc; the shell's credential endpoint
// replaces them before that.
func Banner(t Target, c aws.Credentials, loc *time.Location) string {
	exp := "refreshed automatically"
	if c.CanExpire {
		exp = fmt.Sprintf("expire %s, refreshed automatically", c.Expires.In(loc).Format(time.Kitchen))
	}
	account := t.Account
	if account == "" {
		account = "?"
	}
	return fmt.Sprintf("acct: %s as %s in account %s; credentials %s; exit to leave", t.Profile, t.Identity, account, exp)
}
