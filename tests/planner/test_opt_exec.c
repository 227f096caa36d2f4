/*
** The optimizer must not change results.  Each query below is built by hand
** over two in-memory tables holding NULLs, duplicates and join misses, run
** through the executor as the binder would produce it (no optimization),
** fully optimized, and optimized with each rule disabled in turn
** (WEIR_DISABLE_RULES); all runs must return the same rows.  The suite also
** runs with -Dbatch_size=2, so every plan shape meets chunk boundaries.
*/
#include "../../exec/exec.h"
#include "test_opt_fixture.h"

/* ------------------------------------------------------------------ data */

#define NBIG 240
#define NSMALL 10
#define BASE_TS (1704067200LL * USEC_PER_SEC) /* 2024-01-01 00:00:00 */

static MemTable *make_big(void) {
    Column cols[5] = {{"k", TYPE_BIGINT}, {"v", TYPE_BIGINT}, {"s", TYPE_TEXT}, {"d", TYPE_DOUBLE}, {"t", TYPE_TIMESTAMP}};
    Schema sc = {5, cols};
    MemTable *t = memtable_new(&sc);
    Arena a;
    arena_init(&a, 0);
    static const char *const words[5] = {"a", "b", "c", "d", "e"};
    Chunk *c = chunk_new(5, &a);
    c->count = c->nsel = NBIG;
    for (int j = 0; j < 5; j++) vec_alloc(&c->cols[j], cols[j].type, NBIG, &a);
    for (int i = 0; i < NBIG; i++) {
        Value k = {.type = TYPE_BIGINT, .null = i % 11 == 5}, v = {.type = TYPE_BIGINT, .null = i % 13 == 7};
        Value s = {.type = TYPE_TEXT, .null = i % 17 == 3}, d = {.type = TYPE_DOUBLE}, ts = {.type = TYPE_TIMESTAMP};
        k.u.i = i % 7;
        v.u.i = (i * 3) % 20;
        s.u.s = str_from(words[i % 5], 1);
        d.u.d = i / 4.0;
        ts.u.i = BASE_TS + (int64_t)i * 10 * USEC_PER_SEC;
        Value row[5] = {k, v, s, d, ts};
        for (int j = 0; j < 5; j++) vec_set(&c->cols[j], (uint32_t)i, &row[j], NBIG, &a);
    }
    memtable_append(t, c);
    arena_free(&a);
    return t;
}

static MemTable *make_small(void) {
    Column cols[2] = {{"id", TYPE_BIGINT}, {"name", TYPE_TEXT}};
    Schema sc = {2, cols};
    MemTable *t = memtable_new(&sc);
    Arena a;
    arena_init(&a, 0);
    Chunk *c = chunk_new(2, &a);
    c->count = c->nsel = NSMALL;
    for (int j = 0; j < 2; j++) vec_alloc(&c->cols[j], cols[j].type, NSMALL, &a);
    for (int i = 0; i < NSMALL; i++) {
        /* ids 0..7 with 0 and 1 twice (duplicate matches), no 8 or more (misses); one NULL name */
        Value id = {.type = TYPE_BIGINT}, name = {.type = TYPE_TEXT, .null = i == 4};
        id.u.i = i % 8;
        char *n = arena_printf(&a, "n%d", i);
        name.u.s = str_from(n, strlen(n));
        vec_set(&c->cols[0], (uint32_t)i, &id, NSMALL, &a);
        vec_set(&c->cols[1], (uint32_t)i, &name, NSMALL, &a);
    }
    memtable_append(t, c);
    arena_free(&a);
    return t;
}

/* ------------------------------------------------------------------ running */

typedef struct Rows {
    int n, cap;
    char **text;
    int64_t *weight;
} Rows;

static int collect(void *ud, const Chunk *c) {
    Rows *r = ud;
    for (uint32_t k = 0; k < chunk_active(c); k++) {
        uint32_t i = chunk_row(c, k);
        size_t len = 0, cap = 64;
        char *line = malloc(cap);
        line[0] = 0;
        Arena a;
        arena_init(&a, 0);
        for (int j = 0; j < c->ncols; j++) {
            Value v;
            vec_get(&c->cols[j], i, &v);
            const char *t = value_to_text(&a, &v);
            size_t need = len + strlen(t) + 2;
            if (need > cap) line = realloc(line, cap = need * 2);
            len += (size_t)sprintf(line + len, "%s%s", j ? "|" : "", t);
        }
        arena_free(&a);
        if (r->n == r->cap) {
            r->cap = r->cap ? 2 * r->cap : 64;
            r->text = realloc(r->text, sizeof *r->text * (size_t)r->cap);
            r->weight = realloc(r->weight, sizeof *r->weight * (size_t)r->cap);
        }
        r->text[r->n] = line;
        r->weight[r->n++] = chunk_weight(c, i);
    }
    return 0;
}

static int by_text(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/*
** Run a plan; returns its rows as one string: in output order when
** `ordered`, else sorted (a multiset).  A batch query emits inserts only.
*/
static char *run(Fx *fx, Plan *p, bool ordered) {
    Rows r = {0};
    Err err;
    err_clear(&err);
    ExecOptions opt = {.now_us = fx->pc.now_us};
    Executor *x = exec_new(p, collect, &r, &opt, &err);
    if (!x) fail_msg("exec_new: %s\n%s", err.msg, plan_to_text(&fx->arena, p, true));
    if (exec_run(x) != 0) fail_msg("exec_run: %s\n%s", err.msg, plan_to_text(&fx->arena, p, true));
    exec_free(x);
    for (int i = 0; i < r.n; i++) assert_int_equal(r.weight[i], 1);
    if (!ordered && r.n > 1) qsort(r.text, (size_t)r.n, sizeof *r.text, by_text);
    size_t len = 1;
    for (int i = 0; i < r.n; i++) len += strlen(r.text[i]) + 1;
    char *out = arena_alloc(&fx->arena, len), *w = out;
    for (int i = 0; i < r.n; i++) {
        w += sprintf(w, "%s\n", r.text[i]);
        free(r.text[i]);
    }
    *w = 0;
    free(r.text);
    free(r.weight);
    return out;
}

/* ------------------------------------------------------------------ queries */

typedef Plan *(*BuildFn)(Fx *fx);

#define COL(p, i) fx_col(fx, p, i)
#define INT(i) fx_int(fx, i)
#define CALL(op, a, b) fx_call(fx, op, a, b)

/* SELECT k, SUM(v), COUNT(*) FROM big GROUP BY k */
static Plan *q_group_by(Fx *fx) {
    Plan *b = fx_big(fx);
    Expr *k = COL(b, 0);
    AggSpec aggs[2] = {fx_agg_spec(fx, AGG_SUM, COL(b, 1), b), fx_agg_spec(fx, AGG_COUNT_STAR, NULL, b)};
    Plan *ag = fx_aggregate(fx, b, 1, &k, 2, aggs);
    int cols[3] = {0, 1, 2};
    return fx_project_cols(fx, ag, 3, cols);
}

/* SELECT COUNT(*) FROM big WHERE v < 10 */
static Plan *q_count_where(Fx *fx) {
    Plan *b = fx_big(fx);
    Plan *w = fx_filter(fx, b, CALL("<", COL(b, 1), INT(10)));
    AggSpec cnt = fx_agg_spec(fx, AGG_COUNT_STAR, NULL, w);
    Plan *ag = fx_aggregate(fx, w, 0, NULL, 1, &cnt);
    int c0 = 0;
    return fx_project_cols(fx, ag, 1, &c0);
}

/* SELECT name, v, s FROM big JOIN small ON k = id AND d > 10 WHERE s <> 'a' AND id > 1 AND v + id > 4 */
static Plan *q_inner_join(Fx *fx) {
    Plan *l = fx_big(fx), *r = fx_small(fx);
    Expr *on = fx_and(fx, CALL("=", fx_jcol(fx, l, r, 0), fx_jcol(fx, l, r, 5)),
                      CALL(">", fx_jcol(fx, l, r, 3), fx_dbl(fx, 10)));
    Plan *j = fx_join(fx, PJOIN_INNER, l, r, on);
    Plan *w = fx_filter(fx, j, fx_and(fx, CALL("<>", COL(j, 2), fx_str(fx, "a")), CALL(">", COL(j, 5), INT(1)),
                                      CALL(">", CALL("+", COL(j, 1), COL(j, 5)), INT(4))));
    int cols[3] = {6, 1, 2};
    return fx_project_cols(fx, w, 3, cols);
}

/* SELECT k, v, name FROM big LEFT JOIN small ON k = id AND id > 2 AND v > 3 WHERE v > 5 OR name IS NULL */
static Plan *q_left_join(Fx *fx) {
    Plan *l = fx_big(fx), *r = fx_small(fx);
    Expr *on = fx_and(fx, CALL("=", fx_jcol(fx, l, r, 0), fx_jcol(fx, l, r, 5)),
                      CALL(">", fx_jcol(fx, l, r, 5), INT(2)), CALL(">", fx_jcol(fx, l, r, 1), INT(3)));
    Plan *j = fx_join(fx, PJOIN_LEFT, l, r, on);
    Plan *w = fx_filter(fx, j, fx_or(fx, CALL(">", COL(j, 1), INT(5)), fx_logic(fx, EXPR_IS_NULL, 1, COL(j, 6))));
    int cols[3] = {0, 1, 6};
    return fx_project_cols(fx, w, 3, cols);
}

/* SELECT k, v, name FROM big LEFT JOIN small ON k = id WHERE k < 3 AND id IS NULL (an anti-join) */
static Plan *q_left_anti(Fx *fx) {
    Plan *l = fx_big(fx), *r = fx_small(fx);
    Plan *j = fx_join(fx, PJOIN_LEFT, l, r, CALL("=", fx_jcol(fx, l, r, 1), fx_jcol(fx, l, r, 5)));
    Plan *w = fx_filter(fx, j, fx_and(fx, CALL("<", COL(j, 0), INT(3)), fx_logic(fx, EXPR_IS_NULL, 1, COL(j, 5))));
    int cols[3] = {0, 1, 6};
    return fx_project_cols(fx, w, 3, cols);
}

/* SELECT k, AVG(v), AVG(d), SUM(v) FROM big GROUP BY k HAVING COUNT(*) > 3 AND k <> 2 */
static Plan *q_avg_having(Fx *fx) {
    Plan *b = fx_big(fx);
    Expr *k = COL(b, 0);
    AggSpec aggs[4] = {fx_agg_spec(fx, AGG_AVG, COL(b, 1), b), fx_agg_spec(fx, AGG_AVG, COL(b, 3), b),
                       fx_agg_spec(fx, AGG_SUM, COL(b, 1), b), fx_agg_spec(fx, AGG_COUNT_STAR, NULL, b)};
    Plan *ag = fx_aggregate(fx, b, 1, &k, 4, aggs);
    Plan *h = fx_filter(fx, ag, fx_and(fx, CALL(">", COL(ag, 4), INT(3)), CALL("<>", COL(ag, 0), INT(2))));
    int cols[4] = {0, 1, 2, 3};
    return fx_project_cols(fx, h, 4, cols);
}

/* SELECT x, s FROM (SELECT k + 1 AS x, s, v * 2 AS w FROM big) WHERE x > 3 AND s IS NOT NULL AND NOT (w < 10) */
static Plan *q_project_filter(Fx *fx) {
    Plan *b = fx_big(fx);
    Expr *pe[3] = {CALL("+", COL(b, 0), INT(1)), COL(b, 2), CALL("*", COL(b, 1), INT(2))};
    const char *pn[3] = {"x", "s", "w"};
    Plan *pr = fx_project(fx, b, 3, pe, pn);
    Plan *w = fx_filter(fx, pr, fx_and(fx, CALL(">", COL(pr, 0), INT(3)), fx_logic(fx, EXPR_IS_NOT_NULL, 1, COL(pr, 1)),
                                       fx_not(fx, CALL("<", COL(pr, 2), INT(10)))));
    int cols[2] = {0, 1};
    return fx_project_cols(fx, w, 2, cols);
}

/* SELECT COUNT(*), SUM(v) FROM big WHERE 1 = 2: one row (0, NULL) */
static Plan *q_global_empty(Fx *fx) {
    Plan *b = fx_big(fx);
    Plan *w = fx_filter(fx, b, CALL("=", INT(1), INT(2)));
    AggSpec aggs[2] = {fx_agg_spec(fx, AGG_COUNT_STAR, NULL, w), fx_agg_spec(fx, AGG_SUM, COL(w, 1), w)};
    Plan *ag = fx_aggregate(fx, w, 0, NULL, 2, aggs);
    int cols[2] = {0, 1};
    return fx_project_cols(fx, ag, 2, cols);
}

/* SELECT k, v FROM big WHERE v IS NOT NULL AND TRUE ORDER BY v DESC, d LIMIT 7 OFFSET 2 */
static Plan *q_sort_limit(Fx *fx) {
    Plan *b = fx_big(fx);
    Plan *w = fx_filter(fx, b, fx_and(fx, fx_logic(fx, EXPR_IS_NOT_NULL, 1, COL(b, 1)), fx_bool(fx, true)));
    int cols[3] = {0, 1, 3};
    Plan *pr = fx_project_cols(fx, w, 3, cols);
    Plan *s = fx_sort(fx, pr, 1, true);
    s->u.sort.nkeys = 2;
    SortKey *keys = ARENA_ARRAY(&fx->arena, SortKey, 2);
    keys[0] = s->u.sort.keys[0];
    keys[1] = (SortKey){COL(pr, 2), false, false};
    s->u.sort.keys = keys;
    Plan *l = fx_limit(fx, s, 7);
    l->u.limit.offset = 2;
    int out[2] = {0, 1};
    return fx_project_cols(fx, l, 2, out);
}

/* SELECT DISTINCT s, CASE WHEN k > 3 THEN 'hi' ELSE 'lo' END FROM big WHERE lower('X') = 'x' */
static Plan *q_distinct_case(Fx *fx) {
    Plan *b = fx_big(fx);
    Plan *w = fx_filter(fx, b, CALL("=", fx_call1(fx, "lower", fx_str(fx, "X")), fx_str(fx, "x")));
    Expr *c = expr_new(&fx->arena, EXPR_CASE, TYPE_TEXT, 3);
    c->args[0] = CALL(">", COL(w, 0), INT(3));
    c->args[1] = fx_str(fx, "hi");
    c->args[2] = fx_str(fx, "lo");
    c->has_else = true;
    Expr *pe[2] = {COL(w, 2), c};
    const char *pn[2] = {"s", "size"};
    Plan *pr = fx_project(fx, w, 2, pe, pn);
    Expr *g[2] = {COL(pr, 0), COL(pr, 1)};
    return fx_aggregate(fx, pr, 2, g, 0, NULL);
}

/* SELECT COUNT(*) FROM (SELECT k + 1 AS x FROM big): the scan reads no column at all */
static Plan *q_count_nothing(Fx *fx) {
    Plan *b = fx_big(fx);
    Expr *x = CALL("+", COL(b, 0), INT(1));
    const char *xn = "x";
    Plan *pr = fx_project(fx, b, 1, &x, &xn);
    AggSpec cnt = fx_agg_spec(fx, AGG_COUNT_STAR, NULL, pr);
    return fx_aggregate(fx, pr, 0, NULL, 1, &cnt);
}

/* SELECT window_start, COUNT(*), MAX(k) FROM TUMBLE(big, t, 1 minute) WHERE v > 3 AND window_start > BASE GROUP BY 1 */
static Plan *q_window(Fx *fx) {
    Plan *b = fx_big(fx);
    Plan *w = plan_new(&fx->arena, PLAN_WINDOW, b, NULL);
    Column wc[2] = {{"window_start", TYPE_TIMESTAMP}, {"window_end", TYPE_TIMESTAMP}};
    Schema ws = {2, wc};
    w->schema = opt_schema_concat(&fx->arena, &b->schema, &ws);
    w->u.window.kind = WINDOW_TUMBLE;
    w->u.window.time_col = 4;
    w->u.window.size_us = 60 * USEC_PER_SEC;
    Plan *f = fx_filter(fx, w, fx_and(fx, CALL(">", COL(w, 1), INT(3)), CALL(">", COL(w, 5), fx_ts(fx, "2024-01-01 00:05:00"))));
    Expr *g = COL(f, 5);
    AggSpec aggs[2] = {fx_agg_spec(fx, AGG_COUNT_STAR, NULL, f), fx_agg_spec(fx, AGG_MAX, COL(f, 0), f)};
    return fx_aggregate(fx, f, 1, &g, 2, aggs);
}

/* SELECT a.k, b.k FROM (SELECT k, SUM(v) FROM big GROUP BY k) a JOIN (SELECT k, COUNT(*) ...) b ON a.k = b.k + 0 */
static Plan *q_join_of_aggregates(Fx *fx) {
    Plan *b1 = fx_big(fx), *b2 = fx_big(fx);
    Expr *k1 = COL(b1, 0), *k2 = COL(b2, 0);
    AggSpec s1 = fx_agg_spec(fx, AGG_SUM, COL(b1, 1), b1), s2 = fx_agg_spec(fx, AGG_COUNT_STAR, NULL, b2);
    Plan *a1 = fx_aggregate(fx, b1, 1, &k1, 1, &s1), *a2 = fx_aggregate(fx, b2, 1, &k2, 1, &s2);
    Plan *j = fx_join(fx, PJOIN_INNER, a1, a2, CALL("=", fx_jcol(fx, a1, a2, 0), CALL("+", fx_jcol(fx, a1, a2, 2), INT(0))));
    int cols[3] = {0, 1, 3};
    return fx_project_cols(fx, j, 3, cols);
}

static const struct {
    const char *name;
    BuildFn build;
    bool ordered;
} queries[] = {
    {"group_by", q_group_by, false},         {"count_where", q_count_where, false},
    {"inner_join", q_inner_join, false},     {"left_join", q_left_join, false},
    {"left_anti", q_left_anti, false},       {"avg_having", q_avg_having, false},
    {"project_filter", q_project_filter, false}, {"global_empty", q_global_empty, false},
    {"sort_limit", q_sort_limit, true},      {"distinct_case", q_distinct_case, false},
    {"count_nothing", q_count_nothing, false}, {"window", q_window, false},
    {"join_of_aggregates", q_join_of_aggregates, false},
};

static const char *const rule_names[] = {
    "RewriteAvg", "PushDownPredicates", "CombineFilters", "ConstantFolding", "BooleanSimplification",
    "SimplifyFilters", "PropagateEmptyRelation", "ExtractJoinKeys", "CollapseProjections", "ColumnPruning",
    "MergeProjectIntoScan", "RemoveTrivialProjections",
};

static void test_same_results(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    MemTable *big = make_big(), *small = make_small();
    fx->rbig = memtable_relation(big);
    fx->rsmall = memtable_relation(small);
    for (size_t q = 0; q < sizeof queries / sizeof queries[0]; q++) {
        char *want = run(fx, queries[q].build(fx), queries[q].ordered);
        assert_true(strlen(want) > 0);
        Plan *opt = fx_optimize(fx, queries[q].build(fx));
        if (getenv("WEIR_TEST_VERBOSE"))   /* show what each query became */
            fprintf(stderr, "-- %s\n%s%s", queries[q].name, plan_to_text(&fx->arena, opt, false),
                    plan_to_text(&fx->arena, opt, true));
        char *got = run(fx, opt, queries[q].ordered);
        if (strcmp(want, got) != 0)
            fail_msg("%s: optimized plan differs\n%s\nwant:\n%s\ngot:\n%s", queries[q].name,
                     plan_to_text(&fx->arena, opt, false), want, got);
        for (size_t r = 0; r < sizeof rule_names / sizeof rule_names[0]; r++) {
            setenv("WEIR_DISABLE_RULES", rule_names[r], 1);
            opt = fx_optimize(fx, queries[q].build(fx));
            got = run(fx, opt, queries[q].ordered);
            if (strcmp(want, got) != 0)
                fail_msg("%s without %s: results differ\n%s\nwant:\n%s\ngot:\n%s", queries[q].name, rule_names[r],
                         plan_to_text(&fx->arena, opt, false), want, got);
        }
        unsetenv("WEIR_DISABLE_RULES");
    }
    memtable_free(big);
    memtable_free(small);
    fx_done(fx);
}

/* Spot checks of the expected answers, so "same as unoptimized" is not "same wrong answer". */
static void test_known_answers(void **state) {
    (void)state;
    Fx f, *fx = &f;
    fx_init(fx);
    MemTable *big = make_big(), *small = make_small();
    fx->rbig = memtable_relation(big);
    fx->rsmall = memtable_relation(small);
    assert_string_equal(run(fx, fx_optimize(fx, q_global_empty(fx)), false), "0|NULL\n");
    assert_string_equal(run(fx, fx_optimize(fx, q_count_nothing(fx)), false), "240\n");
    /* v = 3i mod 20 is < 10 for i mod 20 in {0,1,2,3,7,10,14,17}... minus the NULLs (i mod 13 = 7) */
    int n = 0;
    for (int i = 0; i < NBIG; i++) n += i % 13 != 7 && (i * 3) % 20 < 10;
    char want[32];
    snprintf(want, sizeof want, "%d\n", n);
    assert_string_equal(run(fx, fx_optimize(fx, q_count_where(fx)), false), want);
    memtable_free(big);
    memtable_free(small);
    fx_done(fx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_results),
        cmocka_unit_test(test_known_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
