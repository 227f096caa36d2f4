#!/bin/sh
# Run the benchmarks on a release build with -march=native (figures go in docs/benchmarks.md).
set -e
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
[ -d build-bench ] || meson setup build-bench --buildtype=release -Dnative=true >/dev/null
ninja -C build-bench bench/bench_spine >/dev/null
./build-bench/bench/bench_spine "${1:-10000000}" "${2:-3}"

# Streaming: generator (50 M rows) and 2 M CSV rows in 20 files -> GROUP BY -> SQLite,
# and the peak RSS of a 1 M-group aggregation; sqlite3 baselines in the same run.
# Sizes: WEIR_BENCH_GEN_ROWS, WEIR_BENCH_CSV_ROWS, WEIR_BENCH_MEM_ROWS.
ninja -C build-bench bench/bench_stream >/dev/null
./build-bench/bench/bench_stream "${WEIR_BENCH_GEN_ROWS:-50000000}" "${WEIR_BENCH_CSV_ROWS:-2000000}" \
    "${WEIR_BENCH_MEM_ROWS:-2000000}"

# Event time (issue 4): generator (50 M rows, event time over 84 minutes) and 2 M CSV rows in 20
# files -> 1-minute TUMBLE COUNT/SUM per 1,000 keys -> SQLite APPEND; HOP (size/slide = 30) vs
# TUMBLE; sqlite3 baselines in the same run.  Sizes: WEIR_BENCH_GEN_ROWS, WEIR_BENCH_CSV_ROWS,
# WEIR_BENCH_HOP_ROWS, WEIR_BENCH_WINDOW_BASE_ROWS.
ninja -C build-bench bench/bench_window >/dev/null
./build-bench/bench/bench_window "${WEIR_BENCH_GEN_ROWS:-50000000}" "${WEIR_BENCH_CSV_ROWS:-2000000}" \
    "${WEIR_BENCH_HOP_ROWS:-${WEIR_BENCH_GEN_ROWS:-50000000}}" \
    "${WEIR_BENCH_WINDOW_BASE_ROWS:-${WEIR_BENCH_GEN_ROWS:-50000000}}"
