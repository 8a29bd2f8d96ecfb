#!/usr/bin/env bash
# The proxy (`coffer proxy serve`) against the database it fronts, with
# sysbench, in one run (`make bench`). Usage: bench_proxy.sh BIN_DIR
#
# One MariaDB with TLS and client certificates only, as tests/proxy/rig.sh
# starts it (openssl-made PKI, --require-secure-transport=ON, accounts
# REQUIRE SUBJECT ... AND ISSUER ..., no password; no LAS or CAS), and in
# front of it, on random loopback ports:
#   direct        sysbench straight to MariaDB, TLS with the account's
#                 certificate of the database CA;
#   proxy         sysbench through one `coffer proxy serve` (TLS on both
#                 sides, a client certificate of the client CA) whose rules
#                 mask a column sysbench never reads (`nothing_here`) for the
#                 sysbench account: the masking filter is active and its SQL
#                 guard parses every statement;
#   proxy-masked  (oltp_point_select only) a second proxy whose rule masks
#                 `c` of app's tables, the column point selects read;
#   haproxy       sysbench through Debian's HAProxy (TCP mode, send-proxy-v2
#                 from 127.0.0.2) in front of the first proxy;
#   relay         sysbench through the same HAProxy straight to MariaDB, as
#                 direct (TLS end to end, the database CA's certificate):
#                 one more loopback hop and nothing else, the baseline of
#                 what any relay in front of the database costs here, so
#                 "proxy / relay" is the part the proxy's own work takes.
# Workloads: oltp_read_only and oltp_read_write with 8 threads, and
# oltp_point_select with BENCH_LATENCY_THREADS threads (default 1) for the
# latency of one point select (median and p95 from sysbench's histogram).
# 4 tables x 50,000 rows, prepared once, untimed. The targets take turns in
# every round, the order reversed every other round. Printed: tps and the
# ratio to direct per workload (median of rounds), latencies and the added
# median latency, CPU per query of the proxy, HAProxy and mariadbd (from
# /proc/PID/stat before and after each run, divided by sysbench's query
# count), the targets (the proxy keeps >= 0.85 of direct throughput and adds
# < 0.5 ms to the median point-select latency: "met" or "NOT met"; exit 0
# either way), then where the proxy's time goes: its system calls per query
# (strace -c) and its hottest functions (perf record), if those tools work.
#
# sysbench runs with --db-ps-mode=disable by default, so that every
# statement is a COM_QUERY the proxy's guard parses (with prepared
# statements it parses each statement once per connection); set
# BENCH_PS_MODE=auto to measure prepared statements instead.
#
# Environment: BENCH_PROXY_SECONDS (per run; default BENCH_SECONDS or 20),
# BENCH_PROXY_ROUNDS (default BENCH_ROUNDS or 3), BENCH_PROXY_WORKLOADS
# (default "read_only read_write point_select"), BENCH_WARMUP (seconds of
# read_only per target before timing; default 5), BENCH_PS_MODE (disable),
# BENCH_PROXY_IO_THREADS (the proxy's I/O threads; 1),
# BENCH_LATENCY_THREADS (1), BENCH_PROXY_PROFILE (seconds of strace and of
# perf; default 5, 0: none), BENCH_PROXY_CPUS: shared (default: every
# process on every CPU) or split (MariaDB and sysbench on CPU 0, the proxies
# and HAProxy on CPU 1, for every target alike: the proxy on a core of its
# own, as in a deployment that gives it its own machine or pod, while the
# database and its clients keep the same CPU in every run).
set -uo pipefail
coffer=$(readlink -f "$1/coffer")
cd "$(dirname "$0")/.." || exit 1
seconds=${BENCH_PROXY_SECONDS:-${BENCH_SECONDS:-20}}
rounds=${BENCH_PROXY_ROUNDS:-${BENCH_ROUNDS:-3}}
workloads=${BENCH_PROXY_WORKLOADS:-read_only read_write point_select}
warmup=${BENCH_WARMUP:-5}
ps_mode=${BENCH_PS_MODE:-disable}
lat_threads=${BENCH_LATENCY_THREADS:-1}
profile=${BENCH_PROXY_PROFILE:-5}
io_threads=${BENCH_PROXY_IO_THREADS:-1}
cpus=${BENCH_PROXY_CPUS:-shared}
tput_target=0.85      # proxy/direct throughput, at least
latency_target=0.5    # ms added to the median point select, less than

for tool in mariadbd mariadb mariadb-install-db sysbench openssl; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench_proxy: skipped: $tool is not installed"; exit 0
  fi
done
[[ -x $coffer ]] || { echo "bench_proxy: no coffer in $1" >&2; exit 1; }

work=$(mktemp -d /tmp/coffer-bench-proxy-XXXXXX)
chmod 0755 "$work"
pids=()
cleanup() {
  for p in "${helpers[@]:-}"; do [[ -n $p ]] && kill -KILL "$p" 2>/dev/null; done
  stop_started_gently
  rm -rf "$work"
}
helpers=()  # strace and perf, if running
trap cleanup EXIT
trap 'exit 130' INT TERM
source tests/lib/stack.sh
source tests/lib/mariadb.sh
source tests/proxy/rig.sh

fail() { echo "bench_proxy: $*" >&2; exit 1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "n/a" && b != "n/a" && b > 0) printf "%.3f", a / b; else print "n/a" }'; }
median() {
  local v=() x
  for x in "$@"; do [[ $x != n/a && -n $x ]] && v+=("$x"); done
  ((${#v[@]})) || { echo n/a; return; }
  printf '%s\n' "${v[@]}" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) printf "%.3f", v[(NR + 1) / 2]; else printf "%.3f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# ticks PID: the process's user + system CPU time in clock ticks (all threads).
ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
clk_tck=$(getconf CLK_TCK)
# us_per CPU_TICKS QUERIES: microseconds of CPU per query.
us_per() { awk -v t="$1" -v q="$2" -v hz="$clk_tck" 'BEGIN { if (q > 0) printf "%.1f", t * 1e6 / hz / q; else print "n/a" }'; }
# sysbench's figures from its log: tps, queries (count), p50 and p95 in ms
# (from the latency histogram; n/a without one), errors ignored.
sb_tps() { awk '/transactions:/ { gsub(/[(]/, "", $3); print $3; f = 1 } END { if (!f) print "n/a" }' "$1"; }
sb_queries() { awk '/^ *queries:/ { print $2; f = 1 } END { if (!f) print 0 }' "$1"; }
sb_errors() { awk '/ignored errors:/ { print $3; f = 1 } END { if (!f) print 0 }' "$1"; }
sb_pct() {
  awk -v p="$2" '/^ *[0-9.]+ \|/ { v[++n] = $1; c[n] = $NF; total += $NF }
    END { if (!total) { print "n/a"; exit } need = p / 100 * total
          for (i = 1; i <= n; i++) { sum += c[i]; if (sum >= need) { printf "%.3f", v[i]; exit } } }' "$1"
}

echo "Proxy sysbench: MariaDB $(mariadbd --version | awk '{ print $3 }'), sysbench $(sysbench --version | awk '{ print $2 }')," \
  "$(haproxy -v 2>/dev/null | head -n 1 | awk '{ print "HAProxy " $3 }')"
echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p' | head -n 1)," \
  "$(free -g | awk '/^Mem:/ { print $2 }') GiB; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs: $rounds rounds x ${seconds} s per workload and target; 8 threads (point_select: $lat_threads);" \
  "4 tables x 50,000 rows; --db-ps-mode=$ps_mode; CPUs $cpus"
if ldd "$coffer" 2>/dev/null | grep -q libasan; then
  echo "bench_proxy: WARNING: $coffer is built with AddressSanitizer: its figures mean nothing (use build-bench)"
fi

# --- MariaDB, the PKI, two proxies and HAProxy -----------------------------
echo "== MariaDB (TLS, client certificates only) and the proxies in $work"
rig_pki "$work/pki"
rig_start_db || { tail -n 20 "$work/db.log" "$work/install-db.log"; fail "MariaDB did not start"; }
cat >"$work/rules-idle.json" <<'JSON'
{"rules": [{"replace": {"column": "nothing_here"}, "with": {"fill": "X"}, "applies_to": ["'app'"]}]}
JSON
cat >"$work/rules-c.json" <<'JSON'
{"rules": [{"replace": {"column": "c", "database": "app"}, "with": {"fill": "X"}, "applies_to": ["'app'"]}]}
JSON
declare -A proxy_pid_of proxy_port_of metrics_of
for p in proxy:rules-idle proxy-masked:rules-c; do
  name=${p%%:*}
  rig_proxy_config "$work/$name.json" "$work/${p#*:}.json"
  sed -i "s/\"listen\"/\"io_threads\": $io_threads, \"listen\"/" "$work/$name.json"
  metrics_of[$name]=$(free_port) || fail "no free port"
  rig_start_proxy "$name" "$work/$name.json" --metrics "127.0.0.1:${metrics_of[$name]}" ||
    { cat "$work/$name.err"; fail "$name did not start"; }
  proxy_pid_of[$name]=$proxy_pid proxy_port_of[$name]=$proxy_port
done

declare -A port_of client_of
port_of[direct]=$db_port
port_of[proxy]=${proxy_port_of[proxy]}
port_of[proxy-masked]=${proxy_port_of[proxy-masked]}
# sysbench 1.0.20 has no options for certificate files: with --mysql-ssl=on
# it reads client-key.pem, client-cert.pem and cacert.pem from its working
# directory. Direct: the account's certificate of the database CA; through
# the proxy: the client's certificate of the client CA.
for t in direct proxy; do
  mkdir -p "$work/client-$t"
  cp "$work/pki/ca.crt" "$work/client-$t/cacert.pem"
done
cp "$work/pki/backend-app.crt" "$work/client-direct/client-cert.pem"
cp "$work/pki/backend-app.key" "$work/client-direct/client-key.pem"
cp "$work/pki/app.crt" "$work/client-proxy/client-cert.pem"
cp "$work/pki/app.key" "$work/client-proxy/client-key.pem"
client_of[direct]=$work/client-direct
client_of[proxy]=$work/client-proxy
client_of[proxy-masked]=$work/client-proxy

haproxy_pid=""
if command -v haproxy >/dev/null; then
  port_of[haproxy]=$(free_port) || fail "no free port"
  port_of[relay]=$(free_port) || fail "no free port"
  client_of[haproxy]=$work/client-proxy
  client_of[relay]=$work/client-direct
  # The proxy requires a PROXY header from 127.0.0.2 (rig_proxy_config):
  # HAProxy connects from there and sends the client's address.
  cat >"$work/haproxy.cfg" <<CFG
global
  maxconn 4096
  nbthread 1
defaults
  mode tcp
  timeout connect 5s
  timeout client 1h
  timeout server 1h
frontend mysql
  bind 127.0.0.1:${port_of[haproxy]}
  default_backend proxies
backend proxies
  server proxy1 127.0.0.1:${port_of[proxy]} send-proxy-v2 source 127.0.0.2
frontend relay
  bind 127.0.0.1:${port_of[relay]}
  default_backend database
backend database
  server db 127.0.0.1:${db_port}
CFG
  haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
  haproxy_pid=$!
  pids+=("$haproxy_pid")
  for _ in $(seq 1 300); do  # listening (a test connection would reach the proxy)
    if command -v ss >/dev/null; then [[ -n $(ss -Hltn "sport = :${port_of[haproxy]}") ]] && break
    else (exec 3<>"/dev/tcp/127.0.0.1/${port_of[haproxy]}") 2>/dev/null && break; fi
    kill -0 "$haproxy_pid" 2>/dev/null || { cat "$work/haproxy.log"; fail "HAProxy exited"; }
    sleep 0.05
  done
else
  echo "   haproxy is not installed: the haproxy target is skipped"
fi

# CPUs: with split, the database side on CPU 0 and the relays on CPU 1
# (every thread, now and later: taskset -a).
db_cpu=()
case $cpus in
  shared) ;;
  split)
    [[ $(nproc) -ge 2 ]] || fail "BENCH_PROXY_CPUS=split needs 2 CPUs"
    command -v taskset >/dev/null || fail "BENCH_PROXY_CPUS=split needs taskset (util-linux)"
    db_cpu=(taskset -c 0)
    taskset -a -p -c 0 "$db_pid" >/dev/null || fail "cannot pin mariadbd"
    for pid in "${proxy_pid_of[@]}" $haproxy_pid; do
      taskset -a -p -c 1 "$pid" >/dev/null || fail "cannot pin $pid"
    done ;;
  *) fail "BENCH_PROXY_CPUS=$cpus: write shared or split" ;;
esac

# sql TARGET SQL: the stock client as sysbench connects (its certificates).
sql() {
  (cd "${client_of[$1]}" && mariadb --no-defaults -h 127.0.0.1 -P "${port_of[$1]}" -u app \
    --ssl-ca=cacert.pem --ssl-cert=client-cert.pem --ssl-key=client-key.pem -N -B app -e "$2")
}
targets=(direct proxy proxy-masked)
[[ -n $haproxy_pid ]] && targets+=(haproxy relay)
for t in "${targets[@]}"; do
  got=$(sql "$t" "SELECT CONCAT(CURRENT_USER(), ' ', (SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS
    WHERE VARIABLE_NAME = 'Ssl_cipher'))" 2>&1) || { echo "$got"; fail "cannot query MariaDB through $t"; }
  printf '   %-13s port %5s: %s\n' "$t" "${port_of[$t]}" "$got"
done

sysbench_opts=(--db-driver=mysql --mysql-host=127.0.0.1 --mysql-user=app --mysql-db=app
  --mysql-ssl=on --tables=4 --table-size=50000 --report-interval=0 --db-ps-mode="$ps_mode")
# sb TARGET WORKLOAD VERB SECONDS [OPTION...]
sb() {
  local t=$1 w=$2 verb=$3 s=$4 threads=8
  shift 4
  [[ $w == point_select ]] && threads=$lat_threads
  (cd "${client_of[$t]}" && "${db_cpu[@]}" sysbench "/usr/share/sysbench/oltp_$w.lua" "${sysbench_opts[@]}" \
    --mysql-port="${port_of[$t]}" --threads="$threads" --time="$s" "$@" "$verb")
}

echo "== prepare (direct, untimed), warm-up ${warmup} s read_only per target"
sb direct read_write prepare 0 --threads=4 >"$work/prepare.log" 2>&1 ||
  { tail -n 20 "$work/prepare.log"; fail "sysbench prepare failed"; }
got=$(sql proxy-masked "SELECT c FROM sbtest1 WHERE id = 1") || fail "cannot read through proxy-masked"
echo "   proxy-masked: SELECT c FROM sbtest1 WHERE id = 1 -> ${got:0:40}..."
[[ $got =~ ^X+$ ]] || fail "proxy-masked does not mask c: $got"
if [[ $warmup -gt 0 ]]; then
  for t in direct proxy; do sb "$t" read_only run "$warmup" >"$work/warmup-$t.log" 2>&1; done
fi

# --- the rounds ----------------------------------------------------------------
# Per run: tps, queries, p50/p95 (ms), CPU per query (us) of the proxy (and
# of HAProxy for haproxy) and of mariadbd.
declare -A tps_of p50_of p95_of pcpu_of hcpu_of dcpu_of qps_of
run_one() {
  local t=$1 w=$2 r=$3 log="$work/run-$1-$2-$3.log" pp="" p0=0 h0=0 d0 q extra=()
  [[ $t == proxy || $t == haproxy ]] && pp=${proxy_pid_of[proxy]}
  [[ $t == proxy-masked ]] && pp=${proxy_pid_of[proxy-masked]}
  [[ $w == point_select ]] && extra=(--histogram=on --percentile=95)
  [[ -n $pp ]] && p0=$(ticks "$pp")
  [[ $t == haproxy || $t == relay ]] && h0=$(ticks "$haproxy_pid")
  d0=$(ticks "$db_pid")
  sb "$t" "$w" run "$seconds" "${extra[@]}" >"$log" 2>&1
  q=$(sb_queries "$log")
  dcpu_of[$t,$w,$r]=$(us_per $(($(ticks "$db_pid") - d0)) "$q")
  pcpu_of[$t,$w,$r]=n/a hcpu_of[$t,$w,$r]=n/a
  [[ -n $pp ]] && pcpu_of[$t,$w,$r]=$(us_per $(($(ticks "$pp") - p0)) "$q")
  [[ $t == haproxy || $t == relay ]] && hcpu_of[$t,$w,$r]=$(us_per $(($(ticks "$haproxy_pid") - h0)) "$q")
  tps_of[$t,$w,$r]=$(sb_tps "$log")
  qps_of[$t,$w,$r]=$(awk '/^ *queries:/ { gsub(/[(]/, "", $3); print $3 }' "$log")
  p50_of[$t,$w,$r]=$(sb_pct "$log" 50)
  p95_of[$t,$w,$r]=$(sb_pct "$log" 95)
  if [[ ${tps_of[$t,$w,$r]} == n/a || $q == 0 ]]; then
    tps_of[$t,$w,$r]=n/a
    echo "   $w round $r $t FAILED; sysbench said:"
    grep -E "FATAL|error|Error" "$log" | head -n 5 | sed 's/^/     /'
    [[ -n $pp ]] && { echo "   the proxy's log (last lines):"; tail -n 5 "$work/$t.err" 2>/dev/null | sed 's/^/     /'; }
    return
  fi
  local e
  e=$(sb_errors "$log")
  printf '   %-12s round %d  %-13s %9s tps %10s qps  p50 %6s ms  p95 %6s ms  CPU/query: proxy %6s us  mariadbd %6s us%s\n' \
    "$w" "$r" "$t" "${tps_of[$t,$w,$r]}" "${qps_of[$t,$w,$r]}" "${p50_of[$t,$w,$r]}" "${p95_of[$t,$w,$r]}" \
    "${pcpu_of[$t,$w,$r]}" "${dcpu_of[$t,$w,$r]}" \
    "$([[ $t == haproxy || $t == relay ]] && echo "  haproxy ${hcpu_of[$t,$w,$r]} us")$([[ $e != 0 ]] && echo "  ($e errors ignored)")"
}

echo "== $rounds rounds x $seconds s per workload, the targets in turn"
declare -A targets_of
for w in $workloads; do
  names=(direct proxy)
  [[ $w == point_select ]] && names+=(proxy-masked)
  [[ -n $haproxy_pid ]] && names+=(haproxy relay)
  targets_of[$w]="${names[*]}"
  for r in $(seq 1 "$rounds"); do
    order=("${names[@]}")
    if ((r % 2 == 0)); then
      order=(); for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[i]}"); done
    fi
    for t in "${order[@]}"; do run_one "$t" "$w" "$r"; done
  done
done

# --- results ---------------------------------------------------------------------
med() {  # med ARRAY_NAME TARGET WORKLOAD: the median over rounds
  local -n a=$1
  local v=() r
  for r in $(seq 1 "$rounds"); do v+=("${a[$2,$3,$r]:-n/a}"); done
  median "${v[@]}"
}
verdict() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN {
  if (v == "n/a") print "NOT met (no figure)"
  else if ((dir == "min" && v >= t) || (dir == "max" && v < t)) print "met"; else print "NOT met" }'; }
echo "== results (medians of $rounds rounds; ratio = target / direct; CPU in us per query)"
printf '%-13s %-13s %10s %7s  %-22s %8s %8s %8s %8s %8s\n' workload target tps ratio "ratio per round" \
  "p50 ms" "p95 ms" proxy haproxy mariadbd
for w in $workloads; do
  for t in ${targets_of[$w]}; do
    rs=()
    for r in $(seq 1 "$rounds"); do rs+=("$(ratio "${tps_of[$t,$w,$r]}" "${tps_of[direct,$w,$r]}")"); done
    m=$(med tps_of "$t" "$w")
    printf '%-13s %-13s %10s %7s  %-22s %8s %8s %8s %8s %8s\n' "$w" "$t" "$m" \
      "$(ratio "$m" "$(med tps_of direct "$w")")" "${rs[*]}" "$(med p50_of "$t" "$w")" "$(med p95_of "$t" "$w")" \
      "$(med pcpu_of "$t" "$w")" "$(med hcpu_of "$t" "$w")" "$(med dcpu_of "$t" "$w")"
  done
done
echo "== targets: the proxy keeps >= $tput_target of direct throughput, adds < $latency_target ms to the median point select"
for w in $workloads; do
  [[ $w == point_select ]] && continue
  for t in proxy haproxy; do
    [[ " ${targets_of[$w]} " == *" $t "* ]] || continue
    rt=$(ratio "$(med tps_of "$t" "$w")" "$(med tps_of direct "$w")")
    printf '%-13s %-13s throughput ratio %6s  %s\n' "$w" "$t" "$rt" "$(verdict "$rt" "$tput_target" min)"
  done
  # The baseline of any relay: the proxy's share of the loss is proxy / relay.
  if [[ " ${targets_of[$w]} " == *" relay "* ]]; then
    printf '%-13s %-13s throughput ratio %6s  (a bare TCP relay: the ceiling for any proxy here); proxy / relay %s\n' \
      "$w" relay "$(ratio "$(med tps_of relay "$w")" "$(med tps_of direct "$w")")" \
      "$(ratio "$(med tps_of proxy "$w")" "$(med tps_of relay "$w")")"
  fi
done
if [[ " $workloads " == *" point_select "* ]]; then
  for t in proxy proxy-masked haproxy; do
    [[ " ${targets_of[point_select]} " == *" $t "* ]] || continue
    added=$(awk -v a="$(med p50_of "$t" point_select)" -v b="$(med p50_of direct point_select)" \
      'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else printf "%.3f", a - b }')
    printf '%-13s %-13s added median latency %6s ms  %s\n' point_select "$t" "$added" \
      "$(verdict "$added" "$latency_target" max)"
  done
fi

# --- the proxies' own account of the runs ----------------------------------------
metrics() {
  curl -sS --cacert "$work/pki/ca.crt" --cert "$work/pki/app.crt" --key "$work/pki/app.key" \
    "https://127.0.0.1:${metrics_of[$1]}/metrics" 2>/dev/null
}
echo "== the proxies' metrics and logs"
for p in proxy proxy-masked; do
  echo "   $p: $(metrics "$p" | grep -E '^coffer_proxy_(queries_total|masked_values_total|refusals_total|connections_total)' |
    tr '\n' ' ')"
  n=$(grep -c . "$work/$p.err")
  echo "   $p stderr: $n lines; warnings and errors: $(grep -cE 'level=(warn|warning|error)' "$work/$p.err")"
  grep -E 'level=(warn|warning|error)|refused' "$work/$p.err" | sort | uniq -c | sort -rn | head -n 10 | sed 's/^/     /'
done

# --- which sysbench statements the guard refuses on a masked column ------------
# oltp_read_only and oltp_read_write through proxy-masked, 1 thread, 2 s:
# sysbench stops at the first refused statement; that kind of statement is
# then turned off (its sysbench option set to 0) and the run repeated.
echo "== the guard with c masked: which statements of oltp_read_only/read_write it refuses (proxy-masked)"
for w in read_only read_write; do
  off=()
  for _ in $(seq 1 8); do
    log="$work/probe-$w-${#off[@]}.log"
    before=$(grep -c . "$work/proxy-masked.err")
    sb proxy-masked "$w" run 2 --threads=1 "${off[@]}" >"$log" 2>&1
    query=$(sed -n "s/.*for query '\(.*\)'.*/\1/p" "$log" | head -n 1)
    if [[ -z $query ]]; then
      if [[ $(sb_tps "$log") != n/a ]]; then
        echo "   $w: runs with ${off[*]:-no option changed} ($(sb_tps "$log") tps)"
      else
        echo "   $w: fails otherwise:"; grep -E "FATAL|error" "$log" | head -n 3 | sed 's/^/     /'
      fi
      break
    fi
    why=$(sed -n 's/.*\(returned error .*\) for query.*/\1/p' "$log" | head -n 1)
    logged=$(tail -n +"$((before + 1))" "$work/proxy-masked.err" | grep refused | head -n 1 | sed 's/^ts=[^ ]* //')
    echo "   $w: refused: $query"
    echo "       sysbench: $why"
    echo "       proxy log: $logged"
    case $query in
      *DISTINCT*) opt=--distinct_ranges=0 ;;
      *"ORDER BY"*) opt=--order_ranges=0 ;;
      *SUM\(*) opt=--sum_ranges=0 ;;
      *BETWEEN*) opt=--simple_ranges=0 ;;
      SELECT*) opt=--point_selects=0 ;;
      *"SET k=k+1"*) opt=--index_updates=0 ;;
      UPDATE*) opt=--non_index_updates=0 ;;
      DELETE* | INSERT*) opt=--delete_inserts=0 ;;
      *) echo "   $w: no sysbench option turns that statement off"; break ;;
    esac
    off+=("$opt")
  done
done

# --- where the proxy's time goes ----------------------------------------------------
if [[ $profile -gt 0 ]]; then
  ppid=${proxy_pid_of[proxy]}
  if command -v strace >/dev/null; then
    echo "== system calls of the proxy per query (strace -c -f, read_only, 8 threads, $profile s; slowed by strace)"
    strace -c -f -p "$ppid" -o "$work/strace.txt" 2>"$work/strace.err" &
    spid=$!
    helpers+=("$spid")
    for _ in $(seq 1 200); do grep -q attached "$work/strace.err" && break; kill -0 "$spid" 2>/dev/null || break; sleep 0.05; done
    sb proxy read_only run "$profile" >"$work/strace-run.log" 2>&1
    kill -INT "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
    q=$(sb_queries "$work/strace-run.log")
    if [[ -s $work/strace.txt && $q -gt 0 ]]; then
      awk -v q="$q" '$NF == "total" { printf "   total: %.2f system calls per query (%d queries)\n", $4 / q, q }' "$work/strace.txt"
      awk -v q="$q" '$1 ~ /^[0-9.]+$/ && $NF != "total" { printf "%s %.2f\n", $NF, $4 / q }' "$work/strace.txt" |
        sort -k2 -rn | awk '$2 >= 0.01' | head -n 8 | awk '{ printf "   %-16s %6s per query\n", $1, $2 }'
    else
      echo "   strace gave nothing: $(head -n 3 "$work/strace.err")"
    fi
  fi
  if command -v perf >/dev/null && perf record -e cpu-clock -o "$work/perf-check.data" true >/dev/null 2>&1; then
    echo "== the proxy's hottest functions (perf record -e cpu-clock, read_only, 8 threads, $profile s)"
    perf record -e cpu-clock -F 999 -p "$ppid" -o "$work/perf.data" >"$work/perf.log" 2>&1 &
    fpid=$!
    helpers+=("$fpid")
    sb proxy read_only run "$profile" >"$work/perf-run.log" 2>&1
    kill -INT "$fpid" 2>/dev/null; wait "$fpid" 2>/dev/null
    echo "   by library:"
    perf report -i "$work/perf.data" --stdio --sort dso 2>/dev/null | grep -E '^ +[0-9]' | head -n 8 | sed 's/^/   /'
    echo "   by part (symbols grouped by name):"
    perf report -i "$work/perf.data" --stdio --no-children --sort dso,sym 2>/dev/null | grep -E '^ +[0-9]' |
      awk '{ pct = $1; sub(/%/, "", pct); dso = $2; sym = $0
        if (dso ~ /kernel/) part = "kernel (system calls, loopback TCP, scheduler)"
        else if (dso ~ /libcrypto|libssl/) part = "OpenSSL (TLS records, both sides)"
        else if (sym ~ /malloc|free|_int_|unlink_chunk|operator new|operator delete|cfree/) part = "allocator (malloc/free)"
        else if (sym ~ /memmove|memcpy|memset|memcmp|strlen|memchr/) part = "libc memory/string functions"
        else if (sym ~ /coffer::sql::/) part = "SQL guard (coffer::sql: lexer, parser, checks)"
        else if (sym ~ /coffer::masking::|MaskingFilter/) part = "masking (rules, filter)"
        else if (sym ~ /coffer::mysql::/) part = "MySQL protocol (coffer::mysql)"
        else if (sym ~ /boost::|asio|beast/) part = "Boost.Asio/Beast (I/O, coroutines)"
        else if (dso ~ /coffer/) part = "other coffer code"
        else part = "other (" dso ")"
        sum[part] += pct }
        END { for (p in sum) printf "%6.1f%%  %s\n", sum[p], p }' | sort -rn | sed 's/^/   /'
    echo "   by function (self):"
    perf report -i "$work/perf.data" --stdio --no-children --sort dso,sym 2>/dev/null | grep -E '^ +[0-9]' |
      head -n 20 | cut -c1-130 | sed 's/^/   /'
  else
    echo "== perf does not work here: no profile"
  fi
fi
exit 0
