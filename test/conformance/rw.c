/*
 * rw: read and write on files, at offsets and at the current position; short reads, end of
 * file and zero-length reads.
 */
#include "conform.h"

static void rw_offsets(struct ior_ring *ring)
{
	static const uint8_t want[15] = "hello\0\0\0\0\0world";
	struct t_cqe c;
	int dir = t_dir("rw"), fd, res;

	fd = t_open(ring, dir, "offsets", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(fd >= 0, "openat: %s", t_code(fd));
	/* The second write first: a write past the end leaves a hole that reads as zeros. */
	ior_prep_write(ior_get_sqe(ring), (ior_handle_t)fd, "world", 5, 10);
	res = t_one(ring, NULL);
	CHECK(res == 5, "write at 10: %s, want 5", t_code(res));
	ior_prep_write(ior_get_sqe(ring), (ior_handle_t)fd, "hello", 5, 0);
	res = t_one(ring, NULL);
	CHECK(res == 5, "write at 0: %s, want 5", t_code(res));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 64, 0);
	res = t_one(ring, &c);
	CHECK(res == 15, "read at 0: %s, want 15", t_code(res));
	CHECK(c.len == 15 && memcmp(c.data, want, 15) == 0, "read back other bytes (%zu)", c.len);
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 3, 11);
	res = t_one(ring, &c);
	CHECK(res == 3 && c.len == 3 && memcmp(c.data, "orl", 3) == 0,
	      "read 3 at 11: %s, want 3 bytes \"orl\"", t_code(res));
	PASS();
}

static void rw_current_position(struct ior_ring *ring)
{
	struct t_cqe c;
	int dir = t_dir("rw"), fd, rd, res;

	fd = t_open(ring, dir, "position", IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(fd >= 0, "openat: %s", t_code(fd));
	/* Two writes at the position follow each other. */
	ior_prep_write(ior_get_sqe(ring), (ior_handle_t)fd, "abc", 3, IOR_CURRENT_POSITION);
	res = t_one(ring, NULL);
	CHECK(res == 3, "first write: %s", t_code(res));
	ior_prep_write(ior_get_sqe(ring), (ior_handle_t)fd, "def", 3, IOR_CURRENT_POSITION);
	res = t_one(ring, NULL);
	CHECK(res == 3, "second write: %s", t_code(res));

	/* A fresh handle reads from 0; a read at an offset leaves the position where it was. */
	rd = t_open(ring, dir, "position", IOR_O_READ, NULL);
	CHECK(rd >= 0, "openat for reading: %s", t_code(rd));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)rd, 2, IOR_CURRENT_POSITION);
	res = t_one(ring, &c);
	CHECK(res == 2 && memcmp(c.data, "ab", 2) == 0, "first read: %s, want \"ab\"", t_code(res));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)rd, 1, 5);
	res = t_one(ring, &c);
	CHECK(res == 1 && c.data[0] == 'f', "read at 5: %s, want \"f\"", t_code(res));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)rd, 2, IOR_CURRENT_POSITION);
	res = t_one(ring, &c);
	CHECK(res == 2 && memcmp(c.data, "cd", 2) == 0,
	      "read at the position after a read at an offset: %s \"%c%c\", want \"cd\"", t_code(res),
	      res > 0 ? c.data[0] : '-', res > 1 ? c.data[1] : '-');
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)rd, 10, IOR_CURRENT_POSITION);
	res = t_one(ring, &c);
	CHECK(res == 2 && memcmp(c.data, "ef", 2) == 0, "last read: %s, want \"ef\"", t_code(res));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)rd, 10, IOR_CURRENT_POSITION);
	res = t_one(ring, &c);
	CHECK(res == 0 && c.len == 0, "read at the end: %s, want 0", t_code(res));
	PASS();
}

static void rw_short_read(struct ior_ring *ring)
{
	struct t_cqe c;
	int ro = t_dir("ro"), fd, res;

	fd = t_open(ring, ro, "data.txt", IOR_O_READ, NULL);
	CHECK(fd >= 0, "openat ro/data.txt: %s", t_code(fd));
	/* 37 bytes: asking for 100 from 30 gets the last 7. */
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 100, 30);
	res = t_one(ring, &c);
	CHECK(res == 7, "read 100 at 30: %s, want 7", t_code(res));
	CHECK(c.len == 7 && memcmp(c.data, "uvwxyz\n", 7) == 0, "other bytes (%zu)", c.len);
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 4096, 0);
	res = t_one(ring, &c);
	CHECK(res == 37 && c.len == 37 && memcmp(c.data, T_DATA, 37) == 0,
	      "read 4096 at 0: %s, want the 37 bytes of data.txt", t_code(res));
	PASS();
}

static void rw_eof(struct ior_ring *ring)
{
	struct t_cqe c;
	int ro = t_dir("ro"), fd, res;

	fd = t_open(ring, ro, "data.txt", IOR_O_READ, NULL);
	CHECK(fd >= 0, "openat ro/data.txt: %s", t_code(fd));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 16, 37);
	res = t_one(ring, &c);
	CHECK(res == 0 && c.len == 0, "read at the end: %s, want 0", t_code(res));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 16, 1000000);
	res = t_one(ring, &c);
	CHECK(res == 0 && c.len == 0, "read past the end: %s, want 0", t_code(res));
	PASS();
}

static void rw_zero_length(struct ior_ring *ring)
{
	struct t_cqe c;
	int ro = t_dir("ro"), fd, res;

	fd = t_open(ring, ro, "data.txt", IOR_O_READ, NULL);
	CHECK(fd >= 0, "openat ro/data.txt: %s", t_code(fd));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 0, 0);
	res = t_one(ring, &c);
	CHECK(res == 0 && c.len == 0, "read of 0: %s with %zu bytes, want 0", t_code(res), c.len);
	/* The position did not move. */
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 0, IOR_CURRENT_POSITION);
	res = t_one(ring, &c);
	CHECK(res == 0 && c.len == 0, "read of 0 at the position: %s", t_code(res));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 1, IOR_CURRENT_POSITION);
	res = t_one(ring, &c);
	CHECK(res == 1 && c.data[0] == '0', "read at the position: %s, want \"0\"", t_code(res));
	PASS();
}

static void rw_write_stdout(struct ior_ring *ring)
{
	int res;

	/* A write to handle 1 is a real write: the runner sees this line as any other. */
	ior_prep_write(ior_get_sqe(ring), IOR_STDOUT, "# rw: a line through handle 1\n", 30,
		       IOR_CURRENT_POSITION);
	res = t_one(ring, NULL);
	CHECK(res == 30, "write to handle 1: %s, want 30", t_code(res));
	PASS();
}

static void rw_directory(struct ior_ring *ring)
{
	int ro = t_dir("ro"), res;

	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)ro, 16, 0);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EISDIR, "read of a directory handle: %s, want is-directory", t_code(res));
	PASS();
}

static void rw_write_copied(struct ior_ring *ring)
{
	struct t_cqe c;
	char buf[8];
	int rw = t_dir("rw"), fd, res;

	fd = t_open(ring, rw, "copied", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(fd >= 0, "fixture: %s", t_code(fd));
	/* The bytes are the host's from the submit on: changing the buffer after it does not
	 * change what is written. */
	memcpy(buf, "before", 6);
	ior_prep_write(ior_get_sqe(ring), (ior_handle_t)fd, buf, 6, 0);
	CHECK(ior_submit(ring) == 1, "submit");
	memcpy(buf, "AFTER!", 6);
	res = t_one(ring, NULL);
	CHECK(res == 6, "write: %s", t_code(res));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 8, 0);
	res = t_one(ring, &c);
	CHECK(res == 6 && memcmp(c.data, "before", 6) == 0, "the file holds \"%.6s\", want \"before\"",
	      res > 0 ? (const char *)c.data : "");
	PASS();
}

int main(void)
{
	t_run("rw-offsets", rw_offsets);
	t_run("rw-current-position", rw_current_position);
	t_run("rw-short-read", rw_short_read);
	t_run("rw-eof", rw_eof);
	t_run("rw-zero-length", rw_zero_length);
	t_run("rw-write-stdout", rw_write_stdout);
	t_run("rw-directory", rw_directory);
	t_run("rw-write-copied-at-submit", rw_write_copied);
	return t_exit();
}
