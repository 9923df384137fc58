/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ior_ring.c - guest rings over RTIO: submit (decode, validate, prepare, chain), complete
 * (RTIO CQEs -> guest CQEs), enter (both, on the packed form), cancel, drop; the descriptor
 * table; the in-flight heap; the inline and work-queue iodevs.
 *
 * Every guest operation is one RTIO SQE on the ring's RTIO context, prepared for one of our
 * iodevs (inline, timer, work queue, socket poller), and every CQE the guest sees is an RTIO
 * CQE consumed from that context. An entry that fails validation still goes through RTIO: it
 * is prepared for the inline iodev with its error preset, so it completes in order and breaks
 * its link chain as a failed operation does.
 *
 * Link chains: entries joined by `link` or `hard-link` are RTIO chains (RTIO_SQE_CHAINED).
 * RTIO 3.4 submits the next entry of a chain whatever the previous result, so a soft `link`
 * is enforced here: an entry whose soft-linked predecessor failed completes with `canceled`
 * without running (and so fails the rest of its chain in turn). Our iodevs always report
 * success to RTIO and carry the operation's own result in struct ior_op, so RTIO versions
 * that cancel chains on error behave the same.
 *
 * Drain: an entry with `drain` (and its chain) is held, not given to RTIO, until every entry
 * given before it has finished (its last completion posted; ring->running counts them), and
 * entries submitted after a held one are held behind it. A lone cancel is never held, and a
 * held entry it cancels is given to RTIO at once (with its chain) to complete `canceled`.
 * Held entries are given to RTIO from the guest's thread, in submit, complete and enter.
 *
 * Locking: completions arrive from the guest thread (inline), the work queue, the socket
 * poller and k_timer expiry; RTIO's completion path and our op state are serialised with
 * irq_lock (nestable: a completion may submit the next chained entry, which may complete
 * inline). Uniprocessor only.
 */
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/rtio/rtio.h>
#include <zephyr/sys/printk.h>

#include "ior_internal.h"

LOG_MODULE_REGISTER(ioring, CONFIG_IORING_LOG_LEVEL);

BUILD_ASSERT(CONFIG_IORING_CQ_ENTRIES >= CONFIG_IORING_RING_ENTRIES,
	     "each operation may hold one unreaped completion");

/* Marks an RTIO CQE posted for a multishot arrival (more completions follow). */
#define IOR_CQE_F_MORE BIT(7)

/* One RTIO context per ring, with room for the cancel slots (ior_internal.h). */
#define IOR_RTIO_DEFINE(i, _)                                                                  \
	RTIO_DEFINE(ior_rtio_##i, CONFIG_IORING_RING_ENTRIES + IOR_CANCEL_SLOTS,               \
		    CONFIG_IORING_CQ_ENTRIES)
#define IOR_RTIO_REF(i, _) &ior_rtio_##i
LISTIFY(CONFIG_IORING_MAX_RINGS, IOR_RTIO_DEFINE, (;));

static struct rtio *const ior_rtios[CONFIG_IORING_MAX_RINGS] = {
	LISTIFY(CONFIG_IORING_MAX_RINGS, IOR_RTIO_REF, (,)),
};

static struct ior_ring ior_rings[CONFIG_IORING_MAX_RINGS];

/* The guest memory of the submit in progress (prepare functions copy from it). */
const uint8_t *ior_submit_mem;

K_HEAP_DEFINE(ior_heap, CONFIG_IORING_INFLIGHT_BYTES);

static struct ior_handle ior_handles[CONFIG_IORING_HANDLES];
static K_MUTEX_DEFINE(ior_handles_lock);

/* The most bytes one read or write moves: a larger request is a short read or write. */
#define IOR_MAX_IO (CONFIG_IORING_INFLIGHT_BYTES / 4)

/* --- the in-flight heap --------------------------------------------------------------- */

void *ior_buf_alloc(size_t len)
{
	return k_heap_alloc(&ior_heap, len ? len : 1, K_NO_WAIT);
}

void ior_buf_free(void *p)
{
	if (p)
		k_heap_free(&ior_heap, p);
}

/* --- the descriptor table --------------------------------------------------------------- */

void ior_handles_reset(void)
{
	k_mutex_lock(&ior_handles_lock, K_FOREVER);
	memset(ior_handles, 0, sizeof(ior_handles));
	for (int i = 0; i < 3 && i < CONFIG_IORING_HANDLES; i++) {
		ior_handles[i].kind = IOR_H_STDIO;
		ior_handles[i].grant = -1;
	}
	k_mutex_unlock(&ior_handles_lock);
}

struct ior_handle *ior_handle_get(uint32_t h, uint32_t kinds)
{
	if (h >= CONFIG_IORING_HANDLES || ior_handles[h].kind == IOR_H_FREE)
		return NULL;
	if (!(kinds & BIT(ior_handles[h].kind)))
		return NULL;
	return &ior_handles[h];
}

int ior_handle_alloc(void)
{
	int ret = -EMFILE;

	k_mutex_lock(&ior_handles_lock, K_FOREVER);
	for (int i = 3; i < CONFIG_IORING_HANDLES; i++) {
		if (ior_handles[i].kind == IOR_H_FREE) {
			memset(&ior_handles[i], 0, sizeof(ior_handles[i]));
			ior_handles[i].kind = IOR_H_DIR; /* reserved; the caller sets the kind */
			ior_handles[i].grant = -1;
			ior_handles[i].fd = -1;
			ret = i;
			break;
		}
	}
	k_mutex_unlock(&ior_handles_lock);
	return ret;
}

void ior_handle_free(uint32_t h)
{
	if (h < 3 || h >= CONFIG_IORING_HANDLES)
		return;
	k_mutex_lock(&ior_handles_lock, K_FOREVER);
	memset(&ior_handles[h], 0, sizeof(ior_handles[h]));
	k_mutex_unlock(&ior_handles_lock);
}

int ior_handle_find_grant(int grant)
{
	for (int i = 3; i < CONFIG_IORING_HANDLES; i++) {
		if (ior_handles[i].kind != IOR_H_FREE && ior_handles[i].grant == grant)
			return i;
	}
	return -1;
}

/* --- completion ------------------------------------------------------------------------- */

static void op_result(struct ior_op *op, int res)
{
	if (op->timed_out && res < 0) {
		res = -ETIMEDOUT;
	}
	op->is_err = res < 0;
	op->value = res < 0 ? ior_abi_errno(-res) : (uint32_t)res;
	op->failed = res < 0 || ior_abi_short(&op->sqe, res);
}

/*
 * Finish @op with @res (a count, or -errno) through RTIO: one RTIO completion, and the next
 * entry of its chain submitted.
 */
static void op_finish(struct ior_op *op, int res)
{
	struct rtio_iodev_sqe *iodev_sqe = op->iodev_sqe;

	op->more = false;
	op->iodev_sqe = NULL;
	atomic_dec(&op->ring->running);
	if (op->lt)
		ior_lt_disarm(op);
	if (iodev_sqe)
		rtio_iodev_sqe_ok(iodev_sqe, res);
}

/*
 * A completion was posted on @ring (by @op): count it, and end the timeouts waiting for a
 * count of completions that it reaches (with 0, as io_uring). As io_uring, timeouts are not
 * counted.
 */
static void count_posted(struct ior_ring *ring, struct ior_op *op)
{
	if (op->sqe.op == IOR_ABI_OP_TIMEOUT)
		return;
	ring->posted++;
	if (!ring->count_timeouts)
		return;
	for (int i = 0; i < IOR_RING_SLOTS; i++) {
		struct ior_op *t = &ring->ops[i];

		if (t->in_use && t->sqe.op == IOR_ABI_OP_TIMEOUT && t->sqe.count && t->iodev_sqe &&
		    ring->posted - t->count_base >= t->sqe.count)
			ior_time_counted(t);
	}
}

void ior_op_done(struct ior_op *op, int res)
{
	unsigned int key = irq_lock();

	if (op->iodev_sqe) {
		op_result(op, res);
		op_finish(op, res);
		count_posted(op->ring, op);
	}
	irq_unlock(key);
}

/* A multishot arrival: a CQE with `more` set; @op stays with its iodev. */
void ior_op_post_more(struct ior_op *op, int res)
{
	unsigned int key = irq_lock();

	op_result(op, res);
	op->failed = false;
	op->more = true;
	op->cqe_pending = true;
	rtio_cqe_submit(op->ring->r, res, op, IOR_CQE_F_MORE);
	count_posted(op->ring, op);
	irq_unlock(key);
}

/* Common start of every iodev submit: cancelled, preset or chain-broken entries end here. */
bool ior_op_begin(struct rtio_iodev_sqe *iodev_sqe, struct ior_op **out)
{
	struct ior_op *op = iodev_sqe->sqe.userdata;

	*out = op;
	op->iodev_sqe = iodev_sqe;
	op->started = true;
	if (op->preset) {
		unsigned int key = irq_lock();

		op->is_err = true;
		op->failed = true;
		op->value = op->preset - 1u;
		op_finish(op, -EINVAL);
		irq_unlock(key);
		return false;
	}
	if (op->canceled || (op->link_prev && op->link_prev->failed)) {
		ior_op_done(op, -ECANCELED);
		return false;
	}
	if (op->lt)
		ior_lt_arm(op);
	return true;
}

/* --- the inline iodev: nop, cancel, entries that failed validation ----------------------- */

static void inline_submit(struct rtio_iodev_sqe *iodev_sqe)
{
	struct ior_op *op;
	int res = 0;

	if (!ior_op_begin(iodev_sqe, &op))
		return;
	switch (op->sqe.op) {
	case IOR_ABI_OP_NOP:
		res = 0;
		break;
	case IOR_ABI_OP_CANCEL:
		res = ior_ops_cancel(op->ring, op->sqe.count, op->sqe.flag);
		break;
	default:
		res = -ENOTSUP;
		break;
	}
	ior_op_done(op, res);
}

static const struct rtio_iodev_api ior_iodev_inline_api = {.submit = inline_submit};
RTIO_IODEV_DEFINE(ior_iodev_inline, &ior_iodev_inline_api, NULL);
RTIO_IODEV_DEFINE(ior_iodev_timer, &ior_iodev_timer_api, NULL);

/* --- the work-queue iodev: blocking calls on a thread of ours ------------------------------ */

static K_THREAD_STACK_DEFINE(ior_wq_stack, CONFIG_IORING_WORKQ_STACK_SIZE);
static struct k_work_q ior_wq;

static void wq_handler(struct k_work *work)
{
	struct ior_op *op = CONTAINER_OF(work, struct ior_op, work);
	int res;

	if (op->canceled) {
		res = -ECANCELED;
	} else {
		switch (op->family) {
		case IOR_FAM_WQ:
			res = ior_fs_run(op);
			break;
#ifdef CONFIG_IORING_NET
		case IOR_FAM_NET:
			res = ior_net_run_wq(op);
			break;
#endif
		case IOR_FAM_DEV:
			res = ior_dev_run(op);
			if (res == -EINPROGRESS)
				return; /* a UART read with nothing yet: it polls again */
			break;
		default:
			res = -ENOTSUP;
			break;
		}
	}
	ior_op_done(op, res);
}

static void wq_submit(struct rtio_iodev_sqe *iodev_sqe)
{
	struct ior_op *op;

	if (!ior_op_begin(iodev_sqe, &op))
		return;
	k_work_init(&op->work, wq_handler);
	k_work_submit_to_queue(&ior_wq, &op->work);
}

const struct rtio_iodev_api ior_iodev_wq_api = {.submit = wq_submit};
RTIO_IODEV_DEFINE(ior_iodev_wq, &ior_iodev_wq_api, NULL);
#ifdef CONFIG_IORING_NET
RTIO_IODEV_DEFINE(ior_iodev_net, &ior_iodev_net_api, NULL);
#endif
#ifdef CONFIG_IORING_GPIO
RTIO_IODEV_DEFINE(ior_iodev_gpio, &ior_iodev_gpio_api, NULL);
#endif
/* Devices without RTIO support of their own: the blocking driver call on the work queue. */
RTIO_IODEV_DEFINE(ior_iodev_dev, &ior_iodev_wq_api, NULL);

/* Work-queue jobs of the socket family (setup calls) go through the same queue. */
void ior_wq_submit(struct ior_op *op)
{
	k_work_init(&op->work, wq_handler);
	k_work_submit_to_queue(&ior_wq, &op->work);
}

/* --- cancellation ---------------------------------------------------------------------- */

/*
 * Ask @op to end with `canceled`. One not yet started ends when its iodev takes it; a timer
 * or a socket wait ends now; a blocking call already running on the work queue finishes.
 */
bool ior_cancel_pending(struct ior_op *op)
{
	op->canceled = true;
	if (!op->started || !op->iodev_sqe)
		return false;
	switch (op->family) {
	case IOR_FAM_TIMER:
		return ior_time_cancel(op);
#ifdef CONFIG_IORING_NET
	case IOR_FAM_NET:
		return ior_net_cancel(op);
#endif
#ifdef CONFIG_IORING_GPIO
	case IOR_FAM_GPIO:
		return ior_gpio_cancel(op);
#endif
	default:
		return false;
	}
}

int ior_ops_cancel(struct ior_ring *ring, uint32_t target, bool all)
{
	int n = 0;

	for (int i = 0; i < IOR_RING_SLOTS; i++) {
		struct ior_op *op = &ring->ops[i];

		if (!op->in_use || op->sqe.user_data != target || op->canceled ||
		    op->sqe.op == IOR_ABI_OP_CANCEL || (op->started && !op->iodev_sqe))
			continue;
		ior_cancel_pending(op);
		n++;
		if (!all)
			break;
	}
	return n ? n : -ENOENT;
}

/* --- rings ------------------------------------------------------------------------------ */

static struct ior_ring *ring_get(uint32_t idx)
{
	if (idx == 0 || idx > CONFIG_IORING_MAX_RINGS || !ior_rings[idx - 1].in_use)
		return NULL;
	return &ior_rings[idx - 1];
}

int ior_ring_create(uint32_t entries)
{
	if (entries > CONFIG_IORING_RING_ENTRIES)
		return -EINVAL;
	for (int i = 0; i < CONFIG_IORING_MAX_RINGS; i++) {
		struct ior_ring *ring = &ior_rings[i];

		if (!ring->in_use) {
			struct rtio *r = ior_rtios[i];

			memset(ring, 0, sizeof(*ring));
			ring->in_use = true;
			ring->r = r;
			for (int k = 0; k < IOR_RING_SLOTS; k++)
				ring->free[k] = (uint16_t)(IOR_RING_SLOTS - 1 - k);
			ring->nfree = IOR_RING_SLOTS;
			return i + 1;
		}
	}
	return -ENOMEM;
}

/* A timeout that ends after a count of completions (count_posted looks for these). */
static bool op_counts(const struct ior_op *op)
{
	return op->sqe.op == IOR_ABI_OP_TIMEOUT && op->sqe.count;
}

static void op_release(struct ior_ring *ring, struct ior_op *op)
{
	if (op->fixed_held)
		ring->fixed_busy--;
	if (op_counts(op))
		ring->count_timeouts--;
	ior_buf_free(op->buf);
	op->buf = NULL;
	op->in_use = false;
	ring->inflight--;
	ring->free[ring->nfree++] = (uint16_t)(op - ring->ops);
}

/* A free slot, cleared for a new operation (its sqe is left to decoding). */
static struct ior_op *op_alloc(struct ior_ring *ring)
{
	struct ior_op *op;

	if (!ring->nfree)
		return NULL;
	op = &ring->ops[ring->free[--ring->nfree]];
	/* Word stores (ior_abi_zero), not memset: this runs per entry. */
	BUILD_ASSERT(offsetof(struct ior_op, ring) % 8 == 0 && offsetof(struct ior_op, work) % 8 == 0);
	ior_abi_zero(&op->ring, offsetof(struct ior_op, work) - offsetof(struct ior_op, ring));
	op->in_use = true;
	op->ring = ring;
	ring->inflight++;
	return op;
}

/* Decide where @op runs and prepare it (copy bytes in, check handles). Returns -errno. */
static int op_prepare(struct ior_op *op)
{
	const struct ior_abi_sqe *s = &op->sqe;
	struct ior_handle *h;

	switch ((enum ior_abi_op)s->op) {
	case IOR_ABI_OP_NOP:
	case IOR_ABI_OP_CANCEL:
		op->family = IOR_FAM_INLINE;
		return 0;
	case IOR_ABI_OP_TIMEOUT:
	case IOR_ABI_OP_LINK_TIMEOUT:
		op->family = IOR_FAM_TIMER;
		return 0;
	case IOR_ABI_OP_READ:
	case IOR_ABI_OP_WRITE:
	case IOR_ABI_OP_READ_FIXED:
	case IOR_ABI_OP_WRITE_FIXED:
	case IOR_ABI_OP_CLOSE:
	case IOR_ABI_OP_FSYNC:
		h = ior_handle_get(s->fd, BIT(IOR_H_STDIO) | BIT(IOR_H_DIR) | BIT(IOR_H_FILE) |
					  BIT(IOR_H_SOCKET) | BIT(IOR_H_DEVICE) | BIT(IOR_H_GPIO));
		if (!h)
			return -EBADF;
#ifdef CONFIG_IORING_GPIO
		if (h->kind == IOR_H_GPIO) {
			/* A GPIO line takes close (its release); reads and writes are no line's. */
			if (s->op != IOR_ABI_OP_CLOSE)
				return -EBADF;
			op->family = IOR_FAM_GPIO;
			return ior_gpio_prepare(op);
		}
#endif
#ifdef CONFIG_IORING_NET
		if (h->kind == IOR_H_SOCKET) {
			op->family = IOR_FAM_NET;
			return ior_net_prepare(op);
		}
#endif
		if (h->kind == IOR_H_DEVICE) {
			/* Devices take close, and a UART read and write (ior_ops_dev.c). */
			if (s->op != IOR_ABI_OP_CLOSE && s->op != IOR_ABI_OP_READ &&
			    s->op != IOR_ABI_OP_WRITE)
				return -ENOTSUP;
			op->family = IOR_FAM_DEV;
			return ior_dev_prepare(op);
		}
		op->family = IOR_FAM_WQ;
		return ior_fs_prepare(op);
	case IOR_ABI_OP_OPENAT:
	case IOR_ABI_OP_STATX:
	case IOR_ABI_OP_FTRUNCATE:
	case IOR_ABI_OP_MKDIRAT:
	case IOR_ABI_OP_UNLINKAT:
	case IOR_ABI_OP_RENAMEAT:
		op->family = IOR_FAM_WQ;
		return IS_ENABLED(CONFIG_IORING_FS) ? ior_fs_prepare(op) : -ENOTSUP;
	case IOR_ABI_OP_SEND:
	case IOR_ABI_OP_RECV:
	case IOR_ABI_OP_RECV_MULTISHOT:
	case IOR_ABI_OP_RECVMSG:
	case IOR_ABI_OP_SENDMSG:
	case IOR_ABI_OP_ACCEPT:
	case IOR_ABI_OP_ACCEPT_MULTISHOT:
	case IOR_ABI_OP_CONNECT:
	case IOR_ABI_OP_SOCKET:
	case IOR_ABI_OP_BIND:
	case IOR_ABI_OP_LISTEN:
	case IOR_ABI_OP_SET_OPTION:
	case IOR_ABI_OP_SHUTDOWN:
	case IOR_ABI_OP_LOCAL_ADDRESS:
	case IOR_ABI_OP_POLL:
#ifdef CONFIG_IORING_NET
		op->family = IOR_FAM_NET;
		return ior_net_prepare(op);
#else
		return -ENOTSUP;
#endif
	case IOR_ABI_OP_SPI_TRANSFER:
	case IOR_ABI_OP_I2C_TRANSFER:
		op->family = IOR_FAM_DEV;
		return ior_dev_prepare(op);
	case IOR_ABI_OP_TTY_CONFIGURE:
		op->family = IOR_FAM_DEV;
		return ior_dev_prepare(op);
	case IOR_ABI_OP_GPIO_REQUEST:
	case IOR_ABI_OP_GPIO_GET:
	case IOR_ABI_OP_GPIO_SET:
	case IOR_ABI_OP_GPIO_EDGES:
#ifdef CONFIG_IORING_GPIO
		op->family = IOR_FAM_GPIO;
		return ior_gpio_prepare(op);
#else
		/* No GPIO in this image: a request names no chip; a line op no line. */
		if (s->op == IOR_ABI_OP_GPIO_REQUEST) {
			h = ior_handle_get(s->fd, ~0u);
			return !h ? -EBADF : h->kind != IOR_H_DEVICE ? -EACCES : -ENOTTY;
		}
		return -EBADF;
#endif
	case IOR_ABI_OP_COUNT:
		break;
	}
	return -EINVAL;
}

static const struct rtio_iodev *family_iodev(uint8_t family)
{
	switch (family) {
	case IOR_FAM_TIMER:
		return &ior_iodev_timer;
	case IOR_FAM_WQ:
		return &ior_iodev_wq;
	case IOR_FAM_DEV:
		return &ior_iodev_dev;
#ifdef CONFIG_IORING_NET
	case IOR_FAM_NET:
		return &ior_iodev_net;
#endif
#ifdef CONFIG_IORING_GPIO
	case IOR_FAM_GPIO:
		return &ior_iodev_gpio;
#endif
	default:
		return &ior_iodev_inline;
	}
}

/* Give @op to RTIO, after @prev of its chain (or NULL). */
static void op_queue(struct ior_ring *ring, struct ior_op *op, struct ior_op *prev)
{
	op->rsqe = rtio_sqe_acquire(ring->r);
	__ASSERT_NO_MSG(op->rsqe);
	if (op->sqe.op == IOR_ABI_OP_READ || op->sqe.op == IOR_ABI_OP_RECV)
		rtio_sqe_prep_read(op->rsqe, family_iodev(op->family), RTIO_PRIO_NORM, op->buf,
				   op->buf_len, op);
	else if (op->sqe.op == IOR_ABI_OP_WRITE || op->sqe.op == IOR_ABI_OP_SEND)
		rtio_sqe_prep_write(op->rsqe, family_iodev(op->family), RTIO_PRIO_NORM, op->buf,
				    op->buf_len, op);
	else
		rtio_sqe_prep_nop(op->rsqe, family_iodev(op->family), op);
	if (prev) {
		if (op->sqe.op == IOR_ABI_OP_LINK_TIMEOUT && !op->preset) {
			/* Not an RTIO successor: it runs beside the entry it guards, and what
			 * follows it waits for both. */
			op->guarded = prev;
			prev->lt = op;
			op->link_prev = prev->link_prev;
		} else {
			prev->rsqe->flags |= RTIO_SQE_CHAINED;
			if (prev->sqe.flags & IOR_ABI_SQE_LINK)
				op->link_prev = prev->guarded ? prev->guarded : prev;
		}
	}
	atomic_inc(&ring->running);
	ring->queued++;
}

/* Give held chain @at (its first entry's index in ring->held) to RTIO. */
static void held_queue(struct ior_ring *ring, uint32_t at)
{
	struct ior_op *prev = NULL;
	uint32_t end = at;

	while (end < ring->nheld && !ring->held[end]->chain_end)
		end++;
	end = MIN(end + 1, ring->nheld);
	for (uint32_t k = at; k < end; k++) {
		op_queue(ring, ring->held[k], prev);
		prev = ring->held[k];
	}
	memmove(&ring->held[at], &ring->held[end], (ring->nheld - end) * sizeof(ring->held[0]));
	ring->nheld -= end - at;
}

/*
 * Give RTIO the held entries that may go: chains a cancel asked to end; and once everything
 * given before has finished, the drain chain at the front (what follows waits for it), or
 * the chains that followed a drain that has finished, up to the next drain.
 */
static void ring_release(struct ior_ring *ring)
{
	for (uint32_t k = 0; k < ring->nheld;) {
		if (ring->held[k]->canceled && (k == 0 || ring->held[k - 1]->chain_end))
			held_queue(ring, k);
		else
			k++;
	}
	if (!ring->nheld || atomic_get(&ring->running))
		return;
	if (ring->held[0]->sqe.flags & IOR_ABI_SQE_DRAIN) {
		held_queue(ring, 0);
		return;
	}
	while (ring->nheld && !(ring->held[0]->sqe.flags & IOR_ABI_SQE_DRAIN))
		held_queue(ring, 0);
}

/*
 * The entries one call submits, in guest memory @mem (@size bytes) at @ptr, checked to lie
 * inside it: `submit`'s list of records (@len entries, found by index) or `enter`'s packed
 * list (@len bytes, found by byte offset).
 */
struct sqe_list {
	const uint8_t *mem;
	uint32_t size;
	uint32_t ptr;
	uint32_t len;
	bool packed;
};

/*
 * The entry at @at, undecoded: its op and flags (a record's as they are: decoding judges
 * them), and where the next entry is; 0 when there is none.
 */
static inline uint32_t list_peek(const struct sqe_list *l, uint32_t at, uint8_t *op,
				 uint8_t *flags)
{
	const uint8_t *e;

	if (l->packed)
		return ior_abi_packed_peek(l->mem + l->ptr, l->len, at, op, flags);
	if (at >= l->len)
		return 0;
	e = l->mem + l->ptr + at * IOR_ABI_SQE_SIZE;
	*op = e[0];
	*flags = e[IOR_ABI_SQE_FLAGS];
	return at + 1;
}

/* Decode the entry at *@at into @s and move *@at to the next. Returns as ior_abi_sqe_decode. */
static inline int list_decode(const struct sqe_list *l, uint32_t *at, struct ior_abi_sqe *s)
{
	if (l->packed)
		return ior_abi_packed_decode(l->mem, l->size, l->ptr, l->len, at, s);
	return ior_abi_sqe_decode(l->mem, l->size, l->ptr + (*at)++ * IOR_ABI_SQE_SIZE, s);
}

/*
 * The link chain from entry @at (its last entry has no link flag, or is the list's last):
 * its length in entries, its first entry's op in @first, and where the entry after it is in
 * @end.
 */
static uint32_t chain_len(const struct sqe_list *l, uint32_t at, uint8_t *first, uint32_t *end)
{
	uint32_t n = 0, next;
	uint8_t op, flags;

	while ((next = list_peek(l, at, &op, &flags)) != 0) {
		if (!n)
			*first = op;
		n++;
		at = next;
		if (!(flags & (IOR_ABI_SQE_LINK | IOR_ABI_SQE_HARD_LINK)))
			break;
	}
	*end = at;
	return n;
}

/* Decode, prepare and queue (or hold) the @n entries of one link chain, from entry @at. */
static void chain_submit(struct ior_ring *ring, const struct sqe_list *l, uint32_t at,
			 uint32_t n)
{
	struct ior_op *prev = NULL;

	for (uint32_t k = 0; k < n; k++) {
		struct ior_op *op = op_alloc(ring);
		int ret = list_decode(l, &at, &op->sqe);

		if (op_counts(op))
			ring->count_timeouts++;
		if (ret > 0) {
			op->preset = (uint8_t)ret;
		} else {
			if (op->sqe.op == IOR_ABI_OP_LINK_TIMEOUT) {
				/* Guards the entry before it, which must carry `link`. */
				if (!prev || !(prev->sqe.flags & IOR_ABI_SQE_LINK) ||
				    prev->sqe.op == IOR_ABI_OP_LINK_TIMEOUT || prev->lt)
					ret = -EINVAL;
			}
			if (!ret)
				ret = op_prepare(op);
			if (ret < 0)
				op->preset = 1 + ior_abi_errno(-ret);
		}
		op->chain_end = k == n - 1;
		/* Held behind a drain (or as one), unless a lone cancel. */
		if (ring->nheld || ((op->sqe.flags & IOR_ABI_SQE_DRAIN) && k == 0 &&
				    atomic_get(&ring->running))) {
			if (!(n == 1 && op->sqe.op == IOR_ABI_OP_CANCEL)) {
				ring->held[ring->nheld++] = op;
				continue;
			}
		}
		op_queue(ring, op, prev);
		prev = op;
	}
}

/* Queue the entries of @l on @ring, whole link chains only; returns how many were taken. */
static uint32_t ring_submit(struct ior_ring *ring, const struct sqe_list *l)
{
	uint32_t at = 0, end, n, taken = 0;
	uint8_t first;

	ior_submit_mem = l->mem;
	while ((n = chain_len(l, at, &first, &end)) != 0) {
		/* A link chain goes whole or not at all. A lone cancel may take a cancel slot,
		 * so that a full ring can still be told to cancel (as the Linux host). */
		if (ring->inflight + n > CONFIG_IORING_RING_ENTRIES &&
		    !(n == 1 && ring->inflight < IOR_RING_SLOTS && first == IOR_ABI_OP_CANCEL))
			break;
		chain_submit(ring, l, at, n);
		taken += n;
		at = end;
	}
	ring_release(ring);
	return taken;
}

int ior_ring_submit(uint32_t idx, const uint8_t *mem, uint32_t size, uint32_t ptr, uint32_t count)
{
	const struct sqe_list l = {.mem = mem, .size = size, .ptr = ptr, .len = count};
	struct ior_ring *ring = ring_get(idx);

	if ((ptr & (IOR_ABI_SQE_ALIGN - 1)) ||
	    !ior_abi_range_ok(size, ptr, (uint64_t)count * IOR_ABI_SQE_SIZE))
		return -EFAULT; /* the guest's glue is broken: trap */
	if (!ring)
		return 0; /* a dropped ring takes nothing */
	return (int)ring_submit(ring, &l);
}

/*
 * Collected CQEs of one complete() or enter() call: what to write to the guest (a finished
 * op's own detail, filled in; a copy for a multishot arrival, as the op goes on), and the
 * finished ops they came from.
 */
static const struct ior_abi_cqe *ior_cqe_out[CONFIG_IORING_CQ_ENTRIES];
static struct ior_op *ior_cqe_ops[CONFIG_IORING_CQ_ENTRIES];
static struct ior_abi_cqe ior_cqe_more[CONFIG_IORING_CQ_ENTRIES];

/* Fill in CQE @c (@op's detail itself, or a copy of it) from @op's result. */
static void cqe_fill(struct ior_abi_cqe *c, struct ior_op *op, bool more)
{
	if (c != &op->detail)
		*c = op->detail;
	c->user_data = op->sqe.user_data;
	c->is_err = op->is_err;
	c->value = op->value;
	c->more = more;
	c->data = op->out_len && !op->is_err ? op->buf : NULL;
	c->data_len = c->data ? op->out_len : 0;
	if (op->is_err)
		c->detail = IOR_ABI_DETAIL_NONE;
}

static void ring_kick(struct ior_ring *ring)
{
	ring_release(ring);
	if (ring->queued) {
		ring->queued = 0;
		rtio_submit(ring->r, 0);
	}
}

/* Take up to @max RTIO CQEs, waiting until @min have come or @timeout passes. */
static uint32_t ring_reap(struct ior_ring *ring, uint32_t min, uint32_t max, k_timeout_t timeout)
{
	k_timepoint_t end = sys_timepoint_calc(timeout);
	uint32_t n = 0;

	if (max > ARRAY_SIZE(ior_cqe_ops))
		max = ARRAY_SIZE(ior_cqe_ops);
	while (n < max) {
		struct rtio_cqe *rc = rtio_cqe_consume(ring->r);
		struct ior_op *op;

		if (!rc) {
			if (ring->nheld) {
				/* Finished entries may let held ones go. */
				ring_kick(ring);
				rc = rtio_cqe_consume(ring->r);
			}
		}
		if (!rc) {
			if (n >= min)
				break;
			if (k_sem_take(ring->r->consume_sem, sys_timepoint_timeout(end)) != 0)
				break;
			k_sem_give(ring->r->consume_sem);
			continue;
		}
		op = rc->userdata;
		if (rc->flags & IOR_CQE_F_MORE) {
			cqe_fill(&ior_cqe_more[n], op, true);
			ior_cqe_out[n] = &ior_cqe_more[n];
			ior_cqe_ops[n] = NULL; /* the op goes on */
			op->cqe_pending = false;
			op->rearm = true; /* once its payload is in the guest */
			ring->rearms++;
		} else {
			/* A CQE RTIO made itself (an entry it cancelled) has no result of ours. */
			if (!op->started) {
				unsigned int key = irq_lock();

				op_result(op, rc->result);
				atomic_dec(&ring->running);
				irq_unlock(key);
			}
			cqe_fill(&op->detail, op, false);
			ior_cqe_out[n] = &op->detail;
			ior_cqe_ops[n] = op;
		}
		rtio_cqe_release(ring->r, rc);
		n++;
	}
	return n;
}

/* After the CQEs went to the guest: free finished ops, let multishot ones go on. */
static void ring_retire(struct ior_ring *ring, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct ior_op *op = ior_cqe_ops[i];

		if (op) {
			op_release(ring, op);
		}
	}
	/* Multishot ops whose arrival the guest now holds may produce the next one. */
	if (!ring->rearms)
		return;
	ring->rearms = 0;
	for (int i = 0; i < IOR_RING_SLOTS; i++) {
		struct ior_op *op = &ring->ops[i];

		if (op->in_use && op->rearm) {
			op->rearm = false;
#ifdef CONFIG_IORING_GPIO
			if (op->family == IOR_FAM_GPIO) {
				ior_gpio_reaped(op);
				continue;
			}
#endif
#ifdef CONFIG_IORING_NET
			ior_net_reaped(op);
#endif
		}
	}
}

/*
 * Send what is queued and reap up to @max CQEs into ior_cqe_out, waiting until @min (capped
 * at the operations in flight) have come or the timeout passes. Returns how many.
 */
static uint32_t ring_wait(struct ior_ring *ring, uint32_t min, uint32_t max, bool has_timeout,
			  uint64_t timeout_ns)
{
	k_timeout_t timeout = K_FOREVER;

	ring_kick(ring);
	if (min > ring->inflight)
		min = ring->inflight;
	if (has_timeout)
		timeout = timeout_ns ? K_NSEC(timeout_ns) : K_NO_WAIT;
	return ring_reap(ring, min, max, timeout);
}

int ior_ring_complete(uint32_t idx, uint32_t min, uint32_t max, bool has_timeout,
		      uint64_t timeout_ns, const struct ior_abi_guest *g, uint32_t retptr)
{
	struct ior_ring *ring = ring_get(idx);
	uint32_t n = ring ? ring_wait(ring, min, max, has_timeout, timeout_ns) : 0;
	int written = ior_abi_cqes_write_ptrs(g, ior_cqe_out, n, retptr);

	if (ring)
		ring_retire(ring, n);
	return written < 0 ? -EFAULT : written;
}

int ior_ring_enter(uint32_t idx, const struct ior_abi_guest *g, uint32_t ptr, uint32_t len,
		   uint32_t min, uint32_t max, bool has_timeout, uint64_t timeout_ns,
		   uint32_t retptr)
{
	struct ior_ring *ring = ring_get(idx);
	uint32_t size, queued = 0, n = 0;
	const uint8_t *mem = g->mem(g->ctx, &size);
	const struct sqe_list l = {
		.mem = mem, .size = size, .ptr = ptr, .len = len, .packed = true,
	};
	int ret;

	if (!ior_abi_range_ok(size, ptr, len))
		return -EFAULT; /* the guest's glue is broken: trap */
	if (ring) {
		queued = ring_submit(ring, &l);
		/* With max 0 it only queues, as submit: nothing goes to RTIO yet. */
		if (max)
			n = ring_wait(ring, min, max, has_timeout, timeout_ns);
	}
	ret = ior_abi_packed_result_write(g, queued, ior_cqe_out, n, retptr);
	if (ring)
		ring_retire(ring, n);
	return ret == -1 ? -EFAULT : ret < 0 ? -ENOMEM : 0;
}

void ior_ring_drop(uint32_t idx)
{
	struct ior_ring *ring = ring_get(idx);

	if (!ring)
		return;
	for (int i = 0; i < IOR_RING_SLOTS; i++) {
		if (ring->ops[i].in_use)
			ior_cancel_pending(&ring->ops[i]);
	}
	ring_kick(ring);
	/* Reap until nothing is in flight; a blocking call on the work queue finishes first. */
	while (ring->inflight) {
		uint32_t n = ring_reap(ring, 1, ARRAY_SIZE(ior_cqe_ops), K_SECONDS(5));

		if (!n) {
			LOG_ERR("ring %u: %u operations did not finish", idx, ring->inflight);
			break;
		}
		ring_retire(ring, n);
		for (int i = 0; i < IOR_RING_SLOTS; i++) {
			if (ring->ops[i].in_use && !ring->ops[i].canceled)
				ior_cancel_pending(&ring->ops[i]);
		}
	}
	ior_buf_free(ring->fixed.mem);
	ring->in_use = false;
}

void ior_rings_drop_all(void)
{
	for (int i = 0; i < CONFIG_IORING_MAX_RINGS; i++) {
		if (ior_rings[i].in_use)
			ior_ring_drop(i + 1);
	}
}

/* --- fixed buffers ---------------------------------------------------------------------- */

int ior_ring_register_buffers(uint32_t idx, uint32_t count, uint32_t size)
{
	struct ior_ring *ring = ring_get(idx);
	uint64_t total = (uint64_t)count * size;
	uint8_t *mem = NULL;

	if (!ring)
		return -EBADF;
	if (ring->fixed_busy)
		return -EBUSY;
	if (total > CONFIG_IORING_FIXED_BUFFER_BYTES)
		return -ENOMEM;
	if (total) {
		mem = ior_buf_alloc((size_t)total);
		if (!mem)
			return -ENOMEM;
		memset(mem, 0, (size_t)total);
	}
	ior_buf_free(ring->fixed.mem);
	ring->fixed.mem = mem;
	ring->fixed.count = count;
	ring->fixed.size = size;
	return 0;
}

/* The fixed buffer range [off, off+len) of buffer @buf, or NULL. */
uint8_t *ior_ring_fixed(struct ior_ring *ring, uint32_t buf, uint32_t off, uint32_t len)
{
	if (!ring || buf >= ring->fixed.count || (uint64_t)off + len > ring->fixed.size)
		return NULL;
	return ring->fixed.mem + (size_t)buf * ring->fixed.size + off;
}

int ior_ring_buffer_io(uint32_t idx, uint32_t buf, uint32_t off, uint8_t *bytes, uint32_t len,
		       bool write)
{
	struct ior_ring *ring = ring_get(idx);
	uint8_t *p = ior_ring_fixed(ring, buf, off, len);

	if (!ring)
		return -EBADF;
	if (!p)
		return -EINVAL;
	if (write)
		memcpy(p, bytes, len);
	else
		memcpy(bytes, p, len);
	return 0;
}

uint32_t ior_ring_max_io(void)
{
	return IOR_MAX_IO;
}

static int ior_ring_init(void)
{
	k_work_queue_start(&ior_wq, ior_wq_stack, K_THREAD_STACK_SIZEOF(ior_wq_stack),
			   K_PRIO_PREEMPT(2), NULL);
	k_thread_name_set(&ior_wq.thread, "ioring_wq");
	ior_handles_reset();
	return 0;
}

SYS_INIT(ior_ring_init, APPLICATION, CONFIG_APPLICATION_INIT_PRIORITY);
