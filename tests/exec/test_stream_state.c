/*
** Unit tests for incremental state persistence (exec_state_changes /
** exec_state_load) and for batch-split invariance.
**
** Round trip: executor A runs rounds 1..k, its state changes applied to a
** map after each (what the runtime's weir_state table holds); a fresh
** executor B for the same plan loads every entry of the map; then both run
** the remaining rounds and must emit the same changes, round by round, and
** end with the same persisted state.  Every split point k is tried, with the
** state loaded before or after exec_run_static.
**
** Split invariance: the same rows cut into different rounds (all at once,
** one row per round, uneven pieces) must leave the same net result and the
** same persisted state.
*/
#include <math.h>

#include "test_stream_harness.h"

/* A plan under test: its root and the rounds that drive it. */
typedef struct Case {
    const char *name;
    Plan *plan;
    int nrounds;
    Round rounds[8];
} Case;

static Executor *open_x(Sink *sink, Err *err, const Plan *p) {
    ExecOptions opt = {0};
    Executor *x = exec_new(p, sink_fn, sink, &opt, err);
    if (!x) fail_msg("exec_new failed: %s", err->msg);
    return x;
}

static void run_and_save(Executor *x, Arena *a, const Round *rd, StateMap *m, const char *name) {
    if (run_round(x, a, rd)) fail_msg("%s: round failed: %s", name, x->err->msg);
    if (exec_state_changes(x, state_put, m)) fail_msg("%s: state changes failed: %s", name, x->err->msg);
}

static void roundtrip(Case *cs) {
    for (int k = 1; k < cs->nrounds; k++) {
        Sink sa, sb;
        sink_init(&sa);
        sink_init(&sb);
        Err ea, eb;
        err_clear(&ea);
        err_clear(&eb);
        Arena a;
        arena_init(&a, 0);
        StateMap ma = {0}, mb = {0};
        Executor *xa = open_x(&sa, &ea, cs->plan);
        if (exec_run_static(xa)) fail_msg("%s: static failed: %s", cs->name, ea.msg);
        for (int i = 0; i < k; i++) run_and_save(xa, &a, &cs->rounds[i], &ma, cs->name);
        /* B restores A's state; half of the splits load it after reading the tables */
        Executor *xb = open_x(&sb, &eb, cs->plan);
        if (k % 2) {
            state_restore(xb, &ma);
            if (exec_run_static(xb)) fail_msg("%s: static failed: %s", cs->name, eb.msg);
        } else {
            if (exec_run_static(xb)) fail_msg("%s: static failed: %s", cs->name, eb.msg);
            state_restore(xb, &ma);
        }
        for (int i = 0; i < ma.n; i++) state_put(&mb, ma.e[i].op, ma.e[i].key, ma.e[i].klen, ma.e[i].val, ma.e[i].vlen);
        for (int i = k; i < cs->nrounds; i++) {
            sink_clear(&sa);
            sink_clear(&sb);
            run_and_save(xa, &a, &cs->rounds[i], &ma, cs->name);
            run_and_save(xb, &a, &cs->rounds[i], &mb, cs->name);
            char *ta = sink_sorted(&sa), *tb = sink_sorted(&sb);
            if (strcmp(ta, tb) != 0)
                fail_msg("%s: split after round %d, round %d differs:\nA:\n%sB:\n%s", cs->name, k, i + 1, ta, tb);
        }
        assert_state_equal(&ma, &mb);
        assert_int_equal(exec_state_rows(xa) >= exec_state_rows(xb), 1);   /* B holds no dead entries */
        exec_free(xa);
        exec_free(xb);
        state_free(&ma);
        state_free(&mb);
        sink_free(&sa);
        sink_free(&sb);
        arena_free(&a);
    }
}

/*
** Run the case's rows cut differently: as given, all in one round, one row
** per round, and in pieces of 3 rows across round boundaries.  The net
** output and the persisted state must not depend on the cut.
*/
static void split_invariance(Case *cs) {
    /* flatten the rows per leaf, in order */
    typedef struct Flat {
        const Plan *leaf;
        const Value *row;
        int64_t w;
    } Flat;
    Flat flat[512];
    int nf = 0;
    for (int i = 0; i < cs->nrounds; i++)
        for (int b = 0; b < cs->rounds[i].nb; b++) {
            const Batch *bt = &cs->rounds[i].b[b];
            int ncols = bt->leaf->schema.ncols;
            for (int r = 0; r < bt->nrows; r++) {
                assert_true(nf < 512);
                flat[nf].leaf = bt->leaf;
                flat[nf].row = bt->rows + (size_t)r * (size_t)ncols;
                flat[nf++].w = bt->w ? bt->w[r] : 1;
            }
        }
    char *ref = NULL, *ref_state = NULL;
    StateMap ref_map = {0};
    int cuts[] = {0, 1 << 30, 1, 3};   /* 0: the case's own rounds */
    for (int c = 0; c < 4; c++) {
        Sink s;
        sink_init(&s);
        Err err;
        err_clear(&err);
        Arena a;
        arena_init(&a, 0);
        StateMap m = {0};
        Executor *x = open_x(&s, &err, cs->plan);
        if (exec_run_static(x)) fail_msg("%s: static failed: %s", cs->name, err.msg);
        if (cuts[c] == 0) {
            for (int i = 0; i < cs->nrounds; i++) run_and_save(x, &a, &cs->rounds[i], &m, cs->name);
        } else {
            for (int base = 0; base < nf; base += cuts[c]) {
                int end = base + cuts[c] < nf ? base + cuts[c] : nf;
                /* consecutive rows of one leaf go in one batch */
                Round rd = {0};
                for (int i = base; i < end;) {
                    int j = i;
                    while (j < end && flat[j].leaf == flat[i].leaf && flat[j].row == flat[i].row + (j - i) * flat[i].leaf->schema.ncols)
                        j++;
                    if (rd.nb == 4) {
                        run_and_save(x, &a, &rd, &m, cs->name);
                        rd.nb = 0;
                    }
                    int64_t *w = arena_alloc(&a, sizeof(int64_t) * (size_t)(j - i));
                    for (int q = i; q < j; q++) w[q - i] = flat[q].w;
                    rd.b[rd.nb++] = (Batch){flat[i].leaf, j - i, flat[i].row, w};
                    i = j;
                }
                run_and_save(x, &a, &rd, &m, cs->name);
            }
        }
        char *net = sink_net(&s);
        if (!ref) {
            ref = strdup(net);
            ref_map = m;
            memset(&m, 0, sizeof m);
        } else {
            if (strcmp(ref, net) != 0) fail_msg("%s: cut %d gives\n%sinstead of\n%s", cs->name, cuts[c], net, ref);
            assert_state_equal(&ref_map, &m);
        }
        (void)ref_state;
        state_free(&m);
        exec_free(x);
        sink_free(&s);
        arena_free(&a);
    }
    free(ref);
    state_free(&ref_map);
}

/* ------------------------------------------------------------ the cases */

static const char *ev_names[] = {"k", "v", "s", "d"};
static const Type ev_types[] = {TYPE_BIGINT, TYPE_BIGINT, TYPE_TEXT, TYPE_DOUBLE};

/* Rows of (k, v, s, d) with NULLs, duplicates, double residue, groups dying and coming back. */
static const Value R1[] = {
    {TYPE_BIGINT, false, {.i = 1}}, {TYPE_BIGINT, false, {.i = 10}}, {TYPE_TEXT, false, {.s = {"pear", 4}}}, {TYPE_DOUBLE, false, {.d = 0.1}},
    {TYPE_BIGINT, false, {.i = 1}}, {TYPE_BIGINT, false, {.i = 10}}, {TYPE_TEXT, false, {.s = {"apple", 5}}}, {TYPE_DOUBLE, false, {.d = 0.2}},
    {TYPE_BIGINT, false, {.i = 2}}, {TYPE_BIGINT, true, {.i = 0}}, {TYPE_TEXT, true, {.i = 0}}, {TYPE_DOUBLE, false, {.d = -0.0}},
    {TYPE_BIGINT, true, {.i = 0}}, {TYPE_BIGINT, false, {.i = 7}}, {TYPE_TEXT, false, {.s = {"", 0}}}, {TYPE_DOUBLE, true, {.d = 0}},
};
static const Value R2[] = {
    {TYPE_BIGINT, false, {.i = 1}}, {TYPE_BIGINT, false, {.i = 10}}, {TYPE_TEXT, false, {.s = {"apple", 5}}}, {TYPE_DOUBLE, false, {.d = 0.2}},
    {TYPE_BIGINT, false, {.i = 3}}, {TYPE_BIGINT, false, {.i = -4}}, {TYPE_TEXT, false, {.s = {"zucchini", 8}}}, {TYPE_DOUBLE, false, {.d = 1e300}},
    {TYPE_BIGINT, false, {.i = 1}}, {TYPE_BIGINT, false, {.i = 11}}, {TYPE_TEXT, false, {.s = {"fig", 3}}}, {TYPE_DOUBLE, false, {.d = NAN}},
};
static const int64_t W2[] = {-1, 1, 1};
static const Value R3[] = {
    {TYPE_BIGINT, false, {.i = 1}}, {TYPE_BIGINT, false, {.i = 10}}, {TYPE_TEXT, false, {.s = {"pear", 4}}}, {TYPE_DOUBLE, false, {.d = 0.1}},
    {TYPE_BIGINT, false, {.i = 2}}, {TYPE_BIGINT, true, {.i = 0}}, {TYPE_TEXT, true, {.i = 0}}, {TYPE_DOUBLE, false, {.d = -0.0}},
    {TYPE_BIGINT, false, {.i = 4}}, {TYPE_BIGINT, false, {.i = 1}}, {TYPE_TEXT, false, {.s = {"kiwi", 4}}}, {TYPE_DOUBLE, false, {.d = 2.5}},
};
static const int64_t W3[] = {-1, -1, 3};
static const Value R4[] = {
    {TYPE_BIGINT, false, {.i = 2}}, {TYPE_BIGINT, false, {.i = 5}}, {TYPE_TEXT, false, {.s = {"plum", 4}}}, {TYPE_DOUBLE, false, {.d = 0.7}},
    {TYPE_BIGINT, false, {.i = 1}}, {TYPE_BIGINT, false, {.i = 11}}, {TYPE_TEXT, false, {.s = {"fig", 3}}}, {TYPE_DOUBLE, false, {.d = NAN}},
    {TYPE_BIGINT, false, {.i = 4}}, {TYPE_BIGINT, false, {.i = 1}}, {TYPE_TEXT, false, {.s = {"kiwi", 4}}}, {TYPE_DOUBLE, false, {.d = 2.5}},
    {TYPE_BIGINT, true, {.i = 0}}, {TYPE_BIGINT, false, {.i = 7}}, {TYPE_TEXT, false, {.s = {"", 0}}}, {TYPE_DOUBLE, true, {.d = 0}},
};
static const int64_t W4[] = {1, -1, -1, 1};
static const Value R5[] = {
    {TYPE_BIGINT, false, {.i = 1}}, {TYPE_BIGINT, false, {.i = 12}}, {TYPE_TEXT, false, {.s = {"apple", 5}}}, {TYPE_DOUBLE, false, {.d = 0.3}},
    {TYPE_BIGINT, false, {.i = 3}}, {TYPE_BIGINT, false, {.i = -4}}, {TYPE_TEXT, false, {.s = {"zucchini", 8}}}, {TYPE_DOUBLE, false, {.d = 1e300}},
    {TYPE_BIGINT, false, {.i = 5}}, {TYPE_BIGINT, false, {.i = 5}}, {TYPE_TEXT, false, {.s = {"plum", 4}}}, {TYPE_DOUBLE, false, {.d = -1}},
};
static const int64_t W5[] = {1, -1, 1};

/* The five rounds over one leaf. */
static void five_rounds(Case *cs, const Plan *leaf) {
    cs->nrounds = 5;
    cs->rounds[0] = (Round){1, {{leaf, 4, R1, NULL}}};
    cs->rounds[1] = (Round){1, {{leaf, 3, R2, W2}}};
    cs->rounds[2] = (Round){1, {{leaf, 3, R3, W3}}};
    cs->rounds[3] = (Round){1, {{leaf, 4, R4, W4}}};
    cs->rounds[4] = (Round){1, {{leaf, 3, R5, W5}}};
}

/* Every aggregate kind over (v, s, d), DISTINCT forms included. */
static int all_aggs(Arena *a, const Plan *in, AggSpec *out) {
    int n = 0;
    out[n++] = agg(AGG_COUNT_STAR, false, NULL);
    out[n++] = agg(AGG_COUNT, false, col(a, in, 1));
    out[n++] = agg(AGG_SUM, false, col(a, in, 1));
    out[n++] = agg(AGG_SUM, false, col(a, in, 3));
    out[n++] = agg(AGG_AVG, false, col(a, in, 3));
    out[n++] = agg(AGG_MIN, false, col(a, in, 2));
    out[n++] = agg(AGG_MAX, false, col(a, in, 2));
    out[n++] = agg(AGG_MAX, false, col(a, in, 3));
    out[n++] = agg(AGG_COUNT, true, col(a, in, 2));
    out[n++] = agg(AGG_SUM, true, col(a, in, 3));
    out[n++] = agg(AGG_MIN, false, col(a, in, 1));
    return n;
}

static void case_agg(Case *cs, Arena *a, int keys) {
    Plan *ev = mk_stream(a, "events", 4, ev_names, ev_types);
    AggSpec aggs[16];
    int n = all_aggs(a, ev, aggs);
    Expr *g1[] = {col(a, ev, 0)};                     /* the single-BIGINT fast path */
    Expr *g2[] = {col(a, ev, 2), col(a, ev, 0)};      /* the general path: TEXT (with NULL) and BIGINT */
    cs->name = keys == 0 ? "global aggregate" : keys == 1 ? "aggregate by k" : "aggregate by s, k";
    cs->plan = mk_agg(a, ev, keys, keys == 2 ? g2 : g1, n, aggs);
    five_rounds(cs, ev);
}

/* count per k, then per count: how many keys; HAVING on the outer one. */
static void case_nested(Case *cs, Arena *a) {
    Plan *ev = mk_stream(a, "events", 4, ev_names, ev_types);
    Expr *g[] = {col(a, ev, 0)};
    AggSpec ia[] = {agg(AGG_COUNT_STAR, false, NULL), agg(AGG_MAX, false, col(a, ev, 3))};
    Plan *inner = mk_agg(a, ev, 1, g, 2, ia);
    Expr *g2[] = {col(a, inner, 1)};
    AggSpec oa[] = {agg(AGG_COUNT_STAR, false, NULL), agg(AGG_MIN, false, col(a, inner, 0)),
                    agg(AGG_COUNT, true, col(a, inner, 2))};
    Plan *outer = mk_agg(a, inner, 1, g2, 3, oa);
    cs->name = "nested aggregate";
    cs->plan = mk_filter(a, outer, call(a, ">", 2, col(a, outer, 1), cnst(a, vi(0))));
    five_rounds(cs, ev);
}

/* Two streams joined (INNER or LEFT) on k, the right key computed (k + 0), then a residual. */
static void case_join(Case *cs, Arena *a, PlanJoinKind kind) {
    Plan *l = mk_stream(a, "left", 4, ev_names, ev_types);
    Plan *r = mk_stream(a, "right", 4, ev_names, ev_types);
    Expr *lk[] = {col(a, l, 0)}, *rk[] = {call(a, "+", 2, col(a, r, 0), cnst(a, vi(0)))};
    Plan *tmp = mk_join(a, kind, l, r, 1, lk, rk, NULL);
    Expr *res = call(a, "<>", 2, col(a, tmp, 1), col(a, tmp, 5));   /* l.v <> r.v */
    cs->name = kind == PJOIN_LEFT ? "left join" : "inner join";
    cs->plan = mk_join(a, kind, l, r, 1, lk, rk, res);
    cs->nrounds = 5;
    cs->rounds[0] = (Round){2, {{l, 4, R1, NULL}, {r, 3, R2, NULL}}};
    cs->rounds[1] = (Round){2, {{r, 3, R3, NULL}, {l, 3, R2, W2}}};
    cs->rounds[2] = (Round){2, {{l, 3, R3, W3}, {r, 3, R2, W2}}};
    cs->rounds[3] = (Round){2, {{r, 3, R3, W3}, {l, 4, R4, W4}}};
    cs->rounds[4] = (Round){2, {{l, 3, R5, W5}, {r, 2, R2, NULL}}};
}

/* ORDER BY count DESC, k LIMIT 2 OFFSET 1 over counts per k; and a bare LIMIT 3 over the stream. */
static void case_topn(Case *cs, Arena *a, bool bare) {
    Plan *ev = mk_stream(a, "events", 4, ev_names, ev_types);
    if (bare) {
        cs->name = "limit";
        cs->plan = mk_limit(a, ev, 3, 0);
    } else {
        Expr *g[] = {col(a, ev, 0)};
        AggSpec ag[] = {agg(AGG_COUNT_STAR, false, NULL)};
        Plan *p = mk_agg(a, ev, 1, g, 1, ag);
        SortKey sk[] = {{col(a, p, 1), true, true}, {col(a, p, 0), false, false}};
        cs->name = "top-n";
        cs->plan = mk_limit(a, mk_sort(a, p, 2, sk), 2, 1);
    }
    five_rounds(cs, ev);
}

/* A stream joined with a table (static side rebuilt by exec_run_static), then aggregated. */
static void case_stream_static(Case *cs, Arena *a) {
    static const char *tn[] = {"k", "name"};
    static const Type tt[] = {TYPE_BIGINT, TYPE_TEXT};
    Value trows[] = {vi(1), vs("one"), vi(2), vs("two"), vi(3), vs("three"), vi(1), vs("uno")};
    Plan *tb = mk_scan_all(a, fake_rel(a, 2, tn, tt, 4, trows, 3));
    Plan *ev = mk_stream(a, "events", 4, ev_names, ev_types);
    Expr *lk[] = {col(a, ev, 0)}, *rk[] = {col(a, tb, 0)};
    Plan *j = mk_join(a, PJOIN_LEFT, ev, tb, 1, lk, rk, NULL);
    Expr *g[] = {col(a, j, 5)};
    AggSpec ag[] = {agg(AGG_COUNT_STAR, false, NULL), agg(AGG_SUM, false, col(a, j, 1)),
                    agg(AGG_MAX, false, col(a, j, 2))};
    cs->name = "stream-static join";
    cs->plan = mk_agg(a, j, 1, g, 3, ag);
    five_rounds(cs, ev);
}

typedef void (*CaseFn)(Case *cs, Arena *a, int variant);

static void mk_case(Case *cs, Arena *a, int which) {
    memset(cs, 0, sizeof *cs);
    switch (which) {
    case 0: case_agg(cs, a, 1); break;
    case 1: case_agg(cs, a, 2); break;
    case 2: case_agg(cs, a, 0); break;
    case 3: case_nested(cs, a); break;
    case 4: case_join(cs, a, PJOIN_INNER); break;
    case 5: case_join(cs, a, PJOIN_LEFT); break;
    case 6: case_topn(cs, a, false); break;
    case 7: case_topn(cs, a, true); break;
    case 8: case_stream_static(cs, a); break;
    }
}
#define NCASES 9

static void test_roundtrip(void **state) {
    (void)state;
    for (int c = 0; c < NCASES; c++) {
        Arena a;
        arena_init(&a, 0);
        Case cs;
        mk_case(&cs, &a, c);
        roundtrip(&cs);
        arena_free(&a);
    }
}

static void test_split_invariance(void **state) {
    (void)state;
    for (int c = 0; c < NCASES; c++) {
        Arena a;
        arena_init(&a, 0);
        Case cs;
        mk_case(&cs, &a, c);
        split_invariance(&cs);
        arena_free(&a);
    }
}

/* The results themselves, for a couple of cases: the net output after all rounds. */
static void test_net_results(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    Case cs;
    mk_case(&cs, &a, 5);   /* left join */
    Sink s;
    sink_init(&s);
    Err err;
    err_clear(&err);
    Executor *x = open_x(&s, &err, cs.plan);
    for (int i = 0; i < cs.nrounds; i++)
        if (run_round(x, &a, &cs.rounds[i])) fail_msg("round failed: %s", err.msg);
    /* the same rows pushed as one round must leave the same result */
    char *net = arena_strdup(&a, sink_net(&s));
    exec_free(x);
    sink_free(&s);
    /* one round holding every row, in order */
    sink_init(&s);
    x = open_x(&s, &err, cs.plan);
    for (int i = 0; i < cs.nrounds; i++)
        for (int b = 0; b < cs.rounds[i].nb; b++) {
            Round one = {1, {cs.rounds[i].b[b]}};
            const Schema *sc = &one.b[0].leaf->schema;
            Type types[8];
            for (int j = 0; j < sc->ncols; j++) types[j] = sc->cols[j].type;
            push_rows(x, &a, leaf_of(x, one.b[0].leaf), sc->ncols, types, one.b[0].nrows, one.b[0].rows, one.b[0].w);
        }
    assert_int_equal(exec_finish_round(x), 0);
    assert_string_equal(sink_net(&s), net);
    exec_free(x);
    sink_free(&s);

    /* the aggregate by k: every value checked by hand */
    mk_case(&cs, &a, 0);
    sink_init(&s);
    x = open_x(&s, &err, cs.plan);
    for (int i = 0; i < cs.nrounds; i++)
        if (run_round(x, &a, &cs.rounds[i])) fail_msg("round failed: %s", err.msg);
    /* k, count(*), count(v), sum(v), sum(d), avg(d), min(s), max(s), max(d), count(distinct s), sum(distinct d), min(v) */
    assert_string_equal(sorted_lines(&a, sink_net(&s)),
                        sorted_lines(&a, "+1 1|1|1|12|0.3|0.3|apple|apple|0.3|1|0.3|12\n"   /* the NaN row left */
                                         "+1 NULL|2|2|14|NULL|NULL|||NULL|1|NULL|7\n"
                                         "+1 2|1|1|5|0.7|0.7|plum|plum|0.7|1|0.7|5\n"
                                         "+1 4|2|2|2|5.0|2.5|kiwi|kiwi|2.5|1|2.5|1\n"
                                         "+1 5|1|1|5|-1.0|-1.0|plum|plum|-1.0|1|-1.0|5\n"));
    exec_free(x);
    sink_free(&s);
    arena_free(&a);
}

/* Writes per report follow the groups a round changed, not the state's size. */
static void test_write_volume(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    const char *n2[] = {"k", "v"};
    Type t2[] = {TYPE_BIGINT, TYPE_BIGINT};
    Plan *ev = mk_stream(&r.a, "events", 2, n2, t2);
    Expr *g[] = {col(&r.a, ev, 0)};
    AggSpec ag[] = {agg(AGG_SUM, false, col(&r.a, ev, 1)), agg(AGG_COUNT, true, col(&r.a, ev, 1))};
    Executor *x = open_x(&r.sink, &r.err, mk_agg(&r.a, ev, 1, g, 2, ag));
    Value *rows = arena_alloc(&r.a, sizeof(Value) * 2000);
    for (int i = 0; i < 1000; i++) rows[2 * i] = vi(i), rows[2 * i + 1] = vi(i % 7);
    StateMap m = {0};
    Round r1 = {1, {{ev, 1000, rows, NULL}}};
    run_and_save(x, &r.a, &r1, &m, "volume");
    assert_int_equal(m.puts, 2000);   /* 1,000 groups, 1,000 set entries */
    assert_int_equal(m.deletes, 0);
    m.puts = m.deletes = 0;
    /* three groups change: (5,5) and (7,0) are counted twice now, (6,100) is new */
    Value r2[] = {vi(5), vi(5), vi(6), vi(100), vi(7), vi(0)};
    Round rd2 = {1, {{ev, 3, r2, NULL}}};
    run_and_save(x, &r.a, &rd2, &m, "volume");
    assert_int_equal(m.puts, 3 + 3);   /* groups 5, 6, 7 and their three set entries */
    assert_int_equal(m.deletes, 0);
    m.puts = m.deletes = 0;
    /* group 9 disappears: its entry and its set entry are deleted */
    Value r3[] = {vi(9), vi(2)};
    int64_t w3[] = {-1};
    Round rd3 = {1, {{ev, 1, r3, w3}}};
    run_and_save(x, &r.a, &rd3, &m, "volume");
    assert_int_equal(m.puts, 0);
    assert_int_equal(m.deletes, 2);
    assert_int_equal(m.n, 2000 - 2 + 1);
    /* nothing changed: nothing written */
    m.puts = m.deletes = 0;
    Round empty = {0};
    run_and_save(x, &r.a, &empty, &m, "volume");
    assert_int_equal(m.puts + m.deletes, 0);
    exec_free(x);
    state_free(&m);
    run_free(&r);
}

/* A failed put loses nothing: the next call reports the same entries again. */
static int failing_put(void *ud, int op, const void *key, size_t klen, const void *val, size_t vlen) {
    int *left = ud;
    (void)op, (void)key, (void)klen, (void)val, (void)vlen;
    return (*left)-- > 0 ? 0 : -1;
}

static void test_state_errors(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Arena *a = &r.a;
    Case cs;
    mk_case(&cs, a, 1);
    Executor *x = open_x(&r.sink, &r.err, cs.plan);
    if (run_round(x, a, &cs.rounds[0])) fail_msg("round failed: %s", r.err.msg);
    int left = 2;
    assert_int_equal(exec_state_changes(x, failing_put, &left), -1);
    StateMap m = {0};
    assert_int_equal(exec_state_changes(x, state_put, &m), 0);
    assert_true(m.n > 2);
    /* too late to load; a round in progress cannot be reported */
    err_clear(&r.err);
    assert_int_equal(exec_state_load(x, 0, m.e[0].key, m.e[0].klen, m.e[0].val, m.e[0].vlen), -1);
    assert_non_null(strstr(r.err.msg, "before the first micro-batch"));
    Type t[] = {TYPE_BIGINT, TYPE_BIGINT, TYPE_TEXT, TYPE_DOUBLE};
    assert_int_equal(exec_push_leaf(x, 0, mk_chunk(a, 4, t, 1, R1, NULL)), 0);
    err_clear(&r.err);
    assert_int_equal(exec_state_changes(x, state_put, &m), -1);
    assert_non_null(strstr(r.err.msg, "middle of a micro-batch"));
    exec_free(x);

    /* loads into a fresh executor: bad ids, operators without state, garbage */
    x = open_x(&r.sink, &r.err, cs.plan);
    err_clear(&r.err);
    assert_int_equal(exec_state_load(x, 7, "k", 1, "v", 1), -1);
    assert_non_null(strstr(r.err.msg, "operator 7"));
    err_clear(&r.err);
    assert_int_equal(exec_state_load(x, 1, "k", 1, "v", 1), -1);   /* the scan */
    assert_non_null(strstr(r.err.msg, "keeps no state"));
    err_clear(&r.err);
    assert_int_equal(exec_state_load(x, 0, "\x05", 1, "v", 1), -1);
    assert_non_null(strstr(r.err.msg, "corrupt saved state for operator 0"));
    /* every truncation of every real entry, and bytes flipped: errors, never crashes */
    for (int i = 0; i < m.n; i++) {
        Entry *e = &m.e[i];
        for (size_t cut = 0; cut < e->klen; cut++) exec_state_load(x, e->op, e->key, cut, e->val, e->vlen);
        for (size_t cut = 1; cut < e->vlen; cut++) exec_state_load(x, e->op, e->key, e->klen, e->val, cut);
        uint8_t buf[256];
        for (size_t b = 0; b < e->klen && e->klen <= sizeof buf; b++) {
            memcpy(buf, e->key, e->klen);
            buf[b] ^= 0xff;
            exec_state_load(x, e->op, buf, e->klen, e->val, e->vlen);
        }
    }
    exec_free(x);
    state_free(&m);

    /* random bytes into every persisted operator of every case */
    uint64_t seed = 42;
    for (int c = 0; c < NCASES; c++) {
        Arena ca;
        arena_init(&ca, 0);
        Case k;
        mk_case(&k, &ca, c);
        Executor *y = open_x(&r.sink, &r.err, k.plan);
        for (int op = 0; op < 8; op++)
            for (int it = 0; it < 300; it++) {
                uint8_t key[24], val[24];
                size_t kl = (size_t)(it % 24), vl = (size_t)((it / 3) % 24);
                for (size_t q = 0; q < 24; q++) {
                    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                    key[q] = (uint8_t)(seed >> 56);
                    val[q] = (uint8_t)(seed >> 48);
                }
                if (it % 5 == 0) key[0] = (uint8_t)(it % 3);   /* plausible tags */
                exec_state_load(y, op, key, kl, val, vl);
            }
        /* whatever was accepted, the executor still runs */
        err_clear(&r.err);
        exec_run_static(y);
        for (int i = 0; i < k.nrounds; i++) run_round(y, &ca, &k.rounds[i]);
        exec_free(y);
        arena_free(&ca);
    }
    run_free(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_split_invariance),
        cmocka_unit_test(test_net_results),
        cmocka_unit_test(test_write_volume),
        cmocka_unit_test(test_state_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
