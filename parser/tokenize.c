/*
** The tokenizer and the parser driver.
**
** tok_scan() cuts one token off the text.  It switches on a 256-entry
** character-class table (as SQLite's tokenize.c does) and looks bare words up
** in the keyword perfect hash that gperf generates from keywords.gperf.
** Tokens are byte extents of the text; nothing is copied or allocated.
**
** parse_next() runs the Lemon parser (parse.y) over one statement: tokens up
** to a top-level ';' or the end of the text.  On an error it skips to the
** next ';' so that a caller can report and continue.  sql_complete() tells a
** shell whether the text typed so far ends a statement.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "parser_int.h"

/* Character classes: what kind of token a byte can start. */
enum {
    END,  /* NUL: end of text */
    SPC,  /* white space */
    ID,   /* letter, '_', or a byte of a UTF-8 sequence: identifier or keyword */
    DIG,  /* 0-9 */
    DOT,  /* .  (member access, or a number like .5) */
    QUO,  /* '  string literal */
    DQU,  /* " or `: quoted identifier */
    MIN,  /* -  or -- comment */
    SLA,  /* /  or block comment */
    LT,   /* < <= <> */
    GT,   /* > >= */
    EQ,   /* = */
    BNG,  /* != */
    PIP,  /* || */
    COL,  /* :: */
    LP, RP, CMA, SEM, PLU, STA, REM,
    ILL,  /* starts no token */
};

static const unsigned char char_class[256] = {
    /* 0x */ END, ILL, ILL, ILL, ILL, ILL, ILL, ILL, ILL, SPC, SPC, SPC, SPC, SPC, ILL, ILL,
    /* 1x */ ILL, ILL, ILL, ILL, ILL, ILL, ILL, ILL, ILL, ILL, ILL, ILL, ILL, ILL, ILL, ILL,
    /* 2x */ SPC, BNG, DQU, ILL, ILL, REM, ILL, QUO, LP,  RP,  STA, PLU, CMA, MIN, DOT, SLA,
    /* 3x */ DIG, DIG, DIG, DIG, DIG, DIG, DIG, DIG, DIG, DIG, COL, SEM, LT,  EQ,  GT,  ILL,
    /* 4x */ ILL, ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,
    /* 5x */ ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ILL, ILL, ILL, ILL, ID,
    /* 6x */ DQU, ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,
    /* 7x */ ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ILL, PIP, ILL, ILL, ILL,
    /* 8x */ ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,
    /* 9x */ ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,
    /* Ax */ ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,
    /* Bx */ ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,
    /* Cx */ ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,
    /* Dx */ ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,
    /* Ex */ ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,
    /* Fx */ ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,  ID,
};

#define CLASS(c) char_class[(unsigned char)(c)]
#define IS_DIGIT(c) (CLASS(c) == DIG)
#define IS_IDCHAR(c) (CLASS(c) == ID || CLASS(c) == DIG)

int tok_keyword_code(const char *z, int n) {
    const struct Keyword *k = keyword_lookup(z, (size_t)n);
    return k ? k->token : TK_ID;
}

/* A quoted run starting at z[0] and ending at the next unpaired z[0]: '...',
** "..." or `...`, where a doubled delimiter stands for itself.  Returns the
** length including both delimiters, or -1 when the text ends first. */
static int quoted_length(const char *z) {
    char q = z[0];
    for (int i = 1;; i++) {
        if (z[i] == 0) return -1;
        if (z[i] == q) {
            if (z[i + 1] != q) return i + 1;
            i++;
        }
    }
}

/* Digits, an optional fraction, an optional exponent: INTEGER or FLOAT.  A
** letter straight after the number is an error (PostgreSQL: "trailing junk"),
** not a silent alias as in `SELECT 1abc`. */
static int number_length(const char *z, int *type) {
    int i = 0;
    *type = TK_INTEGER;
    while (IS_DIGIT(z[i])) i++;
    if (z[i] == '.') {
        i++;
        while (IS_DIGIT(z[i])) i++;
        *type = TK_FLOAT;
    }
    if ((z[i] == 'e' || z[i] == 'E') &&
        (IS_DIGIT(z[i + 1]) || ((z[i + 1] == '+' || z[i + 1] == '-') && IS_DIGIT(z[i + 2])))) {
        i += 2;
        while (IS_DIGIT(z[i])) i++;
        *type = TK_FLOAT;
    }
    if (CLASS(z[i]) == ID) {
        while (IS_IDCHAR(z[i])) i++;
        *type = TK_ILLEGAL;
    }
    return i;
}

/* See parser_int.h. */
int tok_scan(const char *z, int *type) {
    int i;
    switch (CLASS(z[0])) {
    case END:
        *type = 0;
        return 0;
    case SPC:
        for (i = 1; CLASS(z[i]) == SPC; i++) {}
        *type = TK_SPACE;
        return i;
    case MIN:
        if (z[1] == '-') { /* -- comment to the end of the line */
            for (i = 2; z[i] && z[i] != '\n'; i++) {}
            *type = TK_SPACE;
            return i;
        }
        *type = TK_MINUS;
        return 1;
    case SLA:
        if (z[1] == '*') { /* block comment; they do not nest */
            for (i = 2; z[i] && !(z[i] == '*' && z[i + 1] == '/'); i++) {}
            if (!z[i]) {
                *type = TK_ILLEGAL;
                return i;
            }
            *type = TK_SPACE;
            return i + 2;
        }
        *type = TK_SLASH;
        return 1;
    case LT:
        if (z[1] == '=') { *type = TK_LE; return 2; }
        if (z[1] == '>') { *type = TK_NE; return 2; }
        *type = TK_LT;
        return 1;
    case GT:
        if (z[1] == '=') { *type = TK_GE; return 2; }
        *type = TK_GT;
        return 1;
    case EQ: *type = TK_EQ; return 1;
    case BNG:
        if (z[1] == '=') { *type = TK_NE; return 2; }
        *type = TK_ILLEGAL;
        return 1;
    case PIP:
        if (z[1] == '|') { *type = TK_CONCAT; return 2; }
        *type = TK_ILLEGAL;
        return 1;
    case COL:
        if (z[1] == ':') { *type = TK_COLONCOLON; return 2; }
        *type = TK_ILLEGAL;
        return 1;
    case LP: *type = TK_LP; return 1;
    case RP: *type = TK_RP; return 1;
    case CMA: *type = TK_COMMA; return 1;
    case SEM: *type = TK_SEMI; return 1;
    case PLU: *type = TK_PLUS; return 1;
    case STA: *type = TK_STAR; return 1;
    case REM: *type = TK_REM; return 1;
    case QUO:
    case DQU:
        i = quoted_length(z);
        if (i < 0) {
            *type = TK_ILLEGAL;
            return (int)strlen(z);
        }
        *type = CLASS(z[0]) == QUO ? TK_STRING : TK_ID;
        return i;
    case DOT:
        if (IS_DIGIT(z[1])) return number_length(z, type);
        *type = TK_DOT;
        return 1;
    case DIG:
        return number_length(z, type);
    case ID:
        for (i = 1; IS_IDCHAR(z[i]); i++) {}
        *type = tok_keyword_code(z, i);
        return i;
    default:
        *type = TK_ILLEGAL;
        return 1;
    }
}

/* See parser_int.h.  The cases mirror the TK_ILLEGAL returns of tok_scan(). */
void tok_illegal_message(const char *z, int n, char *buf, size_t cap) {
    unsigned char c = (unsigned char)z[0];
    if (c == '\'')
        snprintf(buf, cap, "unterminated quoted string");
    else if (c == '"' || c == '`')
        snprintf(buf, cap, "unterminated quoted identifier");
    else if (c == '/')
        snprintf(buf, cap, "unterminated /* comment");
    else if (IS_DIGIT(c) || c == '.')
        snprintf(buf, cap, "trailing junk after numeric literal at or near \"%.*s\"", n, z);
    else if (c >= 0x21 && c < 0x7f)
        snprintf(buf, cap, "unexpected character \"%c\"", c);
    else
        snprintf(buf, cap, "unexpected character 0x%02x", c);
}

/* ------------------------------------------------------------ the driver */

/* The type of the first token at or after pos that is not blank or a comment. */
static int peek_type(const char *text, int pos) {
    int type, n;
    do {
        n = tok_scan(text + pos, &type);
        pos += n;
    } while (type == TK_SPACE);
    return type;
}

/* Offset just past the ';' that ends the statement containing pos, or of the
** end of the text.  Illegal tokens are stepped over (they have length >= 1). */
static int skip_statement(const char *text, int pos) {
    for (;;) {
        int type, n = tok_scan(text + pos, &type);
        if (type == 0) return pos;
        pos += n;
        if (type == TK_SEMI) return pos;
    }
}

/*
** See ast.h.  `start` must be within the text.  The Lemon engine (a fixed
** stack of %stack_size entries, some tens of kilobytes) is a temporary of this
** call, malloc'ed and freed here rather than left in the statement arena,
** which may live as long as a whole script.  Everything else is in the arena.
*/
int parse_next(const char *text, int start, Arena *a, AstStmt **out, int *next, Err *err) {
    Parse p = {.text = text, .a = a, .err = err};
    int pos = start < 0 ? 0 : start;
    int type, n;
    *out = NULL;

    /* Blanks, comments and empty statements before the statement. */
    for (;;) {
        n = tok_scan(text + pos, &type);
        if (type == 0) {
            *next = pos;
            return 0;
        }
        if (type != TK_SPACE && type != TK_SEMI) break;
        pos += n;
    }

    void *engine = xmalloc(parser_engine_size());
    WeirParserInit(engine, &p);
    int stmt_pos = pos, last_end = pos;
    for (;;) {
        n = tok_scan(text + pos, &type);
        if (type == TK_SPACE) {
            pos += n;
            continue;
        }
        p.tok_pos = pos;
        if (type == TK_ILLEGAL) {
            char msg[ERR_MSG_MAX];
            tok_illegal_message(text + pos, n, msg, sizeof msg);
            err_syntax(err, pos, "%s", msg);
            p.failed = true;
            break;
        }
        if (type == 0 || type == TK_SEMI) {
            /* End of the statement: Lemon's end-of-input token carries the
            ** ';' (or nothing) so a syntax error here can name it. */
            Token t = {pos, n};
            WeirParser(engine, 0, t);
            break;
        }
        if (type == TK_NOT) {
            int la = peek_type(text, pos + n);
            if (la == TK_BETWEEN || la == TK_IN || la == TK_LIKE) type = TK_NOT_LA;
        }
        Token t = {pos, n};
        WeirParser(engine, type, t);
        if (p.failed) break;
        pos += n;
        last_end = pos;
    }
    WeirParserFinalize(engine);
    free(engine);

    if (p.failed || !p.stmt) {
        if (!p.failed) err_syntax(err, pos, "syntax error"); /* cannot happen: accept sets stmt */
        *next = skip_statement(text, pos);
        return -1;
    }
    p.stmt->pos = stmt_pos;
    p.stmt->end = last_end;
    *out = p.stmt;
    *next = type == TK_SEMI ? pos + 1 : pos;
    return 0;
}

/* See ast.h: a ';' token outside strings, quoted identifiers and comments. */
bool sql_complete(const char *text) {
    int pos = 0;
    if (!text) return false;
    for (;;) {
        int type, n = tok_scan(text + pos, &type);
        if (type == 0) return false;
        if (type == TK_SEMI) return true;
        pos += n;
    }
}
