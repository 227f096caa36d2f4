/*
** Arenas: bump allocators with one lifetime.
**
** Every allocation in weir belongs to an arena whose lifetime says when it
** dies: a statement (AST, plan), a query (operator state), a micro-batch or a
** chunk (intermediate vectors, computed strings).  Nothing is freed piecemeal;
** an arena is reset or destroyed as a whole.  Out-of-memory aborts the process
** with a message (there is no sane recovery inside a vectorized kernel).
*/
#ifndef WEIR_ARENA_H
#define WEIR_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct ArenaBlock ArenaBlock;

typedef struct Arena {
    ArenaBlock *head;   /* block being filled; older blocks follow via next */
    char *cur;          /* next free byte in head */
    char *end;          /* one past the last byte of head */
    size_t block_size;  /* size of the next ordinary block */
    size_t total;       /* bytes obtained from malloc, for memory accounting */
} Arena;

void arena_init(Arena *a, size_t block_size);   /* block_size 0: default 64 KiB */
Arena *arena_new(size_t block_size);            /* heap-allocated; free with arena_delete */
void arena_delete(Arena *a);
void arena_free(Arena *a);                      /* release every block (for arena_init'ed arenas) */
void arena_reset(Arena *a);                     /* keep the first block, drop the rest */

void *arena_alloc(Arena *a, size_t n);          /* 16-byte aligned, uninitialized */
void *arena_zalloc(Arena *a, size_t n);         /* zeroed */
char *arena_strdup(Arena *a, const char *s);
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_printf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void *arena_memdup(Arena *a, const void *p, size_t n);

#define ARENA_NEW(a, T) ((T *)arena_zalloc((a), sizeof(T)))
#define ARENA_ARRAY(a, T, n) ((T *)arena_zalloc((a), sizeof(T) * (size_t)(n)))

/* Abort with a message; used on malloc failure everywhere. */
_Noreturn void weir_oom(void);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

#endif
