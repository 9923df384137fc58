/*
 * malformed - the ztest suite's guest (tests/host/guests): one scenario per run, named by
 * argv[1], each checking the exact completion the host gives a malformed or hostile entry.
 * Prints "ok <scenario>" and exits 0 when every result is exact; otherwise prints what it got
 * and exits 1. The `trap-*` scenarios end in a trap on purpose (the firmware must survive it
 * and tear the guest down).
 */
#include <stdint.h>
#include <string.h>

#include "ioring.h"

/* The generated bindings' raw imports (guest/build/bindings/app.c), to pass what the
 * bindings never would. */
__attribute__((__import_module__("ioring:ring/ring@0.1.0"), __import_name__("[method]ring.submit")))
extern int32_t __wasm_import_ioring_ring_ring_method_ring_submit(int32_t, uint8_t *, size_t);
__attribute__((__import_module__("ioring:ring/ring@0.1.0"), __import_name__("[method]ring.complete")))
extern void __wasm_import_ioring_ring_ring_method_ring_complete(int32_t, int32_t, int32_t,
								 int32_t, int64_t, uint8_t *);

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
		/* Lengths that run past the guest's memory: invalid-argument, nothing read. */
		ior_prep_write(sqe_with(1), IOR_STDOUT, small, 0x7fffffff, -1);
		ior_prep_write(sqe_with(2), IOR_STDOUT, (void *)(uintptr_t)0xfffffff0u, 32, -1);
		ior_prep_spi_transfer(sqe_with(3), IOR_STDOUT, (ior_spi_segment_t *)small,
				      0x10000000);
		sqe = ior_get_sqe(&ring);
		ior_prep_nop(sqe);
		ior_sqe_set_data32(sqe, 5);
		sqe->flags = 0xff; /* flags the contract does not define */
		ior_submit(&ring);
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
