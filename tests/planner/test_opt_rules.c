/*
** Unit tests of the optimizer rules, one rule at a time on hand-built plans
** (fixture: test_opt_fixture.h), plus the driver: fixed point, trace,
** WEIR_DISABLE_RULES.
*/
#include "test_opt_fixture.h"

#define ALL PLAN_MASK_ALL

/* ------------------------------------------------------------------ ConstantFolding */

static Expr *case3(Fx *fx, Expr *w0, Expr *t0, Expr *w1, Expr *t1, Expr *els) {
    int n = 2 + (w1 ? 2 : 0) + (els ? 1 : 0);
    Expr *e = expr_new(&fx->arena, EXPR_CASE, t0->type, n);
    int k = 0;
    e->args[k++] = w0;
    e->args[k++] = t0;
    if (w1) {
        e->args[k++] = w1;
        e->args[k++] = t1;
    }
    if (els) e->args[k++] = els;
    e->has_else = els != NULL;
    return e;
}

static void test_constant_folding(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Expr *e[8] = {
        fx_call(fx, "+", fx_int(fx, 1), fx_call(fx, "*", fx_int(fx, 2), fx_int(fx, 3))),
        fx_call(fx, "+", fx_col(fx, b, 0), fx_call(fx, "-", fx_int(fx, 2), fx_int(fx, 2))),
        fx_call1(fx, "lower", fx_str(fx, "ABC")),
        fx_call(fx, "/", fx_int(fx, 1), fx_int(fx, 0)),                       /* error: stays */
        case3(fx, fx_bool(fx, false), fx_call(fx, "/", fx_int(fx, 1), fx_int(fx, 0)), NULL, NULL, fx_int(fx, 2)),
        fx_call1(fx, "now", NULL),                                             /* volatile: stays */
        fx_cast(fx, fx_str(fx, "2024-01-01 00:00:00"), TYPE_TIMESTAMP),
        fx_call(fx, "+", fx_int(fx, 1), fx_null(fx, TYPE_BIGINT)),
    };
    Plan *p = fx_project(fx, b, 8, e, NULL);
    assert_true(fx_apply(fx, rule_constant_folding, ALL, &p));
    const char *want[8] = {"7", "k + 0", "'abc'", "1 / 0", "2", "now()", "TIMESTAMP '2024-01-01 00:00:00'", "NULL"};
    for (int i = 0; i < 8; i++) assert_string_equal(fx_expr(fx, p->u.project.exprs[i], b), want[i]);
    /* types are kept: the folded NULL is still a BIGINT, the folded text still TEXT */
    assert_int_equal(p->u.project.exprs[7]->type, TYPE_BIGINT);
    assert_int_equal(p->u.project.exprs[7]->kind, EXPR_CONST);
    assert_int_equal(p->u.project.exprs[2]->type, TYPE_TEXT);
    /* a failed fold is not an error of the query */
    assert_false(fx->err.set);
    /* nothing left to fold: the rule reports no change (a fixed point can end) */
    assert_false(fx_apply(fx, rule_constant_folding, ALL, &p));
    fx_done(fx);
}

/* The input expressions are never modified: the binder may share them. */
static void test_folding_copies_on_write(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Expr *shared = fx_call(fx, "+", fx_col(fx, b, 0), fx_call(fx, "*", fx_int(fx, 2), fx_int(fx, 3)));
    Expr *e[2] = {shared, shared};
    Plan *p = fx_project(fx, b, 2, e, NULL);
    p->u.project.n = 1;
    p->schema.ncols = 1;
    assert_true(fx_apply(fx, rule_constant_folding, ALL, &p));
    assert_string_equal(fx_expr(fx, p->u.project.exprs[0], b), "k + 6");
    assert_string_equal(fx_expr(fx, shared, b), "k + 2 * 3");
    fx_done(fx);
}

/* ------------------------------------------------------------------ BooleanSimplification */

static void test_boolean_simplification(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
#define GT fx_call(fx, ">", fx_col(fx, b, 0), fx_int(fx, 1))
#define LT fx_call(fx, "<", fx_col(fx, b, 0), fx_int(fx, 5))
#define EQ fx_call(fx, "=", fx_col(fx, b, 1), fx_int(fx, 2))
    Expr *gt = GT;
    Expr *e[] = {
        fx_and(fx, GT, fx_bool(fx, true)),
        fx_and(fx, GT, fx_bool(fx, false)),
        fx_or(fx, GT, fx_bool(fx, true)),
        fx_or(fx, GT, fx_bool(fx, false)),
        fx_not(fx, fx_not(fx, GT)),
        fx_and(fx, fx_and(fx, GT, LT), EQ),
        fx_not(fx, LT),
        fx_not(fx, fx_call(fx, "<", fx_col(fx, b, 3), fx_dbl(fx, 1.0))),      /* DOUBLE: NaN, stays */
        fx_not(fx, fx_logic(fx, EXPR_IS_NULL, 1, fx_col(fx, b, 0))),
        fx_and(fx, gt, GT),                                                    /* duplicate */
        fx_and(fx, GT, fx_null(fx, TYPE_BOOL)),                                /* x AND NULL: stays */
        fx_or(fx, fx_and(fx, GT, LT), EQ),
        fx_and(fx, fx_bool(fx, true), fx_bool(fx, true)),
        fx_not(fx, fx_call(fx, "=", fx_col(fx, b, 2), fx_str(fx, "a"))),
    };
    const char *want[] = {
        "k > 1", "FALSE", "TRUE", "k > 1", "k > 1", "k > 1 AND k < 5 AND v = 2", "k >= 5", "NOT d < 1.0",
        "k IS NOT NULL", "k > 1", "k > 1 AND NULL", "k > 1 AND k < 5 OR v = 2", "TRUE", "s <> 'a'",
    };
    int n = (int)(sizeof e / sizeof e[0]);
    Plan *p = fx_project(fx, b, n, e, NULL);
    assert_true(fx_apply(fx, rule_boolean_simplification, ALL, &p));
    for (int i = 0; i < n; i++) assert_string_equal(fx_expr(fx, p->u.project.exprs[i], b), want[i]);
    assert_int_equal(p->u.project.exprs[5]->nargs, 3);   /* flattened */
    assert_false(fx_apply(fx, rule_boolean_simplification, ALL, &p));
#undef GT
#undef LT
#undef EQ
    fx_done(fx);
}

static void test_case_simplification(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Expr *gt = fx_call(fx, ">", fx_col(fx, b, 0), fx_int(fx, 1));
    Expr *e[] = {
        case3(fx, fx_bool(fx, false), fx_int(fx, 1), fx_bool(fx, true), fx_int(fx, 2), fx_int(fx, 3)),
        case3(fx, gt, fx_int(fx, 1), fx_null(fx, TYPE_BOOL), fx_int(fx, 2), NULL),
        case3(fx, fx_bool(fx, false), fx_int(fx, 1), NULL, NULL, NULL),
        case3(fx, gt, fx_col(fx, b, 1), NULL, NULL, fx_int(fx, 0)),
    };
    const char *want[] = {"2", "CASE WHEN k > 1 THEN 1 END", "NULL", "CASE WHEN k > 1 THEN v ELSE 0 END"};
    Plan *p = fx_project(fx, b, 4, e, NULL);
    assert_true(fx_apply(fx, rule_boolean_simplification, ALL, &p));
    for (int i = 0; i < 4; i++) assert_string_equal(fx_expr(fx, p->u.project.exprs[i], b), want[i]);
    assert_int_equal(p->u.project.exprs[2]->type, TYPE_BIGINT);
    fx_done(fx);
}

/* ------------------------------------------------------------------ filters */

static void test_simplify_filters(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    unsigned mask = PLAN_MASK(PLAN_FILTER) | PLAN_MASK(PLAN_SCAN) | PLAN_MASK(PLAN_JOIN);
    Plan *p = fx_filter(fx, fx_big(fx), fx_bool(fx, true));
    assert_true(fx_apply(fx, rule_simplify_filters, mask, &p));
    assert_text(fx, p, false, "Scan big [k, v, s, d, t]\n");

    p = fx_filter(fx, fx_big(fx), fx_bool(fx, false));
    assert_true(fx_apply(fx, rule_simplify_filters, mask, &p));
    assert_text(fx, p, false, "Values [k, v, s, d, t] rows=0\n");

    p = fx_filter(fx, fx_big(fx), fx_null(fx, TYPE_BOOL));
    assert_true(fx_apply(fx, rule_simplify_filters, mask, &p));
    assert_text(fx, p, false, "Values [k, v, s, d, t] rows=0\n");

    /* x AND NULL is never TRUE: as a filter it rejects every row */
    Plan *b = fx_big(fx);
    p = fx_filter(fx, b, fx_and(fx, fx_call(fx, ">", fx_col(fx, b, 0), fx_int(fx, 1)), fx_null(fx, TYPE_BOOL)));
    assert_true(fx_apply(fx, rule_simplify_filters, mask, &p));
    assert_text(fx, p, false, "Values [k, v, s, d, t] rows=0\n");
    /* ... but x OR NULL may be */
    b = fx_big(fx);
    p = fx_filter(fx, b, fx_or(fx, fx_call(fx, ">", fx_col(fx, b, 0), fx_int(fx, 1)), fx_null(fx, TYPE_BOOL)));
    assert_false(fx_apply(fx, rule_simplify_filters, mask, &p));

    /* a LEFT join with a false condition still returns its left rows */
    p = fx_join(fx, PJOIN_LEFT, fx_big(fx), fx_small(fx), fx_bool(fx, false));
    assert_false(fx_apply(fx, rule_simplify_filters, mask, &p));
    p->u.join.kind = PJOIN_INNER;
    assert_true(fx_apply(fx, rule_simplify_filters, mask, &p));
    assert_int_equal(p->kind, PLAN_VALUES);
    fx_done(fx);
}

/* WHERE false under an aggregate: no GROUP BY still yields its row, GROUP BY yields none. */
static void test_empty_input_and_aggregates(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Plan *w = fx_filter(fx, b, fx_call(fx, "=", fx_int(fx, 1), fx_int(fx, 2)));
    AggSpec cnt = fx_agg_spec(fx, AGG_COUNT_STAR, NULL, w);
    Plan *p = fx_optimize(fx, fx_aggregate(fx, w, 0, NULL, 1, &cnt));
    assert_text(fx, p, false, "Aggregate [] [count(*)]\n  Values [k] rows=0\n");
    assert_true(fx_fired(fx, "Operator Optimization/SimplifyFilters"));

    b = fx_big(fx);
    w = fx_filter(fx, b, fx_bool(fx, false));
    Expr *k = fx_col(fx, w, 0);
    p = fx_optimize(fx, fx_aggregate(fx, w, 1, &k, 1, &cnt));
    assert_text(fx, p, false, "Values [k, count(*)] rows=0\n");
    assert_true(fx_fired(fx, "PropagateEmptyRelation"));

    /* an inner join with an empty side is empty, whatever sits above */
    Plan *j = fx_join(fx, PJOIN_INNER, fx_big(fx), fx_filter(fx, fx_small(fx), fx_bool(fx, false)), NULL);
    int cols[2] = {0, 6};
    p = fx_optimize(fx, fx_sort(fx, fx_project_cols(fx, j, 2, cols), 0, false));
    assert_text(fx, p, false, "Values [k, name] rows=0\n");
    fx_done(fx);
}

/* A continuous query keeps reading its source even when nothing can pass (offsets, watermarks). */
static void test_streaming_not_replaced(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *src = fx_big(fx);
    src->u.scan.streaming = true;
    src->u.scan.rel = NULL;
    Plan *p = fx_optimize(fx, fx_filter(fx, src, fx_call(fx, "=", fx_int(fx, 1), fx_int(fx, 2))));
    assert_text(fx, p, false, "Scan big [k, v, s, d, t] filter=(FALSE) streaming\n");

    /* nor is a join with an empty side when the other side is a stream */
    src = fx_big(fx);
    src->u.scan.streaming = true;
    Plan *j = fx_join(fx, PJOIN_INNER, src, fx_filter(fx, fx_small(fx), fx_bool(fx, false)), NULL);
    p = fx_optimize(fx, j);
    assert_int_equal(p->kind, PLAN_JOIN);
    assert_true(opt_is_empty(p->right));
    fx_done(fx);
}

static void test_combine_filters(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Plan *p = fx_filter(fx, fx_filter(fx, b, fx_call(fx, ">", fx_col(fx, b, 0), fx_int(fx, 1))),
                        fx_call(fx, "<", fx_col(fx, b, 1), fx_int(fx, 3)));
    assert_true(fx_apply(fx, rule_combine_filters, PLAN_MASK(PLAN_FILTER), &p));
    assert_text(fx, p, false, "Filter (k > 1 AND v < 3)\n  Scan big [k, v, s, d, t]\n");

    /* a volatile predicate keeps seeing exactly the rows it saw */
    p = fx_filter(fx, fx_filter(fx, b, fx_call(fx, ">", fx_col(fx, b, 0), fx_int(fx, 1))),
                  fx_call(fx, "<", fx_col(fx, b, 4), fx_call1(fx, "now", NULL)));
    assert_false(fx_apply(fx, rule_combine_filters, PLAN_MASK(PLAN_FILTER), &p));
    fx_done(fx);
}

/* ------------------------------------------------------------------ PushDownPredicates */

#define PUSH_MASK (PLAN_MASK(PLAN_FILTER) | PLAN_MASK(PLAN_JOIN))

static void test_push_through_project(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Expr *pe[2] = {fx_call(fx, "+", fx_col(fx, b, 0), fx_int(fx, 1)), fx_col(fx, b, 2)};
    const char *names[2] = {"x", "s"};
    Plan *pr = fx_project(fx, b, 2, pe, names);
    Plan *p = fx_filter(fx, pr, fx_and(fx, fx_call(fx, ">", fx_col(fx, pr, 0), fx_int(fx, 1)),
                                       fx_call(fx, "=", fx_col(fx, pr, 1), fx_str(fx, "a"))));
    assert_true(fx_apply(fx, rule_push_down_predicates, PUSH_MASK, &p));
    assert_text(fx, p, false, "Project [k + 1 AS x, s]\n  Scan big [k, v, s, d, t] filter=(k + 1 > 1 AND s = 'a')\n");

    /* a conjunct over a volatile expression stays above the projection, the rest moves */
    b = fx_big(fx);
    Expr *ve[2] = {fx_call1(fx, "now", NULL), fx_col(fx, b, 0)};
    const char *vn[2] = {"n", "k"};
    pr = fx_project(fx, b, 2, ve, vn);
    p = fx_filter(fx, pr, fx_and(fx, fx_call(fx, ">", fx_col(fx, pr, 0), fx_ts(fx, "2024-01-01")),
                                 fx_call(fx, "=", fx_col(fx, pr, 1), fx_int(fx, 1))));
    assert_true(fx_apply(fx, rule_push_down_predicates, PUSH_MASK, &p));
    assert_text(fx, p, false,
                "Filter (n > TIMESTAMP '2024-01-01 00:00:00')\n"
                "  Project [now() AS n, k]\n"
                "    Scan big [k, v, s, d, t] filter=(k = 1)\n");
    assert_false(fx_apply(fx, rule_push_down_predicates, PUSH_MASK, &p));
    fx_done(fx);
}

static void test_push_into_inner_join(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *l = fx_big(fx), *r = fx_small(fx);
    Plan *j = fx_join(fx, PJOIN_INNER, l, r, NULL);
#define J(i) fx_jcol(fx, l, r, i)
    Expr *pred = fx_and(fx, fx_call(fx, "=", J(0), fx_int(fx, 1)), fx_call(fx, "=", J(5), fx_int(fx, 2)),
                        fx_call(fx, "=", J(0), J(5)), fx_call(fx, ">", J(1), J(5)));
    Plan *p = fx_filter(fx, j, pred);
    assert_true(fx_apply(fx, rule_push_down_predicates, PUSH_MASK, &p));
    assert_text(fx, p, false,
                "Join INNER condition=(k = id AND v > id)\n"
                "  Scan big [k, v, s, d, t] filter=(k = 1)\n"
                "  Scan small [id, name] filter=(id = 2)\n");
    /* the right side's predicate was renumbered for the right input */
    assert_int_equal(p->right->u.scan.filter->args[0]->col, 0);
    assert_true(fx_apply(fx, rule_extract_join_keys, PLAN_MASK(PLAN_JOIN), &p));
    assert_text(fx, p, false,
                "Join INNER keys=[k = id] condition=(v > id)\n"
                "  Scan big [k, v, s, d, t] filter=(k = 1)\n"
                "  Scan small [id, name] filter=(id = 2)\n");
    assert_false(fx_apply(fx, rule_extract_join_keys, PLAN_MASK(PLAN_JOIN), &p));

    /* ON-clause conjuncts on one side of an inner join move into that side too */
    l = fx_big(fx);
    r = fx_small(fx);
    p = fx_join(fx, PJOIN_INNER, l, r,
                fx_and(fx, fx_call(fx, "=", J(0), J(5)), fx_call(fx, "<", J(1), fx_int(fx, 7)),
                       fx_call(fx, "<>", J(6), fx_str(fx, "x"))));
    assert_true(fx_apply(fx, rule_push_down_predicates, PUSH_MASK, &p));
    assert_text(fx, p, false,
                "Join INNER condition=(k = id)\n"
                "  Scan big [k, v, s, d, t] filter=(v < 7)\n"
                "  Scan small [id, name] filter=(name <> 'x')\n");
    fx_done(fx);
}

static void test_push_left_join(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *l = fx_big(fx), *r = fx_small(fx);
    Expr *on = fx_and(fx, fx_call(fx, "=", J(0), J(5)), fx_call(fx, ">", J(5), fx_int(fx, 5)),
                      fx_call(fx, ">", J(1), fx_int(fx, 3)));
    Plan *j = fx_join(fx, PJOIN_LEFT, l, r, on);
    Plan *p = fx_filter(fx, j, fx_and(fx, fx_call(fx, "=", J(0), fx_int(fx, 1)), fx_call(fx, "=", J(5), fx_int(fx, 2))));
    assert_true(fx_apply(fx, rule_push_down_predicates, PUSH_MASK, &p));
    /* above: the left conjunct goes left, the right one must stay (it rejects the NULL-extended rows);
       ON: the right conjunct goes right, the left one must stay (a left row is never dropped) */
    assert_text(fx, p, false,
                "Filter (id = 2)\n"
                "  Join LEFT condition=(k = id AND v > 3)\n"
                "    Scan big [k, v, s, d, t] filter=(k = 1)\n"
                "    Scan small [id, name] filter=(id > 5)\n");
    assert_false(fx_apply(fx, rule_push_down_predicates, PUSH_MASK, &p));
    assert_true(fx_apply(fx, rule_extract_join_keys, PLAN_MASK(PLAN_JOIN), &p));
    assert_text(fx, p->left, false,
                "Join LEFT keys=[k = id] condition=(v > 3)\n"
                "  Scan big [k, v, s, d, t] filter=(k = 1)\n"
                "  Scan small [id, name] filter=(id > 5)\n");
    fx_done(fx);
}

static void test_push_through_aggregate_sort_limit(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Expr *k = fx_col(fx, b, 0);
    AggSpec cnt = fx_agg_spec(fx, AGG_COUNT_STAR, NULL, b);
    Plan *ag = fx_aggregate(fx, b, 1, &k, 1, &cnt);
    Plan *p = fx_filter(fx, ag, fx_and(fx, fx_call(fx, ">", fx_col(fx, ag, 0), fx_int(fx, 5)),
                                       fx_call(fx, ">", fx_col(fx, ag, 1), fx_int(fx, 1))));
    assert_true(fx_apply(fx, rule_push_down_predicates, PUSH_MASK, &p));
    assert_text(fx, p, false,
                "Filter (count(*) > 1)\n"
                "  Aggregate [k] [count(*)]\n"
                "    Scan big [k, v, s, d, t] filter=(k > 5)\n");

    /* no GROUP BY: the aggregate yields a row even for no input, nothing passes it */
    b = fx_big(fx);
    ag = fx_aggregate(fx, b, 0, NULL, 1, &cnt);
    p = fx_filter(fx, ag, fx_call(fx, ">", fx_col(fx, ag, 0), fx_int(fx, 1)));
    assert_false(fx_apply(fx, rule_push_down_predicates, PUSH_MASK, &p));

    /* below a sort, but never below a limit */
    b = fx_big(fx);
    p = fx_filter(fx, fx_sort(fx, b, 1, true), fx_call(fx, ">", fx_col(fx, b, 0), fx_int(fx, 1)));
    assert_true(fx_apply(fx, rule_push_down_predicates, PUSH_MASK, &p));
    assert_text(fx, p, false, "Sort [v DESC]\n  Scan big [k, v, s, d, t] filter=(k > 1)\n");
    b = fx_big(fx);
    p = fx_filter(fx, fx_limit(fx, b, 10), fx_call(fx, ">", fx_col(fx, b, 0), fx_int(fx, 1)));
    assert_false(fx_apply(fx, rule_push_down_predicates, PUSH_MASK, &p));
    fx_done(fx);
}

static void test_extract_join_keys(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *l = fx_big(fx), *r = fx_small(fx);
    Expr *on = fx_and(fx, fx_call(fx, "=", J(5), J(0)),                 /* reversed: right = left */
                      fx_call(fx, "=", J(6), J(2)),
                      fx_call(fx, "=", J(3), J(5)),                     /* DOUBLE = BIGINT: cast */
                      fx_call(fx, "<", J(0), J(5)),                     /* not an equality */
                      fx_call(fx, "=", J(0), J(1)));                    /* one side only */
    Plan *p = fx_join(fx, PJOIN_INNER, l, r, on);
    assert_true(fx_apply(fx, rule_extract_join_keys, PLAN_MASK(PLAN_JOIN), &p));
    assert_text(fx, p, false,
                "Join INNER keys=[k = id, s = name, d = CAST(id AS DOUBLE)] condition=(k < id AND k = v)\n"
                "  Scan big [k, v, s, d, t]\n"
                "  Scan small [id, name]\n");
    assert_text(fx, p, true,
                "HashJoin INNER keys=[#0 = #5, #2 = #6, #3 = CAST(#5 AS DOUBLE)] condition=(#0 < #5 AND #0 = #1)\n"
                "  TableScan big columns=[k, v, s, d, t]\n"
                "  TableScan small columns=[id, name]\n");
    /* keys are over their own side: the right key's column is the right input's #0 */
    assert_int_equal(p->u.join.rkeys[0]->col, 0);
    assert_int_equal(p->u.join.lkeys[0]->col, 0);
#undef J
    fx_done(fx);
}

/* ------------------------------------------------------------------ RewriteAvg */

static void test_rewrite_avg(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Expr *k = fx_col(fx, b, 0);
    AggSpec aggs[3] = {fx_agg_spec(fx, AGG_AVG, fx_col(fx, b, 1), b), fx_agg_spec(fx, AGG_SUM, fx_col(fx, b, 1), b),
                       fx_agg_spec(fx, AGG_AVG, fx_col(fx, b, 3), b)};
    Plan *p = fx_aggregate(fx, b, 1, &k, 3, aggs);
    assert_true(fx_apply(fx, rule_rewrite_avg, PLAN_MASK(PLAN_AGGREGATE), &p));
    assert_text(fx, p, false,
                "Project [k, CASE WHEN count(v) > 0 THEN CAST(sum(v) AS DOUBLE) / CAST(count(v) AS DOUBLE) END AS \"avg(v)\", "
                "sum(v), CASE WHEN count(d) > 0 THEN sum(d) / CAST(count(d) AS DOUBLE) END AS \"avg(d)\"]\n"
                "  Aggregate [k] [sum(v), count(v), sum(d), count(d)]\n"
                "    Scan big [k, v, s, d, t]\n");
    /* output columns keep their names and types */
    assert_string_equal(p->schema.cols[1].name, "avg(v)");
    assert_int_equal(p->schema.cols[1].type, TYPE_DOUBLE);
    assert_false(fx_apply(fx, rule_rewrite_avg, PLAN_MASK(PLAN_AGGREGATE), &p));

    /* through the whole optimizer the projection merges with the query's own */
    b = fx_big(fx);
    Expr *avg_arg = fx_col(fx, b, 1);
    AggSpec a1 = fx_agg_spec(fx, AGG_AVG, avg_arg, b);
    Plan *ag = fx_aggregate(fx, b, 0, NULL, 1, &a1);
    Expr *top = fx_col(fx, ag, 0);
    const char *nm = "a";
    p = fx_optimize(fx, fx_project(fx, ag, 1, &top, &nm));
    assert_text(fx, p, false,
                "Project [CASE WHEN count(v) > 0 THEN CAST(sum(v) AS DOUBLE) / CAST(count(v) AS DOUBLE) END AS a]\n"
                "  Aggregate [] [sum(v), count(v)]\n"
                "    Scan big [v]\n");
    assert_true(fx_fired(fx, "Rewrite/RewriteAvg"));
    fx_done(fx);
}

/* ------------------------------------------------------------------ projections */

static void test_collapse_projections(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Expr *ie = fx_call(fx, "*", fx_col(fx, b, 0), fx_int(fx, 2));
    const char *xn = "x", *yn = "y";
    Plan *in = fx_project(fx, b, 1, &ie, &xn);
    Expr *oe = fx_call(fx, "+", fx_col(fx, in, 0), fx_int(fx, 1));
    Plan *p = fx_project(fx, in, 1, &oe, &yn);
    assert_true(fx_apply(fx, rule_collapse_projections, PLAN_MASK(PLAN_PROJECT), &p));
    assert_text(fx, p, false, "Project [k * 2 + 1 AS y]\n  Scan big [k, v, s, d, t]\n");

    /* would compute k * 2 twice: refused */
    oe = fx_call(fx, "+", fx_col(fx, in, 0), fx_col(fx, in, 0));
    p = fx_project(fx, in, 1, &oe, &yn);
    assert_false(fx_apply(fx, rule_collapse_projections, PLAN_MASK(PLAN_PROJECT), &p));

    /* a plain column may be repeated freely */
    Expr *ce = fx_col(fx, b, 1);
    in = fx_project(fx, b, 1, &ce, &xn);
    oe = fx_call(fx, "*", fx_col(fx, in, 0), fx_col(fx, in, 0));
    p = fx_project(fx, in, 1, &oe, &yn);
    assert_true(fx_apply(fx, rule_collapse_projections, PLAN_MASK(PLAN_PROJECT), &p));
    assert_text(fx, p, false, "Project [v * v AS y]\n  Scan big [k, v, s, d, t]\n");
    fx_done(fx);
}

static void test_trivial_projections(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    int all[5] = {0, 1, 2, 3, 4};
    Plan *p = fx_project_cols(fx, b, 5, all);
    p->schema.cols[0].name = "key";
    assert_true(fx_apply(fx, rule_remove_trivial_projections, PLAN_MASK(PLAN_PROJECT), &p));
    assert_int_equal(p->kind, PLAN_SCAN);
    assert_string_equal(p->schema.cols[0].name, "key");   /* the user's name survives */
    assert_string_equal(fx->big.schema.cols[0].name, "k"); /* without touching shared arrays */

    /* not an identity: reordered */
    b = fx_big(fx);
    int swap[2] = {1, 0};
    p = fx_project_cols(fx, b, 2, swap);
    assert_false(fx_apply(fx, rule_remove_trivial_projections, PLAN_MASK(PLAN_PROJECT), &p));
    /* ... but a reordering of plain columns goes into the scan */
    assert_true(fx_apply(fx, rule_merge_project_into_scan, PLAN_MASK(PLAN_PROJECT), &p));
    assert_text(fx, p, true, "TableScan big columns=[v, k]\n");

    /* not when the scan's filter reads a column the projection drops */
    b = fx_big(fx);
    b->u.scan.filter = fx_call(fx, "=", fx_col(fx, b, 2), fx_str(fx, "x"));
    p = fx_project_cols(fx, b, 2, swap);
    assert_false(fx_apply(fx, rule_merge_project_into_scan, PLAN_MASK(PLAN_PROJECT), &p));
    fx_done(fx);
}

/* ------------------------------------------------------------------ the driver */

/* A tall stack of filters and projections reaches its fixed point well within the cap. */
static void test_fixed_point_terminates(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *p = fx_big(fx);
    for (int i = 0; i < 40; i++) {
        Expr *e[2] = {fx_call(fx, "+", fx_col(fx, p, 0), fx_int(fx, 1)), fx_col(fx, p, 1)};
        const char *names[2] = {"k", "v"};
        p = fx_project(fx, p, 2, e, names);
        p = fx_filter(fx, p, fx_and(fx, fx_call(fx, ">", fx_col(fx, p, 1), fx_int(fx, i)), fx_bool(fx, true)));
    }
    p = fx_optimize(fx, p);
    for (int i = 0; i < fx->trace.n; i++) assert_null(strstr(fx->trace.fired[i], "no fixed point"));
    /* all filters end in the scan, the projections are one */
    assert_int_equal(p->kind, PLAN_PROJECT);
    assert_int_equal(p->left->kind, PLAN_SCAN);
    assert_non_null(p->left->u.scan.filter);
    assert_int_equal(p->left->u.scan.nproj, 2);
    assert_int_equal(p->left->u.scan.filter->kind, EXPR_AND);
    assert_int_equal(p->left->u.scan.filter->nargs, 40);
    /* a second run finds nothing to do */
    p = fx_optimize(fx, p);
    assert_int_equal(fx->trace.n, 0);
    fx_done(fx);
}

static void test_trace_and_disable(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *l = fx_big(fx), *r = fx_small(fx);
    Expr *on = fx_call(fx, "=", fx_jcol(fx, l, r, 0), fx_jcol(fx, l, r, 5));
    Plan *j = fx_join(fx, PJOIN_INNER, l, r, on);
    Plan *p = fx_filter(fx, j, fx_call(fx, "=", fx_jcol(fx, l, r, 6), fx_str(fx, "x")));
    p = fx_optimize(fx, p);
    assert_text(fx, p, false,
                "Join INNER keys=[k = id]\n"
                "  Scan big [k, v, s, d, t]\n"
                "  Scan small [id, name] filter=(name = 'x')\n");
    assert_true(fx_fired(fx, "Operator Optimization/PushDownPredicates"));
    assert_true(fx_fired(fx, "Operator Optimization/ExtractJoinKeys"));
    for (int i = 1; i < fx->trace.n; i++) assert_string_not_equal(fx->trace.fired[i], fx->trace.fired[i - 1]);

    /* the same query with pushdown disabled by name: the filter stays above the join */
    setenv("WEIR_DISABLE_RULES", "PushDownPredicates, Pruning/ColumnPruning", 1);
    l = fx_big(fx);
    r = fx_small(fx);
    on = fx_call(fx, "=", fx_jcol(fx, l, r, 0), fx_jcol(fx, l, r, 5));
    j = fx_join(fx, PJOIN_INNER, l, r, on);
    p = fx_optimize(fx, fx_filter(fx, j, fx_call(fx, "=", fx_jcol(fx, l, r, 6), fx_str(fx, "x"))));
    assert_text(fx, p, false,
                "Filter (name = 'x')\n"
                "  Join INNER keys=[k = id]\n"
                "    Scan big [k, v, s, d, t]\n"
                "    Scan small [id, name]\n");
    assert_false(fx_fired(fx, "PushDownPredicates"));
    assert_false(fx_fired(fx, "ColumnPruning"));
    unsetenv("WEIR_DISABLE_RULES");
    fx_done(fx);
}

/* ------------------------------------------------------------------ plan checker */

static void test_plan_verify(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    char msg[256];
    Plan *b = fx_big(fx);
    Plan *p = fx_filter(fx, b, fx_call(fx, ">", fx_col(fx, b, 0), fx_int(fx, 1)));
    assert_true(plan_verify(p, msg, sizeof msg));

    p->u.filter.pred = fx_call(fx, ">", expr_column(&fx->arena, 9, TYPE_BIGINT, "x"), fx_int(fx, 1));
    assert_false(plan_verify(p, msg, sizeof msg));
    assert_non_null(strstr(msg, "column #9 out of range"));

    p->u.filter.pred = fx_call(fx, ">", expr_column(&fx->arena, 2, TYPE_BIGINT, "s"), fx_int(fx, 1));
    assert_false(plan_verify(p, msg, sizeof msg));
    assert_non_null(strstr(msg, "type"));

    p->u.filter.pred = fx_col(fx, b, 0);
    assert_false(plan_verify(p, msg, sizeof msg));
    assert_non_null(strstr(msg, "not BOOLEAN"));

    Expr *e = fx_col(fx, b, 0);
    p = fx_project(fx, b, 1, &e, NULL);
    p->schema.cols[0].type = TYPE_TEXT;
    assert_false(plan_verify(p, msg, sizeof msg));

    p = fx_join(fx, PJOIN_INNER, fx_big(fx), fx_small(fx), NULL);
    p->schema.ncols = 6;
    assert_false(plan_verify(p, msg, sizeof msg));

    b = fx_big(fx);
    b->u.scan.proj[1] = 7;
    assert_false(plan_verify(b, msg, sizeof msg));
    fx_done(fx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_folding),
        cmocka_unit_test(test_folding_copies_on_write),
        cmocka_unit_test(test_boolean_simplification),
        cmocka_unit_test(test_case_simplification),
        cmocka_unit_test(test_simplify_filters),
        cmocka_unit_test(test_empty_input_and_aggregates),
        cmocka_unit_test(test_streaming_not_replaced),
        cmocka_unit_test(test_combine_filters),
        cmocka_unit_test(test_push_through_project),
        cmocka_unit_test(test_push_into_inner_join),
        cmocka_unit_test(test_push_left_join),
        cmocka_unit_test(test_push_through_aggregate_sort_limit),
        cmocka_unit_test(test_extract_join_keys),
        cmocka_unit_test(test_rewrite_avg),
        cmocka_unit_test(test_collapse_projections),
        cmocka_unit_test(test_trivial_projections),
        cmocka_unit_test(test_fixed_point_terminates),
        cmocka_unit_test(test_trace_and_disable),
        cmocka_unit_test(test_plan_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
