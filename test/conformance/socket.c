/*
 * socket: socket, bind, listen, set-option, local-address, connect and shutdown, the guest
 * being both ends on loopback; binds and connects outside the grants are refused.
 */
#include "conform.h"

/* A new socket's handle, or -IOR_E*. */
static int new_socket(struct ior_ring *ring, unsigned type)
{
	struct t_cqe c;
	int res;

	ior_prep_socket(ior_get_sqe(ring), IOR_AF_INET, type);
	res = t_one(ring, &c);
	return res < 0 ? res : c.handle;
}

/* Bind @fd to 127.0.0.1:0 and return the port the system chose, or -IOR_E*. */
static int bind_any_port(struct ior_ring *ring, int fd)
{
	struct t_cqe c;
	ior_sockaddr_t addr;
	int res;

	ior_addr_ipv4(&addr, 127, 0, 0, 1, 0);
	ior_prep_bind(ior_get_sqe(ring), (ior_handle_t)fd, &addr);
	res = t_one(ring, NULL);
	if (res < 0)
		return res;
	ior_prep_local_address(ior_get_sqe(ring), (ior_handle_t)fd);
	res = t_one(ring, &c);
	if (res < 0)
		return res;
	return t_port(&c);
}

static void socket_create(struct ior_ring *ring)
{
	struct t_cqe c;
	int res, a, b;

	ior_prep_socket(ior_get_sqe(ring), IOR_AF_INET, IOR_SOCK_STREAM);
	res = t_one(ring, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "socket: %s, want 0", t_code(res));
	CHECK(c.handle >= 0, "no handle in the CQE");
	a = c.handle;
	ior_prep_socket(ior_get_sqe(ring), IOR_AF_INET, IOR_SOCK_DGRAM);
	res = t_one(ring, &c);
	CHECK(res == 0 && c.handle >= 0, "datagram socket: %s", t_code(res));
	b = c.handle;
	CHECK(a != b, "two sockets got the same handle %d", a);
	PASS();
}

static void socket_bind_local_address(struct ior_ring *ring)
{
	struct t_cqe c;
	ior_sockaddr_t addr;
	int fd = new_socket(ring, IOR_SOCK_STREAM), res;

	CHECK(fd >= 0, "socket: %s", t_code(fd));
	ior_addr_ipv4(&addr, 127, 0, 0, 1, 0);
	ior_prep_bind(ior_get_sqe(ring), (ior_handle_t)fd, &addr);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "bind 127.0.0.1:0: %s", t_code(res));
	ior_prep_local_address(ior_get_sqe(ring), (ior_handle_t)fd);
	res = t_one(ring, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "local-address: %s", t_code(res));
	CHECK(c.has_addr && c.addr.tag == IOR_ADDR_IPV4, "local-address carries no IPv4 address");
	CHECK(c.addr.val.ipv4.address.f0 == 127 && c.addr.val.ipv4.address.f1 == 0 &&
	      c.addr.val.ipv4.address.f2 == 0 && c.addr.val.ipv4.address.f3 == 1,
	      "bound to %u.%u.%u.%u, want 127.0.0.1", c.addr.val.ipv4.address.f0,
	      c.addr.val.ipv4.address.f1, c.addr.val.ipv4.address.f2, c.addr.val.ipv4.address.f3);
	CHECK(c.addr.val.ipv4.port != 0, "port 0: the system chose none");
	PASS();
}

static void socket_bind_in_use(struct ior_ring *ring)
{
	ior_sockaddr_t addr;
	int a = new_socket(ring, IOR_SOCK_STREAM), b = new_socket(ring, IOR_SOCK_STREAM), port, res;

	CHECK(a >= 0 && b >= 0, "socket");
	port = bind_any_port(ring, a);
	CHECK(port > 0, "bind: %s", t_code(port));
	ior_prep_listen(ior_get_sqe(ring), (ior_handle_t)a, 4);
	res = t_one(ring, NULL);
	CHECK(res == 0, "listen: %s", t_code(res));
	ior_addr_ipv4(&addr, 127, 0, 0, 1, (uint16_t)port);
	ior_prep_bind(ior_get_sqe(ring), (ior_handle_t)b, &addr);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EADDRINUSE, "bind to a listening socket's port: %s, want address-in-use",
	      t_code(res));
	PASS();
}

struct t_option {
	unsigned opt;
	uint32_t value;
	const char *name;
};

/* Set each of @opts on a fresh TCP socket: every one must succeed. */
static void set_options(struct ior_ring *ring, const struct t_option *opts, unsigned n)
{
	int fd = new_socket(ring, IOR_SOCK_STREAM), res;

	CHECK(fd >= 0, "socket: %s", t_code(fd));
	for (unsigned i = 0; i < n; i++) {
		ior_prep_set_option(ior_get_sqe(ring), (ior_handle_t)fd, opts[i].opt, opts[i].value);
		res = t_one(ring, NULL);
		SKIP_IF_NOTSUP(res);
		CHECK(res == 0, "%s: %s, want 0", opts[i].name, t_code(res));
	}
	PASS();
}

static void socket_set_option(struct ior_ring *ring)
{
	static const struct t_option opts[] = {
		{ IOR_SO_REUSEADDR, 1, "reuse-address" },
		{ IOR_TCP_NODELAY, 1, "tcp-no-delay" },
		{ IOR_SO_RCVBUF, 65536, "receive-buffer-size" },
		{ IOR_SO_SNDBUF, 65536, "send-buffer-size" },
		{ IOR_TCP_NODELAY, 0, "tcp-no-delay off" },
	};
	int res;

	/* An option on something that is no socket fails. */
	ior_prep_set_option(ior_get_sqe(ring), IOR_STDOUT, IOR_TCP_NODELAY, 1);
	res = t_one(ring, NULL);
	CHECK(res < 0, "tcp-no-delay on handle 1 succeeded");
	set_options(ring, opts, sizeof(opts) / sizeof(opts[0]));
}

static void socket_set_option_reuse_port(struct ior_ring *ring)
{
	static const struct t_option opts[] = { { IOR_SO_REUSEPORT, 1, "reuse-port" } };

	set_options(ring, opts, 1);
}

static void socket_set_option_keep_alive(struct ior_ring *ring)
{
	static const struct t_option opts[] = {
		{ IOR_SO_KEEPALIVE, 1, "keep-alive" },
		{ IOR_SO_KEEPALIVE, 0, "keep-alive off" },
	};

	set_options(ring, opts, 2);
}

static void socket_listen_connect(struct ior_ring *ring)
{
	struct t_cqe c[2], la;
	ior_sockaddr_t to;
	ior_sqe_t *sqe;
	int l = new_socket(ring, IOR_SOCK_STREAM), s = new_socket(ring, IOR_SOCK_STREAM), port, res;

	CHECK(l >= 0 && s >= 0, "socket");
	port = bind_any_port(ring, l);
	CHECK(port > 0, "bind: %s", t_code(port));
	ior_prep_listen(ior_get_sqe(ring), (ior_handle_t)l, 8);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "listen: %s", t_code(res));
	ior_addr_ipv4(&to, 127, 0, 0, 1, (uint16_t)port);
	sqe = ior_get_sqe(ring);
	ior_prep_connect(sqe, (ior_handle_t)s, &to);
	ior_sqe_set_data32(sqe, 1);
	sqe = ior_get_sqe(ring);
	ior_prep_accept(sqe, (ior_handle_t)l);
	ior_sqe_set_data32(sqe, 2);
	CHECK(t_reap(ring, c, 2) == 2, "connect and accept did not both complete");
	for (int i = 0; i < 2; i++) {
		if (c[i].user_data == 1) {
			SKIP_IF_NOTSUP(c[i].res);
			CHECK(c[i].res == 0, "connect: %s", t_code(c[i].res));
		} else {
			CHECK(c[i].res == 0 && c[i].handle >= 0, "accept: %s", t_code(c[i].res));
			CHECK(c[i].has_addr, "accept carries no peer address");
			la = c[i];
		}
	}
	/* The peer accept reports is the connecting socket's own address. */
	ior_prep_local_address(ior_get_sqe(ring), (ior_handle_t)s);
	res = t_one(ring, &c[0]);
	CHECK(res == 0 && t_port(&c[0]) > 0, "local-address of the client: %s", t_code(res));
	CHECK(t_port(&c[0]) == t_port(&la), "accept's peer port %d, the client's port %d",
	      t_port(&la), t_port(&c[0]));
	PASS();
}

static void socket_connect_refused(struct ior_ring *ring)
{
	ior_sockaddr_t to;
	int a = new_socket(ring, IOR_SOCK_STREAM), b = new_socket(ring, IOR_SOCK_STREAM), port, res;

	CHECK(a >= 0 && b >= 0, "socket");
	/* A port bound but not listening: nothing accepts there. */
	port = bind_any_port(ring, a);
	CHECK(port > 0, "bind: %s", t_code(port));
	ior_addr_ipv4(&to, 127, 0, 0, 1, (uint16_t)port);
	ior_prep_connect(ior_get_sqe(ring), (ior_handle_t)b, &to);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_ECONNREFUSED, "connect to a port nobody listens on: %s, want "
	      "connection-refused", t_code(res));
	PASS();
}

static void socket_ungranted(struct ior_ring *ring)
{
	ior_sockaddr_t far;
	int fd = new_socket(ring, IOR_SOCK_STREAM), u = new_socket(ring, IOR_SOCK_DGRAM), res;

	CHECK(fd >= 0 && u >= 0, "socket");
	/* The runner grants 127.0.0.1 only. */
	ior_addr_ipv4(&far, 10, 1, 2, 3, 80);
	ior_prep_connect(ior_get_sqe(ring), (ior_handle_t)fd, &far);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EACCES, "connect to 10.1.2.3:80: %s, want access", t_code(res));
	ior_addr_ipv4(&far, 0, 0, 0, 0, 0);
	ior_prep_bind(ior_get_sqe(ring), (ior_handle_t)fd, &far);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EACCES, "bind to 0.0.0.0:0: %s, want access", t_code(res));
	ior_addr_ipv4(&far, 10, 1, 2, 3, 53);
	ior_prep_sendmsg(ior_get_sqe(ring), (ior_handle_t)u, "x", 1, &far);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EACCES, "sendmsg to 10.1.2.3:53: %s, want access", t_code(res));
	/* An unbound socket would listen on the wildcard address, which is not granted. */
	ior_prep_listen(ior_get_sqe(ring), (ior_handle_t)fd, 4);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EACCES, "listen unbound: %s, want access", t_code(res));
	PASS();
}

static void socket_shutdown(struct ior_ring *ring)
{
	struct t_cqe c;
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	ior_prep_shutdown(ior_get_sqe(ring), (ior_handle_t)client, IOR_SHUT_WR);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "shutdown write: %s", t_code(res));
	/* The peer reads end of stream; the shut side can no longer send. */
	ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)server, 16);
	res = t_one(ring, &c);
	CHECK(res == 0 && c.len == 0, "recv after the peer's shutdown: %s, want 0", t_code(res));
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "late", 4);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EPIPE, "send after shutdown write: %s, want pipe", t_code(res));
	/* The other direction still works. */
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)server, "back", 4);
	res = t_one(ring, NULL);
	CHECK(res == 4, "send the other way: %s", t_code(res));
	ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)client, 16);
	res = t_one(ring, &c);
	CHECK(res == 4 && memcmp(c.data, "back", 4) == 0, "recv the other way: %s", t_code(res));
	ior_prep_shutdown(ior_get_sqe(ring), (ior_handle_t)server, IOR_SHUT_RDWR);
	res = t_one(ring, NULL);
	CHECK(res == 0, "shutdown both: %s", t_code(res));
	ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)client, 16);
	res = t_one(ring, &c);
	CHECK(res == 0, "recv after the peer's shutdown of both: %s, want 0", t_code(res));
	PASS();
}

static void socket_shutdown_unconnected(struct ior_ring *ring)
{
	int fd = new_socket(ring, IOR_SOCK_STREAM), res;

	CHECK(fd >= 0, "socket: %s", t_code(fd));
	ior_prep_shutdown(ior_get_sqe(ring), (ior_handle_t)fd, IOR_SHUT_RDWR);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_ENOTCONN, "shutdown of an unconnected socket: %s, want not-connected",
	      t_code(res));
	PASS();
}

struct t_kind {
	unsigned family, type;
	const char *name;
};

/* A socket of each kind, unbound: each reports its family's empty address. */
static void socket_kinds(struct ior_ring *ring, const struct t_kind *kinds, unsigned n)
{
	struct t_cqe c;
	int res;

	for (unsigned i = 0; i < n; i++) {
		ior_prep_socket(ior_get_sqe(ring), kinds[i].family, kinds[i].type);
		res = t_one(ring, &c);
		SKIP_IF_NOTSUP(res);
		/* A host without the family says so with the family's own code. */
		if (res == -IOR_EAFNOSUPPORT && kinds[i].family == IOR_AF_UNIX)
			SKIP("socket %s: address-family-not-supported: the host has no unix sockets",
			     kinds[i].name);
		CHECK(res == 0 && c.handle >= 0, "socket %s: %s", kinds[i].name, t_code(res));
		/* Unbound, each reports its family's empty address. */
		ior_prep_local_address(ior_get_sqe(ring), (ior_handle_t)c.handle);
		res = t_one(ring, &c);
		CHECK(res == 0 && c.has_addr, "local-address of an unbound %s socket: %s",
		      kinds[i].name, t_code(res));
		if (kinds[i].family == IOR_AF_INET6) {
			const ioring_ring_types_ipv6_socket_address_t *a = &c.addr.val.ipv6;

			CHECK(c.addr.tag == IOR_ADDR_IPV6, "%s: address kind %u, want ipv6",
			      kinds[i].name, c.addr.tag);
			CHECK(a->port == 0 && a->address.f0 == 0 && a->address.f7 == 0,
			      "%s: unbound, yet port %u", kinds[i].name, a->port);
		} else {
			CHECK(c.addr.tag == IOR_ADDR_UNIX, "%s: address kind %u, want unix",
			      kinds[i].name, c.addr.tag);
			CHECK(c.addr.val.unix.len == 0, "%s: an unnamed socket's path has %zu bytes",
			      kinds[i].name, c.addr.val.unix.len);
		}
	}
	PASS();
}

static void socket_ipv6(struct ior_ring *ring)
{
	static const struct t_kind kinds[] = {
		{ IOR_AF_INET6, IOR_SOCK_STREAM, "ipv6 stream" },
		{ IOR_AF_INET6, IOR_SOCK_DGRAM, "ipv6 datagram" },
	};

	socket_kinds(ring, kinds, 2);
}

static void socket_families(struct ior_ring *ring)
{
	static const struct t_kind kinds[] = {
		{ IOR_AF_UNIX, IOR_SOCK_STREAM, "unix stream" },
		{ IOR_AF_UNIX, IOR_SOCK_DGRAM, "unix datagram" },
		{ IOR_AF_UNIX, IOR_SOCK_SEQPACKET, "unix seqpacket" },
	};

	socket_kinds(ring, kinds, 3);
}

static void socket_ipv6_only(struct ior_ring *ring)
{
	struct t_cqe c;
	int res, v4 = new_socket(ring, IOR_SOCK_STREAM);

	CHECK(v4 >= 0, "socket: %s", t_code(v4));
	ior_prep_socket(ior_get_sqe(ring), IOR_AF_INET6, IOR_SOCK_STREAM);
	res = t_one(ring, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "ipv6 socket: %s", t_code(res));
	ior_prep_set_option(ior_get_sqe(ring), (ior_handle_t)c.handle, IOR_IPV6_V6ONLY, 1);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "ipv6-only on an ipv6 socket: %s", t_code(res));
	ior_prep_set_option(ior_get_sqe(ring), (ior_handle_t)v4, IOR_IPV6_V6ONLY, 1);
	res = t_one(ring, NULL);
	CHECK(res < 0, "ipv6-only on an ipv4 socket succeeded");
	PASS();
}

static void socket_shutdown_read(struct ior_ring *ring)
{
	struct t_cqe c;
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	ior_prep_shutdown(ior_get_sqe(ring), (ior_handle_t)server, IOR_SHUT_RD);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "shutdown read: %s", t_code(res));
	/* No more receiving: a receive ends at once, with 0. */
	ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)server, 16);
	res = t_one(ring, &c);
	CHECK(res == 0 && c.len == 0, "recv after shutdown read: %s, want 0", t_code(res));
	/* Sending still works. */
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)server, "out", 3);
	CHECK(t_one(ring, NULL) == 3, "send after shutdown read");
	ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)client, 16);
	res = t_one(ring, &c);
	CHECK(res == 3 && memcmp(c.data, "out", 3) == 0, "the peer's recv: %s", t_code(res));
	PASS();
}

int main(void)
{
	t_run("socket-create", socket_create);
	t_run("socket-bind-local-address", socket_bind_local_address);
	t_run("socket-bind-in-use", socket_bind_in_use);
	t_run("socket-set-option", socket_set_option);
	t_run("socket-set-option-reuse-port", socket_set_option_reuse_port);
	t_run("socket-set-option-keep-alive", socket_set_option_keep_alive);
	t_run("socket-listen-connect-accept", socket_listen_connect);
	t_run("socket-connect-refused", socket_connect_refused);
	t_run("socket-ungranted", socket_ungranted);
	t_run("socket-shutdown", socket_shutdown);
	t_run("socket-shutdown-unconnected", socket_shutdown_unconnected);
	t_run("socket-shutdown-read", socket_shutdown_read);
	t_run("socket-ipv6", socket_ipv6);
	t_run("socket-families", socket_families);
	t_run("socket-ipv6-only", socket_ipv6_only);
	return t_exit();
}
