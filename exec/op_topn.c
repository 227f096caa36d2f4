/*
** RowNumber and TopN: ROW_NUMBER() OVER (PARTITION BY p ORDER BY k), and
** the top-N per partition the optimizer makes of it when a filter keeps
** only `rn <= N` (planner/rules_topn.c).  Both output the input's columns
** plus the row's number within its partition; RowNumber numbers every row,
** TopN only rows 1..N.
**
** One algorithm serves a batch query (one round, insert-only) and a
** continuous query (a round per micro-batch, with retractions):
**
**     push:   each input row is added, with its weight, to a RowSet of the
**             rows seen (one stored row per distinct content, weight =
**             multiplicity), and its partition is marked changed
**     finish: for each changed partition
**                 bring its rows into order (key order, ties by arrival)
**                 its top = the first N ranks, a row of multiplicity m
**                 taking m consecutive ranks
**                 emit the difference to the top emitted before: weight -1
**                 for (row, rank) pairs that left, +1 for pairs that came
**
** So a retraction of a top row promotes the next one (every row of a
** partition is kept, not only the top N), and the output is a changelog
** whose sum is exactly the current numbering.  A batch query emits the
** whole numbering in its one round.
**
** Order within a partition: the sort keys (ASC/DESC, NULLS FIRST/LAST as
** ORDER BY), then arrival: each stored row carries a sequence number taken
** when it arrives (again when it comes back after its weight fell to 0),
** so rows with equal keys keep their arrival order -- the same for any
** split of the input into chunks or micro-batches.
**
** Per partition the rows are an array of row ids in that order, plus the
** rows that arrived since the last finish (unsorted); finish sorts the
** arrivals and merges them in, dropping rows whose weight fell to 0, so a
** round costs O(changed partition size + arrivals log arrivals).  In an
** insert-only input nothing leaves, so a TopN keeps only the rows holding
** the first N ranks in its arrays.
**
** State (a continuous query): entries are the stored rows, as a join's
**     key  the stored row's values (input columns, then computed keys)
**     val  weight, arrival sequence number
** exec_state_load() feeds them back; the next push or finish first
** rebuilds every partition's order and top silently, so nothing the query
** emitted before its restart is emitted again.
*/
#include <string.h>

#include "operator.h"

/* Where a stored row is listed in its partition. */
enum { LIST_NONE, LIST_ORDERED, LIST_ARRIVED };

typedef struct TopNPart {
    uint32_t *ids;          /* rows in rank order */
    uint32_t n, cap;
    uint32_t *arr;          /* rows listed since the last finish, unsorted */
    uint32_t narr, carr;
    uint32_t *top;          /* the last top emitted: row id at rank i + 1 */
    uint32_t ntop, ctop;
    bool dirty;
} TopNPart;

typedef struct TopNOp {
    Operator op;
    int nin;                /* input columns */
    int npart, nkeys;
    int *partcol;           /* store column of each PARTITION BY expression */
    int *keycol;            /* store column of each sort key */
    int64_t limit;          /* -1: every row (RowNumber) */
    RowSet set;             /* set.rows: input columns, then computed partition / key columns */
    Arena strings;          /* TEXT bytes of the stored rows */
    /* per stored row */
    uint32_t *rowpart;      /* its partition */
    uint64_t *rowseq;       /* arrival sequence number: the tie-break */
    uint8_t *where;         /* LIST_* */
    uint32_t rcap;
    uint64_t seq;           /* next sequence number */
    /* partitions, hashed by their PARTITION BY values */
    TopNPart *parts;
    uint64_t *phash;
    uint32_t *prow;         /* a stored row holding the partition's values */
    uint32_t nparts, cparts;
    uint32_t *slots;        /* partition + 1, open addressing on phash; 0 = empty */
    uint32_t smask;
    uint32_t *dirty;        /* partitions changed since the last finish */
    uint32_t ndirty, cdirty;
    bool rebuild;           /* state was loaded: settle silently before the next round */
    /* output being gathered: (row, rank, weight) */
    uint32_t orow[WEIR_BATCH_SIZE];
    int64_t orank[WEIR_BATCH_SIZE], ow[WEIR_BATCH_SIZE];
    uint32_t on;
    StateBuf kb, vb;
} TopNOp;

/* Grow a uint32_t array to hold n + 1 entries. */
static void grow_u32(uint32_t **a, uint32_t *cap, uint32_t n) {
    if (n < *cap) return;
    *cap = *cap ? 2 * *cap : 8;
    *a = xrealloc(*a, sizeof(uint32_t) * *cap);
}

/* ------------------------------------------------------------ partitions */

static void part_rehash(TopNOp *t, uint32_t cap) {
    free(t->slots);
    t->slots = xcalloc(cap, sizeof(uint32_t));
    t->smask = cap - 1;
    for (uint32_t p = 0; p < t->nparts; p++) {
        uint64_t pos = (t->phash[p] * 0x9E3779B97F4A7C15ULL) >> 20 & t->smask;
        while (t->slots[pos]) pos = (pos + 1) & t->smask;
        t->slots[pos] = p + 1;
    }
}

/* Does partition p hold the PARTITION BY values of row i of cols? */
static bool part_eq(const TopNOp *t, uint32_t p, const Vec *const *cols, uint32_t i) {
    for (int k = 0; k < t->npart; k++) {
        int c = t->partcol[k];
        if (!rows_eq_vec(&t->set.rows, c, t->prow[p], cols[c], i)) return false;
    }
    return true;
}

/* The partition of row i of cols (hash h), created with stored row r as its example when new. */
static uint32_t part_of(TopNOp *t, const Vec *const *cols, uint32_t i, uint64_t h, uint32_t r) {
    uint64_t pos = (h * 0x9E3779B97F4A7C15ULL) >> 20 & t->smask;
    for (;;) {
        uint32_t p1 = t->slots[pos];
        if (!p1) break;
        if (t->phash[p1 - 1] == h && part_eq(t, p1 - 1, cols, i)) return p1 - 1;
        pos = (pos + 1) & t->smask;
    }
    if (t->nparts == t->cparts) {
        t->cparts = t->cparts ? 2 * t->cparts : 16;
        t->parts = xrealloc(t->parts, sizeof(TopNPart) * t->cparts);
        t->phash = xrealloc(t->phash, sizeof(uint64_t) * t->cparts);
        t->prow = xrealloc(t->prow, sizeof(uint32_t) * t->cparts);
    }
    uint32_t p = t->nparts++;
    memset(&t->parts[p], 0, sizeof(TopNPart));
    t->phash[p] = h;
    t->prow[p] = r;
    t->slots[pos] = p + 1;
    if ((uint64_t)t->nparts * 2 > (uint64_t)t->smask + 1) part_rehash(t, 2 * (t->smask + 1));
    return p;
}

static void mark_dirty(TopNOp *t, uint32_t p) {
    if (t->parts[p].dirty) return;
    t->parts[p].dirty = true;
    grow_u32(&t->dirty, &t->cdirty, t->ndirty);
    t->dirty[t->ndirty++] = p;
}

/* ------------------------------------------------------------ adding rows */

static void grow_rows(TopNOp *t) {
    uint32_t need = t->set.rows.n;
    if (need <= t->rcap) return;
    uint32_t cap = t->set.rows.cap > need ? t->set.rows.cap : need;
    t->rowpart = xrealloc(t->rowpart, sizeof(uint32_t) * cap);
    t->rowseq = xrealloc(t->rowseq, sizeof(uint64_t) * cap);
    t->where = xrealloc(t->where, cap);
    t->rcap = cap;
}

/*
** Add weight w to row i of cols (row hash rh, partition hash ph), with
** sequence number `seq` when it (re)arrives (seq UINT64_MAX: the next one).
** Lists the row in its partition's arrivals unless it is listed already.
*/
static void add_row(TopNOp *t, const Vec *const *cols, uint32_t i, uint64_t rh, uint64_t ph, int64_t w,
                    uint64_t seq) {
    bool created;
    uint32_t r = rowset_add(&t->set, cols, i, rh, w, &created);
    int64_t now = t->set.rows.weights[r];
    if (created) {
        grow_rows(t);
        t->rowpart[r] = part_of(t, cols, i, ph, r);
        t->where[r] = LIST_NONE;
    }
    bool arrived = now > 0 && (created || now - w <= 0);
    if (arrived || created) {
        t->rowseq[r] = seq == UINT64_MAX ? t->seq++ : seq;
        if (seq != UINT64_MAX && seq >= t->seq) t->seq = seq + 1;
    }
    uint32_t p = t->rowpart[r];
    TopNPart *pt = &t->parts[p];
    mark_dirty(t, p);
    /* a row that arrives again has a new place in the order: list it anew */
    if (t->where[r] == LIST_NONE || (arrived && t->where[r] == LIST_ORDERED)) {
        grow_u32(&pt->arr, &pt->carr, pt->narr);
        pt->arr[pt->narr++] = r;
        t->where[r] = LIST_ARRIVED;
    }
}

/* ------------------------------------------------------------ ordering */

/* Rank order of stored rows a and b: the sort keys, then arrival. */
static int cmp_rows(const TopNOp *t, uint32_t a, uint32_t b) {
    const SortKey *keys = t->op.plan->u.topn.keys;
    const RowStore *s = &t->set.rows;
    for (int k = 0; k < t->nkeys; k++) {
        int col = t->keycol[k];
        bool an = rows_null(s, col, a), bn = rows_null(s, col, b);
        int c;
        if (an || bn) {
            if (an && bn) continue;
            c = an ? -1 : 1;
            return keys[k].nulls_first ? c : -c;
        }
        c = value_cmp_ptr(s->types[col], rows_ptr(s, col, a), rows_ptr(s, col, b));
        if (c) return keys[k].desc ? -c : c;
    }
    return (t->rowseq[a] > t->rowseq[b]) - (t->rowseq[a] < t->rowseq[b]);
}

/* Bottom-up merge sort of ids[0..n) by cmp_rows (tmp: room for n). */
static void sort_ids(const TopNOp *t, uint32_t *ids, uint32_t *tmp, uint32_t n) {
    uint32_t *src = ids, *dst = tmp;
    for (uint32_t width = 1; width < n; width *= 2) {
        for (uint32_t lo = 0; lo < n; lo += 2 * width) {
            uint32_t mid = lo + width < n ? lo + width : n;
            uint32_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            uint32_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) dst[o++] = cmp_rows(t, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid) dst[o++] = src[i++];
            while (j < hi) dst[o++] = src[j++];
        }
        uint32_t *x = src;
        src = dst;
        dst = x;
    }
    if (src != ids) memcpy(ids, src, sizeof(uint32_t) * n);
}

/*
** Bring partition p's rows into order: sort the arrivals, merge them with
** the ordered rows, drop rows whose weight is no longer positive (and rows
** listed anew among the arrivals).  In an insert-only input, rows below
** rank `limit` can never rise again: they are dropped from the arrays too.
*/
static void settle_order(TopNOp *t, TopNPart *pt) {
    uint32_t na = pt->narr;
    uint32_t *tmp = xmalloc(sizeof(uint32_t) * (na + 1));
    sort_ids(t, pt->arr, tmp, na);
    free(tmp);
    uint32_t cap = pt->n + na;
    uint32_t *out = xmalloc(sizeof(uint32_t) * (cap ? cap : 1));
    const int64_t *w = t->set.rows.weights;
    uint32_t i = 0, j = 0, n = 0;
    while (i < pt->n || j < na) {
        uint32_t r;
        if (i < pt->n && t->where[pt->ids[i]] != LIST_ORDERED) {
            i++;   /* listed anew among the arrivals */
            continue;
        }
        if (j >= na || (i < pt->n && cmp_rows(t, pt->ids[i], pt->arr[j]) <= 0)) r = pt->ids[i++];
        else r = pt->arr[j++];
        if (w[r] > 0) {
            out[n++] = r;
            t->where[r] = LIST_ORDERED;
        } else {
            t->where[r] = LIST_NONE;
        }
    }
    if (t->limit >= 0 && op_insert_only(&t->op)) {
        /* keep only the rows covering ranks 1..limit */
        int64_t ranks = 0;
        uint32_t keep = 0;
        while (keep < n && ranks < t->limit) ranks += w[out[keep++]];
        for (uint32_t k = keep; k < n; k++) t->where[out[k]] = LIST_NONE;
        n = keep;
    }
    free(pt->ids);
    pt->ids = out;
    pt->n = n;
    pt->cap = cap;
    pt->narr = 0;
}

/* ------------------------------------------------------------ output */

static int flush(TopNOp *t) {
    if (t->on == 0) return 0;
    Operator *op = &t->op;
    arena_reset(&op->scratch);
    uint32_t m = t->on;
    Chunk *c = chunk_new(t->nin + 1, &op->scratch);
    c->count = c->nsel = m;
    for (int k = 0; k < t->nin; k++) rows_gather(&t->set.rows, k, t->orow, m, &c->cols[k], &op->scratch);
    vec_alloc(&c->cols[t->nin], TYPE_BIGINT, m, &op->scratch);
    memcpy(c->cols[t->nin].data, t->orank, sizeof(int64_t) * m);
    bool unit = true;
    for (uint32_t k = 0; k < m && unit; k++) unit = t->ow[k] == 1;
    if (!unit) {
        c->weights = arena_alloc(&op->scratch, sizeof(int64_t) * m);
        memcpy(c->weights, t->ow, sizeof(int64_t) * m);
    }
    t->on = 0;
    return op_emit(op, c);
}

static int out_row(TopNOp *t, uint32_t r, int64_t rank, int64_t w) {
    t->orow[t->on] = r;
    t->orank[t->on] = rank;
    t->ow[t->on] = w;
    if (++t->on == WEIR_BATCH_SIZE) return flush(t);
    return 0;
}

/*
** Partition pt's new top (the first `limit` ranks, a row of weight m taking
** m ranks) replaces the old one; with emit, the (row, rank) pairs that
** changed go out: the old ones with weight -1, then the new ones with +1.
*/
static int settle_top(TopNOp *t, TopNPart *pt, bool emit) {
    const int64_t *w = t->set.rows.weights;
    uint64_t total = 0;
    for (uint32_t k = 0; k < pt->n; k++) {
        total += (uint64_t)w[pt->ids[k]];
        if (t->limit >= 0 && total >= (uint64_t)t->limit) break;
    }
    if (t->limit >= 0 && total > (uint64_t)t->limit) total = (uint64_t)t->limit;
    if (total > UINT32_MAX) return err_set(t->op.x->err, "a partition of ROW_NUMBER() holds more than %u rows",
                                           UINT32_MAX);
    uint32_t nt = (uint32_t)total;
    uint32_t *top = xmalloc(sizeof(uint32_t) * (nt ? nt : 1));
    for (uint32_t k = 0, rank = 0; k < pt->n && rank < nt; k++)
        for (int64_t m = w[pt->ids[k]]; m > 0 && rank < nt; m--) top[rank++] = pt->ids[k];
    int rc = 0;
    if (emit) {
        uint32_t n = pt->ntop > nt ? pt->ntop : nt;
        for (uint32_t k = 0; k < n && rc == 0; k++)
            if (k < pt->ntop && (k >= nt || pt->top[k] != top[k])) rc = out_row(t, pt->top[k], (int64_t)k + 1, -1);
        for (uint32_t k = 0; k < n && rc == 0; k++)
            if (k < nt && (k >= pt->ntop || pt->top[k] != top[k])) rc = out_row(t, top[k], (int64_t)k + 1, 1);
    }
    free(pt->top);
    pt->top = top;
    pt->ntop = nt;
    pt->ctop = nt;
    return rc;
}

/* Settle every changed partition; emit their changes unless `emit` is false (after a restart). */
static int settle(TopNOp *t, bool emit) {
    int rc = 0;
    for (uint32_t k = 0; k < t->ndirty && rc == 0; k++) {
        TopNPart *pt = &t->parts[t->dirty[k]];
        pt->dirty = false;
        settle_order(t, pt);
        rc = settle_top(t, pt, emit);
    }
    for (uint32_t k = 0; k < t->ndirty; k++) t->parts[t->dirty[k]].dirty = false;
    t->ndirty = 0;
    if (rc == 0 && emit) rc = flush(t);
    t->on = 0;
    return rc;
}

static int rebuild_if_loaded(TopNOp *t) {
    if (!t->rebuild) return 0;
    t->rebuild = false;
    return settle(t, false);
}

/* ------------------------------------------------------------ operator */

/*
** Evaluate the computed partition / key columns of c and add its active
** rows (weight 0 rows are skipped).  Output waits for finish.
*/
static int topn_push(Operator *op, int port, const Chunk *c) {
    (void)port;
    TopNOp *t = (TopNOp *)op;
    if (rebuild_if_loaded(t)) return -1;
    uint32_t n = chunk_active(c);
    if (n == 0) return 0;
    int ncols = t->set.rows.ncols;
    const Vec *cols[ncols > 0 ? ncols : 1];
    for (int k = 0; k < t->nin; k++) cols[k] = &c->cols[k];
    const Plan *p = op->plan;
    for (int k = 0; k < t->npart; k++) {
        if (t->partcol[k] < t->nin) continue;
        Vec *v = arena_alloc(&op->scratch, sizeof(Vec));
        if (op_eval(op, p->u.topn.partition[k], c, v)) return -1;
        cols[t->partcol[k]] = v;
    }
    for (int k = 0; k < t->nkeys; k++) {
        if (t->keycol[k] < t->nin) continue;
        Vec *v = arena_alloc(&op->scratch, sizeof(Vec));
        if (op_eval(op, p->u.topn.keys[k].expr, c, v)) return -1;
        cols[t->keycol[k]] = v;
    }
    uint64_t *rh = arena_alloc(&op->scratch, sizeof(uint64_t) * n);
    uint64_t *ph = arena_zalloc(&op->scratch, sizeof(uint64_t) * n);
    rowset_hash(&t->set, cols, c->sel, n, rh);
    for (int k = 0; k < t->npart; k++) hash_vec(cols[t->partcol[k]], c->sel, n, ph, k > 0);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t i = chunk_row(c, k);
        int64_t w = chunk_weight(c, i);
        if (w) add_row(t, cols, i, rh[k], ph[k], w, UINT64_MAX);
    }
    return 0;
}

static int topn_finish(Operator *op) {
    TopNOp *t = (TopNOp *)op;
    if (rebuild_if_loaded(t)) return -1;
    return settle(t, true);
}

static int64_t topn_state_rows(const Operator *op) { return ((const TopNOp *)op)->set.rows.n; }

/* ------------------------------------------------------------ state persistence */

static int topn_state_changes(Operator *op, StatePutFn put, void *ud) {
    TopNOp *t = (TopNOp *)op;
    if (!put) {
        rowset_reported(&t->set);
        return 0;
    }
    const RowStore *s = &t->set.rows;
    uint32_t np = rowset_npending(&t->set);
    for (uint32_t k = 0; k < np; k++) {
        uint32_t r = rowset_pending_row(&t->set, k);
        int64_t w = s->weights[r];
        if (w == 0 && r >= t->set.pbase) continue;   /* came and went since the last report */
        sbuf_reset(&t->kb);
        sbuf_store_row(&t->kb, s, r, s->ncols);
        int rc;
        if (w == 0) {
            rc = put(ud, op->id, t->kb.p, t->kb.n, NULL, 0);
        } else {
            sbuf_reset(&t->vb);
            sbuf_zigzag(&t->vb, w);
            sbuf_varint(&t->vb, t->rowseq[r]);
            rc = put(ud, op->id, t->kb.p, t->kb.n, t->vb.p, t->vb.n);
        }
        if (rc) return -1;
    }
    return 0;
}

static int topn_state_load(Operator *op, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen) {
    TopNOp *t = (TopNOp *)op;
    arena_reset(&op->scratch);
    int ncols = t->set.rows.ncols;
    StateRd rk = {key, key + klen, false};
    Vec v[ncols > 0 ? ncols : 1];
    srd_row(&rk, ncols, t->set.rows.types, v, &op->scratch);
    StateRd rv = {val, val + vlen, false};
    int64_t w = srd_zigzag(&rv);
    uint64_t seq = srd_varint(&rv);
    if (rk.bad || rk.p != rk.end || rv.bad || rv.p != rv.end || w == 0 || seq == UINT64_MAX)
        return op_state_corrupt(op);
    const Vec *cols[ncols > 0 ? ncols : 1];
    for (int c = 0; c < ncols; c++) cols[c] = &v[c];
    uint64_t rh, ph = 0;
    rowset_hash(&t->set, cols, NULL, 1, &rh);
    for (int k = 0; k < t->npart; k++) hash_vec(cols[t->partcol[k]], NULL, 1, &ph, k > 0);
    uint32_t n0 = t->set.rows.n;
    add_row(t, cols, 0, rh, ph, w, seq);
    if (t->set.rows.n == n0) return op_state_corrupt(op);   /* the same row twice */
    rowset_reported(&t->set);   /* restored rows count as reported */
    t->rebuild = true;
    return 0;
}

static void topn_destroy(Operator *op) {
    TopNOp *t = (TopNOp *)op;
    for (uint32_t p = 0; p < t->nparts; p++) {
        free(t->parts[p].ids);
        free(t->parts[p].arr);
        free(t->parts[p].top);
    }
    free(t->parts);
    free(t->phash);
    free(t->prow);
    free(t->slots);
    free(t->dirty);
    free(t->rowpart);
    free(t->rowseq);
    free(t->where);
    rowset_free(&t->set);
    arena_free(&t->strings);
    sbuf_free(&t->kb);
    sbuf_free(&t->vb);
}

static const OperatorVT topn_vt = {
    .name = "TopN",
    .push = topn_push,
    .finish = topn_finish,
    .state_rows = topn_state_rows,
    .state_changes = topn_state_changes,
    .state_load = topn_state_load,
    .destroy = topn_destroy,
};

static const OperatorVT rownumber_vt = {
    .name = "RowNumber",
    .push = topn_push,
    .finish = topn_finish,
    .state_rows = topn_state_rows,
    .state_changes = topn_state_changes,
    .state_load = topn_state_load,
    .destroy = topn_destroy,
};

/* Store column of expression e: the input column itself when e is one, else a new computed column. */
static int store_col(const Expr *e, int nin, Type *types, int *ncols) {
    if (e->kind == EXPR_COLUMN && e->col >= 0 && e->col < nin) return e->col;
    types[*ncols] = e->type;
    return (*ncols)++;
}

/*
** The operator for a PLAN_ROWNUMBER or PLAN_TOPN node (see the file
** comment).  NULL with x->err set when the plan is malformed.
*/
Operator *op_topn_new(Executor *x, const Plan *p) {
    if (!p->left) {
        err_set(x->err, "internal error: row number without an input");
        return NULL;
    }
    bool topn = p->kind == PLAN_TOPN;
    TopNOp *t = (TopNOp *)op_alloc(x, p, topn ? &topn_vt : &rownumber_vt, sizeof(TopNOp), 1);
    arena_init(&t->strings, 0);
    t->slots = xcalloc(64, sizeof(uint32_t));
    t->smask = 63;
    t->nin = p->left->schema.ncols;
    t->npart = p->u.topn.npartition;
    t->nkeys = p->u.topn.nkeys;
    t->limit = topn ? p->u.topn.limit : -1;
    if (p->schema.ncols != t->nin + 1 || (topn && t->limit < 0) || t->npart < 0 || t->nkeys < 0) {
        err_set(x->err, "internal error: malformed %s node", topn ? "top-N" : "row number");
        return NULL;
    }
    Type types[t->nin + t->npart + t->nkeys + 1];
    int ncols = t->nin;
    for (int k = 0; k < t->nin; k++) types[k] = p->left->schema.cols[k].type;
    t->partcol = ARENA_ARRAY(&t->op.state, int, t->npart > 0 ? t->npart : 1);
    t->keycol = ARENA_ARRAY(&t->op.state, int, t->nkeys > 0 ? t->nkeys : 1);
    for (int k = 0; k < t->npart; k++) {
        if (!p->u.topn.partition || !p->u.topn.partition[k]) {
            err_set(x->err, "internal error: partition expression %d missing", k);
            return NULL;
        }
        t->partcol[k] = store_col(p->u.topn.partition[k], t->nin, types, &ncols);
    }
    for (int k = 0; k < t->nkeys; k++) {
        if (!p->u.topn.keys || !p->u.topn.keys[k].expr) {
            err_set(x->err, "internal error: sort key %d missing", k);
            return NULL;
        }
        t->keycol[k] = store_col(p->u.topn.keys[k].expr, t->nin, types, &ncols);
    }
    rowset_init(&t->set, ncols, types, &t->strings);
    return &t->op;
}
