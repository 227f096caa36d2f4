/*
** Test harness for the continuous-query tests (test_stream*.c), on top of
** test_ops_harness.h: streaming scans (SOURCE leaves), micro-batch rounds
** pushed into them, a consolidated view of everything a sink received, and
** an in-memory copy of the persisted operator state (what the runtime keeps
** in weir_state) built from exec_state_changes.
*/
#ifndef TEST_STREAM_HARNESS_H
#define TEST_STREAM_HARNESS_H

#include "test_ops_harness.h"

/* ------------------------------------------------------------ plans */

/* A streaming scan (a SOURCE): rows arrive through exec_push_leaf. */
static inline Plan *mk_stream(Arena *a, const char *name, int ncols, const char *const *names, const Type *types) {
    Plan *p = plan_new(a, PLAN_SCAN, NULL, NULL);
    p->u.scan.streaming = true;
    p->u.scan.table = name;
    p->u.scan.nproj = ncols;
    p->u.scan.proj = ARENA_ARRAY(a, int, ncols > 0 ? ncols : 1);
    for (int j = 0; j < ncols; j++) p->u.scan.proj[j] = j;
    p->schema = schema_of(a, ncols, names, types);
    return p;
}

/* Index of the leaf whose plan is `leaf`. */
static inline int leaf_of(Executor *x, const Plan *leaf) {
    for (int i = 0; i < exec_leaf_count(x); i++)
        if (exec_leaf_plan(x, i) == leaf) return i;
    fail_msg("no such leaf");
    return -1;
}

/* ------------------------------------------------------------ rounds */

/* Rows for one streaming leaf in a round (weights NULL: all +1). */
typedef struct Batch {
    const Plan *leaf;
    int nrows;
    const Value *rows;     /* nrows * ncols of the leaf, row-major */
    const int64_t *w;
} Batch;

typedef struct Round {
    int nb;
    Batch b[4];
} Round;

/* Push a round's rows and end it.  0 / -1. */
static inline int run_round(Executor *x, Arena *a, const Round *r) {
    for (int k = 0; k < r->nb; k++) {
        const Batch *b = &r->b[k];
        const Schema *s = &b->leaf->schema;
        Type types[16];
        for (int j = 0; j < s->ncols; j++) types[j] = s->cols[j].type;
        int leaf = leaf_of(x, b->leaf);
        for (int base = 0; base < b->nrows; base += WEIR_BATCH_SIZE) {
            int n = b->nrows - base < WEIR_BATCH_SIZE ? b->nrows - base : WEIR_BATCH_SIZE;
            Chunk *c = mk_chunk(a, s->ncols, types, n, b->rows + (size_t)base * (size_t)s->ncols,
                                b->w ? b->w + base : NULL);
            if (exec_push_leaf(x, leaf, c)) return -1;
        }
    }
    return exec_finish_round(x);
}

/* ------------------------------------------------------------ consolidated output */

/*
** The net effect of every row the sink received: weights summed per row
** text, zero sums dropped, one "w row" line per row, sorted.  This is what a
** result table holds after applying every change.
*/
typedef struct NetRow {
    const char *row;
    long long w;
} NetRow;

static inline int netrow_cmp(const void *a, const void *b) {
    return strcmp(((const NetRow *)a)->row, ((const NetRow *)b)->row);
}

static inline char *sink_net(Sink *s) {
    int n = s->n;
    NetRow *r = malloc(sizeof(NetRow) * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) {
        const char *sp = strchr(s->rows[i], ' ');
        r[i].row = sp ? sp + 1 : "";
        r[i].w = strtoll(s->rows[i], NULL, 10);
    }
    qsort(r, (size_t)n, sizeof(NetRow), netrow_cmp);
    size_t len = 1;
    for (int i = 0; i < n; i++) len += strlen(r[i].row) + 24;
    char *out = arena_alloc(&s->a, len), *p = out;
    *p = 0;
    for (int i = 0; i < n;) {
        int j = i;
        long long w = 0;
        while (j < n && strcmp(r[j].row, r[i].row) == 0) w += r[j++].w;
        if (w) p += sprintf(p, "%+lld %s\n", w, r[i].row);
        i = j;
    }
    free(r);
    return out;
}

/* ------------------------------------------------------------ persisted state */

typedef struct Entry {
    int op;
    uint8_t *key, *val;
    size_t klen, vlen;
} Entry;

/* What the runtime's weir_state table would hold: (op, key) -> value. */
typedef struct StateMap {
    Entry *e;
    int n, cap;
    int64_t puts, deletes;   /* calls received */
} StateMap;

static inline int state_find(const StateMap *m, int op, const void *key, size_t klen) {
    for (int i = 0; i < m->n; i++)
        if (m->e[i].op == op && m->e[i].klen == klen && memcmp(m->e[i].key, key, klen) == 0) return i;
    return -1;
}

/* StatePutFn: apply a put (val != NULL) or a delete to the map. */
static inline int state_put(void *ud, int op, const void *key, size_t klen, const void *val, size_t vlen) {
    StateMap *m = ud;
    int i = state_find(m, op, key, klen);
    if (!val) {
        m->deletes++;
        if (i >= 0) {
            free(m->e[i].key);
            free(m->e[i].val);
            m->e[i] = m->e[--m->n];
        }
        return 0;
    }
    m->puts++;
    if (i < 0) {
        if (m->n == m->cap) {
            m->cap = m->cap ? 2 * m->cap : 64;
            m->e = realloc(m->e, sizeof(Entry) * (size_t)m->cap);
        }
        i = m->n++;
        m->e[i].op = op;
        m->e[i].key = malloc(klen ? klen : 1);
        memcpy(m->e[i].key, key, klen);
        m->e[i].klen = klen;
    } else {
        free(m->e[i].val);
    }
    m->e[i].val = malloc(vlen ? vlen : 1);
    memcpy(m->e[i].val, val, vlen);
    m->e[i].vlen = vlen;
    return 0;
}

static inline void state_free(StateMap *m) {
    for (int i = 0; i < m->n; i++) {
        free(m->e[i].key);
        free(m->e[i].val);
    }
    free(m->e);
    memset(m, 0, sizeof *m);
}

static inline int entry_cmp(const void *pa, const void *pb) {
    const Entry *a = pa, *b = pb;
    if (a->op != b->op) return a->op < b->op ? -1 : 1;
    size_t n = a->klen < b->klen ? a->klen : b->klen;
    int c = memcmp(a->key, b->key, n);
    if (c) return c;
    return (a->klen > b->klen) - (a->klen < b->klen);
}

/* The same entries with the same values, in any order. */
static inline void assert_state_equal(StateMap *a, StateMap *b) {
    assert_int_equal(a->n, b->n);
    qsort(a->e, (size_t)a->n, sizeof(Entry), entry_cmp);
    qsort(b->e, (size_t)b->n, sizeof(Entry), entry_cmp);
    for (int i = 0; i < a->n; i++) {
        assert_int_equal(entry_cmp(&a->e[i], &b->e[i]), 0);
        assert_int_equal(a->e[i].vlen, b->e[i].vlen);
        assert_memory_equal(a->e[i].val, b->e[i].val, a->e[i].vlen);
    }
}

/* Feed every entry of m into x, last entry first (restore must not depend on order). */
static inline void state_restore(Executor *x, const StateMap *m) {
    for (int i = m->n - 1; i >= 0; i--)
        if (exec_state_load(x, m->e[i].op, m->e[i].key, m->e[i].klen, m->e[i].val, m->e[i].vlen))
            fail_msg("state load failed: %s", x->err->msg);
}

#endif
