/*
** Benchmark of the continuous-query runtime (issue 3), end to end through the
** public API: each figure is weir's rows/s from CREATE MATERIALIZED VIEW
** until the query has finished (weir_wait) with its result committed to the
** SQLite results database, printed next to a baseline run in the same process
** on the same data:
**
**   (a) generator (unpaced, bounded) -> GROUP BY k (1,000 keys) with SUM and
**       COUNT -> SQLite UPDATE result table.  Baseline: SQLite generating the
**       same number of rows with a recursive CTE and grouping them into a table.
**   (b) 2 M rows of CSV in 20 files (~60 MB: k in 1..1000, a text, a number,
**       a timestamp) -> file source -> GROUP BY k counts -> SQLite,
**       TRIGGER AVAILABLE NOW.  Baseline: the sqlite3 CLI importing the same
**       files (.import) and grouping them.
**   (c) memory: a 1 M-group aggregation (generator, k = sequence) in a child
**       process, its peak resident set (wait4 -> ru_maxrss): 1 M rows (each
**       group inserted once), then MEM_ROWS rows (groups updated by later
**       micro-batches).
**
**   bench_stream [GEN_ROWS [CSV_ROWS [MEM_ROWS [BASELINE_ROWS]]]]
**
** Defaults: 50 M, 2 M, 2 M rows, and the baseline of (a) on GEN_ROWS rows.
** Targets (single thread): (a) >= 50 M rows/s, (b) >= 3.5 M rows/s,
** (c) < 200 MB.  Temporary files live in a fresh directory under $TMPDIR.
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
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "weir.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *what, const char *msg) {
    fprintf(stderr, "bench_stream: %s: %s\n", what, msg ? msg : "?");
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
    char cells[4][64];
    int ncols;
    long long nrows;
} Capture;

static void capture(void *ud, const weir_result *r) {
    Capture *c = ud;
    c->ncols = r->ncols < 4 ? r->ncols : 4;
    c->nrows = r->nrows;
    for (int i = 0; i < c->ncols; i++)
        snprintf(c->cells[i], sizeof c->cells[i], "%s", r->nrows > 0 && r->cells[i] ? r->cells[i] : "NULL");
}

static void run(weir *w, const char *sql, Capture *cap) {
    char *err = NULL;
    if (weir_exec(w, sql, "bench", cap ? capture : NULL, cap, &err)) die(sql, err);
}

static void wait_all(weir *w) {
    char *err = NULL;
    if (weir_wait(w, &err)) die("weir_wait", err);
}

static weir *open_db(const char *dir, const char *name) {
    char path[4096];
    fmt(path, sizeof path, "%s/%s", dir, name);
    weir *w;
    char *err = NULL;
    if (weir_open(path, &w, &err)) die(path, err);
    return w;
}

/* Batches and input rows of a query, from weir_progress. */
static void print_progress(weir *w, const char *query) {
    char sql[256];
    Capture c = {0};
    snprintf(sql, sizeof sql,
             "SELECT COUNT(*), SUM(input_rows), MAX(state_rows) FROM weir_progress WHERE query = '%s';", query);
    run(w, sql, &c);
    printf("             %s micro-batches, %s input rows, %s state rows\n", c.cells[0], c.cells[1], c.cells[2]);
}

/* CPU seconds (user + system) of this process so far, all threads: cpu ~ wall means one thread worked. */
static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

static void report(const char *who, long long rows, double secs, double cpu, const char *note) {
    if (cpu >= 0)
        printf("  %-8s %10.3f s %10.2f M rows/s   cpu %.3f s   %s\n", who, secs, (double)rows / secs / 1e6, cpu, note);
    else
        printf("  %-8s %10.3f s %10.2f M rows/s   %s\n", who, secs, (double)rows / secs / 1e6, note);
}

/* ------------------------------------------------------------------ (a) generator */

static void bench_generator(const char *dir, long long rows, long long base_rows) {
    printf("\n(a) generator -> GROUP BY k (1,000 keys), SUM(v), COUNT(*) -> SQLite UPDATE table, %lld rows\n", rows);
    weir *w = open_db(dir, "gen.db");
    char sql[1024];
    snprintf(sql, sizeof sql,
             "CREATE SOURCE gen (k BIGINT, v BIGINT) WITH (connector = 'generator', rows = '%lld', pace = 'false', "
             "seed = '1', 'fields.k.kind' = 'random', 'fields.k.min' = '0', 'fields.k.max' = '999');",
             rows);
    run(w, sql, NULL);
    double c0 = cpu_s();
    double t0 = now_s();
    run(w, "CREATE MATERIALIZED VIEW gen_sums AS SELECT k, SUM(v) AS total, COUNT(*) AS n FROM gen GROUP BY k "
           "EMIT UPDATE;",
        NULL);
    wait_all(w);
    double t = now_s() - t0;
    double cpu = cpu_s() - c0;
    Capture c = {0};
    run(w, "SELECT COUNT(*), SUM(n), SUM(total) FROM gen_sums;", &c);
    char want[64];
    snprintf(want, sizeof want, "%lld", rows);
    if ((rows >= 100000 && strcmp(c.cells[0], "1000") != 0) || strcmp(c.cells[1], want) != 0)
        fprintf(stderr, "bench_stream: (a) wrong result: %s groups, %s rows (expected 1000, %s)\n", c.cells[0],
                c.cells[1], want);
    report("weir", rows, t, cpu, "(target >= 50 M rows/s)");
    print_progress(w, "gen_sums");
    weir_close(w);

    /* Baseline: SQLite generates and groups the same number of rows into a table. */
    sqlite3 *db;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) die("sqlite3_open", "");
    snprintf(sql, sizeof sql,
             "CREATE TABLE r (k INTEGER PRIMARY KEY, total INTEGER, n INTEGER);"
             "WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < %lld) "
             "INSERT INTO r SELECT i %% 1000, SUM(i), COUNT(*) FROM g GROUP BY i %% 1000;",
             base_rows - 1);
    c0 = cpu_s();
    t0 = now_s();
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) die("sqlite baseline", sqlite3_errmsg(db));
    t = now_s() - t0;
    cpu = cpu_s() - c0;
    char note[128];
    snprintf(note, sizeof note, "(recursive CTE + GROUP BY into a table, %lld rows)", base_rows);
    report("sqlite3", base_rows, t, cpu, note);
    sqlite3_close(db);
}

/* ------------------------------------------------------------------ (b) CSV files */

/* Write `rows` CSV rows into `files` files under dir/csv.  Returns the bytes written. */
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
            int k = (int)(x % 1000) + 1;
            long long secs = 1704067200LL + row;
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
    printf("\n(b) CSV: %lld rows, %.1f MB in %d files (written in %.2f s) -> file source -> GROUP BY k counts -> "
           "SQLite, AVAILABLE NOW\n",
           rows, (double)bytes / 1e6, files, now_s() - t0);

    weir *w = open_db(dir, "csv.db");
    char sql[1024];
    fmt(sql, sizeof sql,
             "CREATE SOURCE csv_in (k BIGINT, name TEXT, amount DOUBLE, ts TIMESTAMP) WITH (connector = 'file', "
             "path = '%s/csv', format = 'csv', header = 'true');",
             dir);
    run(w, sql, NULL);
    double c0 = cpu_s();
    t0 = now_s();
    run(w, "CREATE MATERIALIZED VIEW csv_counts AS SELECT k, COUNT(*) AS n FROM csv_in GROUP BY k "
           "TRIGGER AVAILABLE NOW;",
        NULL);
    wait_all(w);
    double t = now_s() - t0;
    double cpu = cpu_s() - c0;
    Capture c = {0};
    run(w, "SELECT COUNT(*), SUM(n) FROM csv_counts;", &c);
    char want[64];
    snprintf(want, sizeof want, "%lld", rows);
    if ((rows >= 100000 && strcmp(c.cells[0], "1000") != 0) || strcmp(c.cells[1], want) != 0)
        fprintf(stderr, "bench_stream: (b) wrong result: %s groups, %s rows (expected 1000, %s)\n", c.cells[0],
                c.cells[1], want);
    report("weir", rows, t, cpu, "(target >= 3.5 M rows/s; DuckDB 1 thread ~7 M rows/s as a batch query)");
    print_progress(w, "csv_counts");

    /*
    ** The same files with every column converted (the count above parses k
    ** only).  COUNT(ts) rather than MAX(ts): MIN/MAX keep every distinct
    ** value of a group as state (for retractions), which here would measure
    ** 2 M state entries, not parsing.
    */
    c0 = cpu_s();
    t0 = now_s();
    run(w, "CREATE MATERIALIZED VIEW csv_all AS SELECT k, COUNT(*) AS n, SUM(amount) AS total, MIN(name) AS first, "
           "COUNT(ts) AS stamps FROM csv_in GROUP BY k TRIGGER AVAILABLE NOW;",
        NULL);
    wait_all(w);
    t = now_s() - t0;
    cpu = cpu_s() - c0;
    report("weir", rows, t, cpu, "(every column parsed: SUM(amount), MIN(name), COUNT(ts) as well)");
    weir_close(w);

    /* Baseline: the sqlite3 CLI imports the same files and groups them. */
    char script[4096];
    fmt(script, sizeof script, "%s/import.sql", dir);
    FILE *s = fopen(script, "w");
    if (!s) die(script, strerror(errno));
    fprintf(s, "CREATE TABLE t (k INTEGER, name TEXT, amount REAL, ts TEXT);\n.mode csv\n");
    for (int f = 0; f < files; f++) fprintf(s, ".import --skip 1 %s/csv/part-%03d.csv t\n", dir, f);
    fprintf(s, "CREATE TABLE r AS SELECT k, COUNT(*) AS n FROM t GROUP BY k;\n"
               ".mode list\nSELECT COUNT(*) || ' ' || SUM(n) FROM r;\n");
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
    report("sqlite3", rows, t, -1, "(sqlite3 CLI: .import of the same files + GROUP BY, in memory)");
}

/* ------------------------------------------------------------------ (c) memory */

/*
** One child process: `rows` generator rows grouped into min(rows, 1 M)
** groups (k = sequence, GROUP BY k % 1000000), so rows beyond the first
** million update groups that exist.  Prints its figures and peak RSS.
*/
static void memory_child(const char *dir, long long rows, const char *db) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) die("fork", strerror(errno));
    if (pid == 0) {
        weir *w = open_db(dir, db);
        char sql[512];
        fmt(sql, sizeof sql,
            "CREATE SOURCE seq (k BIGINT, v BIGINT) WITH (connector = 'generator', rows = '%lld', pace = 'false');",
            rows);
        run(w, sql, NULL);
        double t0 = now_s();
        run(w, "CREATE MATERIALIZED VIEW groups AS SELECT k % 1000000 AS g, COUNT(*) AS n, SUM(v) AS total FROM seq "
               "GROUP BY k % 1000000;",
            NULL);
        wait_all(w);
        double t = now_s() - t0;
        Capture c = {0};
        run(w, "SELECT COUNT(*), SUM(n) FROM groups;", &c);
        printf("  %lld rows: weir %8.3f s %8.2f M rows/s   %s groups holding %s rows\n", rows, t,
               (double)rows / t / 1e6, c.cells[0], c.cells[1]);
        print_progress(w, "groups");
        fflush(stdout);
        weir_close(w);
        _exit(0);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) die("wait4", strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("(c)", "the child failed");
    printf("             peak RSS %.1f MB   (target < 200 MB)\n", (double)ru.ru_maxrss / 1024.0);
}

static void bench_memory(const char *dir, long long rows) {
    printf("\n(c) memory: GROUP BY over 1,000,000 groups (generator, k = sequence) -> SQLite UPDATE, in a child "
           "process each\n");
    memory_child(dir, 1000000, "mem1.db");   /* every group inserted once */
    if (rows > 1000000) memory_child(dir, rows, "mem2.db");  /* then updated by later batches */
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
    long long mem_rows = argc > 3 ? atoll(argv[3]) : 2000000LL;
    long long base_rows = argc > 4 ? atoll(argv[4]) : gen_rows;
    if (gen_rows < 1 || csv_rows < 20 || mem_rows < 1 || base_rows < 1) {
        fprintf(stderr, "usage: bench_stream [GEN_ROWS [CSV_ROWS [MEM_ROWS [BASELINE_ROWS]]]]\n");
        return 2;
    }
    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/weir-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) die("mkdtemp", strerror(errno));
    printf("weir %s streaming benchmark (single thread; results in %s)\n", WEIR_VERSION, dir);

    bench_memory(dir, mem_rows); /* first: fresh children, nothing else in their address space */
    bench_generator(dir, gen_rows, base_rows);
    bench_csv(dir, csv_rows);

    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
