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
expect "helm install las deploy/helm/coffer-las" 0 "STATUS: deployed" -- \
  helm install las deploy/helm/coffer-las --set platformDir="$work/las-platform" \
  --set socketDir="$work/las-socket" --wait --timeout 3m
cas_port=$(free_port)
expect "helm install coffer-cas deploy/helm/coffer-cas" 0 "STATUS: deployed" -- \
  helm install coffer-cas deploy/helm/coffer-cas --set hostNetwork=true --set listenHost=127.0.0.1 \
  --set port="$cas_port" --set persistence.storageClassName=coffer-local \
  --set las.socketDir="$work/las-socket" --set mrenclave="$COFFER_MRENCLAVE" --wait --timeout 3m
cp "$work/out" "$work/cas-install.out"
expect "its NOTES say how to attest it" 0 "--mrenclave $COFFER_MRENCLAVE" -- cat "$work/cas-install.out"
export COFFER_CONFIG="$work/owner" COFFER_CAS_ADDR="127.0.0.1:$cas_port"
expect "the CAS in its pod is attested as the image's coffer" 0 "" -- \
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
expect "helm install mariadb deploy/helm/mariadb --set scone.attestation.config_id=\$DBSESSION" 0 \
  "STATUS: deployed" -- helm install mariadb deploy/helm/mariadb \
  --set scone.attestation.config_id="$DBSESSION" --set cas.address="$COFFER_CAS_ADDR" \
  --set mariadb.port="$MARIADB_PORT" --set mariadb.persistence.storageClassName=coffer-local \
  --set las.socketDir="$work/las-socket" --wait --timeout 5m
expect "the MariaDB pod runs coffer run --config-id \$DBSESSION/mariadb" 0 "ready for connections" -- \
  kubectl logs mariadb-0

# --- the client, in a pod of the image on the node
marker="Personal-$RANDOM-Data-k8s"
client() {  # client NAME SQL: a pod that runs the attested client once; prints its log
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
      image: localhost/coffer:0.1.0
      imagePullPolicy: Never
      command: [coffer, run, --config-id, "$DBCLIENT/client", --, -Ne, "$2"]
      env:
        - {name: COFFER_CAS_ADDR, value: "$COFFER_CAS_ADDR"}
        - {name: COFFER_LAS_ADDR, value: /run/coffer-las/las.sock}
      securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
      volumeMounts: [{name: las, mountPath: /run/coffer-las, readOnly: true}, {name: tmp, mountPath: /tmp}]
  volumes:
    - {name: las, hostPath: {path: $work/las-socket, type: Directory}}
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
expect "an attested client pod writes personal data" 0 "" -- client writer \
  "CREATE DATABASE IF NOT EXISTS app; CREATE TABLE app.people (id INT PRIMARY KEY, name TEXT); INSERT INTO app.people VALUES (1, '$marker')"
expect "another reads it back over TLS" 0 "$marker" -- client reader \
  "SELECT name FROM app.people; SHOW SESSION STATUS LIKE 'Ssl_version'"
expect "encrypted at rest: the marker is nowhere in the database's volume" 1 "" -- \
  grep -r -a -l -e "$marker" "$work/volumes/data-mariadb-0"
expect "helm uninstall stops MariaDB cleanly" 0 "" -- helm uninstall mariadb --wait --timeout 3m

expect_summary
