#!/bin/bash
# End-to-end tests of the weir command (CONTRACT §1): -c, -f, files, piped
# stdin, --db, --help/--version, exit codes, the error format with its caret
# line, table printing, graceful stop on SIGTERM/SIGINT, a materialized view
# read back with sqlite3, and the interactive shell (through a pseudo-terminal,
# when python3 is available).
#
# usage: cli_test.sh PATH/TO/weir
set -u
WEIR=$(realpath "$1")
T=$(mktemp -d /tmp/weir-cli-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
export HOME="$T/home"
mkdir -p "$HOME"

pass=0; fail=0
ok()   { pass=$((pass + 1)); }
bad()  { fail=$((fail + 1)); echo "FAIL: $*"; }
# expect NAME EXPECTED ACTUAL
expect() {
    if [ "$2" == "$3" ]; then ok; else
        bad "$1"; echo "--- expected:"; printf '%s\n' "$2"; echo "--- got:"; printf '%s\n' "$3"; fi
}
# contains NAME NEEDLE HAYSTACK
contains() {
    if [[ "$3" == *"$2"* ]]; then ok; else bad "$1: [$2] not in:"; printf '%s\n' "$3"; fi
}

# ---------------------------------------------------------------- options
out=$("$WEIR" --version); expect "--version" "weir 0.1.0" "$out"
out=$("$WEIR" --help); rc=$?
expect "--help exit" 0 $rc; contains "--help text" "usage: weir" "$out"
"$WEIR" --bogus >/dev/null 2>err.txt; rc=$?
expect "unknown option exit" 2 $rc; contains "unknown option message" "weir: error: unknown option --bogus" "$(cat err.txt)"

# ---------------------------------------------------------------- -c and table printing
out=$("$WEIR" -c 'SELECT 1 AS k, 10 AS n;'); rc=$?
expect "-c exit" 0 $rc
expect "-c table" "k | n
--+---
1 | 10
(1 row)" "$out"

out=$("$WEIR" -c "CREATE TABLE t (name TEXT, v BIGINT, d DOUBLE);
INSERT INTO t VALUES ('alpha', 1, 0.5), ('b', 100, NULL), (NULL, -7, 2);
SELECT name, v, d FROM t ORDER BY v;")
expect "alignment and NULL" "name  | v   | d
------+-----+-----
NULL  |  -7 |  2.0
alpha |   1 |  0.5
b     | 100 | NULL
(3 rows)" "$out"

out=$("$WEIR" -c "SELECT 'x' AS a WHERE 1 = 0;")
expect "empty result" "a
-
(0 rows)" "$out"

# several results are separated by a blank line; statements without rows print nothing
out=$("$WEIR" -c "CREATE TABLE u (a BIGINT); SELECT 1 AS a; SELECT 2 AS b;")
expect "two results" "a
-
1
(1 row)

b
-
2
(1 row)" "$out"

# UTF-8 text is measured in terminal columns
out=$("$WEIR" -c "SELECT '한국' AS w, 1 AS n;")
expect "utf-8 width" "w    | n
-----+--
한국 | 1
(1 row)" "$out"

# ---------------------------------------------------------------- files, -f, stdin, order
printf 'SELECT 1 AS one;\n' > a.sql
printf 'SELECT 2 AS two;\n' > b.sql
out=$("$WEIR" a.sql -f b.sql -c 'SELECT 3 AS three;')
expect "inputs in order" "one
---
  1
(1 row)

two
---
  2
(1 row)

three
-----
    3
(1 row)" "$out"

out=$(printf 'SELECT 41 + 1 AS answer;\n' | "$WEIR"); rc=$?
expect "piped stdin exit" 0 $rc
expect "piped stdin" "answer
------
    42
(1 row)" "$out"

out=$(printf 'SELECT 5 AS five;' | "$WEIR" -f -)
contains "-f - reads stdin" "(1 row)" "$out"

# ---------------------------------------------------------------- errors
"$WEIR" -c 'SELECT nosuch;' >out.txt 2>err.txt; rc=$?
expect "error exit" 1 $rc
contains "error format -c" "weir: -c:1:8: error: " "$(cat err.txt)"
expect "error is one line" 1 "$(wc -l < err.txt)"

printf 'SELECT 1 AS first;\n\nSELECT nosuch\n  FROM nowhere;\nSELECT 2 AS never;\n' > e.sql
"$WEIR" e.sql >out.txt 2>err.txt; rc=$?
expect "script error exit" 1 $rc
contains "script error line" "weir: e.sql:4:8: error: " "$(cat err.txt)"
contains "statements before the error ran" "first" "$(cat out.txt)"
if grep -q never out.txt; then bad "statements after the error must not run"; else ok; fi

printf 'SELECT 1;\nSELEC 2;\n' > syn.sql
"$WEIR" -f syn.sql >/dev/null 2>err.txt; rc=$?
expect "syntax error exit" 1 $rc
expect "syntax error with caret" "3" "$(wc -l < err.txt)"
contains "syntax error position" "weir: syn.sql:2:1: error: " "$(sed -n 1p err.txt)"
expect "syntax error source line" "SELEC 2;" "$(sed -n 2p err.txt)"
expect "syntax error caret" "^" "$(sed -n 3p err.txt)"

"$WEIR" missing.sql >/dev/null 2>err.txt; rc=$?
expect "missing file exit" 1 $rc
contains "missing file message" "weir: error: cannot open \"missing.sql\"" "$(cat err.txt)"

"$WEIR" --db /nonexistent-dir/x/weir.db -c 'SELECT 1;' >/dev/null 2>err.txt; rc=$?
expect "bad --db exit" 1 $rc
contains "bad --db message" "weir: error: " "$(cat err.txt)"

# ---------------------------------------------------------------- results database
mkdir -p rdb && cd rdb && mkdir -p data
printf 'user_id,url,ts\n1,/a,2024-01-01 00:00:10\n2,/a,2024-01-01 00:00:40\n1,/b,2024-01-01 00:01:30\n' > data/clicks.csv
cat > mv.sql <<'EOF'
CREATE TABLE clicks (user_id BIGINT, url TEXT, ts TIMESTAMP)
    WITH (connector = 'file', path = 'data/clicks.csv', format = 'csv', header = 'true');
CREATE MATERIALIZED VIEW page_counts AS
    SELECT window_start, url, COUNT(*) AS n
    FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE)
    GROUP BY window_start, url;
EOF
"$WEIR" --db results.db mv.sql >out.txt 2>err.txt; rc=$?
expect "matview exit" 0 $rc
expect "matview quiet" "" "$(cat out.txt err.txt)"
if command -v sqlite3 >/dev/null; then
    out=$(sqlite3 results.db 'SELECT window_start, url, n FROM page_counts ORDER BY window_start, url')
    expect "matview in sqlite" "2024-01-01 00:00:00|/a|2
2024-01-01 00:01:00|/b|1" "$out"
else
    echo "note: sqlite3 not installed, skipping the read-back with sqlite3"
fi
[ ! -e weir.db ] && ok || bad "--db must not create weir.db"
# a later run reads the results database's tables without declaring them
out=$("$WEIR" --db results.db -c 'SELECT SUM(n) AS total FROM page_counts;')
expect "results table readable later" "total
-----
    3
(1 row)" "$out"
# running the script again replaces the view's table
"$WEIR" --db results.db mv.sql >/dev/null 2>&1; rc=$?
expect "script re-run exit" 0 $rc
out=$("$WEIR" --db results.db -c 'SELECT COUNT(*) AS rows FROM page_counts;')
contains "re-run replaced the table" "
   2
" "$out"
cd "$T"
# default database: weir.db in the working directory
mkdir -p cwd && (cd cwd && "$WEIR" -c 'CREATE MATERIALIZED VIEW m AS SELECT 1 AS x;')
[ -f cwd/weir.db ] && ok || bad "default results database weir.db"

# ---------------------------------------------------------------- graceful stop
long="SELECT COUNT(*) FROM generate_series(1, 1000000000000);"
for sig in TERM INT; do
    "$WEIR" -c "SELECT 1 AS before; $long SELECT 2 AS after;" >out.txt 2>err.txt &
    pid=$!
    # signal only once the first statement has printed: the long one runs then
    for _ in $(seq 100); do grep -q before out.txt 2>/dev/null && break; sleep 0.05; done
    sleep 0.3
    kill -$sig $pid
    for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
    if kill -0 $pid 2>/dev/null; then
        bad "SIG$sig did not stop the query"; kill -KILL $pid; wait $pid 2>/dev/null
    else
        wait $pid; rc=$?
        expect "SIG$sig exit status" 0 $rc
        contains "SIG$sig: statements before ran" "before" "$(cat out.txt)"
        if grep -q after out.txt; then bad "SIG$sig: later statements must not run"; else ok; fi
    fi
done

# ---------------------------------------------------------------- continuous queries
mkdir -p cq/in && cd cq
printf 'k,v\na,1\nb,2\n' > in/001.csv
printf 'k,v\na,10\nbad,x\n' > in/002.csv
cat > stream.sql <<'SQL'
CREATE SOURCE ev (k TEXT, v BIGINT) WITH (connector = 'file', path = 'in', format = 'csv', header = 'true',
    bounded = 'true', max_files_per_trigger = '1');
CREATE MATERIALIZED VIEW totals AS SELECT k, COUNT(*) AS n, SUM(v) AS total FROM ev GROUP BY k;
CREATE MATERIALIZED VIEW big AS SELECT k, v FROM ev WHERE v > 1;
SQL
# a bounded source: the script waits for its queries, which end by themselves
timeout 30 "$WEIR" --db s.db stream.sql >out.txt 2>err.txt; rc=$?
expect "bounded stream script exit" 0 $rc
expect "bounded stream script quiet" "" "$(cat out.txt err.txt)"
if command -v sqlite3 >/dev/null; then
    expect "stream totals in sqlite" "a|2|11
b|1|2" "$(sqlite3 s.db 'SELECT k, n, total FROM totals ORDER BY k')"
    expect "stream append in sqlite" "a|10
b|2" "$(sqlite3 s.db 'SELECT k, v FROM big ORDER BY k')"
    expect "stream batches" "totals|finished|2" \
        "$(sqlite3 s.db "SELECT name, status, batches FROM weir_queries WHERE name = 'totals'")"
    expect "stream rejects" "totals|ev|in/002.csv:3|bad,x" \
        "$(sqlite3 s.db "SELECT query, source, location, record FROM weir_rejects WHERE query = 'totals'")"
    expect "stream progress" "1|2|0
2|1|1" "$(sqlite3 s.db "SELECT batch_id, input_rows, rejects FROM weir_progress WHERE query = 'totals' ORDER BY batch_id")"
    # run again: the checkpoint says everything was read: nothing changes, nothing is duplicated
    timeout 30 "$WEIR" --db s.db stream.sql >/dev/null 2>&1; rc=$?
    expect "stream re-run exit" 0 $rc
    expect "stream re-run: same totals" "a|2|11
b|1|2" "$(sqlite3 s.db 'SELECT k, n, total FROM totals ORDER BY k')"
    expect "stream re-run: no duplicates" "2" "$(sqlite3 s.db 'SELECT COUNT(*) FROM big')"
    # a new file: the next run reads only it, with the saved state
    printf 'k,v\nb,5\n' > in/003.csv
    timeout 30 "$WEIR" --db s.db stream.sql >/dev/null 2>&1
    expect "stream resume" "a|2|11
b|2|7" "$(sqlite3 s.db 'SELECT k, n, total FROM totals ORDER BY k')"
else
    echo "note: sqlite3 not installed, skipping the continuous-query read-backs"
fi
"$WEIR" --db s.db -c "CREATE SOURCE ev (k TEXT, v BIGINT) WITH (connector = 'file', path = 'in', format = 'csv', header = 'true', bounded = 'true');
CREATE MATERIALIZED VIEW totals AS SELECT k, SUM(v) AS total FROM ev GROUP BY k;" >/dev/null 2>err.txt; rc=$?
expect "incompatible plan exit" 1 $rc
contains "incompatible plan message" \
    'query "totals" exists in the results database with a different plan; DROP MATERIALIZED VIEW totals to start over' \
    "$(cat err.txt)"
# on_error = 'fail': the query stops naming the record, and the script fails
"$WEIR" --db f.db -c "CREATE SOURCE ev (k TEXT, v BIGINT) WITH (connector = 'file', path = 'in', format = 'csv', header = 'true', bounded = 'true', on_error = 'fail');
CREATE MATERIALIZED VIEW m AS SELECT k, v FROM ev;" >/dev/null 2>err.txt; rc=$?
expect "on_error fail exit" 1 $rc
contains "on_error fail message" 'weir: error: query "m" failed: in/002.csv:3: ' "$(cat err.txt)"
# a streaming SELECT over a bounded source prints each micro-batch, then ends
out=$(timeout 30 "$WEIR" --db sel.db -c "CREATE SOURCE ev (k TEXT, v BIGINT) WITH (connector = 'file', path = 'in', format = 'csv', header = 'true', bounded = 'true', max_files_per_trigger = '2');
SELECT k, v FROM ev WHERE v > 4;" 2>&1); rc=$?
expect "streaming select exit" 0 $rc
expect "streaming select output" "k | v
--+---
a | 10
(1 row)

k | v
--+--
b | 5
(1 row)" "$out"

# SIGTERM / SIGINT stop an unbounded query gracefully: what was committed stays, exit 0
if command -v sqlite3 >/dev/null; then
    for sig in TERM INT; do
        rm -f u.db
        "$WEIR" --db u.db -c "CREATE SOURCE ev (k TEXT, v BIGINT) WITH (connector = 'file', path = 'in', format = 'csv', header = 'true', max_files_per_trigger = '1');
CREATE MATERIALIZED VIEW m AS SELECT k, COUNT(*) AS n FROM ev GROUP BY k;" >out.txt 2>err.txt &
        pid=$!
        for _ in $(seq 200); do
            [ "$(sqlite3 u.db "SELECT batches FROM weir_queries WHERE name = 'm'" 2>/dev/null)" = "3" ] && break
            sleep 0.05
        done
        kill -$sig $pid
        for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
        if kill -0 $pid 2>/dev/null; then
            bad "SIG$sig did not stop the continuous query"; kill -KILL $pid; wait $pid 2>/dev/null
        else
            wait $pid; rc=$?
            expect "continuous SIG$sig exit status" 0 $rc
            expect "continuous SIG$sig quiet" "" "$(cat out.txt err.txt)"
            expect "continuous SIG$sig committed" "stopped|3|a|2" \
                "$(sqlite3 u.db "SELECT status, batches, k, n FROM weir_queries, m WHERE name = 'm' AND k = 'a'")"
        fi
    done

    # kill -9 at a random instant, then a rerun: the same result as an uninterrupted run
    cat > gen.sql <<'SQL'
CREATE SOURCE gen (i BIGINT) WITH (connector = 'generator', rows = '3000000', pace = 'false',
    max_records_per_trigger = '1000');
CREATE MATERIALIZED VIEW agg AS SELECT i % 97 AS k, COUNT(*) AS n, SUM(i) AS s FROM gen GROUP BY i % 97;
CREATE MATERIALIZED VIEW picks AS SELECT i FROM gen WHERE i % 1000 = 7;
CREATE MATERIALIZED VIEW whole AS SELECT COUNT(*) AS n, SUM(i) AS s FROM gen EMIT COMPLETE;
SQL
    timeout 120 "$WEIR" --db ref.db gen.sql >/dev/null 2>&1; rc=$?
    expect "generator run exit" 0 $rc
    snapshot() {
        sqlite3 "$1" 'SELECT k, n, s FROM agg ORDER BY k;
                      SELECT COUNT(*), COUNT(DISTINCT i), SUM(i) FROM picks;
                      SELECT n, s FROM whole;'
    }
    ref=$(snapshot ref.db)
    expect "generator reference" "3000|3000|4498521000" \
        "$(sqlite3 ref.db 'SELECT COUNT(*), COUNT(DISTINCT i), SUM(i) FROM picks')"
    expect "generator reference total" "3000000|4499998500000" "$(sqlite3 ref.db 'SELECT n, s FROM whole')"
    for round in 1 2 3; do
        rm -f k.db k.db-wal k.db-shm
        "$WEIR" --db k.db gen.sql >/dev/null 2>&1 &
        pid=$!
        sleep "0.$(( RANDOM % 10 ))$(( RANDOM % 10 ))"
        kill -KILL $pid 2>/dev/null
        wait $pid 2>/dev/null
        batches=$(sqlite3 k.db "SELECT COALESCE(MIN(batches), 0) FROM weir_queries" 2>/dev/null)
        timeout 120 "$WEIR" --db k.db gen.sql >/dev/null 2>err.txt; rc=$?
        expect "kill -9 round $round (after ${batches:-0} batches): rerun exit" 0 $rc
        expect "kill -9 round $round (after ${batches:-0} batches): same result" "$ref" "$(snapshot k.db)"
    done
fi
cd "$T"

# ---------------------------------------------------------------- interactive shell
if command -v python3 >/dev/null; then
    cat > pty_test.py <<'EOF'
import os, pty, sys, time, select, signal

weir = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.execv(weir, [weir, "--db", "inter.db"])

buf = b""
def read_until(needle, timeout=10.0):
    global buf
    end = time.time() + timeout
    while needle.encode() not in buf:
        left = end - time.time()
        if left <= 0:
            raise SystemExit("timeout waiting for %r; got %r" % (needle, buf[-400:]))
        r, _, _ = select.select([fd], [], [], left)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                raise SystemExit("eof waiting for %r; got %r" % (needle, buf[-400:]))
            buf += data
    i = buf.index(needle.encode()) + len(needle)
    out, buf = buf[:i], buf[i:]
    return out.decode(errors="replace")

def send(s):
    os.write(fd, s.encode())

read_until("weir> ")
# a statement over two lines: the continuation prompt, then the result
send("SELECT 40 + 2\n")
read_until("  ...> ")
send("AS answer;\n")
out = read_until("weir> ")
assert "answer" in out and "42" in out and "(1 row)" in out, out
# Ctrl-C while typing drops the input and shows a fresh prompt
send("SELECT 'dropped'")
time.sleep(0.2)
send("\x03")
read_until("weir> ")
send("SELECT 7 AS seven;\n")
out = read_until("weir> ")
assert "seven" in out and "dropped" not in out, out
# an error is printed and the shell keeps going
send("SELECT nosuch;\n")
out = read_until("weir> ")
assert "weir: <stdin>:1:8: error:" in out, out
# Ctrl-C while a query runs interrupts it and returns to the prompt
send("SELECT COUNT(*) FROM generate_series(1, 1000000000000);\n")
read_until("1000000000000);\r\n")   # the line was accepted: the statement runs
time.sleep(0.5)
send("\x03")
out = read_until("weir> ", timeout=10)
assert "interrupted" in out, out
send("SELECT 8 AS eight;\n")
out = read_until("weir> ")
assert "eight" in out, out
# a continuous query keeps running in the background while the user types
os.makedirs("live", exist_ok=True)
with open("live/001.csv", "w") as f:
    f.write("a\nb\n")
send("CREATE SOURCE ev (k TEXT) WITH (connector = 'file', path = 'live', format = 'csv');\n")
read_until("weir> ")
send("CREATE MATERIALIZED VIEW live_counts AS SELECT k, COUNT(*) AS n FROM ev GROUP BY k;\n")
out = read_until("weir> ")
assert "error" not in out, out
with open("live/.002.tmp", "w") as f:
    f.write("a\n")
os.rename("live/.002.tmp", "live/002.csv")
for _ in range(100):
    send("SELECT n FROM live_counts WHERE k = 'a';\n")
    out = read_until("weir> ")
    if "\r\n2\r\n" in out.replace(" ", ""):
        break
    time.sleep(0.05)
else:
    raise SystemExit("the background query did not pick up the new file: %r" % out)
send("SHOW QUERIES;\n")
out = read_until("weir> ")
assert "live_counts | running" in out, out
# a streaming SELECT prints its batches until Ctrl-C brings the prompt back
send("SELECT k FROM ev;\n")
out = read_until("(3 rows)", timeout=10)
time.sleep(0.3)
send("\x03")
out = read_until("weir> ", timeout=10)
assert "error" not in out, out
send("SELECT 9 AS nine;\n")
out = read_until("weir> ")
assert "nine" in out, out
# Ctrl-D quits with status 0
send("\x04")
_, status = os.waitpid(pid, 0)
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
hist = open(os.path.join(os.environ["HOME"], ".weir_history")).read()
assert "SELECT 7 AS seven;" in hist, hist
assert "SELECT 40 + 2 AS answer;" in hist, hist
# quitting stopped the background query gracefully
import sqlite3
row = sqlite3.connect("inter.db").execute("SELECT status FROM weir_queries WHERE name = 'live_counts'").fetchone()
assert row == ("stopped",), row

# a new shell reads the history: Up recalls the last statement
pid, fd = pty.fork()
if pid == 0:
    os.execv(weir, [weir, "--db", "inter.db"])
buf = b""
read_until("weir> ")
send("\x1b[A\n")
out = read_until("weir> ")
assert "nine" in out, out
send("\x04")
_, status = os.waitpid(pid, 0)
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
print("interactive ok")
EOF
    out=$(timeout 60 python3 pty_test.py "$WEIR" 2>&1); rc=$?
    if [ $rc -eq 0 ]; then ok; else bad "interactive shell"; printf '%s\n' "$out"; fi
else
    echo "note: python3 not installed, skipping the interactive test"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
