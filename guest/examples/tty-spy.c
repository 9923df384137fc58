/*
 * tty-spy - put a granted serial line (or terminal) in raw mode and copy whatever arrives on
 * it to stdout, byte for byte, until the line hangs up.
 *
 *   ioring run --device tty=/dev/ttyUSB0 tty-spy.wasm
 *
 * Raw mode (ior_tty_config_raw: no line editing, echo, signals or CR/NL translation, 8N1,
 * speed kept) means every byte arrives as sent and as soon as it is sent. One read is in
 * flight at a time, and the next is armed only once its bytes are written out, so the output
 * keeps the line's order. A read of 0 bytes or -IOR_EIO (the other end hung up) ends it.
 */
#include "ioring.h"

#define READ_SIZE 4096

static ior_handle_t tty;
static int failure;

static void on_read(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe);
static void on_written(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe);

static struct ior_op read_op = IOR_OP_INIT(on_read, NULL);
static struct ior_op write_op = IOR_OP_INIT(on_written, NULL);

static void read_next(struct ior_loop *loop)
{
	ior_prep_read(ior_loop_get_sqe(loop, &read_op), tty, READ_SIZE, IOR_CURRENT_POSITION);
}

static void on_read(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	int res = ior_cqe_res(cqe);
	const uint8_t *bytes;
	size_t len;

	(void)op;
	if (res == 0 || res == -IOR_EIO)
		return; /* hung up: nothing left in flight, the loop goes idle */
	if (res < 0) {
		ior_perror("tty-spy: read", res);
		failure = 1;
		return;
	}
	/* Straight from the CQE: its payload lives until this write is submitted. */
	bytes = ior_cqe_payload(cqe, &len);
	ior_prep_write(ior_loop_get_sqe(loop, &write_op), IOR_STDOUT, bytes, len,
		       IOR_CURRENT_POSITION);
}

static void on_written(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	(void)op;
	if (ior_cqe_res(cqe) < 0) {
		ior_perror("tty-spy: write", ior_cqe_res(cqe));
		failure = 1;
		return;
	}
	/* A write of at most PIPE_BUF (4096) bytes to a pipe is never split. */
	read_next(loop);
}

int main(void)
{
	struct ior_loop loop;
	ior_tty_config_t raw;
	ior_cqe_t *cqe;
	int ret;

	ret = ior_grant_device("tty");
	if (ret < 0) {
		ior_perror("tty-spy: device \"tty\"", ret);
		return 1;
	}
	tty = (ior_handle_t)ret;
	ret = ior_loop_init(&loop, 4);
	if (ret < 0) {
		ior_perror("tty-spy: ring", ret);
		return 1;
	}

	/* Configure first, by hand, before any read can see cooked input. */
	ior_tty_config_raw(&raw, 0);
	ior_prep_tty_configure(ior_get_sqe(ior_loop_ring(&loop)), tty, &raw);
	ret = ior_wait_cqe(ior_loop_ring(&loop), &cqe);
	if (ret == 0) {
		ret = ior_cqe_res(cqe);
		ior_cqe_seen(ior_loop_ring(&loop), cqe);
	}
	if (ret < 0) {
		ior_perror("tty-spy: raw mode", ret);
		return 1;
	}

	read_next(&loop);
	ior_loop_run(&loop, IOR_RUN_UNTIL_IDLE);
	ior_loop_exit(&loop);
	return failure;
}
