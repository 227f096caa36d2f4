/*
** Connectors: where continuous queries read from (sources) and write to
** (sinks), configured by the string options of WITH (...) (CONTRACT §6).
**
** A Source delivers an unbounded (or bounded) input in micro-batches:
**   plan_batch()  looks for new data and fixes the extent of the next batch
**                 within the trigger limits (max_files_per_trigger,
**                 max_records_per_trigger); returns 1 when it has rows to give
**   next()        hands out the planned batch as chunks with only the
**                 projected columns (projection pushdown)
**   end_offset()  the position after the planned batch as text, stored in the
**                 checkpoint in the same SQLite transaction as the batch's
**                 results, so a restart resumes exactly (seek())
** Offsets are opaque text owned by each connector (a file source: the last
** file consumed; a generator: rows emitted; Kafka later: one offset per
** partition).
**
** Read end_offset() after next() has returned 0: a file source with
** max_records_per_trigger finds where its batch ends inside a file while
** reading it (the others know the end at plan time).  plan_batch() treats
** the previous batch as done, so the runtime calls it only after committing.
** Per connector details (offset formats, what ends a source, delivery
** guarantees) are in connectors/README.md.
**
** Bad records never stop a query silently: each goes to the RejectSink
** (the runtime stores it in weir_rejects); with on_error = 'fail' the
** source stops the query with an error naming the record.
**
** A Sink receives each micro-batch's changes (rows with +1/-1 weights) between
** begin() and commit().  The SQLite results-table writer is not a Sink: it
** lives in the runtime (stream/), inside the batch's own transaction.
*/
#ifndef WEIR_CONNECTOR_H
#define WEIR_CONNECTOR_H

#include "../common/err.h"
#include "../common/vector.h"

typedef struct ConnOption {
    const char *key;
    const char *value;
} ConnOption;

typedef struct ConnConfig {
    const char *name;          /* the SOURCE / SINK name, for messages and reject rows */
    const ConnOption *options;
    int noptions;
    Schema schema;             /* declared columns */
    int64_t now_us;            /* wall clock at query start (generator default start) */
} ConnConfig;

/* Value of option `key` (case-insensitive), or NULL. */
const char *conn_option(const ConnConfig *c, const char *key);

/* ------------------------------------------------------------ rejects */

typedef struct RejectSink {
    /*
    ** A record that could not be parsed or converted.  location: "path:line"
    ** (or "partition:offset"), record: raw text, reason: message.  All valid
    ** only during the call.  Return 0 to skip it and go on, -1 to stop the query.
    */
    int (*reject)(void *ud, const char *source, const char *location, Str record, const char *reason);
    void *ud;
} RejectSink;

/* ------------------------------------------------------------ sources */

typedef struct Source Source;

typedef struct SourceVT {
    int (*plan_batch)(Source *s, Err *err);           /* 1 data, 0 nothing new, -1 error */
    int (*next)(Source *s, Chunk **out, Err *err);    /* 1 chunk, 0 batch done, -1 error */
    const char *(*end_offset)(Source *s);             /* after the planned batch; owned by s */
    int (*seek)(Source *s, const char *offset, Err *err); /* before the first plan_batch */
    bool (*ended)(Source *s);                         /* bounded and everything delivered */
    void (*close)(Source *s);
    /*
    ** Optional (NULL when the source cannot say): where row `row` (a physical
    ** row index) of chunk c, the chunk next() handed out last, comes from,
    ** e.g. "path:line", written to buf[0..cap).  Valid until the following
    ** next().  Returns 0, or -1 when unknown.
    */
    int (*row_location)(Source *s, const Chunk *c, uint32_t row, char *buf, size_t cap);
} SourceVT;

struct Source {
    const SourceVT *vt;
    int64_t rejects;           /* bad records seen so far */
};

/*
** Validate options and open a source.  proj: declared columns to produce, in
** order.  `rejects` may be NULL (then every bad record is an error).  Option
** errors name the option, e.g. `source "clicks": option "path" is required`.
** Connectors: file, generator, socket, sqlite (kafka: a later milestone).
*/
Source *source_open(const char *connector, const ConnConfig *cfg, const int *proj, int nproj,
                    const RejectSink *rejects, Err *err);
/* Check a source's options without opening it (CREATE SOURCE time). */
int source_check(const char *connector, const ConnConfig *cfg, Err *err);

static inline int source_plan_batch(Source *s, Err *e) { return s->vt->plan_batch(s, e); }
static inline int source_next(Source *s, Chunk **out, Err *e) { return s->vt->next(s, out, e); }
static inline const char *source_end_offset(Source *s) { return s->vt->end_offset(s); }
static inline int source_seek(Source *s, const char *off, Err *e) { return s->vt->seek(s, off, e); }
static inline bool source_ended(Source *s) { return s->vt->ended(s); }
static inline void source_close(Source *s) { if (s) s->vt->close(s); }
static inline int source_row_location(Source *s, const Chunk *c, uint32_t row, char *buf, size_t cap) {
    return s && s->vt->row_location ? s->vt->row_location(s, c, row, buf, cap) : -1;
}

/* ------------------------------------------------------------ sinks */

typedef struct Sink Sink;

typedef struct SinkVT {
    int (*begin)(Sink *k, int64_t batch_id, Err *err);
    int (*write)(Sink *k, const Chunk *changes, Err *err);  /* weights: +1 / -1 */
    int (*commit)(Sink *k, int64_t batch_id, Err *err);
    void (*close)(Sink *k);
} SinkVT;

struct Sink {
    const SinkVT *vt;
};

/*
** Open a sink for rows of `schema`.  Connectors: file (one file per
** micro-batch, named by batch id so a replayed batch overwrites its own file),
** console (stdout).  mode: "append" | "update" | "complete" (complete: the
** runtime passes the whole result each batch).
*/
Sink *sink_open(const char *connector, const ConnConfig *cfg, const char *mode, Err *err);
int sink_check(const char *connector, const ConnConfig *cfg, Err *err);

#endif
