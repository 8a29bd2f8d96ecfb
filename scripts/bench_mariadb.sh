#!/usr/bin/env bash
# The confidential MariaDB against plain MariaDB, with sysbench, in one run
# (issue 5, `make bench`). Usage: bench_mariadb.sh BIN_DIR [--factors]
#
# Default: a LAS and a CAS in a temporary directory, the confidential MariaDB
# (templates/mariadb/dbsession.yml: TLS with client certificates, encryption
# at rest, started by `coffer run`) and sysbench as its attested client
# (templates/mariadb/bench.yml), against a plain mariadbd (--no-defaults, the
# same version, buffer pool, durability and binary log settings, no TLS, no
# encryption). oltp_read_write and oltp_read_only, 8 threads, 4 tables of
# 50,000 rows prepared once per server outside the timing; runs alternate
# plain/confidential (ABBA). Prints transactions per second, the ratio
# confidential/plain per round and the median's ratio, PASS at >= 0.90 or
# BELOW TARGET (exit 0 either way: the benchmark reports), and the start-up
# times (process start to "ready for connections"): the first start on an
# empty data directory and a restart.
#
# --factors: where the cost goes. Plain mariadbd servers, each with one
# factor of the confidential configuration added (TLS as the template has
# it; TLS with AES-128-GCM only; TLS 1.2 only; at-rest encryption with
# AES_CTR or AES_CBC; without binlog or redo encryption; TLS and encryption
# together; tls+enc-env: that with only the runtime's environment and an
# empty OPENSSL_CONF; tls+enc-rotate0: with innodb-encryption-rotate-key-age=0),
# all compared in rotation against the
# plain one with sysbench run directly (no runtime). tls-off and tls-on are
# one server with TLS configured but not required, sysbench without and with
# TLS: their ratio is the cost of TLS alone, free of the differences between
# two servers. See docs/performance.md.
#
# Environment: BENCH_SECONDS (per run; default 20, 10 with --factors),
# BENCH_ROUNDS (default 3), BENCH_WORKLOADS (default "read_write read_only"),
# BENCH_WARMUP (seconds of read_only per server before timing; default 5),
# BENCH_FACTORS (with --factors: the variants to run, default all).
set -uo pipefail
coffer=$(readlink -f "$1/coffer")
mode=${2:-}
cd "$(dirname "$0")/.." || exit 1
if [[ $mode == --factors ]]; then seconds=${BENCH_SECONDS:-10}; else seconds=${BENCH_SECONDS:-20}; fi
rounds=${BENCH_ROUNDS:-3}
workloads=${BENCH_WORKLOADS:-read_write read_only}
warmup=${BENCH_WARMUP:-5}
target=0.90

for tool in mariadbd mariadb mariadb-install-db sysbench openssl; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench_mariadb: skipped: $tool is not installed"; exit 0
  fi
done
[[ -x $coffer || $mode == --factors ]] || { echo "bench_mariadb: no coffer in $1" >&2; exit 1; }

work=$(mktemp -d /tmp/coffer-bench-mariadb-XXXXXX)
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

fail() { echo "bench_mariadb: $*" >&2; exit 1; }
now() { date +%s.%N; }
# wait_ready LOG PID T0: waits for "ready for connections" in LOG; prints the
# seconds since T0. Returns 1 if PID exited first or after 2 minutes.
wait_ready() {
  local log=$1 pid=$2 t0=$3
  for _ in $(seq 1 6000); do
    if grep -q "ready for connections" "$log" 2>/dev/null; then
      awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.02
  done
  return 1
}
# stop_pid PID: SIGTERM, then waits for the end.
stop_pid() { kill -TERM "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
  if (NR % 2) printf "%.2f", v[(NR + 1) / 2]; else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
verdict() { awk -v r="$1" -v t="$target" 'BEGIN { print (r != "n/a" && r >= t) ? "PASS" : "BELOW TARGET" }'; }
# tps LOG: sysbench's transactions per second, or 0.
tps() { awk '/transactions:/ { gsub(/[(]/, "", $3); print $3; found = 1 } END { if (!found) print 0 }' "$1"; }

# The sysbench options both sides use (bench.yml has the same for the
# confidential one); the plain side adds host, port and TLS itself.
sysbench_opts=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-user=app --mysql-db=app
  --threads=8 --tables=4 --table-size=50000 --report-interval=0)

# --- plain mariadbd servers ---------------------------------------------
# The non-security settings of dbsession.yml's my.cnf, with no option file.
plain_base=(--bind-address=127.0.0.1 --user=root --character-set-server=utf8mb4
  --collation-server=utf8mb4_general_ci --skip-name-resolve
  --log-bin=mariadb-bin --binlog-format=ROW --binlog-expire-logs-seconds=604800
  --innodb-flush-log-at-trx-commit=1 --sync-binlog=1
  --general-log=OFF --slow-query-log=OFF --skip-stack-trace)
declare -A port pid ssl envwrap shares

# start_plain NAME [OPTION...]: initialises $work/NAME/data with
# mariadb-install-db, starts mariadbd with the base settings and OPTIONs,
# creates the `app` account and database. Sets port[NAME], pid[NAME];
# install_s and first_s are the initialisation's and the first start's seconds.
start_plain() {
  local name=$1 dir=$work/$1 t0
  shift
  mkdir -p "$dir/data" "$dir/client"
  port[$name]=$(free_port) || fail "no free port"
  local opts=(--datadir="$dir/data" --port="${port[$name]}" --socket="$dir/mysqld.sock"
    --pid-file="$dir/mysqld.pid" "${plain_base[@]}" "$@")
  printf '%s\n' "${opts[@]}" >"$dir/opts"
  t0=$(now)
  mariadb-install-db --no-defaults --datadir="$dir/data" --user=root \
    --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 ||
    { cat "$dir/install.log"; fail "mariadb-install-db failed for $name"; }
  install_s=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
  run_plain "$name" || return 1
  first_s=$started_s
  local require=""
  [[ -n ${ssl[$name]:-} ]] && require="REQUIRE SUBJECT '/CN=app' AND ISSUER '/CN=Bench CA'"
  mariadb --no-defaults -uroot -S "$dir/mysqld.sock" -e "
    CREATE USER 'app'@'%' $require; CREATE DATABASE app CHARACTER SET utf8mb4;
    GRANT ALL PRIVILEGES ON app.* TO 'app'@'%'" || fail "cannot create the account on $name"
}
# run_plain NAME: starts the server of start_plain again; sets started_s.
run_plain() {
  local name=$1 dir=$work/$1 t0 opts
  mapfile -t opts <"$dir/opts"
  t0=$(now)
  # shellcheck disable=SC2086  # envwrap[NAME]: an `env -i ...` prefix or nothing
  ${envwrap[$name]:-} mariadbd --no-defaults "${opts[@]}" >>"$dir/mariadbd.log" 2>&1 &
  pid[$name]=$!
  pids+=("${pid[$name]}")
  started_s=$(wait_ready "$dir/mariadbd.log" "${pid[$name]}" "$t0") ||
    { tail -n 20 "$dir/mariadbd.log"; fail "plain mariadbd $name did not start"; }
  # A restart appends to the log: the next wait must see a new line only.
  mv "$dir/mariadbd.log" "$dir/mariadbd.$(date +%s%N).log"
}
# sysbench_plain NAME WORKLOAD VERB SECONDS
sysbench_plain() {
  local name=$1
  # shellcheck disable=SC2086
  (cd "$work/$name/client" && ${envwrap[$name]:-} sysbench "/usr/share/sysbench/oltp_$2.lua" "${sysbench_opts[@]}" \
    --mysql-port="${port[$name]}" ${ssl[$name]:+--mysql-ssl=on} --time="$4" "$3")
}

# --- the rotation ---------------------------------------------------------
# bench NAME...: prepares each server (sysbench_NAME, untimed), warms it up,
# then for each workload runs BENCH_ROUNDS rounds, each server in turn,
# the order reversed every other round. Fills tps_of[NAME,WORKLOAD,ROUND].
declare -A tps_of
bench() {
  local names=("$@") n w r order log
  for n in "${names[@]}"; do
    [[ -n ${shares[$n]:-} ]] && continue  # another name's server: prepared there
    echo "   prepare $n"
    run_sysbench "$n" read_write prepare 0 >"$work/prepare-$n.log" 2>&1 ||
      { tail -n 20 "$work/prepare-$n.log"; fail "sysbench prepare failed on $n"; }
  done
  for n in "${names[@]}"; do
    [[ $warmup -gt 0 ]] && run_sysbench "$n" read_only run "$warmup" >"$work/warmup-$n.log" 2>&1
  done
  for w in $workloads; do
    for r in $(seq 1 "$rounds"); do
      order=("${names[@]}")
      if ((r % 2 == 0)); then
        order=(); for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[i]}"); done
      fi
      for n in "${order[@]}"; do
        log="$work/run-$n-$w-$r.log"
        run_sysbench "$n" "$w" run "$seconds" >"$log" 2>&1
        tps_of[$n,$w,$r]=$(tps "$log")
        if [[ ${tps_of[$n,$w,$r]} == 0 ]]; then tail -n 20 "$log"; fail "sysbench $w failed on $n"; fi
        printf '   %-10s round %d  %-22s %9s tps\n' "$w" "$r" "$n" "${tps_of[$n,$w,$r]}"
      done
    done
  done
}
run_sysbench() {
  local n=$1
  shift
  if [[ $n == confidential ]]; then sysbench_conf "$@"; else sysbench_plain "$n" "$@"; fi
}
# report BASE NAME...: per workload, each NAME's tps against BASE's.
report() {
  local base=$1 n w r vals bvals m bm rs
  shift
  for w in $workloads; do
    for n in "$@"; do
      vals=(); bvals=(); rs=()
      for r in $(seq 1 "$rounds"); do
        vals+=("${tps_of[$n,$w,$r]}"); bvals+=("${tps_of[$base,$w,$r]}")
        rs+=("$(ratio "${tps_of[$n,$w,$r]}" "${tps_of[$base,$w,$r]}")")
      done
      m=$(median "${vals[@]}"); bm=$(median "${bvals[@]}")
      printf '%-11s %-18s %9s tps vs %-8s %9s tps  ratio %s  (rounds: %s)' \
        "$w" "$n" "$m" "$base" "$bm" "$(ratio "$m" "$bm")" "${rs[*]}"
      if [[ $mode == --factors ]]; then echo; else echo "  $(verdict "$(ratio "$m" "$bm")") (target $target)"; fi
    done
  done
}

echo "MariaDB sysbench: $(mariadbd --version | awk '{ print $3 }'), sysbench $(sysbench --version | awk '{ print $2 }');" \
  "8 threads, 4 tables x 50,000 rows, $rounds rounds x ${seconds} s per workload"
echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1)," \
  "$(free -g | awk '/^Mem:/ { print $2 }') GiB; data in $work ($(df --output=fstype "$work" | tail -n 1))"

# --- --factors --------------------------------------------------------------
if [[ $mode == --factors ]]; then
  # A CA and certificates like the CAS's (P-256), for the TLS variants.
  pki=$work/pki
  mkdir -p "$pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Bench CA" \
    -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  for who in server app; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$who" \
      -keyout "$pki/$who.key" -out "$pki/$who.csr" 2>/dev/null
    openssl x509 -req -in "$pki/$who.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
      -days 2 -extfile <(echo "subjectAltName=IP:127.0.0.1,DNS:localhost") -out "$pki/$who.crt" 2>/dev/null
  done
  printf '1;%s\n' "$(openssl rand -hex 32)" >"$pki/keys.txt"
  template_ciphers=$(sed -n 's/^ *ssl-cipher *= *//p' templates/mariadb/dbsession.yml)
  # shellcheck disable=SC2054  # the commas are TLS versions' separators
  tls=(--ssl-ca="$pki/ca.crt" --ssl-cert="$pki/server.crt" --ssl-key="$pki/server.key"
    --tls-version=TLSv1.2,TLSv1.3 --ssl-cipher="$template_ciphers" --require-secure-transport=ON)
  enc=(--plugin-load-add=file_key_management --file-key-management-filename="$pki/keys.txt"
    --file-key-management-encryption-algorithm=AES_CTR --innodb-encrypt-tables=FORCE
    --innodb-encrypt-log=ON --innodb-encrypt-temporary-tables=ON --innodb-encryption-threads=1
    --aria-encrypt-tables=ON --encrypt-tmp-disk-tables=ON --encrypt-tmp-files=ON --encrypt-binlog=ON)
  declare -A variant=(
    [tls]="${tls[*]}"
    [tls-aes128]="${tls[*]} --ssl-cipher=TLS_AES_128_GCM_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256"
    [tls12]="${tls[*]} --tls-version=TLSv1.2"
    [enc-ctr]="${enc[*]}"
    [enc-cbc]="${enc[*]} --file-key-management-encryption-algorithm=AES_CBC"
    [enc-no-binlog]="${enc[*]} --encrypt-binlog=OFF"
    [enc-no-redo]="${enc[*]} --innodb-encrypt-log=OFF"
    [tls+enc]="${tls[*]} ${enc[*]}"
    [tls+enc-env]="${tls[*]} ${enc[*]}"
    [tls+enc-rotate0]="${tls[*]} ${enc[*]} --innodb-encryption-rotate-key-age=0"
    [tls-off]="${tls[*]} --require-secure-transport=OFF"
  )
  # tls+enc-env: both mariadbd and sysbench with only the environment the
  # runtime gives them (dbsession.yml, bench.yml), an empty OPENSSL_CONF too.
  printf '# empty\n' >"$pki/openssl.cnf"
  envwrap[tls+enc-env]="env -i TZ=UTC LANG=C.UTF-8 OPENSSL_CONF=$pki/openssl.cnf PATH=$PATH"
  read -ra chosen <<<"${BENCH_FACTORS:-tls tls-aes128 tls12 enc-ctr enc-cbc enc-no-binlog enc-no-redo tls+enc tls-off tls-on}"
  echo "== starting plain and ${chosen[*]}"
  start_plain plain
  for v in "${chosen[@]}"; do
    [[ $v == tls* && $v != tls-off ]] && ssl[$v]=1
    if [[ $v == tls-on ]]; then  # no server of its own: tls-off's, with TLS
      [[ -n ${port[tls-off]:-} ]] || fail "tls-on needs tls-off before it in BENCH_FACTORS"
      port[$v]=${port[tls-off]}
      shares[$v]="tls-off"
      mkdir -p "$work/$v/client"
    else
      [[ -n ${variant[$v]:-} ]] || fail "unknown factor $v"
      # shellcheck disable=SC2086  # the options hold no spaces but the cipher list's colons
      start_plain "$v" ${variant[$v]}
    fi
    if [[ -n ${ssl[$v]:-} ]]; then
      cp "$pki/ca.crt" "$work/$v/client/cacert.pem"
      cp "$pki/app.crt" "$work/$v/client/client-cert.pem"
      cp "$pki/app.key" "$work/$v/client/client-key.pem"
      cipher=$(cd "$work/$v/client" && mariadb --no-defaults -h 127.0.0.1 -P "${port[$v]}" -u app \
        --ssl-ca=cacert.pem --ssl-cert=client-cert.pem --ssl-key=client-key.pem -Ne \
        "SELECT CONCAT(VARIABLE_VALUE) FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME IN ('Ssl_version','Ssl_cipher')" | tr '\n' ' ')
      echo "   $v: $cipher"
    fi
  done
  bench plain "${chosen[@]}"
  echo "== factors: each variant against plain (median of rounds)"
  report plain "${chosen[@]}"
  if [[ -n ${shares[tls-on]:-} ]]; then
    echo "== TLS alone: the same server, sysbench with TLS against without"
    report tls-off tls-on
  fi
  exit 0
fi

# --- the confidential MariaDB -------------------------------------------------
echo "== a LAS and a CAS in $work"
export COFFER_CONFIG="$work/owner"
start_las "$work/las"
export COFFER_LAS_ADDR="$work/las/las.sock"
start_cas cas "$work/cas" "$COFFER_LAS_ADDR"
[[ -n $cas ]] || { cat "$work/cas.err"; fail "the CAS did not start"; }
export COFFER_CAS_ADDR=$cas
"$coffer" cas attest "$cas" --accept-simulation >/dev/null 2>"$work/attest.err" ||
  { cat "$work/attest.err"; fail "cannot attest the CAS"; }
export DBSESSION="BenchDB-$RANDOM" DBCLIENT="BenchDBClient-$RANDOM" BENCHCLIENT="BenchSysbench-$RANDOM"
PLATFORMS=$("$coffer" las platform-id) || fail "no platform ID from the LAS"
MARIADB_MRENCLAVE=$("$coffer" measure mariadbd) || fail "cannot measure mariadbd"
MARIADB_BACKUP_MRENCLAVE=$("$coffer" measure mariadb-backup) || fail "cannot measure mariadb-backup"
CLIENT_MRENCLAVE=$("$coffer" measure mariadb) || fail "cannot measure mariadb"
SYSBENCH_MRENCLAVE=$("$coffer" measure sysbench) || fail "cannot measure sysbench"
MARIADB_PORT=$(free_port) || fail "no free port"
export PLATFORMS MARIADB_MRENCLAVE MARIADB_BACKUP_MRENCLAVE CLIENT_MRENCLAVE SYSBENCH_MRENCLAVE MARIADB_PORT
export MARIADB_DATADIR="$work/confidential/data"
mkdir -p "$MARIADB_DATADIR"
# dbsession.yml as it is, but exporting the CA and the client certificate to
# the sysbench session as well.
sed -e 's/export: \[{session: \$DBCLIENT}\]/export: [{session: $DBCLIENT}, {session: $BENCHCLIENT}]/' \
  templates/mariadb/dbsession.yml >"$work/dbsession.yml"
[[ $(grep -c 'session: \$BENCHCLIENT' "$work/dbsession.yml") == 2 ]] ||
  fail "dbsession.yml's export lists changed: update the sed in $0"
for s in "$DBCLIENT templates/mariadb/dbclient.yml" "$BENCHCLIENT templates/mariadb/bench.yml" \
  "$DBSESSION $work/dbsession.yml"; do
  # shellcheck disable=SC2086  # a session name and a path, no spaces
  set -- $s
  "$coffer" session create --name "$1" --use-env "$2" >/dev/null 2>"$work/session.err" ||
    { cat "$work/session.err"; fail "cannot create session $1"; }
done
# sysbench_conf WORKLOAD VERB SECONDS: sysbench under the runtime.
sysbench_conf() { (cd "$work" && "$coffer" run --config-id "$BENCHCLIENT/sysbench" -- "$@"); }
# run_conf: starts MariaDB under the runtime; sets db_pid and started_s.
run_conf() {
  local t0 log="$work/confidential/mariadbd.$(date +%s%N).log"
  t0=$(now)
  "$coffer" run --daemon --config-id "$DBSESSION/mariadb" >"$log" 2>&1 &
  db_pid=$!
  pids+=("$db_pid")
  started_s=$(wait_ready "$log" "$db_pid" "$t0") ||
    { tail -n 20 "$log"; fail "the confidential MariaDB did not start"; }
}

echo "== first start on an empty data directory"
start_plain plain
plain_install=$install_s plain_first=$first_s
run_conf
conf_first=$started_s
echo "   plain: mariadb-install-db ${plain_install} s, then mariadbd ${plain_first} s;" \
  "confidential (coffer run, attestation included): ${conf_first} s"
db_sql "SELECT CONCAT_WS(' ', 'buffer pool', @@innodb_buffer_pool_size, 'flush', @@innodb_flush_log_at_trx_commit,
  'sync-binlog', @@sync_binlog, @@binlog_format, 'encrypt', @@innodb_encrypt_tables, @@innodb_encrypt_log,
  @@encrypt_binlog, @@file_key_management_encryption_algorithm)" | sed 's/^/   confidential: /'
db_sql "SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_version', 'Ssl_cipher')" | tr '\t\n' '  ' |
  sed 's/^/   confidential (mariadb client): /'; echo
mariadb --no-defaults -uroot -S "$work/plain/mysqld.sock" -Ne "SELECT CONCAT_WS(' ', 'buffer pool',
  @@innodb_buffer_pool_size, 'flush', @@innodb_flush_log_at_trx_commit, 'sync-binlog', @@sync_binlog,
  @@binlog_format, 'encrypt', @@innodb_encrypt_tables, @@innodb_encrypt_log, @@encrypt_binlog)" |
  sed 's/^/   plain:        /'

echo "== prepare (untimed), then $rounds rounds x $seconds s per workload, alternating"
bench plain confidential

echo "== restart (the data of the benchmark in place)"
stop_pid "${pid[plain]}"
run_plain plain
plain_restart=$started_s
stop_pid "$db_pid"
run_conf
conf_restart=$started_s

echo "== results"
report plain confidential
printf 'startup     first start     plain %5.2f s (+ mariadb-install-db %.2f s = %.2f s)  confidential %5.2f s  ratio %s (%s with install-db)\n' \
  "$plain_first" "$plain_install" "$(awk -v a="$plain_first" -v b="$plain_install" 'BEGIN { print a + b }')" \
  "$conf_first" "$(ratio "$conf_first" "$plain_first")" \
  "$(ratio "$conf_first" "$(awk -v a="$plain_first" -v b="$plain_install" 'BEGIN { print a + b }')")"
printf 'startup     restart         plain %5.2f s  confidential %5.2f s  ratio %s\n' \
  "$plain_restart" "$conf_restart" "$(ratio "$conf_restart" "$plain_restart")"
exit 0
