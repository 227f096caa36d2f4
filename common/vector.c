/*
** Vector and chunk helpers: allocation, constants, single-value access and
** compaction.  The hot paths (kernels, operators) access the arrays directly;
** these helpers serve the cold ones (results, constants, tests).
*/
#include "vector.h"

#include <string.h>

void vec_alloc(Vec *v, Type t, uint32_t count, Arena *a) {
    v->type = t;
    v->nulls = NULL;
    v->data = arena_alloc(a, type_width(t) * (count ? count : 1));
}

uint8_t *vec_nulls(Vec *v, uint32_t count, Arena *a) {
    if (!v->nulls) v->nulls = arena_zalloc(a, count ? count : 1);
    return v->nulls;
}

void vec_set(Vec *v, uint32_t i, const Value *val, uint32_t count, Arena *a) {
    if (val->null || val->type == TYPE_NULL) {
        vec_nulls(v, count, a)[i] = 1;
        return;
    }
    if (v->nulls) v->nulls[i] = 0;
    switch (v->type) {
    case TYPE_BOOL: VEC_BOOL(v)[i] = val->u.b; break;
    case TYPE_DOUBLE: VEC_F64(v)[i] = val->u.d; break;
    case TYPE_TEXT: VEC_STR(v)[i] = val->u.s; break;
    case TYPE_NULL: vec_nulls(v, count, a)[i] = 1; break;
    default: VEC_I64(v)[i] = val->u.i; break;
    }
}

void vec_fill_const(Vec *v, const Value *val, uint32_t count, Arena *a) {
    Type t = val->type == TYPE_NULL ? v->type : val->type;
    vec_alloc(v, t, count, a);
    if (val->null || val->type == TYPE_NULL) {
        v->nulls = arena_alloc(a, count ? count : 1);
        memset(v->nulls, 1, count ? count : 1);
        memset(v->data, 0, type_width(t) * (count ? count : 1));
        return;
    }
    for (uint32_t i = 0; i < count; i++) {
        switch (t) {
        case TYPE_BOOL: VEC_BOOL(v)[i] = val->u.b; break;
        case TYPE_DOUBLE: VEC_F64(v)[i] = val->u.d; break;
        case TYPE_TEXT: VEC_STR(v)[i] = val->u.s; break;
        default: VEC_I64(v)[i] = val->u.i; break;
        }
    }
}

void vec_get(const Vec *v, uint32_t i, Value *out) {
    memset(out, 0, sizeof *out);
    out->type = v->type;
    if (v->type == TYPE_NULL || (v->nulls && v->nulls[i])) {
        out->null = true;
        return;
    }
    switch (v->type) {
    case TYPE_BOOL: out->u.b = VEC_BOOL(v)[i]; break;
    case TYPE_DOUBLE: out->u.d = VEC_F64(v)[i]; break;
    case TYPE_TEXT: out->u.s = VEC_STR(v)[i]; break;
    default: out->u.i = VEC_I64(v)[i]; break;
    }
}

Chunk *chunk_new(int ncols, Arena *a) {
    Chunk *c = ARENA_NEW(a, Chunk);
    c->ncols = ncols;
    c->cols = ARENA_ARRAY(a, Vec, ncols > 0 ? ncols : 1);
    return c;
}

Chunk *chunk_compact(const Chunk *src, Arena *a) {
    uint32_t n = chunk_active(src);
    Chunk *c = chunk_new(src->ncols, a);
    c->count = c->nsel = n;
    for (int j = 0; j < src->ncols; j++) {
        const Vec *sv = &src->cols[j];
        Vec *dv = &c->cols[j];
        vec_alloc(dv, sv->type, n, a);
        size_t w = type_width(sv->type);
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = chunk_row(src, k);
            if (sv->nulls && sv->nulls[i]) {
                vec_nulls(dv, n, a)[k] = 1;
                memset((char *)dv->data + k * w, 0, w);
                continue;
            }
            if (sv->type == TYPE_TEXT)
                VEC_STR(dv)[k] = str_dup(a, VEC_STR(sv)[i]);
            else
                memcpy((char *)dv->data + k * w, (const char *)sv->data + i * w, w);
        }
    }
    if (src->weights) {
        c->weights = arena_alloc(a, sizeof(int64_t) * (n ? n : 1));
        for (uint32_t k = 0; k < n; k++) c->weights[k] = src->weights[chunk_row(src, k)];
    }
    return c;
}
