/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * bench - the guest half of the boundary-cost benchmark (samples/bench): OPS operations of
 * one kind, BATCH at a time.
 *
 *   bench [abi-|enter-]nop|[abi-|enter-]timer BATCH OPS
 *
 * `nop`, `timer`: the C SDK's loop - BATCH SQEs from ior_get_sqe(), prepared, then submitted
 * and reaped by ior_wait_cqes().
 * `abi-nop`, `abi-timer`: the boundary alone, record form - one list of BATCH SQEs prepared
 * once, then per batch the generated bindings' ring.submit and ring.complete (two host calls)
 * and the CQE list freed.
 * `enter-nop`, `enter-timer`: the boundary alone, packed form - the BATCH SQEs packed once,
 * then per batch the generated bindings' ring.enter (one host call) and the result freed.
 * A timer is a 1 us timeout (completes with -IOR_ETIMEDOUT). Exits 0 when every completion
 * had the expected result, 1 otherwise. Prints nothing: the firmware times the whole run.
 */
#include <stdlib.h>
#include <string.h>

#include "ioring.h"

/* The generated bindings alone: what any guest language pays to cross the boundary. */
static int abi_loop(struct ior_ring *ring, bool timer, unsigned batch, unsigned ops)
{
	static ior_sqe_t sqes[32];
	ioring_ring_ring_list_sqe_t list = {sqes, batch};
	ioring_ring_ring_borrow_ring_t self = {ring->ring.__handle};
	unsigned bad = 0;

	memset(sqes, 0, sizeof(sqes));
	for (unsigned i = 0; i < batch; i++) {
		if (timer)
			ior_prep_timeout(&sqes[i], 1000, 0);
		else
			ior_prep_nop(&sqes[i]);
	}
	for (unsigned done = 0; done < ops; done += batch) {
		ioring_ring_ring_list_cqe_t cqes;
		unsigned got = 0;

		if (ioring_ring_ring_method_ring_submit(self, &list) != batch)
			return 1;
		while (got < batch) {
			ioring_ring_ring_method_ring_complete(self, batch - got, batch - got, NULL,
							      &cqes);
			if (!cqes.len)
				return 1;
			for (size_t i = 0; i < cqes.len; i++)
				bad += ior_cqe_res(&cqes.ptr[i]) != (timer ? -IOR_ETIMEDOUT : 0);
			got += (unsigned)cqes.len;
			ioring_ring_ring_list_cqe_free(&cqes);
		}
	}
	return bad ? 1 : 0;
}

/* A packed SQE (wit/ring.wit, `enter`): a nop, or a timeout of @ns nanoseconds. */
static void pack(uint8_t *p, bool timer, uint64_t ns)
{
	memset(p, 0, 32);
	p[0] = timer ? IORING_RING_TYPES_OP_TIMEOUT : IORING_RING_TYPES_OP_NOP;
	if (timer)
		memcpy(p + 16, &ns, 8);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* The generated bindings' ring.enter alone: one crossing per batch, the result one block. */
static int enter_loop(struct ior_ring *ring, bool timer, unsigned batch, unsigned ops)
{
	static uint8_t packed[32 * 32];
	ioring_ring_ring_borrow_ring_t self = {ring->ring.__handle};
	unsigned bad = 0;

	for (unsigned i = 0; i < batch; i++)
		pack(packed + 32 * i, timer, 1000);
	for (unsigned done = 0; done < ops; done += batch) {
		app_list_u8_t sqes = {packed, 32 * batch}, res;
		unsigned got = 0;
		uint32_t n;

		while (got < batch) {
			ioring_ring_ring_method_ring_enter(self, &sqes, batch - got, batch - got,
							   NULL, &res);
			if (res.len < 8 || (sqes.len && get32(res.ptr) != batch))
				return 1;
			sqes.len = 0;
			n = get32(res.ptr + 4);
			if (!n)
				return 1;
			/* Every CQE is a bare 16-byte header here: no data, no detail. */
			for (uint32_t i = 0; i < n; i++) {
				const uint8_t *c = res.ptr + 8 + 16 * i;
				/* An error is its error-code case; IOR_E* count from 1. */
				int r = (c[8] & 2) ? -(int)(get32(c + 4) + 1) : (int)get32(c + 4);

				bad += r != (timer ? -IOR_ETIMEDOUT : 0);
			}
			got += n;
			free(res.ptr);
		}
	}
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct ior_ring ring;
	unsigned batch, ops, bad = 0;
	bool timer, abi, enter;
	int ret;

	if (argc != 4)
		return 2;
	abi = strncmp(argv[1], "abi-", 4) == 0;
	enter = strncmp(argv[1], "enter-", 6) == 0;
	timer = strcmp(strchr(argv[1], '-') ? strchr(argv[1], '-') + 1 : argv[1], "timer") == 0;
	batch = (unsigned)atoi(argv[2]);
	ops = (unsigned)atoi(argv[3]);
	if (!batch || batch > 32 || ior_ring_init(&ring, 32) < 0)
		return 2;
	if (abi || enter) {
		ret = (abi ? abi_loop : enter_loop)(&ring, timer, batch, ops);
		ior_ring_exit(&ring);
		return ret;
	}
	for (unsigned done = 0; done < ops; done += batch) {
		struct ior_cqes cqes;

		for (unsigned i = 0; i < batch; i++) {
			ior_sqe_t *sqe = ior_get_sqe(&ring);

			if (timer)
				ior_prep_timeout(sqe, 1000, 0);
			else
				ior_prep_nop(sqe);
		}
		for (unsigned got = 0; got < batch;) {
			int n = ior_wait_cqes(&ring, batch - got, batch - got, -1, &cqes);

			if (n <= 0)
				return 1;
			for (int i = 0; i < n; i++)
				bad += ior_cqe_res(&cqes.cqe[i]) != (timer ? -IOR_ETIMEDOUT : 0);
			ior_cqes_free(&cqes);
			got += (unsigned)n;
		}
	}
	ior_ring_exit(&ring);
	return bad ? 1 : 0;
}
