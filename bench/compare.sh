#!/usr/bin/env bash
# Times a warm acct against a warm aws-vault, side by side in hyperfine runs per config size:
# `exec P -- true` and `credential-process P` of acct, `exec P -- true` and `exec --json P` (its
# credential_process form) of aws-vault, and `true`, on configs of 6, 3,000 and 10,000 profiles.
# Both tools use their encrypted file keyring and hold the same role's credentials, cached from
# the same fake STS (bench/ststest-serve), so no run makes an STS call. Prints medians and ratios.
#
# aws-vault comes from AWS_VAULT_BIN; without it the script says so and times acct alone. Build it
# from a snapshot of github.com/99designs/aws-vault (`go install` through the module proxy may be
# refused; v7.2.0-7-ge22aea1 made the figures in docs/performance.md), outside this repository:
#
#	git clone https://github.com/99designs/aws-vault /tmp/aws-vault-src   # or any snapshot of it
#	(cd /tmp/aws-vault-src && CGO_ENABLED=0 go build -trimpath -o /tmp/aws-vault .)   # as its Linux release
#	AWS_VAULT_BIN=/tmp/aws-vault bash bench/compare.sh
#
# aws-vault builds its STS client without the SDK's shared config, so AWS_ENDPOINT_URL_STS does
# not reach it: to warm its cache it is given HTTPS_PROXY and SSL_CERT_FILE naming ststest-serve's
# proxy, which answers only CONNECT to sts*.amazonaws.com, on 127.0.0.1, with the fake STS. The
# timed runs make no network call at all. A private D-Bus session bus is started for the run (a
# desktop has one), else aws-vault's keyring library would autolaunch a bus on every run.
#
# ACCT_BASE_BIN names another acct build (an older commit) to time in the same runs, for
# before/after figures taken under the same load.
#
# Usage: [AWS_VAULT_BIN=...] [ACCT_BASE_BIN=...] [RUNS=30] [ROUNDS=5] bash bench/compare.sh   (writes only to a temp dir)
# Needs hyperfine, dbus-daemon and /usr/bin/python3 (Debian packages hyperfine, dbus, python3).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-30}
rounds=${ROUNDS:-5}
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
# Built as .goreleaser.yaml builds the Linux release.
CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -ldflags="-s -w" -o "$work/acct" .
go build -o "$work/ststest-serve" ./bench/ststest-serve
acct="$work/acct"
vault=${AWS_VAULT_BIN:-}
if [ -n "$vault" ] && [ ! -x "$vault" ]; then
	echo "compare.sh: AWS_VAULT_BIN=$vault is not an executable" >&2
	exit 2
fi
[ -n "$vault" ] || echo "compare.sh: AWS_VAULT_BIN not set: timing acct alone (see this script's header to build aws-vault)"

export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_STATE_HOME="$work/home/.state" \
	XDG_DATA_HOME="$work/home/.local/share" NO_COLOR=1 AWS_EC2_METADATA_DISABLED=true \
	ACCT_KEYRING_BACKEND=file ACCT_FILE_PASSPHRASE="bench passphrase" \
	AWS_VAULT_BACKEND=file AWS_VAULT_FILE_PASSPHRASE="bench passphrase" AWS_VAULT_FILE_DIR="$work/home/.awsvault/keys"
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN ACCT_MFA_TOKEN \
	AWS_VAULT HTTPS_PROXY https_proxy HTTP_PROXY http_proxy
mkdir -p "$HOME/.aws"

bus=$(dbus-daemon --session --fork --print-address=1 --print-pid=1)
export DBUS_SESSION_BUS_ADDRESS=${bus%%$'\n'*}
pids+=("${bus##*$'\n'}")

"$work/ststest-serve" -ca "$work/ca.pem" arn:aws:iam::222222222222:role/OrganizationAccountAccessRole >"$work/sts.env" &
pids+=($!)
for _ in $(seq 100); do grep -q STS_READY "$work/sts.env" 2>/dev/null && break; sleep 0.05; done
# shellcheck disable=SC1091
. "$work/sts.env"
export AWS_ENDPOINT_URL_STS="$STS_URL"

# config N: N profiles. A layout of 1 + S stages with 3 roles each (cpco-staging-admin in the
# middle of the file), the source profile cpco by hand, padded with hand-written profiles.
config() {
	local n=$1 s=$(( ($1 - 3) / 3 )) f="$work/config$1" i
	{
		printf 'namespace: cpco\nmode: organization\nregion: us-west-2\nsource_profile: cpco\n'
		printf 'mfa_serial: arn:aws:iam::323330167063:mfa/alice\n'
		printf 'root: {account: "323330167063", roles: {admin: cpco-root-admin, readonly: cpco-root-readonly}}\nstages:\n'
		for i in $(seq 1 "$s"); do
			[ "$i" = $(( (s + 1) / 2 )) ] && name=staging account=222222222222 || name=s$i account=$(printf '%012d' $((500000000000 + i)))
			printf '  - {name: %s, account: "%s", roles: {admin: OrganizationAccountAccessRole, readonly: ReadOnly, deploy: Deploy}}\n' "$name" "$account"
		done
	} >"$work/layout$n.yaml"
	{
		printf '[profile cpco]\nregion=us-west-2\n\n'
		for i in $(seq 1 $((n - 3 - 3 * s))); do printf '[profile hand%d]\nregion=eu-west-1\n\n' "$i"; done
	} >"$f"
	AWS_CONFIG_FILE="$f" "$acct" generate --layout "$work/layout$n.yaml" >/dev/null
	[ "$(grep -c '^\[profile ' "$f")" = "$n" ] || { echo "compare.sh: config$n does not hold $n profiles" >&2; exit 1; }
}
for n in 6 3000 10000; do config "$n"; done

# Warm both caches with the same role: the MFA session, then the role's credentials. Each tool
# gets its own MFA code (the fake STS, like AWS, refuses a code used twice).
export AWS_CONFIG_FILE="$work/config6"
AWS_ACCESS_KEY_ID="$STS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$STS_SECRET_ACCESS_KEY" "$acct" add cpco --env >/dev/null
ACCT_MFA_TOKEN="$STS_MFA_CODE" "$acct" exec cpco-staging-admin -- true
if [ -n "$vault" ]; then
	AWS_ACCESS_KEY_ID="$STS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$STS_SECRET_ACCESS_KEY" "$vault" add cpco --env >/dev/null
	HTTPS_PROXY="$STS_PROXY_URL" SSL_CERT_FILE="$STS_CA_FILE" "$vault" exec --mfa-token "$STS_MFA_CODE2" cpco-staging-admin -- true
fi

if [ -n "${ACCT_BASE_BIN:-}" ] && ! "$ACCT_BASE_BIN" credential-process cpco-staging-admin >/dev/null; then
	echo "compare.sh: $ACCT_BASE_BIN does not find acct's cached credentials (another cache format?)" >&2
	exit 1
fi

for n in 6 3000 10000; do
	export AWS_CONFIG_FILE="$work/config$n"
	cmds=(--command-name "true" "true"
		--command-name "acct exec" "$acct exec cpco-staging-admin -- true"
		--command-name "acct credential-process" "$acct credential-process cpco-staging-admin")
	[ -n "${ACCT_BASE_BIN:-}" ] && cmds+=(--command-name "base acct exec" "$ACCT_BASE_BIN exec cpco-staging-admin -- true"
		--command-name "base acct credential-process" "$ACCT_BASE_BIN credential-process cpco-staging-admin")
	[ -n "$vault" ] && cmds+=(--command-name "aws-vault exec" "$vault exec cpco-staging-admin -- true"
		--command-name "aws-vault exec --json" "$vault exec --json cpco-staging-admin")
	echo "== config of $n profiles ($(wc -c <"$AWS_CONFIG_FILE") bytes); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
	# hyperfine times one command's runs, then the next's: in rounds, a change in the machine's
	# speed during the run (this VM's varies by a third from one minute to the next) falls on
	# every command alike instead of on whichever ran then.
	for r in $(seq "$rounds"); do
		hyperfine -N --warmup 2 --runs "$(( (runs + rounds - 1) / rounds ))" --style none \
			--export-json "$work/h$n-$r.json" "${cmds[@]}" >/dev/null
	done
done

/usr/bin/python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
med, cpu = {}, {}
for n in (6, 3000, 10000):
    times, cpus = {}, {}
    for k in range(1, rounds + 1):
        for r in json.load(open(f"{work}/h{n}-{k}.json"))["results"]:
            times.setdefault(r["command"], []).extend(r["times"])
            cpus.setdefault(r["command"], []).append(r["user"] + r["system"])
    for c in times:
        med[n, c] = statistics.median(times[c]) * 1000
        cpu[n, c] = statistics.mean(cpus[c]) * 1000
names = ("true", "acct exec", "acct credential-process", "base acct exec", "base acct credential-process",
         "aws-vault exec", "aws-vault exec --json")
for title, t in (("median wall, ms", med), ("mean CPU (user+sys), ms", cpu)):
    print(f"{title:<28}" + "".join(f"{n:>10}" for n in (6, 3000, 10000)))
    for c in names:
        if (6, c) in t:
            print(f"{c:<28}" + "".join(f"{t[n, c]:>10.1f}" for n in (6, 3000, 10000)))
print("ratios of medians")
def row(label, f):
    print(f"{label:<28}" + "".join(f"{f(n):>10.2f}" for n in (6, 3000, 10000)))
row("acct exec - true", lambda n: med[n, "acct exec"] - med[n, "true"])
row("acct c-p - true", lambda n: med[n, "acct credential-process"] - med[n, "true"])
if (6, "aws-vault exec") in med:
    row("acct exec / aws-vault exec", lambda n: med[n, "acct exec"] / med[n, "aws-vault exec"])
    row("acct c-p / aws-vault exec", lambda n: med[n, "acct credential-process"] / med[n, "aws-vault exec"])
row("acct exec / at 6 profiles", lambda n: med[n, "acct exec"] / med[6, "acct exec"])
row("acct c-p / at 6 profiles", lambda n: med[n, "acct credential-process"] / med[6, "acct credential-process"])
PY
