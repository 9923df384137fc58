/*
 * capacity: submitting past a ring's in-flight limit. The host takes fewer than given (never
 * fewer than the ring's entries), keeps nothing of the rest, and takes the rest once
 * completions are reaped; a link chain is taken whole or not at all; a lone cancel is taken
 * even then, so that what fills a ring can always be cancelled.
 */
#include "conform.h"

/* A ring of this many entries, and a local batch as large. */
#define ENTRIES 4
/* Past this many operations in flight without a refusal, the host has no limit to test. */
#define MAX_TRIED 65536
/* Each timeout's duration: long enough to fill the ring, short enough to wait for. */
#define DURATION_NS 300000000ULL

static uint32_t limit;	/* what capacity-fewer-taken found, for capacity-chain-whole */
static uint8_t seen[MAX_TRIED + 2 * ENTRIES];

static void capacity_fewer_taken(struct ior_ring *unused)
{
	struct ior_ring ring;
	struct t_cqe c;
	uint32_t next = 0, taken = 0, reaped = 0;
	int prepared, n;

	(void)unused;
	CHECK(ior_ring_init(&ring, ENTRIES) == 0, "ring of %d", ENTRIES);
	/* Fill: batches of timeouts until a submit takes fewer than it was given. */
	for (;;) {
		ior_sqe_t *sqe;

		while ((sqe = ior_get_sqe(&ring))) {
			ior_prep_timeout(sqe, DURATION_NS, 0);
			ior_sqe_set_data32(sqe, next++);
		}
		prepared = (int)ior_sq_ready(&ring);
		n = ior_submit(&ring);
		CHECK(n >= 0 && n <= prepared, "submit of %d returned %d", prepared, n);
		taken += (uint32_t)n;
		if (n < prepared)
			break;
		CHECK(taken < MAX_TRIED, "%u timeouts in flight on a ring of %d and no refusal",
		      taken, ENTRIES);
	}
	CHECK(taken >= ENTRIES, "the first refusal came at %u in flight, below the ring's %d "
	      "entries", taken, ENTRIES);
	limit = taken;
	/* Reap, submitting what is left as room appears, until every timeout has completed. */
	while (reaped < next) {
		if (ior_sq_ready(&ring))
			ior_submit(&ring);
		CHECK(t_next(&ring, &c) == 0, "%u of %u completed, %u still queued, then nothing",
		      reaped, next, ior_sq_ready(&ring));
		CHECK(c.user_data < next && !seen[c.user_data], "user data %u unknown or twice",
		      c.user_data);
		SKIP_IF_NOTSUP(c.res);
		CHECK(c.res == -IOR_ETIMEDOUT, "timeout %u: %s, want timed-out", c.user_data,
		      t_code(c.res));
		seen[c.user_data] = 1;
		reaped++;
	}
	CHECK(ior_sq_ready(&ring) == 0, "entries left queued");
	CHECK(t_quiet(&ring, 20000000), "a completion past the %u submitted", next);
	ior_ring_exit(&ring);
	PASS();
}

static void capacity_chain_whole(struct ior_ring *unused)
{
	struct ior_ring ring;
	struct t_cqe c;
	uint32_t taken = 0, reaped = 0;
	ior_sqe_t *sqe;
	int n;

	(void)unused;
	CHECK(limit > 0, "capacity-fewer-taken found no limit");
	CHECK(ior_ring_init(&ring, ENTRIES) == 0, "ring of %d", ENTRIES);
	/* All but one place taken... */
	while (taken < limit - 1) {
		int want = limit - 1 - taken < ENTRIES ? (int)(limit - 1 - taken) : ENTRIES;

		for (int i = 0; i < want; i++) {
			sqe = ior_get_sqe(&ring);
			ior_prep_timeout(sqe, DURATION_NS, 0);
			ior_sqe_set_data32(sqe, 1);
		}
		n = ior_submit(&ring);
		CHECK(n == want, "filling to %u: a submit of %d took %d", limit - 1, want, n);
		taken += (uint32_t)n;
	}
	/* ... a chain of two does not fit, and none of it is taken... */
	sqe = ior_get_sqe(&ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 2);
	ior_sqe_set_flags(sqe, IOR_SQE_LINK);
	sqe = ior_get_sqe(&ring);
	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 3);
	n = ior_submit(&ring);
	CHECK(n == 0, "a chain of 2 with 1 place left: %d taken, want 0", n);
	/* ... until completions are reaped; then it runs whole, in order. */
	int chain[2], got = 0;
	while (reaped < taken || got < 2) {
		if (ior_sq_ready(&ring)) {
			n = ior_submit(&ring);
			CHECK(n == 0 || n == 2, "the chain was split: %d of 2 taken", n);
		}
		CHECK(t_next(&ring, &c) == 0, "stalled with %u of %u timeouts reaped", reaped, taken);
		if (c.user_data == 1) {
			reaped++;
			continue;
		}
		CHECK(got < 2, "more than two chain completions");
		CHECK(c.res == 0, "chain entry %u: %s", c.user_data, t_code(c.res));
		chain[got++] = (int)c.user_data;
	}
	CHECK(chain[0] == 2 && chain[1] == 3, "chain order %d %d, want 2 3", chain[0], chain[1]);
	ior_ring_exit(&ring);
	PASS();
}

static void capacity_cancel_when_full(struct ior_ring *unused)
{
	struct ior_ring ring;
	struct t_cqe c;
	uint32_t taken = 0, cancelled = 0;
	ior_sqe_t *sqe;
	int n, cancel_res = 1;
	bool cancel_seen = false;

	(void)unused;
	CHECK(limit > 0, "capacity-fewer-taken found no limit");
	CHECK(ior_ring_init(&ring, ENTRIES) == 0, "ring of %d", ENTRIES);
	/* Full: 30 s timeouts up to the limit, and one more refused. */
	while (taken < limit) {
		int want = limit - taken < ENTRIES ? (int)(limit - taken) : ENTRIES;

		for (int i = 0; i < want; i++) {
			sqe = ior_get_sqe(&ring);
			ior_prep_timeout(sqe, 30000000000ULL, 0);
			ior_sqe_set_data32(sqe, 1);
		}
		n = ior_submit(&ring);
		CHECK(n == want, "filling to %u: a submit of %d took %d", limit, want, n);
		taken += (uint32_t)n;
	}
	ior_prep_nop(ior_get_sqe(&ring));
	n = ior_submit(&ring);
	CHECK(n == 0, "a nop on a full ring: %d taken, want 0", n);
	ior_ring_exit(&ring);
	/* The same again, and this time a cancel of them all, alone in its submit. */
	CHECK(ior_ring_init(&ring, ENTRIES) == 0, "ring of %d", ENTRIES);
	for (taken = 0; taken < limit;) {
		int want = limit - taken < ENTRIES ? (int)(limit - taken) : ENTRIES;

		for (int i = 0; i < want; i++) {
			sqe = ior_get_sqe(&ring);
			ior_prep_timeout(sqe, 30000000000ULL, 0);
			ior_sqe_set_data32(sqe, 1);
		}
		n = ior_submit(&ring);
		CHECK(n == want, "filling to %u: a submit of %d took %d", limit, want, n);
		taken += (uint32_t)n;
	}
	sqe = ior_get_sqe(&ring);
	ior_prep_cancel32(sqe, 1, IOR_CANCEL_ALL);
	ior_sqe_set_data32(sqe, 2);
	n = ior_submit(&ring);
	CHECK(n == 1, "a lone cancel on a full ring: %d taken, want 1", n);
	while (!cancel_seen || cancelled < limit) {
		CHECK(t_next(&ring, &c) == 0, "%u of %u timeouts cancelled, cancel %s, then nothing",
		      cancelled, limit, cancel_seen ? "seen" : "not seen");
		if (c.user_data == 2) {
			SKIP_IF_NOTSUP(c.res);
			cancel_res = c.res;
			cancel_seen = true;
		} else {
			CHECK(c.res == -IOR_ECANCELED, "a timeout: %s, want canceled", t_code(c.res));
			cancelled++;
		}
	}
	CHECK(cancel_res == (int)limit, "cancel: %s, want %u", t_code(cancel_res), limit);
	ior_ring_exit(&ring);
	PASS();
}

int main(void)
{
	t_run("capacity-fewer-taken", capacity_fewer_taken);
	t_run("capacity-chain-whole", capacity_chain_whole);
	t_run("capacity-cancel-when-full", capacity_cancel_when_full);
	return t_exit();
}
