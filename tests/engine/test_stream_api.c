/*
** Tests of continuous queries through the embedding API (weir.h): file
** sources fed file by file, micro-batches run with manual triggers
** (weir_step) and checked table by table in APPEND / UPDATE / COMPLETE mode,
** restarts that resume from the checkpoint, incompatible plans, rejected
** records, on_error = 'fail', TRIGGER ONCE / AVAILABLE NOW with background
** threads and weir_wait, streaming SELECT, sinks, DROP of a running query.
*/
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>

#include "api_harness.h"

/* Write `text` to DIR/rel the way producers should: a dot-name first, then a rename. */
static void put_file(Fixture *f, const char *rel, const char *text) {
    char path[512], tmp[1100], dir[512];
    snprintf(path, sizeof path, "%s/%s", f->dir, rel);
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    *slash = 0;
    mkdir(dir, 0755);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, slash + 1);
    FILE *fp = fopen(tmp, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    assert_int_equal(rename(tmp, path), 0);
}

/* SQL with every "DIR" replaced by the test's directory (static buffer). */
static const char *sql_in(Fixture *f, const char *sql) {
    static char out[4096];
    size_t n = 0;
    for (const char *p = sql; *p && n + 200 < sizeof out;) {
        if (strncmp(p, "DIR", 3) == 0) {
            n += (size_t)snprintf(out + n, sizeof out - n, "%s", f->dir);
            p += 3;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = 0;
    return out;
}

static void okf(Fixture *f, const char *sql) { ok(f->w, sql_in(f, sql), NULL); }

/* The lines of `s` sorted (static buffer): batch changes come in no set order. */
static const char *sorted(const char *s) {
    static char out[8192];
    char buf[8192];
    snprintf(buf, sizeof buf, "%s", s ? s : "");
    char *lines[512];
    int n = 0;
    for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l && n < 512; l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(lines[j - 1], lines[j]) > 0; j--) {
            char *t = lines[j];
            lines[j] = lines[j - 1];
            lines[j - 1] = t;
        }
    out[0] = 0;
    for (int i = 0; i < n; i++) {
        if (i) strcat(out, "\n");
        strcat(out, lines[i]);
    }
    return out;
}

/* One weir_step of `q`: it must read `rows` input rows; its changes (sorted) must be `changes`. */
static void step(Fixture *f, const char *q, int64_t rows, const char *changes) {
    Capture c = {0};
    char *err = NULL;
    int64_t n = weir_step(f->w, q, capture, &c, &err);
    if (n < 0) fprintf(stderr, "step %s: %s\n", q, err ? err : "?");
    assert_int_equal(n, rows);
    assert_null(err);
    if (changes) {
        const char *got = sorted(c.rows ? c.rows : "");
        if (strcmp(got, changes) != 0) fprintf(stderr, "step %s\n  got:  [%s]\n  want: [%s]\n", q, got, changes);
        assert_string_equal(got, changes);
    }
    if (rows == 0) assert_int_equal(c.nresults, 0);   /* no batch, no result */
    capture_free(&c);
}

static void manual(Fixture *f) {
    char *err = NULL;
    assert_int_equal(weir_set_option(f->w, "manual_triggers", "true", &err), 0);
    assert_null(err);
}

static void reopen(Fixture *f) {
    weir_close(f->w);
    char *err = NULL;
    assert_int_equal(weir_open(f->db, &f->w, &err), 0);
}

static const char *SOURCE_EV =
    "CREATE SOURCE ev (k TEXT, v BIGINT) WITH (connector = 'file', path = 'DIR/in', format = 'csv', "
    "header = 'true');";

/* ------------------------------------------------------------ modes, step by step */

static void test_modes_step_by_step(void **state) {
    Fixture *f = *state;
    manual(f);
    okf(f, SOURCE_EV);
    mkdir(sql_in(f, "DIR/in"), 0755);
    ok(f->w, "CREATE MATERIALIZED VIEW app AS SELECT k, v FROM ev WHERE v > 0;", NULL);
    ok(f->w, "CREATE MATERIALIZED VIEW upd AS SELECT k, COUNT(*) AS n, SUM(v) AS total FROM ev GROUP BY k;", NULL);
    ok(f->w, "CREATE MATERIALIZED VIEW cpl AS SELECT k, MAX(v) AS mx FROM ev GROUP BY k EMIT COMPLETE;", NULL);
    Capture c = {0};
    ok(f->w, "SHOW MATERIALIZED VIEWS;", &c);
    assert_string_equal(c.header, "name|emit|status|query");
    assert_non_null(strstr(c.rows, "app|append|running|SELECT k, v FROM ev WHERE v > 0"));
    assert_non_null(strstr(c.rows, "upd|update|running|"));
    assert_non_null(strstr(c.rows, "cpl|complete|running|"));
    capture_free(&c);
    query(f->w, "SELECT * FROM app;", "");   /* the result tables exist at once */

    step(f, "app", 0, "");
    put_file(f, "in/001.csv", "k,v\na,1\nb,2\na,-3\n");
    step(f, "app", 3, "a|1|1\nb|2|1");
    step(f, "upd", 3, "a|2|-2|1\nb|1|2|1");
    step(f, "cpl", 3, "a|1|1\nb|2|1");
    query(f->w, "SELECT k, v FROM app ORDER BY k;", "a|1\nb|2");
    query(f->w, "SELECT k, n, total FROM upd ORDER BY k;", "a|2|-2\nb|1|2");
    query(f->w, "SELECT k, mx FROM cpl ORDER BY k;", "a|1\nb|2");

    put_file(f, "in/002.csv", "k,v\nb,5\nc,1\n");
    step(f, "app", 2, "b|5|1\nc|1|1");
    step(f, "upd", 2, "b|1|2|-1\nb|2|7|1\nc|1|1|1");
    step(f, "cpl", 2, "b|2|-1\nb|5|1\nc|1|1");
    step(f, "upd", 0, NULL);
    query(f->w, "SELECT k, v FROM app ORDER BY k, v;", "a|1\nb|2\nb|5\nc|1");
    query(f->w, "SELECT k, n, total FROM upd ORDER BY k;", "a|2|-2\nb|2|7\nc|1|1");
    query(f->w, "SELECT k, mx FROM cpl ORDER BY k;", "a|1\nb|5\nc|1");
    /* the step's result has the output columns and a weight */
    Capture s = {0};
    put_file(f, "in/003.csv", "k,v\nd,4\n");
    char *err = NULL;
    assert_int_equal(weir_step(f->w, "upd", capture, &s, &err), 1);
    assert_string_equal(s.header, "k|n|total|weight");
    assert_string_equal(s.types, "TEXT|BIGINT|BIGINT|BIGINT");
    capture_free(&s);

    /* progress: SHOW QUERIES and weir_progress */
    ok(f->w, "SHOW QUERIES;", &c);
    assert_string_equal(c.header,
                        "name|status|batches|input_rows|rows_per_s|last_batch_ms|state_rows|rejects|watermark|"
                        "last_error");
    assert_non_null(strstr(c.rows, "app|running|2|5|"));
    assert_non_null(strstr(c.rows, "upd|running|3|6|"));
    assert_non_null(strstr(c.rows, "|0|NULL|NULL"));
    capture_free(&c);
    query(f->w, "SELECT query, batch_id, input_rows, rejects, late_rows, watermark FROM weir_progress "
                "ORDER BY query, batch_id;",
          "app|1|3|0|0|NULL\napp|2|2|0|0|NULL\ncpl|1|3|0|0|NULL\ncpl|2|2|0|0|NULL\n"
          "upd|1|3|0|0|NULL\nupd|2|2|0|0|NULL\nupd|3|1|0|0|NULL");
    query(f->w, "SELECT state_rows FROM weir_progress WHERE query = 'upd' ORDER BY batch_id;", "2\n3\n4");
    /* types in the SQLite file follow CONTRACT §2 */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT typeof(k), typeof(n), typeof(total) FROM upd LIMIT 1", -1, &st,
                                        NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "text");
    assert_string_equal((const char *)sqlite3_column_text(st, 1), "integer");
    assert_string_equal((const char *)sqlite3_column_text(st, 2), "integer");
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* ------------------------------------------------------------ restart */

static void test_restart_resumes(void **state) {
    Fixture *f = *state;
    static const char *views =
        "CREATE MATERIALIZED VIEW app AS SELECT k, v FROM ev;"
        "CREATE MATERIALIZED VIEW upd AS SELECT k, COUNT(*) AS n, SUM(v) AS total FROM ev GROUP BY k;";
    manual(f);
    okf(f, SOURCE_EV);
    put_file(f, "in/001.csv", "k,v\na,1\nb,2\na,3\n");
    ok(f->w, views, NULL);
    step(f, "app", 3, NULL);
    step(f, "upd", 3, NULL);
    put_file(f, "in/002.csv", "k,v\nb,10\n");
    step(f, "upd", 1, NULL);   /* app has not read 002 yet */

    reopen(f);
    manual(f);
    okf(f, SOURCE_EV);
    ok(f->w, views, NULL);
    query(f->w, "SELECT k, n, total FROM upd ORDER BY k;", "a|2|4\nb|2|12");
    step(f, "upd", 0, "");
    step(f, "app", 1, "b|10|1");   /* app resumes after 001: no duplicates */
    put_file(f, "in/003.csv", "k,v\na,100\nc,7\n");
    step(f, "upd", 2, "a|2|4|-1\na|3|104|1\nc|1|7|1");   /* the counts carry on from the saved state */
    step(f, "app", 2, NULL);
    query(f->w, "SELECT k, v FROM app ORDER BY k, v;", "a|1\na|3\na|100\nb|2\nb|10\nc|7");
    query(f->w, "SELECT k, n, total FROM upd ORDER BY k;", "a|3|104\nb|2|12\nc|1|7");
    query(f->w, "SELECT batch_id FROM weir_progress WHERE query = 'upd' ORDER BY batch_id;", "1\n2\n3");
    query(f->w, "SELECT name, status, batches FROM weir_queries ORDER BY name;", "app|running|3\nupd|running|3");

    /* closing records the status; the row stays for the next run */
    reopen(f);
    query(f->w, "SELECT name, status FROM weir_queries ORDER BY name;", "app|stopped\nupd|stopped");
    query(f->w, "SELECT k, n FROM upd ORDER BY k;", "a|3\nb|2\nc|1");   /* readable without the query */
}

static void test_incompatible_plan(void **state) {
    Fixture *f = *state;
    manual(f);
    okf(f, SOURCE_EV);
    put_file(f, "in/001.csv", "k,v\na,1\n");
    ok(f->w, "CREATE MATERIALIZED VIEW m AS SELECT k, COUNT(*) AS n FROM ev GROUP BY k;", NULL);
    step(f, "m", 1, NULL);
    reopen(f);
    manual(f);
    okf(f, SOURCE_EV);
    fails(f->w, "CREATE MATERIALIZED VIEW m AS SELECT k, SUM(v) AS n FROM ev GROUP BY k;",
          "test.sql:1:1: error: query \"m\" exists in the results database with a different plan; "
          "DROP MATERIALIZED VIEW m to start over");
    fails(f->w, "CREATE MATERIALIZED VIEW m AS SELECT k, COUNT(*) AS n FROM ev GROUP BY k EMIT COMPLETE;",
          "with a different plan");
    query(f->w, "SELECT k, n FROM m;", "a|1");   /* refused: nothing changed */
    ok(f->w, "DROP MATERIALIZED VIEW m;", NULL);
    query(f->w, "SELECT count(*) FROM weir_queries;", "0");
    query(f->w, "SELECT count(*) FROM weir_offsets;", "0");
    query(f->w, "SELECT count(*) FROM weir_state;", "0");
    ok(f->w, "CREATE MATERIALIZED VIEW m AS SELECT k, SUM(v) AS n FROM ev GROUP BY k;", NULL);
    step(f, "m", 1, "a|1|1");   /* started over: the file is read again */
    /* a checkpoint of a sink is dropped with DROP SINK, also from a later session */
    ok(f->w, "CREATE SINK s WITH (connector = 'sqlite', table = 's_out') AS SELECT k FROM ev;", NULL);
    reopen(f);
    query(f->w, "SELECT name FROM weir_queries ORDER BY name;", "m\ns");
    fails(f->w, "DROP SINK m;", "\"m\" is a table, not a sink");
    ok(f->w, "DROP SINK s;", NULL);
    query(f->w, "SELECT name FROM weir_queries ORDER BY name;", "m");
    fails(f->w, "DROP SINK s;", "sink \"s\" does not exist");
}

/* ------------------------------------------------------------ bad input */

static void test_rejects_and_fail(void **state) {
    Fixture *f = *state;
    manual(f);
    okf(f, SOURCE_EV);
    okf(f, "CREATE SOURCE strict (k TEXT, v BIGINT) WITH (connector = 'file', path = 'DIR/in', format = 'csv', "
           "header = 'true', on_error = 'fail');");
    put_file(f, "in/001.csv", "k,v\na,1\nb,x\nc,3\n");
    ok(f->w, "CREATE MATERIALIZED VIEW m AS SELECT k, v FROM ev;", NULL);
    step(f, "m", 2, "a|1|1\nc|3|1");
    char want[512];
    snprintf(want, sizeof want, "m|ev|%s/in/001.csv:3|b,x|true|true", f->dir);
    query(f->w, "SELECT query, source, location, record, error LIKE '%\"x\"%', at IS NOT NULL FROM weir_rejects;",
          want);
    query(f->w, "SELECT rejects FROM weir_progress WHERE query = 'm';", "1");

    ok(f->w, "CREATE MATERIALIZED VIEW s AS SELECT k, v FROM strict;", NULL);
    Capture c = {0};
    char *err = NULL;
    assert_int_equal(weir_step(f->w, "s", capture, &c, &err), -1);
    assert_non_null(err);
    snprintf(want, sizeof want, "%s/in/001.csv:3", f->dir);
    if (!strstr(err, want)) fprintf(stderr, "got [%s]\n", err);
    assert_non_null(strstr(err, want));
    weir_free(err);
    capture_free(&c);
    query(f->w, "SELECT count(*) FROM s;", "0");   /* rolled back */
    ok(f->w, "SHOW QUERIES;", &c);
    assert_non_null(strstr(c.rows, "s|failed|0|0|"));
    assert_non_null(strstr(c.rows, want));
    capture_free(&c);
    query(f->w, "SELECT status, last_error LIKE '%001.csv:3%' FROM weir_queries WHERE name = 's';", "failed|true");
    /* weir_wait reports the failure */
    err = NULL;
    assert_int_equal(weir_wait(f->w, &err), -1);
    assert_non_null(strstr(err, "error: query \"s\" failed: "));
    weir_free(err);
}

/* ------------------------------------------------------------ triggers, threads */

static void wait_ok(Fixture *f) {
    char *err = NULL;
    int rc = weir_wait(f->w, &err);
    if (rc) fprintf(stderr, "weir_wait: %s\n", err ? err : "?");
    assert_int_equal(rc, 0);
    weir_free(err);
}

static void test_once_and_available_now(void **state) {
    Fixture *f = *state;
    okf(f, "CREATE SOURCE ev (k TEXT) WITH (connector = 'file', path = 'DIR/in', format = 'csv', "
           "max_files_per_trigger = '1');");
    put_file(f, "in/001.csv", "a\n");
    put_file(f, "in/002.csv", "b\n");
    put_file(f, "in/003.csv", "a\n");
    ok(f->w, "CREATE MATERIALIZED VIEW an AS SELECT k, COUNT(*) AS n FROM ev GROUP BY k TRIGGER AVAILABLE NOW;",
       NULL);
    ok(f->w, "CREATE MATERIALIZED VIEW o1 AS SELECT k FROM ev TRIGGER ONCE;", NULL);
    wait_ok(f);
    query(f->w, "SELECT k, n FROM an ORDER BY k;", "a|2\nb|1");
    query(f->w, "SELECT input_rows FROM weir_progress WHERE query = 'an' ORDER BY batch_id;", "1\n1\n1");
    query(f->w, "SELECT count(*) FROM o1;", "3");
    query(f->w, "SELECT input_rows FROM weir_progress WHERE query = 'o1';", "3");
    Capture c = {0};
    ok(f->w, "SHOW QUERIES;", &c);
    assert_non_null(strstr(c.rows, "an|finished|3|3|"));
    assert_non_null(strstr(c.rows, "o1|finished|1|3|"));
    capture_free(&c);
    query(f->w, "SELECT name, status FROM weir_queries ORDER BY name;", "an|finished\no1|finished");
    /* a second wait returns at once */
    wait_ok(f);
}

static void test_bounded_source_and_interval(void **state) {
    Fixture *f = *state;
    put_file(f, "in/001.csv", "a\nb\n");
    put_file(f, "in/002.csv", "a\n");
    okf(f, "CREATE SOURCE fixed (k TEXT) WITH (connector = 'file', path = 'DIR/in', format = 'csv', "
           "bounded = 'true', max_files_per_trigger = '1');");
    ok(f->w, "CREATE MATERIALIZED VIEW d AS SELECT k, COUNT(*) AS n FROM fixed GROUP BY k;", NULL);
    ok(f->w, "CREATE MATERIALIZED VIEW t AS SELECT k FROM fixed TRIGGER INTERVAL '200' MILLISECOND;", NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    wait_ok(f);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(took >= 0.35);   /* t: batches at 0 and 200 ms, the end seen at 400 ms */
    query(f->w, "SELECT k, n FROM d ORDER BY k;", "a|2\nb|1");
    query(f->w, "SELECT count(*) FROM t;", "3");
    query(f->w, "SELECT count(*) FROM weir_progress WHERE query = 't';", "2");
}

/* ------------------------------------------------------------ streaming SELECT */

static void test_streaming_select(void **state) {
    Fixture *f = *state;
    put_file(f, "in/001.csv", "a,1\nb,2\n");
    put_file(f, "in/002.csv", "a,3\n");
    okf(f, "CREATE SOURCE fixed (k TEXT, v BIGINT) WITH (connector = 'file', path = 'DIR/in', format = 'csv', "
           "bounded = 'true', max_files_per_trigger = '1');");
    Capture c = {0};
    ok(f->w, "SELECT k, v FROM fixed WHERE v > 1;", &c);
    assert_int_equal(c.nresults, 2);   /* one result per micro-batch */
    assert_string_equal(c.header, "k|v");
    assert_string_equal(c.rows, "a|3");
    capture_free(&c);
    ok(f->w, "SELECT k, COUNT(*) AS n FROM fixed GROUP BY k;", &c);
    assert_int_equal(c.nresults, 2);
    assert_string_equal(c.header, "k|n|weight");
    assert_string_equal(sorted(c.rows), "a|1|-1\na|2|1");
    capture_free(&c);
    ok(f->w, "SELECT k, COUNT(*) AS n FROM fixed GROUP BY k EMIT COMPLETE;", &c);
    assert_string_equal(c.header, "k|n");
    assert_string_equal(sorted(c.rows), "a|2\nb|1");
    capture_free(&c);
    /* a SELECT keeps no checkpoint and does not appear among the queries */
    query(f->w, "SELECT count(*) FROM weir_queries;", "0");
    query(f->w, "SHOW QUERIES;", "");
    /* an interrupted streaming SELECT over an unbounded source ends quietly */
    okf(f, "CREATE SOURCE open_ev (k TEXT, v BIGINT) WITH (connector = 'file', path = 'DIR/in', format = 'csv');");
    c.interrupt = f->w;   /* the first batch's result interrupts */
    ok(f->w, "SELECT k FROM open_ev;", &c);
    assert_int_equal(c.nresults, 1);
    capture_free(&c);
}

/* ------------------------------------------------------------ DROP of a running query */

static void test_drop_running_query(void **state) {
    Fixture *f = *state;
    okf(f, SOURCE_EV);
    put_file(f, "in/001.csv", "k,v\na,1\n");
    ok(f->w, "CREATE MATERIALIZED VIEW m AS SELECT k, COUNT(*) AS n FROM ev GROUP BY k;", NULL);
    Capture c = {0};
    for (int i = 0; i < 500; i++) {   /* the query runs by itself: wait for its first batch */
        ok(f->w, "SELECT count(*) FROM m;", &c);
        if (strcmp(c.rows, "1") == 0) break;
        usleep(10000);
    }
    assert_string_equal(c.rows, "1");
    capture_free(&c);
    put_file(f, "in/002.csv", "k,v\na,1\n");
    for (int i = 0; i < 500; i++) {   /* new files are picked up while it runs */
        ok(f->w, "SELECT n FROM m;", &c);
        if (strcmp(c.rows, "2") == 0) break;
        usleep(10000);
    }
    assert_string_equal(c.rows, "2");
    capture_free(&c);
    char *err = NULL;
    assert_int_equal(weir_step(f->w, "m", NULL, NULL, &err), -1);
    assert_non_null(strstr(err, "runs by itself"));
    weir_free(err);
    ok(f->w, "DROP MATERIALIZED VIEW m;", NULL);
    fails(f->w, "SELECT * FROM m;", "\"m\" does not exist");
    query(f->w, "SELECT count(*) FROM weir_queries;", "0");
    query(f->w, "SHOW QUERIES;", "");
    manual(f);
    ok(f->w, "CREATE MATERIALIZED VIEW m AS SELECT k, COUNT(*) AS n FROM ev GROUP BY k;", NULL);
    step(f, "m", 2, "a|2|1");   /* started over */
}

/* ------------------------------------------------------------ sinks, joins, refusals */

static int count_files(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void test_sinks(void **state) {
    Fixture *f = *state;
    manual(f);
    okf(f, SOURCE_EV);
    put_file(f, "in/001.csv", "k,v\na,1\nb,2\n");
    ok(f->w, "CREATE SINK s1 WITH (connector = 'sqlite', table = 's1_out') AS SELECT k, v FROM ev;", NULL);
    okf(f, "CREATE SINK s2 WITH (connector = 'sqlite', path = 'DIR/other.db', 'table' = 'agg') AS "
           "SELECT k, SUM(v) AS t FROM ev GROUP BY k;");
    okf(f, "CREATE SINK s3 WITH (connector = 'file', path = 'DIR/out', format = 'csv') AS "
           "SELECT k, COUNT(*) AS n FROM ev GROUP BY k EMIT COMPLETE;");
    step(f, "s1", 2, "a|1|1\nb|2|1");
    step(f, "s2", 2, NULL);
    step(f, "s3", 2, NULL);
    query(f->w, "SELECT k, v FROM s1_out ORDER BY k;", "a|1\nb|2");
    query(f->w, "SHOW SINKS;",
          "s1|sqlite|SELECT k, v FROM ev\ns2|sqlite|SELECT k, SUM(v) AS t FROM ev GROUP BY k\n"
          "s3|file|SELECT k, COUNT(*) AS n FROM ev GROUP BY k EMIT COMPLETE");
    char path[256];
    snprintf(path, sizeof path, "%s/other.db", f->dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT group_concat(k || '=' || t) FROM (SELECT * FROM agg ORDER BY k)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "a=1,b=2");
    sqlite3_finalize(st);
    sqlite3_close(db);
    snprintf(path, sizeof path, "%s/out", f->dir);
    assert_int_equal(count_files(path), 1);   /* one file per micro-batch */
    ok(f->w, "DROP SINK s1;", NULL);
    query(f->w, "SELECT k FROM s1_out ORDER BY k;", "a\nb");   /* a sink's table is the user's */
    fails(f->w, "CREATE SINK s4 WITH (connector = 'sqlite', 'table' = 'x') AS SELECT k FROM ev TRIGGER CONTINUOUS;",
          "TRIGGER CONTINUOUS is not supported yet");
    fails(f->w, "CREATE SINK s4 WITH (connector = 'console') AS SELECT 1 AS one;", "reads no source");
}

static void test_stream_static_join(void **state) {
    Fixture *f = *state;
    manual(f);
    okf(f, SOURCE_EV);
    mkdir(sql_in(f, "DIR/in"), 0755);
    ok(f->w, "CREATE TABLE dim (k TEXT, label TEXT); INSERT INTO dim VALUES ('a', 'Alpha'), ('b', 'Beta');", NULL);
    ok(f->w,
       "CREATE MATERIALIZED VIEW j AS SELECT d.label, COUNT(*) AS n FROM ev e JOIN dim d ON e.k = d.k "
       "GROUP BY d.label;",
       NULL);
    put_file(f, "in/001.csv", "k,v\na,1\nb,2\nz,3\na,4\n");
    step(f, "j", 4, "Alpha|2|1\nBeta|1|1");
    query(f->w, "SELECT label, n FROM j ORDER BY label;", "Alpha|2\nBeta|1");
}

static void test_api_errors(void **state) {
    Fixture *f = *state;
    char *err = NULL;
    assert_int_equal(weir_set_option(f->w, "colour", "red", &err), -1);
    assert_non_null(strstr(err, "unknown option \"colour\""));
    weir_free(err);
    assert_int_equal(weir_set_option(f->w, "manual_triggers", "maybe", &err), -1);
    assert_non_null(strstr(err, "must be 'true' or 'false'"));
    weir_free(err);
    assert_int_equal(weir_step(f->w, "nothing", NULL, NULL, &err), -1);
    assert_non_null(strstr(err, "no continuous query named \"nothing\""));
    weir_free(err);
    assert_int_equal(weir_wait(f->w, &err), 0);   /* nothing to wait for */
    weir_stop(f->w);
    assert_int_equal(weir_wait(f->w, &err), 0);
    /* after a stop has been waited for, new queries run again */
    manual(f);
    okf(f, SOURCE_EV);
    put_file(f, "in/001.csv", "k,v\na,1\n");
    fails(f->w, "CREATE MATERIALIZED VIEW m AS SELECT k FROM ev TRIGGER CONTINUOUS;",
          "test.sql:1:48: error: TRIGGER CONTINUOUS is not supported yet");
    ok(f->w, "CREATE MATERIALIZED VIEW m AS SELECT k FROM ev;", NULL);
    step(f, "m", 1, "a|1");
}

/* ------------------------------------------------------------ event time */

static const char *SOURCE_WORDS =
    "CREATE SOURCE words (ts TIMESTAMP, word TEXT, WATERMARK FOR ts AS ts - INTERVAL '10' MINUTE) "
    "WITH (connector = 'file', path = 'DIR/in', format = 'csv', late = 'keep');";
static const char *VIEW_WC =
    "CREATE MATERIALIZED VIEW wc AS SELECT window_start, window_end, word, COUNT(*) AS n "
    "FROM TUMBLE(words, ts, INTERVAL '10' MINUTE) GROUP BY window_start, window_end, word;";

/* The watermark column of SHOW QUERIES for query `name` (static buffer). */
static const char *shown_watermark(Fixture *f, const char *name) {
    static char out[64];
    Capture c = {0};
    ok(f->w, "SHOW QUERIES;", &c);
    out[0] = 0;
    char *save = NULL;
    for (char *line = strtok_r(c.rows, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *cells[10];
        int n = 0;
        for (char *p = line; n < 10; n++) {
            cells[n] = p;
            char *bar = strchr(p, '|');
            if (!bar) {
                n++;
                break;
            }
            *bar = 0;
            p = bar + 1;
        }
        if (n >= 9 && strcmp(cells[0], name) == 0) snprintf(out, sizeof out, "%s", cells[8]);
    }
    capture_free(&c);
    return out;
}

/*
** A windowed aggregation over a watermarked source defaults to EMIT APPEND:
** each window is written once, in the batch after which the watermark passes
** its end; a late row is counted and kept in weir_late (late = 'keep'); the
** watermark shows in SHOW QUERIES and weir_progress and survives a restart.
*/
static void test_event_time_append(void **state) {
    Fixture *f = *state;
    manual(f);
    okf(f, SOURCE_WORDS);
    mkdir(sql_in(f, "DIR/in"), 0755);
    ok(f->w, VIEW_WC, NULL);
    Capture c = {0};
    ok(f->w, "SHOW MATERIALIZED VIEWS;", &c);
    assert_non_null(strstr(c.rows, "wc|append|running|"));
    capture_free(&c);
    assert_string_equal(shown_watermark(f, "wc"), "NULL");

    put_file(f, "in/001.csv", "2024-01-01 12:02:00,dog\n2024-01-01 12:07:00,owl\n");
    step(f, "wc", 2, "");                       /* watermark 11:57: nothing final */
    assert_string_equal(shown_watermark(f, "wc"), "2024-01-01 11:57:00");
    put_file(f, "in/002.csv", "2024-01-01 12:21:00,dog\n");
    step(f, "wc", 1,
         "2024-01-01 12:00:00|2024-01-01 12:10:00|dog|1|1\n2024-01-01 12:00:00|2024-01-01 12:10:00|owl|1|1");
    put_file(f, "in/003.csv", "2024-01-01 12:05:00,cat\n2024-01-01 12:24:00,cat\n");
    step(f, "wc", 2, "");                       /* cat at 12:05 is late: [12:00, 12:10) is final */
    query(f->w, "SELECT batch_id, input_rows, watermark, late_rows FROM weir_progress WHERE query = 'wc' "
                "ORDER BY batch_id;",
          "1|2|2024-01-01 11:57:00|0\n2|1|2024-01-01 12:11:00|0\n3|2|2024-01-01 12:14:00|1");
    query(f->w, "SELECT query, window_start, window_end, record LIKE '%12:05:00%cat%' FROM weir_late;",
          "wc|2024-01-01 12:00:00|2024-01-01 12:10:00|true");
    query(f->w, "SELECT word, n FROM wc ORDER BY word;", "dog|1\nowl|1");

    /* a new session resumes the query with its watermark and its open windows */
    reopen(f);
    manual(f);
    okf(f, SOURCE_WORDS);
    ok(f->w, VIEW_WC, NULL);
    assert_string_equal(shown_watermark(f, "wc"), "2024-01-01 12:14:00");
    put_file(f, "in/004.csv", "2024-01-01 12:40:00,dog\n2024-01-01 12:10:00,owl\n");
    step(f, "wc", 2,
         "2024-01-01 12:10:00|2024-01-01 12:20:00|owl|1|1\n2024-01-01 12:20:00|2024-01-01 12:30:00|cat|1|1\n"
         "2024-01-01 12:20:00|2024-01-01 12:30:00|dog|1|1");
    assert_string_equal(shown_watermark(f, "wc"), "2024-01-01 12:30:00");
    query(f->w, "SELECT window_start, word, n FROM wc ORDER BY window_start, word;",
          "2024-01-01 12:00:00|dog|1\n2024-01-01 12:00:00|owl|1\n2024-01-01 12:10:00|owl|1\n"
          "2024-01-01 12:20:00|cat|1\n2024-01-01 12:20:00|dog|1");
    /* EMIT APPEND said explicitly is the same query; EMIT UPDATE is another plan */
    reopen(f);
    manual(f);
    okf(f, SOURCE_WORDS);
    ok(f->w,
       "CREATE MATERIALIZED VIEW wc AS SELECT window_start, window_end, word, COUNT(*) AS n "
       "FROM TUMBLE(words, ts, INTERVAL '10' MINUTE) GROUP BY window_start, window_end, word EMIT APPEND;",
       NULL);
    step(f, "wc", 0, "");
}

/* UPDATE over windows writes changed windows each batch; final ones are evicted, their rows stay. */
static void test_event_time_update(void **state) {
    Fixture *f = *state;
    manual(f);
    okf(f, SOURCE_WORDS);
    mkdir(sql_in(f, "DIR/in"), 0755);
    ok(f->w,
       "CREATE MATERIALIZED VIEW u AS SELECT window_start, word, COUNT(*) AS n "
       "FROM TUMBLE(words, ts, INTERVAL '10' MINUTE) GROUP BY window_start, word EMIT UPDATE;",
       NULL);
    put_file(f, "in/001.csv", "2024-01-01 12:02:00,dog\n");
    step(f, "u", 1, "2024-01-01 12:00:00|dog|1|1");
    put_file(f, "in/002.csv", "2024-01-01 12:03:00,dog\n2024-01-01 12:31:00,dog\n");
    step(f, "u", 2, "2024-01-01 12:00:00|dog|1|-1\n2024-01-01 12:00:00|dog|2|1\n2024-01-01 12:30:00|dog|1|1");
    put_file(f, "in/003.csv", "2024-01-01 12:04:00,dog\n");   /* late: its window is final */
    step(f, "u", 1, "");
    query(f->w, "SELECT window_start, n FROM u ORDER BY window_start;",
          "2024-01-01 12:00:00|2\n2024-01-01 12:30:00|1");
    query(f->w, "SELECT late_rows FROM weir_progress WHERE query = 'u' ORDER BY batch_id;", "0\n0\n1");
    query(f->w, "SELECT state_rows FROM weir_progress WHERE query = 'u' ORDER BY batch_id DESC LIMIT 1;", "1");
}

/*
** A bounded input ends the query: its watermark becomes +infinity and every
** window is written.  TRIGGER ONCE does not end an unbounded source: the
** windows still open wait for the next run.
*/
static void test_event_time_end_of_input(void **state) {
    Fixture *f = *state;
    put_file(f, "in/001.csv", "2024-01-01 12:02:00,dog\n2024-01-01 12:17:00,owl\n");
    put_file(f, "in/002.csv", "2024-01-01 12:31:00,dog\n");
    okf(f, "CREATE SOURCE fixed (ts TIMESTAMP, word TEXT, WATERMARK FOR ts AS ts - INTERVAL '10' MINUTE) "
           "WITH (connector = 'file', path = 'DIR/in', format = 'csv', bounded = 'true', "
           "max_files_per_trigger = '1');");
    okf(f, "CREATE SOURCE open_words (ts TIMESTAMP, word TEXT, WATERMARK FOR ts AS ts - INTERVAL '10' MINUTE) "
           "WITH (connector = 'file', path = 'DIR/in', format = 'csv');");
    ok(f->w,
       "CREATE MATERIALIZED VIEW b AS SELECT window_start, COUNT(*) AS n FROM TUMBLE(fixed, ts, INTERVAL '10' "
       "MINUTE) GROUP BY window_start;",
       NULL);
    ok(f->w,
       "CREATE MATERIALIZED VIEW o AS SELECT window_start, COUNT(*) AS n FROM TUMBLE(open_words, ts, INTERVAL '10' "
       "MINUTE) GROUP BY window_start TRIGGER ONCE;",
       NULL);
    wait_ok(f);
    query(f->w, "SELECT window_start, n FROM b ORDER BY window_start;",
          "2024-01-01 12:00:00|1\n2024-01-01 12:10:00|1\n2024-01-01 12:30:00|1");
    query(f->w, "SELECT batch_id, watermark FROM weir_progress WHERE query = 'b' ORDER BY batch_id;",
          "1|2024-01-01 12:07:00\n2|9999-12-31 23:59:59.999999");
    query(f->w, "SELECT name, status FROM weir_queries ORDER BY name;", "b|finished\no|finished");
    Capture c = {0};
    ok(f->w, "SHOW QUERIES;", &c);
    assert_non_null(strstr(c.rows, "|9999-12-31 23:59:59.999999|"));
    capture_free(&c);
    /* ONCE: the watermark is 12:21, the window of 12:30 waits */
    query(f->w, "SELECT window_start, n FROM o ORDER BY window_start;",
          "2024-01-01 12:00:00|1\n2024-01-01 12:10:00|1");
    query(f->w, "SELECT watermark FROM weir_progress WHERE query = 'o';", "2024-01-01 12:21:00");
    put_file(f, "in/003.csv", "2024-01-01 12:55:00,cat\n");   /* 12:45 passes the end of 12:30's window */
    reopen(f);   /* the next run of the script */
    okf(f, "CREATE SOURCE fixed (ts TIMESTAMP, word TEXT, WATERMARK FOR ts AS ts - INTERVAL '10' MINUTE) "
           "WITH (connector = 'file', path = 'DIR/in', format = 'csv', bounded = 'true', "
           "max_files_per_trigger = '1');");
    okf(f, "CREATE SOURCE open_words (ts TIMESTAMP, word TEXT, WATERMARK FOR ts AS ts - INTERVAL '10' MINUTE) "
           "WITH (connector = 'file', path = 'DIR/in', format = 'csv');");
    ok(f->w,
       "CREATE MATERIALIZED VIEW o AS SELECT window_start, COUNT(*) AS n FROM TUMBLE(open_words, ts, INTERVAL '10' "
       "MINUTE) GROUP BY window_start TRIGGER ONCE;",
       NULL);
    wait_ok(f);
    query(f->w, "SELECT window_start, n FROM o ORDER BY window_start;",
          "2024-01-01 12:00:00|1\n2024-01-01 12:10:00|1\n2024-01-01 12:30:00|1");

    /* a streaming SELECT over the bounded source prints each window once */
    ok(f->w,
       "SELECT window_start, COUNT(*) AS n FROM TUMBLE(fixed, ts, INTERVAL '10' MINUTE) GROUP BY window_start "
       "EMIT APPEND;",
       &c);
    assert_string_equal(c.header, "window_start|n");
    assert_int_equal(c.nresults, 3);   /* a batch per file, the last one brings the end of the input */
    assert_string_equal(c.rows, "2024-01-01 12:30:00|1\n2024-01-01 12:50:00|1");
    capture_free(&c);
}

static void test_event_time_options(void **state) {
    Fixture *f = *state;
    manual(f);
    fails(f->w,
          "CREATE SOURCE x (ts TIMESTAMP) WITH (connector = 'file', path = 'x', format = 'csv', "
          "max_future = '1 hour');",
          "test.sql:1:86: error: option \"max_future\" needs a WATERMARK");
    fails(f->w,
          "CREATE SOURCE x (ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'file', path = 'x', "
          "format = 'csv', late = 'later');",
          "option \"late\" must be 'drop' or 'keep', not 'later'");
    fails(f->w,
          "CREATE SOURCE x (ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'generator', "
          "max_future = 'tomorrow');",
          "option \"max_future\" must be an interval");
    ok(f->w,
       "CREATE SOURCE g (ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'generator', late = 'keep', "
       "max_future = '2 hours', rows = '3', start = '2024-01-01 00:00:00');",
       NULL);
    query(f->w, "SELECT count(*) FROM (SELECT ts FROM g) t;", "3|1");   /* the connector never sees them */

    /* max_future: a row from a clock in the future is rejected, and does not move the watermark */
    okf(f, "CREATE SOURCE fut (ts TIMESTAMP, word TEXT, WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE) "
           "WITH (connector = 'file', path = 'DIR/in', format = 'csv', max_future = '1 hour');");
    put_file(f, "in/001.csv", "2024-01-01 12:07:00,dog\n2999-01-01 00:00:00,cat\n2024-01-01 12:30:00,owl\n");
    ok(f->w, "CREATE MATERIALIZED VIEW m AS SELECT word FROM fut;", NULL);
    step(f, "m", 3, "dog|1\nowl|1");
    /* located like a bad record (CONTRACT §7): the file and line of the record */
    query(f->w, "SELECT source, location, record, error FROM weir_rejects;",
          sql_in(f, "fut|DIR/in/001.csv:2|2999-01-01 00:00:00,cat|event time 2999-01-01 00:00:00 is more than "
                    "01:00:00 ahead of the clock"));
    query(f->w, "SELECT watermark, rejects FROM weir_progress WHERE query = 'm';", "2024-01-01 12:29:00|1");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_modes_step_by_step, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_resumes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incompatible_plan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejects_and_fail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_once_and_available_now, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded_source_and_interval, setup, teardown),
        cmocka_unit_test_setup_teardown(test_streaming_select, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_running_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sinks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_static_join, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_time_append, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_time_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_time_end_of_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_time_options, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
