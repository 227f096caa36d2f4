/*
** Event time: which columns of a plan carry it, where a continuous query's
** watermark comes from, and which group of a windowed aggregation says when
** a group is final.
**
** A column is an event-time column (Column.event_time) when its values are
** the event time of the rows, or a monotonic function of it, so that the
** watermark of the query bounds them too.  Marks start at the scans and are
** derived node by node, each output column from the node's inputs:
**
**   scan         the SOURCE's WATERMARK column (scan.watermark_col), if read
**   filter, sort, limit, join, row number / top-N
**                pass their inputs' marks through (the row number is not marked)
**   project      an expression that is an event-time expression (below)
**   aggregate    a group whose expression is an event-time expression
**   window       the input's marks; window_start and window_end when the
**                window's time column is marked
**   values, generate_series: nothing
**
** Event-time expressions over an input: a marked column, `e + c`, `c + e`,
** `e - c` for an event-time expression e and a column-free INTERVAL c
** (a constant after folding, so ConstantFolding never changes the answer),
** and date_trunc(unit, e).  The rule is compositional -- an expression's
** mark depends on its columns only through their marks -- which is why
** rewrites that substitute one projection into another (CollapseProjections)
** or move a filter keep every mark as it was.
**
** The binder marks its plan with plan_mark_event_time(); every optimizer rule
** keeps the marks (a rule that builds a schema copies Column values), and
** plan_verify() recomputes them per node with plan_col_event_time() after
** each rule in debug builds.  The same goes for scan.watermark_out and
** agg.window_end_group: derived here, kept by the rules, checked by
** plan_verify().
*/
#include <string.h>

#include "../exec/functions.h"
#include "optimizer.h"

/* ------------------------------------------------------------------ expressions */

/* A column-free, deterministic INTERVAL: a constant once folded. */
static bool const_interval(const Expr *e) {
    return e && e->type == TYPE_INTERVAL && !opt_has_columns(e) && opt_deterministic(e);
}

/*
** Is e (over `input`) an event-time expression: a marked column shifted by
** constant intervals or truncated by date_trunc?  NULL input: no column is.
*/
bool plan_expr_event_time(const Expr *e, const Schema *input) {
    if (!e || e->type != TYPE_TIMESTAMP) return false;
    switch (e->kind) {
    case EXPR_COLUMN:
        return input && e->col >= 0 && e->col < input->ncols && input->cols[e->col].event_time;
    case EXPR_CALL: {
        const char *n = e->fn && e->fn->name ? e->fn->name : "";
        if (e->nargs != 2) return false;
        if (strcmp(n, "+") == 0)
            return (plan_expr_event_time(e->args[0], input) && const_interval(e->args[1])) ||
                   (const_interval(e->args[0]) && plan_expr_event_time(e->args[1], input));
        if (strcmp(n, "-") == 0) return plan_expr_event_time(e->args[0], input) && const_interval(e->args[1]);
        if (strcmp(n, "date_trunc") == 0)
            return !opt_has_columns(e->args[0]) && plan_expr_event_time(e->args[1], input);
        return false;
    }
    default:
        return false;
    }
}

/* ------------------------------------------------------------------ nodes */

static bool input_mark(const Plan *in, int col) {
    return in && col >= 0 && col < in->schema.ncols && in->schema.cols[col].event_time;
}

/*
** The mark output column `col` of p must carry, derived from p's inputs'
** marks (not from p's own schema): the rules in the file comment.
*/
bool plan_col_event_time(const Plan *p, int col) {
    if (!p || col < 0 || col >= p->schema.ncols) return false;
    const Plan *in = p->left;
    int nin = in ? in->schema.ncols : 0;
    switch (p->kind) {
    case PLAN_SCAN:
        return p->u.scan.streaming && p->u.scan.watermark_col >= 0 && p->u.scan.proj && col < p->u.scan.nproj &&
               p->u.scan.proj[col] == p->u.scan.watermark_col;
    case PLAN_FILTER:
    case PLAN_SORT:
    case PLAN_LIMIT:
        return input_mark(in, col);
    case PLAN_PROJECT:
        return in && col < p->u.project.n && plan_expr_event_time(p->u.project.exprs[col], &in->schema);
    case PLAN_AGGREGATE:
        return in && col < p->u.agg.ngroups && plan_expr_event_time(p->u.agg.groups[col], &in->schema);
    case PLAN_JOIN:
        return col < nin ? input_mark(in, col) : input_mark(p->right, col - nin);
    case PLAN_WINDOW:
        return col < nin ? input_mark(in, col) : input_mark(in, p->u.window.time_col);
    case PLAN_ROWNUMBER:
    case PLAN_TOPN:
        return col < nin && input_mark(in, col);
    default:
        return false;
    }
}

/* The output column of a scan the runtime reads the watermark from, -1 when none. */
int plan_scan_watermark_out(const Plan *scan) {
    if (scan->kind != PLAN_SCAN || !scan->u.scan.streaming || scan->u.scan.watermark_col < 0 || !scan->u.scan.proj)
        return -1;
    for (int i = 0; i < scan->u.scan.nproj; i++)
        if (scan->u.scan.proj[i] == scan->u.scan.watermark_col) return i;
    return -1;
}

/*
** The group of aggregate `agg` that tells when a group is final: the first
** event-time group that is the window_end of a window (traced through the
** plan below), failing that the first event-time group, else -1.  Derived
** from the input's marks, not from agg's own schema.
*/
int plan_window_end_group(const Plan *agg) {
    if (agg->kind != PLAN_AGGREGATE || !agg->left) return -1;
    int first = -1;
    for (int g = 0; g < agg->u.agg.ngroups; g++) {
        const Expr *e = agg->u.agg.groups[g];
        if (!plan_expr_event_time(e, &agg->left->schema)) continue;
        if (first < 0) first = g;
        const Plan *node;
        int ocol;
        if (e->kind == EXPR_COLUMN && plan_col_origin(agg->left, e->col, &node, &ocol) &&
            node->kind == PLAN_WINDOW && node->left && ocol == node->left->schema.ncols + 1)
            return g;
    }
    return first;
}

/*
** Mark the whole tree under p, bottom-up: every output column's event_time,
** every scan's watermark_out and every aggregate's window_end_group.  A
** schema whose marks change gets a new column array in `a` (arrays may be
** shared between nodes).
*/
void plan_mark_event_time(Arena *a, Plan *p) {
    if (!p) return;
    plan_mark_event_time(a, p->left);
    plan_mark_event_time(a, p->right);
    bool copied = false;
    for (int i = 0; i < p->schema.ncols; i++) {
        bool m = plan_col_event_time(p, i);
        if (p->schema.cols[i].event_time == m) continue;
        if (!copied) {
            p->schema = opt_schema_copy(a, &p->schema);
            copied = true;
        }
        p->schema.cols[i].event_time = m;
    }
    if (p->kind == PLAN_SCAN) p->u.scan.watermark_out = plan_scan_watermark_out(p);
    if (p->kind == PLAN_AGGREGATE) p->u.agg.window_end_group = plan_window_end_group(p);
}
