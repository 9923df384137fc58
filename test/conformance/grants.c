/*
 * grants: what wit/grants.wit promises: a granted name gives a handle, the same one when asked
 * twice until it is closed, and a name not granted gives `no-entry`; each kind of grant is
 * asked for by its own function.
 */
#include "conform.h"

static void grants_same_handle(struct ior_ring *ring)
{
	int a = ior_grant_directory("rw"), b = ior_grant_directory("rw");
	int l1 = ior_grant_listener("lst"), l2 = ior_grant_listener("lst");

	(void)ring;
	CHECK(a >= 0 && b >= 0, "directory \"rw\": %s, %s", t_code(a), t_code(b));
	CHECK(a == b, "directory \"rw\" asked twice: handles %d and %d", a, b);
	CHECK(l1 >= 0 && l1 == l2, "listener \"lst\" asked twice: %s and %s", t_code(l1), t_code(l2));
	CHECK(ior_grant_directory("ro") != a, "\"ro\" and \"rw\" have one handle");
	PASS();
}

static void grants_after_close(struct ior_ring *ring)
{
	struct t_cqe c;
	int ro = ior_grant_directory("ro"), again, res;

	CHECK(ro >= 0, "directory \"ro\": %s", t_code(ro));
	t_close(ring, ro);
	ior_prep_statx(ior_get_sqe(ring), (ior_handle_t)ro, "data.txt", false);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EBADF, "statx through the closed grant handle: %s, want bad-descriptor",
	      t_code(res));
	/* Asked again, the grant gives a working handle. */
	again = ior_grant_directory("ro");
	CHECK(again >= 0, "directory \"ro\" after closing it: %s", t_code(again));
	ior_prep_statx(ior_get_sqe(ring), (ior_handle_t)again, "data.txt", false);
	res = t_one(ring, &c);
	CHECK(res == 0 && c.stat.size == 37, "statx through the new handle: %s", t_code(res));
	PASS();
}

static void grants_missing(struct ior_ring *ring)
{
	int res;

	(void)ring;
	res = ior_grant_directory("no-such-directory");
	CHECK(res == -IOR_ENOENT, "directory not granted: %s, want no-entry", t_code(res));
	res = ior_grant_listener("no-such-listener");
	CHECK(res == -IOR_ENOENT, "listener not granted: %s, want no-entry", t_code(res));
	res = ior_grant_device("no-such-device");
	CHECK(res == -IOR_ENOENT, "device not granted: %s, want no-entry", t_code(res));
	/* A name is looked up in its own kind only. */
	res = ior_grant_listener("rw");
	CHECK(res == -IOR_ENOENT, "listener \"rw\" (a directory's name): %s, want no-entry",
	      t_code(res));
	res = ior_grant_directory("lst");
	CHECK(res == -IOR_ENOENT, "directory \"lst\" (a listener's name): %s, want no-entry",
	      t_code(res));
	PASS();
}

int main(void)
{
	t_run("grants-same-handle", grants_same_handle);
	t_run("grants-after-close", grants_after_close);
	t_run("grants-missing", grants_missing);
	return t_exit();
}
