/*
 * sdk-loop: the C SDK's event loop, run modes and by-hand ring API against the Linux host,
 * one line per check, so the test can compare the exact sequence of callbacks and codes.
 */
#include <stdio.h>
#include <string.h>

#include "ioring.h"

#define MS 1000000ull

static void say_timer(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	(void)loop;
	printf("timer %s: %s more=%d\n", (const char *)op->data, ior_strerror(ior_cqe_res(cqe)),
	       ior_cqe_more(cqe));
}

static unsigned ticks;

static void tick(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	int res = ior_cqe_res(cqe);

	printf("tick %s: %s more=%d active=%d\n", (const char *)op->data, ior_strerror(res),
	       ior_cqe_more(cqe), ior_op_active(op));
	if (res == -IOR_ETIMEDOUT && ++ticks == 3)
		printf("cancel periodic: %d\n", ior_loop_cancel(loop, op));
}

static void stopper(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	(void)op;
	printf("stopper: %s\n", ior_strerror(ior_cqe_res(cqe)));
	ior_loop_stop(loop);
}

static void loop_checks(void)
{
	struct ior_loop loop;
	struct ior_op t30 = IOR_OP_INIT(say_timer, "30ms"), t10 = IOR_OP_INIT(say_timer, "10ms");
	struct ior_op t20 = IOR_OP_INIT(say_timer, "20ms"), doomed = IOR_OP_INIT(say_timer, "doomed");
	struct ior_op periodic = IOR_OP_INIT(tick, "5ms"), stop = IOR_OP_INIT(stopper, NULL);
	struct ior_op late = IOR_OP_INIT(say_timer, "late");

	printf("loop init: %d\n", ior_loop_init(&loop, 8));

	/* One-shot timers complete in deadline order, whatever the order they were armed in. */
	ior_loop_timer(&loop, &t30, 30 * MS);
	ior_loop_timer(&loop, &t10, 10 * MS);
	ior_loop_timer(&loop, &t20, 20 * MS);
	/* Cancelled in the same batch it was queued in: the host sees it first, then the cancel. */
	ior_loop_timer(&loop, &doomed, 5000 * MS);
	printf("cancel doomed: %d\n", ior_loop_cancel(&loop, &doomed));
	printf("run until idle: %d\n", ior_loop_run(&loop, IOR_RUN_UNTIL_IDLE));
	printf("cancel inactive: %s\n", ior_strerror(ior_loop_cancel(&loop, &t30)));

	/* A periodic timer goes on (more=1) until its callback cancels it. */
	ior_loop_timer_periodic(&loop, &periodic, 5 * MS);
	printf("run until idle: %d\n", ior_loop_run(&loop, IOR_RUN_UNTIL_IDLE));

	/* Nothing in flight: idle at once; until-stopped has nothing that could stop it. */
	printf("idle run: %d\n", ior_loop_run(&loop, IOR_RUN_UNTIL_IDLE));
	printf("stopped run with nothing: %s\n",
	       ior_strerror(ior_loop_run(&loop, IOR_RUN_UNTIL_STOPPED)));
	printf("nowait run with nothing: %d\n", ior_loop_run(&loop, IOR_RUN_NOWAIT));

	/* Stop from a callback ends until-stopped; the other timer is still in flight. */
	ior_loop_timer(&loop, &stop, 5 * MS);
	ior_loop_timer(&loop, &late, 40 * MS);
	printf("run until stopped: %d\n", ior_loop_run(&loop, IOR_RUN_UNTIL_STOPPED));
	printf("late active: %d\n", ior_op_active(&late));
	printf("nowait before late: %d\n", ior_loop_run(&loop, IOR_RUN_NOWAIT));
	printf("once: %d\n", ior_loop_run(&loop, IOR_RUN_ONCE));
	printf("late active: %d\n", ior_op_active(&late));
	ior_loop_exit(&loop);
}

static void say_result(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	(void)loop;
	printf("%s: %s\n", (const char *)op->data, ior_strerror(ior_cqe_res(cqe)));
}

/* A full local batch is flushed to make room, but never through a chain being built. */
static void batch_checks(void)
{
	struct ior_loop loop;
	struct ior_op nops = IOR_OP_INIT(say_result, "nop"), head = IOR_OP_INIT(say_result, "head");
	struct ior_op tail = IOR_OP_INIT(say_result, "tail"), link = IOR_OP_INIT(say_result, "link");
	ior_sqe_t *sqe;
	int got = 0;

	printf("small loop: %d\n", ior_loop_init(&loop, 4));
	for (int i = 0; i < 3; i++)
		ior_prep_nop(ior_loop_get_sqe(&loop, &nops));
	/* A failing head linked to a nop: the 5th SQE flushes the 3 nops, not the head. */
	sqe = ior_loop_get_sqe(&loop, &head);
	ior_prep_read(sqe, 999, 1, 0);
	ior_sqe_set_flags(sqe, IOR_SQE_LINK);
	ior_prep_nop(ior_loop_get_sqe(&loop, &tail));
	printf("queued after flush: %u\n", ior_sq_ready(&loop.ring));
	printf("run: %d\n", ior_loop_run(&loop, IOR_RUN_UNTIL_IDLE));
	/* A chain as long as the batch cannot be flushed: the batch grows to take the next. */
	for (int i = 0; i < 4; i++) {
		sqe = ior_loop_get_sqe(&loop, &link);
		ior_prep_nop(sqe);
		ior_sqe_set_flags(sqe, IOR_SQE_LINK);
		got++;
	}
	sqe = ior_loop_get_sqe(&loop, &link);
	printf("fifth of a 4-long chain: %s\n", sqe ? "got one" : "NULL");
	if (sqe) {
		ior_prep_nop(sqe); /* unlinked: the chain ends here */
		got++;
	}
	printf("run: %d (chain of %d)\n", ior_loop_run(&loop, IOR_RUN_UNTIL_IDLE), got);
	ior_loop_exit(&loop);
}

static int fired;

static void count_fired(struct ior_loop *loop, struct ior_op *op, ior_cqe_t *cqe)
{
	(void)loop;
	(void)op;
	fired += ior_cqe_res(cqe) == -IOR_ETIMEDOUT;
}

/*
 * More operations than the host keeps in flight (`ioring run`'s default 1024): the loop
 * queues the rest, in order, and sends them as earlier ones complete; none is refused.
 */
static void past_inflight_checks(void)
{
	enum { TIMERS = 1100 };
	static struct ior_op timers[TIMERS];
	struct ior_loop loop;
	int queued = 0;

	printf("past in-flight loop: %d\n", ior_loop_init(&loop, 4));
	for (int i = 0; i < TIMERS; i++) {
		ior_op_init(&timers[i], count_fired, NULL);
		queued += ior_loop_timer(&loop, &timers[i], 1000000) == 0;
	}
	printf("timers queued: %d of %d\n", queued, TIMERS);
	printf("run: %d, fired %d\n", ior_loop_run(&loop, IOR_RUN_UNTIL_IDLE), fired);
	ior_loop_exit(&loop);
}

/*
 * A full host is offered only part of the queue, and never part of a chain. 1,024 timers
 * fill the host; 300 chains of a failing read and two nops wait behind them. Once the timers
 * fire, the host has room for everything, but the ring has seen only two of their CQEs, so it
 * offers its estimate of the room, 2, plus a few: a cut after the tenth SQE would split a
 * chain, and that chain's nops would run instead of being canceled.
 */
static void past_inflight_chain_checks(void)
{
	enum { TIMERS = 1024, CHAINS = 300 };
	struct ior_ring ring;
	struct ior_cqes batch;
	ior_cqe_t *cqe;
	int timers = 0, heads = 0, canceled = 0, other = 0;

	printf("past in-flight ring: %d\n", ior_ring_init(&ring, 2048));
	for (int i = 0; i < TIMERS; i++) {
		ior_sqe_t *sqe = ior_get_sqe(&ring);

		ior_prep_timeout(sqe, 20 * MS, 0);
		ior_sqe_set_data32(sqe, 1);
	}
	for (int i = 0; i < CHAINS; i++) {
		ior_sqe_t *sqe = ior_get_sqe(&ring);

		ior_prep_read(sqe, 77, 16, 0);
		ior_sqe_set_flags(sqe, IOR_SQE_LINK);
		ior_sqe_set_data32(sqe, 2);
		sqe = ior_get_sqe(&ring);
		ior_prep_nop(sqe);
		ior_sqe_set_flags(sqe, IOR_SQE_LINK);
		ior_sqe_set_data32(sqe, 3);
		sqe = ior_get_sqe(&ring);
		ior_prep_nop(sqe);
		ior_sqe_set_data32(sqe, 3);
	}
	printf("queued: %u\n", ior_sq_ready(&ring));
	printf("submitted: %d\n", ior_submit(&ring));
	while (timers + heads + canceled + other < TIMERS + 3 * CHAINS &&
	       ior_wait_cqes(&ring, 1, 2, -1, &batch) > 0) {
		for (size_t i = 0; i < batch.nr; i++) {
			cqe = &batch.cqe[i];
			if (ior_cqe_get_data32(cqe) == 1 && ior_cqe_res(cqe) == -IOR_ETIMEDOUT)
				timers++;
			else if (ior_cqe_get_data32(cqe) == 2 && ior_cqe_res(cqe) == -IOR_EBADF)
				heads++;
			else if (ior_cqe_get_data32(cqe) == 3 && ior_cqe_res(cqe) == -IOR_ECANCELED)
				canceled++;
			else
				other++;
		}
		ior_cqes_free(&batch);
	}
	printf("timers %d, chains: %d heads bad-descriptor, %d nops canceled, %d other\n", timers,
	       heads, canceled, other);
	ior_ring_exit(&ring);
}

static void ring_checks(void)
{
	struct ior_ring ring;
	struct ior_cqes batch;
	ior_cqe_t *cqe;
	int ret;

	printf("ring init: %d\n", ior_ring_init(&ring, 4));
	for (uint32_t i = 1; i <= 3; i++) {
		ior_sqe_t *sqe = ior_get_sqe(&ring);

		ior_prep_nop(sqe);
		ior_sqe_set_data32(sqe, 100 + i);
	}
	printf("ready: %u\n", ior_sq_ready(&ring));
	printf("submitted: %d\n", ior_submit_and_wait(&ring, 3));
	for (int i = 0; i < 3; i++) {
		ret = ior_peek_cqe(&ring, &cqe);
		printf("peek: %d data=%u res=%d\n", ret, ior_cqe_get_data32(cqe), ior_cqe_res(cqe));
		ior_cqe_seen(&ring, cqe);
	}
	printf("peek empty: %s\n", ior_strerror(ior_peek_cqe(&ring, &cqe)));
	printf("wait nothing in flight: %s\n", ior_strerror(ior_wait_cqe_timeout(&ring, &cqe, 0)));

	/* A full local batch gives NULL; submit makes room. */
	for (int i = 0; i < 4; i++)
		ior_prep_nop(ior_get_sqe(&ring));
	printf("full: %s\n", ior_get_sqe(&ring) ? "no" : "yes");
	printf("wait_cqes: %d\n", ior_wait_cqes(&ring, 4, 8, -1, &batch));
	ior_cqes_free(&batch);

	/* A timeout that expires reports timed-out; one with a count completes early with 0. */
	ior_prep_timeout(ior_get_sqe(&ring), 1 * MS, 0);
	ior_wait_cqe(&ring, &cqe);
	printf("timeout: %s\n", ior_strerror(ior_cqe_res(cqe)));
	ior_cqe_seen(&ring, cqe);

	/* Not a directory grant: no-entry; a read of a bad handle: bad handle. */
	printf("grant: %s\n", ior_strerror(ior_grant_directory("nope")));
	printf("listener: %s\n", ior_strerror(ior_grant_listener("nope")));
	printf("device: %s\n", ior_strerror(ior_grant_device("nope")));
	ior_prep_read(ior_get_sqe(&ring), 77, 16, 0);
	ior_wait_cqe(&ring, &cqe);
	printf("read 77: %s\n", ior_strerror(ior_cqe_res(cqe)));
	ior_cqe_seen(&ring, cqe);

	/* Fixed buffers round trip through the host. */
	{
		char out[6] = { 0 };

		printf("register: %d\n", ior_register_buffers(&ring, 2, 16));
		printf("buffer write: %d\n", ior_buffer_write(&ring, 1, 10, "hello", 5));
		printf("buffer read: %d %s\n", ior_buffer_read(&ring, 1, 10, out, 5), out);
		printf("buffer read past end: %s\n",
		       ior_strerror(ior_buffer_read(&ring, 1, 12, out, 5)));
		printf("buffer 2: %s\n", ior_strerror(ior_buffer_write(&ring, 2, 0, "x", 1)));
	}
	ior_ring_exit(&ring);
}

static void addr_checks(void)
{
	static const char *const texts[] = {
		"127.0.0.1:8080", "0.0.0.0:0", "[::1]:443", "[::]:1", "[fe80::1:2]:1",
		"[1:2:3:4:5:6:7:8]:9", "[1:0:0:4:0:0:0:8]:9", "unix:/tmp/sock",
		"1.2.3:4", "256.0.0.1:1", "1.2.3.4", "1.2.3.4:65536", "[::1]", "[1::2::3]:4",
		"[1:2:3:4:5:6:7:8:9]:1", "x",
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		ior_sockaddr_t sa;
		char buf[64];
		int ret = ior_addr_parse(&sa, texts[i]);

		if (ret < 0) {
			printf("addr %s: %s\n", texts[i], ior_strerror(ret));
			continue;
		}
		ior_addr_format(&sa, buf, sizeof(buf));
		printf("addr %s: %s\n", texts[i], buf);
	}
	{
		ior_sockaddr_t sa;
		char small[8];
		size_t n;

		ior_addr_ipv4(&sa, 192, 168, 100, 200, 65535);
		n = ior_addr_format(&sa, small, sizeof(small));
		printf("truncated: %zu %s\n", n, small);
	}
}

static void error_checks(void)
{
	printf("errors: %d %s / %s / %s / %s\n", IOR_EUNKNOWN, ior_strerror(0),
	       ior_strerror(-IOR_EBADF), ior_strerror(IOR_ETIMEDOUT), ior_strerror(-999));
	ior_perror("perror line", -IOR_ENOTTY);
	ior_perror("perror plain", 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	loop_checks();
	batch_checks();
	past_inflight_checks();
	past_inflight_chain_checks();
	ring_checks();
	addr_checks();
	error_checks();
	return 0;
}
