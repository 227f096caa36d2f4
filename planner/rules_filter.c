/*
** Filter rules: SimplifyFilters (constant predicates), CombineFilters
** (adjacent filters become one AND) and PropagateEmptyRelation (operators
** over a relation known to be empty are empty themselves).
**
** An empty relation is a PLAN_VALUES node with no rows and the schema of the
** node it replaces.  An aggregate without GROUP BY over an empty input is NOT
** empty (it yields its one row: COUNT(*) = 0), so it stops the propagation;
** the executor produces that row.
*/
#include "optimizer.h"

/*
** A predicate that lets no row through: FALSE or NULL, or an AND with such a
** conjunct (`x AND NULL` is never TRUE, though it is not FALSE either, so
** BooleanSimplification cannot fold it; a filter can).
*/
static bool rejects_all(const Expr *e) {
    if (!e) return false;
    if (opt_is_false(e) || opt_is_null(e)) return true;
    if (e->kind == EXPR_AND)
        for (int i = 0; i < e->nargs; i++)
            if (rejects_all(e->args[i])) return true;
    return false;
}

/*
** Filter TRUE -> its input; filter FALSE/NULL -> empty.  The same for a
** predicate pushed into a scan, and for an inner join's condition (a LEFT
** join with a false condition still returns every left row, so it stays).
*/
int rule_simplify_filters(PlanCtx *pc, Plan **node, bool *changed) {
    Plan *p = *node;
    switch (p->kind) {
    case PLAN_FILTER:
        if (opt_is_true(p->u.filter.pred)) {
            *node = p->left;
            *changed = true;
        } else if (rejects_all(p->u.filter.pred) && opt_replaceable(p)) {
            *node = opt_empty(pc->arena, &p->schema);
            *changed = true;
        }
        break;
    case PLAN_SCAN:
        if (opt_is_true(p->u.scan.filter)) {
            p->u.scan.filter = NULL;
            *changed = true;
        } else if (rejects_all(p->u.scan.filter) && opt_replaceable(p)) {
            *node = opt_empty(pc->arena, &p->schema);
            *changed = true;
        }
        break;
    case PLAN_JOIN:
        if (opt_is_true(p->u.join.residual)) {
            p->u.join.residual = NULL;
            *changed = true;
        } else if (p->u.join.kind == PJOIN_INNER && rejects_all(p->u.join.residual) && opt_replaceable(p)) {
            *node = opt_empty(pc->arena, &p->schema);
            *changed = true;
        }
        break;
    default: break;
    }
    return 0;
}

/*
** Filter(Filter(x, inner), outer) -> Filter(x, inner AND outer).  Only for
** deterministic predicates: a volatile one must keep seeing exactly the rows
** it saw.  The inner predicate goes first, so an evaluator that
** short-circuits still tests the guard (x <> 0) before what it guards (1/x).
*/
int rule_combine_filters(PlanCtx *pc, Plan **node, bool *changed) {
    Plan *outer = *node, *inner = outer->left;
    if (!inner || inner->kind != PLAN_FILTER) return 0;
    if (!opt_deterministic(outer->u.filter.pred) || !opt_deterministic(inner->u.filter.pred)) return 0;
    inner->u.filter.pred = opt_and2(pc->arena, inner->u.filter.pred, outer->u.filter.pred);
    inner->schema = outer->schema;
    *node = inner;
    *changed = true;
    return 0;
}

/*
** Operators whose input is empty: filter, project, sort, limit, window, row
** number, top-N and a grouped aggregate produce nothing; an inner join with
** an empty side, or a left join with an empty left side, neither.
*/
int rule_propagate_empty_relation(PlanCtx *pc, Plan **node, bool *changed) {
    Plan *p = *node;
    bool empty = false;
    switch (p->kind) {
    case PLAN_FILTER:
    case PLAN_PROJECT:
    case PLAN_SORT:
    case PLAN_LIMIT:
    case PLAN_WINDOW:
    case PLAN_ROWNUMBER:
    case PLAN_TOPN: empty = p->left && opt_is_empty(p->left); break;
    case PLAN_AGGREGATE: empty = p->u.agg.ngroups > 0 && p->left && opt_is_empty(p->left); break;
    case PLAN_JOIN:
        empty = opt_is_empty(p->left) || (p->u.join.kind == PJOIN_INNER && opt_is_empty(p->right));
        if (empty) empty = opt_replaceable(p);   /* the other side may be a stream */
        break;
    default: break;
    }
    if (empty) {
        *node = opt_empty(pc->arena, &p->schema);
        *changed = true;
    }
    return 0;
}
