/*
 * drain: an entry with `drain` starts only after every earlier entry of its ring completed,
 * and later entries wait for it.
 */
#include "conform.h"

static void drain_order(struct ior_ring *ring)
{
	struct t_cqe c[4];
	ior_sqe_t *sqe;

	/* 1: a 100 ms timeout; 2: a nop; 3: a drained nop; 4: a nop after it. */
	sqe = ior_get_sqe(ring);
	ior_prep_timeout(sqe, 100000000, 0);
	ior_sqe_set_data32(sqe, 1);
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 2);
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 3);
	ior_sqe_set_flags(sqe, IOR_SQE_DRAIN);
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 4);
	CHECK(t_reap(ring, c, 4) == 4, "four completions did not come");
	for (int i = 0; i < 4; i++)
		SKIP_IF_NOTSUP(c[i].res);
	/* The nop before the drain does not wait; the drained one waits for the timeout; the
	 * one after waits for the drained one. */
	CHECK(c[0].user_data == 2 && c[1].user_data == 1 && c[2].user_data == 3 &&
	      c[3].user_data == 4, "order %u %u %u %u, want 2 1 3 4", c[0].user_data,
	      c[1].user_data, c[2].user_data, c[3].user_data);
	CHECK(c[1].res == -IOR_ETIMEDOUT && c[0].res == 0 && c[2].res == 0 && c[3].res == 0,
	      "results %s %s %s %s", t_code(c[0].res), t_code(c[1].res), t_code(c[2].res),
	      t_code(c[3].res));
	PASS();
}

static void drain_earlier_submit(struct ior_ring *ring)
{
	struct t_cqe c[2];
	ior_sqe_t *sqe;

	/* A drain waits for entries of earlier submits too. */
	sqe = ior_get_sqe(ring);
	ior_prep_timeout(sqe, 80000000, 0);
	ior_sqe_set_data32(sqe, 1);
	CHECK(ior_submit(ring) == 1, "submit");
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 2);
	ior_sqe_set_flags(sqe, IOR_SQE_DRAIN);
	CHECK(t_reap(ring, c, 2) == 2, "no two completions");
	SKIP_IF_NOTSUP(c[0].res);
	SKIP_IF_NOTSUP(c[1].res);
	CHECK(c[0].user_data == 1 && c[1].user_data == 2, "order %u %u, want the timeout first",
	      c[0].user_data, c[1].user_data);
	PASS();
}

int main(void)
{
	t_run("drain-order", drain_order);
	t_run("drain-earlier-submit", drain_earlier_submit);
	return t_exit();
}
