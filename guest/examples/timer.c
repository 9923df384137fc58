/*
 * timer - a periodic timer, a watchdog, and cancellation, on the event loop.
 *
 *   ioring run timer.wasm [PERIOD_MS [TICKS]]      (default: 100 ms, 5 ticks)
 *
 * Prints "tick N" every PERIOD_MS milliseconds. After TICKS ticks the tick callback cancels
 * its own timer, whose last callback (-IOR_ECANCELED) prints "stopped after N ticks" and
 * cancels the watchdog, a one-shot timer armed for twice the whole run that would otherwise
 * fail the program.
 */
#include <stdlib.h>

#include "ioring.h"

#define MS 1000000ull

static unsigned ticks, wanted = 5;
static struct ior_op watchdog;

/* Write @len bytes of @text to stdout; the loop copies them when it submits. */
static void say(struct ior_loop *loop, const char *text, size_t len)
{
	ior_sqe_t *sqe = ior_loop_get_sqe(loop, NULL);

	if (!sqe)
		return;
	ior_prep_write(sqe, IOR_STDOUT, text, len, IOR_CURRENT_POSITION);
	/* @text lives on the caller's stack: have the host copy it now. */
	ior_submit(ior_loop_ring(loop));
}

/* "@prefix@n@suffix" into @buf; returns its length. */
static size_t format(char *buf, const char *prefix, unsigned n, const char *suffix)
{
	char digits[10];
	size_t len = 0;
	int d = 0;

	while (*prefix)
		buf[len++] = *prefix++;
	do {
		digits[d++] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	while (d)
		buf[len++] = digits[--d];
	while (*suffix)
		buf[len++] = *suffix++;
	return len;
}

static void on_tick(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	char line[48];

	if (ior_cqe_res(cqe) == -IOR_ETIMEDOUT) {
		/* A period ended; the loop has already armed the next one. */
		say(loop, line, format(line, "tick ", ++ticks, "\n"));
		if (ticks == wanted)
			ior_loop_cancel(loop, op);
		return;
	}
	/* The last call: cancelled (or an error). */
	if (ior_cqe_res(cqe) != -IOR_ECANCELED)
		ior_perror("timer: tick", ior_cqe_res(cqe));
	say(loop, line, format(line, "stopped after ", ticks, " ticks\n"));
	ior_loop_cancel(loop, &watchdog);
}

static void on_watchdog(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	(void)op;
	if (ior_cqe_res(cqe) == -IOR_ECANCELED) {
		say(loop, "watchdog canceled\n", 18);
		return;
	}
	ior_perror("timer: watchdog fired", ior_cqe_res(cqe));
	ior_loop_stop(loop);
}

int main(int argc, char **argv)
{
	struct ior_op tick = IOR_OP_INIT(on_tick, NULL);
	struct ior_loop loop;
	unsigned long period_ms = 100;
	int ret;

	if (argc > 1)
		period_ms = strtoul(argv[1], NULL, 10);
	if (argc > 2)
		wanted = (unsigned)strtoul(argv[2], NULL, 10);
	if (!period_ms || !wanted) {
		ior_perror("usage: timer [PERIOD_MS [TICKS]]", 0);
		return 2;
	}
	ret = ior_loop_init(&loop, 0);
	if (ret < 0) {
		ior_perror("timer: ring", ret);
		return 1;
	}
	ior_op_init(&watchdog, on_watchdog, NULL);
	ior_loop_timer(&loop, &watchdog, 2 * wanted * period_ms * MS);
	ior_loop_timer_periodic(&loop, &tick, period_ms * MS);
	/* Idle once both timers have had their last callback; a stop means the watchdog fired. */
	ret = ior_loop_run(&loop, IOR_RUN_UNTIL_IDLE);
	ior_loop_exit(&loop);
	return ret != 0;
}
