/*
** slt: the SQL logic test runner.
**
**   slt [--root DIR] [--db-dir DIR] [--splits[=N]] [-v] FILE.test ...
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
**   ----                    (`<REGEX>:p`: the POSIX extended regex p must
**   expected message        match somewhere in the message)
**
**   query TYPES [SORT]      SQL must return a result set with len(TYPES)
**   SQL...                  columns (I integer, R double, T text, B boolean,
**   ----                    D timestamp: only the count is checked) whose
**   v1<TAB>v2               rows equal the expected ones.  SORT: nosort
**                           (default), rowsort (rows compared sorted) or
**                           valuesort (all values compared as one sorted list)
**
** Streaming records (continuous queries advance only when a test says so:
** every session runs with weir_set_option("manual_triggers", "true")):
**
**   feed PATH [header]      the lines up to the next blank line become a new
**   line...                 file PATH (written under a dot-name, then renamed,
**                           so a source never sees half a file); missing
**                           directories are created.  `header`: the first
**                           line is a CSV header (repeated in split mode)
**   mkdir PATH              create a directory (and its parents)
**   step QUERY              run one micro-batch of QUERY (weir_step); with a
**   ----                    `----` section, the changes it produced must be
**   v1<TAB>v2<TAB>weight    these rows (the last value is the weight, 1 or -1),
**                           compared as multisets after consolidation
**   step error QUERY        the micro-batch must fail; optional `----` + message
**   restart                 weir_close, then weir_open on the same results
**                           database (a new session: sources and queries are
**                           declared again and resume from their checkpoints)
**   set KEY VALUE           weir_set_option (e.g. `set manual_triggers false`)
**   wait                    weir_wait: until every running query has finished
**   sleep MS                let queries that run by themselves work a while
**   skipif splits           (line before a record) skip it in split mode;
**   onlyif splits           run it only in split mode (`splits=N`: with N
**                           lines per file)
**
** `__TEST_DIR__` anywhere in a file is replaced by the file's temporary
** directory (which also holds its results database).
**
** Split mode (--splits[=N], default N = 1): every `feed` becomes one file per
** N data lines (named PATH with `.00001`, `.00002`, ... before the extension,
** so name order is kept) and every `step QUERY` runs micro-batches until one
** reads no new data.  The changes of single steps are then not checked, but
** every `query` record must give the same results as in the normal run: the
** final state may not depend on how the input was cut into batches.
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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "weir.h"

/*
** A split-mode `step` runs micro-batches until one reads nothing; a query
** that never runs dry (an unbounded generator) would loop forever, so it is
** a failure past this many batches.
*/
#define SPLIT_STEPS_MAX 100000

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

/*
** A copy of s with every occurrence of `from` replaced by `to` (malloc'ed).
** Used for __TEST_DIR__.
*/
static char *replace_all(const char *s, size_t n, const char *from, const char *to) {
    Buf b = {0};
    size_t flen = strlen(from);
    const char *end = s + n;
    while (s < end) {
        const char *hit = flen ? memmem(s, (size_t)(end - s), from, flen) : NULL;
        if (!hit) {
            buf_add(&b, s, (size_t)(end - s));
            break;
        }
        buf_add(&b, s, (size_t)(hit - s));
        buf_adds(&b, to);
        s = hit + flen;
    }
    if (!b.p) buf_add(&b, "", 0);
    return b.p;
}

/* ------------------------------------------------------------------ test files */

typedef enum RecordKind {
    REC_STATEMENT_OK,
    REC_STATEMENT_ERROR,
    REC_QUERY,
    REC_FEED,        /* feed PATH [header]: body = the file's lines */
    REC_MKDIR,       /* mkdir PATH */
    REC_STEP,        /* step QUERY [---- changes] */
    REC_STEP_ERROR,  /* step error QUERY [---- message] */
    REC_RESTART,     /* restart */
    REC_SET,         /* set KEY VALUE */
    REC_WAIT,        /* wait */
    REC_SLEEP,       /* sleep MS */
} RecordKind;
typedef enum SortMode { SORT_NONE, SORT_ROWS, SORT_VALUES } SortMode;

/* One statement, query or command block of a test file. */
typedef struct Record {
    RecordKind kind;
    int line;           /* line of the record header, 1-based */
    char *header;       /* the header line as written, for failure reports */
    char *sql;          /* statement / query text; "" for commands */
    char *arg;          /* feed / mkdir: the path; step: the query; set: the key */
    char *arg2;         /* set: the value */
    long ms;            /* sleep: milliseconds */
    bool feed_header;   /* feed: the first body line is a CSV header */
    int ncols;          /* query: length of the type string */
    SortMode sort;
    bool has_expected;  /* a `----` line was present */
    StrList expected;   /* lines after `----`; feed: the file's lines */
} Record;

typedef struct Lines {
    char *text;         /* the file, with '\n' replaced by NUL */
    char **line;
    size_t n;
} Lines;

/* Read a test file, replace __TEST_DIR__ by test_dir, split it into lines.  0 / -1 (errno). */
static int read_lines(const char *path, const char *test_dir, Lines *out) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    Buf raw = {0};
    char chunk[8192];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) buf_add(&raw, chunk, k);
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(raw.p);
        return -1;
    }
    char *text = replace_all(raw.p ? raw.p : "", raw.n, "__TEST_DIR__", test_dir);
    free(raw.p);
    size_t len = strlen(text);
    out->text = text;
    out->n = 0;
    size_t cap = 64;
    out->line = xmalloc_or_die(cap * sizeof *out->line);
    char *p = text;
    char *end = text + len;
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

static void lines_free(Lines *L) {
    free(L->text);
    free(L->line);
    L->text = NULL;
    L->line = NULL;
    L->n = 0;
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
    free(r->arg);
    free(r->arg2);
    list_free(&r->expected);
}

static char *dup_word(const char *w) { return xstrndup_or_die(w, strlen(w)); }

/*
** Read the header line's words into r (kind and arguments).  0, or -1 with
** a message in msg for a header the runner does not know.
*/
static int parse_header(Record *r, char **w, int nw, const char *line, char *msg, size_t msgcap) {
    const char *w0 = nw > 0 ? w[0] : "";
    if (strcmp(w0, "statement") == 0 && nw == 2 && strcmp(w[1], "ok") == 0) {
        r->kind = REC_STATEMENT_OK;
    } else if (strcmp(w0, "statement") == 0 && nw == 2 && strcmp(w[1], "error") == 0) {
        r->kind = REC_STATEMENT_ERROR;
    } else if (strcmp(w0, "query") == 0 && nw >= 2 && nw <= 4) {
        /* a fourth word is a sqllogictest label: accepted and ignored */
        r->kind = REC_QUERY;
        r->ncols = (int)strlen(w[1]);
        if (strspn(w[1], "IRTBD") != strlen(w[1])) {
            snprintf(msg, msgcap, "bad type string \"%s\" (letters I R T B D)", w[1]);
            return -1;
        }
        if (nw >= 3) {
            if (strcmp(w[2], "nosort") == 0) r->sort = SORT_NONE;
            else if (strcmp(w[2], "rowsort") == 0) r->sort = SORT_ROWS;
            else if (strcmp(w[2], "valuesort") == 0) r->sort = SORT_VALUES;
            else {
                snprintf(msg, msgcap, "bad sort mode \"%s\" (nosort, rowsort, valuesort)", w[2]);
                return -1;
            }
        }
    } else if (strcmp(w0, "feed") == 0 && (nw == 2 || (nw == 3 && strcmp(w[2], "header") == 0))) {
        r->kind = REC_FEED;
        r->arg = dup_word(w[1]);
        r->feed_header = nw == 3;
    } else if (strcmp(w0, "mkdir") == 0 && nw == 2) {
        r->kind = REC_MKDIR;
        r->arg = dup_word(w[1]);
    } else if (strcmp(w0, "step") == 0 && nw == 2) {
        r->kind = REC_STEP;
        r->arg = dup_word(w[1]);
    } else if (strcmp(w0, "step") == 0 && nw == 3 && strcmp(w[1], "error") == 0) {
        r->kind = REC_STEP_ERROR;
        r->arg = dup_word(w[2]);
    } else if (strcmp(w0, "restart") == 0 && nw == 1) {
        r->kind = REC_RESTART;
    } else if (strcmp(w0, "wait") == 0 && nw == 1) {
        r->kind = REC_WAIT;
    } else if (strcmp(w0, "sleep") == 0 && nw == 2) {
        char *end;
        r->kind = REC_SLEEP;
        r->ms = strtol(w[1], &end, 10);
        if (*end || r->ms < 0 || r->ms > 600000) {
            snprintf(msg, msgcap, "sleep takes milliseconds (0..600000), not \"%s\"", w[1]);
            return -1;
        }
    } else if (strcmp(w0, "set") == 0 && nw == 3) {
        r->kind = REC_SET;
        r->arg = dup_word(w[1]);
        r->arg2 = dup_word(w[2]);
    } else {
        snprintf(msg, msgcap,
                 "unknown record \"%s\" (statement ok|error, query TYPES [SORT], feed PATH [header], mkdir PATH, "
                 "step [error] QUERY, restart, set KEY VALUE, wait, sleep MS)",
                 line);
        return -1;
    }
    return 0;
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
    int rc = parse_header(r, w, nw, L->line[*i], msg, msgcap);
    free(store);
    (*i)++;

    if (rc == 0 && r->kind == REC_FEED) {
        /* the file's lines run to the next blank line; `----` is content here */
        while (*i < L->n && !is_blank(L->line[*i])) {
            list_push(&r->expected, xstrndup_or_die(L->line[*i], strlen(L->line[*i])));
            (*i)++;
        }
        r->sql = xstrndup_or_die("", 0);
        return 0;
    }

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
    }
    if (rc != 0) return rc;
    bool takes_sql = r->kind == REC_STATEMENT_OK || r->kind == REC_STATEMENT_ERROR || r->kind == REC_QUERY;
    bool takes_expected = r->kind == REC_STATEMENT_ERROR || r->kind == REC_QUERY || r->kind == REC_STEP ||
                          r->kind == REC_STEP_ERROR;
    if (takes_sql && is_blank(r->sql)) {
        snprintf(msg, msgcap, "record without SQL");
        return -1;
    }
    if (!takes_sql && !is_blank(r->sql)) {
        snprintf(msg, msgcap, "`%s` takes no SQL lines (a blank line must follow it)", r->header);
        return -1;
    }
    if (r->has_expected && !takes_expected) {
        snprintf(msg, msgcap, "`%s` takes no `----` section", r->header);
        return -1;
    }
    return 0;
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

/*
** The changes of a micro-batch as a multiset: each distinct row (its values
** joined by tabs, the weight column left out) with its net weight.  A row
** inserted and retracted in one batch nets to nothing, so the engine is free
** to emit changes in any order or granularity that means the same.
*/
typedef struct Change {
    char *row;      /* owned */
    long long w;
} Change;

typedef struct ChangeSet {
    Change *v;
    size_t n, cap;
} ChangeSet;

static void changes_add(ChangeSet *cs, char *row, long long w) {
    if (cs->n == cs->cap) {
        cs->cap = cs->cap ? cs->cap * 2 : 16;
        cs->v = xrealloc_or_die(cs->v, cs->cap * sizeof *cs->v);
    }
    cs->v[cs->n++] = (Change){row, w};
}

static void changes_free(ChangeSet *cs) {
    for (size_t i = 0; i < cs->n; i++) free(cs->v[i].row);
    free(cs->v);
    memset(cs, 0, sizeof *cs);
}

static int cmp_change(const void *a, const void *b) {
    return strcmp(((const Change *)a)->row, ((const Change *)b)->row);
}

/* Sort, sum the weights of equal rows, drop rows whose weight nets to zero. */
static void changes_consolidate(ChangeSet *cs) {
    if (cs->n) qsort(cs->v, cs->n, sizeof *cs->v, cmp_change);
    size_t out = 0;
    for (size_t i = 0; i < cs->n;) {
        size_t j = i;
        long long w = 0;
        for (; j < cs->n && strcmp(cs->v[j].row, cs->v[i].row) == 0; j++) w += cs->v[j].w;
        for (size_t k = i + 1; k < j; k++) free(cs->v[k].row);
        if (w != 0) cs->v[out++] = (Change){cs->v[i].row, w};
        else free(cs->v[i].row);
        i = j;
    }
    cs->n = out;
}

/*
** Parse a weight.  A value that is not an integer keeps the row distinct
** from every well-formed one: it is appended to the row and counted once.
*/
static void change_from_values(ChangeSet *cs, char **vals, int nvals) {
    Buf row = {0};
    buf_add(&row, "", 0);
    for (int c = 0; c < nvals - 1; c++) {
        if (c) buf_adds(&row, "\t");
        buf_adds(&row, vals[c]);
    }
    long long w = 1;
    const char *wt = nvals > 0 ? vals[nvals - 1] : "";
    char *end;
    errno = 0;
    long long parsed = strtoll(wt, &end, 10);
    if (nvals > 0 && *wt && !*end && errno == 0) {
        w = parsed;
    } else {
        buf_adds(&row, "\t<bad weight: ");
        buf_adds(&row, wt);
        buf_adds(&row, ">");
    }
    changes_add(cs, row.p, w);
}

/* The changes of captured results (every result set of one weir_step call). */
static void changes_from_capture(ChangeSet *cs, const Capture *cap) {
    for (int s = 0; s < cap->n; s++) {
        const ResultSet *rs = &cap->sets[s];
        for (size_t r = 0; r < rs->nrows; r++) change_from_values(cs, rs->cells + r * (size_t)rs->ncols, rs->ncols);
    }
    changes_consolidate(cs);
}

/* The changes an expected section lists, one tab-separated row per line. */
static void changes_from_lines(ChangeSet *cs, const StrList *lines) {
    for (size_t k = 0; k < lines->n; k++) {
        StrList vals = {0};
        size_t nv = split_tabs(lines->v[k], &vals);
        change_from_values(cs, vals.v, (int)nv);
        list_free(&vals);
    }
    changes_consolidate(cs);
}

static bool changes_equal(const ChangeSet *a, const ChangeSet *b) {
    if (a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].w != b->v[i].w || strcmp(a->v[i].row, b->v[i].row) != 0) return false;
    return true;
}

static void print_changes(const char *label, const ChangeSet *cs) {
    fprintf(stdout, "  %s (%zu row%s, consolidated):\n", label, cs->n, cs->n == 1 ? "" : "s");
    for (size_t i = 0; i < cs->n; i++) {
        if (i == 200) {
            fprintf(stdout, "    ... %zu more\n", cs->n - i);
            break;
        }
        fprintf(stdout, "    %s%s%lld\n", cs->v[i].row, *cs->v[i].row ? "\t" : "", cs->v[i].w);
    }
}

/* ------------------------------------------------------------------ reporting */

typedef struct Runner {
    const char *path;       /* test file as reported: relative to --root when under it */
    weir *w;                /* the file's session; NULL after a failed restart */
    char *dbpath;           /* the file's results database */
    int splits;             /* 0: as written; N: feeds cut into files of N lines */
    bool verbose;
    long passed, failed;    /* records, over all files */
    long skipped;           /* records skipped by skipif / onlyif */
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
    fprintf(stdout, "FAIL %s:%d%s: ", R->path, r->line, R->splits ? " [splits]" : "");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    if (r->sql && *r->sql) print_indented(r->header, r->sql);
    else fprintf(stdout, "  %s\n", r->header);
}

/*
** Does the error message `err` satisfy the expected text?  Plain text must
** be a substring; `<REGEX>:p` must match somewhere in it.
*/
static bool error_matches(const char *want, const char *err) {
    if (!err) return false;
    if (strncmp(want, "<REGEX>:", 8) != 0) return strstr(err, want) != NULL;
    regex_t re;
    if (regcomp(&re, want + 8, REG_EXTENDED | REG_NOSUB) != 0) {
        fprintf(stderr, "slt: bad regex: %s\n", want + 8);
        return false;
    }
    bool hit = regexec(&re, err, 0, NULL, 0) == 0;
    regfree(&re);
    return hit;
}

/* The expected lines of r joined by newlines (malloc'ed, "" when none). */
static char *expected_text(const Record *r) {
    Buf want = {0};
    buf_add(&want, "", 0);
    for (size_t k = 0; k < r->expected.n; k++) {
        if (k) buf_adds(&want, "\n");
        buf_adds(&want, r->expected.v[k]);
    }
    return want.p;
}

/* ------------------------------------------------------------------ sessions */

/*
** Open the file's session on R->dbpath with manual triggers, so that
** continuous queries advance only on `step`.  0, or -1 with *err set
** (free it with weir_free); R->w is NULL then.
*/
static int session_open(Runner *R, char **err) {
    R->w = NULL;
    weir *w;
    if (weir_open(R->dbpath, &w, err) != 0) return -1;
    if (weir_set_option(w, "manual_triggers", "true", err) != 0) {
        weir_close(w);
        return -1;
    }
    R->w = w;
    return 0;
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
        char *want = expected_text(r);
        if (rc == 0) {
            fail_begin(R, r, "statement succeeded, an error was expected");
            if (*want) print_indented("expected error containing:", want);
            ok = false;
        } else if (*want && !error_matches(want, err)) {
            fail_begin(R, r, "wrong error message");
            print_indented("expected error containing:", want);
            print_indented("actual error:", err ? err : "(no message)");
            ok = false;
        }
        free(want);
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

/* mkdir -p.  0 / -1 (errno). */
static int make_dirs(const char *path) {
    char *p = xstrndup_or_die(path, strlen(path));
    int rc = 0;
    for (char *s = p + 1; rc == 0; s++) {
        if (*s != '/' && *s != 0) continue;
        char c = *s;
        *s = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) rc = -1;
        *s = c;
        if (!c) break;
    }
    free(p);
    return rc;
}

/*
** Write lines[0..n) (each followed by '\n'), preceded by `first` when not
** NULL, as the file `path`: into a dot-name in the same directory first,
** then renamed, so that a source listing the directory sees the whole file
** or nothing.  Missing directories are created.  0, or -1 with msg set.
*/
static int write_file(const char *path, const char *first, char *const *lines, size_t n, char *msg, size_t msgcap) {
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) : 0;
    const char *base = slash ? slash + 1 : path;
    if (!*base) {
        snprintf(msg, msgcap, "%s: not a file name", path);
        return -1;
    }
    if (dirlen) {
        char *dir = xstrndup_or_die(path, dirlen);
        int rc = make_dirs(dir);
        free(dir);
        if (rc != 0) {
            snprintf(msg, msgcap, "cannot create the directory of %s: %s", path, strerror(errno));
            return -1;
        }
    }
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%.*s%s.%s.slt-tmp", (int)dirlen, path, dirlen ? "/" : "", base);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        snprintf(msg, msgcap, "cannot write %s: %s", tmp, strerror(errno));
        return -1;
    }
    bool bad = false;
    if (first) bad |= fputs(first, f) < 0 || fputc('\n', f) == EOF;
    for (size_t k = 0; k < n; k++) bad |= fputs(lines[k], f) < 0 || fputc('\n', f) == EOF;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        snprintf(msg, msgcap, "cannot write %s: %s", path, strerror(errno));
        remove(tmp);
        return -1;
    }
    return 0;
}

/* Split mode: PATH with ".00007" inserted before its extension (name order is kept). */
static void piece_name(char *out, size_t cap, const char *path, size_t k) {
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base) dot = base + strlen(base);
    snprintf(out, cap, "%.*s.%05zu%s", (int)(dot - path), path, k, dot);
}

static bool run_feed(Runner *R, const Record *r) {
    char msg[PATH_MAX + 256];
    char *const *lines = r->expected.v;
    size_t n = r->expected.n;
    const char *first = NULL;
    if (r->feed_header && n > 0) {
        first = lines[0];
        lines++;
        n--;
    }
    int rc = 0;
    if (R->splits == 0 || n == 0) {
        rc = write_file(r->arg, first, lines, n, msg, sizeof msg);
    } else {
        size_t per = (size_t)R->splits;
        for (size_t k = 0; rc == 0 && k * per < n; k++) {
            char name[PATH_MAX];
            piece_name(name, sizeof name, r->arg, k + 1);
            size_t take = n - k * per < per ? n - k * per : per;
            rc = write_file(name, first, lines + k * per, take, msg, sizeof msg);
        }
    }
    if (rc != 0) {
        fail_begin(R, r, "%s", msg);
        return false;
    }
    return true;
}

static bool run_mkdir(Runner *R, const Record *r) {
    if (make_dirs(r->arg) != 0) {
        fail_begin(R, r, "cannot create %s: %s", r->arg, strerror(errno));
        return false;
    }
    return true;
}

/*
** step QUERY / step error QUERY.  As written: one weir_step, its changes
** compared with the expected section when there is one.  Split mode: steps
** until one reads no new data (or fails); changes are not compared.
*/
static bool run_step(Runner *R, const Record *r) {
    bool want_error = r->kind == REC_STEP_ERROR;
    char *err = NULL;
    int64_t n = 0;
    long steps = 0;
    Capture cap = {0};
    for (;;) {
        capture_free(&cap);
        weir_free(err);
        err = NULL;
        n = weir_step(R->w, r->arg, capture_result, &cap, &err);
        steps++;
        if (!R->splits || n <= 0) break;
        if (steps >= SPLIT_STEPS_MAX) break;
    }
    bool ok = true;
    if (R->splits && n > 0) {
        fail_begin(R, r, "split mode: still reading new data after %ld micro-batches", steps);
        ok = false;
    } else if (!want_error && n < 0) {
        fail_begin(R, r, "micro-batch failed%s", R->splits ? " (split mode)" : "");
        print_indented("error:", err ? err : "(no message)");
        ok = false;
    } else if (want_error) {
        char *want = expected_text(r);
        if (n >= 0) {
            fail_begin(R, r, "micro-batch succeeded (%lld input rows), an error was expected", (long long)n);
            if (*want) print_indented("expected error containing:", want);
            ok = false;
        } else if (*want && !error_matches(want, err)) {
            fail_begin(R, r, "wrong error message");
            print_indented("expected error containing:", want);
            print_indented("actual error:", err ? err : "(no message)");
            ok = false;
        }
        free(want);
    } else if (r->has_expected && !R->splits) {
        ChangeSet want = {0}, got = {0};
        changes_from_lines(&want, &r->expected);
        changes_from_capture(&got, &cap);
        if (!changes_equal(&want, &got)) {
            fail_begin(R, r, "wrong changes (micro-batch read %lld input rows)", (long long)n);
            print_changes("expected", &want);
            print_changes("actual", &got);
            ok = false;
        }
        changes_free(&want);
        changes_free(&got);
    }
    capture_free(&cap);
    weir_free(err);
    return ok;
}

static bool run_restart(Runner *R, const Record *r) {
    weir_close(R->w);
    R->w = NULL;
    char *err = NULL;
    if (session_open(R, &err) != 0) {
        fail_begin(R, r, "cannot reopen %s", R->dbpath);
        print_indented("error:", err ? err : "(no message)");
        weir_free(err);
        return false;
    }
    return true;
}

static bool run_set(Runner *R, const Record *r) {
    char *err = NULL;
    if (weir_set_option(R->w, r->arg, r->arg2, &err) != 0) {
        fail_begin(R, r, "weir_set_option failed");
        print_indented("error:", err ? err : "(no message)");
        weir_free(err);
        return false;
    }
    return true;
}

static bool run_wait(Runner *R, const Record *r) {
    char *err = NULL;
    if (weir_wait(R->w, &err) != 0) {
        fail_begin(R, r, "weir_wait failed");
        print_indented("error:", err ? err : "(no message)");
        weir_free(err);
        return false;
    }
    return true;
}

static bool run_record(Runner *R, const Record *r) {
    if (!R->w) {
        fail_begin(R, r, "no session (an earlier restart failed)");
        return false;
    }
    switch (r->kind) {
    case REC_STATEMENT_OK:
    case REC_STATEMENT_ERROR: return run_statement(R, r);
    case REC_QUERY: return run_query(R, r);
    case REC_FEED: return run_feed(R, r);
    case REC_MKDIR: return run_mkdir(R, r);
    case REC_STEP:
    case REC_STEP_ERROR: return run_step(R, r);
    case REC_RESTART: return run_restart(R, r);
    case REC_SET: return run_set(R, r);
    case REC_WAIT: return run_wait(R, r);
    case REC_SLEEP: {
        struct timespec ts = {.tv_sec = r->ms / 1000, .tv_nsec = (r->ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
        return true;
    }
    }
    return false;
}

/* ------------------------------------------------------------------ files and temp dirs */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/*
** Is a `skipif NAME` / `onlyif NAME` condition's NAME true for this run?
** "splits" holds in split mode, "splits=N" in split mode with N lines per
** file (for records that name the files a split makes), "weir" always; any
** other name (another engine, in sqllogictest's sense) never does.
*/
static bool condition_holds(const Runner *R, const char *name) {
    if (strcmp(name, "splits") == 0) return R->splits > 0;
    if (strncmp(name, "splits=", 7) == 0) return R->splits > 0 && R->splits == atoi(name + 7);
    return strcmp(name, "weir") == 0;
}

/*
** Run every record of one test file in a fresh session whose results
** database lives in a new directory under db_dir (removed afterwards).
** Returns the number of failed records (a file that cannot be run counts 1).
*/
static int run_file(Runner *R, const char *path, const char *display, const char *db_dir) {
    R->path = display;
    R->file_failed = 0;
    const char *mode = R->splits ? " [splits]" : "";
    char tmpl[PATH_MAX];
    snprintf(tmpl, sizeof tmpl, "%s/weir-slt-XXXXXX", db_dir);
    if (!mkdtemp(tmpl)) {
        fprintf(stdout, "FAIL %s: cannot create a directory under %s: %s\n", display, db_dir, strerror(errno));
        R->failed++;
        return 1;
    }
    Lines L = {0};
    if (read_lines(path, tmpl, &L) != 0) {
        fprintf(stdout, "FAIL %s: cannot read: %s\n", display, strerror(errno));
        nftw(tmpl, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        R->failed++;
        return 1;
    }
    char dbpath[PATH_MAX + 16];
    snprintf(dbpath, sizeof dbpath, "%s/results.db", tmpl);
    R->dbpath = dbpath;
    char *err = NULL;
    if (session_open(R, &err) != 0) {
        fprintf(stdout, "FAIL %s: weir_open(%s): %s\n", display, dbpath, err ? err : "?");
        weir_free(err);
        nftw(tmpl, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        lines_free(&L);
        R->failed++;
        return 1;
    }

    int nrecords = 0;
    size_t i = 0;
    bool skip_next = false;
    while (i < L.n) {
        const char *line = L.line[i];
        if (is_blank(line) || line[0] == '#') {
            i++;
            continue;
        }
        if (strncmp(line, "skipif ", 7) == 0 || strncmp(line, "onlyif ", 7) == 0) {
            char *store, *w[3];
            int nw = split_words(line, &store, w, 3);
            if (nw == 2) {
                bool holds = condition_holds(R, w[1]);
                if (w[0][0] == 's' ? holds : !holds) skip_next = true;
                free(store);
                i++;
                continue;
            }
            free(store);
        }
        Record r;
        char msg[1024];
        bool ok;
        if (parse_record(&L, &i, &r, msg, sizeof msg) != 0) {
            nrecords++;
            R->file_failed++;
            fprintf(stdout, "FAIL %s:%d%s: malformed record: %s\n", display, r.line, mode, msg);
            ok = false;
        } else if (skip_next) {
            R->skipped++;
            skip_next = false;
            record_free(&r);
            continue;
        } else {
            nrecords++;
            ok = run_record(R, &r);
        }
        skip_next = false;
        if (ok) R->passed++;
        else R->failed++;
        if (ok && R->verbose) fprintf(stdout, "  pass %s:%d%s\n", display, r.line, mode);
        fflush(stdout);
        record_free(&r);
    }

    if (R->w) weir_close(R->w);
    R->w = NULL;
    R->dbpath = NULL;
    nftw(tmpl, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    lines_free(&L);
    if (R->file_failed == 0)
        fprintf(stdout, "ok %s%s (%d records)\n", display, mode, nrecords);
    else
        fprintf(stdout, "FAIL %s%s (%d of %d records failed)\n", display, mode, R->file_failed, nrecords);
    fflush(stdout);
    return R->file_failed;
}

static void usage(FILE *f) {
    fprintf(f, "usage: slt [--root DIR] [--db-dir DIR] [--splits[=N]] [-v] FILE.test ...\n"
               "  --root DIR     run from DIR (tests name data files relative to it)\n"
               "  --db-dir DIR   where each file's temporary directory and results database are created\n"
               "  --splits[=N]   cut every feed into files of N lines (default 1) and step each query\n"
               "                 until it has read everything; query results must not change\n"
               "  -v             also list passing records\n");
}

/* An absolute path for `p` (which must exist), malloc'ed; NULL on failure. */
static char *absolute(const char *p) { return realpath(p, NULL); }

int main(int argc, char **argv) {
    const char *root = NULL, *db_dir = NULL;
    bool verbose = false;
    int splits = 0;
    StrList files = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) root = argv[++i];
        else if (strcmp(argv[i], "--db-dir") == 0 && i + 1 < argc) db_dir = argv[++i];
        else if (strcmp(argv[i], "--splits") == 0) splits = 1;
        else if (strncmp(argv[i], "--splits=", 9) == 0) {
            char *end;
            long v = strtol(argv[i] + 9, &end, 10);
            if (*end || v < 1 || v > 1000000) {
                fprintf(stderr, "slt: --splits takes a line count >= 1, not \"%s\"\n", argv[i] + 9);
                free(files.v);
                return 2;
            }
            splits = (int)v;
        } else if (strcmp(argv[i], "-v") == 0) verbose = true;
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

    Runner R = {.verbose = verbose, .splits = splits};
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
    if (R.skipped) fprintf(stdout, "%ld passed, %ld failed, %ld skipped\n", R.passed, R.failed, R.skipped);
    else fprintf(stdout, "%ld passed, %ld failed\n", R.passed, R.failed);

    for (size_t k = 0; k < files.n; k++) free(abs[k]);
    free(abs);
    free(db_abs);
    free(root_abs);
    free(files.v); /* the strings are argv's */
    return R.failed || files_failed ? 1 : 0;
}
