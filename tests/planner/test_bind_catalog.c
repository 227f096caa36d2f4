/*
** Unit tests for planner/catalog.c: declared entries (order, case-insensitive
** lookup, name clashes, drop, options) and the results-database fallback
** (a table found there is cached as a CAT_TABLE entry, is not listed, and
** gives way to a declaration of the same name).
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../planner/catalog.h"

static Column cols2[] = {{"a", TYPE_BIGINT}, {"b", TYPE_TEXT}};
static const Schema schema2 = {2, cols2};

static void test_add_find_list(void **state) {
    (void)state;
    Err err;
    err_clear(&err);
    Catalog *c = catalog_new(NULL);
    CatEntry *t = catalog_add(c, CAT_TABLE, "Orders", &schema2, &err);
    assert_non_null(t);
    assert_string_equal(t->name, "Orders");
    assert_int_equal(t->schema.ncols, 2);
    assert_string_equal(t->schema.cols[1].name, "b");
    assert_int_equal(t->schema.cols[1].type, TYPE_TEXT);
    assert_ptr_not_equal(t->schema.cols, cols2);   /* copied */
    assert_int_equal(t->watermark_col, -1);
    assert_non_null(catalog_add(c, CAT_SOURCE, "clicks", &schema2, &err));
    assert_non_null(catalog_add(c, CAT_TABLE, "users", &schema2, &err));
    assert_false(err.set);

    assert_ptr_equal(catalog_find(c, "orders", &err), t);
    assert_ptr_equal(catalog_find(c, "ORDERS", &err), t);
    assert_null(catalog_find(c, "nope", &err));
    assert_false(err.set);

    CatEntry **list;
    int n = catalog_list(c, CAT_TABLE, &list);
    assert_int_equal(n, 2);
    assert_string_equal(list[0]->name, "Orders");
    assert_string_equal(list[1]->name, "users");
    assert_int_equal(catalog_list(c, CAT_VIEW, &list), 0);

    /* a name is taken whatever the kind */
    assert_null(catalog_add(c, CAT_VIEW, "CLICKS", NULL, &err));
    assert_true(err.set);
    assert_string_equal(err.msg, "source \"clicks\" already exists");

    assert_int_equal(catalog_drop(c, "orders"), 0);
    assert_int_equal(catalog_drop(c, "orders"), -1);
    assert_null(catalog_find(c, "orders", &err));
    n = catalog_list(c, CAT_TABLE, &list);
    assert_int_equal(n, 1);
    assert_string_equal(list[0]->name, "users");
    assert_null(catalog_db(c));
    catalog_free(c);
}

static void test_options_and_owned_table(void **state) {
    (void)state;
    Err err;
    err_clear(&err);
    Catalog *c = catalog_new(NULL);
    CatEntry *e = catalog_add(c, CAT_SOURCE, "s", &schema2, &err);
    e->noptions = 2;
    e->options = ARENA_ARRAY(&e->arena, CatOption, 2);
    e->options[0] = (CatOption){"connector", "file"};
    e->options[1] = (CatOption){"bootstrap.servers", "localhost:9092"};
    assert_string_equal(catalog_option(e, "CONNECTOR"), "file");
    assert_string_equal(catalog_option(e, "bootstrap.servers"), "localhost:9092");
    assert_null(catalog_option(e, "path"));

    /* an entry owns its MemTable: dropping (and freeing the catalog) releases it (ASan checks) */
    CatEntry *t = catalog_add(c, CAT_TABLE, "t", &schema2, &err);
    t->mem = memtable_new(&t->schema);
    t->rel = memtable_relation(t->mem);
    CatEntry *t2 = catalog_add(c, CAT_TABLE, "t2", &schema2, &err);
    t2->mem = memtable_new(&t2->schema);
    t2->rel = memtable_relation(t2->mem);
    assert_int_equal(catalog_drop(c, "t"), 0);
    catalog_free(c);
}

static void test_resultdb_fallback(void **state) {
    (void)state;
    Err err;
    err_clear(&err);
    ResultDb *db = rdb_open(":memory:", &err);
    assert_non_null(db);
    assert_int_equal(rdb_create_table(db, "results", &schema2, false, &err), 0);
    Catalog *c = catalog_new(db);
    assert_ptr_equal(catalog_db(c), db);

    CatEntry *e = catalog_find(c, "results", &err);
    assert_false(err.set);
    assert_non_null(e);
    assert_int_equal(e->kind, CAT_TABLE);
    assert_true(e->in_resultdb);
    assert_true(e->owns_rel);
    assert_non_null(e->rel);
    assert_int_equal(e->schema.ncols, 2);
    assert_string_equal(e->schema.cols[0].name, "a");
    assert_int_equal(e->schema.cols[0].type, TYPE_BIGINT);
    assert_int_equal(e->schema.cols[1].type, TYPE_TEXT);
    /* cached: found again without a second relation */
    assert_ptr_equal(catalog_find(c, "RESULTS", &err), e);
    /* not a declaration: not listed, and a declaration replaces it */
    CatEntry **list;
    assert_int_equal(catalog_list(c, CAT_TABLE, &list), 0);
    CatEntry *mv = catalog_add(c, CAT_MATVIEW, "results", &schema2, &err);
    assert_non_null(mv);
    assert_false(err.set);
    assert_ptr_equal(catalog_find(c, "results", &err), mv);
    assert_int_equal(catalog_list(c, CAT_MATVIEW, &list), 1);

    assert_null(catalog_find(c, "missing", &err));
    assert_false(err.set);
    catalog_free(c);
    rdb_close(db);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_find_list),
        cmocka_unit_test(test_options_and_owned_table),
        cmocka_unit_test(test_resultdb_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
