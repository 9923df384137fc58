/*
 * forged-handle: names handles the host never granted and prints what each operation got
 * back, one line per attempt, so the test can compare exact error codes.
 */
#include <stdio.h>

#include "ioring.h"

static void attempt(struct ior_ring *ring, const char *what, ior_handle_t fd, int close)
{
	struct ior_cqes cqes;
	ior_sqe_t *sqe = ior_get_sqe(ring);

	if (close)
		ior_prep_close(sqe, fd);
	else
		ior_prep_read(sqe, fd, 16, 0);
	if (ior_wait_cqes(ring, 1, 1, -1, &cqes) != 1) {
		printf("%s %u: no completion\n", what, fd);
		return;
	}
	printf("%s %u: %s\n", what, fd, ior_strerror(ior_cqe_res(&cqes.cqe[0])));
	ior_cqes_free(&cqes);
}

int main(void)
{
	struct ior_ring ring;

	if (ior_ring_init(&ring, 4) < 0)
		return 1;
	attempt(&ring, "read", 3, 0);          /* the next index, never granted */
	attempt(&ring, "read", 1023, 0);       /* the last slot of the table */
	attempt(&ring, "read", 1024, 0);       /* one past the table */
	attempt(&ring, "read", 0x7fffffff, 0); /* the host's own never-registered slot */
	attempt(&ring, "close", 77, 1);
	printf("directory nope: %s\n", ior_strerror(ior_grant_directory("nope")));
	ior_ring_exit(&ring);
	return 0;
}
