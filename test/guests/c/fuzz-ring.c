/*
 * fuzz-ring: submits random operation batches from inside a component, through the raw
 * generated bindings (not the SDK), so that the host's lifting, validation and preparation
 * see what a hostile guest would send.
 *
 *   fuzz-ring SEED BATCHES
 *
 * Grants it expects: a directory `d`, a listener `l` and a device `dev`. Each batch is 0 to
 * 24 SQEs of every op kind with absurd lengths, forged, closed and out-of-range handles,
 * random sqe-flags (links open at the end of a batch, chains longer than the SQ), cancels of
 * random user-data, fixed-buffer ops with random indices, escapes from the directory grant
 * (read-only opens only) and loopback addresses; a random `complete(min, max, timeout)`
 * follows, and now and then a register-buffers, buffer-read or buffer-write call or a new
 * ring. Every value is well-formed at the ABI level (a malformed one traps, by design);
 * what is wrong is what the host must refuse in a CQE.
 *
 * Half the batches go in the packed form (ring.enter) instead: packed by the SDK where an op
 * has a packed form, a bare header of the op's case and random fields where it has none, and
 * in one of four of them bytes of the ops' fields changed at random and the list cut short at
 * a random point.
 *
 * Checked: every CQE names a user-data in flight; only multishot operations report `more`;
 * at the end, after cancelling what is left, every taken SQE has had exactly one final CQE.
 * Prints `fuzz-ring: seed S batches B sqes N taken T cqes C left L errors E` and exits 0
 * when E is 0 (failures also print a line to stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
/* The SDK's packed form (guest/src/packed.c), linked in with the SDK. */
#include "../../../guest/src/internal.h"

typedef ioring_ring_types_sqe_t sqe_t;
typedef ioring_ring_ring_borrow_ring_t ring_t;

#define MAX_UD (1u << 20)
#define RING_ENTRIES 32

/* Per user-data: operations in flight (0 or 1, user-data are not reused) and multishot. */
static unsigned char inflight[MAX_UD];
static unsigned char multishot[MAX_UD];
static uint32_t next_ud = 1;
static unsigned long sqes_made, taken, cqes, left, errors;
static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(uint32_t n) { return (uint32_t)(rnd() % n); }

#define PICK(...) pick_u64((uint64_t[]){ __VA_ARGS__ }, sizeof((uint64_t[]){ __VA_ARGS__ }) / sizeof(uint64_t))

static uint64_t pick_u64(const uint64_t *v, size_t n) { return v[below((uint32_t)n)]; }

static void fail(const char *what, uint32_t ud)
{
	fprintf(stderr, "fuzz-ring: %s (user-data %u)\n", what, ud);
	errors++;
}

static uint32_t dir, listener, device, listen_port;

static uint32_t handle(void)
{
	switch (below(8)) {
	case 0: return dir;
	case 1: return listener;
	case 2: return device;
	case 3: return (uint32_t)PICK(0, 1, 2, 3, 1023, 1024, 65535, UINT32_MAX, 0x7fffffff);
	default: return below(24);
	}
}

/* Handles 1 and 2 are the host's stdout and stderr: writes and shutdowns go to the directory. */
static uint32_t write_handle(void)
{
	uint32_t h = handle();

	return h == 1 || h == 2 ? dir : h;
}

static uint32_t absurd_len(void)
{
	return (uint32_t)PICK(0, 1, 4096, 65536, (16u << 20) - 1, 16u << 20, (16u << 20) + 1, UINT32_MAX, below(8192));
}

static app_list_u8_t bytes(void)
{
	static uint8_t buf[70000];
	size_t len = (size_t)PICK(0, 1, 100, 4096, 65536, 70000, below(512));

	memset(buf, (int)rnd(), len < 512 ? len : 512);
	return (app_list_u8_t){ buf, len };
}

static app_option_u64_t offset(void)
{
	uint64_t v = PICK(0, 1, 4096, 1ull << 40, UINT64_MAX, 0x7fffffffffffffffull);

	return (app_option_u64_t){ below(3) != 0, v };
}

static app_string_t str(const char *s) { return (app_string_t){ (uint8_t *)s, strlen(s) }; }

static const char *paths_rw[] = { "a", "b", "new0", "new1", "sub", "sub/c", ".", "", "a/", "..", "../x", "sub/../a" };
static const char *paths_ro[] = { "/etc/passwd", "/proc/self/fd/0", "/", "../../etc/passwd", "/dev/null" };
static char long_path[5000];

static ioring_ring_types_socket_address_t address(void)
{
	ioring_ring_types_socket_address_t a;

	memset(&a, 0, sizeof(a));
	switch (below(3)) {
	case 0:
		a.tag = IORING_RING_TYPES_SOCKET_ADDRESS_IPV4;
		a.val.ipv4.port = (uint16_t)PICK(listen_port, 0);
		a.val.ipv4.address = (app_tuple4_u8_u8_u8_u8_t){ 127, 0, 0, (uint8_t)PICK(1, 2) };
		break;
	case 1:
		a.tag = IORING_RING_TYPES_SOCKET_ADDRESS_IPV6;
		a.val.ipv6.port = (uint16_t)PICK(listen_port, 0);
		a.val.ipv6.address.f7 = 1;
		a.val.ipv6.scope_id = (uint32_t)PICK(0, UINT32_MAX);
		break;
	default:
		a.tag = IORING_RING_TYPES_SOCKET_ADDRESS_UNIX;
		a.val.unix = str((const char *)PICK((uint64_t)(uintptr_t) "", (uintptr_t) "s0", (uintptr_t)long_path + 4800));
	}
	return a;
}

static ioring_ring_types_spi_segment_t segs[4];
static ioring_ring_types_i2c_message_t msgs[4];

/* One random op into @s; returns whether it is multishot. */
static int make_op(sqe_t *s)
{
	ioring_ring_types_op_t *op = &s->op;

	memset(op, 0, sizeof(*op));
	op->tag = (uint8_t)below(30);
	switch (op->tag) {
	case IORING_RING_TYPES_OP_READ:
		op->val.read = (ioring_ring_types_read_args_t){ handle(), absurd_len(), offset() };
		break;
	case IORING_RING_TYPES_OP_WRITE:
		op->val.write = (ioring_ring_types_write_args_t){ write_handle(), bytes(), offset() };
		break;
	case IORING_RING_TYPES_OP_READ_FIXED:
	case IORING_RING_TYPES_OP_WRITE_FIXED:
		op->val.read_fixed = (ioring_ring_types_fixed_args_t){ write_handle(), (uint32_t)PICK(0, 1, 7, UINT32_MAX),
			(uint32_t)PICK(0, 1, 4095, UINT32_MAX), absurd_len(), offset() };
		break;
	case IORING_RING_TYPES_OP_SEND:
		op->val.send = (ioring_ring_types_send_args_t){ write_handle(), bytes() };
		break;
	case IORING_RING_TYPES_OP_RECV:
	case IORING_RING_TYPES_OP_RECV_MULTISHOT:
	case IORING_RING_TYPES_OP_RECVMSG:
		op->val.recv = (ioring_ring_types_recv_args_t){ handle(), absurd_len() };
		return op->tag == IORING_RING_TYPES_OP_RECV_MULTISHOT;
	case IORING_RING_TYPES_OP_SENDMSG:
		op->val.sendmsg.fd = write_handle();
		op->val.sendmsg.data = bytes();
		op->val.sendmsg.to.is_some = below(2);
		op->val.sendmsg.to.val = address();
		break;
	case IORING_RING_TYPES_OP_ACCEPT:
		op->val.accept = handle();
		break;
	case IORING_RING_TYPES_OP_ACCEPT_MULTISHOT:
		op->val.accept_multishot = handle();
		return 1;
	case IORING_RING_TYPES_OP_CONNECT:
	case IORING_RING_TYPES_OP_BIND:
		op->val.connect.f0 = handle();
		op->val.connect.f1 = address();
		break;
	case IORING_RING_TYPES_OP_SOCKET:
		op->val.socket.f0 = (uint8_t)below(3);
		op->val.socket.f1 = (uint8_t)below(3);
		break;
	case IORING_RING_TYPES_OP_LISTEN:
		op->val.listen = (ioring_ring_types_tuple2_handle_u32_t){ handle(), (uint32_t)PICK(0, 1, UINT32_MAX) };
		break;
	case IORING_RING_TYPES_OP_SET_OPTION:
		op->val.set_option.f0 = handle();
		op->val.set_option.f1.tag = (uint8_t)below(7);
		if (op->val.set_option.f1.tag >= IORING_RING_TYPES_SOCKET_OPTION_RECEIVE_BUFFER_SIZE)
			op->val.set_option.f1.val.receive_buffer_size = (uint32_t)PICK(0, 1, UINT32_MAX);
		else
			op->val.set_option.f1.val.reuse_address = below(2);
		break;
	case IORING_RING_TYPES_OP_SHUTDOWN:
		/* Not stdout/stderr: under a test runner they are sockets, and the summary needs them. */
		op->val.shutdown = (ioring_ring_types_tuple2_handle_shutdown_how_t){ write_handle(), (uint8_t)below(3) };
		break;
	case IORING_RING_TYPES_OP_OPENAT: {
		uint16_t flags = (uint16_t)(rnd() & 0x1ff);
		/* Only read-only opens name paths that leave the grant. */
		int ro = !(flags & (IORING_RING_TYPES_OPEN_FLAGS_WRITE | IORING_RING_TYPES_OPEN_FLAGS_CREATE |
			IORING_RING_TYPES_OPEN_FLAGS_TRUNCATE | IORING_RING_TYPES_OPEN_FLAGS_APPEND));
		const char *p = ro && below(3) == 0 ? paths_ro[below(5)] : paths_rw[below(12)];

		if (below(20) == 0)
			p = long_path + PICK(0, 900, 4000);
		op->val.openat = (ioring_ring_types_openat_args_t){ handle(), str(p), flags, (uint32_t)PICK(0600, 07777, UINT32_MAX) };
		break;
	}
	case IORING_RING_TYPES_OP_CLOSE:
		/* Never the grants' handles or stdio: the rest of the run needs them. */
		op->val.close = 3 + below(30);
		if (op->val.close == dir || op->val.close == listener || op->val.close == device)
			op->val.close = UINT32_MAX;
		break;
	case IORING_RING_TYPES_OP_FSYNC:
		op->val.fsync = (ioring_ring_types_tuple2_handle_bool_t){ handle(), below(2) };
		break;
	case IORING_RING_TYPES_OP_STATX:
		op->val.statx = (ioring_ring_types_statx_args_t){ handle(), str(below(2) ? paths_ro[below(5)] : paths_rw[below(12)]), below(2) };
		break;
	case IORING_RING_TYPES_OP_TIMEOUT:
		op->val.timeout = (ioring_ring_types_timeout_args_t){ PICK(0, 1, 1000, 1000000, 10000000000ull, UINT64_MAX), (uint32_t)PICK(0, 1, UINT32_MAX) };
		break;
	case IORING_RING_TYPES_OP_LINK_TIMEOUT:
		op->val.link_timeout = PICK(0, 1, 1000000, UINT64_MAX);
		break;
	case IORING_RING_TYPES_OP_CANCEL:
		op->val.cancel = (ioring_ring_types_cancel_args_t){ next_ud > 1 ? 1 + below(next_ud) : 0, below(2) };
		break;
	case IORING_RING_TYPES_OP_POLL:
		op->val.poll = (ioring_ring_types_poll_args_t){ handle(), (uint8_t)(rnd() & 0x3f), below(2) };
		return op->val.poll.multishot;
	case IORING_RING_TYPES_OP_SPI_TRANSFER:
		for (int i = 0; i < 4; i++)
			segs[i] = (ioring_ring_types_spi_segment_t){ bytes(), absurd_len(), (uint32_t)rnd(), (uint8_t)rnd(), below(2), (uint16_t)rnd() };
		op->val.spi_transfer = (ioring_ring_types_spi_args_t){ handle(), { segs, below(5) } };
		break;
	case IORING_RING_TYPES_OP_I2C_TRANSFER:
		for (int i = 0; i < 4; i++)
			msgs[i] = (ioring_ring_types_i2c_message_t){ (uint16_t)rnd(), bytes(), absurd_len(), below(2) };
		op->val.i2c_transfer = (ioring_ring_types_i2c_args_t){ handle(), { msgs, below(5) } };
		break;
	case IORING_RING_TYPES_OP_TTY_CONFIGURE:
		op->val.tty_configure.f0 = handle();
		op->val.tty_configure.f1 = (ioring_ring_types_tty_config_t){ below(2), (uint32_t)PICK(0, 9600, 115200, UINT32_MAX),
			(uint8_t)PICK(5, 8, 0, 255), (uint8_t)below(3), (uint8_t)PICK(1, 2, 0), below(2) };
		break;
	case IORING_RING_TYPES_OP_LOCAL_ADDRESS:
		op->val.local_address = handle();
		break;
	default:
		break;
	}
	return 0;
}

static void check_cqes(ioring_ring_ring_list_cqe_t *got, uint32_t max);

/* Whether a packed entry of case @op carries a payload, whose length its header gives. */
static int has_payload(uint8_t op)
{
	return op == IORING_RING_TYPES_OP_WRITE || op == IORING_RING_TYPES_OP_SEND ||
	       op == IORING_RING_TYPES_OP_SENDMSG;
}

/*
 * The batch's SQEs packed into @buf (room for 24 entries with payloads); returns its length.
 * With @mangle, fields change at random and the list may end early.
 */
static size_t pack_batch(const sqe_t *sqes, uint32_t n, uint8_t *buf, size_t cap, int mangle)
{
	size_t len = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint8_t *packed, *h = buf + len;
		long size = __ior_pack_sqes(&sqes[i], 1, &packed);

		if (size < 0 || len + (size_t)size > cap) {
			/*
			 * No packed form, which the host must refuse, or no room left: a header all
			 * the same, with random fields (a payload's lengths zero, so that the
			 * entries after it stay where they are).
			 */
			size = 32;
			for (int b = 8; b < 32; b++)
				h[b] = (uint8_t)rnd();
			h[0] = sqes[i].op.tag;
			h[1] = sqes[i].flags;
			h[2] = h[3] = 0;
			memcpy(h + 4, &sqes[i].user_data, 4);
			if (has_payload(h[0])) {
				memset(h + 12, 0, 4);
				memset(h + 24, 0, 4);
			}
		} else {
			memcpy(h, packed, (size_t)size);
		}
		if (mangle && below(3) == 0) {
			/*
			 * Any byte but the user-data and, for the ops with a payload, the lengths
			 * that size it (len; and x, sendmsg's destination).
			 */
			int payload = has_payload(h[0]);
			int at = (int)below(32);
			int sizing = payload && ((at >= 12 && at < 16) ||
						 (h[0] == IORING_RING_TYPES_OP_SENDMSG && at >= 24 && at < 28));

			if (at == 0 && !payload) {
				h[0] = (uint8_t)below(40);
				if (has_payload(h[0]))
					h[0] = IORING_RING_TYPES_OP_NOP;
			} else if (at != 0 && (at < 4 || at >= 8) && !sizing) {
				h[at] = (uint8_t)rnd();
			}
		}
		len += (size_t)size;
	}
	/* Cut anywhere: the host answers a cut entry whose user-data is whole, and counts it. */
	if (mangle && len && below(2) == 0)
		len = below((uint32_t)len);
	return len;
}

/* One packed round: returns how many SQEs the host queued, the first of the batch's. */
static uint32_t enter_batch(ring_t ring, const uint8_t *bytes, size_t len, uint32_t min, uint32_t max,
			    uint64_t *timeout)
{
	app_list_u8_t sqes = { (uint8_t *)bytes, len }, result;
	ioring_ring_ring_list_cqe_t got;
	unsigned queued;

	ioring_ring_ring_method_ring_enter(ring, &sqes, min, max, timeout, &result);
	__ior_unpack_result(result.ptr, result.len, &queued, &got);
	app_list_u8_free(&result);
	check_cqes(&got, max);
	return queued;
}

static void reap(ring_t ring, uint32_t min, uint32_t max, uint64_t *timeout)
{
	ioring_ring_ring_list_cqe_t got;

	ioring_ring_ring_method_ring_complete(ring, min, max, timeout, &got);
	check_cqes(&got, max);
}

/* Every CQE in @got is for a user-data in flight, `more` only on a multishot one. */
static void check_cqes(ioring_ring_ring_list_cqe_t *got_list, uint32_t max)
{
	ioring_ring_ring_list_cqe_t got = *got_list;

	if (got.len > max)
		fail("complete returned more than max", 0);
	for (size_t i = 0; i < got.len; i++) {
		ioring_ring_types_cqe_t *c = &got.ptr[i];

		cqes++;
		if (c->user_data >= MAX_UD || !inflight[c->user_data]) {
			fail("CQE for a user-data not in flight", c->user_data);
			continue;
		}
		if (c->more && !multishot[c->user_data])
			fail("more on a one-shot operation", c->user_data);
		if (!c->more)
			inflight[c->user_data] = 0;
	}
	ioring_ring_ring_list_cqe_free(got_list);
}

static unsigned long outstanding(void)
{
	unsigned long n = 0;

	for (uint32_t u = 1; u < next_ud; u++)
		n += inflight[u];
	return n;
}

static ring_t new_ring(ioring_ring_ring_own_ring_t *own)
{
	ioring_ring_ring_error_code_t err;

	if (!ioring_ring_ring_static_ring_create(RING_ENTRIES, own, &err)) {
		fprintf(stderr, "fuzz-ring: ring: error %d\n", err);
		exit(1);
	}
	return (ring_t){ own->__handle };
}

/* Cancels what is in flight and completes until nothing is; drops the ring if that fails. */
static void drain(ring_t ring)
{
	for (int round = 0; round < 200 && outstanding(); round++) {
		sqe_t sqes[64];
		size_t n = 0;

		for (uint32_t u = 1; u < next_ud && n < 64; u++) {
			if (!inflight[u])
				continue;
			memset(&sqes[n], 0, sizeof(sqes[n]));
			sqes[n].op.tag = IORING_RING_TYPES_OP_CANCEL;
			sqes[n].op.val.cancel = (ioring_ring_types_cancel_args_t){ u, true };
			sqes[n].user_data = next_ud < MAX_UD ? next_ud++ : 0;
			n++;
		}
		ioring_ring_ring_list_sqe_t list = { sqes, n };
		uint32_t t = ioring_ring_ring_method_ring_submit(ring, &list);
		for (uint32_t i = 0; i < t; i++)
			inflight[sqes[i].user_data] = 1;
		uint64_t ms10 = 10 * 1000 * 1000;
		reap(ring, 1, UINT32_MAX, &ms10);
	}
}

int main(int argc, char **argv)
{
	ioring_ring_grants_error_code_t gerr;
	ioring_ring_ring_own_ring_t own;
	app_string_t name;
	unsigned long batches;

	if (argc != 3)
		return 2;
	rng_state = strtoull(argv[1], NULL, 0);
	batches = strtoul(argv[2], NULL, 0);
	memset(long_path, 'x', sizeof(long_path) - 1);
	name = str("d");
	if (!ioring_ring_grants_directory(&name, &dir, &gerr))
		return fprintf(stderr, "fuzz-ring: directory d: error %d\n", gerr), 1;
	name = str("l");
	if (!ioring_ring_grants_listener(&name, &listener, &gerr))
		return fprintf(stderr, "fuzz-ring: listener l: error %d\n", gerr), 1;
	name = str("dev");
	if (!ioring_ring_grants_device(&name, &device, &gerr))
		return fprintf(stderr, "fuzz-ring: device dev: error %d\n", gerr), 1;

	ring_t ring = new_ring(&own);
	{
		/* The listener's port, so that connects can name it. */
		sqe_t s;
		ioring_ring_ring_list_cqe_t got;

		memset(&s, 0, sizeof(s));
		s.op.tag = IORING_RING_TYPES_OP_LOCAL_ADDRESS;
		s.op.val.local_address = listener;
		ioring_ring_ring_list_sqe_t list = { &s, 1 };
		ioring_ring_ring_method_ring_submit(ring, &list);
		ioring_ring_ring_method_ring_complete(ring, 1, 1, NULL, &got);
		if (got.len == 1 && got.ptr[0].detail.tag == IORING_RING_TYPES_CQE_DETAIL_ADDRESS &&
		    got.ptr[0].detail.val.address.tag == IORING_RING_TYPES_SOCKET_ADDRESS_IPV4)
			listen_port = got.ptr[0].detail.val.address.val.ipv4.port;
		ioring_ring_ring_list_cqe_free(&got);
	}

	for (unsigned long b = 0; b < batches && next_ud < MAX_UD - 1000; b++) {
		sqe_t sqes[24];
		uint32_t n = (uint32_t)PICK(0, 1, 2, 4, 8, 24, below(24));
		int ms[24];

		for (uint32_t i = 0; i < n; i++) {
			ms[i] = make_op(&sqes[i]);
			sqes[i].user_data = next_ud++;
			sqes[i].flags = (uint8_t)(below(4) == 0 ? rnd() & 7 : 0);
		}
		uint64_t timeout = PICK(0, 0, 0, 1000, 100000);
		uint32_t min = (uint32_t)PICK(0, 1, n, UINT32_MAX), max = (uint32_t)PICK(0, 1, 8, 64, UINT32_MAX);
		uint64_t *wait = below(8) ? &timeout : (uint64_t[]){ 0 };
		uint32_t t;

		if (below(2)) {
			static uint8_t packed[24 * 32 + 24 * 4104];
			size_t len = pack_batch(sqes, n, packed, sizeof(packed), below(4) == 0);

			/* Mark them first: the CQEs of this very call may end some of them. */
			for (uint32_t i = 0; i < n; i++) {
				inflight[sqes[i].user_data] = 1;
				multishot[sqes[i].user_data] = (unsigned char)ms[i];
			}
			t = enter_batch(ring, packed, len, min, max, wait);
			for (uint32_t i = t; i < n; i++)
				inflight[sqes[i].user_data] = 0;
		} else {
			ioring_ring_ring_list_sqe_t list = { sqes, n };

			t = ioring_ring_ring_method_ring_submit(ring, &list);
			for (uint32_t i = 0; i < t && i < n; i++) {
				inflight[sqes[i].user_data] = 1;
				multishot[sqes[i].user_data] = (unsigned char)ms[i];
			}
			reap(ring, min, max, wait);
		}
		if (t > n)
			fail("submit took more than it was given", 0);
		sqes_made += n;
		taken += t;

		switch (below(40)) {
		case 0: {
			ioring_ring_ring_error_code_t err;

			ioring_ring_ring_method_ring_register_buffers(ring, (uint32_t)PICK(0, 1, 4, 1025), (uint32_t)PICK(0, 1, 4096, 16u << 20, UINT32_MAX), &err);
			break;
		}
		case 1: {
			app_list_u8_t out;
			ioring_ring_ring_error_code_t err;

			if (ioring_ring_ring_method_ring_buffer_read(ring, below(5), (uint32_t)PICK(0, 4095, UINT32_MAX), (uint32_t)PICK(0, 1, 4096, UINT32_MAX), &out, &err))
				app_list_u8_free(&out);
			break;
		}
		case 2: {
			app_list_u8_t data = bytes();
			ioring_ring_ring_error_code_t err;

			ioring_ring_ring_method_ring_buffer_write(ring, below(5), (uint32_t)PICK(0, 4095, UINT32_MAX), &data, &err);
			break;
		}
		case 3:
			/* A new ring: dropping the old one ends what it had in flight. */
			if (below(4) == 0) {
				drain(ring);
				left += outstanding();
				ioring_ring_ring_ring_drop_own(own);
				memset(inflight, 0, sizeof(inflight));
				ring = new_ring(&own);
			}
			break;
		}
	}
	drain(ring);
	left += outstanding();
	ioring_ring_ring_ring_drop_own(own);
	printf("fuzz-ring: seed %s batches %s sqes %lu taken %lu cqes %lu left %lu errors %lu\n", argv[1], argv[2], sqes_made, taken, cqes, left, errors);
	return errors != 0;
}
