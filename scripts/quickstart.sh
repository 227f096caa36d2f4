#!/bin/sh
# Install dependencies, build weir and run the quickstart; leaves weir.db here.
set -e
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
[ -d build ] || meson setup build --buildtype=release -Dwerror=true >/dev/null
ninja -C build shell/weir >/dev/null
./build/shell/weir --db weir.db examples/quickstart.sql
echo "Result tables are in weir.db. Look at them with any SQLite client, e.g.:"
echo "  sqlite3 -header -column weir.db 'SELECT * FROM clicks_by_country'"
echo
sqlite3 -header -column weir.db 'SELECT * FROM clicks_by_country ORDER BY clicks DESC'
echo
echo "  sqlite3 -header -column weir.db 'SELECT * FROM page_counts ORDER BY window_start, url LIMIT 5'"
echo
sqlite3 -header -column weir.db 'SELECT * FROM page_counts ORDER BY window_start, url LIMIT 5'
echo
echo "or from weir itself: build/shell/weir -c 'SHOW TABLES; SELECT * FROM weir_progress;'"
