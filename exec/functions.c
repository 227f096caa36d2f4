/*
** The function table and overload resolution.
**
** Every scalar operator and function weir knows is one row of `funcs`
** below: name, parameter types, result type, flags and the kernel that runs
** it over a vector.  Overloads of one name are adjacent and ordered from the
** narrowest types to the widest, because resolution takes the first row that
** fits (so `1 + NULL` picks BIGINT + BIGINT, `1 + 2.5` DOUBLE + DOUBLE).
** Kernels live by family in func_arith.c, func_compare.c, func_string.c and
** func_datetime.c; casts in cast.c.
**
** Resolution (func_resolve): exact match on the argument types first, then
** the first row every argument reaches by an implicit cast (NULL -> any type,
** BIGINT -> DOUBLE).  Rows flagged FUNC_TEXT_ARGS (concat, ||) take arguments
** of any type and cast each to TEXT, as PostgreSQL's concat() does.  A few
** spellings are aliases of a row's name (substring -> substr, != -> <>, ...).
** extract()'s result type depends on its constant field (BIGINT for year,
** DOUBLE for second and epoch), which func_resolve_args() sees.
*/
#include "func_internal.h"

#include <strings.h>

#define B TYPE_BOOL
#define I TYPE_BIGINT
#define D TYPE_DOUBLE
#define T TYPE_TEXT
#define TS TYPE_TIMESTAMP
#define IV TYPE_INTERVAL
#define S FUNC_STRICT
#define VOL FUNC_VOLATILE
#define VAR FUNC_VARIADIC
#define TXT FUNC_TEXT_ARGS

/* Comparison operators: one row per type; TIMESTAMP and INTERVAL share the int64 kernels. */
#define CMP_ROWS(op, sfx)                                  \
    {op, 2, {B, B}, B, S, kern_##sfx##_b},                 \
    {op, 2, {I, I}, B, S, kern_##sfx##_i64},               \
    {op, 2, {D, D}, B, S, kern_##sfx##_f64},               \
    {op, 2, {T, T}, B, S, kern_##sfx##_str},               \
    {op, 2, {TS, TS}, B, S, kern_##sfx##_i64},             \
    {op, 2, {IV, IV}, B, S, kern_##sfx##_i64}

/* A non-strict function of one type for every type (coalesce, nullif, greatest, least). */
#define ALL_TYPES(name, nargs, flags, kern)                                     \
    {name, nargs, {B, B}, B, flags, kern}, {name, nargs, {I, I}, I, flags, kern},    \
    {name, nargs, {D, D}, D, flags, kern}, {name, nargs, {T, T}, T, flags, kern},    \
    {name, nargs, {TS, TS}, TS, flags, kern}, {name, nargs, {IV, IV}, IV, flags, kern}

static const FuncDef funcs[] = {
    /* arithmetic */
    {"+", 2, {I, I}, I, S, kern_add_i64},
    {"+", 2, {D, D}, D, S, kern_add_f64},
    {"+", 2, {TS, IV}, TS, S, kern_ts_add_iv},
    {"+", 2, {IV, TS}, TS, S, kern_iv_add_ts},
    {"+", 2, {IV, IV}, IV, S, kern_iv_add_iv},
    {"-", 2, {I, I}, I, S, kern_sub_i64},
    {"-", 2, {D, D}, D, S, kern_sub_f64},
    {"-", 2, {TS, IV}, TS, S, kern_ts_sub_iv},
    {"-", 2, {TS, TS}, IV, S, kern_ts_sub_ts},
    {"-", 2, {IV, IV}, IV, S, kern_iv_sub_iv},
    {"*", 2, {I, I}, I, S, kern_mul_i64},
    {"*", 2, {D, D}, D, S, kern_mul_f64},
    {"*", 2, {IV, I}, IV, S, kern_iv_mul_i64},
    {"*", 2, {I, IV}, IV, S, kern_i64_mul_iv},
    {"*", 2, {IV, D}, IV, S, kern_iv_mul_f64},
    {"/", 2, {I, I}, I, S, kern_div_i64},
    {"/", 2, {D, D}, D, S, kern_div_f64},
    {"/", 2, {IV, I}, IV, S, kern_iv_div_i64},
    {"%", 2, {I, I}, I, S, kern_mod_i64},
    {"%", 2, {D, D}, D, S, kern_mod_f64},
    {"neg", 1, {I}, I, S, kern_neg_i64},
    {"neg", 1, {D}, D, S, kern_neg_f64},
    {"neg", 1, {IV}, IV, S, kern_iv_neg},

    /* comparison */
    CMP_ROWS("=", eq), CMP_ROWS("<>", ne), CMP_ROWS("<", lt),
    CMP_ROWS("<=", le), CMP_ROWS(">", gt), CMP_ROWS(">=", ge),

    /* conditional */
    ALL_TYPES("coalesce", 1, VAR, kern_coalesce),
    ALL_TYPES("nullif", 2, 0, kern_nullif),
    ALL_TYPES("greatest", 1, VAR, kern_greatest),
    ALL_TYPES("least", 1, VAR, kern_least),

    /* numeric */
    {"abs", 1, {I}, I, S, kern_abs_i64},
    {"abs", 1, {D}, D, S, kern_abs_f64},
    {"round", 1, {I}, I, S, kern_identity},
    {"round", 1, {D}, D, S, kern_round_f64},
    {"round", 2, {D, I}, D, S, kern_round2_f64},
    {"floor", 1, {I}, I, S, kern_identity},
    {"floor", 1, {D}, D, S, kern_floor_f64},
    {"ceil", 1, {I}, I, S, kern_identity},
    {"ceil", 1, {D}, D, S, kern_ceil_f64},
    {"mod", 2, {I, I}, I, S, kern_mod_i64},
    {"mod", 2, {D, D}, D, S, kern_mod_f64},
    {"sign", 1, {I}, I, S, kern_sign_i64},
    {"sign", 1, {D}, D, S, kern_sign_f64},
    {"sqrt", 1, {D}, D, S, kern_sqrt_f64},
    {"power", 2, {D, D}, D, S, kern_power_f64},
    {"ln", 1, {D}, D, S, kern_ln_f64},
    {"exp", 1, {D}, D, S, kern_exp_f64},

    /* text */
    {"||", 2, {T, T}, T, S | TXT, kern_concat_op},
    {"concat", 1, {T}, T, VAR | TXT, kern_concat},
    {"like", 2, {T, T}, B, S, kern_like},
    {"ilike", 2, {T, T}, B, S, kern_ilike},
    {"lower", 1, {T}, T, S, kern_lower},
    {"upper", 1, {T}, T, S, kern_upper},
    {"length", 1, {T}, I, S, kern_length},
    {"octet_length", 1, {T}, I, S, kern_octet_length},
    {"substr", 2, {T, I}, T, S, kern_substr},
    {"substr", 3, {T, I, I}, T, S, kern_substr},
    {"trim", 1, {T}, T, S, kern_trim},
    {"trim", 2, {T, T}, T, S, kern_trim_chars},
    {"ltrim", 1, {T}, T, S, kern_ltrim},
    {"ltrim", 2, {T, T}, T, S, kern_ltrim_chars},
    {"rtrim", 1, {T}, T, S, kern_rtrim},
    {"rtrim", 2, {T, T}, T, S, kern_rtrim_chars},
    {"replace", 3, {T, T, T}, T, S, kern_replace},
    {"starts_with", 2, {T, T}, B, S, kern_starts_with},
    {"strpos", 2, {T, T}, I, S, kern_strpos},
    {"left", 2, {T, I}, T, S, kern_left},
    {"right", 2, {T, I}, T, S, kern_right},
    {"reverse", 1, {T}, T, S, kern_reverse},
    {"repeat", 2, {T, I}, T, S, kern_repeat},

    /* date and time */
    {"date_trunc", 2, {T, TS}, TS, S, kern_date_trunc},
    {"extract", 2, {T, TS}, I, S, kern_extract_ts_i64},
    {"extract", 2, {T, TS}, D, S, kern_extract_ts_f64},
    {"extract", 2, {T, IV}, I, S, kern_extract_iv_i64},
    {"extract", 2, {T, IV}, D, S, kern_extract_iv_f64},
    {"now", 0, {0}, TS, VOL, kern_now},
    {"to_timestamp", 1, {D}, TS, S, kern_to_timestamp},
    {"epoch_ms", 1, {TS}, I, S, kern_epoch_ms},
    {"epoch_ms", 1, {I}, TS, S, kern_epoch_ms_ts},
};

#define NFUNCS ((int)(sizeof funcs / sizeof funcs[0]))

/* Other spellings users reach for, mapped to the row name. */
static const struct {
    const char *alias, *name;
} aliases[] = {
    {"!=", "<>"},         {"substring", "substr"},  {"char_length", "length"},
    {"character_length", "length"}, {"ceiling", "ceil"}, {"btrim", "trim"},
    {"date_part", "extract"}, {"current_timestamp", "now"}, {"pow", "power"},
    {"concat_op", "||"},
};

static const char *canonical(const char *name) {
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcasecmp(aliases[i].alias, name) == 0) return aliases[i].name;
    return name;
}

static Type param_type(const FuncDef *f, int i) {
    if (f->nargs == 0) return TYPE_NULL;
    return i < f->nargs ? f->args[i] : f->args[f->nargs - 1];
}

static bool arity_ok(const FuncDef *f, int nargs) {
    return (f->flags & FUNC_VARIADIC) ? nargs >= f->nargs : nargs == f->nargs;
}

/* NULL -> any type, BIGINT -> DOUBLE: the only conversions SQL does silently. */
bool type_implicit_cast(Type from, Type to) {
    return from == to || from == TYPE_NULL || (from == TYPE_BIGINT && to == TYPE_DOUBLE);
}

bool func_exists(const char *name) {
    name = canonical(name);
    for (int i = 0; i < NFUNCS; i++)
        if (strcasecmp(funcs[i].name, name) == 0) return true;
    return false;
}

/*
** Does row f accept argt under `exact` (every type equal) or implicit rules?
** Fills casts[] on success.
*/
static bool row_fits(const FuncDef *f, int nargs, const Type *argt, bool exact, Type *casts) {
    if (!arity_ok(f, nargs)) return false;
    for (int i = 0; i < nargs; i++) {
        Type p = param_type(f, i);
        if (f->flags & FUNC_TEXT_ARGS) {
            /* every type has a cast to TEXT; only an all-TEXT call is exact */
            if (exact && argt[i] != p) return false;
        } else if (exact ? argt[i] != p : !type_implicit_cast(argt[i], p)) {
            return false;
        }
    }
    if (casts)
        for (int i = 0; i < nargs; i++) casts[i] = param_type(f, i);
    return true;
}

/*
** Resolve name(argt...) to a table row.  *out and casts[] (nargs entries,
** may be NULL) are set only on FUNC_OK.  The pointer in *out stays valid for
** the life of the process (the table is static).
*/
FuncResolve func_resolve(const char *name, int nargs, const Type *argt, const FuncDef **out, Type *casts) {
    name = canonical(name);
    bool named = false;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < NFUNCS; i++) {
            if (strcasecmp(funcs[i].name, name) != 0) continue;
            named = true;
            if (row_fits(&funcs[i], nargs, argt, pass == 0, casts)) {
                *out = &funcs[i];
                return FUNC_OK;
            }
        }
        if (!named) return FUNC_NO_SUCH_NAME;
    }
    return FUNC_NO_SIGNATURE;
}

/*
** func_resolve() given the bound argument expressions, so that a constant
** argument can choose among rows with the same parameter types: extract()
** (and date_part()) return DOUBLE for the fields second, epoch and
** millisecond(s), BIGINT for the others.  A non-constant field keeps the
** first row (BIGINT).  The binder should call this rather than
** func_resolve().
*/
FuncResolve func_resolve_args(const char *name, int nargs, struct Expr *const *args, const FuncDef **out,
                              Type *casts) {
    Type argt[64] = {TYPE_NULL};
    Type *tv = nargs <= 64 ? argt : xmalloc(sizeof(Type) * (size_t)nargs);
    for (int i = 0; i < nargs; i++) tv[i] = args[i]->type;
    FuncResolve r = func_resolve(name, nargs, tv, out, casts);
    if (tv != argt) free(tv);
    if (r != FUNC_OK || strcmp((*out)->name, "extract") != 0 || nargs != 2) return r;
    const Expr *field = args[0];
    if (field->kind != EXPR_CONST || field->value.null || field->value.type != TYPE_TEXT) return r;
    bool dbl = false;
    if (dt_extract_field(field->value.u.s, &dbl) < 0 || !dbl) return r;
    /* the DOUBLE row for the same argument types follows the BIGINT row */
    const FuncDef *f = *out;
    if (f + 1 < funcs + NFUNCS && strcmp(f[1].name, "extract") == 0 && f[1].args[1] == f->args[1] &&
        f[1].ret == TYPE_DOUBLE)
        *out = f + 1;
    return r;
}

/* Is fn a comparison operator, and which? */
bool func_cmp_op(const FuncDef *fn, CmpOp *op) {
    const char *s = fn->name;
    if (s[0] == '=' && !s[1]) *op = CMP_EQ;
    else if (s[0] == '<' && s[1] == '>' && !s[2]) *op = CMP_NE;
    else if (s[0] == '<' && !s[1]) *op = CMP_LT;
    else if (s[0] == '<' && s[1] == '=' && !s[2]) *op = CMP_LE;
    else if (s[0] == '>' && !s[1]) *op = CMP_GT;
    else if (s[0] == '>' && s[1] == '=' && !s[2]) *op = CMP_GE;
    else return false;
    return true;
}

CmpOp cmp_flip(CmpOp op) {
    switch (op) {
    case CMP_LT: return CMP_GT;
    case CMP_LE: return CMP_GE;
    case CMP_GT: return CMP_LT;
    case CMP_GE: return CMP_LE;
    default: return op;
    }
}

/* Row i of the table, for tests and documentation generators; NULL past the end. */
const FuncDef *func_at(int i) { return i >= 0 && i < NFUNCS ? &funcs[i] : NULL; }
