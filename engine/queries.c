/*
** The session's continuous queries: starting them from statements, and the
** weir.h calls that manage them (weir_wait, weir_stop, weir_set_option,
** weir_step), SHOW QUERIES, and stopping them on DROP and at weir_close.
**
** eng_start_continuous() is what CREATE MATERIALIZED VIEW, CREATE SINK and a
** SELECT over a source share: the statement is parsed and planned again in
** a fresh query arena (so the plan outlives the statement), checked against
** the output-mode rules and exec_check_streaming(), and handed to the
** runtime (stream/) with the definitions of the sources it reads.  A view or
** sink query then runs in its own thread (or waits for weir_step with
** manual triggers); a SELECT runs in the caller's thread until it ends or
** weir_interrupt() stops it, each batch's output delivered as one result:
**
**   EMIT APPEND     the rows the batch appended (output columns)
**   EMIT UPDATE     the batch's changes: output columns + `weight` (+1 / -1)
**   EMIT COMPLETE   the whole result after the batch (output columns)
**
** Threads: only the session's thread touches the query list; signal
** handlers only set sig_atomic_t flags (weir_stop, weir_interrupt).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"

/* ------------------------------------------------------------ the query list */

StreamQuery *eng_find_query(weir *w, const char *name) {
    for (int i = 0; i < w->nqueries; i++)
        if (strcasecmp(stream_name(w->queries[i]), name) == 0) return w->queries[i];
    return NULL;
}

static void add_query(weir *w, StreamQuery *q) {
    if (w->nqueries == w->capqueries) {
        w->capqueries = w->capqueries ? 2 * w->capqueries : 8;
        w->queries = xrealloc(w->queries, sizeof *w->queries * (size_t)w->capqueries);
    }
    w->queries[w->nqueries++] = q;
}

void eng_drop_query(weir *w, const char *name) {
    for (int i = 0; i < w->nqueries; i++) {
        if (strcasecmp(stream_name(w->queries[i]), name) != 0) continue;
        StreamQuery *q = w->queries[i];
        memmove(w->queries + i, w->queries + i + 1, sizeof *w->queries * (size_t)(w->nqueries - i - 1));
        w->nqueries--;
        stream_free(q);   /* stops it: the batch in flight commits first */
        return;
    }
}

void eng_close_queries(weir *w) {
    for (int i = 0; i < w->nqueries; i++) stream_stop(w->queries[i]);
    for (int i = 0; i < w->nqueries; i++) stream_free(w->queries[i]);
    free(w->queries);
    w->queries = NULL;
    w->nqueries = w->capqueries = 0;
}

/* ------------------------------------------------------------ planning a continuous query */

static bool reads_table(const Plan *p, const char *name) {
    if (!p) return false;
    if (p->kind == PLAN_SCAN && p->u.scan.table && strcasecmp(p->u.scan.table, name) == 0) return true;
    return reads_table(p->left, name) || reads_table(p->right, name);
}

/* Collect the definitions of the SOURCEs scanned by p (once each). */
static int collect_sources(StmtCtx *sc, Arena *a, const Plan *p, StreamSourceDef **defs, int *n, int *cap) {
    if (!p) return 0;
    if (p->kind == PLAN_SCAN && p->u.scan.streaming && p->u.scan.table) {
        for (int i = 0; i < *n; i++)
            if (strcasecmp((*defs)[i].name, p->u.scan.table) == 0) return 0;
        Err scratch;
        err_clear(&scratch);
        const CatEntry *e = catalog_find(sc->w->cat, p->u.scan.table, &scratch);
        if (!e || e->kind != CAT_SOURCE)
            return err_set(sc->err, "source \"%s\" does not exist", p->u.scan.table);
        if (*n == *cap) {
            int ncap = *cap ? 2 * *cap : 4;
            StreamSourceDef *nd = ARENA_ARRAY(a, StreamSourceDef, ncap);
            if (*n) memcpy(nd, *defs, sizeof *nd * (size_t)*n);
            *defs = nd;
            *cap = ncap;
        }
        StreamSourceDef *d = &(*defs)[(*n)++];
        d->name = arena_strdup(a, e->name);
        const char *conn = catalog_option(e, "connector");
        d->connector = arena_strdup(a, conn ? conn : "");
        d->noptions = e->noptions;
        ConnOption *opts = ARENA_ARRAY(a, ConnOption, e->noptions + 1);
        for (int i = 0; i < e->noptions; i++) opts[i] = (ConnOption){e->options[i].key, e->options[i].value};
        d->options = opts;
        d->schema = e->schema;
        return 0;
    }
    if (collect_sources(sc, a, p->left, defs, n, cap)) return -1;
    return collect_sources(sc, a, p->right, defs, n, cap);
}

int eng_start_continuous(StmtCtx *sc, const ContinuousReq *req, StreamQuery **out) {
    *out = NULL;
    const AstStmt *st = sc->st;
    /* The statement again, in an arena that lives as long as the query. */
    Arena *qa = arena_new(0);
    AstStmt *qst = NULL;
    int next = 0;
    Err perr;
    err_clear(&perr);
    if (parse_next(sc->text, st->pos, qa, &qst, &next, &perr) || !qst || !qst->query) {
        arena_delete(qa);
        return err_at(sc->err, st->pos, "internal error: cannot parse the statement again");
    }
    const AstSelect *q = qst->query;
    PlanCtx pc = {.arena = qa, .catalog = sc->w->cat, .text = sc->text, .now_us = sc->now_us, .err = sc->err};
    Plan *p = NULL;
    EmitMode mode;
    if (plan_query(&pc, q, &p) || !p) {
        if (!sc->err->set) err_at(sc->err, q->pos, "cannot plan the query");
        goto fail;
    }
    /* APPEND over an aggregation passes only when it is grouped by an event-time window over a
       WATERMARK: the runtime runs it append-only, each window emitted once when it is final */
    if (eng_check_output_mode(sc, q, p, &mode)) goto fail;
    if (eng_check_unique_columns(sc, &p->schema, q->pos)) goto fail;
    if (req->kind == STREAM_MATVIEW && reads_table(p, req->name)) {
        err_at(sc->err, eng_table_ref_pos(q, req->name), "materialized view \"%s\" cannot read its own result table",
               req->name);
        goto fail;
    }
    if (q->trigger == TRIGGER_CONTINUOUS) {
        err_at(sc->err, q->trigger_pos >= 0 ? q->trigger_pos : q->pos, "TRIGGER CONTINUOUS is not supported yet");
        goto fail;
    }
    if (q->trigger == TRIGGER_INTERVAL && q->trigger_interval_us <= 0) {
        err_at(sc->err, q->trigger_pos >= 0 ? q->trigger_pos : q->pos, "the trigger interval must be positive");
        goto fail;
    }
    if (optimize(&pc, &p, NULL) || !p) {
        if (!sc->err->set) err_at(sc->err, q->pos, "cannot optimize the query");
        goto fail;
    }
    p = eng_storable_plan(qa, p);
    if (exec_check_streaming(p, sc->err)) {
        if (sc->err->offset < 0) sc->err->offset = q->pos;
        goto fail;
    }
    StreamSourceDef *defs = NULL;
    int ndefs = 0, capdefs = 0;
    if (collect_sources(sc, qa, p, &defs, &ndefs, &capdefs)) goto fail;
    if (ndefs == 0) {
        err_at(sc->err, q->pos, "%s \"%s\" reads no source: its query must read a SOURCE to run continuously",
               req->kind == STREAM_SINK ? "sink" : "query", req->name);
        goto fail;
    }

    StreamSpec spec = {
        .name = req->name,
        .kind = req->kind,
        .arena = qa,
        .plan = p,
        .mode = mode,
        .trigger = q->trigger,
        .interval_us = q->trigger_interval_us,
        .nsources = ndefs,
        .sources = defs,
        .table = req->table,
        .table_db = req->table_db,
        .sink_connector = req->sink_connector,
        .nsink_options = req->nsink_options,
        .sink_options = req->sink_options,
        .tap = req->tap,
        .db_path = sc->w->db_path,
        .manual = sc->w->manual_triggers && req->kind != STREAM_SELECT,
        .session_stop = &sc->w->stop_all,
        .cancel = req->kind == STREAM_SELECT ? &sc->w->cancel : NULL,
        .now_us = sc->now_us,
    };
    /* stream_create owns qa from here on: keep what error positions need */
    char *refs[8];
    int refpos[8], nref = 0;
    for (int i = 0; i < ndefs && nref < 8; i++, nref++) {
        refs[nref] = arena_strdup(sc->arena, defs[i].name);
        refpos[nref] = eng_table_ref_pos(q, defs[i].name);
    }
    StreamQuery *sq = stream_create(&spec, sc->err);
    if (!sq) {
        if (!sc->err->set) err_set(sc->err, "cannot start query \"%s\"", req->name);
        /* an error about a source (`source "x": ...`) points at where the query reads it */
        if (sc->err->offset < 0 && !sc->err->location[0]) {
            for (int i = 0; i < nref; i++) {
                char prefix[300];
                snprintf(prefix, sizeof prefix, "source \"%s\"", refs[i]);
                if (strncmp(sc->err->msg, prefix, strlen(prefix)) == 0) sc->err->offset = refpos[i];
            }
        }
        return -1;
    }
    if (req->kind != STREAM_SELECT) add_query(sc->w, sq);
    *out = sq;
    return 0;
fail:
    arena_delete(qa);
    return -1;
}

/* ------------------------------------------------------------ batches as results */

/*
** Collects a batch's rows as text into a result (output columns, plus
** `weight` when `weights`), in its own arena, reset after each batch: a
** streaming SELECT that runs for hours does not grow.
*/
typedef struct BatchResult {
    Arena arena;
    const Schema *schema;
    bool weights;
    bool only_inserts;      /* APPEND: print the rows, no weight column */
    ResultSet rs;
    weir_result_fn cb;
    void *ud;
    int64_t nrows;
} BatchResult;

static void br_init(BatchResult *br, const Schema *schema, bool weights, weir_result_fn cb, void *ud) {
    memset(br, 0, sizeof *br);
    arena_init(&br->arena, 0);
    br->schema = schema;
    br->weights = weights;
    br->cb = cb;
    br->ud = ud;
}

static void br_free(BatchResult *br) {
    rs_free(&br->rs);
    arena_free(&br->arena);
}

static int br_begin(void *ud, int64_t batch_id) {
    (void)batch_id;
    BatchResult *br = ud;
    rs_free(&br->rs);
    arena_reset(&br->arena);
    Schema s = *br->schema;
    if (br->weights) {
        s.cols = ARENA_ARRAY(&br->arena, Column, s.ncols + 1);
        memcpy(s.cols, br->schema->cols, sizeof *s.cols * (size_t)s.ncols);
        s.cols[s.ncols++] = (Column){.name = "weight", .type = TYPE_BIGINT};
    }
    rs_init(&br->rs, &br->arena, &s);
    return 0;
}

static int br_rows(void *ud, const Chunk *c) {
    BatchResult *br = ud;
    ResultSet *rs = &br->rs;
    uint32_t n = chunk_active(c);
    int nc = br->schema->ncols < c->ncols ? br->schema->ncols : c->ncols;
    const char **row = ARENA_ARRAY(&br->arena, const char *, rs->ncols + 1);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = chunk_row(c, k);
        for (int j = 0; j < rs->ncols; j++) row[j] = NULL;
        for (int j = 0; j < nc; j++) {
            Value v;
            vec_get(&c->cols[j], i, &v);
            row[j] = v.null ? NULL : value_to_text(&br->arena, &v);
        }
        int64_t w = chunk_weight(c, i);
        if (br->weights) {
            row[br->schema->ncols] = arena_printf(&br->arena, "%lld", (long long)w);
            rs_add_row(rs, row);
        } else {
            for (int64_t r = 0; r < (w > 0 ? w : 0); r++) rs_add_row(rs, row);
        }
    }
    return 0;
}

static int br_end(void *ud, int64_t batch_id) {
    (void)batch_id;
    BatchResult *br = ud;
    br->nrows += br->rs.nrows;
    if (br->cb) {
        weir_result r = {
            .ncols = br->rs.ncols,
            .names = br->rs.names,
            .types = br->rs.types,
            .nrows = br->rs.nrows,
            .cells = br->rs.cells,
        };
        static const char *const none[1] = {NULL};
        if (!r.cells) r.cells = none;
        br->cb(br->ud, &r);
    }
    rs_free(&br->rs);
    return 0;
}

/*
** SELECT over a source: a foreground continuous query, printed batch by
** batch (see the top of the file) until its inputs end or weir_interrupt().
** Nothing is checkpointed: a SELECT starts from the beginning of its sources.
*/
int eng_streaming_select(StmtCtx *sc) {
    BatchResult br;
    /* the schema is known only after planning: the tap's begin reads it through br.schema */
    br_init(&br, NULL, false, sc->cb, sc->ud);
    StreamTap tap = {br_begin, br_rows, br_end, &br};
    ContinuousReq req = {.name = "select", .kind = STREAM_SELECT, .tap = &tap};
    StreamQuery *sq;
    if (eng_start_continuous(sc, &req, &sq)) {
        br_free(&br);
        return -1;
    }
    br.schema = stream_schema(sq);
    br.weights = stream_mode(sq) == EMIT_UPDATE;
    int rc = stream_run(sq, sc->err);
    stream_free(sq);
    br_free(&br);
    return rc;
}

/* ------------------------------------------------------------ weir.h */

int weir_wait(weir *w, char **errmsg) {
    if (errmsg) *errmsg = NULL;
    if (!w) return 0;
    for (int i = 0; i < w->nqueries; i++) stream_join(w->queries[i]);
    __atomic_store_n(&w->stop_all, 0, __ATOMIC_RELAXED);   /* the stop asked for has happened */
    for (int i = 0; i < w->nqueries; i++) {
        StreamStats s;
        stream_stats(w->queries[i], &s);
        if (s.status != STREAM_FAILED) continue;
        if (errmsg) {
            Err e;
            err_clear(&e);
            err_set(&e, "query \"%s\" failed: %s", stream_name(w->queries[i]), s.last_error);
            *errmsg = err_render(&e, NULL, NULL, 0);
        }
        return -1;
    }
    return 0;
}

/* Query threads read the flag: an atomic store (lock-free, so fine in a signal handler). */
void weir_stop(weir *w) {
    if (w) __atomic_store_n(&w->stop_all, 1, __ATOMIC_RELAXED);
}

int weir_set_option(weir *w, const char *key, const char *value, char **errmsg) {
    if (errmsg) *errmsg = NULL;
    Err e;
    err_clear(&e);
    if (!w || !key) {
        err_set(&e, "no session or no option");
    } else if (strcasecmp(key, "manual_triggers") == 0) {
        uint8_t b;
        if (value && parse_bool(value, strlen(value), &b)) {
            w->manual_triggers = b;
            return 0;
        }
        err_set(&e, "option \"manual_triggers\" must be 'true' or 'false', not '%s'", value ? value : "");
    } else {
        err_set(&e, "unknown option \"%s\" (options: manual_triggers)", key);
    }
    if (errmsg) *errmsg = err_render(&e, NULL, NULL, 0);
    return -1;
}

int64_t weir_step(weir *w, const char *query, weir_result_fn cb, void *ud, char **errmsg) {
    if (errmsg) *errmsg = NULL;
    Err e;
    err_clear(&e);
    StreamQuery *q = w && query ? eng_find_query(w, query) : NULL;
    if (!q) {
        err_set(&e, "no continuous query named \"%s\"", query ? query : "");
        if (errmsg) *errmsg = err_render(&e, NULL, NULL, 0);
        return -1;
    }
    BatchResult br;
    br_init(&br, stream_schema(q), true, cb, ud);
    StreamTap tap = {br_begin, br_rows, br_end, &br};
    int64_t rows = stream_step(q, cb ? &tap : NULL, &e);
    br_free(&br);
    if (rows < 0) {
        if (!e.set) err_set(&e, "query \"%s\" failed", query);
        if (errmsg) *errmsg = err_render(&e, NULL, NULL, 0);
        return -1;
    }
    return rows;
}

/* ------------------------------------------------------------ SHOW QUERIES */

int eng_show_queries(StmtCtx *sc, ResultSet *rs) {
    static const char *const names[] = {"name",       "status",  "batches",   "input_rows", "rows_per_s",
                                        "last_batch_ms", "state_rows", "rejects", "watermark", "last_error",
                                        NULL};
    rs_init_text(rs, sc->arena, names);
    for (int j = 2; j <= 7; j++) rs->types[j] = "BIGINT";
    rs->types[4] = "DOUBLE";
    rs->types[8] = "TIMESTAMP";
    for (int i = 0; i < sc->w->nqueries; i++) {
        StreamQuery *q = sc->w->queries[i];
        StreamStats s;
        stream_stats(q, &s);
        Value rate = {.type = TYPE_DOUBLE, .u.d = s.rows_per_s};
        char wbuf[40];
        const char *wm = stream_watermark_text(s.watermark, wbuf);
        const char *row[10] = {
            stream_name(q),
            stream_status_name(s.status),
            arena_printf(sc->arena, "%lld", (long long)s.batches),
            arena_printf(sc->arena, "%lld", (long long)s.input_rows),
            value_to_text(sc->arena, &rate),
            arena_printf(sc->arena, "%lld", (long long)s.last_batch_ms),
            arena_printf(sc->arena, "%lld", (long long)s.state_rows),
            arena_printf(sc->arena, "%lld", (long long)s.rejects),
            wm ? arena_strdup(sc->arena, wm) : NULL,   /* NULL: none yet (or no WATERMARK) */
            s.last_error[0] ? arena_strdup(sc->arena, s.last_error) : NULL,
        };
        rs_add_row(rs, row);
    }
    return 0;
}
