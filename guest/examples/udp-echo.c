/*
 * udp-echo - a datagram echo server, and a client for it.
 *
 *   ioring run --listen echo=udp:127.0.0.1:7777 udp-echo.wasm serve [COUNT]
 *   ioring run --connect udp:127.0.0.1:7777 udp-echo.wasm send 127.0.0.1:7777 MSG...
 *
 * serve: keeps several recvmsg in flight on the granted socket `echo` and sends each datagram
 * back to its sender with sendmsg (a granted datagram socket may answer whoever wrote to it;
 * anywhere else needs --connect). Runs until killed, or until it has echoed COUNT datagrams.
 *
 * send: creates a socket, and for each MSG sends it to the address and waits for the reply,
 * one linked chain per message: sendmsg -> recvmsg -> link-timeout (1 s). Prints each reply
 * on its own line.
 */
#include <stdlib.h>
#include <string.h>

#include "ioring.h"

#define MAX_DATAGRAM 65536
#define RECEIVES 8
#define REPLY_TIMEOUT_NS 1000000000ull

static unsigned long to_echo; /* 0: no limit */
static unsigned long echoed;
static ior_handle_t sock;
static int failure;

static void on_datagram(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe);

static void receive(struct ior_loop *loop, struct ior_op *op)
{
	ior_sqe_t *sqe = ior_loop_get_sqe(loop, op);

	if (sqe)
		ior_prep_recvmsg(sqe, sock, MAX_DATAGRAM);
}

static void on_echoed(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	(void)op;
	if (ior_cqe_res(cqe) < 0) {
		ior_perror("udp-echo: sendmsg", ior_cqe_res(cqe));
		failure = 1;
		ior_loop_stop(loop);
		return;
	}
	if (to_echo && ++echoed == to_echo)
		ior_loop_stop(loop);
}

static struct ior_op echo_op = IOR_OP_INIT(on_echoed, NULL);

static void on_datagram(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	const ior_sockaddr_t *from = ior_cqe_addr(cqe);
	int res = ior_cqe_res(cqe);
	const uint8_t *bytes;
	ior_sqe_t *sqe;
	size_t len;

	if (res < 0 || !from) {
		ior_perror("udp-echo: recvmsg", res < 0 ? res : -IOR_EINVAL);
		failure = 1;
		ior_loop_stop(loop);
		return;
	}
	/* The payload and the sender's address stay valid until this SQE is submitted. */
	bytes = ior_cqe_payload(cqe, &len);
	sqe = ior_loop_get_sqe(loop, &echo_op);
	if (sqe)
		ior_prep_sendmsg(sqe, sock, bytes, len, from);
	receive(loop, op);
}

static int server(int argc, char **argv)
{
	static struct ior_op receives[RECEIVES];
	struct ior_loop loop;
	int fd, ret;

	if (argc > 2)
		to_echo = strtoul(argv[2], NULL, 10);
	fd = ior_grant_listener("echo");
	if (fd < 0) {
		ior_perror("udp-echo: listener \"echo\"", fd);
		return 1;
	}
	sock = (ior_handle_t)fd;
	ret = ior_loop_init(&loop, 0);
	if (ret < 0) {
		ior_perror("udp-echo: ring", ret);
		return 1;
	}
	for (int i = 0; i < RECEIVES; i++) {
		ior_op_init(&receives[i], on_datagram, NULL);
		receive(&loop, &receives[i]);
	}
	ior_loop_run(&loop, IOR_RUN_UNTIL_STOPPED);
	ior_loop_exit(&loop);
	return failure;
}

/* Submits what is prepared and waits for @nr CQEs, returning the result of each in @res. */
static void run_chain(struct ior_ring *ring, int *res, unsigned nr, uint8_t **reply,
		      size_t *reply_len)
{
	for (unsigned i = 0; i < nr; i++) {
		ior_cqe_t *cqe;
		uint32_t which;

		if (ior_wait_cqe(ring, &cqe) < 0) {
			res[i] = -IOR_EIO;
			continue;
		}
		which = ior_cqe_get_data32(cqe);
		if (which < nr) {
			res[which] = ior_cqe_res(cqe);
			if (which == 1)
				*reply = ior_cqe_take_payload(cqe, reply_len);
		}
		ior_cqe_seen(ring, cqe);
	}
}

static int client(int argc, char **argv)
{
	struct ior_ring ring;
	ior_sockaddr_t to;
	ior_cqe_t *cqe;
	int ret;

	if (argc < 3 || ior_addr_parse(&to, argv[2]) < 0) {
		ior_perror("usage: udp-echo send ADDR:PORT MSG...", 0);
		return 2;
	}
	ret = ior_ring_init(&ring, 8);
	if (ret < 0) {
		ior_perror("udp-echo: ring", ret);
		return 1;
	}
	ior_prep_socket(ior_get_sqe(&ring), to.tag == IOR_ADDR_IPV6 ? IOR_AF_INET6 : IOR_AF_INET,
			IOR_SOCK_DGRAM);
	ret = ior_wait_cqe(&ring, &cqe);
	if (ret == 0) {
		ret = ior_cqe_res(cqe) < 0 ? ior_cqe_res(cqe) : ior_cqe_handle(cqe);
		ior_cqe_seen(&ring, cqe);
	}
	if (ret < 0) {
		ior_perror("udp-echo: socket", ret);
		return 1;
	}
	sock = (ior_handle_t)ret;

	for (int i = 3; i < argc; i++) {
		uint8_t *reply = NULL;
		size_t reply_len = 0;
		int res[3] = { 0, 0, 0 };
		ior_sqe_t *sqe;

		/* One batch, one chain: the reply is awaited only if the send went out, and for
		 * one second at most. */
		sqe = ior_get_sqe(&ring);
		ior_prep_sendmsg(sqe, sock, argv[i], strlen(argv[i]), &to);
		ior_sqe_set_data32(sqe, 0);
		ior_sqe_set_flags(sqe, IOR_SQE_LINK);
		sqe = ior_get_sqe(&ring);
		ior_prep_recvmsg(sqe, sock, MAX_DATAGRAM);
		ior_sqe_set_data32(sqe, 1);
		ior_sqe_set_flags(sqe, IOR_SQE_LINK);
		sqe = ior_get_sqe(&ring);
		ior_prep_link_timeout(sqe, REPLY_TIMEOUT_NS);
		ior_sqe_set_data32(sqe, 2);
		run_chain(&ring, res, 3, &reply, &reply_len);
		if (res[0] < 0 || res[1] < 0) {
			free(reply);
			ior_perror(res[0] < 0 ? "udp-echo: send" : "udp-echo: reply", res[0] < 0 ? res[0] : res[1]);
			return 1;
		}
		/* The reply, then a newline, in one write. */
		reply = realloc(reply, reply_len + 1);
		if (!reply)
			return 1;
		reply[reply_len] = '\n';
		ior_prep_write(ior_get_sqe(&ring), IOR_STDOUT, reply, reply_len + 1,
			       IOR_CURRENT_POSITION);
		ret = ior_wait_cqe(&ring, &cqe);
		free(reply);
		if (ret == 0)
			ior_cqe_seen(&ring, cqe);
	}
	ior_ring_exit(&ring);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "serve"))
		return server(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "send"))
		return client(argc, argv);
	ior_perror("usage: udp-echo serve [COUNT] | udp-echo send ADDR:PORT MSG...", 0);
	return 2;
}
