/*
 * openat: every open flag, directory handles, read-only grants, and paths that try to leave
 * their directory (`access`); close and fsync on what was opened.
 */
#include "conform.h"

static int open_res(struct ior_ring *ring, int dir, const char *path, uint16_t flags,
		    struct t_cqe *c)
{
	ior_prep_openat(ior_get_sqe(ring), (ior_handle_t)dir, path, flags, 0644);
	return t_one(ring, c);
}

static uint64_t size_of(struct ior_ring *ring, int dir, const char *path)
{
	struct t_cqe c;

	ior_prep_statx(ior_get_sqe(ring), (ior_handle_t)dir, path, false);
	return t_one(ring, &c) == 0 && c.has_stat ? c.stat.size : (uint64_t)-1;
}

static void openat_create_exclusive(struct ior_ring *ring)
{
	struct t_cqe c;
	int dir = t_dir("rw"), res;

	res = open_res(ring, dir, "new", IOR_O_WRITE | IOR_O_CREATE | IOR_O_EXCLUSIVE, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0 && c.handle >= 0, "create new: %s, want a handle", t_code(res));
	res = open_res(ring, dir, "new", IOR_O_WRITE | IOR_O_CREATE | IOR_O_EXCLUSIVE, &c);
	CHECK(res == -IOR_EEXIST, "create exclusive of an existing file: %s, want exists",
	      t_code(res));
	res = open_res(ring, dir, "new", IOR_O_WRITE | IOR_O_CREATE, &c);
	CHECK(res == 0, "create (not exclusive) of an existing file: %s, want 0", t_code(res));
	PASS();
}

static void openat_missing(struct ior_ring *ring)
{
	int dir = t_dir("rw"), res;

	res = open_res(ring, dir, "missing", IOR_O_READ, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_ENOENT, "open of a missing file: %s, want no-entry", t_code(res));
	res = open_res(ring, dir, "no/such/dir/file", IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(res == -IOR_ENOENT, "create under a missing directory: %s, want no-entry",
	      t_code(res));
	PASS();
}

static void openat_truncate(struct ior_ring *ring)
{
	struct t_cqe c;
	int dir = t_dir("rw"), fd, res;

	fd = t_open(ring, dir, "trunc", IOR_O_WRITE | IOR_O_CREATE, "twelve bytes");
	CHECK(fd >= 0, "fixture: %s", t_code(fd));
	CHECK(size_of(ring, dir, "trunc") == 12, "the file is not 12 bytes before");
	res = open_res(ring, dir, "trunc", IOR_O_WRITE | IOR_O_TRUNCATE, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "open with truncate: %s", t_code(res));
	CHECK(size_of(ring, dir, "trunc") == 0, "the file was not truncated to 0");
	PASS();
}

static void openat_append(struct ior_ring *ring)
{
	struct t_cqe c;
	int dir = t_dir("rw"), fd, res;

	fd = t_open(ring, dir, "append", IOR_O_WRITE | IOR_O_CREATE, "start");
	CHECK(fd >= 0, "fixture: %s", t_code(fd));
	res = open_res(ring, dir, "append", IOR_O_WRITE | IOR_O_APPEND, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "open with append: %s", t_code(res));
	/* Every write of an append handle goes to the end, whatever the position. */
	ior_prep_write(ior_get_sqe(ring), (ior_handle_t)c.handle, "+end", 4, IOR_CURRENT_POSITION);
	res = t_one(ring, NULL);
	CHECK(res == 4, "write: %s", t_code(res));
	t_close(ring, fd);
	fd = t_open(ring, dir, "append", IOR_O_READ, NULL);
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 64, 0);
	res = t_one(ring, &c);
	CHECK(res == 9 && memcmp(c.data, "start+end", 9) == 0, "the file holds %s bytes, want "
	      "\"start+end\"", t_code(res));
	PASS();
}

static void openat_read_write_modes(struct ior_ring *ring)
{
	struct t_cqe c;
	int dir = t_dir("rw"), fd, res;

	fd = t_open(ring, dir, "modes", IOR_O_WRITE | IOR_O_CREATE, "abc");
	CHECK(fd >= 0, "fixture: %s", t_code(fd));
	/* Without write the file opens read-only: writes fail, reads work. */
	res = open_res(ring, dir, "modes", 0, &c);
	CHECK(res == 0, "open with no flags: %s", t_code(res));
	ior_prep_write(ior_get_sqe(ring), (ior_handle_t)c.handle, "x", 1, 0);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EBADF, "write to a read-only handle: %s, want bad-descriptor",
	      t_code(res));
	/* With write alone it opens write-only: reads fail. */
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 8, 0);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EBADF, "read from a write-only handle: %s, want bad-descriptor",
	      t_code(res));
	/* With both, both work on the one handle. */
	res = open_res(ring, dir, "modes", IOR_O_READ | IOR_O_WRITE, &c);
	CHECK(res == 0, "open read-write: %s", t_code(res));
	fd = c.handle;
	ior_prep_write(ior_get_sqe(ring), (ior_handle_t)fd, "Z", 1, 1);
	CHECK(t_one(ring, NULL) == 1, "write on read-write");
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 8, 0);
	res = t_one(ring, &c);
	CHECK(res == 3 && memcmp(c.data, "aZc", 3) == 0, "read on read-write: %s", t_code(res));
	PASS();
}

static void openat_directory(struct ior_ring *ring)
{
	struct t_cqe c;
	int ro = t_dir("ro"), sub, res;

	res = open_res(ring, ro, "sub", IOR_O_DIRECTORY, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "open ro/sub as a directory: %s", t_code(res));
	sub = c.handle;
	/* A directory handle opened under a grant is a directory handle too. */
	res = open_res(ring, sub, "inner.txt", IOR_O_READ, &c);
	CHECK(res == 0, "open inner.txt beneath it: %s", t_code(res));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)c.handle, 64, 0);
	res = t_one(ring, &c);
	CHECK(res == 6 && memcmp(c.data, "inner\n", 6) == 0, "read inner.txt: %s", t_code(res));
	res = open_res(ring, ro, "data.txt", IOR_O_DIRECTORY, NULL);
	CHECK(res == -IOR_ENOTDIR, "a file with the directory flag: %s, want not-directory",
	      t_code(res));
	/* It stays beneath itself: its parent is outside it, even though inside the grant. */
	res = open_res(ring, sub, "../data.txt", IOR_O_READ, NULL);
	CHECK(res == -IOR_EACCES, "../data.txt beneath ro/sub: %s, want access", t_code(res));
	PASS();
}

static void openat_not_a_directory_handle(struct ior_ring *ring)
{
	int ro = t_dir("ro"), fd, res;

	fd = t_open(ring, ro, "data.txt", IOR_O_READ, NULL);
	CHECK(fd >= 0, "open data.txt: %s", t_code(fd));
	res = open_res(ring, fd, "x", IOR_O_READ, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_ENOTDIR, "open beneath a file handle: %s, want not-directory",
	      t_code(res));
	PASS();
}

static void openat_read_only_grant(struct ior_ring *ring)
{
	static const uint16_t writes[] = { IOR_O_WRITE, IOR_O_READ | IOR_O_WRITE,
					   IOR_O_CREATE | IOR_O_WRITE, IOR_O_TRUNCATE,
					   IOR_O_APPEND | IOR_O_WRITE };
	struct t_cqe c;
	int ro = t_dir("ro"), res;

	CHECK(ro >= 0, "grant \"ro\": %s", t_code(ro));
	for (unsigned i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		res = open_res(ring, ro, "data.txt", writes[i], NULL);
		SKIP_IF_NOTSUP(res);
		/* wit/types.wit gives both: access ("a write under a read-only directory grant")
		 * and read-only ("the grant is read-only"). */
		CHECK(res == -IOR_EACCES || res == -IOR_EROFS,
		      "open data.txt under the read-only grant with flags %#x: %s, want access or "
		      "read-only", writes[i], t_code(res));
	}
	res = open_res(ring, ro, "created", IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(res == -IOR_EACCES || res == -IOR_EROFS, "create under the read-only grant: %s",
	      t_code(res));
	CHECK(size_of(ring, ro, "data.txt") == 37, "data.txt changed");
	res = open_res(ring, ro, "data.txt", IOR_O_READ, &c);
	CHECK(res == 0, "reading is allowed: %s", t_code(res));
	PASS();
}

static void openat_escape(struct ior_ring *ring)
{
	static const char *const paths[] = {
		"../outside.txt", "/etc/passwd", "./../outside.txt", "..", "../rw/escaped",
	};
	int rw = t_dir("rw"), res;

	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		res = open_res(ring, rw, paths[i], IOR_O_READ, NULL);
		SKIP_IF_NOTSUP(res);
		CHECK(res == -IOR_EACCES, "open \"%s\": %s, want access", paths[i], t_code(res));
		res = open_res(ring, rw, paths[i], IOR_O_WRITE | IOR_O_CREATE, NULL);
		CHECK(res == -IOR_EACCES, "create \"%s\": %s, want access", paths[i], t_code(res));
	}
	PASS();
}

static void openat_escape_symlink(struct ior_ring *ring)
{
	static const char *const paths[] = { "up/outside.txt", "up" };
	int rw = t_dir("rw"), res;

	SKIP_IF_NO_LINK(ring, rw, "rw");
	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		res = open_res(ring, rw, paths[i], IOR_O_READ, NULL);
		SKIP_IF_NOTSUP(res);
		CHECK(res == -IOR_EACCES, "open \"%s\": %s, want access", paths[i], t_code(res));
		res = open_res(ring, rw, paths[i], IOR_O_WRITE | IOR_O_CREATE, NULL);
		CHECK(res == -IOR_EACCES, "create \"%s\": %s, want access", paths[i], t_code(res));
	}
	res = open_res(ring, rw, "up/rw/escaped", IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(res == -IOR_EACCES, "create through the link back into rw: %s, want access",
	      t_code(res));
	PASS();
}

static void openat_close(struct ior_ring *ring)
{
	int ro = t_dir("ro"), fd, res;

	fd = t_open(ring, ro, "data.txt", IOR_O_READ, NULL);
	CHECK(fd >= 0, "open: %s", t_code(fd));
	ior_prep_close(ior_get_sqe(ring), (ior_handle_t)fd);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "close: %s", t_code(res));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 4, 0);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EBADF, "read on the closed handle: %s, want bad-descriptor", t_code(res));
	ior_prep_close(ior_get_sqe(ring), (ior_handle_t)fd);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EBADF, "close again: %s, want bad-descriptor", t_code(res));
	PASS();
}

static void openat_fsync(struct ior_ring *ring)
{
	int rw = t_dir("rw"), ro = t_dir("ro"), fd, res;

	fd = t_open(ring, rw, "synced", IOR_O_WRITE | IOR_O_CREATE, "durable");
	CHECK(fd >= 0, "fixture: %s", t_code(fd));
	ior_prep_fsync(ior_get_sqe(ring), (ior_handle_t)fd, 0);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "fsync: %s", t_code(res));
	ior_prep_fsync(ior_get_sqe(ring), (ior_handle_t)fd, IOR_FSYNC_DATASYNC);
	res = t_one(ring, NULL);
	CHECK(res == 0, "fdatasync: %s", t_code(res));
	fd = t_open(ring, ro, "data.txt", IOR_O_READ, NULL);
	CHECK(fd >= 0, "open ro/data.txt: %s", t_code(fd));
	ior_prep_fsync(ior_get_sqe(ring), (ior_handle_t)fd, 0);
	res = t_one(ring, NULL);
	CHECK(res == 0, "fsync of a read-only handle: %s", t_code(res));
	PASS();
}

static void openat_nonblock(struct ior_ring *ring)
{
	struct t_cqe c;
	int rw = t_dir("rw"), rd, wr, res;

	/* rw/fifo, which nobody else opens. Without nonblock either open would wait for the
	 * other end; with it, writing with no reader is no-such-device-or-address... */
	SKIP_IF_NO_FIFO(ring, rw);
	res = open_res(ring, rw, "fifo", IOR_O_WRITE | IOR_O_NONBLOCK, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_ENXIO, "open a FIFO for writing, nonblock, no reader: %s, want "
	      "no-such-device-or-address", t_code(res));
	/* ... reading with no writer opens at once and reads end of file... */
	res = open_res(ring, rw, "fifo", IOR_O_READ | IOR_O_NONBLOCK, &c);
	CHECK(res == 0, "open a FIFO for reading, nonblock: %s", t_code(res));
	rd = c.handle;
	/* ... and with a reader, writing opens, and the bytes cross. */
	res = open_res(ring, rw, "fifo", IOR_O_WRITE | IOR_O_NONBLOCK, &c);
	CHECK(res == 0, "open the FIFO for writing with a reader: %s", t_code(res));
	wr = c.handle;
	ior_prep_write(ior_get_sqe(ring), (ior_handle_t)wr, "pipe", 4, IOR_CURRENT_POSITION);
	res = t_one(ring, NULL);
	CHECK(res == 4, "write to the FIFO: %s", t_code(res));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)rd, 16, IOR_CURRENT_POSITION);
	res = t_one(ring, &c);
	CHECK(res == 4 && memcmp(c.data, "pipe", 4) == 0, "read from the FIFO: %s", t_code(res));
	PASS();
}

static void openat_no_ctty(struct ior_ring *ring)
{
	struct t_cqe c;
	int ro = t_dir("ro"), res;

	/* no-ctty only matters for terminals; on a file it is accepted and changes nothing. */
	res = open_res(ring, ro, "data.txt", IOR_O_READ | IOR_O_NOCTTY, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "open with no-ctty: %s", t_code(res));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)c.handle, 10, 0);
	res = t_one(ring, &c);
	CHECK(res == 10 && memcmp(c.data, "0123456789", 10) == 0, "read: %s", t_code(res));
	PASS();
}

static void openat_directory_for_writing(struct ior_ring *ring)
{
	int rw = t_dir("rw"), ro = t_dir("ro"), res;

	res = open_res(ring, rw, ".", IOR_O_WRITE, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EISDIR, "open \".\" for writing: %s, want is-directory", t_code(res));
	res = open_res(ring, ro, "sub", IOR_O_READ, NULL);
	CHECK(res == 0, "open ro/sub for reading (no directory flag): %s, want 0", t_code(res));
	PASS();
}

int main(void)
{
	t_run("openat-create-exclusive", openat_create_exclusive);
	t_run("openat-missing", openat_missing);
	t_run("openat-truncate", openat_truncate);
	t_run("openat-append", openat_append);
	t_run("openat-read-write-modes", openat_read_write_modes);
	t_run("openat-directory", openat_directory);
	t_run("openat-not-a-directory-handle", openat_not_a_directory_handle);
	t_run("openat-nonblock", openat_nonblock);
	t_run("openat-no-ctty", openat_no_ctty);
	t_run("openat-directory-for-writing", openat_directory_for_writing);
	t_run("openat-read-only-grant", openat_read_only_grant);
	t_run("openat-escape", openat_escape);
	t_run("openat-escape-symlink", openat_escape_symlink);
	t_run("close-then-use", openat_close);
	t_run("fsync", openat_fsync);
	return t_exit();
}
