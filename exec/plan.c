/*
** Constructors and structural helpers for plans and bound expressions.
**
** The binder builds Plan and Expr trees with these, the optimizer copies and
** compares expressions with them (expr_copy before rewriting a shared
** subtree, expr_equal to find common expressions such as a GROUP BY key
** repeated in the select list).  Everything is allocated in the arena the
** caller passes, which is the statement arena (or the query arena of a
** continuous query); nothing here is ever freed individually.
*/
#include "plan.h"

#include <string.h>

/*
** A zeroed plan node of `kind` over the given inputs; the schema is left
** empty.  Fields whose "none" is -1 start so (no limit, no watermark column,
** no window_end group).
*/
Plan *plan_new(Arena *a, PlanKind kind, Plan *left, Plan *right) {
    Plan *p = ARENA_NEW(a, Plan);
    p->kind = kind;
    p->left = left;
    p->right = right;
    if (kind == PLAN_LIMIT) p->u.limit.limit = -1;
    if (kind == PLAN_ROWNUMBER) p->u.topn.limit = -1;
    if (kind == PLAN_AGGREGATE) p->u.agg.window_end_group = -1;
    if (kind == PLAN_SCAN) p->u.scan.watermark_col = p->u.scan.watermark_out = -1;
    return p;
}

/*
** A new expression of `kind` with room for nargs argument pointers (all
** NULL); pos is -1 (synthesized) until the binder sets it.
*/
Expr *expr_new(Arena *a, ExprKind kind, Type type, int nargs) {
    Expr *e = ARENA_NEW(a, Expr);
    e->kind = kind;
    e->type = type;
    e->pos = -1;
    e->nargs = nargs > 0 ? nargs : 0;
    if (e->nargs) e->args = ARENA_ARRAY(a, Expr *, e->nargs);
    return e;
}

/* A reference to input column `col`; `name` is kept for EXPLAIN only. */
Expr *expr_column(Arena *a, int col, Type type, const char *name) {
    Expr *e = expr_new(a, EXPR_COLUMN, type, 0);
    e->col = col;
    e->name = name;
    return e;
}

/* A constant; string bytes are copied into `a` so the expression owns them. */
Expr *expr_const(Arena *a, const Value *v) {
    Expr *e = expr_new(a, EXPR_CONST, v->type, 0);
    e->value = *v;
    if (v->type == TYPE_NULL) e->value.null = true;
    if (!e->value.null && v->type == TYPE_TEXT) e->value.u.s = str_dup(a, v->u.s);
    return e;
}

/*
** Deep copy of `e` into `a`: the node, its arguments, constant strings and
** the display name.  The FuncDef pointer is shared (function rows are static).
*/
Expr *expr_copy(Arena *a, const Expr *e) {
    if (!e) return NULL;
    Expr *c = ARENA_NEW(a, Expr);
    *c = *e;
    if (e->kind == EXPR_CONST && !e->value.null && e->value.type == TYPE_TEXT)
        c->value.u.s = str_dup(a, e->value.u.s);
    if (e->name) c->name = arena_strdup(a, e->name);
    c->args = NULL;
    if (e->nargs > 0) {
        c->args = ARENA_ARRAY(a, Expr *, e->nargs);
        for (int i = 0; i < e->nargs; i++) c->args[i] = expr_copy(a, e->args[i]);
    }
    return c;
}

/*
** Two constants are equal when they have the same type and either are both
** NULL or hold the same value.  Doubles compare by bit pattern, so NaN
** equals NaN and 0.0 differs from -0.0: structural identity, not SQL `=`.
*/
static bool value_same(const Value *a, const Value *b) {
    if (a->type != b->type || a->null != b->null) return false;
    if (a->null) return true;
    switch (a->type) {
    case TYPE_NULL: return true;
    case TYPE_BOOL: return (a->u.b != 0) == (b->u.b != 0);
    case TYPE_DOUBLE: return memcmp(&a->u.d, &b->u.d, sizeof(double)) == 0;
    case TYPE_TEXT: return str_eq(a->u.s, b->u.s);
    default: return a->u.i == b->u.i;
    }
}

/*
** Structural equality: same kinds, types, columns, constants, functions and
** arguments.  Source positions and display names do not matter, so
** `SUM(x)` in HAVING equals `SUM(x)` in the select list.
*/
bool expr_equal(const Expr *a, const Expr *b) {
    if (a == b) return true;
    if (!a || !b) return false;
    if (a->kind != b->kind || a->type != b->type || a->nargs != b->nargs) return false;
    switch (a->kind) {
    case EXPR_CONST:
        if (!value_same(&a->value, &b->value)) return false;
        break;
    case EXPR_COLUMN:
        if (a->col != b->col) return false;
        break;
    case EXPR_CALL:
        if (a->fn != b->fn) return false;
        break;
    case EXPR_CASE:
        if (a->has_else != b->has_else) return false;
        break;
    default:
        break;
    }
    for (int i = 0; i < a->nargs; i++)
        if (!expr_equal(a->args[i], b->args[i])) return false;
    return true;
}

/*
** Follow output column `col` of p down to the node that produces it, through
** nodes that pass it on unchanged: filters, sorts, limits, bare-column
** projections, joins, the input columns of windows and row numbers, and
** bare-column aggregate groups.  *node / *ocol: the producer and its column.
** False when an expression computes the column on the way (or the plan is
** malformed).  Used by the planner (event-time marks) and the executor
** (window bounds of an aggregate).
*/
bool plan_col_origin(const Plan *p, int col, const Plan **node, int *ocol) {
    for (int depth = 0; p && depth < 100000; depth++) {
        if (col < 0 || col >= p->schema.ncols) return false;
        int nin = p->left ? p->left->schema.ncols : 0;
        switch (p->kind) {
        case PLAN_FILTER:
        case PLAN_SORT:
        case PLAN_LIMIT:
            if (!p->left) return false;
            p = p->left;
            continue;
        case PLAN_PROJECT: {
            const Expr *e = col < p->u.project.n ? p->u.project.exprs[col] : NULL;
            if (!e || e->kind != EXPR_COLUMN) return false;
            col = e->col;
            p = p->left;
            continue;
        }
        case PLAN_JOIN:
            if (col >= nin) {
                col -= nin;
                p = p->right;
            } else {
                p = p->left;
            }
            continue;
        case PLAN_WINDOW:
        case PLAN_ROWNUMBER:
        case PLAN_TOPN:
            if (p->left && col < nin) {
                p = p->left;
                continue;
            }
            break;
        case PLAN_AGGREGATE:
            if (col < p->u.agg.ngroups && p->u.agg.groups[col] && p->u.agg.groups[col]->kind == EXPR_COLUMN) {
                col = p->u.agg.groups[col]->col;
                p = p->left;
                continue;
            }
            break;
        default:
            break;
        }
        *node = p;
        *ocol = col;
        return true;
    }
    return false;
}
