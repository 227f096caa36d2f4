/*
** Statements about the catalog: SHOW, DESCRIBE and DROP.
**
** SHOW lists the objects of one kind as a result set (name first, then what
** a user wants to know at a glance).  SHOW TABLES also lists the tables found
** in the results database, which are readable without being declared.  DROP
** checks that the kind named matches the object, stops the continuous query
** of a materialized view or sink (the batch in flight commits first), and
** removes its checkpoint and a materialized view's result table from the
** results database.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"

static CatEntry *lookup(StmtCtx *sc, const char *name) {
    Err scratch;
    err_clear(&scratch);
    return catalog_find(sc->w->cat, name, &scratch);
}

static const char *opt_or_null(const CatEntry *e, const char *key) {
    const char *v = catalog_option(e, key);
    return v && *v ? v : NULL;
}

static const char *i64_text(Arena *a, int64_t v) { return arena_printf(a, "%lld", (long long)v); }

/* ------------------------------------------------------------ SHOW */

static int show_tables(StmtCtx *sc, ResultSet *rs) {
    static const char *const names[] = {"name", "storage", "rows", NULL};
    rs_init_text(rs, sc->arena, names);
    rs->types[2] = "BIGINT";
    CatEntry **es;
    int n = catalog_list(sc->w->cat, CAT_TABLE, &es);
    const char **listed = ARENA_ARRAY(sc->arena, const char *, n + 1);
    int nlisted = 0;
    for (int i = 0; i < n; i++) {
        const CatEntry *e = es[i];
        if (e->in_resultdb) continue;   /* listed below, from the database itself */
        const char *row[3] = {e->name, NULL, NULL};
        if (e->mem) {
            row[1] = "memory";
            row[2] = i64_text(sc->arena, memtable_rows(e->mem));
        } else {
            const char *path = opt_or_null(e, "path"), *fmt = opt_or_null(e, "format");
            row[1] = arena_printf(sc->arena, "file '%s' (%s)", path ? path : "?", fmt ? fmt : "csv");
        }
        rs_add_row(rs, row);
        listed[nlisted++] = e->name;
    }
    const char **tables = NULL;
    int nt = 0;
    Err scratch;
    err_clear(&scratch);
    if (rdb_list_tables(sc->w->db, sc->arena, &tables, &nt, &scratch) == 0) {
        for (int i = 0; i < nt; i++) {
            bool dup = false;
            for (int j = 0; j < nlisted && !dup; j++) dup = strcasecmp(listed[j], tables[i]) == 0;
            if (dup) continue;
            const CatEntry *e = lookup(sc, tables[i]);
            const char *row[3] = {tables[i], "results database", NULL};
            if (e && e->kind == CAT_MATVIEW) row[1] = "results database (materialized view)";
            rs_add_row(rs, row);
        }
    }
    return 0;
}

static int show_sources(StmtCtx *sc, ResultSet *rs) {
    static const char *const names[] = {"name", "connector", "format", "watermark", NULL};
    rs_init_text(rs, sc->arena, names);
    CatEntry **es;
    int n = catalog_list(sc->w->cat, CAT_SOURCE, &es);
    for (int i = 0; i < n; i++) {
        const CatEntry *e = es[i];
        const char *wm = NULL;
        if (e->watermark_col >= 0 && e->watermark_col < e->schema.ncols) {
            char buf[64];
            interval_format(e->watermark_delay_us, buf, sizeof buf);
            const char *col = e->schema.cols[e->watermark_col].name;
            wm = e->watermark_delay_us ? arena_printf(sc->arena, "%s - INTERVAL '%s'", col, buf)
                                       : arena_strdup(sc->arena, col);
        }
        const char *row[4] = {e->name, opt_or_null(e, "connector"), opt_or_null(e, "format"), wm};
        rs_add_row(rs, row);
    }
    return 0;
}

static int show_views(StmtCtx *sc, ResultSet *rs) {
    static const char *const names[] = {"name", "query", NULL};
    rs_init_text(rs, sc->arena, names);
    CatEntry **es;
    int n = catalog_list(sc->w->cat, CAT_VIEW, &es);
    for (int i = 0; i < n; i++) {
        const char *row[2] = {es[i]->name, es[i]->sql};
        rs_add_row(rs, row);
    }
    return 0;
}

static int show_matviews(StmtCtx *sc, ResultSet *rs) {
    static const char *const names[] = {"name", "emit", "status", "query", NULL};
    rs_init_text(rs, sc->arena, names);
    CatEntry **es;
    int n = catalog_list(sc->w->cat, CAT_MATVIEW, &es);
    for (int i = 0; i < n; i++) {
        const CatEntry *e = es[i];
        const char *status = opt_or_null(e, "status");
        StreamQuery *q = eng_find_query(sc->w, e->name);
        if (q) {
            StreamStats s;
            stream_stats(q, &s);
            status = stream_status_name(s.status);
        }
        const char *row[4] = {e->name, opt_or_null(e, "emit"), status, e->sql};
        rs_add_row(rs, row);
    }
    return 0;
}

static int show_sinks(StmtCtx *sc, ResultSet *rs) {
    static const char *const names[] = {"name", "connector", "query", NULL};
    rs_init_text(rs, sc->arena, names);
    CatEntry **es;
    int n = catalog_list(sc->w->cat, CAT_SINK, &es);
    for (int i = 0; i < n; i++) {
        const CatEntry *e = es[i];
        const char *row[3] = {e->name, opt_or_null(e, "connector"), e->sql};
        rs_add_row(rs, row);
    }
    return 0;
}

int eng_show(StmtCtx *sc) {
    ResultSet rs;
    int rc;
    switch (sc->st->object) {
    case OBJ_SOURCE: rc = show_sources(sc, &rs); break;
    case OBJ_TABLE: rc = show_tables(sc, &rs); break;
    case OBJ_VIEW: rc = show_views(sc, &rs); break;
    case OBJ_MATVIEW: rc = show_matviews(sc, &rs); break;
    case OBJ_SINK: rc = show_sinks(sc, &rs); break;
    case OBJ_QUERY: rc = eng_show_queries(sc, &rs); break;
    default: return err_at(sc->err, sc->st->pos, "unknown SHOW target");
    }
    if (rc) {
        rs_free(&rs);
        return -1;
    }
    rs_deliver(sc, &rs);
    return 0;
}

/* ------------------------------------------------------------ DESCRIBE */

/* DESCRIBE name: one row per column (column, type). */
int eng_describe(StmtCtx *sc) {
    const AstStmt *st = sc->st;
    const CatEntry *e = lookup(sc, st->name);
    if (!e) return err_at(sc->err, st->name_pos, "\"%s\" does not exist", st->name);
    static const char *const names[] = {"column", "type", NULL};
    ResultSet rs;
    rs_init_text(&rs, sc->arena, names);
    for (int i = 0; i < e->schema.ncols; i++) {
        const char *row[2] = {e->schema.cols[i].name, type_name(e->schema.cols[i].type)};
        rs_add_row(&rs, row);
    }
    rs_deliver(sc, &rs);
    return 0;
}

/* ------------------------------------------------------------ DROP */

static bool kind_of_object(ObjectKind o, CatKind *out) {
    switch (o) {
    case OBJ_SOURCE: *out = CAT_SOURCE; return true;
    case OBJ_TABLE: *out = CAT_TABLE; return true;
    case OBJ_VIEW: *out = CAT_VIEW; return true;
    case OBJ_MATVIEW: *out = CAT_MATVIEW; return true;
    case OBJ_SINK: *out = CAT_SINK; return true;
    case OBJ_QUERY: return false;
    }
    return false;
}

/*
** Forget the checkpoint of a continuous query `name` left in the results
** database by an earlier run (weir_queries, weir_offsets, weir_state) when it
** is of the kind being dropped.  *found: there was one.
*/
static int forget_checkpoint(StmtCtx *sc, const char *name, CatKind want, bool *found) {
    struct sqlite3 *h = rdb_handle(sc->w->db);
    const char *kind = stream_checkpoint_kind(h, name, sc->arena);
    *found = kind && strcmp(kind, eng_kind_name(want)) == 0;
    return *found ? stream_forget(h, name, sc->err) : 0;
}

/*
** DROP kind [IF EXISTS] name.  A table of the results database that no
** statement declared (a materialized view's result from an earlier run, say)
** can be dropped as a TABLE or a MATERIALIZED VIEW: both remove it from the
** database.  Dropping a materialized view or a sink stops its continuous
** query and forgets its checkpoint, so creating it again starts over; that
** works for one left by an earlier run too.
*/
int eng_drop(StmtCtx *sc) {
    const AstStmt *st = sc->st;
    CatKind want;
    if (!kind_of_object(st->object, &want)) return err_at(sc->err, st->pos, "DROP QUERY is not supported");
    Catalog *cat = sc->w->cat;
    CatEntry *e = lookup(sc, st->name);
    bool found_ckpt = false;
    if (!e) {
        if ((want == CAT_MATVIEW || want == CAT_SINK) && forget_checkpoint(sc, st->name, want, &found_ckpt)) return -1;
        if (found_ckpt || st->if_exists) return 0;
        return err_at(sc->err, st->name_pos, "%s \"%s\" does not exist", eng_kind_name(want), st->name);
    }
    bool undeclared_db_table = e->kind == CAT_TABLE && e->in_resultdb && !e->mem;
    if (undeclared_db_table && (want == CAT_TABLE || want == CAT_MATVIEW)) {
        char *name = arena_strdup(sc->arena, e->name);
        catalog_drop(cat, name);   /* the cached entry, if the catalog keeps one */
        if (want == CAT_MATVIEW && forget_checkpoint(sc, name, want, &found_ckpt)) return -1;
        return rdb_drop_table(sc->w->db, name, sc->err);
    }
    if (undeclared_db_table && want == CAT_SINK) {
        /* a sqlite sink's table is not the sink: only its checkpoint can be dropped */
        if (forget_checkpoint(sc, st->name, want, &found_ckpt)) return -1;
        if (found_ckpt) return 0;
    }
    if (e->kind != want)
        return err_at(sc->err, st->name_pos, "\"%s\" is a %s, not a %s", st->name, eng_kind_name(e->kind),
                      eng_kind_name(want));
    char *name = arena_strdup(sc->arena, e->name);
    bool in_db = e->kind == CAT_MATVIEW && e->in_resultdb;
    if (e->kind == CAT_MATVIEW || e->kind == CAT_SINK) {
        eng_drop_query(sc->w, name);   /* waits for the batch in flight to commit */
        if (stream_forget(rdb_handle(sc->w->db), name, sc->err)) return -1;
    }
    /* The entry first: its relation reads the table about to be dropped. */
    if (catalog_drop(cat, name)) return err_at(sc->err, st->name_pos, "cannot drop \"%s\"", name);
    if (in_db && rdb_table_exists(sc->w->db, name)) return rdb_drop_table(sc->w->db, name, sc->err);
    return 0;
}
