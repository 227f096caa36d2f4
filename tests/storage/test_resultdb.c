/*
** Unit tests for the results database (storage/resultdb.c): WAL mode, a
** round trip of every type including NULL, the stored SQLite forms
** (timestamps as 'YYYY-MM-DD HH:MM:SS[.ffffff]', booleans 0/1), projection,
** transactions, table listing, quoting of odd names, and reading tables
** written by other SQLite clients with other declared types.
*/
#include <sqlite3.h>

#include "../../storage/resultdb.h"
#include "storage_test.h"

static Column cols[] = {{"i", TYPE_BIGINT}, {"d", TYPE_DOUBLE}, {"b", TYPE_BOOL},
                        {"t", TYPE_TEXT},   {"ts", TYPE_TIMESTAMP}, {"iv", TYPE_INTERVAL}};

typedef struct Fixture {
    char *dir;
    char path[600];
    ResultDb *db;
} Fixture;

static int setup(void **state) {
    Fixture *fx = xcalloc(1, sizeof *fx);
    fx->dir = temp_dir();
    snprintf(fx->path, sizeof fx->path, "%s/weir.db", fx->dir);
    Err err;
    err_clear(&err);
    fx->db = rdb_open(fx->path, &err);
    if (!fx->db) fail_msg("rdb_open: %s", err.msg);
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    Fixture *fx = *state;
    rdb_close(fx->db);
    remove_tree(fx->dir);
    free(fx->dir);
    free(fx);
    return 0;
}

/* Run a query on the raw handle and render its rows as "a|b\n" (NULL as NULL). */
static char *query(ResultDb *db, const char *sql) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(rdb_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(rdb_handle(db)));
    Buf b = {0};
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int j = 0; j < sqlite3_column_count(st); j++) {
            if (j) buf_puts(&b, "|");
            const char *t = (const char *)sqlite3_column_text(st, j);
            buf_puts(&b, t ? t : "NULL");
        }
        buf_puts(&b, "\n");
    }
    sqlite3_finalize(st);
    if (!b.p) buf_puts(&b, "");
    return b.p;
}

static void expect_query(ResultDb *db, const char *sql, const char *want) {
    char *got = query(db, sql);
    if (strcmp(got, want) != 0) fail_msg("%s:\n%s\nexpected\n%s", sql, got, want);
    free(got);
}

/* Three rows of every type; the middle one all NULL. */
static Chunk *sample(Arena *a) {
    Chunk *c = chunk_new(6, a);
    c->count = c->nsel = 3;
    for (int j = 0; j < 6; j++) vec_alloc(&c->cols[j], cols[j].type, 3, a);
    int64_t ts0, ts2;
    assert_true(ts_parse("2024-01-02 03:04:05", 19, &ts0));
    assert_true(ts_parse("1999-12-31 23:59:59.000123", 26, &ts2));
    VEC_I64(&c->cols[0])[0] = 9223372036854775807LL;
    VEC_F64(&c->cols[1])[0] = 0.1;
    VEC_BOOL(&c->cols[2])[0] = 1;
    VEC_STR(&c->cols[3])[0] = str_from("it's \"x\"", 8);
    VEC_I64(&c->cols[4])[0] = ts0;
    VEC_I64(&c->cols[5])[0] = 10 * USEC_PER_SEC;
    for (int j = 0; j < 6; j++) vec_nulls(&c->cols[j], 3, a)[1] = 1;
    VEC_I64(&c->cols[0])[2] = -5;
    VEC_F64(&c->cols[1])[2] = 2.0;
    VEC_BOOL(&c->cols[2])[2] = 0;
    VEC_STR(&c->cols[3])[2] = str_from("", 0);
    VEC_I64(&c->cols[4])[2] = ts2;
    VEC_I64(&c->cols[5])[2] = -1;
    return c;
}

static void test_round_trip(void **state) {
    Fixture *fx = *state;
    Err err;
    err_clear(&err);
    expect_query(fx->db, "PRAGMA journal_mode", "wal\n");
    expect_query(fx->db, "PRAGMA synchronous", "1\n"); /* NORMAL */
    Schema sch = make_schema(cols, 6);
    assert_int_equal(rdb_create_table(fx->db, "r", &sch, false, &err), 0);
    assert_true(rdb_table_exists(fx->db, "r"));
    assert_true(rdb_table_exists(fx->db, "R"));
    Arena a;
    arena_init(&a, 0);
    assert_int_equal(rdb_insert(fx->db, "r", sample(&a), &err), 0);
    arena_free(&a);
    expect_query(fx->db, "SELECT name, type FROM pragma_table_info('r')",
                 "i|INTEGER\nd|REAL\nb|BOOLEAN\nt|TEXT\nts|TIMESTAMP\niv|INTERVAL\n");
    expect_query(fx->db, "SELECT i, d, b, t, ts, iv, typeof(i), typeof(d), typeof(b), typeof(ts), typeof(iv) FROM r",
                 "9223372036854775807|0.1|1|it's \"x\"|2024-01-02 03:04:05|10000000|integer|real|integer|text|integer\n"
                 "NULL|NULL|NULL|NULL|NULL|NULL|null|null|null|null|null\n"
                 "-5|2.0|0||1999-12-31 23:59:59.000123|-1|integer|real|integer|text|integer\n");

    Relation *rel = rdb_relation(fx->db, "r", &err);
    assert_non_null(rel);
    assert_int_equal(rel->schema.ncols, 6);
    for (int j = 0; j < 6; j++) {
        assert_string_equal(rel->schema.cols[j].name, cols[j].name);
        assert_int_equal(rel->schema.cols[j].type, cols[j].type);
    }
    int proj[] = {0, 1, 2, 3, 4, 5};
    Buf out = {0};
    assert_int_equal(scan_all(rel, proj, 6, &out, &err, NULL), 0);
    assert_string_equal(buf_str(&out), "9223372036854775807|0.1|true|'it's \"x\"'|2024-01-02 03:04:05|00:00:10\n"
                                       "NULL|NULL|NULL|NULL|NULL|NULL\n"
                                       "-5|2.0|false|''|1999-12-31 23:59:59.000123|-00:00:00.000001\n");
    free(out.p);
    int p2[] = {4, 0};
    Buf o2 = {0};
    assert_int_equal(scan_all(rel, p2, 2, &o2, &err, NULL), 0);
    assert_string_equal(buf_str(&o2), "2024-01-02 03:04:05|9223372036854775807\nNULL|NULL\n1999-12-31 23:59:59.000123|-5\n");
    free(o2.p);
    Buf o3 = {0};
    assert_int_equal(scan_all(rel, NULL, 0, &o3, &err, NULL), 0);
    assert_string_equal(buf_str(&o3), "()\n()\n()\n");
    free(o3.p);
    relation_destroy(rel);
}

/* Active rows only (selection vector), many chunks in one transaction, rollback. */
static void test_insert_many_and_transactions(void **state) {
    Fixture *fx = *state;
    Err err;
    err_clear(&err);
    Column c1[] = {{"v", TYPE_BIGINT}};
    Schema sch = make_schema(c1, 1);
    assert_int_equal(rdb_create_table(fx->db, "n", &sch, false, &err), 0);
    Arena a;
    arena_init(&a, 0);
    Chunk *c = chunk_new(1, &a);
    c->count = 1000;
    vec_alloc(&c->cols[0], TYPE_BIGINT, 1000, &a);
    c->sel = arena_alloc(&a, sizeof(uint32_t) * 1000);
    c->nsel = 0;
    for (uint32_t k = 0; k < 1000; k++) {
        VEC_I64(&c->cols[0])[k] = k;
        if (k % 2 == 0) c->sel[c->nsel++] = k;
    }
    assert_int_equal(rdb_begin(fx->db, &err), 0);
    for (int i = 0; i < 10; i++) assert_int_equal(rdb_insert(fx->db, "n", c, &err), 0);
    assert_int_equal(rdb_commit(fx->db, &err), 0);
    expect_query(fx->db, "SELECT count(*), sum(v) FROM n", "5000|2495000\n");
    assert_int_equal(rdb_begin(fx->db, &err), 0);
    assert_int_equal(rdb_insert(fx->db, "n", c, &err), 0);
    assert_int_equal(rdb_rollback(fx->db), 0);
    expect_query(fx->db, "SELECT count(*) FROM n", "5000\n");
    assert_int_equal(rdb_rollback(fx->db), 0); /* nothing open: harmless */
    /* outside a transaction an insert commits by itself */
    assert_int_equal(rdb_insert(fx->db, "n", c, &err), 0);
    expect_query(fx->db, "SELECT count(*) FROM n", "5500\n");
    /* wrong column count, missing table */
    Chunk *two = chunk_new(2, &a);
    assert_int_equal(rdb_insert(fx->db, "n", two, &err), -1);
    assert_non_null(strstr(err.msg, "has 1 columns but 2 values"));
    err_clear(&err);
    assert_int_equal(rdb_insert(fx->db, "nope", c, &err), -1);
    assert_string_equal(err.msg, "table \"nope\" does not exist in the results database");
    arena_free(&a);
    /* replace drops the old table (and its cached insert) */
    Column c2[] = {{"x", TYPE_TEXT}, {"y", TYPE_TEXT}};
    Schema s2 = make_schema(c2, 2);
    err_clear(&err);
    assert_int_equal(rdb_create_table(fx->db, "n", &s2, false, &err), -1);
    assert_non_null(strstr(err.msg, "already exists"));
    err_clear(&err);
    assert_int_equal(rdb_create_table(fx->db, "n", &s2, true, &err), 0);
    expect_query(fx->db, "SELECT count(*) FROM n", "0\n");
    arena_init(&a, 0);
    Chunk *t2 = chunk_new(2, &a);
    t2->count = t2->nsel = 1;
    vec_alloc(&t2->cols[0], TYPE_TEXT, 1, &a);
    vec_alloc(&t2->cols[1], TYPE_TEXT, 1, &a);
    VEC_STR(&t2->cols[0])[0] = str_from("p", 1);
    VEC_STR(&t2->cols[1])[0] = str_from("q", 1);
    assert_int_equal(rdb_insert(fx->db, "n", t2, &err), 0);
    expect_query(fx->db, "SELECT * FROM n", "p|q\n");
    arena_free(&a);
}

static void test_names_and_listing(void **state) {
    Fixture *fx = *state;
    Err err;
    err_clear(&err);
    Column odd[] = {{"my \"col\"", TYPE_BIGINT}, {"select", TYPE_TEXT}};
    Schema sch = make_schema(odd, 2);
    assert_int_equal(rdb_create_table(fx->db, "odd \"name\"; drop", &sch, false, &err), 0);
    assert_int_equal(rdb_create_table(fx->db, "weir_progress", &sch, false, &err), 0);
    assert_int_equal(rdb_create_table(fx->db, "alpha", &sch, false, &err), 0);
    assert_int_equal(sqlite3_exec(rdb_handle(fx->db), "CREATE VIEW beta AS SELECT 1 AS one", NULL, NULL, NULL), 0);
    Arena a;
    arena_init(&a, 0);
    const char **names;
    int n;
    assert_int_equal(rdb_list_tables(fx->db, &a, &names, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "alpha");
    assert_string_equal(names[1], "beta");
    assert_string_equal(names[2], "odd \"name\"; drop");
    /* internal tables are readable even though not listed */
    assert_true(rdb_table_exists(fx->db, "weir_progress"));
    Chunk *c = chunk_new(2, &a);
    c->count = c->nsel = 1;
    vec_alloc(&c->cols[0], TYPE_BIGINT, 1, &a);
    vec_alloc(&c->cols[1], TYPE_TEXT, 1, &a);
    VEC_I64(&c->cols[0])[0] = 42;
    VEC_STR(&c->cols[1])[0] = str_from("s", 1);
    assert_int_equal(rdb_insert(fx->db, "odd \"name\"; drop", c, &err), 0);
    Relation *rel = rdb_relation(fx->db, "odd \"name\"; drop", &err);
    assert_non_null(rel);
    assert_string_equal(rel->schema.cols[0].name, "my \"col\"");
    int proj[] = {1, 0};
    Buf out = {0};
    assert_int_equal(scan_all(rel, proj, 2, &out, &err, NULL), 0);
    assert_string_equal(buf_str(&out), "'s'|42\n");
    free(out.p);
    relation_destroy(rel);
    /* a view reads like a table (an undeclared column type reads as TEXT) */
    rel = rdb_relation(fx->db, "beta", &err);
    assert_non_null(rel);
    int p1[] = {0};
    Buf o2 = {0};
    assert_int_equal(scan_all(rel, p1, 1, &o2, &err, NULL), 0);
    assert_string_equal(buf_str(&o2), "'1'\n");
    free(o2.p);
    relation_destroy(rel);
    assert_int_equal(rdb_drop_table(fx->db, "alpha", &err), 0);
    assert_false(rdb_table_exists(fx->db, "alpha"));
    assert_int_equal(rdb_drop_table(fx->db, "alpha", &err), -1);
    assert_string_equal(err.msg, "table \"alpha\" does not exist in the results database");
    err_clear(&err);
    assert_null(rdb_relation(fx->db, "alpha", &err));
    assert_string_equal(err.msg, "table \"alpha\" does not exist in the results database");
    arena_free(&a);
}

/* Tables written by other SQLite clients: declared types map back, values convert sensibly. */
static void test_foreign_tables(void **state) {
    Fixture *fx = *state;
    Err err;
    err_clear(&err);
    sqlite3 *h = rdb_handle(fx->db);
    assert_int_equal(sqlite3_exec(h,
                                  "CREATE TABLE f (a INT, b DOUBLE PRECISION, c VARCHAR(10), d DATETIME, e BOOL, "
                                  "f NUMERIC, g BLOB, h, i BIGINT);"
                                  "INSERT INTO f VALUES (1, 2, 3, '2024-05-06 07:08:09', 1, 1.5, x'6869', 'x', 7);"
                                  "INSERT INTO f VALUES ('12', '2.5', 'txt', 1000, 'false', 3, 'b', 4.5, 2.6);"
                                  "CREATE TABLE g (a INTEGER, d TIMESTAMP);"
                                  "INSERT INTO g VALUES ('abc', 'x');",
                                  NULL, NULL, NULL),
                     0);
    Relation *rel = rdb_relation(fx->db, "f", &err);
    assert_non_null(rel);
    const Type want[] = {TYPE_BIGINT, TYPE_DOUBLE, TYPE_TEXT, TYPE_TIMESTAMP, TYPE_BOOL,
                         TYPE_DOUBLE, TYPE_TEXT,   TYPE_TEXT, TYPE_BIGINT};
    for (int j = 0; j < 9; j++) assert_int_equal(rel->schema.cols[j].type, want[j]);
    int proj[] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    Buf out = {0};
    assert_int_equal(scan_all(rel, proj, 9, &out, &err, NULL), 0);
    assert_string_equal(buf_str(&out), "1|2.0|'3'|2024-05-06 07:08:09|true|1.5|'hi'|'x'|7\n"
                                       "12|2.5|'txt'|1970-01-01 00:00:01|false|3.0|'b'|'4.5'|3\n");
    free(out.p);
    relation_destroy(rel);
    rel = rdb_relation(fx->db, "g", &err);
    int p0[] = {0}, p1[] = {1};
    Buf o2 = {0};
    assert_int_equal(scan_all(rel, p0, 1, &o2, &err, NULL), -1);
    assert_string_equal(err.msg, "cannot convert value 'abc' in column \"a\" of table \"g\" to BIGINT");
    err_clear(&err);
    assert_int_equal(scan_all(rel, p1, 1, &o2, &err, NULL), -1);
    assert_string_equal(err.msg, "cannot convert value 'x' in column \"d\" of table \"g\" to TIMESTAMP");
    free(o2.p);
    relation_destroy(rel);
}

/* More rows than a chunk holds. */
static void test_many_chunks(void **state) {
    Fixture *fx = *state;
    Err err;
    err_clear(&err);
    assert_int_equal(sqlite3_exec(rdb_handle(fx->db),
                                  "CREATE TABLE s (v INTEGER, t TEXT);"
                                  "WITH RECURSIVE c(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < 4999) "
                                  "INSERT INTO s SELECT x, 'r' || x FROM c;",
                                  NULL, NULL, NULL),
                     0);
    Relation *rel = rdb_relation(fx->db, "s", &err);
    Scanner *s = relation_open(rel, (int[]){1, 0}, 2, &err);
    Chunk *c;
    int64_t n = 0;
    while (scanner_next(s, &c, &err) == 1) {
        assert_true(c->count <= WEIR_BATCH_SIZE);
        for (uint32_t k = 0; k < c->count; k++, n++) {
            assert_int_equal(VEC_I64(&c->cols[1])[k], n);
            char want[32];
            snprintf(want, sizeof want, "r%lld", (long long)n);
            assert_int_equal(VEC_STR(&c->cols[0])[k].len, strlen(want));
            assert_memory_equal(VEC_STR(&c->cols[0])[k].ptr, want, strlen(want));
        }
    }
    assert_int_equal(n, 5000);
    scanner_close(s);
    relation_destroy(rel);
}

static void test_open_errors(void **state) {
    (void)state;
    Err err;
    err_clear(&err);
    assert_null(rdb_open("/nonexistent-dir/weir.db", &err));
    assert_non_null(strstr(err.msg, "cannot open results database"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert_many_and_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names_and_listing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_chunks, setup, teardown),
        cmocka_unit_test(test_open_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
