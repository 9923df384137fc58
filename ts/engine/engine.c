/*
 * engine.c - a JavaScript engine for ioring apps, built as a C guest: QuickJS-ng compiled with
 * the C SDK's toolchain, the ring and grants bound in C, and the app's own bytecode (compiled
 * by a native qjsc from the same sources) linked in as `ioring_app_bytecode`.
 *
 * The app's bundle imports the WIT interfaces as ES modules, shaped as jco and componentize-qjs
 * present them (records as objects with camelCase fields, variants as {tag, val}, enums as
 * strings, flags as objects of booleans, list<u8> as Uint8Array, u64 as BigInt (a number is
 * taken too), option as the value or undefined, result errors thrown as the error code):
 *
 *   ioring:ring/ring@0.1.0       Ring: static create(entries), submit, complete,
 *                                registerBuffers, bufferRead, bufferWrite, [Symbol.dispose]
 *   ioring:ring/grants@0.1.0     directory, listener, device
 *   wasi:cli/environment@0.2.0   getArguments, getEnvironment, initialCwd
 *
 * The loop is this file's: the app's module is evaluated, its `run` export's run() starts the
 * app's main function and returns a step function (engine/backend.js); then, until the step
 * says the app is over, every pending job (promise reactions, with QuickJS's native promises)
 * runs, and the step takes one turn of the rings (one submit, one blocking complete).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "internal.h"
#include "packed.h"
#include "ioring.h"
#include "quickjs.h"

#ifndef ENGINE_GC_THRESHOLD
#define ENGINE_GC_THRESHOLD (256 * 1024)
#endif

extern const uint32_t ioring_app_bytecode_size;
extern const uint8_t ioring_app_bytecode[];

#define countof(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Atoms and names ----------------------------------------------------------------------- */

#define ATOMS(X)                                                                                  \
	X(op) X(tag) X(val) X(userData) X(flags) X(fd) X(len) X(offset) X(data) X(to) X(dir)        \
	X(path) X(mode) X(removeDir) X(oldDir) X(oldPath) X(newDir) X(newPath) X(noFollow)          \
	X(durationNs) X(count) X(target) X(all) X(events) X(multishot) X(segments) X(messages)      \
	X(tx) X(rxLen) X(speedHz) X(bitsPerWord) X(csChange) X(delayUs) X(address) X(write)         \
	X(readLen) X(tenBit) X(raw) X(baud) X(dataBits) X(parity) X(stopBits)                       \
	X(hardwareFlowControl) X(buffer) X(bufferOffset) X(link) X(hardLink) X(drain) X(port)       \
	X(flowInfo) X(scopeId) X(read) X(create) X(exclusive) X(truncate) X(append) X(directory)    \
	X(nonblock) X(noCtty) X(readable) X(writable) X(priority) X(error) X(hangUp)                \
	X(readHangUp) X(res) X(more) X(detail) X(type) X(size) X(links) X(modifiedNs) X(run)       \
	X(group) X(interfaceName) X(chip) X(line) X(direction) X(bias) X(activeLow) X(edges)      \
	X(initial) X(rising) X(falling) X(timestampNs) X(seqno)

enum {
#define X(name) A_##name,
	ATOMS(X)
#undef X
	A__COUNT
};

static const char *const atom_names[] = {
#define X(name) #name,
	ATOMS(X)
#undef X
};

static JSAtom atoms[A__COUNT];
#define AT(name) atoms[A_##name]

/* The names of a WIT enum or variant, in case order: looked up by atom, made as strings once. */
struct names {
	const char *const *names;
	unsigned n;
	JSAtom *atoms;
	JSValue *strings;
};

static const char *const op_names[] = {
	"nop", "read", "write", "read-fixed", "write-fixed", "send", "recv", "recv-multishot",
	"recvmsg", "sendmsg", "accept", "accept-multishot", "connect", "socket", "bind", "listen",
	"set-option", "shutdown", "openat", "close", "fsync", "statx", "timeout", "link-timeout",
	"cancel", "poll", "spi-transfer", "i2c-transfer", "tty-configure", "local-address",
	"ftruncate", "mkdirat", "unlinkat", "renameat", "gpio-request", "gpio-get", "gpio-set",
	"gpio-edges",
};
_Static_assert(countof(op_names) == IORING_RING_TYPES_OP_GPIO_EDGES + 1, "op cases");

static const char *const error_names[] = {
	"access", "address-in-use", "address-not-available", "address-family-not-supported",
	"again", "already", "bad-descriptor", "busy", "canceled", "connection-aborted",
	"connection-refused", "connection-reset", "destination-address-required", "exists",
	"file-too-large", "host-unreachable", "in-progress", "interrupted", "invalid", "io",
	"is-connected", "is-directory", "loop", "too-many-handles", "message-size", "name-too-long",
	"network-unreachable", "no-buffers", "no-device", "no-entry", "no-memory", "no-space",
	"not-connected", "not-directory", "not-empty", "not-supported", "not-a-tty",
	"no-such-device-or-address", "not-permitted", "pipe", "protocol-not-supported", "range",
	"read-only", "timed-out", "cross-device", "unknown",
};
_Static_assert(countof(error_names) == IORING_RING_TYPES_ERROR_CODE_UNKNOWN + 1, "error codes");
_Static_assert(IORING_RING_TYPES_ERROR_CODE_TIMED_OUT == 43, "error code order");
_Static_assert(IORING_RING_TYPES_ERROR_CODE_NO_ENTRY == 29, "error code order");

static const char *const addr_names[] = { "ipv4", "ipv6", "unix" };
static const char *const sockopt_names[] = {
	"reuse-address", "reuse-port", "tcp-no-delay", "ipv6-only", "keep-alive",
	"receive-buffer-size", "send-buffer-size", "multicast-join", "multicast-leave",
	"multicast-interface", "multicast-loop", "multicast-ttl", "bind-to-device",
};
_Static_assert(countof(sockopt_names) == IORING_RING_TYPES_SOCKET_OPTION_BIND_TO_DEVICE + 1, "");
static const char *const ipaddr_names[] = { "ipv4", "ipv6" };
static const char *const gpio_dir_names[] = { "input", "output" };
static const char *const gpio_bias_names[] = { "as-is", "disabled", "pull-up", "pull-down" };
static const char *const family_names[] = { "ipv4", "ipv6", "unix" };
static const char *const socktype_names[] = { "stream", "datagram", "seqpacket" };
static const char *const shutdown_names[] = { "read", "write", "both" };
static const char *const parity_names[] = { "none", "odd", "even" };
static const char *const filetype_names[] = {
	"regular", "directory", "symlink", "character-device", "block-device", "fifo", "socket",
	"unknown",
};
static const char *const detail_names[] = {
	"none", "handle", "accepted", "peer", "stat", "address", "gpio-edge",
};
_Static_assert(countof(detail_names) == IORING_RING_TYPES_CQE_DETAIL_GPIO_EDGE + 1, "details");
static const char *const result_names[] = { "ok", "err" };

#define NAMES(var, list) \
	static JSAtom var##_atoms[countof(list)]; \
	static JSValue var##_strings[countof(list)]; \
	static struct names var = { list, countof(list), var##_atoms, var##_strings }

NAMES(ops, op_names);
NAMES(errors, error_names);
NAMES(addrs, addr_names);
NAMES(sockopts, sockopt_names);
NAMES(families, family_names);
NAMES(socktypes, socktype_names);
NAMES(shutdowns, shutdown_names);
NAMES(parities, parity_names);
NAMES(filetypes, filetype_names);
NAMES(details, detail_names);
NAMES(results, result_names);
NAMES(ipaddrs, ipaddr_names);
NAMES(gpio_dirs, gpio_dir_names);
NAMES(gpio_biases, gpio_bias_names);

static struct names *const all_names[] = {
	&ops, &errors, &addrs, &sockopts, &families, &socktypes, &shutdowns, &parities, &filetypes,
	&details, &results, &ipaddrs, &gpio_dirs, &gpio_biases,
};

static JSValue tagged(JSContext *ctx, const struct names *n, unsigned tag, JSValue val, bool has_val);
static void keep_wit_shapes(JSContext *ctx);

/*
 * What most CQEs carry: no detail and no bytes. One object of each serves them all (nothing in
 * the library writes to either; a zero-length Uint8Array has no element to write), which saves
 * three allocations per such CQE, a send's or a close's.
 */
static JSValue none_detail, no_bytes;

static void names_init(JSContext *ctx)
{
	for (unsigned i = 0; i < A__COUNT; i++)
		atoms[i] = JS_NewAtom(ctx, atom_names[i]);
	for (unsigned s = 0; s < countof(all_names); s++) {
		struct names *n = all_names[s];

		for (unsigned i = 0; i < n->n; i++) {
			n->atoms[i] = JS_NewAtom(ctx, n->names[i]);
			n->strings[i] = JS_AtomToString(ctx, n->atoms[i]);
		}
	}
	none_detail = tagged(ctx, &details, IORING_RING_TYPES_CQE_DETAIL_NONE, JS_UNDEFINED, false);
	no_bytes = JS_NewUint8ArrayCopy(ctx, NULL, 0);
	keep_wit_shapes(ctx);
}

/* The case of @v (a string) in @n, or -1 with an exception thrown. */
static int name_of(JSContext *ctx, const struct names *n, JSValueConst v, const char *what)
{
	JSAtom a;

	if (!JS_IsString(v)) {
		JS_ThrowTypeError(ctx, "%s: not a string", what);
		return -1;
	}
	a = JS_ValueToAtom(ctx, v);
	for (unsigned i = 0; i < n->n; i++) {
		if (n->atoms[i] == a) {
			JS_FreeAtom(ctx, a);
			return (int)i;
		}
	}
	JS_FreeAtom(ctx, a);
	{
		const char *s = JS_ToCString(ctx, v);

		JS_ThrowTypeError(ctx, "%s: unknown case '%s'", what, s ? s : "?");
		JS_FreeCString(ctx, s);
	}
	return -1;
}

static inline JSValue name_string(JSContext *ctx, const struct names *n, unsigned i)
{
	return JS_DupValue(ctx, n->strings[i < n->n ? i : n->n - 1]);
}

/* ---- Reading JS values into the bindings' C types -------------------------------------------- */

/*
 * What one submit borrowed or allocated: strings from JS_ToCStringLen and arrays of segments or
 * messages, released once the host has copied the batch.
 */
struct scratch {
	JSContext *ctx;
	const char **strs;
	unsigned nstrs, capstrs;
	void **blocks;
	unsigned nblocks, capblocks;
};

static int scratch_push(void ***arr, unsigned *n, unsigned *cap, void *p)
{
	if (*n == *cap) {
		unsigned c = *cap ? *cap * 2 : 8;
		void **a = realloc(*arr, c * sizeof(void *));

		if (!a)
			return -1;
		*arr = a;
		*cap = c;
	}
	(*arr)[(*n)++] = p;
	return 0;
}

static void scratch_release(struct scratch *s)
{
	for (unsigned i = 0; i < s->nstrs; i++)
		JS_FreeCString(s->ctx, s->strs[i]);
	for (unsigned i = 0; i < s->nblocks; i++)
		free(s->blocks[i]);
	s->nstrs = s->nblocks = 0;
}

/* Property @atom of @obj; the caller frees it. */
static inline JSValue prop(JSContext *ctx, JSValueConst obj, JSAtom atom)
{
	return JS_GetProperty(ctx, obj, atom);
}

static int to_u32(JSContext *ctx, JSValueConst v, uint32_t *out)
{
	if (JS_VALUE_GET_TAG(v) == JS_TAG_INT) {
		*out = (uint32_t)JS_VALUE_GET_INT(v);
		return 0;
	}
	return JS_ToUint32(ctx, out, v);
}

static int get_u32(JSContext *ctx, JSValueConst obj, JSAtom atom, uint32_t *out)
{
	JSValue v = prop(ctx, obj, atom);
	int r = to_u32(ctx, v, out);

	JS_FreeValue(ctx, v);
	return r;
}

static int get_u16(JSContext *ctx, JSValueConst obj, JSAtom atom, uint16_t *out)
{
	uint32_t x;

	if (get_u32(ctx, obj, atom, &x))
		return -1;
	*out = (uint16_t)x;
	return 0;
}

static int get_u8(JSContext *ctx, JSValueConst obj, JSAtom atom, uint8_t *out)
{
	uint32_t x;

	if (get_u32(ctx, obj, atom, &x))
		return -1;
	*out = (uint8_t)x;
	return 0;
}

static int get_bool(JSContext *ctx, JSValueConst obj, JSAtom atom, bool *out)
{
	JSValue v = prop(ctx, obj, atom);
	int r = JS_ToBool(ctx, v);

	JS_FreeValue(ctx, v);
	if (r < 0)
		return -1;
	*out = r;
	return 0;
}

/* A u64: a BigInt (jco's form) or a number (componentize-qjs's). */
static int to_u64(JSContext *ctx, JSValueConst v, uint64_t *out)
{
	if (JS_IsBigInt(v))
		return JS_ToBigUint64(ctx, out, v);
	if (JS_VALUE_GET_TAG(v) == JS_TAG_INT && JS_VALUE_GET_INT(v) >= 0) {
		*out = (uint64_t)JS_VALUE_GET_INT(v);
		return 0;
	}
	{
		int64_t x;

		if (JS_ToInt64(ctx, &x, v))
			return -1;
		*out = (uint64_t)x;
	}
	return 0;
}

static int get_u64(JSContext *ctx, JSValueConst obj, JSAtom atom, uint64_t *out)
{
	JSValue v = prop(ctx, obj, atom);
	int r = to_u64(ctx, v, out);

	JS_FreeValue(ctx, v);
	return r;
}

static int get_opt_u64(JSContext *ctx, JSValueConst obj, JSAtom atom, app_option_u64_t *out)
{
	JSValue v = prop(ctx, obj, atom);
	int r = 0;

	out->is_some = !JS_IsUndefined(v) && !JS_IsNull(v);
	if (out->is_some)
		r = to_u64(ctx, v, &out->val);
	JS_FreeValue(ctx, v);
	return r;
}

/*
 * Bytes of a Uint8Array (or any typed array or ArrayBuffer), borrowed: the SQE list the caller
 * passed keeps the array alive until submit returns.
 */
static int to_bytes(JSContext *ctx, JSValueConst v, app_list_u8_t *out)
{
	size_t len;
	uint8_t *p = JS_GetUint8Array(ctx, &len, v);

	if (!p) {
		size_t off, blen, per;
		JSValue ab;

		JS_FreeValue(ctx, JS_GetException(ctx));
		ab = JS_GetTypedArrayBuffer(ctx, v, &off, &blen, &per);
		if (!JS_IsException(ab)) {
			p = JS_GetArrayBuffer(ctx, &len, ab);
			JS_FreeValue(ctx, ab);
			if (p) {
				p += off;
				len = blen;
			}
		} else {
			JS_FreeValue(ctx, JS_GetException(ctx));
			p = JS_GetArrayBuffer(ctx, &len, v);
		}
		if (!p) {
			JS_FreeValue(ctx, JS_GetException(ctx));
			JS_ThrowTypeError(ctx, "expected a Uint8Array");
			return -1;
		}
	}
	out->ptr = len ? p : NULL;
	out->len = len;
	return 0;
}

static int get_bytes(JSContext *ctx, JSValueConst obj, JSAtom atom, app_list_u8_t *out)
{
	JSValue v = prop(ctx, obj, atom);
	int r = to_bytes(ctx, v, out);

	JS_FreeValue(ctx, v);
	return r;
}

static int to_string(struct scratch *s, JSValueConst v, app_string_t *out)
{
	size_t len;
	const char *str = JS_ToCStringLen(s->ctx, &len, v);

	if (!str)
		return -1;
	if (scratch_push((void ***)&s->strs, &s->nstrs, &s->capstrs, (void *)str)) {
		JS_FreeCString(s->ctx, str);
		JS_ThrowOutOfMemory(s->ctx);
		return -1;
	}
	out->ptr = (uint8_t *)str;
	out->len = len;
	return 0;
}

static int get_string(struct scratch *s, JSValueConst obj, JSAtom atom, app_string_t *out)
{
	JSValue v = prop(s->ctx, obj, atom);
	int r = to_string(s, v, out);

	JS_FreeValue(s->ctx, v);
	return r;
}

static int get_name(JSContext *ctx, JSValueConst obj, JSAtom atom, const struct names *n,
		    const char *what)
{
	JSValue v = prop(ctx, obj, atom);
	int r = name_of(ctx, n, v, what);

	JS_FreeValue(ctx, v);
	return r;
}

/* Flags: an object of booleans, the n-th name the n-th bit. */
static int to_flags(JSContext *ctx, JSValueConst v, const JSAtom *names, unsigned n, uint32_t *out)
{
	*out = 0;
	if (JS_IsUndefined(v) || JS_IsNull(v))
		return 0;
	for (unsigned i = 0; i < n; i++) {
		bool b;

		if (get_bool(ctx, v, names[i], &b))
			return -1;
		if (b)
			*out |= 1u << i;
	}
	return 0;
}

static int get_flags(JSContext *ctx, JSValueConst obj, JSAtom atom, const JSAtom *names, unsigned n,
		     uint32_t *out)
{
	JSValue v = prop(ctx, obj, atom);
	int r = to_flags(ctx, v, names, n, out);

	JS_FreeValue(ctx, v);
	return r;
}

/* Element @i of an array (a tuple). */
static inline JSValue elem(JSContext *ctx, JSValueConst arr, uint32_t i)
{
	return JS_GetPropertyUint32(ctx, arr, i);
}

static int elem_u32(JSContext *ctx, JSValueConst arr, uint32_t i, uint32_t *out)
{
	JSValue v = elem(ctx, arr, i);
	int r = to_u32(ctx, v, out);

	JS_FreeValue(ctx, v);
	return r;
}

static int to_sockaddr(struct scratch *s, JSValueConst v, ioring_ring_types_socket_address_t *out)
{
	JSContext *ctx = s->ctx;
	JSValue val, arr;
	int tag, r = -1;

	if (!JS_IsObject(v)) {
		JS_ThrowTypeError(ctx, "socket-address: not an object");
		return -1;
	}
	tag = get_name(ctx, v, AT(tag), &addrs, "socket-address");
	if (tag < 0)
		return -1;
	out->tag = (uint8_t)tag;
	val = prop(ctx, v, AT(val));
	switch (tag) {
	case IORING_RING_TYPES_SOCKET_ADDRESS_IPV4: {
		ioring_ring_types_ipv4_socket_address_t *a = &out->val.ipv4;
		uint32_t o[4];

		if (get_u16(ctx, val, AT(port), &a->port))
			break;
		arr = prop(ctx, val, AT(address));
		for (int i = 0; i < 4; i++) {
			if (elem_u32(ctx, arr, i, &o[i]))
				goto bad4;
		}
		a->address.f0 = o[0], a->address.f1 = o[1], a->address.f2 = o[2], a->address.f3 = o[3];
		r = 0;
bad4:
		JS_FreeValue(ctx, arr);
		break;
	}
	case IORING_RING_TYPES_SOCKET_ADDRESS_IPV6: {
		ioring_ring_types_ipv6_socket_address_t *a = &out->val.ipv6;
		uint32_t g[8];

		if (get_u16(ctx, val, AT(port), &a->port) ||
		    get_u32(ctx, val, AT(flowInfo), &a->flow_info) ||
		    get_u32(ctx, val, AT(scopeId), &a->scope_id))
			break;
		arr = prop(ctx, val, AT(address));
		for (int i = 0; i < 8; i++) {
			if (elem_u32(ctx, arr, i, &g[i]))
				goto bad6;
		}
		a->address.f0 = g[0], a->address.f1 = g[1], a->address.f2 = g[2], a->address.f3 = g[3];
		a->address.f4 = g[4], a->address.f5 = g[5], a->address.f6 = g[6], a->address.f7 = g[7];
		r = 0;
bad6:
		JS_FreeValue(ctx, arr);
		break;
	}
	default:
		r = to_string(s, val, &out->val.unix);
		break;
	}
	JS_FreeValue(ctx, val);
	return r;
}

/* A tuple<handle, T> from an array: its handle, and its second element (the caller frees). */
static int tuple_handle(JSContext *ctx, JSValueConst arr, uint32_t *h, JSValue *second)
{
	if (elem_u32(ctx, arr, 0, h))
		return -1;
	*second = elem(ctx, arr, 1);
	return 0;
}

/* An ip-address: { tag: 'ipv4' | 'ipv6', val: [octets] | [groups] }. */
static int to_ipaddr(JSContext *ctx, JSValueConst v, ioring_ring_types_ip_address_t *out)
{
	JSValue arr;
	uint32_t g[8];
	int tag = get_name(ctx, v, AT(tag), &ipaddrs, "ip-address"), n, r = -1;

	if (tag < 0)
		return -1;
	out->tag = (uint8_t)tag;
	n = tag == IORING_RING_TYPES_IP_ADDRESS_IPV4 ? 4 : 8;
	arr = prop(ctx, v, AT(val));
	for (int i = 0; i < n; i++) {
		if (elem_u32(ctx, arr, i, &g[i]))
			goto out;
	}
	if (n == 4) {
		app_tuple4_u8_u8_u8_u8_t *o = &out->val.ipv4;

		o->f0 = g[0], o->f1 = g[1], o->f2 = g[2], o->f3 = g[3];
	} else {
		app_tuple8_u16_u16_u16_u16_u16_u16_u16_u16_t *a = &out->val.ipv6;

		a->f0 = g[0], a->f1 = g[1], a->f2 = g[2], a->f3 = g[3];
		a->f4 = g[4], a->f5 = g[5], a->f6 = g[6], a->f7 = g[7];
	}
	r = 0;
out:
	JS_FreeValue(ctx, arr);
	return r;
}

static int to_sockopt(struct scratch *s, JSValueConst v, ioring_ring_types_socket_option_t *out)
{
	JSContext *ctx = s->ctx;
	JSValue val, group;
	int tag = get_name(ctx, v, AT(tag), &sockopts, "socket-option"), r;
	uint32_t ttl;

	if (tag < 0)
		return -1;
	out->tag = (uint8_t)tag;
	val = prop(ctx, v, AT(val));
	switch (tag) {
	case IORING_RING_TYPES_SOCKET_OPTION_MULTICAST_JOIN:
	case IORING_RING_TYPES_SOCKET_OPTION_MULTICAST_LEAVE:
		group = prop(ctx, val, AT(group));
		r = to_ipaddr(ctx, group, &out->val.multicast_join.group) ||
		    get_string(s, val, AT(interfaceName), &out->val.multicast_join.interface_name) ? -1 : 0;
		JS_FreeValue(ctx, group);
		JS_FreeValue(ctx, val);
		return r;
	case IORING_RING_TYPES_SOCKET_OPTION_MULTICAST_INTERFACE:
	case IORING_RING_TYPES_SOCKET_OPTION_BIND_TO_DEVICE:
		r = to_string(s, val, &out->val.bind_to_device);
		JS_FreeValue(ctx, val);
		return r;
	case IORING_RING_TYPES_SOCKET_OPTION_MULTICAST_TTL:
		r = to_u32(ctx, val, &ttl);
		out->val.multicast_ttl = (uint8_t)ttl;
		JS_FreeValue(ctx, val);
		return r;
	default:
		break;
	}
	if (tag == IORING_RING_TYPES_SOCKET_OPTION_RECEIVE_BUFFER_SIZE ||
	    tag == IORING_RING_TYPES_SOCKET_OPTION_SEND_BUFFER_SIZE) {
		r = to_u32(ctx, val, &out->val.receive_buffer_size);
	} else {
		r = JS_ToBool(ctx, val);
		if (r >= 0) {
			out->val.reuse_address = r;
			r = 0;
		}
	}
	JS_FreeValue(ctx, val);
	return r;
}

static int to_tty_config(JSContext *ctx, JSValueConst v, ioring_ring_types_tty_config_t *c)
{
	int p;

	if (get_bool(ctx, v, AT(raw), &c->raw) || get_u32(ctx, v, AT(baud), &c->baud) ||
	    get_u8(ctx, v, AT(dataBits), &c->data_bits) || get_u8(ctx, v, AT(stopBits), &c->stop_bits) ||
	    get_bool(ctx, v, AT(hardwareFlowControl), &c->hardware_flow_control))
		return -1;
	p = get_name(ctx, v, AT(parity), &parities, "parity");
	if (p < 0)
		return -1;
	c->parity = (uint8_t)p;
	return 0;
}

static int array_length(JSContext *ctx, JSValueConst arr, uint32_t *n)
{
	int64_t len;

	if (JS_GetLength(ctx, arr, &len))
		return -1;
	if (len < 0 || len > 0xffffff) {
		JS_ThrowRangeError(ctx, "array too long");
		return -1;
	}
	*n = (uint32_t)len;
	return 0;
}

static void *scratch_alloc(struct scratch *s, size_t size)
{
	void *p = calloc(1, size ? size : 1);

	if (!p || scratch_push(&s->blocks, &s->nblocks, &s->capblocks, p)) {
		free(p);
		JS_ThrowOutOfMemory(s->ctx);
		return NULL;
	}
	return p;
}

static int to_spi(struct scratch *s, JSValueConst v, ioring_ring_types_spi_args_t *a)
{
	JSContext *ctx = s->ctx;
	JSValue segs;
	uint32_t n;
	int r = -1;

	if (get_u32(ctx, v, AT(fd), &a->fd))
		return -1;
	segs = prop(ctx, v, AT(segments));
	if (array_length(ctx, segs, &n))
		goto out;
	a->segments.len = n;
	a->segments.ptr = scratch_alloc(s, n * sizeof(*a->segments.ptr));
	if (!a->segments.ptr)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		ioring_ring_types_spi_segment_t *g = &a->segments.ptr[i];
		JSValue e = elem(ctx, segs, i);
		int bad = get_bytes(ctx, e, AT(tx), &g->tx) || get_u32(ctx, e, AT(rxLen), &g->rx_len) ||
			  get_u32(ctx, e, AT(speedHz), &g->speed_hz) ||
			  get_u8(ctx, e, AT(bitsPerWord), &g->bits_per_word) ||
			  get_bool(ctx, e, AT(csChange), &g->cs_change) ||
			  get_u16(ctx, e, AT(delayUs), &g->delay_us);

		JS_FreeValue(ctx, e);
		if (bad)
			goto out;
	}
	r = 0;
out:
	JS_FreeValue(ctx, segs);
	return r;
}

static int to_i2c(struct scratch *s, JSValueConst v, ioring_ring_types_i2c_args_t *a)
{
	JSContext *ctx = s->ctx;
	JSValue msgs;
	uint32_t n;
	int r = -1;

	if (get_u32(ctx, v, AT(fd), &a->fd))
		return -1;
	msgs = prop(ctx, v, AT(messages));
	if (array_length(ctx, msgs, &n))
		goto out;
	a->messages.len = n;
	a->messages.ptr = scratch_alloc(s, n * sizeof(*a->messages.ptr));
	if (!a->messages.ptr)
		goto out;
	for (uint32_t i = 0; i < n; i++) {
		ioring_ring_types_i2c_message_t *m = &a->messages.ptr[i];
		JSValue e = elem(ctx, msgs, i);
		int bad = get_u16(ctx, e, AT(address), &m->address) ||
			  get_bytes(ctx, e, AT(write), &m->write) ||
			  get_u32(ctx, e, AT(readLen), &m->read_len) ||
			  get_bool(ctx, e, AT(tenBit), &m->ten_bit);

		JS_FreeValue(ctx, e);
		if (bad)
			goto out;
	}
	r = 0;
out:
	JS_FreeValue(ctx, msgs);
	return r;
}

static JSAtom sqe_flag_atoms[3], open_flag_atoms[9], poll_flag_atoms[6], gpio_edge_atoms[2];

static int to_gpio_request(JSContext *ctx, JSValueConst v, ioring_ring_types_gpio_request_args_t *a)
{
	uint32_t edges;
	int dir, bias;

	if (get_u32(ctx, v, AT(chip), &a->chip) || get_u32(ctx, v, AT(line), &a->line) ||
	    get_bool(ctx, v, AT(activeLow), &a->active_low) ||
	    get_bool(ctx, v, AT(initial), &a->initial) ||
	    get_flags(ctx, v, AT(edges), gpio_edge_atoms, 2, &edges))
		return -1;
	dir = get_name(ctx, v, AT(direction), &gpio_dirs, "gpio-direction");
	bias = dir < 0 ? -1 : get_name(ctx, v, AT(bias), &gpio_biases, "gpio-bias");
	if (bias < 0)
		return -1;
	a->direction = (uint8_t)dir;
	a->bias = (uint8_t)bias;
	a->edges = (uint8_t)edges;
	return 0;
}

static int to_op(struct scratch *s, JSValueConst opv, ioring_ring_types_op_t *op)
{
	JSContext *ctx = s->ctx;
	ioring_ring_types_op_t *o = op;
	JSValue v, second = JS_UNDEFINED;
	uint32_t x;
	int tag, r = -1;

	if (!JS_IsObject(opv)) {
		JS_ThrowTypeError(ctx, "op: not an object");
		return -1;
	}
	tag = get_name(ctx, opv, AT(tag), &ops, "op");
	if (tag < 0)
		return -1;
	o->tag = (uint8_t)tag;
	v = prop(ctx, opv, AT(val));
	switch (tag) {
	case IORING_RING_TYPES_OP_NOP:
		r = 0;
		break;
	case IORING_RING_TYPES_OP_READ:
		r = get_u32(ctx, v, AT(fd), &o->val.read.fd) || get_u32(ctx, v, AT(len), &o->val.read.len) ||
		    get_opt_u64(ctx, v, AT(offset), &o->val.read.offset) ? -1 : 0;
		break;
	case IORING_RING_TYPES_OP_WRITE:
		r = get_u32(ctx, v, AT(fd), &o->val.write.fd) ||
		    get_bytes(ctx, v, AT(data), &o->val.write.data) ||
		    get_opt_u64(ctx, v, AT(offset), &o->val.write.offset) ? -1 : 0;
		break;
	case IORING_RING_TYPES_OP_READ_FIXED:
	case IORING_RING_TYPES_OP_WRITE_FIXED: {
		ioring_ring_types_fixed_args_t *a = &o->val.read_fixed;

		r = get_u32(ctx, v, AT(fd), &a->fd) || get_u32(ctx, v, AT(buffer), &a->buffer) ||
		    get_u32(ctx, v, AT(bufferOffset), &a->buffer_offset) ||
		    get_u32(ctx, v, AT(len), &a->len) || get_opt_u64(ctx, v, AT(offset), &a->offset) ? -1 : 0;
		break;
	}
	case IORING_RING_TYPES_OP_SEND:
		r = get_u32(ctx, v, AT(fd), &o->val.send.fd) ||
		    get_bytes(ctx, v, AT(data), &o->val.send.data) ? -1 : 0;
		break;
	case IORING_RING_TYPES_OP_RECV:
	case IORING_RING_TYPES_OP_RECV_MULTISHOT:
	case IORING_RING_TYPES_OP_RECVMSG:
		r = get_u32(ctx, v, AT(fd), &o->val.recv.fd) || get_u32(ctx, v, AT(len), &o->val.recv.len) ? -1 : 0;
		break;
	case IORING_RING_TYPES_OP_SENDMSG: {
		ioring_ring_types_sendmsg_args_t *a = &o->val.sendmsg;
		JSValue to;

		if (get_u32(ctx, v, AT(fd), &a->fd) || get_bytes(ctx, v, AT(data), &a->data))
			break;
		to = prop(ctx, v, AT(to));
		a->to.is_some = !JS_IsUndefined(to) && !JS_IsNull(to);
		r = a->to.is_some ? to_sockaddr(s, to, &a->to.val) : 0;
		JS_FreeValue(ctx, to);
		break;
	}
	case IORING_RING_TYPES_OP_ACCEPT:
	case IORING_RING_TYPES_OP_ACCEPT_MULTISHOT:
	case IORING_RING_TYPES_OP_CLOSE:
	case IORING_RING_TYPES_OP_LOCAL_ADDRESS:
		r = to_u32(ctx, v, &o->val.accept);
		break;
	case IORING_RING_TYPES_OP_CONNECT:
	case IORING_RING_TYPES_OP_BIND:
		if (tuple_handle(ctx, v, &o->val.connect.f0, &second))
			break;
		r = to_sockaddr(s, second, &o->val.connect.f1);
		break;
	case IORING_RING_TYPES_OP_SOCKET: {
		JSValue f = elem(ctx, v, 0), t = elem(ctx, v, 1);
		int fam = name_of(ctx, &families, f, "address-family");
		int typ = fam < 0 ? -1 : name_of(ctx, &socktypes, t, "socket-type");

		JS_FreeValue(ctx, f);
		JS_FreeValue(ctx, t);
		if (typ < 0)
			break;
		o->val.socket.f0 = (uint8_t)fam;
		o->val.socket.f1 = (uint8_t)typ;
		r = 0;
		break;
	}
	case IORING_RING_TYPES_OP_LISTEN:
		if (tuple_handle(ctx, v, &o->val.listen.f0, &second))
			break;
		r = to_u32(ctx, second, &o->val.listen.f1);
		break;
	case IORING_RING_TYPES_OP_SET_OPTION:
		if (tuple_handle(ctx, v, &o->val.set_option.f0, &second))
			break;
		r = to_sockopt(s, second, &o->val.set_option.f1);
		break;
	case IORING_RING_TYPES_OP_SHUTDOWN: {
		int how;

		if (tuple_handle(ctx, v, &o->val.shutdown.f0, &second))
			break;
		how = name_of(ctx, &shutdowns, second, "shutdown-how");
		if (how < 0)
			break;
		o->val.shutdown.f1 = (uint8_t)how;
		r = 0;
		break;
	}
	case IORING_RING_TYPES_OP_OPENAT: {
		ioring_ring_types_openat_args_t *a = &o->val.openat;

		if (get_u32(ctx, v, AT(dir), &a->dir) || get_string(s, v, AT(path), &a->path) ||
		    get_flags(ctx, v, AT(flags), open_flag_atoms, 9, &x) ||
		    get_u32(ctx, v, AT(mode), &a->mode))
			break;
		a->flags = (uint16_t)x;
		r = 0;
		break;
	}
	case IORING_RING_TYPES_OP_FSYNC: {
		int b;

		if (tuple_handle(ctx, v, &o->val.fsync.f0, &second))
			break;
		b = JS_ToBool(ctx, second);
		if (b < 0)
			break;
		o->val.fsync.f1 = b;
		r = 0;
		break;
	}
	case IORING_RING_TYPES_OP_STATX:
		r = get_u32(ctx, v, AT(dir), &o->val.statx.dir) ||
		    get_string(s, v, AT(path), &o->val.statx.path) ||
		    get_bool(ctx, v, AT(noFollow), &o->val.statx.no_follow) ? -1 : 0;
		break;
	case IORING_RING_TYPES_OP_TIMEOUT:
		r = get_u64(ctx, v, AT(durationNs), &o->val.timeout.duration_ns) ||
		    get_u32(ctx, v, AT(count), &o->val.timeout.count) ? -1 : 0;
		break;
	case IORING_RING_TYPES_OP_LINK_TIMEOUT:
		r = to_u64(ctx, v, &o->val.link_timeout);
		break;
	case IORING_RING_TYPES_OP_CANCEL:
		r = get_u32(ctx, v, AT(target), &o->val.cancel.target) ||
		    get_bool(ctx, v, AT(all), &o->val.cancel.all) ? -1 : 0;
		break;
	case IORING_RING_TYPES_OP_POLL:
		if (get_u32(ctx, v, AT(fd), &o->val.poll.fd) ||
		    get_flags(ctx, v, AT(events), poll_flag_atoms, 6, &x) ||
		    get_bool(ctx, v, AT(multishot), &o->val.poll.multishot))
			break;
		o->val.poll.events = (uint8_t)x;
		r = 0;
		break;
	case IORING_RING_TYPES_OP_SPI_TRANSFER:
		r = to_spi(s, v, &o->val.spi_transfer);
		break;
	case IORING_RING_TYPES_OP_I2C_TRANSFER:
		r = to_i2c(s, v, &o->val.i2c_transfer);
		break;
	case IORING_RING_TYPES_OP_TTY_CONFIGURE:
		if (tuple_handle(ctx, v, &o->val.tty_configure.f0, &second))
			break;
		r = to_tty_config(ctx, second, &o->val.tty_configure.f1);
		break;
	case IORING_RING_TYPES_OP_FTRUNCATE:
		if (tuple_handle(ctx, v, &o->val.ftruncate.f0, &second))
			break;
		r = to_u64(ctx, second, &o->val.ftruncate.f1);
		break;
	case IORING_RING_TYPES_OP_MKDIRAT:
		r = get_u32(ctx, v, AT(dir), &o->val.mkdirat.dir) ||
		    get_string(s, v, AT(path), &o->val.mkdirat.path) ||
		    get_u32(ctx, v, AT(mode), &o->val.mkdirat.mode) ? -1 : 0;
		break;
	case IORING_RING_TYPES_OP_UNLINKAT:
		r = get_u32(ctx, v, AT(dir), &o->val.unlinkat.dir) ||
		    get_string(s, v, AT(path), &o->val.unlinkat.path) ||
		    get_bool(ctx, v, AT(removeDir), &o->val.unlinkat.remove_dir) ? -1 : 0;
		break;
	case IORING_RING_TYPES_OP_RENAMEAT:
		r = get_u32(ctx, v, AT(oldDir), &o->val.renameat.old_dir) ||
		    get_string(s, v, AT(oldPath), &o->val.renameat.old_path) ||
		    get_u32(ctx, v, AT(newDir), &o->val.renameat.new_dir) ||
		    get_string(s, v, AT(newPath), &o->val.renameat.new_path) ? -1 : 0;
		break;
	case IORING_RING_TYPES_OP_GPIO_REQUEST:
		r = to_gpio_request(ctx, v, &o->val.gpio_request);
		break;
	case IORING_RING_TYPES_OP_GPIO_GET:
	case IORING_RING_TYPES_OP_GPIO_EDGES:
		r = to_u32(ctx, v, &o->val.gpio_get);
		break;
	case IORING_RING_TYPES_OP_GPIO_SET: {
		int b;

		if (tuple_handle(ctx, v, &o->val.gpio_set.f0, &second))
			break;
		b = JS_ToBool(ctx, second);
		if (b < 0)
			break;
		o->val.gpio_set.f1 = b;
		r = 0;
		break;
	}
	}
	JS_FreeValue(ctx, second);
	JS_FreeValue(ctx, v);
	return r;
}

/* ---- Making JS values of the bindings' C types --------------------------------------------- */

/*
 * A plain object with @n own properties, as an object literal makes it: defined, not set, so
 * that no setter up the prototype chain is looked for (JS_NewObjectFrom sets). Takes the values.
 */
static JSValue new_object(JSContext *ctx, int n, const JSAtom *props, JSValue *vals)
{
	JSValue obj = JS_NewObject(ctx);
	int i = 0;

	if (JS_IsException(obj))
		goto fail;
	for (; i < n; i++) {
		if (JS_DefinePropertyValue(ctx, obj, props[i], vals[i], JS_PROP_C_W_E) < 0) {
			JS_FreeValue(ctx, obj);
			i++;
			goto fail;
		}
	}
	return obj;
fail:
	for (; i < n; i++)
		JS_FreeValue(ctx, vals[i]);
	return JS_EXCEPTION;
}

/*
 * QuickJS shares an object's shape with every object whose properties were added in the same
 * order, through a table of shapes, but frees a shape as soon as no object has it: so the
 * shapes of objects that live one turn of the loop (CQEs, SQEs and their parts) are made again
 * every turn, by cloning, one per property added (js_clone_shape, and js_free_shape0 a turn
 * later). An object kept for each prefix of a record's fields keeps the whole chain of its
 * shapes in the table, for the objects this file makes and for the app's object literals of
 * the same fields in the same order (an SQE as `{ op, userData, flags }`).
 */
static void keep_shapes(JSContext *ctx, int n, const JSAtom *props)
{
	JSValue vals[8];

	for (int k = 1; k <= n && k <= 8; k++) {
		for (int i = 0; i < k; i++)
			vals[i] = JS_UNDEFINED;
		/* Never freed: they live as long as the engine. */
		(void)new_object(ctx, k, props, vals);
	}
}

static void keep_wit_shapes(JSContext *ctx)
{
	static const int records[][6] = {
		/* The CQE, and its parts. */
		{ 5, A_userData, A_res, A_more, A_data, A_detail },
		{ 2, A_tag, A_val },
		{ 2, A_port, A_address },
		{ 4, A_port, A_flowInfo, A_address, A_scopeId },
		{ 5, A_type, A_size, A_mode, A_links, A_modifiedNs },
		/* The SQE, and the arguments of the operations a stream's turn makes. */
		{ 3, A_op, A_userData, A_flags },
		{ 2, A_fd, A_len },
		{ 2, A_fd, A_data },
		{ 3, A_fd, A_len, A_offset },
		{ 3, A_fd, A_data, A_offset },
		{ 2, A_target, A_all },
	};

	for (size_t r = 0; r < countof(records); r++) {
		JSAtom props[5];

		for (int i = 0; i < records[r][0]; i++)
			props[i] = atoms[records[r][i + 1]];
		keep_shapes(ctx, records[r][0], props);
	}
}

static JSValue tagged(JSContext *ctx, const struct names *n, unsigned tag, JSValue val, bool has_val)
{
	JSAtom props[2] = { AT(tag), AT(val) };
	JSValue vals[2] = { name_string(ctx, n, tag), val };

	return new_object(ctx, has_val ? 2 : 1, props, vals);
}

/*
 * CQEs come from the host packed (ring.enter; the layout is in wit/ring.wit) and are made into
 * JS objects straight from those bytes, with the shapes the record form had.
 */

/* A packed socket address (@len bytes at @p, __ior_packed_cqe_size checked). */
static JSValue from_sockaddr(JSContext *ctx, const uint8_t *p, size_t len)
{
	JSValue val;

	switch (p[0]) {
	case IORING_RING_TYPES_SOCKET_ADDRESS_IPV4: {
		JSValue octets[4] = { JS_NewInt32(ctx, p[4]), JS_NewInt32(ctx, p[5]),
				      JS_NewInt32(ctx, p[6]), JS_NewInt32(ctx, p[7]) };
		JSAtom props[2] = { AT(port), AT(address) };
		JSValue vals[2] = { JS_NewInt32(ctx, ior_le16(p + 2)), JS_NewArrayFrom(ctx, 4, octets) };

		val = new_object(ctx, 2, props, vals);
		break;
	}
	case IORING_RING_TYPES_SOCKET_ADDRESS_IPV6: {
		JSValue groups[8];
		JSAtom props[4] = { AT(port), AT(flowInfo), AT(address), AT(scopeId) };
		JSValue vals[4];

		for (int i = 0; i < 8; i++)
			groups[i] = JS_NewInt32(ctx, ior_le16(p + 8 + 2 * i));
		vals[0] = JS_NewInt32(ctx, ior_le16(p + 2));
		vals[1] = JS_NewUint32(ctx, ior_le32(p + 4));
		vals[2] = JS_NewArrayFrom(ctx, 8, groups);
		vals[3] = JS_NewUint32(ctx, ior_le32(p + 24));
		val = new_object(ctx, 4, props, vals);
		break;
	}
	default:
		val = JS_NewStringLen(ctx, (const char *)p + 4, len - 4);
		break;
	}
	return tagged(ctx, &addrs, p[0], val, true);
}

/* A packed detail of case @tag (@len bytes at @p, __ior_packed_cqe_size checked). */
static JSValue from_detail(JSContext *ctx, uint8_t tag, const uint8_t *p, size_t len)
{
	switch (tag) {
	case IORING_RING_TYPES_CQE_DETAIL_HANDLE:
		return tagged(ctx, &details, tag, JS_NewUint32(ctx, ior_le32(p)), true);
	case IORING_RING_TYPES_CQE_DETAIL_ACCEPTED: {
		JSValue pair[2] = { JS_NewUint32(ctx, ior_le32(p)), from_sockaddr(ctx, p + 4, len - 4) };

		return tagged(ctx, &details, tag, JS_NewArrayFrom(ctx, 2, pair), true);
	}
	case IORING_RING_TYPES_CQE_DETAIL_PEER:
	case IORING_RING_TYPES_CQE_DETAIL_ADDRESS:
		return tagged(ctx, &details, tag, from_sockaddr(ctx, p, len), true);
	case IORING_RING_TYPES_CQE_DETAIL_STAT: {
		JSAtom props[5] = { AT(type), AT(size), AT(mode), AT(links), AT(modifiedNs) };
		JSValue vals[5] = { name_string(ctx, &filetypes, p[0]), JS_NewBigUint64(ctx, ior_le64(p + 16)),
				    JS_NewUint32(ctx, ior_le32(p + 4)), JS_NewUint32(ctx, ior_le32(p + 8)),
				    JS_NewBigUint64(ctx, ior_le64(p + 24)) };

		return tagged(ctx, &details, tag, new_object(ctx, 5, props, vals), true);
	}
	case IORING_RING_TYPES_CQE_DETAIL_GPIO_EDGE: {
		JSAtom props[3] = { AT(rising), AT(timestampNs), AT(seqno) };
		JSValue vals[3] = { JS_NewBool(ctx, p[0] != 0), JS_NewBigUint64(ctx, ior_le64(p + 8)),
				    JS_NewUint32(ctx, ior_le32(p + 4)) };

		return tagged(ctx, &details, tag, new_object(ctx, 3, props, vals), true);
	}
	default:
		return JS_DupValue(ctx, none_detail);
	}
}

/* A payload, copied once into the Uint8Array (the packed result is freed after the call). */
static JSValue bytes_copy(JSContext *ctx, const uint8_t *p, size_t len)
{
	return len ? JS_NewUint8ArrayCopy(ctx, p, len) : JS_DupValue(ctx, no_bytes);
}

/* A packed CQE whose header is at @h (__ior_packed_cqe_size checked). */
static JSValue from_cqe(JSContext *ctx, const uint8_t *h)
{
	JSAtom props[5] = { AT(userData), AT(res), AT(more), AT(data), AT(detail) };
	uint32_t res = ior_le32(h + 4), data = ior_le32(h + 12);
	const uint8_t *payload = h + IOR_PACKED_CQE_HEADER;
	JSValue resv = h[8] & IOR_PACKED_CQE_ERROR ? tagged(ctx, &results, 1, name_string(ctx, &errors, res), true)
					: tagged(ctx, &results, 0, JS_NewUint32(ctx, res), true);
	JSValue vals[5] = { JS_NewUint32(ctx, ior_le32(h)), resv, JS_NewBool(ctx, (h[8] & IOR_PACKED_CQE_MORE) != 0),
			    bytes_copy(ctx, payload, data),
			    from_detail(ctx, h[9], payload + data, ior_le16(h + 10)) };

	return new_object(ctx, 5, props, vals);
}

/*
 * bufferRead's bytes, which the host allocated with cabi_realloc (malloc): the Uint8Array takes
 * them over.
 */
static void *free_payload(JSRuntime *rt, void *opaque, void *ptr, size_t size)
{
	(void)rt;
	(void)opaque;
	if (size == 0) {
		free(ptr);
		return NULL;
	}
	return realloc(ptr, size);
}

static JSValue bytes_to_js(JSContext *ctx, app_list_u8_t *b)
{
	JSValue v;

	/* An empty list's pointer is only its alignment (cabi_realloc of 0 bytes): nothing to free. */
	if (!b->len)
		return JS_DupValue(ctx, no_bytes);
	v = JS_NewUint8Array(ctx, b->ptr, b->len, free_payload, NULL, false);
	if (JS_IsException(v))
		free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
	return v;
}

/* Throws the error code as a string, as the library's callImport expects of the bindings. */
static JSValue throw_code(JSContext *ctx, uint8_t code)
{
	return JS_Throw(ctx, name_string(ctx, &errors, code));
}

/* ---- ioring:ring/ring ---------------------------------------------------------------------- */

static JSClassID ring_class;

struct ring {
	ioring_ring_ring_own_ring_t own;
	bool live;
};

static void ring_finalizer(JSRuntime *rt, JSValueConst obj)
{
	struct ring *r = JS_GetOpaque(obj, ring_class);

	(void)rt;
	if (!r)
		return;
	if (r->live)
		ioring_ring_ring_ring_drop_own(r->own);
	free(r);
}

static struct ring *ring_of(JSContext *ctx, JSValueConst this_val)
{
	struct ring *r = JS_GetOpaque2(ctx, this_val, ring_class);

	if (r && !r->live) {
		JS_ThrowReferenceError(ctx, "ring: used after it was dropped");
		return NULL;
	}
	return r;
}

static inline ioring_ring_ring_borrow_ring_t borrow(struct ring *r)
{
	ioring_ring_ring_borrow_ring_t b = { r->own.__handle };

	return b;
}

static JSValue ring_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv)
{
	(void)new_target, (void)argc, (void)argv;
	return JS_ThrowTypeError(ctx, "Ring: use Ring.create(entries)");
}

static JSValue ring_create(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
	ioring_ring_ring_own_ring_t own;
	ioring_ring_ring_error_code_t err;
	struct ring *r;
	uint32_t entries = 0;
	JSValue obj;

	(void)this_val;
	if (argc > 0 && to_u32(ctx, argv[0], &entries))
		return JS_EXCEPTION;
	if (!ioring_ring_ring_static_ring_create(entries, &own, &err))
		return throw_code(ctx, err);
	r = malloc(sizeof(*r));
	obj = r ? JS_NewObjectClass(ctx, ring_class) : JS_ThrowOutOfMemory(ctx);
	if (JS_IsException(obj)) {
		free(r);
		ioring_ring_ring_ring_drop_own(own);
		return obj;
	}
	r->own = own;
	r->live = true;
	JS_SetOpaque(obj, r);
	return obj;
}

static ioring_ring_types_sqe_t *sq;
static size_t sq_cap;
static struct scratch sq_scratch;

/*
 * The host lifts submit's records field by field; packed, a batch is one byte list, which
 * enter with max 0 only queues. But enter returns a list (the count queued), which costs the
 * host a call back into the guest (cabi_realloc) that submit's u32 does not: on the Linux host
 * about 1,500 more user-space instructions per call (valgrind), against 140-270 saved per SQE.
 * So batches of PACK_MIN SQEs and more go packed, smaller ones as records, and so does any
 * batch with an op the packed form has no room for (a path, options, segments, an address to
 * connect or bind to).
 */
#define PACK_MIN 8

static uint32_t enter_queue(struct ring *r, uint8_t *packed, size_t size)
{
	app_list_u8_t sqes = { packed, size }, result;
	uint64_t no_wait = 0;
	uint32_t queued;

	ioring_ring_ring_method_ring_enter(borrow(r), &sqes, 0, 0, &no_wait, &result);
	queued = result.len >= 8 ? ior_le32(result.ptr) : 0;
	app_list_u8_free(&result);
	return queued;
}

/* Queues sq[0..@n); returns how many the host took. */
static uint32_t submit_batch(struct ring *r, uint32_t n)
{
	ioring_ring_ring_list_sqe_t list = { sq, n };
	uint8_t *packed;
	long size = n >= PACK_MIN ? __ior_pack_sqes(sq, n, &packed) : -1;

	if (size < 0)
		return ioring_ring_ring_method_ring_submit(borrow(r), &list);
	return enter_queue(r, packed, (size_t)size);
}

static JSValue ring_submit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
	struct ring *r = ring_of(ctx, this_val);
	uint32_t n;
	JSValue ret = JS_EXCEPTION;

	if (!r)
		return JS_EXCEPTION;
	if (argc < 1 || array_length(ctx, argv[0], &n))
		return argc < 1 ? JS_ThrowTypeError(ctx, "submit: no list") : JS_EXCEPTION;
	if (n == 0)
		return JS_NewInt32(ctx, 0);
	if (n > sq_cap) {
		size_t cap = n < 64 ? 64 : n;
		void *p = realloc(sq, cap * sizeof(*sq));

		if (!p)
			return JS_ThrowOutOfMemory(ctx);
		sq = p;
		sq_cap = cap;
	}
	sq_scratch.ctx = ctx;
	for (uint32_t i = 0; i < n; i++) {
		ioring_ring_types_sqe_t *e = &sq[i];
		JSValue sqe = elem(ctx, argv[0], i), opv;
		uint32_t flags;
		int bad;

		memset(e, 0, sizeof(*e));
		opv = prop(ctx, sqe, AT(op));
		bad = to_op(&sq_scratch, opv, &e->op) || get_u32(ctx, sqe, AT(userData), &e->user_data) ||
		      get_flags(ctx, sqe, AT(flags), sqe_flag_atoms, 3, &flags);
		JS_FreeValue(ctx, opv);
		JS_FreeValue(ctx, sqe);
		if (bad)
			goto out;
		e->flags = (uint8_t)flags;
	}
	ret = JS_NewUint32(ctx, submit_batch(r, n));
out:
	scratch_release(&sq_scratch);
	return ret;
}

/* The CQEs of enter's result (@len bytes at @p) as an array; a CQE cut short ends it. */
static JSValue cqes_from_result(JSContext *ctx, const uint8_t *p, size_t len)
{
	uint32_t n, i = 0;
	size_t at = 8, size;
	JSValue *vals, arr;

	if (len < 8)
		return JS_NewArray(ctx);
	/* No more than the bytes can hold, whatever the count says. */
	n = ior_le32(p + 4);
	if (n > (len - 8) / IOR_PACKED_CQE_HEADER)
		n = (uint32_t)((len - 8) / IOR_PACKED_CQE_HEADER);
	vals = n ? malloc(n * sizeof(JSValue)) : NULL;
	if (n && !vals)
		return JS_ThrowOutOfMemory(ctx);
	for (; i < n && (size = __ior_packed_cqe_size(p + at, len - at)); i++, at += size)
		vals[i] = from_cqe(ctx, p + at);
	arr = JS_NewArrayFrom(ctx, (int)i, vals);
	free(vals);
	return arr;
}

/*
 * complete with max 0 still sends what is queued and waits for @min completions, where enter
 * with max 0 only queues: the record call, whose list is empty.
 */
static JSValue complete_none(JSContext *ctx, struct ring *r, uint32_t min, uint64_t *timeout)
{
	ioring_ring_ring_list_cqe_t list;

	ioring_ring_ring_method_ring_complete(borrow(r), min, 0, timeout, &list);
	ioring_ring_ring_list_cqe_free(&list);
	return JS_NewArray(ctx);
}

/*
 * The CQEs come packed (enter with no SQEs): no record per CQE for the host to lower, and no
 * call back into the guest (cabi_realloc) per payload; each payload is copied once, into its
 * Uint8Array.
 */
static JSValue ring_complete(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
	struct ring *r = ring_of(ctx, this_val);
	uint32_t min = 0, max = 0;
	uint64_t timeout;
	bool has_timeout = false;
	app_list_u8_t none = { NULL, 0 }, result;
	JSValue arr;

	if (!r)
		return JS_EXCEPTION;
	if (argc < 2 || to_u32(ctx, argv[0], &min) || to_u32(ctx, argv[1], &max))
		return argc < 2 ? JS_ThrowTypeError(ctx, "complete: min and max") : JS_EXCEPTION;
	if (argc > 2 && !JS_IsUndefined(argv[2]) && !JS_IsNull(argv[2])) {
		if (to_u64(ctx, argv[2], &timeout))
			return JS_EXCEPTION;
		has_timeout = true;
	}
	if (max == 0)
		return complete_none(ctx, r, min, has_timeout ? &timeout : NULL);
	ioring_ring_ring_method_ring_enter(borrow(r), &none, min, max, has_timeout ? &timeout : NULL, &result);
	arr = cqes_from_result(ctx, result.ptr, result.len);
	app_list_u8_free(&result);
	return arr;
}

static JSValue ring_register_buffers(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
	struct ring *r = ring_of(ctx, this_val);
	uint32_t count, size;
	ioring_ring_ring_error_code_t err;

	if (!r)
		return JS_EXCEPTION;
	if (argc < 2 || to_u32(ctx, argv[0], &count) || to_u32(ctx, argv[1], &size))
		return argc < 2 ? JS_ThrowTypeError(ctx, "registerBuffers: count and size") : JS_EXCEPTION;
	if (!ioring_ring_ring_method_ring_register_buffers(borrow(r), count, size, &err))
		return throw_code(ctx, err);
	return JS_UNDEFINED;
}

static JSValue ring_buffer_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
	struct ring *r = ring_of(ctx, this_val);
	uint32_t buf, off, len;
	app_list_u8_t bytes;
	ioring_ring_ring_error_code_t err;

	if (!r)
		return JS_EXCEPTION;
	if (argc < 3 || to_u32(ctx, argv[0], &buf) || to_u32(ctx, argv[1], &off) || to_u32(ctx, argv[2], &len))
		return argc < 3 ? JS_ThrowTypeError(ctx, "bufferRead: buffer, offset, len") : JS_EXCEPTION;
	if (!ioring_ring_ring_method_ring_buffer_read(borrow(r), buf, off, len, &bytes, &err))
		return throw_code(ctx, err);
	return bytes_to_js(ctx, &bytes);
}

static JSValue ring_buffer_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
	struct ring *r = ring_of(ctx, this_val);
	uint32_t buf, off;
	app_list_u8_t bytes;
	ioring_ring_ring_error_code_t err;

	if (!r)
		return JS_EXCEPTION;
	if (argc < 3 || to_u32(ctx, argv[0], &buf) || to_u32(ctx, argv[1], &off) || to_bytes(ctx, argv[2], &bytes))
		return argc < 3 ? JS_ThrowTypeError(ctx, "bufferWrite: buffer, offset, data") : JS_EXCEPTION;
	if (!ioring_ring_ring_method_ring_buffer_write(borrow(r), buf, off, &bytes, &err))
		return throw_code(ctx, err);
	return JS_UNDEFINED;
}

static JSValue ring_dispose(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
	struct ring *r = JS_GetOpaque2(ctx, this_val, ring_class);

	(void)argc, (void)argv;
	if (!r)
		return JS_EXCEPTION;
	if (r->live) {
		r->live = false;
		ioring_ring_ring_ring_drop_own(r->own);
	}
	return JS_UNDEFINED;
}

static const JSCFunctionListEntry ring_proto_funcs[] = {
	JS_CFUNC_DEF("submit", 1, ring_submit),
	JS_CFUNC_DEF("complete", 3, ring_complete),
	JS_CFUNC_DEF("registerBuffers", 2, ring_register_buffers),
	JS_CFUNC_DEF("bufferRead", 3, ring_buffer_read),
	JS_CFUNC_DEF("bufferWrite", 3, ring_buffer_write),
};

static const JSCFunctionListEntry ring_static_funcs[] = {
	JS_CFUNC_DEF("create", 1, ring_create),
};

/* The well-known Symbol.dispose, or Symbol.for('dispose') where the engine lacks it. */
static JSAtom dispose_atom(JSContext *ctx)
{
	JSValue global = JS_GetGlobalObject(ctx);
	JSValue symbol = JS_GetPropertyStr(ctx, global, "Symbol");
	JSValue dispose = JS_GetPropertyStr(ctx, symbol, "dispose");
	JSAtom a;

	if (JS_IsUndefined(dispose)) {
		JSValue forfn = JS_GetPropertyStr(ctx, symbol, "for");
		JSValue name = JS_NewString(ctx, "dispose");

		dispose = JS_Call(ctx, forfn, symbol, 1, &name);
		JS_FreeValue(ctx, name);
		JS_FreeValue(ctx, forfn);
	}
	a = JS_ValueToAtom(ctx, dispose);
	JS_FreeValue(ctx, dispose);
	JS_FreeValue(ctx, symbol);
	JS_FreeValue(ctx, global);
	return a;
}

static int ring_module_init(JSContext *ctx, JSModuleDef *m)
{
	JSValue proto = JS_NewObject(ctx), ctor;
	JSAtom dispose = dispose_atom(ctx);

	JS_SetPropertyFunctionList(ctx, proto, ring_proto_funcs, countof(ring_proto_funcs));
	JS_DefinePropertyValue(ctx, proto, dispose, JS_NewCFunction(ctx, ring_dispose, "[Symbol.dispose]", 0),
			       JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
	JS_FreeAtom(ctx, dispose);
	ctor = JS_NewCFunction2(ctx, ring_ctor, "Ring", 0, JS_CFUNC_constructor, 0);
	JS_SetConstructor(ctx, ctor, proto);
	JS_SetPropertyFunctionList(ctx, ctor, ring_static_funcs, countof(ring_static_funcs));
	JS_SetClassProto(ctx, ring_class, proto);
	return JS_SetModuleExport(ctx, m, "Ring", ctor);
}

/* ---- ioring:ring/grants -------------------------------------------------------------------- */

typedef bool (*grant_fn)(app_string_t *, ioring_ring_grants_handle_t *, ioring_ring_grants_error_code_t *);

static JSValue grant(JSContext *ctx, int argc, JSValueConst *argv, int magic)
{
	static const grant_fn fns[] = { ioring_ring_grants_directory, ioring_ring_grants_listener,
					ioring_ring_grants_device };
	size_t len;
	const char *name = JS_ToCStringLen(ctx, &len, argc > 0 ? argv[0] : JS_UNDEFINED);
	app_string_t s;
	ioring_ring_grants_handle_t h;
	ioring_ring_grants_error_code_t err;
	bool ok;

	if (!name)
		return JS_EXCEPTION;
	s.ptr = (uint8_t *)name;
	s.len = len;
	ok = fns[magic](&s, &h, &err);
	JS_FreeCString(ctx, name);
	return ok ? JS_NewUint32(ctx, h) : throw_code(ctx, err);
}

static JSValue grant_fn_js(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic)
{
	(void)this_val;
	return grant(ctx, argc, argv, magic);
}

static const JSCFunctionListEntry grants_funcs[] = {
	JS_CFUNC_MAGIC_DEF("directory", 1, grant_fn_js, 0),
	JS_CFUNC_MAGIC_DEF("listener", 1, grant_fn_js, 1),
	JS_CFUNC_MAGIC_DEF("device", 1, grant_fn_js, 2),
};

static int grants_module_init(JSContext *ctx, JSModuleDef *m)
{
	return JS_SetModuleExportList(ctx, m, grants_funcs, countof(grants_funcs));
}

/* ---- wasi:cli/environment ------------------------------------------------------------------ */

static JSValue str_js(JSContext *ctx, const app_string_t *s)
{
	return JS_NewStringLen(ctx, (const char *)s->ptr, s->len);
}

static JSValue env_arguments(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
	app_list_string_t list;
	JSValue arr = JS_NewArray(ctx);

	(void)this_val, (void)argc, (void)argv;
	wasi_cli_environment_get_arguments(&list);
	for (size_t i = 0; i < list.len; i++)
		JS_SetPropertyUint32(ctx, arr, (uint32_t)i, str_js(ctx, &list.ptr[i]));
	app_list_string_free(&list);
	return arr;
}

static JSValue env_environment(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
	app_list_tuple2_string_string_t list;
	JSValue arr = JS_NewArray(ctx);

	(void)this_val, (void)argc, (void)argv;
	wasi_cli_environment_get_environment(&list);
	for (size_t i = 0; i < list.len; i++) {
		JSValue pair[2] = { str_js(ctx, &list.ptr[i].f0), str_js(ctx, &list.ptr[i].f1) };

		JS_SetPropertyUint32(ctx, arr, (uint32_t)i, JS_NewArrayFrom(ctx, 2, pair));
	}
	app_list_tuple2_string_string_free(&list);
	return arr;
}

static JSValue env_cwd(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
	app_string_t s;
	JSValue v;

	(void)this_val, (void)argc, (void)argv;
	if (!wasi_cli_environment_initial_cwd(&s))
		return JS_UNDEFINED;
	v = str_js(ctx, &s);
	app_string_free(&s);
	return v;
}

static const JSCFunctionListEntry env_funcs[] = {
	JS_CFUNC_DEF("getArguments", 0, env_arguments),
	JS_CFUNC_DEF("getEnvironment", 0, env_environment),
	JS_CFUNC_DEF("initialCwd", 0, env_cwd),
};

static int env_module_init(JSContext *ctx, JSModuleDef *m)
{
	return JS_SetModuleExportList(ctx, m, env_funcs, countof(env_funcs));
}

/* ---- Modules ------------------------------------------------------------------------------- */

static JSModuleDef *load_module(JSContext *ctx, const char *name, void *opaque)
{
	JSModuleDef *m;

	(void)opaque;
	if (!strcmp(name, "ioring:ring/ring@0.1.0")) {
		m = JS_NewCModule(ctx, name, ring_module_init);
		if (m)
			JS_AddModuleExport(ctx, m, "Ring");
		return m;
	}
	if (!strcmp(name, "ioring:ring/grants@0.1.0")) {
		m = JS_NewCModule(ctx, name, grants_module_init);
		if (m)
			JS_AddModuleExportList(ctx, m, grants_funcs, countof(grants_funcs));
		return m;
	}
	if (!strcmp(name, "wasi:cli/environment@0.2.0")) {
		m = JS_NewCModule(ctx, name, env_module_init);
		if (m)
			JS_AddModuleExportList(ctx, m, env_funcs, countof(env_funcs));
		return m;
	}
	JS_ThrowReferenceError(ctx, "no module '%s' in this engine", name);
	return NULL;
}

/* ---- Reporting ----------------------------------------------------------------------------- */

/* Writes @text to handle 2 through a ring of its own (no stdio: no WASI preview1 for it). */
static void write_stderr(const char *text, size_t len)
{
	struct ior_ring ring;

	if (ior_ring_init(&ring, 2) < 0)
		return;
	while (len > 0) {
		ior_sqe_t *sqe = ior_get_sqe(&ring);
		ior_cqe_t *cqe;
		int res;

		if (!sqe)
			break;
		ior_prep_write(sqe, 2, text, len, IOR_CURRENT_POSITION);
		if (ior_wait_cqe(&ring, &cqe) < 0)
			break;
		res = ior_cqe_res(cqe);
		ior_cqe_seen(&ring, cqe);
		if (res <= 0)
			break;
		text += res;
		len -= (size_t)res;
	}
	ior_ring_exit(&ring);
}

static void report_exception(JSContext *ctx, const char *what)
{
	JSValue e = JS_GetException(ctx);
	const char *msg = JS_ToCString(ctx, e);
	JSValue stack = JS_IsError(e) ? JS_GetPropertyStr(ctx, e, "stack") : JS_UNDEFINED;
	const char *st = JS_IsUndefined(stack) ? NULL : JS_ToCString(ctx, stack);

	write_stderr(what, strlen(what));
	write_stderr(": ", 2);
	if (msg)
		write_stderr(msg, strlen(msg));
	write_stderr("\n", 1);
	if (st)
		write_stderr(st, strlen(st));
	JS_FreeCString(ctx, st);
	JS_FreeCString(ctx, msg);
	JS_FreeValue(ctx, stack);
	JS_FreeValue(ctx, e);
}

/* ---- Unhandled rejections ------------------------------------------------------------------ */

/* Promises rejected with no handler yet, and their reasons: the loop ends the app on one. */
static JSValue *rejected;
static unsigned nrejected, caprejected;

static void track_rejection(JSContext *ctx, JSValueConst promise, JSValueConst reason, bool handled,
			    void *opaque)
{
	(void)opaque;
	if (handled) {
		for (unsigned i = 0; i < nrejected; i++) {
			if (JS_VALUE_GET_PTR(rejected[2 * i]) == JS_VALUE_GET_PTR(promise)) {
				JS_FreeValue(ctx, rejected[2 * i]);
				JS_FreeValue(ctx, rejected[2 * i + 1]);
				rejected[2 * i] = rejected[2 * (nrejected - 1)];
				rejected[2 * i + 1] = rejected[2 * (nrejected - 1) + 1];
				nrejected--;
				return;
			}
		}
		return;
	}
	if (nrejected == caprejected) {
		unsigned cap = caprejected ? caprejected * 2 : 8;
		JSValue *p = realloc(rejected, 2 * cap * sizeof(JSValue));

		if (!p)
			return;
		rejected = p;
		caprejected = cap;
	}
	rejected[2 * nrejected] = JS_DupValue(ctx, promise);
	rejected[2 * nrejected + 1] = JS_DupValue(ctx, reason);
	nrejected++;
}

/* The first unhandled rejection's reason (JS_UNINITIALIZED when none); forgets them all. */
static JSValue take_rejection(JSContext *ctx)
{
	JSValue reason = JS_UNINITIALIZED;

	if (!nrejected)
		return reason;
	reason = JS_DupValue(ctx, rejected[1]);
	for (unsigned i = 0; i < nrejected; i++) {
		JS_FreeValue(ctx, rejected[2 * i]);
		JS_FreeValue(ctx, rejected[2 * i + 1]);
	}
	nrejected = 0;
	return reason;
}

/* ---- The loop ------------------------------------------------------------------------------ */

/* Runs every pending job; false if one threw (reported). */
static bool run_jobs(JSRuntime *rt)
{
	JSContext *jctx;
	int r;

	while ((r = JS_ExecutePendingJob(rt, &jctx)) != 0) {
		if (r < 0) {
			report_exception(jctx, "ioring: a job threw");
			return false;
		}
	}
	return true;
}

int main(void)
{
	JSRuntime *rt = JS_NewRuntime();
	JSContext *ctx;
	JSValue obj, result, ns, app_run, run_fn, step;
	JSModuleDef *m;
	int status = 1;

	if (!rt)
		return 1;
	/* The C stack is IORING_STACK bytes (the Makefile's); keep clear of its end. */
	JS_SetMaxStackSize(rt, ENGINE_STACK - 64 * 1024);
	ctx = JS_NewContext(rt);
	if (!ctx)
		return 1;
	names_init(ctx);
	sqe_flag_atoms[0] = AT(link), sqe_flag_atoms[1] = AT(hardLink), sqe_flag_atoms[2] = AT(drain);
	gpio_edge_atoms[0] = AT(rising), gpio_edge_atoms[1] = AT(falling);
	{
		static const int of[9] = { A_write, A_read, A_create, A_exclusive, A_truncate, A_append,
					   A_directory, A_nonblock, A_noCtty };
		static const int pf[6] = { A_readable, A_writable, A_priority, A_error, A_hangUp, A_readHangUp };

		for (int i = 0; i < 9; i++)
			open_flag_atoms[i] = atoms[of[i]];
		for (int i = 0; i < 6; i++)
			poll_flag_atoms[i] = atoms[pf[i]];
	}
	JS_NewClassID(rt, &ring_class);
	{
		JSClassDef def = { .class_name = "Ring", .finalizer = ring_finalizer };

		JS_NewClass(rt, ring_class, &def);
	}
	JS_SetModuleLoaderFunc(rt, NULL, load_module, NULL);
	JS_SetHostPromiseRejectionTracker(rt, track_rejection, NULL);

	obj = JS_ReadObject(ctx, ioring_app_bytecode, ioring_app_bytecode_size, JS_READ_OBJ_BYTECODE);
	if (JS_IsException(obj)) {
		report_exception(ctx, "ioring: cannot read the app's bytecode");
		return 1;
	}
	if (JS_VALUE_GET_TAG(obj) != JS_TAG_MODULE) {
		write_stderr("ioring: the app's bytecode is not a module\n", 43);
		return 1;
	}
	m = JS_VALUE_GET_PTR(obj);
	if (JS_ResolveModule(ctx, obj) < 0) {
		JS_FreeValue(ctx, obj);
		report_exception(ctx, "ioring: cannot link the app");
		return 1;
	}
	result = JS_EvalFunction(ctx, obj);
	if (JS_IsException(result)) {
		report_exception(ctx, "ioring: the app threw while loading");
		return 1;
	}
	if (!run_jobs(rt))
		return 1;
	if (JS_IsPromise(result) && JS_PromiseState(ctx, result) == JS_PROMISE_REJECTED) {
		JS_Throw(ctx, JS_PromiseResult(ctx, result));
		report_exception(ctx, "ioring: the app threw while loading");
		return 1;
	}
	JS_FreeValue(ctx, result);

	/* The app's `run` export is wasi:cli/run's interface: { run() }. */
	ns = JS_GetModuleNamespace(ctx, m);
	app_run = JS_GetProperty(ctx, ns, AT(run));
	run_fn = JS_GetProperty(ctx, app_run, AT(run));
	JS_FreeValue(ctx, ns);
	if (!JS_IsFunction(ctx, run_fn)) {
		static const char msg[] = "ioring: the app exports no `run` (export const run = command(main))\n";

		write_stderr(msg, sizeof(msg) - 1);
		return 1;
	}
	step = JS_Call(ctx, run_fn, app_run, 0, NULL);
	JS_FreeValue(ctx, run_fn);
	JS_FreeValue(ctx, app_run);
	if (JS_IsException(step)) {
		report_exception(ctx, "ioring");
		return 1;
	}
	if (!JS_IsFunction(ctx, step)) {
		static const char msg[] = "ioring: this app's run() is not the ioring-qjs engine's (build it with ioring-build --engine ioring-qjs)\n";

		write_stderr(msg, sizeof(msg) - 1);
		return 1;
	}

	/*
	 * Jobs to exhaustion, then one step: the step ends the app on an unhandled rejection or once
	 * main settled (0 or 1), or takes one turn of the rings (-1) and the loop goes on.
	 */
	for (;;) {
		JSValue reason, r;
		int32_t code;

		/*
		 * QuickJS collects cycles once its heap has grown by half since the last collection,
		 * and every collection walks every object, the app's and the library's code included:
		 * with a small heap that is every few hundred messages. A floor under the threshold
		 * (ENGINE_GC_THRESHOLD bytes of heap) makes collections rarer; refcounting still frees
		 * what is not cyclic at once.
		 */
		if (JS_GetGCThreshold(rt) < ENGINE_GC_THRESHOLD)
			JS_SetGCThreshold(rt, ENGINE_GC_THRESHOLD);
		if (!run_jobs(rt))
			break;
		reason = take_rejection(ctx);
		if (JS_IsUninitialized(reason)) {
			r = JS_Call(ctx, step, JS_UNDEFINED, 0, NULL);
		} else {
			JSValue args[2] = { JS_TRUE, reason };

			r = JS_Call(ctx, step, JS_UNDEFINED, 2, args);
		}
		JS_FreeValue(ctx, reason);
		if (JS_IsException(r)) {
			report_exception(ctx, "ioring");
			break;
		}
		if (JS_ToInt32(ctx, &code, r) < 0)
			code = 1;
		JS_FreeValue(ctx, r);
		if (code >= 0) {
			status = code;
			break;
		}
	}
	/* The app is over: the host reclaims everything; no need to free the heap here. */
	return status;
}
