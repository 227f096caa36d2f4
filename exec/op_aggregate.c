/*
** HashAggregate: GROUP BY with COUNT/SUM/MIN/MAX/AVG (and DISTINCT forms)
** over changelog input, emitting the changes of each round.
**
** In outline (for each input chunk):
**
**     evaluate the key expressions                     (vectors, zero-copy for columns)
**     gid[k] = group of row k                          (hash table, vectorized per chunk)
**     rowcount[gid[k]] += weight[k]
**     for each aggregate: evaluate its argument, then one tight loop
**         e.g. sum[gid[k]] += v[k] * weight[k]
**
** and at finish() (end of a batch query, or of a micro-batch):
**
**     for each group changed since the previous finish:
**         if it was emitted before:      emit (-1, keys, previous outputs)
**         if its row count is still > 0: emit (+1, keys, new outputs), remember them
**
** so a batch query emits one +1 row per group, and a continuous query emits
** retract/insert pairs for the groups a micro-batch touched (nothing for a
** group whose outputs did not change).  Without GROUP BY there is exactly one
** group, which always exists (COUNT of nothing is 0, SUM of nothing NULL).
**
** Group lookup: an open-addressing table of (tag, group id) slots.  With a
** single 64-bit integer key (BIGINT, TIMESTAMP, INTERVAL) the tag is the key
** itself and the probe position a Fibonacci hash of it: one multiply, one
** compare per row.  Otherwise the tag is a 64-bit hash of all keys (computed
** column by column over the chunk) and a tag match is confirmed by comparing
** the keys stored for the group.  NULL is a key value like any other.
**
** Accumulators are arrays indexed by group id.  A NULL argument is counted
** (nnull) instead of counting non-NULL ones, so the common no-NULL chunk
** does no counting at all: COUNT(x) = rowcount - nnull.
**
** Retraction: SUM/COUNT/AVG subtract.  MIN/MAX cannot: in a continuous query
** (Executor.batch false) each MIN/MAX keeps a multiset of (group, value) ->
** count and the group's current extreme entry; retracting the last copy of
** the extreme marks it unknown and the next finish() rescans that group's
** values.  A batch query has no retractions, so it keeps only the extreme.
** DISTINCT aggregates always keep the multiset: a value enters a group's
** distinct set when its count becomes positive and leaves when it drops to 0.
*/
#include <math.h>
#include <string.h>

#include "operator.h"

#define FIB 0x9E3779B97F4A7C15ULL

typedef struct Slot {
    uint64_t tag;   /* the key (single integer key) or the keys' hash */
    uint32_t gid1;  /* group id + 1; 0 = empty */
} Slot;

/* A multiset of (group, value) -> count, with each group's entries chained. */
typedef struct ValueSet {
    RowStore vals;       /* one column: the value of each entry */
    uint32_t *egroup;    /* per entry: its group */
    int64_t *ecount;     /* per entry: weighted multiplicity */
    uint64_t *ehash;     /* per entry: hash of (group, value) */
    uint32_t *enext1;    /* per entry: next entry of the same group + 1 (0: end) */
    uint32_t n, cap;
    uint32_t *slots;     /* entry + 1; 0 = empty */
    uint32_t smask;
} ValueSet;

typedef struct AggCol {
    const AggSpec *spec;
    AggKind kind;
    bool distinct;       /* COUNT/SUM/AVG(DISTINCT x) */
    bool multiset;       /* MIN/MAX keeping a multiset (continuous queries) */
    Type in;             /* argument type */
    int64_t *nnull;      /* per group: weighted count of NULL arguments */
    int64_t *isum;       /* per group: SUM/AVG accumulator, integer arguments */
    double *dsum;        /* per group: SUM/AVG accumulator, DOUBLE arguments */
    char *best;          /* per group: MIN/MAX so far (batch), width of `in` */
    uint8_t *has;        /* per group: best is set (batch) */
    uint32_t *beste1;    /* per group: entry holding the extreme + 1, 0 unknown (multiset) */
    uint32_t *head1;     /* per group: first entry + 1 (value set) */
    int64_t *present;    /* per group: entries with a positive count (value set) */
    ValueSet vs;
    Value *prev;         /* per group: output emitted at the previous finish */
} AggCol;

typedef struct AggOp {
    Operator op;
    int nkeys, naggs;
    bool fast;           /* single 64-bit integer key */
    RowStore keys;       /* per group: its key values */
    uint32_t ngroups, gcap;
    int64_t *rowcount;   /* per group: weighted row count */
    uint8_t *emitted;    /* per group: a row was emitted for it and not retracted */
    uint8_t *dirty;      /* per group: changed in this round (after the first round) */
    uint32_t *dlist, ndirty;
    Slot *slots;
    uint32_t tmask;
    int tshift;
    uint32_t null_gid1;  /* fast mode: group of the NULL key + 1 */
    AggCol *aggs;
} AggOp;

/* ------------------------------------------------------------ group storage */

static void *regrow(void *p, size_t elem, uint32_t oldcap, uint32_t newcap) {
    p = xrealloc(p, elem * newcap);
    memset((char *)p + elem * oldcap, 0, elem * (newcap - oldcap));
    return p;
}

/* Make room for group ids up to newcap in every per-group array (zero = initial state). */
static void grow_groups(AggOp *a, uint32_t newcap) {
    uint32_t old = a->gcap;
    a->rowcount = regrow(a->rowcount, sizeof(int64_t), old, newcap);
    a->emitted = regrow(a->emitted, 1, old, newcap);
    a->dirty = regrow(a->dirty, 1, old, newcap);
    a->dlist = regrow(a->dlist, sizeof(uint32_t), old, newcap);
    for (int j = 0; j < a->naggs; j++) {
        AggCol *ac = &a->aggs[j];
        ac->prev = regrow(ac->prev, sizeof(Value), old, newcap);
        if (ac->kind == AGG_COUNT_STAR) continue;
        ac->nnull = regrow(ac->nnull, sizeof(int64_t), old, newcap);
        if (ac->kind == AGG_SUM || ac->kind == AGG_AVG) {
            if (ac->in == TYPE_DOUBLE) ac->dsum = regrow(ac->dsum, sizeof(double), old, newcap);
            else ac->isum = regrow(ac->isum, sizeof(int64_t), old, newcap);
        }
        if ((ac->kind == AGG_MIN || ac->kind == AGG_MAX) && !ac->multiset) {
            ac->best = regrow(ac->best, type_width(ac->in), old, newcap);
            ac->has = regrow(ac->has, 1, old, newcap);
        }
        if (ac->multiset) ac->beste1 = regrow(ac->beste1, sizeof(uint32_t), old, newcap);
        if (ac->distinct || ac->multiset) {
            ac->head1 = regrow(ac->head1, sizeof(uint32_t), old, newcap);
            ac->present = regrow(ac->present, sizeof(int64_t), old, newcap);
        }
    }
    a->gcap = newcap;
}

/* A new group whose keys are row i of kv (kv NULL: the global group).  Returns its id. */
static uint32_t new_group(AggOp *a, const Vec *kv, uint32_t i) {
    if (a->ngroups == a->gcap) grow_groups(a, a->gcap ? 2 * a->gcap : 64);
    uint32_t g = a->ngroups++;
    if (a->nkeys > 0) {
        const Vec *cols[a->nkeys];
        for (int c = 0; c < a->nkeys; c++) cols[c] = &kv[c];
        rows_append_row(&a->keys, cols, i, 1);
    }
    return g;
}

static void table_init(AggOp *a, uint32_t cap) {
    a->slots = xcalloc(cap, sizeof(Slot));
    a->tmask = cap - 1;
    a->tshift = 64 - __builtin_ctz(cap);
}

/* Double the table and re-place every slot by its tag. */
static void table_grow(AggOp *a) {
    Slot *old = a->slots;
    uint32_t oldcap = a->tmask + 1;
    table_init(a, oldcap * 2);
    for (uint32_t s = 0; s < oldcap; s++) {
        if (!old[s].gid1) continue;
        uint64_t pos = (old[s].tag * FIB) >> a->tshift;
        while (a->slots[pos].gid1) pos = (pos + 1) & a->tmask;
        a->slots[pos] = old[s];
    }
    free(old);
}

/* Put a new group in the empty slot `pos`; grows the table past half full. */
static uint32_t table_insert(AggOp *a, uint64_t pos, uint64_t tag, const Vec *kv, uint32_t i) {
    uint32_t g = new_group(a, kv, i);
    a->slots[pos].tag = tag;
    a->slots[pos].gid1 = g + 1;
    if ((uint64_t)a->ngroups * 2 > (uint64_t)a->tmask + 1) table_grow(a);
    return g;
}

static uint32_t null_group(AggOp *a, const Vec *kv, uint32_t i) {
    if (!a->null_gid1) a->null_gid1 = new_group(a, kv, i) + 1;
    return a->null_gid1 - 1;
}

/*
** Fast lookup for a single 64-bit integer key.  Inlined with constant flags
** so the dense case (no selection, no NULLs) is a plain loop.
*/
static inline __attribute__((always_inline)) void lookup_i64(AggOp *a, const Vec *kv, const uint32_t *sel,
                                                             uint32_t n, uint32_t *gids, bool has_sel,
                                                             bool has_nulls, bool prefetch) {
    const int64_t *keys = VEC_I64(kv);
    const uint8_t *nulls = kv->nulls;
    Slot *slots = a->slots;
    uint32_t mask = a->tmask;
    int shift = a->tshift;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = has_sel ? sel[k] : k;
        if (has_nulls && nulls[i]) {
            gids[k] = null_group(a, kv, i);
            continue;
        }
        if (prefetch && k + 16 < n) {
            /* a table beyond the caches: fetch the slot of a row 16 ahead while probing this one */
            uint32_t ahead = has_sel ? sel[k + 16] : k + 16;
            __builtin_prefetch(&slots[((uint64_t)keys[ahead] * FIB) >> shift]);
        }
        int64_t key = keys[i];
        uint64_t pos = ((uint64_t)key * FIB) >> shift;
        for (;;) {
            Slot *s = &slots[pos];
            if (s->tag == (uint64_t)key && s->gid1) {
                gids[k] = s->gid1 - 1;
                break;
            }
            if (!s->gid1) {
                gids[k] = table_insert(a, pos, (uint64_t)key, kv, i);
                slots = a->slots;
                mask = a->tmask;
                shift = a->tshift;
                break;
            }
            pos = (pos + 1) & mask;
        }
    }
}

static bool keys_equal(const AggOp *a, uint32_t g, const Vec *kv, uint32_t i) {
    for (int c = 0; c < a->nkeys; c++)
        if (!rows_eq_vec(&a->keys, c, g, &kv[c], i)) return false;
    return true;
}

/* General lookup: hash every key column over the chunk, then probe row by row. */
static void lookup_general(AggOp *a, const Vec *kv, const Chunk *c, uint32_t n, uint32_t *gids,
                           uint64_t *h) {
    for (int j = 0; j < a->nkeys; j++) hash_vec(&kv[j], c->sel, n, h, j > 0);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = chunk_row(c, k);
        uint64_t pos = (h[k] * FIB) >> a->tshift;
        for (;;) {
            Slot *s = &a->slots[pos];
            if (!s->gid1) {
                gids[k] = table_insert(a, pos, h[k], kv, i);
                break;
            }
            if (s->tag == h[k] && keys_equal(a, s->gid1 - 1, kv, i)) {
                gids[k] = s->gid1 - 1;
                break;
            }
            pos = (pos + 1) & a->tmask;
        }
    }
}

/* ------------------------------------------------------------ value multisets */

static void vs_grow_slots(ValueSet *vs, uint32_t cap) {
    free(vs->slots);
    vs->slots = xcalloc(cap, sizeof(uint32_t));
    vs->smask = cap - 1;
    for (uint32_t e = 0; e < vs->n; e++) {
        uint64_t pos = vs->ehash[e] & vs->smask;
        while (vs->slots[pos]) pos = (pos + 1) & vs->smask;
        vs->slots[pos] = e + 1;
    }
}

/*
** Add weight w to (g, row i of v), creating the entry if needed.  Keeps the
** group's count of present values.  *old receives the previous count.
** Returns the entry.
*/
static uint32_t vs_add(AggCol *ac, uint32_t g, const Vec *v, uint32_t i, int64_t w, int64_t *old) {
    ValueSet *vs = &ac->vs;
    const void *vp = (const char *)v->data + (size_t)i * type_width(v->type);
    uint64_t h = hash_combine(hash_mix64(g), hash_value_ptr(ac->in, vp));
    uint64_t pos = h & vs->smask;
    uint32_t e;
    for (;;) {
        uint32_t e1 = vs->slots[pos];
        if (!e1) {
            /* new entry */
            if (vs->n == vs->cap) {
                uint32_t cap = vs->cap ? 2 * vs->cap : 64;
                vs->egroup = regrow(vs->egroup, sizeof(uint32_t), vs->cap, cap);
                vs->ecount = regrow(vs->ecount, sizeof(int64_t), vs->cap, cap);
                vs->ehash = regrow(vs->ehash, sizeof(uint64_t), vs->cap, cap);
                vs->enext1 = regrow(vs->enext1, sizeof(uint32_t), vs->cap, cap);
                vs->cap = cap;
            }
            const Vec *cols[1] = {v};
            e = rows_append_row(&vs->vals, cols, i, 1);
            vs->egroup[e] = g;
            vs->ecount[e] = 0;
            vs->ehash[e] = h;
            vs->enext1[e] = ac->head1[g];
            ac->head1[g] = e + 1;
            vs->n++;
            vs->slots[pos] = e + 1;
            if ((uint64_t)vs->n * 2 > (uint64_t)vs->smask + 1) vs_grow_slots(vs, 2 * (vs->smask + 1));
            break;
        }
        e = e1 - 1;
        if (vs->ehash[e] == h && vs->egroup[e] == g && value_eq_ptr(ac->in, rows_ptr(&vs->vals, 0, e), vp))
            break;
        pos = (pos + 1) & vs->smask;
    }
    *old = vs->ecount[e];
    vs->ecount[e] += w;
    ac->present[g] += (vs->ecount[e] > 0) - (*old > 0);
    return e;
}

/* MIN wants the smaller value, MAX the larger: is a better than b? */
static inline bool better(const AggCol *ac, const void *a, const void *b) {
    int c = value_cmp_ptr(ac->in, a, b);
    return ac->kind == AGG_MIN ? c < 0 : c > 0;
}

/* Multiset MIN/MAX: find the group's extreme among entries with a positive count. */
static void rescan_extreme(AggCol *ac, uint32_t g) {
    ValueSet *vs = &ac->vs;
    uint32_t bestE = 0;
    for (uint32_t e1 = ac->head1[g]; e1; e1 = vs->enext1[e1 - 1]) {
        uint32_t e = e1 - 1;
        if (vs->ecount[e] <= 0) continue;
        if (!bestE || better(ac, rows_ptr(&vs->vals, 0, e), rows_ptr(&vs->vals, 0, bestE - 1))) bestE = e1;
    }
    ac->beste1[g] = bestE;
}

/* ------------------------------------------------------------ accumulation */

#define W(i) (wt ? wt[i] : 1)
#define G(k) (gids ? gids[k] : 0)

/* The row-at-a-time path of DISTINCT aggregates and multiset MIN/MAX. */
static int update_multiset(AggCol *ac, const Vec *v, const Chunk *c, const uint32_t *gids) {
    uint32_t n = chunk_active(c);
    const int64_t *wt = c->weights;
    bool ovf = false;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = chunk_row(c, k);
        if (vec_null_at(v, i)) continue;
        int64_t w = W(i), old;
        if (w == 0) continue;
        uint32_t g = G(k);
        uint32_t e = vs_add(ac, g, v, i, w, &old);
        int64_t now = ac->vs.ecount[e];
        if (ac->distinct) {
            int sign = (now > 0) - (old > 0);   /* the value entered (+1) or left (-1) the set */
            if (!sign || ac->kind == AGG_COUNT) continue;
            if (ac->in == TYPE_DOUBLE) {
                ac->dsum[g] += sign * VEC_F64(v)[i];
            } else {
                int64_t x = VEC_I64(v)[i];
                if (sign < 0) ovf |= __builtin_sub_overflow(ac->isum[g], x, &ac->isum[g]);
                else ovf |= __builtin_add_overflow(ac->isum[g], x, &ac->isum[g]);
            }
            continue;
        }
        /* multiset MIN/MAX */
        if (now > 0 && old <= 0 && ac->present[g] == 1) {
            ac->beste1[g] = e + 1;               /* the only value present */
        } else if (now > 0 && ac->beste1[g] && ac->beste1[g] != e + 1 &&
                   better(ac, rows_ptr(&ac->vs.vals, 0, e), rows_ptr(&ac->vs.vals, 0, ac->beste1[g] - 1))) {
            ac->beste1[g] = e + 1;
        } else if (now <= 0 && ac->beste1[g] == e + 1) {
            ac->beste1[g] = 0;                   /* the extreme left: rescan at finish */
        }
    }
    return ovf ? -1 : 0;
}

/* Batch MIN/MAX: keep the extreme per group (insert-only input). */
static int update_minmax(AggOp *a, AggCol *ac, const Vec *v, const Chunk *c, const uint32_t *gids) {
    uint32_t n = chunk_active(c);
    const int64_t *wt = c->weights;
    const uint32_t *sel = c->sel;
    bool ismin = ac->kind == AGG_MIN;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = sel ? sel[k] : k;
        if (wt && wt[i] <= 0) {
            if (wt[i] == 0) continue;
            return err_set(a->op.x->err, "internal error: %s cannot retract in a batch query",
                           ismin ? "min" : "max");
        }
        if (v->nulls && v->nulls[i]) continue;
        uint32_t g = G(k);
        switch (ac->in) {
        case TYPE_DOUBLE: {
            double x = VEC_F64(v)[i], *b = (double *)ac->best;
            if (!ac->has[g] || better(ac, &x, &b[g])) b[g] = x, ac->has[g] = 1;
            break;
        }
        case TYPE_TEXT: {
            Str x = VEC_STR(v)[i], *b = (Str *)ac->best;
            if (!ac->has[g] || better(ac, &x, &b[g])) b[g] = str_dup(&a->op.state, x), ac->has[g] = 1;
            break;
        }
        case TYPE_BOOL: {
            uint8_t x = VEC_BOOL(v)[i], *b = (uint8_t *)ac->best;
            if (!ac->has[g] || (ismin ? x < b[g] : x > b[g])) b[g] = x, ac->has[g] = 1;
            break;
        }
        default: {
            int64_t x = VEC_I64(v)[i], *b = (int64_t *)ac->best;
            if (!ac->has[g] || (ismin ? x < b[g] : x > b[g])) b[g] = x, ac->has[g] = 1;
            break;
        }
        }
    }
    return 0;
}

/*
** SUM/AVG over integers.  The dense case (no selection, weights or NULLs)
** is the loop the GROUP BY benchmark spends its time in: one load of the
** group id, one add with an overflow flag.
*/
static int update_sum_i64(AggCol *ac, const Vec *v, const Chunk *c, const uint32_t *gids) {
    uint32_t n = chunk_active(c);
    const int64_t *wt = c->weights, *d = VEC_I64(v);
    const uint32_t *sel = c->sel;
    int64_t *s = ac->isum;
    bool ovf = false;
    if (!sel && !wt && !v->nulls) {
        if (!gids) {
            int64_t acc = s[0];
            for (uint32_t k = 0; k < n; k++) ovf |= __builtin_add_overflow(acc, d[k], &acc);
            s[0] = acc;
        } else {
            for (uint32_t k = 0; k < n; k++) ovf |= __builtin_add_overflow(s[gids[k]], d[k], &s[gids[k]]);
        }
        return ovf ? -1 : 0;
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = sel ? sel[k] : k;
        if (v->nulls && v->nulls[i]) continue;
        int64_t x = d[i];
        if (wt && wt[i] != 1) ovf |= __builtin_mul_overflow(x, wt[i], &x);
        uint32_t g = G(k);
        ovf |= __builtin_add_overflow(s[g], x, &s[g]);
    }
    return ovf ? -1 : 0;
}

static void update_sum_f64(AggCol *ac, const Vec *v, const Chunk *c, const uint32_t *gids) {
    uint32_t n = chunk_active(c);
    const int64_t *wt = c->weights;
    const double *d = VEC_F64(v);
    const uint32_t *sel = c->sel;
    double *s = ac->dsum;
    if (!sel && !wt && !v->nulls && gids) {
        for (uint32_t k = 0; k < n; k++) s[gids[k]] += d[k];
        return;
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = sel ? sel[k] : k;
        if (v->nulls && v->nulls[i]) continue;
        s[G(k)] += wt ? d[i] * (double)wt[i] : d[i];
    }
}

/* Fold one evaluated argument vector into aggregate ac. */
static int update_agg(AggOp *a, AggCol *ac, const Vec *v, const Chunk *c, const uint32_t *gids) {
    uint32_t n = chunk_active(c);
    const int64_t *wt = c->weights;
    if (v->type == TYPE_NULL || ac->in == TYPE_NULL) {   /* a NULL literal argument: every row is NULL */
        for (uint32_t k = 0; k < n; k++) ac->nnull[G(k)] += W(chunk_row(c, k));
        return 0;
    }
    if (v->type != ac->in)
        return err_set(a->op.x->err, "internal error: %s got a %s argument, expected %s",
                       ac->spec->name ? ac->spec->name : "aggregate", type_name(v->type), type_name(ac->in));
    if (v->nulls)
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = chunk_row(c, k);
            if (v->nulls[i]) ac->nnull[G(k)] += W(i);
        }
    if (ac->distinct || ac->multiset) {
        if (update_multiset(ac, v, c, gids)) return err_set(a->op.x->err, "bigint out of range");
        return 0;
    }
    switch (ac->kind) {
    case AGG_COUNT: return 0;   /* COUNT(x) = rowcount - nnull */
    case AGG_SUM:
    case AGG_AVG:
        if (ac->in == TYPE_DOUBLE) {
            update_sum_f64(ac, v, c, gids);
            return 0;
        }
        if (update_sum_i64(ac, v, c, gids)) return err_set(a->op.x->err, "bigint out of range");
        return 0;
    case AGG_MIN:
    case AGG_MAX: return update_minmax(a, ac, v, c, gids);
    default: return 0;
    }
}

static void mark_dirty(AggOp *a, uint32_t g) {
    if (!a->dirty[g]) {
        a->dirty[g] = 1;
        a->dlist[a->ndirty++] = g;
    }
}

static int agg_push(Operator *op, int port, const Chunk *c) {
    (void)port;
    AggOp *a = (AggOp *)op;
    uint32_t n = chunk_active(c);
    if (n == 0) return 0;
    const int64_t *wt = c->weights;
    uint32_t *gids = NULL;

    if (a->nkeys > 0) {
        Vec *kv = arena_alloc(&op->scratch, sizeof(Vec) * (size_t)a->nkeys);
        for (int j = 0; j < a->nkeys; j++)
            if (op_eval(op, op->plan->u.agg.groups[j], c, &kv[j])) return -1;
        gids = arena_alloc(&op->scratch, sizeof(uint32_t) * n);
        if (a->fast && kv[0].type == TYPE_NULL) {
            for (uint32_t k = 0; k < n; k++) gids[k] = null_group(a, kv, chunk_row(c, k));
        } else if (a->fast) {
            if (type_width(kv[0].type) != 8 || kv[0].type == TYPE_DOUBLE)
                return err_set(op->x->err, "internal error: group key of type %s, expected %s",
                               type_name(kv[0].type), type_name(a->keys.types[0]));
            bool big = a->tmask >= (1u << 15);   /* 512 KiB of slots: past L2 */
            if (!c->sel && !kv[0].nulls && !big) lookup_i64(a, &kv[0], NULL, n, gids, false, false, false);
            else if (!c->sel && !kv[0].nulls) lookup_i64(a, &kv[0], NULL, n, gids, false, false, true);
            else if (!kv[0].nulls) lookup_i64(a, &kv[0], c->sel, n, gids, true, false, big);
            else lookup_i64(a, &kv[0], c->sel, n, gids, c->sel != NULL, true, big);
        } else {
            uint64_t *h = arena_alloc(&op->scratch, sizeof(uint64_t) * n);
            lookup_general(a, kv, c, n, gids, h);
        }
        int64_t *rc = a->rowcount;
        if (!wt) {
            for (uint32_t k = 0; k < n; k++) rc[gids[k]]++;
        } else {
            for (uint32_t k = 0; k < n; k++) rc[gids[k]] += wt[chunk_row(c, k)];
        }
        if (op->rounds > 0)
            for (uint32_t k = 0; k < n; k++) mark_dirty(a, gids[k]);
    } else {
        if (!wt) {
            a->rowcount[0] += n;
        } else {
            int64_t s = 0;
            for (uint32_t k = 0; k < n; k++) s += wt[chunk_row(c, k)];
            a->rowcount[0] += s;
        }
        if (op->rounds > 0) mark_dirty(a, 0);
    }

    for (int j = 0; j < a->naggs; j++) {
        AggCol *ac = &a->aggs[j];
        if (ac->kind == AGG_COUNT_STAR) continue;
        Vec v;
        if (op_eval(op, ac->spec->arg, c, &v)) return -1;
        if (update_agg(a, ac, &v, c, gids)) return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ output */

static int64_t nonnull_count(const AggOp *a, const AggCol *ac, uint32_t g) {
    if (ac->distinct || ac->multiset) return ac->present[g];
    return a->rowcount[g] - ac->nnull[g];
}

/* The current output of aggregate ac for group g. */
static void agg_value(AggOp *a, AggCol *ac, uint32_t g, Value *out) {
    memset(out, 0, sizeof *out);
    out->type = ac->spec->type;
    if (ac->kind == AGG_COUNT_STAR) {
        out->u.i = a->rowcount[g];
        return;
    }
    int64_t cnt = nonnull_count(a, ac, g);
    if (ac->kind == AGG_COUNT) {
        out->u.i = cnt;
        return;
    }
    if (cnt <= 0 || ac->in == TYPE_NULL) {
        out->null = true;
        return;
    }
    switch (ac->kind) {
    case AGG_SUM:
        if (ac->in == TYPE_DOUBLE) out->u.d = ac->dsum[g];
        else if (out->type == TYPE_DOUBLE) out->u.d = (double)ac->isum[g];
        else out->u.i = ac->isum[g];
        return;
    case AGG_AVG: {
        double s = ac->in == TYPE_DOUBLE ? ac->dsum[g] : (double)ac->isum[g];
        if (out->type == TYPE_DOUBLE) out->u.d = s / (double)cnt;
        else out->u.i = ac->isum[g] / cnt;   /* AVG(INTERVAL) */
        return;
    }
    default: break;
    }
    /* MIN / MAX */
    const void *p;
    if (ac->multiset) {
        if (!ac->beste1[g]) rescan_extreme(ac, g);
        if (!ac->beste1[g]) {
            out->null = true;
            return;
        }
        p = rows_ptr(&ac->vs.vals, 0, ac->beste1[g] - 1);
    } else {
        if (!ac->has[g]) {
            out->null = true;
            return;
        }
        p = ac->best + (size_t)g * type_width(ac->in);
    }
    out->type = ac->in;
    switch (ac->in) {
    case TYPE_BOOL: out->u.b = *(const uint8_t *)p; break;
    case TYPE_DOUBLE: out->u.d = *(const double *)p; break;
    case TYPE_TEXT: out->u.s = *(const Str *)p; break;
    default: out->u.i = *(const int64_t *)p; break;
    }
}

static bool value_same(const Value *x, const Value *y) {
    if (x->null || y->null) return x->null == y->null;
    if (x->type != y->type) return false;
    return value_eq_ptr(x->type, &x->u, &y->u);
}

/* Output chunk under construction during finish(). */
typedef struct OutBuf {
    Chunk *c;
    uint32_t rows;
    bool retracts;
} OutBuf;

static void out_start(AggOp *a, OutBuf *ob) {
    Operator *op = &a->op;
    arena_reset(&op->scratch);
    int ncols = a->nkeys + a->naggs;
    ob->c = chunk_new(ncols, &op->scratch);
    for (int j = 0; j < ncols; j++) {
        Type t = op->plan->schema.cols[j].type;
        vec_alloc(&ob->c->cols[j], t, WEIR_BATCH_SIZE, &op->scratch);
    }
    ob->c->weights = arena_alloc(&op->scratch, sizeof(int64_t) * WEIR_BATCH_SIZE);
    ob->rows = 0;
    ob->retracts = false;
}

static int out_flush(AggOp *a, OutBuf *ob) {
    if (ob->rows == 0) return 0;
    ob->c->count = ob->c->nsel = ob->rows;
    if (!ob->retracts) ob->c->weights = NULL;
    int rc = op_emit(&a->op, ob->c);
    out_start(a, ob);
    return rc;
}

static int out_row(AggOp *a, OutBuf *ob, uint32_t g, const Value *vals, int64_t w) {
    if (ob->rows == WEIR_BATCH_SIZE && out_flush(a, ob)) return -1;
    uint32_t r = ob->rows++;
    Chunk *c = ob->c;
    for (int j = 0; j < a->nkeys; j++) {
        Value kv;
        rows_get(&a->keys, j, g, &kv);
        vec_set(&c->cols[j], r, &kv, WEIR_BATCH_SIZE, &a->op.scratch);
    }
    for (int j = 0; j < a->naggs; j++)
        vec_set(&c->cols[a->nkeys + j], r, &vals[j], WEIR_BATCH_SIZE, &a->op.scratch);
    c->weights[r] = w;
    ob->retracts |= w < 0;
    return 0;
}

/* Emit (-old, +new) for group g when its output changed; remember the new output. */
static int emit_group(AggOp *a, OutBuf *ob, uint32_t g, Value *cur) {
    bool exists = a->nkeys == 0 || a->rowcount[g] > 0;
    if (exists)
        for (int j = 0; j < a->naggs; j++) agg_value(a, &a->aggs[j], g, &cur[j]);
    if (a->emitted[g]) {
        if (exists) {
            bool same = true;
            for (int j = 0; j < a->naggs && same; j++) same = value_same(&cur[j], &a->aggs[j].prev[g]);
            if (same) return 0;
        }
        Value old[a->naggs > 0 ? a->naggs : 1];
        for (int j = 0; j < a->naggs; j++) old[j] = a->aggs[j].prev[g];
        if (out_row(a, ob, g, old, -1)) return -1;
    }
    if (exists) {
        if (out_row(a, ob, g, cur, 1)) return -1;
        for (int j = 0; j < a->naggs; j++) a->aggs[j].prev[g] = cur[j];
    }
    a->emitted[g] = exists;
    return 0;
}

static int agg_finish(Operator *op) {
    AggOp *a = (AggOp *)op;
    Value cur[a->naggs > 0 ? a->naggs : 1];
    OutBuf ob;
    out_start(a, &ob);
    if (op->rounds == 0) {
        /* first round: every group is new */
        for (uint32_t g = 0; g < a->ngroups; g++)
            if (emit_group(a, &ob, g, cur)) return -1;
    } else {
        for (uint32_t d = 0; d < a->ndirty; d++) {
            uint32_t g = a->dlist[d];
            a->dirty[g] = 0;
            if (emit_group(a, &ob, g, cur)) return -1;
        }
        a->ndirty = 0;
    }
    return out_flush(a, &ob);
}

static int64_t agg_state_rows(const Operator *op) { return ((const AggOp *)op)->ngroups; }

static void agg_destroy(Operator *op) {
    AggOp *a = (AggOp *)op;
    rows_free(&a->keys);
    free(a->rowcount);
    free(a->emitted);
    free(a->dirty);
    free(a->dlist);
    free(a->slots);
    for (int j = 0; j < a->naggs; j++) {
        AggCol *ac = &a->aggs[j];
        free(ac->nnull);
        free(ac->isum);
        free(ac->dsum);
        free(ac->best);
        free(ac->has);
        free(ac->beste1);
        free(ac->head1);
        free(ac->present);
        free(ac->prev);
        rows_free(&ac->vs.vals);
        free(ac->vs.egroup);
        free(ac->vs.ecount);
        free(ac->vs.ehash);
        free(ac->vs.enext1);
        free(ac->vs.slots);
    }
}

/*
** The aggregate's mode for MIN/MAX (multiset or not) depends on whether the
** executor runs as a batch query, which exec_run decides after exec_new; so
** per-aggregate state is set up at the first push or finish (setup()).
*/
static void setup(AggOp *a) {
    if (a->slots) return;
    Operator *op = &a->op;
    table_init(a, 256);
    for (int j = 0; j < a->naggs; j++) {
        AggCol *ac = &a->aggs[j];
        bool minmax = ac->kind == AGG_MIN || ac->kind == AGG_MAX;
        ac->distinct = ac->spec->distinct && !minmax && ac->kind != AGG_COUNT_STAR;
        ac->multiset = minmax && !op->x->batch;
        if (ac->distinct || ac->multiset) {
            rows_init(&ac->vs.vals, 1, &ac->in, false, &op->state);
            ac->vs.slots = xcalloc(64, sizeof(uint32_t));
            ac->vs.smask = 63;
        }
    }
    if (a->nkeys == 0) new_group(a, NULL, 0);   /* the one global group */
}

static int agg_push_setup(Operator *op, int port, const Chunk *c) {
    setup((AggOp *)op);
    return agg_push(op, port, c);
}

static int agg_finish_setup(Operator *op) {
    setup((AggOp *)op);
    return agg_finish(op);
}

static const OperatorVT agg_vt = {
    .name = "HashAggregate",
    .push = agg_push_setup,
    .finish = agg_finish_setup,
    .state_rows = agg_state_rows,
    .destroy = agg_destroy,
};

Operator *op_aggregate_new(Executor *x, const Plan *p) {
    int nkeys = p->u.agg.ngroups, naggs = p->u.agg.naggs;
    if (nkeys < 0 || naggs < 0 || p->schema.ncols != nkeys + naggs) {
        err_set(x->err, "internal error: aggregate with %d keys and %d aggregates has %d columns", nkeys,
                naggs, p->schema.ncols);
        return NULL;
    }
    AggOp *a = (AggOp *)op_alloc(x, p, &agg_vt, sizeof(AggOp), 1);
    a->nkeys = nkeys;
    a->naggs = naggs;
    a->aggs = ARENA_ARRAY(&a->op.state, AggCol, naggs > 0 ? naggs : 1);
    for (int j = 0; j < naggs; j++) {
        AggCol *ac = &a->aggs[j];
        const AggSpec *s = &p->u.agg.aggs[j];
        ac->spec = s;
        ac->kind = s->kind;
        if (s->kind != AGG_COUNT_STAR) {
            if (!s->arg) {
                err_set(x->err, "internal error: aggregate %s has no argument", s->name ? s->name : "?");
                return NULL;
            }
            ac->in = s->arg->type;
            if ((s->kind == AGG_SUM || s->kind == AGG_AVG) && ac->in != TYPE_NULL && ac->in != TYPE_BIGINT &&
                ac->in != TYPE_DOUBLE && ac->in != TYPE_INTERVAL) {
                err_set(x->err, "function %s(%s) does not exist", s->kind == AGG_SUM ? "sum" : "avg",
                        type_name(ac->in));
                return NULL;
            }
        }
    }
    if (nkeys > 0) {
        Type kt[nkeys];
        for (int j = 0; j < nkeys; j++) kt[j] = p->u.agg.groups[j]->type;
        rows_init(&a->keys, nkeys, kt, false, &a->op.state);
        a->fast = nkeys == 1 && (kt[0] == TYPE_BIGINT || kt[0] == TYPE_TIMESTAMP || kt[0] == TYPE_INTERVAL);
    }
    return &a->op;
}
