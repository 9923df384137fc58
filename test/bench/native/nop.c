/*
 * nop - the native baseline for guest NOP round trips: BATCH nops per io_uring_enter, with
 * the setup flags the host uses (SINGLE_ISSUER | DEFER_TASKRUN) and, as it does, the ring's
 * descriptor registered (io_uring_register_ring_fd).
 *
 *   nop BATCH ITERATIONS
 */
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN };
	struct io_uring ring;

	if (argc != 3)
		return 2;
	unsigned batch = (unsigned)atoi(argv[1]);
	long iterations = atol(argv[2]);

	if (io_uring_queue_init_params(256, &ring, &p) < 0)
		return 1;
	io_uring_register_ring_fd(&ring); /* as the host does */
	double start = now_ns();
	for (long i = 0; i < iterations; i++) {
		for (unsigned b = 0; b < batch; b++)
			io_uring_prep_nop(io_uring_get_sqe(&ring));
		io_uring_submit_and_wait(&ring, batch);
		io_uring_cq_advance(&ring, io_uring_cq_ready(&ring));
	}
	printf("{\"ns_per_op\": %.1f}\n", (now_ns() - start) / ((double)iterations * batch));
	return 0;
}
