/*
** Helpers shared by the engine's API tests: a session on a fresh results
** database in a temporary directory per test, and results captured as text:
** the rows of the last result set joined with '\n', cells with '|', SQL
** NULL as "NULL", so expectations read like the tables the shell prints.
*/
#ifndef WEIR_TEST_API_HARNESS_H
#define WEIR_TEST_API_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weir.h"

/* Not every test file uses every helper. */
#define HARNESS_UNUSED __attribute__((unused))

typedef struct Capture {
    int nresults;        /* result sets delivered */
    int ncols;
    int64_t nrows;
    char header[512];    /* names joined by '|' */
    char types[512];     /* types joined by '|' */
    char *rows;          /* malloc'ed; rows joined by '\n' */
    bool null_seen;      /* some cell was a NULL pointer */
    weir *interrupt;     /* when set, the callback interrupts this session */
} Capture;

HARNESS_UNUSED static void append(char **buf, size_t *len, const char *s) {
    size_t n = strlen(s);
    *buf = realloc(*buf, *len + n + 1);
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

HARNESS_UNUSED static void capture(void *ud, const weir_result *r) {
    Capture *c = ud;
    c->nresults++;
    c->ncols = r->ncols;
    c->nrows = r->nrows;
    c->header[0] = c->types[0] = 0;
    for (int j = 0; j < r->ncols; j++) {
        strncat(c->header, j ? "|" : "", sizeof c->header - strlen(c->header) - 1);
        strncat(c->header, r->names[j], sizeof c->header - strlen(c->header) - 1);
        strncat(c->types, j ? "|" : "", sizeof c->types - strlen(c->types) - 1);
        strncat(c->types, r->types[j], sizeof c->types - strlen(c->types) - 1);
    }
    free(c->rows);
    c->rows = NULL;
    size_t len = 0;
    append(&c->rows, &len, "");
    for (int64_t i = 0; i < r->nrows; i++) {
        if (i) append(&c->rows, &len, "\n");
        for (int j = 0; j < r->ncols; j++) {
            const char *cell = r->cells[i * r->ncols + j];
            if (!cell) c->null_seen = true;
            if (j) append(&c->rows, &len, "|");
            append(&c->rows, &len, cell ? cell : "NULL");
        }
    }
    if (c->interrupt) weir_interrupt(c->interrupt);
}

HARNESS_UNUSED static void capture_free(Capture *c) {
    free(c->rows);
    memset(c, 0, sizeof *c);
}

typedef struct Fixture {
    char dir[64];
    char db[128];
    weir *w;
} Fixture;

HARNESS_UNUSED static int setup(void **state) {
    Fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/weir-test-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    snprintf(f->db, sizeof f->db, "%s/weir.db", f->dir);
    char *err = NULL;
    if (weir_open(f->db, &f->w, &err)) {
        fprintf(stderr, "open: %s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

HARNESS_UNUSED static int teardown(void **state) {
    Fixture *f = *state;
    weir_close(f->w);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

/* Run `sql`, which must succeed; the last result set is in *c (may be NULL). */
HARNESS_UNUSED static void ok(weir *w, const char *sql, Capture *c) {
    Capture tmp = {0};
    char *err = NULL;
    int rc = weir_exec(w, sql, "test.sql", capture, c ? c : &tmp, &err);
    if (rc) fprintf(stderr, "unexpected error for [%s]: %s\n", sql, err ? err : "?");
    assert_int_equal(rc, 0);
    assert_null(err);
    capture_free(&tmp);
}

/* Run `sql` and expect its last result's rows to read `rows`. */
HARNESS_UNUSED static void query(weir *w, const char *sql, const char *rows) {
    Capture c = {0};
    ok(w, sql, &c);
    assert_non_null(c.rows);
    if (strcmp(c.rows, rows) != 0) fprintf(stderr, "query [%s]\n  got:  [%s]\n  want: [%s]\n", sql, c.rows, rows);
    assert_string_equal(c.rows, rows);
    capture_free(&c);
}

/* Run `sql`, which must fail with an error message containing `want`. */
HARNESS_UNUSED static void fails(weir *w, const char *sql, const char *want) {
    Capture c = {0};
    char *err = NULL;
    int rc = weir_exec(w, sql, "test.sql", capture, &c, &err);
    if (rc == 0) fprintf(stderr, "expected an error for [%s]\n", sql);
    assert_int_equal(rc, -1);
    assert_non_null(err);
    if (!strstr(err, want)) fprintf(stderr, "error for [%s]\n  got:  [%s]\n  want: [%s]\n", sql, err, want);
    assert_non_null(strstr(err, want));
    weir_free(err);
    capture_free(&c);
}

#endif
