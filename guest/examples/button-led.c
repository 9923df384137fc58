/*
 * button-led - a button drives an LED, on the event loop.
 *
 *   ioring run --device gpio=/dev/gpiochip0 button-led.wasm [BUTTON_LINE [LED_LINE [COUNT]]]
 *
 * (default: button on line 1, LED on line 0, run until killed). The button's line is
 * requested as an input with a pull-up and both edges, the LED's as an output that starts as
 * the button reads. One multishot gpio-edges operation delivers every edge of the button;
 * each edge's callback drives the LED to the button's new state (a rising edge lights it).
 * Every edge's sequence number is checked: a gap means edges were lost. Once the button has
 * had COUNT edges (those lost included) the stream is cancelled, the lines are released, and
 * the program prints
 *
 *   button-led: N edges, seqno 1..S, L lost, T us from first to last
 *
 * and exits 0 (1 if any edge was lost or an operation failed).
 */
#include <stdlib.h>

#include "ioring.h"

static ior_handle_t button, led;
static unsigned long wanted, edges, lost, last_seqno, released;
static uint64_t first_ns, last_ns;
static int failed;

static struct ior_op edges_op, set_op, release_op, print_op;
static char summary[160];

/* @text appended at @buf + *@len. */
static void put_text(char *buf, size_t *len, const char *text)
{
	while (*text)
		buf[(*len)++] = *text++;
}

/* "@prefix@n" appended at @buf + *@len. */
static void put(char *buf, size_t *len, const char *prefix, unsigned long long n)
{
	char digits[24];
	int d = 0;

	put_text(buf, len, prefix);
	do {
		digits[d++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (d)
		buf[(*len)++] = digits[--d];
}

static void on_set(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	(void)op;
	if (ior_cqe_res(cqe) < 0) {
		ior_perror("button-led: set the LED", ior_cqe_res(cqe));
		failed = 1;
		ior_loop_cancel(loop, &edges_op);
	}
}

static void on_edge(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	const ior_gpio_edge_t *edge = ior_cqe_gpio_edge(cqe);
	ior_sqe_t *sqe;

	if (!ior_cqe_more(cqe)) {
		/* The stream's end: cancelled after COUNT edges, or an error. */
		if (ior_cqe_res(cqe) != -IOR_ECANCELED) {
			ior_perror("button-led: edges", ior_cqe_res(cqe));
			failed = 1;
		}
		/* Release both lines; the second release prints the summary. */
		sqe = ior_loop_get_sqe(loop, &release_op);
		if (sqe)
			ior_prep_gpio_release(sqe, led);
		sqe = ior_loop_get_sqe(loop, &release_op);
		if (sqe)
			ior_prep_gpio_release(sqe, button);
		return;
	}
	if (!edge)
		return;
	if (edges == 0)
		first_ns = edge->timestamp_ns;
	last_ns = edge->timestamp_ns;
	lost += edge->seqno - last_seqno - 1;
	last_seqno = edge->seqno;
	edges++;
	/* The LED follows the button: one SQE per edge, in edge order. */
	sqe = ior_loop_get_sqe(loop, &set_op);
	if (sqe)
		ior_prep_gpio_set(sqe, led, edge->rising);
	/* COUNT edges happened (those lost included): stop. */
	if (wanted && last_seqno >= wanted)
		ior_loop_cancel(loop, op);
}

static void on_printed(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	(void)op;
	(void)cqe;
	ior_loop_stop(loop);
}

static void on_released(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	char *line = summary;
	size_t len = 0;
	ior_sqe_t *sqe;

	(void)op;
	if (ior_cqe_res(cqe) < 0) {
		ior_perror("button-led: release", ior_cqe_res(cqe));
		failed = 1;
	}
	if (++released < 2)
		return;
	put(line, &len, "button-led: ", edges);
	put(line, &len, " edges, seqno ", edges ? 1 : 0);
	put(line, &len, "..", last_seqno);
	put(line, &len, ", ", lost);
	put(line, &len, " lost, ", (last_ns - first_ns) / 1000);
	put_text(line, &len, " us from first to last\n");
	/* The loop stops once the line is written. */
	sqe = ior_loop_get_sqe(loop, &print_op);
	if (sqe)
		ior_prep_write(sqe, IOR_STDOUT, line, len, IOR_CURRENT_POSITION);
	else
		ior_loop_stop(loop);
}

/* Runs one SQE to completion on the loop's ring by hand (set-up); its result. */
static int one(struct ior_loop *loop, ior_handle_t *handle)
{
	ior_cqe_t *cqe;
	int res;

	if (ior_wait_cqe(ior_loop_ring(loop), &cqe) < 0)
		return -IOR_EIO;
	res = ior_cqe_res(cqe);
	if (res >= 0 && handle)
		*handle = (ior_handle_t)ior_cqe_handle(cqe);
	ior_cqe_seen(ior_loop_ring(loop), cqe);
	return res;
}

int main(int argc, char **argv)
{
	unsigned long button_line = argc > 1 ? strtoul(argv[1], NULL, 0) : 1;
	unsigned long led_line = argc > 2 ? strtoul(argv[2], NULL, 0) : 0;
	struct ior_loop loop;
	struct ior_ring *ring;
	int chip, res;

	wanted = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;
	chip = ior_grant_device("gpio");
	if (chip < 0) {
		ior_perror("button-led: device \"gpio\"", chip);
		return 1;
	}
	res = ior_loop_init(&loop, 0);
	if (res < 0) {
		ior_perror("button-led: ring", res);
		return 1;
	}
	ring = ior_loop_ring(&loop);
	ior_prep_gpio_request(ior_get_sqe(ring), (ior_handle_t)chip, (uint32_t)button_line,
			      IOR_GPIO_INPUT, IOR_GPIO_PULL_UP | IOR_GPIO_EDGE_BOTH);
	res = one(&loop, &button);
	if (res < 0) {
		ior_perror("button-led: request the button's line", res);
		return 1;
	}
	ior_prep_gpio_get(ior_get_sqe(ring), button);
	res = one(&loop, NULL);
	if (res < 0) {
		ior_perror("button-led: read the button", res);
		return 1;
	}
	ior_prep_gpio_request(ior_get_sqe(ring), (ior_handle_t)chip, (uint32_t)led_line,
			      IOR_GPIO_OUTPUT, res ? IOR_GPIO_INITIAL_ACTIVE : 0);
	res = one(&loop, &led);
	if (res < 0) {
		ior_perror("button-led: request the LED's line", res);
		return 1;
	}
	ior_op_init(&edges_op, on_edge, NULL);
	ior_op_init(&set_op, on_set, NULL);
	ior_op_init(&release_op, on_released, NULL);
	ior_op_init(&print_op, on_printed, NULL);
	ior_prep_gpio_edges(ior_loop_get_sqe(&loop, &edges_op), button);
	ior_loop_run(&loop, IOR_RUN_UNTIL_STOPPED);
	ior_loop_exit(&loop);
	return failed || lost ? 1 : 0;
}
