/*
** Unit tests for the JSON-lines record reader (storage/json.c): key
** matching, missing keys and null, strings with escapes and \u, numbers,
** booleans, nested values kept as raw text, invalid JSON with line numbers,
** projection, and identical results whatever the buffer split.
*/
#include "storage_test.h"

static Column cols[] = {{"i", TYPE_BIGINT}, {"d", TYPE_DOUBLE}, {"b", TYPE_BOOL}, {"t", TYPE_TEXT},
                        {"ts", TYPE_TIMESTAMP}};
static const int all[] = {0, 1, 2, 3, 4};

static const size_t pieces[] = {0, 1, 2, 3, 5, 7, 64};
static const uint32_t limits[] = {0, 1, 3};

static void check(const int *proj, int nproj, const char *text, const char *rows, const char *rejects) {
    Schema sch = make_schema(cols, 5);
    ReaderOptions opt = {FORMAT_JSON, false, 0};
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

static void check_all(const char *text, const char *rows, const char *rejects) { check(all, 5, text, rows, rejects); }

static void test_basic(void **state) {
    (void)state;
    check_all("{\"i\": 1, \"d\": 2.5, \"b\": true, \"t\": \"x\", \"ts\": \"2024-01-02 03:04:05\"}\n",
              "1|2.5|true|'x'|2024-01-02 03:04:05\n", NULL);
    /* any key order, extra keys ignored, missing keys and null are NULL, no final newline */
    check_all("{\"t\":\"y\",\"zzz\":[1,2],\"i\":-7,\"b\":null}", "-7|NULL|NULL|'y'|NULL\n", NULL);
    check_all("{}\n", "NULL|NULL|NULL|NULL|NULL\n", NULL);
    /* blank lines and CRLF */
    check_all("\n  \n{\"i\":1}\r\n\r\n{\"i\":2}\r\n", "1|NULL|NULL|NULL|NULL\n2|NULL|NULL|NULL|NULL\n", NULL);
    /* keys match column names ignoring case when there is no exact match */
    check_all("{\"I\":3,\"T\":\"up\"}\n", "3|NULL|NULL|'up'|NULL\n", NULL);
    /* a repeated key: the last value wins */
    check_all("{\"i\":null,\"i\":5,\"t\":\"a\",\"t\":null}\n", "5|NULL|NULL|NULL|NULL\n", NULL);
    /* whitespace everywhere it is allowed */
    check_all("  { \"i\" :\t1 , \"b\" : false }  \n", "1|NULL|false|NULL|NULL\n", NULL);
}

static void test_strings(void **state) {
    (void)state;
    check_all("{\"t\":\"a\\\"b\\\\c\\/d\\n\\t\\r\\b\\f\"}\n", "NULL|NULL|NULL|'a\"b\\c/d\n\t\r\b\f'|NULL\n", NULL);
    /* \u escapes to UTF-8: 1, 2, 3 and 4 (surrogate pair) bytes; a lone surrogate is U+FFFD */
    check_all("{\"t\":\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\"}\n", "NULL|NULL|NULL|'A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80'|NULL\n",
              NULL);
    check_all("{\"t\":\"\\ud800x\"}\n", "NULL|NULL|NULL|'\xEF\xBF\xBDx'|NULL\n", NULL);
    /* raw UTF-8 passes through; the empty string is not NULL */
    check_all("{\"t\":\"h\xC3\xA9\"}\n{\"t\":\"\"}\n", "NULL|NULL|NULL|'h\xC3\xA9'|NULL\nNULL|NULL|NULL|''|NULL\n", NULL);
    /* keys with escapes */
    check_all("{\"\\u0069\":9}\n", "9|NULL|NULL|NULL|NULL\n", NULL);
    /* strings convert into typed columns; "" there is NULL */
    check_all("{\"i\":\"12\",\"d\":\"1.5\",\"b\":\"f\",\"ts\":\"2024-01-02T00:00:00Z\"}\n{\"i\":\"\"}\n",
              "12|1.5|false|NULL|2024-01-02 00:00:00\nNULL|NULL|NULL|NULL|NULL\n", NULL);
    check_all("{\"t\":\"a\\x\"}\n", "", "t.in:1|{\"t\":\"a\\x\"}|invalid JSON: bad escape in a string\n");
    check_all("{\"t\":\"\\u12\"}\n", "", "t.in:1|{\"t\":\"\\u12\"}|invalid JSON: bad escape in a string\n");
}

static void test_numbers_and_bools(void **state) {
    (void)state;
    check_all("{\"i\":9223372036854775807,\"d\":-1.5e2,\"b\":false}\n"
              "{\"i\":1.0,\"d\":3,\"t\":12.50}\n"
              "{\"i\":1e3,\"t\":true,\"b\":1}\n"
              "{\"ts\":1700000000123}\n"
              "{\"ts\":1.5}\n",
              "9223372036854775807|-150.0|false|NULL|NULL\n"
              "1|3.0|NULL|'12.50'|NULL\n"
              "1000|NULL|true|'true'|NULL\n"
              "NULL|NULL|NULL|NULL|2023-11-14 22:13:20.123000\n"
              "NULL|NULL|NULL|NULL|1970-01-01 00:00:00.001500\n",
              NULL);
    check_all("{\"i\":1.5}\n{\"b\":2}\n{\"i\":true}\n{\"d\":\"x\"}\n{\"i\":{\"a\":1}}\n{\"i\":9223372036854775808}\n",
              "",
              "t.in:1|{\"i\":1.5}|bad BIGINT value \"1.5\" in column \"i\"\n"
              "t.in:2|{\"b\":2}|bad BOOLEAN value \"2\" in column \"b\"\n"
              "t.in:3|{\"i\":true}|bad BIGINT value \"true\" in column \"i\"\n"
              "t.in:4|{\"d\":\"x\"}|bad DOUBLE value \"x\" in column \"d\"\n"
              "t.in:5|{\"i\":{\"a\":1}}|bad BIGINT value \"{\"a\":1}\" in column \"i\"\n"
              "t.in:6|{\"i\":9223372036854775808}|bad BIGINT value \"9223372036854775808\" in column \"i\"\n");
    /* number syntax is JSON's */
    check_all("{\"i\":01}\n{\"d\":.5}\n{\"d\":1.}\n{\"d\":-}\n{\"d\":1e}\n", "",
              "t.in:1|{\"i\":01}|invalid JSON: bad number\n"
              "t.in:2|{\"d\":.5}|invalid JSON: unexpected value\n"
              "t.in:3|{\"d\":1.}|invalid JSON: bad number\n"
              "t.in:4|{\"d\":-}|invalid JSON: bad number\n"
              "t.in:5|{\"d\":1e}|invalid JSON: bad number\n");
}

static void test_nested(void **state) {
    (void)state;
    check_all("{\"t\":{\"a\":[1,{\"b\":\"}]\"}],\"c\":null},\"i\":1}\n",
              "1|NULL|NULL|'{\"a\":[1,{\"b\":\"}]\"}],\"c\":null}'|NULL\n", NULL);
    check_all("{\"t\":[ 1, 2 ]}\n", "NULL|NULL|NULL|'[ 1, 2 ]'|NULL\n", NULL);
    check_all("{\"t\":[1,2}\n", "", "t.in:1|{\"t\":[1,2}|invalid JSON: unexpected '}'\n");
    check_all("{\"t\":[1,[2]\n", "", "t.in:1|{\"t\":[1,[2]|invalid JSON: unterminated array\n");
    /* deep nesting is refused, not a stack overflow */
    Buf deep = {0};
    buf_puts(&deep, "{\"t\":");
    for (int i = 0; i < 300; i++) buf_puts(&deep, "[");
    for (int i = 0; i < 300; i++) buf_puts(&deep, "]");
    buf_puts(&deep, "}\n");
    Schema sch = make_schema(cols, 5);
    ReaderOptions opt = {FORMAT_JSON, false, 0};
    Err err;
    err_clear(&err);
    Buf out = {0};
    assert_int_equal(feed(&sch, all, 5, &opt, deep.p, deep.n, 0, NULL, 0, &out, &err), -1);
    assert_string_equal(err.msg, "invalid JSON: nesting deeper than 256");
    free(deep.p);
    free(out.p);
}

static void test_invalid(void **state) {
    (void)state;
    check_all("{\"i\":1}\n[1,2]\n\"x\"\n{\"i\" 1}\n{\"i\":1,}\n{\"i\":1} x\n{\"i\":1\n{i:1}\n{\"i\":nul}\n{\"i\":\"abc}\n{\"i\":2}\n",
              "1|NULL|NULL|NULL|NULL\n2|NULL|NULL|NULL|NULL\n",
              "t.in:2|[1,2]|invalid JSON: expected an object\n"
              "t.in:3|\"x\"|invalid JSON: expected an object\n"
              "t.in:4|{\"i\" 1}|invalid JSON: expected ':' after a key\n"
              "t.in:5|{\"i\":1,}|invalid JSON: expected a string key\n"
              "t.in:6|{\"i\":1} x|invalid JSON: unexpected text after the object\n"
              "t.in:7|{\"i\":1|invalid JSON: expected ',' or '}'\n"
              "t.in:8|{i:1}|invalid JSON: expected a string key\n"
              "t.in:9|{\"i\":nul}|invalid JSON: unexpected value\n"
              "t.in:10|{\"i\":\"abc}|invalid JSON: unterminated string\n");
    /* without a callback: error with the location */
    Schema sch = make_schema(cols, 5);
    ReaderOptions opt = {FORMAT_JSON, false, 0};
    Err err;
    err_clear(&err);
    Buf out = {0};
    const char *text = "{\"i\":1}\n\n{\"i\":\"x\"}\n";
    assert_int_equal(feed(&sch, all, 5, &opt, text, strlen(text), 0, NULL, 0, &out, &err), -1);
    assert_string_equal(err.location, "t.in:3");
    assert_string_equal(err.msg, "bad BIGINT value \"x\" in column \"i\"");
    free(out.p);
}

static void test_projection(void **state) {
    (void)state;
    /* unrequested values are skipped unconverted: bad numbers there are no error */
    int p[] = {3};
    check(p, 1, "{\"i\":\"x\",\"d\":01,\"b\":7,\"t\":\"ok\",\"ts\":\"never\"}\n", "'ok'\n", NULL);
    int p2[] = {0, 0};
    check(p2, 2, "{\"i\":4}\n{}\n", "4|4\nNULL|NULL\n", NULL);
    /* no columns: rows still counted, structure still checked */
    check(NULL, 0, "{\"a\":1}\n{\"b\":2\n", "()\n", "t.in:2|{\"b\":2|invalid JSON: expected ',' or '}'\n");
}

static void test_many_rows(void **state) {
    (void)state;
    Buf text = {0}, want = {0};
    for (int i = 0; i < 5000; i++) {
        char line[96], row[96];
        snprintf(line, sizeof line, "{\"i\":%d,\"t\":\"r%d\",\"b\":%s}\n", i, i, i % 3 ? "true" : "false");
        snprintf(row, sizeof row, "%d|'r%d'|%s\n", i, i, i % 3 ? "true" : "false");
        buf_puts(&text, line);
        buf_puts(&want, row);
    }
    Schema sch = make_schema(cols, 5);
    int proj[] = {0, 3, 2};
    ReaderOptions opt = {FORMAT_JSON, false, 0};
    size_t ps[] = {0, 4096, 333};
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
        cmocka_unit_test(test_basic),   cmocka_unit_test(test_strings), cmocka_unit_test(test_numbers_and_bools),
        cmocka_unit_test(test_nested),  cmocka_unit_test(test_invalid), cmocka_unit_test(test_projection),
        cmocka_unit_test(test_many_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
