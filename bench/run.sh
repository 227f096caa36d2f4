#!/bin/sh
# Run the benchmarks on a release build with -march=native (figures go in docs/benchmarks.md).
set -e
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
[ -d build-bench ] || meson setup build-bench --buildtype=release -Dnative=true >/dev/null
ninja -C build-bench bench/bench_spine >/dev/null
./build-bench/bench/bench_spine "${1:-10000000}" "${2:-3}"
