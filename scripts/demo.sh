#!/usr/bin/env bash
# `make demo`: the seed's single-master confidential MariaDB on one machine,
# told step by step. Every command it runs is printed with "+". It starts
# a LAS and a CAS in a fresh directory, runs MariaDB and its client under
# `coffer run`, shows each protection holding, prints a summary, stops
# everything and exits 0. KEEP=1 leaves the stack running.
set -euo pipefail
cd "$(dirname "$0")/.."
coffer=$(readlink -f "${COFFER:-build/bin/coffer}")  # COFFER=... runs another build
work=$(mktemp -d /tmp/coffer-demo-XXXXXX)
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

step() { printf '\n== %s ==\n' "$*"; }
show() { echo "+ $*"; "$@"; }
# holds TEXT COMMAND...: the command must fail (the protection holds).
holds() {
  local text=$1
  shift
  echo "+ $*"
  if "$@" >"$work/attempt.out" 2>&1; then
    echo "!! NOT REFUSED: $text"; cat "$work/attempt.out"; exit 1
  fi
  # The line that says why, else the first one.
  { grep -m1 -E 'ERROR|refused|denied|not allowed' "$work/attempt.out" ||
    head -n 1 "$work/attempt.out"; } | cut -c1-200 | sed 's/^/   /'
  echo "   -> refused: $text"
  summary+=("refused   $text")
}

step "1. A LAS (this machine's attestation service) and a CAS, in $work"
echo "+ $coffer las serve --data $work/las &"
start_las "$work/las"
export COFFER_LAS_ADDR="$work/las/las.sock" COFFER_CONFIG="$work/owner"
echo "+ $coffer cas serve --data $work/cas --listen 127.0.0.1:0 &"
start_cas cas "$work/cas" "$COFFER_LAS_ADDR"
export COFFER_CAS_ADDR=$cas
echo "   CAS listening on $cas"

step "2. Attest the CAS: is it the coffer build we trust, holding its TLS key?"
show "$coffer" cas attest "$cas" --accept-simulation
summary+=("attested  CAS $cas (simulation mode: no SGX hardware here)")

step "3. Platform IDs and measurements"
echo "+ export PLATFORMS=\$($coffer las platform-id)"
export PLATFORMS=$("$coffer" las platform-id)
echo "   $PLATFORMS"
echo "+ export MARIADB_MRENCLAVE=\$($coffer measure mariadbd)"
export MARIADB_MRENCLAVE=$("$coffer" measure mariadbd)
export MARIADB_BACKUP_MRENCLAVE=$("$coffer" measure mariadb-backup)
echo "   $MARIADB_MRENCLAVE"
echo "+ export CLIENT_MRENCLAVE=\$($coffer measure mariadb)"
export CLIENT_MRENCLAVE=$("$coffer" measure mariadb)
echo "   $CLIENT_MRENCLAVE"

step "4. The two sessions (policies), from templates/mariadb/"
export DBSESSION="MariaDBSession-$RANDOM" DBCLIENT="MariaDBClientSession-$RANDOM"
export MARIADB_DATADIR="$work/mariadb-data" MARIADB_PORT=$(free_port)
mkdir -p "$MARIADB_DATADIR"
echo "   DBSESSION=$DBSESSION DBCLIENT=$DBCLIENT MARIADB_PORT=$MARIADB_PORT"
show "$coffer" session create --name="$DBCLIENT" --use-env templates/mariadb/dbclient.yml
show "$coffer" session create --name="$DBSESSION" --use-env templates/mariadb/dbsession.yml

step "5. MariaDB under the runtime: keys and certificates only from the CAS"
echo "+ $coffer run --daemon --config-id $DBSESSION/mariadb &"
if ! start_db "$work/mariadb.log"; then
  echo "MariaDB did not start:"; cat "$work/mariadb.log" "$work/client.err"; exit 1
fi
grep -m1 "coffer run:" "$work/mariadb.log" | sed 's/^/   /'
echo "   ready on 127.0.0.1:$MARIADB_PORT (first start on an empty data directory)"
summary+=("started   MariaDB, attested; key and certificates from the CAS only")

step "6. Personal data, written and read through the attested client"
marker="Jane-Roe-$RANDOM-1984-05-17"
sql="CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100), born DATE);
INSERT INTO customers VALUES (1, '$marker', '1984-05-17')"
echo "+ $coffer run --config-id $DBCLIENT/client -- -Ne \"$sql\""
db_sql "$sql"
echo "+ $coffer run --config-id $DBCLIENT/client -- -Ne \"SELECT * FROM customers\""
db_sql "SELECT * FROM customers" | sed 's/^/   /'
echo "+ ... -Ne \"SHOW SESSION STATUS LIKE 'Ssl_version'\""
db_sql "SHOW SESSION STATUS LIKE 'Ssl_version'" | sed 's/^/   /'
summary+=("wrote     personal data over TLS with a client certificate, read it back")

step "7. Each protection, from the attacker's side"
pki="$work/attacker-pki"
make_foreign_pki "$pki"
db="mariadb --no-defaults -h 127.0.0.1 -P $MARIADB_PORT --connect-timeout=5"
holds "a plaintext connection" $db -u app --skip-ssl -e "SELECT 1"
holds "TLS without a client certificate" $db -u app --ssl -e "SELECT 1"
holds "a certificate from another CA (same names)" \
  $db -u app --ssl-cert="$pki/app.crt" --ssl-key="$pki/app.key" -e "SELECT 1"
holds "root" $db -u root --ssl -e "SELECT 1"
echo "+ $coffer las serve --data $work/las2 &   (a second platform)"
start_las "$work/las2"
holds "MariaDB on another platform gets no secrets" \
  "$coffer" run --las "$work/las2/las.sock" --config-id "$DBSESSION/mariadb"

echo "+ stop MariaDB (SIGTERM to the runtime, which forwards it)"
stop_db
echo "+ cp -a $MARIADB_DATADIR $work/stolen; mariadbd on the copy with a key of its own"
holds "the stolen data directory without the CAS's key" \
  open_stolen_copy "$MARIADB_DATADIR" "$work/stolen" "$work/thief.log"
echo "+ grep -r -a -l '$marker' <every file written: data, logs, CAS, LAS>"
if grep -r -a -l "$marker" "$work" --exclude=attempt.out; then
  echo "!! personal data found in clear text"; exit 1
fi
count=$(find "$work" -type f | wc -l)
echo "   -> none of $count files holds the personal data in clear text"
summary+=("scanned   $count files written: no personal data in clear text")

if [[ ${KEEP:-0} == 1 ]]; then
  echo "+ $coffer run --daemon --config-id $DBSESSION/mariadb &   (again, for KEEP=1)"
  start_db "$work/mariadb.log"
fi

step "Summary"
printf '  %s\n' "${summary[@]}"
if [[ ${KEEP:-0} == 1 ]]; then
  cat <<TEXT

The stack keeps running (KEEP=1). Connect as the authorized client:
  export COFFER_CAS_ADDR=$COFFER_CAS_ADDR COFFER_LAS_ADDR=$COFFER_LAS_ADDR COFFER_CONFIG=$COFFER_CONFIG
  $coffer run --config-id $DBCLIENT/client -- -e "SELECT * FROM customers"
Stop it: kill ${pids[*]}; rm -rf $work
TEXT
else
  echo "  stopped   everything started; removed $work"
fi
