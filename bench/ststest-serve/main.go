// Command ststest-serve runs the fake STS of session/ststest for benchmarks: acct's own code
// never imports it, so the fake stays out of the binary. It prints, as shell variables, the
// endpoint, one IAM user's keys and a current MFA code, then serves until killed.
//
//	ststest-serve [-account 323330167063] [-user alice] ROLE_ARN...
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/acct-cli/acct/session/ststest"
)

func main() {
	account := flag.String("account", "323330167063", "account of the IAM user")
	user := flag.String("user", "alice", "IAM user name (its MFA device is arn:aws:iam::ACCOUNT:mfa/USER)")
	flag.Parse()

	s := ststest.New()
	defer s.Close()
	u := s.AddUser(*account, *user)
	for _, arn := range flag.Args() {
		s.AddRole(arn, ststest.RoleOptions{RequireMFA: true})
	}
	fmt.Printf("STS_URL=%s\nSTS_ACCESS_KEY_ID=%s\nSTS_SECRET_ACCESS_KEY=%s\nSTS_MFA_CODE=%s\nSTS_READY=1\n",
		s.URL, u.AccessKeyID, u.SecretAccessKey, s.Code(u, time.Now()))
	os.Stdout.Sync()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
}
