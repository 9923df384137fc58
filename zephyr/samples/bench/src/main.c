/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The boundary-cost benchmark: the same operations (a NOP, a 1 us timer) at batch 1 and 32,
 * once from native C straight on RTIO, once from a wasm guest (guest/bench.c) through the
 * ioring host, timed with the Linux monotonic clock (src/host_clock.c; Zephyr's simulated
 * clock does not advance during computation). Run with -no-rt, so simulated waits for the
 * timer take no real time.
 *
 * Native C: per batch, acquire BATCH RTIO SQEs for an iodev that completes inline (NOP) or
 * from a k_timer (timer) - what the host's inline and timer iodevs do - submit, and consume
 * BATCH CQEs. Guest: ioring_run() of the guest for OPS operations, less ioring_run() of the
 * same guest for 0 operations (load, instantiate, ring create/drop), per operation; once
 * with the generated bindings alone (the boundary: ring.submit + ring.complete per batch)
 * and once with the C SDK's loop (ior_get_sqe/ior_wait_cqes, which add the SDK's own work
 * in the interpreter).
 * Each figure is the best of REPEAT runs. Prints one line per case with the ratio
 * guest/native, and exits with 1 if any operation had an unexpected result.
 */
#include <stdlib.h>
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/rtio/rtio.h>
#include <zephyr/sys/printk.h>

#include <ioring/ioring.h>

#ifdef CONFIG_ARCH_POSIX
#include <nsi_main.h>
#endif

#define REPEAT 5
#define TIMER_NS 1000

uint64_t ioring_bench_host_ns(void); /* src/host_clock.c, in the runner */
const char *ioring_bench_host_env(const char *name);

static const uint8_t guest_image[] = {
#include "bench.inc"
};
static uint8_t guest[sizeof(guest_image)]; /* WAMR rewrites the module it loads */

/* --- native C on RTIO -------------------------------------------------------------------- */

RTIO_DEFINE(bench_rtio, 32, 64);

struct bench_timer {
	struct k_timer timer;
	struct rtio_iodev_sqe *iodev_sqe;
};

static struct bench_timer timers[32];

static void nop_submit(struct rtio_iodev_sqe *iodev_sqe)
{
	rtio_iodev_sqe_ok(iodev_sqe, 0);
}

static void timer_expired(struct k_timer *t)
{
	struct bench_timer *bt = CONTAINER_OF(t, struct bench_timer, timer);

	rtio_iodev_sqe_ok(bt->iodev_sqe, -ETIMEDOUT);
}

static void timer_submit(struct rtio_iodev_sqe *iodev_sqe)
{
	struct bench_timer *bt = iodev_sqe->sqe.userdata;

	bt->iodev_sqe = iodev_sqe;
	k_timer_init(&bt->timer, timer_expired, NULL);
	k_timer_start(&bt->timer, K_NSEC(TIMER_NS), K_NO_WAIT);
}

static const struct rtio_iodev_api nop_api = {.submit = nop_submit};
static const struct rtio_iodev_api timer_api = {.submit = timer_submit};
RTIO_IODEV_DEFINE(bench_nop_iodev, &nop_api, NULL);
RTIO_IODEV_DEFINE(bench_timer_iodev, &timer_api, NULL);

static int native_run(bool timer, unsigned batch, unsigned ops)
{
	int bad = 0;

	for (unsigned done = 0; done < ops; done += batch) {
		for (unsigned i = 0; i < batch; i++) {
			struct rtio_sqe *sqe = rtio_sqe_acquire(&bench_rtio);

			rtio_sqe_prep_nop(sqe, timer ? &bench_timer_iodev : &bench_nop_iodev,
					  &timers[i]);
		}
		rtio_submit(&bench_rtio, 0);
		for (unsigned i = 0; i < batch; i++) {
			struct rtio_cqe *cqe = rtio_cqe_consume_block(&bench_rtio);

			bad += cqe->result != (timer ? -ETIMEDOUT : 0);
			rtio_cqe_release(&bench_rtio, cqe);
		}
	}
	return bad;
}

/* --- the guest --------------------------------------------------------------------------- */

/* How the guest crosses: the C SDK's loop, or the bindings alone in either form. */
enum guest_kind { GUEST_SDK, GUEST_RECORDS, GUEST_ENTER };
static enum guest_kind guest_kind;

static int guest_run(bool timer, unsigned batch, unsigned ops)
{
	static const char *const kinds[3][2] = {
		[GUEST_SDK] = {"nop", "timer"},
		[GUEST_RECORDS] = {"abi-nop", "abi-timer"},
		[GUEST_ENTER] = {"enter-nop", "enter-timer"},
	};
	char b[12], n[12];
	const char *argv[] = {"bench", kinds[guest_kind][timer], b, n};

	snprintk(b, sizeof(b), "%u", batch);
	snprintk(n, sizeof(n), "%u", ops);
	memcpy(guest, guest_image, sizeof(guest));
	return ioring_run(guest, sizeof(guest), ARRAY_SIZE(argv), argv);
}

/* --- timing ------------------------------------------------------------------------------ */

static int failures;

static uint64_t best_ns(int (*run)(bool, unsigned, unsigned), bool timer, unsigned batch,
			unsigned ops)
{
	uint64_t best = UINT64_MAX;

	for (int r = 0; r < REPEAT; r++) {
		uint64_t t0 = ioring_bench_host_ns();
		int ret = run(timer, batch, ops);
		uint64_t t = ioring_bench_host_ns() - t0;

		if (ret != 0) {
			printk("bench: %s %s batch %u: status %d\n", run == native_run ? "native" : "guest",
			       timer ? "timer" : "nop", batch, ret);
			failures++;
		}
		best = MIN(best, t);
	}
	return best;
}

static void bench_case(bool timer, unsigned batch, unsigned ops)
{
	uint64_t native = best_ns(native_run, timer, batch, ops);
	/* Tenths of a nanosecond per operation, and hundredths of the ratio. */
	uint32_t n10 = (uint32_t)(native * 10 / ops);

	printk("bench %-5s batch %2u: native %u.%u ns/op", timer ? "timer" : "nop", batch,
	       n10 / 10, n10 % 10);
	static const char *const names[] = {
		[GUEST_RECORDS] = "guest bindings",
		[GUEST_ENTER] = "guest enter",
		[GUEST_SDK] = "guest SDK loop",
	};
	static const enum guest_kind order[] = {GUEST_RECORDS, GUEST_ENTER, GUEST_SDK};

	for (size_t k = 0; k < ARRAY_SIZE(order); k++) {
		guest_kind = order[k];
		uint64_t empty = best_ns(guest_run, timer, batch, 0);
		uint64_t guest = best_ns(guest_run, timer, batch, ops);
		uint32_t g10 = (uint32_t)((guest > empty ? guest - empty : 0) * 10 / ops);
		uint32_t ratio = n10 ? (uint32_t)((uint64_t)g10 * 100 / n10) : 0;

		printk(", %s %u.%u ns/op (%u.%02ux)", names[guest_kind], g10 / 10, g10 % 10,
		       ratio / 100, ratio % 100);
	}
	printk("\n");
}

/*
 * IORING_BENCH_PROFILE=KIND:BATCH[:OPS] in the environment runs one case and prints its time,
 * nothing else: KIND is nop, timer (the SDK loop), abi-nop, abi-timer (the bindings alone,
 * submit and complete), enter-nop, enter-timer (the bindings alone, enter), native-nop or
 * native-timer. Without OPS it repeats runs of 32768 operations for 3 s (for
 * perf record); with OPS it makes one run of OPS operations (for valgrind --tool=callgrind:
 * the instructions of a run of N less those of a run of 0 are the cost of N operations).
 */
static int profile(const char *spec)
{
	const char *p = strchr(spec, ':');
	unsigned batch = p ? (unsigned)atoi(p + 1) : 1;
	const char *q = p ? strchr(p + 1, ':') : NULL;
	bool native = strncmp(spec, "native-", 7) == 0;
	const char *kind = spec + (native ? 7 : 0);
	static const size_t prefix[] = {[GUEST_SDK] = 0, [GUEST_RECORDS] = 4, [GUEST_ENTER] = 6};
	bool timer;
	uint64_t t0 = ioring_bench_host_ns(), ops = 0;
	int (*run)(bool, unsigned, unsigned) = native ? native_run : guest_run;

	guest_kind = strncmp(kind, "abi-", 4) == 0     ? GUEST_RECORDS
		     : strncmp(kind, "enter-", 6) == 0 ? GUEST_ENTER
						       : GUEST_SDK;
	timer = strncmp(kind + prefix[guest_kind], "timer", 5) == 0;
	if (!batch || batch > 32)
		return 1;
	if (q) {
		ops = (unsigned)atoi(q + 1);
		if (run(timer, batch, (unsigned)ops) != 0)
			return 1;
	} else {
		while (ioring_bench_host_ns() - t0 < 3000000000ull) {
			if (run(timer, batch, 32768) != 0)
				return 1;
			ops += 32768;
		}
	}
	printk("bench: profile %s: %llu ns/op\n", spec,
	       (unsigned long long)((ioring_bench_host_ns() - t0) / (ops ? ops : 1)));
	return 0;
}

int main(void)
{
	const char *only = ioring_bench_host_env("IORING_BENCH_PROFILE");

	if (only) {
		int ret = profile(only);

#ifdef CONFIG_ARCH_POSIX
		nsi_exit(ret);
#endif
		return ret;
	}
	printk("bench: %u runs each, best taken; guest = run(ops) - run(0), per operation\n",
	       REPEAT);
	bench_case(false, 1, 32768);
	bench_case(false, 32, 32768);
	bench_case(true, 1, 8192);
	bench_case(true, 32, 8192);
	printk("bench: %s\n", failures ? "FAILED" : "done");
#ifdef CONFIG_ARCH_POSIX
	nsi_exit(failures ? 1 : 0);
#endif
	return 0;
}
