#!/usr/bin/env bash
# End-to-end tests of `coffer las` and `coffer measure`: real LAS processes
# on temporary data directories, stopped on every exit.
# Usage: las_cli_test.sh PATH/TO/coffer
set -uo pipefail
coffer=$(readlink -f "$1")
work=$(mktemp -d /tmp/coffer-las-cli-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }

# start_las NAME DATA_DIR: runs `coffer las serve` in the background and
# waits until it prints its platform ID; sets $las_pid and $las_id.
start_las() {
  local name=$1 data=$2
  "$coffer" las serve --data "$data" >"$work/$name.out" 2>"$work/$name.err" &
  las_pid=$!
  pids+=("$las_pid")
  for _ in $(seq 1 300); do
    if [[ -s "$work/$name.out" && -S "$data/las.sock" ]]; then break; fi
    if ! kill -0 "$las_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  las_id=$(head -n 1 "$work/$name.out")
}

# stop_las PID: SIGTERM, then wait for a clean exit.
stop_las() {
  kill -TERM "$1"
  wait "$1"
}

is_hex64() { [[ $1 =~ ^[0-9a-f]{64}$ ]]; }

start_las a "$work/a"
a_pid=$las_pid a_id=$las_id
check "platform ID is 64 hex digits" is_hex64 "$a_id"
check "data directory is 0700" test "$(stat -c %a "$work/a")" = 700
check "platform key is 0600" test "$(stat -c %a "$work/a/platform-key.pem")" = 600
check "sealing secret is 0600" test "$(stat -c %a "$work/a/sealing-secret")" = 600
check "socket is 0660" test "$(stat -c %a "$work/a/las.sock")" = 660

id=$("$coffer" las platform-id --las "$work/a/las.sock")
check "platform-id over the socket" test "$id" = "$a_id"
id=$(COFFER_LAS_ADDR="$work/a/las.sock" "$coffer" las platform-id)
check "COFFER_LAS_ADDR" test "$id" = "$a_id"

start_las b "$work/b"
b_pid=$las_pid b_id=$las_id
check "second platform has its own ID" test "$b_id" != "$a_id"
check "second platform ID is 64 hex" is_hex64 "$b_id"

stop_las "$a_pid"
check "clean shutdown exits 0" test $? -eq 0
check "socket removed at shutdown" test ! -e "$work/a/las.sock"
start_las a2 "$work/a"
a_pid=$las_pid
check "platform ID stable across a restart" test "$las_id" = "$a_id"

self=$("$coffer" measure --self)
check "measure --self is 64 hex" is_hex64 "$self"
by_path=$("$coffer" measure "$coffer")
check "measure --self equals measure of the coffer path" test "$self" = "$by_path"

quote_hex=$("$coffer" las quote --las "$work/a/las.sock" --report-data 0123456789abcdef 2>"$work/quote.err")
check "las quote exits 0" test $? -eq 0
check "quote mr_enclave (offset 112) equals measure --self" \
  test "${quote_hex:224:64}" = "$self"
check "quote report data (offset 368)" test "${quote_hex:736:16}" = 0123456789abcdef
check "quote vendor is COFFER-SIMULATE!" \
  test "${quote_hex:24:32}" = "$(printf 'COFFER-SIMULATE!' | od -An -tx1 | tr -d ' \n')"
check "quote names the platform on stderr" grep -qF "platform_id $a_id" "$work/quote.err"

"$coffer" las quote --las "$work/a/las.sock" --report-data ff -o "$work/q.bin" 2>/dev/null
check "las quote -o writes the binary quote" \
  test "$(od -An -tx1 -j 112 -N 32 "$work/q.bin" | tr -d ' \n')" = "$self"

# The quote verifies end to end as a simulation quote of platform A.
"$coffer" quote verify "$work/q.bin" --json >"$work/verify.json" 2>/dev/null
check "quote verify accepts the LAS's quote" test $? -eq 0
check "verified type is simulation" \
  test "$(jq -r .type "$work/verify.json")" = simulation
check "verified platform_id is platform A" \
  test "$(jq -r .platform_id "$work/verify.json")" = "$a_id"
check "verified mrenclave is measure --self" \
  test "$(jq -r .mrenclave "$work/verify.json")" = "$self"
check "verified report data is what was asked" \
  test "$(jq -r .report_data "$work/verify.json" | cut -c1-2)" = ff
"$coffer" las quote --las "$work/b/las.sock" --report-data ff -o "$work/qb.bin" 2>/dev/null
"$coffer" quote verify "$work/qb.bin" --json >"$work/verify_b.json" 2>/dev/null
check "a quote from LAS B names platform B" \
  test "$(jq -r .platform_id "$work/verify_b.json")" = "$b_id"

"$coffer" las quote --las "$work/a/las.sock" --report-data xyz >/dev/null 2>&1
check "bad report data exits 2" test $? -eq 2
"$coffer" las quote --las "$work/a/las.sock" --report-data "$(printf 'aa%.0s' {1..33})" >/dev/null 2>&1
check "report data over 32 bytes exits 2 (bytes 32-63 are the diagnostic tag)" test $? -eq 2
check "a diagnostic quote carries its tag, so it never binds a key" \
  test "$(jq -r .report_data "$work/verify.json" | cut -c65-128)" = \
  "$(printf 'coffer las quote: diagnostic!!!!' | od -An -tx1 | tr -d ' \n')"
"$coffer" las platform-id --las "$work/none.sock" >/dev/null 2>"$work/err"
check "unreachable LAS exits 3" test $? -eq 3
check "unreachable LAS names the socket" grep -qF "cannot reach the LAS at $work/none.sock" "$work/err"

"$coffer" las serve --data "$work/a" >/dev/null 2>"$work/err"
check "a second LAS on the same socket exits 2" test $? -eq 2
check "and says why" grep -qF "another LAS is already serving" "$work/err"

stop_las "$b_pid"
echo "garbage" >"$work/b/platform-key.pem"
"$coffer" las serve --data "$work/b" >/dev/null 2>"$work/err"
check "corrupt platform key exits 2" test $? -eq 2
check "corrupt key error names the file" grep -qF "$work/b/platform-key.pem is corrupt" "$work/err"
check "corrupt key is left alone" test "$(cat "$work/b/platform-key.pem")" = garbage

"$coffer" measure /nonexistent/program >/dev/null 2>&1
check "measuring a missing file exits 2" test $? -eq 2
printf '#!/bin/sh\necho hi\n' >"$work/script.sh"
m1=$("$coffer" measure "$work/script.sh")
printf '#!/bin/sh\necho ho\n' >"$work/script.sh"
m2=$("$coffer" measure "$work/script.sh")
check "a script's measurement follows its contents" test "$m1" != "$m2"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
