/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ior_abi_packed.c - the packed form of `ring.enter` (wit/ring.wit): SQEs decoded from a byte
 * list in guest memory into struct ior_abi_sqe, as the record decoder gives them, so that
 * the host runs both forms alike; and CQEs encoded into one byte list. Portable C: no Zephyr,
 * no WAMR. Every read is bounds-checked against the list, and the list against the memory.
 */
#include <string.h>

#include "ior_abi.h"
#include "ior_abi_priv.h"

/* Header fields of a packed SQE. */
#define SQE_OP 0u
#define SQE_FLAGS 1u
#define SQE_USER_DATA 4u
#define SQE_FD 8u
#define SQE_LEN 12u
#define SQE_OFFSET 16u
#define SQE_X 24u
#define SQE_Y 28u

/* Header fields of a packed CQE. */
#define CQE_USER_DATA 0u
#define CQE_RES 4u
#define CQE_FLAGS 8u
#define CQE_DETAIL 9u
#define CQE_DETAIL_LEN 10u
#define CQE_DATA_LEN 12u

/* A socket address: case, zero, port, then the family's part. */
#define ADDR_V4_SIZE 8u
#define ADDR_V6_SIZE 28u
#define ADDR_UNIX_HEAD 4u
#define STAT_SIZE 32u
#define GPIO_EDGE_SIZE 16u

static inline uint64_t pad8(uint64_t n)
{
	return (n + 7u) & ~(uint64_t)7u;
}

/*
 * The bytes after the header at @at: write's and send's @len of data; sendmsg's @len of data,
 * then @x of destination address. 64 bits, so that len + x cannot wrap past a list's end.
 */
static inline uint64_t payload_size(const uint8_t *m, uint32_t at, uint8_t op)
{
	switch (op) {
	case IOR_ABI_OP_WRITE:
	case IOR_ABI_OP_SEND:
		return ld32(m, at + SQE_LEN);
	case IOR_ABI_OP_SENDMSG:
		return (uint64_t)ld32(m, at + SQE_LEN) + ld32(m, at + SQE_X);
	default:
		return 0;
	}
}

/* ior_abi_packed_peek(), for the decoder too. */
static inline uint32_t peek(const uint8_t *list, uint32_t len, uint32_t at, uint8_t *op,
			    uint8_t *flags)
{
	uint64_t end;

	if (at >= len || len - at < SQE_USER_DATA + 4u)
		return 0;
	if (len - at < IOR_ABI_PK_SQE_HEADER) {
		/* A cut header: an entry only to answer its user-data with `invalid`. */
		*op = IOR_ABI_OP_COUNT;
		*flags = 0;
		return len;
	}
	*op = ld8(list, at + SQE_OP);
	*flags = ld8(list, at + SQE_FLAGS) & IOR_ABI_SQE_FLAGS_ALL;
	end = (uint64_t)at + IOR_ABI_PK_SQE_HEADER + payload_size(list, at, *op);
	/* One that runs past the end (or whose padding reaches it) is the last. */
	end = pad8(end);
	return end < len ? (uint32_t)end : len;
}

uint32_t ior_abi_packed_peek(const uint8_t *list, uint32_t len, uint32_t at, uint8_t *op,
			     uint8_t *flags)
{
	return peek(list, len, at, op, flags);
}

/* The offset field: all ones is none (the current position). */
static void offset_put(uint64_t offset, struct ior_abi_sqe *s)
{
	s->has_offset = offset != IOR_ABI_PK_NO_OFFSET;
	s->offset = s->has_offset ? offset : 0;
}

static int bool_of(uint32_t v, bool *out)
{
	if (v > 1)
		return BAD(IOR_ABI_EINVAL);
	*out = v;
	return 0;
}

/*
 * A destination address of @n bytes at @a (guest address, inside the list), in the form
 * addr_put writes for CQE details, into what the record decoder makes of a socket-address:
 * whole for its case (ipv4 8 bytes, ipv6 28, unix 4 and its path), else invalid, as an
 * unknown case is. The zero byte and a unix address's port are ignored, as the Linux host
 * ignores them.
 */
static int addr_get(const uint8_t *m, uint32_t a, uint32_t n, struct ior_abi_sockaddr *sa)
{
	if (n < ADDR_UNIX_HEAD)
		return BAD(IOR_ABI_EINVAL);
	sa->family = ld8(m, a);
	switch (sa->family) {
	case IOR_ABI_AF_INET:
		if (n != ADDR_V4_SIZE)
			return BAD(IOR_ABI_EINVAL);
		sa->port = ld16(m, a + 2);
		for (int i = 0; i < 4; i++)
			sa->v4[i] = ld8(m, a + 4 + i);
		return 0;
	case IOR_ABI_AF_INET6:
		if (n != ADDR_V6_SIZE)
			return BAD(IOR_ABI_EINVAL);
		sa->port = ld16(m, a + 2);
		sa->flow_info = ld32(m, a + 4);
		for (int i = 0; i < 8; i++)
			sa->v6[i] = ld16(m, a + 8 + 2 * i);
		sa->scope_id = ld32(m, a + 24);
		return 0;
	case IOR_ABI_AF_UNIX:
		/* The path stays in the list, as a record's stays where the guest put it. */
		sa->path.ptr = a + ADDR_UNIX_HEAD;
		sa->path.len = n - ADDR_UNIX_HEAD;
		return 0;
	default:
		return BAD(IOR_ABI_EINVAL);
	}
}

/* The op's fields from header @h (guest address, inside the list) into @s. */
static int op_decode(const uint8_t *m, uint32_t h, struct ior_abi_sqe *s)
{
	uint32_t fd = ld32(m, h + SQE_FD), len = ld32(m, h + SQE_LEN);
	uint32_t x = ld32(m, h + SQE_X), y = ld32(m, h + SQE_Y);
	uint64_t offset = ld64(m, h + SQE_OFFSET);

	switch ((enum ior_abi_op)s->op) {
	case IOR_ABI_OP_NOP:
		return 0;
	case IOR_ABI_OP_READ:
		s->fd = fd;
		s->len = len;
		offset_put(offset, s);
		return 0;
	case IOR_ABI_OP_READ_FIXED:
	case IOR_ABI_OP_WRITE_FIXED:
		s->fd = fd;
		s->len = len;
		offset_put(offset, s);
		s->buffer = x;
		s->buffer_offset = y;
		return 0;
	case IOR_ABI_OP_WRITE:
	case IOR_ABI_OP_SEND:
		/* The data after the header, found whole by ior_abi_packed_decode. */
		s->fd = fd;
		s->data.ptr = h + IOR_ABI_PK_SQE_HEADER;
		s->data.len = len;
		if (s->op == IOR_ABI_OP_WRITE)
			offset_put(offset, s);
		return 0;
	case IOR_ABI_OP_SENDMSG:
		/* The data, then @x bytes of destination (none: the connected peer's), both found
		 * whole by ior_abi_packed_decode. */
		s->fd = fd;
		s->data.ptr = h + IOR_ABI_PK_SQE_HEADER;
		s->data.len = len;
		if (!x)
			return 0;
		s->has_addr = true;
		return addr_get(m, s->data.ptr + len, x, &s->addr);
	case IOR_ABI_OP_RECV:
	case IOR_ABI_OP_RECV_MULTISHOT:
	case IOR_ABI_OP_RECVMSG:
		s->fd = fd;
		s->len = len;
		return 0;
	case IOR_ABI_OP_ACCEPT:
	case IOR_ABI_OP_ACCEPT_MULTISHOT:
	case IOR_ABI_OP_CLOSE:
	case IOR_ABI_OP_LOCAL_ADDRESS:
	case IOR_ABI_OP_GPIO_GET:
	case IOR_ABI_OP_GPIO_EDGES:
		s->fd = fd;
		return 0;
	case IOR_ABI_OP_LISTEN:
		s->fd = fd;
		s->len = x; /* the backlog, where the record decoder puts it */
		return 0;
	case IOR_ABI_OP_SHUTDOWN:
		s->fd = fd;
		s->how = (uint8_t)x;
		return x > 2 ? BAD(IOR_ABI_EINVAL) : 0;
	case IOR_ABI_OP_FSYNC:
	case IOR_ABI_OP_GPIO_SET:
		s->fd = fd;
		return bool_of(x, &s->flag);
	case IOR_ABI_OP_FTRUNCATE:
		s->fd = fd;
		s->offset = offset;
		return 0;
	case IOR_ABI_OP_TIMEOUT:
		s->ns = offset;
		s->count = x;
		return 0;
	case IOR_ABI_OP_LINK_TIMEOUT:
		s->ns = offset;
		return 0;
	case IOR_ABI_OP_CANCEL:
		s->count = x;
		return bool_of(y, &s->flag);
	case IOR_ABI_OP_POLL:
		s->fd = fd;
		s->events = (uint8_t)x;
		return x & ~0x3fu ? BAD(IOR_ABI_EINVAL) : bool_of(y, &s->flag);
	default:
		/* Its arguments hold a path, options, segments, or an address to connect or
		 * bind to: no packed form. */
		return BAD(IOR_ABI_EINVAL);
	}
}

int ior_abi_packed_decode(const uint8_t *m, uint32_t size, uint32_t ptr, uint32_t len,
			  uint32_t *at, struct ior_abi_sqe *s)
{
	uint32_t h = ptr + *at, next;
	uint8_t op, flags;
	bool cut;

	if (!ior_abi_range_ok(size, ptr, len))
		return -1;
	next = peek(m + ptr, len, *at, &op, &flags);
	if (!next)
		return -1;
	_Static_assert(sizeof(*s) % 8 == 0, "cleared in words");
	ior_abi_zero(s, sizeof(*s));
	s->op = op;
	s->flags = flags;
	s->user_data = ld32(m, h + SQE_USER_DATA);
	/* A cut header, or a payload running past the end (peek made it the list's last). */
	cut = len - *at < IOR_ABI_PK_SQE_HEADER ||
	      (uint64_t)*at + IOR_ABI_PK_SQE_HEADER + payload_size(m, h, op) > len;
	*at = next;
	return cut ? BAD(IOR_ABI_EINVAL) : op_decode(m, h, s);
}

static uint32_t addr_size(const struct ior_abi_sockaddr *sa)
{
	switch (sa->family) {
	case IOR_ABI_AF_INET:
		return ADDR_V4_SIZE;
	case IOR_ABI_AF_INET6:
		return ADDR_V6_SIZE;
	default:
		return ADDR_UNIX_HEAD + sa->path.len;
	}
}

static uint32_t detail_size(const struct ior_abi_cqe *c)
{
	switch (c->detail) {
	case IOR_ABI_DETAIL_HANDLE:
		return 4;
	case IOR_ABI_DETAIL_ACCEPTED:
		return 4 + addr_size(&c->addr);
	case IOR_ABI_DETAIL_PEER:
	case IOR_ABI_DETAIL_ADDRESS:
		return addr_size(&c->addr);
	case IOR_ABI_DETAIL_STAT:
		return STAT_SIZE;
	case IOR_ABI_DETAIL_GPIO_EDGE:
		return GPIO_EDGE_SIZE;
	default:
		return 0;
	}
}

uint32_t ior_abi_packed_cqe_size(const struct ior_abi_cqe *c)
{
	return (uint32_t)pad8((uint64_t)IOR_ABI_PK_CQE_HEADER + c->data_len + detail_size(c));
}

static void addr_put(uint8_t *m, uint32_t a, const struct ior_abi_sockaddr *sa,
		     const uint8_t *path)
{
	st8(m, a, sa->family);
	st8(m, a + 1, 0);
	switch (sa->family) {
	case IOR_ABI_AF_INET:
		st16(m, a + 2, sa->port);
		for (int i = 0; i < 4; i++)
			st8(m, a + 4 + i, sa->v4[i]);
		break;
	case IOR_ABI_AF_INET6:
		st16(m, a + 2, sa->port);
		st32(m, a + 4, sa->flow_info);
		for (int i = 0; i < 8; i++)
			st16(m, a + 8 + 2 * i, sa->v6[i]);
		st32(m, a + 24, sa->scope_id);
		break;
	default:
		st16(m, a + 2, 0);
		if (sa->path.len)
			memcpy(m + a + ADDR_UNIX_HEAD, path, sa->path.len);
		break;
	}
}

static void detail_put(uint8_t *m, uint32_t a, const struct ior_abi_cqe *c)
{
	switch (c->detail) {
	case IOR_ABI_DETAIL_HANDLE:
		st32(m, a, c->handle);
		break;
	case IOR_ABI_DETAIL_ACCEPTED:
		st32(m, a, c->handle);
		addr_put(m, a + 4, &c->addr, c->path);
		break;
	case IOR_ABI_DETAIL_PEER:
	case IOR_ABI_DETAIL_ADDRESS:
		addr_put(m, a, &c->addr, c->path);
		break;
	case IOR_ABI_DETAIL_STAT:
		st32(m, a, c->stat.type); /* the case, then 3 zero bytes */
		st32(m, a + 4, c->stat.mode);
		st32(m, a + 8, c->stat.links);
		st32(m, a + 12, 0);
		st64(m, a + 16, c->stat.size);
		st64(m, a + 24, c->stat.modified_ns);
		break;
	case IOR_ABI_DETAIL_GPIO_EDGE:
		st32(m, a, c->edge.rising);
		st32(m, a + 4, c->edge.seqno);
		st64(m, a + 8, c->edge.timestamp_ns);
		break;
	default:
		break;
	}
}

/* CQE @c at @a, its padding zero; returns its size. */
static uint32_t cqe_put(uint8_t *m, uint32_t a, const struct ior_abi_cqe *c)
{
	uint32_t detail = detail_size(c);
	uint32_t size = (uint32_t)pad8((uint64_t)IOR_ABI_PK_CQE_HEADER + c->data_len + detail);

	/* The padding is in the last word, which the header or detail may overwrite after. */
	st64(m, a + size - 8, 0);
	st32(m, a + CQE_USER_DATA, c->user_data);
	st32(m, a + CQE_RES, c->value);
	st8(m, a + CQE_FLAGS,
	    (c->more ? IOR_ABI_PK_CQE_MORE : 0) | (c->is_err ? IOR_ABI_PK_CQE_ERR : 0));
	st8(m, a + CQE_DETAIL, c->detail);
	st16(m, a + CQE_DETAIL_LEN, (uint16_t)detail);
	st32(m, a + CQE_DATA_LEN, c->data_len);
	if (c->data_len)
		memcpy(m + a + IOR_ABI_PK_CQE_HEADER, c->data, c->data_len);
	detail_put(m, a + IOR_ABI_PK_CQE_HEADER + c->data_len, c);
	return size;
}

int ior_abi_packed_result_write(const struct ior_abi_guest *g, uint32_t queued,
				const struct ior_abi_cqe *const *cqes, uint32_t n,
				uint32_t retptr)
{
	uint64_t total = IOR_ABI_PK_RESULT_HEADER;
	uint32_t size, ptr, a;
	uint8_t *m = g->mem(g->ctx, &size);

	if ((retptr & 3u) || !ior_abi_range_ok(size, retptr, 8))
		return -1;
	for (uint32_t i = 0; i < n; i++)
		total += ior_abi_packed_cqe_size(cqes[i]);
	if (total > UINT32_MAX)
		return -2;
	ptr = ior_abi_guest_alloc(g, 1, (uint32_t)total);
	if (!ptr)
		return -2;
	/* The allocation may have moved the memory. */
	m = g->mem(g->ctx, &size);
	st32(m, ptr, queued);
	st32(m, ptr + 4, n);
	a = ptr + IOR_ABI_PK_RESULT_HEADER;
	for (uint32_t i = 0; i < n; i++)
		a += cqe_put(m, a, cqes[i]);
	st32(m, retptr, ptr);
	st32(m, retptr + 4, (uint32_t)total);
	return 0;
}
