/*
 * Grants over what the WASI runtime was given, and the network policy, from the app's
 * environment (the Node backend's grammar, ts/README.md "The Node backend"):
 *
 *   directories   the runtime's preopens, by guest name (`wasmtime run --dir HOST::NAME`);
 *                 IORING_READONLY='NAME;NAME' makes a grant read-only
 *   IORING_LISTEN='NAME=tcp:IP:PORT;NAME=udp:IP:PORT'   listeners the adapter binds at start
 *   IORING_BIND, IORING_CONNECT='tcp:IP:PORT;udp:IP:PORT'   what the app's own sockets may
 *                 bind (and listen on) and connect or send to; IP and PORT may be `*`
 *   IORING_DEVICE='NAME=PATH'   devices: granted, but every device operation is `not-supported`
 *
 * All of it within what the runtime itself allows (`wasmtime run -S inherit-network`, ...).
 */
#include "wasiring.h"

/* ---- addresses ---- */

void addr_to_ring(const ipaddr_t *in, saddr_t *out)
{
	memset(out, 0, sizeof(*out));
	if (in->tag == WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4) {
		out->tag = SA(IPV4);
		out->val.ipv4.port = in->val.ipv4.port;
		memcpy(&out->val.ipv4.address, &in->val.ipv4.address, 4);
	} else {
		out->tag = SA(IPV6);
		out->val.ipv6.port = in->val.ipv6.port;
		out->val.ipv6.flow_info = in->val.ipv6.flow_info;
		memcpy(&out->val.ipv6.address, &in->val.ipv6.address, 16);
		out->val.ipv6.scope_id = in->val.ipv6.scope_id;
	}
}

int64_t addr_from_ring(const saddr_t *in, ipaddr_t *out)
{
	memset(out, 0, sizeof(*out));
	if (in->tag == SA(IPV4)) {
		out->tag = WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4;
		out->val.ipv4.port = in->val.ipv4.port;
		memcpy(&out->val.ipv4.address, &in->val.ipv4.address, 4);
		return 0;
	}
	if (in->tag == SA(IPV6)) {
		out->tag = WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV6;
		out->val.ipv6.port = in->val.ipv6.port;
		out->val.ipv6.flow_info = in->val.ipv6.flow_info;
		memcpy(&out->val.ipv6.address, &in->val.ipv6.address, 16);
		out->val.ipv6.scope_id = in->val.ipv6.scope_id;
		return 0;
	}
	/* No unix sockets in WASI 0.2. */
	return ERR(EC(ADDRESS_FAMILY_NOT_SUPPORTED));
}

bool addr_eq(const ipaddr_t *a, const ipaddr_t *b)
{
	if (a->tag != b->tag)
		return false;
	if (a->tag == WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4)
		return a->val.ipv4.port == b->val.ipv4.port && !memcmp(&a->val.ipv4.address, &b->val.ipv4.address, 4);
	return a->val.ipv6.port == b->val.ipv6.port && !memcmp(&a->val.ipv6.address, &b->val.ipv6.address, 16);
}

ipaddr_t addr_any(int family)
{
	ipaddr_t a;

	memset(&a, 0, sizeof(a));
	a.tag = family == WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV6 ? WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV6
								      : WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4;
	return a;
}

uint16_t addr_port(const ipaddr_t *a)
{
	return a->tag == WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4 ? a->val.ipv4.port : a->val.ipv6.port;
}

static bool parse_ipv4(const char *s, size_t n, uint8_t out[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;

		while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(s[i++] - '0');
			digits++;
		}
		if (!digits || v > 255)
			return false;
		out[part] = (uint8_t)v;
		if (part < 3) {
			if (i >= n || s[i] != '.')
				return false;
			i++;
		}
	}
	return i == n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool parse_ipv6(const char *s, size_t n, uint16_t out[8])
{
	uint16_t head[8], tail[8];
	int nh = 0, nt = 0;
	bool gap = false;
	size_t i = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = true;
		i = 2;
	}
	while (i < n) {
		unsigned v = 0;
		int digits = 0;

		while (i < n && hexval(s[i]) >= 0 && digits < 4) {
			v = v * 16 + (unsigned)hexval(s[i++]);
			digits++;
		}
		if (!digits)
			return false;
		if (gap)
			tail[nt++] = (uint16_t)v;
		else
			head[nh++] = (uint16_t)v;
		if (nh + nt > 8)
			return false;
		if (i == n)
			break;
		if (s[i] != ':')
			return false;
		i++;
		if (i < n && s[i] == ':') {
			if (gap)
				return false;
			gap = true;
			i++;
		}
	}
	if (!gap && nh != 8)
		return false;
	memset(out, 0, 16);
	memcpy(out, head, (size_t)nh * 2);
	memcpy(out + 8 - nt, tail, (size_t)nt * 2);
	return true;
}

/* ---- patterns: tcp:IP:PORT, udp:IP:PORT, unix:PATH; IP and PORT may be `*` ---- */

struct pattern {
	bool udp, unix_path;
	bool any_host, any_port;
	ipaddr_t host;
	uint16_t port;
};

static struct pattern *bind_pats, *connect_pats;
static size_t nbind, nconnect;

/* Parse "IP:PORT" (IP may be bracketed IPv6, either may be `*` when @wild). */
static bool parse_hostport(const char *s, size_t n, bool wild, struct pattern *p)
{
	size_t cut = n;
	const char *h;
	size_t hn;

	while (cut > 0 && s[cut - 1] != ':')
		cut--;
	if (cut == 0)
		return false;
	h = s;
	hn = cut - 1;
	if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']') {
		h++;
		hn -= 2;
	}
	memset(&p->host, 0, sizeof(p->host));
	if (wild && hn == 1 && h[0] == '*') {
		p->any_host = true;
	} else {
		uint8_t v4[4];
		uint16_t v6[8];

		if (parse_ipv4(h, hn, v4)) {
			p->host.tag = WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4;
			memcpy(&p->host.val.ipv4.address, v4, 4);
		} else if (parse_ipv6(h, hn, v6)) {
			p->host.tag = WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV6;
			memcpy(&p->host.val.ipv6.address, v6, 16);
		} else {
			return false;
		}
	}
	if (wild && n - cut == 1 && s[cut] == '*') {
		p->any_port = true;
	} else {
		unsigned v = 0;

		if (n - cut == 0 || n - cut > 5)
			return false;
		for (size_t i = cut; i < n; i++) {
			if (s[i] < '0' || s[i] > '9')
				return false;
			v = v * 10 + (unsigned)(s[i] - '0');
		}
		if (v > 65535)
			return false;
		p->port = (uint16_t)v;
	}
	if (p->host.tag == WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4)
		p->host.val.ipv4.port = p->port;
	else
		p->host.val.ipv6.port = p->port;
	return true;
}

static bool parse_pattern(const char *s, size_t n, struct pattern *p)
{
	memset(p, 0, sizeof(*p));
	if (n > 4 && !memcmp(s, "tcp:", 4))
		return parse_hostport(s + 4, n - 4, true, p);
	if (n > 4 && !memcmp(s, "udp:", 4)) {
		p->udp = true;
		return parse_hostport(s + 4, n - 4, true, p);
	}
	if (n > 5 && !memcmp(s, "unix:", 5)) {
		p->unix_path = true;
		return true;
	}
	return false;
}

static bool matches(const struct pattern *p, bool udp, const ipaddr_t *a)
{
	if (p->unix_path || p->udp != udp)
		return false;
	if (!p->any_host) {
		if (p->host.tag != a->tag)
			return false;
		if (a->tag == WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV4
			    ? memcmp(&p->host.val.ipv4.address, &a->val.ipv4.address, 4)
			    : memcmp(&p->host.val.ipv6.address, &a->val.ipv6.address, 16))
			return false;
	}
	return p->any_port || p->port == addr_port(a);
}

bool may_bind(bool udp, const ipaddr_t *a)
{
	for (size_t i = 0; i < nbind; i++)
		if (matches(&bind_pats[i], udp, a))
			return true;
	return false;
}

bool may_connect(bool udp, const ipaddr_t *a)
{
	for (size_t i = 0; i < nconnect; i++)
		if (matches(&connect_pats[i], udp, a))
			return true;
	return false;
}

/* ---- grants ---- */

struct grant {
	char *name;
	enum kind kind;
	obj_t *obj;	  /* the directory, listener or device, kept for the app's life */
	int64_t err;	  /* why it could not be made (a listener's bind) */
	int64_t given;	  /* the handle given out, -1 if none */
};

static struct grant *grants;
static size_t ngrants;
static char *readonly_names;

static struct grant *grant_add(const char *name, size_t n, enum kind k)
{
	struct grant *g;

	grants = realloc(grants, (ngrants + 1) * sizeof(*grants));
	if (!grants)
		abort();
	g = &grants[ngrants++];
	memset(g, 0, sizeof(*g));
	g->name = malloc(n + 1);
	if (!g->name)
		abort();
	memcpy(g->name, name, n);
	g->name[n] = 0;
	g->kind = k;
	g->given = -1;
	return g;
}

/* The next `;`-separated item of v[0..n) from *pos; false when none is left. */
static bool next_item(const char *v, size_t n, size_t *pos, const char **item, size_t *len)
{
	size_t j = *pos;

	if (*pos >= n)
		return false;
	while (j < n && v[j] != ';')
		j++;
	*item = v + *pos;
	*len = j - *pos;
	*pos = j + 1;
	return true;
}

static bool is_readonly(const char *name)
{
	size_t n = strlen(name);
	const char *v = readonly_names;

	if (!v)
		return false;
	const char *item;
	size_t len;

	for (size_t pos = 0; next_item(v, strlen(v), &pos, &item, &len);)
		if (len == n && !memcmp(item, name, n))
			return true;
	return false;
}

static void listener_make(struct grant *g, const char *spec, size_t n)
{
	struct pattern p;
	bool udp = false;
	obj_t *o;

	if (n > 4 && !memcmp(spec, "tcp:", 4)) {
		spec += 4;
		n -= 4;
	} else if (n > 4 && !memcmp(spec, "udp:", 4)) {
		spec += 4;
		n -= 4;
		udp = true;
	}
	memset(&p, 0, sizeof(p));
	if (!parse_hostport(spec, n, false, &p)) {
		g->err = ERR(EC(INVALID));
		return;
	}
	if (udp) {
		wasi_sockets_udp_own_udp_socket_t u;
		wasi_sockets_udp_error_code_t e;

		if (!wasi_sockets_udp_create_socket_create_udp_socket(
			    p.host.tag == WASI_SOCKETS_NETWORK_IP_SOCKET_ADDRESS_IPV6 ? WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV6
										   : WASI_SOCKETS_NETWORK_IP_ADDRESS_FAMILY_IPV4,
			    &u, &e)) {
			g->err = net_err(e);
			return;
		}
		o = obj_new(K_UDP);
		o->family = p.host.tag;
		o->udp = u;
		o->granted = true;
		if (!wasi_sockets_udp_method_udp_socket_start_bind(wasi_sockets_udp_borrow_udp_socket(u),
								   wasi_sockets_network_borrow_network(network), &p.host, &e) ||
		    !wasi_sockets_udp_method_udp_socket_finish_bind(wasi_sockets_udp_borrow_udp_socket(u), &e)) {
			g->err = net_err(e);
			obj_unref(o);
			return;
		}
		o->ubound = true;
		/* The streams at once: some runtimes (jco's) drop datagrams that come before them. */
		if (IS_ERR(g->err = udp_ready(o))) {
			obj_unref(o);
			return;
		}
	} else {
		wasi_sockets_tcp_own_tcp_socket_t s;
		wasi_sockets_tcp_error_code_t e;
		int64_t r;
		extern int64_t tcp_bind(obj_t *o, ipaddr_t *a);
		extern int64_t tcp_listen(obj_t *o, uint32_t backlog);

		if (!wasi_sockets_tcp_create_socket_create_tcp_socket(p.host.tag, &s, &e)) {
			g->err = net_err(e);
			return;
		}
		o = obj_new(K_TCP);
		o->family = p.host.tag;
		o->tcp = s;
		o->granted = true;
		if (IS_ERR(r = tcp_bind(o, &p.host)) || IS_ERR(r = tcp_listen(o, 1024))) {
			g->err = r;
			obj_unref(o);
			return;
		}
	}
	g->obj = o;
}

void grants_init(void)
{
	adapter_list_tuple2_string_string_t env;
	wasi_filesystem_preopens_list_tuple2_own_descriptor_string_t pre;

	wasi_cli_environment_get_environment(&env);
	for (size_t i = 0; i < env.len; i++) {
		const char *k = (const char *)env.ptr[i].f0.ptr;
		size_t kn = env.ptr[i].f0.len;
		const char *v = (const char *)env.ptr[i].f1.ptr;
		size_t vn = env.ptr[i].f1.len;

#define KEY(s) (kn == sizeof(s) - 1 && !memcmp(k, s, kn))
		if (KEY("IORING_BIND") || KEY("IORING_CONNECT")) {
			bool bind = KEY("IORING_BIND");

			const char *item;
			size_t len;

			for (size_t pos = 0; next_item(v, vn, &pos, &item, &len);) {
				struct pattern p;

				while (len && *item == ' ') {
					item++;
					len--;
				}
				if (!len || !parse_pattern(item, len, &p))
					continue;
				if (bind) {
					bind_pats = realloc(bind_pats, (nbind + 1) * sizeof(p));
					bind_pats[nbind++] = p;
				} else {
					connect_pats = realloc(connect_pats, (nconnect + 1) * sizeof(p));
					connect_pats[nconnect++] = p;
				}
			}
		} else if (KEY("IORING_LISTEN") || KEY("IORING_DEVICE")) {
			bool listen = KEY("IORING_LISTEN");

			const char *item;
			size_t len;

			for (size_t pos = 0; next_item(v, vn, &pos, &item, &len);) {
				const char *eq = memchr(item, '=', len);
				struct grant *g;

				if (!eq || eq == item)
					continue;
				g = grant_add(item, (size_t)(eq - item), listen ? K_TCP : K_DEVICE);
				if (listen)
					listener_make(g, eq + 1, len - (size_t)(eq - item) - 1);
				else
					g->obj = obj_new(K_DEVICE);
			}
		} else if (KEY("IORING_READONLY")) {
			readonly_names = malloc(vn + 1);
			if (!readonly_names)
				abort();
			memcpy(readonly_names, v, vn);
			readonly_names[vn] = 0;
		}
#undef KEY
	}
	adapter_list_tuple2_string_string_free(&env);

	wasi_filesystem_preopens_get_directories(&pre);
	for (size_t i = 0; i < pre.len; i++) {
		const char *name = (const char *)pre.ptr[i].f1.ptr;
		size_t n = pre.ptr[i].f1.len;
		struct grant *g;
		obj_t *o;

		/* "/data" and "./data" are the grant "data". */
		while (n) {
			if (name[0] == '/') {
				name++;
				n--;
			} else if (n > 1 && name[0] == '.' && name[1] == '/') {
				name += 2;
				n -= 2;
			} else {
				break;
			}
		}
		g = grant_add(name, n, K_DIR);
		o = obj_new(K_DIR);
		o->desc = pre.ptr[i].f0;
		o->borrowed = false; /* the grant keeps it: its last reference drops it */
		o->readable = true;
		/* Runtimes differ in the flags they report for a preopen (jco's lack mutate-directory
		 * for any): read-only is what IORING_READONLY says. */
		o->readonly = is_readonly(g->name);
		g->obj = o;
		adapter_string_free(&pre.ptr[i].f1);
	}
	if (pre.len)
		free(pre.ptr);
}

static bool grant(enum kind k, adapter_string_t *name, uint32_t *ret, uint8_t *err)
{
	adapter_init();
	for (size_t i = 0; i < ngrants; i++) {
		struct grant *g = &grants[i];
		int64_t h;

		if (strlen(g->name) != name->len || memcmp(g->name, name->ptr, name->len))
			continue;
		if (g->kind != k)
			continue;
		adapter_string_free(name);
		if (!g->obj) {
			*err = ERR_CODE(g->err ? g->err : ERR(EC(IO)));
			return false;
		}
		/* The same handle while the app keeps it open. */
		if (g->given >= 0 && handles[g->given] == g->obj) {
			*ret = (uint32_t)g->given;
			return true;
		}
		h = handle_add(obj_ref(g->obj));
		if (IS_ERR(h)) {
			obj_unref(g->obj);
			*err = ERR_CODE(h);
			return false;
		}
		g->given = h;
		*ret = (uint32_t)h;
		return true;
	}
	adapter_string_free(name);
	*err = EC(NO_ENTRY);
	return false;
}

bool exports_ioring_ring_grants_directory(adapter_string_t *name, exports_ioring_ring_grants_handle_t *ret,
					  exports_ioring_ring_grants_error_code_t *err)
{
	return grant(K_DIR, name, ret, err);
}

bool exports_ioring_ring_grants_listener(adapter_string_t *name, exports_ioring_ring_grants_handle_t *ret,
					 exports_ioring_ring_grants_error_code_t *err)
{
	return grant(K_TCP, name, ret, err);
}

bool exports_ioring_ring_grants_device(adapter_string_t *name, exports_ioring_ring_grants_handle_t *ret,
				       exports_ioring_ring_grants_error_code_t *err)
{
	return grant(K_DEVICE, name, ret, err);
}
