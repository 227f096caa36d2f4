/*
** Unit tests for continuous queries in the executor: static leaves read by
** exec_run_static, stream-static joins (inner, left, the table on either
** side; no stream state kept), the plans exec_check_streaming refuses,
** nested aggregates, HAVING rows entering and leaving, DISTINCT, and a
** maintained ORDER BY ... LIMIT -- all driven round by round with inserts
** and retractions.  State persistence has its own file (test_stream_state.c).
*/
#include "test_stream_harness.h"

static const char *ev_names[] = {"k", "v"};
static const Type ev_types[] = {TYPE_BIGINT, TYPE_BIGINT};
static const char *dim_names[] = {"k", "name"};
static const Type dim_types[] = {TYPE_BIGINT, TYPE_TEXT};

/* Push rows (k, v) into `leaf` with weights, end the round, compare the changes (sorted). */
static void round_kv(Run *r, Executor *x, const Plan *leaf, int n, const Value *rows, const int64_t *w,
                     const char *expected) {
    sink_clear(&r->sink);
    Round rd = {1, {{leaf, n, rows, w}}};
    if (run_round(x, &r->a, &rd)) fail_msg("round failed: %s", r->err.msg);
    assert_string_equal(sink_sorted(&r->sink), sorted_lines(&r->a, expected));
}

static FakeRel *dim_rel(Run *r) {
    Value rows[] = {vi(1), vs("one"), vi(2), vs("two"), vi(2), vs("deux"), NI, vs("none")};
    return fake_rel(&r->a, 2, dim_names, dim_types, 4, rows, 2);
}

static Executor *open_x(Run *r, const Plan *p) {
    ExecOptions opt = {0};
    Executor *x = exec_new(p, sink_fn, &r->sink, &opt, &r->err);
    if (!x) fail_msg("exec_new failed: %s", r->err.msg);
    return x;
}

/* ------------------------------------------------------------ stream-static joins */

static void test_static_join_inner(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    FakeRel *dim = dim_rel(&r);
    Plan *ev = mk_stream(&r.a, "events", 2, ev_names, ev_types);
    Plan *tb = mk_scan_all(&r.a, dim);
    Expr *lk[] = {col(&r.a, ev, 0)}, *rk[] = {col(&r.a, tb, 0)};
    Plan *j = mk_join(&r.a, PJOIN_INNER, ev, tb, 1, lk, rk, NULL);
    Executor *x = open_x(&r, j);
    /* the table is read once, before any stream row; nothing comes out yet */
    assert_int_equal(exec_run_static(x), 0);
    assert_int_equal(dim->opened, 1);
    assert_int_equal(r.sink.n, 0);
    assert_int_equal(exec_state_rows(x), 3);   /* the NULL key is not stored */
    Value r1[] = {vi(1), vi(10), vi(2), vi(20), vi(3), vi(30), NI, vi(40)};
    round_kv(&r, x, ev, 4, r1, NULL, "+1 1|10|1|one\n+1 2|20|2|two\n+1 2|20|2|deux\n");
    assert_int_equal(exec_state_rows(x), 3);   /* stream rows probe and pass: no stream state */
    Value r2[] = {vi(2), vi(20), vi(1), vi(11), vi(1), vi(11)};
    int64_t w2[] = {-1, 1, 2};
    round_kv(&r, x, ev, 3, r2, w2, "-1 2|20|2|two\n-1 2|20|2|deux\n+1 1|11|1|one\n+2 1|11|1|one\n");
    assert_int_equal(exec_state_rows(x), 3);
    round_kv(&r, x, ev, 0, NULL, NULL, "");
    assert_int_equal(dim->opened, 1);   /* never re-read */
    /* nothing to persist: the static side is rebuilt at restart */
    StateMap m = {0};
    assert_int_equal(exec_state_changes(x, state_put, &m), 0);
    assert_int_equal(m.puts + m.deletes, 0);
    /* misuse */
    err_clear(&r.err);
    assert_int_equal(exec_run_static(x), -1);
    assert_non_null(strstr(r.err.msg, "already read"));
    err_clear(&r.err);
    Chunk *c = mk_chunk(&r.a, 2, dim_types, 1, (Value[]){vi(9), vs("x")}, NULL);
    assert_int_equal(exec_push_leaf(x, leaf_of(x, tb), c), -1);
    assert_non_null(strstr(r.err.msg, "static relation"));
    exec_free(x);
    /* static inputs come first */
    x = open_x(&r, j);
    err_clear(&r.err);
    Round rd = {1, {{ev, 2, r1, NULL}}};
    assert_int_equal(run_round(x, &r.a, &rd), 0);
    assert_int_equal(exec_run_static(x), -1);
    assert_non_null(strstr(r.err.msg, "before the first micro-batch"));
    exec_free(x);
    run_free(&r);
}

static void test_static_join_left(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *ev = mk_stream(&r.a, "events", 2, ev_names, ev_types);
    Plan *tb = mk_scan_all(&r.a, dim_rel(&r));
    Expr *lk[] = {col(&r.a, ev, 0)}, *rk[] = {col(&r.a, tb, 0)};
    /* a residual: names other than "deux" only */
    Expr *res = call(&r.a, "<>", 2, col(&r.a, mk_join(&r.a, PJOIN_LEFT, ev, tb, 1, lk, rk, NULL), 3),
                     cnst(&r.a, vs("deux")));
    Plan *j = mk_join(&r.a, PJOIN_LEFT, ev, tb, 1, lk, rk, res);
    Executor *x = open_x(&r, j);
    assert_int_equal(exec_run_static(x), 0);
    Value r1[] = {vi(1), vi(10), vi(3), vi(30), NI, vi(5), vi(2), vi(20)};
    round_kv(&r, x, ev, 4, r1, NULL,
             "+1 1|10|1|one\n+1 3|30|NULL|NULL\n+1 NULL|5|NULL|NULL\n+1 2|20|2|two\n");
    assert_int_equal(exec_state_rows(x), 3);
    /* retracting an unmatched stream row retracts its NULL-padded row */
    Value r2[] = {vi(3), vi(30), vi(1), vi(10)};
    int64_t w2[] = {-1, -1};
    round_kv(&r, x, ev, 2, r2, w2, "-1 3|30|NULL|NULL\n-1 1|10|1|one\n");
    assert_int_equal(exec_state_rows(x), 3);
    exec_free(x);
    run_free(&r);
}

/* The table on the left (port 0, normally the probe side), the stream on the right. */
static void test_static_join_table_left(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *tb = mk_scan_all(&r.a, dim_rel(&r));
    Plan *ev = mk_stream(&r.a, "events", 2, ev_names, ev_types);
    Expr *lk[] = {col(&r.a, tb, 0)}, *rk[] = {col(&r.a, ev, 0)};
    Executor *x = open_x(&r, mk_join(&r.a, PJOIN_INNER, tb, ev, 1, lk, rk, NULL));
    assert_int_equal(exec_run_static(x), 0);
    assert_int_equal(r.sink.n, 0);
    Value r1[] = {vi(2), vi(20), vi(5), vi(50)};
    round_kv(&r, x, ev, 2, r1, NULL, "+1 2|two|2|20\n+1 2|deux|2|20\n");
    Value r2[] = {vi(2), vi(20), vi(1), vi(10)};
    int64_t w2[] = {-1, 1};
    round_kv(&r, x, ev, 2, r2, w2, "-1 2|two|2|20\n-1 2|deux|2|20\n+1 1|one|1|10\n");
    assert_int_equal(exec_state_rows(x), 3);
    exec_free(x);
    run_free(&r);
}

/*
** An aggregate over a stream-static join, the static side itself an
** aggregate of the table (a static operator: computed once, insert-only).
*/
static void test_static_subtree(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    FakeRel *dim = dim_rel(&r);
    Plan *tb = mk_scan_all(&r.a, dim);
    Expr *tg[] = {col(&r.a, tb, 0)};
    AggSpec ta[] = {agg(AGG_COUNT_STAR, false, NULL), agg(AGG_MIN, false, col(&r.a, tb, 1))};
    Plan *names = mk_agg(&r.a, tb, 1, tg, 2, ta);   /* k, count, min(name) */
    Plan *ev = mk_stream(&r.a, "events", 2, ev_names, ev_types);
    Expr *lk[] = {col(&r.a, ev, 0)}, *rk[] = {col(&r.a, names, 0)};
    Plan *j = mk_join(&r.a, PJOIN_INNER, ev, names, 1, lk, rk, NULL);   /* k v k n name */
    Expr *g[] = {col(&r.a, j, 4)};
    AggSpec a[] = {agg(AGG_SUM, false, col(&r.a, j, 1)), agg(AGG_SUM, false, col(&r.a, j, 3))};
    Executor *x = open_x(&r, mk_agg(&r.a, j, 1, g, 2, a));
    assert_int_equal(exec_run_static(x), 0);
    assert_int_equal(r.sink.n, 0);
    Value r1[] = {vi(1), vi(10), vi(2), vi(20), vi(2), vi(1)};
    round_kv(&r, x, ev, 3, r1, NULL, "+1 one|10|1\n+1 deux|21|4\n");
    Value r2[] = {vi(2), vi(1)};
    int64_t w2[] = {-1};
    round_kv(&r, x, ev, 1, r2, w2, "-1 deux|21|4\n+1 deux|20|2\n");
    round_kv(&r, x, ev, 0, NULL, NULL, "");
    assert_int_equal(dim->opened, 1);
    exec_free(x);
    run_free(&r);
}

/* ------------------------------------------------------------ refusals */

static void test_check_streaming(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    const int64_t s = USEC_PER_SEC;
    const char *tn[] = {"k", "ts"};
    Type tt[] = {TYPE_BIGINT, TYPE_TIMESTAMP};
    Plan *ev = mk_stream(&r.a, "clicks", 2, tn, tt);
    int part[] = {0};
    /* SESSION over a stream is maintained (test_event_time.c) */
    Plan *sess = mk_window(&r.a, ev, WINDOW_SESSION, 1, 10 * s, 0, 1, part);
    Err err;
    err_clear(&err);
    assert_int_equal(exec_check_streaming(sess, &err), 0);
    /* and so are TUMBLE and HOP */
    assert_int_equal(exec_check_streaming(mk_window(&r.a, ev, WINDOW_TUMBLE, 1, 10 * s, 0, 0, NULL), &err), 0);
    assert_int_equal(exec_check_streaming(mk_window(&r.a, ev, WINDOW_HOP, 1, 10 * s, 5 * s, 0, NULL), &err), 0);
    /* a table LEFT JOIN a stream */
    Plan *tb = mk_scan_all(&r.a, dim_rel(&r));
    Expr *lk[] = {col(&r.a, tb, 0)}, *rk[] = {col(&r.a, ev, 0)};
    assert_int_equal(exec_check_streaming(mk_join(&r.a, PJOIN_LEFT, tb, ev, 1, lk, rk, NULL), &err), -1);
    assert_non_null(strstr(err.msg, "LEFT JOIN with a stream on the right"));
    assert_non_null(strstr(err.msg, "stream LEFT JOIN table"));
    /* ... but the other way round, and inner joins, are fine */
    err_clear(&err);
    assert_int_equal(exec_check_streaming(mk_join(&r.a, PJOIN_LEFT, ev, tb, 1, rk, lk, NULL), &err), 0);
    assert_int_equal(exec_check_streaming(mk_join(&r.a, PJOIN_INNER, tb, ev, 1, lk, rk, NULL), &err), 0);
    /* ORDER BY / LIMIT are maintained */
    SortKey sk[] = {{col(&r.a, ev, 0), true, true}};
    assert_int_equal(exec_check_streaming(mk_limit(&r.a, mk_sort(&r.a, ev, 1, sk), 3, 0), &err), 0);
    run_free(&r);
}

/* SESSION over a static table is a static operator: allowed, and computed once. */
static void test_static_session(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    const int64_t s = USEC_PER_SEC;
    const char *tn[] = {"k", "ts"};
    Type tt[] = {TYPE_BIGINT, TYPE_TIMESTAMP};
    Value trows[] = {vi(1), vts(0), vi(1), vts(5 * s), vi(1), vts(30 * s), vi(2), vts(0)};
    Plan *tb = mk_scan_all(&r.a, fake_rel(&r.a, 2, tn, tt, 4, trows, 3));
    int part[] = {0};
    Plan *sess = mk_window(&r.a, tb, WINDOW_SESSION, 1, 10 * s, 0, 1, part);   /* k ts start end */
    Plan *ev = mk_stream(&r.a, "events", 2, ev_names, ev_types);
    Expr *lk[] = {col(&r.a, ev, 0)}, *rk[] = {col(&r.a, sess, 0)};
    Plan *j = mk_join(&r.a, PJOIN_INNER, ev, sess, 1, lk, rk, NULL);
    Expr *g[] = {col(&r.a, j, 4), col(&r.a, j, 5)};
    AggSpec a[] = {agg(AGG_COUNT_STAR, false, NULL)};
    Plan *p = mk_agg(&r.a, j, 2, g, 1, a);
    Err err;
    err_clear(&err);
    assert_int_equal(exec_check_streaming(p, &err), 0);
    Executor *x = open_x(&r, p);
    assert_int_equal(exec_run_static(x), 0);
    Value r1[] = {vi(1), vi(0)};
    round_kv(&r, x, ev, 1, r1, NULL,
             "+1 1970-01-01 00:00:00|1970-01-01 00:00:15|2\n+1 1970-01-01 00:00:30|1970-01-01 00:00:40|1\n");
    exec_free(x);
    run_free(&r);
}

/* ------------------------------------------------------------ aggregates */

/* Inner: count per k.  Outer: how many keys have each count (an aggregate over an aggregate). */
static void test_nested_aggregate(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *ev = mk_stream(&r.a, "events", 2, ev_names, ev_types);
    Expr *g[] = {col(&r.a, ev, 0)};
    AggSpec a[] = {agg(AGG_COUNT_STAR, false, NULL)};
    Plan *inner = mk_agg(&r.a, ev, 1, g, 1, a);
    Expr *g2[] = {col(&r.a, inner, 1)};
    AggSpec a2[] = {agg(AGG_COUNT_STAR, false, NULL), agg(AGG_MIN, false, col(&r.a, inner, 0))};
    Executor *x = open_x(&r, mk_agg(&r.a, inner, 1, g2, 2, a2));
    assert_int_equal(exec_run_static(x), 0);
    Value r1[] = {vi(1), vi(0), vi(1), vi(0), vi(2), vi(0)};
    round_kv(&r, x, ev, 3, r1, NULL, "+1 2|1|1\n+1 1|1|2\n");
    /* k=2 gains a row, k=1 loses one: the counts swap keys */
    Value r2[] = {vi(2), vi(0), vi(1), vi(0)};
    int64_t w2[] = {1, -1};
    round_kv(&r, x, ev, 2, r2, w2, "-1 2|1|1\n+1 2|1|2\n-1 1|1|2\n+1 1|1|1\n");
    Value r3[] = {vi(3), vi(0)};
    round_kv(&r, x, ev, 1, r3, NULL, "-1 1|1|1\n+1 1|2|1\n");
    Value r4[] = {vi(1), vi(0)};
    int64_t w4[] = {-1};
    round_kv(&r, x, ev, 1, r4, w4, "-1 1|2|1\n+1 1|1|3\n");
    /* both rows of k=2 go: count 2 has no key left */
    Value r5[] = {vi(2), vi(0)};
    int64_t w5[] = {-2};
    round_kv(&r, x, ev, 1, r5, w5, "-1 2|1|2\n");
    /* a round whose changes cancel out inside the inner aggregate */
    Value r6[] = {vi(3), vi(0), vi(3), vi(0)};
    int64_t w6[] = {1, -1};
    round_kv(&r, x, ev, 2, r6, w6, "");
    exec_free(x);
    run_free(&r);
}

static void test_having(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *ev = mk_stream(&r.a, "events", 2, ev_names, ev_types);
    Expr *g[] = {col(&r.a, ev, 0)};
    AggSpec a[] = {agg(AGG_SUM, false, col(&r.a, ev, 1))};
    Plan *ag = mk_agg(&r.a, ev, 1, g, 1, a);
    Plan *hv = mk_filter(&r.a, ag, call(&r.a, ">", 2, col(&r.a, ag, 1), cnst(&r.a, vi(10))));
    Executor *x = open_x(&r, hv);
    Value r1[] = {vi(1), vi(5), vi(2), vi(20)};
    round_kv(&r, x, ev, 2, r1, NULL, "+1 2|20\n");
    Value r2[] = {vi(1), vi(6)};
    round_kv(&r, x, ev, 1, r2, NULL, "+1 1|11\n");   /* enters */
    Value r3[] = {vi(2), vi(20), vi(2), vi(3)};
    int64_t w3[] = {-1, 1};
    round_kv(&r, x, ev, 2, r3, w3, "-1 2|20\n");    /* leaves */
    Value r4[] = {vi(1), vi(5)};
    round_kv(&r, x, ev, 1, r4, NULL, "-1 1|11\n+1 1|16\n");   /* stays, changes */
    Value r5[] = {vi(1), vi(-6)};
    round_kv(&r, x, ev, 1, r5, NULL, "-1 1|16\n");   /* 10: leaves */
    exec_free(x);
    run_free(&r);
}

static void test_distinct(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *ev = mk_stream(&r.a, "events", 2, ev_names, ev_types);
    Expr *g[] = {col(&r.a, ev, 0), col(&r.a, ev, 1)};
    Executor *x = open_x(&r, mk_agg(&r.a, ev, 2, g, 0, NULL));   /* SELECT DISTINCT k, v */
    Value r1[] = {vi(1), vi(1), vi(1), vi(1), vi(2), NI};
    round_kv(&r, x, ev, 3, r1, NULL, "+1 1|1\n+1 2|NULL\n");
    Value r2[] = {vi(1), vi(1), vi(3), vi(3)};
    int64_t w2[] = {-1, 1};
    round_kv(&r, x, ev, 2, r2, w2, "+1 3|3\n");   /* one copy of 1|1 is left */
    round_kv(&r, x, ev, 2, r2, w2, "-1 1|1\n");   /* the last copy goes; 3|3 now twice */
    Value r3[] = {vi(2), NI};
    int64_t w3[] = {-1};
    round_kv(&r, x, ev, 1, r3, w3, "-1 2|NULL\n");
    exec_free(x);
    run_free(&r);
}

/* COUNT(DISTINCT v), SUM(DISTINCT v), MIN/MAX with retractions and NULLs. */
static void test_distinct_aggregates(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *ev = mk_stream(&r.a, "events", 2, ev_names, ev_types);
    Expr *g[] = {col(&r.a, ev, 0)};
    AggSpec a[] = {agg(AGG_COUNT, true, col(&r.a, ev, 1)), agg(AGG_SUM, true, col(&r.a, ev, 1)),
                   agg(AGG_MIN, false, col(&r.a, ev, 1)), agg(AGG_MAX, false, col(&r.a, ev, 1)),
                   agg(AGG_COUNT, false, col(&r.a, ev, 1))};
    Executor *x = open_x(&r, mk_agg(&r.a, ev, 1, g, 5, a));
    Value r1[] = {vi(1), vi(5), vi(1), vi(5), vi(1), vi(7), vi(1), NI};
    round_kv(&r, x, ev, 4, r1, NULL, "+1 1|2|12|5|7|3\n");
    Value r2[] = {vi(1), vi(5), vi(1), vi(7)};
    int64_t w2[] = {-1, -1};
    round_kv(&r, x, ev, 2, r2, w2, "-1 1|2|12|5|7|3\n+1 1|1|5|5|5|1\n");
    Value r3[] = {vi(1), vi(5)};
    int64_t w3[] = {-1};
    round_kv(&r, x, ev, 1, r3, w3, "-1 1|1|5|5|5|1\n+1 1|0|NULL|NULL|NULL|0\n");   /* only the NULL row */
    exec_free(x);
    run_free(&r);
}

/* ------------------------------------------------------------ ORDER BY ... LIMIT */

/* Top 2 keys by count (ties by key), after skipping the first: maintained as counts change. */
static void test_top_n(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *ev = mk_stream(&r.a, "events", 2, ev_names, ev_types);
    Expr *g[] = {col(&r.a, ev, 0)};
    AggSpec a[] = {agg(AGG_COUNT_STAR, false, NULL)};
    Plan *ag = mk_agg(&r.a, ev, 1, g, 1, a);
    SortKey sk[] = {{col(&r.a, ag, 1), true, false}, {col(&r.a, ag, 0), false, false}};
    Plan *top = mk_limit(&r.a, mk_sort(&r.a, ag, 2, sk), 2, 1);
    Executor *x = open_x(&r, top);
    Value r1[] = {vi(1), vi(0), vi(1), vi(0), vi(2), vi(0), vi(3), vi(0), vi(3), vi(0), vi(3), vi(0)};
    /* counts: 3->3, 1->2, 2->1; skip 3, take 1 and 2 */
    round_kv(&r, x, ev, 6, r1, NULL, "+1 1|2\n+1 2|1\n");
    Value r2[] = {vi(4), vi(0), vi(4), vi(0), vi(4), vi(0), vi(4), vi(0)};
    /* 4->4 on top: skip it, take 3 and 1 */
    round_kv(&r, x, ev, 4, r2, NULL, "-1 2|1\n+1 3|3\n");
    Value r3[] = {vi(4), vi(0)};
    int64_t w3[] = {-4};
    round_kv(&r, x, ev, 1, r3, w3, "-1 3|3\n+1 2|1\n");   /* 4 leaves: back to the first result */
    Value r4[] = {vi(5), vi(0)};
    round_kv(&r, x, ev, 1, r4, NULL, "");   /* 5->1 ranks after 2->1 (ties by key) */
    round_kv(&r, x, ev, 0, NULL, NULL, "");
    exec_free(x);
    run_free(&r);
}

/* A LIMIT without ORDER BY keeps the first rows in the order of their values. */
static void test_limit_unordered(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *ev = mk_stream(&r.a, "events", 2, ev_names, ev_types);
    Executor *x = open_x(&r, mk_limit(&r.a, ev, 3, 0));
    Value r1[] = {vi(5), vi(0), vi(3), vi(0), vi(3), vi(0), vi(9), vi(0)};
    round_kv(&r, x, ev, 4, r1, NULL, "+2 3|0\n+1 5|0\n");
    Value r2[] = {vi(3), vi(0), vi(1), vi(0)};
    int64_t w2[] = {-2, 1};
    round_kv(&r, x, ev, 2, r2, w2, "-2 3|0\n+1 1|0\n+1 9|0\n");
    exec_free(x);
    run_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static_join_inner),
        cmocka_unit_test(test_static_join_left),
        cmocka_unit_test(test_static_join_table_left),
        cmocka_unit_test(test_static_subtree),
        cmocka_unit_test(test_check_streaming),
        cmocka_unit_test(test_static_session),
        cmocka_unit_test(test_nested_aggregate),
        cmocka_unit_test(test_having),
        cmocka_unit_test(test_distinct),
        cmocka_unit_test(test_distinct_aggregates),
        cmocka_unit_test(test_top_n),
        cmocka_unit_test(test_limit_unordered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
