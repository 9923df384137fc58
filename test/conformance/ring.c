/*
 * ring: wit/ring.wit's own promises: `complete` honours max, caps min at what is in flight
 * and returns on its timeout; a ring of 0 entries gets the host's default; handles belong to
 * the guest and work on every ring.
 */
#include "conform.h"

/* One complete() through the SDK (nothing cached: these cases only use ior_wait_cqes). */
static int complete(struct ior_ring *ring, unsigned min, unsigned max, int64_t timeout_ns,
		    uint32_t *uds)
{
	struct ior_cqes batch;
	int n = ior_wait_cqes(ring, min, max, timeout_ns, &batch);

	for (int i = 0; i < n; i++)
		uds[i] = ior_cqe_get_data32(&batch.cqe[i]);
	ior_cqes_free(&batch);
	return n;
}

static void ring_complete_max(struct ior_ring *ring)
{
	uint32_t uds[8], seen = 0;
	int n;

	for (uint32_t i = 0; i < 5; i++) {
		ior_sqe_t *sqe = ior_get_sqe(ring);

		ior_prep_nop(sqe);
		ior_sqe_set_data32(sqe, i);
	}
	/* All five are done; max 2 returns two, and the rest wait for the next calls. */
	n = complete(ring, 5, 2, T_WAIT_NS, uds);
	CHECK(n == 2, "complete(min 5, max 2): %d CQEs, want 2", n);
	for (int i = 0; i < n; i++)
		seen |= 1u << uds[i];
	n = complete(ring, 3, 8, T_WAIT_NS, uds);
	CHECK(n == 3, "complete(min 3, max 8) after: %d CQEs, want the other 3", n);
	for (int i = 0; i < n; i++) {
		CHECK(uds[i] < 5 && !(seen & (1u << uds[i])), "user data %u unknown or twice", uds[i]);
		seen |= 1u << uds[i];
	}
	CHECK(seen == 0x1f, "not every nop was returned");
	PASS();
}

static void ring_complete_min_capped(struct ior_ring *ring)
{
	uint32_t uds[8];
	int n;

	/* Nothing in flight: min 1 with no timeout must not wait for what cannot come. */
	n = complete(ring, 1, 8, -1, uds);
	CHECK(n == 0, "complete(min 1) with nothing in flight: %d CQEs", n);
	/* One nop in flight: min 4 is capped at 1. */
	ior_prep_nop(ior_get_sqe(ring));
	n = complete(ring, 4, 8, -1, uds);
	CHECK(n == 1, "complete(min 4) with one nop in flight: %d CQEs, want 1", n);
	PASS();
}

static void ring_complete_timeout(struct ior_ring *ring)
{
	uint32_t uds[8];
	int n;
	ior_sqe_t *sqe = ior_get_sqe(ring);

	ior_prep_timeout(sqe, 1000000000, 0);
	ior_sqe_set_data32(sqe, 1);
	/* A 1 s timeout in flight: 20 ms of waiting returns nothing, and 0 does not wait... */
	n = complete(ring, 1, 8, 20000000, uds);
	CHECK(n == 0, "complete with a 20 ms timeout: %d CQEs before a 1 s timeout expired", n);
	n = complete(ring, 1, 8, 0, uds);
	CHECK(n == 0, "complete with timeout 0: %d CQEs", n);
	/* ... and waiting long enough returns it. */
	n = complete(ring, 1, 8, T_WAIT_NS, uds);
	CHECK(n == 1 && uds[0] == 1, "complete after the timeout: %d CQEs", n);
	PASS();
}

static void ring_default_entries(struct ior_ring *unused)
{
	struct ior_ring ring;
	struct t_cqe c;
	int res;

	(void)unused;
	res = ior_ring_init(&ring, 0);
	CHECK(res == 0, "a ring of 0 entries (the host's default): %s", t_code(res));
	ior_prep_nop(ior_get_sqe(&ring));
	res = t_one(&ring, &c);
	ior_ring_exit(&ring);
	CHECK(res == 0, "nop on it: %s", t_code(res));
	PASS();
}

static void ring_handles_shared(struct ior_ring *ring)
{
	struct ior_ring other;
	struct t_cqe c;
	int ro = t_dir("ro"), fd, res;

	/* Opened through one ring, read and closed through another, then gone from the first. */
	fd = t_open(ring, ro, "data.txt", IOR_O_READ, NULL);
	CHECK(fd >= 0, "open: %s", t_code(fd));
	CHECK(ior_ring_init(&other, 4) == 0, "second ring");
	ior_prep_read(ior_get_sqe(&other), (ior_handle_t)fd, 4, 6);
	res = t_one(&other, &c);
	CHECK(res == 4 && memcmp(c.data, "6789", 4) == 0, "read on the other ring: %s",
	      t_code(res));
	ior_prep_close(ior_get_sqe(&other), (ior_handle_t)fd);
	res = t_one(&other, NULL);
	ior_ring_exit(&other);
	CHECK(res == 0, "close on the other ring: %s", t_code(res));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 4, 0);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EBADF, "read on the first ring after the close: %s, want bad-descriptor",
	      t_code(res));
	PASS();
}

static void ring_many(struct ior_ring *ring)
{
	struct ior_ring rings[4];
	struct t_cqe c;
	int res;

	/* Several rings at once, each with its own completions. */
	for (int i = 0; i < 4; i++) {
		CHECK(ior_ring_init(&rings[i], 4) == 0, "ring %d", i);
		ior_sqe_t *sqe = ior_get_sqe(&rings[i]);

		ior_prep_nop(sqe);
		ior_sqe_set_data32(sqe, 10 + i);
		CHECK(ior_submit(&rings[i]) == 1, "submit on ring %d", i);
	}
	for (int i = 3; i >= 0; i--) {
		res = t_one(&rings[i], &c);
		CHECK(res == 0 && c.user_data == (uint32_t)(10 + i), "ring %d: %u %s", i, c.user_data,
		      t_code(res));
		CHECK(t_quiet(&rings[i], 0), "ring %d has a second completion", i);
		ior_ring_exit(&rings[i]);
	}
	(void)ring;
	PASS();
}

int main(void)
{
	t_run("ring-complete-max", ring_complete_max);
	t_run("ring-complete-min-capped", ring_complete_min_capped);
	t_run("ring-complete-timeout", ring_complete_timeout);
	t_run("ring-default-entries", ring_default_entries);
	t_run("ring-handles-shared", ring_handles_shared);
	t_run("ring-many", ring_many);
	return t_exit();
}
