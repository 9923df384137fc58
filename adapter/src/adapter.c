/*
 * The ring over WASI 0.2: submission, link chains, drain, cancellation, timeouts and
 * `complete`, which blocks in wasi:io/poll on the pollables of every operation in flight.
 *
 * Every entry point runs to its end on the one thread a component has: an operation makes
 * what progress it can when it starts and whenever one of its pollables (or its deadline)
 * fires during a `complete`, and posts its CQEs to its ring. Finished operations and chains
 * are freed at the end of each entry point, never while something may still point at them.
 */
#include "wasiring.h"

obj_t *handles[MAX_HANDLES];
op_t *live_ops;
wasi_sockets_network_own_network_t network;

static chain_t *dead_chains;
static bool inited;

uint64_t now_ns(void)
{
	return wasi_clocks_monotonic_clock_now();
}

static obj_t *stdio_obj(int fd)
{
	obj_t *o = obj_new(fd == 0 ? K_STDIN : K_STDOUT);

	/* Streams are asked for on first use (opening stdin may cost the runtime something). */
	o->readable = fd == 0;
	o->writable = fd != 0;
	o->pos = (uint64_t)fd; /* which stream, until it is opened */
	return o;
}

void adapter_init(void)
{
	if (inited)
		return;
	inited = true;
	for (int fd = 0; fd < 3; fd++)
		handles[fd] = stdio_obj(fd);
	network = wasi_sockets_instance_network_instance_network();
	grants_init();
}

/* ---- objects and handles ---- */

obj_t *obj_new(enum kind k)
{
	obj_t *o = calloc(1, sizeof(*o));

	if (!o)
		abort();
	o->refs = 1;
	o->kind = k;
	return o;
}

obj_t *obj_ref(obj_t *o)
{
	o->refs++;
	return o;
}

void drop_udp_streams_public(obj_t *o)
{
	if (!o->ustreams)
		return;
	wasi_sockets_udp_incoming_datagram_stream_drop_own(o->uin);
	wasi_sockets_udp_outgoing_datagram_stream_drop_own(o->uout);
	o->ustreams = false;
}

void obj_unref(obj_t *o)
{
	if (!o || --o->refs > 0)
		return;
	free(o->ib.data);
	for (size_t i = 0; i < o->nconns; i++) {
		wasi_io_streams_input_stream_drop_own(o->conns[i].in);
		wasi_io_streams_output_stream_drop_own(o->conns[i].out);
		wasi_sockets_tcp_tcp_socket_drop_own(o->conns[i].sock);
	}
	free(o->conns);
	for (size_t i = 0; i < o->ndgrams; i++)
		free(o->dgrams[i].data);
	free(o->dgrams);
	if (o->has_in)
		wasi_io_streams_input_stream_drop_own(o->in);
	if (o->has_out)
		wasi_io_streams_output_stream_drop_own(o->out);
	switch (o->kind) {
	case K_TCP:
		wasi_sockets_tcp_tcp_socket_drop_own(o->tcp);
		break;
	case K_UDP:
		drop_udp_streams_public(o);
		wasi_sockets_udp_udp_socket_drop_own(o->udp);
		break;
	case K_FILE:
	case K_DIR:
		if (!o->borrowed)
			wasi_filesystem_types_descriptor_drop_own(o->desc);
		break;
	default:
		break;
	}
	free(o);
}

int64_t handle_add(obj_t *o)
{
	for (uint32_t h = 0; h < MAX_HANDLES; h++) {
		if (!handles[h]) {
			handles[h] = o;
			return h;
		}
	}
	return ERR(EC(TOO_MANY_HANDLES));
}

obj_t *handle_get(uint32_t h)
{
	return h < MAX_HANDLES ? handles[h] : NULL;
}

/* ---- per-object queues: one reader and one writer at a time, in submission order ---- */

void opq_push(struct opq *q, op_t *op)
{
	op->qnext = NULL;
	op->queue = q;
	if (q->tail)
		q->tail->qnext = op;
	else
		q->head = op;
	q->tail = op;
}

bool opq_is_head(op_t *op)
{
	return !op->queue || op->queue->head == op;
}

void opq_remove(op_t *op)
{
	struct opq *q = op->queue;
	op_t **p;
	op_t *prev = NULL;

	if (!q)
		return;
	for (p = &q->head; *p; prev = *p, p = &(*p)->qnext) {
		if (*p == op) {
			*p = op->qnext;
			if (q->tail == op)
				q->tail = prev;
			break;
		}
	}
	op->queue = NULL;
	op->qnext = NULL;
	/* The next in line may go now. */
	if (q->head && q->head->state == OP_RUNNING && q->head->npolls == 0)
		op_step(q->head);
}

void obj_wake_queue(struct opq *q)
{
	if (q->head && q->head->state == OP_RUNNING)
		op_step(q->head);
}

/* Drop the pollables of every operation on @o (before its streams are replaced). */
void obj_drop_polls(obj_t *o)
{
	for (op_t *op = live_ops; op; op = op->next_live)
		if (op->obj == o)
			op_clear_polls(op);
}

/* ---- errors ---- */

int64_t fs_err(wasi_filesystem_types_error_code_t e)
{
	static const uint8_t map[] = {
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_ACCESS] = EC(ACCESS),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_WOULD_BLOCK] = EC(AGAIN),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_ALREADY] = EC(ALREADY),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_BAD_DESCRIPTOR] = EC(BAD_DESCRIPTOR),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_BUSY] = EC(BUSY),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_DEADLOCK] = EC(UNKNOWN),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_QUOTA] = EC(NO_SPACE),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_EXIST] = EC(EXISTS),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_FILE_TOO_LARGE] = EC(FILE_TOO_LARGE),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_ILLEGAL_BYTE_SEQUENCE] = EC(INVALID),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_IN_PROGRESS] = EC(IN_PROGRESS),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_INTERRUPTED] = EC(INTERRUPTED),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_INVALID] = EC(INVALID),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_IO] = EC(IO),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_IS_DIRECTORY] = EC(IS_DIRECTORY),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_LOOP] = EC(LOOP),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_TOO_MANY_LINKS] = EC(UNKNOWN),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_MESSAGE_SIZE] = EC(MESSAGE_SIZE),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_NAME_TOO_LONG] = EC(NAME_TOO_LONG),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_NO_DEVICE] = EC(NO_DEVICE),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_NO_ENTRY] = EC(NO_ENTRY),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_NO_LOCK] = EC(UNKNOWN),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_INSUFFICIENT_MEMORY] = EC(NO_MEMORY),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_INSUFFICIENT_SPACE] = EC(NO_SPACE),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_NOT_DIRECTORY] = EC(NOT_DIRECTORY),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_NOT_EMPTY] = EC(NOT_EMPTY),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_NOT_RECOVERABLE] = EC(UNKNOWN),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_UNSUPPORTED] = EC(NOT_SUPPORTED),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_NO_TTY] = EC(NOT_A_TTY),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_NO_SUCH_DEVICE] = EC(NO_SUCH_DEVICE_OR_ADDRESS),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_OVERFLOW] = EC(INVALID),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_NOT_PERMITTED] = EC(NOT_PERMITTED),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_PIPE] = EC(PIPE),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_READ_ONLY] = EC(READ_ONLY),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_INVALID_SEEK] = EC(INVALID),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_TEXT_FILE_BUSY] = EC(BUSY),
		[WASI_FILESYSTEM_TYPES_ERROR_CODE_CROSS_DEVICE] = EC(CROSS_DEVICE),
	};
	return ERR(e < sizeof(map) ? map[e] : EC(UNKNOWN));
}

int64_t net_err(wasi_sockets_network_error_code_t e)
{
	static const uint8_t map[] = {
		[WASI_SOCKETS_NETWORK_ERROR_CODE_UNKNOWN] = EC(UNKNOWN),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_ACCESS_DENIED] = EC(ACCESS),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_NOT_SUPPORTED] = EC(NOT_SUPPORTED),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_INVALID_ARGUMENT] = EC(INVALID),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_OUT_OF_MEMORY] = EC(NO_MEMORY),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_TIMEOUT] = EC(TIMED_OUT),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_CONCURRENCY_CONFLICT] = EC(ALREADY),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_NOT_IN_PROGRESS] = EC(INVALID),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_WOULD_BLOCK] = EC(AGAIN),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_INVALID_STATE] = EC(INVALID),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_NEW_SOCKET_LIMIT] = EC(TOO_MANY_HANDLES),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_ADDRESS_NOT_BINDABLE] = EC(ADDRESS_NOT_AVAILABLE),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_ADDRESS_IN_USE] = EC(ADDRESS_IN_USE),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_REMOTE_UNREACHABLE] = EC(HOST_UNREACHABLE),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_CONNECTION_REFUSED] = EC(CONNECTION_REFUSED),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_CONNECTION_RESET] = EC(CONNECTION_RESET),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_CONNECTION_ABORTED] = EC(CONNECTION_ABORTED),
		[WASI_SOCKETS_NETWORK_ERROR_CODE_DATAGRAM_TOO_LARGE] = EC(MESSAGE_SIZE),
	};
	return ERR(e < sizeof(map) ? map[e] : EC(UNKNOWN));
}

/* errno values (Linux, and what Node names them) as the ring's codes. */
static const struct {
	int no;
	const char *name;
	const char *text;
	uint8_t code;
} errnos[] = {
	{ 104, "ECONNRESET", "reset", EC(CONNECTION_RESET) },
	{ 32, "EPIPE", "broken pipe", EC(PIPE) },
	{ 103, "ECONNABORTED", "aborted", EC(CONNECTION_ABORTED) },
	{ 110, "ETIMEDOUT", "timed out", EC(TIMED_OUT) },
	{ 111, "ECONNREFUSED", "refused", EC(CONNECTION_REFUSED) },
	{ 113, "EHOSTUNREACH", "host unreachable", EC(HOST_UNREACHABLE) },
	{ 101, "ENETUNREACH", "network unreachable", EC(NETWORK_UNREACHABLE) },
	{ 107, "ENOTCONN", "not connected", EC(NOT_CONNECTED) },
	{ 5, "EIO", "input/output error", EC(IO) },
};

/*
 * A stream's failure. WASI 0.2.0 gives only a debug string for a stream's error (no
 * network-error-code yet): wasmtime's reads "... (os error 104)", Node's carries the errno's
 * name. Anything else is a reset for a read and a broken pipe for a write.
 */
int64_t stream_err(wasi_io_streams_stream_error_t *e, bool writing)
{
	adapter_string_t s;
	int64_t res = ERR(writing ? EC(PIPE) : EC(CONNECTION_RESET));

	if (e->tag == WASI_IO_STREAMS_STREAM_ERROR_CLOSED)
		return writing ? ERR(EC(PIPE)) : 0;
	wasi_io_error_method_error_to_debug_string(wasi_io_error_borrow_error(e->val.last_operation_failed), &s);
	{
		char buf[256];
		size_t n = s.len < sizeof(buf) - 1 ? s.len : sizeof(buf) - 1;
		const char *os;

		memcpy(buf, s.ptr, n);
		buf[n] = 0;
		os = strstr(buf, "os error ");
		if (os) {
			int no = atoi(os + 9);

			for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
				if (errnos[i].no == no)
					res = ERR(errnos[i].code);
		} else {
			for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
				if (strstr(buf, errnos[i].name)) {
					res = ERR(errnos[i].code);
					break;
				}
		}
	}
	adapter_string_free(&s);
	wasi_io_error_error_drop_own(e->val.last_operation_failed);
	return res;
}

/* ---- operations in flight ---- */

static void live_add(op_t *op)
{
	op->prev_live = NULL;
	op->next_live = live_ops;
	if (live_ops)
		live_ops->prev_live = op;
	live_ops = op;
	op->in_live = true;
}

static void live_remove(op_t *op)
{
	if (!op->in_live)
		return;
	if (op->prev_live)
		op->prev_live->next_live = op->next_live;
	else
		live_ops = op->next_live;
	if (op->next_live)
		op->next_live->prev_live = op->prev_live;
	op->in_live = false;
}

void op_wait(op_t *op, pollable_t p)
{
	if (op->npolls >= 2) {
		wasi_io_poll_pollable_drop_own(p);
		return;
	}
	op->polls[op->npolls++] = p;
}

void op_clear_polls(op_t *op)
{
	for (int i = 0; i < op->npolls; i++)
		wasi_io_poll_pollable_drop_own(op->polls[i]);
	op->npolls = 0;
}

static void count_timers_remove(ring_t *r, op_t *op)
{
	for (size_t i = 0; i < r->ncount_timers; i++) {
		if (r->count_timers[i] == op) {
			r->count_timers[i] = r->count_timers[--r->ncount_timers];
			return;
		}
	}
}

static void post(ring_t *r, uint32_t ud, int64_t res, bool more, uint8_t *data, size_t len, detail_t *detail)
{
	cqe_t *c;

	if (r->nready == r->capready) {
		size_t cap = r->capready ? r->capready * 2 : 16;
		cqe_t *n = realloc(r->ready, cap * sizeof(*n));

		if (!n)
			abort();
		r->ready = n;
		r->capready = cap;
	}
	c = &r->ready[r->nready++];
	memset(c, 0, sizeof(*c));
	c->user_data = ud;
	if (IS_ERR(res)) {
		c->res.is_err = true;
		c->res.val.err = ERR_CODE(res);
	} else {
		c->res.val.ok = (uint32_t)res;
	}
	c->more = more;
	/* Callers pass NULL, or an allocation of their own, for no bytes. */
	c->data.ptr = len ? data : NULL;
	c->data.len = len;
	if (!len)
		free(data);
	if (detail)
		c->detail = *detail;
	else
		c->detail.tag = EXPORTS_IORING_RING_TYPES_CQE_DETAIL_NONE;
	/* A timeout with a count completes once that many other completions are posted. */
	if (r->ncount_timers) {
		size_t n = r->ncount_timers;
		op_t **snap = malloc(n * sizeof(*snap));

		if (!snap)
			abort();
		memcpy(snap, r->count_timers, n * sizeof(*snap));
		for (size_t i = 0; i < n; i++) {
			op_t *t = snap[i];

			if (t->state == OP_RUNNING && t->count_left > 0 && --t->count_left == 0)
				op_done(t, 0, NULL, 0, NULL);
		}
		free(snap);
	}
}

/* A short read or write (of a file) ends a `link` chain, as in io_uring. */
static bool is_short(op_t *op, int64_t res)
{
	const sqe_t *s = &op->sqe;

	switch (s->op.tag) {
	case OPC(READ):
		return (uint64_t)res < s->op.val.read.len;
	case OPC(READ_FIXED):
	case OPC(WRITE_FIXED):
		return (uint64_t)res < s->op.val.read_fixed.len;
	case OPC(WRITE):
		return (uint64_t)res < s->op.val.write.data.len;
	default:
		return false;
	}
}

static void chain_step(chain_t *c);

static void chain_after(op_t *op, bool ok)
{
	chain_t *c = op->chain;
	uint8_t f = op->sqe.flags;

	if (!ok) {
		if (op->bound ? !(f & EXPORTS_IORING_RING_TYPES_SQE_FLAGS_HARD_LINK)
			      : (f & EXPORTS_IORING_RING_TYPES_SQE_FLAGS_LINK))
			c->broken = true;
	}
	if (!c->stepping)
		chain_step(c);
}

void op_more(op_t *op, int64_t res, uint8_t *data, size_t len, detail_t *detail)
{
	post(op->ring, op->sqe.user_data, res, true, data, len, detail);
}

void op_done(op_t *op, int64_t res, uint8_t *data, size_t len, detail_t *detail)
{
	bool ok;

	if (op->state == OP_DONE) {
		free(data);
		return;
	}
	if (op->timed_out && res == ERR(EC(CANCELED)))
		res = ERR(EC(TIMED_OUT));
	op->state = OP_DONE;
	op_cleanup(op);
	op_clear_polls(op);
	opq_remove(op);
	live_remove(op);
	if (op->sqe.op.tag == OPC(TIMEOUT))
		count_timers_remove(op->ring, op);
	obj_unref(op->obj);
	op->obj = NULL;
	ok = !IS_ERR(res) && !is_short(op, res);
	post(op->ring, op->sqe.user_data, res, false, data, len, detail);
	if (op->bound) {
		op->bound->state = OP_DONE;
		post(op->ring, op->bound->sqe.user_data, ERR(op->timed_out ? EC(TIMED_OUT) : EC(CANCELED)), false,
		     NULL, 0, NULL);
	}
	chain_after(op, ok);
}

/* An entry that never started: its one CQE. */
static void op_post_final(op_t *op, int64_t res)
{
	op->state = OP_DONE;
	post(op->ring, op->sqe.user_data, res, false, NULL, 0, NULL);
}

/* ---- chains ---- */

static void ring_release(ring_t *r);

static void chain_finish(chain_t *c)
{
	ring_t *r = c->ring;

	c->done = true;
	if (c->prev)
		c->prev->next = c->next;
	else
		r->chains = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		r->chains_tail = c->prev;
	c->next = dead_chains;
	c->prev = NULL;
	dead_chains = c;
	ring_release(r);
}

static void chain_step(chain_t *c)
{
	c->stepping = true;
	while (c->cur < c->n) {
		op_t *op = c->ops[c->cur];

		if (op->state == OP_DONE) {
			c->cur += op->bound ? 2 : 1;
			continue;
		}
		if (op->state == OP_RUNNING)
			break;
		/* A dropped ring, or a failed `link` before it: this entry never starts. */
		if (c->broken || c->ring->dropping) {
			op_post_final(op, ERR(EC(CANCELED)));
			continue;
		}
		/* A link-timeout with no linked entry before it to bound. */
		if (op->sqe.op.tag == OPC(LINK_TIMEOUT)) {
			op_post_final(op, ERR(EC(INVALID)));
			continue;
		}
		if (c->cur + 1 < c->n && c->ops[c->cur + 1]->sqe.op.tag == OPC(LINK_TIMEOUT)) {
			op_t *b = c->ops[c->cur + 1];
			uint64_t d = b->sqe.op.val.link_timeout;

			op->bound = b;
			b->state = OP_RUNNING;
			op->deadline = now_ns() + (d ? d : 1);
			if (op->deadline < d)
				op->deadline = UINT64_MAX;
		}
		op->state = OP_RUNNING;
		live_add(op);
		op_start(op);
	}
	c->stepping = false;
	if (c->cur >= c->n && !c->done)
		chain_finish(c);
}

/* Start what may start: a drain chain once every chain before it is done, other chains once no
 * drain chain before them is pending, a lone cancel at once. */
static void ring_release(ring_t *r)
{
	if (r->releasing) {
		r->release_again = true;
		return;
	}
	r->releasing = true;
	do {
		bool pending_before = false, drain_pending = false;

		r->release_again = false;
		for (chain_t *c = r->chains; c; c = c->next) {
			if (c->held) {
				bool can = c->lone_cancel || (c->drain ? !pending_before : !drain_pending);

				if (can) {
					c->held = false;
					chain_step(c);
					if (r->release_again)
						break;
				}
			}
			if (!c->done) {
				pending_before = true;
				if (c->drain)
					drain_pending = true;
			}
		}
	} while (r->release_again);
	r->releasing = false;
}

/* Cancel a chain still held behind a drain: every entry completes with `canceled`. */
static void chain_cancel_held(chain_t *c)
{
	c->held = false;
	for (int i = c->cur; i < c->n; i++)
		if (c->ops[i]->state != OP_DONE)
			op_post_final(c->ops[i], ERR(EC(CANCELED)));
	c->cur = c->n;
	chain_finish(c);
}

int64_t cancel_in_ring(ring_t *r, uint32_t target, bool all, op_t *self)
{
	int64_t n = 0;
	bool again = true;

	/* Oldest first; after each cancel the list may have changed: look again from the start. */
	while (again) {
		again = false;
		for (chain_t *c = r->chains; c; c = c->next) {
			for (int i = c->cur; i < c->n; i++) {
				op_t *op = c->ops[i];

				if (op == self || op->sqe.user_data != target || op->state == OP_DONE)
					continue;
				if (c->held) {
					chain_cancel_held(c);
				} else if (op->state == OP_RUNNING && op->sqe.op.tag != OPC(LINK_TIMEOUT)) {
					op_done(op, ERR(EC(CANCELED)), NULL, 0, NULL);
				} else {
					continue; /* not started yet, or a link-timeout: out of reach */
				}
				n++;
				if (!all)
					return n;
				again = true;
				break;
			}
			if (again)
				break;
		}
	}
	return n ? n : ERR(EC(NO_ENTRY));
}

/* ---- what entries and completions own ---- */

/*
 * wit-bindgen 0.63's free of an exported record passes over its list<u8> fields: the bytes of
 * a write, send or sendmsg, of SPI segments and I2C messages, and a CQE's data are freed here
 * and emptied, so that a free that did take them would find nothing. An empty list's pointer
 * is no allocation (cabi_realloc's answer for 0 bytes).
 */
static void bytes_release(adapter_list_u8_t *b)
{
	if (b->len)
		free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
}

static void sqe_release(sqe_t *s)
{
	exports_ioring_ring_types_op_t *op = &s->op;

	switch (op->tag) {
	case OPC(WRITE):
		bytes_release(&op->val.write.data);
		break;
	case OPC(SEND):
		bytes_release(&op->val.send.data);
		break;
	case OPC(SENDMSG):
		bytes_release(&op->val.sendmsg.data);
		break;
	case OPC(SPI_TRANSFER):
		for (size_t i = 0; i < op->val.spi_transfer.segments.len; i++)
			bytes_release(&op->val.spi_transfer.segments.ptr[i].tx);
		break;
	case OPC(I2C_TRANSFER):
		for (size_t i = 0; i < op->val.i2c_transfer.messages.len; i++)
			bytes_release(&op->val.i2c_transfer.messages.ptr[i].write);
		break;
	default:
		break;
	}
	exports_ioring_ring_types_sqe_free(s);
}

static void cqe_release(cqe_t *c)
{
	bytes_release(&c->data);
	exports_ioring_ring_types_cqe_free(c);
}

static void reap_dead(void)
{
	while (dead_chains) {
		chain_t *c = dead_chains;

		dead_chains = c->next;
		for (int i = 0; i < c->n; i++) {
			sqe_release(&c->ops[i]->sqe);
			free(c->ops[i]);
		}
		free(c);
	}
}

/* ---- waiting ---- */

/* Fire every deadline that has passed: timeouts expire, linked timeouts cancel what they bound. */
static void fire_timers(void)
{
	uint64_t t = now_ns();
	size_t n = 0, cap = 0;
	op_t **due = NULL;

	for (op_t *op = live_ops; op; op = op->next_live) {
		if (op->deadline && op->deadline <= t) {
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				due = realloc(due, cap * sizeof(*due));
				if (!due)
					abort();
			}
			due[n++] = op;
		}
	}
	for (size_t i = 0; i < n; i++) {
		op_t *op = due[i];

		if (op->state != OP_RUNNING)
			continue;
		if (op->sqe.op.tag == OPC(TIMEOUT)) {
			op_done(op, ERR(EC(TIMED_OUT)), NULL, 0, NULL);
		} else {
			op->timed_out = true;
			op_done(op, ERR(EC(CANCELED)), NULL, 0, NULL);
		}
	}
	free(due);
}

/* Step the operations that look at readiness on every turn (multishot polls). */
static void turn_every(void)
{
	size_t n = 0;
	op_t **list;

	for (op_t *op = live_ops; op; op = op->next_live)
		if (op->every_turn)
			n++;
	if (!n)
		return;
	list = malloc(n * sizeof(*list));
	if (!list)
		abort();
	n = 0;
	for (op_t *op = live_ops; op; op = op->next_live)
		if (op->every_turn)
			list[n++] = op;
	for (size_t i = 0; i < n; i++)
		if (list[i]->state == OP_RUNNING)
			op_step(list[i]);
	free(list);
}

/*
 * Block until some operation's pollable is ready or the earliest deadline (or @until) passes,
 * then step what became ready. False when nothing could ever wake it.
 */
static bool wait_once(uint64_t until)
{
	size_t n = 0;
	uint64_t earliest = until;
	wasi_io_poll_borrow_pollable_t *list;
	op_t **owner;
	adapter_list_u32_t ready;
	wasi_io_poll_list_borrow_pollable_t in;
	pollable_t timer;
	bool has_timer = false;
	bool every = false;

	for (op_t *op = live_ops; op; op = op->next_live) {
		n += (size_t)op->npolls;
		if (op->deadline && op->deadline < earliest)
			earliest = op->deadline;
		every |= op->every_turn;
	}
	/* Something that looks every turn waits a little, not forever, when nothing else wakes. */
	if (every && n == 0 && earliest == UINT64_MAX)
		earliest = now_ns() + 10000000;
	if (n == 0 && earliest == UINT64_MAX)
		return false;
	list = malloc((n + 1) * sizeof(*list));
	owner = malloc((n + 1) * sizeof(*owner));
	if (!list || !owner)
		abort();
	n = 0;
	for (op_t *op = live_ops; op; op = op->next_live) {
		for (int i = 0; i < op->npolls; i++) {
			list[n] = wasi_io_poll_borrow_pollable(op->polls[i]);
			owner[n++] = op;
		}
	}
	if (earliest != UINT64_MAX) {
		timer = wasi_clocks_monotonic_clock_subscribe_instant(earliest);
		list[n] = wasi_io_poll_borrow_pollable(timer);
		owner[n++] = NULL;
		has_timer = true;
	}
	in.ptr = list;
	in.len = n;
	wasi_io_poll_poll(&in, &ready);
	/* Step each operation woken, once, in the order polled. */
	for (size_t i = 0; i < ready.len; i++) {
		op_t *op = owner[ready.ptr[i]];

		if (!op)
			continue;
		for (size_t j = i + 1; j < ready.len; j++)
			if (owner[ready.ptr[j]] == op)
				owner[ready.ptr[j]] = NULL;
	}
	for (size_t i = 0; i < ready.len; i++) {
		op_t *op = owner[ready.ptr[i]];

		if (op && op->state == OP_RUNNING)
			op_step(op);
	}
	if (has_timer)
		wasi_io_poll_pollable_drop_own(timer);
	if (ready.len)
		free(ready.ptr);
	free(list);
	free(owner);
	return true;
}

/* ---- the ring resource ---- */

bool exports_ioring_ring_ring_static_ring_create(uint32_t entries, exports_ioring_ring_ring_own_ring_t *ret,
						  exports_ioring_ring_ring_error_code_t *err)
{
	ring_t *r;

	adapter_init();
	if (entries > 32768) {
		*err = EC(INVALID);
		return false;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		*err = EC(NO_MEMORY);
		return false;
	}
	*ret = exports_ioring_ring_ring_ring_new(r);
	return true;
}

static chain_t *chain_new(ring_t *r, sqe_t *sqes, int n)
{
	chain_t *c = calloc(1, sizeof(*c) + (size_t)n * sizeof(op_t *));

	if (!c)
		abort();
	c->ring = r;
	c->n = n;
	for (int i = 0; i < n; i++) {
		op_t *op = calloc(1, sizeof(*op));

		if (!op)
			abort();
		op->ring = r;
		op->chain = c;
		op->sqe = sqes[i]; /* takes ownership of what the entry points at */
		c->ops[i] = op;
	}
	c->drain = (sqes[0].flags & EXPORTS_IORING_RING_TYPES_SQE_FLAGS_DRAIN) != 0;
	c->lone_cancel = n == 1 && sqes[0].op.tag == OPC(CANCEL);
	return c;
}

/*
 * Queue @n entries, whole link chains in order, until the ring's in-flight limit: `submit` and
 * `enter`. The ring takes what the queued entries own; the rest are freed here. Returns the
 * number queued.
 */
static uint32_t ring_submit(ring_t *r, sqe_t *sqes, size_t n)
{
	size_t taken = 0;

	while (taken < n && !r->dropping) {
		size_t end = taken + 1, len;
		bool lone;

		while (end < n && (sqes[end - 1].flags & (EXPORTS_IORING_RING_TYPES_SQE_FLAGS_LINK |
							  EXPORTS_IORING_RING_TYPES_SQE_FLAGS_HARD_LINK)))
			end++;
		len = end - taken;
		lone = len == 1 && sqes[taken].op.tag == OPC(CANCEL);
		if (len <= MAX_INFLIGHT &&
		    r->outstanding + len > (size_t)MAX_INFLIGHT + (lone ? CANCEL_RESERVE : 0))
			break;
		{
			chain_t *c = chain_new(r, &sqes[taken], (int)len);

			c->held = true;
			c->prev = r->chains_tail;
			if (r->chains_tail)
				r->chains_tail->next = c;
			else
				r->chains = c;
			r->chains_tail = c;
			if (len > MAX_INFLIGHT) {
				/* It can never fit: every entry fails. */
				c->held = false;
				c->stepping = true;
				for (size_t i = 0; i < len; i++)
					op_post_final(c->ops[i], ERR(EC(INVALID)));
				c->cur = c->n;
				c->stepping = false;
				chain_finish(c);
			}
		}
		r->outstanding += (uint32_t)len;
		taken = end;
	}
	for (size_t i = taken; i < n; i++)
		sqe_release(&sqes[i]);
	ring_release(r);
	return (uint32_t)taken;
}

/*
 * Wait as `complete` says, then move up to @max of the ring's CQEs into *@out (NULL when
 * none): `complete` and `enter`. Returns how many.
 */
static size_t ring_complete(ring_t *r, uint32_t min, uint32_t max, const uint64_t *maybe_timeout_ns, cqe_t **out)
{
	uint64_t until = UINT64_MAX;
	size_t take, finals = 0;

	if (maybe_timeout_ns) {
		uint64_t t = now_ns();

		until = t + *maybe_timeout_ns;
		if (until < t)
			until = UINT64_MAX;
	}
	for (;;) {
		uint32_t want;

		fire_timers();
		turn_every();
		want = min < r->outstanding ? min : r->outstanding;
		if (r->nready >= want)
			break;
		if (maybe_timeout_ns && (*maybe_timeout_ns == 0 || now_ns() >= until))
			break;
		if (!wait_once(until))
			break;
	}
	take = r->nready < max ? r->nready : max;
	*out = NULL;
	if (take) {
		*out = malloc(take * sizeof(cqe_t));
		if (!*out)
			abort();
		memcpy(*out, r->ready, take * sizeof(cqe_t));
		memmove(r->ready, r->ready + take, (r->nready - take) * sizeof(cqe_t));
		r->nready -= take;
		for (size_t i = 0; i < take; i++)
			if (!(*out)[i].more)
				finals++;
		r->outstanding -= (uint32_t)finals;
	}
	return take;
}

uint32_t exports_ioring_ring_ring_method_ring_submit(exports_ioring_ring_ring_borrow_ring_t self,
						     exports_ioring_ring_ring_list_sqe_t *sqes)
{
	uint32_t taken;

	adapter_init();
	taken = ring_submit(self, sqes->ptr, sqes->len);
	free(sqes->ptr);
	reap_dead();
	return taken;
}

void exports_ioring_ring_ring_method_ring_complete(exports_ioring_ring_ring_borrow_ring_t self, uint32_t min,
						   uint32_t max, uint64_t *maybe_timeout_ns,
						   exports_ioring_ring_ring_list_cqe_t *ret)
{
	adapter_init();
	ret->len = ring_complete(self, min, max, maybe_timeout_ns, &ret->ptr);
	reap_dead();
}

/* `submit` of the packed entries, then (unless @max is 0) `complete`, its CQEs packed. */
void exports_ioring_ring_ring_method_ring_enter(exports_ioring_ring_ring_borrow_ring_t self, adapter_list_u8_t *sqes,
						uint32_t min, uint32_t max, uint64_t *maybe_timeout_ns,
						adapter_list_u8_t *ret)
{
	sqe_t *entries;
	cqe_t *cqes = NULL;
	size_t n, ncqes = 0;
	uint32_t queued;

	adapter_init();
	n = packed_sqes_decode(sqes->ptr, sqes->len, &entries);
	adapter_list_u8_free(sqes);
	queued = ring_submit(self, entries, n);
	free(entries);
	if (max)
		ncqes = ring_complete(self, min, max, maybe_timeout_ns, &cqes);
	packed_cqes_encode(queued, cqes, ncqes, ret);
	for (size_t i = 0; i < ncqes; i++)
		cqe_release(&cqes[i]);
	free(cqes);
	reap_dead();
}

bool exports_ioring_ring_ring_method_ring_register_buffers(exports_ioring_ring_ring_borrow_ring_t self,
							    uint32_t count, uint32_t size,
							    exports_ioring_ring_ring_error_code_t *err)
{
	ring_t *r = self;
	uint8_t **bufs = NULL;

	if (r->fixed_inflight > 0) {
		*err = EC(BUSY);
		return false;
	}
	if ((uint64_t)count * size > (256u << 20)) {
		*err = EC(NO_MEMORY);
		return false;
	}
	if (count) {
		bufs = calloc(count, sizeof(*bufs));
		if (!bufs) {
			*err = EC(NO_MEMORY);
			return false;
		}
		for (uint32_t i = 0; i < count; i++) {
			bufs[i] = calloc(size ? size : 1, 1);
			if (!bufs[i]) {
				while (i--)
					free(bufs[i]);
				free(bufs);
				*err = EC(NO_MEMORY);
				return false;
			}
		}
	}
	for (uint32_t i = 0; i < r->nfixed; i++)
		free(r->fixed[i]);
	free(r->fixed);
	r->fixed = bufs;
	r->nfixed = count;
	r->fixed_size = size;
	return true;
}

bool exports_ioring_ring_ring_method_ring_buffer_read(exports_ioring_ring_ring_borrow_ring_t self, uint32_t buffer,
						      uint32_t offset, uint32_t len, adapter_list_u8_t *ret,
						      exports_ioring_ring_ring_error_code_t *err)
{
	ring_t *r = self;

	if (buffer >= r->nfixed || (uint64_t)offset + len > r->fixed_size) {
		*err = EC(INVALID);
		return false;
	}
	ret->len = len;
	ret->ptr = malloc(len ? len : 1);
	if (!ret->ptr)
		abort();
	memcpy(ret->ptr, r->fixed[buffer] + offset, len);
	return true;
}

bool exports_ioring_ring_ring_method_ring_buffer_write(exports_ioring_ring_ring_borrow_ring_t self, uint32_t buffer,
						       uint32_t offset, adapter_list_u8_t *data,
						       exports_ioring_ring_ring_error_code_t *err)
{
	ring_t *r = self;
	bool ok = buffer < r->nfixed && (uint64_t)offset + data->len <= r->fixed_size;

	if (ok)
		memcpy(r->fixed[buffer] + offset, data->ptr, data->len);
	else
		*err = EC(INVALID);
	adapter_list_u8_free(data);
	return ok;
}

/* Dropping a ring cancels what it has in flight and forgets its completions. */
void exports_ioring_ring_ring_ring_destructor(exports_ioring_ring_ring_ring_t *rep)
{
	ring_t *r = rep;

	r->dropping = true;
	while (r->chains) {
		chain_t *c = r->chains;

		if (c->held) {
			chain_cancel_held(c);
			continue;
		}
		for (int i = c->cur; i < c->n && !c->done; i++)
			if (c->ops[i]->state == OP_RUNNING && c->ops[i]->sqe.op.tag != OPC(LINK_TIMEOUT))
				op_done(c->ops[i], ERR(EC(CANCELED)), NULL, 0, NULL);
		if (!c->done)
			chain_step(c);
	}
	for (size_t i = 0; i < r->nready; i++)
		cqe_release(&r->ready[i]);
	free(r->ready);
	for (uint32_t i = 0; i < r->nfixed; i++)
		free(r->fixed[i]);
	free(r->fixed);
	free(r->count_timers);
	reap_dead();
	free(r);
}

/* Used by ops.c: a timeout with a count joins its ring's list. */
void ring_add_count_timer(ring_t *r, op_t *op)
{
	if (r->ncount_timers == r->capcount_timers) {
		size_t cap = r->capcount_timers ? r->capcount_timers * 2 : 4;
		op_t **n = realloc(r->count_timers, cap * sizeof(*n));

		if (!n)
			abort();
		r->count_timers = n;
		r->capcount_timers = cap;
	}
	r->count_timers[r->ncount_timers++] = op;
}
