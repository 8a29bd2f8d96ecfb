#!/usr/bin/env bash
# Runs every benchmark in BIN_DIR (files named *_bench). Each prints its
# figures and their ratio to a baseline measured in the same run; see
# docs/performance.md for the recorded results and the machine.
set -euo pipefail
bin_dir=$1
status=0
for bench in "$bin_dir"/*_bench; do
  [[ -x "$bench" ]] || continue
  echo "== $(basename "$bench")"
  "$bench" --benchmark_counters_tabular=true || status=1
done
exit $status
