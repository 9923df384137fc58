/*
 * multicast: the socket options of multicast (join and leave a group, outgoing interface,
 * loopback, TTL) and of binding a socket to a network interface, on the loopback interface,
 * with the runner's grants: the groups 239.255.80.0/24 and ff02::80:0/112 (--multicast),
 * sending to 239.255.80.1 (--connect udp:239.255.80.1:*), and the interface lo
 * (--bind-device lo). Every datagram is sent with TTL 0: it reaches this machine's members
 * and nothing else.
 */
#include "conform.h"

/* A datagram socket of @family; its handle or -IOR_E*. */
static int dgram(struct ior_ring *ring, unsigned family)
{
	struct t_cqe c;
	int res;

	ior_prep_socket(ior_get_sqe(ring), family, IOR_SOCK_DGRAM);
	res = t_one(ring, &c);
	return res < 0 ? res : c.handle;
}

static int join(struct ior_ring *ring, int fd, const char *group, const char *ifname, bool leave)
{
	ior_ipaddr_t ip;

	if (ior_ipaddr_parse(&ip, group) < 0)
		return -IOR_EINVAL;
	if (leave)
		ior_prep_multicast_leave(ior_get_sqe(ring), (ior_handle_t)fd, &ip, ifname);
	else
		ior_prep_multicast_join(ior_get_sqe(ring), (ior_handle_t)fd, &ip, ifname);
	return t_one(ring, NULL);
}

static int set(struct ior_ring *ring, int fd, unsigned opt, uint32_t value)
{
	ior_prep_set_option(ior_get_sqe(ring), (ior_handle_t)fd, opt, value);
	return t_one(ring, NULL);
}

/*
 * A socket joined to 239.255.80.1 on lo, then bound to that group's address (port 0: any);
 * its port in *@port. The join comes first: a host without multicast answers it.
 */
static int member(struct ior_ring *ring, int *port, int *res)
{
	struct t_cqe c;
	ior_sockaddr_t addr;
	int fd = dgram(ring, IOR_AF_INET);

	if (fd < 0)
		return *res = fd, -1;
	if ((*res = join(ring, fd, "239.255.80.1", "lo", false)) < 0)
		return -1;
	ior_addr_ipv4(&addr, 239, 255, 80, 1, 0);
	ior_prep_bind(ior_get_sqe(ring), (ior_handle_t)fd, &addr);
	if ((*res = t_one(ring, NULL)) < 0)
		return -1;
	ior_prep_local_address(ior_get_sqe(ring), (ior_handle_t)fd);
	if ((*res = t_one(ring, &c)) < 0)
		return -1;
	*port = t_port(&c);
	return fd;
}

/* A sender whose multicast leaves by lo, loops back and crosses no router (TTL 0). */
static int sender(struct ior_ring *ring, int *res)
{
	int fd = dgram(ring, IOR_AF_INET);

	if (fd < 0)
		return *res = fd, -1;
	ior_prep_multicast_if(ior_get_sqe(ring), (ior_handle_t)fd, "lo");
	if ((*res = t_one(ring, NULL)) < 0)
		return -1;
	if ((*res = set(ring, fd, IOR_IP_MULTICAST_LOOP, 1)) < 0)
		return -1;
	*res = set(ring, fd, IOR_IP_MULTICAST_TTL, 0);
	return *res < 0 ? -1 : fd;
}

static void multicast_join_receive(struct ior_ring *ring)
{
	struct t_cqe c;
	ior_sockaddr_t to;
	int rx, tx, port, res;

	rx = member(ring, &port, &res);
	SKIP_IF_NOTSUP(res);
	CHECK(rx >= 0, "member of 239.255.80.1 on lo: %s", t_code(res));
	tx = sender(ring, &res);
	SKIP_IF_NOTSUP(res);
	CHECK(tx >= 0, "sender: %s", t_code(res));
	ior_addr_ipv4(&to, 239, 255, 80, 1, (uint16_t)port);
	ior_prep_sendmsg(ior_get_sqe(ring), (ior_handle_t)tx, "to the group", 12, &to);
	res = t_one(ring, NULL);
	CHECK(res == 12, "sendmsg to 239.255.80.1:%d: %s, want 12", port, t_code(res));
	ior_prep_recvmsg(ior_get_sqe(ring), (ior_handle_t)rx, 64);
	res = t_one(ring, &c);
	CHECK(res == 12 && c.len == 12 && memcmp(c.data, "to the group", 12) == 0,
	      "recvmsg: %s with %zu bytes, want \"to the group\"", t_code(res), c.len);
	/* Left the group: the next datagram does not come. */
	res = join(ring, rx, "239.255.80.1", "lo", true);
	CHECK(res == 0, "multicast-leave: %s", t_code(res));
	ior_prep_sendmsg(ior_get_sqe(ring), (ior_handle_t)tx, "after", 5, &to);
	res = t_one(ring, NULL);
	CHECK(res == 5, "sendmsg after leaving: %s", t_code(res));
	ior_sqe_t *sqe = ior_get_sqe(ring);

	ior_prep_recvmsg(sqe, (ior_handle_t)rx, 64);
	ior_sqe_set_data32(sqe, 7);
	CHECK(t_quiet(ring, 300 * 1000 * 1000LL), "a datagram came after multicast-leave");
	ior_prep_cancel32(ior_get_sqe(ring), 7, 0);
	struct t_cqe two[2];

	CHECK(t_reap(ring, two, 2) == 2, "the cancel and the receive did not both complete");
	PASS();
}

static void multicast_ungranted(struct ior_ring *ring)
{
	ior_sockaddr_t addr;
	int fd = dgram(ring, IOR_AF_INET), res;

	CHECK(fd >= 0, "socket: %s", t_code(fd));
	/* 239.255.81.1 lies outside 239.255.80.0/24: neither joined nor bound. */
	res = join(ring, fd, "239.255.81.1", "lo", false);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EACCES, "join 239.255.81.1: %s, want access", t_code(res));
	res = join(ring, fd, "239.255.81.1", "lo", true);
	CHECK(res == -IOR_EACCES, "leave 239.255.81.1: %s, want access", t_code(res));
	ior_addr_ipv4(&addr, 239, 255, 81, 1, 0);
	ior_prep_bind(ior_get_sqe(ring), (ior_handle_t)fd, &addr);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EACCES, "bind 239.255.81.1:0: %s, want access", t_code(res));
	/* Not a group at all: no grant could make it one. */
	res = join(ring, fd, "127.0.0.1", "lo", false);
	CHECK(res == -IOR_EINVAL, "join 127.0.0.1: %s, want invalid", t_code(res));
	PASS();
}

static void multicast_options(struct ior_ring *ring)
{
	int fd = dgram(ring, IOR_AF_INET), file, res;

	CHECK(fd >= 0, "socket: %s", t_code(fd));
	res = set(ring, fd, IOR_IP_MULTICAST_LOOP, 0);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "multicast-loop off: %s", t_code(res));
	res = set(ring, fd, IOR_IP_MULTICAST_TTL, 4);
	CHECK(res == 0, "multicast-ttl 4: %s", t_code(res));
	ior_prep_multicast_if(ior_get_sqe(ring), (ior_handle_t)fd, "");
	res = t_one(ring, NULL);
	CHECK(res == 0, "multicast-interface \"\": %s", t_code(res));
	ior_prep_multicast_if(ior_get_sqe(ring), (ior_handle_t)fd, "nosuchif0");
	res = t_one(ring, NULL);
	CHECK(res == -IOR_ENODEV, "multicast-interface nosuchif0: %s, want no-device", t_code(res));
	res = join(ring, fd, "239.255.80.2", "nosuchif0", false);
	CHECK(res == -IOR_ENODEV, "join on nosuchif0: %s, want no-device", t_code(res));
	/* Leaving what was never joined; a group of the other family. */
	res = join(ring, fd, "239.255.80.2", "lo", true);
	CHECK(res == -IOR_EADDRNOTAVAIL, "leave a group not joined: %s, want address-not-available",
	      t_code(res));
	res = join(ring, fd, "ff02::80:1", "lo", false);
	CHECK(res == -IOR_EINVAL, "an IPv6 group on an IPv4 socket: %s, want invalid", t_code(res));
	/* On a directory: no socket. */
	file = t_dir("ro");
	CHECK(file >= 0, "grant ro: %s", t_code(file));
	res = set(ring, file, IOR_IP_MULTICAST_LOOP, 1);
	CHECK(res == -IOR_EBADF, "multicast-loop on a directory: %s, want bad-descriptor", t_code(res));
	PASS();
}

static void multicast_ipv6_join(struct ior_ring *ring)
{
	int fd = dgram(ring, IOR_AF_INET6), res;

	CHECK(fd >= 0, "socket: %s", t_code(fd));
	res = join(ring, fd, "ff02::80:1", "lo", false);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "join ff02::80:1 on lo: %s", t_code(res));
	res = join(ring, fd, "ff02::81:1", "lo", false);
	CHECK(res == -IOR_EACCES, "join ff02::81:1 (no grant): %s, want access", t_code(res));
	res = join(ring, fd, "239.255.80.1", "lo", false);
	CHECK(res == -IOR_EINVAL, "an IPv4 group on an IPv6 socket: %s, want invalid", t_code(res));
	res = join(ring, fd, "ff02::80:1", "lo", true);
	CHECK(res == 0, "leave ff02::80:1: %s", t_code(res));
	res = join(ring, fd, "ff02::80:1", "lo", true);
	CHECK(res == -IOR_EADDRNOTAVAIL, "leave again: %s, want address-not-available", t_code(res));
	PASS();
}

static int bind_to(struct ior_ring *ring, int fd, const char *ifname)
{
	ior_prep_bind_to_device(ior_get_sqe(ring), (ior_handle_t)fd, ifname);
	return t_one(ring, NULL);
}

static void socket_bind_to_device(struct ior_ring *ring)
{
	struct t_cqe c;
	ior_sockaddr_t addr;
	int a = dgram(ring, IOR_AF_INET), b = dgram(ring, IOR_AF_INET), port, res;

	CHECK(a >= 0 && b >= 0, "sockets: %s %s", t_code(a), t_code(b));
	res = bind_to(ring, a, "lo");
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "bind-to-device lo: %s", t_code(res));
	/* Bound to lo, it still hears loopback traffic. */
	ior_addr_ipv4(&addr, 127, 0, 0, 1, 0);
	ior_prep_bind(ior_get_sqe(ring), (ior_handle_t)a, &addr);
	res = t_one(ring, NULL);
	CHECK(res == 0, "bind 127.0.0.1:0: %s", t_code(res));
	ior_prep_local_address(ior_get_sqe(ring), (ior_handle_t)a);
	res = t_one(ring, &c);
	CHECK(res == 0, "local-address: %s", t_code(res));
	port = t_port(&c);
	ior_addr_ipv4(&addr, 127, 0, 0, 1, (uint16_t)port);
	ior_prep_sendmsg(ior_get_sqe(ring), (ior_handle_t)b, "via lo", 6, &addr);
	res = t_one(ring, NULL);
	CHECK(res == 6, "sendmsg: %s", t_code(res));
	ior_prep_recvmsg(ior_get_sqe(ring), (ior_handle_t)a, 64);
	res = t_one(ring, &c);
	CHECK(res == 6 && memcmp(c.data, "via lo", 6) == 0, "recvmsg: %s", t_code(res));
	/* An interface no grant names, whether or not it exists. */
	res = bind_to(ring, b, "eth0");
	CHECK(res == -IOR_EACCES, "bind-to-device eth0: %s, want access", t_code(res));
	res = bind_to(ring, b, "nosuchif0");
	CHECK(res == -IOR_EACCES, "bind-to-device nosuchif0: %s, want access", t_code(res));
	res = bind_to(ring, a, "");
	CHECK(res == 0, "bind-to-device \"\" (unbind): %s", t_code(res));
	PASS();
}

int main(void)
{
	t_run("multicast-join-receive", multicast_join_receive);
	t_run("multicast-ungranted", multicast_ungranted);
	t_run("multicast-options", multicast_options);
	t_run("multicast-ipv6-join", multicast_ipv6_join);
	t_run("socket-bind-to-device", socket_bind_to_device);
	return t_failures ? 1 : 0;
}
