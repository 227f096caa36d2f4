/*
** EXPLAIN: plans and expressions as text.
**
** plan_to_text() prints one node per line, children indented two spaces
** below their parent (a join's left input first).  The logical form names
** columns (`Aggregate [k] [sum(v), count(*)]`); the physical form uses the
** executor's operator names (exec_op_name) and column positions, which is
** what the operators actually see (`HashAggregate keys=[#0] aggs=[sum(#1),
** count_star()]`).  A scan always shows the relation's column names it reads:
** that list is what a reader decodes.
**
** Event time: in the logical form an event-time column is marked with a
** trailing `*` where a node names its output (scan and values column lists,
** projection items, aggregate keys) and at a window's time column; a
** streaming scan shows its WATERMARK (`watermark=ts - INTERVAL '00:00:10'`,
** physical: the output position `#2`), an aggregate the group that closes
** its windows (`window_end=#1`, the group's position).
**
** expr_to_text() prints SQL: operators infix with the parentheses precedence
** requires and no others, constants as SQL literals ('it''s',
** TIMESTAMP '2024-01-01 00:00:00', INTERVAL '00:00:10').
**
** plan_explain() is the EXPLAIN statement: logical plan, optimized plan, the
** rules that fired, physical plan.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../exec/exec.h"
#include "optimizer.h"

/* ------------------------------------------------------------------ expressions */

/* Binding strength, loosest first (PostgreSQL's order). */
enum {
    PREC_OR = 1,
    PREC_AND,
    PREC_NOT,
    PREC_IS,
    PREC_CMP,
    PREC_LIKE,   /* LIKE, IN */
    PREC_OTHER,  /* ||, unknown operators */
    PREC_ADD,
    PREC_MUL,
    PREC_UNARY,
    PREC_PRIMARY = 12,
};

typedef struct Out {
    FILE *f;
    const Schema *in;  /* names for column references, or NULL for #i */
    int off;           /* added to #i (join right keys in physical plans) */
} Out;

static void put(Out *o, const Expr *e, int min_prec);

static bool is_word(const char *s) { return s && (isalpha((unsigned char)s[0]) || s[0] == '_'); }

/* Infix precedence of an operator call, 0 when it prints as name(args). */
static int op_prec(const Expr *e) {
    if (e->kind != EXPR_CALL || !e->fn || !e->fn->name) return 0;
    const char *n = e->fn->name;
    if (e->nargs == 1 && (strcmp(n, "neg") == 0 || strcmp(n, "-") == 0)) return PREC_UNARY;
    if (e->nargs != 2) return 0;
    if (!strcmp(n, "=") || !strcmp(n, "<>") || !strcmp(n, "!=") || !strcmp(n, "<") || !strcmp(n, "<=") ||
        !strcmp(n, ">") || !strcmp(n, ">="))
        return PREC_CMP;
    if (!strcmp(n, "like") || !strcmp(n, "not like") || !strcmp(n, "ilike") || !strcmp(n, "not ilike"))
        return PREC_LIKE;
    if (!strcmp(n, "+") || !strcmp(n, "-")) return PREC_ADD;
    if (!strcmp(n, "*") || !strcmp(n, "/") || !strcmp(n, "%")) return PREC_MUL;
    if (!is_word(n)) return PREC_OTHER;
    return 0;
}

static int prec(const Expr *e) {
    switch (e->kind) {
    case EXPR_OR: return e->nargs > 1 ? PREC_OR : PREC_PRIMARY;
    case EXPR_AND: return e->nargs > 1 ? PREC_AND : PREC_PRIMARY;
    case EXPR_NOT: return PREC_NOT;
    case EXPR_IS_NULL:
    case EXPR_IS_NOT_NULL: return PREC_IS;
    case EXPR_IN: return PREC_LIKE;
    case EXPR_CALL: {
        int p = op_prec(e);
        return p ? p : PREC_PRIMARY;
    }
    default: return PREC_PRIMARY;
    }
}

static void put_upper(FILE *f, const char *s) {
    for (; *s; s++) fputc(toupper((unsigned char)*s), f);
}

/* A string literal with quotes doubled. */
static void put_quoted(FILE *f, const char *s, size_t n) {
    fputc('\'', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'') fputc('\'', f);
        fputc(s[i], f);
    }
    fputc('\'', f);
}

static void put_value(FILE *f, const Value *v) {
    char buf[64];
    if (v->null || v->type == TYPE_NULL) {
        fputs("NULL", f);
        return;
    }
    switch (v->type) {
    case TYPE_BOOL: fputs(v->u.b ? "TRUE" : "FALSE", f); break;
    case TYPE_BIGINT: fprintf(f, "%lld", (long long)v->u.i); break;
    case TYPE_DOUBLE:
        double_format(v->u.d, buf, sizeof buf);
        if (isdigit((unsigned char)buf[0]) || (buf[0] == '-' && isdigit((unsigned char)buf[1])))
            fputs(buf, f);
        else
            fprintf(f, "CAST('%s' AS DOUBLE)", buf);   /* NaN, Infinity */
        break;
    case TYPE_TEXT: put_quoted(f, v->u.s.ptr, v->u.s.len); break;
    case TYPE_TIMESTAMP:
        ts_format(v->u.i, buf);
        fprintf(f, "TIMESTAMP '%s'", buf);
        break;
    case TYPE_INTERVAL:
        interval_format(v->u.i, buf, sizeof buf);
        fprintf(f, "INTERVAL '%s'", buf);
        break;
    default: fputs("?", f); break;
    }
}

/* An output name, double-quoted unless it reads back as the same identifier. */
static void put_name(FILE *f, const char *name) {
    bool plain = (islower((unsigned char)name[0]) || name[0] == '_');
    for (const char *c = name; *c && plain; c++)
        plain = islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_';
    if (plain) {
        fputs(name, f);
        return;
    }
    fputc('"', f);
    for (const char *c = name; *c; c++) {
        if (*c == '"') fputc('"', f);
        fputc(*c, f);
    }
    fputc('"', f);
}

static void put_column(Out *o, const Expr *e) {
    if (o->in && e->col >= 0 && e->col < o->in->ncols && o->in->cols[e->col].name)
        fputs(o->in->cols[e->col].name, o->f);
    else
        fprintf(o->f, "#%d", e->col + o->off);
}

static void put_list(Out *o, Expr *const *args, int n) {
    for (int i = 0; i < n; i++) {
        if (i) fputs(", ", o->f);
        put(o, args[i], 0);
    }
}

static bool starts_negative(const Expr *e) {
    if (e->kind == EXPR_CONST && !e->value.null)
        return (e->value.type == TYPE_BIGINT && e->value.u.i < 0) || (e->value.type == TYPE_DOUBLE && e->value.u.d < 0);
    return e->kind == EXPR_CALL && op_prec(e) == PREC_UNARY;
}

static void put_call(Out *o, const Expr *e) {
    FILE *f = o->f;
    const char *name = e->fn ? e->fn->name : e->name ? e->name : "?";
    int p = op_prec(e);
    if (p == PREC_UNARY) {
        fputc('-', f);
        if (starts_negative(e->args[0])) {
            fputc('(', f);
            put(o, e->args[0], 0);
            fputc(')', f);
        } else {
            put(o, e->args[0], PREC_UNARY);
        }
    } else if (p) {
        /* left-associative: the right operand binds tighter; comparisons do not chain */
        put(o, e->args[0], p == PREC_CMP || p == PREC_LIKE ? p + 1 : p);
        fputc(' ', f);
        if (is_word(name))
            put_upper(f, name);
        else
            fputs(name, f);
        fputc(' ', f);
        put(o, e->args[1], p + 1);
    } else {
        fprintf(f, "%s(", name);
        put_list(o, e->args, e->nargs);
        fputc(')', f);
    }
}

static void put(Out *o, const Expr *e, int min_prec) {
    FILE *f = o->f;
    if (!e) {
        fputs("?", f);
        return;
    }
    int p = prec(e);
    bool paren = p < min_prec;
    if (paren) fputc('(', f);
    switch (e->kind) {
    case EXPR_CONST: put_value(f, &e->value); break;
    case EXPR_COLUMN: put_column(o, e); break;
    case EXPR_CALL: put_call(o, e); break;
    case EXPR_CAST:
        fputs("CAST(", f);
        if (e->nargs > 0) put(o, e->args[0], 0);
        fprintf(f, " AS %s)", type_name(e->type));
        break;
    case EXPR_AND:
    case EXPR_OR:
        for (int i = 0; i < e->nargs; i++) {
            if (i) fputs(e->kind == EXPR_AND ? " AND " : " OR ", f);
            put(o, e->args[i], p);
        }
        break;
    case EXPR_NOT:
        fputs("NOT ", f);
        if (e->nargs > 0) put(o, e->args[0], PREC_NOT);
        break;
    case EXPR_IS_NULL:
    case EXPR_IS_NOT_NULL:
        /* PREC_IS + 1 would do, but `(k > 1) IS NULL` reads better than `k > 1 IS NULL` */
        if (e->nargs > 0) put(o, e->args[0], PREC_LIKE);
        fputs(e->kind == EXPR_IS_NULL ? " IS NULL" : " IS NOT NULL", f);
        break;
    case EXPR_IN:
        if (e->nargs > 0) put(o, e->args[0], PREC_LIKE + 1);
        fputs(" IN (", f);
        if (e->nargs > 1) put_list(o, e->args + 1, e->nargs - 1);
        fputc(')', f);
        break;
    case EXPR_CASE: {
        int nb = (e->nargs - (e->has_else ? 1 : 0)) / 2;
        fputs("CASE", f);
        for (int i = 0; i < nb; i++) {
            fputs(" WHEN ", f);
            put(o, e->args[2 * i], 0);
            fputs(" THEN ", f);
            put(o, e->args[2 * i + 1], 0);
        }
        if (e->has_else && e->nargs > 0) {
            fputs(" ELSE ", f);
            put(o, e->args[e->nargs - 1], 0);
        }
        fputs(" END", f);
        break;
    }
    default: fputs("?", f); break;
    }
    if (paren) fputc(')', f);
}

/* Close an open_memstream stream and move its text into the arena (*buf is valid only after fclose). */
static char *finish(Arena *a, FILE *f, char **buf) {
    fclose(f);
    char *r = arena_strdup(a, *buf ? *buf : "");
    free(*buf);
    return r;
}

char *explain_expr(Arena *a, const Expr *e, const Schema *input, int col_offset) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return arena_strdup(a, "?");
    Out o = {f, input, col_offset};
    put(&o, e, 0);
    return finish(a, f, &buf);
}

/*
** The SQL text of e; column references by name from `input` when given,
** else as #i.  Returns arena text.
*/
char *expr_to_text(Arena *a, const Expr *e, const Schema *input) { return explain_expr(a, e, input, 0); }

/* ------------------------------------------------------------------ plans */

typedef struct PlanOut {
    FILE *f;
    Arena *arena;
    bool physical;
} PlanOut;

static void put_expr(PlanOut *po, const Expr *e, const Schema *in, int off) {
    Out o = {po->f, po->physical ? NULL : in, off};
    put(&o, e, 0);
}

static void put_agg(PlanOut *po, const AggSpec *s, const Schema *in) {
    FILE *f = po->f;
    if (s->kind == AGG_COUNT_STAR || !s->arg) {
        fputs(po->physical ? "count_star()" : "count(*)", f);
        return;
    }
    fprintf(f, "%s(%s", opt_agg_func_name(s->kind), s->distinct ? "DISTINCT " : "");
    put_expr(po, s->arg, in, 0);
    fputc(')', f);
}

static const char *scan_col_name(const Plan *p, int i) {
    const Relation *r = p->u.scan.rel;
    int c = p->u.scan.proj ? p->u.scan.proj[i] : -1;
    if (r && c >= 0 && c < r->schema.ncols && r->schema.cols[c].name) return r->schema.cols[c].name;
    return i < p->schema.ncols && p->schema.cols[i].name ? p->schema.cols[i].name : "?";
}

/* The logical form's event-time marker after a column or expression. */
static void put_mark(PlanOut *po, bool event_time) {
    if (event_time && !po->physical) fputc('*', po->f);
}

/* Expression text, in parentheses when a marker follows an operator expression: `(ts + INTERVAL '01:00:00')*`. */
static void put_marked(PlanOut *po, const char *text, bool paren) {
    if (paren) fputc('(', po->f);
    fputs(text, po->f);
    if (paren) fputc(')', po->f);
}

/* A list of sort keys (ORDER BY, ROW_NUMBER's ORDER BY). */
static void put_sort_keys(PlanOut *po, const SortKey *keys, int n, const Schema *in) {
    FILE *f = po->f;
    for (int i = 0; i < n; i++) {
        const SortKey *k = &keys[i];
        if (i) fputs(", ", f);
        put_expr(po, k->expr, in, 0);
        if (k->desc) fputs(" DESC", f);
        if (k->nulls_first != k->desc) fputs(k->nulls_first ? " NULLS FIRST" : " NULLS LAST", f);
    }
}

static void put_topn(PlanOut *po, const Plan *p, const Schema *in) {
    FILE *f = po->f;
    if (p->kind == PLAN_TOPN) fprintf(f, " limit=%lld", (long long)p->u.topn.limit);
    if (p->u.topn.npartition > 0) {
        fputs(" partition=[", f);
        for (int i = 0; i < p->u.topn.npartition; i++) {
            if (i) fputs(", ", f);
            put_expr(po, p->u.topn.partition[i], in, 0);
        }
        fputc(']', f);
    }
    if (p->u.topn.nkeys > 0) {
        fputs(" order=[", f);
        put_sort_keys(po, p->u.topn.keys, p->u.topn.nkeys, in);
        fputc(']', f);
    }
}

/* ` watermark=ts - INTERVAL '00:00:10'` of a streaming scan (physical: the output position). */
static void put_watermark(PlanOut *po, const Plan *p) {
    int w = p->u.scan.watermark_out;
    if (!p->u.scan.streaming || w < 0) return;
    if (po->physical) fprintf(po->f, " watermark=#%d", w);
    else fprintf(po->f, " watermark=%s", scan_col_name(p, w));
    if (p->u.scan.watermark_delay_us) {
        Value v = {.type = TYPE_INTERVAL};
        v.u.i = p->u.scan.watermark_delay_us;
        fputs(" - ", po->f);
        put_value(po->f, &v);
    }
}

static void put_window(PlanOut *po, const Plan *p, const Schema *in) {
    FILE *f = po->f;
    static const char *const names[] = {"TUMBLE", "HOP", "SESSION"};
    unsigned k = (unsigned)p->u.window.kind;
    fprintf(f, " %s(", k < 3 ? names[k] : "?");
    if (p->u.window.kind == WINDOW_SESSION && p->u.window.npartition > 0) {
        fputs("PARTITION BY ", f);
        for (int i = 0; i < p->u.window.npartition; i++) {
            int c = p->u.window.partition[i];
            if (i) fputs(", ", f);
            if (!po->physical && c >= 0 && c < in->ncols && in->cols[c].name)
                fputs(in->cols[c].name, f);
            else
                fprintf(f, "#%d", c);
        }
        fputs("; ", f);
    }
    int t = p->u.window.time_col;
    if (!po->physical && t >= 0 && t < in->ncols && in->cols[t].name) {
        fputs(in->cols[t].name, f);
        put_mark(po, in->cols[t].event_time);
    } else {
        fprintf(f, "#%d", t);
    }
    Value v = {.type = TYPE_INTERVAL};
    if (p->u.window.kind == WINDOW_HOP) {
        v.u.i = p->u.window.slide_us;
        fputs(", ", f);
        put_value(f, &v);
    }
    v.u.i = p->u.window.size_us;
    fputs(", ", f);
    put_value(f, &v);
    fputc(')', f);
}

/* One line: the node's name and details, without indentation or newline. */
static void put_node(PlanOut *po, const Plan *p) {
    FILE *f = po->f;
    bool phys = po->physical;
    const Schema *in = p->left ? &p->left->schema : NULL;
    static const char *const kind_names[] = {"Scan",  "Values", "Series", "Filter",    "Project", "Aggregate",
                                             "Join",  "Sort",   "Limit",  "Window",    "RowNumber", "TopN"};
    const char *name = (unsigned)p->kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[p->kind] : "?";
    if (phys) {
        const char *pn = exec_op_name(p);
        if (pn) name = pn;
    }
    fputs(name, f);
    switch (p->kind) {
    case PLAN_SCAN:
        fprintf(f, " %s %s[", p->u.scan.table ? p->u.scan.table : "?", phys ? "columns=" : "");
        for (int i = 0; i < p->u.scan.nproj; i++) {
            fprintf(f, "%s%s", i ? ", " : "", scan_col_name(p, i));
            put_mark(po, i < p->schema.ncols && p->schema.cols[i].event_time);
        }
        fputc(']', f);
        if (p->u.scan.filter) {
            /* the filter reads the scan's output: shown by the names read, also in physical plans */
            Schema s = {p->u.scan.nproj, ARENA_ARRAY(po->arena, Column, p->u.scan.nproj + 1)};
            for (int i = 0; i < s.ncols; i++) {
                s.cols[i].name = scan_col_name(p, i);
                s.cols[i].type = i < p->schema.ncols ? p->schema.cols[i].type : TYPE_NULL;
            }
            Out o = {f, &s, 0};
            fputs(" filter=(", f);
            put(&o, p->u.scan.filter, 0);
            fputc(')', f);
        }
        if (p->u.scan.streaming) fputs(" streaming", f);
        put_watermark(po, p);
        break;
    case PLAN_VALUES:
        if (!phys) {
            fputs(" [", f);
            for (int i = 0; i < p->schema.ncols; i++) {
                fprintf(f, "%s%s", i ? ", " : "", p->schema.cols[i].name ? p->schema.cols[i].name : "?");
                put_mark(po, p->schema.cols[i].event_time);
            }
            fputc(']', f);
        }
        fprintf(f, " rows=%d", p->u.values.nrows);
        break;
    case PLAN_SERIES:
        fprintf(f, " start=%lld stop=%lld step=%lld", (long long)p->u.series.start, (long long)p->u.series.stop,
                (long long)p->u.series.step);
        break;
    case PLAN_FILTER:
        fputs(" (", f);
        put_expr(po, p->u.filter.pred, in, 0);
        fputc(')', f);
        break;
    case PLAN_PROJECT:
        fputs(" [", f);
        for (int i = 0; i < p->u.project.n; i++) {
            if (i) fputs(", ", f);
            const Expr *e = p->u.project.exprs[i];
            const char *out = i < p->schema.ncols ? p->schema.cols[i].name : NULL;
            if (phys || !out) {
                put_expr(po, e, in, 0);
                continue;
            }
            /* the output name only when it is not what the expression already reads as */
            const char *text = explain_expr(po->arena, e, in, 0);
            bool as = strcmp(text, out) != 0, marked = p->schema.cols[i].event_time;
            put_marked(po, text, marked && !as && prec(e) < PREC_PRIMARY);
            if (as) {
                fputs(" AS ", f);
                put_name(f, out);
            }
            put_mark(po, marked);
        }
        fputc(']', f);
        break;
    case PLAN_AGGREGATE:
        fputs(phys ? " keys=[" : " [", f);
        for (int i = 0; i < p->u.agg.ngroups; i++) {
            if (i) fputs(", ", f);
            const Expr *g = p->u.agg.groups[i];
            bool marked = !phys && i < p->schema.ncols && p->schema.cols[i].event_time;
            if (marked) put_marked(po, explain_expr(po->arena, g, in, 0), prec(g) < PREC_PRIMARY);
            else put_expr(po, g, in, 0);
            put_mark(po, marked);
        }
        fputs(phys ? "] aggs=[" : "] [", f);
        for (int i = 0; i < p->u.agg.naggs; i++) {
            if (i) fputs(", ", f);
            put_agg(po, &p->u.agg.aggs[i], in);
        }
        fputc(']', f);
        if (p->u.agg.window_end_group >= 0) fprintf(f, " window_end=#%d", p->u.agg.window_end_group);
        break;
    case PLAN_JOIN: {
        fputs(p->u.join.kind == PJOIN_LEFT ? " LEFT" : " INNER", f);
        int nl = p->left ? p->left->schema.ncols : 0;
        if (p->u.join.nkeys > 0) {
            fputs(" keys=[", f);
            for (int i = 0; i < p->u.join.nkeys; i++) {
                if (i) fputs(", ", f);
                put_expr(po, p->u.join.lkeys[i], in, 0);
                fputs(" = ", f);
                put_expr(po, p->u.join.rkeys[i], p->right ? &p->right->schema : NULL, nl);
            }
            fputc(']', f);
        }
        if (p->u.join.residual) {
            fputs(" condition=(", f);
            put_expr(po, p->u.join.residual, &p->schema, 0);
            fputc(')', f);
        }
        break;
    }
    case PLAN_SORT:
        fputs(phys ? " keys=[" : " [", f);
        put_sort_keys(po, p->u.sort.keys, p->u.sort.nkeys, in);
        fputc(']', f);
        break;
    case PLAN_LIMIT:
        if (p->u.limit.limit >= 0)
            fprintf(f, " %lld", (long long)p->u.limit.limit);
        else
            fputs(" ALL", f);
        if (p->u.limit.offset > 0) fprintf(f, " OFFSET %lld", (long long)p->u.limit.offset);
        break;
    case PLAN_WINDOW:
        if (in) put_window(po, p, in);
        break;
    case PLAN_ROWNUMBER:
    case PLAN_TOPN:
        if (in) put_topn(po, p, in);
        break;
    default: break;
    }
}

static void put_tree(PlanOut *po, const Plan *p, int depth) {
    if (depth > 200) {
        fprintf(po->f, "%*s...\n", 2 * depth, "");
        return;
    }
    fprintf(po->f, "%*s", 2 * depth, "");
    put_node(po, p);
    fputc('\n', po->f);
    if (p->left) put_tree(po, p->left, depth + 1);
    if (p->right) put_tree(po, p->right, depth + 1);
}

/*
** The plan as text: one node per line, two spaces of indentation per level,
** every line ending in '\n'.  physical: executor operator names and #i
** column positions instead of names.  Returns arena text.
*/
char *plan_to_text(Arena *a, const Plan *p, bool physical) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return arena_strdup(a, "?\n");
    PlanOut po = {f, a, physical};
    if (p) put_tree(&po, p, 0);
    return finish(a, f, &buf);
}

/*
** EXPLAIN: render *plan (the binder's logical plan), optimize it in place,
** and render the optimized plan, the rules that fired and the physical plan,
** under `== ... ==` headings.  *out is arena text.  0, or -1 when
** optimize() fails (pc->err set).
*/
int plan_explain(PlanCtx *pc, Plan **plan, char **out) {
    char *logical = plan_to_text(pc->arena, *plan, false);
    OptTrace trace = {0};
    if (optimize(pc, plan, &trace) < 0) return -1;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return err_set(pc->err, "out of memory");
    fprintf(f, "== Logical Plan ==\n%s", logical);
    fprintf(f, "== Optimized Plan ==\n%s", plan_to_text(pc->arena, *plan, false));
    fputs("== Rules Fired ==\n", f);
    for (int i = 0; i < trace.n; i++) fprintf(f, "%s\n", trace.fired[i]);
    if (trace.n == 0) fputs("(none)\n", f);
    fprintf(f, "== Physical Plan ==\n%s", plan_to_text(pc->arena, *plan, true));
    *out = finish(pc->arena, f, &buf);
    return 0;
}
