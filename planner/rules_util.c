/*
** Helpers the optimizer rules share: constant tests, column sets of an
** expression, copy-on-write rewriting of column references (remap, shift,
** substitute), conjunct lists, and small plan-node constructors.
**
** Expressions are never modified in place (see optimizer.h): a rewrite
** returns the same pointer when nothing changed, otherwise a new node whose
** unchanged children are shared with the old tree.
*/
#include <string.h>

#include "../exec/functions.h"
#include "optimizer.h"

/* ------------------------------------------------------------------ constants */

bool opt_is_const(const Expr *e) { return e && e->kind == EXPR_CONST; }

bool opt_is_true(const Expr *e) {
    return opt_is_const(e) && !e->value.null && e->value.type == TYPE_BOOL && e->value.u.b;
}

bool opt_is_false(const Expr *e) {
    return opt_is_const(e) && !e->value.null && e->value.type == TYPE_BOOL && !e->value.u.b;
}

bool opt_is_null(const Expr *e) {
    return opt_is_const(e) && (e->value.null || e->value.type == TYPE_NULL);
}

Expr *opt_bool(Arena *a, bool b) {
    Value v = {.type = TYPE_BOOL, .null = false};
    v.u.b = b;
    Expr *e = expr_const(a, &v);
    e->type = TYPE_BOOL;
    e->pos = -1;
    return e;
}

Expr *opt_null(Arena *a, Type t) {
    Value v = {.type = t, .null = true};
    Expr *e = expr_const(a, &v);
    e->type = t;
    e->pos = -1;
    return e;
}

Expr *opt_with_type(Arena *a, Expr *e, Type t) {
    if (e->type == t) return e;
    if (opt_is_null(e)) return opt_null(a, t);
    Expr *c = expr_new(a, EXPR_CAST, t, 1);
    c->args[0] = e;
    c->pos = e->pos;
    return c;
}

/* ------------------------------------------------------------------ properties */

bool opt_deterministic(const Expr *e) {
    if (e->kind == EXPR_CALL && e->fn && (e->fn->flags & FUNC_VOLATILE)) return false;
    for (int i = 0; i < e->nargs; i++)
        if (!opt_deterministic(e->args[i])) return false;
    return true;
}

bool opt_has_columns(const Expr *e) {
    if (e->kind == EXPR_COLUMN) return true;
    for (int i = 0; i < e->nargs; i++)
        if (opt_has_columns(e->args[i])) return true;
    return false;
}

void opt_columns(const Expr *e, bool *used, int n) {
    if (e->kind == EXPR_COLUMN && e->col >= 0 && e->col < n) used[e->col] = true;
    for (int i = 0; i < e->nargs; i++) opt_columns(e->args[i], used, n);
}

int opt_sides(const Expr *e, int nleft) {
    int s = 0;
    if (e->kind == EXPR_COLUMN) s |= e->col < nleft ? 1 : 2;
    for (int i = 0; i < e->nargs; i++) s |= opt_sides(e->args[i], nleft);
    return s;
}

int opt_count_refs(const Expr *e, int col) {
    int n = e->kind == EXPR_COLUMN && e->col == col;
    for (int i = 0; i < e->nargs; i++) n += opt_count_refs(e->args[i], col);
    return n;
}

bool opt_trivial(const Expr *e) { return e->kind == EXPR_COLUMN || e->kind == EXPR_CONST; }

/* ------------------------------------------------------------------ column rewriting */

typedef Expr *(*ColumnFn)(Arena *a, Expr *col, const void *ud);

/*
** Rebuild e with every column reference replaced by fn(col); shares every
** subtree in which nothing changed.
*/
static Expr *rewrite_columns(Arena *a, Expr *e, ColumnFn fn, const void *ud) {
    if (e->kind == EXPR_COLUMN) return fn(a, e, ud);
    Expr **args = NULL;
    for (int i = 0; i < e->nargs; i++) {
        Expr *n = rewrite_columns(a, e->args[i], fn, ud);
        if (n != e->args[i] && !args) {
            args = ARENA_ARRAY(a, Expr *, e->nargs);
            memcpy(args, e->args, sizeof *args * (size_t)e->nargs);
        }
        if (args) args[i] = n;
    }
    if (!args) return e;
    Expr *c = arena_memdup(a, e, sizeof *e);
    c->args = args;
    return c;
}

static Expr *column_at(Arena *a, Expr *col, int to) {
    if (col->col == to) return col;
    Expr *c = arena_memdup(a, col, sizeof *col);
    c->col = to;
    return c;
}

static Expr *remap_fn(Arena *a, Expr *col, const void *ud) {
    return column_at(a, col, ((const int *)ud)[col->col]);
}

static Expr *shift_fn(Arena *a, Expr *col, const void *ud) {
    return column_at(a, col, col->col + *(const int *)ud);
}

static Expr *subst_fn(Arena *a, Expr *col, const void *ud) {
    (void)a;
    return ((Expr *const *)ud)[col->col];
}

Expr *opt_remap(Arena *a, Expr *e, const int *map) { return rewrite_columns(a, e, remap_fn, map); }

Expr *opt_shift(Arena *a, Expr *e, int delta) {
    return delta ? rewrite_columns(a, e, shift_fn, &delta) : e;
}

Expr *opt_substitute(Arena *a, Expr *e, Expr *const *exprs) {
    return rewrite_columns(a, e, subst_fn, exprs);
}

/* ------------------------------------------------------------------ conjuncts */

static void collect_conjuncts(Expr *e, Expr **out, int *n) {
    if (e->kind == EXPR_AND) {
        for (int i = 0; i < e->nargs; i++) collect_conjuncts(e->args[i], out, n);
    } else {
        if (out) out[*n] = e;
        (*n)++;
    }
}

int opt_conjuncts(Arena *a, Expr *e, Expr ***out) {
    int n = 0;
    collect_conjuncts(e, NULL, &n);
    *out = ARENA_ARRAY(a, Expr *, n);
    n = 0;
    collect_conjuncts(e, *out, &n);
    return n;
}

Expr *opt_and(Arena *a, Expr **list, int n) {
    if (n == 0) return NULL;
    if (n == 1) return list[0];
    Expr *e = expr_new(a, EXPR_AND, TYPE_BOOL, n);
    memcpy(e->args, list, sizeof *list * (size_t)n);
    e->pos = -1;
    e->name = "AND";
    return e;
}

Expr *opt_and2(Arena *a, Expr *x, Expr *y) {
    if (!x) return y;
    if (!y) return x;
    Expr **xs, **ys;
    int nx = opt_conjuncts(a, x, &xs), ny = opt_conjuncts(a, y, &ys);
    Expr **all = ARENA_ARRAY(a, Expr *, nx + ny);
    memcpy(all, xs, sizeof *xs * (size_t)nx);
    memcpy(all + nx, ys, sizeof *ys * (size_t)ny);
    return opt_and(a, all, nx + ny);
}

Expr *opt_call(Arena *a, const char *name, Expr **args, int nargs) {
    Type argt[4] = {TYPE_NULL}, casts[4] = {TYPE_NULL};
    const FuncDef *fn = NULL;
    if (nargs > 4) return NULL;
    for (int i = 0; i < nargs; i++) argt[i] = args[i]->type;
    if (func_resolve(name, nargs, argt, &fn, casts) != FUNC_OK || !fn) return NULL;
    for (int i = 0; i < nargs; i++)
        if (casts[i] != argt[i]) return NULL;
    Expr *e = expr_new(a, EXPR_CALL, fn->ret, nargs);
    e->fn = fn;
    e->name = fn->name;
    e->pos = -1;
    memcpy(e->args, args, sizeof *args * (size_t)nargs);
    return e;
}

/* ------------------------------------------------------------------ node expressions */

static bool rewrite_slot(PlanCtx *pc, Expr **slot, ExprRewrite fn, void *ud) {
    if (!*slot) return false;
    Expr *n = fn(pc, *slot, ud);
    if (n == *slot) return false;
    *slot = n;
    return true;
}

bool opt_rewrite_node_exprs(PlanCtx *pc, Plan *p, ExprRewrite fn, void *ud) {
    bool ch = false;
    switch (p->kind) {
    case PLAN_SCAN: ch |= rewrite_slot(pc, &p->u.scan.filter, fn, ud); break;
    case PLAN_FILTER: ch |= rewrite_slot(pc, &p->u.filter.pred, fn, ud); break;
    case PLAN_PROJECT:
        for (int i = 0; i < p->u.project.n; i++) ch |= rewrite_slot(pc, &p->u.project.exprs[i], fn, ud);
        break;
    case PLAN_AGGREGATE:
        for (int i = 0; i < p->u.agg.ngroups; i++) ch |= rewrite_slot(pc, &p->u.agg.groups[i], fn, ud);
        for (int i = 0; i < p->u.agg.naggs; i++) ch |= rewrite_slot(pc, &p->u.agg.aggs[i].arg, fn, ud);
        break;
    case PLAN_JOIN:
        for (int i = 0; i < p->u.join.nkeys; i++) {
            ch |= rewrite_slot(pc, &p->u.join.lkeys[i], fn, ud);
            ch |= rewrite_slot(pc, &p->u.join.rkeys[i], fn, ud);
        }
        ch |= rewrite_slot(pc, &p->u.join.residual, fn, ud);
        break;
    case PLAN_SORT:
        for (int i = 0; i < p->u.sort.nkeys; i++) ch |= rewrite_slot(pc, &p->u.sort.keys[i].expr, fn, ud);
        break;
    case PLAN_ROWNUMBER:
    case PLAN_TOPN:
        for (int i = 0; i < p->u.topn.npartition; i++) ch |= rewrite_slot(pc, &p->u.topn.partition[i], fn, ud);
        for (int i = 0; i < p->u.topn.nkeys; i++) ch |= rewrite_slot(pc, &p->u.topn.keys[i].expr, fn, ud);
        break;
    default: break;
    }
    return ch;
}

/* ------------------------------------------------------------------ schemas and nodes */

Schema opt_schema_copy(Arena *a, const Schema *s) {
    Schema r = {s->ncols, ARENA_ARRAY(a, Column, s->ncols > 0 ? s->ncols : 1)};
    if (s->ncols > 0) memcpy(r.cols, s->cols, sizeof *r.cols * (size_t)s->ncols);
    return r;
}

Schema opt_schema_concat(Arena *a, const Schema *l, const Schema *r) {
    Schema s = {l->ncols + r->ncols, ARENA_ARRAY(a, Column, l->ncols + r->ncols + 1)};
    if (l->ncols) memcpy(s.cols, l->cols, sizeof *s.cols * (size_t)l->ncols);
    if (r->ncols) memcpy(s.cols + l->ncols, r->cols, sizeof *s.cols * (size_t)r->ncols);
    return s;
}

Plan *opt_node(Arena *a, PlanKind kind, Plan *left, Plan *right, const Schema *schema) {
    Plan *p = plan_new(a, kind, left, right);
    p->schema = *schema;
    return p;
}

Plan *opt_filter(Arena *a, Plan *child, Expr *pred) {
    Plan *f = opt_node(a, PLAN_FILTER, child, NULL, &child->schema);
    f->u.filter.pred = pred;
    return f;
}

Plan *opt_empty(Arena *a, const Schema *schema) {
    Plan *p = opt_node(a, PLAN_VALUES, NULL, NULL, schema);
    p->u.values.nrows = 0;
    p->u.values.rows = NULL;
    return p;
}

bool opt_is_empty(const Plan *p) { return p->kind == PLAN_VALUES && p->u.values.nrows == 0; }

bool opt_replaceable(const Plan *p) {
    if (!p) return true;
    if (p->kind == PLAN_SCAN && p->u.scan.streaming) return false;
    return opt_replaceable(p->left) && opt_replaceable(p->right);
}

/* ------------------------------------------------------------------ aggregate names */

const char *opt_agg_func_name(AggKind k) {
    switch (k) {
    case AGG_COUNT_STAR:
    case AGG_COUNT: return "count";
    case AGG_SUM: return "sum";
    case AGG_MIN: return "min";
    case AGG_MAX: return "max";
    case AGG_AVG: return "avg";
    }
    return "?";
}

const char *opt_agg_name(Arena *a, const AggSpec *s, const Schema *input) {
    if (s->kind == AGG_COUNT_STAR || !s->arg) return "count(*)";
    return arena_printf(a, "%s(%s%s)", opt_agg_func_name(s->kind), s->distinct ? "DISTINCT " : "",
                        explain_expr(a, s->arg, input, 0));
}
