/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * Built into native_sim's runner (host libc), not into Zephyr: the Linux monotonic clock,
 * which advances during computation, unlike Zephyr's simulated clock.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

uint64_t ioring_bench_host_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The runner's environment: IORING_BENCH_PROFILE selects one case to repeat (main.c). */
const char *ioring_bench_host_env(const char *name)
{
	return getenv(name);
}
