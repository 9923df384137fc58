/*
 * gpio: gpio-request, gpio-get, gpio-set, gpio-edges and a line's release, on the GPIO chip
 * granted as "gpio", whose lines 0 -> 1 and 2 -> 3 are wired: what line 0 drives, line 1
 * reads (the Zephyr image wires its emulated controller so; run.mjs grants a Linux chip only
 * when IORING_CONFORMANCE_GPIO names one wired alike). A host with no chip granted answers
 * `no-entry` for the grant, and the cases that need one skip; the refusals (a chip that is no
 * device grant, line operations on what is no line) run everywhere. Each case releases the
 * lines it requested (they are the guest's, not the ring's), and leaves its outputs low.
 */
#include "conform.h"

/* The chip's handle, or skip the case: a host with no GPIO chip grants none (no-entry). */
#define CHIP_OR_SKIP(chip)                                                                     \
	do {                                                                                   \
		(chip) = ior_grant_device("gpio");                                             \
		if ((chip) == -IOR_ENOENT)                                                     \
			SKIP("no GPIO chip granted (the grant \"gpio\" is no-entry)");         \
		CHECK((chip) >= 0, "grant gpio: %s", t_code(chip));                            \
	} while (0)

static int request(struct ior_ring *ring, int chip, unsigned line, unsigned dir, unsigned flags)
{
	struct t_cqe c;
	int res;

	ior_prep_gpio_request(ior_get_sqe(ring), (ior_handle_t)chip, line, dir, flags);
	res = t_one(ring, &c);
	return res < 0 ? res : c.handle;
}

static int get(struct ior_ring *ring, int line)
{
	ior_prep_gpio_get(ior_get_sqe(ring), (ior_handle_t)line);
	return t_one(ring, NULL);
}

static int set(struct ior_ring *ring, int line, bool value)
{
	ior_prep_gpio_set(ior_get_sqe(ring), (ior_handle_t)line, value);
	return t_one(ring, NULL);
}

static int release(struct ior_ring *ring, int line)
{
	ior_prep_gpio_release(ior_get_sqe(ring), (ior_handle_t)line);
	return t_one(ring, NULL);
}

/*
 * Output line @line, driven low, with the line wired to it reading low too: set high then
 * low, since a wire follows changes only. Its handle or -IOR_E*.
 */
static int output_low(struct ior_ring *ring, int chip, unsigned line)
{
	int out = request(ring, chip, line, IOR_GPIO_OUTPUT, 0), res;

	if (out < 0)
		return out;
	if ((res = set(ring, out, true)) < 0 || (res = set(ring, out, false)) < 0)
		return res;
	return out;
}

static void gpio_request_refused(struct ior_ring *ring)
{
	int res;

	/* Standard output and a directory are no device grants: the chip reaches hardware. */
	res = request(ring, (int)IOR_STDOUT, 0, IOR_GPIO_INPUT, 0);
	CHECK(res == -IOR_EACCES, "gpio-request on stdout: %s, want access", t_code(res));
	res = request(ring, t_dir("ro"), 0, IOR_GPIO_OUTPUT, 0);
	CHECK(res == -IOR_EACCES, "gpio-request on a directory: %s, want access", t_code(res));
	res = request(ring, 1000, 0, IOR_GPIO_INPUT, 0);
	CHECK(res == -IOR_EBADF, "gpio-request on a handle never opened: %s, want bad-descriptor",
	      t_code(res));
	PASS();
}

static void gpio_ops_no_line(struct ior_ring *ring)
{
	const int handles[] = {(int)IOR_STDOUT, t_dir("ro"), 1000};
	int res;

	for (unsigned i = 0; i < sizeof(handles) / sizeof(handles[0]); i++) {
		res = get(ring, handles[i]);
		CHECK(res == -IOR_EBADF, "gpio-get on %d: %s, want bad-descriptor", handles[i], t_code(res));
		res = set(ring, handles[i], true);
		CHECK(res == -IOR_EBADF, "gpio-set on %d: %s, want bad-descriptor", handles[i], t_code(res));
		ior_prep_gpio_edges(ior_get_sqe(ring), (ior_handle_t)handles[i]);
		res = t_one(ring, NULL);
		CHECK(res == -IOR_EBADF, "gpio-edges on %d: %s, want bad-descriptor", handles[i],
		      t_code(res));
	}
	PASS();
}

static void gpio_output(struct ior_ring *ring)
{
	int chip, out, again, res;

	CHIP_OR_SKIP(chip);
	out = request(ring, chip, 0, IOR_GPIO_OUTPUT, IOR_GPIO_INITIAL_ACTIVE);
	CHECK(out >= 0, "request line 0 as an output: %s", t_code(out));
	res = get(ring, out);
	CHECK(res == 1, "gpio-get of an output that started active: %s, want 1", t_code(res));
	res = set(ring, out, false);
	CHECK(res == 0, "gpio-set 0: %s", t_code(res));
	res = get(ring, out);
	CHECK(res == 0, "gpio-get after gpio-set 0: %s, want 0", t_code(res));
	/* One line, one holder; released, it may be requested again. */
	res = request(ring, chip, 0, IOR_GPIO_OUTPUT, 0);
	CHECK(res == -IOR_EBUSY, "request line 0 twice: %s, want busy", t_code(res));
	res = release(ring, out);
	CHECK(res == 0, "release: %s", t_code(res));
	res = get(ring, out);
	CHECK(res == -IOR_EBADF, "gpio-get after release: %s, want bad-descriptor", t_code(res));
	again = request(ring, chip, 0, IOR_GPIO_OUTPUT, 0);
	CHECK(again >= 0, "request line 0 after its release: %s", t_code(again));
	CHECK(release(ring, again) == 0, "release");
	PASS();
}

static void gpio_input_wired(struct ior_ring *ring)
{
	int chip, out, in, res;

	CHIP_OR_SKIP(chip);
	out = output_low(ring, chip, 0);
	CHECK(out >= 0, "line 0 as an output: %s", t_code(out));
	in = request(ring, chip, 1, IOR_GPIO_INPUT, 0);
	CHECK(in >= 0, "line 1 as an input: %s", t_code(in));
	res = get(ring, in);
	CHECK(res == 0, "line 1 with line 0 low: %s, want 0", t_code(res));
	CHECK(set(ring, out, true) == 0, "gpio-set line 0");
	res = get(ring, in);
	CHECK(res == 1, "line 1 with line 0 high: %s, want 1", t_code(res));
	res = set(ring, in, false);
	CHECK(res == -IOR_EPERM, "gpio-set on an input: %s, want not-permitted", t_code(res));
	CHECK(set(ring, out, false) == 0, "gpio-set line 0 low");
	CHECK(release(ring, in) == 0 && release(ring, out) == 0, "release");
	PASS();
}

static void gpio_refusals(struct ior_ring *ring)
{
	int chip, in, res;

	CHIP_OR_SKIP(chip);
	res = request(ring, chip, 100000, IOR_GPIO_INPUT, 0);
	CHECK(res == -IOR_EINVAL, "request line 100000: %s, want invalid", t_code(res));
	res = request(ring, chip, 0, IOR_GPIO_OUTPUT, IOR_GPIO_EDGE_RISING);
	CHECK(res == -IOR_EINVAL, "an output with edges: %s, want invalid", t_code(res));
	in = request(ring, chip, 1, IOR_GPIO_INPUT, 0);
	CHECK(in >= 0, "line 1 as an input without edges: %s", t_code(in));
	ior_prep_gpio_edges(ior_get_sqe(ring), (ior_handle_t)in);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EINVAL, "gpio-edges on a line without edges: %s, want invalid", t_code(res));
	CHECK(release(ring, in) == 0, "release");
	PASS();
}

static void gpio_edges(struct ior_ring *ring)
{
	struct t_cqe c[16];
	ior_sqe_t *sqe;
	int chip, out, in, res, edges = 0, sets = 0;
	uint64_t last_ns = 0;

	CHIP_OR_SKIP(chip);
	out = output_low(ring, chip, 2);
	CHECK(out >= 0, "line 2 as an output: %s", t_code(out));
	in = request(ring, chip, 3, IOR_GPIO_INPUT, IOR_GPIO_EDGE_BOTH);
	CHECK(in >= 0, "line 3 as an input with both edges: %s", t_code(in));
	sqe = ior_get_sqe(ring);
	ior_prep_gpio_edges(sqe, (ior_handle_t)in);
	ior_sqe_set_data32(sqe, 7);
	/* Eight changes in one submit: eight edges, in order, rising first. */
	for (int i = 0; i < 8; i++) {
		sqe = ior_get_sqe(ring);
		ior_prep_gpio_set(sqe, (ior_handle_t)out, i % 2 == 0);
		ior_sqe_set_data32(sqe, 100 + i);
	}
	CHECK(t_reap(ring, c, 16) == 16, "8 sets and 8 edges did not all complete");
	for (int i = 0; i < 16; i++) {
		if (c[i].user_data >= 100) {
			CHECK(c[i].res == 0, "gpio-set %u: %s", c[i].user_data - 100, t_code(c[i].res));
			sets++;
			continue;
		}
		CHECK(c[i].user_data == 7 && c[i].more, "CQE %d: user data %u, more %d", i,
		      c[i].user_data, c[i].more);
		CHECK(c[i].has_edge, "edge %d carries no gpio-edge", edges + 1);
		CHECK(c[i].edge.rising == (edges % 2 == 0) && c[i].res == (edges % 2 == 0),
		      "edge %d: rising %d, result %s", edges + 1, c[i].edge.rising, t_code(c[i].res));
		CHECK(c[i].edge.seqno == (uint32_t)edges + 1, "edge %d has seqno %u", edges + 1,
		      c[i].edge.seqno);
		CHECK(c[i].edge.timestamp_ns >= last_ns, "edge %d went back in time", edges + 1);
		last_ns = c[i].edge.timestamp_ns;
		edges++;
	}
	CHECK(sets == 8 && edges == 8, "%d sets, %d edges", sets, edges);
	/* One stream per line at a time. */
	CHECK(t_quiet(ring, 0), "a CQE came with no edge");
	ior_prep_gpio_edges(ior_get_sqe(ring), (ior_handle_t)in);
	res = t_one(ring, NULL);
	CHECK(res == -IOR_EBUSY, "a second gpio-edges on the line: %s, want busy", t_code(res));
	/* Cancelled, the stream ends with canceled and no more. */
	ior_prep_cancel32(ior_get_sqe(ring), 7, 0);
	CHECK(t_reap(ring, c, 2) == 2, "the cancel and the stream's end did not both come");
	for (int i = 0; i < 2; i++) {
		if (c[i].user_data == 7)
			CHECK(c[i].res == -IOR_ECANCELED && !c[i].more, "the stream ended with %s, more %d",
			      t_code(c[i].res), c[i].more);
		else
			CHECK(c[i].res == 1, "cancel: %s, want 1", t_code(c[i].res));
	}
	CHECK(release(ring, in) == 0 && release(ring, out) == 0, "release");
	PASS();
}

static void gpio_active_low(struct ior_ring *ring)
{
	struct t_cqe c[4];
	ior_sqe_t *sqe;
	int chip, out, in, res, n;

	CHIP_OR_SKIP(chip);
	/* An active-low output drives low when active: the plain input wired to it reads 0. */
	out = request(ring, chip, 0, IOR_GPIO_OUTPUT, IOR_GPIO_ACTIVE_LOW);
	CHECK(out >= 0, "line 0 as an active-low output: %s", t_code(out));
	CHECK(set(ring, out, true) == 0 && set(ring, out, false) == 0, "gpio-set line 0");
	in = request(ring, chip, 1, IOR_GPIO_INPUT, 0);
	CHECK(in >= 0, "line 1 as an input: %s", t_code(in));
	res = get(ring, in);
	CHECK(res == 1, "line 1 with line 0 inactive (high): %s, want 1", t_code(res));
	CHECK(set(ring, out, true) == 0, "gpio-set line 0 active");
	res = get(ring, in);
	CHECK(res == 0, "line 1 with line 0 active (low): %s, want 0", t_code(res));
	CHECK(release(ring, in) == 0 && release(ring, out) == 0, "release");
	/* An active-low input with rising edges: physical high to low is its rising edge. */
	out = output_low(ring, chip, 2);
	CHECK(out >= 0, "line 2 as an output: %s", t_code(out));
	CHECK(set(ring, out, true) == 0, "gpio-set line 2 high");
	in = request(ring, chip, 3, IOR_GPIO_INPUT, IOR_GPIO_ACTIVE_LOW | IOR_GPIO_EDGE_RISING);
	CHECK(in >= 0, "line 3 as an active-low input with rising edges: %s", t_code(in));
	res = get(ring, in);
	CHECK(res == 0, "line 3 (active-low) while high: %s, want 0", t_code(res));
	sqe = ior_get_sqe(ring);
	ior_prep_gpio_edges(sqe, (ior_handle_t)in);
	ior_sqe_set_data32(sqe, 9);
	ior_prep_gpio_set(ior_get_sqe(ring), (ior_handle_t)out, false);
	n = (int)t_reap(ring, c, 2);
	CHECK(n == 2, "the set and the edge did not both complete");
	for (int i = 0; i < 2; i++) {
		if (c[i].user_data == 9)
			CHECK(c[i].has_edge && c[i].edge.rising && c[i].res == 1 && c[i].edge.seqno == 1,
			      "the edge of high to low: rising %d, seqno %u, %s", c[i].edge.rising,
			      c[i].edge.seqno, t_code(c[i].res));
	}
	/* Low to high is a falling edge, which it does not report. */
	CHECK(set(ring, out, true) == 0, "gpio-set line 2 high again");
	CHECK(t_quiet(ring, 100 * 1000 * 1000LL), "a falling edge was reported without being asked for");
	ior_prep_cancel32(ior_get_sqe(ring), 9, 0);
	CHECK(t_reap(ring, c, 2) == 2, "the cancel and the stream's end did not both come");
	CHECK(set(ring, out, false) == 0, "gpio-set line 2 low");
	CHECK(release(ring, in) == 0 && release(ring, out) == 0, "release");
	PASS();
}

int main(void)
{
	t_run("gpio-request-refused", gpio_request_refused);
	t_run("gpio-ops-no-line", gpio_ops_no_line);
	t_run("gpio-output", gpio_output);
	t_run("gpio-input-wired", gpio_input_wired);
	t_run("gpio-refusals", gpio_refusals);
	t_run("gpio-edges", gpio_edges);
	t_run("gpio-active-low", gpio_active_low);
	return t_failures ? 1 : 0;
}
