/*
 * tcp-echo - echo every byte each TCP client sends, until it closes its side.
 *
 *   ioring run --listen echo=tcp:127.0.0.1:7777 tcp-echo.wasm
 *
 * One multishot accept on the granted listener yields a CQE per connection; each connection
 * has one multishot receive yielding a CQE per arrival. Received bytes go back with one send
 * in flight per connection, so they leave in order; a short send resends the rest. A client
 * that sends faster than it reads is paused: past HIGH_WATER bytes waiting, its receive is
 * cancelled, and re-armed once they drain below half of it. When the client closes its side
 * and everything is echoed, the connection is closed. Runs until killed (or until the
 * listener fails).
 */
#include <stdlib.h>

#include "ioring.h"

/*
 * Bytes a connection may have waiting to be echoed before it stops receiving: without a
 * bound, one client that writes and never reads fills the guest's memory, and the server
 * (every connection of it) ends there.
 */
#define HIGH_WATER (256 * 1024)

/* Bytes received and not yet echoed, oldest first. */
struct chunk {
	struct chunk *next;
	uint8_t *bytes;
	size_t len;
	size_t sent;
};

struct conn {
	ior_handle_t fd;
	struct ior_op recv_op;
	struct ior_op send_op;
	struct ior_op close_op;
	struct chunk *head, *tail;
	size_t queued;	/* bytes in the chunks, not yet echoed */
	bool paused;	/* receive cancelled at HIGH_WATER, to be re-armed */
	bool ended;	/* receiving is over for good: end of stream, an error, the client gone */
	bool closing;
};

static void conn_send(struct ior_loop *loop, struct conn *c)
{
	ior_sqe_t *sqe = ior_loop_get_sqe(loop, &c->send_op);

	if (!sqe)
		return; /* out of memory: the next send completion or arrival retries */
	ior_prep_send(sqe, c->fd, c->head->bytes + c->head->sent, c->head->len - c->head->sent);
}

/* Close once receiving has ended and nothing is in flight; on_closed frees it. */
static void conn_maybe_close(struct ior_loop *loop, struct conn *c)
{
	ior_sqe_t *sqe;

	if (c->closing || !c->ended || ior_op_active(&c->recv_op) || ior_op_active(&c->send_op) ||
	    c->head)
		return;
	sqe = ior_loop_get_sqe(loop, &c->close_op);
	if (!sqe)
		return;
	c->closing = true;
	ior_prep_close(sqe, c->fd);
}

/* Receive again after a pause, once the paused receive has sent its last CQE. */
static void conn_resume(struct ior_loop *loop, struct conn *c)
{
	ior_sqe_t *sqe;

	if (!c->paused || c->ended || c->queued > HIGH_WATER / 2 || ior_op_active(&c->recv_op))
		return;
	c->paused = false;
	sqe = ior_loop_get_sqe(loop, &c->recv_op);
	if (sqe)
		ior_prep_recv_multishot(sqe, c->fd, 16 * 1024);
	else
		c->ended = true; /* out of memory: echo what is queued, then close */
}

static void conn_drop_queue(struct conn *c)
{
	while (c->head) {
		struct chunk *next = c->head->next;

		free(c->head->bytes);
		free(c->head);
		c->head = next;
	}
	c->tail = NULL;
	c->queued = 0;
}

static void on_closed(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	(void)loop;
	(void)cqe;
	free(ior_container_of(op, struct conn, close_op));
}

static void on_sent(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	struct conn *c = ior_container_of(op, struct conn, send_op);
	int res = ior_cqe_res(cqe);

	if (res <= 0) {
		/* The client is gone: stop receiving, forget what was queued, close. */
		conn_drop_queue(c);
		c->ended = true;
		ior_loop_cancel(loop, &c->recv_op);
		conn_maybe_close(loop, c);
		return;
	}
	c->head->sent += (size_t)res;
	c->queued -= (size_t)res;
	if (c->head->sent == c->head->len) {
		struct chunk *done = c->head;

		c->head = done->next;
		if (!c->head)
			c->tail = NULL;
		free(done->bytes);
		free(done);
	}
	conn_resume(loop, c);
	if (c->head)
		conn_send(loop, c);
	else
		conn_maybe_close(loop, c);
}

static void on_received(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	struct conn *c = ior_container_of(op, struct conn, recv_op);
	int res = ior_cqe_res(cqe);
	struct chunk *ch;

	if (res <= 0) {
		/* Our own pause, or end of stream (0) or an error: then echo what is queued. */
		if (c->paused && res == -IOR_ECANCELED && !ior_cqe_more(cqe))
			conn_resume(loop, c);
		else
			c->ended = true;
		conn_maybe_close(loop, c);
		return;
	}
	ch = malloc(sizeof(*ch));
	if (!ch) {
		c->ended = true;
		ior_loop_cancel(loop, &c->recv_op);
		return;
	}
	/* The bytes must outlive this CQE: they wait in the queue behind earlier sends. */
	ch->bytes = ior_cqe_take_payload(cqe, &ch->len);
	ch->sent = 0;
	ch->next = NULL;
	if (c->tail)
		c->tail->next = ch;
	else
		c->head = ch;
	c->tail = ch;
	c->queued += ch->len;
	if (!ior_op_active(&c->send_op))
		conn_send(loop, c);
	if (!ior_cqe_more(cqe)) {
		/* The stream ended with these bytes: our pause's cancel, or for good. */
		if (c->paused)
			conn_resume(loop, c);
		else
			c->ended = true;
		conn_maybe_close(loop, c);
	} else if (!c->paused && c->queued > HIGH_WATER) {
		c->paused = true;
		ior_loop_cancel(loop, &c->recv_op);
	}
}

static void on_accepted(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	int fd = ior_cqe_res(cqe) < 0 ? ior_cqe_res(cqe) : ior_cqe_handle(cqe);
	struct conn *c;
	ior_sqe_t *sqe;

	if (!ior_cqe_more(cqe)) {
		/* The host re-arms an accept stream the kernel ends; this is a real failure. */
		ior_perror("tcp-echo: accept", fd < 0 ? fd : -IOR_EIO);
		ior_loop_stop(loop);
	}
	(void)op;
	if (fd < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->fd = (ior_handle_t)fd;
	ior_op_init(&c->recv_op, on_received, c);
	ior_op_init(&c->send_op, on_sent, c);
	ior_op_init(&c->close_op, on_closed, c);
	sqe = ior_loop_get_sqe(loop, &c->recv_op);
	if (sqe)
		ior_prep_recv_multishot(sqe, c->fd, 16 * 1024);
	else
		conn_maybe_close(loop, c);
}

int main(void)
{
	struct ior_loop loop;
	struct ior_op accept_op = IOR_OP_INIT(on_accepted, NULL);
	int listener, ret;

	listener = ior_grant_listener("echo");
	if (listener < 0) {
		ior_perror("tcp-echo: listener \"echo\"", listener);
		return 1;
	}
	ret = ior_loop_init(&loop, 0);
	if (ret < 0) {
		ior_perror("tcp-echo: ring", ret);
		return 1;
	}
	ior_prep_accept_multishot(ior_loop_get_sqe(&loop, &accept_op), (ior_handle_t)listener);
	/* Only a failure of the accept stream ends an echo server. */
	ior_loop_run(&loop, IOR_RUN_UNTIL_STOPPED);
	ior_loop_exit(&loop);
	return 1;
}
