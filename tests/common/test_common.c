/* Unit tests for common/: arenas, errors, timestamps, intervals, numbers, value text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../common/arena.h"
#include "../../common/err.h"
#include "../../common/types.h"
#include "../../common/vector.h"

static int64_t ts(const char *s) {
    int64_t v = 0;
    assert_true(ts_parse(s, strlen(s), &v));
    return v;
}

static void test_ts_parse(void **state) {
    (void)state;
    assert_int_equal(ts("1970-01-01 00:00:00"), 0);
    assert_int_equal(ts("1970-01-01T00:00:01Z"), 1000000);
    assert_int_equal(ts("1970-01-02"), 86400LL * 1000000);
    assert_int_equal(ts("2024-02-29 12:30:00.5"), ts("2024-02-29 12:30:00.500000"));
    assert_int_equal(ts("1969-12-31 23:59:59"), -1000000);
    int64_t v;
    const char *bad[] = {"", "2024-13-01", "2023-02-29", "2024-01-01 25:00:00", "2024-01-01x", "abc",
                         "2024-01-01 10:00:00.", "2024-1-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_false(ts_parse(bad[i], strlen(bad[i]), &v));
}

static void test_ts_format(void **state) {
    (void)state;
    char buf[32];
    ts_format(0, buf);
    assert_string_equal(buf, "1970-01-01 00:00:00");
    ts_format(ts("2024-05-06 07:08:09.000123"), buf);
    assert_string_equal(buf, "2024-05-06 07:08:09.000123");
    ts_format(-1, buf);
    assert_string_equal(buf, "1969-12-31 23:59:59.999999");
    for (int64_t d = -800000; d < 800000; d += 997) {
        int64_t y;
        unsigned m, dd;
        civil_from_days(d, &y, &m, &dd);
        assert_int_equal(days_from_civil(y, m, dd), d);
    }
}

static void test_interval(void **state) {
    (void)state;
    int64_t v;
    assert_true(interval_parse("10", 2, "second", &v));
    assert_int_equal(v, 10 * USEC_PER_SEC);
    assert_true(interval_parse("5", 1, "MINUTES", &v));
    assert_int_equal(v, 5 * USEC_PER_MIN);
    assert_true(interval_parse("1 hour", 6, NULL, &v));
    assert_int_equal(v, USEC_PER_HOUR);
    assert_true(interval_parse("2 hours 30 minutes", 18, NULL, &v));
    assert_int_equal(v, 150 * USEC_PER_MIN);
    assert_false(interval_parse("abc", 3, NULL, &v));
    assert_false(interval_parse("1 fortnight", 11, NULL, &v));
    char buf[64];
    interval_format(10 * USEC_PER_SEC, buf, sizeof buf);
    assert_string_equal(buf, "00:00:10");
    interval_format(USEC_PER_DAY + 2 * USEC_PER_HOUR, buf, sizeof buf);
    assert_string_equal(buf, "1 day 02:00:00");
}

static void test_numbers(void **state) {
    (void)state;
    int64_t i;
    double d;
    uint8_t b;
    assert_true(parse_int64(" 42 ", 4, &i));
    assert_int_equal(i, 42);
    assert_true(parse_int64("-9223372036854775808", 20, &i));
    assert_int_equal(i, INT64_MIN);
    assert_false(parse_int64("9223372036854775808", 19, &i));
    assert_false(parse_int64("1x", 2, &i));
    assert_false(parse_int64("-", 1, &i));
    assert_true(parse_double("1.5e3", 5, &d));
    assert_true(d == 1500.0);
    assert_false(parse_double("1.5.", 4, &d));
    assert_true(parse_bool("TRUE", 4, &b) && b == 1);
    assert_true(parse_bool("f", 1, &b) && b == 0);
    assert_false(parse_bool("maybe", 5, &b));
    char buf[64];
    double_format(2.0, buf, sizeof buf);
    assert_string_equal(buf, "2.0");
    double_format(0.1, buf, sizeof buf);
    assert_string_equal(buf, "0.1");
    double_format(1e20, buf, sizeof buf);
    assert_string_equal(buf, "1e+20");
}

static void test_arena_and_vectors(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 1024);
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < 1000; i++) {
            char *p = arena_alloc(&a, (size_t)(i % 700) + 1);
            memset(p, 1, (size_t)(i % 700) + 1);
            assert_int_equal(((uintptr_t)p) % 16, 0);
        }
        arena_reset(&a);
    }
    Vec v;
    vec_alloc(&v, TYPE_BIGINT, 4, &a);
    Value x = {.type = TYPE_BIGINT, .u.i = 7}, n = {.type = TYPE_BIGINT, .null = true}, out;
    vec_set(&v, 0, &x, 4, &a);
    vec_set(&v, 1, &n, 4, &a);
    vec_get(&v, 0, &out);
    assert_false(out.null);
    assert_int_equal(out.u.i, 7);
    vec_get(&v, 1, &out);
    assert_true(out.null);
    assert_string_equal(value_to_text(&a, &out), "NULL");
    arena_free(&a);
}

static void test_err_render(void **state) {
    (void)state;
    Err e;
    err_clear(&e);
    const char *text = "SELECT 1;\nSELECT x FORM t;\n";
    err_syntax(&e, 19, "syntax error at or near \"%s\"", "FORM");
    char *s = err_render(&e, "q.sql", text, 0);
    assert_string_equal(s, "q.sql:2:10: error: syntax error at or near \"FORM\"\nSELECT x FORM t;\n         ^");
    free(s);
    err_clear(&e);
    err_set(&e, "boom");
    s = err_render(&e, "q.sql", text, 0);
    assert_string_equal(s, "error: boom");
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ts_parse),  cmocka_unit_test(test_ts_format),         cmocka_unit_test(test_interval),
        cmocka_unit_test(test_numbers),   cmocka_unit_test(test_arena_and_vectors), cmocka_unit_test(test_err_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
