/*
** Expression rules: ConstantFolding and BooleanSimplification.  Both rewrite
** every expression of a node (filters, projections, groups, aggregate
** arguments, join keys and conditions, sort keys) and leave the node's shape
** alone; the filter rules (rules_filter.c) then act on the constants they
** produce.
*/
#include <string.h>

#include "../exec/expr.h"
#include "optimizer.h"

/* ------------------------------------------------------------------ ConstantFolding */

/*
** Replace e by a constant if it has no column reference and no volatile call
** and evaluates without error.  The largest foldable subtree is tried first,
** so `CASE WHEN false THEN 1/0 ELSE 2 END` becomes 2 (the evaluator never
** runs the dead branch); when evaluation fails (1/0), the children are tried
** one by one and the failing part stays, to fail at run time only if a row
** actually reaches it.  Plan-time errors are discarded.
*/
static Expr *fold(PlanCtx *pc, Expr *e, bool foldable) {
    if (e->kind == EXPR_CONST || e->kind == EXPR_COLUMN) return e;
    if (foldable) {
        Err err;
        err_clear(&err);
        FuncCtx fc = {.arena = pc->arena, .now_us = pc->now_us, .err = &err};
        Value v;
        memset(&v, 0, sizeof v);
        if (expr_eval_const(&fc, e, &v) >= 0 && !err.set && (v.null || v.type == e->type)) {
            v.type = e->type;
            if (!v.null && v.type == TYPE_TEXT) v.u.s = str_dup(pc->arena, v.u.s);
            Expr *c = expr_const(pc->arena, &v);
            c->type = e->type;
            c->pos = e->pos;
            return c;
        }
    }
    Expr **args = NULL;
    for (int i = 0; i < e->nargs; i++) {
        Expr *a = e->args[i];
        Expr *n = fold(pc, a, !opt_has_columns(a) && opt_deterministic(a));
        if (n != a && !args) {
            args = ARENA_ARRAY(pc->arena, Expr *, e->nargs);
            memcpy(args, e->args, sizeof *args * (size_t)e->nargs);
        }
        if (args) args[i] = n;
    }
    if (!args) return e;
    Expr *c = arena_memdup(pc->arena, e, sizeof *e);
    c->args = args;
    return c;
}

static Expr *fold_top(PlanCtx *pc, Expr *e, void *ud) {
    (void)ud;
    return fold(pc, e, !opt_has_columns(e) && opt_deterministic(e));
}

int rule_constant_folding(PlanCtx *pc, Plan **node, bool *changed) {
    if (opt_rewrite_node_exprs(pc, *node, fold_top, NULL)) *changed = true;
    return 0;
}

/* ------------------------------------------------------------------ BooleanSimplification */

/* The comparison that is the negation of `name`, for NOT (a < b) -> a >= b. */
static const char *negated_comparison(const char *name) {
    static const char *const pairs[][2] = {
        {"=", "<>"}, {"<>", "="}, {"!=", "="}, {"<", ">="}, {">=", "<"}, {">", "<="}, {"<=", ">"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (strcmp(pairs[i][0], name) == 0) return pairs[i][1];
    return NULL;
}

/*
** NOT (a op b) -> a op' b.  Exact under three-valued logic (NULL stays NULL)
** for every type with a total order; not for DOUBLE, where NaN makes both
** a < b and a >= b false.
*/
static Expr *negate_comparison(Arena *a, const Expr *cmp) {
    if (cmp->kind != EXPR_CALL || !cmp->fn || cmp->nargs != 2) return NULL;
    const char *neg = negated_comparison(cmp->fn->name);
    if (!neg) return NULL;
    for (int i = 0; i < 2; i++) {
        Type t = cmp->args[i]->type;
        if (t == TYPE_DOUBLE || t == TYPE_NULL) return NULL;
    }
    Expr *e = opt_call(a, neg, cmp->args, 2);
    if (!e && strcmp(neg, "<>") == 0) e = opt_call(a, "!=", cmp->args, 2);
    if (!e || e->type != TYPE_BOOL) return NULL;
    e->pos = cmp->pos;
    return e;
}

/*
** AND / OR with children already simplified: flatten nested nodes of the same
** kind, drop the neutral constant (TRUE for AND, FALSE for OR), collapse to
** the absorbing one (x AND FALSE is FALSE even when x is NULL), drop repeated
** deterministic conjuncts.  Returns e itself when nothing applies.
*/
static Expr *simplify_andor(Arena *a, Expr *e) {
    bool is_and = e->kind == EXPR_AND;
    int n = 0;
    for (int i = 0; i < e->nargs; i++) n += e->args[i]->kind == e->kind ? e->args[i]->nargs : 1;
    Expr **flat = ARENA_ARRAY(a, Expr *, n + 1);
    n = 0;
    for (int i = 0; i < e->nargs; i++) {
        Expr *c = e->args[i];
        if (c->kind == e->kind)
            for (int j = 0; j < c->nargs; j++) flat[n++] = c->args[j];
        else
            flat[n++] = c;
    }
    bool changed = n != e->nargs;
    int k = 0;
    for (int i = 0; i < n; i++) {
        Expr *c = flat[i];
        if (is_and ? opt_is_false(c) : opt_is_true(c)) return opt_bool(a, !is_and);
        if (is_and ? opt_is_true(c) : opt_is_false(c)) {
            changed = true;
            continue;
        }
        bool dup = false;
        if (opt_deterministic(c))
            for (int j = 0; j < k && !dup; j++) dup = expr_equal(flat[j], c);
        if (dup) {
            changed = true;
            continue;
        }
        flat[k++] = c;
    }
    if (!changed) return e;
    if (k == 0) return opt_bool(a, is_and);
    if (k == 1) return opt_with_type(a, flat[0], e->type);
    Expr *r = expr_new(a, e->kind, e->type, k);
    memcpy(r->args, flat, sizeof *flat * (size_t)k);
    r->pos = e->pos;
    r->name = e->name;
    return r;
}

static Expr *simplify_not(Arena *a, Expr *e) {
    Expr *x = e->args[0];
    switch (x->kind) {
    case EXPR_NOT: return opt_with_type(a, x->args[0], e->type);
    case EXPR_IS_NULL:
    case EXPR_IS_NOT_NULL: {
        Expr *r = expr_new(a, x->kind == EXPR_IS_NULL ? EXPR_IS_NOT_NULL : EXPR_IS_NULL, e->type, 1);
        r->args[0] = x->args[0];
        r->pos = e->pos;
        return r;
    }
    case EXPR_CALL: {
        Expr *r = negate_comparison(a, x);
        return r ? r : e;
    }
    default: return e;
    }
}

/*
** CASE with constant conditions: branches whose WHEN is FALSE or NULL can
** never be taken; a TRUE WHEN ends the CASE (its THEN becomes the ELSE);
** a CASE left with no branch is its ELSE.
*/
static Expr *simplify_case(Arena *a, Expr *e) {
    int nb = (e->nargs - (e->has_else ? 1 : 0)) / 2;
    Expr *els = e->has_else ? e->args[e->nargs - 1] : NULL;
    Expr **args = ARENA_ARRAY(a, Expr *, e->nargs + 1);
    int k = 0;
    bool changed = false;
    for (int i = 0; i < nb; i++) {
        Expr *w = e->args[2 * i], *t = e->args[2 * i + 1];
        if (opt_is_false(w) || opt_is_null(w)) {
            changed = true;
            continue;
        }
        if (opt_is_true(w)) {
            changed = changed || i + 1 < nb || els != t;
            els = t;
            break;
        }
        args[k++] = w;
        args[k++] = t;
    }
    if (!changed) return e;
    if (k == 0) return els ? opt_with_type(a, els, e->type) : opt_null(a, e->type);
    if (els) args[k++] = els;
    Expr *r = expr_new(a, EXPR_CASE, e->type, k);
    memcpy(r->args, args, sizeof *args * (size_t)k);
    r->has_else = els != NULL;
    r->pos = e->pos;
    r->name = e->name;
    return r;
}

/* Bottom-up: children first, so a parent sees simplified children. */
static Expr *simplify(PlanCtx *pc, Expr *e, void *ud) {
    Arena *a = pc->arena;
    Expr **args = NULL;
    for (int i = 0; i < e->nargs; i++) {
        Expr *n = simplify(pc, e->args[i], ud);
        if (n != e->args[i] && !args) {
            args = ARENA_ARRAY(a, Expr *, e->nargs);
            memcpy(args, e->args, sizeof *args * (size_t)e->nargs);
        }
        if (args) args[i] = n;
    }
    if (args) {
        e = arena_memdup(a, e, sizeof *e);
        e->args = args;
    }
    switch (e->kind) {
    case EXPR_AND:
    case EXPR_OR: return e->nargs > 0 ? simplify_andor(a, e) : e;
    case EXPR_NOT: return e->nargs == 1 ? simplify_not(a, e) : e;
    case EXPR_CASE: return simplify_case(a, e);
    default: return e;
    }
}

int rule_boolean_simplification(PlanCtx *pc, Plan **node, bool *changed) {
    if (opt_rewrite_node_exprs(pc, *node, simplify, NULL)) *changed = true;
    return 0;
}
