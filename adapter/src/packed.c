/*
 * The byte form of `ring.enter` (its layout is in wit/ring.wit): packed SQEs decoded into the
 * adapter's own SQE records, which `submit` takes as they are, and the CQE records `complete`
 * gives encoded into packed CQEs. The bytes come from a guest: every length is checked against
 * what is left of the list, and nothing in them can make the adapter fail; what cannot be
 * decoded completes with `invalid`.
 */
#include "wasiring.h"

#define SQE_HEADER 32u
#define CQE_HEADER 16u
/* A header cut before the end of its user-data has none to answer to: it is no entry. */
#define USER_DATA_END 8u
/* `offset` with every bit set: no offset (the file's position). */
#define NO_OFFSET UINT64_MAX
#define SQE_FLAG_BITS                                                                          \
	(EXPORTS_IORING_RING_TYPES_SQE_FLAGS_LINK | EXPORTS_IORING_RING_TYPES_SQE_FLAGS_HARD_LINK | \
	 EXPORTS_IORING_RING_TYPES_SQE_FLAGS_DRAIN)
#define POLL_EVENT_BITS 6

/* wasm32 is little-endian, as the form is: memcpy reads and writes it unaligned. */
static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

static uint8_t *put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

/* Every entry starts at a multiple of 8 bytes from the start of its list. */
static uint64_t pad8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

/* ---- SQEs ---- */

/* The bytes after header @h: write's and send's len bytes of data, sendmsg's data and its
 * destination's x bytes (summed in 64 bits: no length wraps), none for the other ops. */
static uint64_t payload_len(const uint8_t *h)
{
	switch (h[0]) {
	case OPC(WRITE):
	case OPC(SEND):
		return get32(h + 12);
	case OPC(SENDMSG):
		return (uint64_t)get32(h + 12) + get32(h + 24);
	default:
		return 0;
	}
}

static adapter_option_u64_t position(uint64_t offset)
{
	adapter_option_u64_t o = { .is_some = offset != NO_OFFSET, .val = offset };

	return o;
}

/* A copy the entry owns: the list is the guest's and goes when `enter` returns, while the
 * operation may wait on its socket across many calls. */
static adapter_list_u8_t bytes_copy(const uint8_t *p, uint32_t len)
{
	adapter_list_u8_t b = { NULL, len };

	if (len) {
		b.ptr = malloc(len);
		if (!b.ptr)
			abort();
		memcpy(b.ptr, p, len);
	}
	return b;
}

/* Whether the @n bytes at @p are UTF-8 (no overlong form, surrogate or code point past
 * U+10FFFF): a unix path is a `string`, which the canonical ABI lifts only so. */
static bool utf8_ok(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		size_t more;
		uint8_t lo = 0x80, hi = 0xbf; /* the range of the byte after the first */

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			lo = c == 0xe0 ? 0xa0 : 0x80;
			hi = c == 0xed ? 0x9f : 0xbf;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			lo = c == 0xf0 ? 0x90 : 0x80;
			hi = c == 0xf4 ? 0x8f : 0xbf;
		} else {
			return false;
		}
		if (n - i - 1 < more || p[i + 1] < lo || p[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= more; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
		i += 1 + more;
	}
	return true;
}

/* A socket address's bytes in the form: the case's, or 4 and the unix path's. */
static size_t address_len(const saddr_t *a)
{
	switch (a->tag) {
	case SA(IPV4):
		return 4 + 4;
	case SA(IPV6):
		return 4 + 24;
	default:
		return 4 + a->val.unix.len;
	}
}

/*
 * The socket address in the @n bytes at @p (the form put_address writes) into *@a, which owns
 * a unix path's copy (freed with the entry, as a record's path is). False, with nothing
 * allocated, when the bytes are not one whole address (address_len's length for its case) or
 * its case is unknown, or the path is not UTF-8.
 */
static bool get_address(saddr_t *a, const uint8_t *p, uint32_t n)
{
	memset(a, 0, sizeof(*a));
	if (n < 4 || p[0] > SA(UNIX))
		return false;
	a->tag = p[0];
	if (a->tag == SA(UNIX))
		a->val.unix.len = n - 4; /* counted only, until the path is known good */
	if (address_len(a) != n)
		return false;
	switch (a->tag) {
	case SA(IPV4): {
		exports_ioring_ring_types_ipv4_socket_address_t *v4 = &a->val.ipv4;

		v4->port = get16(p + 2);
		v4->address.f0 = p[4];
		v4->address.f1 = p[5];
		v4->address.f2 = p[6];
		v4->address.f3 = p[7];
		return true;
	}
	case SA(IPV6): {
		exports_ioring_ring_types_ipv6_socket_address_t *v6 = &a->val.ipv6;
		uint16_t groups[8];

		v6->port = get16(p + 2);
		v6->flow_info = get32(p + 4);
		for (int i = 0; i < 8; i++)
			groups[i] = get16(p + 8 + 2 * i);
		v6->address = (adapter_tuple8_u16_u16_u16_u16_u16_u16_u16_u16_t){
			groups[0], groups[1], groups[2], groups[3], groups[4], groups[5], groups[6], groups[7]
		};
		v6->scope_id = get32(p + 24);
		return true;
	}
	default: {
		/* unix: the path to the address's end (the port is not read: 0 in the form). */
		adapter_list_u8_t path;

		if (!utf8_ok(p + 4, n - 4))
			return false;
		path = bytes_copy(p + 4, n - 4);
		a->val.unix.ptr = path.ptr;
		a->val.unix.len = path.len;
		return true;
	}
	}
}

/* A bool of the form: 0 or 1, anything else a malformed entry. */
static bool flag_of(uint32_t v, bool *out)
{
	*out = v == 1;
	return v <= 1;
}

/*
 * Fill @op from header @h and its payload @data, as `submit` would have taken the record.
 * False for a case with no packed form or a value its type cannot hold: the canonical ABI
 * would not lift such a record, and here the entry completes with `invalid`. A false leaves
 * nothing allocated: the entry is then made malformed, which owns nothing.
 */
static bool decode_op(exports_ioring_ring_types_op_t *op, const uint8_t *h, const uint8_t *data)
{
	uint32_t fd = get32(h + 8), len = get32(h + 12), x = get32(h + 24), y = get32(h + 28);
	uint64_t offset = get64(h + 16);

	op->tag = h[0];
	switch (op->tag) {
	case OPC(NOP):
		return true;
	case OPC(READ):
		op->val.read = (exports_ioring_ring_types_read_args_t){ .fd = fd, .len = len, .offset = position(offset) };
		return true;
	case OPC(WRITE):
		op->val.write = (exports_ioring_ring_types_write_args_t){ .fd = fd, .data = bytes_copy(data, len),
								   .offset = position(offset) };
		return true;
	case OPC(READ_FIXED):
	case OPC(WRITE_FIXED):
		/* One type for both cases: ops.c reads either through read_fixed. */
		op->val.read_fixed = (exports_ioring_ring_types_fixed_args_t){
			.fd = fd, .buffer = x, .buffer_offset = y, .len = len, .offset = position(offset)
		};
		return true;
	case OPC(SEND):
		op->val.send = (exports_ioring_ring_types_send_args_t){ .fd = fd, .data = bytes_copy(data, len) };
		return true;
	case OPC(SENDMSG): {
		exports_ioring_ring_types_sendmsg_args_t *m = &op->val.sendmsg;

		/* The data, then the destination's x bytes (none: a connected socket's peer). The
		 * address first: a bad one leaves no data copied. */
		*m = (exports_ioring_ring_types_sendmsg_args_t){ .fd = fd, .to.is_some = x != 0 };
		if (x && !get_address(&m->to.val, data + len, x))
			return false;
		m->data = bytes_copy(data, len);
		return true;
	}
	case OPC(RECV):
	case OPC(RECV_MULTISHOT):
	case OPC(RECVMSG):
		/* As fixed: ops.c reads all three through recv. */
		op->val.recv = (exports_ioring_ring_types_recv_args_t){ .fd = fd, .len = len };
		return true;
	case OPC(ACCEPT):
		op->val.accept = fd;
		return true;
	case OPC(ACCEPT_MULTISHOT):
		op->val.accept_multishot = fd;
		return true;
	case OPC(CLOSE):
		op->val.close = fd;
		return true;
	case OPC(LOCAL_ADDRESS):
		op->val.local_address = fd;
		return true;
	case OPC(GPIO_GET):
		op->val.gpio_get = fd;
		return true;
	case OPC(GPIO_EDGES):
		op->val.gpio_edges = fd;
		return true;
	case OPC(LISTEN):
		op->val.listen.f0 = fd;
		op->val.listen.f1 = x;
		return true;
	case OPC(SHUTDOWN):
		op->val.shutdown.f0 = fd;
		op->val.shutdown.f1 = (uint8_t)x;
		return x <= EXPORTS_IORING_RING_TYPES_SHUTDOWN_HOW_BOTH;
	case OPC(FSYNC):
		op->val.fsync.f0 = fd;
		return flag_of(x, &op->val.fsync.f1);
	case OPC(GPIO_SET):
		op->val.gpio_set.f0 = fd;
		return flag_of(x, &op->val.gpio_set.f1);
	case OPC(FTRUNCATE):
		op->val.ftruncate.f0 = fd;
		op->val.ftruncate.f1 = offset;
		return true;
	case OPC(TIMEOUT):
		op->val.timeout.duration_ns = offset;
		op->val.timeout.count = x;
		return true;
	case OPC(LINK_TIMEOUT):
		op->val.link_timeout = offset;
		return true;
	case OPC(CANCEL):
		op->val.cancel.target = x;
		return flag_of(y, &op->val.cancel.all);
	case OPC(POLL):
		op->val.poll.fd = fd;
		op->val.poll.events = (uint8_t)x;
		return x >> POLL_EVENT_BITS == 0 && flag_of(y, &op->val.poll.multishot);
	default:
		return false;
	}
}

/* An entry that completes with `invalid`. */
static void malformed(sqe_t *s, uint32_t user_data, uint8_t flags)
{
	memset(s, 0, sizeof(*s));
	s->op.tag = OP_MALFORMED;
	s->user_data = user_data;
	s->flags = flags;
}

/*
 * Decode the packed entries of @bytes into *@out (an allocation of the caller's, which owns
 * what the entries own). Returns how many. An entry whose header or payload runs past the end
 * completes with `invalid` and ends the list; a header cut before its user-data is no entry.
 */
size_t packed_sqes_decode(const uint8_t *bytes, size_t len, sqe_t **out)
{
	/* Each entry takes a whole header but the last, which may be cut short. calloc checks the
	 * product: a list of gigabytes is refused (a trap), never a short allocation. */
	size_t n = 0, cap = len / SQE_HEADER + 1;
	sqe_t *sqes = calloc(cap, sizeof(*sqes));
	uint64_t at = 0;

	if (!sqes)
		abort();
	while (at < len) {
		const uint8_t *h = bytes + at;
		uint64_t left = len - at, payload;
		uint8_t flags;

		if (left < SQE_HEADER) {
			if (left >= USER_DATA_END)
				malformed(&sqes[n++], get32(h + 4), 0);
			break;
		}
		flags = h[1] & SQE_FLAG_BITS; /* unknown bits are ignored */
		payload = payload_len(h);
		if (payload > left - SQE_HEADER) {
			malformed(&sqes[n++], get32(h + 4), flags);
			break;
		}
		sqes[n].user_data = get32(h + 4);
		sqes[n].flags = flags;
		if (!decode_op(&sqes[n].op, h, h + SQE_HEADER))
			malformed(&sqes[n], sqes[n].user_data, flags);
		n++;
		at += pad8(SQE_HEADER + payload);
	}
	*out = sqes;
	return n;
}

/* ---- CQEs ---- */

static size_t detail_len(const detail_t *d)
{
	switch (d->tag) {
	case EXPORTS_IORING_RING_TYPES_CQE_DETAIL_HANDLE:
		return 4;
	case EXPORTS_IORING_RING_TYPES_CQE_DETAIL_ACCEPTED:
		return 4 + address_len(&d->val.accepted.f1);
	case EXPORTS_IORING_RING_TYPES_CQE_DETAIL_PEER:
		return address_len(&d->val.peer);
	case EXPORTS_IORING_RING_TYPES_CQE_DETAIL_ADDRESS:
		return address_len(&d->val.address);
	case EXPORTS_IORING_RING_TYPES_CQE_DETAIL_STAT:
		return 32;
	case EXPORTS_IORING_RING_TYPES_CQE_DETAIL_GPIO_EDGE:
		return 16;
	default:
		return 0;
	}
}

static uint64_t cqe_size(const cqe_t *c)
{
	return pad8(CQE_HEADER + (uint64_t)c->data.len + detail_len(&c->detail));
}

/* u8 case, u8 zero, u16 port, then the case's own bytes. */
static uint8_t *put_address(uint8_t *p, const saddr_t *a)
{
	*p = a->tag;
	switch (a->tag) {
	case SA(IPV4): {
		const exports_ioring_ring_types_ipv4_socket_address_t *v4 = &a->val.ipv4;

		p = put16(p + 2, v4->port);
		*p++ = v4->address.f0;
		*p++ = v4->address.f1;
		*p++ = v4->address.f2;
		*p++ = v4->address.f3;
		return p;
	}
	case SA(IPV6): {
		const exports_ioring_ring_types_ipv6_socket_address_t *v6 = &a->val.ipv6;
		const uint16_t groups[8] = { v6->address.f0, v6->address.f1, v6->address.f2, v6->address.f3,
					     v6->address.f4, v6->address.f5, v6->address.f6, v6->address.f7 };

		p = put32(put16(p + 2, v6->port), v6->flow_info);
		for (int i = 0; i < 8; i++)
			p = put16(p, groups[i]);
		return put32(p, v6->scope_id);
	}
	default:
		/* unix: port 0, the path to the detail's end. */
		memcpy(p + 4, a->val.unix.ptr, a->val.unix.len);
		return p + 4 + a->val.unix.len;
	}
}

/* The detail's bytes at @p (zeroed before), as wit/ring.wit lays out each case. */
static void put_detail(uint8_t *p, const detail_t *d)
{
	switch (d->tag) {
	case EXPORTS_IORING_RING_TYPES_CQE_DETAIL_HANDLE:
		put32(p, d->val.handle);
		return;
	case EXPORTS_IORING_RING_TYPES_CQE_DETAIL_ACCEPTED:
		put_address(put32(p, d->val.accepted.f0), &d->val.accepted.f1);
		return;
	case EXPORTS_IORING_RING_TYPES_CQE_DETAIL_PEER:
		put_address(p, &d->val.peer);
		return;
	case EXPORTS_IORING_RING_TYPES_CQE_DETAIL_ADDRESS:
		put_address(p, &d->val.address);
		return;
	case EXPORTS_IORING_RING_TYPES_CQE_DETAIL_STAT: {
		const exports_ioring_ring_types_file_stat_t *st = &d->val.stat;

		*p = st->type;
		p = put32(put32(p + 4, st->mode), st->links);
		put64(put64(p + 4, st->size), st->modified_ns);
		return;
	}
	case EXPORTS_IORING_RING_TYPES_CQE_DETAIL_GPIO_EDGE:
		*p = d->val.gpio_edge.rising;
		put64(put32(p + 4, d->val.gpio_edge.seqno), d->val.gpio_edge.timestamp_ns);
		return;
	default:
		return;
	}
}

/* One packed CQE at @p (zeroed before): the header, the data, the detail. */
static void put_cqe(uint8_t *p, const cqe_t *c)
{
	uint8_t flags = (c->more ? 1 : 0) | (c->res.is_err ? 2 : 0);

	p = put32(p, c->user_data);
	p = put32(p, c->res.is_err ? c->res.val.err : c->res.val.ok);
	*p++ = flags;
	*p++ = c->detail.tag;
	p = put16(p, (uint16_t)detail_len(&c->detail));
	p = put32(p, (uint32_t)c->data.len);
	if (c->data.len)
		memcpy(p, c->data.ptr, c->data.len);
	put_detail(p + c->data.len, &c->detail);
}

/* `enter`'s result: @queued, the count, then @n CQEs packed, into a list the bindings free. */
void packed_cqes_encode(uint32_t queued, const cqe_t *cqes, size_t n, adapter_list_u8_t *out)
{
	uint64_t size = 8, at = 8;
	uint8_t *p;

	for (size_t i = 0; i < n; i++)
		size += cqe_size(&cqes[i]);
	if (size > SIZE_MAX)
		abort();
	/* Zeroed: the padding, and the zero bytes inside details. */
	p = calloc(1, (size_t)size);
	if (!p)
		abort();
	put32(put32(p, queued), (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		put_cqe(p + at, &cqes[i]);
		at += cqe_size(&cqes[i]);
	}
	out->ptr = p;
	out->len = (size_t)size;
}
