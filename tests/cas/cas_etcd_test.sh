#!/usr/bin/env bash
# Several CAS members on one state in etcd (src/cas/etcd_store.h), end to
# end: a real 3-member etcd cluster on loopback over TLS with client
# certificates; two members on two simulated platforms serving the same
# sessions; an unapproved platform and an unapproved build refused; etcd
# holding nothing readable; concurrent updates of one session through both
# members (one wins each round); SIGKILL of a member and of an etcd member
# in the middle of updates through both, with every acknowledged update
# present; a third member joining; provisioning through any member; the
# upgrade to an approved next build, the old members stopped; one audit
# chain for all members, exported and verified.
# Usage: cas_etcd_test.sh PATH/TO/coffer
set -uo pipefail
coffer=$(readlink -f "$1")
cd "$(dirname "$0")/../.."
for tool in etcd etcdctl openssl; do
  command -v "$tool" >/dev/null || { echo "FAIL $tool is not installed (make deps)"; exit 1; }
done
work=$(mktemp -d /tmp/coffer-cas-etcd-XXXXXX)
chmod 0755 "$work"
pids=()
cleanup() {
  stop_started_gently
  rm -rf "$work"
}
trap cleanup EXIT
source tests/lib/expect.sh
source tests/lib/stack.sh
source tests/lib/etcd.sh

# --- etcd: three members, TLS with client certificates on the client port
etcd_pki
must "a 3-member etcd cluster runs on loopback (TLS, client certificates)" \
  start_etcd_cluster

# start_member NAME DATA LAS [ARGS...]: `cas serve` on etcd; sets $member
# and $member_pid. 0 once it printed its address, 1 if it exited first.
start_member() {
  local name=$1 data=$2 las=$3
  shift 3
  "$bin" cas serve --data "$data" --las "$las" --listen 127.0.0.1:0 "${store_flags[@]}" "$@" \
    >"$work/$name.out" 2>"$work/$name.err" &
  member_pid=$!
  pids+=("$member_pid")
  member=""
  for _ in $(seq 1 600); do
    if [[ -s $work/$name.out ]]; then member=$(head -n 1 "$work/$name.out"); return 0; fi
    kill -0 "$member_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
bin=$coffer

export COFFER_CONFIG="$work/owner"
start_las "$work/las-a"; las_a="$work/las-a/las.sock" platform_a=$las_id
start_las "$work/las-b"; las_b="$work/las-b/las.sock" platform_b=$las_id
start_las "$work/las-c"; las_c="$work/las-c/las.sock" platform_c=$las_id
owner=$("$coffer" cas whoami)

# --- the first member makes the state
must "the first member makes the state in etcd" \
  start_member m1 "$work/m1" "$las_a" --owner "$owner"
m1=$member m1_pid=$member_pid
must "the owner attests it" "$coffer" cas attest "$m1" --accept-simulation
export COFFER_CAS_ADDR=$m1
expect "this member's state key is sealed in its directory, 0600" 0 "" -- \
  test "$(stat -c %a "$work/m1/etcd-member.key")" = 600
expect "etcd without a client certificate is refused" 3 "bad certificate" -- \
  "$coffer" cas serve --data "$work/x1" --las "$las_a" --listen 127.0.0.1:0 \
  --store "etcd://$endpoints" --etcd-ca "$pki/ca.crt"
expect "an etcd whose certificate is of another CA is refused" 1 "failed verification" -- \
  "$coffer" cas serve --data "$work/x2" --las "$las_a" --listen 127.0.0.1:0 \
  --store "etcd://$endpoints" --etcd-ca "$pki/other-ca.crt" \
  --etcd-cert "$pki/client.crt" --etcd-key "$pki/client.key"
expect "a --store that is not etcd://HOST:PORT,... is refused" 2 "is not HOST:PORT" -- \
  "$coffer" cas serve --data "$work/x4" --las "$las_a" --listen 127.0.0.1:0 \
  --store "etcd://127.0.0.1" --etcd-ca "$pki/ca.crt"
expect "a second member that does not join is refused" 1 "joins it with --join" -- \
  "$coffer" cas serve --data "$work/x3" --las "$las_b" --listen 127.0.0.1:0 "${store_flags[@]}"

# --- a second member on another platform: refused until approved
expect "a member on an unapproved platform does not join" 1 "" -- \
  start_member m2-refused "$work/m2" "$las_b" --join "$m1"
expect "it was told why" 0 "is not an approved platform" -- cat "$work/m2-refused.err"
expect "and holds no state key" 1 "" -- test -e "$work/m2/etcd-member.key"
must "the owner approves the second platform" "$coffer" cas approve --platform "$platform_b"
must "the second member joins on the approved platform" \
  start_member m2 "$work/m2" "$las_b" --join "$m1"
m2=$member m2_pid=$member_pid
expect "both members serve" 0 "serving  $m2" -- "$coffer" cas members
expect "the first is listed as serving too" 0 "serving  $m1" -- "$coffer" cas members
expect "both present the CAS's one identity" 0 "" -- \
  "$coffer" cas attest "$m2" --accept-simulation

# --- the same sessions through both members
cat >"$work/db.yml" <<'YAML'
name: $NAME
version: "0.3"
services:
  - name: show
    attestation: [{mrenclave: [$SH_MRENCLAVE]}]
    platforms: [$PLATFORM_A, $PLATFORM_B, $PLATFORM_C]
    command: [sh, -c, "echo level-$LEVEL-$$COFFER::note$$"]
secrets:
  - {name: db_key, kind: binary, size: 32}
  - {name: note, kind: ascii, value: "COFFER-MARKER-7f3a9c"}
security:
  attestation: {tolerate: [simulation]}
YAML
export SH_MRENCLAVE=$("$coffer" measure /bin/sh) LEVEL=1
export PLATFORM_A=$platform_a PLATFORM_B=$platform_b PLATFORM_C=$platform_c
hash=$(NAME=shared-db "$coffer" session create --name shared-db --use-env "$work/db.yml")
expect "a session made through the first member" 0 "" -- test -n "$hash"
expect "is read through the second" 0 "hash $hash" -- \
  env COFFER_CAS_ADDR="$m2" "$coffer" session read shared-db
expect "a service is provisioned through the second member" 0 "level-1-COFFER-MARKER-7f3a9c" -- \
  env COFFER_CAS_ADDR="$m2" COFFER_LAS_ADDR="$las_b" "$coffer" run --config-id shared-db/show
etcdctl_ get --prefix coffer/ >"$work/etcd-dump" 2>&1
expect "etcd holds the state" 0 "coffer/sessions/" -- cat "$work/etcd-dump"
expect "but no secret, no policy and no session name in clear" 1 "" -- \
  grep -a -e COFFER-MARKER -e shared-db -e SH_MRENCLAVE -e "$SH_MRENCLAVE" "$work/etcd-dump"

# --- concurrent updates of one session through both members
race() {  # race MEMBER TAG: 8 read-then-update rounds
  local addr=$1 tag=$2 n pred new
  for n in $(seq 1 8); do
    pred=$(COFFER_CAS_ADDR=$addr "$coffer" session read race 2>&1 >/dev/null | sed -n 's/^hash //p')
    new=$(NAME=race LEVEL="$tag-$n" COFFER_CAS_ADDR=$addr "$coffer" session update \
      --name race --predecessor "$pred" --use-env "$work/db.yml" 2>/dev/null) &&
      echo "$pred $new" >>"$work/race.$tag"
  done
}
NAME=race "$coffer" session create --name race --use-env "$work/db.yml" >/dev/null
race "$m1" one & r1=$!
race "$m2" two & r2=$!
pids+=("$r1" "$r2")
wait "$r1"; wait "$r2"
cat "$work"/race.* >"$work/race.all" 2>/dev/null
echo "note: $(wc -l <"$work/race.all") of 16 racing updates won"
expect "racing updates through both members were acknowledged" 0 "" -- test -s "$work/race.all"
expect "no predecessor was replaced twice (one winner per round)" 0 "" -- \
  test -z "$(cut -d' ' -f1 "$work/race.all" | sort | uniq -d)"
chain_ok() {  # the acknowledged updates form one chain ending at the stored hash
  local h stored
  h=$(cut -d' ' -f1 "$work/race.all" | sort | comm -23 - <(cut -d' ' -f2 "$work/race.all" | sort))
  [[ $(echo "$h" | wc -l) -eq 1 ]] || return 1
  while next=$(awk -v p="$h" '$1 == p { print $2 }' "$work/race.all") && [[ -n $next ]]; do h=$next; done
  stored=$("$coffer" session read race 2>&1 >/dev/null | sed -n 's/^hash //p')
  [[ $h == "$stored" ]]
}
expect "they form one chain that ends at the stored session" 0 "" -- chain_ok

# --- SIGKILL of a member and of an etcd member during updates through both
for i in 1 2 3 4; do
  NAME=s$i "$coffer" session create --name "s$i" --use-env "$work/db.yml" >/dev/null
done
updater() {  # updater I MEMBER
  local i=$1 level=1 h
  while true; do
    level=$((level + 1))
    echo "$level" >"$work/attempt.$i"
    h=$(NAME=s$i LEVEL=$level COFFER_CAS_ADDR=$2 "$coffer" session update --name "s$i" \
      --use-env "$work/db.yml" 2>>"$work/updater.$i.err") || break
    echo "$level $h" >>"$work/acked.$i"
  done
}
updaters=()
updater 1 "$m1" & updaters+=($!)
updater 2 "$m1" & updaters+=($!)
updater 3 "$m2" & u3=$!
updater 4 "$m2" & u4=$!
pids+=("${updaters[@]}" "$u3" "$u4")
acked() { cat "$work/acked.$1" 2>/dev/null | wc -l; }
all_acked() {
  local i
  for i in 1 2 3 4; do [[ $(acked "$i") -ge "$1" ]] || return 1; done
}
for _ in $(seq 1 1200); do all_acked 3 && break; sleep 0.05; done
kill -KILL "$m1_pid" "${etcd_pid[e1]}"
wait "$m1_pid" "${etcd_pid[e1]}" 2>/dev/null
for pid in "${updaters[@]}"; do wait "$pid" 2>/dev/null; done
before3=$(acked 3) before4=$(acked 4)
for _ in $(seq 1 1200); do
  [[ $(acked 3) -ge $((before3 + 3)) && $(acked 4) -ge $((before4 + 3)) ]] && break
  kill -0 "$u3" 2>/dev/null || break
  sleep 0.05
done
expect "updates through the other member go on without the killed member and etcd member" 0 "" -- \
  test "$(acked 3)" -ge $((before3 + 3)) -a "$(acked 4)" -ge $((before4 + 3))
kill -TERM "$u3" "$u4" 2>/dev/null; wait "$u3" "$u4" 2>/dev/null
expect "provisioning goes on through the other member" 0 "COFFER-MARKER-7f3a9c" -- \
  env COFFER_CAS_ADDR="$m2" COFFER_LAS_ADDR="$las_b" "$coffer" run --config-id shared-db/show
expect "the runtime given both members goes on to the live one" 0 "COFFER-MARKER-7f3a9c" -- \
  env COFFER_LAS_ADDR="$las_b" "$coffer" run --cas "$m1,$m2" --config-id shared-db/show
expect "and so does the CLI" 0 "hash $hash" -- \
  env COFFER_CAS_ADDR="$m1,$m2" "$coffer" session read shared-db
start_etcd e1 existing
must "the killed member restarts on its directory" start_member m1b "$work/m1" "$las_a"
m1=$member m1_pid=$member_pid
export COFFER_CAS_ADDR=$m1
"$coffer" cas attest "$m1" --accept-simulation >/dev/null 2>&1
crash_check() {  # the last acknowledged update, or the one in flight
  local i=$1 stored last_level last_hash attempt next_hash
  stored=$(COFFER_CAS_ADDR=$2 "$coffer" session read "s$i" 2>&1 >/dev/null | sed -n 's/^hash //p')
  read -r last_level last_hash < <(tail -n 1 "$work/acked.$i")
  attempt=$(cat "$work/attempt.$i")
  next_hash=$(NAME=s$i LEVEL=$attempt "$coffer" session check --use-env "$work/db.yml" | tail -n 1)
  [[ -n $stored && ( $stored == "$last_hash" || $stored == "$next_hash" ) ]]
}
for i in 1 2 3 4; do
  expect "session s$i holds its last acknowledged update, seen from the restarted member" 0 "" -- \
    crash_check "$i" "$m1"
  expect "and from the other" 0 "" -- crash_check "$i" "$m2"
done

# --- a third member; an unapproved build
mkdir -p "$work/next"
cp "$coffer" "$work/next/coffer"; printf '\n' >>"$work/next/coffer"
start_las "$work/las-n" --runtime "$work/next/coffer"
platform_n=$las_id
bin=$work/next/coffer
expect "an unapproved build (one byte more) does not join" 1 "" -- \
  start_member unapproved "$work/mx" "$work/las-n/las.sock" --join "$m2"
expect "it was told why" 0 "is not an approved CAS build" -- cat "$work/unapproved.err"
bin=$coffer
must "the owner approves a third platform" "$coffer" cas approve --platform "$platform_c"
must "a third member joins" start_member m3 "$work/m3" "$las_c" --join "$m2"
m3=$member m3_pid=$member_pid
"$coffer" cas attest "$m3" --accept-simulation >/dev/null 2>&1
expect "it serves the same sessions" 0 "shared-db" -- \
  env COFFER_CAS_ADDR="$m3" "$coffer" session list
expect "and provisions them on its platform" 0 "COFFER-MARKER-7f3a9c" -- \
  env COFFER_CAS_ADDR="$m3" COFFER_LAS_ADDR="$las_c" "$coffer" run --config-id shared-db/show
expect "three members serve" 0 "serving  $m3" -- "$coffer" cas members

# --- the upgrade: approve the next build, join it, stop the old members
next=$work/next/coffer
next_measurement=$("$next" measure --self)
must "the owner approves the next build" "$coffer" cas approve --mrenclave "$next_measurement"
must "and the platform it starts on" "$coffer" cas approve --platform "$platform_n"
bin=$next
must "the next build joins" start_member next "$work/mn" "$work/las-n/las.sock" --join "$m3"
mn=$member
bin=$coffer
kill -TERM "$m1_pid" "$m2_pid" "$m3_pid"
wait "$m1_pid" "$m2_pid" "$m3_pid" 2>/dev/null
must "the owner attests the next build" "$next" cas attest "$mn" --accept-simulation
expect "every session is there after the old members stopped" 0 "hash $hash" -- \
  env COFFER_CAS_ADDR="$mn" "$next" session read shared-db
expect "and services are provisioned by the next build" 0 "COFFER-MARKER-7f3a9c" -- \
  env COFFER_CAS_ADDR="$mn" COFFER_LAS_ADDR="$las_b" \
  "$coffer" run --cas-mrenclave "$next_measurement" --config-id shared-db/show

# --- one audit log for all members
expect "the members keep no audit file of their own" 1 "" -- test -e "$work/m2/audit.log"
COFFER_CAS_ADDR=$mn "$next" cas audit export >"$work/audit.jsonl" 2>"$work/export.err"
expect "an owner exports the members' one audit chain" 0 "" -- test -s "$work/audit.jsonl"
expect "it verifies as one chain, every record signed with the CAS's key" 0 "intact" -- \
  "$coffer" cas audit verify "$work/audit.jsonl"
expect "with the records of every member: the shares of the state key" 0 "" -- \
  test "$(grep -c '"type":"cas.join.share"' "$work/audit.jsonl")" -ge 3
expect "each member's start" 0 "" -- \
  test "$(grep -c '"type":"log.reopen"' "$work/audit.jsonl")" -ge 4
expect "and the updates through both members" 0 "" -- \
  test "$(grep -c '"type":"session.update"' "$work/audit.jsonl")" -ge 20
expect "a caller who is not an owner cannot export it" 1 "only the CAS's owners" -- \
  env COFFER_CONFIG="$work/stranger" COFFER_CAS_ADDR="$mn" bash -c \
  '"$0" cas attest "$COFFER_CAS_ADDR" --accept-simulation >/dev/null 2>&1; "$0" cas audit export' "$next"
tail -n 1 "$work/audit.jsonl" >"$work/audit-tail"
sed '$d' "$work/audit.jsonl" >"$work/audit-cut.jsonl"
sed -i '5d' "$work/audit-cut.jsonl"
expect "a record taken out of the exported chain is found" 1 "record" -- \
  "$coffer" cas audit verify "$work/audit-cut.jsonl"

expect_summary
