/*
 * The WASI adapter's shared declarations: the ring (`ioring:ring`) implemented over WASI 0.2.
 * adapter.c holds the ring (submission, link chains, drain, cancellation, timeouts, complete),
 * ops.c each operation, packed.c the byte form of `enter`, grants.c the grants and the policy
 * read from the environment.
 */
#ifndef IORING_WASIRING_H
#define IORING_WASIRING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bindings/adapter.h"

typedef exports_ioring_ring_types_sqe_t sqe_t;
typedef exports_ioring_ring_types_cqe_t cqe_t;
typedef exports_ioring_ring_types_cqe_detail_t detail_t;
typedef exports_ioring_ring_types_socket_address_t saddr_t;
typedef wasi_sockets_network_ip_socket_address_t ipaddr_t;
typedef wasi_io_poll_own_pollable_t pollable_t;

#define EC(x) EXPORTS_IORING_RING_TYPES_ERROR_CODE_##x
#define OPC(x) EXPORTS_IORING_RING_TYPES_OP_##x
#define SA(x) EXPORTS_IORING_RING_TYPES_SOCKET_ADDRESS_##x
#define PE(x) EXPORTS_IORING_RING_TYPES_POLL_EVENTS_##x

/* The op case of an entry `enter` could not decode (a case with no packed form, a bad value, an
 * entry cut short): past every case of `op`, so it owns nothing; it completes with `invalid`
 * in its place, as an entry that fails at once. */
#define OP_MALFORMED 0xff

/* A result: >= 0 a count, < 0 an error code (ERR(code)). */
#define ERR(code) (-(int64_t)(code) - 1)
#define IS_ERR(r) ((r) < 0)
#define ERR_CODE(r) ((uint8_t)(-(r) - 1))

/* Largest single transfer, as the Linux host's limit. */
#define MAX_IO_LEN (16u << 20)
/* Handles in the guest's table, operations in flight per ring: the Linux host's defaults. */
#define MAX_HANDLES 1024
#define MAX_INFLIGHT 1024
#define CANCEL_RESERVE 8
/* Most bytes one receive of a multishot stream carries. */
#define MULTISHOT_CHUNK 65536

enum kind { K_STDIN, K_STDOUT, K_FILE, K_DIR, K_TCP, K_UDP, K_DEVICE };

enum tcp_state { TCP_NEW, TCP_BOUND, TCP_LISTENING, TCP_CONNECTING, TCP_CONNECTED, TCP_FAILED };

struct op;

/* A queue of operations waiting their turn on one object (readers, writers). */
struct opq {
	struct op *head, *tail;
};

/* Bytes read ahead from an input stream: what a poll found, for the next receive. */
struct inbuf {
	uint8_t *data;
	size_t len, off;
	bool eof;
	int64_t err; /* an error to report once (then end of stream) */
};

/* A connection accepted ahead (by a poll on a listener), for the next accept. */
struct pending_conn {
	wasi_sockets_tcp_own_tcp_socket_t sock;
	wasi_io_streams_own_input_stream_t in;
	wasi_io_streams_own_output_stream_t out;
};

/* A datagram received ahead. */
struct pending_dgram {
	uint8_t *data;
	size_t len;
	ipaddr_t from;
};

#define HEARD_MAX 64

/* What a handle names. Reference-counted: operations in flight keep it after a close. */
typedef struct obj {
	int refs;
	enum kind kind;
	/* files and directories */
	wasi_filesystem_types_own_descriptor_t desc;
	bool borrowed;	/* a preopen: the adapter keeps it past any close */
	bool readable, writable, append;
	bool regular;	/* a regular file: a read gives all it asks for but at the end */
	bool readonly;	/* a directory under a read-only grant (and what is opened beneath it) */
	uint64_t pos;
	/* streams: stdin, stdout/stderr, a TCP connection */
	bool has_in, has_out;
	wasi_io_streams_own_input_stream_t in;
	wasi_io_streams_own_output_stream_t out;
	struct inbuf ib;
	/* sockets */
	int family; /* WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_* */
	bool granted; /* a listener granted by name */
	wasi_sockets_tcp_own_tcp_socket_t tcp;
	enum tcp_state tstate;
	bool shut_wr, shut_rd;
	/* Bound in the adapter only, to @held, until listen or connect binds it (where the
	 * runtime's bind would accept connections: see tcp_bind_app in ops.c). */
	bool reserved;
	ipaddr_t held;
	struct pending_conn *conns;
	size_t nconns;
	wasi_sockets_udp_own_udp_socket_t udp;
	bool ubound, ustreams, uconnected, hears_anyone;
	wasi_sockets_udp_own_incoming_datagram_stream_t uin;
	wasi_sockets_udp_own_outgoing_datagram_stream_t uout;
	ipaddr_t upeer;
	struct pending_dgram *dgrams;
	size_t ndgrams;
	ipaddr_t heard[HEARD_MAX]; /* senders a granted datagram socket may answer */
	size_t nheard, heard_next;
	struct opq readers, writers;
} obj_t;

typedef struct exports_ioring_ring_ring_ring_t ring_t;
struct chain;

enum op_state { OP_QUEUED, OP_RUNNING, OP_DONE };

typedef struct op {
	struct op *next_live, *prev_live; /* every running operation, all rings */
	struct op *qnext;		  /* an object's queue */
	struct opq *queue;		  /* which one it is in */
	ring_t *ring;
	struct chain *chain;
	sqe_t sqe;
	enum op_state state;
	obj_t *obj;
	pollable_t polls[2];
	int npolls;
	bool every_turn; /* step on every turn of complete (a multishot poll) */
	uint64_t deadline; /* monotonic ns; 0: none */
	struct op *bound;  /* the link-timeout bounding this operation */
	bool timed_out;
	/* progress */
	int phase;
	uint64_t done_bytes;
	uint32_t count_left;
	uint8_t last_events;
	bool fixed_counted;
	bool in_live;
} op_t;

typedef struct chain {
	struct chain *next, *prev; /* the ring's chains not yet done, in submission order */
	ring_t *ring;
	int n, cur;
	bool held, broken, drain, lone_cancel, stepping, done;
	op_t *ops[];
} chain_t;

struct exports_ioring_ring_ring_ring_t {
	cqe_t *ready;
	size_t nready, capready;
	uint32_t outstanding; /* entries whose last CQE complete has not returned */
	chain_t *chains, *chains_tail;
	uint8_t **fixed;
	uint32_t nfixed, fixed_size, fixed_inflight;
	op_t **count_timers;
	size_t ncount_timers, capcount_timers;
	bool dropping, releasing, release_again;
};

/* adapter.c */
extern obj_t *handles[MAX_HANDLES];
extern op_t *live_ops;
extern wasi_sockets_network_own_network_t network;
uint64_t now_ns(void);
void adapter_init(void);
int64_t handle_add(obj_t *o);
obj_t *handle_get(uint32_t h);
obj_t *obj_new(enum kind k);
obj_t *obj_ref(obj_t *o);
void obj_unref(obj_t *o);
void op_wait(op_t *op, pollable_t p);
void op_clear_polls(op_t *op);
void op_more(op_t *op, int64_t res, uint8_t *data, size_t len, detail_t *detail);
void op_done(op_t *op, int64_t res, uint8_t *data, size_t len, detail_t *detail);
void opq_push(struct opq *q, op_t *op);
void opq_remove(op_t *op);
bool opq_is_head(op_t *op);
void obj_wake_queue(struct opq *q);
void obj_drop_polls(obj_t *o);
void drop_udp_streams_public(obj_t *o);
void ring_add_count_timer(ring_t *r, op_t *op);
int64_t fs_err(wasi_filesystem_types_error_code_t e);
int64_t net_err(wasi_sockets_network_error_code_t e);
int64_t stream_err(wasi_io_streams_stream_error_t *e, bool writing);

/* ops.c */
void op_start(op_t *op);
void op_step(op_t *op);
void op_cleanup(op_t *op);
int64_t udp_ready(obj_t *o);
int64_t cancel_in_ring(ring_t *r, uint32_t target, bool all, op_t *self);

/* packed.c: `enter`'s entries and completions as bytes (wit/ring.wit) */
size_t packed_sqes_decode(const uint8_t *bytes, size_t len, sqe_t **out);
void packed_cqes_encode(uint32_t queued, const cqe_t *cqes, size_t n, adapter_list_u8_t *out);

/* grants.c */
bool may_bind(bool udp, const ipaddr_t *a);
bool may_connect(bool udp, const ipaddr_t *a);
void grants_init(void);
void addr_to_ring(const ipaddr_t *in, saddr_t *out);
int64_t addr_from_ring(const saddr_t *in, ipaddr_t *out);
bool addr_eq(const ipaddr_t *a, const ipaddr_t *b);
ipaddr_t addr_any(int family);
uint16_t addr_port(const ipaddr_t *a);

#endif
