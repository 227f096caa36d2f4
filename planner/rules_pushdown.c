/*
** Predicate pushdown and join-key extraction.
**
** PushDownPredicates moves the conjuncts of a filter as close to the data as
** they can go, so fewer rows flow through the plan and scans can filter while
** reading:
**   - through a projection, by substituting the projected expressions (only
**     when they are deterministic);
**   - below a sort, and below a TUMBLE/HOP window when the conjunct reads only
**     input columns (each row's windows depend on that row alone; a SESSION
**     window depends on its neighbours, so nothing passes it);
**   - below an aggregate, for conjuncts on grouping columns only (a group is
**     kept or dropped as a whole either way), never below one without
**     GROUP BY (it returns a row even for no input);
**   - below a row number or top-N, for conjuncts on columns that are
**     PARTITION BY keys only (a partition is kept or dropped as a whole, so
**     the numbers of the rows kept do not change);
**   - into the sides of a join: an inner join takes conjuncts on one side
**     into that side and the rest into its condition; above a LEFT join only
**     conjuncts on the left side may move (into the left input), and of the
**     LEFT join's own ON condition only conjuncts on the right side (into the
**     right input): a left row never disappears because of its ON condition;
**   - into a scan, as the scan's filter.
** A conjunct that calls a volatile function stays where it is.
**
** ExtractJoinKeys turns equalities `l = r` of a join condition, l on left
** columns only and r on right columns only, into hash keys.
*/
#include <string.h>

#include "../exec/functions.h"
#include "optimizer.h"

/* A conjunct list being split between "moves" and "stays". */
typedef struct Split {
    int n;
    Expr **c;
} Split;

static void add(Split *s, Expr *e) { s->c[s->n++] = e; }

static Split split_new(Arena *a, int cap) {
    Split s = {0, ARENA_ARRAY(a, Expr *, cap + 1)};
    return s;
}

/* ------------------------------------------------------------------ filter over X */

/* Does every column conjunct c reads map to a deterministic expression of exprs? */
static bool substitutable(const Expr *c, Expr *const *exprs, int n) {
    if (c->kind == EXPR_COLUMN) return c->col >= 0 && c->col < n && opt_deterministic(exprs[c->col]);
    for (int i = 0; i < c->nargs; i++)
        if (!substitutable(c->args[i], exprs, n)) return false;
    return true;
}

/*
** Put `moved` conjuncts (already rewritten for the child's columns) in a
** filter between `parent` and its input, and keep `stay` in filter f (or
** drop f when nothing stays).  *node ends up pointing at what replaces f.
*/
static void finish_split(PlanCtx *pc, Plan **node, Plan *f, Plan *parent, Split *moved, Split *stay) {
    parent->left = opt_filter(pc->arena, parent->left, opt_and(pc->arena, moved->c, moved->n));
    if (stay->n == 0) {
        *node = parent;
    } else {
        f->u.filter.pred = opt_and(pc->arena, stay->c, stay->n);
        f->left = parent;
    }
}

static void push_through_project(PlanCtx *pc, Plan **node, Expr **cs, int n, bool *changed) {
    Plan *f = *node, *proj = f->left;
    Split moved = split_new(pc->arena, n), stay = split_new(pc->arena, n);
    for (int i = 0; i < n; i++) {
        if (opt_deterministic(cs[i]) && substitutable(cs[i], proj->u.project.exprs, proj->u.project.n))
            add(&moved, opt_substitute(pc->arena, cs[i], proj->u.project.exprs));
        else
            add(&stay, cs[i]);
    }
    if (moved.n == 0) return;
    finish_split(pc, node, f, proj, &moved, &stay);
    *changed = true;
}

static void push_through_aggregate(PlanCtx *pc, Plan **node, Expr **cs, int n, bool *changed) {
    Plan *f = *node, *agg = f->left;
    int ng = agg->u.agg.ngroups;
    if (ng == 0) return;
    Split moved = split_new(pc->arena, n), stay = split_new(pc->arena, n);
    for (int i = 0; i < n; i++) {
        if (opt_deterministic(cs[i]) && substitutable(cs[i], agg->u.agg.groups, ng))
            add(&moved, opt_substitute(pc->arena, cs[i], agg->u.agg.groups));
        else
            add(&stay, cs[i]);
    }
    if (moved.n == 0) return;
    finish_split(pc, node, f, agg, &moved, &stay);
    *changed = true;
}

static void push_through_window(PlanCtx *pc, Plan **node, Expr **cs, int n, bool *changed) {
    Plan *f = *node, *w = f->left;
    if (w->u.window.kind == WINDOW_SESSION || !w->left) return;
    int nin = w->left->schema.ncols;
    Split moved = split_new(pc->arena, n), stay = split_new(pc->arena, n);
    for (int i = 0; i < n; i++) {
        if (opt_deterministic(cs[i]) && opt_sides(cs[i], nin) == 1)
            add(&moved, cs[i]);
        else
            add(&stay, cs[i]);
    }
    if (moved.n == 0) return;
    finish_split(pc, node, f, w, &moved, &stay);
    *changed = true;
}

/* Does c read only input columns marked in part[0..n)? */
static bool only_columns(const Expr *c, const bool *part, int n) {
    if (c->kind == EXPR_COLUMN) return c->col >= 0 && c->col < n && part[c->col];
    for (int i = 0; i < c->nargs; i++)
        if (!only_columns(c->args[i], part, n)) return false;
    return true;
}

static void push_through_topn(PlanCtx *pc, Plan **node, Expr **cs, int n, bool *changed) {
    Plan *f = *node, *t = f->left;
    if (!t->left) return;
    int nin = t->left->schema.ncols;
    bool *part = ARENA_ARRAY(pc->arena, bool, nin + 1);
    for (int i = 0; i < t->u.topn.npartition; i++) {
        const Expr *e = t->u.topn.partition[i];
        if (e->kind == EXPR_COLUMN && e->col >= 0 && e->col < nin) part[e->col] = true;
    }
    Split moved = split_new(pc->arena, n), stay = split_new(pc->arena, n);
    for (int i = 0; i < n; i++) {
        if (opt_deterministic(cs[i]) && only_columns(cs[i], part, nin))
            add(&moved, cs[i]);
        else
            add(&stay, cs[i]);
    }
    if (moved.n == 0) return;
    finish_split(pc, node, f, t, &moved, &stay);
    *changed = true;
}

/* Filter above a join: see the file comment for which conjunct may go where. */
static void push_into_join(PlanCtx *pc, Plan **node, Expr **cs, int n, bool *changed) {
    Plan *f = *node, *j = f->left;
    if (!j->left || !j->right) return;
    int nl = j->left->schema.ncols;
    bool inner = j->u.join.kind == PJOIN_INNER;
    Split left = split_new(pc->arena, n), right = split_new(pc->arena, n), cond = split_new(pc->arena, n),
          stay = split_new(pc->arena, n);
    for (int i = 0; i < n; i++) {
        Expr *c = cs[i];
        int sides = opt_sides(c, nl);
        if (!opt_deterministic(c))
            add(&stay, c);
        else if (sides == 0 || sides == 1)
            add(&left, c);
        else if (!inner)
            add(&stay, c);
        else if (sides == 2)
            add(&right, opt_shift(pc->arena, c, -nl));
        else
            add(&cond, c);
    }
    if (stay.n == n) return;
    if (left.n) j->left = opt_filter(pc->arena, j->left, opt_and(pc->arena, left.c, left.n));
    if (right.n) j->right = opt_filter(pc->arena, j->right, opt_and(pc->arena, right.c, right.n));
    if (cond.n) j->u.join.residual = opt_and2(pc->arena, j->u.join.residual, opt_and(pc->arena, cond.c, cond.n));
    if (stay.n == 0) {
        *node = j;
    } else {
        f->u.filter.pred = opt_and(pc->arena, stay.c, stay.n);
    }
    *changed = true;
}

static void push_filter(PlanCtx *pc, Plan **node, bool *changed) {
    Plan *f = *node, *child = f->left;
    if (!child) return;
    Expr **cs;
    int n;
    switch (child->kind) {
    case PLAN_SCAN:
        child->u.scan.filter = opt_and2(pc->arena, child->u.scan.filter, f->u.filter.pred);
        child->schema = f->schema;
        *node = child;
        *changed = true;
        return;
    case PLAN_SORT:
        /* Filter(Sort(x)) -> Sort(Filter(x)): same rows, fewer to sort. */
        f->left = child->left;
        child->left = f;
        *node = child;
        *changed = true;
        return;
    case PLAN_PROJECT:
        n = opt_conjuncts(pc->arena, f->u.filter.pred, &cs);
        push_through_project(pc, node, cs, n, changed);
        return;
    case PLAN_AGGREGATE:
        n = opt_conjuncts(pc->arena, f->u.filter.pred, &cs);
        push_through_aggregate(pc, node, cs, n, changed);
        return;
    case PLAN_WINDOW:
        n = opt_conjuncts(pc->arena, f->u.filter.pred, &cs);
        push_through_window(pc, node, cs, n, changed);
        return;
    case PLAN_ROWNUMBER:
    case PLAN_TOPN:
        n = opt_conjuncts(pc->arena, f->u.filter.pred, &cs);
        push_through_topn(pc, node, cs, n, changed);
        return;
    case PLAN_JOIN:
        n = opt_conjuncts(pc->arena, f->u.filter.pred, &cs);
        push_into_join(pc, node, cs, n, changed);
        return;
    default: return;
    }
}

/* ------------------------------------------------------------------ join conditions */

/*
** Conjuncts of a join's own condition that read one side only become a
** filter on that side: for an inner join either side, for a LEFT join only
** the right (a left row stays, matched or not).  Constant conjuncts stay.
*/
static void push_join_condition(PlanCtx *pc, Plan *j, bool *changed) {
    if (!j->u.join.residual || !j->left || !j->right) return;
    int nl = j->left->schema.ncols;
    bool inner = j->u.join.kind == PJOIN_INNER;
    Expr **cs;
    int n = opt_conjuncts(pc->arena, j->u.join.residual, &cs);
    Split left = split_new(pc->arena, n), right = split_new(pc->arena, n), stay = split_new(pc->arena, n);
    for (int i = 0; i < n; i++) {
        Expr *c = cs[i];
        int sides = opt_sides(c, nl);
        if (!opt_deterministic(c) || sides == 0 || sides == 3)
            add(&stay, c);
        else if (sides == 1 && inner)
            add(&left, c);
        else if (sides == 2)
            add(&right, opt_shift(pc->arena, c, -nl));
        else
            add(&stay, c);
    }
    if (stay.n == n) return;
    if (left.n) j->left = opt_filter(pc->arena, j->left, opt_and(pc->arena, left.c, left.n));
    if (right.n) j->right = opt_filter(pc->arena, j->right, opt_and(pc->arena, right.c, right.n));
    j->u.join.residual = opt_and(pc->arena, stay.c, stay.n);
    *changed = true;
}

int rule_push_down_predicates(PlanCtx *pc, Plan **node, bool *changed) {
    if ((*node)->kind == PLAN_FILTER)
        push_filter(pc, node, changed);
    else if ((*node)->kind == PLAN_JOIN)
        push_join_condition(pc, *node, changed);
    return 0;
}

/* ------------------------------------------------------------------ ExtractJoinKeys */

/* The type both sides of an equality are compared in, or TYPE_NULL when there is none. */
static Type common_type(Type a, Type b) {
    if (a == b) return a;
    if (type_implicit_cast(a, b)) return b;
    if (type_implicit_cast(b, a)) return a;
    return TYPE_NULL;
}

/*
** Residual conjuncts `l = r` with l reading only left columns and r only
** right ones (either order) become key pairs; both keys are cast to a common
** type when they differ.  A hash join on keys rejects NULL keys exactly as
** `=` does (NULL = x is not TRUE), so the rewrite is exact.
*/
int rule_extract_join_keys(PlanCtx *pc, Plan **node, bool *changed) {
    Plan *j = *node;
    if (!j->u.join.residual || !j->left || !j->right) return 0;
    int nl = j->left->schema.ncols;
    Expr **cs;
    int n = opt_conjuncts(pc->arena, j->u.join.residual, &cs);
    int nk = j->u.join.nkeys;
    Expr **lk = ARENA_ARRAY(pc->arena, Expr *, nk + n + 1), **rk = ARENA_ARRAY(pc->arena, Expr *, nk + n + 1);
    if (nk) {
        memcpy(lk, j->u.join.lkeys, sizeof *lk * (size_t)nk);
        memcpy(rk, j->u.join.rkeys, sizeof *rk * (size_t)nk);
    }
    Split stay = split_new(pc->arena, n);
    int found = 0;
    for (int i = 0; i < n; i++) {
        Expr *c = cs[i];
        if (c->kind != EXPR_CALL || !c->fn || c->nargs != 2 || strcmp(c->fn->name, "=") != 0 ||
            !opt_deterministic(c)) {
            add(&stay, c);
            continue;
        }
        Expr *a = c->args[0], *b = c->args[1];
        int sa = opt_sides(a, nl), sb = opt_sides(b, nl);
        if (sa == 2 && sb == 1) {
            Expr *t = a;
            a = b;
            b = t;
            int st = sa;
            sa = sb;
            sb = st;
        }
        Type t = common_type(a->type, b->type);
        if (sa != 1 || sb != 2 || t == TYPE_NULL) {
            add(&stay, c);
            continue;
        }
        lk[nk] = opt_with_type(pc->arena, a, t);
        rk[nk] = opt_with_type(pc->arena, opt_shift(pc->arena, b, -nl), t);
        nk++;
        found++;
    }
    if (!found) return 0;
    j->u.join.nkeys = nk;
    j->u.join.lkeys = lk;
    j->u.join.rkeys = rk;
    j->u.join.residual = opt_and(pc->arena, stay.c, stay.n);
    *changed = true;
    return 0;
}
