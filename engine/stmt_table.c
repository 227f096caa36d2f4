/*
** Tables: CREATE TABLE (in memory, or over files with WITH (connector =
** 'file', ...)), CREATE TABLE AS and INSERT.
**
** In-memory tables are MemTables owned by their catalog entry.  Writes are
** atomic per statement: INSERT builds (VALUES) or computes (SELECT) all its
** rows aside first and appends them only when nothing failed, so an error
** leaves the table as it was; that also lets `INSERT INTO t SELECT * FROM t`
** read a table that does not change under it.
*/
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"

/* ------------------------------------------------------------ helpers */

/* The entry named `name`, or NULL (no error recorded). */
static CatEntry *lookup(StmtCtx *sc, const char *name) {
    Err scratch;
    err_clear(&scratch);
    return catalog_find(sc->w->cat, name, &scratch);
}

/* Error if `name` is taken; *skip = true for IF NOT EXISTS on an existing name. */
static int check_new_name(StmtCtx *sc, bool *skip) {
    const AstStmt *st = sc->st;
    *skip = false;
    CatEntry *old = lookup(sc, st->name);
    if (!old) return 0;
    if (st->if_not_exists) {
        *skip = true;
        return 0;
    }
    if (old->in_resultdb && old->kind == CAT_TABLE)
        return err_at(sc->err, st->name_pos, "table \"%s\" already exists in the results database", st->name);
    return err_at(sc->err, st->name_pos, "%s \"%s\" already exists", eng_kind_name(old->kind), st->name);
}

/* The schema declared by CREATE TABLE / CREATE SOURCE columns (statement arena). */
int eng_declared_schema(StmtCtx *sc, Schema *out) {
    const AstStmt *st = sc->st;
    if (st->ncolumns <= 0) return err_at(sc->err, st->name_pos, "\"%s\" needs at least one column", st->name);
    out->ncols = st->ncolumns;
    out->cols = ARENA_ARRAY(sc->arena, Column, st->ncolumns);
    for (int i = 0; i < st->ncolumns; i++) {
        const AstColumnDef *c = &st->columns[i];
        for (int j = 0; j < i; j++)
            if (strcasecmp(c->name, st->columns[j].name) == 0)
                return err_at(sc->err, c->pos, "column \"%s\" specified more than once", c->name);
        if (c->type == TYPE_NULL || c->type >= TYPE__COUNT)
            return err_at(sc->err, c->pos, "column \"%s\" has no valid type", c->name);
        out->cols[i] = (Column){.name = c->name, .type = c->type};
    }
    return 0;
}

typedef struct MemSink {
    MemTable *table;
    Err *err;
} MemSink;

/*
** ChunkSink appending to a MemTable.  A table holds rows, not changes: a
** weight w > 1 stores the row w times, a retraction cannot be stored.
*/
static int mem_sink(void *ud, const Chunk *c) {
    MemSink *s = ud;
    if (!c->weights) {
        memtable_append(s->table, c);
        return 0;
    }
    uint32_t n = chunk_active(c);
    size_t total = 0;
    for (uint32_t k = 0; k < n; k++) {
        int64_t w = chunk_weight(c, chunk_row(c, k));
        if (w < 0) return err_set(s->err, "cannot store a retraction in a table");
        total += (size_t)w;
    }
    uint32_t *sel = xmalloc((total ? total : 1) * sizeof *sel);
    size_t m = 0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = chunk_row(c, k);
        for (int64_t w = chunk_weight(c, i); w > 0; w--) sel[m++] = i;
    }
    Chunk copy = *c;
    copy.sel = sel;
    copy.nsel = (uint32_t)m;
    copy.weights = NULL;
    if (m) memtable_append(s->table, &copy);
    free(sel);
    return 0;
}

/* ------------------------------------------------------------ CREATE TABLE */

static const AstOption *find_option(const AstStmt *st, const char *key) {
    for (int i = 0; i < st->noptions; i++)
        if (st->options[i].key && strcasecmp(st->options[i].key, key) == 0) return &st->options[i];
    return NULL;
}

/* FileOptions from validated WITH options (values point into the AST). */
static void file_options(const AstStmt *st, FileOptions *fo) {
    const AstOption *o;
    memset(fo, 0, sizeof *fo);
    fo->path = (o = find_option(st, "path")) ? o->value : NULL;
    fo->format = (o = find_option(st, "format")) ? o->value : "csv";
    fo->header = false;
    if ((o = find_option(st, "header"))) {
        uint8_t b = 0;
        if (parse_bool(o->value, strlen(o->value), &b)) fo->header = b;
    }
    fo->delimiter = ',';
    if ((o = find_option(st, "delimiter"))) fo->delimiter = eng_delimiter_char(o->value);
}

/*
** CREATE TABLE name (cols) [WITH (connector = 'file', ...)].  Without options
** the table lives in memory and takes INSERTs; with the file connector it is
** a bounded relation over CSV / JSON files, read when queried.
*/
int eng_create_table(StmtCtx *sc) {
    const AstStmt *st = sc->st;
    bool skip;
    if (check_new_name(sc, &skip)) return -1;
    if (skip) return 0;
    Schema schema;
    if (eng_declared_schema(sc, &schema)) return -1;

    Relation *rel = NULL;
    if (st->noptions > 0) {
        if (eng_check_options(sc, ROLE_TABLE, &schema)) return -1;
        FileOptions fo;
        file_options(st, &fo);
        rel = file_relation_new(&schema, &fo, sc->err);
        if (!rel) {
            const AstOption *o = find_option(st, "path");
            if (!sc->err->set) err_set(sc->err, "cannot read \"%s\"", fo.path ? fo.path : "?");
            if (sc->err->offset < 0 && !sc->err->location[0]) sc->err->offset = o ? o->pos : st->name_pos;
            return -1;
        }
    }
    CatEntry *e = catalog_add(sc->w->cat, CAT_TABLE, st->name, &schema, sc->err);
    if (!e) {
        relation_destroy(rel);
        if (!sc->err->set) err_set(sc->err, "cannot create table \"%s\"", st->name);
        if (sc->err->offset < 0) sc->err->offset = st->name_pos;
        return -1;
    }
    e->watermark_col = -1;
    if (rel) {
        e->rel = rel;
        e->owns_rel = true;
        eng_copy_options(e, st);
    } else {
        e->mem = memtable_new(&e->schema);
        e->rel = memtable_relation(e->mem);
        e->owns_rel = false;
    }
    return 0;
}

/* CREATE TABLE name AS query: run the query (batch) into a new in-memory table. */
int eng_create_table_as(StmtCtx *sc) {
    const AstStmt *st = sc->st;
    bool skip;
    if (check_new_name(sc, &skip)) return -1;
    if (skip) return 0;
    Plan *p;
    if (eng_plan(sc, st->query, &p, NULL)) return -1;
    const char *src = eng_plan_source(sc, p);
    if (src)
        return err_at(sc->err, eng_table_ref_pos(st->query, src),
                      "CREATE TABLE AS over source \"%s\" needs a continuous query: streaming is not supported yet",
                      src);
    if (eng_check_unique_columns(sc, &p->schema, st->query->pos)) return -1;
    p = eng_storable_plan(sc->arena, p);

    CatEntry *e = catalog_add(sc->w->cat, CAT_TABLE, st->name, &p->schema, sc->err);
    if (!e) {
        if (!sc->err->set) err_set(sc->err, "cannot create table \"%s\"", st->name);
        if (sc->err->offset < 0) sc->err->offset = st->name_pos;
        return -1;
    }
    e->watermark_col = -1;
    e->mem = memtable_new(&e->schema);
    e->rel = memtable_relation(e->mem);
    e->owns_rel = false;
    MemSink sink = {.table = e->mem, .err = sc->err};
    if (eng_run(sc, p, mem_sink, &sink)) {
        catalog_drop(sc->w->cat, st->name);   /* nothing half-filled stays behind */
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ INSERT */

/*
** The target columns of an INSERT: map[k] is the table column that the k-th
** value goes to.  Without a column list, all columns in order.
*/
static int insert_targets(StmtCtx *sc, const CatEntry *e, int **map, int *n) {
    const AstStmt *st = sc->st;
    const AstList *cols = st->insert_columns;
    if (!cols || cols->n == 0) {
        *n = e->schema.ncols;
        *map = ARENA_ARRAY(sc->arena, int, *n + 1);
        for (int i = 0; i < *n; i++) (*map)[i] = i;
        return 0;
    }
    *n = cols->n;
    *map = ARENA_ARRAY(sc->arena, int, *n + 1);
    for (int k = 0; k < cols->n; k++) {
        const Ast *c = cols->items[k];
        int i = c && c->name ? schema_find(&e->schema, c->name) : -1;
        if (i < 0)
            return err_at(sc->err, c ? c->pos : st->pos, "column \"%s\" of table \"%s\" does not exist",
                          c && c->name ? c->name : "?", e->name);
        for (int j = 0; j < k; j++)
            if ((*map)[j] == i) return err_at(sc->err, c->pos, "column \"%s\" specified more than once", c->name);
        (*map)[k] = i;
    }
    return 0;
}

/* A dense chunk of `rows` rows with every value NULL, typed as the schema. */
static Chunk *null_chunk(const Schema *s, uint32_t rows, Arena *a) {
    Chunk *c = chunk_new(s->ncols, a);
    c->count = rows;
    c->nsel = rows;
    c->sel = NULL;
    c->weights = NULL;
    for (int j = 0; j < s->ncols; j++) {
        vec_alloc(&c->cols[j], s->cols[j].type, rows, a);
        uint8_t *nulls = vec_nulls(&c->cols[j], rows, a);
        memset(nulls, 1, rows);
        memset(c->cols[j].data, 0, (size_t)rows * type_width(s->cols[j].type));
    }
    return c;
}

/* May a value of type `from` be stored in a column of type `to` (assignment cast)? */
static bool assignable(Type from, Type to) {
    return from == to || from == TYPE_NULL || type_implicit_cast(from, to) ||
           (type_is_numeric(from) && type_is_numeric(to)) || to == TYPE_TEXT;
}

/* Bind, evaluate and cast one VALUES expression to the type of its column (statement arena). */
static int eval_value(StmtCtx *sc, const Ast *ast, const Column *col, Value *out) {
    PlanCtx pc = eng_plan_ctx(sc);
    Schema empty = {0, NULL};
    Expr *e = NULL;
    if (plan_scalar(&pc, ast, &empty, &e) || !e) {
        if (!sc->err->set) err_at(sc->err, ast->pos, "invalid value for column \"%s\"", col->name);
        return -1;
    }
    FuncCtx fc = {.arena = sc->arena, .now_us = sc->now_us, .err = sc->err};
    Value v;
    memset(&v, 0, sizeof v);
    if (expr_eval_const(&fc, e, &v)) {
        if (!sc->err->set) err_at(sc->err, ast->pos, "cannot evaluate the value for column \"%s\"", col->name);
        if (sc->err->offset < 0) sc->err->offset = ast->pos;
        return -1;
    }
    if (v.null || v.type == TYPE_NULL) {
        memset(out, 0, sizeof *out);
        out->type = col->type;
        out->null = true;
        return 0;
    }
    if (v.type == col->type) {
        *out = v;
        return 0;
    }
    /* Text converts to any type when it reads as one (like a PostgreSQL literal,
       '2024-01-01' into a TIMESTAMP); other types only by assignment casts. */
    if (v.type != TYPE_TEXT && !assignable(v.type, col->type))
        return err_at(sc->err, ast->pos, "column \"%s\" is of type %s but expression is of type %s", col->name,
                      type_name(col->type), type_name(v.type));
    if (!value_cast(&v, col->type, out, sc->arena, sc->err)) {
        if (!sc->err->set)
            err_at(sc->err, ast->pos, "cannot cast %s to %s for column \"%s\"", type_name(v.type),
                   type_name(col->type), col->name);
        if (sc->err->offset < 0) sc->err->offset = ast->pos;
        return -1;
    }
    return 0;
}

/*
** INSERT ... VALUES: each row gives exactly one value per target column (the
** columns a column list leaves out are NULL).  Every row is built and checked
** before any is appended.
*/
static int insert_values(StmtCtx *sc, CatEntry *e, const int *map, int ntarget) {
    const AstStmt *st = sc->st;
    const AstList *rows = st->rows;
    int nrows = rows ? rows->n : 0;
    int nchunks = (nrows + WEIR_BATCH_SIZE - 1) / WEIR_BATCH_SIZE;
    Chunk **chunks = ARENA_ARRAY(sc->arena, Chunk *, nchunks + 1);
    for (int r = 0; r < nrows; r++) {
        const AstList *row = rows->items[r];
        int n = row ? row->n : 0;
        if (n > ntarget) {
            const Ast *extra = row->items[ntarget];
            return err_at(sc->err, extra ? extra->pos : st->pos, "INSERT has more expressions than target columns");
        }
        if (n < ntarget) {
            const Ast *first = n > 0 ? row->items[0] : NULL;
            return err_at(sc->err, first ? first->pos : st->pos, "INSERT has more target columns than expressions");
        }
        int ci = r / WEIR_BATCH_SIZE;
        uint32_t ri = (uint32_t)(r % WEIR_BATCH_SIZE);
        if (ri == 0) {
            int left = nrows - r;
            chunks[ci] = null_chunk(&e->schema, (uint32_t)(left < WEIR_BATCH_SIZE ? left : WEIR_BATCH_SIZE), sc->arena);
        }
        Chunk *c = chunks[ci];
        for (int k = 0; k < n; k++) {
            int col = map[k];
            Value v;
            if (eval_value(sc, row->items[k], &e->schema.cols[col], &v)) return -1;
            vec_set(&c->cols[col], ri, &v, c->count, sc->arena);
        }
        if (sc->w->cancel) return err_set(sc->err, "interrupted");
    }
    for (int i = 0; i < nchunks; i++) memtable_append(e->mem, chunks[i]);
    return 0;
}

/*
** INSERT ... SELECT: the query's columns go to the target columns in order
** (cast where the types differ, NULL for the columns not named).  The rows
** are computed into a temporary table first, then appended.
*/
static int insert_select(StmtCtx *sc, CatEntry *e, const int *map, int ntarget) {
    const AstStmt *st = sc->st;
    const AstSelect *q = st->query;
    Plan *p;
    if (eng_plan(sc, q, &p, NULL)) return -1;
    const char *src = eng_plan_source(sc, p);
    if (src)
        return err_at(sc->err, eng_table_ref_pos(q, src),
                      "INSERT from source \"%s\" needs a continuous query: streaming is not supported yet", src);
    int nq = p->schema.ncols;
    if (nq > ntarget) return err_at(sc->err, q->pos, "INSERT has more expressions than target columns");
    if (nq < ntarget)
        return err_at(sc->err, q->pos, "INSERT has more target columns than expressions");

    /* A projection producing exactly the table's columns, in table order. */
    Arena *a = sc->arena;
    int nt = e->schema.ncols;
    Plan *proj = plan_new(a, PLAN_PROJECT, p, NULL);
    proj->schema.ncols = nt;
    proj->schema.cols = ARENA_ARRAY(a, Column, nt);
    proj->u.project.n = nt;
    proj->u.project.exprs = ARENA_ARRAY(a, Expr *, nt);
    for (int i = 0; i < nt; i++) {
        Column tc = e->schema.cols[i];
        proj->schema.cols[i] = tc;
        Value nullv = {.type = tc.type, .null = true};
        Expr *x = NULL;
        for (int k = 0; k < nq; k++) {
            if (map[k] != i) continue;
            Type from = p->schema.cols[k].type;
            if (!assignable(from, tc.type))
                return err_at(sc->err, q->pos, "column \"%s\" is of type %s but expression is of type %s", tc.name,
                              type_name(tc.type), type_name(from));
            if (from == TYPE_NULL) break;
            x = expr_column(a, k, from, p->schema.cols[k].name);
            if (from != tc.type) {
                Expr *cast = expr_new(a, EXPR_CAST, tc.type, 1);
                cast->args[0] = x;
                cast->pos = q->pos;
                cast->name = "cast";
                x = cast;
            }
        }
        if (!x) {
            x = expr_const(a, &nullv);
            x->type = tc.type;
        }
        proj->u.project.exprs[i] = x;
    }

    MemTable *tmp = memtable_new(&e->schema);
    MemSink sink = {.table = tmp, .err = sc->err};
    int rc = eng_run(sc, proj, mem_sink, &sink);
    if (rc == 0) {
        int *all = ARENA_ARRAY(a, int, nt + 1);
        for (int i = 0; i < nt; i++) all[i] = i;
        Scanner *s = relation_open(memtable_relation(tmp), all, nt, sc->err);
        if (!s) {
            rc = -1;
        } else {
            Chunk *c;
            int r;
            while ((r = scanner_next(s, &c, sc->err)) == 1) memtable_append(e->mem, c);
            if (r < 0) rc = -1;
            scanner_close(s);
        }
    }
    memtable_free(tmp);
    return rc;
}

/* INSERT INTO t [(cols)] VALUES ... | SELECT ...: only in-memory tables take rows. */
int eng_insert(StmtCtx *sc) {
    const AstStmt *st = sc->st;
    CatEntry *e = lookup(sc, st->name);
    if (!e) return err_at(sc->err, st->name_pos, "table \"%s\" does not exist", st->name);
    if (e->kind != CAT_TABLE)
        return err_at(sc->err, st->name_pos, "cannot insert into %s \"%s\"", eng_kind_name(e->kind), e->name);
    if (!e->mem) {
        if (e->in_resultdb)
            return err_at(sc->err, st->name_pos,
                          "cannot insert into \"%s\": tables of the results database are written only by "
                          "materialized views",
                          e->name);
        const char *path = catalog_option(e, "path");
        return err_at(sc->err, st->name_pos, "cannot insert into table \"%s\": it reads from file '%s'", e->name,
                      path ? path : "?");
    }
    int *map, ntarget;
    if (insert_targets(sc, e, &map, &ntarget)) return -1;
    if (st->query) return insert_select(sc, e, map, ntarget);
    return insert_values(sc, e, map, ntarget);
}
