#!/usr/bin/env bash
# A CAS upgrade end to end (src/cas/handover.h): the owners approve the
# next coffer build, it joins the running CAS with an empty data directory
# and takes the state over, the old build retires; every session, secret
# and certificate stays, and the confidential MariaDB of templates/mariadb/
# restarts with the same key on its data. Unapproved builds and platforms,
# and callers who are not owners, get nothing.
# The next build is this coffer with one byte appended: another
# measurement that still runs.
# Usage: cas_upgrade_test.sh PATH/TO/coffer
set -uo pipefail
coffer_a=$(readlink -f "$1")
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/coffer-cas-upgrade-XXXXXX)
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

mkdir -p "$work/next"
cp "$coffer_a" "$work/next/coffer"
printf '\n' >>"$work/next/coffer"
coffer_b="$work/next/coffer"
coffer=$coffer_a

# start_member NAME BINARY DATA LAS LISTEN [ARGS...]: `cas serve`; sets
# $member and $member_pid. 0 once it printed its address, 1 if it exited
# first.
start_member() {
  local name=$1 bin=$2 data=$3 las=$4 listen=$5
  shift 5
  "$bin" cas serve --data "$data" --las "$las" --listen "$listen" "$@" \
    >"$work/$name.out" 2>"$work/$name.err" &
  member_pid=$!
  pids+=("$member_pid")
  member=""
  for _ in $(seq 1 600); do
    if [[ -s $work/$name.out ]]; then
      member=$(head -n 1 "$work/$name.out")
      return 0
    fi
    kill -0 "$member_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

export COFFER_CONFIG="$work/owner"
# The LASes serve the next build's runtime too (an upgrade restarts them
# so; docs/operations.md).
start_las "$work/las" --runtime "$coffer_b"
export COFFER_LAS_ADDR="$work/las/las.sock"
start_las "$work/las2" --runtime "$coffer_b"
other_las="$work/las2/las.sock"
owner=$("$coffer_a" cas whoami)
a_measurement=$("$coffer_a" measure --self)
b_measurement=$("$coffer_b" measure --self)
expect "the next build has another measurement" 0 "" -- test "$a_measurement" != "$b_measurement"

# 1. The CAS with an owner; only owners see and change its governance.
must "the CAS starts with an owner" \
  start_member a "$coffer_a" "$work/cas-a" "$COFFER_LAS_ADDR" 127.0.0.1:0 --owner "$owner"
a=$member a_pid=$member_pid
export COFFER_CAS_ADDR=$a
must "the owner attests it" "$coffer_a" cas attest "$a" --accept-simulation
a_identity=$("$coffer_a" cas attest "$a" --accept-simulation | sed -n 's/^identity: //p')
expect "the owner lists the members: the owner, this build and platform approved" 0 "$owner" -- \
  "$coffer_a" cas members
expect "this member serves, with its build" 0 "serving  $a  build $a_measurement" -- "$coffer_a" cas members
stranger() { COFFER_CONFIG="$work/stranger" "$coffer_a" "$@"; }
stranger cas attest "$a" --accept-simulation >/dev/null
expect "a caller who is not an owner cannot approve a build" 1 "only the CAS's owners may approve" -- \
  stranger cas approve --mrenclave "$b_measurement"
expect "nor list the members" 1 "only the CAS's owners" -- stranger cas members
expect "approve needs exactly one of --mrenclave and --platform" 2 "exactly one" -- \
  "$coffer_a" cas approve
expect "a measurement that is not hex is refused, saying what it must be" 1 "64 (or 96 for TDX) hex digits" -- \
  "$coffer_a" cas approve --mrenclave nothex
kill -TERM "$a_pid"; wait "$a_pid" 2>/dev/null
expect "a restart that names other owners is refused" 1 "owners are fixed" -- \
  "$coffer_a" cas serve --data "$work/cas-a" --las "$COFFER_LAS_ADDR" --listen 127.0.0.1:0 \
  --owner "$(stranger cas whoami)"
must "the CAS starts again on its state (same address: the pin holds)" \
  start_member a "$coffer_a" "$work/cas-a" "$COFFER_LAS_ADDR" "$a"
a=$member a_pid=$member_pid

# 2. The confidential MariaDB with data, on the old CAS.
marker="Upgrade-$RANDOM-Marker"
mariadb_with_marker "$marker"

# 3. Builds and platforms that are not approved get nothing.
mkdir -p "$work/cas-b"
expect "an unapproved build cannot join" 1 "not an approved CAS build" -- \
  "$coffer_b" cas serve --data "$work/cas-b" --las "$COFFER_LAS_ADDR" --listen 127.0.0.1:0 --join "$a"
expect "and received no state" 0 "" -- test ! -s "$work/cas-b/cas-state.db" -a ! -e "$work/cas-b/audit.log"
expect "the refusal is in the old CAS's audit log" 0 "cas.join.refused" -- cat "$work/cas-a/audit.log"
mkdir -p "$work/cas-same"
expect "another member of the same build on the same platform cannot join" 1 "holds the state already" -- \
  "$coffer_a" cas serve --data "$work/cas-same" --las "$COFFER_LAS_ADDR" --listen 127.0.0.1:0 --join "$a"
expect "the old CAS serves on" 0 "$DBSESSION" -- "$coffer_a" session list
expect "the owner approves the next build" 0 "approved CAS build" -- \
  "$coffer_a" cas approve --mrenclave "$b_measurement"
expect "the approval is in the audit log" 0 "cas.approve" -- cat "$work/cas-a/audit.log"
mkdir -p "$work/cas-x"
expect "an approved build on an unapproved platform cannot join" 1 "not an approved platform" -- \
  "$coffer_b" cas serve --data "$work/cas-x" --las "$other_las" --listen 127.0.0.1:0 --join "$a"
expect "and received no state" 0 "" -- test ! -s "$work/cas-x/cas-state.db"

# 4. The upgrade: the next build joins and takes the state; the old retires.
must "the approved build joins on an approved platform" \
  start_member b "$coffer_b" "$work/cas-b" "$COFFER_LAS_ADDR" 127.0.0.1:0 --join "$a"
b=$member b_pid=$member_pid
expect "the old CAS refuses requests and names its successor" 3 "retired; use that member" -- \
  "$coffer_a" session list
kill -TERM "$a_pid"; wait "$a_pid" 2>/dev/null
expect "restarted, the old CAS refuses to serve its handed-over state" 1 "it is retired" -- \
  "$coffer_a" cas serve --data "$work/cas-a" --las "$COFFER_LAS_ADDR" --listen 127.0.0.1:0
expect "the owner attests the new member: the same certificate (identity)" 0 "identity: $a_identity" -- \
  "$coffer_b" cas attest "$b" --accept-simulation
export COFFER_CAS_ADDR=$b
expect "the session is unchanged" 0 "hash $session_hash" -- "$coffer_b" session read "$DBSESSION"
expect "the members: the old build retired, the new one serving" 0 "" -- bash -c \
  "'$coffer_b' cas members | grep -q 'retired  .*build $a_measurement' &&
   '$coffer_b' cas members | grep -q 'serving  $b  build $b_measurement'"
expect "the new member's audit log goes on from the old one's, intact" 0 "intact" -- \
  "$coffer_b" cas audit verify "$work/cas-b/audit.log"
expect "and records the handover's export and the join" 0 "" -- bash -c \
  "grep -q '\"type\":\"cas.join.export\"' '$work/cas-b/audit.log' &&
   grep -q '\"type\":\"cas.join\"' '$work/cas-b/audit.log'"
expect "the old member's log records the handover" 0 '"type":"cas.handover"' -- cat "$work/cas-a/audit.log"

# 5. MariaDB restarts with the same key on its data. Its runtime is the
# old coffer (the services' measurements include it), told to trust the
# new CAS build.
cat >"$work/coffer-a-trusting-b" <<SH
#!/usr/bin/env bash
if [[ \$1 == run ]]; then shift; exec "$coffer_a" run --cas-mrenclave "$b_measurement" "\$@"; fi
exec "$coffer_a" "\$@"
SH
chmod +x "$work/coffer-a-trusting-b"
coffer="$work/coffer-a-trusting-b"
must "MariaDB starts under the new CAS" start_db "$work/db2.log"
expect "the data written before the upgrade is there" 0 "$marker" -- db_sql "SELECT v FROM t WHERE id = 1"
stop_db

expect_summary
