#!/usr/bin/env bash
# Kafka drain benchmark: a topic holding a backlog of N generated events (default 500 000) is read
# to the end by kcat (`kcat -C -e`, the reference consumer) and by `pdn ingest --kafka --until-idle`
# (validation, dedupe, Parquet, commits), from the same broker in the same run. Prints both rates,
# their ratio (target: pdn >= 80 % of kcat), the CPU seconds per million events of each, and the
# ingest's peak memory. Each is run RUNS times (default 3), alternating; medians are reported.
#
#   bench/ingest-kafka.sh                     # 500k events, 3 runs each
#   EVENTS=200000 RUNS=1 bench/ingest-kafka.sh
#
# Needs a release build (cargo build --release) and scripts/install-test-deps (tansu, kcat).
# The broker (tansu, sqlite storage, 4 partitions) runs on a free local port in $BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
events="${EVENTS:-500000}"
runs="${RUNS:-3}"
dir="${BENCH_DIR:-/var/tmp/pdn-bench}/kafka"
tools="${PDN_TOOLS:-/opt/pdn-tools}"
pdn="$(realpath "${PDN_BIN:-${CARGO_TARGET_DIR:-target}/release/pdn}")"
kcat="$tools/bin/kcat"
rm -rf "$dir" && mkdir -p "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
broker="127.0.0.1:$port"

(cd "$dir" && RUST_LOG=warn exec "$tools/bin/tansu" broker --storage-engine sqlite://tansu.db \
  --listener-url "tcp://$broker" --advertised-listener-url "tcp://$broker" >/dev/null 2>&1) &
broker_pid=$!
trap 'kill $broker_pid 2>/dev/null || true' EXIT
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do sleep 0.1; done
"$tools/bin/tansu" topic create --broker "tcp://$broker" --partitions 4 events

echo "generating and producing $events events"
"$pdn" generate --events "$events" --out "$dir/events.ndjson" 2>/dev/null
python3 - "$dir/events.ndjson" > "$dir/keyed.tsv" <<'PY'
import json, sys
for i, line in enumerate(open(sys.argv[1])):
    print(json.loads(line).get("event_id", f"line-{i}") + "\t" + line.rstrip("\n"))
PY
"$kcat" -P -b "$broker" -t events -K '\t' -X enable.idempotence=true < "$dir/keyed.tsv"
lines=$(wc -l < "$dir/events.ndjson")

measure() { # prints "wall_seconds cpu_seconds peak_kib" of a command
  /usr/bin/time -o "$dir/time.txt" -f "%e %U %S %M" "$@" >/dev/null 2>"$dir/stderr.txt" || {
    cat "$dir/stderr.txt" >&2; exit 1; }
  awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$dir/time.txt"
}

: > "$dir/kcat.txt"; : > "$dir/pdn.txt"
for run in $(seq "$runs"); do
  # kcat with the fetch wait pdn's consumer sets (100 ms), so that both read under the same terms.
  measure "$kcat" -C -b "$broker" -t events -e -q -o beginning -X fetch.wait.max.ms=100 >> "$dir/kcat.txt"
  rm -rf "$dir/lake"
  measure "$pdn" ingest --lake "$dir/lake" --kafka "$broker" --topic events --group "bench-$run" \
    --until-idle --now 2026-11-27T00:00:00Z >> "$dir/pdn.txt"
  echo "run $run: kcat $(tail -1 "$dir/kcat.txt"), pdn $(tail -1 "$dir/pdn.txt") (wall s, CPU s, peak KiB)"
done
"$pdn" status --lake "$dir/lake" | grep -E "^events|^dead letters"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
kw=$(cut -d' ' -f1 "$dir/kcat.txt" | median); kc=$(cut -d' ' -f2 "$dir/kcat.txt" | median)
pw=$(cut -d' ' -f1 "$dir/pdn.txt" | median); pc=$(cut -d' ' -f2 "$dir/pdn.txt" | median)
pm=$(cut -d' ' -f3 "$dir/pdn.txt" | sort -n | tail -1)
awk -v n="$lines" -v kw="$kw" -v kc="$kc" -v pw="$pw" -v pc="$pc" -v pm="$pm" -v r="$runs" 'BEGIN {
  printf "records:                       %d (medians of %d runs)\n", n, r
  printf "kcat -C -e:                    %.1f s wall (%.0f records/s), %.2f CPU s per million\n", kw, n / kw, kc * 1e6 / n
  printf "pdn ingest --kafka:            %.1f s wall (%.0f records/s), %.2f CPU s per million\n", pw, n / pw, pc * 1e6 / n
  printf "pdn rate / kcat rate:          %.0f %% (target >= 80 %%)\n", 100 * kw / pw
  printf "pdn ingest peak memory:        %.0f MiB\n", pm / 1024
}'
