/*
** Unit tests for the CSV record reader (storage/csv.c, storage/reader.c):
** RFC 4180 quoting, CRLF, NULL vs empty string, delimiters, headers, the last
** record without a newline, conversions, bad records with their line numbers,
** projection (unrequested fields are not converted), and identical results
** whatever the buffer split and chunk size.
*/
#include "storage_test.h"

static Column cols_ibt[] = {{"id", TYPE_BIGINT}, {"b", TYPE_BOOL}, {"t", TYPE_TEXT}};
static Column cols_all[] = {{"i", TYPE_BIGINT}, {"d", TYPE_DOUBLE}, {"b", TYPE_BOOL},
                            {"t", TYPE_TEXT},   {"ts", TYPE_TIMESTAMP}};

static const size_t pieces[] = {0, 1, 2, 3, 5, 7, 64};
static const uint32_t limits[] = {0, 1, 3};

/*
** Parse `text` with every split and chunk limit; the rows must equal
** `rows` and the rejects (callback continues) `rejects` each time.
*/
static void check(const Column *cols, int ncols, const int *proj, int nproj, ReaderOptions opt, const char *text,
                  const char *rows, const char *rejects) {
    Schema sch = make_schema((Column *)cols, ncols);
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
            Buf out = {0};
            Rejects rj = {0};
            Err err;
            err_clear(&err);
            int rc = feed(&sch, proj, nproj, &opt, text, strlen(text), pieces[i], &rj, limits[l], &out, &err);
            if (rc != 0) fail_msg("unexpected error: %s", err.msg);
            if (strcmp(buf_str(&out), rows) != 0)
                fail_msg("piece %zu limit %u: rows\n%s\nexpected\n%s", pieces[i], limits[l], buf_str(&out), rows);
            if (strcmp(buf_str(&rj.log), rejects ? rejects : "") != 0)
                fail_msg("piece %zu: rejects\n%s\nexpected\n%s", pieces[i], buf_str(&rj.log), rejects);
            free(out.p);
            free(rj.log.p);
        }
    }
}

static void check3(const char *text, const char *rows, const char *rejects) {
    int proj[] = {0, 1, 2};
    ReaderOptions opt = {FORMAT_CSV, false, ','};
    check(cols_ibt, 3, proj, 3, opt, text, rows, rejects);
}

/* Without a callback the first bad record stops reading with err = location + reason. */
static void check_error(const Column *cols, int ncols, const int *proj, int nproj, ReaderOptions opt,
                        const char *text, const char *location, const char *msg) {
    Schema sch = make_schema((Column *)cols, ncols);
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        Buf out = {0};
        Err err;
        err_clear(&err);
        int rc = feed(&sch, proj, nproj, &opt, text, strlen(text), pieces[i], NULL, 0, &out, &err);
        assert_int_equal(rc, -1);
        assert_true(err.set);
        assert_string_equal(err.location, location);
        assert_string_equal(err.msg, msg);
        free(out.p);
    }
}

static void test_basic(void **state) {
    (void)state;
    check3("1,true,hello\n2,f,world\n", "1|true|'hello'\n2|false|'world'\n", NULL);
    /* last line without newline, CRLF line ends */
    check3("1,t,a\r\n2,F,b", "1|true|'a'\n2|false|'b'\n", NULL);
    check3("1,1,a\r\n2,0,b\r\n", "1|true|'a'\n2|false|'b'\n", NULL);
    /* booleans in any case */
    check3("1,TRUE,a\n2,False,b\n3,T,c\n", "1|true|'a'\n2|false|'b'\n3|true|'c'\n", NULL);
    /* empty input, blank lines */
    check3("", "", NULL);
    check3("\n\r\n\n", "", NULL);
    check3("1,t,a\n\n2,f,b\n\r\n", "1|true|'a'\n2|false|'b'\n", NULL);
}

static void test_quotes(void **state) {
    (void)state;
    /* quoted fields with delimiters, escaped quotes, empty vs "" */
    check3("1,t,\"a,b\"\n", "1|true|'a,b'\n", NULL);
    check3("1,t,\"say \"\"hi\"\"\"\n", "1|true|'say \"hi\"'\n", NULL);
    check3("1,t,\"\"\"\"\n", "1|true|'\"'\n", NULL);
    check3("1,t,\n2,f,\"\"\n", "1|true|NULL\n2|false|''\n", NULL);
    check3("1,,x\n", "1|NULL|'x'\n", NULL);
    /* "" in a non-TEXT column is NULL */
    check3("\"\",\"\",\"\"\n", "NULL|NULL|''\n", NULL);
    /* quoted numbers convert */
    check3("\"7\",\"t\",\"x\"\n", "7|true|'x'\n", NULL);
    /* a quote inside an unquoted field is an ordinary character */
    check3("1,t,ab\"c\n", "1|true|'ab\"c'\n", NULL);
    /* quoted field ending the file, with CRLF */
    check3("1,t,\"x\"\r\n2,t,\"y\"", "1|true|'x'\n2|true|'y'\n", NULL);
    /* a lone CR inside a field stays */
    check3("1,t,a\rb\n", "1|true|'a\rb'\n", NULL);
}

static void test_newlines_in_quotes(void **state) {
    (void)state;
    /* the record after a multi-line field starts at line 4: its error names line 4 */
    check3("1,t,\"line1\nline2\nline3\"\nx,t,a\n3,f,b\n", "1|true|'line1\nline2\nline3'\n3|false|'b'\n",
           "t.in:4|x,t,a|bad BIGINT value \"x\" in column \"id\"\n");
    check3("1,t,\"a\r\nb\"\r\n", "1|true|'a\r\nb'\n", NULL);
    int proj[] = {0, 1, 2};
    ReaderOptions opt = {FORMAT_CSV, false, ','};
    check_error(cols_ibt, 3, proj, 3, opt, "1,t,\"a\n\nb\"\n2,t,x\nbad,t,y\n", "t.in:5",
                "bad BIGINT value \"bad\" in column \"id\"");
}

static void test_delimiter_and_header(void **state) {
    (void)state;
    int proj[] = {0, 1, 2};
    ReaderOptions semi = {FORMAT_CSV, false, ';'};
    check(cols_ibt, 3, proj, 3, semi, "1;t;a,b\n2;f;\"c;d\"\n", "1|true|'a,b'\n2|false|'c;d'\n", NULL);
    ReaderOptions tab = {FORMAT_CSV, true, '\t'};
    check(cols_ibt, 3, proj, 3, tab, "id\tb\tt\n1\tt\tx y\n", "1|true|'x y'\n", NULL);
    /* the header is skipped even when it would not convert, and may contain quotes and newlines */
    ReaderOptions hdr = {FORMAT_CSV, true, ','};
    check(cols_ibt, 3, proj, 3, hdr, "\"i\nd\",b,t\n5,t,z\n", "5|true|'z'\n", NULL);
    check(cols_ibt, 3, proj, 3, hdr, "id,b,t\n", "", NULL);
    check(cols_ibt, 3, proj, 3, hdr, "id,b,t", "", NULL);
    /* error lines count the header */
    check_error(cols_ibt, 3, proj, 3, hdr, "id,b,t\n1,t,a\n2,maybe,b\n", "t.in:3",
                "bad BOOLEAN value \"maybe\" in column \"b\"");
    /* a UTF-8 byte order mark is skipped */
    check(cols_ibt, 3, proj, 3, hdr, "\xEF\xBB\xBFid,b,t\n1,t,a\n", "1|true|'a'\n", NULL);
    ReaderOptions plain = {FORMAT_CSV, false, ','};
    check(cols_ibt, 3, proj, 3, plain, "\xEF\xBB\xBF" "1,t,a\n", "1|true|'a'\n", NULL);
    /* bad delimiters are refused */
    Schema sch = make_schema(cols_ibt, 3);
    Err err;
    err_clear(&err);
    ReaderOptions quote = {FORMAT_CSV, false, '"'};
    assert_null(reader_new(&sch, proj, 3, &quote, &err));
    assert_true(err.set);
}

static void test_field_count(void **state) {
    (void)state;
    check3("1,t,a\n2,t\n3,t,c,d\n4,f,e\n", "1|true|'a'\n4|false|'e'\n",
           "t.in:2|2,t|expected 3 fields, found 2\n"
           "t.in:3|3,t,c,d|expected 3 fields, found 4\n");
    /* the field count is checked before values: a short record with a bad value reports the count */
    check3("x,t\n", "", "t.in:1|x,t|expected 3 fields, found 2\n");
    /* CRLF is not part of the rejected record text */
    check3("1,t\r\n", "", "t.in:1|1,t|expected 3 fields, found 2\n");
    int proj[] = {0, 1, 2};
    ReaderOptions opt = {FORMAT_CSV, false, ','};
    check_error(cols_ibt, 3, proj, 3, opt, "1,t,a\n\n2,t\n", "t.in:3", "expected 3 fields, found 2");
    /* a field count error is reported even when no column is projected */
    check_error(cols_ibt, 3, NULL, 0, opt, "1,t,a\n2,t\n", "t.in:2", "expected 3 fields, found 2");
}

static void test_bad_quoting(void **state) {
    (void)state;
    check3("1,t,\"a\"b\n2,t,c\n", "2|true|'c'\n",
           "t.in:1|1,t,\"a\"b|unexpected character after quoted field 3\n");
    /* an unterminated quote runs to the end of the input */
    check3("1,t,a\n2,t,\"open\nmore\n", "1|true|'a'\n", "t.in:2|2,t,\"open\nmore\n|unterminated quoted field\n");
}

static void test_conversions(void **state) {
    (void)state;
    int proj[] = {0, 1, 2, 3, 4};
    ReaderOptions opt = {FORMAT_CSV, false, ','};
    check(cols_all, 5, proj, 5, opt,
          "1,1.5,t,x,2024-01-02 03:04:05\n"
          "-9223372036854775808,-0.25,0,,2024-01-02T03:04:05.5Z\n"
          "9223372036854775807,1e3,false,y,1700000000123\n"
          " 42 ,3,f,z,2024-01-02\n"
          "+5,0.1,1,w,-1000\n"
          "123456789012345678,1234567.891,1,w,1.5\n",
          "1|1.5|true|'x'|2024-01-02 03:04:05\n"
          "-9223372036854775808|-0.25|false|NULL|2024-01-02 03:04:05.500000\n"
          "9223372036854775807|1000.0|false|'y'|2023-11-14 22:13:20.123000\n"
          "42|3.0|false|'z'|2024-01-02 00:00:00\n"
          "5|0.1|true|'w'|1969-12-31 23:59:59\n"
          "123456789012345678|1234567.891|true|'w'|1970-01-01 00:00:00.001500\n",
          NULL);
    check(cols_all, 5, proj, 5, opt,
          "9223372036854775808,1,t,x,2024-01-01\n"
          "1,abc,t,x,2024-01-01\n"
          "1,1,yes please,x,2024-01-01\n"
          "1,1,t,x,2024-13-01\n"
          "1.0,1,t,x,2024-01-01\n"
          "1,1,t,x,99999999999999999\n",
          "",
          "t.in:1|9223372036854775808,1,t,x,2024-01-01|bad BIGINT value \"9223372036854775808\" in column \"i\"\n"
          "t.in:2|1,abc,t,x,2024-01-01|bad DOUBLE value \"abc\" in column \"d\"\n"
          "t.in:3|1,1,yes please,x,2024-01-01|bad BOOLEAN value \"yes please\" in column \"b\"\n"
          "t.in:4|1,1,t,x,2024-13-01|bad TIMESTAMP value \"2024-13-01\" in column \"ts\"\n"
          "t.in:5|1.0,1,t,x,2024-01-01|bad BIGINT value \"1.0\" in column \"i\"\n"
          "t.in:6|1,1,t,x,99999999999999999|bad TIMESTAMP value \"99999999999999999\" in column \"ts\"\n");
    /* doubles parse exactly like strtod */
    const char *nums[] = {"0.1", "0.3", "123.456", "-0.000001", "9007199254740993", "1.7976931348623157e308",
                          "4.9e-324", "12345678901234.5", "0.30000000000000004"};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        Schema sch = make_schema(cols_all, 5);
        int pd[] = {1};
        Err err;
        err_clear(&err);
        RecordReader *r = reader_new(&sch, pd, 1, &opt, &err);
        char line[128];
        snprintf(line, sizeof line, "1,%s,t,x,2024-01-01\n", nums[i]);
        assert_int_equal(reader_parse(r, line, strlen(line), true, &err), (int64_t)strlen(line));
        assert_int_equal(reader_rows(r), 1);
        assert_true(VEC_F64(&reader_chunk(r)->cols[0])[0] == strtod(nums[i], NULL));
        reader_free(r);
    }
}

static void test_projection(void **state) {
    (void)state;
    ReaderOptions opt = {FORMAT_CSV, false, ','};
    /* only requested columns are converted: a bad value elsewhere is no error */
    int p1[] = {3, 0};
    check(cols_all, 5, p1, 2, opt, "1,notanumber,maybe,x,notatime\n2,,,y,\n", "'x'|1\n'y'|2\n", NULL);
    /* but a bad requested value is */
    check(cols_all, 5, p1, 2, opt, "zz,1,t,x,2024-01-01\n", "",
          "t.in:1|zz,1,t,x,2024-01-01|bad BIGINT value \"zz\" in column \"i\"\n");
    /* the same column twice, reordered */
    int p2[] = {4, 0, 4};
    check(cols_all, 5, p2, 3, opt, "1,x,x,x,2024-01-01\n2,x,x,x,\n",
          "2024-01-01 00:00:00|1|2024-01-01 00:00:00\nNULL|2|NULL\n", NULL);
    /* no columns at all: rows are still counted */
    check(cols_all, 5, NULL, 0, opt, "1,x,x,x,x\n2,x,x,x,x\n", "()\n()\n", NULL);
    /* out of range projection */
    Schema sch = make_schema(cols_all, 5);
    int bad[] = {5};
    Err err;
    err_clear(&err);
    assert_null(reader_new(&sch, bad, 1, &opt, &err));
    assert_true(err.set);
}

/* The callback decides: stopping makes reader_parse fail with the record's location. */
static void test_reject_stop(void **state) {
    (void)state;
    Schema sch = make_schema(cols_ibt, 3);
    int proj[] = {0, 1, 2};
    ReaderOptions opt = {FORMAT_CSV, false, ','};
    Rejects rj = {0};
    rj.stop = true;
    Buf out = {0};
    Err err;
    err_clear(&err);
    const char *text = "1,t,a\n2,t,b\nx,t,c\n4,t,d\n";
    assert_int_equal(feed(&sch, proj, 3, &opt, text, strlen(text), 0, &rj, 0, &out, &err), -1);
    assert_int_equal(rj.n, 1);
    assert_string_equal(err.location, "t.in:3");
    assert_string_equal(err.msg, "bad BIGINT value \"x\" in column \"id\"");
    free(out.p);
    free(rj.log.p);

    /* reader_rejects counts skipped records; long values are cut in the message */
    RecordReader *r = reader_new(&sch, proj, 3, &opt, &err);
    Rejects rj2 = {0};
    reader_set_reject(r, collect_reject, &rj2);
    char line[300];
    memset(line, 'z', sizeof line);
    memcpy(line + 200, ",t,a\n", 6);
    err_clear(&err);
    assert_int_equal(reader_parse(r, line, strlen(line), true, &err), (int64_t)strlen(line));
    assert_int_equal(reader_rejects(r), 1);
    assert_non_null(strstr(buf_str(&rj2.log), "...\" in column \"id\""));
    assert_int_equal(reader_line(r), 2);
    reader_free(r);
    free(rj2.log.p);
}

/* Many rows: chunks fill to the batch size and nothing is lost at chunk borders. */
static void test_many_rows(void **state) {
    (void)state;
    Buf text = {0}, want = {0};
    for (int i = 0; i < 5000; i++) {
        char line[64], row[64];
        snprintf(line, sizeof line, "%d,%s,\"r%d\"\n", i, i % 2 ? "t" : "f", i);
        snprintf(row, sizeof row, "%d|%s|'r%d'\n", i, i % 2 ? "true" : "false", i);
        buf_puts(&text, line);
        buf_puts(&want, row);
    }
    Schema sch = make_schema(cols_ibt, 3);
    int proj[] = {0, 1, 2};
    ReaderOptions opt = {FORMAT_CSV, false, ','};
    size_t ps[] = {0, 4096, 777};
    for (size_t i = 0; i < 3; i++) {
        Buf out = {0};
        Err err;
        err_clear(&err);
        assert_int_equal(feed(&sch, proj, 3, &opt, text.p, text.n, ps[i], NULL, 0, &out, &err), 0);
        assert_string_equal(buf_str(&out), buf_str(&want));
        free(out.p);
    }
    free(text.p);
    free(want.p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),          cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_newlines_in_quotes), cmocka_unit_test(test_delimiter_and_header),
        cmocka_unit_test(test_field_count),    cmocka_unit_test(test_bad_quoting),
        cmocka_unit_test(test_conversions),    cmocka_unit_test(test_projection),
        cmocka_unit_test(test_reject_stop),    cmocka_unit_test(test_many_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
