/*
 * SPDX-License-Identifier: Apache-2.0
 */

/**
 * @file
 * @brief ioring on Zephyr: run a guest core module with its ring served by RTIO.
 *
 * @defgroup ioring ioring host
 * @{
 */
#ifndef IORING_IORING_H_
#define IORING_IORING_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Exit status reported when the guest trapped (it was torn down). */
#define IORING_TRAPPED (-1000)

/**
 * @brief Load, instantiate and run one guest core module to its end.
 *
 * Calls the module's `_initialize` (when exported) and `wasi:cli/run@0.2.0#run`. On return,
 * every ring the guest left is dropped (its operations cancelled and reaped) and every handle
 * it opened is closed, whether it returned, exited or trapped.
 *
 * @param wasm the module bytes, in RAM: WAMR rewrites them while loading, so they must stay
 *             valid and unshared until the call returns
 * @param len their length
 * @param argc number of arguments (argv[0] is the program name)
 * @param argv the guest's arguments
 *
 * @retval 0 run returned success
 * @retval 1 run returned failure
 * @retval >1 the guest called proc_exit with this status (or 0..1 likewise)
 * @retval IORING_TRAPPED the guest trapped
 * @retval -EINVAL the module did not load or lacks the run export
 * @retval -ENOMEM the WAMR pool is too small
 */
int ioring_run(uint8_t *wasm, size_t len, int argc, const char *const argv[]);

#ifdef __cplusplus
}
#endif

/** @} */

#endif /* IORING_IORING_H_ */
