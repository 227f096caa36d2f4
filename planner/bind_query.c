/*
** Binding queries: a SELECT's AST -> the logical plan the optimizer starts from.
**
** The plan has a fixed shape, built bottom-up in the order SQL evaluates a
** query (the optimizer moves things later; the binder only says what the
** query means):
**
**   FROM items (scans, views, derived tables, generate_series, windows, joins)
**     -> FILTER (WHERE)
**     -> AGGREGATE (GROUP BY keys, then aggregate calls)   grouped queries
**     -> FILTER (HAVING)                                   grouped queries
**     -> ROWNUMBER (one per distinct ROW_NUMBER() OVER (...) call)
**     -> PROJECT (select list, then hidden ORDER BY columns)
**     -> AGGREGATE (every column a key, no calls)          SELECT DISTINCT
**     -> SORT -> LIMIT
**     -> PROJECT (drops the hidden ORDER BY columns)       when there are any
**
** Joins come out as PLAN_JOIN with no equi-keys and the ON condition as the
** residual; scans read every column of their table.  Extracting join keys,
** pushing predicates and pruning columns are optimizer rules.
**
** A source with a WATERMARK gives its scan the watermark column and delay;
** plan_query() then marks the event-time columns of the whole plan
** (event_time.c).
**
** Views are stored as SQL text and bound here from a fresh parse, in the
** statement arena, as if the text were written in place; an error inside a
** view is reported at the place the view is used.
*/
#include "bind.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static Arena *A(const Binder *b) { return b->pc->arena; }

/* ------------------------------------------------------------------ scopes and schemas */

/* The scope of a plan's output with every column qualified by `qual` (may be NULL). */
static Scope scope_of(Binder *b, const Schema *s, const char *qual) {
    Scope sc = {s->ncols, ARENA_ARRAY(A(b), ScopeCol, s->ncols > 0 ? s->ncols : 1)};
    for (int i = 0; i < s->ncols; i++) {
        sc.cols[i].qual = qual;
        sc.cols[i].name = s->cols[i].name;
        sc.cols[i].type = s->cols[i].type;
    }
    return sc;
}

static Scope scope_concat(Binder *b, const Scope *l, const Scope *r) {
    Scope s = {l->n + r->n, ARENA_ARRAY(A(b), ScopeCol, l->n + r->n > 0 ? l->n + r->n : 1)};
    if (l->n) memcpy(s.cols, l->cols, sizeof(ScopeCol) * (size_t)l->n);
    if (r->n) memcpy(s.cols + l->n, r->cols, sizeof(ScopeCol) * (size_t)r->n);
    return s;
}

/* Give p a schema of n columns (its own array: the optimizer may rewrite it in place). */
static void set_schema(Binder *b, Plan *p, int n) {
    p->schema.ncols = n;
    p->schema.cols = ARENA_ARRAY(A(b), Column, n > 0 ? n : 1);
}

static void copy_schema(Binder *b, Plan *p, const Schema *s) {
    set_schema(b, p, s->ncols);
    for (int i = 0; i < s->ncols; i++) {
        p->schema.cols[i].name = arena_strdup(A(b), s->cols[i].name ? s->cols[i].name : "");
        p->schema.cols[i].type = s->cols[i].type;
    }
}

/* A projection of exprs over `input`, named by names[]. */
static Plan *make_project(Binder *b, Plan *input, int n, Expr **exprs, const char **names) {
    Plan *p = plan_new(A(b), PLAN_PROJECT, input, NULL);
    set_schema(b, p, n);
    p->u.project.n = n;
    p->u.project.exprs = ARENA_ARRAY(A(b), Expr *, n > 0 ? n : 1);
    for (int i = 0; i < n; i++) {
        p->u.project.exprs[i] = exprs[i];
        p->schema.cols[i].name = names[i];
        p->schema.cols[i].type = exprs[i]->type;
    }
    return p;
}

static Plan *make_filter(Binder *b, Plan *input, Expr *pred) {
    Plan *p = plan_new(A(b), PLAN_FILTER, input, NULL);
    copy_schema(b, p, &input->schema);
    p->u.filter.pred = pred;
    return p;
}

/* ------------------------------------------------------------------ FROM */

/* Table names and aliases of one FROM clause, to refuse the same one twice. */
typedef struct FromNames {
    int n, cap;
    const char **names;
} FromNames;

static int register_name(Binder *b, FromNames *fn, const char *name, int pos) {
    if (!name) return 0;
    for (int i = 0; i < fn->n; i++)
        if (strcasecmp(fn->names[i], name) == 0)
            return err_at(b->pc->err, pos, "table name \"%s\" specified more than once", name);
    if (fn->n == fn->cap) {
        int cap = fn->cap ? fn->cap * 2 : 8;
        const char **n = ARENA_ARRAY(A(b), const char *, cap);
        if (fn->n) memcpy(n, fn->names, sizeof(char *) * (size_t)fn->n);
        fn->names = n;
        fn->cap = cap;
    }
    fn->names[fn->n++] = name;
    return 0;
}

/*
** A view: its text parsed again into the statement arena and bound like a
** derived table.  Errors inside it are reported once, at the outermost use,
** as `in view "v": ...` (offsets inside the view's text mean nothing in the
** statement's).
*/
static int bind_view(Binder *b, const CatEntry *ce, int pos, Plan **out) {
    PlanCtx *pc = b->pc;
    if (b->depth >= BIND_MAX_VIEW_DEPTH)
        return err_at(pc->err, pos, "view \"%s\" is nested more than %d levels deep (does it refer to itself?)",
                      ce->name, BIND_MAX_VIEW_DEPTH);
    Err local;
    err_clear(&local);
    Err *outer = pc->err;
    bool top = b->depth == 0;
    if (top) pc->err = &local;
    b->depth++;
    int rc = -1;
    const char *text = arena_printf(A(b), "%s\n;", ce->sql ? ce->sql : "");
    AstStmt *st = NULL;
    int next = 0;
    if (parse_next(text, 0, A(b), &st, &next, pc->err) == 0) {
        if (!st || !st->query || (st->kind != STMT_SELECT && st->kind != STMT_CREATE_VIEW))
            err_at(pc->err, -1, "view \"%s\" does not hold a query", ce->name);
        else
            rc = bind_select(b, st->query, out);
    }
    b->depth--;
    if (top) {
        pc->err = outer;
        if (rc) err_at(outer, pos, "in view \"%s\": %s", ce->name, local.set ? local.msg : "cannot be bound");
    }
    return rc;
}

/* A catalog object named in FROM (or as a window function's source). */
static int bind_table(Binder *b, const char *name, int pos, Plan **out) {
    PlanCtx *pc = b->pc;
    if (!name) return err_at(pc->err, pos, "missing table name");
    CatEntry *ce = pc->catalog ? catalog_find(pc->catalog, name, pc->err) : NULL;
    if (!ce) {
        if (pc->err->set) {
            if (pc->err->offset < 0) pc->err->offset = pos;
            return -1;
        }
        return err_at(pc->err, pos, "table \"%s\" does not exist", name);
    }
    if (ce->kind == CAT_VIEW) return bind_view(b, ce, pos, out);
    if (ce->kind == CAT_SINK) return err_at(pc->err, pos, "cannot read from sink \"%s\"", ce->name);
    Relation *rel = NULL;
    if (ce->kind == CAT_TABLE) {
        rel = ce->rel ? ce->rel : ce->mem ? memtable_relation(ce->mem) : NULL;
        if (!rel) return err_at(pc->err, pos, "table \"%s\" has no data to read", ce->name);
    } else if (ce->kind == CAT_MATVIEW) {
        rel = ce->rel;
        if (!rel) return err_at(pc->err, pos, "materialized view \"%s\" has no result table yet", ce->name);
    }
    Plan *p = plan_new(A(b), PLAN_SCAN, NULL, NULL);
    /* a relation's own schema is what its scanner produces (a results-database table maps types) */
    copy_schema(b, p, rel ? &rel->schema : &ce->schema);
    p->u.scan.rel = rel;
    p->u.scan.table = arena_strdup(A(b), ce->name);
    p->u.scan.streaming = ce->kind == CAT_SOURCE;
    if (ce->kind == CAT_SOURCE && ce->watermark_col >= 0 && ce->watermark_col < p->schema.ncols) {
        p->u.scan.watermark_col = ce->watermark_col;
        p->u.scan.watermark_delay_us = ce->watermark_delay_us;
    }
    p->u.scan.nproj = p->schema.ncols;
    p->u.scan.proj = ARENA_ARRAY(A(b), int, p->schema.ncols > 0 ? p->schema.ncols : 1);
    for (int i = 0; i < p->schema.ncols; i++) p->u.scan.proj[i] = i;
    *out = p;
    return 0;
}

/* The argument of a table function that names its input: a table, a bare name or a subquery. */
static int bind_source_arg(Binder *b, const Ast *a, Plan **out, const char **qual) {
    if (a->kind == AST_TABLE || (a->kind == AST_COLUMN && !a->qualifier)) {
        *qual = a->alias ? a->alias : a->name;
        return bind_table(b, a->name, a->pos, out);
    }
    if ((a->kind == AST_DERIVED || a->kind == AST_SUBQUERY) && a->select) {
        *qual = a->alias;
        return bind_select(b, a->select, out);
    }
    return err_at(b->pc->err, a->pos, "the first argument of a window function must be a table, a source or a subquery");
}

/* A column-free expression of a table function's arguments, evaluated now. */
static int eval_arg(Binder *b, const Ast *a, Type want, Value *v, Type *got) {
    Scope none = {0, NULL};
    ExprCtx x = {b, &none, NULL, "aggregate functions are not allowed in FROM"};
    Expr *e;
    if (bind_expr(&x, a, &e)) return -1;
    if (e->type == TYPE_NULL || (want == TYPE_INTERVAL && e->kind == EXPR_CONST && e->type == TYPE_TEXT)) {
        if (bind_coerce(b, e, want, &e)) return -1;
    }
    *got = e->type;
    if (e->type != want) return 1;
    return bind_eval_const(b, e, v);
}

static int bind_series(Binder *b, const Ast *f, Plan **out) {
    Err *err = b->pc->err;
    int n = f->list ? f->list->n : 0;
    Value v[3] = {{0}};
    Type t[3] = {TYPE_BIGINT, TYPE_BIGINT, TYPE_BIGINT};
    bool bad = n < 2 || n > 3, null = false;
    for (int i = 0; i < n && i < 3; i++) {
        int rc = eval_arg(b, f->list->items[i], TYPE_BIGINT, &v[i], &t[i]);
        if (rc < 0) return -1;
        if (rc > 0) bad = true;
        else if (v[i].null) null = true;
    }
    if (bad) {
        char sig[128];
        int k = snprintf(sig, sizeof sig, "generate_series(");
        for (int i = 0; i < n && i < 3 && k < (int)sizeof sig; i++)
            k += snprintf(sig + k, sizeof sig - (size_t)k, "%s%s", i ? ", " : "", type_name(t[i]));
        if (n > 3 && k < (int)sizeof sig) k += snprintf(sig + k, sizeof sig - (size_t)k, ", ...");
        if (k < (int)sizeof sig) snprintf(sig + k, sizeof sig - (size_t)k, ")");
        return err_at(err, f->pos, "function %s does not exist", sig);
    }
    Plan *p;
    if (null) {
        /* PostgreSQL: a NULL bound yields no rows */
        p = plan_new(A(b), PLAN_VALUES, NULL, NULL);
        p->u.values.nrows = 0;
        p->u.values.rows = ARENA_ARRAY(A(b), Value, 1);
    } else {
        int64_t step = n == 3 ? v[2].u.i : 1;
        if (step == 0) return err_at(err, f->pos, "step size cannot equal zero");
        p = plan_new(A(b), PLAN_SERIES, NULL, NULL);
        p->u.series.start = v[0].u.i;
        p->u.series.stop = v[1].u.i;
        p->u.series.step = step;
    }
    set_schema(b, p, 1);
    p->schema.cols[0].name = "generate_series";
    p->schema.cols[0].type = TYPE_BIGINT;
    *out = p;
    return 0;
}

/* A window size (TUMBLE/HOP size, HOP slide, SESSION gap): a constant INTERVAL > 0. */
static int window_size(Binder *b, const Ast *a, const char *what, int64_t *us) {
    Value v;
    Type t;
    int rc = eval_arg(b, a, TYPE_INTERVAL, &v, &t);
    if (rc < 0) return -1;
    if (rc > 0)
        return err_at(b->pc->err, a->pos, "window %s must be an INTERVAL, e.g. INTERVAL '1' MINUTE, not %s", what,
                      type_name(t));
    if (v.null || v.u.i <= 0) return err_at(b->pc->err, a->pos, "window %s must be a positive INTERVAL", what);
    *us = v.u.i;
    return 0;
}

/* A column of the window's input named by a window argument (DESCRIPTOR(ts) arrives as a column). */
static int window_column(Binder *b, const Scope *s, const Ast *a, const char *fname) {
    if (a->kind != AST_COLUMN)
        return err_at(b->pc->err, a->pos, "%s expects a column of its input here", fname);
    return bind_lookup(b, s, a->qualifier, a->name, a->pos);
}

/*
** TUMBLE(src, ts, size), HOP(src, ts, slide, size), SESSION(src PARTITION BY
** keys, ts, gap): the input's columns plus window_start and window_end.
*/
static int bind_window(Binder *b, const Ast *f, WindowKind kind, const char *fname, Plan **out, const char **qual) {
    Err *err = b->pc->err;
    int want = kind == WINDOW_HOP ? 4 : 3;
    static const char *const usage[] = {
        [WINDOW_TUMBLE] = "TUMBLE(source, time column, size)",
        [WINDOW_HOP] = "HOP(source, time column, slide, size)",
        [WINDOW_SESSION] = "SESSION(source PARTITION BY keys, time column, gap)",
    };
    int n = f->list ? f->list->n : 0;
    if (n != want) return err_at(err, f->pos, "%s takes %d arguments: %s", fname, want, usage[kind]);
    if (f->partition && kind != WINDOW_SESSION)
        return err_at(err, f->pos, "PARTITION BY is only allowed in SESSION windows");
    Plan *src;
    const char *src_qual = NULL;
    if (bind_source_arg(b, f->list->items[0], &src, &src_qual)) return -1;
    Scope s = scope_of(b, &src->schema, src_qual);
    const Ast *ts = f->list->items[1];
    int tcol = window_column(b, &s, ts, fname);
    if (tcol < 0) return -1;
    if (s.cols[tcol].type != TYPE_TIMESTAMP)
        return err_at(err, ts->pos, "window time column \"%s\" must be TIMESTAMP, not %s", s.cols[tcol].name,
                      type_name(s.cols[tcol].type));
    Plan *p = plan_new(A(b), PLAN_WINDOW, src, NULL);
    p->u.window.kind = kind;
    p->u.window.time_col = tcol;
    if (kind == WINDOW_HOP) {
        if (window_size(b, f->list->items[2], "slide", &p->u.window.slide_us) ||
            window_size(b, f->list->items[3], "size", &p->u.window.size_us))
            return -1;
    } else if (window_size(b, f->list->items[2], kind == WINDOW_SESSION ? "gap" : "size", &p->u.window.size_us)) {
        return -1;
    }
    if (kind == WINDOW_SESSION && f->partition && f->partition->n > 0) {
        p->u.window.npartition = f->partition->n;
        p->u.window.partition = ARENA_ARRAY(A(b), int, f->partition->n);
        for (int i = 0; i < f->partition->n; i++) {
            int c = window_column(b, &s, f->partition->items[i], fname);
            if (c < 0) return -1;
            p->u.window.partition[i] = c;
        }
    }
    int nc = src->schema.ncols;
    set_schema(b, p, nc + 2);
    for (int i = 0; i < nc; i++) p->schema.cols[i] = src->schema.cols[i];
    p->schema.cols[nc] = (Column){"window_start", TYPE_TIMESTAMP};
    p->schema.cols[nc + 1] = (Column){"window_end", TYPE_TIMESTAMP};
    *qual = src_qual;
    *out = p;
    return 0;
}

static int bind_from(Binder *b, const Ast *f, FromNames *names, Plan **out, Scope *scope);

static int bind_join(Binder *b, const Ast *f, FromNames *names, Plan **out, Scope *scope) {
    Err *err = b->pc->err;
    if (f->join_type == JOIN_RIGHT)
        return err_at(err, f->pos, "RIGHT JOIN is not supported; swap the sides and use LEFT JOIN");
    if (f->join_type == JOIN_FULL) return err_at(err, f->pos, "FULL JOIN is not supported");
    if (!f->left || !f->right) return err_at(err, f->pos, "JOIN needs two sides");
    Plan *lp, *rp;
    Scope ls, rs;
    if (bind_from(b, f->left, names, &lp, &ls) || bind_from(b, f->right, names, &rp, &rs)) return -1;
    Plan *j = plan_new(A(b), PLAN_JOIN, lp, rp);
    j->u.join.kind = f->join_type == JOIN_LEFT ? PJOIN_LEFT : PJOIN_INNER;
    *scope = scope_concat(b, &ls, &rs);
    set_schema(b, j, scope->n);
    for (int i = 0; i < scope->n; i++) j->schema.cols[i] = (Column){scope->cols[i].name, scope->cols[i].type};
    if (f->on && f->join_type != JOIN_CROSS) {
        ExprCtx x = {b, scope, NULL, "aggregate functions are not allowed in JOIN conditions"};
        if (bind_bool(&x, f->on, "JOIN/ON", &j->u.join.residual)) return -1;
    } else if (f->join_type == JOIN_LEFT) {
        return err_at(err, f->pos, "LEFT JOIN needs an ON condition");
    }
    *out = j;
    return 0;
}

/* One FROM item: its plan, and the scope its columns are named in. */
static int bind_from(Binder *b, const Ast *f, FromNames *names, Plan **out, Scope *scope) {
    Err *err = b->pc->err;
    const char *qual = NULL;
    switch (f->kind) {
    case AST_TABLE:
        qual = f->alias ? f->alias : f->name;
        if (register_name(b, names, qual, f->pos) || bind_table(b, f->name, f->pos, out)) return -1;
        break;
    case AST_DERIVED:
        if (!f->select) return err_at(err, f->pos, "subquery in FROM without a query");
        qual = f->alias;
        if (register_name(b, names, qual, f->pos) || bind_select(b, f->select, out)) return -1;
        break;
    case AST_TABLE_FUNC: {
        const char *n = f->name ? f->name : "";
        if (strcasecmp(n, "generate_series") == 0) {
            qual = f->alias ? f->alias : "generate_series";
            if (register_name(b, names, qual, f->pos) || bind_series(b, f, out)) return -1;
            break;
        }
        WindowKind wk;
        if (strcasecmp(n, "tumble") == 0) wk = WINDOW_TUMBLE;
        else if (strcasecmp(n, "hop") == 0) wk = WINDOW_HOP;
        else if (strcasecmp(n, "session") == 0) wk = WINDOW_SESSION;
        else return err_at(err, f->pos, "table function \"%s\" does not exist", n);
        static const char *const upper[] = {"TUMBLE", "HOP", "SESSION"};
        if (bind_window(b, f, wk, upper[wk], out, &qual)) return -1;
        if (f->alias) qual = f->alias;
        if (register_name(b, names, qual, f->pos)) return -1;
        break;
    }
    case AST_JOIN:
        return bind_join(b, f, names, out, scope);
    default:
        return err_at(err, f->pos, "unexpected item in FROM");
    }
    *scope = scope_of(b, &(*out)->schema, qual);
    return 0;
}

/* ------------------------------------------------------------------ select list */

/* One output column of the select list, after `*` expansion. */
typedef struct SelItem {
    const Ast *ast;        /* the expression, or NULL for a column of a `*` */
    int col;               /* `*`: scope column; else -1 */
    const char *alias;     /* AS name, or NULL */
    const char *name;      /* output name */
    int pos;
    Expr *expr;            /* bound */
} SelItem;

typedef struct SelList {
    int n, cap;
    SelItem *items;
} SelList;

static SelItem *sel_add(Binder *b, SelList *l) {
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        SelItem *n = ARENA_ARRAY(A(b), SelItem, cap);
        if (l->n) memcpy(n, l->items, sizeof(SelItem) * (size_t)l->n);
        l->items = n;
        l->cap = cap;
    }
    SelItem *it = &l->items[l->n++];
    memset(it, 0, sizeof *it);
    it->col = -1;
    return it;
}

/* The output name of an expression without an alias: a column's name, else its SQL text. */
static const char *expr_name(Binder *b, const Ast *e) {
    if (e->kind == AST_COLUMN && e->name) return e->name;
    const char *s = ast_to_sql(A(b), e);
    return s ? s : "?column?";
}

/* The select list with every `*` and `t.*` expanded to the columns it means. */
static int expand_select(Binder *b, const AstSelect *q, const Scope *scope, SelList *out) {
    Err *err = b->pc->err;
    if (!q->items || q->items->n == 0) return err_at(err, q->pos, "SELECT needs at least one column");
    for (int i = 0; i < q->items->n; i++) {
        const Ast *it = q->items->items[i];
        const Ast *star = it->kind == AST_STAR ? it : (it->kind == AST_SELECT_ITEM && it->left && it->left->kind == AST_STAR) ? it->left : NULL;
        if (star) {
            if (scope->n == 0 && !star->qualifier)
                return err_at(err, star->pos, "SELECT * with no tables specified is not valid");
            bool any = false;
            for (int c = 0; c < scope->n; c++) {
                if (star->qualifier && !(scope->cols[c].qual && strcasecmp(scope->cols[c].qual, star->qualifier) == 0))
                    continue;
                SelItem *s = sel_add(b, out);
                s->col = c;
                s->name = scope->cols[c].name;
                s->pos = star->pos;
                any = true;
            }
            if (!any && star->qualifier)
                return err_at(err, star->pos, "missing FROM-clause entry for table \"%s\"", star->qualifier);
            continue;
        }
        const Ast *e = it->kind == AST_SELECT_ITEM ? it->left : it;
        if (!e) return err_at(err, it->pos, "missing expression in select list");
        SelItem *s = sel_add(b, out);
        s->ast = e;
        s->alias = it->kind == AST_SELECT_ITEM ? it->name : NULL;
        s->name = s->alias ? s->alias : expr_name(b, e);
        s->pos = e->pos;
    }
    return 0;
}

/* ------------------------------------------------------------------ grouping */

static bool any_agg(const AstSelect *q) {
    if (q->items)
        for (int i = 0; i < q->items->n; i++)
            if (bind_has_agg(q->items->items[i])) return true;
    if (bind_has_agg(q->having)) return true;
    if (q->order_by)
        for (int i = 0; i < q->order_by->n; i++)
            if (bind_has_agg(q->order_by->items[i])) return true;
    return false;
}

/* Does an unqualified name mean a column of the scope? */
static bool in_scope(const Scope *s, const char *name) {
    for (int i = 0; i < s->n; i++)
        if (s->cols[i].name && strcasecmp(s->cols[i].name, name) == 0) return true;
    return false;
}

/* A select item bound over the input, as GROUP BY 1 / GROUP BY alias mean it. */
static int bind_item_pre(Binder *b, const Scope *scope, const SelItem *it, const char *no_agg, Expr **out) {
    if (it->col >= 0) {
        *out = expr_column(A(b), it->col, scope->cols[it->col].type, scope->cols[it->col].name);
        (*out)->pos = it->pos;
        return 0;
    }
    ExprCtx x = {b, scope, NULL, no_agg};
    return bind_expr(&x, it->ast, out);
}

/*
** GROUP BY keys, each an input column expression, a select-list position
** (GROUP BY 1) or a select-list alias that is not also an input column
** (PostgreSQL's precedence).  Repeated keys are kept once.
*/
static int bind_groups(Binder *b, const AstSelect *q, const Scope *scope, const SelList *sel, AggState *st) {
    Err *err = b->pc->err;
    const char *no_agg = "aggregate functions are not allowed in GROUP BY";
    int n = q->group_by ? q->group_by->n : 0;
    st->groups = ARENA_ARRAY(A(b), Expr *, n > 0 ? n : 1);
    st->group_names = ARENA_ARRAY(A(b), const char *, n > 0 ? n : 1);
    for (int i = 0; i < n; i++) {
        const Ast *g = q->group_by->items[i];
        Expr *e = NULL;
        const char *name = NULL;
        if (g->kind == AST_INT) {
            if (g->ival < 1 || g->ival > sel->n)
                return err_at(err, g->pos, "GROUP BY position %lld is not in select list", (long long)g->ival);
            const SelItem *it = &sel->items[g->ival - 1];
            if (bind_item_pre(b, scope, it, no_agg, &e)) return -1;
            name = it->name;
        } else if (g->kind == AST_COLUMN && !g->qualifier && g->name && !in_scope(scope, g->name)) {
            const SelItem *match = NULL;
            for (int k = 0; k < sel->n; k++) {
                const SelItem *it = &sel->items[k];
                if (!it->alias || strcasecmp(it->alias, g->name) != 0) continue;
                if (match) return err_at(err, g->pos, "GROUP BY \"%s\" is ambiguous", g->name);
                match = it;
            }
            if (!match) return err_at(err, g->pos, "column \"%s\" does not exist", g->name);
            if (bind_item_pre(b, scope, match, no_agg, &e)) return -1;
            name = match->name;
        } else {
            ExprCtx x = {b, scope, NULL, no_agg};
            if (bind_expr(&x, g, &e)) return -1;
            name = expr_name(b, g);
        }
        e = bind_settle_null(b, e, TYPE_TEXT);
        if (bind_find_group(st, e) >= 0) continue;
        st->groups[st->ngroups] = e;
        st->group_names[st->ngroups] = name;
        st->ngroups++;
    }
    return 0;
}

/* ------------------------------------------------------------------ ORDER BY, LIMIT */

/* A LIMIT or OFFSET value: a constant, non-negative BIGINT.  NULL means none (-1). */
static int bind_count(Binder *b, const Ast *e, const char *what, int64_t *out) {
    Scope none = {0, NULL};
    char msg[64];
    snprintf(msg, sizeof msg, "aggregate functions are not allowed in %s", what);
    ExprCtx x = {b, &none, NULL, msg};
    Expr *r;
    if (bind_expr(&x, e, &r)) return -1;
    r = bind_settle_null(b, r, TYPE_BIGINT);
    if (r->type != TYPE_BIGINT)
        return err_at(b->pc->err, e->pos, "argument of %s must be BIGINT, not %s", what, type_name(r->type));
    Value v;
    if (bind_eval_const(b, r, &v)) return -1;
    if (v.null) {
        *out = -1;
        return 0;
    }
    if (v.u.i < 0) return err_at(b->pc->err, e->pos, "%s must not be negative", what);
    *out = v.u.i;
    return 0;
}

/* ------------------------------------------------------------------ window functions */

/* e with window placeholders (BIND_WIN_COL + i) renumbered to column base + i; new nodes on changed paths. */
static Expr *place_windows(Binder *b, Expr *e, int base) {
    if (e->kind == EXPR_COLUMN) {
        if (e->col < BIND_WIN_COL) return e;
        Expr *c = arena_memdup(A(b), e, sizeof *e);
        c->col = base + (e->col - BIND_WIN_COL);
        return c;
    }
    Expr **args = NULL;
    for (int i = 0; i < e->nargs; i++) {
        Expr *n = place_windows(b, e->args[i], base);
        if (n != e->args[i] && !args) {
            args = ARENA_ARRAY(A(b), Expr *, e->nargs);
            memcpy(args, e->args, sizeof *args * (size_t)e->nargs);
        }
        if (args) args[i] = n;
    }
    if (!args) return e;
    Expr *c = arena_memdup(A(b), e, sizeof *e);
    c->args = args;
    return c;
}

/*
** One PLAN_ROWNUMBER per distinct window call, stacked over `plan` (the
** select list's input: the FROM/WHERE result, or the aggregate and HAVING),
** call i appending column ncols + i; the select list's placeholders are
** renumbered to those columns.  Every call's expressions read only the
** columns below the first node, which each node passes on.
*/
static Plan *add_row_numbers(Binder *b, Plan *plan, const WinState *ws, Expr **exprs, int nout) {
    int base = plan->schema.ncols;
    for (int i = 0; i < nout; i++) exprs[i] = place_windows(b, exprs[i], base);
    for (int k = 0; k < ws->n; k++) {
        const WinCall *c = &ws->calls[k];
        Plan *rn = plan_new(A(b), PLAN_ROWNUMBER, plan, NULL);
        int n = plan->schema.ncols;
        set_schema(b, rn, n + 1);
        for (int i = 0; i < n; i++) rn->schema.cols[i] = plan->schema.cols[i];
        rn->schema.cols[n] = (Column){"row_number", TYPE_BIGINT};
        rn->u.topn.npartition = c->npartition;
        rn->u.topn.partition = c->partition;
        rn->u.topn.nkeys = c->nkeys;
        rn->u.topn.keys = c->keys;
        plan = rn;
    }
    return plan;
}

/* ------------------------------------------------------------------ SELECT */

int bind_select(Binder *b, const AstSelect *q, Plan **out) {
    PlanCtx *pc = b->pc;
    Err *err = pc->err;
    if (!q) return err_at(err, -1, "missing query");

    /* FROM */
    Plan *plan;
    Scope scope = {0, NULL};
    if (q->from) {
        FromNames names = {0, 0, NULL};
        if (bind_from(b, q->from, &names, &plan, &scope)) return -1;
    } else {
        /* one row of no columns, so SELECT 1 + 1 returns one row */
        plan = plan_new(A(b), PLAN_VALUES, NULL, NULL);
        set_schema(b, plan, 0);
        plan->u.values.nrows = 1;
        plan->u.values.rows = ARENA_ARRAY(A(b), Value, 1);
    }

    /* WHERE */
    if (q->where) {
        ExprCtx x = {b, &scope, NULL, "aggregate functions are not allowed in WHERE"};
        Expr *pred;
        if (bind_bool(&x, q->where, "WHERE", &pred)) return -1;
        plan = make_filter(b, plan, pred);
    }

    SelList sel = {0, 0, NULL};
    if (expand_select(b, q, &scope, &sel)) return -1;

    /* GROUP BY, aggregates, HAVING: select items bound over the aggregate's output */
    bool grouped = (q->group_by && q->group_by->n > 0) || q->having || any_agg(q);
    AggState st = {0};
    WinState ws = {0};
    ExprCtx x = {b, &scope, grouped ? &st : NULL, "aggregate functions are not allowed here", &ws, NULL};
    if (grouped && bind_groups(b, q, &scope, &sel, &st)) return -1;
    for (int i = 0; i < sel.n; i++) {
        SelItem *it = &sel.items[i];
        if (it->col >= 0) {
            Expr *c = expr_column(A(b), it->col, scope.cols[it->col].type, scope.cols[it->col].name);
            c->pos = it->pos;
            if (grouped) {
                int g = bind_find_group(&st, c);
                if (g < 0) return bind_err_not_grouped(b, NULL, scope.cols[it->col].name, it->pos);
                c = expr_column(A(b), g, st.groups[g]->type, st.group_names[g]);
                c->pos = it->pos;
            }
            it->expr = c;
        } else if (bind_expr(&x, it->ast, &it->expr)) {
            return -1;
        }
        it->expr = bind_settle_null(b, it->expr, TYPE_TEXT);
    }
    Expr *having = NULL;
    if (q->having) {
        ExprCtx hx = x;
        hx.win = NULL;
        hx.no_win = "window functions are not allowed in HAVING";
        if (bind_bool(&hx, q->having, "HAVING", &having)) return -1;
    }

    /* ORDER BY: keys name output columns; other expressions become hidden columns */
    int nkeys = q->order_by ? q->order_by->n : 0;
    SortKey *keys = ARENA_ARRAY(A(b), SortKey, nkeys > 0 ? nkeys : 1);
    int *key_col = ARENA_ARRAY(A(b), int, nkeys > 0 ? nkeys : 1);
    int nout = sel.n;   /* select items, then hidden columns */
    Expr **exprs = ARENA_ARRAY(A(b), Expr *, sel.n + nkeys);
    const char **onames = ARENA_ARRAY(A(b), const char *, sel.n + nkeys);
    for (int i = 0; i < sel.n; i++) {
        exprs[i] = sel.items[i].expr;
        onames[i] = sel.items[i].name;
    }
    for (int k = 0; k < nkeys; k++) {
        const Ast *o = q->order_by->items[k];
        const Ast *e = o->kind == AST_ORDER_ITEM ? o->left : o;
        if (!e) return err_at(err, o->pos, "missing ORDER BY expression");
        int col = -1;
        if (e->kind == AST_INT) {
            if (e->ival < 1 || e->ival > sel.n)
                return err_at(err, e->pos, "ORDER BY position %lld is not in select list", (long long)e->ival);
            col = (int)e->ival - 1;
        } else if (e->kind == AST_COLUMN && !e->qualifier && e->name) {
            for (int i = 0; i < sel.n; i++) {
                if (!sel.items[i].name || strcasecmp(sel.items[i].name, e->name) != 0) continue;
                if (col >= 0 && !expr_equal(exprs[col], exprs[i]))
                    return err_at(err, e->pos, "ORDER BY \"%s\" is ambiguous", e->name);
                if (col < 0) col = i;
            }
        }
        if (col < 0) {
            Expr *r;
            if (bind_expr(&x, e, &r)) return -1;
            r = bind_settle_null(b, r, TYPE_TEXT);
            for (int i = 0; i < nout && col < 0; i++)
                if (expr_equal(exprs[i], r)) col = i;
            if (col < 0) {
                if (q->distinct)
                    return err_at(err, e->pos, "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
                col = nout;
                exprs[nout] = r;
                onames[nout] = expr_name(b, e);
                nout++;
            }
        }
        key_col[k] = col;
        keys[k].desc = o->kind == AST_ORDER_ITEM && o->desc;
        int nf = o->kind == AST_ORDER_ITEM ? o->nulls_first : -1;
        keys[k].nulls_first = nf < 0 ? keys[k].desc : nf == 1;
    }

    /* LIMIT / OFFSET */
    int64_t limit = -1, offset = 0;
    if (q->limit && bind_count(b, q->limit, "LIMIT", &limit)) return -1;
    if (q->offset) {
        if (bind_count(b, q->offset, "OFFSET", &offset)) return -1;
        if (offset < 0) offset = 0;
    }

    /* assemble */
    if (grouped) {
        Plan *ag = plan_new(A(b), PLAN_AGGREGATE, plan, NULL);
        ag->u.agg.ngroups = st.ngroups;
        ag->u.agg.groups = st.groups;
        ag->u.agg.naggs = st.naggs;
        ag->u.agg.aggs = st.aggs;
        set_schema(b, ag, st.ngroups + st.naggs);
        for (int g = 0; g < st.ngroups; g++) ag->schema.cols[g] = (Column){st.group_names[g], st.groups[g]->type};
        for (int j = 0; j < st.naggs; j++)
            ag->schema.cols[st.ngroups + j] = (Column){st.aggs[j].name, st.aggs[j].type};
        plan = ag;
        if (having) plan = make_filter(b, plan, having);
    }
    if (ws.n > 0) plan = add_row_numbers(b, plan, &ws, exprs, nout);
    plan = make_project(b, plan, nout, exprs, onames);
    if (q->distinct) {
        Plan *d = plan_new(A(b), PLAN_AGGREGATE, plan, NULL);
        copy_schema(b, d, &plan->schema);
        d->u.agg.ngroups = nout;
        d->u.agg.groups = ARENA_ARRAY(A(b), Expr *, nout);
        for (int i = 0; i < nout; i++)
            d->u.agg.groups[i] = expr_column(A(b), i, plan->schema.cols[i].type, plan->schema.cols[i].name);
        plan = d;
    }
    if (nkeys > 0) {
        Plan *s = plan_new(A(b), PLAN_SORT, plan, NULL);
        copy_schema(b, s, &plan->schema);
        for (int k = 0; k < nkeys; k++)
            keys[k].expr = expr_column(A(b), key_col[k], plan->schema.cols[key_col[k]].type,
                                       plan->schema.cols[key_col[k]].name);
        s->u.sort.nkeys = nkeys;
        s->u.sort.keys = keys;
        plan = s;
    }
    if (limit >= 0 || offset > 0) {
        Plan *l = plan_new(A(b), PLAN_LIMIT, plan, NULL);
        copy_schema(b, l, &plan->schema);
        l->u.limit.limit = limit;
        l->u.limit.offset = offset;
        plan = l;
    }
    if (nout > sel.n) {
        Expr **keep = ARENA_ARRAY(A(b), Expr *, sel.n);
        for (int i = 0; i < sel.n; i++) keep[i] = expr_column(A(b), i, plan->schema.cols[i].type, onames[i]);
        plan = make_project(b, plan, sel.n, keep, onames);
    }
    *out = plan;
    return 0;
}

/*
** Bind a query to its logical plan (see the file comment for the shape),
** with its event-time marks, watermark columns and window_end groups set
** (event_time.c).
*/
int plan_query(PlanCtx *pc, const AstSelect *q, Plan **out) {
    Binder b = {pc, 0};
    if (bind_select(&b, q, out)) return -1;
    plan_mark_event_time(pc->arena, *out);
    return 0;
}
