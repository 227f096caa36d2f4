/*
** The rule optimizer: batches of rewrite rules run over the plan tree, in the
** manner of Spark Catalyst's RuleExecutor.
**
** Every batch and every rule is listed in the one table below.  A batch runs
** its rules in order, either Once or to a fixed point (until a whole pass
** changes nothing, capped at max_iterations).  Running a rule means walking
** the tree top-down and calling the rule on every node whose kind is in its
** mask; the rule reports a change through a flag, so no tree comparison is
** needed.  Each firing is recorded in the OptTrace as "Batch/Rule" for
** EXPLAIN.
**
** In debug builds (NDEBUG not defined) the plan checker (plan_verify.c) runs
** on the input plan and after every rule that fired: a rule that breaks an
** invariant aborts with the rule's name and the broken plan, which is how a
** bad rewrite gets caught where it happens instead of as a wrong result.
**
** Any rule can be switched off by name for a run, to check that results are
** the same with and without it:
**
**     WEIR_DISABLE_RULES=ConstantFolding,PushDownPredicates weir -c '...'
**
** (names as in the table, or "Batch/Rule"; separated by commas or spaces).
**
** Call outline:
**   optimize -> plan_verify (debug: the binder's plan)
**            -> run_batch (each batch in table order, Once or until nothing changes)
**                 -> apply_rule (skipped when disabled) -> apply_tree (top-down over nodes)
**                      -> rule->apply (rules_*.c) -> trace_fired, check_after (debug: plan_verify)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optimizer.h"

typedef enum Strategy { ONCE, FIXED_POINT } Strategy;

typedef struct Batch {
    const char *name;
    Strategy strategy;
    int max_iterations;   /* FIXED_POINT: passes before giving up */
    const Rule *rules;    /* ends with a rule whose name is NULL */
} Batch;

#define M(k) PLAN_MASK(PLAN_##k)

/*
** All batches, in the order they run.
**
** Rewrite: turns constructs into simpler ones the rest of the optimizer and
**   the executor handle well (AVG -> SUM / COUNT).
** Operator Optimization: the classic push-down / simplify loop; rules feed
**   each other (folding makes filters constant, pushdown makes filters
**   adjacent, combining makes more pushdown possible), hence a fixed point.
**   A filter on a ROW_NUMBER() that folding and pushdown leave as `rn <= N`
**   turns the row number into a top-N.
** Pruning: once filters sit where they will stay, compute which columns each
**   node really needs, down to the scans, and drop projections that then do
**   nothing.
*/
static const Batch batches[] = {
    {"Rewrite", ONCE, 1, (const Rule[]){
        {"RewriteAvg", M(AGGREGATE), rule_rewrite_avg},
        {0}}},
    {"Operator Optimization", FIXED_POINT, 100, (const Rule[]){
        {"PushDownPredicates", M(FILTER) | M(JOIN), rule_push_down_predicates},
        {"CombineFilters", M(FILTER), rule_combine_filters},
        {"ConstantFolding", PLAN_MASK_ALL, rule_constant_folding},
        {"BooleanSimplification", PLAN_MASK_ALL, rule_boolean_simplification},
        {"SimplifyFilters", M(FILTER) | M(SCAN) | M(JOIN), rule_simplify_filters},
        {"PropagateEmptyRelation", PLAN_MASK_ALL, rule_propagate_empty_relation},
        {"ExtractJoinKeys", M(JOIN), rule_extract_join_keys},
        {"CollapseProjections", M(PROJECT), rule_collapse_projections},
        {"RowNumberToTopN", M(FILTER), rule_row_number_to_topn},
        {0}}},
    {"Pruning", FIXED_POINT, 10, (const Rule[]){
        {"ColumnPruning", RULE_ROOT_ONLY, rule_column_pruning},
        {"CollapseProjections", M(PROJECT), rule_collapse_projections},
        {"MergeProjectIntoScan", M(PROJECT), rule_merge_project_into_scan},
        {"RemoveTrivialProjections", M(PROJECT), rule_remove_trivial_projections},
        {0}}},
};

#undef M

/* One optimize() call. */
typedef struct Opt {
    PlanCtx *pc;
    Plan **root;
    OptTrace *trace;
    const Batch *batch;
    const char *disabled;   /* WEIR_DISABLE_RULES, or NULL */
} Opt;

/* Is `name` (or "batch/name") one of the entries of the comma/space separated list? */
static bool listed(const char *list, const char *batch, const char *name) {
    size_t nb = strlen(batch), nn = strlen(name);
    for (const char *p = list; *p;) {
        while (*p == ',' || *p == ' ' || *p == '\t') p++;
        const char *q = p;
        while (*q && *q != ',' && *q != ' ' && *q != '\t') q++;
        size_t n = (size_t)(q - p);
        if (n == nn && memcmp(p, name, n) == 0) return true;
        if (n == nb + 1 + nn && memcmp(p, batch, nb) == 0 && p[nb] == '/' &&
            memcmp(p + nb + 1, name, nn) == 0)
            return true;
        p = q;
    }
    return false;
}

/* Append "Batch/Rule" to the trace unless it is the last entry already. */
static void trace_fired(Opt *o, const char *rule) {
    OptTrace *t = o->trace;
    if (!t) return;
    size_t nb = strlen(o->batch->name);
    const char *last = t->n ? t->fired[t->n - 1] : NULL;
    if (last && strncmp(last, o->batch->name, nb) == 0 && last[nb] == '/' && strcmp(last + nb + 1, rule) == 0)
        return;
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 16;
        const char **f = ARENA_ARRAY(o->pc->arena, const char *, cap);
        if (t->n) memcpy(f, t->fired, sizeof *f * (size_t)t->n);
        t->fired = f;
        t->cap = cap;
    }
    t->fired[t->n++] = arena_printf(o->pc->arena, "%s/%s", o->batch->name, rule);
}

#ifndef NDEBUG
/* Debug builds: stop right after a rule that broke the plan, naming it. */
static void check_after(Opt *o, const Rule *r) {
    char msg[512];
    if (plan_verify(*o->root, msg, sizeof msg)) return;
    fprintf(stderr, "weir: optimizer rule %s/%s produced an invalid plan: %s\n%s", o->batch->name, r->name,
            msg, plan_to_text(o->pc->arena, *o->root, false));
    abort();
}
#endif

/*
** Run rule r on the node in *slot and then on its children (top-down), so a
** node a rule moves downward is met again below and can keep moving.
*/
static int apply_tree(Opt *o, const Rule *r, Plan **slot, bool *changed) {
    if (!*slot) return 0;
    if (r->mask & PLAN_MASK((*slot)->kind)) {
        bool ch = false;
        if (r->apply(o->pc, slot, &ch) < 0) return -1;
        if (ch) {
            *changed = true;
            trace_fired(o, r->name);
#ifndef NDEBUG
            check_after(o, r);
#endif
        }
    }
    Plan *p = *slot;
    if (apply_tree(o, r, &p->left, changed) < 0) return -1;
    return apply_tree(o, r, &p->right, changed);
}

static int apply_rule(Opt *o, const Rule *r, bool *changed) {
    if (o->disabled && listed(o->disabled, o->batch->name, r->name)) return 0;
    if (!(r->mask & RULE_ROOT_ONLY)) return apply_tree(o, r, o->root, changed);
    bool ch = false;
    if (r->apply(o->pc, o->root, &ch) < 0) return -1;
    if (ch) {
        *changed = true;
        trace_fired(o, r->name);
#ifndef NDEBUG
        check_after(o, r);
#endif
    }
    return 0;
}

static int run_batch(Opt *o) {
    const Batch *b = o->batch;
    int iterations = b->strategy == ONCE ? 1 : b->max_iterations;
    for (int it = 0; it < iterations; it++) {
        bool changed = false;
        for (const Rule *r = b->rules; r->name; r++)
            if (apply_rule(o, r, &changed) < 0) return -1;
        if (!changed) return 0;
    }
    /* Like Catalyst: not reaching a fixed point is not an error, the plan is still valid. */
    if (b->strategy == FIXED_POINT && o->trace) {
        Opt note = *o;
        trace_fired(&note, arena_printf(o->pc->arena, "(no fixed point after %d iterations)", iterations));
    }
    return 0;
}

/*
** Optimize *plan in place (nodes are rewritten and replaced; the result is
** again a plan per exec/plan.h).  trace, when given, receives the rules
** that fired.  Returns 0, or -1 with pc->err set (debug builds refuse an
** invalid input plan, which would be a binder bug).
*/
int optimize(PlanCtx *pc, Plan **plan, OptTrace *trace) {
    if (!plan || !*plan) return 0;
#ifndef NDEBUG
    char msg[512];
    if (!plan_verify(*plan, msg, sizeof msg))
        return err_set(pc->err, "internal error: invalid logical plan: %s", msg);
#endif
    Opt o = {.pc = pc, .root = plan, .trace = trace, .disabled = getenv("WEIR_DISABLE_RULES")};
    for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++) {
        o.batch = &batches[i];
        if (run_batch(&o) < 0) return -1;
    }
    return 0;
}
