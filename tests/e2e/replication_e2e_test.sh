#!/usr/bin/env bash
# Attested replicas, read/write splitting and failover end to end: a real
# LAS and CAS, the sessions of templates/mariadb-scalable/, a primary and
# replicas (MariaDB's GTID replication over TLS) and two proxies, all
# started by `coffer run`; the clients are the attested mariadb client.
# Usage: replication_e2e_test.sh PATH/TO/coffer   (KEEP=1 keeps the logs)
set -uo pipefail
coffer=$(readlink -f "$1")
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/coffer-replication-e2e-XXXXXX)
chmod 0755 "$work"
pids=()
cleanup() {
  for pid in "${stopped[@]}"; do kill -CONT "$pid" 2>/dev/null; done
  stop_started_gently
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
stopped=()
trap cleanup EXIT
source tests/lib/expect.sh
source tests/lib/stack.sh
source tests/lib/mariadb.sh
source tests/lib/scalable.sh

# The server a plain read reaches, and the primary (inside a transaction).
read_server() { app_sql "SELECT @@server_id"; }
primary_server() { app_sql "BEGIN; SELECT @@server_id; COMMIT"; }

# 1. The stack, a second LAS (another platform), the sessions, the primary
# and two proxies.
export COFFER_CONFIG="$work/owner"
start_las "$work/las"
export COFFER_LAS_ADDR="$work/las/las.sock"
start_las "$work/las2"
other_platform_las="$work/las2/las.sock"
start_cas cas "$work/cas" "$COFFER_LAS_ADDR"
export COFFER_CAS_ADDR=$cas
must "the CAS is attested" "$coffer" cas attest "$cas" --accept-simulation >/dev/null 2>&1
scalable_env
"$coffer" session create --name="$DBCLIENT" --use-env templates/mariadb-scalable/dbclient.yml >/dev/null
"$coffer" session create --name="$ANALYST" --use-env templates/mariadb-scalable/analyst.yml >/dev/null
must "the database session with a replica service is created" \
  "$coffer" session create --name="$DBSESSION" --use-env templates/mariadb-scalable/dbsession.yml
must "the primary starts" start_primary "$work/primary.log"
A1=$(free_port)
must "the first proxy starts" start_proxy proxy1 "" "$A1"
P2=$(free_port)
A2=$(free_port)
must "the second proxy starts" start_proxy proxy2 "$P2" "$A2"
expect "one proxy's monitor made the primary writable" 0 "promoted a new primary" -- \
  cat "$work/proxy1.err" "$work/proxy2.err"
leases=$(cat "$work/proxy1.err" "$work/proxy2.err" | grep -c "holds the lease")
expect "exactly one of the two proxies holds the monitor lease" 0 "" -- test "$leases" -eq 1
# The lease is a user lock whose name is a session secret: a client that
# took it first would keep every monitor from deciding. The app account
# cannot see the monitors' connections (where the name appears in a query).
no_other_connections_visible() {
  local n
  n=$(app_sql "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER <> 'app'")
  [[ $n == 0 ]] || { echo "the app sees $n other connections"; return 1; }
}
expect "a client sees no other account's connections, so not the lease's name" 0 "" -- \
  no_other_connections_visible

marker="COFFER-REPLICA-MARKER-$RANDOM$RANDOM"
expect "the app writes data with a marker before any replica exists" 0 "" -- app_sql \
  "CREATE TABLE t (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(100));
   INSERT INTO t (v) VALUES ('$marker'), ('$marker-2'), ('plain');
   CREATE TABLE acked (w INT, i INT, PRIMARY KEY (w, i))"
primary_id=$(primary_server)
expect "the primary has a server id drawn at its first start" 0 "" -- \
  test -n "$primary_id" -a "$primary_id" != 1

# 2. A replica on an empty directory next to the data: a full copy, by
# itself, and no clear text on its disk (relay logs included).
R1=$(free_port)
must "a replica starts on an empty directory" start_replica r1 "$R1"
replica_read() { [[ $(read_server) != "$primary_id" ]]; }
must "the proxies find it and send it reads" until_true 300 replica_read
r1_id=$(read_server)
expect "the replica has every row, read from it" 0 "$r1_id	3" -- \
  app_sql "SELECT @@server_id, COUNT(*) FROM t"
expect "the replica is read-only" 0 "$r1_id	1" -- app_sql "SELECT @@server_id, @@read_only"
expect "the replica holds relay logs" 0 "" -- compgen -G "$work/r1/mariadb-relay.0*"
expect "the marker is nowhere on the replica's disk (data, binary and relay logs)" 1 "" -- \
  grep -r -a -l -e "$marker" "$work/r1"
expect "nor on the primary's" 1 "" -- grep -r -a -l -e "$marker" "$MARIADB_DATADIR"
expect "the replication account is TLS-only, certificate-only (replica log)" 0 \
  "connected to master 'replicator@127.0.0.1:$MARIADB_PORT'" -- cat "$work/r1.log"

# 3. A replica on a platform the policy does not list gets nothing.
mkdir -p "$work/rx"
expect "a replica on another platform gets no configuration" 125 "platform" -- \
  "$coffer" run --las "$other_platform_las" --config-id "$DBSESSION/replica" -- \
  "$(free_port)" "$work/rx" 127.0.0.1
expect "and wrote nothing" 0 "" -- test -z "$(ls -A "$work/rx")"
# The host chooses the replica's port and directory, but only their values:
# an option in their place (here one that would skip init.sql, leaving
# skip-grant-tables on: an open server holding the key) is a bad port.
mkdir -p "$work/ry"
expect "a host option in the replica's port is refused by mariadbd" 13 \
  "Incorrect unsigned value: '--init-file=/dev/null' for port" -- \
  timeout 120 "$coffer" run --config-id "$DBSESSION/replica" -- \
  --init-file=/dev/null --datadir="$work/ry" 127.0.0.1
expect "and that replica wrote nothing" 0 "" -- test -z "$(ls -A "$work/ry")"

# 4. A second replica; reads spread, transactions stay on the primary.
R2=$(free_port)
must "a second replica starts" start_replica r2 "$R2"
two_replicas() {
  local seen=()
  for _ in 1 2 3 4 5 6 7 8; do seen+=("$(read_server)"); done
  printf '%s\n' "${seen[@]}" | grep -v -x "$primary_id" | sort -u >"$work/seen"
  [[ $(wc -l <"$work/seen") -eq 2 ]]
}
must "reads spread over both replicas" until_true 100 two_replicas
r2_id=$(grep -v -x "$r1_id" "$work/seen")
expect "a read in a transaction goes to the primary" 0 "$primary_id" -- \
  app_sql "START TRANSACTION; SELECT @@server_id; COMMIT"
expect "autocommit=0 keeps reads on the primary" 0 "$primary_id" -- \
  app_sql "SET autocommit = 0; SELECT @@server_id"
expect "a locking read goes to the primary" 0 "$primary_id" -- \
  app_sql "SELECT @@server_id FROM t WHERE id = 1 FOR UPDATE"
expect "LAST_INSERT_ID() goes to the primary" 0 "$primary_id" -- \
  app_sql "SELECT @@server_id, LAST_INSERT_ID()"
# One COM_QUERY that opens a transaction and ends in an error: the error
# carries no status, the OKs before it say the transaction is open, and
# the next read must see its uncommitted row (a review found it sent to a
# replica). From standard input: with -e the client stops at the error.
multi_statement_error_then_read() {
  "$coffer" run --config-id "$DBCLIENT/client" -- -fN <<SQL || true
DELIMITER //
BEGIN; INSERT INTO t (v) VALUES ('in-tx'); SELECT * FROM nosuchtable //
DELIMITER ;
SELECT @@server_id, v FROM t WHERE v = 'in-tx';
SQL
}
expect "a transaction opened by a multi-statement that failed keeps reads on the primary" 0 \
  "$primary_id	in-tx" -- multi_statement_error_then_read
expect "a temporary table made by a prepared statement keeps reads on the primary" 0 \
  "$primary_id	1" -- app_sql "PREPARE s FROM 'CREATE TEMPORARY TABLE tt (a INT)';
  EXECUTE s; INSERT INTO tt VALUES (1); SELECT @@server_id, COUNT(*) FROM tt"
expect "session variables reach the replica too" 0 "+05:00	1" -- \
  app_sql "SET time_zone = '+05:00'; SELECT @@time_zone, @@server_id <> $primary_id"
# A SELECT that assigns a user variable runs on the primary alone, so reads
# of user variables go there too (a replica would answer NULL).
expect "a user variable set by a SELECT is read back" 0 "7	$primary_id" -- \
  app_sql "SELECT @n := 7; SELECT @n, @@server_id"
expect "USE reaches the replica too" 0 "3" -- app_sql "USE app; SELECT COUNT(*) FROM t"
# Masking on a replica's results: the analyst reads masked data there too.
expect "the analyst's results from a replica are masked like the primary's" 0 "" -- \
  app_sql "CREATE TABLE customers (id INT PRIMARY KEY, ssn CHAR(11));
           INSERT INTO customers VALUES (1, '123-45-6789')"
masked_on_replica() {
  local out
  out=$("$coffer" run --config-id "$ANALYST/client" -- -Ne "SELECT @@server_id, ssn FROM customers")
  [[ $out == *XXXXXXXXXXX* && $out != *123-45* && ${out%%$'\t'*} != "$primary_id" ]]
}
must "masked on a replica" until_true 50 masked_on_replica

# 5. Causal reads: a read right after a write in the same session sees it,
# from a replica.
for i in 1 2 3; do
  expect "read-your-write through a replica ($i)" 0 "1" -- app_sql \
    "INSERT INTO t (v) VALUES ('causal-$i');
     SELECT IF(@@server_id <> $primary_id, 1, 0) * COUNT(*) FROM t WHERE v = 'causal-$i'"
done

# 6. A replica that stops answering gets no reads; back, it gets them again.
r2_db=$(mariadbd_of "${replica_pids[r2]}")
kill -STOP "$r2_db"
stopped+=("$r2_db")
only_r1() {
  for _ in 1 2 3 4 5 6; do [[ $(read_server) == "$r1_id" ]] || return 1; done
}
must "while one replica hangs, reads go to the other" until_true 150 only_r1
kill -CONT "$r2_db"
must "when it answers again it gets reads again" until_true 100 two_replicas

# 6b. A replica that lags more than max_lag_seconds (10) gets no reads.
# A read on a replica whose client stops reading keeps its statement open
# (the server blocks sending rows), so it holds its table's metadata lock;
# a schema change from the primary then waits on that replica, whose
# Seconds_Behind_Master grows. Ending the reader ends the statement.
app_sql "CREATE TABLE lag_probe (id INT PRIMARY KEY);
         INSERT INTO lag_probe VALUES (1), (2), (3), (4), (5), (6), (7), (8)"
probe_on_both() {
  local out seen=""
  for _ in 1 2 3 4 5 6 7 8; do
    out=$(app_sql "SELECT @@server_id, COUNT(*) FROM lag_probe" 2>/dev/null) || continue
    [[ ${out#*$'\t'} == 8 ]] && seen+=" ${out%%$'\t'*} "
  done
  [[ $seen == *" $r1_id "* && $seen == *" $r2_id "* ]]
}
must "both replicas have the table" until_true 100 probe_on_both
# 8^4 rows of 65 kB: far more than the sockets and the pipe hold.
app_sql -q "SELECT REPEAT('x', 65000) FROM lag_probe a, lag_probe b, lag_probe c, lag_probe d" \
  2>/dev/null | { head -c 1 >"$work/lag.first"; exec sleep 600; } &
lag_reader=$!
pids+=("$lag_reader")
first_row() { [[ -s $work/lag.first ]]; }
must "a read on a replica whose client stops reading is under way" until_true 300 first_row
expect "a schema change on the primary" 0 "" -- app_sql "ALTER TABLE lag_probe ADD COLUMN c INT"
lagging_port() {
  grep -h "lag over max_lag_seconds" "$work/proxy1.err" | grep -o "server=127.0.0.1:[0-9]*" |
    tail -n1 | cut -d: -f2
}
lag_seen() { [[ -n $(lagging_port) ]]; }
must "the monitor finds the blocked replica's lag over max_lag_seconds" until_true 300 lag_seen
if [[ $(lagging_port) == "$R1" ]]; then lagging_id=$r1_id; else lagging_id=$r2_id; fi
not_lagging() {
  for _ in 1 2 3 4 5 6; do [[ $(read_server) != "$lagging_id" ]] || return 1; done
}
must "while it lags, reads go elsewhere (6 reads)" not_lagging
kill "$lag_reader"
must "once its reader is gone, it catches up and takes reads again" until_true 300 two_replicas

# 7. Failover: SIGKILL to the primary under four concurrent writers
# (start_writers: acknowledged writes only, stamped as they arrive). Every
# write the proxy acknowledged must be on the new primary.
start_writers 4
acked_at_least() { [[ $(acked_count) -ge $1 ]]; }
must "the writers write" until_true 600 acked_at_least 100
primary_db=$(mariadbd_of "$primary_pid")
killed_at=$EPOCHREALTIME
kill -KILL "$primary_db"
wait "$primary_pid" 2>/dev/null
resumed() { [[ -n $(failover_seconds "$killed_at") ]]; }
must "writes resume after the failover" until_true 600 resumed
echo "     failover: primary killed to the first write acknowledged on a new connection: $(failover_seconds "$killed_at") s"
after_kill_at_least() { [[ $(acked_after "$killed_at") -ge $1 ]]; }
until_true 300 after_kill_at_least 100
stop_writers
new_primary=$(primary_server)
expect "a replica is the new primary" 0 "" -- \
  test "$new_primary" = "$r1_id" -o "$new_primary" = "$r2_id"
expect "the proxies' monitor logged the promotion" 0 "promoted a new primary" -- \
  grep -h "promoted" "$work/proxy1.err" "$work/proxy2.err"
cat "$work"/acked.[0-9]* | awk '{print $1 "\t" $2}' | sort >"$work/acked.want"
app_sql "BEGIN; SELECT w, i FROM acked ORDER BY w, i; COMMIT" | sort >"$work/acked.have"
expect "every acknowledged write is on the new primary ($(wc -l <"$work/acked.want") writes)" 0 "" -- \
  bash -c "comm -23 '$work/acked.want' '$work/acked.have' | wc -l | grep -qx 0"

# 8. The old primary comes back read-only. It rejoins as a replica, or, if
# it committed a transaction no replica received before it died (semi-sync
# acknowledges nothing then, but the transaction is in its binary log), the
# monitor finds it diverged and gives it no reads; then it is rebuilt as
# docs/operations.md says: stopped, emptied, started as a replica.
must "the old primary starts again" start_primary "$work/primary2.log"
# The server on $MARIADB_PORT takes reads with at least the acknowledged
# writes (one that failed at the client may still have committed). The
# count in a subquery: MariaDB 10.11 reports @@read_only as 0 in a query
# with an aggregate.
seed_port_reads() {
  local out
  out=$(app_sql "SELECT @@port, @@read_only,
    (SELECT COUNT(*) FROM acked) >= $(wc -l <"$work/acked.want")")
  [[ $out == "$MARIADB_PORT	1	1" ]]
}
diverged() {
  grep -h "diverged" "$work"/proxy*.err | grep -q "server=127.0.0.1:$MARIADB_PORT "
}
rejoined_or_diverged() { seed_port_reads || diverged; }
must "it rejoins as a read-only replica, or the monitor finds it diverged" \
  until_true 300 rejoined_or_diverged
if diverged; then
  echo "     the old primary had diverged (a transaction no replica received); rebuilding it"
  kill -TERM "$primary_pid"
  wait "$primary_pid" 2>/dev/null
  must "rebuilt on an empty directory, on the same port" start_replica rebuilt "$MARIADB_PORT"
  primary_pid=${replica_pids[rebuilt]}
fi
must "the server on the old primary's port serves reads with every write" \
  until_true 300 seed_port_reads
expect "writes still go to the new primary" 0 "$new_primary" -- \
  app_sql "INSERT INTO t (v) VALUES ('after'); SELECT @@server_id FROM t WHERE v = 'after' FOR UPDATE"

operator() { "$coffer" run --config-id "$DBCLIENT/operator" -- "$@"; }
primary_port=$(app_sql "BEGIN; SELECT @@port; COMMIT")

# 8a. Every proxy restarted now, while the server of their configured
# address ($MARIADB_PORT) is a replica: a new monitor starts from that
# replica, finds the primary as its source, and promotes nothing. (A review
# found it promoted the replica: two writable primaries.)
kill_proxy proxy1
kill_proxy proxy2
P3=$(free_port)
A3=$(free_port)
must "a proxy starts while its configured server is a replica" start_proxy proxy3 "$P3" "$A3"
lease3() { grep -q "holds the lease" "$work/proxy3.err"; }
must "its monitor takes the lease (no other proxy runs)" until_true 300 lease3
knows_primary() {
  local out
  out=$(operator --proxy="127.0.0.1:$A3" --to="127.0.0.1:$primary_port" 2>&1)
  [[ $out == *"is the primary already"* ]]
}
expect "it found the primary through the replica's source" 0 "" -- until_true 300 knows_primary
expect "and promoted no second primary" 1 "" -- grep -q "promoted a new primary" "$work/proxy3.err"
kill_proxy proxy3
must "the first proxy starts again" start_proxy proxy1 "" "$A1"
must "the second proxy starts again" start_proxy proxy2 "$P2" "$A2"
writes_to_new_primary() { [[ $(primary_server) == "$new_primary" ]]; }
must "after their restart writes go to the same primary" until_true 300 writes_to_new_primary
leased_again() { cat "$work/proxy1.err" "$work/proxy2.err" | grep -q "holds the lease"; }
must "and one of them holds the lease" until_true 300 leased_again

# 8b. A planned switchover back to the server on $MARIADB_PORT, asked by
# the operator ($DBCLIENT/operator: `coffer proxy switchover` with the
# certificate CN=operator, one of the proxies' admins), under two writers.
admins="127.0.0.1:$A1,127.0.0.1:$A2"
expect "a switchover to a server the monitor does not know is refused" 1 \
  "is known to the monitor" -- operator --proxy="$admins" --to=127.0.0.1:1
expect "a switchover to the primary itself is refused" 1 "is the primary already" -- \
  operator --proxy="$admins" --to="127.0.0.1:$primary_port"
lease_state() { grep -hE "holds the lease|lease lost" "$work/$1.err" | tail -n1; }
follower_admin=$A1
[[ $(lease_state proxy1) == *"holds the lease"* ]] && follower_admin=$A2
expect "a proxy whose monitor does not hold the lease refuses, and says so" 1 \
  "does not hold the lease" -- \
  operator --proxy="127.0.0.1:$follower_admin" --to="127.0.0.1:$MARIADB_PORT"
# A session opened before the switchover, idle meanwhile.
mkfifo "$work/idle.in"
"$coffer" run --config-id "$DBCLIENT/client" -- -nN <"$work/idle.in" \
  >"$work/idle.out" 2>"$work/idle.err" &
idle_client=$!
pids+=("$idle_client")
exec 7>"$work/idle.in"
echo "SELECT 'idle-ready';" >&7
idle_ready() { grep -q idle-ready "$work/idle.out"; }
must "a session is open before the switchover" until_true 300 idle_ready
start_writers 2 10
must "the writers write" until_true 600 acked_at_least 50
switched_at=$EPOCHREALTIME
expect "the operator switches over to the server on the first primary's port" 0 \
  "the primary is 127.0.0.1:$MARIADB_PORT (it was 127.0.0.1:$primary_port)" -- \
  operator --proxy="$admins" --to="127.0.0.1:$MARIADB_PORT"
cp "$work/out" "$work/switchover.out"
switched() { [[ -n $(failover_seconds "$switched_at") ]]; }
must "writes resume after the switchover" until_true 600 switched
operator_said=$(grep -h "writes were refused" "$work/switchover.out" | tail -n1)
echo "     ${operator_said#switchover: }"
echo "     switchover: the operator's command started to the first write acknowledged on a new connection: $(failover_seconds "$switched_at") s"
after_switch_at_least() { [[ $(acked_after "$switched_at") -ge $1 ]]; }
until_true 300 after_switch_at_least 50 || true
stop_writers
echo "SELECT @@port;" >&7
exec 7>&-
wait "$idle_client"
expect "the session opened before it ends at its next command, saying where the primary went" 0 \
  "moved to 127.0.0.1:$MARIADB_PORT (a switchover or failover); reconnect" -- cat "$work/idle.err"
expect "writes go to the server on $MARIADB_PORT" 0 "$MARIADB_PORT" -- \
  app_sql "BEGIN; SELECT @@port; COMMIT"
cat "$work"/acked.[0-9]* | awk '{print $1 "\t" $2}' >>"$work/acked.want"
sort -o "$work/acked.want" "$work/acked.want"
app_sql "BEGIN; SELECT w, i FROM acked ORDER BY w, i; COMMIT" | sort >"$work/acked.have"
expect "every acknowledged write is on the new primary ($(wc -l <"$work/acked.want") writes)" 0 "" -- \
  bash -c "comm -23 '$work/acked.want' '$work/acked.have' | wc -l | grep -qx 0"
expect "the old primary replicates from the new one" 0 "" -- bash -c \
  "grep -h 'replica replicates from the primary' '$work/proxy1.err' '$work/proxy2.err' |
   grep -q 'server=127.0.0.1:$primary_port primary=127.0.0.1:$MARIADB_PORT'"
old_primary_reads() { [[ $(read_server) == "$new_primary" ]]; }
must "and takes reads" until_true 300 old_primary_reads

# 9. Replicas killed mid-read: the client gets its answer (from the primary,
# when no byte had reached it) or a clear error, and the proxy goes on.
rows=$(app_sql "BEGIN; SELECT COUNT(*) FROM acked; COMMIT")
want=$((rows * rows))
long_read="SELECT COUNT(*) FROM acked a JOIN acked b"
# Connections to the replicas' ports (the monitors' are always there; a
# session's appears when its read is routed).
primary_port=$(app_sql "BEGIN; SELECT @@port; COMMIT")
replica_ports=()
for port in "$R1" "$R2" "$MARIADB_PORT"; do
  [[ $port == "$primary_port" ]] || replica_ports+=("$port")
done
to_replicas() {
  local n=0 port
  for port in "${replica_ports[@]}"; do
    n=$((n + $(ss -Htn state established "( dport = :$port )" | wc -l)))
  done
  echo "$n"
}
before=$(to_replicas)
app_sql "$long_read" >"$work/long.out" 2>"$work/long.err" &
reader=$!
reading() { [[ $(to_replicas) -gt $before ]] || ! kill -0 "$reader" 2>/dev/null; }
until_true 300 reading
for port in "${replica_ports[@]}"; do
  pid=$(ss -Htlnp "( sport = :$port )" | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2)
  [[ -n $pid ]] && kill -KILL "$pid"
done
wait "$reader"
expect "the read got its answer or a clear error" 0 "" -- \
  bash -c "grep -qx $want '$work/long.out' || grep -q 'ERROR' '$work/long.err'"
expect "the proxy goes on serving, from the primary" 0 "$want" -- app_sql "$long_read"
expect_summary
