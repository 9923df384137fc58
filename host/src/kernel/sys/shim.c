/*
 * Out-of-line wrappers for liburing's inline helpers, so that Rust can call them: ring
 * setup, the SQ and CQ walks, registration and provided-buffer rings. SQEs themselves are
 * written field by field in src/opcode.rs, so that an operation has one shape and a new
 * opcode needs no liburing release.
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
	/*
	 * Enter the ring by its registered index rather than its descriptor: io_uring_enter then
	 * skips looking the file up and taking a reference each time (Linux 5.18+; the same
	 * thread enters every time, as SINGLE_ISSUER requires). Best effort: a kernel without
	 * it, or a thread past its 16 registered rings, enters by descriptor as before.
	 * io_uring_queue_exit unregisters it.
	 */
	(void)io_uring_register_ring_fd(ring);
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

/*
 * Fills @supported[op] with whether the running kernel knows opcode @op, for op < @n
 * (IORING_REGISTER_PROBE). Returns 0, or a negative errno when the kernel cannot probe.
 */
int ior_sys_probe(struct io_uring *ring, unsigned char *supported, unsigned n)
{
	struct io_uring_probe *probe = io_uring_get_probe_ring(ring);

	if (!probe)
		return -EINVAL;
	for (unsigned op = 0; op < n; op++)
		supported[op] = io_uring_opcode_supported(probe, (int)op);
	io_uring_free_probe(probe);
	return 0;
}

int ior_sys_register_buffers(struct io_uring *ring, const struct iovec *iov, unsigned n)
{
	return io_uring_register_buffers(ring, iov, n);
}

int ior_sys_unregister_buffers(struct io_uring *ring) { return io_uring_unregister_buffers(ring); }

int ior_sys_unregister_files(struct io_uring *ring) { return io_uring_unregister_files(ring); }

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
