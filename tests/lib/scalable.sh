# Helpers for tests and the demo that run the confidential MariaDB behind
# masking proxies (templates/mariadb-scalable/) under `coffer run`, with
# HAProxy in front of the proxies. Source after tests/lib/stack.sh and
# tests/lib/mariadb.sh (free_port, make_foreign_pki), with $coffer, $work
# and pids=() set and a LAS and an attested CAS running (COFFER_LAS_ADDR,
# COFFER_CAS_ADDR, COFFER_CONFIG exported).

# scalable_env: exports the variables of templates/mariadb-scalable/ (fresh
# session names and ports) and puts $coffer's directory first on PATH: the
# proxy's command is `coffer`, which `coffer run` finds on PATH.
scalable_env() {
  PATH="$(dirname "$coffer"):$PATH"
  export PATH
  export DBSESSION="MariaDBScalable-$RANDOM" DBCLIENT="AppClient-$RANDOM"
  export ANALYST="AnalystClient-$RANDOM"
  export PLATFORMS=$("$coffer" las platform-id)
  export MARIADB_MRENCLAVE=$("$coffer" measure mariadbd)
  export COFFER_MRENCLAVE=$("$coffer" measure --self)
  export CLIENT_MRENCLAVE=$("$coffer" measure mariadb)
  export MARIADB_DATADIR="$work/data" MARIADB_PORT=$(free_port)
  export PROXY_PORT=$(free_port)
  export MASKING_RULES=$(tr -d '\n' <templates/mariadb-scalable/masking.json)
  mkdir -p "$MARIADB_DATADIR"
}

# until_true TRIES COMMAND...: runs COMMAND every 0.2 s until it succeeds.
until_true() {
  local tries=$1
  shift
  for _ in $(seq 1 "$tries"); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# app_sql SQL / analyst_sql SQL: SQL through the attested clients (through
# the proxy, or whatever port their session names), tab-separated rows
# without headers. Extra single-letter mariadb options may come first, as
# one word: app_sql -f "SQL" runs `mariadb ... -fNe "SQL"` (the policy allows
# only two host arguments).
app_sql() { _client_sql "$DBCLIENT" "$@"; }
analyst_sql() { _client_sql "$ANALYST" "$@"; }
_client_sql() {
  local session=$1 flags=-
  shift
  if [[ $# -eq 2 ]]; then
    flags=$1
    shift
  fi
  "$coffer" run --config-id "$session/client" -- "${flags}Ne" "$1"
}

# start_primary LOG: MariaDB ($DBSESSION/primary) under the runtime; sets
# $primary_pid. Returns 0 once it is ready for connections (init.sql ran),
# 1 if it exited or took longer than 60 s.
start_primary() {
  local log=$1
  "$coffer" run --daemon --config-id "$DBSESSION/primary" >"$log" 2>&1 &
  primary_pid=$!
  pids+=("$primary_pid")
  for _ in $(seq 1 600); do
    kill -0 "$primary_pid" 2>/dev/null || return 1
    grep -q "ready for connections" "$log" && return 0
    sleep 0.1
  done
  return 1
}

# start_replica NAME PORT [HOST]: a replica ($DBSESSION/replica) under the
# runtime on PORT with the data directory $work/NAME (created empty), the
# proxies reaching it at HOST (its report-host, default 127.0.0.1), log in
# $work/NAME.log. Sets $replica_pid (also replica_pids[NAME]). Returns 0
# once it is ready for connections, 1 if it exited or took over 60 s.
declare -A replica_pids=()
start_replica() {
  local name=$1 port=$2 host=${3:-127.0.0.1}
  mkdir -p "$work/$name"
  "$coffer" run --daemon --config-id "$DBSESSION/replica" -- "$port" \
    "$work/$name" "$host" >"$work/$name.log" 2>&1 &
  replica_pid=$!
  replica_pids[$name]=$replica_pid
  pids+=("$replica_pid")
  for _ in $(seq 1 600); do
    kill -0 "$replica_pid" 2>/dev/null || return 1
    grep -q "ready for connections" "$work/$name.log" && return 0
    sleep 0.1
  done
  return 1
}

# mariadbd_of PID: the pid of the mariadbd that `coffer run` PID started.
mariadbd_of() { pgrep -P "$1" -x mariadbd; }

# start_writers N [FIRST]: N attested app clients (W = FIRST, FIRST+1...;
# FIRST defaults to 1: a later round uses other W) that insert (W, I) into
# app.acked (W INT, I INT) as fast as they can. INSERT ... RETURNING prints
# a row only for a write the server acknowledged; each arrives unbuffered
# (-n) and is stamped with the time it arrived, "W I SECONDS", in
# $work/acked.W; errors are stamped in $work/writer.W.err. The mariadb
# client does not reconnect when its input is not a terminal (batch mode
# turns --reconnect off), so a client ends at its first error and the
# writer starts a new one (I goes on from a new range). stop_writers ends
# them; acked_count, acked_after T and failover_seconds T read the files.
writer_pids=()
start_writers() {
  rm -f "$work/stop-writers" "$work"/acked.[0-9]* "$work"/writer.*.err
  local first=${2:-1}
  for w in $(seq "$first" $((first + $1 - 1))); do
    _writer "$w" &
    writer_pids+=($!)
  done
}
_writer() {
  local w=$1 run=0
  while [[ ! -e "$work/stop-writers" ]]; do
    run=$((run + 1))
    for ((i = run * 1000000 + 1; ; i++)); do
      [[ -e "$work/stop-writers" ]] && break
      echo "INSERT INTO acked VALUES ($w, $i) RETURNING w, i;"
    done |
      "$coffer" run --config-id "$DBCLIENT/client" -- -nN \
        2> >(while read -r line; do echo "$EPOCHREALTIME $line"; done >>"$work/writer.$w.err") |
      while read -r a b; do echo "$a $b $EPOCHREALTIME"; done >>"$work/acked.$w" ||
      true  # a client that ended at an error (under set -e: not the writer's end)
  done
}
# The generators stop at the file; the clients then end with their input.
stop_writers() {
  touch "$work/stop-writers"
  wait "${writer_pids[@]}"
  writer_pids=()
}
# (acked.[0-9]*: the writers' files, not a test's acked.want)
acked_count() { cat "$work"/acked.[0-9]* 2>/dev/null | wc -l; }
acked_after() { awk -v t="$1" '$3 > t' "$work"/acked.[0-9]* 2>/dev/null | wc -l; }
# failover_seconds T: from T (the primary killed) to the first write
# acknowledged on a new connection: for each writer, its first ack after its
# first error after T (acks that arrive just after T may be of writes the
# old primary committed). Empty if there is none yet.
failover_seconds() {
  local t=$1 first="" w error ack
  for file in "$work"/acked.[0-9]*; do
    w=${file##*.}
    error=$(awk -v t="$t" '$1 > t { print $1; exit }' "$work/writer.$w.err" 2>/dev/null)
    [[ -n $error ]] || continue
    ack=$(awk -v e="$error" '$3 > e { print $3; exit }' "$file")
    [[ -n $ack ]] || continue
    [[ -z $first ]] || (($(awk -v a="$ack" -v b="$first" 'BEGIN { print (a < b) }'))) && first=$ack
  done
  [[ -n $first ]] && awk -v a="$t" -v b="$first" 'BEGIN { printf "%.2f", b - a }'
}

# start_proxy NAME [PORT [ADMIN_PORT [HOST]]]: a proxy ($DBSESSION/proxy)
# under the runtime, on HOST:PORT (default or "": the policy's address;
# HOST default 127.0.0.1), with its HTTPS endpoint on ADMIN_PORT if given
# (on 127.0.0.1); stdout in $work/NAME.out, stderr
# in $work/NAME.err. Sets $proxy_pid (also as proxy_pids[NAME]). Returns 0
# once it printed its address, 1 if it exited or took over 60 s.
declare -A proxy_pids=()
start_proxy() {
  local name=$1 port=${2:-} admin=${3:-} host=${4:-127.0.0.1}
  local args=()
  [[ -n $port ]] && args+=("--listen=$host:$port")
  [[ -n $admin ]] && args+=("--admin=127.0.0.1:$admin")
  [[ ${#args[@]} -gt 0 ]] && args=(-- "${args[@]}")
  "$coffer" run --daemon --config-id "$DBSESSION/proxy" "${args[@]}" \
    >"$work/$name.out" 2>"$work/$name.err" &
  proxy_pid=$!
  proxy_pids[$name]=$proxy_pid
  pids+=("$proxy_pid")
  for _ in $(seq 1 600); do
    kill -0 "$proxy_pid" 2>/dev/null || return 1
    grep -qE '^[0-9.]+:[0-9]+$' "$work/$name.out" && return 0
    sleep 0.1
  done
  return 1
}

# kill_proxy NAME: SIGKILL to the proxy's runtime and the proxy (the
# runtime's child, which dies with it or is killed here); waits for both.
kill_proxy() {
  local pid=${proxy_pids[$1]}
  local children
  children=$(pgrep -P "$pid" 2>/dev/null || true)
  kill -KILL "$pid" $children 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for child in $children; do
    for _ in $(seq 1 100); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
  done
}

# start_haproxy PORT BACKEND_PORT...: HAProxy in TCP mode on 127.0.0.1:PORT
# in front of the proxies, in the foreground (-db) as a child; config in
# $work/haproxy.cfg, stats socket $work/haproxy.sock, log in
# $work/haproxy.log. A proxy is healthy when it sends a MySQL greeting
# (protocol version 0x0a after the 4-byte packet header). Sets $haproxy_pid;
# returns 0 once it accepts connections.
start_haproxy() {
  local port=$1
  shift
  local cfg="$work/haproxy.cfg" n=0
  cat >"$cfg" <<CFG
global
    stats socket $work/haproxy.sock mode 600 level admin
    maxconn 256
defaults
    mode tcp
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    retries 3
    option redispatch
frontend mariadb
    bind 127.0.0.1:$port
    default_backend proxies
backend proxies
    balance roundrobin
    option tcp-check
    tcp-check connect
    tcp-check expect rbinary ^.{8}0A
    default-server inter 500ms fall 2 rise 1
CFG
  for backend in "$@"; do
    n=$((n + 1))
    echo "    server proxy$n 127.0.0.1:$backend check" >>"$cfg"
  done
  haproxy -c -q -f "$cfg" || return 1
  haproxy -db -f "$cfg" >"$work/haproxy.log" 2>&1 &
  haproxy_pid=$!
  pids+=("$haproxy_pid")
  for _ in $(seq 1 100); do
    kill -0 "$haproxy_pid" 2>/dev/null || return 1
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# haproxy_status SERVER: prints the server's status in HAProxy's stats
# (UP, DOWN, ...), asked on the stats socket (python3: socat may be missing).
haproxy_status() {
  python3 - "$work/haproxy.sock" "$1" <<'PY'
import csv, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"show stat\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
rows = csv.reader(data.decode().lstrip("# ").splitlines())
header = next(rows)
for row in rows:
    if len(row) == len(header):
        r = dict(zip(header, row))
        if r["pxname"] == "proxies" and r["svname"] == sys.argv[2]:
            print(r["status"].split()[0])
PY
}

# wait_haproxy_status SERVER STATUS: waits up to 30 s for it; 0 if reached.
wait_haproxy_status() {
  for _ in $(seq 1 300); do
    [[ $(haproxy_status "$1" 2>/dev/null) == "$2" ]] && return 0
    sleep 0.1
  done
  return 1
}

# make_foreign_client PKI CN: a client certificate PKI/CN.crt, PKI/CN.key
# with subject CN=CN from the attacker's CA of make_foreign_pki PKI.
make_foreign_client() {
  local pki=$1 cn=$2
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$cn" \
    -keyout "$pki/$cn.key" -out "$pki/$cn.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$cn.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
    -CAcreateserial -days 1 -out "$pki/$cn.crt" 2>/dev/null
}
