/*
** A continuous query: its life and its trigger loop (a micro-batch itself is
** batch.c).
**
** stream_create() builds everything in the caller's thread: the executor,
** the sources (one per streaming leaf, with the scan's projection), the
** query's own connection, the output, and the checkpoint: a query of that
** name and plan found in weir_queries resumes (state loaded, sources sought
** to the committed offsets, result table kept, batch ids continued); another
** plan is refused.  Static tables are read then too.
**
** Triggers (CONTRACT §5): the default runs the next batch as soon as a
** source has new data, polling every POLL_US when idle; INTERVAL runs at
** most one batch per interval; ONCE runs one batch of everything available;
** AVAILABLE NOW runs batches until no source has new data.  For ONCE and
** AVAILABLE NOW a file source is read as bounded, which fixes its input to
** the files present when the query starts.  Every trigger ends the query
** when all its inputs ended (bounded sources), after the batch that takes
** its watermark to +infinity (batch.c, eventtime.c).  With manual triggers
** no thread runs: stream_step() runs one batch per call, and ONCE /
** AVAILABLE NOW still decide when the query is done.
**
** Threads: a background query's thread is the only one touching its
** executor, sources, sink and connection after stream_create() returned.
** Other threads read its figures through stream_stats() (under `mu`) and ask
** it to stop through sig_atomic_t flags, which signal handlers may set too;
** the thread polls them between batches and while it sleeps.
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../planner/planner.h"
#include "stream_int.h"

#define POLL_US 50000           /* idle polling of sources (default trigger) */
#define NAP_SLICE_US 20000      /* how often a sleeping query looks at its stop flags */
#define BUSY_TIMEOUT_MS 60000   /* another writer holding the database */
#define CACHE_KIB "-32768"      /* SQLite page cache of a query's connection: 32 MiB */

int64_t sq_wall_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * USEC_PER_SEC + t.tv_nsec / 1000;
}

int64_t sq_mono_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * USEC_PER_SEC + t.tv_nsec / 1000;
}

const char *stream_status_name(StreamStatus s) {
    switch (s) {
    case STREAM_RUNNING: return "running";
    case STREAM_FINISHED: return "finished";
    case STREAM_STOPPED: return "stopped";
    case STREAM_FAILED: return "failed";
    }
    return "?";
}

static const char *mode_name(EmitMode m) {
    switch (m) {
    case EMIT_APPEND: return "APPEND";
    case EMIT_UPDATE: return "UPDATE";
    case EMIT_COMPLETE: return "COMPLETE";
    default: return "DEFAULT";
    }
}

static const char *kind_name(StreamKind k) {
    switch (k) {
    case STREAM_MATVIEW: return "materialized view";
    case STREAM_SINK: return "sink";
    case STREAM_SELECT: return "select";
    }
    return "query";
}

/* An Err as one line: "path:line: message" when it carries a location. */
static void err_text(const Err *e, char *buf, size_t cap) {
    if (e->location[0]) snprintf(buf, cap, "%s: %s", e->location, e->msg);
    else snprintf(buf, cap, "%s", e->set ? e->msg : "unknown error");
}

/* ------------------------------------------------------------ the query's connection */

int sq_db_exec(sqlite3 *db, const char *sql, Err *err) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(err, "results database: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

void sq_db_rollback(sqlite3 *db) {
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static bool main_table_exists(sqlite3 *db, const char *name) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

/*
** The query's own connection to the results database: WAL (readers never
** block it, any SQLite client reads committed batches), synchronous=NORMAL
** (a commit survives a crash of the process), a long busy timeout (other
** queries and the session write too), a page cache big enough for result
** tables and weir_state of a million rows.  Only the query's thread uses it
** once the query runs, so SQLite's per-connection mutex is left out.
*/
static sqlite3 *open_db(const char *path, Err *err) {
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        err_set(err, "cannot open results database \"%s\": %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    if (sq_db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=" CACHE_KIB ";", err)) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* ------------------------------------------------------------ update keys */

static bool passthrough(const Plan *p) {
    return p->kind == PLAN_PROJECT || p->kind == PLAN_FILTER || p->kind == PLAN_SORT || p->kind == PLAN_LIMIT;
}

void stream_update_keys(const Plan *plan, int *keys, int *n) {
    *n = 0;
    const Plan *agg = plan;
    while (agg && passthrough(agg)) agg = agg->left;
    if (!agg || agg->kind != PLAN_AGGREGATE || agg->u.agg.ngroups <= 0) return;
    int ng = agg->u.agg.ngroups;
    int found[ng];
    for (int g = 0; g < ng; g++) found[g] = -1;
    for (int j = 0; j < plan->schema.ncols; j++) {
        int col = j;
        const Plan *p = plan;
        while (p != agg) {
            if (p->kind == PLAN_PROJECT) {
                const Expr *e = col < p->u.project.n ? p->u.project.exprs[col] : NULL;
                if (!e || e->kind != EXPR_COLUMN) break;
                col = e->col;
            }
            p = p->left;
        }
        if (p == agg && col >= 0 && col < ng && found[col] < 0) found[col] = j;
    }
    for (int g = 0; g < ng; g++)
        if (found[g] < 0) return;   /* a grouping column is not in the output: no key */
    for (int g = 0; g < ng; g++) keys[g] = found[g];
    *n = ng;
}

/* ------------------------------------------------------------ stats */

static void set_status(StreamQuery *q, StreamStatus s, const char *error) {
    pthread_mutex_lock(&q->mu);
    q->stats.status = s;
    if (error) snprintf(q->stats.last_error, sizeof q->stats.last_error, "%s", error);
    pthread_mutex_unlock(&q->mu);
    if (q->persistent && q->db) {
        Err scratch;
        err_clear(&scratch);
        ckpt_set_status(q->db, q->name, stream_status_name(s), error, sq_wall_us(), &scratch);
    }
}

/* Fail the query with the error in e (the batch was rolled back). */
static void fail(StreamQuery *q, const Err *e) {
    char msg[sizeof q->stats.last_error];
    err_text(e, msg, sizeof msg);
    set_status(q, STREAM_FAILED, msg);
}

void stream_stats(StreamQuery *q, StreamStats *out) {
    pthread_mutex_lock(&q->mu);
    *out = q->stats;
    pthread_mutex_unlock(&q->mu);
}

static StreamStatus status_of(StreamQuery *q) {
    pthread_mutex_lock(&q->mu);
    StreamStatus s = q->stats.status;
    pthread_mutex_unlock(&q->mu);
    return s;
}

const char *stream_name(const StreamQuery *q) { return q->name; }
StreamKind stream_kind(const StreamQuery *q) { return q->kind; }
bool stream_manual(const StreamQuery *q) { return q->manual; }
const Schema *stream_schema(const StreamQuery *q) { return &q->plan->schema; }
EmitMode stream_mode(const StreamQuery *q) { return q->mode; }

/* ------------------------------------------------------------ the loop */

/*
** The stop flags are set by other threads and by signal handlers: atomic
** loads and stores (lock-free on int, so async-signal-safe) order them
** without a lock.
*/
static bool flag_set(volatile sig_atomic_t *f) { return f && __atomic_load_n(f, __ATOMIC_RELAXED) != 0; }

bool sq_stop_requested(const StreamQuery *q) {
    return flag_set((volatile sig_atomic_t *)&q->stop) || flag_set(q->session_stop) || flag_set(q->cancel);
}

/* Sleep up to `us`, waking early when asked to stop.  false when a stop was asked. */
static bool nap(StreamQuery *q, int64_t us) {
    int64_t end = sq_mono_us() + us;
    for (;;) {
        if (sq_stop_requested(q)) return false;
        int64_t left = end - sq_mono_us();
        if (left <= 0) return true;
        if (left > NAP_SLICE_US) left = NAP_SLICE_US;
        struct timespec ts = {.tv_sec = left / USEC_PER_SEC, .tv_nsec = (left % USEC_PER_SEC) * 1000};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !sq_stop_requested(q)) {
        }
    }
}

static bool all_ended(const StreamQuery *q) {
    for (int i = 0; i < q->nsrc; i++)
        if (!source_ended(q->src[i].src)) return false;
    return true;
}

/*
** Run batches per the trigger until the query ends (inputs ended, ONCE /
** AVAILABLE NOW done: FINISHED), is asked to stop (STOPPED) or fails
** (FAILED, err set).  Returns the final status.
*/
static StreamStatus loop(StreamQuery *q, Err *err) {
    int64_t next_tick = sq_mono_us();
    for (;;) {
        if (sq_stop_requested(q)) return STREAM_STOPPED;
        if (q->trigger == TRIGGER_INTERVAL) {
            int64_t now = sq_mono_us();
            if (next_tick > now && !nap(q, next_tick - now)) return STREAM_STOPPED;
            /* a batch longer than the interval delays the next one, it does not queue up ticks */
            next_tick += q->interval_us;
            if (next_tick < sq_mono_us()) next_tick = sq_mono_us() + q->interval_us;
        }
        int64_t rows;
        int r = sq_run_batch(q, NULL, &rows, err);
        if (r < 0) return flag_set(q->cancel) ? STREAM_STOPPED : STREAM_FAILED;   /* Ctrl-C ends a SELECT */
        if (r == 0) {
            if (all_ended(q)) return STREAM_FINISHED;
            if (q->trigger == TRIGGER_ONCE || q->trigger == TRIGGER_AVAILABLE_NOW) return STREAM_FINISHED;
            if (q->trigger != TRIGGER_INTERVAL && !nap(q, POLL_US)) return STREAM_STOPPED;
            continue;
        }
        /* ONCE: one batch, and the one writing the windows left if its inputs ended meanwhile */
        if (q->trigger == TRIGGER_ONCE && !sq_flush_pending(q)) return STREAM_FINISHED;
    }
}

/* Record how the loop ended. */
static void loop_done(StreamQuery *q, StreamStatus s, const Err *err) {
    if (s == STREAM_FAILED) fail(q, err);
    else set_status(q, s, NULL);
}

static void *thread_main(void *arg) {
    StreamQuery *q = arg;
    Err err;
    err_clear(&err);
    StreamStatus s = loop(q, &err);
    loop_done(q, s, &err);
    return NULL;
}

int stream_start(StreamQuery *q, Err *err) {
    if (q->manual || q->thread_started) return 0;
    /* The thread takes no signals: SIGINT / SIGTERM go to the shell's thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&q->thread, NULL, thread_main, q);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        set_status(q, STREAM_FAILED, "cannot start a thread");
        return err_set(err, "cannot start a thread for query \"%s\": %s", q->name, strerror(rc));
    }
    q->thread_started = true;
    return 0;
}

int stream_run(StreamQuery *q, Err *err) {
    StreamStatus s = loop(q, err);
    loop_done(q, s, err);
    return s == STREAM_FAILED ? -1 : 0;
}

int64_t stream_step(StreamQuery *q, const StreamTap *tap, Err *err) {
    if (!q->manual)
        return err_set(err, "query \"%s\" runs by itself: set manual_triggers before creating it to step it",
                       q->name);
    StreamStatus st = status_of(q);
    if (st == STREAM_FAILED) {
        StreamStats s;
        stream_stats(q, &s);
        return err_set(err, "query \"%s\" failed: %s", q->name, s.last_error);
    }
    if (st != STREAM_RUNNING) return 0;
    int64_t rows;
    int r = sq_run_batch(q, tap, &rows, err);
    if (r < 0) {
        fail(q, err);
        return -1;
    }
    /* the trigger decides when a stepped query is done, as in the loop */
    if ((r == 0 && (all_ended(q) || q->trigger == TRIGGER_ONCE || q->trigger == TRIGGER_AVAILABLE_NOW)) ||
        (r > 0 && q->trigger == TRIGGER_ONCE && !sq_flush_pending(q)))
        set_status(q, STREAM_FINISHED, NULL);
    return rows;
}

void stream_stop(StreamQuery *q) {
    if (q) __atomic_store_n(&q->stop, 1, __ATOMIC_RELAXED);
}

void stream_join(StreamQuery *q) {
    if (!q || !q->thread_started) return;
    pthread_join(q->thread, NULL);
    q->thread_started = false;
}

/* ------------------------------------------------------------ creation */

static const StreamSourceDef *find_def(const StreamSpec *spec, const char *name) {
    for (int i = 0; i < spec->nsources; i++)
        if (name && strcasecmp(spec->sources[i].name, name) == 0) return &spec->sources[i];
    return NULL;
}

static ConnOption *copy_options(Arena *a, const ConnOption *o, int n) {
    ConnOption *c = ARENA_ARRAY(a, ConnOption, n + 1);
    for (int i = 0; i < n; i++) {
        c[i].key = arena_strdup(a, o[i].key ? o[i].key : "");
        c[i].value = arena_strdup(a, o[i].value ? o[i].value : "");
    }
    return c;
}

static Schema copy_schema(Arena *a, const Schema *s) {
    Schema c = {.ncols = s->ncols, .cols = ARENA_ARRAY(a, Column, s->ncols + 1)};
    for (int i = 0; i < s->ncols; i++) {
        c.cols[i].name = arena_strdup(a, s->cols[i].name ? s->cols[i].name : "");
        c.cols[i].type = s->cols[i].type;
    }
    return c;
}

/*
** Does a source need its input fixed for this run?  TRIGGER ONCE and
** AVAILABLE NOW process what is available when the query starts; a file
** source does exactly that when read as bounded (unless the user said
** bounded = 'false').  Other connectors have no such snapshot yet: they are
** read until a plan_batch finds nothing new.
*/
static bool snapshot_files(const StreamQuery *q, const StreamSourceDef *def) {
    if (q->trigger != TRIGGER_ONCE && q->trigger != TRIGGER_AVAILABLE_NOW) return false;
    if (!def->connector || strcasecmp(def->connector, "file") != 0) return false;
    for (int i = 0; i < def->noptions; i++)
        if (def->options[i].key && strcasecmp(def->options[i].key, "bounded") == 0) return false;
    return true;
}

/* Open a Source for every streaming leaf of the executor. */
static int open_sources(StreamQuery *q, const StreamSpec *spec, Err *err) {
    int nleaves = exec_leaf_count(q->x);
    q->src = ARENA_ARRAY(q->arena, QSource, nleaves + 1);
    for (int i = 0; i < nleaves; i++) {
        const Plan *lp = exec_leaf_plan(q->x, i);
        if (!lp || lp->kind != PLAN_SCAN || !lp->u.scan.streaming) continue;
        const StreamSourceDef *def = find_def(spec, lp->u.scan.table);
        if (!def)
            return err_set(err, "internal error: source \"%s\" of query \"%s\" is not defined",
                           lp->u.scan.table ? lp->u.scan.table : "?", q->name);
        QSource *s = &q->src[q->nsrc++];
        s->name = arena_strdup(q->arena, def->name);
        s->leaf = i;
        /* A source read twice keeps one offset per reading: name, name#2, ... */
        int seen = 1;
        for (int k = 0; k < q->nsrc - 1; k++) seen += strcasecmp(q->src[k].name, s->name) == 0;
        s->key = seen == 1 ? s->name : arena_printf(q->arena, "%s#%d", s->name, seen);
        ConnConfig *cfg = ARENA_NEW(q->arena, ConnConfig);
        cfg->name = s->name;
        cfg->options = copy_options(q->arena, def->options, def->noptions);
        cfg->noptions = def->noptions;
        s->snapshot = snapshot_files(q, def);
        if (s->snapshot) {
            /* ONCE / AVAILABLE NOW read what is there when the query starts: a file source
               read as bounded fixes its input at the first plan_batch (connectors/README.md) */
            ConnOption *o = ARENA_ARRAY(q->arena, ConnOption, def->noptions + 1);
            memcpy(o, cfg->options, sizeof *o * (size_t)def->noptions);
            o[def->noptions] = (ConnOption){"bounded", "true"};
            cfg->options = o;
            cfg->noptions++;
        }
        cfg->schema = copy_schema(q->arena, &def->schema);
        cfg->now_us = q->now_us;
        if (sq_event_source(q, s, lp, cfg, err)) return -1;
        s->src = spec->open_source
                     ? spec->open_source(spec->open_ud, cfg, lp->u.scan.proj, lp->u.scan.nproj, &q->rejects, err)
                     : source_open(def->connector, cfg, lp->u.scan.proj, lp->u.scan.nproj, &q->rejects, err);
        if (!s->src) {
            if (!err->set) err_set(err, "cannot open source \"%s\"", s->name);
            return -1;
        }
    }
    if (q->nsrc == 0) return err_set(err, "internal error: query \"%s\" reads no source", q->name);
    return 0;
}

static int load_state(void *ud, int op, const void *key, size_t klen, const void *val, size_t vlen) {
    StreamQuery *q = ud;
    if (op >= 0) {
        if (exec_state_load(q->x, op, key, klen, val, vlen)) {
            if (!q->xerr.set) err_set(&q->xerr, "cannot restore the state of operator %d", op);
            return -1;
        }
        return 0;
    }
    int64_t w = 0;
    if (op != -1 || vlen != sizeof w) return err_set(&q->xerr, "unknown state entry %d in weir_state", op);
    memcpy(&w, val, sizeof w);
    if (q->keep_result) bag_add(&q->result, key, klen, w);
    return 0;
}

static int seek_source(void *ud, const char *key, const char *offset, int64_t max_et) {
    StreamQuery *q = ud;
    for (int i = 0; i < q->nsrc; i++) {
        if (strcmp(q->src[i].key, key) != 0) continue;
        if (q->src[i].wm_col >= 0) q->src[i].max_et = max_et;
        return source_seek(q->src[i].src, offset, &q->xerr);
    }
    return 0;   /* a source the plan no longer reads under that key: nothing to resume */
}

static bool same_file(const char *a, const char *b) {
    char ra[4096], rb[4096];
    if (realpath(a, ra) && realpath(b, rb)) return strcmp(ra, rb) == 0;
    return strcmp(a, b) == 0;
}

static const char *mode_lower(EmitMode m) {
    return m == EMIT_APPEND ? "append" : m == EMIT_COMPLETE ? "complete" : "update";
}

/*
** Register the query in weir_queries and (re)create its result table, in one
** transaction, or refuse when the checkpoint of that name has another plan.
** *resume: a checkpoint of the same plan exists (its state and offsets load).
*/
static int setup_checkpoint(StreamQuery *q, const StreamSpec *spec, const int *keys, int nkeys, bool *resume,
                            Err *err) {
    *resume = false;
    const char *schema = NULL;
    if (q->out == OUT_TABLE && spec->table_db && !same_file(spec->table_db, spec->db_path)) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(q->db, "ATTACH DATABASE ?1 AS weir_sink", -1, &st, NULL) != SQLITE_OK)
            return err_set(err, "sink \"%s\": cannot open database \"%s\": %s", q->name, spec->table_db,
                           sqlite3_errmsg(q->db));
        sqlite3_bind_text(st, 1, spec->table_db, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
            return err_set(err, "sink \"%s\": cannot open database \"%s\": %s", q->name, spec->table_db,
                           sqlite3_errmsg(q->db));
        schema = "weir_sink";
    }
    if (sq_db_exec(q->db, "BEGIN IMMEDIATE", err)) return -1;
    if (ckpt_init_tables(q->db, err)) goto fail;
    CkptInfo info = {0};
    if (q->persistent) {
        if (ckpt_lookup(q->db, q->name, q->arena, &info, err)) goto fail;
        if (info.exists && (!info.plan || strcmp(info.plan, q->plan_text) != 0)) {
            const char *k = info.kind ? info.kind : "materialized view";
            err_set(err,
                    "query \"%s\" exists in the results database with a different plan; DROP %s %s to start over",
                    q->name, strcmp(k, "sink") == 0 ? "SINK" : "MATERIALIZED VIEW", q->name);
            goto fail;
        }
        *resume = info.exists;
    }
    if (q->out == OUT_TABLE) {
        bool exists;
        if (schema) {
            char *sql = sqlite3_mprintf("SELECT 1 FROM weir_sink.sqlite_master WHERE type = 'table' AND name = %Q",
                                        spec->table);
            sqlite3_stmt *st = NULL;
            exists = sql && sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
            sqlite3_finalize(st);
            sqlite3_free(sql);
        } else {
            exists = main_table_exists(q->db, spec->table);
        }
        bool create = !*resume || !exists;
        if (tw_open(&q->tw, q->db, schema, spec->table, &q->plan->schema, q->mode, keys, nkeys, create, q->arena,
                    err))
            goto fail;
    }
    if (q->persistent && ckpt_register(q->db, q->name, q->kind_name, q->plan_text, sq_wall_us(), err)) goto fail;
    if (sq_db_exec(q->db, "COMMIT", err)) goto fail;
    q->batch_id = *resume ? info.batches : 0;
    q->stats.batches = q->batch_id;
    /* the watermark goes on from the checkpoint (the inputs' max event times load with the offsets) */
    if (*resume && q->has_wm) q->wm = q->stats.watermark = info.watermark;
    return 0;
fail:
    sq_db_rollback(q->db);
    return -1;
}

static void release(StreamQuery *q);

StreamQuery *stream_create(const StreamSpec *spec, Err *err) {
    StreamQuery *q = xcalloc(1, sizeof *q);
    pthread_mutex_init(&q->mu, NULL);
    q->arena = spec->arena;
    arena_init(&q->batch, 0);
    arena_init(&q->scratch, 0);
    bag_init(&q->changes);
    bag_init(&q->result);
    q->name = arena_strdup(q->arena, spec->name ? spec->name : "query");
    q->kind = spec->kind;
    q->kind_name = kind_name(spec->kind);
    q->plan = spec->plan;
    q->mode = spec->mode == EMIT_DEFAULT ? EMIT_UPDATE : spec->mode;
    q->trigger = spec->trigger;
    q->interval_us = spec->interval_us > 0 ? spec->interval_us : USEC_PER_SEC;
    q->manual = spec->manual;
    q->persistent = spec->kind != STREAM_SELECT;
    q->now_us = spec->now_us;
    q->session_stop = spec->session_stop;
    q->cancel = spec->cancel;
    q->rejects = (RejectSink){sq_on_reject, q};
    q->stats.status = STREAM_RUNNING;
    q->wm = q->stats.watermark = INT64_MIN;
    q->out = spec->table ? OUT_TABLE : spec->sink_connector ? OUT_SINK : OUT_TAP;
    q->out_tap = spec->tap;
    q->keep_result = q->mode == EMIT_COMPLETE && q->out != OUT_TABLE;

    if (spec->trigger == TRIGGER_CONTINUOUS) {
        err_set(err, "TRIGGER CONTINUOUS is not supported yet");
        goto fail;
    }
    if (!q->plan || (q->out == OUT_TAP && !q->out_tap)) {
        err_set(err, "internal error: query \"%s\" has no plan or no output", q->name);
        goto fail;
    }

    /* APPEND: a windowed aggregate emits each window once, when the watermark finalizes it */
    ExecOptions opt = {.now_us = spec->now_us, .cancel = spec->cancel, .append_only = q->mode == EMIT_APPEND};
    q->x = exec_new(q->plan, sq_root_sink, q, &opt, &q->xerr);
    if (!q->x) {
        *err = q->xerr;
        if (!err->set) err_set(err, "cannot build the executor of \"%s\"", q->name);
        goto fail;
    }
    if (open_sources(q, spec, err)) goto fail;
    if (q->late_keep) exec_set_late_sink(q->x, sq_on_late, q);

    q->db = open_db(spec->db_path ? spec->db_path : "weir.db", err);
    if (!q->db) goto fail;

    if (q->out == OUT_SINK) {
        ConnConfig *cfg = ARENA_NEW(q->arena, ConnConfig);
        cfg->name = q->name;
        cfg->options = copy_options(q->arena, spec->sink_options, spec->nsink_options);
        cfg->noptions = spec->nsink_options;
        cfg->schema = copy_schema(q->arena, &q->plan->schema);
        cfg->now_us = q->now_us;
        q->sink = sink_open(spec->sink_connector, cfg, mode_lower(q->mode), err);
        if (!q->sink) {
            if (!err->set) err_set(err, "cannot open sink \"%s\"", q->name);
            goto fail;
        }
    }

    int *keys = ARENA_ARRAY(q->arena, int, q->plan->schema.ncols + 1), nkeys = 0;
    if (q->mode != EMIT_APPEND) stream_update_keys(q->plan, keys, &nkeys);
    q->plan_text = arena_printf(q->arena, "%sOutput: %s %s, EMIT %s", plan_to_text(q->arena, q->plan, true),
                                q->kind_name, q->out == OUT_TABLE ? spec->table : q->name, mode_name(q->mode));

    bool resume = false;
    if (setup_checkpoint(q, spec, keys, nkeys, &resume, err)) goto fail;
    if (ckpt_prepare(&q->ckpt, q->db, q->name, err)) goto fail;
    q->ckpt_ready = true;
    q->direct = q->mode == EMIT_APPEND || (q->out == OUT_TABLE && q->tw.nkeys > 0);
    if (resume) {
        err_clear(&q->xerr);
        if (ckpt_load_state(q->db, q->name, load_state, q, err) ||
            ckpt_load_offsets(q->db, q->name, seek_source, q, err)) {
            if (q->xerr.set) *err = q->xerr;
            goto fail_registered;
        }
    }
    err_clear(&q->xerr);
    if (exec_run_static(q->x)) {
        *err = q->xerr;
        if (!err->set) err_set(err, "cannot read the tables of query \"%s\"", q->name);
        goto fail_registered;
    }
    return q;

fail_registered: {
    char msg[sizeof q->stats.last_error];
    err_text(err, msg, sizeof msg);
    set_status(q, STREAM_FAILED, msg);
}
fail:
    release(q);
    return NULL;
}

/* ------------------------------------------------------------ the end */

/* Free everything the query holds (no status recorded). */
static void release(StreamQuery *q) {
    exec_free(q->x);
    for (int i = 0; i < q->nsrc; i++) source_close(q->src[i].src);
    if (q->sink) q->sink->vt->close(q->sink);
    tw_close(&q->tw);
    ckpt_finalize(&q->ckpt);
    sqlite3_close_v2(q->db);
    bag_free(&q->changes);
    bag_free(&q->result);
    rowbuf_free(&q->rowbuf);
    arena_free(&q->batch);
    arena_free(&q->scratch);
    if (q->arena) arena_delete(q->arena);
    pthread_mutex_destroy(&q->mu);
    free(q);
}

void stream_free(StreamQuery *q) {
    if (!q) return;
    stream_stop(q);
    stream_join(q);
    if (status_of(q) == STREAM_RUNNING) set_status(q, STREAM_STOPPED, NULL);
    release(q);
}
