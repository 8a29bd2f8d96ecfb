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
  "$coffer" run --config-id "$DBSESSION/primary" >"$log" 2>&1 &
  primary_pid=$!
  pids+=("$primary_pid")
  for _ in $(seq 1 600); do
    kill -0 "$primary_pid" 2>/dev/null || return 1
    grep -q "ready for connections" "$log" && return 0
    sleep 0.1
  done
  return 1
}

# start_proxy NAME [PORT]: a proxy ($DBSESSION/proxy) under the runtime,
# on PORT (default: the policy's $PROXY_PORT); stdout in $work/NAME.out,
# stderr in $work/NAME.err. Sets $proxy_pid (also as proxy_pids[NAME]).
# Returns 0 once it printed its address, 1 if it exited or took over 60 s.
declare -A proxy_pids=()
start_proxy() {
  local name=$1 port=${2:-}
  local args=()
  [[ -n $port ]] && args=(-- --listen "127.0.0.1:$port")
  "$coffer" run --config-id "$DBSESSION/proxy" "${args[@]}" \
    >"$work/$name.out" 2>"$work/$name.err" &
  proxy_pid=$!
  proxy_pids[$name]=$proxy_pid
  pids+=("$proxy_pid")
  for _ in $(seq 1 600); do
    kill -0 "$proxy_pid" 2>/dev/null || return 1
    grep -qE '^127\.0\.0\.1:[0-9]+$' "$work/$name.out" && return 0
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
