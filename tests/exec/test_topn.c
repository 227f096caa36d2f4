/*
** Unit tests for exec/op_topn.c: PLAN_ROWNUMBER and PLAN_TOPN.
**
**   - batch: numbering per partition, DESC / NULLS ordering, computed
**     partition and sort keys, ties by arrival order, duplicate rows taking
**     consecutive numbers, no partition, limit 0, every chunk split;
**   - continuous (rounds pushed into a streaming scan): a retraction of a
**     top row promotes the next one, an insertion shifts the numbers, the
**     changes of a round are exactly the (row, number) pairs that changed;
**   - a randomized changelog checked round by round against a reference
**     model, with ties and duplicates;
**   - state persistence: a restored operator continues exactly like one
**     that never stopped.
*/
#include "test_stream_harness.h"

static const char *const names3[] = {"p", "k", "v"};
static const Type types3[] = {TYPE_BIGINT, TYPE_BIGINT, TYPE_TEXT};

/* A row number (limit < 0) or top-N over `in`, partitioned by part[], ordered by keys[]. */
static Plan *mk_topn(Arena *a, Plan *in, int npart, Expr **part, int nkeys, const SortKey *keys, int64_t limit) {
    Plan *p = plan_new(a, limit < 0 ? PLAN_ROWNUMBER : PLAN_TOPN, in, NULL);
    int n = in->schema.ncols;
    p->schema.ncols = n + 1;
    p->schema.cols = ARENA_ARRAY(a, Column, n + 1);
    for (int j = 0; j < n; j++) p->schema.cols[j] = in->schema.cols[j];
    p->schema.cols[n] = (Column){"rn", TYPE_BIGINT, false};
    p->u.topn.npartition = npart;
    p->u.topn.partition = ARENA_ARRAY(a, Expr *, npart > 0 ? npart : 1);
    for (int j = 0; j < npart; j++) p->u.topn.partition[j] = part[j];
    p->u.topn.nkeys = nkeys;
    p->u.topn.keys = ARENA_ARRAY(a, SortKey, nkeys > 0 ? nkeys : 1);
    for (int j = 0; j < nkeys; j++) p->u.topn.keys[j] = keys[j];
    p->u.topn.limit = limit;
    return p;
}

/* Partition by column 0, order by column 1 (desc: DESC NULLS FIRST, else ASC NULLS LAST). */
static Plan *topn_pk(Arena *a, Plan *in, bool desc, int64_t limit) {
    Expr *part = col(a, in, 0);
    SortKey k = {col(a, in, 1), desc, desc};
    return mk_topn(a, in, 1, &part, 1, &k, limit);
}

/* ------------------------------------------------------------ batch */

/* (partition, score, name): ties at 20 in partition 1 and at 5 in partition 2, a NULL score in 3 */
#define SCORES                                                                                         \
    vi(1), vi(10), vs("a"), vi(2), vi(5), vs("b"), vi(1), vi(30), vs("c"), vi(1), vi(20), vs("d"),     \
        vi(2), vi(5), vs("e"), vi(2), vi(7), vs("f"), vi(3), NI, vs("g"), vi(3), vi(1), vs("h"), vi(1), \
        vi(20), vs("i")

static void test_rownumber_batch(void **state) {
    (void)state;
    const Value scores[] = {SCORES};
    for (uint32_t chunk = 1; chunk <= 9; chunk += 4) {
        Run r;
        run_init(&r);
        FakeRel *rel = fake_rel(&r.a, 3, names3, types3, 9, scores, chunk);
        /* ASC NULLS LAST; the two 5s of partition 2 and the two 20s of partition 1 by arrival */
        EXPECT_ORDERED(&r, topn_pk(&r.a, mk_scan_all(&r.a, rel), false, -1),
                       "+1 1|10|a|1\n+1 1|20|d|2\n+1 1|20|i|3\n+1 1|30|c|4\n"
                       "+1 2|5|b|1\n+1 2|5|e|2\n+1 2|7|f|3\n"
                       "+1 3|1|h|1\n+1 3|NULL|g|2\n");
        /* DESC NULLS FIRST */
        EXPECT_ROWS(&r, topn_pk(&r.a, mk_scan_all(&r.a, rel), true, -1),
                    "+1 1|30|c|1\n+1 1|20|d|2\n+1 1|20|i|3\n+1 1|10|a|4\n"
                    "+1 2|7|f|1\n+1 2|5|b|2\n+1 2|5|e|3\n"
                    "+1 3|NULL|g|1\n+1 3|1|h|2\n");
        run_free(&r);
    }
}

static void test_topn_batch(void **state) {
    (void)state;
    const Value scores[] = {SCORES};
    Run r;
    run_init(&r);
    FakeRel *rel = fake_rel(&r.a, 3, names3, types3, 9, scores, 2);
    EXPECT_ROWS(&r, topn_pk(&r.a, mk_scan_all(&r.a, rel), true, 2),
                "+1 1|30|c|1\n+1 1|20|d|2\n+1 2|7|f|1\n+1 2|5|b|2\n+1 3|NULL|g|1\n+1 3|1|h|2\n");
    EXPECT_ROWS(&r, topn_pk(&r.a, mk_scan_all(&r.a, rel), false, 1), "+1 1|10|a|1\n+1 2|5|b|1\n+1 3|1|h|1\n");
    EXPECT_ROWS(&r, topn_pk(&r.a, mk_scan_all(&r.a, rel), false, 0), "");

    /* no partition: the global top 3; NULLS FIRST explicitly on an ASC key */
    SortKey k = {col(&r.a, mk_scan_all(&r.a, rel), 1), false, true};
    EXPECT_ROWS(&r, mk_topn(&r.a, mk_scan_all(&r.a, rel), 0, NULL, 1, &k, 3),
                "+1 3|NULL|g|1\n+1 3|1|h|2\n+1 2|5|b|3\n");

    /* computed keys: partition by k % 2, order by -k (so DESC in effect) */
    Plan *in = mk_scan_all(&r.a, rel);
    Expr *part = call(&r.a, "%", 2, col(&r.a, in, 1), cnst(&r.a, vi(2)));
    SortKey neg = {call(&r.a, "neg", 1, col(&r.a, in, 1)), false, false};
    EXPECT_ROWS(&r, mk_topn(&r.a, in, 1, &part, 1, &neg, 1), "+1 1|30|c|1\n+1 2|7|f|1\n+1 3|NULL|g|1\n");
    run_free(&r);
}

/* Identical rows take consecutive numbers; the top cuts through them. */
static void test_duplicates(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    const Value rows[] = {vi(1), vi(5), vs("x"), vi(1), vi(9), vs("y"), vi(1), vi(5), vs("x"), vi(1), vi(5), vs("x")};
    FakeRel *rel = fake_rel(&r.a, 3, names3, types3, 4, rows, 1);
    EXPECT_ORDERED(&r, topn_pk(&r.a, mk_scan_all(&r.a, rel), false, 2), "+1 1|5|x|1\n+1 1|5|x|2\n");
    EXPECT_ORDERED(&r, topn_pk(&r.a, mk_scan_all(&r.a, rel), false, -1),
                   "+1 1|5|x|1\n+1 1|5|x|2\n+1 1|5|x|3\n+1 1|9|y|4\n");
    run_free(&r);
}

/* No columns at all (SELECT row_number() OVER ()): every row is the same row. */
static void test_no_columns(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    Plan *v = mk_values(&r.a, 0, NULL, 3, NULL);
    EXPECT_ROWS(&r, mk_topn(&r.a, v, 0, NULL, 0, NULL, -1), "+1 1\n+1 2\n+1 3\n");
    run_free(&r);
}

/* ------------------------------------------------------------ continuous */

typedef struct Stream {
    Run r;
    Plan *src;
    Executor *x;
} Stream;

static void stream_open(Stream *s, bool desc, int64_t limit) {
    run_init(&s->r);
    s->src = mk_stream(&s->r.a, "src", 3, names3, types3);
    ExecOptions opt = {0};
    s->x = exec_new(topn_pk(&s->r.a, s->src, desc, limit), sink_fn, &s->r.sink, &opt, &s->r.err);
    assert_non_null(s->x);
}

static void stream_close(Stream *s) {
    exec_free(s->x);
    run_free(&s->r);
}

/* Push rows (weights w, NULL: +1) as one round; the round's raw changes, sorted. */
static const char *round_of(Stream *s, int n, const Value *rows, const int64_t *w) {
    sink_clear(&s->r.sink);
    Round rd = {1, {{s->src, n, rows, w}}};
    if (run_round(s->x, &s->r.a, &rd)) fail_msg("round failed: %s", s->r.err.msg);
    return sink_sorted(&s->r.sink);
}

static void test_retraction_promotes(void **state) {
    (void)state;
    Stream s;
    stream_open(&s, true, 2);
    const Value r1[] = {vi(1), vi(10), vs("a"), vi(1), vi(30), vs("b"), vi(1), vi(20), vs("c"), vi(2), vi(1), vs("z")};
    assert_string_equal(round_of(&s, 4, r1, NULL), "+1 1|20|c|2\n+1 1|30|b|1\n+1 2|1|z|1\n");
    /* the top row leaves: c moves up, a comes in */
    const Value r2[] = {vi(1), vi(30), vs("b")};
    const int64_t m1[] = {-1};
    assert_string_equal(round_of(&s, 1, r2, m1), "+1 1|10|a|2\n+1 1|20|c|1\n-1 1|20|c|2\n-1 1|30|b|1\n");
    /* a row below the top changes nothing visible */
    const Value r3[] = {vi(1), vi(5), vs("d")};
    assert_string_equal(round_of(&s, 1, r3, NULL), "");
    /* a new top row shifts the others; partition 2 is untouched */
    const Value r4[] = {vi(1), vi(25), vs("e")};
    assert_string_equal(round_of(&s, 1, r4, NULL), "+1 1|20|c|2\n+1 1|25|e|1\n-1 1|10|a|2\n-1 1|20|c|1\n");
    /* retract and re-insert in the same round: it arrives again, after its equal-key rival */
    const Value r5[] = {vi(1), vi(25), vs("f"), vi(1), vi(25), vs("e"), vi(1), vi(25), vs("e")};
    const int64_t w5[] = {1, -1, 1};
    assert_string_equal(round_of(&s, 3, r5, w5), "+1 1|25|e|2\n+1 1|25|f|1\n-1 1|20|c|2\n-1 1|25|e|1\n");
    /* a whole partition goes away */
    const Value r6[] = {vi(2), vi(1), vs("z")};
    assert_string_equal(round_of(&s, 1, r6, m1), "-1 2|1|z|1\n");
    assert_true(exec_state_rows(s.x) >= 6);
    stream_close(&s);
}

/* A row number renumbers its partition on every change; multiplicities count. */
static void test_rownumber_stream(void **state) {
    (void)state;
    Stream s;
    stream_open(&s, false, -1);
    const Value r1[] = {vi(1), vi(2), vs("b"), vi(1), vi(3), vs("c")};
    const int64_t w1[] = {1, 2};
    assert_string_equal(round_of(&s, 2, r1, w1), "+1 1|2|b|1\n+1 1|3|c|2\n+1 1|3|c|3\n");
    const Value r2[] = {vi(1), vi(1), vs("a"), vi(1), vi(3), vs("c")};
    const int64_t w2[] = {1, -1};
    /* ranks 1 and 2 change hands; rank 3 is still (a copy of) c */
    assert_string_equal(round_of(&s, 2, r2, w2), "+1 1|1|a|1\n+1 1|2|b|2\n-1 1|2|b|1\n-1 1|3|c|2\n");
    stream_close(&s);
}

/* ------------------------------------------------------------ randomized */

static uint64_t rng_next(uint64_t *s) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* The reference: distinct rows with weight and arrival number. */
typedef struct RefRow {
    int64_t p, k;      /* k < 0: NULL */
    char v;
    int64_t w;
    uint64_t seq;
} RefRow;

typedef struct Ref {
    RefRow rows[512];
    int n;
    uint64_t seq;
} Ref;

static void ref_add(Ref *ref, int64_t p, int64_t k, char v, int64_t w) {
    int i;
    for (i = 0; i < ref->n; i++)
        if (ref->rows[i].p == p && ref->rows[i].k == k && ref->rows[i].v == v) break;
    if (i == ref->n) {
        assert_true(ref->n < 512);
        ref->rows[ref->n++] = (RefRow){p, k, v, 0, 0};
    }
    RefRow *r = &ref->rows[i];
    bool arrives = r->w <= 0 && r->w + w > 0;
    r->w += w;
    if (arrives) r->seq = ref->seq++;
}

static const Ref *sort_ref;
static bool sort_desc;

/* k DESC NULLS FIRST (or ASC NULLS LAST), then arrival */
static int ref_cmp(const void *pa, const void *pb) {
    const RefRow *a = &sort_ref->rows[*(const int *)pa], *b = &sort_ref->rows[*(const int *)pb];
    if (a->p != b->p) return a->p < b->p ? -1 : 1;
    if (a->k != b->k) {
        if (a->k < 0 || b->k < 0) return (a->k < 0) == sort_desc ? -1 : 1;
        int c = a->k < b->k ? -1 : 1;
        return sort_desc ? -c : c;
    }
    return a->seq < b->seq ? -1 : 1;
}

/* What the result holds now: "+1 p|k|v|rank" lines, sorted. */
static char *ref_expected(Arena *a, const Ref *ref, bool desc, int64_t limit) {
    int idx[512], n = 0;
    for (int i = 0; i < ref->n; i++)
        if (ref->rows[i].w > 0) idx[n++] = i;
    sort_ref = ref;
    sort_desc = desc;
    qsort(idx, (size_t)n, sizeof(int), ref_cmp);
    char *out = arena_alloc(a, 64 * 1024), *o = out;
    *o = 0;
    int64_t rank = 0, part = -1;
    for (int j = 0; j < n; j++) {
        const RefRow *r = &ref->rows[idx[j]];
        if (r->p != part) {
            part = r->p;
            rank = 0;
        }
        for (int64_t m = 0; m < r->w && (limit < 0 || rank < limit); m++) {
            rank++;
            char kbuf[24];
            if (r->k < 0) snprintf(kbuf, sizeof kbuf, "NULL");
            else snprintf(kbuf, sizeof kbuf, "%lld", (long long)r->k);
            o += sprintf(o, "+1 %lld|%s|%c|%lld\n", (long long)r->p, kbuf, r->v, (long long)rank);
        }
    }
    return sorted_lines(a, out);
}

/*
** Random rounds of inserts and retractions (of rows present, sometimes
** twice over, sometimes with a re-insert in the same round), pushed into a
** top-N; after every round the consolidated output must be the reference's
** top-N.  Also restarts a second operator from the persisted state halfway
** and requires its changes to match the first one's from then on.
*/
static void sink_append(Sink *dst, const Sink *src) {
    for (int i = 0; i < src->n; i++) {
        if (dst->n == dst->cap) {
            dst->cap = dst->cap ? 2 * dst->cap : 64;
            dst->rows = realloc(dst->rows, sizeof(char *) * (size_t)dst->cap);
        }
        dst->rows[dst->n++] = arena_strdup(&dst->a, src->rows[i]);
    }
}

static void run_random(uint64_t seed, bool desc, int64_t limit) {
    static const char *const vnames[] = {"a", "b", "c"};
    Stream s, t;
    Sink all;   /* every change s emitted */
    sink_init(&all);
    stream_open(&s, desc, limit);
    memset(&t, 0, sizeof t);
    Ref ref = {.n = 0, .seq = 0};
    StateMap m = {0};
    uint64_t rng = seed;
    const int rounds = 40, restart = 17;
    for (int round = 0; round < rounds; round++) {
        Value rows[3 * 24];
        int64_t w[24];
        int n = (int)(rng_next(&rng) % 24);
        for (int i = 0; i < n; i++) {
            int64_t p = (int64_t)(rng_next(&rng) % 3), k = (int64_t)(rng_next(&rng) % 7) - 1;
            int vi_ = (int)(rng_next(&rng) % 3);
            char v = vnames[vi_][0];
            w[i] = 1;
            uint64_t pick = rng_next(&rng) % 10;
            if (pick < 4 && ref.n > 0) {
                /* retract (or re-insert) a row we know */
                const RefRow *r = &ref.rows[rng_next(&rng) % (uint64_t)ref.n];
                p = r->p;
                k = r->k;
                v = r->v;
                vi_ = v - 'a';
                w[i] = r->w > 0 && pick < 3 ? -1 : 1;
            }
            rows[3 * i] = vi(p);
            rows[3 * i + 1] = k < 0 ? NI : vi(k);
            rows[3 * i + 2] = vs(vnames[vi_]);
            ref_add(&ref, p, k, v, w[i]);
        }
        const char *changes = round_of(&s, n, rows, w);
        sink_append(&all, &s.r.sink);
        /* everything emitted so far adds up to the reference's top-N */
        assert_string_equal(sink_net(&all), ref_expected(&s.r.a, &ref, desc, limit));
        if (round < restart) {
            assert_int_equal(exec_state_changes(s.x, state_put, &m), 0);
        } else {
            if (round == restart) {
                /* a second operator, restored from the state after round restart - 1 */
                run_init(&t.r);
                t.src = mk_stream(&t.r.a, "src", 3, names3, types3);
                ExecOptions opt = {0};
                t.x = exec_new(topn_pk(&t.r.a, t.src, desc, limit), sink_fn, &t.r.sink, &opt, &t.r.err);
                assert_non_null(t.x);
                state_restore(t.x, &m);
            }
            Round rd = {1, {{t.src, n, rows, w}}};
            sink_clear(&t.r.sink);
            if (run_round(t.x, &t.r.a, &rd)) fail_msg("restored round failed: %s", t.r.err.msg);
            /* same changes as the operator that never stopped */
            char *mine = arena_strdup(&t.r.a, sink_sorted(&t.r.sink));
            assert_string_equal(mine, changes);
        }
        if (n > 0 && round >= restart && round % 5 == 0) {
            /* state reports keep working after a restore */
            StateMap scratch = {0};
            assert_int_equal(exec_state_changes(t.x, state_put, &scratch), 0);
            state_free(&scratch);
        }
    }
    state_free(&m);
    exec_free(t.x);
    run_free(&t.r);
    stream_close(&s);
    sink_free(&all);
}

static void test_random_changelog(void **state) {
    (void)state;
    for (uint64_t seed = 1; seed <= 12; seed++) {
        run_random(seed * 0x9E3779B97F4A7C15ULL, seed % 2 == 0, (int64_t)(seed % 4));
        run_random(seed * 0x2545F4914F6CDD1DULL, seed % 2 == 1, -1);
    }
}

/* A restored operator emits nothing for the rows it restored, only later changes. */
static void test_restore_silent(void **state) {
    (void)state;
    Stream s;
    stream_open(&s, true, 1);
    const Value r1[] = {vi(1), vi(10), vs("a"), vi(1), vi(10), vs("b")};
    assert_string_equal(round_of(&s, 2, r1, NULL), "+1 1|10|a|1\n");
    StateMap m = {0};
    assert_int_equal(exec_state_changes(s.x, state_put, &m), 0);
    assert_int_equal(m.n, 2);

    Stream t;
    stream_open(&t, true, 1);
    state_restore(t.x, &m);
    /* a leaves: b (which arrived after a) takes its place, in both */
    const Value r2[] = {vi(1), vi(10), vs("a")};
    const int64_t m1[] = {-1};
    const char *want = "+1 1|10|b|1\n-1 1|10|a|1\n";
    assert_string_equal(round_of(&s, 1, r2, m1), want);
    assert_string_equal(round_of(&t, 1, r2, m1), want);
    /* a deleted row is deleted from the state too */
    assert_int_equal(exec_state_changes(s.x, state_put, &m), 0);
    assert_int_equal(m.n, 1);
    /* corrupt state is refused */
    Stream u;
    stream_open(&u, true, 1);
    const uint8_t junk[] = {7, 7, 7};
    assert_int_equal(exec_state_load(u.x, m.e[0].op, junk, sizeof junk, m.e[0].val, m.e[0].vlen), -1);
    assert_non_null(strstr(u.r.err.msg, "corrupt saved state"));
    stream_close(&u);
    state_free(&m);
    stream_close(&t);
    stream_close(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rownumber_batch),   cmocka_unit_test(test_topn_batch),
        cmocka_unit_test(test_duplicates),        cmocka_unit_test(test_no_columns),
        cmocka_unit_test(test_retraction_promotes), cmocka_unit_test(test_rownumber_stream),
        cmocka_unit_test(test_random_changelog),  cmocka_unit_test(test_restore_silent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
