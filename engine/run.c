/*
** What the statement runners share: planning a query, running a plan into a
** sink, collecting rows as text into a result set, and a few checks on plans
** (does it read a source? can its columns be stored?).
**
** Results are text (weir.h): every cell is rendered with value_to_text() as
** rows arrive, into the statement arena, so the executor's chunks can die as
** soon as they were pushed.
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"

PlanCtx eng_plan_ctx(StmtCtx *sc) {
    PlanCtx pc = {
        .arena = sc->arena, .catalog = sc->w->cat, .text = sc->text, .now_us = sc->now_us, .err = sc->err,
    };
    return pc;
}

int eng_plan(StmtCtx *sc, const AstSelect *q, Plan **out, OptTrace *trace) {
    PlanCtx pc = eng_plan_ctx(sc);
    Plan *p = NULL;
    if (plan_query(&pc, q, &p) || !p) {
        if (!sc->err->set) err_at(sc->err, q->pos, "cannot plan the query");
        return -1;
    }
    if (optimize(&pc, &p, trace) || !p) {
        if (!sc->err->set) err_at(sc->err, q->pos, "cannot optimize the query");
        return -1;
    }
    *out = p;
    return 0;
}

/*
** Run `p` as a batch query.  The executor polls the session's cancel flag
** between chunks, so weir_interrupt() stops it with "interrupted".
*/
int eng_run(StmtCtx *sc, const Plan *p, ChunkSink sink, void *ud) {
    ExecOptions opt = {.now_us = sc->now_us, .cancel = &sc->w->cancel};
    Executor *x = exec_new(p, sink, ud, &opt, sc->err);
    if (!x) {
        if (!sc->err->set) err_set(sc->err, "cannot build the executor");
        return -1;
    }
    int rc = exec_run(x);
    exec_free(x);
    if (rc && !sc->err->set) err_set(sc->err, "query failed");
    if (rc == 0 && sc->w->cancel) return err_set(sc->err, "interrupted");
    return rc ? -1 : 0;
}

/* ------------------------------------------------------------ plan checks */

const char *eng_plan_source(StmtCtx *sc, const Plan *p) {
    if (!p) return NULL;
    if (p->kind == PLAN_SCAN) {
        if (p->u.scan.streaming || !p->u.scan.rel) return p->u.scan.table ? p->u.scan.table : "?";
        return NULL;
    }
    const char *s = eng_plan_source(sc, p->left);
    return s ? s : eng_plan_source(sc, p->right);
}

static int ast_table_pos(const Ast *from, const char *name) {
    if (!from) return -1;
    switch (from->kind) {
    case AST_TABLE:
        return from->name && strcasecmp(from->name, name) == 0 ? from->pos : -1;
    case AST_JOIN: {
        int p = ast_table_pos(from->left, name);
        return p >= 0 ? p : ast_table_pos(from->right, name);
    }
    case AST_TABLE_FUNC:
        if (from->list)
            for (int i = 0; i < from->list->n; i++) {
                int p = ast_table_pos(from->list->items[i], name);
                if (p >= 0) return p;
            }
        return -1;
    case AST_DERIVED:
        return from->select ? eng_table_ref_pos(from->select, name) : -1;
    default:
        return -1;
    }
}

int eng_table_ref_pos(const AstSelect *q, const char *name) {
    int p = ast_table_pos(q->from, name);
    return p >= 0 ? p : q->pos;
}

Plan *eng_storable_plan(Arena *a, Plan *p) {
    bool need = false;
    for (int i = 0; i < p->schema.ncols; i++)
        if (p->schema.cols[i].type == TYPE_NULL) need = true;
    if (!need) return p;
    int n = p->schema.ncols;
    Plan *proj = plan_new(a, PLAN_PROJECT, p, NULL);
    proj->schema.ncols = n;
    proj->schema.cols = ARENA_ARRAY(a, Column, n);
    proj->u.project.n = n;
    proj->u.project.exprs = ARENA_ARRAY(a, Expr *, n);
    for (int i = 0; i < n; i++) {
        Column c = p->schema.cols[i];
        if (c.type == TYPE_NULL) {
            /* Only NULLs can be in a NULL-typed column: a typed NULL constant says the same. */
            Value v = {.type = TYPE_TEXT, .null = true};
            proj->u.project.exprs[i] = expr_const(a, &v);
            proj->u.project.exprs[i]->type = TYPE_TEXT;
            c.type = TYPE_TEXT;
        } else {
            proj->u.project.exprs[i] = expr_column(a, i, c.type, c.name);
        }
        proj->schema.cols[i] = c;
    }
    return proj;
}

int eng_check_unique_columns(StmtCtx *sc, const Schema *s, int pos) {
    for (int i = 0; i < s->ncols; i++)
        for (int j = 0; j < i; j++)
            if (strcasecmp(s->cols[i].name, s->cols[j].name) == 0)
                return err_at(sc->err, pos, "column \"%s\" specified more than once (give the columns distinct names)",
                              s->cols[i].name);
    return 0;
}

const char *eng_kind_name(CatKind k) {
    switch (k) {
    case CAT_TABLE: return "table";
    case CAT_SOURCE: return "source";
    case CAT_VIEW: return "view";
    case CAT_MATVIEW: return "materialized view";
    case CAT_SINK: return "sink";
    }
    return "object";
}

void eng_copy_options(CatEntry *e, const AstStmt *st) {
    e->noptions = st->noptions;
    e->options = st->noptions ? ARENA_ARRAY(&e->arena, CatOption, st->noptions) : NULL;
    for (int i = 0; i < st->noptions; i++) {
        e->options[i].key = arena_strdup(&e->arena, st->options[i].key ? st->options[i].key : "");
        e->options[i].value = arena_strdup(&e->arena, st->options[i].value ? st->options[i].value : "");
    }
}

/* ------------------------------------------------------------ result sets */

void rs_init(ResultSet *rs, Arena *a, const Schema *schema) {
    memset(rs, 0, sizeof *rs);
    rs->arena = a;
    rs->ncols = schema->ncols;
    rs->names = ARENA_ARRAY(a, const char *, schema->ncols + 1);
    rs->types = ARENA_ARRAY(a, const char *, schema->ncols + 1);
    for (int i = 0; i < schema->ncols; i++) {
        rs->names[i] = schema->cols[i].name ? schema->cols[i].name : "?column?";
        rs->types[i] = type_name(schema->cols[i].type == TYPE_NULL ? TYPE_TEXT : schema->cols[i].type);
    }
}

void rs_init_text(ResultSet *rs, Arena *a, const char *const *names) {
    int n = 0;
    while (names[n]) n++;
    Schema s = {.ncols = n, .cols = ARENA_ARRAY(a, Column, n + 1)};
    for (int i = 0; i < n; i++) s.cols[i] = (Column){.name = names[i], .type = TYPE_TEXT};
    rs_init(rs, a, &s);
}

static const char **rs_new_row(ResultSet *rs) {
    if (rs->nrows == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 64;
        size_t n = (size_t)rs->cap * (size_t)(rs->ncols ? rs->ncols : 1);
        rs->cells = xrealloc(rs->cells, n * sizeof *rs->cells);
    }
    return rs->cells + rs->nrows++ * rs->ncols;
}

void rs_add_row(ResultSet *rs, const char *const *cells) {
    const char **row = rs_new_row(rs);
    for (int i = 0; i < rs->ncols; i++) row[i] = cells[i];
}

void rs_deliver(StmtCtx *sc, ResultSet *rs) {
    if (sc->cb) {
        weir_result r = {
            .ncols = rs->ncols,
            .names = rs->names,
            .types = rs->types,
            .nrows = rs->nrows,
            .cells = rs->cells,
        };
        static const char *const none[1] = {NULL};
        if (!r.cells) r.cells = none;   /* never hand out a NULL array */
        sc->cb(sc->ud, &r);
    }
    rs_free(rs);
}

void rs_free(ResultSet *rs) {
    free(rs->cells);
    rs->cells = NULL;
    rs->nrows = rs->cap = 0;
}

static bool row_equal(const char *const *a, const char *const *b, int n) {
    for (int i = 0; i < n; i++) {
        if (!a[i] || !b[i]) {
            if (a[i] != b[i]) return false;
        } else if (strcmp(a[i], b[i]) != 0) {
            return false;
        }
    }
    return true;
}

/*
** Remove one earlier row equal to `row` (a retraction, weight -1).  A batch
** query's root emits only inserts, but the collector keeps the changelog
** contract anyway: a result is the sum of its changes.
*/
static void rs_retract(ResultSet *rs, const char *const *row) {
    for (int64_t r = rs->nrows - 1; r >= 0; r--) {
        const char **cand = rs->cells + r * rs->ncols;
        if (row_equal(cand, row, rs->ncols)) {
            memmove(cand, cand + rs->ncols, (size_t)(rs->nrows - r - 1) * (size_t)rs->ncols * sizeof *cand);
            rs->nrows--;
            return;
        }
    }
}

int eng_result_sink(void *ud, const Chunk *c) {
    ResultSet *rs = ud;
    uint32_t n = chunk_active(c);
    int nc = rs->ncols < c->ncols ? rs->ncols : c->ncols;
    const char **row = ARENA_ARRAY(rs->arena, const char *, rs->ncols + 1);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = chunk_row(c, k);
        for (int j = 0; j < rs->ncols; j++) row[j] = NULL;
        for (int j = 0; j < nc; j++) {
            const Vec *v = &c->cols[j];
            if (v->type == TYPE_NULL || vec_is_null(v, i)) continue;
            Value val;
            vec_get(v, i, &val);
            row[j] = val.null ? NULL : value_to_text(rs->arena, &val);
        }
        int64_t wgt = chunk_weight(c, i);
        for (int64_t r = 0; r < wgt; r++) rs_add_row(rs, row);
        for (int64_t r = 0; r > wgt; r--) rs_retract(rs, row);
    }
    return 0;
}
