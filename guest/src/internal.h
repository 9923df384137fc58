/*
 * internal.h - what the SDK's source files share and applications do not see.
 */
#ifndef IORING_INTERNAL_H
#define IORING_INTERNAL_H

#include "ioring.h"

/* A borrow of @ring's host resource, for method calls. */
ioring_ring_ring_borrow_ring_t __ior_borrow(struct ior_ring *ring);

/* Submit the first @nr SQEs of @ring's local batch; returns how many the host took. */
int __ior_submit_n(struct ior_ring *ring, unsigned nr);

/*
 * Submit @ring's local batch, then call the host's complete(@min, @max, @timeout_ns; negative:
 * no bound) and store the CQE list it returns in @list, which the caller frees.
 */
void __ior_complete(struct ior_ring *ring, unsigned min, unsigned max, int64_t timeout_ns,
		    ioring_ring_ring_list_cqe_t *list);

/*
 * Done with @nr CQEs at @cqe, a list the host allocated (or one the SDK made from such lists):
 * free what each CQE owns, and keep the list's block for the host's next list (see
 * cabi_realloc in ioring.c).
 */
void __ior_cqes_release(ior_cqe_t *cqe, size_t nr);

/* Keep block @p (from malloc, at least @cap bytes) as the spare list block, or free it. */
void __ior_spare_put(void *p, size_t cap);

/* The SDK's cabi_realloc (ioring.c), which the host calls to return lists. */
void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size);

/*
 * Pack @nr SQEs for ring.enter into a buffer the SDK keeps, at *@out; returns its length, or
 * -1 when one of them has no packed form (or memory ran out): send the batch as records.
 */
long __ior_pack_sqes(const ior_sqe_t *sqe, unsigned nr, uint8_t **out);

/* Free the buffer __ior_pack_sqes keeps (ior_ring_exit). */
void __ior_pack_release(void);

/*
 * Read enter's result (@len bytes at @p): the count of SQEs queued into *@queued, the CQEs
 * into @list, allocated as the record form's lists are. Returns the number of CQEs.
 */
unsigned __ior_unpack_result(const uint8_t *p, size_t len, unsigned *queued,
			     ioring_ring_ring_list_cqe_t *list);

#endif /* IORING_INTERNAL_H */
