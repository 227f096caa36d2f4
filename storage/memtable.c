/*
** In-memory tables: columnar, append-only.
**
** Each column is one contiguous array of physical values, grown by doubling,
** plus a null-byte array that exists only once a NULL has been appended to
** that column.  String bytes live in the table's own arena (`heap`), so a Str
** in a column stays valid for the table's life.
**
** Scanning costs nearly nothing: a scanner hands out chunks that are slices
** of WEIR_BATCH_SIZE rows pointing straight into the column arrays (no copy,
** no selection vector, no weights), with only the projected columns.  A
** scanner sees the rows present when it was opened, so `INSERT INTO t SELECT
** ... FROM t` reads a stable snapshot.  Because appends may move the arrays
** while a scanner's chunk is in use, arrays outgrown while scanners are open
** are retired (kept alive) and freed when the last scanner closes.
**
** Chunks handed out are read-only views of the table: consumers never write
** into input vectors (filters narrow the selection, expressions allocate).
*/
#include <stdlib.h>
#include <string.h>

#include "relation.h"

struct MemTable {
    Relation rel;        /* the relation view (schema, estimate); owned by the table */
    Arena meta;          /* schema copy */
    Arena heap;          /* bytes of TEXT values */
    int ncols;
    size_t *width;       /* per column: bytes per value */
    int64_t rows, cap;
    char **data;         /* per column: cap values */
    uint8_t **nulls;     /* per column: NULL until a NULL is appended, then cap bytes */
    int scanners;        /* open scanners */
    void **retired;      /* arrays outgrown while scanners were open */
    int nretired, retired_cap;
};

typedef struct MemScanner {
    Scanner base;
    MemTable *t;
    int64_t pos, end;    /* next row, and the row count when opened */
    int nproj;
    int *proj;
    Chunk chunk;
    Vec vecs[];          /* nproj */
} MemScanner;

static Scanner *mem_open(Relation *r, const int *proj, int nproj, Err *err);
static const RelationVT mem_relation_vt = {mem_open, NULL};

MemTable *memtable_new(const Schema *schema) {
    MemTable *t = xcalloc(1, sizeof *t);
    arena_init(&t->meta, 0);
    arena_init(&t->heap, 1 << 20);
    t->ncols = schema->ncols;
    t->rel.vt = &mem_relation_vt;
    t->rel.est_rows = 0;
    t->rel.schema.ncols = schema->ncols;
    t->rel.schema.cols = ARENA_ARRAY(&t->meta, Column, schema->ncols > 0 ? schema->ncols : 1);
    t->width = ARENA_ARRAY(&t->meta, size_t, schema->ncols > 0 ? schema->ncols : 1);
    for (int i = 0; i < schema->ncols; i++) {
        t->rel.schema.cols[i].name = arena_strdup(&t->meta, schema->cols[i].name ? schema->cols[i].name : "?");
        t->rel.schema.cols[i].type = schema->cols[i].type;
        t->width[i] = type_width(schema->cols[i].type);
    }
    t->data = xcalloc((size_t)(t->ncols > 0 ? t->ncols : 1), sizeof *t->data);
    t->nulls = xcalloc((size_t)(t->ncols > 0 ? t->ncols : 1), sizeof *t->nulls);
    return t;
}

static void free_retired(MemTable *t) {
    for (int i = 0; i < t->nretired; i++) free(t->retired[i]);
    t->nretired = 0;
}

void memtable_free(MemTable *t) {
    if (!t) return;
    for (int i = 0; i < t->ncols; i++) {
        free(t->data[i]);
        free(t->nulls[i]);
    }
    free(t->data);
    free(t->nulls);
    free_retired(t);
    free(t->retired);
    arena_free(&t->heap);
    arena_free(&t->meta);
    free(t);
}

/* Resize an array from `used` to `bytes` bytes, keeping the old one alive while scanners may point into it. */
static void *grow_array(MemTable *t, void *old, size_t used, size_t bytes) {
    if (!old || t->scanners == 0) return xrealloc(old, bytes);
    void *p = xmalloc(bytes);
    memcpy(p, old, used);
    if (t->nretired == t->retired_cap) {
        t->retired_cap = t->retired_cap ? 2 * t->retired_cap : 16;
        t->retired = xrealloc(t->retired, sizeof *t->retired * (size_t)t->retired_cap);
    }
    t->retired[t->nretired++] = old;
    return p;
}

static void reserve(MemTable *t, int64_t need) {
    if (need <= t->cap) return;
    int64_t cap = t->cap ? t->cap : 1024;
    while (cap < need) cap *= 2;
    for (int i = 0; i < t->ncols; i++) {
        t->data[i] = grow_array(t, t->data[i], t->width[i] * (size_t)t->rows, t->width[i] * (size_t)cap);
        if (t->nulls[i]) t->nulls[i] = grow_array(t, t->nulls[i], (size_t)t->rows, (size_t)cap);
    }
    t->cap = cap;
}

/* Null array of column i, created (all rows valid) on the first NULL. */
static uint8_t *col_nulls(MemTable *t, int i) {
    if (!t->nulls[i]) t->nulls[i] = xcalloc((size_t)(t->cap > 0 ? t->cap : 1), 1);
    return t->nulls[i];
}

/*
** Slow path for a vector whose type differs from the column's (the planner
** casts, so this is defensive): numbers convert between BIGINT, DOUBLE and
** BOOLEAN, the integer-based types take each other's integers, a TEXT column
** takes any value's text; anything else becomes NULL rather than misread
** memory.
*/
static void append_converted(MemTable *t, int i, const Vec *v, const Chunk *c, uint32_t n) {
    Type type = t->rel.schema.cols[i].type;
    char *dst = t->data[i] + t->width[i] * (size_t)t->rows;
    uint8_t *nb = col_nulls(t, i) + t->rows;
    for (uint32_t k = 0; k < n; k++) {
        Value val;
        vec_get(v, chunk_row(c, k), &val);
        bool ok = !val.null;
        int64_t iv = 0;
        double dv = 0;
        if (!ok) {
            /* NULL stays NULL */
        } else if (val.type == TYPE_BIGINT || val.type == TYPE_TIMESTAMP || val.type == TYPE_INTERVAL) {
            iv = val.u.i;
            dv = (double)val.u.i;
        } else if (val.type == TYPE_DOUBLE) {
            dv = val.u.d;
            ok = dv > -9.2e18 && dv < 9.2e18; /* false for NaN too */
            if (ok) iv = (int64_t)dv;
        } else if (val.type == TYPE_BOOL) {
            iv = val.u.b;
            dv = val.u.b;
        } else {
            ok = false;
        }
        nb[k] = !ok;
        switch (type) {
        case TYPE_DOUBLE: ((double *)dst)[k] = ok ? dv : 0; break;
        case TYPE_BOOL: ((uint8_t *)dst)[k] = ok && iv != 0; break;
        case TYPE_TEXT: {
            const char *txt = val.null ? "" : value_to_text(&t->heap, &val);
            ((Str *)dst)[k] = str_from(txt, strlen(txt));
            nb[k] = val.null;
            break;
        }
        default: ((int64_t *)dst)[k] = ok ? iv : 0; break;
        }
    }
}

/*
** Append the active rows of c.  Values are copied into the column arrays,
** string bytes into the table's heap; a NULL row gets a zeroed value slot so
** kernels that compute before masking see harmless data.  Columns of c beyond
** the schema are ignored, missing ones (and TYPE_NULL vectors) append NULLs.
*/
void memtable_append(MemTable *t, const Chunk *c) {
    uint32_t n = chunk_active(c);
    if (n == 0) return;
    reserve(t, t->rows + n);
    for (int i = 0; i < t->ncols; i++) {
        Type type = t->rel.schema.cols[i].type;
        size_t w = t->width[i];
        char *dst = t->data[i] + w * (size_t)t->rows;
        const Vec *v = i < c->ncols ? &c->cols[i] : NULL;
        if (!v || v->type == TYPE_NULL || type == TYPE_NULL || !v->data) {
            memset(col_nulls(t, i) + t->rows, 1, n);
            memset(dst, 0, w * n);
            if (type == TYPE_TEXT)
                for (uint32_t k = 0; k < n; k++) ((Str *)dst)[k] = str_from("", 0);
            continue;
        }
        if (v->type != type) {
            append_converted(t, i, v, c, n);
            continue;
        }
        if (type == TYPE_TEXT) {
            const Str *src = VEC_STR(v);
            Str *d = (Str *)dst;
            for (uint32_t k = 0; k < n; k++) {
                uint32_t r = chunk_row(c, k);
                d[k] = vec_is_null(v, r) ? str_from("", 0) : str_dup(&t->heap, src[r]);
            }
        } else if (!c->sel) {
            memcpy(dst, v->data, w * n);
        } else if (w == 8) {
            const uint64_t *src = v->data;
            uint64_t *d = (uint64_t *)dst;
            for (uint32_t k = 0; k < n; k++) d[k] = src[c->sel[k]];
        } else {
            for (uint32_t k = 0; k < n; k++) memcpy(dst + w * k, (const char *)v->data + w * c->sel[k], w);
        }
        /* NULL marks: only columns that ever held a NULL carry a null array */
        bool any = false;
        if (v->nulls)
            for (uint32_t k = 0; k < n && !any; k++) any = v->nulls[chunk_row(c, k)] != 0;
        if (any) {
            uint8_t *nb = col_nulls(t, i) + t->rows;
            for (uint32_t k = 0; k < n; k++) {
                nb[k] = v->nulls[chunk_row(c, k)] != 0;
                if (nb[k] && type != TYPE_TEXT) memset(dst + w * k, 0, w);
            }
        } else if (t->nulls[i]) {
            memset(t->nulls[i] + t->rows, 0, n);
        }
    }
    t->rows += n;
    t->rel.est_rows = t->rows;
}

int64_t memtable_rows(const MemTable *t) { return t->rows; }

Relation *memtable_relation(MemTable *t) { return &t->rel; }

/* ------------------------------------------------------------ scanning */

static int mem_next(Scanner *s, Chunk **out, Err *err) {
    (void)err;
    MemScanner *ms = (MemScanner *)s;
    MemTable *t = ms->t;
    if (ms->pos >= ms->end) return 0;
    int64_t left = ms->end - ms->pos;
    uint32_t n = left < WEIR_BATCH_SIZE ? (uint32_t)left : WEIR_BATCH_SIZE;
    for (int j = 0; j < ms->nproj; j++) {
        int i = ms->proj[j];
        Vec *v = &ms->vecs[j];
        v->data = t->data[i] + t->width[i] * (size_t)ms->pos;
        v->nulls = t->nulls[i] ? t->nulls[i] + ms->pos : NULL;
    }
    ms->chunk.count = ms->chunk.nsel = n;
    ms->pos += n;
    *out = &ms->chunk;
    return 1;
}

static void mem_close(Scanner *s) {
    MemScanner *ms = (MemScanner *)s;
    if (--ms->t->scanners == 0) free_retired(ms->t);
    free(ms->proj);
    free(ms);
}

static const ScannerVT mem_scanner_vt = {mem_next, mem_close};

/* A scanner over the rows present now, producing columns proj[0..nproj). */
static Scanner *mem_open(Relation *r, const int *proj, int nproj, Err *err) {
    MemTable *t = (MemTable *)r;
    if (nproj < 0) nproj = 0;
    for (int j = 0; j < nproj; j++) {
        if (proj[j] < 0 || proj[j] >= t->ncols) {
            err_set(err, "column index %d out of range (the table has %d columns)", proj[j], t->ncols);
            return NULL;
        }
    }
    MemScanner *ms = xcalloc(1, sizeof *ms + sizeof(Vec) * (size_t)nproj);
    ms->base.vt = &mem_scanner_vt;
    ms->t = t;
    ms->end = t->rows;
    ms->nproj = nproj;
    ms->proj = xmalloc(sizeof(int) * (size_t)(nproj > 0 ? nproj : 1));
    for (int j = 0; j < nproj; j++) {
        ms->proj[j] = proj[j];
        ms->vecs[j].type = t->rel.schema.cols[proj[j]].type;
    }
    ms->chunk.ncols = nproj;
    ms->chunk.cols = ms->vecs;
    t->scanners++;
    return &ms->base;
}
