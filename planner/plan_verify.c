/*
** The plan checker: invariants every plan keeps, from the binder's output
** through every optimizer rule to the executor's input.  The optimizer runs
** it after each rule in debug builds (optimizer.c), so a rule that
** miscounts columns fails right there, naming itself, rather than as a wrong
** answer or a crash in the executor later.
**
** Checked, node by node:
**   - children: leaves have none, joins two, everything else one;
**   - schemas: what the node computes (a filter's is its input's, a
**     project's its expressions', an aggregate's groups ++ aggregates, a
**     join's left ++ right, a window's input ++ two TIMESTAMPs, a scan's the
**     relation columns it reads), compared by type;
**   - expressions: every column reference in range of the node's input and
**     of the input column's type; predicates BOOLEAN; operands of AND / OR /
**     NOT / CASE conditions BOOLEAN; function arguments of the declared
**     types (TYPE_NULL on either side counts as a wildcard);
**   - event time (event_time.c): every output column's event_time mark is
**     what the node derives from its inputs' marks; a streaming scan reads
**     its WATERMARK column and scan.watermark_out points at it; an
**     aggregate's window_end_group is the group derived.
** Names are not checked: they are for display only.
*/
#include <stdarg.h>
#include <stdio.h>

#include "../exec/functions.h"
#include "../storage/relation.h"
#include "optimizer.h"

typedef struct Verify {
    char *msg;
    size_t cap;
    bool ok;
} Verify;

static const char *const kind_names[] = {
    [PLAN_SCAN] = "Scan",         [PLAN_VALUES] = "Values", [PLAN_SERIES] = "Series",
    [PLAN_FILTER] = "Filter",     [PLAN_PROJECT] = "Project", [PLAN_AGGREGATE] = "Aggregate",
    [PLAN_JOIN] = "Join",         [PLAN_SORT] = "Sort",     [PLAN_LIMIT] = "Limit",
    [PLAN_WINDOW] = "Window",     [PLAN_ROWNUMBER] = "RowNumber", [PLAN_TOPN] = "TopN",
};

static const char *kind_name(const Plan *p) {
    return (unsigned)p->kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[p->kind] : "?";
}

/* Record the first failure; returns false so callers can `return fail(...)`. */
__attribute__((format(printf, 3, 4))) static bool fail(Verify *v, const Plan *p, const char *fmt, ...) {
    if (!v->ok) return false;
    v->ok = false;
    int n = snprintf(v->msg, v->cap, "%s: ", p ? kind_name(p) : "plan");
    if (n < 0 || (size_t)n >= v->cap) return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->msg + n, v->cap - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

static bool is_bool(Type t) { return t == TYPE_BOOL || t == TYPE_NULL; }
static bool type_ok(Type t) { return (unsigned)t < TYPE__COUNT; }
static bool same_or_null(Type a, Type b) { return a == b || a == TYPE_NULL || b == TYPE_NULL; }

/* Check e over `in`; `what` names the slot in messages ("predicate", "expression 2"). */
static bool check_expr(Verify *v, const Plan *p, const Expr *e, const Schema *in, const char *what) {
    if (!e) return fail(v, p, "%s: missing expression", what);
    if (!type_ok(e->type)) return fail(v, p, "%s: bad type %d", what, (int)e->type);
    if (e->nargs < 0 || (e->nargs > 0 && !e->args)) return fail(v, p, "%s: bad argument list", what);
    for (int i = 0; i < e->nargs; i++)
        if (!check_expr(v, p, e->args[i], in, what)) return false;
    switch (e->kind) {
    case EXPR_CONST:
        if (!e->value.null && e->value.type != e->type && e->value.type != TYPE_NULL)
            return fail(v, p, "%s: constant of type %s in an expression of type %s", what,
                        type_name(e->value.type), type_name(e->type));
        break;
    case EXPR_COLUMN:
        if (e->col < 0 || e->col >= in->ncols)
            return fail(v, p, "%s: column #%d out of range (input has %d columns)", what, e->col, in->ncols);
        if (e->type != in->cols[e->col].type)
            return fail(v, p, "%s: column #%d has type %s but the input's is %s", what, e->col,
                        type_name(e->type), type_name(in->cols[e->col].type));
        break;
    case EXPR_CALL: {
        const FuncDef *fn = e->fn;
        if (!fn) return fail(v, p, "%s: call without a function", what);
        bool variadic = fn->flags & FUNC_VARIADIC;
        if (variadic ? e->nargs < fn->nargs : e->nargs != fn->nargs)
            return fail(v, p, "%s: %s called with %d arguments", what, fn->name, e->nargs);
        for (int i = 0; i < e->nargs && !(fn->flags & FUNC_TEXT_ARGS); i++) {
            int k = i < fn->nargs ? i : fn->nargs - 1;
            if (k >= 0 && k < 4 && !same_or_null(e->args[i]->type, fn->args[k]))
                return fail(v, p, "%s: argument %d of %s is %s, expected %s", what, i + 1, fn->name,
                            type_name(e->args[i]->type), type_name(fn->args[k]));
        }
        if (!same_or_null(e->type, fn->ret))
            return fail(v, p, "%s: %s returns %s, expression typed %s", what, fn->name, type_name(fn->ret),
                        type_name(e->type));
        break;
    }
    case EXPR_CAST:
        if (e->nargs != 1) return fail(v, p, "%s: CAST needs one argument", what);
        break;
    case EXPR_AND:
    case EXPR_OR:
    case EXPR_NOT:
        if (e->nargs < 1 || (e->kind == EXPR_NOT && e->nargs != 1))
            return fail(v, p, "%s: boolean operator with %d arguments", what, e->nargs);
        if (!is_bool(e->type)) return fail(v, p, "%s: boolean operator typed %s", what, type_name(e->type));
        for (int i = 0; i < e->nargs; i++)
            if (!is_bool(e->args[i]->type))
                return fail(v, p, "%s: boolean operator over %s", what, type_name(e->args[i]->type));
        break;
    case EXPR_IS_NULL:
    case EXPR_IS_NOT_NULL:
        if (e->nargs != 1 || !is_bool(e->type)) return fail(v, p, "%s: malformed IS [NOT] NULL", what);
        break;
    case EXPR_CASE: {
        int nb = (e->nargs - (e->has_else ? 1 : 0)) / 2;
        if (nb < 1 || nb * 2 + (e->has_else ? 1 : 0) != e->nargs)
            return fail(v, p, "%s: CASE with %d arguments", what, e->nargs);
        for (int i = 0; i < nb; i++) {
            if (!is_bool(e->args[2 * i]->type))
                return fail(v, p, "%s: CASE condition of type %s", what, type_name(e->args[2 * i]->type));
            if (!same_or_null(e->args[2 * i + 1]->type, e->type))
                return fail(v, p, "%s: CASE result of type %s in a CASE typed %s", what,
                            type_name(e->args[2 * i + 1]->type), type_name(e->type));
        }
        if (e->has_else && !same_or_null(e->args[e->nargs - 1]->type, e->type))
            return fail(v, p, "%s: CASE ELSE of type %s in a CASE typed %s", what,
                        type_name(e->args[e->nargs - 1]->type), type_name(e->type));
        break;
    }
    case EXPR_IN:
        if (e->nargs < 2 || !is_bool(e->type)) return fail(v, p, "%s: malformed IN", what);
        for (int i = 1; i < e->nargs; i++)
            if (!same_or_null(e->args[i]->type, e->args[0]->type))
                return fail(v, p, "%s: IN list item of type %s for a %s", what, type_name(e->args[i]->type),
                            type_name(e->args[0]->type));
        break;
    default: return fail(v, p, "%s: unknown expression kind %d", what, (int)e->kind);
    }
    return true;
}

static bool check_pred(Verify *v, const Plan *p, const Expr *e, const Schema *in, const char *what) {
    if (!check_expr(v, p, e, in, what)) return false;
    if (!is_bool(e->type)) return fail(v, p, "%s is %s, not BOOLEAN", what, type_name(e->type));
    return true;
}

/* The node's schema column i has type t. */
static bool check_col(Verify *v, const Plan *p, int i, Type t) {
    if (i >= p->schema.ncols) return fail(v, p, "schema has %d columns, expected more", p->schema.ncols);
    if (p->schema.cols[i].type != t)
        return fail(v, p, "output column %d (%s) is %s, computed %s", i,
                    p->schema.cols[i].name ? p->schema.cols[i].name : "?", type_name(p->schema.cols[i].type),
                    type_name(t));
    return true;
}

static bool check_same_schema(Verify *v, const Plan *p, const Schema *in) {
    if (p->schema.ncols != in->ncols)
        return fail(v, p, "schema has %d columns, its input %d", p->schema.ncols, in->ncols);
    for (int i = 0; i < in->ncols; i++)
        if (!check_col(v, p, i, in->cols[i].type)) return false;
    return true;
}

static bool check_node(Verify *v, const Plan *p, int depth);

static bool check_children(Verify *v, const Plan *p, int depth) {
    bool leaf = p->kind == PLAN_SCAN || p->kind == PLAN_VALUES || p->kind == PLAN_SERIES;
    bool binary = p->kind == PLAN_JOIN;
    if (leaf && (p->left || p->right)) return fail(v, p, "a leaf with inputs");
    if (!leaf && !p->left) return fail(v, p, "missing input");
    if (binary != (p->right != NULL)) return fail(v, p, binary ? "missing right input" : "unexpected right input");
    if (p->left && !check_node(v, p->left, depth + 1)) return false;
    if (p->right && !check_node(v, p->right, depth + 1)) return false;
    return true;
}

/*
** Event time, checked once the node's shape is sound: the marks, the
** watermark column of a streaming scan and an aggregate's window_end group
** must be what event_time.c derives from the node's inputs.
*/
static bool check_event_time(Verify *v, const Plan *p) {
    for (int i = 0; i < p->schema.ncols; i++) {
        bool want = plan_col_event_time(p, i);
        if (p->schema.cols[i].event_time != want)
            return fail(v, p, "output column %d (%s) is %smarked as event time, derived %s", i,
                        p->schema.cols[i].name ? p->schema.cols[i].name : "?",
                        p->schema.cols[i].event_time ? "" : "not ", want ? "event time" : "not event time");
    }
    if (p->kind == PLAN_SCAN) {
        int wm = plan_scan_watermark_out(p);
        if (p->u.scan.streaming && p->u.scan.watermark_col >= 0 && wm < 0)
            return fail(v, p, "the watermark column (relation column %d) of a streaming scan is not read",
                        p->u.scan.watermark_col);
        if (p->u.scan.watermark_out != wm)
            return fail(v, p, "watermark_out is #%d, the watermark column is output #%d", p->u.scan.watermark_out, wm);
    }
    if (p->kind == PLAN_AGGREGATE) {
        int g = plan_window_end_group(p);
        if (p->u.agg.window_end_group != g)
            return fail(v, p, "window_end_group is %d, derived %d", p->u.agg.window_end_group, g);
    }
    return true;
}

static bool check_shape(Verify *v, const Plan *p, int depth);

static bool check_node(Verify *v, const Plan *p, int depth) {
    return check_shape(v, p, depth) && check_event_time(v, p);
}

/* Children, schema and expressions of one node (see the file comment). */
static bool check_shape(Verify *v, const Plan *p, int depth) {
    char what[48];
    if (depth > 10000) return fail(v, p, "plan deeper than 10000 nodes (a cycle?)");
    if (p->schema.ncols < 0 || (p->schema.ncols > 0 && !p->schema.cols)) return fail(v, p, "bad schema");
    for (int i = 0; i < p->schema.ncols; i++)
        if (!type_ok(p->schema.cols[i].type)) return fail(v, p, "output column %d has a bad type", i);
    if (!check_children(v, p, depth)) return false;
    const Schema *in = p->left ? &p->left->schema : NULL;

    switch (p->kind) {
    case PLAN_SCAN: {
        const Relation *r = p->u.scan.rel;
        if (p->u.scan.nproj != p->schema.ncols)
            return fail(v, p, "%d columns read, schema has %d", p->u.scan.nproj, p->schema.ncols);
        if (p->u.scan.nproj > 0 && !p->u.scan.proj) return fail(v, p, "missing projection");
        for (int i = 0; i < p->u.scan.nproj && r; i++) {
            int c = p->u.scan.proj[i];
            if (c < 0 || c >= r->schema.ncols)
                return fail(v, p, "reads column %d of a relation with %d", c, r->schema.ncols);
            if (!check_col(v, p, i, r->schema.cols[c].type)) return false;
        }
        if (p->u.scan.filter && !check_pred(v, p, p->u.scan.filter, &p->schema, "filter")) return false;
        break;
    }
    case PLAN_VALUES:
        if (p->u.values.nrows < 0) return fail(v, p, "negative row count");
        if (p->u.values.nrows > 0 && p->schema.ncols > 0 && !p->u.values.rows) return fail(v, p, "missing rows");
        for (int r = 0; r < p->u.values.nrows; r++)
            for (int c = 0; c < p->schema.ncols; c++) {
                const Value *val = &p->u.values.rows[r * p->schema.ncols + c];
                if (!val->null && val->type != TYPE_NULL && val->type != p->schema.cols[c].type)
                    return fail(v, p, "row %d column %d is %s, schema says %s", r, c, type_name(val->type),
                                type_name(p->schema.cols[c].type));
            }
        break;
    case PLAN_SERIES:
        if (p->schema.ncols != 1 || p->schema.cols[0].type != TYPE_BIGINT)
            return fail(v, p, "generate_series yields one BIGINT column");
        break;
    case PLAN_FILTER:
        if (!check_same_schema(v, p, in)) return false;
        return check_pred(v, p, p->u.filter.pred, in, "predicate");
    case PLAN_PROJECT:
        if (p->u.project.n != p->schema.ncols)
            return fail(v, p, "%d expressions, schema has %d columns", p->u.project.n, p->schema.ncols);
        for (int i = 0; i < p->u.project.n; i++) {
            snprintf(what, sizeof what, "expression %d", i);
            if (!check_expr(v, p, p->u.project.exprs[i], in, what)) return false;
            if (!check_col(v, p, i, p->u.project.exprs[i]->type)) return false;
        }
        break;
    case PLAN_AGGREGATE: {
        int ng = p->u.agg.ngroups, na = p->u.agg.naggs;
        if (ng < 0 || na < 0 || ng + na != p->schema.ncols)
            return fail(v, p, "%d groups + %d aggregates, schema has %d columns", ng, na, p->schema.ncols);
        for (int i = 0; i < ng; i++) {
            snprintf(what, sizeof what, "group %d", i);
            if (!check_expr(v, p, p->u.agg.groups[i], in, what)) return false;
            if (!check_col(v, p, i, p->u.agg.groups[i]->type)) return false;
        }
        for (int i = 0; i < na; i++) {
            const AggSpec *s = &p->u.agg.aggs[i];
            snprintf(what, sizeof what, "aggregate %d", i);
            if ((s->kind == AGG_COUNT_STAR) != (s->arg == NULL))
                return fail(v, p, "%s: %s", what, s->arg ? "count(*) with an argument" : "missing argument");
            if (s->arg && !check_expr(v, p, s->arg, in, what)) return false;
            if ((s->kind == AGG_COUNT_STAR || s->kind == AGG_COUNT) && s->type != TYPE_BIGINT)
                return fail(v, p, "%s: count typed %s", what, type_name(s->type));
            if ((s->kind == AGG_MIN || s->kind == AGG_MAX) && !same_or_null(s->type, s->arg->type))
                return fail(v, p, "%s: min/max of %s typed %s", what, type_name(s->arg->type), type_name(s->type));
            if (!check_col(v, p, ng + i, s->type)) return false;
        }
        break;
    }
    case PLAN_JOIN: {
        const Schema *l = &p->left->schema, *r = &p->right->schema;
        if (p->schema.ncols != l->ncols + r->ncols)
            return fail(v, p, "schema has %d columns, inputs %d + %d", p->schema.ncols, l->ncols, r->ncols);
        for (int i = 0; i < l->ncols; i++)
            if (!check_col(v, p, i, l->cols[i].type)) return false;
        for (int i = 0; i < r->ncols; i++)
            if (!check_col(v, p, l->ncols + i, r->cols[i].type)) return false;
        if (p->u.join.nkeys < 0 || (p->u.join.nkeys > 0 && (!p->u.join.lkeys || !p->u.join.rkeys)))
            return fail(v, p, "bad key list");
        for (int i = 0; i < p->u.join.nkeys; i++) {
            snprintf(what, sizeof what, "left key %d", i);
            if (!check_expr(v, p, p->u.join.lkeys[i], l, what)) return false;
            snprintf(what, sizeof what, "right key %d", i);
            if (!check_expr(v, p, p->u.join.rkeys[i], r, what)) return false;
            if (p->u.join.lkeys[i]->type != p->u.join.rkeys[i]->type)
                return fail(v, p, "key %d compares %s with %s", i, type_name(p->u.join.lkeys[i]->type),
                            type_name(p->u.join.rkeys[i]->type));
        }
        if (p->u.join.residual) {
            Schema both = {p->schema.ncols, p->schema.cols};
            if (!check_pred(v, p, p->u.join.residual, &both, "condition")) return false;
        }
        break;
    }
    case PLAN_SORT:
        if (!check_same_schema(v, p, in)) return false;
        if (p->u.sort.nkeys < 0 || (p->u.sort.nkeys > 0 && !p->u.sort.keys)) return fail(v, p, "bad key list");
        for (int i = 0; i < p->u.sort.nkeys; i++) {
            snprintf(what, sizeof what, "sort key %d", i);
            if (!check_expr(v, p, p->u.sort.keys[i].expr, in, what)) return false;
        }
        break;
    case PLAN_LIMIT: return check_same_schema(v, p, in);
    case PLAN_WINDOW: {
        int n = in->ncols;
        if (p->schema.ncols != n + 2) return fail(v, p, "schema has %d columns, input %d + 2", p->schema.ncols, n);
        for (int i = 0; i < n; i++)
            if (!check_col(v, p, i, in->cols[i].type)) return false;
        if (!check_col(v, p, n, TYPE_TIMESTAMP) || !check_col(v, p, n + 1, TYPE_TIMESTAMP)) return false;
        int t = p->u.window.time_col;
        if (t < 0 || t >= n || in->cols[t].type != TYPE_TIMESTAMP)
            return fail(v, p, "time column #%d is not a TIMESTAMP input column", t);
        for (int i = 0; i < p->u.window.npartition; i++)
            if (p->u.window.partition[i] < 0 || p->u.window.partition[i] >= n)
                return fail(v, p, "partition column #%d out of range", p->u.window.partition[i]);
        break;
    }
    case PLAN_ROWNUMBER:
    case PLAN_TOPN: {
        int n = in->ncols;
        if (p->schema.ncols != n + 1) return fail(v, p, "schema has %d columns, input %d + 1", p->schema.ncols, n);
        for (int i = 0; i < n; i++)
            if (!check_col(v, p, i, in->cols[i].type)) return false;
        if (!check_col(v, p, n, TYPE_BIGINT)) return false;
        if (p->u.topn.npartition < 0 || (p->u.topn.npartition > 0 && !p->u.topn.partition) || p->u.topn.nkeys < 0 ||
            (p->u.topn.nkeys > 0 && !p->u.topn.keys))
            return fail(v, p, "bad partition or key list");
        for (int i = 0; i < p->u.topn.npartition; i++) {
            snprintf(what, sizeof what, "partition %d", i);
            if (!check_expr(v, p, p->u.topn.partition[i], in, what)) return false;
        }
        for (int i = 0; i < p->u.topn.nkeys; i++) {
            snprintf(what, sizeof what, "sort key %d", i);
            if (!check_expr(v, p, p->u.topn.keys[i].expr, in, what)) return false;
        }
        if (p->kind == PLAN_ROWNUMBER ? p->u.topn.limit != -1 : p->u.topn.limit < 0)
            return fail(v, p, "limit %lld", (long long)p->u.topn.limit);
        break;
    }
    default: return fail(v, p, "unknown plan kind %d", (int)p->kind);
    }
    return true;
}

bool plan_verify(const Plan *p, char *msg, size_t cap) {
    Verify v = {msg, cap, true};
    if (cap) msg[0] = 0;
    if (!p) return fail(&v, NULL, "no plan");
    return check_node(&v, p, 0);
}
