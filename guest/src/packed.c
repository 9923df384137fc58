/*
 * packed.c - SQEs and CQEs in the packed form of ring.enter (laid out in wit/ring.wit).
 *
 * The record form costs the host a field-by-field lift of every SQE and a cabi_realloc call
 * into the guest for every CQE's data list; the packed form is one byte list each way.
 */
#include <stdlib.h>
#include <string.h>

#include "ioring.h"
#include "internal.h"
#include "packed.h"

/* What a guest writes; reading is in packed.h. */
static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static uint64_t offset_of(app_option_u64_t o)
{
	return o.is_some ? o.val : IOR_PACKED_NO_OFFSET;
}

/* The packing buffer, kept from round to round: one batch at a time is packed. */
static uint8_t *__ior_pk;
static size_t __ior_pk_cap;

static uint8_t *__ior_pk_room(size_t need)
{
	size_t cap = __ior_pk_cap ? __ior_pk_cap : 1024;
	uint8_t *p;

	if (need <= __ior_pk_cap)
		return __ior_pk;
	/* Doubling past half the address space would wrap to 0 on wasm32. */
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(__ior_pk, cap);
	if (!p)
		return NULL;
	__ior_pk = p;
	__ior_pk_cap = cap;
	return p;
}

void __ior_pack_release(void)
{
	free(__ior_pk);
	__ior_pk = NULL;
	__ior_pk_cap = 0;
}

/* Bytes of a socket address in the packed form (as a CQE's detail carries one). */
static size_t __ior_address_len(const ior_sockaddr_t *a)
{
	switch (a->tag) {
	case IORING_RING_TYPES_SOCKET_ADDRESS_IPV4:
		return 8;
	case IORING_RING_TYPES_SOCKET_ADDRESS_IPV6:
		return 28;
	default:
		return 4 + a->val.unix.len;
	}
}

static void __ior_pack_address(uint8_t *p, const ior_sockaddr_t *a)
{
	p[0] = a->tag;
	p[1] = 0;
	switch (a->tag) {
	case IORING_RING_TYPES_SOCKET_ADDRESS_IPV4:
		put16(p + 2, a->val.ipv4.port);
		p[4] = a->val.ipv4.address.f0;
		p[5] = a->val.ipv4.address.f1;
		p[6] = a->val.ipv4.address.f2;
		p[7] = a->val.ipv4.address.f3;
		break;
	case IORING_RING_TYPES_SOCKET_ADDRESS_IPV6: {
		const uint16_t *g = &a->val.ipv6.address.f0;

		put16(p + 2, a->val.ipv6.port);
		put32(p + 4, a->val.ipv6.flow_info);
		for (int i = 0; i < 8; i++)
			put16(p + 8 + 2 * i, g[i]);
		put32(p + 24, a->val.ipv6.scope_id);
		break;
	}
	default:
		put16(p + 2, 0);
		memcpy(p + 4, a->val.unix.ptr, a->val.unix.len);
		break;
	}
}

/*
 * The header fields an op uses (the rest stay zero); false when it has no packed form.
 * @payload and @to are what follows the header: data, then a sendmsg's destination.
 */
static bool __ior_pack_args(const ior_sqe_t *s, uint8_t *h, const app_list_u8_t **payload,
			    const ior_sockaddr_t **to)
{
	const ioring_ring_types_op_t *op = &s->op;
	uint32_t fd = 0, len = 0, x = 0, y = 0;
	uint64_t offset = 0;

	switch (op->tag) {
	case IORING_RING_TYPES_OP_NOP:
		break;
	case IORING_RING_TYPES_OP_READ:
		fd = op->val.read.fd;
		len = op->val.read.len;
		offset = offset_of(op->val.read.offset);
		break;
	case IORING_RING_TYPES_OP_WRITE:
		fd = op->val.write.fd;
		*payload = &op->val.write.data;
		len = (uint32_t)op->val.write.data.len;
		offset = offset_of(op->val.write.offset);
		break;
	case IORING_RING_TYPES_OP_READ_FIXED:
	case IORING_RING_TYPES_OP_WRITE_FIXED:
		fd = op->val.read_fixed.fd;
		len = op->val.read_fixed.len;
		offset = offset_of(op->val.read_fixed.offset);
		x = op->val.read_fixed.buffer;
		y = op->val.read_fixed.buffer_offset;
		break;
	case IORING_RING_TYPES_OP_SEND:
		fd = op->val.send.fd;
		*payload = &op->val.send.data;
		len = (uint32_t)op->val.send.data.len;
		break;
	case IORING_RING_TYPES_OP_SENDMSG:
		fd = op->val.sendmsg.fd;
		*payload = &op->val.sendmsg.data;
		len = (uint32_t)op->val.sendmsg.data.len;
		if (op->val.sendmsg.to.is_some) {
			*to = &op->val.sendmsg.to.val;
			x = (uint32_t)__ior_address_len(*to);
		}
		break;
	case IORING_RING_TYPES_OP_RECV:
	case IORING_RING_TYPES_OP_RECV_MULTISHOT:
	case IORING_RING_TYPES_OP_RECVMSG:
		fd = op->val.recv.fd;
		len = op->val.recv.len;
		break;
	case IORING_RING_TYPES_OP_ACCEPT:
	case IORING_RING_TYPES_OP_ACCEPT_MULTISHOT:
	case IORING_RING_TYPES_OP_CLOSE:
	case IORING_RING_TYPES_OP_LOCAL_ADDRESS:
	case IORING_RING_TYPES_OP_GPIO_GET:
	case IORING_RING_TYPES_OP_GPIO_EDGES:
		fd = op->val.close; /* every one of them is a lone handle */
		break;
	case IORING_RING_TYPES_OP_LISTEN:
		fd = op->val.listen.f0;
		x = op->val.listen.f1;
		break;
	case IORING_RING_TYPES_OP_SHUTDOWN:
		fd = op->val.shutdown.f0;
		x = op->val.shutdown.f1;
		break;
	case IORING_RING_TYPES_OP_FSYNC:
	case IORING_RING_TYPES_OP_GPIO_SET:
		fd = op->val.fsync.f0;
		x = op->val.fsync.f1;
		break;
	case IORING_RING_TYPES_OP_FTRUNCATE:
		fd = op->val.ftruncate.f0;
		offset = op->val.ftruncate.f1;
		break;
	case IORING_RING_TYPES_OP_TIMEOUT:
		offset = op->val.timeout.duration_ns;
		x = op->val.timeout.count;
		break;
	case IORING_RING_TYPES_OP_LINK_TIMEOUT:
		offset = op->val.link_timeout;
		break;
	case IORING_RING_TYPES_OP_CANCEL:
		x = op->val.cancel.target;
		y = op->val.cancel.all;
		break;
	case IORING_RING_TYPES_OP_POLL:
		fd = op->val.poll.fd;
		x = op->val.poll.events;
		y = op->val.poll.multishot;
		break;
	default:
		return false;
	}
	put32(h + 8, fd);
	put32(h + 12, len);
	put64(h + 16, offset);
	put32(h + 24, x);
	put32(h + 28, y);
	return true;
}

long __ior_pack_sqes(const ior_sqe_t *sqe, unsigned nr, uint8_t **out)
{
	size_t size = 0;

	for (unsigned i = 0; i < nr; i++) {
		const app_list_u8_t *payload = NULL;
		const ior_sockaddr_t *to = NULL;
		uint8_t *h = __ior_pk_room(size + IOR_PACKED_SQE_HEADER);
		size_t data, dest;

		if (!h)
			return -1;
		h += size;
		h[0] = sqe[i].op.tag;
		h[1] = sqe[i].flags;
		h[2] = h[3] = 0;
		put32(h + 4, sqe[i].user_data);
		if (!__ior_pack_args(&sqe[i], h, &payload, &to))
			return -1;
		size += IOR_PACKED_SQE_HEADER;
		data = payload ? payload->len : 0;
		dest = to ? ior_le32(h + 24) : 0; /* x, the destination's length */

		if (data || dest) {
			size_t end = ior_pad8(size + data + dest);

			if (!__ior_pk_room(end))
				return -1;
			if (data)
				memcpy(__ior_pk + size, payload->ptr, data);
			if (to)
				__ior_pack_address(__ior_pk + size + data, to);
			memset(__ior_pk + size + data + dest, 0, end - size - data - dest);
			size = end;
		}
	}
	*out = __ior_pk;
	return (long)size;
}

/* A copy of @len bytes at @p the application may free(); NULL for none. */
static void *__ior_dup(const uint8_t *p, size_t len)
{
	void *d;

	if (!len)
		return NULL;
	d = malloc(len);
	if (!d)
		abort(); /* as cabi_realloc does for the record form */
	memcpy(d, p, len);
	return d;
}

static void __ior_unpack_address(const uint8_t *p, size_t len, ior_sockaddr_t *a)
{
	memset(a, 0, sizeof(*a));
	a->tag = p[0];
	switch (a->tag) {
	case IORING_RING_TYPES_SOCKET_ADDRESS_IPV4:
		a->val.ipv4.port = ior_le16(p + 2);
		a->val.ipv4.address.f0 = p[4];
		a->val.ipv4.address.f1 = p[5];
		a->val.ipv4.address.f2 = p[6];
		a->val.ipv4.address.f3 = p[7];
		break;
	case IORING_RING_TYPES_SOCKET_ADDRESS_IPV6: {
		uint16_t *g = &a->val.ipv6.address.f0;

		a->val.ipv6.port = ior_le16(p + 2);
		a->val.ipv6.flow_info = ior_le32(p + 4);
		for (int i = 0; i < 8; i++)
			g[i] = ior_le16(p + 8 + 2 * i);
		a->val.ipv6.scope_id = ior_le32(p + 24);
		break;
	}
	default:
		a->val.unix.ptr = __ior_dup(p + 4, len - 4);
		a->val.unix.len = len - 4;
		break;
	}
}

static void __ior_unpack_detail(uint8_t tag, const uint8_t *p, size_t len, ioring_ring_types_cqe_detail_t *d)
{
	d->tag = tag;
	switch (tag) {
	case IORING_RING_TYPES_CQE_DETAIL_HANDLE:
		d->val.handle = ior_le32(p);
		break;
	case IORING_RING_TYPES_CQE_DETAIL_ACCEPTED:
		d->val.accepted.f0 = ior_le32(p);
		__ior_unpack_address(p + 4, len - 4, &d->val.accepted.f1);
		break;
	case IORING_RING_TYPES_CQE_DETAIL_PEER:
	case IORING_RING_TYPES_CQE_DETAIL_ADDRESS:
		__ior_unpack_address(p, len, &d->val.peer);
		break;
	case IORING_RING_TYPES_CQE_DETAIL_STAT:
		d->val.stat.type = p[0];
		d->val.stat.mode = ior_le32(p + 4);
		d->val.stat.links = ior_le32(p + 8);
		d->val.stat.size = ior_le64(p + 16);
		d->val.stat.modified_ns = ior_le64(p + 24);
		break;
	case IORING_RING_TYPES_CQE_DETAIL_GPIO_EDGE:
		d->val.gpio_edge.rising = p[0];
		d->val.gpio_edge.seqno = ior_le32(p + 4);
		d->val.gpio_edge.timestamp_ns = ior_le64(p + 8);
		break;
	default:
		break;
	}
}

/* The bytes a packed socket address needs (its case decides), or SIZE_MAX if @len has no case. */
static size_t __ior_address_size(const uint8_t *p, size_t len)
{
	if (len < 4)
		return SIZE_MAX;
	switch (p[0]) {
	case IORING_RING_TYPES_SOCKET_ADDRESS_IPV4:
		return 8;
	case IORING_RING_TYPES_SOCKET_ADDRESS_IPV6:
		return 28;
	default:
		return 4;
	}
}

/* Whether a detail of case @tag holds all that a reader reads of it. */
static bool __ior_detail_whole(uint8_t tag, const uint8_t *p, size_t len)
{
	switch (tag) {
	case IORING_RING_TYPES_CQE_DETAIL_HANDLE:
		return len >= 4;
	case IORING_RING_TYPES_CQE_DETAIL_ACCEPTED:
		return len >= 4 && len - 4 >= __ior_address_size(p + 4, len - 4);
	case IORING_RING_TYPES_CQE_DETAIL_PEER:
	case IORING_RING_TYPES_CQE_DETAIL_ADDRESS:
		return len >= __ior_address_size(p, len);
	case IORING_RING_TYPES_CQE_DETAIL_STAT:
		return len >= 32;
	case IORING_RING_TYPES_CQE_DETAIL_GPIO_EDGE:
		return len >= 16;
	default:
		return tag == IORING_RING_TYPES_CQE_DETAIL_NONE;
	}
}

size_t __ior_packed_cqe_size(const uint8_t *h, size_t left)
{
	size_t data, detail;

	if (left < IOR_PACKED_CQE_HEADER)
		return 0;
	data = ior_le32(h + 12);
	detail = ior_le16(h + 10);
	if (data > left - IOR_PACKED_CQE_HEADER || detail > left - IOR_PACKED_CQE_HEADER - data ||
	    !__ior_detail_whole(h[9], h + IOR_PACKED_CQE_HEADER + data, detail))
		return 0;
	return ior_pad8(IOR_PACKED_CQE_HEADER + data + detail);
}

unsigned __ior_unpack_result(const uint8_t *p, size_t len, unsigned *queued,
			     ioring_ring_ring_list_cqe_t *list)
{
	size_t at = 8, size;
	unsigned n;

	list->ptr = NULL;
	list->len = 0;
	*queued = len < 8 ? 0 : ior_le32(p);
	/* No more than the bytes can hold, whatever the count says. */
	n = len < 8 ? 0 : ior_le32(p + 4);
	if (n > (len - 8) / IOR_PACKED_CQE_HEADER)
		n = (unsigned)((len - 8) / IOR_PACKED_CQE_HEADER);
	if (!n)
		return 0;
	list->ptr = cabi_realloc(NULL, 0, _Alignof(ior_cqe_t), n * sizeof(ior_cqe_t));
	for (; list->len < n && (size = __ior_packed_cqe_size(p + at, len - at)); at += size) {
		const uint8_t *h = p + at;
		ior_cqe_t *c = &list->ptr[list->len++];
		size_t detail = ior_le16(h + 10), data = ior_le32(h + 12);

		c->user_data = ior_le32(h);
		c->res.is_err = (h[8] & IOR_PACKED_CQE_ERROR) != 0;
		if (c->res.is_err)
			c->res.val.err = (ioring_ring_types_error_code_t)ior_le32(h + 4);
		else
			c->res.val.ok = ior_le32(h + 4);
		c->more = (h[8] & IOR_PACKED_CQE_MORE) != 0;
		c->data.ptr = __ior_dup(h + IOR_PACKED_CQE_HEADER, data);
		c->data.len = data;
		__ior_unpack_detail(h[9], h + IOR_PACKED_CQE_HEADER + data, detail, &c->detail);
	}
	return (unsigned)list->len;
}
