/*
 * malloc-compact: the SDK's compact allocator (guest/src/opt/malloc-compact.c, linked here in
 * place of dlmalloc) under a random workload: every live block carries a pattern derived
 * from its address and size, checked before it is freed or resized, and no two live blocks
 * may overlap. Then the ring is driven through the allocator (CQE lists, payloads), and the
 * heap must shrink back to one free region at the end. Prints one summary line per phase.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ioring.h"
#include "../../../guest/src/opt/malloc-compact.c"

#define SLOTS 512

static uint8_t *ptrs[SLOTS];
static size_t lens[SLOTS];
static uint32_t seed = 12345;

static uint32_t rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return seed >> 8;
}

static uint8_t pattern(size_t slot, size_t i)
{
	return (uint8_t)(slot * 31 + i * 7 + 1);
}

static void fill(size_t slot, size_t from)
{
	for (size_t i = from; i < lens[slot]; i++)
		ptrs[slot][i] = pattern(slot, i);
}

static int check(size_t slot)
{
	for (size_t i = 0; i < lens[slot]; i++)
		if (ptrs[slot][i] != pattern(slot, i))
			return 0;
	return 1;
}

static size_t free_blocks(size_t *bytes)
{
	size_t n = 0;

	*bytes = 0;
	for (struct block *b = free_list; b; b = b->next) {
		n++;
		*bytes += b->size;
		if (b->next && (char *)b + b->size >= (char *)b->next)
			return (size_t)-1; /* overlapping or unmerged neighbours */
	}
	return n;
}

static size_t random_size(void)
{
	switch (rnd() % 4) {
	case 0: return rnd() % 16;
	case 1: return rnd() % 256;
	case 2: return rnd() % 4096;
	default: return rnd() % 200000;
	}
}

int main(void)
{
	unsigned bad = 0, misaligned = 0, overlaps = 0, ops = 0, zeroed_bad = 0;
	size_t bytes, blocks;

	for (int round = 0; round < 20000; round++, ops++) {
		size_t s = rnd() % SLOTS;

		if (ptrs[s] && !check(s))
			bad++;
		switch (rnd() % 3) {
		case 0: /* free (or allocate into an empty slot) */
			if (ptrs[s]) {
				free(ptrs[s]);
				ptrs[s] = NULL;
				lens[s] = 0;
				break;
			}
			/* fall through */
		case 1: /* calloc into the slot, checking it comes zeroed */
			free(ptrs[s]);
			lens[s] = random_size();
			ptrs[s] = calloc(1, lens[s]);
			for (size_t i = 0; i < lens[s]; i++)
				zeroed_bad += ptrs[s][i] != 0;
			fill(s, 0);
			break;
		default: { /* realloc, keeping the common prefix */
			size_t old = lens[s], n = random_size();
			uint8_t *p = realloc(ptrs[s], n);

			if (!p && n)
				break;
			ptrs[s] = p;
			lens[s] = n;
			for (size_t i = 0; i < (old < n ? old : n); i++)
				bad += p[i] != pattern(s, i);
			fill(s, old < n ? old : n);
			break;
		}
		}
		if (ptrs[s] && ((uintptr_t)ptrs[s] & 15))
			misaligned++;
	}
	/* No two live blocks overlap. */
	for (size_t a = 0; a < SLOTS; a++)
		for (size_t b = a + 1; b < SLOTS; b++)
			if (ptrs[a] && ptrs[b] && ptrs[a] < ptrs[b] + lens[b] && ptrs[b] < ptrs[a] + lens[a])
				overlaps++;
	for (size_t s = 0; s < SLOTS; s++) {
		if (ptrs[s] && !check(s))
			bad++;
		free(ptrs[s]);
		ptrs[s] = NULL;
		lens[s] = 0;
	}
	blocks = free_blocks(&bytes);
	printf("random: ops=%u corrupt=%u unzeroed=%u misaligned=%u overlaps=%u free-blocks=%zu\n",
	       ops, bad, zeroed_bad, misaligned, overlaps, blocks);

	/* The ring allocates through it too: CQE lists and read payloads. */
	{
		struct ior_ring ring;
		ior_cqe_t *cqe;
		int ok = 0;

		ior_ring_init(&ring, 16);
		for (int i = 0; i < 200; i++) {
			for (int j = 0; j < 16; j++)
				ior_prep_nop(ior_get_sqe(&ring));
			for (int j = 0; j < 16 && ior_wait_cqe(&ring, &cqe) == 0; j++) {
				ok += ior_cqe_res(cqe) == 0;
				ior_cqe_seen(&ring, cqe);
			}
		}
		ior_ring_exit(&ring);
		printf("ring: %d nops\n", ok);
	}
	blocks = free_blocks(&bytes);
	printf("after: free-blocks=%zu\n", blocks);
	printf("huge: %s\n", malloc((size_t)-100) ? "allocated" : "refused");
	printf("aligned 64: %s\n", aligned_alloc(64, 10) ? "allocated" : "refused");
	return 0;
}
