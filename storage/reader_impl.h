/*
** Internals shared by the record reader (reader.c) and its format parsers
** (csv.c, json.c): the reader state and the field conversions.  Not for use
** outside those files; everyone else goes through reader.h.
**
** Row protocol of a parser: for row `row` = rd->chunk.count it calls
** rd_put_* / rd_set_null for projected fields, then either rd_commit_row()
** (good record, with the line where it starts) or rd_rollback_row() (bad or incomplete record; the row slot
** is reused).  A failed conversion leaves the reason in rd->reason.
*/
#ifndef WEIR_READER_IMPL_H
#define WEIR_READER_IMPL_H

#include <stdio.h>
#include <string.h>

#include "reader.h"

struct RecordReader {
    Schema schema;         /* copy, names in `arena` */
    ReaderOptions opt;
    char delim;
    int nproj;
    int *proj;             /* schema column of each output column */
    int *outof;            /* per schema column: first output column producing it, or -1 */
    Chunk chunk;           /* cols = vecs; count = rows filled */
    Vec *vecs;
    uint8_t **nullbuf;     /* per output column, `WEIR_BATCH_SIZE` bytes kept zero outside filled rows */
    uint32_t cap;          /* rows per chunk */
    Arena arena;           /* reader lifetime: schema copy, vectors */
    Arena scratch;         /* chunk lifetime: unescaped strings */
    char *name;            /* current input, for locations (malloc'ed) */
    int64_t line;          /* line where the next record starts */
    int64_t *rowlines;     /* per chunk row: line where its record starts (WEIR_BATCH_SIZE) */
    bool header_pending;   /* CSV header not yet skipped in this input */
    bool bom_checked;      /* UTF-8 byte order mark handled for this input */
    RejectFn on_reject;
    void *ud;
    int64_t nrejects;
    uint64_t gen;          /* JSON: record generation, for `seen` */
    uint64_t *seen;        /* JSON: per output column, gen of the record that set it */
    uint32_t *namelen;     /* JSON: per output column, strlen of its column name (key matching) */
    char reason[256];      /* why the current record is bad */
};

int64_t csv_parse(RecordReader *r, const char *buf, size_t len, bool eof, Err *err);
int64_t json_parse(RecordReader *r, const char *buf, size_t len, bool eof, Err *err);

/*
** Report bad record `rec` (starting at line `line`) with r->reason.  Returns
** true when the parser goes on (the callback skipped it), false when reading
** stops (err set).
*/
bool rd_reject(RecordReader *r, int64_t line, const char *rec, size_t len, Err *err);

/*
** Convert text s[0..n) into output column j, row `row`.  TEXT keeps the
** pointer (the caller guarantees the bytes live long enough) and an empty
** text is ''; in other columns an empty text is NULL (parsers decide before
** calling whether an empty field means NULL for TEXT too, as an unquoted
** empty CSV field does).  Returns false with r->reason set when the text does
** not convert to the column type.
*/
bool rd_put_text(RecordReader *r, int j, uint32_t row, const char *s, size_t n);
/* Conversion-failure reason: bad TYPE value "text" in column "name". Returns false. */
bool rd_bad_value(RecordReader *r, int j, const char *s, size_t n);

static inline void rd_set_null(RecordReader *r, int j, uint32_t row) {
    Vec *v = &r->vecs[j];
    v->nulls = r->nullbuf[j];
    v->nulls[row] = 1;
    /* keep the slot deterministic: kernels may compute on NULL rows before masking */
    switch (v->type) {
    case TYPE_BOOL: VEC_BOOL(v)[row] = 0; break;
    case TYPE_DOUBLE: VEC_F64(v)[row] = 0; break;
    case TYPE_TEXT: VEC_STR(v)[row] = str_from("", 0); break;
    default: VEC_I64(v)[row] = 0; break;
    }
}

/* Undo a partly filled row: clear the NULL marks it set. */
static inline void rd_rollback_row(RecordReader *r, uint32_t row) {
    for (int j = 0; j < r->nproj; j++)
        if (r->vecs[j].nulls) r->vecs[j].nulls[row] = 0;
}

static inline void rd_commit_row(RecordReader *r, int64_t line) {
    r->rowlines[r->chunk.count] = line;
    r->chunk.count++;
    r->chunk.nsel = r->chunk.count;
}

/*
** Fast integer parse for the common case: optional '-', 1..18 digits (cannot
** overflow).  False means "not this shape": the caller falls back to the
** strict parse_int64 (spaces, '+', 19 digits, overflow).
*/
static inline bool rd_fast_i64(const char *s, size_t n, int64_t *out) {
    size_t i = 0;
    bool neg = false;
    if (n && s[0] == '-') {
        neg = true;
        i = 1;
    }
    if (n <= i || n > 18) return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        unsigned d = (unsigned)((unsigned char)s[i] - '0');
        if (d > 9) return false;
        v = v * 10 + d;
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return true;
}

#endif
