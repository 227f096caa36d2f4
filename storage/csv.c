/*
** CSV records (RFC 4180) into chunks.
**
** Fields are separated by the delimiter, records by LF or CRLF.  A field
** may be quoted with '"': it can then hold delimiters, newlines and '""' for
** a quote.  An empty unquoted field is NULL, a quoted empty field "" is the
** empty string (NULL for non-TEXT columns).  A quote inside an unquoted field
** is an ordinary character.  Blank lines are skipped.  The line number of a
** record is the line where it starts, counting newlines inside quotes.
**
** Speed: unquoted fields (the common case) are found with a word-at-a-time
** scan for the delimiter or LF; quoted fields with memchr for the quote.
** Values point into the buffer unless they contain '""', so TEXT costs no
** copy; fields of columns that are not projected are only skipped.
**
** Bad records: wrong number of fields, a character after a closing quote,
** an unterminated quote at the end of the input, or a value that does not
** convert; see rd_reject().
*/
#include "reader_impl.h"

/* First delimiter or LF in [p, end), or end. */
static inline const char *scan_unquoted(const char *p, const char *end, char delim) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    const uint64_t dm = ones * (uint8_t)delim, nm = ones * (uint8_t)'\n';
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t a = w ^ dm, b = w ^ nm;
        /* the classic has-zero-byte test; the lowest flagged byte is exact */
        uint64_t t = (((a - ones) & ~a) | ((b - ones) & ~b)) & highs;
        if (t) return p + (__builtin_ctzll(t) >> 3);
        p += 8;
    }
#endif
    while (p < end && *p != delim && *p != '\n') p++;
    return p;
}

static int64_t count_nl(const char *p, const char *end) {
    int64_t n = 0;
    for (; p < end; p++) n += *p == '\n';
    return n;
}

/* Copy a quoted field's content with each "" turned into ", into the scratch arena. */
static Str unescape_quotes(RecordReader *r, const char *s, size_t n) {
    char *out = arena_alloc(&r->scratch, n ? n : 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        out[k++] = s[i];
        if (s[i] == '"' && i + 1 < n && s[i + 1] == '"') i++;
    }
    return str_from(out, k);
}

enum { BAD_NONE, BAD_VALUE, BAD_SYNTAX };

/*
** Parse records from buf[0..len) into r's chunk; see reader_parse() for the
** contract.  Each record is parsed in one pass: fields are converted into
** row `row` as they are found, and the row is committed only when the whole
** record is good; otherwise it is rolled back (and reported, or left for the
** next call when the buffer ends inside it).
*/
int64_t csv_parse(RecordReader *r, const char *buf, size_t len, bool eof, Err *err) {
    const char *p = buf, *end = buf + len, *rec = buf;
    const char delim = r->delim;
    const int ncols = r->schema.ncols;
    while (r->chunk.count < r->cap && p < end) {
        rec = p;
        if (*p == '\n') { /* blank line */
            p++;
            r->line++;
            continue;
        }
        if (*p == '\r') {
            if (p + 1 == end) {
                if (!eof) break;
                p++;
                continue;
            }
            if (p[1] == '\n') {
                p += 2;
                r->line++;
                continue;
            }
        }
        uint32_t row = r->chunk.count;
        const int *map = r->header_pending ? NULL : r->outof;
        int nf = 0, bad = BAD_NONE;
        int64_t nl = 0;
        for (;;) {
            int j = map && nf < ncols && bad == BAD_NONE ? map[nf] : -1;
            if (p < end && *p == '"') {
                const char *fs = ++p;
                size_t fl;
                bool esc = false;
                for (;;) {
                    const char *q = memchr(p, '"', (size_t)(end - p));
                    if (!q) {
                        if (!eof) goto incomplete;
                        nl += count_nl(p, end);
                        p = end;
                        snprintf(r->reason, sizeof r->reason, "unterminated quoted field");
                        bad = BAD_SYNTAX;
                        nf++;
                        goto record_done;
                    }
                    nl += count_nl(p, q);
                    if (q + 1 == end && !eof) goto incomplete; /* "" split by the buffer end? */
                    if (q + 1 < end && q[1] == '"') {
                        esc = true;
                        p = q + 2;
                        continue;
                    }
                    fl = (size_t)(q - fs);
                    p = q + 1;
                    break;
                }
                if (p < end && *p != delim && *p != '\n') {
                    if (*p == '\r' && p + 1 == end && !eof) goto incomplete;
                    if (!(*p == '\r' && (p + 1 == end || p[1] == '\n'))) {
                        if (bad != BAD_SYNTAX)
                            snprintf(r->reason, sizeof r->reason, "unexpected character after quoted field %d",
                                     nf + 1);
                        bad = BAD_SYNTAX;
                        p = scan_unquoted(p, end, delim);
                        if (p == end && !eof) goto incomplete;
                        j = -1;
                    }
                }
                if (j >= 0) {
                    Str s = esc ? unescape_quotes(r, fs, fl) : str_from(fs, fl);
                    if (!rd_put_text(r, j, row, s.ptr, s.len)) bad = BAD_VALUE;
                }
            } else {
                const char *fs = p;
                p = scan_unquoted(p, end, delim);
                if (p == end && !eof) goto incomplete;
                size_t fl = (size_t)(p - fs);
                if ((p == end || *p == '\n') && fl && fs[fl - 1] == '\r') fl--;
                if (j >= 0) {
                    if (fl == 0) rd_set_null(r, j, row);
                    else if (!rd_put_text(r, j, row, fs, fl)) bad = BAD_VALUE;
                }
            }
            nf++;
            if (p < end && *p == delim) {
                p++;
                continue;
            }
            break;
        }
    record_done:;
        /* p is at LF, at CR LF (after a quoted field) or at the end */
        const char *rec_end = p;
        if (p < end && *p == '\r') p++;
        if (p < end && *p == '\n') p++;
        if (rec_end > rec && rec_end[-1] == '\r') rec_end--;
        int64_t line = r->line;
        r->line += 1 + nl;
        if (r->header_pending) {
            r->header_pending = false;
            rd_rollback_row(r, row);
            continue;
        }
        if (bad != BAD_SYNTAX && nf != ncols) {
            snprintf(r->reason, sizeof r->reason, "expected %d field%s, found %d", ncols, ncols == 1 ? "" : "s", nf);
            bad = BAD_SYNTAX;
        }
        if (bad != BAD_NONE) {
            rd_rollback_row(r, row);
            if (!rd_reject(r, line, rec, (size_t)(rec_end - rec), err)) return -1;
            continue;
        }
        rd_commit_row(r, line);
    }
    return p - buf;
incomplete:
    rd_rollback_row(r, r->chunk.count);
    return rec - buf;
}
