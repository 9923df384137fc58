/*
 * ioring.c - the C guest runtime: ring batches, submit/complete over the WIT imports,
 * grants, error strings, and the wasi:cli/run entry point.
 */
#include <stdlib.h>
#include <string.h>

#include "ioring.h"

int ior_ring_init(struct ior_ring *ring, unsigned entries)
{
	ioring_ring_ring_error_code_t err;

	memset(ring, 0, sizeof(*ring));
	ring->sq_cap = entries ? entries : 64;
	ring->sq = calloc(ring->sq_cap, sizeof(*ring->sq));
	if (!ring->sq)
		return -IOR_ENOMEM;
	if (!ioring_ring_ring_static_ring_create(entries, &ring->ring, &err)) {
		free(ring->sq);
		ring->sq = NULL;
		return -IOR_ERR(err);
	}
	return 0;
}

void ior_ring_exit(struct ior_ring *ring)
{
	ioring_ring_ring_ring_drop_own(ring->ring);
	free(ring->sq);
	ring->sq = NULL;
	ring->sq_len = 0;
}

ior_sqe_t *ior_get_sqe(struct ior_ring *ring)
{
	ior_sqe_t *sqe;

	if (ring->sq_len == ring->sq_cap)
		return NULL;
	sqe = &ring->sq[ring->sq_len++];
	memset(sqe, 0, sizeof(*sqe));
	return sqe;
}

static ioring_ring_ring_borrow_ring_t borrow(struct ior_ring *ring)
{
	ioring_ring_ring_borrow_ring_t b = { ring->ring.__handle };
	return b;
}

int ior_submit(struct ior_ring *ring)
{
	ioring_ring_ring_list_sqe_t list = { ring->sq, ring->sq_len };
	unsigned taken;

	if (!ring->sq_len)
		return 0;
	/* The canonical ABI copies every SQE and payload into the host during this call, so
	 * the batch's memory (and the caller's write buffers) is free again on return. */
	taken = ioring_ring_ring_method_ring_submit(borrow(ring), &list);
	if (taken < ring->sq_len)
		memmove(ring->sq, ring->sq + taken, (ring->sq_len - taken) * sizeof(*ring->sq));
	ring->sq_len -= taken;
	return (int)taken;
}

int ior_wait_cqes(struct ior_ring *ring, unsigned min, unsigned max, int64_t timeout_ns,
		  struct ior_cqes *out)
{
	ioring_ring_ring_list_cqe_t list;
	uint64_t timeout = (uint64_t)timeout_ns;
	int ret = ior_submit(ring);

	if (ret < 0)
		return ret;
	ioring_ring_ring_method_ring_complete(borrow(ring), min, max,
					      timeout_ns < 0 ? NULL : &timeout, &list);
	out->cqe = list.ptr;
	out->nr = list.len;
	return (int)list.len;
}

void ior_cqes_free(struct ior_cqes *cqes)
{
	ioring_ring_ring_list_cqe_t list = { cqes->cqe, cqes->nr };

	ioring_ring_ring_list_cqe_free(&list);
	cqes->cqe = NULL;
	cqes->nr = 0;
}

int ior_cqe_handle(const ior_cqe_t *cqe)
{
	switch (cqe->detail.tag) {
	case IORING_RING_TYPES_CQE_DETAIL_HANDLE:
		return (int)cqe->detail.val.handle;
	case IORING_RING_TYPES_CQE_DETAIL_ACCEPTED:
		return (int)cqe->detail.val.accepted.f0;
	default:
		return -IOR_EINVAL;
	}
}

int ior_grant_directory(const char *name)
{
	app_string_t s = { (uint8_t *)name, strlen(name) };
	ior_handle_t handle;
	ioring_ring_grants_error_code_t err;

	if (!ioring_ring_grants_directory(&s, &handle, &err))
		return -IOR_ERR(err);
	return (int)handle;
}

/* Indexed by WIT error code; the order is the enum's in wit/types.wit. */
static const char *const error_names[] = {
	"permission denied by grant", "address in use", "address not available",
	"address family not supported", "try again", "already in progress", "bad handle",
	"busy", "canceled", "connection aborted", "connection refused", "connection reset",
	"destination address required", "exists", "file too large", "host unreachable",
	"in progress", "interrupted", "invalid argument", "I/O error", "already connected",
	"is a directory", "too many symbolic links", "too many handles", "message too long",
	"name too long", "network unreachable", "no buffer space", "no such device",
	"no such file or grant", "out of memory", "no space left", "not connected",
	"not a directory", "directory not empty", "not supported", "not a terminal",
	"no such device or address", "not permitted", "broken pipe", "protocol not supported",
	"out of range", "read-only", "timed out", "cross-device", "unknown error",
};

_Static_assert(sizeof(error_names) / sizeof(error_names[0]) == IORING_RING_TYPES_ERROR_CODE_UNKNOWN + 1,
	       "error_names must list every WIT error code");

const char *ior_strerror(int err)
{
	unsigned code = (unsigned)(err < 0 ? -err : err);

	if (code == 0)
		return "success";
	if (code - 1 >= sizeof(error_names) / sizeof(error_names[0]))
		return "unknown error";
	return error_names[code - 1];
}

/* wasi-libc's argv setup and the application's main(); its destructors flush stdio. */
extern int __main_void(void);
extern void __wasm_call_dtors(void);

/*
 * wasi:cli/run, as wasi-libc's command entry does it: main(), then destructors (stdio is
 * flushed there), then a non-zero status becomes the process's exit code.
 */
bool exports_wasi_cli_run_run(void)
{
	int status = __main_void();

	__wasm_call_dtors();
	if (status != 0)
		_Exit(status);
	return true;
}
