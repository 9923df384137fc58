/*
 * ftruncate: a file's length set through its handle, shorter and longer; `access` on a handle
 * opened read-only, under a writable grant or a read-only one.
 */
#include "conform.h"

static int trunc_res(struct ior_ring *ring, int fd, uint64_t len)
{
	ior_prep_ftruncate(ior_get_sqe(ring), (ior_handle_t)fd, len);
	return t_one(ring, NULL);
}

static uint64_t size_of(struct ior_ring *ring, int fd)
{
	struct t_cqe c;

	ior_prep_statx(ior_get_sqe(ring), (ior_handle_t)fd, "", false);
	return t_one(ring, &c) == 0 && c.has_stat ? c.stat.size : (uint64_t)-1;
}

static void ftruncate_shrink(struct ior_ring *ring)
{
	struct t_cqe c;
	int rw = t_dir("rw"), fd, res;

	fd = t_open(ring, rw, "shrink", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, "0123456789");
	CHECK(fd >= 0, "fixture: %s", t_code(fd));
	res = trunc_res(ring, fd, 4);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "ftruncate to 4: %s, want 0", t_code(res));
	CHECK(size_of(ring, fd) == 4, "size %llu after, want 4", (unsigned long long)size_of(ring, fd));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 64, 0);
	res = t_one(ring, &c);
	CHECK(res == 4 && memcmp(c.data, "0123", 4) == 0, "read after: %s", t_code(res));
	res = trunc_res(ring, fd, 0);
	CHECK(res == 0 && size_of(ring, fd) == 0, "ftruncate to 0: %s", t_code(res));
	PASS();
}

static void ftruncate_extend(struct ior_ring *ring)
{
	struct t_cqe c;
	int rw = t_dir("rw"), fd, res;

	fd = t_open(ring, rw, "extend", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, "abc");
	CHECK(fd >= 0, "fixture: %s", t_code(fd));
	res = trunc_res(ring, fd, 100000);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "ftruncate to 100000: %s, want 0", t_code(res));
	CHECK(size_of(ring, fd) == 100000, "size after: %llu, want 100000",
	      (unsigned long long)size_of(ring, fd));
	/* The new bytes read as zeros; the old ones are kept. */
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 8, 0);
	res = t_one(ring, &c);
	CHECK(res == 8 && memcmp(c.data, "abc\0\0\0\0\0", 8) == 0, "read at 0: %s", t_code(res));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 16, 99990);
	res = t_one(ring, &c);
	CHECK(res == 10, "read at 99990: %s, want 10", t_code(res));
	for (int i = 0; i < 10; i++)
		CHECK(c.data[i] == 0, "byte %d of the extension is %u", 99990 + i, c.data[i]);
	PASS();
}

static void ftruncate_position_kept(struct ior_ring *ring)
{
	struct t_cqe c;
	int rw = t_dir("rw"), fd, res;

	fd = t_open(ring, rw, "pos", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(fd >= 0, "fixture: %s", t_code(fd));
	ior_prep_write(ior_get_sqe(ring), (ior_handle_t)fd, "abcdef", 6, IOR_CURRENT_POSITION);
	CHECK(t_one(ring, NULL) == 6, "write");
	res = trunc_res(ring, fd, 2);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "ftruncate: %s", t_code(res));
	/* The position stays at 6: the next write leaves a hole from 2 to 6. */
	ior_prep_write(ior_get_sqe(ring), (ior_handle_t)fd, "Z", 1, IOR_CURRENT_POSITION);
	CHECK(t_one(ring, NULL) == 1, "write after");
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 16, 0);
	res = t_one(ring, &c);
	CHECK(res == 7 && memcmp(c.data, "ab\0\0\0\0Z", 7) == 0, "the file holds %s other bytes",
	      t_code(res));
	PASS();
}

static void ftruncate_read_only_handle(struct ior_ring *ring)
{
	int rw = t_dir("rw"), fd, res;

	fd = t_open(ring, rw, "kept", IOR_O_WRITE | IOR_O_CREATE, "kept bytes");
	CHECK(fd >= 0, "fixture: %s", t_code(fd));
	fd = t_open(ring, rw, "kept", IOR_O_READ, NULL);
	CHECK(fd >= 0, "open read-only: %s", t_code(fd));
	res = trunc_res(ring, fd, 0);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EACCES, "ftruncate of a handle opened read-only: %s, want access",
	      t_code(res));
	CHECK(size_of(ring, fd) == 10, "the file was truncated");
	PASS();
}

static void ftruncate_read_only_grant(struct ior_ring *ring)
{
	int ro = t_dir("ro"), fd, res;

	fd = t_open(ring, ro, "data.txt", IOR_O_READ, NULL);
	CHECK(fd >= 0, "open ro/data.txt: %s", t_code(fd));
	res = trunc_res(ring, fd, 0);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EACCES, "ftruncate under the read-only grant: %s, want access",
	      t_code(res));
	res = trunc_res(ring, fd, 1000);
	CHECK(res == -IOR_EACCES, "ftruncate longer under the read-only grant: %s, want access",
	      t_code(res));
	CHECK(size_of(ring, fd) == 37, "data.txt changed size");
	PASS();
}

static void ftruncate_not_a_file(struct ior_ring *ring)
{
	int rw = t_dir("rw"), res;

	res = trunc_res(ring, rw, 0);
	SKIP_IF_NOTSUP(res);
	CHECK(res < 0, "ftruncate of a directory handle succeeded");
	res = trunc_res(ring, 999, 0);
	CHECK(res == -IOR_EBADF, "ftruncate of handle 999: %s, want bad-descriptor", t_code(res));
	PASS();
}

int main(void)
{
	t_run("ftruncate-shrink", ftruncate_shrink);
	t_run("ftruncate-extend", ftruncate_extend);
	t_run("ftruncate-position-kept", ftruncate_position_kept);
	t_run("ftruncate-read-only-handle", ftruncate_read_only_handle);
	t_run("ftruncate-read-only-grant", ftruncate_read_only_grant);
	t_run("ftruncate-not-a-file", ftruncate_not_a_file);
	return t_exit();
}
