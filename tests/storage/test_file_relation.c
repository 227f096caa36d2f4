/*
** Unit tests for file relations (storage/file_relation.c): a single file, a
** directory and a glob read in name order, headers per file, JSON, bad
** records naming path:line, projection pushdown, errors for missing paths,
** and files larger than the read buffer (block refills, a record longer
** than the buffer).
*/
#include "storage_test.h"

static Column cols[] = {{"id", TYPE_BIGINT}, {"name", TYPE_TEXT}, {"ts", TYPE_TIMESTAMP}};

static Relation *open_rel(const char *path, const char *format, bool header, Err *err) {
    Schema sch = make_schema(cols, 3);
    FileOptions opt = {path, format, header, 0};
    err_clear(err);
    return file_relation_new(&sch, &opt, err);
}

static void test_directory_and_glob(void **state) {
    (void)state;
    char *dir = temp_dir();
    write_file(dir, "b.csv", "id,name,ts\n3,c,2024-01-01 00:00:03\n4,d,2024-01-01 00:00:04");
    write_file(dir, "a.csv", "id,name,ts\n1,a,2024-01-01 00:00:01\n2,\"b\nb\",2024-01-01 00:00:02\n");
    write_file(dir, "c.txt", "id,name,ts\n5,e,\n");
    write_file(dir, ".hidden.csv", "garbage\n");
    char sub[600];
    snprintf(sub, sizeof sub, "%s/sub.csv", dir);
    assert_int_equal(mkdir(sub, 0700), 0); /* a directory matching the glob is skipped */
    Err err;
    int proj[] = {0, 1, 2};

    Relation *rel = open_rel(dir, "csv", true, &err);
    assert_non_null(rel);
    assert_true(rel->est_rows > 0);
    Buf out = {0};
    assert_int_equal(scan_all(rel, proj, 3, &out, &err, NULL), 0);
    assert_string_equal(buf_str(&out), "1|'a'|2024-01-01 00:00:01\n2|'b\nb'|2024-01-01 00:00:02\n"
                                       "3|'c'|2024-01-01 00:00:03\n4|'d'|2024-01-01 00:00:04\n5|'e'|NULL\n");
    free(out.p);
    /* a second scan reads everything again; projection reorders */
    int p2[] = {2, 0};
    Buf o2 = {0};
    assert_int_equal(scan_all(rel, p2, 2, &o2, &err, NULL), 0);
    assert_string_equal(buf_str(&o2), "2024-01-01 00:00:01|1\n2024-01-01 00:00:02|2\n2024-01-01 00:00:03|3\n"
                                      "2024-01-01 00:00:04|4\nNULL|5\n");
    free(o2.p);
    relation_destroy(rel);

    char glob[600];
    snprintf(glob, sizeof glob, "%s/*.csv", dir);
    rel = open_rel(glob, "CSV", true, &err);
    assert_non_null(rel);
    Buf o3 = {0};
    int p3[] = {0};
    assert_int_equal(scan_all(rel, p3, 1, &o3, &err, NULL), 0);
    assert_string_equal(buf_str(&o3), "1\n2\n3\n4\n");
    free(o3.p);
    relation_destroy(rel);

    /* a single file; without the header option the header line is a bad record */
    char one[600];
    snprintf(one, sizeof one, "%s/b.csv", dir);
    rel = open_rel(one, NULL, false, &err);
    assert_non_null(rel);
    Buf o4 = {0};
    assert_int_equal(scan_all(rel, p3, 1, &o4, &err, NULL), -1);
    char want[620];
    snprintf(want, sizeof want, "%s:1", one);
    assert_string_equal(err.location, want);
    assert_string_equal(err.msg, "bad BIGINT value \"id\" in column \"id\"");
    free(o4.p);
    relation_destroy(rel);
    remove_tree(dir);
    free(dir);
}

static void test_bad_record_location(void **state) {
    (void)state;
    char *dir = temp_dir();
    write_file(dir, "1.csv", "1,a,2024-01-01\n");
    write_file(dir, "2.csv", "2,b,2024-01-01\n3,c,2024-01-01\n4,d,not a time\n5,e,2024-01-01\n");
    Err err;
    Relation *rel = open_rel(dir, "csv", false, &err);
    assert_non_null(rel);
    int proj[] = {0, 2};
    Buf out = {0};
    assert_int_equal(scan_all(rel, proj, 2, &out, &err, NULL), -1);
    char want[600];
    snprintf(want, sizeof want, "%s/2.csv:3", dir);
    assert_string_equal(err.location, want);
    assert_string_equal(err.msg, "bad TIMESTAMP value \"not a time\" in column \"ts\"");
    char *rendered = err_render(&err, NULL, NULL, 0);
    assert_non_null(strstr(rendered, ":3: error: bad TIMESTAMP value"));
    free(rendered);
    free(out.p);
    /* the bad value is in an unprojected column: no error */
    int p2[] = {0, 1};
    Buf o2 = {0};
    err_clear(&err);
    assert_int_equal(scan_all(rel, p2, 2, &o2, &err, NULL), 0);
    assert_string_equal(buf_str(&o2), "1|'a'\n2|'b'\n3|'c'\n4|'d'\n5|'e'\n");
    free(o2.p);
    relation_destroy(rel);
    remove_tree(dir);
    free(dir);
}

static void test_json_files(void **state) {
    (void)state;
    char *dir = temp_dir();
    write_file(dir, "x.json", "{\"id\":1,\"name\":\"a\",\"ts\":1000}\n{\"name\":\"b\"}\n");
    write_file(dir, "y.json", "{\"id\":3,\"ts\":\"2024-01-01T00:00:00Z\"}");
    Err err;
    Relation *rel = open_rel(dir, "json", false, &err);
    assert_non_null(rel);
    int proj[] = {0, 1, 2};
    Buf out = {0};
    assert_int_equal(scan_all(rel, proj, 3, &out, &err, NULL), 0);
    assert_string_equal(buf_str(&out), "1|'a'|1970-01-01 00:00:01\nNULL|'b'|NULL\n3|NULL|2024-01-01 00:00:00\n");
    free(out.p);
    relation_destroy(rel);
    remove_tree(dir);
    free(dir);
}

static void test_errors(void **state) {
    (void)state;
    char *dir = temp_dir();
    Err err;
    char path[600];
    snprintf(path, sizeof path, "%s/missing.csv", dir);
    assert_null(open_rel(path, "csv", false, &err));
    assert_non_null(strstr(err.msg, "does not exist"));
    snprintf(path, sizeof path, "%s/*.csv", dir);
    assert_null(open_rel(path, "csv", false, &err));
    assert_non_null(strstr(err.msg, "no files match"));
    assert_null(open_rel(dir, "parquet", false, &err));
    assert_string_equal(err.msg, "unknown format \"parquet\" (expected csv or json)");
    /* an empty directory is an empty relation */
    Relation *rel = open_rel(dir, "csv", false, &err);
    assert_non_null(rel);
    Buf out = {0};
    int proj[] = {0};
    assert_int_equal(scan_all(rel, proj, 1, &out, &err, NULL), 0);
    assert_string_equal(buf_str(&out), "");
    /* files added later are seen by the next scan; empty files are fine */
    write_file(dir, "a.csv", "");
    write_file(dir, "b.csv", "7,x,\n");
    assert_int_equal(scan_all(rel, proj, 1, &out, &err, NULL), 0);
    assert_string_equal(buf_str(&out), "7\n");
    free(out.p);
    relation_destroy(rel);
    Schema sch = make_schema(cols, 3);
    FileOptions bad = {dir, "csv", false, '"'};
    err_clear(&err);
    assert_null(file_relation_new(&sch, &bad, &err));
    assert_true(err.set);
    remove_tree(dir);
    free(dir);
}

/* A file larger than the 8 MiB read buffer, and a record larger than the buffer. */
static void test_large_files(void **state) {
    (void)state;
    char *dir = temp_dir();
    char path[600];
    snprintf(path, sizeof path, "%s/big.csv", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    const int rows = 400000;
    int64_t want_sum = 0;
    for (int i = 0; i < rows; i++) {
        fprintf(f, "%d,name-%d-padding-padding,2024-01-01 00:00:%02d\n", i, i, i % 60);
        want_sum += i;
    }
    fclose(f);
    Err err;
    Relation *rel = open_rel(path, "csv", false, &err);
    assert_non_null(rel);
    int proj[] = {0, 1};
    Scanner *s = relation_open(rel, proj, 2, &err);
    Chunk *c;
    int64_t sum = 0, n = 0;
    while (scanner_next(s, &c, &err) == 1) {
        for (uint32_t k = 0; k < c->count; k++, n++) {
            int64_t v = VEC_I64(&c->cols[0])[k];
            assert_int_equal(v, n);
            char want[64];
            int len = snprintf(want, sizeof want, "name-%lld-padding-padding", (long long)v);
            Str got = VEC_STR(&c->cols[1])[k];
            assert_int_equal(got.len, len);
            assert_memory_equal(got.ptr, want, (size_t)len);
            sum += v;
        }
    }
    assert_false(err.set);
    scanner_close(s);
    assert_int_equal(n, rows);
    assert_int_equal(sum, want_sum);
    relation_destroy(rel);

    /* one 9 MiB field between two small records */
    snprintf(path, sizeof path, "%s/huge.csv", dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    size_t big = 9u << 20;
    fprintf(f, "1,a,\n2,\"");
    for (size_t i = 0; i < big; i++) fputc('a' + (int)(i % 26), f);
    fprintf(f, "\",\n3,c,\n");
    fclose(f);
    rel = open_rel(path, "csv", false, &err);
    assert_non_null(rel);
    s = relation_open(rel, proj, 2, &err);
    n = 0;
    while (scanner_next(s, &c, &err) == 1) {
        for (uint32_t k = 0; k < c->count; k++, n++) {
            assert_int_equal(VEC_I64(&c->cols[0])[k], n + 1);
            Str got = VEC_STR(&c->cols[1])[k];
            if (n == 1) {
                assert_int_equal(got.len, big);
                assert_int_equal(got.ptr[big - 1], 'a' + (int)((big - 1) % 26));
            } else {
                assert_int_equal(got.len, 1);
            }
        }
    }
    assert_false(err.set);
    assert_int_equal(n, 3);
    scanner_close(s);
    relation_destroy(rel);
    remove_tree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_directory_and_glob), cmocka_unit_test(test_bad_record_location),
        cmocka_unit_test(test_json_files),         cmocka_unit_test(test_errors),
        cmocka_unit_test(test_large_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
