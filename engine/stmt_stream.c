/*
** Streaming declarations: CREATE SOURCE and CREATE SINK, and the validation
** of WITH (...) options shared with connector tables.
**
** A source is validated (the option table below, then the connector's own
** source_check) and registered: its schema, watermark and options are what
** the binder, EXPLAIN and the runtime need.  A sink is a continuous query
** whose changes go to a connector (queries.c): a `sqlite` sink maintains a
** table like a materialized view does (in the results database, or in the
** database file `path`), other connectors get a Sink (connectors/).
**
** Connector options are described by one table (CONNECTORS): for each
** connector and role, the keys it takes with the kind of value each expects,
** the keys it requires, and a prefix of pass-through keys (kafka.*).  Every
** source also takes the runtime's event-time options late and max_future
** (stream.h): checked here, and taken out before the connector's own check
** (the runtime takes them out before source_open too).  max_future needs a
** WATERMARK: it bounds the event-time column.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"

/* ------------------------------------------------------------ connector options */

typedef enum OptKind {
    OPT_TEXT,       /* any text */
    OPT_BOOL,       /* true / false (and the other spellings parse_bool takes) */
    OPT_COUNT,      /* integer >= 0 */
    OPT_POSINT,     /* integer > 0 */
    OPT_INT,        /* any integer */
    OPT_RATE,       /* number > 0 */
    OPT_PORT,       /* 1..65535 */
    OPT_FORMAT,     /* csv / json */
    OPT_CHAR,       /* one character, or '\t' / 'tab' */
    OPT_OFFSETS,    /* earliest / latest */
    OPT_ON_ERROR,   /* fail / reject */
    OPT_TIMESTAMP,  /* a timestamp in the contract's text format */
    OPT_RUNTIME,    /* late / max_future: the runtime's own (stream_check_runtime_option) */
} OptKind;

typedef struct OptSpec {
    const char *key;
    OptKind kind;
} OptSpec;

typedef struct ConnSpec {
    const char *name;
    ConnRole role;
    const OptSpec *opts;           /* keys besides `connector`; ends with {NULL} */
    const char *const *required;   /* NULL-terminated; "a|b" means either key */
    const char *prefix;            /* keys with this prefix pass through (kafka.*), or NULL */
    bool field_opts;               /* fields.COL.key per column (generator) */
} ConnSpec;

static const OptSpec FILE_TABLE_OPTS[] = {
    {"path", OPT_TEXT}, {"format", OPT_FORMAT}, {"header", OPT_BOOL}, {"delimiter", OPT_CHAR}, {NULL, 0}};
/* Every source also takes the runtime's event-time options (stream.h): late, max_future. */
static const OptSpec FILE_SOURCE_OPTS[] = {
    {"path", OPT_TEXT}, {"format", OPT_FORMAT}, {"header", OPT_BOOL}, {"delimiter", OPT_CHAR},
    {"max_files_per_trigger", OPT_POSINT}, {"max_records_per_trigger", OPT_POSINT}, {"bounded", OPT_BOOL},
    {"on_error", OPT_ON_ERROR}, {"late", OPT_RUNTIME}, {"max_future", OPT_RUNTIME}, {NULL, 0}};
static const OptSpec KAFKA_SOURCE_OPTS[] = {
    {"topic", OPT_TEXT}, {"bootstrap.servers", OPT_TEXT}, {"format", OPT_FORMAT}, {"header", OPT_BOOL},
    {"delimiter", OPT_CHAR}, {"starting_offsets", OPT_OFFSETS}, {"max_records_per_trigger", OPT_POSINT},
    {"bounded", OPT_BOOL}, {"on_error", OPT_ON_ERROR}, {"late", OPT_RUNTIME}, {"max_future", OPT_RUNTIME},
    {NULL, 0}};
static const OptSpec SOCKET_SOURCE_OPTS[] = {
    {"host", OPT_TEXT}, {"port", OPT_PORT}, {"format", OPT_FORMAT}, {"delimiter", OPT_CHAR},
    {"max_records_per_trigger", OPT_POSINT}, {"bounded", OPT_BOOL}, {"on_error", OPT_ON_ERROR},
    {"late", OPT_RUNTIME}, {"max_future", OPT_RUNTIME}, {NULL, 0}};
static const OptSpec GENERATOR_SOURCE_OPTS[] = {
    {"rows_per_second", OPT_RATE}, {"rows", OPT_COUNT}, {"seed", OPT_INT}, {"pace", OPT_BOOL},
    {"start", OPT_TIMESTAMP}, {"max_records_per_trigger", OPT_POSINT}, {"bounded", OPT_BOOL},
    {"late", OPT_RUNTIME}, {"max_future", OPT_RUNTIME}, {NULL, 0}};
static const OptSpec SQLITE_SOURCE_OPTS[] = {
    {"path", OPT_TEXT}, {"table", OPT_TEXT}, {"late", OPT_RUNTIME}, {"max_future", OPT_RUNTIME}, {NULL, 0}};
static const OptSpec SQLITE_OPTS[] = {{"path", OPT_TEXT}, {"table", OPT_TEXT}, {NULL, 0}};
static const OptSpec FILE_SINK_OPTS[] = {
    {"path", OPT_TEXT}, {"format", OPT_FORMAT}, {"header", OPT_BOOL}, {"delimiter", OPT_CHAR}, {NULL, 0}};
static const OptSpec KAFKA_SINK_OPTS[] = {
    {"topic", OPT_TEXT}, {"bootstrap.servers", OPT_TEXT}, {"format", OPT_FORMAT}, {"delimiter", OPT_CHAR},
    {NULL, 0}};
static const OptSpec CONSOLE_SINK_OPTS[] = {{"format", OPT_FORMAT}, {NULL, 0}};

static const char *const REQ_PATH_FORMAT[] = {"path", "format", NULL};
static const char *const REQ_KAFKA[] = {"topic", "bootstrap.servers|kafka.bootstrap.servers", NULL};
static const char *const REQ_SOCKET[] = {"host", "port", NULL};
static const char *const REQ_SQLITE_SOURCE[] = {"path", "table", NULL};
static const char *const REQ_SQLITE_SINK[] = {"table", NULL};
static const char *const REQ_NONE[] = {NULL};

static const ConnSpec CONNECTORS[] = {
    {"file", ROLE_TABLE, FILE_TABLE_OPTS, REQ_PATH_FORMAT, NULL, false},
    {"file", ROLE_SOURCE, FILE_SOURCE_OPTS, REQ_PATH_FORMAT, NULL, false},
    {"kafka", ROLE_SOURCE, KAFKA_SOURCE_OPTS, REQ_KAFKA, "kafka.", false},
    {"socket", ROLE_SOURCE, SOCKET_SOURCE_OPTS, REQ_SOCKET, NULL, false},
    {"generator", ROLE_SOURCE, GENERATOR_SOURCE_OPTS, REQ_NONE, NULL, true},
    {"sqlite", ROLE_SOURCE, SQLITE_SOURCE_OPTS, REQ_SQLITE_SOURCE, NULL, false},
    {"file", ROLE_SINK, FILE_SINK_OPTS, REQ_PATH_FORMAT, NULL, false},
    {"kafka", ROLE_SINK, KAFKA_SINK_OPTS, REQ_KAFKA, "kafka.", false},
    {"console", ROLE_SINK, CONSOLE_SINK_OPTS, REQ_NONE, NULL, false},
    {"sqlite", ROLE_SINK, SQLITE_OPTS, REQ_SQLITE_SINK, NULL, false},
};
#define NCONNECTORS ((int)(sizeof CONNECTORS / sizeof CONNECTORS[0]))

static const char *role_name(ConnRole r) {
    return r == ROLE_TABLE ? "table" : r == ROLE_SOURCE ? "source" : "sink";
}

/* "file, kafka or socket": the connectors that support `role` (statement arena). */
static char *role_connectors(Arena *a, ConnRole role) {
    char buf[256];
    size_t n = 0;
    int count = 0, total = 0;
    for (int i = 0; i < NCONNECTORS; i++) total += CONNECTORS[i].role == role;
    buf[0] = 0;
    for (int i = 0; i < NCONNECTORS; i++) {
        if (CONNECTORS[i].role != role) continue;
        count++;
        const char *sep = count == 1 ? "" : count == total ? " or " : ", ";
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", sep, CONNECTORS[i].name);
        if (n >= sizeof buf) break;
    }
    return arena_strdup(a, buf);
}

/* "path, format, header": the keys of a spec. */
static char *spec_keys(Arena *a, const ConnSpec *c) {
    char buf[512];
    size_t n = 0;
    buf[0] = 0;
    for (const OptSpec *o = c->opts; o->key && n < sizeof buf; o++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", o == c->opts ? "" : ", ", o->key);
    if (c->prefix && n < sizeof buf) n += (size_t)snprintf(buf + n, sizeof buf - n, ", %s*", c->prefix);
    if (c->field_opts && n < sizeof buf) snprintf(buf + n, sizeof buf - n, ", fields.COLUMN.*");
    return arena_strdup(a, buf);
}

char eng_delimiter_char(const char *v) {
    if (!v || !*v) return ',';
    if (strcmp(v, "\\t") == 0 || strcasecmp(v, "tab") == 0) return '\t';
    return v[0];
}

/* Check one option value against its kind.  0 / -1. */
static int check_value(StmtCtx *sc, const AstOption *o, OptKind kind) {
    const char *v = o->value ? o->value : "";
    size_t n = strlen(v);
    int64_t i;
    double d;
    uint8_t b;
    switch (kind) {
    case OPT_TEXT:
        if (n == 0) return err_at(sc->err, o->pos, "option \"%s\" must not be empty", o->key);
        return 0;
    case OPT_BOOL:
        if (!parse_bool(v, n, &b))
            return err_at(sc->err, o->pos, "option \"%s\" must be 'true' or 'false', not '%s'", o->key, v);
        return 0;
    case OPT_COUNT:
        if (!parse_int64(v, n, &i) || i < 0)
            return err_at(sc->err, o->pos, "option \"%s\" must be a whole number >= 0, not '%s'", o->key, v);
        return 0;
    case OPT_POSINT:
        if (!parse_int64(v, n, &i) || i <= 0)
            return err_at(sc->err, o->pos, "option \"%s\" must be a whole number > 0, not '%s'", o->key, v);
        return 0;
    case OPT_INT:
        if (!parse_int64(v, n, &i))
            return err_at(sc->err, o->pos, "option \"%s\" must be a whole number, not '%s'", o->key, v);
        return 0;
    case OPT_RATE:
        if (!parse_double(v, n, &d) || !(d > 0))
            return err_at(sc->err, o->pos, "option \"%s\" must be a number > 0, not '%s'", o->key, v);
        return 0;
    case OPT_PORT:
        if (!parse_int64(v, n, &i) || i < 1 || i > 65535)
            return err_at(sc->err, o->pos, "option \"%s\" must be a port number (1-65535), not '%s'", o->key, v);
        return 0;
    case OPT_FORMAT:
        if (strcasecmp(v, "csv") != 0 && strcasecmp(v, "json") != 0)
            return err_at(sc->err, o->pos, "unknown format '%s' (expected 'csv' or 'json')", v);
        return 0;
    case OPT_CHAR:
        if (n != 1 && strcmp(v, "\\t") != 0 && strcasecmp(v, "tab") != 0)
            return err_at(sc->err, o->pos, "option \"%s\" must be one character, not '%s'", o->key, v);
        if (v[0] == '"' || v[0] == '\n' || v[0] == '\r')
            return err_at(sc->err, o->pos, "option \"%s\" cannot be a quote or a line break", o->key);
        return 0;
    case OPT_OFFSETS:
        if (strcasecmp(v, "earliest") != 0 && strcasecmp(v, "latest") != 0)
            return err_at(sc->err, o->pos, "option \"%s\" must be 'earliest' or 'latest', not '%s'", o->key, v);
        return 0;
    case OPT_ON_ERROR:
        if (strcasecmp(v, "fail") != 0 && strcasecmp(v, "reject") != 0)
            return err_at(sc->err, o->pos, "option \"%s\" must be 'fail' or 'reject', not '%s'", o->key, v);
        return 0;
    case OPT_TIMESTAMP:
        if (!ts_parse(v, n, &i))
            return err_at(sc->err, o->pos, "option \"%s\" must be a timestamp 'YYYY-MM-DD HH:MM:SS', not '%s'",
                          o->key, v);
        return 0;
    case OPT_RUNTIME: {
        char msg[ERR_MSG_MAX];
        if (stream_check_runtime_option(o->key, v, msg, sizeof msg)) return err_at(sc->err, o->pos, "%s", msg);
        return 0;
    }
    }
    return 0;
}

/*
** generator's per-column options: fields.COL.kind = 'sequence' | 'random',
** fields.COL.{start,end,min,max} (values), fields.COL.length (a count).
*/
static int check_field_option(StmtCtx *sc, const AstOption *o, const Schema *schema) {
    const char *rest = o->key + strlen("fields.");
    const char *dot = strrchr(rest, '.');
    if (!dot || dot == rest)
        return err_at(sc->err, o->pos, "option \"%s\" must be fields.COLUMN.KEY", o->key);
    char *col = arena_strndup(sc->arena, rest, (size_t)(dot - rest));
    const char *key = dot + 1;
    if (schema && schema_find(schema, col) < 0)
        return err_at(sc->err, o->pos, "option \"%s\" names column \"%s\", which does not exist", o->key, col);
    if (strcmp(key, "kind") == 0) {
        if (strcasecmp(o->value, "sequence") != 0 && strcasecmp(o->value, "random") != 0)
            return err_at(sc->err, o->pos, "option \"%s\" must be 'sequence' or 'random', not '%s'", o->key, o->value);
        return 0;
    }
    if (strcmp(key, "length") == 0) return check_value(sc, o, OPT_COUNT);
    if (strcmp(key, "start") == 0 || strcmp(key, "end") == 0 || strcmp(key, "min") == 0 || strcmp(key, "max") == 0)
        return check_value(sc, o, OPT_TEXT);
    return err_at(sc->err, o->pos, "unknown option \"%s\" (per-column keys: kind, start, end, min, max, length)",
                  o->key);
}

static bool has_option(const AstStmt *st, const char *key) {
    for (int i = 0; i < st->noptions; i++)
        if (st->options[i].key && strcasecmp(st->options[i].key, key) == 0) return true;
    return false;
}

int eng_check_options(StmtCtx *sc, ConnRole role, const Schema *schema) {
    const AstStmt *st = sc->st;
    const AstOption *conn = NULL;
    for (int i = 0; i < st->noptions; i++) {
        const AstOption *o = &st->options[i];
        if (!o->key || !o->value) return err_at(sc->err, o->pos, "malformed option");
        for (int j = 0; j < i; j++)
            if (strcasecmp(st->options[j].key, o->key) == 0)
                return err_at(sc->err, o->pos, "option \"%s\" specified more than once", o->key);
        if (strcasecmp(o->key, "connector") == 0) conn = o;
    }
    if (!conn) {
        if (role == ROLE_TABLE)
            return err_at(sc->err, st->noptions ? st->options[0].pos : st->name_pos,
                          "table \"%s\" has WITH options but no connector (tables support connector = 'file')",
                          st->name);
        return err_at(sc->err, st->name_pos, "%s \"%s\" needs a connector: WITH (connector = '...', ...) with %s",
                      role_name(role), st->name, role_connectors(sc->arena, role));
    }

    const ConnSpec *spec = NULL;
    bool known = false;
    for (int i = 0; i < NCONNECTORS; i++) {
        if (strcasecmp(CONNECTORS[i].name, conn->value) != 0) continue;
        known = true;
        if (CONNECTORS[i].role == role) spec = &CONNECTORS[i];
    }
    if (!known) {
        /* Name every connector weir knows, not only this role's: the user may have the role wrong. */
        return err_at(sc->err, conn->pos, "unknown connector '%s' (a %s takes %s)", conn->value, role_name(role),
                      role_connectors(sc->arena, role));
    }
    if (!spec)
        return err_at(sc->err, conn->pos, "connector '%s' cannot be used for a %s (a %s takes %s%s)", conn->value,
                      role_name(role), role_name(role), role_connectors(sc->arena, role),
                      role == ROLE_TABLE ? "; declare streams with CREATE SOURCE" : "");

    for (int i = 0; i < st->noptions; i++) {
        const AstOption *o = &st->options[i];
        if (o == conn) continue;
        const OptSpec *os = NULL;
        for (const OptSpec *k = spec->opts; k->key; k++)
            if (strcasecmp(k->key, o->key) == 0) os = k;
        if (os) {
            if (check_value(sc, o, os->kind)) return -1;
            continue;
        }
        if (spec->prefix && strncasecmp(o->key, spec->prefix, strlen(spec->prefix)) == 0 &&
            strlen(o->key) > strlen(spec->prefix))
            continue;
        if (spec->field_opts && strncasecmp(o->key, "fields.", 7) == 0) {
            if (check_field_option(sc, o, schema)) return -1;
            continue;
        }
        return err_at(sc->err, o->pos, "unknown option \"%s\" for connector '%s' (it takes %s)", o->key, spec->name,
                      spec_keys(sc->arena, spec));
    }

    for (const char *const *r = spec->required; *r; r++) {
        char *alts = arena_strdup(sc->arena, *r);
        bool found = false;
        for (char *save = NULL, *k = strtok_r(alts, "|", &save); k && !found; k = strtok_r(NULL, "|", &save))
            found = has_option(st, k);
        if (!found) {
            const char *first = arena_strndup(sc->arena, *r, strcspn(*r, "|"));
            if (strcmp(first, "format") == 0)
                return err_at(sc->err, conn->pos, "connector '%s' needs option \"format\" ('csv' or 'json')",
                              spec->name);
            return err_at(sc->err, conn->pos, "connector '%s' needs option \"%s\"", spec->name, first);
        }
    }
    return 0;
}

/* ------------------------------------------------------------ CREATE SOURCE */

/*
** WATERMARK FOR col AS col - INTERVAL '...': the column must be a TIMESTAMP of
** the source and the expression the column itself minus a non-negative
** interval (or the bare column: no lateness allowed).
*/
static int check_watermark(StmtCtx *sc, const Schema *schema, int *col, int64_t *delay) {
    const AstStmt *st = sc->st;
    *col = -1;
    *delay = 0;
    if (!st->watermark_column) return 0;
    const char *name = st->watermark_column;
    int i = schema_find(schema, name);
    if (i < 0) return err_at(sc->err, st->watermark_pos, "watermark column \"%s\" does not exist", name);
    if (schema->cols[i].type != TYPE_TIMESTAMP)
        return err_at(sc->err, st->watermark_pos, "watermark column \"%s\" must be TIMESTAMP, not %s", name,
                      type_name(schema->cols[i].type));
    const Ast *e = st->watermark_expr;
    int pos = e ? e->pos : st->watermark_pos;
    if (e && e->kind == AST_COLUMN && !e->qualifier && e->name && strcasecmp(e->name, name) == 0) {
        *col = i;
        return 0;
    }
    if (e && e->kind == AST_BINARY && e->op == OP_SUB && e->left && e->right && e->left->kind == AST_COLUMN &&
        e->right->kind == AST_INTERVAL) {
        if (!e->left->name || strcasecmp(e->left->name, name) != 0)
            return err_at(sc->err, e->left->pos,
                          "the watermark of \"%s\" must be computed from \"%s\" itself, not \"%s\"", name, name,
                          e->left->name ? e->left->name : "?");
        if (e->right->ival < 0)
            return err_at(sc->err, e->right->pos, "the watermark delay must not be negative");
        *col = i;
        *delay = e->right->ival;
        return 0;
    }
    return err_at(sc->err, pos, "the watermark expression must be \"%s - INTERVAL '...'\" (the event-time column "
                                "minus how late data may arrive)",
                  name);
}

/* The statement's WITH options as connector options (statement arena). */
static ConnOption *conn_options(StmtCtx *sc) {
    const AstStmt *st = sc->st;
    ConnOption *o = ARENA_ARRAY(sc->arena, ConnOption, st->noptions + 1);
    for (int i = 0; i < st->noptions; i++) o[i] = (ConnOption){st->options[i].key, st->options[i].value};
    return o;
}

/*
** A source's options as its connector sees them: without the runtime's own
** (late, max_future; stream.h), which the runtime strips before source_open
** too.  *n receives their number.
*/
static ConnOption *connector_options(StmtCtx *sc, int *n) {
    const AstStmt *st = sc->st;
    ConnOption *o = ARENA_ARRAY(sc->arena, ConnOption, st->noptions + 1);
    *n = 0;
    for (int i = 0; i < st->noptions; i++)
        if (!stream_runtime_option(st->options[i].key))
            o[(*n)++] = (ConnOption){st->options[i].key, st->options[i].value};
    return o;
}

static const char *option_value(const AstStmt *st, const char *key) {
    for (int i = 0; i < st->noptions; i++)
        if (st->options[i].key && strcasecmp(st->options[i].key, key) == 0) return st->options[i].value;
    return NULL;
}

/* The connector's own check of a source's options (source_check); errors point at WITH. */
static int check_with_connector(StmtCtx *sc, const Schema *schema) {
    const AstStmt *st = sc->st;
    int nopts;
    ConnOption *opts = connector_options(sc, &nopts);
    ConnConfig cfg = {
        .name = st->name, .options = opts, .noptions = nopts, .schema = *schema, .now_us = sc->now_us,
    };
    const char *conn = option_value(st, "connector");
    if (source_check(conn ? conn : "", &cfg, sc->err) == 0) return 0;
    if (!sc->err->set) err_set(sc->err, "source \"%s\": invalid options", st->name);
    if (sc->err->offset < 0 && !sc->err->location[0]) sc->err->offset = st->noptions ? st->options[0].pos : st->pos;
    return -1;
}

/* CREATE SOURCE name (cols [, WATERMARK ...]) WITH (...): validated and registered. */
int eng_create_source(StmtCtx *sc) {
    const AstStmt *st = sc->st;
    Err scratch;
    err_clear(&scratch);
    CatEntry *old = catalog_find(sc->w->cat, st->name, &scratch);
    if (old) {
        if (st->if_not_exists) return 0;
        return err_at(sc->err, st->name_pos, "%s \"%s\" already exists", eng_kind_name(old->kind), st->name);
    }
    Schema schema;
    if (eng_declared_schema(sc, &schema)) return -1;
    int wcol;
    int64_t delay;
    if (check_watermark(sc, &schema, &wcol, &delay)) return -1;
    if (eng_check_options(sc, ROLE_SOURCE, &schema)) return -1;
    for (int i = 0; i < st->noptions; i++)
        if (wcol < 0 && strcasecmp(st->options[i].key, "max_future") == 0)
            return err_at(sc->err, st->options[i].pos,
                          "option \"max_future\" needs a WATERMARK: it bounds the event-time column; declare "
                          "WATERMARK FOR col AS col - INTERVAL '...' in source \"%s\"",
                          st->name);
    if (check_with_connector(sc, &schema)) return -1;
    CatEntry *e = catalog_add(sc->w->cat, CAT_SOURCE, st->name, &schema, sc->err);
    if (!e) {
        if (!sc->err->set) err_set(sc->err, "cannot create source \"%s\"", st->name);
        if (sc->err->offset < 0) sc->err->offset = st->name_pos;
        return -1;
    }
    eng_copy_options(e, st);
    e->watermark_col = wcol;
    e->watermark_delay_us = delay;
    return 0;
}

/* ------------------------------------------------------------ CREATE SINK */

/*
** CREATE SINK name WITH (...) AS query: a continuous query writing its
** changes to the connector (EMIT mode as for a materialized view: the
** connector receives appended rows, changes, or the whole result).
*/
int eng_create_sink(StmtCtx *sc) {
    const AstStmt *st = sc->st;
    Err scratch;
    err_clear(&scratch);
    CatEntry *old = catalog_find(sc->w->cat, st->name, &scratch);
    if (old && !(old->kind == CAT_TABLE && old->in_resultdb && !old->mem)) {
        if (st->if_not_exists) return 0;
        return err_at(sc->err, st->name_pos, "%s \"%s\" already exists", eng_kind_name(old->kind), st->name);
    }
    if (eng_check_options(sc, ROLE_SINK, NULL)) return -1;
    if (!st->query) return err_at(sc->err, st->pos, "CREATE SINK needs AS SELECT ...");
    const char *conn = option_value(st, "connector");
    ContinuousReq req = {.name = st->name, .kind = STREAM_SINK};
    if (conn && strcasecmp(conn, "sqlite") == 0) {
        req.table = option_value(st, "table");
        req.table_db = option_value(st, "path");
    } else {
        req.sink_connector = conn;
        req.nsink_options = st->noptions;
        req.sink_options = conn_options(sc);
    }
    StreamQuery *q;
    if (eng_start_continuous(sc, &req, &q)) return -1;
    CatEntry *e = catalog_add(sc->w->cat, CAT_SINK, st->name, stream_schema(q), sc->err);
    if (!e) {
        eng_drop_query(sc->w, st->name);
        if (!sc->err->set) err_at(sc->err, st->name_pos, "cannot create sink \"%s\"", st->name);
        if (sc->err->offset < 0) sc->err->offset = st->name_pos;
        return -1;
    }
    eng_copy_options(e, st);
    e->watermark_col = -1;
    e->sql = eng_query_text(sc, st->query, &e->arena);
    if (stream_start(q, sc->err)) {
        char *name = arena_strdup(sc->arena, st->name);
        catalog_drop(sc->w->cat, name);
        eng_drop_query(sc->w, name);
        return -1;
    }
    return 0;
}
