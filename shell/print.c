/*
** Result sets as aligned text tables:
**
**   k | n
**   --+---
**   1 | 10
**   (1 row)
**
** Numbers (BIGINT, DOUBLE columns) are right-aligned, everything else
** left-aligned; NULL prints as NULL; widths count terminal columns of UTF-8
** text, so Korean or Chinese text (two columns a character) stays aligned.
** No trailing spaces are printed after the last column.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

/* Decode one UTF-8 sequence at s; returns its length (1 for an invalid byte) and *cp. */
static int utf8_next(const unsigned char *s, uint32_t *cp) {
    unsigned c = s[0];
    int len;
    uint32_t v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2;
        v = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        v = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        v = c & 0x07;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return len;
}

/* Columns a code point takes: 0 for combining marks, 2 for wide East Asian forms and emoji. */
static int cp_width(uint32_t cp) {
    if (cp == 0) return 0;
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) return 1;   /* control bytes show as one cell */
    if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0xFE00 && cp <= 0xFE0F))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) || (cp >= 0x3041 && cp <= 0x33FF) ||
        (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
        (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
        (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
        return 2;
    return 1;
}

int print_display_width(const char *s) {
    int w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        p += utf8_next(p, &cp);
        w += cp_width(cp);
    }
    return w;
}

static void pad(FILE *out, int n) {
    for (int i = 0; i < n; i++) fputc(' ', out);
}

static bool is_numeric_type(const char *t) {
    return t && (strcmp(t, "BIGINT") == 0 || strcmp(t, "DOUBLE") == 0);
}

/* One cell: right-aligned numbers, left-aligned text; `last` cells get no trailing padding. */
static void print_cell(FILE *out, const char *s, int width, bool right, bool last) {
    int w = print_display_width(s);
    if (right) pad(out, width - w);
    fputs(s, out);
    if (!right && !last) pad(out, width - w);
}

void print_result(void *ud, const weir_result *r) {
    Printer *p = ud;
    FILE *out = p->out;
    if (p->printed++ > 0) fputc('\n', out);
    int nc = r->ncols;
    if (nc > 0) {
        int *width = calloc((size_t)nc, sizeof *width);
        bool *right = calloc((size_t)nc, sizeof *right);
        if (!width || !right) {
            free(width);
            free(right);
            return;
        }
        for (int j = 0; j < nc; j++) {
            width[j] = print_display_width(r->names[j] ? r->names[j] : "");
            right[j] = r->types && is_numeric_type(r->types[j]);
        }
        for (int64_t i = 0; i < r->nrows; i++)
            for (int j = 0; j < nc; j++) {
                const char *c = r->cells[i * nc + j];
                int w = print_display_width(c ? c : "NULL");
                if (w > width[j]) width[j] = w;
            }
        for (int j = 0; j < nc; j++) {
            if (j) fputs(" | ", out);
            print_cell(out, r->names[j] ? r->names[j] : "", width[j], false, j == nc - 1);
        }
        fputc('\n', out);
        for (int j = 0; j < nc; j++) {
            if (j) fputs("-+-", out);
            for (int k = 0; k < width[j]; k++) fputc('-', out);
        }
        fputc('\n', out);
        for (int64_t i = 0; i < r->nrows; i++) {
            for (int j = 0; j < nc; j++) {
                const char *c = r->cells[i * nc + j];
                if (j) fputs(" | ", out);
                print_cell(out, c ? c : "NULL", width[j], right[j], j == nc - 1);
            }
            fputc('\n', out);
        }
        free(width);
        free(right);
    }
    fprintf(out, "(%lld row%s)\n", (long long)r->nrows, r->nrows == 1 ? "" : "s");
    fflush(out);
}
