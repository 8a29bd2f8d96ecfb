#!/usr/bin/env bash
# CAS provisioning with the state on etcd against the SQLite default, in
# one run (`make bench`). Usage: bench_cas_etcd.sh BIN_DIR
#
# Starts a 3-member etcd cluster on loopback (tests/lib/etcd.sh: TLS with
# client certificates, each member fsyncing its log) and runs
# BIN_DIR/cas_provision_bench with --store: SQLite first, then etcd with one
# CAS member, then two (the second on another simulated platform, joined to
# the first, the clients split between them). Everything shares this
# machine's cores: the etcd members, the CAS members and the clients.
#
# Environment: BENCH_CAS_ETCD_SECONDS (per load; default 10),
# BENCH_CAS_ETCD_CLIENTS (default 16).
set -uo pipefail
bench=$(readlink -f "$1/cas_provision_bench")
cd "$(dirname "$0")/.." || exit 1
for tool in etcd etcdctl openssl; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench_cas_etcd: skipped: $tool is not installed"; exit 0
  fi
done
[[ -x $bench ]] || { echo "bench_cas_etcd: no cas_provision_bench in $1" >&2; exit 1; }

work=$(mktemp -d /tmp/coffer-bench-etcd-XXXXXX)
pids=()
cleanup() {
  stop_started_gently
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
source tests/lib/stack.sh
source tests/lib/etcd.sh

etcd_pki
start_etcd_cluster || { tail -n 5 "$work"/e*.log; echo "bench_cas_etcd: etcd did not start" >&2; exit 1; }
"$bench" --seconds="${BENCH_CAS_ETCD_SECONDS:-10}" --clients="${BENCH_CAS_ETCD_CLIENTS:-16}" \
  --store="etcd://$endpoints" --etcd-ca="$pki/ca.crt" \
  --etcd-cert="$pki/client.crt" --etcd-key="$pki/client.key" 2>&1 | sed -n '/^provisioning/p;/^CAS with/p;/failed requests/p'
exit "${PIPESTATUS[0]}"
