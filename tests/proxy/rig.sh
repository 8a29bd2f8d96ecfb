# The proxy's test rig: a PKI made with openssl, a real MariaDB with TLS
# client certificates only, and `coffer proxy serve` in front of it, with
# no LAS or CAS (tests/e2e/scalable_e2e_test.sh runs the same under
# `coffer run`). Source after tests/lib/stack.sh and tests/lib/mariadb.sh,
# with $coffer, $work and pids=() set.

# rig_pki DIR: the database CA (server, proxy and backend account
# certificates) and the client CA (clients of the proxy), as in
# templates/mariadb-scalable/.
rig_pki() {
  local pki=$1
  mkdir -p "$pki"
  rig_ca "$pki" ca "MariaDB CA"
  rig_ca "$pki" client-ca "MariaDB Client CA"
  rig_leaf "$pki" ca server server "subjectAltName=IP:127.0.0.1,DNS:localhost"
  rig_leaf "$pki" ca proxy proxy "subjectAltName=IP:127.0.0.1,DNS:localhost"
  rig_leaf "$pki" ca backend-app app ""
  rig_leaf "$pki" ca backend-analyst analyst ""
  rig_leaf "$pki" client-ca app app ""
  rig_leaf "$pki" client-ca analyst analyst ""
  rig_leaf "$pki" client-ca stranger stranger ""
}

rig_ca() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 1 -subj "/CN=$3" -keyout "$1/$2.key" -out "$1/$2.crt" 2>/dev/null
}

# rig_leaf DIR ISSUER NAME CN EXTENSION
rig_leaf() {
  local pki=$1 issuer=$2 name=$3 cn=$4 ext=$5
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=$cn" -keyout "$pki/$name.key" -out "$pki/$name.csr" 2>/dev/null
  if [[ -n $ext ]]; then
    printf '%s\n' "$ext" >"$pki/$name.ext"
    openssl x509 -req -in "$pki/$name.csr" -CA "$pki/$issuer.crt" \
      -CAkey "$pki/$issuer.key" -CAcreateserial -days 1 \
      -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
  else
    openssl x509 -req -in "$pki/$name.csr" -CA "$pki/$issuer.crt" \
      -CAkey "$pki/$issuer.key" -CAcreateserial -days 1 \
      -out "$pki/$name.crt" 2>/dev/null
  fi
}

# rig_start_db: MariaDB on $db_port, TLS only, accounts app and analyst
# unlocked by certificates of the database CA; sets $db_pid.
rig_start_db() {
  local pki=$work/pki data=$work/data
  db_port=$(free_port)
  mkdir -p "$data"
  mariadb-install-db --no-defaults --datadir="$data" --user=root \
    --skip-test-db >"$work/install-db.log" 2>&1 || return 1
  cat >"$work/init.sql" <<SQL
CREATE USER IF NOT EXISTS 'app'@'%' REQUIRE SUBJECT '/CN=app' AND ISSUER '/CN=MariaDB CA';
CREATE USER IF NOT EXISTS 'analyst'@'%' REQUIRE SUBJECT '/CN=analyst' AND ISSUER '/CN=MariaDB CA';
CREATE DATABASE IF NOT EXISTS app;
GRANT ALL PRIVILEGES ON app.* TO 'app'@'%';
GRANT SELECT, CREATE TEMPORARY TABLES ON app.* TO 'analyst'@'%';
SQL
  mariadbd --no-defaults --datadir="$data" --port="$db_port" \
    --bind-address=127.0.0.1 --socket="$work/db.sock" --user=root \
    --pid-file="$work/db.pid" --skip-name-resolve \
    --ssl-ca="$pki/ca.crt" --ssl-cert="$pki/server.crt" \
    --ssl-key="$pki/server.key" --require-secure-transport=ON \
    --max-allowed-packet=64M --init-file="$work/init.sql" \
    >"$work/db.log" 2>&1 &
  db_pid=$!
  pids+=("$db_pid")
  for _ in $(seq 1 600); do
    grep -q "ready for connections" "$work/db.log" && return 0
    kill -0 "$db_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# rig_proxy_config FILE [RULES]: the proxy's configuration for this rig.
rig_proxy_config() {
  local pki=$work/pki rules=${2:-}
  cat >"$1" <<JSON
{
  "listen": "127.0.0.1:0",
  "proxy_protocol_from": ["127.0.0.2"],
  "tls": {"certificate": "$pki/proxy.crt", "key": "$pki/proxy.key",
          "client_ca": "$pki/client-ca.crt"},
  "backend": {"address": "127.0.0.1:$db_port", "ca": "$pki/ca.crt",
              "server_name": "127.0.0.1"},
  "accounts": [
    {"subject": "CN=app", "user": "app",
     "certificate": "$pki/backend-app.crt", "key": "$pki/backend-app.key"},
    {"subject": "CN=analyst", "user": "analyst",
     "certificate": "$pki/backend-analyst.crt", "key": "$pki/backend-analyst.key"}
  ]${rules:+,
  \"masking_rules\": \"$rules\"}
}
JSON
}

# rig_start_proxy NAME CONFIG [ARGS...]: sets $proxy_pid and $proxy_port
# once the proxy prints its address.
rig_start_proxy() {
  local name=$1 config=$2
  shift 2
  "$coffer" proxy serve --config "$config" "$@" \
    >"$work/$name.out" 2>"$work/$name.err" &
  proxy_pid=$!
  pids+=("$proxy_pid")
  proxy_port=""
  for _ in $(seq 1 300); do
    if [[ -s "$work/$name.out" ]]; then
      proxy_port=$(head -n 1 "$work/$name.out" | sed 's/.*://')
      return 0
    fi
    kill -0 "$proxy_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# as USER SQL...: the stock mariadb client through the proxy, with USER's
# certificate from the client CA; tab-separated rows without headers. In
# utf8mb4, which the client otherwise takes from the locale (latin1 under
# LANG=C), since `match` rules read only UTF-8 values in part.
as() {
  local user=$1
  shift
  mariadb --no-defaults --default-character-set="${AS_CHARSET:-utf8mb4}" \
    -h 127.0.0.1 -P "$proxy_port" -u "$user" \
    --ssl-ca="$work/pki/ca.crt" --ssl-cert="$work/pki/$user.crt" \
    --ssl-key="$work/pki/$user.key" --ssl-verify-server-cert -N -B app \
    -e "$*"
}

# stmt USER MODE SQL [PARAM...]: Connector/C through the proxy.
stmt() {
  local user=$1
  shift
  "$stmt_client" 127.0.0.1 "$proxy_port" "$user" "$work/pki/ca.crt" \
    "$work/pki/$user.crt" "$work/pki/$user.key" "$@"
}
