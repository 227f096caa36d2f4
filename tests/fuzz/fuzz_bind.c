/*
** Fuzz target for the tokenizer, parser, binder and optimizer together.
**
** Each input is SQL text; every statement that holds a query is parsed,
** bound against a fixed catalog (tables t, u, a view, a source with a
** watermark), optimized with every rule batch and printed with EXPLAIN.
** Besides "no crash, no leak, no undefined behaviour" under the sanitizers,
** it checks that a failure always leaves an error message and that a bound
** plan survives optimization (the debug build also verifies the plan after
** every rule).  Nothing is executed, so inputs cannot run away in time.
**
** Builds (tests/fuzz/meson.build): libFuzzer with -Dfuzz=true and clang;
** otherwise a replay main() running every file of the directories given, so
** CI replays the saved corpora (tests/fuzz/corpus/parser and .../bind).
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../planner/planner.h"

#define CHECK(cond)                                                                               \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "fuzz_bind: check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

typedef struct Fixture {
    ResultDb *db;
    Catalog *cat;
} Fixture;

static void add_table(Fixture *f, CatKind kind, const char *name, const Column *cols, int n) {
    Err err;
    err_clear(&err);
    Schema s = {n, (Column *)cols};
    CatEntry *e = catalog_add(f->cat, kind, name, &s, &err);
    CHECK(e != NULL);
    if (kind == CAT_TABLE) {
        e->mem = memtable_new(&e->schema);
        e->rel = memtable_relation(e->mem);
    }
    if (kind == CAT_SOURCE) {
        e->watermark_col = n - 1;
        e->watermark_delay_us = 10 * USEC_PER_SEC;
    }
    if (kind == CAT_VIEW) e->sql = arena_strdup(&e->arena, "SELECT a, b FROM t WHERE a > 1");
}

static Fixture *fixture(void) {
    static Fixture f; /* built once per process: the fuzzer calls the target millions of times */
    if (f.cat) return &f;
    Err err;
    err_clear(&err);
    f.db = rdb_open(":memory:", &err);
    CHECK(f.db != NULL);
    f.cat = catalog_new(f.db);
    const Column t[] = {{"a", TYPE_BIGINT}, {"b", TYPE_TEXT}, {"c", TYPE_DOUBLE}, {"d", TYPE_BOOL},
                        {"ts", TYPE_TIMESTAMP}};
    const Column u[] = {{"a", TYPE_BIGINT}, {"x", TYPE_TEXT}};
    const Column s[] = {{"user_id", TYPE_BIGINT}, {"url", TYPE_TEXT}, {"ts", TYPE_TIMESTAMP}};
    add_table(&f, CAT_TABLE, "t", t, 5);
    add_table(&f, CAT_TABLE, "u", u, 2);
    add_table(&f, CAT_VIEW, "v", t, 2);
    add_table(&f, CAT_SOURCE, "clicks", s, 3);
    return &f;
}

static void run_text(const char *text) {
    Fixture *f = fixture();
    int pos = 0, len = (int)strlen(text);
    Arena a;
    arena_init(&a, 0);
    while (pos < len) {
        AstStmt *st = NULL;
        int next = pos;
        Err err;
        err_clear(&err);
        int rc = parse_next(text, pos, &a, &st, &next, &err);
        CHECK(next > pos || (rc == 0 && !st));
        if (rc == 0 && st && st->query) {
            Err berr;
            err_clear(&berr);
            PlanCtx pc = {&a, f->cat, text, 0, &berr};
            Plan *p = NULL;
            if (plan_query(&pc, st->query, &p) == 0) {
                CHECK(p != NULL && !berr.set);
                char *out = NULL;
                if (plan_explain(&pc, &p, &out) == 0) CHECK(out != NULL);
                else CHECK(berr.msg[0] != 0);
            } else {
                CHECK(berr.set && berr.msg[0] != 0);
            }
        }
        arena_reset(&a);
        if (rc != 0 || !st) {
            if (rc == 0) break;
        }
        if (next <= pos) break;
        pos = next;
    }
    arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    run_text(text);
    free(text);
    return 0;
}

#ifndef WEIR_LIBFUZZER
static int replay_file(const char *path) {
    FILE *fp = fopen(path, "rb");
    if (!fp) return -1;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, fp);
    fclose(fp);
    LLVMFuzzerTestOneInput((const uint8_t *)buf, got);
    free(buf);
    return 0;
}

int main(int argc, char **argv) {
    int files = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "fuzz_bind: cannot read %s\n", argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            files += replay_file(argv[i]) == 0;
            continue;
        }
        struct dirent **names;
        int n = scandir(argv[i], &names, NULL, alphasort);
        for (int k = 0; k < n; k++) {
            if (names[k]->d_name[0] != '.') {
                char path[4096];
                snprintf(path, sizeof path, "%s/%s", argv[i], names[k]->d_name);
                files += replay_file(path) == 0;
            }
            free(names[k]);
        }
        free(names);
    }
    Fixture *f = fixture();
    catalog_free(f->cat);
    rdb_close(f->db);
    printf("fuzz_bind: replayed %d inputs\n", files);
    return files > 0 ? 0 : 1;
}
#endif
