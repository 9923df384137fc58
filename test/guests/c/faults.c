/*
 * faults: a guest that meets failures from outside and reports, one line each, the error
 * code the host gave it, then shows that it (and the host) carry on. Run by
 * test/e2e/faults.test.js, one mode per run.
 *
 *   reset           accept on the "l" listener; receive until an error (the client resets the
 *                   connection mid-stream); send on the reset socket; then serve a second
 *                   client: receive its bytes and send them back
 *   reset-multishot as reset, receiving with a multishot receive
 *   half-close      accept; receive until end of stream (the client shut down its writing
 *                   half); send "reply:N" back on the half-open connection; shut down writing
 *   enobufs N       accept N connections, arm a multishot receive on each (all draw on the
 *                   ring's 64 provided buffers), take completions one per call while the
 *                   clients send as fast as they can (with a small --max-inflight the host
 *                   holds few, and the buffers run out); check each byte (byte i of each
 *                   connection is i % 251) until every connection ends
 *   cq-overflow     a ring of 4 entries (a CQ of 8): 1000 timeouts of 1 ms, then 100 ms of
 *                   sleep while they all expire, then collect every completion
 *   trap-inflight   1000 operations in flight on the "l" listener (timeouts and polls), then trap
 *   full-disk       write 4 KiB blocks to d/fill until the file system is full; fsync; statx
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ioring.h"

static struct ior_ring R;

static void say(const char *label, int res)
{
	if (res >= 0)
		printf("%s: ok %d\n", label, res);
	else
		printf("%s: err %s\n", label, ior_strerror(res));
	fflush(stdout);
}

static int wait1(ior_cqe_t *copy)
{
	struct ior_cqes c;
	int res;

	if (ior_wait_cqes(&R, 1, 1, -1, &c) != 1) {
		printf("no completion\n");
		exit(3);
	}
	res = ior_cqe_res(&c.cqe[0]);
	if (copy) {
		*copy = c.cqe[0];
		copy->data.len = 0;
	}
	ior_cqes_free(&c);
	return res;
}

static int grant(const char *name, int dir)
{
	int h = dir ? ior_grant_directory(name) : ior_grant_listener(name);

	if (h < 0) {
		say(name, h);
		exit(1);
	}
	return h;
}

static int accept_one(int listener)
{
	ior_cqe_t cqe;
	int res;

	ior_prep_accept(ior_get_sqe(&R), (ior_handle_t)listener);
	res = wait1(&cqe);
	if (res < 0) {
		say("accept", res);
		exit(1);
	}
	return ior_cqe_handle(&cqe);
}

/* Receives until end of stream or an error; returns the bytes received, *@err the end. */
static size_t drain(int fd, int multishot, int *err)
{
	size_t total = 0;

	if (multishot)
		ior_prep_recv_multishot(ior_get_sqe(&R), (ior_handle_t)fd, 16384);
	for (;;) {
		ior_cqe_t cqe;
		int res;

		if (!multishot)
			ior_prep_recv(ior_get_sqe(&R), (ior_handle_t)fd, 16384);
		res = wait1(&cqe);
		if (res <= 0) {
			*err = res;
			if (multishot && ior_cqe_more(&cqe))
				printf("multishot: still armed after the end\n");
			return total;
		}
		total += (size_t)res;
		if (multishot && !ior_cqe_more(&cqe)) {
			*err = 1; /* ended without an error: not expected */
			return total;
		}
	}
}

static void reset(int multishot)
{
	int l = grant("l", 0), fd = accept_one(l), end = 0, res;
	char label[64];
	size_t got = drain(fd, multishot, &end);
	ior_cqe_t cqe;
	struct ior_cqes c;
	size_t len;
	const uint8_t *p;

	printf("received %zu bytes before the end\n", got);
	say("end of the reset stream", end);
	ior_prep_send(ior_get_sqe(&R), (ior_handle_t)fd, "x", 1);
	say("send on the reset socket", wait1(NULL));
	ior_prep_close(ior_get_sqe(&R), (ior_handle_t)fd);
	say("close", wait1(NULL));
	/* The host carries on: a second client is served. */
	fd = accept_one(l);
	ior_prep_recv(ior_get_sqe(&R), (ior_handle_t)fd, 64);
	if (ior_wait_cqes(&R, 1, 1, -1, &c) != 1)
		exit(3);
	res = ior_cqe_res(&c.cqe[0]);
	p = ior_cqe_payload(&c.cqe[0], &len);
	snprintf(label, sizeof(label), "second client recv");
	say(label, res);
	if (res > 0) {
		ior_prep_send(ior_get_sqe(&R), (ior_handle_t)fd, p, len);
		say("second client send", wait1(&cqe));
	}
	ior_cqes_free(&c);
}

static void half_close(void)
{
	int fd = accept_one(grant("l", 0)), end = 1;
	size_t got = drain(fd, 0, &end);
	char reply[32];

	printf("end of stream after %zu bytes: %d\n", got, end);
	snprintf(reply, sizeof(reply), "reply:%zu", got);
	ior_prep_send(ior_get_sqe(&R), (ior_handle_t)fd, reply, strlen(reply));
	say("send after the peer's end", wait1(NULL));
	ior_prep_shutdown(ior_get_sqe(&R), (ior_handle_t)fd, IOR_SHUT_WR);
	say("shutdown write", wait1(NULL));
}

#define MAX_CONNS 256

static void enobufs(int conns)
{
	static size_t total[MAX_CONNS];
	static int fds[MAX_CONNS];
	int l = grant("l", 0), open = conns, intact = 1, early = 0;
	size_t all = 0;
	unsigned cqes = 0;
	struct ior_cqes c;

	if (conns < 1 || conns > MAX_CONNS)
		exit(2);
	for (int i = 0; i < conns; i++)
		fds[i] = accept_one(l);
	printf("accepted %d\n", conns);
	fflush(stdout);
	for (int i = 0; i < conns; i++) {
		ior_sqe_t *s = ior_get_sqe(&R);

		if (!s) {
			ior_submit(&R);
			s = ior_get_sqe(&R);
		}
		if (!s) {
			/* The host's in-flight limit is below the connection count. */
			printf("no room to arm connection %d\n", i);
			exit(2);
		}
		ior_prep_recv_multishot(s, (ior_handle_t)fds[i], 16384);
		ior_sqe_set_data32(s, (uint32_t)i);
	}
	printf("armed\n");
	fflush(stdout);
	/*
	 * Slow: take one completion per call while waiting for more. The host holds no more
	 * reaped completions than its budget (--max-inflight); the rest wait in the kernel's CQ
	 * with the provided buffers they filled, which every connection's receive draws from.
	 */
	while (open > 0) {
		int n = ior_wait_cqes(&R, 1000, 1, -1, &c);

		if (n <= 0) {
			printf("nothing in flight with %d connections open\n", open);
			early = 1;
			break;
		}
		for (int i = 0; i < n; i++) {
			uint32_t k = ior_cqe_get_data32(&c.cqe[i]);
			int res = ior_cqe_res(&c.cqe[i]);
			size_t len;
			const uint8_t *p = ior_cqe_payload(&c.cqe[i], &len);

			cqes++;
			if (k >= (uint32_t)conns)
				continue;
			if (res <= 0 || !ior_cqe_more(&c.cqe[i])) {
				if (res != 0 || total[k] == 0) {
					printf("connection %u ended with %d\n", k, res);
					early = 1;
				}
				open--;
			}
			for (size_t b = 0; res > 0 && b < len; b++)
				intact &= p[b] == (uint8_t)((total[k] + b) % 251);
			if (res > 0)
				total[k] += len;
		}
		ior_cqes_free(&c);
	}
	for (int i = 0; i < conns; i++) {
		all += total[i];
		if (total[i] != total[0])
			printf("connection %d: %zu bytes, connection 0: %zu\n", i, total[i], total[0]);
	}
	printf("received %zu bytes on %d connections in %u completions, %s%s\n", all, conns, cqes,
	       intact ? "intact" : "CORRUPT", early ? ", some ended early" : "");
}

static void cq_overflow(void)
{
	struct ior_ring small;
	static unsigned char seen[1000];
	unsigned got = 0, distinct = 0, timed_out = 0;
	struct ior_cqes c;

	if (ior_ring_init(&small, 4) < 0)
		exit(1);
	for (unsigned i = 0; i < 1000; i++) {
		ior_sqe_t *s = ior_get_sqe(&small);

		if (!s) {
			ior_submit(&small);
			s = ior_get_sqe(&small);
		}
		ior_prep_timeout(s, 1000000, 0);
		ior_sqe_set_data32(s, i);
	}
	ior_submit(&small);
	ior_wait_cqes(&small, 0, 0, 0, &c); /* to the kernel */
	got += (unsigned)c.nr;
	for (size_t i = 0; i < c.nr; i++) {
		uint32_t u = ior_cqe_get_data32(&c.cqe[i]);

		distinct += u < 1000 && !seen[u]++;
		timed_out += ior_cqe_res(&c.cqe[i]) == -IOR_ETIMEDOUT;
	}
	ior_cqes_free(&c);
	usleep(100000);
	while (got < 1000) {
		int n = ior_wait_cqes(&small, 1, 1000, 2000000000ll, &c);

		if (n <= 0)
			break;
		got += (unsigned)n;
		for (int i = 0; i < n; i++) {
			uint32_t u = ior_cqe_get_data32(&c.cqe[i]);

			distinct += u < 1000 && !seen[u]++;
			timed_out += ior_cqe_res(&c.cqe[i]) == -IOR_ETIMEDOUT;
		}
		ior_cqes_free(&c);
	}
	printf("completions %u, distinct %u, timed out %u\n", got, distinct, timed_out);
}

static void trap_inflight(void)
{
	int l = grant("l", 0);
	struct ior_ring big;
	struct ior_cqes c;
	unsigned taken = 0;

	if (ior_ring_init(&big, 1024) < 0)
		exit(1);
	for (unsigned i = 0; i < 1000; i++) {
		ior_sqe_t *s = ior_get_sqe(&big);

		if (i % 2)
			ior_prep_timeout(s, 60ull * 1000000000ull, 0);
		else
			ior_prep_poll(s, (ior_handle_t)l, IOR_POLLIN);
	}
	taken = (unsigned)ior_submit(&big);
	ior_wait_cqes(&big, 0, 0, 0, &c); /* to the kernel */
	printf("in flight %u, completed %zu\n", taken, c.nr);
	fflush(stdout);
	__builtin_trap();
}

static void full_disk(void)
{
	int d = grant("d", 1), fd, res = 0;
	static char block[4096];
	size_t total = 0;
	ior_cqe_t cqe;

	memset(block, 'z', sizeof(block));
	ior_prep_openat(ior_get_sqe(&R), (ior_handle_t)d, "fill", IOR_O_WRITE | IOR_O_CREATE | IOR_O_TRUNCATE, 0644);
	res = wait1(&cqe);
	if (res < 0) {
		say("open", res);
		exit(1);
	}
	fd = ior_cqe_handle(&cqe);
	while (total < (1u << 20)) {
		ior_prep_write(ior_get_sqe(&R), (ior_handle_t)fd, block, sizeof(block), IOR_CURRENT_POSITION);
		res = wait1(NULL);
		if (res <= 0)
			break;
		total += (size_t)res;
	}
	printf("wrote %zu bytes\n", total);
	say("write on a full disk", res);
	ior_prep_fsync(ior_get_sqe(&R), (ior_handle_t)fd, 0);
	say("fsync", wait1(NULL));
	ior_prep_statx(ior_get_sqe(&R), (ior_handle_t)d, "fill", false);
	res = wait1(&cqe);
	say("statx", res);
	if (res >= 0 && ior_cqe_stat(&cqe))
		printf("size %llu\n", (unsigned long long)ior_cqe_stat(&cqe)->size);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (ior_ring_init(&R, 64) < 0)
		return 1;
	if (!strcmp(mode, "reset"))
		reset(0);
	else if (!strcmp(mode, "reset-multishot"))
		reset(1);
	else if (!strcmp(mode, "half-close"))
		half_close();
	else if (!strcmp(mode, "enobufs"))
		enobufs(argc > 2 ? atoi(argv[2]) : 1);
	else if (!strcmp(mode, "cq-overflow"))
		cq_overflow();
	else if (!strcmp(mode, "trap-inflight"))
		trap_inflight();
	else if (!strcmp(mode, "full-disk"))
		full_disk();
	else
		return 2;
	return 0;
}
