/*
** HashJoin: inner and left equi-joins with an optional residual predicate.
**
** Output columns are the left input's then the right input's.  Each side
** has a JoinSide: its rows (input columns, plus key columns when a key is
** computed rather than a plain column) and a chained hash table on the key
** hash.  Rows whose key contains a NULL never match and are never stored.
** With no equality keys every stored row is a candidate (a nested loop),
** filtered by the residual.
**
** Which side stores and which probes depends on the input (decide()):
**
**   insert-only (a batch query, or a static join of a continuous query):
**       the right side (port 1) is the build side, complete before the left
**       side (port 0) probes; left rows are not stored.
**   stream-static (a continuous query, one input static): the static side
**       is stored (exec_run_static feeds it before the first micro-batch) and
**       stream rows only probe it -- no stream state at all.  A LEFT join
**       with the stream on the left emits an unmatched stream row with NULLs
**       right away, its retraction retracts that row; the static table on the
**       left of a LEFT join is refused (exec_check_streaming).
**   symmetric (both inputs streaming): both sides are stored, and a delta on
**       either side probes the other side's store before being added to its
**       own, which yields exactly d(L join R) = dL join R + L' join dR.
**
** For each probe chunk:
**
**     hash the keys
**     for each row, walk its bucket: same hash and equal keys -> a pair
**     every WEIR_BATCH_SIZE pairs: gather both sides' columns into an output
**         chunk, weight = probe weight * stored weight, apply the residual
**     LEFT, probing with left rows: rows with no surviving pair -> output with
**         NULLs on the right
**
** In the symmetric mode each side is a RowSet (op_rows.c): equal rows are
** consolidated into one stored row whose weight is the multiplicity, so a
** retraction finds and decrements its row (weight 0 = dead, skipped by
** probes, revived by a later insert), and each stored row is a state entry
** keyed by its content.  For a LEFT join each stored left row keeps its
** weighted match count; when a right delta moves it between zero and
** non-zero, the NULL-padded row is retracted or re-emitted.
**
** State entries (symmetric mode only; the static side of a stream-static
** join is rebuilt by exec_run_static instead):
**     key  side (0 left, 1 right), the stored row's values (op_state.c)
**     val  weight, then for the left side of a LEFT join its match count
**
** Event time (symmetric mode; CONTRACT §4 "other stateful operators"):
** a row's event time is the latest of its input's event-time columns
** (Column.event_time; several after a window: window_start and window_end,
** and the latest keeps rows of open windows).  A row whose event time is
** below the watermark the batch began with is late: dropped, counted,
** reported.  Stored rows are evicted once the watermark passes their event
** time (join_finish, from a min-heap by event time) only when an equi-key
** pair is an event-time column on both sides -- with equality on time it
** is exact (a new row that could match an evicted one is itself late).
** Joins with a time range in the residual (l.ts BETWEEN r.ts - d AND r.ts)
** or without time in their condition keep their state.  An evicted row gets
** weight 0 and is reported as deleted; dead rows are compacted away after
** a state report once they outnumber the live ones (side_compact).
*/
#include <string.h>

#include "operator.h"

/* A stored row and its event time. */
typedef struct TimedRow {
    int64_t t;
    uint32_t r;
} TimedRow;

typedef struct JoinSide {
    RowSet set;          /* set.rows: input columns, then computed key columns */
    int ncols;           /* input columns */
    int *keycol;         /* store column of each key */
    const Expr *const *keys;
    uint64_t *hash;      /* per row: hash of its join keys */
    uint32_t *next1;     /* per row: next row in the bucket + 1 */
    int64_t *matches;    /* per row, left side of a symmetric LEFT join */
    uint32_t rcap;       /* capacity of the per-row arrays */
    uint32_t *heads;     /* bucket -> first row + 1 */
    uint32_t hmask;
    bool unit_weights;   /* every stored weight is +1 */
    bool store;          /* rows arriving on this side are stored */
    bool probe;          /* rows arriving on this side probe the other side */
    bool consolidate;    /* symmetric mode: a RowSet of distinct rows, persisted */
    /* Event time (symmetric mode; see "Event time" above) */
    int net;             /* event-time columns of this input */
    int *etcol;          /* their store columns (= input columns) */
    bool evict;          /* rows below the watermark leave the store */
    TimedRow *heap;      /* stored rows by event time (min-heap), when evicting */
    uint32_t nheap, hcap;
    uint32_t nlive;      /* stored rows with a non-zero weight */
    Arena strs[2];       /* the set's strings; compaction copies the live ones to the other */
    int cur;             /* which of strs the set uses */
} JoinSide;

typedef struct JoinOp {
    Operator op;
    int nkeys;
    bool left_join;
    bool decided;        /* decide() ran */
    JoinSide side[2];    /* 0 = left (probe), 1 = right (build) */
    Arena outa;          /* output chunks, reset per flush */
    StateBuf kb, vb;     /* state report encoding */
} JoinOp;

/* One probe in progress: the probing chunk and the pairs found so far. */
typedef struct Probe {
    int s;               /* the probing side (0: left chunk against right store) */
    const Chunk *c;
    uint32_t *prow;      /* per pair: physical row in c */
    uint32_t *pk;        /* per pair: active index in c */
    uint32_t *srow;      /* per pair: row of the other side's store */
    uint32_t npairs;
    int64_t *lmatch;     /* s == 0, LEFT: per active row, weighted surviving matches */
} Probe;

/* Pick the mode from the inputs (see the file comment); before the first row. */
static void decide(JoinOp *j) {
    if (j->decided) return;
    j->decided = true;
    Operator *op = &j->op;
    JoinSide *l = &j->side[0], *r = &j->side[1];
    if (op_insert_only(op)) {
        r->store = l->probe = true;
        return;
    }
    bool ls = op->child[0]->streaming, rs = op->child[1]->streaming;
    if (op->x->streaming && ls != rs) {
        JoinSide *st = ls ? r : l, *sm = ls ? l : r;
        st->store = sm->probe = true;
        return;
    }
    l->store = l->probe = l->consolidate = true;
    r->store = r->probe = r->consolidate = true;
    if (j->left_join) l->matches = xcalloc(l->rcap ? l->rcap : 1, sizeof(int64_t));
}

/* --------------------------------------------------------------- event time */

/* The event time of row i of the side's columns: the latest of its event-time columns (INT64_MIN: none). */
static int64_t side_time(const JoinSide *sd, const Vec *const *cols, uint32_t i) {
    int64_t t = INT64_MIN;
    for (int k = 0; k < sd->net; k++) {
        const Vec *v = cols[sd->etcol[k]];
        if (v->type == TYPE_TIMESTAMP && !vec_null_at(v, i) && VEC_I64(v)[i] > t) t = VEC_I64(v)[i];
    }
    return t;
}

static bool timed_less(TimedRow a, TimedRow b) { return a.t < b.t || (a.t == b.t && a.r < b.r); }

static void heap_push(JoinSide *sd, TimedRow e) {
    if (sd->nheap == sd->hcap) {
        sd->hcap = sd->hcap ? 2 * sd->hcap : 64;
        sd->heap = xrealloc(sd->heap, sizeof(TimedRow) * sd->hcap);
    }
    uint32_t i = sd->nheap++;
    while (i > 0 && timed_less(e, sd->heap[(i - 1) / 2])) {
        sd->heap[i] = sd->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    sd->heap[i] = e;
}

static TimedRow heap_pop(JoinSide *sd) {
    TimedRow top = sd->heap[0], last = sd->heap[--sd->nheap];
    uint32_t i = 0, n = sd->nheap;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && timed_less(sd->heap[c + 1], sd->heap[c])) c++;
        if (!timed_less(sd->heap[c], last)) break;
        sd->heap[i] = sd->heap[c];
        i = c;
    }
    if (n) sd->heap[i] = last;
    return top;
}

/* A new stored row r (row i of cols): evicted once the watermark passes its event time. */
static void side_watch(JoinSide *sd, const Vec *const *cols, uint32_t i, uint32_t r) {
    int64_t t = side_time(sd, cols, i);
    if (t != INT64_MIN) heap_push(sd, (TimedRow){t, r});
}

/* --------------------------------------------------------------- storage */

static void side_grow_buckets(JoinSide *sd, uint32_t nb) {
    free(sd->heads);
    sd->heads = xcalloc(nb, sizeof(uint32_t));
    sd->hmask = nb - 1;
    for (uint32_t r = 0; r < sd->set.rows.n; r++) {
        uint32_t b = (uint32_t)(sd->hash[r] & sd->hmask);
        sd->next1[r] = sd->heads[b];
        sd->heads[b] = r + 1;
    }
}

/* Room in the per-row arrays for every stored row. */
static void side_reserve(JoinSide *sd) {
    if (sd->set.rows.n <= sd->rcap) return;
    uint32_t cap = sd->set.rows.cap;
    sd->hash = xrealloc(sd->hash, sizeof(uint64_t) * cap);
    sd->next1 = xrealloc(sd->next1, sizeof(uint32_t) * cap);
    if (sd->matches) sd->matches = xrealloc(sd->matches, sizeof(int64_t) * cap);
    sd->rcap = cap;
}

/* Chain rows base..n into their buckets (rebuilding them all when the table is too small). */
static void side_link(JoinSide *sd, uint32_t base) {
    uint32_t n = sd->set.rows.n;
    if (n > sd->hmask + 1) {
        uint32_t nb = sd->hmask + 1;
        while (nb < n) nb *= 2;
        side_grow_buckets(sd, 2 * nb);   /* rebuilds every chain, the new rows included */
        return;
    }
    for (uint32_t r = base; r < n; r++) {
        uint32_t b = (uint32_t)(sd->hash[r] & sd->hmask);
        sd->next1[r] = sd->heads[b];
        sd->heads[b] = r + 1;
    }
}

/*
** Insert-only store: append the rows sel[0..n) of chunk c (with evaluated
** keys kv and their hashes h, indexed by hk[k]) to side sd.
*/
static void side_append(JoinOp *j, JoinSide *sd, const Chunk *c, const Vec *kv, const uint32_t *sel,
                        const uint32_t *hk, const uint64_t *h, uint32_t n) {
    if (n == 0) return;
    int ncols = sd->set.rows.ncols;
    const Vec *cols[ncols > 0 ? ncols : 1]; /* a side may have no columns (pruned away) */
    for (int k = 0; k < sd->ncols; k++) cols[k] = &c->cols[k];
    for (int k = 0; k < j->nkeys; k++)
        if (sd->keycol[k] >= sd->ncols) cols[sd->keycol[k]] = &kv[k];
    uint32_t base = sd->set.rows.n;
    rows_append(&sd->set.rows, cols, sel, n, c->weights);
    if (c->weights)
        for (uint32_t k = 0; k < n; k++) sd->unit_weights &= c->weights[sel[k]] == 1;
    side_reserve(sd);
    for (uint32_t k = 0; k < n; k++) sd->hash[base + k] = h[hk[k]];
    side_link(sd, base);
}

/*
** Consolidating store (symmetric mode): add weight w[k] to the stored row
** equal to row sel[k] of the store columns cols (key hash kh[k]); a new
** content gets a new row.  lmatch (left side of a LEFT join): the row's
** current match count.
*/
static void side_put(JoinSide *sd, const Vec *const *cols, const uint32_t *sel, uint32_t n, const uint64_t *kh,
                     const int64_t *w, const int64_t *lmatch, Arena *scratch) {
    if (n == 0) return;
    uint64_t *rh = arena_alloc(scratch, sizeof(uint64_t) * n);
    rowset_hash(&sd->set, cols, sel, n, rh);
    uint32_t base = sd->set.rows.n;
    for (uint32_t k = 0; k < n; k++) {
        if (w[k] == 0) continue;
        bool created;
        uint32_t i = sel ? sel[k] : k;
        uint32_t r = rowset_add(&sd->set, cols, i, rh[k], w[k], &created);
        int64_t after = sd->set.rows.weights[r], before = after - w[k];
        sd->nlive += (uint32_t)(after != 0) - (uint32_t)(before != 0);
        if (created) {
            side_reserve(sd);
            sd->hash[r] = kh[k];
            if (sd->evict) side_watch(sd, cols, i, r);
        }
        if (sd->matches) sd->matches[r] = lmatch ? lmatch[k] : 0;
        sd->unit_weights &= sd->set.rows.weights[r] == 1;
    }
    side_link(sd, base);
}

/* --------------------------------------------------------------- output */

/* Build the output chunk for the pending pairs, apply the residual, emit. */
static int flush_pairs(JoinOp *j, Probe *pr) {
    if (pr->npairs == 0) return 0;
    Operator *op = &j->op;
    const Plan *p = op->plan;
    uint32_t n = pr->npairs;
    arena_reset(&j->outa);
    int nl = j->side[0].ncols, nr = j->side[1].ncols;
    Chunk *out = chunk_new(nl + nr, &j->outa);
    out->count = out->nsel = n;
    const JoinSide *other = &j->side[1 - pr->s];
    for (int k = 0; k < nl + nr; k++) {
        bool from_chunk = pr->s == 0 ? k < nl : k >= nl;
        int col = k < nl ? k : k - nl;
        if (from_chunk) vec_gather(&pr->c->cols[col], pr->prow, n, &out->cols[k], &j->outa);
        else rows_gather(&other->set.rows, col, pr->srow, n, &out->cols[k], &j->outa);
    }
    if (pr->c->weights || !other->unit_weights) {
        out->weights = arena_alloc(&j->outa, sizeof(int64_t) * n);
        for (uint32_t k = 0; k < n; k++)
            out->weights[k] = chunk_weight(pr->c, pr->prow[k]) * other->set.rows.weights[pr->srow[k]];
    }
    if (p->u.join.residual) {
        uint32_t *sel = arena_alloc(&j->outa, sizeof(uint32_t) * n);
        Arena *saved = op->fctx.arena;
        op->fctx.arena = &j->outa;
        int m = op_select(op, p->u.join.residual, out, sel);
        op->fctx.arena = saved;
        if (m < 0) return -1;
        out->sel = sel;
        out->nsel = (uint32_t)m;
    }
    uint32_t m = chunk_active(out);
    if (j->left_join && pr->s == 0) {
        for (uint32_t k = 0; k < m; k++) {
            uint32_t q = chunk_row(out, k);
            pr->lmatch[pr->pk[q]] += other->set.rows.weights[pr->srow[q]];
        }
    }
    if (j->left_join && pr->s == 1 && j->side[0].matches) {
        /* a right delta changes stored left rows' match counts: NULL-padded rows come and go */
        JoinSide *ls = &j->side[0];
        uint32_t *flip = arena_alloc(&j->outa, sizeof(uint32_t) * (m ? m : 1));
        int64_t *fw = arena_alloc(&j->outa, sizeof(int64_t) * (m ? m : 1));
        uint32_t nf = 0;
        for (uint32_t k = 0; k < m; k++) {
            uint32_t q = chunk_row(out, k), l = pr->srow[q];
            int64_t before = ls->matches[l];
            ls->matches[l] += chunk_weight(pr->c, pr->prow[q]);
            int64_t after = ls->matches[l];
            if (before != after) rowset_touch(&ls->set, l);   /* its state entry changed */
            if ((before == 0) != (after == 0)) {
                flip[nf] = l;
                fw[nf++] = before == 0 ? -ls->set.rows.weights[l] : ls->set.rows.weights[l];
            }
        }
        if (m && op_emit(op, out)) return -1;
        pr->npairs = 0;
        if (nf == 0) return 0;
        Chunk *pad = chunk_new(nl + nr, &j->outa);
        pad->count = pad->nsel = nf;
        pad->weights = fw;
        for (int k = 0; k < nl; k++) rows_gather(&ls->set.rows, k, flip, nf, &pad->cols[k], &j->outa);
        for (int k = 0; k < nr; k++) vec_all_null(&pad->cols[nl + k], p->schema.cols[nl + k].type, nf, &j->outa);
        return op_emit(op, pad);
    }
    pr->npairs = 0;
    return m ? op_emit(op, out) : 0;
}

static int add_pair(JoinOp *j, Probe *pr, uint32_t i, uint32_t k, uint32_t r) {
    pr->prow[pr->npairs] = i;
    pr->pk[pr->npairs] = k;
    pr->srow[pr->npairs] = r;
    if (++pr->npairs == WEIR_BATCH_SIZE) return flush_pairs(j, pr);
    return 0;
}

/* Left rows (physical rows[0..n) of c) with NULLs on the right, weights from c. */
static int emit_unmatched(JoinOp *j, const Chunk *c, const uint32_t *rows, uint32_t n) {
    int nl = j->side[0].ncols, nr = j->side[1].ncols;
    for (uint32_t base = 0; base < n; base += WEIR_BATCH_SIZE) {
        uint32_t m = n - base < WEIR_BATCH_SIZE ? n - base : WEIR_BATCH_SIZE;
        arena_reset(&j->outa);
        Chunk *out = chunk_new(nl + nr, &j->outa);
        out->count = out->nsel = m;
        for (int k = 0; k < nl; k++) vec_gather(&c->cols[k], rows + base, m, &out->cols[k], &j->outa);
        for (int k = 0; k < nr; k++)
            vec_all_null(&out->cols[nl + k], j->op.plan->schema.cols[nl + k].type, m, &j->outa);
        if (c->weights) {
            out->weights = arena_alloc(&j->outa, sizeof(int64_t) * m);
            for (uint32_t k = 0; k < m; k++) out->weights[k] = c->weights[rows[base + k]];
        }
        if (op_emit(&j->op, out)) return -1;
    }
    return 0;
}

/* --------------------------------------------------------------- push */

/*
** Symmetric mode: rows whose event time is below the watermark are late
** (CONTRACT §4, "other stateful operators"): counted, reported, dropped.
** Returns c or a view of it without them.
*/
static const Chunk *drop_late(JoinOp *j, const JoinSide *sd, const Chunk *c) {
    Operator *op = &j->op;
    int64_t wm = op_watermark(op);
    if (wm == INT64_MIN) return c;
    uint32_t n = chunk_active(c), m = 0;
    const Vec *cols[sd->ncols > 0 ? sd->ncols : 1];
    for (int k = 0; k < sd->ncols; k++) cols[k] = &c->cols[k];
    uint32_t *sel = arena_alloc(&op->scratch, sizeof(uint32_t) * n);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = chunk_row(c, k);
        int64_t t = side_time(sd, cols, i);
        bool late = t != INT64_MIN && t < wm;
        if (late) {
            op_late(op, 1);
            op_late_row(op, c, i, INT64_MIN, INT64_MIN, -1, -1);
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

/*
** End of a round: stored rows whose event time is below the watermark can
** no longer match (new rows that could are dropped as late), so they leave
** the store: weight 0, reported as deleted; compaction at the next state
** report frees them.
*/
static int join_finish(Operator *op) {
    JoinOp *j = (JoinOp *)op;
    int64_t wm = op_final_watermark(op);
    if (wm == INT64_MIN) return 0;
    for (int s = 0; s < 2; s++) {
        JoinSide *sd = &j->side[s];
        if (!sd->evict || !sd->consolidate) continue;
        while (sd->nheap > 0 && sd->heap[0].t < wm) {
            uint32_t r = heap_pop(sd).r;
            if (sd->set.rows.weights[r] == 0) continue;
            sd->set.rows.weights[r] = 0;
            sd->nlive--;
            if (sd->matches) sd->matches[r] = 0;
            rowset_touch(&sd->set, r);
        }
    }
    return 0;
}

/*
** Rebuild a side's store with its live rows only (after a state report, so
** nothing is pending): row ids shrink in order, so the per-row arrays are
** moved down in place, the buckets and the eviction heap rebuilt, and the
** strings copied into the other arena, the old one freed.
*/
static void side_compact(JoinSide *sd) {
    RowSet old = sd->set;
    int ncols = old.rows.ncols;
    rowset_init(&sd->set, ncols, old.rows.types, &sd->strs[1 - sd->cur]);
    uint32_t *remap = xmalloc(sizeof(uint32_t) * (old.rows.n ? old.rows.n : 1));
    Vec views[ncols > 0 ? ncols : 1];
    const Vec *cols[ncols > 0 ? ncols : 1];
    for (int c = 0; c < ncols; c++) {
        views[c] = (Vec){old.rows.types[c], old.rows.nulls[c], old.rows.data[c]};
        cols[c] = &views[c];
    }
    for (uint32_t r = 0; r < old.rows.n; r++) {
        remap[r] = UINT32_MAX;
        if (old.rows.weights[r] == 0) continue;
        bool created;
        uint32_t nr = rowset_add(&sd->set, cols, r, old.rhash[r], old.rows.weights[r], &created);
        remap[r] = nr;
        sd->hash[nr] = sd->hash[r];
        if (sd->matches) sd->matches[nr] = sd->matches[r];
    }
    rowset_reported(&sd->set);   /* the caller just reported everything */
    rowset_free(&old);
    arena_free(&sd->strs[sd->cur]);
    arena_init(&sd->strs[sd->cur], 0);
    sd->cur = 1 - sd->cur;
    memset(sd->heads, 0, sizeof(uint32_t) * ((size_t)sd->hmask + 1));
    side_link(sd, 0);
    /* the heap: surviving entries renumbered (order kept: the renumbering is monotone), then heapified */
    uint32_t m = 0;
    for (uint32_t k = 0; k < sd->nheap; k++) {
        uint32_t r = sd->heap[k].r;
        if (r < old.rows.n && remap[r] != UINT32_MAX) sd->heap[m++] = (TimedRow){sd->heap[k].t, remap[r]};
    }
    sd->nheap = m;
    for (uint32_t i = m / 2; i-- > 0;) {
        TimedRow e = sd->heap[i];
        uint32_t q = i;
        for (;;) {
            uint32_t c = 2 * q + 1;
            if (c >= m) break;
            if (c + 1 < m && timed_less(sd->heap[c + 1], sd->heap[c])) c++;
            if (!timed_less(sd->heap[c], e)) break;
            sd->heap[q] = sd->heap[c];
            q = c;
        }
        sd->heap[q] = e;
    }
    free(remap);
}

static bool keys_match(const JoinOp *j, const JoinSide *sd, uint32_t r, const Vec *kv, uint32_t i) {
    for (int k = 0; k < j->nkeys; k++)
        if (!rows_eq_vec(&sd->set.rows, sd->keycol[k], r, &kv[k], i)) return false;
    return true;
}

static int join_push(Operator *op, int port, const Chunk *c) {
    JoinOp *j = (JoinOp *)op;
    int s = port;
    uint32_t n = chunk_active(c);
    if (n == 0) return 0;
    decide(j);
    JoinSide *me = &j->side[s], *other = &j->side[1 - s];
    bool store_me = me->store, probe = me->probe;
    if (!store_me && !probe) return 0;   /* insert-only build side done: nothing arrives here */
    if (me->consolidate && me->net > 0) {
        c = drop_late(j, me, c);
        if ((n = chunk_active(c)) == 0) return 0;
    }

    /* evaluate and hash the keys; note the rows whose key has a NULL */
    Vec *kv = arena_alloc(&op->scratch, sizeof(Vec) * (size_t)(j->nkeys ? j->nkeys : 1));
    uint64_t *h = arena_alloc(&op->scratch, sizeof(uint64_t) * n);
    uint8_t *nullkey = arena_zalloc(&op->scratch, n);
    for (int k = 0; k < j->nkeys; k++) {
        if (op_eval(op, me->keys[k], c, &kv[k])) return -1;
        hash_vec(&kv[k], c->sel, n, h, k > 0);
        for (uint32_t q = 0; q < n; q++) nullkey[q] |= vec_null_at(&kv[k], chunk_row(c, q));
    }
    if (j->nkeys == 0) memset(h, 0, sizeof(uint64_t) * n);

    Probe pr = {.s = s, .c = c};
    if (probe) {
        pr.prow = arena_alloc(&op->scratch, sizeof(uint32_t) * WEIR_BATCH_SIZE);
        pr.pk = arena_alloc(&op->scratch, sizeof(uint32_t) * WEIR_BATCH_SIZE);
        pr.srow = arena_alloc(&op->scratch, sizeof(uint32_t) * WEIR_BATCH_SIZE);
        if (j->left_join && s == 0) pr.lmatch = arena_zalloc(&op->scratch, sizeof(int64_t) * n);
        for (uint32_t q = 0; q < n; q++) {
            if (nullkey[q] || other->set.rows.n == 0) continue;
            uint32_t i = chunk_row(c, q);
            if (j->nkeys == 0) {
                for (uint32_t r = 0; r < other->set.rows.n; r++)
                    if (other->set.rows.weights[r] != 0 && add_pair(j, &pr, i, q, r)) return -1;
                continue;
            }
            for (uint32_t r1 = other->heads[h[q] & other->hmask]; r1; r1 = other->next1[r1 - 1]) {
                uint32_t r = r1 - 1;
                if (other->hash[r] == h[q] && other->set.rows.weights[r] != 0 && keys_match(j, other, r, kv, i))
                    if (add_pair(j, &pr, i, q, r)) return -1;
            }
        }
        if (flush_pairs(j, &pr)) return -1;
        if (j->left_join && s == 0) {
            uint32_t *un = arena_alloc(&op->scratch, sizeof(uint32_t) * n), nu = 0;
            for (uint32_t q = 0; q < n; q++)
                if (pr.lmatch[q] == 0) un[nu++] = chunk_row(c, q);
            if (emit_unmatched(j, c, un, nu)) return -1;
        }
    }
    if (store_me) {
        /* rows with a NULL key never match: not stored */
        uint32_t *sel = arena_alloc(&op->scratch, sizeof(uint32_t) * n);
        uint32_t *hk = arena_alloc(&op->scratch, sizeof(uint32_t) * n), m = 0;
        for (uint32_t q = 0; q < n; q++)
            if (!nullkey[q]) {
                sel[m] = chunk_row(c, q);
                hk[m++] = q;
            }
        if (!me->consolidate) {
            side_append(j, me, c, kv, sel, hk, h, m);
            return 0;
        }
        int ncols = me->set.rows.ncols;
        const Vec *cols[ncols > 0 ? ncols : 1];
        for (int k = 0; k < me->ncols; k++) cols[k] = &c->cols[k];
        for (int k = 0; k < j->nkeys; k++)
            if (me->keycol[k] >= me->ncols) cols[me->keycol[k]] = &kv[k];
        uint64_t *kh = arena_alloc(&op->scratch, sizeof(uint64_t) * (m ? m : 1));
        int64_t *w = arena_alloc(&op->scratch, sizeof(int64_t) * (m ? m : 1));
        int64_t *lm = pr.lmatch ? arena_alloc(&op->scratch, sizeof(int64_t) * (m ? m : 1)) : NULL;
        for (uint32_t k = 0; k < m; k++) {
            kh[k] = h[hk[k]];
            w[k] = chunk_weight(c, sel[k]);
            if (lm) lm[k] = pr.lmatch[hk[k]];
        }
        side_put(me, cols, sel, m, kh, w, lm, &op->scratch);
    }
    return 0;
}

static int64_t join_state_rows(const Operator *op) {
    const JoinOp *j = (const JoinOp *)op;
    int64_t n = 0;
    for (int s = 0; s < 2; s++) n += j->side[s].consolidate ? j->side[s].nlive : j->side[s].set.rows.n;
    return n;
}

/* ------------------------------------------------------------ state persistence */

static int report_row(JoinOp *j, int s, uint32_t r, bool fresh, StatePutFn put, void *ud) {
    JoinSide *sd = &j->side[s];
    int64_t w = sd->set.rows.weights[r];
    if (w == 0 && fresh) return 0;   /* came and went since the last report */
    sbuf_reset(&j->kb);
    sbuf_byte(&j->kb, (uint8_t)s);
    sbuf_store_row(&j->kb, &sd->set.rows, r, sd->set.rows.ncols);
    if (w == 0) return put(ud, j->op.id, j->kb.p, j->kb.n, NULL, 0);
    sbuf_reset(&j->vb);
    sbuf_zigzag(&j->vb, w);
    if (sd->matches) sbuf_zigzag(&j->vb, sd->matches[r]);
    return put(ud, j->op.id, j->kb.p, j->kb.n, j->vb.p, j->vb.n);
}

static int join_state_changes(Operator *op, StatePutFn put, void *ud) {
    JoinOp *j = (JoinOp *)op;
    for (int s = 0; s < 2; s++) {
        JoinSide *sd = &j->side[s];
        if (!sd->consolidate) continue;   /* a static side: rebuilt, not persisted */
        if (!put) {
            rowset_reported(&sd->set);
            /* evictions left many dead rows: reclaim them now that none is pending */
            uint32_t dead = sd->set.rows.n - sd->nlive;
            if (sd->evict && dead > 1024 && dead > sd->nlive) side_compact(sd);
            continue;
        }
        uint32_t np = rowset_npending(&sd->set);
        for (uint32_t k = 0; k < np; k++) {
            uint32_t r = rowset_pending_row(&sd->set, k);
            if (report_row(j, s, r, r >= sd->set.pbase, put, ud)) return -1;
        }
    }
    return 0;
}

static int join_state_load(Operator *op, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen) {
    JoinOp *j = (JoinOp *)op;
    decide(j);
    arena_reset(&op->scratch);
    StateRd r = {key, key + klen, false};
    uint8_t s = srd_byte(&r);
    if (s > 1 || !j->side[s].consolidate) return op_state_corrupt(op);
    JoinSide *sd = &j->side[s];
    int ncols = sd->set.rows.ncols;
    Vec v[ncols > 0 ? ncols : 1];
    srd_row(&r, ncols, sd->set.rows.types, v, &op->scratch);
    StateRd rv = {val, val + vlen, false};
    int64_t w = srd_zigzag(&rv), matches = sd->matches ? srd_zigzag(&rv) : 0;
    if (r.bad || r.p != r.end || rv.bad || rv.p != rv.end || w == 0) return op_state_corrupt(op);
    const Vec *cols[ncols > 0 ? ncols : 1];
    for (int c = 0; c < ncols; c++) cols[c] = &v[c];
    uint64_t kh = 0;
    for (int k = 0; k < j->nkeys; k++) hash_vec(&v[sd->keycol[k]], NULL, 1, &kh, k > 0);
    uint32_t n0 = sd->set.rows.n;
    side_put(sd, cols, NULL, 1, &kh, &w, &matches, &op->scratch);
    if (sd->set.rows.n == n0) return op_state_corrupt(op);   /* the same row twice */
    rowset_reported(&sd->set);   /* restored rows count as reported */
    return 0;
}

static void join_destroy(Operator *op) {
    JoinOp *j = (JoinOp *)op;
    for (int s = 0; s < 2; s++) {
        JoinSide *sd = &j->side[s];
        rowset_free(&sd->set);
        free(sd->heap);
        arena_free(&sd->strs[0]);
        arena_free(&sd->strs[1]);
        free(sd->hash);
        free(sd->next1);
        free(sd->matches);
        free(sd->heads);
    }
    arena_free(&j->outa);
    sbuf_free(&j->kb);
    sbuf_free(&j->vb);
}

/*
** Event time: each side's event-time columns (Column.event_time of its
** input) make its late rows droppable; stored rows are evicted below the
** watermark only when an equi-key pair is an event-time column on both
** sides (exact time equality): a row older than the watermark can then only
** match rows that are late themselves.  A time range (in the residual) keeps
** the state, since a stored row may still match later rows.
*/
static int join_prepare(Operator *op) {
    JoinOp *j = (JoinOp *)op;
    const Plan *p = op->plan;
    int nl = j->side[0].ncols, nr = j->side[1].ncols;
    bool mark[nl + nr + 1];
    for (int s = 0; s < 2; s++) {
        JoinSide *sd = &j->side[s];
        const Plan *in = s ? p->right : p->left;
        sd->etcol = ARENA_ARRAY(&op->state, int, sd->ncols > 0 ? sd->ncols : 1);
        sd->net = 0;
        for (int c = 0; c < sd->ncols; c++) {
            bool et = in->schema.cols[c].event_time && in->schema.cols[c].type == TYPE_TIMESTAMP;
            mark[(s ? nl : 0) + c] = et;
            if (et) sd->etcol[sd->net++] = c;
        }
    }
    /* evict only on exact time equality: an equi-key pair whose both sides are
       bare event-time columns; a time range in the residual keeps the state */
    bool timeeq = false;
    for (int k = 0; k < j->nkeys && !timeeq; k++) {
        const Expr *a = j->side[0].keys[k], *b = j->side[1].keys[k];
        timeeq = a && b && a->kind == EXPR_COLUMN && b->kind == EXPR_COLUMN &&
                 a->col >= 0 && a->col < nl && b->col >= 0 && b->col < nr &&
                 mark[a->col] && mark[nl + b->col];
    }
    j->side[0].evict = j->side[1].evict = timeeq;
    return 0;
}

static const OperatorVT join_vt = {
    .name = "HashJoin",
    .push = join_push,
    .finish = join_finish,
    .prepare = join_prepare,
    .state_rows = join_state_rows,
    .state_changes = join_state_changes,
    .state_load = join_state_load,
    .destroy = join_destroy,
};

/* Set up one side: which store column holds each key (computed keys get their own). */
static int side_init(JoinOp *j, JoinSide *sd, const Plan *input, Expr *const *keys) {
    Executor *x = j->op.x;
    if (!input) return err_set(x->err, "internal error: join without an input");
    sd->ncols = input->schema.ncols;
    sd->keys = (const Expr *const *)keys;
    sd->keycol = ARENA_ARRAY(&j->op.state, int, j->nkeys ? j->nkeys : 1);
    int ncols = sd->ncols;
    Type types[sd->ncols + j->nkeys + 1];
    for (int k = 0; k < sd->ncols; k++) types[k] = input->schema.cols[k].type;
    for (int k = 0; k < j->nkeys; k++) {
        const Expr *e = keys[k];
        if (!e) return err_set(x->err, "internal error: join key %d missing", k);
        if (e->kind == EXPR_COLUMN && e->col >= 0 && e->col < sd->ncols) {
            sd->keycol[k] = e->col;
        } else {
            types[ncols] = e->type;
            sd->keycol[k] = ncols++;
        }
    }
    arena_init(&sd->strs[0], 0);
    arena_init(&sd->strs[1], 0);
    rowset_init(&sd->set, ncols, types, &sd->strs[0]);
    sd->unit_weights = true;
    sd->heads = xcalloc(64, sizeof(uint32_t));
    sd->hmask = 63;
    return 0;
}

Operator *op_join_new(Executor *x, const Plan *p) {
    JoinOp *j = (JoinOp *)op_alloc(x, p, &join_vt, sizeof(JoinOp), 2);
    j->nkeys = p->u.join.nkeys;
    j->left_join = p->u.join.kind == PJOIN_LEFT;
    arena_init(&j->outa, 1 << 20);
    for (int k = 0; k < j->nkeys; k++) {
        Type lt = p->u.join.lkeys[k]->type, rt = p->u.join.rkeys[k]->type;
        if (lt != rt && lt != TYPE_NULL && rt != TYPE_NULL) {
            err_set(x->err, "internal error: join key %d compares %s with %s", k, type_name(lt), type_name(rt));
            return NULL;
        }
    }
    if (side_init(j, &j->side[0], p->left, p->u.join.lkeys) || side_init(j, &j->side[1], p->right, p->u.join.rkeys))
        return NULL;
    if (p->schema.ncols != j->side[0].ncols + j->side[1].ncols) {
        err_set(x->err, "internal error: join output has %d columns, inputs %d + %d", p->schema.ncols,
                j->side[0].ncols, j->side[1].ncols);
        return NULL;
    }
    return &j->op;
}
