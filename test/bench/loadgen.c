/*
 * loadgen - a TCP echo load generator: @conns connections to HOST:PORT, each keeping
 * @depth messages of @size bytes in flight, for @seconds. Every echoed byte is checked
 * against what was sent. Prints one JSON line: messages per second, p50/p99 round-trip
 * latency in microseconds, and the bytes sent, echoed back intact and lost (sent and never
 * echoed by the end, after up to 5 s of draining). Wrong bytes or a closed connection end it
 * with status 1.
 *
 *   loadgen HOST PORT CONNS DEPTH SIZE SECONDS
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_DEPTH 64

struct conn {
	int fd;
	uint64_t sent, received;    /* messages */
	size_t out_off, in_off;     /* bytes of the current message being sent / received */
	uint64_t stamp[MAX_DEPTH];  /* send time of each message in flight, by sequence */
	unsigned char *out, *in;
	int want_out;               /* EPOLLOUT requested: the socket was full */
};

static size_t size;
static unsigned depth;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The bytes of message @seq on connection @c: different per connection and message. */
static void fill(unsigned char *buf, unsigned c, uint64_t seq)
{
	for (size_t i = 0; i < size; i++)
		buf[i] = (unsigned char)(c * 31 + seq * 7 + i);
}

static int ep;

/* Sends on @k while fewer than @depth messages are in flight; asks for EPOLLOUT only when
 * the socket is full, so that an idle connection costs no wakeups. */
static void pump(struct conn *k, unsigned c)
{
	int blocked = 0;

	while (k->sent - k->received < depth) {
		if (k->out_off == 0) {
			fill(k->out, c, k->sent);
			k->stamp[k->sent % MAX_DEPTH] = now_ns();
		}
		ssize_t w = send(k->fd, k->out + k->out_off, size - k->out_off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0) {
			if (errno != EAGAIN) {
				perror("send");
				exit(1);
			}
			blocked = 1;
			break;
		}
		k->out_off += (size_t)w;
		if (k->out_off == size) {
			k->out_off = 0;
			k->sent++;
		}
	}
	if (blocked != k->want_out) {
		struct epoll_event ev = { .events = EPOLLIN | (blocked ? EPOLLOUT : 0), .data.u32 = c };

		k->want_out = blocked;
		epoll_ctl(ep, EPOLL_CTL_MOD, k->fd, &ev);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: loadgen HOST PORT CONNS DEPTH SIZE SECONDS\n");
		return 2;
	}
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
	unsigned nconns = (unsigned)atoi(argv[3]);
	double seconds = atof(argv[6]);
	size_t max_samples = 1 << 22, nsamples = 0;
	uint64_t *samples = malloc(max_samples * sizeof(*samples));
	struct conn *conns = calloc(nconns, sizeof(*conns));

	ep = epoll_create1(0);
	depth = (unsigned)atoi(argv[4]);
	size = (size_t)atol(argv[5]);
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1 || !nconns || !depth || depth > MAX_DEPTH || !size)
		die("arguments");
	for (unsigned c = 0; c < nconns; c++) {
		struct conn *k = &conns[c];
		int one = 1;

		k->fd = socket(AF_INET, SOCK_STREAM, 0);
		if (k->fd < 0 || connect(k->fd, (struct sockaddr *)&addr, sizeof(addr)))
			die("connect");
		setsockopt(k->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		k->out = malloc(size);
		k->in = malloc(size);
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = c };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, k->fd, &ev))
			die("epoll_ctl");
	}

	uint64_t start = now_ns(), end = start + (uint64_t)(seconds * 1e9), done = 0;

	for (unsigned c = 0; c < nconns; c++)
		pump(&conns[c], c);
	struct epoll_event events[256];
	unsigned char expect[65536];
	int stopping = 0;

	if (size > sizeof(expect))
		die("size");
	while (1) {
		uint64_t t = now_ns();

		if (t >= end)
			stopping = 1;
		int n = epoll_wait(ep, events, 256, 100);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int e = 0; e < n; e++) {
			struct conn *k = &conns[events[e].data.u32];
			unsigned c = events[e].data.u32;

			for (;;) {
				ssize_t r = recv(k->fd, k->in + k->in_off, size - k->in_off, MSG_DONTWAIT);
				if (r < 0) {
					if (errno == EAGAIN)
						break;
					die("recv");
				}
				if (r == 0) {
					fprintf(stderr, "loadgen: server closed connection %u\n", c);
					return 1;
				}
				k->in_off += (size_t)r;
				if (k->in_off < size)
					continue;
				fill(expect, c, k->received);
				if (memcmp(expect, k->in, size)) {
					fprintf(stderr, "loadgen: wrong bytes on connection %u message %llu\n", c,
						(unsigned long long)k->received);
					return 1;
				}
				if (nsamples < max_samples)
					samples[nsamples++] = now_ns() - k->stamp[k->received % MAX_DEPTH];
				k->in_off = 0;
				k->received++;
				done++;
			}
			if (!stopping)
				pump(k, c);
		}
		if (stopping) {
			int pending = 0;

			for (unsigned c = 0; c < nconns; c++)
				pending |= conns[c].sent != conns[c].received;
			if (!pending || now_ns() > end + 5000000000ull)
				break;
		}
	}
	double elapsed = (double)(now_ns() - start) / 1e9;

	unsigned long long bytes_sent = 0, bytes_echoed = 0;

	for (unsigned c = 0; c < nconns; c++) {
		struct conn *k = &conns[c];

		bytes_sent += k->sent * size + k->out_off;
		/* A partial message at the end counts once its bytes so far are the right ones. */
		fill(expect, c, k->received);
		bytes_echoed += k->received * size + (memcmp(expect, k->in, k->in_off) ? 0 : k->in_off);
	}
	qsort(samples, nsamples, sizeof(*samples), cmp_u64);
	printf("{\"msgs_per_sec\": %.0f, \"p50_us\": %.1f, \"p99_us\": %.1f, \"messages\": %llu, \"conns\": %u, "
	       "\"bytes_sent\": %llu, \"bytes_echoed\": %llu, \"bytes_lost\": %llu}\n",
	       (double)done / elapsed, nsamples ? samples[nsamples / 2] / 1e3 : 0.0,
	       nsamples ? samples[nsamples * 99 / 100] / 1e3 : 0.0, (unsigned long long)done, nconns, bytes_sent,
	       bytes_echoed, bytes_sent - bytes_echoed);
	return 0;
}
