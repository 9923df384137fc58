/*
 * Out-of-line wrappers for liburing's inline helpers, so that Rust can call them.
 * liburing keeps SQE preparation and CQ walking in static inline functions; Rust cannot
 * link against those, and re-implementing the SQE layout by hand would duplicate liburing.
 * Each wrapper is a single call: the logic stays in liburing and in src/uring.rs.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
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

void ior_sys_prep_read_fixed(struct io_uring_sqe *sqe, int fd, void *buf, unsigned len, __u64 offset,
			     int buf_index)
{
	io_uring_prep_read_fixed(sqe, fd, buf, len, offset, buf_index);
}

void ior_sys_prep_write_fixed(struct io_uring_sqe *sqe, int fd, const void *buf, unsigned len,
			      __u64 offset, int buf_index)
{
	io_uring_prep_write_fixed(sqe, fd, buf, len, offset, buf_index);
}

void ior_sys_prep_send(struct io_uring_sqe *sqe, int fd, const void *buf, unsigned len, int flags)
{
	io_uring_prep_send(sqe, fd, buf, len, flags);
}

void ior_sys_prep_recv(struct io_uring_sqe *sqe, int fd, void *buf, unsigned len, int flags)
{
	io_uring_prep_recv(sqe, fd, buf, len, flags);
}

/* Multishot recv picks its buffers from provided-buffer group @bgid (the caller sets
 * IOSQE_BUFFER_SELECT with the other SQE flags). */
void ior_sys_prep_recv_multishot(struct io_uring_sqe *sqe, int fd, unsigned short bgid)
{
	io_uring_prep_recv_multishot(sqe, fd, NULL, 0, 0);
	sqe->buf_group = bgid;
}

void ior_sys_prep_recvmsg(struct io_uring_sqe *sqe, int fd, struct msghdr *msg)
{
	io_uring_prep_recvmsg(sqe, fd, msg, 0);
}

void ior_sys_prep_sendmsg(struct io_uring_sqe *sqe, int fd, const struct msghdr *msg, unsigned flags)
{
	io_uring_prep_sendmsg(sqe, fd, msg, flags);
}

void ior_sys_prep_accept(struct io_uring_sqe *sqe, int fd, struct sockaddr *addr, socklen_t *addrlen,
			 int multishot)
{
	if (multishot)
		io_uring_prep_multishot_accept(sqe, fd, addr, addrlen, SOCK_CLOEXEC);
	else
		io_uring_prep_accept(sqe, fd, addr, addrlen, SOCK_CLOEXEC);
}

void ior_sys_prep_connect(struct io_uring_sqe *sqe, int fd, const struct sockaddr *addr, socklen_t len)
{
	io_uring_prep_connect(sqe, fd, addr, len);
}

void ior_sys_prep_socket(struct io_uring_sqe *sqe, int domain, int type, int protocol)
{
	io_uring_prep_socket(sqe, domain, type, protocol, 0);
}

void ior_sys_prep_shutdown(struct io_uring_sqe *sqe, int fd, int how)
{
	io_uring_prep_shutdown(sqe, fd, how);
}

void ior_sys_prep_fsync(struct io_uring_sqe *sqe, int fd, unsigned flags)
{
	io_uring_prep_fsync(sqe, fd, flags);
}

void ior_sys_prep_statx(struct io_uring_sqe *sqe, int dfd, const char *path, int flags, unsigned mask,
			struct statx *buf)
{
	io_uring_prep_statx(sqe, dfd, path, flags, mask, buf);
}

void ior_sys_prep_link_timeout(struct io_uring_sqe *sqe, struct __kernel_timespec *ts)
{
	io_uring_prep_link_timeout(sqe, ts, 0);
}

void ior_sys_prep_poll(struct io_uring_sqe *sqe, int fd, unsigned mask, int multishot)
{
	if (multishot)
		io_uring_prep_poll_multishot(sqe, fd, mask);
	else
		io_uring_prep_poll_add(sqe, fd, mask);
}

int ior_sys_register_buffers(struct io_uring *ring, const struct iovec *iov, unsigned n)
{
	return io_uring_register_buffers(ring, iov, n);
}

int ior_sys_unregister_buffers(struct io_uring *ring) { return io_uring_unregister_buffers(ring); }

int ior_sys_unregister_files(struct io_uring *ring) { return io_uring_unregister_files(ring); }

/*
 * Cancels, synchronously, the request(s) carrying @user_data (all of them with @all). Returns
 * the number cancelled (at most 1 without @all) or a negative errno; -ENOENT when none,
 * -ETIME when they did not end within 100 ms. Bounded: a request the kernel keeps reporting
 * as running (-EALREADY) would otherwise hold the guest's thread in the kernel forever, past
 * any run-time bound.
 */
int ior_sys_cancel_sync(struct io_uring *ring, __u64 user_data, int all)
{
	struct io_uring_sync_cancel_reg reg = {
		.addr = user_data,
		.flags = all ? IORING_ASYNC_CANCEL_ALL : 0,
		.timeout = { .tv_sec = 0, .tv_nsec = 100 * 1000 * 1000 },
	};

	return io_uring_register_sync_cancel(ring, &reg);
}

/*
 * Cancels, synchronously, every request of the ring, waiting at most @timeout_ms for them.
 * A register call, not an SQE: the kernel cannot defer it behind a drain entry.
 */
int ior_sys_cancel_sync_any(struct io_uring *ring, int timeout_ms)
{
	struct io_uring_sync_cancel_reg reg = {
		.flags = IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL,
		.timeout = { .tv_sec = timeout_ms / 1000, .tv_nsec = (timeout_ms % 1000) * 1000000LL },
	};

	return io_uring_register_sync_cancel(ring, &reg);
}

/*
 * A provided-buffer ring: @entries buffers of @size bytes in group @bgid, for multishot recv.
 * The kernel picks a buffer per completion; the host copies it out and gives it straight back.
 */
struct ior_sys_buf_ring {
	struct io_uring_buf_ring *br;
	unsigned char *bufs;
	unsigned entries, size;
	unsigned short bgid;
};

struct ior_sys_buf_ring *ior_sys_buf_ring_new(struct io_uring *ring, unsigned short bgid,
					      unsigned entries, unsigned size, int *err)
{
	struct ior_sys_buf_ring *r = calloc(1, sizeof(*r));
	struct io_uring_buf_reg reg = { .ring_entries = entries, .bgid = bgid };
	size_t ring_bytes = entries * sizeof(struct io_uring_buf);

	if (!r) {
		*err = -ENOMEM;
		return NULL;
	}
	if (posix_memalign((void **)&r->br, 4096, ring_bytes) ||
	    posix_memalign((void **)&r->bufs, 4096, (size_t)entries * size)) {
		free(r->br);
		free(r);
		*err = -ENOMEM;
		return NULL;
	}
	reg.ring_addr = (unsigned long)r->br;
	*err = io_uring_register_buf_ring(ring, &reg, 0);
	if (*err < 0) {
		free(r->bufs);
		free(r->br);
		free(r);
		return NULL;
	}
	r->entries = entries;
	r->size = size;
	r->bgid = bgid;
	io_uring_buf_ring_init(r->br);
	for (unsigned i = 0; i < entries; i++)
		io_uring_buf_ring_add(r->br, r->bufs + (size_t)i * size, size, (unsigned short)i,
				      io_uring_buf_ring_mask(entries), (int)i);
	io_uring_buf_ring_advance(r->br, (int)entries);
	return r;
}

const unsigned char *ior_sys_buf_ring_buf(const struct ior_sys_buf_ring *r, unsigned short bid)
{
	return r->bufs + (size_t)bid * r->size;
}

/* Hands buffer @bid back to the kernel. */
void ior_sys_buf_ring_recycle(struct ior_sys_buf_ring *r, unsigned short bid)
{
	io_uring_buf_ring_add(r->br, r->bufs + (size_t)bid * r->size, r->size, bid,
			      io_uring_buf_ring_mask(r->entries), 0);
	io_uring_buf_ring_advance(r->br, 1);
}

void ior_sys_buf_ring_free(struct io_uring *ring, struct ior_sys_buf_ring *r)
{
	io_uring_unregister_buf_ring(ring, r->bgid);
	free(r->bufs);
	free(r->br);
	free(r);
}
