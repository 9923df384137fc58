/*
 * fixed: registered (fixed) buffers: register-buffers, buffer-read and buffer-write, read-fixed
 * and write-fixed against a file, spans outside a buffer, and `busy` while a fixed operation is
 * in flight.
 */
#include "conform.h"

static void fixed_register(struct ior_ring *ring)
{
	uint8_t buf[64];
	int res;

	res = ior_register_buffers(ring, 2, 64);
	CHECK(res == 0, "register 2 x 64: %s", t_code(res));
	memset(buf, 0xff, sizeof(buf));
	res = ior_buffer_read(ring, 1, 0, buf, 64);
	CHECK(res == 64, "buffer-read: %s, want 64", t_code(res));
	for (int i = 0; i < 64; i++)
		CHECK(buf[i] == 0, "byte %d of a new buffer is %u, want 0", i, buf[i]);
	res = ior_buffer_write(ring, 1, 60, "wxyz", 4);
	CHECK(res == 0, "buffer-write: %s", t_code(res));
	res = ior_buffer_read(ring, 1, 58, buf, 6);
	CHECK(res == 6 && memcmp(buf, "\0\0wxyz", 6) == 0, "buffer-read after write: %s", t_code(res));
	/* A second registration replaces the first, zero-filled. */
	res = ior_register_buffers(ring, 1, 16);
	CHECK(res == 0, "register again: %s", t_code(res));
	res = ior_buffer_read(ring, 0, 0, buf, 16);
	CHECK(res == 16, "buffer-read of the new set: %s", t_code(res));
	for (int i = 0; i < 16; i++)
		CHECK(buf[i] == 0, "byte %d of the replaced set is %u, want 0", i, buf[i]);
	res = ior_buffer_read(ring, 1, 0, buf, 1);
	CHECK(res == -IOR_EINVAL, "buffer-read of a buffer no longer registered: %s, want invalid",
	      t_code(res));
	PASS();
}

static void fixed_buffer_bounds(struct ior_ring *ring)
{
	uint8_t buf[8];
	int res;

	CHECK(ior_register_buffers(ring, 1, 32) == 0, "register");
	res = ior_buffer_read(ring, 0, 30, buf, 4);
	CHECK(res == -IOR_EINVAL, "buffer-read past the end: %s, want invalid", t_code(res));
	res = ior_buffer_write(ring, 0, 29, "abcd", 4);
	CHECK(res == -IOR_EINVAL, "buffer-write past the end: %s, want invalid", t_code(res));
	res = ior_buffer_read(ring, 3, 0, buf, 1);
	CHECK(res == -IOR_EINVAL, "buffer-read of buffer 3 of 1: %s, want invalid", t_code(res));
	res = ior_buffer_read(ring, 0, 0xffffffffu, buf, 2);
	CHECK(res == -IOR_EINVAL, "buffer-read at offset 2^32-1: %s, want invalid", t_code(res));
	PASS();
}

static void fixed_write_read(struct ior_ring *ring)
{
	struct t_cqe c;
	uint8_t buf[8];
	int dir = t_dir("rw"), fd, res;

	CHECK(ior_register_buffers(ring, 2, 64) == 0, "register");
	CHECK(ior_buffer_write(ring, 0, 5, "fixed!", 6) == 0, "buffer-write");
	fd = t_open(ring, dir, "fixed", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(fd >= 0, "openat: %s", t_code(fd));

	/* write-fixed: buffer 0 bytes 5..11 to the file at offset 2. */
	ior_prep_write_fixed(ior_get_sqe(ring), (ior_handle_t)fd, 0, 5, 6, 2);
	res = t_one(ring, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 6, "write-fixed: %s, want 6", t_code(res));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 64, 0);
	res = t_one(ring, &c);
	CHECK(res == 8 && memcmp(c.data, "\0\0fixed!", 8) == 0, "the file holds other bytes (%s)",
	      t_code(res));

	/* read-fixed: the file from offset 4 into buffer 1 at 10; the CQE carries no bytes. */
	ior_prep_read_fixed(ior_get_sqe(ring), (ior_handle_t)fd, 1, 10, 30, 4);
	res = t_one(ring, &c);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 4, "read-fixed of 30 at 4 in an 8-byte file: %s, want 4", t_code(res));
	CHECK(c.len == 0, "read-fixed's CQE carries %zu bytes, want none", c.len);
	res = ior_buffer_read(ring, 1, 9, buf, 6);
	CHECK(res == 6 && memcmp(buf, "\0xed!\0", 6) == 0, "buffer 1 holds other bytes");
	PASS();
}

static void fixed_current_position(struct ior_ring *ring)
{
	struct t_cqe c;
	int dir = t_dir("rw"), fd, res;

	CHECK(ior_register_buffers(ring, 1, 16) == 0, "register");
	CHECK(ior_buffer_write(ring, 0, 0, "0123456789", 10) == 0, "buffer-write");
	fd = t_open(ring, dir, "fixed-pos", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, NULL);
	CHECK(fd >= 0, "openat: %s", t_code(fd));
	ior_prep_write_fixed(ior_get_sqe(ring), (ior_handle_t)fd, 0, 0, 3, IOR_CURRENT_POSITION);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == 3, "first write-fixed: %s", t_code(res));
	ior_prep_write_fixed(ior_get_sqe(ring), (ior_handle_t)fd, 0, 7, 3, IOR_CURRENT_POSITION);
	res = t_one(ring, NULL);
	CHECK(res == 3, "second write-fixed: %s", t_code(res));
	ior_prep_read(ior_get_sqe(ring), (ior_handle_t)fd, 16, 0);
	res = t_one(ring, &c);
	CHECK(res == 6 && memcmp(c.data, "012789", 6) == 0,
	      "writes at the position made %s bytes, want \"012789\"", t_code(res));
	PASS();
}

static void fixed_span_invalid(struct ior_ring *ring)
{
	int dir = t_dir("rw"), fd, res;

	CHECK(ior_register_buffers(ring, 1, 32) == 0, "register");
	fd = t_open(ring, dir, "fixed-span", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, "some bytes");
	CHECK(fd >= 0, "openat: %s", t_code(fd));
	ior_prep_read_fixed(ior_get_sqe(ring), (ior_handle_t)fd, 0, 30, 4, 0);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EINVAL, "read-fixed past the buffer's end: %s, want invalid", t_code(res));
	ior_prep_write_fixed(ior_get_sqe(ring), (ior_handle_t)fd, 1, 0, 4, 0);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EINVAL, "write-fixed from buffer 1 of 1: %s, want invalid", t_code(res));
	ior_prep_read_fixed(ior_get_sqe(ring), (ior_handle_t)fd, 0, 0xfffffff0u, 0x20, 0);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EINVAL, "read-fixed with offset + len past 2^32: %s, want invalid",
	      t_code(res));
	PASS();
}

static void fixed_none_registered(struct ior_ring *ring)
{
	int dir = t_dir("rw"), fd, res;

	fd = t_open(ring, dir, "fixed-none", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, "x");
	CHECK(fd >= 0, "openat: %s", t_code(fd));
	ior_prep_read_fixed(ior_get_sqe(ring), (ior_handle_t)fd, 0, 0, 1, 0);
	res = t_one(ring, NULL);
	SKIP_IF_NOTSUP(res);
	CHECK(res == -IOR_EINVAL, "read-fixed with no buffers registered: %s, want invalid",
	      t_code(res));
	PASS();
}

static void fixed_busy(struct ior_ring *ring)
{
	struct t_cqe c;
	uint8_t buf[4];
	int client, server, res;

	CHECK(ior_register_buffers(ring, 1, 64) == 0, "register");
	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	/* A read-fixed on a socket with nothing to read stays in flight... */
	ior_sqe_t *sqe = ior_get_sqe(ring);
	ior_prep_read_fixed(sqe, (ior_handle_t)server, 0, 0, 4, IOR_CURRENT_POSITION);
	ior_sqe_set_data32(sqe, 1);
	CHECK(t_quiet(ring, 50000000), "read-fixed on an idle socket completed (%s)",
	      t_code(t_one(ring, &c)));
	/* ... and the buffers cannot be replaced under it. */
	res = ior_register_buffers(ring, 1, 64);
	CHECK(res == -IOR_EBUSY, "register while read-fixed is in flight: %s, want busy",
	      t_code(res));
	ior_prep_send(ior_get_sqe(ring), (ior_handle_t)client, "busy", 4);
	struct t_cqe two[2];
	CHECK(t_reap(ring, two, 2) == 2, "send and read-fixed did not both complete");
	for (int i = 0; i < 2; i++) {
		if (two[i].user_data != 1)
			continue;
		SKIP_IF_NOTSUP(two[i].res);
		CHECK(two[i].res == 4, "read-fixed: %s, want 4", t_code(two[i].res));
	}
	res = ior_buffer_read(ring, 0, 0, buf, 4);
	CHECK(res == 4 && memcmp(buf, "busy", 4) == 0, "buffer holds other bytes");
	res = ior_register_buffers(ring, 1, 64);
	CHECK(res == 0, "register once nothing is in flight: %s", t_code(res));
	PASS();
}

static void fixed_register_absurd(struct ior_ring *ring)
{
	int res = ior_register_buffers(ring, 0xffffffffu, 0xffffffffu);

	CHECK(res == -IOR_ENOMEM, "register 2^32-1 buffers of 2^32-1 bytes: %s, want no-memory",
	      t_code(res));
	/* The ring is unharmed: a sensible set registers afterwards. */
	res = ior_register_buffers(ring, 1, 64);
	CHECK(res == 0, "register after: %s", t_code(res));
	PASS();
}

int main(void)
{
	t_run("fixed-register", fixed_register);
	t_run("fixed-buffer-bounds", fixed_buffer_bounds);
	t_run("fixed-write-read", fixed_write_read);
	t_run("fixed-current-position", fixed_current_position);
	t_run("fixed-span-invalid", fixed_span_invalid);
	t_run("fixed-none-registered", fixed_none_registered);
	t_run("fixed-busy", fixed_busy);
	t_run("fixed-register-absurd", fixed_register_absurd);
	return t_exit();
}
