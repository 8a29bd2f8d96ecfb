#!/usr/bin/env bash
# `make demo-scalable`: the seed's scalable confidential MariaDB on one
# machine, told step by step: a primary, two masking proxies behind HAProxy,
# two replicas, the application seeing personal data in clear and an
# analyst seeing it masked, reads spread over the replicas, and a failover
# with no acknowledged write lost. Every command it runs is printed with "+". It starts a LAS and a
# CAS in a fresh directory, runs everything under `coffer run`, prints a
# summary, stops everything and exits 0. KEEP=1 leaves the stack running.
set -euo pipefail
cd "$(dirname "$0")/.."
coffer=$(readlink -f "${COFFER:-build/bin/coffer}")  # COFFER=... runs another build
work=$(mktemp -d /tmp/coffer-demo-scalable-XXXXXX)
chmod 0755 "$work"
pids=()
summary=()
stop_all() {
  [[ ${KEEP:-0} == 1 ]] && return
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap stop_all EXIT
source tests/lib/stack.sh
source tests/lib/mariadb.sh
source tests/lib/scalable.sh

step() { printf '\n== %s ==\n' "$*"; }
show() { echo "+ $*"; "$@"; }
fail() { echo "!! $*"; tail -n 20 "$work"/*.log "$work"/*.err 2>/dev/null; exit 1; }
# as WHO SQL: runs SQL through WHO's attested client (app or analyst), with
# column headers, indented.
as() {
  local who=$1 sql=$2 session=$DBCLIENT
  [[ $who == analyst ]] && session=$ANALYST
  echo "+ $coffer run --config-id $session/client -- -e \"$sql\""
  "$coffer" run --config-id "$session/client" -- -te "$sql" 2>"$work/client.err" |
    sed 's/^/   /' || fail "the $who's client failed: $(cat "$work/client.err")"
}
# holds TEXT COMMAND...: the command must fail (the protection holds).
# $show_as, if set, is printed instead of the command.
holds() {
  local text=$1
  shift
  echo "+ ${show_as:-$*}"
  if "$@" >"$work/attempt.out" 2>&1; then
    echo "!! NOT REFUSED: $text"; cat "$work/attempt.out"; exit 1
  fi
  { grep -m1 -E 'ERROR|refused|denied' "$work/attempt.out" ||
    head -n 1 "$work/attempt.out"; } | cut -c1-200 | sed 's/^/   /'
  echo "   -> refused: $text"
  summary+=("refused   $text")
}

command -v haproxy >/dev/null || fail "haproxy is not installed (scripts/install-deps.sh installs it)"

step "1. A LAS (this machine's attestation service) and a CAS, in $work"
echo "+ $coffer las serve --data $work/las &"
start_las "$work/las"
export COFFER_LAS_ADDR="$work/las/las.sock" COFFER_CONFIG="$work/owner"
echo "+ $coffer cas serve --data $work/cas --listen 127.0.0.1:0 &"
start_cas cas "$work/cas" "$COFFER_LAS_ADDR"
[[ -n $cas ]] || fail "the CAS did not start"
export COFFER_CAS_ADDR=$cas
echo "   CAS listening on $cas"

step "2. Attest the CAS: is it the coffer build we trust, holding its TLS key?"
show "$coffer" cas attest "$cas" --accept-simulation
summary+=("attested  CAS $cas (simulation mode: no SGX hardware here)")

step "3. Platform IDs, measurements, names, ports and the masking rules"
scalable_env
P2=$(free_port)
LB_PORT=$(free_port)
echo "   PLATFORMS=$PLATFORMS"
echo "   MARIADB_MRENCLAVE=$MARIADB_MRENCLAVE   (coffer measure mariadbd)"
echo "   COFFER_MRENCLAVE=$COFFER_MRENCLAVE    (coffer measure --self: the proxy)"
echo "   CLIENT_MRENCLAVE=$CLIENT_MRENCLAVE    (coffer measure mariadb)"
echo "   DBSESSION=$DBSESSION DBCLIENT=$DBCLIENT ANALYST=$ANALYST"
echo "   MARIADB_PORT=$MARIADB_PORT (primary) PROXY_PORT=$PROXY_PORT and $P2 (proxies) $LB_PORT (HAProxy)"
echo "+ export MASKING_RULES=\$(tr -d '\\n' <templates/mariadb-scalable/masking.json)"
sed 's/^/   /' templates/mariadb-scalable/masking.json

step "4. The three sessions (policies), from templates/mariadb-scalable/"
echo "   The clients connect to HAProxy, which passes TLS through to a proxy."
echo "+ PROXY_PORT=$LB_PORT $coffer session create --name=$DBCLIENT --use-env templates/mariadb-scalable/dbclient.yml"
PROXY_PORT=$LB_PORT "$coffer" session create --name="$DBCLIENT" --use-env templates/mariadb-scalable/dbclient.yml
echo "+ PROXY_PORT=$LB_PORT $coffer session create --name=$ANALYST --use-env templates/mariadb-scalable/analyst.yml"
PROXY_PORT=$LB_PORT "$coffer" session create --name="$ANALYST" --use-env templates/mariadb-scalable/analyst.yml
show "$coffer" session create --name="$DBSESSION" --use-env templates/mariadb-scalable/dbsession.yml

step "5. The primary MariaDB under the runtime: keys and certificates only from the CAS"
echo "+ $coffer run --daemon --config-id $DBSESSION/primary &"
start_primary "$work/primary.log" || fail "the primary did not start"
grep -m1 "coffer run:" "$work/primary.log" | sed 's/^/   /'
summary+=("started   the primary MariaDB on 127.0.0.1:$MARIADB_PORT, attested")

step "6. Two masking proxies under the runtime, HAProxy in front of them"
echo "+ $coffer run --daemon --config-id $DBSESSION/proxy &"
start_proxy proxy1 || fail "the first proxy did not start"
echo "   listening on $(tail -n 1 "$work/proxy1.out")"
A2=$(free_port) || fail "no free port"
echo "+ $coffer run --daemon --config-id $DBSESSION/proxy -- --listen=127.0.0.1:$P2 --admin=127.0.0.1:$A2 &"
start_proxy proxy2 "$P2" "$A2" || fail "the second proxy did not start"
echo "   listening on $(tail -n 1 "$work/proxy2.out")"
echo "+ haproxy -db -f $work/haproxy.cfg &   (mode tcp, balance roundrobin, tcp-check on the MySQL greeting)"
start_haproxy "$LB_PORT" "$PROXY_PORT" "$P2" || fail "HAProxy did not start"
wait_haproxy_status proxy1 UP && wait_haproxy_status proxy2 UP ||
  fail "HAProxy does not see both proxies up"
echo "   HAProxy on 127.0.0.1:$LB_PORT: proxy1 $(haproxy_status proxy1), proxy2 $(haproxy_status proxy2)"
summary+=("started   two proxies (attested as coffer) behind HAProxy on 127.0.0.1:$LB_PORT")

step "7. The application writes personal data and reads it in clear"
as app "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100), email VARCHAR(100), ssn CHAR(11), balance DECIMAL(10,2))"
as app "INSERT INTO customers VALUES (1, 'Jane Roe', 'jane.roe@example.com', '123-45-6789', 1234.50), (2, 'John Smith', 'john.smith@example.org', '987-65-4321', 99.99)"
as app "SELECT * FROM customers"
summary+=("wrote     personal data as app; app reads it in clear")

step "8. The analyst reads the same rows, masked by the proxy"
as analyst "SELECT * FROM customers"
as analyst "SELECT CURRENT_USER(), COUNT(*), SUM(balance) FROM customers"
summary+=("masked    name (obfuscate), email (match), ssn (replace) for the analyst")

step "8b. Two replicas join: attested like the primary, each copies the data by itself"
R1=$(free_port)
R2=$(free_port)
for name in r1 r2; do
  port=$R1
  [[ $name == r2 ]] && port=$R2
  echo "+ $coffer run --daemon --config-id $DBSESSION/replica -- $port $work/$name 127.0.0.1 &"
  start_replica "$name" "$port" || fail "the replica $name did not start"
  grep -m1 "coffer run:" "$work/$name.log" | sed 's/^/   /'
done
# spread: two distinct replicas answer plain reads (new connections).
spread() {
  for _ in $(seq 1 8); do app_sql "SELECT @@server_id" 2>/dev/null; done | sort -u >"$work/seen"
  [[ $(grep -vcx "$primary_id" "$work/seen") -eq 2 ]]
}
primary_id=$(app_sql "BEGIN; SELECT @@server_id; COMMIT" 2>/dev/null)
for _ in $(seq 1 100); do spread && break; sleep 0.2; done
spread || fail "the proxies do not read from both replicas"
echo "   the proxies' monitor found them (SHOW SLAVE HOSTS on the primary):"
grep -h "found a replica" "$work/proxy1.err" | sed 's/^/   /'
summary+=("started   two replicas on empty directories: full copies over TLS, encrypted on disk")

step "8c. Reads spread over the replicas; a transaction stays on the primary"
for _ in 1 2 3 4; do as app "SELECT @@server_id AS server, COUNT(*) AS customers FROM customers"; done
as app "START TRANSACTION; SELECT @@server_id AS primary_server; COMMIT"
as analyst "SELECT @@server_id AS server, ssn FROM customers"
summary+=("routed    reads to replicas ($(grep -vx "$primary_id" "$work/seen" | tr '\n' ' ')), transactions to the primary $primary_id; masked everywhere")

step "9. The analyst's attempts to get around the masking"
# refused_sql TEXT SQL: the analyst's client runs SQL; it must be refused.
refused_sql() {
  show_as="$coffer run --config-id $ANALYST/client -- -e \"$2\"" holds "$1" analyst_sql "$2"
}
refused_sql "an expression over a masked column" "SELECT CONCAT(ssn) FROM customers"
refused_sql "a masked column in WHERE" "SELECT id FROM customers WHERE ssn LIKE '1%'"
refused_sql "a masked column in ORDER BY" "SELECT id FROM customers ORDER BY ssn"
refused_sql "a write by the analyst (MariaDB's own grants)" \
  "INSERT INTO customers VALUES (3, 'x', 'x', 'x', 0)"
pki="$work/attacker-pki"
make_foreign_pki "$pki"
make_foreign_client "$pki" analyst
db="mariadb --no-defaults -h 127.0.0.1 --connect-timeout=5"
holds "a certificate with CN=analyst from another CA, at the proxy" \
  $db -P "$LB_PORT" -u analyst --ssl-cert="$pki/analyst.crt" --ssl-key="$pki/analyst.key" -e "SELECT 1"
holds "plaintext at the proxy" $db -P "$LB_PORT" -u analyst --skip-ssl -e "SELECT 1"
holds "a certificate with CN=app from another CA, at the primary (past the proxies)" \
  $db -P "$MARIADB_PORT" -u app --ssl-cert="$pki/app.crt" --ssl-key="$pki/app.key" -e "SELECT 1"

step "10. One proxy dies; traffic goes on through HAProxy"
echo "+ kill -KILL <proxy1 and its runtime>"
kill_proxy proxy1
wait_haproxy_status proxy1 DOWN || fail "HAProxy did not mark proxy1 down"
echo "   HAProxy: proxy1 $(haproxy_status proxy1), proxy2 $(haproxy_status proxy2)"
ok=0
echo "+ 10 new connections as app through HAProxy: $coffer run --config-id $DBCLIENT/client -- -e \"SELECT COUNT(*) FROM customers\""
for _ in $(seq 1 10); do
  app_sql "SELECT COUNT(*) FROM customers" >/dev/null 2>&1 && ok=$((ok + 1))
done
echo "   $ok of 10 succeeded"
[[ $ok -eq 10 ]] || fail "connections were lost"
as analyst "SELECT id, ssn FROM customers"
summary+=("survived  one proxy killed: 10 of 10 new connections through HAProxy, still masked")

step "11. The primary dies under four writers; a replica takes over, no acknowledged write lost"
as app "CREATE TABLE acked (w INT, i INT, PRIMARY KEY (w, i))"
echo "+ 4 writers: $coffer run --config-id $DBCLIENT/client -- -nN   (INSERT INTO acked ... RETURNING w, i, as fast as they can; a new client after an error)"
start_writers 4
for _ in $(seq 1 600); do [[ $(acked_count) -ge 100 ]] && break; sleep 0.1; done
echo "   $(acked_count) writes acknowledged so far"
echo "+ kill -KILL <the primary's mariadbd>"
killed_at=$EPOCHREALTIME
kill -KILL "$(mariadbd_of "$primary_pid")"
wait "$primary_pid" 2>/dev/null || true
for _ in $(seq 1 600); do [[ -n $(failover_seconds "$killed_at") ]] && break; sleep 0.1; done
failover=$(failover_seconds "$killed_at") || fail "writes did not resume"
for _ in $(seq 1 600); do [[ $(acked_after "$killed_at") -ge 100 ]] && break; sleep 0.1; done
stop_writers
grep -h "promoted a new primary" "$work"/proxy*.err | tail -n 1 | sed 's/^/   /'
echo "   primary killed to the first write acknowledged on a new connection: $failover s"
cat "$work"/acked.* | awk '{print $1 "\t" $2}' | sort >"$work/acked.want"
app_sql "BEGIN; SELECT w, i FROM acked; COMMIT" 2>/dev/null | sort >"$work/acked.have"
lost=$(comm -23 "$work/acked.want" "$work/acked.have" | wc -l)
echo "   $(wc -l <"$work/acked.want") writes acknowledged; on the new primary: all but $lost"
[[ $lost -eq 0 ]] || fail "$lost acknowledged writes were lost"
as app "START TRANSACTION; SELECT @@server_id AS new_primary; COMMIT"
summary+=("failover  primary killed under 4 writers: a replica promoted, writes back after $failover s, 0 acknowledged writes lost")

step "12. A planned switchover: the operator moves the primary to the other replica"
echo "+ $coffer run --config-id $DBCLIENT/operator -- --proxy=127.0.0.1:$A2   (coffer proxy switchover, attested, certificate CN=operator)"
if ! "$coffer" run --config-id "$DBCLIENT/operator" -- --proxy="127.0.0.1:$A2" \
  >"$work/operator.out" 2>"$work/operator.err"; then
  cat "$work/operator.err"
  fail "the switchover failed"
fi
sed 's/^/   /' "$work/operator.out"
as app "START TRANSACTION; SELECT @@server_id AS new_primary; COMMIT"
summary+=("switched  $(sed 's/^switchover: //' "$work/operator.out")")

if [[ ${KEEP:-0} == 1 ]]; then
  echo "+ $coffer run --daemon --config-id $DBSESSION/proxy &   (again, for KEEP=1)"
  start_proxy proxy1 || true
fi

step "Summary"
printf '  %s\n' "${summary[@]}"
if [[ ${KEEP:-0} == 1 ]]; then
  cat <<TEXT

The stack keeps running (KEEP=1). Connect as the application or the analyst:
  export COFFER_CAS_ADDR=$COFFER_CAS_ADDR COFFER_LAS_ADDR=$COFFER_LAS_ADDR COFFER_CONFIG=$COFFER_CONFIG PATH=$PATH
  $coffer run --config-id $DBCLIENT/client -- -e "SELECT * FROM customers"
  $coffer run --config-id $ANALYST/client -- -e "SELECT * FROM customers"
Stop it: kill ${pids[*]}; rm -rf $work
TEXT
else
  echo "  stopped   everything started; removed $work"
fi
