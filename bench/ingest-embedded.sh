#!/usr/bin/env bash
# Embedded ingest benchmark: `pdn ingest --from FILE` of N generated events (default 10 million),
# with its rate per CPU core and its peak memory, against references measured in the same run on
# the same file: `wc -l` (the floor of reading it once) and DuckDB converting it to ZSTD Parquet on
# one thread (its best rate per core), which does less than pdn: no validation, privacy scan,
# dedupe, sort by time nor commit.
#
#   bench/ingest-embedded.sh                 # 10M events
#   EVENTS=1000000 bench/ingest-embedded.sh  # smaller
#
# Needs a release build (cargo build --release) and DuckDB for Python (scripts/install-test-deps).
# Works in $BENCH_DIR (default /var/tmp/pdn-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
events="${EVENTS:-10000000}"
dir="${BENCH_DIR:-/var/tmp/pdn-bench}"
pdn="${PDN_BIN:-${CARGO_TARGET_DIR:-target}/release/pdn}"
mkdir -p "$dir"
file="$dir/events-$events.ndjson"
if [ ! -s "$file" ]; then
  echo "generating $events events into $file"
  /usr/bin/time -f "generate: %e s wall, %M KiB peak" "$pdn" generate --events "$events" --out "$file"
fi
lines=$(wc -l < "$file")

measure() { # prints "wall_seconds cpu_seconds peak_kib" of a command
  /usr/bin/time -o "$dir/time.txt" -f "%e %U %S %M" "$@" >/dev/null 2>&1
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$dir/time.txt"
}

read -r ref_wall ref_cpu _ < <(measure wc -l "$file")
read -r duck_wall duck_cpu duck_peak < <(measure python3 -c '
import sys, duckdb
con = duckdb.connect()
con.execute("SET threads = 1")
source, out = (repr(path) for path in sys.argv[1:3])
con.execute(f"COPY (SELECT * FROM read_ndjson({source})) TO {out} (FORMAT parquet, COMPRESSION zstd)")
' "$file" "$dir/duckdb.parquet")
rm -rf "$dir/lake"
read -r wall cpu peak < <(measure "$pdn" ingest --lake "$dir/lake" --from "$file" --now 2026-11-27T00:00:00Z)
"$pdn" status --lake "$dir/lake" | grep -E "^events|^dead letters"

awk -v n="$lines" -v w="$wall" -v c="$cpu" -v p="$peak" -v rw="$ref_wall" -v rc="$ref_cpu" \
    -v dw="$duck_wall" -v dc="$duck_cpu" -v dp="$duck_peak" 'BEGIN {
  printf "records:                 %d\n", n
  printf "pdn ingest wall:         %.1f s  (%.0f records/s)\n", w, n / w
  printf "pdn ingest CPU:          %.1f s  (%.0f records/s per core)\n", c, n / c
  printf "pdn ingest peak memory:  %.0f MiB\n", p / 1024
  printf "reference wc -l wall:    %.2f s  (ratio pdn/reference: %.1f)\n", rw, w / (rw > 0 ? rw : 0.01)
  printf "DuckDB to Parquet:       %.1f s wall, %.1f s CPU (%.0f records/s per core, 1 thread), %.0f MiB peak\n", dw, dc, n / dc, dp / 1024
  printf "pdn/DuckDB per core:     %.2f\n", dc / c
}'
