#!/usr/bin/env bash
# The scalable template off loopback: the servers and the proxy on addresses
# of their own, found by DNS names, as on several machines (Kubernetes'
# placement=spread). Each "machine" is a loopback address, and the names are
# in an /etc/hosts of this test's own mount namespace:
#   db-0.db.coffer.test  127.0.0.2   the primary (MARIADB_HOST)
#   db-1.db.coffer.test  127.0.0.3   a replica (its report host)
#   proxy.coffer.test    127.0.0.4   the proxy (PROXY_DNS, the clients' PROXY_HOST)
# The servers' one certificate names *.db.coffer.test (MARIADB_DNS); the
# replica, the proxy and its monitor verify every server by name.
# Usage: spread_e2e_test.sh PATH/TO/coffer   (KEEP=1 keeps the logs; root)
set -uo pipefail
if [[ ${COFFER_SPREAD_NAMESPACE:-} != 1 ]]; then
  # Our own /etc/hosts: a private mount namespace, so the host's is untouched.
  COFFER_SPREAD_NAMESPACE=1 exec unshare --mount --propagation private -- bash "$0" "$@"
fi
coffer=$(readlink -f "$1")
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/coffer-spread-e2e-XXXXXX)
chmod 0755 "$work"
pids=()
cleanup() {
  stop_started_gently
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
source tests/lib/expect.sh
source tests/lib/stack.sh
source tests/lib/mariadb.sh
source tests/lib/scalable.sh

cat /etc/hosts >"$work/hosts"
cat >>"$work/hosts" <<'HOSTS'
127.0.0.2 db-0.db.coffer.test
127.0.0.3 db-1.db.coffer.test
127.0.0.4 proxy.coffer.test
HOSTS
must "our /etc/hosts, in this test's mount namespace only" mount --bind "$work/hosts" /etc/hosts

# open HOST PORT: does HOST:PORT accept a TCP connection?
open() { bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

export COFFER_CONFIG="$work/owner"
start_las "$work/las"
export COFFER_LAS_ADDR="$work/las/las.sock"
start_cas cas "$work/cas" "$COFFER_LAS_ADDR"
export COFFER_CAS_ADDR=$cas
must "the CAS is attested" "$coffer" cas attest "$cas" --accept-simulation >/dev/null 2>&1
scalable_env
# The template's optional variables for several machines.
export MARIADB_HOST=db-0.db.coffer.test MARIADB_DNS='*.db.coffer.test'
export MARIADB_BIND=127.0.0.2,127.0.0.3 PROXY_DNS=proxy.coffer.test PROXY_HOST=proxy.coffer.test
"$coffer" session create --name="$DBCLIENT" --use-env templates/mariadb-scalable/dbclient.yml >/dev/null
"$coffer" session create --name="$ANALYST" --use-env templates/mariadb-scalable/analyst.yml >/dev/null
must "the database session is created with names instead of 127.0.0.1" \
  "$coffer" session create --name="$DBSESSION" --use-env templates/mariadb-scalable/dbsession.yml

must "the primary starts" start_primary "$work/primary.log"
expect "it listens on its own address (MARIADB_BIND)" 0 "" -- open 127.0.0.2 "$MARIADB_PORT"
expect "and not on 127.0.0.1" 1 "" -- open 127.0.0.1 "$MARIADB_PORT"
must "the proxy starts on proxy.coffer.test's address" start_proxy proxy "$PROXY_PORT" "" 127.0.0.4
expect "its monitor reached the primary by name and made it writable" 0 \
  "promoted a new primary" -- cat "$work/proxy.err"

marker="COFFER-SPREAD-MARKER-$RANDOM$RANDOM"
expect "the app writes through proxy.coffer.test (its certificate names it)" 0 "" -- app_sql \
  "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(100)); INSERT INTO t VALUES (1, '$marker')"
expect "the analyst reads through it too" 0 "1" -- analyst_sql "SELECT COUNT(*) FROM t"

R1=$(free_port)
must "a replica starts, reached at db-1.db.coffer.test" start_replica r1 "$R1" db-1.db.coffer.test
# The IO thread connects after the server is ready: wait for its line.
connected_by_name() {
  grep -q "connected to master 'replicator@db-0.db.coffer.test:$MARIADB_PORT'" "$work/r1.log"
}
expect "it replicates from the primary by name, TLS verified against the name" 0 "" -- \
  until_true 300 connected_by_name
primary_id=$(app_sql "BEGIN; SELECT @@server_id; COMMIT")
# replica_read: a plain read answered by a server other than the primary,
# with the marker; its server id goes to $work/r1.id.
replica_read() {
  local row
  row=$(app_sql "SELECT @@server_id, v FROM t WHERE id = 1") || return 1
  [[ ${row%%$'\t'*} != "$primary_id" && ${row#*$'\t'} == "$marker" ]] || return 1
  echo "${row%%$'\t'*}" >"$work/r1.id"
}
must "the monitor finds it by its report host, and reads there return the data" \
  until_true 300 replica_read
r1_id=$(cat "$work/r1.id")
expect "the monitor names it by that host" 0 "db-1.db.coffer.test:$R1" -- \
  grep "found a replica" "$work/proxy.err"

# A replica whose announced address its certificate does not name (an IP;
# the certificate names *.db.coffer.test and 127.0.0.1): the monitor cannot
# verify it, so it gets no reads.
R2=$(free_port)
must "a second replica starts, announcing 127.0.0.3" start_replica r2 "$R2" 127.0.0.3
refused() { grep "server=127.0.0.3:$R2" "$work/proxy.err" | grep -q "replica takes no reads"; }
must "the monitor finds it" until_true 300 refused
expect "but its certificate does not verify, so it takes no reads" 0 \
  "Validation of SSL server certificate failed" -- grep "server=127.0.0.3:$R2" "$work/proxy.err"
reads=$(for _ in $(seq 1 12); do app_sql "SELECT @@server_id"; done | sort -u | grep -v -x "$primary_id")
expect "and reads never reach it: only the verified replica answers" 0 "" -- \
  test "$reads" == "$r1_id"
expect "no marker on the replicas' disks" 1 "" -- grep -r -a -l -e "$marker" "$work/r1" "$work/r2"

expect_summary
