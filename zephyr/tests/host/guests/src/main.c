/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The ioring host with real guest core modules and malformed input. Each guest run gets a
 * fresh RAM copy of its module (WAMR rewrites what it loads). The malformed guest
 * (guest/malformed.c) checks exact completion codes itself and exits 0 only if all were
 * exact; the tests here check its status, that the firmware survives traps, and that a
 * guest torn down with operations in flight leaves nothing behind for the next one.
 */
#include <string.h>

#include <zephyr/kernel.h>
#include <zephyr/ztest.h>

#include <ioring/ioring.h>

static const uint8_t timer_image[] = {
#include "timer.inc"
};
static const uint8_t malformed_image[] = {
#include "malformed.inc"
};
static uint8_t module[MAX(sizeof(timer_image), sizeof(malformed_image))];

static int run(const uint8_t *image, size_t len, int argc, const char *const argv[])
{
	memcpy(module, image, len);
	return ioring_run(module, len, argc, argv);
}

static int run_malformed(const char *scenario)
{
	const char *argv[] = {"malformed", scenario};

	return run(malformed_image, sizeof(malformed_image), 2, argv);
}

static int run_timer(void)
{
	const char *argv[] = {"timer", "10", "3"};

	return run(timer_image, sizeof(timer_image), 3, argv);
}

ZTEST(ioring_guests, test_timer_example_runs)
{
	zassert_equal(run_timer(), 0, "the timer example exits 0");
}

ZTEST(ioring_guests, test_modules_that_do_not_load)
{
	static const uint8_t header[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
	static uint8_t junk[64];
	const char *argv[] = {"x"};

	memset(junk, 0xa5, sizeof(junk));
	zassert_equal(run(junk, sizeof(junk), 1, argv), -EINVAL, "junk bytes");
	/* A valid header and nothing else: no run export. */
	zassert_equal(run(header, sizeof(header), 1, argv), -EINVAL, "an empty module");
	/* The timer module cut short. */
	zassert_equal(run(timer_image, sizeof(timer_image) / 2, 1, argv), -EINVAL,
		      "a truncated module");
	zassert_equal(run_timer(), 0, "a good module still runs after bad ones");
}

ZTEST(ioring_guests, test_bad_handles)
{
	zassert_equal(run_malformed("bad-handles"), 0, "bad-descriptor / access, exactly");
}

ZTEST(ioring_guests, test_oversized_lengths)
{
	zassert_equal(run_malformed("oversized"), 0, "invalid-argument, exactly");
}

ZTEST(ioring_guests, test_link_chains_break)
{
	zassert_equal(run_malformed("chain"), 0, "soft links cancelled, hard links run on");
}

ZTEST(ioring_guests, test_not_supported_in_order)
{
	zassert_equal(run_malformed("unsupported"), 0, "not-supported, a counted timeout and a drain, exactly");
}

ZTEST(ioring_guests, test_enter_packed_form)
{
	zassert_equal(run_malformed("enter"), 0,
		      "invalid for no packed form, a bad value, a sendmsg destination not whole "
		      "and a cut entry; max 0 only queues");
}

ZTEST(ioring_guests, test_trap_with_operations_in_flight)
{
	int64_t start = k_uptime_get();

	zassert_equal(run_malformed("trap-in-flight"), IORING_TRAPPED, "the guest trapped");
	/* Its 10 s timer was cancelled at teardown, not waited for. */
	zassert_true(k_uptime_get() - start < 1000, "teardown took %lld ms",
		     k_uptime_get() - start);
	/* Rings and handles are free again: the next guest gets its ring and runs. */
	zassert_equal(run_timer(), 0, "a guest after the trap runs");
	zassert_equal(run_malformed("chain"), 0, "and gets exact results");
}

ZTEST(ioring_guests, test_addresses_outside_memory_trap)
{
	zassert_equal(run_malformed("trap-bad-list"), IORING_TRAPPED, "an SQE list outside memory");
	zassert_equal(run_malformed("trap-bad-retptr"), IORING_TRAPPED,
		      "a return area outside memory");
	zassert_equal(run_malformed("trap-bad-enter-list"), IORING_TRAPPED,
		      "a packed SQE list outside memory");
	zassert_equal(run_malformed("trap-bad-enter-retptr"), IORING_TRAPPED,
		      "enter's return area outside memory");
	zassert_equal(run_timer(), 0, "the firmware goes on");
}

ZTEST(ioring_guests, test_unknown_scenario_status)
{
	/* main() returning non-zero is a failed run: status 1. */
	zassert_equal(run_malformed("no-such-scenario"), 1, "a failed run");
}

ZTEST_SUITE(ioring_guests, NULL, NULL, NULL, NULL, NULL);
