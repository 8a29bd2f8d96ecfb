#!/usr/bin/env bash
# The charts' commands run for real: the seed's flow through pods started
# exactly as `helm template` renders them (command, arguments, environment,
# probes; volumes as directories of a simulated node, bind-mounted where the
# manifest mounts them: tests/deploy/pod.py). Nodes a and b run the LAS of
# chart coffer-las each; the CAS of chart coffer-cas runs on a; PLATFORMS
# comes from deploy/get_platform_ids; the MariaDB of chart mariadb, installed
# the SCONE way (scone.attestation.config_id), runs on b; the attested client
# reads through it. A third node, c, not in PLATFORMS, gets nothing.
# Usage: helm_pods_e2e_test.sh PATH/TO/coffer
set -uo pipefail
coffer=$(readlink -f "$1")
cd "$(dirname "$0")/../.."
# Not under /tmp: the pods mount their own /tmp (an emptyDir) over it.
work=$(mktemp -d /var/tmp/coffer-helm-pods-XXXXXX)
chmod 0755 "$work"
pids=()
cleanup() {
  stop_started_gently
  # The mount points pod.py made on the host, deepest first, if empty.
  [[ -f $work/nodes/mount-points ]] && sort -r -u "$work/nodes/mount-points" | xargs -r rmdir 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
source tests/lib/expect.sh
source tests/lib/stack.sh
source tests/lib/mariadb.sh

helm="$(bash scripts/install-helm.sh)/helm" || { echo "FAIL helm could not be installed"; exit 1; }
export HOME="$work/home"  # helm's cache and configuration
# The pods' commands name coffer, mariadbd and haproxy: the image's PATH,
# with this coffer in $work/image/bin (the build tree may be under /tmp).
mkdir -p "$work/image/bin"
ln "$coffer" "$work/image/bin/coffer" 2>/dev/null || cp "$coffer" "$work/image/bin/coffer"
coffer=$work/image/bin/coffer
export PATH="$work/image/bin:/usr/sbin:$PATH"
export COFFER_CONFIG="$work/owner"
pod=(/usr/bin/python3 tests/deploy/pod.py)
export PODS="$work/las-pods"
: >"$PODS"

# start_pod RENDERED KIND/NAME POD NODE: runs it in the background (log in
# $work/POD-NODE.log), sets $pod_pid.
start_pod() {
  "${pod[@]}" "$1" "$2" "$3" "$work/nodes/$4" run >"$work/$3-$4.log" 2>&1 &
  pod_pid=$!
  pids+=("$pod_pid")
}
# ready RENDERED KIND/NAME POD NODE PID: runs the pod's readiness probe until
# it passes (60 s at most); 1 if the pod exited first.
ready() {
  for _ in $(seq 1 600); do
    kill -0 "$5" 2>/dev/null || return 1
    "${pod[@]}" "$1" "$2" "$3" "$work/nodes/$4" probe readiness >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# --- the LAS on every node
"$helm" template las deploy/helm/coffer-las >"$work/las.yaml" 2>"$work/helm.err"
for node in a b c; do
  start_pod "$work/las.yaml" DaemonSet/las "las-$node" "$node"
  echo "las-$node $pod_pid $work/las.yaml DaemonSet/las $work/nodes/$node" >>"$PODS"
  must "the LAS pod of node $node is ready (its probe: coffer las platform-id)" \
    ready "$work/las.yaml" DaemonSet/las "las-$node" "$node" "$pod_pid"
done
las_socket() { echo "$work/nodes/$1/host/run/coffer/las/las.sock"; }
expect "the LAS's socket is on the node, where the chart's hostPath says" 0 "" -- \
  test -S "$(las_socket a)"
expect "its platform key too: the node keeps its platform ID" 0 "" -- \
  test -n "$(ls -A "$work/nodes/a/host/var/lib/coffer/las")"

# --- the CAS on node a; attested from outside
cas_port=$(free_port)
"$helm" template coffer-cas deploy/helm/coffer-cas --set listenHost=127.0.0.1 \
  --set port="$cas_port" >"$work/cas.yaml"
start_pod "$work/cas.yaml" StatefulSet/coffer-cas coffer-cas-0 a
cas_pid=$pod_pid
cas_up() { (exec 3<>"/dev/tcp/127.0.0.1/$cas_port") 2>/dev/null; }
wait_cas() {
  for _ in $(seq 1 600); do
    kill -0 "$cas_pid" 2>/dev/null || return 1
    cas_up && return 0
    sleep 0.1
  done
  return 1
}
must "the CAS pod serves (its probes: a TCP connection to a TLS-only port)" wait_cas
export COFFER_CAS_ADDR="127.0.0.1:$cas_port"
expect "the CAS is attested: it runs this coffer" 0 "" -- \
  "$coffer" cas attest "$COFFER_CAS_ADDR" --mrenclave "$("$coffer" measure --self)" --accept-simulation
expect "its state is in its volume (the claim data-coffer-cas-0)" 0 "" -- \
  test -n "$(ls -A "$work/nodes/a/pvc/data-coffer-cas-0")"

# --- get_platform_ids: every node's LAS, asked in its pod
expect "get_platform_ids lists every node's platform" 0 "" -- \
  env KUBECTL=tests/deploy/kubectl_on_pods.sh deploy/get_platform_ids -n coffer
all_ids=$(cat "$work/out")
expect "three platforms, comma separated" 0 "" -- \
  test "$(tr , '\n' <<<"$all_ids" | grep -cE '^[0-9a-f]{64}$')" -eq 3
# The database may run on nodes a and b only.
platform_c=$(COFFER_LAS_ADDR=$(las_socket c) "$coffer" las platform-id)
export PLATFORMS=$(tr , '\n' <<<"$all_ids" | grep -v -x "$platform_c" | paste -sd, -)

# --- the sessions, as the seed creates them
export DBSESSION="MariaDBSession-$RANDOM" DBCLIENT="MariaDBClient-$RANDOM"
export MARIADB_MRENCLAVE=$("$coffer" measure mariadbd)
export MARIADB_BACKUP_MRENCLAVE=$("$coffer" measure mariadb-backup)
export CLIENT_MRENCLAVE=$("$coffer" measure mariadb)
export MARIADB_DATADIR=/var/lib/coffer/mariadb MARIADB_PORT=$(free_port)
expect "the client session is created" 0 "" -- \
  "$coffer" session create --name "$DBCLIENT" --use-env templates/mariadb/dbclient.yml
expect "the database session is created" 0 "" -- \
  "$coffer" session create --name "$DBSESSION" --use-env templates/mariadb/dbsession.yml

# --- helm install mariadb deploy/helm/mariadb --set scone.attestation.config_id=$DBSESSION
"$helm" template mariadb deploy/helm/mariadb --set scone.attestation.config_id="$DBSESSION" \
  --set cas.address="$COFFER_CAS_ADDR" --set mariadb.port="$MARIADB_PORT" >"$work/db.yaml"
start_pod "$work/db.yaml" StatefulSet/mariadb mariadb-0 c
wait "$pod_pid"
expect "on node c, not in PLATFORMS, the MariaDB pod gets nothing (exit 125)" 0 "" -- test $? -eq 125
expect "and says why: the CAS refused its platform" 0 "platform $platform_c not allowed by" -- \
  cat "$work/mariadb-0-c.log"
expect "and its volume stays empty" 0 "" -- test -z "$(ls -A "$work/nodes/c/pvc/data-mariadb-0")"
start_pod "$work/db.yaml" StatefulSet/mariadb mariadb-0 b
db_pid=$pod_pid
must "on node b the MariaDB pod is ready (its probe: a TCP connection)" \
  ready "$work/db.yaml" StatefulSet/mariadb mariadb-0 b "$db_pid"

# --- the client, on node b
marker="Personal-$RANDOM-Data-4e2d"
db_sql() {
  COFFER_LAS_ADDR=$(las_socket b) "$coffer" run --config-id "$DBCLIENT/client" -- -Ne "$1"
}
expect "the attested client writes through TLS to the pod's MariaDB" 0 "" -- db_sql \
  "CREATE DATABASE IF NOT EXISTS app; CREATE TABLE app.people (id INT PRIMARY KEY, name TEXT);
   INSERT INTO app.people VALUES (1, '$marker')"
expect "and reads it back" 0 "$marker" -- db_sql "SELECT name FROM app.people"
expect "over TLS 1.3 with its certificate" 0 "TLSv1.3" -- \
  db_sql "SHOW SESSION STATUS LIKE 'Ssl_version'"
expect "the data are in the pod's volume" 0 "" -- \
  test -d "$work/nodes/b/pvc/data-mariadb-0/app"
expect "encrypted: the marker is nowhere in it" 1 "" -- \
  grep -r -a -l -e "$marker" "$work/nodes/b/pvc/data-mariadb-0"
expect "nor anywhere on the simulated nodes" 1 "" -- grep -r -a -l -e "$marker" "$work/nodes"

expect_summary
