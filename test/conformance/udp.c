/*
 * udp: sendmsg and recvmsg between two datagram sockets of the guest on loopback: payloads,
 * message boundaries, the sender's address, connected sockets, and a send with no address.
 */
#include "conform.h"

/* A datagram socket bound to 127.0.0.1:0; its handle, and its port in *@port. */
static int bound_socket(struct ior_ring *ring, int *port)
{
	struct t_cqe c;
	ior_sockaddr_t addr;
	int fd, res;

	ior_prep_socket(ior_get_sqe(ring), IOR_AF_INET, IOR_SOCK_DGRAM);
	res = t_one(ring, &c);
	if (res < 0)
		return res;
	fd = c.handle;
	ior_addr_ipv4(&addr, 127, 0, 0, 1, 0);
	ior_prep_bind(ior_get_sqe(ring), (ior_handle_t)fd, &addr);
	res = t_one(ring, NULL);
	if (res < 0)
		return res;
	ior_prep_local_address(ior_get_sqe(ring), (ior_handle_t)fd);
	res = t_one(ring, &c);
	if (res < 0)
		return res;
	*port = t_port(&c);
	return fd;
}

static void udp_sendmsg_recvmsg(struct ior_ring *ring)
{
	struct t_cqe c;
	ior_sockaddr_t to;
	int a, b, pa, pb, res;

	a = bound_socket(ring, &pa);
	CHECK(a >= 0, "socket a: %s", t_code(a));
	b = bound_socket(ring, &pb);
	CHECK(b >= 0, "socket b: %s", t_code(b));
	ior_addr_ipv4(&to, 127, 0, 0, 1, (uint16_t)pa);
	ior_prep_sendmsg(ior_get_sqe(ring), (ior_handle_t)b, "datagram", 8, &to);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 8, "sendmsg: %s, want 8", t_code(res));
	ior_prep_recvmsg(ior_get_sqe(ring), (ior_handle_t)a, 64);
	res = t_one(ring, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 8 && c.len == 8 && memcmp(c.data, "datagram", 8) == 0,
	      "recvmsg: %s with %zu bytes, want \"datagram\"", t_code(res), c.len);
	CHECK(c.has_addr && c.addr.tag == IOR_ADDR_IPV4, "recvmsg carries no sender");
	CHECK(t_port(&c) == pb && c.addr.val.ipv4.address.f0 == 127 && c.addr.val.ipv4.address.f3 == 1,
	      "sender 127.0.0.1:%d, recvmsg says port %d", pb, t_port(&c));
	PASS();
}

static void udp_boundaries(struct ior_ring *ring)
{
	static const char *const msgs[] = { "a", "bb", "", "dddd" };
	struct t_cqe c;
	ior_sockaddr_t to;
	int a, b, pa, pb, res;

	a = bound_socket(ring, &pa);
	b = bound_socket(ring, &pb);
	CHECK(a >= 0 && b >= 0, "sockets: %s %s", t_code(a), t_code(b));
	ior_addr_ipv4(&to, 127, 0, 0, 1, (uint16_t)pa);
	/* Four datagrams, one of them empty, each received whole and alone, in order. */
	for (int i = 0; i < 4; i++) {
		ior_prep_sendmsg(ior_get_sqe(ring), (ior_handle_t)b, msgs[i], strlen(msgs[i]), &to);
		res = t_one(ring, NULL);
		SKIP_IF_NOTSUP(res);
		CHECK(res == (int)strlen(msgs[i]), "sendmsg %d: %s", i, t_code(res));
	}
	for (int i = 0; i < 4; i++) {
		ior_prep_recvmsg(ior_get_sqe(ring), (ior_handle_t)a, 64);
		res = t_one(ring, &c);
		SKIP_IF_NOTSUP(res);
		CHECK(res == (int)strlen(msgs[i]) && c.len == strlen(msgs[i]) &&
		      memcmp(c.data, msgs[i], c.len) == 0,
		      "datagram %d: %s with %zu bytes, want \"%s\"", i, t_code(res), c.len, msgs[i]);
		CHECK(t_port(&c) == pb, "datagram %d: sender port %d, want %d", i, t_port(&c), pb);
	}
	PASS();
}

static void udp_connected(struct ior_ring *ring)
{
	struct t_cqe c;
	ior_sockaddr_t to;
	int a, b, pa, pb, res;

	a = bound_socket(ring, &pa);
	b = bound_socket(ring, &pb);
	CHECK(a >= 0 && b >= 0, "sockets: %s %s", t_code(a), t_code(b));
	ior_addr_ipv4(&to, 127, 0, 0, 1, (uint16_t)pa);
	ior_prep_connect(ior_get_sqe(ring), (ior_handle_t)b, &to);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "connect: %s", t_code(res));
	/* A connected socket sends to its peer with no address, by sendmsg or send. */
	ior_prep_sendmsg(ior_get_sqe(ring), (ior_handle_t)b, "one", 3, NULL);
	res = t_one(ring, NULL);
	CHECK(res == 3, "sendmsg with no address: %s", t_code(res));
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)b, "two", 3);
	res = t_one(ring, NULL);
	CHECK(res == 3, "send: %s", t_code(res));
	ior_prep_recvmsg(ior_get_sqe(ring), (ior_handle_t)a, 64);
	res = t_one(ring, &c);
	CHECK(res == 3 && memcmp(c.data, "one", 3) == 0 && t_port(&c) == pb, "first datagram: %s",
	      t_code(res));
	ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)a, 64);
	res = t_one(ring, &c);
	CHECK(res == 3 && memcmp(c.data, "two", 3) == 0, "second datagram by recv: %s", t_code(res));
	PASS();
}

static void udp_no_destination(struct ior_ring *ring)
{
	struct t_cqe c;
	int res;

	ior_prep_socket(ior_get_sqe(ring), IOR_AF_INET, IOR_SOCK_DGRAM);
	res = t_one(ring, &c);
	CHECK(res == 0, "socket: %s", t_code(res));
	ior_prep_sendmsg(ior_get_sqe(ring), (ior_handle_t)c.handle, "lost", 4, NULL);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EDESTADDRREQ, "sendmsg with no address, unconnected: %s, want "
	      "destination-address-required", t_code(res));
	PASS();
}

static void udp_unbound(struct ior_ring *ring)
{
	struct t_cqe c;
	ior_sockaddr_t to, back;
	int a, pa, u, res;

	/* u is created and never bound or connected: it sends with an address, so the system
	 * binds it to the wildcard address, which is not granted. */
	a = bound_socket(ring, &pa);
	CHECK(a >= 0, "socket a: %s", t_code(a));
	ior_prep_socket(ior_get_sqe(ring), IOR_AF_INET, IOR_SOCK_DGRAM);
	res = t_one(ring, &c);
	CHECK(res == 0, "socket u: %s", t_code(res));
	u = c.handle;
	ior_addr_ipv4(&to, 127, 0, 0, 1, (uint16_t)pa);
	ior_prep_sendmsg(ior_get_sqe(ring), (ior_handle_t)u, "hello", 5, &to);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 5, "sendmsg from u: %s", t_code(res));
	ior_prep_recvmsg(ior_get_sqe(ring), (ior_handle_t)a, 64);
	res = t_one(ring, &c);
	CHECK(res == 5 && c.has_addr, "recvmsg on a: %s", t_code(res));
	back = c.addr;
	/* recv and recv-multishot cannot tell the sender: refused on such a socket... */
	ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)u, 64);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EACCES, "recv on u: %s, want access", t_code(res));
	ior_prep_recv_multishot(ior_get_sqe(ring), (ior_handle_t)u, 64);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EACCES, "recv-multishot on u: %s, want access", t_code(res));
	/* ... while recvmsg delivers a reply from an address the guest may send to. */
	ior_prep_sendmsg(ior_get_sqe(ring), (ior_handle_t)a, "reply", 5, &back);
	CHECK(t_one(ring, NULL) == 5, "sendmsg back");
	ior_prep_recvmsg(ior_get_sqe(ring), (ior_handle_t)u, 64);
	res = t_one(ring, &c);
	CHECK(res == 5 && memcmp(c.data, "reply", 5) == 0 && t_port(&c) == pa,
	      "recvmsg on u: %s from port %d", t_code(res), t_port(&c));
	PASS();
}

int main(void)
{
	t_run("udp-sendmsg-recvmsg", udp_sendmsg_recvmsg);
	t_run("udp-boundaries", udp_boundaries);
	t_run("udp-connected", udp_connected);
	t_run("udp-no-destination", udp_no_destination);
	t_run("udp-unbound", udp_unbound);
	return t_exit();
}
