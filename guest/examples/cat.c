/*
 * cat - print a file from a granted directory to stdout, through the ring.
 *
 *   ioring run --dir HOST_DIR::data cat.wasm data/path/to/file
 *
 * The first path component names the directory grant. Each chunk is read, then written to
 * stdout (handle 1) until all of it is out. The ring is driven by hand, liburing style.
 */
#include <stdlib.h>
#include <string.h>

#include "ioring.h"

#define CHUNK (64 * 1024)

static int fail(const char *what, int err)
{
	char msg[160] = "cat: ";

	strncat(msg, what, sizeof(msg) - 6);
	ior_perror(msg, err);
	return 1;
}

/*
 * Submits the SQE just prepared, waits for its CQE and returns its result; stores the handle
 * it carries in *@handle when asked to.
 */
static int run_one(struct ior_ring *ring, int *handle)
{
	ior_cqe_t *cqe;
	int ret = ior_wait_cqe(ring, &cqe);

	if (ret < 0)
		return ret;
	ret = ior_cqe_res(cqe);
	if (ret >= 0 && handle)
		*handle = ior_cqe_handle(cqe);
	ior_cqe_seen(ring, cqe);
	return ret;
}

/* Opens @path ("GRANT/relative") and returns its handle or -IOR_E*. */
static int open_granted(struct ior_ring *ring, char *path)
{
	char *slash = strchr(path, '/');
	int dir, fd = -IOR_EINVAL, ret;

	if (!slash)
		return -IOR_EINVAL;
	*slash = '\0';
	dir = ior_grant_directory(path);
	*slash = '/';
	if (dir < 0)
		return dir;
	ior_prep_openat(ior_get_sqe(ring), (ior_handle_t)dir, slash + 1, IOR_O_READ, 0);
	ret = run_one(ring, &fd);
	return ret < 0 ? ret : fd;
}

/* Writes all @len bytes of @buf to stdout: a write to a pipe may be short. */
static int write_all(struct ior_ring *ring, const uint8_t *buf, size_t len)
{
	int ret;

	for (size_t done = 0; done < len; done += (size_t)ret) {
		ior_prep_write(ior_get_sqe(ring), IOR_STDOUT, buf + done, len - done,
			       IOR_CURRENT_POSITION);
		ret = run_one(ring, NULL);
		if (ret <= 0)
			return ret ? ret : -IOR_EIO;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ior_ring ring;
	uint64_t offset = 0;
	ior_cqe_t *cqe;
	int fd, ret;

	if (argc != 2)
		return fail("usage: cat GRANT/PATH", 0);
	ret = ior_ring_init(&ring, 4);
	if (ret < 0)
		return fail("ring", ret);
	fd = open_granted(&ring, argv[1]);
	if (fd < 0)
		return fail(argv[1], fd);

	for (;;) {
		uint8_t *bytes;
		size_t len;

		ior_prep_read(ior_get_sqe(&ring), (ior_handle_t)fd, CHUNK, (int64_t)offset);
		ret = ior_wait_cqe(&ring, &cqe);
		if (ret < 0)
			break;
		ret = ior_cqe_res(cqe);
		/* Take the chunk out of its CQE: the write's CQE comes next, so this one must be
		 * seen first, and seeing it would free bytes still to be written. */
		bytes = ior_cqe_take_payload(cqe, &len);
		ior_cqe_seen(&ring, cqe);
		if (ret <= 0)
			break; /* end of file, or an error */
		offset += (uint64_t)ret;
		ret = write_all(&ring, bytes, len);
		free(bytes);
		if (ret < 0)
			return fail("write", ret);
	}
	if (ret < 0)
		return fail("read", ret);
	ior_prep_close(ior_get_sqe(&ring), (ior_handle_t)fd);
	ret = run_one(&ring, NULL);
	ior_ring_exit(&ring);
	return ret < 0 ? fail("close", ret) : 0;
}
