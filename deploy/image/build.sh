#!/usr/bin/env bash
# Builds Coffer's container image without a registry: a Debian 12 root file
# system from Debian's archive (mmdebstrap), with MariaDB, HAProxy and the
# coffer build, nothing else; then imports it into podman or docker if one
# is here. The same image from a Containerfile: see Containerfile.
#
#   deploy/image/build.sh [COFFER] [OUT]
#
# COFFER: the coffer executable (default build/bin/coffer: `make build`).
# COFFER_PREVIOUS (environment): for an upgrade, the previous image's coffer,
# put at /opt/coffer-previous/coffer.
# OUT: the output directory (default build/image): coffer-image.tar (a root
# file system for `podman import` / `docker import`) and measurements.env,
# the measurements of the image's programs, taken inside it: a measurement
# covers every shared object the program maps, so only the image's own count.
set -euo pipefail
cd "$(dirname "$0")/../.."
coffer=$(readlink -f "${1:-build/bin/coffer}")
out=${2:-build/image}
tag=${COFFER_IMAGE:-localhost/coffer:$("$coffer" version | awk '{print $2}')}
[[ -x $coffer ]] || { echo "build.sh: no coffer executable at $coffer (make build)" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "build.sh: mmdebstrap and chroot need root" >&2; exit 1; }
command -v mmdebstrap >/dev/null || apt-get install -y --no-install-recommends mmdebstrap

# The runtime's libraries (ldd of coffer), the database and the balancer.
packages=mariadb-server,mariadb-client,mariadb-backup,haproxy
packages+=,libssl3,libsqlite3-0,libyaml-0-2,libpcre2-8-0,libmariadb3,libstdc++6

mkdir -p "$out"
root=$(mktemp -d "$out/rootfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
# policy-rc.d: the packages must not start their servers in the new tree.
mmdebstrap --variant=minbase --include="$packages" \
  --customize-hook='printf "#!/bin/sh\nexit 101\n" > "$1/usr/sbin/policy-rc.d"; chmod +x "$1/usr/sbin/policy-rc.d"' \
  --customize-hook='rm -f "$1/usr/sbin/policy-rc.d"' \
  bookworm "$root"
# Without its debug information (a quarter of a gigabyte): the measurement
# is taken of this copy, inside the image.
objcopy --strip-debug "$coffer" "$root/usr/local/bin/coffer"
chmod 0755 "$root/usr/local/bin/coffer"
# An upgrade: the previous build beside it, for the LAS's --runtime
# (chart coffer-las, extraRuntimes={/opt/coffer-previous/coffer}).
if [[ -n ${COFFER_PREVIOUS:-} ]]; then
  install -D -m 0755 "$COFFER_PREVIOUS" "$root/opt/coffer-previous/coffer"
fi
# The pods' user (the charts run as 10001) and the LAS socket's group.
chroot "$root" groupadd --gid 10001 coffer
chroot "$root" useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
  --shell /usr/sbin/nologin coffer
chroot "$root" groupadd --gid 2000 coffer-las
# Nothing of the build host's apt lists or caches.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*

# coffer measures itself through /proc/self/exe: /proc in the tree for that.
mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true; rm -rf "$root"' EXIT
measure() { chroot "$root" env PATH=/usr/local/bin:/usr/sbin:/usr/bin coffer measure "$@"; }
: >"$out/measurements.env"
for pair in COFFER_MRENCLAVE:--self MARIADB_MRENCLAVE:mariadbd \
  MARIADB_BACKUP_MRENCLAVE:mariadb-backup CLIENT_MRENCLAVE:mariadb; do
  value=$(measure "${pair#*:}")
  echo "${pair%%:*}=$value" >>"$out/measurements.env"
done
umount "$root/proc"
tar -C "$root" --numeric-owner -cf "$out/coffer-image.tar" .
echo "image root file system: $out/coffer-image.tar ($(du -m "$out/coffer-image.tar" | cut -f1) MB)"
echo "measurements: $out/measurements.env"
cat "$out/measurements.env"

# podman or docker, when one is here: the image under $tag.
for engine in podman docker; do
  if command -v "$engine" >/dev/null && "$engine" info >/dev/null 2>&1; then
    "$engine" import --change 'ENV PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'USER 10001' "$out/coffer-image.tar" "$tag"
    echo "imported as $tag with $engine"
    exit 0
  fi
done
echo "no podman or docker here: import it where one runs, e.g." \
  "podman import --change 'USER 10001' $out/coffer-image.tar $tag"
