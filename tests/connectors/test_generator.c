/*
** The generator source: determinism (same seed and offset -> the same rows,
** whatever the projection or batch limits), unpaced and paced batches,
** sequence and random kinds, TIMESTAMP progression and its start kept in the
** offset.
*/
#include <time.h>

#include "conn_test.h"

static Column COLS[] = {{.name = "id", .type = TYPE_BIGINT}, {.name = "ts", .type = TYPE_TIMESTAMP},
                        {.name = "k", .type = TYPE_BIGINT},  {.name = "name", .type = TYPE_TEXT},
                        {.name = "x", .type = TYPE_DOUBLE},  {.name = "flag", .type = TYPE_BOOL}};
#define NCOLS 6
static const int ALL[] = {0, 1, 2, 3, 4, 5};

static Source *open_gen(Arena *a, const int *proj, int nproj, int64_t now_us, const char *const *kv) {
    ConnConfig cfg = make_cfg(a, "gen", COLS, NCOLS, kv);
    cfg.now_us = now_us;
    Err err;
    err_clear(&err);
    Source *s = source_open("generator", &cfg, proj, nproj, NULL, &err);
    if (!s) fprintf(stderr, "open: %s\n", err.msg);
    assert_non_null(s);
    return s;
}

/* Every batch until plan_batch says 0 (at most `max` batches), rendered; batch sizes in sizes[]. */
static int drain(Source *s, int ncols, Buf *out, int64_t *sizes, int max) {
    Err err;
    err_clear(&err);
    int n = 0;
    while (n < max) {
        Buf one = {0};
        int rc = run_batch(s, ncols, &one, &err);
        assert_true(rc >= 0);
        if (rc == 0) {
            buf_free(&one);
            break;
        }
        int64_t lines = 0;
        for (size_t i = 0; i < one.n; i++) lines += one.p[i] == '\n';
        if (sizes) sizes[n] = lines;
        n++;
        buf_puts(out, buf_str(&one));
        buf_free(&one);
    }
    return n;
}

static void test_unpaced_batches_and_end(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    const char *const kv[] = {
        "rows=10", "pace=false", "max_records_per_trigger=4", "start=2024-01-01 00:00:00", "rows_per_second=4", NULL};
    int proj[] = {0, 1};
    Source *s = open_gen(&a, proj, 2, 0, kv);
    assert_false(source_ended(s));
    Buf out = {0};
    int64_t sizes[8];
    assert_int_equal(drain(s, 2, &out, sizes, 8), 3);
    assert_int_equal(sizes[0], 4);
    assert_int_equal(sizes[1], 4);
    assert_int_equal(sizes[2], 2);
    assert_true(source_ended(s));
    assert_string_equal(source_end_offset(s), "rows=10;start=1704067200000000");
    assert_string_equal(buf_str(&out),
                        "0|2024-01-01 00:00:00\n1|2024-01-01 00:00:00.250000\n2|2024-01-01 00:00:00.500000\n"
                        "3|2024-01-01 00:00:00.750000\n4|2024-01-01 00:00:01\n5|2024-01-01 00:00:01.250000\n"
                        "6|2024-01-01 00:00:01.500000\n7|2024-01-01 00:00:01.750000\n8|2024-01-01 00:00:02\n"
                        "9|2024-01-01 00:00:02.250000\n");
    source_close(s);
    buf_free(&out);
    arena_free(&a);
}

/* rows_per_second that does not divide a second: floor(n * 1e6 / rps), carried exactly. */
static void test_timestamp_fraction(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    const char *const kv[] = {"rows=5000", "pace=false", "start=2024-01-01 00:00:00", "rows_per_second=3", NULL};
    int proj[] = {1};
    Source *s = open_gen(&a, proj, 1, 0, kv);
    Err err;
    err_clear(&err);
    assert_int_equal(source_plan_batch(s, &err), 1);
    Chunk *c;
    int64_t row = 0, start = 1704067200000000LL;
    bool ok = true;
    while (source_next(s, &c, &err) == 1) {
        for (uint32_t k = 0; k < c->count; k++, row++) ok &= VEC_I64(&c->cols[0])[k] == start + (row * 1000000) / 3;
    }
    assert_int_equal(row, 5000);
    assert_true(ok);
    source_close(s);

    /* 7 rows per second, restarted at an odd row: the fraction carries across the restart */
    const char *const kv7[] = {
        "rows=100", "pace=false", "start=2024-01-01 00:00:00", "rows_per_second=7", "max_records_per_trigger=13", NULL};
    s = open_gen(&a, proj, 1, 0, kv7);
    assert_int_equal(source_seek(s, "rows=37;start=1704067200000000", &err), 0);
    assert_int_equal(source_plan_batch(s, &err), 1);
    row = 37;
    while (source_next(s, &c, &err) == 1)
        for (uint32_t k = 0; k < c->count; k++, row++) ok &= VEC_I64(&c->cols[0])[k] == start + (row * 1000000) / 7;
    assert_int_equal(row, 50);
    assert_true(ok);
    source_close(s);
    arena_free(&a);
}

/* Same seed: the same rows whatever the projection, the batch limits or a restart in between. */
static void test_determinism(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    const char *const kv1[] = {"rows=5000",      "pace=false",       "seed=42", "fields.k.kind=random",
                               "fields.k.min=0", "fields.k.max=999", NULL};
    const char *const kv2[] = {"rows=5000",
                               "pace=false",
                               "seed=42",
                               "fields.k.kind=random",
                               "fields.k.min=0",
                               "fields.k.max=999",
                               "max_records_per_trigger=777",
                               NULL};
    int64_t now = 1700000000123456LL;
    Source *s1 = open_gen(&a, ALL, NCOLS, now, kv1);
    Buf one = {0}, two = {0};
    drain(s1, NCOLS, &one, NULL, 100);
    source_close(s1);

    /* the same in small batches, restarting from the offset every other batch */
    Source *s2 = open_gen(&a, ALL, NCOLS, now, kv2);
    Err err;
    err_clear(&err);
    for (int b = 0; b < 100; b++) {
        int rc = run_batch(s2, NCOLS, &two, &err);
        assert_true(rc >= 0);
        if (rc == 0) break;
        if (b % 2 == 1) {
            char *off = xstrdup(source_end_offset(s2));
            source_close(s2);
            /* a later wall clock: the start comes back from the offset */
            s2 = open_gen(&a, ALL, NCOLS, now + 999999999, kv2);
            assert_int_equal(source_seek(s2, off, &err), 0);
            free(off);
        }
    }
    assert_true(source_ended(s2));
    source_close(s2);
    assert_string_equal(buf_str(&one), buf_str(&two));

    /* a projection produces the same values for the columns it keeps */
    int proj[] = {4, 2};
    Source *s3 = open_gen(&a, proj, 2, now, kv1);
    Buf three = {0};
    drain(s3, 2, &three, NULL, 100);
    source_close(s3);
    /* rebuild "x|k" lines from the full rendering */
    Buf want = {0};
    const char *p = buf_str(&one);
    while (*p) {
        const char *nl = strchr(p, '\n');
        char line[512];
        size_t n = (size_t)(nl - p);
        memcpy(line, p, n);
        line[n] = 0;
        char *f[NCOLS];
        char *save = NULL;
        int i = 0;
        for (char *t = strtok_r(line, "|", &save); t && i < NCOLS; t = strtok_r(NULL, "|", &save)) f[i++] = t;
        assert_int_equal(i, NCOLS);
        buf_puts(&want, f[4]);
        buf_puts(&want, "|");
        buf_puts(&want, f[2]);
        buf_puts(&want, "\n");
        p = nl + 1;
    }
    assert_string_equal(buf_str(&three), buf_str(&want));

    /* another seed: other random values */
    const char *const kv3[] = {"rows=5000",      "pace=false",       "seed=43", "fields.k.kind=random",
                               "fields.k.min=0", "fields.k.max=999", NULL};
    Source *s4 = open_gen(&a, ALL, NCOLS, now, kv3);
    Buf four = {0};
    drain(s4, NCOLS, &four, NULL, 100);
    source_close(s4);
    assert_string_not_equal(buf_str(&one), buf_str(&four));
    buf_free(&one);
    buf_free(&two);
    buf_free(&three);
    buf_free(&four);
    buf_free(&want);
    arena_free(&a);
}

/* Value ranges and defaults of every kind. */
static void test_kinds(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    const char *const kv[] = {"rows=20000",
                              "pace=false",
                              "seed=7",
                              "fields.id.start=100",
                              "fields.k.kind=random",
                              "fields.k.min=-5",
                              "fields.k.max=5",
                              "fields.name.length=3",
                              "fields.x.min=10",
                              "fields.x.max=20",
                              NULL};
    Source *s = open_gen(&a, ALL, NCOLS, 0, kv);
    Err err;
    err_clear(&err);
    int64_t row = 0, kseen[11] = {0}, trues = 0;
    bool ok = true;
    while (source_plan_batch(s, &err) == 1) {
        Chunk *c;
        while (source_next(s, &c, &err) == 1) {
            for (uint32_t i = 0; i < c->count; i++, row++) {
                ok &= VEC_I64(&c->cols[0])[i] == 100 + row;
                int64_t k = VEC_I64(&c->cols[2])[i];
                ok &= k >= -5 && k <= 5;
                if (k >= -5 && k <= 5) kseen[k + 5]++;
                Str name = VEC_STR(&c->cols[3])[i];
                ok &= name.len == 3;
                for (uint32_t j = 0; j < name.len; j++) ok &= name.ptr[j] >= 'a' && name.ptr[j] <= 'z';
                double x = VEC_F64(&c->cols[4])[i];
                ok &= x >= 10 && x < 20;
                trues += VEC_BOOL(&c->cols[5])[i];
                ok &= c->cols[0].nulls == NULL;
            }
        }
    }
    assert_true(ok);
    assert_int_equal(row, 20000);
    for (int i = 0; i < 11; i++) assert_true(kseen[i] > 20000 / 11 / 2); /* every value shows up, roughly evenly */
    assert_true(trues > 9000 && trues < 11000);
    assert_true(source_ended(s));
    source_close(s);

    /* defaults: BIGINT counts from 0, TEXT 10 letters, DOUBLE in [0, 1) */
    const char *const kvd[] = {"rows=3000", "pace=false", NULL};
    int proj[] = {3, 4, 0};
    s = open_gen(&a, proj, 3, 0, kvd);
    row = 0;
    while (source_plan_batch(s, &err) == 1) {
        Chunk *c;
        while (source_next(s, &c, &err) == 1) {
            for (uint32_t i = 0; i < c->count; i++, row++) {
                ok &= VEC_STR(&c->cols[0])[i].len == 10;
                double x = VEC_F64(&c->cols[1])[i];
                ok &= x >= 0 && x < 1;
                ok &= VEC_I64(&c->cols[2])[i] == row;
            }
        }
    }
    assert_true(ok);
    assert_int_equal(row, 3000);
    source_close(s);

    /* a sequence with an end bounds the source (Flink's datagen does the same); TEXT sequences are numbers */
    const char *const kvs[] = {"pace=false",           "fields.id.start=5",
                               "fields.id.end=9",      "fields.name.kind=sequence",
                               "fields.name.start=-1", NULL};
    int proj2[] = {0, 3};
    s = open_gen(&a, proj2, 2, 0, kvs);
    Buf out = {0};
    drain(s, 2, &out, NULL, 10);
    assert_string_equal(buf_str(&out), "5|'-1'\n6|'0'\n7|'1'\n8|'2'\n9|'3'\n");
    assert_true(source_ended(s));
    source_close(s);

    /* bounded = 'false' with rows: stops producing but never ends */
    const char *const kvb[] = {"pace=false", "rows=2", "bounded=false", NULL};
    s = open_gen(&a, proj2, 2, 0, kvb);
    buf_clear(&out);
    drain(s, 2, &out, NULL, 10);
    assert_false(source_ended(s));
    source_close(s);

    /* random TIMESTAMP between min and max */
    const char *const kvt[] = {"pace=false",
                               "rows=1000",
                               "fields.ts.kind=random",
                               "fields.ts.min=2024-01-01 00:00:00",
                               "fields.ts.max=2024-01-01 00:00:01",
                               NULL};
    int proj3[] = {1};
    s = open_gen(&a, proj3, 1, 0, kvt);
    assert_int_equal(source_plan_batch(s, &err), 1);
    Chunk *c;
    while (source_next(s, &c, &err) == 1)
        for (uint32_t i = 0; i < c->count; i++) {
            int64_t t = VEC_I64(&c->cols[0])[i];
            ok &= t >= 1704067200000000LL && t <= 1704067201000000LL;
        }
    assert_true(ok);
    source_close(s);
    buf_free(&out);
    arena_free(&a);
}

/* The default start is the query start, kept in the offset: a restart keeps the timeline. */
static void test_start_in_offset(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    const char *const kv[] = {"rows=4", "pace=false", "max_records_per_trigger=2", NULL};
    int proj[] = {1};
    int64_t now = 1704067200000000LL; /* 2024-01-01 */
    Source *s = open_gen(&a, proj, 1, now, kv);
    Buf out = {0};
    Err err;
    err_clear(&err);
    assert_int_equal(run_batch(s, 1, &out, &err), 1);
    char *off = arena_strdup(&a, source_end_offset(s));
    assert_string_equal(off, "rows=2;start=1704067200000000");
    source_close(s);
    s = open_gen(&a, proj, 1, now + 3600 * USEC_PER_SEC, kv);
    assert_int_equal(source_seek(s, off, &err), 0);
    assert_int_equal(run_batch(s, 1, &out, &err), 1);
    assert_string_equal(buf_str(&out), "2024-01-01 00:00:00\n2024-01-01 00:00:00.001000\n2024-01-01 00:00:00.002000\n"
                                       "2024-01-01 00:00:00.003000\n");
    assert_int_equal(source_seek(s, "rows=x", &err), -1);
    assert_string_equal(err.msg, "source \"gen\": bad offset \"rows=x\"");
    source_close(s);
    buf_free(&out);
    arena_free(&a);
}

static int64_t mono_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* Paced: a batch offers only the rows due by the wall clock. */
static void test_paced(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    const char *const kv[] = {"rows_per_second=1000", NULL};
    int proj[] = {0};
    int64_t t0 = mono_us();
    Source *s = open_gen(&a, proj, 1, 0, kv);
    Err err;
    err_clear(&err);
    int64_t total = 0;
    int64_t sizes[1];
    Buf out = {0};
    /* right after the start: few rows (maybe none) */
    total += drain(s, 1, &out, sizes, 1) ? sizes[0] : 0;
    assert_true(total <= 1000 * (mono_us() - t0) / 1000000 + 1);
    struct timespec nap = {0, 200 * 1000000};
    nanosleep(&nap, NULL);
    int64_t before = mono_us();
    total += drain(s, 1, &out, sizes, 1) ? sizes[0] : 0;
    int64_t after = mono_us();
    assert_true(total >= 1000 * (before - t0) / 1000000 - 50); /* the clock started at the first plan */
    assert_true(total <= 1000 * (after - t0) / 1000000 + 1);
    assert_true(total >= 150);
    assert_false(source_ended(s));
    source_close(s);
    buf_free(&out);
    arena_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unpaced_batches_and_end),
        cmocka_unit_test(test_timestamp_fraction),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_start_in_offset),
        cmocka_unit_test(test_paced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
