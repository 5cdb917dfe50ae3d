#!/usr/bin/env bash
# Times acct on the path every command takes once a session is cached: `acct exec P -- true`
# against plain `true` (what acct adds to a command), and `acct credential-process P` (what every
# AWS tool pays per call with the credential-process style), with the encrypted file keyring and
# the fake STS of session/ststest (bench/ststest-serve). Needs hyperfine (Debian package).
# Usage: bash bench/commands.sh [hyperfine options]   (from anywhere; writes only to a temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
sts_pid=
cleanup() {
	[ -n "$sts_pid" ] && kill "$sts_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
# Built as .goreleaser.yaml builds the Linux release.
CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -ldflags="-s -w" -o "$work/acct" .
go build -o "$work/ststest-serve" ./bench/ststest-serve

export HOME="$work/home" AWS_CONFIG_FILE="$work/home/.aws/config" XDG_CONFIG_HOME="$work/home/.config" \
	XDG_STATE_HOME="$work/home/.state" XDG_DATA_HOME="$work/home/.local/share" \
	ACCT_KEYRING_BACKEND=file ACCT_FILE_PASSPHRASE="bench passphrase" NO_COLOR=1 AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN ACCT_MFA_TOKEN
mkdir -p "$HOME"

cat >"$work/acct.yaml" <<'YAML'
namespace: cpco
mode: organization
region: us-west-2
source_profile: cpco
mfa_serial: arn:aws:iam::323330167063:mfa/{user}
root:
  account: "323330167063"
stages:
  - name: prod
    account: "111111111111"
  - name: staging
    account: "222222222222"
YAML

"$work/ststest-serve" -account 323330167063 -user alice \
	arn:aws:iam::111111111111:role/OrganizationAccountAccessRole \
	arn:aws:iam::222222222222:role/OrganizationAccountAccessRole \
	arn:aws:iam::323330167063:role/cpco-root-admin >"$work/sts.env" &
sts_pid=$!
for _ in $(seq 100); do grep -q STS_READY "$work/sts.env" 2>/dev/null && break; sleep 0.05; done
# shellcheck disable=SC1091
. "$work/sts.env"
export AWS_ENDPOINT_URL_STS="$STS_URL"

acct="$work/acct"
"$acct" generate --layout "$work/acct.yaml" --user alice >/dev/null
AWS_ACCESS_KEY_ID="$STS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$STS_SECRET_ACCESS_KEY" "$acct" add cpco --env >/dev/null
# Warm the cache: the MFA session and the role's credentials.
ACCT_MFA_TOKEN="$STS_MFA_CODE" "$acct" exec cpco-staging-admin -- true

# BENCH_CMD runs instead of hyperfine, in the prepared environment (profiling: see docs/performance.md).
if [ -n "${BENCH_CMD:-}" ]; then eval "$BENCH_CMD"; exit; fi
hyperfine -N --warmup 5 --runs 100 "$@" \
	--command-name "true" "true" \
	--command-name "acct exec cpco-staging-admin -- true (cached)" "$acct exec cpco-staging-admin -- true" \
	--command-name "acct credential-process cpco-staging-admin (cached)" "$acct credential-process cpco-staging-admin" \
	--command-name "acct export cpco-staging-admin (cached)" "$acct export cpco-staging-admin"
