/*
** Unit tests for the tokenizer and the statement driver: token kinds and
** lengths, comments, quoting, numbers, operators, tokenizer errors with their
** offsets, sql_complete(), and parse_next() over texts of several statements
** including recovery after an error.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse.h"
#include "../../parser/parser_int.h"

/* The type and length of the first token of z. */
static int scan(const char *z, int *len) {
    int type;
    *len = tok_scan(z, &type);
    return type;
}

static void expect_token(const char *z, int type, int len) {
    int n;
    int t = scan(z, &n);
    if (t != type || n != len) fail_msg("\"%s\": got type %d len %d, want type %d len %d", z, t, n, type, len);
}

static void test_punctuation(void **state) {
    (void)state;
    expect_token("+1", TK_PLUS, 1);
    expect_token("-1", TK_MINUS, 1);
    expect_token("*", TK_STAR, 1);
    expect_token("/ 2", TK_SLASH, 1);
    expect_token("%", TK_REM, 1);
    expect_token("=", TK_EQ, 1);
    expect_token("<>", TK_NE, 2);
    expect_token("!=", TK_NE, 2);
    expect_token("<", TK_LT, 1);
    expect_token("<=", TK_LE, 2);
    expect_token(">", TK_GT, 1);
    expect_token(">=", TK_GE, 2);
    expect_token("||", TK_CONCAT, 2);
    expect_token("::int", TK_COLONCOLON, 2);
    expect_token("(", TK_LP, 1);
    expect_token(")", TK_RP, 1);
    expect_token(",", TK_COMMA, 1);
    expect_token(";", TK_SEMI, 1);
    expect_token(".a", TK_DOT, 1);
    expect_token("", 0, 0);
}

static void test_space_and_comments(void **state) {
    (void)state;
    expect_token(" \t\r\n x", TK_SPACE, 5);
    expect_token("-- comment\nx", TK_SPACE, 10);
    expect_token("-- to the end", TK_SPACE, 13);
    expect_token("/* a ; 'b' */x", TK_SPACE, 13);
    expect_token("/**/", TK_SPACE, 4);
    expect_token("/* never closed", TK_ILLEGAL, 15);
    expect_token("/*", TK_ILLEGAL, 2);
}

static void test_strings_and_identifiers(void **state) {
    (void)state;
    expect_token("'abc' x", TK_STRING, 5);
    expect_token("'it''s'", TK_STRING, 7);
    expect_token("''", TK_STRING, 2);
    expect_token("'a;b'", TK_STRING, 5);
    expect_token("'open", TK_ILLEGAL, 5);
    expect_token("'it''", TK_ILLEGAL, 5);
    expect_token("\"Quoted Name\"", TK_ID, 13);
    expect_token("\"a\"\"b\"", TK_ID, 6);
    expect_token("`back tick`", TK_ID, 11);
    expect_token("\"open", TK_ILLEGAL, 5);
    expect_token("abc_1 x", TK_ID, 5);
    expect_token("_x", TK_ID, 2);
    expect_token("caf\xc3\xa9 x", TK_ID, 5); /* UTF-8 letters are identifier characters */
    expect_token("window_start", TK_ID, 12);
}

static void test_keywords(void **state) {
    (void)state;
    expect_token("select", TK_SELECT, 6);
    expect_token("SeLeCt", TK_SELECT, 6);
    expect_token("SELECTED", TK_ID, 8);
    expect_token("watermark", TK_WATERMARK, 9);
    expect_token("materialized", TK_MATERIALIZED, 12);
    expect_token("Seconds", TK_SECONDS, 7);
    assert_int_equal(tok_keyword_code("FROM", 4), TK_FROM);
    assert_int_equal(tok_keyword_code("fromx", 5), TK_ID);
    assert_int_equal(tok_keyword_code("fro", 3), TK_ID);
    assert_int_equal(tok_keyword_code("", 0), TK_ID);
}

static void test_numbers(void **state) {
    (void)state;
    expect_token("42 ", TK_INTEGER, 2);
    expect_token("0", TK_INTEGER, 1);
    expect_token("1.5", TK_FLOAT, 3);
    expect_token("1.", TK_FLOAT, 2);
    expect_token(".5", TK_FLOAT, 2);
    expect_token("1e10", TK_FLOAT, 4);
    expect_token("1.5E-3+", TK_FLOAT, 6);
    expect_token("2e+7", TK_FLOAT, 4);
    expect_token("1abc", TK_ILLEGAL, 4);   /* trailing junk */
    expect_token("1e", TK_ILLEGAL, 2);
    expect_token("1e+", TK_ILLEGAL, 2);     /* no digits after the sign: "1e" is junk */
    expect_token("3.x", TK_ILLEGAL, 3);
    expect_token("1..2", TK_FLOAT, 2);
}

static void test_illegal(void **state) {
    (void)state;
    expect_token("#", TK_ILLEGAL, 1);
    expect_token("!", TK_ILLEGAL, 1);
    expect_token("|x", TK_ILLEGAL, 1);
    expect_token(":x", TK_ILLEGAL, 1);
    expect_token("\x01", TK_ILLEGAL, 1);
    char buf[128];
    tok_illegal_message("#", 1, buf, sizeof buf);
    assert_string_equal(buf, "unexpected character \"#\"");
    tok_illegal_message("\x01", 1, buf, sizeof buf);
    assert_string_equal(buf, "unexpected character 0x01");
    tok_illegal_message("'abc", 4, buf, sizeof buf);
    assert_string_equal(buf, "unterminated quoted string");
    tok_illegal_message("\"abc", 4, buf, sizeof buf);
    assert_string_equal(buf, "unterminated quoted identifier");
    tok_illegal_message("/* x", 4, buf, sizeof buf);
    assert_string_equal(buf, "unterminated /* comment");
    tok_illegal_message("12ab", 4, buf, sizeof buf);
    assert_string_equal(buf, "trailing junk after numeric literal at or near \"12ab\"");
}

/* Every token of a statement, as "type:len" pairs, to check a whole scan. */
static void test_scan_statement(void **state) {
    (void)state;
    const char *sql = "SELECT a, 'x''y' FROM t -- c\nWHERE b >= 1.5;";
    static const int want[][2] = {
        {TK_SELECT, 6}, {TK_SPACE, 1}, {TK_ID, 1}, {TK_COMMA, 1}, {TK_SPACE, 1}, {TK_STRING, 6},
        {TK_SPACE, 1}, {TK_FROM, 4}, {TK_SPACE, 1}, {TK_ID, 1}, {TK_SPACE, 1}, {TK_SPACE, 4}, {TK_SPACE, 1},
        {TK_WHERE, 5}, {TK_SPACE, 1}, {TK_ID, 1}, {TK_SPACE, 1}, {TK_GE, 2}, {TK_SPACE, 1},
        {TK_FLOAT, 3}, {TK_SEMI, 1}, {0, 0},
    };
    int pos = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        int n, t = scan(sql + pos, &n);
        assert_int_equal(t, want[i][0]);
        assert_int_equal(n, want[i][1]);
        pos += n;
    }
    assert_int_equal(pos, (int)strlen(sql));
}

static void test_sql_complete(void **state) {
    (void)state;
    assert_true(sql_complete("SELECT 1;"));
    assert_true(sql_complete("SELECT 1; SELECT"));
    assert_true(sql_complete(";"));
    assert_true(sql_complete("SELECT 1 -- x\n;"));
    assert_true(sql_complete("SELECT 'a;' ;"));
    assert_true(sql_complete("SELECT # ;")); /* a bad character does not hide the ';' */
    assert_false(sql_complete(""));
    assert_false(sql_complete("SELECT 1"));
    assert_false(sql_complete("SELECT 'a;b'"));
    assert_false(sql_complete("SELECT 'a;b"));
    assert_false(sql_complete("SELECT \"a;b\""));
    assert_false(sql_complete("SELECT 1 -- ;"));
    assert_false(sql_complete("SELECT 1 /* ; */"));
    assert_false(sql_complete("SELECT 1 /* ; "));
    assert_false(sql_complete("SELECT 'it''s;"));
    assert_false(sql_complete(NULL));
}

/* ------------------------------------------------------------ parse_next */

typedef struct Run {
    int nstmts, nerrors;
    StmtKind kinds[16];
    int pos[16], end[16];
    char msgs[4][ERR_MSG_MAX];
    int offsets[4];
} Run;

/* Parse the whole text statement by statement, as the shell does. */
static void run(const char *text, Run *r) {
    Arena a;
    arena_init(&a, 0);
    memset(r, 0, sizeof *r);
    int pos = 0;
    for (int guard = 0; guard < 100; guard++) {
        AstStmt *s;
        int next;
        Err err;
        err_clear(&err);
        int rc = parse_next(text, pos, &a, &s, &next, &err);
        assert_true(next >= pos);
        assert_true(next <= (int)strlen(text));
        if (rc) {
            assert_true(err.set);
            assert_null(s);
            if (r->nerrors < 4) {
                strcpy(r->msgs[r->nerrors], err.msg);
                r->offsets[r->nerrors] = err.offset;
            }
            r->nerrors++;
        } else if (!s) {
            assert_int_equal(next, (int)strlen(text));
            break;
        } else {
            assert_false(err.set);
            assert_true(r->nstmts < 16);
            r->kinds[r->nstmts] = s->kind;
            r->pos[r->nstmts] = s->pos;
            r->end[r->nstmts] = s->end;
            r->nstmts++;
        }
        assert_true(next > pos || text[pos] == 0);
        pos = next;
    }
    arena_free(&a);
}

static void test_parse_next_many(void **state) {
    (void)state;
    Run r;
    const char *text = "  -- setup\n SELECT 1; ;; SHOW TABLES ;\nDROP VIEW v";
    run(text, &r);
    assert_int_equal(r.nstmts, 3);
    assert_int_equal(r.nerrors, 0);
    assert_int_equal(r.kinds[0], STMT_SELECT);
    assert_int_equal(r.kinds[1], STMT_SHOW);
    assert_int_equal(r.kinds[2], STMT_DROP);
    assert_int_equal(r.pos[0], 12);
    assert_int_equal(r.end[0], 20);            /* just past "1", before ';' */
    assert_int_equal(r.pos[1], 25);
    assert_int_equal(r.end[1], 36);            /* "SHOW TABLES" ends before the blank */
    assert_int_equal(r.pos[2], 39);
    assert_int_equal(r.end[2], (int)strlen(text));

    run("", &r);
    assert_int_equal(r.nstmts + r.nerrors, 0);
    run(" /* only a comment */ -- and another", &r);
    assert_int_equal(r.nstmts + r.nerrors, 0);
}

static void test_parse_next_recovers(void **state) {
    (void)state;
    Run r;
    /* An error skips to the next ';'; statements after it still parse. */
    run("SELECT 1 +; SELECT FROM; SELECT 'a;b' x; SELECT # 1; SELECT 2", &r);
    assert_int_equal(r.nerrors, 3);
    assert_int_equal(r.nstmts, 2);
    assert_string_equal(r.msgs[0], "syntax error at or near \";\"");
    assert_int_equal(r.offsets[0], 10);
    assert_string_equal(r.msgs[1], "syntax error at or near \"FROM\"");
    assert_int_equal(r.offsets[1], 19);
    assert_string_equal(r.msgs[2], "unexpected character \"#\"");
    assert_int_equal(r.offsets[2], 48);

    /* An unterminated string swallows the rest: one error, nothing after it. */
    run("SELECT 1; SELECT 'abc; SELECT 2;", &r);
    assert_int_equal(r.nstmts, 1);
    assert_int_equal(r.nerrors, 1);
    assert_string_equal(r.msgs[0], "unterminated quoted string");
    assert_int_equal(r.offsets[0], 17);

    run("SELECT 1 /* open", &r);
    assert_int_equal(r.nerrors, 1);
    assert_string_equal(r.msgs[0], "unterminated /* comment");
    assert_int_equal(r.offsets[0], 9);

    run("SELECT", &r);
    assert_int_equal(r.nerrors, 1);
    assert_string_equal(r.msgs[0], "syntax error at end of input");
    assert_int_equal(r.offsets[0], 6);

    /* A semantic error inside a statement also skips just that statement. */
    run("CREATE TABLE t (a foo); SELECT 1", &r);
    assert_int_equal(r.nerrors, 1);
    assert_int_equal(r.nstmts, 1);
    assert_string_equal(r.msgs[0], "type \"foo\" does not exist");
    assert_int_equal(r.offsets[0], 18);
}

static void test_parse_next_start_offset(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    const char *text = "SELECT 1; SELECT x FROM t";
    AstStmt *s;
    int next;
    Err err;
    err_clear(&err);
    assert_int_equal(parse_next(text, 9, &a, &s, &next, &err), 0);
    assert_non_null(s);
    /* Offsets are relative to the whole text, not to `start`. */
    assert_int_equal(s->pos, 10);
    assert_int_equal(s->query->from->pos, 24);
    assert_int_equal(next, (int)strlen(text));
    assert_int_equal(parse_next(text, next, &a, &s, &next, &err), 0);
    assert_null(s);
    arena_free(&a);
}

/* The error was already set by someone else: parse_next still reports its own outcome. */
static void test_parse_next_with_stale_error(void **state) {
    (void)state;
    Arena a;
    arena_init(&a, 0);
    AstStmt *s;
    int next;
    Err err;
    err_clear(&err);
    err_set(&err, "earlier");
    assert_int_equal(parse_next("SELECT 1", 0, &a, &s, &next, &err), 0);
    assert_non_null(s);
    assert_string_equal(err.msg, "earlier");
    arena_free(&a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_punctuation),
        cmocka_unit_test(test_space_and_comments),
        cmocka_unit_test(test_strings_and_identifiers),
        cmocka_unit_test(test_keywords),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_illegal),
        cmocka_unit_test(test_scan_statement),
        cmocka_unit_test(test_sql_complete),
        cmocka_unit_test(test_parse_next_many),
        cmocka_unit_test(test_parse_next_recovers),
        cmocka_unit_test(test_parse_next_start_offset),
        cmocka_unit_test(test_parse_next_with_stale_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
