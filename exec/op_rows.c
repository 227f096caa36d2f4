/*
** Hashing, comparison and row storage shared by the stateful operators.
**
** Every operator that matches or orders values (aggregate, join, sort,
** session window) uses the same notion of equality and order, defined here
** once: grouping equality treats NULL as a value equal to itself, -0.0 as
** 0.0 and NaN as equal to NaN (PostgreSQL does the same for GROUP BY and for
** float `=`); ordering puts NaN above every number and compares text
** bytewise.  Hashes agree with that equality.
**
** RowStore keeps rows column by column in arrays that grow by doubling
** (xrealloc), so a join's build side or a sort buffer is a few flat arrays
** that gather kernels read by row id.
*/
#include <math.h>
#include <string.h>
#include <xxhash.h>

#include "operator.h"

/* ------------------------------------------------------------------ hashing */

static inline uint64_t hash_f64(double d) {
    if (d == 0) d = 0;                 /* -0.0 hashes like 0.0 */
    if (isnan(d)) return 0x7ff8000000000000ULL * 0x9E3779B97F4A7C15ULL;
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return hash_mix64(u);
}

static inline uint64_t hash_str(Str s) { return XXH3_64bits(s.ptr, s.len); }

uint64_t hash_value_ptr(Type t, const void *p) {
    switch (t) {
    case TYPE_BOOL: return hash_mix64(*(const uint8_t *)p);
    case TYPE_DOUBLE: return hash_f64(*(const double *)p);
    case TYPE_TEXT: return hash_str(*(const Str *)p);
    case TYPE_NULL: return HASH_NULL;
    default: return hash_mix64((uint64_t) * (const int64_t *)p);
    }
}

/*
** Vectorized hash of the active rows of v into h (dense over the selection).
** One switch per vector, then a loop per type; NULL rows get HASH_NULL.
*/
void hash_vec(const Vec *v, const uint32_t *sel, uint32_t n, uint64_t *h, bool combine) {
    if (v->type == TYPE_NULL) {
        for (uint32_t k = 0; k < n; k++) h[k] = combine ? hash_combine(h[k], HASH_NULL) : HASH_NULL;
        return;
    }
    /* the common case -- no selection, no NULLs -- gets loops without those tests */
#define HASH_LOOP(EXPR)                                                        \
    if (!sel && !v->nulls) {                                                   \
        if (combine)                                                           \
            for (uint32_t i = 0; i < n; i++) h[i] = hash_combine(h[i], (EXPR)); \
        else                                                                   \
            for (uint32_t i = 0; i < n; i++) h[i] = (EXPR);                    \
    } else {                                                                   \
        for (uint32_t k = 0; k < n; k++) {                                     \
            uint32_t i = sel ? sel[k] : k;                                     \
            uint64_t x = (v->nulls && v->nulls[i]) ? HASH_NULL : (EXPR);       \
            h[k] = combine ? hash_combine(h[k], x) : x;                        \
        }                                                                      \
    }
    switch (v->type) {
    case TYPE_BOOL: { const uint8_t *d = VEC_BOOL(v); HASH_LOOP(hash_mix64(d[i])); break; }
    case TYPE_DOUBLE: { const double *d = VEC_F64(v); HASH_LOOP(hash_f64(d[i])); break; }
    case TYPE_TEXT: { const Str *d = VEC_STR(v); HASH_LOOP(hash_str(d[i])); break; }
    default: { const int64_t *d = VEC_I64(v); HASH_LOOP(hash_mix64((uint64_t)d[i])); break; }
    }
#undef HASH_LOOP
}

int value_cmp_ptr(Type t, const void *a, const void *b) {
    switch (t) {
    case TYPE_BOOL: {
        uint8_t x = *(const uint8_t *)a, y = *(const uint8_t *)b;
        return (x > y) - (x < y);
    }
    case TYPE_DOUBLE: {
        double x = *(const double *)a, y = *(const double *)b;
        bool nx = isnan(x), ny = isnan(y);
        if (nx || ny) return (int)nx - (int)ny;
        return (x > y) - (x < y);
    }
    case TYPE_TEXT: {
        int c = str_cmp(*(const Str *)a, *(const Str *)b);
        return (c > 0) - (c < 0);
    }
    case TYPE_NULL: return 0;
    default: {
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return (x > y) - (x < y);
    }
    }
}

/* ------------------------------------------------------------------ vectors */

void vec_gather(const Vec *src, const uint32_t *rows, uint32_t n, Vec *out, Arena *a) {
    Type t = src->type;
    vec_alloc(out, t, n, a);
    if (t == TYPE_NULL) {
        out->nulls = arena_alloc(a, n ? n : 1);
        memset(out->nulls, 1, n ? n : 1);
        return;
    }
    switch (type_width(t)) {
    case 1: {
        uint8_t *d = out->data;
        const uint8_t *s = src->data;
        for (uint32_t k = 0; k < n; k++) d[k] = s[rows[k]];
        break;
    }
    case 8: {
        int64_t *d = out->data;
        const int64_t *s = src->data;
        for (uint32_t k = 0; k < n; k++) d[k] = s[rows[k]];
        break;
    }
    default: {
        Str *d = out->data;
        const Str *s = src->data;
        for (uint32_t k = 0; k < n; k++) d[k] = s[rows[k]];
        break;
    }
    }
    if (src->nulls) {
        bool any = false;
        uint8_t *nm = arena_alloc(a, n ? n : 1);
        for (uint32_t k = 0; k < n; k++) any |= (nm[k] = src->nulls[rows[k]] != 0);
        out->nulls = any ? nm : NULL;
    }
}

void vec_all_null(Vec *out, Type t, uint32_t n, Arena *a) {
    vec_alloc(out, t, n, a);
    memset(out->data, 0, type_width(t) * (n ? n : 1));
    out->nulls = arena_alloc(a, n ? n : 1);
    memset(out->nulls, 1, n ? n : 1);
}

/* ---------------------------------------------------------------- row store */

void rows_init(RowStore *s, int ncols, const Type *types, bool keep_weights, Arena *strings) {
    memset(s, 0, sizeof *s);
    s->ncols = ncols;
    s->types = xcalloc((size_t)(ncols > 0 ? ncols : 1), sizeof(Type));
    if (ncols > 0) memcpy(s->types, types, sizeof(Type) * (size_t)ncols);
    s->data = xcalloc((size_t)(ncols > 0 ? ncols : 1), sizeof(char *));
    s->nulls = xcalloc((size_t)(ncols > 0 ? ncols : 1), sizeof(uint8_t *));
    s->keep_weights = keep_weights;
    s->strings = strings;
}

void rows_free(RowStore *s) {
    if (!s->types) return;
    for (int c = 0; c < s->ncols; c++) {
        free(s->data[c]);
        free(s->nulls[c]);
    }
    free(s->data);
    free(s->nulls);
    free(s->types);
    free(s->weights);
    memset(s, 0, sizeof *s);
}

void rows_clear(RowStore *s) {
    s->n = 0;
    for (int c = 0; c < s->ncols; c++) {
        free(s->nulls[c]);
        s->nulls[c] = NULL;
    }
}

void rows_reserve(RowStore *s, uint32_t extra) {
    if ((uint64_t)s->n + extra <= s->cap) return;
    uint64_t cap = s->cap ? s->cap : 64;
    while (cap < (uint64_t)s->n + extra) cap *= 2;
    if (cap > UINT32_MAX) weir_oom();   /* row ids are 32-bit */
    for (int c = 0; c < s->ncols; c++) {
        s->data[c] = xrealloc(s->data[c], cap * type_width(s->types[c]));
        if (s->nulls[c]) {
            s->nulls[c] = xrealloc(s->nulls[c], cap);
            memset(s->nulls[c] + s->cap, 0, cap - s->cap);
        }
    }
    if (s->keep_weights) s->weights = xrealloc(s->weights, cap * sizeof(int64_t));
    s->cap = (uint32_t)cap;
}

/* The null mask of column c, created (all zero up to cap) on first use. */
static uint8_t *col_nulls(RowStore *s, int c) {
    if (!s->nulls[c]) s->nulls[c] = xcalloc(s->cap ? s->cap : 1, 1);
    return s->nulls[c];
}

/* Store row i of v as row r of column c (strings copied into s->strings). */
static inline void store_value(RowStore *s, int c, uint32_t r, const Vec *v, uint32_t i) {
    Type t = s->types[c];
    if (vec_null_at(v, i) || t == TYPE_NULL) {
        col_nulls(s, c)[r] = 1;
        memset(s->data[c] + (size_t)r * type_width(t), 0, type_width(t));
        return;
    }
    if (s->nulls[c]) s->nulls[c][r] = 0;
    switch (t) {
    case TYPE_BOOL: ((uint8_t *)s->data[c])[r] = VEC_BOOL(v)[i]; break;
    case TYPE_DOUBLE: ((double *)s->data[c])[r] = VEC_F64(v)[i]; break;
    case TYPE_TEXT: ((Str *)s->data[c])[r] = str_dup(s->strings, VEC_STR(v)[i]); break;
    default: ((int64_t *)s->data[c])[r] = VEC_I64(v)[i]; break;
    }
}

uint32_t rows_append_row(RowStore *s, const Vec *const *cols, uint32_t i, int64_t w) {
    rows_reserve(s, 1);
    uint32_t r = s->n++;
    for (int c = 0; c < s->ncols; c++) store_value(s, c, r, cols[c], i);
    if (s->keep_weights) s->weights[r] = w;
    return r;
}

void rows_set_row(RowStore *s, const Vec *const *cols, uint32_t i, uint32_t r, int64_t w) {
    if (r >= s->n) return;
    for (int c = 0; c < s->ncols; c++) store_value(s, c, r, cols[c], i);
    if (s->keep_weights) s->weights[r] = w;
}

/*
** Bulk append: column at a time, with a plain copy loop for fixed-width
** columns without NULLs (the common case for a join's build side).
*/
void rows_append(RowStore *s, const Vec *const *cols, const uint32_t *sel, uint32_t n,
                 const int64_t *weights) {
    rows_reserve(s, n);
    uint32_t base = s->n;
    for (int c = 0; c < s->ncols; c++) {
        const Vec *v = cols[c];
        Type t = s->types[c];
        if (t != TYPE_TEXT && t != TYPE_NULL && v->type == t && !v->nulls) {
            size_t w = type_width(t);
            char *dst = s->data[c] + (size_t)base * w;
            const char *src = v->data;
            if (!sel) {
                memcpy(dst, src, (size_t)n * w);
            } else if (w == 8) {
                for (uint32_t k = 0; k < n; k++) ((int64_t *)dst)[k] = ((const int64_t *)src)[sel[k]];
            } else {
                for (uint32_t k = 0; k < n; k++) dst[k] = src[sel[k]];
            }
            if (s->nulls[c]) memset(s->nulls[c] + base, 0, n);
            continue;
        }
        for (uint32_t k = 0; k < n; k++) store_value(s, c, base + k, v, sel ? sel[k] : k);
    }
    if (s->keep_weights)
        for (uint32_t k = 0; k < n; k++) s->weights[base + k] = weights ? weights[sel ? sel[k] : k] : 1;
    s->n += n;
}

void rows_gather(const RowStore *s, int c, const uint32_t *rows, uint32_t n, Vec *out, Arena *a) {
    Vec src = {s->types[c], s->nulls[c], s->data[c]};
    vec_gather(&src, rows, n, out, a);
}

void rows_get(const RowStore *s, int c, uint32_t r, Value *out) {
    memset(out, 0, sizeof *out);
    out->type = s->types[c];
    if (rows_null(s, c, r)) {
        out->null = true;
        return;
    }
    switch (s->types[c]) {
    case TYPE_BOOL: out->u.b = ((const uint8_t *)s->data[c])[r]; break;
    case TYPE_DOUBLE: out->u.d = ((const double *)s->data[c])[r]; break;
    case TYPE_TEXT: out->u.s = ((const Str *)s->data[c])[r]; break;
    default: out->u.i = ((const int64_t *)s->data[c])[r]; break;
    }
}

/* ---------------------------------------------------------------- row set */

void rowset_init(RowSet *s, int ncols, const Type *types, Arena *strings) {
    memset(s, 0, sizeof *s);
    rows_init(&s->rows, ncols, types, true, strings);
    s->slots = xcalloc(64, sizeof(uint32_t));
    s->smask = 63;
}

void rowset_free(RowSet *s) {
    rows_free(&s->rows);
    free(s->rhash);
    free(s->pending);
    free(s->plist);
    free(s->slots);
    memset(s, 0, sizeof *s);
}

void rowset_hash(const RowSet *s, const Vec *const *cols, const uint32_t *sel, uint32_t n, uint64_t *h) {
    if (s->rows.ncols == 0) {
        memset(h, 0, sizeof(uint64_t) * n);
        return;
    }
    for (int c = 0; c < s->rows.ncols; c++) hash_vec(cols[c], sel, n, h, c > 0);
}

static void rowset_rehash(RowSet *s, uint32_t cap) {
    free(s->slots);
    s->slots = xcalloc(cap, sizeof(uint32_t));
    s->smask = cap - 1;
    for (uint32_t r = 0; r < s->rows.n; r++) {
        uint64_t pos = (s->rhash[r] * 0x9E3779B97F4A7C15ULL) >> 20 & s->smask;
        while (s->slots[pos]) pos = (pos + 1) & s->smask;
        s->slots[pos] = r + 1;
    }
}

static bool rowset_eq(const RowSet *s, uint32_t r, const Vec *const *cols, uint32_t i) {
    for (int c = 0; c < s->rows.ncols; c++)
        if (!rows_eq_vec(&s->rows, c, r, cols[c], i)) return false;
    return true;
}

void rowset_touch(RowSet *s, uint32_t r) {
    if (r >= s->pbase && r < s->rows.n) return;   /* new rows are reported anyway */
    if (s->pending[r]) return;
    s->pending[r] = 1;
    if (s->np == s->pcap) {
        s->pcap = s->pcap ? 2 * s->pcap : 64;
        s->plist = xrealloc(s->plist, sizeof(uint32_t) * s->pcap);
    }
    s->plist[s->np++] = r;
}

uint32_t rowset_add(RowSet *s, const Vec *const *cols, uint32_t i, uint64_t h, int64_t w, bool *created) {
    uint64_t pos = (h * 0x9E3779B97F4A7C15ULL) >> 20 & s->smask;
    for (;;) {
        uint32_t r1 = s->slots[pos];
        if (!r1) break;
        uint32_t r = r1 - 1;
        if (s->rhash[r] == h && rowset_eq(s, r, cols, i)) {
            s->rows.weights[r] += w;
            *created = false;
            rowset_touch(s, r);
            return r;
        }
        pos = (pos + 1) & s->smask;
    }
    uint32_t r = rows_append_row(&s->rows, cols, i, w);
    if (s->rows.n > s->acap) {
        uint32_t cap = s->rows.cap;
        s->rhash = xrealloc(s->rhash, sizeof(uint64_t) * cap);
        s->pending = xrealloc(s->pending, cap);
        memset(s->pending + s->acap, 0, cap - s->acap);
        s->acap = cap;
    }
    s->rhash[r] = h;
    s->pending[r] = 0;
    s->slots[pos] = r + 1;
    if ((uint64_t)s->rows.n * 2 > (uint64_t)s->smask + 1) rowset_rehash(s, 2 * (s->smask + 1));
    *created = true;
    return r;
}

void rowset_reported(RowSet *s) {
    for (uint32_t k = 0; k < s->np; k++) s->pending[s->plist[k]] = 0;
    s->np = 0;
    s->pbase = s->rows.n;
}
