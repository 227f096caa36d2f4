/*
** The sqlite source: a table read once with conversions to the declared
** types, batches under max_records_per_trigger, seek by row count, bad
** values rejected as "table:N", and clear errors for a missing table or
** column.
*/
#include <sqlite3.h>

#include "conn_test.h"

static Column COLS[] = {{.name = "id", .type = TYPE_BIGINT},
                        {.name = "name", .type = TYPE_TEXT},
                        {.name = "ts", .type = TYPE_TIMESTAMP},
                        {.name = "x", .type = TYPE_DOUBLE},
                        {.name = "flag", .type = TYPE_BOOL}};
static const int ALL[] = {0, 1, 2, 3, 4};

typedef struct Fixture {
    Arena arena;
    char *dir;
    char *db;
    Rejects rj;
    RejectSink sink;
    Err err;
    Buf out;
} Fixture;

static int setup(void **state) {
    Fixture *f = xcalloc(1, sizeof *f);
    arena_init(&f->arena, 0);
    f->dir = temp_dir();
    f->db = arena_printf(&f->arena, "%s/in.db", f->dir);
    f->sink = reject_sink(&f->rj);
    err_clear(&f->err);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    const char *sql = "CREATE TABLE t (id INTEGER, name TEXT, ts TEXT, x REAL, flag INTEGER, extra BLOB);"
                      "INSERT INTO t VALUES (1, 'a', '2024-01-01 00:00:01', 1.5, 1, x'00');"
                      "INSERT INTO t VALUES (2, NULL, '2024-01-01T00:00:02Z', 2, 0, NULL);"
                      "INSERT INTO t VALUES ('abc', 'bad', '2024-01-01 00:00:03', 3.0, 1, NULL);"
                      "INSERT INTO t VALUES (4, 'd', 1704067204000, NULL, 'true', NULL);"
                      "INSERT INTO t VALUES ('5', 'e''s', NULL, '5.25', NULL, NULL);";
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    Fixture *f = *state;
    remove_tree(f->dir);
    free(f->dir);
    buf_free(&f->rj.log);
    buf_free(&f->out);
    arena_free(&f->arena);
    free(f);
    return 0;
}

static Source *open_sq(Fixture *f, const char *table, const char *extra, const int *proj, int nproj) {
    const char *kv[] = {arena_printf(&f->arena, "path=%s", f->db), arena_printf(&f->arena, "table=%s", table), extra,
                        NULL};
    ConnConfig cfg = make_cfg(&f->arena, "tbl", COLS, 5, kv);
    return source_open("sqlite", &cfg, proj, nproj, &f->sink, &f->err);
}

static const char *ALL_ROWS = "1|'a'|2024-01-01 00:00:01|1.5|true\n"
                              "2|NULL|2024-01-01 00:00:02|2.0|false\n"
                              "4|'d'|2024-01-01 00:00:04|NULL|true\n"
                              "5|'e's'|NULL|5.25|NULL\n";

static void test_read_once(void **state) {
    Fixture *f = *state;
    Source *s = open_sq(f, "t", NULL, ALL, 5);
    assert_non_null(s);
    assert_false(source_ended(s));
    assert_int_equal(run_batch(s, 5, &f->out, &f->err), 1);
    assert_string_equal(buf_str(&f->out), ALL_ROWS);
    assert_true(source_ended(s));
    assert_string_equal(source_end_offset(s), "5");
    assert_int_equal(f->rj.n, 1);
    assert_string_equal(buf_str(&f->rj.log),
                        "tbl|t:3|abc,bad,2024-01-01 00:00:03,3.0,1|bad BIGINT value \"abc\" in column \"id\"\n");
    assert_int_equal(s->rejects, 1);
    buf_clear(&f->out);
    assert_int_equal(run_batch(s, 5, &f->out, &f->err), 0);
    source_close(s);
}

static void test_batches_and_seek(void **state) {
    Fixture *f = *state;
    int proj[] = {1, 0};
    Source *s = open_sq(f, "t", "max_records_per_trigger=2", proj, 2);
    assert_non_null(s);
    assert_int_equal(run_batch(s, 2, &f->out, &f->err), 1);
    assert_string_equal(buf_str(&f->out), "'a'|1\nNULL|2\n");
    assert_string_equal(source_end_offset(s), "2");
    assert_false(source_ended(s));
    source_close(s);

    s = open_sq(f, "t", "max_records_per_trigger=2", proj, 2);
    assert_int_equal(source_seek(s, "2", &f->err), 0);
    buf_clear(&f->out);
    assert_int_equal(run_batch(s, 2, &f->out, &f->err), 1);
    assert_string_equal(buf_str(&f->out), "'d'|4\n"); /* row 3 is rejected, row 4 fills the batch */
    assert_string_equal(source_end_offset(s), "4");
    buf_clear(&f->out);
    assert_int_equal(run_batch(s, 2, &f->out, &f->err), 1);
    assert_string_equal(buf_str(&f->out), "'e's'|5\n");
    assert_true(source_ended(s));
    source_close(s);

    /* no columns: only row counts */
    s = open_sq(f, "t", NULL, NULL, 0);
    assert_non_null(s);
    buf_clear(&f->out);
    assert_int_equal(run_batch(s, 0, &f->out, &f->err), 1);
    assert_string_equal(buf_str(&f->out), "()\n()\n()\n()\n()\n");
    source_close(s);
}

static void test_errors(void **state) {
    Fixture *f = *state;
    assert_null(open_sq(f, "nope", NULL, ALL, 5));
    assert_string_equal(
        f->err.msg,
        arena_printf(&f->arena, "source \"tbl\": cannot read table \"nope\" of \"%s\": no such table: nope", f->db));
    err_clear(&f->err);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE u (id INTEGER)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_null(open_sq(f, "u", NULL, ALL, 5));
    assert_non_null(strstr(f->err.msg, "no such column: name"));

    err_clear(&f->err);
    Source *s = open_sq(f, "t", "on_error=fail", ALL, 5);
    assert_non_null(s);
    assert_int_equal(run_batch(s, 5, &f->out, &f->err), -1);
    assert_string_equal(f->err.msg, "source \"tbl\": bad BIGINT value \"abc\" in column \"id\"");
    assert_string_equal(f->err.location, "t:3");
    source_close(s);

    err_clear(&f->err);
    const char *kv[] = {"path=/nonexistent/x.db", "table=t", NULL};
    ConnConfig cfg = make_cfg(&f->arena, "tbl", COLS, 5, kv);
    assert_null(source_open("sqlite", &cfg, ALL, 5, NULL, &f->err));
    assert_non_null(strstr(f->err.msg, "source \"tbl\": cannot open database \"/nonexistent/x.db\""));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches_and_seek, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
