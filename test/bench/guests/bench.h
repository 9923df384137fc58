/* bench.h - what the benchmark guests share: the clock they time their loops with. */
#ifndef BENCH_H
#define BENCH_H

#include <time.h>

/* Nanoseconds on the monotonic clock. */
static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#endif
