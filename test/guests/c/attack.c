/*
 * attack: a hostile guest for the sandbox attack suite (test/attack/run.mjs). Each mode tries
 * one way out of its grants and prints what the host answered, one "LABEL: ok N" or
 * "LABEL: err NAME" line per attempt; the runner then checks from outside whether anything
 * escaped (files, listeners, datagrams, terminal settings, the host's descriptors and RSS).
 *
 *   attack MODE [ARGS...]
 *
 * Files (directory grant "d"):
 *   open PATH FLAGS MODE       openat(d, PATH); FLAGS letters w r c x t a d n (write, read,
 *                              create, exclusive, truncate, append, directory, nonblock);
 *                              then writes "PWNED" if w, reads and prints if r
 *   open2 SUB PATH FLAGS MODE  as open, beneath directory SUB opened under d
 *   statx PATH                 statx(d, PATH), printing the size
 *   stale-write PATH           open PATH for writing, close it, then write to the handle
 *   stale-reuse A B            open A for writing, close it, open B read-only (same index),
 *                              write through the index
 *   forged                     write and read through handles never granted
 * Sockets (ring API; ADDR as ior_addr_parse reads it):
 *   listen-unbound 4|6         socket, listen without bind; prints the port if it listens
 *   bind-listen ADDR           socket, bind ADDR, listen; prints the port
 *   connect ADDR               tcp connect to ADDR, then send
 *   tcp-sendmsg ADDR           sendmsg on an unconnected tcp socket to ADDR
 *   udp-send ADDR              udp sendmsg to ADDR
 *   udp-connect-send ADDR      udp connect to ADDR, then send
 *   unix-connect PATH          unix stream connect to PATH
 *   unix-dgram-send PATH       unix datagram sendmsg to PATH
 *   unix-bind PATH             unix stream bind to PATH
 *   udp-recv-wildcard ADDR     udp sendmsg to ADDR (implicitly binding the wildcard), then
 *                              receive for 3 s; prints what arrived
 *   udp-reply-swap             own udp socket bound to 127.0.0.1:0 receiving; close it, take
 *                              the "u" grant at its index, reply from it to whoever wrote to
 *                              the closed socket
 *   udp-grant-send ADDR        sendmsg from the "u" grant to ADDR, which never wrote to it
 *   multicast-join GROUP       udp socket joining GROUP on lo; prints "holding", holds it 2 s
 *   group-send ADDR            udp socket sending out of lo (IP_MULTICAST_IF), sendmsg to ADDR
 *   bind-device ADDR IFNAME    udp socket bound to ADDR, then to network device IFNAME;
 *                              prints the port and "holding", holds it 2 s
 * Devices:
 *   tty-handle N               tty-configure raw 9600 on handle N (0: stdin)
 *   tty-grant                  tty-configure raw 9600 on the "d" device grant (a control)
 *   tty-open PATH              open PATH under d (read-only grant), tty-configure it
 *   spi-handle N / i2c-handle N    an SPI / I2C transfer on handle N
 *   spi-open PATH / i2c-open PATH  an SPI / I2C transfer on a file opened under d
 *   spi-segments N             an SPI transfer of N segments on the "d" device grant
 *   gpio-handle N / gpio-open PATH  a GPIO line request (output) on handle N / a file
 *                              opened under d
 * Limits:
 *   reap-flood                 reads of the "z" device in flight, asking complete() for
 *                              one completion while waiting for all, forever
 *   statx-flood                16 rings x 1024 statx of d/f in flight, never completed;
 *                              prints "holding", then sleeps 3 s
 *   device-flood               as statx-flood with SPI transfers on the "d" device grant
 *   absurd WHAT                one absurd request (see absurd())
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ioring.h"

static struct ior_ring R;
static int last_handle;
static ior_sockaddr_t last_addr;
static char last_data[4096];
static size_t last_len;

static void report(const char *label, int res)
{
	if (res >= 0)
		printf("%s: ok %d\n", label, res);
	else
		printf("%s: err %s\n", label, ior_strerror(res));
	fflush(stdout);
}

/* Submits what is prepared and waits for one completion; keeps its handle, address, data. */
static int wait1(void)
{
	struct ior_cqes c;
	int res;
	size_t len;
	const uint8_t *p;

	if (ior_wait_cqes(&R, 1, 1, -1, &c) != 1) {
		printf("no completion\n");
		exit(3);
	}
	res = ior_cqe_res(&c.cqe[0]);
	last_handle = ior_cqe_handle(&c.cqe[0]);
	if (ior_cqe_addr(&c.cqe[0]))
		last_addr = *ior_cqe_addr(&c.cqe[0]);
	p = ior_cqe_payload(&c.cqe[0], &len);
	last_len = len < sizeof(last_data) ? len : sizeof(last_data) - 1;
	if (p)
		memcpy(last_data, p, last_len);
	last_data[last_len] = 0;
	ior_cqes_free(&c);
	return res;
}

/* Waits for @n completions (a chain), returning the first error or the last result. */
static int wait_n(unsigned n)
{
	int first_err = 0, res = 0;

	while (n--) {
		res = wait1();
		if (res < 0 && !first_err)
			first_err = res;
	}
	return first_err ? first_err : res;
}

static ior_sqe_t *sqe(void)
{
	ior_sqe_t *s = ior_get_sqe(&R);

	if (!s) {
		ior_submit(&R);
		s = ior_get_sqe(&R);
	}
	if (!s) {
		printf("no room for another SQE\n");
		exit(3);
	}
	return s;
}

static int dir_grant(void)
{
	int d = ior_grant_directory("d");

	if (d < 0) {
		report("grant d", d);
		exit(1);
	}
	return d;
}

static uint16_t open_flags(const char *s)
{
	uint16_t f = 0;

	for (; *s; s++)
		switch (*s) {
		case 'w': f |= IOR_O_WRITE; break;
		case 'r': f |= IOR_O_READ; break;
		case 'c': f |= IOR_O_CREATE; break;
		case 'x': f |= IOR_O_EXCLUSIVE; break;
		case 't': f |= IOR_O_TRUNCATE; break;
		case 'a': f |= IOR_O_APPEND; break;
		case 'd': f |= IOR_O_DIRECTORY; break;
		case 'n': f |= IOR_O_NONBLOCK | IOR_O_NOCTTY; break;
		}
	return f;
}

static int open_under(int dir, const char *path, uint16_t flags, uint32_t mode)
{
	int res;

	ior_prep_openat(sqe(), (ior_handle_t)dir, path, flags, mode);
	res = wait1();
	report("openat", res);
	return res < 0 ? res : last_handle;
}

static int write_str(int fd, const char *s)
{
	ior_prep_write(sqe(), (ior_handle_t)fd, s, strlen(s), IOR_CURRENT_POSITION);
	return wait1();
}

static void try_open(int dir, const char *path, const char *fl, const char *mode)
{
	int h = open_under(dir, path, open_flags(fl), (uint32_t)strtoul(mode, NULL, 8));

	if (h < 0)
		return;
	if (strchr(fl, 'w'))
		report("write", write_str(h, "PWNED"));
	if (strchr(fl, 'r')) {
		ior_prep_read(sqe(), (ior_handle_t)h, sizeof(last_data) - 1, 0);
		report("read", wait1());
		printf("data: %s\n", last_data);
	}
}

static void forged(void)
{
	static const uint32_t handles[] = { 3, 4, 5, 100, 1023, 1024, 65535, 0x7fffffff, 0xfffffffe, 0xffffffff };
	char label[64];

	for (size_t i = 0; i < sizeof(handles) / sizeof(handles[0]); i++) {
		snprintf(label, sizeof(label), "write %u", handles[i]);
		report(label, write_str((int)handles[i], "PWNED"));
		snprintf(label, sizeof(label), "read %u", handles[i]);
		ior_prep_read(sqe(), handles[i], 16, 0);
		report(label, wait1());
		snprintf(label, sizeof(label), "close %u", handles[i]);
		ior_prep_close(sqe(), handles[i]);
		report(label, wait1());
	}
}

static int new_socket(unsigned family, unsigned type)
{
	int res;

	ior_prep_socket(sqe(), family, type);
	res = wait1();
	report("socket", res);
	if (res < 0)
		exit(1);
	return last_handle;
}

static void parse(ior_sockaddr_t *sa, const char *text)
{
	if (ior_addr_parse(sa, text) < 0) {
		printf("bad address %s\n", text);
		exit(2);
	}
}

static uint16_t port_of(const ior_sockaddr_t *sa)
{
	return sa->tag == IOR_ADDR_IPV4 ? sa->val.ipv4.port : sa->tag == IOR_ADDR_IPV6 ? sa->val.ipv6.port : 0;
}

static void print_port(int fd)
{
	int res;

	ior_prep_local_address(sqe(), (ior_handle_t)fd);
	res = wait1();
	report("local-address", res);
	if (res >= 0)
		printf("port %u\n", port_of(&last_addr));
	fflush(stdout);
}

/* Accepts for up to 3 s on @fd (the runner connects meanwhile). */
static void accept_a_while(int fd)
{
	ior_sqe_t *a = sqe();

	ior_prep_accept(a, (ior_handle_t)fd);
	ior_sqe_set_flags(a, IOR_SQE_LINK);
	ior_prep_link_timeout(sqe(), 3000000000ull);
	report("accept", wait_n(2));
}

static void listen_and_wait(int fd)
{
	int res;

	ior_prep_listen(sqe(), (ior_handle_t)fd, 16);
	res = wait1();
	report("listen", res);
	print_port(fd);
	if (res >= 0)
		accept_a_while(fd);
}

static void connect_send(unsigned family, unsigned type, const char *addr)
{
	ior_sockaddr_t sa;
	int fd;

	if (!strncmp(addr, "unix:", 5)) {
		ior_addr_unix(&sa, addr + 5);
		family = IOR_AF_UNIX;
	} else {
		parse(&sa, addr);
		family = sa.tag == IOR_ADDR_IPV6 ? IOR_AF_INET6 : family;
	}
	fd = new_socket(family, type);
	ior_prep_connect(sqe(), (ior_handle_t)fd, &sa);
	report("connect", wait1());
	ior_prep_send(sqe(), (ior_handle_t)fd, "PWNED", 5);
	report("send", wait1());
}

static void sendmsg_to(unsigned type, const char *addr)
{
	ior_sockaddr_t sa;
	unsigned family = IOR_AF_INET;
	int fd;

	if (!strncmp(addr, "unix:", 5)) {
		ior_addr_unix(&sa, addr + 5);
		family = IOR_AF_UNIX;
	} else {
		parse(&sa, addr);
		if (sa.tag == IOR_ADDR_IPV6)
			family = IOR_AF_INET6;
	}
	fd = new_socket(family, type);
	ior_prep_sendmsg(sqe(), (ior_handle_t)fd, "PWNED", 5, &sa);
	report("sendmsg", wait1());
}

/* Receives for up to @ns on @fd; prints what came. */
static int recv_a_while(int fd, uint64_t ns)
{
	ior_sqe_t *r = sqe();
	int res;

	ior_prep_recvmsg(r, (ior_handle_t)fd, 256);
	ior_sqe_set_flags(r, IOR_SQE_LINK);
	ior_prep_link_timeout(sqe(), ns);
	res = wait1();
	report("recvmsg", res);
	if (res >= 0)
		printf("received: %s\n", last_data);
	wait1();
	return res;
}

static void udp_recv_wildcard(const char *addr)
{
	ior_sockaddr_t sa;
	int fd = new_socket(IOR_AF_INET, IOR_SOCK_DGRAM);

	parse(&sa, addr);
	ior_prep_sendmsg(sqe(), (ior_handle_t)fd, "hello", 5, &sa);
	report("sendmsg", wait1());
	print_port(fd);
	recv_a_while(fd, 3000000000ull);
}

/* Prints "holding" and keeps whatever the guest made for 2 s, for the runner to look at. */
static void hold(void)
{
	printf("holding\n");
	fflush(stdout);
	sleep(2);
}

static void multicast_join(const char *group)
{
	ior_ipaddr_t ip;
	int fd = new_socket(IOR_AF_INET, IOR_SOCK_DGRAM);

	if (ior_ipaddr_parse(&ip, group) < 0) {
		printf("bad group %s\n", group);
		exit(2);
	}
	ior_prep_multicast_join(sqe(), (ior_handle_t)fd, &ip, "lo");
	report("multicast-join", wait1());
	hold();
}

static void group_send(const char *addr)
{
	ior_sockaddr_t sa;
	int fd = new_socket(IOR_AF_INET, IOR_SOCK_DGRAM);

	parse(&sa, addr);
	ior_prep_multicast_if(sqe(), (ior_handle_t)fd, "lo");
	report("multicast-interface", wait1());
	ior_prep_sendmsg(sqe(), (ior_handle_t)fd, "PWNED", 5, &sa);
	report("sendmsg", wait1());
}

static void bind_device(const char *addr, const char *ifname)
{
	ior_sockaddr_t sa;
	int fd = new_socket(IOR_AF_INET, IOR_SOCK_DGRAM);

	parse(&sa, addr);
	ior_prep_bind(sqe(), (ior_handle_t)fd, &sa);
	report("bind", wait1());
	ior_prep_bind_to_device(sqe(), (ior_handle_t)fd, ifname);
	report("bind-to-device", wait1());
	print_port(fd);
	hold();
}

static void udp_reply_swap(void)
{
	ior_sockaddr_t any, peer;
	int fd = new_socket(IOR_AF_INET, IOR_SOCK_DGRAM), u, res;
	ior_sqe_t *r;
	struct ior_cqes c;

	ior_addr_ipv4(&any, 127, 0, 0, 1, 0);
	ior_prep_bind(sqe(), (ior_handle_t)fd, &any);
	report("bind", wait1());
	print_port(fd);
	r = sqe();
	ior_prep_recvmsg(r, (ior_handle_t)fd, 256);
	ior_sqe_set_data32(r, 77);
	ior_submit(&R);
	ior_wait_cqes(&R, 0, 0, 0, &c); /* to the kernel */
	ior_cqes_free(&c);
	r = sqe();
	ior_prep_close(r, (ior_handle_t)fd);
	ior_sqe_set_data32(r, 78);
	/* Wait for the close's completion, not the receive's. */
	for (;;) {
		if (ior_wait_cqes(&R, 1, 1, -1, &c) != 1)
			exit(3);
		res = ior_cqe_get_data32(&c.cqe[0]);
		ior_cqes_free(&c);
		if (res == 78)
			break;
	}
	u = ior_grant_listener("u");
	printf("grant u: %d (old %d)\n", u, fd);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (ior_wait_cqes(&R, 1, 1, 5000000000ll, &c) != 1) {
			printf("recvmsg: none\n");
			return;
		}
		res = ior_cqe_res(&c.cqe[0]);
		if (ior_cqe_get_data32(&c.cqe[0]) == 77) {
			if (ior_cqe_addr(&c.cqe[0]))
				peer = *ior_cqe_addr(&c.cqe[0]);
			ior_cqes_free(&c);
			break;
		}
		ior_cqes_free(&c);
	}
	report("recvmsg", res);
	if (res < 0)
		return;
	ior_prep_sendmsg(sqe(), (ior_handle_t)u, "PWNED", 5, &peer);
	report("reply from grant", wait1());
}

static void tty_on(int fd)
{
	ior_tty_config_t cfg;

	ior_tty_config_raw(&cfg, 9600);
	ior_prep_tty_configure(sqe(), (ior_handle_t)fd, &cfg);
	report("tty-configure", wait1());
}

static void spi_on(int fd, unsigned n)
{
	ior_spi_segment_t *segs = calloc(n ? n : 1, sizeof(*segs));
	static const uint8_t tx[4] = { 1, 2, 3, 4 };

	for (unsigned i = 0; i < n; i++)
		ior_spi_segment(&segs[i], tx, sizeof(tx), 4);
	ior_prep_spi_transfer(sqe(), (ior_handle_t)fd, segs, n);
	report("spi-transfer", wait1());
	if (last_len) {
		int zero = 1;

		for (size_t i = 0; i < last_len; i++)
			zero &= last_data[i] == 0;
		printf("spi data: %zu bytes%s\n", last_len, zero ? ", all zero" : "");
	}
	free(segs);
}

static void gpio_on(int fd)
{
	ior_prep_gpio_request(sqe(), (ior_handle_t)fd, 0, IOR_GPIO_OUTPUT, 0);
	report("gpio-request", wait1());
}

static void i2c_on(int fd)
{
	ior_i2c_msg_t m[2];
	static const uint8_t reg = 0;

	ior_i2c_msg_write(&m[0], 0x50, &reg, 1);
	ior_i2c_msg_read(&m[1], 0x50, 4);
	ior_prep_i2c_transfer(sqe(), (ior_handle_t)fd, m, 2);
	report("i2c-transfer", wait1());
}

static int device_grant(const char *name)
{
	int d = ior_grant_device(name);

	if (d < 0) {
		report("grant device", d);
		exit(1);
	}
	return d;
}

/* Reads of 64 KiB from the "z" device, as many as the host takes, while asking complete()
 * for one CQE at a time and waiting for all: completions the host reaps and does not return
 * pile up in the host unless it bounds them. */
static void reap_flood(void)
{
	int z = device_grant("z");
	ioring_ring_ring_borrow_ring_t ring = { R.ring.__handle };
	ior_sqe_t batch[256];
	unsigned long long returned = 0;

	memset(batch, 0, sizeof(batch));
	for (unsigned i = 0; i < 256; i++) {
		batch[i].op.tag = IORING_RING_TYPES_OP_READ;
		batch[i].op.val.read.fd = (ior_handle_t)z;
		batch[i].op.val.read.len = 65536;
	}
	for (unsigned round = 0;; round++) {
		ioring_ring_ring_list_sqe_t list = { batch, 256 };
		ioring_ring_ring_list_cqe_t cqes;
		uint64_t wait = 1000000;

		ioring_ring_ring_method_ring_submit(ring, &list);
		ioring_ring_ring_method_ring_complete(ring, 1024, 1, &wait, &cqes);
		returned += cqes.len;
		ioring_ring_ring_list_cqe_free(&cqes);
		if (round % 1000 == 0) {
			printf("returned %llu\n", returned);
			fflush(stdout);
		}
	}
}

/* 16 rings, each with 1024 operations that hold a host descriptor, never completed. */
static void hold_flood(int spi)
{
	static struct ior_ring rings[16];
	static const uint8_t tx[1] = { 0 };
	ior_spi_segment_t seg;
	int d = spi ? device_grant("d") : dir_grant(), made = 0;
	unsigned long long taken = 0;

	ior_spi_segment(&seg, tx, 1, 0);
	for (int r = 0; r < 16; r++) {
		if (ior_ring_init(&rings[r], 1024) < 0)
			break;
		made++;
		for (int i = 0; i < 1024; i++) {
			ior_sqe_t *s = ior_get_sqe(&rings[r]);

			if (!s)
				break;
			if (spi)
				ior_prep_spi_transfer(s, (ior_handle_t)d, &seg, 1);
			else
				ior_prep_statx(s, (ior_handle_t)d, "f", false);
		}
		taken += (unsigned)ior_submit(&rings[r]);
	}
	printf("rings %d taken %llu\nholding\n", made, taken);
	fflush(stdout);
	sleep(3);
}

static void absurd(const char *what)
{
	ioring_ring_ring_borrow_ring_t ring = { R.ring.__handle };
	ioring_ring_ring_error_code_t err;

	if (!strcmp(what, "read-len")) {
		ior_prep_read(sqe(), IOR_STDIN, 0xffffffffu, 0);
		report("read 4 GiB", wait1());
	} else if (!strcmp(what, "recv-len")) {
		int fd = new_socket(IOR_AF_INET, IOR_SOCK_STREAM);

		ior_prep_recv(sqe(), (ior_handle_t)fd, 0xffffffffu);
		report("recv 4 GiB", wait1());
	} else if (!strcmp(what, "recvmsg-len")) {
		int fd = new_socket(IOR_AF_INET, IOR_SOCK_DGRAM);

		ior_prep_recvmsg(sqe(), (ior_handle_t)fd, 0xfffffff0u);
		report("recvmsg 4 GiB", wait1());
	} else if (!strcmp(what, "write-len")) {
		size_t n = (64u << 20) + 1;
		char *big = calloc(1, n);

		ior_prep_write(sqe(), IOR_STDOUT, big, n, IOR_CURRENT_POSITION);
		report("write 64 MiB + 1", wait1());
	} else if (!strcmp(what, "nops")) {
		size_t n = 200000;
		ior_sqe_t *many = calloc(n, sizeof(*many));
		ioring_ring_ring_list_sqe_t list = { many, n };

		report("submit 200000 nops", (int)ioring_ring_ring_method_ring_submit(ring, &list));
	} else if (!strcmp(what, "ring-entries")) {
		ioring_ring_ring_own_ring_t own;

		report("ring create 4G entries",
		       ioring_ring_ring_static_ring_create(0xffffffffu, &own, &err) ? 0 : -IOR_ERR(err));
	} else if (!strcmp(what, "rings")) {
		ioring_ring_ring_own_ring_t own;
		int made = 0;

		while (made < 1000 && ioring_ring_ring_static_ring_create(4, &own, &err))
			made++;
		report("rings made of 1000 asked", made);
	} else if (!strcmp(what, "buffers")) {
		report("register 65535 x 4 GiB", ior_register_buffers(&R, 65535, 0xffffffffu));
		report("register 1024 x 1 MiB", ior_register_buffers(&R, 1024, 1u << 20));
	} else if (!strcmp(what, "buffer-read")) {
		app_list_u8_t out;

		ior_register_buffers(&R, 1, 4096);
		report("buffer-read 4 GiB at 4 GiB",
		       ioring_ring_ring_method_ring_buffer_read(ring, 0, 0xffffffffu, 0xffffffffu, &out, &err) ? 0 : -IOR_ERR(err));
		report("buffer-read buffer 99",
		       ioring_ring_ring_method_ring_buffer_read(ring, 99, 0, 16, &out, &err) ? 0 : -IOR_ERR(err));
	} else if (!strcmp(what, "fixed")) {
		ior_register_buffers(&R, 1, 4096);
		ior_prep_read_fixed(sqe(), IOR_STDIN, 0, 4000, 4096, 0);
		report("read-fixed past the buffer", wait1());
		ior_prep_write_fixed(sqe(), IOR_STDOUT, 7, 0, 16, IOR_CURRENT_POSITION);
		report("write-fixed buffer 7", wait1());
	} else if (!strcmp(what, "chain")) {
		unsigned n = 5000, got = 0;
		ior_sqe_t *many = calloc(n, sizeof(*many));
		ioring_ring_ring_list_sqe_t list = { many, n };

		for (unsigned i = 0; i < n; i++)
			many[i].flags = IOR_SQE_LINK;
		got = ioring_ring_ring_method_ring_submit(ring, &list);
		report("submit a 5000-entry chain", (int)got);
	} else if (!strcmp(what, "timeout")) {
		ior_prep_timeout(sqe(), ~0ull, 0xffffffffu);
		ior_prep_nop(sqe());
		report("timeout u64::MAX / nop", wait1());
	} else if (!strcmp(what, "spi-segments")) {
		spi_on(device_grant("d"), 100000);
	} else if (!strcmp(what, "spi-len")) {
		ior_spi_segment_t seg;

		ior_spi_segment(&seg, NULL, 0, 0xffffffffu);
		ior_prep_spi_transfer(sqe(), (ior_handle_t)device_grant("d"), &seg, 1);
		report("spi rx 4 GiB", wait1());
	} else if (!strcmp(what, "i2c")) {
		ior_i2c_msg_t m[64];

		for (int i = 0; i < 64; i++)
			ior_i2c_msg_read(&m[i], 0x50, 0xffffffffu);
		ior_prep_i2c_transfer(sqe(), (ior_handle_t)device_grant("d"), m, 64);
		report("i2c 64 x 4 GiB", wait1());
	} else if (!strcmp(what, "path")) {
		size_t n = 1 << 20;
		char *p = malloc(n + 1);

		memset(p, 'a', n);
		p[n] = 0;
		ior_prep_openat(sqe(), (ior_handle_t)dir_grant(), p, IOR_O_READ, 0);
		report("openat a 1 MiB path", wait1());
	} else if (!strcmp(what, "unix-path")) {
		char p[300];
		ior_sockaddr_t sa;
		int fd = new_socket(IOR_AF_UNIX, IOR_SOCK_STREAM);

		memset(p, 'a', sizeof(p) - 1);
		p[sizeof(p) - 1] = 0;
		ior_addr_unix(&sa, p);
		ior_prep_connect(sqe(), (ior_handle_t)fd, &sa);
		report("connect to a 299-byte unix path", wait1());
	} else if (!strcmp(what, "cancel")) {
		ior_prep_cancel32(sqe(), 0xffffffffu, IOR_CANCEL_ALL);
		report("cancel nothing", wait1());
	} else {
		printf("unknown absurd case %s\n", what);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	const char *a = argc > 2 ? argv[2] : "";
	const char *b = argc > 3 ? argv[3] : "";
	const char *c = argc > 4 ? argv[4] : "";
	const char *e = argc > 5 ? argv[5] : "";

	if (ior_ring_init(&R, 64) < 0)
		return 1;
	if (!strcmp(mode, "open"))
		try_open(dir_grant(), a, b, c);
	else if (!strcmp(mode, "open2")) {
		int sub = open_under(dir_grant(), a, IOR_O_DIRECTORY, 0);

		if (sub >= 0)
			try_open(sub, b, c, e);
	} else if (!strcmp(mode, "statx")) {
		int res;

		ior_prep_statx(sqe(), (ior_handle_t)dir_grant(), a, false);
		res = wait1();
		report("statx", res);
	} else if (!strcmp(mode, "stale-write")) {
		int h = open_under(dir_grant(), a, IOR_O_WRITE, 0);

		ior_prep_close(sqe(), (ior_handle_t)h);
		report("close", wait1());
		report("write after close", write_str(h, "PWNED"));
	} else if (!strcmp(mode, "stale-reuse")) {
		int d = dir_grant(), h = open_under(d, a, IOR_O_WRITE, 0), h2;

		ior_prep_close(sqe(), (ior_handle_t)h);
		report("close", wait1());
		h2 = open_under(d, b, IOR_O_READ, 0);
		printf("reused: %s\n", h2 == h ? "yes" : "no");
		report("write through the reused index", write_str(h, "PWNED"));
	} else if (!strcmp(mode, "forged"))
		forged();
	else if (!strcmp(mode, "listen-unbound"))
		listen_and_wait(new_socket(!strcmp(a, "6") ? IOR_AF_INET6 : IOR_AF_INET, IOR_SOCK_STREAM));
	else if (!strcmp(mode, "bind-listen")) {
		ior_sockaddr_t sa;
		int fd;

		parse(&sa, a);
		fd = new_socket(sa.tag == IOR_ADDR_IPV6 ? IOR_AF_INET6 : IOR_AF_INET, IOR_SOCK_STREAM);
		ior_prep_bind(sqe(), (ior_handle_t)fd, &sa);
		report("bind", wait1());
		listen_and_wait(fd);
	} else if (!strcmp(mode, "connect"))
		connect_send(IOR_AF_INET, IOR_SOCK_STREAM, a);
	else if (!strcmp(mode, "tcp-sendmsg"))
		sendmsg_to(IOR_SOCK_STREAM, a);
	else if (!strcmp(mode, "udp-send"))
		sendmsg_to(IOR_SOCK_DGRAM, a);
	else if (!strcmp(mode, "udp-connect-send"))
		connect_send(IOR_AF_INET, IOR_SOCK_DGRAM, a);
	else if (!strcmp(mode, "unix-connect"))
		connect_send(IOR_AF_UNIX, IOR_SOCK_STREAM, a);
	else if (!strcmp(mode, "unix-dgram-send"))
		sendmsg_to(IOR_SOCK_DGRAM, a);
	else if (!strcmp(mode, "unix-bind")) {
		ior_sockaddr_t sa;
		int fd = new_socket(IOR_AF_UNIX, IOR_SOCK_STREAM);

		ior_addr_unix(&sa, a);
		ior_prep_bind(sqe(), (ior_handle_t)fd, &sa);
		report("bind", wait1());
	} else if (!strcmp(mode, "udp-recv-wildcard"))
		udp_recv_wildcard(a);
	else if (!strcmp(mode, "udp-reply-swap"))
		udp_reply_swap();
	else if (!strcmp(mode, "udp-grant-send")) {
		ior_sockaddr_t sa;
		int u = ior_grant_listener("u");

		parse(&sa, a);
		ior_prep_sendmsg(sqe(), (ior_handle_t)u, "PWNED", 5, &sa);
		report("sendmsg from grant", wait1());
	} else if (!strcmp(mode, "multicast-join"))
		multicast_join(a);
	else if (!strcmp(mode, "group-send"))
		group_send(a);
	else if (!strcmp(mode, "bind-device"))
		bind_device(a, b);
	else if (!strcmp(mode, "tty-handle"))
		tty_on(atoi(a));
	else if (!strcmp(mode, "tty-grant"))
		tty_on(device_grant("d"));
	else if (!strcmp(mode, "tty-open")) {
		int h = open_under(dir_grant(), a, open_flags("rn"), 0);

		if (h >= 0)
			tty_on(h);
	} else if (!strcmp(mode, "spi-handle"))
		spi_on(atoi(a), 1);
	else if (!strcmp(mode, "i2c-handle"))
		i2c_on(atoi(a));
	else if (!strcmp(mode, "gpio-handle"))
		gpio_on(atoi(a));
	else if (!strcmp(mode, "spi-open") || !strcmp(mode, "i2c-open") || !strcmp(mode, "gpio-open")) {
		int h = open_under(dir_grant(), a, IOR_O_READ | IOR_O_WRITE, 0);

		if (h >= 0) {
			if (mode[0] == 's')
				spi_on(h, 1);
			else if (mode[0] == 'i')
				i2c_on(h);
			else
				gpio_on(h);
		}
	} else if (!strcmp(mode, "spi-segments"))
		spi_on(device_grant("d"), (unsigned)atoi(a));
	else if (!strcmp(mode, "reap-flood"))
		reap_flood();
	else if (!strcmp(mode, "statx-flood"))
		hold_flood(0);
	else if (!strcmp(mode, "device-flood"))
		hold_flood(1);
	else if (!strcmp(mode, "absurd"))
		absurd(a);
	else {
		printf("unknown mode %s\n", mode);
		return 2;
	}
	return 0;
}
