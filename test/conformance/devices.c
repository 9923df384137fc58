/*
 * devices: spi-transfer, i2c-transfer and tty-configure are taken only on device grants:
 * on stdio, a file, a directory or a socket they complete with `access`; on a handle that is
 * not open, with `bad-descriptor`. (The runner grants no device: what a device does with
 * them is for the device examples' tests.)
 */
#include "conform.h"

/* The three device operations on @fd, each with well-formed arguments; results in @res. */
static void device_ops(struct ior_ring *ring, int fd, int res[3])
{
	static const uint8_t tx[1] = { 0x9f }, reg[1] = { 0x10 };
	ior_spi_segment_t seg;
	ior_i2c_msg_t msgs[2];
	ior_tty_config_t cfg;

	ior_spi_segment(&seg, tx, 1, 3);
	ior_prep_spi_transfer(ior_get_sqe(ring), (ior_handle_t)fd, &seg, 1);
	res[0] = t_one(ring, NULL);
	ior_i2c_msg_write(&msgs[0], 0x50, reg, 1);
	ior_i2c_msg_read(&msgs[1], 0x50, 2);
	ior_prep_i2c_transfer(ior_get_sqe(ring), (ior_handle_t)fd, msgs, 2);
	res[1] = t_one(ring, NULL);
	ior_tty_config_raw(&cfg, 115200);
	ior_prep_tty_configure(ior_get_sqe(ring), (ior_handle_t)fd, &cfg);
	res[2] = t_one(ring, NULL);
}

static const char *const op_names[3] = { "spi-transfer", "i2c-transfer", "tty-configure" };

/* FAIL unless each device operation on @fd completed with @want (not-supported skips). */
#define EXPECT_ALL(fd, want, what)                                                         \
	do {                                                                               \
		int res_[3];                                                               \
		device_ops(ring, (fd), res_);                                              \
		for (int i_ = 0; i_ < 3; i_++) {                                           \
			SKIP_IF_NOTSUP(res_[i_]);                                          \
			CHECK(res_[i_] == (want), "%s on %s: %s, want %s", op_names[i_], what, \
			      t_code(res_[i_]), t_code(want));                             \
		}                                                                          \
	} while (0)

static void device_stdio(struct ior_ring *ring)
{
	EXPECT_ALL(IOR_STDIN, -IOR_EACCES, "handle 0");
	EXPECT_ALL(IOR_STDOUT, -IOR_EACCES, "handle 1");
	EXPECT_ALL(IOR_STDERR, -IOR_EACCES, "handle 2");
	PASS();
}

static void device_file(struct ior_ring *ring)
{
	int rw = t_dir("rw"), ro = t_dir("ro"), fd;

	fd = t_open(ring, rw, "not-a-device", IOR_O_READ | IOR_O_WRITE | IOR_O_CREATE, "x");
	CHECK(fd >= 0, "fixture: %s", t_code(fd));
	EXPECT_ALL(fd, -IOR_EACCES, "a file opened read-write");
	fd = t_open(ring, ro, "data.txt", IOR_O_READ, NULL);
	CHECK(fd >= 0, "open ro/data.txt: %s", t_code(fd));
	EXPECT_ALL(fd, -IOR_EACCES, "a file under the read-only grant");
	PASS();
}

static void device_directory(struct ior_ring *ring)
{
	int rw = t_dir("rw");

	CHECK(rw >= 0, "grant \"rw\": %s", t_code(rw));
	EXPECT_ALL(rw, -IOR_EACCES, "a directory grant");
	PASS();
}

static void device_socket(struct ior_ring *ring)
{
	int client, server, res, lst = ior_grant_listener("lst");

	CHECK(lst >= 0, "listener: %s", t_code(lst));
	EXPECT_ALL(lst, -IOR_EACCES, "the listener grant");
	res = t_tcp_pair(ring, &client, &server);
	CHECK(res == 0, "tcp pair: %s", t_code(res));
	EXPECT_ALL(client, -IOR_EACCES, "a connected socket");
	PASS();
}

static void device_bad_handle(struct ior_ring *ring)
{
	EXPECT_ALL(999, -IOR_EBADF, "handle 999");
	PASS();
}

int main(void)
{
	t_run("device-ops-on-stdio", device_stdio);
	t_run("device-ops-on-file", device_file);
	t_run("device-ops-on-directory", device_directory);
	t_run("device-ops-on-socket", device_socket);
	t_run("device-ops-bad-handle", device_bad_handle);
	return t_exit();
}
