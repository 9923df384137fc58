/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The conformance image (native_sim): makes the suite's fixture on an ext2 RAM disk, reads
 * one conformance guest's core module from the Linux path given after -testargs, runs it
 * with ioring_run and exits the process with the guest's status. Standard output carries the
 * guest's ok/FAIL/skip lines; the image's own lines start with '#' (the runner ignores them).
 *
 * The fixture (test/conformance/README.md, conform.h), as far as Zephyr's file systems go:
 *
 *	/ext2/rw             granted "rw", writable, empty
 *	/ext2/ro             granted "ro", read-only: data.txt, sub/inner.txt
 *	/ext2/outside.txt    beside them, in no grant
 *
 * Zephyr's file systems have no FIFOs and no symbolic links, so rw/fifo, rw/up and ro/up do
 * not exist here; the cases that use them see `no-entry` (zephyr/README.md lists them).
 * After the guest, the image checks, as run.mjs does on Linux, that nothing outside rw/
 * changed, and prints a line (not '#') saying what did, which the runner reports.
 */
#include <string.h>

#include <zephyr/fs/fs.h>
#include <zephyr/kernel.h>
#include <zephyr/net/net_if.h>
#include <zephyr/sys/printk.h>

#include <ioring/ioring.h>

#include <nsi_host_trampolines.h>
#include <nsi_main.h>

void native_get_test_cmd_line_args(int *argc, char ***argv);

#define T_DATA "0123456789abcdefghijklmnopqrstuvwxyz\n"
#define T_INNER "inner\n"
#define T_OUTSIDE "outside the grants\n"

/* In RAM, not const: WAMR rewrites the module while loading it. */
static uint8_t guest[256 * 1024];

static struct fs_mount_t ext2_mnt = {
	.type = FS_EXT2,
	.mnt_point = "/ext2",
	.storage_dev = "RAM",
	.flags = FS_MOUNT_FLAG_NO_FORMAT,
};

static int write_file(const char *path, const char *text)
{
	struct fs_file_t f;
	ssize_t n;
	int ret;

	fs_file_t_init(&f);
	ret = fs_open(&f, path, FS_O_WRITE | FS_O_CREATE);
	if (ret < 0)
		return ret;
	n = fs_write(&f, text, strlen(text));
	fs_close(&f);
	return n < 0 ? (int)n : n == (ssize_t)strlen(text) ? 0 : -EIO;
}

static int setup_fs(void)
{
	int ret = fs_mkfs(FS_EXT2, (uintptr_t)"RAM", NULL, 0);

	if (ret == 0)
		ret = fs_mount(&ext2_mnt);
	if (ret == 0)
		ret = fs_mkdir("/ext2/rw");
	if (ret == 0)
		ret = fs_mkdir("/ext2/ro");
	if (ret == 0)
		ret = fs_mkdir("/ext2/ro/sub");
	if (ret == 0)
		ret = write_file("/ext2/ro/data.txt", T_DATA);
	if (ret == 0)
		ret = write_file("/ext2/ro/sub/inner.txt", T_INNER);
	if (ret == 0)
		ret = write_file("/ext2/outside.txt", T_OUTSIDE);
	return ret;
}

/* The names in directory @path, sorted, space-separated, into @out. */
static void list_dir(const char *path, char *out, size_t size)
{
	char names[8][32];
	struct fs_dirent e;
	struct fs_dir_t d;
	int n = 0;

	out[0] = '\0';
	fs_dir_t_init(&d);
	if (fs_opendir(&d, path) < 0) {
		strncpy(out, "(cannot open)", size - 1);
		return;
	}
	while (n < 8 && fs_readdir(&d, &e) == 0 && e.name[0]) {
		if (!strcmp(e.name, ".") || !strcmp(e.name, "..") || !strcmp(e.name, "lost+found"))
			continue;
		strncpy(names[n], e.name, sizeof(names[n]) - 1);
		names[n][sizeof(names[n]) - 1] = '\0';
		n++;
	}
	fs_closedir(&d);
	for (int i = 1; i < n; i++) {
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char t[32];

			strcpy(t, names[j]);
			strcpy(names[j], names[j - 1]);
			strcpy(names[j - 1], t);
		}
	}
	for (int i = 0; i < n; i++) {
		if (i)
			strncat(out, " ", size - strlen(out) - 1);
		strncat(out, names[i], size - strlen(out) - 1);
	}
}

static bool holds(const char *path, const char *text)
{
	char buf[64];
	struct fs_file_t f;
	ssize_t n;

	fs_file_t_init(&f);
	if (fs_open(&f, path, FS_O_READ) < 0)
		return false;
	n = fs_read(&f, buf, sizeof(buf));
	fs_close(&f);
	return n == (ssize_t)strlen(text) && memcmp(buf, text, n) == 0;
}

/* What the guest changed outside rw/ (run.mjs's fixtureViolations, on the RAM disk). */
static int check_fixture(void)
{
	char list[128];
	int bad = 0;

	list_dir("/ext2", list, sizeof(list));
	if (strcmp(list, "outside.txt ro rw")) {
		printk("outside its grants: the fixture's top holds: %s\n", list);
		bad++;
	}
	if (!holds("/ext2/outside.txt", T_OUTSIDE)) {
		printk("outside its grants: outside.txt changed\n");
		bad++;
	}
	list_dir("/ext2/ro", list, sizeof(list));
	if (strcmp(list, "data.txt sub")) {
		printk("outside its grants: ro/ holds: %s\n", list);
		bad++;
	}
	if (!holds("/ext2/ro/data.txt", T_DATA)) {
		printk("outside its grants: ro/data.txt changed\n");
		bad++;
	}
	list_dir("/ext2/ro/sub", list, sizeof(list));
	if (strcmp(list, "inner.txt") || !holds("/ext2/ro/sub/inner.txt", T_INNER)) {
		printk("outside its grants: ro/sub changed\n");
		bad++;
	}
	return bad;
}

/* The guest's core module, from the Linux file named after -testargs. */
static long load_guest(const char **name)
{
	static char base[64];
	char **argv;
	int argc, fd;
	long total = 0, n;
	const char *slash, *p;
	size_t len;

	native_get_test_cmd_line_args(&argc, &argv);
	if (argc < 1) {
		printk("conformance: usage: zephyr.exe -testargs GUEST.core.wasm\n");
		return -EINVAL;
	}
	fd = nsi_host_open(argv[0], 0 /* O_RDONLY */);
	if (fd < 0) {
		printk("conformance: cannot open %s\n", argv[0]);
		return -ENOENT;
	}
	while (total < (long)sizeof(guest) &&
	       (n = nsi_host_read(fd, guest + total, sizeof(guest) - total)) > 0)
		total += n;
	nsi_host_close(fd);
	if (total >= (long)sizeof(guest)) {
		printk("conformance: %s is larger than %zu bytes\n", argv[0], sizeof(guest));
		return -EFBIG;
	}
	/* argv[0] for the guest: the file's name without .core.wasm. */
	slash = strrchr(argv[0], '/');
	p = slash ? slash + 1 : argv[0];
	len = strcspn(p, ".");
	len = MIN(len, sizeof(base) - 1);
	memcpy(base, p, len);
	base[len] = '\0';
	*name = base;
	return total;
}

int main(void)
{
	const char *name = "guest";
	long len = load_guest(&name);
	int status, ret;

	if (len < 0)
		nsi_exit(2);
	/* The loopback interface as Linux names it (Zephyr's default is dummy0): the fixture's
	 * bind-device grant names lo (multicast.c's socket-bind-to-device). */
	ret = net_if_get_by_name("dummy0");
	if (ret < 0 || net_if_set_name(net_if_get_by_index(ret), "lo") < 0) {
		printk("conformance: cannot name the loopback interface lo: %d\n", ret);
		nsi_exit(2);
	}
	ret = setup_fs();
	if (ret < 0) {
		printk("conformance: fixture setup failed: %d\n", ret);
		nsi_exit(2);
	}
	const char *argv[] = {name};

	status = ioring_run(guest, (size_t)len, 1, argv);
	printk("# conformance: %s exited with status %d\n", name, status);
	if (check_fixture())
		status = status ? status : 3;
	nsi_exit(status < 0 || status > 255 ? 255 : status);
	return 0;
}
