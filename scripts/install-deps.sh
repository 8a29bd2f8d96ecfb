#!/usr/bin/env bash
# Installs the Debian 12 packages Coffer needs to build, test and fuzz.
# Idempotent and non-interactive: it installs only what is missing. As an
# ordinary user it prints the command to run instead of failing halfway.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  clang clang-format clang-tidy libclang-rt-14-dev
  libssl-dev libyaml-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libboost1.74-dev libsqlite3-dev libpcre2-dev jq
  # The confidential database and its tools: the server Coffer runs, its
  # client, sysbench for `make bench`, openssl for the tests' attacker PKI.
  mariadb-server mariadb-client mariadb-backup sysbench openssl
  # The proxy's tests: HAProxy in front of two proxies, and Connector/Python
  # (PyMySQL) as a second client library through the proxy.
  haproxy python3-pymysql libmariadb-dev
  # Replicas: the monitor uses Connector/C (libmariadb-dev above); the tests
  # find processes and connections (pgrep, ss), the bench reads /metrics.
  procps iproute2 curl
  # Several CAS members share one state on etcd; its tests run a cluster.
  etcd-server etcd-client
  # The Kubernetes charts' tests: their checks read the rendered YAML, and
  # helm comes from the npm registry as a zip (scripts/install-helm.sh).
  python3-yaml unzip
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "Coffer needs these Debian packages: ${missing[*]}" >&2
  echo "Run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Coffer starts its own MariaDB servers; the package must not start the
# system one. policy-rc.d is Debian's switch for that, for this install only.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
# A fresh machine has no package lists yet; an old list may lack a package.
if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
