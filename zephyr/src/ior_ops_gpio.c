/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * ior_ops_gpio.c - GPIO lines of a GPIO controller granted in devicetree (a device grant
 * whose node is a `gpio-controller`), through Zephyr's GPIO API, on the GPIO iodev. Its
 * submit runs in the guest's thread, inside rtio_submit: gpio-request configures the pin
 * (gpio_pin_configure; with edges, a gpio_callback and gpio_pin_interrupt_configure),
 * gpio-get and gpio-set read and drive it, and close releases it. These driver calls do not
 * block.
 *
 * gpio-edges stays with the iodev: the pin's callback (an interrupt, or, on gpio_emul, the
 * thread that changed the input) records each edge in the line's buffer of
 * IORING_GPIO_EVENTS, and the stream posts them into the ring's RTIO completion queue, one
 * CQE with `more` set per edge, the next once the guest has reaped the last (ior_gpio_reaped,
 * from ring_retire): the edges that come meanwhile wait in the buffer, in order. Edges are
 * recorded from the request on, so none is missed before the stream starts; a full buffer
 * drops its oldest edge (as Linux's line buffer does), whose sequence number is then missing
 * from what the guest sees. Each
 * edge is timestamped with the 64-bit cycle counter where there is one (nanoseconds since
 * boot), else the tick count.
 */
#include <string.h>

#include <zephyr/device.h>
#include <zephyr/drivers/gpio.h>
#include <zephyr/kernel.h>

#include "ior_grants.h"
#include "ior_internal.h"

/* One requested line. */
struct ior_gpio_line {
	bool in_use;
	bool output;
	bool value;             /**< output: the logical value it drives */
	uint8_t edges;          /**< IOR_ABI_GPIO_EDGE_* */
	const struct device *port;
	gpio_pin_t pin;
	struct gpio_callback cb;
	uint32_t seqno;         /**< edges seen since the request */
	uint32_t head, count;   /**< edges recorded and not yet posted, from events[head] */
	struct ior_abi_gpio_edge events[CONFIG_IORING_GPIO_EVENTS];
	struct ior_op *stream;  /**< its gpio-edges operation, while one runs */
	bool posted;            /**< the stream has a CQE the guest has not reaped */
};

static struct ior_gpio_line ior_lines[CONFIG_IORING_GPIO_LINES];

static uint64_t now_ns(void)
{
#ifdef CONFIG_TIMER_HAS_64BIT_CYCLE_COUNTER
	return k_cyc_to_ns_floor64(k_cycle_get_64());
#else
	return k_ticks_to_ns_floor64(k_uptime_ticks());
#endif
}

/* Posts @l's oldest recorded edge to its stream (irq locked, a stream armed, none posted). */
static void post_next(struct ior_gpio_line *l)
{
	struct ior_op *op = l->stream;
	struct ior_abi_gpio_edge *e = &l->events[l->head];

	op->detail.detail = IOR_ABI_DETAIL_GPIO_EDGE;
	op->detail.edge = *e;
	l->head = (l->head + 1) % CONFIG_IORING_GPIO_EVENTS;
	l->count--;
	l->posted = true;
	ior_op_post_more(op, e->rising ? 1 : 0);
}

static void on_edge(const struct device *port, struct gpio_callback *cb, gpio_port_pins_t pins)
{
	struct ior_gpio_line *l = CONTAINER_OF(cb, struct ior_gpio_line, cb);
	unsigned int key;
	bool rising;
	int level;

	if (!(pins & BIT(l->pin)))
		return;
	/* Which edge: the one configured, or with both the (logical) level it left. */
	if (l->edges == IOR_ABI_GPIO_EDGE_RISING) {
		rising = true;
	} else if (l->edges == IOR_ABI_GPIO_EDGE_FALLING) {
		rising = false;
	} else {
		level = gpio_pin_get(port, l->pin);
		rising = level > 0;
	}
	key = irq_lock();
	l->seqno++;
	if (l->count == CONFIG_IORING_GPIO_EVENTS) {
		/* Full: the oldest edge goes, as the Linux kernel's line buffer drops it. */
		l->head = (l->head + 1) % CONFIG_IORING_GPIO_EVENTS;
		l->count--;
	}
	struct ior_abi_gpio_edge *e = &l->events[(l->head + l->count) % CONFIG_IORING_GPIO_EVENTS];

	e->rising = rising;
	e->timestamp_ns = now_ns();
	e->seqno = l->seqno;
	l->count++;
	if (l->stream && !l->posted && l->count)
		post_next(l);
	irq_unlock(key);
}

static struct ior_gpio_line *line_of(uint32_t fd)
{
	struct ior_handle *h = ior_handle_get(fd, BIT(IOR_H_GPIO));

	return h ? h->obj : NULL;
}

/*
 * Ends @l's stream with `canceled`: now, or, when an edge of it waits to be reaped, once it
 * has been (ior_gpio_reaped), so that the edge's CQE keeps its edge and comes first.
 */
static void end_stream(struct ior_gpio_line *l)
{
	unsigned int key = irq_lock();
	struct ior_op *op = l->stream;
	bool posted = l->posted;

	l->stream = NULL;
	l->posted = false;
	if (op && posted)
		op->canceled = true;
	irq_unlock(key);
	if (op && !posted)
		ior_op_done(op, -ECANCELED);
}

/*
 * Releases @l: its edge stream ends, its interrupt and callback go; the pin keeps its
 * direction and level, as a line released on Linux keeps the chip's.
 */
static void release(struct ior_gpio_line *l)
{
	end_stream(l);
	if (l->edges) {
		(void)gpio_pin_interrupt_configure(l->port, l->pin, GPIO_INT_DISABLE);
		(void)gpio_remove_callback(l->port, &l->cb);
	}
	l->in_use = false;
}

static int request(struct ior_op *op)
{
	const struct ior_abi_sqe *s = &op->sqe;
	const struct ior_abi_gpio *a = &s->gpio;
	struct ior_handle *chip = ior_handle_get(s->fd, ~0u);
	const struct gpio_driver_config *cfg;
	const struct ior_grant *g;
	struct ior_gpio_line *l = NULL;
	gpio_flags_t flags;
	int h, ret;

	if (!chip)
		return -EBADF;
	if (chip->kind != IOR_H_DEVICE || chip->grant < 0)
		return -EACCES; /* the chip reaches hardware: a device grant only, as Linux */
	g = &ior_grants[chip->grant];
	if (g->bus != IOR_GRANT_BUS_GPIO)
		return -ENOTTY; /* a device, but no GPIO controller: as the Linux ioctl's ENOTTY */
	cfg = g->dev->config;
	if (a->line >= 32 || !(cfg->port_pin_mask & BIT(a->line)))
		return -EINVAL;
	if (a->edges && a->direction == IOR_ABI_GPIO_OUTPUT)
		return -EINVAL;
	for (int i = 0; i < CONFIG_IORING_GPIO_LINES; i++) {
		if (ior_lines[i].in_use && ior_lines[i].port == g->dev &&
		    ior_lines[i].pin == a->line)
			return -EBUSY;
		if (!ior_lines[i].in_use && !l)
			l = &ior_lines[i];
	}
	if (!l)
		return -ENOMEM;
	flags = a->active_low ? GPIO_ACTIVE_LOW : 0;
	flags |= a->bias == IOR_ABI_GPIO_PULL_UP ? GPIO_PULL_UP
		 : a->bias == IOR_ABI_GPIO_PULL_DOWN ? GPIO_PULL_DOWN : 0;
	if (a->direction == IOR_ABI_GPIO_OUTPUT)
		flags |= a->initial ? GPIO_OUTPUT_ACTIVE : GPIO_OUTPUT_INACTIVE;
	else
		flags |= GPIO_INPUT;
	h = ior_handle_alloc();
	if (h < 0)
		return h;
	memset(l, 0, sizeof(*l));
	l->port = g->dev;
	l->pin = (gpio_pin_t)a->line;
	l->output = a->direction == IOR_ABI_GPIO_OUTPUT;
	l->value = a->initial;
	l->edges = a->edges;
	ret = gpio_pin_configure(l->port, l->pin, flags);
	if (ret == 0 && l->edges) {
		gpio_flags_t irq = l->edges == IOR_ABI_GPIO_EDGE_RISING	   ? GPIO_INT_EDGE_RISING
				   : l->edges == IOR_ABI_GPIO_EDGE_FALLING ? GPIO_INT_EDGE_FALLING
									   : GPIO_INT_EDGE_BOTH;

		gpio_init_callback(&l->cb, on_edge, BIT(l->pin));
		ret = gpio_add_callback(l->port, &l->cb);
		/* Edges of the logical level: rising is inactive to active, active-low too. */
		if (ret == 0)
			ret = gpio_pin_interrupt_configure(l->port, l->pin,
							   irq | GPIO_INT_LEVELS_LOGICAL);
		if (ret < 0)
			(void)gpio_remove_callback(l->port, &l->cb);
	}
	if (ret < 0) {
		ior_handle_free(h);
		return ret == -ENOTSUP ? -EINVAL : ret;
	}
	l->in_use = true;
	ior_handle_get(h, ~0u)->kind = IOR_H_GPIO;
	ior_handle_get(h, ~0u)->obj = l;
	op->detail.detail = IOR_ABI_DETAIL_HANDLE;
	op->detail.handle = (uint32_t)h;
	return 0;
}

static int edges(struct ior_op *op)
{
	struct ior_gpio_line *l = line_of(op->sqe.fd);
	unsigned int key;

	if (!l)
		return -EBADF;
	if (!l->edges)
		return -EINVAL;
	key = irq_lock();
	if (l->stream) {
		irq_unlock(key);
		return -EBUSY;
	}
	l->stream = op;
	l->posted = false;
	if (l->count)
		post_next(l);
	irq_unlock(key);
	return -EINPROGRESS; /* it goes on */
}

static int run(struct ior_op *op)
{
	const struct ior_abi_sqe *s = &op->sqe;
	struct ior_gpio_line *l;
	int v;

	switch (s->op) {
	case IOR_ABI_OP_GPIO_REQUEST:
		return request(op);
	case IOR_ABI_OP_GPIO_EDGES:
		return edges(op);
	case IOR_ABI_OP_GPIO_GET:
		l = line_of(s->fd);
		if (!l)
			return -EBADF;
		if (l->output)
			return l->value; /* what it drives */
		v = gpio_pin_get(l->port, l->pin);
		return v < 0 ? v : v > 0;
	case IOR_ABI_OP_GPIO_SET:
		l = line_of(s->fd);
		if (!l)
			return -EBADF;
		if (!l->output)
			return -EPERM; /* an input line: as Linux */
		v = gpio_pin_set(l->port, l->pin, s->flag);
		if (v < 0)
			return v;
		l->value = s->flag;
		return 0;
	case IOR_ABI_OP_CLOSE:
		l = line_of(s->fd);
		if (!l)
			return -EBADF;
		release(l);
		ior_handle_free(s->fd);
		return 0;
	default:
		return -ENOTSUP;
	}
}

static void gpio_submit(struct rtio_iodev_sqe *iodev_sqe)
{
	struct ior_op *op;
	int res;

	if (!ior_op_begin(iodev_sqe, &op))
		return;
	res = run(op);
	if (res != -EINPROGRESS)
		ior_op_done(op, res);
}

const struct rtio_iodev_api ior_iodev_gpio_api = {.submit = gpio_submit};

int ior_gpio_prepare(struct ior_op *op)
{
	/* Everything is checked when it runs, in order with the rest of its chain. */
	(void)op;
	return 0;
}

static struct ior_gpio_line *streaming(struct ior_op *op)
{
	for (int i = 0; i < CONFIG_IORING_GPIO_LINES; i++) {
		if (ior_lines[i].in_use && ior_lines[i].stream == op)
			return &ior_lines[i];
	}
	return NULL;
}

/* A stream with an edge not yet reaped ends after it (ior_gpio_reaped sees `canceled`). */
bool ior_gpio_cancel(struct ior_op *op)
{
	struct ior_gpio_line *l = streaming(op);

	if (!l || l->posted)
		return false;
	end_stream(l);
	return true;
}

/* The guest reaped a stream's edge: post the next one waiting, or end a cancelled stream. */
void ior_gpio_reaped(struct ior_op *op)
{
	unsigned int key = irq_lock();
	struct ior_gpio_line *l = streaming(op);

	if (!l || op->canceled) {
		/* Cancelled, or its line released, while the edge waited. */
		if (l) {
			l->stream = NULL;
			l->posted = false;
		}
		irq_unlock(key);
		ior_op_done(op, -ECANCELED);
		return;
	}
	l->posted = false;
	if (l->count)
		post_next(l);
	irq_unlock(key);
}

void ior_gpio_close_all(void)
{
	for (int i = 0; i < CONFIG_IORING_GPIO_LINES; i++) {
		if (ior_lines[i].in_use)
			release(&ior_lines[i]);
	}
}
