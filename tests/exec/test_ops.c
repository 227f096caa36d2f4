/*
** Unit tests for the row-wise operators and the driver: TableScan (with
** projection and a pushed filter), Values, Series, Filter, Project, Limit,
** Sort, Window (TUMBLE, HOP, SESSION), cancellation and operator names.
** Aggregates and joins have their own files (test_ops_agg.c, test_ops_join.c).
*/
#include <math.h>

#include "test_ops_harness.h"

static const char *kv_names[] = {"k", "v", "s"};
static const Type kv_types[] = {TYPE_BIGINT, TYPE_BIGINT, TYPE_TEXT};

/* k, v, s over 7 rows with NULLs in every column, 2 rows per chunk. */
static FakeRel *kv_rel(Run *r) {
    Value rows[] = {
        vi(1), vi(10), vs("a"),
        vi(2), vi(5), vs("b"),
        vi(3), NI, vs("c"),
        NI, vi(7), NS,
        vi(5), vi(20), vs(""),
        vi(6), vi(-3), vs("f"),
        vi(7), vi(9), vs("g"),
    };
    return fake_rel(&r->a, 3, kv_names, kv_types, 7, rows, 2);
}

static void test_scan_projection(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    FakeRel *rel = kv_rel(&r);
    int proj[] = {2, 0};
    EXPECT_ORDERED(&r, mk_scan(&r.a, rel, 2, proj, NULL),
                   "+1 a|1\n+1 b|2\n+1 c|3\n+1 NULL|NULL\n+1 |5\n+1 f|6\n+1 g|7\n");
    assert_int_equal(rel->opened, 1);
    /* no columns at all: only row counts (COUNT(*)) */
    Plan *p = mk_scan(&r.a, rel, 0, NULL, NULL);
    sink_clear(&r.sink);
    assert_int_equal(run_batch(&r, p), 0);
    assert_int_equal(r.sink.n, 7);
    /* empty relation */
    FakeRel *empty = fake_rel(&r.a, 3, kv_names, kv_types, 0, NULL, 2);
    EXPECT_ROWS(&r, mk_scan_all(&r.a, empty), "");
    run_free(&r);
}

static void test_scan_filter(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    FakeRel *rel = kv_rel(&r);
    int proj[] = {0, 1};
    Plan *p = mk_scan(&r.a, rel, 2, proj, NULL);
    /* v < 10: NULL v is not selected */
    p->u.scan.filter = call(&r.a, "<", 2, col(&r.a, p, 1), cnst(&r.a, vi(10)));
    EXPECT_ROWS(&r, p, "+1 2|5\n+1 NULL|7\n+1 6|-3\n+1 7|9\n");
    /* a predicate nothing passes */
    p->u.scan.filter = call(&r.a, ">", 2, col(&r.a, p, 1), cnst(&r.a, vi(100)));
    EXPECT_ROWS(&r, p, "");
    /* deltas pushed into a scan (a continuous query's source) go through its filter, weights kept */
    p->u.scan.filter = call(&r.a, "<", 2, col(&r.a, p, 1), cnst(&r.a, vi(10)));
    ExecOptions opt = {0};
    sink_clear(&r.sink);
    Executor *x = exec_new(p, sink_fn, &r.sink, &opt, &r.err);
    Type t[] = {TYPE_BIGINT, TYPE_BIGINT};
    Value rows[] = {vi(1), vi(5), vi(2), vi(50), vi(3), NI, vi(4), vi(9)};
    int64_t w[] = {1, 1, -1, -1};
    push_rows(x, &r.a, 0, 2, t, 4, rows, w);
    assert_int_equal(exec_finish_round(x), 0);
    assert_string_equal(sink_text(&r.sink), "+1 1|5\n-1 4|9\n");
    /* a batch executor refuses pushed input */
    exec_free(x);
    x = exec_new(p, sink_fn, &r.sink, &opt, &r.err);
    assert_int_equal(exec_run(x), 0);
    assert_int_equal(exec_push_leaf(x, 0, mk_chunk(&r.a, 2, t, 1, rows, NULL)), -1);
    exec_free(x);
    run_free(&r);
}

static void test_values(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Type t[] = {TYPE_BIGINT, TYPE_TEXT, TYPE_DOUBLE, TYPE_BOOL, TYPE_TIMESTAMP};
    Value rows[] = {
        vi(1), vs("x"), vd(1.5), vb(1), vts(0),
        NI, NS, ND, vnull(TYPE_BOOL), NTS,
        vi(-7), vs("y z"), vd(2), vb(0), vts(1500000),
    };
    EXPECT_ORDERED(&r, mk_values(&r.a, 5, t, 3, rows),
                   "+1 1|x|1.5|true|1970-01-01 00:00:00\n"
                   "+1 NULL|NULL|NULL|NULL|NULL\n"
                   "+1 -7|y z|2.0|false|1970-01-01 00:00:01.500000\n");
    /* a value of another type than its column is converted */
    Value conv[] = {vi(3)};
    Type dt = TYPE_DOUBLE;
    EXPECT_ORDERED(&r, mk_values(&r.a, 1, &dt, 1, conv), "+1 3.0\n");
    /* SELECT without FROM: one row of no columns */
    sink_clear(&r.sink);
    assert_int_equal(run_batch(&r, mk_values(&r.a, 0, NULL, 1, NULL)), 0);
    assert_int_equal(r.sink.n, 1);
    EXPECT_ROWS(&r, mk_values(&r.a, 2, t, 0, NULL), "");
    run_free(&r);
}

static void test_series(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    EXPECT_ORDERED(&r, mk_series(&r.a, 1, 5, 1), "+1 1\n+1 2\n+1 3\n+1 4\n+1 5\n");
    EXPECT_ORDERED(&r, mk_series(&r.a, 5, 0, -2), "+1 5\n+1 3\n+1 1\n");
    EXPECT_ORDERED(&r, mk_series(&r.a, 3, 3, 7), "+1 3\n");
    EXPECT_ROWS(&r, mk_series(&r.a, 1, 0, 1), "");
    EXPECT_ROWS(&r, mk_series(&r.a, 0, 1, -1), "");
    EXPECT_ERROR(&r, mk_series(&r.a, 1, 10, 0), "step cannot be zero");
    /* at the edges of BIGINT: no overflow, no endless loop */
    EXPECT_ORDERED(&r, mk_series(&r.a, INT64_MAX - 2, INT64_MAX, 1),
                   "+1 9223372036854775805\n+1 9223372036854775806\n+1 9223372036854775807\n");
    EXPECT_ORDERED(&r, mk_series(&r.a, INT64_MIN + 1, INT64_MIN, -1),
                   "+1 -9223372036854775807\n+1 -9223372036854775808\n");
    EXPECT_ORDERED(&r, mk_series(&r.a, INT64_MIN, INT64_MAX, INT64_MAX),
                   "+1 -9223372036854775808\n+1 -1\n+1 9223372036854775806\n");
    /* many chunks: count and sum through an aggregate */
    Plan *s = mk_series(&r.a, 1, 10000, 1);
    AggSpec aggs[] = {agg(AGG_COUNT_STAR, false, NULL), agg(AGG_SUM, false, col(&r.a, s, 0))};
    EXPECT_ROWS(&r, mk_agg(&r.a, s, 0, NULL, 2, aggs), "+1 10000|50005000\n");
    run_free(&r);
}

static void test_filter_project(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *scan = mk_scan_all(&r.a, kv_rel(&r));
    /* k > 2 AND v IS NOT NULL, then (s, v + 1, 'z', k) */
    Expr *pred = expr_new(&r.a, EXPR_AND, TYPE_BOOL, 2);
    pred->args[0] = call(&r.a, ">", 2, col(&r.a, scan, 0), cnst(&r.a, vi(2)));
    pred->args[1] = expr_new(&r.a, EXPR_IS_NOT_NULL, TYPE_BOOL, 1);
    pred->args[1]->args[0] = col(&r.a, scan, 1);
    Plan *f = mk_filter(&r.a, scan, pred);
    Expr *ex[] = {col(&r.a, f, 2), call(&r.a, "+", 2, col(&r.a, f, 1), cnst(&r.a, vi(1))), cnst(&r.a, vs("z")),
                  col(&r.a, f, 0)};
    Plan *p = mk_project(&r.a, f, 4, ex);
    EXPECT_ORDERED(&r, p, "+1 |21|z|5\n+1 f|-2|z|6\n+1 g|10|z|7\n");
    /* constant predicates */
    EXPECT_ROWS(&r, mk_filter(&r.a, scan, cnst(&r.a, vb(0))), "");
    EXPECT_ROWS(&r, mk_filter(&r.a, scan, cnst(&r.a, vnull(TYPE_BOOL))), "");
    sink_clear(&r.sink);
    assert_int_equal(run_batch(&r, mk_filter(&r.a, scan, cnst(&r.a, vb(1)))), 0);
    assert_int_equal(r.sink.n, 7);
    /* a filter over an empty input */
    Plan *empty = mk_scan_all(&r.a, fake_rel(&r.a, 3, kv_names, kv_types, 0, NULL, 2));
    EXPECT_ROWS(&r, mk_filter(&r.a, empty, call(&r.a, ">", 2, col(&r.a, empty, 0), cnst(&r.a, vi(2)))), "");
    /* an evaluation error stops the query */
    Expr *div[] = {call(&r.a, "/", 2, col(&r.a, scan, 0), cnst(&r.a, vi(0)))};
    EXPECT_ERROR(&r, mk_project(&r.a, scan, 1, div), "division by zero");
    run_free(&r);
}

static void test_limit(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *s = mk_series(&r.a, 1, 7, 1);
    EXPECT_ORDERED(&r, mk_limit(&r.a, s, 3, 0), "+1 1\n+1 2\n+1 3\n");
    EXPECT_ORDERED(&r, mk_limit(&r.a, s, 2, 4), "+1 5\n+1 6\n");
    EXPECT_ORDERED(&r, mk_limit(&r.a, s, -1, 5), "+1 6\n+1 7\n");
    EXPECT_ORDERED(&r, mk_limit(&r.a, s, 10, 6), "+1 7\n");
    EXPECT_ROWS(&r, mk_limit(&r.a, s, 0, 0), "");
    EXPECT_ROWS(&r, mk_limit(&r.a, s, 5, 100), "");
    /* a satisfied LIMIT stops the scan: a huge series ends at once */
    EXPECT_ORDERED(&r, mk_limit(&r.a, mk_filter(&r.a, mk_series(&r.a, 1, INT64_MAX, 1),
                                                call(&r.a, ">", 2, col(&r.a, s, 0), cnst(&r.a, vi(3)))),
                                2, 0),
                   "+1 4\n+1 5\n");
    FakeRel *rel = kv_rel(&r);
    EXPECT_ORDERED(&r, mk_limit(&r.a, mk_scan_all(&r.a, rel), 1, 0), "+1 1|10|a\n");
    assert_int_equal(rel->chunks_read, 1);
    /* weights: a row of weight 3 is cut in part; in a continuous query the
       LIMIT is maintained, so a retraction of a row it never passed (3)
       changes nothing */
    Type t = TYPE_BIGINT;
    Plan *lim = mk_limit(&r.a, mk_values(&r.a, 1, &t, 0, NULL), 4, 1);
    Err err;
    err_clear(&err);
    ExecOptions opt = {0};
    sink_clear(&r.sink);
    Executor *x = exec_new(lim, sink_fn, &r.sink, &opt, &err);
    Value v[] = {vi(1), vi(2), vi(3)};
    int64_t w[] = {3, 2, -1};
    push_rows(x, &r.a, 0, 1, &t, 3, v, w);
    assert_int_equal(exec_finish_round(x), 0);
    assert_string_equal(sink_text(&r.sink), "+2 1\n+2 2\n");
    exec_free(x);
    run_free(&r);
}

static void test_sort(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *scan = mk_scan_all(&r.a, kv_rel(&r));
    /* ORDER BY v (NULLS LAST) */
    SortKey k1[] = {{col(&r.a, scan, 1), false, false}};
    EXPECT_ORDERED(&r, mk_sort(&r.a, scan, 1, k1),
                   "+1 6|-3|f\n+1 2|5|b\n+1 NULL|7|NULL\n+1 7|9|g\n+1 1|10|a\n+1 5|20|\n+1 3|NULL|c\n");
    /* ORDER BY s DESC (NULLS FIRST) */
    SortKey k2[] = {{col(&r.a, scan, 2), true, true}};
    EXPECT_ORDERED(&r, mk_sort(&r.a, scan, 1, k2),
                   "+1 NULL|7|NULL\n+1 7|9|g\n+1 6|-3|f\n+1 3|NULL|c\n+1 2|5|b\n+1 1|10|a\n+1 5|20|\n");
    /* ORDER BY k NULLS FIRST, computed key */
    SortKey k3[] = {{call(&r.a, "-", 2, cnst(&r.a, vi(0)), col(&r.a, scan, 0)), true, true}};
    EXPECT_ORDERED(&r, mk_sort(&r.a, scan, 1, k3),
                   "+1 NULL|7|NULL\n+1 1|10|a\n+1 2|5|b\n+1 3|NULL|c\n+1 5|20|\n+1 6|-3|f\n+1 7|9|g\n");
    /* stability and several keys, doubles with NaN (above every number) */
    Type t[] = {TYPE_BIGINT, TYPE_DOUBLE, TYPE_BIGINT};
    Value rows[] = {
        vi(1), vd(2.5), vi(0), vi(2), vd(NAN), vi(1), vi(1), vd(-1), vi(2), vi(2), vd(2.5), vi(3),
        vi(1), vd(2.5), vi(4), vi(2), ND, vi(5), vi(1), vd(-1), vi(6), vi(2), vd(-0.0), vi(7),
    };
    Plan *vals = mk_values(&r.a, 3, t, 8, rows);
    SortKey k4[] = {{col(&r.a, vals, 0), true, true}, {col(&r.a, vals, 1), false, false}};
    EXPECT_ORDERED(&r, mk_sort(&r.a, vals, 2, k4),
                   "+1 2|0.0|7\n+1 2|2.5|3\n+1 2|NaN|1\n+1 2|NULL|5\n"
                   "+1 1|-1.0|2\n+1 1|-1.0|6\n+1 1|2.5|0\n+1 1|2.5|4\n");
    /* sorting nothing, and many chunks */
    EXPECT_ROWS(&r, mk_sort(&r.a, mk_series(&r.a, 1, 0, 1), 1, k1), "");
    Plan *s = mk_series(&r.a, 1, 3000, 1);
    Expr *mod[] = {call(&r.a, "%", 2, col(&r.a, s, 0), cnst(&r.a, vi(1000))), col(&r.a, s, 0)};
    Plan *pm = mk_project(&r.a, s, 2, mod);
    SortKey k5[] = {{col(&r.a, pm, 0), true, false}};
    Plan *top = mk_limit(&r.a, mk_sort(&r.a, pm, 1, k5), 4, 0);
    EXPECT_ORDERED(&r, top, "+1 999|999\n+1 999|1999\n+1 999|2999\n+1 998|998\n");
    /* a continuous query: each round emits that round's rows, sorted */
    Type bt = TYPE_BIGINT;
    Plan *in = mk_values(&r.a, 1, &bt, 0, NULL);
    SortKey k6[] = {{col(&r.a, in, 0), false, false}};
    ExecOptions opt = {0};
    sink_clear(&r.sink);
    Executor *x = exec_new(mk_sort(&r.a, in, 1, k6), sink_fn, &r.sink, &opt, &r.err);
    Value r1[] = {vi(3), vi(1), NI, vi(2)};
    int64_t w1[] = {1, -1, 1, 2};
    push_rows(x, &r.a, 0, 1, &bt, 4, r1, w1);
    assert_int_equal(r.sink.n, 0);
    assert_int_equal(exec_state_rows(x), 4);
    assert_int_equal(exec_finish_round(x), 0);
    assert_string_equal(sink_text(&r.sink), "-1 1\n+2 2\n+1 3\n+1 NULL\n");
    sink_clear(&r.sink);
    push_rows(x, &r.a, 0, 1, &bt, 1, r1, NULL);
    assert_int_equal(exec_finish_round(x), 0);
    assert_string_equal(sink_text(&r.sink), "+1 3\n");
    assert_int_equal(exec_state_rows(x), 0);
    exec_free(x);
    run_free(&r);
}

static void test_window_tumble_hop(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Type t[] = {TYPE_BIGINT, TYPE_TIMESTAMP};
    int64_t s = USEC_PER_SEC;
    Value rows[] = {vi(1), vts(0), vi(2), vts(9 * s), vi(3), vts(10 * s), vi(4), NTS, vi(5), vts(-1)};
    Plan *vals = mk_values(&r.a, 2, t, 5, rows);
    EXPECT_ORDERED(&r, mk_window(&r.a, vals, WINDOW_TUMBLE, 1, 10 * s, 0, 0, NULL),
                   "+1 1|1970-01-01 00:00:00|1970-01-01 00:00:00|1970-01-01 00:00:10\n"
                   "+1 2|1970-01-01 00:00:09|1970-01-01 00:00:00|1970-01-01 00:00:10\n"
                   "+1 3|1970-01-01 00:00:10|1970-01-01 00:00:10|1970-01-01 00:00:20\n"
                   "+1 5|1969-12-31 23:59:59.999999|1969-12-31 23:59:50|1970-01-01 00:00:00\n");
    /* HOP(size 10 s, slide 5 s): every row is in two windows */
    EXPECT_ORDERED(&r, mk_window(&r.a, vals, WINDOW_HOP, 1, 10 * s, 5 * s, 0, NULL),
                   "+1 1|1970-01-01 00:00:00|1969-12-31 23:59:55|1970-01-01 00:00:05\n"
                   "+1 1|1970-01-01 00:00:00|1970-01-01 00:00:00|1970-01-01 00:00:10\n"
                   "+1 2|1970-01-01 00:00:09|1970-01-01 00:00:00|1970-01-01 00:00:10\n"
                   "+1 2|1970-01-01 00:00:09|1970-01-01 00:00:05|1970-01-01 00:00:15\n"
                   "+1 3|1970-01-01 00:00:10|1970-01-01 00:00:05|1970-01-01 00:00:15\n"
                   "+1 3|1970-01-01 00:00:10|1970-01-01 00:00:10|1970-01-01 00:00:20\n"
                   "+1 5|1969-12-31 23:59:59.999999|1969-12-31 23:59:50|1970-01-01 00:00:00\n"
                   "+1 5|1969-12-31 23:59:59.999999|1969-12-31 23:59:55|1970-01-01 00:00:05\n");
    /* HOP with a slide that does not divide the size: 3 s windows every 2 s */
    Value one[] = {vi(1), vts(4 * s)};
    EXPECT_ORDERED(&r, mk_window(&r.a, mk_values(&r.a, 2, t, 1, one), WINDOW_HOP, 1, 3 * s, 2 * s, 0, NULL),
                   "+1 1|1970-01-01 00:00:04|1970-01-01 00:00:02|1970-01-01 00:00:05\n"
                   "+1 1|1970-01-01 00:00:04|1970-01-01 00:00:04|1970-01-01 00:00:07\n");
    /* many windows per row overflow a chunk */
    Plan *hop = mk_window(&r.a, mk_values(&r.a, 2, t, 1, one), WINDOW_HOP, 1, 100 * s, s, 0, NULL);
    AggSpec cnt[] = {agg(AGG_COUNT_STAR, false, NULL)};
    EXPECT_ROWS(&r, mk_agg(&r.a, hop, 0, NULL, 1, cnt), "+1 100\n");
    EXPECT_ERROR(&r, mk_window(&r.a, vals, WINDOW_TUMBLE, 1, 0, 0, 0, NULL), "window size must be positive");
    run_free(&r);
}

static void test_window_session(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Type t[] = {TYPE_TEXT, TYPE_TIMESTAMP};
    int64_t s = USEC_PER_SEC;
    Value rows[] = {
        vs("a"), vts(0),      vs("b"), vts(1 * s), vs("a"), vts(4 * s), vs("a"), vts(15 * s),
        vs("b"), vts(30 * s), NS,      vts(2 * s), vs("a"), NTS,        vs("a"), vts(9 * s),
        NS,      vts(3 * s),
    };
    Plan *vals = mk_values(&r.a, 2, t, 9, rows);
    int part[] = {0};
    /* gap 5 s: a: {0, 4} -> [0, 9), {9} -> [9, 14) (exactly one gap apart is not closer than the
       gap), {15} -> [15, 20); b: {1}, {30}; NULL partition: {2, 3} */
    EXPECT_ROWS(&r, mk_window(&r.a, vals, WINDOW_SESSION, 1, 5 * s, 0, 1, part),
                "+1 a|1970-01-01 00:00:00|1970-01-01 00:00:00|1970-01-01 00:00:09\n"
                "+1 a|1970-01-01 00:00:04|1970-01-01 00:00:00|1970-01-01 00:00:09\n"
                "+1 a|1970-01-01 00:00:09|1970-01-01 00:00:09|1970-01-01 00:00:14\n"
                "+1 a|1970-01-01 00:00:15|1970-01-01 00:00:15|1970-01-01 00:00:20\n"
                "+1 b|1970-01-01 00:00:01|1970-01-01 00:00:01|1970-01-01 00:00:06\n"
                "+1 b|1970-01-01 00:00:30|1970-01-01 00:00:30|1970-01-01 00:00:35\n"
                "+1 NULL|1970-01-01 00:00:02|1970-01-01 00:00:02|1970-01-01 00:00:08\n"
                "+1 NULL|1970-01-01 00:00:03|1970-01-01 00:00:02|1970-01-01 00:00:08\n");
    /* no partition: one timeline */
    EXPECT_ROWS(&r, mk_window(&r.a, mk_values(&r.a, 2, t, 4, rows), WINDOW_SESSION, 1, 4 * s, 0, 0, NULL),
                "+1 a|1970-01-01 00:00:00|1970-01-01 00:00:00|1970-01-01 00:00:08\n"
                "+1 b|1970-01-01 00:00:01|1970-01-01 00:00:00|1970-01-01 00:00:08\n"
                "+1 a|1970-01-01 00:00:04|1970-01-01 00:00:00|1970-01-01 00:00:08\n"
                "+1 a|1970-01-01 00:00:15|1970-01-01 00:00:15|1970-01-01 00:00:19\n");
    /* pushed rows (a continuous query): sessions maintained round by round (test_event_time.c) */
    ExecOptions opt = {0};
    Executor *x = exec_new(mk_window(&r.a, mk_values(&r.a, 2, t, 0, NULL), WINDOW_SESSION, 1, s, 0, 0, NULL),
                           sink_fn, &r.sink, &opt, &r.err);
    sink_clear(&r.sink);
    assert_int_equal(exec_push_leaf(x, 0, mk_chunk(&r.a, 2, t, 1, rows, NULL)), 0);
    assert_int_equal(exec_finish_round(x), 0);
    assert_string_equal(sink_text(&r.sink), "+1 a|1970-01-01 00:00:00|1970-01-01 00:00:00|1970-01-01 00:00:01\n");
    exec_free(x);
    run_free(&r);
}

static void test_cancel(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    volatile sig_atomic_t stop = 1;
    ExecOptions opt = {.cancel = &stop};
    Executor *x = exec_new(mk_series(&r.a, 1, 1000000, 1), sink_fn, &r.sink, &opt, &r.err);
    assert_non_null(x);
    assert_int_equal(exec_run(x), -1);
    assert_string_equal(r.err.msg, "interrupted");
    exec_free(x);
    run_free(&r);
}

static void test_names_and_state(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    struct { PlanKind k; const char *name; } names[] = {
        {PLAN_SCAN, "TableScan"}, {PLAN_VALUES, "Values"}, {PLAN_SERIES, "Series"},
        {PLAN_FILTER, "Filter"}, {PLAN_PROJECT, "Project"}, {PLAN_AGGREGATE, "HashAggregate"},
        {PLAN_JOIN, "HashJoin"}, {PLAN_SORT, "Sort"}, {PLAN_LIMIT, "Limit"}, {PLAN_WINDOW, "Window"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_string_equal(exec_op_name(plan_new(&a, names[i].k, NULL, NULL)), names[i].name);
    /* a state row count for a running aggregate */
    Type t = TYPE_BIGINT;
    Plan *v = mk_values(&a, 1, &t, 0, NULL);
    Expr *g[] = {col(&a, v, 0)};
    AggSpec c[] = {agg(AGG_COUNT_STAR, false, NULL)};
    Err err;
    err_clear(&err);
    ExecOptions opt = {0};
    Executor *x = exec_new(mk_agg(&a, v, 1, g, 1, c), NULL, NULL, &opt, &err);
    Value rows[] = {vi(1), vi(2), vi(1), NI};
    push_rows(x, &a, 0, 1, &t, 4, rows, NULL);
    assert_int_equal(exec_state_rows(x), 3);
    exec_free(x);
    arena_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_projection),
        cmocka_unit_test(test_scan_filter),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_series),
        cmocka_unit_test(test_filter_project),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_window_tumble_hop),
        cmocka_unit_test(test_window_session),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_names_and_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
