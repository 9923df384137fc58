/*
 * mkdirat: directories created beneath a directory handle; existing and missing paths;
 * `access` under a read-only grant and for paths that would leave the directory.
 */
#include "conform.h"

static int mkdir_res(struct ior_ring *ring, int dir, const char *path, uint32_t mode)
{
	ior_prep_mkdirat(ior_get_sqe(ring), (ior_handle_t)dir, path, mode);
	return t_one(ring, NULL);
}

static int stat_res(struct ior_ring *ring, int dir, const char *path, struct t_cqe *c)
{
	ior_prep_statx(ior_get_sqe(ring), (ior_handle_t)dir, path, true);
	return t_one(ring, c);
}

static void mkdirat_create(struct ior_ring *ring)
{
	struct t_cqe c;
	int rw = t_dir("rw"), res;

	res = mkdir_res(ring, rw, "d", 0755);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "mkdirat d: %s, want 0", t_code(res));
	res = stat_res(ring, rw, "d", &c);
	CHECK(res == 0 && c.stat.type == IOR_FILE_DIRECTORY, "statx d: %s type %u", t_code(res),
	      c.stat.type);
	/* It is a directory like any other: a file can be made in it, and a directory. */
	res = t_open(ring, rw, "d/f", IOR_O_WRITE | IOR_O_CREATE, "in d");
	CHECK(res >= 0, "create d/f: %s", t_code(res));
	res = mkdir_res(ring, rw, "d/e", 0755);
	CHECK(res == 0, "mkdirat d/e: %s", t_code(res));
	res = stat_res(ring, rw, "d/e", &c);
	CHECK(res == 0 && c.stat.type == IOR_FILE_DIRECTORY, "statx d/e: %s", t_code(res));
	PASS();
}

/*
 * The mode asked for is the directory's (a umask of 022 or 027 takes nothing from 0750); a
 * host that cannot make a directory with those bits says so by not-supported.
 */
static void mkdirat_mode(struct ior_ring *ring)
{
	struct t_cqe c;
	int rw = t_dir("rw"), res;

	res = mkdir_res(ring, rw, "m", 0750);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "mkdirat m: %s, want 0", t_code(res));
	res = stat_res(ring, rw, "m", &c);
	CHECK(res == 0 && c.has_stat && c.stat.type == IOR_FILE_DIRECTORY, "statx m: %s",
	      t_code(res));
	/* As statx-mode: modified-ns 0 (the epoch) is a host that keeps no permission bits. */
	if ((c.stat.mode & 0777) != 0750 && c.stat.modified_ns == 0)
		SKIP("mode %#o for 0750 and modified-ns 0: the host's file system keeps no permission "
		     "bits", c.stat.mode);
	CHECK((c.stat.mode & 0777) == 0750, "mode %#o, want 0750", c.stat.mode);
	PASS();
}

static void mkdirat_beneath_handle(struct ior_ring *ring)
{
	struct t_cqe c;
	int rw = t_dir("rw"), res;

	res = mkdir_res(ring, rw, "outer", 0755);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "mkdirat outer: %s", t_code(res));
	ior_prep_openat(ior_get_sqe(ring), (ior_handle_t)rw, "outer", IOR_O_DIRECTORY, 0);
	res = t_one(ring, &c);
	CHECK(res == 0, "open outer: %s", t_code(res));
	/* Relative to a directory handle opened beneath the grant. */
	res = mkdir_res(ring, c.handle, "inner", 0755);
	CHECK(res == 0, "mkdirat inner beneath outer's handle: %s", t_code(res));
	res = stat_res(ring, rw, "outer/inner", &c);
	CHECK(res == 0 && c.stat.type == IOR_FILE_DIRECTORY, "statx outer/inner: %s", t_code(res));
	PASS();
}

static void mkdirat_exists(struct ior_ring *ring)
{
	int rw = t_dir("rw"), res;

	res = mkdir_res(ring, rw, "twice", 0755);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "first mkdirat: %s", t_code(res));
	res = mkdir_res(ring, rw, "twice", 0755);
	CHECK(res == -IOR_EEXIST, "mkdirat of an existing directory: %s, want exists", t_code(res));
	res = t_open(ring, rw, "file", IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(res >= 0, "create file: %s", t_code(res));
	res = mkdir_res(ring, rw, "file", 0755);
	CHECK(res == -IOR_EEXIST, "mkdirat over a file: %s, want exists", t_code(res));
	PASS();
}

static void mkdirat_missing_parent(struct ior_ring *ring)
{
	int rw = t_dir("rw"), res;

	res = mkdir_res(ring, rw, "no/such", 0755);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_ENOENT, "mkdirat under a missing directory: %s, want no-entry",
	      t_code(res));
	PASS();
}

static void mkdirat_read_only(struct ior_ring *ring)
{
	struct t_cqe c;
	int ro = t_dir("ro"), res;

	res = mkdir_res(ring, ro, "made", 0755);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EACCES, "mkdirat under the read-only grant: %s, want access", t_code(res));
	res = mkdir_res(ring, ro, "sub/made", 0755);
	CHECK(res == -IOR_EACCES, "mkdirat in a subdirectory of it: %s, want access", t_code(res));
	/* A directory handle opened under the read-only grant is read-only too. */
	ior_prep_openat(ior_get_sqe(ring), (ior_handle_t)ro, "sub", IOR_O_DIRECTORY, 0);
	res = t_one(ring, &c);
	CHECK(res == 0, "open ro/sub: %s", t_code(res));
	res = mkdir_res(ring, c.handle, "made", 0755);
	CHECK(res == -IOR_EACCES, "mkdirat beneath ro/sub's handle: %s, want access", t_code(res));
	res = stat_res(ring, ro, "made", NULL);
	CHECK(res == -IOR_ENOENT, "ro/made exists after all (%s)", t_code(res));
	res = stat_res(ring, ro, "sub/made", NULL);
	CHECK(res == -IOR_ENOENT, "ro/sub/made exists after all (%s)", t_code(res));
	PASS();
}

static void mkdirat_escape(struct ior_ring *ring)
{
	static const char *const paths[] = {
		"../escaped", "/tmp/ioring-conformance-escaped", "./../escaped", "sub/../../escaped",
	};
	int rw = t_dir("rw"), res;

	res = mkdir_res(ring, rw, "sub", 0755);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "mkdirat sub: %s", t_code(res));
	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		res = mkdir_res(ring, rw, paths[i], 0755);
		CHECK(res == -IOR_EACCES, "mkdirat \"%s\": %s, want access", paths[i], t_code(res));
	}
	res = stat_res(ring, rw, "escaped", NULL);
	CHECK(res == -IOR_ENOENT, "rw/escaped exists (%s)", t_code(res));
	PASS();
}

static void mkdirat_escape_symlink(struct ior_ring *ring)
{
	static const char *const paths[] = { "up/escaped", "up/rw/escaped" };
	int rw = t_dir("rw"), res;

	SKIP_IF_NO_LINK(ring, rw, "rw");
	for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		res = mkdir_res(ring, rw, paths[i], 0755);
		SKIP_IF_NOTSUP(res);
		CHECK(res == -IOR_EACCES, "mkdirat \"%s\": %s, want access", paths[i], t_code(res));
	}
	res = stat_res(ring, rw, "escaped", NULL);
	CHECK(res == -IOR_ENOENT, "rw/escaped exists (%s)", t_code(res));
	PASS();
}

int main(void)
{
	t_run("mkdirat-create", mkdirat_create);
	t_run("mkdirat-mode", mkdirat_mode);
	t_run("mkdirat-beneath-handle", mkdirat_beneath_handle);
	t_run("mkdirat-exists", mkdirat_exists);
	t_run("mkdirat-missing-parent", mkdirat_missing_parent);
	t_run("mkdirat-read-only", mkdirat_read_only);
	t_run("mkdirat-escape", mkdirat_escape);
	t_run("mkdirat-escape-symlink", mkdirat_escape_symlink);
	return t_exit();
}
