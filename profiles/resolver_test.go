package profiles

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// resolverRandomConfig is a config of n profiles p0..p<n-1> whose keys are drawn by rnd: role
// chains by source_profile and include_profile that may loop, end at a profile without a section,
// at SSO, at a credential_process, at a profile sourcing itself, or at a bad key.
func resolverRandomConfig(rnd *rand.Rand, n int) []byte {
	var b strings.Builder
	b.WriteString("[sso-session corp]\nsso_start_url=https://x.awsapps.com/start\nsso_region=us-east-1\n")
	pick := func() string {
		if rnd.IntN(8) == 0 {
			return fmt.Sprintf("k%d", rnd.IntN(3)) // no section: keys in the keyring
		}
		return fmt.Sprintf("p%d", rnd.IntN(n))
	}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("p%d", i)
		if rnd.IntN(6) == 0 {
			fmt.Fprintf(&b, "# acct: namespace=ns stage=s%d account=%012d\n", i%3, i)
		}
		fmt.Fprintf(&b, "\n[profile %s]\n", name)
		prefix := ""
		if rnd.IntN(8) == 0 {
			fmt.Fprintf(&b, "credential_process=acct credential-process %s\n", name)
			prefix = "acct_"
		} else if rnd.IntN(8) == 0 {
			b.WriteString("credential_process=/usr/bin/keys-from-vault\n")
		}
		switch rnd.IntN(10) {
		case 0:
			b.WriteString("sso_session=corp\nsso_account_id=222222222222\nsso_role_name=Admin\n")
		case 1:
			b.WriteString("sso_account_id=222222222222\n") // no start URL: an error
		case 2, 3:
		case 4:
			fmt.Fprintf(&b, "%srole_arn=arn:aws:iam::12345:user/bob\n", prefix)
		default:
			fmt.Fprintf(&b, "%srole_arn=arn:aws:iam::%012d:role/r%d\n", prefix, rnd.IntN(3), i)
		}
		switch rnd.IntN(8) {
		case 0:
			fmt.Fprintf(&b, "%ssource_profile=%s\n", prefix, name)
		case 1:
			b.WriteString("credential_source=Environment\n")
		case 2:
		default:
			fmt.Fprintf(&b, "%ssource_profile=%s\n", prefix, pick())
		}
		if rnd.IntN(5) == 0 {
			fmt.Fprintf(&b, "include_profile=p%d\n", rnd.IntN(n))
		}
		for _, k := range []string{"region", "mfa_serial", "mfa_process", "endpoint_url", "role_session_name", "external_id"} {
			if rnd.IntN(4) == 0 {
				fmt.Fprintf(&b, "%s=%s-%d\n", k, k, i)
			}
		}
		if rnd.IntN(10) == 0 {
			fmt.Fprintf(&b, "duration_seconds=%d\n", []int{3600, 60}[rnd.IntN(2)])
		}
	}
	return []byte(b.String())
}

// resolverCompare checks that one Resolver asked for every profile of c, in the order of names
// and with Outline and Resolve mixed, answers as a lone Resolve does.
func resolverCompare(t *testing.T, c *Config, names []string) {
	t.Helper()
	r := c.Resolver()
	for i, n := range names {
		want, wantErr := c.Resolve(n)
		var got *Chain
		var err error
		if i%2 == 0 {
			got, err = r.Outline(n)
			if want != nil {
				w := *want
				w.Roles = nil
				want = &w
			}
		} else {
			got, err = r.Resolve(n)
		}
		if fmt.Sprint(err) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s shared:\n got %+v, %v\nwant %+v, %v", n, got, err, want, wantErr)
		}
	}
}

// Profiles resolved by one Resolver, which shares the chains below them, resolve as each does
// alone: random configs with loops, include_profile, SSO and errors, every profile asked in a
// random order.
func TestResolverSharesAsLoneResolve(t *testing.T) {
	t.Parallel()
	for seed := uint64(0); seed < 300; seed++ {
		rnd := rand.New(rand.NewPCG(seed, 11))
		c, err := ParseConfig("config", resolverRandomConfig(rnd, 1+rnd.IntN(30)))
		if err != nil {
			t.Fatal(err)
		}
		names := append(c.Names(), "k0", "nope")
		rnd.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		resolverCompare(t, c, append(names, names...))
	}
}

// FuzzResolver: for any config, a shared Resolver answers as lone Resolves.
func FuzzResolver(f *testing.F) {
	for seed := uint64(0); seed < 4; seed++ {
		f.Add(resolverRandomConfig(rand.New(rand.NewPCG(seed, 5)), 6))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := ParseConfig("config", in)
		if err != nil {
			return
		}
		names := c.Names()
		for i := range names {
			names = append(names, names[len(names)-1-i])
		}
		resolverCompare(t, c, names)
	})
}

// Every profile of a 5,000-hop chain, loop or not, as acct list resolves them (one Resolver,
// Outline) and as Doctor does: a step per profile as the source of the ones above and one as the
// profile asked for, counted (a walk anew from each profile was n*n/2 steps).
func TestResolverEveryProfileIsLinear(t *testing.T) {
	const n = 5000
	steps := 0
	resolveStepHook = func() { steps++ }
	defer func() { resolveStepHook = nil }()
	for _, loop := range []bool{false, true} {
		c, err := ParseConfig("config", resolveLongChain(n, "source_profile", loop))
		if err != nil {
			t.Fatal(err)
		}
		steps = 0
		r := c.Resolver()
		for _, name := range c.Names() {
			ch, err := r.Outline(name)
			if loop != (err != nil) || !loop && (ch.Source != "p0" || ch.Roles != nil) {
				t.Fatalf("%s (loop %v): %+v, %v", name, loop, ch, err)
			}
		}
		if steps > 2*(n+1) {
			t.Errorf("list's resolution of a %d-hop chain (loop %v): %d steps, want at most %d", n, loop, steps, 2*(n+1))
		}
		steps = 0
		findings := Doctor(c, nil, nil)
		if loop && len(findings) != n+1 || !loop && len(findings) != 0 {
			t.Errorf("doctor (loop %v): %d findings", loop, len(findings))
		}
		if steps > 2*(n+1) {
			t.Errorf("doctor on a %d-hop chain (loop %v): %d steps, want at most %d", n, loop, steps, 2*(n+1))
		}
	}
}

// A long loop's error names its ends and how many profiles it leaves out, on one short line.
func TestResolverLongLoopMessage(t *testing.T) {
	t.Parallel()
	c, err := ParseConfig("config", resolveLongChain(20, "source_profile", true))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Resolve("p7")
	want := "config config line 34: profile p7: source_profile cycle p7 -> p6 -> p5 -> p4 -> p3 -> (11 more) -> p12 -> p11 -> p10 -> p9 -> p8 -> p7; point one of them at the profile whose keys acct keeps: source_profile cycle"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

// go test ./profiles -run '^$' -bench ResolverEveryProfile
func BenchmarkResolverEveryProfile(b *testing.B) {
	c, err := ParseConfig("config", resolveLongChain(5000, "source_profile", false))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		r := c.Resolver()
		for _, n := range c.Names() {
			if _, err := r.Outline(n); err != nil {
				b.Fatal(err)
			}
		}
	}
}
