/*
 * nop: the round trip. A nop completes once with 0, its user data and nothing else; a batch
 * of nops is taken whole and completes once each.
 */
#include "conform.h"

static void nop_result(struct ior_ring *ring)
{
	struct t_cqe c;
	ior_sqe_t *sqe = ior_get_sqe(ring);

	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 0xdeadbeef);
	CHECK(ior_submit(ring) == 1, "submit did not take the nop");
	CHECK(t_next(ring, &c) == 0, "no completion");
	SKIP_IF_NOTSUP(c.res);
	CHECK(c.user_data == 0xdeadbeef, "user data %#x, want 0xdeadbeef", c.user_data);
	CHECK(c.res == 0, "result %s, want 0", t_code(c.res));
	CHECK(!c.more, "more is set");
	CHECK(c.len == 0, "%zu payload bytes, want none", c.len);
	CHECK(c.handle == -IOR_EINVAL && !c.has_addr && !c.has_stat, "detail is not none");
	CHECK(t_quiet(ring, 20000000), "a second completion came");
	PASS();
}

static void nop_batch(struct ior_ring *ring)
{
	enum { N = 32 };
	struct t_cqe c[N];
	bool seen[N] = { false };

	for (uint32_t i = 0; i < N; i++) {
		ior_sqe_t *sqe = ior_get_sqe(ring);

		CHECK(sqe, "no SQE %u of %u", i, N);
		ior_prep_nop(sqe);
		ior_sqe_set_data32(sqe, 100 + i);
	}
	CHECK(ior_submit(ring) == N, "submit took fewer than %d", N);
	CHECK(t_reap(ring, c, N) == N, "fewer than %d completions", N);
	for (int i = 0; i < N; i++) {
		uint32_t k = c[i].user_data - 100;

		CHECK(k < N && !seen[k], "user data %u unexpected or twice", c[i].user_data);
		CHECK(c[i].res == 0, "nop %u: %s", c[i].user_data, t_code(c[i].res));
		seen[k] = true;
	}
	CHECK(t_quiet(ring, 20000000), "more than %d completions", N);
	PASS();
}

static void nop_empty_submit(struct ior_ring *ring)
{
	CHECK(ior_submit(ring) == 0, "an empty submit took entries");
	CHECK(t_quiet(ring, 0), "a completion with nothing submitted");
	PASS();
}

int main(void)
{
	t_run("nop-result", nop_result);
	t_run("nop-batch", nop_batch);
	t_run("nop-empty-submit", nop_empty_submit);
	return t_exit();
}
