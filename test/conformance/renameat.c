/*
 * renameat: files and directories renamed beneath one directory handle or between two; an
 * existing target is replaced; `access` under a read-only grant on either side and for paths
 * that would leave their directory.
 */
#include "conform.h"

static int rename_res(struct ior_ring *ring, int od, const char *op, int nd, const char *np)
{
	ior_prep_renameat(ior_get_sqe(ring), (ior_handle_t)od, op, (ior_handle_t)nd, np);
	return t_one(ring, NULL);
}

static int stat_res(struct ior_ring *ring, int dir, const char *path)
{
	ior_prep_statx(ior_get_sqe(ring), (ior_handle_t)dir, path, true);
	return t_one(ring, NULL);
}

/* Read up to 63 bytes of @path beneath @dir into @buf, NUL-terminated; the count or -IOR_E*. */
static int slurp(struct ior_ring *ring, int dir, const char *path, char *buf)
{
	struct t_cqe c;
	int fd = t_open(ring, dir, path, IOR_O_READ, NULL), res;

	if (fd < 0)
		return fd;
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 63, 0);
	res = t_one(ring, &c);
	t_close(ring, fd);
	if (res >= 0) {
		memcpy(buf, c.data, (size_t)res);
		buf[res] = '\0';
	}
	return res;
}

static void renameat_file(struct ior_ring *ring)
{
	char buf[64];
	int rw = t_dir("rw"), res;

	res = t_open(ring, rw, "old", IOR_O_WRITE | IOR_O_CREATE, "moved bytes");
	CHECK(res >= 0, "fixture: %s", t_code(res));
	res = rename_res(ring, rw, "old", rw, "new");
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "renameat old -> new: %s, want 0", t_code(res));
	CHECK(stat_res(ring, rw, "old") == -IOR_ENOENT, "old is still there");
	res = slurp(ring, rw, "new", buf);
	CHECK(res == 11 && strcmp(buf, "moved bytes") == 0, "new holds %s bytes \"%s\"", t_code(res),
	      res >= 0 ? buf : "");
	PASS();
}

static void renameat_replace(struct ior_ring *ring)
{
	char buf[64];
	int rw = t_dir("rw"), res;

	res = t_open(ring, rw, "src", IOR_O_WRITE | IOR_O_CREATE, "source");
	CHECK(res >= 0, "fixture src: %s", t_code(res));
	res = t_open(ring, rw, "dst", IOR_O_WRITE | IOR_O_CREATE, "destination");
	CHECK(res >= 0, "fixture dst: %s", t_code(res));
	res = rename_res(ring, rw, "src", rw, "dst");
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "renameat over an existing file: %s, want 0", t_code(res));
	res = slurp(ring, rw, "dst", buf);
	CHECK(res == 6 && strcmp(buf, "source") == 0, "dst holds \"%s\", want \"source\"",
	      res >= 0 ? buf : t_code(res));
	CHECK(stat_res(ring, rw, "src") == -IOR_ENOENT, "src is still there");
	PASS();
}

static void renameat_dir(struct ior_ring *ring)
{
	char buf[64];
	int rw = t_dir("rw"), res;

	ior_prep_mkdirat(ior_get_sqe(ring), (ior_handle_t)rw, "dir1", 0755);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "mkdirat: %s", t_code(res));
	res = t_open(ring, rw, "dir1/f", IOR_O_WRITE | IOR_O_CREATE, "content");
	CHECK(res >= 0, "create dir1/f: %s", t_code(res));
	res = rename_res(ring, rw, "dir1", rw, "dir2");
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "renameat dir1 -> dir2: %s", t_code(res));
	res = slurp(ring, rw, "dir2/f", buf);
	CHECK(res == 7 && strcmp(buf, "content") == 0, "dir2/f: %s", t_code(res));
	CHECK(stat_res(ring, rw, "dir1") == -IOR_ENOENT, "dir1 is still there");
	PASS();
}

static void renameat_two_handles(struct ior_ring *ring)
{
	struct t_cqe c;
	char buf[64];
	int rw = t_dir("rw"), sub, res;

	ior_prep_mkdirat(ior_get_sqe(ring), (ior_handle_t)rw, "into", 0755);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "mkdirat: %s", t_code(res));
	ior_prep_openat(ior_get_sqe(ring), (ior_handle_t)rw, "into", IOR_O_DIRECTORY, 0);
	res = t_one(ring, &c);
	CHECK(res == 0, "open into: %s", t_code(res));
	sub = c.handle;
	res = t_open(ring, rw, "traveller", IOR_O_WRITE | IOR_O_CREATE, "went in");
	CHECK(res >= 0, "fixture: %s", t_code(res));
	/* From the grant into the subdirectory's handle, and back out under another name. */
	res = rename_res(ring, rw, "traveller", sub, "arrived");
	SKIP_IF_NOTSUP(res);
	CHECK(res == 0, "renameat rw/traveller -> into/arrived: %s", t_code(res));
	res = slurp(ring, rw, "into/arrived", buf);
	CHECK(res == 7 && strcmp(buf, "went in") == 0, "into/arrived: %s", t_code(res));
	res = rename_res(ring, sub, "arrived", rw, "back");
	CHECK(res == 0, "renameat into/arrived -> rw/back: %s", t_code(res));
	CHECK(stat_res(ring, rw, "back") == 0, "rw/back is not there");
	PASS();
}

static void renameat_missing(struct ior_ring *ring)
{
	int rw = t_dir("rw"), res;

	res = rename_res(ring, rw, "missing", rw, "anything");
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_ENOENT, "renameat of a missing file: %s, want no-entry", t_code(res));
	PASS();
}

static void renameat_read_only(struct ior_ring *ring)
{
	int rw = t_dir("rw"), ro = t_dir("ro"), res;

	res = t_open(ring, rw, "mine", IOR_O_WRITE | IOR_O_CREATE, "x");
	CHECK(res >= 0, "fixture: %s", t_code(res));
	/* Out of the read-only grant, within it, and into it. */
	res = rename_res(ring, ro, "data.txt", rw, "taken");
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EACCES, "renameat ro/data.txt -> rw/taken: %s, want access", t_code(res));
	res = rename_res(ring, ro, "data.txt", ro, "renamed.txt");
	CHECK(res == -IOR_EACCES, "renameat within ro: %s, want access", t_code(res));
	res = rename_res(ring, rw, "mine", ro, "planted");
	CHECK(res == -IOR_EACCES, "renameat rw/mine -> ro/planted: %s, want access", t_code(res));
	res = rename_res(ring, rw, "mine", ro, "data.txt");
	CHECK(res == -IOR_EACCES, "renameat rw/mine over ro/data.txt: %s, want access", t_code(res));
	CHECK(stat_res(ring, ro, "data.txt") == 0 && stat_res(ring, rw, "mine") == 0 &&
	      stat_res(ring, ro, "planted") == -IOR_ENOENT && stat_res(ring, rw, "taken") == -IOR_ENOENT,
	      "a refused rename moved something");
	PASS();
}

static void renameat_escape(struct ior_ring *ring)
{
	static const char *const outside[] = {
		"../stolen", "/tmp/ioring-conformance-stolen", "./../stolen",
	};
	int rw = t_dir("rw"), res;

	res = t_open(ring, rw, "stays", IOR_O_WRITE | IOR_O_CREATE, "x");
	CHECK(res >= 0, "fixture: %s", t_code(res));
	for (unsigned i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		res = rename_res(ring, rw, "stays", rw, outside[i]);
		SKIP_IF_NOTSUP(res);
		CHECK(res == -IOR_EACCES, "renameat stays -> \"%s\": %s, want access", outside[i],
		      t_code(res));
	}
	res = rename_res(ring, rw, "../outside.txt", rw, "inside.txt");
	CHECK(res == -IOR_EACCES, "renameat ../outside.txt -> inside.txt: %s, want access",
	      t_code(res));
	res = rename_res(ring, rw, "/tmp", rw, "inside");
	CHECK(res == -IOR_EACCES, "renameat /tmp -> inside: %s, want access", t_code(res));
	CHECK(stat_res(ring, rw, "stays") == 0, "stays was moved");
	CHECK(stat_res(ring, rw, "inside.txt") == -IOR_ENOENT, "outside.txt was moved in");
	PASS();
}

static void renameat_escape_symlink(struct ior_ring *ring)
{
	int rw = t_dir("rw"), res;

	SKIP_IF_NO_LINK(ring, rw, "rw");
	res = t_open(ring, rw, "stays", IOR_O_WRITE | IOR_O_CREATE, "x");
	CHECK(res >= 0, "fixture: %s", t_code(res));
	res = rename_res(ring, rw, "stays", rw, "up/stolen");
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EACCES, "renameat stays -> up/stolen: %s, want access", t_code(res));
	res = rename_res(ring, rw, "up/outside.txt", rw, "inside.txt");
	CHECK(res == -IOR_EACCES, "renameat up/outside.txt -> inside.txt: %s, want access",
	      t_code(res));
	CHECK(stat_res(ring, rw, "stays") == 0, "stays was moved");
	CHECK(stat_res(ring, rw, "inside.txt") == -IOR_ENOENT, "outside.txt was moved in");
	PASS();
}

int main(void)
{
	t_run("renameat-file", renameat_file);
	t_run("renameat-replace", renameat_replace);
	t_run("renameat-dir", renameat_dir);
	t_run("renameat-two-handles", renameat_two_handles);
	t_run("renameat-missing", renameat_missing);
	t_run("renameat-read-only", renameat_read_only);
	t_run("renameat-escape", renameat_escape);
	t_run("renameat-escape-symlink", renameat_escape_symlink);
	return t_exit();
}
