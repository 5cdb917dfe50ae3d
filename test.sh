#!/usr/bin/env bash
# Sets up what acct's tests drive (the Debian AWS CLI, bash, zsh, fish, tmux, D-Bus and
# gnome-keyring, kubectl, botocore) and runs every test: go vet, then go test -race.
# As root on Debian it installs what is missing; elsewhere it names the packages in one line and
# runs anyway. A test whose tool is missing fails when CI is set and is skipped elsewhere; the
# run then ends with one line listing what was not tested.
set -uo pipefail
cd "$(dirname "$0")"
export PATH="/usr/local/go/bin:$PATH"

# program:package pairs; kubectl may come with the machine image, else Debian's kubernetes-client.
needs="aws:awscli tmux:tmux zsh:zsh fish:fish bash:bash dbus-run-session:dbus
	gnome-keyring-daemon:gnome-keyring dbus-launch:dbus-x11 kubectl:kubernetes-client git:git unshare:util-linux"
missing=""
for pair in $needs; do
	prog=${pair%%:*} pkg=${pair#*:}
	case $prog in aws) [ -x /usr/bin/aws ] && continue ;; *) command -v "$prog" >/dev/null 2>&1 && continue ;; esac
	missing="$missing $pkg"
done
/usr/bin/python3 -c 'import botocore' >/dev/null 2>&1 || missing="$missing python3-botocore"
[ -e /etc/ssl/certs/ca-certificates.crt ] || missing="$missing ca-certificates"
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "test.sh: installing$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
			{ echo "test.sh: apt-get install$missing failed" >&2; exit 1; }
	else
		echo "test.sh: not installed:$missing (sudo apt-get install$missing); their tests will be skipped"
	fi
fi

ACCT_TEST_SKIPS=$(mktemp)
export ACCT_TEST_SKIPS
trap 'rm -f "$ACCT_TEST_SKIPS"' EXIT
# The command package alone takes minutes under -race on a loaded machine: past go test's
# default 10m a package is killed mid-run.
# go vet with -race reads the packages go test -race compiles: from a cold build cache, one compile
# of every dependency instead of two.
# The benchmarks build only with the tag bench (bench/doc.go): vetted here, run by hand.
go vet -race ./... && go vet -race -tags bench ./bench/ && go test -race -timeout 25m "$@" ./...
status=$?
if [ -s "$ACCT_TEST_SKIPS" ]; then
	tests=$(cut -f1 "$ACCT_TEST_SKIPS" | sort -u | wc -l)
	what=$(cut -f2 "$ACCT_TEST_SKIPS" | sort -u | paste -sd, - | sed 's/,/, /g')
	pkgs=$(cut -f3 "$ACCT_TEST_SKIPS" | grep -v '^$' | sort -u | paste -sd' ' -)
	echo "test.sh: $tests tests skipped, missing: $what (apt-get install $pkgs)"
fi
exit $status
