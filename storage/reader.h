/*
** Record readers: turn a buffer of CSV or JSON-lines text into chunks.
**
** A RecordReader is created for a target schema and a projection (the
** schema columns to produce, in order).  It parses records out of buffers the
** caller supplies and appends them to its chunk; only projected fields are
** converted, the others are skipped without conversion, so parsing cost
** follows the columns a query uses.  Whole files (file_relation.c) and
** streaming file sources use the same reader: they feed blocks of bytes and
** keep the unconsumed tail (an incomplete last record) for the next block.
**
** Bad records (wrong field count, bad value, invalid JSON, unterminated
** quote) are reported through a reject callback with their location
** "name:line" (the line where the record starts), the raw record text and the
** reason; the callback decides whether reading continues.  Without a
** callback, or when it returns false, reader_parse() fails with err->location
** = "name:line" and err->msg = the reason, e.g.
**   bad BIGINT value "x" in column "v"
**
** Chunk and buffer lifetime: TEXT values of the chunk point into the
** caller's buffer when they need no unescaping (zero copy), otherwise into
** the reader's scratch arena.  So the buffer bytes consumed into the current
** chunk must stay unchanged until reader_reset(); the scratch arena is
** emptied by reader_reset().
**
** Call outline:
**   reader_new(schema, proj, nproj, options)
**   for each input: reader_begin_input(r, name)
**     loop: reader_reset(r); n = reader_parse(r, buf, len, eof, err); ...
**           use reader_chunk(r) when reader_rows(r) > 0
**   reader_free(r)
*/
#ifndef WEIR_READER_H
#define WEIR_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/err.h"
#include "../common/vector.h"

typedef enum RecordFormat { FORMAT_CSV, FORMAT_JSON } RecordFormat;

typedef struct ReaderOptions {
    RecordFormat format;
    bool header;      /* CSV: the first record of each input is a header and is skipped */
    char delimiter;   /* CSV: field delimiter, 0 means ',' */
} ReaderOptions;

/*
** Called once per bad record.  `location` is "name:line" (NUL-terminated),
** `record` the raw record text without its line terminator, `reason` the
** message.  All three are valid only during the call.  Return true to skip
** the record and go on, false to stop: reader_parse() then fails with the
** record's location and reason in err.
*/
typedef bool (*RejectFn)(void *ud, const char *location, Str record, const char *reason);

typedef struct RecordReader RecordReader;

/* Parse a format name ("csv", "json", case-insensitive); false when unknown. */
bool reader_format_from_name(const char *name, RecordFormat *out);

/*
** A reader producing chunks whose columns are schema columns proj[0..nproj)
** (nproj may be 0: rows are still parsed and validated, the chunk has no
** columns).  The schema is copied.  NULL with err set on a bad projection or
** delimiter.  Free with reader_free.
*/
RecordReader *reader_new(const Schema *schema, const int *proj, int nproj, const ReaderOptions *opt, Err *err);
void reader_free(RecordReader *r);

/* Route bad records to fn (NULL: every bad record stops reading with an error). */
void reader_set_reject(RecordReader *r, RejectFn fn, void *ud);
/* Cap the rows per chunk (1..WEIR_BATCH_SIZE; 0 restores WEIR_BATCH_SIZE), e.g. for record limits. */
void reader_set_limit(RecordReader *r, uint32_t max_rows);

/* Start a new input: `name` (copied) is used in locations, line numbers restart at 1, a header is expected again. */
void reader_begin_input(RecordReader *r, const char *name);

/* Empty the chunk (and the scratch arena holding its unescaped strings). */
void reader_reset(RecordReader *r);

/*
** Parse records from buf[0..len) and append them to the chunk until the
** chunk is full or the buffer holds no further complete record.  When `eof`
** is false the buffer may end inside a record: that record is left
** unconsumed and the caller passes its bytes again, followed by more input,
** in a later call.  When `eof` is true the buffer end also ends the last
** record.  Returns the number of bytes consumed, or -1 when a bad record
** stops reading (err set as described above).
*/
int64_t reader_parse(RecordReader *r, const char *buf, size_t len, bool eof, Err *err);

/* The chunk being filled: columns are the projection, no selection, no weights. */
Chunk *reader_chunk(RecordReader *r);
uint32_t reader_rows(const RecordReader *r);
bool reader_full(const RecordReader *r);
/* Line number where the next record of the current input starts (1-based). */
int64_t reader_line(const RecordReader *r);
/*
** Per row of the chunk (0 .. reader_rows()-1): the line where its record
** starts in the input it came from; valid until the next reader_reset().
*/
const int64_t *reader_row_lines(const RecordReader *r);
/* Name of the current input, as given to reader_begin_input() (owned by r). */
const char *reader_input_name(const RecordReader *r);
/* Records rejected so far (and skipped by the callback) over the reader's life. */
int64_t reader_rejects(const RecordReader *r);

#endif
