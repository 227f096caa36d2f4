/*
** The fuzz harness shared by tests/fuzz/fuzz_csv.c and fuzz_json.c.
**
** Input layout: byte 0 and 1 choose the options (header, delimiter, chunk
** row limit, projection mask, buffer piece size); the rest is the file.
** The file is parsed twice with a fixed schema of every source type:
**   A: the whole buffer at once (eof), bad records skipped by a callback;
**   B: fed in pieces the way block readers do (carrying the unconsumed tail),
**      each parse call on an exactly sized copy so ASan sees any over-read;
** and once more without a callback (C), which must stop at the first bad
** record that A reported.  A and B must produce the same rows and rejects:
** the fuzzer finds crashes and also disagreements at buffer boundaries
** (abort()).
**
** FUZZ_FORMAT must be defined by the includer.  Without WEIR_LIBFUZZER a
** main() replays every file of the directories (or files) given, for the
** corpus tests.
*/
#ifndef WEIR_FUZZ_HARNESS_H
#define WEIR_FUZZ_HARNESS_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../common/arena.h"
#include "../../common/err.h"
#include "../../common/types.h"
#include "../../common/vector.h"
#include "../../storage/reader.h"

typedef struct FuzzBuf {
    char *p;
    size_t n, cap;
} FuzzBuf;

/* Rows and rejects apart: rows are rendered per chunk, rejects as they happen. */
typedef struct FuzzOut {
    FuzzBuf rows, rej;
    int64_t rejects;
    char first[256];   /* location of the first reject */
} FuzzOut;

static void fz_add(FuzzBuf *o, const char *s, size_t n) {
    if (o->n + n + 1 > o->cap) {
        o->cap = (o->n + n + 1) * 2;
        o->p = xrealloc(o->p, o->cap);
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
    o->p[o->n] = 0;
}

static bool fz_equal(const FuzzBuf *a, const FuzzBuf *b) {
    return a->n == b->n && (a->n == 0 || memcmp(a->p, b->p, a->n) == 0);
}

static bool fz_reject(void *ud, const char *location, Str record, const char *reason) {
    FuzzOut *o = ud;
    if (o->rejects++ == 0) snprintf(o->first, sizeof o->first, "%s", location);
    fz_add(&o->rej, location, strlen(location));
    fz_add(&o->rej, " ", 1);
    fz_add(&o->rej, record.ptr, record.len);
    fz_add(&o->rej, " ", 1);
    fz_add(&o->rej, reason, strlen(reason));
    fz_add(&o->rej, "\n", 1);
    return true;
}

static void fz_render(FuzzOut *o, RecordReader *r) {
    Chunk *c = reader_chunk(r);
    Arena a;
    arena_init(&a, 0);
    for (uint32_t k = 0; k < c->count; k++) {
        for (int j = 0; j < c->ncols; j++) {
            Value v;
            vec_get(&c->cols[j], k, &v);
            char *t = value_to_text(&a, &v);
            fz_add(&o->rows, j ? "|" : "", j ? 1 : 0);
            fz_add(&o->rows, t, strlen(t));
        }
        fz_add(&o->rows, "\n", 1);
    }
    arena_free(&a);
}

static Column fz_cols[] = {{"i", TYPE_BIGINT}, {"d", TYPE_DOUBLE}, {"b", TYPE_BOOL},
                           {"t", TYPE_TEXT},   {"ts", TYPE_TIMESTAMP}, {"iv", TYPE_INTERVAL}};

/* Parse data in pieces of `piece` bytes (0 = all at once). Returns the reader_parse status. */
static int fz_run(const ReaderOptions *opt, const int *proj, int nproj, uint32_t limit, const uint8_t *data,
                  size_t size, size_t piece, bool callback, FuzzOut *o, Err *err) {
    Schema sch = {6, fz_cols};
    RecordReader *r = reader_new(&sch, proj, nproj, opt, err);
    if (!r) abort(); /* the options are always valid */
    if (callback) reader_set_reject(r, fz_reject, o);
    reader_set_limit(r, limit);
    reader_begin_input(r, "fuzz");
    if (piece == 0) piece = size ? size : 1;
    char *acc = xmalloc(size + 1);
    size_t alen = 0, fed = 0;
    bool eof = size == 0;
    int rc = 0;
    for (;;) {
        reader_reset(r);
        char *win = xmalloc(alen ? alen : 1); /* exactly sized: over-reads are caught */
        memcpy(win, acc, alen);
        int64_t n = reader_parse(r, win, alen, eof, err);
        if (n < 0) {
            free(win);
            rc = -1;
            break;
        }
        if ((size_t)n > alen) abort();
        if (reader_rows(r) > (limit ? limit : WEIR_BATCH_SIZE)) abort();
        fz_render(o, r);
        free(win);
        memmove(acc, acc + n, alen - (size_t)n);
        alen -= (size_t)n;
        if (reader_full(r)) continue;
        if (eof) {
            if (alen) abort(); /* everything is consumed at eof */
            break;
        }
        size_t take = size - fed < piece ? size - fed : piece;
        memcpy(acc + alen, data + fed, take);
        alen += take;
        fed += take;
        eof = fed == size;
    }
    if (callback && reader_rejects(r) != o->rejects) abort();
    free(acc);
    reader_free(r);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    static const char delims[] = {',', ';', '\t', '|'};
    static const uint32_t limits[] = {0, 1, 2, 5};
    static const size_t pieces[] = {1, 2, 3, 5, 8, 17, 64, 1000};
    uint8_t c0 = data[0], c1 = data[1];
    data += 2;
    size -= 2;
    ReaderOptions opt = {FUZZ_FORMAT, c0 & 1, delims[(c0 >> 1) & 3]};
    uint32_t limit = limits[(c0 >> 3) & 3];
    size_t piece = pieces[(c0 >> 5) & 7];
    int proj[12], nproj = 0;
    for (int j = 0; j < 6; j++)
        if (c1 & (1u << j)) proj[nproj++] = j;
    if (c1 & 0x40) proj[nproj++] = 3;             /* a repeated column */
    if (c1 & 0x80) proj[nproj++] = c1 % 6;

    FuzzOut a = {0}, b = {0}, c = {0};
    Err ea, eb, ec;
    err_clear(&ea);
    err_clear(&eb);
    err_clear(&ec);
    if (fz_run(&opt, proj, nproj, limit, data, size, 0, true, &a, &ea) != 0) abort();
    if (fz_run(&opt, proj, nproj, limit, data, size, piece, true, &b, &eb) != 0) abort();
    if (!fz_equal(&a.rows, &b.rows) || !fz_equal(&a.rej, &b.rej)) {
        fprintf(stderr, "whole:\n%s%s\npieces of %zu:\n%s%s\n", a.rows.p ? a.rows.p : "", a.rej.p ? a.rej.p : "",
                piece, b.rows.p ? b.rows.p : "", b.rej.p ? b.rej.p : "");
        abort();
    }
    /* without a callback: fails exactly when A rejected something, at A's first reject */
    int rc = fz_run(&opt, proj, nproj, limit, data, size, piece, false, &c, &ec);
    if ((rc != 0) != (a.rejects > 0)) abort();
    if (rc != 0 && (!ec.set || strcmp(a.first, ec.location) != 0)) abort();
    FuzzOut *outs[] = {&a, &b, &c};
    for (int i = 0; i < 3; i++) {
        free(outs[i]->rows.p);
        free(outs[i]->rej.p);
    }
    return 0;
}

#ifndef WEIR_LIBFUZZER
static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = xmalloc(n > 0 ? (size_t)n : 1);
    size_t got = fread(buf, 1, n > 0 ? (size_t)n : 0, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, got);
    free(buf);
    return 0;
}

static int cmp_str(const void *x, const void *y) { return strcmp(*(char *const *)x, *(char *const *)y); }

/* Replay every regular file of each directory argument (or the file itself), in name order. */
int main(int argc, char **argv) {
    int files = 0, bad = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "cannot stat %s\n", argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            bad += replay_file(argv[i]);
            files++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (!d) return 1;
        char **names = NULL;
        int n = 0, cap = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.') continue;
            if (n == cap) names = xrealloc(names, sizeof *names * (size_t)(cap = cap ? 2 * cap : 64));
            size_t len = strlen(argv[i]) + strlen(de->d_name) + 2;
            names[n] = xmalloc(len);
            snprintf(names[n++], len, "%s/%s", argv[i], de->d_name);
        }
        closedir(d);
        if (n) qsort(names, (size_t)n, sizeof *names, cmp_str);
        for (int k = 0; k < n; k++) {
            if (stat(names[k], &st) == 0 && S_ISREG(st.st_mode)) {
                bad += replay_file(names[k]);
                files++;
            }
            free(names[k]);
        }
        free(names);
    }
    printf("replayed %d inputs\n", files);
    return bad || files == 0 ? 1 : 0;
}
#endif

#endif
