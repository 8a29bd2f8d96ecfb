#!/usr/bin/env bash
# End-to-end tests of `coffer run`: a real LAS and CAS, a session whose
# service is /bin/sh running a script the policy injects, and the attacks
# the runtime must stop (another platform, another program, a CAS that is
# not the one expected, host arguments the policy does not allow).
# Usage: run_cli_test.sh PATH/TO/coffer
set -uo pipefail
coffer=$(readlink -f "$1")
work=$(mktemp -d /tmp/coffer-run-cli-XXXXXX)
pids=()
cleanup() {
  stop_started
  rm -rf "$work"
}
trap cleanup EXIT
source "$(dirname "$0")/../lib/expect.sh"
source "$(dirname "$0")/../lib/stack.sh"

export COFFER_CONFIG="$work/config"
start_las "$work/las"
platform=$las_id
start_las "$work/las2"
other_las="$work/las2/las.sock"
export COFFER_LAS_ADDR="$work/las/las.sock"
start_cas cas "$work/cas" "$COFFER_LAS_ADDR"
export COFFER_CAS_ADDR=$cas
"$coffer" cas attest "$cas" --accept-simulation --platform "$platform" >/dev/null

# Where the policy puts its files: under /run, which exists, in a directory
# that does not, so that the host can check it never appears.
files_dir=/run/coffer-run-test-$$
cat >"$work/svc.yml" <<'YAML'
name: run-svc
version: "0.3"
services:
  - name: show
    image_name: img
    attestation: [{mrenclave: [$SH_MRENCLAVE]}]
    platforms: [$PLATFORM]
    command: [sh, $FILES/show.sh, "@@1"]
    environment: {GREETING: "hello $$COFFER::word$$", READY: "$READY"}
    pwd: /tmp
  - name: other-program
    image_name: img
    attestation: [{mrenclave: [$SH_MRENCLAVE]}]
    command: [cat, $FILES/secret.txt]
images:
  - name: img
    injection_files:
      - path: $FILES/show.sh
        content: |
          cat $FILES/secret.txt; echo
          echo "greeting=$${GREETING}"
          echo "host=$${HOST_ONLY:-absent}"
          echo "pwd=$$(pwd)"
          if [ "$${1:-}" = wait ]; then
            trap 'echo got-term; exit 42' TERM
            touch "$$READY"
            while :; do sleep 0.05; done
          fi
          exit "$${1:-0}"
      - {path: $FILES/secret.txt, content: "$$COFFER::marker$$", permission: "0600"}
secrets:
  - {name: marker, kind: ascii, value: "RUN-MARKER-5d1c"}
  - {name: word, kind: ascii, value: "WORD-3e8a"}
security:
  attestation: {tolerate: [simulation]}
YAML
export SH_MRENCLAVE=$("$coffer" measure /bin/sh) PLATFORM=$platform
export FILES=$files_dir READY=$work/ready
expect "the service's session is created" 0 "" -- \
  "$coffer" session create --name run-svc --use-env "$work/svc.yml"

export HOST_ONLY=from-the-host
expect "the service runs with its injected file" 0 "RUN-MARKER-5d1c" -- \
  "$coffer" run --config-id run-svc/show
expect "secrets reach its environment" 0 "greeting=hello WORD-3e8a" -- \
  "$coffer" run --config-id run-svc/show
expect "nothing of the host's environment reaches it" 0 "host=absent" -- \
  "$coffer" run --config-id run-svc/show
expect "it runs in the policy's directory" 0 "pwd=/tmp" -- \
  "$coffer" run --config-id run-svc/show
expect "COFFER_CONFIG_ID names the service too" 0 "RUN-MARKER-5d1c" -- \
  env COFFER_CONFIG_ID=run-svc/show "$coffer" run
expect "a host argument fills @@1; the exit code comes back" 7 "" -- \
  "$coffer" run --config-id run-svc/show -- 7
expect "a host argument without a placeholder is refused" 125 \
  "host argument 2 (\"extra\") has no @@2" -- \
  "$coffer" run --config-id run-svc/show -- 0 extra
"$coffer" run --config-id run-svc/show >"$work/run.out" 2>"$work/run.err"
expect "the runtime's own log holds no secret" 0 "" -- \
  bash -c "! grep -q -e RUN-MARKER -e WORD-3e8a '$work/run.err'"
expect "the runtime says what it started" 0 "attested as $SH_MRENCLAVE" -- \
  cat "$work/run.err"
expect "the files never appear outside the service" 0 "" -- \
  test ! -e "$files_dir"

# A running service: its files are invisible to the host, and SIGTERM to
# the runtime reaches it.
"$coffer" run --config-id run-svc/show -- wait >"$work/wait.out" 2>&1 &
runner=$!
pids+=("$runner")
for _ in $(seq 1 300); do [[ -e $READY ]] && break; sleep 0.05; done
expect "the service started" 0 "" -- test -e "$READY"
expect "its files are not visible from outside while it runs" 0 "" -- \
  test ! -e "$files_dir/secret.txt"
kill -TERM "$runner"
wait "$runner"
code=$?
expect "SIGTERM is forwarded and its exit code returned" 0 "" -- test "$code" -eq 42
expect "the service saw the signal" 0 "got-term" -- cat "$work/wait.out"
# --daemon: a service that ends on its own with 0 has failed (as mariadbd
# does when init.sql fails); one that was asked to stop keeps its code.
expect "a daemon that ends by itself with exit code 0 fails the runtime" 1 \
  "ended on its own (exit code 0) although nobody asked it to stop" -- \
  "$coffer" run --daemon --config-id run-svc/show
rm -f "$READY"
"$coffer" run --daemon --config-id run-svc/show -- wait >"$work/daemon.out" 2>&1 &
runner=$!
pids+=("$runner")
for _ in $(seq 1 300); do [[ -e $READY ]] && break; sleep 0.05; done
kill -TERM "$runner"
wait "$runner"
code=$?
expect "a daemon asked to stop returns its own exit code" 0 "" -- test "$code" -eq 42
# SIGKILL cannot be forwarded; the kernel sends the service SIGTERM.
rm -f "$READY"
"$coffer" run --config-id run-svc/show -- wait >"$work/killed.out" 2>&1 &
runner=$!
pids+=("$runner")
for _ in $(seq 1 300); do [[ -e $READY ]] && break; sleep 0.05; done
kill -KILL "$runner"
wait "$runner" 2>/dev/null
for _ in $(seq 1 100); do grep -q got-term "$work/killed.out" && break; sleep 0.05; done
expect "a runtime killed outright still ends its service" 0 "got-term" -- \
  cat "$work/killed.out"

# Attacks.
"$coffer" run --las "$other_las" --config-id run-svc/show >"$work/o" 2>"$work/e"
code=$?
expect "another platform gets nothing" 0 "not allowed by session run-svc/show" -- \
  bash -c "test $code -eq 125 && cat '$work/e' && ! grep -q RUN-MARKER '$work/o' '$work/e'"
expect "another program gets nothing" 125 "measurement" -- \
  "$coffer" run --config-id run-svc/other-program
expect "an unknown service is named" 125 "has no service \"nothing\"" -- \
  "$coffer" run --config-id run-svc/nothing
expect "a CAS with another measurement is not trusted" 125 "is not trusted" -- \
  "$coffer" run --config-id run-svc/show --cas-mrenclave "$(printf 'a%.0s' {1..64})"
expect "no CAS at the address" 125 "cannot reach the CAS" -- \
  "$coffer" run --config-id run-svc/show --cas 127.0.0.1:1
expect "no config ID" 125 "--config-id" -- "$coffer" run
expect "the CAS audit log records the refusals" 0 "" -- \
  bash -c "grep -c '\"result\":\"refused\"' '$work/cas/audit.log' | grep -qv '^0$'"
expect_summary
