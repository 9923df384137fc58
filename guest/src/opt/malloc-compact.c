/*
 * malloc-compact.c - a small allocator for guests where code size matters more than
 * allocation speed: about 1 KB of code in place of wasi-libc's dlmalloc (13 KB). Build with
 * IORING_MALLOC=compact (guest/ioring.mk) to link it instead.
 *
 * First fit over one address-ordered free list, coalescing with both neighbours on free; the
 * heap starts at __heap_base and grows with memory.grow, a page (64 KiB) or more at a time.
 * Every block has a 16-byte header, so payloads are 16-byte aligned (max_align_t on wasm32).
 * malloc and free walk the free list: O(free blocks), fine for a guest's few hundred live
 * allocations, not for a general-purpose heap. Alignments above 16 are refused (ENOMEM).
 * Single-threaded, as guests are.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ALIGN 16u
#define HDR 16u			/* header size, keeps the payload ALIGN-aligned */
#define MIN_BLOCK (2 * HDR)	/* smallest block worth splitting off */
#define PAGE 65536u
#define USED 1u

struct block {
	size_t size;		/* of the whole block, header included; USED bit when allocated */
	struct block *next;	/* next free block, by address (free blocks only) */
};

extern unsigned char __heap_base;

static struct block *free_list;
static uintptr_t heap_end;	/* end of the memory handed to the allocator so far */

static size_t block_size(const struct block *b)
{
	return b->size & ~(size_t)USED;
}

/* Put @b on the free list, in address order, merging it with free neighbours. */
static void insert_free(struct block *b)
{
	struct block *prev = NULL, *next = free_list;

	while (next && next < b) {
		prev = next;
		next = next->next;
	}
	b->next = next;
	if (next && (char *)b + b->size == (char *)next) {
		b->size += next->size;
		b->next = next->next;
	}
	if (prev && (char *)prev + prev->size == (char *)b) {
		prev->size += b->size;
		prev->next = b->next;
	} else if (prev) {
		prev->next = b;
	} else {
		free_list = b;
	}
}

/* Hand at least @need more bytes of linear memory to the free list. Returns 0 or -1. */
static int grow(size_t need)
{
	uintptr_t start, end;

	if (!heap_end) {
		/* First call: the memory between __heap_base and the initial end comes free. */
		start = ((uintptr_t)&__heap_base + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
		end = __builtin_wasm_memory_size(0) * PAGE;
		heap_end = end;
		if (end > start && end - start >= MIN_BLOCK) {
			struct block *b = (struct block *)start;

			b->size = end - start;
			insert_free(b);
			if (end - start >= need)
				return 0;
		}
	}
	{
		size_t pages = (need + PAGE - 1) / PAGE;
		size_t old = __builtin_wasm_memory_grow(0, pages);
		struct block *b;

		if (old == (size_t)-1)
			return -1;
		start = old * PAGE;
		/* Someone else's memory.grow in between would leave a gap: never merge across it. */
		b = (struct block *)start;
		b->size = pages * PAGE;
		heap_end = start + pages * PAGE;
		insert_free(b);
	}
	return 0;
}

/* The block size that holds @n payload bytes, or 0 past half the address space. */
static size_t need_for(size_t n)
{
	/* Larger can never be had, and rounding it up to pages in grow() would overflow. */
	if (n > SIZE_MAX / 2)
		return 0;
	n = (n + HDR + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	return n < MIN_BLOCK ? MIN_BLOCK : n;
}

/* Take @need bytes from free block @b (whose predecessor is @prev); returns the payload. */
static void *take(struct block *prev, struct block *b, size_t need)
{
	struct block *rest = b->next;

	if (b->size - need >= MIN_BLOCK) {
		rest = (struct block *)((char *)b + need);
		rest->size = b->size - need;
		rest->next = b->next;
		b->size = need;
	}
	if (prev)
		prev->next = rest;
	else
		free_list = rest;
	b->size |= USED;
	return (char *)b + HDR;
}

void *malloc(size_t n)
{
	size_t need = need_for(n);

	if (!need) {
		errno = ENOMEM;
		return NULL;
	}
	for (int tries = 0; tries < 2; tries++) {
		struct block *prev = NULL;

		for (struct block *b = free_list; b; prev = b, b = b->next)
			if (b->size >= need)
				return take(prev, b, need);
		if (grow(need) < 0)
			break;
	}
	errno = ENOMEM;
	return NULL;
}

void free(void *p)
{
	struct block *b;

	if (!p)
		return;
	b = (struct block *)((char *)p - HDR);
	b->size &= ~(size_t)USED;
	insert_free(b);
}

void *calloc(size_t nr, size_t size)
{
	void *p;

	if (size && nr > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	p = malloc(nr * size);
	if (p)
		memset(p, 0, nr * size);
	return p;
}

void *realloc(void *p, size_t n)
{
	struct block *b, *prev = NULL, *next;
	size_t need = need_for(n), have;
	void *q;

	if (!p)
		return malloc(n);
	if (!need) {
		errno = ENOMEM;
		return NULL;
	}
	b = (struct block *)((char *)p - HDR);
	have = block_size(b);
	if (have >= need)
		return p;
	/* Grow in place into a free block right after this one, if it is big enough. */
	for (next = free_list; next && (char *)next < (char *)b + have; next = next->next)
		prev = next;
	if (next && (char *)next == (char *)b + have && have + next->size >= need) {
		struct block *after = next->next;
		size_t total = have + next->size;

		if (total - need >= MIN_BLOCK) {
			struct block *rest = (struct block *)((char *)b + need);

			rest->size = total - need;
			rest->next = after;
			after = rest;
			total = need;
		}
		if (prev)
			prev->next = after;
		else
			free_list = after;
		b->size = total | USED;
		return p;
	}
	q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, have - HDR);
	free(p);
	return q;
}

void *aligned_alloc(size_t align, size_t n)
{
	if (align > ALIGN) {
		errno = ENOMEM;
		return NULL;
	}
	return malloc(n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (align > ALIGN)
		return ENOMEM;
	p = malloc(n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

size_t malloc_usable_size(void *p)
{
	return p ? block_size((struct block *)((char *)p - HDR)) - HDR : 0;
}

/* The names wasi-libc's own code (atexit, locales) calls, which would pull dlmalloc in. */
void *__libc_malloc(size_t n)
{
	return malloc(n);
}

void *__libc_calloc(size_t nr, size_t size)
{
	return calloc(nr, size);
}

void __libc_free(void *p)
{
	free(p);
}
