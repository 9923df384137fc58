/*
 * first-op - the native baseline for start-up: create an io_uring, complete one nop, exit.
 */
#include <liburing.h>

int main(void)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;

	if (io_uring_queue_init(1, &ring, 0) < 0)
		return 1;
	io_uring_prep_nop(io_uring_get_sqe(&ring));
	io_uring_submit_and_wait(&ring, 1);
	return io_uring_peek_cqe(&ring, &cqe) || cqe->res != 0;
}
