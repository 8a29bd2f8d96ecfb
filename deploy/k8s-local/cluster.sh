#!/usr/bin/env bash
# A real single-node Kubernetes 1.20 cluster on this machine, for checking
# the charts: etcd, kube-apiserver, kube-controller-manager, kube-scheduler
# (built from Debian's source by build-kube.sh), Debian's dockerd and a
# kubelet. Everything listens on 127.0.0.1; pods run with hostNetwork (no
# pod network here) and local images only.
#
#   deploy/k8s-local/cluster.sh up DIR     start it; DIR/env has KUBECONFIG and DOCKER_HOST
#   deploy/k8s-local/cluster.sh down DIR   stop it and undo what the kubelet changed
#
# Two workarounds for this kind of machine (docs/kubernetes.md): a runc
# wrapper that raises a negative oom_score_adj to 0 (CAP_SYS_RESOURCE is
# missing here, and the kubelet asks -998 for pod sandboxes), and the node
# named 127.0.0.1 so that it has an address.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kube=${COFFER_KUBE_DIR:-/var/cache/coffer-kube}
action=${1:?up or down} dir=${2:?the cluster directory}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

source "$here/../../tests/lib/ports.sh"  # free_port
# wait_for SECONDS WHAT COMMAND...: until COMMAND succeeds.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "cluster: $what did not come up; its log:" >&2
  tail -n 20 "$dir/logs/$what.log" >&2 || true
  return 1
}
start() {  # start NAME COMMAND...: in the background, log in logs/NAME.log
  local name=$1
  shift
  "$@" >"$dir/logs/$name.log" 2>&1 &
  echo $! >"$dir/pids/$name"
}

down() {
  # The kubelet first (it would restart containers), then the rest.
  for name in kubelet kube-scheduler kube-controller-manager kube-apiserver; do
    [[ -f $dir/pids/$name ]] && kill -TERM "$(cat "$dir/pids/$name")" 2>/dev/null || true
  done
  if [[ -f $dir/env ]] && [[ -S $dir/docker.sock ]]; then
    # shellcheck disable=SC1091
    (source "$dir/env"; docker ps -aq | xargs -r docker rm -f >/dev/null 2>&1) || true
  fi
  for name in dockerd etcd; do
    [[ -f $dir/pids/$name ]] && kill -TERM "$(cat "$dir/pids/$name")" 2>/dev/null || true
  done
  for f in "$dir"/pids/*; do
    [[ -f $f ]] || continue
    pid=$(cat "$f")
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    rm -f "$f"
  done
  # Mounts the kubelet and dockerd left under DIR, deepest first.
  findmnt -rn -o TARGET | grep "^$dir/" | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  # What the kubelet changed outside DIR.
  if [[ -f $dir/sysctl.saved ]]; then
    while read -r key value; do sysctl -q -w "$key=$value" || true; done <"$dir/sysctl.saved"
    rm -f "$dir/sysctl.saved"
  fi
  for table in filter nat mangle; do
    for chain in $(iptables -t "$table" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^KUBE-/ {print $2}'); do
      iptables -t "$table" -S 2>/dev/null | awk -v c="$chain" '$1 == "-A" && $0 ~ "-j " c "( |$)"' |
        sed 's/^-A/-D/' | while read -r rule; do eval iptables -t "$table" "$rule" || true; done
      iptables -t "$table" -F "$chain" 2>/dev/null || true
      iptables -t "$table" -X "$chain" 2>/dev/null || true
    done
  done
  # The kubelet's folders outside DIR (not configurable in 1.20), if it made them.
  if [[ -f $dir/host-dirs.made ]]; then
    xargs -r rm -rf <"$dir/host-dirs.made"
    rm -f "$dir/host-dirs.made"
  fi
}

up() {
  for bin in kube-apiserver kube-controller-manager kube-scheduler kubelet; do
    [[ -x $kube/bin/$bin ]] || { echo "cluster: $kube/bin/$bin is missing: run $here/build-kube.sh --node" >&2; exit 1; }
  done
  local need=()
  for p in etcd-server docker.io runc jq iptables; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  if [[ ${#need[@]} -gt 0 ]]; then
    # Their services must not start: this script starts its own.
    [[ -e /usr/sbin/policy-rc.d ]] || { printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; trap 'rm -f /usr/sbin/policy-rc.d' RETURN; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null
  fi
  mkdir -p "$dir"/{logs,pids,pki,kubelet,dockershim,home}
  local etcd_port etcd_peer api_port kubelet_port
  etcd_port=$(free_port) etcd_peer=$(free_port) api_port=$(free_port) kubelet_port=$(free_port)

  # What the kubelet will change, to put back on `down`.
  for d in /var/lib/kubelet /var/log/pods /var/log/containers; do
    [[ -e $d ]] || echo "$d"
  done >"$dir/host-dirs.made"
  for key in vm.overcommit_memory kernel.panic kernel.panic_on_oops net.ipv4.ip_forward; do
    echo "$key $(sysctl -n "$key")"
  done >"$dir/sysctl.saved"

  start etcd etcd --data-dir "$dir/etcd" --name coffer-k8s \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
    --initial-cluster "coffer-k8s=http://127.0.0.1:$etcd_peer"
  wait_for 30 etcd curl -sf "http://127.0.0.1:$etcd_port/health"

  openssl genrsa -out "$dir/pki/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/pki/sa.key" -pubout -out "$dir/pki/sa.pub" 2>/dev/null
  local token
  token=$(openssl rand -hex 16)
  echo "$token,admin,admin-uid,system:masters" >"$dir/pki/tokens.csv"
  chmod 600 "$dir/pki/tokens.csv"
  start kube-apiserver "$kube/bin/kube-apiserver" --etcd-servers="http://127.0.0.1:$etcd_port" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" --insecure-port=0 \
    --cert-dir="$dir/pki/apiserver" --token-auth-file="$dir/pki/tokens.csv" --authorization-mode=Node,RBAC \
    --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$dir/pki/sa.pub" \
    --service-account-signing-key-file="$dir/pki/sa.key" --service-cluster-ip-range=10.96.0.0/24 \
    --allow-privileged=true
  cat >"$dir/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "https://127.0.0.1:$api_port", insecure-skip-tls-verify: true}}]
users: [{name: admin, user: {token: "$token"}}]
contexts: [{name: local, context: {cluster: local, user: admin}}]
current-context: local
KC
  chmod 600 "$dir/kubeconfig"
  local kc=$dir/kubeconfig
  wait_for 90 kube-apiserver curl -skf -H "Authorization: Bearer $token" "https://127.0.0.1:$api_port/readyz"

  start kube-controller-manager "$kube/bin/kube-controller-manager" --kubeconfig="$kc" \
    --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc" \
    --service-account-private-key-file="$dir/pki/sa.key" --root-ca-file="$dir/pki/apiserver/apiserver.crt" \
    --leader-elect=false --port=0 --bind-address=127.0.0.1 --secure-port="$(free_port)" --controllers='*'
  start kube-scheduler "$kube/bin/kube-scheduler" --kubeconfig="$kc" --authentication-kubeconfig="$kc" \
    --authorization-kubeconfig="$kc" --leader-elect=false --port=0 --bind-address=127.0.0.1 \
    --secure-port="$(free_port)"

  # dockerd, with the runc wrapper as its default runtime.
  cat >"$dir/runc-wrap.sh" <<'WRAP'
#!/bin/sh
# runc, with a negative oom_score_adj raised to 0 (CAP_SYS_RESOURCE is missing).
bundle=""
prev=""
for a in "$@"; do
  [ "$prev" = "--bundle" ] || [ "$prev" = "-b" ] && bundle=$a
  prev=$a
done
if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then
  jq 'if (.process.oomScoreAdj // 0) < 0 then .process.oomScoreAdj = 0 else . end' \
    "$bundle/config.json" >"$bundle/config.json.new" && mv "$bundle/config.json.new" "$bundle/config.json"
fi
exec runc "$@"
WRAP
  chmod +x "$dir/runc-wrap.sh"
  start dockerd dockerd -H "unix://$dir/docker.sock" --data-root "$dir/docker-root" \
    --exec-root "$dir/docker-exec" --pidfile "$dir/dockerd.pidfile" --iptables=false --ip-masq=false \
    --ip-forward=false --bridge=none --exec-opt native.cgroupdriver=cgroupfs \
    --default-ulimit nofile=20000:20000 --default-ulimit nproc=20000:20000 \
    --add-runtime "runcwrap=$dir/runc-wrap.sh" --default-runtime=runcwrap
  export DOCKER_HOST="unix://$dir/docker.sock"
  wait_for 60 dockerd docker info

  # The pause image, from the same source tree, with no registry.
  if ! docker image inspect localhost/pause:3.2 >/dev/null 2>&1; then
    mkdir -p "$dir/pause"
    gcc -Os -static -DVERSION=3.2-local -o "$dir/pause/pause" \
      "$kube/src/kubernetes-1.20.2/build/pause/linux/pause.c"
    printf 'FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\n' >"$dir/pause/Dockerfile"
    DOCKER_BUILDKIT=0 docker build -q -t localhost/pause:3.2 "$dir/pause" >/dev/null
  fi

  start kubelet "$kube/bin/kubelet" --kubeconfig="$kc" --container-runtime=docker \
    --docker-endpoint="unix://$dir/docker.sock" --pod-infra-container-image=localhost/pause:3.2 \
    --cgroup-driver=cgroupfs --cgroups-per-qos=false --enforce-node-allocatable= --fail-swap-on=false \
    --root-dir="$dir/kubelet" --cert-dir="$dir/kubelet/pki" \
    --experimental-dockershim-root-directory="$dir/dockershim" --hostname-override=127.0.0.1 \
    --address=127.0.0.1 --port="$kubelet_port" --read-only-port=0 --healthz-port=0 \
    --make-iptables-util-chains=false --image-gc-high-threshold=100 --image-gc-low-threshold=99 \
    --eviction-hard= --v=1
  {
    echo "export KUBECONFIG=$kc"
    echo "export DOCKER_HOST=unix://$dir/docker.sock"
  } >"$dir/env"
  node_ready() {
    [[ $("$KUBECTL" --kubeconfig "$kc" get node 127.0.0.1 \
      -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}') == True ]]
  }
  wait_for 120 kubelet node_ready
  echo "cluster: up; source $dir/env"
}

KUBECTL=${KUBECTL:-kubectl}
export HOME=$dir/home
case $action in
  up) trap 'echo "cluster: up failed; stopping what started" >&2; down' ERR; up ;;
  down) down; echo "cluster: down" ;;
  *) echo "usage: cluster.sh up|down DIR" >&2; exit 2 ;;
esac
