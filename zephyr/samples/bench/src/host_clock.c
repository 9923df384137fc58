/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Built into native_sim's runner (host libc), not into Zephyr: the Linux monotonic clock,
 * which advances during computation, unlike Zephyr's simulated clock.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/*
 * IORING_BENCH_CLOCK=cpu in the environment: the process's CPU time instead, which a loaded
 * machine disturbs less (time spent descheduled is not counted).
 */
uint64_t ioring_bench_host_ns(void)
{
	static int which = -1;
	struct timespec ts;

	if (which < 0) {
		const char *c = getenv("IORING_BENCH_CLOCK");

		which = c && c[0] == 'c' ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC;
	}
	clock_gettime(which, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The runner's environment: IORING_BENCH_PROFILE selects one case to repeat (main.c). */
const char *ioring_bench_host_env(const char *name)
{
	return getenv(name);
}
