/*
 * fileread - file reads through the ring: BS-byte reads of a granted file, random (aligned
 * offsets from a fixed-seed generator) or sequential, DEPTH of them in flight, for SECONDS.
 * Prints reads per second and MiB per second.
 *
 *   ioring run --dir DIR::data fileread.wasm data/FILE SIZE rand|seq BS DEPTH SECONDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ioring.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct ior_ring ring;
	struct ior_cqes cqes;

	if (argc != 7)
		return 2;
	char *slash = strchr(argv[1], '/');
	unsigned long long size = strtoull(argv[2], NULL, 0), blocks, next = 0, rng = 88172645463325252ull;
	int random = !strcmp(argv[3], "rand");
	unsigned bs = (unsigned)atoi(argv[4]), depth = (unsigned)atoi(argv[5]);
	double seconds = atof(argv[6]), start, end;
	long done = 0;
	int dir, fd;

	if (!slash || !bs || !depth || ior_ring_init(&ring, depth) < 0)
		return 2;
	*slash = '\0';
	dir = ior_grant_directory(argv[1]);
	if (dir < 0)
		return 1;
	ior_prep_openat(ior_get_sqe(&ring), (ior_handle_t)dir, slash + 1, IOR_O_READ, 0);
	if (ior_wait_cqes(&ring, 1, 1, -1, &cqes) != 1 || (fd = ior_cqe_handle(&cqes.cqe[0])) < 0)
		return 1;
	ior_cqes_free(&cqes);
	blocks = size / bs;

	start = now_s();
	end = start + seconds;
	for (unsigned inflight = 0;;) {
		while (inflight < depth && now_s() < end) {
			unsigned long long block;

			if (random) {
				rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
				block = rng % blocks;
			} else {
				block = next++ % blocks;
			}
			ior_prep_read(ior_get_sqe(&ring), (ior_handle_t)fd, bs, (int64_t)(block * bs));
			inflight++;
		}
		if (!inflight)
			break;
		int n = ior_wait_cqes(&ring, 1, depth, -1, &cqes);
		for (int i = 0; i < n; i++)
			if (ior_cqe_res(&cqes.cqe[i]) != (int)bs)
				return 1;
		ior_cqes_free(&cqes);
		inflight -= (unsigned)n;
		done += n;
	}
	double s = now_s() - start;
	printf("{\"reads_per_sec\": %.0f, \"mib_per_sec\": %.1f}\n", done / s, done * (double)bs / s / 1048576.0);
	return 0;
}
