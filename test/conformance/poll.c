/*
 * poll: one-shot and multishot readiness on a TCP connection the guest made to itself; the
 * result is the ready events as bits.
 */
#include "conform.h"

static void poll_oneshot(struct ior_ring *ring)
{
	struct t_cqe c[2];
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_poll(sqe, (ior_handle_t)server, IOR_POLLIN);
	ior_sqe_set_data32(sqe, 1);
	CHECK(t_quiet(ring, 30000000), "poll for input completed with no input");
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "wake", 4);
	CHECK(t_reap(ring, c, 2) == 2, "send and poll did not both complete");
	for (int i = 0; i < 2; i++) {
		if (c[i].user_data != 1)
			continue;
		SKIP_IF_NOTSUP(c[i].res);
		CHECK(c[i].res > 0 && (c[i].res & IOR_POLLIN), "poll: %s, want readable",
		      t_code(c[i].res));
		CHECK(!(c[i].res & IOR_POLLOUT), "poll reported writable, which was not asked for");
		CHECK(!c[i].more, "a one-shot poll has more set");
	}
	/* One-shot: more input, no second CQE. */
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "more", 4);
	CHECK(t_one(ring, NULL) == 4, "second send");
	CHECK(t_quiet(ring, 30000000), "a one-shot poll completed twice");
	PASS();
}

static void poll_writable(struct ior_ring *ring)
{
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	ior_prep_poll(ior_get_sqe(ring), (ior_handle_t)client, IOR_POLLIN | IOR_POLLOUT);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res > 0 && (res & IOR_POLLOUT), "poll of a fresh connection: %s, want writable",
	      t_code(res));
	CHECK(!(res & IOR_POLLIN), "readable with nothing sent (%#x)", (unsigned)res);
	PASS();
}

static void poll_multishot(struct ior_ring *ring)
{
	struct t_cqe c;
	int client, server, res, wakeups = 0;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_poll_multishot(sqe, (ior_handle_t)server, IOR_POLLIN);
	ior_sqe_set_data32(sqe, 1);
	CHECK(t_quiet(ring, 30000000), "multishot poll completed with no input");
	/* Three rounds of: input arrives, the poll reports it, the input is read away. */
	for (int round = 0; round < 3; round++) {
		bool polled = false, sent = false;

		ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "x", 1);
		while (!polled || !sent) {
			CHECK(t_next(ring, &c) == 0, "round %d: no completion", round);
			if (c.user_data != 1) {
				CHECK(c.res == 1, "send: %s", t_code(c.res));
				sent = true;
				continue;
			}
			SKIP_IF_NOTSUP(c.res);
			CHECK(c.res > 0 && (c.res & IOR_POLLIN), "round %d: %s, want readable", round,
			      t_code(c.res));
			CHECK(c.more, "round %d: more is not set on a multishot poll", round);
			polled = true;
			wakeups++;
		}
		ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)server, 16);
		CHECK(t_one(ring, &c) == 1, "recv in round %d", round);
		CHECK(t_quiet(ring, 20000000), "round %d: a report with nothing new to read", round);
	}
	CHECK(wakeups == 3, "%d reports for 3 arrivals", wakeups);
	ior_prep_cancel32(ior_get_sqe(ring), 1, 0);
	for (int seen = 0; seen < 2; seen++) {
		CHECK(t_next(ring, &c) == 0, "cancel did not end the multishot poll");
		if (c.user_data == 1)
			CHECK(c.res == -IOR_ECANCELED && !c.more, "the last CQE: %s more %d, want canceled",
			      t_code(c.res), c.more);
		else
			CHECK(c.res == 1, "cancel: %s", t_code(c.res));
	}
	PASS();
}

static void poll_hang_up(struct ior_ring *ring)
{
	struct t_cqe c[2];
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_poll(sqe, (ior_handle_t)server, IOR_POLLRDHUP);
	ior_sqe_set_data32(sqe, 1);
	if (!t_quiet(ring, 30000000)) {
		/* A host without read-hang-up says so at once. */
		CHECK(t_next(ring, &c[0]) == 0, "lost a completion");
		SKIP_IF_NOTSUP(c[0].res);
		FAIL("poll for read-hang-up completed early: %s", t_code(c[0].res));
	}
	/* The peer's close shuts its writing half (as shutdown of writing would). */
	ior_prep_close(ior_get_sqe(ring), (ior_handle_t)client);
	CHECK(t_reap(ring, c, 2) == 2, "close and poll did not both complete");
	for (int i = 0; i < 2; i++) {
		if (c[i].user_data != 1) {
			CHECK(c[i].res == 0, "close: %s", t_code(c[i].res));
			continue;
		}
		SKIP_IF_NOTSUP(c[i].res);
		CHECK(c[i].res > 0 && (c[i].res & IOR_POLLRDHUP),
		      "poll after the peer's close: %s, want read-hang-up", t_code(c[i].res));
	}
	PASS();
}

static void poll_hang_up_both(struct ior_ring *ring)
{
	struct t_cqe c[2];
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	/* Both directions shut: the connection is hung up, which poll reports unasked. */
	ior_prep_shutdown(ior_get_sqe(ring), (ior_handle_t)server, IOR_SHUT_WR);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "shutdown of the server's writing: %s", t_code(res));
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_poll(sqe, (ior_handle_t)server, IOR_POLLPRI);
	ior_sqe_set_data32(sqe, 1);
	CHECK(t_quiet(ring, 30000000), "poll for priority data completed early");
	ior_prep_shutdown(ior_get_sqe(ring), (ior_handle_t)client, IOR_SHUT_WR);
	CHECK(t_reap(ring, c, 2) == 2, "shutdown and poll did not both complete");
	for (int i = 0; i < 2; i++) {
		if (c[i].user_data != 1)
			continue;
		SKIP_IF_NOTSUP(c[i].res);
		CHECK(c[i].res > 0 && (c[i].res & IOR_POLLHUP), "poll: %s, want hang-up",
		      t_code(c[i].res));
		CHECK(!(c[i].res & IOR_POLLPRI), "priority reported with no urgent data");
	}
	PASS();
}

static void poll_error(struct ior_ring *ring)
{
	int client, server, res, got;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	/* Closing with unread bytes resets the connection: the peer has a pending error. */
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "unread", 6);
	CHECK(t_one(ring, NULL) == 6, "send");
	t_close(ring, server);
	ior_prep_poll(ior_get_sqe(ring), (ior_handle_t)client, IOR_POLLIN);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	if (res > 0 && !(res & IOR_POLLERR)) {
		/* No error: was it a reset at all? */
		ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)client, 16);
		got = t_one(ring, NULL);
		SKIP_IF_NO_RESET(got);
		FAIL("poll of a reset connection: %#x, want error (a recv then: %s)", (unsigned)res,
		     t_code(got));
	}
	CHECK(res > 0 && (res & IOR_POLLERR), "poll of a reset connection: %s, want error",
	      t_code(res));
	CHECK(res & IOR_POLLHUP, "poll of a reset connection: %#x, want hang-up too", (unsigned)res);
	PASS();
}

int main(void)
{
	t_run("poll-oneshot", poll_oneshot);
	t_run("poll-writable", poll_writable);
	t_run("poll-multishot", poll_multishot);
	t_run("poll-read-hang-up", poll_hang_up);
	t_run("poll-hang-up", poll_hang_up_both);
	t_run("poll-error", poll_error);
	return t_exit();
}
