/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ior_ops_net.c - sockets over Zephyr's BSD socket API, as two iodevs completing into the
 * ring's RTIO context:
 *
 * - the socket poller iodev: accept, recv, recvmsg, send, sendmsg, poll, read-fixed and
 *   write-fixed (and read/write on a socket) wait on a thread of ours that zsock_poll()s every waiting socket and then makes
 *   the call without blocking (ZSOCK_MSG_DONTWAIT). Receive buffers are taken from the
 *   in-flight heap only when data is ready, so a guest may keep many receives posted.
 *   Multishot accept and receive post one RTIO CQE per arrival (flagged more) and wait again
 *   once the guest has reaped it. On a TCP socket, poll reports read-hang-up at the end of
 *   stream, and a multishot poll reports arrivals, not a level (poll_now, poll_result).
 * - the work queue (ior_ring.c's): socket, bind, listen, connect (blocking), set-option,
 *   shutdown, local-address and close.
 *
 * Grants: a guest's sockets come from devicetree listener grants (a TCP socket listening, or
 * a bound UDP socket, opened on first ior_grant_listener()), or it makes its own. Those may
 * bind (and listen) only to addresses a bind grant matches, and connect or send datagrams
 * only to addresses a connect grant matches (`access` otherwise), as the Linux host's --bind
 * and --connect: a socket that listens unbound would be bound to the wildcard address, which
 * must then be granted. A guest's UDP socket receives freely once connected or bound to a
 * granted address; otherwise (a client sending with an address, bound by the stack to the
 * wildcard address) recv is refused and recvmsg hears only senders it may send to. A UDP
 * listener may send only to peers it has received from (the last IOR_NET_PEERS of them) or
 * to what a connect grant allows. A grant's own address is the host's: it may not be bound.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/net/net_context.h>
#include <zephyr/net/socket.h>
#include <zephyr/sys/fdtable.h>
#ifdef CONFIG_EVENTFD
#include <zephyr/posix/sys/eventfd.h>
#endif

#include "ior_internal.h"
#include "ior_grants.h"

/*
 * How long the poller waits before it looks for newly posted operations. With CONFIG_EVENTFD
 * (selected by IORING_NET where Zephyr offers it) a posted operation wakes the poll at once
 * through an eventfd polled beside the sockets, and this is only a safety net.
 */
#ifdef CONFIG_EVENTFD
#define IOR_NET_POLL_MS 100
#else
#define IOR_NET_POLL_MS 5
#endif
/* Sockets the poller watches at once (the rest wait their turn). */
#define IOR_NET_POLL_MAX (CONFIG_IORING_MAX_RINGS * CONFIG_IORING_RING_ENTRIES)
/* Recent senders a UDP listener may reply to. */
#define IOR_NET_PEERS 16

static sys_slist_t ior_net_waiting;
static K_SEM_DEFINE(ior_net_wake, 0, 1);
#ifdef CONFIG_EVENTFD
static int ior_net_efd = -1; /* wakes the poller's zsock_poll */
#endif
extern const k_tid_t ior_net_thread;

/* ior_handle.net */
#define IOR_NET_UDP BIT(0)       /* a datagram socket */
#define IOR_NET_CONNECTED BIT(1) /* connected (or accepted) */
#define IOR_NET_RECV_OK BIT(2)   /* receives checked: from anyone */
#define IOR_NET_V6 BIT(3)        /* an IPv6 socket */
#define IOR_NET_LISTENING BIT(4) /* a guest socket that listens */

/* Sockets whose handle was closed while operations still wait on them (as io_uring holds
 * the file): the poller closes each once nothing waits on it. */
#define IOR_NET_DEFERRED 8
static int ior_net_deferred[IOR_NET_DEFERRED]; /* fd + 1; 0 is free */
static void close_unwaited(void);

static struct {
	int fd;
	struct sockaddr_in addr;
} ior_net_peers[IOR_NET_PEERS];
static unsigned int ior_net_peer_next;

/*
 * Bytes the guest has received from each socket (by Zephyr descriptor), and the arrivals each
 * multishot poll on a TCP socket last reported (arrivals: received + waiting + 1 at the end of
 * stream). Zephyr's poll is level-triggered; a multishot poll reports arrivals, as io_uring's:
 * after a report it reports input again only once more has arrived than it reported
 * (poll_now, poll_result). Polls past IOR_NET_MARKS at once report levels, as before.
 */
#ifdef CONFIG_POSIX_MAX_FDS
#define IOR_NET_FDS CONFIG_POSIX_MAX_FDS
#else
#define IOR_NET_FDS 16
#endif
#define IOR_NET_MARKS 8
static uint32_t ior_net_received[IOR_NET_FDS];
static struct {
	struct ior_op *op;
	uint32_t reported;
} ior_net_marks[IOR_NET_MARKS];
static unsigned int ior_net_mark_next;
static void mark_forget(struct ior_op *op);

/* @n bytes received from socket @fd by the guest. */
static void received(int fd, ssize_t n)
{
	if (fd >= 0 && fd < IOR_NET_FDS && n > 0)
		ior_net_received[fd] += (uint32_t)n;
}

/* Socket @fd is new. */
static void received_reset(int fd)
{
	if (fd >= 0 && fd < IOR_NET_FDS)
		ior_net_received[fd] = 0;
}

/* --- addresses ---------------------------------------------------------------------------- */

/* A WIT address as Zephyr's; returns its length, or -EAFNOSUPPORT. */
static int addr_from_abi(const struct ior_abi_sockaddr *a, struct sockaddr_storage *st)
{
	memset(st, 0, sizeof(*st));
	if (a->family == IOR_ABI_AF_INET) {
		struct sockaddr_in *out = (struct sockaddr_in *)st;

		out->sin_family = AF_INET;
		out->sin_port = htons(a->port);
		memcpy(&out->sin_addr, a->v4, 4);
		return sizeof(*out);
	}
#if defined(CONFIG_NET_IPV6)
	if (a->family == IOR_ABI_AF_INET6) {
		struct sockaddr_in6 *out = (struct sockaddr_in6 *)st;

		out->sin6_family = AF_INET6;
		out->sin6_port = htons(a->port);
		for (int i = 0; i < 8; i++) {
			out->sin6_addr.s6_addr[2 * i] = (uint8_t)(a->v6[i] >> 8);
			out->sin6_addr.s6_addr[2 * i + 1] = (uint8_t)a->v6[i];
		}
		out->sin6_scope_id = (uint8_t)a->scope_id;
		return sizeof(*out);
	}
#endif
	return -EAFNOSUPPORT;
}

/*
 * Whether a bind grant (@kind IOR_GRANT_BIND) or a connect grant (IOR_GRANT_CONNECT) for
 * the transport (@udp) matches address @sa.
 */
/*
 * bind-to-device: the interface's name, copied out of the guest's memory now (the option is
 * set on the work queue), and checked against the bind-device grants: an empty name (which
 * removes a binding) needs none; any other needs a grant naming it (`access`). The name is
 * what Zephyr's net_if_get_by_name matches (CONFIG_NET_INTERFACE_NAME).
 */
static int bind_device_prepare(struct ior_op *op)
{
	const struct ior_abi_sqe *s = &op->sqe;
	struct ifreq *ifr;
	bool granted = s->data.len == 0;

	if (s->data.len >= sizeof(ifr->ifr_name))
		return -EINVAL;
	for (size_t i = 0; i < ior_grants_count && !granted; i++) {
		const struct ior_grant *g = &ior_grants[i];

		granted = g->kind == IOR_GRANT_BIND_DEVICE && g->ifname &&
			  strlen(g->ifname) == s->data.len &&
			  memcmp(g->ifname, ior_submit_mem + s->data.ptr, s->data.len) == 0;
	}
	if (!granted)
		return -EACCES;
	ifr = ior_buf_alloc(sizeof(*ifr));
	if (!ifr)
		return -ENOMEM;
	memset(ifr, 0, sizeof(*ifr));
	memcpy(ifr->ifr_name, ior_submit_mem + s->data.ptr, s->data.len);
	op->buf = (uint8_t *)ifr;
	op->buf_len = sizeof(*ifr);
	return 0;
}

static bool net_may(uint8_t kind, bool udp, const struct sockaddr *sa)
{
	const uint8_t *ip;
	size_t iplen;
	uint16_t port;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		ip = (const uint8_t *)&in->sin_addr;
		iplen = 4;
		port = ntohs(in->sin_port);
	}
#if defined(CONFIG_NET_IPV6)
	else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		ip = in6->sin6_addr.s6_addr;
		iplen = 16;
		port = ntohs(in6->sin6_port);
	}
#endif
	else {
		return false;
	}
	for (size_t i = 0; i < ior_grants_count; i++) {
		const struct ior_grant *g = &ior_grants[i];
		uint8_t want[16];

		if (g->kind != kind || g->udp != udp || (!g->any_port && g->port != port))
			continue;
		if (g->address && strcmp(g->address, "*") != 0 &&
		    (zsock_inet_pton(sa->sa_family, g->address, want) != 1 ||
		     memcmp(want, ip, iplen) != 0))
			continue;
		return true;
	}
	return false;
}

/* The address socket @fd is bound to; false when it is not bound. */
static bool local_of(int fd, struct sockaddr_storage *st)
{
	socklen_t len = sizeof(*st);

	memset(st, 0, sizeof(*st));
	return zsock_getsockname(fd, (struct sockaddr *)st, &len) == 0 && len > 0;
}

/* A guest's UDP socket receives from anyone once connected or bound to a granted address. */
static bool may_receive(struct ior_handle *h)
{
	struct sockaddr_storage local;

	if (h->grant >= 0 || !(h->net & IOR_NET_UDP) || (h->net & IOR_NET_RECV_OK))
		return true;
	if (local_of(h->fd, &local) && net_may(IOR_GRANT_BIND, true, (struct sockaddr *)&local) &&
	    ((struct sockaddr_in *)&local)->sin_port != 0) {
		h->net |= IOR_NET_RECV_OK;
		return true;
	}
	return false;
}

static void addr_to_abi(const struct sockaddr *sa, struct ior_abi_sockaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		out->family = IOR_ABI_AF_INET;
		out->port = ntohs(in->sin_port);
		memcpy(out->v4, &in->sin_addr, 4);
	}
#if defined(CONFIG_NET_IPV6)
	else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		out->family = IOR_ABI_AF_INET6;
		out->port = ntohs(in6->sin6_port);
		for (int i = 0; i < 8; i++)
			out->v6[i] = (uint16_t)(in6->sin6_addr.s6_addr[2 * i] << 8 |
						in6->sin6_addr.s6_addr[2 * i + 1]);
		out->scope_id = in6->sin6_scope_id;
	}
#endif
}

static void peer_remember(int fd, const struct sockaddr_in *a)
{
	unsigned int key = irq_lock();

	for (int i = 0; i < IOR_NET_PEERS; i++) {
		if (ior_net_peers[i].fd == fd &&
		    !memcmp(&ior_net_peers[i].addr, a, sizeof(*a))) {
			irq_unlock(key);
			return;
		}
	}
	ior_net_peers[ior_net_peer_next].fd = fd;
	ior_net_peers[ior_net_peer_next].addr = *a;
	ior_net_peer_next = (ior_net_peer_next + 1) % IOR_NET_PEERS;
	irq_unlock(key);
}

static bool peer_known(int fd, const struct sockaddr_in *a)
{
	unsigned int key = irq_lock();
	bool known = false;

	for (int i = 0; i < IOR_NET_PEERS && !known; i++)
		known = ior_net_peers[i].fd == fd &&
			!memcmp(&ior_net_peers[i].addr, a, sizeof(*a));
	irq_unlock(key);
	return known;
}

static void peers_forget(int fd)
{
	unsigned int key = irq_lock();

	for (int i = 0; i < IOR_NET_PEERS; i++) {
		if (ior_net_peers[i].fd == fd)
			memset(&ior_net_peers[i], 0, sizeof(ior_net_peers[i]));
	}
	irq_unlock(key);
}

/* --- listener grants ---------------------------------------------------------------------- */

int ior_net_listener(int grant)
{
	const struct ior_grant *g = &ior_grants[grant];
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(g->port)};
	struct ior_handle *e;
	int one = 1, fd, h;

	if (g->address && zsock_inet_pton(AF_INET, g->address, &a.sin_addr) != 1)
		return -EADDRNOTAVAIL;
	h = ior_handle_alloc();
	if (h < 0)
		return h;
	fd = zsock_socket(AF_INET, g->udp ? SOCK_DGRAM : SOCK_STREAM,
			  g->udp ? IPPROTO_UDP : IPPROTO_TCP);
	if (fd < 0)
		goto fail;
	(void)zsock_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (zsock_bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (!g->udp && zsock_listen(fd, g->backlog) < 0))
		goto fail;
	received_reset(fd);
	e = ior_handle_get(h, ~0u);
	e->kind = IOR_H_SOCKET;
	e->grant = (int16_t)grant;
	e->fd = fd;
	e->net = (g->udp ? IOR_NET_UDP : 0) | IOR_NET_RECV_OK;
	return h;
fail: {
	int err = -errno;

	if (fd >= 0)
		zsock_close(fd);
	ior_handle_free((uint32_t)h);
	return err;
}
}

/* --- preparing (the guest's thread, at submit) ---------------------------------------------- */

static bool waits(uint8_t op)
{
	switch (op) {
	case IOR_ABI_OP_ACCEPT:
	case IOR_ABI_OP_ACCEPT_MULTISHOT:
	case IOR_ABI_OP_RECV:
	case IOR_ABI_OP_RECV_MULTISHOT:
	case IOR_ABI_OP_RECVMSG:
	case IOR_ABI_OP_READ:
	case IOR_ABI_OP_SEND:
	case IOR_ABI_OP_SENDMSG:
	case IOR_ABI_OP_WRITE:
	case IOR_ABI_OP_POLL:
	case IOR_ABI_OP_READ_FIXED:
	case IOR_ABI_OP_WRITE_FIXED:
		return true;
	default:
		return false;
	}
}

/* WIT poll-events bits (readable, writable, priority, error, hang-up) and Zephyr's. */
static const short ior_poll_bits[] = {ZSOCK_POLLIN, ZSOCK_POLLOUT, ZSOCK_POLLPRI, ZSOCK_POLLERR,
				      ZSOCK_POLLHUP};
#define IOR_POLL_READABLE BIT(0)
#define IOR_POLL_READ_HANG_UP BIT(5) /* no Zephyr equivalent: the end of stream (poll_result) */
/* net_events, above the bits the poller hands zsock_poll (a short): a poll on a TCP socket. */
#define IOR_NET_EV_STREAM BIT(16)

int ior_net_prepare(struct ior_op *op)
{
	const struct ior_abi_sqe *s = &op->sqe;
	struct ior_handle *h = NULL;
	struct sockaddr_storage to;
	uint32_t n;
	int ret;

	if (s->op != IOR_ABI_OP_SOCKET) {
		h = ior_handle_get(s->fd, BIT(IOR_H_SOCKET));
		if (!h)
			return -EBADF;
		op->net_fd = h->fd;
	}
	switch ((enum ior_abi_op)s->op) {
	case IOR_ABI_OP_SEND:
	case IOR_ABI_OP_WRITE:
	case IOR_ABI_OP_SENDMSG:
		if (s->op == IOR_ABI_OP_SENDMSG && s->has_addr) {
			ret = addr_from_abi(&s->addr, &to);
			if (ret < 0)
				return ret;
			if (!(to.ss_family == AF_INET && peer_known(h->fd, (struct sockaddr_in *)&to)) &&
			    !net_may(IOR_GRANT_CONNECT, h->net & IOR_NET_UDP, (struct sockaddr *)&to))
				return -EACCES;
		}
		if (s->data.len > IOR_MAX_IO_LEN)
			return -EINVAL;
		n = MIN(s->data.len, ior_ring_max_io());
		if (s->op == IOR_ABI_OP_SENDMSG && n < s->data.len)
			return -EMSGSIZE; /* a datagram is not cut short */
		if (n) {
			op->buf = ior_buf_alloc(n);
			if (!op->buf)
				return -EAGAIN;
			memcpy(op->buf, ior_submit_mem + s->data.ptr, n);
		}
		op->buf_len = n;
		op->net_events = ZSOCK_POLLOUT;
		return 0;
	case IOR_ABI_OP_RECV:
	case IOR_ABI_OP_READ:
	case IOR_ABI_OP_RECV_MULTISHOT:
	case IOR_ABI_OP_RECVMSG:
		if (s->len > IOR_MAX_IO_LEN)
			return -EINVAL;
		/* The buffer is taken when data is ready. */
		if (!may_receive(h)) {
			/* Only recvmsg learns the sender, and so can drop the ungranted. */
			if (s->op != IOR_ABI_OP_RECVMSG)
				return -EACCES;
			op->net_filter = true;
		}
		op->buf_len = MIN(s->len, ior_ring_max_io());
		op->net_events = ZSOCK_POLLIN;
		return 0;
	case IOR_ABI_OP_ACCEPT:
	case IOR_ABI_OP_ACCEPT_MULTISHOT:
		if (h->net & IOR_NET_UDP)
			return -ENOTSUP; /* as Linux's EOPNOTSUPP */
		if (h->grant < 0 && !(h->net & IOR_NET_LISTENING))
			return -EINVAL; /* not listening: as Linux (Zephyr would wait) */
		op->net_events = ZSOCK_POLLIN;
		return 0;
	case IOR_ABI_OP_BIND:
	case IOR_ABI_OP_CONNECT:
		ret = addr_from_abi(&s->addr, &to);
		if (ret < 0)
			return ret;
		/* A grant's address is the host's to choose. */
		if (s->op == IOR_ABI_OP_BIND && h->grant >= 0)
			return -EACCES;
		if (!net_may(s->op == IOR_ABI_OP_BIND ? IOR_GRANT_BIND : IOR_GRANT_CONNECT,
			     h->net & IOR_NET_UDP, (struct sockaddr *)&to))
			return -EACCES;
		return 0;
	case IOR_ABI_OP_LISTEN:
		return 0; /* checked on the work queue, against the address bound by then */
	case IOR_ABI_OP_SOCKET:
		if (s->family != IOR_ABI_AF_INET && s->family != IOR_ABI_AF_INET6)
			return -EAFNOSUPPORT;
		return s->socktype > 1 ? -EPROTONOSUPPORT : 0;
	case IOR_ABI_OP_SET_OPTION:
		if (s->sockopt == IOR_ABI_SO_BINDTODEVICE)
			return bind_device_prepare(op);
		return 0;
	case IOR_ABI_OP_SHUTDOWN:
	case IOR_ABI_OP_LOCAL_ADDRESS:
	case IOR_ABI_OP_CLOSE:
		return 0;
	case IOR_ABI_OP_POLL:
		op->net_events = 0;
		for (size_t i = 0; i < ARRAY_SIZE(ior_poll_bits); i++) {
			if (s->events & BIT(i))
				op->net_events |= ior_poll_bits[i];
		}
		/* A TCP socket that does not listen (granted listeners listen). */
		if (!(h->net & (IOR_NET_UDP | IOR_NET_LISTENING)) && h->grant < 0)
			op->net_events |= IOR_NET_EV_STREAM;
		/* Read-hang-up (a UDP socket never has one) wakes on input: the end of stream is
		 * readable. */
		if ((s->events & IOR_POLL_READ_HANG_UP) && (op->net_events & IOR_NET_EV_STREAM))
			op->net_events |= ZSOCK_POLLIN;
		mark_forget(op);
		return 0;
	case IOR_ABI_OP_READ_FIXED:
	case IOR_ABI_OP_WRITE_FIXED:
		/* A receive into, or a send from, a registered buffer (busy while in flight). */
		if (s->op == IOR_ABI_OP_READ_FIXED && !may_receive(h))
			return -EACCES;
		if (!ior_ring_fixed(op->ring, s->buffer, s->buffer_offset, s->len))
			return -EINVAL;
		op->ring->fixed_busy++;
		op->fixed_held = true;
		op->net_events = s->op == IOR_ABI_OP_READ_FIXED ? ZSOCK_POLLIN : ZSOCK_POLLOUT;
		return 0;
	case IOR_ABI_OP_FSYNC:
		return -EINVAL;
	default:
		return -ENOTSUP;
	}
}

/* --- the poller --------------------------------------------------------------------------- */

static void net_wait(struct ior_op *op)
{
	unsigned int key = irq_lock();

	op->net_waiting = true;
	sys_slist_append(&ior_net_waiting, &op->node);
	irq_unlock(key);
	k_sem_give(&ior_net_wake);
#ifdef CONFIG_EVENTFD
	if (ior_net_efd >= 0 && k_current_get() != ior_net_thread)
		eventfd_write(ior_net_efd, 1);
#endif
}

/* Take @op off the poller's list; false if it was not on it. */
static bool net_unwait(struct ior_op *op)
{
	unsigned int key = irq_lock();
	bool was = op->net_waiting;

	if (was) {
		sys_slist_find_and_remove(&ior_net_waiting, &op->node);
		op->net_waiting = false;
	}
	irq_unlock(key);
	return was;
}

/* --- poll: read-hang-up, and multishot polls that report arrivals -------------------------- */

/* The arrivals multishot poll @op last reported, or NULL (none yet, or no room: a level). */
static uint32_t *mark_of(struct ior_op *op, bool make)
{
	unsigned int key = irq_lock();
	uint32_t *m = NULL;

	for (int i = 0; i < IOR_NET_MARKS && !m; i++) {
		if (ior_net_marks[i].op == op)
			m = &ior_net_marks[i].reported;
	}
	for (int i = 0; i < IOR_NET_MARKS && !m && make; i++) {
		if (!ior_net_marks[i].op) {
			ior_net_marks[i].op = op;
			m = &ior_net_marks[i].reported;
		}
	}
	if (!m && make) {
		/* Full: the oldest mark goes (that poll reports a level again, never less). */
		ior_net_marks[ior_net_mark_next].op = op;
		m = &ior_net_marks[ior_net_mark_next].reported;
		ior_net_mark_next = (ior_net_mark_next + 1) % IOR_NET_MARKS;
	}
	irq_unlock(key);
	return m;
}

/* @op is new, or ends: it reported nothing. */
static void mark_forget(struct ior_op *op)
{
	unsigned int key = irq_lock();

	for (int i = 0; i < IOR_NET_MARKS; i++) {
		if (ior_net_marks[i].op == op)
			ior_net_marks[i].op = NULL;
	}
	irq_unlock(key);
}

/* What a TCP socket holds: its end of stream, an error, bytes waiting, and its arrivals. */
struct stream_now {
	bool end, err, waiting;
	uint32_t arrivals;
};

static int fionread(int fd, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fd);
	ret = zsock_ioctl(fd, ZFD_IOCTL_FIONREAD, ap);
	va_end(ap);
	return ret;
}

/*
 * A poll for nothing, not waiting, tells the end of stream (hang-up) and an error; FIONREAD
 * the bytes waiting. (Not a MSG_PEEK: Zephyr 3.4's peek of fewer bytes than the first packet
 * holds leaves that packet behind the others.)
 */
static void stream_now(int fd, struct stream_now *st)
{
	struct zsock_pollfd p = {.fd = fd};
	int avail = 0;

	(void)zsock_poll(&p, 1, 0);
	st->err = p.revents & (ZSOCK_POLLERR | ZSOCK_POLLNVAL);
	st->end = !st->err && (p.revents & ZSOCK_POLLHUP);
	if (fionread(fd, &avail) < 0 || avail < 0)
		avail = 0;
	st->waiting = avail > 0;
	st->arrivals = (fd >= 0 && fd < IOR_NET_FDS ? ior_net_received[fd] : 0) + (uint32_t)avail +
		       (st->end ? 1 : 0);
}

/*
 * The events to wait for on behalf of poll @op this round (the poller, before zsock_poll), or
 * -1 to leave its socket out of it; *@soon when it is to be looked at again shortly.
 * Zephyr's poll is level-triggered: bytes waiting wake it at once. A poll for read-hang-up
 * that did not ask for input does not wait on them (the end of stream becomes visible once
 * they are read); a multishot poll that reported them waits for more, looking every few
 * milliseconds; at the end of stream (which Zephyr reports at once, every time) a multishot
 * poll that reported it is left out.
 */
static int poll_now(struct ior_op *op, short events, bool *soon)
{
	const struct ior_abi_sqe *s = &op->sqe;
	struct stream_now st;
	uint32_t *reported;

	if (s->op != IOR_ABI_OP_POLL || !(op->net_events & IOR_NET_EV_STREAM))
		return events;
	reported = s->flag ? mark_of(op, false) : NULL;
	if (!reported && (s->events & IOR_POLL_READABLE))
		return events;
	stream_now(op->net_fd, &st);
	if (st.err)
		return events;
	if (reported && st.arrivals <= *reported) {
		if (st.end)
			return -1;
		if (st.waiting) {
			*soon = true;
			return events & ~ZSOCK_POLLIN;
		}
		return events;
	}
	if (st.waiting && !(s->events & IOR_POLL_READABLE))
		return events & ~ZSOCK_POLLIN;
	return events;
}

/*
 * Poll @op's result from Zephyr's @revents: the WIT bits asked for, error and hang-up unasked
 * (Zephyr reports hang-up at the end of a TCP stream: 3.4's TCP answers the peer's FIN with its
 * own, so both sides are closed), read-hang-up at the end of stream. A multishot poll on a TCP
 * socket reports input and read-hang-up only for new arrivals.
 */
static int poll_result(struct ior_op *op, short revents)
{
	const struct ior_abi_sqe *s = &op->sqe;
	struct stream_now st = {0};
	uint32_t *reported = NULL;
	bool stream = op->net_events & IOR_NET_EV_STREAM;
	int res = 0;

	for (size_t i = 0; i < ARRAY_SIZE(ior_poll_bits); i++) {
		if (revents & ior_poll_bits[i] & (s->events & BIT(i) ? ior_poll_bits[i] : 0))
			res |= BIT(i);
		if (revents & ior_poll_bits[i] & (ZSOCK_POLLERR | ZSOCK_POLLHUP))
			res |= BIT(i);
	}
	if (stream && (s->events & IOR_POLL_READ_HANG_UP) && (revents & ZSOCK_POLLHUP))
		res |= IOR_POLL_READ_HANG_UP;
	if (stream && s->flag) {
		stream_now(op->net_fd, &st);
		reported = mark_of(op, false);
		if (reported && st.arrivals <= *reported)
			res &= ~(IOR_POLL_READABLE | IOR_POLL_READ_HANG_UP);
		if (res & (IOR_POLL_READABLE | IOR_POLL_READ_HANG_UP)) {
			reported = mark_of(op, true);
			if (reported)
				*reported = st.arrivals;
		}
	}
	return res;
}

/* One arrival of a multishot op, or its end. */
static void net_result(struct ior_op *op, int res, bool multishot)
{
	if (multishot && res > 0)
		ior_op_post_more(op, res);
	else
		ior_op_done(op, res);
}

/* The call @op waited for, now that its socket is ready. Returns false to wait again. */
static bool net_attempt(struct ior_op *op, short revents)
{
	const struct ior_abi_sqe *s = &op->sqe;
	bool multishot = s->op == IOR_ABI_OP_ACCEPT_MULTISHOT || s->op == IOR_ABI_OP_RECV_MULTISHOT;
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	ssize_t n;

	switch (s->op) {
	case IOR_ABI_OP_POLL: {
		int res = poll_result(op, revents);

		if (!res)
			return false;
		net_result(op, res, s->flag);
		return true;
	}
	case IOR_ABI_OP_ACCEPT:
	case IOR_ABI_OP_ACCEPT_MULTISHOT: {
		struct ior_handle *e;
		int fd, h;

		fd = zsock_accept(op->net_fd, (struct sockaddr *)&from, &fromlen);
		if (fd < 0) {
			if (errno == EAGAIN)
				return false;
			ior_op_done(op, -errno);
			return true;
		}
		h = ior_handle_alloc();
		if (h < 0) {
			zsock_close(fd);
			/* A full table ends one connection, not the accept stream. */
			if (multishot)
				return false;
			ior_op_done(op, h);
			return true;
		}
		e = ior_handle_get(h, ~0u);
		e->kind = IOR_H_SOCKET;
		e->fd = fd;
		e->net = IOR_NET_CONNECTED | IOR_NET_RECV_OK;
		received_reset(fd);
		op->detail.detail = IOR_ABI_DETAIL_ACCEPTED;
		op->detail.handle = (uint32_t)h;
		addr_to_abi((struct sockaddr *)&from, &op->detail.addr);
		/* The handle is in the detail; the result is 0. */
		if (multishot)
			ior_op_post_more(op, 0);
		else
			ior_op_done(op, 0);
		return true;
	}
	case IOR_ABI_OP_RECV:
	case IOR_ABI_OP_READ:
	case IOR_ABI_OP_RECV_MULTISHOT:
	case IOR_ABI_OP_RECVMSG:
		if (!op->buf && op->buf_len) {
			op->buf = ior_buf_alloc(op->buf_len);
			if (!op->buf)
				return false; /* the heap is busy: try again later */
		}
		if (s->op == IOR_ABI_OP_RECVMSG)
			n = zsock_recvfrom(op->net_fd, op->buf, op->buf_len, ZSOCK_MSG_DONTWAIT,
					   (struct sockaddr *)&from, &fromlen);
		else
			n = zsock_recv(op->net_fd, op->buf, op->buf_len, ZSOCK_MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN)
				return false;
			ior_op_done(op, -errno);
			return true;
		}
		received(op->net_fd, n);
		if (op->net_filter && !net_may(IOR_GRANT_CONNECT, true, (struct sockaddr *)&from))
			return false; /* from a sender it may not send to: dropped */
		op->out_len = (uint32_t)n;
		if (s->op == IOR_ABI_OP_RECVMSG) {
			op->detail.detail = IOR_ABI_DETAIL_PEER;
			addr_to_abi((struct sockaddr *)&from, &op->detail.addr);
			if (from.ss_family == AF_INET)
				peer_remember(op->net_fd, (struct sockaddr_in *)&from);
		}
		net_result(op, (int)n, multishot);
		return true;
	case IOR_ABI_OP_READ_FIXED:
	case IOR_ABI_OP_WRITE_FIXED: {
		uint8_t *p = ior_ring_fixed(op->ring, s->buffer, s->buffer_offset, s->len);

		n = s->op == IOR_ABI_OP_READ_FIXED
			    ? zsock_recv(op->net_fd, p, s->len, ZSOCK_MSG_DONTWAIT)
			    : zsock_send(op->net_fd, p, s->len, ZSOCK_MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			return false;
		if (s->op == IOR_ABI_OP_READ_FIXED)
			received(op->net_fd, n);
		ior_op_done(op, n < 0 ? -errno : (int)n);
		return true;
	}
	case IOR_ABI_OP_SEND:
	case IOR_ABI_OP_WRITE:
	case IOR_ABI_OP_SENDMSG:
		if (s->op == IOR_ABI_OP_SENDMSG && s->has_addr) {
			struct sockaddr_storage to;
			int len = addr_from_abi(&s->addr, &to);

			n = zsock_sendto(op->net_fd, op->buf, op->buf_len, ZSOCK_MSG_DONTWAIT,
					 (struct sockaddr *)&to, (socklen_t)len);
		} else {
			n = zsock_send(op->net_fd, op->buf, op->buf_len, ZSOCK_MSG_DONTWAIT);
		}
		if (n < 0 && errno == EAGAIN)
			return false;
		ior_op_done(op, n < 0 ? -errno : (int)n);
		return true;
	default:
		ior_op_done(op, -ENOTSUP);
		return true;
	}
}

static void net_poller(void *a, void *b, void *c)
{
	static struct zsock_pollfd fds[IOR_NET_POLL_MAX + 1];
	static struct ior_op *ops[IOR_NET_POLL_MAX];

	ARG_UNUSED(a);
	ARG_UNUSED(b);
	ARG_UNUSED(c);
#ifdef CONFIG_EVENTFD
	ior_net_efd = eventfd(0, EFD_NONBLOCK);
#endif
	for (;;) {
		struct ior_op *op;
		unsigned int key;
		int n = 0;

		close_unwaited();
		key = irq_lock();
		SYS_SLIST_FOR_EACH_CONTAINER(&ior_net_waiting, op, node) {
			if (n == IOR_NET_POLL_MAX)
				break;
			fds[n].fd = op->net_fd;
			fds[n].events = (short)op->net_events;
			fds[n].revents = 0;
			ops[n++] = op;
		}
		irq_unlock(key);
		if (!n) {
			k_sem_take(&ior_net_wake, K_FOREVER);
			continue;
		}
		int nfds = n, wait_ms = IOR_NET_POLL_MS;
		bool soon = false;

		for (int i = 0; i < n; i++) {
			int ev = poll_now(ops[i], fds[i].events, &soon);

			/* Left out this round: a negative descriptor, which zsock_poll skips. */
			fds[i].fd = ev < 0 ? -1 : fds[i].fd;
			fds[i].events = ev < 0 ? 0 : (short)ev;
		}
		if (soon)
			wait_ms = MIN(wait_ms, 5);

#ifdef CONFIG_EVENTFD
		if (ior_net_efd >= 0) {
			fds[nfds].fd = ior_net_efd;
			fds[nfds].events = ZSOCK_POLLIN;
			fds[nfds++].revents = 0;
		}
#endif
		if (zsock_poll(fds, nfds, wait_ms) < 0)
			k_sleep(K_MSEC(wait_ms));
		k_sem_reset(&ior_net_wake);
#ifdef CONFIG_EVENTFD
		if (nfds > n && fds[n].revents) {
			eventfd_t v;

			eventfd_read(ior_net_efd, &v);
		}
#endif
		for (int i = 0; i < n; i++) {
			if (!fds[i].revents)
				continue;
			/* Taken off the list first: a cancel now finds it busy and lets it end. */
			if (!net_unwait(ops[i]))
				continue;
			if (!net_attempt(ops[i], fds[i].revents))
				net_wait(ops[i]);
		}
	}
}

K_THREAD_DEFINE(ior_net_thread, CONFIG_IORING_NET_STACK_SIZE, net_poller, NULL, NULL, NULL,
		K_PRIO_PREEMPT(2), 0, 0);

/* --- the socket iodev ----------------------------------------------------------------------- */

static void net_submit(struct rtio_iodev_sqe *iodev_sqe)
{
	struct ior_op *op;

	if (!ior_op_begin(iodev_sqe, &op))
		return;
	if (waits(op->sqe.op))
		net_wait(op);
	else
		ior_wq_submit(op);
}

const struct rtio_iodev_api ior_iodev_net_api = {.submit = net_submit};

bool ior_net_cancel(struct ior_op *op)
{
	if (!net_unwait(op))
		return false; /* busy in a call, on the work queue, or parked (see reaped) */
	mark_forget(op);
	ior_op_done(op, -ECANCELED);
	return true;
}

/* A multishot arrival was reaped: wait for the next, or end if cancelled meanwhile. */
void ior_net_reaped(struct ior_op *op)
{
	if (!op->iodev_sqe)
		return;
	if (op->canceled) {
		mark_forget(op);
		ior_op_done(op, -ECANCELED);
		return;
	}
	op->detail.detail = IOR_ABI_DETAIL_NONE;
	op->out_len = 0;
	net_wait(op);
}

/* --- setup calls (the work queue) ----------------------------------------------------------- */

static bool fd_waited_on(int fd)
{
	struct ior_op *op;

	SYS_SLIST_FOR_EACH_CONTAINER(&ior_net_waiting, op, node) {
		if (op->net_fd == fd)
			return true;
	}
	return false;
}

/* Close @fd once nothing waits on it; false if nothing waits now (or no room to defer). */
static bool close_deferred(int fd)
{
	unsigned int key = irq_lock();
	bool deferred = false;

	if (fd_waited_on(fd)) {
		for (int i = 0; i < IOR_NET_DEFERRED && !deferred; i++) {
			if (!ior_net_deferred[i]) {
				ior_net_deferred[i] = fd + 1;
				deferred = true;
			}
		}
	}
	irq_unlock(key);
	if (deferred)
		k_sem_give(&ior_net_wake);
	return deferred;
}

/* The poller: close the deferred sockets nothing waits on any more. */
static void close_unwaited(void)
{
	for (int i = 0; i < IOR_NET_DEFERRED; i++) {
		unsigned int key = irq_lock();
		int fd = ior_net_deferred[i] - 1;

		if (fd < 0 || fd_waited_on(fd)) {
			irq_unlock(key);
			continue;
		}
		ior_net_deferred[i] = 0;
		irq_unlock(key);
		zsock_close(fd);
	}
}

/* End every operation waiting on socket @fd (it is being closed). */
static void cancel_waiting_on(int fd)
{
	struct ior_op *op, *next;
	sys_slist_t gone;
	unsigned int key;

	sys_slist_init(&gone);
	key = irq_lock();
	SYS_SLIST_FOR_EACH_CONTAINER_SAFE(&ior_net_waiting, op, next, node) {
		if (op->net_fd == fd) {
			sys_slist_find_and_remove(&ior_net_waiting, &op->node);
			op->net_waiting = false;
			sys_slist_append(&gone, &op->node);
		}
	}
	irq_unlock(key);
	SYS_SLIST_FOR_EACH_CONTAINER_SAFE(&gone, op, next, node) {
		mark_forget(op);
		ior_op_done(op, -ECANCELED);
	}
}

/*
 * Zephyr 3.4's bind checks a port against those in use with the address family where the
 * protocol belongs (net_context.c), so it never finds one in use: a guest socket could take
 * a granted listener's port, and its connections. Checked here, as Linux does without
 * SO_REUSEPORT: another socket of the protocol bound to the port, at the address or a
 * wildcard on either side, makes it `address-in-use`.
 */
struct in_use {
	const struct net_context *self;
	const struct sockaddr *want;
	enum net_ip_protocol proto;
	bool listening; /* only listening sockets count */
	bool found;
};

static void in_use_check(struct net_context *ctx, void *user_data)
{
	struct in_use *u = user_data;
	const struct sockaddr_ptr *local = &ctx->local;

	if (ctx == u->self || !net_context_is_used(ctx) || net_context_get_proto(ctx) != u->proto ||
	    local->family != u->want->sa_family ||
	    (u->listening && net_context_get_state(ctx) != NET_CONTEXT_LISTENING))
		return;
	if (local->family == AF_INET) {
		const struct sockaddr_in_ptr *l = (const struct sockaddr_in_ptr *)local;
		const struct sockaddr_in *w = (const struct sockaddr_in *)u->want;

		if (!l->sin_addr || l->sin_port != w->sin_port)
			return;
		u->found |= net_ipv4_is_addr_unspecified(l->sin_addr) ||
			    net_ipv4_is_addr_unspecified(&w->sin_addr) ||
			    net_ipv4_addr_cmp(l->sin_addr, &w->sin_addr);
	}
#if defined(CONFIG_NET_IPV6)
	else if (local->family == AF_INET6) {
		const struct sockaddr_in6_ptr *l = (const struct sockaddr_in6_ptr *)local;
		const struct sockaddr_in6 *w = (const struct sockaddr_in6 *)u->want;

		if (!l->sin6_addr || l->sin6_port != w->sin6_port)
			return;
		u->found |= net_ipv6_is_addr_unspecified(l->sin6_addr) ||
			    net_ipv6_is_addr_unspecified(&w->sin6_addr) ||
			    net_ipv6_addr_cmp(l->sin6_addr, &w->sin6_addr);
	}
#endif
}

static bool port_in_use(int fd, bool udp, const struct sockaddr *want)
{
	struct in_use u = {
		.self = zsock_get_context_object(fd),
		.want = want,
		.proto = udp ? IPPROTO_UDP : IPPROTO_TCP,
	};

	if (((const struct sockaddr_in *)want)->sin_port == 0)
		return false; /* the stack picks a free one */
	net_context_foreach(in_use_check, &u);
	return u.found;
}

/*
 * Zephyr 3.4's connect to a loopback port nobody listens on waits out
 * CONFIG_NET_SOCKETS_CONNECT_TIMEOUT and ends `timed-out` (the reset is not reported to the
 * waiting connect). On loopback nobody listening is certain: `connection-refused` at once,
 * as Linux.
 */
static bool loopback_refused(bool udp, const struct sockaddr *to)
{
	struct in_use u = {.want = to, .proto = IPPROTO_TCP, .listening = true};
	bool loopback = false;

	if (udp)
		return false;
	if (to->sa_family == AF_INET)
		loopback = net_ipv4_is_addr_loopback((struct in_addr *)&((const struct sockaddr_in *)to)->sin_addr);
#if defined(CONFIG_NET_IPV6)
	else if (to->sa_family == AF_INET6)
		loopback = net_ipv6_is_addr_loopback((struct in6_addr *)&((const struct sockaddr_in6 *)to)->sin6_addr);
#endif
	if (!loopback)
		return false;
	net_context_foreach(in_use_check, &u);
	return !u.found;
}

int ior_net_run_wq(struct ior_op *op)
{
	const struct ior_abi_sqe *s = &op->sqe;
	struct sockaddr_storage a;
	struct ior_handle *e;
	int fd, h, v, level, name;

	switch (s->op) {
	case IOR_ABI_OP_SOCKET:
		h = ior_handle_alloc();
		if (h < 0)
			return h;
		fd = zsock_socket(s->family == IOR_ABI_AF_INET ? AF_INET : AF_INET6,
				  s->socktype == 0 ? SOCK_STREAM : SOCK_DGRAM,
				  s->socktype == 0 ? IPPROTO_TCP : IPPROTO_UDP);
		if (fd < 0) {
			int err = -errno;

			ior_handle_free((uint32_t)h);
			return err;
		}
		received_reset(fd);
		e = ior_handle_get((uint32_t)h, ~0u);
		e->kind = IOR_H_SOCKET;
		e->fd = fd;
		e->net = (s->socktype == 0 ? 0 : IOR_NET_UDP) |
			 (s->family == IOR_ABI_AF_INET ? 0 : IOR_NET_V6);
		op->detail.detail = IOR_ABI_DETAIL_HANDLE;
		op->detail.handle = (uint32_t)h;
		return 0; /* the handle is in the detail */
	case IOR_ABI_OP_BIND:
		v = addr_from_abi(&s->addr, &a);
		e = ior_handle_get(s->fd, BIT(IOR_H_SOCKET));
		if (e && port_in_use(op->net_fd, e->net & IOR_NET_UDP, (struct sockaddr *)&a))
			return -EADDRINUSE;
		return zsock_bind(op->net_fd, (struct sockaddr *)&a, (socklen_t)v) < 0 ? -errno : 0;
	case IOR_ABI_OP_CONNECT:
		v = addr_from_abi(&s->addr, &a);
		e = ior_handle_get(s->fd, BIT(IOR_H_SOCKET));
		if (e && loopback_refused(e->net & IOR_NET_UDP, (struct sockaddr *)&a))
			return -ECONNREFUSED;
		if (zsock_connect(op->net_fd, (struct sockaddr *)&a, (socklen_t)v) < 0)
			return -errno;
		e = ior_handle_get(s->fd, BIT(IOR_H_SOCKET));
		if (e && e->fd == op->net_fd)
			e->net |= IOR_NET_CONNECTED | IOR_NET_RECV_OK;
		return 0;
	case IOR_ABI_OP_LISTEN:
		e = ior_handle_get(s->fd, BIT(IOR_H_SOCKET));
		if (!e || e->fd != op->net_fd)
			return -EBADF;
		if (e->grant >= 0) {
			/* A granted listener listens already (a new backlog); a UDP one never. */
			if (e->net & IOR_NET_UDP)
				return -EACCES;
		} else if (e->net & IOR_NET_CONNECTED) {
			return -EINVAL;
		} else {
			/* Listening exposes the address bound: it must be granted. Unbound, the
			 * stack would bind the wildcard address, which is then what must be. */
			if (!local_of(op->net_fd, &a)) {
				memset(&a, 0, sizeof(a));
				a.ss_family = AF_INET;
			}
			if (!net_may(IOR_GRANT_BIND, e->net & IOR_NET_UDP, (struct sockaddr *)&a))
				return -EACCES;
		}
		if (zsock_listen(op->net_fd, (int)MIN(s->len, 64u)) < 0)
			return -errno;
		e->net |= IOR_NET_LISTENING;
		return 0;
	case IOR_ABI_OP_SET_OPTION:
		v = (int)s->sockopt_val;
		switch (s->sockopt) {
		case 0:
			level = SOL_SOCKET, name = SO_REUSEADDR;
			break;
		case 2:
			level = IPPROTO_TCP, name = TCP_NODELAY;
			break;
		case 5: /* receive-buffer-size */
		case 6: /* send-buffer-size */
			/* Zephyr keeps at most 65535 (a TCP window): more is that, as Linux caps
			 * at its maximum. Without CONFIG_NET_CONTEXT_RCVBUF / _SNDBUF: not-supported. */
			level = SOL_SOCKET, name = s->sockopt == 5 ? SO_RCVBUF : SO_SNDBUF;
			v = (int)MIN(s->sockopt_val, UINT16_MAX);
			break;
		case 3: /* ipv6-only */
			e = ior_handle_get(s->fd, BIT(IOR_H_SOCKET));
			if (!e || !(e->net & IOR_NET_V6))
				return -EINVAL; /* an IPv4 socket has no IPv6 options */
			/* Zephyr's IPv6 sockets never take IPv4 (mapped) peers: always v6-only. */
			return v ? 0 : -ENOTSUP;
		case IOR_ABI_SO_BINDTODEVICE:
			/* Granted at submit (bind_device_prepare); an empty name unbinds. */
			if (zsock_setsockopt(op->net_fd, SOL_SOCKET, SO_BINDTODEVICE, op->buf,
					     op->buf[0] ? sizeof(struct ifreq) : 0) == 0)
				return 0;
			/* No interface of that name: ENOENT from Zephyr's lookup, ENODEV on Linux. */
			return errno == ENOENT ? -ENODEV : -errno;
		default:
			/* reuse-port, keep-alive; and multicast membership, interface, loopback and
			 * TTL (3.4's sockets have none of IP_ADD_MEMBERSHIP and its kin):
			 * not-supported. */
			return -ENOTSUP;
		}
		if (zsock_setsockopt(op->net_fd, level, name, &v, sizeof(v)) == 0)
			return 0;
		return errno == ENOPROTOOPT ? -ENOTSUP : -errno;
	case IOR_ABI_OP_SHUTDOWN:
		/* A socket that is neither connected nor listening: not-connected, as Linux
		 * (before Zephyr 3.4, which has no shutdown of writing, would say not-supported). */
		e = ior_handle_get(s->fd, BIT(IOR_H_SOCKET));
		if (e && e->grant < 0 && !(e->net & (IOR_NET_CONNECTED | IOR_NET_LISTENING)))
			return -ENOTCONN;
		return zsock_shutdown(op->net_fd, s->how == 0 ? ZSOCK_SHUT_RD
					  : s->how == 1 ? ZSOCK_SHUT_WR : ZSOCK_SHUT_RDWR) < 0
			       ? -errno : 0;
	case IOR_ABI_OP_LOCAL_ADDRESS:
		e = ior_handle_get(s->fd, BIT(IOR_H_SOCKET));
		if (!local_of(op->net_fd, &a)) {
			/* Unbound (Zephyr's getsockname fails): the family's empty address. */
			memset(&a, 0, sizeof(a));
			a.ss_family = e && (e->net & IOR_NET_V6) ? AF_INET6 : AF_INET;
		}
		op->detail.detail = IOR_ABI_DETAIL_ADDRESS;
		addr_to_abi((struct sockaddr *)&a, &op->detail.addr);
		return 0;
	case IOR_ABI_OP_CLOSE:
		peers_forget(op->net_fd);
		ior_handle_free(s->fd);
		if (!close_deferred(op->net_fd)) {
			cancel_waiting_on(op->net_fd);
			zsock_close(op->net_fd);
		}
		return 0;
	default:
		return -ENOTSUP;
	}
}

void ior_net_close_all(void)
{
	for (int i = 0; i < IOR_NET_DEFERRED; i++) {
		unsigned int key = irq_lock();
		int fd = ior_net_deferred[i] - 1;

		ior_net_deferred[i] = 0;
		irq_unlock(key);
		if (fd >= 0) {
			cancel_waiting_on(fd);
			zsock_close(fd);
		}
	}
	for (uint32_t i = 3; i < CONFIG_IORING_HANDLES; i++) {
		struct ior_handle *e = ior_handle_get(i, BIT(IOR_H_SOCKET));

		if (e) {
			peers_forget(e->fd);
			zsock_close(e->fd);
		}
	}
}
