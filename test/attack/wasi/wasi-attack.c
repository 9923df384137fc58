/*
 * wasi-attack: tries the host's socket grants through wasi:sockets directly, printing one
 * "LABEL: ok" or "LABEL: err N" line (N: wasi:sockets error-code) per step, so the attack
 * runner (test/attack/run.mjs) can check from outside whether anything got through.
 *
 * The mode and address come from the environment (a reactor has no argv): --env MODE=...
 * --env ADDR=...
 *
 *   tcp-listen ADDR       bind ADDR, listen; prints the port; listens 3 s
 *   tcp-connect ADDR      connect to ADDR, then write
 *   udp-bind ADDR         bind a datagram socket to ADDR
 *   udp-send ADDR         send a datagram to ADDR (from an implicit wildcard bind)
 *   udp-recv ADDR         bind ADDR (0.0.0.0:0: the wildcard), print the port,
 *                         receive for 3 s; prints what arrived
 *
 * ADDR is A.B.C.D:PORT, or [::]:PORT / [::1]:PORT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attack.h"

typedef wasi_sockets_network_ip_socket_address_t addr_t;

static int parse(const char *s, addr_t *a)
{
	unsigned b[4], port;

	memset(a, 0, sizeof(*a));
	if (sscanf(s, "%u.%u.%u.%u:%u", &b[0], &b[1], &b[2], &b[3], &port) == 5) {
		a->tag = WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4;
		a->val.ipv4.port = (uint16_t)port;
		a->val.ipv4.address = (wasi_sockets_network_ipv4_address_t){ b[0], b[1], b[2], b[3] };
		return 4;
	}
	a->tag = WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV6;
	if (sscanf(s, "[::]:%u", &port) == 1) {
		a->val.ipv6.port = (uint16_t)port;
		return 6;
	}
	if (sscanf(s, "[::1]:%u", &port) == 1) {
		a->val.ipv6.port = (uint16_t)port;
		a->val.ipv6.address.f7 = 1;
		return 6;
	}
	fprintf(stderr, "bad address %s\n", s);
	exit(2);
}

static uint8_t family(const addr_t *a)
{
	return a->tag == WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4 ? WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4
								     : WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV6;
}

static bool report(const char *label, bool ok, int err)
{
	if (ok)
		printf("%s: ok\n", label);
	else
		printf("%s: err %d\n", label, err);
	fflush(stdout);
	return ok;
}

static uint16_t port_of(const addr_t *a)
{
	return a->tag == WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4 ? a->val.ipv4.port : a->val.ipv6.port;
}

/* Waits until @p is ready or @ms pass; true if it was ready. */
static bool wait_for(wasi_io_poll_own_pollable_t p, uint64_t ms)
{
	wasi_io_poll_own_pollable_t t = wasi_clocks_monotonic_clock_subscribe_duration(ms * 1000000ull);
	wasi_io_poll_borrow_pollable_t two[2] = { wasi_io_poll_borrow_pollable(p), wasi_io_poll_borrow_pollable(t) };
	wasi_io_poll_list_borrow_pollable_t list = { two, 2 };
	attack_list_u32_t ready;
	bool first = false;

	wasi_io_poll_poll(&list, &ready);
	for (size_t i = 0; i < ready.len; i++)
		first |= ready.ptr[i] == 0;
	attack_list_u32_free(&ready);
	wasi_io_poll_pollable_drop_own(t);
	return first;
}

static void tcp(const char *mode, const char *text)
{
	wasi_sockets_instance_network_own_network_t net = wasi_sockets_instance_network_instance_network();
	wasi_sockets_tcp_create_socket_own_tcp_socket_t own;
	wasi_sockets_tcp_error_code_t err = 0;
	addr_t a;

	parse(text, &a);
	if (!report("create", wasi_sockets_tcp_create_socket_create_tcp_socket(family(&a), &own, &err), err))
		return;
	wasi_sockets_tcp_borrow_tcp_socket_t s = wasi_sockets_tcp_borrow_tcp_socket(own);
	wasi_io_poll_own_pollable_t ready = wasi_sockets_tcp_method_tcp_socket_subscribe(s);
	wasi_sockets_network_borrow_network_t n = wasi_sockets_network_borrow_network(net);

	if (!strcmp(mode, "tcp-connect")) {
		wasi_sockets_tcp_tuple2_own_input_stream_own_output_stream_t io;
		bool ok;

		if (!report("start-connect", wasi_sockets_tcp_method_tcp_socket_start_connect(s, n, &a, &err), err))
			return;
		do {
			wait_for(ready, 3000);
			ok = wasi_sockets_tcp_method_tcp_socket_finish_connect(s, &io, &err);
		} while (!ok && err == WASI_SOCKETS_NETWORK_ERROR_CODE_WOULD_BLOCK);
		report("finish-connect", ok, err);
		return;
	}
	if (!report("start-bind", wasi_sockets_tcp_method_tcp_socket_start_bind(s, n, &a, &err), err))
		return;
	if (!report("finish-bind", wasi_sockets_tcp_method_tcp_socket_finish_bind(s, &err), err))
		return;
	bool ok = wasi_sockets_tcp_method_tcp_socket_start_listen(s, &err);

	report("start-listen", ok, err);
	if (ok) {
		do {
			wait_for(ready, 1000);
			ok = wasi_sockets_tcp_method_tcp_socket_finish_listen(s, &err);
		} while (!ok && err == WASI_SOCKETS_NETWORK_ERROR_CODE_WOULD_BLOCK);
		report("finish-listen", ok, err);
	}
	addr_t local;
	if (wasi_sockets_tcp_method_tcp_socket_local_address(s, &local, &err))
		printf("port %u\n", port_of(&local));
	printf("ready\n");
	fflush(stdout);
	if (ok) {
		wasi_sockets_tcp_tuple3_own_tcp_socket_own_input_stream_own_output_stream_t c;

		wait_for(ready, 3000);
		report("accept", wasi_sockets_tcp_method_tcp_socket_accept(s, &c, &err), err);
	}
	fflush(stdout);
}

static void udp(const char *mode, const char *text)
{
	wasi_sockets_instance_network_own_network_t net = wasi_sockets_instance_network_instance_network();
	wasi_sockets_udp_create_socket_own_udp_socket_t own;
	wasi_sockets_udp_error_code_t err = 0;
	addr_t a, bind_to;
	bool send = !strcmp(mode, "udp-send");

	parse(text, &a);
	bind_to = a;
	if (send) {
		/* What a client does: the wildcard address with port 0, which reaches nothing alone. */
		memset(&bind_to.val, 0, sizeof(bind_to.val));
	}
	if (!report("create", wasi_sockets_udp_create_socket_create_udp_socket(family(&a), &own, &err), err))
		return;
	wasi_sockets_udp_borrow_udp_socket_t s = wasi_sockets_udp_borrow_udp_socket(own);
	wasi_sockets_network_borrow_network_t n = wasi_sockets_network_borrow_network(net);
	wasi_io_poll_own_pollable_t ready = wasi_sockets_udp_method_udp_socket_subscribe(s);

	if (!report("start-bind", wasi_sockets_udp_method_udp_socket_start_bind(s, n, &bind_to, &err), err))
		return;
	wait_for(ready, 100);
	if (!report("finish-bind", wasi_sockets_udp_method_udp_socket_finish_bind(s, &err), err))
		return;
	if (!strcmp(mode, "udp-bind"))
		return;
	addr_t local;
	if (wasi_sockets_udp_method_udp_socket_local_address(s, &local, &err))
		printf("port %u\n", port_of(&local));
	wasi_sockets_udp_tuple2_own_incoming_datagram_stream_own_outgoing_datagram_stream_t st;
	if (!report("stream", wasi_sockets_udp_method_udp_socket_stream(s, NULL, &st, &err), err))
		return;
	if (send) {
		wasi_sockets_udp_borrow_outgoing_datagram_stream_t out = wasi_sockets_udp_borrow_outgoing_datagram_stream(st.f1);
		wasi_sockets_udp_outgoing_datagram_t d = { { (uint8_t *)"PWNED", 5 }, { true, a } };
		wasi_sockets_udp_list_outgoing_datagram_t list = { &d, 1 };
		uint64_t permit = 0, sent = 0;
		bool ok = wasi_sockets_udp_method_outgoing_datagram_stream_check_send(out, &permit, &err);

		if (ok)
			ok = wasi_sockets_udp_method_outgoing_datagram_stream_send(out, &list, &sent, &err);
		report("send", ok, err);
		printf("sent %llu\n", (unsigned long long)sent);
		fflush(stdout);
		return;
	}
	printf("ready\n");
	fflush(stdout);
	wasi_sockets_udp_borrow_incoming_datagram_stream_t in = wasi_sockets_udp_borrow_incoming_datagram_stream(st.f0);
	wasi_io_poll_own_pollable_t readable = wasi_sockets_udp_method_incoming_datagram_stream_subscribe(in);
	uint64_t got = 0;

	for (int i = 0; i < 30; i++) {
		wasi_sockets_udp_list_incoming_datagram_t dgrams;

		wait_for(readable, 100);
		if (!wasi_sockets_udp_method_incoming_datagram_stream_receive(in, 16, &dgrams, &err)) {
			report("receive", false, err);
			break;
		}
		for (size_t k = 0; k < dgrams.len; k++)
			printf("received: %.*s\n", (int)dgrams.ptr[k].data.len, (const char *)dgrams.ptr[k].data.ptr);
		fflush(stdout);
		got += dgrams.len;
		wasi_sockets_udp_list_incoming_datagram_free(&dgrams);
	}
	printf("datagrams %llu\n", (unsigned long long)got);
	fflush(stdout); /* a reactor's return does not flush stdio */
}

bool exports_wasi_cli_run_run(void)
{
	const char *mode = getenv("MODE"), *addr = getenv("ADDR");

	if (!mode || !addr)
		return false;
	if (!strncmp(mode, "tcp-", 4))
		tcp(mode, addr);
	else
		udp(mode, addr);
	return true;
}
