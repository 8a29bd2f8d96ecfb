#!/usr/bin/env bash
# Read/write splitting with replicas, with sysbench, in one run (`make
# bench`). Usage: bench_replicas.sh BIN_DIR
#
# The proxy test rig's PKI and servers (tests/proxy/rig.sh: openssl-made
# certificates, TLS with client certificates only, no LAS or CAS), set up
# for replication as templates/mariadb-scalable/ is: GTID, semi-synchronous
# AFTER_SYNC, every server read-only until the proxy's monitor elects the
# primary, replicas replicating over TLS as `replicator`. One proxy with its
# monitor and causal reads on. sysbench (8 threads, --db-ps-mode=disable)
# runs oltp_read_only (--skip-trx=on: its statements outside transactions,
# or all of them would stay on the primary, as in MaxScale) and
# oltp_read_write (in transactions: on the primary) through the proxy with 0, then 1,
# then 2 replicas (each replica started on an empty data directory copies
# everything from the primary's binary log first). Printed per workload and
# replica count: tps, the share of queries the replicas served (the
# proxy's metrics), and the CPU per transaction of the proxy, the primary
# and the replicas (/proc/PID/stat before and after). From those, the model
# of docs/performance.md gives the throughput N machines would reach.
# Last, the failover time: SIGKILL to the primary while one client writes
# through the proxy, to its first acknowledged write (target: under 10 s);
# then a planned switchover (`coffer proxy switchover`) under one writer.
#
# Environment: BENCH_REPLICA_SECONDS (per run; default BENCH_SECONDS or 20),
# BENCH_REPLICA_WORKLOADS (default "read_only read_write").
set -uo pipefail
coffer=$(readlink -f "$1/coffer")
cd "$(dirname "$0")/.." || exit 1
seconds=${BENCH_REPLICA_SECONDS:-${BENCH_SECONDS:-20}}
workloads=${BENCH_REPLICA_WORKLOADS:-read_only read_write}
failover_target=10

for tool in mariadbd mariadb mariadb-install-db sysbench openssl; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench_replicas: skipped: $tool is not installed"; exit 0
  fi
done
[[ -x $coffer ]] || { echo "bench_replicas: no coffer in $1" >&2; exit 1; }

work=$(mktemp -d /tmp/coffer-bench-replicas-XXXXXX)
chmod 0755 "$work"
pids=()
cleanup() {
  stop_started_gently
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
source tests/lib/stack.sh
source tests/lib/mariadb.sh
source tests/proxy/rig.sh
source tests/lib/scalable.sh  # failover_seconds

fail() { echo "bench_replicas: $*" >&2; exit 1; }
ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
clk_tck=$(getconf CLK_TCK)
# ms_per TICKS TRANSACTIONS: CPU milliseconds per transaction.
ms_per() { awk -v t="$1" -v n="$2" -v hz="$clk_tck" 'BEGIN { if (n > 0) printf "%.3f", t * 1000 / hz / n; else print "n/a" }'; }
sb_tps() { awk '/transactions:/ { gsub(/[(]/, "", $3); print $3; f = 1 } END { if (!f) print "n/a" }' "$1"; }
sb_count() { awk '/transactions:/ { print $2; f = 1 } END { if (!f) print 0 }' "$1"; }

echo "Replica sysbench: MariaDB $(mariadbd --version | awk '{ print $3 }'), sysbench $(sysbench --version | awk '{ print $2 }')"
echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1);" \
  "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs: ${seconds} s per workload and replica count; 8 threads; 4 tables x 50,000 rows; --db-ps-mode=disable"
if ldd "$coffer" 2>/dev/null | grep -q libasan; then
  echo "bench_replicas: WARNING: $coffer is built with AddressSanitizer: its figures mean nothing (use build-bench)"
fi

# --- the PKI and the servers ------------------------------------------------
pki=$work/pki
rig_pki "$pki"
rig_leaf "$pki" ca monitor monitor ""
rig_leaf "$pki" ca replicator replicator ""
primary_port=$(free_port) || fail "no free port"

# start_server NAME PORT: mariadbd for replication, as the template sets it
# up; a server not on $primary_port replicates from it from the first GTID.
# Sets server_pid[NAME].
declare -A server_pid
start_server() {
  local name=$1 port=$2 data=$work/$1
  mkdir -p "$data"
  mariadb-install-db --no-defaults --datadir="$data" --user=root \
    --skip-test-db >"$work/$name.install.log" 2>&1 || return 1
  {
    echo "SET sql_log_bin = 0;"
    echo "CREATE USER IF NOT EXISTS 'app'@'%' REQUIRE SUBJECT '/CN=app' AND ISSUER '/CN=MariaDB CA';"
    echo "CREATE USER IF NOT EXISTS 'replicator'@'%' REQUIRE SUBJECT '/CN=replicator' AND ISSUER '/CN=MariaDB CA';"
    echo "CREATE USER IF NOT EXISTS 'monitor'@'%' REQUIRE SUBJECT '/CN=monitor' AND ISSUER '/CN=MariaDB CA';"
    echo "CREATE DATABASE IF NOT EXISTS app;"
    echo "GRANT ALL PRIVILEGES ON app.* TO 'app'@'%';"
    echo "GRANT REPLICATION SLAVE ON *.* TO 'replicator'@'%';"
    echo "GRANT READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, SLAVE MONITOR, BINLOG MONITOR, REPLICATION MASTER ADMIN, RELOAD ON *.* TO 'monitor'@'%';"
    if [[ $port != "$primary_port" ]]; then
      echo "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $primary_port, MASTER_USER = 'replicator', MASTER_SSL = 1, MASTER_SSL_CA = '$pki/ca.crt', MASTER_SSL_CERT = '$pki/replicator.crt', MASTER_SSL_KEY = '$pki/replicator.key', MASTER_SSL_VERIFY_SERVER_CERT = 1, MASTER_CONNECT_RETRY = 1, MASTER_USE_GTID = slave_pos;"
      echo "START SLAVE;"
    fi
  } >"$work/$name.init.sql"
  mariadbd --no-defaults --datadir="$data" --port="$port" \
    --bind-address=127.0.0.1 --socket="$work/$name.sock" --user=root \
    --pid-file="$work/$name.pid" --skip-name-resolve \
    --ssl-ca="$pki/ca.crt" --ssl-cert="$pki/server.crt" \
    --ssl-key="$pki/server.key" --require-secure-transport=ON \
    --max-allowed-packet=64M --init-file="$work/$name.init.sql" \
    --server-id="$port" --log-bin=mariadb-bin --binlog-format=ROW \
    --log-slave-updates --gtid-strict-mode --relay-log=mariadb-relay \
    --skip-slave-start --read-only --report-host=127.0.0.1 \
    --rpl-semi-sync-master-enabled --rpl-semi-sync-master-wait-point=AFTER_SYNC \
    --rpl-semi-sync-master-wait-no-slave=OFF --rpl-semi-sync-slave-enabled \
    --innodb-flush-log-at-trx-commit=1 --sync-binlog=1 \
    --innodb-buffer-pool-size=256M \
    >"$work/$name.log" 2>&1 &
  server_pid[$name]=$!
  pids+=("${server_pid[$name]}")
  for _ in $(seq 1 600); do
    grep -q "ready for connections" "$work/$name.log" && return 0
    kill -0 "${server_pid[$name]}" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

echo "== the primary and the proxy (monitor, causal reads) in $work"
start_server primary "$primary_port" || { tail "$work/primary.log"; fail "the primary did not start"; }
db_port=$primary_port
rig_proxy_config "$work/proxy.json"
python3 - "$work/proxy.json" "$pki" <<'PY'
import json, sys
path, pki = sys.argv[1], sys.argv[2]
config = json.load(open(path))
config["monitor"] = {
    "certificate": pki + "/monitor.crt", "key": pki + "/monitor.key",
    "interval_ms": 500, "failover_after": 4, "max_lag_seconds": 10,
    "replication": {"user": "replicator", "ca": pki + "/ca.crt",
                    "certificate": pki + "/replicator.crt",
                    "key": pki + "/replicator.key"},
    # The bench's switchover uses the app's certificate as the admin's.
    "admins": ["CN=app"]}
config["causal_reads"] = True
json.dump(config, open(path, "w"))
PY
metrics_port=$(free_port)
rig_start_proxy proxy "$work/proxy.json" --metrics "127.0.0.1:$metrics_port" ||
  { cat "$work/proxy.err"; fail "the proxy did not start"; }
grep -q "promoted a new primary" "$work/proxy.err" || fail "the monitor did not elect the primary"

mkdir -p "$work/client"
cp "$pki/ca.crt" "$work/client/cacert.pem"
cp "$pki/app.crt" "$work/client/client-cert.pem"
cp "$pki/app.key" "$work/client/client-key.pem"
sql() {
  (cd "$work/client" && mariadb --no-defaults -h 127.0.0.1 -P "$proxy_port" -u app \
    --ssl-ca=cacert.pem --ssl-cert=client-cert.pem --ssl-key=client-key.pem -N -B app -e "$1")
}
sysbench_run() {  # WORKLOAD SECONDS LOG [extra...]
  local workload=$1 secs=$2 log=$3
  shift 3
  (cd "$work/client" && sysbench "oltp_$workload" --db-driver=mysql --mysql-host=127.0.0.1 \
    --mysql-port="$proxy_port" --mysql-user=app --mysql-db=app --mysql-ssl=on \
    --tables=4 --table-size=50000 --threads=8 --time="$secs" --db-ps-mode=disable \
    --report-interval=0 "$@" run) >"$log" 2>&1
}
(cd "$work/client" && sysbench oltp_read_write --db-driver=mysql --mysql-host=127.0.0.1 \
  --mysql-port="$proxy_port" --mysql-user=app --mysql-db=app --mysql-ssl=on \
  --tables=4 --table-size=50000 --threads=4 prepare) >"$work/prepare.log" 2>&1 ||
  { tail "$work/prepare.log"; fail "sysbench prepare failed"; }

# replica_share: the fraction of forwarded queries that replicas served
# since the last call (the proxy's /metrics).
last_replica=0 last_total=0
replica_share() {
  local text replica total
  text=$(curl -sk --cert "$pki/app.crt" --key "$pki/app.key" "https://127.0.0.1:$metrics_port/metrics")
  replica=$(awk '/^coffer_proxy_queries_total\{route="replica"\}/ { print $2 }' <<<"$text")
  total=$(awk '/^coffer_proxy_queries_total\{/ { s += $2 } END { print s + 0 }' <<<"$text")
  awk -v r="${replica:-0}" -v lr="$last_replica" -v t="$total" -v lt="$last_total" \
    'BEGIN { if (t > lt) printf "%.2f", (r - lr) / (t - lt); else print "n/a" }'
  last_replica=${replica:-0} last_total=$total
}

results=()
replicas=()
for count in 0 1 2; do
  while ((${#replicas[@]} < count)); do
    name=replica$((${#replicas[@]} + 1))
    port=$(free_port)
    start_server "$name" "$port" || { tail "$work/$name.log"; fail "$name did not start"; }
    replicas+=("$name")
    # Caught up and readable: plain reads reach it.
    for _ in $(seq 1 600); do
      [[ $(sql "SELECT @@port") == "$port" ]] && break
      sleep 0.2
    done
  done
  echo "== $count replica(s)"
  for workload in $workloads; do
    replica_share >/dev/null
    declare -A before=()
    for p in proxy primary "${replicas[@]}"; do
      pid=${server_pid[$p]:-}
      [[ $p == proxy ]] && pid=$proxy_pid
      before[$p]=$(ticks "$pid")
    done
    log="$work/sb-$workload-$count.log"
    extra=(); [[ $workload == read_only ]] && extra=(--skip-trx=on)
    sysbench_run "$workload" "$seconds" "$log" "${extra[@]}" || { tail "$log"; fail "sysbench failed"; }
    tps=$(sb_tps "$log")
    n=$(sb_count "$log")
    share=$(replica_share)
    cpu="" replica_ms=0
    for p in proxy primary "${replicas[@]}"; do
      pid=${server_pid[$p]:-}
      [[ $p == proxy ]] && pid=$proxy_pid
      ms=$(ms_per $(($(ticks "$pid") - ${before[$p]})) "$n")
      cpu+=" $p $ms"
      [[ $p == replica* ]] && replica_ms=$(awk -v a="$replica_ms" -v b="$ms" 'BEGIN { print a + b }')
    done
    echo "   $workload: $tps tps, replicas served $share of the queries; CPU ms per transaction:$cpu"
    results+=("$workload $count $tps $share$cpu")
  done
done

# The model (docs/performance.md): with each server on its own machine of
# this one's 2 CPUs, the throughput is limited by the busiest server:
# primary CPU per transaction (writes and whatever stays on it) against
# the replicas' share spread over R replicas.
echo "== model: each server and each proxy on a machine of its own ($(nproc) CPUs)"
cpus=$(nproc)
for r in "${results[@]}"; do
  read -r workload count tps share rest <<<"$r"
  ((count == 2)) || continue
  primary_ms=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "primary") print $(i + 1) }' <<<"$rest")
  replica_ms=$(awk '{ s = 0; for (i = 1; i <= NF; i++) if ($i ~ /^replica/) s += $(i + 1); print s }' <<<"$rest")
  proxy_ms=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "proxy") print $(i + 1) }' <<<"$rest")
  for n in 1 2 4 8; do
    awk -v p="$primary_ms" -v r="$replica_ms" -v x="$proxy_ms" -v n="$n" -v c="$cpus" -v w="$workload" 'BEGIN {
      # n replicas share the replica work (r, measured with 2, scales with
      # the reads they take); proxies are added until they are not the limit.
      per_replica = r / n; busiest = p; if (per_replica > busiest) busiest = per_replica
      if (busiest <= 0) { print "   " w ": n/a"; exit }
      printf "   %s with %d replica(s): about %.0f tps (the busiest server needs %.3f ms of CPU per transaction; proxies: %.3f ms each, add one per %.0f tps)\n",
        w, n, c * 1000 / busiest, busiest, x, c * 1000 / x }'
  done
done

# --- failover ---------------------------------------------------------------
# A writer as tests/lib/scalable.sh's start_writers (same files, so that
# failover_seconds reads them): W's client inserts (W, I); a new client
# after each error; acks and errors stamped as they arrive.
start_writer() {
  local w=$1
  rm -f "$work/stop"
  touch "$work/acked.$w"
  (
    run=0
    while [[ ! -e "$work/stop" ]]; do
      run=$((run + 1))
      for ((i = run * 1000000 + 1; ; i++)); do
        [[ -e "$work/stop" ]] && break
        echo "INSERT INTO acked VALUES ($w, $i) RETURNING w, i;"
      done |
        (cd "$work/client" && mariadb --no-defaults -h 127.0.0.1 -P "$proxy_port" -u app \
          --ssl-ca=cacert.pem --ssl-cert=client-cert.pem --ssl-key=client-key.pem -nN app \
          2> >(while read -r line; do echo "$EPOCHREALTIME $line"; done >>"$work/writer.$w.err")) |
        while read -r a b; do echo "$a $b $EPOCHREALTIME"; done >>"$work/acked.$w"
    done
  ) &
  writer=$!
  for _ in $(seq 1 600); do [[ $(wc -l <"$work/acked.$w") -ge 100 ]] && break; sleep 0.05; done
}
# wait_first_ack T: failover_seconds T once a write was acknowledged on a
# new connection after T (up to 60 s), then the writer stops.
wait_first_ack() {
  taken=""
  for _ in $(seq 1 1200); do
    taken=$(failover_seconds "$1")
    [[ -n $taken ]] && break
    sleep 0.05
  done
  touch "$work/stop"
  wait "$writer" 2>/dev/null
}
# on_primary W: how many of writer W's acknowledged writes the primary has.
on_primary() {
  sql "SELECT COUNT(*) FROM acked WHERE (w, i) IN ($(awk '{ printf "%s(%s,%s)", (NR > 1 ? "," : ""), $1, $2 }' "$work/acked.$1"))"
}

echo "== failover: SIGKILL to the primary under one writer"
sql "CREATE TABLE IF NOT EXISTS acked (w INT, i INT, PRIMARY KEY (w, i))" || fail "cannot create the table"
start_writer 1
killed_at=$EPOCHREALTIME
kill -KILL "${server_pid[primary]}"
wait "${server_pid[primary]}" 2>/dev/null
wait_first_ack "$killed_at"
[[ -n $taken ]] || fail "no write was acknowledged within 60 s of the failover"
verdict=$(awk -v s="$taken" -v t="$failover_target" 'BEGIN { print (s < t) ? "met" : "NOT met" }')
echo "   primary killed to the first write acknowledged on a new connection: $taken s (target < $failover_target s: $verdict)"
grep -h "promoted a new primary" "$work/proxy.err" | tail -n 1 | sed 's/^/   /'
echo "   acknowledged writes: $(wc -l <"$work/acked.1"); on the new primary: $(on_primary 1)"

echo "== switchover: the operator's planned switchover under one writer"
start_writer 2
asked_at=$EPOCHREALTIME
"$coffer" proxy switchover --proxy "127.0.0.1:$metrics_port" --ca "$pki/ca.crt" \
  --certificate "$pki/app.crt" --key "$pki/app.key" >"$work/switchover.out" 2>&1 ||
  { cat "$work/switchover.out"; fail "the switchover failed"; }
wait_first_ack "$asked_at"
sed 's/^/   /' "$work/switchover.out"
[[ -n $taken ]] || fail "no write was acknowledged within 60 s of the switchover"
echo "   switchover asked to the first write acknowledged on a new connection: $taken s"
echo "   acknowledged writes: $(wc -l <"$work/acked.2"); on the new primary: $(on_primary 2)"
