/*
 * nop - NOP round trips through the ring: BATCH nops submitted together, then waited for
 * together, ITERATIONS times. Prints the cost of one nop in nanoseconds. The SDK sends them
 * in the packed form (ring.enter); with `records`, the same round goes through the record
 * form, ring.submit then ring.complete, to weigh one form against the other.
 *
 *   ioring run nop.wasm BATCH ITERATIONS [records]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ioring.h"

/* One round in the record form: the SQEs lifted field by field, a list of CQE records back. */
static int round_of_records(struct ior_ring *ring, unsigned batch, struct ior_cqes *cqes)
{
	ioring_ring_ring_borrow_ring_t self = { ring->ring.__handle };
	ioring_ring_ring_list_sqe_t sqes = { ring->sq, batch };
	ioring_ring_ring_list_cqe_t list;

	ring->sq_len = 0;
	if (ioring_ring_ring_method_ring_submit(self, &sqes) != batch)
		return -1;
	ioring_ring_ring_method_ring_complete(self, batch, batch, NULL, &list);
	cqes->cqe = list.ptr;
	cqes->nr = list.len;
	return (int)list.len;
}

int main(int argc, char **argv)
{
	struct ior_ring ring;
	struct ior_cqes cqes;

	if (argc != 3 && !(argc == 4 && !strcmp(argv[3], "records")))
		return 2;
	unsigned batch = (unsigned)atoi(argv[1]);
	long iterations = atol(argv[2]);
	bool records = argc == 4;

	if (ior_ring_init(&ring, batch) < 0)
		return 1;
	double start = now_ns();
	for (long i = 0; i < iterations; i++) {
		for (unsigned b = 0; b < batch; b++)
			ior_prep_nop(ior_get_sqe(&ring));
		int n = records ? round_of_records(&ring, batch, &cqes)
				: ior_wait_cqes(&ring, batch, batch, -1, &cqes);

		if (n != (int)batch)
			return 1;
		ior_cqes_free(&cqes);
	}
	printf("{\"ns_per_op\": %.1f}\n", (now_ns() - start) / ((double)iterations * batch));
	ior_ring_exit(&ring);
	return 0;
}
