/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ior_abi.c - decode SQEs from, and encode CQEs and results into, a guest's linear memory,
 * following the canonical ABI's wasm32 layouts of wit/types.wit. Portable C: no Zephyr, no
 * WAMR. Every read is bounds-checked against the memory size given.
 */
#include <string.h>

#include "ior_abi.h"
#include "ior_abi_priv.h"

/* A `list<u8>`/`string` (ptr, len) at @a: checked to lie in the memory. */
static int range_at(const uint8_t *m, uint32_t size, uint32_t a, struct ior_abi_range *r)
{
	r->ptr = ld32(m, a);
	r->len = ld32(m, a + 4);
	return ior_abi_range_ok(size, r->ptr, r->len) ? 0 : BAD(IOR_ABI_EINVAL);
}

static int bool_at(const uint8_t *m, uint32_t a, bool *out)
{
	uint8_t v = ld8(m, a);

	if (v > 1)
		return BAD(IOR_ABI_EINVAL);
	*out = v;
	return 0;
}

/* option<u64> at @a: tag, then the value at @a + 8. */
static int opt_u64_at(const uint8_t *m, uint32_t a, bool *has, uint64_t *v)
{
	uint8_t tag = ld8(m, a);

	if (tag > 1)
		return BAD(IOR_ABI_EINVAL);
	*has = tag;
	*v = tag ? ld64(m, a + 8) : 0;
	return 0;
}

/* socket-address at @a (32 bytes, checked by the caller's SQE bound). */
static int sockaddr_at(const uint8_t *m, uint32_t size, uint32_t a, struct ior_abi_sockaddr *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->family = ld8(m, a);
	switch (sa->family) {
	case IOR_ABI_AF_INET:
		sa->port = ld16(m, a + 4);
		for (int i = 0; i < 4; i++)
			sa->v4[i] = ld8(m, a + 6 + i);
		return 0;
	case IOR_ABI_AF_INET6:
		sa->port = ld16(m, a + 4);
		sa->flow_info = ld32(m, a + 8);
		for (int i = 0; i < 8; i++)
			sa->v6[i] = ld16(m, a + 12 + 2 * i);
		sa->scope_id = ld32(m, a + 28);
		return 0;
	case IOR_ABI_AF_UNIX:
		return range_at(m, size, a + 4, &sa->path);
	default:
		return BAD(IOR_ABI_EINVAL);
	}
}

/* A list of @elem-byte records at @a: element count, alignment 4, inside the memory. */
static int records_at(const uint8_t *m, uint32_t size, uint32_t a, uint32_t elem,
		      struct ior_abi_range *r)
{
	r->ptr = ld32(m, a);
	r->len = ld32(m, a + 4);
	if (r->ptr & 3u)
		return BAD(IOR_ABI_EINVAL);
	if (!ior_abi_range_ok(size, r->ptr, (uint64_t)r->len * elem))
		return BAD(IOR_ABI_EINVAL);
	return 0;
}

static int spi_list(const uint8_t *m, uint32_t size, struct ior_abi_sqe *s)
{
	uint64_t tx = 0, rx = 0;

	for (uint32_t i = 0; i < s->list.len; i++) {
		uint32_t e = s->list.ptr + i * IOR_ABI_SPI_SEGMENT_SIZE;
		struct ior_abi_range r;
		uint8_t cs = ld8(m, e + 17);

		if (range_at(m, size, e, &r) || cs > 1)
			return BAD(IOR_ABI_EINVAL);
		tx += r.len;
		rx += ld32(m, e + 8);
	}
	if (tx > UINT32_MAX || rx > UINT32_MAX)
		return BAD(IOR_ABI_EINVAL);
	s->xfer_tx = (uint32_t)tx;
	s->xfer_rx = (uint32_t)rx;
	return 0;
}

static int i2c_list(const uint8_t *m, uint32_t size, struct ior_abi_sqe *s)
{
	uint64_t tx = 0, rx = 0;

	for (uint32_t i = 0; i < s->list.len; i++) {
		uint32_t e = s->list.ptr + i * IOR_ABI_I2C_MESSAGE_SIZE;
		struct ior_abi_range w;
		uint32_t rl = ld32(m, e + 12);

		if (range_at(m, size, e + 4, &w) || ld8(m, e + 16) > 1)
			return BAD(IOR_ABI_EINVAL);
		/* A message either writes or reads (wit: write must be empty when read-len > 0). */
		if (w.len && rl)
			return BAD(IOR_ABI_EINVAL);
		tx += w.len;
		rx += rl;
	}
	if (tx > UINT32_MAX || rx > UINT32_MAX)
		return BAD(IOR_ABI_EINVAL);
	s->xfer_tx = (uint32_t)tx;
	s->xfer_rx = (uint32_t)rx;
	return 0;
}

int ior_abi_sqe_decode(const uint8_t *m, uint32_t size, uint32_t addr, struct ior_abi_sqe *s)
{
	uint32_t p = addr + IOR_ABI_SQE_OP_PAYLOAD;
	int ret = 0;

	if (!ior_abi_range_ok(size, addr, IOR_ABI_SQE_SIZE))
		return -1;
	_Static_assert(sizeof(*s) % 8 == 0, "cleared in words");
	ior_abi_zero(s, sizeof(*s));
	s->op = ld8(m, addr);
	s->user_data = ld32(m, addr + IOR_ABI_SQE_USER_DATA);
	s->flags = ld8(m, addr + IOR_ABI_SQE_FLAGS);
	if (s->flags & ~IOR_ABI_SQE_FLAGS_ALL)
		return BAD(IOR_ABI_EINVAL);

	switch ((enum ior_abi_op)s->op) {
	case IOR_ABI_OP_NOP:
		break;
	case IOR_ABI_OP_READ:
		s->fd = ld32(m, p);
		s->len = ld32(m, p + 4);
		ret = opt_u64_at(m, p + 8, &s->has_offset, &s->offset);
		break;
	case IOR_ABI_OP_WRITE:
		s->fd = ld32(m, p);
		ret = range_at(m, size, p + 4, &s->data);
		if (!ret)
			ret = opt_u64_at(m, p + 16, &s->has_offset, &s->offset);
		break;
	case IOR_ABI_OP_READ_FIXED:
	case IOR_ABI_OP_WRITE_FIXED:
		s->fd = ld32(m, p);
		s->buffer = ld32(m, p + 4);
		s->buffer_offset = ld32(m, p + 8);
		s->len = ld32(m, p + 12);
		ret = opt_u64_at(m, p + 16, &s->has_offset, &s->offset);
		break;
	case IOR_ABI_OP_SEND:
		s->fd = ld32(m, p);
		ret = range_at(m, size, p + 4, &s->data);
		break;
	case IOR_ABI_OP_RECV:
	case IOR_ABI_OP_RECV_MULTISHOT:
	case IOR_ABI_OP_RECVMSG:
		s->fd = ld32(m, p);
		s->len = ld32(m, p + 4);
		break;
	case IOR_ABI_OP_SENDMSG: {
		uint8_t tag;

		s->fd = ld32(m, p);
		ret = range_at(m, size, p + 4, &s->data);
		tag = ld8(m, p + 12);
		if (!ret && tag > 1)
			ret = BAD(IOR_ABI_EINVAL);
		if (!ret && tag) {
			s->has_addr = true;
			ret = sockaddr_at(m, size, p + 16, &s->addr);
		}
		break;
	}
	case IOR_ABI_OP_ACCEPT:
	case IOR_ABI_OP_ACCEPT_MULTISHOT:
	case IOR_ABI_OP_CLOSE:
	case IOR_ABI_OP_LOCAL_ADDRESS:
		s->fd = ld32(m, p);
		break;
	case IOR_ABI_OP_CONNECT:
	case IOR_ABI_OP_BIND:
		s->fd = ld32(m, p);
		s->has_addr = true;
		ret = sockaddr_at(m, size, p + 4, &s->addr);
		break;
	case IOR_ABI_OP_SOCKET:
		s->family = ld8(m, p);
		s->socktype = ld8(m, p + 1);
		if (s->family > 2 || s->socktype > 2)
			ret = BAD(IOR_ABI_EINVAL);
		break;
	case IOR_ABI_OP_LISTEN:
		s->fd = ld32(m, p);
		s->len = ld32(m, p + 4);
		break;
	case IOR_ABI_OP_SET_OPTION:
		s->fd = ld32(m, p);
		s->sockopt = ld8(m, p + 4);
		switch (s->sockopt) {
		case IOR_ABI_SO_RCVBUF:
		case IOR_ABI_SO_SNDBUF:
			s->sockopt_val = ld32(m, p + 8);
			break;
		case IOR_ABI_SO_MULTICAST_JOIN:
		case IOR_ABI_SO_MULTICAST_LEAVE:
			/* multicast-group: ip-address (tag @8, groups @10), interface-name @28. */
			s->has_addr = true;
			s->addr.family = ld8(m, p + 8);
			if (s->addr.family == IOR_ABI_AF_INET) {
				for (int i = 0; i < 4; i++)
					s->addr.v4[i] = ld8(m, p + 10 + i);
			} else if (s->addr.family == IOR_ABI_AF_INET6) {
				for (int i = 0; i < 8; i++)
					s->addr.v6[i] = ld16(m, p + 10 + 2 * i);
			} else {
				ret = BAD(IOR_ABI_EINVAL);
				break;
			}
			ret = range_at(m, size, p + 28, &s->data);
			break;
		case IOR_ABI_SO_MULTICAST_IF:
		case IOR_ABI_SO_BINDTODEVICE:
			ret = range_at(m, size, p + 8, &s->data);
			break;
		case IOR_ABI_SO_MULTICAST_TTL:
			s->sockopt_val = ld8(m, p + 8);
			break;
		default:
			if (s->sockopt >= IOR_ABI_SO_COUNT) {
				ret = BAD(IOR_ABI_EINVAL);
			} else {
				bool b = false;

				ret = bool_at(m, p + 8, &b);
				s->sockopt_val = b;
			}
			break;
		}
		break;
	case IOR_ABI_OP_SHUTDOWN:
		s->fd = ld32(m, p);
		s->how = ld8(m, p + 4);
		if (s->how > 2)
			ret = BAD(IOR_ABI_EINVAL);
		break;
	case IOR_ABI_OP_OPENAT:
		s->fd = ld32(m, p);
		ret = range_at(m, size, p + 4, &s->data);
		s->open_flags = ld16(m, p + 12);
		s->mode = ld32(m, p + 16);
		if (!ret && (s->open_flags & ~IOR_ABI_O_ALL))
			ret = BAD(IOR_ABI_EINVAL);
		break;
	case IOR_ABI_OP_FSYNC:
		s->fd = ld32(m, p);
		ret = bool_at(m, p + 4, &s->flag);
		break;
	case IOR_ABI_OP_STATX:
		s->fd = ld32(m, p);
		ret = range_at(m, size, p + 4, &s->data);
		if (!ret)
			ret = bool_at(m, p + 12, &s->flag);
		break;
	case IOR_ABI_OP_TIMEOUT:
		s->ns = ld64(m, p);
		s->count = ld32(m, p + 8);
		break;
	case IOR_ABI_OP_LINK_TIMEOUT:
		s->ns = ld64(m, p);
		break;
	case IOR_ABI_OP_CANCEL:
		s->count = ld32(m, p);
		ret = bool_at(m, p + 4, &s->flag);
		break;
	case IOR_ABI_OP_POLL:
		s->fd = ld32(m, p);
		s->events = ld8(m, p + 4);
		if (s->events & ~0x3fu)
			ret = BAD(IOR_ABI_EINVAL);
		else
			ret = bool_at(m, p + 5, &s->flag);
		break;
	case IOR_ABI_OP_SPI_TRANSFER:
		s->fd = ld32(m, p);
		ret = records_at(m, size, p + 4, IOR_ABI_SPI_SEGMENT_SIZE, &s->list);
		if (!ret)
			ret = spi_list(m, size, s);
		break;
	case IOR_ABI_OP_I2C_TRANSFER:
		s->fd = ld32(m, p);
		ret = records_at(m, size, p + 4, IOR_ABI_I2C_MESSAGE_SIZE, &s->list);
		if (!ret)
			ret = i2c_list(m, size, s);
		break;
	case IOR_ABI_OP_TTY_CONFIGURE:
		s->fd = ld32(m, p);
		ret = bool_at(m, p + 4, &s->tty.raw);
		s->tty.baud = ld32(m, p + 8);
		s->tty.data_bits = ld8(m, p + 12);
		s->tty.parity = ld8(m, p + 13);
		s->tty.stop_bits = ld8(m, p + 14);
		if (!ret)
			ret = bool_at(m, p + 15, &s->tty.hw_flow);
		if (!ret && (s->tty.parity > 2 || s->tty.data_bits < 5 || s->tty.data_bits > 8 ||
			     s->tty.stop_bits < 1 || s->tty.stop_bits > 2))
			ret = BAD(IOR_ABI_EINVAL);
		break;
	case IOR_ABI_OP_FTRUNCATE:
		s->fd = ld32(m, p);
		s->offset = ld64(m, p + 8);
		break;
	case IOR_ABI_OP_MKDIRAT:
		s->fd = ld32(m, p);
		ret = range_at(m, size, p + 4, &s->data);
		s->mode = ld32(m, p + 12);
		break;
	case IOR_ABI_OP_UNLINKAT:
		s->fd = ld32(m, p);
		ret = range_at(m, size, p + 4, &s->data);
		if (!ret)
			ret = bool_at(m, p + 12, &s->flag);
		break;
	case IOR_ABI_OP_RENAMEAT:
		s->fd = ld32(m, p);
		ret = range_at(m, size, p + 4, &s->data);
		s->fd2 = ld32(m, p + 12);
		if (!ret)
			ret = range_at(m, size, p + 16, &s->data2);
		break;
	case IOR_ABI_OP_GPIO_REQUEST:
		/* gpio-request-args: chip @0, line @4, direction @8, bias @9, active-low @10,
		 * edges @11, initial @12. */
		s->fd = ld32(m, p);
		s->gpio.line = ld32(m, p + 4);
		s->gpio.direction = ld8(m, p + 8);
		s->gpio.bias = ld8(m, p + 9);
		s->gpio.edges = ld8(m, p + 11);
		ret = bool_at(m, p + 10, &s->gpio.active_low);
		if (!ret)
			ret = bool_at(m, p + 12, &s->gpio.initial);
		if (!ret && (s->gpio.direction > IOR_ABI_GPIO_OUTPUT ||
			     s->gpio.bias > IOR_ABI_GPIO_PULL_DOWN ||
			     (s->gpio.edges & ~(IOR_ABI_GPIO_EDGE_RISING | IOR_ABI_GPIO_EDGE_FALLING))))
			ret = BAD(IOR_ABI_EINVAL);
		break;
	case IOR_ABI_OP_GPIO_GET:
	case IOR_ABI_OP_GPIO_EDGES:
		s->fd = ld32(m, p);
		break;
	case IOR_ABI_OP_GPIO_SET:
		s->fd = ld32(m, p);
		ret = bool_at(m, p + 4, &s->flag);
		break;
	default:
		ret = BAD(IOR_ABI_EINVAL);
		break;
	}
	return ret;
}

void ior_abi_spi_seg(const uint8_t *m, const struct ior_abi_sqe *s, uint32_t i,
		     struct ior_abi_spi_seg *g)
{
	uint32_t e = s->list.ptr + i * IOR_ABI_SPI_SEGMENT_SIZE;

	g->tx.ptr = ld32(m, e);
	g->tx.len = ld32(m, e + 4);
	g->rx_len = ld32(m, e + 8);
	g->speed_hz = ld32(m, e + 12);
	g->bits_per_word = ld8(m, e + 16);
	g->cs_change = ld8(m, e + 17);
	g->delay_us = ld16(m, e + 18);
}

void ior_abi_i2c_msg(const uint8_t *m, const struct ior_abi_sqe *s, uint32_t i,
		     struct ior_abi_i2c_msg *g)
{
	uint32_t e = s->list.ptr + i * IOR_ABI_I2C_MESSAGE_SIZE;

	g->address = ld16(m, e);
	g->write.ptr = ld32(m, e + 4);
	g->write.len = ld32(m, e + 8);
	g->read_len = ld32(m, e + 12);
	g->ten_bit = ld8(m, e + 16);
}

uint32_t ior_abi_guest_alloc(const struct ior_abi_guest *g, uint32_t align, uint32_t len)
{
	uint32_t size, ptr = g->realloc(g->ctx, 0, 0, align, len);

	g->mem(g->ctx, &size);
	if (!ptr || (ptr & (align - 1)) || !ior_abi_range_ok(size, ptr, len))
		return 0;
	return ptr;
}

/* Copy host bytes into a fresh guest allocation; (0, 0) for none. Returns false on failure. */
static bool guest_copy(const struct ior_abi_guest *g, const uint8_t *src, uint32_t len,
		       uint32_t *ptr)
{
	uint32_t size;

	*ptr = 0;
	if (!len)
		return true;
	*ptr = ior_abi_guest_alloc(g, 1, len);
	if (!*ptr)
		return false;
	memcpy(g->mem(g->ctx, &size) + *ptr, src, len);
	return true;
}

static void sockaddr_put(uint8_t *m, uint32_t a, const struct ior_abi_sockaddr *sa,
			 uint32_t path_ptr)
{
	st8(m, a, sa->family);
	switch (sa->family) {
	case IOR_ABI_AF_INET:
		st16(m, a + 4, sa->port);
		for (int i = 0; i < 4; i++)
			st8(m, a + 6 + i, sa->v4[i]);
		break;
	case IOR_ABI_AF_INET6:
		st16(m, a + 4, sa->port);
		st32(m, a + 8, sa->flow_info);
		for (int i = 0; i < 8; i++)
			st16(m, a + 12 + 2 * i, sa->v6[i]);
		st32(m, a + 28, sa->scope_id);
		break;
	default:
		st32(m, a + 4, path_ptr);
		st32(m, a + 8, sa->path.len);
		break;
	}
}

static bool has_addr(const struct ior_abi_cqe *c)
{
	return c->detail == IOR_ABI_DETAIL_ACCEPTED || c->detail == IOR_ABI_DETAIL_PEER ||
	       c->detail == IOR_ABI_DETAIL_ADDRESS;
}

/* CQE @c into the guest's CQE at @e, its payload and unix path already copied to @data, @path.
 * Every byte a reader of the case looks at is written; padding is left as it was. */
static void cqe_put(uint8_t *m, uint32_t e, const struct ior_abi_cqe *c, uint32_t data,
		    uint32_t path)
{
	st32(m, e + IOR_ABI_CQE_USER_DATA, c->user_data);
	st8(m, e + IOR_ABI_CQE_RES, c->is_err);
	if (c->is_err)
		st8(m, e + IOR_ABI_CQE_RES + 4, (uint8_t)c->value);
	else
		st32(m, e + IOR_ABI_CQE_RES + 4, c->value);
	st8(m, e + IOR_ABI_CQE_MORE, c->more);
	st32(m, e + IOR_ABI_CQE_DATA, data);
	st32(m, e + IOR_ABI_CQE_DATA + 4, data ? c->data_len : 0);
	st8(m, e + IOR_ABI_CQE_DETAIL, c->detail);
	e += IOR_ABI_CQE_DETAIL_PAYLOAD;
	switch (c->detail) {
	case IOR_ABI_DETAIL_HANDLE:
		st32(m, e, c->handle);
		break;
	case IOR_ABI_DETAIL_ACCEPTED:
		st32(m, e, c->handle);
		sockaddr_put(m, e + 4, &c->addr, path);
		break;
	case IOR_ABI_DETAIL_PEER:
	case IOR_ABI_DETAIL_ADDRESS:
		sockaddr_put(m, e, &c->addr, path);
		break;
	case IOR_ABI_DETAIL_STAT:
		st8(m, e, c->stat.type);
		st64(m, e + 8, c->stat.size);
		st32(m, e + 16, c->stat.mode);
		st32(m, e + 20, c->stat.links);
		st64(m, e + 24, c->stat.modified_ns);
		break;
	case IOR_ABI_DETAIL_GPIO_EDGE:
		st8(m, e, c->edge.rising);
		st64(m, e + 8, c->edge.timestamp_ns);
		st32(m, e + 16, c->edge.seqno);
		break;
	default:
		break;
	}
}

/* ior_abi_cqes_write and ior_abi_cqes_write_ptrs: CQE i is ptrs[i], or cqes[i] without ptrs. */
static int cqes_write(const struct ior_abi_guest *g, const struct ior_abi_cqe *cqes,
		      const struct ior_abi_cqe *const *ptrs, uint32_t n, uint32_t retptr)
{
	uint32_t size, arr = 0, done = 0;
	uint8_t *m = g->mem(g->ctx, &size);

	if ((retptr & 3u) || !ior_abi_range_ok(size, retptr, 8))
		return -1;
	if (n > UINT32_MAX / IOR_ABI_CQE_SIZE)
		n = UINT32_MAX / IOR_ABI_CQE_SIZE;
	if (n) {
		arr = ior_abi_guest_alloc(g, IOR_ABI_CQE_ALIGN, n * IOR_ABI_CQE_SIZE);
		/* The allocation may have moved the memory. */
		m = g->mem(g->ctx, &size);
	}
	if (!arr)
		n = 0;
	for (; done < n; done++) {
		const struct ior_abi_cqe *c = ptrs ? ptrs[done] : &cqes[done];
		uint32_t data = 0, path = 0;

		/* Allocate first: the memory may move. */
		if (c->data_len || (has_addr(c) && c->addr.family == IOR_ABI_AF_UNIX)) {
			if (!guest_copy(g, c->data, c->data_len, &data))
				break;
			if (has_addr(c) && c->addr.family == IOR_ABI_AF_UNIX &&
			    !guest_copy(g, c->path, c->addr.path.len, &path))
				break;
			m = g->mem(g->ctx, &size);
		}
		cqe_put(m, arr + done * IOR_ABI_CQE_SIZE, c, data, path);
	}
	/* The unused tail of the array stays allocated to the guest, which frees the whole. */
	st32(m, retptr, done ? arr : 0);
	st32(m, retptr + 4, done);
	return (int)done;
}

int ior_abi_cqes_write(const struct ior_abi_guest *g, const struct ior_abi_cqe *cqes, uint32_t n,
		       uint32_t retptr)
{
	return cqes_write(g, cqes, NULL, n, retptr);
}

int ior_abi_cqes_write_ptrs(const struct ior_abi_guest *g, const struct ior_abi_cqe *const *cqes,
			    uint32_t n, uint32_t retptr)
{
	return cqes_write(g, NULL, cqes, n, retptr);
}

int ior_abi_put_result_u32(const struct ior_abi_guest *g, uint32_t retptr, bool is_err,
			   uint32_t value)
{
	uint32_t size;
	uint8_t *m = g->mem(g->ctx, &size);

	if ((retptr & 3u) || !ior_abi_range_ok(size, retptr, 8))
		return -1;
	st8(m, retptr, is_err);
	if (is_err)
		st8(m, retptr + 4, (uint8_t)value);
	else
		st32(m, retptr + 4, value);
	return 0;
}

int ior_abi_put_result_unit(const struct ior_abi_guest *g, uint32_t retptr, bool is_err,
			    uint32_t code)
{
	uint32_t size;
	uint8_t *m = g->mem(g->ctx, &size);

	if (!ior_abi_range_ok(size, retptr, 2))
		return -1;
	st8(m, retptr, is_err);
	st8(m, retptr + 1, is_err ? (uint8_t)code : 0);
	return 0;
}

int ior_abi_put_result_bytes(const struct ior_abi_guest *g, uint32_t retptr, bool is_err,
			     uint32_t code, const uint8_t *data, uint32_t len)
{
	uint32_t size, ptr = 0;
	uint8_t *m = g->mem(g->ctx, &size);

	if ((retptr & 3u) || !ior_abi_range_ok(size, retptr, 12))
		return -1;
	if (!is_err && !guest_copy(g, data, len, &ptr)) {
		is_err = true;
		code = IOR_ABI_ENOMEM;
	}
	m = g->mem(g->ctx, &size);
	st8(m, retptr, is_err);
	if (is_err) {
		st8(m, retptr + 4, (uint8_t)code);
	} else {
		st32(m, retptr + 4, ptr);
		st32(m, retptr + 8, ptr ? len : 0);
	}
	return 0;
}

int ior_abi_path_beneath(const uint8_t *path, uint32_t len, char *out, size_t out_size)
{
	size_t o = 0;
	uint32_t i = 0;
	int depth = 0;

	if (len && path[0] == '/')
		return BAD(IOR_ABI_EACCES);
	while (i < len) {
		uint32_t start = i, n;

		while (i < len && path[i] != '/') {
			if (!path[i])
				return BAD(IOR_ABI_EINVAL);
			i++;
		}
		n = i - start;
		i++; /* the slash */
		if (n == 0 || (n == 1 && path[start] == '.'))
			continue;
		if (n == 2 && path[start] == '.' && path[start + 1] == '.') {
			if (depth == 0)
				return BAD(IOR_ABI_EACCES);
			depth--;
			/* Drop the last component written. */
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		if (o + (o ? 1 : 0) + n + 1 > out_size)
			return BAD(IOR_ABI_ENAMETOOLONG);
		if (o)
			out[o++] = '/';
		memcpy(out + o, path + start, n);
		o += n;
		depth++;
	}
	if (out_size)
		out[o] = '\0';
	return 0;
}

int ior_abi_path_last_ok(const uint8_t *path, uint32_t len)
{
	uint32_t end = len, start;

	while (end > 0 && path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	if (end == start || (end - start == 1 && path[start] == '.') ||
	    (end - start == 2 && path[start] == '.' && path[start + 1] == '.'))
		return BAD(IOR_ABI_EINVAL);
	return 0;
}
