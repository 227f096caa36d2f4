/*
** Arena allocator.  Blocks are chained; an allocation larger than a quarter
** of the block size gets a block of its own so big strings do not waste the
** tail of an ordinary block.
*/
#include "arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ArenaBlock {
    ArenaBlock *next;
    size_t size;          /* usable bytes after the header */
    max_align_t data[];   /* payload */
};

#define ALIGN 16
#define ALIGN_UP(n) (((n) + (ALIGN - 1)) & ~(size_t)(ALIGN - 1))

_Noreturn void weir_oom(void) {
    fputs("weir: error: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) weir_oom();
    return p;
}
void *xcalloc(size_t n, size_t sz) {
    void *p = calloc(n ? n : 1, sz ? sz : 1);
    if (!p) weir_oom();
    return p;
}
void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p) weir_oom();
    return p;
}
char *xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

void arena_init(Arena *a, size_t block_size) {
    memset(a, 0, sizeof *a);
    a->block_size = block_size ? block_size : 64 * 1024;
}

Arena *arena_new(size_t block_size) {
    Arena *a = xmalloc(sizeof *a);
    arena_init(a, block_size);
    return a;
}

void arena_free(Arena *a) {
    ArenaBlock *b = a->head;
    while (b) {
        ArenaBlock *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->cur = a->end = NULL;
    a->total = 0;
}

void arena_delete(Arena *a) {
    if (!a) return;
    arena_free(a);
    free(a);
}

void arena_reset(Arena *a) {
    if (!a->head) return;
    /* keep the oldest block (the tail of the chain) when it is ordinary-sized */
    ArenaBlock *b = a->head, *last = NULL;
    while (b) {
        ArenaBlock *n = b->next;
        if (n == NULL && b->size == a->block_size) {
            last = b;
        } else {
            free(b);
        }
        b = n;
    }
    a->head = last;
    a->total = 0;
    if (last) {
        last->next = NULL;
        a->cur = (char *)last->data;
        a->end = a->cur + last->size;
        a->total = sizeof(ArenaBlock) + last->size;
    } else {
        a->cur = a->end = NULL;
    }
}

static void *arena_grow(Arena *a, size_t n) {
    size_t size = a->block_size;
    if (n > size / 4) {
        /* a big allocation gets its own block, linked behind the current one */
        ArenaBlock *b = malloc(sizeof(ArenaBlock) + n);
        if (!b) weir_oom();
        b->size = n;
        a->total += sizeof(ArenaBlock) + n;
        if (a->head) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = NULL;
            a->head = b;
            a->cur = a->end = (char *)b->data + n;
        }
        return b->data;
    }
    ArenaBlock *b = malloc(sizeof(ArenaBlock) + size);
    if (!b) weir_oom();
    b->size = size;
    b->next = a->head;
    a->head = b;
    a->total += sizeof(ArenaBlock) + size;
    a->cur = (char *)b->data + n;
    a->end = (char *)b->data + size;
    return b->data;
}

void *arena_alloc(Arena *a, size_t n) {
    n = ALIGN_UP(n ? n : 1);
    if ((size_t)(a->end - a->cur) >= n && a->cur) {
        void *p = a->cur;
        a->cur += n;
        return p;
    }
    return arena_grow(a, n);
}

void *arena_zalloc(Arena *a, size_t n) {
    void *p = arena_alloc(a, n);
    memset(p, 0, n ? n : 1);
    return p;
}

void *arena_memdup(Arena *a, const void *p, size_t n) {
    void *q = arena_alloc(a, n);
    if (n) memcpy(q, p, n);
    return q;
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *arena_strdup(Arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_printf(Arena *a, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
