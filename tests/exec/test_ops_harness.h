/*
** Test harness for the operator tests (test_ops*.c): a fake in-memory
** Relation (so the tests do not depend on storage/), plan builders, and a
** sink that records every output row as text with its weight.
**
** The fake relation hands out chunks of `chunk_rows` rows (at most
** WEIR_BATCH_SIZE), so small tables already span several chunks.  The sink
** renders each row as "+1 a|b|c" (weight, then values as weir prints them);
** tests compare the sorted list, the list in order, or the consolidated
** changelog (weights summed per distinct row).
*/
#ifndef TEST_OPS_HARNESS_H
#define TEST_OPS_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../exec/operator.h"

/* ------------------------------------------------------------ values */

static inline Value vi(int64_t x) { Value v = {.type = TYPE_BIGINT}; v.u.i = x; return v; }
static inline Value vd(double x) { Value v = {.type = TYPE_DOUBLE}; v.u.d = x; return v; }
static inline Value vb(int x) { Value v = {.type = TYPE_BOOL}; v.u.b = (uint8_t)x; return v; }
static inline Value vs(const char *s) { Value v = {.type = TYPE_TEXT}; v.u.s = str_from(s, strlen(s)); return v; }
static inline Value vts(int64_t us) { Value v = {.type = TYPE_TIMESTAMP}; v.u.i = us; return v; }
static inline Value vnull(Type t) { Value v = {.type = t, .null = true}; return v; }
#define NI vnull(TYPE_BIGINT)
#define NS vnull(TYPE_TEXT)
#define ND vnull(TYPE_DOUBLE)
#define NTS vnull(TYPE_TIMESTAMP)

/* ------------------------------------------------------------ fake relation */

typedef struct FakeRel {
    Relation rel;
    int nrows;
    Value *rows;          /* nrows * ncols, row-major */
    uint32_t chunk_rows;  /* rows per chunk handed out */
    int opened;           /* scanners opened */
    int64_t chunks_read;  /* chunks handed out */
} FakeRel;

typedef struct FakeScan {
    Scanner s;
    FakeRel *r;
    int proj[16];
    int nproj;
    int pos;
    Arena a;
} FakeScan;

static inline int fake_next(Scanner *s, Chunk **out, Err *err) {
    (void)err;
    FakeScan *f = (FakeScan *)s;
    FakeRel *r = f->r;
    if (f->pos >= r->nrows) return 0;
    arena_reset(&f->a);
    uint32_t n = (uint32_t)(r->nrows - f->pos);
    if (n > r->chunk_rows) n = r->chunk_rows;
    if (n > WEIR_BATCH_SIZE) n = WEIR_BATCH_SIZE;
    Chunk *c = chunk_new(f->nproj, &f->a);
    c->count = c->nsel = n;
    for (int j = 0; j < f->nproj; j++) {
        int col = f->proj[j];
        vec_alloc(&c->cols[j], r->rel.schema.cols[col].type, n, &f->a);
        for (uint32_t k = 0; k < n; k++)
            vec_set(&c->cols[j], k, &r->rows[(size_t)(f->pos + (int)k) * (size_t)r->rel.schema.ncols + (size_t)col], n,
                    &f->a);
    }
    f->pos += (int)n;
    r->chunks_read++;
    *out = c;
    return 1;
}

static inline void fake_close(Scanner *s) {
    FakeScan *f = (FakeScan *)s;
    arena_free(&f->a);
    free(f);
}

static const ScannerVT fake_scan_vt = {fake_next, fake_close};

static inline Scanner *fake_open(Relation *rel, const int *proj, int nproj, Err *err) {
    (void)err;
    FakeScan *f = calloc(1, sizeof *f);
    f->s.vt = &fake_scan_vt;
    f->r = (FakeRel *)rel;
    f->nproj = nproj;
    for (int j = 0; j < nproj; j++) f->proj[j] = proj[j];
    arena_init(&f->a, 0);
    f->r->opened++;
    return &f->s;
}

static const RelationVT fake_rel_vt = {fake_open, NULL};

/* A relation with columns "name:TYPE"... over nrows rows of vals (row-major), in arena a. */
static inline FakeRel *fake_rel(Arena *a, int ncols, const char *const *names, const Type *types, int nrows,
                         const Value *vals, uint32_t chunk_rows) {
    FakeRel *r = ARENA_NEW(a, FakeRel);
    r->rel.vt = &fake_rel_vt;
    r->rel.schema.ncols = ncols;
    r->rel.schema.cols = ARENA_ARRAY(a, Column, ncols);
    for (int j = 0; j < ncols; j++) {
        r->rel.schema.cols[j].name = names[j];
        r->rel.schema.cols[j].type = types[j];
    }
    r->rel.est_rows = nrows;
    r->nrows = nrows;
    r->rows = ARENA_ARRAY(a, Value, (size_t)nrows * (size_t)ncols + 1);
    if (nrows) memcpy(r->rows, vals, sizeof(Value) * (size_t)nrows * (size_t)ncols);
    r->chunk_rows = chunk_rows ? chunk_rows : 3;
    return r;
}

/* ------------------------------------------------------------ plans */

static inline Schema schema_of(Arena *a, int n, const char *const *names, const Type *types) {
    Schema s = {n, ARENA_ARRAY(a, Column, n > 0 ? n : 1)};
    for (int j = 0; j < n; j++) {
        s.cols[j].name = names ? names[j] : arena_printf(a, "c%d", j);
        s.cols[j].type = types[j];
    }
    return s;
}

static inline Plan *mk_scan(Arena *a, FakeRel *r, int nproj, const int *proj, Expr *filter) {
    Plan *p = plan_new(a, PLAN_SCAN, NULL, NULL);
    p->u.scan.rel = &r->rel;
    p->u.scan.table = "fake";
    p->u.scan.nproj = nproj;
    p->u.scan.proj = ARENA_ARRAY(a, int, nproj > 0 ? nproj : 1);
    p->schema.ncols = nproj;
    p->schema.cols = ARENA_ARRAY(a, Column, nproj > 0 ? nproj : 1);
    for (int j = 0; j < nproj; j++) {
        p->u.scan.proj[j] = proj[j];
        p->schema.cols[j] = r->rel.schema.cols[proj[j]];
    }
    p->u.scan.filter = filter;
    return p;
}

/* Scan of every column of r. */
static inline Plan *mk_scan_all(Arena *a, FakeRel *r) {
    int proj[16];
    for (int j = 0; j < r->rel.schema.ncols; j++) proj[j] = j;
    return mk_scan(a, r, r->rel.schema.ncols, proj, NULL);
}

static inline Plan *mk_values(Arena *a, int ncols, const Type *types, int nrows, const Value *vals) {
    Plan *p = plan_new(a, PLAN_VALUES, NULL, NULL);
    p->schema = schema_of(a, ncols, NULL, types);
    p->u.values.nrows = nrows;
    p->u.values.rows = ARENA_ARRAY(a, Value, (size_t)nrows * (size_t)ncols + 1);
    if (nrows && ncols) memcpy(p->u.values.rows, vals, sizeof(Value) * (size_t)nrows * (size_t)ncols);
    return p;
}

static inline Plan *mk_series(Arena *a, int64_t start, int64_t stop, int64_t step) {
    Plan *p = plan_new(a, PLAN_SERIES, NULL, NULL);
    Type t = TYPE_BIGINT;
    const char *name = "generate_series";
    p->schema = schema_of(a, 1, &name, &t);
    p->u.series.start = start;
    p->u.series.stop = stop;
    p->u.series.step = step;
    return p;
}

static inline Expr *col(Arena *a, const Plan *in, int c) {
    return expr_column(a, c, in->schema.cols[c].type, in->schema.cols[c].name);
}

static inline Expr *cnst(Arena *a, Value v) { return expr_const(a, &v); }

/* A call of a function or operator by name, resolved through the function table. */
static inline Expr *call(Arena *a, const char *fn, int nargs, ...) {
    Expr *e = expr_new(a, EXPR_CALL, TYPE_NULL, nargs);
    Type argt[4];
    va_list ap;
    va_start(ap, nargs);
    for (int i = 0; i < nargs; i++) {
        e->args[i] = va_arg(ap, Expr *);
        argt[i] = e->args[i]->type;
    }
    va_end(ap);
    const FuncDef *def = NULL;
    Type casts[4];
    assert_int_equal(func_resolve(fn, nargs, argt, &def, casts), FUNC_OK);
    for (int i = 0; i < nargs; i++)
        assert_int_equal(casts[i], argt[i]);   /* tests pass exact types */
    e->fn = def;
    e->type = def->ret;
    e->name = fn;
    return e;
}

static inline Plan *mk_filter(Arena *a, Plan *in, Expr *pred) {
    Plan *p = plan_new(a, PLAN_FILTER, in, NULL);
    p->schema = in->schema;
    p->u.filter.pred = pred;
    return p;
}

static inline Plan *mk_project(Arena *a, Plan *in, int n, Expr **exprs) {
    Plan *p = plan_new(a, PLAN_PROJECT, in, NULL);
    Type types[16];
    for (int j = 0; j < n; j++) types[j] = exprs[j]->type;
    p->schema = schema_of(a, n, NULL, types);
    p->u.project.n = n;
    p->u.project.exprs = ARENA_ARRAY(a, Expr *, n > 0 ? n : 1);
    for (int j = 0; j < n; j++) p->u.project.exprs[j] = exprs[j];
    return p;
}

static inline AggSpec agg(AggKind kind, bool distinct, Expr *arg) {
    AggSpec s = {.kind = kind, .distinct = distinct, .arg = arg};
    switch (kind) {
    case AGG_COUNT_STAR: case AGG_COUNT: s.type = TYPE_BIGINT; s.name = "count"; break;
    case AGG_AVG: s.type = TYPE_DOUBLE; s.name = "avg"; break;
    default: s.type = arg->type; s.name = kind == AGG_SUM ? "sum" : kind == AGG_MIN ? "min" : "max"; break;
    }
    return s;
}

static inline Plan *mk_agg(Arena *a, Plan *in, int ngroups, Expr **groups, int naggs, const AggSpec *aggs) {
    Plan *p = plan_new(a, PLAN_AGGREGATE, in, NULL);
    Type types[16];
    for (int j = 0; j < ngroups; j++) types[j] = groups[j]->type;
    for (int j = 0; j < naggs; j++) types[ngroups + j] = aggs[j].type;
    p->schema = schema_of(a, ngroups + naggs, NULL, types);
    p->u.agg.ngroups = ngroups;
    p->u.agg.groups = ARENA_ARRAY(a, Expr *, ngroups > 0 ? ngroups : 1);
    for (int j = 0; j < ngroups; j++) p->u.agg.groups[j] = groups[j];
    p->u.agg.naggs = naggs;
    p->u.agg.aggs = ARENA_ARRAY(a, AggSpec, naggs > 0 ? naggs : 1);
    for (int j = 0; j < naggs; j++) p->u.agg.aggs[j] = aggs[j];
    return p;
}

static inline Plan *mk_join(Arena *a, PlanJoinKind kind, Plan *l, Plan *r, int nkeys, Expr **lk, Expr **rk,
                     Expr *residual) {
    Plan *p = plan_new(a, PLAN_JOIN, l, r);
    Type types[32];
    int n = l->schema.ncols + r->schema.ncols;
    for (int j = 0; j < l->schema.ncols; j++) types[j] = l->schema.cols[j].type;
    for (int j = 0; j < r->schema.ncols; j++) types[l->schema.ncols + j] = r->schema.cols[j].type;
    p->schema = schema_of(a, n, NULL, types);
    p->u.join.kind = kind;
    p->u.join.nkeys = nkeys;
    p->u.join.lkeys = ARENA_ARRAY(a, Expr *, nkeys > 0 ? nkeys : 1);
    p->u.join.rkeys = ARENA_ARRAY(a, Expr *, nkeys > 0 ? nkeys : 1);
    for (int j = 0; j < nkeys; j++) {
        p->u.join.lkeys[j] = lk[j];
        p->u.join.rkeys[j] = rk[j];
    }
    p->u.join.residual = residual;
    return p;
}

static inline Plan *mk_sort(Arena *a, Plan *in, int nkeys, const SortKey *keys) {
    Plan *p = plan_new(a, PLAN_SORT, in, NULL);
    p->schema = in->schema;
    p->u.sort.nkeys = nkeys;
    p->u.sort.keys = ARENA_ARRAY(a, SortKey, nkeys > 0 ? nkeys : 1);
    for (int j = 0; j < nkeys; j++) p->u.sort.keys[j] = keys[j];
    return p;
}

static inline Plan *mk_limit(Arena *a, Plan *in, int64_t limit, int64_t offset) {
    Plan *p = plan_new(a, PLAN_LIMIT, in, NULL);
    p->schema = in->schema;
    p->u.limit.limit = limit;
    p->u.limit.offset = offset;
    return p;
}

static inline Plan *mk_window(Arena *a, Plan *in, WindowKind kind, int time_col, int64_t size, int64_t slide,
                       int npart, const int *part) {
    Plan *p = plan_new(a, PLAN_WINDOW, in, NULL);
    Type types[16];
    int n = in->schema.ncols;
    for (int j = 0; j < n; j++) types[j] = in->schema.cols[j].type;
    types[n] = types[n + 1] = TYPE_TIMESTAMP;
    p->schema = schema_of(a, n + 2, NULL, types);
    p->u.window.kind = kind;
    p->u.window.time_col = time_col;
    p->u.window.size_us = size;
    p->u.window.slide_us = slide;
    p->u.window.npartition = npart;
    p->u.window.partition = ARENA_ARRAY(a, int, npart > 0 ? npart : 1);
    for (int j = 0; j < npart; j++) p->u.window.partition[j] = part[j];
    return p;
}

/* ------------------------------------------------------------ sink */

typedef struct Sink {
    char **rows;
    int n, cap;
    int chunks;
    Arena a;
} Sink;

static inline int sink_fn(void *ud, const Chunk *c) {
    Sink *s = ud;
    s->chunks++;
    assert_true(chunk_active(c) <= WEIR_BATCH_SIZE);
    for (uint32_t k = 0; k < chunk_active(c); k++) {
        uint32_t i = chunk_row(c, k);
        char buf[1024];
        int len = snprintf(buf, sizeof buf, "%+lld ", (long long)chunk_weight(c, i));
        for (int j = 0; j < c->ncols; j++) {
            Value v;
            vec_get(&c->cols[j], i, &v);
            len += snprintf(buf + len, sizeof buf - (size_t)len, "%s%s", j ? "|" : "", value_to_text(&s->a, &v));
        }
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 64;
            s->rows = realloc(s->rows, sizeof(char *) * (size_t)s->cap);
        }
        s->rows[s->n++] = arena_strdup(&s->a, buf);
    }
    return 0;
}

static inline void sink_init(Sink *s) {
    memset(s, 0, sizeof *s);
    arena_init(&s->a, 0);
}

static inline void sink_clear(Sink *s) { s->n = 0; }

static inline void sink_free(Sink *s) {
    free(s->rows);
    arena_free(&s->a);
}

static inline int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The rows in arrival order, one per line. */
static inline char *sink_text(Sink *s) {
    size_t len = 1;
    for (int i = 0; i < s->n; i++) len += strlen(s->rows[i]) + 1;
    char *out = arena_alloc(&s->a, len), *p = out;
    *p = 0;
    for (int i = 0; i < s->n; i++) p += sprintf(p, "%s\n", s->rows[i]);
    return out;
}

/* The rows sorted, one per line. */
static inline char *sink_sorted(Sink *s) {
    if (s->n > 1) qsort(s->rows, (size_t)s->n, sizeof(char *), cmp_str);
    return sink_text(s);
}

/* Sort the lines of a literal expectation the same way. */
static inline char *sorted_lines(Arena *a, const char *text) {
    char *copy = arena_strdup(a, text);
    char *lines[4096];
    int n = 0;
    for (char *line = strtok(copy, "\n"); line && n < 4096; line = strtok(NULL, "\n")) lines[n++] = line;
    qsort(lines, (size_t)n, sizeof(char *), cmp_str);
    size_t len = 1;
    for (int i = 0; i < n; i++) len += strlen(lines[i]) + 1;
    char *out = arena_alloc(a, len), *p = out;
    *p = 0;
    for (int i = 0; i < n; i++) p += sprintf(p, "%s\n", lines[i]);
    return out;
}

/* ------------------------------------------------------------ running */

typedef struct Run {
    Arena a;      /* plans, relations, expectations */
    Sink sink;
    Err err;
} Run;

static inline void run_init(Run *r) {
    arena_init(&r->a, 0);
    sink_init(&r->sink);
    err_clear(&r->err);
}

static inline void run_free(Run *r) {
    sink_free(&r->sink);
    arena_free(&r->a);
}

/* Run p as a batch query into r->sink; returns exec_run's result. */
static inline int run_batch(Run *r, const Plan *p) {
    ExecOptions opt = {0};
    Executor *x = exec_new(p, sink_fn, &r->sink, &opt, &r->err);
    if (!x) return -1;
    int rc = exec_run(x);
    exec_free(x);
    return rc;
}

/* Expect the batch output of p, sorted, to equal `expected` (lines in any order). */
#define EXPECT_ROWS(r, p, expected)                                            \
    do {                                                                       \
        sink_clear(&(r)->sink);                                                \
        int rc_ = run_batch((r), (p));                                         \
        if (rc_) fail_msg("exec failed: %s", (r)->err.msg);                    \
        assert_string_equal(sink_sorted(&(r)->sink), sorted_lines(&(r)->a, (expected))); \
    } while (0)

/* Expect the batch output of p in exactly this order. */
#define EXPECT_ORDERED(r, p, expected)                                         \
    do {                                                                       \
        sink_clear(&(r)->sink);                                                \
        int rc_ = run_batch((r), (p));                                         \
        if (rc_) fail_msg("exec failed: %s", (r)->err.msg);                    \
        assert_string_equal(sink_text(&(r)->sink), (expected));                \
    } while (0)

/* Expect the batch query to fail with this message. */
#define EXPECT_ERROR(r, p, message)                                            \
    do {                                                                       \
        sink_clear(&(r)->sink);                                                \
        err_clear(&(r)->err);                                                  \
        assert_int_equal(run_batch((r), (p)), -1);                             \
        assert_string_equal((r)->err.msg, (message));                          \
    } while (0)

/* A dense chunk of nrows rows of vals (row-major) with optional weights, in arena a. */
static inline Chunk *mk_chunk(Arena *a, int ncols, const Type *types, int nrows, const Value *vals, const int64_t *w) {
    Chunk *c = chunk_new(ncols, a);
    c->count = c->nsel = (uint32_t)nrows;
    for (int j = 0; j < ncols; j++) {
        vec_alloc(&c->cols[j], types[j], (uint32_t)nrows, a);
        for (int k = 0; k < nrows; k++)
            vec_set(&c->cols[j], (uint32_t)k, &vals[(size_t)k * (size_t)ncols + (size_t)j], (uint32_t)nrows, a);
    }
    if (w) c->weights = arena_memdup(a, w, sizeof(int64_t) * (size_t)nrows);
    return c;
}

/*
** Push a chunk into leaf `leaf` of a streaming executor in pieces of at
** most WEIR_BATCH_SIZE rows (what a real source would do).
*/
static inline void push_rows(Executor *x, Arena *a, int leaf, int ncols, const Type *types, int nrows, const Value *vals,
                      const int64_t *w) {
    for (int base = 0; base < nrows; base += WEIR_BATCH_SIZE) {
        int n = nrows - base < WEIR_BATCH_SIZE ? nrows - base : WEIR_BATCH_SIZE;
        Chunk *c = mk_chunk(a, ncols, types, n, vals + (size_t)base * (size_t)ncols, w ? w + base : NULL);
        if (exec_push_leaf(x, leaf, c)) fail_msg("push failed: %s", x->err->msg);
    }
}

#endif
