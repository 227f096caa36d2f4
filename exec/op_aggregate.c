/*
** HashAggregate: GROUP BY with COUNT/SUM/MIN/MAX/AVG (and DISTINCT forms)
** over changelog input, emitting the changes of each round.
**
** In outline (for each input chunk):
**
**     evaluate the key expressions                     (vectors, zero-copy for columns)
**     gid[k] = group of row k                          (hash table, vectorized per chunk)
**     first touch this round of a group that existed before it:
**         remember its current output (the row to retract)
**     rowcount[gid[k]] += weight[k]
**     for each aggregate: evaluate its argument, then one tight loop
**         e.g. sum[gid[k]] += v[k] * weight[k]
**
** and at finish() (end of a batch query, or of a micro-batch):
**
**     for each group touched in the round (old ones, then the new ones):
**         if it had a row before the round:   emit (-1, keys, remembered outputs)
**         if its row count is now > 0:        emit (+1, keys, current outputs)
**         (nothing when both rows are equal)
**
** so a batch query emits one +1 row per group, and a continuous query emits
** retract/insert pairs for the groups a micro-batch touched.  A group has a
** row exactly when its row count is positive (or, without GROUP BY, always:
** COUNT of nothing is 0, SUM of nothing NULL), and its row is a function of
** its accumulators; so instead of keeping every group's last output (24
** bytes per aggregate per group) the old row is computed when the round
** first touches the group, into a per-round buffer.  A batch query (one
** round, every group new) never does that.
**
** Group lookup: an open-addressing table of (tag, group id) slots.  With a
** single 64-bit integer key (BIGINT, TIMESTAMP, INTERVAL) the tag is the key
** itself and the probe position a Fibonacci hash of it: one multiply, one
** compare per row.  Otherwise the tag is a 64-bit hash of all keys (computed
** column by column over the chunk) and a tag match is confirmed by comparing
** the keys stored for the group.  NULL is a key value like any other.
**
** Accumulators are arrays indexed by group id.  A NULL argument is counted
** (nnull, allocated when the first NULL arrives) instead of counting non-NULL
** ones, so the common no-NULL chunk does no counting at all:
** COUNT(x) = rowcount - nnull.
**
** Retraction: SUM/COUNT/AVG subtract.  MIN/MAX cannot: when retractions are
** possible (not op_insert_only) each MIN/MAX keeps a multiset of
** (group, value) -> count and the group's current extreme entry; retracting
** the last copy of the extreme marks it unknown and the next read rescans
** that group's values.  Insert-only input keeps only the extreme.  DISTINCT
** aggregates always keep the multiset: a value enters a group's distinct set
** when its count becomes positive and leaves when it drops to 0.
**
** State persistence (exec_state_changes / exec_state_load), two kinds of
** entries:
**
**     group:  key  0x00, group key values          (op_state.c encoding)
**             val  0x01 (format), rowcount, then per aggregate: nnull, the
**                  SUM/AVG accumulator (DISTINCT: the sum of the set), and
**                  for DOUBLE sums a flag byte and the NaN/+inf/-inf counts
**     value:  key  0x01, aggregate index, group key values, the value
**             val  count                            (MIN/MAX and DISTINCT sets)
**
** Set members are entries of their own, not part of the group's value, so a
** round that adds one value to a set of a million writes one entry.  The
** last emitted row is not stored: it is recomputed from the restored
** accumulators, bit for bit (sums are stored exactly, a set's extreme is a
** unique value).  A group whose state is all zero is deleted (a DOUBLE sum
** left with rounding residue keeps its entry: restores are bit-exact, and
** the result does not depend on where micro-batches end).  Writes per
** report: the groups and set entries changed since the previous report.
**
** DOUBLE SUM/AVG under retractions count NaN and infinite inputs instead of
** adding them (add_double), so retracting a NaN gives back the finite sum.
** Sums whose finite values overflow to infinity are not retractable.
**
** Event time (CONTRACT §4; exec.h "Event time").  agg_prepare gives the
** aggregate a role from agg.window_end_group:
**
**     WK_WINDOW  groups are windows (the group is a TUMBLE/HOP/SESSION
**                window_end, or a TUMBLE/HOP window_start: end = start + size)
**     WK_EVENT   SELECT DISTINCT over an event-time column (no aggregates)
**     WK_NONE    everything else, an aggregate grouped by a plain event-time
**                column included: nothing is dropped or evicted
**
** push (drop_late): a row of a window already final (window_end <= the
** watermark the batch began with) is dropped, counted and reported to the
** late sink -- the window operator expanded a HOP row into one row per
** window, so the row still counts in its open windows; for WK_EVENT, a row
** whose event time is below the watermark is dropped.
** finish (finalize): the groups whose time came under the watermark the
** round ends with are final.  They wait in buckets by finalization time
** (one bucket per window end, a FIFO list of groups each), so a round
** touches only the groups it finalizes.  In APPEND mode (ExecOptions.
** append_only) a window's row is emitted exactly once, here, and never
** before; in UPDATE mode it was emitted as it changed.  Then the group is
** evicted (evict_group): its table slot is deleted (backward shift), its
** accumulators zeroed and its id put on a free list that new groups take
** ids from, so the per-group arrays stop growing; its set members leave the
** value sets the same way; the keys of its state entries the runtime may
** hold are queued as deletions for the next exec_state_changes, so a
** restart does not resurrect it.  Strings of evicted keys stay in the key
** string arena until compact_strings copies the live ones to a new arena
** (after more evictions than live groups).
**
** HOP panes: when a HOP window feeds this aggregate through filters and
** projections only, window_start / window_end are only grouped by (never
** computed with), and the aggregates add up exactly (COUNT, COUNT(x), SUM
** and AVG of integers, no DISTINCT), try_panes switches the window to panes
** -- each row emitted once, in its slide-sized pane -- and the rows are
** aggregated per pane in a per-round pane table (an AggOp of accumulators
** only).  pane_flush (at finish, or when the pane table grows big) adds
** every pane group to the size / slide windows containing its pane,
** vectorized through the ordinary group lookup, skipping windows already
** final for the round's rows.  A HOP then costs about a TUMBLE of its
** slide plus one window update per (pane group, window), instead of
** size / slide updates per row.
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
    uint8_t *epend;      /* per entry: changed since the last state report */
    uint32_t n, cap;
    uint32_t *slots;     /* entry + 1; 0 = empty */
    uint32_t smask;
    uint32_t *plist, np, pcap;  /* entries < pbase changed since the last report */
    uint32_t pbase;      /* entries >= pbase are new since the last report */
    uint32_t *efree, nefree, efcap;  /* entries of evicted groups, for reuse (egroup = ENTRY_FREE) */
} ValueSet;

#define ENTRY_FREE UINT32_MAX

typedef struct AggCol {
    const AggSpec *spec;
    AggKind kind;
    bool distinct;       /* COUNT/SUM/AVG(DISTINCT x) */
    bool multiset;       /* MIN/MAX keeping a multiset (retractions possible) */
    Type in;             /* argument type */
    size_t owidth;       /* bytes of an output value (oldv) */
    int64_t *nnull;      /* per group: weighted count of NULL arguments; NULL until one arrives */
    int64_t *isum;       /* per group: SUM/AVG accumulator, integer arguments */
    double *dsum;        /* per group: SUM/AVG accumulator, DOUBLE arguments (finite ones when nonfinite) */
    bool nonfinite;      /* DOUBLE SUM/AVG under retractions: NaN and infinities are counted, not added */
    int64_t *nfin;       /* per group: 3 weighted counts (NaN, +inf, -inf); NULL until one arrives */
    char *best;          /* per group: MIN/MAX so far (insert-only), width of `in` */
    uint8_t *has;        /* per group: best is set (insert-only) */
    uint32_t *beste1;    /* per group: entry holding the extreme + 1, 0 unknown (multiset) */
    uint32_t *head1;     /* per group: first entry + 1 (value set) */
    int64_t *present;    /* per group: entries with a positive count (value set) */
    ValueSet vs;
    char *oldv;          /* per dirty entry (AggOp.dlist): the output before the round */
    uint8_t *oldnull;    /* per dirty entry: that output was NULL */
} AggCol;

enum { GF_DIRTY = 1, GF_PENDING = 2, GF_FREE = 4 };

/* Event-time role of the aggregate (agg_prepare). */
enum { WK_NONE, WK_WINDOW, WK_EVENT };

/* The groups final at the same time t (once t <= watermark), a list through wnext1. */
typedef struct Bucket {
    int64_t t;
    uint32_t head1, tail1;   /* group + 1; 0 = none */
} Bucket;

typedef struct AggOp AggOp;

/* HOP panes (see the file comment): per-round partial aggregates by pane. */
typedef struct Panes {
    AggOp *t;            /* the pane table: groups (pane, other keys), accumulators only */
    int wsg, weg;        /* the groups holding window_start / window_end (-1: not grouped) */
    int64_t size, slide;
    int64_t n;           /* windows per pane: size / slide */
} Panes;

struct AggOp {
    Operator op;
    int nkeys, naggs;
    bool fast;           /* single 64-bit integer key */
    RowStore keys;       /* per group: its key values */
    uint32_t ngroups, gcap;
    int64_t *rowcount;   /* per group: weighted row count */
    uint8_t *flags;      /* per group: GF_DIRTY (in dlist), GF_PENDING (in plist) */
    /* Groups < gbase existed before this round (and have a row iff non-empty);
       those the round touched, with their rows from before it, in touch order. */
    uint32_t gbase;
    uint32_t *dlist, ndirty, dcap;
    uint8_t *oldexists;  /* per dirty entry: the group had a row */
    /* State report: groups >= pbase are new since the last one; older changed ones in plist. */
    uint32_t pbase;
    uint32_t *plist, np, pcap;
    Slot *slots;
    uint32_t tmask;
    int tshift;
    uint32_t null_gid1;  /* fast mode: group of the NULL key + 1 */
    AggCol *aggs;
    bool ready;          /* setup() done */
    StateBuf kb, vb;     /* state report: key and value being encoded */
    /* Event time (agg_prepare, drop_late, finalize) */
    int wkind;           /* WK_* */
    int wgroup;          /* the group holding the window end / the event time */
    int64_t woff;        /* window end = that group's value + woff (window_start of TUMBLE/HOP: size) */
    int64_t wsize;       /* TUMBLE/HOP size, for late rows' window_start; 0 unknown */
    int lskip[2];        /* input columns that are the window's bounds: not in late rows' text */
    /* Watched groups by finalization time: buckets bk[bfirst..bn) in increasing t
       (few: one per open window end), each a FIFO list of groups through wnext1. */
    Bucket *bk;
    uint32_t bfirst, bn, bcap;
    uint32_t *wnext1;    /* per group: next group of its bucket + 1 */
    uint32_t *freel, nfree, fcap;  /* evicted group ids, reused by new groups */
    uint32_t evicted;    /* evictions since the last string compaction */
    StateBuf tomb;       /* keys of evicted entries the runtime may hold: varint length, bytes */
    Arena kstr;          /* strings of group keys, set members and TEXT extremes */
    Panes *pane;         /* HOP panes, or NULL */
};

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
    if (a->wkind != WK_NONE) a->wnext1 = regrow(a->wnext1, sizeof(uint32_t), old, newcap);
    a->flags = regrow(a->flags, 1, old, newcap);
    for (int j = 0; j < a->naggs; j++) {
        AggCol *ac = &a->aggs[j];
        if (ac->kind == AGG_COUNT_STAR) continue;
        if (ac->nnull) ac->nnull = regrow(ac->nnull, sizeof(int64_t), old, newcap);
        if (ac->nfin) ac->nfin = regrow(ac->nfin, 3 * sizeof(int64_t), old, newcap);
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

/* The NULL counts of ac, allocated (zero) on the first NULL argument. */
static int64_t *nnull_of(AggOp *a, AggCol *ac) {
    if (!ac->nnull) ac->nnull = xcalloc(a->gcap ? a->gcap : 1, sizeof(int64_t));
    return ac->nnull;
}

/*
** Add w copies of x to the DOUBLE sum of group g.  Under retractions a NaN
** or an infinity cannot be added and later subtracted (inf - inf is NaN, and
** NaN stays), so those are counted per group and the sum keeps the finite
** values only; dsum_value() puts them back together.
*/
static inline void add_double(AggOp *a, AggCol *ac, uint32_t g, double x, int64_t w) {
    if (ac->nonfinite && !isfinite(x)) {
        if (!ac->nfin) ac->nfin = xcalloc(a->gcap ? a->gcap : 1, 3 * sizeof(int64_t));
        ac->nfin[3 * (size_t)g + (isnan(x) ? 0 : x > 0 ? 1 : 2)] += w;
        return;
    }
    ac->dsum[g] += w == 1 ? x : x * (double)w;
}

/* The DOUBLE sum of group g, non-finite inputs included. */
static double dsum_value(const AggCol *ac, uint32_t g) {
    if (ac->nfin) {
        const int64_t *nf = &ac->nfin[3 * (size_t)g];
        if (nf[0] > 0 || (nf[1] > 0 && nf[2] > 0)) return NAN;
        if (nf[1] > 0) return INFINITY;
        if (nf[2] > 0) return -INFINITY;
    }
    return ac->dsum[g];
}

/* ------------------------------------------------------------ finalization buckets */

/*
** The bucket of time t, created when absent.  Groups are created in roughly
** increasing event time, so the newest bucket is checked first; otherwise a
** binary search, and an insertion that shifts the later buckets (there are
** about as many buckets as open windows).
*/
static uint32_t bucket_of(AggOp *a, int64_t t) {
    if (a->bn > a->bfirst && a->bk[a->bn - 1].t == t) return a->bn - 1;
    uint32_t lo = a->bfirst, hi = a->bn;
    if (a->bn > a->bfirst && a->bk[a->bn - 1].t > t) {
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (a->bk[mid].t < t) lo = mid + 1;
            else hi = mid;
        }
        if (a->bk[lo].t == t) return lo;
    } else {
        lo = a->bn;
    }
    if (a->bfirst > 0 && a->bfirst >= a->bcap / 2) {
        /* buckets before bfirst are finalized: reclaim their room */
        memmove(a->bk, a->bk + a->bfirst, sizeof(Bucket) * (a->bn - a->bfirst));
        lo -= a->bfirst;
        a->bn -= a->bfirst;
        a->bfirst = 0;
    }
    if (a->bn == a->bcap) {
        a->bcap = a->bcap ? 2 * a->bcap : 16;
        a->bk = xrealloc(a->bk, sizeof(Bucket) * a->bcap);
    }
    memmove(a->bk + lo + 1, a->bk + lo, sizeof(Bucket) * (a->bn - lo));
    a->bn++;
    a->bk[lo] = (Bucket){t, 0, 0};
    return lo;
}

/*
** A new group g of an event-time aggregate: note when the watermark
** finalizes it (window: its end <= watermark; event time: its key <
** watermark, i.e. key + 1 <= watermark).  A NULL key is never final.
*/
static void watch_group(AggOp *a, uint32_t g) {
    if (a->wkind == WK_NONE || rows_null(&a->keys, a->wgroup, g)) return;
    int64_t v = *(const int64_t *)rows_ptr(&a->keys, a->wgroup, g), t;
    if (__builtin_add_overflow(v, a->wkind == WK_EVENT ? 1 : a->woff, &t)) t = INT64_MAX;
    uint32_t bi = bucket_of(a, t);   /* may move a->bk */
    Bucket *b = &a->bk[bi];
    a->wnext1[g] = 0;
    if (b->tail1) a->wnext1[b->tail1 - 1] = g + 1;
    else b->head1 = g + 1;
    b->tail1 = g + 1;
}

/* A new group whose keys are row i of kv (kv NULL: the global group).  Returns its id. */
static uint32_t new_group(AggOp *a, const Vec *kv, uint32_t i) {
    const Vec *cols[a->nkeys > 0 ? a->nkeys : 1];
    for (int c = 0; c < a->nkeys; c++) cols[c] = &kv[c];
    if (a->nfree > 0) {
        /* the id of an evicted group: its accumulators were zeroed when it left */
        uint32_t g = a->freel[--a->nfree];
        a->flags[g] &= (uint8_t)~GF_FREE;
        rows_set_row(&a->keys, cols, i, g, 1);
        watch_group(a, g);
        return g;
    }
    if (a->ngroups == a->gcap) grow_groups(a, a->gcap ? 2 * a->gcap : 64);
    uint32_t g = a->ngroups++;
    if (a->nkeys > 0) {
        rows_append_row(&a->keys, cols, i, 1);
        watch_group(a, g);
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

/*
** Group ids of the n active rows of c, whose evaluated keys are kv; new
** groups are created.  0 / -1.
*/
static int lookup(AggOp *a, const Vec *kv, const Chunk *c, uint32_t n, uint32_t *gids) {
    Operator *op = &a->op;
    if (a->fast && kv[0].type == TYPE_NULL) {
        for (uint32_t k = 0; k < n; k++) gids[k] = null_group(a, kv, chunk_row(c, k));
    } else if (a->fast) {
        if (type_width(kv[0].type) != 8 || kv[0].type == TYPE_DOUBLE)
            return err_set(op->x->err, "internal error: group key of type %s, expected %s", type_name(kv[0].type),
                           type_name(a->keys.types[0]));
        bool big = a->tmask >= (1u << 15);   /* 512 KiB of slots: past L2 */
        if (!c->sel && !kv[0].nulls && !big) lookup_i64(a, &kv[0], NULL, n, gids, false, false, false);
        else if (!c->sel && !kv[0].nulls) lookup_i64(a, &kv[0], NULL, n, gids, false, false, true);
        else if (!kv[0].nulls) lookup_i64(a, &kv[0], c->sel, n, gids, true, false, big);
        else lookup_i64(a, &kv[0], c->sel, n, gids, c->sel != NULL, true, big);
    } else {
        uint64_t *h = arena_alloc(&op->scratch, sizeof(uint64_t) * n);
        lookup_general(a, kv, c, n, gids, h);
    }
    return 0;
}

/* ------------------------------------------------------------ value multisets */

static void vs_grow_slots(ValueSet *vs, uint32_t cap) {
    free(vs->slots);
    vs->slots = xcalloc(cap, sizeof(uint32_t));
    vs->smask = cap - 1;
    for (uint32_t e = 0; e < vs->n; e++) {
        if (vs->egroup[e] == ENTRY_FREE) continue;
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
            const Vec *cols[1] = {v};
            if (vs->nefree > 0) {
                /* the entry of an evicted group (vs_remove zeroed it) */
                e = vs->efree[--vs->nefree];
                rows_set_row(&vs->vals, cols, i, e, 1);
                vs->egroup[e] = g;
                vs->ehash[e] = h;
                vs->enext1[e] = ac->head1[g];
                ac->head1[g] = e + 1;
                vs->slots[pos] = e + 1;
                break;
            }
            /* new entry */
            if (vs->n == vs->cap) {
                uint32_t cap = vs->cap ? 2 * vs->cap : 64;
                vs->egroup = regrow(vs->egroup, sizeof(uint32_t), vs->cap, cap);
                vs->ecount = regrow(vs->ecount, sizeof(int64_t), vs->cap, cap);
                vs->ehash = regrow(vs->ehash, sizeof(uint64_t), vs->cap, cap);
                vs->enext1 = regrow(vs->enext1, sizeof(uint32_t), vs->cap, cap);
                vs->epend = regrow(vs->epend, 1, vs->cap, cap);
                vs->cap = cap;
            }
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
    if (e < vs->pbase && !vs->epend[e]) {
        /* an entry the last state report wrote: report it again */
        vs->epend[e] = 1;
        if (vs->np == vs->pcap) {
            vs->pcap = vs->pcap ? 2 * vs->pcap : 64;
            vs->plist = xrealloc(vs->plist, sizeof(uint32_t) * vs->pcap);
        }
        vs->plist[vs->np++] = e;
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
static int update_multiset(AggOp *a, AggCol *ac, const Vec *v, const Chunk *c, const uint32_t *gids) {
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
                add_double(a, ac, g, VEC_F64(v)[i], sign);
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
            if (!ac->has[g] || better(ac, &x, &b[g])) b[g] = str_dup(&a->kstr, x), ac->has[g] = 1;
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

static void update_sum_f64(AggOp *a, AggCol *ac, const Vec *v, const Chunk *c, const uint32_t *gids) {
    uint32_t n = chunk_active(c);
    const int64_t *wt = c->weights;
    const double *d = VEC_F64(v);
    const uint32_t *sel = c->sel;
    double *s = ac->dsum;
    if (ac->nonfinite) {
        /* one branch-free pass decides whether the chunk needs the careful path */
        bool any = false;
        for (uint32_t k = 0; k < n; k++) any |= !isfinite(d[sel ? sel[k] : k]);
        if (any) {
            for (uint32_t k = 0; k < n; k++) {
                uint32_t i = sel ? sel[k] : k;
                if (!(v->nulls && v->nulls[i])) add_double(a, ac, G(k), d[i], W(i));
            }
            return;
        }
    }
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
        int64_t *nn = nnull_of(a, ac);
        for (uint32_t k = 0; k < n; k++) nn[G(k)] += W(chunk_row(c, k));
        return 0;
    }
    if (v->type != ac->in)
        return err_set(a->op.x->err, "internal error: %s got a %s argument, expected %s",
                       ac->spec->name ? ac->spec->name : "aggregate", type_name(v->type), type_name(ac->in));
    if (v->nulls)
        for (uint32_t k = 0; k < n; k++) {
            uint32_t i = chunk_row(c, k);
            if (v->nulls[i]) nnull_of(a, ac)[G(k)] += W(i);
        }
    if (ac->distinct || ac->multiset) {
        if (update_multiset(a, ac, v, c, gids)) return err_set(a->op.x->err, "bigint out of range");
        return 0;
    }
    switch (ac->kind) {
    case AGG_COUNT: return 0;   /* COUNT(x) = rowcount - nnull */
    case AGG_SUM:
    case AGG_AVG:
        if (ac->in == TYPE_DOUBLE) {
            update_sum_f64(a, ac, v, c, gids);
            return 0;
        }
        if (update_sum_i64(ac, v, c, gids)) return err_set(a->op.x->err, "bigint out of range");
        return 0;
    case AGG_MIN:
    case AGG_MAX: return update_minmax(a, ac, v, c, gids);
    default: return 0;
    }
}

/* ------------------------------------------------------------ output values */

static int64_t nonnull_count(const AggOp *a, const AggCol *ac, uint32_t g) {
    if (ac->distinct || ac->multiset) return ac->present[g];
    return a->rowcount[g] - (ac->nnull ? ac->nnull[g] : 0);
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
        if (ac->in == TYPE_DOUBLE) out->u.d = dsum_value(ac, g);
        else if (out->type == TYPE_DOUBLE) out->u.d = (double)ac->isum[g];
        else out->u.i = ac->isum[g];
        return;
    case AGG_AVG: {
        double s = ac->in == TYPE_DOUBLE ? dsum_value(ac, g) : (double)ac->isum[g];
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

/* The type agg_value gives a non-NULL output of ac. */
static Type out_type(const AggCol *ac) {
    return ac->kind == AGG_MIN || ac->kind == AGG_MAX ? ac->in : ac->spec->type;
}

/*
** First touch in this round of group g, which existed before it: remember
** whether it had a row and that row's outputs, to retract them at finish.
** (TEXT outputs point into the value set's strings, which live as long as
** the operator.)
*/
static void snapshot(AggOp *a, uint32_t g) {
    if (a->ndirty == a->dcap) {
        uint32_t cap = a->dcap ? 2 * a->dcap : 64;
        a->dlist = xrealloc(a->dlist, sizeof(uint32_t) * cap);
        a->oldexists = xrealloc(a->oldexists, cap);
        for (int j = 0; j < a->naggs; j++) {
            AggCol *ac = &a->aggs[j];
            ac->oldv = xrealloc(ac->oldv, ac->owidth * cap);
            ac->oldnull = xrealloc(ac->oldnull, cap);
        }
        a->dcap = cap;
    }
    uint32_t d = a->ndirty++;
    a->dlist[d] = g;
    a->flags[g] |= GF_DIRTY;
    bool exists = a->nkeys == 0 || a->rowcount[g] > 0;
    a->oldexists[d] = exists;
    if (!exists) return;
    for (int j = 0; j < a->naggs; j++) {
        AggCol *ac = &a->aggs[j];
        Value v;
        agg_value(a, ac, g, &v);
        ac->oldnull[d] = v.null;
        memcpy(ac->oldv + (size_t)d * ac->owidth, &v.u, ac->owidth);
    }
}

/* The output of ac that dirty entry d remembered. */
static void old_value(const AggCol *ac, uint32_t d, Value *out) {
    memset(out, 0, sizeof *out);
    out->type = out_type(ac);
    out->null = ac->oldnull[d];
    if (!out->null) memcpy(&out->u, ac->oldv + (size_t)d * ac->owidth, ac->owidth);
}

/* ------------------------------------------------------------ push */

/*
** Fold the active rows of c into t's row counts and aggregates: gids[k] is
** the group of the k-th active row (NULL: the global group).  Arguments are
** evaluated by `op` (whose scratch arena holds them).  0 / -1.
*/
static int accumulate(AggOp *t, Operator *op, const Chunk *c, const uint32_t *gids) {
    uint32_t n = chunk_active(c);
    const int64_t *wt = c->weights;
    int64_t *rc = t->rowcount;
    if (gids) {
        if (!wt) {
            for (uint32_t k = 0; k < n; k++) rc[gids[k]]++;
        } else {
            for (uint32_t k = 0; k < n; k++) rc[gids[k]] += wt[chunk_row(c, k)];
        }
    } else if (!wt) {
        rc[0] += n;
    } else {
        int64_t s = 0;
        for (uint32_t k = 0; k < n; k++) s += wt[chunk_row(c, k)];
        rc[0] += s;
    }
    for (int j = 0; j < t->naggs; j++) {
        AggCol *ac = &t->aggs[j];
        if (ac->kind == AGG_COUNT_STAR) continue;
        Vec v;
        if (op_eval(op, ac->spec->arg, c, &v)) return -1;
        if (update_agg(t, ac, &v, c, gids)) return -1;
    }
    return 0;
}

/* Groups from earlier rounds: remember their rows before this chunk changes them. */
static void snapshot_touched(AggOp *a, const uint32_t *gids, uint32_t n) {
    uint32_t base = a->gbase;
    if (base == 0) return;
    for (uint32_t k = 0; k < n; k++)
        if (gids[k] < base && !(a->flags[gids[k]] & GF_DIRTY)) snapshot(a, gids[k]);
}

/* ------------------------------------------------------------ late rows */

/* The pane start of a pane-mode value v of group g (window_start or window_end). */
static int64_t pane_start_of(const AggOp *a, int g, int64_t v) {
    return g == a->pane->weg ? v - a->pane->slide : v;
}

/*
** Pane mode: the windows of a row of pane [ps, ps + slide) end at ps +
** slide, ps + 2 slide, ..., ps + size.  Count (and report) those already
** final; true when all of them are, so the row is dropped altogether.
*/
static bool pane_late(AggOp *a, const Chunk *c, uint32_t i, int64_t ps, int64_t wm) {
    const Panes *pn = a->pane;
    int64_t d, nfinal;
    if (__builtin_sub_overflow(wm, ps, &d)) nfinal = d < 0 ? pn->n : 0;   /* wrapped: wm far above / below */
    else nfinal = d < 0 ? 0 : d / pn->slide;
    if (nfinal > pn->n) nfinal = pn->n;
    if (nfinal <= 0) return false;
    op_late(&a->op, nfinal);
    if (a->op.x->late_fn) {
        for (int64_t j = 0; j < nfinal; j++) {
            int64_t e, st;
            if (__builtin_add_overflow(ps, pn->slide * (j + 1), &e)) break;
            if (__builtin_sub_overflow(e, pn->size, &st)) st = INT64_MIN;
            op_late_row(&a->op, c, i, st, e, a->lskip[0], a->lskip[1]);
        }
    }
    return nfinal == pn->n;
}

/*
** Drop the rows of c that are late (file comment, "Event time"): for
** windows, rows whose window is final (window_end <= watermark; in pane
** mode, rows all of whose windows are); for deduplication on event time,
** rows whose event time is below the watermark.  Each is counted and, with
** a late sink, reported.  Returns c or a view of it with fewer active rows.
*/
static const Chunk *drop_late(AggOp *a, const Vec *kv, const Chunk *c) {
    Operator *op = &a->op;
    int64_t wm = op_watermark(op);
    const Vec *tv = &kv[a->wgroup];
    if (wm == INT64_MIN || tv->type != TYPE_TIMESTAMP) return c;
    uint32_t n = chunk_active(c), m = 0;
    uint32_t *sel = arena_alloc(&op->scratch, sizeof(uint32_t) * n);
    const int64_t *d = VEC_I64(tv);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = chunk_row(c, k);
        bool late = false;
        if (!vec_null_at(tv, i)) {
            int64_t v = d[i], end;
            if (a->pane) {
                late = pane_late(a, c, i, pane_start_of(a, a->wgroup, v), wm);
            } else if (a->wkind == WK_EVENT) {
                if ((late = v < wm)) {
                    op_late(op, 1);
                    op_late_row(op, c, i, INT64_MIN, INT64_MIN, -1, -1);
                }
            } else {
                if (__builtin_add_overflow(v, a->woff, &end)) end = INT64_MAX;
                if ((late = end <= wm)) {
                    op_late(op, 1);
                    int64_t st;
                    if (!a->wsize || __builtin_sub_overflow(end, a->wsize, &st)) st = INT64_MIN;
                    op_late_row(op, c, i, st, end, a->lskip[0], a->lskip[1]);
                }
            }
        }
        sel[m] = i;
        m += !late;
    }
    if (m == n) return c;
    Chunk *view = arena_alloc(&op->scratch, sizeof(Chunk));
    *view = *c;
    view->sel = sel;
    view->nsel = m;
    return view;
}

/* ------------------------------------------------------------ eviction */

/* The hash tag group g is filed under in the group table (see lookup). */
static uint64_t group_tag(const AggOp *a, uint32_t g) {
    if (a->fast) return (uint64_t)*(const int64_t *)rows_ptr(&a->keys, 0, g);
    uint64_t h = 0;
    for (int c = 0; c < a->nkeys; c++) {
        Type t = a->keys.types[c];
        Vec v = {t, a->keys.nulls[c] ? a->keys.nulls[c] + g : NULL,
                 t == TYPE_NULL ? NULL : a->keys.data[c] + (size_t)g * vec_width(t)};
        hash_vec(&v, NULL, 1, &h, c > 0);
    }
    return h;
}

/*
** Take group g out of the open-addressing table, keeping every other
** group's probe sequence intact (backward-shift deletion: an entry after
** the hole moves into it unless its home slot lies between the two).
*/
static void table_remove(AggOp *a, uint64_t tag, uint32_t g) {
    uint32_t mask = a->tmask;
    uint64_t pos = (tag * FIB) >> a->tshift;
    for (uint32_t probes = 0; a->slots[pos].gid1 != g + 1; probes++) {
        if (!a->slots[pos].gid1 || probes > mask) return;   /* not filed (cannot happen) */
        pos = (pos + 1) & mask;
    }
    uint64_t hole = pos;
    for (uint64_t q = (hole + 1) & mask; a->slots[q].gid1; q = (q + 1) & mask) {
        uint64_t home = (a->slots[q].tag * FIB) >> a->tshift;
        if (((q - home) & mask) >= ((q - hole) & mask)) {
            a->slots[hole] = a->slots[q];
            hole = q;
        }
    }
    a->slots[hole] = (Slot){0, 0};
}

/* The same for value-set entry e, then zero it and keep its id for reuse. */
static void vs_remove(ValueSet *vs, uint32_t e) {
    uint32_t mask = vs->smask;
    uint64_t pos = vs->ehash[e] & mask;
    bool filed = true;
    for (uint32_t probes = 0; vs->slots[pos] != e + 1; probes++) {
        if (!vs->slots[pos] || probes > mask) {
            filed = false;
            break;
        }
        pos = (pos + 1) & mask;
    }
    if (filed) {
        uint64_t hole = pos;
        for (uint64_t q = (hole + 1) & mask; vs->slots[q]; q = (q + 1) & mask) {
            uint64_t home = vs->ehash[vs->slots[q] - 1] & mask;
            if (((q - home) & mask) >= ((q - hole) & mask)) {
                vs->slots[hole] = vs->slots[q];
                hole = q;
            }
        }
        vs->slots[hole] = 0;
    }
    vs->egroup[e] = ENTRY_FREE;
    vs->ecount[e] = 0;
    vs->enext1[e] = 0;
    if (vs->nefree == vs->efcap) {
        vs->efcap = vs->efcap ? 2 * vs->efcap : 64;
        vs->efree = xrealloc(vs->efree, sizeof(uint32_t) * vs->efcap);
    }
    vs->efree[vs->nefree++] = e;
}

/* Remember that the runtime's copy of the entry with key k must go. */
static void tomb_add(AggOp *a, const StateBuf *k) {
    sbuf_varint(&a->tomb, k->n);
    sbuf_bytes(&a->tomb, k->p, k->n);
}

static void group_key(AggOp *a, StateBuf *b, uint32_t g);

/*
** Evict group g, whose window the watermark finalized: its state entries
** the runtime may hold become deletions for the next state report, its
** set members and its table slot go, its accumulators return to zero and
** its id to the free list (new_group reuses it).
*/
static void evict_group(AggOp *a, uint32_t g) {
    if (g < a->pbase) {   /* reported at some point: the runtime may hold it */
        group_key(a, &a->kb, g);
        tomb_add(a, &a->kb);
    }
    for (int j = 0; j < a->naggs; j++) {
        AggCol *ac = &a->aggs[j];
        if (ac->distinct || ac->multiset) {
            ValueSet *vs = &ac->vs;
            for (uint32_t e1 = ac->head1[g]; e1;) {
                uint32_t e = e1 - 1;
                e1 = vs->enext1[e];
                if (e < vs->pbase) {
                    StateBuf *k = &a->kb;
                    sbuf_reset(k);
                    sbuf_byte(k, 1);
                    sbuf_varint(k, (uint64_t)j);
                    sbuf_store_row(k, &a->keys, g, a->nkeys);
                    sbuf_store_row(k, &vs->vals, e, 1);
                    tomb_add(a, k);
                }
                vs_remove(vs, e);
            }
            ac->head1[g] = 0;
            ac->present[g] = 0;
            if (ac->beste1) ac->beste1[g] = 0;
        }
        if (ac->nnull) ac->nnull[g] = 0;
        if (ac->isum) ac->isum[g] = 0;
        if (ac->dsum) ac->dsum[g] = 0;
        if (ac->nfin) memset(&ac->nfin[3 * (size_t)g], 0, 3 * sizeof(int64_t));
        if (ac->has) ac->has[g] = 0;
    }
    table_remove(a, group_tag(a, g), g);
    a->rowcount[g] = 0;
    a->flags[g] = (uint8_t)((a->flags[g] & GF_PENDING) | GF_FREE);   /* a pending mark stays in plist */
    if (a->nfree == a->fcap) {
        a->fcap = a->fcap ? 2 * a->fcap : 64;
        a->freel = xrealloc(a->freel, sizeof(uint32_t) * a->fcap);
    }
    a->freel[a->nfree++] = g;
    a->evicted++;
}

/*
** Copy the strings of live groups, set members and TEXT extremes into a new
** arena and drop the old one, where the evicted groups' strings stayed.
** Called after enough evictions that the copy is cheap by comparison.
*/
static void compact_strings(AggOp *a) {
    Arena na;
    arena_init(&na, 0);
    for (int c = 0; c < a->nkeys; c++) {
        if (a->keys.types[c] != TYPE_TEXT) continue;
        Str *d = (Str *)a->keys.data[c];
        for (uint32_t g = 0; g < a->ngroups; g++)
            if (!(a->flags[g] & GF_FREE) && !rows_null(&a->keys, c, g)) d[g] = str_dup(&na, d[g]);
    }
    for (int j = 0; j < a->naggs; j++) {
        AggCol *ac = &a->aggs[j];
        if (ac->in != TYPE_TEXT) continue;
        if (ac->distinct || ac->multiset) {
            Str *d = (Str *)ac->vs.vals.data[0];
            for (uint32_t e = 0; e < ac->vs.n; e++)
                if (ac->vs.egroup[e] != ENTRY_FREE && !rows_null(&ac->vs.vals, 0, e)) d[e] = str_dup(&na, d[e]);
        }
        if (ac->best) {
            Str *d = (Str *)ac->best;
            for (uint32_t g = 0; g < a->ngroups; g++)
                if (!(a->flags[g] & GF_FREE) && ac->has[g]) d[g] = str_dup(&na, d[g]);
        }
    }
    arena_free(&a->kstr);
    a->kstr = na;   /* the stores point at the field, not at the old blocks */
    a->evicted = 0;
}

/* ------------------------------------------------------------ HOP panes */

/* Forget every pane group (after they went into the windows). */
static void pane_clear(AggOp *t) {
    uint32_t n = t->ngroups;
    if (n == 0) return;
    if (t->tmask + 1 > 4096 && (uint64_t)n * 8 < (uint64_t)t->tmask + 1) {
        free(t->slots);   /* a burst made the table big: start small again */
        table_init(t, 256);
    } else {
        memset(t->slots, 0, sizeof(Slot) * ((size_t)t->tmask + 1));
    }
    memset(t->rowcount, 0, sizeof(int64_t) * n);
    for (int j = 0; j < t->naggs; j++) {
        AggCol *ac = &t->aggs[j];
        if (ac->nnull) memset(ac->nnull, 0, sizeof(int64_t) * n);
        if (ac->isum) memset(ac->isum, 0, sizeof(int64_t) * n);
    }
    t->ngroups = 0;
    t->null_gid1 = 0;
    rows_clear(&t->keys);
    arena_reset(&t->kstr);
}

/*
** Add the partial aggregates of pane groups qrow[0..m) to the windows
** starting at wstart[0..m) (one pair per window a pane belongs to): the
** window key is the pane's with window_start / window_end replaced; COUNT
** adds row counts, SUM adds sums, COUNT(x) NULL counts.
*/
static int pane_apply(AggOp *a, const uint32_t *qrow, const int64_t *wstart, uint32_t m, Arena *ar) {
    Panes *pn = a->pane;
    AggOp *t = pn->t;
    Vec *kv = arena_alloc(ar, sizeof(Vec) * (size_t)a->nkeys);
    for (int c = 0; c < a->nkeys; c++) {
        if (c == pn->wsg || c == pn->weg) {
            vec_alloc(&kv[c], TYPE_TIMESTAMP, m, ar);
            int64_t off = c == pn->weg ? pn->size : 0;
            for (uint32_t k = 0; k < m; k++) VEC_I64(&kv[c])[k] = wstart[k] + off;
        } else {
            rows_gather(&t->keys, c, qrow, m, &kv[c], ar);
        }
    }
    Chunk ch = {.ncols = a->nkeys, .count = m, .nsel = m, .cols = kv};
    uint32_t *gids = arena_alloc(ar, sizeof(uint32_t) * m);
    if (lookup(a, kv, &ch, m, gids)) return -1;
    snapshot_touched(a, gids, m);
    bool ovf = false;
    for (uint32_t k = 0; k < m; k++) {
        uint32_t g = gids[k], q = qrow[k];
        a->rowcount[g] += t->rowcount[q];
        for (int j = 0; j < a->naggs; j++) {
            AggCol *ac = &a->aggs[j], *pc = &t->aggs[j];
            if (pc->nnull && pc->nnull[q]) nnull_of(a, ac)[g] += pc->nnull[q];
            if (ac->isum && pc->isum) ovf |= __builtin_add_overflow(ac->isum[g], pc->isum[q], &ac->isum[g]);
        }
    }
    return ovf ? err_set(a->op.x->err, "bigint out of range") : 0;
}

/* A pane group whose rows cancelled out adds nothing to any window. */
static bool pane_group_empty(const AggOp *t, uint32_t q) {
    if (t->rowcount[q]) return false;
    for (int j = 0; j < t->naggs; j++) {
        const AggCol *ac = &t->aggs[j];
        if ((ac->nnull && ac->nnull[q]) || (ac->isum && ac->isum[q])) return false;
    }
    return true;
}

/*
** Move the pane table into the windows: each pane group goes to the
** size / slide windows that contain its pane, except those already final
** for this round's rows (their rows were counted late by drop_late).
*/
static int pane_flush(AggOp *a) {
    Panes *pn = a->pane;
    AggOp *t = pn->t;
    if (t->ngroups == 0) return 0;
    int64_t wm = op_watermark(&a->op);
    Arena ar;
    arena_init(&ar, 1 << 16);
    uint32_t cap = WEIR_BATCH_SIZE < 256 ? 256 : WEIR_BATCH_SIZE, m = 0;
    uint32_t *qrow = xmalloc(sizeof(uint32_t) * cap);
    int64_t *wstart = xmalloc(sizeof(int64_t) * cap);
    int rc = 0;
    int pg = pn->weg >= 0 ? pn->weg : pn->wsg;
    for (uint32_t q = 0; q < t->ngroups && rc == 0; q++) {
        if (rows_null(&t->keys, pg, q) || pane_group_empty(t, q)) continue;
        int64_t ps = pane_start_of(a, pg, *(const int64_t *)rows_ptr(&t->keys, pg, q)), first, last;
        /* windows [ps - size + slide, ...) up to [ps, ps + size) */
        if (__builtin_sub_overflow(ps, pn->size - pn->slide, &first) || __builtin_add_overflow(ps, pn->size, &last)) {
            rc = err_set(a->op.x->err, "timestamp out of range");
            break;
        }
        for (int64_t j = 0; j < pn->n && rc == 0; j++) {
            int64_t s = first + pn->slide * j;
            if (s + pn->size <= wm) continue;
            qrow[m] = q;
            wstart[m++] = s;
            if (m == cap) {
                rc = pane_apply(a, qrow, wstart, m, &ar);
                arena_reset(&ar);
                m = 0;
            }
        }
    }
    if (rc == 0 && m) rc = pane_apply(a, qrow, wstart, m, &ar);
    free(qrow);
    free(wstart);
    arena_free(&ar);
    pane_clear(t);
    return rc;
}

/* Pane mode push: the rows go to the pane table only. */
static int pane_push(AggOp *a, const Vec *kv, const Chunk *c) {
    AggOp *t = a->pane->t;
    uint32_t n = chunk_active(c);
    arena_reset(&t->op.scratch);
    uint32_t *gids = arena_alloc(&a->op.scratch, sizeof(uint32_t) * n);
    if (lookup(t, kv, c, n, gids) || accumulate(t, &a->op, c, gids)) return -1;
    /* bound the pane table within a long round */
    return t->ngroups >= (1u << 16) ? pane_flush(a) : 0;
}

/* ------------------------------------------------------------ push */

static int agg_push(Operator *op, int port, const Chunk *c) {
    (void)port;
    AggOp *a = (AggOp *)op;
    uint32_t n = chunk_active(c);
    if (n == 0) return 0;
    if (a->nkeys == 0) {
        if (a->gbase > 0 && !(a->flags[0] & GF_DIRTY)) snapshot(a, 0);
        return accumulate(a, op, c, NULL);
    }
    Vec *kv = arena_alloc(&op->scratch, sizeof(Vec) * (size_t)a->nkeys);
    for (int j = 0; j < a->nkeys; j++)
        if (op_eval(op, op->plan->u.agg.groups[j], c, &kv[j])) return -1;
    if (a->wkind != WK_NONE) {
        c = drop_late(a, kv, c);
        if ((n = chunk_active(c)) == 0) return 0;
    }
    if (a->pane) return pane_push(a, kv, c);
    uint32_t *gids = arena_alloc(&op->scratch, sizeof(uint32_t) * n);
    if (lookup(a, kv, c, n, gids)) return -1;
    snapshot_touched(a, gids, n);
    return accumulate(a, op, c, gids);
}

/* ------------------------------------------------------------ output */

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

/*
** Emit the change of group g: (-1, its row before the round) when it had
** one (dirty entry d; d == UINT32_MAX: a group new in this round), (+1, its
** row now) when it has one; nothing when the two are equal.
*/
static int emit_group(AggOp *a, OutBuf *ob, uint32_t g, uint32_t d) {
    int na = a->naggs > 0 ? a->naggs : 1;
    Value cur[na], old[na];
    memset(old, 0, sizeof old);   /* naggs == 0: nothing read, but keep the compiler sure */
    bool now = a->nkeys == 0 || a->rowcount[g] > 0;
    bool had = d != UINT32_MAX && a->oldexists[d];
    if (now)
        for (int j = 0; j < a->naggs; j++) agg_value(a, &a->aggs[j], g, &cur[j]);
    if (had) {
        bool same = now;
        for (int j = 0; j < a->naggs; j++) {
            old_value(&a->aggs[j], d, &old[j]);
            same = same && value_same(&cur[j], &old[j]);
        }
        if (same) return 0;
        if (out_row(a, ob, g, old, -1)) return -1;
    }
    if (now && out_row(a, ob, g, cur, 1)) return -1;
    return 0;
}

static void mark_pending(AggOp *a, uint32_t g) {
    if (g >= a->pbase || (a->flags[g] & GF_PENDING)) return;   /* new groups are reported anyway */
    a->flags[g] |= GF_PENDING;
    if (a->np == a->pcap) {
        a->pcap = a->pcap ? 2 * a->pcap : 64;
        a->plist = xrealloc(a->plist, sizeof(uint32_t) * a->pcap);
    }
    a->plist[a->np++] = g;
}

/*
** The watermark of this round's end finalizes every group whose time came
** (bucket by bucket, earliest first): in APPEND mode (`hold`) a window's row is emitted now, its
** only emission; then the group is evicted.
*/
static int finalize(AggOp *a, OutBuf *ob, bool hold) {
    if (a->wkind == WK_NONE || a->bfirst == a->bn) return 0;
    int64_t wm = op_final_watermark(&a->op);
    if (wm == INT64_MIN) return 0;
    int na = a->naggs > 0 ? a->naggs : 1;
    Value cur[na];
    for (; a->bfirst < a->bn && a->bk[a->bfirst].t <= wm; a->bfirst++) {
        for (uint32_t g1 = a->bk[a->bfirst].head1; g1;) {
            uint32_t g = g1 - 1;
            g1 = a->wnext1[g];
            if (hold && a->rowcount[g] > 0) {
                for (int j = 0; j < a->naggs; j++) agg_value(a, &a->aggs[j], g, &cur[j]);
                if (out_row(a, ob, g, cur, 1)) return -1;
            }
            evict_group(a, g);
        }
    }
    return 0;
}

static int agg_finish(Operator *op) {
    AggOp *a = (AggOp *)op;
    if (a->pane && pane_flush(a)) return -1;
    OutBuf ob;
    out_start(a, &ob);
    /* APPEND: a window's row is written once, when final (finalize), never before */
    bool hold = a->wkind == WK_WINDOW && op->x->opt.append_only && !op_insert_only(op);
    /* groups from earlier rounds that this one touched, then the groups it created */
    for (uint32_t d = 0; d < a->ndirty && !hold; d++) {
        uint32_t g = a->dlist[d];
        if (emit_group(a, &ob, g, d)) return -1;
    }
    for (uint32_t g = a->gbase; g < a->ngroups && !hold; g++)
        if (emit_group(a, &ob, g, UINT32_MAX)) return -1;
    for (uint32_t d = 0; d < a->ndirty; d++) {
        uint32_t g = a->dlist[d];
        a->flags[g] &= (uint8_t)~GF_DIRTY;
        mark_pending(a, g);
    }
    a->ndirty = 0;
    if (finalize(a, &ob, hold)) return -1;
    if (out_flush(a, &ob)) return -1;
    a->gbase = a->ngroups;
    if (a->evicted > 4096 && a->evicted > a->ngroups - a->nfree) compact_strings(a);
    return 0;
}

static int64_t agg_state_rows(const Operator *op) {
    const AggOp *a = (const AggOp *)op;
    return (int64_t)a->ngroups - a->nfree;
}

/* ------------------------------------------------------------ state persistence */

/* Group g holds nothing: it was never there, as far as a restart is concerned. */
static bool group_empty(const AggOp *a, uint32_t g) {
    if (a->nkeys == 0 || a->rowcount[g] != 0) return false;   /* the global group always has a row */
    for (int j = 0; j < a->naggs; j++) {
        const AggCol *ac = &a->aggs[j];
        if ((ac->nnull && ac->nnull[g]) || (ac->isum && ac->isum[g]) || (ac->present && ac->present[g]))
            return false;
        if (ac->nfin && (ac->nfin[3 * (size_t)g] || ac->nfin[3 * (size_t)g + 1] || ac->nfin[3 * (size_t)g + 2]))
            return false;
        if (ac->dsum) {
            uint64_t bits;
            memcpy(&bits, &ac->dsum[g], sizeof bits);
            if (bits) return false;   /* rounding residue and -0.0 are kept too: bit-exact restore */
        }
    }
    return true;
}

static void group_key(AggOp *a, StateBuf *b, uint32_t g) {
    sbuf_reset(b);
    sbuf_byte(b, 0);
    sbuf_store_row(b, &a->keys, g, a->nkeys);
}

/* Write (or delete, when empty) the entry of group g.  `fresh`: never reported before. */
static int report_group(AggOp *a, uint32_t g, bool fresh, StatePutFn put, void *ud) {
    bool empty = group_empty(a, g);
    if (empty && fresh) return 0;
    group_key(a, &a->kb, g);
    if (empty) return put(ud, a->op.id, a->kb.p, a->kb.n, NULL, 0);
    StateBuf *v = &a->vb;
    sbuf_reset(v);
    sbuf_byte(v, 1);   /* format */
    sbuf_zigzag(v, a->rowcount[g]);
    for (int j = 0; j < a->naggs; j++) {
        const AggCol *ac = &a->aggs[j];
        if (ac->kind == AGG_COUNT_STAR) continue;
        sbuf_zigzag(v, ac->nnull ? ac->nnull[g] : 0);
        if (ac->isum) sbuf_zigzag(v, ac->isum[g]);
        if (ac->dsum) sbuf_f64(v, ac->dsum[g]);
        if (ac->nonfinite) {
            const int64_t *nf = ac->nfin ? &ac->nfin[3 * (size_t)g] : NULL;
            bool any = nf && (nf[0] || nf[1] || nf[2]);
            sbuf_byte(v, any);
            if (any)
                for (int q = 0; q < 3; q++) sbuf_zigzag(v, nf[q]);
        }
    }
    /* the empty value is reserved for deletions */
    return put(ud, a->op.id, a->kb.p, a->kb.n, v->p, v->n);
}

/* Write (or delete, count 0) entry e of aggregate j's value set. */
static int report_entry(AggOp *a, int j, uint32_t e, bool fresh, StatePutFn put, void *ud) {
    ValueSet *vs = &a->aggs[j].vs;
    int64_t cnt = vs->ecount[e];
    if (cnt == 0 && fresh) return 0;
    StateBuf *k = &a->kb;
    sbuf_reset(k);
    sbuf_byte(k, 1);
    sbuf_varint(k, (uint64_t)j);
    sbuf_store_row(k, &a->keys, vs->egroup[e], a->nkeys);
    sbuf_store_row(k, &vs->vals, e, 1);
    if (cnt == 0) return put(ud, a->op.id, k->p, k->n, NULL, 0);
    sbuf_reset(&a->vb);
    sbuf_zigzag(&a->vb, cnt);
    return put(ud, a->op.id, k->p, k->n, a->vb.p, a->vb.n);
}

static int agg_state_changes(Operator *op, StatePutFn put, void *ud) {
    AggOp *a = (AggOp *)op;
    if (!put) {
        sbuf_reset(&a->tomb);
        for (uint32_t k = 0; k < a->np; k++) a->flags[a->plist[k]] &= (uint8_t)~GF_PENDING;
        a->np = 0;
        a->pbase = a->ngroups;
        for (int j = 0; j < a->naggs; j++) {
            ValueSet *vs = &a->aggs[j].vs;
            for (uint32_t k = 0; k < vs->np; k++) vs->epend[vs->plist[k]] = 0;
            vs->np = 0;
            vs->pbase = vs->n;
        }
        return 0;
    }
    /* entries of evicted groups first: a later put of the same key (none expected) wins */
    StateRd r = {a->tomb.p, a->tomb.p + a->tomb.n, false};
    while (r.p < r.end) {
        uint64_t len = srd_varint(&r);
        if (r.bad || len > (uint64_t)(r.end - r.p)) return err_set(op->x->err, "internal error: bad eviction list");
        if (put(ud, op->id, r.p, (size_t)len, NULL, 0)) return -1;
        r.p += len;
    }
    for (uint32_t k = 0; k < a->np; k++)
        if (!(a->flags[a->plist[k]] & GF_FREE) && report_group(a, a->plist[k], false, put, ud)) return -1;
    for (uint32_t g = a->pbase; g < a->ngroups; g++)
        if (!(a->flags[g] & GF_FREE) && report_group(a, g, true, put, ud)) return -1;
    for (int j = 0; j < a->naggs; j++) {
        ValueSet *vs = &a->aggs[j].vs;
        if (!a->aggs[j].distinct && !a->aggs[j].multiset) continue;
        for (uint32_t k = 0; k < vs->np; k++)
            if (vs->egroup[vs->plist[k]] != ENTRY_FREE && report_entry(a, j, vs->plist[k], false, put, ud)) return -1;
        for (uint32_t e = vs->pbase; e < vs->n; e++)
            if (vs->egroup[e] != ENTRY_FREE && report_entry(a, j, e, true, put, ud)) return -1;
    }
    return 0;
}

static void setup(AggOp *a);

/* The group of decoded keys kv (one row each), created when absent. */
static int load_group(AggOp *a, Vec *kv, uint32_t *g) {
    if (a->nkeys == 0) {
        *g = 0;
        return 0;
    }
    Chunk c = {.ncols = a->nkeys, .count = 1, .nsel = 1, .cols = kv};
    return lookup(a, kv, &c, 1, g);
}

static int agg_state_load(Operator *op, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen) {
    AggOp *a = (AggOp *)op;
    setup(a);
    arena_reset(&op->scratch);
    StateRd r = {key, key + klen, false};
    uint8_t tag = srd_byte(&r);
    int j = 0;
    if (tag == 1) {
        uint64_t jj = srd_varint(&r);
        if (jj >= (uint64_t)a->naggs || (!a->aggs[jj].distinct && !a->aggs[jj].multiset)) return op_state_corrupt(op);
        j = (int)jj;
    } else if (tag != 0) {
        return op_state_corrupt(op);
    }
    Vec kv[a->nkeys > 0 ? a->nkeys : 1];
    srd_row(&r, a->nkeys, a->keys.types, kv, &op->scratch);
    Vec ev;
    if (tag == 1) {
        vec_alloc(&ev, a->aggs[j].in, 1, &op->scratch);
        srd_value(&r, a->aggs[j].in, &ev, 0, 1, &op->scratch);
        if (vec_null_at(&ev, 0)) r.bad = true;   /* sets hold no NULLs */
    }
    if (r.bad || r.p != r.end) return op_state_corrupt(op);
    uint32_t g;
    if (load_group(a, kv, &g)) return -1;
    StateRd v = {val, val + vlen, false};
    if (tag == 1) {
        AggCol *ac = &a->aggs[j];
        int64_t cnt = srd_zigzag(&v), old;
        if (v.bad || v.p != v.end) return op_state_corrupt(op);
        vs_add(ac, g, &ev, 0, cnt, &old);
        if (ac->multiset) ac->beste1[g] = 0;   /* unknown: found again when read */
    } else {
        if (srd_byte(&v) != 1) return op_state_corrupt(op);
        a->rowcount[g] = srd_zigzag(&v);
        for (int q = 0; q < a->naggs; q++) {
            AggCol *ac = &a->aggs[q];
            if (ac->kind == AGG_COUNT_STAR) continue;
            int64_t nn = srd_zigzag(&v);
            if (nn) nnull_of(a, ac)[g] = nn;
            if (ac->isum) ac->isum[g] = srd_zigzag(&v);
            if (ac->dsum) ac->dsum[g] = srd_f64(&v);
            if (ac->nonfinite && srd_byte(&v)) {
                if (!ac->nfin) ac->nfin = xcalloc(a->gcap ? a->gcap : 1, 3 * sizeof(int64_t));
                for (int q = 0; q < 3; q++) ac->nfin[3 * (size_t)g + q] = srd_zigzag(&v);
            }
        }
        if (v.bad || v.p != v.end) return op_state_corrupt(op);
    }
    /* restored state counts as reported, and as emitted before the next round */
    a->gbase = a->pbase = a->ngroups;
    for (int q = 0; q < a->naggs; q++) a->aggs[q].vs.pbase = a->aggs[q].vs.n;
    return 0;
}

/* ------------------------------------------------------------ lifetime */

/* Free the arrays of a group table (an operator's, or a pane table's). */
static void free_tables(AggOp *a) {
    rows_free(&a->keys);
    free(a->bk);
    free(a->wnext1);
    free(a->freel);
    sbuf_free(&a->tomb);
    arena_free(&a->kstr);
    free(a->rowcount);
    free(a->flags);
    free(a->dlist);
    free(a->oldexists);
    free(a->plist);
    free(a->slots);
    sbuf_free(&a->kb);
    sbuf_free(&a->vb);
    for (int j = 0; j < a->naggs; j++) {
        AggCol *ac = &a->aggs[j];
        free(ac->nnull);
        free(ac->nfin);
        free(ac->isum);
        free(ac->dsum);
        free(ac->best);
        free(ac->has);
        free(ac->beste1);
        free(ac->head1);
        free(ac->present);
        free(ac->oldv);
        free(ac->oldnull);
        rows_free(&ac->vs.vals);
        free(ac->vs.egroup);
        free(ac->vs.ecount);
        free(ac->vs.ehash);
        free(ac->vs.enext1);
        free(ac->vs.epend);
        free(ac->vs.plist);
        free(ac->vs.slots);
        free(ac->vs.efree);
    }
}

static void agg_destroy(Operator *op) {
    AggOp *a = (AggOp *)op;
    if (a->pane && a->pane->t) {
        AggOp *t = a->pane->t;
        free_tables(t);
        free(t->aggs);
        arena_free(&t->op.scratch);
        free(t);
    }
    free_tables(a);
}

/* ------------------------------------------------------------ event-time role */

/* Does e read a column whose role[] is set? */
static bool refs_role(const Expr *e, const uint8_t *role, int ncols) {
    if (!e) return false;
    if (e->kind == EXPR_COLUMN) return e->col >= 0 && e->col < ncols && role[e->col];
    for (int i = 0; i < e->nargs; i++)
        if (refs_role(e->args[i], role, ncols)) return true;
    return false;
}

enum { ROLE_WS = 1, ROLE_WE = 2 };

/*
** Can this aggregate combine HOP panes into windows?  Its aggregates must
** add up exactly (COUNT(*), COUNT(x), SUM/AVG over BIGINT or INTERVAL, no
** DISTINCT: a DOUBLE sum of pane sums would round differently); the HOP
** window w must be right below it with only filters and projections in
** between, and window_start / window_end may only be passed on as bare
** columns and grouped by -- a pane's bounds are not its windows' bounds, so
** nothing may compute with them.  On success the window emits panes and
** a->pane is set up.
*/
static void try_panes(AggOp *a, const Plan *win) {
    Operator *op = &a->op;
    if (win->kind != PLAN_WINDOW || win->u.window.kind != WINDOW_HOP) return;
    int64_t size = win->u.window.size_us, slide = win->u.window.slide_us;
    if (slide <= 0 || size <= slide || size % slide != 0 || size / slide > (1 << 20)) return;
    for (int j = 0; j < a->naggs; j++) {
        const AggSpec *sp = &op->plan->u.agg.aggs[j];
        bool ok = sp->kind == AGG_COUNT_STAR ||
                  (!sp->distinct && sp->arg &&
                   (sp->kind == AGG_COUNT ||
                    ((sp->kind == AGG_SUM || sp->kind == AGG_AVG) &&
                     (sp->arg->type == TYPE_BIGINT || sp->arg->type == TYPE_INTERVAL))));
        if (!ok) return;
    }
    /* the operators from the window up to this aggregate */
    Operator *chain[64];
    int nchain = 0;
    Operator *w = op->child[0];
    while (w && (w->plan->kind == PLAN_FILTER || w->plan->kind == PLAN_PROJECT)) {
        if (nchain == 64) return;
        chain[nchain++] = w;
        w = w->child[0];
    }
    if (!w || w->plan != win || !win->left) return;
    /* which columns carry window_start / window_end, level by level upward */
    int ncols = win->schema.ncols, nin = win->left->schema.ncols;
    uint8_t *role = xcalloc((size_t)ncols + 1, 1);
    role[nin] = ROLE_WS;
    role[nin + 1] = ROLE_WE;
    bool ok = true;
    for (int k = nchain - 1; k >= 0 && ok; k--) {
        const Plan *p = chain[k]->plan;
        if (p->kind == PLAN_FILTER) {
            ok = !refs_role(p->u.filter.pred, role, ncols);
            continue;
        }
        uint8_t *nr = xcalloc((size_t)p->u.project.n + 1, 1);
        for (int i = 0; i < p->u.project.n && ok; i++) {
            const Expr *e = p->u.project.exprs[i];
            if (e->kind == EXPR_COLUMN && e->col >= 0 && e->col < ncols) nr[i] = role[e->col];
            else ok = !refs_role(e, role, ncols);
        }
        free(role);
        role = nr;
        ncols = p->u.project.n;
    }
    int wsg = -1, weg = -1;
    const Plan *p = op->plan;
    for (int g = 0; g < p->u.agg.ngroups && ok; g++) {
        const Expr *e = p->u.agg.groups[g];
        if (e->kind == EXPR_COLUMN && e->col >= 0 && e->col < ncols && role[e->col]) {
            int *slot = role[e->col] == ROLE_WS ? &wsg : &weg;
            ok = *slot < 0;
            *slot = g;
        } else {
            ok = !refs_role(e, role, ncols);
        }
    }
    for (int j = 0; j < p->u.agg.naggs && ok; j++) ok = !refs_role(p->u.agg.aggs[j].arg, role, ncols);
    free(role);
    if (!ok || (wsg < 0 && weg < 0) || (a->wkind == WK_WINDOW && a->wgroup != wsg && a->wgroup != weg)) return;
    /* the pane table: the same keys and aggregates, plain accumulators */
    AggOp *t = xcalloc(1, sizeof *t);
    t->op.x = op->x;
    t->op.plan = op->plan;
    t->op.vt = op->vt;
    t->op.id = op->id;
    arena_init(&t->op.scratch, 1 << 16);
    arena_init(&t->kstr, 0);
    t->nkeys = a->nkeys;
    t->naggs = a->naggs;
    t->fast = a->fast;
    t->aggs = xcalloc((size_t)(a->naggs > 0 ? a->naggs : 1), sizeof(AggCol));
    for (int j = 0; j < a->naggs; j++) {
        AggCol *ac = &t->aggs[j];
        ac->spec = a->aggs[j].spec;
        ac->kind = a->aggs[j].kind;
        ac->in = a->aggs[j].in;
        ac->owidth = a->aggs[j].owidth;
    }
    rows_init(&t->keys, a->nkeys, a->keys.types, false, &t->kstr);
    table_init(t, 256);
    t->ready = true;
    Panes *pn = ARENA_NEW(&op->state, Panes);
    *pn = (Panes){t, wsg, weg, size, slide, size / slide};
    a->pane = pn;
    op_window_use_panes(w);
}

/*
** Decide the aggregate's event-time role from agg.window_end_group (set by
** the planner: the group that is a window's end, else the first event-time
** group):
**   WK_WINDOW  the group is the window_end (or window_start, end = start +
**              size) of a TUMBLE / HOP / SESSION window below: groups are
**              windows, final once their end <= watermark;
**   WK_EVENT   no window, no aggregates (deduplication), and the group is
**              an event-time column of the input: rows below the watermark
**              are late, groups below it are final;
**   WK_NONE    anything else, including aggregates grouped by an event-time
**              column that is not a window: nothing is dropped or evicted
**              (CONTRACT §4 drops by window only for aggregations).
*/
static int agg_event_role(Operator *op) {
    AggOp *a = (AggOp *)op;
    const Plan *p = op->plan;
    int g = p->u.agg.window_end_group;
    a->wkind = WK_NONE;
    if (g < 0 || g >= a->nkeys || !p->left) return 0;
    const Expr *e = p->u.agg.groups[g];
    if (!e || e->kind != EXPR_COLUMN || e->type != TYPE_TIMESTAMP || e->col < 0 || e->col >= p->left->schema.ncols)
        return 0;
    const Plan *node = NULL;
    int ocol;
    if (plan_col_origin(p->left, e->col, &node, &ocol) && node->kind == PLAN_WINDOW && node->left) {
        int nin = node->left->schema.ncols;
        bool session = node->u.window.kind == WINDOW_SESSION;
        if (ocol == nin + 1) {
            a->wkind = WK_WINDOW;
            a->woff = 0;
            a->wsize = session ? 0 : node->u.window.size_us;
        } else if (ocol == nin && !session) {
            a->wkind = WK_WINDOW;
            a->woff = a->wsize = node->u.window.size_us;
        }
    }
    a->lskip[0] = a->lskip[1] = -1;
    if (a->wkind == WK_WINDOW) {
        /* the groups that are this window's bounds, as bare input columns: left out of late rows' text */
        int nin = node->left->schema.ncols, ns = 0;
        for (int j = 0; j < p->u.agg.ngroups && ns < 2; j++) {
            const Expr *gj = p->u.agg.groups[j];
            const Plan *n2;
            int c2;
            if (gj && gj->kind == EXPR_COLUMN && plan_col_origin(p->left, gj->col, &n2, &c2) && n2 == node &&
                (c2 == nin || c2 == nin + 1) && gj->col != a->lskip[0])
                a->lskip[ns++] = gj->col;
        }
    }
    if (a->wkind == WK_NONE && a->naggs == 0 && p->left->schema.cols[e->col].event_time) a->wkind = WK_EVENT;
    a->wgroup = g;
    if (a->wkind == WK_WINDOW) try_panes(a, node);
    return 0;
}

/* The HOP window right below the aggregate (through filters and projections), or NULL. */
static const Plan *hop_below(const Operator *op) {
    const Operator *w = op->child[0];
    while (w && (w->plan->kind == PLAN_FILTER || w->plan->kind == PLAN_PROJECT)) w = w->child[0];
    return w && w->plan->kind == PLAN_WINDOW && w->plan->u.window.kind == WINDOW_HOP ? w->plan : NULL;
}

/*
** The event-time role, then panes: a windowed aggregate over a HOP tries
** them in agg_event_role; one without a watermark (a batch query over a
** table, a source without WATERMARK) may use them just as well.
*/
static int agg_prepare(Operator *op) {
    AggOp *a = (AggOp *)op;
    if (agg_event_role(op)) return -1;
    if (!a->pane && a->wkind == WK_NONE && a->nkeys > 0) {
        const Plan *hop = hop_below(op);
        if (hop) try_panes(a, hop);
    }
    return 0;
}

/*
** The aggregate's mode for MIN/MAX (multiset or not) depends on whether the
** executor runs as a batch query, which exec_run decides after exec_new; so
** per-aggregate state is set up at the first push, finish or state load.
*/
static void setup(AggOp *a) {
    if (a->ready) return;
    a->ready = true;
    Operator *op = &a->op;
    table_init(a, 256);
    for (int j = 0; j < a->naggs; j++) {
        AggCol *ac = &a->aggs[j];
        bool minmax = ac->kind == AGG_MIN || ac->kind == AGG_MAX;
        ac->distinct = ac->spec->distinct && !minmax && ac->kind != AGG_COUNT_STAR;
        ac->multiset = minmax && !op_insert_only(op);
        ac->nonfinite = (ac->kind == AGG_SUM || ac->kind == AGG_AVG) && ac->in == TYPE_DOUBLE && !op_insert_only(op);
        if (ac->distinct || ac->multiset) {
            rows_init(&ac->vs.vals, 1, &ac->in, false, &a->kstr);
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
    .state_changes = agg_state_changes,
    .state_load = agg_state_load,
    .destroy = agg_destroy,
    .prepare = agg_prepare,
};

Operator *op_aggregate_new(Executor *x, const Plan *p) {
    int nkeys = p->u.agg.ngroups, naggs = p->u.agg.naggs;
    if (nkeys < 0 || naggs < 0 || p->schema.ncols != nkeys + naggs) {
        err_set(x->err, "internal error: aggregate with %d keys and %d aggregates has %d columns", nkeys,
                naggs, p->schema.ncols);
        return NULL;
    }
    AggOp *a = (AggOp *)op_alloc(x, p, &agg_vt, sizeof(AggOp), 1);
    arena_init(&a->kstr, 0);
    a->lskip[0] = a->lskip[1] = -1;
    a->nkeys = nkeys;
    a->naggs = naggs;
    a->aggs = ARENA_ARRAY(&a->op.state, AggCol, naggs > 0 ? naggs : 1);
    for (int j = 0; j < naggs; j++) {
        AggCol *ac = &a->aggs[j];
        const AggSpec *s = &p->u.agg.aggs[j];
        ac->spec = s;
        ac->kind = s->kind;
        ac->owidth = vec_width(s->type) > vec_width(s->arg ? s->arg->type : TYPE_BIGINT)
                         ? vec_width(s->type)
                         : vec_width(s->arg ? s->arg->type : TYPE_BIGINT);
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
        rows_init(&a->keys, nkeys, kt, false, &a->kstr);
        a->fast = nkeys == 1 && (kt[0] == TYPE_BIGINT || kt[0] == TYPE_TIMESTAMP || kt[0] == TYPE_INTERVAL);
    }
    return &a->op;
}
