/*
** Benchmark of event-time windows (issue 4), end to end through the public
** API: each figure is weir's rows/s from CREATE MATERIALIZED VIEW until the
** query has finished (weir_wait: its bounded input ended, the watermark went
** to +infinity and every window was written) with its result committed to the
** SQLite results database.  A baseline runs in the same process on the same
** number of rows:
**
**   (a) generator with event time (unpaced, bounded, ts advancing
**       1/RPS seconds per row, BIGINT key with 1,000 values, WATERMARK
**       ts - 5 s) -> TUMBLE 1 minute, COUNT(*) and SUM(v) per key, EMIT
**       APPEND into SQLite.  Target >= 50 M rows/s, single thread.
**   (b) the same aggregation over CSV files: 2 M rows in 20 files (k, a
**       text, a number, a timestamp; ~1,000 rows per second of event time,
**       slightly out of order), a bounded file source.  Target >= 3.5 M
**       rows/s end to end.
**   (c) HOP with size / slide = 30 (slide 1 minute, size 30 minutes) against
**       the TUMBLE of (a) on the same generated rows: both times and their
**       ratio.  Target: HOP <= 3x the TUMBLE (panes, not 30 copies of a row).
**   baseline: SQLite computing the same tumbling-window COUNT/SUM per key
**       (a recursive CTE generating the rows, GROUP BY minute and key into a
**       table), and the sqlite3 CLI importing the CSV files of (b) and
**       grouping them the same way.
**
**   bench_window [GEN_ROWS [CSV_ROWS [HOP_ROWS [BASELINE_ROWS]]]]
**
** Defaults: 50 M, 2 M, 50 M rows, and the baseline on GEN_ROWS rows (the
** same rows as (a); pass fewer to shorten the run: it is a rate).  Every
** result is checked (window count, SUM(n) = rows, HOP: every row in 30
** windows).  Temporary files live in a fresh directory under $TMPDIR,
** removed at the end.
*/
#include <errno.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "weir.h"

#define RPS 10000LL /* generator rows per second of event time: 50 M rows span 83 minutes */
#define KEYS 1000

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* CPU seconds (user + system) of this process so far, all threads: cpu ~ wall means one thread worked. */
static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

static void die(const char *what, const char *msg) {
    fprintf(stderr, "bench_window: %s: %s\n", what, msg ? msg : "?");
    exit(1);
}

/* snprintf that refuses to truncate (paths and SQL built from the temp directory). */
static void fmt(char *out, size_t cap, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *out, size_t cap, const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(out, cap, f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap) die("text too long", f);
}

/* The first row of the last result set, as text (for checks). */
typedef struct Capture {
    char cells[6][64];
    int ncols;
    long long nrows;
} Capture;

static void capture(void *ud, const weir_result *r) {
    Capture *c = ud;
    c->ncols = r->ncols < 6 ? r->ncols : 6;
    c->nrows = r->nrows;
    for (int i = 0; i < c->ncols; i++)
        snprintf(c->cells[i], sizeof c->cells[i], "%s", r->nrows > 0 && r->cells[i] ? r->cells[i] : "NULL");
}

static void run(weir *w, const char *sql, Capture *cap) {
    char *err = NULL;
    if (weir_exec(w, sql, "bench", cap ? capture : NULL, cap, &err)) die(sql, err);
}

static weir *open_db(const char *dir, const char *name) {
    char path[4096];
    fmt(path, sizeof path, "%s/%s", dir, name);
    weir *w;
    char *err = NULL;
    if (weir_open(path, &w, &err)) die(path, err);
    return w;
}

static void report(const char *who, long long rows, double secs, double cpu, const char *note) {
    if (cpu >= 0)
        printf("  %-8s %9.3f s %10.2f M rows/s   cpu %.3f s   %s\n", who, secs, (double)rows / secs / 1e6, cpu, note);
    else
        printf("  %-8s %9.3f s %10.2f M rows/s   %s\n", who, secs, (double)rows / secs / 1e6, note);
}

/* Batches, state rows and late rows of a query, from weir_progress. */
static void print_progress(weir *w, const char *query) {
    char sql[512];
    Capture c = {0};
    fmt(sql, sizeof sql,
        "SELECT COUNT(*), SUM(input_rows), MAX(state_rows), SUM(late_rows) FROM weir_progress WHERE query = '%s';",
        query);
    run(w, sql, &c);
    printf("             %s micro-batches, %s input rows, at most %s state rows, %s late rows\n", c.cells[0],
           c.cells[1], c.cells[2], c.cells[3]);
}

/*
** Check a window result table: SUM(n) must be `want_sum` (every row counted
** `per_row` times), and the number of result rows at least `min_rows`.
*/
static void check_result(weir *w, const char *what, const char *table, long long want_sum, long long min_rows) {
    char sql[512];
    Capture c = {0};
    fmt(sql, sizeof sql, "SELECT COUNT(*), SUM(n) FROM %s;", table);
    run(w, sql, &c);
    char want[64];
    snprintf(want, sizeof want, "%lld", want_sum);
    if (strcmp(c.cells[1], want) != 0 || atoll(c.cells[0]) < min_rows) {
        fprintf(stderr, "bench_window: %s: wrong result: %s rows with SUM(n) = %s (expected >= %lld rows, %s)\n",
                what, c.cells[0], c.cells[1], min_rows, want);
        exit(1);
    }
    printf("             result: %s windows x keys, SUM(n) = %s\n", c.cells[0], c.cells[1]);
}

/*
** Create the generator `gen` (rows, event time from 2024-01-01 at RPS rows
** per second, k random in 0..999, v = 0, 1, 2, ...) in a fresh database and
** time the window query `select` into materialized view `name`.  Returns the
** wall seconds; *cpu gets the CPU seconds.  The session stays open in *wo.
*/
static double time_generator_query(const char *dir, const char *db, long long rows, const char *name,
                                   const char *select, double *cpu, weir **wo) {
    weir *w = open_db(dir, db);
    char sql[2048];
    fmt(sql, sizeof sql,
        "CREATE SOURCE gen (k BIGINT, v BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) "
        "WITH (connector = 'generator', rows = '%lld', pace = 'false', rows_per_second = '%lld', "
        "start = '2024-01-01 00:00:00', seed = '1', 'fields.k.kind' = 'random', 'fields.k.min' = '0', "
        "'fields.k.max' = '%d');",
        rows, RPS, KEYS - 1);
    run(w, sql, NULL);
    fmt(sql, sizeof sql, "CREATE MATERIALIZED VIEW %s AS %s;", name, select);
    double c0 = cpu_s();
    double t0 = now_s();
    run(w, sql, NULL);
    char *err = NULL;
    if (weir_wait(w, &err)) die("weir_wait", err);
    double t = now_s() - t0;
    *cpu = cpu_s() - c0;
    *wo = w;
    return t;
}

static const char *const TUMBLE_SQL =
    "SELECT window_start, window_end, k, COUNT(*) AS n, SUM(v) AS total FROM TUMBLE(gen, ts, INTERVAL '1' MINUTE) "
    "GROUP BY window_start, window_end, k EMIT APPEND";

static const char *const HOP_SQL =
    "SELECT window_start, window_end, k, COUNT(*) AS n, SUM(v) AS total "
    "FROM HOP(gen, ts, INTERVAL '1' MINUTE, INTERVAL '30' MINUTE) GROUP BY window_start, window_end, k EMIT APPEND";

/* Minutes of event time that `rows` generated rows cover (= 1-minute windows). */
static long long minutes_spanned(long long rows) { return (rows - 1) / (RPS * 60) + 1; }

/* ------------------------------------------------------------------ (a) generator -> TUMBLE */

static double bench_tumble(const char *dir, long long rows) {
    printf("\n(a) generator (%lld rows, %lld rows per second of event time: %lld minutes) -> TUMBLE 1 minute, "
           "COUNT(*), SUM(v) per key (1,000 keys) -> SQLite, EMIT APPEND\n",
           rows, RPS, minutes_spanned(rows));
    double cpu;
    weir *w;
    double t = time_generator_query(dir, "tumble.db", rows, "per_minute", TUMBLE_SQL, &cpu, &w);
    report("weir", rows, t, cpu, "(target >= 50 M rows/s)");
    print_progress(w, "per_minute");
    long long windows = minutes_spanned(rows);
    check_result(w, "(a)", "per_minute", rows, rows >= 1000000 ? windows * KEYS : 1);
    weir_close(w);
    return t;
}

/* ------------------------------------------------------------------ baseline: SQLite */

static void bench_sqlite(long long rows) {
    sqlite3 *db;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) die("sqlite3_open", "");
    /*
    ** The same rows: i = 0..rows-1, event second i / RPS, a key spread over
    ** 1,000 values (a multiplicative hash instead of a random draw), v = i;
    ** grouped by (minute, key) into a table, as the result table above.
    */
    char sql[1024];
    fmt(sql, sizeof sql,
        "CREATE TABLE r (minute INTEGER, k INTEGER, n INTEGER, total INTEGER, PRIMARY KEY (minute, k));"
        "WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < %lld) "
        "INSERT INTO r SELECT i / %lld, (i * 2654435761) %% %d, COUNT(*), SUM(i) FROM g GROUP BY 1, 2;",
        rows - 1, RPS * 60, KEYS);
    double c0 = cpu_s();
    double t0 = now_s();
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) die("sqlite baseline", err);
    double t = now_s() - t0;
    double cpu = cpu_s() - c0;
    sqlite3_stmt *st;
    long long n = 0;
    if (sqlite3_prepare_v2(db, "SELECT SUM(n) FROM r", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (n != rows) die("sqlite baseline", "wrong row count");
    char note[160];
    snprintf(note, sizeof note, "(recursive CTE + GROUP BY minute, key into a table, %lld rows)", rows);
    report("sqlite3", rows, t, cpu, note);
    sqlite3_close(db);
}

/* ------------------------------------------------------------------ (b) CSV files -> TUMBLE */

/*
** Write `rows` CSV rows into `files` files under dir/csv: k in 1..1000, a
** word, an amount, and a timestamp about 1,000 rows per second from
** 2024-01-01, up to 2 seconds out of order (within the 5-second delay: no
** late rows).  Returns the bytes written.
*/
static long long write_csv(const char *dir, long long rows, int files) {
    char path[4096];
    fmt(path, sizeof path, "%s/csv", dir);
    if (mkdir(path, 0777) != 0 && errno != EEXIST) die(path, strerror(errno));
    static const char *const words[] = {"ab", "bcd", "cd", "def", "ef", "fgh", "gh", "hij"};
    long long bytes = 0, row = 0;
    unsigned long long x = 88172645463325252ULL; /* xorshift: fixed data */
    for (int f = 0; f < files; f++) {
        fmt(path, sizeof path, "%s/csv/part-%03d.csv", dir, f);
        FILE *out = fopen(path, "w");
        if (!out) die(path, strerror(errno));
        bytes += fprintf(out, "k,name,amount,ts\n");
        long long end = rows * (f + 1) / files;
        for (; row < end; row++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            int k = (int)(x % KEYS) + 1;
            long long secs = 1704067200LL + row / 1000 - (long long)((x >> 50) % 3);
            time_t tt = (time_t)secs;
            struct tm tm;
            gmtime_r(&tt, &tm);
            bytes += fprintf(out, "%d,%s,%d.%d,%04d-%02d-%02d %02d:%02d:%02d\n", k, words[(x >> 20) % 8],
                             (int)((x >> 24) % 100), (int)((x >> 40) % 10), tm.tm_year + 1900, tm.tm_mon + 1,
                             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        }
        if (fclose(out) != 0) die(path, strerror(errno));
    }
    return bytes;
}

static void bench_csv(const char *dir, long long rows) {
    const int files = 20;
    double t0 = now_s();
    long long bytes = write_csv(dir, rows, files);
    printf("\n(b) CSV: %lld rows, %.1f MB in %d files (written in %.2f s), ~1,000 rows per second of event time "
           "-> bounded file source -> TUMBLE 1 minute, COUNT(*), SUM(amount) per key -> SQLite, EMIT APPEND\n",
           rows, (double)bytes / 1e6, files, now_s() - t0);

    weir *w = open_db(dir, "csv.db");
    char sql[1024];
    fmt(sql, sizeof sql,
        "CREATE SOURCE csv_in (k BIGINT, name TEXT, amount DOUBLE, ts TIMESTAMP, "
        "WATERMARK FOR ts AS ts - INTERVAL '5' SECOND) WITH (connector = 'file', path = '%s/csv', format = 'csv', "
        "header = 'true', bounded = 'true');",
        dir);
    run(w, sql, NULL);
    double c0 = cpu_s();
    t0 = now_s();
    run(w, "CREATE MATERIALIZED VIEW csv_minutes AS SELECT window_start, window_end, k, COUNT(*) AS n, "
           "SUM(amount) AS total FROM TUMBLE(csv_in, ts, INTERVAL '1' MINUTE) GROUP BY window_start, window_end, k "
           "EMIT APPEND;",
        NULL);
    char *err = NULL;
    if (weir_wait(w, &err)) die("weir_wait", err);
    double t = now_s() - t0;
    double cpu = cpu_s() - c0;
    report("weir", rows, t, cpu, "(target >= 3.5 M rows/s)");
    print_progress(w, "csv_minutes");
    check_result(w, "(b)", "csv_minutes", rows, 1);
    weir_close(w);

    /* Baseline: the sqlite3 CLI imports the same files and groups them by minute and key. */
    char script[4096];
    fmt(script, sizeof script, "%s/import.sql", dir);
    FILE *s = fopen(script, "w");
    if (!s) die(script, strerror(errno));
    fprintf(s, "CREATE TABLE t (k INTEGER, name TEXT, amount REAL, ts TEXT);\n.mode csv\n");
    for (int f = 0; f < files; f++) fprintf(s, ".import --skip 1 %s/csv/part-%03d.csv t\n", dir, f);
    fprintf(s, "CREATE TABLE r AS SELECT strftime('%%Y-%%m-%%d %%H:%%M:00', ts) AS minute, k, COUNT(*) AS n, "
               "SUM(amount) AS total FROM t GROUP BY 1, 2;\n.mode list\nSELECT COUNT(*) || ' ' || SUM(n) FROM r;\n");
    fclose(s);
    char cmd[8192];
    fmt(cmd, sizeof cmd, "sqlite3 :memory: < '%s' > '%s/import.out' 2>&1", script, dir);
    t0 = now_s();
    int rc = system(cmd);
    t = now_s() - t0;
    if (rc != 0) {
        printf("  sqlite3  (the sqlite3 CLI failed or is missing: exit %d)\n", rc);
        return;
    }
    report("sqlite3", rows, t, -1, "(sqlite3 CLI: .import of the same files + GROUP BY minute, key; in memory)");
}

/* ------------------------------------------------------------------ (c) HOP vs TUMBLE */

static void bench_hop(const char *dir, long long rows, double tumble_s, long long tumble_rows) {
    printf("\n(c) HOP(slide 1 minute, size 30 minutes) vs TUMBLE(1 minute), the generator of (a), %lld rows, "
           "COUNT(*), SUM(v) per key -> SQLite, EMIT APPEND\n",
           rows);
    double cpu;
    weir *w;
    if (tumble_rows != rows) {
        tumble_s = time_generator_query(dir, "tumble2.db", rows, "per_minute", TUMBLE_SQL, &cpu, &w);
        report("TUMBLE", rows, tumble_s, cpu, "");
        weir_close(w);
    } else {
        report("TUMBLE", rows, tumble_s, -1, "(the run of (a))");
    }
    double t = time_generator_query(dir, "hop.db", rows, "per_30_minutes", HOP_SQL, &cpu, &w);
    report("HOP", rows, t, cpu, "(every row in 30 windows)");
    print_progress(w, "per_30_minutes");
    /* Each row is in 30 windows, and the end of the input writes every one of them. */
    check_result(w, "(c)", "per_30_minutes", rows * 30, rows >= 1000000 ? (minutes_spanned(rows) + 29) * KEYS : 1);
    weir_close(w);
    printf("  ratio    HOP / TUMBLE = %.2fx   (target <= 3x; 30x would be a row copied into every window)\n",
           t / tumble_s);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int main(int argc, char **argv) {
    long long gen_rows = argc > 1 ? atoll(argv[1]) : 50000000LL;
    long long csv_rows = argc > 2 ? atoll(argv[2]) : 2000000LL;
    long long hop_rows = argc > 3 ? atoll(argv[3]) : gen_rows;
    long long base_rows = argc > 4 ? atoll(argv[4]) : gen_rows;
    if (gen_rows < 1 || csv_rows < 20 || hop_rows < 1 || base_rows < 1) {
        fprintf(stderr, "usage: bench_window [GEN_ROWS [CSV_ROWS [HOP_ROWS [BASELINE_ROWS]]]]\n");
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/weir-bench-window-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) die("mkdtemp", strerror(errno));
    printf("weir %s event-time window benchmark (single thread; results in %s)\n", WEIR_VERSION, dir);

    double tumble_s = bench_tumble(dir, gen_rows);
    bench_sqlite(base_rows);
    bench_csv(dir, csv_rows);
    bench_hop(dir, hop_rows, tumble_s, gen_rows);

    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
