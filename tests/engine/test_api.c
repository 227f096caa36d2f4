/*
** Tests of the embedding API (weir.h): sessions, every statement family,
** result sets, and error messages with their positions.
**
** Each test opens a session on a fresh results database in a temporary
** directory.  Results are captured as text: the rows of the last result set
** joined with '\n', cells with '|', SQL NULL as "NULL", so expectations read
** like the tables the shell prints.
*/
#include "api_harness.h"

/* ------------------------------------------------------------ tests */

static void test_select_constants(void **state) {
    Fixture *f = *state;
    Capture c = {0};
    ok(f->w, "SELECT 1 AS a, 'x' AS b, NULL AS n, 2.5 AS d, true AS t;", &c);
    assert_int_equal(c.nresults, 1);
    assert_int_equal(c.ncols, 5);
    assert_int_equal(c.nrows, 1);
    assert_string_equal(c.header, "a|b|n|d|t");
    assert_string_equal(c.rows, "1|x|NULL|2.5|true");
    assert_true(c.null_seen);   /* SQL NULL is a NULL pointer, not the text "NULL" */
    assert_true(strncmp(c.types, "BIGINT|TEXT|", 12) == 0);
    capture_free(&c);
}

static void test_several_statements_several_results(void **state) {
    Fixture *f = *state;
    Capture c = {0};
    ok(f->w, "SELECT 1 AS a; SELECT 2 AS b;\n-- trailing comment\n", &c);
    assert_int_equal(c.nresults, 2);
    assert_string_equal(c.header, "b");
    assert_string_equal(c.rows, "2");
    capture_free(&c);
    ok(f->w, "", NULL);
    ok(f->w, "  -- nothing but a comment\n", NULL);
}

static void test_table_insert_select(void **state) {
    Fixture *f = *state;
    ok(f->w, "CREATE TABLE t (k BIGINT, name TEXT, v DOUBLE);", NULL);
    ok(f->w, "INSERT INTO t VALUES (1, 'a', 1.5), (2, 'b', NULL), (3, NULL, 3);", NULL);
    query(f->w, "SELECT k, name, v FROM t ORDER BY k;", "1|a|1.5\n2|b|NULL\n3|NULL|3.0");
    /* a column list: the others are NULL; values are cast to the column type */
    ok(f->w, "INSERT INTO t (name, k) VALUES ('d', '4');", NULL);
    query(f->w, "SELECT k, name, v FROM t WHERE k = 4;", "4|d|NULL");
    /* every column must get a value unless a column list says which */
    fails(f->w, "INSERT INTO t VALUES (5);", "INSERT has more target columns than expressions");
    query(f->w, "SELECT COUNT(*), COUNT(name) FROM t;", "4|3");
}

static void test_insert_errors(void **state) {
    Fixture *f = *state;
    ok(f->w, "CREATE TABLE t (a BIGINT, b TEXT);", NULL);
    fails(f->w, "INSERT INTO t VALUES (1, 'x', 3);", "test.sql:1:31: error: INSERT has more expressions than target columns");
    fails(f->w, "INSERT INTO t (a) VALUES (1, 2);", "INSERT has more expressions than target columns");
    fails(f->w, "INSERT INTO t (a, b) VALUES (1);", "INSERT has more target columns than expressions");
    fails(f->w, "INSERT INTO t (a, zz) VALUES (1, 2);", "column \"zz\" of table \"t\" does not exist");
    fails(f->w, "INSERT INTO t VALUES ('abc', 'x');", "test.sql:1:23: error:");
    fails(f->w, "INSERT INTO t VALUES (true, 'x');", "column \"a\" is of type BIGINT but expression is of type BOOLEAN");
    fails(f->w, "INSERT INTO nosuch VALUES (1);", "test.sql:1:13: error: table \"nosuch\" does not exist");
    /* a failing INSERT changes nothing, even when its first rows were fine */
    fails(f->w, "INSERT INTO t VALUES (1, 'ok'), ('bad', 'x');", "error:");
    query(f->w, "SELECT COUNT(*) FROM t;", "0");
}

static void test_error_positions(void **state) {
    Fixture *f = *state;
    ok(f->w, "CREATE TABLE t (a BIGINT);", NULL);
    /* the error is on line 3: line and column count from the start of the text */
    fails(f->w, "SELECT 1;\nSELECT 2;\nSELECT nosuch FROM t;", "test.sql:3:8: error: ");
    fails(f->w, "SELECT 1;\nSELECT 2;\nSELECT nosuch FROM t;", "\"nosuch\"");
    /* a syntax error brings the source line and a caret */
    Capture c = {0};
    char *err = NULL;
    assert_int_equal(weir_exec(f->w, "SELECT 1;\nSELEC 2;", "s.sql", capture, &c, &err), -1);
    assert_non_null(err);
    assert_non_null(strstr(err, "s.sql:2:1: error: "));
    assert_non_null(strstr(err, "\nSELEC 2;\n^"));
    /* statements before the error ran */
    assert_int_equal(c.nresults, 1);
    weir_free(err);
    capture_free(&c);
    /* a runtime error points at the expression that failed */
    fails(f->w, "SELECT 1;\n  SELECT 1 / 0;", "test.sql:2:10: error: division by zero");
}

static void test_create_table_as(void **state) {
    Fixture *f = *state;
    ok(f->w, "CREATE TABLE big AS SELECT generate_series % 3 AS k, generate_series AS v FROM generate_series(1, 10);",
       NULL);
    query(f->w, "SELECT k, SUM(v), COUNT(*) FROM big GROUP BY k ORDER BY k;", "0|18|3\n1|22|4\n2|15|3");
    fails(f->w, "CREATE TABLE big AS SELECT 1 AS x;", "table \"big\" already exists");
    ok(f->w, "CREATE TABLE IF NOT EXISTS big (x BIGINT);", NULL);
    fails(f->w, "CREATE TABLE d AS SELECT 1 AS x, 2 AS x;", "column \"x\" specified more than once");
    /* a NULL-only column is stored as TEXT */
    ok(f->w, "CREATE TABLE n AS SELECT 1 AS a, NULL AS b;", NULL);
    Capture c = {0};
    ok(f->w, "DESCRIBE n;", &c);
    assert_string_equal(c.rows, "a|BIGINT\nb|TEXT");
    assert_string_equal(c.header, "column|type");
    capture_free(&c);
}

static void test_insert_select(void **state) {
    Fixture *f = *state;
    ok(f->w, "CREATE TABLE src (a BIGINT, b TEXT);", NULL);
    ok(f->w, "INSERT INTO src VALUES (1, 'x'), (2, 'y');", NULL);
    ok(f->w, "CREATE TABLE dst (a DOUBLE, b TEXT, c BIGINT);", NULL);
    ok(f->w, "INSERT INTO dst (a, b) SELECT a, b FROM src;", NULL);
    query(f->w, "SELECT a, b, c FROM dst ORDER BY a;", "1.0|x|NULL\n2.0|y|NULL");
    /* reading the table it writes sees the table as it was */
    ok(f->w, "INSERT INTO src SELECT a + 10, b FROM src;", NULL);
    query(f->w, "SELECT COUNT(*) FROM src;", "4");
    fails(f->w, "INSERT INTO src SELECT b, a FROM src;", "column \"a\" is of type BIGINT but expression is of type TEXT");
    fails(f->w, "INSERT INTO src (a) SELECT a, b FROM src;", "INSERT has more expressions than target columns");
}

static void test_views(void **state) {
    Fixture *f = *state;
    ok(f->w, "CREATE TABLE t (a BIGINT);", NULL);
    ok(f->w, "INSERT INTO t VALUES (1), (2), (3);", NULL);
    ok(f->w, "CREATE VIEW big_a AS SELECT a FROM t WHERE a >= 2;", NULL);
    query(f->w, "SELECT SUM(a) FROM big_a;", "5");
    query(f->w, "SHOW VIEWS;", "big_a|SELECT a FROM t WHERE a >= 2");
    fails(f->w, "CREATE VIEW bad AS SELECT nope FROM t;", "test.sql:1:27: error:");
    fails(f->w, "CREATE VIEW big_a AS SELECT 1;", "view \"big_a\" already exists");
    fails(f->w, "DROP TABLE big_a;", "\"big_a\" is a view, not a table");
    fails(f->w, "DROP VIEW t;", "\"t\" is a table, not a view");
    ok(f->w, "DROP VIEW big_a;", NULL);
    fails(f->w, "SELECT * FROM big_a;", "big_a");
    fails(f->w, "DROP VIEW big_a;", "view \"big_a\" does not exist");
    ok(f->w, "DROP VIEW IF EXISTS big_a;", NULL);
}

/* Read one value from the results database with SQLite itself. */
static char *sqlite_value(const char *db, const char *sql) {
    sqlite3 *h;
    char *out = NULL;
    if (sqlite3_open(db, &h) != SQLITE_OK) return NULL;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(st, 0);
            out = strdup(t ? (const char *)t : "NULL");
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(h);
    return out;
}

static void test_materialized_view(void **state) {
    Fixture *f = *state;
    ok(f->w, "CREATE TABLE clicks (user_id BIGINT, url TEXT, ts TIMESTAMP);", NULL);
    ok(f->w,
       "INSERT INTO clicks VALUES (1, '/a', '2024-01-01 00:00:10'), (2, '/a', '2024-01-01 00:00:50'),"
       " (1, '/b', '2024-01-01 00:01:05');",
       NULL);
    ok(f->w,
       "CREATE MATERIALIZED VIEW counts AS SELECT window_start, url, COUNT(*) AS n "
       "FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE) GROUP BY window_start, url;",
       NULL);
    char *v = sqlite_value(f->db, "SELECT group_concat(window_start || ' ' || url || ' ' || n, ';') "
                                  "FROM (SELECT * FROM counts ORDER BY window_start, url)");
    assert_non_null(v);
    assert_string_equal(v, "2024-01-01 00:00:00 /a 2;2024-01-01 00:01:00 /b 1");
    free(v);
    /* readable from weir too, and listed */
    query(f->w, "SELECT url, n FROM counts ORDER BY url;", "/a|2\n/b|1");
    Capture c = {0};
    ok(f->w, "SHOW MATERIALIZED VIEWS;", &c);
    assert_string_equal(c.header, "name|emit|status|query");
    assert_non_null(strstr(c.rows, "counts|update|"));
    capture_free(&c);
    fails(f->w, "INSERT INTO counts VALUES (1);", "cannot insert into materialized view \"counts\"");
    fails(f->w, "DROP TABLE counts;", "\"counts\" is a materialized view, not a table");
    ok(f->w, "DROP MATERIALIZED VIEW counts;", NULL);
    v = sqlite_value(f->db, "SELECT count(*) FROM sqlite_master WHERE name = 'counts'");
    assert_string_equal(v, "0");
    free(v);
}

static void test_materialized_view_survives_session(void **state) {
    Fixture *f = *state;
    ok(f->w, "CREATE MATERIALIZED VIEW squares AS SELECT generate_series AS x, generate_series * generate_series AS sq "
             "FROM generate_series(1, 4);",
       NULL);
    weir_close(f->w);
    char *err = NULL;
    assert_int_equal(weir_open(f->db, &f->w, &err), 0);
    /* a new session sees the result table as a table of the results database */
    query(f->w, "SELECT SUM(sq) FROM squares;", "30");
    Capture c = {0};
    ok(f->w, "SHOW TABLES;", &c);
    assert_non_null(strstr(c.rows, "squares|results database|NULL"));
    capture_free(&c);
    /* declaring the view again (a script run twice) replaces the table */
    ok(f->w, "CREATE MATERIALIZED VIEW squares AS SELECT 7 AS x, 49 AS sq;", NULL);
    query(f->w, "SELECT x, sq FROM squares;", "7|49");
    char *v = sqlite_value(f->db, "SELECT count(*) FROM squares");
    assert_string_equal(v, "1");
    free(v);
}

static void test_output_mode_rules(void **state) {
    Fixture *f = *state;
    ok(f->w, "CREATE TABLE t (k BIGINT, ts TIMESTAMP);", NULL);
    fails(f->w, "CREATE MATERIALIZED VIEW m AS SELECT k, COUNT(*) AS n FROM t GROUP BY k EMIT APPEND;",
          "EMIT APPEND is not allowed for an aggregation without an event-time window");
    fails(f->w, "CREATE MATERIALIZED VIEW m AS SELECT k FROM t EMIT COMPLETE;",
          "EMIT COMPLETE is allowed only for aggregations");
    ok(f->w, "CREATE MATERIALIZED VIEW m1 AS SELECT k, COUNT(*) AS n FROM t GROUP BY k EMIT COMPLETE;", NULL);
    ok(f->w, "CREATE MATERIALIZED VIEW m2 AS SELECT k, COUNT(*) AS n FROM t GROUP BY k;", NULL);
    /* a table has no WATERMARK: its windows are never final, so APPEND is refused and UPDATE is the default */
    fails(f->w,
          "CREATE MATERIALIZED VIEW m3 AS SELECT window_start, COUNT(*) AS n FROM TUMBLE(t, ts, INTERVAL '1' MINUTE) "
          "GROUP BY window_start EMIT APPEND;",
          "EMIT APPEND needs a WATERMARK on the window's time column \"ts\", and table \"t\" has none");
    ok(f->w,
       "CREATE MATERIALIZED VIEW m3 AS SELECT window_start, COUNT(*) AS n FROM TUMBLE(t, ts, INTERVAL '1' MINUTE) "
       "GROUP BY window_start;",
       NULL);
    query(f->w, "SHOW MATERIALIZED VIEWS;",
          "m1|complete|done|SELECT k, COUNT(*) AS n FROM t GROUP BY k EMIT COMPLETE\n"
          "m2|update|done|SELECT k, COUNT(*) AS n FROM t GROUP BY k\n"
          "m3|update|done|SELECT window_start, COUNT(*) AS n FROM TUMBLE(t, ts, INTERVAL '1' MINUTE) "
          "GROUP BY window_start");
}

static void test_sources(void **state) {
    Fixture *f = *state;
    ok(f->w,
       "CREATE SOURCE clicks (user_id BIGINT, url TEXT, ts TIMESTAMP,\n"
       "  WATERMARK FOR ts AS ts - INTERVAL '10' SECOND)\n"
       "WITH (connector = 'file', path = 'in/clicks', format = 'csv', header = 'true', max_files_per_trigger = '1');",
       NULL);
    query(f->w, "SHOW SOURCES;", "clicks|file|csv|ts - INTERVAL '00:00:10'");
    query(f->w, "DESCRIBE clicks;", "user_id|BIGINT\nurl|TEXT\nts|TIMESTAMP");
    /* the source's directory does not exist: the query cannot start */
    fails(f->w, "SELECT url FROM clicks;",
          "test.sql:1:17: error: source \"clicks\": directory \"in/clicks\" does not exist");
    fails(f->w, "CREATE MATERIALIZED VIEW m AS SELECT url, COUNT(*) AS n FROM clicks GROUP BY url;",
          "directory \"in/clicks\" does not exist");
    fails(f->w, "SELECT * FROM m;", "\"m\" does not exist");
    fails(f->w, "CREATE MATERIALIZED VIEW m AS SELECT nope FROM clicks;", "nope");
    fails(f->w, "CREATE MATERIALIZED VIEW m AS SELECT url, COUNT(*) AS n FROM clicks GROUP BY url EMIT APPEND;",
          "EMIT APPEND is not allowed");
    /* a window over a watermarked column passes the APPEND rule: the query gets as far as its source */
    fails(f->w,
          "CREATE MATERIALIZED VIEW m AS SELECT window_start, COUNT(*) AS n FROM TUMBLE(clicks, ts, INTERVAL '1' "
          "MINUTE) GROUP BY window_start EMIT APPEND;",
          "directory \"in/clicks\" does not exist");
    /* ... but not with a top-N on top: its rows are not final */
    fails(f->w,
          "CREATE MATERIALIZED VIEW m AS SELECT window_start, url, n FROM (SELECT window_start, url, COUNT(*) AS n, "
          "ROW_NUMBER() OVER (PARTITION BY window_start ORDER BY COUNT(*) DESC) AS rn FROM TUMBLE(clicks, ts, "
          "INTERVAL '1' MINUTE) GROUP BY window_start, url) t WHERE rn <= 3 EMIT APPEND;",
          "EMIT APPEND is not allowed for a top-N over a stream");
    ok(f->w, "CREATE SOURCE nowm (ts TIMESTAMP) WITH (connector = 'file', path = 'x', format = 'json');", NULL);
    fails(f->w,
          "CREATE MATERIALIZED VIEW m AS SELECT window_start, COUNT(*) AS n FROM TUMBLE(nowm, ts, INTERVAL '1' "
          "MINUTE) GROUP BY window_start EMIT APPEND;",
          "EMIT APPEND needs a WATERMARK on the window's time column \"ts\" of source \"nowm\"");
    ok(f->w, "DROP SOURCE nowm;", NULL);
    fails(f->w, "CREATE SOURCE s2 (a BIGINT) WITH (connector = 'ftp');", "unknown connector 'ftp'");
    fails(f->w, "CREATE SOURCE s2 (a BIGINT) WITH (connector = 'file', path = 'x');", "needs option \"format\"");
    fails(f->w, "CREATE SOURCE s2 (a BIGINT) WITH (connector = 'file', path = 'x', format = 'xml');",
          "unknown format 'xml'");
    fails(f->w, "CREATE SOURCE s2 (a BIGINT) WITH (connector = 'file', path = 'x', format = 'csv', colour = 'red');",
          "unknown option \"colour\" for connector 'file'");
    fails(f->w, "CREATE SOURCE s2 (a BIGINT);", "needs a connector");
    fails(f->w,
          "CREATE SOURCE s2 (a BIGINT, WATERMARK FOR a AS a - INTERVAL '1' SECOND) WITH (connector = 'generator');",
          "column \"a\" must be TIMESTAMP, not BIGINT");
    fails(f->w,
          "CREATE SOURCE s2 (a TIMESTAMP, WATERMARK FOR b AS b - INTERVAL '1' SECOND) WITH (connector = 'generator');",
          "WATERMARK column \"b\"");
    ok(f->w,
       "CREATE SOURCE gen (id BIGINT, ts TIMESTAMP, WATERMARK FOR ts AS ts) WITH (connector = 'generator', "
       "rows_per_second = '100', 'fields.id.kind' = 'sequence');",
       NULL);
    fails(f->w, "CREATE SINK out WITH (connector = 'console') AS SELECT url FROM clicks;",
          "directory \"in/clicks\" does not exist");
    query(f->w, "SHOW SINKS;", "");
    fails(f->w, "CREATE SINK out WITH (connector = 'console') AS SELECT nope FROM clicks;", "nope");
    fails(f->w, "CREATE SINK out WITH (connector = 'socket') AS SELECT url FROM clicks;",
          "connector 'socket' cannot be used for a sink");
    fails(f->w, "DROP TABLE clicks;", "\"clicks\" is a source, not a table");
    ok(f->w, "DROP SOURCE clicks;", NULL);
    query(f->w, "SHOW SOURCES;", "gen|generator|NULL|ts");
}

static void test_file_table(void **state) {
    Fixture *f = *state;
    char path[256], sql[1024];
    snprintf(path, sizeof path, "%s/pages.csv", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("url;owner\n/a;ann\n/b;bob\n/c;\n", fp);
    fclose(fp);
    snprintf(sql, sizeof sql,
             "CREATE TABLE pages (url TEXT, owner TEXT) WITH (connector = 'file', path = '%s', format = 'csv', "
             "header = 'true', delimiter = ';');",
             path);
    ok(f->w, sql, NULL);
    query(f->w, "SELECT url, owner FROM pages ORDER BY url;", "/a|ann\n/b|bob\n/c|NULL");
    fails(f->w, "INSERT INTO pages VALUES ('/d', 'dan');", "cannot insert into table \"pages\": it reads from file");
    fails(f->w, "CREATE TABLE p2 (a TEXT) WITH (connector = 'kafka', topic = 'x');",
          "connector 'kafka' cannot be used for a table");
    fails(f->w, "CREATE TABLE p2 (a TEXT) WITH (connector = 'file', path = 'x.csv', format = 'csv', nope = '1');",
          "unknown option \"nope\"");
    fails(f->w, "CREATE TABLE p2 (a TEXT, a BIGINT);", "column \"a\" specified more than once");
    Capture c = {0};
    ok(f->w, "SHOW TABLES;", &c);
    assert_non_null(strstr(c.rows, "pages|file '"));
    capture_free(&c);
}

static void test_explain(void **state) {
    Fixture *f = *state;
    ok(f->w, "CREATE TABLE t (k BIGINT, v BIGINT);", NULL);
    Capture c = {0};
    ok(f->w, "EXPLAIN SELECT k, AVG(v) FROM t WHERE 1 = 1 AND k > 2 GROUP BY k;", &c);
    assert_string_equal(c.header, "plan");
    assert_true(strncmp(c.rows, "== Logical Plan ==\n", 19) == 0);
    assert_non_null(strstr(c.rows, "\n== Optimized Plan ==\n"));
    assert_non_null(strstr(c.rows, "\nRules fired: "));
    assert_non_null(strstr(c.rows, "\n== Physical Plan ==\n"));
    capture_free(&c);
}

static void test_show_and_describe(void **state) {
    Fixture *f = *state;
    ok(f->w, "CREATE TABLE a (x BIGINT);", NULL);
    ok(f->w, "INSERT INTO a VALUES (1), (2);", NULL);
    query(f->w, "SHOW TABLES;", "a|memory|2");
    query(f->w, "SHOW SINKS;", "");
    Capture c = {0};
    ok(f->w, "SHOW QUERIES;", &c);
    assert_int_equal(c.nrows, 0);
    assert_true(c.ncols > 0);
    capture_free(&c);
    fails(f->w, "DESCRIBE nothing;", "\"nothing\" does not exist");
}

static void test_interrupt(void **state) {
    Fixture *f = *state;
    /* the first statement's result interrupts the session: the second does not run */
    Capture c = {0};
    c.interrupt = f->w;
    char *err = NULL;
    assert_int_equal(weir_exec(f->w, "SELECT 1; SELECT 2;", "i.sql", capture, &c, &err), -1);
    assert_non_null(err);
    /* no source position: the error points at the statement that did not run */
    assert_non_null(strstr(err, "i.sql:1:11: error: interrupted"));
    assert_int_equal(c.nresults, 1);
    weir_free(err);
    capture_free(&c);
    /* the next call starts afresh */
    query(f->w, "SELECT 3;", "3");
}

static void test_complete(void **state) {
    (void)state;
    assert_true(weir_complete("SELECT 1;"));
    assert_true(weir_complete("SELECT 1;\n"));
    assert_false(weir_complete("SELECT 1"));
    assert_false(weir_complete("SELECT ';'"));
    assert_false(weir_complete("SELECT 1 -- ;"));
    assert_true(weir_complete("SELECT 'a;b';"));
}

static void test_open_failure(void **state) {
    (void)state;
    weir *w = NULL;
    char *err = NULL;
    assert_int_equal(weir_open("/nonexistent-dir/sub/weir.db", &w, &err), -1);
    assert_null(w);
    assert_non_null(err);
    assert_non_null(strstr(err, "error: "));
    weir_free(err);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_select_constants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_several_statements_several_results, setup, teardown),
        cmocka_unit_test_setup_teardown(test_table_insert_select, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_table_as, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert_select, setup, teardown),
        cmocka_unit_test_setup_teardown(test_views, setup, teardown),
        cmocka_unit_test_setup_teardown(test_materialized_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_materialized_view_survives_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_mode_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_explain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_show_and_describe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupt, setup, teardown),
        cmocka_unit_test(test_complete),
        cmocka_unit_test(test_open_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
