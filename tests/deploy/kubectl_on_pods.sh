#!/usr/bin/env bash
# A stand-in for kubectl over the pods that helm_pods_e2e_test.sh runs with
# pod.py, for deploy/get_platform_ids (KUBECTL=this): it answers the two calls
# that script makes, from $PODS (lines "POD PID RENDERED KIND/NAME NODE_DIR").
#   get pods [-n NS] -l SELECTOR -o jsonpath=...   "POD PHASE" lines (the
#       selector is not checked: only LAS pods are listed in $PODS)
#   exec [-n NS] POD -- CMD...                     CMD in the pod (pod.py exec)
set -euo pipefail
here=$(dirname "$0")
verb=$1
shift
args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    -n) shift 2 ;;
    --) break ;;
    *) args+=("$1"); shift ;;
  esac
done
case $verb in
  get)
    while read -r pod pid _; do
      if kill -0 "$pid" 2>/dev/null; then echo "$pod Running"; else echo "$pod Failed"; fi
    done <"$PODS"
    ;;
  exec)
    pod=${args[0]}
    read -r _ _ rendered target node < <(awk -v p="$pod" '$1 == p' "$PODS")
    exec /usr/bin/python3 "$here/pod.py" "$rendered" "$target" "$pod" "$node" exec "$@"
    ;;
  *) echo "kubectl_on_pods: $verb is not simulated" >&2; exit 2 ;;
esac
