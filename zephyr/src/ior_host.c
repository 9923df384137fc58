/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ior_host.c - the WAMR side: the runtime and its pool, the guest's imports as WAMR natives
 * (the canonical-ABI lowered signatures of ioring:ring/ring, ioring:ring/grants and the three
 * wasi_snapshot_preview1 functions the C SDK may import; and for TypeScript apps on the
 * ioring-qjs engine, wasi:cli/environment and five more preview1 functions), and running a
 * guest to its end.
 *
 * Natives take guest addresses as plain i32 and check them themselves (lib/abi), against the
 * memory's current size: a list of SQEs is an element count, and results go to a return
 * area, which WAMR's `*~` checks do not cover. Result lists and payloads are allocated
 * through the guest's cabi_realloc. A malformed return area or list pointer means the
 * guest's generated glue is broken: the guest traps (an exception), the firmware does not.
 *
 * The table of import modules is open: another module's natives (WASI 0.2 for fused
 * TypeScript apps, later) register beside these in ior_natives_register().
 */
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/logging/log.h>
#include <zephyr/sys/byteorder.h>

#include "wasm_export.h"

#include "ioring/ioring.h"
#include "ior_grants.h"
#include "ior_internal.h"

LOG_MODULE_DECLARE(ioring, CONFIG_IORING_LOG_LEVEL);

static uint8_t __aligned(8) ior_wamr_pool[CONFIG_IORING_WAMR_POOL_SIZE];
static bool ior_wamr_ready;

/* The guest being run (one at a time). */
static struct {
	wasm_module_inst_t inst;
	wasm_memory_inst_t mem; /* its default memory (looked up once) */
	wasm_exec_env_t env;
	wasm_function_inst_t realloc;
	int argc;
	const char *const *argv;
	bool exited;
	int exit_code;
} cur;

static uint8_t *g_mem(void *ctx, uint32_t *size)
{
	wasm_memory_inst_t m = cur.mem;

	ARG_UNUSED(ctx);
	if (!m) {
		*size = 0;
		return NULL;
	}
	*size = (uint32_t)(wasm_memory_get_cur_page_count(m) * wasm_memory_get_bytes_per_page(m));
	return wasm_memory_get_base_address(m);
}

static uint32_t g_realloc(void *ctx, uint32_t old, uint32_t old_size, uint32_t align,
			  uint32_t new_size)
{
	uint32_t argv[4] = {old, old_size, align, new_size};

	ARG_UNUSED(ctx);
	if (!cur.realloc || !wasm_runtime_call_wasm(cur.env, cur.realloc, 4, argv))
		return 0;
	return argv[0];
}

static const struct ior_abi_guest ior_guest = {.mem = g_mem, .realloc = g_realloc};

static void trap(const char *why)
{
	wasm_runtime_set_exception(cur.inst, why);
}

/* --- ioring:ring/ring -------------------------------------------------------------------- */

static void n_ring_create(wasm_exec_env_t env, uint32_t entries, uint32_t retptr)
{
	int idx = ior_ring_create(entries);

	ARG_UNUSED(env);
	if (ior_abi_put_result_u32(&ior_guest, retptr, idx < 0,
				   idx < 0 ? ior_abi_errno(-idx) : (uint32_t)idx) < 0)
		trap("ioring: return area outside memory");
}

static void n_ring_drop(wasm_exec_env_t env, uint32_t self)
{
	ARG_UNUSED(env);
	ior_ring_drop(self);
}

/*
 * submit, complete and enter, the calls every batch makes, are raw natives: WAMR hands them its
 * argument cells as they are (one uint64_t each; results go back in the first), which skips
 * its per-call marshalling for the platform's calling convention (invokeNative).
 */
static void n_ring_submit(wasm_exec_env_t env, uint64_t *args)
{
	uint32_t size;
	uint8_t *mem = g_mem(NULL, &size);
	int n = ior_ring_submit((uint32_t)args[0], mem, size, (uint32_t)args[1],
				(uint32_t)args[2]);

	ARG_UNUSED(env);
	if (n < 0) {
		trap("ioring: SQE list outside memory");
		n = 0;
	}
	*(uint32_t *)args = (uint32_t)n;
}

static void n_ring_complete(wasm_exec_env_t env, uint64_t *args)
{
	uint32_t has_timeout = (uint32_t)args[3];

	ARG_UNUSED(env);
	if (has_timeout > 1) {
		trap("ioring: malformed option");
		return;
	}
	if (ior_ring_complete((uint32_t)args[0], (uint32_t)args[1], (uint32_t)args[2],
			      has_timeout, args[4], &ior_guest, (uint32_t)args[5]) < 0)
		trap("ioring: return area outside memory");
}

/*
 * enter: (self, sqes ptr, sqes len, min, max, timeout is-some, timeout, retptr). The packed
 * SQEs are read where they lie; the result list is one cabi_realloc'd block of bytes.
 */
static void n_ring_enter(wasm_exec_env_t env, uint64_t *args)
{
	uint32_t has_timeout = (uint32_t)args[5];
	int ret;

	ARG_UNUSED(env);
	if (has_timeout > 1) {
		trap("ioring: malformed option");
		return;
	}
	ret = ior_ring_enter((uint32_t)args[0], &ior_guest, (uint32_t)args[1], (uint32_t)args[2],
			     (uint32_t)args[3], (uint32_t)args[4], has_timeout, args[6],
			     (uint32_t)args[7]);
	if (ret == -EFAULT)
		trap("ioring: SQE list or return area outside memory");
	else if (ret < 0)
		trap("ioring: no memory for the completions");
}

static void n_ring_register_buffers(wasm_exec_env_t env, uint32_t self, uint32_t count,
				    uint32_t size, uint32_t retptr)
{
	int ret = ior_ring_register_buffers(self, count, size);

	ARG_UNUSED(env);
	if (ior_abi_put_result_unit(&ior_guest, retptr, ret < 0, ior_abi_errno(-ret)) < 0)
		trap("ioring: return area outside memory");
}

static void n_ring_buffer_read(wasm_exec_env_t env, uint32_t self, uint32_t buf, uint32_t off,
			       uint32_t len, uint32_t retptr)
{
	uint8_t *tmp = NULL;
	int ret = -EINVAL;

	ARG_UNUSED(env);
	if (len <= CONFIG_IORING_FIXED_BUFFER_BYTES) {
		tmp = ior_buf_alloc(len);
		ret = tmp ? ior_ring_buffer_io(self, buf, off, tmp, len, false) : -ENOMEM;
	}
	if (ior_abi_put_result_bytes(&ior_guest, retptr, ret < 0, ior_abi_errno(-ret), tmp,
				     len) < 0)
		trap("ioring: return area outside memory");
	ior_buf_free(tmp);
}

static void n_ring_buffer_write(wasm_exec_env_t env, uint32_t self, uint32_t buf, uint32_t off,
				uint32_t ptr, uint32_t len, uint32_t retptr)
{
	uint32_t size;
	uint8_t *mem = g_mem(NULL, &size);
	int ret = -EINVAL;

	ARG_UNUSED(env);
	if (ior_abi_range_ok(size, ptr, len))
		ret = ior_ring_buffer_io(self, buf, off, mem + ptr, len, true);
	if (ior_abi_put_result_unit(&ior_guest, retptr, ret < 0, ior_abi_errno(-ret)) < 0)
		trap("ioring: return area outside memory");
}

/* --- ioring:ring/grants ------------------------------------------------------------------ */

/* The handle for grant @idx of @kind, opening it on first use. */
static int grant_open(int idx)
{
	const struct ior_grant *g = &ior_grants[idx];
	int h = ior_handle_find_grant(idx);

	if (h >= 0)
		return h;
	switch (g->kind) {
	case IOR_GRANT_DIRECTORY: {
		struct ior_handle *e;

		if (!g->path || strlen(g->path) >= sizeof(e->path))
			return -ENOENT;
		h = ior_handle_alloc();
		if (h < 0)
			return h;
		e = ior_handle_get(h, ~0u);
		e->kind = IOR_H_DIR;
		e->grant = (int16_t)idx;
		e->read_only = g->read_only;
		strcpy(e->path, g->path);
		return h;
	}
	case IOR_GRANT_LISTENER:
#ifdef CONFIG_IORING_NET
		return ior_net_listener(idx);
#else
		return -ENOTSUP;
#endif
	case IOR_GRANT_DEVICE:
		/* SPI and I2C devices and UARTs (ior_ops_dev.c). */
		if (g->bus == IOR_GRANT_BUS_NONE || !g->dev || !device_is_ready(g->dev))
			return -ENOTSUP;
		h = ior_handle_alloc();
		if (h < 0)
			return h;
		ior_handle_get(h, ~0u)->kind = IOR_H_DEVICE;
		ior_handle_get(h, ~0u)->grant = (int16_t)idx;
		return h;
	default:
		return -ENOTSUP;
	}
}

static void grant(uint8_t kind, uint32_t ptr, uint32_t len, uint32_t retptr)
{
	uint32_t size;
	uint8_t *mem = g_mem(NULL, &size);
	int ret = -ENOENT;

	if (!ior_abi_range_ok(size, ptr, len)) {
		trap("ioring: string outside memory");
		return;
	}
	ret = ior_grant_lookup(kind, mem + ptr, len);
	if (ret >= 0)
		ret = grant_open(ret);
	if (ior_abi_put_result_u32(&ior_guest, retptr, ret < 0,
				   ret < 0 ? ior_abi_errno(-ret) : (uint32_t)ret) < 0)
		trap("ioring: return area outside memory");
}

static void n_grant_directory(wasm_exec_env_t env, uint32_t ptr, uint32_t len, uint32_t retptr)
{
	ARG_UNUSED(env);
	grant(IOR_GRANT_DIRECTORY, ptr, len, retptr);
}

static void n_grant_listener(wasm_exec_env_t env, uint32_t ptr, uint32_t len, uint32_t retptr)
{
	ARG_UNUSED(env);
	grant(IOR_GRANT_LISTENER, ptr, len, retptr);
}

static void n_grant_device(wasm_exec_env_t env, uint32_t ptr, uint32_t len, uint32_t retptr)
{
	ARG_UNUSED(env);
	grant(IOR_GRANT_DEVICE, ptr, len, retptr);
}

/* --- wasi_snapshot_preview1: arguments and exit ----------------------------------------- */

#define WASI_ESUCCESS 0
#define WASI_EFAULT 21

static uint32_t n_args_sizes_get(wasm_exec_env_t env, uint32_t argc_ptr, uint32_t size_ptr)
{
	uint32_t size, total = 0;
	uint8_t *mem = g_mem(NULL, &size);

	ARG_UNUSED(env);
	if (!ior_abi_range_ok(size, argc_ptr, 4) || !ior_abi_range_ok(size, size_ptr, 4))
		return WASI_EFAULT;
	for (int i = 0; i < cur.argc; i++)
		total += strlen(cur.argv[i]) + 1;
	sys_put_le32((uint32_t)cur.argc, mem + argc_ptr);
	sys_put_le32(total, mem + size_ptr);
	return WASI_ESUCCESS;
}

static uint32_t n_args_get(wasm_exec_env_t env, uint32_t argv_ptr, uint32_t buf_ptr)
{
	uint32_t size, total = 0;
	uint8_t *mem = g_mem(NULL, &size);

	ARG_UNUSED(env);
	for (int i = 0; i < cur.argc; i++)
		total += strlen(cur.argv[i]) + 1;
	if (!ior_abi_range_ok(size, argv_ptr, 4ull * cur.argc) ||
	    !ior_abi_range_ok(size, buf_ptr, total))
		return WASI_EFAULT;
	for (int i = 0; i < cur.argc; i++) {
		size_t n = strlen(cur.argv[i]) + 1;

		sys_put_le32(buf_ptr, mem + argv_ptr + 4 * i);
		memcpy(mem + buf_ptr, cur.argv[i], n);
		buf_ptr += n;
	}
	return WASI_ESUCCESS;
}

static void n_proc_exit(wasm_exec_env_t env, uint32_t code)
{
	ARG_UNUSED(env);
	cur.exited = true;
	cur.exit_code = (int)code;
	trap("ioring: proc_exit");
}

/*
 * --- what a TypeScript app's engine imports besides (ts/engine, ioring-qjs) ----------------
 *
 * wasi:cli/environment's arguments (the same argv as args_get), no environment and no working
 * directory; and the few WASI preview1 calls QuickJS's libc links: the monotonic and real-time
 * clocks, and standard output and error written to the console (what the engine's `console`
 * does not send through the ring). Nothing else is a file here.
 */

#define WASI_EBADF 8
#define WASI_ESPIPE 70
#define WASI_EINVAL 28

/* Copies @len bytes of @src into a new guest allocation; its address, or 0. */
static uint32_t guest_copy(const void *src, uint32_t len, uint32_t align)
{
	uint32_t size, ptr = g_realloc(NULL, 0, 0, align, len ? len : 1);
	uint8_t *mem = g_mem(NULL, &size);

	if (!ptr || !ior_abi_range_ok(size, ptr, len))
		return 0;
	memcpy(mem + ptr, src, len);
	return ptr;
}

static void n_env_get_arguments(wasm_exec_env_t env, uint32_t retptr)
{
	uint32_t size, arr, pairs[2 * 8];
	uint8_t *mem;
	int n = MIN(cur.argc, 8);

	ARG_UNUSED(env);
	/* The strings first, then the list of (pointer, length) that names them. */
	for (int i = 0; i < n; i++) {
		pairs[2 * i + 1] = strlen(cur.argv[i]);
		pairs[2 * i] = guest_copy(cur.argv[i], pairs[2 * i + 1], 1);
		if (!pairs[2 * i]) {
			trap("ioring: no memory for the arguments");
			return;
		}
	}
	for (int i = 0; i < 2 * n; i++)
		pairs[i] = sys_cpu_to_le32(pairs[i]);
	arr = guest_copy(pairs, 8u * n, 4);
	mem = g_mem(NULL, &size);
	if (!arr || (retptr & 3u) || !ior_abi_range_ok(size, retptr, 8)) {
		trap("ioring: return area outside memory");
		return;
	}
	sys_put_le32(arr, mem + retptr);
	sys_put_le32((uint32_t)n, mem + retptr + 4);
}

static void n_env_get_environment(wasm_exec_env_t env, uint32_t retptr)
{
	uint32_t size;
	uint8_t *mem = g_mem(NULL, &size);

	ARG_UNUSED(env);
	if ((retptr & 3u) || !ior_abi_range_ok(size, retptr, 8)) {
		trap("ioring: return area outside memory");
		return;
	}
	/* An empty list: a pointer of its alignment, no elements. */
	sys_put_le32(4, mem + retptr);
	sys_put_le32(0, mem + retptr + 4);
}

static void n_env_initial_cwd(wasm_exec_env_t env, uint32_t retptr)
{
	uint32_t size;
	uint8_t *mem = g_mem(NULL, &size);

	ARG_UNUSED(env);
	if ((retptr & 3u) || !ior_abi_range_ok(size, retptr, 12)) {
		trap("ioring: return area outside memory");
		return;
	}
	mem[retptr] = 0; /* none */
}

static uint32_t n_clock_time_get(wasm_exec_env_t env, uint32_t id, uint64_t precision,
				 uint32_t time_ptr)
{
	uint32_t size;
	uint8_t *mem = g_mem(NULL, &size);
	uint64_t ns = k_ticks_to_ns_floor64(k_uptime_ticks());

	ARG_UNUSED(env);
	ARG_UNUSED(precision);
	if (id > 3)
		return WASI_EINVAL;
	if (!ior_abi_range_ok(size, time_ptr, 8))
		return WASI_EFAULT;
	/* Every clock counts from boot: there is no wall clock to read here. */
	sys_put_le64(ns, mem + time_ptr);
	return WASI_ESUCCESS;
}

static uint32_t n_fd_write(wasm_exec_env_t env, uint32_t fd, uint32_t iovs, uint32_t n,
			   uint32_t nwritten_ptr)
{
	uint32_t size, total = 0;
	uint8_t *mem = g_mem(NULL, &size);

	ARG_UNUSED(env);
	if (fd != 1 && fd != 2)
		return WASI_EBADF;
	if (!ior_abi_range_ok(size, iovs, 8ull * n) || !ior_abi_range_ok(size, nwritten_ptr, 4))
		return WASI_EFAULT;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t p = sys_get_le32(mem + iovs + 8 * i), len = sys_get_le32(mem + iovs + 8 * i + 4);

		if (!ior_abi_range_ok(size, p, len))
			return WASI_EFAULT;
		printk("%.*s", (int)len, (const char *)mem + p);
		total += len;
	}
	sys_put_le32(total, mem + nwritten_ptr);
	return WASI_ESUCCESS;
}

static uint32_t n_fd_fdstat_get(wasm_exec_env_t env, uint32_t fd, uint32_t stat_ptr)
{
	uint32_t size;
	uint8_t *mem = g_mem(NULL, &size);

	ARG_UNUSED(env);
	if (fd > 2)
		return WASI_EBADF;
	if (!ior_abi_range_ok(size, stat_ptr, 24))
		return WASI_EFAULT;
	/* The console: a character device, written and read as a stream. */
	memset(mem + stat_ptr, 0, 24);
	mem[stat_ptr] = 2; /* character_device */
	sys_put_le64(fd == 0 ? 0x2 /* fd_read */ : 0x40 /* fd_write */, mem + stat_ptr + 8);
	return WASI_ESUCCESS;
}

static uint32_t n_fd_seek(wasm_exec_env_t env, uint32_t fd, uint64_t offset, uint32_t whence,
			  uint32_t new_ptr)
{
	ARG_UNUSED(env);
	ARG_UNUSED(offset);
	ARG_UNUSED(whence);
	ARG_UNUSED(new_ptr);
	return fd > 2 ? WASI_EBADF : WASI_ESPIPE;
}

static uint32_t n_fd_close(wasm_exec_env_t env, uint32_t fd)
{
	ARG_UNUSED(env);
	ARG_UNUSED(fd);
	return WASI_EBADF;
}

/* --- the table of natives ---------------------------------------------------------------- */

#define NATIVE(name, fn, sig) {name, (void *)fn, sig, NULL}

static NativeSymbol ior_ring_natives[] = {
	NATIVE("[static]ring.create", n_ring_create, "(ii)"),
	NATIVE("[resource-drop]ring", n_ring_drop, "(i)"),
	NATIVE("[method]ring.register-buffers", n_ring_register_buffers, "(iiii)"),
	NATIVE("[method]ring.buffer-read", n_ring_buffer_read, "(iiiii)"),
	NATIVE("[method]ring.buffer-write", n_ring_buffer_write, "(iiiiii)"),
};

static NativeSymbol ior_ring_natives_raw[] = {
	NATIVE("[method]ring.submit", n_ring_submit, "(iii)i"),
	NATIVE("[method]ring.complete", n_ring_complete, "(iiiiIi)"),
	NATIVE("[method]ring.enter", n_ring_enter, "(iiiiiiIi)"),
};

static NativeSymbol ior_grants_natives[] = {
	NATIVE("directory", n_grant_directory, "(iii)"),
	NATIVE("listener", n_grant_listener, "(iii)"),
	NATIVE("device", n_grant_device, "(iii)"),
};

static NativeSymbol ior_wasi_natives[] = {
	NATIVE("args_sizes_get", n_args_sizes_get, "(ii)i"),
	NATIVE("args_get", n_args_get, "(ii)i"),
	NATIVE("proc_exit", n_proc_exit, "(i)"),
	NATIVE("clock_time_get", n_clock_time_get, "(iIi)i"),
	NATIVE("fd_write", n_fd_write, "(iiii)i"),
	NATIVE("fd_fdstat_get", n_fd_fdstat_get, "(ii)i"),
	NATIVE("fd_seek", n_fd_seek, "(iIii)i"),
	NATIVE("fd_close", n_fd_close, "(i)i"),
};

static NativeSymbol ior_env_natives[] = {
	NATIVE("get-arguments", n_env_get_arguments, "(i)"),
	NATIVE("get-environment", n_env_get_environment, "(i)"),
	NATIVE("initial-cwd", n_env_initial_cwd, "(i)"),
};

static const struct {
	const char *module;
	NativeSymbol *symbols;
	uint32_t count;
} ior_import_modules[] = {
	{IOR_ABI_MODULE_RING, ior_ring_natives, ARRAY_SIZE(ior_ring_natives)},
	{IOR_ABI_MODULE_GRANTS, ior_grants_natives, ARRAY_SIZE(ior_grants_natives)},
	{"wasi_snapshot_preview1", ior_wasi_natives, ARRAY_SIZE(ior_wasi_natives)},
	{"wasi:cli/environment@0.2.0", ior_env_natives, ARRAY_SIZE(ior_env_natives)},
};

static int ior_runtime_init(void)
{
	RuntimeInitArgs init;

	if (ior_wamr_ready)
		return 0;
	memset(&init, 0, sizeof(init));
	init.mem_alloc_type = Alloc_With_Pool;
	init.mem_alloc_option.pool.heap_buf = ior_wamr_pool;
	init.mem_alloc_option.pool.heap_size = sizeof(ior_wamr_pool);
	if (!wasm_runtime_full_init(&init))
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(ior_import_modules); i++) {
		if (!wasm_runtime_register_natives(ior_import_modules[i].module,
						   ior_import_modules[i].symbols,
						   ior_import_modules[i].count))
			return -ENOMEM;
	}
	if (!wasm_runtime_register_natives_raw(IOR_ABI_MODULE_RING, ior_ring_natives_raw,
					       ARRAY_SIZE(ior_ring_natives_raw)))
		return -ENOMEM;
	ior_wamr_ready = true;
	return 0;
}

/* --- running a guest ---------------------------------------------------------------------- */

static void ior_teardown(void)
{
	ior_rings_drop_all();
#ifdef CONFIG_IORING_NET
	ior_net_close_all();
#endif
	ior_fs_close_all();
#ifdef CONFIG_IORING_GPIO
	ior_gpio_close_all();
#endif
	ior_handles_reset();
}

int ioring_run(uint8_t *wasm, size_t len, int argc, const char *const argv[])
{
	char err[128];
	wasm_module_t module;
	wasm_function_inst_t fn;
	uint32_t results[1] = {0};
	int status;

	status = ior_runtime_init();
	if (status < 0)
		return status;
	memset(&cur, 0, sizeof(cur));
	cur.argc = argc;
	cur.argv = argv;
	module = wasm_runtime_load(wasm, (uint32_t)len, err, sizeof(err));
	if (!module) {
		LOG_ERR("load: %s", err);
		return -EINVAL;
	}
	cur.inst = wasm_runtime_instantiate(module, CONFIG_IORING_GUEST_STACK_SIZE,
					    CONFIG_IORING_GUEST_HEAP_SIZE, err, sizeof(err));
	if (!cur.inst) {
		LOG_ERR("instantiate: %s", err);
		wasm_runtime_unload(module);
		return -ENOMEM;
	}
	cur.mem = wasm_runtime_get_default_memory(cur.inst);
	cur.env = wasm_runtime_create_exec_env(cur.inst, CONFIG_IORING_GUEST_STACK_SIZE);
	cur.realloc = wasm_runtime_lookup_function(cur.inst, "cabi_realloc");
	fn = wasm_runtime_lookup_function(cur.inst, "wasi:cli/run@0.2.0#run");
	if (!cur.env || !fn) {
		LOG_ERR("no exec env or no wasi:cli/run export");
		status = -EINVAL;
		goto out;
	}
	ior_handles_reset();
	/* WAMR calls _initialize itself only with its libc-wasi, which this host leaves out. */
	wasm_function_inst_t init = wasm_runtime_lookup_function(cur.inst, "_initialize");

	if ((!init || wasm_runtime_call_wasm(cur.env, init, 0, NULL)) &&
	    wasm_runtime_call_wasm(cur.env, fn, 0, results)) {
		/* run: func() -> result: the i32 is the result's case, 0 for ok. */
		status = results[0] == 0 ? 0 : 1;
	} else if (cur.exited) {
		status = cur.exit_code;
	} else {
		LOG_ERR("guest trapped: %s", wasm_runtime_get_exception(cur.inst));
		status = IORING_TRAPPED;
	}
	ior_teardown();
out:
	if (cur.env)
		wasm_runtime_destroy_exec_env(cur.env);
	wasm_runtime_deinstantiate(cur.inst);
	wasm_runtime_unload(module);
	memset(&cur, 0, sizeof(cur));
	return status;
}
