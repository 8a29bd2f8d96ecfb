#!/usr/bin/env bash
# The charts of deploy/helm/ without a cluster: `helm lint --strict` on each,
# `helm template` with the default, the scalable and the SCONE-style values,
# the rendered objects checked (tests/deploy/check_rendered.py: every pod
# runs `coffer run` with the right config ID, no key material in Kubernetes,
# the LAS socket read-only for clients, security contexts), the refusals of
# bad values, and the checker itself caught on manifests made wrong on purpose.
# Usage: helm_test.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/coffer-helm-XXXXXX)
trap 'rm -rf "$work"' EXIT
source tests/lib/expect.sh

helm="$(bash scripts/install-helm.sh)/helm" || { echo "FAIL helm could not be installed"; exit 1; }
export HOME="$work/home"
check=(/usr/bin/python3 tests/deploy/check_rendered.py)

for chart in coffer-las coffer-cas mariadb; do
  expect "helm lint --strict $chart" 0 "0 chart(s) failed" -- \
    "$helm" lint --strict "deploy/helm/$chart" --set coffer.configId=db
done
# The variants with a PodDisruptionBudget, whose API version depends on the
# cluster's version (a deprecated one fails --strict).
expect "helm lint --strict mariadb, scalable and spread" 0 "0 chart(s) failed" -- \
  "$helm" lint --strict deploy/helm/mariadb --set coffer.configId=db \
  --set replicas=2 --set placement=spread
expect "helm lint --strict coffer-cas, three members on etcd" 0 "0 chart(s) failed" -- \
  "$helm" lint --strict deploy/helm/coffer-cas --set store=etcd --set members=3 \
  --set 'etcd.endpoints={e:2379}' --set etcd.tlsSecret=s

# render NAME CHART ARGS...: helm template into $work/NAME.yaml.
render() {
  local name=$1 chart=$2
  shift 2
  "$helm" template "$name" "deploy/helm/$chart" "$@" >"$work/$name.yaml"
}
expect "coffer-las renders" 0 "" -- render las coffer-las
expect "one LAS per node: a DaemonSet with the node's PIDs and platform directory" 0 "" -- \
  grep -q "hostPID: true" "$work/las.yaml"
expect "its objects pass the checks" 0 "0 findings" -- "${check[@]}" "$work/las.yaml"

expect "coffer-cas renders (SQLite, one member)" 0 "" -- render cas coffer-cas
expect "its objects pass the checks" 0 "0 findings" -- "${check[@]}" "$work/cas.yaml"
expect "coffer-cas renders three members on etcd" 0 "" -- render cas3 coffer-cas \
  --set store=etcd --set members=3 --set 'etcd.endpoints={etcd-0:2379,etcd-1:2379}' \
  --set etcd.tlsSecret=etcd-client
expect "the members join member 0 on their first start" 0 "--join=cas3-0.cas3-members" -- \
  cat "$work/cas3.yaml"
expect "three replicas" 0 "replicas: 3" -- cat "$work/cas3.yaml"
expect "a PodDisruptionBudget (policy/v1 where the cluster has it)" 0 "apiVersion: policy/v1" -- \
  grep -x "apiVersion: policy/v1" "$work/cas3.yaml"
expect "policy/v1beta1 on Kubernetes 1.20" 0 "apiVersion: policy/v1beta1" -- \
  "$helm" template cas3 deploy/helm/coffer-cas --kube-version 1.20.2 --set store=etcd \
  --set members=3 --set 'etcd.endpoints={e:2379}' --set etcd.tlsSecret=s
expect "mariadb: policy/v1beta1 on Kubernetes 1.20" 0 "apiVersion: policy/v1beta1" -- \
  "$helm" template x deploy/helm/mariadb --kube-version 1.20.2 --set coffer.configId=db \
  --set replicas=1
expect "its objects pass the checks" 0 "0 findings" -- "${check[@]}" "$work/cas3.yaml"

expect "mariadb renders with coffer.configId" 0 "" -- \
  render db mariadb --set coffer.configId=MyDB
expect "one pod, coffer run --config-id MyDB/mariadb" 0 "0 findings" -- \
  "${check[@]}" "$work/db.yaml" --config-id MyDB --services mariadb
expect "mariadb renders the SCONE way (scone.attestation.config_id)" 0 "" -- \
  render scone mariadb --set scone.attestation.config_id=MyDB
expect "to the same objects as with coffer.configId" 0 "" -- \
  cmp <(sed 's/\bscone\b/RELEASE/g' "$work/scone.yaml") <(sed 's/\bdb\b/RELEASE/g' "$work/db.yaml")
expect "mariadb renders the scalable variant (replicas=2)" 0 "" -- \
  render scalable mariadb --set coffer.configId=MyDB --set replicas=2 --set proxy.count=3
expect "primary, replicas, proxies: each coffer run with its config ID" 0 "0 findings" -- \
  "${check[@]}" "$work/scalable.yaml" --config-id MyDB --services primary,replica,proxy
expect "HAProxy checks the proxies' greeting and has all three" 0 "" -- \
  test "$(grep -c 'server proxy[0-9] 127.0.0.1:400[6-8] check' "$work/scalable.yaml")" -eq 3
expect "the scalable template without replicas (scalable=true)" 0 "" -- \
  render scalable0 mariadb --set coffer.configId=MyDB --set scalable=true
expect "primary and proxies only" 0 "0 findings" -- \
  "${check[@]}" "$work/scalable0.yaml" --config-id MyDB --services primary,proxy
expect "the scalable variant spread over nodes (placement=spread)" 0 "" -- \
  render spread mariadb --set coffer.configId=MyDB --set replicas=2 --set placement=spread
expect "no two database servers on one node, nothing tied to the primary's" 0 "0 findings" -- \
  "${check[@]}" "$work/spread.yaml" --config-id MyDB --services primary,replica,proxy --spread
expect "checker: database servers allowed on one node are caught" 1 "may share a node" -- \
  "${check[@]}" "$work/scalable.yaml" --spread
expect "a replica gives its DNS name as the host the proxies reach it at" 0 \
  '/var/lib/coffer/mariadb ${POD_NAME}.spread-db.default.svc.cluster.local' -- cat "$work/spread.yaml"
expect "headless Services name the servers and proxies, even before they are ready" 0 "" -- \
  test "$(grep -c 'publishNotReadyAddresses: true' "$work/spread.yaml")" -eq 2
expect "HAProxy finds the proxies by name" 0 \
  "server proxy1 spread-proxy-1.spread-proxy.default.svc.cluster.local:4007 check" -- cat "$work/spread.yaml"
expect "NOTES print the session's variables" 0 "MARIADB_DNS=*.spread-db.default.svc.cluster.local" -- \
  "$helm" install spread deploy/helm/mariadb --dry-run=client --set coffer.configId=MyDB \
  --set replicas=2 --set placement=spread

# Bad values: a clear error, naming the value and what to do.
expect "an unknown placement: refused" 1 "placement=apart: use together" -- \
  "$helm" template x deploy/helm/mariadb --set coffer.configId=A --set replicas=1 --set placement=apart
expect "no database session: refused" 1 "set the database session: --set coffer.configId" -- \
  "$helm" template x deploy/helm/mariadb
expect "two different sessions: refused" 1 "differ: set one of them" -- \
  "$helm" template x deploy/helm/mariadb --set coffer.configId=A --set scone.attestation.config_id=B
expect "a SERVICE in the config ID: refused" 1 "give the session only" -- \
  "$helm" template x deploy/helm/mariadb --set coffer.configId=A/mariadb
expect "etcd without endpoints: refused" 1 "store=etcd needs etcd.endpoints" -- \
  "$helm" template x deploy/helm/coffer-cas --set store=etcd
expect "etcd without a client certificate: refused" 1 "TLS with a client certificate only" -- \
  "$helm" template x deploy/helm/coffer-cas --set store=etcd --set 'etcd.endpoints={e:2379}'
expect "two members on SQLite: refused" 1 "several members share a state on etcd" -- \
  "$helm" template x deploy/helm/coffer-cas --set members=2
expect "an unknown store: refused" 1 "store=zookeeper: write sqlite or etcd" -- \
  "$helm" template x deploy/helm/coffer-cas --set store=zookeeper

# The checker fails on what it must catch.
bad() {  # bad NAME SED_SCRIPT: the scalable objects changed by SED_SCRIPT
  sed "$2" "$work/scalable.yaml" >"$work/bad-$1.yaml"
  "${check[@]}" "$work/bad-$1.yaml" --config-id MyDB --services primary,replica,proxy
}
expect "checker: a key in a ConfigMap is caught" 1 "key material" -- \
  bad key 's/^    global$/    global # -----BEGIN EC PRIVATE KEY-----/'
expect "checker: a password in the environment is caught" 1 "MARIADB_ROOT_PASSWORD is not an address" -- \
  bad env 's/- {name: COFFER_CAS_ADDR, value:/- {name: MARIADB_ROOT_PASSWORD, value:/'
expect "checker: a writable LAS socket mount is caught" 1 "LAS socket directory writable" -- \
  bad las 's/mountPath: \/run\/coffer-las, readOnly: true/mountPath: \/run\/coffer-las/'
expect "checker: another session's config ID is caught" 1 "want MyDB/" -- \
  bad id 's/"MyDB\/proxy"/"OtherDB\/proxy"/'
expect "checker: a Secret is caught" 1 "a Secret is rendered" -- \
  bad secret '1i apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n---'
expect "checker: a privileged container is caught" 1 "allows privilege escalation" -- \
  bad priv 's/allowPrivilegeEscalation: false/allowPrivilegeEscalation: true/'

expect_summary
