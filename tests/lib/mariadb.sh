# Helpers for tests and the demo that run the confidential MariaDB of
# templates/mariadb/ under `coffer run`. Source after tests/lib/stack.sh,
# with $coffer, $work and pids=() set and a LAS and an attested CAS running
# (COFFER_LAS_ADDR, COFFER_CAS_ADDR, COFFER_CONFIG exported).

source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"  # free_port

# db_sql SQL: runs SQL through the attested client (DBCLIENT/client), as
# tab-separated rows without headers.
db_sql() {
  "$coffer" run --config-id "$DBCLIENT/client" -- -Ne "$1" 2>"$work/client.err"
}

# start_db LOG: starts MariaDB under the runtime; sets $db_pid. Returns 0
# once the attested client can query it, 1 if it exited or never answered.
start_db() {
  local log=$1
  "$coffer" run --daemon --config-id "$DBSESSION/mariadb" >"$log" 2>&1 &
  db_pid=$!
  pids+=("$db_pid")
  for _ in $(seq 1 600); do
    kill -0 "$db_pid" 2>/dev/null || return 1
    if grep -q "ready for connections" "$log" && db_sql "SELECT 1" >/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# mariadb_with_marker MARKER: the sessions of templates/mariadb/ (fresh
# names, exported as for the templates), MariaDB started once on an empty
# data directory, a row holding MARKER written (table t), MariaDB stopped;
# sets $session_hash. For tests that then change the CAS under the data.
mariadb_with_marker() {
  export DBSESSION="MariaDBSession-$RANDOM" DBCLIENT="MariaDBClientSession-$RANDOM"
  export PLATFORMS=$("$coffer" las platform-id)
  export MARIADB_MRENCLAVE=$("$coffer" measure mariadbd)
  export MARIADB_BACKUP_MRENCLAVE=$("$coffer" measure mariadb-backup)
  export CLIENT_MRENCLAVE=$("$coffer" measure mariadb)
  export MARIADB_DATADIR="$work/data" MARIADB_PORT=$(free_port)
  mkdir -p "$MARIADB_DATADIR"
  "$coffer" session create --name "$DBCLIENT" --use-env templates/mariadb/dbclient.yml >/dev/null
  must "the database session is created" \
    "$coffer" session create --name "$DBSESSION" --use-env templates/mariadb/dbsession.yml
  session_hash=$("$coffer" session read "$DBSESSION" 2>&1 >/dev/null | sed -n 's/^hash //p')
  must "MariaDB starts" start_db "$work/db1.log"
  expect "the application writes data" 0 "" -- \
    db_sql "CREATE TABLE t (id INT PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, '$1')"
  stop_db
}

# stop_db: SIGTERM to the runtime, which forwards it; waits for the end.
stop_db() {
  [[ -n ${db_pid:-} ]] || return 0
  kill -TERM "$db_pid" 2>/dev/null
  wait "$db_pid" 2>/dev/null
  db_pid=""
}

# open_stolen_copy DATADIR COPY LOG: what a thief does with a copy of the
# data directory: starts a plain mariadbd on it with a key of its own and
# no grant tables. Prints its first errors on stderr. Returns mariadbd's exit code (124 if it kept running
# for 60 s, i.e. it opened the copy).
open_stolen_copy() {
  local data=$1 copy=$2 log=$3
  cp -a "$data" "$copy"
  printf '1;%s\n' "$(openssl rand -hex 32)" >"$copy.key"
  cat >"$copy.cnf" <<CNF
[mariadbd]
datadir=$copy
port=$(free_port)
bind-address=127.0.0.1
socket=$copy.sock
pid-file=$copy.pid
user=root
plugin-load-add=file_key_management
file-key-management-filename=$copy.key
file-key-management-encryption-algorithm=AES_CTR
innodb-encrypt-log=ON
CNF
  timeout 60 mariadbd --defaults-file="$copy.cnf" --skip-grant-tables >"$log" 2>&1
  local code=$?
  grep -m2 '\[ERROR\]' "$log" >&2
  return $code
}

# make_foreign_pki DIR: an attacker's CA with the session CA's name and a
# client certificate with the app's name (DIR/ca.crt, DIR/app.crt,
# DIR/app.key): names alone must not open the database.
make_foreign_pki() {
  local pki=$1
  mkdir -p "$pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj "/CN=MariaDB CA" -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=app" \
    -keyout "$pki/app.key" -out "$pki/app.csr" 2>/dev/null
  openssl x509 -req -in "$pki/app.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
    -CAcreateserial -days 1 -out "$pki/app.crt" 2>/dev/null
}
