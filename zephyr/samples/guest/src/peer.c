/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The network peer of the echo guests, a thread of this image talking to the guest over
 * Zephyr's loopback interface:
 *
 * - IORING_PEER_TCP=port: three connections one after the other, each sending a 100000-byte
 *   pattern in pieces and reading every piece back before the next, then closing. Exits the
 *   process: 0 when every byte came back equal, 1 otherwise (tcp-echo runs until killed).
 * - IORING_PEER_UDP=port: IORING_PEER_DATAGRAMS datagrams of different sizes, each echoed
 *   back equal and from the guest's port; the guest then exits by itself (udp-echo serve N).
 */
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/net/socket.h>
#include <zephyr/sys/printk.h>
#ifdef CONFIG_ARCH_POSIX
#include <nsi_main.h>
#endif

#include "peer.h"

#define TCP_BYTES 100000
#define TCP_PIECE 3000

static K_SEM_DEFINE(peer_done, 0, 1);
static int peer_status = 1;

static uint8_t pattern_at(size_t i, unsigned int seed)
{
	return (uint8_t)((i * 31 + seed * 17 + 5) % 253);
}

static struct sockaddr_in guest_addr(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};

	zsock_inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	return a;
}

#ifdef IORING_PEER_TCP
static int tcp_once(unsigned int seed)
{
	static uint8_t out[TCP_PIECE], in[TCP_PIECE];
	struct sockaddr_in a = guest_addr(IORING_PEER_TCP);
	size_t sent = 0, back = 0;
	int fd, tries = 0;

	fd = zsock_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	while (zsock_connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		/* The guest may not be listening yet. */
		zsock_close(fd);
		if (++tries == 50) {
			printk("ioring peer: tcp connect: %d\n", -errno);
			return -1;
		}
		k_msleep(20);
		fd = zsock_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	}
	while (sent < TCP_BYTES) {
		size_t n = MIN(TCP_PIECE, TCP_BYTES - sent);

		for (size_t i = 0; i < n; i++)
			out[i] = pattern_at(sent + i, seed);
		for (size_t off = 0; off < n;) {
			ssize_t w = zsock_send(fd, out + off, n - off, 0);

			if (w <= 0) {
				printk("ioring peer: tcp send: %d\n", -errno);
				goto fail;
			}
			off += (size_t)w;
		}
		sent += n;
		while (back < sent) {
			ssize_t r = zsock_recv(fd, in, MIN(sizeof(in), sent - back), 0);

			if (r <= 0) {
				printk("ioring peer: tcp recv after %zu bytes: %zd (%d)\n", back, r,
				       -errno);
				goto fail;
			}
			for (ssize_t i = 0; i < r; i++) {
				if (in[i] != pattern_at(back + i, seed)) {
					printk("ioring peer: tcp byte %zu differs\n", back + i);
					goto fail;
				}
			}
			back += (size_t)r;
		}
	}
	/* Zephyr 3.4's zsock_shutdown sends nothing: close, so the guest reads end of stream
	 * and closes its side; the next connection shows it still serves. */
	zsock_close(fd);
	printk("ioring peer: tcp: connection %u: %zu bytes echoed, equal to those sent\n", seed,
	       back);
	return 0;
fail:
	zsock_close(fd);
	return -1;
}
#endif

#ifdef IORING_PEER_UDP
static int udp_run(void)
{
	static const size_t sizes[] = {1, 100, 1000, 1400, 17};
	static uint8_t out[1400], in[2048];
	struct sockaddr_in a = guest_addr(IORING_PEER_UDP);
	struct timeval tv = {.tv_sec = 2};
	int fd = zsock_socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);

	BUILD_ASSERT(ARRAY_SIZE(sizes) == IORING_PEER_DATAGRAMS);
	zsock_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		ssize_t r;
		int tries = 0;

		for (size_t i = 0; i < sizes[k]; i++)
			out[i] = pattern_at(i, (unsigned int)k);
		do {
			/* The guest may not be bound yet: resend until it answers. */
			zsock_sendto(fd, out, sizes[k], 0, (struct sockaddr *)&a, sizeof(a));
			r = zsock_recvfrom(fd, in, sizeof(in), 0, (struct sockaddr *)&from,
					   &fromlen);
		} while (r < 0 && k == 0 && ++tries < 10);
		if (r != (ssize_t)sizes[k] || memcmp(in, out, sizes[k]) ||
		    from.sin_port != a.sin_port) {
			printk("ioring peer: udp datagram %zu: got %zd bytes (%d), want %zu equal\n",
			       k, r, r < 0 ? -errno : 0, sizes[k]);
			zsock_close(fd);
			return -1;
		}
	}
	zsock_close(fd);
	printk("ioring peer: udp: %zu datagrams echoed, equal to those sent\n", ARRAY_SIZE(sizes));
	return 0;
}
#endif

static void peer(void *a, void *b, void *c)
{
	ARG_UNUSED(a);
	ARG_UNUSED(b);
	ARG_UNUSED(c);
#ifdef IORING_PEER_TCP
	peer_status = tcp_once(1) == 0 && tcp_once(2) == 0 && tcp_once(3) == 0 ? 0 : 1;
	printk("ioring peer: tcp %s\n", peer_status ? "FAILED" : "passed");
#ifdef CONFIG_ARCH_POSIX
	nsi_exit(peer_status);
#endif
#endif
#ifdef IORING_PEER_UDP
	peer_status = udp_run() == 0 ? 0 : 1;
#endif
	k_sem_give(&peer_done);
}

K_THREAD_DEFINE(ioring_peer, 4096, peer, NULL, NULL, NULL, K_PRIO_PREEMPT(4), 0, 100);

int peer_wait(void)
{
	if (k_sem_take(&peer_done, K_SECONDS(10)) != 0) {
		printk("ioring peer: did not finish\n");
		return 1;
	}
	return peer_status;
}
