/*
** The catalog: every named object of a session (sources, tables, views,
** materialized views, sinks), plus the tables of the results database, which
** are visible as tables without being declared.
**
** Each entry owns an arena holding its name, schema, options and query text.
** A view keeps its SQL text and is re-parsed where it is used, so no AST
** outlives its statement.
*/
#ifndef WEIR_CATALOG_H
#define WEIR_CATALOG_H

#include "../storage/relation.h"
#include "../storage/resultdb.h"

typedef enum CatKind { CAT_TABLE, CAT_SOURCE, CAT_VIEW, CAT_MATVIEW, CAT_SINK } CatKind;

typedef struct CatOption {
    const char *key;
    const char *value;
} CatOption;

typedef struct CatEntry {
    CatKind kind;
    const char *name;
    Schema schema;
    Relation *rel;          /* TABLE / MATVIEW result: what a scan reads */
    MemTable *mem;          /* in-memory TABLE (INSERT target), owned */
    bool owns_rel;          /* destroy rel with the entry (file and results-db relations) */
    bool in_resultdb;       /* a table of the results database (MATVIEW results, tables found there) */
    const char *sql;        /* VIEW / MATVIEW / SINK: the defining SELECT's text */
    int noptions;
    CatOption *options;     /* WITH (...) of SOURCE / SINK / connector TABLE */
    int watermark_col;      /* SOURCE: event-time column with a WATERMARK, -1 none */
    int64_t watermark_delay_us;
    Arena arena;            /* owns everything above except rel/mem */
} CatEntry;

typedef struct Catalog Catalog;

Catalog *catalog_new(ResultDb *db);
void catalog_free(Catalog *c);

/*
** Find by case-insensitive name; falls back to a table of the results database
** (cached as a CAT_TABLE entry with in_resultdb, owns_rel). NULL if none; err is
** set only when the lookup itself failed (database unreadable).
*/
CatEntry *catalog_find(Catalog *c, const char *name, Err *err);
/*
** Create an entry (name and schema copied into its arena); NULL with err set if a
** declared entry has the name.  A cached results-database entry of that name is replaced.
*/
CatEntry *catalog_add(Catalog *c, CatKind kind, const char *name, const Schema *schema, Err *err);
int catalog_drop(Catalog *c, const char *name);
/*
** Declared entries of one kind, in creation order (cached results-database tables are
** not listed).  *out is owned by the catalog and valid until its next call; do not free.
*/
int catalog_list(Catalog *c, CatKind kind, CatEntry ***out);
const char *catalog_option(const CatEntry *e, const char *key);
ResultDb *catalog_db(Catalog *c);

#endif
