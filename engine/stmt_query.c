/*
** Statements around queries: SELECT, EXPLAIN, CREATE VIEW and
** CREATE MATERIALIZED VIEW, and the output-mode rules of CONTRACT §4.
**
** A SELECT over tables is a batch query: bind, optimize, run into a result
** set.  A materialized view over tables is the same query run once into a
** table of the results database, written in one transaction (readers of
** weir.db see the old table or the new one, never half of it).  Queries over
** sources are continuous queries (queries.c, stream/): a SELECT runs in the
** foreground printing each micro-batch; a materialized view maintains its
** result table in the background, one transaction per micro-batch.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"

/* ------------------------------------------------------------ output modes */

/* Where an output column of a plan node comes from. */
typedef struct Origin {
    const Plan *node;   /* the scan / window / aggregate / values node that produces it */
    int col;            /* its column in node's output */
} Origin;

/*
** Follow output column `col` of `p` down through nodes that pass columns
** through unchanged (filters, sorts, projections of bare columns, joins) to
** the node that produces it.  False when it is computed by an expression.
*/
static bool trace_col(const Plan *p, int col, Origin *out) {
    while (p) {
        if (col < 0 || col >= p->schema.ncols) return false;
        switch (p->kind) {
        case PLAN_FILTER:
        case PLAN_SORT:
        case PLAN_LIMIT:
            p = p->left;
            break;
        case PLAN_PROJECT: {
            const Expr *e = col < p->u.project.n ? p->u.project.exprs[col] : NULL;
            if (!e || e->kind != EXPR_COLUMN) return false;
            col = e->col;
            p = p->left;
            break;
        }
        case PLAN_JOIN: {
            int lc = p->left ? p->left->schema.ncols : 0;
            if (col < lc) {
                p = p->left;
            } else {
                col -= lc;
                p = p->right;
            }
            break;
        }
        case PLAN_WINDOW:
            if (p->left && col < p->left->schema.ncols) {
                p = p->left;
                break;
            }
            *out = (Origin){p, col};
            return true;
        case PLAN_AGGREGATE:
            if (col < p->u.agg.ngroups) {
                const Expr *g = p->u.agg.groups[col];
                if (!g || g->kind != EXPR_COLUMN) return false;
                col = g->col;
                p = p->left;
                break;
            }
            *out = (Origin){p, col};
            return true;
        default:
            *out = (Origin){p, col};
            return true;
        }
    }
    return false;
}

/* Constructs over a stream whose result rows are not final (they can be retracted). */
typedef enum Unfinal { FINAL = 0, UNFINAL_LEFT_JOIN, UNFINAL_TOP_N } Unfinal;

/* What the output-mode rules need to know about a query. */
typedef struct ModeInfo {
    bool has_agg;                 /* some aggregation (GROUP BY, aggregate, DISTINCT) */
    Unfinal unfinal;              /* the first construct whose rows a stream can retract */
    bool unwindowed_agg;          /* an aggregation not grouped by an event-time window */
    bool no_watermark;            /* a windowed aggregation whose time column has no WATERMARK */
    const char *time_col;         /* ... that column's name */
    const char *rel;              /* ... the table / source it comes from (NULL: computed) */
    const char *rel_kind;         /* "table" / "source" */
} ModeInfo;

/* The window an aggregation is grouped by (a group key that is window_start/window_end), or NULL. */
static const Plan *agg_window(const Plan *agg) {
    for (int i = 0; i < agg->u.agg.ngroups; i++) {
        const Expr *g = agg->u.agg.groups[i];
        Origin o;
        if (g && g->kind == EXPR_COLUMN && agg->left && trace_col(agg->left, g->col, &o) &&
            o.node->kind == PLAN_WINDOW)
            return o.node;
    }
    return NULL;
}

/*
** Does the time column of window `win` carry a WATERMARK?  It does when the
** planner marked it as event time (planner/event_time.c): a SOURCE's
** WATERMARK FOR column, renamed, filtered, joined, or shifted by a constant
** interval or date_trunc'ed; a table has no watermark, so a window over it is
** never final for EMIT APPEND.  The marks are what the executor finalizes
** windows by, so they decide.  Otherwise records what is missing (the
** column and the table or source it comes from) for the message.
*/
static bool window_has_watermark(StmtCtx *sc, const Plan *win, ModeInfo *mi) {
    int tc = win->u.window.time_col;
    if (win->left && tc >= 0 && tc < win->left->schema.ncols && win->left->schema.cols[tc].event_time) return true;
    Origin o;
    mi->time_col = win->left && win->u.window.time_col < win->left->schema.ncols
                       ? win->left->schema.cols[win->u.window.time_col].name
                       : "?";
    mi->rel = NULL;
    mi->rel_kind = "table";
    if (!win->left || !trace_col(win->left, win->u.window.time_col, &o) || o.node->kind != PLAN_SCAN ||
        !o.node->u.scan.table)
        return false;
    Err scratch;
    err_clear(&scratch);
    const CatEntry *e = catalog_find(sc->w->cat, o.node->u.scan.table, &scratch);
    int relcol = o.node->u.scan.proj && o.col < o.node->u.scan.nproj ? o.node->u.scan.proj[o.col] : o.col;
    mi->rel = o.node->u.scan.table;
    if (!e) return false;
    mi->rel = e->name;
    mi->rel_kind = e->kind == CAT_SOURCE ? "source" : eng_kind_name(e->kind);
    if (relcol >= 0 && relcol < e->schema.ncols) mi->time_col = e->schema.cols[relcol].name;
    return false;
}

static bool reads_stream(const Plan *p) {
    if (!p) return false;
    if (p->kind == PLAN_SCAN) return p->u.scan.streaming;
    return reads_stream(p->left) || reads_stream(p->right);
}

/* Is there an ORDER BY under this LIMIT (through projections and filters)? */
static bool sorted_below(const Plan *p) {
    for (p = p->left; p; p = p->left) {
        if (p->kind == PLAN_SORT) return true;
        if (p->kind != PLAN_PROJECT && p->kind != PLAN_FILTER) return false;
    }
    return false;
}

static void mode_scan(StmtCtx *sc, const Plan *p, ModeInfo *mi) {
    if (!p) return;
    if (!mi->unfinal) {
        /* A stream on the right of a LEFT JOIN: a left row is written padded with NULLs, then
           retracted when its match arrives.  ORDER BY ... LIMIT (a top-N, also ROW_NUMBER) over
           a stream: a row leaves the first N when a better one arrives. */
        if (p->kind == PLAN_JOIN && p->u.join.kind == PJOIN_LEFT && reads_stream(p->right))
            mi->unfinal = UNFINAL_LEFT_JOIN;
        else if (((p->kind == PLAN_LIMIT && sorted_below(p)) || p->kind == PLAN_TOPN || p->kind == PLAN_ROWNUMBER) &&
                 reads_stream(p))
            mi->unfinal = UNFINAL_TOP_N;
    }
    if (p->kind == PLAN_AGGREGATE) {
        mi->has_agg = true;
        const Plan *win = agg_window(p);
        if (!win)
            mi->unwindowed_agg = true;
        else if (!mi->no_watermark && !window_has_watermark(sc, win, mi))
            mi->no_watermark = true;
        else if (p->u.agg.window_end_group < 0)
            /* the planner found no group saying when a window is final (event_time.c): the
               executor would never finalize it, so its rows are not final either */
            mi->unwindowed_agg = true;
    }
    mode_scan(sc, p->left, mi);
    mode_scan(sc, p->right, mi);
}

/*
** Apply CONTRACT §4 to a bound (not yet optimized) query: refuse EMIT APPEND
** for an aggregation whose rows are never final (and, over streams, for
** other constructs that retract rows: a LEFT JOIN with a stream on the
** right, ORDER BY ... LIMIT, ROW_NUMBER / top-N), and EMIT COMPLETE for a
** query without aggregation.  An aggregation is appendable when it is
** grouped by window_start / window_end of a TUMBLE, HOP or SESSION whose
** time column is a SOURCE's WATERMARK column (the planner then gives it an
** agg.window_end_group): the executor, run append-only, emits each window
** once, when the watermark passes its end.  *mode receives the effective
** mode (the default is APPEND where allowed, else UPDATE).  0 / -1 (err set
** at the EMIT clause).
*/
int eng_check_output_mode(StmtCtx *sc, const AstSelect *q, const Plan *logical, EmitMode *mode) {
    ModeInfo mi = {0};
    mode_scan(sc, logical, &mi);
    int pos = q->emit_pos >= 0 && q->emit != EMIT_DEFAULT ? q->emit_pos : q->pos;
    bool append_ok = !mi.unwindowed_agg && !mi.no_watermark && !mi.unfinal;
    switch (q->emit) {
    case EMIT_APPEND:
        if (mi.unfinal == UNFINAL_LEFT_JOIN)
            return err_at(sc->err, pos,
                          "EMIT APPEND is not allowed for a LEFT JOIN with a stream on its right side: a left row "
                          "is first written padded with NULLs and retracted when its match arrives, so rows are "
                          "not final; use EMIT UPDATE, or an inner JOIN");
        if (mi.unfinal == UNFINAL_TOP_N)
            return err_at(sc->err, pos,
                          "EMIT APPEND is not allowed for a top-N over a stream (ORDER BY ... LIMIT, "
                          "ROW_NUMBER() OVER (...)): a row leaves the first rows when a better one arrives, so rows "
                          "are not final; use EMIT UPDATE (or EMIT COMPLETE over an aggregation)");
        if (mi.unwindowed_agg)
            return err_at(sc->err, pos,
                          "EMIT APPEND is not allowed for an aggregation without an event-time window: its rows "
                          "are never final; group by window_start/window_end of TUMBLE, HOP or SESSION over a "
                          "column with a WATERMARK, or use EMIT UPDATE or EMIT COMPLETE");
        if (mi.no_watermark && mi.rel && strcmp(mi.rel_kind, "source") == 0)
            return err_at(sc->err, pos,
                          "EMIT APPEND needs a WATERMARK on the window's time column \"%s\" of source \"%s\" to "
                          "know when a window is final; declare WATERMARK FOR %s AS %s - INTERVAL '...', or use "
                          "EMIT UPDATE or EMIT COMPLETE",
                          mi.time_col, mi.rel, mi.time_col, mi.time_col);
        if (mi.no_watermark && mi.rel)
            return err_at(sc->err, pos,
                          "EMIT APPEND needs a WATERMARK on the window's time column \"%s\", and %s \"%s\" has "
                          "none, so its windows are never final; use EMIT UPDATE or EMIT COMPLETE, or window a "
                          "source declared with WATERMARK FOR",
                          mi.time_col, mi.rel_kind, mi.rel);
        if (mi.no_watermark)
            return err_at(sc->err, pos,
                          "EMIT APPEND needs a WATERMARK on the window's time column \"%s\" (a column of a source "
                          "declared with WATERMARK FOR, or one shifted from it by a constant INTERVAL), so that "
                          "windows become final; use EMIT UPDATE or EMIT COMPLETE",
                          mi.time_col);
        *mode = EMIT_APPEND;
        return 0;
    case EMIT_COMPLETE:
        if (!mi.has_agg)
            return err_at(sc->err, pos,
                          "EMIT COMPLETE is allowed only for aggregations (it rewrites the whole result every "
                          "trigger); use EMIT APPEND or EMIT UPDATE");
        *mode = EMIT_COMPLETE;
        return 0;
    case EMIT_UPDATE:
        *mode = EMIT_UPDATE;
        return 0;
    case EMIT_DEFAULT:
        break;
    }
    *mode = append_ok ? EMIT_APPEND : EMIT_UPDATE;
    return 0;
}

static const char *emit_name(EmitMode m) {
    switch (m) {
    case EMIT_APPEND: return "append";
    case EMIT_UPDATE: return "update";
    case EMIT_COMPLETE: return "complete";
    default: return "default";
    }
}

/*
** The SQL text of the statement's query, as the user wrote it: from its first
** token to the end of the statement.  That substring is checked to parse
** back to one SELECT (it would not if, say, the query was parenthesized);
** otherwise the query is printed back from its AST.  Allocated in `a`.
*/
char *eng_query_text(StmtCtx *sc, const AstSelect *q, Arena *a) {
    int len = (int)strlen(sc->text);
    int from = q->pos, to = sc->st->end;
    if (from < 0 || from > len) from = sc->st->pos;
    if (to < from || to > len) to = len;
    while (to > from && (sc->text[to - 1] == ';' || sc->text[to - 1] == ' ' || sc->text[to - 1] == '\n' ||
                         sc->text[to - 1] == '\t' || sc->text[to - 1] == '\r'))
        to--;
    char *sql = arena_strndup(sc->arena, sc->text + from, (size_t)(to - from));
    AstStmt *st = NULL;
    int next = 0;
    Err scratch;
    err_clear(&scratch);
    if (parse_next(sql, 0, sc->arena, &st, &next, &scratch) == 0 && st && st->kind == STMT_SELECT &&
        next >= (int)strlen(sql))
        return arena_strdup(a, sql);
    return arena_strdup(a, ast_select_to_sql(sc->arena, q));
}

/* Bind `q` to a logical plan (statement arena).  0 / -1. */
static int bind_query(StmtCtx *sc, const AstSelect *q, Plan **out) {
    PlanCtx pc = eng_plan_ctx(sc);
    Plan *p = NULL;
    if (plan_query(&pc, q, &p) || !p) {
        if (!sc->err->set) err_at(sc->err, q->pos, "cannot plan the query");
        return -1;
    }
    *out = p;
    return 0;
}

static int optimize_query(StmtCtx *sc, const AstSelect *q, Plan **p, OptTrace *trace) {
    PlanCtx pc = eng_plan_ctx(sc);
    if (optimize(&pc, p, trace) || !*p) {
        if (!sc->err->set) err_at(sc->err, q->pos, "cannot optimize the query");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ SELECT */

/* SELECT over bounded relations: run it and hand the rows to the callback. */
int eng_select(StmtCtx *sc) {
    const AstSelect *q = sc->st->query;
    Plan *p;
    if (bind_query(sc, q, &p)) return -1;
    EmitMode mode;
    if (q->emit != EMIT_DEFAULT && eng_check_output_mode(sc, q, p, &mode)) return -1;
    if (eng_plan_source(sc, p)) return eng_streaming_select(sc);
    if (optimize_query(sc, q, &p, NULL)) return -1;
    ResultSet rs;
    rs_init(&rs, sc->arena, &p->schema);
    if (eng_run(sc, p, eng_result_sink, &rs)) {
        rs_free(&rs);
        return -1;
    }
    rs_deliver(sc, &rs);
    return 0;
}

/* ------------------------------------------------------------ EXPLAIN */

static void add_lines(ResultSet *rs, Arena *a, const char *text) {
    if (!text) return;
    const char *s = text;
    while (*s) {
        const char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        const char *cell = arena_strndup(a, s, n);
        rs_add_row(rs, &cell);
        if (!e) break;
        s = e + 1;
    }
}

/* "Rules fired: a, b (x2), c": each rule once, in the order it first fired. */
static char *rules_fired(Arena *a, const OptTrace *t) {
    if (t->n == 0) return arena_strdup(a, "Rules fired: none");
    size_t cap = 32;
    for (int i = 0; i < t->n; i++) cap += strlen(t->fired[i]) + 16;
    char *out = arena_alloc(a, cap);
    size_t n = (size_t)snprintf(out, cap, "Rules fired:");
    bool first = true;
    for (int i = 0; i < t->n; i++) {
        bool seen = false;
        for (int j = 0; j < i && !seen; j++) seen = strcmp(t->fired[i], t->fired[j]) == 0;
        if (seen) continue;
        int count = 0;
        for (int j = i; j < t->n; j++) count += strcmp(t->fired[i], t->fired[j]) == 0;
        n += (size_t)snprintf(out + n, cap - n, "%s %s", first ? "" : ",", t->fired[i]);
        if (count > 1) n += (size_t)snprintf(out + n, cap - n, " (x%d)", count);
        first = false;
    }
    return out;
}

/*
** EXPLAIN query: one text column `plan`, a row per line: "== Logical Plan ==",
** the bound plan, "== Optimized Plan ==", the optimized plan, "Rules fired:
** ...", "== Physical Plan ==", the plan with executor operator names.  The
** logical plan is printed before optimize() runs, since the optimizer
** rewrites the tree in place.  The query is never run, so it may read sources.
*/
int eng_explain(StmtCtx *sc) {
    const AstSelect *q = sc->st->query;
    Plan *p;
    if (bind_query(sc, q, &p)) return -1;
    char *logical = plan_to_text(sc->arena, p, false);
    OptTrace trace = {0};
    if (optimize_query(sc, q, &p, &trace)) return -1;
    static const char *const names[] = {"plan", NULL};
    ResultSet rs;
    rs_init_text(&rs, sc->arena, names);
    add_lines(&rs, sc->arena, "== Logical Plan ==");
    add_lines(&rs, sc->arena, logical);
    add_lines(&rs, sc->arena, "== Optimized Plan ==");
    add_lines(&rs, sc->arena, plan_to_text(sc->arena, p, false));
    add_lines(&rs, sc->arena, rules_fired(sc->arena, &trace));
    add_lines(&rs, sc->arena, "== Physical Plan ==");
    add_lines(&rs, sc->arena, plan_to_text(sc->arena, p, true));
    rs_deliver(sc, &rs);
    return 0;
}

/* ------------------------------------------------------------ CREATE VIEW */

/*
** A view is a name for a query: bind it once to report errors now, then keep
** only its text (re-parsed where it is used, so no AST outlives the statement).
*/
int eng_create_view(StmtCtx *sc) {
    const AstStmt *st = sc->st;
    Err scratch;
    err_clear(&scratch);
    CatEntry *old = catalog_find(sc->w->cat, st->name, &scratch);
    if (old) {
        if (st->if_not_exists) return 0;
        return err_at(sc->err, st->name_pos, "%s \"%s\" already exists", eng_kind_name(old->kind), st->name);
    }
    Plan *p;
    if (bind_query(sc, st->query, &p)) return -1;
    if (eng_check_unique_columns(sc, &p->schema, st->query->pos)) return -1;
    CatEntry *e = catalog_add(sc->w->cat, CAT_VIEW, st->name, &p->schema, sc->err);
    if (!e) {
        if (!sc->err->set) err_at(sc->err, st->name_pos, "cannot create view \"%s\"", st->name);
        if (sc->err->offset < 0) sc->err->offset = st->name_pos;
        return -1;
    }
    e->sql = eng_query_text(sc, st->query, &e->arena);
    e->watermark_col = -1;
    return 0;
}

/* ------------------------------------------------------------ CREATE MATERIALIZED VIEW */

static bool plan_reads_table(const Plan *p, const char *name) {
    if (!p) return false;
    if (p->kind == PLAN_SCAN && p->u.scan.table && strcasecmp(p->u.scan.table, name) == 0) return true;
    return plan_reads_table(p->left, name) || plan_reads_table(p->right, name);
}

typedef struct RdbSink {
    ResultDb *db;
    const char *table;
    Err *err;
} RdbSink;

static int rdb_sink(void *ud, const Chunk *c) {
    RdbSink *s = ud;
    return rdb_insert(s->db, s->table, c, s->err) ? -1 : 0;
}

/*
** Write the result of `p` as table `name` of the results database, replacing
** any older table of that name, in one transaction.
*/
static int write_result_table(StmtCtx *sc, const char *name, const Plan *p) {
    ResultDb *db = sc->w->db;
    if (rdb_begin(db, sc->err)) return -1;
    RdbSink sink = {.db = db, .table = name, .err = sc->err};
    if (rdb_create_table(db, name, &p->schema, true, sc->err) || eng_run(sc, p, rdb_sink, &sink)) {
        rdb_rollback(db);
        return -1;
    }
    if (rdb_commit(db, sc->err)) {
        rdb_rollback(db);
        return -1;
    }
    return 0;
}

/*
** A materialized view over sources: a continuous query maintaining table
** `name` of the results database (resumed from its checkpoint when one of
** the same plan exists), readable through its catalog entry meanwhile.
*/
static int create_streaming_matview(StmtCtx *sc, bool replaces_db_table) {
    const AstStmt *st = sc->st;
    Catalog *cat = sc->w->cat;
    /* a cached entry of the old table must not hold it while the query takes it over */
    if (replaces_db_table) catalog_drop(cat, st->name);
    ContinuousReq req = {.name = st->name, .kind = STREAM_MATVIEW, .table = st->name};
    StreamQuery *q;
    if (eng_start_continuous(sc, &req, &q)) return -1;
    Relation *rel = rdb_relation(sc->w->db, st->name, sc->err);
    CatEntry *e = rel ? catalog_add(cat, CAT_MATVIEW, st->name, &rel->schema, sc->err) : NULL;
    if (!e) {
        relation_destroy(rel);
        eng_drop_query(sc->w, st->name);
        if (!sc->err->set) err_at(sc->err, st->name_pos, "cannot create materialized view \"%s\"", st->name);
        return -1;
    }
    e->rel = rel;
    e->owns_rel = true;
    e->in_resultdb = true;
    e->watermark_col = -1;
    e->sql = eng_query_text(sc, st->query, &e->arena);
    e->noptions = 2;
    e->options = ARENA_ARRAY(&e->arena, CatOption, 2);
    e->options[0] = (CatOption){"emit", emit_name(stream_mode(q))};
    e->options[1] = (CatOption){"status", "running"};
    if (stream_start(q, sc->err)) {
        char *name = arena_strdup(sc->arena, st->name);
        catalog_drop(cat, name);
        eng_drop_query(sc->w, name);
        return -1;
    }
    return 0;
}

/*
** CREATE MATERIALIZED VIEW name AS query [EMIT ...] [TRIGGER ...].
** Over tables: the query runs once and its result becomes table `name` of the
** results database; the catalog entry reads that table.  A table of that name
** left in the database by an earlier run is replaced (scripts declare their
** views each time they run).  Over sources: a continuous query
** (create_streaming_matview).
*/
int eng_create_matview(StmtCtx *sc) {
    const AstStmt *st = sc->st;
    const AstSelect *q = st->query;
    Catalog *cat = sc->w->cat;
    Err scratch;
    err_clear(&scratch);
    CatEntry *old = catalog_find(cat, st->name, &scratch);
    bool replaces_db_table = false;
    if (old) {
        replaces_db_table = old->kind == CAT_TABLE && old->in_resultdb && !old->mem;
        if (!replaces_db_table) {
            if (st->if_not_exists) return 0;
            return err_at(sc->err, st->name_pos, "%s \"%s\" already exists", eng_kind_name(old->kind), st->name);
        }
    }

    Plan *p;
    if (bind_query(sc, q, &p)) return -1;
    if (eng_plan_source(sc, p)) return create_streaming_matview(sc, replaces_db_table);
    EmitMode mode;
    if (eng_check_output_mode(sc, q, p, &mode)) return -1;
    if (eng_check_unique_columns(sc, &p->schema, q->pos)) return -1;
    if (plan_reads_table(p, st->name))
        return err_at(sc->err, eng_table_ref_pos(q, st->name),
                      "materialized view \"%s\" cannot read its own result table", st->name);

    if (optimize_query(sc, q, &p, NULL)) return -1;
    p = eng_storable_plan(sc->arena, p);
    /* The undeclared table becomes the view: forget the cached entry (and its
       relation over the old table) before the table is replaced. */
    if (replaces_db_table) catalog_drop(cat, st->name);
    /* a continuous query of that name from an earlier run is over: its checkpoint goes */
    if (stream_forget(rdb_handle(sc->w->db), st->name, sc->err)) return -1;
    if (write_result_table(sc, st->name, p)) return -1;

    Relation *rel = rdb_relation(sc->w->db, st->name, sc->err);
    if (!rel) {
        if (!sc->err->set) err_set(sc->err, "cannot read back table \"%s\" of the results database", st->name);
        return -1;
    }
    CatEntry *e = catalog_add(cat, CAT_MATVIEW, st->name, &rel->schema, sc->err);
    if (!e) {
        relation_destroy(rel);
        if (!sc->err->set) err_at(sc->err, st->name_pos, "cannot create materialized view \"%s\"", st->name);
        if (sc->err->offset < 0) sc->err->offset = st->name_pos;
        return -1;
    }
    e->rel = rel;
    e->owns_rel = true;
    e->in_resultdb = true;
    e->watermark_col = -1;
    e->sql = eng_query_text(sc, q, &e->arena);
    e->noptions = 2;
    e->options = ARENA_ARRAY(&e->arena, CatOption, 2);
    e->options[0] = (CatOption){"emit", emit_name(mode)};
    e->options[1] = (CatOption){"status", "done"};
    return 0;
}
