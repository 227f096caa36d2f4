/*
** Error reporting.  Each phase (tokenize, parse, bind, plan, execute, read)
** carries an Err: a function records the first error and returns a failure
** code; callers check and unwind.  No longjmp, no exit() in library code.
**
** A position is a byte offset into the statement text; err_render() turns it
** into `FILE:LINE:COL: error: MESSAGE` plus, for syntax errors, the source
** line and a caret under the column.
*/
#ifndef WEIR_ERR_H
#define WEIR_ERR_H

#include <stdbool.h>
#include <stddef.h>

#define ERR_MSG_MAX 512

typedef struct Err {
    bool set;              /* an error has been recorded */
    bool caret;            /* render the source line with a caret (syntax errors) */
    int offset;            /* byte offset into the statement text, -1 when unknown */
    char location[256];    /* when no text offset applies: "file:line" or "partition:offset" */
    char msg[ERR_MSG_MAX]; /* the message, without position or "error:" */
} Err;

void err_clear(Err *e);
/* Record an error at a byte offset (-1: no position).  Keeps the first error. Returns -1. */
int err_at(Err *e, int offset, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int err_syntax(Err *e, int offset, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int err_set(Err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
** Render the error as weir prints it (without the leading "weir: ").
** `file` names the input ("<stdin>", "-c", a path); `text` is the whole
** input and `base` the offset of the statement within it, so that line and
** column count from the start of the file.  Returns a malloc'ed string.
*/
char *err_render(const Err *e, const char *file, const char *text, int base);

/* Line and column (1-based) of byte offset `off` in `text`. */
void err_line_col(const char *text, int off, int *line, int *col);

#endif
