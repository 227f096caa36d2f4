/*
** Window: the TUMBLE / HOP / SESSION table functions.  Each appends two
** TIMESTAMP columns, window_start and window_end, to its input's columns.
** A row whose time column is NULL belongs to no window and is dropped.
**
** TUMBLE and HOP are row expansions, done chunk by chunk:
**   TUMBLE: start = floor(ts / size) * size, end = start + size.  The input
**           vectors pass through; only the two new columns are computed.
**   HOP:    every window [start, start + size) with start a multiple of
**           `slide` and start <= ts < start + size, in ascending order; rows
**           are gathered into new chunks (one output row per window).
**           Under an aggregate that can combine panes (op_aggregate.c,
**           try_panes) a HOP emits each row once instead, with the bounds
**           of its pane -- the TUMBLE of size `slide` -- and the aggregate
**           adds each pane's partial aggregates to the size / slide windows
**           that contain it: the cost of a HOP is then about a TUMBLE's.
** Window starts are aligned to the epoch.
**
** SESSION (per partition, windows of rows less than `gap` apart) needs to see
** rows in time order, so it keeps every row and assigns sessions at finish:
** sort by (partition, ts), then a row starts a new session when its
** partition differs from the previous row's or ts >= previous ts + gap.  A
** session is [first ts, last ts + gap).  This is batch semantics: it runs
** on insert-only input (a batch query, or a static part of a continuous
** query).
**
** SESSION over a stream (sess_*) keeps the rows of open sessions, by
** partition, and re-derives the sessions of the partitions a round touched
** at its finish: a row whose session changed -- it grew, or a row bridged
** it with its neighbour and the two merged -- is retracted with its old
** bounds and emitted with the new ones, so an aggregate above sees sessions
** come and go as changelog rows (UPDATE retracts the merged sessions;
** APPEND waits for the watermark).  A row whose own session [ts, ts + gap)
** is already final (its end <= watermark) is late.  Once the watermark
** passes a session's end its rows are evicted (partitions wait in a heap by
** their earliest session end).  State entries: one per stored row (its
** values -> weight, and the weight and bounds it was last emitted with).
*/
#include <string.h>

#include "operator.h"

typedef struct Sess Sess;

typedef struct WindowOp {
    Operator op;
    int nin;
    bool panes;          /* HOP: emit each row once, in its slide-sized pane (op_window_use_panes) */
    RowStore rows;       /* SESSION, insert-only: the rows of the round */
    Sess *sess;          /* SESSION over a stream: the open sessions (sess_*) */
} WindowOp;

/* floor(a / b) for b > 0 */
static inline int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int range_error(Operator *op) { return err_set(op->x->err, "timestamp out of range"); }

/* --------------------------------------------------------------- TUMBLE */

/* Also HOP panes: tumbling windows of the slide. */
static int tumble_push(Operator *op, const Chunk *c, int64_t size) {
    const Plan *p = op->plan;
    WindowOp *w = (WindowOp *)op;
    const Vec *tv = &c->cols[p->u.window.time_col];
    uint32_t n = chunk_active(c);
    Chunk *out = chunk_new(w->nin + 2, &op->scratch);
    *out = *c;
    out->ncols = w->nin + 2;
    out->cols = arena_alloc(&op->scratch, sizeof(Vec) * (size_t)out->ncols);
    memcpy(out->cols, c->cols, sizeof(Vec) * (size_t)w->nin);
    Vec *ws = &out->cols[w->nin], *we = &out->cols[w->nin + 1];
    vec_alloc(ws, TYPE_TIMESTAMP, c->count, &op->scratch);
    vec_alloc(we, TYPE_TIMESTAMP, c->count, &op->scratch);
    uint32_t *sel = arena_alloc(&op->scratch, sizeof(uint32_t) * (n ? n : 1)), m = 0;
    bool ovf = false;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = chunk_row(c, k);
        if (vec_null_at(tv, i)) continue;
        int64_t st = floor_div(VEC_I64(tv)[i], size) * size;
        ovf |= __builtin_add_overflow(st, size, &VEC_I64(we)[i]);
        VEC_I64(ws)[i] = st;
        sel[m++] = i;
    }
    if (ovf) return range_error(op);
    if (m < n || c->sel) {
        out->sel = sel;
        out->nsel = m;
    }
    return op_emit(op, out);
}

/* --------------------------------------------------------------- HOP */

typedef struct HopBuf {
    uint32_t *rows;
    int64_t *starts;
    uint32_t n;
} HopBuf;

static int hop_flush(Operator *op, const Chunk *c, HopBuf *b, Arena *a) {
    if (b->n == 0) return 0;
    WindowOp *w = (WindowOp *)op;
    int64_t size = op->plan->u.window.size_us;
    Chunk *out = chunk_new(w->nin + 2, a);
    out->count = out->nsel = b->n;
    for (int k = 0; k < w->nin; k++) vec_gather(&c->cols[k], b->rows, b->n, &out->cols[k], a);
    Vec *ws = &out->cols[w->nin], *we = &out->cols[w->nin + 1];
    vec_alloc(ws, TYPE_TIMESTAMP, b->n, a);
    vec_alloc(we, TYPE_TIMESTAMP, b->n, a);
    for (uint32_t k = 0; k < b->n; k++) {
        VEC_I64(ws)[k] = b->starts[k];
        VEC_I64(we)[k] = b->starts[k] + size;   /* checked when the start was made */
    }
    if (c->weights) {
        out->weights = arena_alloc(a, sizeof(int64_t) * b->n);
        for (uint32_t k = 0; k < b->n; k++) out->weights[k] = c->weights[b->rows[k]];
    }
    b->n = 0;
    int rc = op_emit(op, out);
    arena_reset(a);
    return rc;
}

static int hop_push(Operator *op, const Chunk *c) {
    const Plan *p = op->plan;
    int64_t size = p->u.window.size_us, slide = p->u.window.slide_us;
    const Vec *tv = &c->cols[p->u.window.time_col];
    uint32_t n = chunk_active(c);
    HopBuf b = {arena_alloc(&op->scratch, sizeof(uint32_t) * WEIR_BATCH_SIZE),
                arena_alloc(&op->scratch, sizeof(int64_t) * WEIR_BATCH_SIZE), 0};
    /* output chunks go to their own arena so that a long expansion reuses memory */
    Arena out;
    arena_init(&out, 1 << 20);
    int rc = 0;
    for (uint32_t k = 0; k < n && rc == 0; k++) {
        uint32_t i = chunk_row(c, k);
        if (vec_null_at(tv, i)) continue;
        int64_t ts = VEC_I64(tv)[i], low, first, end;
        /* the first start is the smallest multiple of slide above ts - size */
        if (__builtin_sub_overflow(ts, size, &low) || __builtin_add_overflow(ts, size, &end)) {
            rc = range_error(op);
            break;
        }
        first = floor_div(low, slide) * slide + slide;
        for (int64_t st = first; st <= ts; st += slide) {
            b.rows[b.n] = i;
            b.starts[b.n++] = st;
            if (b.n == WEIR_BATCH_SIZE && (rc = hop_flush(op, c, &b, &out))) break;
            if (st > INT64_MAX - slide) break;
        }
    }
    if (rc == 0) rc = hop_flush(op, c, &b, &out);
    arena_free(&out);
    return rc;
}

/* --------------------------------------------------------------- SESSION */

static int sess_push(WindowOp *w, const Chunk *c);

static int session_push(Operator *op, const Chunk *c) {
    WindowOp *w = (WindowOp *)op;
    if (!op_insert_only(op)) return sess_push(w, c);
    uint32_t n = chunk_active(c);
    const Vec *cols[w->nin > 0 ? w->nin : 1];
    for (int k = 0; k < w->nin; k++) cols[k] = &c->cols[k];
    /* rows without a time belong to no session */
    const Vec *tv = &c->cols[op->plan->u.window.time_col];
    uint32_t *sel = arena_alloc(&op->scratch, sizeof(uint32_t) * (n ? n : 1)), m = 0;
    for (uint32_t k = 0; k < n; k++)
        if (!vec_null_at(tv, chunk_row(c, k))) sel[m++] = chunk_row(c, k);
    rows_append(&w->rows, cols, sel, m, c->weights);
    return 0;
}

/* Order by partition columns (NULLs first), then time. */
static int session_cmp(const WindowOp *w, uint32_t a, uint32_t b) {
    const Plan *p = w->op.plan;
    for (int k = 0; k < p->u.window.npartition; k++) {
        int col = p->u.window.partition[k];
        bool an = rows_null(&w->rows, col, a), bn = rows_null(&w->rows, col, b);
        if (an || bn) {
            if (an && bn) continue;
            return an ? -1 : 1;
        }
        int c = value_cmp_ptr(w->rows.types[col], rows_ptr(&w->rows, col, a), rows_ptr(&w->rows, col, b));
        if (c) return c;
    }
    int tc = p->u.window.time_col;
    int64_t ta = *(const int64_t *)rows_ptr(&w->rows, tc, a), tb = *(const int64_t *)rows_ptr(&w->rows, tc, b);
    if (ta != tb) return ta < tb ? -1 : 1;
    return a < b ? -1 : a > b;   /* arrival order: stable */
}

static bool same_partition(const WindowOp *w, uint32_t a, uint32_t b) {
    const Plan *p = w->op.plan;
    for (int k = 0; k < p->u.window.npartition; k++) {
        int col = p->u.window.partition[k];
        bool an = rows_null(&w->rows, col, a), bn = rows_null(&w->rows, col, b);
        if (an || bn) {
            if (an && bn) continue;
            return false;
        }
        if (!value_eq_ptr(w->rows.types[col], rows_ptr(&w->rows, col, a), rows_ptr(&w->rows, col, b))) return false;
    }
    return true;
}

/* Merge sort of ids by session_cmp (a total order, so stability is free). */
static void session_sort(const WindowOp *w, uint32_t *ids, uint32_t *tmp, uint32_t n) {
    if (n < 2) return;
    uint32_t h = n / 2;
    session_sort(w, ids, tmp, h);
    session_sort(w, ids + h, tmp, n - h);
    uint32_t i = 0, j = h, o = 0;
    while (i < h && j < n) tmp[o++] = session_cmp(w, ids[j], ids[i]) < 0 ? ids[j++] : ids[i++];
    while (i < h) tmp[o++] = ids[i++];
    while (j < n) tmp[o++] = ids[j++];
    memcpy(ids, tmp, sizeof(uint32_t) * n);
}

static int session_finish(Operator *op) {
    WindowOp *w = (WindowOp *)op;
    uint32_t n = w->rows.n;
    if (n == 0) return 0;
    int64_t gap = op->plan->u.window.size_us;
    int tc = op->plan->u.window.time_col;
    uint32_t *ids = xmalloc(sizeof(uint32_t) * n), *tmp = xmalloc(sizeof(uint32_t) * n);
    int64_t *start = xmalloc(sizeof(int64_t) * n), *end = xmalloc(sizeof(int64_t) * n);
    for (uint32_t i = 0; i < n; i++) ids[i] = i;
    session_sort(w, ids, tmp, n);
    /* assign sessions: start[k], end[k] for the k-th row in sorted order */
    int rc = 0;
    uint32_t first = 0;
    for (uint32_t k = 0; k <= n && rc == 0; k++) {
        bool boundary = k == n;
        if (!boundary && k > first) {
            int64_t prev = *(const int64_t *)rows_ptr(&w->rows, tc, ids[k - 1]);
            int64_t cur = *(const int64_t *)rows_ptr(&w->rows, tc, ids[k]);
            int64_t limit;
            boundary = !same_partition(w, ids[k - 1], ids[k]) ||
                       (!__builtin_add_overflow(prev, gap, &limit) && cur >= limit);
        }
        if (!boundary) continue;
        if (k > first) {
            int64_t s = *(const int64_t *)rows_ptr(&w->rows, tc, ids[first]);
            int64_t last = *(const int64_t *)rows_ptr(&w->rows, tc, ids[k - 1]), e;
            if (__builtin_add_overflow(last, gap, &e)) rc = range_error(op);
            for (uint32_t q = first; q < k; q++) start[q] = s, end[q] = e;
        }
        first = k;
    }
    bool unit = true;
    for (uint32_t i = 0; i < n && unit; i++) unit = w->rows.weights[i] == 1;
    for (uint32_t base = 0; base < n && rc == 0; base += WEIR_BATCH_SIZE) {
        uint32_t m = n - base < WEIR_BATCH_SIZE ? n - base : WEIR_BATCH_SIZE;
        arena_reset(&op->scratch);
        Chunk *c = chunk_new(w->nin + 2, &op->scratch);
        c->count = c->nsel = m;
        for (int k = 0; k < w->nin; k++) rows_gather(&w->rows, k, ids + base, m, &c->cols[k], &op->scratch);
        Vec *ws = &c->cols[w->nin], *we = &c->cols[w->nin + 1];
        vec_alloc(ws, TYPE_TIMESTAMP, m, &op->scratch);
        vec_alloc(we, TYPE_TIMESTAMP, m, &op->scratch);
        memcpy(ws->data, start + base, sizeof(int64_t) * m);
        memcpy(we->data, end + base, sizeof(int64_t) * m);
        if (!unit) {
            c->weights = arena_alloc(&op->scratch, sizeof(int64_t) * m);
            for (uint32_t i = 0; i < m; i++) c->weights[i] = w->rows.weights[ids[base + i]];
        }
        rc = op_emit(op, c);
    }
    free(ids);
    free(tmp);
    free(start);
    free(end);
    rows_clear(&w->rows);
    arena_reset(&op->state);
    return rc;
}

/* --------------------------------------------------------------- SESSION over a stream */

enum { RF_PENDING = 1, RF_REPORTED = 2, RF_FREE = 4 };

/* Open addressing slot: a hash and an id + 1 (0: empty). */
typedef struct CSlot {
    uint64_t h;
    uint32_t id1;
} CSlot;

/* A partition: its stored rows (ids into Sess.rows). */
typedef struct SessPart {
    uint32_t *rows;
    uint32_t n, cap;
    bool touched;        /* in Sess.touched this round */
} SessPart;

/* A partition to look at once the watermark reaches t. */
typedef struct PartEnd {
    int64_t t;
    uint32_t pid;
} PartEnd;

struct Sess {
    int nin, tc, np;             /* input columns, time column, partition columns */
    const int *pcols;
    int64_t gap;
    RowStore rows;               /* every stored row (input columns); weight = multiplicity */
    uint64_t *rh;                /* per row: content hash */
    uint32_t *rpart;             /* per row: its partition */
    int64_t *ew, *ews, *ewe;     /* per row: the weight and bounds last emitted (ew 0: none) */
    uint8_t *rf;                 /* per row: RF_* */
    uint32_t rcap, nlive;
    uint32_t *rfree, nrfree, rfcap;
    CSlot *cs;                   /* row content -> row */
    uint32_t cmask;
    RowStore pkeys;              /* per partition: its key values */
    SessPart *parts;
    uint32_t nparts, pcap, nlivep;
    uint32_t *pfree, npfree, pfcap;
    CSlot *ps;                   /* partition key -> partition */
    uint32_t pmask;
    uint32_t *touched, ntouched, tcap;
    uint32_t *pend, npend, pendcap;   /* rows changed since the last state report */
    PartEnd *heap;               /* partitions by their earliest session end (min-heap, may be stale) */
    uint32_t nheap, hcap;
    StateBuf tomb, kb, vb;       /* deletions for the next report; encoding buffers */
    Arena strs[2];               /* strings of rows and partition keys; compaction flips */
    int cur;
    uint32_t freed;              /* rows freed since the last compaction */
    struct SortEnt { int64_t t; uint32_t r; } *sortbuf;
    uint32_t sortcap;
};

typedef struct SortEnt SortEnt;

static void *grow(void *p, size_t elem, uint32_t *cap, uint32_t need) {
    if (need <= *cap) return p;
    uint32_t c = *cap ? *cap : 16;
    while (c < need) c *= 2;
    *cap = c;
    return xrealloc(p, elem * c);
}

static void u32_push(uint32_t **a, uint32_t *n, uint32_t *cap, uint32_t v) {
    *a = grow(*a, sizeof(uint32_t), cap, *n + 1);
    (*a)[(*n)++] = v;
}

/* Backward-shift deletion of slot pos from a linear-probing table (home = h & mask). */
static void slot_delete(CSlot *t, uint32_t mask, uint64_t pos) {
    uint64_t hole = pos;
    for (uint64_t q = (hole + 1) & mask; t[q].id1; q = (q + 1) & mask) {
        uint64_t home = t[q].h & mask;
        if (((q - home) & mask) >= ((q - hole) & mask)) {
            t[hole] = t[q];
            hole = q;
        }
    }
    t[hole] = (CSlot){0, 0};
}

/* Insert (h, id) into a table of `live` entries (after the insert), doubling past half full. */
static void slot_insert(CSlot **t, uint32_t *mask, uint64_t h, uint32_t id, uint32_t live) {
    if ((uint64_t)live * 2 > (uint64_t)*mask + 1) {
        uint32_t oldcap = *mask + 1, cap = oldcap * 2;
        CSlot *old = *t, *nt = xcalloc(cap, sizeof(CSlot));
        for (uint32_t i = 0; i < oldcap; i++) {
            if (!old[i].id1) continue;
            uint64_t p = old[i].h & (cap - 1);
            while (nt[p].id1) p = (p + 1) & (cap - 1);
            nt[p] = old[i];
        }
        free(old);
        *t = nt;
        *mask = cap - 1;
    }
    uint64_t p = h & *mask;
    while ((*t)[p].id1) p = (p + 1) & *mask;
    (*t)[p] = (CSlot){h, id + 1};
}

static void slot_remove_id(CSlot *t, uint32_t mask, uint64_t h, uint32_t id) {
    uint64_t p = h & mask;
    for (uint32_t probes = 0; t[p].id1 != id + 1; probes++) {
        if (!t[p].id1 || probes > mask) return;
        p = (p + 1) & mask;
    }
    slot_delete(t, mask, p);
}

static void part_heap_push(Sess *S, int64_t t, uint32_t pid) {
    S->heap = grow(S->heap, sizeof(PartEnd), &S->hcap, S->nheap + 1);
    uint32_t i = S->nheap++;
    while (i > 0 && S->heap[(i - 1) / 2].t > t) {
        S->heap[i] = S->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    S->heap[i] = (PartEnd){t, pid};
}

static PartEnd part_heap_pop(Sess *S) {
    PartEnd top = S->heap[0], last = S->heap[--S->nheap];
    uint32_t i = 0, n = S->nheap;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && S->heap[c + 1].t < S->heap[c].t) c++;
        if (S->heap[c].t >= last.t) break;
        S->heap[i] = S->heap[c];
        i = c;
    }
    if (n) S->heap[i] = last;
    return top;
}

static Sess *sess_setup(WindowOp *w) {
    if (w->sess) return w->sess;
    const Plan *p = w->op.plan;
    Sess *S = xcalloc(1, sizeof *S);
    S->nin = w->nin;
    S->tc = p->u.window.time_col;
    S->np = p->u.window.npartition;
    S->pcols = p->u.window.partition;
    S->gap = p->u.window.size_us;
    arena_init(&S->strs[0], 0);
    arena_init(&S->strs[1], 0);
    Type types[S->nin > 0 ? S->nin : 1], pt[S->np > 0 ? S->np : 1];
    for (int k = 0; k < S->nin; k++) types[k] = p->left->schema.cols[k].type;
    for (int k = 0; k < S->np; k++) pt[k] = types[S->pcols[k]];
    rows_init(&S->rows, S->nin, types, true, &S->strs[0]);
    rows_init(&S->pkeys, S->np, pt, false, &S->strs[0]);
    S->cs = xcalloc(64, sizeof(CSlot));
    S->cmask = 63;
    S->ps = xcalloc(64, sizeof(CSlot));
    S->pmask = 63;
    w->sess = S;
    return S;
}

static void sess_free(Sess *S) {
    rows_free(&S->rows);
    rows_free(&S->pkeys);
    free(S->rh);
    free(S->rpart);
    free(S->ew);
    free(S->ews);
    free(S->ewe);
    free(S->rf);
    free(S->rfree);
    free(S->cs);
    for (uint32_t i = 0; i < S->nparts; i++) free(S->parts[i].rows);
    free(S->parts);
    free(S->pfree);
    free(S->ps);
    free(S->touched);
    free(S->pend);
    free(S->heap);
    free(S->sortbuf);
    sbuf_free(&S->tomb);
    sbuf_free(&S->kb);
    sbuf_free(&S->vb);
    arena_free(&S->strs[0]);
    arena_free(&S->strs[1]);
    free(S);
}

static int64_t sess_state_rows(const Sess *S) { return S->nlive; }

static void mark_pending(Sess *S, uint32_t r) {
    if (S->rf[r] & RF_PENDING) return;
    S->rf[r] |= RF_PENDING;
    u32_push(&S->pend, &S->npend, &S->pendcap, r);
}

static void touch_part(Sess *S, uint32_t pid) {
    if (S->parts[pid].touched) return;
    S->parts[pid].touched = true;
    u32_push(&S->touched, &S->ntouched, &S->tcap, pid);
}

static int64_t row_ts(const Sess *S, uint32_t r) { return *(const int64_t *)rows_ptr(&S->rows, S->tc, r); }

/* When row r stops mattering: the end of the session it was emitted in, else its own [ts, ts + gap). */
static int64_t row_end(const Sess *S, uint32_t r) {
    int64_t e;
    if (S->ew[r]) return S->ewe[r];
    return __builtin_add_overflow(row_ts(S, r), S->gap, &e) ? INT64_MAX : e;
}

/* The partition of row i of cols (partition hash h), created when absent. */
static uint32_t part_of(Sess *S, const Vec *const *cols, uint32_t i, uint64_t h) {
    for (uint64_t p = h & S->pmask; S->ps[p].id1; p = (p + 1) & S->pmask) {
        if (S->ps[p].h != h) continue;
        uint32_t pid = S->ps[p].id1 - 1;
        bool eq = true;
        for (int k = 0; k < S->np && eq; k++) eq = rows_eq_vec(&S->pkeys, k, pid, cols[S->pcols[k]], i);
        if (eq) return pid;
    }
    const Vec *kc[S->np > 0 ? S->np : 1];
    for (int k = 0; k < S->np; k++) kc[k] = cols[S->pcols[k]];
    uint32_t pid;
    if (S->npfree) {
        pid = S->pfree[--S->npfree];
        rows_set_row(&S->pkeys, kc, i, pid, 0);
    } else {
        pid = rows_append_row(&S->pkeys, kc, i, 0);
        S->parts = grow(S->parts, sizeof(SessPart), &S->pcap, pid + 1);
        S->parts[pid] = (SessPart){0};
        S->nparts = pid + 1;
    }
    S->parts[pid].n = 0;
    S->parts[pid].touched = false;
    S->nlivep++;
    slot_insert(&S->ps, &S->pmask, h, pid, S->nlivep);
    return pid;
}

/* The stored row equal to row i of cols (content hash h), or UINT32_MAX. */
static uint32_t find_row(const Sess *S, const Vec *const *cols, uint32_t i, uint64_t h) {
    for (uint64_t p = h & S->cmask; S->cs[p].id1; p = (p + 1) & S->cmask) {
        if (S->cs[p].h != h) continue;
        uint32_t r = S->cs[p].id1 - 1;
        bool eq = true;
        for (int k = 0; k < S->nin && eq; k++) eq = rows_eq_vec(&S->rows, k, r, cols[k], i);
        if (eq) return r;
    }
    return UINT32_MAX;
}

/* Store row i of cols (weight 0 for now) in partition pid. */
static uint32_t new_row(Sess *S, const Vec *const *cols, uint32_t i, uint64_t h, uint32_t pid) {
    uint32_t r;
    if (S->nrfree) {
        r = S->rfree[--S->nrfree];
        rows_set_row(&S->rows, cols, i, r, 0);
        S->rf[r] &= RF_PENDING;   /* a pending mark of the freed row stays listed */
    } else {
        r = rows_append_row(&S->rows, cols, i, 0);
        if (S->rows.n > S->rcap) {
            uint32_t cap = S->rows.cap;
            S->rh = xrealloc(S->rh, sizeof(uint64_t) * cap);
            S->rpart = xrealloc(S->rpart, sizeof(uint32_t) * cap);
            S->ew = xrealloc(S->ew, sizeof(int64_t) * cap);
            S->ews = xrealloc(S->ews, sizeof(int64_t) * cap);
            S->ewe = xrealloc(S->ewe, sizeof(int64_t) * cap);
            S->rf = xrealloc(S->rf, cap);
            S->rcap = cap;
        }
        S->rf[r] = 0;
    }
    S->rh[r] = h;
    S->rpart[r] = pid;
    S->ew[r] = S->ews[r] = S->ewe[r] = 0;
    S->nlive++;
    slot_insert(&S->cs, &S->cmask, h, r, S->nlive);
    SessPart *P = &S->parts[pid];
    P->rows = grow(P->rows, sizeof(uint32_t), &P->cap, P->n + 1);
    P->rows[P->n++] = r;
    return r;
}

static void encode_row(Sess *S, StateBuf *b, uint32_t r) {
    sbuf_reset(b);
    sbuf_store_row(b, &S->rows, r, S->nin);
}

/* Forget row r (its partition's list is the caller's); a reported row becomes a deletion. */
static void free_row(Sess *S, uint32_t r) {
    if (S->rf[r] & RF_REPORTED) {
        encode_row(S, &S->kb, r);
        sbuf_varint(&S->tomb, S->kb.n);
        sbuf_bytes(&S->tomb, S->kb.p, S->kb.n);
    }
    slot_remove_id(S->cs, S->cmask, S->rh[r], r);
    S->rf[r] = (uint8_t)((S->rf[r] & RF_PENDING) | RF_FREE);
    S->rows.weights[r] = 0;
    S->ew[r] = 0;
    u32_push(&S->rfree, &S->nrfree, &S->rfcap, r);
    S->nlive--;
    S->freed++;
}

static void free_part(Sess *S, uint32_t pid) {
    uint64_t h = 0;
    if (S->np == 0) {
        h = 0;
    } else {
        for (int k = 0; k < S->np; k++) {
            Type t = S->pkeys.types[k];
            Vec v = {t, S->pkeys.nulls[k] ? S->pkeys.nulls[k] + pid : NULL,
                     t == TYPE_NULL ? NULL : S->pkeys.data[k] + (size_t)pid * vec_width(t)};
            hash_vec(&v, NULL, 1, &h, k > 0);
        }
    }
    slot_remove_id(S->ps, S->pmask, h, pid);
    S->parts[pid].n = 0;
    u32_push(&S->pfree, &S->npfree, &S->pfcap, pid);
    S->nlivep--;
}

/* Output rows under construction: stored row, weight, bounds. */
typedef struct SessOut {
    uint32_t *rid;
    int64_t *w, *ws, *we;
    uint32_t n;
    Arena a;
} SessOut;

static int sess_flush(WindowOp *w, SessOut *o) {
    if (o->n == 0) return 0;
    Sess *S = w->sess;
    arena_reset(&o->a);
    Chunk *c = chunk_new(w->nin + 2, &o->a);
    c->count = c->nsel = o->n;
    for (int k = 0; k < w->nin; k++) rows_gather(&S->rows, k, o->rid, o->n, &c->cols[k], &o->a);
    Vec *ws = &c->cols[w->nin], *we = &c->cols[w->nin + 1];
    vec_alloc(ws, TYPE_TIMESTAMP, o->n, &o->a);
    vec_alloc(we, TYPE_TIMESTAMP, o->n, &o->a);
    memcpy(ws->data, o->ws, sizeof(int64_t) * o->n);
    memcpy(we->data, o->we, sizeof(int64_t) * o->n);
    c->weights = arena_memdup(&o->a, o->w, sizeof(int64_t) * o->n);
    o->n = 0;
    return op_emit(&w->op, c);
}

static int sess_out(WindowOp *w, SessOut *o, uint32_t r, int64_t wt, int64_t ws, int64_t we) {
    o->rid[o->n] = r;
    o->w[o->n] = wt;
    o->ws[o->n] = ws;
    o->we[o->n++] = we;
    return o->n == WEIR_BATCH_SIZE ? sess_flush(w, o) : 0;
}

static int sort_ent_cmp(const void *a, const void *b) {
    const SortEnt *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return x->r < y->r ? -1 : x->r > y->r;
}

/*
** Sessions of partition pid again, from its rows with a positive weight in
** time order (a new session where a row is `gap` or more after the previous
** one); every row whose weight or session changed since it was last emitted
** is retracted with its old bounds and emitted with its new ones -- a row
** that bridges two sessions so retracts both and emits the merged one.
** Rows whose weight dropped to 0 leave.  The partition is queued for the
** watermark at its first session's end.
*/
static int recompute(WindowOp *w, SessOut *o, uint32_t pid) {
    Sess *S = w->sess;
    SessPart *P = &S->parts[pid];
    S->sortbuf = grow(S->sortbuf, sizeof(SortEnt), &S->sortcap, P->n + 1);
    uint32_t m = 0;
    for (uint32_t k = 0; k < P->n; k++) {
        uint32_t r = P->rows[k];
        if (S->rows.weights[r] > 0) S->sortbuf[m++] = (SortEnt){row_ts(S, r), r};
    }
    qsort(S->sortbuf, m, sizeof(SortEnt), sort_ent_cmp);
    /* new bounds into ews/ewe of a scratch pass: first the sessions */
    int64_t first_end = INT64_MAX;
    for (uint32_t k = 0, start = 0; k <= m; k++) {
        int64_t lim;
        bool boundary = k == m || (k > start && (__builtin_add_overflow(S->sortbuf[k - 1].t, S->gap, &lim) ||
                                                 S->sortbuf[k].t >= lim));
        if (!boundary) continue;
        if (k > start) {
            int64_t s0 = S->sortbuf[start].t, e;
            if (__builtin_add_overflow(S->sortbuf[k - 1].t, S->gap, &e)) return range_error(&w->op);
            if (e < first_end) first_end = e;
            for (uint32_t q = start; q < k; q++) {
                uint32_t r = S->sortbuf[q].r;
                int64_t nw = S->rows.weights[r];
                if (S->ew[r] == nw && S->ews[r] == s0 && S->ewe[r] == e) continue;
                if (S->ew[r] && sess_out(w, o, r, -S->ew[r], S->ews[r], S->ewe[r])) return -1;
                if (sess_out(w, o, r, nw, s0, e)) return -1;
                S->ew[r] = nw;
                S->ews[r] = s0;
                S->ewe[r] = e;
                mark_pending(S, r);
            }
        }
        start = k;
    }
    /* rows out of every session: retract what they showed; those at weight 0 leave */
    uint32_t keep = 0;
    for (uint32_t k = 0; k < P->n; k++) {
        uint32_t r = P->rows[k];
        if (S->rows.weights[r] <= 0) {
            if (S->ew[r] && sess_out(w, o, r, -S->ew[r], S->ews[r], S->ewe[r])) return -1;
            S->ew[r] = 0;
            mark_pending(S, r);
            if (S->rows.weights[r] == 0) {
                free_row(S, r);
                continue;
            }
            int64_t e = row_end(S, r);
            if (e < first_end) first_end = e;
        }
        P->rows[keep++] = r;
    }
    P->n = keep;
    if (keep == 0) free_part(S, pid);
    else part_heap_push(S, first_end, pid);
    return 0;
}

/* Evict the rows of partition pid whose session is final at wm; requeue the rest. */
static void evict_final(Sess *S, uint32_t pid, int64_t wm) {
    SessPart *P = &S->parts[pid];
    if (P->n == 0) return;   /* a stale entry of a freed partition */
    uint32_t keep = 0;
    int64_t next = INT64_MAX;
    for (uint32_t k = 0; k < P->n; k++) {
        uint32_t r = P->rows[k];
        int64_t e = row_end(S, r);
        if (e <= wm) {
            free_row(S, r);
            continue;
        }
        if (e < next) next = e;
        P->rows[keep++] = r;
    }
    P->n = keep;
    if (keep == 0) free_part(S, pid);
    else part_heap_push(S, next, pid);
}

/* Copy the strings of live rows and partitions to the other arena and drop the old one. */
static void sess_compact_strings(Sess *S) {
    Arena *na = &S->strs[1 - S->cur];
    for (int c = 0; c < S->nin; c++) {
        if (S->rows.types[c] != TYPE_TEXT) continue;
        Str *d = (Str *)S->rows.data[c];
        for (uint32_t r = 0; r < S->rows.n; r++)
            if (!(S->rf[r] & RF_FREE) && !rows_null(&S->rows, c, r)) d[r] = str_dup(na, d[r]);
    }
    for (int c = 0; c < S->np; c++) {
        if (S->pkeys.types[c] != TYPE_TEXT) continue;
        Str *d = (Str *)S->pkeys.data[c];
        for (uint32_t pid = 0; pid < S->nparts; pid++)
            if (S->parts[pid].n && !rows_null(&S->pkeys, c, pid)) d[pid] = str_dup(na, d[pid]);
    }
    arena_free(&S->strs[S->cur]);
    arena_init(&S->strs[S->cur], 0);
    S->cur = 1 - S->cur;
    S->rows.strings = S->pkeys.strings = &S->strs[S->cur];
    S->freed = 0;
}

/*
** Streaming push: rows whose own session [ts, ts + gap) is already final
** are late; the others are added to their partition (equal rows
** consolidated into one stored row whose weight is the multiplicity).
** Sessions are worked out at finish.
*/
static int sess_push(WindowOp *w, const Chunk *c) {
    Operator *op = &w->op;
    Sess *S = sess_setup(w);
    int64_t wm = op_watermark(op);
    uint32_t n = chunk_active(c);
    const Vec *cols[S->nin > 0 ? S->nin : 1];
    for (int k = 0; k < S->nin; k++) cols[k] = &c->cols[k];
    uint64_t *h = arena_alloc(&op->scratch, sizeof(uint64_t) * n);
    uint64_t *ph = arena_zalloc(&op->scratch, sizeof(uint64_t) * n);   /* no PARTITION BY: all 0 */
    for (int k = 0; k < S->nin; k++) hash_vec(&c->cols[k], c->sel, n, h, k > 0);
    for (int k = 0; k < S->np; k++) hash_vec(&c->cols[S->pcols[k]], c->sel, n, ph, k > 0);
    const Vec *tv = &c->cols[S->tc];
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = chunk_row(c, k);
        if (vec_null_at(tv, i)) continue;   /* no time: no session */
        int64_t ts = VEC_I64(tv)[i], end;
        if (__builtin_add_overflow(ts, S->gap, &end)) return range_error(op);
        if (end <= wm) {
            op_late(op, 1);
            op_late_row(op, c, i, ts, end, -1, -1);
            continue;
        }
        int64_t wt = chunk_weight(c, i);
        if (wt == 0) continue;
        uint32_t r = find_row(S, cols, i, h[k]);
        if (r == UINT32_MAX) r = new_row(S, cols, i, h[k], part_of(S, cols, i, ph[k]));
        S->rows.weights[r] += wt;
        mark_pending(S, r);
        touch_part(S, S->rpart[r]);
    }
    return 0;
}

/* End of a round: sessions of the touched partitions, then the final ones go. */
static int sess_finish(WindowOp *w) {
    Operator *op = &w->op;
    Sess *S = sess_setup(w);
    SessOut o = {0};
    o.rid = xmalloc(sizeof(uint32_t) * WEIR_BATCH_SIZE);
    o.w = xmalloc(sizeof(int64_t) * WEIR_BATCH_SIZE);
    o.ws = xmalloc(sizeof(int64_t) * WEIR_BATCH_SIZE);
    o.we = xmalloc(sizeof(int64_t) * WEIR_BATCH_SIZE);
    arena_init(&o.a, 1 << 16);
    int rc = 0;
    for (uint32_t k = 0; k < S->ntouched && rc == 0; k++) {
        uint32_t pid = S->touched[k];
        S->parts[pid].touched = false;
        rc = recompute(w, &o, pid);
    }
    S->ntouched = 0;
    if (rc == 0) rc = sess_flush(w, &o);
    int64_t wm = op_final_watermark(op);
    while (rc == 0 && wm != INT64_MIN && S->nheap > 0 && S->heap[0].t <= wm) evict_final(S, part_heap_pop(S).pid, wm);
    if (S->freed > 4096 && S->freed > S->nlive) sess_compact_strings(S);
    free(o.rid);
    free(o.w);
    free(o.ws);
    free(o.we);
    arena_free(&o.a);
    return rc;
}

/*
** State entries: key = the stored row's values; value = weight, then the
** weight and bounds last emitted.  Deleted rows' keys were queued by
** free_row.
*/
static int sess_state_changes(WindowOp *w, StatePutFn put, void *ud) {
    Sess *S = w->sess;
    if (!S) return 0;
    if (!put) {
        for (uint32_t k = 0; k < S->npend; k++) S->rf[S->pend[k]] &= (uint8_t)~RF_PENDING;
        S->npend = 0;
        sbuf_reset(&S->tomb);
        return 0;
    }
    int id = w->op.id;
    StateRd rd = {S->tomb.p, S->tomb.p + S->tomb.n, false};
    while (rd.p < rd.end) {
        uint64_t len = srd_varint(&rd);
        if (rd.bad || len > (uint64_t)(rd.end - rd.p))
            return err_set(w->op.x->err, "internal error: bad eviction list");
        if (put(ud, id, rd.p, (size_t)len, NULL, 0)) return -1;
        rd.p += len;
    }
    for (uint32_t k = 0; k < S->npend; k++) {
        uint32_t r = S->pend[k];
        if (S->rf[r] & RF_FREE) continue;
        encode_row(S, &S->kb, r);
        sbuf_reset(&S->vb);
        sbuf_zigzag(&S->vb, S->rows.weights[r]);
        sbuf_zigzag(&S->vb, S->ew[r]);
        sbuf_zigzag(&S->vb, S->ews[r]);
        sbuf_zigzag(&S->vb, S->ewe[r]);
        S->rf[r] |= RF_REPORTED;
        if (put(ud, id, S->kb.p, S->kb.n, S->vb.p, S->vb.n)) return -1;
    }
    return 0;
}

static int sess_state_load(WindowOp *w, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen) {
    Operator *op = &w->op;
    Sess *S = sess_setup(w);
    arena_reset(&op->scratch);
    StateRd r = {key, key + klen, false};
    Vec v[S->nin > 0 ? S->nin : 1];
    srd_row(&r, S->nin, S->rows.types, v, &op->scratch);
    StateRd rv = {val, val + vlen, false};
    int64_t wt = srd_zigzag(&rv), ew = srd_zigzag(&rv), ews = srd_zigzag(&rv), ewe = srd_zigzag(&rv);
    if (r.bad || r.p != r.end || rv.bad || rv.p != rv.end || vec_null_at(&v[S->tc], 0)) return op_state_corrupt(op);
    const Vec *cols[S->nin > 0 ? S->nin : 1];
    uint64_t h = 0, ph = 0;
    for (int k = 0; k < S->nin; k++) {
        cols[k] = &v[k];
        hash_vec(&v[k], NULL, 1, &h, k > 0);
    }
    for (int k = 0; k < S->np; k++) hash_vec(&v[S->pcols[k]], NULL, 1, &ph, k > 0);
    if (find_row(S, cols, 0, h) != UINT32_MAX) return op_state_corrupt(op);   /* the same row twice */
    uint32_t row = new_row(S, cols, 0, h, part_of(S, cols, 0, ph));
    S->rows.weights[row] = wt;
    S->ew[row] = ew;
    S->ews[row] = ews;
    S->ewe[row] = ewe;
    S->rf[row] = RF_REPORTED;
    part_heap_push(S, row_end(S, row), S->rpart[row]);
    return 0;
}

/* --------------------------------------------------------------- dispatch */

static int window_push(Operator *op, int port, const Chunk *c) {
    (void)port;
    if (chunk_active(c) == 0) return 0;
    switch (op->plan->u.window.kind) {
    case WINDOW_TUMBLE: return tumble_push(op, c, op->plan->u.window.size_us);
    case WINDOW_HOP:
        if (((WindowOp *)op)->panes) return tumble_push(op, c, op->plan->u.window.slide_us);
        return hop_push(op, c);
    case WINDOW_SESSION: return session_push(op, c);
    }
    return 0;
}

static int sess_finish(WindowOp *w);

static int window_finish(Operator *op) {
    if (op->plan->u.window.kind != WINDOW_SESSION) return 0;
    if (!op_insert_only(op)) return sess_finish((WindowOp *)op);
    return session_finish(op);
}

void op_window_use_panes(Operator *op) {
    if (op->plan->kind == PLAN_WINDOW && op->plan->u.window.kind == WINDOW_HOP) ((WindowOp *)op)->panes = true;
}

static int64_t sess_state_rows(const Sess *S);
static int sess_state_changes(WindowOp *w, StatePutFn put, void *ud);
static int sess_state_load(WindowOp *w, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen);
static void sess_free(Sess *S);

static int64_t window_state_rows(const Operator *op) {
    const WindowOp *w = (const WindowOp *)op;
    return w->sess ? sess_state_rows(w->sess) : w->rows.n;
}

static int window_state_changes(Operator *op, StatePutFn put, void *ud) {
    WindowOp *w = (WindowOp *)op;
    if (op->plan->u.window.kind != WINDOW_SESSION) return 0;
    return sess_state_changes(w, put, ud);
}

static int window_state_load(Operator *op, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen) {
    if (op->plan->u.window.kind != WINDOW_SESSION)
        return err_set(op->x->err, "saved state names operator %d (%s), which keeps no state", op->id, op->vt->name);
    return sess_state_load((WindowOp *)op, key, klen, val, vlen);
}

static void window_destroy(Operator *op) {
    WindowOp *w = (WindowOp *)op;
    rows_free(&w->rows);
    if (w->sess) sess_free(w->sess);
}

static const OperatorVT window_vt = {
    .name = "Window",
    .rowwise = true,   /* TUMBLE/HOP; op_wants_input checks for SESSION itself */
    .push = window_push,
    .finish = window_finish,
    .state_rows = window_state_rows,
    .state_changes = window_state_changes,
    .state_load = window_state_load,
    .destroy = window_destroy,
};

Operator *op_window_new(Executor *x, const Plan *p) {
    if (!p->left) {
        err_set(x->err, "internal error: window without an input");
        return NULL;
    }
    int nin = p->left->schema.ncols;
    const char *what = p->u.window.kind == WINDOW_SESSION ? "session gap" : "window size";
    if (p->u.window.time_col < 0 || p->u.window.time_col >= nin) {
        err_set(x->err, "internal error: window time column %d out of range", p->u.window.time_col);
        return NULL;
    }
    if (p->left->schema.cols[p->u.window.time_col].type != TYPE_TIMESTAMP) {
        err_set(x->err, "window time column \"%s\" must be TIMESTAMP, not %s",
                p->left->schema.cols[p->u.window.time_col].name,
                type_name(p->left->schema.cols[p->u.window.time_col].type));
        return NULL;
    }
    if (p->u.window.size_us <= 0) {
        err_set(x->err, "%s must be positive", what);
        return NULL;
    }
    if (p->u.window.kind == WINDOW_HOP && p->u.window.slide_us <= 0) {
        err_set(x->err, "window slide must be positive");
        return NULL;
    }
    if (p->schema.ncols != nin + 2) {
        err_set(x->err, "internal error: window output has %d columns, input %d", p->schema.ncols, nin);
        return NULL;
    }
    for (int k = 0; k < p->u.window.npartition; k++)
        if (p->u.window.partition[k] < 0 || p->u.window.partition[k] >= nin) {
            err_set(x->err, "internal error: session partition column %d out of range", p->u.window.partition[k]);
            return NULL;
        }
    WindowOp *w = (WindowOp *)op_alloc(x, p, &window_vt, sizeof(WindowOp), 1);
    w->nin = nin;
    if (p->u.window.kind == WINDOW_SESSION) {
        Type types[nin > 0 ? nin : 1];
        for (int k = 0; k < nin; k++) types[k] = p->left->schema.cols[k].type;
        rows_init(&w->rows, nin, types, true, &w->op.state);
    }
    return &w->op;
}
