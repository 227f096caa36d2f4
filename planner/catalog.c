/*
** The catalog: the named objects of one session.
**
** Entries are kept in an array in creation order (SHOW lists them so) and
** looked up by a linear, case-insensitive scan: a session holds tens of
** objects, not thousands, and the order is worth more than a hash.  Each
** entry is one heap allocation that embeds the arena owning its name,
** schema, options and SQL text, so dropping an entry is: destroy what it
** owns (an in-memory table, a relation it opened), free its arena, free it.
**
** Tables of the results database are visible without being declared:
** catalog_find() falls back to the database and caches what it finds as a
** CAT_TABLE entry with in_resultdb set (a "discovered" entry).  Such an
** entry is a cache, not a declaration: catalog_add() of the same name
** replaces it silently (CREATE MATERIALIZED VIEW over a result table left by
** an earlier run must work), and catalog_list() does not list it (SHOW
** TABLES asks the database itself for those).
*/
#include "catalog.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct Catalog {
    ResultDb *db;          /* results database for the fallback lookup; may be NULL */
    int n, cap;
    CatEntry **entries;    /* creation order */
    int nlist, caplist;
    CatEntry **list;       /* catalog_list()'s answer, reused by every call */
};

/* The word for an entry kind, as messages name it. */
static const char *kind_word(CatKind k) {
    switch (k) {
    case CAT_TABLE: return "table";
    case CAT_SOURCE: return "source";
    case CAT_VIEW: return "view";
    case CAT_MATVIEW: return "materialized view";
    case CAT_SINK: return "sink";
    }
    return "object";
}

/* A results-database table cached by catalog_find(), not declared by a statement. */
static bool discovered(const CatEntry *e) { return e->kind == CAT_TABLE && e->in_resultdb; }

Catalog *catalog_new(ResultDb *db) {
    Catalog *c = xcalloc(1, sizeof *c);
    c->db = db;
    return c;
}

/* Destroy what the entry owns, then the entry itself (its arena holds the rest). */
static void entry_free(CatEntry *e) {
    if (!e) return;
    if (e->mem) memtable_free(e->mem);
    if (e->owns_rel && e->rel) relation_destroy(e->rel);
    arena_free(&e->arena);
    free(e);
}

void catalog_free(Catalog *c) {
    if (!c) return;
    for (int i = 0; i < c->n; i++) entry_free(c->entries[i]);
    free(c->entries);
    free(c->list);
    free(c);
}

static int find_index(const Catalog *c, const char *name) {
    for (int i = 0; i < c->n; i++)
        if (strcasecmp(c->entries[i]->name, name) == 0) return i;
    return -1;
}

static void remove_at(Catalog *c, int i) {
    entry_free(c->entries[i]);
    memmove(&c->entries[i], &c->entries[i + 1], sizeof(CatEntry *) * (size_t)(c->n - i - 1));
    c->n--;
}

/*
** A new entry (not yet in the catalog) whose arena holds a copy of the name
** and of the schema's columns.  The caller fills in the rest.
*/
static CatEntry *entry_new(CatKind kind, const char *name, const Schema *schema) {
    CatEntry *e = xcalloc(1, sizeof *e);
    arena_init(&e->arena, 4096);
    e->kind = kind;
    e->name = arena_strdup(&e->arena, name);
    e->watermark_col = -1;
    if (schema && schema->ncols > 0) {
        e->schema.ncols = schema->ncols;
        e->schema.cols = ARENA_ARRAY(&e->arena, Column, schema->ncols);
        for (int i = 0; i < schema->ncols; i++) {
            e->schema.cols[i].name = arena_strdup(&e->arena, schema->cols[i].name ? schema->cols[i].name : "");
            e->schema.cols[i].type = schema->cols[i].type;
        }
    }
    return e;
}

static void append(Catalog *c, CatEntry *e) {
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->entries = xrealloc(c->entries, sizeof(CatEntry *) * (size_t)c->cap);
    }
    c->entries[c->n++] = e;
}

/*
** Look `name` up among the declared entries, then among the tables of the
** results database.  Returns NULL when there is no such object; err is set
** only when looking failed (the database could not be read), so a caller
** tells "absent" from "broken" by err->set.  A table found in the database
** is cached as a discovered entry owning its relation.
*/
CatEntry *catalog_find(Catalog *c, const char *name, Err *err) {
    if (!c || !name) return NULL;
    int i = find_index(c, name);
    if (i >= 0) return c->entries[i];
    if (!c->db || !rdb_table_exists(c->db, name)) return NULL;
    Relation *rel = rdb_relation(c->db, name, err);
    if (!rel) return NULL;
    CatEntry *e = entry_new(CAT_TABLE, name, &rel->schema);
    e->rel = rel;
    e->owns_rel = true;
    e->in_resultdb = true;
    append(c, e);
    return e;
}

/*
** Declare an object.  The name is taken when a declared entry of any kind
** has it (case-insensitively); a discovered results-database entry of that
** name is dropped first.  The schema is copied into the entry's arena.
*/
CatEntry *catalog_add(Catalog *c, CatKind kind, const char *name, const Schema *schema, Err *err) {
    int i = find_index(c, name);
    if (i >= 0) {
        CatEntry *old = c->entries[i];
        if (!discovered(old)) {
            err_set(err, "%s \"%s\" already exists", kind_word(old->kind), old->name);
            return NULL;
        }
        remove_at(c, i);
    }
    CatEntry *e = entry_new(kind, name, schema);
    append(c, e);
    return e;
}

/* Remove and destroy the entry `name`: 0, or -1 when there is none. */
int catalog_drop(Catalog *c, const char *name) {
    int i = find_index(c, name);
    if (i < 0) return -1;
    remove_at(c, i);
    return 0;
}

/*
** The declared entries of `kind` in creation order.  *out points to an
** array owned by the catalog, valid until the next catalog_add, catalog_drop,
** catalog_find or catalog_list call; do not free it.
*/
int catalog_list(Catalog *c, CatKind kind, CatEntry ***out) {
    c->nlist = 0;
    for (int i = 0; i < c->n; i++) {
        CatEntry *e = c->entries[i];
        if (e->kind != kind || discovered(e)) continue;
        if (c->nlist == c->caplist) {
            c->caplist = c->caplist ? c->caplist * 2 : 16;
            c->list = xrealloc(c->list, sizeof(CatEntry *) * (size_t)c->caplist);
        }
        c->list[c->nlist++] = e;
    }
    *out = c->list;
    return c->nlist;
}

/* The value of option `key` (case-insensitive), NULL when absent. */
const char *catalog_option(const CatEntry *e, const char *key) {
    for (int i = 0; i < e->noptions; i++)
        if (e->options[i].key && strcasecmp(e->options[i].key, key) == 0) return e->options[i].value;
    return NULL;
}

ResultDb *catalog_db(Catalog *c) { return c->db; }
