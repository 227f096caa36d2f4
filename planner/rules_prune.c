/*
** Column pruning and projection cleanup.
**
** ColumnPruning works on the whole tree at once (it is registered as a
** root-only rule): starting from the root, which needs all of its columns, it
** asks each node to produce only the columns its parent needs plus what the
** node itself reads, and recurses with that need into the children.  Every
** node then returns a map old column -> new column (-1: gone) that the parent
** uses to renumber its own expressions.  At the bottom, a scan's `proj`
** shrinks to the columns actually used, so a reader never decodes the rest.
** This is DuckDB's RemoveUnusedColumns; Catalyst reaches the same result
** with local rules and extra projections, which positional column references
** make awkward.
**
** What each node may drop:
**   scan       every column neither needed above nor read by its filter,
**              except the WATERMARK column of a streaming scan: the runtime
**              computes the query's watermark from it (scan.watermark_out
**              follows it to its new position)
**   project    expressions nobody reads (a projection nobody reads at all is
**              replaced by its input, pruned to nothing)
**   aggregate  aggregate outputs nobody reads (never a grouping column, it
**              changes the groups); one is kept when there is no GROUP BY,
**              as an aggregate must compute something to yield its row
**   values     unread columns, but at least one stays (rows must still exist)
**   filter, sort, limit, join, window, row number, top-N pass their
**              input's columns through, so they drop what their input dropped
**              (a row number nobody reads is dropped with its node; a top-N
**              stays, it decides which rows exist)
** A node may output more than its parent asked for (a join's key columns,
** a filter's input); the map tells the parent where its columns went.
**
** CollapseProjections, RemoveTrivialProjections and MergeProjectIntoScan
** clean up the projections the binder and the other rules leave behind.
*/
#include <string.h>

#include "optimizer.h"

typedef struct Pruner {
    PlanCtx *pc;
    bool changed;
} Pruner;

static Plan *prune(Pruner *pr, Plan *p, const bool *need, int *map);

static bool *bools(Arena *a, int n) { return ARENA_ARRAY(a, bool, n > 0 ? n : 1); }
static int *ints(Arena *a, int n) { return ARENA_ARRAY(a, int, n > 0 ? n : 1); }

static void identity(int *map, int n) {
    for (int i = 0; i < n; i++) map[i] = i;
}

/* map[i] = new index of kept column i, or -1; returns the number kept. */
static int keep_map(const bool *keep, int n, int *map) {
    int k = 0;
    for (int i = 0; i < n; i++) map[i] = keep[i] ? k++ : -1;
    return k;
}

/*
** Schema of a pass-through node (filter, sort, limit, join) after its input
** changed: the input's columns, named as the node named them before where
** the column survived (the map), so names the user sees are kept.
*/
static Schema passthrough_schema(Arena *a, const Schema *old, const int *map, const Schema *base) {
    Schema s = opt_schema_copy(a, base);
    for (int i = 0; i < old->ncols; i++)
        if (map[i] >= 0 && map[i] < s.ncols) s.cols[map[i]].name = old->cols[i].name;
    return s;
}

static bool is_identity(const int *map, int n, int newn) {
    if (n != newn) return false;
    for (int i = 0; i < n; i++)
        if (map[i] != i) return false;
    return true;
}

static Plan *prune_scan(Pruner *pr, Plan *p, const bool *need, int *map) {
    Arena *a = pr->pc->arena;
    int n = p->schema.ncols;
    bool *keep = bools(a, n);
    memcpy(keep, need, sizeof *keep * (size_t)n);
    if (p->u.scan.filter) opt_columns(p->u.scan.filter, keep, n);
    int wm = plan_scan_watermark_out(p);
    if (wm >= 0 && wm < n) keep[wm] = true;
    int k = keep_map(keep, n, map);
    if (k == n) return p;
    int *proj = ints(a, k);
    Schema s = {k, ARENA_ARRAY(a, Column, k + 1)};
    for (int i = 0; i < n; i++) {
        if (map[i] < 0) continue;
        proj[map[i]] = p->u.scan.proj[i];
        s.cols[map[i]] = p->schema.cols[i];
    }
    p->u.scan.proj = proj;
    p->u.scan.nproj = k;
    p->u.scan.watermark_out = plan_scan_watermark_out(p);
    p->schema = s;
    if (p->u.scan.filter) p->u.scan.filter = opt_remap(a, p->u.scan.filter, map);
    pr->changed = true;
    return p;
}

static Plan *prune_values(Pruner *pr, Plan *p, const bool *need, int *map) {
    Arena *a = pr->pc->arena;
    int n = p->schema.ncols;
    bool *keep = bools(a, n);
    memcpy(keep, need, sizeof *keep * (size_t)n);
    int k = keep_map(keep, n, map);
    if (k == 0 && n > 0) {
        keep[0] = true;
        k = keep_map(keep, n, map);
    }
    if (k == n) return p;
    Schema s = {k, ARENA_ARRAY(a, Column, k + 1)};
    int nrows = p->u.values.nrows;
    Value *rows = ARENA_ARRAY(a, Value, nrows * k + 1);
    for (int i = 0; i < n; i++) {
        if (map[i] < 0) continue;
        s.cols[map[i]] = p->schema.cols[i];
        for (int r = 0; r < nrows; r++) rows[r * k + map[i]] = p->u.values.rows[r * n + i];
    }
    p->schema = s;
    p->u.values.rows = rows;
    pr->changed = true;
    return p;
}

/* Filter, sort, limit: need what the parent needs plus what the node reads. */
static Plan *prune_passthrough(Pruner *pr, Plan *p, const bool *need, int *map) {
    Arena *a = pr->pc->arena;
    int n = p->schema.ncols;
    bool *cneed = bools(a, n);
    memcpy(cneed, need, sizeof *cneed * (size_t)n);
    if (p->kind == PLAN_FILTER) opt_columns(p->u.filter.pred, cneed, n);
    if (p->kind == PLAN_SORT)
        for (int i = 0; i < p->u.sort.nkeys; i++) opt_columns(p->u.sort.keys[i].expr, cneed, n);
    Plan *old = p->left;
    p->left = prune(pr, p->left, cneed, map);
    if (p->left == old && is_identity(map, n, p->left->schema.ncols)) return p;
    if (p->kind == PLAN_FILTER) p->u.filter.pred = opt_remap(a, p->u.filter.pred, map);
    if (p->kind == PLAN_SORT) {
        SortKey *keys = ARENA_ARRAY(a, SortKey, p->u.sort.nkeys + 1);
        for (int i = 0; i < p->u.sort.nkeys; i++) {
            keys[i] = p->u.sort.keys[i];
            keys[i].expr = opt_remap(a, keys[i].expr, map);
        }
        p->u.sort.keys = keys;
    }
    p->schema = passthrough_schema(a, &p->schema, map, &p->left->schema);
    return p;
}

static Plan *prune_project(Pruner *pr, Plan *p, const bool *need, int *map) {
    Arena *a = pr->pc->arena;
    int n = p->u.project.n, nin = p->left->schema.ncols;
    int k = keep_map(need, n, map);
    bool *cneed = bools(a, nin);
    int *cmap = ints(a, nin);
    if (k == 0 && n > 0) {
        /* Nobody reads this projection's columns: its input, pruned to nothing, will do. */
        pr->changed = true;
        for (int i = 0; i < n; i++) map[i] = -1;
        return prune(pr, p->left, cneed, cmap);
    }
    for (int i = 0; i < n; i++)
        if (need[i]) opt_columns(p->u.project.exprs[i], cneed, nin);
    Plan *old = p->left;
    p->left = prune(pr, p->left, cneed, cmap);
    bool child_same = p->left == old && is_identity(cmap, nin, p->left->schema.ncols);
    if (k == n && child_same) return p;
    Expr **exprs = ARENA_ARRAY(a, Expr *, k + 1);
    Schema s = {k, ARENA_ARRAY(a, Column, k + 1)};
    for (int i = 0; i < n; i++) {
        if (map[i] < 0) continue;
        exprs[map[i]] = child_same ? p->u.project.exprs[i] : opt_remap(a, p->u.project.exprs[i], cmap);
        s.cols[map[i]] = p->schema.cols[i];
    }
    if (k < n) pr->changed = true;
    p->u.project.exprs = exprs;
    p->u.project.n = k;
    p->schema = s;
    return p;
}

static Plan *prune_aggregate(Pruner *pr, Plan *p, const bool *need, int *map) {
    Arena *a = pr->pc->arena;
    int ng = p->u.agg.ngroups, na = p->u.agg.naggs, nin = p->left->schema.ncols;
    bool *keep = bools(a, ng + na);
    for (int i = 0; i < ng; i++) keep[i] = true;
    int kept_aggs = 0;
    for (int i = 0; i < na; i++) {
        keep[ng + i] = need[ng + i];
        if (need[ng + i]) kept_aggs++;
    }
    if (ng == 0 && na > 0 && kept_aggs == 0) keep[0] = true;
    int k = keep_map(keep, ng + na, map);
    bool *cneed = bools(a, nin);
    int *cmap = ints(a, nin);
    for (int i = 0; i < ng; i++) opt_columns(p->u.agg.groups[i], cneed, nin);
    for (int i = 0; i < na; i++)
        if (keep[ng + i] && p->u.agg.aggs[i].arg) opt_columns(p->u.agg.aggs[i].arg, cneed, nin);
    Plan *old = p->left;
    p->left = prune(pr, p->left, cneed, cmap);
    bool child_same = p->left == old && is_identity(cmap, nin, p->left->schema.ncols);
    if (k == ng + na && child_same) return p;
    Expr **groups = ARENA_ARRAY(a, Expr *, ng + 1);
    for (int i = 0; i < ng; i++) groups[i] = child_same ? p->u.agg.groups[i] : opt_remap(a, p->u.agg.groups[i], cmap);
    AggSpec *aggs = ARENA_ARRAY(a, AggSpec, na + 1);
    Schema s = {k, ARENA_ARRAY(a, Column, k + 1)};
    for (int i = 0; i < ng; i++) s.cols[i] = p->schema.cols[i];
    int j = 0;
    for (int i = 0; i < na; i++) {
        if (map[ng + i] < 0) continue;
        aggs[j] = p->u.agg.aggs[i];
        if (aggs[j].arg && !child_same) aggs[j].arg = opt_remap(a, aggs[j].arg, cmap);
        s.cols[ng + j] = p->schema.cols[ng + i];
        j++;
    }
    if (k < ng + na) pr->changed = true;
    p->u.agg.groups = groups;
    p->u.agg.aggs = aggs;
    p->u.agg.naggs = j;
    p->schema = s;
    return p;
}

static Plan *prune_join(Pruner *pr, Plan *p, const bool *need, int *map) {
    Arena *a = pr->pc->arena;
    int nl = p->left->schema.ncols, nr = p->right->schema.ncols;
    bool *all = bools(a, nl + nr);
    memcpy(all, need, sizeof *all * (size_t)(nl + nr));
    if (p->u.join.residual) opt_columns(p->u.join.residual, all, nl + nr);
    for (int i = 0; i < p->u.join.nkeys; i++) {
        opt_columns(p->u.join.lkeys[i], all, nl);
        opt_columns(p->u.join.rkeys[i], all + nl, nr);
    }
    int *lmap = ints(a, nl), *rmap = ints(a, nr);
    Plan *oldl = p->left, *oldr = p->right;
    p->left = prune(pr, p->left, all, lmap);
    p->right = prune(pr, p->right, all + nl, rmap);
    int newnl = p->left->schema.ncols;
    for (int i = 0; i < nl; i++) map[i] = lmap[i];
    for (int i = 0; i < nr; i++) map[nl + i] = rmap[i] < 0 ? -1 : rmap[i] + newnl;
    if (p->left == oldl && p->right == oldr && is_identity(map, nl + nr, newnl + p->right->schema.ncols))
        return p;
    int nk = p->u.join.nkeys;
    Expr **lk = ARENA_ARRAY(a, Expr *, nk + 1), **rk = ARENA_ARRAY(a, Expr *, nk + 1);
    for (int i = 0; i < nk; i++) {
        lk[i] = opt_remap(a, p->u.join.lkeys[i], lmap);
        rk[i] = opt_remap(a, p->u.join.rkeys[i], rmap);
    }
    p->u.join.lkeys = lk;
    p->u.join.rkeys = rk;
    if (p->u.join.residual) p->u.join.residual = opt_remap(a, p->u.join.residual, map);
    Schema both = opt_schema_concat(a, &p->left->schema, &p->right->schema);
    p->schema = passthrough_schema(a, &p->schema, map, &both);
    return p;
}

static Plan *prune_window(Pruner *pr, Plan *p, const bool *need, int *map) {
    Arena *a = pr->pc->arena;
    int nin = p->left->schema.ncols, n = p->schema.ncols;
    bool *cneed = bools(a, nin);
    memcpy(cneed, need, sizeof *cneed * (size_t)nin);
    if (p->u.window.time_col >= 0 && p->u.window.time_col < nin) cneed[p->u.window.time_col] = true;
    for (int i = 0; i < p->u.window.npartition; i++) {
        int c = p->u.window.partition[i];
        if (c >= 0 && c < nin) cneed[c] = true;
    }
    Plan *old = p->left;
    p->left = prune(pr, p->left, cneed, map);
    int newnin = p->left->schema.ncols;
    for (int i = nin; i < n; i++) map[i] = newnin + (i - nin);
    if (p->left == old && is_identity(map, n, newnin + (n - nin))) return p;
    if (p->u.window.time_col >= 0 && p->u.window.time_col < nin) p->u.window.time_col = map[p->u.window.time_col];
    int *part = ints(a, p->u.window.npartition);
    for (int i = 0; i < p->u.window.npartition; i++) {
        int c = p->u.window.partition[i];
        part[i] = c >= 0 && c < nin ? map[c] : c;
    }
    p->u.window.partition = part;
    Schema s = {newnin + (n - nin), ARENA_ARRAY(a, Column, newnin + (n - nin) + 1)};
    Schema base = passthrough_schema(a, &p->schema, map, &p->left->schema);
    for (int i = 0; i < newnin; i++) s.cols[i] = base.cols[i];
    for (int i = nin; i < n; i++) s.cols[newnin + (i - nin)] = p->schema.cols[i];
    p->schema = s;
    return p;
}

/*
** Row number / top-N: the input's columns the parent needs plus the
** partition and sort key columns, then the row number.  A row number whose
** column nobody needs does nothing else (it filters no row): it goes.
*/
static Plan *prune_topn(Pruner *pr, Plan *p, const bool *need, int *map) {
    Arena *a = pr->pc->arena;
    int nin = p->left->schema.ncols, n = p->schema.ncols;
    if (n != nin + 1) {
        identity(map, n);
        return p;
    }
    bool *cneed = bools(a, nin);
    memcpy(cneed, need, sizeof *cneed * (size_t)nin);
    if (p->kind == PLAN_ROWNUMBER && !need[nin]) {
        pr->changed = true;
        Plan *in = prune(pr, p->left, cneed, map);
        map[nin] = -1;
        return in;
    }
    for (int i = 0; i < p->u.topn.npartition; i++) opt_columns(p->u.topn.partition[i], cneed, nin);
    for (int i = 0; i < p->u.topn.nkeys; i++) opt_columns(p->u.topn.keys[i].expr, cneed, nin);
    Plan *old = p->left;
    p->left = prune(pr, p->left, cneed, map);
    int newnin = p->left->schema.ncols;
    map[nin] = newnin;
    if (p->left == old && is_identity(map, n, newnin + 1)) return p;
    Expr **part = ARENA_ARRAY(a, Expr *, p->u.topn.npartition + 1);
    for (int i = 0; i < p->u.topn.npartition; i++) part[i] = opt_remap(a, p->u.topn.partition[i], map);
    SortKey *keys = ARENA_ARRAY(a, SortKey, p->u.topn.nkeys + 1);
    for (int i = 0; i < p->u.topn.nkeys; i++) {
        keys[i] = p->u.topn.keys[i];
        keys[i].expr = opt_remap(a, keys[i].expr, map);
    }
    p->u.topn.partition = part;
    p->u.topn.keys = keys;
    Schema s = {newnin + 1, ARENA_ARRAY(a, Column, newnin + 2)};
    Schema base = passthrough_schema(a, &p->schema, map, &p->left->schema);
    for (int i = 0; i < newnin; i++) s.cols[i] = base.cols[i];
    s.cols[newnin] = p->schema.cols[nin];
    p->schema = s;
    return p;
}

/*
** Prune node p to the columns need[0..ncols) plus what p itself reads; fill
** map (p's old column count entries) and return the node that replaces p.
*/
static Plan *prune(Pruner *pr, Plan *p, const bool *need, int *map) {
    int n = p->schema.ncols;
    switch (p->kind) {
    case PLAN_SCAN: return prune_scan(pr, p, need, map);
    case PLAN_VALUES: return prune_values(pr, p, need, map);
    case PLAN_FILTER:
    case PLAN_SORT:
    case PLAN_LIMIT: return p->left ? prune_passthrough(pr, p, need, map) : p;
    case PLAN_PROJECT: return p->left ? prune_project(pr, p, need, map) : p;
    case PLAN_AGGREGATE: return p->left ? prune_aggregate(pr, p, need, map) : p;
    case PLAN_JOIN: return p->left && p->right ? prune_join(pr, p, need, map) : p;
    case PLAN_WINDOW: return p->left ? prune_window(pr, p, need, map) : p;
    case PLAN_ROWNUMBER:
    case PLAN_TOPN: return p->left ? prune_topn(pr, p, need, map) : p;
    case PLAN_SERIES:
    default: identity(map, n); return p;
    }
}

int rule_column_pruning(PlanCtx *pc, Plan **node, bool *changed) {
    Pruner pr = {pc, false};
    int n = (*node)->schema.ncols;
    bool *need = bools(pc->arena, n);
    for (int i = 0; i < n; i++) need[i] = true;
    int *map = ints(pc->arena, n);
    *node = prune(&pr, *node, need, map);
    if (pr.changed) *changed = true;
    return 0;
}

/* ------------------------------------------------------------------ projections */

/*
** Project(Project(x, inner), outer) -> Project(x, outer with inner
** substituted).  Refused when a non-trivial inner expression (anything but
** a column or a constant) would be computed more than once: collapsing
** `SELECT y + y FROM (SELECT expensive(x) AS y)` would double the work.
*/
int rule_collapse_projections(PlanCtx *pc, Plan **node, bool *changed) {
    Plan *outer = *node, *inner = outer->left;
    if (!inner || inner->kind != PLAN_PROJECT || !inner->left) return 0;
    for (int i = 0; i < inner->u.project.n; i++) {
        Expr *e = inner->u.project.exprs[i];
        if (opt_trivial(e)) continue;
        int refs = 0;
        for (int j = 0; j < outer->u.project.n; j++) refs += opt_count_refs(outer->u.project.exprs[j], i);
        if (refs > 1) return 0;
    }
    Expr **exprs = ARENA_ARRAY(pc->arena, Expr *, outer->u.project.n + 1);
    for (int j = 0; j < outer->u.project.n; j++)
        exprs[j] = opt_substitute(pc->arena, outer->u.project.exprs[j], inner->u.project.exprs);
    outer->u.project.exprs = exprs;
    outer->left = inner->left;
    *changed = true;
    return 0;
}

/*
** A projection that outputs its input's columns unchanged and in order is
** dropped.  Its names live on: the input's schema takes them (a new array),
** so the columns the user sees keep their names.
*/
int rule_remove_trivial_projections(PlanCtx *pc, Plan **node, bool *changed) {
    Plan *p = *node, *child = p->left;
    if (!child || p->u.project.n != child->schema.ncols || p->schema.ncols != p->u.project.n) return 0;
    bool renamed = false;
    for (int i = 0; i < p->u.project.n; i++) {
        const Expr *e = p->u.project.exprs[i];
        if (e->kind != EXPR_COLUMN || e->col != i || e->type != child->schema.cols[i].type) return 0;
        const char *a = p->schema.cols[i].name, *b = child->schema.cols[i].name;
        if (a != b && (!a || !b || strcmp(a, b) != 0)) renamed = true;
    }
    if (renamed) {
        Schema s = opt_schema_copy(pc->arena, &child->schema);
        for (int i = 0; i < s.ncols; i++) s.cols[i].name = p->schema.cols[i].name;
        child->schema = s;
    }
    *node = child;
    *changed = true;
    return 0;
}

/*
** Project of distinct plain columns over a scan -> the scan reading exactly
** those columns in that order (the scan's filter must read only columns
** the projection keeps, since it is evaluated over the scan's output; a
** streaming scan's WATERMARK column must be kept too, the runtime reads it).
*/
int rule_merge_project_into_scan(PlanCtx *pc, Plan **node, bool *changed) {
    Plan *p = *node, *scan = p->left;
    if (!scan || scan->kind != PLAN_SCAN || scan->u.scan.nproj != scan->schema.ncols) return 0;
    int n = p->u.project.n, nin = scan->schema.ncols;
    int *inv = ints(pc->arena, nin);
    for (int i = 0; i < nin; i++) inv[i] = -1;
    for (int i = 0; i < n; i++) {
        const Expr *e = p->u.project.exprs[i];
        if (e->kind != EXPR_COLUMN || e->col < 0 || e->col >= nin || inv[e->col] >= 0) return 0;
        inv[e->col] = i;
    }
    int wm = plan_scan_watermark_out(scan);
    if (wm >= 0 && inv[wm] < 0) return 0;
    if (scan->u.scan.filter) {
        bool *used = bools(pc->arena, nin);
        opt_columns(scan->u.scan.filter, used, nin);
        for (int i = 0; i < nin; i++)
            if (used[i] && inv[i] < 0) return 0;
        scan->u.scan.filter = opt_remap(pc->arena, scan->u.scan.filter, inv);
    }
    int *proj = ints(pc->arena, n);
    for (int i = 0; i < n; i++) proj[i] = scan->u.scan.proj[p->u.project.exprs[i]->col];
    scan->u.scan.proj = proj;
    scan->u.scan.nproj = n;
    scan->u.scan.watermark_out = plan_scan_watermark_out(scan);
    scan->schema = p->schema;
    *node = scan;
    *changed = true;
    return 0;
}
