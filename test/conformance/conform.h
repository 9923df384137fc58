/*
 * conform.h - what the conformance guests share: one report line per case, a bounded wait
 * and a copied CQE, and two fixtures (a file, a TCP pair). Everything else a guest does, it
 * does in the open with the C SDK (guest/include/ioring.h).
 *
 * A guest runs its cases one after another with t_run(name, fn), each on a fresh ring that is
 * dropped after it, and prints exactly one line per case:
 *
 *	ok NAME
 *	FAIL NAME: why
 *	skip NAME: not-supported: why
 *
 * A case ends with PASS(), FAIL(...), CHECK(cond, ...) failing, or a skip: SKIP_IF_NOTSUP(res)
 * on a completion of the operation under test, or of one the case needs to get there, that
 * says `not-supported`; SKIP_IF_NO_LINK / SKIP_IF_NO_FIFO when the fixture's symbolic link or
 * FIFO is missing (a host whose file systems have none; run.mjs makes both on Linux); or
 * SKIP(...) where the case names the one result by which the host says it cannot (each use
 * says why that result is unambiguous). A skip is no pass: run.mjs fails the run on a skip
 * its host entry does not list as not-supported, and on a listed case that does not skip.
 * main() returns 1 if any case failed, else 0.
 *
 * Lines go to handle 1 through a ring of their own, formatted by t_format, not stdio: the
 * guests import no WASI at all, so their core modules run on the Zephyr host too. They take no
 * arguments; everything they reach comes from the grants the runner gives (run.mjs):
 *
 *	directory "rw"   a writable directory holding only a FIFO "fifo" and a symbolic link
 *	                 "up" -> ".." (for escapes); beside it, outside every grant, outside.txt
 *	directory "ro"   read-only: data.txt (T_DATA), sub/inner.txt ("inner\n"), up -> ".."
 *	                 (a host whose file systems have no FIFOs or symbolic links lacks
 *	                 rw/fifo, rw/up and ro/up: the cases that need them skip)
 *	listener "lst"   TCP on 127.0.0.1, any port
 *	bind/connect     tcp and udp on 127.0.0.1, any port
 *	device "gpio"    a GPIO chip whose lines 0 -> 1 and 2 -> 3 are wired (gpio.c; a host
 *	                 with none answers no-entry and its GPIO cases skip)
 *	handle 0         /dev/null (a character device); 1, standard output, is what is parsed
 */
#ifndef CONFORM_H
#define CONFORM_H

#include <stdarg.h>
#include <string.h>

#include "ioring.h"

/* The contents of ro/data.txt. */
#define T_DATA "0123456789abcdefghijklmnopqrstuvwxyz\n"

/* How long any one wait for a completion may take before the case fails (5 s). */
#define T_WAIT_NS 5000000000LL

/* User data the fixtures use; cases use small numbers. */
#define T_UD 0xc0f00000u

static const char *t_case_name;
static int t_verdicts, t_failures;

/* Write all of @s to handle 1 through a ring of its own. */
static inline void t_write_out(const char *s, size_t len)
{
	static struct ior_ring out;
	static bool ready;
	ior_cqe_t *cqe;

	if (!ready) {
		if (ior_ring_init(&out, 2) < 0)
			return;
		ready = true;
	}
	while (len > 0) {
		int res;

		ior_prep_write(ior_get_sqe(&out), IOR_STDOUT, s, len, IOR_CURRENT_POSITION);
		if (ior_wait_cqe(&out, &cqe) < 0)
			return;
		res = ior_cqe_res(cqe);
		ior_cqe_seen(&out, cqe);
		if (res <= 0 || (size_t)res > len)
			return;
		s += res;
		len -= (size_t)res;
	}
}

/*
 * A small vsnprintf: %s %c %d %u %x %o (%#x: with 0x, %#o: with 0) and %%, with the length
 * modifiers l, ll and z. wasi-libc's printf family would bring in WASI file imports the Zephyr
 * host lacks.
 */
static inline void t_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	size_t n = 0;

#define T_PUT(ch) do { if (n + 1 < size) buf[n++] = (ch); } while (0)
	for (; *fmt; fmt++) {
		char digits[24], conv;
		unsigned long long u;
		bool alt = false, neg = false;
		int longs = 0, i = 0;
		const char *str;

		if (*fmt != '%') {
			T_PUT(*fmt);
			continue;
		}
		if (*++fmt == '#') {
			alt = true;
			fmt++;
		}
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			longs += *fmt == 'z' ? 2 : 1;
		conv = *fmt;
		if (!conv)
			break;
		switch (conv) {
		case 's':
			str = va_arg(ap, const char *);
			for (str = str ? str : "(null)"; *str; str++)
				T_PUT(*str);
			continue;
		case 'c':
			T_PUT((char)va_arg(ap, int));
			continue;
		case 'd': {
			long long v = longs >= 2 ? va_arg(ap, long long) : longs ? va_arg(ap, long) : va_arg(ap, int);

			neg = v < 0;
			u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;
			break;
		}
		case 'u':
		case 'x':
		case 'o':
			u = longs >= 2 ? va_arg(ap, unsigned long long) : longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
			break;
		default:
			T_PUT(conv);
			continue;
		}
		do {
			unsigned base = conv == 'x' ? 16 : conv == 'o' ? 8 : 10;
			unsigned d = (unsigned)(u % base);

			digits[i++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
			u /= base;
		} while (u);
		if (neg)
			T_PUT('-');
		if (alt && conv == 'x') {
			T_PUT('0');
			T_PUT('x');
		}
		if (alt && conv == 'o' && digits[i - 1] != '0')
			T_PUT('0');
		while (i > 0)
			T_PUT(digits[--i]);
	}
#undef T_PUT
	if (size)
		buf[n] = '\0';
}

static inline void t_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	t_vformat(buf, size, fmt, ap);
	va_end(ap);
}

/* Print "STATUS NAME" and, if @why is given, ": why". */
static inline void t_line(const char *status, const char *why)
{
	char line[600];

	t_format(line, sizeof(line), "%s %s%s%s", status, t_case_name, why ? ": " : "", why ? why : "");
	t_write_out(line, strlen(line));
	t_write_out("\n", 1);
	t_verdicts++;
}

static inline void t_pass(void)
{
	t_line("ok", NULL);
}

static inline void t_fail(const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	t_vformat(why, sizeof(why), fmt, ap);
	va_end(ap);
	t_line("FAIL", why);
	t_failures++;
}

/* "skip NAME: not-supported: why". */
static inline void t_skip(const char *fmt, ...)
{
	char why[512];
	va_list ap;

	strcpy(why, "not-supported: ");
	va_start(ap, fmt);
	t_vformat(why + strlen(why), sizeof(why) - strlen(why), fmt, ap);
	va_end(ap);
	t_line("skip", why);
}

#define PASS() do { t_pass(); return; } while (0)
#define FAIL(...) do { t_fail(__VA_ARGS__); return; } while (0)
#define CHECK(cond, ...) do { if (!(cond)) FAIL(__VA_ARGS__); } while (0)
#define SKIP(...) do { t_skip(__VA_ARGS__); return; } while (0)
#define SKIP_IF_NOTSUP(res) \
	do { if ((res) == -IOR_ENOTSUP) SKIP("the host answered not-supported"); } while (0)

/*
 * Closing a TCP socket with received bytes it never read resets the connection (RST): the
 * peer's receive ends with connection-reset. A host whose TCP has no abortive close ends the
 * stream in order instead (FIN): the peer's receive ends with 0, which a host that resets never
 * gives there. The cases that need a reset skip on that result (@res, of such a receive).
 */
#define SKIP_IF_NO_RESET(res)                                                                  \
	do {                                                                                   \
		if ((res) == 0)                                                                \
			SKIP("the close with unread bytes ended the stream in order (0), not with " \
			     "a reset: the host's TCP has no abortive close");                 \
	} while (0)

/* Run case @fn as @name on a fresh ring of 32 entries, dropped afterwards. */
static inline void t_run(const char *name, void (*fn)(struct ior_ring *ring))
{
	struct ior_ring ring;
	int before = t_verdicts, ret;

	t_case_name = name;
	ret = ior_ring_init(&ring, 32);
	if (ret < 0) {
		t_fail("ior_ring_init: %s", ior_strerror(ret));
		return;
	}
	fn(&ring);
	if (t_verdicts == before)
		t_fail("the case gave no verdict (a defect of the case)");
	else if (t_verdicts > before + 1)
		t_fail("the case gave %d verdicts (a defect of the case)", t_verdicts - before);
	ior_ring_exit(&ring);
}

/* The WIT name of a result: a count as a number, -IOR_E* as its error-code case. */
static inline const char *t_code(int res)
{
	static const char *const names[] = {
		"access", "address-in-use", "address-not-available", "address-family-not-supported",
		"again", "already", "bad-descriptor", "busy", "canceled", "connection-aborted",
		"connection-refused", "connection-reset", "destination-address-required", "exists",
		"file-too-large", "host-unreachable", "in-progress", "interrupted", "invalid", "io",
		"is-connected", "is-directory", "loop", "too-many-handles", "message-size",
		"name-too-long", "network-unreachable", "no-buffers", "no-device", "no-entry",
		"no-memory", "no-space", "not-connected", "not-directory", "not-empty",
		"not-supported", "not-a-tty", "no-such-device-or-address", "not-permitted", "pipe",
		"protocol-not-supported", "range", "read-only", "timed-out", "cross-device", "unknown",
	};
	static char buf[4][16];
	static unsigned next;

	if (res < 0 && -res <= (int)(sizeof(names) / sizeof(names[0])))
		return names[-res - 1];
	next = (next + 1) % 4;
	t_format(buf[next], sizeof(buf[next]), "%d", res);
	return buf[next];
}

/* One CQE, copied out of the ring: what the cases compare. */
struct t_cqe {
	uint32_t user_data;
	int res;
	bool more;
	size_t len;		/* payload bytes, all of them */
	uint8_t data[256];	/* the first 256 */
	int handle;		/* ior_cqe_handle: a new handle, or -IOR_EINVAL */
	bool has_addr;		/* an address (accept, recvmsg, local-address) */
	ior_sockaddr_t addr;	/* a unix path points into unix_path */
	char unix_path[128];
	bool has_stat;
	ior_stat_t stat;
	bool has_edge;		/* a GPIO edge (gpio-edges) */
	ior_gpio_edge_t edge;
};

/*
 * Wait at most T_WAIT_NS for the next CQE and copy it into @c. Returns 0, or -IOR_ETIMEDOUT
 * when none came (or nothing was in flight).
 */
static inline int t_next(struct ior_ring *ring, struct t_cqe *c)
{
	const ior_sockaddr_t *addr;
	const uint8_t *p;
	ior_cqe_t *cqe;
	int ret = ior_wait_cqe_timeout(ring, &cqe, T_WAIT_NS);

	if (ret < 0)
		return ret;
	memset(c, 0, sizeof(*c));
	c->user_data = ior_cqe_get_data32(cqe);
	c->res = ior_cqe_res(cqe);
	c->more = ior_cqe_more(cqe);
	p = ior_cqe_payload(cqe, &c->len);
	if (p)
		memcpy(c->data, p, c->len < sizeof(c->data) ? c->len : sizeof(c->data));
	c->handle = ior_cqe_handle(cqe);
	addr = ior_cqe_addr(cqe);
	if (addr) {
		c->has_addr = true;
		c->addr = *addr;
		if (addr->tag == IOR_ADDR_UNIX) {
			size_t n = addr->val.unix.len < sizeof(c->unix_path) ? addr->val.unix.len
									 : sizeof(c->unix_path);

			memcpy(c->unix_path, addr->val.unix.ptr, n);
			c->addr.val.unix.ptr = (uint8_t *)c->unix_path;
			c->addr.val.unix.len = n;
		}
	}
	if (ior_cqe_stat(cqe)) {
		c->has_stat = true;
		c->stat = *ior_cqe_stat(cqe);
	}
	if (ior_cqe_gpio_edge(cqe)) {
		c->has_edge = true;
		c->edge = *ior_cqe_gpio_edge(cqe);
	}
	ior_cqe_seen(ring, cqe);
	return 0;
}

/* Reap @n CQEs into @c[0..n) in the order they came; returns how many came within the bound. */
static inline unsigned t_reap(struct ior_ring *ring, struct t_cqe *c, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (t_next(ring, &c[i]) < 0)
			break;
	return i;
}

/* Whether no CQE arrives within @ns nanoseconds (what is prepared is submitted first). */
static inline bool t_quiet(struct ior_ring *ring, int64_t ns)
{
	ior_cqe_t *cqe;

	return ior_wait_cqe_timeout(ring, &cqe, ns) == -IOR_ETIMEDOUT;
}

/* Submit what is prepared and return the result of its one CQE, copied into @c if given. */
static inline int t_one(struct ior_ring *ring, struct t_cqe *c)
{
	struct t_cqe local;

	if (!c)
		c = &local;
	if (t_next(ring, c) < 0)
		return -IOR_ETIMEDOUT;
	return c->res;
}

/* An IPv4 address's port, or -1 when @c carries none. */
static inline int t_port(const struct t_cqe *c)
{
	return c->has_addr && c->addr.tag == IOR_ADDR_IPV4 ? c->addr.val.ipv4.port : -1;
}

/* A granted directory's handle (the runner grants "rw" and "ro"), or -IOR_E*. */
static inline int t_dir(const char *name)
{
	return ior_grant_directory(name);
}

/*
 * Whether the fixture's @path beneath directory handle @dir (not followed) is there and of
 * file type @type: 1, 0 when nothing is there by that name, else -IOR_E* (-IOR_EINVAL: it
 * is something else).
 */
static inline int t_fixture_has(struct ior_ring *ring, int dir, const char *path, unsigned type)
{
	struct t_cqe c;
	int res;

	ior_prep_statx(ior_get_sqe(ring), (ior_handle_t)dir, path, true);
	res = t_one(ring, &c);
	if (res == -IOR_ENOENT)
		return 0;
	if (res < 0)
		return res;
	return c.has_stat && c.stat.type == type ? 1 : -IOR_EINVAL;
}

/*
 * Skip the case when the fixture's symbolic link up (-> "..") beneath @dir, the grant named
 * @name, is missing: a host whose file systems have no symbolic links (the Linux fixture
 * always has it, and run.mjs checks ro/up after every guest). Anything else there fails.
 */
#define SKIP_IF_NO_LINK(ring, dir, name)                                                       \
	do {                                                                                   \
		int t_has = t_fixture_has(ring, dir, "up", IOR_FILE_SYMLINK);                   \
		SKIP_IF_NOTSUP(t_has);                                                         \
		if (t_has == 0)                                                                \
			SKIP("no symbolic link %s/up in the fixture: the host's file systems "  \
			     "have none", name);                                               \
		CHECK(t_has == 1, "fixture: %s/up is no symbolic link (%s)", name, t_code(t_has)); \
	} while (0)

/* The same for the FIFO rw/fifo, beneath @dir, the grant "rw". */
#define SKIP_IF_NO_FIFO(ring, dir)                                                             \
	do {                                                                                   \
		int t_has = t_fixture_has(ring, dir, "fifo", IOR_FILE_FIFO);                    \
		SKIP_IF_NOTSUP(t_has);                                                         \
		if (t_has == 0)                                                                \
			SKIP("no FIFO rw/fifo in the fixture: the host's file systems have none"); \
		CHECK(t_has == 1, "fixture: rw/fifo is no FIFO (%s)", t_code(t_has));          \
	} while (0)

/*
 * Fixture: open @path beneath @dir with IOR_O_* @flags (mode 0644) and, if @contents is
 * given, write it at offset 0. Returns the handle or -IOR_E*.
 */
static inline int t_open(struct ior_ring *ring, int dir, const char *path, uint16_t flags,
		  const char *contents)
{
	struct t_cqe c;
	int res, fd;

	ior_prep_openat(ior_get_sqe(ring), (ior_handle_t)dir, path, flags, 0644);
	res = t_one(ring, &c);
	if (res < 0)
		return res;
	fd = c.handle;
	if (contents) {
		ior_prep_write(ior_get_sqe(ring), (ior_handle_t)fd, contents, strlen(contents), 0);
		res = t_one(ring, NULL);
		if (res != (int)strlen(contents))
			return res < 0 ? res : -IOR_EIO;
	}
	return fd;
}

/* Fixture: close @fd and wait for it. */
static inline void t_close(struct ior_ring *ring, int fd)
{
	ior_prep_close(ior_get_sqe(ring), (ior_handle_t)fd);
	t_one(ring, NULL);
}

/* The port of the granted listener "lst", or -IOR_E*. */
static inline int t_listener_port(struct ior_ring *ring, int *lst)
{
	struct t_cqe c;
	int res;

	*lst = ior_grant_listener("lst");
	if (*lst < 0)
		return *lst;
	ior_prep_local_address(ior_get_sqe(ring), (ior_handle_t)*lst);
	res = t_one(ring, &c);
	if (res < 0)
		return res;
	return t_port(&c) > 0 ? t_port(&c) : -IOR_EINVAL;
}

/*
 * Fixture: a connected TCP pair on loopback: *@client connected to the granted listener,
 * *@server the connection it accepted. Returns 0 or -IOR_E* (the step that failed is lost:
 * the cases that need a pair say so).
 */
static inline int t_tcp_pair(struct ior_ring *ring, int *client, int *server)
{
	struct t_cqe c[2];
	ior_sockaddr_t to;
	ior_sqe_t *sqe;
	int lst, port, res;

	port = t_listener_port(ring, &lst);
	if (port < 0)
		return port;
	ior_prep_socket(ior_get_sqe(ring), IOR_AF_INET, IOR_SOCK_STREAM);
	res = t_one(ring, &c[0]);
	if (res < 0)
		return res;
	*client = c[0].handle;
	ior_addr_ipv4(&to, 127, 0, 0, 1, (uint16_t)port);
	sqe = ior_get_sqe(ring);
	ior_prep_connect(sqe, (ior_handle_t)*client, &to);
	ior_sqe_set_data32(sqe, T_UD + 1);
	sqe = ior_get_sqe(ring);
	ior_prep_accept(sqe, (ior_handle_t)lst);
	ior_sqe_set_data32(sqe, T_UD + 2);
	if (t_reap(ring, c, 2) != 2)
		return -IOR_ETIMEDOUT;
	for (int i = 0; i < 2; i++) {
		if (c[i].res < 0)
			return c[i].res;
		if (c[i].user_data == T_UD + 2)
			*server = c[i].handle;
	}
	return 0;
}

/* End of main(): 1 if any case failed. */
static inline int t_exit(void)
{
	return t_failures ? 1 : 0;
}

#endif /* CONFORM_H */
