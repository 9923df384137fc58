/*
 * Out-of-line wrappers for liburing's inline helpers, so that Rust can call them.
 * liburing keeps SQE preparation and CQ walking in static inline functions; Rust cannot
 * link against those, and re-implementing the SQE layout by hand would duplicate liburing.
 * Each wrapper is a single call: the logic stays in liburing and in src/uring.rs.
 */
#include <errno.h>
#include <stdlib.h>
#include <liburing.h>

struct io_uring *ior_sys_ring_new(unsigned entries, unsigned flags, int *err)
{
	struct io_uring *ring = calloc(1, sizeof(*ring));
	struct io_uring_params p = { .flags = flags };

	if (!ring) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = io_uring_queue_init_params(entries, ring, &p);
	if (*err < 0) {
		free(ring);
		return NULL;
	}
	return ring;
}

void ior_sys_ring_free(struct io_uring *ring)
{
	io_uring_queue_exit(ring);
	free(ring);
}

struct io_uring_sqe *ior_sys_get_sqe(struct io_uring *ring) { return io_uring_get_sqe(ring); }
unsigned ior_sys_sq_space_left(struct io_uring *ring) { return io_uring_sq_space_left(ring); }

int ior_sys_submit(struct io_uring *ring) { return io_uring_submit(ring); }

/* Submits what is queued and waits for @wait_nr completions in one io_uring_enter. */
int ior_sys_submit_and_wait_timeout(struct io_uring *ring, unsigned wait_nr,
				    struct __kernel_timespec *ts)
{
	struct io_uring_cqe *cqe;

	return io_uring_submit_and_wait_timeout(ring, &cqe, wait_nr, ts, NULL);
}

unsigned ior_sys_peek_batch_cqe(struct io_uring *ring, struct io_uring_cqe **cqes, unsigned n)
{
	return io_uring_peek_batch_cqe(ring, cqes, n);
}

void ior_sys_cq_advance(struct io_uring *ring, unsigned n) { io_uring_cq_advance(ring, n); }

int ior_sys_register_files_sparse(struct io_uring *ring, unsigned n)
{
	return io_uring_register_files_sparse(ring, n);
}

int ior_sys_register_files_update(struct io_uring *ring, unsigned off, const int *fds, unsigned n)
{
	return io_uring_register_files_update(ring, off, fds, n);
}

void ior_sys_sqe_set_data64(struct io_uring_sqe *sqe, __u64 data) { io_uring_sqe_set_data64(sqe, data); }
void ior_sys_sqe_set_flags(struct io_uring_sqe *sqe, unsigned flags) { io_uring_sqe_set_flags(sqe, flags); }

void ior_sys_prep_nop(struct io_uring_sqe *sqe) { io_uring_prep_nop(sqe); }

void ior_sys_prep_read(struct io_uring_sqe *sqe, int fd, void *buf, unsigned len, __u64 offset)
{
	io_uring_prep_read(sqe, fd, buf, len, offset);
}

void ior_sys_prep_write(struct io_uring_sqe *sqe, int fd, const void *buf, unsigned len, __u64 offset)
{
	io_uring_prep_write(sqe, fd, buf, len, offset);
}

void ior_sys_prep_timeout(struct io_uring_sqe *sqe, struct __kernel_timespec *ts, unsigned count)
{
	io_uring_prep_timeout(sqe, ts, count, 0);
}

void ior_sys_prep_openat2(struct io_uring_sqe *sqe, int dfd, const char *path, struct open_how *how)
{
	io_uring_prep_openat2(sqe, dfd, path, how);
}

void ior_sys_prep_close_direct(struct io_uring_sqe *sqe, unsigned file_index)
{
	io_uring_prep_close_direct(sqe, file_index);
}

void ior_sys_prep_cancel64(struct io_uring_sqe *sqe, __u64 user_data, int flags)
{
	io_uring_prep_cancel64(sqe, user_data, flags);
}
