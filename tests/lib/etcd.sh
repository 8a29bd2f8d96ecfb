# A real 3-member etcd cluster on loopback for tests and benchmarks: TLS
# with client certificates on the client port, plain peer traffic on
# loopback. Source after tests/lib/stack.sh with $work and pids=() set.
#
#   etcd_pki                 CA, server (127.0.0.1) and client certificates
#                            in $pki ($work/pki), and another CA's
#   start_etcd_cluster       starts e1 e2 e3; sets $endpoints
#                            (HOST:PORT,...) and $store_flags (for `cas
#                            serve`); 0 once all three answer
#   start_etcd NAME STATE    (re)starts one member ("new" or "existing")
#   etcdctl_ ARGS...         etcdctl with the cluster and the client cert
# etcd_pid[NAME] holds each member's pid.

etcd_pki() {
  pki=$work/pki
  mkdir -p "$pki"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=etcd test CA" -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  _etcd_leaf server "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth"
  _etcd_leaf client "extendedKeyUsage=clientAuth"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=other CA" -keyout "$pki/other-ca.key" -out "$pki/other-ca.crt" 2>/dev/null
}

_etcd_leaf() {  # NAME EXTENSIONS
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=$1" -keyout "$pki/$1.key" -out "$pki/$1.csr" 2>/dev/null
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
    -CAcreateserial -days 2 -extfile <(printf '%s\n' "$2") -out "$pki/$1.crt" 2>/dev/null
}

source "$(dirname "${BASH_SOURCE[0]}")/ports.sh"  # free_port: below the ephemeral range

declare -A etcd_client_port etcd_peer_port etcd_pid

start_etcd() {  # NAME STATE
  local e=$1
  etcd --name "$e" --data-dir "$work/$e.etcd" \
    --listen-client-urls "https://127.0.0.1:${etcd_client_port[$e]}" \
    --advertise-client-urls "https://127.0.0.1:${etcd_client_port[$e]}" \
    --listen-peer-urls "http://127.0.0.1:${etcd_peer_port[$e]}" \
    --initial-advertise-peer-urls "http://127.0.0.1:${etcd_peer_port[$e]}" \
    --initial-cluster "$etcd_cluster" --initial-cluster-state "$2" \
    --initial-cluster-token "$etcd_token" \
    --cert-file "$pki/server.crt" --key-file "$pki/server.key" \
    --trusted-ca-file "$pki/ca.crt" --client-cert-auth \
    >>"$work/$e.log" 2>&1 &
  etcd_pid[$e]=$!
  pids+=("${etcd_pid[$e]}")
}

etcdctl_() {
  ETCDCTL_API=3 etcdctl --endpoints "${endpoints//127/https://127}" --cacert "$pki/ca.crt" \
    --cert "$pki/client.crt" --key "$pki/client.key" --command-timeout=2s "$@"
}

start_etcd_cluster() {
  local e status
  etcd_cluster="" etcd_token=coffer-test-$RANDOM
  for e in e1 e2 e3; do
    etcd_client_port[$e]=$(free_port); etcd_peer_port[$e]=$(free_port)
    etcd_cluster+="${etcd_cluster:+,}$e=http://127.0.0.1:${etcd_peer_port[$e]}"
  done
  for e in e1 e2 e3; do start_etcd "$e" new; done
  endpoints="127.0.0.1:${etcd_client_port[e1]},127.0.0.1:${etcd_client_port[e2]},127.0.0.1:${etcd_client_port[e3]}"
  store_flags=(--store "etcd://$endpoints" --etcd-ca "$pki/ca.crt"
               --etcd-cert "$pki/client.crt" --etcd-key "$pki/client.key")
  for _ in $(seq 1 300); do
    for e in e1 e2 e3; do kill -0 "${etcd_pid[$e]}" 2>/dev/null || return 1; done
    etcdctl_ endpoint health >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
