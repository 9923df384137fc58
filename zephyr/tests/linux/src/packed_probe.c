/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * packed_probe.c - the packed form's decoder and encoder (lib/abi/ior_abi_packed.c) seen from
 * the tests (tests/packed.rs): decoded SQEs flattened into a struct of plain integers Rust
 * mirrors, compared with what the record decoder makes of the same operation; and CQEs built
 * from such a struct, encoded into a stand-in guest memory whose result list is read back.
 */
#include <stdlib.h>
#include <string.h>

#include "ior_abi.h"

/* The fields of struct ior_abi_sqe the packed ops use, as plain integers. */
struct probe_sqe {
	uint32_t op, flags, user_data, fd, len, has_offset;
	uint64_t offset;
	uint32_t data_ptr, data_len, buffer, buffer_offset;
	uint64_t ns;
	uint32_t count, flag, events, how;
	/* sendmsg's destination */
	uint32_t has_addr, family, port;
	uint8_t v4[4];
	uint16_t v6[8];
	uint32_t flow_info, scope_id, path_ptr, path_len;
};

/* A CQE's fields, as plain integers and host pointers. */
struct probe_cqe {
	uint32_t user_data, is_err, value, more;
	const uint8_t *data;
	uint32_t data_len, detail, handle, family, port;
	uint8_t v4[4];
	uint16_t v6[8];
	uint32_t flow_info, scope_id;
	const uint8_t *path;
	uint32_t path_len, stat_type, mode, links;
	uint64_t size, modified_ns;
	uint32_t rising, seqno;
	uint64_t timestamp_ns;
};

static void flatten(const struct ior_abi_sqe *s, struct probe_sqe *p)
{
	*p = (struct probe_sqe){
		.op = s->op, .flags = s->flags, .user_data = s->user_data, .fd = s->fd,
		.len = s->len, .has_offset = s->has_offset, .offset = s->offset,
		.data_ptr = s->data.ptr, .data_len = s->data.len, .buffer = s->buffer,
		.buffer_offset = s->buffer_offset, .ns = s->ns, .count = s->count,
		.flag = s->flag, .events = s->events, .how = s->how,
		.has_addr = s->has_addr, .family = s->addr.family, .port = s->addr.port,
		.flow_info = s->addr.flow_info, .scope_id = s->addr.scope_id,
		.path_ptr = s->addr.path.ptr, .path_len = s->addr.path.len,
	};
	memcpy(p->v4, s->addr.v4, sizeof(p->v4));
	memcpy(p->v6, s->addr.v6, sizeof(p->v6));
}

/* Decode the packed entry at @at; *@next: where the decoder moved @at. */
int probe_packed_decode(const uint8_t *mem, uint32_t size, uint32_t ptr, uint32_t len,
			uint32_t at, struct probe_sqe *out, uint32_t *next)
{
	struct ior_abi_sqe s = {0};
	int ret = ior_abi_packed_decode(mem, size, ptr, len, &at, &s);

	flatten(&s, out);
	*next = at;
	return ret;
}

int probe_record_decode(const uint8_t *mem, uint32_t size, uint32_t addr, struct probe_sqe *out)
{
	struct ior_abi_sqe s;
	int ret = ior_abi_sqe_decode(mem, size, addr, &s);

	flatten(&s, out);
	return ret;
}

/* Whether the packed entry at @at and the record at @rec decode to the same bytes, all of
 * struct ior_abi_sqe (both decoders clear it whole first). */
int probe_same_as_record(const uint8_t *mem, uint32_t size, uint32_t ptr, uint32_t len,
			 uint32_t at, uint32_t rec)
{
	struct ior_abi_sqe a, b;

	if (ior_abi_packed_decode(mem, size, ptr, len, &at, &a) != 0 ||
	    ior_abi_sqe_decode(mem, size, rec, &b) != 0)
		return 0;
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/*
 * The stand-in guest of one probe_packed_result call, its own so that tests running on
 * several threads do not share it: a memory of 0xa5 bytes (so unwritten padding shows) and a
 * bump allocator that hands out odd addresses (the list has alignment 1), or fails.
 */
struct probe_guest {
	uint8_t mem[1 << 16];
	uint32_t next;
	uint32_t allocs;
	int fail;
};

static uint8_t *probe_g_mem(void *ctx, uint32_t *size)
{
	struct probe_guest *pg = ctx;

	*size = sizeof(pg->mem);
	return pg->mem;
}

static uint32_t probe_g_realloc(void *ctx, uint32_t old, uint32_t old_size, uint32_t align,
				uint32_t new_size)
{
	struct probe_guest *pg = ctx;
	uint32_t p = pg->next;

	(void)old;
	(void)old_size;
	if (pg->fail || align != 1 || new_size > sizeof(pg->mem) - p)
		return 0;
	pg->next += new_size;
	pg->allocs++;
	return p;
}

static void unflatten(const struct probe_cqe *p, struct ior_abi_cqe *c)
{
	memset(c, 0, sizeof(*c));
	c->user_data = p->user_data;
	c->is_err = p->is_err;
	c->value = p->value;
	c->more = p->more;
	c->data = p->data;
	c->data_len = p->data_len;
	c->detail = (uint8_t)p->detail;
	c->handle = p->handle;
	c->addr.family = (uint8_t)p->family;
	c->addr.port = (uint16_t)p->port;
	memcpy(c->addr.v4, p->v4, sizeof(c->addr.v4));
	memcpy(c->addr.v6, p->v6, sizeof(c->addr.v6));
	c->addr.flow_info = p->flow_info;
	c->addr.scope_id = p->scope_id;
	c->addr.path.len = p->path_len;
	c->path = p->path;
	c->stat.type = (uint8_t)p->stat_type;
	c->stat.mode = p->mode;
	c->stat.links = p->links;
	c->stat.size = p->size;
	c->stat.modified_ns = p->modified_ns;
	c->edge.rising = p->rising;
	c->edge.seqno = p->seqno;
	c->edge.timestamp_ns = p->timestamp_ns;
}

/*
 * Encode @n CQEs and @queued as enter's result, with the return area at @retptr (16 for a
 * good one) and the guest's allocation failing when @fail. Copies the result list to @out
 * (@cap bytes) and returns its length; or the writer's negative return. *@allocs: how many
 * allocations it made.
 */
long probe_packed_result(const struct probe_cqe *p, uint32_t n, uint32_t queued,
			 uint32_t retptr, int fail, uint8_t *out, uint32_t cap,
			 uint32_t *allocs)
{
	struct ior_abi_cqe cqes[64];
	const struct ior_abi_cqe *ptrs[64];
	struct probe_guest *pg;
	struct ior_abi_guest g = {.mem = probe_g_mem, .realloc = probe_g_realloc};
	uint32_t list, len;
	long ret;

	if (n > 64)
		return -100;
	pg = malloc(sizeof(*pg));
	if (!pg)
		return -102;
	for (uint32_t i = 0; i < n; i++) {
		unflatten(&p[i], &cqes[i]);
		ptrs[i] = &cqes[i];
	}
	memset(pg->mem, 0xa5, sizeof(pg->mem));
	pg->next = 4097;
	pg->allocs = 0;
	pg->fail = fail;
	g.ctx = pg;
	ret = ior_abi_packed_result_write(&g, queued, ptrs, n, retptr);
	*allocs = pg->allocs;
	if (ret >= 0) {
		memcpy(&list, pg->mem + retptr, 4);
		memcpy(&len, pg->mem + retptr + 4, 4);
		if (len > cap || (uint64_t)list + len > sizeof(pg->mem)) {
			ret = -101;
		} else {
			memcpy(out, pg->mem + list, len);
			ret = len;
		}
	}
	free(pg);
	return ret;
}

uint32_t probe_cqe_size(const struct probe_cqe *p)
{
	struct ior_abi_cqe c;

	unflatten(p, &c);
	return ior_abi_packed_cqe_size(&c);
}
