/*
** Helpers shared by the connector unit tests: building a ConnConfig from
** "key=value" strings, rendering chunks as text ("v1|v2\n" per row, TEXT
** quoted as 'x', NULL as NULL), draining a source's micro-batches, a
** RejectSink that records what it is given, and temporary directories.
*/
#ifndef WEIR_CONN_TEST_H
#define WEIR_CONN_TEST_H

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
#include "../../connectors/connector.h"

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
static inline const char *buf_str(const Buf *b) { return b->p ? b->p : ""; }
static inline void buf_clear(Buf *b) {
    b->n = 0;
    if (b->p) b->p[0] = 0;
}
static inline void buf_free(Buf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

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

/* A ConnConfig over "key=value" strings (NULL-terminated list), in arena a. */
static inline ConnConfig make_cfg(Arena *a, const char *name, Column *cols, int ncols, const char *const *kv) {
    int n = 0;
    while (kv && kv[n]) n++;
    ConnOption *opts = ARENA_ARRAY(a, ConnOption, n ? n : 1);
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(kv[i], '=');
        assert_non_null(eq);
        opts[i].key = arena_strndup(a, kv[i], (size_t)(eq - kv[i]));
        opts[i].value = arena_strdup(a, eq + 1);
    }
    ConnConfig c = {name, opts, n, {ncols, cols}, 0};
    return c;
}

/* Rejects recorded by the test RejectSink: "source|location|record|reason\n" each. */
typedef struct Rejects {
    int n;
    int answer; /* what reject() returns: 0 skip, -1 stop */
    Buf log;
} Rejects;

static inline int record_reject(void *ud, const char *source, const char *location, Str record, const char *reason) {
    Rejects *rj = ud;
    rj->n++;
    buf_puts(&rj->log, source);
    buf_puts(&rj->log, "|");
    buf_puts(&rj->log, location);
    buf_puts(&rj->log, "|");
    buf_add(&rj->log, record.ptr, record.len);
    buf_puts(&rj->log, "|");
    buf_puts(&rj->log, reason);
    buf_puts(&rj->log, "\n");
    return rj->answer;
}

static inline RejectSink reject_sink(Rejects *rj) {
    RejectSink s = {record_reject, rj};
    return s;
}

/*
** One micro-batch: plan_batch, then every chunk rendered into out.  Returns
** plan_batch's answer (1 data, 0 nothing) or -1 on any error (err set).
** Checks the chunk shape on the way.
*/
static inline int run_batch(Source *s, int ncols, Buf *out, Err *err) {
    int rc = source_plan_batch(s, err);
    if (rc <= 0) return rc;
    Chunk *c;
    int n;
    while ((n = source_next(s, &c, err)) == 1) {
        assert_int_equal(c->ncols, ncols);
        assert_true(chunk_active(c) > 0);
        assert_true(chunk_active(c) <= WEIR_BATCH_SIZE);
        render_chunk(out, c);
    }
    return n < 0 ? -1 : 1;
}

/* A fresh temporary directory (malloc'ed path). */
static inline char *temp_dir(void) {
    char *d = xstrdup("/tmp/weir-conn-test-XXXXXX");
    assert_non_null(mkdtemp(d));
    return d;
}

static inline void write_file(const char *dir, const char *name, const char *text) {
    char path[512], tmp[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s", dir, name);
    FILE *f = fopen(tmp, "wb");
    assert_non_null(f);
    fwrite(text, 1, strlen(text), f);
    fclose(f);
    assert_int_equal(rename(tmp, path), 0);
}

/* The whole content of a file (malloc'ed), NULL when it cannot be read. */
static inline char *read_whole(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    Buf b = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) buf_add(&b, tmp, n);
    fclose(f);
    if (!b.p) buf_puts(&b, "");
    return b.p;
}

static inline void remove_tree(const char *dir) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

#endif
