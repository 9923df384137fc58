/*
 * malformed - the ztest suite's guest (tests/host/guests): one scenario per run, named by
 * argv[1], each checking the exact completion the host gives a malformed or hostile entry.
 * Prints "ok <scenario>" and exits 0 when every result is exact; otherwise prints what it got
 * and exits 1. The `trap-*` scenarios end in a trap on purpose (the firmware must survive it
 * and tear the guest down).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ioring.h"

/* The generated bindings' raw imports (guest/build/bindings/app.c), to pass what the
 * bindings never would. */
__attribute__((__import_module__("ioring:ring/ring@0.1.0"), __import_name__("[method]ring.submit")))
extern int32_t __wasm_import_ioring_ring_ring_method_ring_submit(int32_t, uint8_t *, size_t);
__attribute__((__import_module__("ioring:ring/ring@0.1.0"), __import_name__("[method]ring.complete")))
extern void __wasm_import_ioring_ring_ring_method_ring_complete(int32_t, int32_t, int32_t,
								 int32_t, int64_t, uint8_t *);

__attribute__((__import_module__("ioring:ring/ring@0.1.0"), __import_name__("[method]ring.enter")))
extern void __wasm_import_ioring_ring_ring_method_ring_enter(int32_t, uint8_t *, size_t, int32_t,
							     int32_t, int32_t, int64_t, uint8_t *);

static struct ior_ring ring;
static int bad;

static void say(const char *a, const char *b)
{
	char line[96];
	size_t n = 0;

	while (*a && n < 40)
		line[n++] = *a++;
	while (*b && n < 90)
		line[n++] = *b++;
	line[n++] = '\n';
	ior_prep_write(ior_get_sqe(&ring), IOR_STDOUT, line, n, IOR_CURRENT_POSITION);
	ior_submit_and_wait(&ring, 1);
	ior_cqe_t *cqe;
	if (ior_peek_cqe(&ring, &cqe) == 0)
		ior_cqe_seen(&ring, cqe);
}

/* Reap one CQE and check its user data and result. */
static void expect(uint32_t data, int res)
{
	ior_cqe_t *cqe;

	if (ior_wait_cqe(&ring, &cqe) < 0) {
		say("FAIL no completion for ", "an entry");
		bad = 1;
		return;
	}
	if (ior_cqe_get_data32(cqe) != data || ior_cqe_res(cqe) != res) {
		say("FAIL got ", ior_strerror(ior_cqe_res(cqe)));
		say("     want ", ior_strerror(res));
		bad = 1;
	}
	ior_cqe_seen(&ring, cqe);
}

static ior_sqe_t *sqe_with(uint32_t data)
{
	ior_sqe_t *sqe = ior_get_sqe(&ring);

	ior_sqe_set_data32(sqe, data);
	return sqe;
}

/* A packed SQE (wit/ring.wit, `enter`) at @p with @len bytes of @data after its header when
 * @data is given; returns its size, padded to 8. */
static size_t packed(uint8_t *p, uint8_t op, uint8_t flags, uint32_t data32, uint32_t fd,
		     uint32_t len, uint32_t x, const void *data)
{
	uint64_t none = UINT64_MAX;
	size_t size = 32;

	memset(p, 0, 32);
	p[0] = op;
	p[1] = flags;
	memcpy(p + 4, &data32, 4);
	memcpy(p + 8, &fd, 4);
	memcpy(p + 12, &len, 4);
	memcpy(p + 16, &none, 8);
	memcpy(p + 24, &x, 4);
	if (data) {
		memcpy(p + 32, data, len);
		size = (32 + len + 7) & ~7u;
	}
	return size;
}

/* A packed sendmsg at @p: @len bytes of @data, then @x bytes of destination @to; its size. */
static size_t packed_sendmsg(uint8_t *p, uint32_t data32, uint32_t fd, const char *data,
			     uint32_t len, const uint8_t *to, uint32_t x)
{
	packed(p, IORING_RING_TYPES_OP_SENDMSG, 0, data32, fd, len, x, data);
	memcpy(p + 32 + len, to, x);
	return (32 + len + x + 7) & ~7u;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/*
 * One enter of @len packed bytes: checks that @queued were queued and that the CQEs are
 * those of @want (user data 1..n: its result, or -IOR_E* as ior_cqe_res gives), in any order.
 */
static void enter_expect(const uint8_t *list, size_t len, uint32_t min, uint32_t max,
			 uint32_t queued, const int *want, uint32_t n)
{
	app_list_u8_t sqes = {(uint8_t *)list, len}, res;
	uint32_t seen = 0, at = 8;

	ioring_ring_ring_method_ring_enter((ioring_ring_ring_borrow_ring_t){ring.ring.__handle},
					   &sqes, min, max, NULL, &res);
	if (res.len < 8 || get32(res.ptr) != queued || get32(res.ptr + 4) != n) {
		say("FAIL enter: ", "queued or CQE count");
		bad = 1;
	}
	for (uint32_t i = 0; i < n && at + 16 <= res.len; i++) {
		const uint8_t *c = res.ptr + at;
		uint32_t ud = get32(c), v = get32(c + 4);
		int got = (c[8] & 2) ? -(int)(v + 1) : (int)v; /* IOR_E* count from 1 */

		if (ud < 1 || ud > n || got != want[ud - 1] || (seen & (1u << ud))) {
			say("FAIL enter: ", "a CQE's user data or result");
			bad = 1;
		}
		seen |= 1u << ud;
		at += (16 + get32(c + 12) + c[10] + 7) & ~7u;
	}
	free(res.ptr);
}

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "";
	static char small[8];
	ior_sqe_t *sqe;

	if (ior_ring_init(&ring, 8) < 0)
		return 2;

	if (!strcmp(s, "bad-handles")) {
		/* A handle never opened, one past the table, one far out: bad-descriptor. */
		ior_prep_read(sqe_with(1), 9, 16, -1);
		ior_prep_write(sqe_with(2), 1000, "x", 1, -1);
		ior_prep_close(sqe_with(3), 0x7fffffff);
		ior_prep_spi_transfer(sqe_with(4), 9, NULL, 0);
		ior_prep_spi_transfer(sqe_with(5), IOR_STDOUT, NULL, 0); /* not a device */
		ior_submit(&ring);
		expect(1, -IOR_EBADF);
		expect(2, -IOR_EBADF);
		expect(3, -IOR_EBADF);
		expect(4, -IOR_EBADF);
		expect(5, -IOR_EACCES); /* as the Linux host */
	} else if (!strcmp(s, "oversized")) {
		/* Lengths that run past the guest's memory: invalid-argument, nothing read. The
		 * records go to the host as they are (the SDK's packed form would copy the
		 * bytes first, in the guest). */
		static ior_sqe_t recs[4];
		ioring_ring_ring_list_sqe_t list = {recs, 4};

		ior_prep_write(&recs[0], IOR_STDOUT, small, 0x7fffffff, -1);
		ior_prep_write(&recs[1], IOR_STDOUT, (void *)(uintptr_t)0xfffffff0u, 32, -1);
		ior_prep_spi_transfer(&recs[2], IOR_STDOUT, (ior_spi_segment_t *)small,
				      0x10000000);
		ior_prep_nop(&recs[3]);
		recs[3].flags = 0xff; /* flags the contract does not define */
		for (uint32_t i = 0; i < 4; i++)
			ior_sqe_set_data32(&recs[i], i < 3 ? i + 1 : 5);
		if (ioring_ring_ring_method_ring_submit(
			    (ioring_ring_ring_borrow_ring_t){ring.ring.__handle}, &list) != 4) {
			say("FAIL ", "submit");
			bad = 1;
		}
		expect(1, -IOR_EINVAL);
		expect(2, -IOR_EINVAL);
		expect(3, -IOR_EINVAL);
		expect(5, -IOR_EINVAL);
	} else if (!strcmp(s, "chain")) {
		/* A failed entry cancels the rest of its soft-link chain; a hard link runs on. */
		sqe = sqe_with(1);
		ior_prep_read(sqe, 9, 16, -1);
		ior_sqe_set_flags(sqe, IOR_SQE_LINK);
		sqe = sqe_with(2);
		ior_prep_nop(sqe);
		ior_sqe_set_flags(sqe, IOR_SQE_LINK);
		ior_prep_nop(sqe_with(3));
		sqe = sqe_with(4);
		ior_prep_read(sqe, 9, 16, -1);
		ior_sqe_set_flags(sqe, IOR_SQE_HARD_LINK);
		ior_prep_nop(sqe_with(5));
		ior_submit(&ring);
		expect(1, -IOR_EBADF);
		expect(2, -IOR_ECANCELED);
		expect(3, -IOR_ECANCELED);
		expect(4, -IOR_EBADF);
		expect(5, 0);
	} else if (!strcmp(s, "unsupported")) {
		/* What this board cannot do completes with not-supported (a read of the
		 * console); a counted timeout that nothing else completes for expires, and a
		 * drained nop waits for it. */
		ior_prep_read(sqe_with(1), IOR_STDIN, 16, -1);
		ior_submit(&ring);
		expect(1, -IOR_ENOTSUP);
		ior_prep_timeout(sqe_with(2), 1000000, 3);
		sqe = sqe_with(3);
		ior_prep_nop(sqe);
		ior_sqe_set_flags(sqe, IOR_SQE_DRAIN);
		ior_submit(&ring);
		expect(2, -IOR_ETIMEDOUT);
		expect(3, 0);
	} else if (!strcmp(s, "enter")) {
		/* The packed form: a nop, an op with no packed form (connect), a bad value (a
		 * shutdown-how of 3), flag bits the contract does not define (ignored), sendmsgs
		 * whose destination has an unknown case or is not whole (their size is known, so
		 * the list goes on), a write of one byte, and a write cut short by the end of the
		 * list, which ends it. Eight entries: what the small_ring scenario's ring holds. */
		static uint8_t list[512];
		static const uint8_t case7[8] = {7, 0, 0x90, 0x1f, 127, 0, 0, 1};
		static const uint8_t v4[8] = {0, 0, 0x90, 0x1f, 127, 0, 0, 1};
		static const int want[] = {0, -IOR_EINVAL, -IOR_EINVAL, 0,
					   -IOR_EINVAL, -IOR_EINVAL, 1, -IOR_EINVAL};
		static const int none[1];
		size_t n = 0;

		n += packed(list + n, IORING_RING_TYPES_OP_NOP, 0, 1, 0, 0, 0, NULL);
		n += packed(list + n, IORING_RING_TYPES_OP_CONNECT, 0, 2, 3, 0, 0, NULL);
		n += packed(list + n, IORING_RING_TYPES_OP_SHUTDOWN, 0, 3, 3, 0, 3, NULL);
		n += packed(list + n, IORING_RING_TYPES_OP_NOP, 0xf8, 4, 0, 0, 0, NULL);
		n += packed_sendmsg(list + n, 5, IOR_STDOUT, "ab", 2, case7, 8);
		n += packed_sendmsg(list + n, 6, IOR_STDOUT, "ab", 2, v4, 5);
		n += packed(list + n, IORING_RING_TYPES_OP_WRITE, 0, 7, IOR_STDOUT, 1, 0, "\n");
		n += packed(list + n, IORING_RING_TYPES_OP_WRITE, 0, 8, IOR_STDOUT, 100, 0, NULL);
		enter_expect(list, n, 8, 8, 8, want, 8);
		/* With max 0 it only queues; an enter without entries then reaps. */
		n = packed(list, IORING_RING_TYPES_OP_NOP, 0, 1, 0, 0, 0, NULL);
		enter_expect(list, n, 0, 0, 1, none, 0);
		enter_expect(list, 0, 1, 1, 0, none, 1);
		/* What the record form queued comes back here too. */
		ior_sqe_t record = {0};
		ioring_ring_ring_list_sqe_t records = {&record, 1};

		ior_prep_nop(&record);
		ior_sqe_set_data32(&record, 1);
		if (ioring_ring_ring_method_ring_submit(
			    (ioring_ring_ring_borrow_ring_t){ring.ring.__handle}, &records) != 1) {
			say("FAIL ", "submit");
			bad = 1;
		}
		enter_expect(list, 0, 1, 1, 0, none, 1);
		/* min is capped at what is in flight: nothing, so no wait. */
		enter_expect(list, 0, 4, 4, 0, none, 0);
	} else if (!strcmp(s, "trap-in-flight")) {
		/* Operations in flight (a 10 s timer, a nop not yet reaped), then a trap. */
		ior_prep_timeout(sqe_with(1), 10000000000ull, 0);
		ior_prep_nop(sqe_with(2));
		ior_submit(&ring);
		__builtin_trap();
	} else if (!strcmp(s, "trap-bad-list")) {
		/* An SQE list outside memory: broken glue, the host traps the guest. */
		__wasm_import_ioring_ring_ring_method_ring_submit(ring.ring.__handle,
								  (uint8_t *)(uintptr_t)0xfffffff8u, 4);
		say("FAIL ", "submit of a list outside memory returned");
		return 1;
	} else if (!strcmp(s, "trap-bad-enter-list")) {
		/* A packed list outside memory: broken glue, as for submit. */
		__wasm_import_ioring_ring_ring_method_ring_enter(
			ring.ring.__handle, (uint8_t *)(uintptr_t)0xfffffff0u, 32, 0, 0, 0, 0,
			(uint8_t *)small);
		say("FAIL ", "enter of a list outside memory returned");
		return 1;
	} else if (!strcmp(s, "trap-bad-enter-retptr")) {
		__wasm_import_ioring_ring_ring_method_ring_enter(
			ring.ring.__handle, (uint8_t *)small, 0, 0, 1, 0, 0,
			(uint8_t *)(uintptr_t)0xfffffffcu);
		say("FAIL ", "enter into a return area outside memory returned");
		return 1;
	} else if (!strcmp(s, "trap-bad-retptr")) {
		/* A return area outside memory: the host traps the guest. */
		ior_prep_nop(sqe_with(1));
		ior_submit(&ring);
		__wasm_import_ioring_ring_ring_method_ring_complete(
			ring.ring.__handle, 1, 1, 0, 0, (uint8_t *)(uintptr_t)0xfffffffcu);
		say("FAIL ", "complete into a return area outside memory returned");
		return 1;
	} else {
		say("unknown scenario ", s);
		return 2;
	}
	if (!bad)
		say("ok ", s);
	ior_ring_exit(&ring);
	return bad;
}
