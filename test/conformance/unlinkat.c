/*
 * unlinkat: files and (with remove-dir) empty directories removed beneath a directory handle;
 * a symbolic link named last is removed itself; `access` under a read-only grant and for paths
 * that would leave the directory (`..` and absolute paths; through the fixture's link up).
 */
#include "conform.h"

static int unlink_res(struct ior_ring *ring, int dir, const char *path, unsigned flags)
{
	ior_prep_unlinkat(ior_get_sqe(ring), (ior_handle_t)dir, path, flags);
	return t_one(ring, NULL);
}

static int stat_res(struct ior_ring *ring, int dir, const char *path)
{
	ior_prep_statx(ior_get_sqe(ring), (ior_handle_t)dir, path, true);
	return t_one(ring, NULL);
}

static int make_dir(struct ior_ring *ring, int dir, const char *path)
{
	ior_prep_mkdirat(ior_get_sqe(ring), (ior_handle_t)dir, path, 0755);
	return t_one(ring, NULL);
}

static void unlinkat_file(struct ior_ring *ring)
{
	struct t_cqe c;
	int rw = t_dir("rw"), fd, res;

	fd = t_open(ring, rw, "doomed", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, "still readable");
	CHECK(fd >= 0, "fixture: %s", t_code(fd));
	res = unlink_res(ring, rw, "doomed", 0);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "unlinkat: %s, want 0", t_code(res));
	res = stat_res(ring, rw, "doomed");
	CHECK(res == -IOR_ENOENT, "statx after unlinkat: %s, want no-entry", t_code(res));
	/* The name is gone; a handle still open keeps the file. */
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 64, 0);
	res = t_one(ring, &c);
	CHECK(res == 14 && memcmp(c.data, "still readable", 14) == 0,
	      "read through the open handle: %s", t_code(res));
	res = unlink_res(ring, rw, "doomed", 0);
	CHECK(res == -IOR_ENOENT, "unlinkat again: %s, want no-entry", t_code(res));
	PASS();
}

static void unlinkat_dir(struct ior_ring *ring)
{
	int rw = t_dir("rw"), res;

	res = make_dir(ring, rw, "empty");
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "mkdirat: %s", t_code(res));
	res = unlink_res(ring, rw, "empty", IOR_AT_REMOVEDIR);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "unlinkat remove-dir: %s, want 0", t_code(res));
	res = stat_res(ring, rw, "empty");
	CHECK(res == -IOR_ENOENT, "statx after: %s, want no-entry", t_code(res));
	PASS();
}

static void unlinkat_dir_not_empty(struct ior_ring *ring)
{
	int rw = t_dir("rw"), res;

	res = make_dir(ring, rw, "full");
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "mkdirat: %s", t_code(res));
	res = t_open(ring, rw, "full/file", IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(res >= 0, "create full/file: %s", t_code(res));
	res = unlink_res(ring, rw, "full", IOR_AT_REMOVEDIR);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_ENOTEMPTY, "remove-dir of a non-empty directory: %s, want not-empty",
	      t_code(res));
	CHECK(stat_res(ring, rw, "full/file") == 0, "full/file is gone");
	PASS();
}

static void unlinkat_wrong_kind(struct ior_ring *ring)
{
	int rw = t_dir("rw"), res;

	res = make_dir(ring, rw, "adir");
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "mkdirat: %s", t_code(res));
	res = t_open(ring, rw, "afile", IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(res >= 0, "create afile: %s", t_code(res));
	res = unlink_res(ring, rw, "afile", IOR_AT_REMOVEDIR);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_ENOTDIR, "remove-dir of a file: %s, want not-directory", t_code(res));
	/* POSIX says EPERM for unlink(2) of a directory, Linux EISDIR. */
	res = unlink_res(ring, rw, "adir", 0);
	CHECK(res == -IOR_EISDIR || res == -IOR_EPERM,
	      "unlinkat of a directory without remove-dir: %s, want is-directory or not-permitted",
	      t_code(res));
	CHECK(stat_res(ring, rw, "adir") == 0 && stat_res(ring, rw, "afile") == 0,
	      "something was removed");
	PASS();
}

static void unlinkat_symlink(struct ior_ring *ring)
{
	int rw = t_dir("rw"), res;

	/* rw/up -> "..": the link goes, what it points at stays. */
	SKIP_IF_NO_LINK(ring, rw, "rw");
	res = unlink_res(ring, rw, "up", 0);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "unlinkat of the link up: %s, want 0", t_code(res));
	res = stat_res(ring, rw, "up");
	CHECK(res == -IOR_ENOENT, "the link is still there (%s)", t_code(res));
	res = stat_res(ring, rw, "");
	CHECK(res == 0, "the grant itself is gone (%s)", t_code(res));
	PASS();
}

static void unlinkat_missing(struct ior_ring *ring)
{
	int rw = t_dir("rw"), res;

	res = unlink_res(ring, rw, "missing", 0);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_ENOENT, "unlinkat of a missing file: %s, want no-entry", t_code(res));
	res = unlink_res(ring, rw, "missing", IOR_AT_REMOVEDIR);
	CHECK(res == -IOR_ENOENT, "remove-dir of a missing directory: %s, want no-entry",
	      t_code(res));
	PASS();
}

static void unlinkat_read_only(struct ior_ring *ring)
{
	int ro = t_dir("ro"), res, link;

	/* ro/up, where the host's file systems have symbolic links: it must stay (it is checked
	 * as the files are; a host without links has none to remove). */
	link = stat_res(ring, ro, "up");
	res = unlink_res(ring, ro, "data.txt", 0);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EACCES, "unlinkat under the read-only grant: %s, want access", t_code(res));
	res = unlink_res(ring, ro, "sub/inner.txt", 0);
	CHECK(res == -IOR_EACCES, "unlinkat of sub/inner.txt: %s, want access", t_code(res));
	res = unlink_res(ring, ro, "up", 0);
	CHECK(res == -IOR_EACCES, "unlinkat of the link up: %s, want access", t_code(res));
	res = unlink_res(ring, ro, "sub", IOR_AT_REMOVEDIR);
	CHECK(res == -IOR_EACCES, "remove-dir of sub: %s, want access", t_code(res));
	CHECK(stat_res(ring, ro, "data.txt") == 0 && stat_res(ring, ro, "sub/inner.txt") == 0,
	      "something under the read-only grant was removed");
	CHECK(link == 0 || link == -IOR_ENOENT, "statx ro/up before: %s", t_code(link));
	res = stat_res(ring, ro, "up");
	CHECK(res == link, "ro/up: statx %s before the unlinks, %s after", t_code(link), t_code(res));
	PASS();
}

static void unlinkat_escape(struct ior_ring *ring)
{
	static const char *const paths[] = {
		"../outside.txt", "./../outside.txt", "sub/../../outside.txt", "../rw", "/tmp/x",
	};
	int rw = t_dir("rw"), res;

	res = make_dir(ring, rw, "sub");
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "mkdirat sub: %s", t_code(res));
	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		res = unlink_res(ring, rw, paths[i], 0);
		SKIP_IF_NOTSUP(res);
		CHECK(res == -IOR_EACCES, "unlinkat \"%s\": %s, want access", paths[i], t_code(res));
	}
	res = unlink_res(ring, rw, "../ro", IOR_AT_REMOVEDIR);
	CHECK(res == -IOR_EACCES, "remove-dir \"../ro\": %s, want access", t_code(res));
	res = unlink_res(ring, rw, "/tmp", IOR_AT_REMOVEDIR);
	CHECK(res == -IOR_EACCES, "remove-dir \"/tmp\": %s, want access", t_code(res));
	PASS();
}

static void unlinkat_escape_symlink(struct ior_ring *ring)
{
	static const char *const paths[] = { "up/outside.txt", "up/rw" };
	int rw = t_dir("rw"), res;

	SKIP_IF_NO_LINK(ring, rw, "rw");
	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		res = unlink_res(ring, rw, paths[i], 0);
		SKIP_IF_NOTSUP(res);
		CHECK(res == -IOR_EACCES, "unlinkat \"%s\": %s, want access", paths[i], t_code(res));
	}
	res = unlink_res(ring, rw, "up/ro", IOR_AT_REMOVEDIR);
	CHECK(res == -IOR_EACCES, "remove-dir \"up/ro\": %s, want access", t_code(res));
	PASS();
}

int main(void)
{
	t_run("unlinkat-file", unlinkat_file);
	t_run("unlinkat-dir", unlinkat_dir);
	t_run("unlinkat-dir-not-empty", unlinkat_dir_not_empty);
	t_run("unlinkat-wrong-kind", unlinkat_wrong_kind);
	t_run("unlinkat-missing", unlinkat_missing);
	t_run("unlinkat-read-only", unlinkat_read_only);
	t_run("unlinkat-escape", unlinkat_escape);
	t_run("unlinkat-escape-symlink", unlinkat_escape_symlink);
	/* Last: it removes rw/up, which the escapes above go through. */
	t_run("unlinkat-symlink", unlinkat_symlink);
	return t_exit();
}
