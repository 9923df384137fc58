/*
 * accept: one connection at a time, and a multishot stream of them, on the granted listener;
 * each accepted handle is a working connection to the socket that connected.
 */
#include "conform.h"

/* A new TCP socket's handle, or -IOR_E* (call with nothing else in flight). */
static int new_socket(struct ior_ring *ring)
{
	struct t_cqe c;
	int res;

	ior_prep_socket(ior_get_sqe(ring), IOR_AF_INET, IOR_SOCK_STREAM);
	res = t_one(ring, &c);
	return res < 0 ? res : c.handle;
}

/* Submit a connect of @fd to 127.0.0.1:@port, with user data @ud. */
static void start_connect(struct ior_ring *ring, int fd, int port, uint32_t ud)
{
	ior_sockaddr_t to;
	ior_sqe_t *sqe = ior_get_sqe(ring);

	ior_addr_ipv4(&to, 127, 0, 0, 1, (uint16_t)port);
	ior_prep_connect(sqe, (ior_handle_t)fd, &to);
	ior_sqe_set_data32(sqe, ud);
	ior_submit(ring);
}

/* The local port of socket @fd, or -IOR_E*. */
static int local_port(struct ior_ring *ring, int fd)
{
	struct t_cqe c;
	int res;

	ior_prep_local_address(ior_get_sqe(ring), (ior_handle_t)fd);
	res = t_one(ring, &c);
	return res < 0 ? res : t_port(&c);
}

static void accept_one(struct ior_ring *ring)
{
	struct t_cqe c[2], acc = { 0 };
	int lst, port, client, res;

	port = t_listener_port(ring, &lst);
	CHECK(port > 0, "listener \"lst\": %s", t_code(port));
	client = new_socket(ring);
	CHECK(client >= 0, "socket: %s", t_code(client));
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_accept(sqe, (ior_handle_t)lst);
	ior_sqe_set_data32(sqe, 1);
	CHECK(t_quiet(ring, 20000000), "accept completed with nobody connecting");
	start_connect(ring, client, port, 2);
	CHECK(t_reap(ring, c, 2) == 2, "accept and connect did not both complete");
	for (int i = 0; i < 2; i++) {
		if (c[i].user_data == 1)
			acc = c[i];
		else
			CHECK(c[i].res == 0, "connect: %s", t_code(c[i].res));
	}
	SKIP_IF_NOTSUP(acc.res);
	CHECK(acc.res == 0, "accept: %s, want 0", t_code(acc.res));
	CHECK(!acc.more, "a single accept has more set");
	CHECK(acc.handle >= 0 && acc.handle != lst && acc.handle != client,
	      "accept's handle %d is no new handle", acc.handle);
	res = local_port(ring, client);
	CHECK(res > 0 && res == t_port(&acc), "accept's peer port %d, the client's port %s",
	      t_port(&acc), t_code(res));
	/* The accepted handle is the connection: bytes cross both ways. */
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "hi", 2);
	CHECK(t_one(ring, NULL) == 2, "send");
	ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)acc.handle, 8);
	res = t_one(ring, &c[0]);
	CHECK(res == 2 && memcmp(c[0].data, "hi", 2) == 0, "recv on the accepted handle: %s",
	      t_code(res));
	PASS();
}

static void accept_multishot(struct ior_ring *ring)
{
	enum { N = 3 };
	struct t_cqe c;
	int lst, port, clients[N], ports[N], handles[N], accepted = 0, connected = 0, res;

	port = t_listener_port(ring, &lst);
	CHECK(port > 0, "listener \"lst\": %s", t_code(port));
	for (int i = 0; i < N; i++) {
		clients[i] = new_socket(ring);
		CHECK(clients[i] >= 0, "socket %d: %s", i, t_code(clients[i]));
	}
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_accept_multishot(sqe, (ior_handle_t)lst);
	ior_sqe_set_data32(sqe, 7);
	ior_submit(ring);
	for (int i = 0; i < N; i++)
		start_connect(ring, clients[i], port, 100 + i);
	while (accepted < N || connected < N) {
		CHECK(t_next(ring, &c) == 0, "%d accepted and %d connected of %d, then nothing",
		      accepted, connected, N);
		if (c.user_data != 7) {
			CHECK(c.res == 0, "connect %u: %s", c.user_data - 100, t_code(c.res));
			connected++;
			continue;
		}
		SKIP_IF_NOTSUP(c.res);
		CHECK(c.res == 0, "accept %d: %s", accepted, t_code(c.res));
		CHECK(c.more, "accept %d: more is not set while the stream goes on", accepted);
		CHECK(c.handle >= 0 && t_port(&c) > 0, "accept %d carries no handle and peer", accepted);
		ports[accepted] = t_port(&c);
		handles[accepted++] = c.handle;
	}
	/* Each client is accepted exactly once, whatever the order. */
	for (int i = 0; i < N; i++) {
		int p = local_port(ring, clients[i]), hits = 0;

		for (int k = 0; k < N; k++)
			hits += ports[k] == p;
		CHECK(hits == 1, "client %d (port %d) accepted %d times", i, p, hits);
		for (int k = 0; k < i; k++)
			CHECK(handles[k] != handles[i], "two accepts gave handle %d", handles[i]);
	}
	/* Cancel ends the stream: a last CQE without more. */
	ior_prep_cancel32(ior_get_sqe(ring), 7, 0);
	bool ended = false, cancel_seen = false;
	while (!ended || !cancel_seen) {
		CHECK(t_next(ring, &c) == 0, "the stream did not end after cancel");
		if (c.user_data == 7) {
			CHECK(!c.more, "the stream's last CQE has more set");
			CHECK(c.res == -IOR_ECANCELED, "the stream ended with %s, want canceled",
			      t_code(c.res));
			ended = true;
		} else {
			CHECK(c.res == 1, "cancel: %s, want 1", t_code(c.res));
			cancel_seen = true;
		}
	}
	res = t_quiet(ring, 20000000);
	CHECK(res, "a CQE after the stream's last");
	PASS();
}

static void accept_not_listening(struct ior_ring *ring)
{
	struct t_cqe c;
	int res;

	ior_prep_socket(ior_get_sqe(ring), IOR_AF_INET, IOR_SOCK_STREAM);
	res = t_one(ring, &c);
	CHECK(res == 0, "socket: %s", t_code(res));
	ior_prep_accept(ior_get_sqe(ring), (ior_handle_t)c.handle);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EINVAL, "accept on a socket that does not listen: %s, want invalid",
	      t_code(res));
	PASS();
}

int main(void)
{
	t_run("accept-one", accept_one);
	t_run("accept-multishot", accept_multishot);
	t_run("accept-not-listening", accept_not_listening);
	return t_exit();
}
