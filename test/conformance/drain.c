/*
 * drain: an entry with `drain` (and its link chain) starts only after every earlier entry of
 * its ring completed, multishot streams included, and later entries wait for it; a cancel is
 * never held back by a drain, and finds a held entry like any other.
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

static void drain_chain(struct ior_ring *ring)
{
	struct t_cqe c[4];
	ior_sqe_t *sqe;

	/* A drained chain of two waits whole behind a 80 ms timeout; a nop after it waits too. */
	sqe = ior_get_sqe(ring);
	ior_prep_timeout(sqe, 80000000, 0);
	ior_sqe_set_data32(sqe, 1);
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 2);
	ior_sqe_set_flags(sqe, IOR_SQE_DRAIN | IOR_SQE_LINK);
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 3);
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 4);
	CHECK(t_reap(ring, c, 4) == 4, "four completions did not come");
	for (int i = 0; i < 4; i++)
		SKIP_IF_NOTSUP(c[i].res);
	CHECK(c[0].user_data == 1 && c[1].user_data == 2 && c[2].user_data == 3 &&
	      c[3].user_data == 4, "order %u %u %u %u, want 1 2 3 4", c[0].user_data,
	      c[1].user_data, c[2].user_data, c[3].user_data);
	PASS();
}

static void drain_behind_multishot(struct ior_ring *ring)
{
	struct t_cqe c;
	int client, server, res;
	bool stream_ended = false, cancelled = false;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_poll_multishot(sqe, (ior_handle_t)server, IOR_POLLIN);
	ior_sqe_set_data32(sqe, 1);
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 2);
	ior_sqe_set_flags(sqe, IOR_SQE_DRAIN);
	/* The stream is in flight: the drained nop waits for it to end. */
	if (!t_quiet(ring, 50000000)) {
		CHECK(t_next(ring, &c) == 0, "no completion");
		SKIP_IF_NOTSUP(c.res);
		FAIL("entry %u completed (%s) while a multishot poll before the drain was live",
		     c.user_data, t_code(c.res));
	}
	/* A cancel is not held back by the drain, and ends the stream; then the nop runs. */
	sqe = ior_get_sqe(ring);
	ior_prep_cancel32(sqe, 1, 0);
	ior_sqe_set_data32(sqe, 3);
	for (int i = 0; i < 3; i++) {
		CHECK(t_next(ring, &c) == 0, "completion %d of 3 did not come: the cancel was held "
		      "behind the drain?", i + 1);
		if (c.user_data == 1) {
			CHECK(c.res == -IOR_ECANCELED && !c.more, "the stream ended with %s", t_code(c.res));
			stream_ended = true;
		} else if (c.user_data == 3) {
			CHECK(c.res == 1, "cancel: %s, want 1", t_code(c.res));
			cancelled = true;
		} else {
			CHECK(c.user_data == 2 && stream_ended, "the drained nop completed before the "
			      "stream ended");
			CHECK(c.res == 0, "the drained nop: %s", t_code(c.res));
		}
	}
	CHECK(stream_ended && cancelled, "missing completions");
	PASS();
}

static void drain_cancel_held(struct ior_ring *ring)
{
	struct t_cqe c[2];
	ior_sqe_t *sqe;

	/* A drained nop held behind a 30 s timeout is found by a cancel, as is the timeout. */
	sqe = ior_get_sqe(ring);
	ior_prep_timeout(sqe, 30000000000ULL, 0);
	ior_sqe_set_data32(sqe, 1);
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 2);
	ior_sqe_set_flags(sqe, IOR_SQE_DRAIN);
	CHECK(t_quiet(ring, 30000000), "something completed ahead of a 30 s timeout");
	sqe = ior_get_sqe(ring);
	ior_prep_cancel32(sqe, 2, 0);
	ior_sqe_set_data32(sqe, 3);
	CHECK(t_reap(ring, c, 2) == 2, "the cancel of the held entry did not complete");
	for (int i = 0; i < 2; i++) {
		if (c[i].user_data == 3) {
			SKIP_IF_NOTSUP(c[i].res);
			CHECK(c[i].res == 1, "cancel of the held nop: %s, want 1", t_code(c[i].res));
		} else {
			CHECK(c[i].user_data == 2 && c[i].res == -IOR_ECANCELED,
			      "%u: %s, want the held nop canceled", c[i].user_data, t_code(c[i].res));
		}
	}
	sqe = ior_get_sqe(ring);
	ior_prep_cancel32(sqe, 1, 0);
	ior_sqe_set_data32(sqe, 4);
	CHECK(t_reap(ring, c, 2) == 2, "the timeout's cancel did not complete");
	PASS();
}

int main(void)
{
	t_run("drain-order", drain_order);
	t_run("drain-earlier-submit", drain_earlier_submit);
	t_run("drain-chain", drain_chain);
	t_run("drain-behind-multishot", drain_behind_multishot);
	t_run("drain-cancel-held", drain_cancel_held);
	return t_exit();
}
