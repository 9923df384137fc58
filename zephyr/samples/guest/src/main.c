/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Runs the guest core module embedded at build time (IORING_GUEST) with its arguments
 * (IORING_ARGS), then exits the process on native_sim with the guest's status.
 *
 * With a file system configured (fs.conf), it first makes an ext2 file system on the RAM
 * disk, mounted at /ext2, with the directories the devicetree grants name and two files:
 * data/hello.txt (text) and in/a (a 100000-byte pattern). After the guest it reports whether
 * out/b equals in/a, for the copy example.
 */
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/sys/printk.h>

#include <ioring/ioring.h>

#include "guest_args.h"
#ifdef IORING_PEER
#include "peer.h"
#endif

#ifdef CONFIG_FILE_SYSTEM
#include <zephyr/fs/fs.h>
#endif
#ifdef CONFIG_ARCH_POSIX
#include <nsi_main.h>
#endif

/* In RAM, not const: WAMR rewrites the module while loading it. */
static uint8_t guest[] = {
#include "guest.inc"
};

static const char *const guest_args[] = {IORING_GUEST_ARGS};

#ifdef CONFIG_FILE_SYSTEM
#define PATTERN_LEN 100000

static uint8_t pattern_byte(size_t i)
{
	return (uint8_t)((i * 7 + 13) % 251);
}

static struct fs_mount_t ext2_mnt = {
	.type = FS_EXT2,
	.mnt_point = "/ext2",
	.storage_dev = "RAM",
	.flags = FS_MOUNT_FLAG_NO_FORMAT,
};

static int write_file(const char *path, const uint8_t *bytes, size_t len, bool pattern)
{
	struct fs_file_t f;
	uint8_t chunk[256];
	int ret;

	fs_file_t_init(&f);
	ret = fs_open(&f, path, FS_O_WRITE | FS_O_CREATE);
	if (ret < 0)
		return ret;
	for (size_t done = 0; done < len;) {
		size_t n = MIN(sizeof(chunk), len - done);

		for (size_t i = 0; i < n; i++)
			chunk[i] = pattern ? pattern_byte(done + i) : bytes[done + i];
		ret = fs_write(&f, chunk, n);
		if (ret < 0)
			break;
		done += n;
	}
	fs_close(&f);
	return ret < 0 ? ret : 0;
}

static int setup_fs(void)
{
	static const char hello[] = "hello from ext2 on a RAM disk\n";
	int ret = fs_mkfs(FS_EXT2, (uintptr_t)"RAM", NULL, 0);

	if (ret == 0)
		ret = fs_mount(&ext2_mnt);
	if (ret == 0)
		ret = fs_mkdir("/ext2/data");
	if (ret == 0)
		ret = fs_mkdir("/ext2/in");
	if (ret == 0)
		ret = fs_mkdir("/ext2/out");
	if (ret == 0)
		ret = write_file("/ext2/data/hello.txt", (const uint8_t *)hello, strlen(hello),
				 false);
	if (ret == 0)
		ret = write_file("/ext2/in/a", NULL, PATTERN_LEN, true);
	if (ret < 0)
		printk("ioring sample: file system setup failed: %d\n", ret);
	return ret;
}

static void check_copy(void)
{
	struct fs_dirent st;
	struct fs_file_t f;
	uint8_t chunk[256];
	size_t total = 0;
	bool equal = true;
	size_t first_diff = 0;
	ssize_t n;

	if (fs_stat("/ext2/out/b", &st) < 0)
		return;
	fs_file_t_init(&f);
	if (fs_open(&f, "/ext2/out/b", FS_O_READ) < 0)
		return;
	while ((n = fs_read(&f, chunk, sizeof(chunk))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (equal && chunk[i] != pattern_byte(total + i))
				first_diff = total + i;
			equal = equal && chunk[i] == pattern_byte(total + i);
		}
		total += n;
	}
	fs_close(&f);
	if (equal && total == PATTERN_LEN)
		printk("ioring sample: out/b has %zu bytes, equal to in/a\n", total);
	else
		printk("ioring sample: out/b has %zu bytes, DIFFERENT from in/a (%zu bytes) from byte %zu\n",
		       total, (size_t)PATTERN_LEN, equal ? MIN(total, (size_t)PATTERN_LEN) : first_diff);
}
#endif

int main(void)
{
	int status;

#ifdef CONFIG_FILE_SYSTEM
	if (setup_fs() < 0)
		status = 2;
	else
#endif
		status = ioring_run(guest, sizeof(guest), ARRAY_SIZE(guest_args), guest_args);
#ifdef CONFIG_FILE_SYSTEM
	check_copy();
#endif
	printk("ioring sample: %s exited with status %d\n", guest_args[0], status);
#ifdef IORING_PEER
	/* The guest is done; so must be what drove it, and all it checked must be right. */
	if (peer_wait() != 0 && status == 0)
		status = 1;
#endif
#ifdef CONFIG_ARCH_POSIX
	nsi_exit(status < 0 || status > 255 ? 255 : status);
#endif
	return 0;
}
