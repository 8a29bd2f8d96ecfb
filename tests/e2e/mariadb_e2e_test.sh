#!/usr/bin/env bash
# The confidential MariaDB end to end: a real LAS and CAS, the sessions of
# templates/mariadb/, MariaDB and the mariadb client started by `coffer
# run`, and each protection of the seed tested from the attacker's side.
# Usage: mariadb_e2e_test.sh PATH/TO/coffer
set -uo pipefail
coffer=$(readlink -f "$1")
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/coffer-mariadb-e2e-XXXXXX)
chmod 0755 "$work"
pids=()
cleanup() {
  stop_started_gently
  rm -rf "$work"
}
trap cleanup EXIT
source tests/lib/expect.sh
source tests/lib/stack.sh
source tests/lib/mariadb.sh

export COFFER_CONFIG="$work/owner"
start_las "$work/las"
export COFFER_LAS_ADDR="$work/las/las.sock"
start_las "$work/las2"
other_platform_las="$work/las2/las.sock"
start_cas cas "$work/cas" "$COFFER_LAS_ADDR"
export COFFER_CAS_ADDR=$cas
"$coffer" cas attest "$cas" --accept-simulation >/dev/null 2>&1

export DBSESSION="MariaDBSession-$RANDOM" DBCLIENT="MariaDBClientSession-$RANDOM"
export PLATFORMS=$("$coffer" las platform-id)
export MARIADB_MRENCLAVE=$("$coffer" measure mariadbd)
export MARIADB_BACKUP_MRENCLAVE=$("$coffer" measure mariadb-backup)
export CLIENT_MRENCLAVE=$("$coffer" measure mariadb)
export MARIADB_DATADIR="$work/data" MARIADB_PORT=$(free_port)
mkdir -p "$MARIADB_DATADIR"
marker="Personal-$RANDOM-Data-7c41"

expect "the client session is created" 0 "" -- \
  "$coffer" session create --name "$DBCLIENT" --use-env templates/mariadb/dbclient.yml
expect "the database session is created" 0 "" -- \
  "$coffer" session create --name "$DBSESSION" --use-env templates/mariadb/dbsession.yml

# must_start_db LOG: the rest of the test needs a running database.
must_start_db() {
  if ! start_db "$1"; then
    echo "FAIL MariaDB did not start under the runtime:"; cat "$1" "$work/client.err"
    exit 1
  fi
}
must_start_db "$work/db1.log"
expect "MariaDB starts on an empty data directory under the runtime" 0 \
  "ready for connections" -- cat "$work/db1.log"
expect "the attested client writes personal data" 0 "" -- db_sql \
  "CREATE TABLE people (id INT PRIMARY KEY, name VARCHAR(100), note TEXT);
   INSERT INTO people VALUES (1, '$marker', CONCAT('note of ', '$marker'))"
expect "and reads it back" 0 "$marker" -- db_sql "SELECT name FROM people WHERE id = 1"
expect "over TLS with a certificate" 0 "TLSv1.3" -- \
  db_sql "SHOW SESSION STATUS LIKE 'Ssl_version'"
expect "encryption at rest is on everywhere" 0 \
  "FORCE ON ON ON ON ON ON OFF OFF ON" -- db_sql \
  "SELECT CONCAT_WS(' ', @@innodb_encrypt_tables, @@innodb_encrypt_log,
     @@innodb_encrypt_temporary_tables, @@aria_encrypt_tables, @@encrypt_tmp_files,
     @@encrypt_binlog, @@log_bin, @@general_log, @@slow_query_log,
     @@require_secure_transport)"
expect "the injected files cannot be seen from outside the service" 0 "" -- \
  test ! -e /run/coffer/mariadb/keys.txt

# Clients that are not authorized. The mariadb client here is run by hand,
# as an attacker on this machine would.
pki="$work/pki"
make_foreign_pki "$pki"
raw() { mariadb --no-defaults -h 127.0.0.1 -P "$MARIADB_PORT" --connect-timeout=5 "$@" -e "SELECT 1"; }
expect "a plaintext connection is refused" 1 "" -- raw -u app --skip-ssl
expect "TLS without a client certificate is refused" 1 "Access denied" -- raw -u app --ssl
expect "a certificate from another CA with the same names is refused" 1 "" -- \
  raw -u app --ssl-cert="$pki/app.crt" --ssl-key="$pki/app.key"
expect "root is refused" 1 "Access denied" -- raw -u root --ssl
expect "root over the socket is refused (none listens to the host)" 1 "" -- \
  mariadb --no-defaults -u root -S /run/mysqld/mysqld.sock -e "SELECT 1"

# Services that are not authorized.
expect "MariaDB on another platform gets no secrets" 125 "platform" -- \
  "$coffer" run --las "$other_platform_las" --config-id "$DBSESSION/mariadb"
cat >"$work/intruder.yml" <<'YAML'
name: $INTRUDER
version: "0.3"
services:
  - name: client
    attestation: [{mrenclave: [$CLIENT_MRENCLAVE]}]
    command: mariadb --ssl-cert=$$COFFER::stolen:crt$$
secrets:
  - {name: stolen, import: {session: $DBSESSION, secret: client}}
security:
  attestation: {tolerate: [simulation]}
YAML
export INTRUDER="Intruder-$RANDOM"
"$coffer" session create --name "$INTRUDER" --use-env "$work/intruder.yml" >/dev/null
expect "a client session the database does not export to gets nothing" 125 \
  "does not export" -- "$coffer" run --config-id "$INTRUDER/client"
sed -e 's/name: \$DBCLIENT/name: $OTHER_CLIENT/' templates/mariadb/dbclient.yml >"$work/other.yml"
export OTHER_CLIENT="OtherClient-$RANDOM"
CLIENT_MRENCLAVE=$("$coffer" measure /bin/sh) \
  "$coffer" session create --name "$OTHER_CLIENT" --use-env "$work/other.yml" >/dev/null
expect "a client program with another measurement gets nothing" 125 "measurement" -- \
  "$coffer" run --config-id "$OTHER_CLIENT/client" -- -Ne "SELECT 1"

# Restart, and a policy update that keeps the key.
stop_db
expect "MariaDB stops on SIGTERM to the runtime" 0 "Shutdown complete" -- cat "$work/db1.log"
must_start_db "$work/db2.log"
expect "after a restart the data is there" 0 "$marker" -- \
  db_sql "SELECT name FROM people WHERE id = 1"
stop_db
sed -e 's/binlog-expire-logs-seconds  = 604800/binlog-expire-logs-seconds  = 86400/' \
  templates/mariadb/dbsession.yml >"$work/dbsession2.yml"
expect "the database session is updated" 0 "" -- \
  "$coffer" session update --name "$DBSESSION" --use-env "$work/dbsession2.yml"
must_start_db "$work/db3.log"
expect "after a policy update the key is the same and the data is there" 0 "$marker" -- \
  db_sql "SELECT note FROM people WHERE id = 1"
expect "the policy update reached the service" 0 "86400" -- \
  db_sql "SELECT @@binlog_expire_logs_seconds"
stop_db

# A failed first start: a stray file where the system database's directory
# goes makes init.sql fail, and mariadbd then shuts itself down with exit
# code 0.
# The runtime must not report that as success.
broken=BrokenSession-$RANDOM
mkdir -p "$work/broken-data" && echo stray >"$work/broken-data/mysql"
expect "a second database session on another data directory is created" 0 "" -- \
  env DBSESSION="$broken" MARIADB_DATADIR="$work/broken-data" \
  "$coffer" session create --name "$broken" --use-env templates/mariadb/dbsession.yml
expect "a failed first start of MariaDB makes coffer run --daemon fail" 1 \
  "ended on its own (exit code 0) although nobody asked it to stop" -- \
  timeout 300 "$coffer" run --daemon --config-id "$broken/mariadb"
cp "$work/err" "$work/broken.log"
expect "and MariaDB's log says why" 0 "Can't create table \`mysql\`.\`global_priv\`" -- \
  cat "$work/broken.log"

# The stolen data directory: no personal data in any file, and MariaDB
# without the CAS's key cannot open it.
expect "no file of the data directory holds the personal data" 1 "" -- \
  grep -r -l -a "$marker" "$MARIADB_DATADIR"
expect "nor does any log" 1 "" -- grep -l -a "$marker" "$work"/db*.log
open_stolen_copy "$MARIADB_DATADIR" "$work/stolen" "$work/thief.log"
code=$?
expect "the stolen data directory does not open with another key" 0 "" -- \
  test "$code" -ne 0 -a "$code" -ne 124
expect "MariaDB says it cannot decrypt" 0 "ERROR" -- cat "$work/thief.log"
expect_summary
