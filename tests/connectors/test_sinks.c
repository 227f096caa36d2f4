/*
** The file sink (one file per batch, temp name + rename, a replayed batch
** overwrites its own file, update mode's op column, CSV quoting and NULLs,
** JSON) and the console sink (stdout captured).  The file sink's CSV output
** is read back by the file source: what one writes the other reads.
*/
#include <dirent.h>
#include <fcntl.h>

#include "conn_test.h"

static Column COLS[] = {{.name = "id", .type = TYPE_BIGINT},
                        {.name = "name", .type = TYPE_TEXT},
                        {.name = "ts", .type = TYPE_TIMESTAMP},
                        {.name = "x", .type = TYPE_DOUBLE},
                        {.name = "ok", .type = TYPE_BOOL}};
#define NCOLS 5

/*
** A chunk from rows written "v|v|v|v|v" ("\N" = NULL), with optional
** weights, in arena a.  When `sel` is true every other physical row is a
** filler that the selection vector skips.
*/
static Chunk *chunk_of(Arena *a, const char *const *rows, int n, const int64_t *weights, bool sel) {
    uint32_t phys = (uint32_t)(sel ? 2 * n : n);
    Chunk *c = chunk_new(NCOLS, a);
    c->count = phys;
    for (int j = 0; j < NCOLS; j++) vec_alloc(&c->cols[j], COLS[j].type, phys, a);
    if (weights) c->weights = ARENA_ARRAY(a, int64_t, phys);
    if (sel) {
        c->sel = ARENA_ARRAY(a, uint32_t, n ? n : 1);
        c->nsel = (uint32_t)n;
    } else {
        c->nsel = phys;
    }
    for (uint32_t p = 0; p < phys; p++) {
        bool filler = sel && p % 2 == 0;
        const char *row = filler ? "666|filler|2000-01-01|6.6|false" : rows[sel ? p / 2 : p];
        if (sel && !filler) c->sel[p / 2] = p;
        if (weights) c->weights[p] = filler ? 7 : weights[sel ? p / 2 : p];
        char *copy = arena_strdup(a, row);
        char *save = NULL;
        int j = 0;
        for (char *t = strtok_r(copy, "|", &save); t && j < NCOLS; t = strtok_r(NULL, "|", &save), j++) {
            Value v = {COLS[j].type, false, {0}};
            if (strcmp(t, "\\N") == 0)
                v.null = true;
            else if (strcmp(t, "''") == 0)
                v.u.s = str_from("", 0);
            else {
                size_t len = strlen(t);
                bool ok = true;
                switch (COLS[j].type) {
                case TYPE_BIGINT: ok = parse_int64(t, len, &v.u.i); break;
                case TYPE_DOUBLE: ok = parse_double(t, len, &v.u.d); break;
                case TYPE_BOOL: ok = parse_bool(t, len, &v.u.b); break;
                case TYPE_TIMESTAMP: ok = ts_parse(t, len, &v.u.i); break;
                default: v.u.s = str_from(t, len); break;
                }
                assert_true(ok);
            }
            vec_set(&c->cols[j], p, &v, phys, a);
        }
        assert_int_equal(j, NCOLS);
    }
    return c;
}

typedef struct Fixture {
    Arena arena;
    char *dir;
    Err err;
} Fixture;

static int setup(void **state) {
    Fixture *f = xcalloc(1, sizeof *f);
    arena_init(&f->arena, 0);
    f->dir = temp_dir();
    err_clear(&f->err);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    Fixture *f = *state;
    remove_tree(f->dir);
    free(f->dir);
    arena_free(&f->arena);
    free(f);
    return 0;
}

static Sink *open_sink(Fixture *f, const char *connector, const char *mode, const char *const *kv) {
    ConnConfig cfg = make_cfg(&f->arena, "out", COLS, NCOLS, kv);
    Sink *k = sink_open(connector, &cfg, mode, &f->err);
    if (!k) fprintf(stderr, "open: %s\n", f->err.msg);
    assert_non_null(k);
    return k;
}

/* The names in a directory, sorted, one per line (hidden ones included). */
static char *dir_listing(Fixture *f, const char *dir) {
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    assert_true(n >= 0);
    Buf b = {0};
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
            buf_puts(&b, names[i]->d_name);
            buf_puts(&b, "\n");
        }
        free(names[i]);
    }
    free(names);
    char *s = arena_strdup(&f->arena, buf_str(&b));
    buf_free(&b);
    return s;
}

static char *file_text(Fixture *f, const char *dir, const char *name) {
    char *path = arena_printf(&f->arena, "%s/%s", dir, name);
    char *t = read_whole(path);
    assert_non_null(t);
    char *s = arena_strdup(&f->arena, t);
    free(t);
    return s;
}

static const char *const ROWS[] = {
    "1|plain|2024-01-01 10:00:00|1.5|true",
    "2|has,comma \"q\"|2024-01-01 10:00:00.250000|2|false",
    "3|\\N|\\N|\\N|\\N",
    "4|''|1970-01-01|-0.1|true",
};

static void test_file_sink_append_replay(void **state) {
    Fixture *f = *state;
    char *dir = arena_printf(&f->arena, "%s/out/nested", f->dir); /* created with its parents */
    const char *kv[] = {arena_printf(&f->arena, "path=%s/", dir), "header=true", NULL};
    Sink *k = open_sink(f, "file", "append", kv);
    Chunk *c = chunk_of(&f->arena, ROWS, 4, NULL, true);
    assert_int_equal(k->vt->begin(k, 42, &f->err), 0);
    assert_string_equal(dir_listing(f, dir), ".part-000000000042.csv.tmp\n"); /* hidden until commit */
    assert_int_equal(k->vt->write(k, c, &f->err), 0);
    assert_int_equal(k->vt->commit(k, 42, &f->err), 0);
    assert_string_equal(dir_listing(f, dir), "part-000000000042.csv\n");
    const char *want = "id,name,ts,x,ok\n"
                       "1,plain,2024-01-01 10:00:00,1.5,true\n"
                       "2,\"has,comma \"\"q\"\"\",2024-01-01 10:00:00.250000,2.0,false\n"
                       "3,,,,\n"
                       "4,\"\",1970-01-01 00:00:00,-0.1,true\n";
    assert_string_equal(file_text(f, dir, "part-000000000042.csv"), want);

    /* a replay of batch 42 (say the runtime crashed before recording it) overwrites its own file */
    assert_int_equal(k->vt->begin(k, 42, &f->err), 0);
    Chunk *c2 = chunk_of(&f->arena, ROWS, 1, NULL, false);
    assert_int_equal(k->vt->write(k, c2, &f->err), 0);
    assert_int_equal(k->vt->commit(k, 42, &f->err), 0);
    assert_string_equal(dir_listing(f, dir), "part-000000000042.csv\n");
    assert_string_equal(file_text(f, dir, "part-000000000042.csv"),
                        "id,name,ts,x,ok\n1,plain,2024-01-01 10:00:00,1.5,true\n");

    /* an empty batch still gets its file; a batch never committed leaves nothing */
    assert_int_equal(k->vt->begin(k, 43, &f->err), 0);
    assert_int_equal(k->vt->commit(k, 43, &f->err), 0);
    assert_int_equal(k->vt->begin(k, 44, &f->err), 0);
    assert_int_equal(k->vt->write(k, c, &f->err), 0);
    assert_int_equal(k->vt->commit(k, 45, &f->err), -1);
    assert_string_equal(f->err.msg, "sink \"out\": commit of batch 45 that was not begun");
    k->vt->close(k);
    assert_string_equal(dir_listing(f, dir), "part-000000000042.csv\npart-000000000043.csv\n");
    assert_string_equal(file_text(f, dir, "part-000000000043.csv"), "id,name,ts,x,ok\n");
}

/* Update mode: '+' / '-' in a trailing op column; weights > 1 repeat the row. */
static void test_file_sink_update_json(void **state) {
    Fixture *f = *state;
    const char *kv[] = {arena_printf(&f->arena, "path=%s", f->dir), NULL};
    Sink *k = open_sink(f, "file", "update", kv);
    int64_t w[] = {-1, 2};
    Chunk *c = chunk_of(&f->arena, ROWS, 2, w, false);
    assert_int_equal(k->vt->begin(k, 0, &f->err), 0);
    assert_int_equal(k->vt->write(k, c, &f->err), 0);
    assert_int_equal(k->vt->commit(k, 0, &f->err), 0);
    k->vt->close(k);
    assert_string_equal(file_text(f, f->dir, "part-000000000000.csv"),
                        "1,plain,2024-01-01 10:00:00,1.5,true,-\n"
                        "2,\"has,comma \"\"q\"\"\",2024-01-01 10:00:00.250000,2.0,false,+\n"
                        "2,\"has,comma \"\"q\"\"\",2024-01-01 10:00:00.250000,2.0,false,+\n");

    const char *kvj[] = {arena_printf(&f->arena, "path=%s/j", f->dir), "format=json", NULL};
    k = open_sink(f, "file", "update", kvj);
    int64_t w2[] = {1, 1, -1, 1};
    c = chunk_of(&f->arena, ROWS, 4, w2, true);
    assert_int_equal(k->vt->begin(k, 7, &f->err), 0);
    assert_int_equal(k->vt->write(k, c, &f->err), 0);
    assert_int_equal(k->vt->commit(k, 7, &f->err), 0);
    k->vt->close(k);
    assert_string_equal(
        file_text(f, arena_printf(&f->arena, "%s/j", f->dir), "part-000000000007.json"),
        "{\"id\":1,\"name\":\"plain\",\"ts\":\"2024-01-01 10:00:00\",\"x\":1.5,\"ok\":true,\"op\":\"+\"}\n"
        "{\"id\":2,\"name\":\"has,comma \\\"q\\\"\",\"ts\":\"2024-01-01 "
        "10:00:00.250000\",\"x\":2.0,\"ok\":false,\"op\":\"+\"}\n"
        "{\"id\":3,\"name\":null,\"ts\":null,\"x\":null,\"ok\":null,\"op\":\"-\"}\n"
        "{\"id\":4,\"name\":\"\",\"ts\":\"1970-01-01 00:00:00\",\"x\":-0.1,\"ok\":true,\"op\":\"+\"}\n");
}

/* What the file sink writes (CSV, with header), the file source reads back unchanged. */
static void test_round_trip(void **state) {
    Fixture *f = *state;
    const char *kv[] = {arena_printf(&f->arena, "path=%s", f->dir), "header=true", NULL};
    Sink *k = open_sink(f, "file", "complete", kv);
    Chunk *c = chunk_of(&f->arena, ROWS, 4, NULL, false);
    for (int b = 0; b < 2; b++) {
        assert_int_equal(k->vt->begin(k, b, &f->err), 0);
        assert_int_equal(k->vt->write(k, c, &f->err), 0);
        if (b == 1) { /* a batch in flight: its temporary file must not be read */
            const char *skv[] = {arena_printf(&f->arena, "path=%s", f->dir), "header=true", "bounded=true", NULL};
            ConnConfig scfg = make_cfg(&f->arena, "in", COLS, NCOLS, skv);
            int proj[] = {0, 1, 2, 3, 4};
            Source *s = source_open("file", &scfg, proj, NCOLS, NULL, &f->err);
            assert_non_null(s);
            Buf out = {0};
            assert_int_equal(run_batch(s, NCOLS, &out, &f->err), 1);
            assert_string_equal(buf_str(&out), "1|'plain'|2024-01-01 10:00:00|1.5|true\n"
                                               "2|'has,comma \"q\"'|2024-01-01 10:00:00.250000|2.0|false\n"
                                               "3|NULL|NULL|NULL|NULL\n"
                                               "4|''|1970-01-01 00:00:00|-0.1|true\n");
            assert_true(source_ended(s));
            source_close(s);
            buf_free(&out);
        }
        assert_int_equal(k->vt->commit(k, b, &f->err), 0);
    }
    k->vt->close(k);
}

/* Run fn with stdout going to a file; returns what was printed. */
static char *capture_stdout(Fixture *f, void (*fn)(Fixture *)) {
    char *path = arena_printf(&f->arena, "%s/stdout.txt", f->dir);
    fflush(stdout);
    int saved = dup(1);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    assert_true(fd >= 0 && saved >= 0);
    dup2(fd, 1);
    close(fd);
    fn(f);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    return file_text(f, f->dir, "stdout.txt");
}

static void console_update(Fixture *f) {
    const char *kv[] = {NULL};
    Sink *k = open_sink(f, "console", "update", kv);
    int64_t w[] = {1, -1, 1};
    Chunk *c = chunk_of(&f->arena, ROWS, 3, w, true);
    assert_int_equal(k->vt->begin(k, 3, &f->err), 0);
    assert_int_equal(k->vt->write(k, c, &f->err), 0);
    assert_int_equal(k->vt->commit(k, 3, &f->err), 0);
    assert_int_equal(k->vt->begin(k, 4, &f->err), 0);
    k->vt->close(k); /* never committed: nothing printed */
}

static void console_append_csv(Fixture *f) {
    const char *kv[] = {"format=csv", NULL};
    Sink *k = open_sink(f, "console", "append", kv);
    Chunk *c = chunk_of(&f->arena, ROWS, 2, NULL, false);
    assert_int_equal(k->vt->begin(k, 0, &f->err), 0);
    assert_int_equal(k->vt->write(k, c, &f->err), 0);
    assert_int_equal(k->vt->commit(k, 0, &f->err), 0);
    k->vt->close(k);
}

static void test_console(void **state) {
    Fixture *f = *state;
    assert_string_equal(capture_stdout(f, console_update),
                        "-- batch 3\n"
                        "+\t1\tplain\t2024-01-01 10:00:00\t1.5\ttrue\n"
                        "-\t2\thas,comma \"q\"\t2024-01-01 10:00:00.250000\t2.0\tfalse\n"
                        "+\t3\tNULL\tNULL\tNULL\tNULL\n");
    assert_string_equal(capture_stdout(f, console_append_csv),
                        "-- batch 0\n"
                        "1,plain,2024-01-01 10:00:00,1.5,true\n"
                        "2,\"has,comma \"\"q\"\"\",2024-01-01 10:00:00.250000,2.0,false\n");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_file_sink_append_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_sink_update_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
