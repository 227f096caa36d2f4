/*
** Tests of the continuous-query runtime (stream/): micro-batches into result
** tables in each EMIT mode, checkpoints and resume, rejected records,
** failures that roll back, triggers with the background thread, and the
** row bags that consolidate a batch's changes.
**
** The queries read a test-local Source ("mem", injected through
** StreamSpec.open_source) over rows the test appends to a MemFeed, so every
** test decides exactly which rows each micro-batch sees: the feed offers at
** most `per_batch` rows per plan_batch, hands them out two rows per chunk
** (batch boundaries inside a batch, too), and its offset is the number of
** rows consumed.  Rows whose `bad` flag is set are rejected (location
** "mem:ROW"), and `fail_at` makes next() fail at that row.
**
** Plans come from SQL through the real parser, binder and optimizer over a
** catalog declaring SOURCE src(k BIGINT, v BIGINT, s TEXT), and for event
** time SOURCE ev(k BIGINT, ts TIMESTAMP, s TEXT, WATERMARK FOR ts AS ts -
** INTERVAL '10' MINUTE) over the same feed, and ev2 (the same columns, a
** 5 minute delay) over a second feed: a feed's v is the ts of ev / ev2.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../planner/planner.h"
#include "../../stream/stream_int.h"

/* ------------------------------------------------------------ the test source */

#define FEED_MAX 256

typedef struct MemFeed {
    int64_t k[FEED_MAX], v[FEED_MAX];
    const char *s[FEED_MAX];
    bool bad[FEED_MAX];
    bool vnull[FEED_MAX];   /* v is NULL */
    int nrows;          /* rows available */
    int per_batch;      /* rows per plan_batch, 0 = all available */
    bool bounded;       /* ended once every row is consumed */
    bool ends_late;     /* ... and a plan_batch found nothing more (as a file source may) */
    int fail_at;        /* next() fails when it reaches this row (-1: never) */
    int opened;
} MemFeed;

typedef struct MemSource {
    Source base;
    MemFeed *feed;
    const char *name;
    int pos, plan_end, cursor;
    bool saw_end;       /* a plan_batch found nothing new */
    int proj[4], nproj;
    Type types[4];      /* of the projected columns */
    RejectSink rej;
    Arena arena;        /* the current chunk */
    char off[32];
} MemSource;

static int mem_plan(Source *s, Err *err) {
    (void)err;
    MemSource *m = (MemSource *)s;
    int avail = __atomic_load_n(&m->feed->nrows, __ATOMIC_ACQUIRE);   /* a test thread may append */
    if (m->pos >= avail) {
        m->saw_end = true;
        return 0;
    }
    m->plan_end = avail;
    if (m->feed->per_batch > 0 && m->plan_end - m->pos > m->feed->per_batch) m->plan_end = m->pos + m->feed->per_batch;
    m->cursor = m->pos;
    return 1;
}

static int mem_next(Source *s, Chunk **out, Err *err) {
    MemSource *m = (MemSource *)s;
    arena_reset(&m->arena);
    Chunk *c = chunk_new(m->nproj, &m->arena);
    for (int j = 0; j < m->nproj; j++)
        vec_alloc(&c->cols[j], m->types[j], 2, &m->arena);
    uint32_t n = 0;
    while (n < 2 && m->cursor < m->plan_end) {
        int r = m->cursor++;
        if (r == m->feed->fail_at) {
            snprintf(err->location, sizeof err->location, "mem:%d", r + 1);
            return err_set(err, "source \"%s\": row %d cannot be read", m->name, r + 1);
        }
        if (m->feed->bad[r]) {
            char loc[32], rec[64];
            snprintf(loc, sizeof loc, "mem:%d", r + 1);
            snprintf(rec, sizeof rec, "%lld,x", (long long)m->feed->k[r]);
            if (m->rej.reject(m->rej.ud, m->name, loc, str_from(rec, strlen(rec)), "bad BIGINT value \"x\"") < 0)
                return err_set(err, "stopped at a bad record");
            s->rejects++;
            continue;
        }
        for (int j = 0; j < m->nproj; j++) {
            Vec *v = &c->cols[j];
            if (m->proj[j] == 0) VEC_I64(v)[n] = m->feed->k[r];
            else if (m->proj[j] == 1 && m->feed->vnull[r]) vec_nulls(v, 2, &m->arena)[n] = 1;
            else if (m->proj[j] == 1) VEC_I64(v)[n] = m->feed->v[r];
            else if (m->feed->s[r]) VEC_STR(v)[n] = str_from(m->feed->s[r], strlen(m->feed->s[r]));
            else vec_nulls(v, 2, &m->arena)[n] = 1;
        }
        n++;
    }
    if (n == 0 && m->cursor >= m->plan_end) {
        m->pos = m->plan_end;
        return 0;
    }
    c->count = c->nsel = n;
    *out = c;
    return 1;
}

static const char *mem_end_offset(Source *s) {
    MemSource *m = (MemSource *)s;
    snprintf(m->off, sizeof m->off, "%d", m->plan_end);
    return m->off;
}

static int mem_seek(Source *s, const char *off, Err *err) {
    MemSource *m = (MemSource *)s;
    char *end;
    long p = strtol(off, &end, 10);
    if (*end || p < 0) return err_set(err, "bad offset \"%s\"", off);
    m->pos = m->plan_end = (int)p;
    return 0;
}

static bool mem_ended(Source *s) {
    MemSource *m = (MemSource *)s;
    return m->feed->bounded && m->pos >= m->feed->nrows && (!m->feed->ends_late || m->saw_end);
}

static void mem_close(Source *s) {
    MemSource *m = (MemSource *)s;
    arena_free(&m->arena);
    free(m);
}

static const SourceVT mem_vt = {mem_plan, mem_next, mem_end_offset, mem_seek, mem_ended, mem_close};

static Source *mem_open(void *ud, const ConnConfig *cfg, const int *proj, int nproj, const RejectSink *rej,
                        Err *err) {
    MemFeed **feeds = ud;   /* [0]: src and ev, [1]: ev2 */
    MemFeed *feed = feeds[strcmp(cfg->name, "ev2") == 0];
    /* the runtime keeps its own options (late, max_future) from the connector */
    for (int i = 0; i < cfg->noptions; i++)
        if (strcmp(cfg->options[i].key, "late") == 0 || strcmp(cfg->options[i].key, "max_future") == 0)
            return (Source *)(intptr_t)err_set(err, "the connector saw option \"%s\"", cfg->options[i].key);
    MemSource *m = calloc(1, sizeof *m);
    m->base.vt = &mem_vt;
    m->feed = feed;
    m->name = cfg->name;
    m->nproj = nproj;
    for (int j = 0; j < nproj && j < 4; j++) {
        m->proj[j] = proj[j];
        m->types[j] = cfg->schema.cols[proj[j]].type;
    }
    m->rej = *rej;
    arena_init(&m->arena, 0);
    feed->opened++;
    return &m->base;
}

static void feed(MemFeed *f, int64_t k, int64_t v, const char *s) {
    assert_true(f->nrows < FEED_MAX);
    f->k[f->nrows] = k;
    f->v[f->nrows] = v;
    f->s[f->nrows] = s;
    f->bad[f->nrows] = false;
    f->vnull[f->nrows] = false;
    f->nrows++;
}

/* Microseconds of "2024-01-01 HH:MM:00". */
static int64_t at(int hh, int mm) {
    int64_t t;
    char buf[32];
    snprintf(buf, sizeof buf, "2024-01-01 %02d:%02d:00", hh, mm);
    assert_true(ts_parse(buf, strlen(buf), &t));
    return t;
}

/* A row of ev / ev2: key k, event time hh:mm (hh < 0: NULL). */
static void feed_ev(MemFeed *f, int64_t k, int hh, int mm, const char *s) {
    feed(f, k, hh < 0 ? 0 : at(hh, mm), s);
    f->vnull[f->nrows - 1] = hh < 0;
}

/* ------------------------------------------------------------ fixture */

typedef struct Fx {
    char dir[64], db[128];
    ResultDb *rdb;          /* the "session" connection: catalog, reading back */
    Catalog *cat;
    MemFeed feed;
    MemFeed feed2;          /* of ev2 */
    MemFeed *feeds[2];      /* what mem_open gets: &feed, &feed2 */
    Err err;
} Fx;

static int setup(void **state) {
    Fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/weir-stream-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->db, sizeof f->db, "%s/weir.db", f->dir);
    err_clear(&f->err);
    f->rdb = rdb_open(f->db, &f->err);
    if (!f->rdb) return -1;
    f->cat = catalog_new(f->rdb);
    Column cols[3] = {{"k", TYPE_BIGINT}, {"v", TYPE_BIGINT}, {"s", TYPE_TEXT}};
    Schema s = {3, cols};
    CatEntry *e = catalog_add(f->cat, CAT_SOURCE, "src", &s, &f->err);
    if (!e) return -1;
    e->watermark_col = -1;
    e->noptions = 1;
    e->options = ARENA_ARRAY(&e->arena, CatOption, 1);
    e->options[0] = (CatOption){"connector", "mem"};
    Column ecols[3] = {{"k", TYPE_BIGINT}, {"ts", TYPE_TIMESTAMP}, {"s", TYPE_TEXT}};
    Schema es = {3, ecols};
    static const char *const evs[2] = {"ev", "ev2"};
    for (int i = 0; i < 2; i++) {
        e = catalog_add(f->cat, CAT_SOURCE, evs[i], &es, &f->err);
        if (!e) return -1;
        e->watermark_col = 1;
        e->watermark_delay_us = (i == 0 ? 10 : 5) * USEC_PER_MIN;
        e->noptions = 1;
        e->options = ARENA_ARRAY(&e->arena, CatOption, 1);
        e->options[0] = (CatOption){"connector", "mem"};
    }
    f->feed.fail_at = -1;
    f->feed2.fail_at = -1;
    f->feeds[0] = &f->feed;
    f->feeds[1] = &f->feed2;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    Fx *f = *state;
    catalog_free(f->cat);
    rdb_close(f->rdb);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

typedef struct QueryOpts {
    EmitMode mode;
    TriggerKind trigger;
    int64_t interval_us;
    bool threaded;          /* a background thread instead of manual steps */
    const StreamTap *tap;   /* a SELECT-like output instead of a table */
    const char *ev_opts[4]; /* more options of source ev: key, value, key, value (NULL-ended) */
} QueryOpts;

/* Create query `name` (a materialized view with table `name`) from `sql`; NULL + f->err on error. */
static StreamQuery *create_q(Fx *f, const char *name, const char *sql, const QueryOpts *o) {
    Arena *qa = arena_new(0);
    AstStmt *st = NULL;
    int next = 0;
    err_clear(&f->err);
    if (parse_next(sql, 0, qa, &st, &next, &f->err) || !st || !st->query) fail_msg("parse: %s", f->err.msg);
    PlanCtx pc = {.arena = qa, .catalog = f->cat, .text = sql, .now_us = 0, .err = &f->err};
    Plan *p = NULL;
    if (plan_query(&pc, st->query, &p) || optimize(&pc, &p, NULL)) fail_msg("plan: %s", f->err.msg);
    static const ConnOption opts[1] = {{"connector", "mem"}};
    ConnOption ev_opts[3] = {{"connector", "mem"}};
    int nev = 1;
    for (int i = 0; i + 1 < 4 && o->ev_opts[i]; i += 2) ev_opts[nev++] = (ConnOption){o->ev_opts[i], o->ev_opts[i + 1]};
    Column cols[3] = {{"k", TYPE_BIGINT}, {"v", TYPE_BIGINT}, {"s", TYPE_TEXT}};
    Column ecols[3] = {{"k", TYPE_BIGINT}, {"ts", TYPE_TIMESTAMP}, {"s", TYPE_TEXT}};
    StreamSourceDef defs[3] = {
        {.name = "src", .connector = "mem", .noptions = 1, .options = opts, .schema = {3, cols}},
        {.name = "ev", .connector = "mem", .noptions = nev, .options = ev_opts, .schema = {3, ecols}},
        {.name = "ev2", .connector = "mem", .noptions = 1, .options = opts, .schema = {3, ecols}},
    };
    StreamSpec spec = {
        .name = name,
        .kind = o->tap ? STREAM_SELECT : STREAM_MATVIEW,
        .arena = qa,
        .plan = p,
        .mode = o->mode,
        .trigger = o->trigger,
        .interval_us = o->interval_us,
        .nsources = 3,
        .sources = defs,
        .table = o->tap ? NULL : name,
        .tap = o->tap,
        .db_path = f->db,
        .manual = !o->threaded && !o->tap,
        .now_us = 0,
        .open_source = mem_open,
        .open_ud = f->feeds,
    };
    return stream_create(&spec, &f->err);
}

static StreamQuery *must_create(Fx *f, const char *name, const char *sql, const QueryOpts *o) {
    StreamQuery *q = create_q(f, name, sql, o);
    if (!q) fail_msg("create %s: %s", name, f->err.msg);
    return q;
}

static int64_t step(Fx *f, StreamQuery *q, const StreamTap *tap) {
    err_clear(&f->err);
    int64_t n = stream_step(q, tap, &f->err);
    if (n < 0) fail_msg("step: %s", f->err.msg);
    return n;
}

/* Rows of a SQL query on a fresh connection: cells joined by '|', rows by '\n' (static buffer). */
static const char *rows(Fx *f, const char *sql) {
    static char out[8192];
    sqlite3 *db;
    out[0] = 0;
    if (sqlite3_open(f->db, &db) != SQLITE_OK) fail_msg("open %s", f->db);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n) n += (size_t)snprintf(out + n, sizeof out - n, "\n");
        for (int j = 0; j < sqlite3_column_count(st); j++) {
            const char *t = (const char *)sqlite3_column_text(st, j);
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", j ? "|" : "", t ? t : "NULL");
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

#define ROWS_EQ(f, sql, want)                                                                  \
    do {                                                                                       \
        const char *got_ = rows((f), (sql));                                                   \
        if (strcmp(got_, (want)) != 0) fprintf(stderr, "[%s]\n got: [%s]\nwant: [%s]\n", (sql), got_, (want)); \
        assert_string_equal(got_, (want));                                                     \
    } while (0)

/* ------------------------------------------------------------ APPEND */

static void test_append_and_resume(void **state) {
    Fx *f = *state;
    QueryOpts o = {.mode = EMIT_APPEND};
    const char *sql = "SELECT k, s FROM src WHERE v > 0";
    StreamQuery *q = must_create(f, "app", sql, &o);
    assert_int_equal(step(f, q, NULL), 0);   /* nothing yet: no batch */
    feed(&f->feed, 1, 5, "a");
    feed(&f->feed, 2, -1, "b");
    feed(&f->feed, 3, 7, NULL);
    assert_int_equal(step(f, q, NULL), 3);
    ROWS_EQ(f, "SELECT k, s FROM app ORDER BY k", "1|a\n3|NULL");
    assert_int_equal(step(f, q, NULL), 0);
    feed(&f->feed, 4, 1, "d");
    assert_int_equal(step(f, q, NULL), 1);
    ROWS_EQ(f, "SELECT k, s FROM app ORDER BY k", "1|a\n3|NULL\n4|d");
    ROWS_EQ(f, "SELECT source, \"offset\" FROM weir_offsets WHERE query = 'app'", "src|4");
    ROWS_EQ(f, "SELECT batch_id, input_rows, watermark, late_rows FROM weir_progress WHERE query = 'app'",
            "1|3|NULL|0\n2|1|NULL|0");
    ROWS_EQ(f, "SELECT kind, status, batches FROM weir_queries WHERE name = 'app'", "materialized view|running|2");
    StreamStats s;
    stream_stats(q, &s);
    assert_int_equal(s.batches, 2);
    assert_int_equal(s.input_rows, 4);
    stream_free(q);
    ROWS_EQ(f, "SELECT status FROM weir_queries WHERE name = 'app'", "stopped");

    /* created again: resumes after row 4, the table is kept, batch ids continue */
    q = must_create(f, "app", sql, &o);
    assert_int_equal(step(f, q, NULL), 0);
    ROWS_EQ(f, "SELECT count(*) FROM app", "3");
    feed(&f->feed, 5, 2, "e");
    assert_int_equal(step(f, q, NULL), 1);
    ROWS_EQ(f, "SELECT k, s FROM app ORDER BY k", "1|a\n3|NULL\n4|d\n5|e");
    ROWS_EQ(f, "SELECT max(batch_id) FROM weir_progress WHERE query = 'app'", "3");
    stream_free(q);
}

/* ------------------------------------------------------------ UPDATE */

static void test_update_keyed(void **state) {
    Fx *f = *state;
    QueryOpts o = {.mode = EMIT_UPDATE};
    const char *sql = "SELECT k, count(*) AS n, sum(v) AS t FROM src GROUP BY k HAVING count(*) < 3";
    StreamQuery *q = must_create(f, "upd", sql, &o);
    ROWS_EQ(f, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'upd'", "weir_key_upd");
    feed(&f->feed, 1, 10, "a");
    feed(&f->feed, 2, 20, "b");
    feed(&f->feed, 1, 1, "c");
    assert_int_equal(step(f, q, NULL), 3);
    ROWS_EQ(f, "SELECT k, n, t FROM upd ORDER BY k", "1|2|11\n2|1|20");
    feed(&f->feed, 1, 100, "d");   /* k = 1 reaches 3 rows: HAVING drops it */
    feed(&f->feed, 2, 5, "e");
    assert_int_equal(step(f, q, NULL), 2);
    ROWS_EQ(f, "SELECT k, n, t FROM upd ORDER BY k", "2|2|25");
    stream_free(q);

    /* the aggregate's state comes back from weir_state */
    q = must_create(f, "upd", sql, &o);
    feed(&f->feed, 3, 3, "f");
    feed(&f->feed, 2, 1, "g");     /* k = 2 reaches 3: deleted */
    assert_int_equal(step(f, q, NULL), 2);
    ROWS_EQ(f, "SELECT k, n, t FROM upd ORDER BY k", "3|1|3");
    ROWS_EQ(f, "SELECT count(*) > 0 FROM weir_state WHERE query = 'upd'", "1");
    stream_free(q);
}

/* Grouping columns missing from the output: the table is a multiset of rows. */
static void test_update_multiset(void **state) {
    Fx *f = *state;
    QueryOpts o = {.mode = EMIT_UPDATE};
    StreamQuery *q = must_create(f, "ms", "SELECT count(*) AS n FROM src GROUP BY k", &o);
    ROWS_EQ(f, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ms'", "0");
    feed(&f->feed, 1, 0, NULL);
    feed(&f->feed, 2, 0, NULL);
    assert_int_equal(step(f, q, NULL), 2);
    ROWS_EQ(f, "SELECT n FROM ms ORDER BY n", "1\n1");
    feed(&f->feed, 1, 0, NULL);
    assert_int_equal(step(f, q, NULL), 1);
    ROWS_EQ(f, "SELECT n FROM ms ORDER BY n", "1\n2");
    stream_free(q);
}

static void test_update_keys_of_plans(void **state) {
    Fx *f = *state;
    static const struct {
        const char *sql;
        const char *keys;
    } cases[] = {
        {"SELECT k, count(*) AS n FROM src GROUP BY k", "0"},
        {"SELECT count(*) AS n, k FROM src GROUP BY k", "1"},
        {"SELECT s, k, count(*) AS n FROM src GROUP BY k, s", "1,0"},
        {"SELECT count(*) AS n FROM src GROUP BY k", ""},
        {"SELECT count(*) AS n FROM src", ""},
        {"SELECT k, v FROM src", ""},
        {"SELECT DISTINCT k, s FROM src", "0,1"},
        {"SELECT k, n FROM (SELECT k, count(*) AS n FROM src GROUP BY k) t WHERE n > 1", "0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Arena a;
        arena_init(&a, 0);
        AstStmt *st;
        int next;
        err_clear(&f->err);
        assert_int_equal(parse_next(cases[i].sql, 0, &a, &st, &next, &f->err), 0);
        PlanCtx pc = {.arena = &a, .catalog = f->cat, .text = cases[i].sql, .err = &f->err};
        Plan *p;
        assert_int_equal(plan_query(&pc, st->query, &p), 0);
        assert_int_equal(optimize(&pc, &p, NULL), 0);
        int keys[8], n;
        stream_update_keys(p, keys, &n);
        char got[64] = "";
        for (int k = 0; k < n; k++) snprintf(got + strlen(got), sizeof got - strlen(got), "%s%d", k ? "," : "", keys[k]);
        if (strcmp(got, cases[i].keys) != 0) fprintf(stderr, "%s: keys [%s]\n", cases[i].sql, got);
        assert_string_equal(got, cases[i].keys);
        arena_free(&a);
    }
}

/* ------------------------------------------------------------ COMPLETE */

static void test_complete(void **state) {
    Fx *f = *state;
    QueryOpts o = {.mode = EMIT_COMPLETE};
    StreamQuery *q = must_create(f, "cpl", "SELECT s, count(*) AS n FROM src GROUP BY s", &o);
    feed(&f->feed, 1, 0, "x");
    feed(&f->feed, 2, 0, "y");
    assert_int_equal(step(f, q, NULL), 2);
    ROWS_EQ(f, "SELECT s, n FROM cpl ORDER BY s", "x|1\ny|1");
    feed(&f->feed, 3, 0, "x");
    feed(&f->feed, 4, 0, NULL);
    assert_int_equal(step(f, q, NULL), 2);
    ROWS_EQ(f, "SELECT s, n FROM cpl ORDER BY s", "NULL|1\nx|2\ny|1");
    feed(&f->feed, 5, 0, NULL);   /* the NULL group is updated through its key (IS, not =) */
    assert_int_equal(step(f, q, NULL), 1);
    ROWS_EQ(f, "SELECT s, n FROM cpl ORDER BY s", "NULL|2\nx|2\ny|1");
    stream_free(q);
}

/* ------------------------------------------------------------ taps: a batch's changes */

typedef struct Changes {
    char text[2048];
    int batches;
} Changes;

static int ch_begin(void *ud, int64_t id) {
    Changes *c = ud;
    (void)id;
    c->text[0] = 0;
    return 0;
}

static int ch_rows(void *ud, const Chunk *ch) {
    Changes *c = ud;
    for (uint32_t k = 0; k < chunk_active(ch); k++) {
        uint32_t r = chunk_row(ch, k);
        size_t n = strlen(c->text);
        if (n) c->text[n++] = ';';
        for (int j = 0; j < ch->ncols; j++) {
            Value v;
            vec_get(&ch->cols[j], r, &v);
            Arena a;
            arena_init(&a, 0);
            n += (size_t)snprintf(c->text + n, sizeof c->text - n, "%s", v.null ? "NULL" : value_to_text(&a, &v));
            arena_free(&a);
            n += (size_t)snprintf(c->text + n, sizeof c->text - n, "%s", "|");
        }
        snprintf(c->text + n, sizeof c->text - n, "%+lld", (long long)chunk_weight(ch, r));
    }
    return 0;
}

static int ch_end(void *ud, int64_t id) {
    Changes *c = ud;
    (void)id;
    c->batches++;
    return 0;
}

static void test_step_changes(void **state) {
    Fx *f = *state;
    QueryOpts o = {.mode = EMIT_UPDATE};
    StreamQuery *q = must_create(f, "chg", "SELECT k, count(*) AS n FROM src GROUP BY k", &o);
    Changes c = {0};
    StreamTap tap = {ch_begin, ch_rows, ch_end, &c};
    feed(&f->feed, 1, 0, NULL);
    feed(&f->feed, 1, 0, NULL);   /* within one batch: +1 (1,2), no +1 (1,1) then -1 */
    assert_int_equal(step(f, q, &tap), 2);
    assert_string_equal(c.text, "1|2|+1");
    feed(&f->feed, 1, 0, NULL);
    feed(&f->feed, 2, 0, NULL);
    assert_int_equal(step(f, q, &tap), 2);
    assert_string_equal(c.text, "1|2|-1;1|3|+1;2|1|+1");
    assert_int_equal(c.batches, 2);
    stream_free(q);
}

/* A COMPLETE SELECT (a tap as the output) receives the whole result every batch. */
static void test_tap_output_complete(void **state) {
    Fx *f = *state;
    Changes c = {0};
    StreamTap tap = {ch_begin, ch_rows, ch_end, &c};
    QueryOpts o = {.mode = EMIT_COMPLETE, .trigger = TRIGGER_AVAILABLE_NOW, .tap = &tap};
    f->feed.per_batch = 2;
    feed(&f->feed, 1, 0, NULL);
    feed(&f->feed, 2, 0, NULL);
    feed(&f->feed, 1, 0, NULL);
    StreamQuery *q = must_create(f, "select", "SELECT k, count(*) AS n FROM src GROUP BY k", &o);
    err_clear(&f->err);
    assert_int_equal(stream_run(q, &f->err), 0);
    assert_int_equal(c.batches, 2);
    assert_string_equal(c.text, "2|1|+1;1|2|+1");   /* the result in first-seen order */
    StreamStats s;
    stream_stats(q, &s);
    assert_int_equal(s.status, STREAM_FINISHED);
    stream_free(q);
    /* nothing of a SELECT is checkpointed */
    ROWS_EQ(f, "SELECT count(*) FROM weir_queries", "0");
}

/* ------------------------------------------------------------ plans, rejects, failures */

static void test_different_plan_refused(void **state) {
    Fx *f = *state;
    QueryOpts o = {.mode = EMIT_UPDATE};
    StreamQuery *q = must_create(f, "dp", "SELECT k, count(*) AS n FROM src GROUP BY k", &o);
    stream_free(q);
    assert_null(create_q(f, "dp", "SELECT k, sum(v) AS n FROM src GROUP BY k", &o));
    assert_string_equal(f->err.msg, "query \"dp\" exists in the results database with a different plan; "
                                    "DROP MATERIALIZED VIEW dp to start over");
    /* the same plan in another mode is another plan too */
    o.mode = EMIT_COMPLETE;
    assert_null(create_q(f, "dp", "SELECT k, count(*) AS n FROM src GROUP BY k", &o));
    /* forgotten, it starts over */
    err_clear(&f->err);
    assert_int_equal(stream_forget(rdb_handle(f->rdb), "dp", &f->err), 0);
    q = must_create(f, "dp", "SELECT k, sum(v) AS n FROM src GROUP BY k", &o);
    stream_free(q);
}

static void test_rejects(void **state) {
    Fx *f = *state;
    QueryOpts o = {.mode = EMIT_APPEND};
    StreamQuery *q = must_create(f, "rj", "SELECT k FROM src", &o);
    feed(&f->feed, 1, 0, NULL);
    feed(&f->feed, 2, 0, NULL);
    f->feed.bad[1] = true;
    feed(&f->feed, 3, 0, NULL);
    assert_int_equal(step(f, q, NULL), 2);
    ROWS_EQ(f, "SELECT k FROM rj ORDER BY k", "1\n3");
    ROWS_EQ(f, "SELECT query, source, location, record, error, at IS NOT NULL FROM weir_rejects",
            "rj|src|mem:2|2,x|bad BIGINT value \"x\"|1");
    ROWS_EQ(f, "SELECT rejects FROM weir_progress WHERE query = 'rj'", "1");
    StreamStats s;
    stream_stats(q, &s);
    assert_int_equal(s.rejects, 1);
    /* a batch whose only records are bad still commits them (and moves on) */
    feed(&f->feed, 4, 0, NULL);
    f->feed.bad[3] = true;
    assert_int_equal(step(f, q, NULL), 0);
    ROWS_EQ(f, "SELECT location FROM weir_rejects ORDER BY location", "mem:2\nmem:4");
    ROWS_EQ(f, "SELECT \"offset\" FROM weir_offsets WHERE query = 'rj'", "4");
    stream_free(q);
}

/* A batch that fails rolls back: the table, offsets and state stay at the last commit. */
static void test_failure_rolls_back(void **state) {
    Fx *f = *state;
    QueryOpts o = {.mode = EMIT_UPDATE};
    const char *sql = "SELECT k, count(*) AS n FROM src GROUP BY k";
    StreamQuery *q = must_create(f, "fl", sql, &o);
    feed(&f->feed, 1, 0, NULL);
    feed(&f->feed, 2, 0, NULL);
    assert_int_equal(step(f, q, NULL), 2);
    for (int i = 0; i < 5; i++) feed(&f->feed, 1 + i % 2, 0, NULL);
    f->feed.fail_at = 5;   /* after two chunks of the batch were pushed */
    err_clear(&f->err);
    assert_int_equal(stream_step(q, NULL, &f->err), -1);
    assert_non_null(strstr(f->err.msg, "row 6 cannot be read"));
    StreamStats s;
    stream_stats(q, &s);
    assert_int_equal(s.status, STREAM_FAILED);
    assert_non_null(strstr(s.last_error, "mem:6: source \"src\": row 6 cannot be read"));
    ROWS_EQ(f, "SELECT k, n FROM fl ORDER BY k", "1|1\n2|1");
    ROWS_EQ(f, "SELECT status, last_error FROM weir_queries WHERE name = 'fl'",
            "failed|mem:6: source \"src\": row 6 cannot be read");
    err_clear(&f->err);
    assert_int_equal(stream_step(q, NULL, &f->err), -1);   /* a failed query stays failed */
    stream_free(q);

    /* a new run resumes from the commit and ends exactly like an uninterrupted one */
    f->feed.fail_at = -1;
    q = must_create(f, "fl", sql, &o);
    assert_int_equal(step(f, q, NULL), 5);
    ROWS_EQ(f, "SELECT k, n FROM fl ORDER BY k", "1|4\n2|3");
    stream_free(q);
}

/* ------------------------------------------------------------ triggers (thread) */

static void run_to_end(StreamQuery *q, StreamStats *s) {
    Err err;
    err_clear(&err);
    assert_int_equal(stream_start(q, &err), 0);
    stream_join(q);
    stream_stats(q, s);
}

static void test_trigger_once_and_available_now(void **state) {
    Fx *f = *state;
    for (int i = 0; i < 7; i++) feed(&f->feed, i, 1, NULL);
    f->feed.per_batch = 2;
    /* ONCE: one batch of everything available, whatever the source's per-trigger limit */
    QueryOpts o = {.mode = EMIT_APPEND, .trigger = TRIGGER_ONCE, .threaded = true};
    StreamQuery *q = must_create(f, "once", "SELECT k FROM src", &o);
    StreamStats s;
    run_to_end(q, &s);
    assert_int_equal(s.status, STREAM_FINISHED);
    assert_int_equal(s.batches, 1);
    assert_int_equal(s.input_rows, 7);
    stream_free(q);
    ROWS_EQ(f, "SELECT count(*) FROM once", "7");
    ROWS_EQ(f, "SELECT \"offset\" FROM weir_offsets WHERE query = 'once'", "7");

    /* AVAILABLE NOW: as many batches as the limit needs */
    o.trigger = TRIGGER_AVAILABLE_NOW;
    q = must_create(f, "now", "SELECT k FROM src", &o);
    run_to_end(q, &s);
    assert_int_equal(s.status, STREAM_FINISHED);
    assert_int_equal(s.batches, 4);   /* 2 + 2 + 2 + 1 rows */
    assert_int_equal(s.input_rows, 7);
    stream_free(q);
    ROWS_EQ(f, "SELECT count(*) FROM now", "7");
    ROWS_EQ(f, "SELECT group_concat(input_rows) FROM weir_progress WHERE query = 'now'", "2,2,2,1");

    /* neither ends an unbounded source: run again, they read only what is new */
    feed(&f->feed, 7, 1, NULL);
    feed(&f->feed, 8, 1, NULL);
    feed(&f->feed, 9, 1, NULL);
    o.trigger = TRIGGER_ONCE;
    q = must_create(f, "once", "SELECT k FROM src", &o);
    run_to_end(q, &s);
    assert_int_equal(s.batches, 2);
    assert_int_equal(s.input_rows, 3);
    stream_free(q);
    ROWS_EQ(f, "SELECT count(*), min(k), max(k) FROM once", "10|0|9");

    /* with manual steps the trigger still ends the query */
    o.threaded = false;
    o.trigger = TRIGGER_AVAILABLE_NOW;
    q = must_create(f, "now", "SELECT k FROM src", &o);
    assert_int_equal(step(f, q, NULL), 2);
    assert_int_equal(step(f, q, NULL), 1);
    assert_int_equal(step(f, q, NULL), 0);
    stream_stats(q, &s);
    assert_int_equal(s.status, STREAM_FINISHED);
    feed(&f->feed, 10, 1, NULL);
    assert_int_equal(step(f, q, NULL), 0);   /* done: not read by this run */
    stream_free(q);
}

static void test_bounded_input_ends_query(void **state) {
    Fx *f = *state;
    for (int i = 0; i < 5; i++) feed(&f->feed, i % 2, i, NULL);
    f->feed.bounded = true;
    f->feed.per_batch = 2;
    QueryOpts o = {.mode = EMIT_UPDATE, .threaded = true};
    StreamQuery *q = must_create(f, "bnd", "SELECT k, sum(v) AS t FROM src GROUP BY k", &o);
    StreamStats s;
    run_to_end(q, &s);
    assert_int_equal(s.status, STREAM_FINISHED);
    assert_int_equal(s.batches, 3);
    stream_free(q);
    ROWS_EQ(f, "SELECT k, t FROM bnd ORDER BY k", "0|6\n1|4");
    ROWS_EQ(f, "SELECT status FROM weir_queries WHERE name = 'bnd'", "finished");
}

static int64_t now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void test_interval_trigger(void **state) {
    Fx *f = *state;
    for (int i = 0; i < 6; i++) feed(&f->feed, i, 1, NULL);
    f->feed.bounded = true;
    f->feed.per_batch = 2;
    QueryOpts o = {.mode = EMIT_APPEND, .trigger = TRIGGER_INTERVAL, .interval_us = 100000, .threaded = true};
    StreamQuery *q = must_create(f, "iv", "SELECT k FROM src", &o);
    int64_t t0 = now_ms();
    StreamStats s;
    run_to_end(q, &s);
    int64_t took = now_ms() - t0;
    assert_int_equal(s.batches, 3);
    assert_true(took >= 250);   /* batches at 0, 100, 200 ms, then the end is seen at 300 ms */
    stream_free(q);
}

/* The default trigger picks up new data while running; a stop commits and ends the thread. */
static void test_default_trigger_and_stop(void **state) {
    Fx *f = *state;
    QueryOpts o = {.mode = EMIT_APPEND, .threaded = true};
    StreamQuery *q = must_create(f, "dflt", "SELECT k FROM src", &o);
    Err err;
    err_clear(&err);
    assert_int_equal(stream_start(q, &err), 0);
    /* the feed is read by the query's thread: publish rows before it can look at them */
    f->feed.k[0] = 42;
    f->feed.v[0] = 0;
    f->feed.s[0] = NULL;
    __atomic_store_n(&f->feed.nrows, 1, __ATOMIC_RELEASE);
    StreamStats s;
    int64_t t0 = now_ms();
    do {
        usleep(10000);
        stream_stats(q, &s);
    } while (s.batches < 1 && now_ms() - t0 < 5000);
    assert_int_equal(s.batches, 1);
    assert_int_equal(s.status, STREAM_RUNNING);
    stream_stop(q);
    stream_join(q);
    stream_stats(q, &s);
    assert_int_equal(s.status, STREAM_STOPPED);
    stream_free(q);
    ROWS_EQ(f, "SELECT k FROM dflt", "42");
    ROWS_EQ(f, "SELECT status FROM weir_queries WHERE name = 'dflt'", "stopped");
}

/* ------------------------------------------------------------ event time */

static int64_t watermark_of(StreamQuery *q) {
    StreamStats s;
    stream_stats(q, &s);
    return s.watermark;
}

/*
** The watermark is the max event time seen minus the delay, after each batch;
** NULL event times and older rows never move it back; it is in
** weir_progress, weir_queries and weir_offsets, and a resumed query goes on
** from the checkpointed max event time.
*/
static void test_watermark_progression(void **state) {
    Fx *f = *state;
    QueryOpts o = {.mode = EMIT_APPEND};
    const char *sql = "SELECT k, s FROM ev";
    StreamQuery *q = must_create(f, "wm", sql, &o);
    assert_true(watermark_of(q) == INT64_MIN);   /* none before any data */
    feed_ev(&f->feed, 1, 12, 7, "a");
    feed_ev(&f->feed, 2, 12, 8, "b");
    assert_int_equal(step(f, q, NULL), 2);
    assert_true(watermark_of(q) == at(11, 58));
    feed_ev(&f->feed, 3, 12, 3, "c");    /* older: the watermark stays */
    feed_ev(&f->feed, 4, -1, 0, "d");    /* NULL event time: ignored */
    assert_int_equal(step(f, q, NULL), 2);
    assert_true(watermark_of(q) == at(11, 58));
    feed_ev(&f->feed, 5, 12, 20, "e");
    assert_int_equal(step(f, q, NULL), 1);
    assert_true(watermark_of(q) == at(12, 10));
    ROWS_EQ(f, "SELECT batch_id, watermark, late_rows FROM weir_progress WHERE query = 'wm' ORDER BY batch_id",
            "1|2024-01-01 11:58:00|0\n2|2024-01-01 11:58:00|0\n3|2024-01-01 12:10:00|0");
    char want[128];
    snprintf(want, sizeof want, "%lld", (long long)at(12, 10));
    ROWS_EQ(f, "SELECT watermark_us FROM weir_queries WHERE name = 'wm'", want);
    snprintf(want, sizeof want, "ev|5|%lld", (long long)at(12, 20));
    ROWS_EQ(f, "SELECT source, \"offset\", max_event_time_us FROM weir_offsets WHERE query = 'wm'", want);
    ROWS_EQ(f, "SELECT k FROM wm ORDER BY k", "1\n2\n3\n4\n5");   /* no aggregation: nothing is late */
    stream_free(q);

    /* resumed: the watermark is back at once, and the max event time with it */
    q = must_create(f, "wm", sql, &o);
    assert_true(watermark_of(q) == at(12, 10));
    feed_ev(&f->feed, 6, 12, 15, "f");   /* below the restored max (12:20): max and watermark stay */
    assert_int_equal(step(f, q, NULL), 1);
    assert_true(watermark_of(q) == at(12, 10));
    snprintf(want, sizeof want, "ev|6|%lld", (long long)at(12, 20));
    ROWS_EQ(f, "SELECT source, \"offset\", max_event_time_us FROM weir_offsets WHERE query = 'wm'", want);
    feed_ev(&f->feed, 7, 12, 31, "g");
    assert_int_equal(step(f, q, NULL), 1);
    ROWS_EQ(f, "SELECT watermark FROM weir_progress WHERE query = 'wm' ORDER BY batch_id DESC LIMIT 1",
            "2024-01-01 12:21:00");
    stream_free(q);
}

/* A query without a WATERMARK has no watermark: NULL in the progress rows. */
static void test_no_watermark(void **state) {
    Fx *f = *state;
    QueryOpts o = {.mode = EMIT_UPDATE};
    StreamQuery *q = must_create(f, "nw", "SELECT k, count(*) AS n FROM src GROUP BY k", &o);
    feed(&f->feed, 1, 0, NULL);
    f->feed.bounded = true;
    assert_int_equal(step(f, q, NULL), 1);
    assert_int_equal(step(f, q, NULL), 0);   /* ended: no batch of its own for a watermark */
    assert_true(watermark_of(q) == INT64_MIN);
    ROWS_EQ(f, "SELECT batch_id, watermark FROM weir_progress WHERE query = 'nw'", "1|NULL");
    ROWS_EQ(f, "SELECT watermark_us FROM weir_queries WHERE name = 'nw'", "NULL");
    stream_free(q);
}

/* Two inputs: the minimum of theirs; an input without event time yet holds it. */
static void test_watermark_min_of_inputs(void **state) {
    Fx *f = *state;
    QueryOpts o = {.mode = EMIT_APPEND};
    StreamQuery *q = must_create(f, "two", "SELECT a.k, a.ts, b.ts AS ts2 FROM ev a JOIN ev2 b ON a.k = b.k", &o);
    feed_ev(&f->feed, 1, 12, 30, "a");
    assert_int_equal(step(f, q, NULL), 1);
    assert_true(watermark_of(q) == INT64_MIN);   /* ev2 has said nothing yet */
    feed_ev(&f->feed2, 1, 12, 20, "x");
    assert_int_equal(step(f, q, NULL), 1);
    assert_true(watermark_of(q) == at(12, 15));  /* min(12:30 - 10, 12:20 - 5) */
    feed_ev(&f->feed2, 2, 13, 0, "y");
    assert_int_equal(step(f, q, NULL), 1);
    assert_true(watermark_of(q) == at(12, 20));  /* now ev holds it */
    feed_ev(&f->feed2, 3, 12, 0, "z");           /* behind, and ev2's max stays 13:00 */
    feed_ev(&f->feed, 2, 12, 50, "b");
    assert_int_equal(step(f, q, NULL), 2);
    assert_true(watermark_of(q) == at(12, 40));
    ROWS_EQ(f, "SELECT k, ts, ts2 FROM two ORDER BY k",
            "1|2024-01-01 12:30:00|2024-01-01 12:20:00\n2|2024-01-01 12:50:00|2024-01-01 13:00:00");
    ROWS_EQ(f, "SELECT group_concat(ifnull(watermark, 'NULL'), ',') FROM (SELECT watermark FROM weir_progress "
               "WHERE query = 'two' ORDER BY batch_id)",
            "NULL,2024-01-01 12:15:00,2024-01-01 12:20:00,2024-01-01 12:40:00");
    stream_free(q);
}

static const char *TUMBLE10 =
    "SELECT window_start, window_end, count(*) AS n FROM TUMBLE(ev, ts, INTERVAL '10' MINUTE) "
    "GROUP BY window_start, window_end";

/*
** APPEND over a tumbling window: a window is written once, in the batch after
** which the watermark passes its end; a late row is dropped from a final
** window, counted, and with late = 'keep' stored in weir_late.  When every
** input has ended, one more batch (without input rows) takes the watermark
** to +infinity and writes the windows left.
*/
static void test_append_windows_and_late_rows(void **state) {
    Fx *f = *state;
    QueryOpts o = {.mode = EMIT_APPEND, .ev_opts = {"late", "keep"}};
    StreamQuery *q = must_create(f, "win", TUMBLE10, &o);
    Changes c = {0};
    StreamTap tap = {ch_begin, ch_rows, ch_end, &c};
    feed_ev(&f->feed, 1, 12, 1, NULL);
    feed_ev(&f->feed, 2, 12, 5, NULL);
    assert_int_equal(step(f, q, &tap), 2);
    assert_string_equal(c.text, "");            /* watermark 11:55: nothing final */
    feed_ev(&f->feed, 3, 12, 12, NULL);
    assert_int_equal(step(f, q, &tap), 1);
    assert_string_equal(c.text, "");            /* 12:02 < 12:10 */
    ROWS_EQ(f, "SELECT count(*) FROM win", "0");
    feed_ev(&f->feed, 4, 12, 25, NULL);
    assert_int_equal(step(f, q, &tap), 1);      /* 12:15: [12:00, 12:10) is final */
    assert_string_equal(c.text, "2024-01-01 12:00:00|2024-01-01 12:10:00|2|+1");
    feed_ev(&f->feed, 5, 12, 8, "late");        /* judged by 12:15: its window is final */
    feed_ev(&f->feed, 6, 12, 40, NULL);
    assert_int_equal(step(f, q, &tap), 2);      /* 12:30: [12:10, 12:20) and [12:20, 12:30) are final */
    assert_string_equal(c.text, "2024-01-01 12:10:00|2024-01-01 12:20:00|1|+1;2024-01-01 12:20:00|2024-01-01 "
                                "12:30:00|1|+1");
    ROWS_EQ(f, "SELECT window_start, n FROM win ORDER BY window_start",
            "2024-01-01 12:00:00|2\n2024-01-01 12:10:00|1\n2024-01-01 12:20:00|1");
    ROWS_EQ(f, "SELECT group_concat(late_rows, ',') FROM (SELECT late_rows FROM weir_progress WHERE query = 'win' "
               "ORDER BY batch_id)",
            "0,0,0,1");
    ROWS_EQ(f, "SELECT query, window_start, window_end, record LIKE '%2024-01-01 12:08:00%', at IS NOT NULL "
               "FROM weir_late",
            "win|2024-01-01 12:00:00|2024-01-01 12:10:00|1|1");
    StreamStats st;
    stream_stats(q, &st);
    assert_int_equal(st.late_rows, 1);

    /* the input ends: a batch without rows emits the rest, then the query is done */
    f->feed.bounded = true;
    assert_int_equal(step(f, q, &tap), 0);
    assert_int_equal(c.batches, 5);
    assert_string_equal(c.text, "2024-01-01 12:40:00|2024-01-01 12:50:00|1|+1");
    assert_true(watermark_of(q) == INT64_MAX);
    stream_stats(q, &st);
    assert_int_equal(st.status, STREAM_RUNNING);
    assert_int_equal(step(f, q, &tap), 0);
    assert_int_equal(c.batches, 5);              /* nothing more to do */
    stream_stats(q, &st);
    assert_int_equal(st.status, STREAM_FINISHED);
    ROWS_EQ(f, "SELECT count(*), sum(n) FROM win", "4|5");
    ROWS_EQ(f, "SELECT batch_id, input_rows, watermark FROM weir_progress WHERE query = 'win' AND batch_id = 5",
            "5|0|" STREAM_WATERMARK_END);
    ROWS_EQ(f, "SELECT watermark_us FROM weir_queries WHERE name = 'win'", "9223372036854775807");
    ROWS_EQ(f, "SELECT count(*) FROM weir_state WHERE query = 'win'", "0");   /* final windows are evicted */
    stream_free(q);
}

/* Without late = 'keep' late rows are counted only; the same query resumed keeps its open windows. */
static void test_append_windows_resume(void **state) {
    Fx *f = *state;
    QueryOpts o = {.mode = EMIT_APPEND};
    StreamQuery *q = must_create(f, "wr", TUMBLE10, &o);
    feed_ev(&f->feed, 1, 12, 1, NULL);
    feed_ev(&f->feed, 2, 12, 15, NULL);
    assert_int_equal(step(f, q, NULL), 2);      /* 12:05 */
    stream_free(q);
    q = must_create(f, "wr", TUMBLE10, &o);
    assert_true(watermark_of(q) == at(12, 5));
    feed_ev(&f->feed, 3, 12, 3, NULL);          /* still open: counts */
    feed_ev(&f->feed, 4, 12, 22, NULL);
    assert_int_equal(step(f, q, NULL), 2);      /* 12:12: [12:00, 12:10) final with 2 rows */
    ROWS_EQ(f, "SELECT window_start, n FROM wr", "2024-01-01 12:00:00|2");
    feed_ev(&f->feed, 5, 12, 4, NULL);          /* late now */
    assert_int_equal(step(f, q, NULL), 1);
    ROWS_EQ(f, "SELECT late_rows, watermark FROM weir_progress WHERE query = 'wr' ORDER BY batch_id DESC LIMIT 1",
            "1|2024-01-01 12:12:00");
    ROWS_EQ(f, "SELECT count(*) FROM weir_late", "0");
    ROWS_EQ(f, "SELECT window_start, n FROM wr", "2024-01-01 12:00:00|2");
    stream_free(q);
}

/* A bounded input that ends with its last batch: that batch takes the watermark to +infinity. */
static void test_bounded_input_final_watermark(void **state) {
    Fx *f = *state;
    static const int mins[] = {1, 14, 2, 33, 27, 9, 45, 8};
    for (int i = 0; i < 8; i++) feed_ev(&f->feed, i, 12, mins[i], NULL);
    f->feed.bounded = true;
    f->feed.per_batch = 3;
    QueryOpts o = {.mode = EMIT_APPEND, .threaded = true};
    StreamQuery *q = must_create(f, "bw", TUMBLE10, &o);
    StreamStats s;
    run_to_end(q, &s);
    assert_int_equal(s.status, STREAM_FINISHED);
    assert_int_equal(s.batches, 3);             /* no extra batch: the end is known after the third */
    assert_true(s.watermark == INT64_MAX);
    assert_int_equal(s.late_rows, 1);           /* 12:08 comes after the watermark reached 12:23 */
    stream_free(q);
    ROWS_EQ(f, "SELECT window_start, n FROM bw ORDER BY window_start",
            "2024-01-01 12:00:00|3\n2024-01-01 12:10:00|1\n2024-01-01 12:20:00|1\n2024-01-01 12:30:00|1\n"
            "2024-01-01 12:40:00|1");
    ROWS_EQ(f, "SELECT group_concat(watermark, ',') FROM (SELECT watermark FROM weir_progress WHERE query = 'bw' "
               "ORDER BY batch_id)",
            "2024-01-01 12:04:00,2024-01-01 12:23:00," STREAM_WATERMARK_END);
}

/*
** An input whose end shows only when a plan_batch finds nothing more (as a
** file source's): TRIGGER ONCE gathers until then, so its one batch ends
** the input and takes the watermark to +infinity; with manual steps the
** end is seen after the data batch, and a batch without rows follows.
*/
static void test_once_end_seen_late(void **state) {
    Fx *f = *state;
    feed_ev(&f->feed, 1, 12, 1, NULL);
    feed_ev(&f->feed, 2, 12, 14, NULL);
    f->feed.bounded = f->feed.ends_late = true;
    QueryOpts o = {.mode = EMIT_APPEND, .trigger = TRIGGER_ONCE, .threaded = true};
    StreamQuery *q = must_create(f, "ol", TUMBLE10, &o);
    StreamStats s;
    run_to_end(q, &s);
    assert_int_equal(s.status, STREAM_FINISHED);
    assert_int_equal(s.batches, 1);
    assert_true(s.watermark == INT64_MAX);
    stream_free(q);
    ROWS_EQ(f, "SELECT window_start, n FROM ol ORDER BY window_start", "2024-01-01 12:00:00|1\n2024-01-01 12:10:00|1");
    ROWS_EQ(f, "SELECT group_concat(input_rows, ',') FROM weir_progress WHERE query = 'ol'", "2");

    feed_ev(&f->feed, 3, 12, 21, NULL);
    QueryOpts m = {.mode = EMIT_APPEND};
    q = must_create(f, "ml", TUMBLE10, &m);
    assert_int_equal(step(f, q, NULL), 3);
    assert_true(watermark_of(q) == at(12, 11));
    ROWS_EQ(f, "SELECT count(*) FROM ml", "1");
    assert_int_equal(step(f, q, NULL), 0);       /* the end is seen: the rest is written */
    assert_true(watermark_of(q) == INT64_MAX);
    ROWS_EQ(f, "SELECT count(*) FROM ml", "3");
    ROWS_EQ(f, "SELECT group_concat(input_rows, ',') FROM weir_progress WHERE query = 'ml'", "3,0");
    assert_int_equal(step(f, q, NULL), 0);
    stream_stats(q, &s);
    assert_int_equal(s.status, STREAM_FINISHED);
    stream_free(q);
}

/*
** max_future: a row whose event time is too far ahead of the clock is
** rejected (weir_rejects) and neither counts nor moves the watermark; with
** on_error = 'fail' it fails the batch.
*/
static void test_max_future(void **state) {
    Fx *f = *state;
    QueryOpts o = {.mode = EMIT_APPEND, .ev_opts = {"max_future", "1 hour"}};
    StreamQuery *q = must_create(f, "fut", "SELECT k, ts FROM ev", &o);
    feed_ev(&f->feed, 1, 12, 7, "a");
    feed(&f->feed, 2, 0, "far");
    int64_t far;
    assert_true(ts_parse("2999-01-01 00:00:00", 19, &far));
    f->feed.v[1] = far;
    feed_ev(&f->feed, 3, 12, 30, "c");
    assert_int_equal(step(f, q, NULL), 3);
    ROWS_EQ(f, "SELECT k FROM fut ORDER BY k", "1\n3");
    assert_true(watermark_of(q) == at(12, 20));
    ROWS_EQ(f, "SELECT query, source, location, record, error FROM weir_rejects",
            "fut|ev|ev:batch 1 row 2|2,2999-01-01 00:00:00|event time 2999-01-01 00:00:00 is more than "
            "01:00:00 ahead of the clock");
    ROWS_EQ(f, "SELECT rejects, watermark FROM weir_progress WHERE query = 'fut'", "1|2024-01-01 12:20:00");
    StreamStats s;
    stream_stats(q, &s);
    assert_int_equal(s.rejects, 1);
    stream_free(q);

    /* with on_error = 'fail' the row stops the query instead, naming it */
    QueryOpts of = {.mode = EMIT_APPEND, .ev_opts = {"max_future", "1 hour", "on_error", "fail"}};
    q = must_create(f, "fut2", "SELECT k, ts FROM ev", &of);
    err_clear(&f->err);
    assert_int_equal(stream_step(q, NULL, &f->err), -1);
    assert_string_equal(f->err.msg,
                        "source \"ev\": event time 2999-01-01 00:00:00 is more than 01:00:00 ahead of the clock");
    assert_string_equal(f->err.location, "ev:batch 1 row 2");
    stream_free(q);
    ROWS_EQ(f, "SELECT count(*) FROM fut2", "0");
}

static void test_event_time_options(void **state) {
    Fx *f = *state;
    QueryOpts o = {.mode = EMIT_APPEND, .ev_opts = {"max_future", "soon"}};
    assert_null(create_q(f, "bad", "SELECT k FROM ev", &o));
    assert_string_equal(f->err.msg,
                        "source \"ev\": option \"max_future\" must be an interval like '1 hour' or '30 minutes', "
                        "not 'soon'");
    QueryOpts o2 = {.mode = EMIT_APPEND, .ev_opts = {"late", "maybe"}};
    assert_null(create_q(f, "bad", "SELECT k FROM ev", &o2));
    assert_string_equal(f->err.msg, "source \"ev\": option \"late\" must be 'drop' or 'keep', not 'maybe'");
    char msg[256];
    assert_int_equal(stream_check_runtime_option("max_future", "-1 hour", msg, sizeof msg), -1);
    assert_int_equal(stream_check_runtime_option("max_future", "00:30:00", msg, sizeof msg), 0);
    assert_int_equal(stream_check_runtime_option("late", "KEEP", msg, sizeof msg), 0);
    assert_true(stream_runtime_option("LATE"));
    assert_false(stream_runtime_option("bounded"));
    char buf[40];
    assert_null(stream_watermark_text(INT64_MIN, buf));
    assert_string_equal(stream_watermark_text(INT64_MAX, buf), STREAM_WATERMARK_END);
    assert_string_equal(stream_watermark_text(at(1, 2), buf), "2024-01-01 01:02:00");
}

/* An older results database: the event-time columns are added to its bookkeeping tables. */
static void test_old_bookkeeping_tables(void **state) {
    Fx *f = *state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE IF EXISTS weir_queries; DROP TABLE IF EXISTS weir_offsets;"
                                  "CREATE TABLE weir_queries (name TEXT PRIMARY KEY COLLATE NOCASE, kind TEXT, "
                                  "plan TEXT, status TEXT, created TEXT, updated TEXT, batches INTEGER, "
                                  "last_error TEXT);"
                                  "CREATE TABLE weir_offsets (query TEXT, source TEXT, \"offset\" TEXT, "
                                  "PRIMARY KEY (query, source));",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    QueryOpts o = {.mode = EMIT_APPEND};
    StreamQuery *q = must_create(f, "old", "SELECT k FROM ev", &o);
    feed_ev(&f->feed, 1, 12, 30, NULL);
    assert_int_equal(step(f, q, NULL), 1);
    stream_free(q);
    char want[64];
    snprintf(want, sizeof want, "%lld|%lld", (long long)at(12, 20), (long long)at(12, 30));
    ROWS_EQ(f, "SELECT watermark_us, max_event_time_us FROM weir_queries, weir_offsets", want);
    ROWS_EQ(f, "SELECT count(*) FROM weir_late", "0");
}

/* ------------------------------------------------------------ rows and bags */

static void test_rowbag(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    Chunk *c = chunk_new(4, &a);
    vec_alloc(&c->cols[0], TYPE_BIGINT, 3, &a);
    vec_alloc(&c->cols[1], TYPE_TEXT, 3, &a);
    vec_alloc(&c->cols[2], TYPE_DOUBLE, 3, &a);
    vec_alloc(&c->cols[3], TYPE_BOOL, 3, &a);
    for (uint32_t i = 0; i < 3; i++) {
        VEC_I64(&c->cols[0])[i] = i == 2 ? 0 : 7;
        VEC_STR(&c->cols[1])[i] = str_from("héllo", strlen("héllo"));
        VEC_F64(&c->cols[2])[i] = 0.5;
        VEC_BOOL(&c->cols[3])[i] = 1;
    }
    vec_nulls(&c->cols[0], 3, &a)[2] = 1;
    c->count = c->nsel = 3;

    RowBuf b = {0};
    row_encode(&b, c, 2);
    Value v[4];
    assert_int_equal(row_decode(b.data, b.len, 4, v), 0);
    assert_true(v[0].null);
    assert_int_equal(v[1].u.s.len, strlen("héllo"));
    assert_true(v[2].u.d == 0.5);
    assert_int_equal(v[3].u.b, 1);
    assert_int_equal(row_decode(b.data, b.len - 1, 4, v), -1);   /* truncated */
    assert_int_equal(row_decode(b.data, b.len, 3, v), -1);       /* bytes left over */

    RowBag bag;
    bag_init(&bag);
    row_encode(&b, c, 0);
    assert_int_equal(bag_add(&bag, b.data, b.len, 1), 1);
    assert_int_equal(bag_add(&bag, b.data, b.len, 1), 2);        /* rows 0 and 1 are equal */
    row_encode(&b, c, 2);
    assert_int_equal(bag_add(&bag, b.data, b.len, -1), -1);
    assert_int_equal(bag.live, 2);
    assert_int_equal(bag_add(&bag, b.data, b.len, 1), 0);
    assert_int_equal(bag.live, 1);
    assert_int_equal(bag_get(&bag, b.data, b.len), 0);
    /* many rows: growth, tombstones, compaction keep every live weight */
    for (int64_t i = 0; i < 5000; i++) {
        VEC_I64(&c->cols[0])[1] = i;
        row_encode(&b, c, 1);
        bag_add(&bag, b.data, b.len, 1);
        if (i % 3) bag_add(&bag, b.data, b.len, -1);
    }
    bag_compact(&bag);
    assert_int_equal(bag.live, bag.n);
    int64_t live = 0;
    for (size_t i = 0; i < bag.n; i++) live += bag.entries[i].weight != 0;
    assert_int_equal(live, 1 + 1667);
    VEC_I64(&c->cols[0])[1] = 3;
    row_encode(&b, c, 1);
    assert_int_equal(bag_get(&bag, b.data, b.len), 1);
    bag_clear(&bag);
    assert_int_equal(bag_get(&bag, b.data, b.len), 0);
    bag_free(&bag);
    rowbuf_free(&b);
    arena_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_and_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_keyed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_multiset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_update_keys_of_plans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_complete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_step_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tap_output_complete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_different_plan_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failure_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trigger_once_and_available_now, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded_input_ends_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interval_trigger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_trigger_and_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watermark_progression, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_watermark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watermark_min_of_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_windows_and_late_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_windows_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bounded_input_final_watermark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_once_end_seen_late, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_future, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_time_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_bookkeeping_tables, setup, teardown),
        cmocka_unit_test(test_rowbag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
