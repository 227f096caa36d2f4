/*
** slt: the SQL logic test runner.
**
**   slt [--root DIR] [--db-dir DIR] [-v] FILE.test ...
**
** Runs sqllogictest files (DuckDB's dialect of the format, see
** /work/shared/STYLE.md) through the public embedding API (weir.h), so the
** tests see exactly what a user of the library sees.  Each file runs in a
** fresh session whose results database lives in a fresh temporary directory
** (under --db-dir, default $TMPDIR or /tmp), removed afterwards: files are
** independent of each other and of the working directory.  With --root the
** runner changes into DIR first, so tests name their data files relative to
** the repository root (`tests/data/x.csv`); test file paths given on the
** command line are resolved before that.
**
** Records, separated by blank lines; `#` starts a comment line between them:
**
**   statement ok            SQL must succeed
**   statement error         SQL must fail; the optional text after a `----`
**   SQL...                  line must be a substring of the error message
**   ----
**   expected message
**
**   query TYPES [SORT]      SQL must return a result set with len(TYPES)
**   SQL...                  columns (I integer, R double, T text, B boolean,
**   ----                    D timestamp: only the count is checked) whose
**   v1<TAB>v2               rows equal the expected ones.  SORT: nosort
**                           (default), rowsort (rows compared sorted) or
**                           valuesort (all values compared as one sorted list)
**
** The SQL of a record runs until a blank line or `----`.  Values print as weir
** prints them; SQL NULL is `NULL` and the empty string `(empty)`.  Expected
** values are one row per line separated by tabs, or one value per line (the
** classic sqllogictest layout, recognised when a line holds one value but the
** result has several columns).  An expected value `<REGEX>:pattern` matches an
** actual value the POSIX extended regex matches in full (`<!REGEX>:` must not
** match); when a one-column query expects exactly one such value, the pattern
** is matched against the whole result, rows joined by newlines, which is how
** multi-line output such as EXPLAIN is checked without pinning every line.
**
** Output: `ok FILE (N records)` per passing file; for each failing record its
** FILE:LINE, the SQL, and expected against actual.  The last line is
** `N passed, N failed`, counting records.  Exit status 0 only when nothing failed.
*/
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weir.h"

/* ------------------------------------------------------------------ helpers */

static void *xmalloc_or_die(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "slt: out of memory\n");
        exit(2);
    }
    return p;
}

static void *xrealloc_or_die(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "slt: out of memory\n");
        exit(2);
    }
    return q;
}

static char *xstrndup_or_die(const char *s, size_t n) {
    char *p = xmalloc_or_die(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

/* A growable NUL-terminated string. */
typedef struct Buf {
    char *p;
    size_t n, cap;
} Buf;

static void buf_add(Buf *b, const char *s, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->n + n + 1) cap *= 2;
        b->p = xrealloc_or_die(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void buf_adds(Buf *b, const char *s) { buf_add(b, s, strlen(s)); }

/* A growable array of owned strings. */
typedef struct StrList {
    char **v;
    size_t n, cap;
} StrList;

static void list_push(StrList *l, char *s) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = xrealloc_or_die(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = s;
}

static void list_free(StrList *l) {
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* ------------------------------------------------------------------ result capture */

/*
** One result set, copied out of the weir_result handed to the callback
** (which is only valid during the call).  cells[r * ncols + c] holds each
** value in its test-file spelling: "NULL" for SQL NULL, "(empty)" for ''.
*/
typedef struct ResultSet {
    int ncols;
    size_t nrows;
    char **cells;
} ResultSet;

typedef struct Capture {
    ResultSet *sets;
    int n, cap;
} Capture;

static char *cell_text(const char *v) {
    if (!v) return xstrndup_or_die("NULL", 4);
    if (!*v) return xstrndup_or_die("(empty)", 7);
    return xstrndup_or_die(v, strlen(v));
}

static void capture_result(void *ud, const weir_result *r) {
    Capture *cap = ud;
    if (cap->n == cap->cap) {
        cap->cap = cap->cap ? cap->cap * 2 : 4;
        cap->sets = xrealloc_or_die(cap->sets, (size_t)cap->cap * sizeof *cap->sets);
    }
    ResultSet *rs = &cap->sets[cap->n++];
    rs->ncols = r->ncols > 0 ? r->ncols : 0;
    rs->nrows = r->nrows > 0 ? (size_t)r->nrows : 0;
    size_t ncells = rs->nrows * (size_t)rs->ncols;
    rs->cells = xmalloc_or_die(ncells * sizeof *rs->cells);
    for (size_t i = 0; i < ncells; i++) rs->cells[i] = cell_text(r->cells[i]);
}

static void capture_free(Capture *cap) {
    for (int i = 0; i < cap->n; i++) {
        size_t ncells = cap->sets[i].nrows * (size_t)cap->sets[i].ncols;
        for (size_t k = 0; k < ncells; k++) free(cap->sets[i].cells[k]);
        free(cap->sets[i].cells);
    }
    free(cap->sets);
    cap->sets = NULL;
    cap->n = cap->cap = 0;
}

/* ------------------------------------------------------------------ test files */

typedef enum RecordKind { REC_STATEMENT_OK, REC_STATEMENT_ERROR, REC_QUERY } RecordKind;
typedef enum SortMode { SORT_NONE, SORT_ROWS, SORT_VALUES } SortMode;

/* One statement or query block of a test file. */
typedef struct Record {
    RecordKind kind;
    int line;           /* line of the record header, 1-based */
    char *header;       /* the header line as written, for failure reports */
    char *sql;
    int ncols;          /* query: length of the type string */
    SortMode sort;
    bool has_expected;  /* a `----` line was present */
    StrList expected;   /* lines after `----` */
} Record;

typedef struct Lines {
    char *text;         /* the file, with '\n' replaced by NUL */
    char **line;
    size_t n;
} Lines;

static int read_lines(const char *path, Lines *out) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    Buf b = {0};
    char chunk[8192];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) buf_add(&b, chunk, k);
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(b.p);
        return -1;
    }
    buf_add(&b, "", 0);
    out->text = b.p;
    out->n = 0;
    size_t cap = 64;
    out->line = xmalloc_or_die(cap * sizeof *out->line);
    char *p = b.p;
    char *end = b.p + b.n;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *e = nl ? nl : end;
        if (e > p && e[-1] == '\r') e[-1] = 0; /* tolerate CRLF files */
        *e = 0;
        if (out->n == cap) out->line = xrealloc_or_die(out->line, (cap *= 2) * sizeof *out->line);
        out->line[out->n++] = p;
        p = e + 1;
    }
    return 0;
}

static bool is_blank(const char *s) {
    for (; *s; s++)
        if (*s != ' ' && *s != '\t') return false;
    return true;
}

/* Split `s` at runs of blanks into at most `max` words (pointers into a copy kept in *store). */
static int split_words(const char *s, char **store, char **words, int max) {
    *store = xstrndup_or_die(s, strlen(s));
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(*store, " \t", &save); tok && n < max; tok = strtok_r(NULL, " \t", &save))
        words[n++] = tok;
    return n;
}

static void record_free(Record *r) {
    free(r->header);
    free(r->sql);
    list_free(&r->expected);
}

/*
** Parse the record starting at line index *i (a non-blank, non-comment
** line).  On success fills *r, advances *i past the record and returns 0.
** On a malformed header returns -1 with a message in msg (and *i past the
** block), so the caller reports it as a failed record and goes on.
*/
static int parse_record(const Lines *L, size_t *i, Record *r, char *msg, size_t msgcap) {
    memset(r, 0, sizeof *r);
    r->line = (int)*i + 1;
    r->header = xstrndup_or_die(L->line[*i], strlen(L->line[*i]));
    char *store;
    char *w[8];
    int nw = split_words(L->line[*i], &store, w, 8);
    int rc = 0;
    if (nw >= 2 && strcmp(w[0], "statement") == 0 && strcmp(w[1], "ok") == 0 && nw == 2) {
        r->kind = REC_STATEMENT_OK;
    } else if (nw >= 2 && strcmp(w[0], "statement") == 0 && strcmp(w[1], "error") == 0 && nw == 2) {
        r->kind = REC_STATEMENT_ERROR;
    } else if (nw >= 2 && strcmp(w[0], "query") == 0 && nw <= 4) {
        /* a fourth word is a sqllogictest label: accepted and ignored */
        r->kind = REC_QUERY;
        r->ncols = (int)strlen(w[1]);
        if (strspn(w[1], "IRTBD") != strlen(w[1])) {
            snprintf(msg, msgcap, "bad type string \"%s\" (letters I R T B D)", w[1]);
            rc = -1;
        }
        if (nw >= 3) {
            if (strcmp(w[2], "nosort") == 0) r->sort = SORT_NONE;
            else if (strcmp(w[2], "rowsort") == 0) r->sort = SORT_ROWS;
            else if (strcmp(w[2], "valuesort") == 0) r->sort = SORT_VALUES;
            else {
                snprintf(msg, msgcap, "bad sort mode \"%s\" (nosort, rowsort, valuesort)", w[2]);
                rc = -1;
            }
        }
    } else {
        snprintf(msg, msgcap, "unknown record \"%s\" (statement ok, statement error, query TYPES [SORT])",
                 L->line[*i]);
        rc = -1;
    }
    free(store);
    (*i)++;

    Buf sql = {0};
    while (*i < L->n && !is_blank(L->line[*i]) && strcmp(L->line[*i], "----") != 0) {
        if (sql.n) buf_adds(&sql, "\n");
        buf_adds(&sql, L->line[*i]);
        (*i)++;
    }
    r->sql = sql.p ? sql.p : xstrndup_or_die("", 0);
    if (*i < L->n && strcmp(L->line[*i], "----") == 0) {
        r->has_expected = true;
        (*i)++;
        while (*i < L->n && L->line[*i][0] != 0) {
            list_push(&r->expected, xstrndup_or_die(L->line[*i], strlen(L->line[*i])));
            (*i)++;
        }
        if (r->kind == REC_STATEMENT_OK && rc == 0) {
            snprintf(msg, msgcap, "`statement ok` takes no `----` section");
            rc = -1;
        }
    }
    if (rc == 0 && is_blank(r->sql)) {
        snprintf(msg, msgcap, "record without SQL");
        rc = -1;
    }
    return rc;
}

/* ------------------------------------------------------------------ comparison */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* qsort context for sorting rows of `ncols` values (qsort has none: pass rows as arrays). */
typedef struct Row {
    char **v;
    int ncols;
} Row;

static int cmp_row(const void *a, const void *b) {
    const Row *x = a, *y = b;
    for (int c = 0; c < x->ncols; c++) {
        int k = strcmp(x->v[c], y->v[c]);
        if (k) return k;
    }
    return 0;
}

/* Sort nrows rows of ncols cells in place (row-major array). */
static void sort_rows(char **cells, size_t nrows, int ncols) {
    if (nrows < 2 || ncols == 0) return;
    Row *rows = xmalloc_or_die(nrows * sizeof *rows);
    for (size_t r = 0; r < nrows; r++) rows[r] = (Row){cells + r * (size_t)ncols, ncols};
    qsort(rows, nrows, sizeof *rows, cmp_row);
    char **copy = xmalloc_or_die(nrows * (size_t)ncols * sizeof *copy);
    for (size_t r = 0; r < nrows; r++) memcpy(copy + r * (size_t)ncols, rows[r].v, (size_t)ncols * sizeof *copy);
    memcpy(cells, copy, nrows * (size_t)ncols * sizeof *copy);
    free(copy);
    free(rows);
}

/*
** Does `actual` satisfy the expected value `want`?  Plain values compare
** exactly; <REGEX>:p must match all of actual, <!REGEX>:p must not.
*/
static bool value_matches(const char *want, const char *actual) {
    bool negate;
    const char *pat;
    if (strncmp(want, "<REGEX>:", 8) == 0) {
        negate = false;
        pat = want + 8;
    } else if (strncmp(want, "<!REGEX>:", 9) == 0) {
        negate = true;
        pat = want + 9;
    } else {
        return strcmp(want, actual) == 0;
    }
    Buf full = {0};
    buf_adds(&full, "^(");
    buf_adds(&full, pat);
    buf_adds(&full, ")$");
    regex_t re;
    bool hit = false;
    if (regcomp(&re, full.p, REG_EXTENDED | REG_NOSUB) == 0) {
        hit = regexec(&re, actual, 0, NULL, 0) == 0;
        regfree(&re);
    } else {
        fprintf(stderr, "slt: bad regex: %s\n", pat);
        hit = negate; /* an unusable pattern never passes */
    }
    free(full.p);
    return negate ? !hit : hit;
}

/* Split an expected line at tabs into owned strings appended to `out`. */
static size_t split_tabs(const char *line, StrList *out) {
    size_t n = 0;
    const char *p = line;
    for (;;) {
        const char *t = strchr(p, '\t');
        size_t len = t ? (size_t)(t - p) : strlen(p);
        list_push(out, xstrndup_or_die(p, len));
        n++;
        if (!t) break;
        p = t + 1;
    }
    return n;
}

/* ------------------------------------------------------------------ reporting */

typedef struct Runner {
    const char *path;       /* test file as named on the command line */
    weir *w;
    bool verbose;
    long passed, failed;    /* records, over all files */
    int file_failed;        /* records failed in the current file */
} Runner;

static void print_indented(const char *label, const char *text) {
    fprintf(stdout, "  %s\n", label);
    const char *p = text;
    while (*p || p == text) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(stdout, "    %.*s\n", (int)len, p);
        if (!nl) break;
        p = nl + 1;
    }
}

/* Rows shown per side of a failure report; a huge result would bury the difference. */
#define SHOW_ROWS_MAX 200

static void print_rows(const char *label, char **cells, size_t nrows, int ncols) {
    fprintf(stdout, "  %s (%zu row%s):\n", label, nrows, nrows == 1 ? "" : "s");
    for (size_t r = 0; r < nrows; r++) {
        if (r == SHOW_ROWS_MAX) {
            fprintf(stdout, "    ... %zu more\n", nrows - r);
            break;
        }
        fputs("    ", stdout);
        for (int c = 0; c < ncols; c++) {
            if (c) fputc('\t', stdout);
            fputs(cells[r * (size_t)ncols + (size_t)c], stdout);
        }
        fputc('\n', stdout);
    }
}

/* Start a failure report for record r: header, location, SQL, then a reason. */
static void fail_begin(Runner *R, const Record *r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail_begin(Runner *R, const Record *r, const char *fmt, ...) {
    R->file_failed++;
    fprintf(stdout, "FAIL %s:%d: ", R->path, r->line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    print_indented(r->header, r->sql);
}

/* ------------------------------------------------------------------ running records */

static bool run_statement(Runner *R, const Record *r) {
    Capture cap = {0};
    char *err = NULL;
    int rc = weir_exec(R->w, r->sql, R->path, capture_result, &cap, &err);
    capture_free(&cap);
    bool ok = true;
    if (r->kind == REC_STATEMENT_OK) {
        if (rc != 0) {
            fail_begin(R, r, "statement failed");
            print_indented("error:", err ? err : "(no message)");
            ok = false;
        }
    } else {
        Buf want = {0};
        for (size_t k = 0; k < r->expected.n; k++) {
            if (k) buf_adds(&want, "\n");
            buf_adds(&want, r->expected.v[k]);
        }
        if (rc == 0) {
            fail_begin(R, r, "statement succeeded, an error was expected");
            if (want.n) print_indented("expected error containing:", want.p);
            ok = false;
        } else if (want.n && (!err || !strstr(err, want.p))) {
            fail_begin(R, r, "wrong error message");
            print_indented("expected error containing:", want.p);
            print_indented("actual error:", err ? err : "(no message)");
            ok = false;
        }
        free(want.p);
    }
    weir_free(err);
    return ok;
}

/*
** Compare a result set with the expected lines of a query record.  Reports
** and returns false on a mismatch.  Sorting rearranges both sides' cells.
*/
static bool check_result(Runner *R, const Record *r, ResultSet *rs) {
    int ncols = rs->ncols;
    size_t ncells = rs->nrows * (size_t)ncols;
    StrList exp = {0};
    bool ok = true;
    bool row_layout = true;
    for (size_t k = 0; k < r->expected.n; k++) {
        size_t nv = split_tabs(r->expected.v[k], &exp);
        if (nv != (size_t)ncols) row_layout = false;
    }

    /* One pattern against a one-column result: match the whole output. */
    if (ncols == 1 && exp.n == 1 &&
        (strncmp(exp.v[0], "<REGEX>:", 8) == 0 || strncmp(exp.v[0], "<!REGEX>:", 9) == 0)) {
        Buf all = {0};
        buf_adds(&all, "");
        for (size_t k = 0; k < rs->nrows; k++) {
            if (k) buf_adds(&all, "\n");
            buf_adds(&all, rs->cells[k]);
        }
        if (!value_matches(exp.v[0], all.p)) {
            fail_begin(R, r, "result does not match the pattern");
            print_indented("pattern:", exp.v[0]);
            print_rows("actual", rs->cells, rs->nrows, ncols);
            ok = false;
        }
        free(all.p);
        list_free(&exp);
        return ok;
    }

    size_t exp_rows;
    if (r->sort == SORT_VALUES || !row_layout) {
        /* values compared as a flat list (one per line in the file, or tab-separated) */
        if (r->sort == SORT_VALUES) {
            qsort(rs->cells, ncells, sizeof *rs->cells, cmp_str);
            qsort(exp.v, exp.n, sizeof *exp.v, cmp_str);
        } else if (r->sort == SORT_ROWS && ncols > 0 && exp.n % (size_t)ncols == 0) {
            sort_rows(rs->cells, rs->nrows, ncols);
            sort_rows(exp.v, exp.n / (size_t)ncols, ncols);
        }
        bool same = exp.n == ncells;
        for (size_t k = 0; same && k < ncells; k++) same = value_matches(exp.v[k], rs->cells[k]);
        if (!same) {
            fail_begin(R, r, "wrong result (%zu values expected, %zu returned)", exp.n, ncells);
            fprintf(stdout, "  expected (%zu values):\n", exp.n);
            for (size_t k = 0; k < exp.n && k < SHOW_ROWS_MAX; k++) fprintf(stdout, "    %s\n", exp.v[k]);
            if (exp.n > SHOW_ROWS_MAX) fprintf(stdout, "    ... %zu more\n", exp.n - SHOW_ROWS_MAX);
            print_rows("actual", rs->cells, rs->nrows, ncols);
            ok = false;
        }
        list_free(&exp);
        return ok;
    }

    exp_rows = r->expected.n;
    if (r->sort == SORT_ROWS) {
        sort_rows(rs->cells, rs->nrows, ncols);
        sort_rows(exp.v, exp_rows, ncols);
    }
    size_t bad_row = SIZE_MAX;
    if (exp_rows != rs->nrows) bad_row = exp_rows < rs->nrows ? exp_rows : rs->nrows;
    for (size_t k = 0; bad_row == SIZE_MAX && k < ncells; k++)
        if (!value_matches(exp.v[k], rs->cells[k])) bad_row = k / (size_t)ncols;
    if (bad_row != SIZE_MAX) {
        if (exp_rows != rs->nrows)
            fail_begin(R, r, "wrong result: %zu rows expected, %zu returned", exp_rows, rs->nrows);
        else
            fail_begin(R, r, "wrong result: first difference in row %zu", bad_row + 1);
        print_rows("expected", exp.v, exp_rows, ncols);
        print_rows("actual", rs->cells, rs->nrows, ncols);
        ok = false;
    }
    list_free(&exp);
    return ok;
}

static bool run_query(Runner *R, const Record *r) {
    Capture cap = {0};
    char *err = NULL;
    int rc = weir_exec(R->w, r->sql, R->path, capture_result, &cap, &err);
    bool ok;
    if (rc != 0) {
        fail_begin(R, r, "query failed");
        print_indented("error:", err ? err : "(no message)");
        ok = false;
    } else if (cap.n == 0) {
        fail_begin(R, r, "query returned no result set");
        ok = false;
    } else {
        ResultSet *rs = &cap.sets[cap.n - 1]; /* several statements: the last result counts */
        if (rs->ncols != r->ncols) {
            fail_begin(R, r, "%d column%s expected (type string), %d returned", r->ncols, r->ncols == 1 ? "" : "s",
                       rs->ncols);
            print_rows("actual", rs->cells, rs->nrows, rs->ncols);
            ok = false;
        } else {
            ok = check_result(R, r, rs);
        }
    }
    capture_free(&cap);
    weir_free(err);
    return ok;
}

/* ------------------------------------------------------------------ files and temp dirs */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/*
** Run every record of one test file in a fresh session whose results
** database lives in a new directory under db_dir (removed afterwards).
** Returns the number of failed records (a file that cannot be run counts 1).
*/
static int run_file(Runner *R, const char *path, const char *display, const char *db_dir) {
    R->path = display;
    R->file_failed = 0;
    Lines L = {0};
    if (read_lines(path, &L) != 0) {
        fprintf(stdout, "FAIL %s: cannot read: %s\n", display, strerror(errno));
        R->failed++;
        return 1;
    }
    char tmpl[PATH_MAX];
    snprintf(tmpl, sizeof tmpl, "%s/weir-slt-XXXXXX", db_dir);
    if (!mkdtemp(tmpl)) {
        fprintf(stdout, "FAIL %s: cannot create a directory under %s: %s\n", display, db_dir, strerror(errno));
        free(L.text);
        free(L.line);
        R->failed++;
        return 1;
    }
    char dbpath[PATH_MAX + 16];
    snprintf(dbpath, sizeof dbpath, "%s/results.db", tmpl);
    char *err = NULL;
    if (weir_open(dbpath, &R->w, &err) != 0) {
        fprintf(stdout, "FAIL %s: weir_open(%s): %s\n", display, dbpath, err ? err : "?");
        weir_free(err);
        nftw(tmpl, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(L.text);
        free(L.line);
        R->failed++;
        return 1;
    }

    int nrecords = 0;
    size_t i = 0;
    while (i < L.n) {
        const char *line = L.line[i];
        if (is_blank(line) || line[0] == '#') {
            i++;
            continue;
        }
        Record r;
        char msg[512];
        nrecords++;
        bool ok;
        if (parse_record(&L, &i, &r, msg, sizeof msg) != 0) {
            R->file_failed++;
            fprintf(stdout, "FAIL %s:%d: malformed record: %s\n", display, r.line, msg);
            ok = false;
        } else if (r.kind == REC_QUERY) {
            ok = run_query(R, &r);
        } else {
            ok = run_statement(R, &r);
        }
        if (ok) R->passed++;
        else R->failed++;
        if (ok && R->verbose) fprintf(stdout, "  pass %s:%d\n", display, r.line);
        record_free(&r);
    }

    weir_close(R->w);
    R->w = NULL;
    nftw(tmpl, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(L.text);
    free(L.line);
    if (R->file_failed == 0)
        fprintf(stdout, "ok %s (%d records)\n", display, nrecords);
    else
        fprintf(stdout, "FAIL %s (%d of %d records failed)\n", display, R->file_failed, nrecords);
    fflush(stdout);
    return R->file_failed;
}

static void usage(FILE *f) {
    fprintf(f, "usage: slt [--root DIR] [--db-dir DIR] [-v] FILE.test ...\n"
               "  --root DIR    run from DIR (tests name data files relative to it)\n"
               "  --db-dir DIR  where each file's temporary results database is created\n"
               "  -v            also list passing records\n");
}

/* An absolute path for `p` (which must exist), malloc'ed; NULL on failure. */
static char *absolute(const char *p) { return realpath(p, NULL); }

int main(int argc, char **argv) {
    const char *root = NULL, *db_dir = NULL;
    bool verbose = false;
    StrList files = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) root = argv[++i];
        else if (strcmp(argv[i], "--db-dir") == 0 && i + 1 < argc) db_dir = argv[++i];
        else if (strcmp(argv[i], "-v") == 0) verbose = true;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            free(files.v);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "slt: unknown option %s\n", argv[i]);
            usage(stderr);
            free(files.v);
            return 2;
        } else {
            list_push(&files, argv[i]);
        }
    }
    if (files.n == 0) {
        usage(stderr);
        free(files.v);
        return 2;
    }

    /* Resolve paths before moving to the root, so relative arguments keep meaning. */
    if (!db_dir) db_dir = getenv("TMPDIR");
    if (!db_dir || !*db_dir) db_dir = "/tmp";
    char *db_abs = absolute(db_dir);
    if (!db_abs) {
        fprintf(stderr, "slt: %s: %s\n", db_dir, strerror(errno));
        free(files.v);
        return 2;
    }
    char **abs = xmalloc_or_die(files.n * sizeof *abs);
    for (size_t k = 0; k < files.n; k++) abs[k] = absolute(files.v[k]);
    if (root && chdir(root) != 0) {
        fprintf(stderr, "slt: cannot change to %s: %s\n", root, strerror(errno));
        for (size_t k = 0; k < files.n; k++) free(abs[k]);
        free(abs);
        free(db_abs);
        free(files.v);
        return 2;
    }

    /* Name files relative to the root in reports when they lie under it. */
    char *root_abs = root ? absolute(".") : NULL;
    size_t root_len = root_abs ? strlen(root_abs) : 0;

    Runner R = {.verbose = verbose};
    int files_failed = 0;
    for (size_t k = 0; k < files.n; k++) {
        if (!abs[k]) {
            fprintf(stdout, "FAIL %s: cannot read: no such file\n", files.v[k]);
            R.failed++;
            files_failed++;
            continue;
        }
        const char *display = files.v[k];
        if (root_len && strncmp(abs[k], root_abs, root_len) == 0 && abs[k][root_len] == '/')
            display = abs[k] + root_len + 1;
        if (run_file(&R, abs[k], display, db_abs) > 0) files_failed++;
    }
    fprintf(stdout, "%ld passed, %ld failed\n", R.passed, R.failed);

    for (size_t k = 0; k < files.n; k++) free(abs[k]);
    free(abs);
    free(db_abs);
    free(root_abs);
    free(files.v); /* the strings are argv's */
    return R.failed || files_failed ? 1 : 0;
}
