/*
 * enter.c - ring.enter's packed form (laid out in wit/ring.wit) as the WASI adapter decodes and
 * encodes it, byte for byte: the cases call enter through the bindings on a ring of their own,
 * and the fixtures (files, sockets) go through the C SDK on the case's SDK ring.
 * test/e2e/adapter.test.js builds it as it builds limits.c and runs it under wasmtime and
 * Node (jco) with the conformance runner's grants: directory "rw", listener "lst", binds and
 * connects on 127.0.0.1. One `ok NAME` or `FAIL NAME: why` line per case (conform.h).
 */
#include <stdlib.h>

#include "conform.h"

#define SQE_HEADER 32u
#define CQE_HEADER 16u
#define NO_OFFSET UINT64_MAX
/* A handle no case opens: the entries the fuzz case makes reach nothing real. */
#define NO_FD 999u
#define LINK IORING_RING_TYPES_SQE_FLAGS_LINK
#define HARD_LINK IORING_RING_TYPES_SQE_FLAGS_HARD_LINK
#define CQE_ERROR 2u
#define E_INVALID IORING_RING_TYPES_ERROR_CODE_INVALID
#define E_CANCELED IORING_RING_TYPES_ERROR_CODE_CANCELED
#define E_BADF IORING_RING_TYPES_ERROR_CODE_BAD_DESCRIPTOR
#define E_AFNOSUPPORT IORING_RING_TYPES_ERROR_CODE_ADDRESS_FAMILY_NOT_SUPPORTED
#define E_DESTADDRREQ IORING_RING_TYPES_ERROR_CODE_DESTINATION_ADDRESS_REQUIRED
#define OP(x) IORING_RING_TYPES_OP_##x
#define DETAIL(x) IORING_RING_TYPES_CQE_DETAIL_##x
#define MAX_CQES 2048

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4); /* wasm32 is little-endian, as the form is */
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* ---- packed SQEs ---- */

/* Entries being packed for one enter call; large enough for the in-flight limit's worth. */
static struct {
	uint8_t b[48 * 1024];
	size_t len;
} pk;

/* One entry: the header's fields, then @n bytes of @payload, padded to 8. */
static void pk_sqe(uint8_t op, uint8_t flags, uint32_t ud, uint32_t fd, uint32_t len, uint64_t offset, uint32_t x,
		   uint32_t y, const void *payload, size_t n)
{
	uint8_t *h = pk.b + pk.len;

	if (pk.len + SQE_HEADER + pad8(n) > sizeof(pk.b))
		abort(); /* a defect of the case */
	memset(h, 0, SQE_HEADER + pad8(n));
	h[0] = op;
	h[1] = flags;
	put32(h + 4, ud);
	put32(h + 8, fd);
	put32(h + 12, len);
	put64(h + 16, offset);
	put32(h + 24, x);
	put32(h + 28, y);
	if (n)
		memcpy(h + SQE_HEADER, payload, n);
	pk.len += SQE_HEADER + pad8(n);
}

/* An entry of only a case, flags and user-data. */
static void pk_op(uint8_t op, uint8_t flags, uint32_t ud)
{
	pk_sqe(op, flags, ud, NO_FD, 0, 0, 0, 0, NULL, 0);
}

/* A sendmsg: @len bytes of @data, then the @x bytes of destination @to (none when 0). */
static void pk_sendmsg(uint32_t ud, uint32_t fd, const void *data, uint32_t len, const void *to, uint32_t x)
{
	uint8_t payload[256];

	if ((size_t)len + x > sizeof(payload))
		abort(); /* a defect of the case */
	memcpy(payload, data, len);
	if (x)
		memcpy(payload + len, to, x);
	pk_sqe(OP(SENDMSG), 0, ud, fd, len, 0, x, 0, payload, (size_t)len + x);
}

/* Socket addresses in the form: u8 case, u8 zero, u16 port, then the case's own bytes. */
static void addr_v4(uint8_t a[8], uint16_t port)
{
	static const uint8_t loopback[4] = { 127, 0, 0, 1 };

	a[0] = 0;
	a[1] = 0;
	memcpy(a + 2, &port, 2);
	memcpy(a + 4, loopback, 4);
}

/* [fe80::1]:443, flow-info 5, scope-id 2. */
static void addr_v6(uint8_t a[28])
{
	static const uint16_t groups[8] = { 0xfe80, 0, 0, 0, 0, 0, 0, 1 };
	const uint16_t port = 443;
	const uint32_t flow = 5, scope = 2;

	a[0] = 1;
	a[1] = 0;
	memcpy(a + 2, &port, 2);
	memcpy(a + 4, &flow, 4);
	memcpy(a + 8, groups, 16);
	memcpy(a + 24, &scope, 4);
}

/* ---- packed CQEs ---- */

struct p_cqe {
	uint32_t ud, res;
	uint8_t flags, detail_case;
	uint16_t detail_len;
	uint32_t len;
	const uint8_t *data, *detail;
};

/* What one enter call returned, walked as the form lays it out. */
static struct {
	uint8_t *bytes;
	size_t len;
	uint32_t queued, count;
	struct p_cqe c[MAX_CQES];
	char bad[160]; /* the first thing out of place, or "" */
} got;

/* Walk got.bytes: every CQE within the list, 8-aligned, its padding zero, nothing after. */
static bool walk(void)
{
	size_t at = 8;

	got.bad[0] = '\0';
	if (got.len < 8) {
		t_format(got.bad, sizeof(got.bad), "a result of %zu bytes", got.len);
		return false;
	}
	got.queued = get32(got.bytes);
	got.count = get32(got.bytes + 4);
	if (got.count > MAX_CQES) {
		t_format(got.bad, sizeof(got.bad), "%u CQEs", got.count);
		return false;
	}
	for (uint32_t i = 0; i < got.count; i++) {
		struct p_cqe *c = &got.c[i];
		const uint8_t *h = got.bytes + at;
		size_t end;

		if (got.len - at < CQE_HEADER) {
			t_format(got.bad, sizeof(got.bad), "CQE %u's header runs past the end", i);
			return false;
		}
		c->ud = get32(h);
		c->res = get32(h + 4);
		c->flags = h[8];
		c->detail_case = h[9];
		c->detail_len = (uint16_t)(h[10] | h[11] << 8);
		c->len = get32(h + 12);
		if ((uint64_t)c->len + c->detail_len > got.len - at - CQE_HEADER) {
			t_format(got.bad, sizeof(got.bad), "CQE %u's data and detail run past the end", i);
			return false;
		}
		c->data = h + CQE_HEADER;
		c->detail = c->data + c->len;
		end = at + CQE_HEADER + c->len + c->detail_len;
		for (at = end; at < pad8(end) && at < got.len; at++) {
			if (got.bytes[at]) {
				t_format(got.bad, sizeof(got.bad), "CQE %u's padding is not zero", i);
				return false;
			}
		}
	}
	if (at != got.len) {
		t_format(got.bad, sizeof(got.bad), "%zu bytes, the CQEs end at %zu", got.len, at);
		return false;
	}
	return true;
}

/* The case's own ring, for the enter calls (the SDK's ring holds the fixtures' rounds). */
static ioring_ring_ring_own_ring_t p_ring;

/* enter with what pk holds (then emptied), into got; false when the result is malformed. */
static bool enter(unsigned min, unsigned max, int64_t timeout_ns)
{
	app_list_u8_t in = { pk.b, pk.len }, out;
	uint64_t t = (uint64_t)timeout_ns;

	ioring_ring_ring_method_ring_enter(ioring_ring_ring_borrow_ring(p_ring), &in, min, max,
					   timeout_ns < 0 ? NULL : &t, &out);
	pk.len = 0;
	if (got.len)
		free(got.bytes);
	got.bytes = out.ptr;
	got.len = out.len;
	return walk();
}

/* Wait for the CQEs of what is in flight: at least @min of them, 5 s at most. */
static bool reap(unsigned min)
{
	return enter(min, MAX_CQES, T_WAIT_NS);
}

/* The CQE of user-data @ud in got, or NULL. */
static const struct p_cqe *find(uint32_t ud)
{
	for (uint32_t i = 0; i < got.count; i++)
		if (got.c[i].ud == ud)
			return &got.c[i];
	return NULL;
}

static bool is_ok(const struct p_cqe *c, uint32_t ud, uint32_t res)
{
	return c->ud == ud && c->res == res && !(c->flags & CQE_ERROR);
}

static bool is_err(const struct p_cqe *c, uint32_t ud, uint32_t code)
{
	return c->ud == ud && c->res == code && (c->flags & CQE_ERROR);
}

/* "ud 7: ok 5" or "ud 7: error 18": a CQE, for a failure's message. */
static const char *show(const struct p_cqe *c)
{
	static char buf[4][64];
	static unsigned next;

	next = (next + 1) % 4;
	t_format(buf[next], sizeof(buf[next]), "ud %u: %s %u, flags %u, %u+%u bytes", c->ud,
		 c->flags & CQE_ERROR ? "error" : "ok", c->res, c->flags, c->len, c->detail_len);
	return buf[next];
}

/* Run @fn as case @name with a ring for enter, dropped afterwards (in-flight entries with it). */
static void (*p_case)(struct ior_ring *ring);

static void p_run_case(struct ior_ring *ring)
{
	ioring_ring_ring_error_code_t err;

	if (!ioring_ring_ring_static_ring_create(32, &p_ring, &err)) {
		t_fail("ring.create: error %u", err);
		return;
	}
	pk.len = 0;
	p_case(ring);
	ioring_ring_ring_ring_drop_own(p_ring);
}

static void p_run(const char *name, void (*fn)(struct ior_ring *ring))
{
	p_case = fn;
	t_run(name, p_run_case);
}

/* ---- cases ---- */

/* A nop's round, every byte of the result. */
static void nop_round(struct ior_ring *ring)
{
	static const uint8_t want[] = { 1, 0, 0, 0, 1, 0, 0, 0, 0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0,
					0, 0, 0, 0, 0, 0, 0, 0 };

	(void)ring;

	pk_op(OP(NOP), 0, 0x12345678);
	CHECK(enter(1, 4, T_WAIT_NS), "%s", got.bad);
	CHECK(got.len == sizeof(want) && memcmp(got.bytes, want, sizeof(want)) == 0,
	      "the result is not queued 1, one CQE (0x12345678, ok 0): %zu bytes", got.len);
	PASS();
}

/*
 * With max 0 enter only queues, whatever min asks: it returns at once (an hour's timeout in
 * flight, no timeout of its own), and the CQEs come with a later call.
 */
static void max_zero_queues(struct ior_ring *ring)
{
	(void)ring;
	pk_sqe(OP(TIMEOUT), 0, 1, NO_FD, 0, 3600000000000ull, 0, 0, NULL, 0);
	pk_op(OP(NOP), 0, 2);
	pk_op(OP(NOP), 0, 3);
	CHECK(enter(3, 0, -1), "%s", got.bad);
	CHECK(got.queued == 3 && got.count == 0 && got.len == 8, "queued %u, %u CQEs, %zu bytes: want 3, 0, 8",
	      got.queued, got.count, got.len);
	CHECK(reap(2), "%s", got.bad);
	CHECK(got.queued == 0 && got.count == 2, "queued %u, %u CQEs: want 0, 2", got.queued, got.count);
	CHECK(is_ok(&got.c[0], 2, 0) && is_ok(&got.c[1], 3, 0), "%s; %s", show(&got.c[0]), show(&got.c[1]));
	PASS();
}

/* A write's payload follows its header; a read's bytes come back as the CQE's data. */
static void file_round(struct ior_ring *ring)
{
	static const char text[] = "hello, packed";
	const size_t n = sizeof(text) - 1;
	int fd = t_open(ring, t_dir("rw"), "packed", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, NULL);

	CHECK(fd >= 0, "fixture: open rw/packed: %s", t_code(fd));
	pk_sqe(OP(WRITE), LINK, 10, (uint32_t)fd, (uint32_t)n, 0, 0, 0, text, n);
	pk_sqe(OP(FSYNC), LINK, 11, (uint32_t)fd, 0, 0, 1, 0, NULL, 0);
	pk_sqe(OP(READ), 0, 12, (uint32_t)fd, 64, 0, 0, 0, NULL, 0);
	CHECK(pk.len == SQE_HEADER + pad8(n) + 2 * SQE_HEADER, "a defect of the case: %zu bytes packed", pk.len);
	CHECK(enter(3, 8, T_WAIT_NS), "%s", got.bad);
	CHECK(got.queued == 3 && got.count == 3, "queued %u, %u CQEs: want 3, 3", got.queued, got.count);
	CHECK(is_ok(&got.c[0], 10, (uint32_t)n) && got.c[0].len == 0, "write: %s", show(&got.c[0]));
	CHECK(is_ok(&got.c[1], 11, 0), "fsync (datasync): %s", show(&got.c[1]));
	CHECK(is_ok(&got.c[2], 12, (uint32_t)n) && got.c[2].len == n && memcmp(got.c[2].data, text, n) == 0 &&
		      got.c[2].detail_case == DETAIL(NONE) && got.c[2].detail_len == 0,
	      "read: %s", show(&got.c[2]));
	/* The read's CQE starts 8 + 2 * 16 bytes in and ends padded to 8. */
	CHECK(got.c[2].data == got.bytes + 8 + 2 * CQE_HEADER + CQE_HEADER &&
		      got.len == 8 + 2 * CQE_HEADER + pad8(CQE_HEADER + n),
	      "the read's CQE is not where the layout puts it (%zu bytes)", got.len);
	/* ftruncate's length is the offset field; a read at the position (all ones) starts at 0. */
	pk_sqe(OP(FTRUNCATE), LINK, 13, (uint32_t)fd, 0, 5, 0, 0, NULL, 0);
	pk_sqe(OP(READ), 0, 14, (uint32_t)fd, 64, NO_OFFSET, 0, 0, NULL, 0);
	CHECK(enter(2, 8, T_WAIT_NS), "%s", got.bad);
	CHECK(got.count == 2 && is_ok(&got.c[0], 13, 0), "ftruncate: %s", show(&got.c[0]));
	CHECK(is_ok(&got.c[1], 14, 5) && got.c[1].len == 5 && memcmp(got.c[1].data, "hello", 5) == 0,
	      "read at the position: %s", show(&got.c[1]));
	pk_sqe(OP(CLOSE), 0, 15, (uint32_t)fd, 0, 0, 0, 0, NULL, 0);
	CHECK(enter(1, 8, T_WAIT_NS), "%s", got.bad);
	CHECK(got.count == 1 && is_ok(&got.c[0], 15, 0), "close: %s", show(&got.c[0]));
	PASS();
}

/*
 * A case with no packed form, or a value its type cannot hold: `invalid`, and the list goes on.
 * A sendmsg's destination that is not one whole address of a known case is such a value; the
 * entry after it is found past its data and address, padded to 8.
 */
static void refused_entries(struct ior_ring *ring)
{
	/* Every case whose arguments hold a path, options, segments, or an address to connect or
	 * bind to; 38 and 255, past the last case. */
	static const uint8_t no_form[] = {
		OP(CONNECT),	  OP(SOCKET),	    OP(BIND),	   OP(SET_OPTION), OP(OPENAT),	     OP(STATX),
		OP(SPI_TRANSFER), OP(I2C_TRANSFER), OP(TTY_CONFIGURE), OP(MKDIRAT), OP(UNLINKAT), OP(RENAMEAT),
		OP(GPIO_REQUEST), 38,		    255,
	};
	static const uint8_t unknown_case[8] = { 7, 0, 0x90, 0x1f, 127, 0, 0, 1 };
	static const uint8_t not_utf8[6] = { 2, 0, 0, 0, '/', 0xff };
	static const uint8_t surrogate[8] = { 2, 0, 0, 0, '/', 0xed, 0xa0, 0x80 }; /* U+D800 */
	static const uint8_t unix_path[10] = { 2, 0, 0, 0, '/', 'r', 'u', 'n', '/', 's' };
	uint8_t v4[8], v6[28], v6_short[8], v4_long[28];
	struct {
		const uint8_t *to;
		uint32_t x;
		uint32_t code; /* 0: invalid */
	} to[] = {
		{ v4, 5, 0 },		      /* not whole */
		{ unknown_case, 8, 0 },	      /* case 7 */
		{ v6_short, 8, 0 },	      /* ipv6 of an ipv4's length */
		{ v4_long, 28, 0 },	      /* ipv4 of an ipv6's length */
		{ v4, 3, 0 },		      /* not even a case and port */
		{ v4, 1, 0 },
		{ not_utf8, 6, 0 },	      /* a path that is no string */
		{ surrogate, 8, 0 },
		{ v4, 8, E_BADF },	      /* whole: decoded, then the handle fails */
		{ v6, 28, E_BADF },
		{ unix_path, 10, E_BADF },
		{ unix_path, 4, E_BADF },     /* unix, the empty path */
	};
	const uint32_t nto = sizeof(to) / sizeof(to[0]);
	uint32_t n = 0;

	(void)ring;
	for (unsigned i = 0; i < sizeof(no_form); i++)
		pk_op(no_form[i], 0, n++);
	pk_sqe(OP(SHUTDOWN), 0, n++, NO_FD, 0, 0, 3, 0, NULL, 0);	 /* no fourth shutdown-how */
	pk_sqe(OP(FSYNC), 0, n++, NO_FD, 0, 0, 2, 0, NULL, 0);	 /* datasync 2 */
	pk_sqe(OP(GPIO_SET), 0, n++, NO_FD, 0, 0, 2, 0, NULL, 0);	 /* value 2 */
	pk_sqe(OP(CANCEL), 0, n++, NO_FD, 0, 0, 77, 2, NULL, 0);	 /* all 2 */
	pk_sqe(OP(POLL), 0, n++, NO_FD, 0, 0, 1u << 6, 0, NULL, 0); /* a seventh event */
	pk_sqe(OP(POLL), 0, n++, NO_FD, 0, 0, 1, 2, NULL, 0);	 /* multishot 2 */
	pk_op(OP(NOP), 0, n);
	CHECK(enter(n + 1, MAX_CQES, T_WAIT_NS), "%s", got.bad);
	CHECK(got.queued == n + 1 && got.count == n + 1, "queued %u, %u CQEs: want %u each", got.queued, got.count,
	      n + 1);
	for (uint32_t i = 0; i < n; i++)
		CHECK(is_err(&got.c[i], i, E_INVALID), "entry %u: %s, want invalid", i, show(&got.c[i]));
	CHECK(is_ok(&got.c[n], n, 0), "the nop after them: %s", show(&got.c[n]));
	/* Each sendmsg carries 5 bytes of data (its entry 32 + 5 + x, padded), a nop after it. */
	addr_v4(v4, 8080);
	addr_v6(v6);
	memcpy(v6_short, v4, 8);
	v6_short[0] = 1;
	memset(v4_long, 0, sizeof(v4_long));
	memcpy(v4_long, v4, 8);
	for (uint32_t i = 0; i < nto; i++) {
		pk_sendmsg(100 + i, NO_FD, "hello", 5, to[i].to, to[i].x);
		pk_op(OP(NOP), 0, 200 + i);
	}
	CHECK(enter(2 * nto, MAX_CQES, T_WAIT_NS), "%s", got.bad);
	CHECK(got.queued == 2 * nto && got.count == 2 * nto, "sendmsg: queued %u, %u CQEs: want %u each", got.queued,
	      got.count, 2 * nto);
	for (uint32_t i = 0; i < nto; i++) {
		const struct p_cqe *c = find(100 + i), *nop = find(200 + i);
		uint32_t want = to[i].code ? to[i].code : E_INVALID;

		CHECK(c && is_err(c, 100 + i, want), "sendmsg %u (x %u, case %u): %s, want error %u", i, to[i].x,
		      to[i].to[0], c ? show(c) : "no CQE", want);
		CHECK(nop && is_ok(nop, 200 + i, 0), "the nop after sendmsg %u: %s", i, nop ? show(nop) : "no CQE");
	}
	PASS();
}

/* An entry cut short by the end of the list completes with `invalid` and ends the list. */
static void cut_short(struct ior_ring *ring)
{
	(void)ring;
	/* A write whose 100 bytes are not there: the nop after it is never read. */
	pk_sqe(OP(WRITE), 0, 7, NO_FD, 100, NO_OFFSET, 0, 0, NULL, 0);
	pk_op(OP(NOP), 0, 8);
	CHECK(enter(1, 8, T_WAIT_NS), "%s", got.bad);
	CHECK(got.queued == 1 && got.count == 1 && is_err(&got.c[0], 7, E_INVALID),
	      "queued %u, %u CQEs (%s): want the write's invalid alone", got.queued, got.count, show(&got.c[0]));
	/* A send whose length would wrap a 32-bit size. */
	pk_sqe(OP(SEND), 0, 9, NO_FD, UINT32_MAX, 0, 0, 0, NULL, 0);
	CHECK(enter(1, 8, T_WAIT_NS), "%s", got.bad);
	CHECK(got.count == 1 && is_err(&got.c[0], 9, E_INVALID), "send of 4 GiB: %s", show(&got.c[0]));
	/* A sendmsg whose data is there but not its destination's 8 bytes. */
	pk_sqe(OP(SENDMSG), 0, 16, NO_FD, 4, 0, 8, 0, "ping\0\0\x90\x1f", 8);
	CHECK(pk.len == SQE_HEADER + 8, "a defect of the case: %zu bytes packed", pk.len);
	CHECK(enter(1, 8, T_WAIT_NS), "%s", got.bad);
	CHECK(got.queued == 1 && got.count == 1 && is_err(&got.c[0], 16, E_INVALID),
	      "sendmsg cut in its address: queued %u, %u CQEs (%s)", got.queued, got.count, show(&got.c[0]));
	/* Data and destination that together run past the nop after them: it is never read. */
	pk_sqe(OP(SENDMSG), 0, 17, NO_FD, 4, 0, 64, 0, "ping", 4);
	pk_op(OP(NOP), 0, 18);
	CHECK(enter(1, 8, T_WAIT_NS), "%s", got.bad);
	CHECK(got.queued == 1 && got.count == 1 && is_err(&got.c[0], 17, E_INVALID),
	      "sendmsg of 4 + 64 bytes: queued %u, %u CQEs (%s): want its invalid alone", got.queued, got.count,
	      show(&got.c[0]));
	/* Lengths whose sum would wrap 32 bits: 0xffffffff + 8 is not 7. */
	pk_sqe(OP(SENDMSG), 0, 19, NO_FD, UINT32_MAX, 0, 8, 0, "ping", 4);
	CHECK(enter(1, 8, T_WAIT_NS), "%s", got.bad);
	CHECK(got.count == 1 && is_err(&got.c[0], 19, E_INVALID), "sendmsg of 4 GiB + 8: %s", show(&got.c[0]));
	pk_sqe(OP(SENDMSG), 0, 20, NO_FD, 4, 0, UINT32_MAX - 3, 0, "ping", 4);
	CHECK(enter(1, 8, T_WAIT_NS), "%s", got.bad);
	CHECK(got.count == 1 && is_err(&got.c[0], 20, E_INVALID), "sendmsg of 4 + 4 GiB: %s", show(&got.c[0]));
	/* A header cut after its user-data is an entry; cut before it, none. */
	pk_op(OP(NOP), 0, 10);
	pk_op(OP(NOP), 0, 11);
	pk.len = SQE_HEADER + 12;
	CHECK(enter(2, 8, T_WAIT_NS), "%s", got.bad);
	CHECK(got.queued == 2 && got.count == 2 && is_ok(&got.c[0], 10, 0) && is_err(&got.c[1], 11, E_INVALID),
	      "a header cut to 12 bytes: queued %u, %u CQEs (%s; %s)", got.queued, got.count, show(&got.c[0]),
	      show(&got.c[1]));
	pk_op(OP(NOP), 0, 12);
	pk.len = 7;
	CHECK(enter(0, 8, 0), "%s", got.bad);
	CHECK(got.queued == 0 && got.count == 0, "a header cut to 7 bytes: queued %u, %u CQEs: want none",
	      got.queued, got.count);
	PASS();
}

/* A refused entry fails at its place in a chain: a `link` after it is canceled, a hard link runs. */
static void refused_in_chain(struct ior_ring *ring)
{
	(void)ring;
	pk_op(OP(SOCKET), LINK, 20);
	pk_op(OP(NOP), 0, 21);
	pk_op(OP(SOCKET), HARD_LINK, 22);
	pk_op(OP(NOP), 0, 23);
	/* And a packed chain broken by an operation's own failure. */
	pk_sqe(OP(READ), LINK, 24, NO_FD, 8, 0, 0, 0, NULL, 0);
	pk_op(OP(NOP), 0, 25);
	CHECK(enter(6, 8, T_WAIT_NS), "%s", got.bad);
	CHECK(got.count == 6, "%u CQEs, want 6", got.count);
	CHECK(is_err(&got.c[0], 20, E_INVALID) && is_err(&got.c[1], 21, E_CANCELED), "link: %s; %s",
	      show(&got.c[0]), show(&got.c[1]));
	CHECK(is_err(&got.c[2], 22, E_INVALID) && is_ok(&got.c[3], 23, 0), "hard link: %s; %s", show(&got.c[2]),
	      show(&got.c[3]));
	CHECK(is_err(&got.c[4], 24, E_BADF) && is_err(&got.c[5], 25, E_CANCELED), "a failed read's link: %s; %s",
	      show(&got.c[4]), show(&got.c[5]));
	PASS();
}

/* Entries past the in-flight limit are not queued; `queued` says how many were. */
static void queued_to_the_limit(struct ior_ring *ring)
{
	unsigned total = 0;

	(void)ring;

	for (uint32_t i = 0; i < 1100; i++)
		pk_op(OP(NOP), 0, i);
	CHECK(enter(0, 0, -1), "%s", got.bad);
	CHECK(got.queued == 1024 && got.count == 0, "queued %u of 1100, %u CQEs: want 1024 (the adapter's limit), 0",
	      got.queued, got.count);
	while (total < 1024) {
		CHECK(reap(1), "%s", got.bad);
		CHECK(got.count > 0, "no CQEs after %u", total);
		for (uint32_t i = 0; i < got.count; i++, total++)
			CHECK(is_ok(&got.c[i], total, 0), "CQE %u: %s", total, show(&got.c[i]));
	}
	PASS();
}

/* A completion of an entry `submit` took comes back packed, in order, detail and all. */
static void record_then_packed(struct ior_ring *ring)
{
	ioring_ring_ring_list_sqe_t list;
	ior_sqe_t sqe[2];
	const uint8_t *d;
	int fd = t_open(ring, t_dir("rw"), "stat-me", IOR_O_WRITE | IOR_O_CREATE, "12345");

	CHECK(fd >= 0, "fixture: rw/stat-me: %s", t_code(fd));
	t_close(ring, fd);
	ior_prep_statx(&sqe[0], (ior_handle_t)t_dir("rw"), "stat-me", true);
	ior_sqe_set_data32(&sqe[0], 30);
	ior_prep_nop(&sqe[1]);
	ior_sqe_set_data32(&sqe[1], 31);
	list = (ioring_ring_ring_list_sqe_t){ sqe, 2 };
	CHECK(ioring_ring_ring_method_ring_submit(ioring_ring_ring_borrow_ring(p_ring), &list) == 2,
	      "submit of two records");
	pk_op(OP(NOP), 0, 32);
	CHECK(enter(3, 8, T_WAIT_NS), "%s", got.bad);
	CHECK(got.queued == 1 && got.count == 3, "queued %u, %u CQEs: want 1, 3", got.queued, got.count);
	CHECK(is_ok(&got.c[1], 31, 0) && is_ok(&got.c[2], 32, 0), "not in order: %s; %s", show(&got.c[1]),
	      show(&got.c[2]));
	CHECK(is_ok(&got.c[0], 30, 0) && got.c[0].detail_case == DETAIL(STAT) && got.c[0].detail_len == 32,
	      "statx: %s, detail %u", show(&got.c[0]), got.c[0].detail_case);
	/* u8 file-type, 3 zero bytes, u32 mode, u32 links, u32 zero, u64 size, u64 modified-ns. */
	d = got.c[0].detail;
	CHECK(d[0] == IOR_FILE_REGULAR && d[1] == 0 && d[2] == 0 && d[3] == 0 && get32(d + 4) == 0644 &&
		      get32(d + 8) >= 1 && get32(d + 12) == 0 && get64(d + 16) == 5 && get64(d + 24) > 0,
	      "stat: type %u mode %#o links %u size %u", d[0], get32(d + 4), get32(d + 8), (unsigned)get64(d + 16));
	PASS();
}

/* An IPv4 socket address in the form: u8 case 0, u8 zero, u16 port, the 4 address bytes. */
static int loopback_port(const uint8_t *a)
{
	return a[0] == 0 && a[1] == 0 && a[4] == 127 && a[5] == 0 && a[6] == 0 && a[7] == 1
		       ? a[2] | a[3] << 8
		       : -1;
}

/* local-address, accept (a handle and the peer), send and recv, all packed. */
static void tcp_details(struct ior_ring *ring)
{
	struct t_cqe c;
	ior_sockaddr_t to;
	int lst = ior_grant_listener("lst"), port, client, server, res;

	CHECK(lst >= 0, "fixture: listener lst: %s", t_code(lst));
	pk_sqe(OP(LOCAL_ADDRESS), 0, 40, (uint32_t)lst, 0, 0, 0, 0, NULL, 0);
	CHECK(enter(1, 8, T_WAIT_NS), "%s", got.bad);
	CHECK(got.count == 1 && is_ok(&got.c[0], 40, 0) && got.c[0].detail_case == DETAIL(ADDRESS) &&
		      got.c[0].detail_len == 8,
	      "local-address: %s, detail %u", show(&got.c[0]), got.c[0].detail_case);
	port = loopback_port(got.c[0].detail);
	CHECK(port > 0, "local-address: not 127.0.0.1 and a port");
	/* The accept waits in the adapter while the SDK's ring connects. */
	pk_sqe(OP(ACCEPT), 0, 41, (uint32_t)lst, 0, 0, 0, 0, NULL, 0);
	CHECK(enter(0, 0, -1) && got.queued == 1, "accept: queued %u", got.queued);
	ior_prep_socket(ior_get_sqe(ring), IOR_AF_INET, IOR_SOCK_STREAM);
	res = t_one(ring, &c);
	CHECK(res == 0 && c.handle >= 0, "fixture: socket: %s", t_code(res));
	client = c.handle;
	ior_addr_ipv4(&to, 127, 0, 0, 1, (uint16_t)port);
	ior_prep_connect(ior_get_sqe(ring), (ior_handle_t)client, &to);
	res = t_one(ring, NULL);
	CHECK(res == 0, "fixture: connect: %s", t_code(res));
	CHECK(reap(1), "%s", got.bad);
	/* u32 handle, then the peer's address. */
	CHECK(got.count == 1 && is_ok(&got.c[0], 41, 0) && got.c[0].detail_case == DETAIL(ACCEPTED) &&
		      got.c[0].detail_len == 12 && loopback_port(got.c[0].detail + 4) > 0,
	      "accept: %s, detail %u", show(&got.c[0]), got.c[0].detail_case);
	server = (int)get32(got.c[0].detail);
	pk_sqe(OP(SEND), LINK, 42, (uint32_t)client, 4, 0, 0, 0, "ping", 4);
	pk_sqe(OP(RECV), 0, 43, (uint32_t)server, 64, 0, 0, 0, NULL, 0);
	CHECK(enter(2, 8, T_WAIT_NS), "%s", got.bad);
	CHECK(got.count == 2 && is_ok(&got.c[0], 42, 4), "send: %s", show(&got.c[0]));
	CHECK(is_ok(&got.c[1], 43, 4) && got.c[1].len == 4 && memcmp(got.c[1].data, "ping", 4) == 0,
	      "recv: %s", show(&got.c[1]));
	pk_sqe(OP(CLOSE), 0, 44, (uint32_t)client, 0, 0, 0, 0, NULL, 0);
	pk_sqe(OP(CLOSE), 0, 45, (uint32_t)server, 0, 0, 0, 0, NULL, 0);
	CHECK(enter(2, 8, T_WAIT_NS) && got.count == 2, "close: %s", got.bad);
	PASS();
}

/*
 * recvmsg's detail is the sender's address; a packed sendmsg's destination is where its bytes
 * go, none is the connected peer's, and a unix one is no socket address of WASI's.
 */
static void udp_peer(struct ior_ring *ring)
{
	/* 13 bytes, an entry of 32 + 13 + 8 padded to 56: the recvmsg after it starts at 56. */
	static const uint8_t dgram[13] = { 'p', 'a', 'c', 'k', 'e', 'd', 0, 0xff, 0x80, '\n', 'e', 'n', 'd' };
	static const uint8_t unix_path[10] = { 2, 0, 0, 0, '/', 'r', 'u', 'n', '/', 's' };
	const struct p_cqe *sent, *recvd;
	struct t_cqe c;
	ior_sockaddr_t any, to;
	uint8_t dest[8];
	int fd[2], port[2], res;

	ior_addr_ipv4(&any, 127, 0, 0, 1, 0);
	for (int i = 0; i < 2; i++) {
		ior_prep_socket(ior_get_sqe(ring), IOR_AF_INET, IOR_SOCK_DGRAM);
		res = t_one(ring, &c);
		CHECK(res == 0 && c.handle >= 0, "fixture: socket: %s", t_code(res));
		fd[i] = c.handle;
		ior_prep_bind(ior_get_sqe(ring), (ior_handle_t)fd[i], &any);
		res = t_one(ring, NULL);
		CHECK(res == 0, "fixture: bind: %s", t_code(res));
		ior_prep_local_address(ior_get_sqe(ring), (ior_handle_t)fd[i]);
		res = t_one(ring, &c);
		CHECK(res == 0 && t_port(&c) > 0, "fixture: local-address: %s", t_code(res));
		port[i] = t_port(&c);
	}
	pk_sqe(OP(RECVMSG), 0, 50, (uint32_t)fd[0], 64, 0, 0, 0, NULL, 0);
	CHECK(enter(0, 0, -1) && got.queued == 1, "recvmsg: queued %u", got.queued);
	ior_addr_ipv4(&to, 127, 0, 0, 1, (uint16_t)port[0]);
	ior_prep_sendmsg(ior_get_sqe(ring), (ior_handle_t)fd[1], "dgram", 5, &to);
	res = t_one(ring, NULL);
	CHECK(res == 5, "fixture: sendmsg: %s", t_code(res));
	CHECK(reap(1), "%s", got.bad);
	CHECK(got.count == 1 && is_ok(&got.c[0], 50, 5) && got.c[0].len == 5 &&
		      memcmp(got.c[0].data, "dgram", 5) == 0 && got.c[0].detail_case == DETAIL(PEER) &&
		      got.c[0].detail_len == 8,
	      "recvmsg: %s, detail %u", show(&got.c[0]), got.c[0].detail_case);
	CHECK(loopback_port(got.c[0].detail) == port[1], "recvmsg: the peer is not 127.0.0.1:%d", port[1]);
	/* The other way, packed both: the sendmsg to 127.0.0.1:port[1], the recvmsg after it. */
	addr_v4(dest, (uint16_t)port[1]);
	pk_sendmsg(51, (uint32_t)fd[0], dgram, sizeof(dgram), dest, sizeof(dest));
	pk_sqe(OP(RECVMSG), 0, 52, (uint32_t)fd[1], 64, 0, 0, 0, NULL, 0);
	CHECK(pk.len == 56 + SQE_HEADER, "a defect of the case: %zu bytes packed", pk.len);
	CHECK(enter(2, 8, T_WAIT_NS), "%s", got.bad);
	sent = find(51);
	recvd = find(52);
	CHECK(got.queued == 2 && got.count == 2 && sent && recvd, "sendmsg, recvmsg: queued %u, %u CQEs", got.queued,
	      got.count);
	CHECK(is_ok(sent, 51, sizeof(dgram)) && sent->len == 0 && sent->detail_len == 0, "sendmsg: %s", show(sent));
	CHECK(is_ok(recvd, 52, sizeof(dgram)) && recvd->len == sizeof(dgram) &&
		      memcmp(recvd->data, dgram, sizeof(dgram)) == 0 && recvd->detail_case == DETAIL(PEER) &&
		      recvd->detail_len == 8,
	      "recvmsg of the packed sendmsg: %s, detail %u", show(recvd), recvd->detail_case);
	CHECK(loopback_port(recvd->detail) == port[0], "recvmsg: the peer is not 127.0.0.1:%d", port[0]);
	/* No destination on a socket with no peer; a unix one, decoded, that WASI has no sockets for. */
	pk_sendmsg(53, (uint32_t)fd[0], "none", 4, NULL, 0);
	pk_sendmsg(54, (uint32_t)fd[0], "unix", 4, unix_path, sizeof(unix_path));
	CHECK(enter(2, 8, T_WAIT_NS), "%s", got.bad);
	CHECK(got.count == 2 && find(53) && is_err(find(53), 53, E_DESTADDRREQ), "sendmsg to none: %s",
	      find(53) ? show(find(53)) : "no CQE");
	CHECK(find(54) && is_err(find(54), 54, E_AFNOSUPPORT), "sendmsg to a unix path: %s",
	      find(54) ? show(find(54)) : "no CQE");
	for (int i = 0; i < 2; i++)
		t_close(ring, fd[i]);
	PASS();
}

/* xorshift64: the same entries on every run. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Entries of random cases, flags, fields and lengths, the list cut anywhere: every result is
 * well formed, and the adapter lives on. A payload longer than its entry says is read as
 * entries too. Nothing real is touched: every handle written is NO_FD, and the payloads' bytes
 * have their top bit set, so that a handle read out of them is past any table (and its case
 * past the last). A timeout left waiting goes with the ring.
 */
static void fuzz(struct ior_ring *ring)
{
	static uint8_t junk[200];
	uint64_t s = 0x9e3779b97f4a7c15ull;
	unsigned queued = 0, cqes = 0, most;

	(void)ring;

	for (int round = 0; round < 400; round++) {
		unsigned entries = (unsigned)(next(&s) % 6);

		for (unsigned i = 0; i < entries; i++) {
			uint64_t r = next(&s);
			uint8_t op = (uint8_t)(r % 3 == 0 ? r >> 8 : (r >> 8) % 40);
			uint32_t len = r % 5 == 0 ? (uint32_t)next(&s) : (uint32_t)(r >> 16) % 64;
			size_t n = (size_t)(next(&s) % sizeof(junk));

			for (size_t j = 0; j < n; j++)
				junk[j] = (uint8_t)next(&s) | 0x80;
			/* Timeouts short enough to fire within the case, or never. */
			pk_sqe(op, (uint8_t)(r >> 24), (uint32_t)r, NO_FD, len, next(&s) % 4 ? next(&s) % 2000000 : next(&s),
			       (uint32_t)next(&s), (uint32_t)(next(&s) % 3), junk, n);
		}
		if (pk.len && next(&s) % 4 == 0)
			pk.len -= (size_t)(next(&s) % pk.len);
		most = (unsigned)(pk.len / SQE_HEADER) + 1; /* a whole header each, but a cut last one */
		CHECK(enter(0, (unsigned)(next(&s) % 3) * 8, 0), "round %d: %s", round, got.bad);
		CHECK(got.queued <= most, "round %d: queued %u of at most %u entries", round, got.queued, most);
		queued += got.queued;
		cqes += got.count;
	}
	CHECK(queued > 400 && cqes > 100, "only %u queued, %u CQEs: the case tests too little", queued, cqes);
	PASS();
}

/* `submit` of no entries queues none. */
static void submit_nothing(struct ior_ring *ring)
{
	ioring_ring_ring_list_sqe_t none = { NULL, 0 };

	(void)ring;
	CHECK(ioring_ring_ring_method_ring_submit(ioring_ring_ring_borrow_ring(p_ring), &none) == 0,
	      "submit of an empty list");
	PASS();
}

int main(void)
{
	p_run("nop-round", nop_round);
	p_run("max-zero-queues", max_zero_queues);
	p_run("file-round", file_round);
	p_run("refused-entries", refused_entries);
	p_run("cut-short", cut_short);
	p_run("refused-in-chain", refused_in_chain);
	p_run("queued-to-the-limit", queued_to_the_limit);
	p_run("record-then-packed", record_then_packed);
	p_run("tcp-details", tcp_details);
	p_run("udp-peer", udp_peer);
	p_run("fuzz", fuzz);
	p_run("submit-nothing", submit_nothing);
	return t_exit();
}
