/*
** The results database: a SQLite file (default weir.db) that holds result
** tables of materialized views, and (later) checkpoints, progress and
** rejected records.  Opened in WAL mode so any SQLite client reads consistent
** results while queries run.
**
** Value mapping (CONTRACT §2): BIGINT -> INTEGER, DOUBLE -> REAL, BOOLEAN ->
** 0/1 INTEGER, TEXT -> TEXT, TIMESTAMP -> TEXT 'YYYY-MM-DD HH:MM:SS[.ffffff]',
** INTERVAL -> INTEGER microseconds, NULL -> NULL.
*/
#ifndef WEIR_RESULTDB_H
#define WEIR_RESULTDB_H

#include "relation.h"

typedef struct ResultDb ResultDb;

ResultDb *rdb_open(const char *path, Err *err);
void rdb_close(ResultDb *db);

int rdb_begin(ResultDb *db, Err *err);
int rdb_commit(ResultDb *db, Err *err);
int rdb_rollback(ResultDb *db);

/* Create (or replace when `replace`) a table with the schema; column types map per §2. */
int rdb_create_table(ResultDb *db, const char *name, const Schema *schema, bool replace, Err *err);
int rdb_drop_table(ResultDb *db, const char *name, Err *err);
bool rdb_table_exists(ResultDb *db, const char *name);
/* Insert the active rows of c into table `name` (columns in schema order). */
int rdb_insert(ResultDb *db, const char *name, const Chunk *c, Err *err);

/* Names of user tables in the database (not sqlite_* or weir_* internals); arena-allocated. */
int rdb_list_tables(ResultDb *db, Arena *a, const char ***names, int *n, Err *err);
/*
** A relation reading table `name`; its schema is derived from the declared column
** types (INTEGER -> BIGINT, REAL -> DOUBLE, TEXT -> TEXT, BOOLEAN -> BOOLEAN,
** TIMESTAMP -> TIMESTAMP, others -> TEXT).  Caller destroys it.
*/
Relation *rdb_relation(ResultDb *db, const char *name, Err *err);

/* The underlying handle, for the engine's own bookkeeping tables. */
struct sqlite3 *rdb_handle(ResultDb *db);

#endif
