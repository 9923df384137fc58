/*
 * nop - NOP round trips through the ring: BATCH nops submitted together, then waited for
 * together, ITERATIONS times. Prints the cost of one nop in nanoseconds.
 *
 *   ioring run nop.wasm BATCH ITERATIONS
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "ioring.h"

int main(int argc, char **argv)
{
	struct ior_ring ring;
	struct ior_cqes cqes;

	if (argc != 3)
		return 2;
	unsigned batch = (unsigned)atoi(argv[1]);
	long iterations = atol(argv[2]);

	if (ior_ring_init(&ring, batch) < 0)
		return 1;
	double start = now_ns();
	for (long i = 0; i < iterations; i++) {
		for (unsigned b = 0; b < batch; b++)
			ior_prep_nop(ior_get_sqe(&ring));
		if (ior_wait_cqes(&ring, batch, batch, -1, &cqes) != (int)batch)
			return 1;
		ior_cqes_free(&cqes);
	}
	printf("{\"ns_per_op\": %.1f}\n", (now_ns() - start) / ((double)iterations * batch));
	ior_ring_exit(&ring);
	return 0;
}
