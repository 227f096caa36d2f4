/*
** Unit tests for in-memory tables (storage/memtable.c): append with and
** without selection vectors and NULLs, strings copied into the table, scans
** with projections over many chunks (zero-copy slices), snapshots while
** appending, and type-mismatched input.
*/
#include "storage_test.h"

static Column cols[] = {{"i", TYPE_BIGINT}, {"d", TYPE_DOUBLE}, {"b", TYPE_BOOL},
                        {"t", TYPE_TEXT},   {"ts", TYPE_TIMESTAMP}, {"iv", TYPE_INTERVAL}};

/* A chunk of n rows: i = base+k, d = k/2, b = k odd, t = "s<base+k>", ts = k seconds, iv = k; every 5th row NULL. */
static Chunk *make_chunk(Arena *a, int base, uint32_t n, bool nulls) {
    Chunk *c = chunk_new(6, a);
    c->count = c->nsel = n;
    for (int j = 0; j < 6; j++) vec_alloc(&c->cols[j], cols[j].type, n, a);
    for (uint32_t k = 0; k < n; k++) {
        VEC_I64(&c->cols[0])[k] = base + (int)k;
        VEC_F64(&c->cols[1])[k] = k / 2.0;
        VEC_BOOL(&c->cols[2])[k] = k % 2;
        char *s = arena_printf(a, "s%d", base + (int)k);
        VEC_STR(&c->cols[3])[k] = str_from(s, strlen(s));
        VEC_I64(&c->cols[4])[k] = (int64_t)k * USEC_PER_SEC;
        VEC_I64(&c->cols[5])[k] = k;
        if (nulls && k % 5 == 4)
            for (int j = 0; j < 6; j++) vec_nulls(&c->cols[j], n, a)[k] = 1;
    }
    return c;
}

static void test_append_scan(void **state) {
    (void)state;
    Schema sch = make_schema(cols, 6);
    MemTable *t = memtable_new(&sch);
    Relation *rel = memtable_relation(t);
    assert_int_equal(rel->schema.ncols, 6);
    assert_string_equal(rel->schema.cols[3].name, "t");
    Arena a;
    arena_init(&a, 0);
    Chunk *c = make_chunk(&a, 0, 6, true);
    memtable_append(t, c);
    /* the strings were copied: scribbling on the source does not change the table */
    memset((char *)VEC_STR(&c->cols[3])[0].ptr, 'X', 2);
    arena_free(&a);
    assert_int_equal(memtable_rows(t), 6);
    assert_int_equal(rel->est_rows, 6);

    int proj[] = {0, 1, 2, 3, 4, 5};
    Buf out = {0};
    Err err;
    err_clear(&err);
    assert_int_equal(scan_all(rel, proj, 6, &out, &err, NULL), 0);
    assert_string_equal(buf_str(&out), "0|0.0|false|'s0'|1970-01-01 00:00:00|00:00:00\n"
                                       "1|0.5|true|'s1'|1970-01-01 00:00:01|00:00:00.000001\n"
                                       "2|1.0|false|'s2'|1970-01-01 00:00:02|00:00:00.000002\n"
                                       "3|1.5|true|'s3'|1970-01-01 00:00:03|00:00:00.000003\n"
                                       "NULL|NULL|NULL|NULL|NULL|NULL\n"
                                       "5|2.5|true|'s5'|1970-01-01 00:00:05|00:00:00.000005\n");
    free(out.p);

    /* projections: subset, reordered, repeated, none */
    int p2[] = {3, 0, 3};
    Buf o2 = {0};
    assert_int_equal(scan_all(rel, p2, 3, &o2, &err, NULL), 0);
    assert_string_equal(buf_str(&o2), "'s0'|0|'s0'\n's1'|1|'s1'\n's2'|2|'s2'\n's3'|3|'s3'\nNULL|NULL|NULL\n's5'|5|'s5'\n");
    free(o2.p);
    Buf o3 = {0};
    assert_int_equal(scan_all(rel, NULL, 0, &o3, &err, NULL), 0);
    assert_string_equal(buf_str(&o3), "()\n()\n()\n()\n()\n()\n");
    free(o3.p);
    int bad[] = {6};
    assert_null(relation_open(rel, bad, 1, &err));
    assert_true(err.set);
    memtable_free(t);
}

/* NULL values in the table have zeroed slots; a column without NULLs has no null array. */
static void test_null_arrays(void **state) {
    (void)state;
    Schema sch = make_schema(cols, 6);
    MemTable *t = memtable_new(&sch);
    Arena a;
    arena_init(&a, 0);
    memtable_append(t, make_chunk(&a, 0, 4, false));
    Scanner *s;
    Chunk *c;
    Err err;
    err_clear(&err);
    int proj[] = {0, 3};
    s = relation_open(memtable_relation(t), proj, 2, &err);
    assert_int_equal(scanner_next(s, &c, &err), 1);
    assert_null(c->cols[0].nulls);
    assert_null(c->cols[1].nulls);
    assert_null(c->sel);
    assert_null(c->weights);
    scanner_close(s);
    memtable_append(t, make_chunk(&a, 4, 5, true)); /* row 8 (k=4) is NULL */
    s = relation_open(memtable_relation(t), proj, 2, &err);
    uint32_t seen = 0;
    while (scanner_next(s, &c, &err) == 1) {
        for (uint32_t k = 0; k < c->count; k++, seen++) {
            bool null = seen == 8;
            assert_int_equal(vec_is_null(&c->cols[0], k), null);
            if (null) {
                assert_int_equal(VEC_I64(&c->cols[0])[k], 0);
                assert_int_equal(VEC_STR(&c->cols[1])[k].len, 0);
            }
        }
    }
    assert_int_equal(seen, 9);
    scanner_close(s);
    arena_free(&a);
    memtable_free(t);
}

/* Rows selected by a selection vector only, across many chunks; scans slice without copying. */
static void test_selection_and_many_chunks(void **state) {
    (void)state;
    Schema sch = make_schema(cols, 6);
    MemTable *t = memtable_new(&sch);
    Arena a;
    arena_init(&a, 0);
    Buf want = {0};
    int64_t total = 0;
    for (int b = 0; b < 40; b++) {
        arena_reset(&a);
        Chunk *c = make_chunk(&a, b * 1000, 300, true);
        c->sel = arena_alloc(&a, sizeof(uint32_t) * 300);
        c->nsel = 0;
        for (uint32_t k = 0; k < 300; k += 3) c->sel[c->nsel++] = k; /* rows 0, 3, 6, ... */
        memtable_append(t, c);
        for (uint32_t k = 0; k < 300; k += 3) {
            char row[64];
            if (k % 5 == 4) snprintf(row, sizeof row, "NULL|NULL\n");
            else snprintf(row, sizeof row, "'s%d'|%d\n", b * 1000 + (int)k, b * 1000 + (int)k);
            buf_puts(&want, row);
            total++;
        }
    }
    arena_free(&a);
    assert_int_equal(memtable_rows(t), total);
    int proj[] = {3, 0};
    Buf out = {0};
    Err err;
    err_clear(&err);
    int nchunks;
    assert_int_equal(scan_all(memtable_relation(t), proj, 2, &out, &err, &nchunks), 0);
    assert_string_equal(buf_str(&out), buf_str(&want));
    assert_int_equal(nchunks, (total + WEIR_BATCH_SIZE - 1) / WEIR_BATCH_SIZE);
    /* zero copy: a chunk's BIGINT data is consecutive slices of one array */
    Scanner *s = relation_open(memtable_relation(t), proj, 2, &err);
    Chunk *c;
    assert_int_equal(scanner_next(s, &c, &err), 1);
    const int64_t *first = VEC_I64(&c->cols[1]);
    uint32_t n1 = c->count;
    if (scanner_next(s, &c, &err) == 1) assert_ptr_equal(VEC_I64(&c->cols[1]), first + n1);
    scanner_close(s);
    free(out.p);
    free(want.p);
    memtable_free(t);
}

/*
** A scanner sees the rows present when it opened, and its current chunk
** stays readable while the table grows (INSERT INTO t SELECT * FROM t).
*/
static void test_snapshot_while_appending(void **state) {
    (void)state;
    Column c1[] = {{"v", TYPE_BIGINT}, {"s", TYPE_TEXT}};
    Schema sch = make_schema(c1, 2);
    MemTable *t = memtable_new(&sch);
    Arena a;
    arena_init(&a, 0);
    Chunk *src = chunk_new(2, &a);
    src->count = src->nsel = 3;
    vec_alloc(&src->cols[0], TYPE_BIGINT, 3, &a);
    vec_alloc(&src->cols[1], TYPE_TEXT, 3, &a);
    for (int k = 0; k < 3; k++) {
        VEC_I64(&src->cols[0])[k] = k;
        VEC_STR(&src->cols[1])[k] = str_from("abc", 3);
    }
    memtable_append(t, src);
    arena_free(&a);
    Err err;
    err_clear(&err);
    int proj[] = {0, 1};
    for (int round = 0; round < 12; round++) { /* doubling each round: many reallocations */
        int64_t before = memtable_rows(t), sum = 0, rows = 0;
        Scanner *s = relation_open(memtable_relation(t), proj, 2, &err);
        Chunk *c;
        while (scanner_next(s, &c, &err) == 1) {
            memtable_append(t, c); /* moves the arrays while c points into them */
            for (uint32_t k = 0; k < c->count; k++) {
                sum += VEC_I64(&c->cols[0])[k];
                assert_int_equal(VEC_STR(&c->cols[1])[k].len, 3);
            }
            rows += c->count;
        }
        scanner_close(s);
        assert_int_equal(rows, before);
        assert_int_equal(memtable_rows(t), 2 * before);
        assert_int_equal(sum, 3 * (before / 3)); /* each copy of 0,1,2 sums to 3 */
    }
    memtable_free(t);
}

/* Vectors of another type than the column's are converted, never misread. */
static void test_mismatched_types(void **state) {
    (void)state;
    Column c1[] = {{"d", TYPE_DOUBLE}, {"t", TYPE_TEXT}, {"n", TYPE_BIGINT}};
    Schema sch = make_schema(c1, 3);
    MemTable *t = memtable_new(&sch);
    Arena a;
    arena_init(&a, 0);
    Chunk *c = chunk_new(2, &a); /* third column missing: NULL */
    c->count = c->nsel = 2;
    vec_alloc(&c->cols[0], TYPE_BIGINT, 2, &a);
    vec_alloc(&c->cols[1], TYPE_BOOL, 2, &a);
    VEC_I64(&c->cols[0])[0] = 7;
    VEC_I64(&c->cols[0])[1] = -1;
    VEC_BOOL(&c->cols[1])[0] = 1;
    VEC_BOOL(&c->cols[1])[1] = 0;
    memtable_append(t, c);
    arena_free(&a);
    int proj[] = {0, 1, 2};
    Buf out = {0};
    Err err;
    err_clear(&err);
    assert_int_equal(scan_all(memtable_relation(t), proj, 3, &out, &err, NULL), 0);
    assert_string_equal(buf_str(&out), "7.0|'true'|NULL\n-1.0|'false'|NULL\n");
    free(out.p);
    memtable_free(t);
}

static void test_empty(void **state) {
    (void)state;
    Schema sch = make_schema(cols, 6);
    MemTable *t = memtable_new(&sch);
    Err err;
    err_clear(&err);
    int proj[] = {1};
    Scanner *s = relation_open(memtable_relation(t), proj, 1, &err);
    Chunk *c;
    assert_int_equal(scanner_next(s, &c, &err), 0);
    scanner_close(s);
    Arena a;
    arena_init(&a, 0);
    Chunk *e = make_chunk(&a, 0, 3, false);
    e->sel = arena_alloc(&a, 4);
    e->nsel = 0;
    memtable_append(t, e);
    assert_int_equal(memtable_rows(t), 0);
    arena_free(&a);
    memtable_free(t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_scan),
        cmocka_unit_test(test_null_arrays),
        cmocka_unit_test(test_selection_and_many_chunks),
        cmocka_unit_test(test_snapshot_while_appending),
        cmocka_unit_test(test_mismatched_types),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
