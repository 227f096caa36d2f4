/*
** Unit tests for the binder (planner/bind_query.c, planner/bind_expr.c):
** SQL is parsed with parse_next() and bound with plan_query() against a
** catalog holding in-memory tables, a source, views and a sink over an
** in-memory results database; the tests check plan shapes, types, output
** names, lowered expressions, and error messages with their offsets.
**
** Objects:
**   t(a BIGINT, b TEXT, c DOUBLE, ts TIMESTAMP)     in-memory table
**   u(a BIGINT, d TEXT)                             in-memory table
**   clicks(user_id BIGINT, url TEXT, ts TIMESTAMP)  source
**   v = SELECT a, b FROM t WHERE a > 1              view
**   loop1 -> loop2 -> loop1                         views that refer to each other
**   out                                             sink
**   r(x BIGINT, y TEXT)                             table of the results database
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../exec/functions.h"
#include "../../planner/planner.h"

typedef struct Fx {
    ResultDb *db;
    Catalog *cat;
    Arena arena;
    Err err;
    const char *sql;
} Fx;

static void add_table(Fx *f, CatKind kind, const char *name, const Column *cols, int n) {
    Schema s = {n, (Column *)cols};
    Err err;
    err_clear(&err);
    CatEntry *e = catalog_add(f->cat, kind, name, &s, &err);
    assert_non_null(e);
    if (kind == CAT_TABLE) {
        e->mem = memtable_new(&e->schema);
        e->rel = memtable_relation(e->mem);
    }
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
    static const Column t[] = {{"a", TYPE_BIGINT}, {"b", TYPE_TEXT}, {"c", TYPE_DOUBLE}, {"ts", TYPE_TIMESTAMP}};
    static const Column u[] = {{"a", TYPE_BIGINT}, {"d", TYPE_TEXT}};
    static const Column clicks[] = {{"user_id", TYPE_BIGINT}, {"url", TYPE_TEXT}, {"ts", TYPE_TIMESTAMP}};
    static const Column r[] = {{"x", TYPE_BIGINT}, {"y", TYPE_TEXT}};
    add_table(f, CAT_TABLE, "t", t, 4);
    add_table(f, CAT_TABLE, "u", u, 2);
    add_table(f, CAT_SOURCE, "clicks", clicks, 3);
    add_table(f, CAT_SINK, "out", NULL, 0);
    add_view(f, "v", "SELECT a, b FROM t WHERE a > 1");
    add_view(f, "loop1", "SELECT * FROM loop2");
    add_view(f, "loop2", "SELECT * FROM loop1");
    add_view(f, "badview", "SELECT nope FROM t");
    Schema rs = {2, (Column *)r};
    assert_int_equal(rdb_create_table(f->db, "r", &rs, false, &f->err), 0);
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

/* Parse and bind `sql`; returns plan_query's result (the parse must succeed). */
static int bind(Fx *f, const char *sql, Plan **out) {
    AstStmt *st = NULL;
    int next = 0;
    err_clear(&f->err);
    f->sql = sql;
    int rc = parse_next(sql, 0, &f->arena, &st, &next, &f->err);
    if (rc != 0) fail_msg("parse of <%s> failed: %s", sql, f->err.msg);
    assert_non_null(st);
    assert_non_null(st->query);
    PlanCtx pc = {&f->arena, f->cat, sql, 0, &f->err};
    *out = NULL;
    return plan_query(&pc, st->query, out);
}

static Plan *bind_ok(Fx *f, const char *sql) {
    Plan *p;
    if (bind(f, sql, &p) != 0) fail_msg("bind of <%s> failed: %s", sql, f->err.msg);
    assert_non_null(p);
    assert_false(f->err.set);
    return p;
}

/* Bind must fail with exactly `msg`, at the offset of the first occurrence of `at` in the SQL (NULL: any). */
static void bind_fails(Fx *f, const char *sql, const char *msg, const char *at) {
    Plan *p;
    if (bind(f, sql, &p) == 0) fail_msg("bind of <%s> succeeded, expected: %s", sql, msg);
    assert_true(f->err.set);
    if (strcmp(f->err.msg, msg) != 0) fail_msg("<%s>: got \"%s\", expected \"%s\"", sql, f->err.msg, msg);
    if (at) {
        const char *hit = strstr(sql, at);
        assert_non_null(hit);
        if (f->err.offset != (int)(hit - sql))
            fail_msg("<%s>: error \"%s\" at offset %d, expected %d", sql, msg, f->err.offset, (int)(hit - sql));
    }
}

static void check_names(const Plan *p, const char *const *names, int n) {
    assert_int_equal(p->schema.ncols, n);
    for (int i = 0; i < n; i++) assert_string_equal(p->schema.cols[i].name, names[i]);
}

static const Expr *proj(const Plan *p, int i) {
    assert_int_equal(p->kind, PLAN_PROJECT);
    assert_int_equal(p->u.project.n, p->schema.ncols);
    assert_true(i < p->u.project.n);
    return p->u.project.exprs[i];
}

static void is_col(const Expr *e, int col, Type t) {
    assert_int_equal(e->kind, EXPR_COLUMN);
    assert_int_equal(e->col, col);
    assert_int_equal(e->type, t);
}

static void is_call(const Expr *e, const char *fn, Type t, int nargs) {
    assert_int_equal(e->kind, EXPR_CALL);
    assert_non_null(e->fn);
    assert_string_equal(e->fn->name, fn);
    assert_int_equal(e->type, t);
    assert_int_equal(e->nargs, nargs);
}

/* ------------------------------------------------------------------ shapes */

static void test_scan_filter_project(void **state) {
    Fx *f = *state;
    Plan *p = bind_ok(f, "SELECT a, b AS name, c * 2 FROM t WHERE a > 1;");
    const char *names[] = {"a", "name", "c * 2"};
    check_names(p, names, 3);
    is_col(proj(p, 0), 0, TYPE_BIGINT);
    is_col(proj(p, 1), 1, TYPE_TEXT);
    const Expr *m = proj(p, 2);
    is_call(m, "*", TYPE_DOUBLE, 2);
    is_col(m->args[0], 2, TYPE_DOUBLE);
    /* the BIGINT literal was converted to DOUBLE at bind time */
    assert_int_equal(m->args[1]->kind, EXPR_CONST);
    assert_int_equal(m->args[1]->type, TYPE_DOUBLE);
    assert_true(m->args[1]->value.u.d == 2.0);

    Plan *fl = p->left;
    assert_int_equal(fl->kind, PLAN_FILTER);
    is_call(fl->u.filter.pred, ">", TYPE_BOOL, 2);
    is_col(fl->u.filter.pred->args[0], 0, TYPE_BIGINT);
    assert_int_equal(fl->u.filter.pred->args[1]->kind, EXPR_CONST);
    assert_int_equal(fl->u.filter.pred->args[1]->value.u.i, 1);
    assert_int_equal(fl->schema.ncols, 4);

    Plan *s = fl->left;
    assert_int_equal(s->kind, PLAN_SCAN);
    assert_non_null(s->u.scan.rel);
    assert_false(s->u.scan.streaming);
    assert_string_equal(s->u.scan.table, "t");
    assert_null(s->u.scan.filter);
    assert_int_equal(s->u.scan.nproj, 4);
    for (int i = 0; i < 4; i++) assert_int_equal(s->u.scan.proj[i], i);
    const char *tn[] = {"a", "b", "c", "ts"};
    check_names(s, tn, 4);
    assert_int_equal(s->schema.cols[3].type, TYPE_TIMESTAMP);
}

static void test_no_from(void **state) {
    Fx *f = *state;
    Plan *p = bind_ok(f, "SELECT 1 + 1, 'x' AS s, NULL AS n;");
    assert_int_equal(p->kind, PLAN_PROJECT);
    is_call(proj(p, 0), "+", TYPE_BIGINT, 2);
    assert_int_equal(proj(p, 1)->type, TYPE_TEXT);
    /* a NULL without context is typed TEXT */
    assert_int_equal(proj(p, 2)->kind, EXPR_CONST);
    assert_int_equal(proj(p, 2)->type, TYPE_TEXT);
    assert_true(proj(p, 2)->value.null);
    Plan *v = p->left;
    assert_int_equal(v->kind, PLAN_VALUES);
    assert_int_equal(v->u.values.nrows, 1);
    assert_int_equal(v->schema.ncols, 0);
    bind_fails(f, "SELECT *;", "SELECT * with no tables specified is not valid", "*");
}

static void test_star_and_join(void **state) {
    Fx *f = *state;
    Plan *p = bind_ok(f, "SELECT * FROM t JOIN u ON t.a = u.a;");
    const char *names[] = {"a", "b", "c", "ts", "a", "d"};
    check_names(p, names, 6);
    for (int i = 0; i < 6; i++) is_col(proj(p, i), i, p->schema.cols[i].type);
    Plan *j = p->left;
    assert_int_equal(j->kind, PLAN_JOIN);
    assert_int_equal(j->u.join.kind, PJOIN_INNER);
    assert_int_equal(j->u.join.nkeys, 0);
    is_call(j->u.join.residual, "=", TYPE_BOOL, 2);
    is_col(j->u.join.residual->args[0], 0, TYPE_BIGINT);
    is_col(j->u.join.residual->args[1], 4, TYPE_BIGINT);
    assert_int_equal(j->left->kind, PLAN_SCAN);
    assert_int_equal(j->right->kind, PLAN_SCAN);
    assert_int_equal(j->schema.ncols, 6);

    p = bind_ok(f, "SELECT u.*, x.b FROM t AS x LEFT JOIN u ON x.a = u.a;");
    const char *n2[] = {"a", "d", "b"};
    check_names(p, n2, 3);
    is_col(proj(p, 0), 4, TYPE_BIGINT);
    is_col(proj(p, 1), 5, TYPE_TEXT);
    is_col(proj(p, 2), 1, TYPE_TEXT);
    assert_int_equal(p->left->u.join.kind, PJOIN_LEFT);

    /* comma and CROSS JOIN: no condition */
    p = bind_ok(f, "SELECT d FROM t, u;");
    assert_int_equal(p->left->kind, PLAN_JOIN);
    assert_null(p->left->u.join.residual);
    p = bind_ok(f, "SELECT d FROM t CROSS JOIN u;");
    assert_null(p->left->u.join.residual);
    is_col(proj(p, 0), 5, TYPE_TEXT);

    bind_fails(f, "SELECT a FROM t JOIN u ON t.a = u.a;", "column reference \"a\" is ambiguous", "a FROM");
    bind_fails(f, "SELECT * FROM t RIGHT JOIN u ON t.a = u.a;",
               "RIGHT JOIN is not supported; swap the sides and use LEFT JOIN", NULL);
    bind_fails(f, "SELECT * FROM t FULL JOIN u ON t.a = u.a;", "FULL JOIN is not supported", NULL);
    bind_fails(f, "SELECT * FROM t JOIN u ON t.a;", "argument of JOIN/ON must be BOOLEAN, not BIGINT", "t.a;");
    bind_fails(f, "SELECT * FROM t, t;", "table name \"t\" specified more than once", NULL);
    bind_fails(f, "SELECT z.* FROM t;", "missing FROM-clause entry for table \"z\"", "z.*");
    bind_fails(f, "SELECT * FROM t JOIN u ON count(*) > 1;", "aggregate functions are not allowed in JOIN conditions",
               "count");
}

static void test_name_errors(void **state) {
    Fx *f = *state;
    bind_fails(f, "SELECT a, nope FROM t;", "column \"nope\" does not exist", "nope");
    bind_fails(f, "SELECT * FROM nosuch;", "table \"nosuch\" does not exist", "nosuch");
    bind_fails(f, "SELECT t.nope FROM t;", "column \"t.nope\" does not exist", "t.nope");
    bind_fails(f, "SELECT z.a FROM t;", "missing FROM-clause entry for table \"z\"", "z.a");
    bind_fails(f, "SELECT t.a FROM t AS x;", "missing FROM-clause entry for table \"t\"", "t.a");
    bind_fails(f, "SELECT * FROM out;", "cannot read from sink \"out\"", "out");
    /* qualified names and aliases */
    Plan *p = bind_ok(f, "SELECT x.a, T.D FROM t x, u t;");
    is_col(proj(p, 0), 0, TYPE_BIGINT);
    is_col(proj(p, 1), 5, TYPE_TEXT);
}

/* ------------------------------------------------------------------ expressions */

static void test_implicit_casts(void **state) {
    Fx *f = *state;
    Plan *p = bind_ok(f, "SELECT a + c, a / 2, a || b, c = 1 FROM t;");
    const Expr *e = proj(p, 0);
    is_call(e, "+", TYPE_DOUBLE, 2);
    assert_int_equal(e->args[0]->kind, EXPR_CAST);
    assert_int_equal(e->args[0]->type, TYPE_DOUBLE);
    is_col(e->args[0]->args[0], 0, TYPE_BIGINT);
    is_col(e->args[1], 2, TYPE_DOUBLE);
    is_call(proj(p, 1), "/", TYPE_BIGINT, 2);
    is_call(proj(p, 2), "||", TYPE_TEXT, 2);
    e = proj(p, 3);
    is_call(e, "=", TYPE_BOOL, 2);
    assert_int_equal(e->args[1]->kind, EXPR_CONST);
    assert_int_equal(e->args[1]->type, TYPE_DOUBLE);

    /* NULL takes the other side's type */
    p = bind_ok(f, "SELECT a + NULL FROM t;");
    e = proj(p, 0);
    is_call(e, "+", TYPE_BIGINT, 2);
    assert_int_equal(e->args[1]->kind, EXPR_CONST);
    assert_int_equal(e->args[1]->type, TYPE_BIGINT);
    assert_true(e->args[1]->value.null);

    /* TEXT literals meeting TIMESTAMP / INTERVAL are converted now */
    p = bind_ok(f, "SELECT ts FROM t WHERE ts >= '2024-01-01 10:00:00' AND ts < ts + '1 hour';");
    const Expr *w = p->left->u.filter.pred;
    assert_int_equal(w->kind, EXPR_AND);
    assert_int_equal(w->nargs, 2);
    is_call(w->args[0], ">=", TYPE_BOOL, 2);
    const Expr *lit = w->args[0]->args[1];
    assert_int_equal(lit->kind, EXPR_CONST);
    assert_int_equal(lit->type, TYPE_TIMESTAMP);
    int64_t us;
    assert_true(ts_parse("2024-01-01 10:00:00", 19, &us));
    assert_int_equal(lit->value.u.i, us);
    const Expr *plus = w->args[1]->args[1];
    is_call(plus, "+", TYPE_TIMESTAMP, 2);
    assert_int_equal(plus->args[1]->type, TYPE_INTERVAL);
    assert_int_equal(plus->args[1]->value.u.i, 3600LL * 1000000);

    const char *bad = "SELECT a FROM t WHERE ts > 'yesterday';";
    Plan *q;
    assert_int_not_equal(bind(f, bad, &q), 0);
    assert_int_equal(f->err.offset, (int)(strstr(bad, "'yesterday'") - bad));
    assert_non_null(strstr(f->err.msg, "yesterday"));

    /* elsewhere a TEXT literal takes the type of the other arguments when no TEXT overload fits */
    p = bind_ok(f, "SELECT ts - '2024-01-01', coalesce(ts, '2024-01-02'), date_trunc('hour', '2024-01-01 10:20:00'), "
                   "a = '7', CASE WHEN a > 1 THEN 1 ELSE '2' END FROM t;");
    is_call(proj(p, 0), "-", TYPE_INTERVAL, 2);
    assert_int_equal(proj(p, 0)->args[1]->type, TYPE_TIMESTAMP);
    is_call(proj(p, 1), "coalesce", TYPE_TIMESTAMP, 2);
    is_call(proj(p, 2), "date_trunc", TYPE_TIMESTAMP, 2);
    assert_int_equal(proj(p, 2)->args[0]->type, TYPE_TEXT);
    assert_int_equal(proj(p, 2)->args[1]->type, TYPE_TIMESTAMP);
    e = proj(p, 3);
    is_call(e, "=", TYPE_BOOL, 2);
    assert_int_equal(e->args[1]->type, TYPE_BIGINT);
    assert_int_equal(e->args[1]->value.u.i, 7);
    assert_int_equal(proj(p, 4)->type, TYPE_BIGINT);
    bind_fails(f, "SELECT a FROM t WHERE c > 'abc';", "cannot cast TEXT 'abc' to DOUBLE", "'abc'");
    bind_fails(f, "SELECT a IN (1, 'x') FROM t;", "cannot cast TEXT 'x' to BIGINT", "'x'");
    bind_fails(f, "SELECT substr('abc', '2');", "function substr(TEXT, TEXT) does not exist", "substr");

    /* explicit casts of constants are folded; others become EXPR_CAST */
    p = bind_ok(f, "SELECT CAST('42' AS BIGINT), a::TEXT, CAST(NULL AS DOUBLE) FROM t;");
    assert_int_equal(proj(p, 0)->kind, EXPR_CONST);
    assert_int_equal(proj(p, 0)->value.u.i, 42);
    assert_int_equal(proj(p, 1)->kind, EXPR_CAST);
    assert_int_equal(proj(p, 1)->type, TYPE_TEXT);
    assert_int_equal(proj(p, 2)->type, TYPE_DOUBLE);
    assert_true(proj(p, 2)->value.null);
    bad = "SELECT CAST('abc' AS BIGINT);";
    assert_int_not_equal(bind(f, bad, &q), 0);
    assert_string_equal(f->err.msg, "cannot cast TEXT 'abc' to BIGINT");
    assert_int_equal(f->err.offset, 7);
}

static void test_type_errors(void **state) {
    Fx *f = *state;
    bind_fails(f, "SELECT b + 1 FROM t;", "operator does not exist: TEXT + BIGINT", "b + 1");
    bind_fails(f, "SELECT lower(a) FROM t;", "function lower(BIGINT) does not exist", "lower");
    bind_fails(f, "SELECT nosuchfn(a, b) FROM t;", "function nosuchfn(BIGINT, TEXT) does not exist", "nosuchfn");
    bind_fails(f, "SELECT a FROM t WHERE a;", "argument of WHERE must be BOOLEAN, not BIGINT", "a;");
    bind_fails(f, "SELECT a FROM t WHERE NOT b;", "argument of NOT must be BOOLEAN, not TEXT", "b;");
    bind_fails(f, "SELECT a FROM t WHERE a > 1 AND c;", "argument of AND must be BOOLEAN, not DOUBLE", "c;");
    bind_fails(f, "SELECT -b FROM t;", "operator does not exist: - TEXT", "-b");
    bind_fails(f, "SELECT a FROM t WHERE a LIKE 'x%';", "operator does not exist: BIGINT LIKE TEXT", "a LIKE");
    bind_fails(f, "SELECT CASE WHEN a > 1 THEN 1 ELSE b END FROM t;", "CASE types BIGINT and TEXT cannot be matched",
               "b END");
    bind_fails(f, "SELECT CASE WHEN a THEN 1 END FROM t;", "argument of CASE/WHEN must be BOOLEAN, not BIGINT",
               "a THEN");
    bind_fails(f, "SELECT a IN (1, b) FROM t;", "IN types BIGINT and TEXT cannot be matched", "b)");
    bind_fails(f, "SELECT upper(DISTINCT b) FROM t;", "DISTINCT specified, but upper is not an aggregate function",
               "upper");
    bind_fails(f, "SELECT sum(a) OVER () FROM t;", "window function \"sum\" is not supported yet", "sum");
    bind_fails(f, "SELECT (SELECT 1) FROM t;", "subqueries in expressions are not supported yet", "(SELECT 1)");
}

static void test_lowering(void **state) {
    Fx *f = *state;
    Plan *p = bind_ok(f,
                      "SELECT a BETWEEN 1 AND 3, b NOT LIKE 'x%', a NOT IN (1, 2.5), "
                      "CASE a WHEN 1 THEN 'one' WHEN 2 THEN 'two' END, b IS NOT NULL, "
                      "a > 1 AND (c > 1 AND ts IS NULL) FROM t;");
    const Expr *e = proj(p, 0);
    assert_int_equal(e->kind, EXPR_AND);
    assert_int_equal(e->nargs, 2);
    is_call(e->args[0], ">=", TYPE_BOOL, 2);
    is_call(e->args[1], "<=", TYPE_BOOL, 2);
    assert_int_equal(p->schema.cols[0].type, TYPE_BOOL);

    e = proj(p, 1);
    assert_int_equal(e->kind, EXPR_NOT);
    is_call(e->args[0], "like", TYPE_BOOL, 2);

    e = proj(p, 2);
    assert_int_equal(e->kind, EXPR_NOT);
    const Expr *in = e->args[0];
    assert_int_equal(in->kind, EXPR_IN);
    assert_int_equal(in->nargs, 3);
    for (int i = 0; i < 3; i++) assert_int_equal(in->args[i]->type, TYPE_DOUBLE);
    assert_int_equal(in->args[0]->kind, EXPR_CAST);
    assert_int_equal(in->args[1]->kind, EXPR_CONST);   /* 1 folded to 1.0 */

    e = proj(p, 3);
    assert_int_equal(e->kind, EXPR_CASE);
    assert_false(e->has_else);
    assert_int_equal(e->nargs, 4);
    assert_int_equal(e->type, TYPE_TEXT);
    is_call(e->args[0], "=", TYPE_BOOL, 2);
    is_col(e->args[0]->args[0], 0, TYPE_BIGINT);
    is_call(e->args[2], "=", TYPE_BOOL, 2);

    e = proj(p, 4);
    assert_int_equal(e->kind, EXPR_IS_NOT_NULL);
    is_col(e->args[0], 1, TYPE_TEXT);

    e = proj(p, 5);   /* nested ANDs flattened into one */
    assert_int_equal(e->kind, EXPR_AND);
    assert_int_equal(e->nargs, 3);
    assert_int_equal(e->args[2]->kind, EXPR_IS_NULL);

    /* CASE with ELSE unifies BIGINT and DOUBLE; extract picks its result type by field */
    p = bind_ok(f, "SELECT CASE WHEN a > 0 THEN a ELSE 0.5 END, extract(year FROM ts), extract(second FROM ts), "
                   "-a, -5, coalesce(b, 'none') FROM t;");
    e = proj(p, 0);
    assert_int_equal(e->type, TYPE_DOUBLE);
    assert_true(e->has_else);
    assert_int_equal(e->args[1]->kind, EXPR_CAST);
    is_call(proj(p, 1), "extract", TYPE_BIGINT, 2);
    is_call(proj(p, 2), "extract", TYPE_DOUBLE, 2);
    is_call(proj(p, 3), "neg", TYPE_BIGINT, 1);
    assert_int_equal(proj(p, 4)->kind, EXPR_CONST);
    assert_int_equal(proj(p, 4)->value.u.i, -5);
    is_call(proj(p, 5), "coalesce", TYPE_TEXT, 2);
}

/* ------------------------------------------------------------------ aggregation */

static void test_aggregate_shape(void **state) {
    Fx *f = *state;
    Plan *p = bind_ok(f, "SELECT b, count(*), sum(a) FROM t WHERE c > 0 GROUP BY b HAVING sum(a) > 10 "
                         "ORDER BY 2 DESC LIMIT 5;");
    const char *names[] = {"b", "count(*)", "sum(a)"};
    check_names(p, names, 3);
    assert_int_equal(p->kind, PLAN_LIMIT);
    assert_int_equal(p->u.limit.limit, 5);
    assert_int_equal(p->u.limit.offset, 0);
    Plan *s = p->left;
    assert_int_equal(s->kind, PLAN_SORT);
    assert_int_equal(s->u.sort.nkeys, 1);
    is_col(s->u.sort.keys[0].expr, 1, TYPE_BIGINT);
    assert_true(s->u.sort.keys[0].desc);
    assert_true(s->u.sort.keys[0].nulls_first);
    Plan *pr = s->left;
    is_col(proj(pr, 0), 0, TYPE_TEXT);
    is_col(proj(pr, 1), 1, TYPE_BIGINT);
    is_col(proj(pr, 2), 2, TYPE_BIGINT);
    Plan *h = pr->left;
    assert_int_equal(h->kind, PLAN_FILTER);
    is_call(h->u.filter.pred, ">", TYPE_BOOL, 2);
    is_col(h->u.filter.pred->args[0], 2, TYPE_BIGINT);   /* sum(a) registered once */
    Plan *ag = h->left;
    assert_int_equal(ag->kind, PLAN_AGGREGATE);
    assert_int_equal(ag->u.agg.ngroups, 1);
    is_col(ag->u.agg.groups[0], 1, TYPE_TEXT);
    assert_int_equal(ag->u.agg.naggs, 2);
    assert_int_equal(ag->u.agg.aggs[0].kind, AGG_COUNT_STAR);
    assert_null(ag->u.agg.aggs[0].arg);
    assert_int_equal(ag->u.agg.aggs[0].type, TYPE_BIGINT);
    assert_int_equal(ag->u.agg.aggs[1].kind, AGG_SUM);
    is_col(ag->u.agg.aggs[1].arg, 0, TYPE_BIGINT);
    assert_string_equal(ag->u.agg.aggs[1].name, "sum(a)");
    check_names(ag, names, 3);
    assert_int_equal(ag->left->kind, PLAN_FILTER);
    assert_int_equal(ag->left->left->kind, PLAN_SCAN);

    /* aggregates without GROUP BY; AVG is DOUBLE; DISTINCT; MIN/MAX keep the type */
    p = bind_ok(f, "SELECT count(DISTINCT b), avg(a), min(ts), max(b), sum(c) FROM t;");
    ag = p->left;
    assert_int_equal(ag->kind, PLAN_AGGREGATE);
    assert_int_equal(ag->u.agg.ngroups, 0);
    assert_int_equal(ag->u.agg.naggs, 5);
    assert_int_equal(ag->u.agg.aggs[0].kind, AGG_COUNT);
    assert_true(ag->u.agg.aggs[0].distinct);
    assert_int_equal(ag->u.agg.aggs[1].kind, AGG_AVG);
    assert_int_equal(ag->u.agg.aggs[1].type, TYPE_DOUBLE);
    assert_int_equal(ag->u.agg.aggs[2].type, TYPE_TIMESTAMP);
    assert_int_equal(ag->u.agg.aggs[3].type, TYPE_TEXT);
    assert_int_equal(ag->u.agg.aggs[4].type, TYPE_DOUBLE);

    /* HAVING alone makes a query grouped; aggregates without FROM read the one-row VALUES */
    p = bind_ok(f, "SELECT 1 FROM t HAVING count(*) > 0;");
    assert_int_equal(p->left->kind, PLAN_FILTER);
    assert_int_equal(p->left->left->kind, PLAN_AGGREGATE);
    assert_int_equal(p->left->left->u.agg.ngroups, 0);
    p = bind_ok(f, "SELECT count(*);");
    assert_int_equal(p->left->kind, PLAN_AGGREGATE);
    assert_int_equal(p->left->left->kind, PLAN_VALUES);

    /* expressions over groups and aggregates */
    p = bind_ok(f, "SELECT a + 1, sum(c) / count(*) FROM t GROUP BY a + 1;");
    ag = p->left;
    assert_int_equal(ag->u.agg.ngroups, 1);
    is_call(ag->u.agg.groups[0], "+", TYPE_BIGINT, 2);
    is_col(proj(p, 0), 0, TYPE_BIGINT);
    is_call(proj(p, 1), "/", TYPE_DOUBLE, 2);
    is_col(proj(p, 1)->args[0], 1, TYPE_DOUBLE);

    p = bind_ok(f, "SELECT a * 10 + 1 AS k, count(*) FROM t GROUP BY a;");
    is_call(proj(p, 0), "+", TYPE_BIGINT, 2);
    is_call(proj(p, 0)->args[0], "*", TYPE_BIGINT, 2);
    is_col(proj(p, 0)->args[0]->args[0], 0, TYPE_BIGINT);
}

static void test_group_by_forms(void **state) {
    Fx *f = *state;
    /* by position and by alias */
    Plan *p = bind_ok(f, "SELECT a % 3 AS k, count(*) FROM t GROUP BY 1;");
    Plan *ag = p->left;
    assert_int_equal(ag->u.agg.ngroups, 1);
    is_call(ag->u.agg.groups[0], "%", TYPE_BIGINT, 2);
    assert_string_equal(ag->schema.cols[0].name, "k");
    is_col(proj(p, 0), 0, TYPE_BIGINT);
    p = bind_ok(f, "SELECT a % 3 AS k, count(*) FROM t GROUP BY k;");
    is_call(p->left->u.agg.groups[0], "%", TYPE_BIGINT, 2);
    /* an input column wins over an alias of the same name */
    p = bind_ok(f, "SELECT b AS a, count(*) FROM t GROUP BY a, b;");
    is_col(p->left->u.agg.groups[0], 0, TYPE_BIGINT);
    is_col(proj(p, 0), 1, TYPE_TEXT);
    /* repeated keys kept once; star over grouped columns */
    p = bind_ok(f, "SELECT * FROM u GROUP BY a, d, a;");
    assert_int_equal(p->left->u.agg.ngroups, 2);
    /* SELECT DISTINCT */
    p = bind_ok(f, "SELECT DISTINCT b, a FROM t;");
    assert_int_equal(p->kind, PLAN_AGGREGATE);
    assert_int_equal(p->u.agg.ngroups, 2);
    assert_int_equal(p->u.agg.naggs, 0);
    is_col(p->u.agg.groups[1], 1, TYPE_BIGINT);
    assert_int_equal(p->left->kind, PLAN_PROJECT);
    const char *dn[] = {"b", "a"};
    check_names(p, dn, 2);

    bind_fails(f, "SELECT a, count(*) FROM t GROUP BY b;",
               "column \"a\" must appear in the GROUP BY clause or be used in an aggregate function", "a,");
    bind_fails(f, "SELECT count(*) FROM t ORDER BY c;",
               "column \"c\" must appear in the GROUP BY clause or be used in an aggregate function", "c;");
    bind_fails(f, "SELECT * FROM u GROUP BY a;",
               "column \"d\" must appear in the GROUP BY clause or be used in an aggregate function", "*");
    bind_fails(f, "SELECT a + c FROM t GROUP BY a;",
               "column \"c\" must appear in the GROUP BY clause or be used in an aggregate function", "c FROM");
    bind_fails(f, "SELECT sum(count(*)) FROM t;", "aggregate function calls cannot be nested", "count");
    bind_fails(f, "SELECT a FROM t WHERE sum(a) > 1;", "aggregate functions are not allowed in WHERE", "sum");
    bind_fails(f, "SELECT count(*) FROM t GROUP BY sum(a);", "aggregate functions are not allowed in GROUP BY", "sum");
    bind_fails(f, "SELECT sum(b) FROM t;", "function sum(TEXT) does not exist", "sum");
    bind_fails(f, "SELECT avg(ts) FROM t;", "function avg(TIMESTAMP) does not exist", "avg");
    bind_fails(f, "SELECT sum(*) FROM t;", "function sum(*) does not exist", "sum");
    bind_fails(f, "SELECT count(a, b) FROM t;", "function count(BIGINT, TEXT) does not exist", "count");
    bind_fails(f, "SELECT a FROM t GROUP BY 3;", "GROUP BY position 3 is not in select list", "3;");
    bind_fails(f, "SELECT DISTINCT b FROM t ORDER BY a;",
               "for SELECT DISTINCT, ORDER BY expressions must appear in select list", "a;");
}

/* ------------------------------------------------------------------ ORDER BY / LIMIT */

static void test_order_limit(void **state) {
    Fx *f = *state;
    /* by an expression not in the select list: a hidden column, dropped by a final project */
    Plan *p = bind_ok(f, "SELECT b FROM t ORDER BY a + 1, b NULLS FIRST LIMIT 3 OFFSET 2;");
    const char *names[] = {"b"};
    check_names(p, names, 1);
    is_col(proj(p, 0), 0, TYPE_TEXT);
    Plan *l = p->left;
    assert_int_equal(l->kind, PLAN_LIMIT);
    assert_int_equal(l->u.limit.limit, 3);
    assert_int_equal(l->u.limit.offset, 2);
    Plan *s = l->left;
    assert_int_equal(s->kind, PLAN_SORT);
    assert_int_equal(s->u.sort.nkeys, 2);
    is_col(s->u.sort.keys[0].expr, 1, TYPE_BIGINT);
    assert_false(s->u.sort.keys[0].desc);
    assert_false(s->u.sort.keys[0].nulls_first);
    is_col(s->u.sort.keys[1].expr, 0, TYPE_TEXT);
    assert_true(s->u.sort.keys[1].nulls_first);
    Plan *inner = s->left;
    assert_int_equal(inner->schema.ncols, 2);
    is_call(proj(inner, 1), "+", TYPE_BIGINT, 2);

    /* by alias, by position, by an expression equal to a select item */
    p = bind_ok(f, "SELECT a AS x, c FROM t ORDER BY x DESC, 2, c;");
    assert_int_equal(p->kind, PLAN_SORT);
    is_col(p->u.sort.keys[0].expr, 0, TYPE_BIGINT);
    assert_true(p->u.sort.keys[0].desc);
    assert_true(p->u.sort.keys[0].nulls_first);
    is_col(p->u.sort.keys[1].expr, 1, TYPE_DOUBLE);
    is_col(p->u.sort.keys[2].expr, 1, TYPE_DOUBLE);
    assert_int_equal(p->left->schema.ncols, 2);

    /* ordering by an aggregate not in the select list */
    p = bind_ok(f, "SELECT b FROM t GROUP BY b ORDER BY count(*) DESC NULLS LAST;");
    assert_int_equal(p->kind, PLAN_PROJECT);
    assert_int_equal(p->left->kind, PLAN_SORT);
    assert_false(p->left->u.sort.keys[0].nulls_first);
    Plan *ag = p->left->left->left;
    assert_int_equal(ag->kind, PLAN_AGGREGATE);
    assert_int_equal(ag->u.agg.naggs, 1);

    p = bind_ok(f, "SELECT a FROM t LIMIT NULL;");
    assert_int_equal(p->kind, PLAN_PROJECT);
    p = bind_ok(f, "SELECT a FROM t LIMIT 2 + 3;");
    assert_int_equal(p->u.limit.limit, 5);
    p = bind_ok(f, "SELECT a FROM t OFFSET 4;");
    assert_int_equal(p->u.limit.limit, -1);
    assert_int_equal(p->u.limit.offset, 4);

    bind_fails(f, "SELECT a FROM t LIMIT -1;", "LIMIT must not be negative", "-1");
    bind_fails(f, "SELECT a FROM t LIMIT 'x';", "argument of LIMIT must be BIGINT, not TEXT", "'x'");
    bind_fails(f, "SELECT a FROM t LIMIT a;", "column \"a\" does not exist", "a;");
    bind_fails(f, "SELECT a FROM t OFFSET -2;", "OFFSET must not be negative", "-2");
    bind_fails(f, "SELECT a FROM t ORDER BY 2;", "ORDER BY position 2 is not in select list", "2;");
    bind_fails(f, "SELECT a AS k, b AS k FROM t ORDER BY k;", "ORDER BY \"k\" is ambiguous", "k;");
}

/* ------------------------------------------------------------------ FROM forms */

static void test_views_and_derived(void **state) {
    Fx *f = *state;
    Plan *p = bind_ok(f, "SELECT v.b FROM v WHERE a < 10;");
    is_col(proj(p, 0), 1, TYPE_TEXT);
    Plan *fl = p->left;
    assert_int_equal(fl->kind, PLAN_FILTER);
    Plan *vp = fl->left;   /* the view's own plan */
    assert_int_equal(vp->kind, PLAN_PROJECT);
    assert_int_equal(vp->left->kind, PLAN_FILTER);
    assert_int_equal(vp->left->left->kind, PLAN_SCAN);

    p = bind_ok(f, "SELECT d.x, y FROM (SELECT a AS x, b AS y FROM t) AS d WHERE d.x > 0;");
    const char *names[] = {"x", "y"};
    check_names(p, names, 2);
    is_col(proj(p, 0), 0, TYPE_BIGINT);

    bind_fails(f, "SELECT * FROM loop1;",
               "in view \"loop1\": view \"loop1\" is nested more than 32 levels deep (does it refer to itself?)",
               "loop1");
    bind_fails(f, "SELECT * FROM badview;", "in view \"badview\": column \"nope\" does not exist", "badview");

    /* a table of the results database */
    p = bind_ok(f, "SELECT y FROM r WHERE x = 1;");
    Plan *scan = p->left->left;
    assert_int_equal(scan->kind, PLAN_SCAN);
    assert_non_null(scan->u.scan.rel);
    is_col(proj(p, 0), 1, TYPE_TEXT);
}

static void test_sources_and_windows(void **state) {
    Fx *f = *state;
    Plan *p = bind_ok(f, "SELECT url FROM clicks;");
    Plan *s = p->left;
    assert_int_equal(s->kind, PLAN_SCAN);
    assert_null(s->u.scan.rel);
    assert_true(s->u.scan.streaming);
    assert_string_equal(s->u.scan.table, "clicks");
    assert_int_equal(s->u.scan.nproj, 3);

    p = bind_ok(f, "SELECT window_start, window_end, url, count(*) AS n FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE) "
                   "GROUP BY window_start, window_end, url;");
    const char *names[] = {"window_start", "window_end", "url", "n"};
    check_names(p, names, 4);
    Plan *w = p->left->left;
    assert_int_equal(w->kind, PLAN_WINDOW);
    assert_int_equal(w->u.window.kind, WINDOW_TUMBLE);
    assert_int_equal(w->u.window.time_col, 2);
    assert_int_equal(w->u.window.size_us, 60LL * 1000000);
    assert_int_equal(w->schema.ncols, 5);
    assert_string_equal(w->schema.cols[3].name, "window_start");
    assert_int_equal(w->schema.cols[4].type, TYPE_TIMESTAMP);
    assert_true(w->left->u.scan.streaming);
    is_col(p->left->u.agg.groups[0], 3, TYPE_TIMESTAMP);

    p = bind_ok(f, "SELECT * FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '1' MINUTE)) h;");
    w = p->left;
    assert_int_equal(w->kind, PLAN_WINDOW);
    assert_int_equal(w->u.window.kind, WINDOW_HOP);
    assert_int_equal(w->u.window.slide_us, 10LL * 1000000);
    assert_int_equal(w->u.window.size_us, 60LL * 1000000);
    assert_int_equal(p->schema.ncols, 5);

    p = bind_ok(f, "SELECT user_id, window_start FROM SESSION(clicks PARTITION BY user_id, ts, INTERVAL '5' MINUTES);");
    w = p->left;
    assert_int_equal(w->u.window.kind, WINDOW_SESSION);
    assert_int_equal(w->u.window.npartition, 1);
    assert_int_equal(w->u.window.partition[0], 0);
    assert_int_equal(w->u.window.size_us, 5LL * 60 * 1000000);

    /* over a table, with the table's qualifier */
    p = bind_ok(f, "SELECT t.a, t.window_end FROM TUMBLE(t, ts, INTERVAL '1' HOUR);");
    is_col(proj(p, 1), 5, TYPE_TIMESTAMP);
    assert_false(p->left->left->u.scan.streaming);

    bind_fails(f, "SELECT * FROM TUMBLE(clicks, url, INTERVAL '1' MINUTE);",
               "window time column \"url\" must be TIMESTAMP, not TEXT", "url,");
    bind_fails(f, "SELECT * FROM TUMBLE(clicks, nope, INTERVAL '1' MINUTE);", "column \"nope\" does not exist", "nope");
    bind_fails(f, "SELECT * FROM TUMBLE(clicks, ts, 5);",
               "window size must be an INTERVAL, e.g. INTERVAL '1' MINUTE, not BIGINT", "5)");
    bind_fails(f, "SELECT * FROM TUMBLE(clicks, ts, INTERVAL '0' SECOND);", "window size must be a positive INTERVAL",
               "INTERVAL");
    bind_fails(f, "SELECT * FROM TUMBLE(clicks, ts);", "TUMBLE takes 3 arguments: TUMBLE(source, time column, size)",
               "TUMBLE");
    bind_fails(f, "SELECT * FROM TUMBLE(nosuch, ts, INTERVAL '1' MINUTE);", "table \"nosuch\" does not exist", "nosuch");
    bind_fails(f, "SELECT * FROM WINDOWIFY(clicks);", "table function \"windowify\" does not exist", "WINDOWIFY");
}

static void test_generate_series(void **state) {
    Fx *f = *state;
    Plan *p = bind_ok(f, "SELECT * FROM generate_series(1, 10, 2);");
    const char *names[] = {"generate_series"};
    check_names(p, names, 1);
    Plan *s = p->left;
    assert_int_equal(s->kind, PLAN_SERIES);
    assert_int_equal(s->u.series.start, 1);
    assert_int_equal(s->u.series.stop, 10);
    assert_int_equal(s->u.series.step, 2);
    assert_int_equal(s->schema.cols[0].type, TYPE_BIGINT);

    p = bind_ok(f, "SELECT g.generate_series * 2 FROM generate_series(5 - 1, 2 * 3) AS g;");
    s = p->left;
    assert_int_equal(s->u.series.start, 4);
    assert_int_equal(s->u.series.stop, 6);
    assert_int_equal(s->u.series.step, 1);

    p = bind_ok(f, "SELECT * FROM generate_series(1, NULL);");
    assert_int_equal(p->left->kind, PLAN_VALUES);
    assert_int_equal(p->left->u.values.nrows, 0);

    bind_fails(f, "SELECT * FROM generate_series(1, 10, 0);", "step size cannot equal zero", "generate_series");
    bind_fails(f, "SELECT * FROM generate_series(1, 'x');", "function generate_series(BIGINT, TEXT) does not exist",
               "generate_series");
    bind_fails(f, "SELECT * FROM generate_series(1);", "function generate_series(BIGINT) does not exist",
               "generate_series");
}

static void test_plan_scalar(void **state) {
    Fx *f = *state;
    const char *sql = "INSERT INTO t VALUES (1 + 2, NULL, 'x');";
    AstStmt *st;
    int next;
    err_clear(&f->err);
    assert_int_equal(parse_next(sql, 0, &f->arena, &st, &next, &f->err), 0);
    assert_int_equal(st->kind, STMT_INSERT);
    AstList *row = st->rows->items[0];
    PlanCtx pc = {&f->arena, f->cat, sql, 0, &f->err};
    Schema none = {0, NULL};
    Expr *e;
    assert_int_equal(plan_scalar(&pc, row->items[0], &none, &e), 0);
    is_call(e, "+", TYPE_BIGINT, 2);
    assert_int_equal(plan_scalar(&pc, row->items[1], &none, &e), 0);
    assert_int_equal(e->kind, EXPR_CONST);
    assert_true(e->value.null);

    sql = "SELECT ts - INTERVAL '10' SECOND, nope;";
    assert_int_equal(parse_next(sql, 0, &f->arena, &st, &next, &f->err), 0);
    Column cols[] = {{"id", TYPE_BIGINT}, {"ts", TYPE_TIMESTAMP}};
    Schema s = {2, cols};
    const Ast *item = st->query->items->items[0];
    assert_int_equal(plan_scalar(&pc, item->left, &s, &e), 0);
    is_call(e, "-", TYPE_TIMESTAMP, 2);
    is_col(e->args[0], 1, TYPE_TIMESTAMP);
    item = st->query->items->items[1];
    assert_int_equal(plan_scalar(&pc, item->left, &s, &e), -1);
    assert_string_equal(f->err.msg, "column \"nope\" does not exist");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scan_filter_project, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_from, setup, teardown),
        cmocka_unit_test_setup_teardown(test_star_and_join, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_implicit_casts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_type_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lowering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aggregate_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_by_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_views_and_derived, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sources_and_windows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate_series, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_scalar, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
