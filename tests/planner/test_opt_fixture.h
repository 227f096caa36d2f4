/*
** Fixture for the optimizer's unit tests: plans built by hand with the
** constructors of exec/plan.h over two fake relations, so the tests depend
** on nothing but plan.h, functions.h (to resolve operators) and the
** evaluator (constant folding).
**
**   big(k BIGINT, v BIGINT, s TEXT, d DOUBLE, t TIMESTAMP)
**   small(id BIGINT, name TEXT)
**
** Every helper allocates in the fixture's arena, which fx_done() frees.
*/
#ifndef WEIR_TEST_OPT_FIXTURE_H
#define WEIR_TEST_OPT_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../exec/functions.h"
#include "../../planner/optimizer.h"
#include "../../storage/relation.h"

/* Not every test file uses every helper. */
#define FX_UNUSED __attribute__((unused))

typedef struct Fx {
    Arena arena;
    Err err;
    PlanCtx pc;
    Column big_cols[5];
    Column small_cols[2];
    Relation big, small;       /* schema-only relations (no data) */
    Relation *rbig, *rsmall;   /* what fx_big()/fx_small() scan: &big/&small unless a test sets them */
    OptTrace trace;
} Fx;

static const RelationVT fx_vt = {NULL, NULL};

FX_UNUSED static void fx_init(Fx *fx) {
    memset(fx, 0, sizeof *fx);
    arena_init(&fx->arena, 0);
    err_clear(&fx->err);
    fx->pc.arena = &fx->arena;
    fx->pc.err = &fx->err;
    fx->pc.now_us = 1700000000LL * USEC_PER_SEC;
    Column bc[5] = {{"k", TYPE_BIGINT}, {"v", TYPE_BIGINT}, {"s", TYPE_TEXT}, {"d", TYPE_DOUBLE}, {"t", TYPE_TIMESTAMP}};
    Column sc[2] = {{"id", TYPE_BIGINT}, {"name", TYPE_TEXT}};
    memcpy(fx->big_cols, bc, sizeof bc);
    memcpy(fx->small_cols, sc, sizeof sc);
    fx->big = (Relation){&fx_vt, {5, fx->big_cols}, 1000};
    fx->small = (Relation){&fx_vt, {2, fx->small_cols}, 10};
    fx->rbig = &fx->big;
    fx->rsmall = &fx->small;
    unsetenv("WEIR_DISABLE_RULES");
}

FX_UNUSED static void fx_done(Fx *fx) {
    arena_free(&fx->arena);
    unsetenv("WEIR_DISABLE_RULES");
}

/* A scan reading every column of r (what the binder produces). */
FX_UNUSED static Plan *fx_scan(Fx *fx, Relation *r, const char *name) {
    Plan *p = plan_new(&fx->arena, PLAN_SCAN, NULL, NULL);
    p->u.scan.rel = r;
    p->u.scan.table = name;
    p->u.scan.nproj = r->schema.ncols;
    p->u.scan.proj = ARENA_ARRAY(&fx->arena, int, r->schema.ncols);
    for (int i = 0; i < r->schema.ncols; i++) p->u.scan.proj[i] = i;
    p->schema = opt_schema_copy(&fx->arena, &r->schema);
    return p;
}

FX_UNUSED static Plan *fx_big(Fx *fx) { return fx_scan(fx, fx->rbig, "big"); }
FX_UNUSED static Plan *fx_small(Fx *fx) { return fx_scan(fx, fx->rsmall, "small"); }

/* Column i of a node's output, as seen by its parent. */
FX_UNUSED static Expr *fx_col(Fx *fx, const Plan *input, int i) {
    return expr_column(&fx->arena, i, input->schema.cols[i].type, input->schema.cols[i].name);
}

/* Column i of the concatenation left ++ right (a join's condition or output). */
FX_UNUSED static Expr *fx_jcol(Fx *fx, const Plan *l, const Plan *r, int i) {
    int nl = l->schema.ncols;
    return i < nl ? fx_col(fx, l, i) : expr_column(&fx->arena, i, r->schema.cols[i - nl].type, r->schema.cols[i - nl].name);
}

FX_UNUSED static Expr *fx_int(Fx *fx, int64_t i) {
    Value v = {.type = TYPE_BIGINT};
    v.u.i = i;
    return expr_const(&fx->arena, &v);
}

FX_UNUSED static Expr *fx_dbl(Fx *fx, double d) {
    Value v = {.type = TYPE_DOUBLE};
    v.u.d = d;
    return expr_const(&fx->arena, &v);
}

FX_UNUSED static Expr *fx_str(Fx *fx, const char *s) {
    Value v = {.type = TYPE_TEXT};
    v.u.s = str_from(s, strlen(s));
    return expr_const(&fx->arena, &v);
}

FX_UNUSED static Expr *fx_bool(Fx *fx, bool b) { return opt_bool(&fx->arena, b); }
FX_UNUSED static Expr *fx_null(Fx *fx, Type t) { return opt_null(&fx->arena, t); }

FX_UNUSED static Expr *fx_ts(Fx *fx, const char *text) {
    Value v = {.type = TYPE_TIMESTAMP};
    assert_true(ts_parse(text, strlen(text), &v.u.i));
    return expr_const(&fx->arena, &v);
}

FX_UNUSED static Expr *fx_iv(Fx *fx, int64_t us) {
    Value v = {.type = TYPE_INTERVAL};
    v.u.i = us;
    return expr_const(&fx->arena, &v);
}

/* name(args) resolved like the binder does, with implicit casts inserted. */
FX_UNUSED static Expr *fx_calln(Fx *fx, const char *name, int n, Expr **args) {
    Type argt[4] = {TYPE_NULL}, casts[4] = {TYPE_NULL};
    const FuncDef *fn = NULL;
    for (int i = 0; i < n; i++) argt[i] = args[i]->type;
    assert_int_equal(func_resolve(name, n, argt, &fn, casts), FUNC_OK);
    Expr *e = expr_new(&fx->arena, EXPR_CALL, fn->ret, n);
    e->fn = fn;
    e->name = fn->name;
    for (int i = 0; i < n; i++) e->args[i] = opt_with_type(&fx->arena, args[i], casts[i]);
    return e;
}

FX_UNUSED static Expr *fx_call(Fx *fx, const char *name, Expr *a, Expr *b) {
    Expr *args[2] = {a, b};
    return fx_calln(fx, name, 2, args);
}

FX_UNUSED static Expr *fx_call1(Fx *fx, const char *name, Expr *a) { return fx_calln(fx, name, a ? 1 : 0, &a); }

FX_UNUSED static Expr *fx_logic(Fx *fx, ExprKind kind, int n, ...) {
    Expr *e = expr_new(&fx->arena, kind, TYPE_BOOL, n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) e->args[i] = va_arg(ap, Expr *);
    va_end(ap);
    return e;
}

#define fx_and(fx, ...) fx_logic(fx, EXPR_AND, (int)(sizeof((Expr *[]){__VA_ARGS__}) / sizeof(Expr *)), __VA_ARGS__)
#define fx_or(fx, ...) fx_logic(fx, EXPR_OR, (int)(sizeof((Expr *[]){__VA_ARGS__}) / sizeof(Expr *)), __VA_ARGS__)
FX_UNUSED static Expr *fx_not(Fx *fx, Expr *a) { return fx_logic(fx, EXPR_NOT, 1, a); }

FX_UNUSED static Expr *fx_cast(Fx *fx, Expr *a, Type t) {
    Expr *e = expr_new(&fx->arena, EXPR_CAST, t, 1);
    e->args[0] = a;
    return e;
}

FX_UNUSED static Plan *fx_filter(Fx *fx, Plan *in, Expr *pred) {
    Plan *p = plan_new(&fx->arena, PLAN_FILTER, in, NULL);
    p->schema = opt_schema_copy(&fx->arena, &in->schema);
    p->u.filter.pred = pred;
    return p;
}

/* Project exprs[0..n) named names[0..n) (NULL names: "c0", "c1", ...). */
FX_UNUSED static Plan *fx_project(Fx *fx, Plan *in, int n, Expr **exprs, const char **names) {
    Plan *p = plan_new(&fx->arena, PLAN_PROJECT, in, NULL);
    p->u.project.n = n;
    p->u.project.exprs = ARENA_ARRAY(&fx->arena, Expr *, n + 1);
    p->schema.ncols = n;
    p->schema.cols = ARENA_ARRAY(&fx->arena, Column, n + 1);
    for (int i = 0; i < n; i++) {
        p->u.project.exprs[i] = exprs[i];
        p->schema.cols[i].name = names ? names[i] : arena_printf(&fx->arena, "c%d", i);
        p->schema.cols[i].type = exprs[i]->type;
    }
    return p;
}

/* A projection of the given input columns, keeping their names. */
FX_UNUSED static Plan *fx_project_cols(Fx *fx, Plan *in, int n, const int *cols) {
    Expr **e = ARENA_ARRAY(&fx->arena, Expr *, n + 1);
    const char **names = ARENA_ARRAY(&fx->arena, const char *, n + 1);
    for (int i = 0; i < n; i++) {
        e[i] = fx_col(fx, in, cols[i]);
        names[i] = in->schema.cols[cols[i]].name;
    }
    return fx_project(fx, in, n, e, names);
}

FX_UNUSED static AggSpec fx_agg_spec(Fx *fx, AggKind kind, Expr *arg, const Plan *in) {
    AggSpec s = {.kind = kind, .arg = arg};
    s.type = kind == AGG_COUNT || kind == AGG_COUNT_STAR ? TYPE_BIGINT : kind == AGG_AVG ? TYPE_DOUBLE : arg->type;
    s.name = opt_agg_name(&fx->arena, &s, &in->schema);
    return s;
}

FX_UNUSED static Plan *fx_aggregate(Fx *fx, Plan *in, int ng, Expr **groups, int na, AggSpec *aggs) {
    Plan *p = plan_new(&fx->arena, PLAN_AGGREGATE, in, NULL);
    p->u.agg.ngroups = ng;
    p->u.agg.groups = ARENA_ARRAY(&fx->arena, Expr *, ng + 1);
    p->u.agg.naggs = na;
    p->u.agg.aggs = ARENA_ARRAY(&fx->arena, AggSpec, na + 1);
    p->schema.ncols = ng + na;
    p->schema.cols = ARENA_ARRAY(&fx->arena, Column, ng + na + 1);
    for (int i = 0; i < ng; i++) {
        p->u.agg.groups[i] = groups[i];
        p->schema.cols[i] = (Column){groups[i]->kind == EXPR_COLUMN ? groups[i]->name : "g", groups[i]->type};
    }
    for (int i = 0; i < na; i++) {
        p->u.agg.aggs[i] = aggs[i];
        p->schema.cols[ng + i] = (Column){aggs[i].name, aggs[i].type};
    }
    return p;
}

FX_UNUSED static Plan *fx_join(Fx *fx, PlanJoinKind kind, Plan *l, Plan *r, Expr *on) {
    Plan *p = plan_new(&fx->arena, PLAN_JOIN, l, r);
    p->u.join.kind = kind;
    p->u.join.residual = on;
    p->schema = opt_schema_concat(&fx->arena, &l->schema, &r->schema);
    return p;
}

FX_UNUSED static Plan *fx_sort(Fx *fx, Plan *in, int col, bool desc) {
    Plan *p = plan_new(&fx->arena, PLAN_SORT, in, NULL);
    p->schema = opt_schema_copy(&fx->arena, &in->schema);
    p->u.sort.nkeys = 1;
    p->u.sort.keys = ARENA_ARRAY(&fx->arena, SortKey, 1);
    p->u.sort.keys[0] = (SortKey){fx_col(fx, in, col), desc, desc};
    return p;
}

FX_UNUSED static Plan *fx_limit(Fx *fx, Plan *in, int64_t limit) {
    Plan *p = plan_new(&fx->arena, PLAN_LIMIT, in, NULL);
    p->schema = opt_schema_copy(&fx->arena, &in->schema);
    p->u.limit.limit = limit;
    return p;
}

/* Plan text (logical or physical), asserting the plan is sound first. */
FX_UNUSED static const char *fx_text(Fx *fx, const Plan *p, bool physical) {
    char msg[512];
    if (!plan_verify(p, msg, sizeof msg)) fail_msg("invalid plan: %s\n%s", msg, plan_to_text(&fx->arena, p, false));
    return plan_to_text(&fx->arena, p, physical);
}

FX_UNUSED static const char *fx_expr(Fx *fx, const Expr *e, const Plan *input) {
    return expr_to_text(&fx->arena, e, input ? &input->schema : NULL);
}

/* Run the whole optimizer; asserts success and that the result is sound. */
FX_UNUSED static Plan *fx_optimize(Fx *fx, Plan *p) {
    memset(&fx->trace, 0, sizeof fx->trace);
    assert_int_equal(optimize(&fx->pc, &p, &fx->trace), 0);
    assert_false(fx->err.set);
    char msg[512];
    if (!plan_verify(p, msg, sizeof msg)) fail_msg("invalid plan after optimize: %s", msg);
    return p;
}

/* Did "Batch/Rule" (or any entry ending in "/rule") fire in the last fx_optimize()? */
FX_UNUSED static bool fx_fired(const Fx *fx, const char *rule) {
    size_t n = strlen(rule);
    for (int i = 0; i < fx->trace.n; i++) {
        const char *f = fx->trace.fired[i];
        size_t m = strlen(f);
        if (strcmp(f, rule) == 0 || (m > n && f[m - n - 1] == '/' && strcmp(f + m - n, rule) == 0)) return true;
    }
    return false;
}

/* Apply one rule to the nodes of kinds in mask, top-down from *slot, like the driver. */
FX_UNUSED static bool fx_apply(Fx *fx, RuleApply rule, unsigned mask, Plan **slot) {
    bool changed = false;
    if (!*slot) return false;
    if (mask & PLAN_MASK((*slot)->kind)) assert_int_equal(rule(&fx->pc, slot, &changed), 0);
    bool below = fx_apply(fx, rule, mask, &(*slot)->left);
    below |= fx_apply(fx, rule, mask, &(*slot)->right);
    return changed || below;
}

#define assert_text(fx, plan, physical, expected) assert_string_equal(fx_text(fx, plan, physical), expected)

#endif
