/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ior_ops_time.c - time: `timeout` and `link-timeout`, on the timer iodev. RTIO 3.4 has no
 * delay operation, so a timeout is an RTIO SQE on this iodev, which starts a k_timer and
 * completes the SQE from the timer's expiry (with `timed-out`, as io_uring's -ETIME).
 *
 * A timeout with a count also ends, with 0, once that many other completions were posted on
 * its ring after it started (ior_ring.c counts them), as io_uring's.
 *
 * A link-timeout is its own RTIO SQE, not chained after the entry it guards: the guarded
 * entry arms its timer when it starts. If the timer fires first, the guarded entry is
 * cancelled and both complete with `timed-out`; if the guarded entry finishes first, the
 * link-timeout completes with `canceled`.
 */
#include <zephyr/kernel.h>

#include "ior_internal.h"

static void timeout_expired(struct k_timer *t)
{
	struct ior_op *op = CONTAINER_OF(t, struct ior_op, timer);
	unsigned int key = irq_lock();

	if (op->sqe.op == IOR_ABI_OP_TIMEOUT) {
		ior_op_done(op, -ETIMEDOUT);
	} else if (op->lt_state == IOR_LT_ARMED) {
		op->lt_state = IOR_LT_FIRED;
		if (op->guarded) {
			op->guarded->timed_out = true;
			ior_cancel_pending(op->guarded);
		}
		if (op->iodev_sqe)
			ior_op_done(op, -ETIMEDOUT);
	}
	irq_unlock(key);
}

static k_timeout_t duration(uint64_t ns)
{
	return ns ? K_NSEC(ns) : K_NO_WAIT;
}

static void timer_submit(struct rtio_iodev_sqe *iodev_sqe)
{
	struct ior_op *op;

	if (!ior_op_begin(iodev_sqe, &op))
		return;
	if (op->sqe.op == IOR_ABI_OP_TIMEOUT) {
		op->count_base = op->ring->posted;
		k_timer_init(&op->timer, timeout_expired, NULL);
		k_timer_start(&op->timer, duration(op->sqe.ns), K_NO_WAIT);
		return;
	}
	/* A link-timeout: its guarded entry may already have started, fired or finished. */
	switch (op->lt_state) {
	case IOR_LT_FIRED:
		ior_op_done(op, -ETIMEDOUT);
		break;
	case IOR_LT_BEATEN:
		ior_op_done(op, -ECANCELED);
		break;
	default:
		break; /* parked until the guarded entry ends or the timer fires */
	}
}

const struct rtio_iodev_api ior_iodev_timer_api = {.submit = timer_submit};

/* A timeout with a count saw that many completions: it ends with 0 (irq locked). */
void ior_time_counted(struct ior_op *op)
{
	k_timer_stop(&op->timer);
	ior_op_done(op, 0);
}

bool ior_time_cancel(struct ior_op *op)
{
	unsigned int key = irq_lock();

	if (op->sqe.op == IOR_ABI_OP_TIMEOUT) {
		k_timer_stop(&op->timer);
		ior_op_done(op, -ECANCELED);
	} else {
		if (op->lt_state == IOR_LT_ARMED)
			k_timer_stop(&op->timer);
		if (op->lt_state != IOR_LT_FIRED)
			op->lt_state = IOR_LT_BEATEN;
		ior_op_done(op, -ECANCELED);
	}
	irq_unlock(key);
	return true;
}

void ior_lt_arm(struct ior_op *guarded)
{
	struct ior_op *lt = guarded->lt;
	unsigned int key = irq_lock();

	if (lt->lt_state == IOR_LT_IDLE) {
		lt->lt_state = IOR_LT_ARMED;
		k_timer_init(&lt->timer, timeout_expired, NULL);
		k_timer_start(&lt->timer, duration(lt->sqe.ns), K_NO_WAIT);
	}
	irq_unlock(key);
}

void ior_lt_disarm(struct ior_op *guarded)
{
	struct ior_op *lt = guarded->lt;
	unsigned int key = irq_lock();

	if (lt->lt_state == IOR_LT_ARMED)
		k_timer_stop(&lt->timer);
	if (lt->lt_state != IOR_LT_FIRED) {
		lt->lt_state = IOR_LT_BEATEN;
		if (lt->iodev_sqe)
			ior_op_done(lt, -ECANCELED);
	}
	irq_unlock(key);
}
