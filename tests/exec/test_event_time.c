/*
** Unit tests for event time in the executor (exec.h "Event time", CONTRACT
** §4): watermarks set and advanced round by round the way the runtime does
** it (watermark = max event time seen - delay, never moving back), windowed
** aggregates dropping rows of final windows, emitting them once in APPEND
** mode and evicting their state, HOP windows through panes and through row
** expansion (which must agree), deduplication and stream-stream joins on
** event time, late-row accounting and the late sink, state persistence of
** evictions, and batch-split invariance of final results.
*/
#include "test_stream_harness.h"

#define SEC (1000000LL)
#define MINUTE (60 * SEC)

static int64_t hm(int h, int m) { return ((int64_t)h * 60 + m) * MINUTE; }
static int64_t hms(int h, int m, int s) { return hm(h, m) + s * SEC; }

/*
** Expected output in a compact notation: "+1 12:00 12:10 dog 1" lines; a
** token hh:mm or hh:mm:ss becomes a timestamp on 1970-01-01, tokens are
** joined with '|' as the sink prints them.  Returned sorted.
*/
static char *exp_rows(Arena *a, const char *text) {
    size_t cap = strlen(text) * 4 + 16;
    char *out = arena_alloc(a, cap), *o = out;
    const char *p = text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        if (!eol) eol = p + strlen(p);
        int tok = 0;
        while (p < eol) {
            while (p < eol && *p == ' ') p++;
            if (p == eol) break;
            const char *q = p;
            while (q < eol && *q != ' ') q++;
            size_t n = (size_t)(q - p);
            if (tok == 1) *o++ = ' ';
            else if (tok > 1) *o++ = '|';
            bool time = (n == 5 || n == 8) && p[2] == ':' && (n == 5 || p[5] == ':');
            if (time) o += sprintf(o, "1970-01-01 %.*s%s", (int)n, p, n == 5 ? ":00" : "");
            else o += sprintf(o, "%.*s", (int)n, p);
            tok++;
            p = q;
        }
        if (tok) *o++ = '\n';
        p = *eol ? eol + 1 : eol;
    }
    *o = 0;
    return sorted_lines(a, out);
}

/* ------------------------------------------------------------ late sink */

typedef struct Late {
    int n;
    char rows[64][200];
} Late;

static void late_fn(void *ud, int64_t ws, int64_t we, const char *row) {
    Late *l = ud;
    if (l->n == 64) return;
    char a[40] = "-", b[40] = "-";
    if (ws != INT64_MIN) ts_format(ws, a);
    if (we != INT64_MIN) ts_format(we, b);
    snprintf(l->rows[l->n++], sizeof l->rows[0], "%s|%s|%s", a, b, row);
}

/* ------------------------------------------------------------ driving rounds */

/* One continuous query, driven like the runtime drives it. */
typedef struct Et {
    Run r;
    Executor *x;
    const Plan *leaf;
    int tcol;                 /* the leaf's event-time column */
    int64_t delay;
    int64_t maxseen, wm;      /* INT64_MIN: none yet */
    Late late;
} Et;

static void et_open(Et *e, const Plan *plan, const Plan *leaf, int tcol, int64_t delay, bool append) {
    e->leaf = leaf;
    e->tcol = tcol;
    e->delay = delay;
    e->maxseen = e->wm = INT64_MIN;
    memset(&e->late, 0, sizeof e->late);
    ExecOptions opt = {.append_only = append};
    e->x = exec_new(plan, sink_fn, &e->r.sink, &opt, &e->r.err);
    if (!e->x) fail_msg("exec_new failed: %s", e->r.err.msg);
    exec_set_late_sink(e->x, late_fn, &e->late);
}

/*
** One micro-batch: the watermark as it stood when the batch began, the rows,
** the watermark advanced from the maximum event time seen (never back), the
** end of the round.  Returns what the sink received, sorted.
*/
static char *et_round_w(Et *e, int n, const Value *rows, const int64_t *w) {
    sink_clear(&e->r.sink);
    const Schema *s = &e->leaf->schema;
    Type types[16];
    for (int j = 0; j < s->ncols; j++) types[j] = s->cols[j].type;
    exec_set_watermark(e->x, e->wm);
    if (n) push_rows(e->x, &e->r.a, leaf_of(e->x, e->leaf), s->ncols, types, n, rows, w);
    for (int k = 0; k < n; k++) {
        const Value *v = &rows[(size_t)k * (size_t)s->ncols + (size_t)e->tcol];
        if (!v->null && v->u.i > e->maxseen) e->maxseen = v->u.i;
    }
    if (e->maxseen != INT64_MIN && e->maxseen - e->delay > e->wm) e->wm = e->maxseen - e->delay;
    exec_advance_watermark(e->x, e->wm);
    if (exec_finish_round(e->x)) fail_msg("round failed: %s", e->r.err.msg);
    return sink_sorted(&e->r.sink);
}

static char *et_round(Et *e, int n, const Value *rows) { return et_round_w(e, n, rows, NULL); }

/* Every input ended: the watermark becomes +infinity (CONTRACT §5). */
static char *et_end(Et *e) {
    sink_clear(&e->r.sink);
    exec_set_watermark(e->x, e->wm);
    e->wm = INT64_MAX;
    exec_advance_watermark(e->x, INT64_MAX);
    if (exec_finish_round(e->x)) fail_msg("round failed: %s", e->r.err.msg);
    return sink_sorted(&e->r.sink);
}

#define ROUND(e, n, rows, expected) assert_string_equal(et_round((e), (n), (rows)), exp_rows(&(e)->r.a, (expected)))

/* ------------------------------------------------------------ plans */

static const char *word_names[] = {"word", "ts"};
static const Type word_types[] = {TYPE_TEXT, TYPE_TIMESTAMP};

/* A streaming source (cols, names, types) whose column tcol has a WATERMARK. */
static Plan *et_stream(Arena *a, int ncols, const char *const *names, const Type *types, int tcol) {
    Plan *p = mk_stream(a, "src", ncols, names, types);
    p->schema.cols[tcol].event_time = true;
    p->u.scan.watermark_col = p->u.scan.watermark_out = tcol;
    return p;
}

static Expr *is_not_null(Arena *a, Expr *arg) {
    Expr *e = expr_new(a, EXPR_IS_NOT_NULL, TYPE_BOOL, 1);
    e->args[0] = arg;
    return e;
}

/*
** SELECT window_start, window_end, word, COUNT(*) [, extra aggregates]
** FROM <kind>(words, ts, size[, slide]) GROUP BY window_start, window_end, word.
** expand: put a filter on window_start in between, which keeps the HOP from
** running as panes (the rows are expanded into every window instead).
*/
static Plan *wc_plan(Arena *a, Plan **leaf, WindowKind kind, int64_t size, int64_t slide, bool expand, int nextra,
                     const AggSpec *extra) {
    Plan *src = et_stream(a, 2, word_names, word_types, 1);
    Plan *win = mk_window(a, src, kind, 1, size, slide, 0, NULL);
    win->schema.cols[1].event_time = win->schema.cols[2].event_time = win->schema.cols[3].event_time = true;
    Plan *in = expand ? mk_filter(a, win, is_not_null(a, col(a, win, 2))) : win;
    Expr *groups[] = {col(a, in, 2), col(a, in, 3), col(a, in, 0)};
    AggSpec aggs[4] = {agg(AGG_COUNT_STAR, false, NULL)};
    for (int j = 0; j < nextra; j++) aggs[1 + j] = extra[j];
    Plan *p = mk_agg(a, in, 3, groups, 1 + nextra, aggs);
    p->u.agg.window_end_group = 1;
    *leaf = src;
    return p;
}

/* ------------------------------------------------------------ Spark's example */

/*
** The Spark Structured Streaming guide's windowed word count: windows of 10
** minutes sliding every 5, watermark 10 minutes behind the maximum event
** time, the words arriving in four triggers:
**   1: dog 12:07, owl 12:08                       watermark after: 11:58
**   2: dog 12:14, cat 12:09 (out of order)        12:04
**   3: cat 12:15, dog 12:08, owl 12:13, owl 12:21 12:11 -> [12:00, 12:10) final
**   4: donkey 12:04 (too late), owl 12:17         12:11
** dog 12:08 in trigger 3 is 6 minutes behind the maximum but its windows
** [12:00, 12:10) and [12:05, 12:15) are open at watermark 12:04: counted.
** donkey 12:04 in trigger 4 belongs to [11:55, 12:05) and [12:00, 12:10),
** both final at watermark 12:11: dropped from both (two late rows, one per
** window), and it touches no other window -- it lies in no open one.
*/
static void spark_rows(Arena *a, Value **r1, Value **r2, Value **r3, Value **r4) {
    Value *v = ARENA_ARRAY(a, Value, 20);
    int k = 0;
#define W(w, h, m) (v[k++] = vs(w), v[k++] = vts(hm(h, m)))
    *r1 = v;
    W("dog", 12, 7), W("owl", 12, 8);
    *r2 = v + k;
    W("dog", 12, 14), W("cat", 12, 9);
    *r3 = v + k;
    W("cat", 12, 15), W("dog", 12, 8), W("owl", 12, 13), W("owl", 12, 21);
    *r4 = v + k;
    W("donkey", 12, 4), W("owl", 12, 17);
#undef W
}

static void spark_update(bool expand) {
    Et e;
    run_init(&e.r);
    Plan *leaf;
    Plan *p = wc_plan(&e.r.a, &leaf, WINDOW_HOP, 10 * MINUTE, 5 * MINUTE, expand, 0, NULL);
    et_open(&e, p, leaf, 1, 10 * MINUTE, false);
    Value *r1, *r2, *r3, *r4;
    spark_rows(&e.r.a, &r1, &r2, &r3, &r4);
    ROUND(&e, 2, r1,
          "+1 12:00 12:10 dog 1\n+1 12:05 12:15 dog 1\n"
          "+1 12:00 12:10 owl 1\n+1 12:05 12:15 owl 1\n");
    assert_int_equal(e.wm, hm(11, 58));
    ROUND(&e, 2, r2,
          "-1 12:05 12:15 dog 1\n+1 12:05 12:15 dog 2\n+1 12:10 12:20 dog 1\n"
          "+1 12:00 12:10 cat 1\n+1 12:05 12:15 cat 1\n");
    assert_int_equal(e.wm, hm(12, 4));
    assert_int_equal(exec_state_rows(e.x), 7);
    ROUND(&e, 4, r3,
          "+1 12:10 12:20 cat 1\n+1 12:15 12:25 cat 1\n"
          "-1 12:00 12:10 dog 1\n+1 12:00 12:10 dog 2\n-1 12:05 12:15 dog 2\n+1 12:05 12:15 dog 3\n"
          "-1 12:05 12:15 owl 1\n+1 12:05 12:15 owl 2\n+1 12:10 12:20 owl 1\n"
          "+1 12:15 12:25 owl 1\n+1 12:20 12:30 owl 1\n");
    assert_int_equal(e.wm, hm(12, 11));
    /* 12 windows x words were open; the watermark 12:11 finalized [12:00, 12:10): 3 groups evicted */
    assert_int_equal(exec_state_rows(e.x), 12 - 3);
    assert_int_equal(exec_late_rows(e.x), 0);
    ROUND(&e, 2, r4, "-1 12:10 12:20 owl 1\n+1 12:10 12:20 owl 2\n-1 12:15 12:25 owl 1\n+1 12:15 12:25 owl 2\n");
    assert_int_equal(exec_late_rows(e.x), 2);
    assert_int_equal(e.late.n, 2);
    qsort(e.late.rows, 2, sizeof e.late.rows[0], (int (*)(const void *, const void *))strcmp);
    assert_string_equal(e.late.rows[0], "1970-01-01 11:55:00|1970-01-01 12:05:00|donkey,1970-01-01 12:04:00");
    assert_string_equal(e.late.rows[1], "1970-01-01 12:00:00|1970-01-01 12:10:00|donkey,1970-01-01 12:04:00");
    /* the input ends: nothing more to say in UPDATE mode, but every window's state goes */
    assert_string_equal(et_end(&e), "");
    assert_int_equal(exec_state_rows(e.x), 0);
    exec_free(e.x);
    run_free(&e.r);
}

static void test_spark_update_panes(void **state) {
    (void)state;
    spark_update(false);
}

static void test_spark_update_expanded(void **state) {
    (void)state;
    spark_update(true);
}

/* APPEND: a window's count is written once, in the trigger after which the watermark passed its end. */
static void spark_append(bool expand) {
    Et e;
    run_init(&e.r);
    Plan *leaf;
    Plan *p = wc_plan(&e.r.a, &leaf, WINDOW_HOP, 10 * MINUTE, 5 * MINUTE, expand, 0, NULL);
    et_open(&e, p, leaf, 1, 10 * MINUTE, true);
    Value *r1, *r2, *r3, *r4;
    spark_rows(&e.r.a, &r1, &r2, &r3, &r4);
    ROUND(&e, 2, r1, "");
    ROUND(&e, 2, r2, "");
    ROUND(&e, 4, r3, "+1 12:00 12:10 cat 1\n+1 12:00 12:10 dog 2\n+1 12:00 12:10 owl 1\n");
    ROUND(&e, 2, r4, "");
    assert_int_equal(exec_late_rows(e.x), 2);
    ROUND(&e, 0, NULL, "");
    assert_string_equal(et_end(&e), exp_rows(&e.r.a,
                                             "+1 12:05 12:15 cat 1\n+1 12:05 12:15 dog 3\n+1 12:05 12:15 owl 2\n"
                                             "+1 12:10 12:20 cat 1\n+1 12:10 12:20 dog 1\n+1 12:10 12:20 owl 2\n"
                                             "+1 12:15 12:25 cat 1\n+1 12:15 12:25 owl 2\n"
                                             "+1 12:20 12:30 owl 1\n"));
    assert_int_equal(exec_state_rows(e.x), 0);
    /* nothing is left to emit, ever */
    assert_string_equal(et_end(&e), "");
    exec_free(e.x);
    run_free(&e.r);
}

static void test_spark_append_panes(void **state) {
    (void)state;
    spark_append(false);
}

static void test_spark_append_expanded(void **state) {
    (void)state;
    spark_append(true);
}

/*
** A HOP row behind the watermark is dropped from its final windows only:
** counted (and reported) once per window it missed, counted in the open
** ones -- with panes and with expanded rows alike.
*/
static void test_hop_partly_late(void **state) {
    (void)state;
    for (int expand = 0; expand < 2; expand++) {
        Et e;
        run_init(&e.r);
        Plan *leaf;
        Plan *p = wc_plan(&e.r.a, &leaf, WINDOW_HOP, 10 * MINUTE, 5 * MINUTE, expand, 0, NULL);
        et_open(&e, p, leaf, 1, 0, false);
        Value r1[] = {vs("a"), vts(hm(12, 11))};
        ROUND(&e, 1, r1, "+1 12:05 12:15 a 1\n+1 12:10 12:20 a 1\n");
        /* 12:08 lies in [12:00, 12:10), final at 12:11, and in [12:05, 12:15), open */
        Value r2[] = {vs("b"), vts(hm(12, 8)), vs("c"), vts(hm(11, 58))};
        ROUND(&e, 2, r2, "+1 12:05 12:15 b 1\n");
        assert_int_equal(exec_late_rows(e.x), 3);   /* b once, c twice */
        assert_int_equal(e.late.n, 3);
        qsort(e.late.rows, 3, sizeof e.late.rows[0], (int (*)(const void *, const void *))strcmp);
        assert_string_equal(e.late.rows[0], "1970-01-01 11:50:00|1970-01-01 12:00:00|c,1970-01-01 11:58:00");
        assert_string_equal(e.late.rows[1], "1970-01-01 11:55:00|1970-01-01 12:05:00|c,1970-01-01 11:58:00");
        assert_string_equal(e.late.rows[2], "1970-01-01 12:00:00|1970-01-01 12:10:00|b,1970-01-01 12:08:00");
        exec_free(e.x);
        run_free(&e.r);
    }
}

/* ------------------------------------------------------------ TUMBLE: out of order, late, exactly once */

static void test_tumble_late(void **state) {
    (void)state;
    for (int append = 0; append < 2; append++) {
        Et e;
        run_init(&e.r);
        Plan *leaf;
        Plan *p = wc_plan(&e.r.a, &leaf, WINDOW_TUMBLE, MINUTE, 0, false, 0, NULL);
        et_open(&e, p, leaf, 1, 30 * SEC, append);
        Value r1[] = {vs("a"), vts(hms(10, 0, 10)), vs("a"), vts(hms(10, 0, 50))};
        ROUND(&e, 2, r1, append ? "" : "+1 10:00 10:01 a 2\n");
        assert_int_equal(e.wm, hms(10, 0, 20));
        /* 10:00:05 is behind the watermark 10:00:20, but its window is open: counted */
        Value r2[] = {vs("a"), vts(hms(10, 0, 5)), vs("b"), vts(hms(10, 1, 40))};
        ROUND(&e, 2, r2,
              append ? "+1 10:00 10:01 a 3\n" : "-1 10:00 10:01 a 2\n+1 10:00 10:01 a 3\n+1 10:01 10:02 b 1\n");
        assert_int_equal(e.wm, hms(10, 1, 10));
        assert_int_equal(exec_late_rows(e.x), 0);
        assert_int_equal(exec_state_rows(e.x), 1);   /* [10:00, 10:01) is final and gone */
        /* 10:00:59: its window is final -> dropped and counted, never emitted again;
           10:01:05 is behind the watermark 10:01:10 but its window [10:01, 10:02) is open */
        Value r3[] = {vs("a"), vts(hms(10, 0, 59)), vs("b"), vts(hms(10, 1, 5))};
        ROUND(&e, 2, r3, append ? "" : "-1 10:01 10:02 b 1\n+1 10:01 10:02 b 2\n");
        assert_int_equal(exec_late_rows(e.x), 1);
        assert_int_equal(e.late.n, 1);
        assert_string_equal(e.late.rows[0], "1970-01-01 10:00:00|1970-01-01 10:01:00|a,1970-01-01 10:00:59");
        assert_string_equal(et_end(&e), append ? exp_rows(&e.r.a, "+1 10:01 10:02 b 2\n") : "");
        assert_int_equal(exec_state_rows(e.x), 0);
        exec_free(e.x);
        run_free(&e.r);
    }
}

/*
** The watermark set lower than one a round already acted on (a runtime
** restarting from an older checkpoint of its watermark, say) must not bring
** a finalized window back: rows are judged against the higher one.
*/
static void test_watermark_never_back(void **state) {
    (void)state;
    Et e;
    run_init(&e.r);
    Plan *leaf;
    Plan *p = wc_plan(&e.r.a, &leaf, WINDOW_TUMBLE, MINUTE, 0, false, 0, NULL);
    et_open(&e, p, leaf, 1, 0, true);
    Value r1[] = {vs("a"), vts(hms(10, 0, 10)), vs("a"), vts(hms(10, 2, 0))};
    ROUND(&e, 2, r1, "+1 10:00 10:01 a 1\n");
    e.wm = INT64_MIN;   /* the runtime forgets */
    e.maxseen = INT64_MIN;
    exec_advance_watermark(e.x, hm(9, 0));   /* ignored: behind */
    Value r2[] = {vs("a"), vts(hms(10, 0, 30))};
    ROUND(&e, 1, r2, "");
    assert_int_equal(exec_late_rows(e.x), 1);
    exec_free(e.x);
    run_free(&e.r);
}

/* ------------------------------------------------------------ HOP */

static const char *kv_names[] = {"k", "ts", "v"};
static const Type kv_types[] = {TYPE_BIGINT, TYPE_TIMESTAMP, TYPE_BIGINT};

/*
** SELECT window_start, window_end, k, COUNT(*), SUM(v), COUNT(v) FROM HOP(src, ts, slide, size)
** GROUP BY window_start, window_end, k; expand: through a filter on window_start (no panes).
*/
static Plan *hop_plan(Arena *a, Plan **leaf, int64_t size, int64_t slide, bool expand) {
    Plan *src = et_stream(a, 3, kv_names, kv_types, 1);
    Plan *win = mk_window(a, src, WINDOW_HOP, 1, size, slide, 0, NULL);
    if (expand) win = mk_filter(a, win, is_not_null(a, col(a, win, 3)));
    Expr *groups[] = {col(a, win, 3), col(a, win, 4), col(a, win, 0)};
    AggSpec aggs[] = {agg(AGG_COUNT_STAR, false, NULL), agg(AGG_SUM, false, col(a, win, 2)),
                      agg(AGG_COUNT, false, col(a, win, 2))};
    Plan *p = mk_agg(a, win, 3, groups, 3, aggs);
    p->u.agg.window_end_group = 1;
    *leaf = src;
    return p;
}

/* A row lands in every window that contains it: panes and expansion agree, in batch and in a stream. */
static void test_hop_every_window(void **state) {
    (void)state;
    Run r;
    run_init(&r);
    /* batch: VALUES -> HOP(3s, slide 1s) -> aggregate (panes) */
    Value rows[] = {vi(1), vts(5500000), vi(10), vi(1), vts(-200000), vi(7), vi(2), vts(5000000), NI};
    Plan *vals = mk_values(&r.a, 3, kv_types, 3, rows);
    Plan *win = mk_window(&r.a, vals, WINDOW_HOP, 1, 3 * SEC, SEC, 0, NULL);
    Expr *groups[] = {col(&r.a, win, 3), col(&r.a, win, 4), col(&r.a, win, 0)};
    AggSpec aggs[] = {agg(AGG_COUNT_STAR, false, NULL), agg(AGG_SUM, false, col(&r.a, win, 2)),
                      agg(AGG_COUNT, false, col(&r.a, win, 2))};
    Plan *p = mk_agg(&r.a, win, 3, groups, 3, aggs);
    const char *expect = "+1 00:00:03 00:00:06 1 1 10 1\n+1 00:00:04 00:00:07 1 1 10 1\n+1 00:00:05 00:00:08 1 1 10 1\n"
                         "+1 23:59:57 00:00:00 1 1 7 1\n+1 23:59:58 00:00:01 1 1 7 1\n+1 23:59:59 00:00:02 1 1 7 1\n"
                         "+1 00:00:03 00:00:06 2 1 NULL 0\n+1 00:00:04 00:00:07 2 1 NULL 0\n"
                         "+1 00:00:05 00:00:08 2 1 NULL 0\n";
    char *want = exp_rows(&r.a, expect);
    /* the windows before the epoch print on the day before */
    for (char *q = want; (q = strstr(q, "1970-01-01 23:59:5")); q++) memcpy(q, "1969-12-31", 10);
    EXPECT_ROWS(&r, p, want);
    /* size not a multiple of the slide: expanded (starts are multiples of the slide with s <= ts < s + size) */
    Plan *win2 = mk_window(&r.a, mk_values(&r.a, 3, kv_types, 1, rows), WINDOW_HOP, 1, 2500000, SEC, 0, NULL);
    Expr *g2[] = {col(&r.a, win2, 3), col(&r.a, win2, 4)};
    AggSpec a2[] = {agg(AGG_SUM, false, col(&r.a, win2, 2))};
    EXPECT_ROWS(&r, mk_agg(&r.a, win2, 2, g2, 1, a2),
                "+1 1970-01-01 00:00:04|1970-01-01 00:00:06.500000|10\n"
                "+1 1970-01-01 00:00:05|1970-01-01 00:00:07.500000|10\n");
    run_free(&r);
}

/*
** Pseudo-random rows (k, ts, v) in roughly increasing event time with
** jitter below `jitter`; some v NULL.  Deterministic (xorshift).
*/
static Value *gen_rows(Arena *a, int n, int nkeys, int64_t step, int64_t jitter, uint64_t seed) {
    Value *v = ARENA_ARRAY(a, Value, 3 * (size_t)n);
    uint64_t s = seed;
    for (int i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        int64_t t = hm(8, 0) + i * step - (int64_t)(s % (uint64_t)jitter);
        v[3 * i] = vi((int64_t)(s >> 20) % nkeys);
        v[3 * i + 1] = vts(t);
        v[3 * i + 2] = (s >> 40) % 9 == 0 ? NI : vi((int64_t)(s >> 32) % 100 - 20);
    }
    return v;
}

/*
** Run rows through plan in rounds of `per` rows (the watermark `delay`
** behind), end the input, and return the consolidated output (what a result
** table holds).  *late: the late rows counted.
*/
static char *run_split(Plan *p, const Plan *leaf, const Value *rows, int n, int per, int64_t delay, bool append,
                       int64_t *late, int64_t *max_state) {
    Et e;
    run_init(&e.r);
    et_open(&e, p, leaf, 1, delay, append);
    Sink all;
    sink_init(&all);
    *max_state = 0;
    for (int base = 0; base < n; base += per) {
        int m = n - base < per ? n - base : per;
        et_round(&e, m, rows + (size_t)base * 3);
        for (int i = 0; i < e.r.sink.n; i++) {
            if (append) assert_true(e.r.sink.rows[i][0] == '+');   /* APPEND: inserts only */
            if (all.n == all.cap) {
                all.cap = all.cap ? 2 * all.cap : 64;
                all.rows = realloc(all.rows, sizeof(char *) * (size_t)all.cap);
            }
            all.rows[all.n++] = arena_strdup(&all.a, e.r.sink.rows[i]);
        }
        if (exec_state_rows(e.x) > *max_state) *max_state = exec_state_rows(e.x);
    }
    et_end(&e);
    for (int i = 0; i < e.r.sink.n; i++) {
        if (all.n == all.cap) {
            all.cap = all.cap ? 2 * all.cap : 64;
            all.rows = realloc(all.rows, sizeof(char *) * (size_t)all.cap);
        }
        all.rows[all.n++] = arena_strdup(&all.a, e.r.sink.rows[i]);
    }
    assert_int_equal(exec_state_rows(e.x), 0);
    *late = exec_late_rows(e.x);
    char *net = strdup(sink_net(&all));
    if (append) {
        /* every window once: the net rows are the rows written */
        Sink copy = all;
        (void)copy;
        for (const char *q = net; *q; q = strchr(q, '\n') + 1) assert_true(strncmp(q, "+1 ", 3) == 0);
    }
    sink_free(&all);
    exec_free(e.x);
    run_free(&e.r);
    return net;
}

/*
** Batch-split invariance: with rows never behind the watermark's windows
** (jitter < delay), the final result does not depend on how the input is
** cut into micro-batches, in APPEND and UPDATE mode, and HOP panes give
** what row expansion gives.
*/
static void test_batch_split_invariance(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    int n = 600;
    Value *rows = gen_rows(&a, n, 5, 7 * SEC, 50 * SEC, 88172645463325252ULL);
    for (int append = 0; append < 2; append++) {
        char *ref = NULL;
        for (int variant = 0; variant < 2; variant++) {
            Plan *leaf;
            /* variant 0: panes; 1: rows expanded into every window */
            Plan *p = hop_plan(&a, &leaf, 5 * MINUTE, MINUTE, variant == 1);
            int splits[] = {1, 7, 64, 600};
            for (int k = 0; k < 4; k++) {
                int64_t late, max_state;
                char *net = run_split(p, leaf, rows, n, splits[k], 2 * MINUTE, append, &late, &max_state);
                assert_int_equal(late, 0);
                /* state stays bounded: about 5 windows x 5 keys open at a time, not the 70 windows of the run */
                assert_true(max_state <= 60);
                if (!ref) ref = arena_strdup(&a, net);
                else assert_string_equal(net, ref);
                free(net);
            }
        }
        assert_true(strlen(ref) > 1000);
    }
    arena_free(&a);
}

/* ------------------------------------------------------------ state: eviction, persistence */

/*
** Evicted windows leave the persisted state (deletions, set members too) and
** stay gone across a restart; a restored executor continues exactly as the
** uninterrupted one.
*/
static void test_eviction_persisted(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    int n = 300;
    Value *rows = gen_rows(&a, n, 4, 20 * SEC, 30 * SEC, 0x9e3779b97f4a7c15ULL);
    Plan *leaf;
    Plan *src = et_stream(&a, 3, kv_names, kv_types, 1);
    Plan *win = mk_window(&a, src, WINDOW_TUMBLE, 1, 2 * MINUTE, 0, 0, NULL);
    Expr *groups[] = {col(&a, win, 3), col(&a, win, 4), col(&a, win, 0)};
    AggSpec aggs[] = {agg(AGG_COUNT_STAR, false, NULL), agg(AGG_MIN, false, col(&a, win, 2)),
                      agg(AGG_COUNT, true, col(&a, win, 2)), agg(AGG_SUM, false, col(&a, win, 2))};
    Plan *p = mk_agg(&a, win, 3, groups, 4, aggs);
    p->u.agg.window_end_group = 1;
    leaf = src;
    for (int append = 0; append < 2; append++) {
        /* the reference: one executor for the whole run */
        int64_t late, max_state;
        char *ref = run_split(p, leaf, rows, n, 10, MINUTE, append, &late, &max_state);
        /* the same run, restarting from the persisted state every 30 rows */
        Et e;
        run_init(&e.r);
        et_open(&e, p, leaf, 1, MINUTE, append);
        StateMap m = {0};
        Sink all;
        sink_init(&all);
        for (int base = 0; base < n; base += 10) {
            et_round(&e, 10, rows + (size_t)base * 3);
            for (int i = 0; i < e.r.sink.n; i++) {
                if (all.n == all.cap) {
                    all.cap = all.cap ? 2 * all.cap : 64;
                    all.rows = realloc(all.rows, sizeof(char *) * (size_t)all.cap);
                }
                all.rows[all.n++] = arena_strdup(&all.a, e.r.sink.rows[i]);
            }
            assert_int_equal(exec_state_changes(e.x, state_put, &m), 0);
            /* the persisted groups are exactly the live ones: evicted windows were deleted */
            int groups_persisted = 0;
            for (int i = 0; i < m.n; i++) groups_persisted += m.e[i].key[0] == 0;
            assert_int_equal(groups_persisted, exec_state_rows(e.x));
            if (base % 30 == 20) {
                int64_t wm = e.wm, maxseen = e.maxseen;
                int64_t late_before = exec_late_rows(e.x);
                exec_free(e.x);
                et_open(&e, p, leaf, 1, MINUTE, append);
                e.wm = wm;
                e.maxseen = maxseen;
                state_restore(e.x, &m);
                e.x->late_rows = late_before;
            }
        }
        et_end(&e);
        for (int i = 0; i < e.r.sink.n; i++) {
            if (all.n == all.cap) {
                all.cap = all.cap ? 2 * all.cap : 64;
                all.rows = realloc(all.rows, sizeof(char *) * (size_t)all.cap);
            }
            all.rows[all.n++] = arena_strdup(&all.a, e.r.sink.rows[i]);
        }
        assert_int_equal(exec_state_changes(e.x, state_put, &m), 0);
        assert_int_equal(m.n, 0);   /* every window final: nothing persisted */
        assert_true(m.deletes > 0);
        assert_string_equal(sink_net(&all), ref);
        assert_int_equal(exec_late_rows(e.x), late);
        free(ref);
        state_free(&m);
        sink_free(&all);
        exec_free(e.x);
        run_free(&e.r);
    }
    arena_free(&a);
}

/*
** A long run over many windows with TEXT keys and TEXT set members: the
** state stays flat (groups are evicted, ids and entries reused, strings
** compacted) and the results stay right.
*/
static void test_long_run_bounded(void **state) {
    (void)state;
    Et e;
    run_init(&e.r);
    Plan *leaf;
    /* with MAX(word) and COUNT(DISTINCT word): TEXT extremes and set members */
    Expr *wcol = expr_column(&e.r.a, 0, TYPE_TEXT, "word");
    AggSpec extra[] = {agg(AGG_MAX, false, wcol), agg(AGG_COUNT, true, wcol)};
    Plan *p = wc_plan(&e.r.a, &leaf, WINDOW_TUMBLE, MINUTE, 0, false, 2, extra);
    et_open(&e, p, leaf, 1, 0, true);
    int nwin = 6000, per = 3;
    int64_t peak = 0, emitted = 0;
    char word[32];
    Value rows[6];
    for (int w = 0; w < nwin; w++) {
        for (int k = 0; k < per; k++) {
            snprintf(word, sizeof word, "word-%d-%d", w % 7, k);
            rows[2 * k] = vs(arena_strdup(&e.r.a, word));
            rows[2 * k + 1] = vts((int64_t)w * MINUTE + k * SEC);
        }
        et_round(&e, per, rows);
        emitted += e.r.sink.n;
        if (exec_state_rows(e.x) > peak) peak = exec_state_rows(e.x);
        if (w == nwin - 1) break;
    }
    assert_true(peak <= 2 * per);
    /* every window but the last is final: one row per word each */
    assert_int_equal(emitted, (int64_t)(nwin - 1) * per);
    char ws[40], we[40], want[400];
    ts_format((int64_t)(nwin - 1) * MINUTE, ws);
    ts_format((int64_t)nwin * MINUTE, we);
    int len = 0;
    for (int k = 0; k < per; k++)
        len += snprintf(want + len, sizeof want - (size_t)len, "+1 %s|%s|word-%d-%d|1|word-%d-%d|1\n", ws, we,
                        (nwin - 1) % 7, k, (nwin - 1) % 7, k);
    assert_string_equal(et_end(&e), sorted_lines(&e.r.a, want));
    assert_int_equal(exec_state_rows(e.x), 0);
    exec_free(e.x);
    run_free(&e.r);
}

/* ------------------------------------------------------------ other stateful operators */

static const char *kt_names[] = {"k", "ts"};
static const Type kt_types[] = {TYPE_BIGINT, TYPE_TIMESTAMP};

/*
** SELECT DISTINCT ts, k over an event-time column: rows below the watermark
** are dropped and counted, groups below it evicted.  An aggregate grouped by
** an event-time column that is not a window drops nothing.
*/
static void test_dedup_event_time(void **state) {
    (void)state;
    Et e;
    run_init(&e.r);
    Plan *src = et_stream(&e.r.a, 2, kt_names, kt_types, 1);
    Expr *groups[] = {col(&e.r.a, src, 1), col(&e.r.a, src, 0)};
    Plan *p = mk_agg(&e.r.a, src, 2, groups, 0, NULL);
    p->u.agg.window_end_group = 0;
    et_open(&e, p, src, 1, 10 * SEC, true);
    Value r1[] = {vi(1), vts(hms(1, 0, 0)), vi(1), vts(hms(1, 0, 0)), vi(2), vts(hms(1, 0, 30))};
    ROUND(&e, 3, r1, "+1 01:00:00 1\n+1 01:00:30 2\n");
    assert_int_equal(e.wm, hms(1, 0, 20));
    assert_int_equal(exec_state_rows(e.x), 1);   /* (01:00:00, 1) is below the watermark: evicted */
    /* a duplicate below the watermark: dropped, not re-emitted; at the watermark: kept */
    Value r2[] = {vi(1), vts(hms(1, 0, 0)), vi(3), vts(hms(1, 0, 20)), vi(2), vts(hms(1, 0, 30))};
    ROUND(&e, 3, r2, "+1 01:00:20 3\n");
    assert_int_equal(exec_late_rows(e.x), 1);
    assert_string_equal(e.late.rows[0], "-|-|1,1970-01-01 01:00:00");
    exec_free(e.x);

    /* GROUP BY ts with COUNT(*): not a window, nothing dropped, nothing evicted */
    Plan *src2 = et_stream(&e.r.a, 2, kt_names, kt_types, 1);
    Expr *g2[] = {col(&e.r.a, src2, 1)};
    AggSpec a2[] = {agg(AGG_COUNT_STAR, false, NULL)};
    Plan *p2 = mk_agg(&e.r.a, src2, 1, g2, 1, a2);
    p2->u.agg.window_end_group = 0;
    et_open(&e, p2, src2, 1, 10 * SEC, false);
    ROUND(&e, 3, r1, "+1 01:00:00 2\n+1 01:00:30 1\n");
    ROUND(&e, 3, r2, "-1 01:00:00 2\n+1 01:00:00 3\n+1 01:00:20 1\n-1 01:00:30 1\n+1 01:00:30 2\n");
    assert_int_equal(exec_late_rows(e.x), 0);
    assert_int_equal(exec_state_rows(e.x), 3);
    exec_free(e.x);
    run_free(&e.r);
}

/*
** A round of a two-input query: rows into both leaves, then the watermark
** (one for the query: the inputs share their event time here) advanced
** from the maximum event time seen on either.
*/
static char *et_round2(Et *e, const Plan *l, int nl, const Value *lrows, const Plan *r, int nr, const Value *rrows) {
    sink_clear(&e->r.sink);
    exec_set_watermark(e->x, e->wm);
    const Plan *leaves[2] = {l, r};
    int ns[2] = {nl, nr};
    const Value *rows[2] = {lrows, rrows};
    for (int s = 0; s < 2; s++) {
        const Schema *sc = &leaves[s]->schema;
        Type types[16];
        for (int j = 0; j < sc->ncols; j++) types[j] = sc->cols[j].type;
        if (ns[s]) push_rows(e->x, &e->r.a, leaf_of(e->x, leaves[s]), sc->ncols, types, ns[s], rows[s], NULL);
        for (int k = 0; k < ns[s]; k++) {
            const Value *v = &rows[s][(size_t)k * (size_t)sc->ncols + (size_t)e->tcol];
            if (!v->null && v->u.i > e->maxseen) e->maxseen = v->u.i;
        }
    }
    if (e->maxseen != INT64_MIN && e->maxseen - e->delay > e->wm) e->wm = e->maxseen - e->delay;
    exec_advance_watermark(e->x, e->wm);
    if (exec_finish_round(e->x)) fail_msg("round failed: %s", e->r.err.msg);
    return sink_sorted(&e->r.sink);
}

/* L JOIN R ON L.k = R.k [AND L.ts = R.ts] */
static Plan *join_plan(Arena *a, Plan **l, Plan **r, bool on_time) {
    *l = et_stream(a, 2, kt_names, kt_types, 1);
    *r = et_stream(a, 2, kt_names, kt_types, 1);
    Expr *lk[] = {col(a, *l, 0), col(a, *l, 1)}, *rk[] = {col(a, *r, 0), col(a, *r, 1)};
    Plan *j = mk_join(a, PJOIN_INNER, *l, *r, on_time ? 2 : 1, lk, rk, NULL);
    j->schema.cols[1].event_time = j->schema.cols[3].event_time = true;
    return j;
}

/*
** Stream-stream join on event time: rows below the watermark are dropped
** and counted on either side; with time in the join keys, stored rows below
** it are evicted (and deleted from the persisted state); without, only the
** late rows are dropped.
*/
static void test_join_event_time(void **state) {
    (void)state;
    Et e;
    run_init(&e.r);
    Plan *l, *r;
    Plan *j = join_plan(&e.r.a, &l, &r, true);
    et_open(&e, j, l, 1, 10 * SEC, false);
    StateMap m = {0};
    Value l1[] = {vi(1), vts(hms(10, 0, 0)), vi(2), vts(hms(10, 0, 30))}, r1[] = {vi(1), vts(hms(10, 0, 0))};
    assert_string_equal(et_round2(&e, l, 2, l1, r, 1, r1), exp_rows(&e.r.a, "+1 1 10:00:00 1 10:00:00\n"));
    assert_int_equal(e.wm, hms(10, 0, 20));
    assert_int_equal(exec_state_rows(e.x), 1);   /* the 10:00:00 rows can no longer match */
    assert_int_equal(exec_state_changes(e.x, state_put, &m), 0);
    assert_int_equal(m.n, 1);
    Value l2[] = {vi(1), vts(hms(10, 0, 0))}, r2[] = {vi(2), vts(hms(10, 0, 30)), vi(1), vts(hms(10, 0, 5))};
    assert_string_equal(et_round2(&e, l, 1, l2, r, 2, r2), exp_rows(&e.r.a, "+1 2 10:00:30 2 10:00:30\n"));
    assert_int_equal(exec_late_rows(e.x), 2);
    assert_int_equal(e.late.n, 2);
    assert_string_equal(e.late.rows[0], "-|-|1,1970-01-01 10:00:00");
    assert_int_equal(exec_state_rows(e.x), 2);
    Value l3[] = {vi(3), vts(hms(10, 5, 0))};
    assert_string_equal(et_round2(&e, l, 1, l3, r, 0, NULL), "");
    assert_int_equal(exec_state_rows(e.x), 1);
    assert_int_equal(exec_state_changes(e.x, state_put, &m), 0);
    assert_int_equal(m.n, 1);   /* only (3, 10:05:00) is kept */
    state_free(&m);
    exec_free(e.x);

    /* time not in the join condition: late rows dropped, nothing evicted */
    j = join_plan(&e.r.a, &l, &r, false);
    et_open(&e, j, l, 1, 10 * SEC, false);
    et_round2(&e, l, 2, l1, r, 1, r1);
    assert_int_equal(exec_state_rows(e.x), 3);
    assert_string_equal(et_round2(&e, l, 1, l2, r, 2, r2), exp_rows(&e.r.a, "+1 2 10:00:30 2 10:00:30\n"));
    assert_int_equal(exec_late_rows(e.x), 2);
    assert_int_equal(exec_state_rows(e.x), 4);
    exec_free(e.x);
    run_free(&e.r);
}

/* A long join run: evicted rows are compacted away at state reports, matches keep coming right. */
static void test_join_long_run(void **state) {
    (void)state;
    Et e;
    run_init(&e.r);
    Plan *l, *r;
    Plan *j = join_plan(&e.r.a, &l, &r, true);
    et_open(&e, j, l, 1, 5 * SEC, false);
    StateMap m = {0};
    int per = 50, rounds = 100;
    int64_t matches = 0, peak = 0;
    Value *lv = ARENA_ARRAY(&e.r.a, Value, 2 * (size_t)per), *rv = ARENA_ARRAY(&e.r.a, Value, 2 * (size_t)per);
    for (int q = 0; q < rounds; q++) {
        for (int i = 0; i < per; i++) {
            int64_t t = ((int64_t)q * per + i) * SEC;
            lv[2 * i] = vi((t / SEC) % 10), lv[2 * i + 1] = vts(t);
            /* the right side runs 3 s behind the left: within the delay, every row matches */
            rv[2 * i] = vi((t / SEC + 7) % 10), rv[2 * i + 1] = vts(t - 3 * SEC);
        }
        et_round2(&e, l, per, lv, r, per, rv);
        matches += e.r.sink.n;
        assert_int_equal(exec_state_changes(e.x, state_put, &m), 0);
        assert_int_equal(m.n, exec_state_rows(e.x));
        if (exec_state_rows(e.x) > peak) peak = exec_state_rows(e.x);
    }
    /* every right row matches its left row (those 3 s behind the first left row have none) */
    assert_int_equal(matches, (int64_t)per * rounds - 3);
    assert_int_equal(exec_late_rows(e.x), 0);
    assert_true(peak <= 2 * per + 20);
    state_free(&m);
    exec_free(e.x);
    run_free(&e.r);
}

/* ------------------------------------------------------------ SESSION over a stream */

/* SELECT window_start, window_end, k, COUNT(*) FROM SESSION(src PARTITION BY k, ts, 10 s) GROUP BY ... */
static Plan *session_plan(Arena *a, Plan **leaf) {
    Plan *src = et_stream(a, 2, kt_names, kt_types, 1);
    int part[] = {0};
    Plan *win = mk_window(a, src, WINDOW_SESSION, 1, 10 * SEC, 0, 1, part);
    Expr *groups[] = {col(a, win, 2), col(a, win, 3), col(a, win, 0)};
    AggSpec aggs[] = {agg(AGG_COUNT_STAR, false, NULL)};
    Plan *p = mk_agg(a, win, 3, groups, 1, aggs);
    p->u.agg.window_end_group = 1;
    *leaf = src;
    return p;
}

/*
** Sessions per key merge when a row bridges two, split again when that row
** is retracted, become final when the watermark passes their end (APPEND
** emits them then), and a row whose own session would already be final is
** late.  The UPDATE run restarts from its persisted state midway.
*/
static void test_session_stream(void **state) {
    (void)state;
    for (int append = 0; append < 2; append++) {
        Et e;
        run_init(&e.r);
        Plan *leaf;
        Plan *p = session_plan(&e.r.a, &leaf);
        et_open(&e, p, leaf, 1, 60 * SEC, append);
        Value r1[] = {vi(1), vts(0), vi(1), vts(5 * SEC), vi(2), vts(0)};
        ROUND(&e, 3, r1, append ? "" : "+1 00:00:00 00:00:15 1 2\n+1 00:00:00 00:00:10 2 1\n");
        Value r2[] = {vi(1), vts(20 * SEC)};
        ROUND(&e, 1, r2, append ? "" : "+1 00:00:20 00:00:30 1 1\n");
        assert_int_equal(exec_state_rows(e.x), 4 + 3);   /* 4 rows in the window, 3 groups */
        if (!append) {
            /* restart from the persisted state */
            StateMap m = {0};
            assert_int_equal(exec_state_changes(e.x, state_put, &m), 0);
            int64_t wm = e.wm, maxseen = e.maxseen;
            exec_free(e.x);
            et_open(&e, p, leaf, 1, 60 * SEC, append);
            e.wm = wm;
            e.maxseen = maxseen;
            state_restore(e.x, &m);
            state_free(&m);
            assert_int_equal(exec_state_rows(e.x), 4 + 3);
        }
        /* 00:00:12 bridges [0, 15) and [20, 30): one session [0, 30) */
        const char *merged = "-1 00:00:00 00:00:15 1 2\n-1 00:00:20 00:00:30 1 1\n+1 00:00:00 00:00:30 1 4\n";
        Value r3[] = {vi(1), vts(12 * SEC)};
        ROUND(&e, 1, r3, append ? "" : merged);
        /* ... retracted: they split again */
        int64_t minus[] = {-1};
        assert_string_equal(et_round_w(&e, 1, r3, minus),
                            exp_rows(&e.r.a, append ? "" : "-1 00:00:00 00:00:30 1 4\n+1 00:00:00 00:00:15 1 2\n"
                                                           "+1 00:00:20 00:00:30 1 1\n"));
        ROUND(&e, 1, r3, append ? "" : merged);
        /* 00:01:40 moves the watermark to 00:00:40: [0, 30) and [0, 10) are final */
        Value r4[] = {vi(1), vts(100 * SEC)};
        ROUND(&e, 1, r4,
              append ? "+1 00:00:00 00:00:30 1 4\n+1 00:00:00 00:00:10 2 1\n" : "+1 00:01:40 00:01:50 1 1\n");
        assert_int_equal(exec_state_rows(e.x), 1 + 1);
        /* 00:00:25: its session [25, 35) would be final: late */
        Value r5[] = {vi(1), vts(25 * SEC)};
        ROUND(&e, 1, r5, "");
        assert_int_equal(exec_late_rows(e.x), 1);
        assert_string_equal(e.late.rows[0], "1970-01-01 00:00:25|1970-01-01 00:00:35|1,1970-01-01 00:00:25");
        assert_string_equal(et_end(&e), append ? exp_rows(&e.r.a, "+1 00:01:40 00:01:50 1 1\n") : "");
        assert_int_equal(exec_state_rows(e.x), 0);
        StateMap m = {0};
        assert_int_equal(exec_state_changes(e.x, state_put, &m), 0);
        state_free(&m);
        exec_free(e.x);
        run_free(&e.r);
    }
}

/*
** Sessions are batch-split invariant (no late rows): many keys, rows in
** rough time order, cut into rounds of different sizes, same final result
** as the batch query over the same rows; the state stays bounded.
*/
static void test_session_split_invariance(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    int n = 400;
    Value *g = gen_rows(&a, n, 6, 4 * SEC, 20 * SEC, 0x2545F4914F6CDD1DULL);
    Value *rows = ARENA_ARRAY(&a, Value, 2 * (size_t)n);
    for (int i = 0; i < n; i++) rows[2 * i] = g[3 * i], rows[2 * i + 1] = g[3 * i + 1];
    /* the batch answer */
    Run r;
    run_init(&r);
    Plan *vals = mk_values(&r.a, 2, kt_types, n, rows);
    int part[] = {0};
    Plan *win = mk_window(&r.a, vals, WINDOW_SESSION, 1, 10 * SEC, 0, 1, part);
    Expr *groups[] = {col(&r.a, win, 2), col(&r.a, win, 3), col(&r.a, win, 0)};
    AggSpec aggs[] = {agg(AGG_COUNT_STAR, false, NULL)};
    assert_int_equal(run_batch(&r, mk_agg(&r.a, win, 3, groups, 1, aggs)), 0);
    char *want = strdup(sink_net(&r.sink));
    assert_true(strlen(want) > 200);
    run_free(&r);
    for (int append = 0; append < 2; append++) {
        int splits[] = {1, 9, 400};
        for (int k = 0; k < 3; k++) {
            Et e;
            run_init(&e.r);
            Plan *leaf;
            Plan *p = session_plan(&e.r.a, &leaf);
            et_open(&e, p, leaf, 1, 30 * SEC, append);
            Sink all;
            sink_init(&all);
            int64_t peak = 0;
            for (int base = 0; base < n + splits[k]; base += splits[k]) {
                if (base < n) et_round(&e, n - base < splits[k] ? n - base : splits[k], rows + 2 * (size_t)base);
                else et_end(&e);   /* one round past the rows: the input ends */
                for (int i = 0; i < e.r.sink.n; i++) {
                    if (append) assert_true(e.r.sink.rows[i][0] == '+');
                    if (all.n == all.cap) {
                        all.cap = all.cap ? 2 * all.cap : 64;
                        all.rows = realloc(all.rows, sizeof(char *) * (size_t)all.cap);
                    }
                    all.rows[all.n++] = arena_strdup(&all.a, e.r.sink.rows[i]);
                }
                if (exec_state_rows(e.x) > peak) peak = exec_state_rows(e.x);
            }
            assert_int_equal(exec_late_rows(e.x), 0);
            assert_string_equal(sink_net(&all), want);
            if (splits[k] < 100) assert_true(peak < 100);   /* only open sessions are kept */
            sink_free(&all);
            exec_free(e.x);
            run_free(&e.r);
        }
    }
    free(want);
    arena_free(&a);
}

/* ------------------------------------------------------------ main */

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spark_update_panes),
        cmocka_unit_test(test_spark_update_expanded),
        cmocka_unit_test(test_spark_append_panes),
        cmocka_unit_test(test_spark_append_expanded),
        cmocka_unit_test(test_hop_partly_late),
        cmocka_unit_test(test_tumble_late),
        cmocka_unit_test(test_watermark_never_back),
        cmocka_unit_test(test_hop_every_window),
        cmocka_unit_test(test_batch_split_invariance),
        cmocka_unit_test(test_eviction_persisted),
        cmocka_unit_test(test_long_run_bounded),
        cmocka_unit_test(test_dedup_event_time),
        cmocka_unit_test(test_join_event_time),
        cmocka_unit_test(test_join_long_run),
        cmocka_unit_test(test_session_stream),
        cmocka_unit_test(test_session_split_invariance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
