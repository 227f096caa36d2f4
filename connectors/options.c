/*
** Connector options and dispatch.
**
** source_open / source_check / sink_open / sink_check pick the connector by
** name from a static table and hand it the ConnConfig; each connector
** validates its own options with the helpers below, so every option error
** is worded the same way and names the source or sink, the option and the
** bad value.  This file also holds what all sources share: the common
** options (on_error, bounded, max_records_per_trigger) and the bridge that
** turns the record reader's reject callback into RejectSink calls.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn_impl.h"

const char *conn_option(const ConnConfig *c, const char *key) {
    if (!c || !key) return NULL;
    for (int i = 0; i < c->noptions; i++)
        if (c->options[i].key && strcasecmp(c->options[i].key, key) == 0) return c->options[i].value;
    return NULL;
}

/* ------------------------------------------------------------ messages */

int conn_err(const ConnCtx *c, Err *err, const char *fmt, ...) {
    char msg[ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *name = c->cfg && c->cfg->name ? c->cfg->name : "?";
    return err_set(err, "%s \"%s\": %s", c->role, name, msg);
}

void conn_reader_error(const char *name, Err *err) {
    if (!err->set) return;
    char msg[2 * ERR_MSG_MAX];
    snprintf(msg, sizeof msg, "source \"%s\": %s", name ? name : "?", err->msg);
    msg[sizeof err->msg - 1] = 0; /* truncate to fit */
    memcpy(err->msg, msg, sizeof err->msg);
}

/* ------------------------------------------------------------ option helpers */

int conn_check_keys(const ConnCtx *c, const char *const *keys, const char *prefix, Err *err) {
    for (int i = 0; i < c->cfg->noptions; i++) {
        const char *k = c->cfg->options[i].key;
        if (!k) return conn_err(c, err, "option without a name");
        if (strcasecmp(k, "connector") == 0) continue;
        bool known = false;
        for (const char *const *p = keys; *p && !known; p++) known = strcasecmp(*p, k) == 0;
        if (!known && prefix) known = strncasecmp(k, prefix, strlen(prefix)) == 0 && strlen(k) > strlen(prefix);
        if (!known) return conn_err(c, err, "unknown option \"%s\"", k);
    }
    return 0;
}

int conn_require(const ConnCtx *c, const char *key, const char **out, Err *err) {
    const char *v = conn_option(c->cfg, key);
    if (!v || !v[0]) return conn_err(c, err, "option \"%s\" is required", key);
    *out = v;
    return 0;
}

int conn_get_posint(const ConnCtx *c, const char *key, int64_t dflt, int64_t *out, Err *err) {
    const char *v = conn_option(c->cfg, key);
    *out = dflt;
    if (!v) return 0;
    if (!parse_int64(v, strlen(v), out) || *out <= 0)
        return conn_err(c, err, "option \"%s\" must be a positive integer, not \"%s\"", key, v);
    return 0;
}

int conn_get_count(const ConnCtx *c, const char *key, int64_t dflt, int64_t *out, Err *err) {
    const char *v = conn_option(c->cfg, key);
    *out = dflt;
    if (!v) return 0;
    if (!parse_int64(v, strlen(v), out) || *out < 0)
        return conn_err(c, err, "option \"%s\" must be an integer >= 0, not \"%s\"", key, v);
    return 0;
}

int conn_get_int(const ConnCtx *c, const char *key, int64_t dflt, int64_t *out, Err *err) {
    const char *v = conn_option(c->cfg, key);
    *out = dflt;
    if (!v) return 0;
    if (!parse_int64(v, strlen(v), out))
        return conn_err(c, err, "option \"%s\" must be an integer, not \"%s\"", key, v);
    return 0;
}

int conn_get_rate(const ConnCtx *c, const char *key, double dflt, double *out, Err *err) {
    const char *v = conn_option(c->cfg, key);
    *out = dflt;
    if (!v) return 0;
    /* the upper bound keeps row * 1e6 / rate and friends far from overflow */
    if (!parse_double(v, strlen(v), out) || !(*out > 0) || *out > 1e15)
        return conn_err(c, err, "option \"%s\" must be a positive number, not \"%s\"", key, v);
    return 0;
}

int conn_get_bool(const ConnCtx *c, const char *key, bool dflt, bool *out, Err *err) {
    const char *v = conn_option(c->cfg, key);
    *out = dflt;
    if (!v) return 0;
    uint8_t b;
    if (!parse_bool(v, strlen(v), &b))
        return conn_err(c, err, "option \"%s\" must be 'true' or 'false', not \"%s\"", key, v);
    *out = b != 0;
    return 0;
}

int conn_get_format(const ConnCtx *c, const char *key, RecordFormat dflt, RecordFormat *out, Err *err) {
    const char *v = conn_option(c->cfg, key);
    *out = dflt;
    if (!v) return 0;
    if (!reader_format_from_name(v, out))
        return conn_err(c, err, "option \"%s\" must be 'csv' or 'json', not \"%s\"", key, v);
    return 0;
}

/* One character, or "\t" / "tab" for a tab; not a quote or a line break (they delimit CSV records). */
int conn_get_delimiter(const ConnCtx *c, const char *key, char *out, Err *err) {
    const char *v = conn_option(c->cfg, key);
    *out = ',';
    if (!v) return 0;
    if (strcmp(v, "\\t") == 0 || strcasecmp(v, "tab") == 0) {
        *out = '\t';
        return 0;
    }
    if (strlen(v) != 1) return conn_err(c, err, "option \"%s\" must be one character, not \"%s\"", key, v);
    if (v[0] == '"' || v[0] == '\n' || v[0] == '\r')
        return conn_err(c, err, "option \"%s\" cannot be a quote or a line break", key);
    *out = v[0];
    return 0;
}

int conn_get_port(const ConnCtx *c, const char *key, const char **out, Err *err) {
    if (conn_require(c, key, out, err)) return -1;
    int64_t p;
    if (!parse_int64(*out, strlen(*out), &p) || p < 1 || p > 65535)
        return conn_err(c, err, "option \"%s\" must be a port number (1-65535), not \"%s\"", key, *out);
    return 0;
}

int conn_source_common(const ConnCtx *c, SourceCommon *out, Err *err) {
    memset(out, 0, sizeof *out);
    const char *oe = conn_option(c->cfg, "on_error");
    if (oe) {
        if (strcasecmp(oe, "fail") == 0)
            out->fail_on_error = true;
        else if (strcasecmp(oe, "skip") != 0 && strcasecmp(oe, "reject") != 0)
            return conn_err(c, err, "option \"on_error\" must be 'skip' or 'fail', not \"%s\"", oe);
    }
    out->bounded_set = conn_option(c->cfg, "bounded") != NULL;
    if (conn_get_bool(c, "bounded", false, &out->bounded, err)) return -1;
    return conn_get_posint(c, "max_records_per_trigger", 0, &out->max_records, err);
}

int conn_sink_mode(const ConnCtx *c, const char *mode, SinkMode *out, Err *err) {
    if (!mode || strcasecmp(mode, "append") == 0)
        *out = SINK_APPEND;
    else if (strcasecmp(mode, "update") == 0)
        *out = SINK_UPDATE;
    else if (strcasecmp(mode, "complete") == 0)
        *out = SINK_COMPLETE;
    else
        return conn_err(c, err, "unknown output mode \"%s\" (expected append, update or complete)", mode);
    return 0;
}

void conn_schema_copy(Schema *dst, const Schema *src, Arena *a) {
    dst->ncols = src->ncols;
    dst->cols = ARENA_ARRAY(a, Column, src->ncols > 0 ? src->ncols : 1);
    for (int i = 0; i < src->ncols; i++) {
        dst->cols[i] = src->cols[i];
        dst->cols[i].name = arena_strdup(a, src->cols[i].name ? src->cols[i].name : "?");
    }
}

int conn_check_proj(const ConnCtx *c, const int *proj, int nproj, Err *err) {
    if (nproj < 0 || (nproj > 0 && !proj)) return conn_err(c, err, "bad column list");
    for (int j = 0; j < nproj; j++)
        if (proj[j] < 0 || proj[j] >= c->cfg->schema.ncols)
            return conn_err(c, err, "column index %d out of range (the source has %d columns)", proj[j],
                            c->cfg->schema.ncols);
    return 0;
}

/* ------------------------------------------------------------ rejects */

bool conn_reader_reject(void *ud, const char *location, Str record, const char *reason) {
    RejectBridge *rb = ud;
    if (rb->fail || !rb->sink || !rb->sink->reject) return false;
    if (rb->sink->reject(rb->sink->ud, rb->name, location, record, reason) != 0) return false;
    rb->src->rejects++;
    return true;
}

int conn_reject(RejectBridge *rb, const char *location, Str record, const char *reason, Err *err) {
    if (conn_reader_reject(rb, location, record, reason)) return 0;
    err_set(err, "source \"%s\": %s", rb->name ? rb->name : "?", reason);
    snprintf(err->location, sizeof err->location, "%s", location);
    return -1;
}

/* ------------------------------------------------------------ dispatch */

typedef struct SourceConnector {
    const char *name;
    Source *(*open)(const ConnConfig *cfg, const int *proj, int nproj, const RejectSink *rejects, Err *err);
    int (*check)(const ConnConfig *cfg, Err *err);
} SourceConnector;

typedef struct SinkConnector {
    const char *name;
    Sink *(*open)(const ConnConfig *cfg, const char *mode, Err *err);
    int (*check)(const ConnConfig *cfg, Err *err);
} SinkConnector;

/* NULL functions: a connector weir knows but does not support yet (kafka). */
static const SourceConnector SOURCES[] = {
    {"file", file_source_open, file_source_check},
    {"generator", generator_source_open, generator_source_check},
    {"socket", socket_source_open, socket_source_check},
    {"sqlite", sqlite_source_open, sqlite_source_check},
    {"kafka", NULL, NULL},
};
#define NSOURCES ((int)(sizeof SOURCES / sizeof SOURCES[0]))

static const SinkConnector SINKS[] = {
    {"file", file_sink_open, file_sink_check},
    {"console", console_sink_open, console_sink_check},
    {"sqlite", NULL, NULL},
    {"kafka", NULL, NULL},
};
#define NSINKS ((int)(sizeof SINKS / sizeof SINKS[0]))

static const SourceConnector *find_source(const char *connector, Err *err) {
    for (int i = 0; i < NSOURCES; i++) {
        if (!connector || strcasecmp(SOURCES[i].name, connector) != 0) continue;
        if (!SOURCES[i].open) {
            err_set(err, "connector \"%s\" is not supported yet", SOURCES[i].name);
            return NULL;
        }
        return &SOURCES[i];
    }
    err_set(err, "unknown connector \"%s\" (expected file, generator, socket, sqlite, kafka)",
            connector ? connector : "");
    return NULL;
}

/*
** The sqlite sink writes into a table of the results database inside the
** micro-batch's own transaction, so it is the runtime's job (stream/), not a
** Sink opened here; sink_check still validates its options.
*/
static const SinkConnector *find_sink(const char *connector, bool opening, Err *err) {
    for (int i = 0; i < NSINKS; i++) {
        if (!connector || strcasecmp(SINKS[i].name, connector) != 0) continue;
        if (strcasecmp(connector, "sqlite") == 0 && !opening) return &SINKS[i];
        if (!SINKS[i].open) {
            if (strcasecmp(connector, "sqlite") == 0)
                err_set(err, "connector \"sqlite\" sinks are written by the runtime into the results database");
            else
                err_set(err, "connector \"%s\" is not supported yet", SINKS[i].name);
            return NULL;
        }
        return &SINKS[i];
    }
    err_set(err, "unknown connector \"%s\" (expected file, console, sqlite, kafka)", connector ? connector : "");
    return NULL;
}

Source *source_open(const char *connector, const ConnConfig *cfg, const int *proj, int nproj, const RejectSink *rejects,
                    Err *err) {
    const SourceConnector *sc = find_source(connector, err);
    return sc ? sc->open(cfg, proj, nproj, rejects, err) : NULL;
}

int source_check(const char *connector, const ConnConfig *cfg, Err *err) {
    const SourceConnector *sc = find_source(connector, err);
    return sc ? sc->check(cfg, err) : -1;
}

/* sqlite sink options: `table` (required) and `path` (another database; default the results database). */
static int sqlite_sink_check(const ConnConfig *cfg, Err *err) {
    ConnCtx c = {cfg, "sink"};
    static const char *const keys[] = {"path", "table", NULL};
    const char *table;
    if (conn_check_keys(&c, keys, NULL, err)) return -1;
    return conn_require(&c, "table", &table, err);
}

Sink *sink_open(const char *connector, const ConnConfig *cfg, const char *mode, Err *err) {
    const SinkConnector *sc = find_sink(connector, true, err);
    return sc ? sc->open(cfg, mode, err) : NULL;
}

int sink_check(const char *connector, const ConnConfig *cfg, Err *err) {
    const SinkConnector *sc = find_sink(connector, false, err);
    if (!sc) return -1;
    if (strcasecmp(sc->name, "sqlite") == 0) return sqlite_sink_check(cfg, err);
    return sc->check(cfg, err);
}
