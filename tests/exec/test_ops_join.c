/*
** Unit tests for HashJoin: inner and left joins with duplicate keys on both
** sides, NULL keys (never match), residual predicates (a LEFT join row
** whose every pair fails the residual is NULL-padded), joins without
** equality keys, several and computed keys, a build side that is itself
** blocking (an aggregate) or a join, large fan-out across many chunks, and
** the symmetric join of continuous queries (deltas on both sides,
** retractions, NULL-padded rows that come and go).
*/
#include "test_ops_harness.h"

static const char *l_names[] = {"id", "k", "name"};
static const Type l_types[] = {TYPE_BIGINT, TYPE_BIGINT, TYPE_TEXT};
static const char *r_names[] = {"k", "val"};
static const Type r_types[] = {TYPE_BIGINT, TYPE_TEXT};

static Plan *left_scan(Run *r) {
    Value rows[] = {
        vi(1), vi(1), vs("a"), vi(2), vi(2), vs("b"), vi(3), vi(2), vs("c"), vi(4), NI, vs("d"), vi(5), vi(9), vs("e"),
    };
    return mk_scan_all(&r->a, fake_rel(&r->a, 3, l_names, l_types, 5, rows, 2));
}

static Plan *right_scan(Run *r) {
    Value rows[] = {vi(1), vs("x"), vi(2), vs("y"), vi(2), vs("z"), NI, vs("n"), vi(3), vs("w")};
    return mk_scan_all(&r->a, fake_rel(&r->a, 2, r_names, r_types, 5, rows, 2));
}

static const char *inner_rows = "+1 1|1|a|1|x\n+1 2|2|b|2|y\n+1 2|2|b|2|z\n+1 3|2|c|2|y\n+1 3|2|c|2|z\n";

static void test_inner_and_left(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *l = left_scan(&r), *rt = right_scan(&r);
    Expr *lk[] = {col(&r.a, l, 1)}, *rk[] = {col(&r.a, rt, 0)};
    EXPECT_ROWS(&r, mk_join(&r.a, PJOIN_INNER, l, rt, 1, lk, rk, NULL), inner_rows);
    char *left = arena_printf(&r.a, "%s+1 4|NULL|d|NULL|NULL\n+1 5|9|e|NULL|NULL\n", inner_rows);
    EXPECT_ROWS(&r, mk_join(&r.a, PJOIN_LEFT, l, rt, 1, lk, rk, NULL), left);
    /* an empty build side */
    Plan *none = mk_filter(&r.a, rt, cnst(&r.a, vb(0)));
    EXPECT_ROWS(&r, mk_join(&r.a, PJOIN_INNER, l, none, 1, lk, rk, NULL), "");
    EXPECT_ROWS(&r, mk_join(&r.a, PJOIN_LEFT, l, none, 1, lk, rk, NULL),
                "+1 1|1|a|NULL|NULL\n+1 2|2|b|NULL|NULL\n+1 3|2|c|NULL|NULL\n+1 4|NULL|d|NULL|NULL\n"
                "+1 5|9|e|NULL|NULL\n");
    /* an empty probe side */
    EXPECT_ROWS(&r, mk_join(&r.a, PJOIN_LEFT, mk_filter(&r.a, l, cnst(&r.a, vb(0))), rt, 1, lk, rk, NULL), "");
    run_free(&r);
}

static void test_residual(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *l = left_scan(&r), *rt = right_scan(&r);
    Expr *lk[] = {col(&r.a, l, 1)}, *rk[] = {col(&r.a, rt, 0)};
    /* residual over left ++ right columns: id <> 2 AND val <> 'z' */
    Plan *j = mk_join(&r.a, PJOIN_INNER, l, rt, 1, lk, rk, NULL);
    Expr *res = expr_new(&r.a, EXPR_AND, TYPE_BOOL, 2);
    res->args[0] = call(&r.a, "<>", 2, col(&r.a, j, 0), cnst(&r.a, vi(2)));
    res->args[1] = call(&r.a, "<>", 2, col(&r.a, j, 4), cnst(&r.a, vs("z")));
    j->u.join.residual = res;
    EXPECT_ROWS(&r, j, "+1 1|1|a|1|x\n+1 3|2|c|2|y\n");
    /* LEFT: id 2 has pairs, but none survives: NULL-padded */
    j->u.join.kind = PJOIN_LEFT;
    EXPECT_ROWS(&r, j,
                "+1 1|1|a|1|x\n+1 3|2|c|2|y\n+1 2|2|b|NULL|NULL\n+1 4|NULL|d|NULL|NULL\n+1 5|9|e|NULL|NULL\n");
    run_free(&r);
}

static void test_no_keys(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *l = left_scan(&r), *rt = right_scan(&r);
    /* ON l.k = r.k as a residual only: a nested loop with the same result */
    Plan *j = mk_join(&r.a, PJOIN_INNER, l, rt, 0, NULL, NULL, NULL);
    j->u.join.residual = call(&r.a, "=", 2, col(&r.a, j, 1), col(&r.a, j, 3));
    EXPECT_ROWS(&r, j, inner_rows);
    j->u.join.kind = PJOIN_LEFT;
    EXPECT_ROWS(&r, j, arena_printf(&r.a, "%s+1 4|NULL|d|NULL|NULL\n+1 5|9|e|NULL|NULL\n", inner_rows));
    /* a cross join: 5 x 5 */
    Plan *cross = mk_join(&r.a, PJOIN_INNER, l, rt, 0, NULL, NULL, NULL);
    AggSpec cnt[] = {agg(AGG_COUNT_STAR, false, NULL)};
    EXPECT_ROWS(&r, mk_agg(&r.a, cross, 0, NULL, 1, cnt), "+1 25\n");
    run_free(&r);
}

static void test_keys_multi_and_computed(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *l = left_scan(&r), *rt = right_scan(&r);
    /* l.k + 1 = r.k */
    Expr *lk[] = {call(&r.a, "+", 2, col(&r.a, l, 1), cnst(&r.a, vi(1)))}, *rk[] = {col(&r.a, rt, 0)};
    EXPECT_ROWS(&r, mk_join(&r.a, PJOIN_INNER, l, rt, 1, lk, rk, NULL),
                "+1 1|1|a|2|y\n+1 1|1|a|2|z\n+1 2|2|b|3|w\n+1 3|2|c|3|w\n");
    /* two keys, one TEXT: (k, name) = (k, upper(val)) with a computed build key */
    Type t[] = {TYPE_BIGINT, TYPE_TEXT};
    Value rv[] = {vi(1), vs("a"), vi(2), vs("B"), vi(2), vs("b"), vi(2), NS, vi(1), vs("A")};
    Plan *r2 = mk_values(&r.a, 2, t, 5, rv);
    Expr *lk2[] = {col(&r.a, l, 1), call(&r.a, "upper", 1, col(&r.a, l, 2))};
    Expr *rk2[] = {col(&r.a, r2, 0), col(&r.a, r2, 1)};
    EXPECT_ROWS(&r, mk_join(&r.a, PJOIN_INNER, l, r2, 2, lk2, rk2, NULL), "+1 1|1|a|1|A\n+1 2|2|b|2|B\n");
    run_free(&r);
}

static void test_blocking_build_sides(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *l = left_scan(&r), *rt = right_scan(&r);
    /* build side = SELECT k, COUNT(*) FROM r GROUP BY k: emitted only at its finish */
    Expr *g[] = {col(&r.a, rt, 0)};
    AggSpec cnt[] = {agg(AGG_COUNT_STAR, false, NULL)};
    Plan *ag = mk_agg(&r.a, rt, 1, g, 1, cnt);
    Expr *lk[] = {col(&r.a, l, 1)}, *rk[] = {col(&r.a, ag, 0)};
    EXPECT_ROWS(&r, mk_join(&r.a, PJOIN_LEFT, l, ag, 1, lk, rk, NULL),
                "+1 1|1|a|1|1\n+1 2|2|b|2|2\n+1 3|2|c|2|2\n+1 4|NULL|d|NULL|NULL\n+1 5|9|e|NULL|NULL\n");
    /* build side that is itself a join: l JOIN (r JOIN r ON k) ON k */
    Plan *rt2 = right_scan(&r);
    Expr *k1[] = {col(&r.a, rt, 0)}, *k2[] = {col(&r.a, rt2, 0)};
    Plan *rr = mk_join(&r.a, PJOIN_INNER, rt, rt2, 1, k1, k2, NULL);
    Expr *lk3[] = {col(&r.a, l, 0)}, *rk3[] = {col(&r.a, rr, 0)};
    EXPECT_ROWS(&r, mk_join(&r.a, PJOIN_INNER, l, rr, 1, lk3, rk3, NULL),
                "+1 1|1|a|1|x|1|x\n"
                "+1 2|2|b|2|y|2|y\n+1 2|2|b|2|y|2|z\n+1 2|2|b|2|z|2|y\n+1 2|2|b|2|z|2|z\n"
                "+1 3|2|c|3|w|3|w\n");
    run_free(&r);
}

static void test_large(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    /* 5,000 unique keys: every probe row matches once */
    Plan *a = mk_series(&r.a, 1, 5000, 1), *b = mk_series(&r.a, 0, 10000, 2);
    Expr *ka[] = {col(&r.a, a, 0)}, *kb[] = {col(&r.a, b, 0)};
    AggSpec aggs[] = {agg(AGG_COUNT_STAR, false, NULL), agg(AGG_SUM, false, expr_column(&r.a, 1, TYPE_BIGINT, "b")),
                      agg(AGG_COUNT, false, expr_column(&r.a, 1, TYPE_BIGINT, "b"))};
    EXPECT_ROWS(&r, mk_agg(&r.a, mk_join(&r.a, PJOIN_LEFT, a, b, 1, ka, kb, NULL), 0, NULL, 3, aggs),
                "+1 5000|6252500|2500\n");
    /* fan-out: 3,000 probe rows x 10 matches each */
    Plan *s1 = mk_series(&r.a, 1, 3000, 1), *s2 = mk_series(&r.a, 1, 100, 1);
    Expr *m1[] = {call(&r.a, "%", 2, col(&r.a, s1, 0), cnst(&r.a, vi(10)))};
    Expr *m2[] = {call(&r.a, "%", 2, col(&r.a, s2, 0), cnst(&r.a, vi(10)))};
    EXPECT_ROWS(&r, mk_agg(&r.a, mk_join(&r.a, PJOIN_INNER, s1, s2, 1, m1, m2, NULL), 0, NULL, 1, aggs),
                "+1 30000\n");
    run_free(&r);
}

/* ------------------------------------------------------------ continuous */

typedef struct JStream {
    Run r;
    Executor *x;
    Plan *l, *rt;
    int li, ri;   /* leaf index of each side */
} JStream;

static const Type s_types[] = {TYPE_BIGINT, TYPE_TEXT};

static void js_open(JStream *s, PlanJoinKind kind) {
    run_init(&s->r);
    s->l = mk_values(&s->r.a, 2, s_types, 0, NULL);
    s->rt = mk_values(&s->r.a, 2, s_types, 0, NULL);
    Expr *lk[] = {col(&s->r.a, s->l, 0)}, *rk[] = {col(&s->r.a, s->rt, 0)};
    ExecOptions opt = {0};
    s->x = exec_new(mk_join(&s->r.a, kind, s->l, s->rt, 1, lk, rk, NULL), sink_fn, &s->r.sink, &opt, &s->r.err);
    assert_non_null(s->x);
    assert_int_equal(exec_leaf_count(s->x), 2);
    /* the build side is driven first */
    assert_ptr_equal(exec_leaf_plan(s->x, 0), s->rt);
    s->ri = 0;
    s->li = 1;
}

/* Push n rows into one side and compare what the join emitted (sorted). */
static void js_push(JStream *s, bool left, int n, const Value *rows, const int64_t *w, const char *expected) {
    sink_clear(&s->r.sink);
    push_rows(s->x, &s->r.a, left ? s->li : s->ri, 2, s_types, n, rows, w);
    assert_string_equal(sink_sorted(&s->r.sink), sorted_lines(&s->r.a, expected));
}

static void test_symmetric_inner(void **state) {
    (void)state;
    JStream s;
    js_open(&s, PJOIN_INNER);
    Value l1[] = {vi(1), vs("a"), vi(2), vs("b"), NI, vs("n")};
    js_push(&s, true, 3, l1, NULL, "");
    Value r1[] = {vi(1), vs("x"), NI, vs("m")};
    js_push(&s, false, 2, r1, NULL, "+1 1|a|1|x\n");
    Value r2[] = {vi(2), vs("y"), vi(2), vs("z")};
    js_push(&s, false, 2, r2, NULL, "+1 2|b|2|y\n+1 2|b|2|z\n");
    Value l2[] = {vi(2), vs("c"), vi(1), vs("a")};
    int64_t w2[] = {1, -1};
    js_push(&s, true, 2, l2, w2, "+1 2|c|2|y\n+1 2|c|2|z\n-1 1|a|1|x\n");
    Value r3[] = {vi(2), vs("y")};
    int64_t w3[] = {-1};
    js_push(&s, false, 1, r3, w3, "-1 2|b|2|y\n-1 2|c|2|y\n");
    /* finish rounds: the join emits nothing at finish */
    sink_clear(&s.r.sink);
    assert_int_equal(exec_finish_round(s.x), 0);
    assert_int_equal(exec_finish_round(s.x), 0);
    assert_int_equal(s.r.sink.n, 0);
    exec_free(s.x);
    run_free(&s.r);
}

static void test_symmetric_left(void **state) {
    (void)state;
    JStream s;
    js_open(&s, PJOIN_LEFT);
    Value l1[] = {vi(1), vs("a"), NI, vs("n")};
    js_push(&s, true, 2, l1, NULL, "+1 1|a|NULL|NULL\n+1 NULL|n|NULL|NULL\n");
    Value r1[] = {vi(1), vs("x")};
    js_push(&s, false, 1, r1, NULL, "+1 1|a|1|x\n-1 1|a|NULL|NULL\n");
    Value r2[] = {vi(1), vs("x2")};
    js_push(&s, false, 1, r2, NULL, "+1 1|a|1|x2\n");
    Value r3[] = {vi(1), vs("x"), vi(1), vs("x2")};
    int64_t w3[] = {-1, -1};
    js_push(&s, false, 2, r3, w3, "-1 1|a|1|x\n-1 1|a|1|x2\n+1 1|a|NULL|NULL\n");
    /* a left row arriving when its match is already there */
    Value r4[] = {vi(3), vs("w")};
    js_push(&s, false, 1, r4, NULL, "");
    Value l2[] = {vi(3), vs("c")};
    js_push(&s, true, 1, l2, NULL, "+1 3|c|3|w\n");
    /* retracting a left row retracts its NULL-padded row */
    Value l3[] = {vi(1), vs("a")};
    int64_t w4[] = {-1};
    js_push(&s, true, 1, l3, w4, "-1 1|a|NULL|NULL\n");
    exec_free(s.x);
    run_free(&s.r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inner_and_left),
        cmocka_unit_test(test_residual),
        cmocka_unit_test(test_no_keys),
        cmocka_unit_test(test_keys_multi_and_computed),
        cmocka_unit_test(test_blocking_build_sides),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_symmetric_inner),
        cmocka_unit_test(test_symmetric_left),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
