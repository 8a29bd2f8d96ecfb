#!/usr/bin/env bash
# The confidential MariaDB behind masking proxies end to end: a real LAS and
# CAS, the sessions of templates/mariadb-scalable/, MariaDB, `coffer proxy
# serve` and the mariadb client started by `coffer run`, HAProxy in front of
# two proxies, and each protection tested from the attacker's side.
# Usage: scalable_e2e_test.sh PATH/TO/coffer   (KEEP=1 keeps the logs)
set -uo pipefail
coffer=$(readlink -f "$1")
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/coffer-scalable-e2e-XXXXXX)
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

# 1. The stack, the sessions, the primary and one proxy.
export COFFER_CONFIG="$work/owner"
start_las "$work/las"
export COFFER_LAS_ADDR="$work/las/las.sock"
start_cas cas "$work/cas" "$COFFER_LAS_ADDR"
export COFFER_CAS_ADDR=$cas
must "the CAS is attested" "$coffer" cas attest "$cas" --accept-simulation >/dev/null 2>&1
scalable_env

for file in dbsession dbclient analyst; do
  expect "templates/mariadb-scalable/$file.yml passes session check" 0 "is valid" -- \
    "$coffer" session check --use-env "templates/mariadb-scalable/$file.yml"
done
expect "the app's client session is created" 0 "" -- \
  "$coffer" session create --name="$DBCLIENT" --use-env templates/mariadb-scalable/dbclient.yml
expect "the analyst's client session is created" 0 "" -- \
  "$coffer" session create --name="$ANALYST" --use-env templates/mariadb-scalable/analyst.yml
expect "the database session is created" 0 "" -- \
  "$coffer" session create --name="$DBSESSION" --use-env templates/mariadb-scalable/dbsession.yml

must "the primary starts under the runtime" start_primary "$work/primary.log"
must "the proxy starts under the runtime and prints its address" start_proxy proxy1
expect "the proxy listens on the policy's port" 0 "127.0.0.1:$PROXY_PORT" -- \
  cat "$work/proxy1.out"

# 2. The application, through the proxy, in clear.
expect "the app writes personal data through the proxy" 0 "" -- app_sql \
  "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100), email VARCHAR(100),
     ssn CHAR(11), balance DECIMAL(10,2));
   INSERT INTO customers VALUES
     (1, 'Jane Roe', 'jane.roe@example.com', '123-45-6789', 1234.50),
     (2, 'John Smith', 'john.smith@example.org', '987-65-4321', 99.99)"
expect "the app reads it in clear" 0 \
  $'1\tJane Roe\tjane.roe@example.com\t123-45-6789\t1234.50' -- \
  app_sql "SELECT * FROM customers ORDER BY id"
expect "the app is logged in as app over TLS" 0 $'app@%\tTLSv1.3' -- \
  app_sql "SELECT CURRENT_USER(), (SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS
    WHERE VARIABLE_NAME = 'Ssl_version')"

# 3. The analyst, through the proxy, masked.
# -r: raw output (batch mode would escape the backslash an obfuscated name
# may hold).
analyst_sql -r "SELECT * FROM customers ORDER BY id" >"$work/analyst.rows" 2>"$work/analyst.err"
expect "the analyst reads ssn as X, email's local part as *, balance in clear" 0 \
  $'\t********@example.com\tXXXXXXXXXXX\t1234.50' -- cat "$work/analyst.rows"
expect "and the second row too" 0 $'\t**********@example.org\tXXXXXXXXXXX\t99.99' -- \
  cat "$work/analyst.rows"
expect "the analyst never sees a name, an e-mail address or an SSN" 1 "" -- \
  grep -E 'Jane|John|jane|john|123-45|987-65' "$work/analyst.rows"
# MaxScale's obfuscation (src/masking/README.md): deterministic, same length.
expect "names are obfuscated: Jane Roe" 0 $'1\t8~\\1R0m1\t' -- cat "$work/analyst.rows"
expect "names are obfuscated: John Smith" 0 $'2\t>K,~l~g~`|\t' -- cat "$work/analyst.rows"
expect "an alias does not unmask" 0 $'XXXXXXXXXXX\t********@example.com' -- \
  analyst_sql "SELECT c.ssn AS s, c.email AS e FROM customers AS c WHERE id = 1"
expect "the analyst is logged in as analyst" 0 "analyst@" -- analyst_sql "SELECT CURRENT_USER()"

# 4. Statements that could leak masked columns are refused, and the session
# goes on.
for sql in "SELECT CONCAT(ssn) FROM customers" \
  "SELECT id FROM customers WHERE ssn LIKE '1%'" \
  "SELECT * FROM customers ORDER BY ssn" \
  "CREATE TEMPORARY TABLE t AS SELECT * FROM customers" \
  "SELECT ssn FROM customers UNION SELECT ssn FROM customers"; do
  expect "refused: $sql" 1 "ERROR 1141" -- analyst_sql "$sql"
done
# On standard input (`mariadb -e` stops at the first error even with -f).
printf '%s\n' "SELECT CONNECTION_ID();" "SELECT CONCAT(ssn) FROM customers;" \
  "SELECT CONNECTION_ID();" "SELECT ssn FROM customers WHERE id = 1;" |
  "$coffer" run --config-id "$ANALYST/client" -- -fN >"$work/force.out" 2>&1
expect "after a refusal the same connection goes on" 0 "" -- python3 -c '
import sys
text = open(sys.argv[1]).read()
lines = [l for l in text.splitlines() if l.strip().isdigit()]
assert "ERROR 1141" in text and len(lines) == 2 and lines[0] == lines[1], text
assert text.rstrip().endswith("XXXXXXXXXXX"), text' "$work/force.out"

# 5. The analyst cannot write: MariaDB's own refusal, through the proxy.
expect "the analyst cannot insert (MariaDB's ERROR 1142)" 1 "ERROR 1142" -- \
  analyst_sql "INSERT INTO customers VALUES (3, 'x', 'x', 'x', 0)"

# 6. The attacker's side: certificates of another CA, no TLS, and the
# analyst's own certificate against the primary.
pki="$work/pki"
make_foreign_pki "$pki"
make_foreign_client "$pki" analyst
raw() {
  local port=$1
  shift
  mariadb --no-defaults -h 127.0.0.1 -P "$port" --connect-timeout=5 "$@" -e "SELECT 1"
}
expect "the proxy refuses CN=analyst from another CA" 1 "" -- \
  raw "$PROXY_PORT" -u analyst --ssl-cert="$pki/analyst.crt" --ssl-key="$pki/analyst.key"
expect "the proxy refuses TLS without a client certificate" 1 "" -- \
  raw "$PROXY_PORT" -u analyst --ssl
expect "the proxy refuses plaintext with its own ERROR 1045" 1 \
  "ERROR 1045 (28000): Access denied: this proxy accepts TLS connections with a client certificate only" -- \
  raw "$PROXY_PORT" -u analyst --skip-ssl
expect "the primary refuses CN=app from another CA" 1 "" -- \
  raw "$MARIADB_PORT" -u app --ssl-cert="$pki/app.crt" --ssl-key="$pki/app.key"
expect "the primary refuses plaintext" 1 "" -- raw "$MARIADB_PORT" -u app --skip-ssl
# The analyst's session owner points it at the primary, past the proxy.
expect "the analyst's session is pointed at the primary" 0 "" -- env PROXY_PORT="$MARIADB_PORT" \
  "$coffer" session update --name="$ANALYST" --use-env templates/mariadb-scalable/analyst.yml
expect "the primary refuses the analyst's own certificate (not its CA)" 1 "ERROR" -- \
  analyst_sql "SELECT ssn FROM customers"
expect "the analyst's session is pointed back at the proxy" 0 "" -- \
  "$coffer" session update --name="$ANALYST" --use-env templates/mariadb-scalable/analyst.yml
expect "and works again" 0 "XXXXXXXXXXX" -- analyst_sql "SELECT ssn FROM customers WHERE id = 2"

# 7. A proxy crash does not touch the primary; a new proxy serves again.
kill_proxy proxy1
expect "after SIGKILL to the proxy no client gets through" 1 "" -- app_sql "SELECT 1"
expect "the primary keeps running" 0 "" -- kill -0 "$primary_pid"
must "the proxy starts again" start_proxy proxy1
expect "queries work again" 0 "jane.roe@example.com" -- \
  app_sql "SELECT email FROM customers WHERE id = 1"
expect "masking too" 0 "XXXXXXXXXXX" -- analyst_sql "SELECT ssn FROM customers WHERE id = 1"

# 8. HAProxy in TCP mode in front of two proxies (TLS passes through it).
P2=$(free_port)
LB_PORT=$(free_port)
must "a second proxy starts on another port" start_proxy proxy2 "$P2"
expect "it listens there" 0 "127.0.0.1:$P2" -- cat "$work/proxy2.out"
must "HAProxy starts" start_haproxy "$LB_PORT" "$PROXY_PORT" "$P2"
must "HAProxy sees the first proxy up" wait_haproxy_status proxy1 UP
must "and the second" wait_haproxy_status proxy2 UP
expect "the app's session is pointed at HAProxy" 0 "" -- env PROXY_PORT="$LB_PORT" \
  "$coffer" session update --name="$DBCLIENT" --use-env templates/mariadb-scalable/dbclient.yml
expect "the app reads through HAProxy" 0 "jane.roe@example.com" -- \
  app_sql "SELECT email FROM customers WHERE id = 1"
kill_proxy proxy1
must "HAProxy marks the killed proxy down" wait_haproxy_status proxy1 DOWN
# 20 new connections, 4 at a time.
batch=()
for i in $(seq 1 20); do
  app_sql "SELECT $i" >"$work/lb$i.out" 2>"$work/lb$i.err" &
  batch+=($!)
  if ((i % 4 == 0)); then wait "${batch[@]}"; batch=(); fi
done
ok=0
for i in $(seq 1 20); do
  if grep -qx "$i" "$work/lb$i.out"; then ok=$((ok + 1)); else cat "$work/lb$i.err"; fi
done
expect "killing one proxy loses no new connection (20 of 20 through HAProxy)" 0 "" -- \
  test "$ok" -eq 20
expect "HAProxy still sees the second proxy up" 0 "UP" -- haproxy_status proxy2
expect "the primary is still the one that started" 0 "" -- kill -0 "$primary_pid"
expect_summary
