#!/bin/sh
# Bounded state over a long run (issue 4 §5): a continuous query over tens of
# millions of rows spanning simulated days keeps its state rows and its
# resident memory flat, because the watermark finalizes windows and their
# state is freed.
#
# One weir process runs (weir -c, which waits until its query has finished):
#
#   generator, unpaced, bounded (ROWS rows), event time advancing 1/RPS s per
#   row from 2024-01-01 (30 M rows at 100 rows/s = 3.5 days), BIGINT key with
#   KEYS values, WATERMARK ts - 10 seconds, max_records_per_trigger = BATCH
#     -> TUMBLE 1 minute, COUNT(*) and SUM(v) per key, EMIT APPEND, default trigger
#
# While it runs, every EVERY seconds this script prints the last micro-batch's
# figures from weir_progress (batch id, watermark = simulated time reached,
# state rows) and the resident set of the weir process (/proc/PID/status,
# VmRSS).  At the end it prints the totals and a verdict comparing the first
# sample after the warm-up (the first 10 % of the micro-batches, while the
# SQLite page cache and the hash tables reach their working size) with the
# last one: state rows within 20 % of it (or one window's KEYS groups: a
# batch can end with one window more open), RSS within 20 % (or 16 MB).
#
# Sizes: WEIR_LONGRUN_ROWS (30000000), WEIR_LONGRUN_RPS (100),
# WEIR_LONGRUN_KEYS (1000), WEIR_LONGRUN_BATCH (100000), WEIR_LONGRUN_EVERY
# (0.5 seconds).
# WEIR=path/to/weir uses that binary; otherwise build-bench/shell/weir is built
# (release, -march=native) as bench/run.sh does.  Needs the sqlite3 CLI.
set -eu
cd "$(dirname "$0")/.."

ROWS=${WEIR_LONGRUN_ROWS:-30000000}
RPS=${WEIR_LONGRUN_RPS:-100}
KEYS=${WEIR_LONGRUN_KEYS:-1000}
BATCH=${WEIR_LONGRUN_BATCH:-100000}
EVERY=${WEIR_LONGRUN_EVERY:-0.5}
WARMUP=$(( (ROWS + BATCH - 1) / BATCH / 10 ))   # batches

if [ -z "${WEIR:-}" ]; then
    [ -d build-bench ] || meson setup build-bench --buildtype=release -Dnative=true >/dev/null
    ninja -C build-bench shell/weir >/dev/null
    WEIR=./build-bench/shell/weir
fi
command -v sqlite3 >/dev/null || { echo "longrun.sh: the sqlite3 CLI is needed to read weir_progress" >&2; exit 1; }

DIR=$(mktemp -d "${TMPDIR:-/tmp}/weir-longrun-XXXXXX")
DB=$DIR/longrun.db
PID=
cleanup() {
    # only the weir process this script started, by its id
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill "$PID" 2>/dev/null || true; fi
    rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DAYS=$(awk -v r="$ROWS" -v s="$RPS" 'BEGIN { printf "%.2f", r / s / 86400 }')
echo "weir long run: $ROWS rows, $RPS rows per second of event time ($DAYS simulated days), $KEYS keys,"
echo "  $BATCH rows per micro-batch -> TUMBLE 1 minute COUNT/SUM per key, EMIT APPEND (results in $DB)"

"$WEIR" --db "$DB" -c "
CREATE SOURCE events (k BIGINT, v BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '10' SECOND)
  WITH (connector = 'generator', rows = '$ROWS', pace = 'false', rows_per_second = '$RPS',
        start = '2024-01-01 00:00:00', seed = '7', 'fields.k.kind' = 'random', 'fields.k.min' = '1',
        'fields.k.max' = '$KEYS', max_records_per_trigger = '$BATCH');
CREATE MATERIALIZED VIEW per_minute AS
  SELECT window_start, window_end, k, COUNT(*) AS n, SUM(v) AS total
  FROM TUMBLE(events, ts, INTERVAL '1' MINUTE) GROUP BY window_start, window_end, k EMIT APPEND;" &
PID=$!
START=$(date +%s)

# The last committed micro-batch: "batch_id state_rows watermark" (empty before the first).
last_batch() {
    sqlite3 -cmd ".timeout 5000" -separator ' ' "$DB" \
        "SELECT batch_id, state_rows, watermark FROM weir_progress WHERE query = 'per_minute' ORDER BY batch_id DESC LIMIT 1;" \
        2>/dev/null || true
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || true; }

printf '%8s %8s %12s %-28s %10s\n' "elapsed" "batch" "state_rows" "watermark (simulated time)" "RSS (MB)"
FIRST_STATE= FIRST_RSS= LAST_STATE= LAST_RSS= SAMPLES=0
while kill -0 "$PID" 2>/dev/null; do
    sleep "$EVERY"
    RSS=$(rss_kb "$PID")
    LINE=$(last_batch)
    [ -n "$RSS" ] && [ -n "$LINE" ] || continue
    set -- $LINE
    BATCH_ID=$1 STATE=$2
    shift 2
    WM="$*"
    NOW=$(date +%s)
    printf '%7ss %8s %12s %-28s %10.1f\n' "$((NOW - START))" "$BATCH_ID" "$STATE" "$WM" \
        "$(awk -v k="$RSS" 'BEGIN { print k / 1024 }')"
    if [ "$BATCH_ID" -le "$WARMUP" ]; then echo "         (warm-up: batches 1..$WARMUP)"; continue; fi
    if [ -z "$FIRST_STATE" ]; then FIRST_STATE=$STATE FIRST_RSS=$RSS; fi
    LAST_STATE=$STATE LAST_RSS=$RSS SAMPLES=$((SAMPLES + 1))
done
STATUS=0
wait "$PID" || STATUS=$?
PID=
END=$(date +%s)
if [ "$STATUS" -ne 0 ]; then echo "longrun.sh: weir failed (exit $STATUS)" >&2; exit 1; fi

echo
sqlite3 -cmd ".timeout 5000" -separator ' ' "$DB" "
SELECT 'batches ' || COUNT(*) || ', input rows ' || SUM(input_rows) || ', late rows ' || SUM(late_rows)
    || ', state rows per batch: min ' || MIN(state_rows) || ' max ' || MAX(state_rows)
    || ' (all batches but the last, which ends the input and empties the state: max '
    || (SELECT MAX(state_rows) FROM weir_progress WHERE query = 'per_minute'
          AND batch_id < (SELECT MAX(batch_id) FROM weir_progress WHERE query = 'per_minute')) || ')'
  FROM weir_progress WHERE query = 'per_minute';
SELECT 'result: ' || COUNT(*) || ' windows x keys (the groups a state without eviction would hold), SUM(n) = '
    || SUM(n) || ', ' || MIN(window_start) || ' .. ' || MAX(window_end) FROM per_minute;"
echo "wall time $((END - START)) s, $(awk -v r="$ROWS" -v t="$((END - START))" 'BEGIN { if (t < 1) t = 1; printf "%.2f", r / t / 1e6 }') M rows/s"

if [ "$SAMPLES" -lt 2 ]; then
    echo "verdict: too few samples ($SAMPLES) to compare: run longer (WEIR_LONGRUN_ROWS) or sample more often (WEIR_LONGRUN_EVERY)"
    exit 0
fi
awk -v fs="$FIRST_STATE" -v ls="$LAST_STATE" -v fr="$FIRST_RSS" -v lr="$LAST_RSS" -v n="$SAMPLES" -v keys="$KEYS" 'BEGIN {
    state_ok = ls <= fs * 1.2 || ls - fs <= keys;
    rss_ok = lr - fr <= fr * 0.2 || lr - fr <= 16384;
    printf "verdict: state rows %s (first sample after warm-up %d, last %d), RSS %s (first %.1f MB, last %.1f MB, %+.1f MB) over %d samples\n",
        state_ok ? "flat" : "GREW", fs, ls, rss_ok ? "flat" : "GREW", fr / 1024, lr / 1024, (lr - fr) / 1024, n;
    exit !(state_ok && rss_ok);
}'
