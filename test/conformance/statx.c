/*
 * statx: metadata of files, directories, symbolic links and FIFOs beneath a directory handle,
 * and of a handle itself (a file, handle 0, a socket); modes and times; missing paths and
 * escapes (`..` and absolute paths; through the fixture's link up).
 */
#include "conform.h"

static int stat_res(struct ior_ring *ring, int dir, const char *path, bool no_follow,
		    struct t_cqe *c)
{
	ior_prep_statx(ior_get_sqe(ring), (ior_handle_t)dir, path, no_follow);
	return t_one(ring, c);
}

static void statx_file(struct ior_ring *ring)
{
	struct t_cqe c;
	int rw = t_dir("rw"), fd, res;

	ior_prep_openat(ior_get_sqe(ring), (ior_handle_t)rw, "f", IOR_O_WRITE | IOR_O_CREATE, 0644);
	res = t_one(ring, &c);
	CHECK(res == 0, "create: %s", t_code(res));
	fd = c.handle;
	ior_prep_write(ior_get_sqe(ring), (ior_handle_t)fd, "eleven byte", 11, 0);
	CHECK(t_one(ring, NULL) == 11, "write");
	res = stat_res(ring, rw, "f", false, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0 && c.has_stat, "statx: %s, want 0 with a stat", t_code(res));
	CHECK(c.stat.type == IOR_FILE_REGULAR, "type %u, want regular", c.stat.type);
	CHECK(c.stat.size == 11, "size %llu, want 11", (unsigned long long)c.stat.size);
	CHECK(c.stat.links == 1, "links %u, want 1", c.stat.links);
	PASS();
}

/*
 * A host whose file system keeps no permission bits or times says so by modified-ns 0, the
 * Unix epoch, which no file made by a host with a clock has (statx-modified checks the time
 * on every other host): then, and only with another mode than the one asked for, the mode
 * check is skipped. A host that cannot make a file with the bits asked for says so by the
 * create's not-supported.
 */
static void statx_mode(struct ior_ring *ring)
{
	struct t_cqe c;
	int rw = t_dir("rw"), res;

	/* A new file (statx-file made "f"): an existing one keeps its bits. */
	ior_prep_openat(ior_get_sqe(ring), (ior_handle_t)rw, "mode", IOR_O_WRITE | IOR_O_CREATE, 0640);
	res = t_one(ring, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "create: %s", t_code(res));
	res = stat_res(ring, rw, "mode", false, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0 && c.has_stat, "statx: %s, want 0 with a stat", t_code(res));
	if ((c.stat.mode & 0777) != 0640 && c.stat.modified_ns == 0)
		SKIP("mode %#o for 0640 and modified-ns 0: the host's file system keeps no permission "
		     "bits", c.stat.mode);
	CHECK((c.stat.mode & 0777) == 0640, "mode %#o, want 0640", c.stat.mode);
	PASS();
}

static void statx_modified(struct ior_ring *ring)
{
	struct t_cqe c;
	uint64_t before;
	int rw = t_dir("rw"), fd, res;

	fd = t_open(ring, rw, "m", IOR_O_WRITE | IOR_O_CREATE, "1");
	CHECK(fd >= 0, "fixture: %s", t_code(fd));
	res = stat_res(ring, rw, "m", false, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "statx: %s", t_code(res));
	before = c.stat.modified_ns;
	/* 20 ms later, a write moves the modification time forward. */
	ior_prep_timeout(ior_get_sqe(ring), 20000000, 0);
	t_one(ring, NULL);
	ior_prep_write(ior_get_sqe(ring), (ior_handle_t)fd, "2", 1, 1);
	CHECK(t_one(ring, NULL) == 1, "write");
	res = stat_res(ring, rw, "m", false, &c);
	CHECK(res == 0 && c.stat.size == 2, "statx after the write: %s", t_code(res));
	/* modified-ns 0, the Unix epoch, before and after: the host keeps no times. */
	if (before == 0 && c.stat.modified_ns == 0)
		SKIP("modified-ns 0 before and after a write: the host's file system keeps no times");
	/* 2020-01-01 < mtime: a real clock, in nanoseconds. */
	CHECK(before > 1577836800000000000ULL, "modified-ns %llu is not a time after 2020",
	      (unsigned long long)before);
	CHECK(c.stat.modified_ns > before, "modified-ns did not advance (%llu then %llu)",
	      (unsigned long long)before, (unsigned long long)c.stat.modified_ns);
	PASS();
}

static void statx_directory(struct ior_ring *ring)
{
	struct t_cqe c;
	int ro = t_dir("ro"), res;

	res = stat_res(ring, ro, "", false, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0 && c.has_stat, "statx of the grant itself: %s", t_code(res));
	CHECK(c.stat.type == IOR_FILE_DIRECTORY, "type %u, want directory", c.stat.type);
	res = stat_res(ring, ro, "sub", false, &c);
	CHECK(res == 0 && c.stat.type == IOR_FILE_DIRECTORY, "statx sub: %s type %u", t_code(res),
	      c.stat.type);
	res = stat_res(ring, ro, "sub/inner.txt", false, &c);
	CHECK(res == 0 && c.stat.type == IOR_FILE_REGULAR && c.stat.size == 6,
	      "statx sub/inner.txt: %s", t_code(res));
	PASS();
}

static void statx_handle(struct ior_ring *ring)
{
	struct t_cqe c;
	int ro = t_dir("ro"), fd, res;

	fd = t_open(ring, ro, "data.txt", IOR_O_READ, NULL);
	CHECK(fd >= 0, "open: %s", t_code(fd));
	/* An empty path describes the handle itself, which need not be a directory. */
	res = stat_res(ring, fd, "", false, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0 && c.has_stat, "statx of a file handle: %s", t_code(res));
	CHECK(c.stat.type == IOR_FILE_REGULAR && c.stat.size == 37,
	      "type %u size %llu, want regular, 37", c.stat.type, (unsigned long long)c.stat.size);
	PASS();
}

static void statx_symlink(struct ior_ring *ring)
{
	struct t_cqe c;
	int ro = t_dir("ro"), res;

	/* ro/up is a link to "..": not followed, it is described itself... */
	SKIP_IF_NO_LINK(ring, ro, "ro");
	res = stat_res(ring, ro, "up", true, &c);
	CHECK(res == 0 && c.has_stat, "statx up, no-follow: %s", t_code(res));
	CHECK(c.stat.type == IOR_FILE_SYMLINK, "type %u, want symlink", c.stat.type);
	/* ... followed, it leads outside the grant. */
	res = stat_res(ring, ro, "up", false, &c);
	CHECK(res == -IOR_EACCES, "statx up, followed: %s, want access", t_code(res));
	PASS();
}

static void statx_missing(struct ior_ring *ring)
{
	int ro = t_dir("ro"), res;

	res = stat_res(ring, ro, "missing", false, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_ENOENT, "statx of a missing file: %s, want no-entry", t_code(res));
	res = stat_res(ring, ro, "data.txt/x", false, NULL);
	CHECK(res == -IOR_ENOTDIR, "statx beneath a file: %s, want not-directory", t_code(res));
	PASS();
}

static void statx_escape(struct ior_ring *ring)
{
	static const char *const paths[] = { "..", "../outside.txt", "/etc/passwd", "./../outside.txt",
					     "sub/../../outside.txt" };
	int ro = t_dir("ro"), res;

	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		res = stat_res(ring, ro, paths[i], false, NULL);
		SKIP_IF_NOTSUP(res);
		CHECK(res == -IOR_EACCES, "statx \"%s\": %s, want access", paths[i], t_code(res));
	}
	PASS();
}

static void statx_escape_symlink(struct ior_ring *ring)
{
	static const char *const paths[] = { "up/outside.txt", "up/ro/data.txt", "up" };
	int ro = t_dir("ro"), res;

	SKIP_IF_NO_LINK(ring, ro, "ro");
	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		res = stat_res(ring, ro, paths[i], false, NULL);
		SKIP_IF_NOTSUP(res);
		CHECK(res == -IOR_EACCES, "statx \"%s\": %s, want access", paths[i], t_code(res));
	}
	PASS();
}

static void statx_fifo(struct ior_ring *ring)
{
	struct t_cqe c;
	int rw = t_dir("rw"), res;

	/* The runner makes rw/fifo a FIFO. */
	SKIP_IF_NO_FIFO(ring, rw);
	res = stat_res(ring, rw, "fifo", false, &c);
	CHECK(res == 0 && c.stat.type == IOR_FILE_FIFO, "statx rw/fifo: %s type %u, want fifo",
	      t_code(res), c.stat.type);
	PASS();
}

static void statx_kinds(struct ior_ring *ring)
{
	struct t_cqe c;
	int client, server, res;

	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	res = stat_res(ring, client, "", false, &c);
	CHECK(res == 0 && c.stat.type == IOR_FILE_SOCKET, "statx of a socket: %s type %u, want socket",
	      t_code(res), c.stat.type);
	/* The runner makes handle 0 /dev/null (on Zephyr it is the console: a character device
	 * too). A host that cannot tell what its standard input is says not-supported. */
	res = stat_res(ring, IOR_STDIN, "", false, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0 && c.stat.type == IOR_FILE_CHARACTER_DEVICE,
	      "statx of handle 0 (/dev/null): %s type %u, want character-device", t_code(res),
	      c.stat.type);
	PASS();
}

int main(void)
{
	t_run("statx-file", statx_file);
	t_run("statx-mode", statx_mode);
	t_run("statx-modified", statx_modified);
	t_run("statx-directory", statx_directory);
	t_run("statx-handle", statx_handle);
	t_run("statx-symlink", statx_symlink);
	t_run("statx-fifo", statx_fifo);
	t_run("statx-kinds", statx_kinds);
	t_run("statx-missing", statx_missing);
	t_run("statx-escape", statx_escape);
	t_run("statx-escape-symlink", statx_escape_symlink);
	return t_exit();
}
