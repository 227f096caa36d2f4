/*
** Fuzz target for the tokenizer and parser.
**
** Each input is SQL text (cut at its first NUL, as parse_next() sees C
** strings), parsed statement by statement with parse_next() exactly as the
** shell and the file runner do.  Besides "no crash, no leak, no undefined
** behaviour" under the sanitizers, it checks what callers rely on:
**   - parse_next() always makes progress and stays inside the text;
**   - an error has a message and an offset inside the text;
**   - every node of a parsed statement lies inside that statement, and no
**     tree is deeper than the parser's limit;
**   - ast_to_sql()/ast_select_to_sql() print text that parses back to the
**     same tree (the printer is how the binder names columns);
**   - sql_complete() agrees with where parse_next() ends statements.
** A violated check aborts, which libFuzzer reports as a crash.
**
** Two builds (tests/parser/meson.build):
**   libFuzzer:  meson -Dfuzz=true with clang builds tests/parser/fuzz_parser, i.e.
**               clang -fsanitize=fuzzer,address,undefined -DWEIR_LIBFUZZER over this
**               file, the parser's sources and the generated parse.c and keywords.c
**   replay:     without WEIR_LIBFUZZER a main() runs the files or directories
**               named on the command line through the same function, so CI
**               replays the saved corpus (tests/fuzz/corpus/parser) with gcc.
*/
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../parser/ast.h"

#define CHECK(cond)                                                                                   \
    do {                                                                                              \
        if (!(cond)) {                                                                                \
            fprintf(stderr, "fuzz_parser: check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                                  \
        }                                                                                             \
    } while (0)

/* The parser's depth limit (parser_int.h AST_MAX_DEPTH), restated to keep the target black-box. */
#define MAX_DEPTH 1000

typedef struct Walk {
    int lo, hi;   /* a node's first token must start in [lo, hi) */
} Walk;

static void walk_select(const Walk *w, const AstSelect *q);

static void walk_list(const Walk *w, const AstList *l);

/* Every node: position inside its statement, a sane height, children likewise. */
static void walk(const Walk *w, const Ast *e) {
    if (!e) return;
    CHECK(e->pos >= w->lo && e->pos < w->hi);
    CHECK(e->height >= 1 && e->height <= MAX_DEPTH);
    walk(w, e->left);
    walk(w, e->right);
    walk(w, e->on);
    walk(w, e->over);
    walk_list(w, e->list);
    walk_list(w, e->partition);
    walk_list(w, e->order);
    if (e->select) walk_select(w, e->select);
}

static void walk_list(const Walk *w, const AstList *l) {
    if (!l) return;
    CHECK(l->n >= 0 && l->n <= l->cap);
    for (int i = 0; i < l->n; i++) walk(w, l->items[i]);
}

static void walk_select(const Walk *w, const AstSelect *q) {
    CHECK(q->pos >= w->lo && q->pos < w->hi);
    CHECK(q->items && q->items->n > 0);
    walk_list(w, q->items);
    walk(w, q->from);
    walk(w, q->where);
    walk_list(w, q->group_by);
    walk(w, q->having);
    walk_list(w, q->order_by);
    walk(w, q->limit);
    walk(w, q->offset);
}

/* ------------------------------------------------------------ tree equality */

static bool select_equal(const AstSelect *a, const AstSelect *b);

static bool str_same(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

static bool node_equal(const Ast *a, const Ast *b);

static bool list_equal(const AstList *a, const AstList *b) {
    int na = a ? a->n : 0, nb = b ? b->n : 0;
    if (na != nb) return false;
    for (int i = 0; i < na; i++)
        if (!node_equal(a->items[i], b->items[i])) return false;
    return true;
}

/*
** Same tree, positions aside.  A TIMESTAMP literal's text is compared by value
** (printing normalizes it); everything else must match exactly, doubles
** included, since the printer writes them with enough digits.
*/
static bool node_equal(const Ast *a, const Ast *b) {
    if (!a || !b) return a == b;
    if (a->kind != b->kind || a->op != b->op || a->negated != b->negated || a->distinct != b->distinct ||
        a->star != b->star || a->desc != b->desc || a->nulls_first != b->nulls_first ||
        a->join_type != b->join_type || a->cast_type != b->cast_type || a->ival != b->ival)
        return false;
    if (a->kind == AST_FLOAT && memcmp(&a->dval, &b->dval, sizeof a->dval) != 0) return false;
    if (!str_same(a->name, b->name) || !str_same(a->qualifier, b->qualifier) || !str_same(a->alias, b->alias))
        return false;
    if (a->kind != AST_TIMESTAMP && !str_same(a->str, b->str)) return false;
    if (!node_equal(a->left, b->left) || !node_equal(a->right, b->right) || !node_equal(a->on, b->on) ||
        !node_equal(a->over, b->over))
        return false;
    if (!list_equal(a->list, b->list) || !list_equal(a->partition, b->partition) || !list_equal(a->order, b->order))
        return false;
    if (!a->select || !b->select) return a->select == b->select;
    return select_equal(a->select, b->select);
}

static bool select_equal(const AstSelect *a, const AstSelect *b) {
    return a->distinct == b->distinct && list_equal(a->items, b->items) && node_equal(a->from, b->from) &&
           node_equal(a->where, b->where) && list_equal(a->group_by, b->group_by) &&
           node_equal(a->having, b->having) && list_equal(a->order_by, b->order_by) &&
           node_equal(a->limit, b->limit) && node_equal(a->offset, b->offset) && a->emit == b->emit &&
           a->trigger == b->trigger && a->trigger_interval_us == b->trigger_interval_us;
}

/* Parse `text` as exactly one statement; NULL when it fails for depth (printing
** may add parentheses, so a text at the very limit can go over it). */
static AstStmt *reparse(Arena *a, const char *text) {
    AstStmt *s = NULL;
    int next;
    Err err;
    err_clear(&err);
    if (parse_next(text, 0, a, &s, &next, &err) != 0) {
        if (strstr(err.msg, "too deeply nested")) return NULL;
        fprintf(stderr, "fuzz_parser: printed SQL does not parse: %s\n  %s\n", err.msg, text);
        abort();
    }
    CHECK(s != NULL);
    CHECK(text[next] == 0);
    return s;
}

static void check_query_prints_back(Arena *a, const AstSelect *q) {
    const char *once = ast_select_to_sql(a, q);
    AstStmt *s = reparse(a, once);
    if (!s) return;
    CHECK(s->kind == STMT_SELECT);
    if (!select_equal(q, s->query)) {
        fprintf(stderr, "fuzz_parser: printed query parses to another tree:\n  %s\n  %s\n", once,
                ast_select_to_sql(a, s->query));
        abort();
    }
}

static void check_expr_prints_back(Arena *a, const Ast *e) {
    const char *once = ast_to_sql(a, e);
    AstStmt *s = reparse(a, arena_printf(a, "SELECT %s", once));
    if (!s) return;
    CHECK(s->kind == STMT_SELECT && s->query->items->n == 1);
    const Ast *item = s->query->items->items[0];
    CHECK(item->kind == AST_SELECT_ITEM && !item->name);
    if (!node_equal(e, item->left)) {
        fprintf(stderr, "fuzz_parser: printed expression parses to another tree:\n  %s\n  %s\n", once,
                ast_to_sql(a, item->left));
        abort();
    }
}

static void check_statement(Arena *a, const AstStmt *s, int start, int next) {
    CHECK(s->pos >= start && s->pos < next);
    CHECK(s->end > s->pos && s->end <= next);
    Walk w = {s->pos, s->end};
    if (s->query) {
        walk_select(&w, s->query);
        check_query_prints_back(a, s->query);
    }
    for (int i = 0; i < s->ncolumns; i++) CHECK(s->columns[i].name && s->columns[i].pos >= s->pos);
    for (int i = 0; i < s->noptions; i++) CHECK(s->options[i].key && s->options[i].value);
    if (s->watermark_expr) {
        walk(&w, s->watermark_expr);
        check_expr_prints_back(a, s->watermark_expr);
    }
    walk_list(&w, s->insert_columns);
    for (int r = 0; s->rows && r < s->rows->n; r++) {
        const AstList *row = s->rows->items[r];
        walk_list(&w, row);
        for (int i = 0; i < row->n; i++) check_expr_prints_back(a, row->items[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 1 << 20) return 0;
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    int len = (int)strlen(text);

    Arena a;
    arena_init(&a, 0);
    int pos = 0, first_next = -1;
    for (;;) {
        AstStmt *s = NULL;
        int next = -1;
        Err err;
        err_clear(&err);
        int rc = parse_next(text, pos, &a, &s, &next, &err);
        CHECK(next >= pos && next <= len);
        if (first_next < 0) first_next = next;
        if (rc != 0) {
            CHECK(rc == -1 && err.set && err.msg[0] && s == NULL);
            CHECK(err.offset >= pos && err.offset <= len);
        } else {
            CHECK(!err.set);
            if (!s) {
                CHECK(next == len);
                break;
            }
            check_statement(&a, s, pos, next);
        }
        CHECK(next > pos || next == len);
        if (next == len) break;
        pos = next;
    }
    /* Without a ';' outside quotes and comments the first statement runs to the end. */
    if (!sql_complete(text)) CHECK(first_next == len);

    arena_free(&a);
    free(text);
    return 0;
}

#ifndef WEIR_LIBFUZZER
/* ------------------------------------------------------------ replay driver */

static int run_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every regular file of a directory, in name order (so failures reproduce in order). */
static int run_dir(const char *dir, int *count) {
    DIR *d = opendir(dir);
    if (!d) {
        perror(dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        if (n == cap) names = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof *names);
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (run_file(path) != 0) rc = -1;
            (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv) {
    int count = 0, rc = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIR...  (replays inputs through the parser fuzz target)\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            rc = 1;
        } else if (S_ISDIR(st.st_mode)) {
            if (run_dir(argv[i], &count) != 0) rc = 1;
        } else {
            if (run_file(argv[i]) != 0) rc = 1;
            count++;
        }
    }
    printf("replayed %d input(s)\n", count);
    return rc;
}
#endif
