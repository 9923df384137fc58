/*
 * limits.c - what the WASI adapter answers where WASI 0.2 cannot do what the ring asks
 * (README.md, "Running under stock wasmtime and Node"), checked from inside an app composed
 * with it. test/e2e/adapter.test.js builds it with guest/ioring.mk and test/conformance/conform.h
 * (one `ok NAME` or `FAIL NAME: why` line per case), runs it under wasmtime and under Node
 * (jco) with a writable directory granted as "rw", and checks the directory afterwards.
 *
 * Only for the adapter: on the Linux host the private files are made, and statx reports
 * their own bits.
 */
#include "conform.h"

static int open_mode(struct ior_ring *ring, int dir, const char *path, uint16_t flags, uint32_t mode,
		     struct t_cqe *c)
{
	ior_prep_openat(ior_get_sqe(ring), (ior_handle_t)dir, path, flags, mode);
	return t_one(ring, c);
}

static int mkdir_mode(struct ior_ring *ring, int dir, const char *path, uint32_t mode)
{
	ior_prep_mkdirat(ior_get_sqe(ring), (ior_handle_t)dir, path, mode);
	return t_one(ring, NULL);
}

static int stat_of(struct ior_ring *ring, int dir, const char *path, struct t_cqe *c)
{
	ior_prep_statx(ior_get_sqe(ring), (ior_handle_t)dir, path, true);
	return t_one(ring, c);
}

/* A file the runtime would make with more (or other) bits than asked is not made. */
static void create_other_mode(struct ior_ring *ring)
{
	static const uint32_t modes[] = { 0600, 0640, 0400, 0755, 04644, 0 };
	static const char *const names[] = { "m600", "m640", "m400", "m755", "m4644", "m0" };
	int rw = t_dir("rw"), res;

	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		res = open_mode(ring, rw, names[i], IOR_O_WRITE | IOR_O_CREATE, modes[i], NULL);
		CHECK(res == -IOR_ENOTSUP, "create %s with %#o: %s, want not-supported", names[i], modes[i],
		      t_code(res));
		res = open_mode(ring, rw, names[i], IOR_O_WRITE | IOR_O_CREATE | IOR_O_EXCLUSIVE, modes[i], NULL);
		CHECK(res == -IOR_ENOTSUP, "create %s exclusive with %#o: %s, want not-supported", names[i],
		      modes[i], t_code(res));
		res = stat_of(ring, rw, names[i], NULL);
		CHECK(res == -IOR_ENOENT, "statx %s after the refused create: %s, want no-entry", names[i],
		      t_code(res));
	}
	PASS();
}

/* The runtime's own bits (0644 under a umask of 022) are made, and statx reports them. */
static void create_given_mode(struct ior_ring *ring)
{
	static const uint32_t modes[] = { 0644, 0666, 0664, 0646 };
	static const char *const names[] = { "g644", "g666", "g664", "g646" };
	struct t_cqe c;
	int rw = t_dir("rw"), res;

	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		res = open_mode(ring, rw, names[i], IOR_O_WRITE | IOR_O_CREATE | IOR_O_EXCLUSIVE, modes[i], &c);
		CHECK(res == 0 && c.handle >= 0, "create %s with %#o: %s, want a handle", names[i], modes[i],
		      t_code(res));
		t_close(ring, c.handle);
		res = stat_of(ring, rw, names[i], &c);
		CHECK(res == 0 && c.has_stat, "statx %s: %s", names[i], t_code(res));
		CHECK(c.stat.type == IOR_FILE_REGULAR && c.stat.mode == 0644, "statx %s: type %u mode %#o, want regular 0644",
		      names[i], c.stat.type, c.stat.mode);
	}
	PASS();
}

/* Where nothing is made, the mode does not matter: the answers are open(2)'s. */
static void create_mode_not_needed(struct ior_ring *ring)
{
	struct t_cqe c;
	int rw = t_dir("rw"), res;

	res = open_mode(ring, rw, "there", IOR_O_WRITE | IOR_O_CREATE, 0644, &c);
	CHECK(res == 0, "fixture: create there: %s", t_code(res));
	t_close(ring, c.handle);
	res = open_mode(ring, rw, "there", IOR_O_WRITE | IOR_O_CREATE, 0600, &c);
	CHECK(res == 0 && c.handle >= 0, "create (not exclusive) of an existing file with 0600: %s, want a handle",
	      t_code(res));
	ior_prep_write(ior_get_sqe(ring), (ior_handle_t)c.handle, "kept", 4, 0);
	CHECK(t_one(ring, NULL) == 4, "write to it");
	t_close(ring, c.handle);
	res = open_mode(ring, rw, "there", IOR_O_WRITE | IOR_O_CREATE | IOR_O_EXCLUSIVE, 0600, NULL);
	CHECK(res == -IOR_EEXIST, "create exclusive of an existing file with 0600: %s, want exists", t_code(res));
	res = open_mode(ring, rw, "no/such", IOR_O_WRITE | IOR_O_CREATE, 0600, NULL);
	CHECK(res == -IOR_ENOENT, "create with 0600 beneath a missing directory: %s, want no-entry", t_code(res));
	res = open_mode(ring, rw, "there/x", IOR_O_WRITE | IOR_O_CREATE, 0600, NULL);
	CHECK(res == -IOR_ENOTDIR, "create with 0600 beneath a file: %s, want not-directory", t_code(res));
	PASS();
}

static void mkdir_other_mode(struct ior_ring *ring)
{
	static const uint32_t modes[] = { 0700, 0750, 0555, 01777 };
	static const char *const names[] = { "d700", "d750", "d555", "d1777" };
	int rw = t_dir("rw"), res;

	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		res = mkdir_mode(ring, rw, names[i], modes[i]);
		CHECK(res == -IOR_ENOTSUP, "mkdirat %s with %#o: %s, want not-supported", names[i], modes[i],
		      t_code(res));
		res = stat_of(ring, rw, names[i], NULL);
		CHECK(res == -IOR_ENOENT, "statx %s after the refused mkdirat: %s, want no-entry", names[i],
		      t_code(res));
	}
	PASS();
}

static void mkdir_given_mode(struct ior_ring *ring)
{
	static const uint32_t modes[] = { 0755, 0777, 0775 };
	static const char *const names[] = { "d755", "d777", "d775" };
	struct t_cqe c;
	int rw = t_dir("rw"), res;

	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		res = mkdir_mode(ring, rw, names[i], modes[i]);
		CHECK(res == 0, "mkdirat %s with %#o: %s, want 0", names[i], modes[i], t_code(res));
		res = stat_of(ring, rw, names[i], &c);
		CHECK(res == 0 && c.stat.type == IOR_FILE_DIRECTORY && c.stat.mode == 0755,
		      "statx %s: %s type %u mode %#o, want directory 0755", names[i], t_code(res), c.stat.type,
		      c.stat.mode);
	}
	/* Where nothing is made, mkdir(2)'s answers. */
	res = mkdir_mode(ring, rw, "d755", 0700);
	CHECK(res == -IOR_EEXIST, "mkdirat of an existing directory with 0700: %s, want exists", t_code(res));
	res = mkdir_mode(ring, rw, "no/such", 0700);
	CHECK(res == -IOR_ENOENT, "mkdirat with 0700 beneath a missing directory: %s, want no-entry", t_code(res));
	PASS();
}

/*
 * A regular file's read or write of more than a runtime moves per call (wasmtime 48: 64 KiB)
 * is whole but at the end of the file, as read(2) and write(2) of a regular file are.
 */
static void file_large_io(struct ior_ring *ring)
{
	static uint8_t out[3 * 65536 + 5], in[sizeof(out) + 100];
	ior_cqe_t *cqe;
	size_t len;
	const uint8_t *p;
	int rw = t_dir("rw"), fd, res;

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + i / 251);
	fd = t_open(ring, rw, "big", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(fd >= 0, "create big: %s", t_code(fd));
	ior_prep_write(ior_get_sqe(ring), (ior_handle_t)fd, out, sizeof(out), 0);
	res = t_one(ring, NULL);
	CHECK(res == (int)sizeof(out), "write %zu bytes: %s", sizeof(out), t_code(res));
	/* Asked for more than there is: all there is, at once. */
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, sizeof(in), 0);
	CHECK(ior_wait_cqe_timeout(ring, &cqe, T_WAIT_NS) == 0, "no completion for the read");
	res = ior_cqe_res(cqe);
	p = ior_cqe_payload(cqe, &len);
	if (res == (int)sizeof(out) && len == sizeof(out))
		memcpy(in, p, len);
	ior_cqe_seen(ring, cqe);
	CHECK(res == (int)sizeof(out) && len == sizeof(out), "read of %zu bytes: %s (%zu bytes), want %zu", sizeof(in),
	      t_code(res), len, sizeof(out));
	CHECK(memcmp(in, out, sizeof(out)) == 0, "read other bytes than were written");
	PASS();
}

/* WASI does not say what the standard streams are. */
static void statx_stdio(struct ior_ring *ring)
{
	for (int h = 0; h < 3; h++) {
		int res = stat_of(ring, h, "", NULL);

		CHECK(res == -IOR_ENOTSUP, "statx of handle %d: %s, want not-supported", h, t_code(res));
	}
	PASS();
}

int main(void)
{
	t_run("create-other-mode", create_other_mode);
	t_run("create-given-mode", create_given_mode);
	t_run("create-mode-not-needed", create_mode_not_needed);
	t_run("mkdir-other-mode", mkdir_other_mode);
	t_run("mkdir-given-mode", mkdir_given_mode);
	t_run("file-large-io", file_large_io);
	t_run("statx-stdio", statx_stdio);
	return t_exit();
}
