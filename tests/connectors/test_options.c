/*
** Option validation and connector dispatch: every error names the source or
** sink, the option and the bad value.
*/
#include "conn_test.h"

static Column COLS[] = {{.name = "user_id", .type = TYPE_BIGINT},
                        {.name = "url", .type = TYPE_TEXT},
                        {.name = "ts", .type = TYPE_TIMESTAMP}};

/* source_check(connector, options) must fail with exactly `msg`. */
static void expect_source_error(const char *connector, const char *const *kv, const char *msg) {
    Arena a;
    arena_init(&a, 0);
    ConnConfig cfg = make_cfg(&a, "clicks", COLS, 3, kv);
    Err err;
    err_clear(&err);
    assert_int_equal(source_check(connector, &cfg, &err), -1);
    assert_true(err.set);
    assert_string_equal(err.msg, msg);
    /* open fails the same way, without leaking or crashing */
    err_clear(&err);
    int proj[] = {0};
    assert_null(source_open(connector, &cfg, proj, 1, NULL, &err));
    assert_string_equal(err.msg, msg);
    arena_free(&a);
}

static void expect_source_ok(const char *connector, const char *const *kv) {
    Arena a;
    arena_init(&a, 0);
    ConnConfig cfg = make_cfg(&a, "clicks", COLS, 3, kv);
    Err err;
    err_clear(&err);
    int rc = source_check(connector, &cfg, &err);
    if (rc != 0) fprintf(stderr, "unexpected error: %s\n", err.msg);
    assert_int_equal(rc, 0);
    arena_free(&a);
}

static void test_conn_option(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    const char *const kv[] = {"Path=in", "format=csv", NULL};
    ConnConfig cfg = make_cfg(&a, "clicks", COLS, 3, kv);
    assert_string_equal(conn_option(&cfg, "path"), "in");
    assert_string_equal(conn_option(&cfg, "FORMAT"), "csv");
    assert_null(conn_option(&cfg, "header"));
    arena_free(&a);
}

static void test_dispatch(void **state) {
    (void)state;
    const char *const none[] = {NULL};
    expect_source_error("foo", none, "unknown connector \"foo\" (expected file, generator, socket, sqlite, kafka)");
    expect_source_error("kafka", none, "connector \"kafka\" is not supported yet");
    expect_source_error("console", none,
                        "unknown connector \"console\" (expected file, generator, socket, sqlite, kafka)");
}

static void test_file_options(void **state) {
    (void)state;
    const char *const typo[] = {"pathh=in", NULL};
    expect_source_error("file", typo, "source \"clicks\": unknown option \"pathh\"");
    const char *const nopath[] = {"format=csv", NULL};
    expect_source_error("file", nopath, "source \"clicks\": option \"path\" is required");
    const char *const badnum[] = {"path=in", "max_files_per_trigger=x", NULL};
    expect_source_error("file", badnum,
                        "source \"clicks\": option \"max_files_per_trigger\" must be a positive integer, not \"x\"");
    const char *const zero[] = {"path=in", "max_records_per_trigger=0", NULL};
    expect_source_error("file", zero,
                        "source \"clicks\": option \"max_records_per_trigger\" must be a positive integer, not \"0\"");
    const char *const fmt[] = {"path=in", "format=xml", NULL};
    expect_source_error("file", fmt, "source \"clicks\": option \"format\" must be 'csv' or 'json', not \"xml\"");
    const char *const onerr[] = {"path=in", "on_error=ignore", NULL};
    expect_source_error("file", onerr,
                        "source \"clicks\": option \"on_error\" must be 'skip' or 'fail', not \"ignore\"");
    const char *const bnd[] = {"path=in", "bounded=maybe", NULL};
    expect_source_error("file", bnd, "source \"clicks\": option \"bounded\" must be 'true' or 'false', not \"maybe\"");
    const char *const delim[] = {"path=in", "delimiter=ab", NULL};
    expect_source_error("file", delim, "source \"clicks\": option \"delimiter\" must be one character, not \"ab\"");
    const char *const good[] = {"connector=file",
                                "path=in",
                                "format=JSON",
                                "header=true",
                                "delimiter=tab",
                                "max_files_per_trigger=2",
                                "max_records_per_trigger=10",
                                "bounded=false",
                                "on_error=fail",
                                NULL};
    expect_source_ok("file", good); /* check does not need the directory yet */
}

static void test_file_missing_dir(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    const char *const kv[] = {"path=/nonexistent/weir/dir", NULL};
    ConnConfig cfg = make_cfg(&a, "clicks", COLS, 3, kv);
    Err err;
    err_clear(&err);
    int proj[] = {0};
    assert_null(source_open("file", &cfg, proj, 1, NULL, &err));
    assert_string_equal(err.msg, "source \"clicks\": directory \"/nonexistent/weir/dir\" does not exist");
    arena_free(&a);
}

static void test_generator_options(void **state) {
    (void)state;
    const char *const col[] = {"fields.nope.kind=random", NULL};
    expect_source_error("generator", col,
                        "source \"clicks\": option \"fields.nope.kind\" names column \"nope\", which does not exist");
    const char *const kind[] = {"fields.user_id.kind=zigzag", NULL};
    expect_source_error(
        "generator", kind,
        "source \"clicks\": option \"fields.user_id.kind\" must be 'sequence' or 'random', not \"zigzag\"");
    const char *const len[] = {"fields.user_id.length=5", NULL};
    expect_source_error(
        "generator", len,
        "source \"clicks\": option \"fields.user_id.length\" does not apply to a BIGINT column of kind sequence");
    const char *const minseq[] = {"fields.user_id.min=5", NULL};
    expect_source_error(
        "generator", minseq,
        "source \"clicks\": option \"fields.user_id.min\" does not apply to a BIGINT column of kind sequence");
    const char *const key[] = {"fields.user_id.step=5", NULL};
    expect_source_error("generator", key,
                        "source \"clicks\": unknown option \"fields.user_id.step\" (per-column keys: kind, start, end, "
                        "min, max, length)");
    const char *const rps[] = {"rows_per_second=-3", NULL};
    expect_source_error("generator", rps,
                        "source \"clicks\": option \"rows_per_second\" must be a positive number, not \"-3\"");
    const char *const bounded[] = {"bounded=true", NULL};
    expect_source_error(
        "generator", bounded,
        "source \"clicks\": option \"bounded\" = 'true' needs option \"rows\" (or a sequence with an end)");
    const char *const start[] = {"start=yesterday", NULL};
    expect_source_error(
        "generator", start,
        "source \"clicks\": option \"start\" must be a timestamp 'YYYY-MM-DD HH:MM:SS', not \"yesterday\"");
    const char *const range[] = {"fields.user_id.kind=random", "fields.user_id.min=10", "fields.user_id.max=1", NULL};
    expect_source_error("generator", range,
                        "source \"clicks\": option \"fields.user_id.max\" is below \"fields.user_id.min\"");
    const char *const seqend[] = {"fields.user_id.start=10", "fields.user_id.end=1", NULL};
    expect_source_error("generator", seqend,
                        "source \"clicks\": option \"fields.user_id.end\" is below the sequence start 10");
    const char *const good[] = {"rows_per_second=10",
                                "rows=100",
                                "seed=-7",
                                "pace=false",
                                "start=2024-01-01 00:00:00",
                                "fields.user_id.kind=random",
                                "fields.user_id.min=1",
                                "fields.user_id.max=9",
                                "fields.url.length=3",
                                "fields.ts.kind=sequence",
                                NULL};
    expect_source_ok("generator", good);
}

static void test_socket_sqlite_options(void **state) {
    (void)state;
    const char *const noport[] = {"host=localhost", NULL};
    expect_source_error("socket", noport, "source \"clicks\": option \"port\" is required");
    const char *const badport[] = {"host=localhost", "port=99999", NULL};
    expect_source_error("socket", badport,
                        "source \"clicks\": option \"port\" must be a port number (1-65535), not \"99999\"");
    const char *const hdr[] = {"host=localhost", "port=9", "header=true", NULL};
    expect_source_error("socket", hdr, "source \"clicks\": unknown option \"header\"");
    const char *const notable[] = {"path=x.db", NULL};
    expect_source_error("sqlite", notable, "source \"clicks\": option \"table\" is required");
    const char *const unb[] = {"path=x.db", "table=t", "bounded=false", NULL};
    expect_source_error(
        "sqlite", unb,
        "source \"clicks\": a sqlite source is bounded (it reads its table once): drop bounded = 'false'");
}

static void expect_sink_error(const char *connector, const char *const *kv, const char *mode, const char *msg) {
    Arena a;
    arena_init(&a, 0);
    ConnConfig cfg = make_cfg(&a, "out", COLS, 3, kv);
    Err err;
    err_clear(&err);
    assert_null(sink_open(connector, &cfg, mode, &err));
    assert_string_equal(err.msg, msg);
    arena_free(&a);
}

static void test_sink_options(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    const char *const none[] = {NULL};
    expect_sink_error("foo", none, "append", "unknown connector \"foo\" (expected file, console, sqlite, kafka)");
    expect_sink_error("kafka", none, "append", "connector \"kafka\" is not supported yet");
    expect_sink_error("file", none, "append", "sink \"out\": option \"path\" is required");
    const char *const typo[] = {"fromat=csv", NULL};
    expect_sink_error("console", typo, "append", "sink \"out\": unknown option \"fromat\"");
    expect_sink_error("console", none, "upsert",
                      "sink \"out\": unknown output mode \"upsert\" (expected append, update or complete)");
    const char *const tbl[] = {"table=t", NULL};
    expect_sink_error("sqlite", tbl, "append",
                      "connector \"sqlite\" sinks are written by the runtime into the results database");
    Err err;
    err_clear(&err);
    ConnConfig cfg = make_cfg(&a, "out", COLS, 3, tbl);
    assert_int_equal(sink_check("sqlite", &cfg, &err), 0);
    ConnConfig bare = make_cfg(&a, "out", COLS, 3, none);
    assert_int_equal(sink_check("sqlite", &bare, &err), -1);
    assert_string_equal(err.msg, "sink \"out\": option \"table\" is required");
    err_clear(&err);
    assert_int_equal(sink_check("console", &bare, &err), 0);
    const char *const fs[] = {"path=out", "format=json", "header=true", NULL};
    ConnConfig fcfg = make_cfg(&a, "out", COLS, 3, fs);
    assert_int_equal(sink_check("file", &fcfg, &err), 0);
    arena_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conn_option),       cmocka_unit_test(test_dispatch),
        cmocka_unit_test(test_file_options),      cmocka_unit_test(test_file_missing_dir),
        cmocka_unit_test(test_generator_options), cmocka_unit_test(test_socket_sqlite_options),
        cmocka_unit_test(test_sink_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
