/*
 * stream: send and recv on a TCP connection the guest made to itself; a multishot receive
 * that ends at end of stream; a peer that resets the connection.
 */
#include <stdlib.h>

#include "conform.h"

static void stream_send_recv(struct ior_ring *ring)
{
	struct t_cqe c;
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "ping", 4);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 4, "send: %s, want 4", t_code(res));
	ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)server, 64);
	res = t_one(ring, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 4 && c.len == 4 && memcmp(c.data, "ping", 4) == 0,
	      "recv: %s with %zu bytes, want \"ping\"", t_code(res), c.len);
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)server, "pong!", 5);
	CHECK(t_one(ring, NULL) == 5, "send back");
	/* A receive smaller than what waits takes only that much; the rest follows. */
	ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)client, 2);
	res = t_one(ring, &c);
	CHECK(res == 2 && memcmp(c.data, "po", 2) == 0, "recv 2: %s", t_code(res));
	ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)client, 64);
	res = t_one(ring, &c);
	CHECK(res == 3 && memcmp(c.data, "ng!", 3) == 0, "recv the rest: %s", t_code(res));
	PASS();
}

/* 1 MiB each way at once, every byte checked; sends may be short and are resent. */
static void stream_bulk(struct ior_ring *ring)
{
	enum { SIZE = 1 << 20 };
	uint8_t *out = malloc(SIZE), *in = malloc(SIZE);
	size_t sent = 0, got = 0;
	bool send_busy = false, recv_busy = false;
	int client, server, res;

	CHECK(out && in, "malloc");
	for (size_t i = 0; i < SIZE; i++)
		out[i] = (uint8_t)(i * 7 + (i >> 11));
	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	while (got < SIZE) {
		ior_cqe_t *cqe;
		ior_sqe_t *sqe;

		if (!send_busy && sent < SIZE) {
			size_t n = SIZE - sent < 65536 ? SIZE - sent : 65536;

			sqe = ior_get_sqe(ring);
			ior_prep_send(sqe, (ior_handle_t)client, out + sent, n);
			ior_sqe_set_data32(sqe, 1);
			send_busy = true;
		}
		if (!recv_busy) {
			sqe = ior_get_sqe(ring);
			ior_prep_recv(sqe, (ior_handle_t)server, 65536);
			ior_sqe_set_data32(sqe, 2);
			recv_busy = true;
		}
		CHECK(ior_wait_cqe_timeout(ring, &cqe, T_WAIT_NS) == 0,
		      "stalled after %zu bytes sent, %zu received", sent, got);
		res = ior_cqe_res(cqe);
		if (ior_cqe_get_data32(cqe) == 1) {
			send_busy = false;
			CHECK(res > 0, "send at %zu: %s", sent, t_code(res));
			sent += (size_t)res;
		} else {
			size_t len;
			const uint8_t *p = ior_cqe_payload(cqe, &len);

			recv_busy = false;
			CHECK(res > 0 && (size_t)res == len, "recv at %zu: %s with %zu bytes", got,
			      t_code(res), len);
			CHECK(got + len <= SIZE, "received more than was sent");
			CHECK(memcmp(p, out + got, len) == 0, "bytes differ in %zu..%zu", got, got + len);
			memcpy(in + got, p, len);
			got += len;
		}
		ior_cqe_seen(ring, cqe);
	}
	CHECK(memcmp(in, out, SIZE) == 0, "the stream differs");
	free(in);
	free(out);
	PASS();
}

static void stream_eof(struct ior_ring *ring)
{
	struct t_cqe c;
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "last", 4);
	CHECK(t_one(ring, NULL) == 4, "send");
	t_close(ring, client);
	/* What was sent before the close arrives, then end of stream, again and again. */
	ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)server, 64);
	res = t_one(ring, &c);
	CHECK(res == 4 && memcmp(c.data, "last", 4) == 0, "recv before the end: %s", t_code(res));
	for (int i = 0; i < 2; i++) {
		ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)server, 64);
		res = t_one(ring, &c);
		CHECK(res == 0 && c.len == 0 && !c.more, "recv %d at the end: %s, want 0", i + 1,
		      t_code(res));
	}
	PASS();
}

static void stream_recv_multishot(struct ior_ring *ring)
{
	static const char *const parts[] = { "one", "-two", "-three" };
	char got[32];
	size_t len = 0;
	struct t_cqe c;
	int client, server, res, arrivals = 0;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_recv_multishot(sqe, (ior_handle_t)server, 1024);
	ior_sqe_set_data32(sqe, 9);
	CHECK(t_quiet(ring, 20000000), "recv-multishot completed before anything was sent");
	/* Each part is received (and seen) before the next is sent: three arrivals. */
	for (int i = 0; i < 3; i++) {
		size_t want = len + strlen(parts[i]);

		ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, parts[i], strlen(parts[i]));
		while (len < want) {
			CHECK(t_next(ring, &c) == 0, "part %d: no completion", i);
			if (c.user_data != 9) {
				CHECK(c.res == (int)strlen(parts[i]), "send %d: %s", i, t_code(c.res));
				continue;
			}
			SKIP_IF_NOTSUP(c.res);
			CHECK(c.res > 0 && (size_t)c.res == c.len, "arrival %d: %s with %zu bytes",
			      arrivals, t_code(c.res), c.len);
			CHECK(c.more, "arrival %d: more is not set", arrivals);
			CHECK(len + c.len <= want, "more bytes than sent");
			memcpy(got + len, c.data, c.len);
			len += c.len;
			arrivals++;
		}
	}
	CHECK(len == 13 && memcmp(got, "one-two-three", 13) == 0, "the stream's bytes differ");
	/* The peer's end of stream (its close) ends the stream: result 0, more not set, nothing
	 * after. */
	ior_prep_close(ior_get_sqe(ring), (ior_handle_t)client);
	for (int seen = 0; seen < 2;) {
		CHECK(t_next(ring, &c) == 0, "no end of stream");
		seen++;
		if (c.user_data != 9) {
			CHECK(c.res == 0, "close: %s", t_code(c.res));
			continue;
		}
		CHECK(c.res == 0 && c.len == 0, "end of stream: %s with %zu bytes, want 0",
		      t_code(c.res), c.len);
		CHECK(!c.more, "the last CQE has more set");
	}
	CHECK(t_quiet(ring, 20000000), "a CQE after the stream's end");
	PASS();
}

static void stream_recv_multishot_cancel(struct ior_ring *ring)
{
	struct t_cqe c[2];
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_recv_multishot(sqe, (ior_handle_t)server, 1024);
	ior_sqe_set_data32(sqe, 9);
	CHECK(t_quiet(ring, 20000000), "recv-multishot completed before anything was sent");
	ior_prep_cancel32(ior_get_sqe(ring), 9, 0);
	CHECK(t_reap(ring, c, 2) == 2, "cancel and stream did not both complete");
	for (int i = 0; i < 2; i++) {
		if (c[i].user_data == 9) {
			SKIP_IF_NOTSUP(c[i].res);
			CHECK(c[i].res == -IOR_ECANCELED && !c[i].more,
			      "the cancelled stream ended with %s (more %d), want canceled",
			      t_code(c[i].res), c[i].more);
		} else {
			CHECK(c[i].res == 1, "cancel: %s, want 1", t_code(c[i].res));
		}
	}
	/* Nothing was consumed: bytes sent now reach a plain recv. */
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "after", 5);
	CHECK(t_one(ring, NULL) == 5, "send");
	ior_prep_recv(ior_get_sqe(ring), (ior_handle_t)server, 16);
	res = t_one(ring, &c[0]);
	CHECK(res == 5 && memcmp(c[0].data, "after", 5) == 0, "recv after the cancel: %s",
	      t_code(res));
	PASS();
}

/*
 * Closing a TCP socket with received bytes it never read makes the kernel reset the
 * connection: the peer's receive ends with connection-reset (SKIP_IF_NO_RESET: a host whose TCP
 * has no abortive close).
 */
static void stream_reset(struct ior_ring *ring)
{
	struct t_cqe c;
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "unread", 6);
	CHECK(t_one(ring, NULL) == 6, "send");
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_recv(sqe, (ior_handle_t)client, 64);
	ior_sqe_set_data32(sqe, 5);
	CHECK(t_quiet(ring, 20000000), "recv completed before the reset");
	ior_prep_close(ior_get_sqe(ring), (ior_handle_t)server);
	struct t_cqe two[2];
	CHECK(t_reap(ring, two, 2) == 2, "close and recv did not both complete");
	for (int i = 0; i < 2; i++) {
		if (two[i].user_data == 5)
			c = two[i];
		else
			CHECK(two[i].res == 0, "close: %s", t_code(two[i].res));
	}
	SKIP_IF_NO_RESET(c.res);
	CHECK(c.res == -IOR_ECONNRESET, "recv on a reset connection: %s, want connection-reset",
	      t_code(c.res));
	/* After the reset the connection is gone for sending too. */
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "x", 1);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EPIPE || res == -IOR_ECONNRESET,
	      "send after the reset: %s, want pipe or connection-reset", t_code(res));
	PASS();
}

static void stream_reset_multishot(struct ior_ring *ring)
{
	struct t_cqe c;
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "unread", 6);
	CHECK(t_one(ring, NULL) == 6, "send");
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_recv_multishot(sqe, (ior_handle_t)client, 64);
	ior_sqe_set_data32(sqe, 5);
	CHECK(t_quiet(ring, 20000000), "recv-multishot completed before the reset");
	ior_prep_close(ior_get_sqe(ring), (ior_handle_t)server);
	for (bool ended = false; !ended;) {
		CHECK(t_next(ring, &c) == 0, "the stream did not end at the reset");
		if (c.user_data != 5)
			continue;
		SKIP_IF_NOTSUP(c.res);
		SKIP_IF_NO_RESET(c.res);
		CHECK(c.res == -IOR_ECONNRESET, "the stream ended with %s, want connection-reset",
		      t_code(c.res));
		CHECK(!c.more, "the stream's last CQE has more set");
		ended = true;
	}
	PASS();
}

static void stream_close_inflight(struct ior_ring *ring)
{
	struct t_cqe c;
	int client, server, res;
	bool closed = false, received = false;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_recv(sqe, (ior_handle_t)server, 16);
	ior_sqe_set_data32(sqe, 1);
	CHECK(t_quiet(ring, 20000000), "recv completed with nothing sent");
	/* Closing the handle does not end the receive in flight on it... */
	sqe = ior_get_sqe(ring);
	ior_prep_close(sqe, (ior_handle_t)server);
	ior_sqe_set_data32(sqe, 2);
	CHECK(t_next(ring, &c) == 0 && c.user_data == 2, "the close did not complete first");
	CHECK(c.res == 0, "close: %s", t_code(c.res));
	closed = true;
	/* ... which completes on its own, with what arrives. */
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "late", 4);
	for (int i = 0; i < 2; i++) {
		CHECK(t_next(ring, &c) == 0, "the receive in flight never completed");
		if (c.user_data != 1)
			continue;
		CHECK(c.res == 4 && memcmp(c.data, "late", 4) == 0,
		      "the receive in flight on a closed handle: %s, want the 4 bytes sent", t_code(c.res));
		received = true;
	}
	CHECK(closed && received, "missing completions");
	PASS();
}

int main(void)
{
	t_run("stream-send-recv", stream_send_recv);
	t_run("stream-bulk", stream_bulk);
	t_run("stream-eof", stream_eof);
	t_run("stream-recv-multishot", stream_recv_multishot);
	t_run("stream-recv-multishot-cancel", stream_recv_multishot_cancel);
	t_run("stream-reset", stream_reset);
	t_run("stream-reset-multishot", stream_reset_multishot);
	t_run("stream-close-inflight", stream_close_inflight);
	return t_exit();
}
