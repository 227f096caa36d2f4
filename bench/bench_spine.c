/*
** Benchmark of the batch spine (issue: in-memory GROUP BY and filtered COUNT).
**
** Builds the same 10 M-row table (1,000 keys) in weir and in SQLite (the
** baseline, through its library: the same engine as the sqlite3 CLI), runs
** each query several times and prints the best time and rows/s of each
** engine side by side.  Usage: bench_spine [rows] [runs]
*/
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "weir.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

typedef struct {
    char first[64];
} Capture;

static void capture(void *ud, const weir_result *r) {
    Capture *c = ud;
    if (r->nrows > 0 && r->ncols > 0)
        snprintf(c->first, sizeof c->first, "%s", r->cells[0] ? r->cells[0] : "NULL");
}

static void die(const char *what, const char *msg) {
    fprintf(stderr, "bench: %s: %s\n", what, msg ? msg : "?");
    exit(1);
}

static double weir_run(weir *w, const char *sql, int runs, Capture *cap) {
    double best = 1e9;
    for (int i = 0; i < runs; i++) {
        char *err = NULL;
        double t0 = now_s();
        if (weir_exec(w, sql, "bench", capture, cap, &err)) die(sql, err);
        double t = now_s() - t0;
        if (t < best) best = t;
    }
    return best;
}

static double sqlite_run(sqlite3 *db, const char *sql, int runs, char *first) {
    double best = 1e9;
    for (int i = 0; i < runs; i++) {
        sqlite3_stmt *st;
        double t0 = now_s();
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) die(sql, sqlite3_errmsg(db));
        int first_row = 1;
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (first_row) {
                snprintf(first, 64, "%s", (const char *)sqlite3_column_text(st, 0));
                first_row = 0;
            }
        }
        sqlite3_finalize(st);
        double t = now_s() - t0;
        if (t < best) best = t;
    }
    return best;
}

int main(int argc, char **argv) {
    long rows = argc > 1 ? atol(argv[1]) : 10000000;
    int runs = argc > 2 ? atoi(argv[2]) : 3;
    const char *queries[] = {
        "SELECT k, SUM(v), COUNT(*) FROM big GROUP BY k",
        "SELECT COUNT(*) FROM big WHERE v < 10",
    };
    char sql[512], *err = NULL;

    weir *w;
    if (weir_open(":memory:", &w, &err)) die("open", err);
    snprintf(sql, sizeof sql,
             "CREATE TABLE big AS SELECT generate_series %% 1000 AS k, (generate_series * 7919) %% 100 AS v "
             "FROM generate_series(0, %ld);",
             rows - 1);
    double t0 = now_s();
    if (weir_exec(w, sql, "bench", NULL, NULL, &err)) die("load", err);
    printf("weir:   loaded %ld rows in %.2f s\n", rows, now_s() - t0);

    sqlite3 *db;
    sqlite3_open(":memory:", &db);
    sqlite3_exec(db, "CREATE TABLE big (k INTEGER, v INTEGER)", NULL, NULL, NULL);
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM s WHERE x < %ld) "
             "INSERT INTO big SELECT x %% 1000, (x * 7919) %% 100 FROM s",
             rows - 1);
    t0 = now_s();
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) die("sqlite load", sqlite3_errmsg(db));
    printf("sqlite: loaded %ld rows in %.2f s\n\n", rows, now_s() - t0);

    printf("%-50s %12s %14s %12s %14s\n", "query", "weir s", "weir rows/s", "sqlite s", "sqlite rows/s");
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        Capture cap = {{0}};
        char first[64] = {0};
        double tw = weir_run(w, queries[q], runs, &cap);
        double ts = sqlite_run(db, queries[q], runs, first);
        printf("%-50s %12.4f %14.0f %12.4f %14.0f\n", queries[q], tw, rows / tw, ts, rows / ts);
        if (q == 1 && strcmp(cap.first, first) != 0)
            die("results differ", cap.first);
    }
    sqlite3_close(db);
    weir_close(w);
    return 0;
}
