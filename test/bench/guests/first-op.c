/*
 * first-op - start-up: create a ring, complete one nop, exit. The benchmark times the whole
 * `ioring run`, from exec to exit.
 */
#include "ioring.h"

int main(void)
{
	struct ior_ring ring;
	struct ior_cqes cqes;

	if (ior_ring_init(&ring, 1) < 0)
		return 1;
	ior_prep_nop(ior_get_sqe(&ring));
	if (ior_wait_cqes(&ring, 1, 1, -1, &cqes) != 1)
		return 1;
	ior_cqes_free(&cqes);
	return 0;
}
