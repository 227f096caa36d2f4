#!/bin/bash
# Build and run the whole test suite in three configurations:
#   build       release, -Werror
#   build-asan  AddressSanitizer + UndefinedBehaviorSanitizer (debug, plan checks on)
#   build-b2    batch size 2 (debug), to shake out bugs at chunk boundaries
# Ends with one line: "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh || exit 1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
configs=(
  "build|--buildtype=release -Dwerror=true"
  "build-asan|--buildtype=debug -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false"
  "build-b2|--buildtype=debugoptimized -Dwerror=true -Dbatch_size=2"
)
passed=0; failed=0
for c in "${configs[@]}"; do
  dir=${c%%|*}; opts=${c#*|}
  echo "== $dir ($opts)"
  if [ ! -d "$dir" ]; then
    meson setup "$dir" $opts >/dev/null || { echo "configure failed: $dir"; failed=$((failed+1)); continue; }
  fi
  if ! ninja -C "$dir" >"$dir.build.log" 2>&1; then
    tail -40 "$dir.build.log"; echo "build failed: $dir"; failed=$((failed+1)); continue
  fi
  meson test -C "$dir" --print-errorlogs --num-processes 2 -t 3 >"$dir.test.log" 2>&1
  grep -E "^ *[0-9]+/[0-9]+ " "$dir.test.log" | grep -v " OK " || true
  sed -n '/^Ok:/,/^Timeout:/p' "$dir.test.log"
  ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$dir.test.log"); ok=${ok:-0}
  bad=0
  for k in Fail "Unexpected Pass" Timeout; do
    v=$(sed -n "s/^$k: *\([0-9]*\).*/\1/p" "$dir.test.log"); bad=$((bad + ${v:-0}))
  done
  [ "$ok" -eq 0 ] && [ "$bad" -eq 0 ] && bad=1
  passed=$((passed+ok)); failed=$((failed+bad))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
