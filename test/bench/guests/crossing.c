/*
 * crossing - the boundary alone, as a compact SQE/CQE form would cross it: per round one call
 * taking BATCH x 24 bytes (a compact SQE) and one returning BATCH x 16 bytes (a compact CQE:
 * user data, result, flags, payload length), through ring.buffer-write and ring.buffer-read,
 * which lift and lower a list<u8> and do nothing else. Prints the cost per operation in
 * nanoseconds; added to the host ring's own cost per NOP (host/examples/ring_nop.rs) it
 * bounds what a NOP would cost with such a form, before anyone builds it.
 *
 *   ioring run crossing.wasm BATCH ITERATIONS
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "ioring.h"

enum { SQE_BYTES = 24, CQE_BYTES = 16, MAX_BATCH = 1024 };

static unsigned char sqes[MAX_BATCH * SQE_BYTES];
static unsigned char cqes[MAX_BATCH * CQE_BYTES];

int main(int argc, char **argv)
{
	struct ior_ring ring;

	if (argc != 3)
		return 2;
	unsigned batch = (unsigned)atoi(argv[1]);
	long iterations = atol(argv[2]);

	if (batch == 0 || batch > MAX_BATCH || iterations <= 0)
		return 2;
	if (ior_ring_init(&ring, 8) < 0 || ior_register_buffers(&ring, 1, sizeof(sqes)) < 0)
		return 1;
	double start = now_ns();
	for (long i = 0; i < iterations; i++) {
		sqes[0] = (unsigned char)i;
		if (ior_buffer_write(&ring, 0, 0, sqes, batch * SQE_BYTES) < 0)
			return 1;
		if (ior_buffer_read(&ring, 0, 0, cqes, batch * CQE_BYTES) != (int)(batch * CQE_BYTES))
			return 1;
	}
	printf("{\"ns_per_op\": %.1f}\n", (now_ns() - start) / ((double)iterations * batch));
	ior_ring_exit(&ring);
	return 0;
}
