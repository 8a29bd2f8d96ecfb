#!/usr/bin/env bash
# Runs every libFuzzer target in BIN_DIR for SECONDS each, starting from the
# seeds in fuzz/seeds/NAME and keeping what it learns in fuzz/corpus/NAME.
# A crash stops the run with a non-zero exit; the crashing input is saved in
# fuzz/artifacts/.
set -euo pipefail
bin_dir=$1
seconds=${2:-60}
mkdir -p fuzz/artifacts
status=0
for fuzzer in "$bin_dir"/*_fuzz; do
  name=$(basename "$fuzzer")
  corpus=fuzz/corpus/$name
  mkdir -p "$corpus"
  echo "fuzzing $name for ${seconds}s"
  if ! "$fuzzer" "$corpus" "fuzz/seeds/$name" -max_total_time="$seconds" \
      -max_len=65536 -rss_limit_mb=4096 -timeout=10 \
      -artifact_prefix=fuzz/artifacts/ -print_final_stats=1 2>fuzz/artifacts/$name.log; then
    echo "$name: CRASH; see fuzz/artifacts/$name.log" >&2
    tail -40 "fuzz/artifacts/$name.log" >&2
    status=1
  else
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "fuzz/artifacts/$name.log" | sed "s/^/$name: /"
  fi
done
exit $status
