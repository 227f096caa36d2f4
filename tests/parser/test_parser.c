/*
** Unit tests for the grammar and the AST: every statement form of
** CONTRACT.md §3 (as written there) and the extra forms the parser accepts,
** every expression form, precedence (checked through ast_to_sql), node
** positions, error messages with their offsets, the depth limits, and the
** promise that ast_to_sql()'s output parses back to the same tree.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../parser/ast.h"

static Arena arena;

static int setup(void **state) {
    (void)state;
    arena_init(&arena, 0);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    arena_free(&arena);
    return 0;
}

/* Parse exactly one statement; fail the test on an error. */
static AstStmt *parse_ok(const char *sql) {
    AstStmt *s = NULL;
    int next;
    Err err;
    err_clear(&err);
    if (parse_next(sql, 0, &arena, &s, &next, &err) != 0) fail_msg("%s\n  -> %s (offset %d)", sql, err.msg, err.offset);
    if (!s) fail_msg("%s\n  -> no statement", sql);
    return s;
}

static void expect_error(const char *sql, const char *msg, int offset) {
    AstStmt *s = NULL;
    int next;
    Err err;
    err_clear(&err);
    if (parse_next(sql, 0, &arena, &s, &next, &err) == 0) fail_msg("%s\n  -> parsed, expected error: %s", sql, msg);
    assert_null(s);
    if (strcmp(err.msg, msg) != 0 || err.offset != offset)
        fail_msg("%s\n  -> \"%s\" at %d\n  want \"%s\" at %d", sql, err.msg, err.offset, msg, offset);
}

static AstSelect *query_of(const char *sql) {
    AstStmt *s = parse_ok(sql);
    assert_non_null(s->query);
    return s->query;
}

/* The expression of `SELECT <text>` (its first item). */
static const Ast *expr_of(const char *text) {
    char *sql = arena_printf(&arena, "SELECT %s", text);
    AstSelect *q = query_of(sql);
    const Ast *item = q->items->items[0];
    assert_int_equal(item->kind, AST_SELECT_ITEM);
    return item->left;
}

/* ast_to_sql of an expression, which must also read back to the same text. */
static void expect_expr(const char *in, const char *want) {
    const char *got = ast_to_sql(&arena, expr_of(in));
    if (strcmp(got, want) != 0) fail_msg("%s\n  -> %s\n  want %s", in, got, want);
    const char *again = ast_to_sql(&arena, expr_of(got));
    if (strcmp(again, got) != 0) fail_msg("%s\n  -> %s\n  re-parsed -> %s", in, got, again);
}

/* ast_select_to_sql of a query, also stable under re-parsing. */
static void expect_query(const char *in, const char *want) {
    const char *got = ast_select_to_sql(&arena, query_of(in));
    if (strcmp(got, want) != 0) fail_msg("%s\n  -> %s\n  want %s", in, got, want);
    const char *again = ast_select_to_sql(&arena, query_of(got));
    if (strcmp(again, got) != 0) fail_msg("%s\n  -> %s\n  re-parsed -> %s", in, got, again);
}

static const Ast *item(const AstList *l, int i) {
    assert_non_null(l);
    assert_true(i < l->n);
    return l->items[i];
}

/* ------------------------------------------------------------ statements */

static void test_create_source(void **state) {
    (void)state;
    const char *sql =
        "CREATE SOURCE clicks (\n"
        "    user_id BIGINT, url TEXT, ts TIMESTAMP,\n"
        "    WATERMARK FOR ts AS ts - INTERVAL '10' SECOND\n"
        ") WITH (connector = 'file', path = 'in/clicks', format = 'csv', header = 'true',\n"
        "        max_files_per_trigger = '1');";
    AstStmt *s = parse_ok(sql);
    assert_int_equal(s->kind, STMT_CREATE_SOURCE);
    assert_string_equal(s->name, "clicks");
    assert_int_equal(s->name_pos, 14);
    assert_false(s->if_not_exists);
    assert_int_equal(s->ncolumns, 3);
    assert_string_equal(s->columns[0].name, "user_id");
    assert_int_equal(s->columns[0].type, TYPE_BIGINT);
    assert_int_equal(s->columns[0].pos, 27);
    assert_string_equal(s->columns[1].name, "url");
    assert_int_equal(s->columns[1].type, TYPE_TEXT);
    assert_string_equal(s->columns[2].name, "ts");
    assert_int_equal(s->columns[2].type, TYPE_TIMESTAMP);
    assert_string_equal(s->watermark_column, "ts");
    assert_int_equal(s->watermark_pos, (int)(strstr(sql, "WATERMARK") - sql));
    assert_string_equal(ast_to_sql(&arena, s->watermark_expr), "ts - interval '10' second");
    assert_int_equal(s->watermark_expr->right->ival, 10 * USEC_PER_SEC);
    assert_int_equal(s->noptions, 5);
    static const char *const kv[][2] = {{"connector", "file"}, {"path", "in/clicks"}, {"format", "csv"},
                                        {"header", "true"}, {"max_files_per_trigger", "1"}};
    for (int i = 0; i < 5; i++) {
        assert_string_equal(s->options[i].key, kv[i][0]);
        assert_string_equal(s->options[i].value, kv[i][1]);
    }
    assert_int_equal(s->options[1].pos, (int)(strstr(sql, "path") - sql));
    assert_null(s->query);

    s = parse_ok("create source if not exists s (a int, b varchar(20), c double) with (bounded = 'true')");
    assert_true(s->if_not_exists);
    assert_null(s->watermark_column);
    assert_int_equal(s->watermark_pos, -1);
    assert_int_equal(s->columns[1].type, TYPE_TEXT);
    assert_int_equal(s->columns[2].type, TYPE_DOUBLE);

    /* Watermark first, quoted names keep their case, no WITH. */
    s = parse_ok("CREATE SOURCE \"Ev\" (WATERMARK FOR \"T\" AS \"T\", \"T\" TIMESTAMP)");
    assert_string_equal(s->name, "Ev");
    assert_string_equal(s->watermark_column, "T");
    assert_string_equal(s->columns[0].name, "T");
    assert_int_equal(s->noptions, 0);
    assert_null(s->options);
}

static void test_with_options(void **state) {
    (void)state;
    AstStmt *s = parse_ok(
        "CREATE SINK alerts WITH (connector = 'kafka', topic = 'alerts', 'bootstrap.servers' = 'localhost:9092',\n"
        "                         format = 'json')\n"
        "    AS SELECT user_id, url FROM clicks WHERE url LIKE '%/admin%';");
    assert_int_equal(s->kind, STMT_CREATE_SINK);
    assert_string_equal(s->name, "alerts");
    assert_int_equal(s->noptions, 4);
    assert_string_equal(s->options[2].key, "bootstrap.servers");
    assert_string_equal(s->options[2].value, "localhost:9092");
    assert_string_equal(ast_select_to_sql(&arena, s->query),
                        "select user_id, url from clicks where url like '%/admin%'");

    /* Bare dotted keys, numbers, booleans, bare words; keys lower-cased unless quoted. */
    s = parse_ok("CREATE SOURCE g (id BIGINT) WITH (Connector = generator, rows_per_second = 100, "
                 "fields.id.kind = 'sequence', fields.id.end = 10, 'Fields.X' = -2.5, pace = FALSE, "
                 "seed = 'it''s', first = \"Quoted\")");
    static const char *const kv[][2] = {
        {"connector", "generator"}, {"rows_per_second", "100"}, {"fields.id.kind", "sequence"},
        {"fields.id.end", "10"},    {"Fields.X", "-2.5"},       {"pace", "false"},
        {"seed", "it's"},           {"first", "Quoted"},
    };
    assert_int_equal(s->noptions, 8);
    for (int i = 0; i < 8; i++) {
        assert_string_equal(s->options[i].key, kv[i][0]);
        assert_string_equal(s->options[i].value, kv[i][1]);
    }
    /* Reserved words are keys too: `table` (CONTRACT §6, sqlite connector), kafka.group.id. */
    s = parse_ok("CREATE SOURCE q (a BIGINT) WITH (connector = 'sqlite', table = 'x', kafka.group.id = 'g')");
    assert_int_equal(s->noptions, 3);
    assert_string_equal(s->options[1].key, "table");
    assert_string_equal(s->options[2].key, "kafka.group.id");
    assert_string_equal(s->options[2].value, "g");
    /* A sink without options is left to the planner to judge. */
    s = parse_ok("CREATE SINK IF NOT EXISTS s AS SELECT 1 EMIT UPDATE");
    assert_true(s->if_not_exists);
    assert_int_equal(s->noptions, 0);
    assert_int_equal(s->query->emit, EMIT_UPDATE);
}

static void test_create_table(void **state) {
    (void)state;
    AstStmt *s = parse_ok("CREATE TABLE users (user_id BIGINT, country TEXT);");
    assert_int_equal(s->kind, STMT_CREATE_TABLE);
    assert_string_equal(s->name, "users");
    assert_int_equal(s->ncolumns, 2);
    assert_int_equal(s->noptions, 0);

    s = parse_ok("CREATE TABLE pages (url TEXT, owner TEXT) WITH (connector = 'file', path = 'pages.csv', "
                 "format = 'csv');");
    assert_int_equal(s->kind, STMT_CREATE_TABLE);
    assert_int_equal(s->noptions, 3);
    assert_string_equal(s->options[1].value, "pages.csv");

    s = parse_ok("CREATE TABLE big AS SELECT * FROM generate_series(1, 10000000);");
    assert_int_equal(s->kind, STMT_CREATE_TABLE_AS);
    assert_string_equal(s->name, "big");
    assert_string_equal(ast_select_to_sql(&arena, s->query), "select * from generate_series(1, 10000000)");

    s = parse_ok("CREATE TABLE IF NOT EXISTS t2 AS SELECT a FROM t");
    assert_int_equal(s->kind, STMT_CREATE_TABLE_AS);
    assert_true(s->if_not_exists);
}

static void test_insert(void **state) {
    (void)state;
    AstStmt *s = parse_ok("INSERT INTO users VALUES (1, 'KR'), (2, 'DE');");
    assert_int_equal(s->kind, STMT_INSERT);
    assert_string_equal(s->name, "users");
    assert_null(s->insert_columns);
    assert_null(s->query);
    assert_int_equal(s->rows->n, 2);
    const AstList *row = s->rows->items[1];
    assert_int_equal(row->n, 2);
    assert_int_equal(item(row, 0)->ival, 2);
    assert_string_equal(item(row, 1)->str, "DE");

    s = parse_ok("INSERT INTO t (b, A) VALUES (-1 + 2, NULL)");
    assert_int_equal(s->insert_columns->n, 2);
    assert_int_equal(item(s->insert_columns, 0)->kind, AST_COLUMN);
    assert_string_equal(item(s->insert_columns, 1)->name, "a");
    assert_int_equal(item(s->insert_columns, 1)->pos, 18);

    s = parse_ok("INSERT INTO t SELECT a, b FROM u WHERE a > 0");
    assert_null(s->rows);
    assert_string_equal(ast_select_to_sql(&arena, s->query), "select a, b from u where a > 0");
    s = parse_ok("INSERT INTO t (a) SELECT 1");
    assert_int_equal(s->insert_columns->n, 1);
    assert_non_null(s->query);
}

static void test_views(void **state) {
    (void)state;
    const char *sql = "CREATE VIEW v AS SELECT a FROM t -- the view\n;";
    AstStmt *s = parse_ok(sql);
    assert_int_equal(s->kind, STMT_CREATE_VIEW);
    assert_string_equal(s->name, "v");
    /* The definition's text, as the catalog keeps it. */
    assert_int_equal(s->end - s->query->pos, 15);
    assert_memory_equal(sql + s->query->pos, "SELECT a FROM t", 15);

    s = parse_ok("CREATE MATERIALIZED VIEW page_counts AS\n"
                 "    SELECT window_start, window_end, url, COUNT(*) AS n\n"
                 "    FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE)\n"
                 "    GROUP BY window_start, window_end, url\n"
                 "    EMIT APPEND\n"
                 "    TRIGGER AVAILABLE NOW;");
    assert_int_equal(s->kind, STMT_CREATE_MATVIEW);
    assert_string_equal(s->name, "page_counts");
    assert_int_equal(s->query->emit, EMIT_APPEND);
    assert_int_equal(s->query->trigger, TRIGGER_AVAILABLE_NOW);
    assert_string_equal(ast_select_to_sql(&arena, s->query),
                        "select window_start, window_end, url, count(*) as n "
                        "from tumble(clicks, ts, interval '1' minute) group by window_start, window_end, url "
                        "emit append trigger available now");

    s = parse_ok("CREATE MATERIALIZED VIEW IF NOT EXISTS m AS SELECT a FROM t TRIGGER INTERVAL '5' SECOND");
    assert_true(s->if_not_exists);
    assert_int_equal(s->query->trigger, TRIGGER_INTERVAL);
    assert_int_equal(s->query->trigger_interval_us, 5 * USEC_PER_SEC);
    assert_int_equal(s->query->emit, EMIT_DEFAULT);
}

static void test_show_describe_explain_drop(void **state) {
    (void)state;
    static const struct {
        const char *sql;
        ObjectKind obj;
    } shows[] = {{"SHOW SOURCES", OBJ_SOURCE}, {"SHOW TABLES", OBJ_TABLE},   {"show views", OBJ_VIEW},
                 {"SHOW SINKS;", OBJ_SINK},    {"SHOW QUERIES", OBJ_QUERY}, {"SHOW MATERIALIZED VIEWS", OBJ_MATVIEW}};
    for (size_t i = 0; i < sizeof shows / sizeof shows[0]; i++) {
        AstStmt *s = parse_ok(shows[i].sql);
        assert_int_equal(s->kind, STMT_SHOW);
        assert_int_equal(s->object, shows[i].obj);
    }
    AstStmt *s = parse_ok("DESCRIBE clicks;");
    assert_int_equal(s->kind, STMT_DESCRIBE);
    assert_string_equal(s->name, "clicks");
    assert_int_equal(s->name_pos, 9);
    s = parse_ok("DESC \"Clicks\"");
    assert_int_equal(s->kind, STMT_DESCRIBE);
    assert_string_equal(s->name, "Clicks");

    s = parse_ok("EXPLAIN SELECT a FROM t WHERE a > 1;");
    assert_int_equal(s->kind, STMT_EXPLAIN);
    assert_string_equal(ast_select_to_sql(&arena, s->query), "select a from t where a > 1");

    static const struct {
        const char *sql;
        ObjectKind obj;
        bool if_exists;
        const char *name;
    } drops[] = {
        {"DROP SOURCE clicks", OBJ_SOURCE, false, "clicks"},
        {"DROP TABLE IF EXISTS users", OBJ_TABLE, true, "users"},
        {"DROP VIEW v", OBJ_VIEW, false, "v"},
        {"DROP MATERIALIZED VIEW IF EXISTS page_counts", OBJ_MATVIEW, true, "page_counts"},
        {"drop sink Alerts;", OBJ_SINK, false, "alerts"},
    };
    for (size_t i = 0; i < sizeof drops / sizeof drops[0]; i++) {
        s = parse_ok(drops[i].sql);
        assert_int_equal(s->kind, STMT_DROP);
        assert_int_equal(s->object, drops[i].obj);
        assert_int_equal(s->if_exists, drops[i].if_exists);
        assert_string_equal(s->name, drops[i].name);
    }
}

/* ------------------------------------------------------------ queries */

static void test_select_clauses(void **state) {
    (void)state;
    AstSelect *q = query_of("SELECT DISTINCT a, b AS x, c y FROM t WHERE a > 1 GROUP BY a, b HAVING count(*) > 2 "
                            "ORDER BY a DESC, b NULLS FIRST, c ASC NULLS LAST LIMIT 10 OFFSET 5");
    assert_true(q->distinct);
    assert_int_equal(q->items->n, 3);
    assert_null(item(q->items, 0)->name);
    assert_string_equal(item(q->items, 1)->name, "x");
    assert_string_equal(item(q->items, 2)->name, "y");
    assert_int_equal(q->from->kind, AST_TABLE);
    assert_string_equal(ast_to_sql(&arena, q->where), "a > 1");
    assert_int_equal(q->group_by->n, 2);
    assert_string_equal(ast_to_sql(&arena, q->having), "count(*) > 2");
    assert_int_equal(q->order_by->n, 3);
    const Ast *o = item(q->order_by, 0);
    assert_int_equal(o->kind, AST_ORDER_ITEM);
    assert_true(o->desc);
    assert_int_equal(o->nulls_first, -1);
    o = item(q->order_by, 1);
    assert_false(o->desc);
    assert_int_equal(o->nulls_first, 1);
    o = item(q->order_by, 2);
    assert_false(o->desc);
    assert_int_equal(o->nulls_first, 0);
    assert_int_equal(q->limit->ival, 10);
    assert_int_equal(q->offset->ival, 5);
    assert_int_equal(q->emit, EMIT_DEFAULT);
    assert_int_equal(q->trigger, TRIGGER_DEFAULT);

    q = query_of("SELECT 1");
    assert_null(q->from);
    assert_null(q->where);
    assert_null(q->group_by);
    assert_null(q->order_by);
    assert_null(q->limit);
    assert_false(q->distinct);
    q = query_of("SELECT ALL a FROM t OFFSET 3");
    assert_false(q->distinct);
    assert_null(q->limit);
    assert_int_equal(q->offset->ival, 3);

    expect_query("SELECT DISTINCT a, b AS x, c y FROM t WHERE a > 1 GROUP BY a, b HAVING count(*) > 2 "
                 "ORDER BY a DESC, b NULLS FIRST, c ASC NULLS LAST LIMIT 10 OFFSET 5",
                 "select distinct a, b as x, c as y from t where a > 1 group by a, b having count(*) > 2 "
                 "order by a desc, b nulls first, c nulls last limit 10 offset 5");
}

static void test_select_star(void **state) {
    (void)state;
    AstSelect *q = query_of("SELECT *, t.*, \"T\".* FROM t");
    assert_int_equal(item(q->items, 0)->kind, AST_STAR);
    assert_null(item(q->items, 0)->qualifier);
    assert_int_equal(item(q->items, 1)->kind, AST_STAR);
    assert_string_equal(item(q->items, 1)->qualifier, "t");
    assert_int_equal(item(q->items, 1)->pos, 10);
    assert_string_equal(item(q->items, 2)->qualifier, "T");
    expect_query("select *, t.*, \"T\".* from t", "select *, t.*, \"T\".* from t");
}

static void test_stream_clauses(void **state) {
    (void)state;
    static const struct {
        const char *tail;
        EmitMode emit;
        TriggerKind trigger;
        int64_t us;
    } cases[] = {
        {"EMIT APPEND", EMIT_APPEND, TRIGGER_DEFAULT, 0},
        {"EMIT UPDATE", EMIT_UPDATE, TRIGGER_DEFAULT, 0},
        {"EMIT COMPLETE", EMIT_COMPLETE, TRIGGER_DEFAULT, 0},
        {"TRIGGER INTERVAL '5' SECOND", EMIT_DEFAULT, TRIGGER_INTERVAL, 5 * USEC_PER_SEC},
        {"TRIGGER INTERVAL '1 minute'", EMIT_DEFAULT, TRIGGER_INTERVAL, USEC_PER_MIN},
        {"TRIGGER ONCE", EMIT_DEFAULT, TRIGGER_ONCE, 0},
        {"TRIGGER AVAILABLE NOW", EMIT_DEFAULT, TRIGGER_AVAILABLE_NOW, 0},
        {"TRIGGER CONTINUOUS", EMIT_DEFAULT, TRIGGER_CONTINUOUS, 0},
        {"EMIT UPDATE TRIGGER ONCE", EMIT_UPDATE, TRIGGER_ONCE, 0},
        {"TRIGGER INTERVAL '2' MINUTES EMIT COMPLETE", EMIT_COMPLETE, TRIGGER_INTERVAL, 2 * USEC_PER_MIN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *sql = arena_printf(&arena, "SELECT k, count(*) FROM t GROUP BY k %s", cases[i].tail);
        AstSelect *q = query_of(sql);
        assert_int_equal(q->emit, cases[i].emit);
        assert_int_equal(q->trigger, cases[i].trigger);
        assert_int_equal(q->trigger_interval_us, cases[i].us);
        int at = (int)(strstr(sql, "EMIT") ? strstr(sql, "EMIT") - sql : -1);
        assert_int_equal(q->emit_pos, at);
        at = (int)(strstr(sql, "TRIGGER") ? strstr(sql, "TRIGGER") - sql : -1);
        assert_int_equal(q->trigger_pos, at);
    }
    expect_query("SELECT a FROM t TRIGGER INTERVAL '90' SECONDS EMIT UPDATE",
                 "select a from t emit update trigger interval '90' second");
    expect_query("SELECT a FROM t TRIGGER INTERVAL '1' HOUR", "select a from t trigger interval '1' hour");
    expect_query("SELECT a FROM t TRIGGER INTERVAL '1.5' SECOND", "select a from t trigger interval '1500' millisecond");
    /* After a table, EMIT/TRIGGER are the clauses, not an alias. */
    AstSelect *q = query_of("SELECT a FROM t emit update");
    assert_null(q->from->alias);
    assert_int_equal(q->emit, EMIT_UPDATE);
}

static void test_from_items(void **state) {
    (void)state;
    AstSelect *q = query_of("SELECT 1 FROM clicks c");
    assert_int_equal(q->from->kind, AST_TABLE);
    assert_string_equal(q->from->name, "clicks");
    assert_string_equal(q->from->alias, "c");
    q = query_of("SELECT 1 FROM clicks AS \"C\"");
    assert_string_equal(q->from->alias, "C");
    q = query_of("SELECT 1 FROM clicks");
    assert_null(q->from->alias);

    q = query_of("SELECT s.a FROM (SELECT a FROM t) AS s");
    assert_int_equal(q->from->kind, AST_DERIVED);
    assert_string_equal(q->from->alias, "s");
    assert_int_equal(q->from->pos, 16);
    assert_string_equal(ast_select_to_sql(&arena, q->from->select), "select a from t");
    q = query_of("SELECT 1 FROM (SELECT a FROM t) s");
    assert_string_equal(q->from->alias, "s");
    q = query_of("SELECT 1 FROM (SELECT a FROM t)");
    assert_null(q->from->alias);
}

static void test_joins(void **state) {
    (void)state;
    AstSelect *q = query_of("SELECT * FROM a JOIN b ON a.id = b.id");
    assert_int_equal(q->from->kind, AST_JOIN);
    assert_int_equal(q->from->join_type, JOIN_INNER);
    assert_string_equal(q->from->left->name, "a");
    assert_string_equal(q->from->right->name, "b");
    assert_string_equal(ast_to_sql(&arena, q->from->on), "a.id = b.id");

    static const struct {
        const char *sql;
        JoinType type;
    } types[] = {
        {"SELECT * FROM a INNER JOIN b ON true", JOIN_INNER},
        {"SELECT * FROM a LEFT JOIN b ON true", JOIN_LEFT},
        {"SELECT * FROM a LEFT OUTER JOIN b ON true", JOIN_LEFT},
        {"SELECT * FROM a RIGHT JOIN b ON true", JOIN_RIGHT},
        {"SELECT * FROM a FULL OUTER JOIN b ON true", JOIN_FULL},
        {"SELECT * FROM a CROSS JOIN b", JOIN_CROSS},
        {"SELECT * FROM a, b", JOIN_CROSS},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        q = query_of(types[i].sql);
        assert_int_equal(q->from->kind, AST_JOIN);
        assert_int_equal(q->from->join_type, types[i].type);
        if (types[i].type == JOIN_CROSS)
            assert_null(q->from->on);
        else
            assert_non_null(q->from->on);
    }

    /* Joins are left-deep; a comma binds looser than JOIN. */
    q = query_of("SELECT * FROM a JOIN b ON x LEFT JOIN c ON y");
    assert_int_equal(q->from->join_type, JOIN_LEFT);
    assert_string_equal(q->from->right->name, "c");
    assert_int_equal(q->from->left->kind, AST_JOIN);
    assert_string_equal(q->from->left->left->name, "a");
    q = query_of("SELECT * FROM a, b JOIN c ON x");
    assert_int_equal(q->from->join_type, JOIN_CROSS);
    assert_string_equal(q->from->left->name, "a");
    assert_int_equal(q->from->right->kind, AST_JOIN);
    assert_int_equal(q->from->right->join_type, JOIN_INNER);

    expect_query("SELECT * FROM a, b JOIN c ON x, d", "select * from a, b join c on x, d");
    expect_query("SELECT * FROM a, b, c", "select * from a cross join b cross join c");
    expect_query("SELECT * FROM a x LEFT OUTER JOIN b AS y ON x.k = y.k CROSS JOIN (SELECT 1) z",
                 "select * from a as x left join b as y on x.k = y.k cross join (select 1) as z");
    expect_query("SELECT * FROM a JOIN b ON a.k = b.k AND a.v > 1 JOIN c ON c.k = a.k",
                 "select * from a join b on a.k = b.k and a.v > 1 join c on c.k = a.k");
}

/* Both spellings of each window function give the same tree. */
static void test_window_table_functions(void **state) {
    (void)state;
    AstSelect *q = query_of("SELECT * FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE)");
    const Ast *f = q->from;
    assert_int_equal(f->kind, AST_TABLE_FUNC);
    assert_string_equal(f->name, "tumble");
    assert_int_equal(f->list->n, 3);
    assert_int_equal(item(f->list, 0)->kind, AST_TABLE);
    assert_string_equal(item(f->list, 0)->name, "clicks");
    assert_int_equal(item(f->list, 1)->kind, AST_COLUMN);
    assert_string_equal(item(f->list, 1)->name, "ts");
    assert_int_equal(item(f->list, 2)->kind, AST_INTERVAL);
    assert_int_equal(item(f->list, 2)->ival, USEC_PER_MIN);
    assert_null(f->partition);
    assert_null(f->alias);

    q = query_of("SELECT * FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) AS w");
    f = q->from;
    assert_int_equal(f->kind, AST_TABLE_FUNC);
    assert_string_equal(f->name, "tumble");
    assert_int_equal(item(f->list, 0)->kind, AST_TABLE);
    assert_string_equal(item(f->list, 0)->name, "clicks");
    assert_int_equal(item(f->list, 1)->kind, AST_COLUMN);
    assert_int_equal(item(f->list, 1)->pos, 52); /* the column name inside DESCRIPTOR(...) */
    assert_string_equal(f->alias, "w");

    const char *same[][2] = {
        {"SELECT * FROM TUMBLE(clicks, ts, INTERVAL '1' MINUTE)",
         "SELECT * FROM TABLE(TUMBLE(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE))"},
        {"SELECT * FROM HOP(clicks, ts, INTERVAL '1' MINUTE, INTERVAL '5' MINUTES) h",
         "SELECT * FROM TABLE(HOP(TABLE clicks, DESCRIPTOR(ts), INTERVAL '1' MINUTE, INTERVAL '5' MINUTES)) h"},
        {"SELECT * FROM SESSION(clicks PARTITION BY user_id, ts, INTERVAL '5' MINUTE)",
         "SELECT * FROM TABLE(SESSION(TABLE clicks PARTITION BY user_id, DESCRIPTOR(ts), INTERVAL '5' MINUTE))"},
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        const char *a = ast_select_to_sql(&arena, query_of(same[i][0]));
        const char *b = ast_select_to_sql(&arena, query_of(same[i][1]));
        assert_string_equal(a, b);
    }

    q = query_of("SELECT * FROM SESSION(clicks PARTITION BY user_id, url, ts, INTERVAL '5' MINUTE)");
    f = q->from;
    assert_string_equal(f->name, "session");
    assert_int_equal(f->partition->n, 2);
    assert_string_equal(item(f->partition, 0)->name, "user_id");
    assert_string_equal(item(f->partition, 1)->name, "url");
    assert_int_equal(f->list->n, 3);
    assert_int_equal(item(f->list, 0)->kind, AST_TABLE);
    assert_string_equal(item(f->list, 1)->name, "ts");
    assert_int_equal(item(f->list, 2)->ival, 5 * USEC_PER_MIN);
    expect_query("SELECT * FROM SESSION(clicks PARTITION BY user_id, url, ts, INTERVAL '5' MINUTE)",
                 "select * from session(clicks partition by user_id, url, ts, interval '5' minute)");

    /* A query as the source of a window. */
    q = query_of("SELECT * FROM TUMBLE((SELECT * FROM clicks WHERE x), ts, INTERVAL '1' MINUTE)");
    assert_int_equal(item(q->from->list, 0)->kind, AST_DERIVED);
    expect_query("SELECT * FROM TUMBLE((SELECT * FROM clicks WHERE x), ts, INTERVAL '1' MINUTE)",
                 "select * from tumble((select * from clicks where x), ts, interval '1' minute)");

    /* Window functions in a join. */
    expect_query("SELECT * FROM TUMBLE(a, ts, INTERVAL '1' MINUTE) x JOIN users u ON x.id = u.id",
                 "select * from tumble(a, ts, interval '1' minute) as x join users as u on x.id = u.id");
}

static void test_generate_series(void **state) {
    (void)state;
    AstSelect *q = query_of("SELECT * FROM generate_series(1, 10, 2) AS g");
    assert_int_equal(q->from->kind, AST_TABLE_FUNC);
    assert_string_equal(q->from->name, "generate_series");
    assert_int_equal(q->from->list->n, 3);
    assert_int_equal(item(q->from->list, 0)->kind, AST_INT); /* not turned into a table */
    assert_string_equal(q->from->alias, "g");
    q = query_of("SELECT * FROM generate_series(1, 10)");
    assert_int_equal(q->from->list->n, 2);
    q = query_of("SELECT * FROM f()");
    assert_int_equal(q->from->list->n, 0);
    expect_query("SELECT * FROM generate_series(0, 100, 10) AS s", "select * from generate_series(0, 100, 10) as s");
}

/* ------------------------------------------------------------ expressions */

static void test_literals(void **state) {
    (void)state;
    const Ast *e = expr_of("42");
    assert_int_equal(e->kind, AST_INT);
    assert_int_equal(e->ival, 42);
    e = expr_of("9223372036854775807");
    assert_int_equal(e->kind, AST_INT);
    assert_int_equal(e->ival, INT64_MAX);
    e = expr_of("9223372036854775808"); /* too big for BIGINT: a DOUBLE */
    assert_int_equal(e->kind, AST_FLOAT);
    assert_true(e->dval > 9.2e18);
    e = expr_of("1.5e3");
    assert_int_equal(e->kind, AST_FLOAT);
    assert_true(e->dval == 1500.0);
    e = expr_of(".25");
    assert_true(e->dval == 0.25);
    e = expr_of("'it''s'");
    assert_int_equal(e->kind, AST_STRING);
    assert_string_equal(e->str, "it's");
    e = expr_of("''");
    assert_string_equal(e->str, "");
    e = expr_of("TRUE");
    assert_int_equal(e->kind, AST_BOOL);
    assert_int_equal(e->ival, 1);
    e = expr_of("false");
    assert_int_equal(e->ival, 0);
    e = expr_of("NULL");
    assert_int_equal(e->kind, AST_NULL);

    e = expr_of("INTERVAL '10' SECOND");
    assert_int_equal(e->kind, AST_INTERVAL);
    assert_int_equal(e->ival, 10 * USEC_PER_SEC);
    assert_string_equal(e->str, "'10' second");
    e = expr_of("INTERVAL '5' MINUTES");
    assert_int_equal(e->ival, 5 * USEC_PER_MIN);
    e = expr_of("INTERVAL '1 hour'");
    assert_int_equal(e->ival, USEC_PER_HOUR);
    assert_string_equal(e->str, "'1 hour'");
    e = expr_of("interval '2' days");
    assert_int_equal(e->ival, 2 * USEC_PER_DAY);
    e = expr_of("INTERVAL '250' MILLISECONDS");
    assert_int_equal(e->ival, 250000);

    e = expr_of("TIMESTAMP '2024-01-01 00:00:01'");
    assert_int_equal(e->kind, AST_TIMESTAMP);
    assert_int_equal(e->ival, 1704067201LL * USEC_PER_SEC);
    assert_string_equal(e->str, "2024-01-01 00:00:01");

    expect_expr("42", "42");
    expect_expr("1.50", "1.5");
    expect_expr("2.", "2.0");
    expect_expr("1e20", "1e+20");
    expect_expr("0.1", "0.1");
    expect_expr("1.7976931348623157e308", "1.7976931348623157e+308");
    expect_expr("9223372036854775808", "9.2233720368547758e+18");
    expect_expr("'a''b'", "'a''b'");
    expect_expr("TRUE", "true");
    expect_expr("Null", "null");
    expect_expr("INTERVAL '10' SECOND", "interval '10' second");
    expect_expr("INTERVAL '1 hour'", "interval '1 hour'");
    expect_expr("TIMESTAMP '2024-01-01T10:00:00Z'", "timestamp '2024-01-01 10:00:00'");
}

static void test_column_refs(void **state) {
    (void)state;
    const Ast *e = expr_of("Abc");
    assert_int_equal(e->kind, AST_COLUMN);
    assert_string_equal(e->name, "abc");
    assert_null(e->qualifier);
    e = expr_of("T.Col");
    assert_string_equal(e->qualifier, "t");
    assert_string_equal(e->name, "col");
    e = expr_of("\"My Table\".\"Col\"");
    assert_string_equal(e->qualifier, "My Table");
    assert_string_equal(e->name, "Col");
    e = expr_of("`back``tick`");
    assert_string_equal(e->name, "back`tick");
    e = expr_of("\"a\"\"b\"");
    assert_string_equal(e->name, "a\"b");
    expect_expr("t.a", "t.a");
    expect_expr("\"My Table\".\"Col\"", "\"My Table\".\"Col\"");
    expect_expr("\"a\"\"b\"", "\"a\"\"b\"");
    expect_expr("\"select\"", "\"select\"");
    expect_expr("\"1x\"", "\"1x\"");
    expect_expr("caf\xc3\xa9", "caf\xc3\xa9");
}

static void test_operators(void **state) {
    (void)state;
    static const struct {
        const char *in;
        AstOp op;
    } ops[] = {
        {"a + b", OP_ADD}, {"a - b", OP_SUB}, {"a * b", OP_MUL}, {"a / b", OP_DIV},   {"a % b", OP_MOD},
        {"a = b", OP_EQ},  {"a <> b", OP_NE}, {"a != b", OP_NE}, {"a < b", OP_LT},    {"a <= b", OP_LE},
        {"a > b", OP_GT},  {"a >= b", OP_GE}, {"a AND b", OP_AND}, {"a OR b", OP_OR}, {"a || b", OP_CONCAT},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        const Ast *e = expr_of(ops[i].in);
        assert_int_equal(e->kind, AST_BINARY);
        assert_int_equal(e->op, ops[i].op);
        assert_string_equal(e->left->name, "a");
        assert_string_equal(e->right->name, "b");
    }
    const Ast *e = expr_of("-a");
    assert_int_equal(e->kind, AST_UNARY);
    assert_int_equal(e->op, OP_NEG);
    e = expr_of("+a");
    assert_int_equal(e->op, OP_PLUS);
    e = expr_of("NOT a");
    assert_int_equal(e->op, OP_NOT);

    expect_expr("a+1", "a + 1");
    expect_expr("a != b", "a <> b");
    expect_expr("a||'x'", "a || 'x'");
    expect_expr("- a", "-a");
    expect_expr("- - a", "- -a");
    expect_expr("-(-1)", "- -1");
    expect_expr("- + a", "-+a");
    expect_expr("not not a", "not not a");
}

static void test_predicates(void **state) {
    (void)state;
    const Ast *e = expr_of("a IS NULL");
    assert_int_equal(e->kind, AST_IS_NULL);
    assert_false(e->negated);
    e = expr_of("a IS NOT NULL");
    assert_true(e->negated);

    e = expr_of("a BETWEEN 1 AND 2");
    assert_int_equal(e->kind, AST_BETWEEN);
    assert_false(e->negated);
    assert_int_equal(item(e->list, 0)->ival, 1);
    assert_int_equal(item(e->list, 1)->ival, 2);
    e = expr_of("a NOT BETWEEN 1 AND 2");
    assert_true(e->negated);

    e = expr_of("a IN (1, 2, 3)");
    assert_int_equal(e->kind, AST_IN);
    assert_false(e->negated);
    assert_int_equal(e->list->n, 3);
    e = expr_of("a NOT IN ('x')");
    assert_true(e->negated);
    e = expr_of("a IN (SELECT b FROM t)");
    assert_int_equal(e->list->n, 1);
    assert_int_equal(item(e->list, 0)->kind, AST_SUBQUERY);

    e = expr_of("a LIKE 'x%'");
    assert_int_equal(e->kind, AST_LIKE);
    assert_false(e->negated);
    assert_string_equal(e->right->str, "x%");
    e = expr_of("a NOT LIKE 'x%'");
    assert_true(e->negated);

    expect_expr("a is not null", "a is not null");
    expect_expr("a not between 1 and 2", "a not between 1 and 2");
    expect_expr("a not in (1,2)", "a not in (1, 2)");
    expect_expr("a in (select b from t)", "a in (select b from t)");
    expect_expr("a not like 'x'", "a not like 'x'");
}

static void test_case_cast_extract(void **state) {
    (void)state;
    const Ast *e = expr_of("CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END");
    assert_int_equal(e->kind, AST_CASE);
    assert_null(e->left);
    assert_int_equal(e->list->n, 4);
    assert_string_equal(item(e->list, 1)->str, "big");
    assert_string_equal(e->right->str, "none");
    e = expr_of("CASE a WHEN 1 THEN 'one' END");
    assert_string_equal(e->left->name, "a");
    assert_int_equal(e->list->n, 2);
    assert_null(e->right);
    expect_expr("CASE WHEN a > 1 THEN 'big' ELSE 'none' END", "case when a > 1 then 'big' else 'none' end");
    expect_expr("case a when 1 then 'one' when 2 then 'two' end", "case a when 1 then 'one' when 2 then 'two' end");

    e = expr_of("CAST(a AS BIGINT)");
    assert_int_equal(e->kind, AST_CAST);
    assert_int_equal(e->cast_type, TYPE_BIGINT);
    assert_int_equal(e->pos, 7);
    e = expr_of("a::text");
    assert_int_equal(e->kind, AST_CAST);
    assert_int_equal(e->cast_type, TYPE_TEXT);
    assert_int_equal(e->pos, 7);
    e = expr_of("x::VARCHAR(10)");
    assert_int_equal(e->cast_type, TYPE_TEXT);
    e = expr_of("'2024-01-01'::timestamp");
    assert_int_equal(e->cast_type, TYPE_TIMESTAMP);
    e = expr_of("'1 hour'::interval");
    assert_int_equal(e->cast_type, TYPE_INTERVAL);
    expect_expr("CAST(a AS INT)", "a::bigint");
    expect_expr("a::double", "a::double");
    expect_expr("a::int::text", "a::bigint::text");
    expect_expr("cast(a as boolean)", "a::boolean");
    expect_expr("CAST(a + 1 AS timestamp)", "(a + 1)::timestamp");
    expect_expr("CAST(x AS interval)", "x::interval");
    expect_expr("\"extract\"('X', ts)", "\"extract\"('X', ts)");

    e = expr_of("EXTRACT(HOUR FROM ts)");
    assert_int_equal(e->kind, AST_FUNC);
    assert_string_equal(e->name, "extract");
    assert_int_equal(e->list->n, 2);
    assert_int_equal(item(e->list, 0)->kind, AST_STRING);
    assert_string_equal(item(e->list, 0)->str, "hour");
    assert_string_equal(item(e->list, 1)->name, "ts");
    e = expr_of("extract('Epoch' from ts)");
    assert_string_equal(item(e->list, 0)->str, "epoch");
    expect_expr("EXTRACT(day FROM ts + INTERVAL '1' DAY)", "extract(day from ts + interval '1' day)");
    expect_expr("EXTRACT(year FROM ts)", "extract(year from ts)");
}

static void test_functions(void **state) {
    (void)state;
    const Ast *e = expr_of("COUNT(*)");
    assert_int_equal(e->kind, AST_FUNC);
    assert_string_equal(e->name, "count");
    assert_true(e->star);
    assert_int_equal(e->list->n, 1);
    assert_int_equal(item(e->list, 0)->kind, AST_STAR);
    assert_null(e->over);

    e = expr_of("sum(DISTINCT v)");
    assert_true(e->distinct);
    assert_false(e->star);
    assert_int_equal(e->list->n, 1);
    e = expr_of("now()");
    assert_string_equal(e->name, "now");
    assert_non_null(e->list);
    assert_int_equal(e->list->n, 0);
    e = expr_of("Coalesce(a, b, 'x')");
    assert_string_equal(e->name, "coalesce");
    assert_int_equal(e->list->n, 3);

    e = expr_of("row_number() OVER (PARTITION BY a, b ORDER BY c DESC)");
    assert_non_null(e->over);
    assert_int_equal(e->over->kind, AST_WINDOW_SPEC);
    assert_int_equal(e->over->list->n, 2);
    assert_int_equal(e->over->order->n, 1);
    assert_true(item(e->over->order, 0)->desc);
    assert_int_equal(e->over->pos, 20);
    e = expr_of("sum(x) OVER ()");
    assert_null(e->over->list);
    assert_null(e->over->order);

    expect_expr("COUNT(*)", "count(*)");
    expect_expr("SUM(v)", "sum(v)");
    expect_expr("count(DISTINCT user_id)", "count(distinct user_id)");
    expect_expr("now()", "now()");
    expect_expr("date_trunc('hour', ts)", "date_trunc('hour', ts)");
    expect_expr("sum(x) over ()", "sum(x) over ()");
    expect_expr("rank() over (order by a)", "rank() over (order by a)");
    expect_expr("lag(x) OVER (PARTITION BY k ORDER BY ts NULLS FIRST)",
                "lag(x) over (partition by k order by ts nulls first)");
    expect_expr("\"MyFunc\"(1)", "\"MyFunc\"(1)");
}

static void test_subqueries(void **state) {
    (void)state;
    const Ast *e = expr_of("(SELECT max(a) FROM t)");
    assert_int_equal(e->kind, AST_SUBQUERY);
    assert_int_equal(e->pos, 7);
    assert_string_equal(ast_select_to_sql(&arena, e->select), "select max(a) from t");
    expect_expr("1 + (SELECT 2)", "1 + (select 2)");
    expect_expr("((a))", "a");
}

/* Precedence: OR < AND < NOT < IS < comparison < BETWEEN/IN/LIKE < + - || < * / % < unary < :: */
static void test_precedence(void **state) {
    (void)state;
    static const char *const cases[][2] = {
        {"a OR b AND c", "a or b and c"},
        {"(a OR b) AND c", "(a or b) and c"},
        {"NOT a AND b", "not a and b"},
        {"NOT (a AND b)", "not (a and b)"},
        {"NOT a = b", "not a = b"},
        {"(NOT a) = b", "(not a) = b"},
        {"a = b IS NULL", "a = b is null"},
        {"a = (b IS NULL)", "a = (b is null)"},
        {"NOT a IS NULL", "not a is null"},
        {"a + 1 = b * 2", "a + 1 = b * 2"},
        {"a = b LIKE c", "a = b like c"},
        {"a = b NOT LIKE c", "a = b not like c"},
        {"(a = b) NOT LIKE c", "(a = b) not like c"},
        {"a BETWEEN 1 AND 2 AND b", "a between 1 and 2 and b"},
        {"a BETWEEN b + 1 AND c * 2", "a between b + 1 and c * 2"},
        {"a BETWEEN (b AND c) AND d", "a between (b and c) and d"},
        {"a + b IN (1)", "a + b in (1)"},
        {"a || b + c", "a || b + c"},
        {"a || (b + c)", "a || (b + c)"},
        {"a + b * c", "a + b * c"},
        {"(a + b) * c", "(a + b) * c"},
        {"a - b - c", "a - b - c"},
        {"a - (b - c)", "a - (b - c)"},
        {"a / b * c", "a / b * c"},
        {"a / (b * c)", "a / (b * c)"},
        {"-a * b", "-a * b"},
        {"-(a * b)", "-(a * b)"},
        {"-a::int", "-a::bigint"},
        {"(-a)::int", "(-a)::bigint"},
        {"(a + b)::text", "(a + b)::text"},
        {"a + b::text", "a + b::text"},
        {"a * b % c", "a * b % c"},
        {"a = 1 OR b = 2 AND NOT c = 3", "a = 1 or b = 2 and not c = 3"},
        {"a = b = c", "a = b = c"},          /* left-associative, as in SQLite */
        {"a = (b = c)", "a = (b = c)"},
        {"a < b <> c", "a < b <> c"},
        {"a LIKE b || c", "a like b || c"},
        {"(a LIKE b) IS NULL", "a like b is null"},
        {"a IS NULL IS NULL", "a is null is null"},
        {"a LIKE b LIKE c", "a like b like c"},
        {"a LIKE (b LIKE c)", "a like (b like c)"},
        {"(a LIKE b) BETWEEN 1 AND 2", "a like b between 1 and 2"},
        {"a BETWEEN 1 AND (2 LIKE c)", "a between 1 and (2 like c)"},
        {"a BETWEEN (1 LIKE c) AND 2", "a between (1 like c) and 2"},
        {"a IN (1) = b", "a in (1) = b"},
        {"(a OR b) IS NOT NULL", "(a or b) is not null"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) expect_expr(cases[i][0], cases[i][1]);

    /* Checked on the tree, not only on the text. */
    const Ast *e = expr_of("a OR b AND c");
    assert_int_equal(e->op, OP_OR);
    assert_int_equal(e->right->op, OP_AND);
    e = expr_of("a = b NOT LIKE c");
    assert_int_equal(e->kind, AST_BINARY);
    assert_int_equal(e->right->kind, AST_LIKE);
    assert_true(e->right->negated);
    e = expr_of("NOT a LIKE b");
    assert_int_equal(e->kind, AST_UNARY);
    assert_int_equal(e->left->kind, AST_LIKE);
    e = expr_of("a - b - c");
    assert_int_equal(e->left->kind, AST_BINARY);
    assert_string_equal(e->right->name, "c");
    e = expr_of("a || b + c");
    assert_int_equal(e->op, OP_ADD);
    assert_int_equal(e->left->op, OP_CONCAT);
    e = expr_of("a = b = c");
    assert_int_equal(e->left->op, OP_EQ);
    assert_string_equal(e->right->name, "c");
    e = expr_of("a BETWEEN 1 AND 2 LIKE c");
    assert_int_equal(e->kind, AST_LIKE);
    assert_int_equal(e->left->kind, AST_BETWEEN);
}

/* Non-reserved keywords work as names of columns, tables, aliases and functions. */
static void test_keywords_as_names(void **state) {
    (void)state;
    AstSelect *q = query_of("SELECT window_start, window_end, key, value, source, ts, data, format, path, topic, "
                            "day, hour, first, last, trigger, emit, update, now, over, partition, nulls, view, "
                            "sink, show, watermark, descriptor, end FROM source");
    const char *names[] = {"window_start", "window_end", "key",     "value",     "source", "ts",         "data",
                           "format",       "path",       "topic",   "day",       "hour",   "first",      "last",
                           "trigger",      "emit",       "update",  "now",       "over",   "partition",  "nulls",
                           "view",         "sink",       "show",    "watermark", "descriptor", "end"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const Ast *e = item(q->items, (int)i)->left;
        assert_int_equal(e->kind, AST_COLUMN);
        assert_string_equal(e->name, names[i]);
    }
    assert_string_equal(q->from->name, "source");
    /* INTERVAL, TIMESTAMP and EXTRACT start expressions, so as names they need quotes. */
    expect_error("SELECT interval FROM t", "syntax error at or near \"FROM\"", 16);

    q = query_of("SELECT s.source AS day, count(*) first FROM source s JOIN hop h ON s.k = h.k");
    assert_string_equal(item(q->items, 0)->name, "day");
    assert_string_equal(item(q->items, 0)->left->qualifier, "s");
    assert_string_equal(item(q->items, 1)->name, "first");
    assert_string_equal(q->from->left->alias, "s");
    assert_string_equal(q->from->right->name, "hop");

    AstStmt *s = parse_ok("CREATE TABLE source (key TEXT, value BIGINT, day TIMESTAMP, first INT, data TEXT)");
    assert_string_equal(s->name, "source");
    assert_string_equal(s->columns[2].name, "day");
    s = parse_ok("INSERT INTO sink (key, value) VALUES ('a', 1)");
    assert_string_equal(s->name, "sink");

    /* Quoting in ast_to_sql only where needed for the name to read back. */
    expect_expr("source + day", "source + day");
    expect_expr("\"interval\" + 1", "\"interval\" + 1");
    expect_expr("\"timestamp\"", "\"timestamp\"");
    expect_expr("\"from\"", "\"from\"");
    expect_expr("t.\"Select\"", "t.\"Select\"");
    expect_expr("if(a, b, c)", "if(a, b, c)");
    expect_expr("first || last", "first || last");
    expect_expr("max(hour)", "max(hour)");
}

static void test_types(void **state) {
    (void)state;
    static const struct {
        const char *name;
        Type type;
    } types[] = {
        {"BIGINT", TYPE_BIGINT},       {"INT", TYPE_BIGINT},     {"INTEGER", TYPE_BIGINT},  {"SMALLINT", TYPE_BIGINT},
        {"DOUBLE", TYPE_DOUBLE},       {"FLOAT", TYPE_DOUBLE},   {"REAL", TYPE_DOUBLE},     {"TEXT", TYPE_TEXT},
        {"VARCHAR", TYPE_TEXT},        {"VARCHAR(255)", TYPE_TEXT}, {"STRING", TYPE_TEXT}, {"BOOLEAN", TYPE_BOOL},
        {"BOOL", TYPE_BOOL},           {"TIMESTAMP", TYPE_TIMESTAMP}, {"TIMESTAMP(3)", TYPE_TIMESTAMP},
        {"INTERVAL", TYPE_INTERVAL},   {"bigint", TYPE_BIGINT},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        AstStmt *s = parse_ok(arena_printf(&arena, "CREATE TABLE t (c %s)", types[i].name));
        assert_int_equal(s->columns[0].type, types[i].type);
        const Ast *e = expr_of(arena_printf(&arena, "CAST(x AS %s)", types[i].name));
        assert_int_equal(e->cast_type, types[i].type);
    }
}

/* ------------------------------------------------------------ positions */

static void test_positions(void **state) {
    (void)state;
    /*                          0         1         2         3         4         5
                                0123456789012345678901234567890123456789012345678901234567 */
    AstSelect *q = query_of("SELECT a + b * 2, f(x) AS y FROM t AS u WHERE NOT c IS NULL");
    assert_int_equal(q->pos, 0);
    const Ast *e = item(q->items, 0)->left;
    assert_int_equal(item(q->items, 0)->pos, 7);
    assert_int_equal(e->pos, 7);         /* a + ...: its first token */
    assert_int_equal(e->left->pos, 7);
    assert_int_equal(e->right->pos, 11); /* b * 2 */
    assert_int_equal(e->right->right->pos, 15);
    e = item(q->items, 1)->left;
    assert_int_equal(e->pos, 18);
    assert_int_equal(item(e->list, 0)->pos, 20);
    assert_int_equal(q->from->pos, 33);
    assert_int_equal(q->where->pos, 46);  /* NOT */
    assert_int_equal(q->where->left->pos, 50);

    q = query_of("SELECT\n  t.a,\n  'x',\n  CASE WHEN 1 THEN 2 END\nFROM t");
    assert_int_equal(item(q->items, 0)->left->pos, 9);
    assert_int_equal(item(q->items, 1)->left->pos, 16);
    assert_int_equal(item(q->items, 2)->left->pos, 23);

    AstStmt *s = parse_ok("  CREATE TABLE t (a INT) ;  ");
    assert_int_equal(s->pos, 2);
    assert_int_equal(s->end, 24);
    assert_int_equal(s->name_pos, 15);
}

/* ------------------------------------------------------------ errors */

static void test_syntax_errors(void **state) {
    (void)state;
    expect_error("SELECT", "syntax error at end of input", 6);
    expect_error("SELECT 1 +", "syntax error at end of input", 10);
    expect_error("SELECT 1 +;", "syntax error at or near \";\"", 10);
    expect_error("SELEC 1", "syntax error at or near \"SELEC\"", 0);
    expect_error("SELECT a FROM", "syntax error at end of input", 13);
    expect_error("SELECT a FROM t WHERE", "syntax error at end of input", 21);
    expect_error("SELECT a b c FROM t", "syntax error at or near \"c\"", 11);
    expect_error("SELECT (1", "syntax error at end of input", 9);
    expect_error("SELECT 1)", "syntax error at or near \")\"", 8);
    expect_error("SELECT * FROM t JOIN u", "syntax error at end of input", 22);
    expect_error("SELECT f(*, 1)", "syntax error at or near \",\"", 10);
    expect_error("SELECT x IN ()", "syntax error at or near \")\"", 13);
    expect_error("CREATE SOURCE s () WITH (a = 'b')", "syntax error at or near \")\"", 17);
    expect_error("CREATE SOURCE s (a INT) WITH (a)", "syntax error at or near \")\"", 31);
    expect_error("CREATE SOURCE s (a INT) WITH (a = 'b',)", "syntax error at or near \")\"", 38);
    expect_error("DROP QUERY q", "syntax error at or near \"QUERY\"", 5);
    expect_error("SHOW", "syntax error at end of input", 4);
    expect_error("INSERT INTO t", "syntax error at end of input", 13);
    expect_error("SELECT 'abc", "unterminated quoted string", 7);
    expect_error("SELECT \"abc", "unterminated quoted identifier", 7);
    expect_error("SELECT 1 /* x", "unterminated /* comment", 9);
    expect_error("SELECT a @ b", "unexpected character \"@\"", 9);
    expect_error("SELECT 12abc", "trailing junk after numeric literal at or near \"12abc\"", 7);
    expect_error("SELECT a FROM t EMIT SOMETIMES", "syntax error at or near \"SOMETIMES\"", 21);
    expect_error("SELECT a FROM t TRIGGER NEVER", "syntax error at or near \"NEVER\"", 24);
    expect_error("SELECT a FROM t TRIGGER INTERVAL 5", "syntax error at or near \"5\"", 33);
}

static void test_semantic_errors(void **state) {
    (void)state;
    expect_error("CREATE TABLE t (a foo)", "type \"foo\" does not exist", 18);
    expect_error("SELECT CAST(a AS Blob)", "type \"blob\" does not exist", 17);
    expect_error("SELECT a::\"big int\"", "type \"big int\" does not exist", 10);
    expect_error("SELECT a::bigint(5)", "type modifier is not allowed for type \"bigint\"", 17);
    expect_error("SELECT INTERVAL 'abc' SECOND", "invalid interval \"abc second\"", 16);
    expect_error("SELECT INTERVAL '10 parsecs'", "invalid interval \"10 parsecs\"", 16);
    expect_error("SELECT INTERVAL ''", "invalid interval \"\"", 16);
    expect_error("SELECT TIMESTAMP '2024-13-01'", "invalid timestamp \"2024-13-01\"", 17);
    expect_error("SELECT 1e999", "number \"1e999\" is out of range", 7);
    expect_error("SELECT \"\"", "zero-length quoted identifier", 7);
    expect_error("CREATE TABLE t (a INT, b TEXT, A BIGINT)", "column \"a\" specified more than once", 31);
    expect_error("CREATE SOURCE s (a INT) WITH (x = '1', X = '2')", "option \"x\" specified more than once", 39);
    expect_error("CREATE SOURCE s (ts TIMESTAMP, WATERMARK FOR ts AS ts, WATERMARK FOR ts AS ts)",
                 "WATERMARK specified more than once", 55);
    expect_error("CREATE SOURCE s (a INT, WATERMARK FOR ts AS ts)",
                 "WATERMARK column \"ts\" is not a column of \"s\"", 24);
    expect_error("CREATE SOURCE s (ts BIGINT, WATERMARK FOR ts AS ts)",
                 "WATERMARK column \"ts\" must be TIMESTAMP, not BIGINT", 28);
    expect_error("CREATE TABLE t (ts TIMESTAMP, WATERMARK FOR ts AS ts)", "WATERMARK is only allowed in CREATE SOURCE",
                 30);
    expect_error("SELECT a FROM t EMIT UPDATE EMIT APPEND", "EMIT specified more than once", 28);
    expect_error("SELECT a FROM t TRIGGER ONCE TRIGGER CONTINUOUS", "TRIGGER specified more than once", 29);
    expect_error("SELECT a FROM t TRIGGER INTERVAL '0' SECOND", "trigger interval must be positive", 24);
    expect_error("SELECT * FROM (SELECT a FROM t EMIT UPDATE) s", "EMIT is only allowed on the outermost query", 31);
    expect_error("SELECT (SELECT a FROM t TRIGGER ONCE)", "TRIGGER is only allowed on the outermost query", 24);
    expect_error("SELECT * FROM SESSION(s PARTITION BY ts, INTERVAL '1' MINUTE)",
                 "session(source PARTITION BY keys, time_column, gap) needs at least one key", 14);
    expect_error("INSERT INTO t VALUES (1, 2), (3)", "VALUES lists must all be the same length", 30);
}

static void test_error_rendering(void **state) {
    (void)state;
    const char *text = "SELECT 1;\nSELECT a,\n  FROM t;";
    AstStmt *s;
    int next;
    Err err;
    err_clear(&err);
    assert_int_equal(parse_next(text, 10, &arena, &s, &next, &err), -1);
    char *r = err_render(&err, "q.sql", text, 0);
    assert_string_equal(r, "q.sql:3:3: error: syntax error at or near \"FROM\"\n  FROM t;\n  ^");
    free(r);
    assert_int_equal(next, (int)strlen(text));
}

/* Deep trees are refused before they can exhaust the C stack of later phases. */
static void test_depth_limits(void **state) {
    (void)state;
    size_t n = 5000;
    char *sql = malloc(16 + 4 * n);
    /* 1 + 1 + ... : a left-deep tree that does not deepen Lemon's stack */
    strcpy(sql, "SELECT 1");
    for (size_t i = 0; i < n; i++) strcat(sql, " + 1");
    expect_error(sql, "expression is too deeply nested (more than 1000 levels)", 7);
    /* 900 terms: fine */
    strcpy(sql, "SELECT 1");
    for (size_t i = 0; i < 900; i++) strcat(sql, "+1");
    assert_int_equal(expr_of(sql + 7)->height, 901);

    /* (((((1))))): Lemon's fixed stack */
    strcpy(sql, "SELECT ");
    for (size_t i = 0; i < n; i++) strcat(sql, "(");
    strcat(sql, "1");
    for (size_t i = 0; i < n; i++) strcat(sql, ")");
    AstStmt *s;
    int next;
    Err err;
    err_clear(&err);
    assert_int_equal(parse_next(sql, 0, &arena, &s, &next, &err), -1);
    assert_string_equal(err.msg, "statement is too deeply nested");
    assert_int_equal(next, (int)strlen(sql));

    /* a long join chain */
    strcpy(sql, "SELECT * FROM t");
    for (size_t i = 0; i < 1200; i++) strcat(sql, ",t");
    expect_error(sql, "expression is too deeply nested (more than 1000 levels)", 14);

    /* subqueries stack their heights: three levels of 400-term sums are too deep */
    strcpy(sql, "SELECT ");
    for (int level = 0; level < 3; level++) strcat(sql, "(SELECT ");
    strcat(sql, "1");
    for (int level = 0; level < 3; level++) {
        for (int i = 0; i < 400; i++) strcat(sql, "+1");
        strcat(sql, ")");
    }
    err_clear(&err);
    assert_int_equal(parse_next(sql, 0, &arena, &s, &next, &err), -1);
    assert_string_equal(err.msg, "expression is too deeply nested (more than 1000 levels)");
    /* ... and two levels are fine */
    strcpy(sql, "SELECT (SELECT (SELECT 1");
    for (int i = 0; i < 400; i++) strcat(sql, "+1");
    strcat(sql, ")");
    for (int i = 0; i < 400; i++) strcat(sql, "+1");
    strcat(sql, ")");
    assert_true(query_of(sql)->height > 800);

    /* very wide tables */
    free(sql);
    sql = malloc(32 + 16 * 2000);
    strcpy(sql, "CREATE TABLE t (c0 INT");
    for (int i = 1; i < 1600; i++) sprintf(sql + strlen(sql), ", c%d INT", i);
    strcat(sql, ")");
    assert_int_equal(parse_ok(sql)->ncolumns, 1600);
    strcpy(sql + strlen(sql) - 1, ", c1600 INT)");
    expect_error(sql, "tables can have at most 1600 columns", (int)(strstr(sql, "c1600") - sql));

    /* NOT NOT NOT ... nests on the parser stack */
    strcpy(sql, "SELECT ");
    for (size_t i = 0; i < n; i++) strcat(sql, "NOT ");
    strcat(sql, "a");
    err_clear(&err);
    assert_int_equal(parse_next(sql, 0, &arena, &s, &next, &err), -1);
    free(sql);
}

/* ast_to_sql output reads back to the same tree, for a variety of queries. */
static void test_round_trip(void **state) {
    (void)state;
    static const char *const queries[] = {
        "SELECT a, b FROM t WHERE a > 1 AND (b < 2 OR c IS NULL)",
        "SELECT k, SUM(v) AS total, COUNT(*), AVG(v) FROM big GROUP BY k HAVING SUM(v) > 10 ORDER BY total DESC LIMIT 5",
        "SELECT CASE WHEN x BETWEEN 1 AND 10 THEN 'low' WHEN x IN (11, 12) THEN 'mid' ELSE 'high' END FROM t",
        ("SELECT window_start, COUNT(DISTINCT user_id) FROM HOP(clicks, ts, INTERVAL '10' SECOND, INTERVAL '1' MINUTE) "
         "GROUP BY window_start EMIT UPDATE TRIGGER INTERVAL '5' SECOND"),
        "SELECT u.country, count(*) FROM clicks c LEFT JOIN users u ON c.user_id = u.user_id GROUP BY u.country",
        "SELECT -x, - -x, +x, NOT NOT b, x::text || 'a', lower(\"Name\"), substr(s, 1, 3) FROM t",
        "SELECT a FROM (SELECT a FROM (SELECT 1 AS a) x) y WHERE a IN (SELECT 1) ORDER BY a NULLS LAST",
        "SELECT EXTRACT(epoch FROM ts), date_trunc('minute', ts), ts - INTERVAL '1 hour' FROM t",
        "SELECT * FROM TABLE(SESSION(TABLE clicks PARTITION BY a, b, DESCRIPTOR(ts), INTERVAL '30' SECONDS)) s",
        "SELECT TIMESTAMP '2024-01-01 00:00:00.5' + INTERVAL '2 hours 30 minutes', 1e-5, 0.1, 123456789012",
        "SELECT \"Weird \"\"Name\"\"\" AS \"Alias\", `tick` FROM \"My Table\" AS \"T\"",
        "SELECT a FROM t WHERE NOT (a LIKE 'x%' OR a NOT LIKE 'y_') AND b NOT BETWEEN -1 AND +1",
        "SELECT 1 FROM a, b JOIN c ON b.x = c.x, d CROSS JOIN e",
        "SELECT row_number() OVER (PARTITION BY k ORDER BY ts DESC NULLS FIRST, id) AS rn FROM t",
        "SELECT (SELECT max(v) FROM t) + 1, (a), ((a + b)) * c FROM t",
        "SELECT DISTINCT a FROM t LIMIT 1 + 1 OFFSET 2 * 3 TRIGGER ONCE",
    };
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        const char *once = ast_select_to_sql(&arena, query_of(queries[i]));
        const char *twice = ast_select_to_sql(&arena, query_of(once));
        if (strcmp(once, twice) != 0) fail_msg("%s\n  -> %s\n  -> %s", queries[i], once, twice);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_source, setup, teardown),
        cmocka_unit_test_setup_teardown(test_with_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_views, setup, teardown),
        cmocka_unit_test_setup_teardown(test_show_describe_explain_drop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_clauses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_star, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_clauses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_from_items, setup, teardown),
        cmocka_unit_test_setup_teardown(test_joins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_table_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_generate_series, setup, teardown),
        cmocka_unit_test_setup_teardown(test_literals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_column_refs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_operators, setup, teardown),
        cmocka_unit_test_setup_teardown(test_predicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_case_cast_extract, setup, teardown),
        cmocka_unit_test_setup_teardown(test_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_subqueries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keywords_as_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_semantic_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_rendering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_depth_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
