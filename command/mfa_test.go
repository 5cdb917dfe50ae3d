package command_test

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/acct-cli/acct/internal/testtool"
)

var mfaPromptRE = regexp.MustCompile(`MFA code for arn:aws:iam::323330167063:mfa/alice`)

// A whole working day in minutes: an acct shell whose MFA session the fake STS ends within
// seconds. The prompt counts the minutes down and warns once; at the end, the AWS CLI inside gets
// the line naming acct mfa at once (the endpoint never reads the terminal, so acct is never
// stopped); `acct mfa` typed at the prompt renews the session and the next call works, with no
// restart of the shell.
func TestShellSurvivesMFASessionEnd(t *testing.T) {
	t.Parallel()
	aws := testtool.AWSCLI(t)
	for _, name := range []string{"bash", "zsh", "fish"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// How the AWS CLI reads the endpoint does not depend on the shell: bash runs it once,
			// for the message it shows after the session's end; otherwise the test asks the endpoint
			// as the CLI would (an AWS CLI start is most of this test's CPU).
			useCLI := name == "bash"
			w, u := orgWorld(t, example("organization.yaml"), false)
			w.sts.SetLifetime(6 * time.Second) // a whole day in seconds
			p := w.acctTTY([]string{"SHELL=" + shellPath(t, name), "ACCT_REFRESH_WINDOW=1s"}, "shell", "staging")
			p.expectRE(mfaPromptRE)
			p.line(w.sts.Code(u, time.Now()))
			p.expect("MFA session ends at ")
			p.expect("[cpco:staging 1m]")
			p.line(`echo "k=[$AWS_ACCESS_KEY_ID] u=[$AWS_CONTAINER_CREDENTIALS_FULL_URI] t=[$AWS_CONTAINER_AUTHORIZATION_TOKEN]"`)
			v := p.expectRE(shellVarsRE)
			call := aws + " sts get-caller-identity --output text --query Arn --endpoint-url " + w.sts.URL + " --region us-east-1"
			works := func() {
				t.Helper()
				code, body, err := getCreds(v[2], v[3])
				tmp, ok := w.sts.Lookup(body["AccessKeyId"])
				if err != nil || code != 200 || !ok || !strings.Contains(tmp.RoleARN, ":222222222222:") || tmp.SecretAccessKey != body["SecretAccessKey"] {
					t.Fatalf("the endpoint: %d, %v: not the staging role's credentials", code, err)
				}
			}
			works()

			// The session ends, and so does the role the shell holds (assumed just after it; on a
			// loaded machine, up to seconds after): from then on only a new session can serve.
			var end time.Time
			for _, tmp := range w.sts.Temporaries() {
				if tmp.Expires.After(end) {
					end = tmp.Expires
				}
			}
			time.Sleep(time.Until(end.Add(200 * time.Millisecond)))
			start := time.Now()
			code, body, err := getCreds(v[2], v[3])
			took := time.Since(start)
			if err != nil || code != 500 || !strings.Contains(body["message"], "MFA session ended; run `acct mfa` in this shell") {
				t.Fatalf("the endpoint after the session's end: %d %q (%v)", code, body["message"], err)
			}
			// No hang: the old endpoint tried to prompt, was stopped by the kernel and the AWS CLI
			// gave up after its 60 s read timeout. (Tens of milliseconds on an idle machine.)
			t.Logf("%s: the endpoint answered in %s", name, took.Round(time.Millisecond))
			if took > 15*time.Second {
				t.Errorf("the endpoint took %s to say the session ended", took)
			}
			if useCLI {
				p.line(call)
				p.expect("MFA session ended; run `acct mfa` in this shell")
			}
			if st := procState(t, p.cmd.Process.Pid); st == "T" || st == "t" {
				t.Fatalf("acct is stopped (state %s)", st)
			}

			// acct mfa at the prompt, then the same call works in the same shell.
			p.line("acct mfa")
			// The shell's environment has no ACCT_FILE_PASSPHRASE (acct passes no secrets on): typed
			// once, it is kept for the day.
			if m := p.expectRE(regexp.MustCompile(`(Enter passphrase|` + mfaPromptRE.String() + `)`)); m[1] == "Enter passphrase" {
				p.line(w.vars["ACCT_FILE_PASSPHRASE"])
				p.expectRE(mfaPromptRE)
			}
			p.line(w.sts.Code(u, time.Now().Add(30*time.Second)))
			p.expect("new MFA session for cpco until ")
			p.expect("[cpco:staging 1m]")
			works()
			if n := w.sts.Calls("GetSessionToken"); n != 2 {
				t.Errorf("%d GetSessionToken calls, want 2 (the shell's and acct mfa's)", n)
			}
			if st := procState(t, p.cmd.Process.Pid); st == "T" || st == "t" {
				t.Errorf("acct is stopped (state %s)", st)
			}
			p.line("exit")
			if code := p.wait(); code != 0 {
				t.Errorf("acct exited %d\n%s", code, p.screen())
			}
			w.noLeaks(p.screen())
		})
	}
}

// procState is the state letter /proc gives a process (R, S, T for stopped, ...).
func procState(t *testing.T, pid int) string {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatalf("read the state of acct: %v", err)
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndex(s, ")")+1:])
	return fields[0]
}

// credential_process as the AWS CLI, Terraform and kubectl run it (stderr captured): the MFA
// question reaches the person on the controlling terminal, the code typed there is used, and the
// next run asks nothing. With ACCT_MFA_PROMPT=none and no terminal: exit 1 and one line, at once.
func TestCredentialProcessAsksOnControllingTerminal(t *testing.T) {
	t.Parallel()
	aws := testtool.AWSCLI(t)
	w, u := orgWorld(t, example("organization.yaml"), false)
	// The binary writes itself into credential_process (in process, it would be the test binary).
	if r := w.runBinary("", "generate", "--layout", example("organization.yaml"), "--user", "alice", "--style", "credential-process"); r.code != 0 {
		t.Fatalf("generate: %s", r.stderr)
	}
	call := aws + " sts get-caller-identity --profile cpco-staging-admin --output text --query Arn --endpoint-url " + w.sts.URL + " --region us-east-1"
	// Run again, the session and role are cached: acct is asked straight away (an AWS CLI start
	// is most of this test's CPU), with the same streams.
	again := "acct credential-process cpco-staging-admin"
	for i, c := range []struct{ name, line, again string }{
		{"typed at a terminal", call, again},
		{"stdin a pipe, stderr a file (as Terraform runs it)", "echo | " + call + " 2>" + w.home + "/aws.err; cat " + w.home + "/aws.err",
			"echo | " + again + " 2>" + w.home + "/acct.err; cat " + w.home + "/acct.err"},
	} {
		w.must("clear")
		p := startTTY(t, w.ttyEnv(), w.home, "/bin/sh", "-c", c.line+`; echo "DO""NE $?"`)
		p.expectRE(mfaPromptRE)
		p.line(w.sts.Code(u, time.Now().Add(time.Duration(i)*30*time.Second)))
		p.expectRE(assumedStagingRE)
		p.expect("DONE 0")
		p.wait()
		q := startTTY(t, w.ttyEnv(), w.home, "/bin/sh", "-c", c.again)
		key := q.expectRE(regexp.MustCompile(`"AccessKeyId":\s*"(\w+)"`))[1]
		q.wait()
		if tmp, ok := w.sts.Lookup(key); !ok || !strings.Contains(tmp.RoleARN, ":222222222222:") {
			t.Errorf("%s: the cached rerun gave %s, not the staging role's credentials", c.name, key)
		}
		if strings.Contains(q.screen(), "MFA code") {
			t.Errorf("%s: asked again:\n%s", c.name, q.screen())
		}
	}
	// Ctrl-C at the question: acct ends with 130, the terminal is usable again, nothing is cached.
	w.must("clear")
	calls := w.sts.Calls("GetSessionToken")
	p := startTTY(t, w.ttyEnv(), w.home, "/bin/sh", "-c", "acct credential-process cpco-staging-admin 2>/dev/null </dev/null; echo \"status=$?\"; stty -a")
	p.expectRE(mfaPromptRE)
	p.send("\x03")
	p.expect("status=130")
	if m := p.expectRE(regexpMust(`(-?)echo\b`)); m[1] == "-" {
		t.Errorf("the terminal was left without echo:\n%s", p.screen())
	}
	p.wait()
	if w.sts.Calls("GetSessionToken") != calls {
		t.Errorf("after Ctrl-C: GetSessionToken %d (was %d)", w.sts.Calls("GetSessionToken"), calls)
	}

	// Nothing was cached by the interrupted run: without a way to ask, the one line.
	start := time.Now()
	r := w.with(map[string]string{"ACCT_MFA_PROMPT": "none"}, "credential-process", "cpco-staging-admin")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("ACCT_MFA_PROMPT=none took %s", took)
	}
	if r.code != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "run acct mfa cpco-staging-admin") || r.stdout != "" {
		t.Errorf("ACCT_MFA_PROMPT=none: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	w.noLeaks(r.stdout, r.stderr)
}

// A code mistyped at the terminal gets STS's words in one line and the prompt again, and the
// right code then goes on (SPEC §4): one refused GetSessionToken, one that worked.
func TestWrongMFACodeAsksAgain(t *testing.T) {
	t.Parallel()
	w, u := orgWorld(t, example("organization.yaml"), false)
	p := w.acctTTY(nil, "exec", "staging", "--", "true")
	p.expectRE(mfaPromptRE)
	p.line(unusedCode(w.sts, u))
	p.expect("acct: get session token for cpco: MFA code for arn:aws:iam::323330167063:mfa/alice rejected: " +
		"AccessDenied: MultiFactorAuthentication failed with invalid MFA one time pass code; try again")
	p.expectRE(mfaPromptRE)
	p.line(w.sts.Code(u, time.Now()))
	if code := p.wait(); code != 0 {
		t.Fatalf("exit %d after the right code\n%s", code, p.screen())
	}
	if n := w.sts.Calls("GetSessionToken"); n != 2 {
		t.Errorf("%d GetSessionToken calls, want 2 (the refused code and the right one)", n)
	}

	// The same with acct's stdin a pipe (kubectl apply -f - < file): the question is asked on the
	// controlling terminal, and again after a typo.
	w.must("clear")
	p = startTTY(t, w.ttyEnv(), w.home, "/bin/sh", "-c", `acct exec staging -- true </dev/null; echo "DO""NE $?"`)
	p.expectRE(mfaPromptRE)
	p.line(unusedCode(w.sts, u))
	p.expect("one time pass code; try again")
	p.expectRE(mfaPromptRE)
	p.line(w.sts.Code(u, time.Now().Add(30*time.Second)))
	p.expect("DONE 0")
	p.wait()
}

// acct mfa takes a source profile's name too (acct rotate's hint names it; generated layouts
// write no section for it): its MFA session is the one every profile using it shares.
func TestMFAOfSourceProfile(t *testing.T) {
	t.Parallel()
	sw := newSessionWorld(t, false, nil)
	r := sw.with(nil, "mfa", "cpco", "--mfa-token", sw.code(0))
	if r.code != 0 || !strings.HasPrefix(r.stderr, "acct: new MFA session for cpco until ") {
		t.Fatalf("acct mfa cpco: exit %d, %q", r.code, r.stderr)
	}
	if r := sw.with(nil, "exec", "cpco-staging-admin", "--", "true"); r.code != 0 {
		t.Errorf("exec after acct mfa cpco, no code: exit %d, %q", r.code, r.stderr)
	}
	if n := sw.sts.Calls("GetSessionToken"); n != 1 {
		t.Errorf("%d GetSessionToken calls, want 1", n)
	}
}
