#!/usr/bin/env bash
# Recovery keys end to end (src/cas/recovery.h): a CAS made with three
# recovery officers and a threshold of two is lost with its machine; a copy
# of its directory does not open on another platform; a CAS there in
# recovery mode takes officers' shares, one share is not enough, two are,
# and it then serves the old state: the same sessions, and the
# confidential MariaDB of templates/mariadb/ reads its data with the same
# key.
# Usage: cas_recovery_test.sh PATH/TO/coffer
set -uo pipefail
coffer=$(readlink -f "$1")
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/coffer-cas-recovery-XXXXXX)
chmod 0755 "$work"
pids=()
cleanup() {
  stop_started_gently
  rm -rf "$work"
}
trap cleanup EXIT
source tests/lib/expect.sh
source tests/lib/stack.sh
source tests/lib/mariadb.sh

# lines_of FILE N: FILE has at least N lines.
lines_of() { [[ $(wc -l <"$1" 2>/dev/null || echo 0) -ge $2 ]]; }
# wait_lines FILE N PID: until FILE has N lines (0), or PID ended (1).
wait_lines() {
  for _ in $(seq 1 600); do
    lines_of "$1" "$2" && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

export COFFER_CONFIG="$work/owner"
start_las "$work/las"
export COFFER_LAS_ADDR="$work/las/las.sock"
start_las "$work/las2"
other_las="$work/las2/las.sock"
for i in 1 2 3 4; do
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/officer$i.pem" 2>/dev/null
  openssl pkey -in "$work/officer$i.pem" -pubout -out "$work/officer$i.pub" 2>/dev/null
done
owner=$("$coffer" cas whoami)
officers=(--recovery-officer "$work/officer1.pub" --recovery-officer "$work/officer2.pub"
  --recovery-officer "$work/officer3.pub")

# 1. A CAS with recovery keys: two of three officers can recover it.
expect "a threshold above the number of officers is refused" 2 "--recovery-threshold must be from 1 to" -- \
  "$coffer" cas serve --data "$work/cas-bad" --las "$COFFER_LAS_ADDR" --listen 127.0.0.1:0 \
  "${officers[@]}" --recovery-threshold 4
expect "and nothing was made" 0 "" -- test ! -e "$work/cas-bad/cas-state.db"
"$coffer" cas serve --data "$work/cas-a" --las "$COFFER_LAS_ADDR" --listen 127.0.0.1:0 \
  --owner "$owner" "${officers[@]}" --recovery-threshold 2 >"$work/a.out" 2>"$work/a.err" &
a_pid=$!
pids+=("$a_pid")
must "the CAS starts with three recovery officers" wait_lines "$work/a.out" 1 "$a_pid"
a=$(head -n 1 "$work/a.out")
expect "the shares are in recovery.json, one per officer, threshold 2" 0 "" -- bash -c \
  "test \$(jq '.shares | length' '$work/cas-a/recovery.json') = 3 &&
   test \$(jq .threshold '$work/cas-a/recovery.json') = 2"
expect "the audit log records the recovery keys" 0 '"type":"cas.recovery.keys"' -- cat "$work/cas-a/audit.log"
export COFFER_CAS_ADDR=$a
a_identity=$("$coffer" cas attest "$a" --accept-simulation | sed -n 's/^identity: //p')

# 2. The confidential MariaDB with data.
marker="Recovery-$RANDOM-Marker"
mariadb_with_marker "$marker"

# 3. The member is lost with its machine; a backup of its directory is left.
kill -KILL "$a_pid"
wait "$a_pid" 2>/dev/null
cp -a "$work/cas-a" "$work/backup"
rm -rf "$work/cas-a"
expect "the copy does not open on another platform" 1 "sealed by another CAS build or on another platform" -- \
  "$coffer" cas serve --data "$work/backup" --las "$other_las" --listen 127.0.0.1:0

# 4. Recovery there: one share is not enough, two are.
"$coffer" cas serve --data "$work/backup" --las "$other_las" --listen 127.0.0.1:0 --recover \
  >"$work/r.out" 2>"$work/r.err" &
r_pid=$!
pids+=("$r_pid")
must "the CAS starts in recovery mode" wait_lines "$work/r.out" 1 "$r_pid"
r=$(head -n 1 "$work/r.out")
recover() {
  "$coffer" cas recover --cas "$r" --key "$work/officer$1.pem" --shares "$work/backup/recovery.json" \
    --accept-simulation
}
expect "a key that is not an officer's gives nothing" 2 "is not one of the officers" -- recover 4
expect "the first officer gives a share" 0 "1 of 2" -- recover 1
expect "the same officer again does not count twice" 0 "1 of 2" -- recover 1
expect "with one share (k-1) the state stays closed: no CAS serves it" 1 "" -- lines_of "$work/r.out" 2
expect "the recovering CAS (attested) serves no session" 1 'no resource at "/v1/sessions"' -- bash -c \
  "'$coffer' cas attest '$r' --accept-simulation >/dev/null && '$coffer' session list --cas '$r'"
expect "the third officer gives a share: the CAS recovers" 0 "recovered its state" -- recover 3
must "then it serves the old state" wait_lines "$work/r.out" 2 "$r_pid"
b=$(sed -n 2p "$work/r.out")
expect "with the same certificate (identity)" 0 "identity: $a_identity" -- \
  "$coffer" cas attest "$b" --accept-simulation
export COFFER_CAS_ADDR=$b
expect "the session is unchanged" 0 "hash $session_hash" -- "$coffer" session read "$DBSESSION"
expect "the members: the lost one lost, this one serving" 0 "" -- bash -c \
  "'$coffer' cas members | grep -q '^  lost ' && '$coffer' cas members | grep -q 'serving  $b '"
expect "the audit log goes on, intact, and records the recovery" 0 "intact" -- \
  "$coffer" cas audit verify "$work/backup/audit.log"
expect "with the officers who recovered it" 0 '"type":"cas.recovered"' -- cat "$work/backup/audit.log"
must "MariaDB starts with the recovered CAS" start_db "$work/db2.log"
expect "the data written before the loss is there (same key)" 0 "$marker" -- \
  db_sql "SELECT v FROM t WHERE id = 1"
stop_db

expect_summary
