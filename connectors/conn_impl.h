/*
** Internals shared by the connector implementations (options.c, source_*.c,
** sink_*.c, rowtext.c): option parsing helpers that word their errors the
** same way everywhere, the options every source takes, the bridge from the
** record reader's reject callback to the runtime's RejectSink, the text
** writer of sinks, and each connector's open / check entry points for the
** dispatch table in options.c.  Not for use outside connectors/.
**
** Option errors always start with the role and name of the thing at fault:
**   source "clicks": unknown option "pathh"
**   source "clicks": option "path" is required
**   source "clicks": option "max_files_per_trigger" must be a positive integer, not "x"
*/
#ifndef WEIR_CONN_IMPL_H
#define WEIR_CONN_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "../storage/reader.h"
#include "connector.h"

/* ------------------------------------------------------------ options */

/* Who is being configured, for messages: role "source" / "sink" and cfg->name. */
typedef struct ConnCtx {
    const ConnConfig *cfg;
    const char *role;
} ConnCtx;

/*
** Every option key must be `connector`, one of `keys` (NULL-terminated,
** case-insensitive) or start with `prefix` (NULL: none), else
** `ROLE "NAME": unknown option "KEY"`.  0 / -1.
*/
int conn_check_keys(const ConnCtx *c, const char *const *keys, const char *prefix, Err *err);
/* The value of a required option (non-empty), or -1 with `option "KEY" is required`. */
int conn_require(const ConnCtx *c, const char *key, const char **out, Err *err);
/* Typed option values: absent -> *out = dflt and 0; malformed -> -1 with a message quoting the value. */
int conn_get_posint(const ConnCtx *c, const char *key, int64_t dflt, int64_t *out, Err *err); /* > 0 */
int conn_get_count(const ConnCtx *c, const char *key, int64_t dflt, int64_t *out, Err *err);  /* >= 0 */
int conn_get_int(const ConnCtx *c, const char *key, int64_t dflt, int64_t *out, Err *err);
int conn_get_rate(const ConnCtx *c, const char *key, double dflt, double *out, Err *err); /* > 0 */
int conn_get_bool(const ConnCtx *c, const char *key, bool dflt, bool *out, Err *err);
int conn_get_format(const ConnCtx *c, const char *key, RecordFormat dflt, RecordFormat *out, Err *err);
int conn_get_delimiter(const ConnCtx *c, const char *key, char *out, Err *err);   /* default ',' */
int conn_get_port(const ConnCtx *c, const char *key, const char **out, Err *err); /* 1..65535, required */
/* Record `ROLE "NAME": ` + message; returns -1. */
int conn_err(const ConnCtx *c, Err *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The options every source takes. */
#define CONN_SOURCE_COMMON_KEYS "on_error", "bounded", "max_records_per_trigger"

typedef struct SourceCommon {
    bool fail_on_error;  /* on_error = 'fail' (default 'skip', also spelled 'reject') */
    bool bounded;        /* bounded = 'true' */
    bool bounded_set;    /* the option was given */
    int64_t max_records; /* max_records_per_trigger, 0 = no limit */
} SourceCommon;

int conn_source_common(const ConnCtx *c, SourceCommon *out, Err *err);

/* ------------------------------------------------------------ rejects */

/*
** Routes the reader's bad records: to the RejectSink (counting them in
** src->rejects) unless on_error = 'fail' or there is no sink, in which case
** reading stops and reader_parse() fails naming the record.
*/
typedef struct RejectBridge {
    Source *src;
    const char *name;       /* source name for the reject rows */
    const RejectSink *sink; /* NULL: every bad record is an error */
    bool fail;
} RejectBridge;

bool conn_reader_reject(void *ud, const char *location, Str record, const char *reason);
/* Report one bad record the connector found itself (not via a reader): 0 skip it, -1 stop (err set). */
int conn_reject(RejectBridge *rb, const char *location, Str record, const char *reason, Err *err);
/* After a failed reader_parse(): prefix the message with `source "NAME": ` (location kept). */
void conn_reader_error(const char *name, Err *err);

/* Copy of the schema into arena a (names copied). */
void conn_schema_copy(Schema *dst, const Schema *src, Arena *a);
/* Check proj[0..nproj) against the schema. */
int conn_check_proj(const ConnCtx *c, const int *proj, int nproj, Err *err);

/* ------------------------------------------------------------ text output of sinks */

typedef enum TextFormat {
    TEXT_TSV,  /* console: tab-separated, values as weir prints them (NULL -> NULL) */
    TEXT_CSV,  /* RFC 4180, NULL = empty unquoted field, '' = "" */
    TEXT_JSON, /* one object per line, NULL = null */
} TextFormat;

typedef struct TextBuf {
    char *p;
    size_t len, cap;
} TextBuf;

void textbuf_add(TextBuf *b, const char *s, size_t n);
static inline void textbuf_putc(TextBuf *b, char ch) {
    if (b->len + 1 > b->cap)
        textbuf_add(b, &ch, 1);
    else
        b->p[b->len++] = ch;
}
void textbuf_free(TextBuf *b);

/*
** Append row `row` of the columns (names from schema) in the format.  `op`
** (NULL: none) is added as a trailing field / key "op" (update mode).
*/
void rowtext_row(TextBuf *b, TextFormat f, char delim, const Schema *schema, const Vec *cols, uint32_t row,
                 const char *op);
/* The CSV header line (names quoted when needed), with ",op" when with_op. */
void rowtext_header(TextBuf *b, char delim, const Schema *schema, bool with_op);

typedef enum SinkMode { SINK_APPEND, SINK_UPDATE, SINK_COMPLETE } SinkMode;
int conn_sink_mode(const ConnCtx *c, const char *mode, SinkMode *out, Err *err);

/* ------------------------------------------------------------ connectors */

Source *file_source_open(const ConnConfig *cfg, const int *proj, int nproj, const RejectSink *rejects, Err *err);
int file_source_check(const ConnConfig *cfg, Err *err);
Source *generator_source_open(const ConnConfig *cfg, const int *proj, int nproj, const RejectSink *rejects, Err *err);
int generator_source_check(const ConnConfig *cfg, Err *err);
Source *socket_source_open(const ConnConfig *cfg, const int *proj, int nproj, const RejectSink *rejects, Err *err);
int socket_source_check(const ConnConfig *cfg, Err *err);
Source *sqlite_source_open(const ConnConfig *cfg, const int *proj, int nproj, const RejectSink *rejects, Err *err);
int sqlite_source_check(const ConnConfig *cfg, Err *err);

Sink *file_sink_open(const ConnConfig *cfg, const char *mode, Err *err);
int file_sink_check(const ConnConfig *cfg, Err *err);
Sink *console_sink_open(const ConnConfig *cfg, const char *mode, Err *err);
int console_sink_check(const ConnConfig *cfg, Err *err);

#endif
