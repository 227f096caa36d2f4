/*
** The file source: files picked up while running in name order, each once;
** max_files_per_trigger; max_records_per_trigger with offsets inside a file
** and seek resuming there; bounded; rejects with their locations; on_error
** = 'fail'; JSON with projection; globs.
*/
#include "conn_test.h"

static Column COLS[] = {{.name = "user_id", .type = TYPE_BIGINT}, {.name = "url", .type = TYPE_TEXT}};

typedef struct Fixture {
    Arena arena;
    char *dir;
    Rejects rj;
    RejectSink sink;
    Err err;
    Buf out;
} Fixture;

static int setup(void **state) {
    Fixture *f = xcalloc(1, sizeof *f);
    arena_init(&f->arena, 0);
    f->dir = temp_dir();
    f->sink = reject_sink(&f->rj);
    err_clear(&f->err);
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

/* A file source over the fixture's directory with extra options (NULL-terminated). */
static Source *open_src(Fixture *f, const int *proj, int nproj, const char *path, ...) {
    const char *kv[32];
    int n = 0;
    kv[n++] = arena_printf(&f->arena, "path=%s", path ? path : f->dir);
    va_list ap;
    va_start(ap, path);
    const char *s;
    while ((s = va_arg(ap, const char *)) != NULL && n < 31) kv[n++] = s;
    va_end(ap);
    kv[n] = NULL;
    ConnConfig cfg = make_cfg(&f->arena, "clicks", COLS, 2, kv);
    Source *src = source_open("file", &cfg, proj, nproj, &f->sink, &f->err);
    if (!src) fprintf(stderr, "open: %s\n", f->err.msg);
    assert_non_null(src);
    return src;
}

static const int BOTH[] = {0, 1};

/* One batch rendered into f->out (cleared first); returns plan_batch's answer. */
static int batch(Fixture *f, Source *s) {
    buf_clear(&f->out);
    return run_batch(s, 2, &f->out, &f->err);
}

static void test_name_order_new_files(void **state) {
    Fixture *f = *state;
    write_file(f->dir, "b.csv", "2,b\n");
    write_file(f->dir, "a.csv", "1,a\n");
    Source *s = open_src(f, BOTH, 2, NULL, NULL);
    assert_false(source_ended(s)); /* unbounded */
    assert_int_equal(batch(f, s), 1);
    assert_string_equal(buf_str(&f->out), "1|'a'\n2|'b'\n");
    char *want = arena_printf(&f->arena, "%s/b.csv", f->dir);
    assert_string_equal(source_end_offset(s), want);
    assert_int_equal(batch(f, s), 0); /* nothing new */

    write_file(f->dir, "c.csv", "3,c\n4,\n");
    write_file(f->dir, ".d.csv", "99,hidden\n"); /* writers' temporary files are skipped */
    assert_int_equal(batch(f, s), 1);
    assert_string_equal(buf_str(&f->out), "3|'c'\n4|NULL\n");
    assert_string_equal(source_end_offset(s), arena_printf(&f->arena, "%s/c.csv", f->dir));

    write_file(f->dir, "0.csv", "0,late\n"); /* sorts before what was consumed: never read */
    assert_int_equal(batch(f, s), 0);
    assert_false(source_ended(s));
    source_close(s);

    /* a restart from the offset reads only what comes after it */
    s = open_src(f, BOTH, 2, NULL, NULL);
    assert_int_equal(source_seek(s, arena_printf(&f->arena, "%s/b.csv", f->dir), &f->err), 0);
    assert_int_equal(batch(f, s), 1);
    assert_string_equal(buf_str(&f->out), "3|'c'\n4|NULL\n");
    source_close(s);
    assert_int_equal(f->rj.n, 0);
}

static void test_max_files_per_trigger(void **state) {
    Fixture *f = *state;
    write_file(f->dir, "f1.csv", "1,a\n");
    write_file(f->dir, "f2.csv", "2,b\n");
    write_file(f->dir, "f3.csv", "3,c\n");
    Source *s = open_src(f, BOTH, 2, NULL, "max_files_per_trigger=2", "bounded=true", NULL);
    assert_int_equal(batch(f, s), 1);
    assert_string_equal(buf_str(&f->out), "1|'a'\n2|'b'\n");
    assert_false(source_ended(s));
    assert_int_equal(batch(f, s), 1);
    assert_string_equal(buf_str(&f->out), "3|'c'\n");
    assert_true(source_ended(s));
    assert_string_equal(source_end_offset(s), arena_printf(&f->arena, "%s/f3.csv", f->dir));
    source_close(s);
}

/* Records limited per batch: the offset lands inside a file and seek resumes there. */
static void test_max_records_resume(void **state) {
    Fixture *f = *state;
    write_file(f->dir, "a.csv", "user_id,url\n1,a\n2,b\n\n3,c\n4,\"d\nd\"\n5,e\n");
    write_file(f->dir, "b.csv", "user_id,url\n6,f\nx,bad\n7,g\n");
    const char *opts[] = {"header=true", "max_records_per_trigger=3"};
    Source *s = open_src(f, BOTH, 2, NULL, opts[0], opts[1], NULL);
    assert_int_equal(batch(f, s), 1);
    assert_string_equal(buf_str(&f->out), "1|'a'\n2|'b'\n3|'c'\n");
    char *off1 = arena_strdup(&f->arena, source_end_offset(s));
    char *a = arena_printf(&f->arena, "%s/a.csv", f->dir);
    /* 25 bytes consumed ("user_id,url\n1,a\n2,b\n\n3,c\n"), next record on line 6 */
    assert_string_equal(off1, arena_printf(&f->arena, "%s\t25\t6", a));

    assert_int_equal(batch(f, s), 1);
    assert_string_equal(buf_str(&f->out), "4|'d\nd'\n5|'e'\n6|'f'\n");
    char *off2 = arena_strdup(&f->arena, source_end_offset(s));
    assert_int_equal(batch(f, s), 1);
    assert_string_equal(buf_str(&f->out), "7|'g'\n");
    assert_int_equal(f->rj.n, 1);
    char *want =
        arena_printf(&f->arena, "clicks|%s/b.csv:3|x,bad|bad BIGINT value \"x\" in column \"user_id\"\n", f->dir);
    assert_string_equal(buf_str(&f->rj.log), want);
    assert_int_equal(batch(f, s), 0);
    source_close(s);

    /* restart after batch 1: the same rows, the same reject location */
    buf_clear(&f->rj.log);
    f->rj.n = 0;
    s = open_src(f, BOTH, 2, NULL, opts[0], opts[1], NULL);
    assert_int_equal(source_seek(s, off1, &f->err), 0);
    assert_int_equal(batch(f, s), 1);
    assert_string_equal(buf_str(&f->out), "4|'d\nd'\n5|'e'\n6|'f'\n");
    assert_string_equal(source_end_offset(s), off2);
    assert_int_equal(batch(f, s), 1);
    assert_string_equal(buf_str(&f->out), "7|'g'\n");
    assert_string_equal(buf_str(&f->rj.log), want);
    source_close(s);

    /* restart after batch 2 (inside b.csv, after its header): line numbers still right */
    buf_clear(&f->rj.log);
    s = open_src(f, BOTH, 2, NULL, opts[0], opts[1], NULL);
    assert_int_equal(source_seek(s, off2, &f->err), 0);
    assert_int_equal(batch(f, s), 1);
    assert_string_equal(buf_str(&f->out), "7|'g'\n");
    assert_string_equal(buf_str(&f->rj.log), want);
    source_close(s);

    /* a bad offset is an error */
    s = open_src(f, BOTH, 2, NULL, NULL);
    err_clear(&f->err);
    assert_int_equal(source_seek(s, "a.csv\tx\t3", &f->err), -1);
    assert_string_equal(f->err.msg, "source \"clicks\": bad offset \"a.csv\tx\t3\"");
    source_close(s);
}

/* Many small batches of one row over a bigger file: all rows once, in order. */
static void test_max_records_one(void **state) {
    Fixture *f = *state;
    Buf text = {0}, want = {0};
    for (int i = 0; i < 50; i++) {
        char line[64];
        snprintf(line, sizeof line, "%d,u%d\n", i, i);
        buf_puts(&text, line);
        snprintf(line, sizeof line, "%d|'u%d'\n", i, i);
        buf_puts(&want, line);
    }
    write_file(f->dir, "a.csv", buf_str(&text));
    Source *s = open_src(f, BOTH, 2, NULL, "max_records_per_trigger=1", "bounded=true", NULL);
    Buf all = {0};
    int batches = 0;
    char *off = NULL;
    while (!source_ended(s)) {
        int rc = batch(f, s);
        assert_true(rc >= 0);
        if (rc == 0) break;
        batches++;
        buf_puts(&all, buf_str(&f->out));
        /* every few batches, restart from the offset as a rerun would */
        if (batches % 7 == 0) {
            free(off);
            off = xstrdup(source_end_offset(s));
            source_close(s);
            s = open_src(f, BOTH, 2, NULL, "max_records_per_trigger=1", "bounded=true", NULL);
            assert_int_equal(source_seek(s, off, &f->err), 0);
        }
    }
    assert_string_equal(buf_str(&all), buf_str(&want));
    assert_true(batches >= 50);
    free(off);
    source_close(s);
    buf_free(&text);
    buf_free(&want);
    buf_free(&all);
}

static void test_bounded(void **state) {
    Fixture *f = *state;
    write_file(f->dir, "1.csv", "1,a\n");
    write_file(f->dir, "2.csv", "2,b\n");
    Source *s = open_src(f, BOTH, 2, NULL, "bounded=true", NULL);
    assert_false(source_ended(s));
    assert_int_equal(batch(f, s), 1);
    write_file(f->dir, "3.csv", "3,c\n"); /* after the input set was fixed */
    assert_true(source_ended(s));
    assert_int_equal(batch(f, s), 0);
    assert_true(source_ended(s));
    source_close(s);

    /* an empty directory: a bounded source ends at once */
    char *empty = arena_printf(&f->arena, "%s/empty", f->dir);
    assert_int_equal(mkdir(empty, 0777), 0);
    s = open_src(f, BOTH, 2, empty, "bounded=true", NULL);
    assert_int_equal(batch(f, s), 0);
    assert_true(source_ended(s));
    source_close(s);
}

static void test_rejects(void **state) {
    Fixture *f = *state;
    write_file(f->dir, "a.csv", "1,a\n2,b,extra\nx,c\n3,d\n");
    Source *s = open_src(f, BOTH, 2, NULL, NULL);
    assert_int_equal(batch(f, s), 1);
    assert_string_equal(buf_str(&f->out), "1|'a'\n3|'d'\n");
    assert_int_equal(f->rj.n, 2);
    assert_int_equal(s->rejects, 2);
    char *want = arena_printf(&f->arena,
                              "clicks|%s/a.csv:2|2,b,extra|expected 2 fields, found 3\n"
                              "clicks|%s/a.csv:3|x,c|bad BIGINT value \"x\" in column \"user_id\"\n",
                              f->dir, f->dir);
    assert_string_equal(buf_str(&f->rj.log), want);
    source_close(s);
}

static void test_on_error_fail(void **state) {
    Fixture *f = *state;
    write_file(f->dir, "a.csv", "1,a\n2,b\nx,c\n3,d\n");
    Source *s = open_src(f, BOTH, 2, NULL, "on_error=fail", NULL);
    assert_int_equal(batch(f, s), -1);
    assert_string_equal(f->err.msg, "source \"clicks\": bad BIGINT value \"x\" in column \"user_id\"");
    assert_string_equal(f->err.location, arena_printf(&f->arena, "%s/a.csv:3", f->dir));
    assert_int_equal(f->rj.n, 0); /* not routed to the reject table */
    source_close(s);

    /* the RejectSink asking to stop also fails the batch */
    err_clear(&f->err);
    f->rj.answer = -1;
    s = open_src(f, BOTH, 2, NULL, NULL);
    assert_int_equal(batch(f, s), -1);
    assert_int_equal(f->rj.n, 1);
    assert_string_equal(f->err.location, arena_printf(&f->arena, "%s/a.csv:3", f->dir));
    source_close(s);
}

static void test_no_reject_sink(void **state) {
    Fixture *f = *state;
    write_file(f->dir, "a.csv", "1,a\n\"open\n");
    const char *kv[] = {arena_printf(&f->arena, "path=%s", f->dir), NULL};
    ConnConfig cfg = make_cfg(&f->arena, "clicks", COLS, 2, kv);
    Source *s = source_open("file", &cfg, BOTH, 2, NULL, &f->err);
    assert_non_null(s);
    assert_int_equal(batch(f, s), -1);
    assert_string_equal(f->err.msg, "source \"clicks\": unterminated quoted field");
    assert_string_equal(f->err.location, arena_printf(&f->arena, "%s/a.csv:2", f->dir));
    source_close(s);
}

static void test_json_projection_glob(void **state) {
    Fixture *f = *state;
    write_file(f->dir, "a.json", "{\"user_id\": 1, \"url\": \"x\"}\n{\"url\": \"y\"}\n{bad\n");
    write_file(f->dir, "b.json", "{\"user_id\": 2, \"url\": \"z\"}\n");
    write_file(f->dir, "c.csv", "not json\n");
    char *glob = arena_printf(&f->arena, "%s/*.json", f->dir);
    int proj[] = {1};
    Source *s = open_src(f, proj, 1, glob, "format=json", NULL);
    buf_clear(&f->out);
    assert_int_equal(run_batch(s, 1, &f->out, &f->err), 1);
    assert_string_equal(buf_str(&f->out), "'x'\n'y'\n'z'\n");
    assert_int_equal(f->rj.n, 1);
    assert_non_null(strstr(buf_str(&f->rj.log), "/a.json:3|{bad|"));
    assert_string_equal(source_end_offset(s), arena_printf(&f->arena, "%s/b.json", f->dir));
    source_close(s);

    /* no columns at all (COUNT(*)): rows still counted */
    s = open_src(f, NULL, 0, glob, "format=json", NULL);
    buf_clear(&f->out);
    assert_int_equal(run_batch(s, 0, &f->out, &f->err), 1);
    assert_string_equal(buf_str(&f->out), "()\n()\n()\n");
    source_close(s);
}

/* A file bigger than the read buffer is read across refills with every row intact. */
static void test_big_file(void **state) {
    Fixture *f = *state;
    char path[600];
    snprintf(path, sizeof path, "%s/big.csv", f->dir);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    const int N = 700000; /* ~10 MB: more than one 8 MiB block */
    for (int i = 0; i < N; i++) fprintf(fp, "%d,some-url-text-%d\n", i, i);
    fclose(fp);
    int proj[] = {0};
    Source *s = open_src(f, proj, 1, NULL, "max_records_per_trigger=300000", NULL);
    int64_t rows = 0, sum = 0, expect_next = 0;
    bool ordered = true;
    for (int b = 0; b < 4; b++) {
        int rc = source_plan_batch(s, &f->err);
        assert_true(rc >= 0);
        if (rc == 0) break;
        Chunk *c;
        while ((rc = source_next(s, &c, &f->err)) == 1) {
            for (uint32_t k = 0; k < chunk_active(c); k++) {
                int64_t v = VEC_I64(&c->cols[0])[chunk_row(c, k)];
                ordered &= v == expect_next++;
                sum += v;
            }
            rows += chunk_active(c);
        }
        assert_int_equal(rc, 0);
    }
    assert_true(ordered);
    assert_int_equal(rows, N);
    assert_int_equal(sum, (int64_t)N * (N - 1) / 2);
    source_close(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_name_order_new_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_files_per_trigger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_records_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_records_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_on_error_fail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_reject_sink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_projection_glob, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
