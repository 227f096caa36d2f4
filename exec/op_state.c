/*
** State encoding: the bytes of operator state entries (exec_state_changes /
** exec_state_load).
**
** Keys and values are opaque to the runtime, which stores them as BLOBs, so
** the format only has to be compact, fast and self-delimiting; the plan
** (whose text the runtime compares before restoring) supplies every type, so
** no type tags are written.  A value of type t is:
**
**     0x00                            SQL NULL
**     0x01 payload                    otherwise, with payload by type:
**         BOOLEAN                     one byte 0/1
**         BIGINT/TIMESTAMP/INTERVAL   zigzag LEB128 varint (1 byte for -64..63)
**         DOUBLE                      the 8 IEEE bytes, little-endian (bit-exact:
**                                     -0.0 and NaN payloads survive)
**         TEXT                        varint length, then the bytes
**
** A row is its values in column order.  Counts and sums are zigzag varints.
** Decoding never trusts its input: a reader that runs past the end or meets a
** bad tag sets `bad`, and callers turn that into "corrupt state" errors.
*/
#include <string.h>

#include "operator.h"

/* ------------------------------------------------------------ writing */

void sbuf_reset(StateBuf *b) { b->n = 0; }

void sbuf_free(StateBuf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

static inline void reserve(StateBuf *b, size_t extra) {
    if (b->n + extra <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + extra) cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

void sbuf_bytes(StateBuf *b, const void *p, size_t n) {
    reserve(b, n);
    if (n) memcpy(b->p + b->n, p, n);
    b->n += n;
}

void sbuf_byte(StateBuf *b, uint8_t x) {
    reserve(b, 1);
    b->p[b->n++] = x;
}

void sbuf_varint(StateBuf *b, uint64_t x) {
    reserve(b, 10);
    while (x >= 0x80) {
        b->p[b->n++] = (uint8_t)(x | 0x80);
        x >>= 7;
    }
    b->p[b->n++] = (uint8_t)x;
}

void sbuf_zigzag(StateBuf *b, int64_t x) { sbuf_varint(b, ((uint64_t)x << 1) ^ (uint64_t)(x >> 63)); }

void sbuf_f64(StateBuf *b, double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    reserve(b, 8);
    for (int k = 0; k < 8; k++) b->p[b->n++] = (uint8_t)(u >> (8 * k));
}

void sbuf_value(StateBuf *b, Type t, const void *p) {
    if (!p || t == TYPE_NULL) {
        sbuf_byte(b, 0);
        return;
    }
    sbuf_byte(b, 1);
    switch (t) {
    case TYPE_BOOL: sbuf_byte(b, *(const uint8_t *)p ? 1 : 0); break;
    case TYPE_DOUBLE: sbuf_f64(b, *(const double *)p); break;
    case TYPE_TEXT: {
        Str s = *(const Str *)p;
        sbuf_varint(b, s.len);
        sbuf_bytes(b, s.ptr, s.len);
        break;
    }
    default: sbuf_zigzag(b, *(const int64_t *)p); break;
    }
}

void sbuf_store_row(StateBuf *b, const RowStore *s, uint32_t r, int ncols) {
    for (int c = 0; c < ncols; c++)
        sbuf_value(b, s->types[c], rows_null(s, c, r) ? NULL : rows_ptr(s, c, r));
}

/* ------------------------------------------------------------ reading */

uint8_t srd_byte(StateRd *r) {
    if (r->p >= r->end) {
        r->bad = true;
        return 0;
    }
    return *r->p++;
}

uint64_t srd_varint(StateRd *r) {
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) break;
        uint8_t byte = *r->p++;
        x |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) return x;
    }
    r->bad = true;
    return 0;
}

int64_t srd_zigzag(StateRd *r) {
    uint64_t u = srd_varint(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

double srd_f64(StateRd *r) {
    if (r->end - r->p < 8) {
        r->bad = true;
        r->p = r->end;
        return 0;
    }
    uint64_t u = 0;
    for (int k = 0; k < 8; k++) u |= (uint64_t)r->p[k] << (8 * k);
    r->p += 8;
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/*
** Decode one value of type t into row `row` of v (allocated by the caller
** with room for it).  TEXT points into the reader's bytes: copy it to keep it.
*/
void srd_value(StateRd *r, Type t, Vec *v, uint32_t row, uint32_t count, Arena *a) {
    uint8_t tag = srd_byte(r);
    if (tag > 1 || (tag == 1 && t == TYPE_NULL)) r->bad = true;
    if (tag != 1 || r->bad) {
        vec_nulls(v, count, a)[row] = 1;
        if (t != TYPE_NULL) memset((char *)v->data + (size_t)row * vec_width(t), 0, vec_width(t));
        return;
    }
    if (v->nulls) v->nulls[row] = 0;
    switch (t) {
    case TYPE_BOOL: {
        uint8_t x = srd_byte(r);
        if (x > 1) r->bad = true;
        VEC_BOOL(v)[row] = x != 0;
        break;
    }
    case TYPE_DOUBLE: VEC_F64(v)[row] = srd_f64(r); break;
    case TYPE_TEXT: {
        uint64_t len = srd_varint(r);
        if (len > (uint64_t)(r->end - r->p)) {
            r->bad = true;
            len = 0;
        }
        VEC_STR(v)[row] = str_from((const char *)r->p, (size_t)len);
        r->p += len;
        break;
    }
    default: VEC_I64(v)[row] = srd_zigzag(r); break;
    }
}

void srd_row(StateRd *r, int ncols, const Type *types, Vec *out, Arena *a) {
    for (int c = 0; c < ncols; c++) {
        vec_alloc(&out[c], types[c], 1, a);
        out[c].nulls = NULL;
        srd_value(r, types[c], &out[c], 0, 1, a);
    }
}

int op_state_corrupt(Operator *op) {
    return err_set(op->x->err, "corrupt saved state for operator %d (%s); drop the query to start over", op->id,
                   op->vt->name);
}
