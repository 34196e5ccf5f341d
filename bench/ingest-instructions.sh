#!/usr/bin/env bash
# Instructions executed by an embedded ingest, counted by valgrind (callgrind): a measure of the
# ingest's own CPU work that a noisy shared machine does not blur (its CPU times varied by a fifth
# between identical runs), for comparing two builds of a change. Kernel time is not counted.
#
#   bench/ingest-instructions.sh                        # the first 50k events of the 1M file
#   LINES=20000 bench/ingest-instructions.sh BIN1 BIN2  # each binary given, in turn
#
# Needs valgrind and a release build. Works in $BENCH_DIR (default /var/tmp/pdn-bench); the profile
# of each binary is left in $BENCH_DIR/callgrind.<n>.out for callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${BENCH_DIR:-/var/tmp/pdn-bench}"
lines="${LINES:-50000}"
source="$dir/events-1000000.ndjson"
mkdir -p "$dir"
if [ $# -eq 0 ]; then
  set -- "${CARGO_TARGET_DIR:-target}/release/pdn"
fi
if [ ! -s "$source" ]; then
  "$1" generate --events 1000000 --out "$source"
fi
head -n "$lines" "$source" > "$dir/instructions.ndjson"
n=0
for pdn in "$@"; do
  n=$((n + 1))
  rm -rf "$dir/instructions-lake"
  valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.$n.out" "$pdn" ingest \
    --lake "$dir/instructions-lake" --from "$dir/instructions.ndjson" --now 2026-11-27T00:00:00Z \
    2>&1 >/dev/null | awk -v pdn="$pdn" -v lines="$lines" '/Collected/ {
      printf "%s: %d instructions, %d per event\n", pdn, $4, $4 / lines }'
done
