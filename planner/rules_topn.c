/*
** RowNumberToTopN: the "top N per group" pattern.
**
**     SELECT * FROM (SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM t)
**     WHERE rn <= 3
**
** binds to a filter on the row number column, above (possibly through
** projections) the PLAN_ROWNUMBER node that computes it:
**
**     Filter (rn <= 3)                       Project [k, v, rn]
**       Project [k, v, row_number AS rn]  ->   TopN limit=3 partition=[k] order=[v DESC]
**         RowNumber partition=[k] ...            Scan t
**
** A row number node numbers every row of its partitions and keeps them all;
** a top-N keeps only rows 1..N of each partition, which is all the filter
** lets through, so it can drop the rest of a partition's rows as soon as it
** knows they rank too low (and, in a continuous query, emit changes of the
** top rows only).  The projections in between compute per row, so they
** commute with the filter.
**
** Conjuncts recognized (N a BIGINT constant, after ConstantFolding):
**     rn <= N, N >= rn      limit N
**     rn < N,  N > rn       limit N - 1
**     rn = 1,  1 = rn       limit 1
** Other conjuncts stay in the filter.  A filter over a top-N tightens its
** limit the same way.  A limit below 0 becomes 0 (no row passes).
*/
#include <string.h>

#include "../exec/functions.h"
#include "optimizer.h"

/* The row number / top-N node whose row number column is input column col of f, through projections. */
static Plan *rownumber_below(Plan *f, int col) {
    Plan *p = f->left;
    for (int depth = 0; p && depth < 10000; depth++) {
        if (col < 0 || col >= p->schema.ncols) return NULL;
        if (p->kind == PLAN_PROJECT) {
            const Expr *e = col < p->u.project.n ? p->u.project.exprs[col] : NULL;
            if (!e || e->kind != EXPR_COLUMN) return NULL;
            col = e->col;
            p = p->left;
            continue;
        }
        if ((p->kind == PLAN_ROWNUMBER || p->kind == PLAN_TOPN) && p->left && col == p->left->schema.ncols)
            return p;
        return NULL;
    }
    return NULL;
}

static bool bigint_const(const Expr *e, int64_t *v) {
    if (e->kind != EXPR_CONST || e->type != TYPE_BIGINT || e->value.null || e->value.type != TYPE_BIGINT)
        return false;
    *v = e->value.u.i;
    return true;
}

/*
** If conjunct c bounds a row number column (see the file comment), return
** the row number node and the limit it implies in *limit; else NULL.
*/
static Plan *bound_of(Plan *f, const Expr *c, int64_t *limit) {
    if (c->kind != EXPR_CALL || !c->fn || !c->fn->name || c->nargs != 2) return NULL;
    const char *op = c->fn->name;
    const Expr *col = c->args[0], *k = c->args[1];
    bool flipped = false;
    if (col->kind != EXPR_COLUMN) {
        col = c->args[1];
        k = c->args[0];
        flipped = true;
    }
    int64_t n;
    if (col->kind != EXPR_COLUMN || col->type != TYPE_BIGINT || !bigint_const(k, &n)) return NULL;
    /* as if written `rn OP n` */
    if (flipped) {
        if (strcmp(op, ">=") == 0) op = "<=";
        else if (strcmp(op, ">") == 0) op = "<";
        else if (strcmp(op, "<=") == 0) op = ">=";
        else if (strcmp(op, "<") == 0) op = ">";
    }
    if (strcmp(op, "<=") == 0) *limit = n;
    else if (strcmp(op, "<") == 0) *limit = n == INT64_MIN ? 0 : n - 1;
    else if (strcmp(op, "=") == 0 && n == 1) *limit = 1;
    else return NULL;
    if (*limit < 0) *limit = 0;
    return rownumber_below(f, col->col);
}

int rule_row_number_to_topn(PlanCtx *pc, Plan **node, bool *changed) {
    Plan *f = *node;
    if (!f->left || !opt_deterministic(f->u.filter.pred)) return 0;
    Expr **cs;
    int n = opt_conjuncts(pc->arena, f->u.filter.pred, &cs);
    Expr **stay = ARENA_ARRAY(pc->arena, Expr *, n + 1);
    int nstay = 0;
    bool any = false;
    for (int i = 0; i < n; i++) {
        int64_t limit;
        Plan *rn = bound_of(f, cs[i], &limit);
        if (!rn) {
            stay[nstay++] = cs[i];
            continue;
        }
        if (rn->kind == PLAN_ROWNUMBER) {
            rn->kind = PLAN_TOPN;
            rn->u.topn.limit = limit;
        } else if (limit < rn->u.topn.limit) {
            rn->u.topn.limit = limit;
        }
        any = true;
    }
    if (!any) return 0;
    if (nstay == 0) *node = f->left;
    else f->u.filter.pred = opt_and(pc->arena, stay, nstay);
    *changed = true;
    return 0;
}
