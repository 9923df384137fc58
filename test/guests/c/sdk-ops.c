/*
 * sdk-ops: the C SDK's prep helpers for the operations no example uses, run by hand against
 * the Linux host with real files and sockets, one line per operation, so the test can compare
 * exact results.
 *
 *   ioring run --dir TMP::d --bind 'tcp:127.0.0.1:*' --connect 'tcp:127.0.0.1:*' \
 *       --device i2c=/dev/null sdk-ops.wasm PORT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ioring.h"

static struct ior_ring ring;

/* Submits what is prepared and returns the result of its (single) CQE; copies the CQE. */
static int one(ior_cqe_t *copy, char *bytes, size_t size)
{
	ior_cqe_t *cqe;
	int ret = ior_wait_cqe(&ring, &cqe);

	if (ret < 0)
		return ret;
	ret = ior_cqe_res(cqe);
	if (bytes) {
		size_t len;
		const uint8_t *p = ior_cqe_payload(cqe, &len);

		len = len < size - 1 ? len : size - 1;
		memcpy(bytes, p, len);
		bytes[len] = '\0';
	}
	/* A shallow copy: handles, stat and IP addresses are inline; payloads are freed. */
	if (copy)
		*copy = *cqe;
	ior_cqe_seen(&ring, cqe);
	return ret;
}

static int handle_of(void)
{
	ior_cqe_t c;
	int ret = one(&c, NULL, 0);

	return ret < 0 ? ret : ior_cqe_handle(&c);
}

static const char *err(int ret)
{
	static char buf[32];

	if (ret >= 0) {
		snprintf(buf, sizeof(buf), "%d", ret);
		return buf;
	}
	return ior_strerror(ret);
}

static void files(void)
{
	ior_cqe_t c;
	char bytes[32];
	int dir = ior_grant_directory("d"), fd, ret;

	ior_prep_openat(ior_get_sqe(&ring), (ior_handle_t)dir, "f",
			IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE | IOR_O_TRUNCATE, 0640);
	fd = handle_of();
	printf("openat: %s\n", fd < 0 ? err(fd) : "handle");
	ior_prep_write(ior_get_sqe(&ring), (ior_handle_t)fd, "hello world", 11, 0);
	printf("write: %s\n", err(one(NULL, NULL, 0)));
	ior_prep_fsync(ior_get_sqe(&ring), (ior_handle_t)fd, 0);
	printf("fsync: %s\n", err(one(NULL, NULL, 0)));
	ior_prep_fsync(ior_get_sqe(&ring), (ior_handle_t)fd, IOR_FSYNC_DATASYNC);
	printf("fdatasync: %s\n", err(one(NULL, NULL, 0)));

	ior_prep_statx(ior_get_sqe(&ring), (ior_handle_t)dir, "f", false);
	ret = one(&c, NULL, 0);
	if (ret >= 0 && ior_cqe_stat(&c))
		printf("statx f: %s regular=%d size=%llu mode=%o links=%u\n", err(ret),
		       ior_cqe_stat(&c)->type == IOR_FILE_REGULAR,
		       (unsigned long long)ior_cqe_stat(&c)->size, ior_cqe_stat(&c)->mode,
		       ior_cqe_stat(&c)->links);
	else
		printf("statx f: %s\n", err(ret));
	ior_prep_statx(ior_get_sqe(&ring), (ior_handle_t)dir, "", false);
	ret = one(&c, NULL, 0);
	printf("statx dir: %s directory=%d\n", err(ret),
	       ior_cqe_stat(&c) && ior_cqe_stat(&c)->type == IOR_FILE_DIRECTORY);
	ior_prep_statx(ior_get_sqe(&ring), (ior_handle_t)dir, "../..", false);
	printf("statx escape: %s\n", err(one(NULL, NULL, 0)));

	ior_prep_read(ior_get_sqe(&ring), (ior_handle_t)fd, 5, 6);
	ret = one(NULL, bytes, sizeof(bytes));
	printf("read at 6: %s %s\n", err(ret), bytes);

	/* A linked chain: write then read back at the file position, then a drained nop. */
	{
		ior_sqe_t *sqe = ior_get_sqe(&ring);

		ior_prep_write(sqe, (ior_handle_t)fd, "!", 1, 11);
		ior_sqe_set_flags(sqe, IOR_SQE_LINK);
		ior_sqe_set_data32(sqe, 1);
		sqe = ior_get_sqe(&ring);
		ior_prep_read(sqe, (ior_handle_t)fd, 12, 0);
		ior_sqe_set_data32(sqe, 2);
		sqe = ior_get_sqe(&ring);
		ior_prep_nop(sqe);
		ior_sqe_set_flags(sqe, IOR_SQE_DRAIN);
		ior_sqe_set_data32(sqe, 3);
		for (int i = 0; i < 3; i++) {
			ior_cqe_t *cqe;
			size_t len;
			const uint8_t *p;

			ior_wait_cqe(&ring, &cqe);
			p = ior_cqe_payload(cqe, &len);
			printf("chain %u: %s %.*s\n", ior_cqe_get_data32(cqe), err(ior_cqe_res(cqe)),
			       (int)len, p ? (const char *)p : "");
			ior_cqe_seen(&ring, cqe);
		}
	}
	/* A failing head breaks its link: the next entry is canceled. */
	{
		ior_sqe_t *sqe = ior_get_sqe(&ring);

		ior_prep_read(sqe, 999, 1, 0);
		ior_sqe_set_flags(sqe, IOR_SQE_LINK);
		ior_prep_nop(ior_get_sqe(&ring));
		printf("broken link: %s", err(one(NULL, NULL, 0)));
		printf(" then %s\n", err(one(NULL, NULL, 0)));
	}
	ior_prep_close(ior_get_sqe(&ring), (ior_handle_t)fd);
	printf("close: %s\n", err(one(NULL, NULL, 0)));
}

static void sockets(uint16_t port)
{
	ior_sockaddr_t addr;
	ior_cqe_t c;
	char bytes[64], peer[64];
	int l, s, a, ret;

	ior_addr_ipv4(&addr, 127, 0, 0, 1, port);
	ior_prep_socket(ior_get_sqe(&ring), IOR_AF_INET, IOR_SOCK_STREAM);
	l = handle_of();
	printf("socket: %s\n", l < 0 ? err(l) : "handle");
	ior_prep_set_option(ior_get_sqe(&ring), (ior_handle_t)l, IOR_SO_REUSEADDR, 1);
	printf("reuseaddr: %s\n", err(one(NULL, NULL, 0)));
	ior_prep_bind(ior_get_sqe(&ring), (ior_handle_t)l, &addr);
	printf("bind: %s\n", err(one(NULL, NULL, 0)));
	ior_prep_listen(ior_get_sqe(&ring), (ior_handle_t)l, 8);
	printf("listen: %s\n", err(one(NULL, NULL, 0)));

	ior_prep_socket(ior_get_sqe(&ring), IOR_AF_INET, IOR_SOCK_STREAM);
	s = handle_of();
	ior_prep_set_option(ior_get_sqe(&ring), (ior_handle_t)s, IOR_TCP_NODELAY, 1);
	printf("nodelay: %s\n", err(one(NULL, NULL, 0)));
	ior_prep_set_option(ior_get_sqe(&ring), (ior_handle_t)s, IOR_SO_RCVBUF, 65536);
	printf("rcvbuf: %s\n", err(one(NULL, NULL, 0)));
	ior_prep_connect(ior_get_sqe(&ring), (ior_handle_t)s, &addr);
	printf("connect: %s\n", err(one(NULL, NULL, 0)));

	ior_prep_accept(ior_get_sqe(&ring), (ior_handle_t)l);
	ret = one(&c, NULL, 0);
	a = ret < 0 ? ret : ior_cqe_handle(&c);
	ior_addr_format(ior_cqe_addr(&c), peer, sizeof(peer));
	printf("accept: %s peer=%.10s\n", a < 0 ? err(a) : "handle", peer);

	ior_prep_send(ior_get_sqe(&ring), (ior_handle_t)s, "ping", 4);
	printf("send: %s\n", err(one(NULL, NULL, 0)));
	ior_prep_poll(ior_get_sqe(&ring), (ior_handle_t)a, IOR_POLLIN | IOR_POLLOUT);
	ret = one(NULL, NULL, 0);
	printf("poll: in=%d out=%d\n", ret > 0 && (ret & IOR_POLLIN), ret > 0 && (ret & IOR_POLLOUT) != 0);
	ior_prep_recv(ior_get_sqe(&ring), (ior_handle_t)a, sizeof(bytes));
	ret = one(NULL, bytes, sizeof(bytes));
	printf("recv: %s %s\n", err(ret), bytes);
	ior_prep_shutdown(ior_get_sqe(&ring), (ior_handle_t)s, IOR_SHUT_WR);
	printf("shutdown: %s\n", err(one(NULL, NULL, 0)));
	ior_prep_recv(ior_get_sqe(&ring), (ior_handle_t)a, sizeof(bytes));
	printf("recv after shutdown: %s\n", err(one(NULL, NULL, 0)));

	/* Cancel by user data: a poll that cannot complete (nothing more will arrive on s). */
	{
		ior_sqe_t *sqe = ior_get_sqe(&ring);

		ior_prep_poll(sqe, (ior_handle_t)s, IOR_POLLIN);
		ior_sqe_set_data32(sqe, 55);
		ior_submit(&ring);
		ior_prep_cancel32(ior_get_sqe(&ring), 55, 0);
		for (int i = 0; i < 2; i++) {
			ior_cqe_t *cqe;

			ior_wait_cqe(&ring, &cqe);
			printf("%s: %s\n", ior_cqe_get_data32(cqe) == 55 ? "cancelled poll" : "cancel",
			       err(ior_cqe_res(cqe)));
			ior_cqe_seen(&ring, cqe);
		}
		ior_prep_cancel32(ior_get_sqe(&ring), 55, IOR_CANCEL_ALL);
		printf("cancel again: %s\n", err(one(NULL, NULL, 0)));
	}
	/* Connecting where no grant allows. */
	{
		ior_sockaddr_t far;

		ior_addr_ipv4(&far, 10, 1, 2, 3, 80);
		ior_prep_connect(ior_get_sqe(&ring), (ior_handle_t)s, &far);
		printf("connect ungranted: %s\n", err(one(NULL, NULL, 0)));
	}
	ior_prep_close(ior_get_sqe(&ring), (ior_handle_t)a);
	ior_prep_close(ior_get_sqe(&ring), (ior_handle_t)s);
	ior_prep_close(ior_get_sqe(&ring), (ior_handle_t)l);
	{
		struct ior_cqes cqes;
		int n = ior_wait_cqes(&ring, 3, 3, -1, &cqes);

		printf("closes: %d %s %s %s\n", n, err(ior_cqe_res(&cqes.cqe[0])),
		       err(ior_cqe_res(&cqes.cqe[1])), err(ior_cqe_res(&cqes.cqe[2])));
		ior_cqes_free(&cqes);
	}
}

static void devices(void)
{
	static const uint8_t reg = 0x10;
	ior_i2c_msg_t msgs[2];
	ior_tty_config_t cfg;
	int dev = ior_grant_device("i2c");

	/* No I2C on this kernel: /dev/null stands in, and the I2C_RDWR ioctl fails. */
	ior_i2c_msg_write(&msgs[0], 0x50, &reg, 1);
	ior_i2c_msg_read(&msgs[1], 0x50, 2);
	ior_prep_i2c_transfer(ior_get_sqe(&ring), (ior_handle_t)dev, msgs, 2);
	printf("i2c on /dev/null: %s\n", err(one(NULL, NULL, 0)));
	ior_prep_i2c_transfer(ior_get_sqe(&ring), (ior_handle_t)dev, msgs, 0);
	printf("i2c with no messages: %s\n", err(one(NULL, NULL, 0)));
	ior_tty_config_raw(&cfg, 115200);
	ior_prep_tty_configure(ior_get_sqe(&ring), (ior_handle_t)dev, &cfg);
	printf("tty-configure /dev/null: %s\n", err(one(NULL, NULL, 0)));
	cfg.data_bits = 9;
	ior_prep_tty_configure(ior_get_sqe(&ring), (ior_handle_t)dev, &cfg);
	printf("tty-configure 9 bits: %s\n", err(one(NULL, NULL, 0)));
}

int main(int argc, char **argv)
{
	if (argc != 2 || ior_ring_init(&ring, 8) < 0)
		return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	files();
	sockets((uint16_t)atoi(argv[1]));
	devices();
	ior_ring_exit(&ring);
	return 0;
}
