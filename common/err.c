/* Error recording and rendering; see err.h. */
#include "err.h"
#include "arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_clear(Err *e) { memset(e, 0, sizeof *e); e->offset = -1; }

static int err_vset(Err *e, int offset, bool caret, const char *fmt, va_list ap) {
    if (e->set) return -1;
    e->set = true;
    e->caret = caret;
    e->offset = offset;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return -1;
}

int err_at(Err *e, int offset, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, offset, false, fmt, ap);
    va_end(ap);
    return -1;
}

int err_syntax(Err *e, int offset, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, offset, true, fmt, ap);
    va_end(ap);
    return -1;
}

int err_set(Err *e, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, -1, false, fmt, ap);
    va_end(ap);
    return -1;
}

void err_line_col(const char *text, int off, int *line, int *col) {
    int l = 1, c = 1;
    for (int i = 0; i < off && text[i]; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

char *err_render(const Err *e, const char *file, const char *text, int base) {
    char buf[ERR_MSG_MAX + 1024];
    if (e->offset >= 0 && text) {
        int off = base + e->offset;
        int line, col;
        err_line_col(text, off, &line, &col);
        int n = snprintf(buf, sizeof buf, "%s:%d:%d: error: %s", file ? file : "<input>", line, col, e->msg);
        if (e->caret && n > 0 && (size_t)n < sizeof buf) {
            const char *ls = text + off - (col - 1);
            const char *le = strchr(ls, '\n');
            int len = le ? (int)(le - ls) : (int)strlen(ls);
            if (len > 200) len = 200;
            int m = snprintf(buf + n, sizeof buf - (size_t)n, "\n%.*s\n", len, ls);
            if (m > 0 && (size_t)(n + m) < sizeof buf) {
                n += m;
                for (int i = 0; i < col - 1 && i < len && (size_t)n < sizeof buf - 2; i++)
                    buf[n++] = ls[i] == '\t' ? '\t' : ' ';
                buf[n++] = '^';
                buf[n] = 0;
            }
        }
    } else if (e->location[0]) {
        snprintf(buf, sizeof buf, "%s: error: %s", e->location, e->msg);
    } else {
        snprintf(buf, sizeof buf, "error: %s", e->msg);
    }
    return xstrdup(buf);
}
