/*
** HashJoin: inner and left equi-joins with an optional residual predicate.
**
** Output columns are the left input's then the right input's.  Each side
** has a JoinSide: a RowStore of its rows (input columns, plus key columns
** when a key is computed rather than a plain column) and a chained hash
** table on the key hash.  Rows whose key contains a NULL never match and are
** never stored.  With no equality keys every stored row is a candidate (a
** nested loop), filtered by the residual.
**
** Batch query (Executor.batch): the right side (port 1) is the build side,
** complete before the left side (port 0) probes; left rows are not stored.
** For each probe chunk:
**
**     hash the left keys
**     for each left row, walk its bucket: same hash and equal keys -> a pair
**     every WEIR_BATCH_SIZE pairs: gather left and right columns into an
**         output chunk, weight = left weight * right weight, apply the residual
**     LEFT: left rows with no surviving pair -> output with NULLs on the right
**
** Continuous query: the join is symmetric.  Both sides are stored, and a
** delta on either side probes the other side's store before being added to
** its own, which yields exactly d(L join R) = dL join R + L' join dR.  A
** retraction cancels the stored copy of its row (weight 0 = dead, skipped by
** probes) rather than being stored beside it.  For a
** LEFT join each stored left row keeps its weighted match count; when a right
** delta moves it between zero and non-zero, the NULL-padded row is retracted
** or re-emitted.
*/
#include <string.h>

#include "operator.h"

typedef struct JoinSide {
    RowStore rows;       /* input columns, then computed key columns */
    int ncols;           /* input columns */
    int *keycol;         /* store column of each key */
    const Expr *const *keys;
    uint64_t *hash;      /* per row */
    uint32_t *next1;     /* per row: next row in the bucket + 1 */
    int64_t *matches;    /* per row, left side of a continuous LEFT join */
    uint32_t rcap;       /* capacity of the per-row arrays */
    uint32_t *heads;     /* bucket -> first row + 1 */
    uint32_t hmask;
    bool unit_weights;   /* every stored weight is +1 */
} JoinSide;

typedef struct JoinOp {
    Operator op;
    int nkeys;
    bool left_join;
    JoinSide side[2];    /* 0 = left (probe), 1 = right (build) */
    Arena outa;          /* output chunks, reset per flush */
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

/* --------------------------------------------------------------- storage */

static void side_grow_buckets(JoinSide *sd, uint32_t nb) {
    free(sd->heads);
    sd->heads = xcalloc(nb, sizeof(uint32_t));
    sd->hmask = nb - 1;
    for (uint32_t r = 0; r < sd->rows.n; r++) {
        uint32_t b = (uint32_t)(sd->hash[r] & sd->hmask);
        sd->next1[r] = sd->heads[b];
        sd->heads[b] = r + 1;
    }
}

/*
** Add the rows sel[0..n) of chunk c (with evaluated keys kv and their hashes
** h, indexed like sel) to side sd.
*/
/*
** A retraction cancels a stored live row equal to it in every column (and
** key): its weight drops, and a row whose weight reaches 0 is dead -- probes
** skip it.  Returns false when there is no such row (a retraction that
** arrived before its insert is then stored as a row of negative weight).
*/
static bool side_cancel(JoinOp *j, JoinSide *sd, const Chunk *c, const Vec *kv, uint32_t i, uint64_t h,
                        int64_t w) {
    for (uint32_t r1 = sd->heads[h & sd->hmask]; r1; r1 = sd->next1[r1 - 1]) {
        uint32_t r = r1 - 1;
        if (sd->hash[r] != h || sd->rows.weights[r] <= 0) continue;
        bool same = true;
        for (int k = 0; k < sd->ncols && same; k++) same = rows_eq_vec(&sd->rows, k, r, &c->cols[k], i);
        for (int k = 0; k < j->nkeys && same; k++) same = rows_eq_vec(&sd->rows, sd->keycol[k], r, &kv[k], i);
        if (!same) continue;
        int64_t take = sd->rows.weights[r] < -w ? sd->rows.weights[r] : -w;
        sd->rows.weights[r] -= take;
        sd->unit_weights = false;
        if (take == -w) return true;
        w += take;
    }
    return false;
}

static void side_add(JoinOp *j, JoinSide *sd, const Chunk *c, const Vec *kv, const uint32_t *sel,
                     const uint32_t *hk, const uint64_t *h, uint32_t n, const int64_t *lmatch) {
    if (n == 0) return;
    if (c->weights) {
        /* cancel retractions against stored rows; keep the rest */
        uint32_t m = 0;
        uint32_t *sel2 = arena_alloc(&j->op.scratch, sizeof(uint32_t) * n);
        uint32_t *hk2 = arena_alloc(&j->op.scratch, sizeof(uint32_t) * n);
        for (uint32_t k = 0; k < n; k++) {
            int64_t w = c->weights[sel[k]];
            if (w < 0 && side_cancel(j, sd, c, kv, sel[k], h[hk[k]], w)) continue;
            sel2[m] = sel[k];
            hk2[m++] = hk[k];
        }
        sel = sel2;
        hk = hk2;
        n = m;
        if (n == 0) return;
    }
    int ncols = sd->rows.ncols;
    const Vec *cols[ncols > 0 ? ncols : 1]; /* a side may have no columns (pruned away) */
    for (int k = 0; k < sd->ncols; k++) cols[k] = &c->cols[k];
    for (int k = 0; k < j->nkeys; k++)
        if (sd->keycol[k] >= sd->ncols) cols[sd->keycol[k]] = &kv[k];
    uint32_t base = sd->rows.n;
    rows_append(&sd->rows, cols, sel, n, c->weights);
    if (c->weights)
        for (uint32_t k = 0; k < n; k++) sd->unit_weights &= c->weights[sel[k]] == 1;
    if (sd->rows.n > sd->rcap) {
        uint32_t cap = sd->rows.cap;
        sd->hash = xrealloc(sd->hash, sizeof(uint64_t) * cap);
        sd->next1 = xrealloc(sd->next1, sizeof(uint32_t) * cap);
        if (sd->matches || lmatch) sd->matches = xrealloc(sd->matches, sizeof(int64_t) * cap);
        sd->rcap = cap;
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = base + k;
        sd->hash[r] = h[hk[k]];
        if (lmatch) sd->matches[r] = lmatch[hk[k]];
    }
    if (sd->rows.n > sd->hmask + 1) {
        uint32_t nb = sd->hmask + 1;
        while (nb < sd->rows.n) nb *= 2;
        side_grow_buckets(sd, 2 * nb);   /* rebuilds every chain, the new rows included */
        return;
    }
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = base + k, b = (uint32_t)(sd->hash[r] & sd->hmask);
        sd->next1[r] = sd->heads[b];
        sd->heads[b] = r + 1;
    }
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
        else rows_gather(&other->rows, col, pr->srow, n, &out->cols[k], &j->outa);
    }
    if (pr->c->weights || !other->unit_weights) {
        out->weights = arena_alloc(&j->outa, sizeof(int64_t) * n);
        for (uint32_t k = 0; k < n; k++)
            out->weights[k] = chunk_weight(pr->c, pr->prow[k]) * other->rows.weights[pr->srow[k]];
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
            pr->lmatch[pr->pk[q]] += other->rows.weights[pr->srow[q]];
        }
    }
    if (j->left_join && pr->s == 1) {
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
            if ((before == 0) != (after == 0)) {
                flip[nf] = l;
                fw[nf++] = before == 0 ? -ls->rows.weights[l] : ls->rows.weights[l];
            }
        }
        if (m && op_emit(op, out)) return -1;
        pr->npairs = 0;
        if (nf == 0) return 0;
        Chunk *pad = chunk_new(nl + nr, &j->outa);
        pad->count = pad->nsel = nf;
        pad->weights = fw;
        for (int k = 0; k < nl; k++) rows_gather(&ls->rows, k, flip, nf, &pad->cols[k], &j->outa);
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

static bool keys_match(const JoinOp *j, const JoinSide *sd, uint32_t r, const Vec *kv, uint32_t i) {
    for (int k = 0; k < j->nkeys; k++)
        if (!rows_eq_vec(&sd->rows, sd->keycol[k], r, &kv[k], i)) return false;
    return true;
}

static int join_push(Operator *op, int port, const Chunk *c) {
    JoinOp *j = (JoinOp *)op;
    int s = port;
    uint32_t n = chunk_active(c);
    if (n == 0) return 0;
    JoinSide *me = &j->side[s], *other = &j->side[1 - s];
    bool store_me = s == 1 || !op->x->batch;
    bool probe = s == 0 || !op->x->batch;

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
            if (nullkey[q] || other->rows.n == 0) continue;
            uint32_t i = chunk_row(c, q);
            if (j->nkeys == 0) {
                for (uint32_t r = 0; r < other->rows.n; r++)
                    if (other->rows.weights[r] != 0 && add_pair(j, &pr, i, q, r)) return -1;
                continue;
            }
            for (uint32_t r1 = other->heads[h[q] & other->hmask]; r1; r1 = other->next1[r1 - 1]) {
                uint32_t r = r1 - 1;
                if (other->hash[r] == h[q] && other->rows.weights[r] != 0 && keys_match(j, other, r, kv, i))
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
        side_add(j, me, c, kv, sel, hk, h, m, pr.lmatch);
    }
    return 0;
}

static int64_t join_state_rows(const Operator *op) {
    const JoinOp *j = (const JoinOp *)op;
    return (int64_t)j->side[0].rows.n + j->side[1].rows.n;
}

static void join_destroy(Operator *op) {
    JoinOp *j = (JoinOp *)op;
    for (int s = 0; s < 2; s++) {
        JoinSide *sd = &j->side[s];
        rows_free(&sd->rows);
        free(sd->hash);
        free(sd->next1);
        free(sd->matches);
        free(sd->heads);
    }
    arena_free(&j->outa);
}

static const OperatorVT join_vt = {
    .name = "HashJoin",
    .push = join_push,
    .state_rows = join_state_rows,
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
    rows_init(&sd->rows, ncols, types, true, &j->op.state);
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
