/*
** Rows as bytes, and bags of rows with weights.
**
** The runtime consolidates a micro-batch's changes before applying them: the
** executor's root may emit a row and retract it in the same batch, or emit
** a group's old value after its new one; summing weights per distinct row
** gives the net change, which an UPDATE table applies as "deletes, then
** inserts" without ever touching a row twice.  A query whose COMPLETE output
** goes to a sink (or a SELECT) also keeps its whole result as a bag.
**
** A row is encoded column by column: one tag byte (0 = NULL, else the Type),
** then the value: BOOLEAN 1 byte, TEXT a 4-byte length and the bytes, every
** other type 8 bytes.  Equal rows have equal bytes (the executor emits a
** retraction with exactly the values it inserted), so bytes are the key.
**
** A RowBag is an open-addressing hash table of entries in insertion order;
** entry bytes live in the bag's arena.  Entries whose weight drops to 0 stay
** as tombstones until bag_compact() (long-lived bags) or bag_clear().
*/
#include <string.h>
#include <xxhash.h>

#include "stream_int.h"

/* ------------------------------------------------------------ encoding */

static void buf_reserve(RowBuf *b, size_t n) {
    if (b->len + n <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

static void buf_put(RowBuf *b, const void *p, size_t n) {
    buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void rowbuf_free(RowBuf *b) {
    free(b->data);
    memset(b, 0, sizeof *b);
}

void row_encode(RowBuf *b, const Chunk *c, uint32_t r) {
    b->len = 0;
    for (int j = 0; j < c->ncols; j++) {
        const Vec *v = &c->cols[j];
        uint8_t tag = (v->type == TYPE_NULL || vec_is_null(v, r)) ? 0 : (uint8_t)v->type;
        buf_put(b, &tag, 1);
        if (!tag) continue;
        switch (v->type) {
        case TYPE_BOOL: {
            uint8_t x = VEC_BOOL(v)[r] != 0;
            buf_put(b, &x, 1);
            break;
        }
        case TYPE_TEXT: {
            Str s = VEC_STR(v)[r];
            uint32_t n = s.len;
            buf_put(b, &n, 4);
            if (n) buf_put(b, s.ptr, n);
            break;
        }
        case TYPE_DOUBLE: buf_put(b, &VEC_F64(v)[r], 8); break;
        default: buf_put(b, &VEC_I64(v)[r], 8); break;
        }
    }
}

int row_decode(const uint8_t *p, size_t len, int ncols, Value *out) {
    size_t at = 0;
    for (int j = 0; j < ncols; j++) {
        memset(&out[j], 0, sizeof out[j]);
        if (at >= len) return -1;
        uint8_t tag = p[at++];
        if (tag == 0) {
            out[j].type = TYPE_NULL;
            out[j].null = true;
            continue;
        }
        if (tag >= TYPE__COUNT) return -1;
        out[j].type = (Type)tag;
        switch (out[j].type) {
        case TYPE_BOOL:
            if (at + 1 > len) return -1;
            out[j].u.b = p[at++];
            break;
        case TYPE_TEXT: {
            uint32_t n;
            if (at + 4 > len) return -1;
            memcpy(&n, p + at, 4);
            at += 4;
            if (n > len - at) return -1;
            out[j].u.s = str_from((const char *)p + at, n);
            at += n;
            break;
        }
        case TYPE_DOUBLE:
            if (at + 8 > len) return -1;
            memcpy(&out[j].u.d, p + at, 8);
            at += 8;
            break;
        default:
            if (at + 8 > len) return -1;
            memcpy(&out[j].u.i, p + at, 8);
            at += 8;
            break;
        }
    }
    return at == len ? 0 : -1;
}

/* ------------------------------------------------------------ bags */

void bag_init(RowBag *b) {
    memset(b, 0, sizeof *b);
    arena_init(&b->arena, 0);
}

void bag_free(RowBag *b) {
    free(b->entries);
    free(b->slots);
    arena_free(&b->arena);
    memset(b, 0, sizeof *b);
}

void bag_clear(RowBag *b) {
    b->n = b->live = 0;
    if (b->slots) memset(b->slots, 0, sizeof *b->slots * b->nslots);
    arena_reset(&b->arena);
}

/* Slot values are entry index + 1; 0 is empty. */
static void rehash(RowBag *b, size_t nslots) {
    free(b->slots);
    b->slots = xcalloc(nslots, sizeof *b->slots);
    b->nslots = nslots;
    for (size_t i = 0; i < b->n; i++) {
        size_t s = b->entries[i].hash & (nslots - 1);
        while (b->slots[s]) s = (s + 1) & (nslots - 1);
        b->slots[s] = (uint32_t)i + 1;
    }
}

int64_t bag_add(RowBag *b, const uint8_t *bytes, size_t len, int64_t w) {
    uint64_t h = XXH3_64bits(bytes, len);
    if (b->nslots) {
        size_t s = h & (b->nslots - 1);
        while (b->slots[s]) {
            BagEntry *e = &b->entries[b->slots[s] - 1];
            if (e->hash == h && e->len == len && memcmp(e->bytes, bytes, len) == 0) {
                bool was_live = e->weight != 0;
                e->weight += w;
                b->live += (e->weight != 0) - was_live;
                return e->weight;
            }
            s = (s + 1) & (b->nslots - 1);
        }
    }
    if (w == 0) return 0;
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->entries = xrealloc(b->entries, sizeof *b->entries * b->cap);
    }
    BagEntry *e = &b->entries[b->n++];
    e->hash = h;
    e->len = len;
    e->weight = w;
    e->bytes = len ? arena_memdup(&b->arena, bytes, len) : (const uint8_t *)"";
    b->live++;
    if (b->n * 2 > b->nslots) {
        rehash(b, b->nslots ? 2 * b->nslots : 128);
    } else {
        size_t s = h & (b->nslots - 1);
        while (b->slots[s]) s = (s + 1) & (b->nslots - 1);
        b->slots[s] = (uint32_t)(b->n - 1) + 1;
    }
    return w;
}

int64_t bag_get(const RowBag *b, const uint8_t *bytes, size_t len) {
    if (!b->nslots) return 0;
    uint64_t h = XXH3_64bits(bytes, len);
    size_t s = h & (b->nslots - 1);
    while (b->slots[s]) {
        const BagEntry *e = &b->entries[b->slots[s] - 1];
        if (e->hash == h && e->len == len && memcmp(e->bytes, bytes, len) == 0) return e->weight;
        s = (s + 1) & (b->nslots - 1);
    }
    return 0;
}

/*
** Drop tombstones once they are the majority: live entries move to a fresh
** arena in their order, so a long-lived bag's memory follows its live rows.
*/
void bag_compact(RowBag *b) {
    if (b->n < 1024 || b->live * 2 >= b->n) return;
    Arena fresh;
    arena_init(&fresh, 0);
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++) {
        BagEntry e = b->entries[i];
        if (e.weight == 0) continue;
        e.bytes = e.len ? arena_memdup(&fresh, e.bytes, e.len) : (const uint8_t *)"";
        b->entries[k++] = e;
    }
    arena_free(&b->arena);
    b->arena = fresh;
    b->n = k;
    size_t nslots = 128;
    while (nslots < 2 * k + 2) nslots *= 2;
    rehash(b, nslots);
}
