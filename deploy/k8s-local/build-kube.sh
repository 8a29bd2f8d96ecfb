#!/usr/bin/env bash
# Builds kube-apiserver (and, with --node, the controller manager, scheduler
# and kubelet) v1.20.2 from Debian 12's `kubernetes` source package, which
# vendors every dependency, so no registry beyond Debian's archive is needed.
# The binaries land in $COFFER_KUBE_DIR/bin (default /var/cache/coffer-kube),
# outside the clone, because the first build takes 15 minutes or more on 2 cores.
set -euo pipefail
out=${COFFER_KUBE_DIR:-/var/cache/coffer-kube}
targets=(cmd/kube-apiserver)
[[ "${1:-}" == --node ]] && targets+=(cmd/kube-controller-manager cmd/kube-scheduler cmd/kubelet)

missing=()
for t in "${targets[@]}"; do [[ -x "$out/bin/${t#cmd/}" ]] || missing+=("$t"); done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
  echo "build-kube: needs root to install golang-go and fetch Debian's source" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
dpkg-query -W -f='${Status}' golang-go rsync 2>/dev/null | grep -q "install ok installed.*install ok installed" ||
  { apt-get install -y --no-install-recommends golang-go rsync ||
    { apt-get update && apt-get install -y --no-install-recommends golang-go rsync; }; }

mkdir -p "$out/src" "$out/bin"
src="$out/src/kubernetes-1.20.2"
if [[ ! -d "$src" ]]; then
  # A deb-src entry for this download only, removed again afterwards.
  eval "$(apt-config shell SL Dir::Etc::sourceparts/d)"
  list="$SL/coffer-kube-src.sources"
  trap 'rm -f "$list"' EXIT
  sed 's/^Types: deb$/Types: deb-src/' "$SL/debian.sources" >"$list"
  apt-get update -qq
  (cd "$out/src" && apt-get source --download-only kubernetes=1.20.5+really1.20.2-1.1+deb12u1 ||
    apt-get source --download-only kubernetes)
  rm -f "$list"
  apt-get update -qq
  tar -C "$out/src" -xzf "$out"/src/kubernetes_1.20.5+really1.20.2.orig.tar.gz
fi
echo "build-kube: building ${missing[*]} in $src (15 minutes or more on 2 cores)"
make -C "$src" WHAT="${missing[*]}"
for t in "${missing[@]}"; do cp "$src/_output/bin/${t#cmd/}" "$out/bin/"; done
echo "build-kube: binaries in $out/bin"
