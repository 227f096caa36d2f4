/*
** The results database (SQLite): result tables of materialized views, and the
** engine's own bookkeeping tables (weir_*), readable by any SQLite client
** while weir runs.
**
** Opened in WAL mode with synchronous=NORMAL (a commit is durable against a
** process crash, and readers never block the writer) and a busy timeout so
** a concurrent reader's lock makes us wait instead of fail.
**
** Writing: rdb_insert binds the active rows of a chunk to one cached
** prepared INSERT per table (statements are cached by table name and dropped
** when the table is dropped or re-created).  Outside an explicit transaction
** each rdb_insert call is wrapped in one, so a chunk costs one commit, not
** one per row.  Values map per CONTRACT §2 (see resultdb.h); TIMESTAMP
** columns are declared TIMESTAMP and BOOLEAN columns BOOLEAN so that
** rdb_relation maps them back.
**
** Reading: rdb_relation derives a schema from the declared column types and
** its scanners SELECT only the projected columns, converting each value to
** the column's type (an integer in a REAL column becomes a double, timestamp
** text becomes microseconds, ...); a value that cannot be converted fails the
** scan with an error naming the table, column and value.
*/
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "resultdb.h"

typedef struct CachedInsert {
    char *table;
    sqlite3_stmt *stmt;
    int ncols;
} CachedInsert;

struct ResultDb {
    sqlite3 *db;
    CachedInsert *ins;
    int nins, cap_ins;
};

static int db_error(ResultDb *db, Err *err, const char *what) {
    return err_set(err, "results database: %s: %s", what, sqlite3_errmsg(db->db));
}

static int exec_sql(ResultDb *db, const char *sql, Err *err) {
    char *msg = NULL;
    if (sqlite3_exec(db->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(err, "results database: %s", msg ? msg : sqlite3_errmsg(db->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

ResultDb *rdb_open(const char *path, Err *err) {
    sqlite3 *h = NULL;
    int rc = sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        err_set(err, "cannot open results database \"%s\": %s", path, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
        sqlite3_close(h);
        return NULL;
    }
    ResultDb *db = xcalloc(1, sizeof *db);
    db->db = h;
    sqlite3_busy_timeout(h, 5000);
    char *msg = NULL;
    if (sqlite3_exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, &msg) != SQLITE_OK) {
        err_set(err, "cannot open results database \"%s\": %s", path, msg ? msg : sqlite3_errmsg(h));
        sqlite3_free(msg);
        rdb_close(db);
        return NULL;
    }
    return db;
}

static void drop_cached(ResultDb *db, const char *name) {
    for (int i = 0; i < db->nins; i++) {
        if (sqlite3_stricmp(db->ins[i].table, name) == 0) {
            sqlite3_finalize(db->ins[i].stmt);
            free(db->ins[i].table);
            db->ins[i] = db->ins[--db->nins];
            i--;
        }
    }
}

void rdb_close(ResultDb *db) {
    if (!db) return;
    for (int i = 0; i < db->nins; i++) {
        sqlite3_finalize(db->ins[i].stmt);
        free(db->ins[i].table);
    }
    free(db->ins);
    sqlite3_close_v2(db->db); /* deferred if a forgotten scanner still holds a statement */
    free(db);
}

struct sqlite3 *rdb_handle(ResultDb *db) { return db->db; }

int rdb_begin(ResultDb *db, Err *err) { return exec_sql(db, "BEGIN IMMEDIATE", err); }
int rdb_commit(ResultDb *db, Err *err) { return exec_sql(db, "COMMIT", err); }
int rdb_rollback(ResultDb *db) {
    if (sqlite3_get_autocommit(db->db)) return 0; /* no transaction open */
    return sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* ------------------------------------------------------------ tables */

static const char *decl_type(Type t) {
    switch (t) {
    case TYPE_BIGINT: return "INTEGER";
    case TYPE_DOUBLE: return "REAL";
    case TYPE_BOOL: return "BOOLEAN";
    case TYPE_TIMESTAMP: return "TIMESTAMP";
    case TYPE_INTERVAL: return "INTERVAL";
    default: return "TEXT";
    }
}

bool rdb_table_exists(ResultDb *db, const char *name) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db->db,
                           "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?1 COLLATE NOCASE",
                           -1, &st, NULL) != SQLITE_OK)
        return false;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

/*
** CREATE TABLE "name" ("col" TYPE, ...), identifiers quoted with "" doubled.
** With `replace` an existing table is dropped first (in the caller's
** transaction, if any); without it an existing table is an error.
*/
int rdb_create_table(ResultDb *db, const char *name, const Schema *schema, bool replace, Err *err) {
    if (rdb_table_exists(db, name)) {
        if (!replace) return err_set(err, "table \"%s\" already exists in the results database", name);
        if (rdb_drop_table(db, name, err) < 0) return -1;
    }
    drop_cached(db, name);
    sqlite3_str *s = sqlite3_str_new(db->db);
    sqlite3_str_appendf(s, "CREATE TABLE \"%w\" (", name);
    for (int i = 0; i < schema->ncols; i++)
        sqlite3_str_appendf(s, "%s\"%w\" %s", i ? ", " : "", schema->cols[i].name, decl_type(schema->cols[i].type));
    sqlite3_str_appendall(s, ")");
    char *sql = sqlite3_str_finish(s);
    if (!sql) weir_oom();
    int rc = exec_sql(db, sql, err);
    sqlite3_free(sql);
    return rc;
}

int rdb_drop_table(ResultDb *db, const char *name, Err *err) {
    drop_cached(db, name);
    if (!rdb_table_exists(db, name)) return err_set(err, "table \"%s\" does not exist in the results database", name);
    char *sql = sqlite3_mprintf("DROP TABLE \"%w\"", name);
    if (!sql) weir_oom();
    int rc = exec_sql(db, sql, err);
    sqlite3_free(sql);
    return rc;
}

int rdb_list_tables(ResultDb *db, Arena *a, const char ***names, int *n, Err *err) {
    sqlite3_stmt *st;
    *names = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db->db,
                           "SELECT name FROM sqlite_master WHERE type IN ('table','view') "
                           "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE 'weir\\_%' ESCAPE '\\' "
                           "ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK)
        return db_error(db, err, "cannot list tables");
    int cap = 0, rc;
    const char **list = NULL;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            int ncap = cap ? 2 * cap : 16;
            const char **nl = arena_alloc(a, sizeof *nl * (size_t)ncap);
            if (*n) memcpy(nl, list, sizeof *nl * (size_t)*n);
            list = nl;
            cap = ncap;
        }
        list[(*n)++] = arena_strdup(a, (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return db_error(db, err, "cannot list tables");
    *names = list;
    return 0;
}

/* The cached INSERT for `name`, prepared on first use. */
static CachedInsert *insert_stmt(ResultDb *db, const char *name, int ncols, Err *err) {
    for (int i = 0; i < db->nins; i++)
        if (strcmp(db->ins[i].table, name) == 0) return &db->ins[i];
    sqlite3_str *s = sqlite3_str_new(db->db);
    sqlite3_str_appendf(s, "INSERT INTO \"%w\" VALUES (", name);
    for (int i = 0; i < ncols; i++) sqlite3_str_appendall(s, i ? ", ?" : "?");
    sqlite3_str_appendall(s, ")");
    char *sql = sqlite3_str_finish(s);
    if (!sql) weir_oom();
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        if (!rdb_table_exists(db, name)) {
            err_set(err, "table \"%s\" does not exist in the results database", name);
            return NULL;
        }
        db_error(db, err, "cannot insert");
        return NULL;
    }
    if (db->nins == db->cap_ins) {
        db->cap_ins = db->cap_ins ? 2 * db->cap_ins : 8;
        db->ins = xrealloc(db->ins, sizeof *db->ins * (size_t)db->cap_ins);
    }
    CachedInsert *ci = &db->ins[db->nins++];
    ci->table = xstrdup(name);
    ci->stmt = st;
    ci->ncols = ncols;
    return ci;
}

static int bind_row(sqlite3_stmt *st, const Chunk *c, uint32_t r) {
    for (int j = 0; j < c->ncols; j++) {
        const Vec *v = &c->cols[j];
        int p = j + 1, rc;
        if (v->type == TYPE_NULL || vec_is_null(v, r)) {
            rc = sqlite3_bind_null(st, p);
        } else {
            switch (v->type) {
            case TYPE_BOOL: rc = sqlite3_bind_int(st, p, VEC_BOOL(v)[r] != 0); break;
            case TYPE_DOUBLE: rc = sqlite3_bind_double(st, p, VEC_F64(v)[r]); break;
            case TYPE_TEXT: {
                Str s = VEC_STR(v)[r];
                rc = sqlite3_bind_text(st, p, s.len ? s.ptr : "", (int)s.len, SQLITE_STATIC);
                break;
            }
            case TYPE_TIMESTAMP: {
                char buf[32];
                int n = ts_format(VEC_I64(v)[r], buf);
                rc = sqlite3_bind_text(st, p, buf, n, SQLITE_TRANSIENT);
                break;
            }
            default: rc = sqlite3_bind_int64(st, p, VEC_I64(v)[r]); break;
            }
        }
        if (rc != SQLITE_OK) return rc;
    }
    return SQLITE_OK;
}

/*
** Insert the active rows of c.  The table must have exactly c->ncols
** columns.  String values are bound without copying (SQLITE_STATIC): each row
** is stepped before the chunk can change.
*/
int rdb_insert(ResultDb *db, const char *name, const Chunk *c, Err *err) {
    uint32_t n = chunk_active(c);
    CachedInsert *ci = insert_stmt(db, name, c->ncols, err);
    if (!ci) return -1;
    if (ci->ncols != c->ncols || sqlite3_bind_parameter_count(ci->stmt) != c->ncols)
        return err_set(err, "table \"%s\" has %d columns but %d values were supplied", name,
                       sqlite3_bind_parameter_count(ci->stmt), c->ncols);
    if (n == 0) return 0;
    bool own_tx = sqlite3_get_autocommit(db->db) != 0;
    if (own_tx && rdb_begin(db, err) < 0) return -1;
    sqlite3_stmt *st = ci->stmt;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = chunk_row(c, k);
        int rc = bind_row(st, c, r);
        if (rc == SQLITE_OK) rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE && rc != SQLITE_OK) {
            db_error(db, err, "insert failed");
            if (own_tx) rdb_rollback(db);
            return -1;
        }
    }
    sqlite3_clear_bindings(st);
    if (own_tx) return rdb_commit(db, err);
    return 0;
}

/* ------------------------------------------------------------ reading tables */

typedef struct DbRelation {
    Relation rel;
    ResultDb *db;
    Arena arena;          /* table name, schema */
    const char *table;
} DbRelation;

typedef struct DbScanner {
    Scanner base;
    DbRelation *dr;
    sqlite3_stmt *stmt;
    int nproj;
    int *proj;
    Arena arena;          /* chunk lifetime: the chunk's vectors and strings */
    bool done;
} DbScanner;

/*
** weir type of a declared column type: the names weir writes and their
** aliases first, then SQLite's affinity rules (INT -> BIGINT; CHAR, CLOB,
** TEXT -> TEXT; REAL, FLOA, DOUB -> DOUBLE); everything else is TEXT.
*/
static Type type_of_decl(const char *decl) {
    if (!decl || !decl[0]) return TYPE_TEXT;
    size_t n = strcspn(decl, "( ");
    Type t;
    if (type_from_name(decl, n, &t)) return t;
    if (n == 8 && strncasecmp(decl, "DATETIME", 8) == 0) return TYPE_TIMESTAMP;
    char up[64];
    size_t k = 0;
    for (; decl[k] && k + 1 < sizeof up; k++) up[k] = (char)(decl[k] >= 'a' && decl[k] <= 'z' ? decl[k] - 32 : decl[k]);
    up[k] = 0;
    if (strstr(up, "INT")) return TYPE_BIGINT;
    if (strstr(up, "CHAR") || strstr(up, "CLOB") || strstr(up, "TEXT")) return TYPE_TEXT;
    if (strstr(up, "REAL") || strstr(up, "FLOA") || strstr(up, "DOUB") || strstr(up, "NUMERIC") ||
        strstr(up, "DECIMAL"))
        return TYPE_DOUBLE;
    return TYPE_TEXT;
}

static int conv_error(DbScanner *ds, int j, sqlite3_stmt *st, Type t, Err *err) {
    const char *what = sqlite3_column_type(st, j) == SQLITE_BLOB ? "BLOB" : "value";
    const char *txt = sqlite3_column_type(st, j) == SQLITE_BLOB ? "" : (const char *)sqlite3_column_text(st, j);
    const Column *c = &ds->dr->rel.schema.cols[ds->proj[j]];
    return err_set(err, "cannot convert %s '%.64s' in column \"%s\" of table \"%s\" to %s", what, txt ? txt : "",
                   c->name, ds->dr->table, type_name(t));
}

/* Store column j of the current row into row `row` of v, converting to v->type. */
static int store_value(DbScanner *ds, sqlite3_stmt *st, int j, Vec *v, uint32_t row, Err *err) {
    int st_type = sqlite3_column_type(st, j);
    if (st_type == SQLITE_NULL) {
        vec_nulls(v, WEIR_BATCH_SIZE, &ds->arena)[row] = 1;
        memset((char *)v->data + type_width(v->type) * row, 0, type_width(v->type));
        if (v->type == TYPE_TEXT) VEC_STR(v)[row] = str_from("", 0);
        return 0;
    }
    const char *txt = NULL;
    size_t tlen = 0;
    if (st_type == SQLITE_TEXT) {
        txt = (const char *)sqlite3_column_text(st, j);
        tlen = (size_t)sqlite3_column_bytes(st, j);
    }
    switch (v->type) {
    case TYPE_BIGINT:
    case TYPE_INTERVAL: {
        /* REAL and numeric text round like a cast; INTERVAL text may be '1 hour' */
        int64_t *out = &VEC_I64(v)[row];
        double d = 0;
        bool ok;
        if (st_type == SQLITE_INTEGER) {
            *out = sqlite3_column_int64(st, j);
            break;
        }
        if (st_type == SQLITE_FLOAT) {
            d = sqlite3_column_double(st, j);
            ok = true;
        } else if (txt && (parse_int64(txt, tlen, out) ||
                           (v->type == TYPE_INTERVAL && interval_parse(txt, tlen, NULL, out)))) {
            break;
        } else {
            ok = txt && parse_double(txt, tlen, &d);
        }
        if (!ok || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
            return conv_error(ds, j, st, v->type, err);
        *out = (int64_t)llround(d);
        break;
    }
    case TYPE_DOUBLE:
        if (st_type == SQLITE_INTEGER || st_type == SQLITE_FLOAT) VEC_F64(v)[row] = sqlite3_column_double(st, j);
        else if (!txt || !parse_double(txt, tlen, &VEC_F64(v)[row])) return conv_error(ds, j, st, v->type, err);
        break;
    case TYPE_BOOL:
        if (st_type == SQLITE_INTEGER) VEC_BOOL(v)[row] = sqlite3_column_int64(st, j) != 0;
        else if (st_type == SQLITE_FLOAT) VEC_BOOL(v)[row] = sqlite3_column_double(st, j) != 0;
        else if (!txt || !parse_bool(txt, tlen, &VEC_BOOL(v)[row])) return conv_error(ds, j, st, v->type, err);
        break;
    case TYPE_TIMESTAMP: {
        /* text as weir writes it; a number is epoch milliseconds, as in CSV and JSON */
        int64_t *out = &VEC_I64(v)[row];
        double ms = st_type == SQLITE_TEXT ? 0 : sqlite3_column_double(st, j);
        int64_t iv = st_type == SQLITE_INTEGER ? sqlite3_column_int64(st, j) : 0;
        if (st_type == SQLITE_INTEGER && iv <= INT64_MAX / 1000 && iv >= INT64_MIN / 1000) {
            *out = iv * 1000;
        } else if (st_type == SQLITE_FLOAT && fabs(ms * 1000) < 9.2e18) {
            *out = llround(ms * 1000);
        } else if (!txt || !ts_parse(txt, tlen, out)) {
            return conv_error(ds, j, st, v->type, err);
        }
        break;
    }
    default: { /* TEXT */
        if (st_type == SQLITE_FLOAT) {
            char buf[64];
            int n = double_format(sqlite3_column_double(st, j), buf, sizeof buf);
            VEC_STR(v)[row] = str_from(arena_strndup(&ds->arena, buf, (size_t)n), (size_t)n);
        } else {
            const void *p = st_type == SQLITE_BLOB ? sqlite3_column_blob(st, j) : sqlite3_column_text(st, j);
            size_t n = (size_t)sqlite3_column_bytes(st, j);
            VEC_STR(v)[row] = str_from(n ? arena_memdup(&ds->arena, p, n) : "", n);
        }
        break;
    }
    }
    return 0;
}

static int db_next(Scanner *s, Chunk **out, Err *err) {
    DbScanner *ds = (DbScanner *)s;
    if (ds->done) return 0;
    arena_reset(&ds->arena);
    Chunk *c = chunk_new(ds->nproj, &ds->arena);
    for (int j = 0; j < ds->nproj; j++)
        vec_alloc(&c->cols[j], ds->dr->rel.schema.cols[ds->proj[j]].type, WEIR_BATCH_SIZE, &ds->arena);
    uint32_t n = 0;
    while (n < WEIR_BATCH_SIZE) {
        int rc = sqlite3_step(ds->stmt);
        if (rc == SQLITE_DONE) {
            ds->done = true;
            break;
        }
        if (rc != SQLITE_ROW)
            return err_set(err, "cannot read table \"%s\": %s", ds->dr->table, sqlite3_errmsg(ds->dr->db->db));
        for (int j = 0; j < ds->nproj; j++)
            if (store_value(ds, ds->stmt, j, &c->cols[j], n, err) < 0) return -1;
        n++;
    }
    if (n == 0) return 0;
    c->count = c->nsel = n;
    *out = c;
    return 1;
}

static void db_close(Scanner *s) {
    DbScanner *ds = (DbScanner *)s;
    sqlite3_finalize(ds->stmt);
    arena_free(&ds->arena);
    free(ds->proj);
    free(ds);
}

static const ScannerVT db_scanner_vt = {db_next, db_close};

/* SELECT "c1", "c2", ... FROM "table" with only the projected columns (SELECT NULL for none). */
static Scanner *db_open(Relation *r, const int *proj, int nproj, Err *err) {
    DbRelation *dr = (DbRelation *)r;
    if (nproj < 0) nproj = 0;
    for (int j = 0; j < nproj; j++)
        if (proj[j] < 0 || proj[j] >= r->schema.ncols) {
            err_set(err, "column index %d out of range (the table has %d columns)", proj[j], r->schema.ncols);
            return NULL;
        }
    sqlite3_str *s = sqlite3_str_new(dr->db->db);
    sqlite3_str_appendall(s, "SELECT ");
    for (int j = 0; j < nproj; j++) sqlite3_str_appendf(s, "%s\"%w\"", j ? ", " : "", r->schema.cols[proj[j]].name);
    if (nproj == 0) sqlite3_str_appendall(s, "NULL");
    sqlite3_str_appendf(s, " FROM \"%w\"", dr->table);
    char *sql = sqlite3_str_finish(s);
    if (!sql) weir_oom();
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(dr->db->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        err_set(err, "cannot read table \"%s\": %s", dr->table, sqlite3_errmsg(dr->db->db));
        return NULL;
    }
    DbScanner *ds = xcalloc(1, sizeof *ds);
    ds->base.vt = &db_scanner_vt;
    ds->dr = dr;
    ds->stmt = st;
    ds->nproj = nproj;
    ds->proj = xmalloc(sizeof(int) * (size_t)(nproj > 0 ? nproj : 1));
    if (nproj) memcpy(ds->proj, proj, sizeof(int) * (size_t)nproj);
    arena_init(&ds->arena, 0);
    return &ds->base;
}

static void db_destroy(Relation *r) {
    DbRelation *dr = (DbRelation *)r;
    arena_free(&dr->arena);
    free(dr);
}

static const RelationVT db_relation_vt = {db_open, db_destroy};

/* A relation over table (or view) `name`; the schema comes from PRAGMA table_info's declared types. */
Relation *rdb_relation(ResultDb *db, const char *name, Err *err) {
    sqlite3_stmt *st;
    char *sql = sqlite3_mprintf("PRAGMA table_info(\"%w\")", name);
    if (!sql) weir_oom();
    int rc = sqlite3_prepare_v2(db->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        db_error(db, err, "cannot read the table's columns");
        return NULL;
    }
    DbRelation *dr = xcalloc(1, sizeof *dr);
    arena_init(&dr->arena, 0);
    dr->rel.vt = &db_relation_vt;
    dr->rel.est_rows = -1;
    dr->db = db;
    int cap = 8, n = 0;
    Column *cols = arena_alloc(&dr->arena, sizeof *cols * (size_t)cap);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            Column *nc = arena_alloc(&dr->arena, sizeof *nc * (size_t)cap * 2);
            memcpy(nc, cols, sizeof *cols * (size_t)n);
            cols = nc;
            cap *= 2;
        }
        cols[n].name = arena_strdup(&dr->arena, (const char *)sqlite3_column_text(st, 1));
        cols[n].type = type_of_decl((const char *)sqlite3_column_text(st, 2));
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE || n == 0) {
        if (rc != SQLITE_DONE) db_error(db, err, "cannot read the table's columns");
        else err_set(err, "table \"%s\" does not exist in the results database", name);
        db_destroy(&dr->rel);
        return NULL;
    }
    dr->rel.schema.ncols = n;
    dr->rel.schema.cols = cols;
    dr->table = arena_strdup(&dr->arena, name);
    return &dr->rel;
}
