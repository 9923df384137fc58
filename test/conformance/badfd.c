/*
 * badfd: every operation that names a handle completes with `bad-descriptor` on a handle that
 * was never opened (999), on one that was opened and closed, and on the largest handle
 * (2^32-1), whatever else it asks. One case per operation; the other arguments are valid
 * (granted addresses, registered buffers), so only the handle is wrong.
 */
#include "conform.h"

static ior_sockaddr_t loopback;		/* 127.0.0.1:9, which the runner grants */
static int dir_handle;			/* the "rw" grant, for operations with two handles */

/* Prepare operation @op on handle @h. */
static void prep_op(ior_sqe_t *sqe, const char *op, ior_handle_t h)
{
	static const uint8_t byte = 0;

	if (!strcmp(op, "read"))
		ior_prep_read(sqe, h, 4, 0);
	else if (!strcmp(op, "write"))
		ior_prep_write(sqe, h, &byte, 1, 0);
	else if (!strcmp(op, "read-fixed"))
		ior_prep_read_fixed(sqe, h, 0, 0, 4, 0);
	else if (!strcmp(op, "write-fixed"))
		ior_prep_write_fixed(sqe, h, 0, 0, 4, 0);
	else if (!strcmp(op, "send"))
		ior_prep_send(sqe, h, &byte, 1);
	else if (!strcmp(op, "recv"))
		ior_prep_recv(sqe, h, 4);
	else if (!strcmp(op, "recv-multishot"))
		ior_prep_recv_multishot(sqe, h, 4);
	else if (!strcmp(op, "recvmsg"))
		ior_prep_recvmsg(sqe, h, 4);
	else if (!strcmp(op, "sendmsg"))
		ior_prep_sendmsg(sqe, h, &byte, 1, &loopback);
	else if (!strcmp(op, "accept"))
		ior_prep_accept(sqe, h);
	else if (!strcmp(op, "accept-multishot"))
		ior_prep_accept_multishot(sqe, h);
	else if (!strcmp(op, "connect"))
		ior_prep_connect(sqe, h, &loopback);
	else if (!strcmp(op, "bind"))
		ior_prep_bind(sqe, h, &loopback);
	else if (!strcmp(op, "listen"))
		ior_prep_listen(sqe, h, 4);
	else if (!strcmp(op, "set-option"))
		ior_prep_set_option(sqe, h, IOR_SO_KEEPALIVE, 1);
	else if (!strcmp(op, "shutdown"))
		ior_prep_shutdown(sqe, h, IOR_SHUT_RDWR);
	else if (!strcmp(op, "openat"))
		ior_prep_openat(sqe, h, "x", IOR_O_READ, 0);
	else if (!strcmp(op, "close"))
		ior_prep_close(sqe, h);
	else if (!strcmp(op, "fsync"))
		ior_prep_fsync(sqe, h, 0);
	else if (!strcmp(op, "ftruncate"))
		ior_prep_ftruncate(sqe, h, 0);
	else if (!strcmp(op, "mkdirat"))
		ior_prep_mkdirat(sqe, h, "x", 0755);
	else if (!strcmp(op, "unlinkat"))
		ior_prep_unlinkat(sqe, h, "x", 0);
	else if (!strcmp(op, "renameat-old"))
		ior_prep_renameat(sqe, h, "x", (ior_handle_t)dir_handle, "y");
	else if (!strcmp(op, "renameat-new"))
		ior_prep_renameat(sqe, (ior_handle_t)dir_handle, "x", h, "y");
	else if (!strcmp(op, "statx"))
		ior_prep_statx(sqe, h, "", false);
	else if (!strcmp(op, "poll"))
		ior_prep_poll(sqe, h, IOR_POLLIN);
	else if (!strcmp(op, "local-address"))
		ior_prep_local_address(sqe, h);
}

static const char *const ops[] = {
	"read", "write", "read-fixed", "write-fixed", "send", "recv", "recv-multishot", "recvmsg",
	"sendmsg", "accept", "accept-multishot", "connect", "bind", "listen", "set-option",
	"shutdown", "openat", "close", "fsync", "ftruncate", "mkdirat", "unlinkat", "renameat-old",
	"renameat-new", "statx", "poll", "local-address",
};

static const char *current_op;

static void badfd_case(struct ior_ring *ring)
{
	struct t_cqe c;
	int closed, res;

	CHECK(ior_register_buffers(ring, 1, 16) == 0, "register");
	dir_handle = t_dir("rw");
	/* For renameat-new, a file to move, so only the new side is wrong. */
	res = t_open(ring, dir_handle, "x", IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(res >= 0, "fixture: %s", t_code(res));
	t_close(ring, res);
	closed = t_open(ring, dir_handle, "closed", IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(closed >= 0, "fixture: %s", t_code(closed));
	t_close(ring, closed);

	const uint32_t handles[3] = { 999, (uint32_t)closed, 0xffffffffu };
	const char *what[3] = { "never opened", "closed", "2^32-1" };

	for (int i = 0; i < 3; i++) {
		prep_op(ior_get_sqe(ring), current_op, handles[i]);
		res = t_one(ring, &c);
		SKIP_IF_NOTSUP(res);
		CHECK(res == -IOR_EBADF, "%s on handle %u (%s): %s, want bad-descriptor", current_op,
		      handles[i], what[i], t_code(res));
	}
	PASS();
}

int main(void)
{
	char names[sizeof(ops) / sizeof(ops[0])][32];

	ior_addr_ipv4(&loopback, 127, 0, 0, 1, 9);
	for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		t_format(names[i], sizeof(names[i]), "badfd-%s", ops[i]);
		current_op = ops[i];
		t_run(names[i], badfd_case);
	}
	return t_exit();
}
