/*
** Text kernels: || and concat, LIKE / ILIKE, lower, upper, length, substr,
** trim, replace, starts_with, strpos, left, right, reverse, repeat.
**
** Text is UTF-8.  Functions that count characters (length, substr, strpos,
** left, right, reverse) count code points; lower/upper change ASCII letters
** only.  Results that are a piece of an argument (substr, trim, left, right)
** point into the argument's bytes, which outlive the result; new strings
** are built in ctx->arena, one block per kernel call where the total size
** is known up front.
**
** LIKE compiles its pattern once and reuses it while the pattern slot keeps
** the same bytes (a constant pattern is broadcast, so that is once per
** chunk).  Patterns made of literals and % only take fast paths: equality,
** prefix ('abc%'), suffix ('%abc'), substring ('%abc%', memmem), or a chain
** of memmem calls ('a%b%c'); patterns with _ or the escape character \ run
** a backtracking matcher that is linear for patterns with a single %.
*/
#include "func_internal.h"

/* Byte length of the UTF-8 sequence starting with byte c (1 for stray bytes). */
static inline uint32_t u8len(uint8_t c) {
    return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Number of code points in s: bytes that are not continuation bytes. */
static inline int64_t u8count(Str s) {
    int64_t n = 0;
    const uint8_t *p = (const uint8_t *)s.ptr;
    for (uint32_t i = 0; i < s.len; i++) n += (p[i] & 0xC0) != 0x80;
    return n;
}

/* Byte offset of code point number `chars` (0-based) in s, clamped to s.len. */
static inline uint32_t u8offset(Str s, int64_t chars) {
    const uint8_t *p = (const uint8_t *)s.ptr;
    uint32_t i = 0;
    while (chars > 0 && i < s.len) {
        uint32_t l = u8len(p[i]);
        i = l > s.len - i ? s.len : i + l;
        chars--;
    }
    return i;
}

static int too_long(FuncCtx *ctx) { return err_set(ctx->err, "string too long"); }

/* ------------------------------------------------------------ concat */

/* a || b: strict; both pieces copied into one arena block per call. */
KERNEL(kern_concat_op) {
    (void)nargs, (void)count;
    const Str *a = args[0].data, *b = args[1].data;
    const uint8_t *nm = out->nulls;
    Str *o = out->data;
    uint64_t total = 0;
    SEL_LOOP(sel, n, i, if (!ROW_NULL(nm, i)) total += (uint64_t)a[i].len + b[i].len);
    char *buf = arena_alloc(ctx->arena, total ? total : 1);
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        uint64_t len = (uint64_t)a[i].len + b[i].len;
        if (len > UINT32_MAX) return too_long(ctx);
        if (a[i].len) memcpy(buf, a[i].ptr, a[i].len);
        if (b[i].len) memcpy(buf + a[i].len, b[i].ptr, b[i].len);
        o[i] = str_from(buf, len);
        buf += len;
    });
    return 0;
}

/* concat(a, b, ...): NULL arguments are skipped; never NULL itself. */
KERNEL(kern_concat) {
    (void)count;
    Str *o = out->data;
    uint64_t total = 0;
    SEL_LOOP(sel, n, i, {
        for (int j = 0; j < nargs; j++)
            if (!ROW_NULL(args[j].nulls, i)) total += VEC_STR(&args[j])[i].len;
    });
    char *buf = arena_alloc(ctx->arena, total ? total : 1);
    SEL_LOOP(sel, n, i, {
        uint64_t len = 0;
        for (int j = 0; j < nargs; j++) {
            if (ROW_NULL(args[j].nulls, i)) continue;
            Str s = VEC_STR(&args[j])[i];
            if (len + s.len > UINT32_MAX) return too_long(ctx);
            if (s.len) memcpy(buf + len, s.ptr, s.len);
            len += s.len;
        }
        o[i] = str_from(buf, len);
        buf += len;
    });
    return 0;
}

/* -------------------------------------------------------------- LIKE */

typedef enum LikeKind {
    LIKE_EXACT,     /* no wildcard: s == lit */
    LIKE_PREFIX,    /* lit% */
    LIKE_SUFFIX,    /* %lit */
    LIKE_CONTAINS,  /* %lit% */
    LIKE_ANY,       /* % (or %%...): everything */
    LIKE_SEGMENTS,  /* literals and % only, two or more literals */
    LIKE_GENERAL,   /* _ or escapes: backtracking matcher */
} LikeKind;

typedef struct LikePat {
    LikeKind kind;
    Str pat;             /* the pattern as given (general matcher) */
    Str lit;             /* the literal of EXACT/PREFIX/SUFFIX/CONTAINS */
    bool anchor_start;   /* SEGMENTS: the first literal is a prefix */
    bool anchor_end;     /* SEGMENTS: the last literal is a suffix */
    int nseg;
    Str seg[16];         /* SEGMENTS: the literals between %s */
} LikePat;

/* Classify a pattern; anything that does not fit the fast shapes is GENERAL. */
static void like_compile(LikePat *lp, Str pat) {
    memset(lp, 0, sizeof *lp);
    lp->pat = pat;
    lp->kind = LIKE_GENERAL;
    for (uint32_t i = 0; i < pat.len; i++)
        if (pat.ptr[i] == '_' || pat.ptr[i] == '\\') return;
    uint32_t i = 0;
    lp->anchor_start = !(pat.len && pat.ptr[0] == '%');
    lp->anchor_end = !(pat.len && pat.ptr[pat.len - 1] == '%');
    while (i < pat.len) {
        while (i < pat.len && pat.ptr[i] == '%') i++;
        uint32_t st = i;
        while (i < pat.len && pat.ptr[i] != '%') i++;
        if (i > st) {
            if (lp->nseg == 16) return; /* too many pieces: general matcher */
            lp->seg[lp->nseg++] = str_from(pat.ptr + st, i - st);
        }
    }
    if (lp->nseg == 0) {
        /* '' matches only ''; any run of % matches everything */
        lp->kind = pat.len ? LIKE_ANY : LIKE_EXACT;
        lp->lit = pat;
        return;
    }
    if (lp->nseg == 1) {
        lp->lit = lp->seg[0];
        lp->kind = lp->anchor_start && lp->anchor_end ? LIKE_EXACT
                   : lp->anchor_start                 ? LIKE_PREFIX
                   : lp->anchor_end                   ? LIKE_SUFFIX
                                                      : LIKE_CONTAINS;
        return;
    }
    lp->kind = LIKE_SEGMENTS;
}

static inline uint8_t fold(uint8_t c, bool ci) { return ci && c >= 'A' && c <= 'Z' ? c + 32 : c; }

/*
** The general matcher: % matches any run of characters, _ one character,
** \x the character x.  Iterative, remembering only the last % (a later %
** subsumes the backtracking of an earlier one), so it never recurses.
*/
static bool like_general(const uint8_t *s, uint32_t sn, const uint8_t *p, uint32_t pn, bool ci) {
    uint32_t si = 0, pi = 0, star_p = UINT32_MAX, star_s = 0;
    while (si < sn) {
        if (pi < pn && p[pi] == '%') {
            while (pi < pn && p[pi] == '%') pi++;
            star_p = pi;
            star_s = si;
            continue;
        }
        if (pi < pn) {
            if (p[pi] == '_') {
                uint32_t l = u8len(s[si]);
                si = l > sn - si ? sn : si + l;
                pi++;
                continue;
            }
            uint8_t pc = p[pi];
            uint32_t adv = 1;
            if (pc == '\\' && pi + 1 < pn) {
                pc = p[pi + 1];
                adv = 2;
            }
            if (fold(pc, ci) == fold(s[si], ci)) {
                si++;
                pi += adv;
                continue;
            }
        }
        if (star_p == UINT32_MAX) return false;
        /* retry: the last % swallows one more character */
        uint32_t l = u8len(s[star_s]);
        star_s = l > sn - star_s ? sn : star_s + l;
        si = star_s;
        pi = star_p;
    }
    while (pi < pn && p[pi] == '%') pi++;
    return pi == pn;
}

static inline bool has_prefix(Str s, Str p) { return s.len >= p.len && (!p.len || memcmp(s.ptr, p.ptr, p.len) == 0); }
static inline bool has_suffix(Str s, Str p) {
    return s.len >= p.len && (!p.len || memcmp(s.ptr + s.len - p.len, p.ptr, p.len) == 0);
}

static bool like_match(const LikePat *lp, Str s) {
    switch (lp->kind) {
    case LIKE_EXACT: return str_eq(s, lp->lit);
    case LIKE_PREFIX: return has_prefix(s, lp->lit);
    case LIKE_SUFFIX: return has_suffix(s, lp->lit);
    case LIKE_CONTAINS: return s.len >= lp->lit.len && memmem(s.ptr, s.len, lp->lit.ptr, lp->lit.len) != NULL;
    case LIKE_ANY: return true;
    case LIKE_SEGMENTS: {
        uint32_t pos = 0, end = s.len;
        int first = 0, last = lp->nseg;
        if (lp->anchor_start) {
            if (!has_prefix(s, lp->seg[0])) return false;
            pos = lp->seg[0].len;
            first = 1;
        }
        if (lp->anchor_end) {
            Str t = lp->seg[lp->nseg - 1];
            if (!has_suffix(s, t) || s.len - t.len < pos) return false;
            end = s.len - t.len;
            last = lp->nseg - 1;
        }
        /* middle pieces: leftmost occurrence each, which is always safe for %-only patterns */
        for (int j = first; j < last; j++) {
            Str t = lp->seg[j];
            if (end - pos < t.len) return false;
            const char *f = memmem(s.ptr + pos, end - pos, t.ptr, t.len);
            if (!f) return false;
            pos = (uint32_t)(f - s.ptr) + t.len;
        }
        return true;
    }
    case LIKE_GENERAL: break;
    }
    return like_general((const uint8_t *)s.ptr, s.len, (const uint8_t *)lp->pat.ptr, lp->pat.len, false);
}

static int like_kernel(Vec *args, const uint32_t *sel, uint32_t n, Vec *out, bool ci) {
    const Str *s = args[0].data, *p = args[1].data;
    const uint8_t *nm = out->nulls;
    uint8_t *o = out->data;
    LikePat lp;
    Str last = {NULL, UINT32_MAX};
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        if (ci) {
            o[i] = like_general((const uint8_t *)s[i].ptr, s[i].len, (const uint8_t *)p[i].ptr, p[i].len, true);
            continue;
        }
        if (p[i].ptr != last.ptr || p[i].len != last.len) {
            like_compile(&lp, p[i]);
            last = p[i];
        }
        o[i] = like_match(&lp, s[i]);
    });
    return 0;
}

KERNEL(kern_like) {
    (void)ctx, (void)nargs, (void)count;
    return like_kernel(args, sel, n, out, false);
}

/* ILIKE: ASCII case-insensitive LIKE. */
KERNEL(kern_ilike) {
    (void)ctx, (void)nargs, (void)count;
    return like_kernel(args, sel, n, out, true);
}

/* ----------------------------------------------------- case, length */

static int map_ascii(FuncCtx *ctx, Vec *args, const uint32_t *sel, uint32_t n, Vec *out, bool up) {
    const Str *a = args[0].data;
    const uint8_t *nm = out->nulls;
    Str *o = out->data;
    uint64_t total = 0;
    SEL_LOOP(sel, n, i, if (!ROW_NULL(nm, i)) total += a[i].len);
    char *buf = arena_alloc(ctx->arena, total ? total : 1);
    uint8_t lo = up ? 'a' : 'A', delta = 'a' - 'A';
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        const uint8_t *src = (const uint8_t *)a[i].ptr;
        uint8_t *dst = (uint8_t *)buf;
        for (uint32_t j = 0; j < a[i].len; j++) {
            uint8_t c = src[j];
            bool hit = (uint8_t)(c - lo) < 26;
            dst[j] = up ? (uint8_t)(c - (hit ? delta : 0)) : (uint8_t)(c + (hit ? delta : 0));
        }
        o[i] = str_from(buf, a[i].len);
        buf += a[i].len;
    });
    return 0;
}

KERNEL(kern_lower) {
    (void)nargs, (void)count;
    return map_ascii(ctx, args, sel, n, out, false);
}

KERNEL(kern_upper) {
    (void)nargs, (void)count;
    return map_ascii(ctx, args, sel, n, out, true);
}

/* length(s): characters (code points). */
KERNEL(kern_length) {
    (void)ctx, (void)nargs, (void)count;
    const Str *a = args[0].data;
    const uint8_t *nm = out->nulls;
    int64_t *o = out->data;
    SEL_LOOP(sel, n, i, if (!ROW_NULL(nm, i)) o[i] = u8count(a[i]));
    return 0;
}

KERNEL(kern_octet_length) {
    (void)ctx, (void)nargs, (void)count;
    const Str *a = args[0].data;
    const uint8_t *nm = out->nulls;
    int64_t *o = out->data;
    SEL_LOOP(sel, n, i, if (!ROW_NULL(nm, i)) o[i] = a[i].len);
    return 0;
}

/* ----------------------------------------------------------- substr */

/*
** The characters [from, to) of s (0-based, clamped), as a view into s.
*/
static inline Str char_range(Str s, int64_t from, int64_t to) {
    if (from < 0) from = 0;
    if (to <= from) return str_from(s.ptr, 0);
    uint32_t b0 = u8offset(s, from);
    Str rest = str_from(s.ptr + b0, s.len - b0);
    uint32_t b1 = u8offset(rest, to - from);
    return str_from(rest.ptr, b1);
}

/*
** substr(s, start[, len]): SQL semantics, 1-based.  The result is the
** characters at positions start .. start+len-1 that exist; a start before 1
** eats into len (substr('hello', 0, 3) = 'he'); a negative len is an error.
*/
KERNEL(kern_substr) {
    (void)count;
    const Str *s = args[0].data;
    const int64_t *st = args[1].data, *ln = nargs > 2 ? args[2].data : NULL;
    const uint8_t *nm = out->nulls;
    Str *o = out->data;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        int64_t from, to = INT64_MAX; /* 0-based [from, to); from may be negative */
        if (__builtin_sub_overflow(st[i], 1, &from)) from = INT64_MIN;
        if (ln) {
            if (ln[i] < 0) return err_set(ctx->err, "negative substring length not allowed");
            if (__builtin_add_overflow(from, ln[i], &to)) to = INT64_MAX;
        }
        o[i] = char_range(s[i], from, to);
    });
    return 0;
}

/* left(s, k): the first k characters; a negative k drops the last -k. */
KERNEL(kern_left) {
    (void)ctx, (void)nargs, (void)count;
    const Str *s = args[0].data;
    const int64_t *k = args[1].data;
    const uint8_t *nm = out->nulls;
    Str *o = out->data;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        int64_t kk = k[i];
        if (kk < 0) {
            int64_t len = u8count(s[i]);
            kk = kk < -len ? 0 : len + kk;
        }
        o[i] = char_range(s[i], 0, kk);
    });
    return 0;
}

/* right(s, k): the last k characters; a negative k drops the first -k. */
KERNEL(kern_right) {
    (void)ctx, (void)nargs, (void)count;
    const Str *s = args[0].data;
    const int64_t *k = args[1].data;
    const uint8_t *nm = out->nulls;
    Str *o = out->data;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        int64_t len = u8count(s[i]), kk = k[i], from;
        if (kk >= 0)
            from = kk >= len ? 0 : len - kk;
        else
            from = kk == INT64_MIN || -kk >= len ? len : -kk;
        o[i] = char_range(s[i], from, len);
    });
    return 0;
}

/* reverse(s), character by character. */
KERNEL(kern_reverse) {
    (void)nargs, (void)count;
    const Str *a = args[0].data;
    const uint8_t *nm = out->nulls;
    Str *o = out->data;
    uint64_t total = 0;
    SEL_LOOP(sel, n, i, if (!ROW_NULL(nm, i)) total += a[i].len);
    char *buf = arena_alloc(ctx->arena, total ? total : 1);
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        const uint8_t *src = (const uint8_t *)a[i].ptr;
        uint32_t len = a[i].len, j = 0;
        while (j < len) {
            uint32_t l = u8len(src[j]);
            if (l > len - j) l = len - j;
            memcpy(buf + len - j - l, src + j, l);
            j += l;
        }
        o[i] = str_from(buf, len);
        buf += len;
    });
    return 0;
}

/* repeat(s, k): s k times (k <= 0: empty). */
KERNEL(kern_repeat) {
    (void)nargs, (void)count;
    const Str *a = args[0].data;
    const int64_t *k = args[1].data;
    const uint8_t *nm = out->nulls;
    Str *o = out->data;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        int64_t times = k[i] < 0 ? 0 : k[i];
        if (times && a[i].len && (uint64_t)times > (1u << 30) / a[i].len)
            return err_set(ctx->err, "requested length too large");
        uint32_t len = (uint32_t)(times * a[i].len);
        char *buf = arena_alloc(ctx->arena, len ? len : 1);
        for (int64_t t = 0; t < times; t++) memcpy(buf + t * a[i].len, a[i].ptr, a[i].len);
        o[i] = str_from(buf, len);
    });
    return 0;
}

/* ------------------------------------------------------------- trim */

static inline Str trim_spaces(Str s, bool left, bool right) {
    uint32_t b = 0, e = s.len;
    if (left)
        while (b < e && s.ptr[b] == ' ') b++;
    if (right)
        while (e > b && s.ptr[e - 1] == ' ') e--;
    return str_from(s.ptr + b, e - b);
}

/* Does the character set `set` contain the character s[at .. at+len)? */
static bool set_has(Str set, const char *c, uint32_t len) {
    for (uint32_t j = 0; j < set.len;) {
        uint32_t l = u8len((uint8_t)set.ptr[j]);
        if (l > set.len - j) l = set.len - j;
        if (l == len && memcmp(set.ptr + j, c, len) == 0) return true;
        j += l;
    }
    return false;
}

/* Trim characters of `set` (UTF-8 aware) from either end of s. */
static Str trim_set(Str s, Str set, bool left, bool right) {
    uint32_t b = 0, e = s.len;
    if (left) {
        while (b < e) {
            uint32_t l = u8len((uint8_t)s.ptr[b]);
            if (l > e - b) l = e - b;
            if (!set_has(set, s.ptr + b, l)) break;
            b += l;
        }
    }
    if (right) {
        while (e > b) {
            uint32_t st = e - 1;
            while (st > b && ((uint8_t)s.ptr[st] & 0xC0) == 0x80) st--;
            if (!set_has(set, s.ptr + st, e - st)) break;
            e = st;
        }
    }
    return str_from(s.ptr + b, e - b);
}

#define TRIM_KERNEL(name, EXPR)                                      \
    KERNEL(name) {                                                   \
        (void)ctx, (void)count;                                      \
        const Str *a = args[0].data;                                 \
        const Str *c = nargs > 1 ? args[1].data : NULL;              \
        const uint8_t *nm = out->nulls;                              \
        Str *o = out->data;                                          \
        (void)c;                                                     \
        SEL_LOOP(sel, n, i, if (!ROW_NULL(nm, i)) o[i] = (EXPR));    \
        return 0;                                                    \
    }

TRIM_KERNEL(kern_trim, trim_spaces(a[i], true, true))
TRIM_KERNEL(kern_ltrim, trim_spaces(a[i], true, false))
TRIM_KERNEL(kern_rtrim, trim_spaces(a[i], false, true))
TRIM_KERNEL(kern_trim_chars, trim_set(a[i], c[i], true, true))
TRIM_KERNEL(kern_ltrim_chars, trim_set(a[i], c[i], true, false))
TRIM_KERNEL(kern_rtrim_chars, trim_set(a[i], c[i], false, true))

/* ---------------------------------------------------------- replace */

/* replace(s, from, to): every occurrence of `from` replaced; an empty `from` changes nothing. */
KERNEL(kern_replace) {
    (void)nargs, (void)count;
    const Str *s = args[0].data, *f = args[1].data, *t = args[2].data;
    const uint8_t *nm = out->nulls;
    Str *o = out->data;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        Str src = s[i], from = f[i], to = t[i];
        if (!from.len || src.len < from.len) {
            o[i] = src;
            continue;
        }
        /* count the matches to size the result exactly */
        uint64_t hits = 0;
        for (const char *p = src.ptr, *end = src.ptr + src.len;
             (p = memmem(p, (size_t)(end - p), from.ptr, from.len)) != NULL; p += from.len)
            hits++;
        if (!hits) {
            o[i] = src;
            continue;
        }
        uint64_t len = src.len + hits * to.len - hits * from.len;
        if (len > UINT32_MAX) return too_long(ctx);
        char *buf = arena_alloc(ctx->arena, len ? len : 1), *w = buf;
        const char *p = src.ptr, *end = src.ptr + src.len, *m;
        while ((m = memmem(p, (size_t)(end - p), from.ptr, from.len)) != NULL) {
            memcpy(w, p, (size_t)(m - p));
            w += m - p;
            if (to.len) memcpy(w, to.ptr, to.len);
            w += to.len;
            p = m + from.len;
        }
        memcpy(w, p, (size_t)(end - p));
        o[i] = str_from(buf, len);
    });
    return 0;
}

/* ---------------------------------------------------------- search */

KERNEL(kern_starts_with) {
    (void)ctx, (void)nargs, (void)count;
    const Str *s = args[0].data, *p = args[1].data;
    const uint8_t *nm = out->nulls;
    uint8_t *o = out->data;
    SEL_LOOP(sel, n, i, if (!ROW_NULL(nm, i)) o[i] = has_prefix(s[i], p[i]));
    return 0;
}

/* strpos(s, sub): 1-based character position of the first occurrence, 0 if none. */
KERNEL(kern_strpos) {
    (void)ctx, (void)nargs, (void)count;
    const Str *s = args[0].data, *p = args[1].data;
    const uint8_t *nm = out->nulls;
    int64_t *o = out->data;
    SEL_LOOP(sel, n, i, {
        if (ROW_NULL(nm, i)) continue;
        if (!p[i].len) {
            o[i] = 1;
            continue;
        }
        const char *f = s[i].len >= p[i].len ? memmem(s[i].ptr, s[i].len, p[i].ptr, p[i].len) : NULL;
        o[i] = f ? u8count(str_from(s[i].ptr, (size_t)(f - s[i].ptr))) + 1 : 0;
    });
    return 0;
}
