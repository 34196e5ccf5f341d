#!/usr/bin/env bash
# Projector benchmark: a full rebuild of the read models over a national year of N generated
# events (default 10 million, compacted), then one more day of events (the year's last but one,
# corrections included) projected incrementally, so that the day's cost can be compared with the
# rebuild's in the same run. The day recomputes by key (DESIGN.md §7): its cost is that of the
# month partitions it touches (a scan of their events, a rewrite of their model files), not of
# the history.
#
#   bench/project.sh                   # 10M events
#   EVENTS=1000000 bench/project.sh    # smaller
#
# Needs a release build (cargo build --release). Works in $BENCH_DIR (default /var/tmp/pdn-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
events="${EVENTS:-10000000}"
dir="${BENCH_DIR:-/var/tmp/pdn-bench}"
pdn="${PDN_BIN:-${CARGO_TARGET_DIR:-target}/release/pdn}"
day="${DAY:-2025-12-30}"
mkdir -p "$dir"
file="$dir/events-$events.ndjson"
if [ ! -s "$file" ]; then
  echo "generating $events events into $file"
  "$pdn" generate --events "$events" --out "$file"
fi
# The last day's events (by their local date) arrive later, as one more day of activity. The two
# parts are streamed from the generated file (no copy: 10M events are 4.5 GB).
year_lines=$(grep -vc "\"occurred_at\":\"$day" "$file" || true)
day_lines=$(grep -c "\"occurred_at\":\"$day" "$file" || true)

measure() { # prints "wall_seconds cpu_seconds peak_kib" of a command
  /usr/bin/time -o "$dir/time.txt" -f "%e %U %S %M" "$@" >/dev/null 2>&1
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$dir/time.txt"
}

lake="$dir/project-lake"
rm -rf "$lake"
# Named pipes, not standard input: the lake keeps offsets per source, and the day is a second source.
rm -f "$dir/year-but-one-day.pipe" "$dir/one-day.pipe"
mkfifo "$dir/year-but-one-day.pipe" "$dir/one-day.pipe"
grep -v "\"occurred_at\":\"$day" "$file" > "$dir/year-but-one-day.pipe" &
"$pdn" ingest --lake "$lake" --from "$dir/year-but-one-day.pipe" --now 2026-11-27T00:00:00Z >/dev/null
# A year at rest has been compacted (the deployment's `compact` job): one file per family and month.
"$pdn" compact --lake "$lake" >/dev/null 2>&1
read -r rb_wall rb_cpu rb_peak < <(measure "$pdn" project --lake "$lake" --rebuild)
grep "\"occurred_at\":\"$day" "$file" > "$dir/one-day.pipe" &
"$pdn" ingest --lake "$lake" --from "$dir/one-day.pipe" --now 2026-11-27T00:00:00Z >/dev/null
rm -f "$dir/year-but-one-day.pipe" "$dir/one-day.pipe"
read -r day_wall day_cpu day_peak < <(measure "$pdn" project --lake "$lake")
"$pdn" status --lake "$lake" | grep -E "^events|^read models"

awk -v n="$year_lines" -v d="$day_lines" -v rw="$rb_wall" -v rc="$rb_cpu" -v rp="$rb_peak" \
    -v dw="$day_wall" -v dc="$day_cpu" -v dp="$day_peak" 'BEGIN {
  printf "history:                %d events\n", n
  printf "rebuild:                %.1f s wall, %.1f s CPU, %.0f MiB peak\n", rw, rc, rp / 1024
  printf "one more day:           %d events\n", d
  printf "incremental day:        %.1f s wall, %.1f s CPU, %.0f MiB peak\n", dw, dc, dp / 1024
  printf "ratio day/rebuild:      %.3f (events ratio %.4f; one month partition ~ %.3f)\n", dw / rw, d / n, 1 / 12
}'
