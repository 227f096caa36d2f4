/*
** JSON lines into chunks: one flat JSON object per line.
**
** Keys are matched to column names (exactly first, then ignoring case);
** unknown keys are ignored; a missing key or `null` is NULL.  Values:
** strings (escapes including \uXXXX and surrogate pairs, decoded to UTF-8),
** numbers, true/false, and nested objects/arrays, which a TEXT column keeps
** as their raw JSON text.  A string in a non-TEXT column is converted like a
** CSV field (so "2024-01-01 10:00:00" fills a TIMESTAMP); a number in a
** TIMESTAMP column is epoch milliseconds; a number with a fraction or
** exponent fills a BIGINT column only when its value is integral.  If a key
** repeats, the last value wins.  Blank lines are skipped.
**
** Only values of projected columns are converted (and their number syntax
** checked); the others are skipped: strings by finding the closing quote,
** nested values by matching brackets, scalars by their extent.
**
** Bad records: anything that is not one object on its line ("invalid JSON:
** ..."), and values that do not convert to their column's type.
*/
#include "reader_impl.h"

#include <math.h>
#include <strings.h>

enum { BAD_NONE, BAD_VALUE, BAD_SYNTAX };

#define MAX_DEPTH 256

static inline const char *skip_ws(const char *p, const char *e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

/* Closing quote of a string whose content starts at p, or NULL; *esc set when it holds a backslash. */
static const char *scan_string(const char *p, const char *e, bool *esc) {
    const char *q = memchr(p, '"', (size_t)(e - p));
    if (!q) return NULL;
    const char *b = memchr(p, '\\', (size_t)(q - p));
    if (!b) return q;
    *esc = true;
    for (p = b; p < e;) {
        if (*p == '"') return p;
        if (*p == '\\') {
            if (p + 1 >= e) return NULL;
            p += 2;
        } else {
            p++;
        }
    }
    return NULL;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool hex4(const char *s, const char *e, unsigned *out) {
    if (e - s < 4) return false;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(s[i]);
        if (h < 0) return false;
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return true;
}

static size_t utf8_put(char *o, unsigned cp) {
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/*
** Decode the escapes of string content s[0..n) into `out` (at least n bytes:
** no escape grows).  A lone surrogate becomes U+FFFD.  Returns the length, or
** -1 on a bad escape.
*/
static int64_t unescape_json(const char *s, size_t n, char *out) {
    const char *e = s + n;
    size_t k = 0;
    while (s < e) {
        if (*s != '\\') {
            out[k++] = *s++;
            continue;
        }
        if (s + 1 >= e) return -1;
        char c = s[1];
        s += 2;
        switch (c) {
        case '"': out[k++] = '"'; break;
        case '\\': out[k++] = '\\'; break;
        case '/': out[k++] = '/'; break;
        case 'b': out[k++] = '\b'; break;
        case 'f': out[k++] = '\f'; break;
        case 'n': out[k++] = '\n'; break;
        case 'r': out[k++] = '\r'; break;
        case 't': out[k++] = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (!hex4(s, e, &cp)) return -1;
            s += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (e - s >= 6 && s[0] == '\\' && s[1] == 'u' && hex4(s + 2, e, &lo) && lo >= 0xDC00 &&
                    lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    s += 6;
                } else {
                    cp = 0xFFFD;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                cp = 0xFFFD;
            }
            k += utf8_put(out + k, cp);
            break;
        }
        default: return -1;
        }
    }
    return (int64_t)k;
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? over the whole of s[0..n). */
static bool valid_number(const char *s, size_t n) {
    size_t i = 0;
    if (i < n && s[i] == '-') i++;
    if (i >= n) return false;
    if (s[i] == '0') i++;
    else if (s[i] >= '1' && s[i] <= '9')
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    else return false;
    if (i < n && s[i] == '.') {
        i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == d) return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
        if (i == d) return false;
    }
    return i == n;
}

/* End of the nested object/array starting at p ('{' or '['), or NULL with reason set. */
static const char *skip_nested(RecordReader *r, const char *p, const char *e) {
    char stack[MAX_DEPTH];
    int depth = 0;
    while (p < e) {
        char c = *p;
        if (c == '{' || c == '[') {
            if (depth == MAX_DEPTH) {
                snprintf(r->reason, sizeof r->reason, "invalid JSON: nesting deeper than %d", MAX_DEPTH);
                return NULL;
            }
            stack[depth++] = c == '{' ? '}' : ']';
            p++;
        } else if (c == '}' || c == ']') {
            if (depth == 0 || stack[depth - 1] != c) {
                snprintf(r->reason, sizeof r->reason, "invalid JSON: unexpected '%c'", c);
                return NULL;
            }
            p++;
            if (--depth == 0) return p;
        } else if (c == '"') {
            bool esc = false;
            const char *q = scan_string(p + 1, e, &esc);
            if (!q) {
                snprintf(r->reason, sizeof r->reason, "invalid JSON: unterminated string");
                return NULL;
            }
            p = q + 1;
        } else {
            p++;
        }
    }
    snprintf(r->reason, sizeof r->reason, "invalid JSON: unterminated %s", stack[0] == '}' ? "object" : "array");
    return NULL;
}

/* Output column (first occurrence) for key k[0..n), or -1: exact name first, then ignoring case. */
static int match_key(const RecordReader *r, const char *k, size_t n) {
    for (int j = 0; j < r->nproj; j++)
        if (r->namelen[j] == n && r->outof[r->proj[j]] == j && memcmp(r->schema.cols[r->proj[j]].name, k, n) == 0)
            return j;
    for (int j = 0; j < r->nproj; j++)
        if (r->namelen[j] == n && r->outof[r->proj[j]] == j &&
            strncasecmp(r->schema.cols[r->proj[j]].name, k, n) == 0)
            return j;
    return -1;
}

static int syntax(RecordReader *r, const char *what) {
    snprintf(r->reason, sizeof r->reason, "invalid JSON: %s", what);
    return BAD_SYNTAX;
}

/* A JSON number into output column j: like text, except that BIGINT takes integral non-integers (1.0, 1e3). */
static bool put_number(RecordReader *r, int j, uint32_t row, const char *s, size_t n) {
    if (rd_put_text(r, j, row, s, n)) return true;
    Vec *v = &r->vecs[j];
    double d;
    if (v->type == TYPE_BIGINT && parse_double(s, n, &d) && d == floor(d) && d >= -9223372036854775808.0 &&
        d < 9223372036854775808.0) {
        VEC_I64(v)[row] = (int64_t)d;
        return true;
    }
    return false;
}

/*
** Parse the object in [p, e) (p at its first non-blank byte) into row
** `row`.  Returns BAD_NONE, or BAD_VALUE / BAD_SYNTAX with r->reason set;
** the caller rolls the row back on failure.
*/
static int parse_object(RecordReader *r, const char *p, const char *e, uint32_t row) {
    uint64_t gen = ++r->gen;
    int bad = BAD_NONE;
    if (*p != '{') return syntax(r, "expected an object");
    p = skip_ws(p + 1, e);
    if (p < e && *p == '}') {
        p++;
    } else {
        for (;;) {
            if (p >= e || *p != '"') return syntax(r, "expected a string key");
            bool kesc = false;
            const char *ks = p + 1, *kq = scan_string(ks, e, &kesc);
            if (!kq) return syntax(r, "unterminated string");
            p = skip_ws(kq + 1, e);
            if (p >= e || *p != ':') return syntax(r, "expected ':' after a key");
            p = skip_ws(p + 1, e);
            if (p >= e) return syntax(r, "expected a value");
            int j = -1;
            if (bad == BAD_NONE && r->nproj > 0) {
                if (kesc) {
                    char kbuf[256];
                    size_t kl = (size_t)(kq - ks);
                    char *kout = kl <= sizeof kbuf ? kbuf : arena_alloc(&r->scratch, kl);
                    int64_t n = unescape_json(ks, kl, kout);
                    if (n < 0) return syntax(r, "bad escape in a key");
                    j = match_key(r, kout, (size_t)n);
                } else {
                    j = match_key(r, ks, (size_t)(kq - ks));
                }
            }
            if (j >= 0) {
                r->seen[j] = gen;
                if (r->vecs[j].nulls) r->vecs[j].nulls[row] = 0; /* a repeated key overrides */
            }
            const char *vs = p;
            switch (*p) {
            case '"': {
                bool esc = false;
                const char *q = scan_string(p + 1, e, &esc);
                if (!q) return syntax(r, "unterminated string");
                p = q + 1;
                if (j < 0) break;
                const char *s = vs + 1;
                size_t n = (size_t)(q - s);
                if (esc) {
                    char *out = arena_alloc(&r->scratch, n ? n : 1);
                    int64_t m = unescape_json(s, n, out);
                    if (m < 0) return syntax(r, "bad escape in a string");
                    s = out;
                    n = (size_t)m;
                }
                if (!rd_put_text(r, j, row, s, n)) bad = BAD_VALUE;
                break;
            }
            case '{':
            case '[':
                p = skip_nested(r, p, e);
                if (!p) return BAD_SYNTAX;
                if (j < 0) break;
                if (r->vecs[j].type == TYPE_TEXT) {
                    VEC_STR(&r->vecs[j])[row] = str_from(vs, (size_t)(p - vs));
                } else {
                    rd_bad_value(r, j, vs, (size_t)(p - vs));
                    bad = BAD_VALUE;
                }
                break;
            case 't':
            case 'f':
            case 'n': {
                static const char *const lit[] = {"true", "false", "null"};
                int which = *p == 't' ? 0 : *p == 'f' ? 1 : 2;
                size_t n = strlen(lit[which]);
                if ((size_t)(e - p) < n || memcmp(p, lit[which], n) != 0) return syntax(r, "unexpected value");
                p += n;
                if (j < 0) break;
                Vec *v = &r->vecs[j];
                if (which == 2) rd_set_null(r, j, row);
                else if (v->type == TYPE_BOOL) VEC_BOOL(v)[row] = which == 0;
                else if (v->type == TYPE_TEXT) VEC_STR(v)[row] = str_from(lit[which], n);
                else {
                    rd_bad_value(r, j, vs, n);
                    bad = BAD_VALUE;
                }
                break;
            }
            default: {
                if (*p != '-' && (*p < '0' || *p > '9')) return syntax(r, "unexpected value");
                while (p < e && ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' || *p == '.' || *p == 'e' ||
                                 *p == 'E'))
                    p++;
                if (j < 0) break;
                if (!valid_number(vs, (size_t)(p - vs))) return syntax(r, "bad number");
                if (!put_number(r, j, row, vs, (size_t)(p - vs))) bad = BAD_VALUE;
                break;
            }
            }
            p = skip_ws(p, e);
            if (p < e && *p == ',') {
                p = skip_ws(p + 1, e);
                continue;
            }
            if (p < e && *p == '}') {
                p++;
                break;
            }
            return syntax(r, "expected ',' or '}'");
        }
    }
    if (skip_ws(p, e) != e) return syntax(r, "unexpected text after the object");
    if (bad != BAD_NONE) return bad;
    for (int j = 0; j < r->nproj; j++)
        if (r->seen[j] != gen && r->outof[r->proj[j]] == j) rd_set_null(r, j, row);
    return BAD_NONE;
}

/*
** Parse JSON lines from buf[0..len) into r's chunk; see reader_parse().  The
** record is the line: memchr finds its end, then the object is parsed within
** it, so an error never runs into the next record.
*/
int64_t json_parse(RecordReader *r, const char *buf, size_t len, bool eof, Err *err) {
    const char *p = buf, *end = buf + len;
    while (r->chunk.count < r->cap && p < end) {
        const char *nlp = memchr(p, '\n', (size_t)(end - p));
        if (!nlp && !eof) break;
        const char *le = nlp ? nlp : end, *next = nlp ? nlp + 1 : end;
        const char *rec = p, *rec_end = le;
        if (rec_end > rec && rec_end[-1] == '\r') rec_end--;
        int64_t line = r->line++;
        const char *s = skip_ws(p, le);
        p = next;
        if (s == le) continue; /* blank line */
        uint32_t row = r->chunk.count;
        if (parse_object(r, s, le, row) != BAD_NONE) {
            rd_rollback_row(r, row);
            if (!rd_reject(r, line, rec, (size_t)(rec_end - rec), err)) return -1;
            continue;
        }
        rd_commit_row(r, line);
    }
    return p - buf;
}
