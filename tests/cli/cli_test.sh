#!/usr/bin/env bash
# End-to-end tests of the coffer command line: the real executable, real
# files, exact outputs and exit codes. Usage: cli_test.sh PATH/TO/coffer
set -uo pipefail
coffer=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "${BASH_SOURCE[0]}")/../lib/expect.sh"

mr=$(printf 'a%.0s' {1..64})
vars=(-e DBSESSION=db-1 -e DBCLIENT=client-1 -e MARIADB_MRENCLAVE=$mr
      -e CLIENT_MRENCLAVE=$mr -e PLATFORMS=$mr)

expect "help lists the command groups" 0 "proxy" -- "$coffer" --help
for group in cas las session run measure quote proxy version; do
  expect "help of $group" 0 "$group" -- "$coffer" "$group" --help
done
expect "help of session check" 0 "--fail-on-warning" -- "$coffer" session check --help
expect "version" 0 "coffer 0.1.0" -- "$coffer" version
expect "no command is a usage error" 2 "coffer --help" -- "$coffer"
expect "unknown command" 2 "coffer --help" -- "$coffer" frobnicate
expect "proxy needs a subcommand" 2 "A subcommand is required" -- "$coffer" proxy
expect "proxy serve needs its configuration" 2 "--config" -- "$coffer" proxy serve

expect "valid session" 0 "is valid" -- \
  "$coffer" session check "${vars[@]}" tests/policy/mariadb_session.yml
hash=$(tail -n 1 "$work/out")
if [[ $hash =~ ^[0-9a-f]{64}$ ]]; then
  echo "ok   hash on the last line"; passed=$((passed + 1))
else
  echo "FAIL hash on the last line: $hash"; failed=$((failed + 1))
fi
expect "same hash however formatted" 0 "$hash" -- \
  "$coffer" session check "${vars[@]}" tests/policy/mariadb_session_reformatted.yml
DBSESSION=db-1 DBCLIENT=client-1 MARIADB_MRENCLAVE=$mr PLATFORMS=$mr \
  expect "--use-env" 0 "$hash" -- \
  "$coffer" session check --use-env tests/policy/mariadb_session.yml

expect "unset variable" 2 \
  "tests/policy/mariadb_session.yml:3:7: error: variable \$DBSESSION is not set" -- \
  "$coffer" session check tests/policy/mariadb_session.yml
expect "error count" 2 "tests/policy/mariadb_session.yml: 6 errors" -- \
  "$coffer" session check tests/policy/mariadb_session.yml

sed -e 's/kind: x509-ca/kind: x509ca/' -e 's/size: 32/size: 0/' tests/policy/mariadb_session.yml >"$work/bad.yml"
expect "every error in one run" 2 "$work/bad.yml: 2 errors" -- \
  "$coffer" session check "${vars[@]}" "$work/bad.yml"
grep -qF "$work/bad.yml:29:22: error: secret \"ca\" has unknown kind \"x509ca\"" "$work/err" \
  && { echo "ok   unknown kind reported too"; passed=$((passed + 1)); } \
  || { echo "FAIL unknown kind reported too"; cat "$work/err"; failed=$((failed + 1)); }

printf 'name: s\nversion: "0.3"\nvolumes: []\n' >"$work/warn.yml"
expect "warning keeps exit 0" 0 "$work/warn.yml:3:1: warning: \"volumes\"" -- \
  "$coffer" session check "$work/warn.yml"
expect "--fail-on-warning" 2 "$work/warn.yml:3:1: error: \"volumes\"" -- \
  "$coffer" session check --fail-on-warning "$work/warn.yml"
expect "missing file" 2 "cannot read $work/none.yml" -- \
  "$coffer" session check "$work/none.yml"
expect "malformed -e" 2 "write -e NAME=VALUE" -- \
  "$coffer" session check -e NOVALUE tests/policy/mariadb_session.yml
head -c 2000000 /dev/zero | tr '\0' 'a' >"$work/huge.yml"
expect "oversized file" 2 "larger than 1048576 bytes" -- \
  "$coffer" session check "$work/huge.yml"

expect_summary
