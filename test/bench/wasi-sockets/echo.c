/*
 * echo - the wasi:sockets baseline: a TCP echo server written against wasi:sockets and
 * wasi:io directly (no ioring), polling its listener and every connection with one
 * wasi:io/poll.poll per turn, as a WASI 0.2 guest must. Run by the same host, whose
 * wasmtime-wasi implements these imports, with the same --bind grant.
 *
 *   ioring run --bind tcp:127.0.0.1:PORT --env PORT=PORT echo.wasm
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#define FAIL(what) do { fprintf(stderr, "echo: %s: error %d\n", what, (int)err); return false; } while (0)

#include "echo.h"

#define MAX_CONNS 256
#define WRITE_MAX 4096 /* blocking-write-and-flush takes at most 4096 bytes */

struct conn {
	wasi_sockets_tcp_own_tcp_socket_t sock;
	wasi_io_streams_own_input_stream_t in;
	wasi_io_streams_own_output_stream_t out;
	wasi_io_poll_own_pollable_t ready;
};

static struct conn conns[MAX_CONNS];
static size_t nconns;

static void drop_conn(size_t i)
{
	wasi_io_poll_pollable_drop_own(conns[i].ready);
	wasi_io_streams_input_stream_drop_own(conns[i].in);
	wasi_io_streams_output_stream_drop_own(conns[i].out);
	wasi_sockets_tcp_tcp_socket_drop_own(conns[i].sock);
	conns[i] = conns[--nconns];
}

/* Echoes what is readable on connection @i; false when it closed. */
static bool echo_once(size_t i)
{
	echo_list_u8_t bytes;
	wasi_io_streams_stream_error_t err;

	if (!wasi_io_streams_method_input_stream_read(wasi_io_streams_borrow_input_stream(conns[i].in), 65536, &bytes, &err))
		return false;
	for (size_t off = 0; off < bytes.len; off += WRITE_MAX) {
		echo_list_u8_t part = { bytes.ptr + off, bytes.len - off < WRITE_MAX ? bytes.len - off : WRITE_MAX };

		if (!wasi_io_streams_method_output_stream_blocking_write_and_flush(
			    wasi_io_streams_borrow_output_stream(conns[i].out), &part, &err)) {
			echo_list_u8_free(&bytes);
			return false;
		}
	}
	echo_list_u8_free(&bytes);
	return true;
}

/* Blocks until @p is ready. */
static void wait_for(wasi_io_poll_own_pollable_t p)
{
	wasi_io_poll_borrow_pollable_t one = wasi_io_poll_borrow_pollable(p);
	wasi_io_poll_list_borrow_pollable_t list = { &one, 1 };
	echo_list_u32_t ready;

	wasi_io_poll_poll(&list, &ready);
	echo_list_u32_free(&ready);
}

static int by_index_descending(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x < y) - (x > y);
}

bool exports_wasi_cli_run_run(void)
{
	wasi_sockets_instance_network_own_network_t net = wasi_sockets_instance_network_instance_network();
	wasi_sockets_tcp_create_socket_own_tcp_socket_t listener;
	wasi_sockets_tcp_error_code_t err;
	wasi_sockets_tcp_ip_socket_address_t addr = { .tag = WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4 };
	const char *port = getenv("PORT");

	addr.val.ipv4.port = (uint16_t)(port ? atoi(port) : 7777);
	addr.val.ipv4.address = (wasi_sockets_network_ipv4_address_t){ 127, 0, 0, 1 };
	if (!wasi_sockets_tcp_create_socket_create_tcp_socket(WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4, &listener, &err))
		FAIL("create-tcp-socket");
	wasi_sockets_tcp_borrow_tcp_socket_t l = wasi_sockets_tcp_borrow_tcp_socket(listener);
	wasi_io_poll_own_pollable_t l_ready = wasi_sockets_tcp_method_tcp_socket_subscribe(l);

	if (!wasi_sockets_tcp_method_tcp_socket_start_bind(l, wasi_sockets_network_borrow_network(net), &addr, &err))
		FAIL("start-bind");
	wait_for(l_ready);
	if (!wasi_sockets_tcp_method_tcp_socket_finish_bind(l, &err))
		FAIL("finish-bind");
	if (!wasi_sockets_tcp_method_tcp_socket_start_listen(l, &err))
		FAIL("start-listen");
	while (!wasi_sockets_tcp_method_tcp_socket_finish_listen(l, &err))
		if (err != WASI_SOCKETS_NETWORK_ERROR_CODE_WOULD_BLOCK)
			FAIL("finish-listen");

	static wasi_io_poll_borrow_pollable_t polls[MAX_CONNS + 1];
	for (;;) {
		echo_list_u32_t ready;

		polls[0] = wasi_io_poll_borrow_pollable(l_ready);
		for (size_t i = 0; i < nconns; i++)
			polls[i + 1] = wasi_io_poll_borrow_pollable(conns[i].ready);
		wasi_io_poll_poll(&(wasi_io_poll_list_borrow_pollable_t){ polls, nconns + 1 }, &ready);
		/*
		 * Highest index first, so that dropping a connection does not move one not yet served.
		 * poll's ready list is in no promised order (wasmtime groups it by the pollables' host
		 * resources), so sort it: serving it as given once dropped a connection and then used
		 * the stale handle of the one moved into its place.
		 */
		qsort(ready.ptr, ready.len, sizeof(*ready.ptr), by_index_descending);
		for (size_t r = 0; r < ready.len; r++) {
			uint32_t i = ready.ptr[r];

			if (i > 0) {
				if (!echo_once(i - 1))
					drop_conn(i - 1);
				continue;
			}
			wasi_sockets_tcp_tuple3_own_tcp_socket_own_input_stream_own_output_stream_t c;
			while (nconns < MAX_CONNS && wasi_sockets_tcp_method_tcp_socket_accept(l, &c, &err)) {
				conns[nconns] = (struct conn){ c.f0, c.f1, c.f2,
					wasi_io_streams_method_input_stream_subscribe(wasi_io_streams_borrow_input_stream(c.f1)) };
				nconns++;
			}
		}
		echo_list_u32_free(&ready);
	}
}
