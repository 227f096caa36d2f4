#!/bin/sh
# Install dependencies, build weir and run the quickstart; leaves weir.db here.
set -e
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
[ -d build ] || meson setup build --buildtype=release -Dwerror=true >/dev/null
ninja -C build weir >/dev/null
./build/shell/weir --db weir.db examples/quickstart.sql
echo
echo "Result tables are in weir.db. Look at them with any SQLite client, e.g.:"
echo "  sqlite3 -header -column weir.db 'SELECT * FROM page_counts'"
