// Command ststest-serve runs the fake STS of session/ststest for benchmarks: acct's own code
// never imports it, so the fake stays out of the binary. It prints, as shell variables, the
// endpoint, one IAM user's keys, two MFA codes (current and next 30 s step, so two tools can each
// start an MFA session: the fake refuses a code used twice), and an HTTPS proxy with its CA file
// for a tool that cannot be given an endpoint URL, then serves until killed.
//
//	ststest-serve [-account 323330167063] [-user alice] [-ca FILE] ROLE_ARN...
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/acct-cli/acct/session/ststest"
)

func main() {
	account := flag.String("account", "323330167063", "account of the IAM user")
	user := flag.String("user", "alice", "IAM user name (its MFA device is arn:aws:iam::ACCOUNT:mfa/USER)")
	caFile := flag.String("ca", filepath.Join(os.TempDir(), fmt.Sprintf("ststest-serve-%d-ca.pem", os.Getpid())), "where to write the proxy's CA certificate")
	flag.Parse()

	s := ststest.New()
	defer s.Close()
	u := s.AddUser(*account, *user)
	for _, arn := range flag.Args() {
		s.AddRole(arn, ststest.RoleOptions{RequireMFA: true})
	}
	proxyURL, err := startProxy(s.URL, *caFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ststest-serve: proxy:", err)
		os.Exit(1)
	}
	now := time.Now()
	fmt.Printf("STS_URL=%s\nSTS_ACCESS_KEY_ID=%s\nSTS_SECRET_ACCESS_KEY=%s\nSTS_MFA_CODE=%s\nSTS_MFA_CODE2=%s\nSTS_PROXY_URL=%s\nSTS_CA_FILE=%s\nSTS_READY=1\n",
		s.URL, u.AccessKeyID, u.SecretAccessKey, s.Code(u, now), s.Code(u, now.Add(30*time.Second)), proxyURL, *caFile)
	os.Stdout.Sync()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
}
