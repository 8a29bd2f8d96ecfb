#!/usr/bin/env bash
# The seed's flow on a real single-node Kubernetes 1.20 cluster (cluster.sh)
# with the image of deploy/image/build.sh: every chart rendered in each
# variant is first validated by the API server (kubectl apply
# --dry-run=server --validate=strict), then `helm install` of the LAS, the
# CAS and the MariaDB (the SCONE way), get_platform_ids with the real
# kubectl, the sessions, and an attested client in a pod that writes and
# reads through TLS. Stops the cluster and everything in it at the end.
#   make k8s-check      (builds what it needs first; about 30 minutes the first time)
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
image_tar=${COFFER_IMAGE_TAR:-build/image/coffer-image.tar}
measurements=${image_tar%/*}/measurements.env
[[ -s $image_tar && -s $measurements ]] || { echo "seed_flow: run deploy/image/build.sh first" >&2; exit 1; }
work=$(mktemp -d /tmp/coffer-k8s-XXXXXX)
chmod 0755 "$work"
tools=$(bash scripts/install-helm.sh) || exit 1
export PATH="$tools:$PATH" KUBECTL="$tools/kubectl" HOME="$work/cluster/home"
cleanup() {
  if [[ $failed -gt 0 && -f $work/cluster/env ]]; then  # what the pods said
    kubectl get pods -o wide
    for p in $(kubectl get pods -o name); do
      echo "--- $p"; kubectl logs "$p" --all-containers --tail 20
    done
  fi 2>&1
  deploy/k8s-local/cluster.sh down "$work/cluster" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
source tests/lib/expect.sh
source tests/lib/mariadb.sh   # free_port

must "the cluster comes up (etcd, kube-apiserver, controllers, scheduler, dockerd, kubelet)" \
  deploy/k8s-local/cluster.sh up "$work/cluster"
source "$work/cluster/env"
must "the image is loaded into the node's dockerd" docker import \
  --change 'ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'USER 10001' \
  "$image_tar" localhost/coffer:0.1.0
source "$measurements"
export COFFER_MRENCLAVE MARIADB_MRENCLAVE MARIADB_BACKUP_MRENCLAVE CLIENT_MRENCLAVE

# --- the API server validates every variant of every chart
validate() {  # validate NAME CHART ARGS...
  local name=$1 chart=$2
  shift 2
  helm template "$name" "deploy/helm/$chart" --kube-version 1.20.2 "$@" >"$work/$name.yaml" &&
    kubectl apply --dry-run=server --validate=strict -f "$work/$name.yaml"
}
expect "the API server accepts coffer-las" 0 "(server dry run)" -- validate v-las coffer-las
expect "coffer-cas (SQLite)" 0 "(server dry run)" -- validate v-cas coffer-cas
expect "coffer-cas (three members on etcd)" 0 "(server dry run)" -- validate v-cas3 coffer-cas \
  --set store=etcd --set members=3 --set 'etcd.endpoints={e:2379}' --set etcd.tlsSecret=etcd-client
expect "mariadb (single master, SCONE-style value)" 0 "(server dry run)" -- validate v-db mariadb \
  --set scone.attestation.config_id=DB
expect "mariadb (scalable, two replicas)" 0 "(server dry run)" -- validate v-scalable mariadb \
  --set coffer.configId=DB --set replicas=2
expect "mariadb (scalable, spread over nodes)" 0 "(server dry run)" -- validate v-spread mariadb \
  --set coffer.configId=DB --set replicas=2 --set placement=spread

# --- volumes: the node has no provisioner; one hostPath volume per claim
pv() {  # pv CLAIM: a PersistentVolume bound to that claim, owned by the pods' user
  mkdir -p "$work/volumes/$1"
  chown 10001:10001 "$work/volumes/$1"
  kubectl apply -f - <<PV
apiVersion: v1
kind: PersistentVolume
metadata: {name: $1}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  storageClassName: coffer-local
  claimRef: {namespace: default, name: $1}
  hostPath: {path: $work/volumes/$1, type: Directory}
PV
}
pv data-coffer-cas-0 >/dev/null && pv data-mariadb-0 >/dev/null

# --- the LAS on every node, the CAS
# logged FILE COMMAND...: COMMAND with its output in FILE (for must).
logged() {
  local file=$1
  shift
  "$@" >"$file" 2>&1 || { cat "$file"; return 1; }
}
must "helm install las deploy/helm/coffer-las" logged "$work/las-install.out" \
  helm install las deploy/helm/coffer-las --set hostNetwork=true --set platformDir="$work/las-platform" \
  --set socketDir="$work/las-socket" --wait --timeout 3m
cas_port=$(free_port)
export COFFER_CONFIG="$work/owner"
owner=$(build/bin/coffer cas whoami)
must "helm install coffer-cas deploy/helm/coffer-cas" logged "$work/cas-install.out" \
  helm install coffer-cas deploy/helm/coffer-cas --set hostNetwork=true --set listenHost=127.0.0.1 \
  --set "owners={$owner}" \
  --set port="$cas_port" --set persistence.storageClassName=coffer-local \
  --set las.socketDir="$work/las-socket" --set mrenclave="$COFFER_MRENCLAVE" --wait --timeout 3m
expect "its NOTES say how to attest it" 0 "--mrenclave $COFFER_MRENCLAVE" -- cat "$work/cas-install.out"
export COFFER_CAS_ADDR="127.0.0.1:$cas_port"
must "the CAS in its pod is attested as the image's coffer" logged "$work/attest.out" \
  build/bin/coffer cas attest "$COFFER_CAS_ADDR" --mrenclave "$COFFER_MRENCLAVE" --accept-simulation

# --- the seed's commands
expect "get_platform_ids asks every LAS pod (kubectl exec)" 0 "" -- deploy/get_platform_ids
export PLATFORMS=$(cat "$work/out")
expect "one node, one platform ID" 0 "" -- bash -c "[[ '$PLATFORMS' =~ ^[0-9a-f]{64}$ ]]"
export DBSESSION="MariaDB-$RANDOM" DBCLIENT="MariaDBClient-$RANDOM"
export MARIADB_DATADIR=/var/lib/coffer/mariadb MARIADB_PORT=$(free_port)
expect "coffer session create --name=\$DBCLIENT" 0 "" -- \
  build/bin/coffer session create --name="$DBCLIENT" --use-env templates/mariadb/dbclient.yml
expect "coffer session create --name=\$DBSESSION" 0 "" -- \
  build/bin/coffer session create --name="$DBSESSION" --use-env templates/mariadb/dbsession.yml
must "helm install mariadb deploy/helm/mariadb --set scone.attestation.config_id=\$DBSESSION" \
  logged "$work/db-install.out" helm install mariadb deploy/helm/mariadb \
  --set scone.attestation.config_id="$DBSESSION" --set cas.address="$COFFER_CAS_ADDR" \
  --set mariadb.port="$MARIADB_PORT" --set mariadb.persistence.storageClassName=coffer-local \
  --set las.socketDir="$work/las-socket" --wait --timeout 5m
expect "the MariaDB pod runs coffer run --config-id \$DBSESSION/mariadb" 0 "ready for connections" -- \
  kubectl logs mariadb-0

# --- the client, in a pod of the image on the node
marker="Personal-$RANDOM-Data-k8s"
client_image=localhost/coffer:0.1.0
client() {  # client NAME SESSION SQL: a pod that runs the attested client once; prints its log
  kubectl apply -f - >/dev/null <<POD
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  restartPolicy: Never
  hostNetwork: true
  automountServiceAccountToken: false
  securityContext: {runAsUser: 10001, runAsGroup: 10001, supplementalGroups: [2000], seccompProfile: {type: Unconfined}}
  containers:
    - name: client
      image: $client_image
      imagePullPolicy: Never
      command: [coffer, run, --config-id, "$2/client", --, -Ne, "$3"]
      env:
        - {name: COFFER_CAS_ADDR, value: "$COFFER_CAS_ADDR"}
        - {name: COFFER_LAS_ADDR, value: /run/coffer-las/las.sock}
      securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
      volumeMounts: [{name: las, mountPath: /run/coffer-las, readOnly: true}, {name: files, mountPath: /run/coffer}, {name: tmp, mountPath: /tmp}]
  volumes:
    - {name: las, hostPath: {path: $work/las-socket, type: Directory}}
    - {name: files, emptyDir: {medium: Memory}}
    - {name: tmp, emptyDir: {medium: Memory}}
POD
  for _ in $(seq 1 300); do
    phase=$(kubectl get pod "$1" -o 'jsonpath={.status.phase}')
    [[ $phase == Succeeded || $phase == Failed ]] && break
    sleep 0.5
  done
  kubectl logs "$1"
  [[ $phase == Succeeded ]]
}
expect "an attested client pod writes personal data" 0 "" -- client writer "$DBCLIENT" \
  "CREATE DATABASE IF NOT EXISTS app; CREATE TABLE app.people (id INT PRIMARY KEY, name TEXT); INSERT INTO app.people VALUES (1, '$marker')"
expect "another reads it back over TLS" 0 "$marker" -- client reader "$DBCLIENT" \
  "SELECT name FROM app.people; SHOW SESSION STATUS LIKE 'Ssl_version'"
expect "encrypted at rest: the marker is nowhere in the database's volume" 1 "" -- \
  grep -r -a -l -e "$marker" "$work/volumes/data-mariadb-0"

# --- the upgrade of docs/kubernetes.md, as Helm steps: the next image (its
# coffer one byte longer: another build, another measurement) with the
# previous coffer at /opt/coffer-previous/coffer
mkdir -p "$work/next"
docker create --name coffer-current localhost/coffer:0.1.0 true >/dev/null &&
  docker cp coffer-current:/usr/local/bin/coffer "$work/next/coffer-previous" &&
  docker rm coffer-current >/dev/null
cp "$work/next/coffer-previous" "$work/next/coffer" && printf '\n' >>"$work/next/coffer"
printf 'FROM localhost/coffer:0.1.0\nCOPY coffer /usr/local/bin/coffer\nCOPY coffer-previous /opt/coffer-previous/coffer\n' \
  >"$work/next/Dockerfile"
must "the next image is built" logged "$work/next.out" \
  env DOCKER_BUILDKIT=0 docker build -q -t localhost/coffer:next "$work/next"
next_mrenclave=$(docker run --rm --network=none localhost/coffer:next coffer measure --self)
expect "the next coffer has another measurement" 0 "" -- \
  bash -c "[[ $next_mrenclave =~ ^[0-9a-f]{64}$ && $next_mrenclave != $COFFER_MRENCLAVE ]]"
must "1. the LAS serves both builds (helm upgrade las, extraRuntimes)" logged "$work/las-upgrade.out" \
  helm upgrade las deploy/helm/coffer-las --reuse-values --set image.tag=next \
  --set 'extraRuntimes={/opt/coffer-previous/coffer}' --wait --timeout 3m
expect "the node kept its platform ID" 0 "$PLATFORMS" -- deploy/get_platform_ids
expect "2. the owner approves the next build" 0 "" -- \
  build/bin/coffer cas approve --mrenclave "$next_mrenclave"
pv data-cas-next-0 >/dev/null
next_port=$(free_port)
must "3. helm install cas-next, joining the running CAS (joinFrom)" logged "$work/cas-next.out" \
  helm install cas-next deploy/helm/coffer-cas --set image.tag=next --set hostNetwork=true \
  --set listenHost=127.0.0.1 --set port="$next_port" --set joinFrom="$COFFER_CAS_ADDR" \
  --set persistence.storageClassName=coffer-local --set las.socketDir="$work/las-socket" \
  --wait --timeout 3m
expect "the old CAS has retired and names its successor" 3 "127.0.0.1:$next_port and is retired" -- \
  build/bin/coffer session read "$DBSESSION"
must "4. the owner attests the next CAS (its measurement)" logged "$work/attest-next.out" \
  build/bin/coffer cas attest "127.0.0.1:$next_port" --mrenclave "$next_mrenclave" --accept-simulation
export COFFER_CAS_ADDR="127.0.0.1:$next_port"
expect "it holds the sessions" 0 "hash" -- build/bin/coffer session read "$DBSESSION"
# The services' measurements include the coffer that runs them.
measure_next() { docker run --rm --network=none localhost/coffer:next coffer measure "$1"; }
export MARIADB_MRENCLAVE=$(measure_next mariadbd) CLIENT_MRENCLAVE=$(measure_next mariadb)
export MARIADB_BACKUP_MRENCLAVE=$(measure_next mariadb-backup)
expect "5. the sessions are updated with the next image's measurements" 0 "" -- bash -c \
  "build/bin/coffer session update --name=$DBSESSION --use-env templates/mariadb/dbsession.yml &&
   build/bin/coffer session update --name=$DBCLIENT --use-env templates/mariadb/dbclient.yml"
must "helm upgrade mariadb to the next image and CAS" logged "$work/db-upgrade.out" \
  helm upgrade mariadb deploy/helm/mariadb --reuse-values --set image.tag=next \
  --set cas.address="$COFFER_CAS_ADDR" --wait --timeout 5m
client_image=localhost/coffer:next
expect "the upgraded MariaDB serves the data written before the upgrade" 0 "$marker" -- \
  client reader-next "$DBCLIENT" "SELECT name FROM app.people"
expect "helm uninstall stops MariaDB cleanly" 0 "" -- helm uninstall mariadb --wait --timeout 3m
# From here on, everything runs the next build.
export COFFER_MRENCLAVE=$next_mrenclave

# --- the scalable variant: a primary, a replica, two masking proxies, HAProxy
export DBSESSION="MariaDBScalable-$RANDOM" DBCLIENT="AppClient-$RANDOM" ANALYST="Analyst-$RANDOM"
export MARIADB_PORT=$(free_port) PROXY_PORT=$(free_port)
export MASKING_RULES=$(tr -d '\n' <templates/mariadb-scalable/masking.json)
haproxy_port=$(free_port) replica_port=$(free_port) second_proxy=$((PROXY_PORT + 1))
for port in "$replica_port" "$second_proxy"; do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { echo "FAIL port $port is taken"; exit 1; }
done
expect "the scalable database session is created" 0 "" -- \
  build/bin/coffer session create --name="$DBSESSION" --use-env templates/mariadb-scalable/dbsession.yml
# The clients connect to HAProxy: their sessions name its port.
expect "the app's and the analyst's sessions are created" 0 "" -- bash -c \
  "PROXY_PORT=$haproxy_port build/bin/coffer session create --name=$DBCLIENT --use-env templates/mariadb-scalable/dbclient.yml &&
   PROXY_PORT=$haproxy_port build/bin/coffer session create --name=$ANALYST --use-env templates/mariadb-scalable/analyst.yml"
pv data-scalable-primary-0 >/dev/null && pv data-scalable-replica-0 >/dev/null
must "helm install scalable deploy/helm/mariadb --set replicas=1 --set proxy.count=2" \
  logged "$work/scalable-install.out" helm install scalable deploy/helm/mariadb \
  --set coffer.configId="$DBSESSION" --set replicas=1 --set proxy.count=2 --set image.tag=next \
  --set cas.address="$COFFER_CAS_ADDR" --set mariadb.port="$MARIADB_PORT" \
  --set replica.basePort="$replica_port" --set proxy.port="$PROXY_PORT" \
  --set haproxy.port="$haproxy_port" --set mariadb.persistence.storageClassName=coffer-local \
  --set las.socketDir="$work/las-socket" --wait --timeout 5m
expect "the app writes personal data through HAProxy and a proxy" 0 "" -- client app-writer "$DBCLIENT" \
  "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100), email VARCHAR(100), ssn CHAR(11));
   INSERT INTO customers VALUES (1, 'Jane Roe', 'jane.roe@example.com', '123-45-6789')"
expect "the app reads it in clear" 0 "jane.roe@example.com" -- client app-reader "$DBCLIENT" \
  "SELECT * FROM customers"
expect "the analyst reads it masked" 0 $'********@example.com\tXXXXXXXXXXX' -- \
  client analyst-reader "$ANALYST" "SELECT * FROM customers"
cp "$work/out" "$work/analyst.out"
expect "the analyst sees no name, address or SSN" 1 "" -- \
  grep -E "Jane|jane|123-45" "$work/analyst.out"
expect "a bypass attempt is refused by the proxy" 1 "ERROR 1141" -- \
  client analyst-bypass "$ANALYST" "SELECT CONCAT(ssn, '') FROM customers"
expect "the replica pod replicates from the primary pod" 0 "" -- bash -c \
  "for i in \$(seq 1 100); do kubectl logs scalable-replica-0 | grep -qi 'connected to master' && exit 0; sleep 0.5; done; exit 1"
expect "helm uninstall stops them" 0 "" -- helm uninstall scalable --wait --timeout 3m

expect_summary
