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
# Ctrl-D quits with status 0
send("\x04")
_, status = os.waitpid(pid, 0)
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
hist = open(os.path.join(os.environ["HOME"], ".weir_history")).read()
assert "SELECT 7 AS seven;" in hist, hist
assert "SELECT 40 + 2 AS answer;" in hist, hist

# a new shell reads the history: Up recalls the last statement
pid, fd = pty.fork()
if pid == 0:
    os.execv(weir, [weir, "--db", "inter.db"])
buf = b""
read_until("weir> ")
send("\x1b[A\n")
out = read_until("weir> ")
assert "eight" in out, out
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
