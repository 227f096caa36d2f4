/*
** Aggregate rewrites: RewriteAvg.
**
** AVG(x) becomes SUM(x) and COUNT(x) computed by the aggregate plus a
** projection above it that divides them:
**
**     Aggregate [k] [avg(v)]          Project [k, CASE WHEN #2 > 0 THEN CAST(#1 AS DOUBLE) / CAST(#2 AS DOUBLE) END]
**                               ->      Aggregate [k] [sum(v), count(v)]
**
** SUM and COUNT are plain, retractable accumulators, so the aggregate's
** state stays two numbers per group under a changelog (a row retracted with
** weight -1 is subtracted from both), and an existing SUM(x) or COUNT(x) of
** the same query is shared.  The CASE yields NULL for a group with no
** non-NULL x (AVG of nothing is NULL) without ever dividing by zero.  When
** the function library lacks an operator the rewrite needs, the aggregate is
** left alone (the executor implements AVG too).
*/
#include <string.h>

#include "optimizer.h"

/* Index of an aggregate equal to (kind, distinct, arg) among aggs[0..n), or -1. */
static int find_agg(const AggSpec *aggs, int n, AggKind kind, bool distinct, const Expr *arg) {
    for (int i = 0; i < n; i++)
        if (aggs[i].kind == kind && aggs[i].distinct == distinct && aggs[i].arg && expr_equal(aggs[i].arg, arg))
            return i;
    return -1;
}

static bool rewritable(const AggSpec *s) {
    return s->kind == AGG_AVG && s->arg && s->type == TYPE_DOUBLE && type_is_numeric(s->arg->type);
}

/* Position of SUM/COUNT(arg) in aggs, appended when absent. */
static int need_agg(Arena *a, AggSpec *aggs, int *n, AggKind kind, const AggSpec *avg, Type type,
                    const Schema *input) {
    int i = find_agg(aggs, *n, kind, avg->distinct, avg->arg);
    if (i >= 0) return i;
    AggSpec *s = &aggs[*n];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->distinct = avg->distinct;
    s->arg = avg->arg;
    s->type = type;
    s->name = opt_agg_name(a, s, input);
    return (*n)++;
}

int rule_rewrite_avg(PlanCtx *pc, Plan **node, bool *changed) {
    Arena *a = pc->arena;
    Plan *agg = *node;
    int ng = agg->u.agg.ngroups, na = agg->u.agg.naggs;
    if (!agg->left) return 0;
    int navg = 0;
    for (int i = 0; i < na; i++) navg += rewritable(&agg->u.agg.aggs[i]);
    if (navg == 0) return 0;

    /* New aggregate list: the others in order, then what each AVG needs. */
    AggSpec *aggs = ARENA_ARRAY(a, AggSpec, na + navg + 1);
    int n = 0, *pos = ARENA_ARRAY(a, int, na), *cnt = ARENA_ARRAY(a, int, na);
    for (int i = 0; i < na; i++)
        if (!rewritable(&agg->u.agg.aggs[i])) {
            pos[i] = n;
            aggs[n++] = agg->u.agg.aggs[i];
        }
    for (int i = 0; i < na; i++) {
        const AggSpec *s = &agg->u.agg.aggs[i];
        if (!rewritable(s)) continue;
        pos[i] = need_agg(a, aggs, &n, AGG_SUM, s, s->arg->type, &agg->left->schema);
        cnt[i] = need_agg(a, aggs, &n, AGG_COUNT, s, TYPE_BIGINT, &agg->left->schema);
    }

    /* The projection restoring the original columns. */
    Expr **exprs = ARENA_ARRAY(a, Expr *, ng + na + 1);
    for (int i = 0; i < ng; i++)
        exprs[i] = expr_column(a, i, agg->schema.cols[i].type, agg->schema.cols[i].name);
    for (int i = 0; i < na; i++) {
        const AggSpec *s = &agg->u.agg.aggs[i];
        int col = ng + pos[i];
        if (!rewritable(s)) {
            exprs[ng + i] = expr_column(a, col, aggs[pos[i]].type, aggs[pos[i]].name);
            continue;
        }
        Expr *sum = expr_column(a, col, aggs[pos[i]].type, aggs[pos[i]].name);
        Expr *count = expr_column(a, ng + cnt[i], TYPE_BIGINT, aggs[cnt[i]].name);
        Value zero = {.type = TYPE_BIGINT};
        zero.u.i = 0;
        Expr *gt_args[2] = {count, expr_const(a, &zero)};
        Expr *div_args[2] = {opt_with_type(a, sum, TYPE_DOUBLE), opt_with_type(a, count, TYPE_DOUBLE)};
        gt_args[1]->type = TYPE_BIGINT;
        Expr *cond = opt_call(a, ">", gt_args, 2), *div = opt_call(a, "/", div_args, 2);
        if (!cond || !div || cond->type != TYPE_BOOL || div->type != TYPE_DOUBLE) return 0;
        Expr *e = expr_new(a, EXPR_CASE, TYPE_DOUBLE, 2);
        e->args[0] = cond;
        e->args[1] = div;
        e->has_else = false;
        e->pos = -1;
        e->name = s->name;
        exprs[ng + i] = e;
    }

    Plan *proj = opt_node(a, PLAN_PROJECT, agg, NULL, &agg->schema);
    proj->u.project.n = ng + na;
    proj->u.project.exprs = exprs;

    Schema s = {ng + n, ARENA_ARRAY(a, Column, ng + n + 1)};
    for (int i = 0; i < ng; i++) s.cols[i] = agg->schema.cols[i];
    for (int i = 0; i < n; i++) {
        s.cols[ng + i].name = aggs[i].name;
        s.cols[ng + i].type = aggs[i].type;
    }
    /* Reuse the original output names for the aggregates that stayed. */
    for (int i = 0; i < na; i++)
        if (!rewritable(&agg->u.agg.aggs[i])) s.cols[ng + pos[i]].name = agg->schema.cols[ng + i].name;
    agg->schema = s;
    agg->u.agg.aggs = aggs;
    agg->u.agg.naggs = n;
    *node = proj;
    *changed = true;
    return 0;
}
