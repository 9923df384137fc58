/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * linux_ring.c - a plain-Linux stand-in for the Zephyr host's RTIO layer, for CI: the ring
 * imports of a real guest core module (submit, complete and enter) go through the portable
 * canonical-ABI code (lib/abi) exactly as on Zephyr, and the operations run as synchronous
 * Linux calls at submit (where the Zephyr host submits to RTIO). Timeouts wait in
 * complete(). Files, stdio (captured), fixed buffers, timers, cancel, links and link
 * timeouts; everything else completes with not-supported. A test mock of the RTIO side, not
 * a host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ior_abi.h"

#define LX_HANDLES 32
#define LX_OPS 64
#define LX_MAX_IO 65536
#define LX_RINGS 2 /* as CONFIG_IORING_MAX_RINGS's default: the SDK's ior_perror uses a second */

struct lx_op {
	bool used, done, timer;
	uint32_t ring; /* 1..LX_RINGS */
	uint64_t seq; /* completion order */
	uint64_t deadline;
	struct ior_abi_cqe cqe;
	uint8_t *buf;
	struct lx_op *lt; /* unused: synchronous ops always beat their link timeout */
};

static struct {
	int fd[LX_HANDLES];
	bool dir[LX_HANDLES];
	bool ro[LX_HANDLES];
	char *grant_name[LX_HANDLES];
} lx;
static struct lx_op lx_ops[LX_OPS];
static uint64_t lx_seq;
static bool lx_ring_used[LX_RINGS + 1];
static uint8_t *lx_fixed;
static uint32_t lx_fixed_count, lx_fixed_size;
static char *lx_out[3];
static size_t lx_out_len[3];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

void lx_reset(void)
{
	for (int i = 0; i < LX_HANDLES; i++) {
		if (i > 2 && lx.fd[i] > 0)
			close(lx.fd[i]);
		free(lx.grant_name[i]);
		lx.grant_name[i] = NULL;
		lx.fd[i] = i < 3 ? i : -1;
		lx.dir[i] = lx.ro[i] = false;
	}
	for (int i = 0; i < 3; i++) {
		free(lx_out[i]);
		lx_out[i] = NULL;
		lx_out_len[i] = 0;
	}
	for (int i = 0; i < LX_OPS; i++) {
		free(lx_ops[i].buf);
		memset(&lx_ops[i], 0, sizeof(lx_ops[i]));
	}
	free(lx_fixed);
	lx_fixed = NULL;
	lx_fixed_count = lx_fixed_size = 0;
	memset(lx_ring_used, 0, sizeof(lx_ring_used));
}

const char *lx_output(int fd, size_t *len)
{
	*len = lx_out_len[fd];
	return lx_out[fd] ? lx_out[fd] : "";
}

static int handle_alloc(void)
{
	for (int i = 3; i < LX_HANDLES; i++)
		if (lx.fd[i] < 0 && !lx.grant_name[i])
			return i;
	return -EMFILE;
}

/* Grant a directory: the guest finds it by @name. */
int lx_grant_dir(const char *name, const char *path, bool ro)
{
	int h = handle_alloc();

	if (h < 0)
		return h;
	lx.fd[h] = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lx.fd[h] < 0)
		return -errno;
	lx.dir[h] = true;
	lx.ro[h] = ro;
	lx.grant_name[h] = strdup(name);
	return h;
}

int lx_grant_lookup(const uint8_t *name, uint32_t len)
{
	for (int i = 3; i < LX_HANDLES; i++)
		if (lx.grant_name[i] && strlen(lx.grant_name[i]) == len &&
		    !memcmp(lx.grant_name[i], name, len))
			return i;
	return -ENOENT;
}

int lx_ring_create(uint32_t entries)
{
	if (entries > LX_OPS)
		return -EINVAL;
	for (uint32_t r = 1; r <= LX_RINGS; r++)
		if (!lx_ring_used[r]) {
			lx_ring_used[r] = true;
			return (int)r;
		}
	return -ENOMEM;
}

void lx_ring_drop(uint32_t ring)
{
	if (ring == 0 || ring > LX_RINGS)
		return;
	for (int i = 0; i < LX_OPS; i++) {
		if (lx_ops[i].ring != ring)
			continue;
		free(lx_ops[i].buf);
		memset(&lx_ops[i], 0, sizeof(lx_ops[i]));
	}
	lx_ring_used[ring] = false;
}

static int fd_of(uint32_t h, bool want_dir)
{
	if (h >= LX_HANDLES || lx.fd[h] < 0 || lx.dir[h] != want_dir)
		return -1;
	return lx.fd[h];
}

static void set_res(struct lx_op *op, long res)
{
	op->seq = ++lx_seq;
	op->cqe.is_err = res < 0;
	op->cqe.value = res < 0 ? ior_abi_errno((int)-res) : (uint32_t)res;
}

static long do_op(struct lx_op *op, const struct ior_abi_sqe *s, const uint8_t *mem)
{
	int fd, h;
	long n;
	char rel[256];
	uint8_t *fixed;

	switch (s->op) {
	case IOR_ABI_OP_NOP:
		return 0;
	case IOR_ABI_OP_WRITE:
		if (s->fd == 1 || s->fd == 2) {
			if (fd_of(s->fd, false) < 0)
				return -EBADF;
			lx_out[s->fd] = realloc(lx_out[s->fd], lx_out_len[s->fd] + s->data.len + 1);
			memcpy(lx_out[s->fd] + lx_out_len[s->fd], mem + s->data.ptr, s->data.len);
			lx_out_len[s->fd] += s->data.len;
			return s->data.len;
		}
		if ((fd = fd_of(s->fd, false)) < 0)
			return -EBADF;
		n = s->has_offset ? pwrite(fd, mem + s->data.ptr, s->data.len, (off_t)s->offset)
				  : write(fd, mem + s->data.ptr, s->data.len);
		return n < 0 ? -errno : n;
	case IOR_ABI_OP_READ:
		if ((fd = fd_of(s->fd, false)) < 0 || s->fd < 3)
			return s->fd < LX_HANDLES && lx.dir[s->fd] ? -EISDIR : -EBADF;
		op->buf = malloc(s->len < LX_MAX_IO ? s->len + 1 : LX_MAX_IO);
		n = s->has_offset ? pread(fd, op->buf, s->len < LX_MAX_IO ? s->len : LX_MAX_IO,
					  (off_t)s->offset)
				  : read(fd, op->buf, s->len < LX_MAX_IO ? s->len : LX_MAX_IO);
		if (n > 0) {
			op->cqe.data = op->buf;
			op->cqe.data_len = (uint32_t)n;
		}
		return n < 0 ? -errno : n;
	case IOR_ABI_OP_READ_FIXED:
	case IOR_ABI_OP_WRITE_FIXED:
		if ((fd = fd_of(s->fd, false)) < 0)
			return -EBADF;
		if (s->buffer >= lx_fixed_count ||
		    (uint64_t)s->buffer_offset + s->len > lx_fixed_size)
			return -EINVAL;
		fixed = lx_fixed + (size_t)s->buffer * lx_fixed_size + s->buffer_offset;
		if (s->op == IOR_ABI_OP_READ_FIXED)
			n = s->has_offset ? pread(fd, fixed, s->len, (off_t)s->offset)
					  : read(fd, fixed, s->len);
		else
			n = s->has_offset ? pwrite(fd, fixed, s->len, (off_t)s->offset)
					  : write(fd, fixed, s->len);
		return n < 0 ? -errno : n;
	case IOR_ABI_OP_OPENAT: {
		int flags = O_CLOEXEC, ret;
		struct stat st;

		if ((fd = fd_of(s->fd, true)) < 0)
			return s->fd < LX_HANDLES && lx.fd[s->fd] >= 0 ? -ENOTDIR : -EBADF;
		ret = ior_abi_path_beneath(mem + s->data.ptr, s->data.len, rel, sizeof(rel));
		if (ret > 0)
			return ret - 1 == IOR_ABI_EACCES ? -EACCES : -EINVAL;
		if (lx.ro[s->fd] && (s->open_flags & (IOR_ABI_O_WRITE | IOR_ABI_O_CREATE |
						     IOR_ABI_O_TRUNCATE | IOR_ABI_O_APPEND)))
			return -EACCES;
		if (!rel[0])
			strcpy(rel, ".");
		if (s->open_flags & IOR_ABI_O_WRITE)
			flags |= (s->open_flags & IOR_ABI_O_READ) ? O_RDWR : O_WRONLY;
		if (s->open_flags & IOR_ABI_O_CREATE)
			flags |= O_CREAT;
		if (s->open_flags & IOR_ABI_O_EXCLUSIVE)
			flags |= O_EXCL;
		if (s->open_flags & IOR_ABI_O_TRUNCATE)
			flags |= O_TRUNC;
		if (s->open_flags & IOR_ABI_O_APPEND)
			flags |= O_APPEND;
		if (s->open_flags & IOR_ABI_O_DIRECTORY)
			flags |= O_DIRECTORY;
		h = handle_alloc();
		if (h < 0)
			return h;
		/* No symbolic links at all beneath a grant (Zephyr's fs has none either). */
		lx.fd[h] = openat(fd, rel, flags | O_NOFOLLOW, s->mode ? s->mode : 0644);
		if (lx.fd[h] < 0) {
			n = -errno;
			lx.fd[h] = -1;
			return n == -ELOOP ? -EACCES : n;
		}
		fstat(lx.fd[h], &st);
		lx.dir[h] = S_ISDIR(st.st_mode);
		lx.ro[h] = lx.ro[s->fd];
		op->cqe.detail = IOR_ABI_DETAIL_HANDLE;
		op->cqe.handle = (uint32_t)h;
		return 0;
	}
	case IOR_ABI_OP_CLOSE:
		if (s->fd >= LX_HANDLES || lx.fd[s->fd] < 0)
			return -EBADF;
		if (s->fd > 2)
			close(lx.fd[s->fd]);
		lx.fd[s->fd] = -1;
		free(lx.grant_name[s->fd]);
		lx.grant_name[s->fd] = NULL;
		return 0;
	case IOR_ABI_OP_FSYNC:
		if ((fd = fd_of(s->fd, false)) < 0)
			return -EBADF;
		return (s->flag ? fdatasync(fd) : fsync(fd)) < 0 ? -errno : 0;
	default:
		return -ENOTSUP;
	}
}

static struct lx_op *op_alloc(uint32_t ring)
{
	for (int i = 0; i < LX_OPS; i++)
		if (!lx_ops[i].used) {
			memset(&lx_ops[i], 0, sizeof(lx_ops[i]));
			lx_ops[i].used = true;
			lx_ops[i].ring = ring;
			return &lx_ops[i];
		}
	return NULL;
}

static int inflight(uint32_t ring)
{
	int n = 0;

	for (int i = 0; i < LX_OPS; i++)
		n += lx_ops[i].used && (!ring || lx_ops[i].ring == ring);
	return n;
}

static int cancel(uint32_t ring, uint32_t target, bool all)
{
	int n = 0;

	for (int i = 0; i < LX_OPS; i++) {
		struct lx_op *op = &lx_ops[i];

		if (op->used && op->ring == ring && !op->done && op->cqe.user_data == target) {
			op->done = true;
			op->timer = false;
			set_res(op, -ECANCELED);
			n++;
			if (!all)
				break;
		}
	}
	return n ? n : -ENOENT;
}

/* Where a link chain stands between the entries of one submit. */
struct lx_chain {
	bool failed, in_chain;
};

/* Run one decoded entry (@ret as the decoder returned it) on @ring, synchronously. */
static void lx_run(uint32_t ring, const struct ior_abi_sqe *s, int ret, const uint8_t *mem,
		   struct lx_chain *chain)
{
	struct lx_op *op = op_alloc(ring);

	op->cqe.user_data = s->user_data;
	if (ret > 0) {
		op->cqe.is_err = true;
		op->cqe.value = (uint32_t)(ret - 1);
		op->seq = ++lx_seq;
		op->done = true;
	} else if (chain->in_chain && chain->failed) {
		set_res(op, -ECANCELED);
		op->done = true;
	} else if (s->op == IOR_ABI_OP_TIMEOUT) {
		if (s->count) {
			set_res(op, -ENOTSUP);
			op->done = true;
		} else {
			op->timer = true;
			op->deadline = now_ns() + s->ns;
		}
	} else if (s->op == IOR_ABI_OP_LINK_TIMEOUT) {
		/* The guarded entry ran synchronously: it beat the timeout. */
		set_res(op, chain->in_chain ? -ECANCELED : -EINVAL);
		op->done = true;
	} else if (s->op == IOR_ABI_OP_CANCEL) {
		set_res(op, cancel(ring, s->count, s->flag));
		op->done = true;
	} else if (s->flags & IOR_ABI_SQE_DRAIN) {
		set_res(op, -ENOTSUP);
		op->done = true;
	} else {
		set_res(op, do_op(op, s, mem));
		op->done = true;
	}
	/* A link-timeout does not change the chain's fate. */
	if (s->op != IOR_ABI_OP_LINK_TIMEOUT) {
		/* A failed (or cancelled) soft-linked entry cancels the rest. */
		chain->failed = (s->flags & IOR_ABI_SQE_LINK) &&
				(op->cqe.is_err || ior_abi_short(s, op->cqe.value));
	}
	chain->in_chain = (s->flags & (IOR_ABI_SQE_LINK | IOR_ABI_SQE_HARD_LINK)) != 0;
}

static bool ring_ok(uint32_t ring)
{
	return ring > 0 && ring <= LX_RINGS && lx_ring_used[ring];
}

int lx_ring_submit(uint32_t ring, const uint8_t *mem, uint32_t size, uint32_t ptr, uint32_t count)
{
	struct lx_chain chain = {0};
	uint32_t i;

	if (!ring_ok(ring))
		return -EFAULT;
	if ((ptr & 7) || !ior_abi_range_ok(size, ptr, (uint64_t)count * IOR_ABI_SQE_SIZE))
		return -EFAULT;
	for (i = 0; i < count && inflight(0) < LX_OPS; i++) {
		struct ior_abi_sqe s;
		int ret = ior_abi_sqe_decode(mem, size, ptr + i * IOR_ABI_SQE_SIZE, &s);

		lx_run(ring, &s, ret, mem, &chain);
	}
	return (int)i;
}

/* The packed entries of enter; returns how many were queued. */
static uint32_t lx_submit_packed(uint32_t ring, const uint8_t *mem, uint32_t size, uint32_t ptr,
				 uint32_t len)
{
	struct lx_chain chain = {0};
	struct ior_abi_sqe s;
	uint32_t at = 0, n = 0;
	int ret;

	while (inflight(0) < LX_OPS &&
	       (ret = ior_abi_packed_decode(mem, size, ptr, len, &at, &s)) >= 0) {
		lx_run(ring, &s, ret, mem, &chain);
		n++;
	}
	return n;
}

/* Reap up to @max finished ops of @ring in completion order, waiting as complete() does. */
static uint32_t lx_reap(uint32_t ring, uint32_t min, uint32_t max, int has_timeout, uint64_t ns,
			const struct ior_abi_cqe **out, struct lx_op **from)
{
	uint64_t end = has_timeout ? now_ns() + ns : UINT64_MAX;
	uint32_t n = 0;

	if ((uint32_t)inflight(ring) < min)
		min = (uint32_t)inflight(ring);
	for (;;) {
		uint64_t t = now_ns(), next = UINT64_MAX;

		for (int i = 0; i < LX_OPS; i++) {
			struct lx_op *op = &lx_ops[i];

			if (op->used && op->ring == ring && op->timer && !op->done) {
				if (op->deadline <= t) {
					set_res(op, -ETIMEDOUT);
					op->done = true;
				} else if (op->deadline < next) {
					next = op->deadline;
				}
			}
		}
		n = 0;
		for (int i = 0; i < LX_OPS && n < max; i++)
			if (lx_ops[i].used && lx_ops[i].ring == ring && lx_ops[i].done)
				n++;
		if (n >= min || t >= end || next == UINT64_MAX)
			break;
		if (next > end)
			next = end;
		struct timespec ts = {(time_t)((next - t) / 1000000000ull),
				      (long)((next - t) % 1000000000ull)};
		nanosleep(&ts, NULL);
	}
	/* In completion order. */
	for (n = 0; n < max; n++) {
		struct lx_op *best = NULL;

		for (int i = 0; i < LX_OPS; i++) {
			struct lx_op *op = &lx_ops[i];

			if (op->used && op->ring == ring && op->done && op->seq && (!best || op->seq < best->seq))
				best = op;
		}
		if (!best)
			break;
		out[n] = &best->cqe;
		from[n] = best;
		best->seq = 0; /* taken */
	}
	return n;
}

/* Free the ops whose CQEs went to the guest. */
static void lx_retire(struct lx_op **from, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		free(from[i]->buf);
		memset(from[i], 0, sizeof(*from[i]));
	}
}

static const struct ior_abi_cqe *lx_out_cqes[LX_OPS];
static struct lx_op *lx_out_ops[LX_OPS];

int lx_ring_complete(uint32_t ring, uint32_t min, uint32_t max, int has_timeout, uint64_t ns,
		     const struct ior_abi_guest *g, uint32_t retptr)
{
	uint32_t n = 0;
	int written;

	if (ring_ok(ring))
		n = lx_reap(ring, min, max, has_timeout, ns, lx_out_cqes, lx_out_ops);
	written = ior_abi_cqes_write_ptrs(g, lx_out_cqes, n, retptr);

	lx_retire(lx_out_ops, n);
	return written;
}

/* enter: the packed entries as submit, then (max > 0) complete, answered in the packed form. */
int lx_ring_enter(uint32_t ring, const uint8_t *mem, uint32_t size, uint32_t ptr, uint32_t len,
		  uint32_t min, uint32_t max, int has_timeout, uint64_t ns,
		  const struct ior_abi_guest *g, uint32_t retptr)
{
	uint32_t queued = 0, n = 0;
	int ret;

	if (!ior_abi_range_ok(size, ptr, len))
		return -EFAULT;
	if (ring_ok(ring)) {
		queued = lx_submit_packed(ring, mem, size, ptr, len);
		if (max)
			n = lx_reap(ring, min, max, has_timeout, ns, lx_out_cqes, lx_out_ops);
	}
	ret = ior_abi_packed_result_write(g, queued, lx_out_cqes, n, retptr);
	lx_retire(lx_out_ops, n);
	return ret;
}

int lx_register_buffers(uint32_t count, uint32_t size)
{
	uint64_t total = (uint64_t)count * size;

	if (total > (1u << 24))
		return -ENOMEM;
	free(lx_fixed);
	lx_fixed = calloc(1, total ? total : 1);
	lx_fixed_count = count;
	lx_fixed_size = size;
	return 0;
}

int lx_buffer_io(uint32_t buf, uint32_t off, uint8_t *bytes, uint32_t len, int write)
{
	if (buf >= lx_fixed_count || (uint64_t)off + len > lx_fixed_size)
		return -EINVAL;
	if (write)
		memcpy(lx_fixed + (size_t)buf * lx_fixed_size + off, bytes, len);
	else
		memcpy(bytes, lx_fixed + (size_t)buf * lx_fixed_size + off, len);
	return 0;
}
