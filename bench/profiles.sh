#!/usr/bin/env bash
# Times whole acct commands on big inputs: `acct generate` for a layout of 10,000 profiles (3,333
# accounts with 3 roles each, and the root's), and `acct list` over a config of 10,000 profiles,
# then prints each command's peak memory (maximum resident set). Each is timed twice: answered
# from acct's cache of an earlier run with the same inputs (the usual case: nothing changed), and
# without it (XDG_CACHE_HOME pointing where no directory can be: the first run after a change).
# Needs hyperfine and GNU time (Debian packages hyperfine, time).
# Usage: bash bench/profiles.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Built as .goreleaser.yaml builds the Linux release.
CGO_ENABLED=0 go build -trimpath -tags urfave_cli_no_docs -ldflags="-s -w" -o "$work/acct" .

layout="$work/acct.yaml"
{
	echo "namespace: big"
	echo "mode: organization"
	echo "region: us-east-1"
	echo "root: {account: \"100000000000\"}"
	echo "stages:"
	for i in $(seq 1 3333); do
		printf '  - {name: s%d, account: "%012d", roles: {admin: Admin, readonly: ReadOnly, deploy: Deploy}}\n' "$i" $((200000000000 + i))
	done
} >"$layout"

config10k="$work/config10k"
{
	echo "# hand-written"
	for i in $(seq 1 10000); do
		printf '[profile p%d]\nregion=us-east-1\nrole_arn=arn:aws:iam::%012d:role/Admin\nsource_profile=base\n\n' "$i" $((300000000000 + i))
	done
} >"$config10k"

export HOME="$work" XDG_CONFIG_HOME="$work/.config" XDG_STATE_HOME="$work/.state" XDG_CACHE_HOME="$work/.cache"
nocache=/dev/null/cache
# The first run writes the block, the second finds nothing to change and is remembered; the timed
# runs then measure the cache's answer, or (without it) load + render + merge + the no-change check.
AWS_CONFIG_FILE="$work/config" "$work/acct" generate --layout "$layout" >/dev/null
AWS_CONFIG_FILE="$work/config" "$work/acct" generate --layout "$layout" >/dev/null
hyperfine --warmup 3 --runs "${RUNS:-30}" -N \
	--command-name "acct generate (10,000 profiles, no change)" \
	"env AWS_CONFIG_FILE=$work/config $work/acct generate --layout $layout" \
	--command-name "acct generate (10,000 profiles, no change, no cache)" \
	"env XDG_CACHE_HOME=$nocache AWS_CONFIG_FILE=$work/config $work/acct generate --layout $layout" \
	--command-name "acct generate --dry-run (10,000 profiles, new file)" \
	"env AWS_CONFIG_FILE=$work/new $work/acct generate --layout $layout --dry-run" \
	--command-name "acct list --no-keyring (10,000 profiles)" \
	"env AWS_CONFIG_FILE=$config10k $work/acct list --no-keyring" \
	--command-name "acct list --no-keyring (10,000 profiles, no cache)" \
	"env XDG_CACHE_HOME=$nocache AWS_CONFIG_FILE=$config10k $work/acct list --no-keyring"
for cache in "$XDG_CACHE_HOME" "$nocache"; do
	/usr/bin/time -f "peak %M KiB, %e s, cache $cache: acct generate (10,000 profiles, no change)" \
		env XDG_CACHE_HOME="$cache" AWS_CONFIG_FILE="$work/config" "$work/acct" generate --layout "$layout" >/dev/null
	/usr/bin/time -f "peak %M KiB, %e s, cache $cache: acct list --no-keyring (10,000 profiles)" \
		env XDG_CACHE_HOME="$cache" AWS_CONFIG_FILE="$config10k" "$work/acct" list --no-keyring >/dev/null
done
