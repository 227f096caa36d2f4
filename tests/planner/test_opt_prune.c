/*
** Column pruning through the whole optimizer: the plans the benchmarks run,
** renumbering through joins, aggregates, sorts and windows, and what must
** not be pruned (grouping columns, key columns, a scan filter's columns).
*/
#include "test_opt_fixture.h"

/* SELECT k, SUM(v), COUNT(*) FROM big GROUP BY k: the scan reads two columns, no projection left. */
static void test_bench_group_by(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Expr *k = fx_col(fx, b, 0);
    AggSpec aggs[2] = {fx_agg_spec(fx, AGG_SUM, fx_col(fx, b, 1), b), fx_agg_spec(fx, AGG_COUNT_STAR, NULL, b)};
    Plan *ag = fx_aggregate(fx, b, 1, &k, 2, aggs);
    Expr *out[3] = {fx_col(fx, ag, 0), fx_col(fx, ag, 1), fx_col(fx, ag, 2)};
    const char *names[3] = {"k", "sum", "count"};
    Plan *p = fx_optimize(fx, fx_project(fx, ag, 3, out, names));
    assert_text(fx, p, false, "Aggregate [k] [sum(v), count(*)]\n  Scan big [k, v]\n");
    assert_text(fx, p, true, "HashAggregate keys=[#0] aggs=[sum(#1), count_star()]\n  TableScan big columns=[k, v]\n");
    /* the result's column names are the query's */
    assert_string_equal(p->schema.cols[1].name, "sum");
    assert_string_equal(p->schema.cols[2].name, "count");
    assert_int_equal(p->left->u.scan.proj[0], 0);
    assert_int_equal(p->left->u.scan.proj[1], 1);
    assert_true(fx_fired(fx, "Pruning/ColumnPruning"));
    assert_true(fx_fired(fx, "Pruning/RemoveTrivialProjections"));
    fx_done(fx);
}

/* SELECT COUNT(*) FROM big WHERE v < 10: the filter runs in the scan, which reads only v. */
static void test_bench_count_where(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Plan *w = fx_filter(fx, b, fx_call(fx, "<", fx_col(fx, b, 1), fx_int(fx, 10)));
    AggSpec cnt = fx_agg_spec(fx, AGG_COUNT_STAR, NULL, w);
    Plan *ag = fx_aggregate(fx, w, 0, NULL, 1, &cnt);
    Expr *out = fx_col(fx, ag, 0);
    const char *name = "count";
    Plan *p = fx_optimize(fx, fx_project(fx, ag, 1, &out, &name));
    assert_text(fx, p, false, "Aggregate [] [count(*)]\n  Scan big [v] filter=(v < 10)\n");
    assert_text(fx, p, true, "HashAggregate keys=[] aggs=[count_star()]\n  TableScan big columns=[v] filter=(v < 10)\n");
    /* the pushed filter reads the scan's column 0 now */
    assert_int_equal(p->left->u.scan.filter->args[0]->col, 0);
    assert_int_equal(p->left->u.scan.proj[0], 1);
    fx_done(fx);
}

/* SELECT COUNT(*) FROM big: a scan of no columns (rows only). */
static void test_count_star_reads_nothing(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Expr *x = fx_call(fx, "+", fx_col(fx, b, 0), fx_int(fx, 1));
    const char *xn = "x";
    Plan *pr = fx_project(fx, b, 1, &x, &xn);       /* FROM (SELECT k + 1 AS x FROM big) */
    AggSpec cnt = fx_agg_spec(fx, AGG_COUNT_STAR, NULL, pr);
    Plan *p = fx_optimize(fx, fx_aggregate(fx, pr, 0, NULL, 1, &cnt));
    assert_text(fx, p, false, "Aggregate [] [count(*)]\n  Scan big []\n");
    assert_int_equal(p->left->u.scan.nproj, 0);
    fx_done(fx);
}

/* SELECT name, v FROM big JOIN small ON k = id WHERE s = 'x': renumbering across a join. */
static void test_prune_through_join(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *l = fx_big(fx), *r = fx_small(fx);
    Plan *j = fx_join(fx, PJOIN_INNER, l, r, fx_call(fx, "=", fx_jcol(fx, l, r, 0), fx_jcol(fx, l, r, 5)));
    Plan *w = fx_filter(fx, j, fx_call(fx, "=", fx_col(fx, j, 2), fx_str(fx, "x")));
    int cols[2] = {6, 1};
    Plan *p = fx_optimize(fx, fx_project_cols(fx, w, 2, cols));
    assert_text(fx, p, false,
                "Project [name, v]\n"
                "  Join INNER keys=[k = id]\n"
                "    Scan big [k, v, s] filter=(s = 'x')\n"
                "    Scan small [id, name]\n");
    assert_text(fx, p, true,
                "Project [#4, #1]\n"
                "  HashJoin INNER keys=[#0 = #3]\n"
                "    TableScan big columns=[k, v, s] filter=(s = 'x')\n"
                "    TableScan small columns=[id, name]\n");
    fx_done(fx);
}

/* SELECT name, SUM(v) FROM big JOIN small ON k = id GROUP BY name */
static void test_prune_aggregate_over_join(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *l = fx_big(fx), *r = fx_small(fx);
    Plan *j = fx_join(fx, PJOIN_INNER, l, r, fx_call(fx, "=", fx_jcol(fx, l, r, 5), fx_jcol(fx, l, r, 0)));
    Expr *g = fx_col(fx, j, 6);
    AggSpec sum = fx_agg_spec(fx, AGG_SUM, fx_col(fx, j, 1), j);
    Plan *ag = fx_aggregate(fx, j, 1, &g, 1, &sum);
    int cols[2] = {0, 1};
    Plan *p = fx_optimize(fx, fx_project_cols(fx, ag, 2, cols));
    assert_text(fx, p, false,
                "Aggregate [name] [sum(v)]\n"
                "  Join INNER keys=[k = id]\n"
                "    Scan big [k, v]\n"
                "    Scan small [id, name]\n");
    assert_text(fx, p, true,
                "HashAggregate keys=[#3] aggs=[sum(#1)]\n"
                "  HashJoin INNER keys=[#0 = #2]\n"
                "    TableScan big columns=[k, v]\n"
                "    TableScan small columns=[id, name]\n");
    fx_done(fx);
}

/* Unread aggregate outputs go; grouping columns and the one aggregate of a global aggregate stay. */
static void test_prune_aggregate_outputs(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Expr *k = fx_col(fx, b, 0);
    AggSpec aggs[3] = {fx_agg_spec(fx, AGG_SUM, fx_col(fx, b, 1), b), fx_agg_spec(fx, AGG_COUNT_STAR, NULL, b),
                       fx_agg_spec(fx, AGG_MAX, fx_col(fx, b, 3), b)};
    Plan *ag = fx_aggregate(fx, b, 1, &k, 3, aggs);
    int cols[2] = {3, 0};
    Plan *p = fx_optimize(fx, fx_project_cols(fx, ag, 2, cols));
    assert_text(fx, p, false, "Project [max(d), k]\n  Aggregate [k] [max(d)]\n    Scan big [k, d]\n");
    assert_text(fx, p, true, "Project [#1, #0]\n  HashAggregate keys=[#0] aggs=[max(#1)]\n    TableScan big columns=[k, d]\n");

    /* SELECT 1 FROM (SELECT SUM(v), MAX(d) FROM big): one aggregate must remain */
    b = fx_big(fx);
    AggSpec two[2] = {fx_agg_spec(fx, AGG_SUM, fx_col(fx, b, 1), b), fx_agg_spec(fx, AGG_MAX, fx_col(fx, b, 3), b)};
    ag = fx_aggregate(fx, b, 0, NULL, 2, two);
    Expr *one = fx_int(fx, 1);
    p = fx_optimize(fx, fx_project(fx, ag, 1, &one, NULL));
    assert_text(fx, p, false, "Project [1 AS c0]\n  Aggregate [] [sum(v)]\n    Scan big [v]\n");
    fx_done(fx);
}

/* Sort keys keep their columns alive below the projection that hides them. */
static void test_prune_hidden_sort_column(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    int kv[2] = {0, 1};
    Plan *inner = fx_project_cols(fx, b, 2, kv);
    Plan *s = fx_sort(fx, inner, 1, false);
    int k0[1] = {0};
    Plan *p = fx_optimize(fx, fx_limit(fx, fx_project_cols(fx, fx_limit(fx, s, 5), 1, k0), 3));
    assert_text(fx, p, false,
                "Limit 3\n"
                "  Project [k]\n"
                "    Limit 5\n"
                "      Sort [v]\n"
                "        Scan big [k, v]\n");
    fx_done(fx);
}

/* A LEFT join keeps its right key even when no right column is selected. */
static void test_prune_left_join(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *l = fx_big(fx), *r = fx_small(fx);
    Plan *j = fx_join(fx, PJOIN_LEFT, l, r, fx_call(fx, "=", fx_jcol(fx, l, r, 0), fx_jcol(fx, l, r, 5)));
    int cols[2] = {1, 2};
    Plan *p = fx_optimize(fx, fx_project_cols(fx, j, 2, cols));
    assert_text(fx, p, true,
                "Project [#1, #2]\n"
                "  HashJoin LEFT keys=[#0 = #3]\n"
                "    TableScan big columns=[k, v, s]\n"
                "    TableScan small columns=[id]\n");
    fx_done(fx);
}

/* Values lose unread columns (but keep one so rows still exist). */
static void test_prune_values(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *vals = plan_new(&fx->arena, PLAN_VALUES, NULL, NULL);
    Column cols[3] = {{"a", TYPE_BIGINT}, {"b", TYPE_TEXT}, {"c", TYPE_BIGINT}};
    vals->schema = opt_schema_copy(&fx->arena, &(Schema){3, cols});
    vals->u.values.nrows = 2;
    vals->u.values.rows = ARENA_ARRAY(&fx->arena, Value, 6);
    for (int r = 0; r < 2; r++) {
        vals->u.values.rows[r * 3 + 0] = (Value){.type = TYPE_BIGINT, .u.i = r};
        vals->u.values.rows[r * 3 + 1] = (Value){.type = TYPE_TEXT, .u.s = str_from("x", 1)};
        vals->u.values.rows[r * 3 + 2] = (Value){.type = TYPE_BIGINT, .u.i = 10 + r};
    }
    Expr *e = fx_call(fx, "+", fx_col(fx, vals, 2), fx_int(fx, 1));
    Plan *p = fx_optimize(fx, fx_project(fx, vals, 1, &e, NULL));
    assert_text(fx, p, false, "Project [c + 1 AS c0]\n  Values [c] rows=2\n");
    assert_int_equal(p->left->u.values.rows[1].u.i, 11);

    /* SELECT count(*) FROM (VALUES ...): one column stays */
    AggSpec cnt = fx_agg_spec(fx, AGG_COUNT_STAR, NULL, vals);
    vals->schema = opt_schema_copy(&fx->arena, &(Schema){3, cols});
    p = plan_new(&fx->arena, PLAN_VALUES, NULL, NULL);
    *p = *vals;
    p->u.values.rows = ARENA_ARRAY(&fx->arena, Value, 6);
    for (int i = 0; i < 6; i++) p->u.values.rows[i] = (Value){.type = cols[i % 3].type, .null = true};
    p = fx_optimize(fx, fx_aggregate(fx, p, 0, NULL, 1, &cnt));
    assert_text(fx, p, false, "Aggregate [] [count(*)]\n  Values [a] rows=2\n");
    fx_done(fx);
}

/* A window keeps its time column; the column indices it holds are renumbered. */
static void test_prune_window(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    Plan *b = fx_big(fx);
    Plan *w = plan_new(&fx->arena, PLAN_WINDOW, b, NULL);
    Column wc[2] = {{"window_start", TYPE_TIMESTAMP}, {"window_end", TYPE_TIMESTAMP}};
    Schema ws = {2, wc};
    w->schema = opt_schema_concat(&fx->arena, &b->schema, &ws);
    w->u.window.kind = WINDOW_TUMBLE;
    w->u.window.time_col = 4;
    w->u.window.size_us = 60 * USEC_PER_SEC;
    int cols[2] = {5, 1};
    Plan *p = fx_optimize(fx, fx_project_cols(fx, w, 2, cols));
    assert_text(fx, p, false,
                "Project [window_start, v]\n"
                "  Window TUMBLE(t, INTERVAL '00:01:00')\n"
                "    Scan big [v, t]\n");
    assert_int_equal(p->left->u.window.time_col, 1);
    assert_int_equal(p->u.project.exprs[0]->col, 2);
    fx_done(fx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bench_group_by),
        cmocka_unit_test(test_bench_count_where),
        cmocka_unit_test(test_count_star_reads_nothing),
        cmocka_unit_test(test_prune_through_join),
        cmocka_unit_test(test_prune_aggregate_over_join),
        cmocka_unit_test(test_prune_aggregate_outputs),
        cmocka_unit_test(test_prune_hidden_sort_column),
        cmocka_unit_test(test_prune_left_join),
        cmocka_unit_test(test_prune_values),
        cmocka_unit_test(test_prune_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
