#!/usr/bin/env bash
# The MariaDB configuration of templates/mariadb/{dbsession,dbclient}.yml,
# checked without the runtime (tests/e2e/mariadb_e2e_test.sh runs the same
# templates under `coffer run`): it renders the templates' injected files and commands by hand (the
# values the CAS would substitute are made here with openssl), writes them into
# a temporary directory that stands in for the service's tmpfs, runs mariadbd
# exactly with the template's command on an empty data directory and checks the
# protections the database session must give.
#
#   tests/e2e/mariadb_template_test.sh                 # as the current user
#   su nobody -s /bin/bash -c tests/e2e/mariadb_template_test.sh   # ordinary user
#
# Environment: MARIADBD (default /usr/sbin/mariadbd), MARIADB_CLIENT (default
# /usr/bin/mariadb), KEEP=1 keeps the temporary directory.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
DB_TEMPLATE=$REPO/templates/mariadb/dbsession.yml
CLIENT_TEMPLATE=$REPO/templates/mariadb/dbclient.yml
MARIADBD=${MARIADBD:-/usr/sbin/mariadbd}
MARIADB_CLIENT=${MARIADB_CLIENT:-/usr/bin/mariadb}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/coffer-mariadb-check.XXXXXX")
SERVER_PID=""
FAILURES=0

cleanup() {
  local rc=$?
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ ${KEEP:-0} == 1 ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT INT TERM

say() { printf '\n== %s\n' "$*"; }
ok() { printf '  ok: %s\n' "$*"; }
fail() { printf '  FAIL: %s\n' "$*"; FAILURES=$((FAILURES + 1)); }

source "$HERE/../lib/ports.sh"  # free_port

# ---------------------------------------------------------------- secrets ---
# What the CAS would generate: P-256 keys, certificates with only a CN in the
# subject (as src/crypto/certificate_issuer.cc issues them).
PKI=$WORK/pki
mkdir -p "$PKI"
newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
make_ca() { # NAME CN
  newkey "$PKI/$1.key"
  openssl req -x509 -new -key "$PKI/$1.key" -subj "/CN=$2" -days 30 -out "$PKI/$1.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
}
make_leaf() { # NAME CN CA EXTENSIONS
  newkey "$PKI/$1.key"
  openssl req -new -key "$PKI/$1.key" -subj "/CN=$2" -out "$PKI/$1.csr"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n%b' "$4" >"$PKI/$1.ext"
  openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$3.crt" -CAkey "$PKI/$3.key" -CAcreateserial \
    -days 30 -extfile "$PKI/$1.ext" -out "$PKI/$1.crt" 2>/dev/null
}
make_ca ca "MariaDB CA"
make_leaf server server ca 'extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n'
make_leaf client app ca 'extendedKeyUsage=clientAuth\n'
make_leaf other_subject intruder ca 'extendedKeyUsage=clientAuth\n'
make_ca other_ca "MariaDB CA" # same name, another key: the "wrong CA"
make_leaf wrong_ca_client app other_ca 'extendedKeyUsage=clientAuth\n'
openssl rand -hex 32 >"$PKI/db_key.hex"
openssl rand -hex 32 >"$PKI/other_key.hex"

# --------------------------------------------------------------- renderer ---
# render TEMPLATE SERVICE TMPFS SECRETS_JSON: writes the injection files under
# TMPFS (the template's /run/coffer is mapped to TMPFS) and prints the command,
# one word a line. $VAR/${VAR} come from the environment as with --use-env.
render() {
  python3 - "$@" <<'PY'
import json, os, re, sys, yaml
template, service, tmpfs, secrets_json = sys.argv[1:5]
secrets = json.loads(secrets_json)
doc = yaml.safe_load(open(template))

def expand(value):
    if not isinstance(value, str):
        return value
    parts = re.split(r"(\$\$(?:COFFER|SCONE)::[^$]*\$\$)", value)
    out = []
    for p in parts:
        m = re.fullmatch(r"\$\$(?:COFFER|SCONE)::([^$:.]+)(?:[:.]([a-z]+))?\$\$", p)
        if m:
            key = m.group(1) + ":" + (m.group(2) or "")
            if key not in secrets:
                sys.exit(f"render: no test value for secret {key}")
            out.append(secrets[key])
            continue
        def var(v):
            name = v.group(1) or v.group(2)
            if name not in os.environ:
                sys.exit(f"render: template variable {name} is not set")
            return os.environ[name]
        out.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", var, p))
    return "".join(out)

def remap(text):
    return text.replace("/run/coffer", tmpfs)

svc = next(s for s in doc["services"] if s["name"] == service)
image = next(i for i in doc["images"] if i["name"] == svc["image_name"])
for f in image.get("injection_files", []):
    path = remap(expand(f["path"]))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as out:
        out.write(remap(expand(f["content"])))
    os.chmod(path, int(str(f.get("permission", "0600")), 8))
command = svc["command"]
words = command if isinstance(command, list) else command.split()
for w in words:
    print(remap(expand(w)))
PY
}

DB_SECRETS=$(python3 -c 'import json,sys; print(json.dumps({
  "db_key:hex": open(sys.argv[1]).read().strip(),
  "ca:crt": open(sys.argv[2]).read(), "server:crt": open(sys.argv[3]).read(),
  "server:key": open(sys.argv[4]).read()}))' \
  "$PKI/db_key.hex" "$PKI/ca.crt" "$PKI/server.crt" "$PKI/server.key")
CLIENT_SECRETS=$(python3 -c 'import json,sys; print(json.dumps({
  "db_ca:crt": open(sys.argv[1]).read(), "db_client:crt": open(sys.argv[2]).read(),
  "db_client:key": open(sys.argv[3]).read()}))' "$PKI/ca.crt" "$PKI/client.crt" "$PKI/client.key")

export DBSESSION=MariaDBSession-check DBCLIENT=MariaDBClientSession-check
export MARIADB_PORT
MARIADB_PORT=$(free_port)
export MARIADB_DATADIR=$WORK/data
mkdir -p "$MARIADB_DATADIR"
DB_TMPFS=$WORK/db-tmpfs
CLIENT_TMPFS=$WORK/client-tmpfs
LOG=$WORK/mariadbd.log
SOCKET=$DB_TMPFS/mariadb/mariadbd.sock
MARKER="Personal-Data-$(openssl rand -hex 6)"

render "$CLIENT_TEMPLATE" client "$CLIENT_TMPFS" "$CLIENT_SECRETS" >"$WORK/client.cmd"
mapfile -t CLIENT_CMD <"$WORK/client.cmd"
CLIENT_CMD[0]=$MARIADB_CLIENT

# The authorized client, exactly as the template runs it (@@1 @@2 = "$@").
client() {
  local words=() w i=1
  for w in "${CLIENT_CMD[@]}"; do
    if [[ $w =~ ^@@([0-9]+)$ ]]; then
      i=${BASH_REMATCH[1]}
      if ((i <= $#)); then words+=("${!i}"); fi
    else
      words+=("$w")
    fi
  done
  env -i TZ=UTC LANG=C.UTF-8 MYSQL_HISTFILE=/dev/null OPENSSL_CONF="$CLIENT_TMPFS/client/openssl.cnf" "${words[@]}"
}
# Any other client: no option file, explicit arguments.
raw_client() { env -i "$MARIADB_CLIENT" --no-defaults --connect-timeout=5 "$@"; }

# start_server KEYFILE [INIT_SQL_OVERRIDE]: renders the database session into a
# fresh tmpfs stand-in and runs the template's command, with only the policy's
# environment.
start_server() {
  local secrets=$DB_SECRETS
  if [[ $1 != "$PKI/db_key.hex" ]]; then
    secrets=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["db_key:hex"]=open(sys.argv[2]).read().strip(); print(json.dumps(d))' "$DB_SECRETS" "$1")
  fi
  rm -rf "$DB_TMPFS"
  render "$DB_TEMPLATE" mariadb "$DB_TMPFS" "$secrets" >"$WORK/db.cmd"
  if [[ -n ${2:-} ]]; then cp "$2" "$DB_TMPFS/mariadb/init.sql"; fi
  mapfile -t DB_CMD <"$WORK/db.cmd"
  DB_CMD[0]=$MARIADBD
  : >"$LOG"
  (cd / && exec env -i TZ=UTC LANG=C.UTF-8 OPENSSL_CONF="$DB_TMPFS/mariadb/openssl.cnf" "${DB_CMD[@]}") >>"$LOG" 2>&1 &
  SERVER_PID=$!
}
# wait_ready: 0 when the server serves the authorized client, 1 when it exited.
wait_ready() {
  for _ in $(seq 150); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then wait "$SERVER_PID" || true; SERVER_PID=""; return 1; fi
    if grep -q 'ready for connections' "$LOG" && client -e 'SELECT 1' >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "server did not become ready; log:"; cat "$LOG"; return 1
}
stop_server() {
  [[ -n $SERVER_PID ]] || return 0
  kill "$SERVER_PID"
  wait "$SERVER_PID" || true
  SERVER_PID=""
}
expect_refused() { # DESCRIPTION COMMAND...
  local what=$1 out
  shift
  if out=$("$@" -e 'SELECT CURRENT_USER()' 2>&1); then
    fail "$what: connected as $out"
  else
    ok "$what refused: $(printf '%s' "$out" | head -1)"
  fi
}

echo "work dir $WORK, port $MARIADB_PORT, uid $(id -u), $("$MARIADBD" --version)"

say "first start on an empty data directory"
start_server "$PKI/db_key.hex"
# init.sql must reach mariadbd as ONE statement: a parse error in it would not
# reach the shutdown handler and would leave the grant tables off.
if awk '/^BEGIN NOT ATOMIC/{inside=1; next} /^END;$/{inside=0} inside && /;[ \t]*$/{bad=1; print "  line ends with ;: " $0} END{exit bad}' \
  "$DB_TMPFS/mariadb/init.sql" && (($(wc -c <"$DB_TMPFS/mariadb/init.sql") < 20000)); then
  ok "init.sql is one statement of $(wc -c <"$DB_TMPFS/mariadb/init.sql") bytes (limit 20000)"
else
  fail "init.sql would be split by mariadbd's init-file reader"
fi
if wait_ready; then ok "mariadbd serves the authorized client"; else fail "first start"; cat "$LOG"; exit 1; fi

say "the authorized client writes and reads personal data"
client -e "CREATE TABLE people (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(200), note TEXT) ENGINE=InnoDB;
  INSERT INTO people (name, note) VALUES ('$MARKER', CONCAT('note of ', '$MARKER'));
  UPDATE people SET note = CONCAT('updated ', '$MARKER') WHERE id = 1;"
# A disk sort and a disk temporary table, so temporary files are written too.
client -e "SET SESSION sort_buffer_size = 32768, max_heap_table_size = 16384, tmp_table_size = 16384;
  CREATE TABLE filler ENGINE=InnoDB AS SELECT seq, CONCAT('$MARKER', seq, REPEAT('x', 200)) AS v FROM seq_1_to_5000;
  SELECT COUNT(*) FROM (SELECT v, COUNT(*) FROM filler GROUP BY v ORDER BY v DESC) t;" >/dev/null
got=$(client -Ne "SELECT name FROM people WHERE id = 1")
if [[ $got == "$MARKER" ]]; then ok "read back $got"; else fail "read back '$got'"; fi
cipher=$(client -Ne "SHOW SESSION STATUS LIKE 'Ssl_%'" | awk '$1=="Ssl_version"||$1=="Ssl_cipher"{printf "%s ", $2}')
ok "client session uses $cipher"
vars=$(client -Ne "SELECT CONCAT_WS(' ', @@innodb_encrypt_tables, @@innodb_encrypt_log,
  @@innodb_encrypt_temporary_tables, @@aria_encrypt_tables, @@encrypt_tmp_disk_tables,
  @@encrypt_tmp_files, @@encrypt_binlog, @@log_bin, @@general_log, @@slow_query_log,
  @@require_secure_transport, @@tls_version, @@file_key_management_encryption_algorithm,
  @@enforce_storage_engine)")
if [[ $vars == "FORCE ON ON ON ON ON ON ON OFF OFF ON TLSv1.2,TLSv1.3 aes_ctr InnoDB" ]]; then ok "settings: $vars"; else fail "settings: $vars"; fi
for engine in Aria MyISAM CSV; do
  if out=$(client -e "CREATE TABLE t_$engine (name VARCHAR(200) NOT NULL) ENGINE=$engine" 2>&1); then
    fail "a table with ENGINE=$engine was created"
  else
    ok "ENGINE=$engine refused: $(printf '%s' "$out" | tail -1)"
  fi
done
if client -Ne "SELECT LOAD_FILE('$DB_TMPFS/mariadb/keys.txt') IS NULL" | grep -qx 1; then
  ok "the application cannot read the key file (no FILE privilege)"
else
  fail "LOAD_FILE of the key file"
fi

say "everything else is refused"
expect_refused "plaintext connection" raw_client -h127.0.0.1 -P"$MARIADB_PORT" -uapp --skip-ssl
expect_refused "TLS without a client certificate" raw_client -h127.0.0.1 -P"$MARIADB_PORT" -uapp \
  --ssl --ssl-ca="$PKI/ca.crt"
expect_refused "certificate from another CA (same CA name)" raw_client -h127.0.0.1 -P"$MARIADB_PORT" -uapp \
  --ssl-ca="$PKI/ca.crt" --ssl-cert="$PKI/wrong_ca_client.crt" --ssl-key="$PKI/wrong_ca_client.key"
expect_refused "certificate of the CA with another subject" raw_client -h127.0.0.1 -P"$MARIADB_PORT" -uapp \
  --ssl-ca="$PKI/ca.crt" --ssl-cert="$PKI/other_subject.crt" --ssl-key="$PKI/other_subject.key"
expect_refused "root over TCP with the app's certificate" raw_client -h127.0.0.1 -P"$MARIADB_PORT" -uroot \
  --ssl-ca="$PKI/ca.crt" --ssl-cert="$PKI/client.crt" --ssl-key="$PKI/client.key"
expect_refused "root over TCP without a certificate" raw_client -h127.0.0.1 -P"$MARIADB_PORT" -uroot --ssl
expect_refused "root over the socket" raw_client -S"$SOCKET" -uroot
expect_refused "$(id -un) over the socket (unix_socket login)" raw_client -S"$SOCKET" -u"$(id -un)"
expect_refused "app over the socket" raw_client -S"$SOCKET" -uapp
expect_refused "any other user name (anonymous account)" raw_client -h127.0.0.1 -P"$MARIADB_PORT" -u "nobody$RANDOM" \
  --ssl-ca="$PKI/ca.crt" --ssl-cert="$PKI/client.crt" --ssl-key="$PKI/client.key"
expect_refused "TLS 1.1" raw_client -h127.0.0.1 -P"$MARIADB_PORT" -uapp --tls-version=TLSv1.1 \
  --ssl-ca="$PKI/ca.crt" --ssl-cert="$PKI/client.crt" --ssl-key="$PKI/client.key"

say "restart with the same key finds the data, without errors or duplicates"
stop_server
start_server "$PKI/db_key.hex"
if wait_ready; then ok "restarted"; else fail "restart"; cat "$LOG"; fi
got=$(client -Ne "SELECT COUNT(*), MAX(name) FROM people")
if [[ $got == "1	$MARKER" ]]; then ok "data intact: $got"; else fail "after restart: '$got'"; fi
grants=$(client -Ne "SHOW GRANTS")
if [[ $(printf '%s\n' "$grants" | wc -l) == 2 ]]; then ok "grants unchanged: $(printf '%s' "$grants" | tr '\n' ' ')"; else fail "grants: $grants"; fi
if grep -E '\[ERROR\]' "$LOG"; then fail "errors in the log of the restart"; else ok "no [ERROR] in the log of the restart"; fi

say "no client is served while init.sql runs (the grant tables are off then)"
stop_server
sed 's/^  SET sql_log_bin = 0;/  SET sql_log_bin = 0; DO SLEEP(4);/' \
  "$WORK/db-tmpfs/mariadb/init.sql" >"$WORK/slow_init.sql"
start_server "$PKI/db_key.hex" "$WORK/slow_init.sql"
for _ in $(seq 50); do grep -q 'Server socket created' "$LOG" && break; sleep 0.1; done
expect_refused "root over TCP during init.sql" raw_client --connect-timeout=20 -h127.0.0.1 -P"$MARIADB_PORT" -uroot --ssl
if grep -q 'ready for connections' "$LOG"; then ok "that client was answered only after init.sql had finished"; else fail "answered before ready"; fi
wait_ready || fail "start with the slow init.sql"

say "a failing init.sql stops the server before it serves anyone"
stop_server
sed 's/^  SET sql_log_bin = 0;/  SET sql_log_bin = 0; SELECT * FROM no_such_db.no_such_table;/' \
  "$WORK/db-tmpfs/mariadb/init.sql" >"$WORK/broken_init.sql"
start_server "$PKI/db_key.hex" "$WORK/broken_init.sql"
if wait_ready; then
  fail "server runs with a failing init.sql"
  stop_server
elif grep -q 'initiated by: \[boot\]' "$LOG"; then
  ok "init.sql shut mariadbd down: $(grep -E '^ERROR: ' "$LOG" | head -1)"
else
  fail "mariadbd stopped for another reason"; tail -5 "$LOG"
fi

say "a restart with another key cannot read the data"
start_server "$PKI/other_key.hex"
if wait_ready; then
  if out=$(client -Ne "SELECT name FROM people" 2>&1); then fail "read with another key: $out"; else ok "query fails: $out"; fi
  stop_server
else
  ok "mariadbd does not start: $(grep -E '\[ERROR\]' "$LOG" | head -2 | tr '\n' ' ' | cut -c1-240)"
fi
start_server "$PKI/db_key.hex"
if wait_ready && [[ $(client -Ne "SELECT name FROM people") == "$MARKER" ]]; then
  ok "with the right key the data is still there"
else
  fail "the right key after the wrong one"
fi

say "no personal data in clear text in any file written"
stop_server
ls "$MARIADB_DATADIR" | tr '\n' ' '; echo
for kind in ibdata1 ib_logfile0 'mariadb-bin.0*' 'app/people.ibd' 'mysql/global_priv.MAD' aria_log.00000001; do
  compgen -G "$MARIADB_DATADIR/$kind" >/dev/null || fail "expected file $kind is missing"
done
if grep -rl -- "$MARKER" "$MARIADB_DATADIR" "$LOG" "$DB_TMPFS"; then
  fail "marker found in clear text (files above)"
else
  ok "marker $MARKER in no file of the data directory, the log or the tmpfs"
fi
if grep -rlaF -- "${MARKER:0:16}" "$MARIADB_DATADIR" >/dev/null; then fail "marker prefix found"; fi
# Aria's log is never encrypted; the grant tables are transactional=0 so that
# not even the account rows (subject, issuer) are written to it.
if grep -laF -- "x509_subject" "$MARIADB_DATADIR"/aria_log.*; then fail "account rows in Aria's log"; else ok "Aria's log holds no account rows"; fi

printf '\n%s\n' "$([[ $FAILURES == 0 ]] && echo "ALL CHECKS PASSED" || echo "$FAILURES CHECK(S) FAILED")"
exit $((FAILURES > 0))
