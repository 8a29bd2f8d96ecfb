#!/usr/bin/env bash
# Backups of the confidential MariaDB (templates/mariadb/: the services
# `backup` and `prepare`, mariadb-backup measured like the server): a backup
# taken while MariaDB runs holds no data in clear text and does not open
# without the CAS's key; restored on another platform the policy lists it
# gives the same data; on a platform the policy does not list, neither
# `prepare` nor MariaDB gets anything.
# Usage: mariadb_backup_test.sh PATH/TO/coffer
set -uo pipefail
coffer=$(readlink -f "$1")
cd "$(dirname "$0")/../.."
command -v mariadb-backup >/dev/null || { echo "FAIL mariadb-backup is not installed (make deps)"; exit 1; }
work=$(mktemp -d /tmp/coffer-mariadb-backup-XXXXXX)
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
start_las "$work/las-a"; las_a="$work/las-a/las.sock" platform_a=$las_id
start_las "$work/las-b"; las_b="$work/las-b/las.sock" platform_b=$las_id
start_las "$work/las-c"; las_c="$work/las-c/las.sock"
export COFFER_LAS_ADDR=$las_a
start_cas cas "$work/cas" "$las_a"
export COFFER_CAS_ADDR=$cas
"$coffer" cas attest "$cas" --accept-simulation >/dev/null 2>&1

export DBSESSION="MariaDBSession-$RANDOM" DBCLIENT="MariaDBClientSession-$RANDOM"
export PLATFORMS="$platform_a,$platform_b"
export MARIADB_MRENCLAVE=$("$coffer" measure mariadbd)
export MARIADB_BACKUP_MRENCLAVE=$("$coffer" measure mariadb-backup)
export CLIENT_MRENCLAVE=$("$coffer" measure mariadb)
export MARIADB_DATADIR="$work/data" MARIADB_PORT=$(free_port)
mkdir -p "$MARIADB_DATADIR"
marker="Personal-$RANDOM-Backup-51e0"
must "the client session is created" \
  "$coffer" session create --name "$DBCLIENT" --use-env templates/mariadb/dbclient.yml
must "the database session is created, listing platforms A and B" \
  "$coffer" session create --name "$DBSESSION" --use-env templates/mariadb/dbsession.yml
must "MariaDB starts on platform A" start_db "$work/db-a.log"
expect "the application writes data" 0 "" -- \
  db_sql "CREATE TABLE t (id INT PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, '$marker')"

# The backup, while MariaDB serves.
expect "the attested backup service backs the running database up" 0 "completed OK" -- \
  "$coffer" run --config-id "$DBSESSION/backup" -- "$work/backup"
cp "$work/err" "$work/backup.log"
expect "connected as the backup account (TLS with its certificate: the server takes nothing else)" 0 \
  "user: backup" -- cat "$work/backup.log"
expect "the backup holds no data in clear text" 1 "" -- grep -r -l -a "$marker" "$work/backup"
expect "writes go on after the backup" 0 "" -- db_sql "INSERT INTO t VALUES (2, 'after')"

# A thief with the backup and mariadb-backup, but not the key.
cp -a "$work/backup" "$work/stolen"
printf '1;%s\n' "$(openssl rand -hex 32)" >"$work/thief.key"
printf '[mariadbd]\nplugin-dir=/usr/lib/mysql/plugin\nplugin-load-add=file_key_management\nfile-key-management-filename=%s\nfile-key-management-encryption-algorithm=AES_CTR\n' \
  "$work/thief.key" >"$work/thief.cnf"
expect "the backup does not open with another key" 1 "" -- \
  mariadb-backup --defaults-file="$work/thief.cnf" --prepare --target-dir="$work/stolen"

# Platform A is lost with its data directory.
stop_db
mv "$MARIADB_DATADIR" "$work/lost-data"
mkdir -p "$MARIADB_DATADIR"
cp -a "$work/backup" "$work/backup-c"
expect "on a platform the policy does not list, prepare gets nothing" 125 "not allowed by" -- \
  env COFFER_LAS_ADDR="$las_c" "$coffer" run --config-id "$DBSESSION/prepare" -- "$work/backup-c"
expect "and the copy is left as it was" 0 "" -- diff -r "$work/backup" "$work/backup-c"
expect "on listed platform B, the attested prepare makes the backup startable" 0 "completed OK" -- \
  env COFFER_LAS_ADDR="$las_b" "$coffer" run --config-id "$DBSESSION/prepare" -- "$work/backup"
cp -a "$work/backup/." "$MARIADB_DATADIR/"
expect "MariaDB does not start on the unlisted platform" 125 "not allowed by" -- \
  env COFFER_LAS_ADDR="$las_c" "$coffer" run --daemon --config-id "$DBSESSION/mariadb"
export COFFER_LAS_ADDR=$las_b
must "MariaDB starts on platform B from the restored backup" start_db "$work/db-b.log"
expect "with the same data" 0 "$marker" -- db_sql "SELECT v FROM t WHERE id = 1"
expect "as of the backup" 0 "1" -- db_sql "SELECT COUNT(*) FROM t"
expect "and takes writes" 0 "" -- db_sql "INSERT INTO t VALUES (3, 'on B')"
stop_db
expect "no file of the restored data directory holds the data in clear text" 1 "" -- \
  grep -r -l -a "$marker" "$MARIADB_DATADIR"
expect_summary
