/*
 * ioring.c - the C guest runtime: ring batches, submit/complete over the WIT imports, CQE
 * caching for wait/peek, fixed buffers, grants, and the wasi:cli/run entry point.
 */
#include <stdlib.h>
#include <string.h>

#include "ioring.h"
#include "internal.h"

/* The most CQEs one complete() call may return per SQE the local batch holds. */
#define CQ_PER_SQ 2

/*
 * The spare list block. Every complete() that returns CQEs makes the host call cabi_realloc
 * for the list (the canonical ABI's way to return a list), and the SDK frees the list once
 * its CQEs are seen: a malloc and a free per crossing, which an interpreted guest pays
 * dearly for (wasi-libc's dlmalloc runs hundreds of wasm instructions for the pair). So the
 * SDK keeps the last list block it is done with, and cabi_realloc hands it back for the next
 * fresh list allocation that fits. The block came from malloc, so whoever gets it may free()
 * it as usual; the contract is unchanged (the host still allocates through cabi_realloc).
 */
static void *__ior_spare;
static size_t __ior_spare_cap; /* at most its size: the bytes of the CQEs it held */

/*
 * The host's result list from enter: kept from round to round (the host allocates it through
 * cabi_realloc while __ior_entering is set), so a round costs no malloc/free pair for it.
 */
static bool __ior_entering;
static uint8_t *__ior_result;
static size_t __ior_result_cap;

/* Replaces wit-bindgen's (weak) cabi_realloc: the same, but for the spare block. */
__attribute__((__export_name__("cabi_realloc")))
void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size)
{
	(void)old_size;
	if (new_size == 0)
		return (void *)align;
	/* enter's result list: the block kept from the last round. */
	if (!ptr && __ior_entering) {
		if (new_size > __ior_result_cap) {
			free(__ior_result);
			__ior_result = malloc(new_size);
			if (!__ior_result)
				abort();
			__ior_result_cap = new_size;
		}
		return __ior_result;
	}
	/* Lists of records (align 8, CQEs among them) take the spare; byte payloads do not. */
	if (!ptr && align == _Alignof(ior_cqe_t) && __ior_spare && new_size <= __ior_spare_cap) {
		ptr = __ior_spare;
		__ior_spare = NULL;
		return ptr;
	}
	ptr = realloc(ptr, new_size);
	if (!ptr)
		abort();
	return ptr;
}

void __ior_spare_put(void *p, size_t cap)
{
	if (!p)
		return;
	if (!cap) {
		free(p);
		return;
	}
	if (__ior_spare) {
		/* Keep the larger of the two. */
		if (__ior_spare_cap >= cap) {
			free(p);
			return;
		}
		free(__ior_spare);
	}
	__ior_spare = p;
	__ior_spare_cap = cap;
}

/* Free what @nr CQEs own: most own nothing; a payload or a unix socket address is allocated. */
static void __ior_cqes_free_owned(ior_cqe_t *cqe, size_t nr)
{
	for (size_t i = 0; i < nr; i++) {
		uint8_t tag = cqe[i].detail.tag;

		if (cqe[i].data.len || tag == IORING_RING_TYPES_CQE_DETAIL_ACCEPTED ||
		    tag == IORING_RING_TYPES_CQE_DETAIL_PEER ||
		    tag == IORING_RING_TYPES_CQE_DETAIL_ADDRESS)
			ioring_ring_types_cqe_free(&cqe[i]);
	}
}

void __ior_cqes_release(ior_cqe_t *cqe, size_t nr)
{
	__ior_cqes_free_owned(cqe, nr);
	__ior_spare_put(cqe, nr * sizeof(*cqe));
}

/* ior_ring.room before the host has refused anything, or after everything queued went. */
#define ROOM_UNKNOWN (~0u)
/* SQEs offered past the room a full host is known to have, to learn of room freed otherwise. */
#define ROOM_PROBE 8u

int ior_ring_init(struct ior_ring *ring, unsigned entries)
{
	ioring_ring_ring_error_code_t err;

	memset(ring, 0, sizeof(*ring));
	ring->room = ROOM_UNKNOWN;
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

/* Free the CQEs received and not yet seen, with their payloads. */
static void __ior_cq_drop(struct ior_ring *ring)
{
	if (ring->cq) {
		__ior_cqes_free_owned(ring->cq + ring->cq_head, ring->cq_len - ring->cq_head);
		__ior_spare_put(ring->cq, ring->cq_len * sizeof(*ring->cq));
	}
	ring->cq = NULL;
	ring->cq_head = ring->cq_len = 0;
}

void ior_ring_exit(struct ior_ring *ring)
{
	ioring_ring_ring_ring_drop_own(ring->ring);
	__ior_cq_drop(ring);
	/* The blocks kept from round to round go with the ring, as the spare does. */
	free(__ior_spare);
	__ior_spare = NULL;
	free(__ior_result);
	__ior_result = NULL;
	__ior_result_cap = 0;
	__ior_pack_release();
	free(ring->sq);
	ring->sq = NULL;
	ring->sq_len = 0;
}

ioring_ring_ring_borrow_ring_t __ior_borrow(struct ior_ring *ring)
{
	ioring_ring_ring_borrow_ring_t b = { ring->ring.__handle };

	return b;
}

/* The SQEs the host took leave the batch; what it did not take stays, in order, at the front. */
static void __ior_sq_consume(struct ior_ring *ring, unsigned taken)
{
	if (taken > ring->sq_len)
		taken = ring->sq_len;
	if (taken < ring->sq_len)
		memmove(ring->sq, ring->sq + taken, (ring->sq_len - taken) * sizeof(*ring->sq));
	ring->sq_len -= taken;
}

/* The record form, for a batch with an op the packed form has no room for. */
static unsigned __ior_submit_records(struct ior_ring *ring, unsigned nr)
{
	ioring_ring_ring_list_sqe_t list = { ring->sq, nr };
	unsigned taken = ioring_ring_ring_method_ring_submit(__ior_borrow(ring), &list);

	return taken > nr ? nr : taken;
}

/* Past this, the result block is freed after the round rather than held for the next. */
#define RESULT_KEEP (64u * 1024)

/*
 * How many of the first @nr SQEs to offer the host. Once it has refused some (its in-flight
 * limit), offering the whole queue again each round would pack, copy and decode every entry
 * only to have most refused again: a server with a multishot receive per connection, past the
 * limit, spent 3.5 times its CPU per message so. Offer instead what the host has freed since
 * (one slot per final CQE), plus a few to learn of room freed otherwise, and never cut a chain.
 */
static unsigned __ior_offer(const struct ior_ring *ring, unsigned nr)
{
	unsigned n;

	/* room counts completions: it never comes near ROOM_UNKNOWN - ROOM_PROBE. */
	if (ring->room == ROOM_UNKNOWN || ring->room + ROOM_PROBE >= nr)
		return nr;
	n = ring->room + ROOM_PROBE;
	while (n < nr && ring->sq[n - 1].flags & (IOR_SQE_LINK | IOR_SQE_HARD_LINK))
		n++;
	return n;
}

/* What the host's answer to a round of @offered SQEs says of its room. */
static void __ior_learn_room(struct ior_ring *ring, unsigned offered, unsigned taken,
			     const ioring_ring_ring_list_cqe_t *list)
{
	if (!ring->sq_len) {
		/* Everything went: the next batch is offered whole. */
		ring->room = ROOM_UNKNOWN;
		return;
	}
	if (taken < offered)
		ring->room = 0;
	else if (ring->room == ROOM_UNKNOWN)
		return;
	else
		ring->room = ring->room > taken ? ring->room - taken : 0;
	for (size_t i = 0; i < list->len; i++)
		ring->room += !list->ptr[i].more;
}

/*
 * One round: the first @nr SQEs of the batch (fewer, once the host is full: __ior_offer) go
 * to the host, then up to @max CQEs (0: none) come back in @list. The canonical ABI copies
 * every SQE and payload into the host during the call, so the batch's memory (and the
 * caller's write buffers) is free again on return.
 */
static void __ior_enter(struct ior_ring *ring, unsigned nr, unsigned min, unsigned max,
			int64_t timeout_ns, ioring_ring_ring_list_cqe_t *list)
{
	uint64_t timeout = (uint64_t)timeout_ns;
	app_list_u8_t sqes = { NULL, 0 }, result;
	unsigned taken = 0, queued;
	uint8_t *packed;
	long size;

	nr = __ior_offer(ring, nr);
	size = nr ? __ior_pack_sqes(ring->sq, nr, &packed) : 0;

	if (size < 0)
		taken = __ior_submit_records(ring, nr);
	else if (size > 0)
		sqes = (app_list_u8_t){ packed, (size_t)size };
	__ior_entering = true;
	ioring_ring_ring_method_ring_enter(__ior_borrow(ring), &sqes, min, max,
					   timeout_ns < 0 ? NULL : &timeout, &result);
	__ior_entering = false;
	__ior_unpack_result(result.ptr, result.len, &queued, list);
	if (size > 0)
		taken = queued > nr ? nr : queued;
	__ior_sq_consume(ring, taken);
	__ior_learn_room(ring, nr, taken, list);
	if (__ior_result_cap > RESULT_KEEP) {
		free(__ior_result);
		__ior_result = NULL;
		__ior_result_cap = 0;
	}
}

int __ior_submit_n(struct ior_ring *ring, unsigned nr)
{
	unsigned before = ring->sq_len;
	ioring_ring_ring_list_cqe_t none;

	if (!nr)
		return 0;
	__ior_enter(ring, nr, 0, 0, 0, &none);
	return (int)(before - ring->sq_len);
}

int ior_submit(struct ior_ring *ring)
{
	return __ior_submit_n(ring, ring->sq_len);
}

void __ior_complete(struct ior_ring *ring, unsigned min, unsigned max, int64_t timeout_ns,
		    ioring_ring_ring_list_cqe_t *list)
{
	__ior_enter(ring, ring->sq_len, min, max, timeout_ns, list);
}

/*
 * Make sure a CQE is waiting in the ring's cache, asking the host for up to a batch's worth
 * when the cache is empty. Returns 0, or -IOR_EAGAIN when the host had none (within
 * @timeout_ns, or none in flight).
 */
static int __ior_cq_fill(struct ior_ring *ring, unsigned min, int64_t timeout_ns)
{
	ioring_ring_ring_list_cqe_t list;

	if (ring->cq_head < ring->cq_len)
		return 0;
	__ior_cq_drop(ring);
	__ior_complete(ring, min, ring->sq_cap * CQ_PER_SQ, timeout_ns, &list);
	if (!list.len) {
		__ior_spare_put(list.ptr, 0);
		return -IOR_EAGAIN;
	}
	ring->cq = list.ptr;
	ring->cq_len = (unsigned)list.len;
	return 0;
}

int ior_submit_and_wait(struct ior_ring *ring, unsigned wait_nr)
{
	int submitted = ior_submit(ring);

	if (wait_nr && ring->cq_head + wait_nr > ring->cq_len) {
		ioring_ring_ring_list_cqe_t list;
		unsigned have = ring->cq_len - ring->cq_head;
		ior_cqe_t *cq;

		__ior_complete(ring, wait_nr - have, ring->sq_cap * CQ_PER_SQ, -1, &list);
		if (list.len) {
			/* Append to the CQEs not yet seen, keeping their order. */
			cq = malloc((have + list.len) * sizeof(*cq));
			if (!cq) {
				__ior_cqes_release(list.ptr, list.len);
				return -IOR_ENOMEM;
			}
			if (have)
				memcpy(cq, ring->cq + ring->cq_head, have * sizeof(*cq));
			memcpy(cq + have, list.ptr, list.len * sizeof(*cq));
			__ior_spare_put(ring->cq, ring->cq_len * sizeof(*cq));
			__ior_spare_put(list.ptr, list.len * sizeof(*cq));
			ring->cq = cq;
			ring->cq_head = 0;
			ring->cq_len = have + (unsigned)list.len;
		} else {
			__ior_spare_put(list.ptr, 0);
		}
	}
	return submitted;
}

int ior_wait_cqe_timeout(struct ior_ring *ring, ior_cqe_t **cqe_ptr, int64_t timeout_ns)
{
	int ret = __ior_cq_fill(ring, 1, timeout_ns);

	if (ret < 0)
		return timeout_ns >= 0 ? -IOR_ETIMEDOUT : ret;
	*cqe_ptr = &ring->cq[ring->cq_head];
	return 0;
}

int ior_wait_cqe(struct ior_ring *ring, ior_cqe_t **cqe_ptr)
{
	return ior_wait_cqe_timeout(ring, cqe_ptr, -1);
}

int ior_peek_cqe(struct ior_ring *ring, ior_cqe_t **cqe_ptr)
{
	int ret = __ior_cq_fill(ring, 0, 0);

	if (ret < 0)
		return ret;
	*cqe_ptr = &ring->cq[ring->cq_head];
	return 0;
}

void ior_cqe_seen(struct ior_ring *ring, ior_cqe_t *cqe)
{
	if (ring->cq_head >= ring->cq_len)
		return;
	__ior_cqes_free_owned(cqe, 1);
	if (++ring->cq_head == ring->cq_len)
		__ior_cq_drop(ring);
}

int ior_wait_cqes(struct ior_ring *ring, unsigned min, unsigned max, int64_t timeout_ns,
		  struct ior_cqes *out)
{
	ioring_ring_ring_list_cqe_t list;
	unsigned have = ring->cq_len - ring->cq_head;

	out->cqe = NULL;
	out->nr = 0;
	if (have) {
		/* CQEs already received come first; hand them over without asking the host. */
		unsigned nr = have < max ? have : max;

		out->cqe = malloc(nr * sizeof(*out->cqe));
		if (!out->cqe)
			return -IOR_ENOMEM;
		memcpy(out->cqe, ring->cq + ring->cq_head, nr * sizeof(*out->cqe));
		out->nr = nr;
		ring->cq_head += nr;
		if (ring->cq_head == ring->cq_len) {
			__ior_spare_put(ring->cq, ring->cq_len * sizeof(*ring->cq));
			ring->cq = NULL;
			ring->cq_head = ring->cq_len = 0;
		}
		return (int)nr;
	}
	__ior_complete(ring, min, max, timeout_ns, &list);
	out->cqe = list.ptr;
	out->nr = list.len;
	return (int)list.len;
}

void ior_cqes_free(struct ior_cqes *cqes)
{
	__ior_cqes_release(cqes->cqe, cqes->nr);
	cqes->cqe = NULL;
	cqes->nr = 0;
}

int ior_register_buffers(struct ior_ring *ring, unsigned count, unsigned size)
{
	ioring_ring_ring_error_code_t err;

	if (!ioring_ring_ring_method_ring_register_buffers(__ior_borrow(ring), count, size, &err))
		return -IOR_ERR(err);
	return 0;
}

int ior_buffer_read(struct ior_ring *ring, unsigned buf, unsigned offset, void *dst, unsigned len)
{
	ioring_ring_ring_error_code_t err;
	app_list_u8_t bytes;

	if (!ioring_ring_ring_method_ring_buffer_read(__ior_borrow(ring), buf, offset, len, &bytes,
						      &err))
		return -IOR_ERR(err);
	if (bytes.len < len)
		len = (unsigned)bytes.len;
	memcpy(dst, bytes.ptr, len);
	app_list_u8_free(&bytes);
	return (int)len;
}

int ior_buffer_write(struct ior_ring *ring, unsigned buf, unsigned offset, const void *src,
		     unsigned len)
{
	ioring_ring_ring_error_code_t err;
	app_list_u8_t bytes = { (uint8_t *)src, len };

	if (!ioring_ring_ring_method_ring_buffer_write(__ior_borrow(ring), buf, offset, &bytes, &err))
		return -IOR_ERR(err);
	return 0;
}

void *ior_cqe_take_payload(ior_cqe_t *cqe, size_t *len)
{
	void *p = cqe->data.len ? cqe->data.ptr : NULL;

	*len = cqe->data.len;
	cqe->data.ptr = NULL;
	cqe->data.len = 0;
	return p;
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

const ior_sockaddr_t *ior_cqe_addr(const ior_cqe_t *cqe)
{
	switch (cqe->detail.tag) {
	case IORING_RING_TYPES_CQE_DETAIL_PEER:
		return &cqe->detail.val.peer;
	case IORING_RING_TYPES_CQE_DETAIL_ACCEPTED:
		return &cqe->detail.val.accepted.f1;
	case IORING_RING_TYPES_CQE_DETAIL_ADDRESS:
		return &cqe->detail.val.address;
	default:
		return NULL;
	}
}

/* Grants: one WIT import each, same shape. */
typedef bool (*grant_fn)(app_string_t *, ioring_ring_grants_handle_t *,
			 ioring_ring_grants_error_code_t *);

static int __ior_grant(grant_fn fn, const char *name)
{
	app_string_t s = { (uint8_t *)name, strlen(name) };
	ioring_ring_grants_handle_t handle;
	ioring_ring_grants_error_code_t err;

	if (!fn(&s, &handle, &err))
		return -IOR_ERR(err);
	return (int)handle;
}

int ior_grant_directory(const char *name)
{
	return __ior_grant(ioring_ring_grants_directory, name);
}

int ior_grant_listener(const char *name)
{
	return __ior_grant(ioring_ring_grants_listener, name);
}

int ior_grant_device(const char *name)
{
	return __ior_grant(ioring_ring_grants_device, name);
}

/* wasi-libc's argv setup and the application's main(); its destructors flush stdio. */
extern int __main_void(void);
extern void __wasm_call_dtors(void);

/*
 * wasi:cli/run, as wasi-libc's command entry does it: main() (through wasi-libc's
 * __main_void, which sets up argv when main takes it), then destructors (stdio is flushed
 * there). wasi:cli/run reports success or failure only, so a non-zero status is failure (the
 * Linux host exits 1). Returning rather than calling _Exit keeps the guest free of WASI
 * preview1 imports when main takes no arguments and uses no stdio: no adapter, a small
 * component. exit(N) still works and reports N where the host can (it imports proc_exit).
 */
bool exports_wasi_cli_run_run(void)
{
	int status = __main_void();

	__wasm_call_dtors();
	return status == 0;
}
