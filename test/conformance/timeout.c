/*
 * timeout: a timeout that expires completes with `timed-out`, not before a shorter one; one
 * with a count completes with 0 once that many other completions were posted; a cancelled
 * one completes with `canceled`.
 */
#include "conform.h"

static void timeout_fires(struct ior_ring *ring)
{
	struct t_cqe c[2];
	ior_sqe_t *sqe;

	/* Submitted together, the 300 ms one after the 30 ms one. */
	sqe = ior_get_sqe(ring);
	ior_prep_timeout(sqe, 300000000, 0);
	ior_sqe_set_data32(sqe, 300);
	sqe = ior_get_sqe(ring);
	ior_prep_timeout(sqe, 30000000, 0);
	ior_sqe_set_data32(sqe, 30);
	CHECK(t_reap(ring, c, 2) == 2, "the timeouts did not both complete within 5 s");
	SKIP_IF_NOTSUP(c[0].res);
	CHECK(c[0].user_data == 30 && c[1].user_data == 300, "order %u then %u, want 30 then 300",
	      c[0].user_data, c[1].user_data);
	for (int i = 0; i < 2; i++)
		CHECK(c[i].res == -IOR_ETIMEDOUT && !c[i].more, "timeout %u: %s, want timed-out",
		      c[i].user_data, t_code(c[i].res));
	PASS();
}

static void timeout_not_early(struct ior_ring *ring)
{
	struct t_cqe c;
	ior_sqe_t *sqe = ior_get_sqe(ring);

	ior_prep_timeout(sqe, 500000000, 0);
	ior_sqe_set_data32(sqe, 1);
	/* Nothing within 50 ms of a 500 ms timeout (a wide margin for a loaded machine), then
	 * the timeout. */
	CHECK(t_quiet(ring, 50000000), "the 500 ms timeout completed within 50 ms (%s)",
	      t_code(t_one(ring, &c)));
	CHECK(t_next(ring, &c) == 0, "no completion");
	SKIP_IF_NOTSUP(c.res);
	CHECK(c.user_data == 1 && c.res == -IOR_ETIMEDOUT, "%u: %s, want timed-out", c.user_data,
	      t_code(c.res));
	PASS();
}

static void timeout_count(struct ior_ring *ring)
{
	struct t_cqe c[3];
	ior_sqe_t *sqe;

	/* 30 s, or two other completions: the two nops end it at once, with 0. */
	sqe = ior_get_sqe(ring);
	ior_prep_timeout(sqe, 30000000000ULL, 2);
	ior_sqe_set_data32(sqe, 1);
	CHECK(t_quiet(ring, 20000000), "the timeout completed with nothing else posted");
	for (uint32_t i = 2; i <= 3; i++) {
		sqe = ior_get_sqe(ring);
		ior_prep_nop(sqe);
		ior_sqe_set_data32(sqe, i);
	}
	CHECK(t_reap(ring, c, 3) == 3, "the timeout did not complete after two completions");
	CHECK(c[2].user_data == 1, "the timeout came before the completions it counts");
	SKIP_IF_NOTSUP(c[2].res);
	CHECK(c[2].res == 0, "the counted timeout: %s, want 0", t_code(c[2].res));
	CHECK(c[0].res == 0 && c[1].res == 0, "nops: %s %s", t_code(c[0].res), t_code(c[1].res));
	PASS();
}

static void timeout_count_not_reached(struct ior_ring *ring)
{
	struct t_cqe c[2];
	ior_sqe_t *sqe;

	/* Three completions needed, one posted: the duration decides, with timed-out. */
	sqe = ior_get_sqe(ring);
	ior_prep_timeout(sqe, 50000000, 3);
	ior_sqe_set_data32(sqe, 1);
	sqe = ior_get_sqe(ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 2);
	CHECK(t_reap(ring, c, 2) == 2, "no two completions");
	CHECK(c[0].user_data == 2 && c[1].user_data == 1, "order %u %u, want the nop first",
	      c[0].user_data, c[1].user_data);
	SKIP_IF_NOTSUP(c[1].res);
	CHECK(c[1].res == -IOR_ETIMEDOUT, "timeout: %s, want timed-out", t_code(c[1].res));
	PASS();
}

static void timeout_cancel(struct ior_ring *ring)
{
	struct t_cqe c[2];
	ior_sqe_t *sqe = ior_get_sqe(ring);

	ior_prep_timeout(sqe, 30000000000ULL, 0);
	ior_sqe_set_data32(sqe, 1);
	ior_submit(ring);
	ior_prep_cancel32(ior_get_sqe(ring), 1, 0);
	CHECK(t_reap(ring, c, 2) == 2, "the cancelled timeout did not complete");
	for (int i = 0; i < 2; i++) {
		if (c[i].user_data == 1) {
			SKIP_IF_NOTSUP(c[i].res);
			CHECK(c[i].res == -IOR_ECANCELED, "the timeout: %s, want canceled",
			      t_code(c[i].res));
		} else {
			CHECK(c[i].res == 1, "the cancel: %s, want 1", t_code(c[i].res));
		}
	}
	PASS();
}

int main(void)
{
	t_run("timeout-fires", timeout_fires);
	t_run("timeout-not-early", timeout_not_early);
	t_run("timeout-count", timeout_count);
	t_run("timeout-count-not-reached", timeout_count_not_reached);
	t_run("timeout-cancel", timeout_cancel);
	return t_exit();
}
