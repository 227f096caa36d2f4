/*
** Unit tests for event-time planning: the marks of event-time columns
** (planner/event_time.c), scan.watermark_col / watermark_out, and
** agg.window_end_group, set by the binder and kept by every optimizer rule
** (checked by plan_verify, which is exercised here too); and ROW_NUMBER()
** binding with the RowNumberToTopN rule (planner/rules_topn.c).
**
** SQL is parsed and bound against a catalog of:
**   clicks(user_id BIGINT, url TEXT, ts TIMESTAMP)  source, WATERMARK FOR ts AS ts - INTERVAL '10' SECOND
**   nowm(a BIGINT, ts TIMESTAMP)                    source without a watermark
**   users(user_id BIGINT, country TEXT)             in-memory table
**   t(a BIGINT, b TEXT, ts TIMESTAMP)               in-memory table
**   vwin   = SELECT window_start, window_end, url FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE)
**   vshift = SELECT user_id, ts + INTERVAL '1' HOUR AS t1 FROM clicks
**
** Marks are compared as text: a node's output column names with `*` after
** the event-time ones, e.g. "user_id url ts*".
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../planner/optimizer.h"

typedef struct Fx {
    ResultDb *db;
    Catalog *cat;
    Arena arena;
    Err err;
} Fx;

static CatEntry *add_entry(Fx *f, CatKind kind, const char *name, const Column *cols, int n) {
    Schema s = {n, (Column *)cols};
    Err err;
    err_clear(&err);
    CatEntry *e = catalog_add(f->cat, kind, name, &s, &err);
    assert_non_null(e);
    if (kind == CAT_TABLE) {
        e->mem = memtable_new(&e->schema);
        e->rel = memtable_relation(e->mem);
    }
    return e;
}

static void add_view(Fx *f, const char *name, const char *sql) {
    Err err;
    err_clear(&err);
    CatEntry *e = catalog_add(f->cat, CAT_VIEW, name, NULL, &err);
    assert_non_null(e);
    e->sql = arena_strdup(&e->arena, sql);
}

static int setup(void **state) {
    Fx *f = calloc(1, sizeof *f);
    err_clear(&f->err);
    f->db = rdb_open(":memory:", &f->err);
    assert_non_null(f->db);
    f->cat = catalog_new(f->db);
    arena_init(&f->arena, 0);
    static const Column clicks[] = {{"user_id", TYPE_BIGINT, false}, {"url", TYPE_TEXT, false},
                                    {"ts", TYPE_TIMESTAMP, false}};
    static const Column nowm[] = {{"a", TYPE_BIGINT, false}, {"ts", TYPE_TIMESTAMP, false}};
    static const Column users[] = {{"user_id", TYPE_BIGINT, false}, {"country", TYPE_TEXT, false}};
    static const Column t[] = {{"a", TYPE_BIGINT, false}, {"b", TYPE_TEXT, false}, {"ts", TYPE_TIMESTAMP, false}};
    CatEntry *c = add_entry(f, CAT_SOURCE, "clicks", clicks, 3);
    c->watermark_col = 2;
    c->watermark_delay_us = 10 * USEC_PER_SEC;
    add_entry(f, CAT_SOURCE, "nowm", nowm, 2);
    add_entry(f, CAT_TABLE, "users", users, 2);
    add_entry(f, CAT_TABLE, "t", t, 3);
    add_view(f, "vwin", "SELECT window_start, window_end, url FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE)");
    add_view(f, "vshift", "SELECT user_id, ts + INTERVAL '1' HOUR AS t1 FROM clicks");
    *state = f;
    return 0;
}

static int teardown(void **state) {
    Fx *f = *state;
    catalog_free(f->cat);
    rdb_close(f->db);
    arena_free(&f->arena);
    free(f);
    return 0;
}

static PlanCtx ctx(Fx *f, const char *sql) {
    PlanCtx pc = {&f->arena, f->cat, sql, 1700000000LL * USEC_PER_SEC, &f->err};
    return pc;
}

static int bind_sql(Fx *f, const char *sql, Plan **out) {
    AstStmt *st = NULL;
    int next = 0;
    err_clear(&f->err);
    if (parse_next(sql, 0, &f->arena, &st, &next, &f->err) != 0) fail_msg("parse of <%s> failed: %s", sql, f->err.msg);
    assert_non_null(st);
    assert_non_null(st->query);
    PlanCtx pc = ctx(f, sql);
    *out = NULL;
    return plan_query(&pc, st->query, out);
}

/* The binder's plan, which must be sound (marks included). */
static Plan *bind_ok(Fx *f, const char *sql) {
    Plan *p;
    if (bind_sql(f, sql, &p) != 0) fail_msg("bind of <%s> failed: %s", sql, f->err.msg);
    char msg[512];
    if (!plan_verify(p, msg, sizeof msg))
        fail_msg("<%s>: invalid logical plan: %s\n%s", sql, msg, plan_to_text(&f->arena, p, false));
    return p;
}

/* The optimized plan, checked again (release builds do not verify inside optimize). */
static Plan *opt_ok(Fx *f, const char *sql) {
    Plan *p = bind_ok(f, sql);
    PlanCtx pc = ctx(f, sql);
    if (optimize(&pc, &p, NULL) != 0) fail_msg("<%s>: optimize failed: %s", sql, f->err.msg);
    char msg[512];
    if (!plan_verify(p, msg, sizeof msg))
        fail_msg("<%s>: invalid optimized plan: %s\n%s", sql, msg, plan_to_text(&f->arena, p, false));
    return p;
}

static void bind_fails(Fx *f, const char *sql, const char *msg, const char *at) {
    Plan *p;
    if (bind_sql(f, sql, &p) == 0) fail_msg("bind of <%s> succeeded, expected: %s", sql, msg);
    if (strcmp(f->err.msg, msg) != 0) fail_msg("<%s>: got \"%s\", expected \"%s\"", sql, f->err.msg, msg);
    const char *hit = strstr(sql, at);
    assert_non_null(hit);
    if (f->err.offset != (int)(hit - sql))
        fail_msg("<%s>: error at offset %d, expected %d", sql, f->err.offset, (int)(hit - sql));
}

/* "name name* ...": output names, event-time ones starred. */
static const char *marks(Fx *f, const Plan *p) {
    char buf[512];
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < p->schema.ncols && n < sizeof buf - 64; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s%s", i ? " " : "", p->schema.cols[i].name,
                              p->schema.cols[i].event_time ? "*" : "");
    return arena_strdup(&f->arena, buf);
}

/* The first node of `kind` in pre-order (node, left, right), or NULL. */
static Plan *find(Plan *p, PlanKind kind) {
    if (!p) return NULL;
    if (p->kind == kind) return p;
    Plan *l = find(p->left, kind);
    return l ? l : find(p->right, kind);
}

static int count_kind(const Plan *p, PlanKind kind) {
    if (!p) return 0;
    return (p->kind == kind) + count_kind(p->left, kind) + count_kind(p->right, kind);
}

/* Every scan in the tree keeps its watermark column and points at it. */
static void check_scans(const Plan *p) {
    if (!p) return;
    if (p->kind == PLAN_SCAN && p->u.scan.streaming && p->u.scan.watermark_col >= 0) {
        assert_true(p->u.scan.watermark_out >= 0);
        assert_int_equal(p->u.scan.proj[p->u.scan.watermark_out], p->u.scan.watermark_col);
        assert_true(p->schema.cols[p->u.scan.watermark_out].event_time);
    }
    check_scans(p->left);
    check_scans(p->right);
}

/* The window_end group of the plan's (first) aggregate, bound and optimized: both must agree. */
static int weg(Fx *f, const char *sql) {
    Plan *b = find(bind_ok(f, sql), PLAN_AGGREGATE);
    Plan *o = find(opt_ok(f, sql), PLAN_AGGREGATE);
    assert_non_null(b);
    assert_non_null(o);
    assert_int_equal(b->u.agg.window_end_group, o->u.agg.window_end_group);
    return o->u.agg.window_end_group;
}

/* ------------------------------------------------------------------ marks */

static void test_scan_marks(void **state) {
    Fx *f = *state;
    Plan *p = bind_ok(f, "SELECT * FROM clicks;");
    assert_string_equal(marks(f, p), "user_id url ts*");
    Plan *s = find(p, PLAN_SCAN);
    assert_int_equal(s->u.scan.watermark_col, 2);
    assert_int_equal(s->u.scan.watermark_delay_us, 10 * USEC_PER_SEC);
    assert_int_equal(s->u.scan.watermark_out, 2);
    assert_string_equal(marks(f, s), "user_id url ts*");

    /* no WATERMARK, or a table: nothing is event time */
    s = find(bind_ok(f, "SELECT * FROM nowm;"), PLAN_SCAN);
    assert_string_equal(marks(f, s), "a ts");
    assert_int_equal(s->u.scan.watermark_col, -1);
    assert_int_equal(s->u.scan.watermark_out, -1);
    s = find(bind_ok(f, "SELECT * FROM t;"), PLAN_SCAN);
    assert_string_equal(marks(f, s), "a b ts");
    assert_int_equal(s->u.scan.watermark_out, -1);
}

static void test_projection_marks(void **state) {
    Fx *f = *state;
    const char *sql = "SELECT ts AS x, ts + INTERVAL '5' SECOND AS y, ts - INTERVAL '1' HOUR AS z, "
                      "INTERVAL '1' MINUTE + ts AS w, date_trunc('hour', ts) AS h, "
                      "ts + INTERVAL '1' HOUR - INTERVAL '1' MINUTE AS nested, "
                      "ts + (INTERVAL '1' HOUR + INTERVAL '1' HOUR) AS folded, "
                      "ts + (ts - ts) AS not_constant, CAST(ts AS TEXT) AS s, ts - ts AS diff, "
                      "user_id, now() AS n FROM clicks;";
    const char *want = "x* y* z* w* h* nested* folded* not_constant s diff user_id n";
    assert_string_equal(marks(f, bind_ok(f, sql)), want);
    /* folding and pruning keep every mark */
    assert_string_equal(marks(f, opt_ok(f, sql)), want);

    /* through a view and a subquery, under other names */
    assert_string_equal(marks(f, bind_ok(f, "SELECT t1 AS again, user_id FROM vshift;")), "again* user_id");
    assert_string_equal(marks(f, opt_ok(f, "SELECT q.t2 + INTERVAL '1' SECOND AS t3 FROM "
                                           "(SELECT t1 AS t2 FROM vshift WHERE user_id > 1) q;")),
                        "t3*");
    /* filters, sorts, limits, DISTINCT pass marks on */
    assert_string_equal(marks(f, opt_ok(f, "SELECT DISTINCT ts, url FROM clicks WHERE url <> 'x' ORDER BY ts LIMIT 5;")),
                        "ts* url");
}

static void test_window_marks(void **state) {
    Fx *f = *state;
    Plan *w = find(bind_ok(f, "SELECT * FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE);"), PLAN_WINDOW);
    assert_string_equal(marks(f, w), "user_id url ts* window_start* window_end*");
    w = find(bind_ok(f, "SELECT * FROM HOP(clicks, ts, INTERVAL '10' SECOND, INTERVAL '1' MINUTE);"), PLAN_WINDOW);
    assert_string_equal(marks(f, w), "user_id url ts* window_start* window_end*");
    w = find(bind_ok(f, "SELECT * FROM SESSION(clicks PARTITION BY user_id, ts, INTERVAL '1' MINUTE);"), PLAN_WINDOW);
    assert_string_equal(marks(f, w), "user_id url ts* window_start* window_end*");
    /* a window over a column that is not event time is not either */
    w = find(bind_ok(f, "SELECT * FROM TUMBLE(t, ts, INTERVAL '1' MINUTE);"), PLAN_WINDOW);
    assert_string_equal(marks(f, w), "a b ts window_start window_end");
    w = find(bind_ok(f, "SELECT * FROM TUMBLE(nowm, ts, INTERVAL '1' MINUTE);"), PLAN_WINDOW);
    assert_string_equal(marks(f, w), "a ts window_start window_end");
    /* a window over a shifted event-time column of a view */
    w = find(bind_ok(f, "SELECT * FROM TUMBLE(vshift, t1, INTERVAL '1' MINUTE);"), PLAN_WINDOW);
    assert_string_equal(marks(f, w), "user_id t1* window_start* window_end*");
}

static void test_join_marks(void **state) {
    Fx *f = *state;
    const char *sql = "SELECT c.ts, u.country, c.url FROM clicks c JOIN users u ON c.user_id = u.user_id;";
    Plan *j = find(bind_ok(f, sql), PLAN_JOIN);
    assert_string_equal(marks(f, j), "user_id url ts* user_id country");
    Plan *p = opt_ok(f, sql);
    assert_string_equal(marks(f, p), "ts* country url");
    j = find(p, PLAN_JOIN);
    assert_non_null(j);
    assert_int_equal(j->u.join.nkeys, 1);
    check_scans(p);
    /* the table side of a join carries no mark, even for a TIMESTAMP */
    assert_string_equal(marks(f, opt_ok(f, "SELECT t.ts, c.ts FROM t JOIN clicks c ON t.a = c.user_id;")), "ts ts*");
}

/* ------------------------------------------------------------------ window_end_group */

static void test_window_end_group(void **state) {
    Fx *f = *state;
    const char *tumble = " FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE)";
    char sql[512];
#define Q(...) (snprintf(sql, sizeof sql, __VA_ARGS__), sql)
    assert_int_equal(weg(f, Q("SELECT window_start, window_end, url, count(*)%s GROUP BY window_start, window_end, url;",
                              tumble)),
                     1);
    assert_int_equal(weg(f, Q("SELECT count(*)%s GROUP BY url, window_start, window_end;", tumble)), 2);
    assert_int_equal(weg(f, Q("SELECT count(*)%s GROUP BY window_end, url;", tumble)), 0);
    /* failing a window_end, the first event-time group */
    assert_int_equal(weg(f, Q("SELECT count(*)%s GROUP BY url, window_start;", tumble)), 1);
    assert_int_equal(weg(f, "SELECT count(*) FROM clicks GROUP BY url, date_trunc('minute', ts);"), 1);
    assert_int_equal(weg(f, "SELECT count(*) FROM clicks GROUP BY ts, url;"), 0);
    /* no event-time group */
    assert_int_equal(weg(f, Q("SELECT count(*)%s GROUP BY url;", tumble)), -1);
    assert_int_equal(weg(f, "SELECT count(*) FROM clicks;"), -1);
    assert_int_equal(weg(f, "SELECT count(*) FROM TUMBLE(t, ts, INTERVAL '1' MINUTE) GROUP BY window_end;"), -1);
    /* DISTINCT is an aggregate too */
    assert_int_equal(weg(f, Q("SELECT DISTINCT url, window_end%s;", tumble)), 1);
    /* a shifted window_end is event time but no longer the window's end */
    assert_int_equal(weg(f, Q("SELECT count(*) FROM (SELECT window_start, window_end - INTERVAL '1' SECOND AS e%s) "
                              "GROUP BY window_start, e;",
                              tumble)),
                     0);
    assert_int_equal(weg(f, Q("SELECT count(*) FROM (SELECT window_start, window_end AS e%s) GROUP BY window_start, e;",
                              tumble)),
                     1);
}

static void test_window_end_group_through(void **state) {
    Fx *f = *state;
    /* a view, renamed */
    assert_int_equal(weg(f, "SELECT url, we, count(*) FROM (SELECT url, window_end AS we FROM vwin) GROUP BY url, we;"),
                     1);
    assert_int_equal(weg(f, "SELECT window_start, url, count(*) FROM vwin GROUP BY url, window_start;"), 1);
    /* a join with a table, the window on the left */
    const char *join = "SELECT u.country, w.window_end, count(*) FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE) w "
                       "JOIN users u ON w.user_id = u.user_id GROUP BY u.country, w.window_end;";
    assert_int_equal(weg(f, join), 1);
    /* ... and on the right */
    assert_int_equal(weg(f, "SELECT w.window_end, count(*) FROM users u JOIN vwin w ON u.country = w.url "
                            "GROUP BY u.country, w.window_start, w.window_end;"),
                     2);
    /* a window over a joined subquery */
    assert_int_equal(weg(f, "SELECT window_end, count(*) FROM TUMBLE((SELECT c.ts, u.country FROM clicks c JOIN users "
                            "u ON c.user_id = u.user_id), ts, INTERVAL '1' HOUR) GROUP BY country, window_end;"),
                     1);
    /* an aggregate over an aggregate keeps the inner window_end */
    Plan *p = opt_ok(f, "SELECT we, max(n) FROM (SELECT window_end AS we, url, count(*) AS n FROM vwin "
                        "GROUP BY url, window_end) GROUP BY we;");
    assert_int_equal(p->kind, PLAN_AGGREGATE);
    assert_int_equal(p->u.agg.window_end_group, 0);
    assert_int_equal(find(p->left, PLAN_AGGREGATE)->u.agg.window_end_group, 1);
    /* AVG is rewritten into SUM / COUNT: the groups, and the index, stay */
    p = opt_ok(f, "SELECT url, window_end, avg(user_id) FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE) "
                  "GROUP BY url, window_end;");
    assert_int_equal(find(p, PLAN_AGGREGATE)->u.agg.window_end_group, 1);
    assert_string_equal(marks(f, p), "url window_end* avg(user_id)");
}

/* ------------------------------------------------------------------ watermark columns and pruning */

static void test_watermark_pruning(void **state) {
    Fx *f = *state;
    /* nobody reads ts, but the streaming scan still does: the runtime computes the watermark from it */
    Plan *p = opt_ok(f, "SELECT url FROM clicks;");
    Plan *s = find(p, PLAN_SCAN);
    assert_int_equal(s->u.scan.nproj, 2);
    assert_int_equal(s->u.scan.proj[0], 1);
    assert_int_equal(s->u.scan.proj[1], 2);
    assert_int_equal(s->u.scan.watermark_out, 1);
    assert_string_equal(marks(f, p), "url");
    assert_string_equal(plan_to_text(&f->arena, p, true),
                        "Project [#0]\n  TableScan clicks columns=[url, ts] streaming watermark=#1 - INTERVAL '00:00:10'\n");

    s = find(opt_ok(f, "SELECT count(*) FROM clicks;"), PLAN_SCAN);
    assert_int_equal(s->u.scan.nproj, 1);
    assert_int_equal(s->u.scan.watermark_out, 0);

    /* reordered by a projection merged into the scan */
    p = opt_ok(f, "SELECT ts, user_id FROM clicks;");
    assert_int_equal(p->kind, PLAN_SCAN);
    assert_int_equal(p->u.scan.watermark_out, 0);
    assert_string_equal(marks(f, p), "ts* user_id");

    /* a pushed filter, a window, a join: the watermark column survives everything */
    const char *sqls[] = {
        "SELECT user_id FROM clicks WHERE url LIKE 'x%';",
        "SELECT window_end, count(*) FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE) GROUP BY window_end;",
        "SELECT u.country FROM clicks c JOIN users u ON c.user_id = u.user_id;",
        "SELECT country FROM users u JOIN (SELECT user_id FROM clicks) c ON c.user_id = u.user_id;",
        "SELECT 1 FROM clicks;",
        "SELECT user_id FROM (SELECT user_id, row_number() OVER (PARTITION BY url ORDER BY user_id) AS rn FROM clicks) "
        "WHERE rn <= 2;",
    };
    for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++) check_scans(opt_ok(f, sqls[i]));

    /* a table's scan is pruned to what is read, TIMESTAMP or not */
    s = find(opt_ok(f, "SELECT a FROM t;"), PLAN_SCAN);
    assert_int_equal(s->u.scan.nproj, 1);
    assert_int_equal(s->u.scan.watermark_out, -1);
}

/* ------------------------------------------------------------------ plan_verify */

static void test_verify_checks_marks(void **state) {
    Fx *f = *state;
    char msg[512];
    const char *sql = "SELECT window_end, url, count(*) FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE) "
                      "GROUP BY url, window_end;";
    Plan *p = opt_ok(f, sql);
    assert_true(plan_verify(p, msg, sizeof msg));
    Plan *agg = find(p, PLAN_AGGREGATE);

    /* a mark lost in a schema */
    Schema saved = agg->schema;
    agg->schema = opt_schema_copy(&f->arena, &saved);
    agg->schema.cols[1].event_time = false;
    assert_false(plan_verify(p, msg, sizeof msg));
    assert_non_null(strstr(msg, "is not marked as event time, derived event time"));
    /* a mark where none belongs */
    agg->schema = opt_schema_copy(&f->arena, &saved);
    agg->schema.cols[0].event_time = true;
    assert_false(plan_verify(p, msg, sizeof msg));
    agg->schema = saved;
    assert_true(plan_verify(p, msg, sizeof msg));

    /* a wrong window_end group */
    agg->u.agg.window_end_group = 0;
    assert_false(plan_verify(p, msg, sizeof msg));
    assert_non_null(strstr(msg, "window_end_group is 0, derived 1"));
    agg->u.agg.window_end_group = 1;

    /* the watermark column pruned from a streaming scan, or pointed at wrongly */
    Plan *s = find(p, PLAN_SCAN);
    int wm = s->u.scan.watermark_out;
    s->u.scan.watermark_out = -1;
    assert_false(plan_verify(p, msg, sizeof msg));
    s->u.scan.watermark_out = wm;
    int *proj = s->u.scan.proj;
    s->u.scan.proj = ARENA_ARRAY(&f->arena, int, s->u.scan.nproj);
    memcpy(s->u.scan.proj, proj, sizeof(int) * (size_t)s->u.scan.nproj);
    s->u.scan.proj[wm] = 0;   /* now reads user_id (a BIGINT: the type check fires first if it differs) */
    assert_false(plan_verify(p, msg, sizeof msg));
    s->u.scan.proj = proj;
    assert_true(plan_verify(p, msg, sizeof msg));

    /* the binder's plan of a projection: a mark dropped from a project's schema */
    p = bind_ok(f, "SELECT ts + INTERVAL '1' SECOND AS x FROM clicks;");
    p->schema.cols[0].event_time = false;
    assert_false(plan_verify(p, msg, sizeof msg));
    assert_non_null(strstr(msg, "Project: output column 0 (x)"));
}

/* ------------------------------------------------------------------ EXPLAIN */

static void test_explain_marks(void **state) {
    Fx *f = *state;
    Plan *p = bind_ok(f, "SELECT window_end, url, count(*) AS n, max(ts) + INTERVAL '1' SECOND AS m "
                         "FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE) GROUP BY url, window_end;");
    PlanCtx pc = ctx(f, "");
    char *out;
    assert_int_equal(plan_explain(&pc, &p, &out), 0);
    assert_string_equal(out,
                        "== Logical Plan ==\n"
                        "Project [window_end*, url, count(*) AS n, max(ts) + INTERVAL '00:00:01' AS m]\n"
                        "  Aggregate [url, window_end*] [count(*), max(ts)] window_end=#1\n"
                        "    Window TUMBLE(ts*, INTERVAL '00:01:00')\n"
                        "      Scan clicks [user_id, url, ts*] streaming watermark=ts - INTERVAL '00:00:10'\n"
                        "== Optimized Plan ==\n"
                        "Project [window_end*, url, count(*) AS n, max(ts) + INTERVAL '00:00:01' AS m]\n"
                        "  Aggregate [url, window_end*] [count(*), max(ts)] window_end=#1\n"
                        "    Window TUMBLE(ts*, INTERVAL '00:01:00')\n"
                        "      Scan clicks [url, ts*] streaming watermark=ts - INTERVAL '00:00:10'\n"
                        "== Rules Fired ==\n"
                        "Pruning/ColumnPruning\n"
                        "== Physical Plan ==\n"
                        "Project [#1, #0, #2, #3 + INTERVAL '00:00:01']\n"
                        "  HashAggregate keys=[#0, #3] aggs=[count_star(), max(#1)] window_end=#1\n"
                        "    Window TUMBLE(#1, INTERVAL '00:01:00')\n"
                        "      TableScan clicks columns=[url, ts] streaming watermark=#1 - INTERVAL '00:00:10'\n");
    /* computed event-time keys are parenthesized before the marker */
    p = opt_ok(f, "SELECT count(*) FROM clicks GROUP BY ts + INTERVAL '1' HOUR, date_trunc('hour', ts);");
    assert_string_equal(plan_to_text(&f->arena, find(p, PLAN_AGGREGATE), false),
                        "Aggregate [(ts + INTERVAL '01:00:00')*, date_trunc('hour', ts)*] [count(*)] window_end=#0\n"
                        "  Scan clicks [ts*] streaming watermark=ts - INTERVAL '00:00:10'\n");
}

/* ------------------------------------------------------------------ ROW_NUMBER */

static void test_row_number_bind(void **state) {
    Fx *f = *state;
    Plan *p = bind_ok(f, "SELECT url, row_number() OVER (PARTITION BY url ORDER BY ts DESC) AS rn FROM clicks;");
    assert_int_equal(p->kind, PLAN_PROJECT);
    assert_string_equal(marks(f, p), "url rn");
    Plan *rn = p->left;
    assert_int_equal(rn->kind, PLAN_ROWNUMBER);
    assert_int_equal(rn->u.topn.limit, -1);
    assert_int_equal(rn->u.topn.npartition, 1);
    assert_int_equal(rn->u.topn.partition[0]->col, 1);
    assert_int_equal(rn->u.topn.nkeys, 1);
    assert_int_equal(rn->u.topn.keys[0].expr->col, 2);
    assert_true(rn->u.topn.keys[0].desc);
    assert_true(rn->u.topn.keys[0].nulls_first);
    assert_string_equal(marks(f, rn), "user_id url ts* row_number");
    assert_int_equal(p->u.project.exprs[1]->kind, EXPR_COLUMN);
    assert_int_equal(p->u.project.exprs[1]->col, 3);
    assert_int_equal(p->u.project.exprs[1]->type, TYPE_BIGINT);

    /* the same call twice is one node; another call is another, stacked; in expressions and ORDER BY */
    p = bind_ok(f, "SELECT row_number() OVER (ORDER BY ts) * 10 AS a, ROW_NUMBER() OVER (ORDER BY ts) AS b, "
                   "row_number() OVER (PARTITION BY user_id ORDER BY url NULLS FIRST) AS c FROM clicks "
                   "ORDER BY row_number() OVER (ORDER BY url);");
    assert_int_equal(count_kind(p, PLAN_ROWNUMBER), 3);
    Plan *top = find(p, PLAN_ROWNUMBER);
    assert_int_equal(top->schema.ncols, 6);
    assert_int_equal(top->left->left->left->kind, PLAN_SCAN);
    assert_true(find(p, PLAN_SORT) != NULL);

    /* grouped: ranks groups by an aggregate */
    p = bind_ok(f, "SELECT url, count(*) AS n, row_number() OVER (ORDER BY count(*) DESC, max(user_id)) AS r "
                   "FROM clicks GROUP BY url;");
    rn = find(p, PLAN_ROWNUMBER);
    assert_int_equal(rn->left->kind, PLAN_AGGREGATE);
    assert_int_equal(rn->left->u.agg.naggs, 2);
    assert_int_equal(rn->u.topn.keys[0].expr->col, 1);
    assert_int_equal(rn->u.topn.keys[1].expr->col, 2);
    assert_int_equal(p->u.project.exprs[2]->col, 3);
    /* an aggregate only inside OVER makes the query grouped */
    p = bind_ok(f, "SELECT row_number() OVER (ORDER BY sum(user_id)) FROM clicks;");
    assert_non_null(find(p, PLAN_AGGREGATE));

    bind_fails(f, "SELECT rank() OVER (ORDER BY ts) FROM clicks;", "window function \"rank\" is not supported yet",
               "rank");
    bind_fails(f, "SELECT url FROM clicks WHERE row_number() OVER () = 1;", "window functions are not allowed in WHERE",
               "row_number");
    bind_fails(f, "SELECT count(*) FROM clicks GROUP BY row_number() OVER ();",
               "window functions are not allowed in GROUP BY", "row_number");
    bind_fails(f, "SELECT url FROM clicks GROUP BY url HAVING row_number() OVER () > 1;",
               "window functions are not allowed in HAVING", "row_number");
    bind_fails(f, "SELECT sum(row_number() OVER ()) FROM clicks;",
               "aggregate function calls cannot contain window function calls", "row_number");
    bind_fails(f, "SELECT row_number() OVER (ORDER BY row_number() OVER ()) FROM clicks;",
               "window function calls cannot be nested", "row_number() OVER ()");
    bind_fails(f, "SELECT row_number(1) OVER () FROM clicks;", "row_number() takes no arguments", "row_number");
    bind_fails(f, "SELECT row_number() OVER (PARTITION BY nope) FROM clicks;", "column \"nope\" does not exist", "nope");
    bind_fails(f, "SELECT url, row_number() OVER (ORDER BY ts) FROM clicks GROUP BY url;",
               "column \"ts\" must appear in the GROUP BY clause or be used in an aggregate function", "ts)");
    bind_fails(f, "SELECT * FROM clicks c JOIN users u ON row_number() OVER () = 1;",
               "window functions are not allowed in JOIN conditions", "row_number");
}

/* The TopN node of the optimized plan (asserting there is no row number or filter on rn left). */
static Plan *topn_of(Fx *f, const char *sql) {
    Plan *p = opt_ok(f, sql);
    Plan *t = find(p, PLAN_TOPN);
    if (!t) fail_msg("<%s>: no top-N in\n%s", sql, plan_to_text(&f->arena, p, false));
    assert_int_equal(count_kind(p, PLAN_ROWNUMBER), 0);
    return t;
}

static void test_row_number_to_topn(void **state) {
    Fx *f = *state;
    const char *inner = "(SELECT url, user_id, row_number() OVER (PARTITION BY url ORDER BY user_id DESC) AS rn "
                        "FROM clicks)";
    char sql[512];
    static const struct {
        const char *where;
        int64_t limit;
    } cases[] = {
        {"rn <= 3", 3}, {"rn < 3", 2},  {"rn = 1", 1},           {"3 >= rn", 3},
        {"2 > rn", 1},  {"rn <= 0", 0}, {"rn <= 2 AND rn <= 5", 2}, {"rn <= 1 + 1", 2},
        {"rn < -4", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(sql, sizeof sql, "SELECT url, user_id, rn FROM %s WHERE %s;", inner, cases[i].where);
        Plan *t = topn_of(f, sql);
        if (t->u.topn.limit != cases[i].limit)
            fail_msg("<%s>: limit %lld, expected %lld", sql, (long long)t->u.topn.limit, (long long)cases[i].limit);
        assert_int_equal(count_kind(opt_ok(f, sql), PLAN_FILTER), 0);
    }

    /* a conjunct on the partition key moves below; one on another column stays above */
    snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE rn <= 2 AND url = 'x' AND user_id > 5;", inner);
    Plan *p = opt_ok(f, sql);
    assert_string_equal(plan_to_text(&f->arena, p, false),
                        "Project [url, user_id, row_number AS rn]\n"
                        "  Filter (user_id > 5)\n"
                        "    TopN limit=2 partition=[url] order=[user_id DESC]\n"
                        "      Scan clicks [user_id, url, ts*] filter=(url = 'x') streaming watermark=ts - INTERVAL "
                        "'00:00:10'\n");

    /* not a top-N: the filter stays over the row number */
    const char *keep[] = {"rn > 1", "rn = 2", "rn <= user_id", "rn <= 2 OR url = 'x'"};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        snprintf(sql, sizeof sql, "SELECT url FROM %s WHERE %s;", inner, keep[i]);
        p = opt_ok(f, sql);
        assert_int_equal(count_kind(p, PLAN_TOPN), 0);
        assert_int_equal(count_kind(p, PLAN_ROWNUMBER), 1);
    }

    /* a row number nobody reads is pruned away */
    snprintf(sql, sizeof sql, "SELECT url FROM %s;", inner);
    assert_int_equal(count_kind(opt_ok(f, sql), PLAN_ROWNUMBER), 0);

    /* the two-stage "top 3 per window" pattern keeps the window_end group and the marks */
    p = opt_ok(f, "SELECT * FROM (SELECT window_start, url, n, row_number() OVER (PARTITION BY window_start "
                  "ORDER BY n DESC) AS rn FROM (SELECT window_start, window_end, url, count(*) AS n FROM "
                  "TUMBLE(clicks, ts, INTERVAL '1' MINUTE) GROUP BY window_start, window_end, url)) WHERE rn <= 3;");
    assert_string_equal(marks(f, p), "window_start* url n rn");
    Plan *t = find(p, PLAN_TOPN);
    assert_int_equal(t->u.topn.limit, 3);
    assert_int_equal(find(p, PLAN_AGGREGATE)->u.agg.window_end_group, 1);
    assert_string_equal(plan_to_text(&f->arena, p, true),
                        "TopN limit=3 partition=[#0] order=[#2 DESC]\n"
                        "  Project [#0, #2, #3]\n"
                        "    HashAggregate keys=[#2, #3, #0] aggs=[count_star()] window_end=#1\n"
                        "      Window TUMBLE(#1, INTERVAL '00:01:00')\n"
                        "        TableScan clicks columns=[url, ts] streaming watermark=#1 - INTERVAL '00:00:10'\n");

    /* written in one query: rank groups by their count */
    t = topn_of(f, "SELECT * FROM (SELECT url, count(*) AS n, row_number() OVER (ORDER BY count(*) DESC) AS r "
                   "FROM clicks GROUP BY url) WHERE r <= 10;");
    assert_int_equal(t->u.topn.limit, 10);
    assert_int_equal(t->u.topn.npartition, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_marks),
        cmocka_unit_test(test_projection_marks),
        cmocka_unit_test(test_window_marks),
        cmocka_unit_test(test_join_marks),
        cmocka_unit_test(test_window_end_group),
        cmocka_unit_test(test_window_end_group_through),
        cmocka_unit_test(test_watermark_pruning),
        cmocka_unit_test(test_verify_checks_marks),
        cmocka_unit_test(test_explain_marks),
        cmocka_unit_test(test_row_number_bind),
        cmocka_unit_test(test_row_number_to_topn),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
