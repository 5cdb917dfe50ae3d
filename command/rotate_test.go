package command_test

import (
	"strings"
	"testing"

	"github.com/acct-cli/acct/session/iamtest"
)

func TestRotateCommand(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	i := iamtest.New(w.sts)
	t.Cleanup(i.Close)
	w.vars["AWS_ENDPOINT_URL_IAM"] = i.URL
	u := w.sts.AddUser("323330167063", "alice")
	w.vars["AWS_ACCESS_KEY_ID"], w.vars["AWS_SECRET_ACCESS_KEY"] = u.AccessKeyID, u.SecretAccessKey
	w.must("add", "--env", "cpco")
	delete(w.vars, "AWS_ACCESS_KEY_ID")
	delete(w.vars, "AWS_SECRET_ACCESS_KEY")

	i.Fail("CreateAccessKey", "AccessDenied", 1)
	r := w.run("", "rotate", "cpco")
	if r.code == 0 || !strings.Contains(r.stderr, "nothing was changed") || !strings.Contains(r.stderr, "AccessDenied") {
		t.Errorf("denied: exit %d\n%s", r.code, r.stderr)
	}

	r = w.must("rotate", "cpco")
	if !strings.Contains(r.stdout, "rotated the key of cpco") {
		t.Errorf("stdout: %s", r.stdout)
	}
	if _, ok := w.sts.LookupKey(u.AccessKeyID); ok {
		t.Error("the old key still works")
	}
	// The new key is stored and works: rotating again starts by using it.
	w.must("rotate", "cpco")
	if n := len(w.sts.AccessKeys(u.ARN)); n != 1 {
		t.Errorf("alice has %d keys", n)
	}
	w.noLeaks(r.stdout, r.stderr)
}
