#!/usr/bin/env bash
# Runs every benchmark in BIN_DIR (files named *_bench), CAS provisioning
# on etcd against SQLite (scripts/bench_cas_etcd.sh), then the sysbench
# comparison of the confidential MariaDB with plain MariaDB
# (scripts/bench_mariadb.sh, with BIN_DIR/coffer) and of the proxy against
# direct connections (scripts/bench_proxy.sh), then read/write splitting
# with 0, 1 and 2 replicas and the failover time
# (scripts/bench_replicas.sh). Each prints its figures
# and their ratio to a baseline measured in the same run; see
# docs/performance.md for the recorded results and the machine.
set -euo pipefail
bin_dir=$1
status=0
for bench in "$bin_dir"/*_bench; do
  [[ -x "$bench" ]] || continue
  echo "== $(basename "$bench")"
  "$bench" --benchmark_counters_tabular=true || status=1
done
echo "== cas_etcd (scripts/bench_cas_etcd.sh)"
bash "$(dirname "$0")/bench_cas_etcd.sh" "$bin_dir" || status=1
echo "== mariadb_sysbench (scripts/bench_mariadb.sh)"
bash "$(dirname "$0")/bench_mariadb.sh" "$bin_dir" || status=1
echo "== proxy_sysbench (scripts/bench_proxy.sh)"
bash "$(dirname "$0")/bench_proxy.sh" "$bin_dir" || status=1
echo "== replica_sysbench (scripts/bench_replicas.sh)"
bash "$(dirname "$0")/bench_replicas.sh" "$bin_dir" || status=1
exit $status
