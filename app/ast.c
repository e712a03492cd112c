/* The syntax tree's arena: a bump allocator in growing chunks, so a parse
 * never frees nodes one by one and an error half-way needs no clean-up. */
#include "ast.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_FIRST_CHUNK 4096
#define ARENA_MAX_CHUNK   (1u << 20)

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t size, used;
} arena_chunk;

struct ast_arena {
    arena_chunk *chunks; /* newest first; allocations come from the newest */
    size_t next_size;
};

/* Chunk data starts after the header, rounded up so it suits any type. */
#define ARENA_ALIGN  alignof(max_align_t)
#define CHUNK_HEADER ((sizeof(arena_chunk) + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN)

ast_arena *ast_arena_new(void)
{
    ast_arena *a = calloc(1, sizeof *a);
    if (a)
        a->next_size = ARENA_FIRST_CHUNK;
    return a;
}

void ast_arena_free(ast_arena *a)
{
    if (!a)
        return;
    arena_chunk *c = a->chunks;
    while (c) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

static arena_chunk *arena_grow(ast_arena *a, size_t need)
{
    size_t size = a->next_size;
    if (size < need)
        size = need;
    if (size > SIZE_MAX - CHUNK_HEADER)
        return NULL;
    arena_chunk *c = malloc(CHUNK_HEADER + size);
    if (!c)
        return NULL;
    c->size = size;
    c->used = 0;
    /* A request larger than the usual chunk gets a chunk of its own behind
     * the current one, so the current one's free space is not wasted. */
    if (size > a->next_size && a->chunks) {
        c->next = a->chunks->next;
        a->chunks->next = c;
    } else {
        c->next = a->chunks;
        a->chunks = c;
        if (a->next_size < ARENA_MAX_CHUNK)
            a->next_size *= 2;
    }
    return c;
}

void *ast_alloc(ast_arena *a, size_t n)
{
    if (!a)
        return NULL;
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / 2)
        return NULL;
    n = (n + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    arena_chunk *c = a->chunks;
    if (!c || c->size - c->used < n) {
        c = arena_grow(a, n);
        if (!c)
            return NULL;
    }
    unsigned char *p = (unsigned char *)c + CHUNK_HEADER + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *ast_strdup(ast_arena *a, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *d = ast_alloc(a, len + 1);
    if (!d)
        return NULL;
    if (len)
        memcpy(d, s, len);
    d[len] = '\0';
    return d;
}
