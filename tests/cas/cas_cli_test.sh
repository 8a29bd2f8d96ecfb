#!/usr/bin/env bash
# End-to-end tests of the CAS and the owner's commands: a real LAS and real
# CAS processes on temporary directories and random loopback ports, the
# `coffer` CLI as an owner uses it, and a SIGKILL in the middle of
# concurrent session updates. Everything started is stopped on every exit.
# Usage: cas_cli_test.sh PATH/TO/coffer
set -uo pipefail
coffer=$(readlink -f "$1")
work=$(mktemp -d /tmp/coffer-cas-cli-XXXXXX)
pids=()
cleanup() {
  stop_started
  rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/../lib/expect.sh"
source "$(dirname "$0")/../lib/stack.sh"

export COFFER_CONFIG="$work/config"
unset COFFER_CAS_ADDR

start_las "$work/las"
platform=$las_id
export COFFER_LAS_ADDR="$work/las/las.sock"
start_cas cas1 "$work/cas" "$COFFER_LAS_ADDR"
expect "cas serve prints its address" 0 "127.0.0.1:" -- echo "$cas"
check_mode() { test "$(stat -c %a "$1")" = "$2"; }
expect "state file is 0600" 0 "" -- check_mode "$work/cas/cas-state.db" 600

expect "an unattested CAS is not trusted" 3 "coffer cas attest" -- \
  "$coffer" session list --cas "$cas"
expect "attest refuses simulation unless accepted" 3 "--accept-simulation" -- \
  "$coffer" cas attest "$cas"
expect "attest refuses another measurement" 3 "measurement" -- \
  "$coffer" cas attest "$cas" --accept-simulation --mrenclave "$(printf 'a%.0s' {1..64})"
expect "attest refuses another platform" 3 "platform" -- \
  "$coffer" cas attest "$cas" --accept-simulation --platform "$(printf 'b%.0s' {1..64})"
pins() { find "$COFFER_CONFIG" -name '*.pem' -path '*/cas/*' 2>/dev/null | wc -l; }
expect "failed attestations pin nothing" 0 "" -- test "$(pins)" -eq 0
expect "attest with the platform and simulation accepted" 0 "" -- \
  "$coffer" cas attest "$cas" --accept-simulation --platform "$platform"
expect "identity key is 0600" 0 "" -- check_mode "$COFFER_CONFIG/identity-key.pem" 600
export COFFER_CAS_ADDR=$cas
addr=$cas  # every later CAS listens here

cat >"$work/db.yml" <<'YAML'
name: $NAME
version: "0.3"
services:
  - name: server
    attestation: [{mrenclave: [$MRENCLAVE]}]
    platforms: [$PLATFORM]
    command: server --key=$$COFFER::db_key:hex$$
    environment: {LEVEL: "$LEVEL"}
secrets:
  - {name: db_key, kind: binary, size: 32}
  - {name: note, kind: ascii, value: "COFFER-MARKER-7f3a9c"}
security:
  attestation: {tolerate: [simulation]}
YAML
export MRENCLAVE=$("$coffer" measure --self) PLATFORM=$platform LEVEL=1
hash=$(NAME=db "$coffer" session create --name db --use-env "$work/db.yml")
expect "create prints the hash" 0 "" -- bash -c "[[ '$hash' =~ ^[0-9a-f]{64}$ ]]"
expect "create twice is refused" 1 "already exists" -- \
  env NAME=db "$coffer" session create --name db --use-env "$work/db.yml"
expect "a bad file is reported with file:line:column, CAS untouched" 2 "db-bad.yml:3:" -- \
  bash -c "printf 'name: db\nversion: \"0.3\"\nservices: 7\n' >'$work/db-bad.yml'; \
           '$coffer' session create --name bad '$work/db-bad.yml'"
cat >"$work/db-public.yml" <<'YAML'
name: public
version: "0.3"
secrets:
  - {name: k, kind: ascii, export: [{session: c, public_only: true}]}
YAML
expect "public_only on a secret without a public part is refused, CAS untouched" 2 \
  'db-public.yml:4:63: error: secret "k": public_only applies only to x509 and x509-ca secrets' -- \
  "$coffer" session create --name public "$work/db-public.yml"
expect "read shows the session as written" 0 "name: \$NAME" -- \
  "$coffer" session read db
expect "verify: the CAS holds exactly this file" 0 "" -- \
  env NAME=db "$coffer" session verify db --use-env "$work/db.yml"
expect "verify: another file differs" 1 "$hash" -- \
  env NAME=db LEVEL=2 "$coffer" session verify db --use-env "$work/db.yml"
expect "update without predecessor uses the current one and says so" 0 "$hash" -- \
  env NAME=db LEVEL=2 "$coffer" session update --name db --use-env "$work/db.yml"
expect "update with a stale predecessor is refused" 1 "predecessor" -- \
  env NAME=db LEVEL=3 "$coffer" session update --name db --predecessor "$hash" \
  --use-env "$work/db.yml"
expect "list" 0 "db" -- "$coffer" session list
other_config="$work/other-config"
expect "another identity cannot read it" 1 "access_policy" -- \
  bash -c "COFFER_CONFIG='$other_config' '$coffer' cas attest '$cas' --accept-simulation >/dev/null 2>&1 &&
           COFFER_CONFIG='$other_config' '$coffer' session read db"

expect "the explicit secret's marker is in no file of the CAS's directory" 1 "" -- \
  grep -r -a -q "COFFER-MARKER-7f3a9c" "$work/cas"
expect "audit log verifies" 0 "intact" -- "$coffer" cas audit verify "$work/cas/audit.log"
cp "$work/cas/audit.log" "$work/audit-copy.log"
sed -i '3s/session/sessiom/' "$work/audit-copy.log"
expect "a tampered audit log names the record" 1 "audit-copy.log:3" -- \
  "$coffer" cas audit verify "$work/audit-copy.log"

# Restart: clean SIGTERM, same identity and state.
kill -TERM "$cas_pid"
wait "$cas_pid"
stopped=$?
expect "SIGTERM stops the CAS cleanly" 0 "" -- test "$stopped" -eq 0
start_cas cas2 "$work/cas" "$COFFER_LAS_ADDR" "$addr"
expect "after a restart the pinned CAS still serves the session" 0 "name: \$NAME" -- \
  "$coffer" session read db

# Stolen state: the same directory under another platform's LAS.
start_las "$work/las-b"
kill -TERM "$cas_pid"; wait "$cas_pid"
start_cas stolen "$work/cas" "$work/las-b/las.sock" "$addr"
wait "$cas_pid"
stolen=$?
expect "the state cannot be opened on another platform" 0 \
  "sealed by another CAS build or on another platform" -- cat "$work/stolen.err"
expect "and the CAS exits 1" 0 "" -- test "$stolen" -eq 1

# Another CAS (new identity) on the same address: its certificate differs.
start_cas impostor "$work/cas-impostor" "$COFFER_LAS_ADDR" "$addr"
[[ -n $cas ]] || cat "$work/impostor.err"
expect "a CAS whose certificate changed is refused" 3 "attest" -- \
  "$coffer" session list
kill -TERM "$cas_pid"; wait "$cas_pid"

# Crash safety: SIGKILL in the middle of concurrent updates of 4 sessions.
start_cas cas3 "$work/cas" "$COFFER_LAS_ADDR" "$addr"
for i in 1 2 3 4; do
  NAME=s$i "$coffer" session create --name "s$i" --use-env "$work/db.yml" >/dev/null
done
updater() {
  local i=$1 level=1
  while true; do
    level=$((level + 1))
    echo "$level" >"$work/attempt.$i"
    h=$(NAME=s$i LEVEL=$level "$coffer" session update --name "s$i" --use-env "$work/db.yml" 2>/dev/null) || break
    echo "$level $h" >>"$work/acked.$i"
  done
}
updaters=()
for i in 1 2 3 4; do updater "$i" & updaters+=($!); pids+=($!); done
# The kill comes once every session has acknowledged updates (an event, not
# a time: a loaded machine may take seconds for the first), with the
# updaters still going.
three_acked_each() {
  local i
  for i in 1 2 3 4; do
    [[ $(cat "$work/acked.$i" 2>/dev/null | wc -l) -ge 3 ]] || return 1
  done
}
for _ in $(seq 1 1200); do three_acked_each && break; sleep 0.05; done
kill -KILL "$cas_pid"
wait "$cas_pid" 2>/dev/null
for pid in "${updaters[@]}"; do wait "$pid" 2>/dev/null; done
start_cas cas4 "$work/cas" "$COFFER_LAS_ADDR" "$addr"
acked_total=0
for i in 1 2 3 4; do
  acked_total=$((acked_total + $(wc -l <"$work/acked.$i" 2>/dev/null || echo 0)))
done
echo "note: $acked_total updates acknowledged before the SIGKILL"
expect "updates were acknowledged before the kill" 0 "" -- test "$acked_total" -ge 4
# Each session holds its last acknowledged update, or the one in flight
# when the CAS died (committed, never acknowledged); nothing else.
crash_check() {
  local i=$1 stored last_level last_hash attempt next_hash
  stored=$("$coffer" session read "s$i" 2>&1 >/dev/null | sed -n 's/^hash //p')
  read -r last_level last_hash < <(tail -n 1 "$work/acked.$i")
  attempt=$(cat "$work/attempt.$i")
  next_hash=$(NAME=s$i LEVEL=$attempt "$coffer" session check --use-env "$work/db.yml" | tail -n 1)
  [[ -n $stored && ( $stored == "$last_hash" || $stored == "$next_hash" ) ]]
}
for i in 1 2 3 4; do
  expect "after SIGKILL session s$i has its last acknowledged update" 0 "" -- crash_check "$i"
done
expect "the audit log is intact after the kill" 0 "intact" -- \
  "$coffer" cas audit verify "$work/cas/audit.log"

expect_summary
