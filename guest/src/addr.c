/*
 * addr.c - socket addresses: construction, parsing and formatting, without stdio.
 */
#include <string.h>

#include "ioring.h"

void ior_addr_ipv4(ior_sockaddr_t *sa, uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	memset(sa, 0, sizeof(*sa));
	sa->tag = IOR_ADDR_IPV4;
	sa->val.ipv4.port = port;
	sa->val.ipv4.address.f0 = a;
	sa->val.ipv4.address.f1 = b;
	sa->val.ipv4.address.f2 = c;
	sa->val.ipv4.address.f3 = d;
}

void ior_addr_unix(ior_sockaddr_t *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->tag = IOR_ADDR_UNIX;
	sa->val.unix.ptr = (uint8_t *)path;
	sa->val.unix.len = strlen(path);
}

/* Parse a number in @base of at most @max from *@p, advancing it. Returns it or -1. */
static long __ior_num(const char **p, unsigned base, long max)
{
	long v = 0;
	int digits = 0;

	for (;; (*p)++, digits++) {
		char c = **p;
		int d = c >= '0' && c <= '9' ? c - '0' :
			c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;

		if (d >= (int)base)
			break;
		v = v * base + d;
		if (v > max)
			return -1;
	}
	return digits ? v : -1;
}

/* ":PORT" at the end of the text. */
static int __ior_port(const char *p)
{
	long port;

	if (*p++ != ':')
		return -1;
	port = __ior_num(&p, 10, 65535);
	return *p ? -1 : (int)port;
}

/* Eight 16-bit groups, with at most one "::", ending at ']'. */
static int __ior_parse_ipv6(const char **p, uint16_t g[8])
{
	int n = 0, gap = -1;

	if ((*p)[0] == ':' && (*p)[1] == ':') {
		gap = 0;
		*p += 2;
	}
	while (**p != ']') {
		long v = __ior_num(p, 16, 0xffff);

		if (v < 0 || n == 8)
			return -1;
		g[n++] = (uint16_t)v;
		if (**p == ':') {
			(*p)++;
			if (**p == ':') {
				if (gap >= 0)
					return -1;
				gap = n;
				(*p)++;
			} else if (**p == ']') {
				return -1;
			}
		} else if (**p != ']') {
			return -1;
		}
	}
	if (gap < 0)
		return n == 8 ? 0 : -1;
	if (n == 8)
		return -1;
	/* Move the groups after the gap to the end and zero the gap. */
	memmove(g + 8 - (n - gap), g + gap, (size_t)(n - gap) * sizeof(g[0]));
	memset(g + gap, 0, (size_t)(8 - n) * sizeof(g[0]));
	return 0;
}

int ior_addr_parse(ior_sockaddr_t *sa, const char *text)
{
	const char *p = text;
	int port;

	if (!strncmp(p, "unix:", 5)) {
		ior_addr_unix(sa, p + 5);
		return 0;
	}
	if (*p == '[') {
		uint16_t g[8];

		p++;
		if (__ior_parse_ipv6(&p, g) < 0)
			return -IOR_EINVAL;
		port = __ior_port(p + 1);
		if (port < 0)
			return -IOR_EINVAL;
		memset(sa, 0, sizeof(*sa));
		sa->tag = IOR_ADDR_IPV6;
		sa->val.ipv6.port = (uint16_t)port;
		memcpy(&sa->val.ipv6.address, g, sizeof(g));
		return 0;
	} else {
		long b[4];

		for (int i = 0; i < 4; i++) {
			b[i] = __ior_num(&p, 10, 255);
			if (b[i] < 0 || (i < 3 && *p++ != '.'))
				return -IOR_EINVAL;
		}
		port = __ior_port(p);
		if (port < 0)
			return -IOR_EINVAL;
		ior_addr_ipv4(sa, (uint8_t)b[0], (uint8_t)b[1], (uint8_t)b[2], (uint8_t)b[3],
			      (uint16_t)port);
		return 0;
	}
}

void ior_ipaddr_v4(ior_ipaddr_t *ip, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	memset(ip, 0, sizeof(*ip));
	ip->tag = IOR_IPADDR_V4;
	ip->val.ipv4.f0 = a;
	ip->val.ipv4.f1 = b;
	ip->val.ipv4.f2 = c;
	ip->val.ipv4.f3 = d;
}

int ior_ipaddr_parse(ior_ipaddr_t *ip, const char *text)
{
	const char *p = text;

	if (strchr(text, ':')) {
		/* The IPv6 parser reads up to a ']': give it one. */
		char buf[48];
		uint16_t g[8];
		size_t n = strlen(text);

		if (n + 2 > sizeof(buf))
			return -IOR_EINVAL;
		memcpy(buf, text, n);
		buf[n] = ']';
		buf[n + 1] = '\0';
		p = buf;
		if (__ior_parse_ipv6(&p, g) < 0 || p[1] != '\0')
			return -IOR_EINVAL;
		memset(ip, 0, sizeof(*ip));
		ip->tag = IOR_IPADDR_V6;
		memcpy(&ip->val.ipv6, g, sizeof(g));
		return 0;
	} else {
		long b[4];

		for (int i = 0; i < 4; i++) {
			b[i] = __ior_num(&p, 10, 255);
			if (b[i] < 0 || (i < 3 && *p++ != '.'))
				return -IOR_EINVAL;
		}
		if (*p)
			return -IOR_EINVAL;
		ior_ipaddr_v4(ip, (uint8_t)b[0], (uint8_t)b[1], (uint8_t)b[2], (uint8_t)b[3]);
		return 0;
	}
}

struct __ior_out {
	char *buf;
	size_t size;
	size_t len;
};

static void __ior_putc(struct __ior_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void __ior_putn(struct __ior_out *o, unsigned long v, unsigned base)
{
	char digits[12];
	int n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n)
		__ior_putc(o, digits[--n]);
}

size_t ior_addr_format(const ior_sockaddr_t *sa, char *buf, size_t size)
{
	struct __ior_out o = { buf, size, 0 };

	switch (sa->tag) {
	case IOR_ADDR_IPV4: {
		const uint8_t *a = &sa->val.ipv4.address.f0;

		for (int i = 0; i < 4; i++) {
			if (i)
				__ior_putc(&o, '.');
			__ior_putn(&o, a[i], 10);
		}
		__ior_putc(&o, ':');
		__ior_putn(&o, sa->val.ipv4.port, 10);
		break;
	}
	case IOR_ADDR_IPV6: {
		uint16_t g[8];
		int best = -1, best_len = 1;

		memcpy(g, &sa->val.ipv6.address, sizeof(g));
		/* The longest run of two or more zero groups becomes "::". */
		for (int i = 0; i < 8;) {
			int j = i;

			while (j < 8 && !g[j])
				j++;
			if (j - i > best_len) {
				best = i;
				best_len = j - i;
			}
			i = j > i ? j : i + 1;
		}
		__ior_putc(&o, '[');
		for (int i = 0; i < 8; i++) {
			if (i == best) {
				__ior_putc(&o, ':');
				__ior_putc(&o, ':');
				i += best_len - 1;
				continue;
			}
			if (i && i != best + best_len)
				__ior_putc(&o, ':');
			__ior_putn(&o, g[i], 16);
		}
		__ior_putc(&o, ']');
		__ior_putc(&o, ':');
		__ior_putn(&o, sa->val.ipv6.port, 10);
		break;
	}
	case IOR_ADDR_UNIX:
		for (const char *s = "unix:"; *s; s++)
			__ior_putc(&o, *s);
		for (size_t i = 0; i < sa->val.unix.len; i++)
			__ior_putc(&o, (char)sa->val.unix.ptr[i]);
		break;
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}
