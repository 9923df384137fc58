/*
 * pingpong - 64-byte round trips between the two ends of a loopback TCP connection, both
 * ends in this guest (the seed's socket benchmark shape): end A sends, end B receives and
 * sends back, end A receives. Each half is one crossing (a send and the peer's receive
 * submitted together). Prints round trips per second.
 *
 *   ioring run --listen pp=tcp:127.0.0.1:PORT --connect tcp:127.0.0.1:PORT \
 *       pingpong.wasm 127.0.0.1:PORT ROUND_TRIPS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ioring.h"

static struct ior_ring ring;

/* Waits for the one operation in flight; its result, or with @handle the handle it made. */
static int one(int handle)
{
	struct ior_cqes cqes;
	int res;

	if (ior_wait_cqes(&ring, 1, 1, -1, &cqes) != 1)
		return -IOR_EIO;
	res = ior_cqe_res(&cqes.cqe[0]);
	if (res >= 0 && handle)
		res = ior_cqe_handle(&cqes.cqe[0]);
	ior_cqes_free(&cqes);
	return res;
}

/* Sends @msg on @from and receives it on @to, in one crossing. */
static int half(ior_handle_t from, ior_handle_t to, const char *msg)
{
	struct ior_cqes cqes;
	int ok = 1;

	ior_prep_send(ior_get_sqe(&ring), from, msg, 64);
	ior_prep_recv(ior_get_sqe(&ring), to, 64);
	if (ior_wait_cqes(&ring, 2, 2, -1, &cqes) != 2)
		return 0;
	for (size_t i = 0; i < 2; i++)
		ok &= ior_cqe_res(&cqes.cqe[i]) == 64;
	ior_cqes_free(&cqes);
	return ok;
}

int main(int argc, char **argv)
{
	ior_sockaddr_t addr;
	char msg[64];

	if (argc != 3 || ior_addr_parse(&addr, argv[1]) < 0)
		return 2;
	long trips = atol(argv[2]);
	int listener = ior_grant_listener("pp");

	if (listener < 0 || ior_ring_init(&ring, 8) < 0)
		return 1;
	ior_prep_socket(ior_get_sqe(&ring), IOR_AF_INET, IOR_SOCK_STREAM);
	int a = one(1);
	if (a < 0)
		return 1;
	ior_prep_connect(ior_get_sqe(&ring), (ior_handle_t)a, &addr);
	if (one(0) < 0)
		return 1;
	ior_prep_accept(ior_get_sqe(&ring), (ior_handle_t)listener);
	int b = one(1);
	if (b < 0)
		return 1;
	memset(msg, 'p', sizeof(msg));

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < trips; i++)
		if (!half((ior_handle_t)a, (ior_handle_t)b, msg) || !half((ior_handle_t)b, (ior_handle_t)a, msg))
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("{\"round_trips_per_sec\": %.0f}\n", (double)trips / s);
	return 0;
}
