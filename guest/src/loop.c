/*
 * loop.c - the callback event loop: one ior_op per callback, dispatch of each CQE to its op,
 * periodic timers re-armed by the loop, cancellation by op.
 *
 * Every SQE of a loop carries its op's address as user data (0 for SQEs whose completions
 * nobody wants, such as the loop's own cancels), and is counted in loop->pending until its
 * last CQE (more == false) has been dispatched: that count is what "idle" means.
 */
#include <stdlib.h>

#include "ioring.h"
#include "internal.h"

/* The most CQEs one loop turn takes from the host, per SQE the local batch holds. */
#define CQ_PER_SQ 2

/* A CQE batch whose payloads queued SQEs may still point into. */
struct __ior_held {
	ioring_ring_ring_list_cqe_t list;
	struct __ior_held *next;
	unsigned until;	/* free once this many of the loop's SQEs have gone to the host */
};

int ior_loop_init(struct ior_loop *loop, unsigned entries)
{
	loop->pending = 0;
	loop->stopped = false;
	loop->held = NULL;
	loop->queued = 0;
	return ior_ring_init(&loop->ring, entries);
}

/*
 * Free the held batches that nothing queued can point into any more: the SQEs queued before
 * each was retired have all gone to the host (the queue leaves in order). With @all, every
 * one. A batch is never kept longer than that: under a load that never lets the queue empty,
 * waiting for an empty queue kept every batch.
 */
static void __ior_loop_release(struct ior_loop *loop, bool all)
{
	unsigned sent = loop->queued - loop->ring.sq_len;
	struct __ior_held **link = &loop->held, *h;

	while ((h = *link)) {
		/* Wrapping counts: sent has reached h->until when the difference is "small". */
		if (all || sent - h->until < 0x80000000u) {
			*link = h->next;
			__ior_cqes_release(h->list.ptr, h->list.len);
			free(h);
		} else {
			link = &h->next;
		}
	}
}

/*
 * Done with a dispatched batch: send what its callbacks queued, which may point into its
 * payloads, then free it; if the host did not take everything (its in-flight limit), hold it
 * until a later submit drains the queue.
 */
static void __ior_loop_retire(struct ior_loop *loop, ioring_ring_ring_list_cqe_t *list)
{
	struct __ior_held *h;

	ior_submit(&loop->ring);
	__ior_loop_release(loop, false);
	if (!loop->ring.sq_len) {
		__ior_cqes_release(list->ptr, list->len);
		return;
	}
	h = malloc(sizeof(*h));
	if (!h) {
		/* Cannot keep it: losing the bytes beats leaking the batch on every turn. */
		__ior_cqes_release(list->ptr, list->len);
		return;
	}
	h->list = *list;
	h->until = loop->queued;
	h->next = loop->held;
	loop->held = h;
}

void ior_loop_exit(struct ior_loop *loop)
{
	ior_ring_exit(&loop->ring);
	__ior_loop_release(loop, true);
	loop->pending = 0;
}

/*
 * Doubles the local batch: the host is at its in-flight limit (or a chain being built fills
 * the batch), so what the app asks for waits here, in order, and goes as operations complete.
 * Returning NULL instead would leave the app to find a moment to retry, which a server whose
 * every slot holds a multishot receive never gets: a burst of connections then stranded
 * their echoes and leaked their descriptors.
 */
static bool __ior_loop_grow(struct ior_ring *ring)
{
	unsigned cap = ring->sq_cap * 2;
	ior_sqe_t *sq = cap > ring->sq_cap ? realloc(ring->sq, cap * sizeof(*sq)) : NULL;

	if (!sq)
		return false;
	ring->sq = sq;
	ring->sq_cap = cap;
	return true;
}

/*
 * An SQE counted as pending, flushing a full batch to make room. Links hold only within one
 * submitted batch, so a chain still being built at the end of the batch (its last SQE links
 * to the next) stays behind while everything before it goes. When nothing can go, the batch
 * grows. NULL: out of memory.
 */
static ior_sqe_t *__ior_loop_sqe(struct ior_loop *loop)
{
	struct ior_ring *ring = &loop->ring;
	ior_sqe_t *sqe = ior_get_sqe(ring);

	if (!sqe) {
		unsigned open = ring->sq_len;

		while (open && ring->sq[open - 1].flags & (IOR_SQE_LINK | IOR_SQE_HARD_LINK))
			open--;
		__ior_submit_n(ring, open);
		sqe = ior_get_sqe(ring);
		if (!sqe && __ior_loop_grow(ring))
			sqe = ior_get_sqe(ring);
		if (!sqe)
			return NULL;
	}
	loop->pending++;
	loop->queued++;
	return sqe;
}

ior_sqe_t *ior_loop_get_sqe(struct ior_loop *loop, struct ior_op *op)
{
	ior_sqe_t *sqe = __ior_loop_sqe(loop);

	if (!sqe || !op)
		return sqe;
	if (!op->inflight) {
		/* A fresh use of the op: forget a cancel or a period from its last use. */
		op->flags = 0;
		op->period_ns = 0;
	}
	op->inflight++;
	ior_sqe_set_data(sqe, op);
	return sqe;
}

int ior_loop_timer(struct ior_loop *loop, struct ior_op *op, uint64_t ns)
{
	ior_sqe_t *sqe = ior_loop_get_sqe(loop, op);

	if (!sqe)
		return -IOR_EAGAIN;
	ior_prep_timeout(sqe, ns, 0);
	return 0;
}

int ior_loop_timer_periodic(struct ior_loop *loop, struct ior_op *op, uint64_t period_ns)
{
	int ret = ior_loop_timer(loop, op, period_ns);

	if (ret == 0)
		op->period_ns = period_ns;
	return ret;
}

int ior_loop_cancel(struct ior_loop *loop, struct ior_op *op)
{
	ior_sqe_t *sqe;

	if (!op->inflight)
		return -IOR_ENOENT;
	/* Queued after the op's own SQEs, so the host sees them before the cancel. */
	sqe = __ior_loop_sqe(loop);
	if (!sqe)
		return -IOR_EAGAIN;
	ior_prep_cancel(sqe, op, IOR_CANCEL_ALL);
	op->flags |= __IOR_OP_CANCELED;
	return 0;
}

/* Queue the next period of timer @op in place of the one that just expired. */
static bool __ior_loop_rearm(struct ior_loop *loop, struct ior_op *op)
{
	ior_sqe_t *sqe = __ior_loop_sqe(loop);

	if (!sqe)
		return false;
	ior_sqe_set_data(sqe, op);
	ior_prep_timeout(sqe, op->period_ns, 0);
	return true;
}

static void __ior_loop_dispatch(struct ior_loop *loop, ior_cqe_t *cqe)
{
	struct ior_op *op = ior_cqe_get_data(cqe);

	if (!cqe->more && loop->pending)
		loop->pending--;
	if (!op)
		return;
	if (!cqe->more) {
		/* Re-arm a periodic timer before its callback, so the callback can cancel it. */
		if (op->period_ns && !(op->flags & __IOR_OP_CANCELED) &&
		    ior_cqe_res(cqe) == -IOR_ETIMEDOUT && __ior_loop_rearm(loop, op))
			cqe->more = true;
		else
			op->inflight--;
	}
	/* The op may be freed or re-armed by its callback: do not touch it afterwards. */
	op->cb(loop, op, cqe);
}

int ior_loop_run(struct ior_loop *loop, enum ior_run_mode mode)
{
	bool once = mode == IOR_RUN_ONCE || mode == IOR_RUN_NOWAIT;
	int dispatched = 0;

	loop->stopped = false;
	for (;;) {
		ioring_ring_ring_list_cqe_t list;
		bool wait;

		if (!once) {
			if (loop->stopped)
				return 1;
			if (!loop->pending)
				return mode == IOR_RUN_UNTIL_IDLE ? 0 : -IOR_ENOENT;
		}
		wait = mode != IOR_RUN_NOWAIT && loop->pending;
		__ior_complete(&loop->ring, wait ? 1 : 0, loop->ring.sq_cap * CQ_PER_SQ,
			       wait ? -1 : 0, &list);
		__ior_loop_release(loop, false);
		/* Every CQE of the batch is dispatched, even after a stop: each may be the last
		 * of its op, and dropping it would leave the op active forever. */
		for (size_t i = 0; i < list.len; i++)
			__ior_loop_dispatch(loop, &list.ptr[i]);
		dispatched += (int)list.len;
		__ior_loop_retire(loop, &list);
		if (once)
			return dispatched;
	}
}
