/*
** The sqlite source: a bounded source that reads one table of a SQLite
** database once (options `path`, `table`), then ends.
**
** The database is opened read-only (so reading never changes its journal
** mode), with a busy timeout, and the declared columns are selected by name:
** SELECT "c1", "c2", ... FROM "table" (projection pushdown).  Values convert
** to the declared types as CONTRACT §2 maps them: INTEGER/REAL to BIGINT or
** DOUBLE, TEXT, BOOLEAN from 0/1 (or 'true'/'false'), TIMESTAMP from its text
** (or a number, also as text = epoch milliseconds, as in CSV), INTERVAL from integer
** microseconds; text in a numeric column is parsed.  A value that does not
** convert makes the row a bad record: location "table:N" (N = the row's
** 1-based position in the scan), the row as comma-separated text.
**
** Batches hold at most max_records_per_trigger rows (default all).  The
** offset is the number of rows consumed; a restart skips that many rows of
** the scan (the table is expected not to change while a query reads it).
*/
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_impl.h"

typedef struct SqliteSource {
    Source base;
    Arena arena;   /* source lifetime */
    Arena scratch; /* chunk lifetime: TEXT bytes */
    const char *name;
    const char *table;
    sqlite3 *db;
    sqlite3_stmt *stmt;
    RejectBridge rb;
    SourceCommon com;
    int nproj;
    Type *types; /* per output column */
    const char **colnames;
    Chunk chunk;
    Vec *vecs;
    int64_t consumed;   /* rows consumed before the planned batch */
    int64_t skip;       /* rows to skip first (from seek) */
    int64_t batch_rows; /* rows consumed in the planned batch */
    int64_t batch_left; /* rows the batch may still take */
    bool have_row;      /* stmt holds a row not consumed yet */
    bool done;          /* the scan reached its end */
    bool in_batch;
    char offset[32];
} SqliteSource;

/* Step the scan: 1 a row, 0 end, -1 error. */
static int step(SqliteSource *ss, Err *err) {
    int rc = sqlite3_step(ss->stmt);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) {
        ss->done = true;
        return 0;
    }
    return err_set(err, "source \"%s\": cannot read table \"%s\": %s", ss->name, ss->table, sqlite3_errmsg(ss->db));
}

/* ------------------------------------------------------------ conversion */

/* Convert column j of the current row into row `row` of the chunk; false with a reason when it does not fit. */
static bool convert(SqliteSource *ss, int j, uint32_t row, char *reason, size_t rcap) {
    Vec *v = &ss->vecs[j];
    int kind = sqlite3_column_type(ss->stmt, j);
    if (kind == SQLITE_NULL) {
        if (!v->nulls) v->nulls = arena_zalloc(&ss->scratch, WEIR_BATCH_SIZE);
        v->nulls[row] = 1;
        if (v->type == TYPE_TEXT)
            VEC_STR(v)[row] = str_from("", 0);
        else if (v->type == TYPE_DOUBLE)
            VEC_F64(v)[row] = 0;
        else if (v->type == TYPE_BOOL)
            VEC_BOOL(v)[row] = 0;
        else
            VEC_I64(v)[row] = 0;
        return true;
    }
    if (v->nulls) v->nulls[row] = 0;
    const char *text = (const char *)sqlite3_column_text(ss->stmt, j);
    size_t n = (size_t)sqlite3_column_bytes(ss->stmt, j);
    if (!text) text = "";
    bool ok = true;
    switch (v->type) {
    case TYPE_TEXT: {
        char *p = arena_strndup(&ss->scratch, text, n);
        VEC_STR(v)[row] = str_from(p, n);
        break;
    }
    case TYPE_BIGINT:
    case TYPE_INTERVAL:
        if (kind == SQLITE_INTEGER)
            VEC_I64(v)[row] = sqlite3_column_int64(ss->stmt, j);
        else if (kind == SQLITE_FLOAT) {
            double d = sqlite3_column_double(ss->stmt, j);
            ok = d >= -9.2233720368547758e18 && d < 9.2233720368547758e18 && d == (double)(int64_t)d;
            if (ok) VEC_I64(v)[row] = (int64_t)d;
        } else
            ok = kind == SQLITE_TEXT && parse_int64(text, n, &VEC_I64(v)[row]);
        break;
    case TYPE_DOUBLE:
        if (kind == SQLITE_INTEGER || kind == SQLITE_FLOAT)
            VEC_F64(v)[row] = sqlite3_column_double(ss->stmt, j);
        else
            ok = kind == SQLITE_TEXT && parse_double(text, n, &VEC_F64(v)[row]);
        break;
    case TYPE_BOOL:
        if (kind == SQLITE_INTEGER)
            VEC_BOOL(v)[row] = sqlite3_column_int64(ss->stmt, j) != 0;
        else
            ok = kind == SQLITE_TEXT && parse_bool(text, n, &VEC_BOOL(v)[row]);
        break;
    case TYPE_TIMESTAMP:
        if (kind == SQLITE_INTEGER)
            VEC_I64(v)[row] = sqlite3_column_int64(ss->stmt, j) * 1000;
        else if (kind == SQLITE_FLOAT)
            VEC_I64(v)[row] = (int64_t)(sqlite3_column_double(ss->stmt, j) * 1000.0);
        else if (kind == SQLITE_TEXT && !ts_parse(text, n, &VEC_I64(v)[row])) {
            /* digits in a TEXT-affinity column: epoch milliseconds, as in CSV */
            int64_t ms;
            ok = parse_int64(text, n, &ms) && ms > INT64_MIN / 1000 && ms < INT64_MAX / 1000;
            if (ok) VEC_I64(v)[row] = ms * 1000;
        } else
            ok = kind == SQLITE_TEXT;
        break;
    default: ok = false; break;
    }
    if (!ok) {
        if (n > 64)
            snprintf(reason, rcap, "bad %s value \"%.64s...\" in column \"%s\"", type_name(v->type), text,
                     ss->colnames[j]);
        else
            snprintf(reason, rcap, "bad %s value \"%.*s\" in column \"%s\"", type_name(v->type), (int)n, text,
                     ss->colnames[j]);
    }
    return ok;
}

/* The current row as comma-separated text (for a reject row). */
static Str row_text(SqliteSource *ss) {
    TextBuf b = {0};
    for (int j = 0; j < ss->nproj; j++) {
        if (j) textbuf_putc(&b, ',');
        const char *t = (const char *)sqlite3_column_text(ss->stmt, j);
        if (t) textbuf_add(&b, t, (size_t)sqlite3_column_bytes(ss->stmt, j));
    }
    char *p = arena_strndup(&ss->scratch, b.p ? b.p : "", b.len);
    Str s = str_from(p, b.len);
    textbuf_free(&b);
    return s;
}

/* ------------------------------------------------------------ batches */

static int sq_plan(Source *s, Err *err) {
    SqliteSource *ss = (SqliteSource *)s;
    ss->consumed += ss->batch_rows;
    ss->batch_rows = 0;
    ss->in_batch = false;
    while (ss->skip > 0 && !ss->done) {
        int rc = ss->have_row ? 1 : step(ss, err);
        if (rc < 0) return -1;
        ss->have_row = false;
        if (rc == 1) ss->skip--;
    }
    if (!ss->have_row && !ss->done) {
        int rc = step(ss, err);
        if (rc < 0) return -1;
        ss->have_row = rc == 1;
    }
    if (!ss->have_row) return 0;
    ss->batch_left = ss->com.max_records > 0 ? ss->com.max_records : INT64_MAX;
    ss->in_batch = true;
    return 1;
}

static int sq_next(Source *s, Chunk **out, Err *err) {
    SqliteSource *ss = (SqliteSource *)s;
    if (!ss->in_batch) return 0;
    arena_reset(&ss->scratch);
    for (int j = 0; j < ss->nproj; j++) ss->vecs[j].nulls = NULL;
    uint32_t count = 0;
    char reason[256];
    while (count < WEIR_BATCH_SIZE && ss->batch_left > 0) {
        if (!ss->have_row) {
            int rc = ss->done ? 0 : step(ss, err);
            if (rc < 0) return -1;
            if (rc == 0) break;
            ss->have_row = true;
        }
        bool good = true;
        for (int j = 0; j < ss->nproj && good; j++) good = convert(ss, j, count, reason, sizeof reason);
        int64_t rowno = ss->consumed + ss->batch_rows + 1;
        if (good)
            count++;
        else {
            char loc[256];
            snprintf(loc, sizeof loc, "%s:%" PRId64, ss->table, rowno);
            for (int j = 0; j < ss->nproj; j++)
                if (ss->vecs[j].nulls) ss->vecs[j].nulls[count] = 0;
            if (conn_reject(&ss->rb, loc, row_text(ss), reason, err) < 0) return -1;
        }
        ss->have_row = false;
        ss->batch_rows++;
        ss->batch_left--;
    }
    if (count == 0) {
        ss->in_batch = false;
        return 0;
    }
    ss->chunk.count = ss->chunk.nsel = count;
    *out = &ss->chunk;
    return 1;
}

static const char *sq_end_offset(Source *s) {
    SqliteSource *ss = (SqliteSource *)s;
    snprintf(ss->offset, sizeof ss->offset, "%" PRId64, ss->consumed + ss->batch_rows);
    return ss->offset;
}

static int sq_seek(Source *s, const char *offset, Err *err) {
    SqliteSource *ss = (SqliteSource *)s;
    int64_t n = 0;
    if (offset && offset[0] && (!parse_int64(offset, strlen(offset), &n) || n < 0))
        return err_set(err, "source \"%s\": bad offset \"%s\"", ss->name, offset);
    if (ss->consumed || ss->batch_rows || ss->have_row || ss->done) {
        sqlite3_reset(ss->stmt);
        ss->have_row = ss->done = false;
    }
    ss->consumed = n;
    ss->skip = n;
    ss->batch_rows = 0;
    ss->in_batch = false;
    return 0;
}

static bool sq_ended(Source *s) {
    SqliteSource *ss = (SqliteSource *)s;
    return ss->done && !ss->have_row;
}

static void sq_close(Source *s) {
    SqliteSource *ss = (SqliteSource *)s;
    sqlite3_finalize(ss->stmt);
    sqlite3_close(ss->db);
    arena_free(&ss->arena);
    arena_free(&ss->scratch);
    free(ss);
}

static const SourceVT sqlite_source_vt = {sq_plan, sq_next, sq_end_offset, sq_seek, sq_ended, sq_close};

/* ------------------------------------------------------------ opening */

static int parse_options(const ConnConfig *cfg, const char **path, const char **table, SourceCommon *com, Err *err) {
    static const char *const keys[] = {"path", "table", CONN_SOURCE_COMMON_KEYS, NULL};
    ConnCtx c = {cfg, "source"};
    if (conn_check_keys(&c, keys, NULL, err) || conn_require(&c, "path", path, err) ||
        conn_require(&c, "table", table, err) || conn_source_common(&c, com, err))
        return -1;
    if (com->bounded_set && !com->bounded)
        return conn_err(&c, err, "a sqlite source is bounded (it reads its table once): drop bounded = 'false'");
    return 0;
}

int sqlite_source_check(const ConnConfig *cfg, Err *err) {
    const char *path, *table;
    SourceCommon com;
    return parse_options(cfg, &path, &table, &com, err);
}

/* Quote an identifier for SQL: "a""b". */
static void add_ident(TextBuf *b, const char *s) {
    textbuf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"') textbuf_putc(b, '"');
        textbuf_putc(b, *s);
    }
    textbuf_putc(b, '"');
}

Source *sqlite_source_open(const ConnConfig *cfg, const int *proj, int nproj, const RejectSink *rejects, Err *err) {
    ConnCtx c = {cfg, "source"};
    const char *path, *table;
    SourceCommon com;
    if (parse_options(cfg, &path, &table, &com, err) || conn_check_proj(&c, proj, nproj, err)) return NULL;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        conn_err(&c, err, "cannot open database \"%s\": %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    /* a misspelt column in double quotes must be an error, not a string literal */
    sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
    TextBuf q = {0};
    textbuf_add(&q, "SELECT ", 7);
    for (int j = 0; j < nproj; j++) {
        if (j) textbuf_add(&q, ", ", 2);
        add_ident(&q, cfg->schema.cols[proj[j]].name);
    }
    if (nproj == 0) textbuf_add(&q, "NULL", 4);
    textbuf_add(&q, " FROM ", 6);
    add_ident(&q, table);
    textbuf_putc(&q, 0);
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, q.p, -1, &stmt, NULL);
    textbuf_free(&q);
    if (rc != SQLITE_OK) {
        conn_err(&c, err, "cannot read table \"%s\" of \"%s\": %s", table, path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    SqliteSource *ss = xcalloc(1, sizeof *ss);
    arena_init(&ss->arena, 0);
    arena_init(&ss->scratch, 0);
    ss->base.vt = &sqlite_source_vt;
    ss->name = arena_strdup(&ss->arena, cfg->name ? cfg->name : "?");
    ss->table = arena_strdup(&ss->arena, table);
    ss->db = db;
    ss->stmt = stmt;
    ss->com = com;
    ss->rb = (RejectBridge){&ss->base, ss->name, rejects, com.fail_on_error};
    ss->nproj = nproj;
    ss->types = ARENA_ARRAY(&ss->arena, Type, nproj > 0 ? nproj : 1);
    ss->colnames = ARENA_ARRAY(&ss->arena, const char *, nproj > 0 ? nproj : 1);
    ss->vecs = ARENA_ARRAY(&ss->arena, Vec, nproj > 0 ? nproj : 1);
    for (int j = 0; j < nproj; j++) {
        ss->types[j] = cfg->schema.cols[proj[j]].type;
        ss->colnames[j] = arena_strdup(&ss->arena, cfg->schema.cols[proj[j]].name);
        vec_alloc(&ss->vecs[j], ss->types[j], WEIR_BATCH_SIZE, &ss->arena);
    }
    ss->chunk.ncols = nproj;
    ss->chunk.cols = ss->vecs;
    return &ss->base;
}
