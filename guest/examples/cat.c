/*
 * cat - print a file from a granted directory to stdout, through the ring.
 *
 *   ioring run --dir HOST_DIR::data cat.wasm data/path/to/file
 *
 * The first path component names the directory grant. Each chunk is read, then written to
 * stdout (handle 1) until all of it is out.
 */
#include <stdio.h>
#include <string.h>

#include "ioring.h"

#define CHUNK (64 * 1024)

static int fail(const char *what, int err)
{
	fprintf(stderr, "cat: %s: %s\n", what, ior_strerror(err));
	return 1;
}

/* Submits the SQE just prepared, waits for its CQE and returns its result. */
static int run_one(struct ior_ring *ring, struct ior_cqes *cqes)
{
	if (ior_wait_cqes(ring, 1, 1, -1, cqes) != 1)
		return -IOR_EIO;
	return ior_cqe_res(&cqes->cqe[0]);
}

/* Opens @path ("GRANT/relative") and returns its handle or -IOR_E*. */
static int open_granted(struct ior_ring *ring, char *path)
{
	struct ior_cqes cqes;
	char *slash = strchr(path, '/');
	int dir, ret;

	if (!slash)
		return -IOR_EINVAL;
	*slash = '\0';
	dir = ior_grant_directory(path);
	if (dir < 0)
		return dir;
	ior_prep_openat(ior_get_sqe(ring), (ior_handle_t)dir, slash + 1, IOR_O_READ, 0);
	ret = run_one(ring, &cqes);
	if (ret >= 0)
		ret = ior_cqe_handle(&cqes.cqe[0]);
	ior_cqes_free(&cqes);
	return ret;
}

int main(int argc, char **argv)
{
	struct ior_ring ring;
	struct ior_cqes chunk, wrote;
	uint64_t offset = 0;
	int fd, ret;

	if (argc != 2) {
		fprintf(stderr, "usage: cat GRANT/PATH\n");
		return 2;
	}
	ret = ior_ring_init(&ring, 4);
	if (ret < 0)
		return fail("ring", ret);
	fd = open_granted(&ring, argv[1]);
	if (fd < 0)
		return fail(argv[1], fd);

	for (;;) {
		ior_prep_read(ior_get_sqe(&ring), (ior_handle_t)fd, CHUNK, (int64_t)offset);
		ret = run_one(&ring, &chunk);
		if (ret <= 0) {
			ior_cqes_free(&chunk);
			break; /* end of file, or an error */
		}
		offset += (uint64_t)ret;
		/* A write to a pipe may be short: write the rest until the chunk is out. */
		for (size_t done = 0, len = (size_t)ret; done < len; done += (size_t)ret) {
			ior_prep_write(ior_get_sqe(&ring), IOR_STDOUT, chunk.cqe[0].data.ptr + done,
				       len - done, IOR_CURRENT_POSITION);
			ret = run_one(&ring, &wrote);
			ior_cqes_free(&wrote);
			if (ret <= 0) {
				ior_cqes_free(&chunk);
				return fail("write", ret ? ret : -IOR_EIO);
			}
		}
		ior_cqes_free(&chunk);
	}
	if (ret < 0)
		return fail("read", ret);
	ior_prep_close(ior_get_sqe(&ring), (ior_handle_t)fd);
	ret = run_one(&ring, &wrote);
	ior_cqes_free(&wrote);
	ior_ring_exit(&ring);
	return ret < 0 ? fail("close", ret) : 0;
}
