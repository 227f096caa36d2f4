/*
** EXPLAIN text: expressions in SQL syntax with minimal parentheses and SQL
** literals, plan trees in logical and physical form, plan_explain().
*/
#include "test_opt_fixture.h"

static void test_expr_precedence(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Expr *k = fx_col(fx, b, 0), *v = fx_col(fx, b, 1), *s = fx_col(fx, b, 2);
    Expr *gt = fx_call(fx, ">", k, fx_int(fx, 1)), *lt = fx_call(fx, "<", v, fx_int(fx, 2));
    struct {
        Expr *e;
        const char *want;
    } cases[] = {
        {fx_call(fx, "*", fx_call(fx, "+", k, v), fx_int(fx, 2)), "(k + v) * 2"},
        {fx_call(fx, "+", k, fx_call(fx, "*", v, fx_int(fx, 2))), "k + v * 2"},
        {fx_call(fx, "-", k, fx_call(fx, "-", v, fx_int(fx, 1))), "k - (v - 1)"},
        {fx_call(fx, "-", fx_call(fx, "-", k, v), fx_int(fx, 1)), "k - v - 1"},
        {fx_call(fx, "/", k, fx_call(fx, "*", v, v)), "k / (v * v)"},
        {fx_not(fx, fx_and(fx, gt, lt)), "NOT (k > 1 AND v < 2)"},
        {fx_and(fx, fx_or(fx, gt, lt), fx_call(fx, "=", s, fx_str(fx, "it's"))), "(k > 1 OR v < 2) AND s = 'it''s'"},
        {fx_or(fx, fx_and(fx, gt, lt), gt), "k > 1 AND v < 2 OR k > 1"},
        {fx_call(fx, "like", s, fx_str(fx, "a%")), "s LIKE 'a%'"},
        {fx_call(fx, "||", s, fx_str(fx, "x")), "s || 'x'"},
        {fx_call1(fx, "neg", k), "-k"},
        {fx_call1(fx, "neg", fx_int(fx, -1)), "-(-1)"},
        {fx_call1(fx, "neg", fx_call(fx, "+", k, v)), "-(k + v)"},
        {fx_logic(fx, EXPR_IS_NULL, 1, k), "k IS NULL"},
        {fx_logic(fx, EXPR_IS_NOT_NULL, 1, gt), "(k > 1) IS NOT NULL"},
        {fx_call(fx, "=", gt, fx_bool(fx, true)), "(k > 1) = TRUE"},
        {fx_cast(fx, k, TYPE_DOUBLE), "CAST(k AS DOUBLE)"},
        {fx_call1(fx, "lower", s), "lower(s)"},
        {fx_call(fx, "substr", s, fx_call(fx, "+", k, fx_int(fx, 1))), "substr(s, k + 1)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(fx_expr(fx, cases[i].e, b), cases[i].want);

    Expr *in = expr_new(&fx->arena, EXPR_IN, TYPE_BOOL, 4);
    in->args[0] = k;
    in->args[1] = fx_int(fx, 1);
    in->args[2] = fx_int(fx, 2);
    in->args[3] = fx_int(fx, 3);
    assert_string_equal(fx_expr(fx, in, b), "k IN (1, 2, 3)");

    Expr *c = expr_new(&fx->arena, EXPR_CASE, TYPE_TEXT, 3);
    c->args[0] = gt;
    c->args[1] = s;
    c->args[2] = fx_str(fx, "none");
    c->has_else = true;
    assert_string_equal(fx_expr(fx, c, b), "CASE WHEN k > 1 THEN s ELSE 'none' END");

    /* without a schema: positions */
    assert_string_equal(fx_expr(fx, fx_call(fx, "+", k, v), NULL), "#0 + #1");
    fx_done(fx);
}

static void test_expr_literals(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    assert_string_equal(fx_expr(fx, fx_int(fx, -42), NULL), "-42");
    assert_string_equal(fx_expr(fx, fx_dbl(fx, 2.0), NULL), "2.0");
    assert_string_equal(fx_expr(fx, fx_dbl(fx, 0.1), NULL), "0.1");
    assert_string_equal(fx_expr(fx, fx_dbl(fx, 0.0 / 0.0), NULL), "CAST('NaN' AS DOUBLE)");
    assert_string_equal(fx_expr(fx, fx_str(fx, "a'b"), NULL), "'a''b'");
    assert_string_equal(fx_expr(fx, fx_bool(fx, true), NULL), "TRUE");
    assert_string_equal(fx_expr(fx, fx_null(fx, TYPE_TEXT), NULL), "NULL");
    assert_string_equal(fx_expr(fx, fx_ts(fx, "2024-03-01 12:30:00.5"), NULL), "TIMESTAMP '2024-03-01 12:30:00.500000'");
    assert_string_equal(fx_expr(fx, fx_iv(fx, 10 * USEC_PER_SEC), NULL), "INTERVAL '00:00:10'");
    assert_string_equal(fx_expr(fx, fx_iv(fx, USEC_PER_DAY + 2 * USEC_PER_HOUR), NULL), "INTERVAL '1 day 02:00:00'");
    fx_done(fx);
}

/* A plan with every common operator, in both forms. */
static void test_plan_text(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *l = fx_big(fx), *r = fx_small(fx);
    l->u.scan.filter = fx_call(fx, "<", fx_col(fx, l, 1), fx_int(fx, 10));
    Plan *j = fx_join(fx, PJOIN_LEFT, l, r, fx_call(fx, ">", fx_jcol(fx, l, r, 1), fx_jcol(fx, l, r, 5)));
    j->u.join.nkeys = 1;
    j->u.join.lkeys = ARENA_ARRAY(&fx->arena, Expr *, 1);
    j->u.join.rkeys = ARENA_ARRAY(&fx->arena, Expr *, 1);
    j->u.join.lkeys[0] = fx_col(fx, l, 0);
    j->u.join.rkeys[0] = fx_col(fx, r, 0);
    Plan *w = fx_filter(fx, j, fx_logic(fx, EXPR_IS_NOT_NULL, 1, fx_col(fx, j, 6)));
    Expr *g = fx_col(fx, w, 6);
    AggSpec aggs[2] = {fx_agg_spec(fx, AGG_SUM, fx_col(fx, w, 1), w), fx_agg_spec(fx, AGG_COUNT_STAR, NULL, w)};
    aggs[0].distinct = true;
    Plan *ag = fx_aggregate(fx, w, 1, &g, 2, aggs);
    Expr *pe[2] = {fx_col(fx, ag, 0), fx_call(fx, "*", fx_col(fx, ag, 2), fx_int(fx, 2))};
    const char *pn[2] = {"name", "twice"};
    Plan *p = fx_limit(fx, fx_sort(fx, fx_project(fx, ag, 2, pe, pn), 1, true), 5);
    p->u.limit.offset = 2;
    p->left->u.sort.keys[0].nulls_first = false;
    assert_text(fx, p, false,
                "Limit 5 OFFSET 2\n"
                "  Sort [twice DESC NULLS LAST]\n"
                "    Project [name, count(*) * 2 AS twice]\n"
                "      Aggregate [name] [sum(DISTINCT v), count(*)]\n"
                "        Filter (name IS NOT NULL)\n"
                "          Join LEFT keys=[k = id] condition=(v > id)\n"
                "            Scan big [k, v, s, d, t] filter=(v < 10)\n"
                "            Scan small [id, name]\n");
    assert_text(fx, p, true,
                "Limit 5 OFFSET 2\n"
                "  Sort keys=[#1 DESC NULLS LAST]\n"
                "    Project [#0, #2 * 2]\n"
                "      HashAggregate keys=[#6] aggs=[sum(DISTINCT #1), count_star()]\n"
                "        Filter (#6 IS NOT NULL)\n"
                "          HashJoin LEFT keys=[#0 = #5] condition=(#1 > #5)\n"
                "            TableScan big columns=[k, v, s, d, t] filter=(v < 10)\n"
                "            TableScan small columns=[id, name]\n");
    fx_done(fx);
}

/* A projection shows an output name only when it differs from the expression's text. */
static void test_project_names(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Expr *e[4] = {fx_call(fx, "+", fx_int(fx, 1), fx_int(fx, 2)), fx_call(fx, "+", fx_col(fx, b, 0), fx_int(fx, 1)),
                  fx_col(fx, b, 1), fx_col(fx, b, 2)};
    const char *names[4] = {"1 + 2", "x + 1", "Total", "s"};
    Plan *p = fx_project(fx, b, 4, e, names);
    assert_text(fx, p, false, "Project [1 + 2, k + 1 AS \"x + 1\", v AS \"Total\", s]\n  Scan big [k, v, s, d, t]\n");
    assert_text(fx, p, true, "Project [1 + 2, #0 + 1, #1, #2]\n  TableScan big columns=[k, v, s, d, t]\n");
    fx_done(fx);
}

static void test_plan_explain(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Plan *w = fx_filter(fx, b, fx_call(fx, "<", fx_col(fx, b, 1), fx_call(fx, "+", fx_int(fx, 5), fx_int(fx, 5))));
    AggSpec cnt = fx_agg_spec(fx, AGG_COUNT_STAR, NULL, w);
    Plan *p = fx_aggregate(fx, w, 0, NULL, 1, &cnt);
    char *out = NULL;
    assert_int_equal(plan_explain(&fx->pc, &p, &out), 0);
    assert_string_equal(out,
                        "== Logical Plan ==\n"
                        "Aggregate [] [count(*)]\n"
                        "  Filter (v < 5 + 5)\n"
                        "    Scan big [k, v, s, d, t]\n"
                        "== Optimized Plan ==\n"
                        "Aggregate [] [count(*)]\n"
                        "  Scan big [v] filter=(v < 10)\n"
                        "== Rules Fired ==\n"
                        "Operator Optimization/PushDownPredicates\n"
                        "Operator Optimization/ConstantFolding\n"
                        "Pruning/ColumnPruning\n"
                        "== Physical Plan ==\n"
                        "HashAggregate keys=[] aggs=[count_star()]\n"
                        "  TableScan big columns=[v] filter=(v < 10)\n");
    fx_done(fx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expr_precedence),
        cmocka_unit_test(test_expr_literals),
        cmocka_unit_test(test_plan_text),
        cmocka_unit_test(test_project_names),
        cmocka_unit_test(test_plan_explain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
