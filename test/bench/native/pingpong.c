/*
 * pingpong - the native baseline for guest ping-pong: the same 64-byte round trips over a
 * loopback TCP connection, each half a send and the peer's receive in one io_uring_enter.
 *
 *   pingpong ROUND_TRIPS
 */
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct io_uring ring;

static int half(int from, int to, char *out, char *in)
{
	struct io_uring_cqe *cqe;
	int ok = 1;

	io_uring_prep_send(io_uring_get_sqe(&ring), from, out, 64, 0);
	io_uring_prep_recv(io_uring_get_sqe(&ring), to, in, 64, 0);
	io_uring_submit_and_wait(&ring, 2);
	for (int i = 0; i < 2; i++) {
		io_uring_peek_cqe(&ring, &cqe);
		ok &= cqe->res == 64;
		io_uring_cqe_seen(&ring, cqe);
	}
	return ok;
}

int main(int argc, char **argv)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN };
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	char out[64], in[64];

	if (argc != 2 || io_uring_queue_init_params(8, &ring, &p) < 0)
		return 2;
	io_uring_register_ring_fd(&ring); /* as the host does */
	long trips = atol(argv[1]);
	int l = socket(AF_INET, SOCK_STREAM, 0), a = socket(AF_INET, SOCK_STREAM, 0);

	if (bind(l, (struct sockaddr *)&addr, sizeof(addr)) || listen(l, 1) ||
	    getsockname(l, (struct sockaddr *)&addr, &len) || connect(a, (struct sockaddr *)&addr, len))
		return 1;
	int b = accept(l, NULL, NULL);
	memset(out, 'p', sizeof(out));

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < trips; i++)
		if (!half(a, b, out, in) || !half(b, a, out, in))
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("{\"round_trips_per_sec\": %.0f}\n", (double)trips / s);
	return 0;
}
