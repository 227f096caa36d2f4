/*
** Unit tests for HashAggregate: grouping on keys of every type (NULL is a
** group), every aggregate with NULL arguments, DISTINCT, the global group
** over no rows, growth of the group table, overflow, and the changelog a
** continuous query sees: retractions, groups that disappear and come back,
** MIN/MAX losing their extreme, several finishes in a row.
*/
#include <math.h>

#include "test_ops_harness.h"

static const char *kv_names[] = {"k", "v"};
static const Type kv_types[] = {TYPE_BIGINT, TYPE_BIGINT};

static FakeRel *kv_rel(Run *r) {
    Value rows[] = {
        vi(1), vi(10), vi(2), vi(5), vi(1), NI, NI, vi(7),
        vi(2), vi(20), NI, NI, vi(1), vi(-3), vi(3), NI,
    };
    return fake_rel(&r->a, 2, kv_names, kv_types, 8, rows, 3);
}

/* COUNT(*), COUNT(v), SUM(v), MIN(v), MAX(v), AVG(v) over column 1 of p. */
static void all_aggs(Arena *a, const Plan *p, AggSpec *out) {
    out[0] = agg(AGG_COUNT_STAR, false, NULL);
    out[1] = agg(AGG_COUNT, false, col(a, p, 1));
    out[2] = agg(AGG_SUM, false, col(a, p, 1));
    out[3] = agg(AGG_MIN, false, col(a, p, 1));
    out[4] = agg(AGG_MAX, false, col(a, p, 1));
    out[5] = agg(AGG_AVG, false, col(a, p, 1));
}

static void test_group_by_bigint(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *scan = mk_scan_all(&r.a, kv_rel(&r));
    AggSpec aggs[6];
    all_aggs(&r.a, scan, aggs);
    Expr *g[] = {col(&r.a, scan, 0)};
    EXPECT_ROWS(&r, mk_agg(&r.a, scan, 1, g, 6, aggs),
                "+1 1|3|2|7|-3|10|3.5\n"
                "+1 2|2|2|25|5|20|12.5\n"
                "+1 NULL|2|1|7|7|7|7.0\n"
                "+1 3|1|0|NULL|NULL|NULL|NULL\n");
    /* through a filter: the aggregate sees selection vectors */
    Plan *f = mk_filter(&r.a, scan, call(&r.a, "<>", 2, col(&r.a, scan, 1), cnst(&r.a, vi(5))));
    EXPECT_ROWS(&r, mk_agg(&r.a, f, 1, g, 6, aggs),
                "+1 1|2|2|7|-3|10|3.5\n"
                "+1 2|1|1|20|20|20|20.0\n"
                "+1 NULL|1|1|7|7|7|7.0\n");
    /* DISTINCT (no aggregates): the groups only */
    EXPECT_ROWS(&r, mk_agg(&r.a, scan, 1, g, 0, NULL), "+1 1\n+1 2\n+1 NULL\n+1 3\n");
    run_free(&r);
}

static void test_global(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *scan = mk_scan_all(&r.a, kv_rel(&r));
    AggSpec aggs[6];
    all_aggs(&r.a, scan, aggs);
    EXPECT_ROWS(&r, mk_agg(&r.a, scan, 0, NULL, 6, aggs), "+1 8|5|39|-3|20|7.8\n");
    /* no rows at all: still one row */
    Plan *empty = mk_scan_all(&r.a, fake_rel(&r.a, 2, kv_names, kv_types, 0, NULL, 3));
    EXPECT_ROWS(&r, mk_agg(&r.a, empty, 0, NULL, 6, aggs), "+1 0|0|NULL|NULL|NULL|NULL\n");
    /* a filter that removes everything */
    Plan *none = mk_filter(&r.a, scan, cnst(&r.a, vb(0)));
    EXPECT_ROWS(&r, mk_agg(&r.a, none, 0, NULL, 6, aggs), "+1 0|0|NULL|NULL|NULL|NULL\n");
    /* but GROUP BY over no rows outputs nothing */
    Expr *g[] = {col(&r.a, scan, 0)};
    EXPECT_ROWS(&r, mk_agg(&r.a, empty, 1, g, 6, aggs), "");
    /* COUNT(*) with no columns scanned */
    Plan *noc = mk_scan(&r.a, kv_rel(&r), 0, NULL, NULL);
    AggSpec cnt[] = {agg(AGG_COUNT_STAR, false, NULL)};
    EXPECT_ROWS(&r, mk_agg(&r.a, noc, 0, NULL, 1, cnt), "+1 8\n");
    /* aggregates of a NULL literal */
    Expr *nl = cnst(&r.a, vnull(TYPE_BIGINT));
    AggSpec na[] = {agg(AGG_SUM, false, nl), agg(AGG_COUNT, false, nl), agg(AGG_MAX, false, nl)};
    EXPECT_ROWS(&r, mk_agg(&r.a, scan, 0, NULL, 3, na), "+1 NULL|0|NULL\n");
    run_free(&r);
}

static void test_keys_of_every_type(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    const char *names[] = {"s", "d", "b", "x"};
    Type types[] = {TYPE_TEXT, TYPE_DOUBLE, TYPE_BOOL, TYPE_DOUBLE};
    Value rows[] = {
        vs("a"), vd(0.0), vb(1), vd(1.5),  vs("a"), vd(-0.0), vb(1), vd(2.5),  vs(""), vd(NAN), vb(0), ND,
        NS, vd(NAN), vb(0), vd(-1),        vs("a"), vd(0.0), vnull(TYPE_BOOL), vd(4), NS, ND, vb(0), vd(10),
        vs(""), vd(NAN), vb(0), vd(3),     NS, ND, vb(0), vd(0.25),
    };
    FakeRel *rel = fake_rel(&r.a, 4, names, types, 8, rows, 3);
    Plan *scan = mk_scan_all(&r.a, rel);
    /* GROUP BY s, d, b: -0.0 groups with 0.0, NaN with NaN, '' apart from NULL */
    Expr *g[] = {col(&r.a, scan, 0), col(&r.a, scan, 1), col(&r.a, scan, 2)};
    AggSpec aggs[] = {agg(AGG_COUNT_STAR, false, NULL), agg(AGG_SUM, false, col(&r.a, scan, 3)),
                      agg(AGG_MIN, false, col(&r.a, scan, 3))};
    EXPECT_ROWS(&r, mk_agg(&r.a, scan, 3, g, 3, aggs),
                "+1 a|0.0|true|2|4.0|1.5\n"
                "+1 |NaN|false|2|3.0|3.0\n"
                "+1 NULL|NaN|false|1|-1.0|-1.0\n"
                "+1 a|0.0|NULL|1|4.0|4.0\n"
                "+1 NULL|NULL|false|2|10.25|0.25\n");
    /* MIN/MAX of text and double, grouped by a boolean */
    Expr *gb[] = {col(&r.a, scan, 2)};
    AggSpec mm[] = {agg(AGG_MIN, false, col(&r.a, scan, 0)), agg(AGG_MAX, false, col(&r.a, scan, 0)),
                    agg(AGG_MAX, false, col(&r.a, scan, 1)), agg(AGG_AVG, false, col(&r.a, scan, 3))};
    EXPECT_ROWS(&r, mk_agg(&r.a, scan, 1, gb, 4, mm),
                "+1 true|a|a|0.0|2.0\n"
                "+1 false|||NaN|3.0625\n"
                "+1 NULL|a|a|0.0|4.0\n");
    run_free(&r);
}

static void test_distinct(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Type t[] = {TYPE_TEXT, TYPE_BIGINT};
    Value rows[] = {
        vs("a"), vi(1), vs("a"), vi(1), vs("a"), vi(2), vs("a"), NI, vs("b"), vi(5),
        vs("b"), vi(5), vs("b"), vi(5), vs("c"), NI, vs("a"), vi(2), vs("a"), vi(4),
    };
    Plan *v = mk_values(&r.a, 2, t, 10, rows);
    Expr *g[] = {col(&r.a, v, 0)};
    AggSpec aggs[] = {agg(AGG_COUNT, true, col(&r.a, v, 1)), agg(AGG_SUM, true, col(&r.a, v, 1)),
                      agg(AGG_AVG, true, col(&r.a, v, 1)), agg(AGG_COUNT, false, col(&r.a, v, 1)),
                      agg(AGG_MAX, true, col(&r.a, v, 1))};
    EXPECT_ROWS(&r, mk_agg(&r.a, v, 1, g, 5, aggs),
                "+1 a|3|7|2.33333333333333|5|4\n"
                "+1 b|1|5|5.0|3|5\n"
                "+1 c|0|NULL|NULL|0|NULL\n");
    EXPECT_ROWS(&r, mk_agg(&r.a, v, 0, NULL, 2, aggs), "+1 4|12\n");
    run_free(&r);
}

/* 10,000 rows, 1,000 groups: the table grows several times; both lookup paths. */
static void test_many_groups(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *s = mk_series(&r.a, 1, 10000, 1);
    Expr *ex[] = {call(&r.a, "%", 2, col(&r.a, s, 0), cnst(&r.a, vi(1000))), col(&r.a, s, 0),
                  call(&r.a, "%", 2, col(&r.a, s, 0), cnst(&r.a, vi(2)))};
    Plan *p = mk_project(&r.a, s, 3, ex);
    Expr *g[] = {col(&r.a, p, 0)};
    AggSpec aggs[] = {agg(AGG_SUM, false, col(&r.a, p, 1)), agg(AGG_COUNT_STAR, false, NULL),
                      agg(AGG_MAX, false, col(&r.a, p, 1))};
    char *expect = arena_alloc(&r.a, 1000 * 64), *e = expect;
    for (int k = 0; k < 1000; k++) {
        long sum = k == 0 ? 55000 : 10L * k + 45000, max = k == 0 ? 10000 : 9000 + k;
        e += sprintf(e, "+1 %d|%ld|10|%ld\n", k, sum, max);
    }
    EXPECT_ROWS(&r, mk_agg(&r.a, p, 1, g, 3, aggs), expect);
    /* the same groups through the general path: two keys (k, x % 2 is determined by k) */
    Expr *g2[] = {col(&r.a, p, 0), col(&r.a, p, 2)};
    e = expect;
    for (int k = 0; k < 1000; k++) {
        long sum = k == 0 ? 55000 : 10L * k + 45000, max = k == 0 ? 10000 : 9000 + k;
        e += sprintf(e, "+1 %d|%d|%ld|10|%ld\n", k, k % 2, sum, max);
    }
    EXPECT_ROWS(&r, mk_agg(&r.a, p, 2, g2, 3, aggs), expect);
    run_free(&r);
}

static void test_overflow(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Type t = TYPE_BIGINT;
    Value rows[] = {vi(INT64_MAX), vi(1)};
    Plan *v = mk_values(&r.a, 1, &t, 2, rows);
    AggSpec s[] = {agg(AGG_SUM, false, col(&r.a, v, 0))};
    EXPECT_ERROR(&r, mk_agg(&r.a, v, 0, NULL, 1, s), "bigint out of range");
    Expr *g[] = {col(&r.a, v, 0)};
    Plan *p = mk_agg(&r.a, v, 1, g, 1, s);   /* one row per group: fine */
    EXPECT_ROWS(&r, p, "+1 9223372036854775807|9223372036854775807\n+1 1|1\n");
    run_free(&r);
}

/* ------------------------------------------------------------ continuous */

typedef struct Stream {
    Run r;
    Executor *x;
    Type types[4];
    int ncols;
} Stream;

/* An aggregate over a pushed input of (k BIGINT, v BIGINT). */
static void stream_open(Stream *s, int ngroups, int naggs, AggKind *kinds, bool *distinct) {
    run_init(&s->r);
    s->ncols = 2;
    s->types[0] = s->types[1] = TYPE_BIGINT;
    Plan *in = mk_values(&s->r.a, 2, s->types, 0, NULL);
    AggSpec aggs[8];
    for (int j = 0; j < naggs; j++)
        aggs[j] = agg(kinds[j], distinct && distinct[j], kinds[j] == AGG_COUNT_STAR ? NULL : col(&s->r.a, in, 1));
    Expr *g[] = {col(&s->r.a, in, 0)};
    ExecOptions opt = {0};
    s->x = exec_new(mk_agg(&s->r.a, in, ngroups, g, naggs, aggs), sink_fn, &s->r.sink, &opt, &s->r.err);
    assert_non_null(s->x);
}

/* Push rows (k, v) with weights, finish the round, compare the changes (sorted). */
static void stream_round(Stream *s, int n, const Value *rows, const int64_t *w, const char *expected) {
    sink_clear(&s->r.sink);
    if (n) push_rows(s->x, &s->r.a, 0, s->ncols, s->types, n, rows, w);
    if (exec_finish_round(s->x)) fail_msg("finish failed: %s", s->r.err.msg);
    assert_string_equal(sink_sorted(&s->r.sink), sorted_lines(&s->r.a, expected));
}

static void stream_close(Stream *s) {
    exec_free(s->x);
    run_free(&s->r);
}

static void test_retractions(void **state) {
    (void)state;
    Stream s;
    AggKind kinds[] = {AGG_COUNT_STAR, AGG_SUM, AGG_MIN, AGG_MAX, AGG_COUNT};
    bool distinct[] = {false, false, false, false, true};
    stream_open(&s, 1, 5, kinds, distinct);
    Value r1[] = {vi(1), vi(10), vi(1), vi(20), vi(2), vi(5)};
    stream_round(&s, 3, r1, NULL, "+1 1|2|30|10|20|2\n+1 2|1|5|5|5|1\n");
    /* retract the minimum of group 1; a new group */
    Value r2[] = {vi(1), vi(10), vi(3), vi(7)};
    int64_t w2[] = {-1, 1};
    stream_round(&s, 2, r2, w2, "-1 1|2|30|10|20|2\n+1 1|1|20|20|20|1\n+1 3|1|7|7|7|1\n");
    /* group 2 disappears */
    Value r3[] = {vi(2), vi(5)};
    int64_t w3[] = {-1};
    stream_round(&s, 1, r3, w3, "-1 2|1|5|5|5|1\n");
    /* an empty round changes nothing, and neither does a change that cancels out */
    stream_round(&s, 0, NULL, NULL, "");
    Value r4[] = {vi(3), vi(8), vi(3), vi(8)};
    int64_t w4[] = {1, -1};
    stream_round(&s, 2, r4, w4, "");
    /* duplicates: 20 twice then once less, and a new maximum */
    Value r5[] = {vi(1), vi(20), vi(1), vi(30), vi(1), vi(20)};
    int64_t w5[] = {1, 1, -1};
    stream_round(&s, 3, r5, w5, "-1 1|1|20|20|20|1\n+1 1|2|50|20|30|2\n");
    /* the maximum leaves: MAX falls back to the next value */
    Value r6[] = {vi(1), vi(30)};
    int64_t w6[] = {-1};
    stream_round(&s, 1, r6, w6, "-1 1|2|50|20|30|2\n+1 1|1|20|20|20|1\n");
    /* group 2 comes back; weight 3 counts three rows */
    Value r7[] = {vi(2), vi(5), vi(3), vi(9)};
    int64_t w7[] = {1, 3};
    stream_round(&s, 2, r7, w7, "+1 2|1|5|5|5|1\n-1 3|1|7|7|7|1\n+1 3|4|34|7|9|2\n");
    /* every value of group 3 leaves but one row of 9 */
    Value r8[] = {vi(3), vi(7), vi(3), vi(9)};
    int64_t w8[] = {-1, -2};
    stream_round(&s, 2, r8, w8, "-1 3|4|34|7|9|2\n+1 3|1|9|9|9|1\n");
    stream_close(&s);
}

static void test_retractions_global(void **state) {
    (void)state;
    Stream s;
    AggKind kinds[] = {AGG_COUNT_STAR, AGG_SUM, AGG_MIN, AGG_AVG};
    stream_open(&s, 0, 4, kinds, NULL);
    stream_round(&s, 0, NULL, NULL, "+1 0|NULL|NULL|NULL\n");
    Value r1[] = {vi(1), vi(10), vi(1), vi(20), vi(2), NI};
    stream_round(&s, 3, r1, NULL, "-1 0|NULL|NULL|NULL\n+1 3|30|10|15.0\n");
    int64_t w[] = {-1, -1, -1};
    stream_round(&s, 3, r1, w, "-1 3|30|10|15.0\n+1 0|NULL|NULL|NULL\n");
    stream_round(&s, 0, NULL, NULL, "");
    stream_close(&s);
}

static void test_retractions_text(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Type t[] = {TYPE_BIGINT, TYPE_TEXT};
    Plan *in = mk_values(&r.a, 2, t, 0, NULL);
    Expr *g[] = {col(&r.a, in, 0)};
    AggSpec aggs[] = {agg(AGG_MIN, false, col(&r.a, in, 1)), agg(AGG_MAX, false, col(&r.a, in, 1)),
                      agg(AGG_COUNT, true, col(&r.a, in, 1))};
    ExecOptions opt = {0};
    Executor *x = exec_new(mk_agg(&r.a, in, 1, g, 3, aggs), sink_fn, &r.sink, &opt, &r.err);
    Value r1[] = {vi(1), vs("pear"), vi(1), vs("apple"), vi(1), vs("zucchini"), vi(1), NS};
    push_rows(x, &r.a, 0, 2, t, 4, r1, NULL);
    assert_int_equal(exec_finish_round(x), 0);
    assert_string_equal(sink_sorted(&r.sink), "+1 1|apple|zucchini|3\n");
    sink_clear(&r.sink);
    Value r2[] = {vi(1), vs("apple"), vi(1), vs("zucchini")};
    int64_t w2[] = {-1, -1};
    push_rows(x, &r.a, 0, 2, t, 2, r2, w2);
    assert_int_equal(exec_finish_round(x), 0);
    assert_string_equal(sink_sorted(&r.sink), "+1 1|pear|pear|1\n-1 1|apple|zucchini|3\n");
    /* only the NULL row is left: the group stays, with NULL extremes */
    sink_clear(&r.sink);
    Value r3[] = {vi(1), vs("pear")};
    int64_t w3[] = {-1};
    push_rows(x, &r.a, 0, 2, t, 1, r3, w3);
    assert_int_equal(exec_finish_round(x), 0);
    assert_string_equal(sink_sorted(&r.sink), "+1 1|NULL|NULL|0\n-1 1|pear|pear|1\n");
    exec_free(x);
    run_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_by_bigint),
        cmocka_unit_test(test_global),
        cmocka_unit_test(test_keys_of_every_type),
        cmocka_unit_test(test_distinct),
        cmocka_unit_test(test_many_groups),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_retractions),
        cmocka_unit_test(test_retractions_global),
        cmocka_unit_test(test_retractions_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
