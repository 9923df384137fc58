/*
 * host-limits: drives the Linux host into its limits, one mode per run.
 *
 *   trap-inflight  queue a long timeout, a multishot accept on the `l` listener grant and a
 *                  poll, send them to the kernel, then trap with all three in flight
 *   sleep          wait on a 60 s timeout (a run-time bound must stop it)
 *   spin           loop forever without calling the host (likewise)
 *   wasi-sleep     sleep 60 s in WASI (poll_oneoff), which no wasmtime interrupt wakes
 *   wasi-stdin     block reading stdin through WASI
 *   device         read 4 bytes from the `d` device grant and print them in hex
 *   alloc          grow linear memory a page (64 KiB) at a time until refused; print how far
 *                  it got
 *
 * Failures print a line to stderr and exit 1 (WASI 0.2's exit carries only success or
 * failure).
 *
 * It uses the generated bindings directly, so that it tests the host, not the SDK.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

static ioring_ring_ring_borrow_ring_t ring_create(void)
{
	ioring_ring_ring_own_ring_t own;
	ioring_ring_ring_error_code_t err;

	if (!ioring_ring_ring_static_ring_create(0, &own, &err)) {
		fprintf(stderr, "ring: error %d\n", err);
		exit(1);
	}
	return (ioring_ring_ring_borrow_ring_t){ own.__handle };
}

static void submit(ioring_ring_ring_borrow_ring_t ring, ioring_ring_types_sqe_t *sqes, size_t n)
{
	ioring_ring_ring_list_sqe_t list = { sqes, n };

	if (ioring_ring_ring_method_ring_submit(ring, &list) != n) {
		fprintf(stderr, "submit: not all taken\n");
		exit(1);
	}
}

static void send_to_kernel(ioring_ring_ring_borrow_ring_t ring)
{
	ioring_ring_ring_list_cqe_t cqes;
	uint64_t now = 0;

	ioring_ring_ring_method_ring_complete(ring, 0, 16, &now, &cqes);
}

static void trap_inflight(void)
{
	ioring_ring_ring_borrow_ring_t ring = ring_create();
	app_string_t name = { (uint8_t *)"l", 1 };
	ioring_ring_types_sqe_t sqes[3];
	uint32_t listener;
	ioring_ring_grants_error_code_t err;

	if (!ioring_ring_grants_listener(&name, &listener, &err)) {
		fprintf(stderr, "listener l: error %d\n", err);
		exit(1);
	}
	memset(sqes, 0, sizeof(sqes));
	sqes[0].op.tag = IORING_RING_TYPES_OP_TIMEOUT;
	sqes[0].op.val.timeout.duration_ns = 60ull * 1000 * 1000 * 1000;
	sqes[1].op.tag = IORING_RING_TYPES_OP_ACCEPT_MULTISHOT;
	sqes[1].op.val.accept_multishot = listener;
	sqes[2].op.tag = IORING_RING_TYPES_OP_POLL;
	sqes[2].op.val.poll.fd = listener;
	sqes[2].op.val.poll.events = IORING_RING_TYPES_POLL_EVENTS_READABLE;
	submit(ring, sqes, 3);
	send_to_kernel(ring);
	__builtin_trap();
}

static void sleep_long(void)
{
	ioring_ring_ring_borrow_ring_t ring = ring_create();
	ioring_ring_types_sqe_t sqe;
	ioring_ring_ring_list_cqe_t cqes;

	memset(&sqe, 0, sizeof(sqe));
	sqe.op.tag = IORING_RING_TYPES_OP_TIMEOUT;
	sqe.op.val.timeout.duration_ns = 60ull * 1000 * 1000 * 1000;
	submit(ring, &sqe, 1);
	ioring_ring_ring_method_ring_complete(ring, 1, 1, NULL, &cqes);
}

static void read_device(void)
{
	ioring_ring_ring_borrow_ring_t ring = ring_create();
	app_string_t name = { (uint8_t *)"d", 1 };
	ioring_ring_types_sqe_t sqe;
	ioring_ring_ring_list_cqe_t cqes;
	ioring_ring_grants_error_code_t err;
	uint32_t dev;

	if (!ioring_ring_grants_device(&name, &dev, &err)) {
		fprintf(stderr, "device d: error %d\n", err);
		exit(1);
	}
	memset(&sqe, 0, sizeof(sqe));
	sqe.op.tag = IORING_RING_TYPES_OP_READ;
	sqe.op.val.read.fd = dev;
	sqe.op.val.read.len = 4;
	submit(ring, &sqe, 1);
	ioring_ring_ring_method_ring_complete(ring, 1, 1, NULL, &cqes);
	if (cqes.len != 1 || cqes.ptr[0].res.is_err)
		exit(1);
	for (size_t i = 0; i < cqes.ptr[0].data.len; i++)
		printf("%02x", cqes.ptr[0].data.ptr[i]);
	printf("\n");
	exit(0);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	if (!strcmp(argv[1], "trap-inflight"))
		trap_inflight();
	if (!strcmp(argv[1], "device"))
		read_device();
	if (!strcmp(argv[1], "sleep"))
		sleep_long();
	if (!strcmp(argv[1], "wasi-sleep"))
		return sleep(60) ? 1 : 0;
	if (!strcmp(argv[1], "wasi-stdin")) {
		char c;

		return read(0, &c, 1) < 0;
	}
	if (!strcmp(argv[1], "spin"))
		for (volatile int i = 0;; i++)
			;
	if (!strcmp(argv[1], "alloc")) {
		size_t pages = __builtin_wasm_memory_size(0);

		while (__builtin_wasm_memory_grow(0, 1) != (size_t)-1)
			pages++;
		printf("memory %zu KiB\n", pages * 64);
		return 0;
	}
	return 2;
}
