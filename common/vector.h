/*
** Vectors and chunks: the unit of data that flows between operators.
**
** A Vec is a typed array of `count` physical values plus an optional
** null mask (one byte per row, non-zero = NULL; NULL pointer = no NULLs).
** A Chunk is a set of Vecs of the same physical length, a selection vector
** naming the active rows (NULL = all rows 0..count-1) and a weight per row
** (NULL = every row is an insert, +1).  Weights make every chunk a
** *changelog batch*: +1 inserts a row, -1 retracts one.  A batch query is the
** special case of all-insert chunks; streaming pushes deltas through the same
** operators.
**
** Kernels see one shape: (count, sel, nsel) and read/write index sel[k]
** (or k when sel is NULL), so a filter never copies data: it narrows sel.
** Computed outputs are arrays of `count` physical rows; only selected slots
** are meaningful.
**
** Lifetime: a chunk handed to an operator's push() is valid only during that
** call.  An operator that keeps rows (aggregate, join, sort, result
** collector) copies what it keeps, including string bytes, into its own arena.
*/
#ifndef WEIR_VECTOR_H
#define WEIR_VECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "types.h"

#ifndef WEIR_BATCH_SIZE
#define WEIR_BATCH_SIZE 2048   /* rows per chunk; a power of two; meson -Dbatch_size=2 for tests */
#endif

typedef struct Vec {
    Type type;
    uint8_t *nulls;   /* NULL: no row is NULL; else nulls[i] != 0 means row i is NULL */
    void *data;       /* uint8_t[] BOOL, int64_t[] BIGINT/TIMESTAMP/INTERVAL, double[] DOUBLE, Str[] TEXT */
} Vec;

typedef struct Chunk {
    int ncols;
    uint32_t count;   /* physical rows in each vector */
    Vec *cols;        /* ncols vectors */
    uint32_t *sel;    /* active rows, NULL = all of 0..count-1 */
    uint32_t nsel;    /* number of active rows (== count when sel is NULL) */
    int64_t *weights; /* per physical row, NULL = all +1 */
} Chunk;

#define VEC_I64(v) ((int64_t *)(v)->data)
#define VEC_F64(v) ((double *)(v)->data)
#define VEC_BOOL(v) ((uint8_t *)(v)->data)
#define VEC_STR(v) ((Str *)(v)->data)

/* Row index of the k-th active row. */
static inline uint32_t chunk_row(const Chunk *c, uint32_t k) { return c->sel ? c->sel[k] : k; }
static inline uint32_t chunk_active(const Chunk *c) { return c->sel ? c->nsel : c->count; }
static inline bool vec_is_null(const Vec *v, uint32_t i) { return v->nulls && v->nulls[i]; }
static inline int64_t chunk_weight(const Chunk *c, uint32_t i) { return c->weights ? c->weights[i] : 1; }

/* Allocate a vector of `count` rows in arena `a` (data uninitialized, no null mask). */
void vec_alloc(Vec *v, Type t, uint32_t count, Arena *a);
/* Make sure v has a null mask (zeroed) of `count` rows. */
uint8_t *vec_nulls(Vec *v, uint32_t count, Arena *a);
/* Set v to a constant broadcast over `count` rows. */
void vec_fill_const(Vec *v, const Value *val, uint32_t count, Arena *a);
/* Read row i of v as a Value (strings point into the vector's storage). */
void vec_get(const Vec *v, uint32_t i, Value *out);
/* Write a value into row i (the string bytes are not copied). */
void vec_set(Vec *v, uint32_t i, const Value *val, uint32_t count, Arena *a);

/* Allocate an empty chunk shell of ncols vectors with `count` rows each, in arena a. */
Chunk *chunk_new(int ncols, Arena *a);
/* Copy the active rows of `src` into dense vectors in `a` (strings copied too). */
Chunk *chunk_compact(const Chunk *src, Arena *a);

#endif
