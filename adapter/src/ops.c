/*
 * Each ring operation over WASI 0.2. op_start checks an entry and takes what it names;
 * op_step makes what progress it can without blocking and, when it must wait, leaves a
 * pollable on the operation for `complete` to wait on. Files and directories complete at once
 * (wasi:filesystem's calls return when done); sockets and standard streams wait on pollables.
 */
#include "wasiring.h"

void ring_add_count_timer(ring_t *r, op_t *op);

#define BORROW_IN(o) wasi_io_streams_borrow_input_stream((o)->in)
#define BORROW_OUT(o) wasi_io_streams_borrow_output_stream((o)->out)
#define BORROW_TCP(o) wasi_sockets_tcp_borrow_tcp_socket((o)->tcp)
#define BORROW_UDP(o) wasi_sockets_udp_borrow_udp_socket((o)->udp)
#define BORROW_DESC(o) wasi_filesystem_types_borrow_descriptor((o)->desc)
#define BORROW_NET() wasi_sockets_network_borrow_network(network)

static detail_t detail_handle(uint32_t h)
{
	detail_t d = { .tag = EXPORTS_IORING_RING_TYPES_CQE_DETAIL_HANDLE };

	d.val.handle = h;
	return d;
}

static void done_err(op_t *op, int64_t res)
{
	op_done(op, res, NULL, 0, NULL);
}

/* ---- standard streams, opened on first use ---- */

static void stdio_open(obj_t *o)
{
	if (o->kind == K_STDIN && !o->has_in) {
		o->in = wasi_cli_stdin_get_stdin();
		o->has_in = true;
	} else if (o->kind == K_STDOUT && !o->has_out) {
		o->out = o->pos == 2 ? wasi_cli_stderr_get_stderr() : wasi_cli_stdout_get_stdout();
		o->has_out = true;
	}
}

static bool is_stream_in(obj_t *o)
{
	return o->kind == K_STDIN || (o->kind == K_TCP && o->has_in);
}

static bool is_stream_out(obj_t *o)
{
	return o->kind == K_STDOUT || (o->kind == K_TCP && o->has_out);
}

/* ---- input streams, read ahead into the object's buffer ---- */

/* Whether bytes, the end or an error are known for @o's input; reads what is there if not. */
static bool in_fill(obj_t *o)
{
	struct inbuf *b = &o->ib;
	adapter_list_u8_t data;
	wasi_io_streams_stream_error_t e;

	if (b->off < b->len || b->eof || b->err)
		return true;
	if (!o->has_in) {
		b->eof = true;
		return true;
	}
	if (!wasi_io_streams_method_input_stream_read(BORROW_IN(o), 65536, &data, &e)) {
		int64_t r = stream_err(&e, false);

		if (r == 0)
			b->eof = true;
		else
			b->err = r;
		return true;
	}
	if (data.len == 0)
		return false; /* an empty list's pointer is no allocation */
	free(b->data);
	b->data = data.ptr;
	b->len = data.len;
	b->off = 0;
	return true;
}

#define IN_AHEAD_MAX (4u << 20)

/* Read all the stream has now into the buffer (to IN_AHEAD_MAX): for a poll. */
static void in_read_ahead(obj_t *o)
{
	struct inbuf *b = &o->ib;

	if (!in_fill(o))
		return;
	while (!b->eof && !b->err && b->len - b->off < IN_AHEAD_MAX) {
		adapter_list_u8_t data;
		wasi_io_streams_stream_error_t e;

		if (!wasi_io_streams_method_input_stream_read(BORROW_IN(o), 65536, &data, &e)) {
			int64_t r = stream_err(&e, false);

			if (r == 0)
				b->eof = true;
			else
				b->err = r;
			return;
		}
		if (data.len == 0)
			return;
		if (b->off) {
			memmove(b->data, b->data + b->off, b->len - b->off);
			b->len -= b->off;
			b->off = 0;
		}
		b->data = realloc(b->data, b->len + data.len);
		if (!b->data)
			abort();
		memcpy(b->data + b->len, data.ptr, data.len);
		b->len += data.len;
		free(data.ptr);
	}
}

/* Up to @max bytes of what in_fill found: a count (0 at the end) or the error, once. */
static int64_t in_take(obj_t *o, size_t max, uint8_t **out)
{
	struct inbuf *b = &o->ib;

	*out = NULL;
	if (b->off < b->len) {
		size_t n = b->len - b->off;

		if (n > max)
			n = max;
		if (b->off == 0 && n == b->len) {
			*out = b->data;
			b->data = NULL;
			b->len = 0;
		} else {
			*out = malloc(n ? n : 1);
			if (!*out)
				abort();
			memcpy(*out, b->data + b->off, n);
			b->off += n;
			if (b->off == b->len) {
				free(b->data);
				b->data = NULL;
				b->len = b->off = 0;
			}
		}
		return (int64_t)n;
	}
	if (b->err) {
		int64_t r = b->err;

		b->err = 0;
		b->eof = true;
		return r;
	}
	return 0;
}

static void wait_in(op_t *op, obj_t *o)
{
	if (!op->npolls)
		op_wait(op, wasi_io_streams_method_input_stream_subscribe(BORROW_IN(o)));
}

static void wait_out(op_t *op, obj_t *o)
{
	if (!op->npolls)
		op_wait(op, wasi_io_streams_method_output_stream_subscribe(BORROW_OUT(o)));
}

/* One receive (or read) from a stream: the bytes there are, up to @len, or wait for some. */
static void step_recv(op_t *op, uint32_t len)
{
	obj_t *o = op->obj;
	uint8_t *data;
	int64_t n;

	if (!opq_is_head(op))
		return;
	if (o->kind == K_TCP && o->shut_rd) {
		/* Shut for reading while it waited: it ends, as a new receive would. */
		op_done(op, 0, NULL, 0, NULL);
		return;
	}
	if (!in_fill(o)) {
		wait_in(op, o);
		return;
	}
	n = in_take(o, len, &data);
	if (op->sqe.op.tag == OPC(READ_FIXED)) {
		ring_t *r = op->ring;
		const exports_ioring_ring_types_fixed_args_t *a = &op->sqe.op.val.read_fixed;

		if (n > 0)
			memcpy(r->fixed[a->buffer] + a->buffer_offset, data, (size_t)n);
		free(data);
		op_done(op, n, NULL, 0, NULL);
		return;
	}
	if (op->sqe.op.tag == OPC(RECVMSG) && n >= 0) {
		/* A stream socket's recvmsg: the peer is the connection's. */
		detail_t d = { .tag = EXPORTS_IORING_RING_TYPES_CQE_DETAIL_PEER };
		ipaddr_t peer;
		wasi_sockets_tcp_error_code_t e;

		if (wasi_sockets_tcp_method_tcp_socket_remote_address(BORROW_TCP(o), &peer, &e)) {
			addr_to_ring(&peer, &d.val.peer);
			op_done(op, n, data, (size_t)(n > 0 ? n : 0), &d);
			return;
		}
	}
	op_done(op, n, data, (size_t)(n > 0 ? n : 0), NULL);
}

/* A multishot receive: a CQE per arrival until the end, an error or a cancel. */
static void step_recv_multishot(op_t *op)
{
	obj_t *o = op->obj;
	uint32_t len = op->sqe.op.val.recv_multishot.len;
	size_t max = len && len < MULTISHOT_CHUNK ? len : MULTISHOT_CHUNK;

	if (!opq_is_head(op))
		return;
	for (;;) {
		uint8_t *data;
		int64_t n;

		if (o->kind == K_TCP && o->shut_rd) {
			op_done(op, 0, NULL, 0, NULL);
			return;
		}
		if (!in_fill(o)) {
			wait_in(op, o);
			return;
		}
		n = in_take(o, max, &data);
		if (n <= 0) {
			op_done(op, n, data, 0, NULL);
			return;
		}
		op_more(op, n, data, (size_t)n, NULL);
	}
}

/*
 * A write (or send) to a stream: every byte, as the stream takes them, then a flush; the
 * operation completes once the flush has (the bytes are with the system, as a send's are when
 * its CQE comes), so that a close after it loses nothing.
 */
static void step_send(op_t *op, const uint8_t *data, size_t len)
{
	obj_t *o = op->obj;
	wasi_io_streams_stream_error_t e;
	uint64_t n;

	if (!opq_is_head(op))
		return;
	if (o->kind == K_TCP && !o->has_out) {
		/* Shut for sending while it waited (its bytes so far were flushed first). */
		op_done(op, op->done_bytes ? (int64_t)op->done_bytes : ERR(EC(PIPE)), NULL, 0, NULL);
		return;
	}
	while (op->phase == 0 && op->done_bytes < len) {
		adapter_list_u8_t chunk;

		if (!wasi_io_streams_method_output_stream_check_write(BORROW_OUT(o), &n, &e)) {
			int64_t r = stream_err(&e, true);

			op_done(op, op->done_bytes ? (int64_t)op->done_bytes : (r ? r : ERR(EC(PIPE))), NULL, 0, NULL);
			return;
		}
		if (n == 0) {
			wait_out(op, o);
			return;
		}
		if (n > len - op->done_bytes)
			n = len - op->done_bytes;
		chunk.ptr = (uint8_t *)data + op->done_bytes;
		chunk.len = (size_t)n;
		if (!wasi_io_streams_method_output_stream_write(BORROW_OUT(o), &chunk, &e)) {
			int64_t r = stream_err(&e, true);

			op_done(op, op->done_bytes ? (int64_t)op->done_bytes : (r ? r : ERR(EC(PIPE))), NULL, 0, NULL);
			return;
		}
		op->done_bytes += n;
	}
	if (op->phase == 0) {
		op->phase = 1;
		if (!wasi_io_streams_method_output_stream_flush(BORROW_OUT(o), &e)) {
			(void)stream_err(&e, true);
			op_done(op, (int64_t)len, NULL, 0, NULL);
			return;
		}
	}
	/* Flushed once the stream takes writes again. */
	if (!wasi_io_streams_method_output_stream_check_write(BORROW_OUT(o), &n, &e)) {
		(void)stream_err(&e, true);
		n = 1;
	}
	if (n == 0) {
		wait_out(op, o);
		return;
	}
	op_done(op, (int64_t)len, NULL, 0, NULL);
}

/* ---- datagram sockets ---- */

/* Bind (to the wildcard address, as a send does on Linux) and open the streams if not yet. */
int64_t udp_ready(obj_t *o)
{
	wasi_sockets_udp_error_code_t e;
	wasi_sockets_udp_tuple2_own_incoming_datagram_stream_own_outgoing_datagram_stream_t s;

	if (o->ustreams)
		return 0;
	if (!o->ubound) {
		ipaddr_t any = addr_any(o->family);

		if (!wasi_sockets_udp_method_udp_socket_start_bind(BORROW_UDP(o), BORROW_NET(), &any, &e))
			return net_err(e);
		if (!wasi_sockets_udp_method_udp_socket_finish_bind(BORROW_UDP(o), &e))
			return net_err(e);
		o->ubound = true;
	}
	if (!wasi_sockets_udp_method_udp_socket_stream(BORROW_UDP(o), o->uconnected ? &o->upeer : NULL, &s, &e))
		return net_err(e);
	o->uin = s.f0;
	o->uout = s.f1;
	o->ustreams = true;
	return 0;
}

/* Whether a receive must drop senders the guest may not send to (the Linux host's rule). */
static bool udp_filtered(obj_t *o)
{
	if (o->hears_anyone)
		return false;
	if (o->granted || o->uconnected)
		o->hears_anyone = true;
	else if (o->ubound) {
		ipaddr_t local;
		wasi_sockets_udp_error_code_t e;

		if (wasi_sockets_udp_method_udp_socket_local_address(BORROW_UDP(o), &local, &e) &&
		    addr_port(&local) != 0 && may_bind(true, &local))
			o->hears_anyone = true;
	}
	return !o->hears_anyone;
}

static bool udp_fill(obj_t *o)
{
	wasi_sockets_udp_list_incoming_datagram_t got;
	wasi_sockets_udp_error_code_t e;

	if (o->ndgrams)
		return true;
	if (!wasi_sockets_udp_method_incoming_datagram_stream_receive(
		    wasi_sockets_udp_borrow_incoming_datagram_stream(o->uin), 16, &got, &e))
		return false;
	if (got.len) {
		o->dgrams = realloc(o->dgrams, got.len * sizeof(*o->dgrams));
		if (!o->dgrams)
			abort();
		for (size_t i = 0; i < got.len; i++) {
			o->dgrams[i].data = got.ptr[i].data.len ? got.ptr[i].data.ptr : NULL;
			o->dgrams[i].len = got.ptr[i].data.len;
			o->dgrams[i].from = got.ptr[i].remote_address;
		}
		o->ndgrams = got.len;
		free(got.ptr);
	}
	return o->ndgrams > 0;
}

static void heard_from(obj_t *o, const ipaddr_t *a)
{
	for (size_t i = 0; i < o->nheard; i++)
		if (addr_eq(&o->heard[i], a))
			return;
	o->heard[o->heard_next] = *a;
	o->heard_next = (o->heard_next + 1) % HEARD_MAX;
	if (o->nheard < HEARD_MAX)
		o->nheard++;
}

static void step_udp_recv(op_t *op, uint32_t len, bool with_peer)
{
	obj_t *o = op->obj;
	bool filtered = udp_filtered(o);

	if (!opq_is_head(op))
		return;
	for (;;) {
		struct pending_dgram d;
		detail_t det = { .tag = EXPORTS_IORING_RING_TYPES_CQE_DETAIL_PEER };
		size_t n;

		if (!udp_fill(o)) {
			if (!op->npolls)
				op_wait(op, wasi_sockets_udp_method_incoming_datagram_stream_subscribe(
						    wasi_sockets_udp_borrow_incoming_datagram_stream(o->uin)));
			return;
		}
		d = o->dgrams[0];
		memmove(o->dgrams, o->dgrams + 1, (o->ndgrams - 1) * sizeof(*o->dgrams));
		o->ndgrams--;
		/* A datagram from a sender this socket may not hear is dropped; the receive waits on. */
		if (filtered && !may_connect(true, &d.from)) {
			free(d.data);
			continue;
		}
		if (o->granted)
			heard_from(o, &d.from);
		/* Longer than the buffer: truncated, as recvmsg without MSG_TRUNC does. */
		n = d.len < len ? d.len : len;
		if (op->sqe.op.tag == OPC(READ_FIXED)) {
			memcpy(op->ring->fixed[op->sqe.op.val.read_fixed.buffer] + op->sqe.op.val.read_fixed.buffer_offset,
			       d.data, n);
			free(d.data);
			op_done(op, (int64_t)n, NULL, 0, NULL);
			return;
		}
		addr_to_ring(&d.from, &det.val.peer);
		op_done(op, (int64_t)n, d.data, n, with_peer ? &det : NULL);
		return;
	}
}

static void step_udp_send(op_t *op, const uint8_t *data, size_t len, const ipaddr_t *to)
{
	obj_t *o = op->obj;
	wasi_sockets_udp_error_code_t e;
	uint64_t n;
	wasi_sockets_udp_outgoing_datagram_t dg;
	wasi_sockets_udp_list_outgoing_datagram_t list = { &dg, 1 };
	wasi_sockets_udp_borrow_outgoing_datagram_stream_t out = wasi_sockets_udp_borrow_outgoing_datagram_stream(o->uout);

	if (!opq_is_head(op))
		return;
	if (!wasi_sockets_udp_method_outgoing_datagram_stream_check_send(out, &n, &e)) {
		done_err(op, net_err(e));
		return;
	}
	if (n == 0) {
		if (!op->npolls)
			op_wait(op, wasi_sockets_udp_method_outgoing_datagram_stream_subscribe(out));
		return;
	}
	dg.data.ptr = (uint8_t *)data;
	dg.data.len = len;
	dg.remote_address.is_some = to != NULL;
	if (to)
		dg.remote_address.val = *to;
	if (!wasi_sockets_udp_method_outgoing_datagram_stream_send(out, &list, &n, &e)) {
		done_err(op, net_err(e));
		return;
	}
	if (n == 0) {
		if (!op->npolls)
			op_wait(op, wasi_sockets_udp_method_outgoing_datagram_stream_subscribe(out));
		return;
	}
	op_done(op, (int64_t)len, NULL, 0, NULL);
}

/* ---- stream sockets ---- */

static int64_t tcp_new(int family, obj_t **out)
{
	wasi_sockets_tcp_own_tcp_socket_t s;
	wasi_sockets_tcp_error_code_t e;
	obj_t *o;

	if (!wasi_sockets_tcp_create_socket_create_tcp_socket((uint8_t)family, &s, &e))
		return net_err(e);
	o = obj_new(K_TCP);
	o->family = family;
	o->tcp = s;
	o->tstate = TCP_NEW;
	*out = o;
	return 0;
}

/* Block until @p is ready: for the calls WASI splits in two that finish at once in practice. */
static void block_on(pollable_t p)
{
	wasi_io_poll_method_pollable_block(wasi_io_poll_borrow_pollable(p));
	wasi_io_poll_pollable_drop_own(p);
}

int64_t tcp_bind(obj_t *o, ipaddr_t *a)
{
	wasi_sockets_tcp_error_code_t e;

	if (!wasi_sockets_tcp_method_tcp_socket_start_bind(BORROW_TCP(o), BORROW_NET(), a, &e))
		return net_err(e);
	while (!wasi_sockets_tcp_method_tcp_socket_finish_bind(BORROW_TCP(o), &e)) {
		if (e != WASI_SOCKETS_NETWORK_ERROR_CODE_WOULD_BLOCK)
			return net_err(e);
		block_on(wasi_sockets_tcp_method_tcp_socket_subscribe(BORROW_TCP(o)));
	}
	o->tstate = TCP_BOUND;
	return 0;
}

int64_t tcp_listen(obj_t *o, uint32_t backlog)
{
	wasi_sockets_tcp_error_code_t e;

	if (backlog)
		(void)wasi_sockets_tcp_method_tcp_socket_set_listen_backlog_size(BORROW_TCP(o), backlog, &e);
	if (!wasi_sockets_tcp_method_tcp_socket_start_listen(BORROW_TCP(o), &e))
		return net_err(e);
	while (!wasi_sockets_tcp_method_tcp_socket_finish_listen(BORROW_TCP(o), &e)) {
		if (e != WASI_SOCKETS_NETWORK_ERROR_CODE_WOULD_BLOCK)
			return net_err(e);
		block_on(wasi_sockets_tcp_method_tcp_socket_subscribe(BORROW_TCP(o)));
	}
	o->tstate = TCP_LISTENING;
	return 0;
}

/* ---- where the runtime's TCP is not the system's ---- */

/*
 * Two things some runtimes' TCP does that the system's does not, each found out by trying
 * it once on loopback, when the app first needs to know (-1: not tried yet):
 *
 * - A bound socket accepts connections before it listens: jco's preview2-shim binds through
 *   node:net, which binds only by listening (and drops what comes before the listen). Then a
 *   bind is the adapter's own (tcp_bind_app), as the Node backend's is.
 * - A shutdown of either direction closes the whole connection: preview2-shim destroys the
 *   node:net socket. Then the adapter shuts a direction itself (tcp_shutdown_app).
 *
 * A probe that cannot run (no network for the app either) finds nothing to work around.
 */
static int bind_listens = -1, shutdown_closes = -1;

#define PROBE_WAIT_NS 2000000000ull

/* Block until @p is ready or @ns pass; true if it is ready. Drops @p. */
static bool block_for(pollable_t p, uint64_t ns)
{
	pollable_t timer = wasi_clocks_monotonic_clock_subscribe_duration(ns);
	wasi_io_poll_borrow_pollable_t list[2] = { wasi_io_poll_borrow_pollable(p),
						    wasi_io_poll_borrow_pollable(timer) };
	wasi_io_poll_list_borrow_pollable_t in = { list, 2 };
	adapter_list_u32_t ready;
	bool got = false;

	wasi_io_poll_poll(&in, &ready);
	for (size_t i = 0; i < ready.len; i++)
		got |= ready.ptr[i] == 0;
	if (ready.len)
		free(ready.ptr);
	wasi_io_poll_pollable_drop_own(timer);
	wasi_io_poll_pollable_drop_own(p);
	return got;
}

/* A new IPv4 socket bound to 127.0.0.1 (any port), and the address it got; NULL if none. */
static obj_t *probe_bound(ipaddr_t *at)
{
	ipaddr_t lo = addr_any(WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4);
	wasi_sockets_tcp_error_code_t e;
	obj_t *o;

	lo.val.ipv4.address.f0 = 127;
	lo.val.ipv4.address.f3 = 1;
	if (IS_ERR(tcp_new(WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4, &o)))
		return NULL;
	if (IS_ERR(tcp_bind(o, &lo)) || !wasi_sockets_tcp_method_tcp_socket_local_address(BORROW_TCP(o), at, &e)) {
		obj_unref(o);
		return NULL;
	}
	return o;
}

/* A new socket connected to @at, its streams open; NULL if it could not connect. */
static obj_t *probe_connect(ipaddr_t *at)
{
	wasi_sockets_tcp_tuple2_own_input_stream_own_output_stream_t s;
	wasi_sockets_tcp_error_code_t e;
	obj_t *o;

	if (IS_ERR(tcp_new(WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4, &o)))
		return NULL;
	if (wasi_sockets_tcp_method_tcp_socket_start_connect(BORROW_TCP(o), BORROW_NET(), at, &e)) {
		for (;;) {
			if (wasi_sockets_tcp_method_tcp_socket_finish_connect(BORROW_TCP(o), &s, &e)) {
				o->in = s.f0;
				o->out = s.f1;
				o->has_in = o->has_out = true;
				o->tstate = TCP_CONNECTED;
				return o;
			}
			if (e != WASI_SOCKETS_NETWORK_ERROR_CODE_WOULD_BLOCK ||
			    !block_for(wasi_sockets_tcp_method_tcp_socket_subscribe(BORROW_TCP(o)), PROBE_WAIT_NS))
				break;
		}
	}
	obj_unref(o);
	return NULL;
}

/* Whether a connection to a bound socket that does not listen succeeds (it is refused on Linux). */
static bool runtime_bind_listens(void)
{
	ipaddr_t at;
	obj_t *bound, *c;

	if (bind_listens >= 0)
		return bind_listens;
	bind_listens = 0;
	if (!(bound = probe_bound(&at)))
		return false;
	if ((c = probe_connect(&at))) {
		bind_listens = 1;
		obj_unref(c);
	}
	obj_unref(bound);
	return bind_listens;
}

/* Whether shutting the sending side of a connection ends its receiving side too. */
static bool runtime_shutdown_closes(void)
{
	wasi_sockets_tcp_tuple3_own_tcp_socket_own_input_stream_own_output_stream_t t;
	wasi_sockets_tcp_error_code_t e;
	wasi_io_streams_stream_error_t se;
	ipaddr_t at;
	obj_t *lst, *c = NULL;
	bool accepted = false;

	if (shutdown_closes >= 0)
		return shutdown_closes;
	shutdown_closes = 0;
	if (!(lst = probe_bound(&at)))
		return false;
	if (IS_ERR(tcp_listen(lst, 1)) || !(c = probe_connect(&at)))
		goto out;
	while (!(accepted = wasi_sockets_tcp_method_tcp_socket_accept(BORROW_TCP(lst), &t, &e))) {
		if (e != WASI_SOCKETS_NETWORK_ERROR_CODE_WOULD_BLOCK ||
		    !block_for(wasi_sockets_tcp_method_tcp_socket_subscribe(BORROW_TCP(lst)), PROBE_WAIT_NS))
			goto out;
	}
	if (!wasi_sockets_tcp_method_tcp_socket_shutdown(BORROW_TCP(c), WASI_SOCKETS_TCP_SHUTDOWN_TYPE_SEND, &e))
		goto out;
	/* The other way, one byte: does the shut socket still receive it? */
	{
		adapter_list_u8_t one = { (uint8_t *)"x", 1 }, got;

		if (!wasi_io_streams_method_output_stream_blocking_write_and_flush(wasi_io_streams_borrow_output_stream(t.f2), &one, &se)) {
			(void)stream_err(&se, true);
			goto out;
		}
		for (;;) {
			if (!wasi_io_streams_method_input_stream_read(BORROW_IN(c), 1, &got, &se)) {
				(void)stream_err(&se, false);
				shutdown_closes = 1;
				break;
			}
			if (got.len) {
				free(got.ptr);
				break;
			}
			if (!block_for(wasi_io_streams_method_input_stream_subscribe(BORROW_IN(c)), PROBE_WAIT_NS))
				break;
		}
	}
out:
	if (accepted) {
		wasi_io_streams_input_stream_drop_own(t.f1);
		wasi_io_streams_output_stream_drop_own(t.f2);
		wasi_sockets_tcp_tcp_socket_drop_own(t.f0);
	}
	obj_unref(c);
	obj_unref(lst);
	return shutdown_closes;
}

/* Whether @a and @b name the same port of one address (a wildcard address overlaps any). */
static bool addr_overlaps(const ipaddr_t *a, const ipaddr_t *b)
{
	static const uint8_t zero[16];

	if (a->tag != b->tag || addr_port(a) != addr_port(b))
		return false;
	if (a->tag == WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4)
		return !memcmp(&a->val.ipv4.address, &b->val.ipv4.address, 4) ||
		       !memcmp(&a->val.ipv4.address, zero, 4) || !memcmp(&b->val.ipv4.address, zero, 4);
	return !memcmp(&a->val.ipv6.address, &b->val.ipv6.address, 16) ||
	       !memcmp(&a->val.ipv6.address, zero, 16) || !memcmp(&b->val.ipv6.address, zero, 16);
}

/*
 * An app's bind of TCP socket @o to @a. Where the runtime's bind would accept connections,
 * the address is only asked of the system, by a socket bound to it and dropped at once (which
 * gives the port, for port 0, and the bind's errors), and held here against the app's other
 * sockets (address-in-use) until listen or connect binds @o to it: so a bound socket that
 * does neither refuses connections, as on Linux. (Between the drop and that bind, another
 * process could take the port: listen or connect then fails with address-in-use.)
 */
static int64_t tcp_bind_app(obj_t *o, ipaddr_t *a)
{
	wasi_sockets_tcp_error_code_t e;
	ipaddr_t got;
	obj_t *p;
	int64_t r;

	if (!runtime_bind_listens())
		return tcp_bind(o, a);
	for (uint32_t h = 0; h < MAX_HANDLES; h++)
		if (handles[h] && handles[h] != o && handles[h]->kind == K_TCP && handles[h]->reserved &&
		    addr_overlaps(&handles[h]->held, a))
			return ERR(EC(ADDRESS_IN_USE));
	if (IS_ERR(r = tcp_new(o->family, &p)))
		return r;
	r = tcp_bind(p, a);
	if (!IS_ERR(r) && !wasi_sockets_tcp_method_tcp_socket_local_address(BORROW_TCP(p), &got, &e))
		r = net_err(e);
	obj_unref(p);
	if (IS_ERR(r))
		return r;
	o->reserved = true;
	o->held = got;
	o->tstate = TCP_BOUND;
	return 0;
}

/* Bind @o for real to the address its bind held (before a listen or a connect). */
static int64_t tcp_bind_held(obj_t *o)
{
	if (!o->reserved)
		return 0;
	o->reserved = false;
	o->tstate = TCP_NEW;
	return tcp_bind(o, &o->held);
}

/*
 * A shutdown where the runtime's would close the whole connection: the receiving side is
 * shut here (receives end at once, as after shutdown(2) of reading, and the peer is told
 * nothing, as on Linux), the sending side by dropping the output stream, which ends it (a FIN)
 * and leaves the connection open the other way. What waits on @o looks again.
 */
static void tcp_shutdown_app(obj_t *o)
{
	op_t **list;
	size_t n = 0;

	for (op_t *op = live_ops; op; op = op->next_live)
		n += op->obj == o;
	list = malloc((n ? n : 1) * sizeof(*list));
	if (!list)
		abort();
	n = 0;
	for (op_t *op = live_ops; op; op = op->next_live)
		if (op->obj == o && op->state == OP_RUNNING)
			list[n++] = op;
	if (o->shut_wr && o->has_out) {
		obj_drop_polls(o);
		wasi_io_streams_output_stream_drop_own(o->out);
		o->has_out = false;
	}
	for (size_t i = 0; i < n; i++) {
		op_clear_polls(list[i]);
		op_step(list[i]);
	}
	free(list);
}

/* Accept one connection ahead into the listener's queue: true if one is there. */
static int64_t tcp_accept_ahead(obj_t *o)
{
	wasi_sockets_tcp_tuple3_own_tcp_socket_own_input_stream_own_output_stream_t t;
	wasi_sockets_tcp_error_code_t e;

	if (o->nconns)
		return 1;
	if (!wasi_sockets_tcp_method_tcp_socket_accept(BORROW_TCP(o), &t, &e))
		return e == WASI_SOCKETS_NETWORK_ERROR_CODE_WOULD_BLOCK ? 0 : net_err(e);
	o->conns = realloc(o->conns, sizeof(*o->conns));
	if (!o->conns)
		abort();
	o->conns[0].sock = t.f0;
	o->conns[0].in = t.f1;
	o->conns[0].out = t.f2;
	o->nconns = 1;
	return 1;
}

static void step_accept(op_t *op, bool multishot)
{
	obj_t *o = op->obj;

	if (!opq_is_head(op))
		return;
	for (;;) {
		int64_t r = tcp_accept_ahead(o);
		obj_t *c;
		int64_t h;
		detail_t d = { .tag = EXPORTS_IORING_RING_TYPES_CQE_DETAIL_ACCEPTED };
		ipaddr_t peer;
		wasi_sockets_tcp_error_code_t e;

		if (r == 0) {
			if (!op->npolls)
				op_wait(op, wasi_sockets_tcp_method_tcp_socket_subscribe(BORROW_TCP(o)));
			return;
		}
		if (IS_ERR(r)) {
			done_err(op, r);
			return;
		}
		c = obj_new(K_TCP);
		c->family = o->family;
		c->tcp = o->conns[0].sock;
		c->in = o->conns[0].in;
		c->out = o->conns[0].out;
		c->has_in = c->has_out = true;
		c->tstate = TCP_CONNECTED;
		o->nconns = 0;
		h = handle_add(c);
		if (IS_ERR(h)) {
			obj_unref(c);
			done_err(op, h);
			return;
		}
		d.val.accepted.f0 = (uint32_t)h;
		if (wasi_sockets_tcp_method_tcp_socket_remote_address(BORROW_TCP(c), &peer, &e))
			addr_to_ring(&peer, &d.val.accepted.f1);
		else
			d.val.accepted.f1.tag = SA(IPV4);
		if (!multishot) {
			op_done(op, 0, NULL, 0, &d);
			return;
		}
		op_more(op, 0, NULL, 0, &d);
	}
}

static void step_connect(op_t *op)
{
	obj_t *o = op->obj;
	wasi_sockets_tcp_tuple2_own_input_stream_own_output_stream_t s;
	wasi_sockets_tcp_error_code_t e;

	if (!wasi_sockets_tcp_method_tcp_socket_finish_connect(BORROW_TCP(o), &s, &e)) {
		if (e == WASI_SOCKETS_NETWORK_ERROR_CODE_WOULD_BLOCK) {
			if (!op->npolls)
				op_wait(op, wasi_sockets_tcp_method_tcp_socket_subscribe(BORROW_TCP(o)));
			return;
		}
		o->tstate = TCP_FAILED;
		done_err(op, net_err(e));
		return;
	}
	o->in = s.f0;
	o->out = s.f1;
	o->has_in = o->has_out = true;
	o->tstate = TCP_CONNECTED;
	op_done(op, 0, NULL, 0, NULL);
}

/* ---- poll ---- */

/* What is ready on @o now, as poll-events bits; *waitable says which pollables to wait on. */
static uint8_t readiness(obj_t *o, op_t *op, uint8_t events, bool subscribe)
{
	uint8_t ready = 0;

	switch (o->kind) {
	case K_FILE:
	case K_DIR:
	case K_DEVICE:
		return PE(READABLE) | PE(WRITABLE);
	case K_UDP:
		ready |= PE(WRITABLE);
		/* An unbound socket hears nothing yet (and a poll binds nothing). */
		if (o->ustreams) {
			if (udp_fill(o))
				ready |= PE(READABLE);
			else if (subscribe && (events & PE(READABLE)))
				op_wait(op, wasi_sockets_udp_method_incoming_datagram_stream_subscribe(
						    wasi_sockets_udp_borrow_incoming_datagram_stream(o->uin)));
		}
		return ready;
	case K_TCP:
		if (o->tstate == TCP_LISTENING) {
			int64_t r = tcp_accept_ahead(o);

			if (r > 0)
				ready |= PE(READABLE);
			else if (IS_ERR(r))
				ready |= PE(ERROR) | PE(HANG_UP);
			else if (subscribe && (events & PE(READABLE)))
				op_wait(op, wasi_sockets_tcp_method_tcp_socket_subscribe(BORROW_TCP(o)));
			return ready;
		}
		if (o->tstate != TCP_CONNECTED)
			return PE(WRITABLE) | PE(HANG_UP);
		break;
	default:
		stdio_open(o);
		break;
	}
	if (o->kind == K_TCP && o->shut_rd) {
		/* Shut for reading: a receive ends at once (the runtime's stream may not know). */
		ready |= PE(READABLE) | PE(READ_HANG_UP) | (o->shut_wr ? PE(HANG_UP) : 0);
	} else if (is_stream_in(o)) {
		struct inbuf *b = &o->ib;

		/* Everything there is now, so that the end behind the bytes shows (read-hang-up,
		 * hang-up) and the stream's pollable stays quiet until something new comes. */
		in_read_ahead(o);
		if (b->off < b->len)
			ready |= PE(READABLE);
		if (b->err)
			ready |= PE(READABLE) | PE(ERROR) | PE(HANG_UP);
		else if (b->eof)
			ready |= PE(READABLE) | PE(READ_HANG_UP) | (o->kind == K_TCP && o->shut_wr ? PE(HANG_UP) : 0);
		else if (subscribe && b->len - b->off < IN_AHEAD_MAX)
			wait_in(op, o);
	}
	if (is_stream_out(o)) {
		uint64_t n;
		wasi_io_streams_stream_error_t e;

		if (o->kind == K_TCP && o->shut_wr) {
			/* nothing more to write */
		} else if (wasi_io_streams_method_output_stream_check_write(BORROW_OUT(o), &n, &e)) {
			if (n > 0)
				ready |= PE(WRITABLE);
			else if (subscribe && (events & PE(WRITABLE)) && op->npolls < 2)
				op_wait(op, wasi_io_streams_method_output_stream_subscribe(BORROW_OUT(o)));
		} else {
			int64_t r = stream_err(&e, true);

			(void)r;
			ready |= PE(ERROR) | PE(HANG_UP);
		}
	}
	return ready;
}

#define POLL_ALWAYS (PE(ERROR) | PE(HANG_UP))

static void step_poll(op_t *op)
{
	const exports_ioring_ring_types_poll_args_t *a = &op->sqe.op.val.poll;
	uint8_t ready, got;

	op_clear_polls(op);
	ready = readiness(op->obj, op, a->events, true);
	got = ready & (a->events | POLL_ALWAYS);
	if (!a->multishot) {
		if (got) {
			op_clear_polls(op);
			op_done(op, got, NULL, 0, NULL);
		}
		return;
	}
	/* Multishot: a report each time the ready set changes to a new, non-empty one. */
	op->every_turn = true;
	if (got && got != op->last_events)
		op_more(op, got, NULL, 0, NULL);
	op->last_events = got;
}

/* ---- files and directories ---- */

/* A path beneath a directory handle: relative, and never above it by `..`. */
static int64_t path_check(const adapter_string_t *p)
{
	int depth = 0;
	size_t i = 0;

	if (memchr(p->ptr, 0, p->len))
		return ERR(EC(INVALID));
	if (p->len == 0)
		return ERR(EC(NO_ENTRY));
	if (p->ptr[0] == '/')
		return ERR(EC(ACCESS));
	while (i < p->len) {
		size_t j = i;

		while (j < p->len && p->ptr[j] != '/')
			j++;
		if (j - i == 2 && p->ptr[i] == '.' && p->ptr[i + 1] == '.') {
			if (--depth < 0)
				return ERR(EC(ACCESS));
		} else if (j > i && !(j - i == 1 && p->ptr[i] == '.')) {
			depth++;
		}
		i = j + 1;
	}
	return 0;
}

/* A filesystem error on a path operation: a path the runtime refused as leading out is `access`. */
static int64_t path_err(wasi_filesystem_types_error_code_t e)
{
	if (e == WASI_FILESYSTEM_TYPES_ERROR_CODE_NOT_PERMITTED)
		return ERR(EC(ACCESS));
	return fs_err(e);
}

static uint8_t file_type(wasi_filesystem_types_descriptor_type_t t)
{
	switch (t) {
	case WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_REGULAR_FILE:
		return EXPORTS_IORING_RING_TYPES_FILE_TYPE_REGULAR;
	case WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_DIRECTORY:
		return EXPORTS_IORING_RING_TYPES_FILE_TYPE_DIRECTORY;
	case WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_SYMBOLIC_LINK:
		return EXPORTS_IORING_RING_TYPES_FILE_TYPE_SYMLINK;
	case WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_CHARACTER_DEVICE:
		return EXPORTS_IORING_RING_TYPES_FILE_TYPE_CHARACTER_DEVICE;
	case WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_BLOCK_DEVICE:
		return EXPORTS_IORING_RING_TYPES_FILE_TYPE_BLOCK_DEVICE;
	case WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_FIFO:
		return EXPORTS_IORING_RING_TYPES_FILE_TYPE_FIFO;
	case WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_SOCKET:
		return EXPORTS_IORING_RING_TYPES_FILE_TYPE_SOCKET;
	default:
		return EXPORTS_IORING_RING_TYPES_FILE_TYPE_UNKNOWN;
	}
}

/*
 * WASI 0.2 carries no permission bits, and the adapter makes no file with other bits than the
 * runtime's (0666 for a file, 0777 for a directory, less its umask: 0644 and 0755 under the
 * usual 022; see mode_given): statx reports those, whatever the file's own bits, as a file
 * system without permission bits does (README, "Where it differs").
 */
#define MODE_FILE 0644u
#define MODE_DIR 0755u

/*
 * @d the statx detail of @s: 0, or not-supported for a file the runtime calls `unknown`
 * (wasmtime 48 says so of a FIFO or a socket file): its kind is not known, and `unknown`,
 * "anything else" in the contract, would say what it is not.
 */
static int64_t stat_detail(const wasi_filesystem_types_descriptor_stat_t *s, detail_t *d)
{
	memset(d, 0, sizeof(*d));
	d->tag = EXPORTS_IORING_RING_TYPES_CQE_DETAIL_STAT;
	if (s->type == WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_UNKNOWN)
		return ERR(EC(NOT_SUPPORTED));
	d->val.stat.type = file_type(s->type);
	d->val.stat.size = s->size;
	d->val.stat.mode = s->type == WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_DIRECTORY	   ? MODE_DIR
			   : s->type == WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_SYMBOLIC_LINK ? 0777u
											     : MODE_FILE;
	d->val.stat.links = (uint32_t)s->link_count;
	if (s->data_modification_timestamp.is_some)
		d->val.stat.modified_ns = s->data_modification_timestamp.val.seconds * 1000000000ull +
					  s->data_modification_timestamp.val.nanoseconds;
	return 0;
}

/*
 * Whether a file (or, with @dir, a directory) made with @mode gets those bits from the
 * runtime, which makes every file 0666 and every directory 0777 less its umask: the modes
 * that give 0644 (0755) under a umask of 022. Any other, a private file (0600, 0640) or one
 * with execute or set-id bits, would come out other than asked: not-supported.
 */
static bool mode_given(uint32_t mode, bool dir)
{
	return ((mode & 07777u) & ~022u) == (dir ? MODE_DIR : MODE_FILE);
}

/*
 * What a creation with a mode the runtime cannot give answers, where the mode does not
 * matter: `exists` when @path is there (@follow: after a final symbolic link), the error of
 * its parent directory when that is missing or no directory, else not-supported; 1 when it
 * is there and @follow (an open with create opens it without creating).
 */
static int64_t create_without_mode(obj_t *dir, const adapter_string_t *path, bool follow)
{
	wasi_filesystem_types_descriptor_stat_t st;
	wasi_filesystem_types_error_code_t e;
	adapter_string_t parent = *path;

	if (wasi_filesystem_types_method_descriptor_stat_at(BORROW_DESC(dir), follow ? WASI_FILESYSTEM_TYPES_PATH_FLAGS_SYMLINK_FOLLOW : 0,
							      (adapter_string_t *)path, &st, &e))
		return follow ? 1 : ERR(EC(EXISTS));
	if (e != WASI_FILESYSTEM_TYPES_ERROR_CODE_NO_ENTRY)
		return path_err(e);
	/* Missing: is it the file, or a directory on the way to it? */
	while (parent.len && parent.ptr[parent.len - 1] == '/')
		parent.len--;
	while (parent.len && parent.ptr[parent.len - 1] != '/')
		parent.len--;
	if (parent.len &&
	    !wasi_filesystem_types_method_descriptor_stat_at(BORROW_DESC(dir), WASI_FILESYSTEM_TYPES_PATH_FLAGS_SYMLINK_FOLLOW,
							     &parent, &st, &e))
		return path_err(e);
	if (parent.len && st.type != WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_DIRECTORY)
		return ERR(EC(NOT_DIRECTORY));
	return ERR(EC(NOT_SUPPORTED));
}

static void do_openat(op_t *op)
{
	const exports_ioring_ring_types_openat_args_t *a = &op->sqe.op.val.openat;
	obj_t *dir = op->obj;
	uint16_t f = a->flags;
	bool write = f & EXPORTS_IORING_RING_TYPES_OPEN_FLAGS_WRITE;
	bool read = (f & EXPORTS_IORING_RING_TYPES_OPEN_FLAGS_READ) || !write;
	bool create = f & EXPORTS_IORING_RING_TYPES_OPEN_FLAGS_CREATE;
	bool isdir = f & EXPORTS_IORING_RING_TYPES_OPEN_FLAGS_DIRECTORY;
	wasi_filesystem_types_open_flags_t of = 0;
	wasi_filesystem_types_descriptor_flags_t df = 0;
	wasi_filesystem_types_own_descriptor_t d;
	wasi_filesystem_types_error_code_t e;
	wasi_filesystem_types_descriptor_type_t type;
	adapter_string_t path = a->path;
	int64_t r;
	obj_t *o;

	if (dir->kind != K_DIR) {
		done_err(op, ERR(dir->kind == K_TCP || dir->kind == K_UDP ? EC(NOT_DIRECTORY) : EC(NOT_DIRECTORY)));
		return;
	}
	if (isdir && create) {
		done_err(op, ERR(EC(INVALID)));
		return;
	}
	if ((r = path_check(&path)) < 0) {
		done_err(op, r);
		return;
	}
	if (dir->readonly && (write || create || (f & (EXPORTS_IORING_RING_TYPES_OPEN_FLAGS_TRUNCATE |
						       EXPORTS_IORING_RING_TYPES_OPEN_FLAGS_APPEND)))) {
		done_err(op, ERR(EC(ACCESS)));
		return;
	}
	if (create && !mode_given(a->mode, false)) {
		/* A file the runtime would make with other bits than asked is not made; one that is
		 * there is opened, as open(2) does, whatever the mode. */
		r = create_without_mode(dir, &path, !(f & EXPORTS_IORING_RING_TYPES_OPEN_FLAGS_EXCLUSIVE));
		if (r != 1) {
			done_err(op, r);
			return;
		}
		create = false;
	}
	if (create)
		of |= WASI_FILESYSTEM_TYPES_OPEN_FLAGS_CREATE;
	if (isdir)
		of |= WASI_FILESYSTEM_TYPES_OPEN_FLAGS_DIRECTORY;
	if (f & EXPORTS_IORING_RING_TYPES_OPEN_FLAGS_EXCLUSIVE)
		of |= WASI_FILESYSTEM_TYPES_OPEN_FLAGS_EXCLUSIVE;
	if (f & EXPORTS_IORING_RING_TYPES_OPEN_FLAGS_TRUNCATE)
		of |= WASI_FILESYSTEM_TYPES_OPEN_FLAGS_TRUNCATE;
	if (read)
		df |= WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_READ;
	if (write)
		df |= WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_WRITE;
	if (isdir && !dir->readonly)
		df |= WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_MUTATE_DIRECTORY;
	{
		/* A FIFO: opening one would hold the runtime's one thread until a peer opens the
		 * other end, and O_NONBLOCK has no WASI form. wasmtime says `unknown` for a FIFO:
		 * what it cannot name is not opened either. */
		wasi_filesystem_types_descriptor_stat_t st;

		if (wasi_filesystem_types_method_descriptor_stat_at(BORROW_DESC(dir), WASI_FILESYSTEM_TYPES_PATH_FLAGS_SYMLINK_FOLLOW,
								      &path, &st, &e) &&
		    (st.type == WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_FIFO || st.type == WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_UNKNOWN)) {
			done_err(op, ERR(EC(NOT_SUPPORTED)));
			return;
		}
	}
	if (!wasi_filesystem_types_method_descriptor_open_at(BORROW_DESC(dir), WASI_FILESYSTEM_TYPES_PATH_FLAGS_SYMLINK_FOLLOW,
							      &path, of, df, &d, &e)) {
		/* jco's filesystem takes no mutate-directory (and enforces none): without it. */
		if (e != WASI_FILESYSTEM_TYPES_ERROR_CODE_UNSUPPORTED || !(df & WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_MUTATE_DIRECTORY) ||
		    !wasi_filesystem_types_method_descriptor_open_at(BORROW_DESC(dir), WASI_FILESYSTEM_TYPES_PATH_FLAGS_SYMLINK_FOLLOW,
								      &path, of, df & ~WASI_FILESYSTEM_TYPES_DESCRIPTOR_FLAGS_MUTATE_DIRECTORY, &d, &e)) {
			done_err(op, path_err(e));
			return;
		}
	}
	if (!wasi_filesystem_types_method_descriptor_get_type(wasi_filesystem_types_borrow_descriptor(d), &type, &e))
		type = WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_REGULAR_FILE;
	if (type == WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_DIRECTORY && write) {
		wasi_filesystem_types_descriptor_drop_own(d);
		done_err(op, ERR(EC(IS_DIRECTORY)));
		return;
	}
	o = obj_new(type == WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_DIRECTORY ? K_DIR : K_FILE);
	o->desc = d;
	o->readable = read;
	o->writable = write;
	o->append = f & EXPORTS_IORING_RING_TYPES_OPEN_FLAGS_APPEND;
	o->regular = type == WASI_FILESYSTEM_TYPES_DESCRIPTOR_TYPE_REGULAR_FILE;
	o->readonly = dir->readonly;
	r = handle_add(o);
	if (IS_ERR(r)) {
		obj_unref(o);
		done_err(op, r);
		return;
	}
	{
		detail_t det = detail_handle((uint32_t)r);

		op_done(op, 0, NULL, 0, &det);
	}
}

/*
 * A read of a file: of a regular one @len bytes, fewer only at its end, as read(2) gives. A
 * runtime may give less per call (wasmtime 48: at most 64 KiB): read on. (A device gives
 * what it has.)
 */
static int64_t file_read(obj_t *o, uint32_t len, const uint64_t *offset, uint8_t **data)
{
	adapter_tuple2_list_u8_bool_t got;
	wasi_filesystem_types_error_code_t e;
	uint64_t at = offset ? *offset : o->pos;
	uint8_t *buf = NULL;
	size_t n = 0;

	*data = NULL;
	if (o->kind == K_DIR)
		return ERR(EC(IS_DIRECTORY));
	if (!o->readable)
		return ERR(EC(BAD_DESCRIPTOR));
	while (n < len) {
		if (!wasi_filesystem_types_method_descriptor_read(BORROW_DESC(o), len - n, at + n, &got, &e)) {
			if (n)
				break; /* what was read counts; the error comes again on the next read */
			return fs_err(e);
		}
		if (!buf && got.f0.len == len) {
			buf = got.f0.ptr; /* all of it at once: the runtime's buffer is the result */
			n = len;
			break;
		}
		if (got.f0.len) {
			if (!buf && !(buf = malloc(len)))
				abort();
			memcpy(buf + n, got.f0.ptr, got.f0.len);
			n += got.f0.len;
			free(got.f0.ptr);
		}
		if (got.f1 || got.f0.len == 0 || !o->regular)
			break; /* the end of the file */
	}
	if (!offset)
		o->pos += n;
	*data = n ? buf : NULL;
	if (!n)
		free(buf);
	return (int64_t)n;
}

static int64_t file_write(obj_t *o, const uint8_t *data, size_t len, const uint64_t *offset)
{
	wasi_filesystem_types_error_code_t e;
	uint64_t at = offset ? *offset : o->pos, n;
	adapter_list_u8_t buf = { (uint8_t *)data, len };

	if (o->kind == K_DIR || !o->writable)
		return ERR(EC(BAD_DESCRIPTOR));
	if (o->append) {
		wasi_filesystem_types_descriptor_stat_t st;

		if (!wasi_filesystem_types_method_descriptor_stat(BORROW_DESC(o), &st, &e))
			return fs_err(e);
		at = st.size;
	}
	if (!wasi_filesystem_types_method_descriptor_write(BORROW_DESC(o), &buf, at, &n, &e))
		return fs_err(e);
	if (!offset || o->append)
		o->pos = at + n;
	return (int64_t)n;
}

/* ---- starting and stepping ---- */

/* The handle an entry names, taken for the operation's life; NULL (and a CQE) if none. */
static obj_t *take_obj(op_t *op, uint32_t h)
{
	obj_t *o = handle_get(h);

	if (!o) {
		done_err(op, ERR(EC(BAD_DESCRIPTOR)));
		return NULL;
	}
	op->obj = obj_ref(o);
	return o;
}

static bool is_socket(obj_t *o)
{
	return o->kind == K_TCP || o->kind == K_UDP;
}

static void start_read_like(op_t *op, uint32_t fd, uint32_t len, const uint64_t *offset, bool fixed)
{
	obj_t *o;

	if (len > MAX_IO_LEN) {
		done_err(op, ERR(EC(INVALID)));
		return;
	}
	if (!(o = take_obj(op, fd)))
		return;
	if (o->kind == K_FILE || o->kind == K_DIR) {
		uint8_t *data;
		int64_t n = len ? file_read(o, len, offset, &data) : (o->kind == K_DIR ? ERR(EC(IS_DIRECTORY)) : 0);

		if (len == 0)
			data = NULL;
		if (fixed && n > 0) {
			const exports_ioring_ring_types_fixed_args_t *a = &op->sqe.op.val.read_fixed;

			memcpy(op->ring->fixed[a->buffer] + a->buffer_offset, data, (size_t)n);
			free(data);
			op_done(op, n, NULL, 0, NULL);
			return;
		}
		op_done(op, n, data, (size_t)(n > 0 ? n : 0), NULL);
		return;
	}
	if (o->kind == K_STDOUT || o->kind == K_DEVICE) {
		done_err(op, ERR(EC(BAD_DESCRIPTOR)));
		return;
	}
	if (o->kind == K_UDP) {
		int64_t r = udp_ready(o);

		if (IS_ERR(r)) {
			done_err(op, r);
			return;
		}
		if (udp_filtered(o)) {
			done_err(op, ERR(EC(ACCESS)));
			return;
		}
		opq_push(&o->readers, op);
		op_step(op);
		return;
	}
	if (o->kind == K_TCP && o->tstate != TCP_CONNECTED) {
		done_err(op, ERR(EC(NOT_CONNECTED)));
		return;
	}
	if (len == 0 || (o->kind == K_TCP && o->shut_rd)) {
		op_done(op, 0, NULL, 0, NULL);
		return;
	}
	stdio_open(o);
	opq_push(&o->readers, op);
	op_step(op);
}

static void start_write_like(op_t *op, uint32_t fd, const uint8_t *data, size_t len, const uint64_t *offset,
			     const saddr_t *to)
{
	obj_t *o;

	if (len > MAX_IO_LEN) {
		done_err(op, ERR(EC(INVALID)));
		return;
	}
	if (!(o = take_obj(op, fd)))
		return;
	if (o->kind == K_FILE || o->kind == K_DIR) {
		op_done(op, file_write(o, data, len, offset), NULL, 0, NULL);
		return;
	}
	if (o->kind == K_STDIN || o->kind == K_DEVICE) {
		done_err(op, ERR(EC(BAD_DESCRIPTOR)));
		return;
	}
	if (o->kind == K_UDP) {
		int64_t r;

		if (to) {
			ipaddr_t a;

			if (IS_ERR(r = addr_from_ring(to, &a))) {
				done_err(op, r);
				return;
			}
			bool heard = false;

			for (size_t i = 0; i < o->nheard; i++)
				heard |= addr_eq(&o->heard[i], &a);
			if (!heard && !may_connect(true, &a)) {
				done_err(op, ERR(EC(ACCESS)));
				return;
			}
			if (o->uconnected) {
				done_err(op, ERR(EC(IS_CONNECTED)));
				return;
			}
			if (a.tag != o->family) {
				done_err(op, ERR(EC(ADDRESS_FAMILY_NOT_SUPPORTED)));
				return;
			}
		} else if (!o->uconnected) {
			done_err(op, ERR(EC(DESTINATION_ADDRESS_REQUIRED)));
			return;
		}
		if (len > 65507) {
			done_err(op, ERR(EC(MESSAGE_SIZE)));
			return;
		}
		if (IS_ERR(r = udp_ready(o))) {
			done_err(op, r);
			return;
		}
		opq_push(&o->writers, op);
		op_step(op);
		return;
	}
	if (o->kind == K_TCP) {
		if (to) {
			ipaddr_t a;
			int64_t r = addr_from_ring(to, &a);

			if (IS_ERR(r) || !may_connect(false, &a)) {
				done_err(op, IS_ERR(r) ? r : ERR(EC(ACCESS)));
				return;
			}
			done_err(op, ERR(EC(IS_CONNECTED)));
			return;
		}
		if (o->tstate != TCP_CONNECTED) {
			done_err(op, ERR(o->tstate == TCP_LISTENING ? EC(NOT_CONNECTED) : EC(PIPE)));
			return;
		}
		if (o->shut_wr) {
			done_err(op, ERR(EC(PIPE)));
			return;
		}
	}
	if (len == 0) {
		op_done(op, 0, NULL, 0, NULL);
		return;
	}
	stdio_open(o);
	opq_push(&o->writers, op);
	op_step(op);
}

static void start_socket_op(op_t *op);
static void start_file_op(op_t *op);

void op_start(op_t *op)
{
	sqe_t *s = &op->sqe;

	switch (s->op.tag) {
	case OPC(NOP):
		op_done(op, 0, NULL, 0, NULL);
		return;
	case OPC(READ):
		start_read_like(op, s->op.val.read.fd, s->op.val.read.len,
				s->op.val.read.offset.is_some ? &s->op.val.read.offset.val : NULL, false);
		return;
	case OPC(WRITE):
		start_write_like(op, s->op.val.write.fd, s->op.val.write.data.ptr, s->op.val.write.data.len,
				 s->op.val.write.offset.is_some ? &s->op.val.write.offset.val : NULL, NULL);
		return;
	case OPC(READ_FIXED):
	case OPC(WRITE_FIXED): {
		const exports_ioring_ring_types_fixed_args_t *a = &s->op.val.read_fixed;
		ring_t *r = op->ring;
		const uint64_t *off = a->offset.is_some ? &a->offset.val : NULL;

		if (a->buffer >= r->nfixed || (uint64_t)a->buffer_offset + a->len > r->fixed_size) {
			done_err(op, ERR(EC(INVALID)));
			return;
		}
		r->fixed_inflight++;
		op->fixed_counted = true;
		if (s->op.tag == OPC(READ_FIXED))
			start_read_like(op, a->fd, a->len, off, true);
		else
			start_write_like(op, a->fd, r->fixed[a->buffer] + a->buffer_offset, a->len, off, NULL);
		return;
	}
	case OPC(SEND):
		start_write_like(op, s->op.val.send.fd, s->op.val.send.data.ptr, s->op.val.send.data.len, NULL, NULL);
		return;
	case OPC(SENDMSG):
		start_write_like(op, s->op.val.sendmsg.fd, s->op.val.sendmsg.data.ptr, s->op.val.sendmsg.data.len, NULL,
				 s->op.val.sendmsg.to.is_some ? &s->op.val.sendmsg.to.val : NULL);
		return;
	case OPC(RECV):
	case OPC(RECVMSG):
	case OPC(RECV_MULTISHOT): {
		const exports_ioring_ring_types_recv_args_t *a = &s->op.val.recv;
		obj_t *o;

		if (s->op.tag != OPC(RECV_MULTISHOT) && a->len > MAX_IO_LEN) {
			done_err(op, ERR(EC(INVALID)));
			return;
		}
		if (!(o = take_obj(op, a->fd)))
			return;
		if (!is_socket(o)) {
			/* ENOTSOCK */
			done_err(op, ERR(EC(BAD_DESCRIPTOR)));
			return;
		}
		if (o->kind == K_UDP) {
			int64_t r = udp_ready(o);

			if (IS_ERR(r)) {
				done_err(op, r);
				return;
			}
			if (s->op.tag != OPC(RECVMSG) && udp_filtered(o)) {
				done_err(op, ERR(EC(ACCESS)));
				return;
			}
		} else if (o->tstate != TCP_CONNECTED) {
			done_err(op, ERR(EC(NOT_CONNECTED)));
			return;
		}
		if ((s->op.tag == OPC(RECV) && a->len == 0 && o->kind == K_TCP) || (o->kind == K_TCP && o->shut_rd)) {
			op_done(op, 0, NULL, 0, NULL);
			return;
		}
		opq_push(&o->readers, op);
		op_step(op);
		return;
	}
	case OPC(TIMEOUT): {
		uint64_t d = s->op.val.timeout.duration_ns, t = now_ns();

		op->deadline = t + (d ? d : 1);
		if (op->deadline < t)
			op->deadline = UINT64_MAX - 1;
		op->count_left = s->op.val.timeout.count;
		if (op->count_left)
			ring_add_count_timer(op->ring, op);
		return;
	}
	case OPC(LINK_TIMEOUT):
	case OP_MALFORMED:
		done_err(op, ERR(EC(INVALID)));
		return;
	case OPC(CANCEL):
		op_done(op, cancel_in_ring(op->ring, s->op.val.cancel.target, s->op.val.cancel.all, op), NULL, 0, NULL);
		return;
	case OPC(POLL): {
		if (!take_obj(op, s->op.val.poll.fd))
			return;
		op_step(op);
		return;
	}
	case OPC(SPI_TRANSFER):
	case OPC(I2C_TRANSFER):
	case OPC(TTY_CONFIGURE): {
		uint32_t fd = s->op.tag == OPC(TTY_CONFIGURE) ? s->op.val.tty_configure.f0
			      : s->op.tag == OPC(SPI_TRANSFER) ? s->op.val.spi_transfer.fd
							       : s->op.val.i2c_transfer.fd;
		obj_t *o = handle_get(fd);

		if (s->op.tag == OPC(SPI_TRANSFER) && s->op.val.spi_transfer.segments.len > 511) {
			done_err(op, ERR(EC(INVALID)));
			return;
		}
		/* `access` on anything but a device grant; a device grant has no WASI call. */
		done_err(op, ERR(!o ? EC(BAD_DESCRIPTOR) : o->kind == K_DEVICE ? EC(NOT_SUPPORTED) : EC(ACCESS)));
		return;
	}
	case OPC(GPIO_REQUEST): {
		obj_t *o = handle_get(s->op.val.gpio_request.chip);

		/* As the hosts: `access` on anything but a device grant; a device grant has no
		 * WASI call to reach a GPIO chip through. */
		done_err(op, ERR(!o ? EC(BAD_DESCRIPTOR) : o->kind == K_DEVICE ? EC(NOT_SUPPORTED) : EC(ACCESS)));
		return;
	}
	case OPC(GPIO_GET):
	case OPC(GPIO_SET):
	case OPC(GPIO_EDGES):
		/* No request succeeds here, so no handle is a GPIO line. */
		done_err(op, ERR(EC(BAD_DESCRIPTOR)));
		return;
	case OPC(ACCEPT):
	case OPC(ACCEPT_MULTISHOT):
	case OPC(CONNECT):
	case OPC(SOCKET):
	case OPC(BIND):
	case OPC(LISTEN):
	case OPC(SET_OPTION):
	case OPC(SHUTDOWN):
	case OPC(LOCAL_ADDRESS):
		start_socket_op(op);
		return;
	default:
		start_file_op(op);
		return;
	}
}

void op_step(op_t *op)
{
	sqe_t *s = &op->sqe;
	obj_t *o = op->obj;

	if (op->state != OP_RUNNING)
		return;
	switch (s->op.tag) {
	case OPC(READ):
	case OPC(RECV):
	case OPC(RECVMSG):
	case OPC(READ_FIXED):
		if (o->kind == K_UDP)
			step_udp_recv(op, s->op.tag == OPC(READ_FIXED) ? s->op.val.read_fixed.len : s->op.val.recv.len,
				      s->op.tag == OPC(RECVMSG));
		else
			step_recv(op, s->op.tag == OPC(READ_FIXED) ? s->op.val.read_fixed.len
				      : s->op.tag == OPC(READ)	   ? s->op.val.read.len
								   : s->op.val.recv.len);
		return;
	case OPC(RECV_MULTISHOT):
		if (o->kind == K_UDP) {
			/* A datagram socket's multishot receive: a CQE per datagram. */
			for (;;) {
				struct pending_dgram d;
				uint32_t len = s->op.val.recv_multishot.len;
				size_t max = len && len < MULTISHOT_CHUNK ? len : MULTISHOT_CHUNK, n;

				if (!udp_fill(o)) {
					if (!op->npolls)
						op_wait(op, wasi_sockets_udp_method_incoming_datagram_stream_subscribe(
								    wasi_sockets_udp_borrow_incoming_datagram_stream(o->uin)));
					return;
				}
				d = o->dgrams[0];
				memmove(o->dgrams, o->dgrams + 1, (o->ndgrams - 1) * sizeof(*o->dgrams));
				o->ndgrams--;
				n = d.len < max ? d.len : max;
				op_more(op, (int64_t)n, d.data, n, NULL);
			}
		}
		step_recv_multishot(op);
		return;
	case OPC(WRITE):
	case OPC(SEND):
	case OPC(SENDMSG):
	case OPC(WRITE_FIXED): {
		const uint8_t *data;
		size_t len;

		if (s->op.tag == OPC(WRITE_FIXED)) {
			data = op->ring->fixed[s->op.val.write_fixed.buffer] + s->op.val.write_fixed.buffer_offset;
			len = s->op.val.write_fixed.len;
		} else if (s->op.tag == OPC(WRITE)) {
			data = s->op.val.write.data.ptr;
			len = s->op.val.write.data.len;
		} else {
			data = s->op.val.send.data.ptr; /* send-args and sendmsg-args begin alike */
			len = s->op.tag == OPC(SEND) ? s->op.val.send.data.len : s->op.val.sendmsg.data.len;
			if (s->op.tag == OPC(SENDMSG))
				data = s->op.val.sendmsg.data.ptr;
		}
		if (o->kind == K_UDP) {
			ipaddr_t to;
			bool has_to = s->op.tag == OPC(SENDMSG) && s->op.val.sendmsg.to.is_some;

			if (has_to)
				addr_from_ring(&s->op.val.sendmsg.to.val, &to);
			step_udp_send(op, data, len, has_to ? &to : NULL);
		} else {
			step_send(op, data, len);
		}
		return;
	}
	case OPC(ACCEPT):
	case OPC(ACCEPT_MULTISHOT):
		step_accept(op, s->op.tag == OPC(ACCEPT_MULTISHOT));
		return;
	case OPC(CONNECT):
		step_connect(op);
		return;
	case OPC(POLL):
		step_poll(op);
		return;
	default:
		return;
	}
}

/* Undo what a running operation holds besides its pollables, queue place and handle. */
void op_cleanup(op_t *op)
{
	op->every_turn = false;
	if (op->fixed_counted) {
		op->ring->fixed_inflight--;
		op->fixed_counted = false;
	}
}

/* ---- socket operations ---- */

static void start_socket_op(op_t *op)
{
	sqe_t *s = &op->sqe;
	obj_t *o;
	int64_t r;

	if (s->op.tag == OPC(SOCKET)) {
		uint8_t fam = s->op.val.socket.f0, type = s->op.val.socket.f1;
		int family = fam == EXPORTS_IORING_RING_TYPES_ADDRESS_FAMILY_IPV6 ? WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV6
										     : WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4;

		if (fam == EXPORTS_IORING_RING_TYPES_ADDRESS_FAMILY_UNIX ||
		    type == EXPORTS_IORING_RING_TYPES_SOCKET_TYPE_SEQPACKET) {
			/* No unix sockets and no seqpacket in WASI 0.2. */
			done_err(op, ERR(EC(NOT_SUPPORTED)));
			return;
		}
		if (type == EXPORTS_IORING_RING_TYPES_SOCKET_TYPE_STREAM) {
			if (IS_ERR(r = tcp_new(family, &o))) {
				done_err(op, r);
				return;
			}
		} else {
			wasi_sockets_udp_own_udp_socket_t u;
			wasi_sockets_udp_error_code_t e;

			if (!wasi_sockets_udp_create_socket_create_udp_socket((uint8_t)family, &u, &e)) {
				done_err(op, net_err(e));
				return;
			}
			o = obj_new(K_UDP);
			o->family = family;
			o->udp = u;
		}
		r = handle_add(o);
		if (IS_ERR(r)) {
			obj_unref(o);
			done_err(op, r);
			return;
		}
		{
			detail_t d = detail_handle((uint32_t)r);

			op_done(op, 0, NULL, 0, &d);
		}
		return;
	}
	{
		uint32_t fd = s->op.tag == OPC(ACCEPT)		  ? s->op.val.accept
			      : s->op.tag == OPC(ACCEPT_MULTISHOT) ? s->op.val.accept_multishot
			      : s->op.tag == OPC(LOCAL_ADDRESS)	  ? s->op.val.local_address
			      : s->op.tag == OPC(LISTEN)	  ? s->op.val.listen.f0
			      : s->op.tag == OPC(SET_OPTION)	  ? s->op.val.set_option.f0
			      : s->op.tag == OPC(SHUTDOWN)	  ? s->op.val.shutdown.f0
			      : s->op.tag == OPC(CONNECT)	  ? s->op.val.connect.f0
								  : s->op.val.bind.f0;

		if (!(o = take_obj(op, fd)))
			return;
	}
	if (!is_socket(o)) {
		/* ENOTSOCK */
		done_err(op, ERR(EC(BAD_DESCRIPTOR)));
		return;
	}
	switch (s->op.tag) {
	case OPC(ACCEPT):
	case OPC(ACCEPT_MULTISHOT):
		if (o->kind == K_UDP) {
			done_err(op, ERR(EC(NOT_SUPPORTED)));
			return;
		}
		if (o->tstate != TCP_LISTENING) {
			done_err(op, ERR(EC(INVALID)));
			return;
		}
		opq_push(&o->readers, op);
		op_step(op);
		return;
	case OPC(CONNECT): {
		ipaddr_t a;
		wasi_sockets_tcp_error_code_t e;

		if (IS_ERR(r = addr_from_ring(&s->op.val.connect.f1, &a))) {
			done_err(op, r);
			return;
		}
		if (!may_connect(o->kind == K_UDP, &a)) {
			done_err(op, ERR(EC(ACCESS)));
			return;
		}
		if (o->kind == K_UDP) {
			if (a.tag != o->family) {
				done_err(op, ERR(EC(ADDRESS_FAMILY_NOT_SUPPORTED)));
				return;
			}
			/* New streams, to the peer: what waits on the old ones waits on the new. */
			obj_drop_polls(o);
			drop_udp_streams_public(o);
			o->uconnected = true;
			o->upeer = a;
			r = udp_ready(o);
			op_done(op, IS_ERR(r) ? r : 0, NULL, 0, NULL);
			obj_wake_queue(&o->readers);
			obj_wake_queue(&o->writers);
			return;
		}
		if (o->tstate == TCP_CONNECTED) {
			done_err(op, ERR(EC(IS_CONNECTED)));
			return;
		}
		if (o->tstate == TCP_LISTENING || o->tstate == TCP_CONNECTING) {
			done_err(op, ERR(o->tstate == TCP_CONNECTING ? EC(ALREADY) : EC(INVALID)));
			return;
		}
		if (a.tag != o->family) {
			done_err(op, ERR(EC(ADDRESS_FAMILY_NOT_SUPPORTED)));
			return;
		}
		if (IS_ERR(r = tcp_bind_held(o))) {
			done_err(op, r);
			return;
		}
		if (!wasi_sockets_tcp_method_tcp_socket_start_connect(BORROW_TCP(o), BORROW_NET(), &a, &e)) {
			done_err(op, net_err(e));
			return;
		}
		o->tstate = TCP_CONNECTING;
		op_step(op);
		return;
	}
	case OPC(BIND): {
		ipaddr_t a;

		if (IS_ERR(r = addr_from_ring(&s->op.val.bind.f1, &a))) {
			done_err(op, r);
			return;
		}
		if (o->granted || !may_bind(o->kind == K_UDP, &a)) {
			done_err(op, ERR(EC(ACCESS)));
			return;
		}
		if (a.tag != o->family) {
			done_err(op, ERR(EC(INVALID)));
			return;
		}
		if (o->kind == K_UDP) {
			wasi_sockets_udp_error_code_t e;

			if (o->ubound) {
				done_err(op, ERR(EC(INVALID)));
				return;
			}
			if (!wasi_sockets_udp_method_udp_socket_start_bind(BORROW_UDP(o), BORROW_NET(), &a, &e) ||
			    !wasi_sockets_udp_method_udp_socket_finish_bind(BORROW_UDP(o), &e)) {
				done_err(op, net_err(e));
				return;
			}
			o->ubound = true;
			/* The streams at once: some runtimes (jco's) drop datagrams that come before them. */
			op_done(op, udp_ready(o), NULL, 0, NULL);
			return;
		}
		if (o->tstate != TCP_NEW) {
			done_err(op, ERR(EC(INVALID)));
			return;
		}
		op_done(op, tcp_bind_app(o, &a), NULL, 0, NULL);
		return;
	}
	case OPC(LISTEN): {
		ipaddr_t local;
		wasi_sockets_tcp_error_code_t e;

		if (o->kind == K_UDP) {
			done_err(op, ERR(EC(NOT_SUPPORTED)));
			return;
		}
		if (o->granted || o->tstate == TCP_LISTENING) {
			op_done(op, 0, NULL, 0, NULL);
			return;
		}
		if (o->tstate != TCP_NEW && o->tstate != TCP_BOUND) {
			done_err(op, ERR(EC(INVALID)));
			return;
		}
		if (o->tstate == TCP_BOUND && o->reserved) {
			local = o->held;
		} else if (o->tstate == TCP_BOUND) {
			if (!wasi_sockets_tcp_method_tcp_socket_local_address(BORROW_TCP(o), &local, &e)) {
				done_err(op, net_err(e));
				return;
			}
		} else {
			local = addr_any(o->family);
		}
		if (!may_bind(false, &local)) {
			done_err(op, ERR(EC(ACCESS)));
			return;
		}
		if ((o->tstate == TCP_NEW && IS_ERR(r = tcp_bind(o, &local))) || IS_ERR(r = tcp_bind_held(o))) {
			done_err(op, r);
			return;
		}
		op_done(op, tcp_listen(o, s->op.val.listen.f1), NULL, 0, NULL);
		return;
	}
	case OPC(SET_OPTION): {
		const exports_ioring_ring_types_socket_option_t *opt = &s->op.val.set_option.f1;
		bool ok = true;
		int64_t res = 0;

		if (opt->tag == EXPORTS_IORING_RING_TYPES_SOCKET_OPTION_IPV6_ONLY &&
		    o->family != WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV6) {
			done_err(op, ERR(EC(INVALID)));
			return;
		}
		if (o->kind == K_TCP) {
			wasi_sockets_tcp_error_code_t e;

			switch (opt->tag) {
			case EXPORTS_IORING_RING_TYPES_SOCKET_OPTION_KEEP_ALIVE:
				ok = wasi_sockets_tcp_method_tcp_socket_set_keep_alive_enabled(BORROW_TCP(o), opt->val.keep_alive, &e);
				break;
			case EXPORTS_IORING_RING_TYPES_SOCKET_OPTION_RECEIVE_BUFFER_SIZE:
				ok = wasi_sockets_tcp_method_tcp_socket_set_receive_buffer_size(BORROW_TCP(o), opt->val.receive_buffer_size ? opt->val.receive_buffer_size : 1, &e);
				break;
			case EXPORTS_IORING_RING_TYPES_SOCKET_OPTION_SEND_BUFFER_SIZE:
				ok = wasi_sockets_tcp_method_tcp_socket_set_send_buffer_size(BORROW_TCP(o), opt->val.send_buffer_size ? opt->val.send_buffer_size : 1, &e);
				break;
			case EXPORTS_IORING_RING_TYPES_SOCKET_OPTION_REUSE_ADDRESS:
				/* WASI runtimes set SO_REUSEADDR on every listener themselves. */
				break;
			case EXPORTS_IORING_RING_TYPES_SOCKET_OPTION_TCP_NO_DELAY:
				/* No WASI 0.2.0 call: taken, with no effect (a latency hint; README). */
				break;
			case EXPORTS_IORING_RING_TYPES_SOCKET_OPTION_IPV6_ONLY:
				/* WASI 0.2.0 sockets are IPv6-only; nothing turns that off. */
				if (!opt->val.ipv6_only)
					res = ERR(EC(NOT_SUPPORTED));
				break;
			default:
				/* SO_REUSEPORT has no WASI 0.2.0 call. */
				res = ERR(EC(NOT_SUPPORTED));
				break;
			}
			if (!ok)
				res = net_err(e);
		} else {
			wasi_sockets_udp_error_code_t e;

			switch (opt->tag) {
			case EXPORTS_IORING_RING_TYPES_SOCKET_OPTION_RECEIVE_BUFFER_SIZE:
				ok = wasi_sockets_udp_method_udp_socket_set_receive_buffer_size(BORROW_UDP(o), opt->val.receive_buffer_size ? opt->val.receive_buffer_size : 1, &e);
				break;
			case EXPORTS_IORING_RING_TYPES_SOCKET_OPTION_SEND_BUFFER_SIZE:
				ok = wasi_sockets_udp_method_udp_socket_set_send_buffer_size(BORROW_UDP(o), opt->val.send_buffer_size ? opt->val.send_buffer_size : 1, &e);
				break;
			case EXPORTS_IORING_RING_TYPES_SOCKET_OPTION_IPV6_ONLY:
				if (!opt->val.ipv6_only)
					res = ERR(EC(NOT_SUPPORTED));
				break;
			case EXPORTS_IORING_RING_TYPES_SOCKET_OPTION_REUSE_ADDRESS:
				/* No WASI 0.2.0 call for a datagram socket: taken, with no effect (README). */
				break;
			default:
				res = ERR(EC(NOT_SUPPORTED));
				break;
			}
			if (!ok)
				res = net_err(e);
		}
		op_done(op, res, NULL, 0, NULL);
		return;
	}
	case OPC(SHUTDOWN): {
		uint8_t how = s->op.val.shutdown.f1;
		wasi_sockets_tcp_error_code_t e;

		if (o->kind == K_UDP) {
			done_err(op, o->uconnected ? 0 : ERR(EC(NOT_CONNECTED)));
			return;
		}
		if (o->tstate != TCP_CONNECTED) {
			done_err(op, ERR(EC(NOT_CONNECTED)));
			return;
		}
		if (how != EXPORTS_IORING_RING_TYPES_SHUTDOWN_HOW_WRITE)
			o->shut_rd = true;
		if (how != EXPORTS_IORING_RING_TYPES_SHUTDOWN_HOW_READ && o->has_out) {
			/* What is written goes first: flush before the FIN. */
			wasi_io_streams_stream_error_t se;

			if (!wasi_io_streams_method_output_stream_blocking_flush(BORROW_OUT(o), &se))
				(void)stream_err(&se, true);
			o->shut_wr = true;
		}
		if (runtime_shutdown_closes()) {
			tcp_shutdown_app(o);
			op_done(op, 0, NULL, 0, NULL);
			return;
		}
		if (!wasi_sockets_tcp_method_tcp_socket_shutdown(BORROW_TCP(o),
								 how == EXPORTS_IORING_RING_TYPES_SHUTDOWN_HOW_READ ? WASI_SOCKETS_TCP_SHUTDOWN_TYPE_RECEIVE
								 : how == EXPORTS_IORING_RING_TYPES_SHUTDOWN_HOW_WRITE ? WASI_SOCKETS_TCP_SHUTDOWN_TYPE_SEND
														    : WASI_SOCKETS_TCP_SHUTDOWN_TYPE_BOTH,
								 &e)) {
			done_err(op, net_err(e));
			return;
		}
		op_done(op, 0, NULL, 0, NULL);
		return;
	}
	case OPC(LOCAL_ADDRESS): {
		detail_t d = { .tag = EXPORTS_IORING_RING_TYPES_CQE_DETAIL_ADDRESS };
		ipaddr_t a = addr_any(o->family);

		if (o->kind == K_TCP && o->reserved) {
			a = o->held;
		} else if (o->kind == K_TCP && o->tstate != TCP_NEW) {
			wasi_sockets_tcp_error_code_t e;

			(void)wasi_sockets_tcp_method_tcp_socket_local_address(BORROW_TCP(o), &a, &e);
		} else if (o->kind == K_UDP && o->ubound) {
			wasi_sockets_udp_error_code_t e;

			(void)wasi_sockets_udp_method_udp_socket_local_address(BORROW_UDP(o), &a, &e);
		}
		addr_to_ring(&a, &d.val.address);
		op_done(op, 0, NULL, 0, &d);
		return;
	}
	default:
		done_err(op, ERR(EC(INVALID)));
		return;
	}
}

/* ---- file operations ---- */

static void start_file_op(op_t *op)
{
	sqe_t *s = &op->sqe;
	obj_t *o;
	int64_t r;
	wasi_filesystem_types_error_code_t e;

	switch (s->op.tag) {
	case OPC(OPENAT):
		if (!take_obj(op, s->op.val.openat.dir))
			return;
		do_openat(op);
		return;
	case OPC(CLOSE): {
		uint32_t h = s->op.val.close;

		if (!(o = handle_get(h))) {
			done_err(op, ERR(EC(BAD_DESCRIPTOR)));
			return;
		}
		handles[h] = NULL;
		obj_unref(o);
		op_done(op, 0, NULL, 0, NULL);
		return;
	}
	case OPC(FSYNC):
		if (!(o = take_obj(op, s->op.val.fsync.f0)))
			return;
		if (o->kind != K_FILE && o->kind != K_DIR) {
			done_err(op, ERR(EC(INVALID)));
			return;
		}
		if (!(s->op.val.fsync.f1 ? wasi_filesystem_types_method_descriptor_sync_data(BORROW_DESC(o), &e)
					 : wasi_filesystem_types_method_descriptor_sync(BORROW_DESC(o), &e))) {
			/* A directory opened read-only cannot always be synced through WASI: nothing to flush. */
			done_err(op, o->kind == K_DIR ? 0 : fs_err(e));
			return;
		}
		op_done(op, 0, NULL, 0, NULL);
		return;
	case OPC(FTRUNCATE):
		if (!(o = take_obj(op, s->op.val.ftruncate.f0)))
			return;
		if (o->kind != K_FILE) {
			done_err(op, ERR(o->kind == K_DIR ? EC(IS_DIRECTORY) : EC(INVALID)));
			return;
		}
		if (!o->writable || o->readonly) {
			done_err(op, ERR(EC(ACCESS)));
			return;
		}
		if (!wasi_filesystem_types_method_descriptor_set_size(BORROW_DESC(o), s->op.val.ftruncate.f1, &e)) {
			done_err(op, fs_err(e));
			return;
		}
		op_done(op, 0, NULL, 0, NULL);
		return;
	case OPC(STATX): {
		const exports_ioring_ring_types_statx_args_t *a = &s->op.val.statx;
		wasi_filesystem_types_descriptor_stat_t st;
		detail_t d;

		if (!(o = take_obj(op, a->dir)))
			return;
		if (a->path.len == 0) {
			memset(&d, 0, sizeof(d));
			d.tag = EXPORTS_IORING_RING_TYPES_CQE_DETAIL_STAT;
			if (o->kind == K_FILE || o->kind == K_DIR) {
				adapter_string_t dot = { (uint8_t *)".", 1 };

				/* jco cannot stat a preopen itself, only what is beneath it: "." is the same. */
				if (!wasi_filesystem_types_method_descriptor_stat(BORROW_DESC(o), &st, &e) &&
				    (o->kind != K_DIR ||
				     !wasi_filesystem_types_method_descriptor_stat_at(BORROW_DESC(o), 0, &dot, &st, &e))) {
					done_err(op, fs_err(e));
					return;
				}
				if (IS_ERR(r = stat_detail(&st, &d))) {
					done_err(op, r);
					return;
				}
			} else if (is_socket(o)) {
				/* A socket's mode on Linux. */
				d.val.stat.type = EXPORTS_IORING_RING_TYPES_FILE_TYPE_SOCKET;
				d.val.stat.mode = 0777;
				d.val.stat.links = 1;
			} else {
				/* Standard streams (and devices): WASI does not say what they are (a
				 * terminal, a file, a pipe, /dev/null), and `unknown` would say what they
				 * are not. */
				done_err(op, ERR(EC(NOT_SUPPORTED)));
				return;
			}
			op_done(op, 0, NULL, 0, &d);
			return;
		}
		if (o->kind != K_DIR) {
			done_err(op, ERR(EC(NOT_DIRECTORY)));
			return;
		}
		if ((r = path_check(&a->path)) < 0) {
			done_err(op, r);
			return;
		}
		if (!wasi_filesystem_types_method_descriptor_stat_at(BORROW_DESC(o), a->no_follow ? 0 : WASI_FILESYSTEM_TYPES_PATH_FLAGS_SYMLINK_FOLLOW,
								      (adapter_string_t *)&a->path, &st, &e)) {
			done_err(op, path_err(e));
			return;
		}
		if (IS_ERR(r = stat_detail(&st, &d))) {
			done_err(op, r);
			return;
		}
		op_done(op, 0, NULL, 0, &d);
		return;
	}
	case OPC(MKDIRAT):
	case OPC(UNLINKAT): {
		const adapter_string_t *p = s->op.tag == OPC(MKDIRAT) ? &s->op.val.mkdirat.path : &s->op.val.unlinkat.path;
		uint32_t dir = s->op.tag == OPC(MKDIRAT) ? s->op.val.mkdirat.dir : s->op.val.unlinkat.dir;
		bool ok;

		if (!(o = take_obj(op, dir)))
			return;
		if (o->kind != K_DIR) {
			done_err(op, ERR(EC(NOT_DIRECTORY)));
			return;
		}
		if ((r = path_check(p)) < 0) {
			done_err(op, r);
			return;
		}
		if (o->readonly) {
			done_err(op, ERR(EC(ACCESS)));
			return;
		}
		if (s->op.tag == OPC(MKDIRAT) && !mode_given(s->op.val.mkdirat.mode, true)) {
			/* A directory the runtime would make with other bits than asked is not made. */
			done_err(op, create_without_mode(o, p, false));
			return;
		}
		if (s->op.tag == OPC(MKDIRAT))
			ok = wasi_filesystem_types_method_descriptor_create_directory_at(BORROW_DESC(o), (adapter_string_t *)p, &e);
		else if (s->op.val.unlinkat.remove_dir)
			ok = wasi_filesystem_types_method_descriptor_remove_directory_at(BORROW_DESC(o), (adapter_string_t *)p, &e);
		else
			ok = wasi_filesystem_types_method_descriptor_unlink_file_at(BORROW_DESC(o), (adapter_string_t *)p, &e);
		op_done(op, ok ? 0 : path_err(e), NULL, 0, NULL);
		return;
	}
	case OPC(RENAMEAT): {
		const exports_ioring_ring_types_renameat_args_t *a = &s->op.val.renameat;
		obj_t *to;

		if (!(o = take_obj(op, a->old_dir)))
			return;
		to = handle_get(a->new_dir);
		if (!to) {
			done_err(op, ERR(EC(BAD_DESCRIPTOR)));
			return;
		}
		if (o->kind != K_DIR || to->kind != K_DIR) {
			done_err(op, ERR(EC(NOT_DIRECTORY)));
			return;
		}
		if ((r = path_check(&a->old_path)) < 0 || (r = path_check(&a->new_path)) < 0) {
			done_err(op, r);
			return;
		}
		if (o->readonly || to->readonly) {
			done_err(op, ERR(EC(ACCESS)));
			return;
		}
		if (!wasi_filesystem_types_method_descriptor_rename_at(BORROW_DESC(o), (adapter_string_t *)&a->old_path,
								       BORROW_DESC(to), (adapter_string_t *)&a->new_path, &e)) {
			done_err(op, path_err(e));
			return;
		}
		op_done(op, 0, NULL, 0, NULL);
		return;
	}
	default:
		done_err(op, ERR(EC(INVALID)));
		return;
	}
}
