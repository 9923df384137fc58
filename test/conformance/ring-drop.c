/*
 * ring-drop: dropping a ring cancels what it has in flight: an accept no longer takes
 * connections, a receive no longer takes bytes, and nothing linked after them runs. Other
 * rings of the guest, and its handles, go on.
 */
#include "conform.h"

static void ring_drop_accept(struct ior_ring *ring)
{
	struct ior_ring doomed;
	struct t_cqe c[2];
	ior_sockaddr_t to;
	ior_sqe_t *sqe;
	int lst, port, rw = t_dir("rw"), fd, client, res;

	port = t_listener_port(ring, &lst);
	CHECK(port > 0, "listener \"lst\": %s", t_code(port));
	fd = t_open(ring, rw, "after-accept", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(fd >= 0, "fixture: %s", t_code(fd));
	ior_prep_socket(ior_get_sqe(ring), IOR_AF_INET, IOR_SOCK_STREAM);
	res = t_one(ring, &c[0]);
	CHECK(res == 0, "socket: %s", t_code(res));
	client = c[0].handle;

	/* On a second ring: accept -> write "X", both in flight when the ring goes. */
	CHECK(ior_ring_init(&doomed, 4) == 0, "second ring");
	sqe = ior_get_sqe(&doomed);
	ior_prep_accept(sqe, (ior_handle_t)lst);
	ior_sqe_set_flags(sqe, IOR_SQE_LINK);
	ior_prep_write(ior_get_sqe(&doomed), (ior_handle_t)fd, "X", 1, 0);
	CHECK(ior_submit(&doomed) == 2, "submit on the second ring");
	CHECK(t_quiet(&doomed, 20000000), "the accept completed with nobody connecting");
	ior_ring_exit(&doomed);

	/* Now a connection: the accept on this ring gets it, not the dropped one's. */
	ior_addr_ipv4(&to, 127, 0, 0, 1, (uint16_t)port);
	sqe = ior_get_sqe(ring);
	ior_prep_connect(sqe, (ior_handle_t)client, &to);
	ior_sqe_set_data32(sqe, 1);
	sqe = ior_get_sqe(ring);
	ior_prep_accept(sqe, (ior_handle_t)lst);
	ior_sqe_set_data32(sqe, 2);
	CHECK(t_reap(ring, c, 2) == 2, "connect and accept did not both complete: the dropped "
	      "ring's accept took the connection?");
	for (int i = 0; i < 2; i++)
		CHECK(c[i].res == 0, "%s: %s", c[i].user_data == 1 ? "connect" : "accept",
		      t_code(c[i].res));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 8, 0);
	res = t_one(ring, &c[0]);
	CHECK(res == 0, "the write linked after the dropped accept ran (%s bytes)", t_code(res));
	PASS();
}

static void ring_drop_recv(struct ior_ring *ring)
{
	struct ior_ring doomed;
	struct t_cqe c;
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	CHECK(ior_ring_init(&doomed, 4) == 0, "second ring");
	ior_prep_recv(ior_get_sqe(&doomed), (ior_handle_t)server, 64);
	ior_prep_recv_multishot(ior_get_sqe(&doomed), (ior_handle_t)server, 64);
	CHECK(ior_submit(&doomed) == 2, "submit on the second ring");
	CHECK(t_quiet(&doomed, 20000000), "a receive completed with nothing sent");
	ior_ring_exit(&doomed);
	/* The bytes sent now are all there for a receive on this ring. */
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "kept", 4);
	CHECK(t_one(ring, NULL) == 4, "send");
	ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)server, 64);
	res = t_one(ring, &c);
	CHECK(res == 4 && memcmp(c.data, "kept", 4) == 0,
	      "recv after the drop: %s (the dropped ring's receives took bytes?)", t_code(res));
	PASS();
}

static void ring_drop_timeout(struct ior_ring *ring)
{
	struct ior_ring doomed;
	struct t_cqe c;

	/* A ring dropped with a timeout in flight; this ring's timeout is unaffected, and no CQE
	 * of the other ring ever shows up here. */
	CHECK(ior_ring_init(&doomed, 4) == 0, "second ring");
	ior_prep_timeout(ior_get_sqe(&doomed), 30000000, 0);
	CHECK(ior_submit(&doomed) == 1, "submit on the second ring");
	ior_ring_exit(&doomed);
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_timeout(sqe, 60000000, 0);
	ior_sqe_set_data32(sqe, 77);
	CHECK(t_next(ring, &c) == 0 && c.user_data == 77 && c.res == -IOR_ETIMEDOUT,
	      "this ring's timeout: %u %s", c.user_data, t_code(c.res));
	CHECK(t_quiet(ring, 50000000), "a stray completion");
	PASS();
}

int main(void)
{
	t_run("ring-drop-accept", ring_drop_accept);
	t_run("ring-drop-recv", ring_drop_recv);
	t_run("ring-drop-timeout", ring_drop_timeout);
	return t_exit();
}
