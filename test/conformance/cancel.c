/*
 * cancel: by user data (the first match, or with `all` every one), of nothing (`no-entry`),
 * and of something already complete. Targets are polls for input on a connection nobody
 * writes to, which wait until cancelled.
 */
#include "conform.h"

/* Prepare a poll for input on @fd that will not complete by itself, tagged @ud. */
static void idle_poll(struct ior_ring *ring, int fd, uint32_t ud)
{
	ior_sqe_t *sqe = ior_get_sqe(ring);

	ior_prep_poll(sqe, (ior_handle_t)fd, IOR_POLLIN);
	ior_sqe_set_data32(sqe, ud);
}

static void cancel_user_data(struct ior_ring *ring)
{
	struct t_cqe c[2];
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	idle_poll(ring, server, 7);
	idle_poll(ring, server, 8);
	CHECK(t_quiet(ring, 20000000), "a poll completed with no input");
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_cancel32(sqe, 7, 0);
	ior_sqe_set_data32(sqe, 100);
	CHECK(t_reap(ring, c, 2) == 2, "cancel and its target did not both complete");
	for (int i = 0; i < 2; i++) {
		if (c[i].user_data == 100) {
			SKIP_IF_NOTSUP(c[i].res);
			CHECK(c[i].res == 1, "cancel: %s, want 1", t_code(c[i].res));
		} else {
			CHECK(c[i].user_data == 7, "poll %u completed, want only 7", c[i].user_data);
			CHECK(c[i].res == -IOR_ECANCELED, "poll 7: %s, want canceled", t_code(c[i].res));
		}
	}
	/* The other poll is untouched: still waiting, and it sees input. */
	CHECK(t_quiet(ring, 20000000), "poll 8 completed too");
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "x", 1);
	CHECK(t_reap(ring, c, 2) == 2, "send and poll 8 did not complete");
	for (int i = 0; i < 2; i++)
		if (c[i].user_data == 8)
			CHECK(c[i].res > 0 && (c[i].res & IOR_POLLIN), "poll 8: %s, want readable",
			      t_code(c[i].res));
	PASS();
}

static void cancel_all(struct ior_ring *ring)
{
	struct t_cqe c[4];
	int client, server, res, cancelled = 0;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	for (int i = 0; i < 3; i++)
		idle_poll(ring, server, 9);
	CHECK(t_quiet(ring, 20000000), "a poll completed with no input");
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_cancel32(sqe, 9, IOR_CANCEL_ALL);
	ior_sqe_set_data32(sqe, 100);
	CHECK(t_reap(ring, c, 4) == 4, "cancel and its three targets did not complete");
	for (int i = 0; i < 4; i++) {
		if (c[i].user_data == 100) {
			SKIP_IF_NOTSUP(c[i].res);
			CHECK(c[i].res == 3, "cancel with all: %s, want 3", t_code(c[i].res));
		} else {
			CHECK(c[i].user_data == 9 && c[i].res == -IOR_ECANCELED, "%u: %s, want canceled",
			      c[i].user_data, t_code(c[i].res));
			cancelled++;
		}
	}
	CHECK(cancelled == 3, "%d polls cancelled, want 3", cancelled);
	PASS();
}

static void cancel_first_only(struct ior_ring *ring)
{
	struct t_cqe c[3];
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	idle_poll(ring, server, 9);
	idle_poll(ring, server, 9);
	CHECK(t_quiet(ring, 20000000), "a poll completed with no input");
	/* Without all, one of the two same-tagged polls goes. */
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_cancel32(sqe, 9, 0);
	ior_sqe_set_data32(sqe, 100);
	CHECK(t_reap(ring, c, 2) == 2, "cancel and one target did not complete");
	for (int i = 0; i < 2; i++) {
		if (c[i].user_data == 100) {
			SKIP_IF_NOTSUP(c[i].res);
			CHECK(c[i].res == 1, "cancel without all: %s, want 1", t_code(c[i].res));
		} else {
			CHECK(c[i].res == -IOR_ECANCELED, "poll: %s, want canceled", t_code(c[i].res));
		}
	}
	CHECK(t_quiet(ring, 20000000), "the second poll was cancelled too");
	ior_prep_cancel32(ior_get_sqe(ring), 9, 0);
	CHECK(t_reap(ring, c, 2) == 2, "the second poll did not go with a second cancel");
	PASS();
}

static void cancel_nothing(struct ior_ring *ring)
{
	int res;

	ior_prep_cancel32(ior_get_sqe(ring), 12345, 0);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_ENOENT, "cancel of nothing: %s, want no-entry", t_code(res));
	ior_prep_cancel32(ior_get_sqe(ring), 12345, IOR_CANCEL_ALL);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_ENOENT, "cancel all of nothing: %s, want no-entry", t_code(res));
	PASS();
}

static void cancel_completed(struct ior_ring *ring)
{
	struct t_cqe c;
	int res;
	ior_sqe_t *sqe = ior_get_sqe(ring);

	ior_prep_nop(sqe);
	ior_sqe_set_data32(sqe, 5);
	CHECK(t_one(ring, &c) == 0 && c.user_data == 5, "nop");
	ior_prep_cancel32(ior_get_sqe(ring), 5, 0);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_ENOENT, "cancel of a completed nop: %s, want no-entry", t_code(res));
	PASS();
}

static void cancel_other_ring(struct ior_ring *ring)
{
	struct ior_ring other;
	struct t_cqe c[2];
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	idle_poll(ring, server, 9);
	CHECK(t_quiet(ring, 20000000), "the poll completed with no input");
	/* A cancel reaches only its own ring's operations. */
	CHECK(ior_ring_init(&other, 4) == 0, "second ring");
	ior_prep_cancel32(ior_get_sqe(&other), 9, 0);
	res = t_one(&other, NULL);
	ior_ring_exit(&other);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_ENOENT, "cancel from another ring: %s, want no-entry", t_code(res));
	ior_prep_cancel32(ior_get_sqe(ring), 9, 0);
	CHECK(t_reap(ring, c, 2) == 2, "the poll did not go with its own ring's cancel");
	PASS();
}

int main(void)
{
	t_run("cancel-user-data", cancel_user_data);
	t_run("cancel-all", cancel_all);
	t_run("cancel-first-only", cancel_first_only);
	t_run("cancel-nothing", cancel_nothing);
	t_run("cancel-completed", cancel_completed);
	t_run("cancel-other-ring", cancel_other_ring);
	return t_exit();
}
