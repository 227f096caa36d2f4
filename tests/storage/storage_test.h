/*
** Helpers shared by the storage unit tests: schemas, rendering chunks as
** text ("v1|v2\n" per row, TEXT quoted as 'x', NULL as NULL) so expectations
** read like the data, feeding a record reader in pieces of any size (the way
** file and stream sources do), and temporary files.
*/
#ifndef WEIR_STORAGE_TEST_H
#define WEIR_STORAGE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../common/arena.h"
#include "../../common/err.h"
#include "../../common/types.h"
#include "../../common/vector.h"
#include "../../storage/reader.h"
#include "../../storage/relation.h"

/* A growable string. */
typedef struct Buf {
    char *p;
    size_t n, cap;
} Buf;

static inline void buf_add(Buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}
static inline void buf_puts(Buf *b, const char *s) { buf_add(b, s, strlen(s)); }
static inline const char *buf_str(Buf *b) { return b->p ? b->p : ""; }

/* Append the active rows of c, one line per row. */
static inline void render_chunk(Buf *b, const Chunk *c) {
    Arena a;
    arena_init(&a, 0);
    for (uint32_t k = 0; k < chunk_active(c); k++) {
        uint32_t r = chunk_row(c, k);
        for (int j = 0; j < c->ncols; j++) {
            Value v;
            vec_get(&c->cols[j], r, &v);
            if (j) buf_puts(b, "|");
            if (!v.null && v.type == TYPE_TEXT) buf_puts(b, "'");
            buf_puts(b, value_to_text(&a, &v));
            if (!v.null && v.type == TYPE_TEXT) buf_puts(b, "'");
        }
        if (c->ncols == 0) buf_puts(b, "()");
        buf_puts(b, "\n");
    }
    arena_free(&a);
}

/* Every row of a relation scan with projection proj; returns the scan's status (0 ok, -1 error). */
static inline int scan_all(Relation *rel, const int *proj, int nproj, Buf *out, Err *err, int *nchunks) {
    Scanner *s = relation_open(rel, proj, nproj, err);
    if (!s) return -1;
    Chunk *c;
    int rc;
    if (nchunks) *nchunks = 0;
    while ((rc = scanner_next(s, &c, err)) == 1) {
        if (nchunks) (*nchunks)++;
        assert_true(chunk_active(c) <= WEIR_BATCH_SIZE);
        assert_int_equal(c->ncols, nproj);
        render_chunk(out, c);
    }
    scanner_close(s);
    return rc;
}

/* Rejects collected by the test callback. */
typedef struct Rejects {
    int n;
    bool stop;        /* callback answer: false = continue */
    Buf log;          /* "location|record|reason\n" per reject */
} Rejects;

static inline bool collect_reject(void *ud, const char *location, Str record, const char *reason) {
    Rejects *rj = ud;
    rj->n++;
    buf_puts(&rj->log, location);
    buf_puts(&rj->log, "|");
    buf_add(&rj->log, record.ptr, record.len);
    buf_puts(&rj->log, "|");
    buf_puts(&rj->log, reason);
    buf_puts(&rj->log, "\n");
    return !rj->stop;
}

/*
** Feed text[0..len) to a fresh reader in pieces of `piece` bytes (0: all at
** once), keeping the unconsumed tail like a block reader does, and render
** every row.  rj NULL: no callback (errors stop).  Returns 0, or -1 with err.
*/
static inline int feed(const Schema *sch, const int *proj, int nproj, const ReaderOptions *opt, const char *text,
                       size_t len, size_t piece, Rejects *rj, uint32_t limit, Buf *out, Err *err) {
    RecordReader *r = reader_new(sch, proj, nproj, opt, err);
    if (!r) return -1;
    if (rj) reader_set_reject(r, collect_reject, rj);
    reader_set_limit(r, limit);
    reader_begin_input(r, "t.in");
    if (piece == 0) piece = len ? len : 1;
    char *acc = xmalloc(len + 1);
    size_t alen = 0, pos = 0, fed = 0;
    bool eof = len == 0;
    int rc = 0;
    for (;;) {
        reader_reset(r);
        int64_t n = reader_parse(r, acc + pos, alen - pos, eof, err);
        if (n < 0) {
            rc = -1;
            break;
        }
        pos += (size_t)n;
        if (reader_rows(r)) {
            assert_true(reader_rows(r) <= (limit ? limit : WEIR_BATCH_SIZE));
            render_chunk(out, reader_chunk(r));
        }
        if (reader_full(r)) continue;
        if (eof) {
            assert_int_equal(pos, alen); /* at eof everything is consumed */
            break;
        }
        memmove(acc, acc + pos, alen - pos);
        alen -= pos;
        pos = 0;
        size_t take = len - fed < piece ? len - fed : piece;
        memcpy(acc + alen, text + fed, take);
        alen += take;
        fed += take;
        eof = fed == len;
    }
    free(acc);
    reader_free(r);
    return rc;
}

static inline Schema make_schema(Column *cols, int n) {
    Schema s = {n, cols};
    return s;
}

/* A fresh temporary directory (malloc'ed path). */
static inline char *temp_dir(void) {
    char *d = xstrdup("/tmp/weir-storage-test-XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static inline void write_file(const char *dir, const char *name, const char *text) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(text, 1, strlen(text), f);
    fclose(f);
}

static inline void remove_tree(const char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

#endif
