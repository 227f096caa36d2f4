/*
** Speed of the generator source alone: plan_batch + next over N rows
** (default 20 M) of (BIGINT sequence, TIMESTAMP, BIGINT random in [0, 999]),
** unpaced, summing one value per column so nothing is optimized away.
** Prints rows/s.  Usage: gen_speed [rows]
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../../connectors/connector.h"

int main(int argc, char **argv) {
    int64_t rows = argc > 1 ? atoll(argv[1]) : 20000000;
    char rows_opt[64];
    snprintf(rows_opt, sizeof rows_opt, "%" PRId64, rows);
    Column cols[] = {{.name = "id", .type = TYPE_BIGINT},
                     {.name = "ts", .type = TYPE_TIMESTAMP},
                     {.name = "k", .type = TYPE_BIGINT}};
    ConnOption opts[] = {{"rows", rows_opt},          {"pace", "false"},     {"rows_per_second", "1000"},
                         {"fields.k.kind", "random"}, {"fields.k.min", "0"}, {"fields.k.max", "999"}};
    ConnConfig cfg = {"gen", opts, 6, {3, cols}, 1704067200000000LL};
    int proj[] = {0, 1, 2};
    Err err;
    err_clear(&err);
    Source *s = source_open("generator", &cfg, proj, 3, NULL, &err);
    if (!s) {
        fprintf(stderr, "gen_speed: %s\n", err.msg);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int64_t n = 0, sum = 0;
    int batches = 0;
    while (!source_ended(s) && source_plan_batch(s, &err) == 1) {
        batches++;
        Chunk *c;
        while (source_next(s, &c, &err) == 1) {
            n += c->count;
            sum += VEC_I64(&c->cols[0])[c->count - 1] + VEC_I64(&c->cols[1])[0] + VEC_I64(&c->cols[2])[c->count / 2];
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    printf("generator: %" PRId64 " rows in %d batches, %.3f s, %.1f M rows/s (checksum %" PRId64 ")\n", n, batches,
           secs, (double)n / secs / 1e6, sum);
    source_close(s);
    return n == rows ? 0 : 1;
}
