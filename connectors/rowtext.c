/*
** Rows as text for the sinks: tab-separated (console), CSV (RFC 4180) and
** JSON lines, written straight from the vectors into a growable buffer with
** no per-value allocation.
**
** Values follow the contract's text format (value_to_text): BOOLEAN
** true/false, DOUBLE %.15g with ".0" when integral, TIMESTAMP
** 'YYYY-MM-DD HH:MM:SS[.ffffff]', INTERVAL as weir prints it.  NULL is
** "NULL" in TSV, an empty unquoted field in CSV (so weir's CSV reader reads
** it back as NULL; the empty string is written "") and null in JSON.
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_impl.h"

void textbuf_add(TextBuf *b, const char *s, size_t n) {
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
}

void textbuf_free(TextBuf *b) {
    free(b->p);
    memset(b, 0, sizeof *b);
}

static void add_str(TextBuf *b, const char *s) { textbuf_add(b, s, strlen(s)); }

/* CSV field: quoted when it holds the delimiter, a quote, a line break, or is empty (empty unquoted = NULL). */
static void csv_text(TextBuf *b, const char *s, size_t n, char delim) {
    bool quote = n == 0;
    for (size_t i = 0; i < n && !quote; i++) quote = s[i] == delim || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        textbuf_add(b, s, n);
        return;
    }
    textbuf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') textbuf_putc(b, '"');
        textbuf_putc(b, s[i]);
    }
    textbuf_putc(b, '"');
}

/* JSON string with the required escapes; other bytes (UTF-8 included) pass through. */
static void json_text(TextBuf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    textbuf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        switch (ch) {
        case '"': add_str(b, "\\\""); break;
        case '\\': add_str(b, "\\\\"); break;
        case '\n': add_str(b, "\\n"); break;
        case '\r': add_str(b, "\\r"); break;
        case '\t': add_str(b, "\\t"); break;
        default:
            if (ch < 0x20) {
                char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
                textbuf_add(b, e, 6);
            } else {
                textbuf_putc(b, (char)ch);
            }
        }
    }
    textbuf_putc(b, '"');
}

/* Format a non-NULL, non-TEXT value into buf (>= 64 bytes); returns its length. */
static int scalar_text(const Vec *v, uint32_t row, char *buf) {
    switch (v->type) {
    case TYPE_BOOL: return snprintf(buf, 64, "%s", VEC_BOOL(v)[row] ? "true" : "false");
    case TYPE_BIGINT: return snprintf(buf, 64, "%" PRId64, VEC_I64(v)[row]);
    case TYPE_DOUBLE: return double_format(VEC_F64(v)[row], buf, 64);
    case TYPE_TIMESTAMP: return ts_format(VEC_I64(v)[row], buf);
    case TYPE_INTERVAL: return interval_format(VEC_I64(v)[row], buf, 64);
    default: buf[0] = 0; return 0;
    }
}

/* JSON numbers cannot be inf or nan: those doubles are written as strings. */
static bool json_bare(const Vec *v, uint32_t row) {
    if (v->type == TYPE_BIGINT || v->type == TYPE_BOOL) return true;
    if (v->type == TYPE_DOUBLE) {
        double d = VEC_F64(v)[row];
        return d == d && d - d == 0;
    }
    return false;
}

static void value_text(TextBuf *b, TextFormat f, char delim, const Vec *v, uint32_t row) {
    if (vec_is_null(v, row)) {
        if (f == TEXT_TSV)
            add_str(b, "NULL");
        else if (f == TEXT_JSON)
            add_str(b, "null");
        return;
    }
    if (v->type == TYPE_TEXT) {
        Str s = VEC_STR(v)[row];
        if (f == TEXT_CSV)
            csv_text(b, s.ptr, s.len, delim);
        else if (f == TEXT_JSON)
            json_text(b, s.ptr, s.len);
        else
            textbuf_add(b, s.ptr, s.len);
        return;
    }
    char tmp[64];
    int n = scalar_text(v, row, tmp);
    if (n < 0) n = 0;
    if (n > 63) n = 63;
    if (f == TEXT_JSON && !json_bare(v, row))
        json_text(b, tmp, (size_t)n);
    else if (f == TEXT_CSV)
        csv_text(b, tmp, (size_t)n, delim);
    else
        textbuf_add(b, tmp, (size_t)n);
}

void rowtext_row(TextBuf *b, TextFormat f, char delim, const Schema *schema, const Vec *cols, uint32_t row,
                 const char *op) {
    char sep = f == TEXT_TSV ? '\t' : f == TEXT_CSV ? delim : ',';
    if (f == TEXT_JSON) textbuf_putc(b, '{');
    for (int j = 0; j < schema->ncols; j++) {
        if (j) textbuf_putc(b, sep);
        if (f == TEXT_JSON) {
            const char *name = schema->cols[j].name;
            json_text(b, name, strlen(name));
            textbuf_putc(b, ':');
        }
        value_text(b, f, delim, &cols[j], row);
    }
    if (op) {
        if (schema->ncols) textbuf_putc(b, sep);
        if (f == TEXT_JSON) add_str(b, "\"op\":");
        if (f == TEXT_JSON)
            json_text(b, op, strlen(op));
        else
            add_str(b, op);
    }
    if (f == TEXT_JSON) textbuf_putc(b, '}');
    textbuf_putc(b, '\n');
}

void rowtext_header(TextBuf *b, char delim, const Schema *schema, bool with_op) {
    for (int j = 0; j < schema->ncols; j++) {
        if (j) textbuf_putc(b, delim);
        const char *name = schema->cols[j].name;
        csv_text(b, name, strlen(name), delim);
    }
    if (with_op) {
        if (schema->ncols) textbuf_putc(b, delim);
        add_str(b, "op");
    }
    textbuf_putc(b, '\n');
}
