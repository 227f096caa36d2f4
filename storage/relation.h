/*
** Relations: anything the executor can scan.
**
** A Relation has a schema and opens Scanners.  A scanner is asked for the
** columns the plan needs (projection pushdown) and hands out chunks of at most
** WEIR_BATCH_SIZE rows whose columns are exactly those, in that order.  Readers
** that parse text (CSV, JSON) convert only the requested fields: parsing cost
** follows the columns a query uses.
**
** Implementations: in-memory tables (memtable.c), CSV/JSON files
** (file_relation.c), tables in the results database (resultdb.c).
**
** Chunk lifetime: a chunk returned by next() stays valid until the following
** next() or close().  A reader error (bad record) sets err with a location
** "file:line" and returns -1; in-memory relations never fail.
*/
#ifndef WEIR_RELATION_H
#define WEIR_RELATION_H

#include "../common/err.h"
#include "../common/vector.h"

typedef struct Relation Relation;
typedef struct Scanner Scanner;

typedef struct RelationVT {
    /* proj: relation column indices to produce, in order (nproj may be 0: only row counts) */
    Scanner *(*open)(Relation *r, const int *proj, int nproj, Err *err);
    void (*destroy)(Relation *r);
} RelationVT;

struct Relation {
    const RelationVT *vt;
    Schema schema;
    int64_t est_rows;     /* row count estimate for the planner, -1 unknown */
};

typedef struct ScannerVT {
    /* 1: *out is a chunk; 0: end of data; -1: error (err set) */
    int (*next)(Scanner *s, Chunk **out, Err *err);
    void (*close)(Scanner *s);
} ScannerVT;

struct Scanner {
    const ScannerVT *vt;
};

static inline Scanner *relation_open(Relation *r, const int *proj, int nproj, Err *err) {
    return r->vt->open(r, proj, nproj, err);
}
static inline void relation_destroy(Relation *r) { if (r && r->vt->destroy) r->vt->destroy(r); }
static inline int scanner_next(Scanner *s, Chunk **out, Err *err) { return s->vt->next(s, out, err); }
static inline void scanner_close(Scanner *s) { if (s) s->vt->close(s); }

/* ------------------------------------------------------------ in-memory tables */

typedef struct MemTable MemTable;

/* A columnar, append-only in-memory table.  Owns its data (its own arenas). */
MemTable *memtable_new(const Schema *schema);
void memtable_free(MemTable *t);
/* Append the active rows of c (weights must be +1; strings are copied). Columns match the schema. */
void memtable_append(MemTable *t, const Chunk *c);
int64_t memtable_rows(const MemTable *t);
/* The relation view of the table (owned by the table; do not destroy). */
Relation *memtable_relation(MemTable *t);

/* ------------------------------------------------------------ files */

typedef struct FileOptions {
    const char *path;       /* a file, a directory (every file in it, name order) or a glob */
    const char *format;     /* "csv" or "json" */
    bool header;            /* CSV: first line of each file is a header (skipped) */
    char delimiter;         /* CSV: default ',' */
} FileOptions;

/* A bounded relation over CSV / JSON-lines files with the given schema. */
Relation *file_relation_new(const Schema *schema, const FileOptions *opt, Err *err);

#endif
